//! Backups and restores, through SQLite's online backup API.
//!
//! A backup is a plain SQLite file, `<dir>/<stem>.sqlite`, holding what was committed when it was
//! taken. SQLite refuses a connection with an open write transaction as a backup source or
//! destination, and under the upgrade lock this connection always has one (see the `lock`
//! module), so:
//!
//! - a backup reads through a second, read-only connection when this one is inside a
//!   transaction. It sees the last committed state, which is what the engine wants: it backs up
//!   before its first write;
//! - a restore rolls back the open transaction, copies the file into this connection's database
//!   and then takes the lock again when it was held. Between the two another process could take
//!   the write lock: the restore then fails as busy (after the usual wait) or, once it is done,
//!   the lock is re-taken lazily, exactly as after a commit.
//!
//! Every copy is one backup step over all pages (`step(-1)`): one read transaction on the source,
//! so the copy is consistent while other sessions write and never restarts under a steady stream
//! of writes. Writers of a rollback-journal database wait for it (with their busy timeout); in
//! WAL mode they do not.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use govup_engine::DbError;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{ffi, Connection, OpenFlags};

use crate::connection::{reason, SqliteConnection};
use crate::lock::{is_busy, STATEMENT_WAIT};

/// Opens `path` for reading only. The path is a file name, never a `file:` URI.
pub(crate) fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(STATEMENT_WAIT)?;
    Ok(conn)
}

/// Opens the file at `path`, which the caller has created, as a backup destination.
pub(crate) fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(STATEMENT_WAIT)?;
    Ok(conn)
}

/// Copies the main database of `from` into the main database of `to`, replacing its content, in
/// one step (see the module documentation).
pub(crate) fn copy(from: &Connection, to: &mut Connection) -> rusqlite::Result<()> {
    let backup = Backup::new(from, to)?;
    loop {
        let code = match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => continue,
            // Both connections' busy handlers have already waited.
            StepResult::Busy => ffi::SQLITE_BUSY,
            StepResult::Locked => ffi::SQLITE_LOCKED,
            _ => ffi::SQLITE_ERROR,
        };
        return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None));
    }
}

/// Creates `path`, which must not exist, readable by no one the database file `like` is not
/// readable by: a copy of a production database is as sensitive as the database.
pub(crate) fn create_file_like(path: &Path, like: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if let Ok(meta) = std::fs::metadata(like) {
            // The owner must be able to write the copy; group and others get what they had.
            options.mode((meta.permissions().mode() & 0o777) | 0o600);
        }
    }
    #[cfg(not(unix))]
    let _ = like;
    options.open(path)
}

/// Creates `path`, which must not exist, readable and writable by its owner only: a backup
/// holds the database's data whatever the database file's own mode, as on every database.
pub(crate) fn create_private_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Removes the journal files SQLite may have left beside `path`. Absent files are fine.
pub(crate) fn remove_journals(path: &Path) -> io::Result<()> {
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        remove_if_present(Path::new(&name))?;
    }
    Ok(())
}

