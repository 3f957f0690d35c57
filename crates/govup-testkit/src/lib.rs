//! Test support shared by govup's crates: where the test servers and the corpus are, and what to
//! do when they are not there.
//!
//! The rule everywhere: a test that needs something absent prints why it skips, and under
//! `CI=true` it fails instead. This crate is only ever a dev-dependency.
//!
//! With feature `fake`, [`fake`] is a scriptable fake database (capability switches, a failure or
//! a kill at statement N, a log) on which the engine's tests run every transaction mode and resume
//! path without a server. It does not stand in for the live-server tests: it knows no SQL beyond
//! what the engine sends about `govup_history`.

#[cfg(feature = "fake")]
pub mod fake;

use std::path::{Component, Path, PathBuf};
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

/// How a tree stores its links: real symlinks (a normal checkout of GovWay's repository) or link
/// stubs (one-line files holding the relative path: `core.symlinks=false`, archives).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkForm {
    Symlinks,
    Stubs,
}

impl LinkForm {
    pub const BOTH: [LinkForm; 2] = [LinkForm::Symlinks, LinkForm::Stubs];
}

/// A copy of GovWay's upgrade tree (`govway/resources/sql_upgrade` of the corpus) holding only
/// `steps` (every step when empty) and the files their links name, at the same relative places,
/// with every link stored in `form` whatever form the corpus uses. Returns the copied
/// `sql_upgrade` folder (removed when dropped), or None after printing why the test skips (as
/// [`corpus`]).
///
/// The corpus may come with either form, and govup follows both; a test that reads the corpus
/// runs its checks on both copies so that neither form can break unnoticed.
pub fn corpus_tree_as(steps: &[&str], form: LinkForm) -> Option<CorpusCopy> {
    const TREE: &str = "resources/sql_upgrade";
    let source = corpus("govway")?;
    let tag = match form {
        LinkForm::Symlinks => "symlinks",
        LinkForm::Stubs => "stubs",
    };
    let scratch = scratch_dir(tag);
    let copy = scratch.join("govway");
    let mut copier = Copier { source, copy, form };
    // The licence marks the project's root, which bounds where govup follows links.
    for licence in ["LICENSE", "COPYING"] {
        if copier.source.join(licence).is_file() {
            copier.copy(Path::new(licence));
        }
    }
    let tree = copier.source.join(TREE);
    let entries =
        std::fs::read_dir(&tree).unwrap_or_else(|e| panic!("cannot list {}: {e}", tree.display()));
    for entry in entries {
        let name = entry.unwrap().file_name();
        let chosen = steps.is_empty() || steps.iter().any(|s| name == *s);
        let rel = Path::new(TREE).join(&name);
        if chosen || !copier.source.join(&rel).is_dir() {
            copier.copy(&rel);
        }
    }
    for step in steps {
        assert!(
            tree.join(step).is_dir(),
            "no step {step} in {}",
            tree.display()
        );
    }
    Some(CorpusCopy {
        tree: copier.copy.join(TREE),
        scratch,
    })
}

/// A copy made by [`corpus_tree_as`]: derefs to its `sql_upgrade` folder, and is deleted when
/// dropped (each copy is several megabytes, and every run makes new ones).
#[derive(Debug)]
pub struct CorpusCopy {
    tree: PathBuf,
    scratch: PathBuf,
}

impl std::ops::Deref for CorpusCopy {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.tree
    }
}

impl AsRef<Path> for CorpusCopy {
    fn as_ref(&self) -> &Path {
        &self.tree
    }
}

impl Drop for CorpusCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

struct Copier {
    source: PathBuf,
    copy: PathBuf,
    form: LinkForm,
}

impl Copier {
    /// Copies `rel` (relative to the corpus's `govway`), folders recursively, links in the
    /// copier's form together with what they name.
    fn copy(&mut self, rel: &Path) {
        let from = self.source.join(rel);
        let to = self.copy.join(rel);
        if to.symlink_metadata().is_ok() {
            return;
        }
        let meta = from
            .symlink_metadata()
            .unwrap_or_else(|e| panic!("cannot stat {}: {e}", from.display()));
        if meta.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            let mut names: Vec<_> = std::fs::read_dir(&from)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            for name in names {
                self.copy(&rel.join(name));
            }
            return;
        }
        let target = if meta.file_type().is_symlink() {
            Some(
                std::fs::read_link(&from)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            )
        } else if meta.is_file() {
            stub_target(&from)
        } else {
            panic!("{} is neither a folder, a file nor a link", from.display());
        };
        let Some(target) = target else {
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&from, &to)
                .unwrap_or_else(|e| panic!("cannot copy {}: {e}", from.display()));
            return;
        };
        let named = lexical(&rel.parent().unwrap().join(&target))
            .unwrap_or_else(|| panic!("{} links out of the corpus: {target}", from.display()));
        self.copy(&named);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        match self.form {
            LinkForm::Stubs => std::fs::write(&to, format!("{target}\n")).unwrap(),
            LinkForm::Symlinks => make_symlink(&target, &to),
        }
    }
}

#[cfg(unix)]
fn make_symlink(target: &str, at: &Path) {
    std::os::unix::fs::symlink(target, at)
        .unwrap_or_else(|e| panic!("cannot link {} to {target}: {e}", at.display()));
}

#[cfg(not(unix))]
fn make_symlink(_target: &str, at: &Path) {
    panic!(
        "cannot make the symlink {}: not a unix system",
        at.display()
    );
}

