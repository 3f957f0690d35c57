//! Everything about a fleet that can be checked without connecting, checked before anything
//! runs: every installation resolved (URLs, maps, database types), every tree of the share read
//! once and shared by the installations that use it, every target version resolved.

use crate::inventory::{Inventory, Member, Target, ToSpec};
use crate::shard::Shard;
use govup_planner::{DbType, LoadError, Loaded, ReadOptions, Version};
use govup_schema_map::{Installation, InstallationError, UrlRules};
use std::collections::HashMap;
use std::path::PathBuf;

/// One installation of the share, ready to run.
pub struct Resolved {
    pub member: Member,
    pub inst: Installation,
    /// Index into [`Prepared::trees`].
    pub tree: usize,
    pub to: Version,
}

pub struct Prepared {
    pub trees: Vec<Loaded>,
    /// The share, in inventory order.
    pub members: Vec<Resolved>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("inventory `{path}`: no `to`: set it in the inventory or give --to")]
    NoTo { path: PathBuf },
    #[error("inventory `{path}`:{line}: installation `{name}`: {error}")]
    Installation {
        path: PathBuf,
        line: usize,
        name: String,
        error: InstallationError,
    },
    #[error("inventory `{path}`:{line}: installation `{name}`: {error}")]
    Tree {
        path: PathBuf,
        line: usize,
        name: String,
        error: LoadError,
    },
}

impl PrepareError {
    pub fn details(&self) -> Vec<String> {
        match self {
            PrepareError::Tree { error, .. } => error.details(),
            _ => vec![],
        }
    }
}

/// Resolves every installation of `inv` (a bad one refuses the whole fleet, on every shard
/// alike), then reads the trees of `shard`'s share. `to` overrides the inventory's.
pub fn prepare(
    inv: &Inventory,
    shard: Shard,
    to: Option<&ToSpec>,
    read: &ReadOptions,
    rules: &UrlRules<'_>,
) -> Result<Prepared, PrepareError> {
    let to = to.or(inv.to.as_ref()).ok_or_else(|| PrepareError::NoTo {
        path: inv.path.clone(),
    })?;
    let mut installs = Vec::with_capacity(inv.members.len());
    for m in &inv.members {
        let (url, map) = match &m.target {
            Target::Url(url) => (Some(url.as_str()), None),
            Target::SchemaMap(path) => (None, Some(path.as_path())),
        };
        let inst = Installation::resolve(url, map, inv.db, &[], rules).map_err(|error| {
            PrepareError::Installation {
                path: inv.path.clone(),
                line: m.line,
                name: m.name.clone(),
                error,
            }
        })?;
        installs.push(inst);
    }
    let mut trees = Vec::new();
    let mut index: HashMap<(PathBuf, DbType), usize> = HashMap::new();
    let mut members = Vec::new();
    for (position, (m, inst)) in inv.members.iter().zip(installs).enumerate() {
        if !shard.holds(position) {
            continue;
        }
        let tree_error = |error| PrepareError::Tree {
            path: inv.path.clone(),
            line: m.line,
            name: m.name.clone(),
            error,
        };
        let key = (m.dir.clone(), inst.db);
        let tree = match index.get(&key) {
            Some(&i) => i,
            None => {
                let loaded = Loaded::for_db(&m.dir, inst.db, read, true).map_err(tree_error)?;
                trees.push(loaded);
                index.insert(key, trees.len() - 1);
                trees.len() - 1
            }
        };
        let given = match to {
            ToSpec::Exactly(v) => Some(v),
            ToSpec::Latest => None,
        };
        let to = trees[tree].resolve(given).map_err(tree_error)?;
        members.push(Resolved {
            member: m.clone(),
            inst,
            tree,
            to,
        });
    }
    Ok(Prepared { trees, members })
}
