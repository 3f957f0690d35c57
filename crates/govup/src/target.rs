//! The database a command talks to: `--url` or a schema map, and the database type they imply.

use crate::connect;
use crate::failure::Failure;
use govup_engine::url::redact;
use govup_planner::DbType;
use govup_schema_map::{Role, SchemaMap};
use std::path::PathBuf;

/// `--url` / `--schema-map` / `--db` / `--skip-role`, resolved.
pub struct Installation {
    pub url: String,
    pub map: SchemaMap,
    pub db: DbType,
}

/// Reads and checks everything about the target before anything connects: a URL that does not
/// parse, a database type that disagrees with a URL's scheme and a system schema are bad usage,
/// refused here so that nothing is ever written on their account.
pub fn resolve(
    url: Option<&str>,
    map_path: Option<&PathBuf>,
    db: Option<DbType>,
    skip: &[Role],
) -> Result<Installation, Failure> {
    let mut map = match map_path {
        Some(path) => SchemaMap::load(path).map_err(Failure::usage)?,
        None => SchemaMap::single(),
    };
    map.skip.extend(skip.iter().copied());
    let url = match (url, &map.url) {
        (Some(url), _) => url.to_string(),
        (None, Some(url)) => url.clone(),
        (None, None) => {
            return Err(Failure::usage(
                "missing --url: name the database (or give a schema map with `url`)",
            ))
        }
    };
    let in_map = || match map_path {
        Some(path) => format!("schema map `{}`", path.display()),
        None => "the schema map".to_string(),
    };
    let map_db = match map.db.as_deref() {
        Some(name) => Some(
            name.parse::<DbType>()
                .map_err(|e| Failure::usage(format_args!("{}: db: {e}", in_map())))?,
        ),
        None => None,
    };
    let (db, named_by) = match (db, map_db) {
        (Some(db), _) => (db, "--db".to_string()),
        (None, Some(db)) => (db, format!("`db` of {}", in_map())),
        (None, None) => (type_of(&url)?, String::new()),
    };
    let urls = std::iter::once(url.as_str()).chain(map.urls.values().map(String::as_str));
    for u in urls {
        let of_url = type_of(u)?;
        if of_url != db {
            return Err(Failure::usage(format_args!(
                "{named_by} says {db} but {} is a {of_url} URL; they must name the same database type",
                redact(u)
            )));
        }
        connect::check(u).map_err(|e| Failure::usage(e.message))?;
    }
    for (role, schema) in &map.schemas {
        if db.is_system_schema(schema) {
            return Err(Failure::usage(format_args!(
                "{}: [schemas] {role} = `{schema}` is a system schema of {db}; govup never writes there",
                in_map()
            )));
        }
    }
    Ok(Installation { url, map, db })
}

/// The database type a URL's scheme names; a URL govup cannot read is bad usage.
pub fn type_of(url: &str) -> Result<DbType, Failure> {
    DbType::of_url(url)
        .filter(|db| connect::DRIVERS.iter().any(|d| d.db == *db))
        .ok_or_else(|| {
            Failure::usage(format_args!(
                "cannot tell the database type of {}: expected a postgres://, postgresql://, mysql://, mariadb://, oracle:// or sqlite:PATH URL",
                redact(url)
            ))
        })
}
