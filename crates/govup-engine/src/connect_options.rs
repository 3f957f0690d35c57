//! What a connection needs beyond its URL: a password found elsewhere than in the URL, and the
//! statements every session runs before govup's own.
//!
//! The password travels as a [`Secret`] into each driver's client configuration, never into a
//! URL: a URL may be printed (masked by `url::redact`), a `Secret` cannot be, since it has no
//! `Display` and its `Debug` shows `***`.

use crate::driver::{DbError, Driver};

/// A password. It is only ever handed to a client library or a client program's environment.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(password: impl Into<String>) -> Secret {
        Secret(password.into())
    }

    /// The password itself, for the client configuration and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to open a connection, besides its URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Used only when the URL names a user and no password: a password in the URL wins.
    pub password: Option<Secret>,
    /// Run in order on every session, right after it opens (`SET SESSION innodb_strict_mode=OFF`).
    pub session_sql: Vec<String>,
}

impl ConnectOptions {
    /// Runs the session statements on a freshly opened connection; the error names the
    /// statement, so that an operator can tell their own setting from govup's work.
    pub fn prepare(&self, driver: &mut dyn Driver) -> Result<(), DbError> {
        for sql in &self.session_sql {
            driver
                .execute(sql)
                .map_err(|e| session_error(sql, &e.message))?;
        }
        Ok(())
    }
}

/// What a driver found where its database's own tools look for a password (`PGPASSWORD` and
/// `~/.pgpass`, `MYSQL_PWD`), with what the operator should hear about it (a password file
/// ignored for its permissions, say). Nothing is found for a URL that holds a password or
/// names no user.
#[derive(Debug, Default)]
pub struct PasswordLookup {
    pub password: Option<Secret>,
    /// Where it came from, for `--verbose`-style notes: `PGPASSWORD`, the file's path.
    pub source: Option<String>,
    pub warnings: Vec<String>,
}

/// The error of a session statement that failed, naming it.
pub fn session_error(sql: &str, why: &str) -> DbError {
    DbError::new(format!("session statement `{sql}` failed: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints() {
        let opts = ConnectOptions {
            password: Some(Secret::new("hunter2")),
            session_sql: vec!["SET x = 1".into()],
        };
        let shown = format!("{opts:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Secret(***)"), "{shown}");
    }
}
