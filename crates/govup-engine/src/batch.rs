//! How many statements share a round trip, and why patches share a transaction.
//!
//! Sent one at a time, every statement costs a round trip, and an upgrade of many small patches
//! spends more time waiting on the network than the server spends working. So the executor hands
//! a driver whole runs of statements ([`crate::DriverExt::execute_many`]), and on databases whose DDL
//! commits on its own it puts consecutive patches made only of row changes in one transaction
//! (`Executor::group_len`; the dialect says what a row change is).
//! Neither changes what a failure leaves behind: the failing statement is still named exactly,
//! and a group of patches commits together with its history rows or not at all.

use std::ops::Range;

/// At most this many statements go in one round trip: a failure in a batch is found by replaying
/// it, so batches stay small enough to replay.
const MAX_STATEMENTS: usize = 1000;

/// At most this much SQL text goes in one round trip, far below the smallest default packet
/// limit of the servers (16 MiB on MariaDB).
const MAX_BYTES: usize = 1 << 20;

/// Consecutive ranges of `texts` within the limits; a statement longer than the limit alone.
pub(crate) fn chunks(texts: &[&str]) -> Vec<Range<usize>> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, text) in texts.iter().enumerate() {
        let full = i - start == MAX_STATEMENTS || bytes + text.len() > MAX_BYTES;
        if full && i > start {
            chunks.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += text.len();
    }
    if start < texts.len() {
        chunks.push(start..texts.len());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_respect_both_limits_and_keep_order() {
        let small = vec!["x"; 2500];
        assert_eq!(chunks(&small), vec![0..1000, 1000..2000, 2000..2500]);

        let half = "y".repeat(MAX_BYTES / 2 + 1);
        let texts = vec![half.as_str(), "a", half.as_str(), half.as_str()];
        assert_eq!(chunks(&texts), vec![0..2, 2..3, 3..4]);

        let huge = "z".repeat(MAX_BYTES * 2);
        assert_eq!(chunks(&["a", &huge, "b"]), vec![0..1, 1..2, 2..3]);
        assert!(chunks(&[]).is_empty());
    }
}
