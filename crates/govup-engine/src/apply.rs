//! The apply sequence, written once: lock → read history → verify checksums → plan → split
//! everything → (begin) → ensure history tables → run each patch and info-patch → record →
//! (commit) → unlock. The lock is a guard, so every early return releases it.

use crate::backup::{self, BackupSet};
use crate::connections::{Connections, Locked};
use crate::driver::Dialect;
use crate::error::ApplyError;
use crate::events::{Observer, Outcome, PatchReport, PlannedStatement};
use crate::executor::Executor;
use crate::history::{Kind, Table};
use crate::origin::Source;
use crate::prepare::{detect_start, prepare, verify_checksums, Recorded, Run};
use govup_planner::{plan, Contents, DbType, Request, SkipReason, Tree, Version, VersionGraph};
use govup_schema_map::{route, Disposition, RoutedPlan, SchemaMap, Target};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much one transaction covers, where the database can roll DDL back. Where it cannot
/// (MySQL, Oracle), every DDL statement commits on its own; `All` and `Step` then put consecutive
/// patches of only INSERT, UPDATE and DELETE in one transaction per step, and `Patch` commits
/// statement by statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxMode {
    /// The whole upgrade: a failure leaves the database exactly as it was.
    All,
    /// One step (its patches and info-patches).
    Step,
    /// One patch or info-patch.
    Patch,
}

#[derive(Clone, Debug)]
pub enum Start {
    Given(Version),
    /// govup's history, else GovWay's `db_info`.
    Auto,
}

#[derive(Clone, Debug)]
pub struct Options {
    /// None: the default, one transaction for everything where DDL can be rolled back.
    pub tx: Option<TxMode>,
    pub dry_run: bool,
    pub allow_lateral: bool,
    /// Resume a partially applied patch whose bytes changed, at the first statement not done.
    pub continue_changed: bool,
    pub govup_version: String,
    pub backup: Option<BackupOptions>,
    /// Set (by a SIGINT or SIGTERM handler) to stop at the next safe point: before the next
    /// patch, or before the next statement where each statement commits on its own.
    pub stop: Option<Arc<AtomicBool>>,
}

/// `--backup DIR` and what goes with it.
#[derive(Clone, Debug)]
pub struct BackupOptions {
    pub dir: PathBuf,
    /// Also before every step, each in a folder named by the version the database is at.
    pub each_step: bool,
    /// Restore the first backup when the upgrade fails after it began writing.
    pub restore_on_failure: bool,
}

pub struct Job<'a> {
    pub tree: &'a Tree,
    pub graph: &'a VersionGraph,
    pub db: DbType,
    pub map: &'a SchemaMap,
    pub start: Start,
    pub to: Version,
}

#[derive(Debug)]
pub struct Report {
    pub from: Version,
    pub source: Source,
    pub plan: RoutedPlan,
    pub patches: Vec<PatchReport>,
    pub statements: usize,
    /// Dry run only: every statement that would run, in order.
    pub would_run: Vec<PlannedStatement>,
    pub duration: Duration,
    pub warnings: Vec<String>,
    /// Backup folders written, first the one taken before the first write.
    pub backups: Vec<PathBuf>,
}

/// A standby or read-only target fails here, before the lock and before anything is written.
fn refuse_read_only(conns: &mut Connections) -> Result<(), ApplyError> {
    for conn in &mut conns.list {
        let reason = conn
            .driver
            .read_only_reason()
            .map_err(|error| ApplyError::ReadOnlyCheck {
                conn: conn.driver.describe(),
                error,
            })?;
        if let Some(reason) = reason {
            return Err(ApplyError::ReadOnly {
                conn: conn.driver.describe(),
                reason,
            });
        }
    }
    Ok(())
}

