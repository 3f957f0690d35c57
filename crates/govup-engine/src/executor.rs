//! The write phase: transactions, history rows and statements, per dialect capability.

use crate::batch;
use crate::connections::Connections;
use crate::driver::{DbError, DriverExt, Statement, Tx};
use crate::error::ApplyError;
use crate::events::{Observer, Outcome, StatementEvent};
use crate::history::{self, Kind, Row, Status, Table};
use crate::job::Options;
use crate::policy::TxPolicy;
use crate::prepare::Run;
use govup_schema_map::Target;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The write phase: transactions, history rows and statements.
pub(crate) struct Executor<'c, 'o> {
    pub conns: &'c mut Connections,
    pub opts: &'o Options,
    pub observer: &'o mut dyn Observer,
    /// Decided once, before the executor exists; it only obeys.
    pub policy: TxPolicy,
    /// History rows of the patches applied in the open transaction (transactional DDL only),
    /// written in bulk just before it commits: they still commit with their patches or not at
    /// all, for one round trip instead of one per patch.
    pub pending: Vec<(Target, Row)>,
    /// Per target, whether a rollback undoes row changes there (asked once, and again after a
    /// statement that the dialect says may change that).
    pub rolls_back_rows: HashMap<Target, bool>,
}

impl Executor<'_, '_> {
    pub(crate) fn stopped(&self) -> bool {
        self.opts
            .stop
            .as_ref()
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
    }

    pub(crate) fn begin_if(&mut self, yes: bool) -> Result<(), ApplyError> {
        if !yes {
            return Ok(());
        }
        for conn in &mut self.conns.list {
            conn.driver
                .transaction(Tx::Begin)
                .map_err(|error| ApplyError::Commit {
                    conn: conn.driver.describe(),
                    error,
                })?;
        }
        Ok(())
    }

    pub(crate) fn commit_if(&mut self, yes: bool) -> Result<(), ApplyError> {
        if !yes {
            return Ok(());
        }
        self.flush_pending()?;
        for conn in &mut self.conns.list {
            conn.driver
                .transaction(Tx::Commit)
                .map_err(|error| ApplyError::Commit {
                    conn: conn.driver.describe(),
                    error,
                })?;
        }
        Ok(())
    }

    pub(crate) fn rollback_all(&mut self) {
        self.pending.clear();
        for conn in &mut self.conns.list {
            // The error being reported matters more than a failed rollback, which the
            // database performs anyway when the connection closes.
            let _ = conn.driver.transaction(Tx::Rollback);
            conn.forget_schema();
        }
    }

    /// Writes the deferred history rows: per target, the driver's bulk path (COPY on
    /// PostgreSQL) or multi-row INSERTs of 500 rows.
    fn flush_pending(&mut self) -> Result<(), ApplyError> {
        let mut pending = std::mem::take(&mut self.pending);
        while let Some((target, _)) = pending.first() {
            let target = target.clone();
            let (these, rest): (Vec<_>, Vec<_>) =
                pending.into_iter().partition(|(t, _)| *t == target);
            pending = rest;
            let rows: Vec<Row> = these.into_iter().map(|(_, row)| row).collect();
            let conn = self.conns.for_target(&target);
            let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
            let cells: Vec<Vec<Option<String>>> = rows.iter().map(history::cells).collect();
            let mut written = conn
                .driver
                .copy_rows(table.name(), &history::COLUMNS, &cells);
            if written.as_ref().is_ok_and(|copied| !copied) {
                written = rows
                    .chunks(500)
                    .try_for_each(|chunk| conn.driver.execute(&table.insert_many_sql(chunk)))
                    .map(|()| true);
            }
            written.map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        }
        Ok(())
    }

    pub(crate) fn end_step(&mut self) -> Result<(), ApplyError> {
        self.commit_if(self.policy.per_step())
    }

