//! The third stage: the plan routed, every patch that will run read and split into a [`Run`],
//! every refusal made, and the transaction policy decided. Nothing is written before this stage
//! has succeeded.

use crate::driver::{Dialect, DriverExt, Statement};
use crate::error::ApplyError;
use crate::events::{Outcome, PatchReport};
use crate::history::{Kind, Row, Status};
use crate::job::{Job, Options};
use crate::origin::Source;
use crate::policy::TxPolicy;
use crate::session::{Session, Started};
use govup_planner::{plan, Contents, PlannedStep, Request, SqlFile, Version};
use govup_schema_map::{route, Disposition, RoutedPatch, RoutedPlan, Target};
use std::borrow::Cow;

/// One patch or info-patch that will run, split and ready.
pub(crate) struct Run {
    pub step: usize,
    /// The step directory, as the history records it.
    pub step_dir: String,
    pub path: String,
    pub file: String,
    pub sha256: String,
    pub kind: Kind,
    pub role: Option<String>,
    pub target: Target,
    pub target_version: String,
    pub statements: Vec<Statement>,
    /// 0-based index of the first statement to run (a resumed partial patch skips the done ones).
    pub first: usize,
    /// The history holds a row for this path already (failed or partial): update, not insert.
    pub has_row: bool,
}

impl Run {
    /// The report of this run, with what happened to it.
    pub fn report(&self, outcome: Outcome) -> PatchReport {
        PatchReport {
            step: self.step,
            step_dir: self.step_dir.clone(),
            path: self.path.clone(),
            info: self.kind == Kind::Info,
            target: self.target.clone(),
            outcome,
        }
    }

    /// The statements still to run.
    pub fn pending(&self) -> &[Statement] {
        &self.statements[self.first..]
    }
}

/// Everything checked and split, nothing written yet.
pub(crate) struct Prepared<'c> {
    pub session: Session<'c>,
    pub from: Version,
    pub source: Source,
    pub routed: RoutedPlan,
    /// What happens to the patches that will not run: skipped, or found in the history.
    pub settled: Vec<PatchReport>,
    /// Every patch and info-patch that will run, in order.
    pub runs: Vec<Run>,
    pub policy: TxPolicy,
    /// Owed to the operator when the run writes: `--tx` asked for what the database cannot give.
    pub policy_warning: Option<String>,
    /// Statements that will run, over every run.
    pub statements: usize,
}

impl<'c> Started<'c> {
    /// Plans, routes, settles what will not run and reads and splits what will, then refuses
    /// what the policy cannot run.
    pub fn prepare(self, job: &Job<'_>, opts: &Options) -> Result<Prepared<'c>, ApplyError> {
        let Started {
            mut session,
            from,
            source,
        } = self;
        let request = Request {
            from: from.clone(),
            to: job.to.clone(),
            allow_lateral: opts.allow_lateral,
        };
        let routed = route(
            plan(&Contents::new(job.tree, job.graph, job.db), &request)?,
            job.map,
        );
        let dialect = session.conns().main().driver.dialect();
        let (policy, policy_warning) = TxPolicy::decide(opts.tx, dialect.capabilities(), job.db);
        let mut settled = Vec::new();
        let mut runs = Vec::new();
        for (index, step) in routed.steps.iter().enumerate() {
            let place = Place {
                index,
                planned: &step.planned,
            };
            for p in &step.patches {
                match settle_patch(&session, p) {
                    Some(outcome) => settled.push(place.report(
                        &p.planned.patch.sql.path,
                        false,
                        &p.target,
                        outcome,
                    )),
                    None => runs.push(place.patch_run(&mut session, p, policy, opts)?),
                }
            }
            let Some(info) = &step.planned.info_patch else {
                continue;
            };
            for target in &step.info_targets {
                if session.histories.of(target).has_info(&info.path) {
                    let outcome = Outcome::AlreadyApplied;
                    settled.push(place.report(&info.path, true, target, outcome));
                } else {
                    runs.push(place.info_run(&mut session, info, target, policy, opts)?);
                }
            }
        }
        if policy.transactional() {
            refuse_transaction_control(&runs, dialect, job)?;
        }
        refuse_statements(&mut session, &runs)?;
        let statements = runs.iter().map(|r| r.pending().len()).sum();
        Ok(Prepared {
            session,
            from,
            source,
            routed,
            settled,
            runs,
            policy,
            policy_warning,
            statements,
        })
    }
}

/// What happens to a patch that will not run (the plan skips it, its role is not upgraded here,
/// or its identity is recorded as applied in its schema); None when it runs.
fn settle_patch(session: &Session<'_>, p: &RoutedPatch) -> Option<Outcome> {
    match &p.disposition {
        Disposition::Apply => {}
        Disposition::Skip(reason) => return Some(Outcome::Skipped(reason.clone())),
        Disposition::RoleSkipped => return Some(Outcome::RoleSkipped),
    }
    let history = session.histories.of(&p.target);
    history
        .has_patch(&p.planned.patch.file, &p.planned.patch.sql)
        .then_some(Outcome::AlreadyApplied)
}

/// A step of the routed plan, by index.
struct Place<'p> {
    index: usize,
    planned: &'p PlannedStep,
}

