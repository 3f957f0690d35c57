//! The upgrade lock: a MySQL user-level lock (`GET_LOCK`), which belongs to the session and is
//! released by the server when the connection ends, however it ends.

/// How long one `GET_LOCK` call waits before the next try. The wait as a whole is unbounded:
/// a second govup waits for the first to finish.
pub const WAIT_SECONDS: u32 = 10;

/// The server as it names itself, whatever address reached it, and the connection's database:
/// with [`lock_name`], what one lock covers (`GET_LOCK` names are server-wide).
pub const SCOPE_SQL: &str = "SELECT CONCAT(@@hostname, ':', @@port), DATABASE()";

/// User-level lock names are limited to 64 characters.
const MAX_NAME: usize = 64;

/// `govup:<database>`: one upgrade at a time per database, whatever the connection. Names too
/// long for the server keep a readable prefix and end with a hash of the whole database name.
pub fn lock_name(database: &str) -> String {
    let name = format!("govup:{database}");
    if name.chars().count() <= MAX_NAME {
        return name;
    }
    let prefix: String = database.chars().take(40).collect();
    format!("govup:{prefix}:{:016x}", fnv1a(database.as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `lock_wait_timeout` (metadata locks: what DDL waits for) and `innodb_lock_wait_timeout`
/// (row locks), for this session, in whole seconds, at least one.
pub fn timeout_sql(timeout: std::time::Duration) -> String {
    let seconds = timeout.as_secs_f64().ceil().clamp(1.0, 31_536_000.0) as u64;
    format!(
        "SET SESSION lock_wait_timeout = {seconds}, SESSION innodb_lock_wait_timeout = {}",
        seconds.min(1_073_741_824)
    )
}

/// ER_LOCK_WAIT_TIMEOUT: a metadata lock (DDL) or a row lock waited too long.
pub fn is_lock_wait_timeout(message: &str) -> bool {
    message.starts_with("ERROR 1205 ")
}

/// Who holds what a statement waited for, as far as the server tells without
/// performance_schema: the other sessions on this database with an open transaction (a
/// transaction holds the metadata locks of every table it touched until it ends), oldest first,
/// leaving out those that are themselves waiting for a lock.
pub const BLOCKERS_SQL: &str = "SELECT CONCAT('id ', p.ID, ' (user ', p.USER, '@', p.HOST, \
     ', transaction open ', TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), ' s, ', p.COMMAND, ')') \
     FROM information_schema.INNODB_TRX t \
     JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id \
     WHERE p.ID <> CONNECTION_ID() AND p.DB = DATABASE() \
     AND COALESCE(p.STATE, '') NOT LIKE 'Waiting for%' AND t.trx_state <> 'LOCK WAIT' \
     ORDER BY t.trx_started, p.ID";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_readable() {
        assert_eq!(lock_name("govway"), "govup:govway");
        assert_eq!(lock_name(""), "govup:");
    }

    #[test]
    fn long_names_fit_and_stay_distinct() {
        let a = lock_name(&"x".repeat(64));
        let b = lock_name(&format!("{}y", "x".repeat(63)));
        assert!(a.chars().count() <= MAX_NAME, "{a}");
        assert!(a.starts_with("govup:xxxx"));
        assert_ne!(a, b);
        let c = lock_name(&"è".repeat(64));
        assert!(c.chars().count() <= MAX_NAME, "{c}");
    }

    #[test]
    fn lock_timeouts_in_whole_seconds() {
        let t = |ms| timeout_sql(std::time::Duration::from_millis(ms));
        assert_eq!(
            t(1000),
            "SET SESSION lock_wait_timeout = 1, SESSION innodb_lock_wait_timeout = 1"
        );
        assert_eq!(
            t(1500),
            "SET SESSION lock_wait_timeout = 2, SESSION innodb_lock_wait_timeout = 2"
        );
        assert!(t(10).contains("lock_wait_timeout = 1,"));
    }

    #[test]
    fn lock_wait_timeouts_are_told_apart() {
        assert!(is_lock_wait_timeout(
            "ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction"
        ));
        assert!(!is_lock_wait_timeout(
            "ERROR 1050 (42S01): Table 'x' already exists"
        ));
    }
}
