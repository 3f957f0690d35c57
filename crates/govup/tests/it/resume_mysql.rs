//! Statement-level resume on MariaDB, where DDL cannot be rolled back: `govup apply` is killed
//! with SIGKILL in the middle of a multi-statement patch, or fails on a statement, and the same
//! command run again finishes the job without running any completed statement twice.

use crate::support::{govup, Scratch, Server};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PATCH: &str = "upgrade_1.0.0_to_1.0.1/mysql/2024-01-01-configurazionePdD-patch.sql";

/// Each of these fails if it runs a second time (existing table, column, index or key).
const STATEMENTS: [&str; 8] = [
    "CREATE TABLE db_info (major_version INT, minor_version INT, notes VARCHAR(255))",
    "CREATE TABLE r1 (id INT PRIMARY KEY)",
    "INSERT INTO r1 VALUES (1)",
    "CREATE TABLE r2 (id INT PRIMARY KEY)",
    "INSERT INTO r2 VALUES (1)",
    "ALTER TABLE r1 ADD COLUMN c INT",
    "CREATE INDEX r1_c ON r1 (c)",
    "INSERT INTO r2 VALUES (2)",
];

/// A one-step tree whose patch is `STATEMENTS`, with `extra` inserted after statement `at`.
fn make_tree(tag: &str, at: usize, extra: &str) -> PathBuf {
    let root = govup_testkit::scratch_dir(tag).join("tree");
    let step = root.join("upgrade_1.0.0_to_1.0.1");
    std::fs::create_dir_all(step.join("mysql")).unwrap();
    let mut sql: Vec<String> = STATEMENTS.iter().map(|s| format!("{s};")).collect();
    if !extra.is_empty() {
        sql.insert(at, format!("{extra};"));
    }
    std::fs::write(root.join(PATCH), sql.join("\n") + "\n").unwrap();
    std::fs::write(
        step.join("info-patch.sql"),
        "DELETE FROM db_info;\nINSERT INTO db_info (major_version,minor_version,notes) VALUES (1,0,'[1.0.1] resume');\n",
    )
    .unwrap();
    root
}

fn apply_args<'a>(tree: &'a str, url: &'a str) -> Vec<&'a str> {
    vec![
        "apply", "--dir", tree, "--url", url, "--from", "1.0.0", "--to", "1.0.1", "--format",
        "json",
    ]
}

/// Everything a run leaves: tables, columns, indexes, rows, and the history's verdict.
fn outcome(db: &Scratch) -> Vec<BTreeSet<String>> {
    vec![
        db.query("SELECT table_name, column_name, column_type FROM information_schema.columns WHERE table_schema = DATABASE()"),
        db.query("SELECT table_name, index_name, column_name FROM information_schema.statistics WHERE table_schema = DATABASE()"),
        db.query("SELECT 'r1', id, c FROM r1 UNION ALL SELECT 'r2', id, NULL FROM r2"),
        db.query("SELECT notes FROM db_info"),
        db.query("SELECT patch_path, status, statements_done, statements_total FROM govup_history"),
    ]
}

fn done(db: &Scratch) -> Option<i64> {
    let rows = db
        .conn()
        .query(&format!(
            "SELECT statements_done FROM govup_history WHERE patch_path = '{PATCH}'"
        ))
        .ok()?;
    rows.first()?.first()?.as_deref()?.parse().ok()
}

/// The reference: the same tree applied without interruption.
fn uninterrupted(tree: &Path) -> Option<Vec<BTreeSet<String>>> {
    let db = Scratch::new(Server::Mysql, "my_ref")?;
    let run = govup(&apply_args(&tree.display().to_string(), &db.url));
    assert_eq!(run.code, 0, "{}", run.stderr);
    Some(outcome(&db))
}

