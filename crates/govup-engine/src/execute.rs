//! The last stage: a [`Prepared`] run becomes a [`Report`], either as a dry run (nothing
//! written) or executed: backups, history tables, every run step by step under the policy's
//! transactions, and the restore that `--restore-on-failure` asks for.

use crate::backup::{self, BackupSet};
use crate::error::ApplyError;
use crate::events::{Observer, Outcome, PatchReport, PlannedStatement};
use crate::executor::Executor;
use crate::job::{BackupOptions, Options, Report};
use crate::prepare::{Prepared, Run};
use govup_planner::Version;
use govup_schema_map::{RoutedPlan, Target};
use std::collections::HashMap;
use std::time::Duration;

impl Prepared<'_> {
    /// What would run, where, in order; nothing is locked or written.
    pub fn dry_run(mut self) -> Report {
        let conns = self.session.conns();
        let would_run = self
            .runs
            .iter()
            .flat_map(|r| {
                let conn = conns.for_target(&r.target).driver.describe();
                r.pending().iter().map(move |s| PlannedStatement {
                    connection: conn.clone(),
                    schema: r.target.schema.clone(),
                    path: r.path.clone(),
                    line: s.line,
                    text: s.text.clone(),
                })
            })
            .collect();
        let mut patches = self.settled;
        patches.extend(self.runs.iter().map(|r| {
            r.report(Outcome::WouldApply {
                statements: r.pending().len(),
            })
        }));
        sort_like_plan(&mut patches);
        Report {
            from: self.from,
            source: self.source,
            warnings: self.routed.warnings.clone(),
            plan: self.routed,
            patches,
            statements: self.statements,
            would_run,
            duration: Duration::ZERO,
            backups: vec![],
        }
    }

    /// Writes: backs up as asked, runs everything, and on failure restores when asked.
    pub fn execute(
        mut self,
        opts: &Options,
        observer: &mut dyn Observer,
    ) -> Result<Report, ApplyError> {
        let mut warnings = self.routed.warnings.clone();
        warnings.extend(self.policy_warning.take());
        let mut backups = Backups {
            opts: opts.backup.as_ref(),
            taken: Vec::new(),
        };
        backups.first(&mut self, observer)?;
        observer.started(self.runs.len(), self.statements);
        let mut exec = Executor {
            conns: &mut *self.session.locked.conns,
            opts,
            observer,
            policy: self.policy,
            pending: Vec::new(),
            rolls_back_rows: HashMap::new(),
        };
        let plan = Plan {
            runs: &self.runs,
            routed: &self.routed,
            targets: &self.session.targets,
            from: &self.from,
        };
        match write(&mut exec, &plan, &mut backups) {
            Ok(done) => self.settled.extend(done),
            Err(cause) => return Err(backups.restore_after(&mut exec, cause)),
        }
        sort_like_plan(&mut self.settled);
        Ok(Report {
            from: self.from,
            source: self.source,
            plan: self.routed,
            patches: self.settled,
            statements: self.statements,
            would_run: vec![],
            duration: Duration::ZERO,
            warnings,
            backups: backups.taken.into_iter().map(|b| b.dir).collect(),
        })
    }
}

/// What the write phase works through.
struct Plan<'p> {
    runs: &'p [Run],
    routed: &'p RoutedPlan,
    targets: &'p [Target],
    from: &'p Version,
}

impl Plan<'_> {
    /// The version the database is at before step `index`: the previous step's target.
    fn at_step(&self, index: usize) -> String {
        match index {
            0 => self.from.level().to_string(),
            i => self.routed.steps[i - 1].planned.to.to_string(),
        }
    }

    fn dir(&self, index: usize) -> &str {
        &self.routed.steps[index].planned.dir
    }
}

/// The backups of one run: the options, and the folders written so far.
struct Backups<'o> {
    opts: Option<&'o BackupOptions>,
    taken: Vec<BackupSet>,
}

impl Backups<'_> {
    /// The backup before the first write; refused where it could not be taken per step.
    fn first(
        &mut self,
        prepared: &mut Prepared<'_>,
        observer: &mut dyn Observer,
    ) -> Result<(), ApplyError> {
        let Some(b) = self.opts else {
            return Ok(());
        };
        let db = prepared.routed.plan.db;
        if b.each_step && prepared.policy.whole() {
            return Err(ApplyError::Usage(format!(
                "--backup-each-step needs --tx step or --tx patch on {db}: inside one transaction for the whole upgrade, a backup would not see the steps before it"
            )));
        }
        let at = prepared.from.level().to_string();
        let conns = &mut *prepared.session.locked.conns;
        let set = backup::take(conns, &prepared.session.targets, &b.dir, &at, db.folder())?;
        self.taken.push(note_backup(set, observer));
        Ok(())
    }

    /// The backup between two steps, when `--backup-each-step` asks for one.
    fn before_step(
        &mut self,
        exec: &mut Executor<'_, '_>,
        plan: &Plan<'_>,
        step: usize,
    ) -> Result<(), ApplyError> {
        let Some(b) = self.opts.filter(|b| b.each_step) else {
            return Ok(());
        };
        let db = plan.routed.plan.db.folder();
        let set = backup::take(exec.conns, plan.targets, &b.dir, &plan.at_step(step), db)?;
        self.taken.push(note_backup(set, exec.observer));
        Ok(())
    }

    /// The error to report for `cause`, after restoring the first backup when asked to.
    fn restore_after(&self, exec: &mut Executor<'_, '_>, cause: ApplyError) -> ApplyError {
        let restore_from = self
            .opts
            .filter(|b| b.restore_on_failure)
            .and(self.taken.first());
        let Some(set) = restore_from else {
            return cause;
        };
        exec.rollback_all();
        match backup::restore(exec.conns, set) {
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
        }
    }
}

fn note_backup(set: BackupSet, observer: &mut dyn Observer) -> BackupSet {
    observer.note(&format!(
        "backed up {} schema(s) to {}",
        set.entries.len(),
        set.dir.display()
    ));
    set
}

/// The write phase: history tables, then every run, step by step, with the transactions and
/// backups asked for. Returns what happened to each run.
fn write(
    exec: &mut Executor<'_, '_>,
    plan: &Plan<'_>,
    backups: &mut Backups<'_>,
) -> Result<Vec<PatchReport>, ApplyError> {
    let mut done = Vec::new();
    exec.set_lock_timeouts()?;
    exec.begin_if(exec.policy.whole())?;
    exec.ensure_history(plan.targets)?;
    let mut current_step: Option<usize> = None;
    let mut next = 0;
    while let Some(run) = plan.runs.get(next) {
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
                exec.observer.step_done(plan.dir(previous));
                backups.before_step(exec, plan, run.step)?;
            }
            current_step = Some(run.step);
            exec.observer.step_started(plan.dir(run.step));
            exec.begin_if(exec.policy.per_step())?;
        }
        let group = &plan.runs[next..next + exec.group_len(&plan.runs[next..])?.max(1)];
        next += group.len();
        for (run, outcome) in group.iter().zip(exec.run(group)?) {
            let report = run.report(outcome);
            exec.observer.patch_done(&report);
            done.push(report);
        }
    }
    if let Some(last) = current_step {
        exec.end_step()?;
        exec.observer.step_done(plan.dir(last));
    }
    exec.commit_if(exec.policy.whole())?;
    Ok(done)
}

/// Reports in the plan's order: steps in route order, patches then info-patches.
fn sort_like_plan(patches: &mut [PatchReport]) {
    patches.sort_by_key(|p| (p.step, p.info));
}
