//! `plan`: `govup plan` 3.0.0 -> 3.4.3 (postgresql) on GovWay's real tree, against `cat` of
//! every file the plan reads. Target: at most 3x.

use super::measure::{self, Contender, Input};
use super::{gen, Ctx, Row};
use anyhow::{bail, Result};
use std::path::PathBuf;
use std::process::Command;

const TARGET: f64 = 3.0;

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
    Ok(std::fs::canonicalize(tree)?)
}

pub fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let case = "`govup plan` 3.0.0 -> 3.4.3, postgresql, GovWay's tree";
    let tree = match corpus_tree() {
        Ok(tree) => tree,
        Err(e) => return Ok(vec![Row::not_run("plan", case, e.to_string())]),
    };
    let rounds = ctx.rounds("plan", 31);
    let files = gen::files_read(&tree, "postgresql")?;
    let mut cats = gen::cat_commands(&tree, &files);
    let tree_arg = tree.display().to_string();
    let mut contenders = [
        Contender::new("govup plan", |_| {
            measure::run(
                Command::new(&ctx.govup).args([
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
                ]),
                Input::Nothing,
            )
        }),
        Contender::new("cat", |_| measure::run_all(&mut cats)),
    ];
    let samples = measure::alternate(rounds, true, &mut contenders)?;
    let (govup, floor) = (measure::median(&samples[0]), measure::median(&samples[1]));
    let ratio = measure::ratio(govup, floor);
    let mut row = Row::new("plan", case);
    row.runs = rounds.to_string();
    row.govup = format!(
        "{}, {:.1} MiB RSS",
        measure::show(govup),
        measure::peak_rss_mib(&samples[0])
    );
    row.other = format!(
        "`cat` of the {} files it reads: {}",
        files.len(),
        measure::show(floor)
    );
    row.ratio = measure::show_ratio(ratio);
    row.target = format!("≤ {TARGET}x");
    Ok(vec![row.verdict(ratio <= TARGET)])
}
