//! `--lock-timeout`: a patch's DDL that waits for a lock held by live traffic gives up after the
//! timeout, runs again after a backoff where that is safe, then fails naming the statement and
//! the session it waited for. Meanwhile other sessions' reads queue behind it for no longer than
//! the timeout.

use crate::support::{Scratch, Server};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PATCH: &str = "upgrade_1.0.0_to_1.0.1/DB/2024-01-01-runtimePdD-patch.sql";

/// A one-step tree whose patch creates a table, then alters `busy` (line 2).
fn tree(db_folder: &str) -> String {
    let dir = govup_testkit::scratch_dir("lock_timeout_tree");
    let patch = dir.join(PATCH.replace("DB", db_folder));
    std::fs::create_dir_all(patch.parent().unwrap()).unwrap();
    std::fs::write(
        &patch,
        "CREATE TABLE fresh_t (a INT);\nALTER TABLE busy ADD COLUMN c2 INT;\n",
    )
    .unwrap();
    dir.display().to_string()
}

fn spawn_apply(tree: &str, url: &str, extra: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_govup"))
        .args([
            "apply", "--dir", tree, "--url", url, "--from", "1.0.0", "--to", "1.0.1",
        ])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// While `child` runs, a third session reads `busy` over and over; the longest read.
fn longest_read_while(
    db: &Scratch,
    child: std::process::Child,
) -> (std::process::Output, Duration) {
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        let url = db.url.clone();
        std::thread::spawn(move || {
            let mut conn = crate::support::connect(&url);
            let mut longest = Duration::ZERO;
            while !done.load(Ordering::SeqCst) {
                let clock = Instant::now();
                conn.query("SELECT count(*) FROM busy").unwrap();
                longest = longest.max(clock.elapsed());
                std::thread::sleep(Duration::from_millis(50));
            }
            longest
        })
    };
    let output = child.wait_with_output().unwrap();
    done.store(true, Ordering::SeqCst);
    (output, reader.join().unwrap())
}

/// A session holding `busy` in an open transaction (as a long report would), and its id as
/// the server's process list names it.
fn holder(db: &Scratch, server: Server) -> (Box<dyn govup_engine::Driver>, String) {
    let url = match server {
        Server::Postgres => format!("{}?application_name=govup_blocker", db.url),
        Server::Mysql => db.url.clone(),
    };
    let mut conn = crate::support::connect(&url);
    let id_sql = match server {
        Server::Postgres => "SELECT pg_backend_pid()",
        Server::Mysql => "SELECT CONNECTION_ID()",
    };
    let id = conn.query(id_sql).unwrap()[0][0].clone().unwrap();
    conn.execute("BEGIN").unwrap();
    conn.query("SELECT * FROM busy").unwrap();
    (conn, id)
}

fn setup(server: Server, tag: &str) -> Option<(Scratch, String)> {
    let db = Scratch::new(server, tag)?;
    let mut conn = db.conn();
    conn.execute("CREATE TABLE busy (a INT PRIMARY KEY)")
        .unwrap();
    conn.execute("INSERT INTO busy VALUES (1)").unwrap();
    let folder = match server {
        Server::Postgres => "postgresql",
        Server::Mysql => "mysql",
    };
    Some((db, tree(folder)))
}

