//! Following patch links, real and stubbed.
//!
//! Release trees link each step's patch to one shared file. On a checkout made without symlink
//! support (git's `core.symlinks=false`, archives, some copies) each link arrives as a small text
//! file holding the relative target path; the GovWay corpus is stored that way. Both forms are
//! followed, so a patch's identity is always the bytes of the file it finally names.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Links longer than this are patches, not link stubs.
const MAX_STUB_LEN: u64 = 1024;
/// Chains of links longer than this are reported as a loop.
const MAX_HOPS: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("broken link: `{target}` does not exist")]
    Broken { target: PathBuf },
    #[error("link loop: more than {MAX_HOPS} links in a row")]
    Loop,
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
}

/// A file read through its links: where the bytes came from, and the bytes.
#[derive(Debug)]
pub struct Resolved {
    /// The final file, after every link was followed.
    pub source: PathBuf,
    pub bytes: Vec<u8>,
    /// True when at least one link (real or stub) was followed.
    pub linked: bool,
}

/// Reads `path`, following symlinks and link stubs to the file they finally name.
///
/// Each hop costs one `lstat` (a symlink? how long?) and one read: a plain file is read into a
/// buffer of the size `lstat` gave, without the `stat` that `fs::read` adds, so a tree costs
/// about what `cat` of its files costs.
pub fn read_through_links(path: &Path) -> Result<Resolved, LinkError> {
    let mut current = path.to_path_buf();
    let mut linked = false;
    for _ in 0..MAX_HOPS {
        let size = match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                linked = true;
                None
            }
            Ok(meta) => Some(meta.len()),
            // A stub naming a missing file arrives here on the next hop.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(LinkError::Broken { target: current });
            }
            Err(e) => return Err(e.into()),
        };
        let bytes = match read_file(&current, size) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let target = fs::read_link(&current).unwrap_or_else(|_| current.clone());
                return Err(LinkError::Broken { target });
            }
            Err(e) => return Err(e.into()),
        };
        let stub = if bytes.len() as u64 > MAX_STUB_LEN {
            None
        } else {
            stub_target(&bytes)
        };
        let Some(target) = stub else {
            return Ok(Resolved {
                source: current,
                bytes,
                linked,
            });
        };
        current = current.parent().unwrap_or(Path::new(".")).join(target);
        linked = true;
    }
    Err(LinkError::Loop)
}

/// A file's bytes; when its size is known, without the `stat` that `fs::read` makes first.
fn read_file(path: &Path, size: Option<u64>) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let Some(size) = size else {
        return fs::read(path);
    };
    let capacity = usize::try_from(size).unwrap_or(0).saturating_add(1);
    let mut bytes = Vec::with_capacity(capacity);
    // `File::read_to_end` would stat the file again for a size hint; `Take` does not.
    fs::File::open(path)?
        .take(u64::MAX)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The relative path a link stub holds, if these bytes are a link stub.
///
/// A stub is one line, no spaces, a relative path with a `/` that ends in `.sql`: no SQL
/// statement has that shape, so real patches are never mistaken for one.
fn stub_target(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let is_stub = text.contains('/')
        && text.ends_with(".sql")
        && !text.starts_with('/')
        && !text.contains(';')
        && !text.chars().any(char::is_whitespace);
    is_stub.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stub_shapes() {
        assert_eq!(
            stub_target(b"../../p/2025-08-05-patch.sql"),
            Some("../../p/2025-08-05-patch.sql")
        );
        assert_eq!(stub_target(b"../x.sql\n"), Some("../x.sql"));
        assert_eq!(stub_target(b"select 1;"), None);
        assert_eq!(stub_target(b"/etc/x.sql"), None);
        assert_eq!(stub_target(b"DROP TABLE a/b.sql"), None);
        assert_eq!(stub_target(b"x.sql"), None);
        assert_eq!(stub_target(&[0xff, b'/', b'.', b's', b'q', b'l']), None);
    }
}
