//! The command line, as `docs/cli-contract.md` fixes it.

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
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every verb takes: how much to print, in colour or not, how wide.
#[derive(Args, Debug)]
pub struct OutputArgs {
    /// Print nothing but a failing command's error (the exit code tells the rest)
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// Colour errors, warnings and skips: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = crate::output::ColorWhen::Auto, global = true)]
    pub color: crate::output::ColorWhen,
    /// Print tables at their full width even when the terminal is narrower
    #[arg(long, global = true)]
    pub wide: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the ordered patches from one version to another, with what is skipped and why
    #[command(
        after_help = "Example:\n  govup plan --dir sql-samples --db sqlite --from 1.0.0 --to latest"
    )]
    Plan(PlanArgs),
    /// Apply a plan to a database, recording what ran so that a re-run resumes
    #[command(
        after_help = "Examples:\n  govup apply --dir sql-samples --url sqlite:orders.db --from 1.0.0 --to latest\n  govup apply --dir TREE --url postgres://govway@db/govway --to 3.4.3 --dry-run"
    )]
    Apply(ApplyArgs),
    /// Run the upgrade on a throwaway copy of the database and report per step; the original is never written
    #[command(
        after_help = "Example:\n  govup rehearse --dir TREE --url postgres://govway@db/govway --to 3.4.3"
    )]
    Rehearse(ApplyArgs),
    /// Restore a backup that `govup apply --backup DIR` wrote
    #[command(
        after_help = "Example:\n  govup restore backups/3.3.17 --url postgres://govway@db/govway"
    )]
    Restore(RestoreArgs),
    /// Compare a database's catalog with another database or with install scripts
    #[command(
        after_help = "Examples:\n  govup verify --url postgres://db/upgraded --against postgres://db/fresh\n  govup verify --url sqlite:orders.db --against-sql schema.sql"
    )]
    Verify(VerifyArgs),
    /// Show the version a database is at, and the steps pending in a tree
    #[command(after_help = "Example:\n  govup status --url sqlite:orders.db --dir sql-samples")]
    Status(StatusArgs),
    /// List every row of govup_history in every schema, in run order, with repairs
    #[command(
        after_help = "Example:\n  govup history --url postgres://govway@db/govway --format json"
    )]
    History(HistoryArgs),
    /// Change one history row after a manual fix: mark a failed patch applied, or forget one
    #[command(
        after_help = "Examples:\n  govup repair --url sqlite:orders.db --dir sql-samples --patch upgrade_1.0.0_to_1.1.0/sqlite/b.sql --mark-applied --reason \"column added by hand\"\n  govup repair --schema-map map.toml --dir TREE --patch PATH --forget --reason \"reverted by hand\""
    )]
    Repair(RepairArgs),
    /// Draw the version DAG of a tree: minor steps, crossings, baselines (dashed)
    #[command(after_help = "Example:\n  govup graph --dir sql-samples --format mermaid")]
    Graph(GraphArgs),
    /// Check a tree before it ships: names, structure, identity, parity, SQL, plans
    #[command(after_help = crate::lint_cmd::EXAMPLES)]
    Lint(crate::lint_cmd::LintArgs),
    /// Print a completion script for bash, zsh, fish, PowerShell or Elvish
    #[command(after_help = crate::completions_cmd::EXAMPLES)]
    Completions(crate::completions_cmd::CompletionsArgs),
    /// Write the man pages, govup.1 and one per verb, into a directory
    #[command(after_help = crate::man_cmd::EXAMPLES)]
    Man(crate::man_cmd::ManArgs),
    /// Upgrade many installations from one inventory: canaries, parallel jobs, shards, one report
    #[command(after_help = crate::fleet_cmd::EXAMPLES)]
    Fleet(crate::fleet_cmd::FleetArgs),
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The upgrade tree: a directory of upgrade_<FROM>_to_<TO> steps (default: `dir` of the
    /// schema map)
    #[arg(long, value_name = "TREE", env = "GOVUP_DIR")]
    pub dir: Option<PathBuf>,
    /// Which database folder of the tree to plan for (default: `db` of the schema map)
    #[arg(long, value_name = "DBTYPE", env = "GOVUP_DB")]
    pub db: Option<DbType>,
    /// The version the database is at (with --impact: `auto`, the default, reads it)
    #[arg(long, value_name = "VERSION", required_unless_present = "impact")]
    pub from: Option<FromVersion>,
    /// The version to reach, or `latest`
    #[arg(long, value_name = "VERSION")]
    pub to: ToVersion,
    /// The installation's map.toml: schemas and connections per role
    #[arg(long, value_name = "MAP.toml", env = "GOVUP_SCHEMA_MAP")]
    pub schema_map: Option<PathBuf>,
    /// With --impact: the database to measure, read-only
    #[arg(long, value_name = "URL", requires = "impact")]
    pub url: Option<String>,
    /// Show what each statement does to the live database: lock, rewrite, estimated time
    #[arg(long)]
    pub impact: bool,
    /// With --impact: warn about every statement estimated over this (e.g. 500ms, 2s)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::duration::parse, requires = "impact")]
    pub impact_threshold: std::time::Duration,
    /// A role this installation does not upgrade with govup (repeatable)
    #[arg(long, value_name = "ROLE")]
    pub skip_role: Vec<Role>,
    /// Plan even when the database holds patches the target does not
    #[arg(long)]
    pub allow_lateral: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub read: crate::tree_input::TreeReadArgs,
    /// With --impact: the password and session statements of the connection
    #[command(flatten)]
    pub access: crate::access::AccessArgs,
}

