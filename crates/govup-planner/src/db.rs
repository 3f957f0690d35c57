//! The database types a tree can hold, named as its folders are.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DbType {
    Postgresql,
    Mysql,
    Oracle,
    Sqlserver,
    Db2,
    Hsql,
    Sqlite,
}

impl DbType {
    pub const ALL: [DbType; 7] = [
        DbType::Postgresql,
        DbType::Mysql,
        DbType::Oracle,
        DbType::Sqlserver,
        DbType::Db2,
        DbType::Hsql,
        DbType::Sqlite,
    ];

    /// The folder name inside a step directory.
    pub fn folder(self) -> &'static str {
        match self {
            DbType::Postgresql => "postgresql",
            DbType::Mysql => "mysql",
            DbType::Oracle => "oracle",
            DbType::Sqlserver => "sqlserver",
            DbType::Db2 => "db2",
            DbType::Hsql => "hsql",
            DbType::Sqlite => "sqlite",
        }
    }

    pub fn from_folder(name: &str) -> Option<DbType> {
        DbType::ALL.into_iter().find(|db| db.folder() == name)
    }

    /// The URL schemes that name this database type (empty: govup cannot connect to it). With
    /// [`DbType::folder`] this is the one registry of database types: the binary pairs each
    /// type with its driver, and a URL's type is read from here only.
    pub fn schemes(self) -> &'static [&'static str] {
        match self {
            DbType::Postgresql => &["postgres", "postgresql"],
            DbType::Mysql => &["mysql", "mariadb"],
            DbType::Oracle => &["oracle"],
            DbType::Sqlite => &["sqlite"],
            DbType::Sqlserver | DbType::Db2 | DbType::Hsql => &[],
        }
    }

    /// The database type a URL's scheme (case-insensitive) names.
    pub fn of_url(url: &str) -> Option<DbType> {
        let scheme = url.split_once(':')?.0;
        DbType::ALL
            .into_iter()
            .find(|db| db.schemes().iter().any(|s| s.eq_ignore_ascii_case(scheme)))
    }

    /// Whether `schema` belongs to the database server itself, so that an upgrade must never
    /// write there (MySQL's `mysql`, PostgreSQL's `pg_catalog`, Oracle's `SYS` ...).
    pub fn is_system_schema(self, schema: &str) -> bool {
        let lower = schema.to_ascii_lowercase();
        match self {
            DbType::Mysql => matches!(
                lower.as_str(),
                "mysql" | "information_schema" | "performance_schema" | "sys"
            ),
            DbType::Postgresql => {
                lower == "pg_catalog"
                    || lower == "information_schema"
                    || lower.starts_with("pg_toast")
                    || lower.starts_with("pg_temp")
            }
            DbType::Oracle => matches!(lower.as_str(), "sys" | "system"),
            DbType::Sqlserver => matches!(lower.as_str(), "sys" | "information_schema"),
            DbType::Db2 => lower.starts_with("sys"),
            DbType::Hsql => matches!(lower.as_str(), "information_schema" | "system_lobs"),
            DbType::Sqlite => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_name_one_type_each() {
        assert_eq!(DbType::of_url("postgres://h/db"), Some(DbType::Postgresql));
        assert_eq!(
            DbType::of_url("PostgreSQL://h/db"),
            Some(DbType::Postgresql)
        );
        assert_eq!(DbType::of_url("mariadb://h/db"), Some(DbType::Mysql));
        assert_eq!(DbType::of_url("oracle://h/svc"), Some(DbType::Oracle));
        assert_eq!(DbType::of_url("sqlite:x.db"), Some(DbType::Sqlite));
        assert_eq!(DbType::of_url("mssql://h"), None);
        assert_eq!(DbType::of_url("x.db"), None);
        for a in DbType::ALL {
            for b in DbType::ALL.into_iter().filter(|b| *b != a) {
                assert!(a.schemes().iter().all(|s| !b.schemes().contains(s)));
            }
        }
    }

    #[test]
    fn system_schemas() {
        assert!(DbType::Mysql.is_system_schema("MySQL"));
        assert!(DbType::Mysql.is_system_schema("performance_schema"));
        assert!(!DbType::Mysql.is_system_schema("govway"));
        assert!(DbType::Postgresql.is_system_schema("pg_toast_temp_1"));
        assert!(DbType::Postgresql.is_system_schema("pg_temp_3"));
        assert!(!DbType::Postgresql.is_system_schema("public"));
        assert!(DbType::Oracle.is_system_schema("SYSTEM"));
        assert!(!DbType::Oracle.is_system_schema("GOVWAY"));
    }
}

impl fmt::Display for DbType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.folder())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown database type `{0}`; expected one of postgresql, mysql, oracle, sqlserver, db2, hsql, sqlite")]
pub struct UnknownDbType(pub String);

impl FromStr for DbType {
    type Err = UnknownDbType;

    fn from_str(s: &str) -> Result<DbType, UnknownDbType> {
        DbType::from_folder(s).ok_or_else(|| UnknownDbType(s.to_string()))
    }
}
