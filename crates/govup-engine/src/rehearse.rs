//! `govup rehearse`: the same upgrade on throwaway copies of the live databases.
//!
//! Each connection's driver makes a copy beside the original (`create_scratch(true)`), the
//! ordinary apply sequence runs on the copies, and the copies are dropped whatever happened. The
//! originals are only read (to copy them); no lock is taken on them, since nothing is written.

use crate::apply::apply;
use crate::connections::{Conn, Connections, Connector};
use crate::error::ApplyError;
use crate::events::Observer;
use crate::job::{Job, Options, Report};
use crate::maintenance::{require, require_all};
use crate::url::redact;

pub struct Rehearsal {
    /// The copies, as redacted URLs.
    pub copies: Vec<String>,
    /// What the upgrade did on the copies, or why it failed there.
    pub result: Result<Report, ApplyError>,
    /// Copies that could not be dropped, with the reason: the operator must drop them.
    pub left_behind: Vec<String>,
}

/// Where a copy holds only its connection's own database, a role routed to a schema would run
/// against the original schema of that name.
fn refuse_schemas_outside_the_copies(
    job: &Job<'_>,
    originals: &mut Connections,
) -> Result<(), ApplyError> {
    for target in job.map.info_patch_targets() {
        let conn = originals.for_target(&target);
        let apart = conn.driver.dialect().capabilities().schemas_are_databases;
        if let (Some(schema), true) = (&target.schema, apart) {
            return Err(ApplyError::Usage(format!(
                "cannot rehearse on {}: the schema map routes a role to {schema}, which a copy of this {} database would not hold, so the rehearsal would write to the original; give it a URL of its own under [urls]",
                conn.driver.describe(),
                conn.driver.dialect().name()
            )));
        }
    }
    Ok(())
}

/// Drops the scratch databases a killed govup left beside the originals: those no session uses
/// whose name holds the id of a process no longer running on this host. A failure to list or
/// drop them does not stop the rehearsal; it is said.
fn drop_abandoned_copies(originals: &mut Connections, observer: &mut dyn Observer) {
    for conn in originals.list.iter_mut() {
        let describe = conn.driver.describe();
        let Some(maintenance) = conn.driver.maintenance() else {
            continue;
        };
        let idle = match maintenance.idle_scratch() {
            Ok(idle) => idle,
            Err(e) => {
                observer.note(&format!(
                    "warning: cannot list leftover scratch databases beside {describe}: {e}"
                ));
                continue;
            }
        };
        for left in idle {
            if left.pid == std::process::id() || process_alive(left.pid) {
                continue;
            }
            match maintenance.drop_scratch(&left.url) {
                Ok(()) => observer.note(&format!(
                    "dropped scratch database {}, left by govup process {}, which is no longer running",
                    left.name, left.pid
                )),
                Err(e) => observer.note(&format!(
                    "warning: cannot drop scratch database {}, left by govup process {}: {e}",
                    left.name, left.pid
                )),
            }
        }
    }
}

/// Whether a process with this id runs on this host. Without `/proc` it cannot be told, and a
/// copy that may be in use is never dropped: alive.
fn process_alive(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

pub fn rehearse(
    job: &Job<'_>,
    originals: &mut Connections,
    connect: &mut Connector<'_>,
    opts: &Options,
    observer: &mut dyn Observer,
) -> Result<Rehearsal, ApplyError> {
    require_all(originals, "rehearse")?;
    refuse_schemas_outside_the_copies(job, originals)?;
    drop_abandoned_copies(originals, observer);
    let mut urls: Vec<String> = Vec::new();
    let mut copies = Connections { list: vec![] };
    let made = (|| {
        for conn in originals.list.iter_mut() {
            let describe = conn.driver.describe();
            let url = require(conn.driver.as_mut(), "rehearse")?
                .create_scratch(true)
                .map_err(|error| ApplyError::Scratch {
                    conn: describe,
                    action: "copy the database for the rehearsal".into(),
                    error,
                })?;
            urls.push(url.clone());
            let driver = connect(&url).map_err(|error| ApplyError::Connect {
                url: redact(&url),
                error,
            })?;
            copies.list.push(Conn::new(conn.key.clone(), driver));
        }
        Ok(())
    })();
    let result = match made {
        Ok(()) => {
            let mut opts = opts.clone();
            opts.backup = None;
            opts.dry_run = false;
            apply(job, &mut copies, &opts, observer)
        }
        Err(e) => Err(e),
    };
    drop(copies);
    let mut left_behind = Vec::new();
    for (conn, url) in originals.list.iter_mut().zip(&urls) {
        // Every connection has maintenance: `require_all` said so before anything was copied.
        let Some(maintenance) = conn.driver.maintenance() else {
            continue;
        };
        if let Err(e) = maintenance.drop_scratch(url) {
            left_behind.push(format!("{}: {e}", redact(url)));
        }
    }
    Ok(Rehearsal {
        copies: urls.iter().map(|u| redact(u)).collect(),
        result,
        left_behind,
    })
}
