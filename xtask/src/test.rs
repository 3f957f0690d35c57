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
    // Libraries, binaries and integration tests; no crate has doc tests to run.
    let mut args = vec!["test", "--workspace", "--lib", "--bins", "--tests"];
    args.extend(extra.iter().map(String::as_str));
    let (passed, failed, ok) = run_counting(&args)?;
    // One closing line for whoever reads the log: the total over every test binary.
    println!("tests: {passed} passed, {failed} failed");
    if !ok {
        bail!("`cargo {}` failed", args.join(" "));
    }
    if passed == 0 {
        bail!("no test ran");
    }
    Ok(())
}

/// Runs cargo, echoing its output, and adds up the `test result:` lines of every test binary.
fn run_counting(args: &[&str]) -> Result<(u64, u64, bool)> {
    eprintln!("xtask: $ cargo {}", args.join(" "));
    let mut child = Command::new("cargo")
        .args(args)
        .current_dir(crate::root())
        .stdout(Stdio::piped())
        .spawn()?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                passed += count(rest, " passed");
                failed += count(rest, " failed");
            }
        }
    }
    Ok((passed, failed, child.wait()?.success()))
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
}