/// Applies `job` on `conns`. See the module doc for the sequence.
pub fn apply(
    job: &Job<'_>,
    conns: &mut Connections,
    opts: &Options,
    observer: &mut dyn Observer,
) -> Result<Report, ApplyError> {
    let started = Instant::now();
    if !opts.dry_run {
        refuse_read_only(conns)?;
    }
    let locked = if opts.dry_run {
        Locked::without_lock(conns)
    } else {
        Locked::acquire(conns, observer)?
    };
    let conns = &mut *locked.conns;

    let targets = job.map.info_patch_targets();
    refuse_one_schema_twice(&targets, conns, &locked.scopes)?;
    // A schema the database cannot have, or that does not exist, stops the run before anything
    // is read or written.
    for target in &targets {
        let conn = conns.for_target(target);
        let dialect = conn.driver.dialect();
        if let (Some(schema), false) = (&target.schema, dialect.capabilities().schemas) {
            return Err(ApplyError::Usage(format!(
                "{} has no schemas: the schema map routes a role to schema {schema}; leave [schemas] out",
                dialect.name()
            )));
        }
        conn.use_schema(&target.schema)?;
    }
    let mut rows: HashMap<Target, Recorded> = HashMap::new();
    for target in &targets {
        let conn = conns.for_target(target);
        let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
        let read = table
            .read(conn.driver.as_mut())
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        crate::history::check(&read, crate::origin::from_history(&read))?;
        rows.insert(target.clone(), Recorded::new(read));
    }
    verify_checksums(job, &rows)?;

    let (from, source) = match &job.start {
        Start::Given(v) => (v.clone(), Source::Given),
        Start::Auto => detect_start(conns, &targets, &rows)?,
    };
    let contents = Contents::new(job.tree, job.graph, job.db);
    let request = Request {
        from: from.clone(),
        to: job.to.clone(),
        allow_lateral: opts.allow_lateral,
    };
    let routed = route(plan(&contents, &request)?, job.map);

    let nothing = Recorded::default();
    let mut patches = Vec::new();
    let mut runs = Vec::new();
    for (si, step) in routed.steps.iter().enumerate() {
        for p in &step.patches {
            let outcome = match &p.disposition {
                Disposition::Apply => None,
                Disposition::Skip(SkipReason::InStartVersion) => {
                    Some(Outcome::Skipped(format!("in start version {from}")))
                }
                Disposition::Skip(SkipReason::AppliedEarlier { by }) => {
                    Some(Outcome::Skipped(format!("applied earlier by {by}")))
                }
                Disposition::RoleSkipped => Some(Outcome::RoleSkipped),
            };
            let sql = &p.planned.patch.sql;
            let history = rows.get(&p.target).unwrap_or(&nothing);
            let outcome = outcome.or_else(|| {
                history
                    .has_patch(&p.planned.patch.file, sql)
                    .then_some(Outcome::AlreadyApplied)
            });
            if let Some(outcome) = outcome {
                patches.push(report(
                    &step.planned.dir,
                    &sql.path,
                    false,
                    &p.target,
                    outcome,
                ));
                continue;
            }
            let dialect = conns.for_target(&p.target).driver.dialect();
            runs.push(prepare(
                (si, &step.planned),
                sql,
                &p.planned.patch.file,
                Kind::Patch,
                Some(p.role.name().to_string()),
                &p.target,
                history.row(&sql.path),
                dialect,
                opts,
            )?);
        }
        if let Some(info) = &step.planned.info_patch {
            for target in &step.info_targets {
                let history = rows.get(target).unwrap_or(&nothing);
                if history.has_info(&info.path) {
                    patches.push(report(
                        &step.planned.dir,
                        &info.path,
                        true,
                        target,
                        Outcome::AlreadyApplied,
                    ));
                    continue;
                }
                let dialect = conns.for_target(target).driver.dialect();
                runs.push(prepare(
                    (si, &step.planned),
                    info,
                    "info-patch.sql",
                    Kind::Info,
                    None,
                    target,
                    history.row(&info.path),
                    dialect,
                    opts,
                )?);
            }
        }
    }

    let dialect = conns.main().driver.dialect();
    let caps = dialect.capabilities();
    if caps.transactional_ddl {
        refuse_transaction_control(&runs, dialect, job.db)?;
    }
    let mut warnings = routed.warnings.clone();
    let statements: usize = runs.iter().map(|r| r.statements.len() - r.first).sum();
    if opts.dry_run {
        let would_run = runs
            .iter()
            .flat_map(|r| {
                let conn = conns.for_target(&r.target).driver.describe();
                r.statements[r.first..]
                    .iter()
                    .map(move |s| PlannedStatement {
                        connection: conn.clone(),
                        schema: r.target.schema.clone(),
                        path: r.path.clone(),
                        line: s.line,
                        text: s.text.clone(),
                    })
            })
            .collect();
        for r in &runs {
            let dir = &routed.steps[r.step].planned.dir;
            let outcome = Outcome::WouldApply {
                statements: r.statements.len() - r.first,
            };
            patches.push(report(
                dir,
                &r.path,
                r.kind == Kind::Info,
                &r.target,
                outcome,
            ));
        }
        sort_like_plan(&mut patches, &routed);
        return Ok(Report {
            from,
            source,
            plan: routed,
            patches,
            statements,
            would_run,
            duration: started.elapsed(),
            warnings,
            backups: vec![],
        });
    }

    if !caps.transactional_ddl && opts.tx == Some(TxMode::All) {
        warnings.push(format!(
            "{} cannot roll back DDL: every DDL statement commits on its own; --tx all puts consecutive patches of only INSERT, UPDATE and DELETE in one transaction per step",
            job.db
        ));
    }
    let tx = opts.tx.unwrap_or(TxMode::All);
    let whole = tx == TxMode::All && caps.transactional_ddl;
    let mut backups = Vec::new();
    if let Some(b) = &opts.backup {
        if b.each_step && whole {
            return Err(ApplyError::Usage(format!(
                "--backup-each-step needs --tx step or --tx patch on {}: inside one transaction for the whole upgrade, a backup would not see the steps before it",
                job.db
            )));
        }
        let set = backup::take(
            conns,
            &targets,
            &b.dir,
            &from.level().to_string(),
            job.db.folder(),
        )?;
        observer.note(&format!(
            "backed up {} schema(s) to {}",
            set.entries.len(),
            set.dir.display()
        ));
        backups.push(set);
    }
    observer.started(runs.len(), statements);
    let mut exec = Executor {
        conns,
        opts,
        observer,
        caps,
        tx,
        whole,
        pending: Vec::new(),
        rolls_back_rows: HashMap::new(),
    };
    let written = write(&mut exec, &runs, &routed, &targets, &from, &mut backups);
    match written {
        Ok(done) => patches.extend(done),
        Err(cause) => {
            let restore_from = opts
                .backup
                .as_ref()
                .filter(|b| b.restore_on_failure)
                .and(backups.first());
            let Some(set) = restore_from else {
                return Err(cause);
            };
            exec.rollback_all();
            return Err(match backup::restore(exec.conns, set) {
                Ok(()) => {
                    exec.observer
                        .note(&format!("restored the database from {}", set.dir.display()));
                    ApplyError::Restored {
                        cause: Box::new(cause),
                        from: set.dir.clone(),
                    }
                }
                Err(failed) => ApplyError::RestoreFailed {
                    cause: Box::new(cause),
                    restore: Box::new(failed),
                },
            });
        }
    }
    sort_like_plan(&mut patches, &routed);
    Ok(Report {
        from,
        source,
        plan: routed,
        patches,
        statements,
        would_run: vec![],
        duration: started.elapsed(),
        warnings,
        backups: backups.into_iter().map(|b| b.dir).collect(),
    })
}

