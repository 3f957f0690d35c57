//! Where each patch of a plan runs: areas become roles, roles become schemas and connections.
//!
//! A patch's area is the middle of its file name (`2025-08-05-archiviComunicazioni-patch.sql`).
//! The seed's table maps areas to four [`Role`]s; an installation's `map.toml` ([`SchemaMap`])
//! maps roles to schemas, and to connections when roles live in separate databases. [`route`]
//! puts a planner [`Plan`](govup_planner::Plan) and a map together into the list of what runs
//! where, including the schemas each step's `info-patch.sql` runs in. [`url`] holds the one
//! function that masks passwords in URLs, map lines and messages, for every crate above this one.
//!
//! [`Installation`] resolves `--url`, the map and `--db` into one database type, refusing what
//! disagrees before anything connects.
//!
//! What it deliberately does not do: it never connects to a database and never checks that a
//! schema exists (the engine does, when it connects); it does not plan (it only annotates a plan
//! the planner made) and never reorders patches.

pub mod installation;
pub mod map;
pub mod role;
pub mod route;
pub mod url;

pub use installation::{Installation, InstallationError, UrlRules};
pub use map::{MapError, SchemaMap, Target};
pub use role::{builtin_role, Role, UnknownRole};
pub use route::{route, Disposition, RoutedPatch, RoutedPlan, RoutedStep};
