//! The SQLite driver of govup: SQLite's [`Dialect`](govup_engine::Dialect) (statement
//! splitting, the history table, capabilities; from `govup-sql`, re-exported) and a [`Driver`] over one database file.
//!
//! SQLite is govup's embedded default: the engine is compiled in (rusqlite's `bundled`), so it
//! works on a machine with no server and no system library. A database is a file named by a
//! `sqlite:PATH` or `sqlite://PATH` URL ([`path_of`]); connecting creates an empty file when
//! there is none, because an upgrade from an empty version starts from nothing.
//!
//! The upgrade lock is SQLite's write lock, which only a transaction holds: while locked the
//! connection always sits inside a `BEGIN IMMEDIATE` transaction, and the engine's
//! begin/commit/rollback are mapped onto it (see the `lock` module for the exact rules). A second
//! process asking for the lock waits two seconds and then gets a clear "busy" error.
//!
//! The safety features (`govup apply --backup`, `govup restore`, `rehearse`, `verify`) need no
//! external program: a backup is a file written by SQLite's online backup API and a restore
//! copies it back the same way (`backup` module), a scratch database is a file beside the
//! database (`scratch` module), and the catalog comes from the pragmas (`catalog` module, which
//! lists what it leaves out: CHECK constraints, views, triggers).
//!
//! What this crate deliberately does not do:
//! - schemas: SQLite has none, so `use_schema(Some(_))` is an error and a schema map must not
//!   route SQLite patches to schemas;
//! - URL options other than `?mode=ro|rw|rwc` (`file:` URIs, percent-decoding): the path is
//!   taken literally up to its `?`, and any other parameter is refused;
//! - connection tuning: it leaves the journal mode and `PRAGMA foreign_keys` as the file and
//!   SQLite's defaults have them, since a patch tree is written against those defaults;
//! - statements SQLite refuses inside a transaction (`VACUUM`, changing `journal_mode`) cannot
//!   run while the lock is held.

mod backup;
mod catalog;
mod connection;
mod copy;
mod error;
mod lock;
mod scratch;
mod url;

use govup_engine::{DbError, Driver};

pub use connection::SqliteConnection;
pub use govup_sql::sqlite::{Sqlite, DIALECT};
pub use url::path_of;

/// Connects to the database file `url` names (`sqlite:PATH` or `sqlite://PATH`).
pub fn connect(url: &str) -> Result<Box<dyn Driver>, DbError> {
    Ok(Box::new(SqliteConnection::connect(url)?))
}

/// For a run that only reads: nothing can be written, and a missing file is not created.
pub fn connect_read_only(url: &str) -> Result<Box<dyn Driver>, DbError> {
    Ok(Box::new(SqliteConnection::connect_read_only(url)?))
}

/// For a command that reads an existing database: a missing file is an error naming it.
pub fn connect_existing(url: &str) -> Result<Box<dyn Driver>, DbError> {
    Ok(Box::new(SqliteConnection::connect_existing(url)?))
}

/// Whether `url` is a SQLite URL this driver can open, without touching the file.
pub fn check_url(url: &str) -> Result<(), DbError> {
    url::parse(url).map(drop).map_err(DbError::new)
}
