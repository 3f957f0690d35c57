//! Loading a tree for a command: read it, build its DAG, and refuse it when it has errors.

use crate::failure::Failure;
use govup_planner::{DbSelection, DbType, Finding, Tree, VersionGraph};
use std::path::Path;

pub struct Loaded {
    pub tree: Tree,
    pub graph: VersionGraph,
    /// Warnings about the tree, to show with the result.
    pub warnings: Vec<String>,
}

/// Reads the tree at `dir` for `db` and refuses it (exit 2) when anything in it is an error.
pub fn load_for(dir: &Path, db: DbType) -> Result<Loaded, Failure> {
    checked(read(dir, DbSelection::One(db))?, dir, db)
}

/// Like [`load_for`], keeping each patch's bytes: an apply then reads every file only once.
pub fn load_for_apply(dir: &Path, db: DbType) -> Result<Loaded, Failure> {
    let tree = Tree::scan_keeping(dir, &DbSelection::One(db)).map_err(Failure::usage)?;
    checked(graph(tree), dir, db)
}

fn checked(loaded: Loaded, dir: &Path, db: DbType) -> Result<Loaded, Failure> {
    let errors: Vec<&Finding> = loaded
        .tree
        .findings
        .iter()
        .chain(&loaded.graph.findings)
        .filter(|f| f.is_error())
        .collect();
    if let Some(first) = errors.first() {
        let more = errors.len() - 1;
        return Err(
            Failure::usage(format_args!("upgrade tree `{}`: {first}", dir.display()))
                .with_details(errors[1..].iter().map(|f| f.to_string()))
                .with_details((more > 0).then(|| {
                    format!(
                        "{} problem(s) in all; `govup lint` lists them with more detail",
                        errors.len()
                    )
                })),
        );
    }
    if !loaded.tree.databases().contains(&db) {
        let present: Vec<String> = loaded
            .tree
            .databases()
            .iter()
            .map(|d| d.to_string())
            .collect();
        return Err(Failure::usage(format_args!(
            "upgrade tree `{}` has no `{db}` folder in any step",
            dir.display()
        ))
        .with_details([format!(
            "database folders it has: {}",
            if present.is_empty() {
                "none".to_string()
            } else {
                present.join(", ")
            }
        )]));
    }
    Ok(loaded)
}

/// Reads the tree at `dir`; only a missing or unreadable root is an error here.
pub fn read(dir: &Path, select: DbSelection) -> Result<Loaded, Failure> {
    Ok(graph(Tree::scan(dir, &select).map_err(Failure::usage)?))
}

fn graph(tree: Tree) -> Loaded {
    let graph = VersionGraph::build(&tree);
    let warnings = tree
        .findings
        .iter()
        .chain(&graph.findings)
        .filter(|f| !f.is_error())
        .map(|f| f.to_string())
        .collect();
    Loaded {
        tree,
        graph,
        warnings,
    }
}
