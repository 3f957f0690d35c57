//! The MySQL/MariaDB driver of govup: the [`MySql`] dialect (statement splitting, quoting, the
//! history table; it lives in `govup-sql`, text only, and is re-exported here) and [`MySqlConnection`], a live session that runs patches, queries and holds
//! the upgrade lock.
//!
//! Splitting follows the `mysql` command-line client, because that is how patch files for MySQL
//! are written and tested: `;` ends a statement outside `'...'` and `"..."` strings (backslash
//! escapes and doubled quotes), `` `...` `` identifiers, `#`, `-- ` and `/* */` comments.
//! `/*! ... */` and `/*M! ... */` comments are code the server runs, so they stay in the
//! statement text (a statement may be just one of them). A line `DELIMITER xx` outside a
//! statement switches the terminator to `xx` until the next `DELIMITER` line, as trigger and
//! procedure bodies need; the `DELIMITER` lines are not statements.
//!
//! URLs are `mysql://user:password@host:port/database` or `mariadb://...` (the same client
//! either way), port 3306 by default. Query parameters:
//! - `ssl-mode=DISABLED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY` (also spelled `ssl_mode` or
//!   `sslmode`): TLS only when asked for, through rustls. `REQUIRED` encrypts without checking
//!   the certificate, as the `mysql` client does; `PREFERRED` (TLS if the server offers it) is
//!   refused rather than silently falling back to plain text.
//! - `ssl-ca=PATH`: the CA certificate (PEM or DER) for the two `VERIFY_*` modes; without it the
//!   built-in web PKI roots are used.
//! - `connect-timeout=SECONDS` (default 30).
//!
//! The lock is `GET_LOCK('govup:<database>')`, a user-level lock that the server drops with the
//! session. A "schema" is a MySQL database: [`Driver::use_schema`] runs `USE`.
//!
//! The safety features: the catalog comes from `information_schema` ([`Maintenance::catalog`](govup_engine::Maintenance::catalog));
//! backups, restores and scratch copies run the `mysqldump` and `mysql` programs (or their
//! MariaDB names `mariadb-dump` and `mariadb`, Debian package `mariadb-client`), with the URL's
//! host, port, user and TLS mode on the command line and the password in `MYSQL_PWD`. A backup is
//! one `.sql` file per database without `CREATE DATABASE`/`USE`; a restore drops the database,
//! creates it again with its character set and collation and loads the file; scratch databases
//! are `<db>_govup_<copy|empty>_<pid>_<n>` beside the original, and only such names are dropped.
//! The `mysql` client loads dumps with `innodb_strict_mode=OFF` in its own session, because
//! GovWay's widest tables can only be created that way (this connection's settings are never
//! touched). The user needs the privileges `mysqldump` needs (routine bodies: their definer or
//! SELECT on `mysql.proc`; `--events`: EVENT), and CREATE and DROP on `<db>_govup_%` for
//! scratch databases.
//!
//! What this crate deliberately does not do: it does not wrap DDL in transactions (MySQL commits
//! every DDL statement implicitly, hence `transactional_ddl = false`), it does not use prepared
//! statements (the text protocol accepts every statement kind), it never reconnects (a new
//! session would silently lose the lock), it never changes `sql_mode` or other session settings
//! a patch may rely on on its own (the operator's session statements, given to [`connect_with`],
//! run on the connection and, after govup's own `innodb_strict_mode=OFF`, on every `mysql`
//! loading session), it reads no password from the environment except in
//! [`conventional_password`] (`MYSQL_PWD`, when the binary asks), and it does not honour
//! `NO_BACKSLASH_ESCAPES` when splitting or quoting.

mod backup;
mod catalog;
mod connect_url;
mod connection;
mod databases;
mod errors;
mod galera;
mod lock;
mod programs;
mod scratch;

use govup_engine::driver::{DbError, Driver};
use govup_engine::{ConnectOptions, PasswordLookup, Secret};

pub use connection::MySqlConnection;
pub use govup_sql::mysql::{MySql, DIALECT};

/// Opens a connection to the MySQL or MariaDB server `url` names.
pub fn connect(url: &str) -> Result<Box<dyn Driver>, DbError> {
    connect_with(url, &ConnectOptions::default())
}

/// [`connect`] with a password given beside the URL (used only when the URL names a user and
/// no password) and session statements run on every session, `mysql`'s loading ones included.
pub fn connect_with(url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, DbError> {
    Ok(Box::new(MySqlConnection::open_with(url, options)?))
}

/// `MYSQL_PWD`, where the `mysql` client looks when nothing else gives a password; only for a
/// URL that names a user and no password.
pub fn conventional_password(url: &str) -> PasswordLookup {
    let Ok(parsed) = connect_url::ConnectUrl::parse(url) else {
        return PasswordLookup::default();
    };
    if parsed.user.is_none() || parsed.password.is_some() {
        return PasswordLookup::default();
    }
    match std::env::var_os("MYSQL_PWD").filter(|p| !p.is_empty()) {
        Some(pw) => PasswordLookup {
            password: Some(Secret::new(pw.to_string_lossy())),
            source: Some("MYSQL_PWD".into()),
            warnings: vec![],
        },
        None => PasswordLookup::default(),
    }
}

/// Whether `url` is a MySQL URL this driver reads, without connecting: a malformed URL is bad
/// usage, told apart from a server that cannot be reached.
pub fn check_url(url: &str) -> Result<(), DbError> {
    connect_url::ConnectUrl::parse(url).map(drop)
}
