//! The bulk path for history rows ([`Batching::copy_rows`](govup_engine::Batching::copy_rows)).
//!
//! The engine's fallback is multi-row INSERT text, and SQLite spends most of its time on that
//! text in its parser. One prepared INSERT with the cells bound per row parses once, however
//! many rows there are.
//!
//! The statement is prepared per call, not kept in rusqlite's statement cache: that cache is
//! behind rusqlite's `cache` feature, whose `hashlink` dependency this workspace does not have.
//! The engine calls once per transaction with all of its rows, so one parse per call is what
//! matters.

use govup_engine::DbError;
use rusqlite::{params_from_iter, Connection};

use crate::error::sqlite_error;

/// Nested inside the caller's transaction, so it neither begins nor commits anything.
const SAVEPOINT: &str = "govup_copy_rows";

/// Appends `rows` to `table` inside the transaction already open on `conn`.
///
/// Cells are bound as text (NULL for None), and the columns' affinity stores them as the INSERT
/// fallback's literals are stored: text in TEXT columns, integers in INTEGER columns. The rows
/// land together or not at all, as they would with one multi-row INSERT.
pub(crate) fn insert_rows(
    conn: &Connection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Option<String>>],
) -> Result<(), DbError> {
    if let Some((i, row)) = rows
        .iter()
        .enumerate()
        .find(|(_, row)| row.len() != columns.len())
    {
        return Err(DbError::new(format!(
            "cannot copy rows into {table}: row {} has {} cells for {} columns",
            i + 1,
            row.len(),
            columns.len()
        )));
    }
    if rows.is_empty() {
        return Ok(());
    }
    conn.execute_batch(&format!("SAVEPOINT {SAVEPOINT}"))
        .map_err(sqlite_error)?;
    match bind_each(conn, &insert_sql(table, columns), rows) {
        Ok(()) => conn
            .execute_batch(&format!("RELEASE {SAVEPOINT}"))
            .map_err(sqlite_error),
        Err(e) => {
            // The caller reports the insert's error; after an I/O error SQLite may already have
            // ended the whole transaction, and then there is nothing left to undo here.
            let _ = conn.execute_batch(&format!("ROLLBACK TO {SAVEPOINT}; RELEASE {SAVEPOINT}"));
            Err(sqlite_error(e))
        }
    }
}

fn bind_each(
    conn: &Connection,
    sql: &str,
    rows: &[Vec<Option<String>>],
) -> Result<(), rusqlite::Error> {
    let mut insert = conn.prepare(sql)?;
    for row in rows {
        insert.execute(params_from_iter(row.iter().map(Option::as_deref)))?;
    }
    Ok(())
}

