//! A live Oracle session through the `oracle` crate (ODPI-C), which loads the Oracle client
//! library when the first connection opens.

use govup_engine::driver::{Contention, DbError, Dialect, Driver, LockWait, Tx, Wait};
use govup_engine::{ConnectOptions, Secret};
use oracle::sql_type::OracleType;

use crate::lock;
use crate::url::OracleUrl;
use govup_sql::oracle::{canonical_ident, quote_exact, DIALECT};

/// ODPI-C's "cannot locate an Oracle Client library".
const DPI_NO_CLIENT: i32 = 1047;

/// "success with compilation error": a PL/SQL unit was stored but is invalid.
const ORA_COMPILATION_ERROR: i32 = 24344;

/// One Oracle session.
pub struct OracleConnection {
    conn: oracle::Connection,
    url: OracleUrl,
    /// The session's schema at connect, which `use_schema(None)` goes back to.
    home_schema: String,
    /// The session user as Oracle spells it, for messages about grants.
    user: String,
    /// The handle of the upgrade lock while this session holds it.
    lock_handle: Option<String>,
}

/// Opens a session for `oracle://user:password@host:port/service_name`.
pub fn connect(url: &str) -> Result<Box<dyn Driver>, DbError> {
    connect_with(url, &ConnectOptions::default())
}

/// [`connect`] with a password given beside the URL (used when the URL holds none) and session
/// statements run right after connecting.
pub fn connect_with(url: &str, options: &ConnectOptions) -> Result<Box<dyn Driver>, DbError> {
    let mut conn = OracleConnection::open_with(url, options.password.as_ref())?;
    let described = conn.url.describe();
    options
        .prepare(&mut conn)
        .map_err(|e| DbError::new(format!("on {described}: {e}")))?;
    Ok(Box::new(conn))
}

impl OracleConnection {
    pub fn open(url: &str) -> Result<OracleConnection, DbError> {
        OracleConnection::open_with(url, None)
    }

    fn open_with(url: &str, given: Option<&Secret>) -> Result<OracleConnection, DbError> {
        let url = OracleUrl::parse(url)?;
        let password = url
            .password
            .as_deref()
            .or(given.map(Secret::expose))
            .unwrap_or("");
        let mut conn = oracle::Connection::connect(&url.user, password, url.connect_string())
            .map_err(|e| connect_error(&url, &e))?;
        // Outside Tx::Begin..Tx::Commit every statement commits, as the engine expects from a
        // database whose DDL commits anyway.
        conn.set_autocommit(true);
        let row = conn
            .query_row_as::<(String, String)>(
                "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'), USER FROM DUAL",
                &[],
            )
            .map_err(|e| {
                DbError::new(format!(
                    "cannot read the current schema on {}: {}",
                    url.server(),
                    error_text(&e)
                ))
            })?;
        let (home_schema, user) = row;
        Ok(OracleConnection {
            conn,
            url,
            home_schema,
            user,
            lock_handle: None,
        })
    }

    /// The first compilation error of the PL/SQL unit just stored, when Oracle says there is one.
    fn compilation_error(&self) -> Option<DbError> {
        let warning = self.conn.last_warning()?;
        let code = warning.db_error().map(|e| e.code());
        if code != Some(ORA_COMPILATION_ERROR) {
            return None;
        }
        let detail = self
            .conn
            .query_row_as::<(String, String, i64, i64, String)>(LAST_COMPILATION_ERROR_SQL, &[])
            .map(|(kind, name, line, position, text)| {
                format!(": {kind} {name} line {line} column {position}: {text}")
            })
            .unwrap_or_default();
        Some(DbError::new(format!("{}{detail}", error_text(&warning))))
    }
}

/// The newest error in `ALL_ERRORS` for the current schema: the unit just compiled.
const LAST_COMPILATION_ERROR_SQL: &str = "SELECT type, name, line, position, text FROM (\
    SELECT e.type, e.name, e.line, e.position, e.text FROM all_errors e \
    JOIN all_objects o ON o.owner = e.owner AND o.object_name = e.name AND o.object_type = e.type \
    WHERE e.owner = SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') AND e.attribute = 'ERROR' \
    ORDER BY o.last_ddl_time DESC, e.sequence) WHERE ROWNUM = 1";

