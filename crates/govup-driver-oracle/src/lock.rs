//! The upgrade lock: a `DBMS_LOCK` user lock held by the session, named after the user.
//!
//! `release_on_commit => FALSE` keeps it across the commits of a run, and Oracle drops it when
//! the session ends, so a crashed govup never leaves it behind. The name is per user rather than
//! per database so that one run holding connections as two users does not wait for itself.

use govup_engine::driver::DbError;

/// Seconds one `DBMS_LOCK.REQUEST` waits before the block asks again.
pub const REQUEST_TIMEOUT_SECS: u32 = 10;

/// The name of the bind variable through which [`lock_sql`] returns the lock handle.
pub const HANDLE_BIND: &str = "handle";

/// A PL/SQL block that waits until it holds the lock and returns its handle in `:handle`.
///
/// `ALLOCATE_UNIQUE` commits; the engine locks before it writes anything, so nothing is lost.
///
/// Its comments hold no colon: the client scans the text for bind variables.
pub fn lock_sql(timeout_secs: u32) -> String {
    format!(
        "DECLARE\n\
        \x20 h VARCHAR2(128);\n\
        \x20 rc INTEGER;\n\
        BEGIN\n\
        \x20 DBMS_LOCK.ALLOCATE_UNIQUE('govup:' || USER, h);\n\
        \x20 LOOP\n\
        \x20   rc := DBMS_LOCK.REQUEST(lockhandle => h, lockmode => DBMS_LOCK.X_MODE, timeout => {timeout_secs}, release_on_commit => FALSE);\n\
        \x20   -- 0 granted, 4 held by this session already, 1 timed out while another govup holds it\n\
        \x20   EXIT WHEN rc IN (0, 4);\n\
        \x20   IF rc <> 1 THEN\n\
        \x20     RAISE_APPLICATION_ERROR(-20001, 'DBMS_LOCK.REQUEST returned ' || rc || ' for lock govup:' || USER);\n\
        \x20   END IF;\n\
        \x20 END LOOP;\n\
        \x20 :{HANDLE_BIND} := h;\n\
        END;"
    )
}

/// A PL/SQL block that releases the lock `handle`; releasing a lock not held is no error,
/// because the engine unlocks on every exit path.
pub fn unlock_sql(handle: &str) -> String {
    format!(
        "DECLARE\n\
        \x20 rc INTEGER;\n\
        BEGIN\n\
        \x20 rc := DBMS_LOCK.RELEASE(lockhandle => '{}');\n\
        \x20 -- 0 released, 4 not held by this session\n\
        \x20 IF rc NOT IN (0, 4) THEN\n\
        \x20   RAISE_APPLICATION_ERROR(-20002, 'DBMS_LOCK.RELEASE returned ' || rc || ' for lock govup:' || USER);\n\
        \x20 END IF;\n\
        END;",
        handle.replace('\'', "''")
    )
}

/// The error of a failed lock block; a missing grant on `DBMS_LOCK` gets its remedy.
pub fn lock_error(user: &str, message: &str) -> DbError {
    let upper = message.to_ascii_uppercase();
    if upper.contains("PLS-00201") && upper.contains("DBMS_LOCK") {
        DbError::new(format!(
            "cannot take the govup lock: user {user} may not execute SYS.DBMS_LOCK (a DBA must run \
             GRANT EXECUTE ON SYS.DBMS_LOCK TO {user}): {message}"
        ))
    } else {
        DbError::new(format!(
            "cannot take the govup lock as user {user}: {message}"
        ))
    }
}

/// `DDL_LOCK_TIMEOUT` takes whole seconds, 0 to 1,000,000; 0 would mean no wait at all, so a
/// timeout below one second waits one.
pub fn timeout_sql(timeout: std::time::Duration) -> String {
    let seconds = timeout.as_secs_f64().ceil().clamp(1.0, 1_000_000.0) as u64;
    format!("ALTER SESSION SET DDL_LOCK_TIMEOUT = {seconds}")
}

