//! An installation's `map.toml`: which schema and connection each role uses.

use crate::role::{builtin_role, Role};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a patch runs: a connection (None = the installation's main one) and a schema
/// (None = that connection's default schema).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    pub url: Option<String>,
    pub schema: Option<String>,
}

/// A map is a few lines; anything near this is not one.
const MAX_MAP_SIZE: u64 = 16 << 20;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaMap {
    /// The file it was read from, for messages.
    pub source: Option<PathBuf>,
    pub db: Option<String>,
    pub url: Option<String>,
    pub schemas: BTreeMap<Role, String>,
    pub areas: BTreeMap<String, Role>,
    pub urls: BTreeMap<Role, String>,
    pub skip: BTreeSet<Role>,
    /// The upgrade tree, resolved against the map's folder: one file describes an installation.
    pub dir: Option<PathBuf>,
    /// Where the password of `url` is, when the URL names a user and no password (resolved
    /// against the map's folder).
    pub password_file: Option<PathBuf>,
    /// The same, per `[urls]` entry written as `{ url = "...", password_file = "..." }`.
    pub password_files: BTreeMap<Role, PathBuf>,
    /// `[session] sql`: statements run on every connection, before anything else.
    pub session_sql: Vec<String>,
    /// `lock_timeout = "1s"`: as written; the binary parses durations.
    pub lock_timeout: Option<String>,
    pub lock_retries: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("cannot read schema map `{path}`: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("schema map `{path}` is invalid: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    db: Option<String>,
    url: Option<String>,
    #[serde(default)]
    schemas: BTreeMap<String, String>,
    #[serde(default)]
    areas: BTreeMap<String, String>,
    #[serde(default)]
    urls: BTreeMap<String, UrlEntry>,
    #[serde(default)]
    skip: Vec<String>,
    dir: Option<String>,
    password_file: Option<String>,
    session: Option<RawSession>,
    lock_timeout: Option<String>,
    lock_retries: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSession {
    #[serde(default)]
    sql: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UrlTable {
    url: String,
    password_file: Option<String>,
}

/// An entry of `[urls]`. The contract's own example writes `skip = [...]` after `[urls]`, which
/// TOML files under that table; an array there can only mean the top-level `skip`, so it is read
/// as that rather than refused.
#[derive(Deserialize)]
#[serde(untagged)]
enum UrlEntry {
    Url(String),
    Roles(Vec<String>),
    Table(UrlTable),
}

impl SchemaMap {
    /// The default installation: one connection, one schema for every role.
    pub fn single() -> SchemaMap {
        SchemaMap::default()
    }

    pub fn load(path: &Path) -> Result<SchemaMap, MapError> {
        // Only a regular file is read: a FIFO or a device would block or never end.
        let text =
            govup_planner::file::read_regular_text(path, MAX_MAP_SIZE).map_err(|source| {
                MapError::Unreadable {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
        SchemaMap::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<SchemaMap, MapError> {
        let invalid = |message: String| MapError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawMap = toml::from_str(text).map_err(|e| invalid(toml_message(text, &e)))?;
        let role = |key: &str, section: &str| {
            key.parse::<Role>()
                .map_err(|e| invalid(format!("in {section}: {e}")))
        };
        // Paths in the map are relative to the map, wherever govup runs from.
        let folder = path.parent().unwrap_or(Path::new(""));
        let beside = |p: &str, key: &str| {
            if p.is_empty() {
                return Err(invalid(format!("{key} is empty")));
            }
            Ok(folder.join(p))
        };
        let mut map = SchemaMap {
            source: Some(path.to_path_buf()),
            db: raw.db,
            url: raw.url,
            dir: raw.dir.as_deref().map(|d| beside(d, "dir")).transpose()?,
            password_file: raw
                .password_file
                .as_deref()
                .map(|p| beside(p, "password_file"))
                .transpose()?,
            lock_timeout: raw.lock_timeout,
            lock_retries: raw.lock_retries,
            ..SchemaMap::default()
        };
        if map.password_file.is_some() && map.url.is_none() {
            return Err(invalid(
                "password_file is the password of `url`, which the map does not name".into(),
            ));
        }
        for sql in raw.session.map(|s| s.sql).unwrap_or_default() {
            if sql.trim().is_empty() {
                return Err(invalid("in [session]: a statement of sql is empty".into()));
            }
            map.session_sql.push(sql);
        }
        for (k, schema) in raw.schemas {
            if schema.is_empty() {
                return Err(invalid(format!(
                    "in [schemas]: the schema of role `{k}` is empty"
                )));
            }
            map.schemas.insert(role(&k, "[schemas]")?, schema);
        }
        for (area, r) in raw.areas {
            map.areas
                .insert(area.clone(), role(&r, &format!("[areas] {area}"))?);
        }
        let mut skip = raw.skip;
        for (k, entry) in raw.urls {
            match entry {
                UrlEntry::Url(url) => {
                    map.urls.insert(role(&k, "[urls]")?, url);
                }
                UrlEntry::Table(table) => {
                    let r = role(&k, "[urls]")?;
                    map.urls.insert(r, table.url);
                    if let Some(file) = table.password_file {
                        let file = beside(&file, &format!("[urls] {k} password_file"))?;
                        map.password_files.insert(r, file);
                    }
                }
                UrlEntry::Roles(roles) if k == "skip" => skip.extend(roles),
                UrlEntry::Roles(_) => {
                    return Err(invalid(format!(
                        "in [urls]: `{k}` must be a connection URL"
                    )))
                }
            }
        }
        for k in skip {
            map.skip.insert(role(&k, "skip")?);
        }
        if map.skip.len() == Role::ALL.len() {
            return Err(invalid("skip leaves no role to upgrade".into()));
        }
        Ok(map)
    }

    /// The password file the map names for `url`: its own `password_file` for `url`, an entry's
    /// for that entry's URL.
    pub fn password_file_for(&self, url: &str) -> Option<&Path> {
        if self.url.as_deref() == Some(url) {
            if let Some(file) = &self.password_file {
                return Some(file);
            }
        }
        self.urls
            .iter()
            .filter(|(_, u)| u.as_str() == url)
            .find_map(|(role, _)| self.password_files.get(role))
            .map(PathBuf::as_path)
    }

    /// The role of an area, and whether the built-in table or the map knows it.
    pub fn role_of(&self, area: &str) -> (Role, bool) {
        if let Some(role) = self.areas.get(area) {
            return (*role, true);
        }
        match builtin_role(area) {
            Some(role) => (role, true),
            None => (Role::Config, false),
        }
    }

    pub fn target(&self, role: Role) -> Target {
        Target {
            url: self.urls.get(&role).cloned(),
            schema: self.schemas.get(&role).cloned(),
        }
    }

    pub fn is_skipped(&self, role: Role) -> bool {
        self.skip.contains(&role)
    }

    /// The roles this installation upgrades with govup, in seed order.
    pub fn upgraded_roles(&self) -> impl Iterator<Item = Role> + '_ {
        Role::ALL.into_iter().filter(|r| !self.is_skipped(*r))
    }

    /// Every distinct place an info-patch runs: one per schema of the upgraded roles.
    pub fn info_patch_targets(&self) -> Vec<Target> {
        let mut seen = Vec::new();
        for role in self.upgraded_roles() {
            let t = self.target(role);
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
        seen
    }
}

/// toml's message carries the line and column; keep it on one line.
/// The TOML error on one line. It quotes the offending line, which may be a `url` with its
/// password, so the quote is redacted line by line (a URL never spans lines).
fn toml_message(_text: &str, e: &toml::de::Error) -> String {
    e.to_string()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(crate::url::redact)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SchemaMap, MapError> {
        SchemaMap::parse(text, Path::new("map.toml"))
    }

    #[test]
    fn the_contract_example_parses() {
        let map = parse(
            r#"
db  = "postgresql"
url = "postgres://govway@localhost/govway"
[schemas]
config = "govway_config"
[areas]
monitoraggio = "config"
[urls]
statistics = "postgres://stats@db2.example/govway_stats"
skip = ["statistics"]
"#,
        );
        let map = map.unwrap();
        assert_eq!(map.db.as_deref(), Some("postgresql"));
        assert!(map.is_skipped(Role::Statistics));
        assert_eq!(map.urls.len(), 1);
        assert_eq!(map.role_of("monitoraggio"), (Role::Config, true));
    }

    #[test]
    fn a_full_map_routes_roles() {
        let map = parse(
            r#"
db = "postgresql"
url = "postgres://govway@localhost/govway"
skip = ["statistics"]
[schemas]
config = "govway_config"
[areas]
nuovaArea = "tracing"
[urls]
statistics = "postgres://stats@db2.example/govway_stats"
"#,
        )
        .unwrap();
        assert_eq!(map.role_of("configurazionePdD"), (Role::Config, true));
        assert_eq!(map.role_of("nuovaArea"), (Role::Tracing, true));
        assert_eq!(map.role_of("mystery"), (Role::Config, false));
        assert_eq!(
            map.target(Role::Config).schema.as_deref(),
            Some("govway_config")
        );
        assert_eq!(
            map.target(Role::Runtime),
            Target {
                url: None,
                schema: None
            }
        );
        assert!(map.is_skipped(Role::Statistics));
        assert_eq!(
            map.info_patch_targets(),
            vec![
                Target {
                    url: None,
                    schema: None
                },
                Target {
                    url: None,
                    schema: Some("govway_config".into())
                }
            ]
        );
    }

    #[test]
    fn bad_maps_name_the_file_and_the_key() {
        for (text, needle) in [
            ("[schemas]\nstats = \"x\"\n", "unknown role `stats`"),
            ("colour = 1\n", "colour"),
            (
                "skip = [\"runtime\", \"tracing\", \"statistics\", \"config\"]\n",
                "no role",
            ),
            ("[schemas]\nconfig = \"\"\n", "empty"),
            ("db = \n", "line 1"),
            ("[urls]\nconfig = [\"x\"]\n", "must be a connection URL"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with("schema map `map.toml` is invalid"), "{err}");
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn an_installation_in_one_file() {
        let map = SchemaMap::parse(
            r#"
url = "mysql://govway@db/govway"
password_file = "secrets/govway.pw"
dir = "../tree"
[urls]
statistics = { url = "mysql://stats@db2/stats", password_file = "/run/secrets/stats" }
[session]
sql = ["SET SESSION innodb_strict_mode=OFF", "SET SESSION sql_mode='ANSI'"]
"#,
            Path::new("/etc/govup/map.toml"),
        )
        .unwrap();
        assert_eq!(map.dir.as_deref(), Some(Path::new("/etc/govup/../tree")));
        assert_eq!(
            map.password_file_for("mysql://govway@db/govway"),
            Some(Path::new("/etc/govup/secrets/govway.pw"))
        );
        assert_eq!(
            map.password_file_for("mysql://stats@db2/stats"),
            Some(Path::new("/run/secrets/stats"))
        );
        assert_eq!(map.password_file_for("mysql://other@db/x"), None);
        assert_eq!(map.urls[&Role::Statistics], "mysql://stats@db2/stats");
        assert_eq!(map.session_sql.len(), 2);
        // A map in the working folder: paths stay relative to it.
        let here = parse("dir = \"tree\"\n").unwrap();
        assert_eq!(here.dir.as_deref(), Some(Path::new("tree")));
        for (text, needle) in [
            ("password_file = \"x\"\n", "does not name"),
            ("[session]\nsql = [\" \"]\n", "empty"),
            ("[session]\nsq = []\n", "sq"),
            ("dir = \"\"\n", "dir is empty"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn one_schema_is_the_default() {
        let map = SchemaMap::single();
        assert_eq!(
            map.info_patch_targets(),
            vec![Target {
                url: None,
                schema: None
            }]
        );
    }
}