impl Place<'_> {
    fn report(&self, path: &str, info: bool, target: &Target, outcome: Outcome) -> PatchReport {
        PatchReport {
            step: self.index,
            step_dir: self.planned.dir.clone(),
            path: path.to_string(),
            info,
            target: target.clone(),
            outcome,
        }
    }

    fn patch_run(
        &self,
        session: &mut Session<'_>,
        p: &RoutedPatch,
        policy: TxPolicy,
        opts: &Options,
    ) -> Result<Run, ApplyError> {
        let what = What {
            sql: &p.planned.patch.sql,
            file: &p.planned.patch.file,
            kind: Kind::Patch,
            role: Some(p.role.name().to_string()),
            target: &p.target,
        };
        self.run(session, what, policy, opts)
    }

    fn info_run(
        &self,
        session: &mut Session<'_>,
        info: &SqlFile,
        target: &Target,
        policy: TxPolicy,
        opts: &Options,
    ) -> Result<Run, ApplyError> {
        let what = What {
            sql: info,
            file: "info-patch.sql",
            kind: Kind::Info,
            role: None,
            target,
        };
        self.run(session, what, policy, opts)
    }

    /// Reads and splits one patch, and finds where it resumes.
    fn run(
        &self,
        session: &mut Session<'_>,
        what: What<'_>,
        policy: TxPolicy,
        opts: &Options,
    ) -> Result<Run, ApplyError> {
        let sql = what.sql;
        let dialect = session.conns().for_target(what.target).driver.dialect();
        let statements = split(sql, dialect)?;
        let previous = session.histories.of(what.target).row(&sql.path);
        let sha256 = sql.sha256.to_hex();
        let first = resume_at(previous, &sha256, &statements, sql, policy, opts)?;
        Ok(Run {
            step: self.index,
            step_dir: self.planned.dir.clone(),
            target_version: self.planned.to.to_string(),
            path: sql.path.clone(),
            file: what.file.to_string(),
            sha256,
            kind: what.kind,
            role: what.role,
            target: what.target.clone(),
            statements,
            first,
            has_row: previous.is_some(),
        })
    }
}

/// The patch a [`Run`] is made of, and where it runs.
struct What<'a> {
    sql: &'a SqlFile,
    file: &'a str,
    kind: Kind,
    role: Option<String>,
    target: &'a Target,
}

/// The statements of a patch, from exactly the bytes that were hashed: kept from the scan, or
/// read again and checked, so that a file edited meanwhile cannot run under another file's
/// checksum.
fn split(sql: &SqlFile, dialect: &dyn Dialect) -> Result<Vec<Statement>, ApplyError> {
    let bytes: Cow<'_, [u8]> = match &sql.bytes {
        Some(kept) => Cow::Borrowed(kept),
        None => {
            let read = std::fs::read(&sql.source).map_err(|e| ApplyError::Read {
                path: sql.path.clone(),
                error: e.to_string(),
            })?;
            if govup_planner::Sha256::of(&read) != sql.sha256 {
                return Err(ApplyError::Read {
                    path: sql.path.clone(),
                    error: "it changed while govup was running".into(),
                });
            }
            Cow::Owned(read)
        }
    };
    let text = std::str::from_utf8(&bytes).map_err(|e| ApplyError::Read {
        path: sql.path.clone(),
        error: format!("not UTF-8 text (byte {})", e.valid_up_to()),
    })?;
    dialect.split(text).map_err(|e| ApplyError::Split {
        path: sql.path.clone(),
        line: e.line,
        message: e.message,
    })
}

/// The 0-based index of the first statement to run. Only where each statement commits on its
/// own can a patch be partly applied; its recorded progress is trusted only while its bytes
/// are unchanged, unless the operator says otherwise.
fn resume_at(
    previous: Option<&Row>,
    sha256: &str,
    statements: &[Statement],
    sql: &SqlFile,
    policy: TxPolicy,
    opts: &Options,
) -> Result<usize, ApplyError> {
    // A forgotten row runs again from its first statement, whatever it recorded as done.
    let Some(row) = previous.filter(|r| r.status != Status::Forgotten) else {
        return Ok(0);
    };
    let done = usize::try_from(row.statements_done).unwrap_or(0);
    if done == 0 || policy.transactional() {
        return Ok(0);
    }
    if row.sha256 != sha256 && !opts.continue_changed {
        return Err(ApplyError::ChangedPartial {
            path: sql.path.clone(),
            done: row.statements_done,
        });
    }
    Ok(done.min(statements.len()))
}

/// Refuses, before anything is written, a statement its database says it must not run (what a
/// Galera cluster cannot replicate).
fn refuse_statements(session: &mut Session<'_>, runs: &[Run]) -> Result<(), ApplyError> {
    for run in runs {
        let conn = session.conns().for_target(&run.target);
        let schema = run.target.schema.as_deref();
        for stmt in run.pending() {
            let reason = conn
                .driver
                .refuse_statement(schema, &stmt.text)
                .map_err(|error| ApplyError::Catalog {
                    conn: conn.driver.describe(),
                    schema: crate::error::schema_words(schema),
                    error,
                })?;
            if let Some(reason) = reason {
                return Err(ApplyError::Refused {
                    path: run.path.clone(),
                    line: stmt.line,
                    conn: conn.driver.describe(),
                    reason,
                });
            }
        }
    }
    Ok(())
}

/// Refuses, before anything is written, a patch that would end or start a transaction inside
/// the one govup holds open.
fn refuse_transaction_control(
    runs: &[Run],
    dialect: &dyn Dialect,
    job: &Job<'_>,
) -> Result<(), ApplyError> {
    for run in runs {
        for stmt in run.pending() {
            if let Some(keyword) = dialect.controls_transaction(&stmt.text) {
                return Err(ApplyError::TransactionControl {
                    path: run.path.clone(),
                    line: stmt.line,
                    keyword,
                    db: job.db.to_string(),
                });
            }
        }
    }
    Ok(())
}
