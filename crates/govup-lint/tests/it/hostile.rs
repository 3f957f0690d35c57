//! Trees written to harm or mislead: lint names every such file under its code, returns at
//! once, and never prints the content of a file that is not a patch.

use govup_lint::{lint, lint_with, render_github, Report};
use govup_planner::ReadOptions;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

const DIR: &str = "upgrade_1.0.0_to_1.0.1/postgresql";

/// A one-step tree in a folder marked as a repository, with a secret file beside that folder.
fn tree(tag: &str) -> (PathBuf, PathBuf) {
    let base = govup_testkit::scratch_dir(tag);
    fs::create_dir_all(base.join("repo/.git")).unwrap();
    let tree = base.join("repo/tree");
    fs::create_dir_all(tree.join(DIR)).unwrap();
    fs::write(
        tree.join("upgrade_1.0.0_to_1.0.1/info-patch.sql"),
        "UPDATE db_info SET notes = '[1.0.1]';\n",
    )
    .unwrap();
    fs::write(
        tree.join(DIR)
            .join("2024-01-01-configurazionePdD-patch.sql"),
        "CREATE TABLE t (a INT);\n",
    )
    .unwrap();
    let secret = base.join("secret.sql");
    fs::write(&secret, "root:x:0:0:the secret line\n").unwrap();
    (tree, secret)
}

fn lines(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.path))
        .collect()
}

#[test]
fn links_out_of_the_repository_are_l030_and_their_target_is_never_shown() {
    let (tree, secret) = tree("lint_outside");
    let dir = tree.join(DIR);
    symlink(&secret, dir.join("2024-01-02-runtimePdD-patch.sql")).unwrap();
    fs::write(
        dir.join("2024-01-03-runtimePdD-patch.sql"),
        "../../../../secret.sql",
    )
    .unwrap();
    symlink("/etc/passwd", dir.join("2024-01-04-runtimePdD-patch.sql")).unwrap();
    let report = lint(&tree, &[]).unwrap();
    assert_eq!(
        lines(&report),
        [
            format!("L030 {DIR}/2024-01-02-runtimePdD-patch.sql"),
            format!("L030 {DIR}/2024-01-03-runtimePdD-patch.sql"),
            format!("L030 {DIR}/2024-01-04-runtimePdD-patch.sql"),
        ]
    );
    let annotations = render_github(&report);
    assert!(!annotations.contains("the secret line"), "{annotations}");
    assert!(!annotations.contains("root:x:0"), "{annotations}");
    assert!(
        annotations.contains("it leads to `/etc/passwd`"),
        "{annotations}"
    );
}

#[test]
fn special_files_and_oversized_files_are_l018() {
    let (tree, _) = tree("lint_special");
    let dir = tree.join(DIR);
    let fifo = tree.join("fifo.sql");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
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
    fs::write(
        dir.join("2024-01-05-runtimePdD-patch.sql"),
        vec![b' '; 4096],
    )
    .unwrap();
    let options = ReadOptions {
        link_root: Some("/".into()),
        max_file_size: Some(4095),
    };
    // A FIFO read would block for ever, /dev/zero would fill memory: this returns at once.
    let report = lint_with(&tree, &[], &options).unwrap();
    let got: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| format!("{} {}: {}", d.code, d.path, d.message))
        .collect();
    let fifo = fs::canonicalize(fifo).unwrap();
    assert_eq!(got.len(), 4, "{got:?}");
    for (i, what) in [(0, "a FIFO"), (1, "a FIFO")] {
        assert_eq!(
            got[i],
            format!(
                "L018 {DIR}/2024-01-0{}-runtimePdD-patch.sql: `{}` is {what}, not a regular file, and is not read",
                i + 2,
                fifo.display()
            )
        );
    }
    assert_eq!(
        got[2],
        format!("L018 {DIR}/2024-01-04-runtimePdD-patch.sql: `/dev/zero` is a character device, not a regular file, and is not read")
    );
    assert!(
        got[3].starts_with(&format!("L018 {DIR}/2024-01-05-runtimePdD-patch.sql: `")),
        "{got:?}"
    );
    assert!(got[3].ends_with(
        "` is larger than 4095 bytes, the limit on a file of a tree (--max-patch-size raises it)"
    ));
    // With the default root, /dev/zero is outside it.
    let report = lint(&tree, &[]).unwrap();
    assert_eq!(
        report.diagnostics[2].code, "L030",
        "{:?}",
        report.diagnostics
    );
}

