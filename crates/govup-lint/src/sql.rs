//! The SQL of one file: UTF-8, the dialect's own splitter (errors), and a parse check with
//! `sqlparser` (warnings only: a parser gap must never block a release).

use crate::{rules, Diagnostic};
use govup_planner::DbType;
use govup_sql::Dialect;
use sqlparser::dialect as sp;
use sqlparser::parser::Parser;

/// The splitter `govup apply` uses for `db`, when govup has one.
pub fn splitter(db: DbType) -> Option<&'static dyn Dialect> {
    govup_sql::dialect_for(db.folder())
}

/// The `sqlparser` dialect for `db`, for the database types that have both a splitter and a
/// parser dialect.
fn parser_dialect(db: DbType) -> Option<&'static dyn sp::Dialect> {
    match db {
        DbType::Postgresql => Some(&sp::PostgreSqlDialect {}),
        DbType::Mysql => Some(&sp::MySqlDialect {}),
        DbType::Oracle => Some(&sp::OracleDialect),
        DbType::Sqlite => Some(&sp::SQLiteDialect {}),
        DbType::Sqlserver | DbType::Db2 | DbType::Hsql => None,
    }
}

/// Checks the bytes of one SQL file for `db`. The diagnostics have an empty path: the caller
/// knows the file. At most one of each code, in this order: L017 (then nothing else), L022 (then
/// nothing else), L023, L025. Database types without a splitter get only the UTF-8 check.
pub fn check_sql(db: DbType, bytes: &[u8]) -> Vec<Diagnostic> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return not_utf8(bytes).into_iter().collect();
    };
    let Some(dialect) = splitter(db) else {
        return vec![];
    };
    let statements = match dialect.split(text) {
        Ok(statements) => statements,
        Err(e) => {
            return vec![Diagnostic::new(
                &rules::SPLIT,
                "",
                format!("does not split into {db} statements: {}", e.message),
            )
            .at_line(Some(e.line))]
        }
    };
    if statements.is_empty() {
        return vec![Diagnostic::new(
            &rules::NO_STATEMENT,
            "",
            "holds no statement: every line is a comment or blank, so applying it changes nothing",
        )];
    }
    // Same rule as `govup apply`, which refuses these patches where it holds a transaction.
    if dialect.capabilities().transactional_ddl {
        let control = statements.iter().find_map(|s| {
            dialect
                .controls_transaction(&s.text)
                .map(|keyword| (s.line, keyword))
        });
        if let Some((line, keyword)) = control {
            return vec![Diagnostic::new(
                &rules::TX_CONTROL,
                "",
                format!("{keyword} in a patch: govup runs every {db} patch inside a transaction of its own, which a patch must not end or start"),
            )
            .at_line(Some(line))];
        }
    }
    let Some(parser) = parser_dialect(db) else {
        return vec![];
    };
    for statement in &statements {
        if let Err(e) = Parser::parse_sql(parser, &statement.text) {
            let (message, offset) = parser_message(&e.to_string());
            let line = statement.line.saturating_add(offset.saturating_sub(1));
            return vec![Diagnostic::new(
                &rules::PARSE,
                "",
                format!(
                    "sqlparser cannot parse this {db} statement, which the database may still accept: {message}"
                ),
            )
            .at_line(Some(line))];
        }
    }
    vec![]
}

/// L017 for bytes that are not UTF-8, naming the line of the first byte that does not decode.
pub fn not_utf8(bytes: &[u8]) -> Option<Diagnostic> {
    let e = std::str::from_utf8(bytes).err()?;
    let at = e.valid_up_to();
    let line = line_of(&bytes[..at]);
    let byte = bytes.get(at).copied().unwrap_or_default();
    Some(
        Diagnostic::new(
            &rules::NOT_UTF8,
            "",
            format!("the bytes are not UTF-8: byte 0x{byte:02x} at line {line} does not decode"),
        )
        .at_line(Some(line)),
    )
}