#[test]
fn sigkill_mid_patch_then_rerun_completes_without_repeating_a_statement() {
    for at in [1, 3, 6] {
        let Some(db) = Scratch::new(Server::Mysql, "my_kill") else {
            return;
        };
        // The gate blocks the patch after statement `at` until the test lets it go.
        let gate = format!("{}_gate", db.name);
        let tree = make_tree(
            &format!("kill{at}"),
            at,
            &format!("DO GET_LOCK('{gate}', 600)"),
        );
        let tree_arg = tree.display().to_string();
        let mut holder = db.conn();
        holder
            .execute(&format!("DO GET_LOCK('{gate}', 0)"))
            .unwrap();

        let mut child = Command::new(env!("CARGO_BIN_EXE_govup"))
            .args(apply_args(&tree_arg, &db.url))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while done(&db) != Some(at as i64) {
            assert!(
                Instant::now() < deadline,
                "govup never reached statement {at}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(200));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // The server keeps the dead client's session (and its locks) until it notices; an
        // operator would kill it, as here, or wait for wait_timeout.
        let orphans = db.conn().query(&format!("SELECT id FROM information_schema.processlist WHERE db = '{}' AND id <> CONNECTION_ID() AND info LIKE 'DO GET_LOCK%'", db.name)).unwrap();
        for row in orphans {
            let _ = holder.execute(&format!("KILL {}", row[0].as_deref().unwrap()));
        }
        holder
            .execute(&format!("DO RELEASE_LOCK('{gate}')"))
            .unwrap();
        assert_eq!(
            done(&db),
            Some(at as i64),
            "statements 1..{at} are recorded as done"
        );

        let rerun = govup(&apply_args(&tree_arg, &db.url));
        assert_eq!(rerun.code, 0, "kill at {at}: {}", rerun.stderr);
        let report: serde_json::Value = serde_json::from_str(&rerun.stdout).unwrap();
        assert_eq!(report["patches"][0]["outcome"], "resumed", "{report}");
        assert_eq!(
            report["patches"][0]["statements"],
            STATEMENTS.len() + 1 - at,
            "{report}"
        );
        let Some(reference) = uninterrupted(&tree) else {
            return;
        };
        assert_eq!(outcome(&db), reference, "kill at {at}");
    }
}

#[test]
fn a_failing_statement_fixed_in_the_database_resumes_at_that_statement() {
    let Some(db) = Scratch::new(Server::Mysql, "my_fail") else {
        return;
    };
    let tree = make_tree("fail_db", 4, "INSERT INTO operator_fix VALUES (1)");
    let tree_arg = tree.display().to_string();
    let run = govup(&apply_args(&tree_arg, &db.url));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "{PATCH}:5: statement failed: INSERT INTO operator_fix VALUES (1): ERROR 1146 (42S02)"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("run the same command again to resume"),
        "{}",
        run.stderr
    );
    assert_eq!(done(&db), Some(4));
    assert_eq!(
        db.query(&format!(
            "SELECT status FROM govup_history WHERE patch_path = '{PATCH}'"
        )),
        BTreeSet::from(["failed".to_string()])
    );

    db.conn()
        .execute("CREATE TABLE operator_fix (id INT PRIMARY KEY)")
        .unwrap();
    let rerun = govup(&apply_args(&tree_arg, &db.url));
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let report: serde_json::Value = serde_json::from_str(&rerun.stdout).unwrap();
    assert_eq!(report["patches"][0]["outcome"], "resumed");
    assert_eq!(
        db.query("SELECT id FROM operator_fix"),
        BTreeSet::from(["1".to_string()])
    );
    db.conn().execute("DROP TABLE operator_fix").unwrap();
    let Some(reference) = uninterrupted(&make_tree("fail_ref", 0, "")) else {
        return;
    };
    let mut got = outcome(&db);
    got[4] = got[4]
        .iter()
        .map(|r| r.replace(" | 9 | 9", " | 8 | 8"))
        .collect();
    assert_eq!(got, reference);
}

#[test]
fn a_failing_statement_fixed_in_the_patch_needs_the_explicit_override() {
    let Some(db) = Scratch::new(Server::Mysql, "my_edit") else {
        return;
    };
    let tree = make_tree("fail_edit", 4, "INSERT INTO r9 VALUES (1)");
    let tree_arg = tree.display().to_string();
    assert_eq!(govup(&apply_args(&tree_arg, &db.url)).code, 1);
    assert_eq!(done(&db), Some(4));

    // The operator fixes the failing statement in the file: its bytes change.
    let fixed = std::fs::read_to_string(tree.join(PATCH))
        .unwrap()
        .replace("INSERT INTO r9 VALUES (1);", "DO 1;");
    std::fs::write(tree.join(PATCH), fixed).unwrap();
    let refused = govup(&apply_args(&tree_arg, &db.url));
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains(&format!("error: {PATCH} is partially applied (4 of its statements ran) and its bytes changed since")), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--continue-changed-patch"),
        "{}",
        refused.stderr
    );
    assert_eq!(done(&db), Some(4), "a refusal changes nothing");

    let mut args = apply_args(&tree_arg, &db.url);
    args.push("--continue-changed-patch");
    let run = govup(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        db.query("SELECT id FROM r2"),
        BTreeSet::from(["1".to_string(), "2".to_string()])
    );
    assert_eq!(
        db.query(&format!(
            "SELECT status, statements_done FROM govup_history WHERE patch_path = '{PATCH}'"
        )),
        BTreeSet::from(["applied | 9".to_string()])
    );
}

