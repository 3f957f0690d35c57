//! Every Oracle patch of `sql-samples/` and of GovWay's tree splits, into the number of
//! statements counted independently (`;` outside strings, comments and PL/SQL, plus one per
//! `/`-terminated block), with each trigger whole.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::split;

/// (path below `sql-samples/`, statements, PL/SQL blocks)
const SAMPLES: &[(&str, usize, usize)] = &[
    (
        "upgrade_1.0.0_to_1.0.1/oracle/2024-01-15-archiviComunicazioni-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.0.0_to_1.0.1/oracle/2024-01-15-configurazionePdD-patch.sql",
        6,
        1,
    ),
    (
        "upgrade_1.0.0_to_1.0.1/oracle/2024-01-15-informazioniStatistiche-patch.sql",
        1,
        0,
    ),
    (
        "upgrade_1.0.0_to_1.0.1/oracle/2024-01-15-registroServizi-patch.sql",
        1,
        0,
    ),
    (
        "upgrade_1.0.0_to_1.0.1/oracle/2024-01-15-runtimePdD-patch.sql",
        3,
        0,
    ),
    (
        "upgrade_1.0.1_to_1.0.2/oracle/2024-03-04-runtimePdD-patch.sql",
        3,
        0,
    ),
    (
        "upgrade_1.0.1_to_1.0.2/oracle/2024-03-11-configurazionePdD-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.0.1_to_1.0.2/oracle/2024-03-11-registroServizi-patch.sql",
        3,
        0,
    ),
    (
        "upgrade_1.0.2_to_1.0.3/oracle/2024-05-20-archiviComunicazioni-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.0.2_to_1.0.3/oracle/2024-05-20-informazioniStatistiche-patch.sql",
        1,
        0,
    ),
    (
        "upgrade_1.0.2_to_1.0.3/oracle/2024-05-20-runtimePdD-patch.sql",
        4,
        1,
    ),
    (
        "upgrade_1.0.3_to_1.0.4/oracle/2024-09-16-registroServizi-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.0.3_to_1.0.4/oracle/2024-09-16-runtimePdD-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.0.x_to_1.1.0/oracle/2024-07-08-archiviComunicazioni-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.0.x_to_1.1.0/oracle/2024-07-08-configurazionePdD-patch.sql",
        3,
        0,
    ),
    (
        "upgrade_1.0.x_to_1.1.0/oracle/2024-07-08-runtimePdD-patch.sql",
        3,
        0,
    ),
    (
        "upgrade_1.1.0_to_1.1.1/oracle/2024-09-16-registroServizi-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.1.0_to_1.1.1/oracle/2024-09-16-runtimePdD-patch.sql",
        2,
        0,
    ),
    (
        "upgrade_1.1.0_to_1.1.1/oracle/2024-10-07-informazioniStatistiche-patch.sql",
        1,
        0,
    ),
    (
        "upgrade_1.1.1_to_1.1.2/oracle/2025-01-20-registroServizi-patch.sql",
        2,
        0,
    ),
];

