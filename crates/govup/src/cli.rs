//! The command line, as `spec/cli-contract.md` fixes it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use govup_planner::{DbType, Version};
use govup_schema_map::Role;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "govup",
    version,
    about = "Plans and applies versioned SQL patch trees to production databases",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the ordered patches from one version to another, with what is skipped and why
    #[command(
        after_help = "Example:\n  govup plan --dir sql-samples --db sqlite --from 1.0.0 --to latest"
    )]
    Plan(PlanArgs),
    /// Draw the version DAG of a tree: minor steps, crossings, baselines (dashed)
    #[command(after_help = "Example:\n  govup graph --dir sql-samples --format mermaid")]
    Graph(GraphArgs),
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The upgrade tree: a directory of upgrade_<FROM>_to_<TO> steps
    #[arg(long, value_name = "TREE")]
    pub dir: PathBuf,
    /// Which database folder of the tree to plan for (default: `db` of the schema map)
    #[arg(long, value_name = "DBTYPE")]
    pub db: Option<DbType>,
    /// The version the database is at
    #[arg(long, value_name = "VERSION")]
    pub from: Version,
    /// The version to reach, or `latest`
    #[arg(long, value_name = "VERSION")]
    pub to: ToVersion,
    /// The installation's map.toml: schemas and connections per role
    #[arg(long, value_name = "MAP.toml")]
    pub schema_map: Option<PathBuf>,
    /// A role this installation does not upgrade with govup (repeatable)
    #[arg(long, value_name = "ROLE")]
    pub skip_role: Vec<Role>,
    /// Plan even when the database holds patches the target does not
    #[arg(long)]
    pub allow_lateral: bool,
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The upgrade tree
    #[arg(long, value_name = "TREE")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

/// `--to`: a version, or the newest version of the tree.
#[derive(Clone, Debug)]
pub enum ToVersion {
    Latest,
    Exactly(Version),
}

impl std::str::FromStr for ToVersion {
    type Err = govup_planner::VersionError;

    fn from_str(s: &str) -> Result<ToVersion, Self::Err> {
        if s == "latest" {
            return Ok(ToVersion::Latest);
        }
        s.parse().map(ToVersion::Exactly)
    }
}
