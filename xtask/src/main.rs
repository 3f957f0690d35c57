//! `cargo xtask`: the project's own automation, in Rust so that it runs wherever cargo does.
//!
//! - `cargo xtask test`: format check, clippy with warnings denied, then the whole test suite
//!   with the database servers found (or started) and their URLs exported, then the packaging
//!   checked on the dev binary (`dist::check`). `.ci/run` calls it.
//! - `cargo xtask bench [NAME...]`: benchmarks, as medians and ratios against a floor.
//! - `cargo xtask services up|down`: the test run's own Galera cluster, read-only MariaDB and
//!   PostgreSQL primary with standby, by hand (`up` prints the variables to export).
//! - `cargo xtask dist [--bin PATH] [--out DIR] [--check]`: the release tarball, Debian
//!   package and checksums, and with `--check` an install of the package into a scratch root.

mod bench;
mod dist;
mod services;
mod test;
mod topology;

use anyhow::{bail, Result};
use std::path::PathBuf;
use std::process::Command;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("services") => match args.get(1).map(String::as_str) {
            Some("up") => topology::up_by_hand(),
            Some("down") => {
                topology::down();
                Ok(())
            }
            _ => bail!("usage: cargo xtask services up|down"),
        },
        Some("dist") => dist::run(&args[1..]),
        _ => bail!(
            "usage: cargo xtask test | cargo xtask bench [plan] [scale] [apply] [peers] [fleet] | cargo xtask services up|down | cargo xtask dist [--bin PATH] [--out DIR] [--check]"
        ),
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs a command in the workspace root, echoing it, and fails when it fails.
pub fn step(program: &str, args: &[&str]) -> Result<()> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()?;
    if !status.success() {
        bail!("`{program} {}` failed ({status})", args.join(" "));
    }
    Ok(())
}

pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}
