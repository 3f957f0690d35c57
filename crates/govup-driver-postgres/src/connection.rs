//! A live PostgreSQL session implementing [`Driver`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use govup_engine::{
    execute_each, execute_in_transaction, Batching, Catalog, ConnectOptions, Contention, DbError,
    Dialect, Driver, IdleScratch, Inspect, LockWait, Maintenance, Replicas, Replication, Wait,
};
use postgres::config::SslMode;
use postgres::{Client, NoTls, SimpleQueryMessage};

use crate::error::one_line;
use crate::tls;
use crate::url::Target;
use crate::DIALECT;
use crate::{backup, catalog, lock, restore, scratch};

/// One connection. Statements and queries go through the simple-query protocol, so any statement
/// (DO blocks, function bodies) runs as written and every cell comes back as text; only
/// `COPY ... FROM STDIN` cannot work, as it waits for data that a patch file does not carry.
pub struct PgConnection {
    /// None only when [`PgConnection::while_closed`] could not open the session again.
    client: Option<Client>,
    target: Target,
    /// `SHOW search_path` at connect time, in a form `SET search_path TO` accepts back.
    home_search_path: String,
    locked: bool,
    /// `--lock-timeout`, and the session that watches who this one waits for.
    lock_timeout: Option<(Duration, crate::blockers::Watcher)>,
    /// False after a batch failed and its savepoint could not be rolled back to: the
    /// transaction is aborted, and nothing in it may run again.
    intact: bool,
}

/// The savepoint around a batch of statements sent in one message.
const BATCH: &str = "govup_batch";

/// Opens a connection to `url` (`postgres://` or `postgresql://`).
pub fn connect(url: &str) -> Result<Box<dyn Driver>, DbError> {
    connect_with(url, &ConnectOptions::default())
}

