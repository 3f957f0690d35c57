//! The upgrade lock and the transactions inside it.
//!
//! SQLite has no lock a session can hold apart from a transaction: the write lock (RESERVED, in
//! SQLite's terms) is what `BEGIN IMMEDIATE` takes, and it lasts until the transaction ends. So
//! while the upgrade lock is held the connection is always inside an immediate transaction:
//!
//! - `lock()` opens it; `begin()` then only marks that the engine's work has started, because a
//!   nested `BEGIN` would fail;
//! - `commit()` and `rollback()` end it and at once open the next one, so the lock continues;
//! - a statement run outside the engine's transaction is committed right after it (and the next
//!   transaction opened), as autocommit would, so nothing the engine meant to be durable waits
//!   for a later commit;
//! - `unlock()` ends it: COMMIT when only the lock's own transaction is open (it holds nothing,
//!   see the previous point), ROLLBACK when the engine began work and never committed it, so work
//!   the engine did not ask to commit is never committed.
//!
//! Between a commit and the next `BEGIN IMMEDIATE` another process may take the lock. Then the
//! commit still succeeds (its data is safe) and the lock is re-taken lazily: the next `begin()`
//! or statement waits briefly and reports the file as busy. The engine expects this
//! (`session_lock = false`): it re-checks the history inside every transaction.

use std::path::Path;
use std::time::Duration;

use govup_engine::DbError;
use rusqlite::{Connection, ErrorCode, MAIN_DB};

/// How long `lock()` waits for another process's write transaction before giving up.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(2);

/// How long an ordinary statement waits for a busy file (a commit waits for readers to finish).
pub(crate) const STATEMENT_WAIT: Duration = Duration::from_secs(5);

/// The transaction state the engine's calls move through.
#[derive(Debug, Default)]
pub(crate) struct Transactions {
    /// `lock()` was called and `unlock()` not yet.
    locked: bool,
    /// The engine called `begin()` and not yet `commit()` or `rollback()`.
    in_work: bool,
}

pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn busy(path: &Path) -> DbError {
    DbError::new(format!(
        "database file {} is busy: another process holds its write lock",
        path.display()
    ))
}

fn run(conn: &Connection, sql: &str) -> Result<(), rusqlite::Error> {
    conn.execute_batch(sql)
}

impl Transactions {
    pub(crate) fn locked(&self) -> bool {
        self.locked
    }

    /// Opens the immediate transaction that is the lock, waiting at most [`LOCK_WAIT`].
    fn begin_immediate(conn: &Connection, path: &Path) -> Result<(), DbError> {
        let wait = |d| conn.busy_timeout(d).map_err(crate::error::sqlite_error);
        wait(LOCK_WAIT)?;
        let result = run(conn, "BEGIN IMMEDIATE");
        wait(STATEMENT_WAIT)?;
        result.map_err(|e| {
            if is_busy(&e) {
                busy(path)
            } else {
                DbError::new(format!(
                    "cannot take the write lock of {}: {e}",
                    path.display()
                ))
            }
        })
    }

    /// Re-opens the lock's transaction if a commit, a rollback or an error ended it.
    fn hold(&self, conn: &Connection, path: &Path) -> Result<(), DbError> {
        if self.locked && conn.is_autocommit() {
            Self::begin_immediate(conn, path)?;
        }
        Ok(())
    }

    pub(crate) fn lock(&mut self, conn: &Connection, path: &Path) -> Result<(), DbError> {
        if self.locked {
            return self.hold(conn, path);
        }
        if conn.is_readonly(MAIN_DB).unwrap_or(false) {
            return Err(DbError::new(format!(
                "database file {} is read-only: cannot take its write lock",
                path.display()
            )));
        }
        if !conn.is_autocommit() {
            return Err(DbError::new(format!(
                "cannot take the write lock of {} inside an open transaction",
                path.display()
            )));
        }
        Self::begin_immediate(conn, path)?;
        self.locked = true;
        self.in_work = false;
        Ok(())
    }

    pub(crate) fn unlock(&mut self, conn: &Connection, path: &Path) -> Result<(), DbError> {
        let was_locked = std::mem::take(&mut self.locked);
        if !was_locked || conn.is_autocommit() {
            return Ok(());
        }
        if std::mem::take(&mut self.in_work) {
            return run(conn, "ROLLBACK").map_err(|e| {
                DbError::new(format!(
                    "cannot release the write lock of {}: {e}",
                    path.display()
                ))
            });
        }
        run(conn, "COMMIT").map_err(|e| {
            // Closing the connection would also end the transaction; until then, drop it.
            let _ = run(conn, "ROLLBACK");
            DbError::new(format!(
                "cannot release the write lock of {}: {e}",
                path.display()
            ))
        })
    }

    pub(crate) fn begin(&mut self, conn: &Connection, path: &Path) -> Result<(), DbError> {
        if self.in_work && !conn.is_autocommit() {
            return Err(DbError::new(format!(
                "cannot begin a transaction on {}: one is already open",
                path.display()
            )));
        }
        if self.locked {
            self.hold(conn, path)?;
        } else {
            run(conn, "BEGIN").map_err(crate::error::sqlite_error)?;
        }
        self.in_work = true;
        Ok(())
    }

