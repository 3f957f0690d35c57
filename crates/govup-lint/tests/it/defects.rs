//! The seeded-defect fixture, where every check fires exactly once on the right file, and
//! small trees for what the fixture cannot hold at the same time.

use govup_lint::{lint, Diagnostic};
use govup_planner::DbType;
use std::fs;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    govup_testkit::workspace().join("fixtures").join(name)
}

/// `severity code path:line: message`, one diagnostic per line.
fn lines(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            let line = d.line.map_or(String::new(), |l| format!(":{l}"));
            format!("{} {} {}{line}: {}", d.severity, d.code, d.path, d.message)
        })
        .collect()
}

#[test]
fn every_seeded_defect_is_reported_once_on_its_file() {
    let report = lint(&fixture("lint-defects"), &[]).unwrap();
    assert_eq!(report.databases, [DbType::Postgresql, DbType::Sqlite]);
    assert_eq!(
        lines(&report.diagnostics),
        [
            "note L028 : pairs of versions were not planned: the tree has structural errors (L001, L005 to L011) to fix first",
            "error L006 upgrade_0.9.x_to_1.0.0: crossing from line 0.9, which has no version in the tree",
            "error L010 upgrade_1.0.0_to_1.0.1/baseline-version.txt: baseline version does not parse: invalid version `latest`: it has fewer than three numbers; expected P.M.m such as 3.3.17, optionally with a build tag such as 3.3.19.p1 or 3.3.19_2",
            "error L019 upgrade_1.0.0_to_1.0.1/postgresql/2024-01-20-runtimePdD-patch.sql: `2024-01-20-runtimePdD-patch.sql` is in postgresql but missing from sqlite: every database folder of a step holds the same patches",
            "error L002 upgrade_1.0.0_to_1.0.1/sqlite/2024-01-05-configurazionePdD.sql: patch file `2024-01-05-configurazionePdD.sql` is misnamed: a patch is named <YYYY-MM-DD>-<area>-patch.sql",
            "error L020 upgrade_1.0.1_to_1.0.2: step has no `info-patch.sql`: nothing records in the database that it reached 1.0.2",
            "warning L026 upgrade_1.0.1_to_1.0.2/postgresql/2023-12-01-registroServizi-patch.sql: patch dated 2023-12-01, before `2024-01-20-runtimePdD-patch.sql` of the earlier step `upgrade_1.0.0_to_1.0.1` of line 1.0",
            "warning L004 upgrade_1.0.1_to_1.0.2/postgresql/README.txt: `README.txt` is not a patch and is ignored",
            "error L001 upgrade_1.0.2-to-1.0.3: step directory `upgrade_1.0.2-to-1.0.3` is malformed: a step directory is named upgrade_<FROM>_to_<TO>",
            "error L002 upgrade_1.0.x_to_1.1.0/postgresql/2024-02-30-configurazionePdD-patch.sql: patch file `2024-02-30-configurazionePdD-patch.sql` is misnamed: 2024-02-30 is not a calendar date",
            "error L013 upgrade_1.1.0_to_1.1.1/postgresql/2024-01-10-configurazionePdD-patch.sql: `2024-01-10-configurazionePdD-patch.sql` has other bytes than `upgrade_1.0.0_to_1.0.1/postgresql/2024-01-10-configurazionePdD-patch.sql`: one name, two patches (an installation that ran one also runs the other)",
            "warning L003 upgrade_1.1.0_to_1.1.1/postgresql/2024-04-01-fatturazione-patch.sql: area `fatturazione` is not in the built-in role table: its patches go to the config role unless a schema map names it",
            "error L012 upgrade_1.1.1_to_1.1.2/baseline-version.txt: baseline 1.0.1 disagrees with the postgresql patches: by content, 1.1.1 contains 1.0.2 of line 1.0; the sqlite patches disagree too",
            "error L021 upgrade_1.1.1_to_1.1.2/info-patch.sql:1: info-patch names version [1.1.1], not the step's target [1.1.2]",
            "error L014 upgrade_1.1.1_to_1.1.2/postgresql/2024-06-01-registroServizi-patch.sql: `2024-06-01-registroServizi-patch.sql` holds the same bytes as `upgrade_1.0.1_to_1.0.2/postgresql/2023-12-01-registroServizi-patch.sql`: one patch under two names runs twice",
            "error L017 upgrade_1.1.1_to_1.1.2/postgresql/2024-06-02-runtimePdD-patch.sql:1: the bytes are not UTF-8: byte 0xe9 at line 1 does not decode",
            "error L022 upgrade_1.1.1_to_1.1.2/sqlite/2024-06-02-runtimePdD-patch.sql:2: does not split into sqlite statements: unterminated block comment starting here",
            "warning L023 upgrade_1.1.x_to_2.0.0/postgresql/2024-07-01-configurazionePdD-patch.sql: holds no statement: every line is a comment or blank, so applying it changes nothing",
            "error L016 upgrade_1.1.x_to_2.0.0/sqlite/2024-07-01-configurazionePdD-patch.sql: empty file",
            "error L009 upgrade_1.5.0_to_1.5.01: line 1.5 ends at 1.5.1 with no crossing out (upgrade_1.5.x_to_...): its versions 1.5.0 to 1.5.1 cannot reach the newest version 2.0.2",
            "error L007 upgrade_1.5.0_to_1.5.1: two steps lead into 1.5.1: `upgrade_1.5.0_to_1.5.01` and `upgrade_1.5.0_to_1.5.1`",
            "error L005 upgrade_2.0.1_to_2.0.2: line 2.0 has a gap: no step leads into 2.0.1 (upgrade_2.0.0_to_2.0.1 is missing), so 2.0.0 cannot reach it",
            "error L011 upgrade_2.0.1_to_2.0.2/baseline-version.txt: baseline 1.1.9 is not a version of the tree",
            "warning L025 upgrade_2.0.1_to_2.0.2/postgresql/2024-08-01-configurazionePdD-patch.sql:1: sqlparser cannot parse this postgresql statement, which the database may still accept: expected: end of statement, found: increment",
            "error L015 upgrade_2.0.1_to_2.0.2/sqlite/2024-08-01-configurazionePdD-patch.sql: broken link: `../../shared/2024-08-01-configurazionePdD.sql` does not exist",
        ]
    );
    assert!(report.fails(false));
}