/// [`connect`] with a password from elsewhere than the URL and session statements, which run
/// on this session and every one the driver opens for it later (maintenance, scratch copies).
pub fn connect_with(url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, DbError> {
    let target = Target::parse_with(url, options).map_err(DbError::new)?;
    Ok(Box::new(PgConnection::open_target(target)?))
}

impl PgConnection {
    pub fn open(url: &str) -> Result<PgConnection, DbError> {
        let target = Target::parse(url).map_err(DbError::new)?;
        PgConnection::open_target(target)
    }

    /// Opens a session on an already parsed target (the maintenance database, a scratch one).
    pub(crate) fn open_target(mut target: Target) -> Result<PgConnection, DbError> {
        let mut client = open_client(&mut target)?;
        let home_search_path = first_cell(&mut client, "SHOW search_path")
            .map_err(|e| connect_error(&target, &one_line(&e, None).message))?
            .unwrap_or_else(|| "DEFAULT".to_string());
        Ok(PgConnection {
            client: Some(client),
            target,
            home_search_path,
            locked: false,
            lock_timeout: None,
            intact: true,
        })
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    /// Whether this session holds the upgrade lock, which closing it would release.
    pub(crate) fn is_locked(&self) -> bool {
        self.locked
    }

    /// Closes this session, runs `work` while no session of ours is connected to the database
    /// (what `CREATE DATABASE ... TEMPLATE` needs), then opens a new one with the same
    /// `search_path`. Other session state (settings, prepared statements, the upgrade lock) does
    /// not survive, so callers check [`PgConnection::is_locked`] first. Returns what `work`
    /// returned, and whether the session could be opened again, separately: a caller that
    /// created something must undo it when the second fails.
    pub(crate) fn while_closed<T>(
        &mut self,
        work: impl FnOnce() -> T,
    ) -> Result<(T, Result<(), DbError>), DbError> {
        let search_path = self.ask("SHOW search_path")?;
        if let Some(client) = self.client.take() {
            // The server ends the session on its side either way.
            let _ = client.close();
        }
        let outcome = work();
        let reopened = open_client(&mut self.target).and_then(|mut client| {
            if let Some(path) = &search_path {
                let sql = format!("SET search_path TO {path}");
                client.batch_execute(&sql).map_err(|e| {
                    DbError::new(self.target.scrub(&one_line(&e, Some(&sql)).message))
                })?;
            }
            self.client = Some(client);
            Ok(())
        });
        Ok((outcome, reopened))
    }

    fn client(&mut self) -> Result<&mut Client, DbError> {
        match &mut self.client {
            Some(client) => Ok(client),
            None => Err(DbError::new(format!(
                "the session on {} was closed to copy the database and could not be opened again",
                self.target.described
            ))),
        }
    }

    fn fail(&self, err: &postgres::Error, sql: &str) -> DbError {
        DbError::new(self.target.scrub(&one_line(err, Some(sql)).message))
    }

    fn ask(&mut self, sql: &str) -> Result<Option<String>, DbError> {
        let client = self.client()?;
        first_cell(client, sql).map_err(|e| self.fail(&e, sql))
    }
}

fn connect_error(target: &Target, why: &str) -> DbError {
    DbError::new(format!(
        "cannot connect to {}: {}",
        target.described,
        target.scrub(why)
    ))
}

fn open_client(target: &mut Target) -> Result<Client, DbError> {
    let connector = tls::connector(&target.tls).map_err(|why| connect_error(target, &why))?;
    let connected = match connector {
        Some(connector) => target.config.ssl_mode(SslMode::Require).connect(connector),
        None => target.config.ssl_mode(SslMode::Disable).connect(NoTls),
    };
    let mut client = connected.map_err(|e| connect_error(target, &one_line(&e, None).message))?;
    for sql in &target.options.session_sql {
        client.batch_execute(sql).map_err(|e| {
            let why = one_line(&e, None).message;
            let failed = govup_engine::connect_options::session_error(sql, &why);
            DbError::new(format!(
                "on {}: {}",
                target.described,
                target.scrub(&failed.message)
            ))
        })?;
    }
    Ok(client)
}

/// The first number of the advisory locks `execute_many` takes to tell which statement of a
/// batch failed ("govu"); the second is the statement's index.
const MARK: i32 = 0x676f_7675;

/// The statements in one text, each preceded by its marker (take its lock, free the previous
/// statement's), the last lock freed at the end and the savepoint released; with the byte
/// offset where each statement starts.
fn marked_script(statements: &[&str]) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut starts = Vec::with_capacity(statements.len());
    for (i, s) in statements.iter().enumerate() {
        text.push_str(&format!("SELECT pg_catalog.pg_advisory_lock({MARK}, {i})"));
        if i > 0 {
            text.push_str(&format!(
                ", pg_catalog.pg_advisory_unlock({MARK}, {})",
                i - 1
            ));
        }
        // A newline before each `;`: a statement may end in a `--` comment.
        text.push_str("\n;\n");
        starts.push(text.len());
        text.push_str(s);
        text.push_str("\n;\n");
    }
    text.push_str(&format!(
        "SELECT pg_catalog.pg_advisory_unlock({MARK}, {})\n;\nRELEASE SAVEPOINT {BATCH}",
        statements.len() - 1
    ));
    (text, starts)
}

impl PgConnection {
    /// The statement indexes whose marker lock this session still holds, each freed.
    fn held_marks(&mut self) -> Result<Vec<usize>, DbError> {
        let held = self.query(&format!(
            "SELECT objid::text FROM pg_catalog.pg_locks WHERE locktype = 'advisory' \
             AND pid = pg_catalog.pg_backend_pid() AND classid = {MARK} AND objsubid = 2 AND granted"
        ))?;
        let mut marks = Vec::new();
        for row in held {
            let Some(Some(n)) = row.into_iter().next() else {
                continue;
            };
            self.execute(&format!(
                "SELECT pg_catalog.pg_advisory_unlock({MARK}, {n})"
            ))?;
            if let Ok(i) = n.parse() {
                marks.push(i);
            }
        }
        Ok(marks)
    }
}

/// The first column of the first row, None when there is no row or the cell is NULL.
fn first_cell(client: &mut Client, sql: &str) -> Result<Option<String>, postgres::Error> {
    for message in client.simple_query(sql)? {
        if let SimpleQueryMessage::Row(row) = message {
            return Ok(row.try_get(0)?.map(str::to_string));
        }
    }
    Ok(None)
}

impl PgConnection {
    /// The upgrade lock if no other session holds it; true if this session holds it now.
    fn lock_if_free(&mut self) -> Result<bool, DbError> {
        if self.locked {
            return Ok(true);
        }
        let taken = self.ask(&lock::try_lock_sql()).map_err(|e| {
            DbError::new(format!(
                "cannot take the upgrade lock on {}: {}",
                self.target.described, e.message
            ))
        })?;
        self.locked = taken.as_deref() == Some("t");
        Ok(self.locked)
    }
}

impl Driver for PgConnection {
    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        let client = self.client()?;
        client.batch_execute(sql).map_err(|e| self.fail(&e, sql))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let client = self.client()?;
        let messages = client.simple_query(sql).map_err(|e| self.fail(&e, sql))?;
        let mut rows = Vec::new();
        for message in messages {
            if let SimpleQueryMessage::Row(row) = message {
                let cells = (0..row.len())
                    .map(|i| row.try_get(i).map(|cell| cell.map(str::to_string)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| self.fail(&e, sql))?;
                rows.push(cells);
            }
        }
        Ok(rows)
    }

    fn lock(&mut self, wait: Wait) -> Result<bool, DbError> {
        // Advisory locks stack: taking it twice would need two unlocks, so try first.
        if self.lock_if_free()? || wait == Wait::No {
            return Ok(self.locked);
        }
        // Another session holds it: wait, since the contract is to block until it is free.
        self.ask(&lock::lock_sql()).map_err(|e| {
            DbError::new(format!(
                "cannot take the upgrade lock on {}: {}",
                self.target.described, e.message
            ))
        })?;
        self.locked = true;
        Ok(true)
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        if !self.locked {
            return Ok(());
        }
        let released = self.ask(&lock::unlock_sql())?;
        self.locked = false;
        match released.as_deref() {
            Some("t") => Ok(()),
            _ => Err(DbError::new(format!(
                "the upgrade lock on {} was not held by this session",
                self.target.described
            ))),
        }
    }

    fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DbError> {
        let sql = match schema {
            Some(name) => {
                // SET search_path accepts a missing schema silently; the engine must hear of it.
                let exists = format!(
                    "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {}",
                    DIALECT.quote_literal(name)
                );
                if self.ask(&exists)?.is_none() {
                    return Err(DbError::new(format!("schema \"{name}\" does not exist")));
                }
                format!("SET search_path TO {}", DIALECT.quote_ident(name))
            }
            None => format!("SET search_path TO {}", self.home_search_path),
        };
        self.execute(&sql)
    }

    fn describe(&self) -> String {
        self.target.described.clone()
    }

    fn inspect(&mut self) -> Option<&mut dyn Inspect> {
        Some(self)
    }

    fn batching(&mut self) -> Option<&mut dyn Batching> {
        Some(self)
    }

    fn maintenance(&mut self) -> Option<&mut dyn Maintenance> {
        Some(self)
    }

    fn replication(&mut self) -> Option<&mut dyn Replication> {
        Some(self)
    }

    fn contention(&mut self) -> Option<&mut dyn Contention> {
        Some(self)
    }
}

impl Contention for PgConnection {
    /// `lock_timeout` for the session, and a second session that notes who this one waits for.
    fn set_lock_timeout(&mut self, timeout: Duration) -> Result<(), DbError> {
        self.execute(&crate::blockers::timeout_sql(timeout))?;
        let pid = self
            .ask("SELECT pg_catalog.pg_backend_pid()")?
            .unwrap_or_default();
        let mut target = self.target.clone();
        let watcher = crate::blockers::Watcher::start(open_client(&mut target)?, pid);
        self.lock_timeout = Some((timeout, watcher));
        Ok(())
    }

    /// SQLSTATE 55P03 (lock_not_available). Statements run in a savepoint under
    /// --lock-timeout, so the failed one did nothing unless that savepoint was lost.
    fn lock_wait(&mut self, error: &DbError, _statement: &str) -> Option<LockWait> {
        if !error.message.contains("SQLSTATE 55P03)") {
            return None;
        }
        let (timeout, watcher) = self.lock_timeout.as_ref()?;
        let blockers = watcher.recent(*timeout + Duration::from_secs(2));
        Some(LockWait {
            retryable: self.intact,
            blockers,
        })
    }
}

impl Inspect for PgConnection {
    fn lock_scope(&mut self) -> Result<Option<String>, DbError> {
        self.ask(lock::SCOPE_SQL)
    }

    /// A standby (in recovery) or a session whose transactions start read-only; the session
    /// value, since a role, a database or the URL's options may set it apart from the server.
    fn read_only_reason(&mut self) -> Result<Option<String>, DbError> {
        let rows = self.query(
            "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only')",
        )?;
        let row = rows.first().map(Vec::as_slice).unwrap_or_default();
        Ok(match row {
            [Some(recovery), _] if recovery == "t" => {
                Some("a standby in recovery: pg_is_in_recovery() is true".into())
            }
            [_, Some(read_only)] if read_only == "on" => {
                Some("default_transaction_read_only is on for this session".into())
            }
            _ => None,
        })
    }

    /// Every table PostgreSQL has rolls back.
    fn rolls_back_rows(&mut self, _schema: Option<&str>) -> Result<bool, DbError> {
        Ok(true)
    }
}

impl Batching for PgConnection {
    /// `COPY ... FROM STDIN` in text format: five times cheaper for the server than the same
    /// rows as a multi-row INSERT (5,050 history rows: 30 ms against 150 ms).
    fn copy_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Option<String>>],
    ) -> Result<bool, DbError> {
        use std::io::Write;
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        let mut text = String::new();
        for row in rows {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    text.push('\t');
                }
                match cell {
                    None => text.push_str("\\N"),
                    Some(value) => {
                        for c in value.chars() {
                            match c {
                                '\\' => text.push_str("\\\\"),
                                '\t' => text.push_str("\\t"),
                                '\n' => text.push_str("\\n"),
                                '\r' => text.push_str("\\r"),
                                c => text.push(c),
                            }
                        }
                    }
                }
            }
            text.push('\n');
        }
        let done = match self.client()?.copy_in(&sql) {
            Err(e) => Err(e),
            Ok(mut writer) => {
                writer
                    .write_all(text.as_bytes())
                    .map_err(|e| DbError::new(format!("COPY into {table}: {e}")))?;
                writer.finish().map(drop)
            }
        };
        done.map_err(|e| self.fail(&e, &sql))?;
        Ok(true)
    }

    /// One message for all of them, after a savepoint. The server answers a failure in such a
    /// message without saying which statement failed, so before each statement the message
    /// takes a session-level advisory lock numbered by it and frees the previous one: such a
    /// lock survives the rollback of the failed transaction, so the one still held names the
    /// failing statement, which ran exactly once. The statements before it are run again (the
    /// rollback to the savepoint undid them) and it is reported with its own line number; a run
    /// without errors never pays a round trip per statement. When no lock is held, no statement
    /// ran at all (the server parses a whole message before running any of it: a syntax error),
    /// and the statements are replayed one by one to find the one that does not parse. The
    /// savepoint goes in a message of its own, for the same reason.
    fn execute_many(&mut self, statements: &[&str]) -> Result<(), (usize, DbError)> {
        if statements.len() < 2 && self.lock_timeout.is_none() {
            return execute_each(self, statements);
        }
        if statements.len() < 2 {
            // Under --lock-timeout a statement runs in a savepoint too, so that one that gave
            // up waiting leaves the transaction able to run it again.
            let sql = statements.first().copied().unwrap_or_default();
            self.execute(&format!("SAVEPOINT {BATCH}"))
                .map_err(|e| (0, e))?;
            let result = self.execute(sql);
            if result.is_err() {
                self.intact = self
                    .execute(&format!("ROLLBACK TO SAVEPOINT {BATCH}"))
                    .is_ok();
            }
            let released = self.execute(&format!("RELEASE SAVEPOINT {BATCH}"));
            return result.and(released).map_err(|e| (0, e));
        }
        self.execute(&format!("SAVEPOINT {BATCH}"))
            .map_err(|e| (0, e))?;
        let (text, starts) = marked_script(statements);
        let client = self.client().map_err(|e| (0, e))?;
        let Err(sent) = client.batch_execute(&text) else {
            return Ok(());
        };
        if self
            .execute(&format!("ROLLBACK TO SAVEPOINT {BATCH}"))
            .is_err()
        {
            self.intact = false;
            // The savepoint is gone with the session or the transaction: nothing to replay in,
            // so the failure is the batch's, reported at its first statement.
            let error = self.fail(&sent, &text);
            return Err((
                0,
                DbError::new(format!(
                    "a batch of {} statements starting here failed and could not be replayed to find the one at fault: {}",
                    statements.len(),
                    error.message
                )),
            ));
        }
        let failed = self.held_marks().map_err(|e| (0, e))?;
        let Some(&at) = failed.iter().max().filter(|i| **i < statements.len()) else {
            execute_each(self, statements)?;
            let last = statements.len() - 1;
            return self
                .execute(&format!("RELEASE SAVEPOINT {BATCH}"))
                .map_err(|e| (last, e));
        };
        // The server counts the error's position in the whole message: lines before the
        // failing statement are blanked (same length) so that it counts from that statement.
        let start = starts[at];
        let masked = text[..start].replace('\n', " ") + &text[start..];
        let error = self.fail(&sent, &masked);
        self.execute_many(&statements[..at])?;
        self.execute(&format!("RELEASE SAVEPOINT {BATCH}"))
            .map_err(|e| (at, e))?;
        Err((at, error))
    }

    fn execute_in_transaction(&mut self, statements: &[&str]) -> Result<(), DbError> {
        execute_in_transaction(self, statements)
    }
}