/// Which installation a verb works on: a URL or a map.toml, and the tree folder to use. One
/// definition, so every verb that connects spells and documents them alike.
#[derive(Args, Clone, Debug)]
pub struct InstallationArgs {
    /// The database: postgres://, mysql://, mariadb://, oracle://, sqlite:PATH
    #[arg(
        long,
        value_name = "URL",
        env = "GOVUP_URL",
        // A URL may hold a password: --help must not print it.
        hide_env_values = true,
        required_unless_present = "schema_map"
    )]
    pub url: Option<String>,
    /// The installation's map.toml: connections, schemas per role, roles to skip, `dir`
    #[arg(long, value_name = "MAP.toml", env = "GOVUP_SCHEMA_MAP")]
    pub schema_map: Option<PathBuf>,
    /// Which database folder of the tree to use (default: from the URL scheme)
    #[arg(long, value_name = "DBTYPE", env = "GOVUP_DB")]
    pub db: Option<DbType>,
}

#[derive(Args, Debug)]
pub struct ApplyArgs {
    /// The upgrade tree (default: `dir` of the schema map)
    #[arg(long, value_name = "TREE", env = "GOVUP_DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub target: InstallationArgs,
    /// The version to reach, or `latest`
    #[arg(long, value_name = "VERSION")]
    pub to: ToVersion,
    /// The version the database is at; `auto` reads govup_history, else GovWay's db_info
    #[arg(long, value_name = "VERSION|auto", default_value = "auto")]
    pub from: FromVersion,
    /// Print every statement that would run, where, in order; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Transaction scope where DDL can be rolled back (PostgreSQL, SQLite): the whole upgrade
    /// (default), a step, or a patch. MySQL and Oracle record progress per statement and put
    /// consecutive patches of only INSERT/UPDATE/DELETE in one transaction, except with `patch`
    #[arg(long, value_enum)]
    pub tx: Option<TxArg>,
    /// A role this installation does not upgrade with govup (repeatable)
    #[arg(long, value_name = "ROLE")]
    pub skip_role: Vec<Role>,
    /// Apply even when the database holds patches the target does not
    #[arg(long)]
    pub allow_lateral: bool,
    /// Resume a partially applied patch whose bytes changed since, at the first statement not
    /// recorded as done, counting statements in the new file
    #[arg(long)]
    pub continue_changed_patch: bool,
    /// Back up every schema the upgrade writes to into DIR/<version>/ before the first write
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,
    /// Also back up before every step, into DIR/<version the step starts from>/
    #[arg(long, requires = "backup")]
    pub backup_each_step: bool,
    /// When the upgrade fails, restore the backup taken before the first write
    #[arg(long, requires = "backup")]
    pub restore_on_failure: bool,
    /// Write one log per step into DIR: every statement, its timing, and errors
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// After the upgrade, wait up to DURATION (500ms, 30s, 2m) until every streaming replica
    /// has replayed it (PostgreSQL)
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub wait_replicas: Option<std::time::Duration>,
    /// Each statement gives up after waiting DURATION for a lock (PostgreSQL lock_timeout,
    /// MySQL lock_wait_timeout and innodb_lock_wait_timeout, Oracle DDL_LOCK_TIMEOUT), so that
    /// DDL never queues live traffic behind it for longer
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub lock_timeout: Option<std::time::Duration>,
    /// With --lock-timeout: how often a statement that gave up runs again where that is safe,
    /// 1 s apart and doubling [default: 3]
    #[arg(long, value_name = "N")]
    pub lock_retries: Option<u32>,
    /// On a Galera cluster: take over the cluster-wide lock of a govup whose heartbeat has
    /// stood still this long (a killed process, a lost node) [default: 60s]
    #[arg(long, value_name = "DURATION", value_parser = crate::duration::parse)]
    pub stale_lock_after: Option<std::time::Duration>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub read: crate::tree_input::TreeReadArgs,
    #[command(flatten)]
    pub access: crate::access::AccessArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// A backup folder (DIR/<version>), or DIR when it holds a single version
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The database to restore into
    #[arg(
        long,
        value_name = "URL",
        env = "GOVUP_URL",
        // A URL may hold a password: --help must not print it.
        hide_env_values = true,
        required_unless_present = "schema_map"
    )]
    pub url: Option<String>,
    /// The installation's map.toml, as given to `apply`
    #[arg(long, value_name = "MAP.toml", env = "GOVUP_SCHEMA_MAP")]
    pub schema_map: Option<PathBuf>,
    #[command(flatten)]
    pub access: crate::access::AccessArgs,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The database to check
    #[arg(long, value_name = "URL", env = "GOVUP_URL", hide_env_values = true)]
    pub url: String,
    /// The schema to compare (default: the connection's default schema)
    #[arg(long, value_name = "SCHEMA")]
    pub schema: Option<String>,
    /// The database to compare with
    #[arg(
        long,
        value_name = "URL_B",
        conflicts_with = "against_sql",
        required_unless_present = "against_sql"
    )]
    pub against: Option<String>,
    /// Install scripts to load into a scratch database and compare with, in order
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub against_sql: Vec<PathBuf>,
    /// Also compare the physical order of columns
    #[arg(long)]
    pub strict_order: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub access: crate::access::AccessArgs,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: InstallationArgs,
    /// An upgrade tree: also list the steps pending to its newest version, and check every
    /// applied patch's checksum against it (default: `dir` of the schema map)
    #[arg(long, value_name = "TREE", env = "GOVUP_DIR")]
    pub dir: Option<PathBuf>,
    /// The version the database should be at (default: the tree's newest)
    #[arg(long, value_name = "VERSION", requires = "dir")]
    pub to: Option<ToVersion>,
    /// Exit 1 unless the database is at the tree's newest version (or --to), with nothing
    /// failed, partial or drifted
    #[arg(long)]
    pub exit_code: bool,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub read: crate::tree_input::TreeReadArgs,
    #[command(flatten)]
    pub access: crate::access::AccessArgs,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub target: InstallationArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub access: crate::access::AccessArgs,
}

