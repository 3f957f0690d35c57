//! From a URL to a driver: the one place the binary knows every database crate.

use govup_engine::url::db_type_of;
use govup_engine::{DbError, Driver};
use govup_planner::DbType;

/// For a dry run: SQLite opens read-only and does not create a missing file; the servers'
/// drivers write nothing on connecting anyway.
pub fn connect_read_only(url: &str) -> Result<Box<dyn Driver>, DbError> {
    match db_type_of(url) {
        Some(DbType::Sqlite) => govup_driver_sqlite::connect_read_only(url),
        _ => connect(url),
    }
}

pub fn connect(url: &str) -> Result<Box<dyn Driver>, DbError> {
    match db_type_of(url) {
        Some(DbType::Postgresql) => govup_driver_postgres::connect(url),
        Some(DbType::Mysql) => govup_driver_mysql::connect(url),
        Some(DbType::Oracle) => govup_driver_oracle::connect(url),
        Some(DbType::Sqlite) => govup_driver_sqlite::connect(url),
        Some(other) => Err(DbError::new(format!("govup has no driver for {other} yet"))),
        None => Err(DbError::new(
            "unknown URL scheme; expected postgres://, postgresql://, mysql://, mariadb://, oracle://, sqlite:PATH",
        )),
    }
}
