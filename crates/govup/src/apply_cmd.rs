//! `govup apply`: run a plan against a database, or show what would run (`--dry-run`).

use crate::access::Access;
use crate::cli::{ApplyArgs, FromVersion, OutputFormat, TxArg};
use crate::failure::Failure;
use crate::plan_cmd::{plan_failure, resolve_to, skip_code};
use crate::progress::Progress;
use crate::step_log::{StepLog, Tee};
use crate::{connect, target, tree_input};
use govup_engine::{
    apply, ApplyError, BackupOptions, Connections, DriverExt, Job, LockTimeout, Options, Outcome,
    PatchReport, Report, Source, Start, TxMode,
};
use serde::Serialize;

pub fn run(args: &ApplyArgs) -> anyhow::Result<()> {
    let setup = Setup::new(args)?;
    let job = setup.job(args);
    let mut opts = options(args);
    opts.lock_timeout = lock_timeout(args, &setup.inst.map)?;
    let mut plain = setup.access.connector(if args.dry_run {
        connect::Kind::ReadOnly
    } else {
        connect::Kind::Create
    });
    let stale_lock_after = args.stale_lock_after;
    let mut connector = |url: &str| {
        let mut driver = plain(url)?;
        if let Some(after) = stale_lock_after {
            driver.set_stale_lock_after(after);
        }
        Ok(driver)
    };
    let json = matches!(args.format, OutputFormat::Json);
    let mut observer = observer(args, json || args.dry_run)?;
    let wait_replicas = args.wait_replicas.filter(|_| !args.dry_run);
    let mut conns = None;
    let result = Connections::open(&setup.inst.url, &setup.inst.map, &mut connector)
        .map_err(apply_failure)
        .and_then(|opened| {
            let conns = conns.insert(opened);
            if wait_replicas.is_some() {
                refuse_wait_replicas(conns)?;
            }
            apply(&job, conns, &opts, &mut observer).map_err(apply_failure)
        });
    let done = std::mem::take(&mut observer.0.done);
    drop(observer);
    let mut report = match result {
        Ok(report) => report,
        Err(failure) => {
            // A script reading stdout learns what ran before the failure, not just that it failed.
            if json {
                out!(
                    "{}",
                    render_json_failure(&setup, args.dry_run, &done, &failure)?
                );
            }
            return Err(if json {
                failure.json_printed()
            } else {
                failure
            }
            .into());
        }
    };
    report
        .warnings
        .splice(0..0, setup.loaded.warnings.iter().cloned());
    let out = match (args.format, args.dry_run) {
        (OutputFormat::Json, _) => render_json(&report, args.dry_run)?,
        (OutputFormat::Table, true) => render_dry_run(&report),
        (OutputFormat::Table, false) => render_summary(&report),
    };
    out!("{out}");
    if let (Some(timeout), Some(conns)) = (wait_replicas, conns.as_mut()) {
        wait_for_replicas(conns, timeout)?;
    }
    Ok(())
}

/// `--wait-replicas` where no driver can keep it is refused before anything is written.
fn refuse_wait_replicas(conns: &mut Connections) -> Result<(), Failure> {
    for conn in &mut conns.list {
        if conn.driver.replication().is_none() {
            return Err(Failure::usage(format_args!(
                "--wait-replicas works on PostgreSQL streaming replication only, not on {} ({})",
                conn.driver.describe(),
                conn.driver.dialect().name()
            ))
            .with_details([
                "on a Galera cluster every node certifies each commit before it returns; readers that must see it set wsrep_sync_wait".to_string(),
            ]));
        }
    }
    Ok(())
}

