//! GovWay's released tree (`../shared/corpus`): lint finds no error in it, only the three
//! patches that are entirely commented out, the database types govup cannot split, and the
//! constructs `sqlparser` does not know.

use crate::hostile::copy_with_links;
use govup_lint::{lint, Severity};

#[test]
fn the_released_govway_tree_has_no_error() {
    let Some(govway) = govup_testkit::corpus("govway") else {
        return;
    };
    released_tree_has_no_error(&govway.join("resources/sql_upgrade"));
    // Both link forms, whichever the corpus holds: a checkout has symlinks, an archive or a
    // checkout without symlink support has link stubs.
    for symlinks in [true, false] {
        let copy = govup_testkit::scratch_dir("lint_corpus_links").join("govway");
        copy_with_links(&govway, &copy, symlinks);
        released_tree_has_no_error(&copy.join("resources/sql_upgrade"));
        let _ = std::fs::remove_dir_all(copy.parent().unwrap());
    }
}

fn released_tree_has_no_error(tree: &std::path::Path) {
    let report = lint(tree, &[]).unwrap();
    let got: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let line = d.line.map_or(String::new(), |l| format!(":{l}"));
            format!("{} {}{line}", d.code, d.path)
        })
        .collect();
    assert_eq!(
        got,
        [
            "L024 ",
            "L025 upgrade_3.0.0_to_3.0.1/oracle/2018-09-24-configurazionePdD-patch.sql:13",
            "L025 upgrade_3.0.0_to_3.0.1/postgresql/2018-09-24-configurazionePdD-patch.sql:13",
            "L025 upgrade_3.0.x_to_3.1.0/oracle/2019-05-13-configurazionePdD-patch.sql:2",
            "L025 upgrade_3.3.2_to_3.3.3/oracle/2020-07-27-runtimePdD-patch.sql:3",
            "L023 upgrade_3.3.3_to_3.3.4/mysql/2021-02-12-archiviComunicazioni-patch.sql",
            "L025 upgrade_3.3.3_to_3.3.4/oracle/2020-12-03-registroServizi-patch.sql:3",
            "L023 upgrade_3.3.3_to_3.3.4/oracle/2021-02-12-archiviComunicazioni-patch.sql",
            "L023 upgrade_3.3.3_to_3.3.4/postgresql/2021-02-12-archiviComunicazioni-patch.sql",
        ]
    );
    assert_eq!(report.count(Severity::Error), 0);
    assert_eq!(report.databases.len(), 6);
    // The postgresql parser gap is GovWay's `CREATE SEQUENCE ... increment 1` (no BY), in 31
    // files: one warning names it.
    let sequence = &report.diagnostics[2];
    assert_eq!(
        sequence.message,
        "sqlparser cannot parse this postgresql statement, which the database may still accept: expected: end of statement, found: increment; 30 other file(s) fail the same way (linked file `../../core/deploy/sql/patch/postgresql/configurazionePdD/2018-09-24-patch.sql`)"
    );
    assert_eq!(
        report.diagnostics[8].message,
        "holds no statement: every line is a comment or blank, so applying it changes nothing (linked file `../../core/deploy/sql/patch/postgresql/archiviComunicazioni/2021-02-12-patch.sql`)"
    );
}
