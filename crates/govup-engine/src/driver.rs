//! What the engine needs from a database: a [`Dialect`] (pure text, from `govup-sql`: splitting,
//! quoting, history DDL, and [`Capabilities`], the one description of what the database type
//! can do) and a [`Driver`] (a live connection), which each driver crate implements.
//!
//! `Driver` is the core: running statements, transactions, the lock, the schema. What only
//! some drivers can do is a small separate trait that a driver has or has not, reached through
//! an accessor that answers None without it: [`Inspect`] (live questions: lock scope, read-only,
//! rollback of rows), [`Batching`] (fewer round trips), [`Maintenance`] (catalogs, backups,
//! scratch databases) and [`Replication`] (waiting for replicas). No driver carries a method it
//! cannot do; [`DriverExt`] is the one place that says what the engine does without a part.

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

/// A statement that gave up waiting for a lock, from [`Contention::lock_wait`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockWait {
    /// The statement did nothing and the transaction is as it was before it: it may run again.
    pub retryable: bool,
    /// The sessions it waited for, each described in one line (pid, user, application, how
    /// long its transaction has been open), as far as the driver could tell.
    pub blockers: Vec<String>,
}

/// Whether [`Driver::lock`] may wait for another session that holds the upgrade lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Blocks while another govup holds it, unless the dialect's lock cannot wait (then a clear
    /// error). Answers true.
    Block,
    /// Takes it only if it is free: false when another session holds it (the engine then says
    /// it waits, and blocks). Drivers that cannot ask simply take it.
    No,
}

/// One step of transaction control, for [`Driver::transaction`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tx {
    Begin,
    Commit,
    Rollback,
}

impl Tx {
    /// The statement that does it where the database takes plain SQL for it.
    pub fn sql(self) -> &'static str {
        match self {
            Tx::Begin => "BEGIN",
            Tx::Commit => "COMMIT",
            Tx::Rollback => "ROLLBACK",
        }
    }
}

/// A live connection to one database: the core every driver has. Optional parts are reached
/// through the accessors at the end, each None unless the driver has it; [`DriverExt`] is
/// how the engine calls them, falling back to the plain way.
pub trait Driver {
    fn dialect(&self) -> &'static dyn Dialect;

    /// Where this connection goes, with any password replaced by `***`.
    fn describe(&self) -> String;

    /// Runs one statement; rows it returns are discarded.
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;

    /// Runs a query; every cell as text, NULL as None.
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError>;

    /// Makes `schema` the default for unqualified names; None restores the connection's own
    /// default. Dialects without schemas accept only None.
    fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DbError>;

    /// Opens, commits or rolls back a transaction; by default with the plain statement.
    fn transaction(&mut self, tx: Tx) -> Result<(), DbError> {
        self.execute(tx.sql())
    }

    /// Takes the upgrade lock, waiting or not as `wait` says; false only when it did not wait
    /// and another session holds it. The lock must die with the connection.
    fn lock(&mut self, wait: Wait) -> Result<bool, DbError>;

    /// Releases the upgrade lock. Called on every exit path, also after errors.
    fn unlock(&mut self) -> Result<(), DbError>;

    /// Live questions about this connection, where the driver can answer them. None: the
    /// answers of [`DriverExt`] (one lock per connection, writable, rows roll back).
    fn inspect(&mut self) -> Option<&mut dyn Inspect> {
        None
    }

    /// Fewer round trips, where this driver has them. None: one statement at a time, and
    /// history rows INSERTed.
    fn batching(&mut self) -> Option<&mut dyn Batching> {
        None
    }

    /// Catalogs, backups and scratch databases, where this driver has them. None: it has no
    /// such method at all, and the engine refuses `verify`, `rehearse` and `--backup` before
    /// anything is written.
    fn maintenance(&mut self) -> Option<&mut dyn Maintenance> {
        None
    }

    /// Lock timeouts and cluster-wide locks, where this driver has them. None: `--lock-timeout`
    /// is refused, and the lock is the plain one that dies with the session.
    fn contention(&mut self) -> Option<&mut dyn Contention> {
        None
    }

