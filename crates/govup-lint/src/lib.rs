//! Checks an upgrade tree before it ships, so that a broken release never reaches an operator.
//!
//! `govup lint` runs this crate in CI on every change to a tree such as GovWay's
//! `resources/sql_upgrade`. It reads the tree with `govup-planner` (the same scan, DAG and S(V)
//! that `govup plan` uses, so lint and plan never disagree about what the tree means), then
//! checks names, structure, patch identity, parity between database folders, info-patches, the
//! SQL of every patch and every plan between two versions. Every problem is a [`Diagnostic`]
//! with a stable code, a severity, the tree-relative file and, where there is one, the line.
//!
//! What it deliberately does not do: it never connects to a database and never changes the
//! tree (it only reads files). It does not decide which findings refuse a plan (that is
//! `govup plan`'s business) and it never blocks on a gap of the SQL parser: the `sqlparser`
//! check only warns.
//!
//! # Checks
//!
//! | code | severity | check |
//! |---|---|---|
//! | L001 | error | a step directory is not named `upgrade_<FROM>_to_<TO>`, or a folder is named almost like one |
//! | L002 | error | a `.sql` file in a database folder is not named `<YYYY-MM-DD>-<area>-patch.sql`, or its date is not a calendar date |
//! | L003 | warning | an area that the built-in role table does not name (its patches go to `config`) |
//! | L004 | warning | a stray file where only patches belong (in a database folder or a step directory; an `upgrade_*` file at the root) |
//! | L005 | error | a gap in a line: no step leads into a version the line goes on from |
//! | L006 | error | an `x` step (crossing) from a line that has no version in the tree |
//! | L007 | error | two steps lead into one version |
//! | L008 | error | two crossings leave one line |
//! | L009 | error | a version that cannot reach the newest: its line ends with no crossing out |
//! | L010 | error | `baseline-version.txt` does not parse |
//! | L011 | error | `baseline-version.txt` names no version of the line crossed from |
//! | L012 | error | `baseline-version.txt` disagrees with the content (spec §4) |
//! | L013 | error | one patch name with different bytes in two steps |
//! | L014 | error | the same bytes under two patch names |
//! | L015 | error | a broken link (symlink or link stub), or a loop of links |
//! | L016 | error | an empty file |
//! | L017 | error | bytes that are not UTF-8 |
//! | L018 | error | a file or folder that cannot be read; a FIFO, device or socket; a file over the size limit |
//! | L019 | error | parity: a patch of one database folder is missing from another |
//! | L020 | error | a step without `info-patch.sql` |
//! | L021 | error | an `info-patch.sql` that does not name its step's target version (`[3.4.3]`) |
//! | L022 | error | a patch that does not split into statements (unterminated quote, comment or block) |
//! | L023 | warning | a patch with no statement at all (only comments) |
//! | L024 | note | database types without a splitter, whose SQL is not checked (once per tree) |
//! | L025 | warning | `sqlparser` cannot parse a statement: one warning per distinct parser message, naming how many other files fail the same way (a parser gap never blocks a release) |
//! | L026 | warning | a patch dated before a patch of an earlier step of its line |
//! | L027 | error | a pair of versions that does not plan, or whose plan does not end on S(target) |
//! | L028 | note | plans were not checked because the tree has structural errors |
//! | L029 | error | a postgresql or sqlite patch that ends or starts a transaction |
//! | L030 | error | a link (symlink or link stub, to a file or a folder) that leads outside the link root |
//! | L031 | error | a tree with no step directory at all |
//! | L032 | warning | a statement that rewrites every row of an existing table (PostgreSQL: a type change that is not binary-compatible, a volatile default; MySQL: `ALGORITHM=COPY` or a rebuild) |
//! | L033 | warning | a PostgreSQL index build without `CONCURRENTLY` on an existing table (blocks writes while it reads the table) |
//! | L034 | warning | `NOT NULL` added without a default on an existing table (`ADD COLUMN ... NOT NULL`, `SET NOT NULL`, `MODIFY ... NOT NULL`) |
//! | L035 | warning | a column type narrowed: a shorter text or number than the tree's earlier statements gave it |
//!
//! Checks about a patch name (L002 dates, L003, L026) are reported once per step and name, at the
//! first database folder that holds it; checks about bytes (L017, L022, L023, L025) once per
//! database type and distinct content, at the first file that holds them. When a file is a link
//! stub, the message names the file it links to, whose lines the line numbers count. The
//! impact checks (L032-L035) use [`govup_sql::impact`], once per database type and distinct
//! content, assuming PostgreSQL 13 and MariaDB 10.6 where the rules depend on the release.

