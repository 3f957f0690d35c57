//! `FLEET.toml`: top-level defaults and one `[[installation]]` per installation.
//!
//! ```toml
//! dir = "sql_upgrade"     # the tree, relative to this file
//! to = "3.4.3"            # or "latest"
//! db = "postgresql"       # optional: else each URL's scheme says
//! from = "3.3.17"         # optional: where an installation with no history and no db_info starts
//!
//! [[installation]]
//! name = "tenant-a"
//! url = "postgres://govway@db1/tenant_a"
//!
//! [[installation]]
//! name = "tenant-b"
//! schema_map = "maps/tenant-b.toml"
//! dir = "old_tree"        # optional: its own tree
//! from = "3.3.16"         # optional: its own fallback start
//! ```

use govup_planner::{DbType, Version};
use govup_schema_map::url::redact;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The largest inventory read: a fleet of thousands fits in a few hundred kilobytes.
const MAX_SIZE: u64 = 16 << 20;

/// `to`: a version or the newest version of each installation's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToSpec {
    Latest,
    Exactly(Version),
}

impl std::str::FromStr for ToSpec {
    type Err = govup_planner::VersionError;

    fn from_str(s: &str) -> Result<ToSpec, Self::Err> {
        if s == "latest" {
            return Ok(ToSpec::Latest);
        }
        s.parse().map(ToSpec::Exactly)
    }
}

/// How an installation is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Url(String),
    SchemaMap(PathBuf),
}

/// One installation, with the inventory's defaults filled in and paths made absolute.
#[derive(Clone, Debug)]
pub struct Member {
    pub name: String,
    /// The line of its `[[installation]]` table, for messages.
    pub line: usize,
    pub target: Target,
    pub dir: PathBuf,
    /// Where it starts when neither its history nor `db_info` says (None: it must say).
    pub from: Option<Version>,
}

#[derive(Clone, Debug)]
pub struct Inventory {
    pub path: PathBuf,
    pub to: Option<ToSpec>,
    pub db: Option<DbType>,
    pub members: Vec<Member>,
}

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read inventory `{path}`: {why}")]
    Unreadable { path: PathBuf, why: String },
    #[error("inventory `{path}`:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("inventory `{path}`: {message}")]
    Whole { path: PathBuf, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInventory {
    dir: Option<String>,
    to: Option<toml::Spanned<String>>,
    db: Option<toml::Spanned<String>>,
    from: Option<toml::Spanned<String>>,
    #[serde(default)]
    installation: Vec<toml::Spanned<RawMember>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMember {
    name: String,
    url: Option<String>,
    schema_map: Option<String>,
    dir: Option<String>,
    from: Option<toml::Spanned<String>>,
}

impl Inventory {
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let unreadable = |why: String| InventoryError::Unreadable {
            path: path.to_path_buf(),
            why,
        };
        // Only a regular file is read: a FIFO or a device would block or never end.
        let text = govup_planner::file::read_regular_text(path, MAX_SIZE)
            .map_err(|e| unreadable(e.to_string()))?;
        Inventory::parse(&text, path)
    }

    /// Parses `text` as the inventory at `path` (relative paths are relative to its folder).
    pub fn parse(text: &str, path: &Path) -> Result<Inventory, InventoryError> {
        let at = |offset: usize, message: String| InventoryError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, offset),
            message: redact(&message),
        };
        let raw: RawInventory = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            at(offset, e.message().trim().to_string())
        })?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let to = raw
            .to
            .map(|t| {
                let span = t.span();
                t.into_inner()
                    .parse::<ToSpec>()
                    .map_err(|e| at(span.start, format!("to: {e}")))
            })
            .transpose()?;
        let db = raw
            .db
            .map(|d| {
                let span = d.span();
                d.into_inner()
                    .parse::<DbType>()
                    .map_err(|e| at(span.start, format!("db: {e}")))
            })
            .transpose()?;
        let from = |f: Option<toml::Spanned<String>>| {
            f.and_then(|f| {
                let span = f.span();
                match f.into_inner().as_str() {
                    "auto" => None,
                    v => Some(
                        v.parse::<Version>()
                            .map_err(|e| at(span.start, format!("from: {e}"))),
                    ),
                }
            })
            .transpose()
        };
        let default_from = from(raw.from)?;
        let default_dir = raw.dir.map(|d| base.join(d));
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut members = Vec::with_capacity(raw.installation.len());
        for spanned in raw.installation {
            let start = spanned.span().start;
            let line = line_of(text, start);
            let m = spanned.into_inner();
            let named =
                |message: String| at(start, format!("installation `{}`: {message}", m.name));
            check_name(&m.name).map_err(|why| at(start, why))?;
            if let Some(first) = seen.insert(m.name.clone(), line) {
                return Err(named(format!("the name is already used at line {first}")));
            }
            let target = match (&m.url, &m.schema_map) {
                (Some(_), Some(_)) => {
                    return Err(named("give either url or schema_map, not both".into()))
                }
                (None, None) => return Err(named("give url or schema_map".into())),
                (Some(url), None) => Target::Url(relative_sqlite(url, &base)),
                (None, Some(map)) => Target::SchemaMap(base.join(map)),
            };
            let dir = match (&m.dir, &default_dir) {
                (Some(d), _) => base.join(d),
                (None, Some(d)) => d.clone(),
                (None, None) => {
                    return Err(named(
                        "no dir: set `dir` at the top of the inventory or in the installation"
                            .into(),
                    ))
                }
            };
            let own_from = from(m.from.clone())?;
            let from_given = m.from.is_some();
            members.push(Member {
                name: m.name,
                line,
                target,
                dir,
                from: if from_given {
                    own_from
                } else {
                    default_from.clone()
                },
            });
        }
        if members.is_empty() {
            return Err(InventoryError::Whole {
                path: path.to_path_buf(),
                message: "no [[installation]]: nothing to upgrade".into(),
            });
        }
        Ok(Inventory {
            path: path.to_path_buf(),
            to,
            db,
            members,
        })
    }
}

