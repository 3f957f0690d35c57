//! What the engine reports while it works, and what it did.

use govup_planner::SkipReason;
use govup_schema_map::Target;
use std::time::Duration;

/// What happened to one patch or info-patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied {
        statements: usize,
        duration: Duration,
    },
    /// A partial run was completed from `from_statement` (1-based).
    Resumed {
        from_statement: usize,
        statements: usize,
        duration: Duration,
    },
    /// The plan skips it, for the plan's reason: kept typed, so that every renderer words it
    /// (or codes it) the same way.
    Skipped(SkipReason),
    /// `govup_history` says it already ran here.
    AlreadyApplied,
    /// Its role is upgraded by someone else.
    RoleSkipped,
    /// Dry run: it would run these many statements.
    WouldApply { statements: usize },
}

#[derive(Clone, Debug)]
pub struct PatchReport {
    /// The step's index in the routed plan's steps.
    pub step: usize,
    /// The step's directory, for display only: the index is what identifies the step.
    pub step_dir: String,
    pub path: String,
    pub info: bool,
    pub target: Target,
    pub outcome: Outcome,
}

/// One statement a dry run would execute, where it would run.
#[derive(Clone, Debug)]
pub struct PlannedStatement {
    pub connection: String,
    pub schema: Option<String>,
    pub path: String,
    pub line: u32,
    pub text: String,
}

/// One statement that ran (or failed), for progress and per-step logs.
#[derive(Clone, Debug)]
pub struct StatementEvent<'a> {
    pub path: &'a str,
    pub line: u32,
    pub text: &'a str,
    pub schema: Option<&'a str>,
    /// The time of the round trip it was sent in.
    pub duration: Duration,
    /// How many statements that round trip carried (1: this one alone).
    pub batch: usize,
    /// The database's message when the statement failed.
    pub error: Option<&'a str>,
}

/// Progress callbacks; every method has a default so an observer implements what it shows.
pub trait Observer {
    /// The plan is known: this many patches and info-patches will run.
    fn started(&mut self, _runs: usize, _statements: usize) {}
    fn step_started(&mut self, _dir: &str) {}
    fn statement_done(&mut self, _event: &StatementEvent<'_>) {}
    fn patch_done(&mut self, _report: &PatchReport) {}
    /// A step finished (committed where the database can).
    fn step_done(&mut self, _dir: &str) {}
    /// Something worth a line in the output: a backup taken, a restore done.
    fn note(&mut self, _text: &str) {}
}

/// An optional observer: `None` shows nothing.
impl<O: Observer> Observer for Option<O> {
    fn started(&mut self, runs: usize, statements: usize) {
        if let Some(o) = self {
            o.started(runs, statements);
        }
    }
    fn step_started(&mut self, dir: &str) {
        if let Some(o) = self {
            o.step_started(dir);
        }
    }
    fn statement_done(&mut self, e: &StatementEvent<'_>) {
        if let Some(o) = self {
            o.statement_done(e);
        }
    }
    fn patch_done(&mut self, r: &PatchReport) {
        if let Some(o) = self {
            o.patch_done(r);
        }
    }
    fn step_done(&mut self, dir: &str) {
        if let Some(o) = self {
            o.step_done(dir);
        }
    }
    fn note(&mut self, text: &str) {
        if let Some(o) = self {
            o.note(text);
        }
    }
}

/// An observer that shows nothing.
pub struct Silent;

impl Observer for Silent {}