    /// Waiting for replicas, where this driver can. None: `--wait-replicas` is refused before
    /// anything is written.
    fn replication(&mut self) -> Option<&mut dyn Replication> {
        None
    }
}

/// What a driver can tell about its live connection, asked before and while an apply runs.
pub trait Inspect {
    /// What the upgrade lock covers, as a text equal for every session that would contend for the
    /// same lock (one server and database). The engine locks once per scope: a run whose map
    /// reaches one database through two URLs would otherwise wait for itself forever. None: not
    /// known, and every connection takes the lock.
    fn lock_scope(&mut self) -> Result<Option<String>, DbError>;

    /// Why nothing can be written through this connection (a standby, a read-only server or
    /// session, a read-only file), asked before an apply takes its lock or writes anything, so
    /// that it refuses with the reason instead of the server's refusal of its first write.
    /// Ok(None): writable, as far as the driver can tell.
    fn read_only_reason(&mut self) -> Result<Option<String>, DbError>;

    /// Whether a rolled-back transaction of INSERT/UPDATE/DELETE in `schema` (None: the default)
    /// leaves no trace. False where some table cannot roll back (MySQL's MyISAM); only where it
    /// holds does the engine put several patches in one transaction on databases whose DDL
    /// commits on its own.
    fn rolls_back_rows(&mut self, schema: Option<&str>) -> Result<bool, DbError>;

    /// Why `statement`, to run in `schema` (None: the default), must not run here at all (a
    /// Galera cluster cannot replicate it), asked of every statement before anything is
    /// written. Ok(None): nothing against it.
    fn refuse_statement(
        &mut self,
        _schema: Option<&str>,
        _statement: &str,
    ) -> Result<Option<String>, DbError> {
        Ok(None)
    }
}

/// How statements wait for locks held by other sessions, and locks that outlive a session.
pub trait Contention {
    /// Makes every later statement of this session give up after waiting `timeout` for a lock,
    /// with the database's own setting. Called outside any transaction, after the upgrade lock.
    fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), DbError>;

    /// Whether `error`, the failure of `statement`, was a lock wait that timed out; then whether
    /// the statement may simply run again, and who it waited for. Asked right after the failure.
    fn lock_wait(&mut self, error: &DbError, statement: &str) -> Option<LockWait>;

    /// How long a cluster-wide lock whose holder stopped its heartbeat stands before it is taken
    /// over (`--stale-lock-after`). Drivers whose lock dies with its session ignore it.
    fn set_stale_lock_after(&mut self, _after: Duration) {}

    /// What taking the lock did that the operator must be told (a stale lock taken over),
    /// asked once the lock is held.
    fn lock_notes(&mut self) -> Vec<String> {
        vec![]
    }
}

/// Speed hooks: the same effect as the plain way ([`execute_each`], [`execute_in_transaction`],
/// INSERTs), in fewer round trips.
pub trait Batching {
    /// Appends `rows` to `table` (qualified and quoted) in bulk, cells as text, NULL as None.
    /// Ok(false): no bulk path here or now, and the caller INSERTs instead.
    fn copy_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Option<String>>],
    ) -> Result<bool, DbError>;

    /// Runs `statements` in order, stopping at the first error, which names its statement:
    /// `Err((i, error))` means statements `..i` ran and `i..` did not. The engine calls it
    /// inside a transaction it opened where DDL is transactional, and with its own `BEGIN` and
    /// `COMMIT` among the statements elsewhere. The attribution of the error must stay exact.
    fn execute_many(&mut self, statements: &[&str]) -> Result<(), (usize, DbError)>;

    /// Runs `statements` in one transaction (where DDL commits on its own, as far as the
    /// database allows), stopping at the first error and rolling back.
    fn execute_in_transaction(&mut self, statements: &[&str]) -> Result<(), DbError>;
}

/// The replicas streaming from a server.
pub trait Replication {
    /// Waits up to `timeout` until every replica streaming from this server has replayed all
    /// it has written so far. Every replica's name, and those still behind at the timeout.
    fn wait_for_replicas(&mut self, timeout: Duration) -> Result<Replicas, DbError>;
}

