//! Directory listings as the tree scan needs them: sorted by name, with the type each entry
//! had in the listing, so that reading an entry rarely needs a `stat` of its own.

use std::fs::{self, FileType};
use std::path::Path;

/// A directory entry and its type as the listing gave it (None when it could not tell).
pub(crate) struct Entry {
    pub name: String,
    pub file_type: Option<FileType>,
}

pub(crate) fn sorted_entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        // Most file systems put the type in the listing; asking for it here costs no syscall
        // there, and reading an entry then needs no lstat of its own.
        let file_type = entry.file_type().ok();
        // A name that is not UTF-8 cannot be a step, patch or known file; keep it visible anyway.
        let name = entry.file_name().to_string_lossy().into_owned();
        entries.push(Entry { name, file_type });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// Whether `path` is a directory, following a symlink as `Path::is_dir` does; the listing's
/// type answers without a `stat` unless the entry is a symlink.
pub(crate) fn is_dir(path: &Path, listed: Option<FileType>) -> bool {
    match listed {
        Some(t) if !t.is_symlink() => t.is_dir(),
        _ => path.is_dir(),
    }
}

/// `dir/name`, the `/`-separated tree-relative path of an entry.
pub(crate) fn relative(dir: &str, name: &str) -> String {
    let mut rel = String::with_capacity(dir.len() + 1 + name.len());
    rel.push_str(dir);
    rel.push('/');
    rel.push_str(name);
    rel
}
