//! Output that goes away and signals in the middle of an upgrade: a closed stdout and stderr
//! or a SIGHUP change nothing (the upgrade completes); SIGTERM stops at the next safe point,
//! with a history that the same command resumes from.

use crate::support::{connect, sqlite_scratch};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const STEPS: usize = 10;

/// A SQLite tree of `STEPS` steps whose patch each takes a noticeable time (a recursive count),
/// so that a signal sent after the first step's progress line lands mid-run.
fn slow_tree(tag: &str) -> PathBuf {
    let root = govup_testkit::scratch_dir(tag).join("tree");
    for i in 0..STEPS {
        let step = root.join(format!("upgrade_1.0.{i}_to_1.0.{}", i + 1));
        std::fs::create_dir_all(step.join("sqlite")).unwrap();
        std::fs::write(
            step.join("sqlite").join("2024-01-01-configurazionePdD-patch.sql"),
            format!("CREATE TABLE t{i} AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000) SELECT count(*) AS n FROM c;\n"),
        )
        .unwrap();
        std::fs::write(
            step.join("info-patch.sql"),
            format!("CREATE TABLE IF NOT EXISTS db_info (notes TEXT);\nDELETE FROM db_info;\nINSERT INTO db_info VALUES ('[1.0.{}] slow');\n", i + 1),
        )
        .unwrap();
    }
    root
}

fn spawn(tree: &Path, url: &str, extra: &[&str]) -> Child {
    let tree = tree.display().to_string();
    Command::new(env!("CARGO_BIN_EXE_govup"))
        .args(["apply", "--dir", &tree, "--url", url, "--to", "latest"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("govup runs")
}

/// (patch path, status) of every history row.
fn history(url: &str) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = connect(url)
        .query("SELECT patch_path, status FROM govup_history")
        .unwrap()
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect();
    rows.sort();
    rows
}

fn kill(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Reads stderr until the first step's progress line, returning the reader for the rest.
fn first_step_done(child: &mut Child) -> BufReader<std::process::ChildStderr> {
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(line.starts_with("upgrade_1.0.0_to_1.0.1: "), "{line}");
    stderr
}

#[test]
fn closed_stdout_and_stderr_do_not_stop_an_upgrade() {
    let (url, dir) = sqlite_scratch("closedpipe");
    let tree = slow_tree("closedpipe");
    let mut child = spawn(&tree, &url, &["--from", "1.0.0"]);
    // The reader goes away at once, as `| head -1` or a dropped SSH session does.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{}", dir.display());
    let rows = history(&url);
    assert_eq!(rows.len(), 2 * STEPS, "{rows:?}");
    assert!(rows.iter().all(|(_, s)| s == "applied"), "{rows:?}");
}

#[test]
fn sighup_mid_run_lets_the_upgrade_complete() {
    let (url, _) = sqlite_scratch("sighup");
    let tree = slow_tree("sighup");
    let mut child = spawn(&tree, &url, &["--from", "1.0.0"]);
    let mut rest = first_step_done(&mut child);
    kill("-HUP", &child);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut rest, &mut text).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{text}");
    let rows = history(&url);
    assert_eq!(rows.len(), 2 * STEPS, "{rows:?}");
    assert!(rows.iter().all(|(_, s)| s == "applied"), "{rows:?}");
}

#[test]
fn sigterm_stops_at_a_safe_point_and_the_same_command_resumes() {
    let (url, _) = sqlite_scratch("sigterm");
    let tree = slow_tree("sigterm");
    let mut child = spawn(&tree, &url, &["--from", "1.0.0", "--tx", "patch"]);
    let mut rest = first_step_done(&mut child);
    kill("-TERM", &child);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut rest, &mut text).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: interrupted by a signal: stopped before upgrade_1.0."),
        "{text}"
    );
    assert!(
        text.contains("  what completed is recorded in govup_history, anything unfinished was rolled back: run the same command again to resume"),
        "{text}"
    );
    // Every row is applied, and every applied patch left its table: nothing half done.
    let rows = history(&url);
    assert!(rows.len() >= 2 && rows.len() < 2 * STEPS, "{rows:?}");
    assert!(rows.iter().all(|(_, s)| s == "applied"), "{rows:?}");
    let tables = connect(&url)
        .query("SELECT count(*) FROM sqlite_master WHERE name LIKE 't%' AND type = 'table'")
        .unwrap();
    let patches = rows.iter().filter(|(p, _)| p.contains("/sqlite/")).count();
    assert_eq!(
        tables[0][0].as_deref(),
        Some(patches.to_string().as_str()),
        "{rows:?} {:?}",
        connect(&url)
            .query("SELECT name FROM sqlite_master")
            .unwrap()
    );

    // The same command without --from: the history says where to go on.
    let tree_arg = tree.display().to_string();
    let again = crate::support::govup(&[
        "apply", "--dir", &tree_arg, "--url", &url, "--to", "latest", "--tx", "patch",
    ]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let rows = history(&url);
    assert_eq!(rows.len(), 2 * STEPS, "{rows:?}");
    assert!(rows.iter().all(|(_, s)| s == "applied"), "{rows:?}");
}
