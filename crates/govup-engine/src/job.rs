//! What an apply is given and what it gives back: the job, its options, the report. Every
//! stage of the sequence reads these; none of them depends on a stage.

use crate::events::{PatchReport, PlannedStatement};
use crate::origin::Source;
use govup_planner::{DbType, Tree, Version, VersionGraph};
use govup_schema_map::{RoutedPlan, SchemaMap};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// How much one transaction covers, where the database can roll DDL back. Where it cannot
/// (MySQL, Oracle), every DDL statement commits on its own; `All` and `Step` then put consecutive
/// patches of only INSERT, UPDATE and DELETE in one transaction per step, and `Patch` commits
/// statement by statement.
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
    /// As `Auto`, and this version where neither says one (a database govup has never touched,
    /// such as a new empty one): a fleet's re-run then continues each installation from its own
    /// history whatever its inventory says.
    Fallback(Version),
}

#[derive(Clone, Debug)]
pub struct Options {
    /// None: the default, one transaction for everything where DDL can be rolled back.
    pub tx: Option<TxMode>,
    pub dry_run: bool,
    pub allow_lateral: bool,
    /// Resume a partially applied patch whose bytes changed, at the first statement not done.
    pub continue_changed: bool,
    pub govup_version: String,
    pub backup: Option<BackupOptions>,
    /// Set (by a SIGINT or SIGTERM handler) to stop at the next safe point: before the next
    /// patch, or before the next statement where each statement commits on its own.
    pub stop: Option<Arc<AtomicBool>>,
    /// `--lock-timeout` and `--lock-retries`; None leaves the database's own waits as they are.
    pub lock_timeout: Option<LockTimeout>,
}

/// How long one statement may wait for a lock, and how often one that gave up runs again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockTimeout {
    pub timeout: Duration,
    /// Retries after the first attempt, 1 s apart and doubling.
    pub retries: u32,
}

/// `--backup DIR` and what goes with it.
#[derive(Clone, Debug)]
pub struct BackupOptions {
    pub dir: PathBuf,
    /// Also before every step, each in a folder named by the version the database is at.
    pub each_step: bool,
    /// Restore the first backup when the upgrade fails after it began writing.
    pub restore_on_failure: bool,
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
    /// Backup folders written, first the one taken before the first write.
    pub backups: Vec<PathBuf>,
}