    pub(crate) fn ensure_history(&mut self, targets: &[Target]) -> Result<(), ApplyError> {
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
                if self.policy.whole() {
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

    /// How many of `runs`, from the first, go together: as few round trips as the driver can
    /// and, where DDL commits on its own, one transaction for patches of row changes only. Never
    /// across a step, a connection or a schema.
    pub(crate) fn group_len(&mut self, runs: &[Run]) -> Result<usize, ApplyError> {
        let Some(first) = runs.first() else {
            return Ok(0);
        };
        let together = |r: &Run| r.step == first.step && r.target == first.target;
        if self.policy.transactional() {
            // Per patch, or where the history must be re-read before each patch, one at a time.
            if self.policy.per_patch() || self.policy.recheck() {
                return Ok(1);
            }
            return Ok(runs.iter().take_while(|r| together(r)).count());
        }
        let dialect = self.conns.for_target(&first.target).driver.dialect();
        let fresh_rows = |r: &Run| {
            r.first == 0
                && !r.has_row
                && !r.statements.is_empty()
                && r.statements.iter().all(|s| dialect.is_row_change(&s.text))
        };
        let group_rows = matches!(self.policy, TxPolicy::Autocommit { group_rows: true });
        if !group_rows || !fresh_rows(first) || !self.rolls_back_rows(&first.target)? {
            return Ok(1);
        }
        Ok(runs
            .iter()
            .take_while(|r| together(r) && fresh_rows(r))
            .count())
    }

    /// Runs a group that [`Executor::group_len`] formed; one outcome per run.
    pub(crate) fn run(&mut self, runs: &[Run]) -> Result<Vec<Outcome>, ApplyError> {
        if self.policy.transactional() {
            return self.run_transactional(runs);
        }
        let outcomes = match runs {
            [run] => vec![self.run_statementwise(run)?],
            _ => self.run_row_changes(runs)?,
        };
        let dialect = self.conns.for_target(&runs[0].target).driver.dialect();
        let changed = runs
            .iter()
            .flat_map(|r| &r.statements)
            .any(|s| dialect.may_change_rollback(&s.text));
        if changed {
            self.rolls_back_rows.remove(&runs[0].target);
        }
        Ok(outcomes)
    }

    fn rolls_back_rows(&mut self, target: &Target) -> Result<bool, ApplyError> {
        if let Some(known) = self.rolls_back_rows.get(target) {
            return Ok(*known);
        }
        let conn = self.conns.for_target(target);
        let known = conn
            .driver
            .rolls_back_rows(target.schema.as_deref())
            .map_err(|error| ApplyError::Catalog {
                conn: conn.driver.describe(),
                schema: crate::error::schema_words(target.schema.as_deref()),
                error,
            })?;
        self.rolls_back_rows.insert(target.clone(), known);
        Ok(known)
    }

    /// Sends the statements of `runs` (all on one target, whose schema is current) in batches.
    /// Returns each run's share of the time; on an error, which run and statement failed.
    fn send(&mut self, runs: &[Run]) -> Result<Vec<Duration>, Failed> {
        // For each statement sent: its run, and its index in that run.
        let mut owners = Vec::new();
        let mut statements = Vec::new();
        for (ri, run) in runs.iter().enumerate() {
            for (si, stmt) in run.statements.iter().enumerate().skip(run.first) {
                owners.push((ri, si));
                statements.push(stmt);
            }
        }
        let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
        let mut shares = vec![Duration::ZERO; runs.len()];
        for chunk in batch::chunks(&texts) {
            let mut from = chunk.start;
            let mut attempt = 0;
            loop {
                let part = from..chunk.end;
                let conn = self.conns.for_target(&runs[0].target);
                let clock = Instant::now();
                let sent = conn.driver.execute_many(&texts[part.clone()]);
                let elapsed = clock.elapsed();
                let ran = match &sent {
                    Ok(()) => part.len(),
                    Err((i, _)) => *i,
                };
                // Statements sent together share the round trip's time evenly.
                let share = elapsed / part.len() as u32;
                for k in part.start..part.start + ran {
                    let (ri, _) = owners[k];
                    shares[ri] += share;
                    self.observer.statement_done(&event(
                        &runs[ri],
                        statements[k],
                        elapsed,
                        part.len(),
                        None,
                    ));
                }
                if let Err((i, mut error)) = sent {
                    let at = part.start + i;
                    let (ri, si) = owners[at];
                    if self.retry_lock_wait(&runs[ri], statements[at], &mut error, &mut attempt) {
                        from = at;
                        continue;
                    }
                    let failed = event(
                        &runs[ri],
                        statements[at],
                        elapsed,
                        part.len(),
                        Some(&error.message),
                    );
                    self.observer.statement_done(&failed);
                    return Err(Failed {
                        run: ri,
                        statement: si,
                        error,
                    });
                }
                break;
            }
        }
        Ok(shares)
    }

    /// PostgreSQL and SQLite: the patches and their history rows commit together or not at all.
    fn run_transactional(&mut self, runs: &[Run]) -> Result<Vec<Outcome>, ApplyError> {
        let per_patch = self.policy.per_patch();
        self.begin_if(per_patch)?;
        if let [run] = runs {
            if self.recorded_meanwhile(run)? {
                self.commit_if(per_patch)?;
                return Ok(vec![Outcome::AlreadyApplied]);
            }
        }
        let started_at = history::now();
        let target = &runs[0].target;
        self.conns.for_target(target).use_schema(&target.schema)?;
        let shares = match self.send(runs) {
            Ok(shares) => shares,
            Err(failed) => {
                self.rollback_all();
                let run = &runs[failed.run];
                let stmt = &run.statements[failed.statement];
                if !self.policy.whole() {
                    // Outside one big transaction, leave a trace of the failure for `status`.
                    let mut row = self.row(run, Status::Failed, 0, &started_at);
                    row.error_text = Some(failed.error.message.clone());
                    row.finished_at = Some(history::now());
                    let _ = self.write_row(run, &row, run.has_row);
                }
                return Err(statement_error(run, stmt, failed.error, true));
            }
        };
        let finished_at = history::now();
        let mut outcomes = Vec::with_capacity(runs.len());
        for (run, duration) in runs.iter().zip(shares) {
            let mut row = self.row(run, Status::Applied, run.statements.len(), &started_at);
            row.finished_at = Some(finished_at.clone());
            row.duration_ms = Some(duration.as_millis() as i64);
            if run.has_row || per_patch {
                self.write_row(run, &row, run.has_row)?;
            } else {
                self.pending.push((run.target.clone(), row));
            }
            outcomes.push(Outcome::Applied {
                statements: run.statements.len(),
                duration,
            });
        }
        self.commit_if(per_patch)?;
        Ok(outcomes)
    }

    /// MySQL and Oracle, patches of INSERT/UPDATE/DELETE only: one transaction for all of them
    /// and their history rows. A failure rolls every one of them back, so the history still
    /// tells exactly what ran: nothing of the group.
    fn run_row_changes(&mut self, runs: &[Run]) -> Result<Vec<Outcome>, ApplyError> {
        let target = runs[0].target.clone();
        self.conns.for_target(&target).use_schema(&target.schema)?;
        let started_at = history::now();
        let conn = self.conns.for_target(&target);
        conn.driver
            .transaction(Tx::Begin)
            .map_err(|error| ApplyError::Commit {
                conn: conn.driver.describe(),
                error,
            })?;
        let shares = match self.send(runs) {
            Ok(shares) => shares,
            Err(failed) => {
                let run = &runs[failed.run];
                let stmt = &run.statements[failed.statement];
                let mut row = self.row(run, Status::Failed, 0, &started_at);
                row.error_text = Some(failed.error.message.clone());
                row.finished_at = Some(history::now());
                let conn = self.conns.for_target(&target);
                let _ = conn.driver.transaction(Tx::Rollback);
                let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
                let _ = conn
                    .driver
                    .execute_in_transaction(&[&table.insert_sql(&row)]);
                if failed.run > 0 {
                    self.observer.note(&format!(
                        "rolled back with {}: the {} patch(es) before it in its transaction ({} to {}), which the next run applies again",
                        run.path,
                        failed.run,
                        runs[0].path,
                        runs[failed.run - 1].path
                    ));
                }
                return Err(statement_error(run, stmt, failed.error, false));
            }
        };
        let finished_at = history::now();
        let table = Table::new(
            self.conns.for_target(&target).driver.dialect(),
            target.schema.as_deref(),
        );
        let mut inserts = Vec::with_capacity(runs.len());
        let mut outcomes = Vec::with_capacity(runs.len());
        for (run, duration) in runs.iter().zip(shares) {
            let mut row = self.row(run, Status::Applied, run.statements.len(), &started_at);
            row.finished_at = Some(finished_at.clone());
            row.duration_ms = Some(duration.as_millis() as i64);
            inserts.push(table.insert_sql(&row));
            outcomes.push(Outcome::Applied {
                statements: run.statements.len(),
                duration,
            });
        }
        let inserts: Vec<&str> = inserts.iter().map(String::as_str).collect();
        let conn = self.conns.for_target(&target);
        let recorded = conn
            .driver
            .execute_many(&inserts)
            .map_err(|(_, error)| error)
            .and_then(|()| conn.driver.transaction(Tx::Commit));
        if let Err(error) = recorded {
            let _ = conn.driver.transaction(Tx::Rollback);
            return Err(ApplyError::History {
                conn: conn.driver.describe(),
                error,
            });
        }
        Ok(outcomes)
    }

    pub(crate) fn row(&self, run: &Run, status: Status, done: usize, started_at: &str) -> Row {
        Row {
            step_dir: run.step_dir.clone(),
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
            repair: None,
        }
    }

    pub(crate) fn write_row(
        &mut self,
        run: &Run,
        row: &Row,
        exists: bool,
    ) -> Result<(), ApplyError> {
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
    pub(crate) fn recorded_meanwhile(&mut self, run: &Run) -> Result<bool, ApplyError> {
        // Inside one transaction for everything the lock never lapsed: the history read at the
        // start is still the truth.
        if !self.policy.recheck() {
            return Ok(false);
        }
        let conn = self.conns.for_target(&run.target);
        let table = Table::new(conn.driver.dialect(), run.target.schema.as_deref());
        let sql = match run.kind {
            Kind::Info => table.applied_sql(&run.path, None),
            Kind::Patch => table.applied_sql(&run.file, Some(&run.sha256)),
        };
        let rows = conn
            .driver
            .query(&sql)
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        Ok(!rows.is_empty())
    }

    /// MySQL and Oracle: every statement commits on its own, so the history row is updated after
    /// each one, and a re-run resumes at the first statement not recorded as done.
    pub(crate) fn run_statementwise(&mut self, run: &Run) -> Result<Outcome, ApplyError> {
        let clock = Instant::now();
        let mut rows = Progress::new(self, run);
        self.conns
            .for_target(&run.target)
            .use_schema(&run.target.schema)?;
        for (i, stmt) in run.statements.iter().enumerate().skip(run.first) {
            // Each statement committed with its progress: stopping here leaves a partial row
            // that the next run resumes from.
            if self.stopped() {
                return Err(ApplyError::Interrupted {
                    before: format!("{}:{}", run.path, stmt.line),
                });
            }
            // Each statement runs in one transaction with its progress (the final row with the
            // last one, the first history row with the first): for DML they commit at once;
            // before DDL the server commits the history row, then the DDL. A driver that can
            // sends all of it in one round trip (MySQL: one multi-statement text).
            let mut batch: Vec<String> = rows.first_row.take().into_iter().collect();
            batch.push(stmt.text.clone());
            batch.push(rows.after(self, run, i, &clock));
            let mut batch: Vec<&str> = batch.iter().map(String::as_str).collect();
            let clock_stmt = Instant::now();
            let mut attempt = 0;
            let sent = loop {
                let conn = self.conns.for_target(&run.target);
                let Err(mut error) = conn.driver.execute_in_transaction(&batch) else {
                    break Ok(());
                };
                if !self.retry_lock_wait(run, stmt, &mut error, &mut attempt) {
                    break Err(error);
                }
                // Only a DDL statement is retried, and the server committed the rows before
                // it (the first history row) before the DDL started waiting.
                if batch.len() == 3 {
                    batch.remove(0);
                }
            };
            let error = sent.as_ref().err().map(|e| e.message.as_str());
            self.observer
                .statement_done(&event(run, stmt, clock_stmt.elapsed(), 1, error));
            if let Err(error) = sent {
                self.record_statement_failure(run, &rows, i, &error);
                return Err(statement_error(run, stmt, error, false));
            }
        }
        if let Some(first_row) = rows.first_row.take() {
            // No statement was left to run (a resumed patch, all done): record it as applied.
            self.finish_without_statements(run, &first_row, &rows.started_at, &clock)?;
        }
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

    /// A statement failed and its transaction with it: the history row is replaced by a failed
    /// one counting the statements done, whether or not the batch had written the row yet.
    fn record_statement_failure(
        &mut self,
        run: &Run,
        rows: &Progress,
        done: usize,
        error: &DbError,
    ) {
        let mut row = self.row(run, Status::Failed, done, &rows.started_at);
        row.error_text = Some(error.message.clone());
        row.finished_at = Some(history::now());
        let conn = self.conns.for_target(&run.target);
        let table = Table::new(conn.driver.dialect(), run.target.schema.as_deref());
        let delete = format!(
            "DELETE FROM {} WHERE patch_path = {}",
            table.name(),
            table.dialect.quote_literal(&run.path)
        );
        let insert = table.insert_sql(&row);
        // The statement's error is what the operator must see; a failure to record it too
        // leaves the partial row, which still resumes at the right statement.
        let _ = conn.driver.execute_in_transaction(&[&delete, &insert]);
    }

    /// A resumed patch whose statements were all done already: its row becomes applied.
    fn finish_without_statements(
        &mut self,
        run: &Run,
        first_row: &str,
        started_at: &str,
        clock: &Instant,
    ) -> Result<(), ApplyError> {
        let conn = self.conns.for_target(&run.target);
        conn.driver
            .execute(first_row)
            .map_err(|error| ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })?;
        let mut row = self.row(run, Status::Applied, run.statements.len(), started_at);
        row.finished_at = Some(history::now());
        row.duration_ms = Some(clock.elapsed().as_millis() as i64);
        self.write_row(run, &row, true)
    }
}

/// The history statements that travel with each statement of a statement-wise run.
struct Progress {
    started_at: String,
    /// A one-statement patch needs no "partial" row first: if it fails nothing ran.
    single: bool,
    /// The row written with the first statement sent (partial, counting what was done before).
    first_row: Option<String>,
}

impl Progress {
    fn new(exec: &mut Executor<'_, '_>, run: &Run) -> Progress {
        let started_at = history::now();
        let single = run.statements.len() == 1 && run.first == 0 && !run.has_row;
        let conn = exec.conns.for_target(&run.target);
        let table = Table::new(conn.driver.dialect(), run.target.schema.as_deref());
        let first_row = (!single).then(|| {
            let row = exec.row(run, Status::Partial, run.first, &started_at);
            if run.has_row {
                table.update_sql(&row)
            } else {
                table.insert_sql(&row)
            }
        });
        Progress {
            started_at,
            single,
            first_row,
        }
    }

    /// What records statement `i` as done: its count, or for the last one the applied row.
    fn after(&self, exec: &mut Executor<'_, '_>, run: &Run, i: usize, clock: &Instant) -> String {
        let conn = exec.conns.for_target(&run.target);
        let table = Table::new(conn.driver.dialect(), run.target.schema.as_deref());
        if i + 1 < run.statements.len() {
            return table.progress_sql(&run.path, i as i64 + 1);
        }
        let mut row = exec.row(run, Status::Applied, run.statements.len(), &self.started_at);
        row.finished_at = Some(history::now());
        row.duration_ms = Some(clock.elapsed().as_millis() as i64);
        if self.single {
            table.insert_sql(&row)
        } else {
            table.update_sql(&row)
        }
    }
}

impl Executor<'_, '_> {
    /// Makes every connection's statements give up after `--lock-timeout`, before any
    /// transaction begins (a setting made inside one would be rolled back with it).
    pub(crate) fn set_lock_timeouts(&mut self) -> Result<(), ApplyError> {
        let Some(lock) = self.opts.lock_timeout else {
            return Ok(());
        };
        for conn in &mut self.conns.list {
            conn.driver
                .set_lock_timeout(lock.timeout)
                .map_err(|error| ApplyError::Lock {
                    conn: conn.driver.describe(),
                    error,
                })?;
        }
        Ok(())
    }

    /// After `stmt` of `run` failed with `error`: true when it gave up waiting for a lock, may
    /// safely run again, and `--lock-retries` leaves it another attempt (then this has slept
    /// the backoff: 1 s, doubling). False otherwise; a lock wait's `error` then names the
    /// sessions it waited for.
    fn retry_lock_wait(
        &mut self,
        run: &Run,
        stmt: &Statement,
        error: &mut DbError,
        attempt: &mut u32,
    ) -> bool {
        let Some(lock) = self.opts.lock_timeout else {
            return false;
        };
        let conn = self.conns.for_target(&run.target);
        let Some(wait) = conn.driver.lock_wait(error, &stmt.text) else {
            return false;
        };
        let blockers = if wait.blockers.is_empty() {
            "sessions not identified".to_string()
        } else {
            wait.blockers.join("; ")
        };
        if wait.retryable && *attempt < lock.retries && !self.stopped() {
            let backoff = Duration::from_secs(1u64 << (*attempt).min(16));
            *attempt += 1;
            self.observer.note(&format!(
                "{}:{} gave up waiting {} ms for a lock (blocked by {blockers}); retry {} of {} in {} s",
                run.path,
                stmt.line,
                lock.timeout.as_millis(),
                *attempt,
                lock.retries,
                backoff.as_secs()
            ));
            std::thread::sleep(backoff);
            return true;
        }
        let tries = *attempt + 1;
        *error = DbError::new(format!(
            "{}; gave up waiting for a lock after {tries} attempt{} of {} ms; blocked by {blockers}",
            error.message,
            if tries == 1 { "" } else { "s" },
            lock.timeout.as_millis()
        ));
        false
    }
}

/// A statement that failed inside a group: which run, which of its statements.
struct Failed {
    run: usize,
    statement: usize,
    error: DbError,
}

fn statement_error(run: &Run, stmt: &Statement, error: DbError, rolled_back: bool) -> ApplyError {
    ApplyError::Statement {
        path: run.path.clone(),
        line: stmt.line,
        first_line: stmt.first_line().to_string(),
        error,
        rolled_back,
    }
}

fn event<'a>(
    run: &'a Run,
    stmt: &'a Statement,
    duration: Duration,
    batch: usize,
    error: Option<&'a str>,
) -> StatementEvent<'a> {
    StatementEvent {
        path: &run.path,
        line: stmt.line,
        text: &stmt.text,
        schema: run.target.schema.as_deref(),
        duration,
        batch,
        error,
    }
}
