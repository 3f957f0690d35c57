//! A schema's catalog, as `govup verify` compares it: tables; columns with type, default and
//! nullability; indexes with their columns; constraints; sequences. Drivers read it; comparing
//! is the same for every database.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Column {
    pub table: String,
    pub name: String,
    /// As the database reports it (`character varying(255)`, `varchar(255)`, `INTEGER`).
    pub data_type: String,
    pub default: Option<String>,
    pub nullable: bool,
    /// 1-based physical position; compared only with `--strict-order`.
    pub position: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Index {
    pub table: String,
    pub name: String,
    pub unique: bool,
    /// Column names (or expressions) in index order.
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Constraint {
    pub table: String,
    pub name: String,
    /// `PRIMARY KEY`, `UNIQUE`, `FOREIGN KEY`, `CHECK`.
    pub kind: String,
    /// The database's own rendering of it, when it gives one.
    pub definition: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sequence {
    pub name: String,
    pub definition: String,
}

/// Everything `verify` compares. govup's own `govup_history` is never part of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub tables: BTreeSet<String>,
    pub columns: BTreeSet<Column>,
    pub indexes: BTreeSet<Index>,
    pub constraints: BTreeSet<Constraint>,
    pub sequences: BTreeSet<Sequence>,
}

/// One difference between two catalogs: `left` is what the first has, `right` the second.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// `table`, `column`, `index`, `constraint`, `sequence`.
    pub kind: &'static str,
    /// `table`, `table.column`, `table.index`…
    pub object: String,
    pub left: Option<String>,
    pub right: Option<String>,
}

impl Catalog {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.sequences.is_empty()
    }
}

/// The differences from `left` to `right`, sorted; empty when they are equal. Column order counts
/// only with `strict_order` (columns added by ALTER TABLE go last, which a fresh install differs in).
pub fn diff(left: &Catalog, right: &Catalog, strict_order: bool) -> Vec<Difference> {
    let mut out = Vec::new();
    let tables = |c: &Catalog| {
        c.tables
            .iter()
            .map(|t| (t.clone(), String::new()))
            .collect()
    };
    compare("table", &tables(left), &tables(right), &mut out);
    let columns = |c: &Catalog| {
        c.columns
            .iter()
            .map(|col| {
                let mut d = format!(
                    "{} {} default {}",
                    col.data_type,
                    if col.nullable { "null" } else { "not null" },
                    col.default.as_deref().unwrap_or("none")
                );
                if strict_order {
                    d += &format!(" at position {}", col.position);
                }
                (format!("{}.{}", col.table, col.name), d)
            })
            .collect()
    };
    compare("column", &columns(left), &columns(right), &mut out);
    let indexes = |c: &Catalog| {
        c.indexes
            .iter()
            .map(|i| {
                let u = if i.unique { "unique " } else { "" };
                (
                    format!("{}.{}", i.table, i.name),
                    format!("{u}({})", i.columns.join(", ")),
                )
            })
            .collect()
    };
    compare("index", &indexes(left), &indexes(right), &mut out);
    let constraints = |c: &Catalog| {
        c.constraints
            .iter()
            .map(|k| (format!("{}.{}", k.table, k.name), described(k)))
            .collect()
    };
    compare(
        "constraint",
        &constraints(left),
        &constraints(right),
        &mut out,
    );
    let sequences = |c: &Catalog| {
        c.sequences
            .iter()
            .map(|s| (s.name.clone(), s.definition.clone()))
            .collect()
    };
    compare("sequence", &sequences(left), &sequences(right), &mut out);
    out
}

/// A constraint as `verify` shows it: its kind, then its definition. Some databases' own
/// renderings already open with the kind (PostgreSQL's `CHECK (...)`), which is not repeated.
fn described(k: &Constraint) -> String {
    let opens_with_kind = k
        .definition
        .strip_prefix(k.kind.as_str())
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '(']));
    if opens_with_kind {
        k.definition.clone()
    } else {
        format!("{} {}", k.kind, k.definition)
            .trim_end()
            .to_string()
    }
}

fn compare(
    kind: &'static str,
    left: &BTreeMap<String, String>,
    right: &BTreeMap<String, String>,
    out: &mut Vec<Difference>,
) {
    let keys: BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    for key in keys {
        let (l, r) = (left.get(key), right.get(key));
        if l != r {
            out.push(Difference {
                kind,
                object: key.clone(),
                left: l.cloned(),
                right: r.cloned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(table: &str, name: &str, position: u32) -> Column {
        Column {
            table: table.into(),
            name: name.into(),
            data_type: "integer".into(),
            default: None,
            nullable: true,
            position,
        }
    }

    #[test]
    fn column_order_counts_only_when_strict() {
        let mut a = Catalog::default();
        a.tables.insert("t".into());
        let mut b = a.clone();
        a.columns.extend([col("t", "x", 1), col("t", "y", 2)]);
        b.columns.extend([col("t", "y", 1), col("t", "x", 2)]);
        assert!(diff(&a, &b, false).is_empty());
        assert_eq!(diff(&a, &b, true).len(), 2);
    }

    /// The kind is said once, whether or not the database's rendering starts with it.
    #[test]
    fn constraints_name_their_kind_once() {
        let constraint = |name: &str, kind: &str, definition: &str| Constraint {
            table: "t".into(),
            name: name.into(),
            kind: kind.into(),
            definition: definition.into(),
        };
        let mut a = Catalog::default();
        a.constraints.extend([
            constraint("pg_check", "CHECK", "CHECK ((a > 0))"),
            constraint("pg_pk", "PRIMARY KEY", "PRIMARY KEY (id)"),
            constraint("my_check", "CHECK", "`a` > 0"),
            constraint("my_checked", "CHECK", "CHECKED > 0"),
            constraint("my_unique", "UNIQUE", "(a, b)"),
            constraint("bare", "CHECK", ""),
        ]);
        let shown: Vec<String> = diff(&a, &Catalog::default(), false)
            .into_iter()
            .map(|d| format!("{} {}", d.object, d.left.unwrap()))
            .collect();
        assert_eq!(
            shown,
            [
                "t.bare CHECK",
                "t.my_check CHECK `a` > 0",
                "t.my_checked CHECK CHECKED > 0",
                "t.my_unique UNIQUE (a, b)",
                "t.pg_check CHECK ((a > 0))",
                "t.pg_pk PRIMARY KEY (id)",
            ]
        );
    }

    #[test]
    fn index_columns_and_missing_objects() {
        let mut a = Catalog::default();
        let mut b = Catalog::default();
        a.tables.insert("t".into());
        b.tables.insert("t".into());
        b.tables.insert("u".into());
        a.indexes.insert(Index {
            table: "t".into(),
            name: "i".into(),
            unique: true,
            columns: vec!["a".into(), "b".into()],
        });
        b.indexes.insert(Index {
            table: "t".into(),
            name: "i".into(),
            unique: true,
            columns: vec!["a".into()],
        });
        assert_eq!(
            diff(&a, &b, false),
            [
                Difference {
                    kind: "table",
                    object: "u".into(),
                    left: None,
                    right: Some(String::new())
                },
                Difference {
                    kind: "index",
                    object: "t.i".into(),
                    left: Some("unique (a, b)".into()),
                    right: Some("unique (a)".into())
                },
            ]
        );
    }
}
