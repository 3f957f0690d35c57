//! The database a command talks to: the rules are `govup_schema_map::Installation`'s; this
//! module gives them the drivers the binary links.

use crate::connect;
use crate::failure::Failure;
use govup_planner::DbType;
use govup_schema_map::{installation, Role, SchemaMap, UrlRules};
use std::path::PathBuf;

pub use govup_schema_map::Installation;

/// What the binary knows of URLs: the schemes of the drivers it links, and their URL checks.
pub fn rules<T>(then: impl FnOnce(&UrlRules<'_>) -> T) -> T {
    let type_of =
        |url: &str| DbType::of_url(url).filter(|db| connect::DRIVERS.iter().any(|d| d.db == *db));
    let check = |url: &str| connect::check(url).map_err(|e| e.message);
    then(&UrlRules {
        type_of: &type_of,
        check: &check,
    })
}

/// The tree: `--dir` (or `GOVUP_DIR`), else the schema map's `dir`.
pub fn tree_dir(dir: Option<&PathBuf>, map: &SchemaMap) -> Result<PathBuf, Failure> {
    dir.or(map.dir.as_ref()).cloned().ok_or_else(|| {
        Failure::usage("missing --dir: name the upgrade tree (or give a schema map with `dir`)")
    })
}

/// Resolves the installation (see [`Installation::resolve`]); every refusal is bad usage.
pub fn resolve(
    url: Option<&str>,
    map_path: Option<&PathBuf>,
    db: Option<DbType>,
    skip: &[Role],
) -> Result<Installation, Failure> {
    rules(|rules| Installation::resolve(url, map_path.map(PathBuf::as_path), db, skip, rules))
        .map_err(Failure::usage)
}

/// [`resolve`] for the installation a verb was given on its command line.
pub fn installation(
    args: &crate::cli::InstallationArgs,
    skip: &[Role],
) -> Result<Installation, Failure> {
    resolve(args.url.as_deref(), args.schema_map.as_ref(), args.db, skip)
}

/// The database type a URL's scheme names; a URL govup cannot read is bad usage.
pub fn type_of(url: &str) -> Result<DbType, Failure> {
    rules(|rules| installation::type_of(url, rules)).map_err(Failure::usage)
}
