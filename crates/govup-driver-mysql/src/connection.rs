//! A live MySQL/MariaDB session.

use std::path::{Path, PathBuf};

use govup_engine::catalog::Catalog;
use govup_engine::driver::{
    script, Batching, Contention, DbError, Dialect, Driver, IdleScratch, Inspect, LockWait,
    Maintenance, Wait,
};
use govup_engine::ConnectOptions;
use mysql::prelude::Queryable;
use mysql::{Conn, Value};

use crate::connect_url::ConnectUrl;
use crate::errors::{db_error, describe};
use crate::galera;
use crate::lock::{lock_name, SCOPE_SQL, WAIT_SECONDS};
use crate::DIALECT;

/// One connection. Every statement goes through the text protocol, so any statement the server
/// accepts from the `mysql` client (DDL, `CREATE TRIGGER`, `CALL`, `SHOW`...) works here too.
pub struct MySqlConnection {
    conn: Conn,
    url: ConnectUrl,
    /// The URL as given, for the URLs of scratch databases (same credentials and parameters).
    url_text: String,
    /// The name of the user-level lock this session holds, if any.
    held_lock: Option<String>,
    /// Whether the server is a Galera node (asked once, when locking).
    galera: Option<bool>,
    /// On Galera: the lock row this govup holds, and its heartbeat.
    galera_lock: Option<(galera::Owner, galera::Heartbeat)>,
    /// `--stale-lock-after`.
    stale_after: std::time::Duration,
    /// What locking did that the operator must hear of (a stale lock taken over).
    notes: Vec<String>,
}

impl std::fmt::Debug for MySqlConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlConnection")
            .field("url", &self.url.describe())
            .finish_non_exhaustive()
    }
}

impl MySqlConnection {
    /// Connects to the server `url` names (`mysql://` or `mariadb://`).
    pub fn open(url: &str) -> Result<MySqlConnection, DbError> {
        MySqlConnection::open_with(url, &ConnectOptions::default())
    }

    /// [`MySqlConnection::open`] with a password given beside the URL and session statements,
    /// run here first and on the `mysql` sessions that load dumps for this connection.
    pub fn open_with(url: &str, options: &ConnectOptions) -> Result<MySqlConnection, DbError> {
        let url_text = url.to_string();
        let url = ConnectUrl::parse_with(url, options)?;
        let conn = Conn::new(url.client_options()).map_err(|e| {
            DbError::new(format!(
                "cannot connect to mysql server {}: {}",
                url.server(),
                describe(&e)
            ))
        })?;
        let mut opened = MySqlConnection {
            conn,
            url,
            url_text,
            held_lock: None,
            galera: None,
            galera_lock: None,
            stale_after: galera::STALE_AFTER,
            notes: Vec::new(),
        };
        opened.refuse_galera_session_settings()?;
        for sql in opened.url.session_sql.clone() {
            opened.rows(&sql).map_err(|e| {
                let failed = govup_engine::connect_options::session_error(&sql, &e.message);
                DbError::new(format!("on {}: {}", opened.url.describe(), failed.message))
            })?;
        }
        Ok(opened)
    }

    /// On a Galera node, a session value of a setting that changes how DDL applies reaches
    /// only this node: the others apply the replicated DDL with their own global value, and a
    /// node whose result differs is voted out of the cluster. Refused before anything runs.
    fn refuse_galera_session_settings(&mut self) -> Result<(), DbError> {
        let settings: Vec<String> = self
            .url
            .session_sql
            .iter()
            .filter_map(|sql| govup_sql::mysql::ddl_session_setting(sql))
            .collect();
        let Some(name) = settings.first() else {
            return Ok(());
        };
        if !self.is_galera()? {
            return Ok(());
        }
        Err(DbError::new(format!(
            "refused on {}: session setting {name} would apply only to this Galera node's DDL, \
             while the other nodes apply it with their global value; set {name} in every \
             node's configuration ([mysqld] {name}=...) instead of in [session] or --session-sql",
            self.url.describe()
        )))
    }