/// MariaDB commits the info-patch's `DELETE FROM db_info` before its `INSERT`: when the INSERT
/// fails, db_info names no version. The same command, run again, starts from the step the
/// history's rows belong to and finishes the info-patch at its INSERT.
#[test]
fn failed_info_patch_insert_then_same_command_resumes_from_the_history() {
    let Some(db) = Scratch::new(Server::Mysql, "my_info") else {
        return;
    };
    let root = govup_testkit::scratch_dir("my_info").join("tree");
    let step = root.join("upgrade_1.0.0_to_1.0.1");
    std::fs::create_dir_all(step.join("mysql")).unwrap();
    std::fs::write(
        root.join(PATCH),
        "CREATE TABLE r1 (id INT PRIMARY KEY);\nINSERT INTO r1 VALUES (1);\n",
    )
    .unwrap();
    std::fs::write(
        step.join("info-patch.sql"),
        "DELETE FROM db_info;\nINSERT INTO db_info (major_version,minor_version,notes) VALUES (1,0,'[1.0.1] resume');\n",
    )
    .unwrap();
    let mut conn = db.conn();
    for sql in [
        "CREATE TABLE db_info (major_version INT, minor_version INT, notes VARCHAR(255))",
        "INSERT INTO db_info VALUES (1, 0, '[1.0.0] start')",
        "CREATE TRIGGER no_insert BEFORE INSERT ON db_info FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'rejected once'",
    ] {
        conn.execute(sql).unwrap();
    }
    let tree = root.display().to_string();
    let args = ["apply", "--dir", &tree, "--url", &db.url, "--to", "1.0.1"];
    let first = govup(&args);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert!(first.stderr.contains("rejected once"), "{}", first.stderr);
    assert_eq!(
        db.query("SELECT COUNT(*) FROM db_info"),
        BTreeSet::from(["0".to_string()])
    );
    // Nothing may claim the history table is missing while it holds rows.
    let status = govup(&["status", "--url", &db.url]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status.stdout.contains("is at 1.0.0 (from govup_history)"),
        "{}",
        status.stdout
    );
    assert!(
        !status.stdout.contains("no govup_history"),
        "{}",
        status.stdout
    );

    conn.execute("DROP TRIGGER no_insert").unwrap();
    let again = govup(&args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        db.query("SELECT notes FROM db_info"),
        BTreeSet::from(["[1.0.1] resume".to_string()])
    );
    assert_eq!(
        db.query("SELECT patch_path, status, statements_done FROM govup_history"),
        BTreeSet::from([
            format!("{PATCH} | applied | 2"),
            "upgrade_1.0.0_to_1.0.1/info-patch.sql | applied | 2".to_string(),
        ])
    );
    assert_eq!(
        db.query("SELECT id FROM r1"),
        BTreeSet::from(["1".to_string()])
    );
}

/// SIGTERM in the middle of a patch on MariaDB: the running statement finishes with its
/// progress, govup stops before the next one and says so, the row stays `partial`, and the same
/// command resumes after the last statement done.
#[test]
fn sigterm_mid_patch_stops_before_the_next_statement_and_resumes() {
    let Some(db) = Scratch::new(Server::Mysql, "my_term") else {
        return;
    };
    let at = 3;
    let gate = format!("{}_gate", db.name);
    let tree = make_tree("term", at, &format!("DO GET_LOCK('{gate}', 600)"));
    let tree_arg = tree.display().to_string();
    let mut holder = db.conn();
    holder
        .execute(&format!("DO GET_LOCK('{gate}', 0)"))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_govup"))
        .args(apply_args(&tree_arg, &db.url))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while done(&db) != Some(at as i64) {
        assert!(
            Instant::now() < deadline,
            "govup never reached statement {at}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    // Let the blocked statement finish: the stop comes after it, not in the middle of it.
    std::thread::sleep(Duration::from_millis(200));
    holder
        .execute(&format!("DO RELEASE_LOCK('{gate}')"))
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: interrupted by a signal: stopped before {PATCH}:{}",
            at + 2
        )),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["error"]["exit_code"], 1, "{report}");
    assert_eq!(done(&db), Some(at as i64 + 1));
    assert_eq!(
        db.query(&format!(
            "SELECT status FROM govup_history WHERE patch_path = '{PATCH}'"
        )),
        BTreeSet::from(["partial".to_string()])
    );

    let rerun = govup(&apply_args(&tree_arg, &db.url));
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    let report: serde_json::Value = serde_json::from_str(&rerun.stdout).unwrap();
    assert_eq!(report["patches"][0]["outcome"], "resumed", "{report}");
    let Some(reference) = uninterrupted(&tree) else {
        return;
    };
    assert_eq!(outcome(&db), reference);
}
