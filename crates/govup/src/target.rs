//! The database a command talks to: `--url` or a schema map, and the database type they imply.

use crate::failure::Failure;
use govup_engine::url::db_type_of;
use govup_planner::DbType;
use govup_schema_map::{Role, SchemaMap};
use std::path::PathBuf;

/// `--url` / `--schema-map` / `--db` / `--skip-role`, resolved.
pub struct Installation {
    pub url: String,
    pub map: SchemaMap,
    pub db: DbType,
}

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
    let db = match db.or_else(|| map.db.as_deref().and_then(|d| d.parse().ok())) {
        Some(db) => db,
        None => db_type_of(&url).ok_or_else(|| {
            Failure::usage(format_args!(
                "cannot tell the database type of `{}`; pass --db",
                govup_engine::url::redact(&url)
            ))
        })?,
    };
    Ok(Installation { url, map, db })
}
