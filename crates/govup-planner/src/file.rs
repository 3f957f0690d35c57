//! Reading one file that must be a regular file: a map, an inventory, a password file, an
//! install script. The tree scan has its own reader ([`crate::link::Reader`]) because it also
//! follows link stubs and keeps links inside a root; what both share is the rule that a FIFO is
//! never opened in a way that blocks and a device is never read.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` (following symlinks) only if it is a regular file, with the metadata of the
/// file actually opened. The open does not block on a FIFO, and the type is checked again on
/// the open file, since the path may have changed in between.
pub fn open_regular(path: &Path) -> io::Result<(File, Metadata)> {
    let before = std::fs::metadata(path)?;
    if !before.is_file() {
        return Err(not_regular(&before));
    }
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    Ok((file, meta))
}

/// The bytes of the regular file `path`, refused when it holds more than `max` bytes.
pub fn read_regular(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let (file, _) = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path, max: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, max)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn not_regular(meta: &Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "not a regular file but {}",
            crate::link::describe(meta.file_type())
        ),
    )
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = std::env::temp_dir().join(format!("govup_file_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("map.toml");
        std::fs::write(&text, "db = \"sqlite\"\n").unwrap();
        assert_eq!(read_regular_text(&text, 100).unwrap(), "db = \"sqlite\"\n");
        let err = read_regular(&text, 4).unwrap_err();
        assert_eq!(err.to_string(), "larger than 4 bytes");
        let err = read_regular(&dir, 100).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file but a directory");
        #[cfg(unix)]
        {
            let err = read_regular(Path::new("/dev/zero"), 100).unwrap_err();
            assert_eq!(err.to_string(), "not a regular file but a character device");
            let fifo = dir.join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            // Returns at once: nothing opens the FIFO for reading.
            let err = read_regular(&fifo, 100).unwrap_err();
            assert_eq!(err.to_string(), "not a regular file but a FIFO");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
