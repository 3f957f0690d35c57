//! What a fleet run did, per installation: the `govup-fleet/1` document.

use crate::shard::Shard;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// What happened to one installation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FleetResult {
    /// At least one patch or info-patch ran.
    Applied,
    /// Nothing to run: already at the target, or every patch already recorded.
    UpToDate,
    Failed,
    /// Never started: the fleet stopped first.
    NotStarted,
}

impl FleetResult {
    pub fn as_str(self) -> &'static str {
        match self {
            FleetResult::Applied => "applied",
            FleetResult::UpToDate => "up_to_date",
            FleetResult::Failed => "failed",
            FleetResult::NotStarted => "not_started",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub name: String,
    pub db: String,
    /// The version it started from; None when it failed before knowing, or never started.
    pub from: Option<String>,
    pub to: String,
    pub result: FleetResult,
    /// None when it never started.
    pub duration_ms: Option<u128>,
    /// One line, passwords masked.
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub inventory: String,
    /// `I/N`, or None for the whole inventory.
    pub shard: Option<String>,
    pub installations: Vec<Entry>,
    pub applied: usize,
    pub up_to_date: usize,
    pub failed: usize,
    pub not_started: usize,
    pub duration_ms: u128,
}

impl Report {
    pub fn new(
        inventory: &Path,
        shard: Shard,
        installations: Vec<Entry>,
        took: Duration,
    ) -> Report {
        let count = |r: FleetResult| installations.iter().filter(|e| e.result == r).count();
        Report {
            format: "govup-fleet/1",
            inventory: inventory.display().to_string(),
            shard: (shard != Shard::ALL).then(|| shard.to_string()),
            applied: count(FleetResult::Applied),
            up_to_date: count(FleetResult::UpToDate),
            failed: count(FleetResult::Failed),
            not_started: count(FleetResult::NotStarted),
            installations,
            duration_ms: took.as_millis(),
        }
    }

    /// Every installation applied or up to date.
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.not_started == 0
    }
}
