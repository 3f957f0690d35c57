//! Oracle for govup: the [`Oracle`] dialect (splitting patches as SQL*Plus would, identifier
//! case, history DDL; from `govup-sql`, re-exported) and [`OracleConnection`], a live session implementing the engine's
//! [`Driver`](govup_engine::driver::Driver).
//!
//! # Connecting
//!
//! `oracle://user:password@host:port/service_name`, port 1521 by default, user and password
//! percent-encoded where needed. It becomes the Easy Connect string `//host:port/service_name`.
//! The `oracle` crate bundles ODPI-C, which loads the Oracle client library (`libclntsh`) when
//! the first connection opens: the crate builds without it, and a machine without Oracle
//! Instant Client gets `cannot load the oracle client library (libclntsh) ...` at connect.
//!
//! # Splitting
//!
//! Plain SQL ends at `;` (not part of the statement). PL/SQL units end at a line holding only
//! `/` and keep their final `END;`: `CREATE [OR REPLACE] [EDITIONABLE|NONEDITIONABLE]
//! TRIGGER|PROCEDURE|FUNCTION|PACKAGE [BODY]|TYPE [BODY]` and blocks starting with `DECLARE` or
//! `BEGIN`. A `/` line after a statement already ended by `;` is ignored. Quotes (`'...'`,
//! `q'[...]'` and its other delimiters, `"..."`) and comments never end a statement.
//!
//! # Identifiers
//!
//! Oracle upper-cases unquoted names, so [`Dialect::quote_ident`](govup_engine::driver::Dialect)
//! upper-cases a plain lower-case word (`[a-z][a-z0-9_]*`) before quoting it: the engine's
//! `govup_history` becomes `"GOVUP_HISTORY"`, the table that unquoted SQL also names, and a
//! schema `govway` in `map.toml` is `"GOVWAY"`. Any other name (`Tenant`, `GOVWAY`) is quoted
//! exactly as written.
//!
//! # Transactions
//!
//! DDL commits implicitly, so the dialect declares no transactional DDL and the engine records
//! progress statement by statement. Outside `Tx::Begin`..`Tx::Commit` every statement commits on
//! its own; `Tx::Begin` sends nothing, it only stops that until the next commit or rollback.
//!
//! # Lock
//!
//! The upgrade lock is the `DBMS_LOCK` user lock `govup:<USER>`, held by the session (it dies with
//! it) and requested in a loop so that a second govup waits. The user needs a grant that Oracle
//! does not give by default; a DBA runs:
//!
//! ```sql
//! GRANT EXECUTE ON SYS.DBMS_LOCK TO govway;
//! ```
//!
//! # Not here
//!
//! No SQL*Plus commands (`SET`, `PROMPT`, `@file`, `SPOOL`): patches are SQL and PL/SQL only. No
//! bind variables in patches: a `:name` outside a trigger body is an error from Oracle. No
//! wallet, TNS alias or `SYSDBA` connections.

mod connection;
mod lock;
mod url;

pub use connection::{connect, connect_with, OracleConnection};
pub use govup_sql::oracle::{Oracle, DIALECT};

/// Whether `url` is an Oracle URL this driver reads, without loading the client library: a
/// malformed URL is bad usage, told apart from a server that cannot be reached.
pub fn check_url(url: &str) -> Result<(), govup_engine::DbError> {
    url::OracleUrl::parse(url).map(drop)
}
