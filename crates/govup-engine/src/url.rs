//! Connection URLs: which database type a URL names, and how to show it without its password.

use govup_planner::DbType;

/// The database type a URL's scheme names, per the contract: `postgres://`, `postgresql://`,
/// `mysql://`, `mariadb://`, `oracle://`, `sqlite:PATH`, `sqlite://PATH` (the registry is
/// [`DbType::schemes`]).
pub fn db_type_of(url: &str) -> Option<DbType> {
    DbType::of_url(url)
}

/// The one redaction function, re-exported so that the drivers need not know where it lives.
pub use govup_schema_map::url::{ambiguous_password_char, redact, userinfo};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(db_type_of("postgres://h/db"), Some(DbType::Postgresql));
        assert_eq!(db_type_of("postgresql://h/db"), Some(DbType::Postgresql));
        assert_eq!(db_type_of("mariadb://h/db"), Some(DbType::Mysql));
        assert_eq!(db_type_of("mysql://h/db"), Some(DbType::Mysql));
        assert_eq!(db_type_of("oracle://h/svc"), Some(DbType::Oracle));
        assert_eq!(db_type_of("sqlite:x.db"), Some(DbType::Sqlite));
        assert_eq!(db_type_of("sqlite:///tmp/x.db"), Some(DbType::Sqlite));
        assert_eq!(db_type_of("mssql://h"), None);
        assert_eq!(db_type_of("x.db"), None);
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(redact("sqlite:x.db"), "sqlite:x.db");
        assert_eq!(
            redact("postgres://u:p@ss@h/db?sslmode=require"),
            "postgres://u:***@h/db?sslmode=require"
        );
    }
}
