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
