//! The text side of PostgreSQL: splitting, quoting and the history table.

mod split;

pub use split::split;

use crate::history;
use crate::{Capabilities, Dialect, SplitError, Statement};

/// PostgreSQL's [`Dialect`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Postgres;

/// The one instance drivers hand out as `&'static dyn Dialect`.
pub static DIALECT: Postgres = Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn split(&self, sql: &str) -> Result<Vec<Statement>, SplitError> {
        split::split(sql)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            session_lock: true,
            schemas: true,
            schemas_are_databases: false,
        }
    }

    fn history_ddl(&self, table: &str) -> String {
        history::create_table_sql(
            "CREATE TABLE IF NOT EXISTS",
            table,
            |t| history::standard_type(t, "TEXT"),
            "",
        )
    }

    fn history_exists_sql(&self, schema: Option<&str>) -> String {
        // pg_catalog rather than information_schema: the latter hides tables the role has no
        // privilege on, and a hidden history table must still count as existing.
        let namespace = match schema {
            Some(s) => self.quote_literal(s),
            None => "current_schema()".to_string(),
        };
        format!(
            "SELECT 1 FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {namespace} AND c.relname = 'govup_history' \
             AND c.relkind IN ('r', 'p')"
        )
    }

    fn history_columns_sql(&self, schema: Option<&str>) -> String {
        let namespace = match schema {
            Some(s) => self.quote_literal(s),
            None => "current_schema()".to_string(),
        };
        format!(
            "SELECT a.attname FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {namespace} AND c.relname = 'govup_history' \
             AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum"
        )
    }

    fn history_add_column_sql(&self, table: &str, column: &str, ty: history::ColumnType) -> String {
        format!(
            "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {} NULL",
            history::standard_type(ty, "TEXT")
        )
    }

    fn quote_literal(&self, text: &str) -> String {
        // PostgreSQL text cannot hold NUL at all; dropping it beats failing to record an error.
        let text = text.replace('\0', "");
        let quoted = text.replace('\'', "''");
        if text.contains('\\') {
            // E'...' reads the same whatever standard_conforming_strings says.
            format!("E'{}'", quoted.replace('\\', "\\\\"))
        } else {
            format!("'{quoted}'")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_capabilities() {
        assert_eq!(DIALECT.name(), "postgresql");
        let caps = DIALECT.capabilities();
        assert!(caps.transactional_ddl && caps.session_lock && caps.schemas);
    }

    #[test]
    fn history_ddl_has_every_column_in_postgres_types() {
        let ddl = DIALECT.history_ddl("\"s\".\"govup_history\"");
        assert!(ddl.starts_with("CREATE TABLE IF NOT EXISTS \"s\".\"govup_history\" ("));
        for column in [
            "step_dir VARCHAR(255) NOT NULL,",
            "patch_path VARCHAR(500) NOT NULL,",
            "file_name VARCHAR(255) NOT NULL,",
            "patch_kind VARCHAR(10) NOT NULL,",
            "sha256 CHAR(64) NOT NULL,",
            "role_name VARCHAR(20) NULL,",
            "schema_name VARCHAR(128) NULL,",
            "target_version VARCHAR(40) NOT NULL,",
            "started_at VARCHAR(40) NOT NULL,",
            "finished_at VARCHAR(40) NULL,",
            "duration_ms BIGINT NULL,",
            "statements_total INTEGER NOT NULL,",
            "statements_done INTEGER NOT NULL,",
            "status VARCHAR(10) NOT NULL,",
            "error_text TEXT NULL,",
            "govup_version VARCHAR(40) NOT NULL,",
            "repaired_at VARCHAR(40) NULL,",
            "repaired_by VARCHAR(255) NULL,",
            "repair_reason TEXT NULL,",
            "repair_action VARCHAR(20) NULL,",
            "PRIMARY KEY (patch_path)\n)",
        ] {
            assert!(ddl.contains(column), "missing {column} in {ddl}");
        }
        assert_eq!(
            ddl.matches(" NULL").count(),
            20,
            "every column states its nullability"
        );
    }

    #[test]
    fn history_ddl_is_one_statement() {
        let ddl = DIALECT.history_ddl("\"govup_history\"");
        assert_eq!(DIALECT.split(&ddl).unwrap().len(), 1);
    }

    #[test]
    fn history_exists_sql_for_a_schema_and_the_default() {
        let sql = DIALECT.history_exists_sql(Some("it's"));
        assert!(sql.contains("n.nspname = 'it''s'"), "{sql}");
        assert!(sql.contains("c.relname = 'govup_history'"));
        let sql = DIALECT.history_exists_sql(None);
        assert!(sql.contains("n.nspname = current_schema()"), "{sql}");
    }

    #[test]
    fn quoting() {
        assert_eq!(DIALECT.quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            DIALECT.qualify(Some("S"), "govup_history"),
            "\"S\".\"govup_history\""
        );
        assert_eq!(DIALECT.quote_literal("it's"), "'it''s'");
        assert_eq!(DIALECT.quote_literal(r"C:\tmp 'x'"), r"E'C:\\tmp ''x'''");
        assert_eq!(DIALECT.quote_literal("a\0b"), "'ab'");
    }
}
