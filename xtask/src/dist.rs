//! `cargo xtask dist [--bin PATH] [--out DIR] [--check]`: what an operator without a Rust toolchain
//! installs. Builds the release binary (or takes `--bin`), asks it for its man pages and
//! completion scripts (so they always describe the binary they ship with), and writes into
//! `target/dist/` (or `--out`):
//!
//! - `govup-<version>-x86_64-linux-gnu.tar.gz`: the binary, README, licences, `man/`, `completions/`;
//! - `govup_<version>_amd64.deb`: `/usr/bin/govup`, gzipped man pages in `/usr/share/man/man1/`,
//!   bash, zsh and fish completions where those shells look for a package's completions;
//! - `SHA256SUMS` of both; and `man/` and `completions/` as generated, for a look.
//!
//! Packaging uses the tools every Debian machine has (`tar`, `gzip`, `dpkg-deb`,
//! `dpkg-shlibdeps`, `sha256sum`), not a cargo subcommand that would have to be installed first.
//!
//! `--check` then unpacks the package into a scratch root as `dpkg` would install it and runs
//! what it installed ([`check`]); `cargo xtask test` does that with the dev binary it has just
//! built, into `target/dist-check/`.

use anyhow::{bail, Context, Result};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace version: govup's own (`version.workspace = true` in both crates).
const VERSION: &str = env!("CARGO_PKG_VERSION");
const TRIPLE: &str = "x86_64-linux-gnu";
const MAINTAINER: &str = "govup maintainers <maintainers@govup.invalid>";
const DESCRIPTION: &str = "plans and applies versioned SQL patch trees to databases\n \
govup reads an upgrade tree (directories of versioned SQL patches) as a DAG\n \
over versions, prints which patches run in which order and schema, and applies\n \
them to PostgreSQL, MySQL/MariaDB, Oracle or SQLite, recording what ran so\n \
that an interrupted upgrade resumes where it stopped.";
const LICENCES: [&str; 2] = ["LICENSE-APACHE", "LICENSE-MIT"];

/// Completion scripts: the shell as `govup completions` names it, the file name in the tarball,
/// and where a Debian package puts it (None: no standard folder for packages).
const SHELLS: [(&str, &str, Option<&str>); 5] = [
    (
        "bash",
        "govup.bash",
        Some("usr/share/bash-completion/completions/govup"),
    ),
    (
        "zsh",
        "_govup",
        Some("usr/share/zsh/vendor-completions/_govup"),
    ),
    (
        "fish",
        "govup.fish",
        Some("usr/share/fish/vendor_completions.d/govup.fish"),
    ),
    ("powershell", "_govup.ps1", None),
    ("elvish", "govup.elv", None),
];

/// What [`package`] wrote.
pub struct Artifacts {
    pub tarball: PathBuf,
    pub deb: PathBuf,
    pub sums: PathBuf,
}

pub fn run(args: &[String]) -> Result<()> {
    let mut bin = None;
    let mut out = crate::root().join("target/dist");
    let mut checking = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bin" => bin = Some(PathBuf::from(args.next().context("--bin needs a PATH")?)),
            "--out" => out = PathBuf::from(args.next().context("--out needs a DIR")?),
            "--check" => checking = true,
            other => bail!(
                "unknown argument `{other}`; usage: cargo xtask dist [--bin PATH] [--out DIR] [--check]"
            ),
        }
    }
    let release = bin.is_none();
    let bin = match bin {
        Some(bin) => bin,
        None => {
            crate::step(
                "cargo",
                &["build", "--release", "--locked", "--package", "govup"],
            )?;
            crate::root().join("target/release/govup")
        }
    };
    if checking {
        let (mut passed, mut failed) = check(&bin, &out);
        if release {
            let mut tally = Tally::default();
            tally.record(
                "dist: the release binary has no debug info nor symbols",
                check_stripped(&bin),
            );
            passed += tally.passed;
            failed += tally.failed;
        }
        println!("dist: {passed} passed, {failed} failed");
        if failed > 0 {
            bail!("the packaging checks failed");
        }
        return Ok(());
    }
    let made = package(&bin, &out)?;
    for path in [&made.tarball, &made.deb, &made.sums] {
        println!("{}", path.display());
    }
    Ok(())
}