    pub(crate) fn url(&self) -> &ConnectUrl {
        &self.url
    }

    pub(crate) fn url_text(&self) -> &str {
        &self.url_text
    }

    /// Runs `sql` and returns the rows of its first result set; later result sets (from a
    /// `CALL`, say) are read to the end so that their errors are not lost.
    pub(crate) fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        self.still_locked()?;
        let galera = self.galera == Some(true);
        let mut result = self
            .conn
            .query_iter(sql)
            .map_err(|e| server_error(galera, &e))?;
        let mut rows = Vec::new();
        let mut first = true;
        while let Some(set) = result.iter() {
            for row in set {
                let row = row.map_err(|e| db_error(&e))?;
                if first {
                    rows.push(
                        row.unwrap_raw()
                            .into_iter()
                            .map(|v| v.and_then(cell_text))
                            .collect(),
                    );
                }
            }
            first = false;
        }
        Ok(rows)
    }

    /// On Galera, nothing more runs once another govup took the lock over.
    fn still_locked(&self) -> Result<(), DbError> {
        match &self.galera_lock {
            Some((_, heartbeat)) if heartbeat.lost() => Err(DbError::new(
                "another govup took the cluster lock (govup_lock) over, after this one's heartbeat had stood still longer than its --stale-lock-after: stopping here",
            )),
            _ => Ok(()),
        }
    }

    fn is_galera(&mut self) -> Result<bool, DbError> {
        if let Some(known) = self.galera {
            return Ok(known);
        }
        let rows = self.rows(galera::DETECT_SQL)?;
        let on = rows.first().and_then(|r| r.get(1)).cloned().flatten();
        let known = on.is_some_and(|v| v.eq_ignore_ascii_case("ON"));
        self.galera = Some(known);
        Ok(known)
    }

    /// A status variable's value.
    fn status(&mut self, name: &str) -> Result<Option<String>, DbError> {
        let rows = self.rows(&format!("SHOW STATUS LIKE '{name}'"))?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().nth(1))
            .flatten())
    }

    /// What a Galera cluster cannot replicate or must not be written through, refused before
    /// the lock is taken and anything written: a node outside the primary component, tables of
    /// the database in an engine Galera does not replicate (MyISAM, Aria), a history table
    /// without a primary key.
    fn galera_refusals(&mut self) -> Result<(), DbError> {
        let status = self.status("wsrep_cluster_status")?;
        let ready = self.status("wsrep_ready")?;
        if let Some(why) = galera::not_primary(status.as_deref(), ready.as_deref()) {
            return Err(DbError::new(why));
        }
        let tables = self.rows(
            "SELECT CONCAT(TABLE_NAME, ' (', ENGINE, ')') FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
             AND ENGINE IN ('MyISAM', 'Aria') ORDER BY TABLE_NAME",
        )?;
        let names: Vec<String> = tables
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect();
        if !names.is_empty() {
            return Err(DbError::new(format!(
                "Galera replicates only InnoDB tables, and {} {} not: convert {} to InnoDB first",
                names.join(", "),
                if names.len() == 1 { "is" } else { "are" },
                if names.len() == 1 { "it" } else { "them" }
            )));
        }
        let history_without_key = self.scalar(
            "SELECT COUNT(*) FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() \
             AND t.TABLE_NAME = 'govup_history' AND NOT EXISTS (SELECT 1 FROM \
             information_schema.TABLE_CONSTRAINTS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA \
             AND c.TABLE_NAME = t.TABLE_NAME AND c.CONSTRAINT_TYPE = 'PRIMARY KEY')",
        )?;
        if history_without_key.as_deref() != Some("0") {
            return Err(DbError::new(
                "govup_history has no primary key, and Galera cannot replicate its updates and deletes reliably: add PRIMARY KEY (patch_path)",
            ));
        }
        Ok(())
    }

    /// The cluster-wide lock: one INSERT of the fixed key, which certification lets exactly one
    /// node commit. Ok(false): another govup holds it.
    fn galera_try_lock(&mut self) -> Result<bool, DbError> {
        if self.galera_lock.is_some() {
            return Ok(true);
        }
        self.galera_refusals()?;
        self.execute(galera::CREATE_SQL)?;
        let owner = galera::Owner::me();
        let insert = galera::insert_sql(&owner);
        for attempt in 0..20u64 {
            match self.execute(&insert) {
                Ok(()) => {
                    let database = self.scalar("SELECT DATABASE()")?.unwrap_or_default();
                    let conn = galera::heartbeat_conn(self.url.client_options(), &database)?;
                    let heartbeat = galera::Heartbeat::start(conn, &owner);
                    self.galera_lock = Some((owner, heartbeat));
                    return Ok(true);
                }
                Err(e) if e.message.starts_with("ERROR 1062 ") => return Ok(false),
                // Two nodes committed at once and certification failed this one: the other
                // may have won, which the next try tells.
                Err(e) if e.message.starts_with("ERROR 1213 ") => {
                    std::thread::sleep(std::time::Duration::from_millis(50 * (attempt + 1)));
                }
                Err(e) => {
                    return Err(DbError::new(format!(
                        "cannot take the cluster lock (govup_lock) on {}: {}",
                        self.url.server(),
                        e.message
                    )))
                }
            }
        }
        Ok(false)
    }

    fn galera_lock(&mut self) -> Result<(), DbError> {
        let mut watch = galera::StaleWatch::new();
        loop {
            if self.galera_try_lock()? {
                return Ok(());
            }
            if let Some(row) = self.rows(galera::HOLDER_SQL)?.into_iter().next() {
                let holder = galera::Holder::from_row(row);
                if watch.is_stale(&holder, self.stale_after) {
                    self.execute(&holder.takeover_sql())?;
                    self.notes.push(holder.takeover_note(self.stale_after));
                    continue;
                }
            }
            std::thread::sleep(galera::WAIT);
        }
    }

    fn galera_unlock(&mut self) -> Result<(), DbError> {
        let Some((owner, heartbeat)) = self.galera_lock.take() else {
            return Ok(());
        };
        drop(heartbeat);
        self.execute(&galera::release_sql(&owner)).map_err(|e| {
            DbError::new(format!(
                "cannot release the cluster lock (govup_lock) on {}: {}; another govup takes it over once it is stale",
                self.url.server(),
                e.message
            ))
        })
    }

    /// The single cell of a one-row, one-column answer.
    pub(crate) fn scalar(&mut self, sql: &str) -> Result<Option<String>, DbError> {
        let rows = self.rows(sql)?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next())
            .flatten())
    }
}

