//! Scratch databases: throwaway files beside the database, for `govup rehearse` (a copy) and
//! `govup verify --against-sql` (an empty database).
//!
//! A scratch file is named `<database file>.govup-<kind>-<pid>-<n>.sqlite` (`kind` is `copy` or
//! `empty`). The name is what lets [`drop_scratch`](govup_engine::Maintenance::drop_scratch) delete
//! only files govup created: it refuses any other path, and any file whose first bytes are not an
//! SQLite header.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use govup_engine::{DbError, MaxLen, ScratchForm, ScratchKind};

use crate::backup::{create_file_like, open_writer, remove_journals, remove_with_journals};
use crate::connection::{reason, SqliteConnection};

/// The first 16 bytes of every SQLite database file.
const HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How many names are tried before giving up (each one exists already, so something is wrong).
const ATTEMPTS: u32 = 1000;

/// `<database file>.govup-<kind>-<pid>-<n>.sqlite`, beside the database file.
const FORM: ScratchForm = ScratchForm {
    lead: ".govup",
    sep: '-',
    ext: ".sqlite",
    max: MaxLen::None,
    fold: |c| c,
};

/// `path`, absolute, so that a scratch URL names the same file whatever the current directory.
fn absolute(path: &Path) -> Result<PathBuf, DbError> {
    std::path::absolute(path).map_err(|e| {
        DbError::new(format!(
            "cannot resolve the path of sqlite database {}: {e}",
            path.display()
        ))
    })
}

impl SqliteConnection {
    /// [`Maintenance::create_scratch`](govup_engine::Maintenance::create_scratch).
    pub(crate) fn create_scratch_file(&self, copy: bool) -> Result<String, DbError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let database = absolute(&self.path)?;
        let (Some(dir), Some(base)) = (
            database.parent(),
            database.file_name().and_then(|n| n.to_str()),
        ) else {
            return Err(DbError::new(format!(
                "cannot create a scratch database beside {}: it is not a utf-8 file path",
                self.path.display()
            )));
        };
        let kind = ScratchKind::of(copy);
        let fail = |path: &Path, why: &dyn std::fmt::Display| {
            DbError::new(format!(
                "cannot create scratch database {}: {why}",
                path.display()
            ))
        };
        let mut attempts = 0;
        let path = loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(FORM.build(base, kind, std::process::id(), n));
            // create_new claims the name atomically: two govups never share a scratch file.
            match create_file_like(&path, &database) {
                Ok(_) => break path,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < ATTEMPTS => {
                    attempts += 1;
                }
                Err(e) => return Err(fail(&path, &e)),
            }
        };
        let Some(text) = path.to_str() else {
            let _ = std::fs::remove_file(&path);
            return Err(fail(&path, &"the path is not valid utf-8"));
        };
        let url = format!("sqlite:{text}");
        // Journals left by a crashed process under this name belong to no database any more,
        // and SQLite would replay a hot journal into the new file.
        let made = remove_journals(&path)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                if copy {
                    let mut to = open_writer(&path).map_err(|e| reason(&e, &path))?;
                    self.copy_committed(&mut to)
                        .map_err(|e| reason(&e, &self.path))?;
                }
                // Otherwise the zero-byte file is already a valid, empty SQLite database.
                Ok(())
            });
        if let Err(why) = made {
            let _ = remove_with_journals(&path);
            return Err(fail(&path, &why));
        }
        Ok(url)
    }

    /// [`Maintenance::drop_scratch`](govup_engine::Maintenance::drop_scratch): deletes the file and its
    /// journals, only when `url` names a scratch file of this database.
    pub(crate) fn drop_scratch_file(&self, url: &str) -> Result<(), DbError> {
        let Some(path) = crate::path_of(url) else {
            return Err(DbError::new(format!(
                "invalid sqlite url {url:?}: expected sqlite:PATH or sqlite://PATH"
            )));
        };
        let refuse =
            |why: &str| DbError::new(format!("refusing to delete {}: {why}", path.display()));
        let database = absolute(&self.path)?;
        let target = absolute(&path)?;
        let ours = match (
            target.file_name().and_then(|n| n.to_str()),
            database.file_name(),
        ) {
            (Some(name), Some(base)) => {
                base.to_str()
                    .is_some_and(|base| FORM.parse_of(base, name).is_some())
                    && target.parent() == database.parent()
            }
            _ => false,
        };
        if !ours {
            return Err(refuse(&format!(
                "it is not a scratch database of {} (those are named {})",
                self.path.display(),
                FORM.pattern(
                    &database
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )
            )));
        }
        let meta = match target.symlink_metadata() {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(DbError::new(format!(
                    "cannot drop scratch database {}: the file does not exist",
                    path.display()
                )))
            }
            Err(e) => return Err(refuse(&e.to_string())),
        };
        if !meta.is_file() {
            return Err(refuse("it is not a regular file"));
        }
        // A zero-byte file is what create_scratch(false) leaves until something is written.
        let mut head = Vec::with_capacity(HEADER.len());
        std::fs::File::open(&target)
            .and_then(|f| f.take(HEADER.len() as u64).read_to_end(&mut head))
            .map_err(|e| refuse(&e.to_string()))?;
        if !head.is_empty() && head != HEADER {
            return Err(refuse("it is not an sqlite database"));
        }
        remove_with_journals(&target).map_err(|e| {
            DbError::new(format!(
                "cannot drop scratch database {}: {e}",
                path.display()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_names() {
        let parts = |name| FORM.parse(name).map(|p| (p.base, p.kind.word()));
        assert_eq!(
            parts("orders.db.govup-copy-123-0.sqlite"),
            Some(("orders.db", "copy"))
        );
        assert_eq!(
            parts("a.govup-b.govup-empty-1-22.sqlite"),
            Some(("a.govup-b", "empty"))
        );
        for name in [
            "orders.db",
            "orders.db.sqlite",
            ".govup-copy-1-2.sqlite",
            "orders.db.govup-copy-1-2.sqlite-wal",
            "orders.db.govup-copy-1-2.db",
            "orders.db.govup-other-1-2.sqlite",
            "orders.db.govup-copy-x-2.sqlite",
            "orders.db.govup-copy-1-.sqlite",
            "orders.db.govup-copy-1-2-3.sqlite",
            "orders.db.govup-copy-1.sqlite",
        ] {
            assert_eq!(parts(name), None, "{name}");
        }
    }
}
