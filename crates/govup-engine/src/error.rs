//! Everything that can stop an apply, each naming the object it is about.

use crate::driver::DbError;
use govup_planner::PlanError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot connect to {url}: {error}")]
    Connect { url: String, error: DbError },
    #[error("cannot read the catalog of {schema} on {conn}: {error}")]
    Catalog {
        conn: String,
        schema: String,
        error: DbError,
    },
    #[error("cannot {action} beside {conn}: {error}")]
    Scratch {
        conn: String,
        action: String,
        error: DbError,
    },
    #[error("refused: {conn} is read-only ({reason}); nothing was written")]
    ReadOnly { conn: String, reason: String },
    #[error("cannot tell whether {conn} is writable: {error}")]
    ReadOnlyCheck { conn: String, error: DbError },
    #[error("cannot take the upgrade lock on {conn}: {error}")]
    Lock { conn: String, error: DbError },
    #[error("cannot use schema {schema} on {conn}: {error}")]
    Schema {
        conn: String,
        schema: String,
        error: DbError,
    },
    #[error("cannot read or write govup_history on {conn}: {error}")]
    History { conn: String, error: DbError },
    #[error("{path} was applied with sha256 {recorded} but the tree now holds {current}: an applied patch must never change")]
    ChangedApplied {
        path: String,
        recorded: String,
        current: String,
    },
    #[error("{path} is partially applied ({done} of its statements ran) and its bytes changed since: statement numbers can no longer be trusted")]
    ChangedPartial { path: String, done: i64 },
    #[error("cannot tell which version the database is at: {why}; pass --from VERSION")]
    UnknownStart { why: String },
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("{path}:{line}: cannot split: {message}")]
    Split {
        path: String,
        line: u32,
        message: String,
    },
    #[error("cannot read {path}: {error}")]
    Read { path: String, error: String },
    #[error("{path}:{line}: {keyword} in a patch: on {db} govup runs every patch inside a transaction of its own, which a patch must not end or start")]
    TransactionControl {
        path: String,
        line: u32,
        keyword: String,
        db: String,
    },
    #[error("{path}:{line}: refused on {conn}: {reason}")]
    Refused {
        path: String,
        line: u32,
        conn: String,
        reason: String,
    },
    #[error("{path}:{line}: statement failed: {first_line}: {error}")]
    Statement {
        path: String,
        line: u32,
        first_line: String,
        error: DbError,
        rolled_back: bool,
    },
    #[error("cannot back up {target}: {error}")]
    Backup { target: String, error: String },
    #[error("cannot restore {target}: {error}")]
    Restore { target: String, error: String },
    #[error("{0}")]
    Usage(String),
    /// The driver has no [`crate::Maintenance`]: refused before anything is written.
    #[error(
        "cannot {what} on {conn}: govup has no backups, catalogs or scratch databases for {db} yet"
    )]
    Unsupported {
        what: String,
        conn: String,
        db: &'static str,
    },
    #[error("{cause}")]
    Restored {
        cause: Box<ApplyError>,
        from: PathBuf,
    },
    #[error("{cause}")]
    RestoreFailed {
        cause: Box<ApplyError>,
        restore: Box<ApplyError>,
    },
    #[error("govup_history cannot be trusted: the row of {path} (step {step}): {what}")]
    BadHistoryRow {
        path: String,
        step: String,
        what: String,
    },
    #[error("interrupted by a signal: stopped before {before}")]
    Interrupted { before: String },
    #[error("cannot commit on {conn}: {error}")]
    Commit { conn: String, error: DbError },
}

/// `schema {name}`, or `the default schema`, for [`ApplyError::Catalog`].
pub(crate) fn schema_words(schema: Option<&str>) -> String {
    schema.map_or("the default schema".into(), |s| format!("schema {s}"))
}

impl ApplyError {
    /// True for bad input (exit 2) rather than a failed operation (exit 1).
    pub fn is_usage(&self) -> bool {
        match self {
            ApplyError::UnknownStart { .. }
            | ApplyError::Split { .. }
            | ApplyError::Read { .. }
            | ApplyError::TransactionControl { .. }
            | ApplyError::Usage(_) => true,
            ApplyError::Plan(e) => matches!(e, PlanError::UnknownVersion(_)),
            _ => false,
        }
    }

    /// Lines that follow the headline.
    pub fn details(&self) -> Vec<String> {
        match self {
            ApplyError::Restored { from, .. } => vec![format!(
                "restored from the backup in {}: the database is as it was before the upgrade",
                from.display()
            )],
            ApplyError::RestoreFailed { restore, .. } => vec![
                format!("the automatic restore failed too: {restore}"),
                "restore by hand with `govup restore` once the cause is fixed".into(),
            ],
            ApplyError::Plan(e) => e.details(),
            ApplyError::Statement { rolled_back: true, .. } => {
                vec!["rolled back: the database is as it was before this transaction".into()]
            }
            ApplyError::Statement { rolled_back: false, .. } => vec![
                "progress is recorded in govup_history: fix the cause and run the same command again to resume".into(),
            ],
            ApplyError::TransactionControl { .. } => vec![
                "remove the statement; work that must commit on its own belongs in a patch of its own".into(),
            ],
            ApplyError::ChangedPartial { .. } => vec![
                "restore the patch as it was, or pass --continue-changed-patch to run the new file from the first statement not recorded as done".into(),
            ],
            ApplyError::Interrupted { .. } => vec![
                "what completed is recorded in govup_history, anything unfinished was rolled back: run the same command again to resume".into(),
            ],
            ApplyError::BadHistoryRow { .. } => vec![
                "check in the database what that patch did, then correct the row (status, statements_done) or delete it, and run the command again".into(),
            ],
            ApplyError::ReadOnly { .. } => vec![
                "point --url at the primary (dry runs, plan and status work on a read-only target)".into(),
            ],
            ApplyError::ChangedApplied { .. } => vec![
                "restore the file, or ship the change as a new patch in a new step".into(),
            ],
            _ => vec![],
        }
    }
}
