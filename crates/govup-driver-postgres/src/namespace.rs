//! Which schema a safety operation means: the one named, or the session's current schema.

use govup_engine::{DbError, Dialect, Driver};

use crate::cells;
use crate::DIALECT;

/// A schema that exists, with its oid for catalog queries.
pub struct Namespace {
    pub name: String,
    pub oid: u32,
}

/// The schema's name: `schema`, or the session's `current_schema()`.
pub fn name(db: &mut dyn Driver, schema: Option<&str>) -> Result<String, DbError> {
    if let Some(name) = schema {
        return Ok(name.to_string());
    }
    cells::first(db, "SELECT current_schema()")?.ok_or_else(|| {
        DbError::new(format!(
            "the session on {} has no current schema: no schema of its search_path exists",
            db.describe()
        ))
    })
}

/// The schema called `name`, None when there is none.
pub fn lookup(db: &mut dyn Driver, name: &str) -> Result<Option<Namespace>, DbError> {
    let sql = format!(
        "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = {}",
        DIALECT.quote_literal(name)
    );
    let Some(row) = db.query(&sql)?.into_iter().next() else {
        return Ok(None);
    };
    Ok(Some(Namespace {
        name: name.to_string(),
        oid: cells::number(&row, 0, "the oid of a schema")?,
    }))
}

/// The schema `schema` means, which must exist.
pub fn existing(db: &mut dyn Driver, schema: Option<&str>) -> Result<Namespace, DbError> {
    let name = name(db, schema)?;
    lookup(db, &name)?.ok_or_else(|| DbError::new(format!("schema \"{name}\" does not exist")))
}

/// The database the session is connected to, as the server names it.
pub fn current_database(db: &mut dyn Driver) -> Result<String, DbError> {
    cells::first(db, "SELECT current_database()")?
        .ok_or_else(|| DbError::new("the server did not name its current database"))
}
