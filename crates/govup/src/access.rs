//! What a connection needs besides its URL: the password, from wherever the operator keeps it,
//! and the session statements of `--session-sql` and the map's `[session]`.
//!
//! A URL that names a user and no password gets one from, in order: `GOVUP_PASSWORD`,
//! `--password-file`, the map's `password_file` for that URL, the database's own convention
//! (`PGPASSWORD` and the password file for PostgreSQL, `MYSQL_PWD` for MySQL), and, when
//! standard input is a terminal, a prompt that does not echo. The password goes into the
//! driver's client configuration as a [`Secret`], never into a URL.

use crate::connect::{self, Kind};
use crate::failure::Failure;
use clap::Args;
use govup_engine::url::{redact, userinfo};
use govup_engine::{ConnectOptions, DbError, Driver, Secret};
use govup_planner::DbType;
use govup_schema_map::SchemaMap;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

/// The flags every command that connects takes.
#[derive(Args, Debug, Clone, Default)]
pub struct AccessArgs {
    /// Read the password of a URL that names a user and no password from the first line of
    /// FILE (after GOVUP_PASSWORD; before the map's password_file, PGPASSWORD, ~/.pgpass and
    /// MYSQL_PWD)
    #[arg(long, value_name = "FILE", env = "GOVUP_PASSWORD_FILE")]
    pub password_file: Option<PathBuf>,
    /// A statement run on every connection govup opens, before anything else, such as
    /// "SET SESSION innodb_strict_mode=OFF" (repeatable; after the map's [session] sql)
    #[arg(long, value_name = "STMT")]
    pub session_sql: Vec<String>,
}

/// The passwords and session statements of one run.
pub struct Access {
    session_sql: Vec<String>,
    /// `GOVUP_PASSWORD`, else the content of `--password-file`: for every URL.
    given: Option<Secret>,
    /// The map's `password_file` per URL, read.
    from_map: Vec<(String, Secret)>,
    /// Per server and user, the password found (or that none was): a scratch copy on the same
    /// server reuses it, and a terminal asks once.
    found: RefCell<HashMap<String, Option<Secret>>>,
}

impl Access {
    /// Reads the password files named before anything connects: one that cannot be read is bad
    /// input (exit 2), whichever connection would have needed it.
    pub fn new(args: &AccessArgs, map: Option<&SchemaMap>) -> Result<Access, Failure> {
        let unreadable = |e: DbError| Failure::usage(e.message);
        let mut session_sql = Vec::new();
        let mut from_map = Vec::new();
        let env = std::env::var_os("GOVUP_PASSWORD").filter(|p| !p.is_empty());
        let given = match (env, &args.password_file) {
            (Some(pw), _) => Some(Secret::new(pw.to_string_lossy())),
            (None, Some(file)) => Some(read_password_file(file).map_err(unreadable)?),
            (None, None) => None,
        };
        if let Some(map) = map {
            session_sql.extend(map.session_sql.iter().cloned());
            if given.is_none() {
                for url in map.url.iter().chain(map.urls.values()) {
                    if let Some(file) = map.password_file_for(url) {
                        let secret = read_password_file(file).map_err(unreadable)?;
                        from_map.push((url.clone(), secret));
                    }
                }
            }
        }
        session_sql.extend(args.session_sql.iter().cloned());
        Ok(Access {
            session_sql,
            given,
            from_map,
            found: RefCell::new(HashMap::new()),
        })
    }

    /// The options for connecting to `url`.
    pub fn options_for(&self, url: &str) -> Result<ConnectOptions, DbError> {
        Ok(ConnectOptions {
            password: self.password_for(url)?,
            session_sql: self.session_sql.clone(),
        })
    }

    /// Opens `url` as `kind` says, with its password and the session statements.
    pub fn open(&self, kind: Kind, url: &str) -> Result<Box<dyn Driver>, DbError> {
        let options = self.options_for(url)?;
        connect::open(kind, url, &options)
    }

