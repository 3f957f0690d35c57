//! `scale`: `govup plan` from the root to the newest version of generated trees of 1k, 10k and
//! 100k patches (see [`gen::scale_tree`]), against `cat` of every file the plan reads. Targets:
//! linear growth (10x the patches in at most 11x the time), at most 2x the read floor at the
//! largest size, peak RSS under 200 MB.

use super::measure::{self, Contender, Input, Sample};
use super::{gen, Ctx, Row};
use anyhow::{bail, Result};
use std::process::Command;
use std::time::Duration;

const FLOOR_TARGET: f64 = 2.0;
/// 10x the patches in at most 11x the time.
const GROWTH_SLACK: f64 = 1.1;
const RSS_TARGET_MB: f64 = 200.0;

fn sizes() -> Result<Vec<usize>> {
    let text = std::env::var("GOVUP_BENCH_SIZES").unwrap_or_else(|_| "1000,10000,100000".into());
    let mut sizes = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Ok(n) = part.replace('_', "").parse::<usize>() else {
            bail!("GOVUP_BENCH_SIZES: `{part}` is not a number of patches");
        };
        sizes.push(n.max(1));
    }
    sizes.sort();
    sizes.dedup();
    Ok(sizes)
}

fn default_rounds(patches: usize) -> usize {
    match patches {
        0..=2_000 => 11,
        2_001..=20_000 => 5,
        _ => 3,
    }
}

fn label(n: usize) -> String {
    match (n / 1000, n % 1000) {
        (k, 0) if k > 0 => format!("{k}k"),
        _ => n.to_string(),
    }
}

struct Measured {
    patches: usize,
    govup: Duration,
}

pub fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let sizes = sizes()?;
    let largest = sizes.last().copied().unwrap_or(0);
    let mut rows = Vec::new();
    let mut measured: Vec<Measured> = Vec::new();
    for &size in &sizes {
        let dir = ctx.work.join(format!("scale-{}", label(size)));
        eprintln!("xtask:   tree of {size} patches in {}", dir.display());
        let tree = gen::scale_tree(&dir, size)?;
        let files = gen::files_read(&tree.root, "postgresql")?;
        let mut cats = gen::cat_commands(&tree.root, &files);
        let rounds = ctx.rounds("scale", default_rounds(tree.patches));
        let root = tree.root.display().to_string();
        let mut contenders = [
            Contender::new("govup plan", |_| {
                measure::run(
                    Command::new(&ctx.govup).args([
                        "plan",
                        "--dir",
                        &root,
                        "--db",
                        "postgresql",
                        "--from",
                        "1.0.0",
                        "--to",
                        &tree.latest,
                        "--format",
                        "json",
                    ]),
                    Input::Nothing,
                )
            }),
            Contender::new("cat", |_| measure::run_all(&mut cats)),
        ];
        let samples = measure::alternate(rounds, true, &mut contenders)?;
        let (govup, floor) = (measure::median(&samples[0]), measure::median(&samples[1]));
        let ratio = measure::ratio(govup, floor);
        let rss = measure::peak_rss_mib(&samples[0]);
        let rss_mb = rss * 1.048_576;
        let mut row = Row::new(
            "scale",
            format!("`govup plan` 1.0.0 -> {}: {}", tree.latest, tree.describe()),
        );
        row.runs = rounds.to_string();
        row.govup = format!(
            "{}, {rss:.1} MiB RSS (CPU {})",
            measure::show(govup),
            measure::show(cpu_median(&samples[0]))
        );
        row.other = format!(
            "`cat` of the {} files it reads: {}",
            measure::count(files.len()),
            measure::show(floor)
        );
        row.ratio = measure::show_ratio(ratio);
        let rss_ok = rss_mb < RSS_TARGET_MB;
        row = if size == largest {
            row.target = format!("≤ {FLOOR_TARGET}x, RSS < {RSS_TARGET_MB} MB");
            row.verdict(ratio <= FLOOR_TARGET && rss_ok)
        } else {
            row.target = format!("RSS < {RSS_TARGET_MB} MB");
            row.verdict(rss_ok)
        };
        rows.push(row);
        measured.push(Measured {
            patches: tree.patches,
            govup,
        });
    }
    for pair in measured.windows(2) {
        let (small, big) = (&pair[0], &pair[1]);
        let size_ratio = big.patches as f64 / small.patches as f64;
        let time_ratio = measure::ratio(big.govup, small.govup);
        let allowed = size_ratio * GROWTH_SLACK;
        let mut row = Row::new(
            "scale",
            format!(
                "growth {} -> {} patches",
                label(small.patches),
                label(big.patches)
            ),
        );
        row.govup = format!(
            "{} -> {}",
            measure::show(small.govup),
            measure::show(big.govup)
        );
        row.other = format!("{size_ratio:.0}x the patches");
        row.ratio = format!("{time_ratio:.1}x the time");
        row.target = format!("≤ {allowed:.0}x (linear)");
        rows.push(row.verdict(time_ratio <= allowed));
    }
    Ok(rows)
}

fn cpu_median(samples: &[Sample]) -> Duration {
    let mut cpu: Vec<Duration> = samples.iter().map(|s| s.cpu).collect();
    cpu.sort();
    cpu.get(cpu.len() / 2).copied().unwrap_or_default()
}
