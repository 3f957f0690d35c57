//! A live MySQL/MariaDB session.

use std::path::{Path, PathBuf};

use govup_engine::catalog::Catalog;
use govup_engine::driver::{
    script, Batching, DbError, Dialect, Driver, IdleScratch, Inspect, Maintenance, Wait,
};
use govup_engine::ConnectOptions;
use mysql::prelude::Queryable;
use mysql::{Conn, Value};

use crate::connect_url::ConnectUrl;
use crate::errors::{db_error, describe};
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
        };
        for sql in opened.url.session_sql.clone() {
            opened.rows(&sql).map_err(|e| {
                let failed = govup_engine::connect_options::session_error(&sql, &e.message);
                DbError::new(format!("on {}: {}", opened.url.describe(), failed.message))
            })?;
        }
        Ok(opened)
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
        let mut result = self.conn.query_iter(sql).map_err(|e| db_error(&e))?;
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
}

impl Inspect for MySqlConnection {
    fn lock_scope(&mut self) -> Result<Option<String>, DbError> {
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
        let mut result = self
            .conn
            .query_iter(script(statements))
            .map_err(|e| (0, db_error(&e)))?;
        let mut done = 0;
        while let Some(set) = result.iter() {
            for row in set {
                row.map_err(|e| (done, db_error(&e)))?;
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
