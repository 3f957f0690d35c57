//! Backups of every schema an upgrade writes to, taken before the first write (and, on request,
//! before every step), and restoring them.
//!
//! A backup is a folder per version (`DIR/3.3.17/`) holding one file per schema, in the format
//! the driver writes (`pg_dump -Fc`, `mysqldump`, an SQLite copy), and a manifest that says what
//! each file is. The manifest never holds a URL with its password: connections are named by
//! their position in the installation (0 is the main connection), as the same `--url` or
//! schema map gives them at restore time.

use crate::connections::Connections;
use crate::error::ApplyError;
use crate::history;
use crate::maintenance::{require, require_all};
use crate::url::redact;
use govup_schema_map::Target;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "govup-backup.txt";
const FORMAT: &str = "govup-backup/1";

/// One schema's backup file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Index into `Connections::list`.
    pub connection: usize,
    pub schema: Option<String>,
    pub file: PathBuf,
}

/// A backup folder: what version it holds and its files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupSet {
    pub dir: PathBuf,
    pub db: String,
    pub version: String,
    pub entries: Vec<Entry>,
}

/// Backs up every target into `root/<version>/` and writes the manifest there.
pub fn take(
    conns: &mut Connections,
    targets: &[Target],
    root: &Path,
    version: &str,
    db: &str,
) -> Result<BackupSet, ApplyError> {
    require_all(conns, "back up")?;
    // A backup is never overwritten: a second backup of the same version (a re-run after a
    // failure) goes into `<version>.2`, `<version>.3`…
    let dir = (1..)
        .map(|n| {
            if n == 1 {
                root.join(version)
            } else {
                root.join(format!("{version}.{n}"))
            }
        })
        .find(|d| !d.exists())
        .unwrap_or_else(|| root.join(version));
    std::fs::create_dir_all(&dir).map_err(|e| ApplyError::Backup {
        target: dir.display().to_string(),
        error: format!("cannot create the folder: {e}"),
    })?;
    let mut entries = Vec::new();
    for target in targets {
        let connection = conns
            .list
            .iter()
            .position(|c| c.key == target.url)
            .unwrap_or(0);
        let stem = format!(
            "c{connection}-{}",
            target
                .schema
                .as_deref()
                .unwrap_or("default")
                .replace(['/', '\\', '.'], "_")
        );
        let conn = &mut conns.list[connection];
        let describe = conn.driver.describe();
        let file = require(conn.driver.as_mut(), "back up")?
            .backup(target.schema.as_deref(), &dir, &stem)
            .map_err(|e| ApplyError::Backup {
                target: label(describe, target),
                error: e.message,
            })?;
        entries.push(Entry {
            connection,
            schema: target.schema.clone(),
            file,
        });
    }
    let set = BackupSet {
        dir,
        db: db.to_string(),
        version: version.to_string(),
        entries,
    };
    write_manifest(&set, conns)?;
    Ok(set)
}

/// Restores every file of `set` into its schema.
pub fn restore(conns: &mut Connections, set: &BackupSet) -> Result<(), ApplyError> {
    for entry in &set.entries {
        let Some(conn) = conns.list.get_mut(entry.connection) else {
            return Err(ApplyError::Restore {
                target: set.dir.display().to_string(),
                error: format!(
                    "the backup names connection {} that this installation does not have",
                    entry.connection
                ),
            });
        };
        require(conn.driver.as_mut(), "restore a backup")?
            .restore(entry.schema.as_deref(), &entry.file)
            .map_err(|e| ApplyError::Restore {
                target: format!(
                    "{} from {}",
                    schema_label(&entry.schema),
                    entry.file.display()
                ),
                error: e.message,
            })?;
        conn.forget_schema();
    }
    Ok(())
}

fn label(conn: String, target: &Target) -> String {
    format!("{} on {conn}", schema_label(&target.schema))
}

fn schema_label(schema: &Option<String>) -> String {
    match schema {
        Some(s) => format!("schema {s}"),
        None => "the default schema".into(),
    }
}

fn write_manifest(set: &BackupSet, conns: &Connections) -> Result<(), ApplyError> {
    let mut text = format!(
        "{FORMAT}\ndb {}\nversion {}\ntaken {}\n",
        set.db,
        set.version,
        history::now()
    );
    for (i, c) in conns.list.iter().enumerate() {
        let _ = writeln!(text, "# connection {i}: {}", redact(&c.driver.describe()));
    }
    for e in &set.entries {
        let name = e
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "file {} {} {name}",
            e.connection,
            e.schema.as_deref().unwrap_or("-")
        );
    }
    let path = set.dir.join(MANIFEST);
    std::fs::write(&path, text).map_err(|e| ApplyError::Backup {
        target: path.display().to_string(),
        error: e.to_string(),
    })
}

/// Reads a backup folder: `dir` itself, or the only version folder inside it.
pub fn read(dir: &Path) -> Result<BackupSet, ApplyError> {
    let bad = |error: String| ApplyError::Restore {
        target: dir.display().to_string(),
        error,
    };
    let manifest = dir.join(MANIFEST);
    if !manifest.is_file() {
        let versions: Vec<String> = std::fs::read_dir(dir)
            .map_err(|e| bad(format!("cannot read the folder: {e}")))?
            .flatten()
            .filter(|e| e.path().join(MANIFEST).is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        return match versions.as_slice() {
            [one] => read(&dir.join(one)),
            [] => Err(bad(format!("no {MANIFEST} here: not a govup backup"))),
            many => {
                let mut many = many.to_vec();
                many.sort();
                Err(bad(format!(
                    "it holds backups of several versions ({}): name one of their folders",
                    many.join(", ")
                )))
            }
        };
    }
    let text = govup_planner::file::read_regular_text(&manifest, 16 << 20)
        .map_err(|e| bad(format!("cannot read {MANIFEST}: {e}")))?;
    let mut lines = text.lines();
    if lines.next() != Some(FORMAT) {
        return Err(bad(format!("{MANIFEST} is not a {FORMAT} manifest")));
    }
    let mut set = BackupSet {
        dir: dir.to_path_buf(),
        db: String::new(),
        version: String::new(),
        entries: vec![],
    };
    for (n, line) in lines.enumerate() {
        let mut words = line.split(' ');
        match words.next() {
            Some("db") => set.db = words.collect::<Vec<_>>().join(" "),
            Some("version") => set.version = words.collect::<Vec<_>>().join(" "),
            Some("file") => {
                let (Some(c), Some(schema), Some(name)) =
                    (words.next(), words.next(), words.next())
                else {
                    return Err(bad(format!("{MANIFEST} line {} is malformed", n + 2)));
                };
                let connection = c
                    .parse()
                    .map_err(|_| bad(format!("{MANIFEST} line {} is malformed", n + 2)))?;
                let schema = (schema != "-").then(|| schema.to_string());
                set.entries.push(Entry {
                    connection,
                    schema,
                    file: dir.join(name),
                });
            }
            _ => {}
        }
    }
    Ok(set)
}

/// `govup restore DIR`: takes the lock, restores every schema of the backup, releases the lock.
pub fn restore_by_hand(conns: &mut Connections, dir: &Path) -> Result<BackupSet, ApplyError> {
    let set = read(dir)?;
    require_all(conns, "restore a backup")?;
    let locked = crate::connections::Locked::acquire(conns, &mut crate::events::Silent)?;
    for conn in locked.conns.list.iter_mut() {
        // Nothing of ours is open; end the implicit transaction some drivers keep under the lock.
        let _ = conn.driver.transaction(crate::driver::Tx::Rollback);
    }
    restore(locked.conns, &set)?;
    Ok(set)
}
