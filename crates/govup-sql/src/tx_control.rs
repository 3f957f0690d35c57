//! Statements that end or start a transaction: the default of
//! [`Dialect::controls_transaction`](crate::Dialect::controls_transaction), which covers the
//! transactional dialects' words (PostgreSQL's `END` and `ABORT`, SQLite's `BEGIN IMMEDIATE`).
//! Where DDL can be rolled back, govup runs every patch inside a transaction of its own making, with the patch's history row: a `COMMIT` in a
//! patch would commit half a step (or half an upgrade) and leave the rest, and its history, in
//! autocommit. Such a patch is refused before anything is written. Where DDL commits on its own
//! (MySQL, Oracle) every statement is already its own transaction, and a `COMMIT` there is
//! harmless, as Oracle scripts often end with one.

/// The words that may follow `BEGIN` or `START TRANSACTION` when they start a transaction (not
/// an Oracle PL/SQL block, whose body follows `BEGIN`).
const TRANSACTION_MODES: [&str; 17] = [
    "WORK",
    "TRANSACTION",
    "ISOLATION",
    "LEVEL",
    "READ",
    "WRITE",
    "ONLY",
    "COMMITTED",
    "UNCOMMITTED",
    "REPEATABLE",
    "SERIALIZABLE",
    "DEFERRABLE",
    "NOT",
    "DEFERRED",
    "IMMEDIATE",
    "EXCLUSIVE",
    "CONSISTENT",
];

/// The statement's transaction keyword when it commits, rolls back (all of the transaction, not
/// to a savepoint) or starts a transaction.
pub(crate) fn controls_transaction(text: &str) -> Option<String> {
    let split = || {
        text.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
    };
    // Almost every statement is ruled out by its first word, without copying any of it.
    let keywords = ["COMMIT", "ABORT", "ROLLBACK", "END", "BEGIN", "START"];
    let first = split().next()?;
    if !keywords.iter().any(|k| first.eq_ignore_ascii_case(k)) {
        return None;
    }
    let words: Vec<String> = split().map(str::to_ascii_uppercase).collect();
    let first = words.first()?.as_str();
    let modes_only = |rest: &[String]| rest.iter().all(|w| TRANSACTION_MODES.contains(&w.as_str()));
    let controls = match first {
        "COMMIT" | "ABORT" => true,
        "ROLLBACK" => !words.iter().any(|w| w == "TO"),
        "END" => modes_only(&words[1..]),
        "BEGIN" => modes_only(&words[1..]),
        "START" => words.get(1).is_some_and(|w| w == "TRANSACTION"),
        _ => false,
    };
    controls.then(|| first.to_string())
}

#[cfg(test)]
mod tests {
    use super::controls_transaction;

    #[test]
    fn transaction_control_is_told_from_blocks_and_savepoints() {
        for (sql, word) in [
            ("COMMIT", "COMMIT"),
            ("commit work", "COMMIT"),
            ("ROLLBACK", "ROLLBACK"),
            ("BEGIN", "BEGIN"),
            ("begin transaction isolation level serializable", "BEGIN"),
            ("BEGIN IMMEDIATE", "BEGIN"),
            ("START TRANSACTION", "START"),
            ("END", "END"),
            ("END TRANSACTION", "END"),
            ("ABORT", "ABORT"),
        ] {
            assert_eq!(controls_transaction(sql).as_deref(), Some(word), "{sql}");
        }
        for sql in [
            "BEGIN\n  UPDATE t SET a = 1;\nEND;",
            "BEGIN EXECUTE IMMEDIATE 'DROP TABLE t'; END",
            "ROLLBACK TO SAVEPOINT s",
            "SAVEPOINT s",
            "START SLAVE",
            "DO $$ BEGIN NULL; END $$",
            "INSERT INTO t VALUES ('COMMIT')",
            "",
        ] {
            assert_eq!(controls_transaction(sql), None, "{sql}");
        }
    }
}
