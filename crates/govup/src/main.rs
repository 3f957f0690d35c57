//! `govup`: the command line. Glue only: it parses arguments, calls the library crates and
//! prints; every rule lives in a library.

/// `print!` that never panics: see [`output`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::out(&format!($($arg)*)) };
}
/// `println!` that never panics: see [`output`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::output::out(&format!("{}\n", format_args!($($arg)*))) };
}
/// `eprintln!` that never panics: see [`output`].
macro_rules! errln {
    ($($arg:tt)*) => { $crate::output::err(&format!("{}\n", format_args!($($arg)*))) };
}

mod access;
mod apply_cmd;
mod cli;
mod completions_cmd;
mod connect;
mod drift;
mod duration;
mod failure;
mod fleet_cmd;
mod graph_cmd;
mod history_cmd;
mod impact_cmd;
mod lint_cmd;
mod man_cmd;
mod output;
mod plan_cmd;
mod progress;
mod rehearse_cmd;
mod repair_cmd;
mod restore_cmd;
mod signals;
mod status_cmd;
mod step_log;
mod tables;
mod target;
mod tree_input;
mod verify_cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    output::init(cli.output.quiet, cli.output.color, cli.output.wide);
    let json = wants_json(&cli.command);
    let result = match cli.command {
        cli::Command::Plan(args) if args.impact => impact_cmd::run(&args),
        cli::Command::Plan(args) => plan_cmd::run(&args),
        cli::Command::Apply(args) => apply_cmd::run(&args),
        cli::Command::Rehearse(args) => rehearse_cmd::run(&args),
        cli::Command::Restore(args) => restore_cmd::run(&args),
        cli::Command::Verify(args) => verify_cmd::run(&args),
        cli::Command::Status(args) => status_cmd::run(&args),
        cli::Command::History(args) => history_cmd::run(&args),
        cli::Command::Repair(args) => repair_cmd::run(&args),
        cli::Command::Graph(args) => graph_cmd::run(&args),
        cli::Command::Lint(args) => lint_cmd::run(&args),
        cli::Command::Completions(args) => completions_cmd::run(&args),
        cli::Command::Man(args) => man_cmd::run(&args),
        cli::Command::Fleet(args) => fleet_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => ExitCode::from(failure::report(&err, json)),
    }
}

/// Whether the verb was asked for JSON: its failure is then a JSON object too.
fn wants_json(command: &cli::Command) -> bool {
    use cli::{Command as C, OutputFormat::Json};
    match command {
        C::Plan(a) => matches!(a.format, Json),
        C::Apply(a) | C::Rehearse(a) => matches!(a.format, Json),
        C::Verify(a) => matches!(a.format, Json),
        C::Status(a) => matches!(a.format, Json),
        C::History(a) => matches!(a.format, Json),
        C::Repair(a) => matches!(a.format, Json),
        C::Lint(a) => matches!(a.format, lint_cmd::LintFormat::Json),
        C::Fleet(a) => a.json(),
        C::Restore(_) | C::Graph(_) | C::Completions(_) | C::Man(_) => false,
    }
}
