//! Which database an operation is about, and the options it was created with: the catalog, the
//! backups and the scratch copies all start here.

use govup_engine::driver::{DbError, Dialect};

use crate::connection::MySqlConnection;
use crate::DIALECT;

/// `schema`, or when None the connection's default: the URL's database (what
/// `use_schema(None)` goes back to, whatever `USE` ran since), else the session's current one.
pub fn resolve(c: &mut MySqlConnection, schema: Option<&str>) -> Result<String, DbError> {
    if let Some(s) = schema.or(c.url().database.as_deref()) {
        return Ok(s.to_string());
    }
    c.scalar("SELECT DATABASE()")?.ok_or_else(|| {
        DbError::new(format!(
            "no database selected on {}: name one in the url",
            c.url().server()
        ))
    })
}

/// The default character set and collation of `database`, None when it does not exist.
pub fn options(c: &mut MySqlConnection, database: &str) -> Result<Option<Charset>, DbError> {
    let rows = c.rows(&format!(
        "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata WHERE schema_name = {}",
        DIALECT.quote_literal(database)
    ))?;
    Ok(rows.into_iter().next().map(|row| {
        let mut cells = row.into_iter();
        Charset {
            character_set: cells.next().flatten(),
            collation: cells.next().flatten(),
        }
    }))
}

/// Like [`options`], but a missing database is an error naming it.
pub fn existing(c: &mut MySqlConnection, database: &str) -> Result<Charset, DbError> {
    options(c, database)?.ok_or_else(|| {
        DbError::new(format!(
            "database {database} does not exist on {}:{}",
            c.url().host,
            c.url().port
        ))
    })
}

/// A database's defaults, for creating another one that behaves the same: tables a later patch
/// creates without naming a character set get the same one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Charset {
    pub character_set: Option<String>,
    pub collation: Option<String>,
}

impl Charset {
    /// `CREATE DATABASE` of `database` with these defaults.
    pub fn create_sql(&self, database: &str) -> String {
        let mut sql = format!("CREATE DATABASE {}", DIALECT.quote_ident(database));
        if let Some(cs) = &self.character_set {
            sql.push_str(&format!(" CHARACTER SET {}", DIALECT.quote_literal(cs)));
        }
        if let Some(collation) = &self.collation {
            sql.push_str(&format!(" COLLATE {}", DIALECT.quote_literal(collation)));
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_sql_carries_charset_and_collation() {
        let c = Charset {
            character_set: Some("utf8mb4".into()),
            collation: Some("utf8mb4_bin".into()),
        };
        assert_eq!(
            c.create_sql("a`b"),
            "CREATE DATABASE `a``b` CHARACTER SET 'utf8mb4' COLLATE 'utf8mb4_bin'"
        );
        assert_eq!(Charset::default().create_sql("x"), "CREATE DATABASE `x`");
    }
}
