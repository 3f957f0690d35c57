//! Failures: what each transaction mode leaves behind, resume after a fix, edited patches.

use crate::support::{copy_tree, Db};
use govup_engine::{ApplyError, Outcome, TxMode};

const BAD: &str = "upgrade_1.0.1_to_1.0.2/sqlite/2024-02-01-archiviComunicazioni-patch.sql";

#[test]
fn with_tx_all_a_failure_leaves_the_file_exactly_as_it_was() {
    let db = Db::fresh("txall");
    let tree = copy_tree("failing");
    let err = db
        .apply(&tree, Some("1.0.0"), "1.0.2", TxMode::All, false)
        .unwrap_err();
    let ApplyError::Statement {
        path,
        line,
        first_line,
        rolled_back,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(path, BAD);
    assert_eq!(*line, 3);
    assert_eq!(
        first_line,
        "CREATE INDEX trace_b_missing ON trace_b (missing_column)"
    );
    assert!(rolled_back);
    assert!(err.to_string().contains("no such column"), "{err}");
    assert!(
        db.tables().is_empty(),
        "not even the history table: {:?}",
        db.tables()
    );
}

#[test]
fn with_tx_patch_a_rerun_after_the_fix_applies_only_what_is_missing() {
    let db = Db::fresh("txpatch");
    let tree = copy_tree("failing");
    let err = db
        .apply(&tree, Some("1.0.0"), "1.0.2", TxMode::Patch, false)
        .unwrap_err();
    assert!(matches!(err, ApplyError::Statement { .. }), "{err}");
    assert_eq!(
        db.history(),
        [
            (
                "upgrade_1.0.0_to_1.0.1/info-patch.sql".to_string(),
                "applied".to_string(),
                "2".to_string()
            ),
            (
                "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-01-configurazionePdD-patch.sql".into(),
                "applied".into(),
                "2".into()
            ),
            (
                "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql".into(),
                "applied".into(),
                "2".into()
            ),
            (BAD.into(), "failed".into(), "0".into()),
        ]
    );
    assert!(
        !db.tables().contains(&"trace_b".to_string()),
        "the failed patch was rolled back"
    );

    std::fs::write(
        tree.join(BAD),
        "CREATE TABLE trace_b (id INTEGER);\nCREATE INDEX trace_b_id ON trace_b (id);\nINSERT INTO trace_b (id) VALUES (7);\n",
    )
    .unwrap();
    let report = db
        .apply(&tree, Some("1.0.0"), "1.0.2", TxMode::Patch, false)
        .unwrap();
    let ran: Vec<&str> = report
        .patches
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Applied { .. }))
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(
        ran,
        [
            BAD,
            "upgrade_1.0.1_to_1.0.2/sqlite/2024-02-02-configurazionePdD-patch.sql",
            "upgrade_1.0.1_to_1.0.2/info-patch.sql"
        ]
    );
    // The runtime patch inserted one row; had it run twice there would be two.
    assert_eq!(
        db.query("SELECT COUNT(*) FROM runtime_a"),
        [[Some("1".to_string())]]
    );
    assert_eq!(
        db.query("SELECT id FROM trace_b"),
        [[Some("7".to_string())]]
    );
    assert!(db
        .history()
        .iter()
        .all(|(_, status, _)| status == "applied"));
    assert_eq!(db.history().len(), 6);
}

#[test]
fn with_tx_step_the_failing_step_is_rolled_back_whole() {
    let db = Db::fresh("txstep");
    let tree = copy_tree("failing");
    db.apply(&tree, Some("1.0.0"), "1.0.2", TxMode::Step, false)
        .unwrap_err();
    let tables = db.tables();
    assert!(tables.contains(&"runtime_a".to_string()));
    assert!(!tables.contains(&"trace_b".to_string()));
    let notes = db.query("SELECT notes FROM db_info");
    assert!(notes[0][0].as_deref().unwrap().starts_with("[1.0.1]"));
}

#[test]
fn an_edited_applied_patch_is_refused_naming_the_file() {
    let db = Db::fresh("edited");
    let tree = copy_tree("failing");
    db.apply(&tree, Some("1.0.0"), "1.0.1", TxMode::All, false)
        .unwrap();
    let edited = "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql";
    std::fs::write(
        tree.join(edited),
        "CREATE TABLE runtime_a (id INTEGER, extra INTEGER);\n",
    )
    .unwrap();
    let err = db
        .apply(&tree, None, "1.0.2", TxMode::All, false)
        .unwrap_err();
    let ApplyError::ChangedApplied { path, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(path, edited);
    assert!(
        err.to_string()
            .contains("an applied patch must never change"),
        "{err}"
    );
}

#[test]
fn a_split_error_names_file_and_line_and_changes_nothing() {
    let db = Db::fresh("split");
    let tree = copy_tree("failing");
    std::fs::write(
        tree.join(BAD),
        "CREATE TABLE trace_b (id INTEGER);\nINSERT INTO trace_b VALUES ('unterminated);\n",
    )
    .unwrap();
    let err = db
        .apply(&tree, Some("1.0.0"), "1.0.2", TxMode::Patch, false)
        .unwrap_err();
    assert!(err.is_usage());
    assert!(
        err.to_string()
            .starts_with(&format!("{BAD}:2: cannot split:")),
        "{err}"
    );
    assert!(db.tables().is_empty(), "{:?}", db.tables());
}

#[test]
fn a_catalog_that_cannot_be_read_names_schema_and_connection() {
    let db = Db::fresh("catalog_err");
    let mut conn = db.connect();
    let err = govup_engine::verify::catalog_of(conn.as_mut(), Some("aux")).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("cannot read the catalog of schema aux on sqlite:"),
        "{text}"
    );
    assert!(
        text.ends_with("sqlite has no schemas: cannot use schema \"aux\""),
        "{text}"
    );
}
