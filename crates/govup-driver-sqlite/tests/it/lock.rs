use std::time::{Duration, Instant};

use govup_driver_sqlite::path_of;
use govup_engine::Driver;
use govup_engine::{Tx, Wait};

use crate::{cleanup, open, scalar, scratch_db, table_exists};

/// B's lock() fails with the busy message, naming the file, within a few seconds.
fn assert_busy(b: &mut dyn Driver, url: &str) {
    let started = Instant::now();
    let err = b.lock(Wait::Block).unwrap_err();
    let path = path_of(url).unwrap();
    assert_eq!(
        err.message,
        format!(
            "database file {} is busy: another process holds its write lock",
            path.display()
        )
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?}",
        started.elapsed()
    );
}

#[test]
fn a_held_lock_makes_another_connection_busy_until_unlocked() {
    let (dir, url) = scratch_db("sqlite_lock_busy");
    let mut a = open(&url);
    let mut b = open(&url);
    a.lock(Wait::Block).unwrap();
    assert_busy(b.as_mut(), &url);
    a.unlock().unwrap();
    b.lock(Wait::Block).unwrap();
    assert_busy(a.as_mut(), &url);
    b.unlock().unwrap();
    // Unlock is called on every exit path: a second one is harmless.
    b.unlock().unwrap();
    cleanup(&dir);
}

#[test]
fn the_lock_dies_with_the_connection() {
    let (dir, url) = scratch_db("sqlite_lock_drop");
    let mut a = open(&url);
    a.lock(Wait::Block).unwrap();
    a.transaction(Tx::Begin).unwrap();
    a.execute("CREATE TABLE t (x)").unwrap();
    drop(a);
    let mut b = open(&url);
    b.lock(Wait::Block).unwrap();
    assert!(!table_exists(b.as_mut(), "t"));
    b.unlock().unwrap();
    cleanup(&dir);
}

#[test]
fn commit_keeps_the_lock_and_publishes_the_data() {
    let (dir, url) = scratch_db("sqlite_lock_commit");
    let mut a = open(&url);
    let mut b = open(&url);
    let mut reader = open(&url);
    a.lock(Wait::Block).unwrap();
    a.transaction(Tx::Begin).unwrap();
    a.execute("CREATE TABLE t (x TEXT)").unwrap();
    a.execute("INSERT INTO t VALUES ('first')").unwrap();
    a.transaction(Tx::Commit).unwrap();
    assert_busy(b.as_mut(), &url);
    assert_eq!(
        scalar(reader.as_mut(), "SELECT x FROM t").as_deref(),
        Some("first")
    );

    // A second transaction inside the same lock.
    a.transaction(Tx::Begin).unwrap();
    a.execute("INSERT INTO t VALUES ('second')").unwrap();
    a.transaction(Tx::Commit).unwrap();
    assert_eq!(
        scalar(reader.as_mut(), "SELECT count(*) FROM t").as_deref(),
        Some("2")
    );
    assert_busy(b.as_mut(), &url);

    a.unlock().unwrap();
    b.lock(Wait::Block).unwrap();
    b.unlock().unwrap();
    assert_eq!(
        scalar(reader.as_mut(), "SELECT count(*) FROM t").as_deref(),
        Some("2")
    );
    cleanup(&dir);
}

#[test]
fn rollback_under_the_lock_leaves_nothing_and_keeps_the_lock() {
    let (dir, url) = scratch_db("sqlite_lock_rollback");
    let mut a = open(&url);
    let mut b = open(&url);
    let mut reader = open(&url);
    a.lock(Wait::Block).unwrap();
    a.transaction(Tx::Begin).unwrap();
    a.execute("CREATE TABLE t (x)").unwrap();
    a.execute("INSERT INTO t VALUES (1)").unwrap();
    a.transaction(Tx::Rollback).unwrap();
    assert!(!table_exists(a.as_mut(), "t"));
    assert!(!table_exists(reader.as_mut(), "t"));
    assert_busy(b.as_mut(), &url);

    // A failing statement followed by the engine's rollback.
    a.transaction(Tx::Begin).unwrap();
    a.execute("CREATE TABLE u (x)").unwrap();
    assert!(a.execute("INSERT INTO missing VALUES (1)").is_err());
    a.transaction(Tx::Rollback).unwrap();
    a.unlock().unwrap();
    assert!(!table_exists(reader.as_mut(), "u"));
    b.lock(Wait::Block).unwrap();
    b.unlock().unwrap();
    cleanup(&dir);
}

#[test]
fn unlock_never_commits_work_left_uncommitted() {
    let (dir, url) = scratch_db("sqlite_lock_unlock");
    let mut a = open(&url);
    a.lock(Wait::Block).unwrap();
    a.transaction(Tx::Begin).unwrap();
    a.execute("CREATE TABLE t (x)").unwrap();
    a.unlock().unwrap();
    let mut reader = open(&url);
    assert!(!table_exists(reader.as_mut(), "t"));
    assert!(!table_exists(a.as_mut(), "t"));
    cleanup(&dir);
}

#[test]
fn statements_outside_a_transaction_are_committed_at_once_under_the_lock() {
    let (dir, url) = scratch_db("sqlite_lock_autocommit");
    let mut a = open(&url);
    let mut b = open(&url);
    let mut reader = open(&url);
    a.lock(Wait::Block).unwrap();
    a.execute("CREATE TABLE t (x)").unwrap();
    assert!(table_exists(reader.as_mut(), "t"));
    assert!(a.execute("INSERT INTO missing VALUES (1)").is_err());
    assert_busy(b.as_mut(), &url);
    a.transaction(Tx::Begin).unwrap();
    a.execute("INSERT INTO t VALUES (1)").unwrap();
    a.transaction(Tx::Rollback).unwrap();
    assert!(
        table_exists(reader.as_mut(), "t"),
        "rollback must not undo earlier statements"
    );
    a.unlock().unwrap();
    assert_eq!(
        scalar(reader.as_mut(), "SELECT count(*) FROM t").as_deref(),
        Some("0")
    );
    cleanup(&dir);
}

#[test]
fn begin_commit_rollback_without_the_lock_are_plain() {
    let (dir, url) = scratch_db("sqlite_plain_tx");
    let mut a = open(&url);
    let mut b = open(&url);
    a.transaction(Tx::Begin).unwrap();
    a.execute("CREATE TABLE t (x)").unwrap();
    assert!(a.transaction(Tx::Begin).is_err(), "no nested transactions");
    a.transaction(Tx::Commit).unwrap();
    // Not locked: another connection can take the lock at once.
    b.lock(Wait::Block).unwrap();
    b.unlock().unwrap();
    assert!(table_exists(b.as_mut(), "t"));
    cleanup(&dir);
}
