//! `govup`: the command line. Glue only: it parses arguments, calls the library crates and
//! prints; every rule lives in a library.

mod apply_cmd;
mod cli;
mod connect;
mod failure;
mod graph_cmd;
mod plan_cmd;
mod progress;
mod status_cmd;
mod target;
mod tree_input;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Plan(args) => plan_cmd::run(&args),
        cli::Command::Apply(args) => apply_cmd::run(&args),
        cli::Command::Status(args) => status_cmd::run(&args),
        cli::Command::Graph(args) => graph_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(failure::report(&err)),
    }
}
