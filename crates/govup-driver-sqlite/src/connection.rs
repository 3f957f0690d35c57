//! A live connection to one SQLite database file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use govup_engine::{
    execute_each, execute_in_transaction, Batching, Catalog, Contention, DbError, Dialect, Driver,
    Inspect, LockWait, Maintenance, Tx, Wait,
};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::lock::{Transactions, STATEMENT_WAIT};
use crate::url::Mode;

/// A connection to a SQLite database file, implementing [`Driver`].
pub struct SqliteConnection {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
    pub(crate) tx: Transactions,
}

impl std::fmt::Debug for SqliteConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConnection")
            .field("path", &self.path)
            .field("locked", &self.tx.locked())
            .finish()
    }
}

impl SqliteConnection {
    /// Connects to the file a `sqlite:PATH` or `sqlite://PATH` URL names, as its `mode=` asks.
    pub fn connect(url: &str) -> Result<SqliteConnection, DbError> {
        let (path, mode) = crate::url::parse(url).map_err(DbError::new)?;
        let flags = match mode {
            Mode::Rwc => return SqliteConnection::open(&path),
            Mode::Rw => OpenFlags::SQLITE_OPEN_READ_WRITE,
            Mode::Ro => OpenFlags::SQLITE_OPEN_READ_ONLY,
        };
        must_exist(&path)?;
        SqliteConnection::open_with(&path, Some(flags | OpenFlags::SQLITE_OPEN_NO_MUTEX))
    }

    /// [`SqliteConnection::open_read_only`] of the file a URL names.
    pub fn connect_read_only(url: &str) -> Result<SqliteConnection, DbError> {
        SqliteConnection::open_read_only(&path_in(url)?)
    }

    /// For a command that only reads an existing database (`status`, `verify`): read-only, and
    /// a missing file is an error naming it rather than an empty database created by mistake.
    pub fn connect_existing(url: &str) -> Result<SqliteConnection, DbError> {
        let path = path_in(url)?;
        must_exist(&path)?;
        SqliteConnection::open_read_only(&path)
    }

    /// Opens `path` for a run that only reads (a dry run): read-only, so that nothing can be
    /// written even by mistake, and a file that does not exist is not created: it reads as the
    /// empty database it would be, while messages still name the path.
    pub fn open_read_only(path: &Path) -> Result<SqliteConnection, DbError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        SqliteConnection::open_with(path, path.exists().then_some(flags))
    }

    /// Opens the database file at `path`, creating an empty one if there is none.
    ///
    /// The file is read at once, so a location that cannot be written or a file that is not a
    /// database fails here, naming the path, rather than at the first statement.
    pub fn open(path: &Path) -> Result<SqliteConnection, DbError> {
        // No SQLITE_OPEN_URI: the path is a file name, never a `file:` URI with options.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        SqliteConnection::open_with(path, Some(flags))
    }

    /// `path` with `flags`, or an empty database in memory standing for it.
    fn open_with(path: &Path, flags: Option<OpenFlags>) -> Result<SqliteConnection, DbError> {
        let fail = |e: &dyn std::fmt::Display| {
            DbError::new(format!(
                "cannot open sqlite database {}: {e}",
                path.display()
            ))
        };
        let conn = match flags {
            Some(flags) => {
                Connection::open_with_flags(path, flags).map_err(|e| fail(&reason(&e, path)))?
            }
            None => Connection::open_in_memory().map_err(|e| fail(&e))?,
        };
        conn.busy_timeout(STATEMENT_WAIT).map_err(|e| fail(&e))?;
        conn.query_row("PRAGMA schema_version", [], |_| Ok(()))
            .map_err(|e| fail(&e))?;
        Ok(SqliteConnection {
            conn,
            path: path.to_path_buf(),
            tx: Transactions::default(),
        })
    }

    /// The database file, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Copies the database to `dest` with SQLite's online backup, replacing what `dest` held.
    ///
    /// The copy holds what is committed: work inside an open transaction is not in it.
    pub fn backup_to(&self, dest: &Path) -> Result<(), DbError> {
        let fail = |e: &rusqlite::Error| {
            DbError::new(format!(
                "cannot back up {} to {}: {}",
                self.path.display(),
                dest.display(),
                reason(e, dest)
            ))
        };
        // No SQLITE_OPEN_URI here either: `dest` is a file name.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut to = Connection::open_with_flags(dest, flags).map_err(|e| fail(&e))?;
        to.busy_timeout(STATEMENT_WAIT).map_err(|e| fail(&e))?;
        // A connection inside a write transaction (the lock's, say) cannot be a backup source:
        // SQLite answers SQLITE_LOCKED. copy_committed reads through a second connection then.
        self.copy_committed(&mut to).map_err(|e| fail(&e))
    }
}

