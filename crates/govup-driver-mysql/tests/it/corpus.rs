//! The splitter on every MySQL patch of the sample tree and of GovWay's corpus.

use std::fs;
use std::path::{Path, PathBuf};

use govup_driver_mysql::DIALECT;
use govup_engine::driver::{Dialect, Statement};

pub fn split_file(path: &Path) -> Vec<Statement> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    DIALECT
        .split(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `.sql` files of `dir`, sorted by file name.
pub fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// The bytes a patch of the tree finally names, through symlinks or link stubs, as the planner
/// reads them.
fn through_links(patch: &Path) -> PathBuf {
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

fn counts(files: &[PathBuf]) -> Vec<(String, usize)> {
    files
        .iter()
        .map(|f| {
            (
                f.file_name().unwrap().to_string_lossy().into_owned(),
                split_file(f).len(),
            )
        })
        .collect()
}

/// Statement counts of every MySQL patch of the sample tree, checked by hand.
#[test]
fn sample_tree_mysql_patches() {
    let root = govup_testkit::workspace().join("sql-samples");
    let expected: &[(&str, &[usize])] = &[
        ("upgrade_1.0.0_to_1.0.1", &[2, 4, 1, 1, 2]),
        ("upgrade_1.0.1_to_1.0.2", &[3, 2, 3]),
        ("upgrade_1.0.2_to_1.0.3", &[2, 1, 4]),
        ("upgrade_1.0.3_to_1.0.4", &[2, 1]),
        ("upgrade_1.0.x_to_1.1.0", &[2, 3, 2]),
        ("upgrade_1.1.0_to_1.1.1", &[2, 1, 1]),
        ("upgrade_1.1.1_to_1.1.2", &[2]),
    ];
    for (step, counts_by_file) in expected {
        let got: Vec<usize> = counts(&sql_files(&root.join(step).join("mysql")))
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(&got, counts_by_file, "{step}");
    }
    for step in fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()) {
        if step.join("info-patch.sql").is_file() {
            assert_eq!(
                split_file(&step.join("info-patch.sql")).len(),
                2,
                "{}",
                step.display()
            );
        }
    }
}

#[test]
fn sample_tree_delimiter_trigger() {
    let path = govup_testkit::workspace()
        .join("sql-samples/upgrade_1.0.2_to_1.0.3/mysql/2024-05-20-runtimePdD-patch.sql");
    let statements = split_file(&path);
    let trigger = &statements[3];
    assert_eq!(trigger.line, 17);
    assert!(
        trigger
            .text
            .starts_with("CREATE TRIGGER trg_orders_status\nBEFORE UPDATE ON orders"),
        "{}",
        trigger.text
    );
    assert!(trigger.text.ends_with("  END IF;\nEND"), "{}", trigger.text);
    assert_eq!(trigger.text.matches(';').count(), 3);
    assert!(!statements.iter().any(|s| s.text.contains("DELIMITER")));
    assert_eq!(
        statements[2].text,
        "ALTER TABLE orders ADD COLUMN updated_at DATETIME(3) NULL"
    );
}

#[test]
fn sample_tree_backticks_and_hash_comment() {
    let path = govup_testkit::workspace()
        .join("sql-samples/upgrade_1.0.1_to_1.0.2/mysql/2024-03-04-runtimePdD-patch.sql");
    let statements = split_file(&path);
    assert_eq!(
        statements[0].text,
        "ALTER TABLE `orders` ADD COLUMN `currency` CHAR(3) DEFAULT 'EUR'"
    );
    assert_eq!(statements[0].line, 2);
}

/// Every MySQL patch GovWay's tree links to splits. A patch with no statement must be all
/// comments (GovWay ships one: `2021-02-12-archiviComunicazioni`, two commented-out lines).
#[test]
fn govway_mysql_patches() {
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    check_govway_mysql_patches(&tree);
}

/// The same on copies of the tree holding real symlinks and link stubs.
#[test]
fn govway_mysql_patches_in_both_link_forms() {
    for form in govup_testkit::LinkForm::BOTH {
        let Some(tree) = govup_testkit::corpus_tree_as(&[], form) else {
            return;
        };
        check_govway_mysql_patches(&tree);
    }
}

fn check_govway_mysql_patches(tree: &Path) {
    let mut total = 0;
    let mut files = 0;
    let mut empty = Vec::new();
    for step in fs::read_dir(tree).unwrap().map(|e| e.unwrap().path()) {
        if !step.join("mysql").is_dir() {
            continue;
        }
        for stub in sql_files(&step.join("mysql")) {
            let real = through_links(&stub);
            let n = split_file(&real).len();
            if n == 0 {
                let text = fs::read_to_string(&real).unwrap();
                assert!(
                    text.lines()
                        .map(str::trim)
                        .all(|l| l.is_empty() || l.starts_with("--")),
                    "{}",
                    real.display()
                );
                empty.push(stub.strip_prefix(tree).unwrap().to_path_buf());
            }
            total += n;
            files += 1;
        }
    }
    assert_eq!(files, 113);
    assert_eq!(total, 996);
    assert_eq!(
        empty,
        [PathBuf::from(
            "upgrade_3.3.3_to_3.3.4/mysql/2021-02-12-archiviComunicazioni-patch.sql"
        )]
    );

    let count = |patch: &str| split_file(&through_links(&tree.join(patch))).len();
    assert_eq!(
        count("upgrade_3.0.0_to_3.0.1/mysql/2018-11-21-configurazionePdD-patch.sql"),
        65
    );
    assert_eq!(
        count("upgrade_3.3.8_to_3.3.9/mysql/2022-10-13-archiviComunicazioni-patch.sql"),
        64
    );
    // `'... all''API; in alcuni casi ...'`: a `;` inside a string with a doubled quote.
    assert_eq!(
        count("upgrade_3.3.17_to_3.3.18/mysql/2025-10-20-archiviComunicazioni-patch.sql"),
        55
    );
    assert_eq!(
        count("upgrade_3.0.x_to_3.1.0/mysql/2019-02-01-archiviComunicazioni-patch.sql"),
        1
    );
}

/// The fresh installs split, and into as many statements as they hold.
#[test]
fn govway_fresh_scripts() {
    let Some(fresh) = govup_testkit::corpus("govway-fresh") else {
        return;
    };
    let expected = [
        ("3.3.17", "schema.sql", 486),
        ("3.3.17", "data.sql", 168),
        ("3.4.3", "schema.sql", 483),
        ("3.4.3", "data.sql", 169),
    ];
    for (version, script, n) in expected {
        let statements = split_file(&fresh.join(version).join("mysql").join(script));
        assert_eq!(statements.len(), n, "{version}/{script}");
    }
    let schema = split_file(&fresh.join("3.4.3/mysql/schema.sql"));
    assert!(
        schema[0].text.starts_with("SET @@SESSION.sql_mode="),
        "{}",
        schema[0].text
    );
    assert_eq!(schema[0].line, 2);
    assert!(schema[1]
        .text
        .starts_with("CREATE TABLE REPOSITORY_BUSTE\n("));
    // The `--` comments inside the table, one with apostrophes, stay in the statement.
    assert!(schema[1]
        .text
        .contains("-- Booleani che indicano l'attuali modalita' di utilizzo"));
}
