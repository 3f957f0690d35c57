//! The upgrade lock on a Galera cluster. `GET_LOCK` is node-local there: two govups on two nodes
//! would both hold "the" lock. Instead the lock is one row of a replicated InnoDB table,
//! `govup_lock`, in the connection's database: taking it is an INSERT of a fixed key, which the
//! cluster's certification lets exactly one node commit (the other gets a duplicate key, or a
//! deadlock error when both commit at once, and tries again). The holder keeps the row's
//! `heartbeat_at` fresh from a thread with its own session; a row whose heartbeat has not moved
//! for the stale-lock time is taken over, and the takeover is reported.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use govup_engine::driver::DbError;
use mysql::prelude::Queryable;
use mysql::Conn;

use crate::errors::describe;

/// The default of `--stale-lock-after`.
pub const STALE_AFTER: Duration = Duration::from_secs(60);
/// How often the holder refreshes its heartbeat; well below any sensible stale time.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// How often a waiter looks at the row again.
const POLL: Duration = Duration::from_millis(500);

/// The table that holds the cluster-wide lock row.
pub const TABLE: &str = "govup_lock";

pub const CREATE_SQL: &str = "CREATE TABLE IF NOT EXISTS govup_lock (\
     lock_name VARCHAR(64) NOT NULL PRIMARY KEY, owner VARCHAR(255) NOT NULL, \
     host VARCHAR(255) NOT NULL, pid BIGINT NOT NULL, acquired_at DATETIME(6) NOT NULL, \
     heartbeat_at DATETIME(6) NOT NULL) ENGINE=InnoDB";

/// The one key every govup inserts.
const KEY: &str = "'upgrade'";

/// Whether the server is a Galera node with replication on.
pub const DETECT_SQL: &str = "SHOW VARIABLES LIKE 'wsrep_on'";

/// Why this node must not be written to now, if it is not part of the primary component.
pub fn not_primary(status: Option<&str>, ready: Option<&str>) -> Option<String> {
    match (status, ready) {
        (Some(s), _) if !s.eq_ignore_ascii_case("Primary") => Some(format!(
            "this Galera node is not in the primary component (wsrep_cluster_status = {s}): it has lost the rest of its cluster; run govup against a node of the primary component"
        )),
        (_, Some(r)) if !r.eq_ignore_ascii_case("ON") => Some(
            "this Galera node is not ready (wsrep_ready = OFF): it is not synced with its cluster"
                .into(),
        ),
        _ => None,
    }
}

/// ERROR 1047: the node left the primary component between two statements.
pub fn is_not_prepared(message: &str) -> bool {
    message.starts_with("ERROR 1047 ")
}

/// This govup: a token no other process shares, and what the row says about it.
#[derive(Clone, Debug)]
pub struct Owner {
    pub token: String,
    pub host: String,
    pub pid: u32,
}

impl Owner {
    pub fn me() -> Owner {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown-host".into());
        let pid = std::process::id();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Owner {
            token: format!("{host}:{pid}:{nanos}"),
            host,
            pid,
        }
    }
}

fn lit(text: &str) -> String {
    use govup_sql::Dialect as _;
    govup_sql::mysql::DIALECT.quote_literal(text)
}

pub fn insert_sql(owner: &Owner) -> String {
    format!(
        "INSERT INTO govup_lock (lock_name, owner, host, pid, acquired_at, heartbeat_at) \
         VALUES ({KEY}, {}, {}, {}, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
        lit(&owner.token),
        lit(&owner.host),
        owner.pid
    )
}

pub fn heartbeat_sql(owner: &Owner) -> String {
    format!(
        "UPDATE govup_lock SET heartbeat_at = UTC_TIMESTAMP(6) WHERE lock_name = {KEY} AND owner = {}",
        lit(&owner.token)
    )
}

pub fn release_sql(owner: &Owner) -> String {
    format!(
        "DELETE FROM govup_lock WHERE lock_name = {KEY} AND owner = {}",
        lit(&owner.token)
    )
}

pub const HOLDER_SQL: &str = "SELECT owner, host, pid, \
     DATE_FORMAT(acquired_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(heartbeat_at, '%Y-%m-%dT%H:%i:%s.%fZ') \
     FROM govup_lock WHERE lock_name = 'upgrade'";

/// The row as another govup left it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub owner: String,
    pub host: String,
    pub pid: String,
    pub acquired_at: String,
    pub heartbeat_at: String,
}

impl Holder {
    pub fn from_row(row: Vec<Option<String>>) -> Holder {
        let mut cells = row.into_iter().map(Option::unwrap_or_default);
        let mut next = || cells.next().unwrap_or_default();
        Holder {
            owner: next(),
            host: next(),
            pid: next(),
            acquired_at: next(),
            heartbeat_at: next(),
        }
    }

    /// Deletes exactly this row, as it was seen: if its holder came back to life meanwhile (a
    /// new heartbeat), nothing is deleted.
    pub fn takeover_sql(&self) -> String {
        format!(
            "DELETE FROM govup_lock WHERE lock_name = {KEY} AND owner = {} \
             AND DATE_FORMAT(heartbeat_at, '%Y-%m-%dT%H:%i:%s.%fZ') = {}",
            lit(&self.owner),
            lit(&self.heartbeat_at)
        )
    }