/// Waits, within one `timeout` for all connections, until every streaming replica of each has
/// replayed the upgrade, and says how long that took; exit 1 naming the replicas still behind.
fn wait_for_replicas(conns: &mut Connections, timeout: std::time::Duration) -> Result<(), Failure> {
    let start = std::time::Instant::now();
    for conn in &mut conns.list {
        let left = timeout.saturating_sub(start.elapsed());
        let where_ = conn.driver.describe();
        let waited = match conn.driver.replication() {
            Some(replication) => replication.wait_for_replicas(left),
            None => Err(govup_engine::DbError::new(
                "it has no replication govup can wait for",
            )),
        };
        let replicas = waited.map_err(|e| {
            Failure::failed(format_args!(
                "cannot wait for the replicas of {where_}: {e}"
            ))
        })?;
        if !replicas.lagging.is_empty() {
            return Err(Failure::failed(format_args!(
                "replicas of {where_} still behind after {:.1} s: {}",
                timeout.as_secs_f64(),
                replicas.lagging.join(", ")
            ))
            .with_details([
                "the upgrade itself is applied and recorded on the primary".to_string(),
            ]));
        }
        if replicas.all.is_empty() {
            errln!("no streaming replica is connected to {where_}: nothing to wait for");
        } else {
            errln!(
                "replicas of {where_} replayed the upgrade {:.2} s after it ended: {}",
                start.elapsed().as_secs_f64(),
                replicas.all.join(", ")
            );
        }
    }
    Ok(())
}

/// What `apply` and `rehearse` share: the installation, the tree, the target version.
pub struct Setup {
    pub inst: target::Installation,
    pub loaded: tree_input::Loaded,
    to: govup_planner::Version,
    pub access: Access,
}

impl Setup {
    pub fn new(args: &ApplyArgs) -> Result<Setup, Failure> {
        let inst = target::installation(&args.target, &args.skip_role)?;
        let dir = target::tree_dir(args.dir.as_ref(), &inst.map)?;
        let loaded = tree_input::load_for_apply(&dir, inst.db, &args.read)?;
        let to = resolve_to(&args.to, &loaded)?;
        let access = Access::new(&args.access, Some(&inst.map))?;
        Ok(Setup {
            inst,
            loaded,
            to,
            access,
        })
    }

    pub fn job(&self, args: &ApplyArgs) -> Job<'_> {
        let start = match &args.from {
            FromVersion::Auto => Start::Auto,
            FromVersion::Exactly(v) => Start::Given(v.clone()),
        };
        Job {
            tree: &self.loaded.tree,
            graph: &self.loaded.graph,
            db: self.inst.db,
            map: &self.inst.map,
            start,
            to: self.to.clone(),
        }
    }
}

pub fn options(args: &ApplyArgs) -> Options {
    Options {
        tx: args.tx.map(|tx| match tx {
            TxArg::All => TxMode::All,
            TxArg::Step => TxMode::Step,
            TxArg::Patch => TxMode::Patch,
        }),
        dry_run: args.dry_run,
        allow_lateral: args.allow_lateral,
        continue_changed: args.continue_changed_patch,
        govup_version: env!("CARGO_PKG_VERSION").to_string(),
        backup: args.backup.as_ref().map(|dir| BackupOptions {
            dir: dir.clone(),
            each_step: args.backup_each_step,
            restore_on_failure: args.restore_on_failure,
        }),
        // A dry run writes nothing: an interrupt may end it at once.
        stop: (!args.dry_run).then(crate::signals::install),
        lock_timeout: None,
    }
}

/// `--lock-timeout` and `--lock-retries`, else the map's `lock_timeout` and `lock_retries`.
pub fn lock_timeout(
    args: &ApplyArgs,
    map: &govup_schema_map::SchemaMap,
) -> Result<Option<LockTimeout>, Failure> {
    lock_timeout_of(args.lock_timeout, args.lock_retries, map)
}

