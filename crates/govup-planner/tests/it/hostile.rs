//! Trees written to harm or to mislead: links out of the link root, to special files, in loops,
//! oversized files, near-miss step names, and trees with no step at all. Each is a finding that
//! refuses the tree, and nothing hangs or fills memory.

use govup_planner::{DbSelection, DbType, FindingKind, ReadOptions, Tree};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

const PATCH: &str = "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-01-configurazionePdD-patch.sql";

/// A fresh one-step tree in a folder marked as a repository (its link root), and a fresh
/// folder beside that repository.
fn trees(tag: &str) -> (PathBuf, PathBuf) {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("hostile-{tag}"));
    let _ = fs::remove_dir_all(&base);
    fs::create_dir_all(base.join("repo/.git")).unwrap();
    fs::create_dir_all(base.join("outside")).unwrap();
    let tree = base.join("repo/tree");
    fs::create_dir_all(tree.join("upgrade_1.0.0_to_1.0.1/sqlite")).unwrap();
    fs::write(
        tree.join("upgrade_1.0.0_to_1.0.1/info-patch.sql"),
        "-- [1.0.1]\nselect 1;\n",
    )
    .unwrap();
    fs::write(tree.join(PATCH), "create table t (a int);\n").unwrap();
    (tree, fs::canonicalize(base.join("outside")).unwrap())
}

fn scan(tree: &Path, options: &ReadOptions) -> Vec<(FindingKind, String)> {
    let tree = Tree::read(tree, &DbSelection::One(DbType::Sqlite), options, false).unwrap();
    tree.findings
        .iter()
        .filter(|f| f.is_error())
        .map(|f| (f.kind, f.to_string()))
        .collect()
}

fn defaults(tree: &Path) -> Vec<(FindingKind, String)> {
    scan(tree, &ReadOptions::default())
}

#[test]
fn links_out_of_the_repository_are_refused_in_both_forms() {
    let (tree, outside) = trees("outside");
    fs::write(outside.join("secret.sql"), "the secret line\n").unwrap();
    fs::remove_file(tree.join(PATCH)).unwrap();
    let secret = outside.join("secret.sql");
    for form in ["symlink", "stub"] {
        let _ = fs::remove_file(tree.join(PATCH));
        if form == "symlink" {
            symlink(&secret, tree.join(PATCH)).unwrap();
        } else {
            fs::write(tree.join(PATCH), secret.display().to_string()).unwrap();
        }
        let found = defaults(&tree);
        let root = fs::canonicalize(tree.join("..")).unwrap();
        assert_eq!(
            found,
            [(
                FindingKind::LinkOutside,
                format!(
                    "{PATCH}: link leaves the link root `{}`: it leads to `{}` (--link-root widens the root)",
                    root.display(),
                    secret.display()
                )
            )],
            "{form}"
        );
        assert!(!found[0].1.contains("the secret line"));
        // A link root that holds both follows it.
        let wide = ReadOptions {
            link_root: Some("/".into()),
            ..ReadOptions::default()
        };
        assert_eq!(scan(&tree, &wide), [], "{form}");
    }
    symlink(
        "/etc/passwd",
        tree.join("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql"),
    )
    .unwrap();
    let found = defaults(&tree);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[1].1.contains("it leads to `/etc/passwd`"),
        "{found:?}"
    );
}

#[test]
fn a_step_or_database_folder_linked_out_of_the_repository_or_to_nothing_is_refused() {
    let (tree, outside) = trees("folders");
    fs::create_dir_all(outside.join("step/sqlite")).unwrap();
    fs::write(outside.join("step/info-patch.sql"), "-- [1.0.2]\n").unwrap();
    symlink(outside.join("step"), tree.join("upgrade_1.0.1_to_1.0.2")).unwrap();
    symlink(
        outside.join("step/sqlite"),
        tree.join("upgrade_1.0.0_to_1.0.1/mysql"),
    )
    .unwrap();
    symlink(
        "upgrade_1.0.2_to_1.0.3",
        tree.join("upgrade_1.0.2_to_1.0.3"),
    )
    .unwrap();
    symlink("nowhere", tree.join("upgrade_1.0.3_to_1.0.4")).unwrap();
    let found = defaults(&tree);
    let kinds: Vec<_> = found
        .iter()
        .map(|(k, m)| (*k, m.split(':').next().unwrap().to_string()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                FindingKind::LinkOutside,
                "upgrade_1.0.0_to_1.0.1/mysql".to_string()
            ),
            (
                FindingKind::LinkOutside,
                "upgrade_1.0.1_to_1.0.2".to_string()
            ),
            (
                FindingKind::BrokenLink,
                "upgrade_1.0.2_to_1.0.3".to_string()
            ),
            (
                FindingKind::BrokenLink,
                "upgrade_1.0.3_to_1.0.4".to_string()
            ),
        ],
        "{found:?}"
    );
}