fn path_in(url: &str) -> Result<std::path::PathBuf, DbError> {
    crate::url::parse(url)
        .map(|(path, _)| path)
        .map_err(DbError::new)
}

fn must_exist(path: &Path) -> Result<(), DbError> {
    match path.try_exists() {
        Ok(true) => Ok(()),
        _ => Err(DbError::new(format!(
            "sqlite database {} does not exist (only `govup apply` creates one)",
            path.display()
        ))),
    }
}

fn no_schemas(schema: Option<&str>) -> Result<(), DbError> {
    match schema {
        None => Ok(()),
        Some(s) => Err(DbError::new(format!(
            "sqlite has no schemas: cannot use schema {s:?}"
        ))),
    }
}

/// The client's text, without the file name it appends to open errors (the caller names it),
/// and with the likeliest cause of SQLite's bare "unable to open".
pub(crate) fn reason(e: &rusqlite::Error, path: &Path) -> String {
    if e.sqlite_error_code() != Some(ErrorCode::CannotOpen) {
        return e.to_string();
    }
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => {
            format!(
                "unable to open database file: directory {} does not exist",
                dir.display()
            )
        }
        _ => "unable to open database file".to_string(),
    }
}

/// One cell as text: numbers as SQLite prints them, blobs in hexadecimal, NULL as None.
fn cell(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(f) => Some(format!("{f:?}")),
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Some(
            b.iter()
                .fold(String::with_capacity(b.len() * 2), |mut s, x| {
                    let _ = write!(s, "{x:02X}");
                    s
                }),
        ),
    }
}

impl Driver for SqliteConnection {
    fn dialect(&self) -> &'static dyn Dialect {
        &crate::DIALECT
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        // execute_batch steps statements that return rows instead of refusing them.
        self.tx.execute(&self.conn, &self.path, sql)
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let mut stmt = self.conn.prepare(sql).map_err(crate::error::sqlite_error)?;
        let width = stmt.column_count();
        let mut rows = stmt.query([]).map_err(crate::error::sqlite_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(crate::error::sqlite_error)? {
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(cell(row.get_ref(i).map_err(crate::error::sqlite_error)?));
            }
            out.push(cells);
        }
        Ok(out)
    }

    /// SQLite cannot be asked without taking it: either way it is taken, or a clear error.
    fn lock(&mut self, _wait: Wait) -> Result<bool, DbError> {
        self.tx.lock(&self.conn, &self.path).map(|()| true)
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        self.tx.unlock(&self.conn, &self.path)
    }

    fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DbError> {
        no_schemas(schema)
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn transaction(&mut self, tx: Tx) -> Result<(), DbError> {
        match tx {
            Tx::Begin => self.tx.begin(&self.conn, &self.path),
            Tx::Commit => self.tx.commit(&self.conn, &self.path),
            Tx::Rollback => self.tx.rollback(&self.conn, &self.path),
        }
    }

    fn inspect(&mut self) -> Option<&mut dyn Inspect> {
        Some(self)
    }

    fn batching(&mut self) -> Option<&mut dyn Batching> {
        Some(self)
    }

    fn maintenance(&mut self) -> Option<&mut dyn Maintenance> {
        Some(self)
    }

    fn contention(&mut self) -> Option<&mut dyn Contention> {
        Some(self)
    }
}

impl Contention for SqliteConnection {
    /// Nothing to set: the upgrade's lock is the write transaction itself, so its statements
    /// never wait for another writer.
    fn set_lock_timeout(&mut self, _timeout: std::time::Duration) -> Result<(), DbError> {
        Ok(())
    }

