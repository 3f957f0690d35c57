//! What a database says about itself: its version, and any patch left unfinished.

use crate::connections::Connections;
use crate::error::ApplyError;
use crate::history::{Row, Status};
use crate::origin::{self, Source};
use crate::session::Histories;
use govup_planner::{plan, Contents, DbType, Loaded, PlanError, Request, Version};
use govup_schema_map::{SchemaMap, Target};

pub struct DbStatus {
    /// History rows over every schema, whatever their status.
    pub recorded: usize,
    /// None when neither govup's history nor `db_info` says a version.
    pub version: Option<(Version, Source)>,
    /// History rows that are failed or partial, with the schema they are in.
    pub unfinished: Vec<(Target, Row)>,
    /// Patches and info-patches recorded as applied, over every schema.
    pub applied: usize,
    /// Those applied rows, with the schema they are in (to check them against a tree).
    pub applied_rows: Vec<(Target, Row)>,
}

/// Reads the history of every schema the map upgrades, and `db_info` when there is none.
pub fn status(conns: &mut Connections, map: &SchemaMap) -> Result<DbStatus, ApplyError> {
    let targets = map.info_patch_targets();
    let histories = Histories::read(conns, &targets)?;
    let version = origin::detect(conns, &targets, |t| &histories.of(t).rows)?;
    let mut unfinished = Vec::new();
    let mut applied_rows = Vec::new();
    for target in &targets {
        let rows = &histories.of(target).rows;
        unfinished.extend(
            rows.iter()
                .filter(|r| matches!(r.status, Status::Failed | Status::Partial))
                .map(|r| (target.clone(), r.clone())),
        );
        applied_rows.extend(
            rows.iter()
                .filter(|r| r.status == Status::Applied)
                .map(|r| (target.clone(), r.clone())),
        );
    }
    Ok(DbStatus {
        recorded: histories.rows().count(),
        version,
        unfinished,
        applied: applied_rows.len(),
        applied_rows,
    })
}

/// The steps that an apply to the newest version of `tree` would run on a database at `at`, in
/// route order. A lateral move is planned, not refused: status only reports.
pub fn pending(tree: &Loaded, db: DbType, at: &Version) -> Result<Vec<String>, PlanError> {
    pending_to(tree, db, at, &tree.newest().unwrap_or_else(|| at.clone()))
}

/// Like [`pending`], to the version `to` (`govup status --to`).
pub fn pending_to(
    tree: &Loaded,
    db: DbType,
    at: &Version,
    to: &Version,
) -> Result<Vec<String>, PlanError> {
    let request = Request {
        from: at.clone(),
        to: to.clone(),
        allow_lateral: true,
    };
    let planned = plan(&Contents::new(&tree.tree, &tree.graph, db), &request)?;
    Ok(planned.steps.into_iter().map(|s| s.dir).collect())
}
