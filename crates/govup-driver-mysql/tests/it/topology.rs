//! The test run's own MariaDB topologies (`cargo xtask test` starts them): the three-node Galera
//! cluster and the read-only server. These check the harness itself.

use std::time::{Duration, Instant};

use govup_driver_mysql::connect;

/// Polls `sql` on `url` until it returns `want` or 30 s pass (replication is asynchronous in
/// apply, even on Galera without `wsrep_sync_wait`).
fn eventually(url: &str, sql: &str, want: &str) -> Option<String> {
    let mut db = connect(url).unwrap();
    let start = Instant::now();
    loop {
        let got = db.query(sql).unwrap().first().and_then(|r| r[0].clone());
        if got.as_deref() == Some(want) || start.elapsed() > Duration::from_secs(30) {
            return got;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One test, because killing node 3 would break a parallel test reading it.
#[test]
fn a_write_on_galera_node_1_is_seen_on_nodes_2_and_3_also_after_node_3_is_killed_and_restarted() {
    let Some(urls) = govup_testkit::galera_urls() else {
        return;
    };
    assert_eq!(urls.len(), 3, "{urls:?}");
    let table = govup_testkit::unique_name("galera");
    let mut one = connect(&urls[0]).unwrap();
    let size = one.query("SHOW STATUS LIKE 'wsrep_cluster_size'").unwrap();
    assert_eq!(size[0][1].as_deref(), Some("3"));
    one.execute(&format!(
        "CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(10))"
    ))
    .unwrap();
    one.execute(&format!("INSERT INTO {table} VALUES (1, 'node1')"))
        .unwrap();
    for url in &urls[1..] {
        let got = eventually(url, &format!("SELECT v FROM {table} WHERE id = 1"), "node1");
        assert_eq!(got.as_deref(), Some("node1"), "{url}");
    }

    govup_testkit::galera_kill(3);
    one.execute(&format!("INSERT INTO {table} VALUES (2, 'alone')"))
        .unwrap();
    govup_testkit::galera_start(3);
    let start = Instant::now();
    let rejoined = loop {
        if let Ok(mut three) = connect(&urls[2]) {
            let state = three.query("SHOW STATUS LIKE 'wsrep_local_state_comment'");
            if state.is_ok_and(|r| r[0][1].as_deref() == Some("Synced")) {
                break true;
            }
        }
        if start.elapsed() > Duration::from_secs(120) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(rejoined, "node 3 did not rejoin within 120 s");
    let got = eventually(
        &urls[2],
        &format!("SELECT v FROM {table} WHERE id = 2"),
        "alone",
    );
    assert_eq!(got.as_deref(), Some("alone"));
    one.execute(&format!("DROP TABLE {table}")).unwrap();
}

#[test]
fn the_read_only_server_is_read_only_and_root_still_connects() {
    let Some(url) = govup_testkit::mysql_readonly_url() else {
        return;
    };
    let mut db = connect(&url).unwrap();
    let rows = db.query("SELECT @@global.read_only").unwrap();
    assert_eq!(rows[0][0].as_deref(), Some("1"));
}
