//! Backups of one schema with `pg_dump`, in its custom format (`-Fc`), which `restore` reads.
//!
//! pg_dump runs in its own session and reads one snapshot, so the file is consistent while
//! other sessions write; govup's advisory lock does not stand in its way. The archive keeps
//! owners and privileges: in the custom format they are a choice made when restoring, and a
//! restore that put the tables back without the grants the application needs would not be a
//! restore. Extensions installed in the schema are part of the backup, since dropping the schema
//! to restore it drops them too.

use std::path::{Path, PathBuf};

use govup_engine::{DbError, Dialect, Driver};

use crate::cells::text;
use crate::connection::PgConnection;
use crate::namespace;
use crate::programs::{self, conninfo_dbname, LOCK_WAIT_TIMEOUT};
use crate::DIALECT;

/// The file name's extension: it says which program reads it.
pub const EXTENSION: &str = "pgdump";

pub fn backup(
    conn: &mut PgConnection,
    schema: Option<&str>,
    dir: &Path,
    stem: &str,
) -> Result<PathBuf, DbError> {
    let namespace = namespace::existing(conn, schema)?;
    let pg_dump = programs::find("pg_dump", "backups of postgresql schemas")?;
    let database = namespace::current_database(conn)?;
    let extensions = extensions_in(conn, namespace.oid)?;

    std::fs::create_dir_all(dir).map_err(|e| {
        DbError::new(format!(
            "cannot create backup directory {}: {e}",
            dir.display()
        ))
    })?;
    let file = dir.join(format!("{stem}.{EXTENSION}"));
    if file.exists() {
        // A backup is never overwritten: it may be the only copy of the data.
        return Err(DbError::new(format!(
            "backup file {} already exists",
            file.display()
        )));
    }
    // Written under another name and renamed when complete, so that a file with the final name
    // is always a whole backup, even after a crash or a full disk.
    let partial = dir.join(format!("{stem}.{EXTENSION}.partial"));
    // pg_dump would create the file with the umask's mode (0644 as a rule); created here first,
    // owner-only, it keeps that mode when pg_dump truncates and fills it: a backup holds the
    // schema's data.
    create_private(&partial)?;

    let doing = format!(
        "backing up schema \"{}\" of {}",
        namespace.name,
        conn.target().described
    );
    let mut cmd = programs::command(&pg_dump, conn.target());
    cmd.args(dump_args(&namespace.name, &extensions, &database))
        .arg("-f")
        .arg(&partial);
    let dumped = programs::run(&mut cmd, conn.target(), &doing);
    if let Err(e) = dumped {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, &file).map_err(|e| {
        DbError::new(format!(
            "cannot rename {} to {}: {e}",
            partial.display(),
            file.display()
        ))
    })?;
    Ok(file)
}

fn create_private(path: &Path) -> Result<(), DbError> {
    let _ = std::fs::remove_file(path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .map(drop)
        .map_err(|e| DbError::new(format!("cannot create backup file {}: {e}", path.display())))
}

/// Extensions whose objects live in the schema.
fn extensions_in(db: &mut dyn Driver, oid: u32) -> Result<Vec<String>, DbError> {
    let sql = format!(
        "SELECT extname FROM pg_catalog.pg_extension WHERE extnamespace = {oid} ORDER BY extname"
    );
    db.query(&sql)?
        .iter()
        .map(|row| text(row, 0, "an extension name"))
        .collect()
}

/// pg_dump's arguments, but the output file. `-n` and `-e` take patterns, in which a quoted
/// name matches only itself (`*`, `?`, `.` and regular expression characters included);
/// `--strict-names` makes a name that matches nothing an error instead of an empty backup.
fn dump_args(schema: &str, extensions: &[String], database: &str) -> Vec<String> {
    let mut args = vec![
        "--format=custom".to_string(),
        "--strict-names".into(),
        LOCK_WAIT_TIMEOUT.into(),
        "-n".into(),
        DIALECT.quote_ident(schema),
    ];
    for extension in extensions {
        args.push("-e".into());
        args.push(DIALECT.quote_ident(extension));
    }
    args.push("-d".into());
    args.push(conninfo_dbname(database));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_patterns_that_match_only_themselves() {
        assert_eq!(
            dump_args("My.Schema*", &["citext".into()], "govway"),
            [
                "--format=custom",
                "--strict-names",
                "--lock-wait-timeout=120s",
                "-n",
                "\"My.Schema*\"",
                "-e",
                "\"citext\"",
                "-d",
                "dbname='govway'",
            ]
        );
        assert_eq!(dump_args("a\"b", &[], "d")[4], "\"a\"\"b\"");
    }
}