#[test]
fn one_database_type_is_checked_alone() {
    let report = lint(&fixture("lint-defects"), &[DbType::Sqlite]).unwrap();
    assert_eq!(report.databases, [DbType::Sqlite]);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
    // No parity with one type, no postgresql file; the structure is the same.
    assert_eq!(
        codes,
        [
            "L028", "L006", "L010", "L002", "L020", "L026", "L001", "L002", "L003", "L012", "L021",
            "L022", "L016", "L009", "L007", "L005", "L011", "L015"
        ]
    );
    assert_eq!(
        report.diagnostics[9].message,
        "baseline 1.0.1 disagrees with the sqlite patches: by content, 1.1.1 contains 1.0.2 of line 1.0"
    );
}

#[test]
fn the_project_trees_have_no_error() {
    for tree in ["interleaved", "failing", "slow"] {
        let report = lint(&fixture(tree), &[]).unwrap();
        assert_eq!(lines(&report.diagnostics), Vec::<String>::new(), "{tree}");
    }
    // The quick-start tree is sound; sqlparser misses three constructs its databases accept,
    // and four PostgreSQL indexes are built on tables of earlier steps without CONCURRENTLY.
    let report = lint(&fixture("../sql-samples"), &[]).unwrap();
    let (index, others): (Vec<_>, Vec<_>) = report
        .diagnostics
        .iter()
        .cloned()
        .partition(|d| d.code == "L033");
    assert_eq!(
        index
            .iter()
            .map(|d| format!("{}:{}", d.path, d.line.unwrap_or(0)))
            .collect::<Vec<_>>(),
        [
            "upgrade_1.0.1_to_1.0.2/postgresql/2024-03-04-runtimePdD-patch.sql:5",
            "upgrade_1.0.1_to_1.0.2/postgresql/2024-03-11-registroServizi-patch.sql:2",
            "upgrade_1.0.x_to_1.1.0/postgresql/2024-07-08-archiviComunicazioni-patch.sql:3",
            "upgrade_1.1.1_to_1.1.2/postgresql/2025-01-20-registroServizi-patch.sql:3",
        ]
    );
    assert_eq!(
        index[0].message,
        "index build on `orders` without CONCURRENTLY holds a SHARE lock that blocks writes until the whole table is read; govup runs the patch in a transaction, where CONCURRENTLY is refused: build the index beforehand with CONCURRENTLY (and IF NOT EXISTS in the patch), or book the window"
    );
    assert_eq!(
        lines(&others),
        [
            "warning L025 upgrade_1.0.0_to_1.0.1/oracle/2024-01-15-configurazionePdD-patch.sql:3: sqlparser cannot parse this oracle statement, which the database may still accept: expected: end of statement, found: INCREMENT",
            "warning L025 upgrade_1.0.1_to_1.0.2/oracle/2024-03-04-runtimePdD-patch.sql:2: sqlparser cannot parse this oracle statement, which the database may still accept: expected: identifier, found: (; 6 other file(s) fail the same way",
            "warning L025 upgrade_1.0.2_to_1.0.3/sqlite/2024-05-20-runtimePdD-patch.sql:18: sqlparser cannot parse this sqlite statement, which the database may still accept: expected: [NOT] NULL | TRUE | FALSE | DISTINCT | [NOT] JSON [VALUE | SCALAR | ARRAY | OBJECT] [WITH | WITHOUT UNIQUE [KEYS]] | [form] NORMALIZED FROM after IS, found: OLD",
        ]
    );
    assert!(!report.fails(false));
    assert!(report.fails(true));
}

