//! Which version a database is at: govup's own history first, else GovWay's `db_info` notes.

use crate::driver::{DbError, Driver};
use crate::history::{Kind, Row, Status};
use govup_planner::{Level, Version};

/// Where a start version came from, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Given,
    History,
    DbInfo,
}

/// The highest target version whose info-patch the history records as applied.
pub fn from_history(rows: &[Row]) -> Option<Level> {
    rows.iter()
        .filter(|r| r.kind == Kind::Info && r.status == Status::Applied)
        .filter_map(|r| r.target_version.parse::<Version>().ok())
        .map(|v| v.level())
        .max()
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
