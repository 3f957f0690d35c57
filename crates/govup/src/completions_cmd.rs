//! `govup completions SHELL`: the shell's completion script on stdout, from the same clap
//! definitions that parse the command line, so it can never name a verb or flag that is gone.

use crate::cli::Cli;
use crate::failure::Failure;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;

pub const EXAMPLES: &str = "Examples:\n  govup completions bash > ~/.local/share/bash-completion/completions/govup\n  govup completions zsh > ~/.zfunc/_govup\n  govup completions fish > ~/.config/fish/completions/govup.fish";

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to write the script for
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    // Rendered to memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "govup", &mut script);
    std::io::stdout().write_all(&script).map_err(|e| {
        Failure::failed(format!(
            "cannot write the {} completions to stdout: {e}",
            args.shell
        ))
    })?;
    Ok(())
}
