//! A tree read for a command: scanned, its DAG built, and for planning refused when it holds an
//! error or lacks the database's folder, so that every verb that plans refuses the same trees
//! the same way.

use crate::{DbSelection, DbType, Finding, ReadOptions, Tree, TreeError, Version, VersionGraph};
use std::path::{Path, PathBuf};

/// A tree and its DAG.
pub struct Loaded {
    pub tree: Tree,
    pub graph: VersionGraph,
    /// The tree's warnings, to show with the result.
    pub warnings: Vec<String>,
}

/// Why a tree cannot be planned from.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Tree(#[from] TreeError),
    #[error("upgrade tree `{}`: {first}", dir.display())]
    Errors {
        dir: PathBuf,
        first: Box<Finding>,
        more: Vec<Finding>,
    },
    #[error("upgrade tree `{}` has no `{db}` folder in any step", dir.display())]
    NoFolder {
        dir: PathBuf,
        db: DbType,
        present: Vec<DbType>,
    },
    #[error("upgrade tree `{}` has no version", dir.display())]
    NoVersion { dir: PathBuf },
}

impl LoadError {
    /// Lines that follow the headline.
    pub fn details(&self) -> Vec<String> {
        match self {
            LoadError::Errors { more, .. } if !more.is_empty() => {
                let mut lines: Vec<String> = more.iter().map(|f| f.to_string()).collect();
                lines.push(format!(
                    "{} problem(s) in all; `govup lint` lists them with more detail",
                    more.len() + 1
                ));
                lines
            }
            LoadError::NoFolder { present, .. } => {
                let names: Vec<String> = present.iter().map(|d| d.to_string()).collect();
                let names = if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                };
                vec![format!("database folders it has: {names}")]
            }
            _ => vec![],
        }
    }
}

impl Loaded {
    /// Reads the tree at `dir`; only a missing or unreadable root is an error here. `keep`:
    /// keep each selected SQL file's bytes, so that an apply reads every file only once.
    pub fn read(
        dir: &Path,
        select: &DbSelection,
        options: &ReadOptions,
        keep: bool,
    ) -> Result<Loaded, TreeError> {
        let tree = Tree::read(dir, select, options, keep)?;
        let graph = VersionGraph::build(&tree);
        let warnings = tree
            .findings
            .iter()
            .chain(&graph.findings)
            .filter(|f| !f.is_error())
            .map(|f| f.to_string())
            .collect();
        Ok(Loaded {
            tree,
            graph,
            warnings,
        })
    }

    /// Reads the tree at `dir` for planning `db`, and refuses it when anything in it is an
    /// error or it has no folder for `db`.
    pub fn for_db(
        dir: &Path,
        db: DbType,
        options: &ReadOptions,
        keep: bool,
    ) -> Result<Loaded, LoadError> {
        let loaded = Loaded::read(dir, &DbSelection::One(db), options, keep)?;
        let mut errors = loaded
            .tree
            .findings
            .iter()
            .chain(&loaded.graph.findings)
            .filter(|f| f.is_error())
            .cloned();
        if let Some(first) = errors.next() {
            return Err(LoadError::Errors {
                dir: dir.to_path_buf(),
                first: Box::new(first),
                more: errors.collect(),
            });
        }
        let present = loaded.tree.databases();
        if !present.contains(&db) {
            return Err(LoadError::NoFolder {
                dir: dir.to_path_buf(),
                db,
                present: present.into_iter().collect(),
            });
        }
        Ok(loaded)
    }

    /// The version to reach: the one given, or for None ("latest") the newest of the tree.
    pub fn resolve(&self, to: Option<&Version>) -> Result<Version, LoadError> {
        match to {
            Some(v) => Ok(v.clone()),
            None => self.newest().ok_or_else(|| LoadError::NoVersion {
                dir: self.tree.root.clone(),
            }),
        }
    }

    /// The newest version of the tree.
    pub fn newest(&self) -> Option<Version> {
        self.graph.newest().map(Version::from)
    }
}
