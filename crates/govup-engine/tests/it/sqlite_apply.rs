//! Happy paths: a full upgrade, a second run, resume by history, dry run, start detection.

use crate::support::{tree_path, Db};
use govup_engine::{Outcome, Source, TxMode};

#[test]
fn the_samples_upgrade_an_empty_file_to_the_newest_version() {
    let db = Db::fresh("samples");
    let report = db
        .apply(
            &tree_path("sql-samples"),
            Some("1.0.0"),
            "1.1.2",
            TxMode::All,
            false,
        )
        .unwrap();
    let applied = report
        .patches
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Applied { .. }))
        .count();
    // 18 patches and 7 info-patches; the two repeated 1.0.4 patches are skipped.
    assert_eq!(applied, 18 + 7);
    assert_eq!(
        report
            .patches
            .iter()
            .filter(|p| matches!(p.outcome, Outcome::Skipped(_)))
            .count(),
        2
    );
    let notes = db.query("SELECT notes FROM db_info");
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0][0].as_deref().unwrap().starts_with("[1.1.2]"),
        "{notes:?}"
    );
    let history = db.history();
    assert_eq!(history.len(), 25);
    assert!(history.iter().all(|(_, status, _)| status == "applied"));
    assert!(db.tables().contains(&"govup_history".to_string()));
}

#[test]
fn a_second_run_finds_nothing_to_do() {
    let db = Db::fresh("twice");
    let tree = tree_path("sql-samples");
    db.apply(&tree, Some("1.0.0"), "1.1.2", TxMode::All, false)
        .unwrap();
    let again = db.apply(&tree, None, "1.1.2", TxMode::All, false).unwrap();
    assert_eq!(again.source, Source::History);
    assert_eq!(again.from.to_string(), "1.1.2");
    assert!(again.plan.steps.is_empty());
    // Given the old start again, every patch is found in the history and none runs twice.
    let explicit = db
        .apply(&tree, Some("1.0.0"), "1.1.2", TxMode::Patch, false)
        .unwrap();
    assert_eq!(explicit.statements, 0);
    assert!(explicit
        .patches
        .iter()
        .all(|p| matches!(p.outcome, Outcome::AlreadyApplied | Outcome::Skipped(_))));
    assert_eq!(db.history().len(), 25);
}

#[test]
fn auto_start_reads_db_info_when_there_is_no_history() {
    let db = Db::fresh("dbinfo");
    let tree = tree_path("sql-samples");
    db.apply(&tree, Some("1.0.0"), "1.0.2", TxMode::All, false)
        .unwrap();
    db.connect().execute("DROP TABLE govup_history").unwrap();
    let report = db.apply(&tree, None, "1.0.3", TxMode::All, false).unwrap();
    assert_eq!(report.source, Source::DbInfo);
    assert_eq!(report.from.to_string(), "1.0.2");
    assert_eq!(report.plan.steps.len(), 1);
}

#[test]
fn a_fallback_start_is_used_only_where_nothing_says_a_version() {
    let db = Db::fresh("fallback");
    let tree = tree_path("sql-samples");
    let first = db
        .apply(&tree, Some("else 1.0.0"), "1.0.2", TxMode::All, false)
        .unwrap();
    assert_eq!(
        (first.source, first.from.to_string()),
        (Source::Given, "1.0.0".into())
    );
    // The history now says 1.0.2: the fallback is ignored, nothing runs twice.
    let again = db
        .apply(&tree, Some("else 1.0.0"), "1.0.3", TxMode::All, false)
        .unwrap();
    assert_eq!(
        (again.source, again.from.to_string()),
        (Source::History, "1.0.2".into())
    );
    assert_eq!(again.plan.steps.len(), 1);
    assert!(again
        .patches
        .iter()
        .all(|p| matches!(p.outcome, Outcome::Applied { .. })));
}

#[test]
fn auto_start_without_any_version_asks_for_from() {
    let db = Db::fresh("nostart");
    let err = db
        .apply(&tree_path("sql-samples"), None, "1.0.3", TxMode::All, false)
        .unwrap_err();
    assert!(err.is_usage());
    assert!(
        err.to_string()
            .starts_with("cannot tell which version the database is at: sqlite:"),
        "{err}"
    );
    assert!(err.to_string().ends_with("pass --from VERSION"), "{err}");
}

#[test]
fn a_dry_run_writes_nothing_and_lists_every_statement() {
    let db = Db::fresh("dry");
    let report = db
        .apply(
            &tree_path("sql-samples"),
            Some("1.0.0"),
            "1.0.2",
            TxMode::All,
            true,
        )
        .unwrap();
    assert!(db.tables().is_empty(), "{:?}", db.tables());
    assert_eq!(report.would_run.len(), report.statements);
    let first = &report.would_run[0];
    assert_eq!(
        first.path,
        "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-15-archiviComunicazioni-patch.sql"
    );
    assert!(first.text.starts_with("CREATE TABLE"), "{}", first.text);
    let last = report.would_run.last().unwrap();
    assert_eq!(last.path, "upgrade_1.0.1_to_1.0.2/info-patch.sql");
    assert!(
        last.text.starts_with("INSERT INTO db_info"),
        "{}",
        last.text
    );
}

/// A report keeps the plan's skip reason typed and names its step by index into the plan.
#[test]
fn reports_keep_skip_reasons_typed_and_steps_by_index() {
    let db = Db::fresh("typed");
    let report = db
        .apply(
            &tree_path("sql-samples"),
            Some("1.0.0"),
            "1.1.2",
            TxMode::All,
            true,
        )
        .unwrap();
    let skipped: Vec<_> = report
        .patches
        .iter()
        .filter_map(|p| match &p.outcome {
            Outcome::Skipped(why) => Some((p.step, why.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    for (step, why) in &skipped {
        let govup_planner::SkipReason::AppliedEarlier { by } = why else {
            panic!("{why:?}");
        };
        // The step that applied it comes earlier in the same plan.
        let earlier = report.plan.steps[..*step]
            .iter()
            .any(|s| s.planned.dir == *by);
        assert!(earlier, "{by} is not before step {step}");
    }
    for p in &report.patches {
        assert_eq!(p.step_dir, report.plan.steps[p.step].planned.dir);
    }
    let steps: Vec<usize> = report.patches.iter().map(|p| p.step).collect();
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "{steps:?}");
}
