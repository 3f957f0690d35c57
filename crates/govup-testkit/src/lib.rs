//! Test support shared by govup's crates: where the test servers and the corpus are, and what to
//! do when they are not there.
//!
//! The rule everywhere: a test that needs something absent prints why it skips, and under
//! `CI=true` it fails instead. This crate is only ever a dev-dependency.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// The URL of a test server from `var` (`GOVUP_TEST_POSTGRES_URL`, `GOVUP_TEST_MYSQL_URL`,
/// `GOVUP_TEST_ORACLE_URL`), or None after printing why the test skips.
///
/// Panics under `CI=true` when the variable is unset, except for `GOVUP_TEST_ORACLE_URL`: no
/// Oracle server exists here, so CI cannot require one.
pub fn server_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let why = format!("{var} is not set (run the suite with `cargo xtask test`)");
            if in_ci() && var != "GOVUP_TEST_ORACLE_URL" {
                panic!("{why}, and CI=true forbids skipping");
            }
            eprintln!("skipping: {why}");
            None
        }
    }
}

/// A corpus folder below `../shared/corpus` (or `GOVUP_CORPUS`), or None after printing why the
/// test skips. Panics under `CI=true` when it is absent.
pub fn corpus(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("GOVUP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("../shared/corpus"));
    let path = root.join(sub);
    if path.exists() {
        return Some(path);
    }
    let why = format!("corpus folder {} is absent", path.display());
    if in_ci() {
        panic!("{why}, and CI=true forbids skipping");
    }
    eprintln!("skipping: {why}");
    None
}

pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A name unique to this process and call, for scratch databases and files:
/// `govup_t_<pid>_<n>_<tag>`.
pub fn unique_name(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("govup_t_{}_{n}_{tag}", std::process::id())
}

/// A fresh scratch directory below `target/govup-tests/`, emptied if it existed.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = workspace()
        .join("target/govup-tests")
        .join(unique_name(tag));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}
