//! The apply sequence, written once: lock → read history → verify checksums → plan → split
//! everything → (begin) → ensure history tables → run each patch and info-patch → record →
//! (commit) → unlock. The lock is a guard, so every early return releases it.

use crate::connections::{Connections, Locked};
use crate::driver::{Capabilities, Dialect, Statement};
use crate::error::ApplyError;
use crate::events::{Observer, Outcome, PatchReport, PlannedStatement};
use crate::history::{self, Kind, Row, Status, Table};
use crate::origin::{self, Source};
use govup_planner::{
    plan, Contents, DbType, Request, SkipReason, SqlFile, Tree, Version, VersionGraph,
};
use govup_schema_map::{route, Disposition, RoutedPlan, SchemaMap, Target};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How much one transaction covers, where the database can roll DDL back.
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

pub struct Options {
    /// None: the default, one transaction for everything where DDL can be rolled back.
    pub tx: Option<TxMode>,
    pub dry_run: bool,
    pub allow_lateral: bool,
    /// Resume a partially applied patch whose bytes changed, at the first statement not done.
    pub continue_changed: bool,
    pub govup_version: String,
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
}

/// One patch or info-patch that will run, split and ready.
struct Run {
    step: usize,
    path: String,
    file: String,
    sha256: String,
    kind: Kind,
    role: Option<String>,
    target: Target,
    target_version: String,
    statements: Vec<Statement>,
    /// 0-based index of the first statement to run (a resumed partial patch skips the done ones).
    first: usize,
    /// The history holds a row for this path already (failed or partial): update, not insert.
    has_row: bool,
}

/// Applies `job` on `conns`. See the module doc for the sequence.
pub fn apply(
    job: &Job<'_>,
    conns: &mut Connections,
    opts: &Options,
    observer: &mut dyn Observer,
) -> Result<Report, ApplyError> {
    let started = Instant::now();
    let locked = if opts.dry_run {
        Locked::without_lock(conns)
    } else {
        Locked::acquire(conns)?
    };
    let conns = &mut *locked.conns;

    let targets = job.map.info_patch_targets();
    // A schema that does not exist must stop the run before anything is read or written.
    for target in &targets {
        conns.for_target(target).use_schema(&target.schema)?;
    }
    let mut rows: HashMap<Target, Vec<Row>> = HashMap::new();
    for target in &targets {
        let conn = conns.for_target(target);
        let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
        let read = table
            .read(conn.driver.as_mut())
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        rows.insert(target.clone(), read);
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
            let history = rows.get(&p.target).map(Vec::as_slice).unwrap_or(&[]);
            let outcome = outcome.or_else(|| {
                applied_identity(history, &p.planned.patch.file, sql)
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
                si,
                step.planned.to.to_string(),
                sql,
                &p.planned.patch.file,
                Kind::Patch,
                Some(p.role.name().to_string()),
                &p.target,
                history,
                dialect,
                opts,
            )?);
        }
        if let Some(info) = &step.planned.info_patch {
            for target in &step.info_targets {
                let history = rows.get(target).map(Vec::as_slice).unwrap_or(&[]);
                if history
                    .iter()
                    .any(|r| r.patch_path == info.path && r.status == Status::Applied)
                {
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
                    si,
                    step.planned.to.to_string(),
                    info,
                    "info-patch.sql",
                    Kind::Info,
                    None,
                    target,
                    history,
                    dialect,
                    opts,
                )?);
            }
        }
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
        });
    }

    let caps = conns.main().driver.dialect().capabilities();
    if !caps.transactional_ddl && opts.tx.is_some() {
        warnings.push(format!(
            "{} cannot roll back DDL: --tx has no effect; progress is recorded statement by statement",
            job.db
        ));
    }
    let tx = opts.tx.unwrap_or(TxMode::All);
    observer.started(runs.len(), statements);
    let mut exec = Executor {
        conns,
        opts,
        observer,
        caps,
        tx,
        whole: tx == TxMode::All && caps.transactional_ddl,
    };
    exec.begin_if(exec.whole)?;
    exec.ensure_history(&targets)?;
    let mut current_step = None;
    for run in &runs {
        if current_step != Some(run.step) {
            if current_step.is_some() {
                exec.end_step()?;
            }
            current_step = Some(run.step);
            exec.observer
                .step_started(&routed.steps[run.step].planned.dir);
            exec.begin_if(exec.per_step())?;
        }
        let outcome = exec.run(run)?;
        let rep = report(
            &routed.steps[run.step].planned.dir,
            &run.path,
            run.kind == Kind::Info,
            &run.target,
            outcome,
        );
        exec.observer.patch_done(&rep);
        patches.push(rep);
    }
    if current_step.is_some() {
        exec.end_step()?;
    }
    exec.commit_if(exec.whole)?;
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
    })
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

