//! Structure: gaps, lines that cannot reach the newest version, and baselines that disagree
//! with the content. Duplicate steps, crossings from nowhere and unparsable baselines are the
//! planner's findings (see `planner_findings`).

use super::Ctx;
use crate::rules;
use govup_planner::names::StepKind;
use govup_planner::{Contents, Level, Line};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn check(cx: &mut Ctx<'_>) {
    gaps(cx);
    unreachable(cx);
}

/// A version of a line, above the line's first, that no step leads into.
fn gaps(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let graph = cx.graph;
    let mut previous: Option<Level> = None;
    for &version in graph.versions() {
        let below = previous.filter(|p| p.line() == version.line());
        previous = Some(version);
        let Some(below) = below else {
            continue;
        };
        if graph.step_into(version).is_some() {
            continue;
        }
        // `version` is known without a step into it: a step starts there.
        let starting = tree
            .steps
            .iter()
            .find(|s| matches!(s.kind, StepKind::Minor { from, .. } if from == version));
        let missing = Level::new(
            version.product,
            version.major,
            version.minor.saturating_sub(1),
        );
        cx.push(
            &rules::GAP,
            starting.map_or(String::new(), |s| s.dir.clone()),
            format!(
                "line {} has a gap: no step leads into {version} (upgrade_{missing}_to_{version} is missing), so {below} cannot reach it",
                version.line()
            ),
        );
    }
}

/// Lines from which following the crossings never reaches the newest version's line.
fn unreachable(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let graph = cx.graph;
    let Some(newest) = graph.newest() else {
        return;
    };
    let lines: BTreeSet<Line> = graph.versions().iter().map(|v| v.line()).collect();
    let mut dead_ends: BTreeSet<Line> = BTreeSet::new();
    for &line in &lines {
        let mut current = line;
        // Crossings always lead to a later line, so this ends.
        while let Some(next) = graph
            .crossing_out(current)
            .and_then(|i| tree.steps.get(i))
            .map(|s| s.to().line())
            .filter(|next| *next > current)
        {
            current = next;
        }
        if current != newest.line() {
            dead_ends.insert(current);
        }
    }
    for line in dead_ends {
        let versions = graph.versions_in(line);
        let (Some(&lowest), Some(&highest)) = (versions.first(), versions.last()) else {
            continue;
        };
        let path = graph
            .step_into(highest)
            .and_then(|i| tree.steps.get(i))
            .map_or(String::new(), |s| s.dir.clone());
        let which = if lowest == highest {
            format!("{lowest} cannot")
        } else {
            format!("its versions {lowest} to {highest} cannot")
        };
        cx.push(
            &rules::UNREACHABLE,
            path,
            format!(
                "line {line} ends at {highest} with no crossing out (upgrade_{line}.x_to_...): {which} reach the newest version {newest}"
            ),
        );
    }
}

/// `baseline-version.txt` against the content, for every database type checked; one
/// diagnostic per file.
pub(super) fn baselines(cx: &mut Ctx<'_>, contents: &[Contents<'_>]) {
    let mut by_file: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for c in contents {
        for finding in c.baseline_disagreements() {
            by_file
                .entry(finding.path)
                .or_default()
                .push((c.db().to_string(), finding.message));
        }
    }
    for (path, mut found) in by_file {
        let (_, mut message) = found.remove(0);
        if !found.is_empty() {
            let others: Vec<String> = found.into_iter().map(|(db, _)| db).collect();
            message += &format!("; the {} patches disagree too", others.join(", "));
        }
        cx.push(&rules::BASELINE_DISAGREES, path, message);
    }
}