/// The database's own message (`ORA-00942: table or view does not exist`) on one line.
fn error_text(e: &oracle::Error) -> String {
    let text = match e.db_error() {
        Some(db) => db.message().to_string(),
        None => e.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn connect_error(url: &OracleUrl, e: &oracle::Error) -> DbError {
    connect_error_text(url, e.dpi_code(), &error_text(e))
}

/// The one-line error of a failed connect; a missing client library gets its remedy instead of
/// ODPI-C's long text.
pub fn connect_error_text(url: &OracleUrl, dpi_code: Option<i32>, message: &str) -> DbError {
    if dpi_code == Some(DPI_NO_CLIENT) || message.starts_with("DPI-1047") {
        DbError::new(format!(
            "cannot load the oracle client library (libclntsh) to connect to {} as {}: install \
             Oracle Instant Client and put its directory on LD_LIBRARY_PATH",
            url.server(),
            url.user
        ))
    } else {
        DbError::new(format!(
            "cannot connect to oracle at {} as {}: {message}",
            url.server(),
            url.user
        ))
    }
}

impl Driver for OracleConnection {
    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.conn
            .execute(sql, &[])
            .map_err(|e| DbError::new(error_text(&e)))?;
        match self.compilation_error() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let rows = self
            .conn
            .query(sql, &[])
            .map_err(|e| DbError::new(error_text(&e)))?;
        let mut out = Vec::new();
        for row in rows {
            let row = row.map_err(|e| DbError::new(error_text(&e)))?;
            let cells = (0..row.sql_values().len())
                .map(|i| row.get::<usize, Option<String>>(i))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| DbError::new(error_text(&e)))?;
            out.push(cells);
        }
        Ok(out)
    }

    /// Cannot be asked without waiting: either way it is taken (waiting up to the request
    /// timeout), or a clear error.
    fn lock(&mut self, _wait: Wait) -> Result<bool, DbError> {
        let sql = lock::lock_sql(lock::REQUEST_TIMEOUT_SECS);
        let fail = |e: oracle::Error| lock::lock_error(&self.user, &error_text(&e));
        let mut stmt = self.conn.statement(&sql).build().map_err(fail)?;
        stmt.bind(lock::HANDLE_BIND, &OracleType::Varchar2(128))
            .map_err(fail)?;
        stmt.execute(&[]).map_err(fail)?;
        let handle: String = stmt.bind_value(lock::HANDLE_BIND).map_err(fail)?;
        self.lock_handle = Some(handle);
        Ok(true)
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        // Releasing by the handle kept from lock() avoids ALLOCATE_UNIQUE, which would commit
        // whatever the failed run left open.
        let Some(handle) = self.lock_handle.take() else {
            return Ok(());
        };
        self.conn
            .execute(&lock::unlock_sql(&handle), &[])
            .map(|_| ())
            .map_err(|e| DbError::new(format!("cannot release the govup lock: {}", error_text(&e))))
    }

    fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DbError> {
        let ident = match schema {
            Some(s) => DIALECT.quote_ident(s),
            None => quote_exact(&self.home_schema),
        };
        let name = schema.map_or_else(|| self.home_schema.clone(), canonical_ident);
        self.conn
            .execute(&use_schema_sql(&ident), &[])
            .map(|_| ())
            .map_err(|e| {
                DbError::new(format!(
                    "cannot switch to schema {name}: {}",
                    error_text(&e)
                ))
            })
    }

    fn describe(&self) -> String {
        self.url.describe()
    }

    /// Oracle opens a transaction with the first change; all `Begin` does is stop committing
    /// every statement until `Commit` or `Rollback`.
    fn transaction(&mut self, tx: Tx) -> Result<(), DbError> {
        let done = match tx {
            Tx::Begin => {
                self.conn.set_autocommit(false);
                return Ok(());
            }
            Tx::Commit => self.conn.commit(),
            Tx::Rollback => self.conn.rollback(),
        };
        self.conn.set_autocommit(true);
        done.map_err(|e| DbError::new(error_text(&e)))
    }

    fn contention(&mut self) -> Option<&mut dyn Contention> {
        Some(self)
    }
}

