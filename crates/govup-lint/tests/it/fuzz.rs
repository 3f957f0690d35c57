//! Property tests: the splitters, the SQL checks and the tree scanner never panic, whatever the
//! bytes and file names.
//!
//! The default case counts keep the normal suite fast. For a long run:
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo test --release -p govup-lint fuzz
//! ```

use govup_lint::{
    check_sql, lint, render_github, render_human, render_json, render_sarif, splitter,
};
use govup_planner::DbType;
use proptest::prelude::*;
use std::collections::HashSet;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `PROPTEST_CASES` when set, else `default`; no regression files are written.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Text made of the pieces splitters care about: quotes, comments, dollar quotes, blocks,
/// delimiters, slashes on their own line, nesting, and some arbitrary characters.
fn sqlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("`".to_string()),
        Just("$$".to_string()),
        Just("$a$".to_string()),
        Just("--".to_string()),
        Just("/*".to_string()),
        Just("*/".to_string()),
        Just(";".to_string()),
        Just("\n".to_string()),
        Just("\n/\n".to_string()),
        Just("\\".to_string()),
        Just(" BEGIN ".to_string()),
        Just(" END".to_string()),
        Just("CREATE OR REPLACE FUNCTION f() ".to_string()),
        Just("CREATE TRIGGER t ".to_string()),
        Just("DECLARE ".to_string()),
        Just("CASE ".to_string()),
        Just("DELIMITER $$\n".to_string()),
        Just("DELIMITER ;\n".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("E'".to_string()),
        Just("q'[".to_string()),
        Just("]'".to_string()),
        Just("SELECT 1".to_string()),
        Just("ALTER TABLE t ADD COLUMN c INT".to_string()),
        Just(" ".to_string()),
        Just("\u{e9}".to_string()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..64).prop_map(|v| v.concat())
}

const WITH_SPLITTER: [DbType; 4] = [
    DbType::Postgresql,
    DbType::Mysql,
    DbType::Oracle,
    DbType::Sqlite,
];

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn fuzz_splitters_never_panic_and_number_lines_inside_the_text(text in sqlish()) {
        let lines = u32::try_from(text.matches('\n').count()).unwrap() + 1;
        for db in WITH_SPLITTER {
            let dialect = splitter(db).unwrap();
            match dialect.split(&text) {
                Ok(statements) => {
                    for s in statements {
                        prop_assert!((1..=lines).contains(&s.line), "{db}: line {} of {lines}", s.line);
                    }
                }
                Err(e) => prop_assert!((1..=lines).contains(&e.line), "{db}: line {} of {lines}", e.line),
            }
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn fuzz_sql_checks_never_panic_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        text in sqlish(),
    ) {
        for db in DbType::ALL {
            for input in [bytes.as_slice(), text.as_bytes()] {
                let found = check_sql(db, input);
                let codes: HashSet<&str> = found.iter().map(|d| d.code).collect();
                prop_assert_eq!(codes.len(), found.len(), "at most one diagnostic per code");
            }
        }
    }
}

/// A file of a generated tree.
#[derive(Clone, Debug)]
enum Content {
    Bytes(Vec<u8>),
    Text(String),
    /// A real symlink to this relative target.
    Symlink(Vec<u8>),
}

/// Names that are plausible (steps, database folders, patches) or arbitrary bytes that a file
/// system accepts.
fn arbitrary_name() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..24).prop_filter("a file name", |n| {
        !n.contains(&b'/') && !n.contains(&0) && n != b"." && n != b".."
    })
}

fn step_name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (0u32..3, 0u32..3, 0u32..4).prop_map(|(p, m, n)| format!(
            "upgrade_{p}.{m}.{n}_to_{p}.{m}.{}",
            n + 1
        )
        .into_bytes()),
        (0u32..3, 0u32..3)
            .prop_map(|(p, m)| format!("upgrade_{p}.{m}.x_to_{p}.{}.0", m + 1).into_bytes()),
        "(upgrade|Upgrade|UPGRADE|upgrade\u{e9})_[0-9x.]{1,8}_to_[0-9.p_]{1,8}"
            .prop_map(String::into_bytes),
        arbitrary_name(),
    ]
}