/// (path of the link stub below the GovWay corpus root, statements, triggers)
const GOVWAY: &[(&str, usize, usize)] = &[
    ("resources/sql_upgrade/upgrade_3.0.0_to_3.0.1/oracle/2018-09-24-configurazionePdD-patch.sql", 12, 1),
    ("resources/sql_upgrade/upgrade_3.0.0_to_3.0.1/oracle/2018-09-24-users-patch.sql", 7, 0),
    ("resources/sql_upgrade/upgrade_3.0.0_to_3.0.1/oracle/2018-10-16-archiviComunicazioni-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.0.0_to_3.0.1/oracle/2018-10-16-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.0.0_to_3.0.1/oracle/2018-11-21-configurazionePdD-patch.sql", 65, 0),
    ("resources/sql_upgrade/upgrade_3.0.x_to_3.1.0/oracle/2019-02-01-archiviComunicazioni-patch.sql", 4, 0),
    ("resources/sql_upgrade/upgrade_3.0.x_to_3.1.0/oracle/2019-02-01-configurazionePdD-patch.sql", 7, 0),
    ("resources/sql_upgrade/upgrade_3.0.x_to_3.1.0/oracle/2019-02-01-registroServizi-patch.sql", 7, 0),
    ("resources/sql_upgrade/upgrade_3.0.x_to_3.1.0/oracle/2019-02-12-configurazionePdD-patch.sql", 100, 18),
    ("resources/sql_upgrade/upgrade_3.0.x_to_3.1.0/oracle/2019-02-12-informazioniStatistiche-patch.sql", 4, 0),
    ("resources/sql_upgrade/upgrade_3.0.x_to_3.1.0/oracle/2019-05-13-configurazionePdD-patch.sql", 22, 0),
    ("resources/sql_upgrade/upgrade_3.0.x_to_3.1.0/oracle/2019-06-07-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.1.0_to_3.1.1/oracle/2019-07-15-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.1.0_to_3.1.1/oracle/2019-07-18-configurazionePdD-patch.sql", 16, 4),
    ("resources/sql_upgrade/upgrade_3.1.0_to_3.1.1/oracle/2019-07-23-registroServizi-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.1.0_to_3.1.1/oracle/2019-07-31-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.1.x_to_3.2.0/oracle/2019-06-20-configurazionePdD-patch.sql", 8, 0),
    ("resources/sql_upgrade/upgrade_3.1.x_to_3.2.0/oracle/2019-09-03-archiviComunicazioni-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.1.x_to_3.2.0/oracle/2019-09-05-configurazionePdD-patch.sql", 11, 0),
    ("resources/sql_upgrade/upgrade_3.1.x_to_3.2.0/oracle/2019-09-17-configurazionePdD-patch.sql", 7, 2),
    ("resources/sql_upgrade/upgrade_3.1.x_to_3.2.0/oracle/2019-09-19-registroServizi-patch.sql", 7, 2),
    ("resources/sql_upgrade/upgrade_3.1.x_to_3.2.0/oracle/2019-09-25-archiviComunicazioni-patch.sql", 5, 0),
    ("resources/sql_upgrade/upgrade_3.1.x_to_3.2.0/oracle/2019-09-25-informazioniStatistiche-patch.sql", 24, 0),
    ("resources/sql_upgrade/upgrade_3.2.0_to_3.2.1/oracle/2019-11-08-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.2.1_to_3.2.2/oracle/2019-12-24-archiviComunicazioni-patch.sql", 3, 0),
    ("resources/sql_upgrade/upgrade_3.2.1_to_3.2.2/oracle/2019-12-24-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.2.1_to_3.2.2/oracle/2020-02-05-configurazionePdD-patch.sql", 13, 0),
    ("resources/sql_upgrade/upgrade_3.2.1_to_3.2.2/oracle/2020-02-05-registroServizi-patch.sql", 7, 0),
    ("resources/sql_upgrade/upgrade_3.2.x_to_3.3.0/oracle/2020-02-20-archiviComunicazioni-patch.sql", 16, 1),
    ("resources/sql_upgrade/upgrade_3.2.x_to_3.3.0/oracle/2020-02-20-configurazionePdD-patch.sql", 26, 2),
    ("resources/sql_upgrade/upgrade_3.2.x_to_3.3.0/oracle/2020-02-20-runtimePdD-patch.sql", 6, 0),
    ("resources/sql_upgrade/upgrade_3.3.10_to_3.3.11/oracle/2023-03-02-archiviComunicazioni-patch.sql", 6, 0),
    ("resources/sql_upgrade/upgrade_3.3.11_to_3.3.12/oracle/2023-04-11-runtimePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.12_to_3.3.13/oracle/2023-05-02-configurazionePdD-patch.sql", 8, 2),
    ("resources/sql_upgrade/upgrade_3.3.12_to_3.3.13/oracle/2023-05-09-configurazionePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.12_to_3.3.13/oracle/2023-06-16-configurazionePdD-patch.sql", 4, 1),
    ("resources/sql_upgrade/upgrade_3.3.13_to_3.3.14/oracle/2023-10-18-archiviComunicazioni-patch.sql", 6, 0),
    ("resources/sql_upgrade/upgrade_3.3.13_to_3.3.14/oracle/2023-10-18-configurazionePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.13_to_3.3.14/oracle/2023-11-08-configurazionePdD-patch.sql", 9, 0),
    ("resources/sql_upgrade/upgrade_3.3.13_to_3.3.14/oracle/2023-11-10-configurazionePdD-patch.sql", 32, 0),
    ("resources/sql_upgrade/upgrade_3.3.13_to_3.3.14/oracle/2023-11-10-registroServizi-patch.sql", 49, 0),
    ("resources/sql_upgrade/upgrade_3.3.13_to_3.3.14/oracle/2024-01-10-archiviComunicazioni-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.14_to_3.3.15/oracle/2024-02-16-configurazionePdD-patch.sql", 30, 2),
    ("resources/sql_upgrade/upgrade_3.3.14_to_3.3.15/oracle/2024-03-13-archiviComunicazioni-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.14_to_3.3.15/oracle/2024-03-13-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.14_to_3.3.15/oracle/2024-05-31-configurazionePdD-patch.sql", 24, 0),
    ("resources/sql_upgrade/upgrade_3.3.14_to_3.3.15/oracle/2024-05-31-registroServizi-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.16_to_3.3.17/oracle/2025-02-17-archiviComunicazioni-patch.sql", 6, 1),
    ("resources/sql_upgrade/upgrade_3.3.16_to_3.3.17/oracle/2025-02-17-informazioniStatistiche-patch.sql", 6, 1),
    ("resources/sql_upgrade/upgrade_3.3.16_to_3.3.17/oracle/2025-04-14-configurazionePdD-patch.sql", 5, 1),
    ("resources/sql_upgrade/upgrade_3.3.16_to_3.3.17/oracle/2025-05-14-archiviComunicazioni-patch.sql", 3, 0),
    ("resources/sql_upgrade/upgrade_3.3.16_to_3.3.17/oracle/2025-05-19-informazioniStatistiche-patch.sql", 11, 1),
    ("resources/sql_upgrade/upgrade_3.3.17_to_3.3.18/oracle/2025-08-05-archiviComunicazioni-patch.sql", 4, 0),
    ("resources/sql_upgrade/upgrade_3.3.17_to_3.3.18/oracle/2025-10-20-archiviComunicazioni-patch.sql", 55, 0),
    ("resources/sql_upgrade/upgrade_3.3.17_to_3.3.18/oracle/2025-10-21-archiviComunicazioni-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.19_to_3.3.20/oracle/2026-06-04-archiviComunicazioni-patch.sql", 3, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-07-27-runtimePdD-patch.sql", 30, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-08-03-configurazionePdD-patch.sql", 5, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-08-03-runtimePdD-patch.sql", 15, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-08-07-archiviComunicazioni-patch.sql", 6, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-08-07-runtimePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-09-14-configurazionePdD-patch.sql", 6, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-10-01-configurazionePdD-patch.sql", 3, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-10-08-archiviComunicazioni-patch.sql", 3, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-10-08-informazioniStatistiche-patch.sql", 12, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-10-13-configurazionePdD-patch.sql", 13, 2),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-10-13-registroServizi-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-10-27-configurazionePdD-patch.sql", 10, 0),
    ("resources/sql_upgrade/upgrade_3.3.2_to_3.3.3/oracle/2020-11-17-configurazionePdD-patch.sql", 20, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2020-12-03-configurazionePdD-patch.sql", 11, 2),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2020-12-03-monitoraggio-patch.sql", 29, 4),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2020-12-03-registroServizi-patch.sql", 18, 1),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-01-14-configurazionePdD-patch.sql", 11, 3),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-02-12-archiviComunicazioni-patch.sql", 0, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-02-12-informazioniStatistiche-patch.sql", 32, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-03-05-archiviComunicazioni-patch.sql", 3, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-03-19-runtimePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-03-23-configurazionePdD-patch.sql", 5, 1),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-03-23-registroServizi-patch.sql", 5, 1),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-03-24-archiviComunicazioni-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-03-24-configurazionePdD-patch.sql", 7, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-04-01-archiviComunicazioni-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-04-09-configurazionePdD-patch.sql", 3, 1),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-04-15-configurazionePdD-patch.sql", 4, 1),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-04-15-registroServizi-patch.sql", 4, 1),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-04-26-configurazionePdD-patch.sql", 9, 1),
    ("resources/sql_upgrade/upgrade_3.3.3_to_3.3.4/oracle/2021-05-21-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.4_to_3.3.5/oracle/2021-07-27-configurazionePdD-patch.sql", 6, 2),
    ("resources/sql_upgrade/upgrade_3.3.5_to_3.3.6/oracle/2021-11-24-archiviComunicazioni-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.5_to_3.3.6/oracle/2021-12-27-monitoraggio-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.5_to_3.3.6/oracle/2022-01-12-configurazionePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.6_to_3.3.7/oracle/2022-03-16-configurazionePdD-patch.sql", 8, 0),
    ("resources/sql_upgrade/upgrade_3.3.6_to_3.3.7/oracle/2022-05-18-runtimePdD-patch.sql", 3, 1),
    ("resources/sql_upgrade/upgrade_3.3.6_to_3.3.7/oracle/2022-05-30-configurazionePdD-patch.sql", 14, 3),
    ("resources/sql_upgrade/upgrade_3.3.6_to_3.3.7/oracle/2022-06-03-configurazionePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.7_to_3.3.8/oracle/2022-06-16-runtimePdD-patch.sql", 3, 0),
    ("resources/sql_upgrade/upgrade_3.3.7_to_3.3.8/oracle/2022-06-17-configurazionePdD-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.7_to_3.3.8/oracle/2022-06-27-configurazionePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.7_to_3.3.8/oracle/2022-07-18-configurazionePdD-patch.sql", 23, 4),
    ("resources/sql_upgrade/upgrade_3.3.7_to_3.3.8/oracle/2022-09-28-runtimePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.8_to_3.3.9/oracle/2022-10-13-archiviComunicazioni-patch.sql", 65, 2),
    ("resources/sql_upgrade/upgrade_3.3.8_to_3.3.9/oracle/2022-10-27-configurazionePdD-patch.sql", 9, 0),
    ("resources/sql_upgrade/upgrade_3.3.8_to_3.3.9/oracle/2022-11-03-archiviComunicazioni-patch.sql", 2, 0),
    ("resources/sql_upgrade/upgrade_3.3.8_to_3.3.9/oracle/2022-11-14-configurazionePdD-patch.sql", 4, 0),
    ("resources/sql_upgrade/upgrade_3.3.9_to_3.3.10/oracle/2023-01-16-configurazionePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.x_to_3.4.0/oracle/2023-07-31-configurazionePdD-patch.sql", 7, 0),
    ("resources/sql_upgrade/upgrade_3.3.x_to_3.4.0/oracle/2023-08-21-configurazionePdD-patch.sql", 6, 0),
    ("resources/sql_upgrade/upgrade_3.3.x_to_3.4.0/oracle/2024-09-04-configurazionePdD-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.3.x_to_3.4.0/oracle/2024-10-14-configurazionePdD-patch.sql", 4, 1),
    ("resources/sql_upgrade/upgrade_3.4.0_to_3.4.1/oracle/2025-08-05-archiviComunicazioni-patch.sql", 4, 0),
    ("resources/sql_upgrade/upgrade_3.4.0_to_3.4.1/oracle/2025-10-20-archiviComunicazioni-patch.sql", 55, 0),
    ("resources/sql_upgrade/upgrade_3.4.0_to_3.4.1/oracle/2025-10-21-archiviComunicazioni-patch.sql", 1, 0),
    ("resources/sql_upgrade/upgrade_3.4.2_to_3.4.3/oracle/2026-06-04-archiviComunicazioni-patch.sql", 3, 0),
];

