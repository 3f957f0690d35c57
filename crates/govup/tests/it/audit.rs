//! Audit and recover (`history`, `repair`, `status --exit-code`) and the reading options
//! (`--quiet`, `--color`, JSON errors, tables fitted to a width), as operators use them.

use crate::support::{
    connect, fixture, govup, govup_env, json, samples, sqlite_scratch, Run, Scratch, Server,
};
use serde_json::Value;

const STEP2: &str = "upgrade_1.0.1_to_1.0.2";

fn patch(db: &str, name: &str) -> String {
    format!("{STEP2}/{db}/{name}")
}

fn rows(url: &str) -> Vec<Value> {
    let doc = json(&govup(&["history", "--url", url, "--format", "json"]));
    assert_eq!(doc["format"], "govup-history/1");
    doc["rows"].as_array().unwrap().clone()
}

fn row<'a>(rows: &'a [Value], path: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["path"] == path)
        .unwrap_or_else(|| panic!("no row {path} in {rows:?}"))
}

fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
}

/// The whole repair story on one database (`db` its tree folder, `exec` runs SQL by hand):
/// a failed patch fixed by hand and marked applied, which the next apply skips; an applied
/// patch reverted by hand and forgotten, which the next apply runs again; a patch the tree
/// does not hold, refused. The history table starts without the repair columns, as an older
/// govup left it, and the first repair adds them.
fn repair_story(url: &str, db: &str, exec: &dyn Fn(&str)) {
    let dir = fixture("failing");
    let failed = govup(&[
        "apply", "--dir", &dir, "--url", url, "--from", "1.0.0", "--to", "1.0.2", "--tx", "patch",
    ]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    let first = patch(db, "2024-02-01-archiviComunicazioni-patch.sql");
    let second = patch(db, "2024-02-02-configurazionePdD-patch.sql");
    let info = format!("{STEP2}/info-patch.sql");
    let before = rows(url);
    assert!(
        matches!(
            row(&before, &first)["status"].as_str(),
            Some("failed" | "partial")
        ),
        "{before:?}"
    );
    for column in [
        "repaired_at",
        "repaired_by",
        "repair_reason",
        "repair_action",
    ] {
        exec(&format!("ALTER TABLE govup_history DROP COLUMN {column}"));
    }
    let status = govup(&["status", "--url", url, "--dir", &dir, "--exit-code"]);
    assert_eq!(status.code, 1, "{}", status.stdout);

    // The refusal: a path the tree does not hold, exit 2 naming it, nothing written.
    let missing = format!("{STEP2}/{db}/2099-01-01-nope-patch.sql");
    let refused = govup(&[
        "repair", "--url", url, "--dir", &dir, "--patch", &missing, "--forget", "--reason", "x",
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains(&missing), "{}", refused.stderr);

    // Fixed by hand, then marked applied.
    exec("CREATE TABLE IF NOT EXISTS trace_b (id INTEGER)");
    exec("CREATE INDEX trace_b_missing ON trace_b (id)");
    exec("INSERT INTO trace_b (id) VALUES (7)");
    let marked = govup(&[
        "repair",
        "--url",
        url,
        "--dir",
        &dir,
        "--patch",
        &first,
        "--mark-applied",
        "--reason",
        "index made by hand",
        "--by",
        "ops-anna",
    ]);
    ok(&marked);
    ok(&govup(&[
        "apply", "--dir", &dir, "--url", url, "--to", "1.0.2",
    ]));
    let after = rows(url);
    let repaired = row(&after, &first);
    assert_eq!(repaired["status"], "applied");
    assert_eq!(repaired["repair"]["action"], "mark-applied");
    assert_eq!(repaired["repair"]["by"], "ops-anna");
    assert_eq!(repaired["repair"]["reason"], "index made by hand");
    assert_eq!(row(&after, &second)["status"], "applied");
    let count = |sql: &str| connect(url).query(sql).unwrap()[0][0].clone().unwrap();
    // The marked patch did not run again: its INSERT would have made two rows.
    assert_eq!(count("SELECT COUNT(*) FROM trace_b"), "1");
    ok(&govup(&[
        "status",
        "--url",
        url,
        "--dir",
        &dir,
        "--exit-code",
    ]));

    // Reverted by hand, then forgotten (the patch and its step's info-patch): apply runs both.
    exec("ALTER TABLE config_a DROP COLUMN note");
    for path in [&second, &info] {
        ok(&govup(&[
            "repair",
            "--url",
            url,
            "--dir",
            &dir,
            "--patch",
            path,
            "--forget",
            "--reason",
            "column dropped by hand",
        ]));
    }
    let forgotten = rows(url);
    assert_eq!(row(&forgotten, &second)["status"], "forgotten");
    assert_eq!(row(&forgotten, &second)["repair"]["action"], "forget");
    let status = govup(&["status", "--url", url, "--dir", &dir, "--exit-code"]);
    assert_eq!(status.code, 1, "{}", status.stdout);
    ok(&govup(&[
        "apply", "--dir", &dir, "--url", url, "--to", "1.0.2",
    ]));
    let rerun = rows(url);
    assert_eq!(row(&rerun, &second)["status"], "applied");
    // The column is back: the forgotten patch ran again.
    assert_eq!(
        count("SELECT COUNT(*) FROM config_a WHERE note IS NULL"),
        count("SELECT COUNT(*) FROM config_a")
    );
    assert_eq!(count("SELECT COUNT(*) FROM trace_b"), "1");
    let table = govup(&["history", "--url", url]);
    ok(&table);
    assert!(
        table.stdout.contains("mark-applied by ops-anna"),
        "{}",
        table.stdout
    );
    // Forgetting twice is refused: one row, from the statuses where it means something.
    let applied_again = govup(&[
        "repair",
        "--url",
        url,
        "--dir",
        &dir,
        "--patch",
        &first,
        "--mark-applied",
        "--reason",
        "x",
    ]);
    assert_eq!(applied_again.code, 1, "{}", applied_again.stderr);
    assert!(
        applied_again
            .stderr
            .contains("is applied: --mark-applied does not apply to it"),
        "{}",
        applied_again.stderr
    );
}

#[test]
fn repair_on_sqlite() {
    let (url, _) = sqlite_scratch("repair");
    repair_story(&url, "sqlite", &|sql| connect(&url).execute(sql).unwrap());
}

#[test]
fn repair_on_postgres() {
    let Some(db) = Scratch::new(Server::Postgres, "repair_pg") else {
        return;
    };
    repair_story(&db.url, "postgresql", &|sql| {
        db.conn().execute(sql).unwrap()
    });
}

#[test]
fn repair_on_mariadb() {
    let Some(db) = Scratch::new(Server::Mysql, "repair_my") else {
        return;
    };
    repair_story(&db.url, "mysql", &|sql| db.conn().execute(sql).unwrap());
}

#[test]
fn history_is_read_only_and_says_when_there_is_none() {
    let (url, dir) = sqlite_scratch("history_none");
    let absent = govup(&["history", "--url", &url]);
    assert_eq!(absent.code, 1);
    assert!(
        !dir.join("db.sqlite").exists(),
        "history created a database"
    );
    connect(&url)
        .execute("CREATE TABLE t (id INTEGER)")
        .unwrap();
    let empty = govup(&["history", "--url", &url, "--format", "json"]);
    assert_eq!(empty.code, 1, "{}", empty.stdout);
    let err: Value = serde_json::from_str(&empty.stdout).unwrap();
    assert_eq!(err["format"], "govup-error/1");
    assert_eq!(err["exit_code"], 1);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("has no govup_history table"),
        "{err}"
    );
    let tables = connect(&url)
        .query("SELECT name FROM sqlite_master WHERE name = 'govup_history'")
        .unwrap();
    assert!(tables.is_empty(), "history created its table");
}

#[test]
fn history_lists_every_row_in_run_order() {
    let (url, _) = sqlite_scratch("history_rows");
    ok(&govup(&[
        "apply",
        "--dir",
        &samples(),
        "--url",
        &url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.2",
    ]));
    let rows = rows(&url);
    assert!(!rows.is_empty());
    let started: Vec<&str> = rows
        .iter()
        .map(|r| r["started_at"].as_str().unwrap())
        .collect();
    let mut sorted = started.clone();
    sorted.sort();
    assert_eq!(started, sorted);
    for r in &rows {
        assert_eq!(r["status"], "applied");
        assert_eq!(r["govup_version"], env!("CARGO_PKG_VERSION"));
        assert!(r["duration_ms"].is_i64(), "{r}");
        assert!(r["repair"].is_null(), "{r}");
    }
    let narrow = govup_env(&["history", "--url", &url], &[("GOVUP_TABLE_WIDTH", "80")]);
    ok(&narrow);
    assert!(
        narrow.stdout.lines().all(|l| l.chars().count() <= 80),
        "{}",
        narrow.stdout
    );
    let full = govup(&["history", "--url", &url]);
    assert!(
        full.stdout.lines().any(|l| l.chars().count() > 80),
        "{}",
        full.stdout
    );
}

/// An applied patch edited or removed in the tree is drift: `status --dir` names it and
/// `--exit-code` fails.
#[test]
fn status_exit_code_reports_drift() {
    let (url, scratch) = sqlite_scratch("drift");
    let tree = scratch.join("tree");
    copy_tree(&std::path::PathBuf::from(fixture("failing")), &tree);
    let dir = tree.display().to_string();
    ok(&govup(&[
        "apply", "--dir", &dir, "--url", &url, "--from", "1.0.0", "--to", "1.0.1",
    ]));
    ok(&govup(&[
        "status",
        "--url",
        &url,
        "--dir",
        &dir,
        "--to",
        "1.0.1",
        "--exit-code",
    ]));
    // Without a tree, a known version with nothing unfinished is all it can ask.
    ok(&govup(&["status", "--url", &url, "--exit-code"]));
    let behind = govup(&["status", "--url", &url, "--dir", &dir, "--exit-code"]);
    assert_eq!(behind.code, 1);
    assert!(
        behind.stderr.contains("it is at 1.0.1, not 1.0.2"),
        "{}",
        behind.stderr
    );
    let edited = tree.join("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql");
    std::fs::write(&edited, "CREATE TABLE runtime_a (id BIGINT);\n").unwrap();
    std::fs::remove_file(
        tree.join("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-01-configurazionePdD-patch.sql"),
    )
    .unwrap();
    let drift = govup(&[
        "status",
        "--url",
        &url,
        "--dir",
        &dir,
        "--to",
        "1.0.1",
        "--exit-code",
        "--format",
        "json",
    ]);
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    let doc: Value = serde_json::from_str(&drift.stdout).unwrap();
    assert_eq!(doc["format"], "govup-status/1");
    assert_eq!(doc["up_to_date"], false);
    let kinds: Vec<(&str, &str)> = doc["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d["kind"].as_str().unwrap()))
        .collect();
    assert!(
        kinds.contains(&(
            "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql",
            "changed"
        )),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&(
            "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-01-configurazionePdD-patch.sql",
            "missing"
        )),
        "{kinds:?}"
    );
    let table = govup(&["status", "--url", &url, "--dir", &dir, "--to", "1.0.1"]);
    ok(&table);
    assert!(table.stdout.contains("drift: upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql in (default) was applied with sha256"), "{}", table.stdout);
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn colour_always_paints_errors_and_never_does_not() {
    let args = [
        "plan",
        "--dir",
        "/nonexistent-tree",
        "--from",
        "1.0.0",
        "--to",
        "latest",
    ];
    let mut always = vec!["--color", "always"];
    always.extend(args);
    let painted = govup_env(&always, &[("NO_COLOR", "1")]);
    assert_eq!(painted.code, 2);
    assert!(
        painted.stderr.starts_with("\x1b[1;31merror:\x1b[0m"),
        "{:?}",
        painted.stderr
    );
    let plain = govup_env(&args, &[("NO_COLOR", "1")]);
    assert_eq!(plain.code, 2);
    assert!(!plain.stderr.contains('\x1b'), "{:?}", plain.stderr);
    assert!(plain.stderr.starts_with("error: "), "{}", plain.stderr);
}

#[test]
fn quiet_prints_nothing_on_success_and_the_error_on_failure() {
    let (url, _) = sqlite_scratch("quiet");
    let run = govup(&[
        "--quiet",
        "apply",
        "--dir",
        &samples(),
        "--url",
        &url,
        "--from",
        "1.0.0",
        "--to",
        "latest",
    ]);
    ok(&run);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    let failed = govup(&[
        "plan",
        "--quiet",
        "--dir",
        "/nonexistent-tree",
        "--from",
        "1.0.0",
        "--to",
        "latest",
    ]);
    assert_eq!(failed.code, 2);
    assert_eq!(failed.stdout, "");
    assert!(failed.stderr.starts_with("error: "), "{}", failed.stderr);
}

/// Under `--format json` a failure is one `govup-error/1` object on stdout, redacted.
#[test]
fn json_errors_are_one_redacted_object_on_stdout() {
    let run = govup(&[
        "status",
        "--url",
        "postgres://ops:hunter2@127.0.0.1:1/none",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"));
    let err: Value = serde_json::from_str(&run.stdout).expect("one JSON object");
    assert_eq!(err["format"], "govup-error/1");
    assert_eq!(err["exit_code"], 1);
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot connect to postgres://ops:"),
        "{err}"
    );
    assert!(err["details"].is_array());
    let usage = govup(&[
        "plan",
        "--dir",
        "/nonexistent-tree",
        "--from",
        "1.0.0",
        "--to",
        "latest",
        "--format",
        "json",
    ]);
    assert_eq!(usage.code, 2);
    let err: Value = serde_json::from_str(&usage.stdout).expect("one JSON object");
    assert_eq!(err["exit_code"], 2);
    assert_eq!(usage.stderr, "");
}

/// The GovWay 3.3.17 -> 3.4.3 plan fits 80 columns when told to, and keeps its full width
/// off a terminal otherwise.
#[test]
fn the_govway_plan_fits_80_columns() {
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let tree = tree.display().to_string();
    let args = [
        "plan",
        "--dir",
        &tree,
        "--db",
        "postgresql",
        "--from",
        "3.3.17",
        "--to",
        "3.4.3",
    ];
    let narrow = govup_env(&args, &[("GOVUP_TABLE_WIDTH", "80")]);
    ok(&narrow);
    for line in narrow.stdout.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} chars: {line}",
            line.chars().count()
        );
    }
    assert!(narrow.stdout.contains("3.3.17→3.3.18"), "{}", narrow.stdout);
    let full = govup_env(&args, &[("COLUMNS", "80")]);
    ok(&full);
    assert!(full.stdout.lines().any(|l| l.chars().count() > 80));
    assert!(full.stdout.contains("upgrade_3.3.17_to_3.3.18"));
    let mut wide = vec!["--wide"];
    wide.extend(args);
    let wide = govup_env(&wide, &[("GOVUP_TABLE_WIDTH", "80")]);
    assert_eq!(wide.stdout, full.stdout);
}
