//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use crate::services;
use anyhow::{bail, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub fn run(extra: &[String]) -> Result<()> {
    crate::step("cargo", &["fmt", "--all", "--", "--check"])?;
    crate::step(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    services::export_test_urls()?;
    crate::topology::up()?;
    // Libraries, binaries and integration tests; no crate has doc tests to run. Every test
    // binary runs even when an earlier one fails, so one failure hides no other.
    let mut args = vec![
        "test",
        "--workspace",
        "--lib",
        "--bins",
        "--tests",
        "--no-fail-fast",
    ];
    args.extend(extra.iter().map(String::as_str));
    let counted = run_counting(&args);
    crate::topology::down();
    let (tally, ok) = counted?;
    let (mut passed, mut failed) = tally.totals(ok);
    // The package as an operator installs it, from the dev binary just built: a release build
    // would cost CI minutes, and packaging does not depend on the profile.
    let target = crate::root().join("target");
    let (dist_passed, dist_failed) =
        crate::dist::check(&target.join("debug/govup"), &target.join("dist-check"));
    passed += dist_passed;
    failed += dist_failed;
    // One closing line for whoever reads the log: the total over every test binary.
    println!("tests: {passed} passed, {failed} failed");
    if tally.crashed() > 0 {
        println!(
            "tests: {} test binary(ies) stopped without a result, each counted as one failure",
            tally.crashed()
        );
    }
    if !ok {
        bail!("`cargo {}` failed", args.join(" "));
    }
    if dist_failed > 0 {
        bail!("the packaging checks failed");
    }
    if passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}

/// What cargo's output says about the tests: the `test result:` lines of the binaries that
/// finished, and how many binaries started (cargo's `Running` lines on stderr).
#[derive(Debug, Default)]
struct Tally {
    passed: u64,
    failed: u64,
    started: u64,
    finished: u64,
}

impl Tally {
    fn stdout_line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("test result: ") {
            self.passed += count(rest, " passed");
            self.failed += count(rest, " failed");
            self.finished += 1;
        }
    }

    fn stderr_line(&mut self, line: &str) {
        if line.trim_start().starts_with("Running ") {
            self.started += 1;
        }
    }

    /// Binaries that started and never printed a result: crashed, aborted or killed.
    fn crashed(&self) -> u64 {
        self.started.saturating_sub(self.finished)
    }

    /// (passed, failed) over every test, a crashed binary counting as one failure; when cargo
    /// failed (a build error, a binary that did not run), never zero failures.
    fn totals(&self, cargo_ok: bool) -> (u64, u64) {
        let mut failed = self.failed + self.crashed();
        if !cargo_ok && failed == 0 {
            failed = 1;
        }
        (self.passed, failed)
    }
}

/// Runs cargo, echoing its output, and tallies what every test binary reported.
fn run_counting(args: &[&str]) -> Result<(Tally, bool)> {
    eprintln!("xtask: $ cargo {}", args.join(" "));
    let mut child = Command::new("cargo")
        .args(args)
        .current_dir(crate::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take();
    // stderr on its own thread, so that neither pipe fills while the other is read.
    let started = std::thread::spawn(move || -> std::io::Result<Tally> {
        let mut tally = Tally::default();
        if let Some(err) = stderr {
            for line in BufReader::new(err).lines() {
                let line = line?;
                eprintln!("{line}");
                tally.stderr_line(&line);
            }
        }
        Ok(tally)
    });
    let mut tally = Tally::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            tally.stdout_line(&line);
        }
    }
    let ok = child.wait()?.success();
    let from_stderr = started
        .join()
        .map_err(|_| anyhow::anyhow!("reading cargo's stderr panicked"))??;
    tally.started = from_stderr.started;
    Ok((tally, ok))
}

/// The number before `what` in `ok. 51 passed; 0 failed; ...`.
fn count(summary: &str, what: &str) -> u64 {
    summary
        .split(';')
        .find_map(|part| part.trim().strip_suffix(what.trim()).map(str::trim))
        .and_then(|n| n.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn counts_from_a_summary_line() {
        let line =
            "ok. 51 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 8.16s";
        assert_eq!(super::count(line, " passed"), 51);
        assert_eq!(super::count(line, " failed"), 2);
        assert_eq!(
            super::count("FAILED. 3 passed; 1 failed; 0 ignored", " failed"),
            1
        );
    }

    fn tally(stdout: &str, stderr: &str) -> Tally {
        let mut tally = Tally::default();
        stderr.lines().for_each(|l| tally.stderr_line(l));
        stdout.lines().for_each(|l| tally.stdout_line(l));
        tally
    }

    const STDERR: &str = "   Compiling govup v0.1.0
    Finished `test` profile [unoptimized + debuginfo] target(s) in 0.31s
     Running unittests src/lib.rs (target/debug/deps/govup_engine-1)
     Running tests/it/main.rs (target/debug/deps/it-2)
     Running tests/it/main.rs (target/debug/deps/it-3)
error: 2 targets failed:
    `-p govup-lint --test it`
    `-p govup --test it`";

    /// A run with `--no-fail-fast`: every binary's result adds up, and one that died before
    /// its result line (a stack overflow, a signal) is a failure, not silence.
    #[test]
    fn every_binary_counts_and_a_crashed_one_fails() {
        let stdout = "running 3 tests
test a ... ok
test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

running 5 tests
test b ... FAILED
test result: FAILED. 4 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1s

running 7 tests
test c ... ok
";
        let t = tally(stdout, STDERR);
        assert_eq!(t.crashed(), 1);
        assert_eq!(t.totals(false), (7, 2));
        let all_ok = "test result: ok. 3 passed; 0 failed; 0 ignored\n\
                      test result: ok. 4 passed; 0 failed; 0 ignored\n";
        let t = tally(all_ok, "     Running a (x)\n     Running b (y)\n");
        assert_eq!((t.crashed(), t.totals(true)), (0, (7, 0)));
    }

    /// cargo failed with no failing test seen (a build error, say): the line never says 0 failed.
    #[test]
    fn a_failed_cargo_never_reports_zero_failures() {
        let t = tally("", "error[E0425]: cannot find value `x` in this scope\n");
        assert_eq!(t.totals(false), (0, 1));
        assert_eq!(t.totals(true), (0, 0));
    }
}
