//! `govup plan --impact` against real PostgreSQL and MariaDB catalogs: a small table, a table of
//! 200,000 rows whose index build crosses a lowered threshold, and a table the upgrade creates.

use crate::support::{govup, json, Scratch, Server};
use std::path::Path;

/// One step whose patch builds an index on `big`, adds a column to `small` and creates a table;
/// its info-patch updates a row of `small`.
fn tree(root: &Path) {
    let step = root.join("upgrade_1.0.0_to_1.0.1");
    let patch = "CREATE INDEX big_a ON big (a);\nALTER TABLE small ADD COLUMN c INT;\nCREATE TABLE fresh_t (id INT);\n";
    for db in ["postgresql", "mysql"] {
        std::fs::create_dir_all(step.join(db)).unwrap();
        std::fs::write(
            step.join(db).join("2024-01-01-configurazionePdD-patch.sql"),
            patch,
        )
        .unwrap();
    }
    std::fs::write(
        step.join("info-patch.sql"),
        "UPDATE small SET note = '[1.0.1]' WHERE id = 1;\n",
    )
    .unwrap();
}

fn check(
    db: &Scratch,
    kind: &str,
    lock_index: &str,
    blocks_index: &str,
    lock_add: &str,
    blocks_add: &str,
) {
    let root = govup_testkit::scratch_dir("impact_tree");
    tree(&root);
    let dir = root.display().to_string();
    let args = [
        "plan",
        "--impact",
        "--dir",
        &dir,
        "--url",
        &db.url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
        "--impact-threshold",
        "1ms",
        "--format",
        "json",
    ];
    let v = json(&govup(&args));
    assert_eq!(v["format"], "govup-impact/1");
    let st = v["statements"].as_array().unwrap();
    let summary: Vec<(String, u64, String, String, String, String)> = st
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["line"].as_u64().unwrap(),
                s["kind"].as_str().unwrap().to_string(),
                s["lock"].as_str().unwrap().to_string(),
                s["blocks"].as_str().unwrap().to_string(),
                s["rewrite"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let patch = format!("upgrade_1.0.0_to_1.0.1/{kind}/2024-01-01-configurazionePdD-patch.sql");
    let s = |p: &str, l, k: &str, lock: &str, b: &str, r: &str| {
        (
            p.to_string(),
            l,
            k.to_string(),
            lock.to_string(),
            b.to_string(),
            r.to_string(),
        )
    };
    assert_eq!(
        summary,
        [
            s(&patch, 1, "create index", lock_index, blocks_index, "scan"),
            s(&patch, 2, "add column", lock_add, blocks_add, "no"),
            s(&patch, 3, "create table", "none", "none", "no"),
            s(
                "upgrade_1.0.0_to_1.0.1/info-patch.sql",
                1,
                "row change",
                if kind == "mysql" {
                    "row locks"
                } else {
                    "ROW EXCLUSIVE"
                },
                "none",
                "scan"
            ),
        ]
    );
    // Live sizes: the row estimates of the catalog (InnoDB's is a sample).
    let big = &st[0]["tables"][0];
    assert_eq!(big["name"], "big");
    let rows = big["rows"].as_u64().unwrap();
    assert!((100_000..=400_000).contains(&rows), "{rows}");
    assert!(big["bytes"].as_u64().unwrap() > 5_000_000, "{big}");
    assert_eq!(st[1]["tables"][0]["rows"], 3);
    // A table the upgrade creates has no size yet.
    assert_eq!(
        st[2]["tables"][0],
        serde_json::json!({"name": "fresh_t", "rows": null, "bytes": null})
    );
    // Only the index build on 200,000 rows crosses 1 ms; metadata changes cost nothing.
    assert!(st[0]["estimate_ms"].as_u64().unwrap() >= 2, "{}", st[0]);
    assert_eq!(st[1]["estimate_ms"], 0);
    assert_eq!(st[2]["estimate_ms"], 0);
    let total: u64 = st.iter().map(|s| s["estimate_ms"].as_u64().unwrap()).sum();
    assert_eq!(v["total_estimate_ms"], total);
    assert_eq!(v["steps"][0]["dir"], "upgrade_1.0.0_to_1.0.1");
    assert_eq!(v["steps"][0]["estimate_ms"], total);
    let warnings = v["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{patch}:1: create index estimated at ")),
        "{}",
        warnings[0]
    );
    assert_eq!(v["probes"][0]["table"], "big");
    // Nothing was written: no history table, no new table, no index.
    let mut conn = db.conn();
    let tables = conn
        .query(&match kind {
            "mysql" => format!("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{}' AND TABLE_NAME IN ('govup_history', 'fresh_t')", db.name),
            _ => "SELECT COUNT(*) FROM pg_tables WHERE tablename IN ('govup_history', 'fresh_t')".to_string(),
        })
        .unwrap();
    assert_eq!(tables[0][0].as_deref(), Some("0"));

    // The table form, with a threshold no statement here can cross: no warning.
    let run = govup(&[
        "plan",
        "--impact",
        "--dir",
        &dir,
        "--url",
        &db.url,
        "--to",
        "1.0.1",
        "--from",
        "1.0.0",
        "--impact-threshold",
        "1h",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("create index  big ("), "{}", run.stdout);
    assert!(!run.stdout.contains("warning:"), "{}", run.stdout);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn postgres_impact_reads_the_live_catalog() {
    let Some(db) = Scratch::new(Server::Postgres, "impact_pg") else {
        return;
    };
    let mut conn = db.conn();
    for sql in [
        "CREATE TABLE big AS SELECT g AS id, g % 1000 AS a, md5(g::text) AS pad FROM generate_series(1, 200000) g",
        "CREATE TABLE small (id INT, note TEXT)",
        "INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        "ANALYZE big",
        "ANALYZE small",
    ] {
        conn.execute(sql).unwrap();
    }
    check(
        &db,
        "postgresql",
        "SHARE",
        "writes",
        "ACCESS EXCLUSIVE",
        "reads+writes",
    );
}

#[test]
fn mariadb_impact_reads_the_live_catalog() {
    let Some(db) = Scratch::new(Server::Mysql, "impact_my") else {
        return;
    };
    let mut conn = db.conn();
    // Doubling a table 18 times from 1 row gives 262,144 rows; cut to 200,000.
    let mut setup = vec![
        "CREATE TABLE big (id BIGINT AUTO_INCREMENT PRIMARY KEY, a INT, pad VARCHAR(40)) ENGINE=InnoDB".to_string(),
        "INSERT INTO big (a, pad) VALUES (1, md5(1))".to_string(),
    ];
    for _ in 0..18 {
        setup.push("INSERT INTO big (a, pad) SELECT id % 1000, md5(id) FROM big".into());
    }
    setup.extend([
        "DELETE FROM big WHERE id > 200000".to_string(),
        "CREATE TABLE small (id INT, note TEXT) ENGINE=InnoDB".into(),
        "INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c')".into(),
        "ANALYZE TABLE big, small".into(),
    ]);
    for sql in &setup {
        conn.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    check(
        &db,
        "mysql",
        "INPLACE, LOCK=NONE",
        "none",
        "INSTANT",
        "none",
    );
}

#[test]
fn without_impact_plan_reads_no_database_and_needs_from() {
    let samples = crate::support::samples();
    let run = govup(&[
        "plan", "--dir", &samples, "--db", "sqlite", "--from", "auto", "--to", "latest",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: `govup plan` needs --from VERSION; only --impact reads the start version from the database\n"
    );
    let run = govup(&[
        "plan",
        "--dir",
        &samples,
        "--db",
        "sqlite",
        "--from",
        "1.0.0",
        "--to",
        "latest",
        "--url",
        "sqlite:x.db",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--impact"), "{}", run.stderr);
}

#[test]
fn sqlite_has_no_catalog_sizes_and_says_the_throughput_is_assumed() {
    let (url, _dir) = crate::support::sqlite_scratch("impact_sqlite");
    let samples = crate::support::samples();
    let run = govup(&[
        "apply", "--dir", &samples, "--url", &url, "--from", "1.0.0", "--to", "1.0.1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let before = crate::support::connect(&url)
        .query("SELECT COUNT(*) FROM govup_history")
        .unwrap();
    let run = govup(&[
        "plan", "--impact", "--dir", &samples, "--url", &url, "--to", "latest", "--format", "json",
    ]);
    let v = json(&run);
    assert_eq!(v["from"], "1.0.1");
    assert_eq!(v["probes"][0]["table"], serde_json::Value::Null);
    let st = v["statements"].as_array().unwrap();
    assert!(!st.is_empty());
    assert!(
        st.iter()
            .all(|s| s["estimate_ms"] == 0 && s["blocks"] == "writes"),
        "{st:?}"
    );
    assert!(st.iter().all(|s| s["tables"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["rows"].is_null())));
    assert_eq!(v["total_estimate_ms"], 0);
    // Nothing was written: the history is as apply left it.
    let after = crate::support::connect(&url)
        .query("SELECT COUNT(*) FROM govup_history")
        .unwrap();
    assert_eq!(before, after);
}