/// [`lock_timeout`] from the flags' values (`fleet apply` has the same two flags).
pub fn lock_timeout_of(
    timeout: Option<std::time::Duration>,
    lock_retries: Option<u32>,
    map: &govup_schema_map::SchemaMap,
) -> Result<Option<LockTimeout>, Failure> {
    let from_map = match &map.lock_timeout {
        Some(text) => Some(crate::duration::parse(text).map_err(|e| {
            let path = map
                .source
                .as_deref()
                .unwrap_or(std::path::Path::new("map.toml"));
            Failure::usage(format_args!(
                "schema map `{}` is invalid: lock_timeout: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    let retries = lock_retries.or(map.lock_retries);
    Ok(match timeout.or(from_map) {
        Some(timeout) => Some(LockTimeout {
            timeout,
            retries: retries.unwrap_or(3),
        }),
        None if retries.is_some() => {
            return Err(Failure::usage(
                "--lock-retries (or lock_retries) needs --lock-timeout (or lock_timeout)",
            ))
        }
        None => None,
    })
}

/// Progress on the terminal, and per-step logs when `--log-dir` asks for them.
pub fn observer(args: &ApplyArgs, quiet: bool) -> Result<Tee<Progress, Option<StepLog>>, Failure> {
    let log = match &args.log_dir {
        Some(dir) => Some(StepLog::create(dir).map_err(|e| {
            Failure::usage(format_args!(
                "cannot write logs to `{}`: {e}",
                dir.display()
            ))
        })?),
        None => None,
    };
    Ok(Tee(Progress::new(quiet), log))
}

pub fn apply_failure(err: ApplyError) -> Failure {
    let details = err.details();
    let failure = match err {
        ApplyError::Plan(plan) => return plan_failure(plan),
        e if e.is_usage() => Failure::usage(&e),
        e => Failure::failed(&e),
    };
    failure.with_details(details)
}

fn source_text(source: &Source) -> &'static str {
    match source {
        Source::Given => "given",
        Source::History => "from govup_history",
        Source::DbInfo => "from db_info",
    }
}

struct Counts {
    applied: usize,
    skipped: usize,
    already: usize,
    infos: usize,
}

fn counts(patches: &[PatchReport]) -> Counts {
    let mut c = Counts {
        applied: 0,
        skipped: 0,
        already: 0,
        infos: 0,
    };
    for p in patches {
        match (&p.outcome, p.info) {
            (Outcome::Applied { .. } | Outcome::Resumed { .. }, true) => c.infos += 1,
            (Outcome::Applied { .. } | Outcome::Resumed { .. }, false) => c.applied += 1,
            (Outcome::AlreadyApplied, _) => c.already += 1,
            (Outcome::Skipped(_) | Outcome::RoleSkipped, _) => c.skipped += 1,
            (Outcome::WouldApply { .. }, _) => {}
        }
    }
    c
}

fn render_summary(report: &Report) -> String {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
    let plan = &report.plan.plan;
    let mut out = format!(
        "applied {} -> {} on {} (start version {})\n",
        plan.from,
        plan.to,
        plan.db,
        source_text(&report.source)
    );
    if plan.is_empty() {
        out = format!("already at {}: nothing to do\n", plan.to);
        for w in &report.warnings {
            out += &format!("warning: {w}\n");
        }
        return out;
    }
    let c = counts(&report.patches);
    if c.applied + c.infos == 0 {
        out = format!(
            "nothing to do: every patch of {} -> {} is already applied on {}\n",
            plan.from, plan.to, plan.db
        );
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    crate::tables::fit(&mut table);
    table.set_header([
        "steps",
        "patches applied",
        "skipped",
        "already applied",
        "info-patches",
        "statements",
        "time",
    ]);
    table.add_row([
        report.plan.steps.len().to_string(),
        c.applied.to_string(),
        c.skipped.to_string(),
        c.already.to_string(),
        c.infos.to_string(),
        report.statements.to_string(),
        format!("{} ms", report.duration.as_millis()),
    ]);
    out += &table.to_string();
    out.push('\n');
    for dir in &report.backups {
        out += &format!("backup: {}\n", dir.display());
    }
    for w in &report.warnings {
        out += &format!("warning: {w}\n");
    }
    out
}

fn render_dry_run(report: &Report) -> String {
    let plan = &report.plan.plan;
    let mut out = format!(
        "-- dry run: {} -> {} on {} (start version {}); nothing is written\n",
        plan.from,
        plan.to,
        plan.db,
        source_text(&report.source)
    );
    let mut place = None;
    let mut file = None;
    for s in &report.would_run {
        let here = (s.connection.as_str(), s.schema.as_deref());
        if place != Some(here) {
            out += &format!(
                "\n-- on {}, schema {}\n",
                s.connection,
                s.schema.as_deref().unwrap_or("(default)")
            );
            place = Some(here);
        }
        if file != Some(s.path.as_str()) {
            out += &format!("\n-- {}\n", s.path);
            file = Some(s.path.as_str());
        }
        let end = if s.text.trim_end().ends_with(';') {
            "\n/"
        } else {
            ";"
        };
        out += &format!("{}{end}\n", s.text);
    }
    out += &format!("\n-- {} statement(s)\n", report.would_run.len());
    for w in &report.warnings {
        out += &format!("-- warning: {w}\n");
    }
    out
}

#[derive(Serialize)]
struct JsonReport<'a> {
    format: &'static str,
    dry_run: bool,
    db: String,
    from: String,
    from_source: &'static str,
    to: String,
    steps: usize,
    patches: Vec<JsonPatch<'a>>,
    applied: usize,
    skipped: usize,
    already_applied: usize,
    info_patches: usize,
    statements: usize,
    duration_ms: u128,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    would_run: Vec<JsonStatement<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct JsonPatch<'a> {
    step: &'a str,
    path: &'a str,
    info_patch: bool,
    schema: Option<&'a str>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statements: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<u128>,
}

#[derive(Serialize)]
struct JsonStatement<'a> {
    connection: &'a str,
    schema: Option<&'a str>,
    path: &'a str,
    line: u32,
    sql: &'a str,
}

fn render_json(report: &Report, dry_run: bool) -> anyhow::Result<String> {
    let plan = &report.plan.plan;
    let c = counts(&report.patches);
    let patches = report.patches.iter().map(json_patch).collect();
    let doc = JsonReport {
        format: "govup-apply/1",
        dry_run,
        db: plan.db.to_string(),
        from: plan.from.to_string(),
        from_source: source_text(&report.source),
        to: plan.to.to_string(),
        steps: report.plan.steps.len(),
        patches,
        applied: c.applied,
        skipped: c.skipped,
        already_applied: c.already,
        info_patches: c.infos,
        statements: report.statements,
        duration_ms: report.duration.as_millis(),
        would_run: report
            .would_run
            .iter()
            .map(|s| JsonStatement {
                connection: &s.connection,
                schema: s.schema.as_deref(),
                path: &s.path,
                line: s.line,
                sql: &s.text,
            })
            .collect(),
        warnings: &report.warnings,
    };
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

fn json_patch(p: &PatchReport) -> JsonPatch<'_> {
    let (reason, applied_by) = match &p.outcome {
        Outcome::Skipped(why) => {
            let (code, by) = skip_code(why);
            (Some(code), by)
        }
        _ => (None, None),
    };
    let (outcome, statements, duration_ms) = match &p.outcome {
        Outcome::Applied {
            statements,
            duration,
        } => ("applied", Some(*statements), Some(duration.as_millis())),
        Outcome::Resumed {
            statements,
            duration,
            ..
        } => ("resumed", Some(*statements), Some(duration.as_millis())),
        Outcome::Skipped(_) => ("skipped", None, None),
        Outcome::AlreadyApplied => ("already_applied", None, None),
        Outcome::RoleSkipped => ("role_skipped", None, None),
        Outcome::WouldApply { statements } => ("would_apply", Some(*statements), None),
    };
    JsonPatch {
        step: &p.step_dir,
        path: &p.path,
        info_patch: p.info,
        schema: p.target.schema.as_deref(),
        outcome,
        reason,
        applied_by,
        statements,
        duration_ms,
    }
}

/// The failure of `--format json`: the report's fields that are known, the patches that
/// completed before the failure, and `error`.
#[derive(Serialize)]
struct JsonFailure<'a> {
    format: &'static str,
    dry_run: bool,
    db: String,
    to: String,
    patches: Vec<JsonPatch<'a>>,
    applied: usize,
    already_applied: usize,
    info_patches: usize,
    warnings: &'a [String],
    error: JsonError<'a>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    message: &'a str,
    details: &'a [String],
    exit_code: u8,
}

use govup_engine::url::redact;

fn render_json_failure(
    setup: &Setup,
    dry_run: bool,
    done: &[PatchReport],
    failure: &Failure,
) -> anyhow::Result<String> {
    let c = counts(done);
    let doc = JsonFailure {
        format: "govup-apply/1",
        dry_run,
        db: setup.inst.db.to_string(),
        to: setup.to.to_string(),
        patches: done.iter().map(json_patch).collect(),
        applied: c.applied,
        already_applied: c.already,
        info_patches: c.infos,
        warnings: &setup.loaded.warnings,
        error: JsonError {
            message: &redact(&failure.headline),
            details: &failure
                .details
                .iter()
                .map(|d| redact(d))
                .collect::<Vec<_>>(),
            exit_code: failure.exit as u8,
        },
    };
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}