/// The relative path a link stub holds: a file of at most 1 KiB, one line, no space, a relative
/// path with a `/` ending in `.sql` (the planner's rule; the testkit cannot depend on it).
fn stub_target(path: &Path) -> Option<String> {
    if std::fs::metadata(path).ok()?.len() > 1024 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let is_stub = text.contains('/')
        && text.ends_with(".sql")
        && !text.starts_with('/')
        && !text.contains(';')
        && !text.chars().any(char::is_whitespace);
    is_stub.then(|| text.to_string())
}

/// `a/b/../c` as `a/c`; None when `..` climbs above the start.
fn lexical(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            Component::Normal(part) => out.push(part),
            _ => return None,
        }
    }
    Some(out)
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

/// The three Galera node URLs that `cargo xtask test` exports in `GOVUP_TEST_GALERA_URLS`, or
/// None after printing why the test skips (a failure under `CI=true`).
pub fn galera_urls() -> Option<Vec<String>> {
    let urls = server_url("GOVUP_TEST_GALERA_URLS")?;
    Some(urls.split(',').map(str::to_string).collect())
}

/// Kills Galera node `node` (1 to 3) at once, as a crash would, and waits until it is gone.
/// Panics when the harness folder or the node's pid file is absent.
pub fn galera_kill(node: usize) {
    let pid_file = galera_node_dir(node).join("mariadbd.pid");
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap_or_else(|e| panic!("reading {}: {e}", pid_file.display()));
    let pid = pid.trim();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", pid])
        .status()
        .is_ok_and(|s| s.success());
    assert!(killed, "kill -KILL {pid} (galera node {node}) failed");
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let start = std::time::Instant::now();
    while proc.exists() && start.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Starts Galera node `node` (1 to 3) again with its own configuration; it rejoins the cluster
/// (by a state transfer from a peer). Returns without waiting: poll the node until it answers.
// The server outlives the test that starts it (the harness stops it), so it is never waited for.
#[allow(clippy::zombie_processes)]
pub fn galera_start(node: usize) {
    let dir = galera_node_dir(node);
    let _ = std::fs::remove_file(dir.join("mariadbd.sock"));
    std::process::Command::new("/usr/sbin/mariadbd")
        .arg(format!("--defaults-file={}", dir.join("my.cnf").display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting galera node {node}: {e}"));
}

/// The folder of Galera node `node`: `my.cnf`, `mariadbd.pid`, `error.log` and `data/`.
pub fn galera_node_dir(node: usize) -> PathBuf {
    let base = std::env::var_os("GOVUP_TEST_GALERA_DIR")
        .expect("GOVUP_TEST_GALERA_DIR is not set (run the suite with `cargo xtask test`)");
    PathBuf::from(base).join(format!("galera{node}"))
}

/// The URL of the test run's own read-only MariaDB server (`read_only=ON`, root connects), which
/// a test may also change globals on.
pub fn mysql_readonly_url() -> Option<String> {
    server_url("GOVUP_TEST_MYSQL_READONLY_URL")
}

/// The test run's own PostgreSQL primary, which streams to [`pg_standby_url`].
pub fn pg_primary_url() -> Option<String> {
    server_url("GOVUP_TEST_PG_PRIMARY_URL")
}

/// The streaming standby of [`pg_primary_url`]: in recovery, read-only.
pub fn pg_standby_url() -> Option<String> {
    server_url("GOVUP_TEST_PG_STANDBY_URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: &str = "upgrade_3.3.3_to_3.3.4";
    const PATCH: &str = "upgrade_3.3.3_to_3.3.4/mysql/2021-02-12-archiviComunicazioni-patch.sql";

    /// Each form holds the chosen step's links in that form, naming the same copied bytes.
    #[test]
    fn a_corpus_slice_in_each_link_form() {
        let mut bodies = Vec::new();
        for form in LinkForm::BOTH {
            let Some(tree) = corpus_tree_as(&[STEP], form) else {
                return;
            };
            let steps: Vec<_> = std::fs::read_dir(&tree)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("upgrade_"))
                .collect();
            assert_eq!(steps, [STEP]);
            let link = tree.join(PATCH);
            let is_symlink = link.symlink_metadata().unwrap().file_type().is_symlink();
            assert_eq!(is_symlink, form == LinkForm::Symlinks, "{form:?}");
            let target = match form {
                LinkForm::Symlinks => std::fs::read_link(&link).unwrap(),
                LinkForm::Stubs => PathBuf::from(stub_target(&link).unwrap()),
            };
            let body = std::fs::read_to_string(link.parent().unwrap().join(target)).unwrap();
            assert!(body.starts_with("--"), "{body}");
            bodies.push(body);
        }
        assert_eq!(bodies[0], bodies[1]);
        let Some(copy) = corpus_tree_as(&[STEP], LinkForm::Stubs) else {
            return;
        };
        let scratch = copy
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        assert!(scratch.is_dir());
        drop(copy);
        assert!(!scratch.exists(), "a dropped copy is deleted");
    }

    #[test]
    fn lexical_paths() {
        assert_eq!(lexical(Path::new("a/b/../c")), Some(PathBuf::from("a/c")));
        assert_eq!(lexical(Path::new("a/../../c")), None);
        assert_eq!(lexical(Path::new("/etc/passwd")), None);
    }
}
