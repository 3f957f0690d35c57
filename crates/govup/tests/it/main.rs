//! The `govup` binary, run as users run it.

mod corpus;
mod exit_codes;
mod graph;
mod plan_output;
mod support;