fn folder_name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "postgresql",
            "mysql",
            "oracle",
            "sqlite",
            "hsql",
            "db2"
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        Just(b"info-patch.sql".to_vec()),
        Just(b"baseline-version.txt".to_vec()),
        arbitrary_name(),
    ]
}

fn file_name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "20[0-9]{2}-[0-1][0-9]-[0-3][0-9]-(runtimePdD|configurazionePdD|x_1|)-patch.sql"
            .prop_map(String::into_bytes),
        Just(b"info-patch.sql".to_vec()),
        arbitrary_name(),
    ]
}

fn content() -> impl Strategy<Value = Content> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256).prop_map(Content::Bytes),
        sqlish().prop_map(Content::Text),
        "[0-9]\\.[0-9x]\\.[0-9](\\.p1)?\n?".prop_map(Content::Text),
        // Link stubs, some of them pointing at themselves or at nothing.
        "(\\.\\./){0,3}(upgrade_1\\.0\\.0_to_1\\.0\\.1/)?(postgresql|sqlite|x)/[a-z0-9-]{1,12}\\.sql"
            .prop_map(Content::Text),
        prop_oneof![
            "(\\.\\./){0,3}[a-z0-9._-]{1,12}(/[a-z0-9._-]{1,12}){0,2}".prop_map(String::into_bytes),
            arbitrary_name(),
        ]
        .prop_map(Content::Symlink),
    ]
}

type Folder = (Vec<u8>, Vec<(Vec<u8>, Content)>);
type StepSpec = (Vec<u8>, Vec<(Vec<u8>, Content)>, Vec<Folder>);

fn tree_spec() -> impl Strategy<Value = Vec<StepSpec>> {
    let files = || prop::collection::vec((file_name(), content()), 0..4);
    let folders = prop::collection::vec((folder_name(), files()), 0..3);
    prop::collection::vec((step_name(), files(), folders), 0..6)
}

/// Writes what the file system accepts; names it refuses (too long, clashing) are skipped. A name
/// that exists already is skipped too: writing through a generated symlink could land outside
/// the scratch tree.
fn write_file(dir: &Path, name: &[u8], content: &Content) {
    let path = dir.join(OsStr::from_bytes(name));
    if path.symlink_metadata().is_ok() {
        return;
    }
    let _ = match content {
        Content::Bytes(b) => std::fs::write(&path, b),
        Content::Text(t) => std::fs::write(&path, t),
        Content::Symlink(target) => std::os::unix::fs::symlink(OsStr::from_bytes(target), &path),
    };
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn fuzz_tree_scan_and_lint_never_panic(spec in tree_spec()) {
        let root = govup_testkit::scratch_dir("lint_fuzz");
        for (step, files, folders) in &spec {
            // The root holds only these directories, so none of them is a symlink.
            let dir = root.join(OsStr::from_bytes(step));
            if !dir.is_dir() && std::fs::create_dir(&dir).is_err() {
                continue;
            }
            for (name, content) in files {
                write_file(&dir, name, content);
            }
            for (folder, files) in folders {
                let sub = dir.join(OsStr::from_bytes(folder));
                let exists = sub.symlink_metadata();
                if exists.as_ref().is_ok_and(|m| !m.is_dir())
                    || (exists.is_err() && std::fs::create_dir(&sub).is_err())
                {
                    continue;
                }
                for (name, content) in files {
                    write_file(&sub, name, content);
                }
            }
        }
        let report = lint(&root, &[]);
        std::fs::remove_dir_all(&root).unwrap();
        let report = report.unwrap();
        let json: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
        prop_assert_eq!(
            json["diagnostics"].as_array().map(Vec::len),
            Some(report.diagnostics.len())
        );
        let sarif: serde_json::Value = serde_json::from_str(&render_sarif(&report)).unwrap();
        prop_assert_eq!(
            sarif["runs"][0]["results"].as_array().map(Vec::len),
            Some(report.diagnostics.len())
        );
        prop_assert_eq!(render_github(&report).lines().count(), report.diagnostics.len());
        let human = render_human(&report);
        prop_assert_eq!(human.matches("\n  --> ").count(), report.diagnostics.len());
    }
}