/// `DDL_LOCK_TIMEOUT` per session.
impl Contention for OracleConnection {
    fn set_lock_timeout(&mut self, timeout: std::time::Duration) -> Result<(), DbError> {
        self.execute(&lock::timeout_sql(timeout))
    }

    fn lock_wait(&mut self, error: &DbError, statement: &str) -> Option<LockWait> {
        lock::lock_wait(error, statement)
    }
}

/// The statement that makes `quoted` the default schema for unqualified names.
pub fn use_schema_sql(quoted: &str) -> String {
    format!("ALTER SESSION SET CURRENT_SCHEMA = {quoted}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> OracleUrl {
        OracleUrl::parse("oracle://govway:s3cret@db:1521/FREEPDB1").unwrap()
    }

    #[test]
    fn missing_client_gets_a_clear_message() {
        let long = "DPI-1047: Cannot locate a 64-bit Oracle Client library: \"libclntsh.so: cannot open shared object file: No such file or directory\". See https://oracle.github.io/odpi/doc/installation.html#linux for help";
        let e = connect_error_text(&url(), Some(1047), long);
        assert_eq!(
            e.message,
            "cannot load the oracle client library (libclntsh) to connect to db:1521/FREEPDB1 as govway: install Oracle Instant Client and put its directory on LD_LIBRARY_PATH"
        );
    }

    #[test]
    fn other_connect_errors_name_the_server() {
        let e = connect_error_text(
            &url(),
            None,
            "ORA-01017: invalid username/password; logon denied",
        );
        assert_eq!(
            e.message,
            "cannot connect to oracle at db:1521/FREEPDB1 as govway: ORA-01017: invalid username/password; logon denied"
        );
    }

    #[test]
    fn connect_without_a_client_or_server_fails_in_one_line() {
        // No Oracle client is installed here: the missing-library message. Should a client be
        // present, nothing listens on this port: a connection error naming the server.
        let e = match connect("oracle://govway:s3cret@127.0.0.1:1/NOPE") {
            Ok(_) => panic!("connected to a server that cannot exist"),
            Err(e) => e,
        };
        assert!(!e.message.contains('\n'));
        assert!(!e.message.contains("s3cret"));
        assert!(e.message.contains("127.0.0.1:1/NOPE"), "{}", e.message);
        if e.message.contains("libclntsh") {
            assert_eq!(
                e.message,
                "cannot load the oracle client library (libclntsh) to connect to 127.0.0.1:1/NOPE as govway: install Oracle Instant Client and put its directory on LD_LIBRARY_PATH"
            );
        } else {
            assert!(
                e.message
                    .starts_with("cannot connect to oracle at 127.0.0.1:1/NOPE as govway: "),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn bad_url_fails_before_loading_anything() {
        let e = connect("oracle://govway:s3cret@db").err().unwrap();
        assert_eq!(
            e.message,
            "invalid oracle url oracle://govway:***@db: the service name is missing"
        );
    }

    #[test]
    fn use_schema_statement() {
        assert_eq!(
            use_schema_sql(&DIALECT.quote_ident("govway")),
            "ALTER SESSION SET CURRENT_SCHEMA = \"GOVWAY\""
        );
        assert_eq!(
            use_schema_sql(&DIALECT.quote_ident("Tenant")),
            "ALTER SESSION SET CURRENT_SCHEMA = \"Tenant\""
        );
        assert_eq!(
            use_schema_sql(&quote_exact("lower_home")),
            "ALTER SESSION SET CURRENT_SCHEMA = \"lower_home\""
        );
    }

    #[test]
    fn compilation_error_query_is_one_statement() {
        let stmts = govup_sql::oracle::split(LAST_COMPILATION_ERROR_SQL).unwrap();
        assert_eq!(stmts.len(), 1);
        assert!(LAST_COMPILATION_ERROR_SQL.contains("WHERE ROWNUM = 1"));
    }
}
