//! The engine on real SQLite files: the apply sequence, history, resume, dry run, refusals.

mod sqlite_apply;
mod sqlite_failures;
mod support;