#[test]
fn loops_of_link_stubs_and_of_symlinks_are_l015() {
    let (tree, _) = tree("lint_loops");
    let dir = tree.join(DIR);
    fs::write(
        dir.join("2024-01-02-runtimePdD-patch.sql"),
        "2024-01-03-runtimePdD-patch.sql",
    )
    .unwrap();
    fs::write(
        dir.join("2024-01-03-runtimePdD-patch.sql"),
        "2024-01-02-runtimePdD-patch.sql",
    )
    .unwrap();
    symlink(
        "2024-01-05-runtimePdD-patch.sql",
        dir.join("2024-01-04-runtimePdD-patch.sql"),
    )
    .unwrap();
    symlink(
        "2024-01-04-runtimePdD-patch.sql",
        dir.join("2024-01-05-runtimePdD-patch.sql"),
    )
    .unwrap();
    let report = lint(&tree, &[]).unwrap();
    assert_eq!(
        lines(&report),
        (2..=5)
            .map(|n| format!("L015 {DIR}/2024-01-0{n}-runtimePdD-patch.sql"))
            .collect::<Vec<_>>()
    );
    assert!(report.diagnostics[0].message.starts_with("link loop: "));
}

#[test]
fn a_near_miss_step_and_a_tree_with_no_step_are_errors() {
    let (tree, _) = tree("lint_near");
    fs::create_dir(tree.join(" upgrade_1.0.1_to_1.0.2")).unwrap();
    let report = lint(&tree, &[]).unwrap();
    assert_eq!(
        report
            .diagnostics
            .iter()
            .map(|d| format!("{} {:?}: {}", d.code, d.path, d.message))
            .collect::<Vec<_>>(),
        [
            r#"L028 "": pairs of versions were not planned: the tree has structural errors (L001, L005 to L011) to fix first"#,
            r#"L001 " upgrade_1.0.1_to_1.0.2": directory " upgrade_1.0.1_to_1.0.2" looks like a step but is not one: its name has white space around it"#
        ]
    );
    assert!(report.fails(false));

    let empty = govup_testkit::scratch_dir("lint_empty");
    let report = lint(&empty, &[]).unwrap();
    assert_eq!(lines(&report), ["L031 "]);
    assert!(report.fails(false));
    fs::create_dir(empty.join("postgresql")).unwrap();
    fs::write(empty.join("notes.txt"), "x").unwrap();
    assert_eq!(lines(&lint(&empty, &[]).unwrap()), ["L031 "]);
}

/// `src` copied to `dst`, every link (symlink or stub) of it written as `symlinks` says.
pub fn copy_with_links(src: &Path, dst: &Path, symlinks: bool) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        let meta = fs::symlink_metadata(&from).unwrap();
        if meta.is_dir() {
            copy_with_links(&from, &to, symlinks);
            continue;
        }
        let target = if meta.file_type().is_symlink() {
            Some(fs::read_link(&from).unwrap())
        } else {
            let bytes = fs::read(&from).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim_end_matches('\n');
            (bytes.len() < 1024
                && text.ends_with(".sql")
                && text.contains('/')
                && !text.contains(char::is_whitespace))
            .then(|| PathBuf::from(text))
        };
        match target {
            Some(target) if symlinks => symlink(target, &to).unwrap(),
            Some(target) => fs::write(&to, target.to_string_lossy().as_bytes()).unwrap(),
            None => {
                fs::copy(&from, &to).unwrap();
            }
        }
    }
}
