//! `govup repair`: after an operator fixed a database by hand, change exactly one history row,
//! under the upgrade lock, and record who did it, when and why.
//!
//! Narrower than rewriting the table by hand: one row, one of two actions, each allowed only
//! from the statuses where it means something, and the row's run columns are kept as the
//! record of what happened before the repair.

use crate::connections::{Connections, Locked};
use crate::driver::Tx;
use crate::error::ApplyError;
use crate::events::Observer;
use crate::history::{Repair, RepairAction, Row, Status, Table};
use govup_schema_map::{SchemaMap, Target};

/// One repair: which row, what to do, and the audit note.
pub struct Request<'a> {
    /// The tree-relative path of the patch (the row's `patch_path`).
    pub path: &'a str,
    /// The SHA-256 of the patch as the tree holds it now: what a marked row then stands for.
    pub sha256: &'a str,
    pub action: RepairAction,
    pub by: &'a str,
    pub reason: &'a str,
    /// Only this schema's history (needed when several schemas hold the path: info-patches).
    pub schema: Option<&'a str>,
}

/// What a repair changed.
pub struct Repaired {
    pub target: Target,
    /// The row as it was.
    pub before: Row,
    pub status: Status,
    pub repair: Repair,
}

/// Errors that are the repair's own; database errors are [`ApplyError`]s.
#[derive(Debug, thiserror::Error)]
pub enum RepairError {
    #[error("govup_history holds no row for {path}{}", in_schema(.schema))]
    NoRow {
        path: String,
        schema: Option<String>,
    },
    #[error("govup_history holds {path} in {} schemas ({}): pass --schema to say which row", .schemas.len(), .schemas.join(", "))]
    SeveralRows { path: String, schemas: Vec<String> },
    #[error("{path} is {status}: --{} does not apply to it", .action.as_str())]
    WrongStatus {
        path: String,
        status: &'static str,
        action: RepairAction,
    },
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

fn in_schema(schema: &Option<String>) -> String {
    schema
        .as_deref()
        .map(|s| format!(" in schema {s}"))
        .unwrap_or_default()
}

impl RepairError {
    pub fn details(&self) -> Vec<String> {
        match self {
            RepairError::NoRow { .. } => {
                vec!["govup repair changes a row an apply wrote; `govup history` lists them".into()]
            }
            RepairError::WrongStatus { action, .. } => vec![match action {
                RepairAction::MarkApplied => {
                    "--mark-applied takes a failed, partial or forgotten row".into()
                }
                RepairAction::Forget => "--forget takes an applied, failed or partial row".into(),
            }],
            RepairError::Apply(e) => e.details(),
            RepairError::SeveralRows { .. } => vec![],
        }
    }
}

/// Changes exactly one row: the one of `req.path` in the history of the map's schemas.
/// `--mark-applied` (failed, partial, forgotten) makes it applied with the tree's current
/// sha256 and every statement done; `--forget` (applied, failed, partial) makes it forgotten.
pub fn repair(
    conns: &mut Connections,
    map: &SchemaMap,
    req: &Request<'_>,
    at: String,
    observer: &mut dyn Observer,
) -> Result<Repaired, RepairError> {
    let mut locked = Locked::acquire(conns, observer)?;
    let (target, before) = the_row(&mut locked, map, req)?;
    let (status, sha256, done) = after(req, &before)?;
    let repair = Repair {
        at,
        by: req.by.to_string(),
        reason: req.reason.to_string(),
        action: req.action,
    };
    let conn = locked.conns.for_target(&target);
    let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
    let update = table.repair_sql(req.path, status, &sha256, done, &repair);
    let db = conn.driver.as_mut();
    // Where DDL is transactional the added columns and the row change commit together; where
    // it is not, the ALTER commits on its own, which leaves only empty nullable columns behind.
    let written = db.transaction(Tx::Begin).and_then(|()| {
        let result = table
            .add_repair_columns(db)
            .and_then(|()| db.execute(&update));
        match result {
            Ok(()) => db.transaction(Tx::Commit),
            Err(e) => {
                let _ = db.transaction(Tx::Rollback);
                Err(e)
            }
        }
    });
    written.map_err(|error| ApplyError::History {
        conn: conn.driver.describe(),
        error,
    })?;
    drop(locked);
    Ok(Repaired {
        target,
        before,
        status,
        repair,
    })
}

/// The one history row of `req.path` among the schemas the map writes to (or `req.schema`).
fn the_row(
    locked: &mut Locked<'_>,
    map: &SchemaMap,
    req: &Request<'_>,
) -> Result<(Target, Row), RepairError> {
    let mut found: Vec<(Target, Row)> = Vec::new();
    for target in map.info_patch_targets() {
        if req.schema.is_some() && target.schema.as_deref() != req.schema {
            continue;
        }
        let conn = locked.conns.for_target(&target);
        let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
        let rows = table
            .read(conn.driver.as_mut())
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        if let Some(row) = rows.into_iter().find(|r| r.patch_path == req.path) {
            found.push((target, row));
        }
    }
    match found.len() {
        0 => Err(RepairError::NoRow {
            path: req.path.to_string(),
            schema: req.schema.map(str::to_string),
        }),
        1 => Ok(found.remove(0)),
        _ => Err(RepairError::SeveralRows {
            path: req.path.to_string(),
            schemas: found
                .iter()
                .map(|(t, _)| t.schema.clone().unwrap_or_else(|| "(default)".into()))
                .collect(),
        }),
    }
}

/// The row's status, sha256 and statements done after the repair, or why the action does not
/// apply to a row in its status.
fn after(req: &Request<'_>, before: &Row) -> Result<(Status, String, i64), RepairError> {
    match (req.action, before.status) {
        (RepairAction::MarkApplied, Status::Failed | Status::Partial | Status::Forgotten) => Ok((
            Status::Applied,
            req.sha256.to_string(),
            before.statements_total,
        )),
        (RepairAction::Forget, Status::Applied | Status::Failed | Status::Partial) => Ok((
            Status::Forgotten,
            before.sha256.clone(),
            before.statements_done,
        )),
        (action, status) => Err(RepairError::WrongStatus {
            path: req.path.to_string(),
            status: status.as_str(),
            action,
        }),
    }
}