#[test]
fn the_planner_fixtures_give_their_own_codes() {
    let codes = |tree: &str| -> Vec<&'static str> {
        let report = lint(&fixture(tree), &[]).unwrap();
        report.diagnostics.iter().map(|d| d.code).collect()
    };
    assert_eq!(codes("gap"), ["L028", "L005"]);
    assert_eq!(codes("broken-link"), ["L015", "L015"]);
    assert_eq!(codes("same-name"), ["L013", "L013"]);
    assert_eq!(codes("bad-names"), ["L028", "L002", "L002", "L001"]);
    assert_eq!(codes("bad-baseline"), ["L012"]);
    assert_eq!(
        codes("two-into-one"),
        [
            "L028", "L013", "L013", "L008", "L013", "L013", "L009", "L013", "L013", "L007", "L013",
            "L013"
        ]
    );
}

#[test]
fn a_patch_that_cannot_be_read_is_named() {
    let root = govup_testkit::scratch_dir("lint_unreadable");
    let step = root.join("upgrade_1.0.0_to_1.0.1");
    write(
        &step.join("info-patch.sql"),
        b"UPDATE db_info SET notes = '[1.0.1]';\n",
    );
    // A directory where a patch belongs: its name is right, its bytes cannot be read.
    fs::create_dir_all(step.join("sqlite/2024-01-01-configurazionePdD-patch.sql")).unwrap();
    let report = lint(&root, &[]).unwrap();
    let got = lines(&report.diagnostics);
    fs::remove_dir_all(&root).unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with(
            "error L018 upgrade_1.0.0_to_1.0.1/sqlite/2024-01-01-configurazionePdD-patch.sql: `"
        ),
        "{got:?}"
    );
    assert!(
        got[0].ends_with(
            "/2024-01-01-configurazionePdD-patch.sql` is a directory, not a regular file, and is not read"
        ),
        "{got:?}"
    );
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, bytes).unwrap();
}

