//! Which version a database is at: govup's own history first, else GovWay's `db_info` notes.

use crate::connections::Connections;
use crate::driver::{DbError, Driver};
use crate::error::ApplyError;
use crate::history::{Kind, Row, Status};
use govup_planner::{Level, Version};
use govup_schema_map::Target;

/// Where a start version came from, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Given,
    History,
    DbInfo,
}

/// The version `targets` are at: the least advanced schema's history decides (the others skip
/// what they hold), else the earliest step their rows leave unfinished, else `db_info` in the
/// first target. None when nothing says. `apply` and `status` both ask this, so they agree.
pub(crate) fn detect<'r>(
    conns: &mut Connections,
    targets: &[Target],
    rows: impl Fn(&Target) -> &'r [Row],
) -> Result<Option<(Version, Source)>, ApplyError> {
    let applied = targets.iter().filter_map(|t| from_history(rows(t))).min();
    let unfinished = || {
        targets
            .iter()
            .filter_map(|t| from_unfinished_step(rows(t)))
            .min()
    };
    if let Some(level) = applied.or_else(unfinished) {
        return Ok(Some((Version::from(level), Source::History)));
    }
    let first = targets.first().cloned().unwrap_or(Target {
        url: None,
        schema: None,
    });
    let conn = conns.for_target(&first);
    conn.use_schema(&first.schema)?;
    let found = from_db_info(conn.driver.as_mut()).map_err(|error| ApplyError::History {
        conn: conn.driver.describe(),
        error,
    })?;
    Ok(found.map(|v| (v, Source::DbInfo)))
}

/// The highest target version whose info-patch the history records as applied.
pub fn from_history(rows: &[Row]) -> Option<Level> {
    rows.iter()
        .filter(|r| r.kind == Kind::Info && r.status == Status::Applied)
        .filter_map(|r| r.target_version.parse::<Version>().ok())
        .map(|v| v.level())
        .max()
}

/// The version a database is at when its history records no applied info-patch yet but holds
/// rows of one step: the step was interrupted (on MySQL, an info-patch's `DELETE FROM db_info`
/// may have committed before its `INSERT` failed), so the database is at that step's start.
/// Several steps: the earliest. A crossing (`P.M.x`) names no exact start: None.
pub fn from_unfinished_step(rows: &[Row]) -> Option<Level> {
    let mut earliest: Option<Level> = None;
    for row in rows {
        match govup_planner::names::parse_step_dir(&row.step_dir) {
            Ok(govup_planner::names::StepKind::Minor { from, .. }) => {
                earliest = Some(earliest.map_or(from, |e| e.min(from)));
            }
            _ => return None,
        }
    }
    earliest
}

/// What a database without a known version lacks, worded for what was actually found: a
/// history table with rows says so rather than claiming there is none.
pub fn unknown_why(describe: &str, rows: usize) -> String {
    if rows == 0 {
        format!("{describe}: govup_history records nothing and db_info names no version")
    } else {
        format!(
            "{describe}: govup_history holds {rows} row(s) but no applied info-patch and no step govup can start from, and db_info names no version"
        )
    }
}

/// The version in GovWay's `db_info` notes (`[3.3.17] Database di GovWay`), if the table exists
/// and says one. Several rows: the highest.
pub fn from_db_info(db: &mut dyn Driver) -> Result<Option<Version>, DbError> {
    let rows = match db.query("SELECT notes FROM db_info") {
        Ok(rows) => rows,
        // No db_info table: not a GovWay database, or a fresh one. Not an error here.
        Err(_) => return Ok(None),
    };
    Ok(rows
        .iter()
        .filter_map(|r| r.first().cloned().flatten())
        .filter_map(|notes| version_in_notes(&notes))
        .max_by_key(|v| v.level()))
}

fn version_in_notes(notes: &str) -> Option<Version> {
    let rest = notes.trim_start().strip_prefix('[')?;
    let (inside, _) = rest.split_once(']')?;
    inside.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(step_dir: &str, status: Status) -> Row {
        Row {
            step_dir: step_dir.into(),
            patch_path: format!("{step_dir}/x.sql"),
            file_name: "x.sql".into(),
            kind: Kind::Patch,
            sha256: String::new(),
            role_name: None,
            schema_name: None,
            target_version: String::new(),
            started_at: String::new(),
            finished_at: None,
            duration_ms: None,
            statements_total: 2,
            statements_done: 1,
            status,
            error_text: None,
            govup_version: String::new(),
            repair: None,
        }
    }

    #[test]
    fn an_interrupted_step_names_its_start() {
        let level = |v: &str| v.parse::<Version>().unwrap().level();
        let rows = [
            row("upgrade_1.0.1_to_1.0.2", Status::Applied),
            row("upgrade_1.0.1_to_1.0.2", Status::Partial),
        ];
        assert_eq!(from_unfinished_step(&rows), Some(level("1.0.1")));
        // A crossing names no exact start.
        let crossing = [row("upgrade_1.0.x_to_1.1.0", Status::Failed)];
        assert_eq!(from_unfinished_step(&crossing), None);
        assert_eq!(from_unfinished_step(&[]), None);
    }

    #[test]
    fn an_unknown_start_says_what_the_history_holds() {
        assert_eq!(
            unknown_why("sqlite:x", 0),
            "sqlite:x: govup_history records nothing and db_info names no version"
        );
        let why = unknown_why("sqlite:x", 3);
        assert!(
            why.starts_with("sqlite:x: govup_history holds 3 row(s)"),
            "{why}"
        );
        assert!(!why.contains("no govup_history"), "{why}");
    }

    #[test]
    fn db_info_notes() {
        assert_eq!(
            version_in_notes("[3.3.17] Database di GovWay").map(|v| v.to_string()),
            Some("3.3.17".to_string())
        );
        assert_eq!(
            version_in_notes("[3.4.1.p1] x").map(|v| v.to_string()),
            Some("3.4.1.p1".to_string())
        );
        assert_eq!(version_in_notes("Database di GovWay"), None);
        assert_eq!(version_in_notes("[3.3] x"), None);
    }
}
