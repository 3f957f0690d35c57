//! The checks, grouped as the rule table groups them. Each appends [`Diagnostic`]s to a
//! [`Ctx`]; none of them reads anything but the tree's files.

mod content;
mod identity;
mod impact;
mod names;
mod plans;
mod structure;

use crate::{rules, Diagnostic, Rule};
use govup_planner::tree::Step;
use govup_planner::{Contents, DbType, FindingKind, Patch, SqlFile, Tree, VersionGraph};
use std::path::{Component, Path};

pub(crate) struct Ctx<'t> {
    pub tree: &'t Tree,
    pub graph: &'t VersionGraph,
    /// The database types checked, in `DbType` order.
    pub dbs: &'t [DbType],
    pub out: Vec<Diagnostic>,
}

impl<'t> Ctx<'t> {
    pub fn push(&mut self, rule: &Rule, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Diagnostic::new(rule, path, message));
    }

    /// The patches of `step` for the checked database types, database by database.
    pub fn patches(&self, step: &'t Step) -> impl Iterator<Item = (DbType, &'t Patch)> + '_ {
        self.dbs
            .iter()
            .flat_map(move |db| step.patches(*db).iter().map(move |p| (*db, p)))
    }

    /// True when `step` is the one step the graph accepted into its target.
    pub fn accepted(&self, index: usize) -> bool {
        self.tree
            .steps
            .get(index)
            .is_some_and(|s| self.graph.step_into(s.to()) == Some(index))
    }

    /// ` (linked file `…`)` for a file read through a link (symlink or stub), naming the file
    /// that holds the bytes relative to the tree root; empty otherwise. Both link forms give
    /// the same note: a linked file's source is its real path.
    pub fn link_note(&self, path: &str, source: &Path) -> String {
        let shown = match source.strip_prefix(&self.tree.root) {
            Ok(inside) => normalize(inside),
            Err(_) => match std::fs::canonicalize(&self.tree.root) {
                Ok(real_root) => relative(&real_root, source),
                Err(_) => source.display().to_string(),
            },
        };
        if shown == path {
            String::new()
        } else {
            format!(" (linked file `{shown}`)")
        }
    }
}

/// `to` relative to the directory `from`, both real paths: `/r/t` and `/r/core/x` give
/// `../core/x`.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// `a/b/../../../c` as `../c`: `..` cancels the component before it, lexically.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::ParentDir if parts.last().is_some_and(|p| p != "..") => {
                parts.pop();
            }
            Component::ParentDir => parts.push("..".into()),
            Component::CurDir => {}
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

pub(crate) fn run(tree: &Tree, graph: &VersionGraph, dbs: &[DbType]) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        tree,
        graph,
        dbs,
        out: Vec::new(),
    };
    planner_findings(&mut cx);
    names::check(&mut cx);
    structure::check(&mut cx);
    let contents: Vec<Contents<'_>> = dbs
        .iter()
        .map(|db| Contents::new(tree, graph, *db))
        .collect();
    structure::baselines(&mut cx, &contents);
    identity::check(&mut cx);
    identity::parity(&mut cx);
    content::check(&mut cx);
    impact::check(&mut cx);
    names::date_order(&mut cx);
    plans::check(&mut cx, &contents);
    cx.out
}

/// What the planner's scan and graph already found, under lint's codes.
fn planner_findings(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let graph = cx.graph;
    for finding in tree.findings.iter().chain(&graph.findings) {
        let rule = match finding.kind {
            FindingKind::StepName => &rules::STEP_NAME,
            FindingKind::PatchName => &rules::PATCH_NAME,
            FindingKind::NotAPatch => &rules::STRAY_FILE,
            FindingKind::BrokenLink => &rules::BROKEN_LINK,
            FindingKind::BaselineParse => &rules::BASELINE_PARSE,
            FindingKind::BaselineUnknown => &rules::BASELINE_UNKNOWN,
            FindingKind::BaselineDisagrees => &rules::BASELINE_DISAGREES,
            FindingKind::TwoStepsInto => &rules::TWO_STEPS_INTO,
            FindingKind::TwoCrossingsOut => &rules::TWO_CROSSINGS_OUT,
            FindingKind::CrossingFromEmptyLine => &rules::CROSSING_FROM_NOTHING,
            FindingKind::LinkOutside => &rules::LINK_OUTSIDE,
            FindingKind::NoSteps => &rules::NO_STEPS,
            // Unreadable, and anything a later planner adds: a file lint could not use.
            _ => &rules::UNREADABLE,
        };
        cx.out.push(
            Diagnostic::new(rule, finding.path.clone(), finding.message.clone())
                .at_line(finding.line),
        );
    }
}

/// The bytes of a file the scan resolved, read again under the scan's rules (a regular file
/// within the size limit), or a diagnostic saying why they cannot be read.
pub(crate) fn read(cx: &mut Ctx<'_>, path: &str, sql: &SqlFile) -> Option<Vec<u8>> {
    match cx.tree.bytes_of(sql) {
        Ok(bytes) => Some(bytes.into_owned()),
        Err(e) => {
            cx.push(&rules::UNREADABLE, path, format!("cannot read: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        let from = Path::new("/c/govway/resources/sql_upgrade");
        assert_eq!(
            super::relative(from, Path::new("/c/govway/core/deploy/x.sql")),
            "../../core/deploy/x.sql"
        );
        assert_eq!(
            super::relative(from, Path::new("/c/govway/resources/sql_upgrade/s/x.sql")),
            "s/x.sql"
        );
    }

    #[test]
    fn normalize_cancels_parent_components() {
        assert_eq!(
            normalize(Path::new("a/b/../../../../core/x.sql")),
            "../../core/x.sql"
        );
        assert_eq!(
            normalize(Path::new("s/pg/../../shared/x.sql")),
            "shared/x.sql"
        );
        assert_eq!(normalize(Path::new("./a/./b")), "a/b");
    }
}
