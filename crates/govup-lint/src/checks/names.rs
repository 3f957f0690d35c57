//! Names: calendar dates, areas the role table does not know, stray files, and the order of
//! patch dates along a line.

use super::Ctx;
use crate::rules;
use govup_planner::names::{is_calendar_date, looks_like_step, near_step};
use govup_planner::Line;
use govup_schema_map::builtin_role;
use std::collections::{BTreeSet, HashMap, HashSet};

pub(super) fn check(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let mut areas: HashSet<&str> = HashSet::new();
    for step in &tree.steps {
        let mut names: HashSet<&str> = HashSet::new();
        let patches: Vec<_> = cx.patches(step).collect();
        for (_, patch) in patches {
            if !names.insert(&patch.file) {
                continue;
            }
            if !is_calendar_date(&patch.date) {
                cx.push(
                    &rules::PATCH_NAME,
                    patch.sql.path.clone(),
                    format!(
                        "patch file `{}` is misnamed: {} is not a calendar date",
                        patch.file, patch.date
                    ),
                );
            }
            if builtin_role(&patch.area).is_none() && areas.insert(&patch.area) {
                cx.push(
                    &rules::UNKNOWN_AREA,
                    patch.sql.path.clone(),
                    format!(
                        "area `{}` is not in the built-in role table: its patches go to the config role unless a schema map names it",
                        patch.area
                    ),
                );
            }
        }
        for stray in &step.stray {
            cx.push(
                &rules::STRAY_FILE,
                format!("{}/{stray}", step.dir),
                format!(
                    "`{stray}` is not a database folder, `info-patch.sql` or `baseline-version.txt`, and is ignored"
                ),
            );
        }
    }
    for name in &tree.other_entries {
        // Directories named like steps are steps or malformed steps; what is left is a file.
        if looks_like_step(name) || near_step(name) {
            cx.push(
                &rules::STRAY_FILE,
                name.clone(),
                format!("`{name}` is named like a step but is not a directory, and is ignored"),
            );
        }
    }
}

/// A patch dated before a patch of an earlier step of its line, on the content chain (so that
/// lines released interleaved do not count as earlier). A patch also shipped by another line
/// keeps its first date and is left out.
pub(super) fn date_order(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let graph = cx.graph;
    let mut lines_of: HashMap<&str, BTreeSet<Line>> = HashMap::new();
    for step in &tree.steps {
        for (_, patch) in cx.patches(step) {
            lines_of
                .entry(&patch.file)
                .or_default()
                .insert(step.to().line());
        }
    }
    for (index, step) in tree.steps.iter().enumerate() {
        if !cx.accepted(index) {
            continue;
        }
        let line = step.to().line();
        // The latest patch of the earlier steps of this line: (date, file, step).
        let mut latest: Option<(&str, &str, &str)> = None;
        for version in graph.chain(step.to()).skip(1) {
            if version.line() != line {
                break;
            }
            let Some(earlier) = graph.step_into(version).and_then(|i| tree.steps.get(i)) else {
                continue;
            };
            for (_, patch) in cx.patches(earlier) {
                if latest.is_none_or(|(date, file, _)| {
                    (patch.date.as_str(), patch.file.as_str()) > (date, file)
                }) {
                    latest = Some((&patch.date, &patch.file, &earlier.dir));
                }
            }
        }
        let Some((date, file, dir)) = latest else {
            continue;
        };
        let mut seen: HashSet<&str> = HashSet::new();
        let patches: Vec<_> = cx.patches(step).collect();
        for (_, patch) in patches {
            let elsewhere = lines_of
                .get(patch.file.as_str())
                .is_some_and(|l| l.len() > 1);
            if !seen.insert(&patch.file) || elsewhere || patch.date.as_str() >= date {
                continue;
            }
            cx.push(
                &rules::DATE_ORDER,
                patch.sql.path.clone(),
                format!(
                    "patch dated {}, before `{file}` of the earlier step `{dir}` of line {line}",
                    patch.date
                ),
            );
        }
    }
}
