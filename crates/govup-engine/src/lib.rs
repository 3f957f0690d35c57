//! The apply sequence of govup, written once for every database.
//!
//! [`apply`] owns the order of an upgrade: take the lock on every connection → read
//! `govup_history` → refuse if an applied patch changed → find the start version (given, or from
//! the history, or from GovWay's `db_info`) → plan → read and split every patch that will run →
//! open the transaction the `--tx` mode asks for → create the history tables → run each patch
//! statement by statement in its schema and record it → end each step with its info-patch in every
//! schema → commit → release the lock. The lock is a guard ([`Locked`]), so an early return or an
//! error releases it as surely as success does.
//!
//! The sequence is a chain of values, each stage consuming the one before (see the [`mod@apply`]
//! module): a session (locked, histories read), the start version found, everything prepared
//! (plan, routes, patches split, refusals made, the transaction policy decided once), and the
//! [`Report`]. Skip reasons and step indexes stay typed in the report; only renderers word them.
//!
//! Databases enter only through two traits in [`driver`]: a [`Dialect`] (splitting, quoting,
//! history DDL: text only) and a [`Driver`] (one live connection). Where a database can roll DDL
//! back, a failure rolls back the transaction; where it cannot (MySQL, Oracle), the history row of
//! a patch counts its completed statements as they complete, and a re-run resumes at the first one
//! that did not.
//!
//! What it deliberately does not do: it contains no SQL dialect (no splitting rules, no
//! database-specific statement), does not parse URLs beyond their scheme, does not print, and
//! does not plan (it asks `govup-planner`). It never applies a patch whose identity the history
//! records as applied in that schema.

pub mod apply;
pub mod backup;
mod batch;
pub mod catalog;
pub mod connect_options;
pub mod connections;
pub mod driver;
pub mod error;
pub mod events;
mod execute;
mod executor;
pub mod history;
mod job;
pub mod maintenance;
pub mod origin;
mod policy;
mod prepare;
pub mod rehearse;
pub mod repair;
mod session;
pub mod status;
pub mod url;
pub mod verify;

pub use apply::apply;
pub use catalog::{diff, Catalog, Column, Constraint, Difference, Index, Sequence};
pub use connect_options::{ConnectOptions, PasswordLookup, Secret};
pub use connections::{Conn, Connections, Connector, Locked};
pub use driver::{
    execute_each, execute_in_transaction, first_word_is, script, Batching, Capabilities,
    Contention, DbError, Dialect, Driver, DriverExt, Inspect, LockWait, Replicas, Replication,
    SplitError, Statement, Tx, Wait,
};
pub use error::ApplyError;
pub use events::{Observer, Outcome, PatchReport, PlannedStatement, Silent, StatementEvent};
pub use job::{BackupOptions, Job, LockTimeout, Options, Report, Start, TxMode};
pub use maintenance::{IdleScratch, Maintenance, MaxLen, ScratchForm, ScratchKind, ScratchName};
pub use origin::{unknown_why, Source};
pub use rehearse::{rehearse, Rehearsal};
pub use status::{pending, status, DbStatus};