impl MySqlConnection {
    /// The upgrade lock if no other session holds it; true if this session holds it now.
    fn lock_if_free(&mut self) -> Result<bool, DbError> {
        if self.is_galera()? {
            return self.galera_try_lock();
        }
        if self.held_lock.is_some() {
            return Ok(true);
        }
        let database = self.scalar("SELECT DATABASE()")?.unwrap_or_default();
        let name = lock_name(&database);
        let sql = format!("SELECT GET_LOCK({}, 0)", DIALECT.quote_literal(&name));
        match self.scalar(&sql)?.as_deref() {
            Some("1") => {
                self.held_lock = Some(name);
                Ok(true)
            }
            Some("0") => Ok(false),
            other => Err(DbError::new(format!(
                "cannot take lock '{name}' on {}: GET_LOCK returned {}",
                self.url.server(),
                other.unwrap_or("NULL")
            ))),
        }
    }
}

impl Driver for MySqlConnection {
    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.rows(sql).map(drop)
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        self.rows(sql)
    }

    fn lock(&mut self, wait: Wait) -> Result<bool, DbError> {
        if wait == Wait::No {
            return self.lock_if_free();
        }
        if self.is_galera()? {
            return self.galera_lock().map(|()| true);
        }
        if self.held_lock.is_some() {
            return Ok(true);
        }
        let database = self.scalar("SELECT DATABASE()")?.unwrap_or_default();
        let name = lock_name(&database);
        let sql = format!(
            "SELECT GET_LOCK({}, {WAIT_SECONDS})",
            DIALECT.quote_literal(&name)
        );
        loop {
            match self.scalar(&sql)?.as_deref() {
                Some("1") => break,
                Some("0") => continue,
                other => {
                    return Err(DbError::new(format!(
                        "cannot take lock '{name}' on {}: GET_LOCK returned {}",
                        self.url.server(),
                        other.unwrap_or("NULL")
                    )))
                }
            }
        }
        self.held_lock = Some(name);
        Ok(true)
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        if self.galera_lock.is_some() {
            return self.galera_unlock();
        }
        let Some(name) = self.held_lock.take() else {
            return Ok(());
        };
        let sql = format!("SELECT RELEASE_LOCK({})", DIALECT.quote_literal(&name));
        match self.scalar(&sql)?.as_deref() {
            Some("1") => Ok(()),
            _ => Err(DbError::new(format!(
                "lock '{name}' on {} was no longer held by this connection",
                self.url.server()
            ))),
        }
    }

    fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DbError> {
        let target = match schema {
            Some(s) => s.to_string(),
            None => match &self.url.database {
                Some(d) => d.clone(),
                // MySQL cannot deselect a database; without one in the URL there is nothing to
                // go back to.
                None => return Ok(()),
            },
        };
        self.conn
            .query_drop(format!("USE {}", DIALECT.quote_ident(&target)))
            .map_err(|e| match e {
                // The server's message already names the database: `Unknown database 'x'`.
                mysql::Error::MySqlError(_) => db_error(&e),
                other => DbError::new(format!(
                    "cannot switch to database '{target}': {}",
                    describe(&other)
                )),
            })
    }

    fn describe(&self) -> String {
        self.url.describe()
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

    fn contention(&mut self) -> Option<&mut dyn Contention> {
        Some(self)
    }
}