/// Is this identity (file name, sha256) recorded as applied in this schema's history?
fn applied_identity(history: &[Row], file: &str, sql: &SqlFile) -> bool {
    let sha = sql.sha256.to_hex();
    history.iter().any(|r| {
        r.kind == Kind::Patch
            && r.status == Status::Applied
            && r.file_name == file
            && r.sha256 == sha
    })
}

/// Refuses when a patch the history records as applied now has other bytes in the tree.
fn verify_checksums(job: &Job<'_>, rows: &HashMap<Target, Vec<Row>>) -> Result<(), ApplyError> {
    let mut current: HashMap<&str, String> = HashMap::new();
    for step in &job.tree.steps {
        for patch in step.patches(job.db) {
            current.insert(&patch.sql.path, patch.sql.sha256.to_hex());
        }
        if let Some(info) = &step.info_patch {
            current.insert(&info.path, info.sha256.to_hex());
        }
    }
    let mut applied: Vec<&Row> = rows
        .values()
        .flatten()
        .filter(|r| r.status == Status::Applied)
        .collect();
    applied.sort_by(|a, b| a.patch_path.cmp(&b.patch_path));
    for row in applied {
        if let Some(now) = current.get(row.patch_path.as_str()) {
            if *now != row.sha256 {
                return Err(ApplyError::ChangedApplied {
                    path: row.patch_path.clone(),
                    recorded: row.sha256.clone(),
                    current: now.clone(),
                });
            }
        }
    }
    Ok(())
}

fn detect_start(
    conns: &mut Connections,
    targets: &[Target],
    rows: &HashMap<Target, Vec<Row>>,
) -> Result<(Version, Source), ApplyError> {
    // With several schemas, the least advanced one decides: the others skip what they hold.
    let levels: Vec<_> = targets
        .iter()
        .filter_map(|t| origin::from_history(rows.get(t)?))
        .collect();
    if let Some(level) = levels.iter().min() {
        return Ok((Version::from(*level), Source::History));
    }
    let first = targets.first().cloned().unwrap_or(Target {
        url: None,
        schema: None,
    });
    let conn = conns.for_target(&first);
    conn.use_schema(&first.schema)?;
    match origin::from_db_info(conn.driver.as_mut()) {
        Ok(Some(v)) => Ok((v, Source::DbInfo)),
        Ok(None) => Err(ApplyError::UnknownStart {
            why: format!(
                "{} has no govup_history and no db_info version",
                conn.driver.describe()
            ),
        }),
        Err(error) => Err(ApplyError::History {
            conn: conn.driver.describe(),
            error,
        }),
    }
}

