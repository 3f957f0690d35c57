//! Splitting real patches: the sample tree, GovWay's upgrade patches and its fresh install
//! scripts. No server needed.

use std::path::{Path, PathBuf};

use govup_driver_postgres::DIALECT;
use govup_engine::{Dialect, Statement};

/// The file a patch of the tree finally names, through symlinks or link stubs, as the planner
/// reads it.
pub fn through_links(patch: &Path) -> PathBuf {
    let folder = std::fs::canonicalize(patch.parent().unwrap()).unwrap();
    let root = govup_planner::link::find_link_root(&folder);
    let reader =
        govup_planner::link::Reader::new(&root, govup_planner::link::DEFAULT_MAX_FILE_SIZE)
            .unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    reader
        .read_through_links(patch)
        .unwrap_or_else(|e| panic!("{}: {e}", patch.display()))
        .source
}

pub fn split_file(path: &Path) -> Vec<Statement> {
    let text = std::fs::read_to_string(path).unwrap();
    DIALECT
        .split(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sorted(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths.sort();
    paths
}

/// Every `*.sql` in `dir`, sorted.
pub fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    sorted(
        entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect(),
    )
}

/// The steps of a tree, sorted by directory name.
fn steps(tree: &Path) -> Vec<PathBuf> {
    sorted(
        std::fs::read_dir(tree)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.is_dir()
                    && p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("upgrade_")
            })
            .collect(),
    )
}

#[test]
fn every_postgresql_sample_patch_splits() {
    let tree = govup_testkit::workspace().join("sql-samples");
    let mut files = 0;
    let mut statements = 0;
    for step in steps(&tree) {
        let mut patches = sql_files(&step.join("postgresql"));
        patches.extend(sql_files(&step)); // info-patch.sql runs in every database
        for patch in patches {
            let got = split_file(&patch);
            assert!(!got.is_empty(), "{} has no statement", patch.display());
            files += 1;
            statements += got.len();
        }
    }
    assert_eq!(files, 28);
    // 67 lines end in `;`, five of them inside the trigger function's dollar-quoted body.
    assert_eq!(statements, 62);
}

#[test]
fn sample_trigger_patch_keeps_its_dollar_quoted_body() {
    let patch = govup_testkit::workspace()
        .join("sql-samples/upgrade_1.0.2_to_1.0.3/postgresql/2024-05-20-runtimePdD-patch.sql");
    let got = split_file(&patch);
    let starts: Vec<(u32, &str)> = got.iter().map(|s| (s.line, s.first_line())).collect();
    assert_eq!(
        starts,
        [
            (3, "CREATE TABLE order_status_history ("),
            (11, "CREATE INDEX idx_order_status_hist ON order_status_history (order_id, changed_at);"),
            (13, "ALTER TABLE orders ADD COLUMN updated_at TIMESTAMP;"),
            (15, "CREATE OR REPLACE FUNCTION orders_track_status() RETURNS trigger"),
            (27, "CREATE TRIGGER trg_orders_status"),
        ]
        .map(|(l, t)| (l, t.trim_end_matches(';')))
    );
    assert!(
        got[3].text.ends_with("RETURN NEW;\nEND;\n$fn$"),
        "{}",
        got[3].text
    );
}

/// (tree-relative stub, statements) for a few GovWay patches, counted by hand.
const GOVWAY_COUNTS: [(&str, usize); 6] = [
    (
        "upgrade_3.3.17_to_3.3.18/postgresql/2025-08-05-archiviComunicazioni-patch.sql",
        4,
    ),
    (
        "upgrade_3.3.17_to_3.3.18/postgresql/2025-10-21-archiviComunicazioni-patch.sql",
        1,
    ),
    (
        "upgrade_3.3.17_to_3.3.18/postgresql/2025-10-20-archiviComunicazioni-patch.sql",
        55,
    ),
    (
        "upgrade_3.0.0_to_3.0.1/postgresql/2018-11-21-configurazionePdD-patch.sql",
        65,
    ),
    (
        "upgrade_3.3.8_to_3.3.9/postgresql/2022-10-13-archiviComunicazioni-patch.sql",
        63,
    ),
    (
        "upgrade_3.2.x_to_3.3.0/postgresql/2020-02-20-configurazionePdD-patch.sql",
        24,
    ),
];

/// A GovWay patch whose two statements are both commented out: a real patch with nothing to run.
const GOVWAY_COMMENT_ONLY: &str =
    "upgrade_3.3.3_to_3.3.4/postgresql/2021-02-12-archiviComunicazioni-patch.sql";

#[test]
fn every_govway_postgresql_patch_splits() {
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    govway_postgresql_patches_split(&tree);
}

/// The same on copies of the tree holding real symlinks and link stubs.
#[test]
fn every_govway_postgresql_patch_splits_in_both_link_forms() {
    for form in govup_testkit::LinkForm::BOTH {
        let Some(tree) = govup_testkit::corpus_tree_as(&[], form) else {
            return;
        };
        govway_postgresql_patches_split(&tree);
    }
}

fn govway_postgresql_patches_split(tree: &Path) {
    let mut files = 0;
    let mut statements = 0;
    for step in steps(tree) {
        for stub in sql_files(&step.join("postgresql")) {
            let got = split_file(&through_links(&stub));
            if stub.ends_with(GOVWAY_COMMENT_ONLY) {
                assert!(got.is_empty(), "{got:?}");
            } else {
                assert!(!got.is_empty(), "{} has no statement", stub.display());
            }
            assert!(got
                .iter()
                .all(|s| !s.text.trim().is_empty() && !s.text.ends_with(';')));
            files += 1;
            statements += got.len();
        }
    }
    assert_eq!(files, 113);
    assert_eq!(statements, 1032);
    for (stub, count) in GOVWAY_COUNTS {
        assert_eq!(
            split_file(&through_links(&tree.join(stub))).len(),
            count,
            "{stub}"
        );
    }
}

#[test]
fn govway_patch_statements_start_where_the_file_says() {
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let patch = through_links(&tree.join(GOVWAY_COUNTS[0].0));
    let got = split_file(&patch);
    let lines: Vec<u32> = got.iter().map(|s| s.line).collect();
    assert_eq!(lines, [1, 3, 5, 6]);
    assert_eq!(got[2].text, "DROP INDEX INDEX_TR_PDND_STATS");
}

#[test]
fn govway_fresh_install_scripts_split() {
    let Some(fresh) = govup_testkit::corpus("govway-fresh") else {
        return;
    };
    let mut counts = Vec::new();
    for version in ["3.3.17", "3.4.3"] {
        for script in ["schema.sql", "data.sql"] {
            counts.push(split_file(&fresh.join(version).join("postgresql").join(script)).len());
        }
    }
    assert_eq!(counts, [602, 168, 597, 169]);
}
