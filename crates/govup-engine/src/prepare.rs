//! Everything before the first write: checks against the history, the start version, and each
//! patch read and split into a [`Run`].

use crate::apply::{Job, Options};
use crate::connections::Connections;
use crate::driver::{Dialect, Statement};
use crate::error::ApplyError;
use crate::history::{Kind, Row, Status};
use crate::origin::{self, Source};
use govup_planner::{PlannedStep, SqlFile, Version};
use govup_schema_map::Target;
use std::collections::{HashMap, HashSet};

/// One patch or info-patch that will run, split and ready.
pub(crate) struct Run {
    pub step: usize,
    /// The step directory, as the history records it.
    pub step_dir: String,
    pub path: String,
    pub file: String,
    pub sha256: String,
    pub kind: Kind,
    pub role: Option<String>,
    pub target: Target,
    pub target_version: String,
    pub statements: Vec<Statement>,
    /// 0-based index of the first statement to run (a resumed partial patch skips the done ones).
    pub first: usize,
    /// The history holds a row for this path already (failed or partial): update, not insert.
    pub has_row: bool,
}

/// One schema's history, indexed for the questions the engine asks of it once per patch (a
/// re-run of 5,000 patches must not scan 5,000 rows 5,000 times).
#[derive(Default)]
pub(crate) struct Recorded {
    pub rows: Vec<Row>,
    by_path: HashMap<String, usize>,
    /// (file name, sha256) of every patch recorded as applied.
    applied: HashSet<(String, String)>,
}

impl Recorded {
    pub fn new(rows: Vec<Row>) -> Recorded {
        let by_path = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.patch_path.clone(), i))
            .collect();
        let applied = rows
            .iter()
            .filter(|r| r.kind == Kind::Patch && r.status == Status::Applied)
            .map(|r| (r.file_name.clone(), r.sha256.clone()))
            .collect();
        Recorded {
            rows,
            by_path,
            applied,
        }
    }

    pub fn row(&self, path: &str) -> Option<&Row> {
        self.by_path.get(path).map(|i| &self.rows[*i])
    }

    /// Is this identity (file name, sha256) recorded as applied here?
    pub fn has_patch(&self, file: &str, sql: &SqlFile) -> bool {
        self.applied
            .contains(&(file.to_string(), sql.sha256.to_hex()))
    }

    /// Is the info-patch at `path` recorded as applied here?
    pub fn has_info(&self, path: &str) -> bool {
        self.row(path).is_some_and(|r| r.status == Status::Applied)
    }
}

/// Refuses when a patch the history records as applied now has other bytes in the tree.
pub(crate) fn verify_checksums(
    job: &Job<'_>,
    recorded: &HashMap<Target, Recorded>,
) -> Result<(), ApplyError> {
    let mut current: HashMap<&str, &govup_planner::Sha256> = HashMap::new();
    for step in &job.tree.steps {
        for patch in step.patches(job.db) {
            current.insert(&patch.sql.path, &patch.sql.sha256);
        }
        if let Some(info) = &step.info_patch {
            current.insert(&info.path, &info.sha256);
        }
    }
    let mut applied: Vec<&Row> = recorded
        .values()
        .flat_map(|r| &r.rows)
        .filter(|r| r.status == Status::Applied)
        .collect();
    applied.sort_by(|a, b| a.patch_path.cmp(&b.patch_path));
    for row in applied {
        let Some(sha) = current.get(row.patch_path.as_str()) else {
            continue;
        };
        let now = sha.to_hex();
        if now != row.sha256 {
            return Err(ApplyError::ChangedApplied {
                path: row.patch_path.clone(),
                recorded: row.sha256.clone(),
                current: now,
            });
        }
    }
    Ok(())
}

pub(crate) fn detect_start(
    conns: &mut Connections,
    targets: &[Target],
    rows: &HashMap<Target, Recorded>,
) -> Result<(Version, Source), ApplyError> {
    // With several schemas, the least advanced one decides: the others skip what they hold.
    let levels: Vec<_> = targets
        .iter()
        .filter_map(|t| origin::from_history(&rows.get(t)?.rows))
        .collect();
    if let Some(level) = levels.iter().min() {
        return Ok((Version::from(*level), Source::History));
    }
    let unfinished: Vec<_> = targets
        .iter()
        .filter_map(|t| origin::from_unfinished_step(&rows.get(t)?.rows))
        .collect();
    if let Some(level) = unfinished.iter().min() {
        return Ok((Version::from(*level), Source::History));
    }
    let recorded: usize = targets
        .iter()
        .filter_map(|t| rows.get(t))
        .map(|r| r.rows.len())
        .sum();
    let first = targets.first().cloned().unwrap_or(Target {
        url: None,
        schema: None,
    });
    let conn = conns.for_target(&first);
    conn.use_schema(&first.schema)?;
    match origin::from_db_info(conn.driver.as_mut()) {
        Ok(Some(v)) => Ok((v, Source::DbInfo)),
        Ok(None) => Err(ApplyError::UnknownStart {
            why: origin::unknown_why(&conn.driver.describe(), recorded),
        }),
        Err(error) => Err(ApplyError::History {
            conn: conn.driver.describe(),
            error,
        }),
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn prepare(
    (step, planned): (usize, &PlannedStep),
    sql: &SqlFile,
    file: &str,
    kind: Kind,
    role: Option<String>,
    target: &Target,
    previous: Option<&Row>,
    dialect: &dyn Dialect,
    opts: &Options,
) -> Result<Run, ApplyError> {
    // The bytes that run are the bytes that were hashed: kept from the scan, or read again and
    // checked, so that a file edited meanwhile cannot run under another file's checksum.
    let bytes: std::borrow::Cow<'_, [u8]> = match &sql.bytes {
        Some(kept) => std::borrow::Cow::Borrowed(kept),
        None => {
            let read = std::fs::read(&sql.source).map_err(|e| ApplyError::Read {
                path: sql.path.clone(),
                error: e.to_string(),
            })?;
            if govup_planner::Sha256::of(&read) != sql.sha256 {
                return Err(ApplyError::Read {
                    path: sql.path.clone(),
                    error: "it changed while govup was running".into(),
                });
            }
            std::borrow::Cow::Owned(read)
        }
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| ApplyError::Read {
        path: sql.path.clone(),
        error: format!("not UTF-8 text (byte {})", e.valid_up_to()),
    })?;
    let statements = dialect.split(text).map_err(|e| ApplyError::Split {
        path: sql.path.clone(),
        line: e.line,
        message: e.message,
    })?;
    let sha256 = sql.sha256.to_hex();
    let mut first = 0;
    if let Some(row) = previous {
        let done = usize::try_from(row.statements_done).unwrap_or(0);
        if done > 0 && !dialect.capabilities().transactional_ddl {
            if row.sha256 != sha256 && !opts.continue_changed {
                return Err(ApplyError::ChangedPartial {
                    path: sql.path.clone(),
                    done: row.statements_done,
                });
            }
            first = done.min(statements.len());
        }
    }
    Ok(Run {
        step,
        step_dir: planned.dir.clone(),
        target_version: planned.to.to_string(),
        path: sql.path.clone(),
        file: file.to_string(),
        sha256,
        kind,
        role,
        target: target.clone(),
        statements,
        first,
        has_row: previous.is_some(),
    })
}
