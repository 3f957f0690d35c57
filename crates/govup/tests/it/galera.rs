//! Galera: the cluster-wide lock (a row of `govup_lock`, not node-local `GET_LOCK`), refusals of
//! what the cluster cannot replicate, and upgrades that survive a node's crash. Against the test
//! run's own three-node cluster (`cargo xtask test` / `cargo xtask services up`).

use crate::support::connect;
use govup_engine::Driver;
use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The cluster is shared by these tests, and some kill its nodes: one test at a time.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static CLUSTER: Mutex<()> = Mutex::new(());
    CLUSTER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A database of its own on the cluster (created through node 1, replicated to all), dropped at
/// the end; its URL on each node.
struct ClusterDb {
    name: String,
    urls: Vec<String>,
}

impl ClusterDb {
    fn new(tag: &str) -> Option<ClusterDb> {
        let nodes = govup_testkit::galera_urls()?;
        let name = govup_testkit::unique_name(tag).to_lowercase();
        let mut admin = connect(&nodes[0]);
        admin.execute(&format!("CREATE DATABASE {name}")).unwrap();
        let urls = nodes
            .iter()
            .map(|u| format!("{}/{name}", u.rsplit_once('/').unwrap().0))
            .collect();
        Some(ClusterDb { name, urls })
    }

    /// A session on node `n` (0-based) that sees every write certified before it reads.
    fn node(&self, n: usize) -> Box<dyn Driver> {
        let mut conn = connect(&self.urls[n]);
        conn.execute("SET SESSION wsrep_sync_wait = 15").unwrap();
        conn
    }

