//! govup's SQL dialects as text: splitting a patch into statements, quoting, the history table's
//! DDL, and what a statement does to a transaction (ends or starts one, only changes rows).
//!
//! One lexer ([`lexer`]) knows comments, quotes, the byte-order mark and lines; each dialect's
//! splitter builds on it and adds only its own rules (PostgreSQL's dollar quotes and routine
//! bodies, MySQL's `DELIMITER`, Oracle's `/` lines, SQLite's trigger bodies).
//!
//! [`impact`] classifies one statement by its dialect's documented locking rules (kind, lock,
//! what it blocks, rewrite or scan), for `govup lint` and `govup plan --impact`.
//!
//! What it deliberately does not do: connect to a database (it links no client library), decide
//! what runs (the engine does), or parse SQL beyond what finding statement boundaries needs.
//! Splitting is pure and total: any text gives statements or a [`SplitError`], never a panic.

pub mod history;
pub mod impact;
pub mod lexer;
pub mod mysql;
pub mod oracle;
pub mod postgres;
pub mod sqlite;
mod tx_control;

#[cfg(test)]
mod conformance;

/// Every dialect govup has, the one list: each is found by its name, which is the tree folder
/// of its database type (`govup_planner::DbType::folder`).
pub const DIALECTS: [&dyn Dialect; 4] = [
    &postgres::DIALECT,
    &mysql::DIALECT,
    &oracle::DIALECT,
    &sqlite::DIALECT,
];

/// The dialect of the database type whose tree folder is `folder`; None where govup has none.
pub fn dialect_for(folder: &str) -> Option<&'static dyn Dialect> {
    DIALECTS.iter().copied().find(|d| d.name() == folder)
}

/// One statement of a patch, without its terminator, and the 1-based line where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub line: u32,
}

impl Statement {
    /// The first non-empty line, for messages.
    pub fn first_line(&self) -> &str {
        self.text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
    }
}

/// Why a patch could not be split: an unterminated quote, comment or block.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct SplitError {
    pub line: u32,
    pub message: String,
}

/// What a database type can do: the one description the engine plans by. Only one question
/// depends on a live database rather than its type, and is asked of the connection:
/// whether rolled-back row changes leave no trace in a schema (`Inspect::rolls_back_rows`:
/// MySQL's MyISAM tables keep them). Whether a driver can back up, copy and read catalogs is
/// whether it has `Driver::maintenance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// DDL can be rolled back (PostgreSQL, SQLite). Without it (MySQL, Oracle) the engine
    /// records progress statement by statement.
    pub transactional_ddl: bool,
    /// The lock is held by the session for the whole run. Without it (SQLite, whose lock is its
    /// write transaction) the engine re-checks the history inside every transaction.
    pub session_lock: bool,
    /// The database has named schemas that a role can be routed to.
    pub schemas: bool,
    /// A schema is a database of its own (MySQL), so a copy of the connection's database does
    /// not hold the other schemas a role can be routed to.
    pub schemas_are_databases: bool,
}

/// The text side of a database: everything that needs no connection.
pub trait Dialect: Sync {
    /// The tree folder name: `postgresql`, `mysql`, `oracle`, `sqlite`.
    fn name(&self) -> &'static str;

    /// Splits a patch into statements. Comments between statements are dropped; comments and
    /// blank lines inside a statement are kept.
    fn split(&self, sql: &str) -> Result<Vec<Statement>, SplitError>;

    fn capabilities(&self) -> Capabilities;

    /// The `CREATE TABLE` of the history table named `table` (already qualified and quoted),
    /// in this dialect's types. The engine runs it only when the table does not exist.
    fn history_ddl(&self, table: &str) -> String;

    /// A query that returns one row when table `govup_history` exists in `schema` (None: the
    /// connection's default schema).
    fn history_exists_sql(&self, schema: Option<&str>) -> String;

    /// A query listing the column names of `govup_history` in `schema` (None: the connection's
    /// default schema), one per row; no rows when the table does not exist.
    fn history_columns_sql(&self, schema: Option<&str>) -> String;

    /// The `ALTER TABLE` that adds a nullable history column to an existing `table` (qualified
    /// and quoted), in this dialect's types.
    fn history_add_column_sql(&self, table: &str, column: &str, ty: history::ColumnType) -> String;

    /// Whether a statement only changes rows: it neither commits on its own nor changes the
    /// schema. Where DDL commits on its own, the engine puts consecutive patches of only such
    /// statements in one transaction.
    fn is_row_change(&self, statement: &str) -> bool {
        first_word_is(statement, &["INSERT", "UPDATE", "DELETE"])
    }

    /// Whether a statement may leave a table whose row changes a rollback cannot undo; after
    /// one, the engine asks the driver whether rows still roll back again.
    fn may_change_rollback(&self, _statement: &str) -> bool {
        false
    }

    /// The keyword of a statement that ends or starts a transaction (`COMMIT`, `BEGIN`...), which
    /// a patch must not hold where govup keeps one open around it.
    fn controls_transaction(&self, statement: &str) -> Option<String> {
        crate::tx_control::controls_transaction(statement)
    }

    fn quote_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    fn quote_literal(&self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }

    /// `schema.table`, quoted; just the table when `schema` is None.
    fn qualify(&self, schema: Option<&str>, table: &str) -> String {
        match schema {
            Some(s) => format!("{}.{}", self.quote_ident(s), self.quote_ident(table)),
            None => self.quote_ident(table),
        }
    }
}

/// Adds `text`, trimmed, as a statement starting on `line`, unless nothing is left of it.
pub(crate) fn push_trimmed(out: &mut Vec<Statement>, text: &str, line: u32) {
    let text = text.trim();
    if !text.is_empty() {
        out.push(Statement {
            text: text.to_string(),
            line,
        });
    }
}

/// Whether the first word of `statement` is one of `words` (ASCII, any case).
pub fn first_word_is(statement: &str, words: &[&str]) -> bool {
    let first = statement
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    words.iter().any(|w| first.eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use super::first_word_is;

    #[test]
    fn first_words_are_whole_words_in_any_case() {
        let dml = ["INSERT", "UPDATE", "DELETE"];
        for yes in [
            "INSERT INTO t VALUES (1)",
            "  update t set a = 1",
            "Delete\nfrom t",
        ] {
            assert!(first_word_is(yes, &dml), "{yes}");
        }
        for no in [
            "INSERTX",
            "CREATE TABLE t (a int)",
            "SELECT 1",
            "-- INSERT",
            "",
        ] {
            assert!(!first_word_is(no, &dml), "{no}");
        }
    }
}
