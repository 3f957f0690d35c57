//! Signals during an upgrade. SIGHUP (a closed terminal, a dropped SSH session) is ignored: the
//! upgrade goes on, as it does when output goes away. SIGINT and SIGTERM ask the engine to stop
//! at its next safe point, where the history tells exactly what ran.

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Installs the handlers; returns the flag SIGINT and SIGTERM set.
pub fn install() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Without the handler the default (terminate at once) stays: no worse than today.
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    // A handler that sets a flag nobody reads: SIGHUP no longer ends the process.
    let _ = signal_hook::flag::register(SIGHUP, Arc::new(AtomicBool::new(false)));
    stop
}
