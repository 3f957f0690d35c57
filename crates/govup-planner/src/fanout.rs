//! Work spread over a few threads with results in input order, so that what callers build from
//! them (a tree, its findings) is the same on any machine and with any timing.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Measured on two cores only (CI's): more threads are unproven for a scan that is mostly system
/// calls on cached files.
const MAX_THREADS: usize = 2;

/// `work` applied to every item, on up to [`MAX_THREADS`] threads (the calling one included),
/// the results in the order of `items`.
///
/// Items are handed out one at a time, so one large item does not leave the other threads idle.
/// Where the system refuses a thread, the others do its share.
pub(crate) fn map_in_order<I, O, F>(items: &[I], work: F) -> Vec<O>
where
    I: Sync,
    O: Send,
    F: Fn(&I) -> O + Sync,
{
    let threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_THREADS)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let take_items = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, work(item)));
        }
    };
    let mut results = thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| thread::Builder::new().spawn_scoped(scope, take_items).ok())
            .collect();
        let mut results = take_items();
        for helper in helpers {
            match helper.join() {
                Ok(done) => results.extend(done),
                // A panic in `work` is a bug; it surfaces as it would on one thread.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::map_in_order;

    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u64> = (0..500).collect();
        // Uneven work, so that threads finish out of order.
        let squares = map_in_order(&items, |&n| {
            if n % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            n * n
        });
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn no_items_and_one_item() {
        assert!(map_in_order(&[] as &[u8], |&b| b).is_empty());
        assert_eq!(map_in_order(&["a"], |s| s.len()), [1]);
    }
}
