//! How the verbs read a tree: the options every verb shares; the reading and the refusals are
//! the planner's ([`Loaded`]).

use crate::failure::Failure;
use clap::Args;
use govup_planner::{DbSelection, DbType, LoadError, ReadOptions};
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

pub use govup_planner::Loaded;

/// Reads the tree at `dir` for `db` and refuses it (exit 2) when anything in it is an error.
pub fn load_for(dir: &Path, db: DbType, how: &TreeReadArgs) -> Result<Loaded, Failure> {
    Loaded::for_db(dir, db, &how.options(), false).map_err(load_failure)
}

/// Like [`load_for`], keeping each patch's bytes: an apply then reads every file only once.
pub fn load_for_apply(dir: &Path, db: DbType, how: &TreeReadArgs) -> Result<Loaded, Failure> {
    Loaded::for_db(dir, db, &how.options(), true).map_err(load_failure)
}

/// Every refusal of a tree is bad input: exit 2.
pub fn load_failure(e: LoadError) -> Failure {
    let details = e.details();
    Failure::usage(&e).with_details(details)
}

/// Reads the tree at `dir`; only a missing or unreadable root is an error here.
pub fn read(dir: &Path, select: DbSelection, how: &TreeReadArgs) -> Result<Loaded, Failure> {
    Loaded::read(dir, &select, &how.options(), false).map_err(Failure::usage)
}

/// The options `govup lint` reads a tree with.
pub fn lint_options(how: &TreeReadArgs) -> ReadOptions {
    how.options()
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
