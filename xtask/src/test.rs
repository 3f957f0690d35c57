//! `cargo xtask test`: everything CI checks, in the order that fails fastest.

use crate::services;
use anyhow::Result;

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
    let mut args = vec!["test", "--workspace"];
    args.extend(extra.iter().map(String::as_str));
    crate::step("cargo", &args)
}