/// Removes `path` and its journal files; the journals first, so that a hot journal never
/// outlives its database to be replayed into a later file of the same name.
pub(crate) fn remove_with_journals(path: &Path) -> io::Result<()> {
    remove_journals(path)?;
    remove_if_present(path)
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The reason of a failed copy from or into `path`, saying "busy" the way the lock does.
fn copy_reason(e: &rusqlite::Error, path: &Path) -> String {
    if is_busy(e) {
        return "the database file is busy: another process holds its write lock".into();
    }
    reason(e, path)
}

impl SqliteConnection {
    /// Copies what is committed in this database into `to`: from this connection when it has no
    /// transaction open, else through a second, read-only connection.
    pub(crate) fn copy_committed(&self, to: &mut Connection) -> rusqlite::Result<()> {
        if self.conn.is_autocommit() {
            return copy(&self.conn, to);
        }
        let reader = open_reader(&self.path)?;
        copy(&reader, to)
    }

    /// [`Maintenance::backup`](govup_engine::Maintenance::backup): `<dir>/<stem>.sqlite`, never
    /// overwriting a file that is there, written under a `.partial` name first so that a backup
    /// cut short never looks like a complete one.
    pub(crate) fn backup_file(&self, dir: &Path, stem: &str) -> Result<PathBuf, DbError> {
        if stem.is_empty() || stem.contains(['/', '\\']) || stem == "." || stem == ".." {
            return Err(DbError::new(format!(
                "invalid backup file name {stem:?}: it must be a plain file name"
            )));
        }
        let file = dir.join(format!("{stem}.sqlite"));
        let fail = |why: &dyn std::fmt::Display| {
            DbError::new(format!(
                "cannot back up {} to {}: {why}",
                self.path.display(),
                file.display()
            ))
        };
        if file.symlink_metadata().is_ok() {
            return Err(fail(
                &"the file already exists, and a backup is never overwritten",
            ));
        }
        let partial = dir.join(format!("{stem}.sqlite.partial"));
        // A `.partial` file is a backup cut short by an earlier run: never a backup to keep.
        remove_with_journals(&partial).map_err(|e| fail(&e))?;
        let written = create_private_file(&partial)
            .map_err(|e| e.to_string())
            .and_then(|_| self.write_backup(&partial));
        let done =
            written.and_then(|()| std::fs::rename(&partial, &file).map_err(|e| e.to_string()));
        if let Err(why) = done {
            let _ = remove_with_journals(&partial);
            return Err(fail(&why));
        }
        Ok(file)
    }

    fn write_backup(&self, dest: &Path) -> Result<(), String> {
        let mut to = open_writer(dest).map_err(|e| reason(&e, dest))?;
        self.copy_committed(&mut to)
            .map_err(|e| copy_reason(&e, &self.path))?;
        // The copy carries the source's journal mode; a backup is one self-contained file, so it
        // never asks for a -wal beside it. A restore into a WAL database keeps that database WAL.
        to.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
            .map_err(|e| reason(&e, dest))
    }

    /// [`Maintenance::restore`](govup_engine::Maintenance::restore): checks `file`, then replaces this
    /// database with it (see the module documentation for the lock).
    pub(crate) fn restore_file(&mut self, file: &Path) -> Result<(), DbError> {
        let fail = |why: &dyn std::fmt::Display| {
            DbError::new(format!(
                "cannot restore {} from {}: {why}",
                self.path.display(),
                file.display()
            ))
        };
        // Everything about the file is checked before the database is touched: a missing,
        // foreign or damaged file leaves the database and the lock as they are.
        if !file.is_file() {
            return Err(fail(&"the backup file does not exist"));
        }
        if same_file(file, &self.path) {
            return Err(fail(&"the backup file is the database itself"));
        }
        let source = open_reader(file).map_err(|e| fail(&reason(&e, file)))?;
        let check: String = source
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| fail(&e))?;
        if check != "ok" {
            return Err(fail(&format!("the backup file is damaged: {check}")));
        }

        self.tx.suspend(&self.conn).map_err(|e| fail(&e))?;
        let copied = copy(&source, &mut self.conn);
        // The restore stands even if the lock cannot be re-taken at once: the next statement or
        // begin() re-takes it, or reports the file as busy, as after a commit.
        let _ = self.tx.resume(&self.conn, &self.path);
        copied.map_err(|e| fail(&copy_reason(&e, &self.path)))
    }
}

/// Whether two paths name the same file (false when either cannot be resolved).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_replaces_the_destination() {
        let from = Connection::open_in_memory().unwrap();
        from.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);")
            .unwrap();
        let mut to = Connection::open_in_memory().unwrap();
        to.execute_batch("CREATE TABLE old (y)").unwrap();
        copy(&from, &mut to).unwrap();
        let names: Vec<String> = to
            .prepare("SELECT name FROM sqlite_master")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(names, ["t"]);
        let n: i64 = to
            .query_row("SELECT sum(x) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 3);
    }

    #[test]
    fn a_destination_inside_a_transaction_is_refused() {
        let from = Connection::open_in_memory().unwrap();
        let mut to = Connection::open_in_memory().unwrap();
        to.execute_batch("BEGIN IMMEDIATE").unwrap();
        assert!(copy(&from, &mut to).is_err());
    }
}