#[test]
fn types_without_a_splitter_are_named_once() {
    let root = govup_testkit::scratch_dir("lint_no_splitter");
    for (step, to) in [("upgrade_1.0.0_to_1.0.1", 1), ("upgrade_1.0.1_to_1.0.2", 2)] {
        let info = format!("UPDATE db_info SET notes = '[1.0.{to}]';\n");
        write(&root.join(step).join("info-patch.sql"), info.as_bytes());
        for db in ["hsql", "db2", "postgresql"] {
            let sql = format!("ALTER TABLE t ADD COLUMN c{to} INT; -- {db}\n");
            let file = format!("{step}/{db}/2024-01-0{to}-configurazionePdD-patch.sql");
            write(&root.join(file), sql.as_bytes());
        }
    }
    // Not UTF-8 is found without a splitter too.
    write(
        &root.join("upgrade_1.0.1_to_1.0.2/db2/2024-01-02-configurazionePdD-patch.sql"),
        b"ALTER TABLE t ADD c VARCHAR(10) DEFAULT '\xff';\n",
    );
    let report = lint(&root, &[]).unwrap();
    assert_eq!(
        lines(&report.diagnostics),
        [
            "note L024 : govup has no splitter for db2, hsql: the SQL of those patches is checked for UTF-8 only",
            "error L017 upgrade_1.0.1_to_1.0.2/db2/2024-01-02-configurazionePdD-patch.sql:1: the bytes are not UTF-8: byte 0xff at line 1 does not decode",
        ]
    );
    let report = lint(&root, &[DbType::Postgresql]).unwrap();
    assert_eq!(lines(&report.diagnostics), Vec::<String>::new());
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn impact_rules_warn_about_existing_tables_only() {
    let root = govup_testkit::scratch_dir("lint_impact");
    let steps = [
        (
            "upgrade_1.0.0_to_1.0.1",
            1,
            "CREATE TABLE t (id BIGINT NOT NULL, v VARCHAR(255), n INT);\n\
             CREATE INDEX t_v ON t (v);\n",
            "CREATE TABLE t (id BIGINT NOT NULL, v VARCHAR(255), n INT);\n\
             CREATE INDEX t_v ON t (v);\n",
        ),
        (
            "upgrade_1.0.1_to_1.0.2",
            2,
            "CREATE INDEX t_n ON t (n);\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id);\n\
             ALTER TABLE t ADD COLUMN a INT NOT NULL;\n\
             ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 0;\n\
             ALTER TABLE t ALTER COLUMN v TYPE VARCHAR(100);\n\
             ALTER TABLE t ALTER COLUMN n TYPE BIGINT;\n",
            "CREATE INDEX t_n ON t (n);\n\
             ALTER TABLE t ADD COLUMN a INT NOT NULL;\n\
             ALTER TABLE t ADD COLUMN b INT NOT NULL DEFAULT 0;\n\
             ALTER TABLE t MODIFY COLUMN v VARCHAR(100);\n",
        ),
    ];
    for (step, to, pg, my) in steps {
        let info = format!("UPDATE db_info SET notes = '[1.0.{to}]';\n");
        write(&root.join(step).join("info-patch.sql"), info.as_bytes());
        for (db, sql) in [("postgresql", pg), ("mysql", my)] {
            let file = format!("{step}/{db}/2024-01-0{to}-configurazionePdD-patch.sql");
            write(&root.join(file), sql.as_bytes());
        }
    }
    let report = lint(&root, &[]).unwrap();
    let got: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.code != "L025")
        .map(|d| format!("{} {}:{}", d.code, d.path, d.line.unwrap_or(0)))
        .collect();
    // Step 1 creates `t`: nothing about it there. MariaDB builds indexes online (no L033).
    assert_eq!(
        got,
        [
            "L034 upgrade_1.0.1_to_1.0.2/mysql/2024-01-02-configurazionePdD-patch.sql:2",
            "L032 upgrade_1.0.1_to_1.0.2/mysql/2024-01-02-configurazionePdD-patch.sql:4",
            "L035 upgrade_1.0.1_to_1.0.2/mysql/2024-01-02-configurazionePdD-patch.sql:4",
            "L033 upgrade_1.0.1_to_1.0.2/postgresql/2024-01-02-configurazionePdD-patch.sql:1",
            "L034 upgrade_1.0.1_to_1.0.2/postgresql/2024-01-02-configurazionePdD-patch.sql:3",
            "L035 upgrade_1.0.1_to_1.0.2/postgresql/2024-01-02-configurazionePdD-patch.sql:5",
            "L032 upgrade_1.0.1_to_1.0.2/postgresql/2024-01-02-configurazionePdD-patch.sql:6",
        ]
    );
    let narrowed = report
        .diagnostics
        .iter()
        .find(|d| d.code == "L035")
        .unwrap();
    assert_eq!(
        narrowed.message,
        "column `t.v` narrowed from VARCHAR(255) to VARCHAR(100): values that no longer fit fail the statement or are cut"
    );
    assert!(report
        .diagnostics
        .iter()
        .all(|d| d.severity != govup_lint::Severity::Error));
    fs::remove_dir_all(&root).unwrap();
}