/// Files below `root` in folders named `oracle`, relative to `root`, links followed.
fn oracle_files(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, in_oracle: bool, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                let oracle = path.file_name().is_some_and(|n| n == "oracle");
                walk(&path, oracle, out);
            } else if in_oracle {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, false, &mut out);
    out.into_iter()
        .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
        .collect()
}

fn is_trigger_header(text: &str) -> bool {
    let words: Vec<String> = text
        .split_whitespace()
        .take(4)
        .map(str::to_ascii_uppercase)
        .collect();
    matches!(words.as_slice(), [c, t, ..] if c == "CREATE" && t == "TRIGGER")
        || matches!(words.as_slice(), [c, o, r, t, ..] if c == "CREATE" && o == "OR" && r == "REPLACE" && t == "TRIGGER")
}

/// Splits `text` and checks what holds for every patch; returns (statements, PL/SQL blocks).
fn check(name: &str, text: &str) -> (usize, usize) {
    let stmts = split(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut blocks = 0;
    for s in &stmts {
        assert!(
            !s.text.trim().is_empty(),
            "{name}: empty statement at line {}",
            s.line
        );
        assert_eq!(
            s.text,
            s.text.trim(),
            "{name}: untrimmed statement at line {}",
            s.line
        );
        assert!(
            !s.text.ends_with(';') || s.text.to_ascii_uppercase().ends_with("END;"),
            "{name}: line {}",
            s.line
        );
        let upper = s.text.to_ascii_uppercase();
        let headers = upper.matches("CREATE TRIGGER").count()
            + upper.matches("CREATE OR REPLACE TRIGGER").count();
        if is_trigger_header(&s.text) {
            blocks += 1;
            assert!(s.text.starts_with("CREATE"), "{name}: line {}", s.line);
            assert!(
                upper.ends_with("END;"),
                "{name}: trigger at line {} ends with {:?}",
                s.line,
                s.text.lines().last()
            );
            assert_eq!(
                headers, 1,
                "{name}: trigger at line {} swallowed another",
                s.line
            );
        } else {
            assert_eq!(
                headers, 0,
                "{name}: line {} holds a trigger inside another statement",
                s.line
            );
        }
    }
    // Every trigger of the file is one of the statements.
    let in_file = text.lines().filter(|l| is_trigger_header(l)).count();
    assert_eq!(blocks, in_file, "{name}: triggers");
    (stmts.len(), blocks)
}

fn compare(what: &str, expected: &[(&str, usize, usize)], found: BTreeMap<String, (usize, usize)>) {
    let expected: BTreeMap<String, (usize, usize)> = expected
        .iter()
        .map(|&(p, n, b)| (p.to_string(), (n, b)))
        .collect();
    for (path, counts) in &found {
        assert_eq!(
            expected.get(path),
            Some(counts),
            "{what}: {path} (statements, blocks)"
        );
    }
    let missing: Vec<_> = expected
        .keys()
        .filter(|p| !found.contains_key(*p))
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: files in the table but not on disk: {missing:?}"
    );
}

