//! Loading a tree for a command: read it, build its DAG, and refuse it when it has errors.

use crate::failure::Failure;
use clap::Args;
use govup_planner::{DbSelection, DbType, Finding, ReadOptions, Tree, VersionGraph};
use std::path::{Path, PathBuf};

/// How every verb that reads a tree reads it.
#[derive(Args, Debug, Clone, Default)]
pub struct TreeReadArgs {
    /// Links in the tree may lead only to files below DIR (default: the repository holding the
    /// tree, else the nearest folder above it with a LICENSE or COPYING file, else the tree)
    #[arg(long, value_name = "DIR")]
    pub link_root: Option<PathBuf>,
    /// The largest file of the tree that is read, in bytes; K, M and G multiply by 1024
    /// [default: 64M]
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_patch_size: Option<u64>,
}

impl TreeReadArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            link_root: self.link_root.clone(),
            max_file_size: self.max_patch_size,
        }
    }
}

/// `4096`, `512K`, `64M`, `1G`.
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size such as 4096, 512K, 64M or 1G"
            ))
        }
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 4096, 512K, 64M or 1G"))?;
    number
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

pub struct Loaded {
    pub tree: Tree,
    pub graph: VersionGraph,
    /// Warnings about the tree, to show with the result.
    pub warnings: Vec<String>,
}

/// Reads the tree at `dir` for `db` and refuses it (exit 2) when anything in it is an error.
pub fn load_for(dir: &Path, db: DbType, how: &TreeReadArgs) -> Result<Loaded, Failure> {
    checked(read(dir, DbSelection::One(db), how)?, dir, db)
}

/// Like [`load_for`], keeping each patch's bytes: an apply then reads every file only once.
pub fn load_for_apply(dir: &Path, db: DbType, how: &TreeReadArgs) -> Result<Loaded, Failure> {
    let tree =
        Tree::read(dir, &DbSelection::One(db), &how.options(), true).map_err(Failure::usage)?;
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
pub fn read(dir: &Path, select: DbSelection, how: &TreeReadArgs) -> Result<Loaded, Failure> {
    let tree = Tree::read(dir, &select, &how.options(), false).map_err(Failure::usage)?;
    Ok(graph(tree))
}

/// The options `govup lint` reads a tree with.
pub fn lint_options(how: &TreeReadArgs) -> ReadOptions {
    how.options()
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

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("512k"), Ok(512 * 1024));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("64MB").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999G").is_err());
    }
}
