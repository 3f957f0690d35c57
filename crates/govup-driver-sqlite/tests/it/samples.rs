//! The bundled sample tree's SQLite patches, split and run as the engine would.

use std::path::{Path, PathBuf};

use govup_driver_sqlite::DIALECT;
use govup_engine::{Dialect, Driver, Statement};
use govup_engine::{Tx, Wait};

use crate::{cleanup, open, scalar, scratch_db, table_exists};

fn samples() -> PathBuf {
    govup_testkit::workspace().join("sql-samples")
}

fn split_file(path: &Path) -> Vec<Statement> {
    let sql = std::fs::read_to_string(path).unwrap();
    DIALECT
        .split(&sql)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A step's SQLite patches in file-name order, then its info-patch.
fn step_patches(step: &str) -> Vec<PathBuf> {
    let dir = samples().join(step);
    let mut patches: Vec<PathBuf> = match std::fs::read_dir(dir.join("sqlite")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    patches.sort_by_key(|p| p.file_name().map(|n| n.to_os_string()));
    let info = dir.join("info-patch.sql");
    if info.is_file() {
        patches.push(info);
    }
    assert!(!patches.is_empty(), "{step} has no patch");
    patches
}

/// Runs each patch in its own transaction under the lock, as the engine does with
/// transactional DDL.
fn apply(db: &mut dyn Driver, steps: &[&str]) -> usize {
    let mut applied = 0;
    db.lock(Wait::Block).unwrap();
    for step in steps {
        for patch in step_patches(step) {
            db.transaction(Tx::Begin).unwrap();
            for st in split_file(&patch) {
                db.execute(&st.text).unwrap_or_else(|e| {
                    panic!("{} line {}: {e}\n{}", patch.display(), st.line, st.text)
                });
            }
            db.transaction(Tx::Commit).unwrap();
            applied += 1;
        }
    }
    db.unlock().unwrap();
    applied
}

#[test]
fn every_sqlite_patch_splits() {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(samples()).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("upgrade_") && dir.join("sqlite").is_dir() {
            files.extend(step_patches(&name));
        }
    }
    files.sort();
    files.dedup();
    assert!(files.len() >= 25, "{files:?}");
    for file in &files {
        let statements = split_file(file);
        assert!(!statements.is_empty(), "{}", file.display());
        for st in &statements {
            assert!(!st.text.ends_with(';'), "{}: {}", file.display(), st.text);
            assert!(
                !st.text.starts_with("--"),
                "{}: {}",
                file.display(),
                st.text
            );
        }
    }
}

#[test]
fn statement_counts_of_sample_files() {
    let count = |rel: &str| split_file(&samples().join(rel)).len();
    assert_eq!(
        count("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-15-configurazionePdD-patch.sql"),
        4
    );
    assert_eq!(
        count("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-15-runtimePdD-patch.sql"),
        3
    );
    assert_eq!(
        count("upgrade_1.0.1_to_1.0.2/sqlite/2024-03-11-registroServizi-patch.sql"),
        3
    );
    assert_eq!(
        count("upgrade_1.0.2_to_1.0.3/sqlite/2024-05-20-runtimePdD-patch.sql"),
        4
    );
    assert_eq!(
        count("upgrade_1.0.3_to_1.0.4/sqlite/2024-09-16-runtimePdD-patch.sql"),
        2
    );
    assert_eq!(count("upgrade_1.0.4_to_1.0.5/info-patch.sql"), 2);

    let config = split_file(
        &samples().join("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-15-configurazionePdD-patch.sql"),
    );
    assert!(
        config[3].text.ends_with("('orders.export.separator', ';')"),
        "{}",
        config[3].text
    );
    assert_eq!(config[0].line, 2);
}

#[test]
fn the_sample_trigger_is_one_statement() {
    let file = samples().join("upgrade_1.0.2_to_1.0.3/sqlite/2024-05-20-runtimePdD-patch.sql");
    let statements = split_file(&file);
    let trigger = &statements[3];
    assert!(
        trigger.text.starts_with("CREATE TRIGGER trg_orders_status"),
        "{}",
        trigger.text
    );
    assert!(trigger.text.ends_with("END"), "{}", trigger.text);
    assert_eq!(trigger.text.matches(';').count(), 2);
    assert_eq!(trigger.line, 15);
}

#[test]
fn route_to_1_0_5_applies_and_leaves_db_info() {
    let (dir, url) = scratch_db("sqlite_route_105");
    let mut db = open(&url);
    let steps = [
        "upgrade_1.0.0_to_1.0.1",
        "upgrade_1.0.1_to_1.0.2",
        "upgrade_1.0.2_to_1.0.3",
        "upgrade_1.0.3_to_1.0.4",
        "upgrade_1.0.4_to_1.0.5",
    ];
    assert_eq!(
        apply(db.as_mut(), &steps),
        5 + 1 + 3 + 1 + 3 + 1 + 2 + 1 + 1
    );
    let rows = db
        .query("SELECT major_version, minor_version, notes FROM db_info")
        .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0].as_deref(), Some("1"));
    assert_eq!(rows[0][1].as_deref(), Some("0"));
    assert!(
        rows[0][2].as_deref().unwrap_or("").starts_with("[1.0.5]"),
        "{rows:?}"
    );
    for table in [
        "order_notes",
        "order_status_history",
        "customers",
        "order_stats_daily",
    ] {
        assert!(table_exists(db.as_mut(), table), "{table}");
    }
    assert_eq!(
        scalar(
            db.as_mut(),
            "SELECT setting_value FROM app_settings WHERE setting_name = 'orders.page_size'"
        )
        .as_deref(),
        Some("100")
    );

    // The trigger the splitter kept whole works.
    db.execute("INSERT INTO orders (customer_code) VALUES ('C1')")
        .unwrap();
    db.execute("UPDATE orders SET status = 'PAID' WHERE customer_code = 'C1'")
        .unwrap();
    assert_eq!(
        db.query("SELECT old_status, new_status FROM order_status_history")
            .unwrap(),
        vec![vec![Some("NEW".to_string()), Some("PAID".to_string())]]
    );
    assert_eq!(
        scalar(db.as_mut(), "SELECT updated_at IS NOT NULL FROM orders").as_deref(),
        Some("1")
    );
    cleanup(&dir);
}