    fn rows(&self, n: usize, sql: &str) -> Vec<String> {
        self.node(n)
            .query(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| c.unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect()
    }

    /// The history, the same on every live node.
    fn same_history_on(&self, nodes: &[usize]) -> Vec<String> {
        let sql = "SELECT patch_path, status, statements_done, sha256 FROM govup_history ORDER BY patch_path";
        let first = self.rows(nodes[0], sql);
        for &n in &nodes[1..] {
            assert_eq!(
                self.rows(n, sql),
                first,
                "history of node {} differs",
                n + 1
            );
        }
        first
    }
}

impl Drop for ClusterDb {
    fn drop(&mut self) {
        for url in &self.urls {
            if let Ok(mut conn) = govup_driver_mysql::connect(url) {
                if conn
                    .execute(&format!("DROP DATABASE IF EXISTS {}", self.name))
                    .is_ok()
                {
                    return;
                }
            }
        }
    }
}

/// A tree of `steps` steps from 1.0.0, each one patch: a table, a row, a pause of `pause`
/// seconds (so that an upgrade lasts long enough to be disturbed), a column.
fn tree(tag: &str, steps: usize, pause: f64) -> String {
    let dir = govup_testkit::scratch_dir(tag);
    for i in 0..steps {
        let step = dir.join(format!("upgrade_1.0.{i}_to_1.0.{}/mysql", i + 1));
        std::fs::create_dir_all(&step).unwrap();
        std::fs::write(
            step.join(format!("2024-01-0{}-runtimePdD-patch.sql", i % 9 + 1)),
            format!(
                "CREATE TABLE t{i} (id INT PRIMARY KEY, v INT);\nINSERT INTO t{i} VALUES (1, {i});\nDO SLEEP({pause});\nALTER TABLE t{i} ADD COLUMN w INT;\n"
            ),
        )
        .unwrap();
    }
    dir.display().to_string()
}

fn apply(tree: &str, url: &str, to: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_govup"));
    cmd.args([
        "apply", "--dir", tree, "--url", url, "--from", "1.0.0", "--to", to,
    ])
    .args(extra)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    cmd
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Waits until node `n` (1-based) answers and is synced with the cluster again.
fn wait_synced(urls: &[String], n: usize) {
    let start = Instant::now();
    loop {
        let synced = govup_driver_mysql::connect(&urls[n - 1]).is_ok_and(|mut c| {
            c.query("SHOW STATUS LIKE 'wsrep_local_state_comment'")
                .is_ok_and(|r| {
                    r.first()
                        .and_then(|r| r.get(1))
                        .cloned()
                        .flatten()
                        .as_deref()
                        == Some("Synced")
                })
        });
        if synced {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "galera node {n} did not rejoin"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn two_applies_on_two_nodes_one_applies_the_other_finds_nothing_to_do() {
    let _cluster = one_at_a_time();
    // A few trials: without a cluster-wide lock both "took the lock" every time.
    for trial in 0..3 {
        let Some(db) = ClusterDb::new("galera_race") else {
            return;
        };
        let tree = tree("galera_race_tree", 3, 0.3);
        let json = ["--format", "json"];
        let a = apply(&tree, &db.urls[0], "1.0.3", &json).spawn().unwrap();
        let b = apply(&tree, &db.urls[1], "1.0.3", &json).spawn().unwrap();
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let parse = |o: &Output| -> serde_json::Value {
            assert!(o.status.success(), "trial {trial}: {}", stderr(o));
            serde_json::from_slice(&o.stdout).unwrap()
        };
        let (ja, jb) = (parse(&a), parse(&b));
        let mut applied = [
            ja["applied"].as_u64().unwrap(),
            jb["applied"].as_u64().unwrap(),
        ];
        applied.sort();
        assert_eq!(
            applied,
            [0, 3],
            "trial {trial}: exactly one applies: {ja} {jb}"
        );
        let second = if ja["applied"] == 0 {
            (&ja, &a)
        } else {
            (&jb, &b)
        };
        assert_eq!(
            second.0["already_applied"], 3,
            "trial {trial}: {}",
            second.0
        );
        assert!(
            stderr(second.1).contains("waiting for the upgrade lock"),
            "trial {trial}: {}",
            stderr(second.1)
        );
        let history = db.same_history_on(&[0, 1, 2]);
        assert_eq!(history.len(), 3, "{history:?}");
        assert!(
            history.iter().all(|r| r.contains(" | applied | 4 | ")),
            "{history:?}"
        );
        for n in 0..3 {
            assert!(
                db.rows(n, "SELECT owner FROM govup_lock").is_empty(),
                "released on every node"
            );
        }
    }
}

#[test]
fn a_stale_lock_is_taken_over_after_the_given_time_naming_its_holder() {
    let _cluster = one_at_a_time();
    let Some(db) = ClusterDb::new("galera_stale") else {
        return;
    };
    let tree = tree("galera_stale_tree", 1, 0.0);
    // A govup killed while holding the lock left its row behind.
    let mut node1 = db.node(0);
    node1.execute("CREATE TABLE govup_lock (lock_name VARCHAR(64) NOT NULL PRIMARY KEY, owner VARCHAR(255) NOT NULL, host VARCHAR(255) NOT NULL, pid BIGINT NOT NULL, acquired_at DATETIME(6) NOT NULL, heartbeat_at DATETIME(6) NOT NULL) ENGINE=InnoDB").unwrap();
    node1.execute("INSERT INTO govup_lock VALUES ('upgrade', 'ghost:4242:1', 'ghost', 4242, '2026-01-01 10:00:00', '2026-01-01 10:05:00')").unwrap();
    let clock = Instant::now();
    let out = apply(&tree, &db.urls[1], "1.0.1", &["--stale-lock-after", "2s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(clock.elapsed() < Duration::from_secs(30));
    assert!(
        stderr(&out).contains("taking over a stale govup lock: held by ghost pid 4242 since 2026-01-01T10:00:00Z, no heartbeat since 2026-01-01T10:05:00.000000Z (more than 2 s)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(db.same_history_on(&[0, 1, 2]).len(), 1);
}

#[test]
fn tables_galera_cannot_replicate_are_refused_before_anything_is_written() {
    let _cluster = one_at_a_time();
    let Some(db) = ClusterDb::new("galera_myisam") else {
        return;
    };
    let tree = tree("galera_myisam_tree", 1, 0.0);
    db.node(0)
        .execute("CREATE TABLE legacy (id INT) ENGINE=MyISAM")
        .unwrap();
    let out = apply(&tree, &db.urls[0], "1.0.1", &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Galera replicates only InnoDB tables, and legacy (MyISAM) is not: convert it to InnoDB first"),
        "{}",
        stderr(&out)
    );
    let written = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('govup_history', 'govup_lock', 't0')";
    assert!(db.rows(0, written).is_empty());
}

/// Kills node `victim` (1-based) 1.7 s into an upgrade through node `via`, and restarts it
/// after, whatever happened. Returns the upgrade's output.
fn upgrade_while_killing(db: &ClusterDb, tree: &str, via: usize, victim: usize) -> Output {
    let child = apply(tree, &db.urls[via - 1], "1.0.5", &[])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1700));
    govup_testkit::galera_kill(victim);
    let out = child.wait_with_output().unwrap();
    govup_testkit::galera_start(victim);
    out
}

#[test]
fn cluster_crashes_during_an_upgrade() {
    let _cluster = one_at_a_time();
    // One test, so that the two crashes never overlap: each needs the other two nodes.
    let Some(db) = ClusterDb::new("galera_crash") else {
        return;
    };
    let nodes = govup_testkit::galera_urls().unwrap();
    // Each patch pauses 1 s between its DDL statements, and the kill lands 1.7 s in: in the
    // second patch's pause, not in the instant between a DDL and its progress record (which
    // MySQL cannot commit together, on a cluster as on one server).
    let tree = tree("galera_crash_tree", 5, 1.0);

    // A node govup is not connected to dies: the other two still form the primary component.
    let out = upgrade_while_killing(&db, &tree, 1, 3);
    let err = stderr(&out);
    wait_synced(&nodes, 3);
    assert!(out.status.success(), "{err}");
    let history = db.same_history_on(&[0, 1, 2]);
    assert_eq!(history.len(), 5, "{history:?}");

    // The node govup is connected to dies: the run fails; the same command through another
    // node resumes, taking over the lock its heartbeat no longer refreshes.
    let db = ClusterDb::new("galera_crash2").unwrap();
    let out = upgrade_while_killing(&db, &tree, 1, 1);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let resumed = apply(&tree, &db.urls[1], "1.0.5", &["--stale-lock-after", "3s"])
        .output()
        .unwrap();
    let err = stderr(&resumed);
    wait_synced(&nodes, 1);
    assert!(resumed.status.success(), "{err}");
    assert!(
        err.contains("taking over a stale govup lock: held by "),
        "{err}"
    );
    let history = db.same_history_on(&[0, 1, 2]);
    assert_eq!(history.len(), 5, "{history:?}");
    assert!(
        history.iter().all(|r| r.contains(" | applied | 4 | ")),
        "{history:?}"
    );
    let tables: BTreeSet<String> = db
        .rows(2, "SELECT table_name FROM information_schema.columns WHERE table_schema = DATABASE() AND column_name = 'w'")
        .into_iter()
        .collect();
    assert_eq!(tables.len(), 5, "{tables:?}");
}

#[test]
fn patches_galera_cannot_replicate_are_refused_naming_the_statement() {
    let _cluster = one_at_a_time();
    let Some(db) = ClusterDb::new("galera_patches") else {
        return;
    };
    db.node(0).execute("CREATE TABLE nokey (a INT)").unwrap();
    let cases = [
        (
            "CREATE TABLE fresh (a INT PRIMARY KEY);\nCREATE TABLE old_style (a INT) ENGINE=MyISAM;\n",
            ":2: refused on mysql://root@127.0.0.1:13306/",
            "ENGINE=MYISAM: Galera replicates only InnoDB tables; use ENGINE=InnoDB",
        ),
        (
            "DELETE FROM nokey WHERE a = 1;\n",
            ":1: refused on mysql://root@127.0.0.1:13306/",
            "DELETE on table nokey, which has no primary key",
        ),
    ];
    for (i, (sql, at, why)) in cases.iter().enumerate() {
        let dir = govup_testkit::scratch_dir(&format!("galera_patches_tree{i}"));
        let step = dir.join("upgrade_1.0.0_to_1.0.1/mysql");
        std::fs::create_dir_all(&step).unwrap();
        std::fs::write(step.join("2024-01-01-runtimePdD-patch.sql"), sql).unwrap();
        let out = apply(&dir.display().to_string(), &db.urls[0], "1.0.1", &[])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("2024-01-01-runtimePdD-patch.sql{at}")),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
        let written = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('govup_history', 'fresh', 'old_style')";
        assert!(db.rows(0, written).is_empty(), "nothing is written");
    }
}

#[test]
fn a_govup_whose_lock_was_taken_over_stops() {
    let _cluster = one_at_a_time();
    let Some(db) = ClusterDb::new("galera_lost") else {
        return;
    };
    let tree = tree("galera_lost_tree", 4, 1.0);
    let child = apply(&tree, &db.urls[0], "1.0.4", &[]).spawn().unwrap();
    // Another govup that judged this one stale took the row over.
    let mut other = db.node(1);
    let start = Instant::now();
    let held = "SELECT COUNT(*) FROM information_schema.tables t JOIN govup_history h \
         WHERE t.table_schema = DATABASE() AND t.table_name = 'govup_lock'";
    while db
        .node(1)
        .query(held)
        .map_or(true, |r| r[0][0].as_deref() == Some("0"))
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the lock was never taken"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    other
        .execute("UPDATE govup_lock SET owner = 'other:1:1', host = 'other', pid = 1")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another govup took the cluster lock (govup_lock) over"),
        "{err}"
    );
    let done = db.rows(
        2,
        "SELECT COUNT(*) FROM govup_history WHERE status = 'applied'",
    );
    assert_ne!(done, ["4".to_string()], "it stopped before the end");
    // Its exit leaves the other's row alone.
    assert_eq!(
        db.rows(2, "SELECT owner FROM govup_lock"),
        ["other:1:1".to_string()]
    );
}

#[test]
fn a_session_setting_that_changes_ddl_is_refused_on_a_galera_node() {
    let _cluster = one_at_a_time();
    let Some(db) = ClusterDb::new("galera_session") else {
        return;
    };
    let tree = tree("galera_session_tree", 1, 0.0);
    let out = apply(
        &tree,
        &db.urls[0],
        "1.0.1",
        &["--session-sql", "SET SESSION innodb_strict_mode=OFF"],
    )
    .output()
    .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "session setting innodb_strict_mode would apply only to this Galera node's DDL"
        ),
        "{}",
        stderr(&out)
    );
    let written = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('govup_history', 'govup_lock', 't0')";
    assert!(db.rows(0, written).is_empty());
    // A setting that does not change DDL is not refused.
    let out = apply(
        &tree,
        &db.urls[0],
        "1.0.1",
        &["--session-sql", "SET SESSION wait_timeout = 600"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Loads one of GovWay's fresh MySQL installs through node 1. The nodes' own configuration
/// carries `innodb_strict_mode=OFF`, which GovWay's wide tables need on every node.
fn load_govway(db: &ClusterDb, fresh: &std::path::Path, version: &str) {
    let mut conn = db.node(0);
    for file in ["schema.sql", "data.sql"] {
        let path = fresh.join(version).join("mysql").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        for stmt in conn.dialect().split(&text).unwrap() {
            conn.execute(&stmt.text)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), stmt.line));
        }
    }
}

#[test]
fn govway_3_3_17_to_3_4_3_verifies_on_every_node_as_on_one_server() {
    let _cluster = one_at_a_time();
    let Some(fresh) = govup_testkit::corpus("govway-fresh") else {
        return;
    };
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let (Some(db), Some(reference)) = (
        ClusterDb::new("galera_govway"),
        ClusterDb::new("galera_govway_ref"),
    ) else {
        return;
    };
    load_govway(&db, &fresh, "3.3.17");
    load_govway(&reference, &fresh, "3.4.3");

    // Upgraded through node 2, as an operator might: the other nodes apply what it replicates.
    let tree = tree.display().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_govup"))
        .args([
            "apply",
            "--dir",
            &tree,
            "--url",
            &db.urls[1],
            "--to",
            "3.4.3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let history = db.same_history_on(&[0, 1, 2]);
    assert_eq!(
        history.len(),
        15,
        "8 patches and 7 info-patches: {history:#?}"
    );
    assert!(history.iter().all(|row| row.contains(" | applied | ")));

    // Each node's catalog equals a fresh 3.4.3 but for GovWay's own index difference, exactly
    // as on a single server (apply_mysql's test of the same upgrade).
    for n in 0..3 {
        let verify = crate::support::govup(&[
            "verify",
            "--url",
            &db.urls[n],
            "--against",
            &reference.urls[n],
            "--format",
            "json",
        ]);
        assert_eq!(verify.code, 1, "node {}: {}", n + 1, verify.stderr);
        let doc: serde_json::Value = serde_json::from_str(&verify.stdout).unwrap();
        assert_eq!(
            doc["differences"],
            serde_json::json!([
                {
                    "kind": "index",
                    "object": "users_ricerche.index_users_ricerche_1",
                    "left": "unique (id_utente, label)",
                    "right": "unique (id_utente, label, modulo, modalita_ricerca)",
                },
                {
                    "kind": "constraint",
                    "object": "users_ricerche.index_users_ricerche_1",
                    "left": "UNIQUE (id_utente, label)",
                    "right": "UNIQUE (id_utente, label, modulo, modalita_ricerca)",
                }
            ]),
            "node {}",
            n + 1
        );
    }
}