    /// A connector for the engine.
    pub fn connector(
        &self,
        kind: Kind,
    ) -> impl FnMut(&str) -> Result<Box<dyn Driver>, DbError> + '_ {
        move |url| self.open(kind, url)
    }

    fn password_for(&self, url: &str) -> Result<Option<Secret>, DbError> {
        let Some(key) = needs_password(url) else {
            return Ok(None);
        };
        if let Some(known) = self.found.borrow().get(&key) {
            return Ok(known.clone());
        }
        let found = self.find(url)?;
        self.found.borrow_mut().insert(key, found.clone());
        Ok(found)
    }

    fn find(&self, url: &str) -> Result<Option<Secret>, DbError> {
        if let Some(given) = &self.given {
            return Ok(Some(given.clone()));
        }
        if let Some((_, secret)) = self.from_map.iter().find(|(u, _)| u == url) {
            return Ok(Some(secret.clone()));
        }
        let lookup = connect::conventional_password(url);
        for warning in &lookup.warnings {
            errln!("warning: {}", redact(warning));
        }
        if lookup.password.is_some() {
            return Ok(lookup.password);
        }
        // Only a person at a terminal can answer; a script or a test gets the server's refusal.
        if std::io::stdin().is_terminal() {
            let prompt = format!("password for {}: ", redact(url));
            return rpassword::prompt_password(prompt)
                .map(|pw| Some(Secret::new(pw)))
                .map_err(|e| {
                    DbError::new(format!("cannot read the password of {}: {e}", redact(url)))
                });
        }
        Ok(None)
    }
}

/// For a URL that names a user and holds no password: the server and user it reaches, the key
/// under which one password serves every URL of that server and user (scratch copies included).
fn needs_password(url: &str) -> Option<String> {
    let db = DbType::of_url(url)?;
    let (user, password) = userinfo(url)?;
    // A password anywhere in the URL (`password=` too) is what `redact` masks.
    if user.is_empty() || password.is_some() || redact(url) != url {
        return None;
    }
    let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let after_user = &rest[rest.rfind('@').map_or(0, |at| at + 1)..];
    let server = after_user.split('/').next().unwrap_or(after_user);
    Some(format!("{db}:{user}@{server}"))
}

/// The password in `path`: its first line, without the line ending. Only a regular file is
/// read; a file others may read is used, with a warning (secrets mounted into containers are
/// often 0644, and refusing them would push the password back onto the command line).
pub fn read_password_file(path: &Path) -> Result<Secret, DbError> {
    let named = |why: &str| DbError::new(format!("password file `{}`: {why}", path.display()));
    let (mut file, meta) =
        govup_planner::file::open_regular(path).map_err(|e| named(&e.to_string()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            errln!(
                "warning: password file `{}` may be read by group or others (mode {mode:04o}); `chmod 600` it",
                path.display()
            );
        }
    }
    let mut bytes = Vec::new();
    // A password is short; a huge file is a mistake, not a password.
    file.by_ref()
        .take(64 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| named(&e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|_| named("not UTF-8 text"))?;
    let line = text.split('\n').next().unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        return Err(named("its first line is empty"));
    }
    Ok(Secret::new(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_urls_need_a_password_and_their_server_key() {
        assert_eq!(
            needs_password("postgres://govway@db:5433/govway").as_deref(),
            Some("postgresql:govway@db:5433")
        );
        // A scratch copy beside it shares the key, so it gets the same password.
        assert_eq!(
            needs_password("postgres://govway@db:5433/govway_govup_copy_1_0"),
            needs_password("postgres://govway@db:5433/govway")
        );
        assert_eq!(
            needs_password("mariadb://root@127.0.0.1/test?ssl-mode=REQUIRED").as_deref(),
            Some("mysql:root@127.0.0.1")
        );
        assert_eq!(needs_password("postgres://u:pw@h/db"), None);
        assert_eq!(needs_password("postgres://u@h/db?password=x"), None);
        assert_eq!(needs_password("postgres://h/db"), None);
        assert_eq!(needs_password("sqlite:x.db"), None);
        assert_eq!(
            needs_password("oracle://scott@h:1521/svc").as_deref(),
            Some("oracle:scott@h:1521")
        );
    }

    #[test]
    fn a_password_file_gives_its_first_line() {
        let dir = govup_testkit_free_dir("pwfile");
        let file = dir.join("pw");
        std::fs::write(&file, "s3cret\r\nsecond line\n").unwrap();
        assert_eq!(read_password_file(&file).unwrap().expose(), "s3cret");
        std::fs::write(&file, "\nx").unwrap();
        let err = read_password_file(&file).unwrap_err().message;
        assert!(err.contains("first line is empty"), "{err}");
        let err = read_password_file(&dir).unwrap_err().message;
        assert!(err.contains("not a regular file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn govup_testkit_free_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("govup-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
