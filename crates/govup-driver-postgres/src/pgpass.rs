//! Where libpq's users keep passwords: `PGPASSWORD`, then the password file (`PGPASSFILE`, else
//! `~/.pgpass`). The `postgres` client reads neither, so govup reads them itself, with libpq's
//! rules, and only when the binary asks (a URL with a user and no password, after govup's own
//! sources).
//!
//! The file: one `host:port:database:username:password` entry a line, `#` comments, `*`
//! matching anything in the first four fields, `\:` and `\\` escaping a colon and a backslash.
//! The first matching line wins. A file that group or others may read is ignored with a
//! warning, as libpq ignores it.

use std::path::{Path, PathBuf};

use govup_engine::{PasswordLookup, Secret};
use postgres::config::Host;

use crate::url::Target;

/// What libpq's conventions hold for `url`'s user on its first server and database.
pub fn conventional_password(url: &str) -> PasswordLookup {
    let Ok(target) = Target::parse(url) else {
        return PasswordLookup::default();
    };
    let config = &target.config;
    let Some(user) = config.get_user() else {
        return PasswordLookup::default();
    };
    if config.get_password().is_some() {
        return PasswordLookup::default();
    }
    if let Some(pw) = std::env::var_os("PGPASSWORD").filter(|p| !p.is_empty()) {
        return PasswordLookup {
            password: Some(Secret::new(pw.to_string_lossy())),
            source: Some("PGPASSWORD".into()),
            warnings: vec![],
        };
    }
    let Some(file) = password_file() else {
        return PasswordLookup::default();
    };
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        // libpq matches a socket directory, and no host at all, as `localhost`.
        Some(Host::Unix(_)) | None => match config.get_hostaddrs().first() {
            Some(addr) => addr.to_string(),
            None => "localhost".to_string(),
        },
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let database = target.database().unwrap_or(user).to_string();
    lookup_in(&file, &Entry::new(&host, &port, &database, user))
}

/// `PGPASSFILE`, else `~/.pgpass`.
fn password_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("PGPASSFILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| Path::new(&home).join(".pgpass"))
}

/// The four fields a line is matched against.
pub struct Entry<'a> {
    fields: [&'a str; 4],
}

impl<'a> Entry<'a> {
    pub fn new(host: &'a str, port: &'a str, database: &'a str, user: &'a str) -> Entry<'a> {
        Entry {
            fields: [host, port, database, user],
        }
    }
}

/// Reads the password file at `path` for `entry`: missing is nothing found, anything else that
/// keeps it from being used is a warning naming the file.
pub fn lookup_in(path: &Path, entry: &Entry<'_>) -> PasswordLookup {
    let ignored = |why: String| PasswordLookup {
        warnings: vec![format!("password file `{}` ignored: {why}", path.display())],
        ..PasswordLookup::default()
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return PasswordLookup::default(),
        Err(e) => return ignored(e.to_string()),
    };
    if !meta.is_file() {
        return ignored("it is not a regular file".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return ignored(format!(
                "group or others may read it (mode {mode:04o}); its permissions must be 0600 or less"
            ));
        }
    }
    // Checked again on the open file (the path may have changed), and never more than a
    // password file can sensibly hold.
    let text = match govup_planner::file::read_regular(path, 1 << 20) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => return ignored(e.to_string()),
    };
    PasswordLookup {
        password: find(&text, entry).map(Secret::new),
        source: Some(path.display().to_string()),
        warnings: vec![],
    }
}

/// The password of the first line of `text` that matches `entry`.
pub fn find(text: &str, entry: &Entry<'_>) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') || line.trim().is_empty() {
            return None;
        }
        let fields = split(line)?;
        let matches = fields[..4]
            .iter()
            .zip(entry.fields)
            .all(|(field, want)| field == "*" || field == want);
        matches.then(|| fields[4].clone())
    })
}

/// The five fields of a line, unescaped; None for a line with fewer. The password is the rest
/// of the line after the fourth unescaped colon.
fn split(line: &str) -> Option<[String; 5]> {
    let mut fields: Vec<String> = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut()?.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    fields.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
# comment: host:port:database:username:password
db.example:5432:govway:govway:first
*:5432:*:govway:any\\:db
other:*:*:*:p\\\\w:with:colons
short:5432:x
";

    fn pw(host: &str, port: &str, db: &str, user: &str) -> Option<String> {
        find(FILE, &Entry::new(host, port, db, user))
    }

    #[test]
    fn the_first_matching_line_wins() {
        assert_eq!(
            pw("db.example", "5432", "govway", "govway").as_deref(),
            Some("first")
        );
        assert_eq!(
            pw("db.example", "5432", "other", "govway").as_deref(),
            Some("any:db")
        );
        assert_eq!(
            pw("elsewhere", "5432", "x", "govway").as_deref(),
            Some("any:db")
        );
    }

    #[test]
    fn escapes_and_a_password_holding_colons() {
        assert_eq!(
            pw("other", "1", "d", "u").as_deref(),
            Some("p\\w:with:colons")
        );
    }

    #[test]
    fn no_match_and_short_lines() {
        assert_eq!(pw("db.example", "5433", "govway", "nobody"), None);
        assert_eq!(pw("short", "5432", "x", "u"), None);
        assert_eq!(
            find("a:b:c:d:e\r\n", &Entry::new("a", "b", "c", "d")).as_deref(),
            Some("e")
        );
        assert_eq!(find("#a:b:c:d:e\n", &Entry::new("#a", "b", "c", "d")), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_may_read_is_ignored_with_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("govup-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("pgpass");
        std::fs::write(&path, "*:*:*:u:secret\n").unwrap();
        let entry = Entry::new("h", "5432", "d", "u");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let open = lookup_in(&path, &entry);
        assert!(open.password.is_none());
        assert_eq!(open.warnings.len(), 1, "{:?}", open.warnings);
        assert!(
            open.warnings[0].contains("mode 0644"),
            "{:?}",
            open.warnings
        );
        assert!(!open.warnings[0].contains("secret"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let private = lookup_in(&path, &entry);
        assert_eq!(
            private.password.as_ref().map(Secret::expose),
            Some("secret")
        );
        assert!(private.warnings.is_empty());
        assert!(lookup_in(&dir, &entry).warnings[0].contains("not a regular file"));
        assert!(lookup_in(&dir.join("missing"), &entry).warnings.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