#[test]
fn special_files_and_oversized_files_are_not_read() {
    let (tree, _) = trees("special");
    let fifo = tree.join("fifo.sql");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let dir = tree.join("upgrade_1.0.0_to_1.0.1/sqlite");
    symlink(
        "../../fifo.sql",
        dir.join("2024-01-02-runtimePdD-patch.sql"),
    )
    .unwrap();
    fs::write(
        dir.join("2024-01-03-runtimePdD-patch.sql"),
        "../../fifo.sql",
    )
    .unwrap();
    symlink("/dev/zero", dir.join("2024-01-04-runtimePdD-patch.sql")).unwrap();
    let real_fifo = fs::canonicalize(&fifo).unwrap();
    // With the default root, /dev/zero is outside; with `/` it is a device, and still not read.
    let wide = ReadOptions {
        link_root: Some("/".into()),
        ..ReadOptions::default()
    };
    let found = scan(&tree, &wide);
    let fifo_message = format!(
        "`{}` is a FIFO, not a regular file, and is not read",
        real_fifo.display()
    );
    assert_eq!(
        found,
        [
            (FindingKind::NotRegular, format!("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql: {fifo_message}")),
            (FindingKind::NotRegular, format!("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-03-runtimePdD-patch.sql: {fifo_message}")),
            (FindingKind::NotRegular, "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-04-runtimePdD-patch.sql: `/dev/zero` is a character device, not a regular file, and is not read".to_string()),
        ]
    );
    assert_eq!(defaults(&tree)[2].0, FindingKind::LinkOutside);

    let (tree, _) = trees("large");
    fs::write(tree.join(PATCH), vec![b' '; 2048]).unwrap();
    let small = ReadOptions {
        max_file_size: Some(2047),
        ..ReadOptions::default()
    };
    let found = scan(&tree, &small);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, FindingKind::TooLarge);
    assert!(found[0].1.starts_with(&format!("{PATCH}: `")), "{found:?}");
    assert!(found[0].1.ends_with("` is larger than 2047 bytes, the limit on a file of a tree (--max-patch-size raises it)"), "{found:?}");
    assert_eq!(
        scan(
            &tree,
            &ReadOptions {
                max_file_size: Some(2048),
                ..ReadOptions::default()
            }
        ),
        []
    );
}

#[test]
fn loops_of_link_stubs_and_of_symlinks_are_broken_links() {
    let (tree, _) = trees("loops");
    let dir = tree.join("upgrade_1.0.0_to_1.0.1/sqlite");
    // The shape the hostile run used: two stubs naming each other, in one folder.
    fs::write(dir.join("2024-01-02-a-patch.sql"), "2024-01-03-a-patch.sql").unwrap();
    fs::write(dir.join("2024-01-03-a-patch.sql"), "2024-01-02-a-patch.sql").unwrap();
    symlink("2024-01-05-b-patch.sql", dir.join("2024-01-04-b-patch.sql")).unwrap();
    symlink("2024-01-04-b-patch.sql", dir.join("2024-01-05-b-patch.sql")).unwrap();
    let found = defaults(&tree);
    assert_eq!(found.len(), 4, "{found:?}");
    for (kind, message) in &found {
        assert_eq!(*kind, FindingKind::BrokenLink);
        assert!(
            message.contains(": link loop: the links lead back to `"),
            "{message}"
        );
    }
}

#[test]
fn a_near_miss_step_name_is_an_error_not_an_ignored_folder() {
    let (tree, _) = trees("near");
    for near in [
        " upgrade_1.0.1_to_1.0.2",
        "upgrade-1.0.1-to-1.0.2",
        "1.0.1_to_1.0.2",
    ] {
        fs::create_dir(tree.join(near)).unwrap();
        fs::write(tree.join(near).join("info-patch.sql"), "-- [1.0.2]\n").unwrap();
    }
    let found = defaults(&tree);
    assert_eq!(
        found,
        [
            (FindingKind::StepName, r#" upgrade_1.0.1_to_1.0.2: directory " upgrade_1.0.1_to_1.0.2" looks like a step but is not one: its name has white space around it"#.to_string()),
            (FindingKind::StepName, r#"1.0.1_to_1.0.2: directory "1.0.1_to_1.0.2" looks like a step but is not one: a step directory is named upgrade_<FROM>_to_<TO>"#.to_string()),
            (FindingKind::StepName, r#"upgrade-1.0.1-to-1.0.2: directory "upgrade-1.0.1-to-1.0.2" looks like a step but is not one: a step directory is named upgrade_<FROM>_to_<TO>"#.to_string()),
        ]
    );
}

#[test]
fn a_tree_with_no_step_is_an_error() {
    let (tree, _) = trees("empty");
    fs::remove_dir_all(tree.join("upgrade_1.0.0_to_1.0.1")).unwrap();
    let no_steps = (
        FindingKind::NoSteps,
        "the tree holds no step directory (upgrade_<FROM>_to_<TO>): is it the upgrade tree?"
            .to_string(),
    );
    assert_eq!(defaults(&tree), std::slice::from_ref(&no_steps));
    fs::create_dir(tree.join("sqlite")).unwrap();
    fs::write(tree.join("README.md"), "patches\n").unwrap();
    assert_eq!(defaults(&tree), [no_steps]);
}

#[test]
fn a_baseline_that_is_not_a_version_is_never_quoted_at_length() {
    let (tree, _) = trees("baseline");
    fs::write(
        tree.join("notes.txt"),
        "first line of a private file\nsecond line\n",
    )
    .unwrap();
    symlink(
        "../notes.txt",
        tree.join("upgrade_1.0.0_to_1.0.1/baseline-version.txt"),
    )
    .unwrap();
    assert_eq!(
        defaults(&tree),
        [(
            FindingKind::BaselineParse,
            "upgrade_1.0.0_to_1.0.1/baseline-version.txt: baseline version does not parse: it is not one line holding a version such as 3.3.17".to_string()
        )]
    );
    // A short text is a mistyped version: quoting it helps.
    fs::remove_file(tree.join("upgrade_1.0.0_to_1.0.1/baseline-version.txt")).unwrap();
    fs::write(
        tree.join("upgrade_1.0.0_to_1.0.1/baseline-version.txt"),
        "1.0\n",
    )
    .unwrap();
    assert!(defaults(&tree)[0].1.contains("invalid version `1.0`"));
}