/// A name becomes a folder (`--backup DIR/<name>/`) and a report key: it must be a plain,
/// portable file name.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "installation name `{}` must be 1 to 128 letters, digits, `.`, `_` or `-`, not starting with `.`",
            name.escape_debug()
        ))
    }
}

/// A relative SQLite path is relative to the inventory, like every other path in it.
fn relative_sqlite(url: &str, base: &Path) -> String {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"));
    match rest {
        Some(file) if !file.is_empty() && !file.starts_with('/') && file != ":memory:" => {
            format!("sqlite:{}", base.join(file).display())
        }
        _ => url.to_string(),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Inventory, InventoryError> {
        Inventory::parse(text, Path::new("/srv/fleet/FLEET.toml"))
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn defaults_fill_in_and_paths_are_relative_to_the_file() {
        let inv = parse(
            r#"
dir = "tree"
to = "latest"
from = "1.0.0"

[[installation]]
name = "a"
url = "postgres://u:pw@h/a"

[[installation]]
name = "b"
schema_map = "maps/b.toml"
dir = "/abs/tree"
from = "auto"

[[installation]]
name = "c"
url = "sqlite:c.db"
from = "1.0.3"
"#,
        )
        .unwrap();
        assert_eq!(inv.to, Some(ToSpec::Latest));
        let [a, b, c] = &inv.members[..] else {
            panic!("three members")
        };
        assert_eq!(a.dir, Path::new("/srv/fleet/tree"));
        assert_eq!(a.from, Some("1.0.0".parse().unwrap()));
        assert_eq!(a.line, 6);
        assert_eq!(b.target, Target::SchemaMap("/srv/fleet/maps/b.toml".into()));
        assert_eq!(b.dir, Path::new("/abs/tree"));
        assert_eq!(b.from, None);
        assert_eq!(c.target, Target::Url("sqlite:/srv/fleet/c.db".into()));
        assert_eq!(c.from, Some("1.0.3".parse().unwrap()));
    }

    #[test]
    fn bad_inventories_name_the_file_and_line() {
        let head = "dir = \"t\"\nto = \"1.0.1\"\n";
        assert_eq!(
            error(&format!("{head}[[installation]]\nname = \"a\"\nurl = \"sqlite:a\"\nport = 5\n")),
            "inventory `/srv/fleet/FLEET.toml`:6: unknown field `port`, expected one of `name`, `url`, `schema_map`, `dir`, `from`"
        );
        assert_eq!(
            error(&format!("{head}colour = 1\n[[installation]]\nname = \"a\"\nurl = \"sqlite:a\"\n")),
            "inventory `/srv/fleet/FLEET.toml`:3: unknown field `colour`, expected one of `dir`, `to`, `db`, `from`, `installation`"
        );
        assert_eq!(
            error(&format!("{head}[[installation]]\nname = \"a\"\nurl = \"sqlite:a\"\n[[installation]]\nname = \"a\"\nurl = \"sqlite:b\"\n")),
            "inventory `/srv/fleet/FLEET.toml`:6: installation `a`: the name is already used at line 3"
        );
        assert_eq!(
            error(&format!("{head}[[installation]]\nname = \"a\"\nurl = \"postgres://u:hunter2@h/a\"\nschema_map = \"m.toml\"\n")),
            "inventory `/srv/fleet/FLEET.toml`:3: installation `a`: give either url or schema_map, not both"
        );
        assert_eq!(
            error("to = \"1.0.1\"\n[[installation]]\nname = \"a\"\nurl = \"sqlite:a\"\n"),
            "inventory `/srv/fleet/FLEET.toml`:2: installation `a`: no dir: set `dir` at the top of the inventory or in the installation"
        );
        assert_eq!(
            error(&format!("{head}[[installation]]\nname = \"../x\"\nurl = \"sqlite:a\"\n")),
            "inventory `/srv/fleet/FLEET.toml`:3: installation name `../x` must be 1 to 128 letters, digits, `.`, `_` or `-`, not starting with `.`"
        );
        assert!(error(
            "dir = \"t\"\nto = \"one\"\n[[installation]]\nname = \"a\"\nurl = \"sqlite:a\"\n"
        )
        .starts_with("inventory `/srv/fleet/FLEET.toml`:2: to: "));
        assert_eq!(
            error(head),
            "inventory `/srv/fleet/FLEET.toml`: no [[installation]]: nothing to upgrade"
        );
    }

    #[test]
    fn a_toml_error_never_shows_a_password() {
        let text = "dir = \"t\"\n[[installation]]\nname = \"a\"\nurl = postgres://u:hunter2@h/a\n";
        let shown = error(text);
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.starts_with("inventory `/srv/fleet/FLEET.toml`:4: "),
            "{shown}"
        );
    }
}
