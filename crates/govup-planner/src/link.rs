//! Following patch links, real and stubbed.
//!
//! Release trees link each step's patch to one shared file. On a checkout made without symlink
//! support (git's `core.symlinks=false`, archives, some copies) each link arrives as a small text
//! file holding the relative target path; the GovWay corpus is stored that way. Both forms are
//! followed, so a patch's identity is always the bytes of the file it finally names.

use std::fs::{self, FileType};
use std::io::{self, Read};
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
pub fn read_through_links(path: &Path) -> Result<Resolved, LinkError> {
    read_listed(path.to_path_buf(), None)
}

/// Like [`read_through_links`], for an entry whose type a directory listing already gave
/// (`listed`, None when it could not tell): a plain file then costs no `lstat`.
///
/// Only the first hop needs to know whether it is a symlink, and only for `linked`: after a
/// link everything is linked, and a missing or unreadable target fails the `open` exactly as it
/// would fail an `lstat`. So a plain file costs open, fstat, one read and close, about what
/// `cat` costs.
pub fn read_listed(path: PathBuf, listed: Option<FileType>) -> Result<Resolved, LinkError> {
    let mut current = path;
    let mut linked = match listed {
        Some(file_type) => file_type.is_symlink(),
        None => is_symlink(&current)?,
    };
    for _ in 0..MAX_HOPS {
        let bytes = match read_file(&current) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A symlink to nothing is reported by where it points.
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

/// Whether `path` itself is a symlink; a path that does not exist is a broken link.
fn is_symlink(path: &Path) -> Result<bool, LinkError> {
    match fs::symlink_metadata(path) {
        Ok(meta) => Ok(meta.file_type().is_symlink()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(LinkError::Broken {
            target: path.to_path_buf(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// A file's bytes, in one read when the size fstat gives is right, as it is for any file that
/// does not change while the tree is read: `fs::read` reads once more to see the end.
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size == 0 {
        // Some files report no size and still have bytes (procfs and the like).
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    let mut bytes = buffer_of(size)?;
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// A zeroed buffer of `size` bytes, or an error instead of an abort when it cannot exist.
fn buffer_of(size: u64) -> io::Result<Vec<u8>> {
    let too_large = || io::Error::new(io::ErrorKind::OutOfMemory, "file too large to read");
    let size = usize::try_from(size).map_err(|_| too_large())?;
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(size).map_err(|_| too_large())?;
    bytes.resize(size, 0);
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

    /// Everything a read gives, errors included, for comparing two ways of reading.
    fn outcome(result: Result<Resolved, LinkError>) -> String {
        format!("{result:?}")
    }

    #[cfg(unix)]
    #[test]
    fn a_listed_entry_reads_exactly_as_an_unlisted_one() {
        use std::os::unix::fs::symlink;
        let dir = std::env::temp_dir().join(format!("govup-planner-listed-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("shared")).unwrap();
        let big = vec![b'x'; 100 * 1024 + 7];
        fs::write(dir.join("shared/target.sql"), "select 1;\n").unwrap();
        fs::write(dir.join("big.sql"), &big).unwrap();
        fs::write(dir.join("empty.sql"), "").unwrap();
        fs::write(dir.join("stub.sql"), "shared/target.sql\n").unwrap();
        fs::write(dir.join("stub-to-nothing.sql"), "shared/missing.sql").unwrap();
        symlink("shared/target.sql", dir.join("link.sql")).unwrap();
        symlink("missing.sql", dir.join("dangling.sql")).unwrap();
        symlink("loop.sql", dir.join("loop.sql")).unwrap();
        fs::create_dir(dir.join("folder.sql")).unwrap();

        let mut seen = 0;
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let listed = read_listed(path.clone(), entry.file_type().ok());
            assert_eq!(outcome(listed), outcome(read_through_links(&path)));
            seen += 1;
        }
        assert_eq!(seen, 9);

        let read = |name: &str| read_through_links(&dir.join(name));
        let plain = read("big.sql").unwrap();
        assert_eq!((plain.bytes, plain.linked), (big, false));
        assert!(read("empty.sql").unwrap().bytes.is_empty());
        for linked in ["stub.sql", "link.sql"] {
            let resolved = read(linked).unwrap();
            assert!(resolved.linked, "{linked}");
            assert_eq!(resolved.bytes, b"select 1;\n");
        }
        let broken = read("dangling.sql").unwrap_err().to_string();
        assert_eq!(broken, "broken link: `missing.sql` does not exist");
        let _ = fs::remove_dir_all(&dir);
    }
}
