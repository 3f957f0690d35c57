//! The `govup` binary, run as users run it.

mod apply_mysql;
mod apply_postgres;
mod apply_sqlite;
mod audit;
mod configure;
mod corpus;
mod exit_codes;
mod fleet;
mod galera;
mod generated_docs;
mod graph;
mod grouping_mysql;
mod hostile_trees;
mod impact;
mod interrupt;
mod lint;
mod lock_scope;
mod lock_timeout;
mod plan_output;
mod read_only;
mod replicas;
mod resume_mysql;
mod safety;
mod secrets;
mod support;
mod targets;