#[test]
fn route_to_1_1_2_runs_every_other_patch() {
    let (dir, url) = scratch_db("sqlite_route_112");
    let mut db = open(&url);
    let steps = [
        "upgrade_1.0.0_to_1.0.1",
        "upgrade_1.0.1_to_1.0.2",
        "upgrade_1.0.2_to_1.0.3",
        "upgrade_1.0.x_to_1.1.0",
        "upgrade_1.1.0_to_1.1.1",
        "upgrade_1.1.1_to_1.1.2",
    ];
    apply(db.as_mut(), &steps);
    let notes = scalar(db.as_mut(), "SELECT notes FROM db_info").unwrap_or_default();
    assert!(notes.starts_with("[1.1.2]"), "{notes}");
    assert_eq!(
        scalar(db.as_mut(), "SELECT count(*) FROM feature_flags").as_deref(),
        Some("2")
    );
    assert!(table_exists(db.as_mut(), "shipment_stats_daily"));
    cleanup(&dir);
}

#[test]
fn a_trigger_with_case_expressions_splits_into_valid_sql() {
    let (dir, url) = scratch_db("sqlite_case_trigger");
    let mut db = open(&url);
    let sql = "CREATE TABLE a (x INTEGER);\n\
               CREATE TABLE log (size TEXT, kind TEXT);\n\
               CREATE TRIGGER trg_a AFTER INSERT ON a\n\
               WHEN (CASE WHEN NEW.x > 0 THEN 1 ELSE 0 END) = 1\n\
               BEGIN\n\
                 INSERT INTO log VALUES (CASE WHEN NEW.x > 10 THEN 'big;' ELSE 'small' END, 'a');\n\
                 INSERT INTO log VALUES (CASE NEW.x WHEN 1 THEN CASE WHEN 1 THEN 'one' END END, 'b');\n\
               END;\n\
               INSERT INTO a VALUES (1);\n\
               INSERT INTO a VALUES (-5);\n\
               INSERT INTO a VALUES (20);";
    let statements = DIALECT.split(sql).unwrap();
    assert_eq!(statements.len(), 6);
    assert_eq!(statements[3].line, 9);
    db.transaction(Tx::Begin).unwrap();
    for st in &statements {
        db.execute(&st.text).unwrap();
    }
    db.transaction(Tx::Commit).unwrap();
    let rows = db
        .query("SELECT size, kind FROM log ORDER BY rowid")
        .unwrap();
    let row = |a: Option<&str>, b: &str| vec![a.map(str::to_string), Some(b.to_string())];
    assert_eq!(
        rows,
        vec![
            row(Some("small"), "a"),
            row(Some("one"), "b"),
            row(Some("big;"), "a"),
            row(None, "b")
        ]
    );
    cleanup(&dir);
}