impl Inspect for MySqlConnection {
    fn lock_scope(&mut self) -> Result<Option<String>, DbError> {
        if self.is_galera()? {
            // Every node of one cluster shares the lock row.
            let cluster = self.status("wsrep_cluster_state_uuid")?.unwrap_or_default();
            let database = self.scalar("SELECT DATABASE()")?.unwrap_or_default();
            return Ok(Some(format!("galera:{cluster}/{database}")));
        }
        let row = self.rows(SCOPE_SQL)?.into_iter().next().unwrap_or_default();
        let mut cells = row.into_iter();
        let (server, database) = (cells.next().flatten(), cells.next().flatten());
        Ok(server.map(|s| format!("{s}/{}", lock_name(&database.unwrap_or_default()))))
    }

    /// Asked explicitly because a user with SUPER (or READ_ONLY ADMIN) writes through
    /// `read_only` unhindered, and would upgrade a replica behind its primary's back.
    /// `super_read_only` exists on MySQL only; MariaDB simply has no such row.
    fn read_only_reason(&mut self) -> Result<Option<String>, DbError> {
        let rows = self.query(
            "SHOW VARIABLES WHERE Variable_name IN ('super_read_only', 'read_only', 'transaction_read_only', 'tx_read_only')",
        )?;
        let on = |name: &str| {
            rows.iter().any(|r| {
                r.first().and_then(Option::as_deref) == Some(name)
                    && r.get(1)
                        .and_then(Option::as_deref)
                        .is_some_and(|v| v.eq_ignore_ascii_case("ON") || v == "1")
            })
        };
        Ok(if on("super_read_only") {
            Some("the server has super_read_only ON".into())
        } else if on("read_only") {
            Some("the server has read_only ON, which users with SUPER would bypass".into())
        } else if on("transaction_read_only") || on("tx_read_only") {
            Some("this session's transactions are read-only".into())
        } else {
            None
        })
    }

