//! PostgreSQL for govup: the [`Postgres`] dialect (splitting patches the way `psql` does, quoting,
//! the history table; from `govup-sql`, re-exported) and [`PgConnection`], a live session implementing the engine's `Driver`.
//!
//! - [`split`]: statements end at `;` outside literals, quoted identifiers, comments, dollar
//!   quotes, parentheses and SQL-standard function bodies;
//! - [`connect`]: `postgres://` / `postgresql://` URLs through the synchronous `postgres` client,
//!   with rustls only when `sslmode` asks for TLS (libpq's meanings of `require`, `verify-ca`,
//!   `verify-full`, and `sslrootcert`);
//! - the upgrade lock is a session-level advisory lock, so a crashed run never leaves it behind;
//! - `use_schema` moves `search_path` and puts the connection's own back afterwards;
//! - the safety hooks: `catalog` reads a schema from `pg_catalog`; `backup` and `restore` run
//!   `pg_dump -Fc` and `pg_restore` on one schema; `create_scratch` copies the database with
//!   `CREATE DATABASE ... TEMPLATE` or, when other sessions are connected, `pg_dump | pg_restore`;
//!   `drop_scratch` drops only databases named the way `create_scratch` names them. The client
//!   programs come from `PATH` or `/usr/lib/postgresql/<major>/bin`, and get the URL's settings
//!   and password through libpq's environment, never on their command line.
//!
//! What it deliberately does not do: it never decides what to run or records history (the
//! engine does, through the `Driver` trait), never interprets `psql` meta-commands, never reads
//! `PG*` environment variables or the system certificate store on its own (the programs it runs
//! get no inherited `PG*` variable either; only [`conventional_password`], which the binary
//! calls for a URL with a user and no password, reads `PGPASSWORD`, `PGPASSFILE` and
//! `~/.pgpass`), and never links OpenSSL. Passwords never appear in its messages: URLs are
//! shown as `user:***@`. A password given beside the URL ([`connect_with`]) and the session
//! statements follow every session it opens for that connection: maintenance, scratch copies,
//! a session reopened after a copy. `pg_dump` and `pg_restore` get the password, not the
//! statements (libpq's programs take settings, not statements, from their environment).

mod backup;
mod blockers;
mod catalog;
mod cells;
mod connection;
mod error;
mod lock;
mod namespace;
mod pgpass;
mod programs;
mod restore;
mod scratch;
mod tls;
mod url;

pub use connection::{connect, connect_with, PgConnection};
pub use govup_sql::postgres::split;
pub use govup_sql::postgres::{Postgres, DIALECT};
pub use pgpass::conventional_password;

/// Whether `url` is a PostgreSQL URL this driver reads, without connecting: a malformed URL is
/// bad usage, told apart from a server that cannot be reached.
pub fn check_url(url: &str) -> Result<(), govup_engine::DbError> {
    url::Target::parse(url)
        .map(drop)
        .map_err(govup_engine::DbError::new)
}
