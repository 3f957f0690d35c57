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
}
