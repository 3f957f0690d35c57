//! Reads an upgrade tree and plans the route between two versions of a database.
//!
//! An upgrade tree is a directory of steps (`upgrade_3.3.17_to_3.3.18`, `upgrade_3.3.x_to_3.4.0`),
//! each holding SQL patches per database type. This crate turns it into a DAG over versions and
//! answers one question: *which patches, in which order, take a database from A to B?* The rules
//! are those of `docs/upgrade-tree.md`, and each module owns one part of them:
//!
//! - [`version`]: `P.M.m` levels, lines, build tags (`3.3.19.p1` is level 3.3.19);
//! - [`names`]: the grammars of step directories and patch files;
//! - [`tree`]: reading the tree, following links (real or stubbed) no further than the link
//!   root and only to regular files within a size limit ([`link`]), hashing each patch;
//! - [`load`]: a tree read for a command, refused for planning when it holds an error;
//! - [`graph`]: the version DAG in petgraph and the content forest behind S(V);
//! - [`contents`]: patch identity (file name, SHA-256) and S(V) for one database type;
//! - [`plan`]: the route with line levels, lateral and downgrade refusal, skip reasons, and the
//!   final check that a plan ends exactly on S(B).
//!
//! What it deliberately does not do: it never opens a database connection, never reads an
//! installation's schema map (areas become roles and schemas in `govup-schema-map`) and never
//! prints. Problems with the tree are [`Finding`]s tied to a file, collected rather than thrown,
//! so that `govup lint` can report all of them and `govup plan` can refuse on the first.

pub mod contents;
pub mod db;
pub mod digest;
mod fanout;
pub mod file;
pub mod finding;
pub mod graph;
pub mod link;
mod listing;
pub mod load;
pub mod names;
pub mod plan;
pub mod tree;
pub mod version;

pub use contents::{Contents, PatchId};
pub use db::DbType;
pub use digest::Sha256;
pub use finding::{Finding, FindingKind, Severity};
pub use graph::VersionGraph;
pub use link::{find_link_root, LinkError, DEFAULT_MAX_FILE_SIZE};
pub use load::{LoadError, Loaded};
pub use plan::{
    plan, Action, Lateral, Mismatch, Plan, PlanError, PlannedPatch, PlannedStep, Request,
    SkipReason,
};
pub use tree::{DbSelection, Patch, ReadOptions, SqlFile, Step, Tree, TreeError};
pub use version::{Level, Line, Version, VersionError};