    /// MyISAM, MEMORY, Aria and the like keep row changes through a rollback.
    fn rolls_back_rows(&mut self, schema: Option<&str>) -> Result<bool, DbError> {
        let schema = match schema {
            Some(s) => DIALECT.quote_literal(s),
            None => "DATABASE()".to_string(),
        };
        let sql = format!(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema} \
             AND TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB'"
        );
        Ok(self.scalar(&sql)?.as_deref() == Some("0"))
    }

    /// On Galera: a statement that makes a MyISAM or Aria table, or deletes rows of a table
    /// without a primary key (the other nodes would apply each row by a full scan, if at all).
    fn refuse_statement(
        &mut self,
        schema: Option<&str>,
        statement: &str,
    ) -> Result<Option<String>, DbError> {
        if !self.is_galera()? {
            return Ok(None);
        }
        if let Some(engine) = govup_sql::mysql::engine_named(statement) {
            if engine == "MYISAM" || engine == "ARIA" {
                return Ok(Some(format!(
                    "ENGINE={engine}: Galera replicates only InnoDB tables; use ENGINE=InnoDB"
                )));
            }
        }
        let Some((db, table)) = govup_sql::mysql::delete_target(statement) else {
            return Ok(None);
        };
        let db = match db.or(schema.map(str::to_string)) {
            Some(d) => DIALECT.quote_literal(&d),
            None => "DATABASE()".to_string(),
        };
        let sql = format!(
            "SELECT COUNT(*) FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = {db} \
             AND t.TABLE_NAME = {} AND NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c \
             WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME \
             AND c.CONSTRAINT_TYPE = 'PRIMARY KEY')",
            DIALECT.quote_literal(&table)
        );
        Ok((self.scalar(&sql)?.as_deref() != Some("0")).then(|| {
            format!(
                "DELETE on table {table}, which has no primary key: Galera cannot replicate it reliably; add a primary key first"
            )
        }))
    }
}

/// Lock timeouts per session, and the Galera lock row's staleness.
impl Contention for MySqlConnection {
    fn set_lock_timeout(&mut self, timeout: std::time::Duration) -> Result<(), DbError> {
        self.execute(&crate::lock::timeout_sql(timeout))
    }

    /// A DDL statement that timed out did nothing, and the server committed before it began;
    /// a row change's transaction is the engine's to roll back, so it does not run again.
    fn lock_wait(&mut self, error: &DbError, statement: &str) -> Option<LockWait> {
        if !crate::lock::is_lock_wait_timeout(&error.message) {
            return None;
        }
        let blockers = self
            .rows(crate::lock::BLOCKERS_SQL)
            .map(|rows| {
                rows.into_iter()
                    .filter_map(|r| r.into_iter().next().flatten())
                    .collect()
            })
            .unwrap_or_default();
        Some(LockWait {
            retryable: !DIALECT.is_row_change(statement),
            blockers,
        })
    }

    fn set_stale_lock_after(&mut self, after: std::time::Duration) {
        self.stale_after = after;
    }

    fn lock_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

/// Many statements per round trip; no bulk path for rows, which the engine INSERTs.
impl Batching for MySqlConnection {
    fn copy_rows(
        &mut self,
        _table: &str,
        _columns: &[&str],
        _rows: &[Vec<Option<String>>],
    ) -> Result<bool, DbError> {
        Ok(false)
    }

    /// One round trip: the statements as one multi-statement text. The server stops at the
    /// first error and answers every statement before it with a result of its own, so counting
    /// the results names the statement that failed.
    fn execute_many(&mut self, statements: &[&str]) -> Result<(), (usize, DbError)> {
        self.still_locked().map_err(|e| (0, e))?;
        let galera = self.galera == Some(true);
        let mut result = self
            .conn
            .query_iter(script(statements))
            .map_err(|e| (0, server_error(galera, &e)))?;
        let mut done = 0;
        while let Some(set) = result.iter() {
            for row in set {
                row.map_err(|e| (done, server_error(galera, &e)))?;
            }
            done += 1;
        }
        Ok(())
    }