mod checks;
mod render;
mod sql;

pub use render::{render_github, render_human, render_json, render_sarif};
pub use sql::{check_sql, not_utf8, splitter};

use govup_planner::{DbSelection, DbType, ReadOptions, Tree, TreeError, VersionGraph};
use std::fmt;
use std::path::{Path, PathBuf};

/// How much a diagnostic matters: errors fail the run, warnings fail it with
/// `--deny-warnings`, notes never do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One check, with its stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    /// A short kebab-case name (SARIF's `name`).
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

macro_rules! rules {
    ($($id:ident = $code:literal $name:literal $sev:ident $summary:literal;)*) => {
        /// The checks, one constant each, in code order.
        pub mod rules {
            use super::{Rule, Severity};
            $(pub const $id: Rule = Rule {
                code: $code,
                name: $name,
                severity: Severity::$sev,
                summary: $summary,
            };)*
            /// Every rule, in code order.
            pub const ALL: &[Rule] = &[$($id),*];
        }
    };
}

rules! {
    STEP_NAME = "L001" "step-name" Error "a step directory is not named upgrade_<FROM>_to_<TO>";
    PATCH_NAME = "L002" "patch-name" Error "a .sql file is not named <YYYY-MM-DD>-<area>-patch.sql with a calendar date";
    UNKNOWN_AREA = "L003" "unknown-area" Warning "an area the built-in role table does not name";
    STRAY_FILE = "L004" "stray-file" Warning "a stray file where only patches belong";
    GAP = "L005" "gap" Error "a gap in a line";
    CROSSING_FROM_NOTHING = "L006" "crossing-from-empty-line" Error "a crossing from a line that has no version in the tree";
    TWO_STEPS_INTO = "L007" "two-steps-into-one-version" Error "two steps lead into one version";
    TWO_CROSSINGS_OUT = "L008" "two-crossings-out-of-one-line" Error "two crossings leave one line";
    UNREACHABLE = "L009" "cannot-reach-newest" Error "versions that cannot reach the newest version";
    BASELINE_PARSE = "L010" "baseline-parse" Error "baseline-version.txt does not parse";
    BASELINE_UNKNOWN = "L011" "baseline-unknown" Error "baseline-version.txt names no version of the line crossed from";
    BASELINE_DISAGREES = "L012" "baseline-disagrees" Error "baseline-version.txt disagrees with the content";
    SAME_NAME_OTHER_BYTES = "L013" "same-name-other-bytes" Error "one patch name with different bytes";
    SAME_BYTES_OTHER_NAME = "L014" "same-bytes-other-name" Error "the same bytes under two patch names";
    BROKEN_LINK = "L015" "broken-link" Error "a broken link or a loop of links";
    EMPTY_FILE = "L016" "empty-file" Error "an empty file";
    NOT_UTF8 = "L017" "not-utf8" Error "bytes that are not UTF-8";
    UNREADABLE = "L018" "unreadable" Error "a file or folder that cannot be read";
    PARITY = "L019" "parity" Error "a patch of one database folder is missing from another";
    INFO_PATCH_MISSING = "L020" "info-patch-missing" Error "a step without info-patch.sql";
    INFO_PATCH_VERSION = "L021" "info-patch-version" Error "an info-patch that does not name its step's target version";
    SPLIT = "L022" "split" Error "a patch that does not split into statements";
    NO_STATEMENT = "L023" "no-statement" Warning "a patch with no statement";
    NO_SPLITTER = "L024" "no-splitter" Note "database types whose SQL is not checked";
    PARSE = "L025" "parse" Warning "sqlparser cannot parse a statement";
    DATE_ORDER = "L026" "date-order" Warning "a patch dated before a patch of an earlier step";
    PLAN = "L027" "plan" Error "a pair of versions that does not plan, or not onto S(target)";
    PLANS_SKIPPED = "L028" "plans-not-checked" Note "plans not checked because of structural errors";
    TX_CONTROL = "L029" "transaction-control" Error "a patch that ends or starts a transaction where govup holds one";
    LINK_OUTSIDE = "L030" "link-outside-root" Error "a link that leads outside the link root";
    NO_STEPS = "L031" "no-steps" Error "a tree with no step directory";
    TABLE_REWRITE = "L032" "table-rewrite" Warning "a statement that rewrites every row of an existing table";
    INDEX_NOT_CONCURRENT = "L033" "index-not-concurrent" Warning "an index build without CONCURRENTLY where the dialect has it";
    NOT_NULL_NO_DEFAULT = "L034" "not-null-without-default" Warning "NOT NULL added without a default on an existing table";
    TYPE_NARROWED = "L035" "type-narrowed" Warning "a column type narrowed";
}

