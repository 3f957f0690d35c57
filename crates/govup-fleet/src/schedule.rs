//! Who runs when: canaries one at a time, then up to `jobs` at once, and the stop rule.
//!
//! The rule: any failure among the canaries stops the fleet, `keep_going` or not. After a
//! failure elsewhere no installation starts unless `keep_going`; the running ones finish. A stop
//! request (SIGINT, SIGTERM) also stops new starts. Starting and recording a failure happen under
//! one lock, so "no start after a failure" holds exactly, not just almost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    /// At most this many at once after the canaries (at least 1).
    pub jobs: usize,
    /// The first this many run one at a time, before any other.
    pub canary: usize,
    pub keep_going: bool,
}

/// Runs `work` on each item as `schedule` says; `failed` tells a failure from a success.
/// Returns one slot per item, in item order: None for an item that never started.
pub fn run_all<T: Sync, R: Send>(
    items: &[T],
    schedule: &Schedule,
    stop: Option<&AtomicBool>,
    work: impl Fn(usize, &T) -> R + Sync,
    failed: impl Fn(&R) -> bool + Sync,
) -> Vec<Option<R>> {
    let stopped = || stop.is_some_and(|s| s.load(Ordering::SeqCst));
    let mut results: Vec<Option<R>> = items.iter().map(|_| None).collect();
    let canaries = schedule.canary.min(items.len());
    for (i, item) in items.iter().enumerate().take(canaries) {
        if stopped() {
            return results;
        }
        let r = work(i, item);
        let bad = failed(&r);
        results[i] = Some(r);
        if bad {
            return results;
        }
    }
    let state = Mutex::new(Gate {
        next: canaries,
        halted: false,
    });
    let slots: Vec<Mutex<Option<R>>> = (canaries..items.len()).map(|_| Mutex::new(None)).collect();
    let workers = schedule.jobs.max(1).min(items.len() - canaries);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = {
                    let mut gate = state.lock().unwrap_or_else(|e| e.into_inner());
                    if gate.halted || gate.next >= items.len() || stopped() {
                        return;
                    }
                    gate.next += 1;
                    gate.next - 1
                };
                let r = work(i, &items[i]);
                if failed(&r) && !schedule.keep_going {
                    state.lock().unwrap_or_else(|e| e.into_inner()).halted = true;
                }
                *slots[i - canaries]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    for (i, slot) in slots.into_iter().enumerate() {
        results[canaries + i] = slot.into_inner().unwrap_or_else(|e| e.into_inner());
    }
    results
}

struct Gate {
    next: usize,
    halted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A fake fleet: item `i` fails when `fails(i)`; records the order of starts and ends.
    struct Fake {
        clock: AtomicUsize,
        running: AtomicUsize,
        max_running: AtomicUsize,
        events: Mutex<Vec<(usize, &'static str, usize)>>,
    }

    impl Fake {
        fn new() -> Fake {
            Fake {
                clock: AtomicUsize::new(0),
                running: AtomicUsize::new(0),
                max_running: AtomicUsize::new(0),
                events: Mutex::new(Vec::new()),
            }
        }

        fn run(
            &self,
            n: usize,
            schedule: Schedule,
            fails: impl Fn(usize) -> bool + Sync,
        ) -> Vec<Option<bool>> {
            let items: Vec<usize> = (0..n).collect();
            run_all(
                &items,
                &schedule,
                None,
                |i, _| {
                    let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                    self.max_running.fetch_max(now, Ordering::SeqCst);
                    let t = self.clock.fetch_add(1, Ordering::SeqCst);
                    self.events.lock().unwrap().push((t, "start", i));
                    std::thread::yield_now();
                    let ok = !fails(i);
                    let t = self.clock.fetch_add(1, Ordering::SeqCst);
                    self.events.lock().unwrap().push((t, "end", i));
                    self.running.fetch_sub(1, Ordering::SeqCst);
                    ok
                },
                |ok| !ok,
            )
        }

        fn time(&self, what: &str, item: usize) -> usize {
            self.events
                .lock()
                .unwrap()
                .iter()
                .find(|(_, w, i)| *w == what && *i == item)
                .map(|(t, _, _)| *t)
                .unwrap()
        }
    }

    fn schedule(jobs: usize, canary: usize, keep_going: bool) -> Schedule {
        Schedule {
            jobs,
            canary,
            keep_going,
        }
    }

    #[test]
    fn all_succeed_and_jobs_bound_the_parallelism() {
        let fake = Fake::new();
        let got = fake.run(40, schedule(4, 2, false), |_| false);
        assert!(got.iter().all(|r| *r == Some(true)));
        assert!(fake.max_running.load(Ordering::SeqCst) <= 4);
    }

    #[test]
    fn a_failure_stops_new_starts_and_the_running_finish() {
        let fake = Fake::new();
        let got = fake.run(30, schedule(1, 0, false), |i| i == 3);
        assert_eq!(
            &got[..5],
            [Some(true), Some(true), Some(true), Some(false), None]
        );
        assert!(got[4..].iter().all(Option::is_none));

        // In parallel: nothing starts after the failure ended, and whatever started ended.
        let fake = Fake::new();
        let got = fake.run(200, schedule(6, 0, false), |i| i == 20);
        let failed_at = fake.time("end", 20);
        for (i, r) in got.iter().enumerate() {
            if r.is_some() {
                assert!(
                    fake.time("start", i) < failed_at,
                    "{i} started after the failure"
                );
            }
        }
        assert!(got.iter().any(Option::is_none), "the fleet stopped");
    }

    #[test]
    fn keep_going_runs_everything_after_a_failure() {
        let fake = Fake::new();
        let got = fake.run(30, schedule(3, 1, true), |i| i == 4 || i == 17);
        assert!(got.iter().all(Option::is_some));
        assert_eq!(got.iter().filter(|r| **r == Some(false)).count(), 2);
    }

    #[test]
    fn canaries_run_alone_first_and_their_failure_stops_even_keep_going() {
        let fake = Fake::new();
        let got = fake.run(20, schedule(8, 3, true), |i| i == 1);
        assert_eq!(&got[..3], [Some(true), Some(false), None]);
        assert!(got[2..].iter().all(Option::is_none));
        assert_eq!(fake.max_running.load(Ordering::SeqCst), 1);

        // Canaries end before any other starts, and one at a time.
        let fake = Fake::new();
        fake.run(20, schedule(8, 3, false), |_| false);
        for c in 0..3 {
            for other in c + 1..20 {
                assert!(fake.time("end", c) < fake.time("start", other));
            }
        }
    }

    #[test]
    fn more_canaries_than_items_and_a_stop_request() {
        let fake = Fake::new();
        let got = fake.run(2, schedule(4, 5, false), |_| false);
        assert_eq!(got, [Some(true), Some(true)]);

        let stop = AtomicBool::new(true);
        let got = run_all(
            &[1, 2, 3],
            &schedule(2, 1, true),
            Some(&stop),
            |_, _| (),
            |_| false,
        );
        assert!(got.iter().all(Option::is_none));
    }
}
