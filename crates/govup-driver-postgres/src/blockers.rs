//! Who a statement waits for. Once `lock_timeout` ends the wait, `pg_blocking_pids` of the
//! session no longer says, so a second session asks while the first one waits, a few times a
//! second, and keeps what it saw last.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use postgres::{Client, SimpleQueryMessage};

/// How often the watching session asks.
const POLL: Duration = Duration::from_millis(200);

/// The blocking sessions of `pid`, one line each.
pub fn sql(pid: &str) -> String {
    format!(
        "SELECT 'pid ' || a.pid || ' (user ' || COALESCE(a.usename::text, '?') \
         || ', application ' || COALESCE(NULLIF(a.application_name, ''), '?') \
         || ', ' || COALESCE('transaction open ' || floor(EXTRACT(EPOCH FROM now() - a.xact_start))::bigint || ' s', 'no transaction') \
         || ', ' || COALESCE(a.state, '?') || ')' \
         FROM pg_catalog.pg_stat_activity a \
         WHERE a.pid = ANY (pg_catalog.pg_blocking_pids({pid})) ORDER BY a.pid"
    )
}

/// When the blockers were last seen, and who they were.
type Sighting = Option<(Instant, Vec<String>)>;

/// The watching session and what it saw.
pub struct Watcher {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Sighting>>,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Starts watching the session whose backend is `pid`, through `client`, a session of its own.
    pub fn start(mut client: Client, pid: String) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(None));
        let (stop2, seen2) = (stop.clone(), seen.clone());
        let query = sql(&pid);
        let thread = std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                std::thread::sleep(POLL);
                let Ok(messages) = client.simple_query(&query) else {
                    // The watcher only adds detail to an error; without its session it stops.
                    return;
                };
                let rows: Vec<String> = messages
                    .iter()
                    .filter_map(|m| match m {
                        SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                        _ => None,
                    })
                    .collect();
                if !rows.is_empty() {
                    if let Ok(mut seen) = seen2.lock() {
                        *seen = Some((Instant::now(), rows));
                    }
                }
            }
        });
        Watcher {
            stop,
            seen,
            thread: Some(thread),
        }
    }

    /// The blockers seen within `recent`, the most recent sighting.
    pub fn recent(&self, recent: Duration) -> Vec<String> {
        let Ok(seen) = self.seen.lock() else {
            return vec![];
        };
        match &*seen {
            Some((at, rows)) if at.elapsed() <= recent => rows.clone(),
            _ => vec![],
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The text `lock_timeout` takes: whole milliseconds, at least one (0 would mean no timeout).
pub fn timeout_sql(timeout: Duration) -> String {
    format!(
        "SET lock_timeout = '{}ms'",
        timeout.as_millis().clamp(1, i32::MAX as u128)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_in_milliseconds_never_zero() {
        assert_eq!(
            timeout_sql(Duration::from_secs(1)),
            "SET lock_timeout = '1000ms'"
        );
        assert_eq!(
            timeout_sql(Duration::from_micros(10)),
            "SET lock_timeout = '1ms'"
        );
    }
}
