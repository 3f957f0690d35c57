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
}

/// An entry of `[urls]`. The contract's own example writes `skip = [...]` after `[urls]`, which
/// TOML files under that table; an array there can only mean the top-level `skip`, so it is read
/// as that rather than refused.
#[derive(Deserialize)]
#[serde(untagged)]
enum UrlEntry {
    Url(String),
    Roles(Vec<String>),
}

impl SchemaMap {
    /// The default installation: one connection, one schema for every role.
    pub fn single() -> SchemaMap {
        SchemaMap::default()
    }

    pub fn load(path: &Path) -> Result<SchemaMap, MapError> {
        let text = std::fs::read_to_string(path).map_err(|source| MapError::Unreadable {
            path: path.to_path_buf(),
            source,
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
        let mut map = SchemaMap {
            source: Some(path.to_path_buf()),
            db: raw.db,
            url: raw.url,
            ..SchemaMap::default()
        };
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
