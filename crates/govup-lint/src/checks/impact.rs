//! What the statements will do to a live table, from the dialect's rules alone (L032-L035):
//! a rewrite, an index build that blocks writes where the dialect could avoid it, `NOT NULL`
//! without a default, a narrowed column. Warnings only: a vendor may do this knowingly, and the
//! table may be small; `govup plan --impact` says how long it takes on a given database.
//!
//! Steps are read in the order of their target version and the column types declared so far
//! (by `CREATE TABLE`, `ADD COLUMN` and type changes) are kept per database type, so that a type
//! change can be compared with the type before it. A table created in the same file is new and
//! empty: nothing is reported about it.

use super::{read, Ctx};
use crate::sql::splitter;
use crate::{rules, Diagnostic};
use govup_planner::{DbType, Sha256};
use govup_sql::impact::{classify, narrows, Flavor, Kind, Rewrite};
use std::collections::{HashMap, HashSet};

/// The server each database type is linted for.
fn flavor(db: DbType) -> Option<Flavor> {
    match db {
        DbType::Postgresql => Some(Flavor::LINT_POSTGRES),
        DbType::Mysql => Some(Flavor::LINT_MYSQL),
        DbType::Oracle => Some(Flavor::Oracle),
        DbType::Sqlite => Some(Flavor::Sqlite),
        DbType::Sqlserver | DbType::Db2 | DbType::Hsql => None,
    }
}

pub(super) fn check(cx: &mut Ctx<'_>) {
    let tree = cx.tree;
    let mut order: Vec<usize> = (0..tree.steps.len()).collect();
    order.sort_by_key(|i| tree.steps[*i].to());
    let mut seen: HashSet<(DbType, Sha256)> = HashSet::new();
    for &db in cx.dbs {
        let (Some(flavor), Some(dialect)) = (flavor(db), splitter(db)) else {
            continue;
        };
        // (table, column), lower-case, to the last type the tree gave it.
        let mut types: HashMap<(String, String), String> = HashMap::new();
        for &index in &order {
            for patch in tree.steps[index].patches(db) {
                if patch.sql.len == 0 || !seen.insert((db, patch.sql.sha256)) {
                    continue;
                }
                let path = patch.sql.path.as_str();
                let Some(bytes) = read(cx, path, &patch.sql) else {
                    continue;
                };
                // Text that does not decode or split is reported by the content checks.
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    continue;
                };
                let Ok(statements) = dialect.split(text) else {
                    continue;
                };
                let note = cx.link_note(path, &patch.sql.source);
                let mut created: HashSet<String> = HashSet::new();
                for statement in &statements {
                    let impact = classify(flavor, &statement.text);
                    let key = |t: &str| t.to_lowercase();
                    let table = impact.tables.first().map(|t| key(t));
                    if impact.kind == Kind::CreateTable {
                        created.extend(table.clone());
                    }
                    let existing = table.as_ref().is_some_and(|t| !created.contains(t));
                    let mut warn = |rule, message: String| {
                        cx.out.push(
                            Diagnostic::new(rule, path, format!("{message}{note}"))
                                .at_line(Some(statement.line)),
                        );
                    };
                    let name = impact.tables.first().cloned().unwrap_or_default();
                    if existing
                        && impact.rewrite == Rewrite::Rewrite
                        && impact.kind != Kind::RowChange
                    {
                        warn(
                            &rules::TABLE_REWRITE,
                            format!(
                                "{} rewrites every row of `{name}` ({}, blocks {}): the time grows with the table; `govup plan --impact` estimates it on a live database",
                                impact.kind.name(),
                                impact.lock,
                                impact.blocks.name()
                            ),
                        );
                    }
                    if existing && impact.index_not_concurrent {
                        warn(
                            &rules::INDEX_NOT_CONCURRENT,
                            format!(
                                "index build on `{name}` without CONCURRENTLY holds a {} lock that blocks writes until the whole table is read; govup runs the patch in a transaction, where CONCURRENTLY is refused: build the index beforehand with CONCURRENTLY (and IF NOT EXISTS in the patch), or book the window",
                                impact.lock
                            ),
                        );
                    }
                    if existing && impact.not_null_without_default {
                        warn(
                            &rules::NOT_NULL_NO_DEFAULT,
                            format!(
                                "NOT NULL without a default on existing table `{name}`: every row is checked, and the statement fails if one has no value"
                            ),
                        );
                    }
                    for (t, column, new) in &impact.type_changes {
                        let k = (key(t), key(column));
                        if let Some(old) = types.get(&k) {
                            if existing && narrows(old, new) {
                                warn(
                                    &rules::TYPE_NARROWED,
                                    format!(
                                        "column `{t}.{column}` narrowed from {old} to {new}: values that no longer fit fail the statement or are cut"
                                    ),
                                );
                            }
                        }
                    }
                    for (t, column, ty) in impact.column_types {
                        types.insert((key(&t), key(&column)), ty);
                    }
                }
            }
        }
    }
}