    fn lock_wait(&mut self, _error: &DbError, _statement: &str) -> Option<LockWait> {
        None
    }
}

impl Inspect for SqliteConnection {
    /// Not known: every connection takes the file's lock.
    fn lock_scope(&mut self) -> Result<Option<String>, DbError> {
        Ok(None)
    }

    /// SQLite falls back to read-only when the file cannot be written, and says so. Root is
    /// never refused by the file's mode, so a file without any write bit counts as read-only
    /// too: somebody marked it so on purpose.
    fn read_only_reason(&mut self) -> Result<Option<String>, DbError> {
        let open_read_only = self
            .conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(|e| DbError::new(format!("{}: {e}", self.path.display())))?;
        if open_read_only {
            return Ok(Some("SQLite opened the file read-only".into()));
        }
        Ok(std::fs::metadata(&self.path)
            .ok()
            .filter(|m| m.is_file() && m.permissions().readonly())
            .map(|_| "the file has no write permission".into()))
    }

    /// Every table rolls back.
    fn rolls_back_rows(&mut self, _schema: Option<&str>) -> Result<bool, DbError> {
        Ok(true)
    }
}

/// Only the history rows go faster; statements go one at a time (no round trips to save).
impl Batching for SqliteConnection {
    /// One prepared INSERT bound per row (see the `copy` module). Only inside the engine's
    /// transaction: outside it the INSERT fallback goes through `execute`, which applies the
    /// lock's commit rules.
    fn copy_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Option<String>>],
    ) -> Result<bool, DbError> {
        if !self.tx.working(&self.conn, &self.path)? {
            return Ok(false);
        }
        crate::copy::insert_rows(&self.conn, table, columns, rows)?;
        Ok(true)
    }

    fn execute_many(&mut self, statements: &[&str]) -> Result<(), (usize, DbError)> {
        execute_each(self, statements)
    }

    fn execute_in_transaction(&mut self, statements: &[&str]) -> Result<(), DbError> {
        execute_in_transaction(self, statements)
    }
}

impl Maintenance for SqliteConnection {
    /// See the `catalog` module for what is in it.
    fn catalog(&mut self, schema: Option<&str>) -> Result<Catalog, DbError> {
        no_schemas(schema)?;
        crate::catalog::read(&self.conn)
    }

    /// `<dir>/<stem>.sqlite`, a copy of what is committed (see the `backup` module).
    fn backup(&mut self, schema: Option<&str>, dir: &Path, stem: &str) -> Result<PathBuf, DbError> {
        no_schemas(schema)?;
        self.backup_file(dir, stem)
    }

    /// Replaces the database with `file` and keeps the lock (see the `backup` module).
    fn restore(&mut self, schema: Option<&str>, file: &Path) -> Result<(), DbError> {
        no_schemas(schema)?;
        self.restore_file(file)
    }

    /// `<path>.govup-<copy|empty>-<pid>-<n>.sqlite` (see the `scratch` module).
    fn create_scratch(&mut self, copy: bool) -> Result<String, DbError> {
        self.create_scratch_file(copy)
    }

    /// Only files create_scratch named (see the `scratch` module).
    fn drop_scratch(&mut self, url: &str) -> Result<(), DbError> {
        self.drop_scratch_file(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_as_text() {
        assert_eq!(cell(ValueRef::Null), None);
        assert_eq!(cell(ValueRef::Integer(-42)).as_deref(), Some("-42"));
        assert_eq!(cell(ValueRef::Real(1.0)).as_deref(), Some("1.0"));
        assert_eq!(cell(ValueRef::Real(0.25)).as_deref(), Some("0.25"));
        assert_eq!(
            cell(ValueRef::Text(b"caf\xc3\xa9")).as_deref(),
            Some("café")
        );
        assert_eq!(
            cell(ValueRef::Text(b"a\xffb")).as_deref(),
            Some("a\u{fffd}b")
        );
        assert_eq!(
            cell(ValueRef::Blob(&[0x00, 0xab, 0x10])).as_deref(),
            Some("00AB10")
        );
    }
}
