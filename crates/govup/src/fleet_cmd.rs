//! `govup fleet apply|status`: many installations from one inventory. The inventory, the share,
//! the schedule and the report are `govup_fleet`'s; this module parses, calls and renders.

use crate::access::{Access, AccessArgs};
use crate::cli::{OutputFormat, TxArg};
use crate::failure::Failure;
use crate::step_log::StepLog;
use crate::tree_input::TreeReadArgs;
use crate::{connect, target};
use clap::{Args, Subcommand};
use govup_engine::{pending, status, BackupOptions, Connections, Options, Source, TxMode};
use govup_fleet::{
    apply_one, not_started, prepare, run_all, Entry, FleetResult, Inventory, Prepared, Report,
    Schedule, Shard, ToSpec,
};
use govup_planner::ReadOptions;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

pub const EXAMPLES: &str = "Examples:\n  govup fleet apply --inventory fleet.toml --canary 2 --jobs 8\n  govup fleet apply --inventory fleet.toml --shard 2/3 --format json\n  govup fleet status --inventory fleet.toml";

#[derive(Args, Debug)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub command: FleetCommand,
}

#[derive(Subcommand, Debug)]
pub enum FleetCommand {
    /// Apply every installation of the inventory: canaries first, then up to --jobs at once
    Apply(FleetApplyArgs),
    /// Show the version of every installation of the inventory and the steps pending
    Status(FleetStatusArgs),
}

impl FleetArgs {
    /// Whether JSON was asked for: a failure is then a JSON object too.
    pub fn json(&self) -> bool {
        let format = match &self.command {
            FleetCommand::Apply(a) => a.format,
            FleetCommand::Status(a) => a.format,
        };
        matches!(format, OutputFormat::Json)
    }
}

#[derive(Args, Debug)]
pub struct FleetApplyArgs {
    /// The inventory: defaults (dir, to, db, from) and one [[installation]] per installation
    #[arg(long, value_name = "FLEET.toml")]
    pub inventory: PathBuf,
    /// At most N installations at once after the canaries; each holds its own connections
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub jobs: u16,
    /// Run the first K installations one at a time first; any failure among them stops the fleet
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub canary: usize,
    /// After a failure, go on starting the others (a canary's failure still stops the fleet)
    #[arg(long)]
    pub keep_going: bool,
    /// Take only share I of N of the inventory: the installations at positions I, I+N, I+2N...
    #[arg(long, value_name = "I/N", default_value = "1/1")]
    pub shard: Shard,
    /// The version to reach, or `latest` (default: the inventory's `to`)
    #[arg(long, value_name = "VERSION")]
    pub to: Option<ToSpec>,
    /// Transaction scope, as for `govup apply`
    #[arg(long, value_enum)]
    pub tx: Option<TxArg>,
    /// Apply even when a database holds patches the target does not
    #[arg(long)]
    pub allow_lateral: bool,
    /// As for `govup apply`
    #[arg(long)]
    pub continue_changed_patch: bool,
    /// Back up each installation into DIR/<name>/<version>/ before its first write
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,
    /// Also back up before every step
    #[arg(long, requires = "backup")]
    pub backup_each_step: bool,
    /// When an installation fails, restore its backup taken before its first write
    #[arg(long, requires = "backup")]
    pub restore_on_failure: bool,
    /// As for `govup apply`: each statement gives up after waiting DURATION for a lock
    /// (default: each installation's map's lock_timeout)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub lock_timeout: Option<std::time::Duration>,
    /// With --lock-timeout: how often a statement that gave up runs again [default: 3]
    #[arg(long, value_name = "N")]
    pub lock_retries: Option<u32>,
    /// Write each installation's per-step logs into DIR/<name>/
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub read: TreeReadArgs,
    #[command(flatten)]
    pub access: AccessArgs,
}

#[derive(Args, Debug)]
pub struct FleetStatusArgs {
    #[arg(long, value_name = "FLEET.toml")]
    pub inventory: PathBuf,
    /// Ask at most N installations at once
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub jobs: u16,
    #[arg(long, value_name = "I/N", default_value = "1/1")]
    pub shard: Shard,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub read: TreeReadArgs,
    #[command(flatten)]
    pub access: AccessArgs,
}

pub fn run(args: &FleetArgs) -> anyhow::Result<()> {
    match &args.command {
        FleetCommand::Apply(a) => apply(a),
        FleetCommand::Status(a) => fleet_status(a),
    }
}

/// The inventory read and every installation resolved: all of it bad usage, before anything runs.
fn load(
    path: &Path,
    shard: Shard,
    to: Option<&ToSpec>,
    read: &TreeReadArgs,
    access: &AccessArgs,
) -> Result<(Inventory, Prepared), Failure> {
    let inv = Inventory::load(path).map_err(Failure::usage)?;
    let how = ReadOptions {
        link_root: read.link_root.clone(),
        max_file_size: read.max_patch_size,
    };
    let prepared = target::rules(|rules| prepare(&inv, shard, to, &how, rules))
        .map_err(|e| Failure::usage(&e).with_details(e.details()))?;
    // Every password file an installation's map names is read now: one that cannot be is bad
    // input before anything runs, not a failure halfway through the fleet.
    for r in &prepared.members {
        Access::new(access, Some(&r.inst.map)).map_err(|e| {
            Failure::usage(format_args!(
                "inventory `{}`:{}: installation `{}`: {}",
                inv.path.display(),
                r.member.line,
                r.member.name,
                e.headline
            ))
        })?;
    }
    Ok((inv, prepared))
}

