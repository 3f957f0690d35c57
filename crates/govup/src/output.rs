//! Writing to stdout and stderr without ever failing: `println!` panics when the reader went
//! away (`| head -1`, a dropped SSH session), and a panic in the middle of an upgrade would stop
//! it between a statement and its history row. Output is a courtesy; the history is the record.

use std::io::Write;

/// Writes `text` to stdout; a closed or broken stdout (EPIPE, EIO) is ignored.
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes `text` to stderr; a closed or broken stderr is ignored.
pub fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