/// One problem, tied to a file of the tree where there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code: `L001` ... (see [`rules`]).
    pub code: &'static str,
    pub severity: Severity,
    /// Relative to the tree root, `/`-separated; empty for the tree as a whole.
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(rule: &Rule, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: rule.code,
            severity: rule.severity,
            path: path.into(),
            line: None,
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: Option<u32>) -> Diagnostic {
        self.line = line;
        self
    }

    /// The rule this diagnostic reports.
    pub fn rule(&self) -> Option<&'static Rule> {
        rules::ALL.iter().find(|r| r.code == self.code)
    }
}

/// What lint found in one tree.
#[derive(Clone, Debug)]
pub struct Report {
    /// The tree as the caller named it; renderers show paths below it.
    pub root: PathBuf,
    /// The database types that were checked: those asked for (all by default) that the tree has.
    pub databases: Vec<DbType>,
    /// Sorted by path, then line, then code.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// True when the run fails: an error, or a warning under `deny_warnings`.
    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.count(Severity::Error) > 0 || (deny_warnings && self.count(Severity::Warning) > 0)
    }

    /// `2 error(s), 1 warning(s)`.
    pub fn summary(&self) -> String {
        format!(
            "{} error(s), {} warning(s)",
            self.count(Severity::Error),
            self.count(Severity::Warning)
        )
    }
}

/// Lints the tree at `root` for the database types `dbs` (every type the tree has when empty).
///
/// Fails only when the root itself cannot be read; every problem below it is a diagnostic.
pub fn lint(root: &Path, dbs: &[DbType]) -> Result<Report, TreeError> {
    lint_with(root, dbs, &ReadOptions::default())
}

/// Like [`lint`], reading the tree as `options` say (link root, size limit).
pub fn lint_with(root: &Path, dbs: &[DbType], options: &ReadOptions) -> Result<Report, TreeError> {
    let select = if dbs.is_empty() {
        DbSelection::All
    } else {
        DbSelection::Some(dbs.to_vec())
    };
    let tree = Tree::read(root, &select, options, false)?;
    let graph = VersionGraph::build(&tree);
    let databases: Vec<DbType> = tree
        .databases()
        .into_iter()
        .filter(|db| dbs.is_empty() || dbs.contains(db))
        .collect();
    let mut diagnostics = checks::run(&tree, &graph, &databases);
    diagnostics.sort_by(|a, b| {
        (a.path.as_str(), a.line, a.code, a.message.as_str()).cmp(&(
            b.path.as_str(),
            b.line,
            b.code,
            b.message.as_str(),
        ))
    });
    Ok(Report {
        root: root.to_path_buf(),
        databases,
        diagnostics,
    })
}
