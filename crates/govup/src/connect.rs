//! From a URL to a driver: the one place the binary knows every database crate.
//!
//! [`DRIVERS`] pairs each database type that govup can connect to with its driver. The URL
//! schemes and folder names live with [`DbType`] (`govup_planner::db`), so a URL's type, a
//! map's `db` and `--db` are all read from one registry and cannot disagree.

use govup_engine::{ConnectOptions, DbError, Driver, PasswordLookup};
use govup_planner::DbType;

type Connect = fn(&str, &ConnectOptions) -> Result<Box<dyn Driver>, DbError>;

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
    /// Where the database's own tools find a password (`PGPASSWORD`, `~/.pgpass`, `MYSQL_PWD`).
    pub conventional: fn(&str) -> PasswordLookup,
}

/// How a command opens a database: see the fields of [`DriverEntry`].
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    Create,
    ReadOnly,
    Existing,
}

fn no_convention(_: &str) -> PasswordLookup {
    PasswordLookup::default()
}

/// Drivers without session handling of their own: the statements run once, after opening.
macro_rules! with_session {
    ($open:path) => {{
        fn open(url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, DbError> {
            let mut driver = $open(url)?;
            options.prepare(driver.as_mut())?;
            Ok(driver)
        }
        open
    }};
}

pub const DRIVERS: [DriverEntry; 4] = [
    DriverEntry {
        db: DbType::Postgresql,
        connect: govup_driver_postgres::connect_with,
        read_only: govup_driver_postgres::connect_with,
        existing: govup_driver_postgres::connect_with,
        check: govup_driver_postgres::check_url,
        conventional: govup_driver_postgres::conventional_password,
    },
    DriverEntry {
        db: DbType::Mysql,
        connect: govup_driver_mysql::connect_with,
        read_only: govup_driver_mysql::connect_with,
        existing: govup_driver_mysql::connect_with,
        check: govup_driver_mysql::check_url,
        conventional: govup_driver_mysql::conventional_password,
    },
    DriverEntry {
        db: DbType::Oracle,
        connect: govup_driver_oracle::connect_with,
        read_only: govup_driver_oracle::connect_with,
        existing: govup_driver_oracle::connect_with,
        check: govup_driver_oracle::check_url,
        conventional: no_convention,
    },
    DriverEntry {
        db: DbType::Sqlite,
        connect: with_session!(govup_driver_sqlite::connect),
        read_only: with_session!(govup_driver_sqlite::connect_read_only),
        existing: with_session!(govup_driver_sqlite::connect_existing),
        check: govup_driver_sqlite::check_url,
        conventional: no_convention,
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

/// Opens `url` with `options`. `ReadOnly` is for a dry run: SQLite opens read-only and does not
/// create a missing file; the servers' drivers write nothing on connecting anyway. `Existing` is
/// for a command that only reads an existing database: nothing is ever created.
pub fn open(kind: Kind, url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, DbError> {
    let entry = driver_for(url)?;
    let open = match kind {
        Kind::Create => entry.connect,
        Kind::ReadOnly => entry.read_only,
        Kind::Existing => entry.existing,
    };
    open(url, options)
}

/// What the database's own conventions hold as the password of `url`.
pub fn conventional_password(url: &str) -> PasswordLookup {
    match driver_for(url) {
        Ok(entry) => (entry.conventional)(url),
        Err(_) => PasswordLookup::default(),
    }
}

/// Whether `url` is well formed for the driver its scheme names.
pub fn check(url: &str) -> Result<(), DbError> {
    (driver_for(url)?.check)(url)
}
