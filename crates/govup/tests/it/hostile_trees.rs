//! Trees written to harm or mislead, through `plan`, `lint` and `apply`: links out of the link
//! root, to a FIFO or `/dev/zero`, in loops; oversized files; near-miss step names; trees with
//! no step. `plan` and `apply` refuse with exit 2 naming the file, `lint` reports it (exit 1),
//! nothing hangs, and no output holds the content of a file that is not a patch.

use crate::support::{sqlite_scratch, workspace, Run};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DIR: &str = "upgrade_1.0.0_to_1.0.1/sqlite";
const EVIL: &str = "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql";
const SECRET: &str = "root:x:0:0:the secret line";

/// `govup args`, killed after a minute: a hang detector only, never a timing assertion.
fn govup(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_govup"))
        .args(args)
        .current_dir(workspace())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("govup runs");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("govup {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A one-step sqlite tree in a folder marked as a repository, and a secret file beside it.
fn tree(tag: &str) -> (PathBuf, PathBuf) {
    let base = govup_testkit::scratch_dir(tag);
    fs::create_dir_all(base.join("repo/.git")).unwrap();
    let tree = base.join("repo/tree");
    fs::create_dir_all(tree.join(DIR)).unwrap();
    fs::write(
        tree.join("upgrade_1.0.0_to_1.0.1/info-patch.sql"),
        "CREATE TABLE IF NOT EXISTS db_info (notes TEXT);\nINSERT INTO db_info VALUES ('[1.0.1]');\n",
    )
    .unwrap();
    fs::write(
        tree.join(DIR)
            .join("2024-01-01-configurazionePdD-patch.sql"),
        "CREATE TABLE t (a INT);\n",
    )
    .unwrap();
    let secret = base.join("secret.sql");
    fs::write(&secret, format!("{SECRET}\n")).unwrap();
    (tree, secret)
}

fn plan(tree: &Path, extra: &[&str]) -> Run {
    let dir = tree.display().to_string();
    let mut args = vec![
        "plan", "--dir", &dir, "--db", "sqlite", "--from", "1.0.0", "--to", "latest",
    ];
    args.extend(extra);
    govup(&args)
}

fn lint(tree: &Path, extra: &[&str]) -> Run {
    let dir = tree.display().to_string();
    let mut args = vec!["lint", "--dir", &dir, "--format", "github"];
    args.extend(extra);
    govup(&args)
}

/// `apply` on a fresh SQLite file; also returns whether that file holds table `t` afterwards.
fn apply(tree: &Path, extra: &[&str]) -> (Run, bool) {
    let (url, dir) = sqlite_scratch("hostile_apply");
    let tree = tree.display().to_string();
    let mut args = vec![
        "apply", "--dir", &tree, "--url", &url, "--from", "1.0.0", "--to", "latest",
    ];
    args.extend(extra);
    let run = govup(&args);
    let db = dir.join("db.sqlite");
    let wrote = db.exists()
        && fs::read(&db).is_ok_and(|bytes| bytes.windows(14).any(|w| w == b"CREATE TABLE t"));
    (run, wrote)
}

/// `plan` and `apply` refuse with exit 2 naming the file and `expected`; `lint` exits 1 with
/// `code` at the file; no output shows the secret.
fn refused_everywhere(tree: &Path, extra: &[&str], code: &str, expected: &str) {
    let run = plan(tree, extra);
    assert_eq!(run.code, 2, "plan: {}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{EVIL}: ")) && run.stderr.contains(expected),
        "plan: {}",
        run.stderr
    );
    let (run, wrote) = apply(tree, extra);
    assert_eq!(run.code, 2, "apply: {}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{EVIL}: ")) && run.stderr.contains(expected),
        "apply: {}",
        run.stderr
    );
    assert!(!wrote, "apply wrote before refusing");
    let run = lint(tree, extra);
    assert_eq!(run.code, 1, "lint: {}", run.stderr);
    assert!(
        run.stdout.contains(&format!("{EVIL},title={code} ")),
        "lint: {}",
        run.stdout
    );
    assert!(run.stdout.contains(expected), "lint: {}", run.stdout);
    for out in [&run.stdout, &run.stderr] {
        assert!(
            !out.contains("the secret line") && !out.contains("root:x:0"),
            "{out}"
        );
    }
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
}