    /// One round trip: `BEGIN; ...; COMMIT` as one multi-statement text.
    fn execute_in_transaction(&mut self, statements: &[&str]) -> Result<(), DbError> {
        let mut all = Vec::with_capacity(statements.len() + 2);
        all.push("BEGIN");
        all.extend_from_slice(statements);
        all.push("COMMIT");
        let result = self.execute_many(&all).map_err(|(_, e)| e);
        if result.is_err() {
            let _ = self.execute("ROLLBACK");
        }
        result
    }
}

impl Maintenance for MySqlConnection {
    fn catalog(&mut self, schema: Option<&str>) -> Result<Catalog, DbError> {
        crate::catalog::read(self, schema)
    }

    fn backup(&mut self, schema: Option<&str>, dir: &Path, stem: &str) -> Result<PathBuf, DbError> {
        crate::backup::backup(self, schema, dir, stem)
    }

    fn restore(&mut self, schema: Option<&str>, file: &Path) -> Result<(), DbError> {
        crate::backup::restore(self, schema, file)
    }

    fn create_scratch(&mut self, copy: bool) -> Result<String, DbError> {
        crate::scratch::create(self, copy)
    }

    fn drop_scratch(&mut self, url: &str) -> Result<(), DbError> {
        crate::scratch::drop(self, url)
    }

    fn idle_scratch(&mut self) -> Result<Vec<IdleScratch>, DbError> {
        crate::scratch::idle(self)
    }
}

/// The server's error; on a Galera node that left the primary component, with what to do.
fn server_error(galera: bool, e: &mysql::Error) -> DbError {
    let error = db_error(e);
    if galera && galera::is_not_prepared(&error.message) {
        return DbError::new(format!(
            "{}; this Galera node left the primary component: govup stopped here, run the same command against a node of the primary component",
            error.message
        ));
    }
    error
}

/// A cell as text. The text protocol sends every value as bytes; the other variants only come
/// from the binary protocol and are formatted the way the server would print them.
fn cell_text(value: Value) -> Option<String> {
    Some(match value {
        Value::NULL => return None,
        Value::Bytes(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        },
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        Value::Float(x) => x.to_string(),
        Value::Double(x) => x.to_string(),
        Value::Date(y, mo, d, h, mi, s, us) => {
            let mut text = format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}");
            if us > 0 {
                text.push_str(&format!(".{us:06}"));
            }
            text
        }
        Value::Time(negative, days, h, mi, s, us) => {
            let hours = u64::from(days) * 24 + u64::from(h);
            let mut text = format!(
                "{}{hours:02}:{mi:02}:{s:02}",
                if negative { "-" } else { "" }
            );
            if us > 0 {
                text.push_str(&format!(".{us:06}"));
            }
            text
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_as_text() {
        assert_eq!(cell_text(Value::NULL), None);
        assert_eq!(
            cell_text(Value::Bytes(b"abc".to_vec())).as_deref(),
            Some("abc")
        );
        assert_eq!(
            cell_text(Value::Bytes(vec![b'a', 0xff])).as_deref(),
            Some("a\u{fffd}")
        );
        assert_eq!(cell_text(Value::Int(-3)).as_deref(), Some("-3"));
        assert_eq!(cell_text(Value::UInt(7)).as_deref(), Some("7"));
        assert_eq!(
            cell_text(Value::Date(2024, 1, 5, 3, 4, 5, 0)).as_deref(),
            Some("2024-01-05 03:04:05")
        );
        assert_eq!(
            cell_text(Value::Date(2024, 1, 5, 3, 4, 5, 120)).as_deref(),
            Some("2024-01-05 03:04:05.000120")
        );
        assert_eq!(
            cell_text(Value::Time(true, 1, 2, 3, 4, 0)).as_deref(),
            Some("-26:03:04")
        );
    }
}
