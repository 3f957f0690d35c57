//! Fleets: one upgrade over many installations of the same product (one per tenant or
//! environment), from an inventory file.
//!
//! [`inventory`] reads and checks `FLEET.toml` (every refusal names the file and the line or
//! installation, before anything runs). [`shard`] picks a machine's deterministic share.
//! [`schedule`] runs the share: canaries one at a time, then up to `jobs` at once, and the stop
//! rule after a failure. [`prepare`] resolves every installation and reads every tree once;
//! [`run`] applies one installation through the engine and classifies what happened; [`report`]
//! is the result, serialisable as `govup-fleet/1`.
//!
//! What it deliberately does not do: it knows no driver (the caller hands it a connector and the
//! URL rules), prints nothing (the caller hears of each start and finish and renders the report),
//! and adds no coordination of its own between machines: each installation's own upgrade lock is
//! what keeps two runners off one database.

pub mod inventory;
pub mod prepare;
pub mod report;
pub mod run;
pub mod schedule;
pub mod shard;

pub use inventory::{Inventory, InventoryError, Member, Target, ToSpec};
pub use prepare::{prepare, PrepareError, Prepared, Resolved};
pub use report::Report;
pub use report::{Entry, FleetResult};
pub use run::{apply_one, not_started, options_for};
pub use schedule::{run_all, Schedule};
pub use shard::Shard;