#[test]
fn a_link_to_a_fifo_is_refused_at_once_in_both_forms() {
    let (tree, _) = tree("hostile_fifo");
    let fifo = tree.join("fifo.sql");
    mkfifo(&fifo);
    let expected = format!(
        "`{}` is a FIFO, not a regular file, and is not read",
        fs::canonicalize(&fifo).unwrap().display()
    );
    symlink("../../fifo.sql", tree.join(EVIL)).unwrap();
    refused_everywhere(&tree, &[], "L018", &expected);
    fs::remove_file(tree.join(EVIL)).unwrap();
    fs::write(tree.join(EVIL), "../../fifo.sql").unwrap();
    refused_everywhere(&tree, &[], "L018", &expected);
}

#[test]
fn a_link_to_dev_zero_is_outside_the_root_and_never_read_past_it() {
    let (tree, _) = tree("hostile_zero");
    symlink("/dev/zero", tree.join(EVIL)).unwrap();
    refused_everywhere(&tree, &[], "L030", "link leaves the link root `");
    refused_everywhere(
        &tree,
        &["--link-root", "/"],
        "L018",
        "`/dev/zero` is a character device, not a regular file, and is not read",
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_and_the_limit_can_be_raised() {
    let (tree, _) = tree("hostile_large");
    let mut big = b"CREATE TABLE big (a INT);\n".to_vec();
    big.resize(5000, b'\n');
    fs::write(tree.join(EVIL), &big).unwrap();
    refused_everywhere(
        &tree,
        &["--max-patch-size", "4K"],
        "L018",
        "` is larger than 4096 bytes, the limit on a file of a tree (--max-patch-size raises it)",
    );
    assert_eq!(plan(&tree, &["--max-patch-size", "5000"]).code, 0);
    assert_eq!(plan(&tree, &[]).code, 0, "the default limit is generous");
    let run = plan(&tree, &["--max-patch-size", "lots"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`lots` is not a size such as 4096, 512K, 64M or 1G"),
        "{}",
        run.stderr
    );
}

#[test]
fn links_out_of_the_repository_are_refused_in_both_forms_without_showing_the_target() {
    let (tree, secret) = tree("hostile_outside");
    let secret = fs::canonicalize(secret).unwrap();
    let root = fs::canonicalize(tree.join("..")).unwrap();
    let expected = format!(
        "link leaves the link root `{}`: it leads to `{}` (--link-root widens the root)",
        root.display(),
        secret.display()
    );
    symlink(&secret, tree.join(EVIL)).unwrap();
    refused_everywhere(&tree, &[], "L030", &expected);
    fs::remove_file(tree.join(EVIL)).unwrap();
    fs::write(tree.join(EVIL), "../../../../secret.sql\n").unwrap();
    refused_everywhere(&tree, &[], "L030", &expected);
    fs::remove_file(tree.join(EVIL)).unwrap();
    symlink("/etc/passwd", tree.join(EVIL)).unwrap();
    refused_everywhere(&tree, &[], "L030", "it leads to `/etc/passwd`");
    // A root that holds the target lets the link through.
    let wider = root.parent().unwrap().display().to_string();
    fs::remove_file(tree.join(EVIL)).unwrap();
    fs::write(tree.join(EVIL), "../../../../secret.sql\n").unwrap();
    assert_eq!(plan(&tree, &["--link-root", &wider]).code, 0);
}

#[test]
fn a_loop_of_link_stubs_or_of_symlinks_is_refused() {
    let (tree, _) = tree("hostile_loop");
    let other = "2024-01-03-runtimePdD-patch.sql";
    fs::write(tree.join(EVIL), other).unwrap();
    fs::write(
        tree.join(DIR).join(other),
        "2024-01-02-runtimePdD-patch.sql",
    )
    .unwrap();
    refused_everywhere(&tree, &[], "L015", "link loop: the links lead back to `");
    fs::remove_file(tree.join(EVIL)).unwrap();
    fs::remove_file(tree.join(DIR).join(other)).unwrap();
    symlink(other, tree.join(EVIL)).unwrap();
    symlink(
        "2024-01-02-runtimePdD-patch.sql",
        tree.join(DIR).join(other),
    )
    .unwrap();
    refused_everywhere(&tree, &[], "L015", "link loop: the links lead back to `");
}

#[test]
fn a_near_miss_step_name_refuses_the_tree() {
    let (tree, _) = tree("hostile_near");
    let near = tree.join(" upgrade_1.0.1_to_1.0.2");
    fs::create_dir_all(near.join("sqlite")).unwrap();
    fs::write(
        near.join("info-patch.sql"),
        "INSERT INTO db_info VALUES ('[1.0.2]');\n",
    )
    .unwrap();
    let message = r#"directory " upgrade_1.0.1_to_1.0.2" looks like a step but is not one: its name has white space around it"#;
    let run = plan(&tree, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(message), "{}", run.stderr);
    let (run, wrote) = apply(&tree, &[]);
    assert_eq!((run.code, wrote), (2, false), "{}", run.stderr);
    let run = lint(&tree, &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("title=L001 step-name::"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_tree_with_no_step_refuses_plan_and_fails_lint() {
    let base = govup_testkit::scratch_dir("hostile_empty");
    let message =
        "the tree holds no step directory (upgrade_<FROM>_to_<TO>): is it the upgrade tree?";
    for fill in [false, true] {
        if fill {
            fs::create_dir_all(base.join("sqlite")).unwrap();
            fs::write(base.join("README.md"), "patches\n").unwrap();
        }
        let run = plan(&base, &[]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(message), "{}", run.stderr);
        let run = lint(&base, &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stdout
                .contains(&format!("title=L031 no-steps::{message}")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_link_root_that_is_missing_or_does_not_hold_the_tree_is_bad_usage() {
    let (tree, secret) = tree("hostile_root");
    let run = plan(&tree, &["--link-root", "/nonexistent/govup"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(
            "error: link root `/nonexistent/govup` is not a directory that can be read: "
        ),
        "{}",
        run.stderr
    );
    let beside = secret.parent().unwrap().join("beside");
    fs::create_dir_all(&beside).unwrap();
    let run = plan(&tree, &["--link-root", &beside.display().to_string()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not inside the link root"),
        "{}",
        run.stderr
    );
}

#[test]
fn govway_links_stay_inside_the_default_root_and_a_narrower_root_refuses_them() {
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let dir = tree.display().to_string();
    let args = [
        "plan",
        "--dir",
        &dir,
        "--db",
        "postgresql",
        "--from",
        "3.3.17",
        "--to",
        "3.4.1",
    ];
    assert_eq!(govup(&args).code, 0);
    let mut narrow = args.to_vec();
    narrow.extend(["--link-root", &dir]);
    let run = govup(&narrow);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("link leaves the link root"),
        "{}",
        run.stderr
    );
}

/// Every other file govup reads (a schema map, a fleet inventory, a password file, an install
/// script for `verify`) is refused at once when it is a FIFO, naming it; none blocks.
#[test]
fn a_map_an_inventory_a_password_file_or_a_script_that_is_a_fifo_is_refused_at_once() {
    let dir = govup_testkit::scratch_dir("fifo_inputs");
    let fifo = dir.join("input");
    mkfifo(&fifo);
    let f = fifo.display().to_string();
    let db = format!("sqlite:{}", dir.join("x.db").display());
    let samples = workspace().join("sql-samples").display().to_string();
    let made = govup(&[
        "apply", "--dir", &samples, "--url", &db, "--from", "1.0.0", "--to", "1.0.1",
    ]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    for args in [
        vec!["status", "--schema-map", &f],
        vec!["fleet", "status", "--inventory", &f],
        vec![
            "status",
            "--url",
            "postgres://u@127.0.0.1:1/x",
            "--password-file",
            &f,
        ],
        vec!["verify", "--url", &db, "--against-sql", &f],
        vec![
            "apply",
            "--dir",
            &samples,
            "--schema-map",
            &f,
            "--to",
            "1.0.2",
        ],
    ] {
        let out = govup(&args);
        assert_ne!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(&f) && out.stderr.contains("not a regular file but a FIFO"),
            "{args:?}: {}",
            out.stderr
        );
    }
}