    pub(crate) fn commit(&mut self, conn: &Connection, path: &Path) -> Result<(), DbError> {
        if conn.is_autocommit() {
            if std::mem::take(&mut self.in_work) {
                // SQLite rolls a transaction back by itself after some errors (disk full, I/O):
                // committing now would claim work that is gone.
                let _ = self.hold(conn, path);
                return Err(rolled_back(path));
            }
            if !self.locked {
                return Err(DbError::new(format!(
                    "cannot commit on {}: no transaction is open",
                    path.display()
                )));
            }
        } else {
            // On failure the transaction stays open and the engine's rollback() ends it.
            run(conn, "COMMIT").map_err(crate::error::sqlite_error)?;
        }
        self.in_work = false;
        // The commit stands even if the lock cannot be re-taken; see the module documentation.
        let _ = self.hold(conn, path);
        Ok(())
    }

    pub(crate) fn rollback(&mut self, conn: &Connection, path: &Path) -> Result<(), DbError> {
        self.in_work = false;
        // Nothing open means SQLite already rolled back: the engine's request is satisfied.
        if !conn.is_autocommit() {
            run(conn, "ROLLBACK").map_err(crate::error::sqlite_error)?;
        }
        let _ = self.hold(conn, path);
        Ok(())
    }

    /// Ends whatever transaction is open, rolling it back, so that the connection can be the
    /// destination of an online backup: SQLite refuses one while the destination connection has
    /// a transaction open. The lock stays marked as held; [`Transactions::resume`] re-takes it.
    pub(crate) fn suspend(&mut self, conn: &Connection) -> Result<(), DbError> {
        self.in_work = false;
        if !conn.is_autocommit() {
            run(conn, "ROLLBACK").map_err(crate::error::sqlite_error)?;
        }
        Ok(())
    }

    /// Re-takes the lock after [`Transactions::suspend`] when it was held; nothing otherwise.
    pub(crate) fn resume(&self, conn: &Connection, path: &Path) -> Result<(), DbError> {
        self.hold(conn, path)
    }

    /// Whether the engine's transaction is open: Ok(false) outside it, an error when SQLite
    /// already ended it after an earlier failure.
    pub(crate) fn working(&self, conn: &Connection, path: &Path) -> Result<bool, DbError> {
        if self.in_work && conn.is_autocommit() {
            return Err(rolled_back(path));
        }
        Ok(self.in_work)
    }

    /// Runs one batch of SQL with the state's rules: inside the engine's transaction as is,
    /// under the lock but outside a transaction committed at once, otherwise in autocommit.
    pub(crate) fn execute(
        &mut self,
        conn: &Connection,
        path: &Path,
        sql: &str,
    ) -> Result<(), DbError> {
        if self.in_work {
            if conn.is_autocommit() {
                return Err(rolled_back(path));
            }
            return run(conn, sql).map_err(crate::error::sqlite_error);
        }
        if !self.locked {
            return run(conn, sql).map_err(crate::error::sqlite_error);
        }
        self.hold(conn, path)?;
        run(conn, sql).map_err(crate::error::sqlite_error)?;
        if let Err(e) = run(conn, "COMMIT") {
            // Leave nothing pending that the caller was told failed.
            let _ = run(conn, "ROLLBACK");
            let _ = self.hold(conn, path);
            return Err(DbError::new(format!(
                "cannot commit on {}: {e}",
                path.display()
            )));
        }
        let _ = self.hold(conn, path);
        Ok(())
    }
}

fn rolled_back(path: &Path) -> DbError {
    DbError::new(format!(
        "the transaction on {} was rolled back by sqlite after an earlier error",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> (Connection, &'static Path) {
        (Connection::open_in_memory().unwrap(), Path::new(":memory:"))
    }

    #[test]
    fn lock_opens_an_immediate_transaction_and_unlock_ends_it() {
        let (conn, path) = memory();
        let mut tx = Transactions::default();
        tx.lock(&conn, path).unwrap();
        assert!(tx.locked() && !conn.is_autocommit());
        tx.unlock(&conn, path).unwrap();
        assert!(!tx.locked() && conn.is_autocommit());
        // Unlock is called on every exit path, also when not locked.
        tx.unlock(&conn, path).unwrap();
    }

    #[test]
    fn begin_inside_lock_does_not_nest_and_commit_reopens() {
        let (conn, path) = memory();
        let mut tx = Transactions::default();
        tx.lock(&conn, path).unwrap();
        tx.begin(&conn, path).unwrap();
        tx.execute(&conn, path, "CREATE TABLE t (x)").unwrap();
        assert!(
            tx.begin(&conn, path).is_err(),
            "a second begin must fail like SQLite's"
        );
        tx.commit(&conn, path).unwrap();
        assert!(
            !conn.is_autocommit(),
            "the lock's transaction is open again"
        );
        tx.begin(&conn, path).unwrap();
        tx.execute(&conn, path, "INSERT INTO t VALUES (1)").unwrap();
        tx.rollback(&conn, path).unwrap();
        assert!(!conn.is_autocommit());
        tx.unlock(&conn, path).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn unlock_rolls_back_work_never_committed() {
        let (conn, path) = memory();
        let mut tx = Transactions::default();
        tx.lock(&conn, path).unwrap();
        tx.begin(&conn, path).unwrap();
        tx.execute(&conn, path, "CREATE TABLE t (x)").unwrap();
        tx.unlock(&conn, path).unwrap();
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 't'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn plain_transactions_without_lock() {
        let (conn, path) = memory();
        let mut tx = Transactions::default();
        tx.begin(&conn, path).unwrap();
        assert!(!conn.is_autocommit());
        tx.commit(&conn, path).unwrap();
        assert!(conn.is_autocommit());
        assert!(tx.commit(&conn, path).is_err());
        tx.rollback(&conn, path).unwrap();
    }
}