/// How the engine calls the optional parts: through the driver's part when it has one, the
/// plain way when it has not. The one place that decides each fallback; also what is built
/// only on the core (table sizes, from the dialect's catalog query), which no driver overrides.
pub trait DriverExt: Driver {
    /// [`Inspect::lock_scope`]; None without it.
    fn lock_scope(&mut self) -> Result<Option<String>, DbError> {
        self.inspect().map_or(Ok(None), |i| i.lock_scope())
    }

    /// [`Inspect::read_only_reason`]; writable without it.
    fn read_only_reason(&mut self) -> Result<Option<String>, DbError> {
        self.inspect().map_or(Ok(None), |i| i.read_only_reason())
    }

    /// [`Inspect::rolls_back_rows`]; true without it.
    fn rolls_back_rows(&mut self, schema: Option<&str>) -> Result<bool, DbError> {
        self.inspect()
            .map_or(Ok(true), |i| i.rolls_back_rows(schema))
    }

    /// [`Inspect::refuse_statement`]; nothing against it without it.
    fn refuse_statement(
        &mut self,
        schema: Option<&str>,
        statement: &str,
    ) -> Result<Option<String>, DbError> {
        self.inspect()
            .map_or(Ok(None), |i| i.refuse_statement(schema, statement))
    }

    /// [`Contention::set_lock_timeout`]; refused without it.
    fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), DbError> {
        let name = self.dialect().name();
        match self.contention() {
            Some(c) => c.set_lock_timeout(timeout),
            None => Err(DbError::new(format!(
                "--lock-timeout is not supported for {name} yet"
            ))),
        }
    }

    /// [`Contention::lock_wait`]; never a lock wait without it.
    fn lock_wait(&mut self, error: &DbError, statement: &str) -> Option<LockWait> {
        self.contention()
            .and_then(|c| c.lock_wait(error, statement))
    }

    /// [`Contention::set_stale_lock_after`]; nothing to set without it.
    fn set_stale_lock_after(&mut self, after: Duration) {
        if let Some(c) = self.contention() {
            c.set_stale_lock_after(after);
        }
    }

    /// [`Contention::lock_notes`]; nothing to tell without it.
    fn lock_notes(&mut self) -> Vec<String> {
        self.contention()
            .map(|c| c.lock_notes())
            .unwrap_or_default()
    }

    /// [`Batching::copy_rows`]; false (INSERT them) without it.
    fn copy_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Option<String>>],
    ) -> Result<bool, DbError> {
        self.batching()
            .map_or(Ok(false), |b| b.copy_rows(table, columns, rows))
    }

    /// [`Batching::execute_many`]; [`execute_each`] without it.
    fn execute_many(&mut self, statements: &[&str]) -> Result<(), (usize, DbError)> {
        match self.batching() {
            Some(b) => b.execute_many(statements),
            None => execute_each(self, statements),
        }
    }

    /// [`Batching::execute_in_transaction`]; [`execute_in_transaction`] without it.
    fn execute_in_transaction(&mut self, statements: &[&str]) -> Result<(), DbError> {
        match self.batching() {
            Some(b) => b.execute_in_transaction(statements),
            None => execute_in_transaction(self, statements),
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
}

impl<D: Driver + ?Sized> DriverExt for D {}

/// [`Batching::execute_many`] one statement at a time: the plain way, and the fallback of
/// drivers that send many at once only where it pays.
pub fn execute_each<D: Driver + ?Sized>(
    db: &mut D,
    statements: &[&str],
) -> Result<(), (usize, DbError)> {
    statements
        .iter()
        .enumerate()
        .try_for_each(|(i, sql)| db.execute(sql).map_err(|e| (i, e)))
}

/// [`Batching::execute_in_transaction`] the plain way: one statement at a time between
/// [`Tx::Begin`] and [`Tx::Commit`], rolled back at the first error.
pub fn execute_in_transaction<D: Driver + ?Sized>(
    db: &mut D,
    statements: &[&str],
) -> Result<(), DbError> {
    db.transaction(Tx::Begin)?;
    let result = statements.iter().try_for_each(|s| db.execute(s));
    match result {
        Ok(()) => db.transaction(Tx::Commit),
        Err(e) => {
            let _ = db.transaction(Tx::Rollback);
            Err(e)
        }
    }
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
