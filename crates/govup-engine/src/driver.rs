//! What the engine needs from a database: a [`Dialect`] (pure text, from `govup-sql`: splitting,
//! quoting, history DDL, and [`Capabilities`], the one description of what the database type
//! can do) and a [`Driver`] (a live connection), which each driver crate implements.
//!
//! `Driver` is the core: running statements, transactions, the lock, the schema, and speed
//! hooks whose defaults do the plain thing. What only some databases can do is a separate
//! trait that a driver has or has not, known before anything runs: [`Maintenance`] (catalogs,
//! backups, scratch databases, [`Driver::maintenance`]) and [`Replication`] (waiting for
//! replicas, [`Driver::replication`]). No driver carries a method it cannot do.

pub use crate::maintenance::{IdleScratch, Maintenance};
pub use govup_sql::{first_word_is, Capabilities, Dialect, SplitError, Statement};
use std::fmt;
use std::time::Duration;

/// What [`Replication::wait_for_replicas`] found: every replica, and those still behind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replicas {
    pub all: Vec<String>,
    /// Each with how far it had replayed, at the timeout.
    pub lagging: Vec<String>,
}

/// An error reported by the database or its client library, as one line of text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DbError {
    pub message: String,
}

impl DbError {
    pub fn new(message: impl fmt::Display) -> DbError {
        let text = message.to_string();
        // Client libraries wrap messages over several lines; the headline must stay one line.
        let message = text.split_whitespace().collect::<Vec<_>>().join(" ");
        DbError { message }
    }
}

/// A live connection to one database.
pub trait Driver {
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs one statement; rows it returns are discarded.
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;

    /// Runs a query; every cell as text, NULL as None.
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError>;

    /// Takes the upgrade lock. Blocks while another govup holds it, unless the dialect's lock
    /// cannot wait (then a clear error). The lock must die with the connection.
    fn lock(&mut self) -> Result<(), DbError>;

    /// Takes the upgrade lock if it is free, without waiting: Ok(false) when another session
    /// holds it (the engine then says it waits, and calls `lock`). Drivers that cannot ask
    /// simply take it.
    fn try_lock(&mut self) -> Result<bool, DbError> {
        self.lock().map(|()| true)
    }

    /// What the upgrade lock covers, as a text equal for every session that would contend for the
    /// same lock (one server and database). The engine locks once per scope: a run whose map
    /// reaches one database through two URLs would otherwise wait for itself forever. None: not
    /// known, and every connection takes the lock.
    fn lock_scope(&mut self) -> Result<Option<String>, DbError> {
        Ok(None)
    }

    /// Releases the upgrade lock. Called on every exit path, also after errors.
    fn unlock(&mut self) -> Result<(), DbError>;

    /// Makes `schema` the default for unqualified names; None restores the connection's own
    /// default. Dialects without schemas accept only None.
    fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DbError>;

    /// Where this connection goes, with any password replaced by `***`.
    fn describe(&self) -> String;

    /// Why nothing can be written through this connection (a standby, a read-only server or
    /// session, a read-only file), asked before an apply takes its lock or writes anything, so
    /// that it refuses with the reason instead of the server's refusal of its first write.
    /// Ok(None): writable, as far as the driver can tell.
    fn read_only_reason(&mut self) -> Result<Option<String>, DbError> {
        Ok(None)
    }

    /// Appends `rows` to `table` (qualified and quoted) in bulk, cells as text, NULL as None.
    /// Ok(false): this driver has no bulk path, and the caller INSERTs instead.
    fn copy_rows(
        &mut self,
        _table: &str,
        _columns: &[&str],
        _rows: &[Vec<Option<String>>],
    ) -> Result<bool, DbError> {
        Ok(false)
    }

    /// Runs `statements` in order, stopping at the first error, which names its statement:
    /// `Err((i, error))` means statements `..i` ran and `i..` did not. The engine calls it
    /// inside a transaction it opened where DDL is transactional, and with its own `BEGIN` and
    /// `COMMIT` among the statements elsewhere. Drivers that can send many statements in one
    /// round trip override it; the attribution of the error must stay exact.
    fn execute_many(&mut self, statements: &[&str]) -> Result<(), (usize, DbError)> {
        execute_each(self, statements)
    }

    /// Whether a rolled-back transaction of INSERT/UPDATE/DELETE in `schema` (None: the default)
    /// leaves no trace. False where some table cannot roll back (MySQL's MyISAM); only where it
    /// holds does the engine put several patches in one transaction on databases whose DDL
    /// commits on its own.
    fn rolls_back_rows(&mut self, _schema: Option<&str>) -> Result<bool, DbError> {
        Ok(true)
    }

    fn begin(&mut self) -> Result<(), DbError> {
        self.execute("BEGIN")
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.execute("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        self.execute("ROLLBACK")
    }

    /// Runs `statements` in one transaction (where DDL commits on its own, as far as the
    /// database allows), stopping at the first error and rolling back. Drivers that can send
    /// them in fewer round trips override it.
    fn execute_in_transaction(&mut self, statements: &[&str]) -> Result<(), DbError> {
        self.begin()?;
        let result = statements.iter().try_for_each(|s| self.execute(s));
        match result {
            Ok(()) => self.commit(),
            Err(e) => {
                let _ = self.rollback();
                Err(e)
            }
        }
    }

    /// The live row estimate and size of `tables` in `schema` (None: the default), from the
    /// catalog, for `govup plan --impact`. Read-only; tables it does not find are left out.
    /// Ok(None): this database has no such lookup, and sizes are unknown.
    fn table_sizes(
        &mut self,
        schema: Option<&str>,
        tables: &[String],
    ) -> Result<Option<Vec<govup_sql::impact::TableSize>>, DbError> {
        let dialect = self.dialect().name();
        let Some(sql) = govup_sql::impact::table_sizes_sql(dialect, schema, tables) else {
            return Ok(None);
        };
        let rows = self.query(&sql)?;
        Ok(Some(govup_sql::impact::parse_table_sizes(&rows)))
    }

    /// Catalogs, backups and scratch databases, where this driver has them. None: it has no
    /// such method at all, and the engine refuses `verify`, `rehearse` and `--backup` before
    /// anything is written.
    fn maintenance(&mut self) -> Option<&mut dyn Maintenance> {
        None
    }

    /// Waiting for replicas, where this driver can. None: `--wait-replicas` is refused before
    /// anything is written.
    fn replication(&mut self) -> Option<&mut dyn Replication> {
        None
    }
}

/// The replicas streaming from a server.
pub trait Replication {
    /// Waits up to `timeout` until every replica streaming from this server has replayed all
    /// it has written so far. Every replica's name, and those still behind at the timeout.
    fn wait_for_replicas(&mut self, timeout: Duration) -> Result<Replicas, DbError>;
}

/// [`Driver::execute_many`] one statement at a time: the default, and the fallback of drivers
/// that send many at once only where it pays.
pub fn execute_each<D: Driver + ?Sized>(
    db: &mut D,
    statements: &[&str],
) -> Result<(), (usize, DbError)> {
    statements
        .iter()
        .enumerate()
        .try_for_each(|(i, sql)| db.execute(sql).map_err(|e| (i, e)))
}

/// `statements` as one text for a server that runs several statements per message, in order.
/// A newline before each `;`: a statement may end in a `--` comment.
pub fn script(statements: &[&str]) -> String {
    let mut text = String::with_capacity(statements.iter().map(|s| s.len() + 3).sum());
    for (i, s) in statements.iter().enumerate() {
        if i > 0 {
            text.push_str("\n;\n");
        }
        text.push_str(s);
    }
    text
}
