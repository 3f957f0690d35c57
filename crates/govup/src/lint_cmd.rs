//! `govup lint`: check a tree before it ships. The report goes to stdout in the format asked
//! for; exit 1 when it holds an error (or a warning under `--deny-warnings`), 0 otherwise.

use crate::failure::Failure;
use clap::{Args, ValueEnum};
use govup_lint::{lint_with, render_github, render_human, render_json, render_sarif, Severity};
use govup_planner::DbType;
use std::path::PathBuf;

pub const EXAMPLES: &str = "Examples:\n  govup lint --dir sql-samples\n  govup lint --dir resources/sql_upgrade --db postgresql --db oracle --format github";

#[derive(Args, Debug)]
pub struct LintArgs {
    /// The upgrade tree
    #[arg(long, value_name = "TREE", env = "GOVUP_DIR")]
    pub dir: PathBuf,
    /// A database folder to check (repeatable; default: every one the tree has)
    #[arg(long, value_name = "DBTYPE")]
    pub db: Vec<DbType>,
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
    #[command(flatten)]
    pub read: crate::tree_input::TreeReadArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LintFormat {
    Human,
    Json,
    Github,
    Sarif,
}

pub fn run(args: &LintArgs) -> anyhow::Result<()> {
    let options = crate::tree_input::lint_options(&args.read);
    let report = lint_with(&args.dir, &args.db, &options).map_err(Failure::usage)?;
    let absent: Vec<String> = args
        .db
        .iter()
        .filter(|db| !report.databases.contains(db))
        .map(|db| db.to_string())
        .collect();
    if !absent.is_empty() {
        return Err(Failure::usage(format_args!(
            "upgrade tree `{}` has no {} folder in any step",
            args.dir.display(),
            absent.join(", ")
        ))
        .into());
    }
    let out = match args.format {
        // Fitted to the terminal like the tables; continuation lines are indented, so every
        // diagnostic still starts a line with its file:line.
        LintFormat::Human => render_human(&report)
            .lines()
            .map(|l| crate::tables::wrap_line(l) + "\n")
            .collect(),
        LintFormat::Json => render_json(&report),
        LintFormat::Github => render_github(&report),
        LintFormat::Sarif => render_sarif(&report),
    };
    out!("{out}");
    let summary = format!("{} in {}", report.summary(), args.dir.display());
    if report.fails(args.deny_warnings) {
        let why = if report.count(Severity::Error) == 0 {
            " (--deny-warnings)"
        } else {
            ""
        };
        // The report printed above already says it all; no error object follows it.
        return Err(Failure::failed(format_args!("{summary}{why}"))
            .json_printed()
            .into());
    }
    errln!("lint: {summary}");
    Ok(())
}
