//! The apply sequence, written once, as a chain of stages, each consuming the one before:
//!
//! `Session` (connections locked, schemas checked, histories read and trusted) →
//! `Started` (the start version found) → `Prepared` (plan routed, every patch that runs read
//! and split, every refusal made, the transaction policy decided) → [`Report`] (executed, or a
//! dry run). The lock is a guard inside the session, so every early return releases it.

use crate::connections::Connections;
use crate::error::ApplyError;
use crate::events::Observer;
use crate::job::{Job, Options, Report};
use crate::session::Session;
use std::time::Instant;

/// Applies `job` on `conns`. See the module doc for the sequence.
pub fn apply(
    job: &Job<'_>,
    conns: &mut Connections,
    opts: &Options,
    observer: &mut dyn Observer,
) -> Result<Report, ApplyError> {
    let clock = Instant::now();
    if opts.backup.is_some() {
        crate::maintenance::require_all(conns, "back up")?;
    }
    let prepared = Session::open(job, conns, opts.dry_run, observer)?
        .start(&job.start)?
        .prepare(job, opts)?;
    let mut report = if opts.dry_run {
        prepared.dry_run()
    } else {
        prepared.execute(opts, observer)?
    };
    report.duration = clock.elapsed();
    Ok(report)
}