#[test]
fn every_oracle_sample_splits_as_counted() {
    let root = govup_testkit::workspace().join("sql-samples");
    let mut found = BTreeMap::new();
    for rel in oracle_files(&root) {
        let name = rel.to_string_lossy().into_owned();
        let text = fs::read_to_string(root.join(&rel)).unwrap();
        found.insert(name.clone(), check(&name, &text));
    }
    assert_eq!(found.len(), SAMPLES.len());
    compare("sql-samples", SAMPLES, found);
}

#[test]
fn every_govway_oracle_patch_splits_as_counted() {
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    govway_oracle_patches_split_as_counted(&tree);
    for form in govup_testkit::LinkForm::BOTH {
        if let Some(copy) = govup_testkit::corpus_tree_as(&[], form) {
            govway_oracle_patches_split_as_counted(&copy);
        }
    }
}

/// `tree` is a copy of GovWay's `resources/sql_upgrade`, its links real or stubbed.
fn govway_oracle_patches_split_as_counted(tree: &Path) {
    let root = tree.parent().unwrap().parent().unwrap();
    let link_root = govup_planner::link::find_link_root(&fs::canonicalize(tree).unwrap());
    let reader =
        govup_planner::link::Reader::new(&link_root, govup_planner::link::DEFAULT_MAX_FILE_SIZE)
            .unwrap();
    let mut found = BTreeMap::new();
    let mut statements = 0;
    let mut triggers = 0;
    for rel in oracle_files(&root.join("resources/sql_upgrade")) {
        let stub_rel = Path::new("resources/sql_upgrade").join(&rel);
        let stub = root.join(&stub_rel);
        let body = reader
            .read_through_links(&stub)
            .unwrap_or_else(|e| panic!("{}: {e}", stub.display()));
        let text = String::from_utf8(body.bytes).unwrap();
        let name = stub_rel.to_string_lossy().into_owned();
        let counts = check(&name, &text);
        statements += counts.0;
        triggers += counts.1;
        found.insert(name, counts);
    }
    assert_eq!(found.len(), 113);
    assert_eq!((statements, triggers), (1166, 70));
    compare("govway", GOVWAY, found);
}
