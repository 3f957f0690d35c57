//! What a database says about itself: its version, and any patch left unfinished.

use crate::connections::Connections;
use crate::error::ApplyError;
use crate::history::{Row, Status, Table};
use crate::origin::{self, Source};
use govup_planner::Version;
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
}

/// Reads the history of every schema the map upgrades, and `db_info` when there is none.
pub fn status(conns: &mut Connections, map: &SchemaMap) -> Result<DbStatus, ApplyError> {
    let mut levels = Vec::new();
    let mut unfinished = Vec::new();
    let mut applied = 0;
    let mut interrupted = Vec::new();
    let mut recorded = 0;
    let targets = map.info_patch_targets();
    for target in &targets {
        let conn = conns.for_target(target);
        let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
        let rows = table
            .read(conn.driver.as_mut())
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        crate::history::check(&rows, origin::from_history(&rows))?;
        match origin::from_history(&rows) {
            Some(level) => levels.push(level),
            None => interrupted.extend(origin::from_unfinished_step(&rows)),
        }
        recorded += rows.len();
        applied += rows.iter().filter(|r| r.status == Status::Applied).count();
        unfinished.extend(
            rows.into_iter()
                .filter(|r| r.status != Status::Applied)
                .map(|r| (target.clone(), r)),
        );
    }
    if let Some(level) = levels.into_iter().min().or(interrupted.into_iter().min()) {
        return Ok(DbStatus {
            version: Some((Version::from(level), Source::History)),
            unfinished,
            applied,
            recorded,
        });
    }
    let first = targets.first().cloned().unwrap_or(Target {
        url: None,
        schema: None,
    });
    let conn = conns.for_target(&first);
    conn.use_schema(&first.schema)?;
    let version = origin::from_db_info(conn.driver.as_mut())
        .map_err(|error| ApplyError::History {
            conn: conn.driver.describe(),
            error,
        })?
        .map(|v| (v, Source::DbInfo));
    Ok(DbStatus {
        version,
        unfinished,
        applied,
        recorded,
    })
}