impl Replication for PgConnection {
    /// The WAL position now (after the upgrade's commit) against each walsender's replay
    /// position; a replica that is not connected at all is not in `pg_stat_replication` and so
    /// is not waited for.
    fn wait_for_replicas(&mut self, timeout: Duration) -> Result<Replicas, DbError> {
        let target = self
            .query("SELECT pg_current_wal_lsn()::text")?
            .first()
            .and_then(|r| r[0].clone())
            .ok_or_else(|| DbError::new("pg_current_wal_lsn() returned nothing"))?;
        let sql = format!(
            "SELECT coalesce(nullif(application_name, ''), client_addr::text, pid::text), \
             coalesce(replay_lsn >= '{target}'::pg_lsn, false), coalesce(replay_lsn::text, 'nothing') \
             FROM pg_stat_replication ORDER BY 1"
        );
        let start = Instant::now();
        loop {
            let rows = self.query(&sql)?;
            let mut replicas = Replicas::default();
            for row in rows {
                let name = row[0].clone().unwrap_or_default();
                if row[1].as_deref() != Some("t") {
                    let at = row[2].clone().unwrap_or_default();
                    replicas
                        .lagging
                        .push(format!("{name} (replayed up to {at} of {target})"));
                }
                replicas.all.push(name);
            }
            if replicas.lagging.is_empty() || start.elapsed() >= timeout {
                return Ok(replicas);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Maintenance for PgConnection {
    fn catalog(&mut self, schema: Option<&str>) -> Result<Catalog, DbError> {
        catalog::read(self, schema)
    }

    fn backup(&mut self, schema: Option<&str>, dir: &Path, stem: &str) -> Result<PathBuf, DbError> {
        backup::backup(self, schema, dir, stem)
    }

    fn restore(&mut self, schema: Option<&str>, file: &Path) -> Result<(), DbError> {
        restore::restore(self, schema, file)
    }

    fn create_scratch(&mut self, copy: bool) -> Result<String, DbError> {
        scratch::create(self, copy)
    }

    fn drop_scratch(&mut self, url: &str) -> Result<(), DbError> {
        scratch::drop_scratch(self, url)
    }

    fn idle_scratch(&mut self) -> Result<Vec<IdleScratch>, DbError> {
        scratch::idle(self)
    }
}