#[derive(Args, Debug)]
pub struct RepairArgs {
    #[command(flatten)]
    pub target: InstallationArgs,
    /// The upgrade tree; the patch must be in it
    #[arg(long, value_name = "TREE", env = "GOVUP_DIR")]
    pub dir: PathBuf,
    /// The patch's tree-relative path, as `govup history` shows it
    #[arg(long, value_name = "PATH")]
    pub patch: String,
    /// A failed, partial or forgotten row becomes applied, with the tree's current checksum
    #[arg(long, conflicts_with = "forget", required_unless_present = "forget")]
    pub mark_applied: bool,
    /// An applied, failed or partial row becomes forgotten: apply runs it again, from its start
    #[arg(long)]
    pub forget: bool,
    /// Why: recorded in the row with who and when
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// Who, when not the OS user at this host
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// The schema whose row to change, when several hold the path (info-patches)
    #[arg(long, value_name = "SCHEMA")]
    pub schema: Option<String>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    #[command(flatten)]
    pub read: crate::tree_input::TreeReadArgs,
    #[command(flatten)]
    pub access: crate::access::AccessArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TxArg {
    All,
    Step,
    Patch,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// `--from`: a version, or `auto`.
#[derive(Clone, Debug)]
pub enum FromVersion {
    Auto,
    Exactly(Version),
}

impl std::str::FromStr for FromVersion {
    type Err = govup_planner::VersionError;

    fn from_str(s: &str) -> Result<FromVersion, Self::Err> {
        if s == "auto" {
            return Ok(FromVersion::Auto);
        }
        s.parse().map(FromVersion::Exactly)
    }
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The upgrade tree
    #[arg(long, value_name = "TREE", env = "GOVUP_DIR")]
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    #[command(flatten)]
    pub read: crate::tree_input::TreeReadArgs,
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