/// Refuses, before anything is written, a patch that would end or start a transaction inside
/// the one govup holds open.
fn refuse_transaction_control(
    runs: &[Run],
    dialect: &dyn Dialect,
    db: DbType,
) -> Result<(), ApplyError> {
    for run in runs {
        for stmt in &run.statements[run.first..] {
            if let Some(keyword) = dialect.controls_transaction(&stmt.text) {
                return Err(ApplyError::TransactionControl {
                    path: run.path.clone(),
                    line: stmt.line,
                    keyword,
                    db: db.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Two URLs that reach one database, used for the same schema, would run every info-patch
/// twice there and collide in one history table, and their sessions could wait for each other.
fn refuse_one_schema_twice(
    targets: &[Target],
    conns: &Connections,
    scopes: &[Option<String>],
) -> Result<(), ApplyError> {
    let scope = |t: &Target| scopes.get(conns.index_of(t)).cloned().flatten();
    for (i, a) in targets.iter().enumerate() {
        for b in &targets[..i] {
            if a.url == b.url || a.schema != b.schema || scope(a).is_none() || scope(a) != scope(b)
            {
                continue;
            }
            let url = |t: &Target| conns.list[conns.index_of(t)].driver.describe();
            return Err(ApplyError::Usage(format!(
                "the schema map reaches one database through {} and {} for the same schema ({}): give those roles one URL",
                url(b),
                url(a),
                a.schema.as_deref().unwrap_or("the default one")
            )));
        }
    }
    Ok(())
}

/// The write phase: history tables, then every run, step by step, with the transactions and
/// backups the options ask for. Returns what happened to each run.
fn write(
    exec: &mut Executor<'_, '_>,
    runs: &[Run],
    routed: &RoutedPlan,
    targets: &[Target],
    from: &Version,
    backups: &mut Vec<BackupSet>,
) -> Result<Vec<PatchReport>, ApplyError> {
    let mut done = Vec::new();
    exec.begin_if(exec.whole)?;
    exec.ensure_history(targets)?;
    let mut current_step: Option<usize> = None;
    let mut next = 0;
    while next < runs.len() {
        let run = &runs[next];
        if exec.stopped() {
            // What is open is given up as a whole; what committed is in the history.
            exec.rollback_all();
            return Err(ApplyError::Interrupted {
                before: run.path.clone(),
            });
        }
        if current_step != Some(run.step) {
            if let Some(previous) = current_step {
                exec.end_step()?;
                exec.observer.step_done(&routed.steps[previous].planned.dir);
            }
            // The version the database is at before this step: the previous step's target.
            let at = match run.step {
                0 => from.level().to_string(),
                i => routed.steps[i - 1].planned.to.to_string(),
            };
            let each_step = exec.opts.backup.as_ref().filter(|b| b.each_step);
            if let (Some(b), true) = (each_step, current_step.is_some()) {
                let set = backup::take(exec.conns, targets, &b.dir, &at, routed.plan.db.folder())?;
                exec.observer.note(&format!(
                    "backed up {} schema(s) to {}",
                    set.entries.len(),
                    set.dir.display()
                ));
                backups.push(set);
            }
            current_step = Some(run.step);
            exec.observer
                .step_started(&routed.steps[run.step].planned.dir);
            exec.begin_if(exec.per_step())?;
        }
        let group = &runs[next..next + exec.group_len(&runs[next..])?.max(1)];
        next += group.len();
        for (run, outcome) in group.iter().zip(exec.run(group)?) {
            let rep = report(
                &routed.steps[run.step].planned.dir,
                &run.path,
                run.kind == Kind::Info,
                &run.target,
                outcome,
            );
            exec.observer.patch_done(&rep);
            done.push(rep);
        }
    }
    if let Some(last) = current_step {
        exec.end_step()?;
        exec.observer.step_done(&routed.steps[last].planned.dir);
    }
    exec.commit_if(exec.whole)?;
    Ok(done)
}

fn report(step: &str, path: &str, info: bool, target: &Target, outcome: Outcome) -> PatchReport {
    PatchReport {
        step: step.to_string(),
        path: path.to_string(),
        info,
        target: target.clone(),
        outcome,
    }
}

/// Reports in the plan's order: steps in route order, patches then info-patches.
fn sort_like_plan(patches: &mut [PatchReport], routed: &RoutedPlan) {
    let order: HashMap<&str, usize> = routed
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.planned.dir.as_str(), i))
        .collect();
    patches.sort_by_key(|p| {
        (
            order.get(p.step.as_str()).copied().unwrap_or(usize::MAX),
            p.info,
        )
    });
}
