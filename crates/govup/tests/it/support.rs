//! Running the binary and finding the trees it runs on.

use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn govup(args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_govup"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("govup runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn fixture(name: &str) -> String {
    workspace()
        .join("fixtures")
        .join(name)
        .display()
        .to_string()
}

/// The GovWay corpus tree, beside the project as `../shared/corpus` (or `GOVUP_CORPUS`).
/// Absent, a test prints why it skips; under `CI=true` it fails instead.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("GOVUP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/corpus"));
    let path = root.join(sub);
    if path.is_dir() {
        return Some(path);
    }
    let why = format!("corpus folder {} is absent", path.display());
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why}, and CI=true forbids skipping");
    }
    eprintln!("skipping: {why}");
    None
}

pub fn json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("stdout is one JSON document")
}
