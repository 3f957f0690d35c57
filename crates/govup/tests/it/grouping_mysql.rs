//! On MariaDB, consecutive patches of only INSERT/UPDATE/DELETE share one transaction (and one
//! round trip). A failure in such a group must leave the history telling exactly what ran, on
//! tables that can roll back (InnoDB) and on tables that cannot (MyISAM, where govup must not
//! group), and with `--tx patch` (no grouping): a re-run applies nothing twice.

use crate::support::{govup, Scratch, Server};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A one-step tree: DDL patches making `t0` and `t` (with `engine`) and patches of row changes;
/// the last one's second statement fails (a duplicate key).
fn make_tree(tag: &str, engine: &str) -> PathBuf {
    let root = govup_testkit::scratch_dir(tag).join("tree");
    let dir = root.join("upgrade_1.0.0_to_1.0.1");
    std::fs::create_dir_all(dir.join("mysql")).unwrap();
    let patches = [
        ("2024-01-01-a-patch.sql", "CREATE TABLE db_info (notes VARCHAR(64));\nCREATE TABLE t0 (id INT PRIMARY KEY) ENGINE=InnoDB;\n".to_string()),
        // A lone row change, so that the question "can rows roll back here?" is asked before
        // the table below exists, and must be asked again after it.
        ("2024-01-02-b-patch.sql", "INSERT INTO t0 VALUES (1);\n".to_string()),
        ("2024-01-03-c-patch.sql", format!("CREATE TABLE t (id INT PRIMARY KEY) ENGINE={engine};\n")),
        ("2024-01-04-d-patch.sql", "INSERT INTO t VALUES (1);\n".to_string()),
        ("2024-01-05-e-patch.sql", "UPDATE t0 SET id = 10 WHERE id = 1;\n".to_string()),
        ("2024-01-06-f-patch.sql", "INSERT INTO t VALUES (2);\nINSERT INTO t VALUES (1);\n".to_string()),
    ];
    for (name, sql) in patches {
        std::fs::write(dir.join("mysql").join(name), sql).unwrap();
    }
    std::fs::write(
        dir.join("info-patch.sql"),
        "INSERT INTO db_info VALUES ('1.0.1');\n",
    )
    .unwrap();
    root
}

fn apply(tree: &Path, url: &str, tx: &str, more: &[&str]) -> crate::support::Run {
    let tree = tree.display().to_string();
    let mut args = vec![
        "apply", "--dir", &tree, "--url", url, "--from", "1.0.0", "--to", "1.0.1", "--tx", tx,
    ];
    args.extend_from_slice(more);
    govup(&args)
}

fn state(db: &Scratch) -> (BTreeSet<String>, BTreeSet<String>) {
    (
        db.query("SELECT 't', id FROM t UNION ALL SELECT 't0', id FROM t0"),
        db.query("SELECT file_name, status, statements_done FROM govup_history WHERE patch_kind = 'patch'"),
    )
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Fails on `f`'s second statement, then runs again with it fixed; returns both states.
fn fail_then_fix(engine: &str, tx: &str) -> Option<[(BTreeSet<String>, BTreeSet<String>); 2]> {
    let db = Scratch::new(Server::Mysql, "group")?;
    let tag = format!("group-{engine}-{tx}");
    let tree = make_tree(&tag, engine);
    let failed = apply(&tree, &db.url, tx, &[]);
    assert_eq!(failed.code, 1, "stderr: {}", failed.stderr);
    assert!(
        failed
            .stderr
            .contains("upgrade_1.0.0_to_1.0.1/mysql/2024-01-06-f-patch.sql:2"),
        "{}",
        failed.stderr
    );
    // Where d and e were rolled back with f, the operator is told so.
    let told = failed.stderr.contains(
        "rolled back with upgrade_1.0.0_to_1.0.1/mysql/2024-01-06-f-patch.sql: the 2 patch(es) before it in its transaction (upgrade_1.0.0_to_1.0.1/mysql/2024-01-04-d-patch.sql to upgrade_1.0.0_to_1.0.1/mysql/2024-01-05-e-patch.sql), which the next run applies again",
    );
    assert_eq!(told, engine == "InnoDB" && tx == "all", "{}", failed.stderr);
    let after_failure = state(&db);
    let f = tree.join("upgrade_1.0.0_to_1.0.1/mysql/2024-01-06-f-patch.sql");
    std::fs::write(f, "INSERT INTO t VALUES (2);\nINSERT INTO t VALUES (3);\n").unwrap();
    // Where a statement of f ran, its file changed under it: the operator says that is fine.
    let fixed = apply(&tree, &db.url, tx, &["--continue-changed-patch"]);
    assert_eq!(fixed.code, 0, "stderr: {}", fixed.stderr);
    Some([after_failure, state(&db)])
}

/// What every variant ends with once fixed: each patch once, each row once.
fn finished() -> (BTreeSet<String>, BTreeSet<String>) {
    (
        set(&["t | 1", "t | 2", "t | 3", "t0 | 10"]),
        set(&[
            "2024-01-01-a-patch.sql | applied | 2",
            "2024-01-02-b-patch.sql | applied | 1",
            "2024-01-03-c-patch.sql | applied | 1",
            "2024-01-04-d-patch.sql | applied | 1",
            "2024-01-05-e-patch.sql | applied | 1",
            "2024-01-06-f-patch.sql | applied | 2",
        ]),
    )
}

#[test]
fn a_failed_group_on_innodb_rolls_back_whole_and_runs_again_whole() {
    let Some([failed, fixed]) = fail_then_fix("InnoDB", "all") else {
        return;
    };
    // d, e and f were one transaction: none of their rows, none of their history.
    assert_eq!(failed.0, set(&["t0 | 1"]));
    assert_eq!(
        failed.1,
        set(&[
            "2024-01-01-a-patch.sql | applied | 2",
            "2024-01-02-b-patch.sql | applied | 1",
            "2024-01-03-c-patch.sql | applied | 1",
            "2024-01-06-f-patch.sql | failed | 0",
        ])
    );
    assert_eq!(fixed, finished());
}

#[test]
fn on_myisam_nothing_is_grouped_and_progress_is_per_statement() {
    let Some([failed, fixed]) = fail_then_fix("MyISAM", "all") else {
        return;
    };
    assert_eq!(failed.0, set(&["t | 1", "t | 2", "t0 | 10"]));
    assert_eq!(
        failed.1,
        set(&[
            "2024-01-01-a-patch.sql | applied | 2",
            "2024-01-02-b-patch.sql | applied | 1",
            "2024-01-03-c-patch.sql | applied | 1",
            "2024-01-04-d-patch.sql | applied | 1",
            "2024-01-05-e-patch.sql | applied | 1",
            "2024-01-06-f-patch.sql | failed | 1",
        ])
    );
    assert_eq!(fixed, finished());
}

#[test]
fn tx_patch_commits_statement_by_statement_on_innodb() {
    let Some([failed, fixed]) = fail_then_fix("InnoDB", "patch") else {
        return;
    };
    assert_eq!(failed.0, set(&["t | 1", "t | 2", "t0 | 10"]));
    assert_eq!(failed.1.len(), 6);
    assert!(failed.1.contains("2024-01-06-f-patch.sql | failed | 1"));
    assert_eq!(fixed, finished());
}