/// Packages `bin` into `out`, which is created if needed; earlier artifacts there are replaced.
pub fn package(bin: &Path, out: &Path) -> Result<Artifacts> {
    let shown = run_ok(Command::new(bin).arg("--version"))?;
    let expected = format!("govup {VERSION}");
    if shown.trim() != expected {
        bail!(
            "{} says `{}`, not `{expected}`: rebuild it",
            bin.display(),
            shown.trim()
        );
    }
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let out = fs::canonicalize(out)?;
    let stage = out.join(".stage");
    for dir in [&stage, &out.join("man"), &out.join("completions")] {
        remove_dir(dir)?;
        make_dir(dir)?;
    }

    let man = out.join("man");
    run_ok(Command::new(bin).arg("man").arg(&man))?;
    let mut pages: Vec<PathBuf> = fs::read_dir(&man)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    pages.sort();
    if pages.is_empty() {
        bail!("`{} man` wrote no page", bin.display());
    }
    for (shell, file, _) in SHELLS {
        let script = run_ok(Command::new(bin).args(["completions", shell]))?;
        write(
            &out.join("completions").join(file),
            script.as_bytes(),
            0o644,
        )?;
    }

    let tarball = tarball(bin, &out, &stage)?;
    let deb = deb(bin, &out, &stage, &pages)?;
    let sums = out.join("SHA256SUMS");
    let names = [&tarball, &deb].map(|p| p.file_name().unwrap().to_string_lossy().into_owned());
    let listed = run_ok(Command::new("sha256sum").args(&names).current_dir(&out))?;
    write(&sums, listed.as_bytes(), 0o644)?;
    remove_dir(&stage)?;
    Ok(Artifacts { tarball, deb, sums })
}

fn tarball(bin: &Path, out: &Path, stage: &Path) -> Result<PathBuf> {
    let name = format!("govup-{VERSION}-{TRIPLE}");
    let top = stage.join(&name);
    make_dir(&top)?;
    copy(bin, &top.join("govup"), 0o755)?;
    for file in ["README.md"].iter().chain(LICENCES.iter()) {
        copy(&crate::root().join(file), &top.join(file), 0o644)?;
    }
    for dir in ["man", "completions"] {
        make_dir(&top.join(dir))?;
        for entry in fs::read_dir(out.join(dir))? {
            let path = entry?.path();
            copy(&path, &top.join(dir).join(path.file_name().unwrap()), 0o644)?;
        }
    }
    let tarball = out.join(format!("{name}.tar.gz"));
    // Sorted, owned by root and dated by the commit, so that the same tree gives the same bytes.
    let mtime = format!("--mtime=@{}", commit_time());
    run_ok(
        Command::new("tar")
            .args(["--sort=name", "--owner=0", "--group=0", "--numeric-owner"])
            .arg(mtime)
            .args(["--use-compress-program=gzip -n", "-cf"])
            .arg(&tarball)
            .arg("-C")
            .arg(stage)
            .arg(&name),
    )?;
    Ok(tarball)
}

fn deb(bin: &Path, out: &Path, stage: &Path, pages: &[PathBuf]) -> Result<PathBuf> {
    // `debian/govup` beside `debian/control` is where dpkg-shlibdeps expects a package's files.
    let root = stage.join("debian/govup");
    let mut size = 0;
    size += copy(bin, &root.join("usr/bin/govup"), 0o755)?;
    for page in pages {
        let mut gz = page.file_name().unwrap().to_os_string();
        gz.push(".gz");
        let target = root.join("usr/share/man/man1").join(gz);
        let packed = Command::new("gzip")
            .args(["-9", "-n", "-c"])
            .arg(page)
            .output()?;
        if !packed.status.success() {
            bail!("gzip {} failed", page.display());
        }
        size += write(&target, &packed.stdout, 0o644)?;
    }
    for (_, file, place) in SHELLS {
        if let Some(place) = place {
            size += copy(
                &out.join("completions").join(file),
                &root.join(place),
                0o644,
            )?;
        }
    }
    size += write(
        &root.join("usr/share/doc/govup/copyright"),
        copyright()?.as_bytes(),
        0o644,
    )?;

    write(
        &stage.join("debian/control"),
        b"Source: govup\n\nPackage: govup\nArchitecture: amd64\n",
        0o644,
    )?;
    let depends = run_ok(
        Command::new("dpkg-shlibdeps")
            .args(["-O", "-e", "debian/govup/usr/bin/govup"])
            .current_dir(stage),
    )?;
    let depends = depends
        .trim()
        .strip_prefix("shlibs:Depends=")
        .with_context(|| format!("dpkg-shlibdeps printed `{}`", depends.trim()))?
        .to_string();
    // Debian sorts `~` before anything, as semver sorts a pre-release before its release.
    let version = VERSION.replacen('-', "~", 1);
    let control = format!(
        "Package: govup\nVersion: {version}\nArchitecture: amd64\nMaintainer: {MAINTAINER}\n\
         Installed-Size: {}\nDepends: {depends}\nSection: database\nPriority: optional\n\
         Description: {DESCRIPTION}\n",
        size.div_ceil(1024)
    );
    write(&root.join("DEBIAN/control"), control.as_bytes(), 0o644)?;

    let deb = out.join(format!("govup_{version}_amd64.deb"));
    run_ok(
        Command::new("dpkg-deb")
            // gzip: every dpkg reads it, and xz took minutes on a busy two-core machine.
            .args(["--root-owner-group", "-Zgzip", "--build"])
            .arg(&root)
            .arg(&deb)
            .env("SOURCE_DATE_EPOCH", commit_time().to_string()),
    )?;
    Ok(deb)
}

