//! The engine on real SQLite files (the apply sequence, history, resume, dry run, refusals), and
//! on the test kit's fake database (every transaction mode, kills and failures at every
//! statement, grouping, refusals): no server.

mod fake;
mod sqlite_apply;
mod sqlite_failures;
mod support;
