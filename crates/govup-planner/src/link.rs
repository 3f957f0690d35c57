//! Following patch links, real and stubbed, and reading only what a tree may read.
//!
//! Release trees link each step's patch to one shared file. On a checkout made without symlink
//! support (git's `core.symlinks=false`, archives, some copies) each link arrives as a small text
//! file holding the target path. Both forms are followed, so a patch's identity is always the
//! bytes of the file it finally names.
//!
//! A tree is input from whoever wrote it, so a link is followed only to a regular file, no larger
//! than a limit, below the link root (see [`find_link_root`]): a link to a FIFO would hang the
//! read, one to `/dev/zero` would fill memory, and one to `/etc/passwd` would run that file.

use std::fs::{self, File, FileType, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Links longer than this are patches, not link stubs.
const MAX_STUB_LEN: u64 = 1024;
/// Chains of links longer than this are reported as a loop.
const MAX_HOPS: usize = 16;
/// The default largest file a tree may hold: GovWay's largest patch is a few hundred KiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("broken link: `{target}` does not exist")]
    Broken { target: PathBuf },
    #[error("link loop: the links lead back to `{at}`")]
    Loop { at: PathBuf },
    #[error(
        "link leaves the link root `{root}`: it leads to `{target}` (--link-root widens the root)"
    )]
    Outside { target: PathBuf, root: PathBuf },
    #[error("`{path}` is {what}, not a regular file, and is not read")]
    NotRegular { path: PathBuf, what: &'static str },
    #[error("`{path}` is larger than {max} bytes, the limit on a file of a tree (--max-patch-size raises it)")]
    TooLarge { path: PathBuf, max: u64 },
    #[error("cannot read: {0}")]
    Io(#[from] io::Error),
}

/// A file read through its links: where the bytes came from, and the bytes.
#[derive(Debug)]
pub struct Resolved {
    /// The final file, after every link was followed (its real path when a link was followed).
    pub source: PathBuf,
    pub bytes: Vec<u8>,
    /// True when at least one link (real or stub) was followed.
    pub linked: bool,
}

/// The default link root of a tree: the nearest directory, from the tree up, that holds `.git`
/// (the repository the tree belongs to); else the nearest holding a licence file (a project's
/// source archive, where GovWay's tree links into `core/`); else the tree itself. The filesystem
/// root never counts: a marker there would open every file. `tree` should be canonical.
pub fn find_link_root(tree: &Path) -> PathBuf {
    const LICENCES: [&str; 5] = ["LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING", "LICENCE"];
    let below_root = || tree.ancestors().filter(|dir| dir.parent().is_some());
    let found = below_root()
        .find(|dir| dir.join(".git").exists())
        .or_else(|| below_root().find(|dir| LICENCES.iter().any(|l| dir.join(l).is_file())));
    found.unwrap_or(tree).to_path_buf()
}

/// Reads tree files under one link root and one size limit.
#[derive(Clone, Debug)]
pub struct Reader {
    /// Canonical: links may lead only below it.
    root: PathBuf,
    max_size: u64,
}

impl Reader {
    /// A reader confined to `root` (made canonical here, so it must exist).
    pub fn new(root: &Path, max_size: u64) -> io::Result<Reader> {
        Ok(Reader {
            root: fs::canonicalize(root)?,
            max_size,
        })
    }

    /// The canonical link root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn max_size(&self) -> u64 {
        self.max_size
    }

    /// `real` (a canonical path), or why a link may not lead there.
    pub fn check_inside(&self, real: &Path) -> Result<(), LinkError> {
        if real.starts_with(&self.root) {
            Ok(())
        } else {
            Err(LinkError::Outside {
                target: real.to_path_buf(),
                root: self.root.clone(),
            })
        }
    }

    /// Whether the link `path` leads somewhere below the root; a link to nothing or into a
    /// loop is an error.
    pub fn read_folder_link(&self, path: &Path) -> Result<(), LinkError> {
        self.resolve(path, None).map(|_| ())
    }

    /// Reads `path`, following symlinks and link stubs to the file they finally name.
    pub fn read_through_links(&self, path: &Path) -> Result<Resolved, LinkError> {
        self.read_listed(path.to_path_buf(), None)
    }

    /// Like [`Reader::read_through_links`], for an entry whose type a directory listing already
    /// gave (`listed`, None when it could not tell).
    ///
    /// The caller vouches that the directory holding `path` is below the root (the scan checks
    /// every directory it enters), so a plain file is read without resolving its path: open,
    /// fstat, one read and close, about what `cat` costs. Everything reached through a link is
    /// resolved to its real path and checked against the root first.
    pub fn read_listed(
        &self,
        path: PathBuf,
        listed: Option<FileType>,
    ) -> Result<Resolved, LinkError> {
        let mut current = path;
        let mut linked = match listed {
            Some(file_type) => file_type.is_symlink(),
            None => is_symlink(&current)?,
        };
        // The first hop is in a directory the caller placed below the root; only a link can
        // lead elsewhere.
        let mut trusted = !linked;
        // What the stub being followed says, to name a target that does not exist as written.
        let mut written: Option<PathBuf> = None;
        let mut seen: Vec<PathBuf> = Vec::new();
        for _ in 0..MAX_HOPS {
            let real = if trusted {
                current.clone()
            } else {
                let real = self.resolve(&current, written.take())?;
                if seen.contains(&real) {
                    return Err(LinkError::Loop { at: real });
                }
                seen.push(real.clone());
                real
            };
            let bytes = self.read_regular(&real)?;
            let stub = if bytes.len() as u64 > MAX_STUB_LEN {
                None
            } else {
                stub_target(&bytes)
            };
            let Some(target) = stub else {
                return Ok(Resolved {
                    source: real,
                    bytes,
                    linked,
                });
            };
            // Relative to the stub's own folder, as a symlink's target is to the link's.
            current = match real.parent() {
                Some(dir) => dir.join(target),
                None => PathBuf::from(target),
            };
            written = Some(PathBuf::from(target));
            linked = true;
            trusted = false;
        }
        Err(LinkError::Loop { at: current })
    }

    /// The real path of `path`, which must lie below the root.
    fn resolve(&self, path: &Path, written: Option<PathBuf>) -> Result<PathBuf, LinkError> {
        match fs::canonicalize(path) {
            Ok(real) => {
                self.check_inside(&real)?;
                Ok(real)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // A link to nothing is reported by where it points, as written.
                let target = fs::read_link(path)
                    .ok()
                    .or(written)
                    .unwrap_or_else(|| path.to_path_buf());
                Err(LinkError::Broken { target })
            }
            Err(e) if is_loop(&e) => Err(LinkError::Loop {
                at: path.to_path_buf(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The bytes of `path`, which must be a regular file no larger than the limit.
    ///
    /// The type is checked before the open (a FIFO would block it) and again on the open file
    /// (the path may have changed in between; the open does not block and does not follow a
    /// symlink, so what it opened is what fstat describes). At most the limit is read, whatever
    /// the size said.
    pub fn read_regular(&self, path: &Path) -> Result<Vec<u8>, LinkError> {
        let meta = fs::metadata(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => LinkError::Broken {
                target: path.to_path_buf(),
            },
            _ => e.into(),
        })?;
        self.check_regular(path, &meta)?;
        let mut file = open_nonblocking(path).map_err(|e| {
            if is_loop(&e) {
                LinkError::Loop {
                    at: path.to_path_buf(),
                }
            } else {
                e.into()
            }
        })?;
        let meta = file.metadata()?;
        self.check_regular(path, &meta)?;
        let bytes = read_at_most(&mut file, meta.len(), self.max_size)?;
        if bytes.len() as u64 > self.max_size {
            return Err(LinkError::TooLarge {
                path: path.to_path_buf(),
                max: self.max_size,
            });
        }
        Ok(bytes)
    }

    fn check_regular(&self, path: &Path, meta: &Metadata) -> Result<(), LinkError> {
        if !meta.is_file() {
            return Err(LinkError::NotRegular {
                path: path.to_path_buf(),
                what: describe(meta.file_type()),
            });
        }
        if meta.len() > self.max_size {
            return Err(LinkError::TooLarge {
                path: path.to_path_buf(),
                max: self.max_size,
            });
        }
        Ok(())
    }
}

/// What a file that is not a regular one is, for a message.
pub(crate) fn describe(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(unix)]
fn is_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ELOOP)
}

#[cfg(not(unix))]
fn is_loop(_: &io::Error) -> bool {
    false
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
/// does not change while the tree is read (`fs::read` reads once more to see the end). Never
/// more than `max + 1` bytes, so that the caller can tell a file over the limit.
fn read_at_most(file: &mut File, size: u64, max: u64) -> io::Result<Vec<u8>> {
    if size == 0 {
        // Some files report no size and still have bytes (procfs and the like).
        let mut bytes = Vec::new();
        file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    let mut bytes = buffer_of(size.min(max))?;
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

/// The path a link stub holds, if these bytes are a link stub.
///
/// A stub is one line, no spaces, no `;`, a path ending in `.sql`: no SQL statement has that
/// shape, so real patches are never mistaken for one. git writes a link to a file of the same
/// folder as a bare name (`b.sql`) and an absolute link as an absolute path; both are links,
/// and where they lead is checked like any other. A leading `@` is SQL*Plus running a script.
fn stub_target(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let is_stub = text.len() > ".sql".len()
        && text.ends_with(".sql")
        && !text.starts_with('@')
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
        assert_eq!(stub_target(b"x.sql"), Some("x.sql"));
        assert_eq!(stub_target(b"/etc/x.sql"), Some("/etc/x.sql"));
        assert_eq!(stub_target(b"select 1;"), None);
        assert_eq!(stub_target(b"DROP TABLE a/b.sql"), None);
        assert_eq!(stub_target(b"@other.sql"), None);
        assert_eq!(stub_target(b".sql"), None);
        assert_eq!(stub_target(&[0xff, b'/', b'.', b's', b'q', b'l']), None);
    }

    /// Everything a read gives, errors included, for comparing two ways of reading.
    fn outcome(result: Result<Resolved, LinkError>) -> String {
        format!("{result:?}")
    }

    /// A fresh folder for one test, canonical so that paths compare as the reader gives them.
    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("govup-planner-link-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::canonicalize(dir).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_listed_entry_reads_exactly_as_an_unlisted_one() {
        use std::os::unix::fs::symlink;
        let dir = scratch("listed");
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
        let reader = Reader::new(&dir, DEFAULT_MAX_FILE_SIZE).unwrap();

        let mut seen = 0;
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let listed = reader.read_listed(path.clone(), entry.file_type().ok());
            assert_eq!(outcome(listed), outcome(reader.read_through_links(&path)));
            seen += 1;
        }
        assert_eq!(seen, 9);

        let read = |name: &str| reader.read_through_links(&dir.join(name));
        let plain = read("big.sql").unwrap();
        assert_eq!((plain.bytes, plain.linked), (big, false));
        assert!(read("empty.sql").unwrap().bytes.is_empty());
        for linked in ["stub.sql", "link.sql"] {
            let resolved = read(linked).unwrap();
            assert!(resolved.linked, "{linked}");
            assert_eq!(resolved.bytes, b"select 1;\n");
            assert_eq!(resolved.source, dir.join("shared/target.sql"));
        }
        let broken = read("dangling.sql").unwrap_err().to_string();
        assert_eq!(broken, "broken link: `missing.sql` does not exist");
        let broken = read("stub-to-nothing.sql").unwrap_err().to_string();
        assert_eq!(broken, "broken link: `shared/missing.sql` does not exist");
        let folder = read("folder.sql").unwrap_err().to_string();
        assert!(
            folder.ends_with("folder.sql` is a directory, not a regular file, and is not read"),
            "{folder}"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_before_they_are_opened() {
        use std::os::unix::fs::symlink;
        let dir = scratch("special");
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo works");
        symlink(&fifo, dir.join("to-fifo.sql")).unwrap();
        fs::write(dir.join("stub-to-fifo.sql"), "fifo.sql").unwrap();
        symlink(&fifo, dir.join("fifo.sql")).unwrap();
        symlink("/dev/zero", dir.join("zero.sql")).unwrap();
        // Reading a FIFO with no writer would block forever: these return at once.
        let open = Reader::new(Path::new("/"), DEFAULT_MAX_FILE_SIZE).unwrap();
        for name in ["to-fifo.sql", "stub-to-fifo.sql", "fifo"] {
            let err = open.read_through_links(&dir.join(name)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "`{}` is a FIFO, not a regular file, and is not read",
                    fifo.display()
                ),
                "{name}"
            );
        }
        let err = open.read_through_links(&dir.join("zero.sql")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`/dev/zero` is a character device, not a regular file, and is not read"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_over_the_limit_is_refused_and_never_read_past_it() {
        let dir = scratch("large");
        fs::write(dir.join("big.sql"), vec![b'x'; 1001]).unwrap();
        fs::write(dir.join("fits.sql"), vec![b'x'; 1000]).unwrap();
        let reader = Reader::new(&dir, 1000).unwrap();
        assert_eq!(
            reader
                .read_through_links(&dir.join("fits.sql"))
                .unwrap()
                .bytes
                .len(),
            1000
        );
        let err = reader.read_through_links(&dir.join("big.sql")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` is larger than 1000 bytes, the limit on a file of a tree (--max-patch-size raises it)",
                dir.join("big.sql").display()
            )
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn links_that_leave_the_root_are_refused_without_reading_the_target() {
        use std::os::unix::fs::symlink;
        let dir = scratch("outside");
        let tree = dir.join("tree");
        fs::create_dir_all(&tree).unwrap();
        fs::write(dir.join("secret.sql"), "the secret\n").unwrap();
        symlink("../secret.sql", tree.join("link.sql")).unwrap();
        fs::write(tree.join("stub.sql"), "../secret.sql").unwrap();
        fs::write(
            tree.join("absolute.sql"),
            format!("{}", dir.join("secret.sql").display()),
        )
        .unwrap();
        symlink("/etc/passwd", tree.join("passwd.sql")).unwrap();
        let reader = Reader::new(&tree, DEFAULT_MAX_FILE_SIZE).unwrap();
        for name in ["link.sql", "stub.sql", "absolute.sql"] {
            let err = reader.read_through_links(&tree.join(name)).unwrap_err();
            let message = err.to_string();
            assert_eq!(
                message,
                format!(
                    "link leaves the link root `{}`: it leads to `{}` (--link-root widens the root)",
                    tree.display(),
                    dir.join("secret.sql").display()
                ),
                "{name}"
            );
            assert!(!message.contains("the secret"));
        }
        let err = reader
            .read_through_links(&tree.join("passwd.sql"))
            .unwrap_err();
        assert!(matches!(err, LinkError::Outside { .. }), "{err}");
        // The same links, with a root that holds the target, are followed.
        let wider = Reader::new(&dir, DEFAULT_MAX_FILE_SIZE).unwrap();
        for name in ["link.sql", "stub.sql", "absolute.sql"] {
            let resolved = wider.read_through_links(&tree.join(name)).unwrap();
            assert_eq!(resolved.bytes, b"the secret\n", "{name}");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn loops_of_stubs_and_of_symlinks_are_loops() {
        use std::os::unix::fs::symlink;
        let dir = scratch("loops");
        fs::write(dir.join("a.sql"), "b.sql").unwrap();
        fs::write(dir.join("b.sql"), "a.sql\n").unwrap();
        fs::write(dir.join("self.sql"), "./self.sql").unwrap();
        symlink("d.sql", dir.join("c.sql")).unwrap();
        symlink("c.sql", dir.join("d.sql")).unwrap();
        fs::write(dir.join("mixed.sql"), "c.sql").unwrap();
        let reader = Reader::new(&dir, DEFAULT_MAX_FILE_SIZE).unwrap();
        for name in ["a.sql", "b.sql", "self.sql", "c.sql", "mixed.sql"] {
            let err = reader.read_through_links(&dir.join(name)).unwrap_err();
            assert!(matches!(err, LinkError::Loop { .. }), "{name}: {err}");
            assert!(err
                .to_string()
                .starts_with("link loop: the links lead back to `"));
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_link_root_is_the_repository_else_the_project_else_the_tree() {
        let dir = scratch("root");
        let tree = dir.join("project/resources/sql_upgrade");
        fs::create_dir_all(&tree).unwrap();
        assert_eq!(find_link_root(&tree), tree);
        fs::write(dir.join("project/LICENSE"), "terms").unwrap();
        assert_eq!(find_link_root(&tree), dir.join("project"));
        fs::create_dir(dir.join(".git")).unwrap();
        assert_eq!(find_link_root(&tree), dir);
        // A worktree's `.git` is a file.
        fs::write(dir.join("project/resources/.git"), "gitdir: elsewhere").unwrap();
        assert_eq!(find_link_root(&tree), dir.join("project/resources"));
        let _ = fs::remove_dir_all(&dir);
    }
}
