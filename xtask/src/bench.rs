//! `cargo xtask bench`: each benchmark runs the measured command and its floor side by side,
//! alternating, and reports medians and their ratio (machines here are noisy; ratios are not).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: usize = 31;

pub fn run(names: &[String]) -> Result<()> {
    let all = ["plan"];
    let chosen: Vec<&str> = if names.is_empty() {
        all.to_vec()
    } else {
        names.iter().map(String::as_str).collect()
    };
    crate::step("cargo", &["build", "--release", "--package", "govup"])?;
    for name in chosen {
        match name {
            "plan" => bench_plan()?,
            other => bail!("unknown benchmark `{other}`; known: {}", all.join(", ")),
        }
    }
    Ok(())
}

fn corpus_tree() -> Result<PathBuf> {
    let tree = std::env::var_os("GOVUP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("../shared/corpus"))
        .join("govway/resources/sql_upgrade");
    if !tree.is_dir() {
        bail!(
            "corpus tree {} is absent (set GOVUP_CORPUS)",
            tree.display()
        );
    }
    Ok(tree)
}

/// `govup plan` 3.0.0 -> 3.4.3 on the real tree, against `cat` of every file it reads.
fn bench_plan() -> Result<()> {
    let tree = corpus_tree()?;
    let govup = crate::root().join("target/release/govup");
    let tree_arg = tree.display().to_string();
    let plan_args = [
        "plan",
        "--dir",
        &tree_arg,
        "--db",
        "postgresql",
        "--from",
        "3.0.0",
        "--to",
        "3.4.3",
        "--format",
        "json",
    ];
    let files = files_read(&tree)?;
    let mut plan_times = Vec::new();
    let mut floor_times = Vec::new();
    for _ in 0..ROUNDS {
        plan_times.push(time(Command::new(&govup).args(plan_args))?);
        floor_times.push(time(Command::new("cat").args(&files))?);
    }
    let (plan, floor) = (median(&mut plan_times), median(&mut floor_times));
    println!("| benchmark | govup (median of {ROUNDS}) | floor | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| plan, real tree (3.0.0 -> 3.4.3, postgresql) | {:.2} ms | {:.2} ms (`cat` of {} files) | {:.2}x |",
        ms(plan),
        ms(floor),
        files.len(),
        plan.as_secs_f64() / floor.as_secs_f64()
    );
    Ok(())
}

/// Every file a postgresql plan reads: info-patches, baselines, the postgresql link stubs and
/// the files they name.
fn files_read(tree: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for step in std::fs::read_dir(tree)? {
        let step = step?.path();
        if !step.is_dir() {
            continue;
        }
        for name in ["info-patch.sql", "baseline-version.txt"] {
            if step.join(name).is_file() {
                out.push(step.join(name));
            }
        }
        let Ok(patches) = std::fs::read_dir(step.join("postgresql")) else {
            continue;
        };
        for patch in patches {
            let patch = patch?.path();
            let text =
                std::fs::read_to_string(&patch).with_context(|| patch.display().to_string())?;
            out.push(patch.clone());
            if text.starts_with("../") {
                out.push(patch.parent().unwrap_or(tree).join(text.trim()));
            }
        }
    }
    Ok(out)
}

fn time(cmd: &mut Command) -> Result<Duration> {
    let start = Instant::now();
    let status = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status()?;
    let took = start.elapsed();
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(took)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