/// Debian's machine-readable copyright file: the Apache text is on every Debian system, the MIT
/// text is not.
fn copyright() -> Result<String> {
    let mit = fs::read_to_string(crate::root().join("LICENSE-MIT"))?;
    let mit: Vec<String> = mit
        .lines()
        .map(|l| {
            if l.is_empty() {
                " .".into()
            } else {
                format!(" {l}")
            }
        })
        .collect();
    Ok(format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: govup\n\n\
         Files: *\nCopyright: the govup authors\nLicense: Apache-2.0 or MIT\n\n\
         License: Apache-2.0\n On Debian systems the full text of the Apache License 2.0 is in\n \
         /usr/share/common-licenses/Apache-2.0.\n\n\
         License: MIT\n{}\n",
        mit.join("\n")
    ))
}

/// Seconds since the epoch of the checked-out commit (0 outside a git checkout).
fn commit_time() -> u64 {
    Command::new("git")
        .args(["log", "-1", "--format=%ct"])
        .current_dir(crate::root())
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Runs a command and returns its stdout; fails with its stderr when it fails.
fn run_ok(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let Output {
        status,
        stdout,
        stderr,
    } = cmd
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!(
            "{shown} failed ({status}): {}",
            String::from_utf8_lossy(&stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

fn make_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Writes a file with exactly `mode` (whatever the umask), creating its folders; returns its size.
fn write(path: &Path, bytes: &[u8], mode: u32) -> Result<u64> {
    if let Some(parent) = path.parent() {
        make_dirs_under(parent)?;
    }
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    Ok(bytes.len() as u64)
}

fn copy(from: &Path, to: &Path, mode: u32) -> Result<u64> {
    if let Some(parent) = to.parent() {
        make_dirs_under(parent)?;
    }
    let size = fs::copy(from, to)
        .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
    fs::set_permissions(to, fs::Permissions::from_mode(mode))?;
    Ok(size)
}

/// `create_dir_all` with 0755 on every folder it creates, as a package's folders must be.
fn make_dirs_under(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        make_dirs_under(parent)?;
    }
    make_dir(dir)
}

/// Packages `bin` into `out` and checks the result as an operator would see it. Returns
/// (passed, failed); every check prints one line.
pub fn check(bin: &Path, out: &Path) -> (u64, u64) {
    let mut tally = Tally::default();
    let made = match package(bin, out) {
        Ok(made) => {
            tally.record("dist: packages the binary", Ok(()));
            made
        }
        Err(e) => {
            tally.record("dist: packages the binary", Err(e));
            return (tally.passed, tally.failed);
        }
    };
    let root = out.join("scratch-root");
    tally.record("dist: SHA256SUMS matches", check_sums(out));
    tally.record(
        "dist: tarball holds the binary, docs, man pages and completions",
        check_tarball(&made.tarball),
    );
    tally.record("dist: deb control fields", check_control(&made.deb));
    tally.record(
        "dist: deb unpacks into a scratch root",
        unpack(&made.deb, &root),
    );
    tally.record("dist: installed govup --version", check_version(&root));
    tally.record(
        "dist: installed man pages render with man -l",
        check_man(&root),
    );
    tally.record("dist: installed bash completion loads", check_bash(&root));
    (tally.passed, tally.failed)
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    fn record(&mut self, name: &str, result: Result<()>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                println!("test {name} ... ok");
            }
            Err(e) => {
                self.failed += 1;
                println!("test {name} ... FAILED: {e:#}");
            }
        }
    }
}

fn check_sums(out: &Path) -> Result<()> {
    run_ok(
        Command::new("sha256sum")
            .args(["--check", "--strict", "SHA256SUMS"])
            .current_dir(out),
    )?;
    Ok(())
}

fn check_tarball(tarball: &Path) -> Result<()> {
    let listed = run_ok(Command::new("tar").arg("-tzvf").arg(tarball))?;
    let top = format!("govup-{VERSION}-{TRIPLE}/");
    let mut wanted = vec![
        "govup".to_string(),
        "README.md".into(),
        "man/govup.1".into(),
        "man/govup-apply.1".into(),
        "completions/govup.bash".into(),
        "completions/_govup".into(),
        "completions/govup.fish".into(),
    ];
    wanted.extend(LICENCES.iter().map(|l| l.to_string()));
    for file in wanted {
        let line = listed
            .lines()
            .find(|l| l.ends_with(&format!(" {top}{file}")))
            .with_context(|| format!("{top}{file} is not in the tarball:\n{listed}"))?;
        if !line.contains("0/0") {
            bail!("{top}{file} is not owned by root: {line}");
        }
        if file == "govup" && !line.starts_with("-rwxr-xr-x") {
            bail!("the binary is not executable: {line}");
        }
    }
    Ok(())
}

fn check_control(deb: &Path) -> Result<()> {
    let fields = run_ok(Command::new("dpkg-deb").arg("--field").arg(deb))?;
    for want in [
        "Package: govup\n".to_string(),
        format!("Version: {}\n", VERSION.replacen('-', "~", 1)),
        "Architecture: amd64\n".into(),
    ] {
        if !fields.contains(&want) {
            bail!("no `{}` in the control file:\n{fields}", want.trim());
        }
    }
    if !fields
        .lines()
        .any(|l| l.starts_with("Depends: ") && l.contains("libc6 (>= "))
    {
        bail!("Depends does not name libc6:\n{fields}");
    }
    let contents = run_ok(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    if let Some(line) = contents.lines().find(|l| !l.contains(" root/root ")) {
        bail!("not owned by root: {line}");
    }
    Ok(())
}

fn unpack(deb: &Path, root: &Path) -> Result<()> {
    remove_dir(root)?;
    run_ok(Command::new("dpkg").arg("-x").arg(deb).arg(root))?;
    let mut wanted = vec![
        "usr/bin/govup",
        "usr/share/man/man1/govup.1.gz",
        "usr/share/doc/govup/copyright",
    ];
    wanted.extend(SHELLS.iter().filter_map(|(_, _, place)| *place));
    for verb in verbs(&root.join("usr/bin/govup"))? {
        let page = root.join(format!("usr/share/man/man1/govup-{verb}.1.gz"));
        if !page.is_file() {
            bail!("{} is missing", page.display());
        }
    }
    for file in wanted {
        let path = root.join(file);
        if fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == 0 {
            bail!("{} is missing or empty", path.display());
        }
    }
    Ok(())
}

/// The verbs `govup --help` lists (but `help`): each must have its own page.
fn verbs(bin: &Path) -> Result<Vec<String>> {
    let help = run_ok(Command::new(bin).arg("--help"))?;
    let verbs: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|v| *v != "help")
        .map(str::to_string)
        .collect();
    if verbs.len() < 2 {
        bail!("`govup --help` lists no verbs:\n{help}");
    }
    Ok(verbs)
}

fn check_version(root: &Path) -> Result<()> {
    let shown = run_ok(Command::new(root.join("usr/bin/govup")).arg("--version"))?;
    if shown != format!("govup {VERSION}\n") {
        bail!("the installed govup says `{}`", shown.trim());
    }
    Ok(())
}

fn check_man(root: &Path) -> Result<()> {
    if Command::new("man").arg("--version").output().is_err() {
        let why = "`man` is not installed (Debian's man-db), so the pages cannot be rendered";
        if crate::in_ci() {
            bail!("{why}");
        }
        println!("skipped: {why}");
        return Ok(());
    }
    let page = root.join("usr/share/man/man1/govup-apply.1.gz");
    let text = run_ok(
        Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .env("LC_ALL", "C.UTF-8"),
    )?;
    // man justifies lines with extra spaces.
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "NAME govup-apply - Apply a plan to a database",
        "SYNOPSIS govup apply",
        "--dry-run Print every statement",
    ] {
        if !words.contains(want) {
            bail!("`man -l {}` shows no `{want}`:\n{text}", page.display());
        }
    }
    Ok(())
}

fn check_bash(root: &Path) -> Result<()> {
    let script = root.join("usr/share/bash-completion/completions/govup");
    let shown = run_ok(
        Command::new("bash")
            .arg("-c")
            .arg("source \"$1\" && complete -p govup")
            .arg("bash")
            .arg(&script),
    )?;
    if !shown.contains("govup") {
        bail!(
            "sourcing {} registers no completion: {shown}",
            script.display()
        );
    }
    Ok(())
}

fn check_stripped(bin: &Path) -> Result<()> {
    let sections = run_ok(Command::new("readelf").arg("--section-headers").arg(bin))?;
    for kept in [".debug_", ".symtab"] {
        if sections.contains(kept) {
            bail!("{} still has {kept} sections", bin.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// What ships is the release profile: without this, the binary was ~100 MB of line tables.
    #[test]
    fn the_release_profile_strips_debug_info_and_symbols() {
        let manifest = std::fs::read_to_string(crate::root().join("Cargo.toml")).unwrap();
        let release: Vec<&str> = manifest
            .lines()
            .skip_while(|l| *l != "[profile.release]")
            .skip(1)
            .take_while(|l| !l.starts_with('['))
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        assert_eq!(release, ["strip = true"]);
    }
}