fn gives_up_naming_the_blocker(server: Server) {
    let Some((db, tree)) = setup(server, "locktimeout_giveup") else {
        return;
    };
    let (mut hold, id) = holder(&db, server);
    let clock = Instant::now();
    let child = spawn_apply(
        &tree,
        &db.url,
        &["--lock-timeout", "1s", "--lock-retries", "2"],
    );
    let (out, longest) = longest_read_while(&db, child);
    let took = clock.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("gave up after {took:?}; longest read {longest:?}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Three attempts of 1 s and backoffs of 1 s and 2 s: 6 s, with room for a busy machine.
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(
        longest < Duration::from_secs(3),
        "a read waited {longest:?} behind the DDL"
    );
    let patch = PATCH.replace(
        "DB",
        match server {
            Server::Postgres => "postgresql",
            Server::Mysql => "mysql",
        },
    );
    assert!(stderr.contains(&format!("{patch}:2")), "{stderr}");
    assert!(
        stderr.contains("retry 1 of 2") && stderr.contains("retry 2 of 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("gave up waiting for a lock after 3 attempts of 1000 ms"),
        "{stderr}"
    );
    match server {
        Server::Postgres => {
            assert!(
                stderr.contains(&format!("blocked by pid {id} (user postgres, application govup_blocker, transaction open ")),
                "{stderr}"
            );
        }
        Server::Mysql => {
            assert!(
                stderr.contains(&format!("blocked by id {id} (user root@")),
                "{stderr}"
            );
        }
    }
    hold.execute("COMMIT").unwrap();
    let columns = "SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'c2'";
    assert_eq!(db.query(columns), ["0".to_string()].into());
    match server {
        // One transaction for the whole upgrade: nothing of it is left.
        Server::Postgres => assert_eq!(
            db.query("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('fresh_t', 'govup_history') AND table_schema = 'public'"),
            ["0".to_string()].into()
        ),
        // Each statement commits with its progress: the first ran, the second did not.
        Server::Mysql => assert_eq!(
            db.query("SELECT status, statements_done FROM govup_history"),
            ["failed | 1".to_string()].into()
        ),
    }
    // Once the report has ended, the same command applies.
    let again = spawn_apply(&tree, &db.url, &["--lock-timeout", "1s"])
        .wait_with_output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(db.query(columns), ["1".to_string()].into());
}

fn a_retry_applies_once_the_blocker_is_gone(server: Server) {
    let Some((db, tree)) = setup(server, "locktimeout_retry") else {
        return;
    };
    let (mut hold, _) = holder(&db, server);
    let child = spawn_apply(&tree, &db.url, &["--lock-timeout", "1s"]);
    std::thread::sleep(Duration::from_millis(1500));
    hold.execute("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("retry 1 of 3"), "{stderr}");
    assert_eq!(
        db.query("SELECT count(*) FROM information_schema.columns WHERE table_name = 'busy' AND column_name = 'c2'"),
        ["1".to_string()].into()
    );
}

/// Without the option the DDL waits as the server makes it wait, and nothing is retried.
fn without_the_option_it_waits(server: Server) {
    let Some((db, tree)) = setup(server, "locktimeout_none") else {
        return;
    };
    let (mut hold, _) = holder(&db, server);
    let child = spawn_apply(&tree, &db.url, &[]);
    std::thread::sleep(Duration::from_millis(2500));
    hold.execute("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("retry"), "{stderr}");
}

#[test]
fn postgres_gives_up_naming_the_blocker() {
    gives_up_naming_the_blocker(Server::Postgres);
}

#[test]
fn mysql_gives_up_naming_the_blocker() {
    gives_up_naming_the_blocker(Server::Mysql);
}

#[test]
fn postgres_retry_applies_once_the_blocker_is_gone() {
    a_retry_applies_once_the_blocker_is_gone(Server::Postgres);
}

#[test]
fn mysql_retry_applies_once_the_blocker_is_gone() {
    a_retry_applies_once_the_blocker_is_gone(Server::Mysql);
}

#[test]
fn postgres_without_lock_timeout_waits() {
    without_the_option_it_waits(Server::Postgres);
}

#[test]
fn mysql_without_lock_timeout_waits() {
    without_the_option_it_waits(Server::Mysql);
}

#[test]
fn map_lock_timeout_must_be_a_duration() {
    let map = crate::support::write_map(
        "locktimeout_map",
        "db = \"sqlite\"\nurl = \"sqlite::memory:\"\nlock_timeout = \"soon\"\n",
    );
    let run = crate::support::govup(&[
        "apply",
        "--dir",
        &crate::support::samples(),
        "--schema-map",
        &map,
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("lock_timeout: `soon` is not a duration"),
        "{}",
        run.stderr
    );
}