    pub fn takeover_note(&self, stale: Duration) -> String {
        format!(
            "taking over a stale govup lock: held by {} pid {} since {}, no heartbeat since {} (more than {} s)",
            self.host,
            self.pid,
            self.acquired_at,
            self.heartbeat_at,
            stale.as_secs()
        )
    }
}

/// Watches another holder's row for staleness, by this process's clock: the row is stale once
/// its heartbeat has not changed for `stale` (so clocks of different nodes never compare).
pub struct StaleWatch {
    seen: Option<(Holder, Instant)>,
}

impl StaleWatch {
    pub fn new() -> StaleWatch {
        StaleWatch { seen: None }
    }

    /// Whether `holder` has been unchanged for `stale`.
    pub fn is_stale(&mut self, holder: &Holder, stale: Duration) -> bool {
        match &self.seen {
            Some((h, since)) if h == holder => since.elapsed() >= stale,
            _ => {
                self.seen = Some((holder.clone(), Instant::now()));
                stale.is_zero()
            }
        }
    }
}

pub const WAIT: Duration = POLL;

/// The heartbeat: a thread with its own session refreshing the row until stopped. It stops on
/// its own when the row is no longer this owner's, or its session fails.
pub struct Heartbeat {
    stop: Arc<AtomicBool>,
    /// Set when the row was no longer this owner's: another govup took it over.
    lost: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Heartbeat {
    pub fn start(mut conn: Conn, owner: &Owner) -> Heartbeat {
        let stop = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicBool::new(false));
        let (stop2, lost2) = (stop.clone(), lost.clone());
        let sql = heartbeat_sql(owner);
        let thread = std::thread::spawn(move || {
            let mut last = Instant::now();
            while !stop2.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                if last.elapsed() < HEARTBEAT {
                    continue;
                }
                last = Instant::now();
                if conn.query_drop(&sql).is_err() {
                    return;
                }
                if conn.affected_rows() == 0 {
                    lost2.store(true, Ordering::SeqCst);
                    return;
                }
            }
        });
        Heartbeat {
            stop,
            lost,
            thread: Some(thread),
        }
    }

    /// Whether another govup took the lock over (this one's heartbeat had stalled too long).
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The session the heartbeat uses: its own, so that a long statement of the upgrade never
/// delays it.
pub fn heartbeat_conn(opts: mysql::OptsBuilder, database: &str) -> Result<Conn, DbError> {
    let mut conn = Conn::new(opts).map_err(|e| {
        DbError::new(format!(
            "cannot open the lock heartbeat session: {}",
            describe(&e)
        ))
    })?;
    if !database.is_empty() {
        conn.query_drop(format!("USE `{}`", database.replace('`', "``")))
            .map_err(|e| DbError::new(describe(&e)))?;
    }
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_primary_component_is_written_to() {
        assert_eq!(not_primary(Some("Primary"), Some("ON")), None);
        let why = not_primary(Some("non-Primary"), Some("OFF")).unwrap();
        assert!(why.contains("wsrep_cluster_status = non-Primary"), "{why}");
        assert!(not_primary(Some("Primary"), Some("OFF")).is_some());
        assert!(is_not_prepared(
            "ERROR 1047 (08S01): WSREP has not yet prepared node for application use"
        ));
    }

    #[test]
    fn a_row_is_stale_only_after_it_stood_still_that_long() {
        let h = |hb: &str| Holder {
            owner: "o".into(),
            host: "h".into(),
            pid: "1".into(),
            acquired_at: "a".into(),
            heartbeat_at: hb.into(),
        };
        let mut watch = StaleWatch::new();
        let long = Duration::from_secs(3600);
        assert!(!watch.is_stale(&h("1"), long));
        assert!(!watch.is_stale(&h("1"), long));
        assert!(watch.is_stale(&h("1"), Duration::ZERO));
        // A new heartbeat starts the count again.
        assert!(!watch.is_stale(&h("2"), Duration::from_millis(1)));
    }

    #[test]
    fn takeover_deletes_only_the_row_as_seen() {
        let holder = Holder {
            owner: "gw1:42:7".into(),
            host: "gw1".into(),
            pid: "42".into(),
            acquired_at: "2026-01-01T00:00:00Z".into(),
            heartbeat_at: "2026-01-01T00:01:00.000000Z".into(),
        };
        let sql = holder.takeover_sql();
        assert!(
            sql.contains("owner = 'gw1:42:7'") && sql.contains("= '2026-01-01T00:01:00.000000Z'"),
            "{sql}"
        );
        let note = holder.takeover_note(Duration::from_secs(60));
        assert_eq!(note, "taking over a stale govup lock: held by gw1 pid 42 since 2026-01-01T00:00:00Z, no heartbeat since 2026-01-01T00:01:00.000000Z (more than 60 s)");
    }
}
