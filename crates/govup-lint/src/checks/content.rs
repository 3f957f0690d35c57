//! The bytes of every file: info-patches (present, naming their target), empty files, UTF-8,
//! splitting and parsing.

use super::{read, Ctx};
use crate::sql::{check_sql, not_utf8, splitter};
use crate::{rules, Diagnostic};
use govup_planner::tree::INFO_PATCH;
use govup_planner::{DbType, Level, Sha256, Version};
use std::collections::{HashMap, HashSet};

pub(super) fn check(cx: &mut Ctx<'_>) {
    info_patches(cx);
    patches(cx);
    let unchecked: Vec<String> = cx
        .dbs
        .iter()
        .filter(|db| splitter(**db).is_none())
        .map(|db| db.to_string())
        .collect();
    if !unchecked.is_empty() {
        cx.push(
            &rules::NO_SPLITTER,
            "",
            format!(
                "govup has no splitter for {}: the SQL of those patches is checked for UTF-8 only",
                unchecked.join(", ")
            ),
        );
    }
}

fn info_patches(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let splitters: Vec<DbType> = cx
        .dbs
        .iter()
        .copied()
        .filter(|db| splitter(*db).is_some())
        .collect();
    for step in &tree.steps {
        let path = format!("{}/{INFO_PATCH}", step.dir);
        let Some(sql) = &step.info_patch else {
            // A broken or unreadable info-patch is already reported under its own code.
            if !tree.findings.iter().any(|f| f.path == path) {
                cx.push(
                    &rules::INFO_PATCH_MISSING,
                    step.dir.clone(),
                    format!(
                        "step has no `{INFO_PATCH}`: nothing records in the database that it reached {}",
                        step.to()
                    ),
                );
            }
            continue;
        };
        let note = cx.link_note(&path, &sql.source);
        if sql.len == 0 {
            cx.push(&rules::EMPTY_FILE, path, format!("empty file{note}"));
            continue;
        }
        let Some(bytes) = read(cx, &path, sql) else {
            continue;
        };
        if let Some(d) = not_utf8(&bytes) {
            cx.out.push(located(d, &path, &note));
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Some((message, line)) = version_problem(&text, step.to()) {
            cx.out.push(
                Diagnostic::new(&rules::INFO_PATCH_VERSION, path.clone(), message).at_line(line),
            );
        }
        // Database-independent: it must split for every database type checked. One
        // diagnostic per code, from the first type that has it.
        let mut codes: HashSet<&str> = HashSet::new();
        for db in &splitters {
            for d in check_sql(*db, &bytes) {
                if codes.insert(d.code) {
                    cx.out.push(located(d, &path, &note));
                }
            }
        }
    }
}

/// Why an info-patch does not name `to` in brackets (`[3.4.3]`, or with a build tag), and the
/// line of the version it names instead.
fn version_problem(text: &str, to: Level) -> Option<(String, Option<u32>)> {
    let mut other: Option<(String, u32)> = None;
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(open) = rest.find('[') {
            rest = &rest[open + 1..];
            let Some(close) = rest.find(']') else {
                break;
            };
            let inside = &rest[..close];
            if let Ok(version) = inside.parse::<Version>() {
                if version.level() == to {
                    return None;
                }
                if other.is_none() {
                    let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                    other = Some((inside.to_string(), number));
                }
            }
            rest = &rest[close + 1..];
        }
    }
    Some(match other {
        Some((named, line)) => (
            format!("info-patch names version [{named}], not the step's target [{to}]"),
            Some(line),
        ),
        None => (
            format!("info-patch does not name the step's target version [{to}]"),
            None,
        ),
    })
}

/// Parse warnings (L025), one per distinct `sqlparser` message: a parser gap shows up in every
/// file that uses the construct, and one warning names it well enough.
#[derive(Default)]
struct ParseGaps {
    first: Vec<(Diagnostic, String)>,
    count: HashMap<String, usize>,
}

impl ParseGaps {
    fn add(&mut self, d: Diagnostic, note: &str) {
        let seen = self.count.entry(d.message.clone()).or_default();
        *seen += 1;
        if *seen == 1 {
            self.first.push((d, note.to_string()));
        }
    }

    fn report(self, cx: &mut Ctx<'_>) {
        for (mut d, note) in self.first {
            let others = self.count.get(&d.message).copied().unwrap_or(1) - 1;
            if others > 0 {
                d.message += &format!("; {others} other file(s) fail the same way");
            }
            d.message += &note;
            cx.out.push(d);
        }
    }
}

fn patches(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let mut gaps = ParseGaps::default();
    let mut checked: HashSet<(DbType, Sha256)> = HashSet::new();
    for &db in cx.dbs {
        for step in &tree.steps {
            for patch in step.patches(db) {
                let path = patch.sql.path.as_str();
                let note = cx.link_note(path, &patch.sql.source);
                if patch.sql.len == 0 {
                    cx.push(&rules::EMPTY_FILE, path, format!("empty file{note}"));
                    continue;
                }
                // The same bytes give the same answer: report them once per database type.
                if !checked.insert((db, patch.sql.sha256)) {
                    continue;
                }
                let Some(bytes) = read(cx, path, &patch.sql) else {
                    continue;
                };
                for d in check_sql(db, &bytes) {
                    if d.code == rules::PARSE.code {
                        gaps.add(located(d, path, ""), &note);
                    } else {
                        cx.out.push(located(d, path, &note));
                    }
                }
            }
        }
    }
    gaps.report(cx);
}

fn located(mut d: Diagnostic, path: &str, note: &str) -> Diagnostic {
    d.path = path.to_string();
    d.message.push_str(note);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_patch_versions() {
        let to = Level::new(3, 4, 3);
        assert_eq!(
            version_problem("VALUES (3,4,'[3.4.3] Database');", to),
            None
        );
        assert_eq!(version_problem("'[3.4.3.p1] Database'", to), None);
        assert_eq!(
            version_problem("x\n'[3.4.2] Database'\n", to),
            Some((
                "info-patch names version [3.4.2], not the step's target [3.4.3]".into(),
                Some(2)
            ))
        );
        assert_eq!(
            version_problem("[draft] [", to),
            Some((
                "info-patch does not name the step's target version [3.4.3]".into(),
                None
            ))
        );
    }
}
