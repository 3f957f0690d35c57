//! One installation of a fleet: an ordinary apply through the engine, with its own connections
//! and its own lock, classified for the report.

use crate::prepare::Resolved;
use crate::report::{Entry, FleetResult};
use govup_engine::{apply, Connections, Connector, Job, Observer, Options, Outcome, Start};
use govup_planner::Loaded;
use govup_schema_map::url::redact;
use std::time::Instant;

/// `base` for installation `name`: its backups go to `DIR/<name>/`.
pub fn options_for(base: &Options, name: &str) -> Options {
    let mut opts = base.clone();
    if let Some(backup) = &mut opts.backup {
        backup.dir = backup.dir.join(name);
    }
    opts
}

/// Applies `r` (whose tree is `tree`) and says what happened. Never panics on a failed apply:
/// the failure is the entry's `error`, one line with passwords masked.
pub fn apply_one(
    r: &Resolved,
    tree: &Loaded,
    opts: &Options,
    connect: &mut Connector<'_>,
    observer: &mut dyn Observer,
) -> Entry {
    let clock = Instant::now();
    let job = Job {
        tree: &tree.tree,
        graph: &tree.graph,
        db: r.inst.db,
        map: &r.inst.map,
        start: match &r.member.from {
            Some(v) => Start::Fallback(v.clone()),
            None => Start::Auto,
        },
        to: r.to.clone(),
    };
    let opts = options_for(opts, &r.member.name);
    let result = Connections::open(&r.inst.url, &r.inst.map, connect)
        .and_then(|mut conns| apply(&job, &mut conns, &opts, observer));
    let mut entry = Entry {
        name: r.member.name.clone(),
        db: r.inst.db.to_string(),
        from: None,
        to: r.to.to_string(),
        result: FleetResult::Failed,
        duration_ms: None,
        error: None,
    };
    match result {
        Ok(report) => {
            let ran = report
                .patches
                .iter()
                .any(|p| matches!(p.outcome, Outcome::Applied { .. } | Outcome::Resumed { .. }));
            entry.from = Some(report.from.to_string());
            entry.result = if ran {
                FleetResult::Applied
            } else {
                FleetResult::UpToDate
            };
        }
        Err(e) => {
            let mut text = e.to_string();
            for d in e.details() {
                text.push_str("; ");
                text.push_str(&d);
            }
            entry.error = Some(redact(&text.replace('\n', " ")));
        }
    }
    entry.duration_ms = Some(clock.elapsed().as_millis());
    entry
}

/// The entry of an installation that never started.
pub fn not_started(r: &Resolved) -> Entry {
    Entry {
        name: r.member.name.clone(),
        db: r.inst.db.to_string(),
        from: None,
        to: r.to.to_string(),
        result: FleetResult::NotStarted,
        duration_ms: None,
        error: None,
    }
}