fn apply(args: &FleetApplyArgs) -> anyhow::Result<()> {
    let (inv, prepared) = load(
        &args.inventory,
        args.shard,
        args.to.as_ref(),
        &args.read,
        &args.access,
    )?;
    if let Some(dir) = &args.log_dir {
        std::fs::create_dir_all(dir).map_err(|e| {
            Failure::usage(format_args!(
                "cannot write logs to `{}`: {e}",
                dir.display()
            ))
        })?;
    }
    let stop = crate::signals::install();
    let opts = Options {
        tx: args.tx.map(|tx| match tx {
            TxArg::All => TxMode::All,
            TxArg::Step => TxMode::Step,
            TxArg::Patch => TxMode::Patch,
        }),
        dry_run: false,
        allow_lateral: args.allow_lateral,
        continue_changed: args.continue_changed_patch,
        govup_version: env!("CARGO_PKG_VERSION").to_string(),
        backup: args.backup.as_ref().map(|dir| BackupOptions {
            dir: dir.clone(),
            each_step: args.backup_each_step,
            restore_on_failure: args.restore_on_failure,
        }),
        stop: Some(stop.clone()),
        lock_timeout: None,
    };
    // Each installation's own lock timeout (the flags, else its map's), checked before anything runs.
    let mut lock_timeouts = Vec::with_capacity(prepared.members.len());
    for r in &prepared.members {
        lock_timeouts.push(crate::apply_cmd::lock_timeout_of(
            args.lock_timeout,
            args.lock_retries,
            &r.inst.map,
        )?);
    }
    let schedule = Schedule {
        jobs: usize::from(args.jobs),
        canary: args.canary,
        keep_going: args.keep_going,
    };
    let total = prepared.members.len();
    let started = AtomicUsize::new(0);
    let clock = Instant::now();
    let results = run_all(
        &prepared.members,
        &schedule,
        Some(&stop),
        |i, r| {
            let n = started.fetch_add(1, Ordering::SeqCst) + 1;
            let canary = if i < schedule.canary { " (canary)" } else { "" };
            errln!("[{n}/{total}] {}{canary}: started", r.member.name);
            let mut log = args
                .log_dir
                .as_ref()
                .and_then(|dir| StepLog::create(&dir.join(&r.member.name)).ok());
            // Its own passwords and session statements: those of its map, then the flags'.
            let opts = Options {
                lock_timeout: lock_timeouts[i],
                ..opts.clone()
            };
            let entry = match Access::new(&args.access, Some(&r.inst.map)) {
                Ok(access) => apply_one(
                    r,
                    &prepared.trees[r.tree],
                    &opts,
                    &mut access.connector(connect::Kind::Create),
                    &mut log,
                ),
                Err(e) => failed_before(r, &e.headline),
            };
            errln!("{}", finish_line(&entry));
            entry
        },
        |e| e.result == FleetResult::Failed,
    );
    let entries: Vec<Entry> = results
        .into_iter()
        .zip(&prepared.members)
        .map(|(e, r)| e.unwrap_or_else(|| not_started(r)))
        .collect();
    let report = Report::new(&inv.path, args.shard, entries, clock.elapsed());
    match args.format {
        OutputFormat::Json => out!("{}", serde_json::to_string_pretty(&report)? + "\n"),
        OutputFormat::Table => out!("{}", render_table(&report)),
    }
    if report.succeeded() {
        return Ok(());
    }
    let failure = Failure::failed(format_args!(
        "fleet: {} of {} installation(s) failed, {} not started",
        report.failed,
        report.installations.len(),
        report.not_started
    ));
    // The govup-fleet/1 document on stdout already holds every error.
    Err(match args.format {
        OutputFormat::Json => failure.json_printed(),
        OutputFormat::Table => failure,
    }
    .into())
}

/// An installation that failed before it could connect.
fn failed_before(r: &govup_fleet::Resolved, why: &str) -> Entry {
    Entry {
        result: FleetResult::Failed,
        duration_ms: Some(0),
        error: Some(govup_engine::url::redact(why)),
        ..not_started(r)
    }
}

fn finish_line(e: &Entry) -> String {
    let took = e.duration_ms.unwrap_or(0);
    let from = e.from.as_deref().unwrap_or("?");
    match e.result {
        FleetResult::Applied => format!("{}: applied {from} -> {} in {took} ms", e.name, e.to),
        FleetResult::UpToDate => format!("{}: up to date at {} ({took} ms)", e.name, e.to),
        _ => format!(
            "{}: failed after {took} ms: {}",
            e.name,
            e.error.as_deref().unwrap_or("")
        ),
    }
}

