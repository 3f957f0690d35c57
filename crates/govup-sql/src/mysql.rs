//! The text side of MySQL/MariaDB: quoting, the history table and capabilities.

mod replication;
mod split;

pub use replication::{ddl_session_setting, delete_target, engine_named};
pub use split::split;

use crate::history;
use crate::{first_word_is, Capabilities, Dialect, SplitError, Statement};

/// The MySQL/MariaDB dialect.
#[derive(Clone, Copy, Debug, Default)]
pub struct MySql;

pub static DIALECT: MySql = MySql;

impl Dialect for MySql {
    fn name(&self) -> &'static str {
        "mysql"
    }

    /// `REPLACE` deletes and inserts rows, and commits nothing on its own.
    fn is_row_change(&self, statement: &str) -> bool {
        first_word_is(statement, &["INSERT", "UPDATE", "DELETE", "REPLACE"])
    }

    /// `CREATE TABLE ... ENGINE=MyISAM` or `ALTER TABLE ... ENGINE=...` can leave a table whose
    /// rows a rollback does not restore.
    fn may_change_rollback(&self, statement: &str) -> bool {
        statement.to_ascii_lowercase().contains("engine")
    }

    fn split(&self, sql: &str) -> Result<Vec<Statement>, SplitError> {
        split::split(sql)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            // Every DDL statement commits the open transaction implicitly.
            transactional_ddl: false,
            session_lock: true,
            // A MySQL "schema" is a database; `USE` switches between them on one connection.
            schemas: true,
            schemas_are_databases: true,
        }
    }

    fn history_ddl(&self, table: &str) -> String {
        // utf8mb4_bin: patch paths are compared byte for byte, like the file names they are.
        // ROW_FORMAT=DYNAMIC allows index keys up to 3072 bytes, so the whole VARCHAR(500)
        // (2000 bytes in utf8mb4) can be the primary key instead of a prefix that would make two
        // long paths with a common beginning collide. MEDIUMTEXT: TEXT stops at 64 KB.
        history::create_table_sql(
            "CREATE TABLE IF NOT EXISTS",
            table,
            |t| history::standard_type(t, "MEDIUMTEXT"),
            " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC",
        )
    }

    fn history_exists_sql(&self, schema: Option<&str>) -> String {
        let schema = match schema {
            Some(s) => self.quote_literal(s),
            None => "DATABASE()".to_string(),
        };
        format!(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = {schema} AND table_name = 'govup_history'"
        )
    }

    fn history_columns_sql(&self, schema: Option<&str>) -> String {
        let schema = match schema {
            Some(s) => self.quote_literal(s),
            None => "DATABASE()".to_string(),
        };
        format!(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = {schema} AND table_name = 'govup_history' ORDER BY ordinal_position"
        )
    }

    fn history_add_column_sql(&self, table: &str, column: &str, ty: history::ColumnType) -> String {
        format!(
            "ALTER TABLE {table} ADD COLUMN {column} {} NULL",
            history::standard_type(ty, "MEDIUMTEXT")
        )
    }

    fn quote_ident(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn quote_literal(&self, text: &str) -> String {
        // Without NO_BACKSLASH_ESCAPES in sql_mode (the default) a backslash escapes the next
        // character, so it must be doubled first.
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_capabilities() {
        assert_eq!(DIALECT.name(), "mysql");
        let caps = DIALECT.capabilities();
        assert!(!caps.transactional_ddl);
        assert!(caps.session_lock);
        assert!(caps.schemas);
    }

    #[test]
    fn row_changes_include_replace_and_engine_clauses_are_noticed() {
        assert!(DIALECT.is_row_change("REPLACE INTO t VALUES (1)"));
        assert!(DIALECT.is_row_change("insert into t values (1)"));
        assert!(!DIALECT.is_row_change("CREATE TABLE t (a INT)"));
        assert!(DIALECT.may_change_rollback("CREATE TABLE t (a INT) ENGINE=MyISAM"));
        assert!(DIALECT.may_change_rollback("alter table t engine = Aria"));
        assert!(!DIALECT.may_change_rollback("ALTER TABLE t ADD b INT"));
    }

    #[test]
    fn quote_ident_uses_backticks() {
        assert_eq!(DIALECT.quote_ident("govup_history"), "`govup_history`");
        assert_eq!(DIALECT.quote_ident("a`b"), "`a``b`");
        assert_eq!(DIALECT.quote_ident("a\"b"), "`a\"b`");
    }

    #[test]
    fn quote_literal_escapes_quotes_and_backslashes() {
        assert_eq!(DIALECT.quote_literal("plain"), "'plain'");
        assert_eq!(DIALECT.quote_literal("it's"), "'it''s'");
        assert_eq!(DIALECT.quote_literal(r"C:\dir\"), r"'C:\\dir\\'");
        assert_eq!(DIALECT.quote_literal(r"\'"), r"'\\'''");
        assert_eq!(DIALECT.quote_literal(""), "''");
    }

    #[test]
    fn quoted_literals_split_as_one_string() {
        for nasty in [r"a\", r"\'", "x';DROP TABLE t;--", r"\\\", "''"] {
            let sql = format!("SELECT {}; SELECT 2", DIALECT.quote_literal(nasty));
            let got = DIALECT.split(&sql).unwrap();
            assert_eq!(got.len(), 2, "{sql}");
        }
    }

    #[test]
    fn qualify_uses_backticks() {
        assert_eq!(
            DIALECT.qualify(Some("db"), "govup_history"),
            "`db`.`govup_history`"
        );
        assert_eq!(DIALECT.qualify(None, "govup_history"), "`govup_history`");
    }

    #[test]
    fn history_ddl_has_every_column_and_a_full_primary_key() {
        let ddl = DIALECT.history_ddl("`db`.`govup_history`");
        assert!(ddl.starts_with("CREATE TABLE IF NOT EXISTS `db`.`govup_history` ("));
        for column in [
            "step_dir VARCHAR(255) NOT NULL",
            "patch_path VARCHAR(500) NOT NULL",
            "file_name VARCHAR(255) NOT NULL",
            "patch_kind VARCHAR(10) NOT NULL",
            "sha256 CHAR(64) NOT NULL",
            "role_name VARCHAR(20) NULL",
            "schema_name VARCHAR(128) NULL",
            "target_version VARCHAR(40) NOT NULL",
            "started_at VARCHAR(40) NOT NULL",
            "finished_at VARCHAR(40) NULL",
            "duration_ms BIGINT NULL",
            "statements_total INTEGER NOT NULL",
            "statements_done INTEGER NOT NULL",
            "status VARCHAR(10) NOT NULL",
            "error_text MEDIUMTEXT NULL",
            "govup_version VARCHAR(40) NOT NULL",
        ] {
            assert!(ddl.contains(column), "missing {column}");
        }
        assert!(ddl.contains("PRIMARY KEY (patch_path)"));
        assert!(ddl.contains("ENGINE=InnoDB"));
        assert_eq!(DIALECT.split(&ddl).unwrap().len(), 1);
    }

    #[test]
    fn history_exists_sql_quotes_the_schema() {
        assert_eq!(
            DIALECT.history_exists_sql(Some("o'k")),
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'o''k' AND table_name = 'govup_history'"
        );
        assert!(DIALECT
            .history_exists_sql(None)
            .contains("table_schema = DATABASE()"));
    }
}