/// ORA-04021 (timeout waiting for a lock) and ORA-00054 (resource busy, NOWAIT or timeout):
/// a DDL statement that failed so did nothing, and Oracle committed before it started.
pub fn lock_wait(
    error: &govup_engine::driver::DbError,
    statement: &str,
) -> Option<govup_engine::driver::LockWait> {
    use govup_engine::driver::Dialect as _;
    let m = &error.message;
    if !(m.contains("ORA-04021") || m.contains("ORA-00054")) {
        return None;
    }
    Some(govup_engine::driver::LockWait {
        retryable: !govup_sql::oracle::DIALECT.is_row_change(statement),
        blockers: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_block_is_exact() {
        assert_eq!(
            lock_sql(10),
            "DECLARE
  h VARCHAR2(128);
  rc INTEGER;
BEGIN
  DBMS_LOCK.ALLOCATE_UNIQUE('govup:' || USER, h);
  LOOP
    rc := DBMS_LOCK.REQUEST(lockhandle => h, lockmode => DBMS_LOCK.X_MODE, timeout => 10, release_on_commit => FALSE);
    -- 0 granted, 4 held by this session already, 1 timed out while another govup holds it
    EXIT WHEN rc IN (0, 4);
    IF rc <> 1 THEN
      RAISE_APPLICATION_ERROR(-20001, 'DBMS_LOCK.REQUEST returned ' || rc || ' for lock govup:' || USER);
    END IF;
  END LOOP;
  :handle := h;
END;"
        );
    }

    #[test]
    fn lock_block_uses_the_timeout_and_splits_as_one_block() {
        let sql = lock_sql(3);
        assert!(sql.contains("timeout => 3,"));
        let stmts = govup_sql::oracle::split(&format!("{sql}\n/\n")).unwrap();
        assert_eq!(stmts.len(), 1);
        assert_eq!(stmts[0].text, sql);
    }

    #[test]
    fn unlock_block_is_exact() {
        assert_eq!(
            unlock_sql("10737418241073741824185"),
            "DECLARE
  rc INTEGER;
BEGIN
  rc := DBMS_LOCK.RELEASE(lockhandle => '10737418241073741824185');
  -- 0 released, 4 not held by this session
  IF rc NOT IN (0, 4) THEN
    RAISE_APPLICATION_ERROR(-20002, 'DBMS_LOCK.RELEASE returned ' || rc || ' for lock govup:' || USER);
  END IF;
END;"
        );
    }

    #[test]
    fn unlock_block_quotes_the_handle() {
        assert!(unlock_sql("a'b").contains("lockhandle => 'a''b'"));
    }

    #[test]
    fn missing_grant_names_the_remedy() {
        let message = "ORA-06550: line 5, column 3:\nPLS-00201: identifier 'DBMS_LOCK' must be declared\nORA-06550: line 5, column 3:\nPL/SQL: Statement ignored";
        let e = lock_error("GOVWAY", message);
        assert!(!e.message.contains('\n'));
        assert!(e.message.starts_with(
            "cannot take the govup lock: user GOVWAY may not execute SYS.DBMS_LOCK (a DBA must run GRANT EXECUTE ON SYS.DBMS_LOCK TO GOVWAY): ORA-06550: line 5"
        ));
        assert!(e.message.contains("PLS-00201"));
    }

    #[test]
    fn other_lock_errors_keep_their_message() {
        let e = lock_error(
            "GOVWAY",
            "ORA-20001: DBMS_LOCK.REQUEST returned 2 for lock govup:GOVWAY",
        );
        assert_eq!(
            e.message,
            "cannot take the govup lock as user GOVWAY: ORA-20001: DBMS_LOCK.REQUEST returned 2 for lock govup:GOVWAY"
        );
    }

    #[test]
    fn ddl_lock_timeout_in_whole_seconds() {
        let t = |ms| timeout_sql(std::time::Duration::from_millis(ms));
        assert_eq!(t(1000), "ALTER SESSION SET DDL_LOCK_TIMEOUT = 1");
        assert_eq!(t(200), "ALTER SESSION SET DDL_LOCK_TIMEOUT = 1");
        assert_eq!(t(2500), "ALTER SESSION SET DDL_LOCK_TIMEOUT = 3");
    }

    #[test]
    fn ddl_that_timed_out_may_run_again() {
        use govup_engine::driver::DbError;
        let e = DbError::new("ORA-04021: timeout occurred while waiting to lock object");
        assert!(
            lock_wait(&e, "ALTER TABLE t ADD c NUMBER")
                .unwrap()
                .retryable
        );
        assert!(!lock_wait(&e, "UPDATE t SET c = 1").unwrap().retryable);
        let other = DbError::new("ORA-00942: table or view does not exist");
        assert!(lock_wait(&other, "DROP TABLE t").is_none());
    }
}
