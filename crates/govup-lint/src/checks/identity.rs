//! Identity (spec §2: a patch is its file name and the SHA-256 of its bytes) and parity
//! between the database folders of a step.

use super::Ctx;
use crate::rules;
use govup_planner::names::parse_patch_name;
use govup_planner::{DbType, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One name with other bytes, or the same bytes under another name, within one database type.
/// Each new variant is reported once, at the first file that holds it.
pub(super) fn check(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    for &db in cx.dbs {
        let mut by_name: HashMap<&str, Vec<(Sha256, &str)>> = HashMap::new();
        let mut by_bytes: HashMap<Sha256, Vec<(&str, &str)>> = HashMap::new();
        for step in &tree.steps {
            for patch in step.patches(db) {
                let sha = patch.sql.sha256;
                let path = patch.sql.path.as_str();
                let variants = by_name.entry(&patch.file).or_default();
                if let Some((_, first)) = variants.first() {
                    if !variants.iter().any(|(s, _)| *s == sha) {
                        cx.out.push(crate::Diagnostic::new(
                            &rules::SAME_NAME_OTHER_BYTES,
                            path,
                            format!(
                                "`{}` has other bytes than `{first}`: one name, two patches (an installation that ran one also runs the other)",
                                patch.file
                            ),
                        ));
                    }
                }
                if !variants.iter().any(|(s, _)| *s == sha) {
                    variants.push((sha, path));
                }
                // Every empty file has the same bytes; L016 reports those.
                if patch.sql.len == 0 {
                    continue;
                }
                let names = by_bytes.entry(sha).or_default();
                if let Some((_, first)) = names.first() {
                    if !names.iter().any(|(n, _)| *n == patch.file) {
                        cx.out.push(crate::Diagnostic::new(
                            &rules::SAME_BYTES_OTHER_NAME,
                            path,
                            format!(
                                "`{}` holds the same bytes as `{first}`: one patch under two names runs twice",
                                patch.file
                            ),
                        ));
                    }
                }
                if !names.iter().any(|(n, _)| *n == patch.file) {
                    names.push((&patch.file, path));
                }
            }
        }
    }
}

/// Within a step, every database folder of the tree holds the same patch names. One
/// diagnostic per step and name, at the first folder that has it.
pub(super) fn parity(cx: &mut Ctx<'_>) {
    if cx.dbs.len() < 2 {
        return;
    }
    let tree = cx.tree;
    for step in &tree.steps {
        let mut holders: BTreeMap<&str, BTreeSet<DbType>> = BTreeMap::new();
        for &db in cx.dbs {
            let Some(folder) = step.folder(db) else {
                continue;
            };
            for name in &folder.names {
                if parse_patch_name(name).is_ok() {
                    holders.entry(name).or_default().insert(db);
                }
            }
        }
        for (name, have) in holders {
            let missing: Vec<String> = cx
                .dbs
                .iter()
                .filter(|db| !have.contains(db))
                .map(|db| db.to_string())
                .collect();
            let Some(first) = have.first() else {
                continue;
            };
            if missing.is_empty() {
                continue;
            }
            let have: Vec<String> = have.iter().map(|db| db.to_string()).collect();
            cx.push(
                &rules::PARITY,
                format!("{}/{first}/{name}", step.dir),
                format!(
                    "`{name}` is in {} but missing from {}: every database folder of a step holds the same patches",
                    have.join(", "),
                    missing.join(", ")
                ),
            );
        }
    }
}
