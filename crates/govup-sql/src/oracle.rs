//! The text side of Oracle: splitting, identifier case, literals and the history table.

mod split;

pub use split::split;

use crate::history::{self, ColumnType};
use crate::{Capabilities, Dialect, SplitError, Statement};

/// Oracle's dialect.
#[derive(Clone, Copy, Debug, Default)]
pub struct Oracle;

/// The one instance drivers hand to the engine.
pub static DIALECT: Oracle = Oracle;

/// Oracle rejects a string literal longer than 4000 bytes (ORA-01704).
const MAX_LITERAL_BYTES: usize = 4000;

/// Characters per piece of a long literal: at most 4 bytes each in UTF-8, so a piece stays
/// within [`MAX_LITERAL_BYTES`] whatever the text.
const LITERAL_PIECE_CHARS: usize = 1000;

/// The name Oracle stores for `ident`: a plain lower-case word is what an unquoted identifier
/// would have been, so it is upper-cased; anything else is taken exactly as written.
pub fn canonical_ident(ident: &str) -> String {
    let plain = ident.starts_with(|c: char| c.is_ascii_lowercase())
        && ident
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        ident.to_ascii_uppercase()
    } else {
        ident.to_string()
    }
}

/// `ident` in double quotes, exactly as given.
pub fn quote_exact(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn type_name(t: ColumnType) -> String {
    match t {
        ColumnType::Text(n) => format!("VARCHAR2({n})"),
        ColumnType::Fixed(n) => format!("CHAR({n})"),
        ColumnType::Int => "NUMBER(10)".into(),
        ColumnType::BigInt => "NUMBER(19)".into(),
        ColumnType::LongText => "CLOB".into(),
    }
}

fn plain_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Dialect for Oracle {
    fn name(&self) -> &'static str {
        "oracle"
    }

    fn split(&self, sql: &str) -> Result<Vec<Statement>, SplitError> {
        split::split(sql)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: false,
            session_lock: true,
            schemas: true,
            schemas_are_databases: false,
        }
    }

    fn history_ddl(&self, table: &str) -> String {
        // Oracle before 23c has no IF NOT EXISTS; the engine creates the table only when it is
        // missing. Column names stay unquoted so that Oracle stores them upper-case, which is what
        // both the engine's unquoted references and `quote_ident` resolve to.
        history::create_table_sql("CREATE TABLE", table, type_name, "")
    }

    fn history_columns_sql(&self, schema: Option<&str>) -> String {
        let owner = match schema {
            Some(s) => plain_literal(&canonical_ident(s)),
            None => "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')".to_string(),
        };
        let table = plain_literal(&canonical_ident(crate::history::TABLE));
        format!(
            "SELECT LOWER(column_name) FROM all_tab_columns WHERE owner = {owner} AND table_name = {table} ORDER BY column_id"
        )
    }

    fn history_add_column_sql(&self, table: &str, column: &str, ty: ColumnType) -> String {
        format!("ALTER TABLE {table} ADD ({column} {} NULL)", type_name(ty))
    }

    fn history_exists_sql(&self, schema: Option<&str>) -> String {
        let owner = match schema {
            Some(s) => plain_literal(&canonical_ident(s)),
            None => "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA')".to_string(),
        };
        let table = plain_literal(&canonical_ident(crate::history::TABLE));
        format!("SELECT 1 FROM all_tables WHERE owner = {owner} AND table_name = {table}")
    }

    /// Quotes the name Oracle stores for `ident`: `govup_history` becomes `"GOVUP_HISTORY"`,
    /// the table an unquoted `govup_history` also names, while `MixedCase` stays as written.
    fn quote_ident(&self, ident: &str) -> String {
        quote_exact(&canonical_ident(ident))
    }

    /// A literal; past Oracle's 4000-byte limit, a concatenation of CLOB pieces, which a
    /// `VARCHAR2` column accepts too as long as the value fits.
    fn quote_literal(&self, text: &str) -> String {
        if text.len() <= MAX_LITERAL_BYTES {
            return plain_literal(text);
        }
        let chars: Vec<char> = text.chars().collect();
        chars
            .chunks(LITERAL_PIECE_CHARS)
            .map(|piece| {
                format!(
                    "TO_CLOB({})",
                    plain_literal(&piece.iter().collect::<String>())
                )
            })
            .collect::<Vec<_>>()
            .join(" || ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_capabilities() {
        assert_eq!(DIALECT.name(), "oracle");
        assert_eq!(
            DIALECT.capabilities(),
            Capabilities {
                transactional_ddl: false,
                session_lock: true,
                schemas: true,
                schemas_are_databases: false,
            }
        );
    }

    #[test]
    fn plain_lower_case_identifiers_are_upper_cased() {
        assert_eq!(DIALECT.quote_ident("govup_history"), "\"GOVUP_HISTORY\"");
        assert_eq!(DIALECT.quote_ident("govway2"), "\"GOVWAY2\"");
        assert_eq!(DIALECT.quote_ident("a_1_b"), "\"A_1_B\"");
    }

    #[test]
    fn other_identifiers_are_kept_exactly() {
        assert_eq!(DIALECT.quote_ident("GOVWAY"), "\"GOVWAY\"");
        assert_eq!(DIALECT.quote_ident("MixedCase"), "\"MixedCase\"");
        assert_eq!(DIALECT.quote_ident("with space"), "\"with space\"");
        assert_eq!(DIALECT.quote_ident("1abc"), "\"1abc\"");
        assert_eq!(DIALECT.quote_ident("_x"), "\"_x\"");
        assert_eq!(DIALECT.quote_ident("dollar$"), "\"dollar$\"");
        assert_eq!(DIALECT.quote_ident("è"), "\"è\"");
        assert_eq!(DIALECT.quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(DIALECT.quote_ident(""), "\"\"");
    }

    #[test]
    fn qualify_uses_the_same_rule() {
        assert_eq!(
            DIALECT.qualify(Some("govway"), "govup_history"),
            "\"GOVWAY\".\"GOVUP_HISTORY\""
        );
        assert_eq!(
            DIALECT.qualify(Some("Tenant"), "govup_history"),
            "\"Tenant\".\"GOVUP_HISTORY\""
        );
        assert_eq!(DIALECT.qualify(None, "govup_history"), "\"GOVUP_HISTORY\"");
    }

    #[test]
    fn history_ddl_is_exact() {
        assert_eq!(
            DIALECT.history_ddl("\"GOVWAY\".\"GOVUP_HISTORY\""),
            "CREATE TABLE \"GOVWAY\".\"GOVUP_HISTORY\" (\n  step_dir VARCHAR2(255) NOT NULL,\n  patch_path VARCHAR2(500) NOT NULL,\n  file_name VARCHAR2(255) NOT NULL,\n  patch_kind VARCHAR2(10) NOT NULL,\n  sha256 CHAR(64) NOT NULL,\n  role_name VARCHAR2(20) NULL,\n  schema_name VARCHAR2(128) NULL,\n  target_version VARCHAR2(40) NOT NULL,\n  started_at VARCHAR2(40) NOT NULL,\n  finished_at VARCHAR2(40) NULL,\n  duration_ms NUMBER(19) NULL,\n  statements_total NUMBER(10) NOT NULL,\n  statements_done NUMBER(10) NOT NULL,\n  status VARCHAR2(10) NOT NULL,\n  error_text CLOB NULL,\n  govup_version VARCHAR2(40) NOT NULL,\n  repaired_at VARCHAR2(40) NULL,\n  repaired_by VARCHAR2(255) NULL,\n  repair_reason CLOB NULL,\n  repair_action VARCHAR2(20) NULL,\n  PRIMARY KEY (patch_path)\n)"
        );
    }

    /// No Oracle server here: the repair columns' statements are checked as text.
    #[test]
    fn repair_columns_are_added_in_oracle_syntax() {
        assert_eq!(
            DIALECT.history_add_column_sql(
                "\"GOVUP_HISTORY\"",
                "repair_reason",
                ColumnType::LongText
            ),
            "ALTER TABLE \"GOVUP_HISTORY\" ADD (repair_reason CLOB NULL)"
        );
        assert_eq!(
            DIALECT.history_columns_sql(Some("govway")),
            "SELECT LOWER(column_name) FROM all_tab_columns WHERE owner = 'GOVWAY' AND table_name = 'GOVUP_HISTORY' ORDER BY column_id"
        );
    }

    #[test]
    fn history_ddl_names_every_engine_column() {
        let ddl = DIALECT.history_ddl("t");
        for column in crate::history::COLUMNS {
            assert!(ddl.contains(&format!("\n  {column} ")), "{column}");
        }
    }

    #[test]
    fn history_exists_sql_per_schema() {
        assert_eq!(
            DIALECT.history_exists_sql(Some("govway")),
            "SELECT 1 FROM all_tables WHERE owner = 'GOVWAY' AND table_name = 'GOVUP_HISTORY'"
        );
        assert_eq!(
            DIALECT.history_exists_sql(Some("Tenant'1")),
            "SELECT 1 FROM all_tables WHERE owner = 'Tenant''1' AND table_name = 'GOVUP_HISTORY'"
        );
        assert_eq!(
            DIALECT.history_exists_sql(None),
            "SELECT 1 FROM all_tables WHERE owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND table_name = 'GOVUP_HISTORY'"
        );
    }

    #[test]
    fn short_literals_are_plain() {
        assert_eq!(DIALECT.quote_literal("it's"), "'it''s'");
        assert_eq!(DIALECT.quote_literal(""), "''");
        assert_eq!(
            DIALECT.quote_literal(&"x".repeat(4000)),
            format!("'{}'", "x".repeat(4000))
        );
    }

    #[test]
    fn long_literals_become_clob_pieces() {
        let text = format!("{}'{}", "a".repeat(1500), "è".repeat(2000));
        let lit = DIALECT.quote_literal(&text);
        assert_eq!(
            lit,
            format!(
                "TO_CLOB('{}') || TO_CLOB('{}''{}') || TO_CLOB('{}') || TO_CLOB('{}')",
                "a".repeat(1000),
                "a".repeat(500),
                "è".repeat(499),
                "è".repeat(1000),
                "è".repeat(501)
            )
        );
    }
}
