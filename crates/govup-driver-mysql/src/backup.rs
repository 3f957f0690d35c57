//! Backups before an upgrade writes, and putting one back after a failure: `mysqldump` of one
//! database into a `.sql` file, and the `mysql` client loading that file into a recreated
//! database.
//!
//! The dump has no `CREATE DATABASE` or `USE` (no `--databases`), so it can be loaded into any
//! database, and it includes `govup_history`: a restore brings the history back to where it was
//! before the upgrade, together with the data it describes.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use govup_engine::driver::{DbError, Dialect};

use crate::connection::MySqlConnection;
use crate::databases;
use crate::programs::{self, Program};
use crate::DIALECT;

/// How many `<stem>-<n>.sql` names are tried before giving up.
const MAX_SUFFIX: u32 = 1000;

/// Dumps `schema` (None: the connection's default database) to a new file `<dir>/<stem>.sql`
/// (or `<stem>-2.sql`... when taken: an earlier backup is never overwritten), returns its path.
pub fn backup(
    c: &mut MySqlConnection,
    schema: Option<&str>,
    dir: &Path,
    stem: &str,
) -> Result<PathBuf, DbError> {
    let database = databases::resolve(c, schema)?;
    let dump = programs::find(Program::Dump, "backups of mysql databases")?;
    std::fs::create_dir_all(dir).map_err(|e| {
        DbError::new(format!(
            "cannot create backup directory {}: {e}",
            dir.display()
        ))
    })?;
    let path = reserve(dir, stem)?;

    let mut args = programs::dump_args(c.url(), dump.mariadb);
    let mut result_file = std::ffi::OsString::from("--result-file=");
    result_file.push(path.as_os_str());
    args.push(result_file);
    // `--` ends the options: the database name is never read as one.
    args.push("--".into());
    args.push(database.clone().into());
    let mut command = programs::command(&dump, c.url(), &args);
    command.stdin(Stdio::null()).stdout(Stdio::null());
    if let Err(why) = programs::run(&dump, command, c.url().password()) {
        // A half-written dump must not look like a backup.
        let _ = std::fs::remove_file(&path);
        return Err(DbError::new(format!(
            "mysqldump could not back up database {database} to {}: {why}",
            path.display()
        )));
    }
    Ok(path)
}

/// Creates the backup file, readable by its owner only (it holds the database's data), under the
/// first free name; creating it is what claims the name, so two backups never share one.
fn reserve(dir: &Path, stem: &str) -> Result<PathBuf, DbError> {
    for n in 1..=MAX_SUFFIX {
        let name = if n == 1 {
            format!("{stem}.sql")
        } else {
            format!("{stem}-{n}.sql")
        };
        let path = dir.join(name);
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(DbError::new(format!(
                    "cannot create backup file {}: {e}",
                    path.display()
                )))
            }
        }
    }
    Err(DbError::new(format!(
        "cannot create backup file {}: {MAX_SUFFIX} files named {stem}*.sql already exist",
        dir.join(format!("{stem}.sql")).display()
    )))
}

/// Replaces `schema` (None: the connection's default database) with the content of `file`: the
/// database is dropped (tables, views, routines, triggers, events), created again with its
/// character set and collation, and the dump is loaded into it with the `mysql` client. Nothing is dropped before
/// the file has been checked to be a complete dump and the client has been found. The upgrade
/// lock is a user-level lock of this session, so it survives the drop.
pub fn restore(c: &mut MySqlConnection, schema: Option<&str>, file: &Path) -> Result<(), DbError> {
    let database = databases::resolve(c, schema)?;
    check_dump(file)?;
    let client = programs::find(Program::Client, "restoring backups of mysql databases")?;
    let input = File::open(file)
        .map_err(|e| DbError::new(format!("cannot read backup file {}: {e}", file.display())))?;
    // A database that is gone (dropped by hand after the failure, say) is created with the
    // server's defaults: the tables in the dump name their own character sets anyway.
    let charset = databases::options(c, &database)?.unwrap_or_default();
    let current = c.scalar("SELECT DATABASE()")?;

    let quoted = DIALECT.quote_ident(&database);
    c.rows(&format!("DROP DATABASE IF EXISTS {quoted}"))?;
    c.rows(&charset.create_sql(&database))?;

    let args = programs::load_args(c.url(), client.mariadb, &database);
    let mut command = programs::command(&client, c.url(), &args);
    command.stdin(Stdio::from(input)).stdout(Stdio::null());
    let loaded = programs::run(&client, command, c.url().password());
    // Dropping the current database left the session without one: go back to it whatever
    // happened, so the engine's unqualified statements keep their target.
    let used = match current {
        Some(current) => c
            .rows(&format!("USE {}", DIALECT.quote_ident(&current)))
            .map(drop),
        None => Ok(()),
    };
    loaded.map_err(|why| {
        DbError::new(format!(
            "mysql could not restore database {database} from {}: {why} (the database is incomplete; run the restore again once the cause is fixed)",
            file.display()
        ))
    })?;
    used
}

