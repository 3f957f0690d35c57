//! The installation a command talks to: `--url` or a map's `url`, the map, and the database
//! type they imply, checked before anything connects. A URL that does not parse, a database
//! type that disagrees with a URL's scheme and a system schema are bad input, refused here so
//! that nothing is ever written on their account.

use crate::url::redact;
use crate::{Role, SchemaMap};
use govup_planner::DbType;
use std::path::Path;

/// `--url` / `--schema-map` / `--db` / `--skip-role`, resolved.
#[derive(Debug)]
pub struct Installation {
    pub url: String,
    pub map: SchemaMap,
    pub db: DbType,
}

/// What the caller (the binary, which knows every driver) says about a URL.
pub struct UrlRules<'a> {
    /// The database type a URL's scheme names, when govup can connect to it.
    pub type_of: &'a dyn Fn(&str) -> Option<DbType>,
    /// Parses the URL without connecting; the error is the driver's message.
    pub check: &'a dyn Fn(&str) -> Result<(), String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InstallationError {
    #[error(transparent)]
    Map(#[from] crate::MapError),
    #[error("missing --url: name the database (or give a schema map with `url`)")]
    MissingUrl,
    #[error("{place}: db: {error}")]
    BadDb { place: String, error: String },
    #[error("cannot tell the database type of {url}: expected a postgres://, postgresql://, mysql://, mariadb://, oracle:// or sqlite:PATH URL")]
    UnknownScheme { url: String },
    #[error(
        "{named_by} says {db} but {url} is a {of_url} URL; they must name the same database type"
    )]
    Disagree {
        named_by: String,
        db: DbType,
        url: String,
        of_url: DbType,
    },
    #[error("{0}")]
    BadUrl(String),
    #[error("missing --db: name the database folder to plan for (postgresql, mysql, oracle, sqlserver, db2, hsql, sqlite)")]
    MissingDb,
    #[error("schema map `{map}`: {error}")]
    MapDb { map: String, error: String },
    #[error("{place}: [schemas] {role} = `{schema}` is a system schema of {db}; govup never writes there")]
    SystemSchema {
        place: String,
        role: Role,
        schema: String,
        db: DbType,
    },
}

/// The database type `url` names, or why it names none govup can use.
pub fn type_of(url: &str, rules: &UrlRules<'_>) -> Result<DbType, InstallationError> {
    (rules.type_of)(url).ok_or_else(|| InstallationError::UnknownScheme { url: redact(url) })
}

impl Installation {
    /// Loads the map (none: a single schema), adds `skip`, and checks everything about the
    /// target that can be checked without connecting.
    pub fn resolve(
        url: Option<&str>,
        map_path: Option<&Path>,
        db: Option<DbType>,
        skip: &[Role],
        rules: &UrlRules<'_>,
    ) -> Result<Installation, InstallationError> {
        let mut map = match map_path {
            Some(path) => SchemaMap::load(path)?,
            None => SchemaMap::single(),
        };
        map.skip.extend(skip.iter().copied());
        let url = url
            .map(str::to_string)
            .or_else(|| map.url.clone())
            .ok_or(InstallationError::MissingUrl)?;
        let place = match map_path {
            Some(path) => format!("schema map `{}`", path.display()),
            None => "the schema map".to_string(),
        };
        let map_db = map
            .db
            .as_deref()
            .map(|name| {
                name.parse::<DbType>()
                    .map_err(|e| InstallationError::BadDb {
                        place: place.clone(),
                        error: e.to_string(),
                    })
            })
            .transpose()?;
        let (db, named_by) = match (db, map_db) {
            (Some(db), _) => (db, "--db".to_string()),
            (None, Some(db)) => (db, format!("`db` of {place}")),
            (None, None) => (type_of(&url, rules)?, String::new()),
        };
        let urls = std::iter::once(url.as_str()).chain(map.urls.values().map(String::as_str));
        for u in urls {
            let of_url = type_of(u, rules)?;
            if of_url != db {
                return Err(InstallationError::Disagree {
                    named_by,
                    db,
                    url: redact(u),
                    of_url,
                });
            }
            (rules.check)(u).map_err(InstallationError::BadUrl)?;
        }
        refuse_system_schemas(&map, db, &place)?;
        Ok(Installation { url, map, db })
    }
}

impl SchemaMap {
    /// The database folder to plan for: `flag` (`--db`), else the map's `db`.
    pub fn db_for_plan(&self, flag: Option<DbType>) -> Result<DbType, InstallationError> {
        if let Some(db) = flag {
            return Ok(db);
        }
        match (&self.db, &self.source) {
            (Some(name), Some(source)) => {
                name.parse().map_err(|e: govup_planner::db::UnknownDbType| {
                    InstallationError::MapDb {
                        map: source.display().to_string(),
                        error: e.to_string(),
                    }
                })
            }
            _ => Err(InstallationError::MissingDb),
        }
    }
}

fn refuse_system_schemas(
    map: &SchemaMap,
    db: DbType,
    place: &str,
) -> Result<(), InstallationError> {
    for (role, schema) in &map.schemas {
        if db.is_system_schema(schema) {
            return Err(InstallationError::SystemSchema {
                place: place.to_string(),
                role: *role,
                schema: schema.clone(),
                db,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: Option<&str>, db: Option<DbType>) -> Result<Installation, InstallationError> {
        let type_of = |u: &str| DbType::of_url(u).filter(|d| *d != DbType::Oracle);
        let check = |u: &str| {
            if u.contains(' ') {
                Err(format!("bad URL {}", redact(u)))
            } else {
                Ok(())
            }
        };
        let rules = UrlRules {
            type_of: &type_of,
            check: &check,
        };
        Installation::resolve(url, None, db, &[], &rules)
    }

    #[test]
    fn the_type_comes_from_the_url_and_must_agree_with_db() {
        let inst = resolve(Some("postgres://u@h/d"), None).unwrap();
        assert_eq!(inst.db, DbType::Postgresql);
        let err = resolve(Some("postgres://u:secret@h/d"), Some(DbType::Mysql)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--db says mysql but postgres://u:***@h/d is a postgresql URL; they must name the same database type"
        );
        // A scheme the caller links no driver for is not a type it can tell.
        let err = resolve(Some("oracle://u:pw@h/s"), None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot tell the database type of oracle://u:***@h/s"),
            "{err}"
        );
        assert!(matches!(
            resolve(None, None),
            Err(InstallationError::MissingUrl)
        ));
        let err = resolve(Some("postgres://u@h/d x"), None).unwrap_err();
        assert!(matches!(err, InstallationError::BadUrl(_)), "{err}");
    }

    #[test]
    fn plan_needs_db_from_the_flag_or_the_map() {
        let map = SchemaMap::single();
        assert_eq!(
            map.db_for_plan(Some(DbType::Sqlite)).unwrap(),
            DbType::Sqlite
        );
        assert!(matches!(
            map.db_for_plan(None),
            Err(InstallationError::MissingDb)
        ));
    }
}
