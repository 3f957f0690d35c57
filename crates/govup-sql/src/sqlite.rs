//! The text side of SQLite: splitting, capabilities and the history table.

mod split;

pub use split::split;

use crate::history::{self, ColumnType};
use crate::{Capabilities, Dialect, SplitError, Statement};

/// SQLite's [`Dialect`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sqlite;

/// The one instance drivers and the engine share.
pub static DIALECT: Sqlite = Sqlite;

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn split(&self, sql: &str) -> Result<Vec<Statement>, SplitError> {
        split::split(sql)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            session_lock: false,
            schemas: false,
            schemas_are_databases: false,
        }
    }

    fn history_ddl(&self, table: &str) -> String {
        history::create_table_sql("CREATE TABLE IF NOT EXISTS", table, type_name, "")
    }

    fn history_columns_sql(&self, schema: Option<&str>) -> String {
        let schema = self.quote_literal(schema.unwrap_or("main"));
        format!("SELECT name FROM pragma_table_info('govup_history', {schema})")
    }

    fn history_add_column_sql(&self, table: &str, column: &str, ty: ColumnType) -> String {
        format!("ALTER TABLE {table} ADD COLUMN {column} {}", type_name(ty))
    }

    fn history_exists_sql(&self, schema: Option<&str>) -> String {
        // SQLite has no schemas, but an attached database answers the same question through its
        // own catalogue, so a name is honoured rather than ignored.
        let catalogue = match schema {
            Some(s) => format!("{}.sqlite_master", self.quote_ident(s)),
            None => "sqlite_master".to_string(),
        };
        format!("SELECT 1 FROM {catalogue} WHERE type='table' AND name='govup_history'")
    }
}

fn type_name(t: ColumnType) -> String {
    match t {
        ColumnType::Text(_) | ColumnType::Fixed(_) | ColumnType::LongText => "TEXT".into(),
        ColumnType::Int | ColumnType::BigInt => "INTEGER".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_capabilities() {
        assert_eq!(DIALECT.name(), "sqlite");
        let caps = DIALECT.capabilities();
        assert!(caps.transactional_ddl);
        assert!(!caps.session_lock);
        assert!(!caps.schemas);
    }

    #[test]
    fn history_ddl_has_every_column_in_order() {
        let ddl = DIALECT.history_ddl("\"govup_history\"");
        assert!(ddl.starts_with("CREATE TABLE IF NOT EXISTS \"govup_history\" (\n"));
        assert!(ddl.ends_with("\n)"));
        let expected = [
            "step_dir TEXT NOT NULL",
            "patch_path TEXT NOT NULL",
            "file_name TEXT NOT NULL",
            "patch_kind TEXT NOT NULL",
            "sha256 TEXT NOT NULL",
            "role_name TEXT NULL",
            "schema_name TEXT NULL",
            "target_version TEXT NOT NULL",
            "started_at TEXT NOT NULL",
            "finished_at TEXT NULL",
            "duration_ms INTEGER NULL",
            "statements_total INTEGER NOT NULL",
            "statements_done INTEGER NOT NULL",
            "status TEXT NOT NULL",
            "error_text TEXT NULL",
            "govup_version TEXT NOT NULL",
            "repaired_at TEXT NULL",
            "repaired_by TEXT NULL",
            "repair_reason TEXT NULL",
            "repair_action TEXT NULL",
            "PRIMARY KEY (patch_path)",
        ];
        let got: Vec<&str> = ddl
            .lines()
            .skip(1)
            .filter(|l| *l != ")")
            .map(|l| l.trim().trim_end_matches(','))
            .collect();
        assert_eq!(got, expected);
        // One statement, so the engine can run it as one.
        assert_eq!(DIALECT.split(&ddl).unwrap().len(), 1);
    }

    #[test]
    fn history_exists_queries() {
        assert_eq!(
            DIALECT.history_exists_sql(None),
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='govup_history'"
        );
        assert_eq!(
            DIALECT.history_exists_sql(Some("aux")),
            "SELECT 1 FROM \"aux\".sqlite_master WHERE type='table' AND name='govup_history'"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(DIALECT.quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(DIALECT.quote_literal("it's"), "'it''s'");
        assert_eq!(DIALECT.qualify(None, "govup_history"), "\"govup_history\"");
    }
}