/// Refuses a file that is not a whole dump: one that `mysqldump` did not write, or that it did
/// not finish (a killed backup). Loading either would leave the database half empty.
fn check_dump(file: &Path) -> Result<(), DbError> {
    let fail = |why: &str| {
        DbError::new(format!(
            "backup file {} {why}: nothing was changed",
            file.display()
        ))
    };
    let mut f = File::open(file).map_err(|e| fail(&format!("cannot be read ({e})")))?;
    let mut head = vec![0u8; 4096];
    let n = read_up_to(&mut f, &mut head).map_err(|e| fail(&format!("cannot be read ({e})")))?;
    let head = String::from_utf8_lossy(&head[..n]);
    let lines: Vec<&str> = head.lines().take(5).collect();
    if !lines
        .iter()
        .any(|l| l.starts_with("-- MariaDB dump") || l.starts_with("-- MySQL dump"))
    {
        return Err(fail("is not a mysqldump file"));
    }
    let len = f
        .seek(SeekFrom::End(0))
        .map_err(|e| fail(&format!("cannot be read ({e})")))?;
    f.seek(SeekFrom::Start(len.saturating_sub(512)))
        .map_err(|e| fail(&format!("cannot be read ({e})")))?;
    let mut tail = vec![0u8; 512];
    let n = read_up_to(&mut f, &mut tail).map_err(|e| fail(&format!("cannot be read ({e})")))?;
    if !String::from_utf8_lossy(&tail[..n]).contains("-- Dump completed") {
        return Err(fail(
            "is incomplete (no \"-- Dump completed\" line at its end)",
        ));
    }
    Ok(())
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n";

    #[test]
    fn reserve_never_reuses_a_name() {
        let dir = govup_testkit::scratch_dir("reserve");
        let a = reserve(&dir, "before-1.0.1").unwrap();
        let b = reserve(&dir, "before-1.0.1").unwrap();
        assert_eq!(a, dir.join("before-1.0.1.sql"));
        assert_eq!(b, dir.join("before-1.0.1-2.sql"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = a.metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        let e = reserve(&dir.join("missing"), "x").unwrap_err();
        assert!(e.message.starts_with("cannot create backup file "), "{e}");
    }

    #[test]
    fn check_dump_wants_a_whole_mysqldump_file() {
        let dir = govup_testkit::scratch_dir("checkdump");
        let whole = dir.join("whole.sql");
        let body = "CREATE TABLE t (a INT);\n".repeat(100);
        std::fs::write(
            &whole,
            format!("{HEAD}{body}\n-- Dump completed on 2026-01-01  0:00:00\n"),
        )
        .unwrap();
        check_dump(&whole).unwrap();
        let mysql = dir.join("mysql.sql");
        std::fs::write(
            &mysql,
            "-- MySQL dump 10.13  Distrib 8.0.36\n\n-- Dump completed on x\n",
        )
        .unwrap();
        check_dump(&mysql).unwrap();

        let cut = dir.join("cut.sql");
        std::fs::write(&cut, format!("{HEAD}{body}")).unwrap();
        let e = check_dump(&cut).unwrap_err();
        assert!(e.message.contains("is incomplete"), "{e}");
        assert!(e.message.contains("cut.sql"), "{e}");

        let other = dir.join("other.sql");
        std::fs::write(&other, "DROP TABLE everything;\n-- Dump completed\n").unwrap();
        let e = check_dump(&other).unwrap_err();
        assert!(e.message.contains("is not a mysqldump file"), "{e}");

        let e = check_dump(&dir.join("absent.sql")).unwrap_err();
        assert!(e.message.contains("cannot be read"), "{e}");
        assert!(e.message.ends_with("nothing was changed"), "{e}");
    }
}
