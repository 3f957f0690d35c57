//! The upgrade lock: a session-level advisory lock, so it dies with the connection.
//!
//! Advisory locks are already scoped to one database, but the key still folds in the database
//! name so that it reads as govup's in `pg_locks` and cannot collide with another tool's constant
//! key. `hashtextextended` gives a full 64-bit key and, being what hash partitioning relies on,
//! does not change between server versions.

/// The 64-bit key, computed by the server from the database it is connected to.
pub const KEY_SQL: &str = "hashtextextended('govup:' || current_database(), 0)";

/// What the lock covers, one text per server and database whatever address reached them: the
/// server's start time and port tell it from any other, and advisory locks are per database.
pub const SCOPE_SQL: &str =
    "SELECT pg_postmaster_start_time()::text || ':' || current_setting('port') || '/' || current_database()";

/// Returns one row, `t` when the lock was free and is now ours, `f` when another session has it.
pub fn try_lock_sql() -> String {
    format!("SELECT pg_try_advisory_lock({KEY_SQL})")
}

/// Waits for the lock.
pub fn lock_sql() -> String {
    format!("SELECT pg_advisory_lock({KEY_SQL})")
}

/// Returns one row, `t` when this session held the lock.
pub fn unlock_sql() -> String {
    format!("SELECT pg_advisory_unlock({KEY_SQL})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_sql_uses_one_key_for_all_three_calls() {
        assert_eq!(
            try_lock_sql(),
            "SELECT pg_try_advisory_lock(hashtextextended('govup:' || current_database(), 0))"
        );
        assert_eq!(
            lock_sql(),
            "SELECT pg_advisory_lock(hashtextextended('govup:' || current_database(), 0))"
        );
        assert_eq!(
            unlock_sql(),
            "SELECT pg_advisory_unlock(hashtextextended('govup:' || current_database(), 0))"
        );
    }
}