/// The 1-based line at the end of `bytes`.
fn line_of(bytes: &[u8]) -> u32 {
    let newlines = bytes.iter().filter(|b| **b == b'\n').count();
    u32::try_from(newlines)
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

/// `sqlparser`'s message without its prefix and position, and the line (within the statement)
/// that the position names, 1 when it names none.
fn parser_message(raw: &str) -> (String, u32) {
    let text = raw.strip_prefix("sql parser error: ").unwrap_or(raw);
    let (text, line) = match text.rfind(" at Line: ") {
        Some(at) => {
            let line = text[at + " at Line: ".len()..]
                .split(',')
                .next()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(1);
            (&text[..at], line)
        }
        None => (text, 1),
    };
    // One line, lowercase first word: the message sits inside a sentence of ours.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = flat.chars();
    let flat = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => flat,
    };
    (flat, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_govup_connects_to_splits_with_its_own_dialect() {
        for db in DbType::ALL {
            match splitter(db) {
                Some(dialect) => assert_eq!(dialect.name(), db.folder()),
                None => assert!(db.schemes().is_empty(), "{db} has schemes but no dialect"),
            }
        }
        assert_eq!(govup_sql::DIALECTS.len(), 4);
    }

    fn codes(db: DbType, sql: &str) -> Vec<(&'static str, Option<u32>)> {
        check_sql(db, sql.as_bytes())
            .into_iter()
            .map(|d| (d.code, d.line))
            .collect()
    }

    #[test]
    fn clean_sql_has_no_diagnostic() {
        assert_eq!(
            codes(DbType::Postgresql, "ALTER TABLE t ADD COLUMN c INT;\n"),
            []
        );
        assert_eq!(codes(DbType::Mysql, "CREATE INDEX i ON t (c);\n"), []);
    }

    #[test]
    fn an_unterminated_quote_is_a_split_error_at_its_line() {
        assert_eq!(
            codes(DbType::Postgresql, "SELECT 1;\nSELECT 'open;\n"),
            [("L022", Some(2))]
        );
    }

    #[test]
    fn transaction_control_is_an_error_only_where_govup_holds_a_transaction() {
        let sql = "INSERT INTO t VALUES (1);\n\nCOMMIT;\n";
        assert_eq!(codes(DbType::Postgresql, sql), [("L029", Some(3))]);
        assert_eq!(codes(DbType::Sqlite, sql), [("L029", Some(3))]);
        assert_eq!(codes(DbType::Mysql, sql), []);
        assert_eq!(codes(DbType::Oracle, sql), []);
        // A PL/SQL block is no transaction (sqlparser may still not parse it: L025).
        let block = "BEGIN\n  UPDATE t SET a = 1;\nEND;\n/\n";
        assert!(!codes(DbType::Oracle, block)
            .iter()
            .any(|(code, _)| *code == "L029"));
    }

    #[test]
    fn only_comments_is_no_statement() {
        assert_eq!(
            codes(DbType::Mysql, "-- DROP INDEX a;\n/* nothing */\n"),
            [("L023", None)]
        );
    }

    #[test]
    fn a_parser_gap_is_a_warning_at_the_statement_line() {
        assert_eq!(
            codes(DbType::Sqlite, "SELECT 1;\n\nALTER TABLE t FROBNICATE c;\n"),
            [("L025", Some(3))]
        );
    }

    #[test]
    fn non_utf8_names_the_line() {
        assert_eq!(
            codes(DbType::Hsql, "SELECT 1;\nSELECT '\u{e9}';\n").len(),
            0
        );
        let d = check_sql(DbType::Hsql, b"SELECT 1;\nSELECT '\xe9';\n");
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].code, d[0].line), ("L017", Some(2)));
        assert_eq!(
            d[0].message,
            "the bytes are not UTF-8: byte 0xe9 at line 2 does not decode"
        );
    }

    #[test]
    fn parser_messages_lose_prefix_and_position() {
        assert_eq!(
            parser_message(
                "sql parser error: Expected: end of statement, found: X at Line: 3, Column: 5"
            ),
            ("expected: end of statement, found: X".to_string(), 3)
        );
        assert_eq!(
            parser_message("sql parser error: recursion limit exceeded"),
            ("recursion limit exceeded".to_string(), 1)
        );
    }
}