fn table() -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table
}

fn render_table(report: &Report) -> String {
    let mut t = table();
    t.set_header([
        "installation",
        "db",
        "from",
        "to",
        "result",
        "time",
        "error",
    ]);
    for e in &report.installations {
        t.add_row([
            e.name.clone(),
            e.db.clone(),
            e.from.clone().unwrap_or_default(),
            e.to.clone(),
            e.result.as_str().to_string(),
            e.duration_ms
                .map(|ms| format!("{ms} ms"))
                .unwrap_or_default(),
            e.error.clone().unwrap_or_default(),
        ]);
    }
    let shard = report
        .shard
        .as_deref()
        .map(|s| format!(" (shard {s})"))
        .unwrap_or_default();
    format!(
        "{t}\n{} installation(s){shard}: {} applied, {} up to date, {} failed, {} not started in {} ms\n",
        report.installations.len(),
        report.applied,
        report.up_to_date,
        report.failed,
        report.not_started,
        report.duration_ms
    )
}

/// One installation as `fleet status` sees it.
#[derive(Serialize)]
struct StatusEntry {
    name: String,
    db: String,
    version: Option<String>,
    source: Option<&'static str>,
    /// Steps pending to the newest version of its tree.
    pending_steps: Option<usize>,
    /// History rows that are failed or partial.
    unfinished: usize,
    error: Option<String>,
}

#[derive(Serialize)]
struct StatusReport<'a> {
    format: &'static str,
    inventory: String,
    shard: Option<String>,
    installations: &'a [StatusEntry],
}

fn fleet_status(args: &FleetStatusArgs) -> anyhow::Result<()> {
    let latest = ToSpec::Latest;
    let (inv, prepared) = load(
        &args.inventory,
        args.shard,
        Some(&latest),
        &args.read,
        &args.access,
    )?;
    let schedule = Schedule {
        jobs: usize::from(args.jobs),
        canary: 0,
        keep_going: true,
    };
    let results = run_all(
        &prepared.members,
        &schedule,
        None,
        |_, r| {
            let mut entry = StatusEntry {
                name: r.member.name.clone(),
                db: r.inst.db.to_string(),
                version: None,
                source: None,
                pending_steps: None,
                unfinished: 0,
                error: None,
            };
            let access = match Access::new(&args.access, Some(&r.inst.map)) {
                Ok(access) => access,
                Err(e) => {
                    entry.error = Some(govup_engine::url::redact(&e.headline));
                    return entry;
                }
            };
            let found = Connections::open(
                &r.inst.url,
                &r.inst.map,
                &mut access.connector(connect::Kind::Existing),
            )
            .and_then(|mut conns| status(&mut conns, &r.inst.map));
            match found {
                Ok(st) => {
                    entry.unfinished = st.unfinished.len();
                    if let Some((v, s)) = &st.version {
                        entry.version = Some(v.to_string());
                        entry.source = Some(match s {
                            Source::History => "govup_history",
                            Source::DbInfo => "db_info",
                            Source::Given => "given",
                        });
                        match pending(&prepared.trees[r.tree], r.inst.db, v) {
                            Ok(steps) => entry.pending_steps = Some(steps.len()),
                            Err(e) => entry.error = Some(e.to_string()),
                        }
                    }
                }
                Err(e) => entry.error = Some(govup_engine::url::redact(&e.to_string())),
            }
            entry
        },
        |e| e.error.is_some(),
    );
    let entries: Vec<StatusEntry> = results.into_iter().flatten().collect();
    match args.format {
        OutputFormat::Json => {
            let doc = StatusReport {
                format: "govup-fleet-status/1",
                inventory: inv.path.display().to_string(),
                shard: (args.shard != Shard::ALL).then(|| args.shard.to_string()),
                installations: &entries,
            };
            out!("{}", serde_json::to_string_pretty(&doc)? + "\n");
        }
        OutputFormat::Table => {
            let mut t = table();
            t.set_header([
                "installation",
                "db",
                "version",
                "from",
                "pending steps",
                "unfinished",
                "error",
            ]);
            for e in &entries {
                t.add_row([
                    e.name.clone(),
                    e.db.clone(),
                    e.version.clone().unwrap_or_else(|| "unknown".into()),
                    e.source.unwrap_or("").to_string(),
                    e.pending_steps.map(|n| n.to_string()).unwrap_or_default(),
                    e.unfinished.to_string(),
                    e.error.clone().unwrap_or_default(),
                ]);
            }
            outln!("{t}");
        }
    }
    let unreadable = entries.iter().filter(|e| e.error.is_some()).count();
    if unreadable > 0 {
        let failure = Failure::failed(format_args!(
            "fleet: {unreadable} of {} installation(s) could not be read",
            entries.len()
        ));
        return Err(match args.format {
            OutputFormat::Json => failure.json_printed(),
            OutputFormat::Table => failure,
        }
        .into());
    }
    Ok(())
}
