//! `govup man DIR`: writes `govup.1` and one `govup-VERB.1` per verb into DIR, from the same
//! clap definitions that parse the command line. `cargo xtask dist` renders the packaged pages
//! with it, from the very binary it packages; the pages are never edited by hand nor committed.

use crate::cli::Cli;
use crate::failure::Failure;
use clap::{Args, CommandFactory};
use std::path::PathBuf;

pub const EXAMPLES: &str = "Example (after `cargo install`; man finds pages beside the bin folder on PATH):\n  govup man ~/.cargo/share/man/man1 && man govup-apply";

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Where to write the pages; created if missing, same-named pages replaced
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

pub fn run(args: &ManArgs) -> anyhow::Result<()> {
    let cannot = |e: std::io::Error| {
        Failure::failed(format!(
            "cannot write the man pages into {}: {e}",
            args.dir.display()
        ))
    };
    std::fs::create_dir_all(&args.dir).map_err(cannot)?;
    // Built first so that each verb's name is `govup-VERB`, as its page is.
    let mut cli = Cli::command().disable_help_subcommand(true);
    cli.build();
    let source = format!("govup {}", env!("CARGO_PKG_VERSION"));
    let verbs = cli.get_subcommands().filter(|verb| !verb.is_hide_set());
    for cmd in std::iter::once(&cli).chain(verbs) {
        clap_mangen::Man::new(cmd.clone())
            .source(source.clone())
            .manual("govup manual")
            .generate_to(&args.dir)
            .map_err(cannot)?;
    }
    Ok(())
}