#[allow(clippy::too_many_arguments)]
fn prepare(
    step: usize,
    target_version: String,
    sql: &SqlFile,
    file: &str,
    kind: Kind,
    role: Option<String>,
    target: &Target,
    history: &[Row],
    dialect: &dyn Dialect,
    opts: &Options,
) -> Result<Run, ApplyError> {
    let bytes = std::fs::read(&sql.source).map_err(|e| ApplyError::Read {
        path: sql.path.clone(),
        error: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ApplyError::Read {
        path: sql.path.clone(),
        error: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })?;
    let statements = dialect.split(&text).map_err(|e| ApplyError::Split {
        path: sql.path.clone(),
        line: e.line,
        message: e.message,
    })?;
    let sha256 = sql.sha256.to_hex();
    let previous = history.iter().find(|r| r.patch_path == sql.path);
    let mut first = 0;
    if let Some(row) = previous {
        let done = usize::try_from(row.statements_done).unwrap_or(0);
        if done > 0 && !dialect.capabilities().transactional_ddl {
            if row.sha256 != sha256 && !opts.continue_changed {
                return Err(ApplyError::ChangedPartial {
                    path: sql.path.clone(),
                    done: row.statements_done,
                });
            }
            first = done.min(statements.len());
        }
    }
    Ok(Run {
        step,
        path: sql.path.clone(),
        file: file.to_string(),
        sha256,
        kind,
        role,
        target: target.clone(),
        target_version,
        statements,
        first,
        has_row: previous.is_some(),
    })
}

/// The write phase: transactions, history rows and statements.
struct Executor<'c, 'o> {
    conns: &'c mut Connections,
    opts: &'o Options,
    observer: &'o mut dyn Observer,
    caps: Capabilities,
    tx: TxMode,
    /// One transaction around everything.
    whole: bool,
}

impl Executor<'_, '_> {
    fn per_step(&self) -> bool {
        self.caps.transactional_ddl && self.tx == TxMode::Step
    }

    fn per_patch(&self) -> bool {
        self.caps.transactional_ddl && self.tx == TxMode::Patch
    }

    fn begin_if(&mut self, yes: bool) -> Result<(), ApplyError> {
        if !yes {
            return Ok(());
        }
        for conn in &mut self.conns.list {
            conn.driver.begin().map_err(|error| ApplyError::Commit {
                conn: conn.driver.describe(),
                error,
            })?;
        }
        Ok(())
    }

    fn commit_if(&mut self, yes: bool) -> Result<(), ApplyError> {
        if !yes {
            return Ok(());
        }
        for conn in &mut self.conns.list {
            conn.driver.commit().map_err(|error| ApplyError::Commit {
                conn: conn.driver.describe(),
                error,
            })?;
        }
        Ok(())
    }

    fn rollback_all(&mut self) {
        for conn in &mut self.conns.list {
            // The error being reported matters more than a failed rollback, which the
            // database performs anyway when the connection closes.
            let _ = conn.driver.rollback();
            conn.forget_schema();
        }
    }

    fn end_step(&mut self) -> Result<(), ApplyError> {
        let yes = self.per_step();
        self.commit_if(yes)
    }

    fn ensure_history(&mut self, targets: &[Target]) -> Result<(), ApplyError> {
        for target in targets {
            let conn = self.conns.for_target(target);
            let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
            let done = table.exists(conn.driver.as_mut()).and_then(|exists| {
                if exists {
                    Ok(())
                } else {
                    table.create(conn.driver.as_mut())
                }
            });
            if let Err(error) = done {
                let conn_name = conn.driver.describe();
                if self.whole {
                    self.rollback_all();
                }
                return Err(ApplyError::History {
                    conn: conn_name,
                    error,
                });
            }
        }
        Ok(())
    }

    fn run(&mut self, run: &Run) -> Result<Outcome, ApplyError> {
        if self.caps.transactional_ddl {
            self.run_transactional(run)
        } else {
            self.run_statementwise(run)
        }
    }

    fn row(&self, run: &Run, status: Status, done: usize, started_at: &str) -> Row {
        Row {
            step_dir: run.path.split('/').next().unwrap_or_default().to_string(),
            patch_path: run.path.clone(),
            file_name: run.file.clone(),
            kind: run.kind,
            sha256: run.sha256.clone(),
            role_name: run.role.clone(),
            schema_name: run.target.schema.clone(),
            target_version: run.target_version.clone(),
            started_at: started_at.to_string(),
            finished_at: None,
            duration_ms: None,
            statements_total: run.statements.len() as i64,
            statements_done: done as i64,
            status,
            error_text: None,
            govup_version: self.opts.govup_version.clone(),
        }
    }

    fn write_row(&mut self, run: &Run, row: &Row, exists: bool) -> Result<(), ApplyError> {
        let conn = self.conns.for_target(&run.target);
        let table = Table::new(conn.driver.dialect(), run.target.schema.as_deref());
        let sql = if exists {
            table.update_sql(row)
        } else {
            table.insert_sql(row)
        };
        conn.driver
            .execute(&sql)
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })
    }

    /// Whether another run recorded this patch meanwhile; only needed where the lock is not
    /// held for the whole session (SQLite re-takes it with every transaction).
    fn recorded_meanwhile(&mut self, run: &Run) -> Result<bool, ApplyError> {
        if self.caps.session_lock {
            return Ok(false);
        }
        let conn = self.conns.for_target(&run.target);
        let table = Table::new(conn.driver.dialect(), run.target.schema.as_deref());
        let rows = table
            .read(conn.driver.as_mut())
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        Ok(rows.iter().any(|r| {
            r.status == Status::Applied
                && match run.kind {
                    Kind::Info => r.patch_path == run.path,
                    Kind::Patch => r.file_name == run.file && r.sha256 == run.sha256,
                }
        }))
    }

    /// PostgreSQL and SQLite: the patch and its history row commit together or not at all.
    fn run_transactional(&mut self, run: &Run) -> Result<Outcome, ApplyError> {
        let per_patch = self.per_patch();
        self.begin_if(per_patch)?;
        if self.recorded_meanwhile(run)? {
            self.commit_if(per_patch)?;
            return Ok(Outcome::AlreadyApplied);
        }
        let started_at = history::now();
        let clock = Instant::now();
        self.conns
            .for_target(&run.target)
            .use_schema(&run.target.schema)?;
        for stmt in &run.statements {
            let conn = self.conns.for_target(&run.target);
            if let Err(error) = conn.driver.execute(&stmt.text) {
                self.rollback_all();
                let failure = ApplyError::Statement {
                    path: run.path.clone(),
                    line: stmt.line,
                    first_line: stmt.first_line().to_string(),
                    error: error.clone(),
                    rolled_back: true,
                };
                if !self.whole {
                    // Outside one big transaction, leave a trace of the failure for `status`.
                    let mut row = self.row(run, Status::Failed, 0, &started_at);
                    row.error_text = Some(error.message);
                    row.finished_at = Some(history::now());
                    let exists = run.has_row;
                    let _ = self.write_row(run, &row, exists);
                }
                return Err(failure);
            }
            self.observer.statement_done();
        }
        let mut row = self.row(run, Status::Applied, run.statements.len(), &started_at);
        row.finished_at = Some(history::now());
        row.duration_ms = Some(clock.elapsed().as_millis() as i64);
        self.write_row(run, &row, run.has_row)?;
        self.commit_if(per_patch)?;
        Ok(Outcome::Applied {
            statements: run.statements.len(),
            duration: clock.elapsed(),
        })
    }

    /// MySQL and Oracle: every statement commits on its own, so the history row is updated after
    /// each one, and a re-run resumes at the first statement not recorded as done.
    fn run_statementwise(&mut self, run: &Run) -> Result<Outcome, ApplyError> {
        let started_at = history::now();
        let clock = Instant::now();
        self.conns
            .for_target(&run.target)
            .use_schema(&run.target.schema)?;
        let row = self.row(run, Status::Partial, run.first, &started_at);
        self.write_row(run, &row, run.has_row)?;
        for (i, stmt) in run.statements.iter().enumerate().skip(run.first) {
            let conn = self.conns.for_target(&run.target);
            let table = Table::new(conn.driver.dialect(), run.target.schema.as_deref());
            // For DML the statement and its progress row commit together; DDL commits itself.
            let result = conn
                .driver
                .begin()
                .and_then(|_| conn.driver.execute(&stmt.text))
                .and_then(|_| {
                    conn.driver
                        .execute(&table.progress_sql(&run.path, i as i64 + 1))
                })
                .and_then(|_| conn.driver.commit());
            if let Err(error) = result {
                let _ = conn.driver.rollback();
                let mut row = self.row(run, Status::Failed, i, &started_at);
                row.error_text = Some(error.message.clone());
                row.finished_at = Some(history::now());
                let _ = self.write_row(run, &row, true);
                return Err(ApplyError::Statement {
                    path: run.path.clone(),
                    line: stmt.line,
                    first_line: stmt.first_line().to_string(),
                    error,
                    rolled_back: false,
                });
            }
            self.observer.statement_done();
        }
        let mut row = self.row(run, Status::Applied, run.statements.len(), &started_at);
        row.finished_at = Some(history::now());
        row.duration_ms = Some(clock.elapsed().as_millis() as i64);
        self.write_row(run, &row, true)?;
        let statements = run.statements.len() - run.first;
        Ok(if run.first > 0 {
            Outcome::Resumed {
                from_statement: run.first + 1,
                statements,
                duration: clock.elapsed(),
            }
        } else {
            Outcome::Applied {
                statements,
                duration: clock.elapsed(),
            }
        })
    }
}
