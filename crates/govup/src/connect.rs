//! From a URL to a driver: the one place the binary knows every database crate.
//!
//! [`DRIVERS`] pairs each database type that govup can connect to with its driver. The URL
//! schemes and folder names live with [`DbType`] (`govup_planner::db`), so a URL's type, a
//! map's `db` and `--db` are all read from one registry and cannot disagree.

use govup_engine::{DbError, Driver};
use govup_planner::DbType;

type Connect = fn(&str) -> Result<Box<dyn Driver>, DbError>;

/// What the binary knows of one database type's driver.
pub struct DriverEntry {
    pub db: DbType,
    /// For an apply: creates what the URL names when the database type allows it (SQLite).
    pub connect: Connect,
    /// For a dry run: nothing is written, nothing created; a missing SQLite file reads as empty.
    pub read_only: Connect,
    /// For commands that read an existing database (`status`, `verify`, the original of
    /// `rehearse`): nothing created.
    pub existing: Connect,
    /// Parses the URL without connecting, so that a malformed URL is bad usage (exit 2).
    pub check: fn(&str) -> Result<(), DbError>,
}

pub const DRIVERS: [DriverEntry; 4] = [
    DriverEntry {
        db: DbType::Postgresql,
        connect: govup_driver_postgres::connect,
        read_only: govup_driver_postgres::connect,
        existing: govup_driver_postgres::connect,
        check: govup_driver_postgres::check_url,
    },
    DriverEntry {
        db: DbType::Mysql,
        connect: govup_driver_mysql::connect,
        read_only: govup_driver_mysql::connect,
        existing: govup_driver_mysql::connect,
        check: govup_driver_mysql::check_url,
    },
    DriverEntry {
        db: DbType::Oracle,
        connect: govup_driver_oracle::connect,
        read_only: govup_driver_oracle::connect,
        existing: govup_driver_oracle::connect,
        check: govup_driver_oracle::check_url,
    },
    DriverEntry {
        db: DbType::Sqlite,
        connect: govup_driver_sqlite::connect,
        read_only: govup_driver_sqlite::connect_read_only,
        existing: govup_driver_sqlite::connect_existing,
        check: govup_driver_sqlite::check_url,
    },
];

/// The driver of the database type `url`'s scheme names.
pub fn driver_for(url: &str) -> Result<&'static DriverEntry, DbError> {
    let db = DbType::of_url(url).ok_or_else(|| {
        let known: Vec<&str> = DRIVERS
            .iter()
            .flat_map(|d| d.db.schemes())
            .copied()
            .collect();
        DbError::new(format!(
            "unknown URL scheme; expected one of {}",
            known.join(", ")
        ))
    })?;
    DRIVERS
        .iter()
        .find(|d| d.db == db)
        .ok_or_else(|| DbError::new(format!("govup has no driver for {db} yet")))
}

/// For a dry run: SQLite opens read-only and does not create a missing file; the servers'
/// drivers write nothing on connecting anyway.
pub fn connect_read_only(url: &str) -> Result<Box<dyn Driver>, DbError> {
    (driver_for(url)?.read_only)(url)
}

/// For a command that only reads an existing database: nothing is ever created.
pub fn connect_existing(url: &str) -> Result<Box<dyn Driver>, DbError> {
    (driver_for(url)?.existing)(url)
}

pub fn connect(url: &str) -> Result<Box<dyn Driver>, DbError> {
    (driver_for(url)?.connect)(url)
}

/// Whether `url` is well formed for the driver its scheme names.
pub fn check(url: &str) -> Result<(), DbError> {
    (driver_for(url)?.check)(url)
}
