//! The upgrade lock across sessions. Each test has its own scratch database: advisory locks are
//! per database, and the key is derived from the database name.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use govup_driver_postgres::connect;
use govup_engine::Wait;

use crate::support::{govup_lock_holders, server, ScratchDatabase};

/// How long B is given to (wrongly) get the lock while A holds it, and to get it once A let go.
const HOLD: Duration = Duration::from_millis(1500);
const RELEASE_WITHIN: Duration = Duration::from_secs(20);

#[test]
fn a_second_session_waits_until_the_first_unlocks() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "lockwait");
    let mut a = connect(&scratch.url).unwrap();
    a.lock(Wait::Block).unwrap();
    assert_eq!(govup_lock_holders(&scratch.url), 1);

    let (acquired, when) = mpsc::channel();
    let b_url = scratch.url.clone();
    let b = thread::spawn(move || {
        let mut b = connect(&b_url).unwrap();
        let result = b.lock(Wait::Block);
        acquired.send((result.clone(), Instant::now())).unwrap();
        if result.is_ok() {
            b.unlock().unwrap();
        }
    });
    // B must still be waiting while A holds the lock.
    assert!(
        when.recv_timeout(HOLD).is_err(),
        "B took the lock while A held it"
    );
    let released_at = Instant::now();
    a.unlock().unwrap();
    let (result, got_at) = when
        .recv_timeout(RELEASE_WITHIN)
        .expect("B never got the lock after A released it");
    result.unwrap();
    assert!(got_at >= released_at);
    b.join().unwrap();
    assert_eq!(govup_lock_holders(&scratch.url), 0);
}

#[test]
fn the_lock_dies_with_its_connection() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "lockdrop");
    let mut a = connect(&scratch.url).unwrap();
    a.lock(Wait::Block).unwrap();
    drop(a);
    let (done, finished) = mpsc::channel();
    let url = scratch.url.clone();
    thread::spawn(move || {
        let mut b = connect(&url).unwrap();
        let _ = done.send(b.lock(Wait::Block).and_then(|_| b.unlock()));
    });
    finished
        .recv_timeout(RELEASE_WITHIN)
        .expect("the dropped session's lock outlived it")
        .unwrap();
}

#[test]
fn locks_in_other_databases_do_not_interfere() {
    let Some(server) = server() else { return };
    let one = ScratchDatabase::new(&server, "lockone");
    let two = ScratchDatabase::new(&server, "locktwo");
    let mut a = connect(&one.url).unwrap();
    a.lock(Wait::Block).unwrap();
    let (done, finished) = mpsc::channel();
    let url = two.url.clone();
    thread::spawn(move || {
        let mut b = connect(&url).unwrap();
        let _ = done.send(b.lock(Wait::Block).and_then(|_| b.unlock()));
    });
    finished
        .recv_timeout(RELEASE_WITHIN)
        .expect("a lock in one database blocked another")
        .unwrap();
    a.unlock().unwrap();
}

#[test]
fn locking_twice_needs_one_unlock_and_unlock_without_lock_is_harmless() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "lockreent");
    let mut a = connect(&scratch.url).unwrap();
    a.unlock().unwrap();
    a.lock(Wait::Block).unwrap();
    a.lock(Wait::Block).unwrap();
    a.unlock().unwrap();
    assert_eq!(govup_lock_holders(&scratch.url), 0);
    a.unlock().unwrap();
}