fn insert_sql(table: &str, columns: &[&str]) -> String {
    let placeholders = vec!["?"; columns.len()].join(", ");
    format!(
        "INSERT INTO {table} ({}) VALUES ({placeholders})",
        columns.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use govup_engine::history::{self, Kind, Row, Status, Table, COLUMNS};
    use govup_engine::{Batching, Dialect, Driver, Tx, Wait};

    use crate::lock::Transactions;
    use crate::{SqliteConnection, DIALECT};

    fn memory() -> SqliteConnection {
        let mut db = SqliteConnection {
            conn: rusqlite::Connection::open_in_memory().unwrap(),
            path: PathBuf::from(":memory:"),
            tx: Transactions::default(),
        };
        let table = Table::new(&DIALECT, None);
        db.execute(&DIALECT.history_ddl(table.name())).unwrap();
        db
    }

    fn row(path: &str) -> Row {
        Row {
            step_dir: "upgrade_1.0.0_to_1.0.1".into(),
            patch_path: path.into(),
            file_name: "2025-01-01-a.sql".into(),
            kind: Kind::Patch,
            sha256: "ab".repeat(32),
            role_name: Some("config".into()),
            schema_name: Some("it's; \"quoted\"\ttab\nline".into()),
            target_version: "1.0.1".into(),
            started_at: "2025-01-01T00:00:00.000Z".into(),
            finished_at: Some("2025-01-01T00:00:01.000Z".into()),
            duration_ms: Some(1000),
            statements_total: 3,
            statements_done: 3,
            status: Status::Applied,
            error_text: Some("caffè".into()),
            govup_version: "0.1.0".into(),
            repair: None,
        }
    }

    /// A row whose every optional cell is None.
    fn sparse_row(path: &str) -> Row {
        Row {
            kind: Kind::Info,
            role_name: None,
            schema_name: None,
            finished_at: None,
            duration_ms: None,
            error_text: None,
            status: Status::Partial,
            statements_done: 0,
            ..row(path)
        }
    }

    /// Every cell as an SQL literal, so that text `'5'`, integer `5` and NULL stay apart.
    fn literals(db: &mut SqliteConnection) -> Vec<Vec<Option<String>>> {
        let cells: Vec<String> = COLUMNS.iter().map(|c| format!("quote({c})")).collect();
        let sql = format!(
            "SELECT {} FROM govup_history ORDER BY rowid",
            cells.join(", ")
        );
        db.query(&sql).unwrap()
    }

    fn copy(db: &mut SqliteConnection, rows: &[Row]) -> Result<bool, govup_engine::DbError> {
        let cells: Vec<_> = rows.iter().map(history::cells).collect();
        let table = Table::new(&DIALECT, None);
        db.copy_rows(table.name(), &COLUMNS, &cells)
    }

    fn count(db: &mut SqliteConnection) -> String {
        let rows = db.query("SELECT count(*) FROM govup_history").unwrap();
        rows[0][0].clone().unwrap()
    }

    #[test]
    fn rows_land_exactly_as_the_insert_fallback_writes_them() {
        let rows = [row("s/a.sql"), sparse_row("s/info-patch.sql")];

        let mut copied = memory();
        copied.lock(Wait::Block).unwrap();
        copied.transaction(Tx::Begin).unwrap();
        assert!(copy(&mut copied, &rows).unwrap());
        copied.transaction(Tx::Commit).unwrap();
        copied.unlock().unwrap();

        let mut inserted = memory();
        let table = Table::new(&DIALECT, None);
        inserted.execute(&table.insert_many_sql(&rows)).unwrap();

        let got = literals(&mut copied);
        assert_eq!(got, literals(&mut inserted));
        let text = |s: &str| Some(s.to_string());
        assert_eq!(got[0][6], text("'it''s; \"quoted\"\ttab\nline'"));
        assert_eq!(
            got[0][10],
            text("1000"),
            "duration_ms is stored as an integer"
        );
        assert_eq!(got[0][14], text("'caffè'"));
        let nulls = [5, 6, 9, 10, 14];
        for (i, cell) in got[1].iter().enumerate() {
            assert_eq!(
                cell.as_deref() == Some("NULL"),
                nulls.contains(&i),
                "{}: {cell:?}",
                COLUMNS[i]
            );
        }
        assert_eq!(got[1][12], text("0"));
        assert_eq!(history::cells(&rows[1]).len(), got[1].len());
        // What the engine reads back is what it wrote.
        assert_eq!(table.read(&mut copied).unwrap(), rows);
    }

    #[test]
    fn outside_the_engines_transaction_the_fallback_writes() {
        let mut db = memory();
        assert!(!copy(&mut db, &[row("s/a.sql")]).unwrap());
        db.lock(Wait::Block).unwrap();
        assert!(!copy(&mut db, &[row("s/a.sql")]).unwrap());
        db.unlock().unwrap();
        assert_eq!(count(&mut db), "0");
    }

    #[test]
    fn a_failing_row_leaves_none_and_the_transaction_open() {
        let mut db = memory();
        db.lock(Wait::Block).unwrap();
        db.transaction(Tx::Begin).unwrap();
        db.execute("CREATE TABLE t (x)").unwrap();
        let duplicate = [row("s/a.sql"), row("s/b.sql"), row("s/a.sql")];
        let e = copy(&mut db, &duplicate).unwrap_err();
        assert!(e.message.contains("UNIQUE"), "{e}");
        assert_eq!(count(&mut db), "0");
        // The caller's work before the failure is still there for it to commit or roll back.
        assert!(copy(&mut db, &[row("s/a.sql")]).unwrap());
        db.transaction(Tx::Commit).unwrap();
        db.unlock().unwrap();
        assert_eq!(count(&mut db), "1");
        assert!(db.query("SELECT x FROM t").unwrap().is_empty());
    }

    #[test]
    fn a_row_of_the_wrong_width_is_refused_before_anything_is_written() {
        let mut db = memory();
        db.lock(Wait::Block).unwrap();
        db.transaction(Tx::Begin).unwrap();
        let rows = vec![history::cells(&row("s/a.sql")), vec![Some("x".to_string())]];
        let e = db
            .copy_rows("\"govup_history\"", &COLUMNS, &rows)
            .unwrap_err();
        assert_eq!(
            e.message,
            "cannot copy rows into \"govup_history\": row 2 has 1 cells for 16 columns"
        );
        assert_eq!(count(&mut db), "0");
    }
}
