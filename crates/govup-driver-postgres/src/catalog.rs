//! Reading a schema's catalog for `govup verify` and the safety checks.
//!
//! Everything comes from `pg_catalog`, not `information_schema`: the latter hides objects the
//! role has no privilege on, and a catalog that silently leaves things out would compare equal
//! when it should not. Types, defaults and definitions are the server's own renderings
//! (`format_type`, `pg_get_expr`, `pg_get_constraintdef`, `pg_get_indexdef`), read with the
//! schema itself as the only entry of `search_path`: those functions qualify a name only when it
//! is not visible, so objects of the schema come out unqualified and two copies of one structure
//! in differently named schemas (or databases) compare equal, while references to other schemas
//! stay qualified.

use std::collections::BTreeMap;

use govup_engine::{Catalog, Column, Constraint, DbError, Dialect, Driver, Index, Sequence};

use crate::cells::{self, flag, number, optional, text};
use crate::namespace;
use crate::DIALECT;

/// govup's own table, never part of a catalog (nor are its indexes, constraints, sequences).
const HISTORY: &str = "govup_history";

/// The catalog of `schema` (None: the session's current schema), which must exist.
pub fn read(db: &mut dyn Driver, schema: Option<&str>) -> Result<Catalog, DbError> {
    let namespace = namespace::existing(db, schema)?;
    let saved = cells::first(db, "SHOW search_path")?;
    db.execute(&format!(
        "SET search_path TO {}",
        DIALECT.quote_ident(&namespace.name)
    ))?;
    let catalog = read_namespace(db, namespace.oid);
    // Put the caller's search_path back whatever happened: the engine routes patches with it.
    let restored = match saved {
        Some(path) => db.execute(&format!("SET search_path TO {path}")),
        None => db.execute("RESET search_path"),
    };
    let catalog = catalog.map_err(|e| {
        DbError::new(format!(
            "cannot read the catalog of schema \"{}\": {}",
            namespace.name, e.message
        ))
    })?;
    restored?;
    Ok(catalog)
}

/// `c.` is a table of the schema that is not govup's: the filter every query shares.
fn tables_of(oid: u32) -> String {
    format!("c.relnamespace = {oid} AND c.relkind IN ('r', 'p') AND c.relname <> '{HISTORY}'")
}

fn read_namespace(db: &mut dyn Driver, oid: u32) -> Result<Catalog, DbError> {
    let mut catalog = Catalog::default();
    for row in db.query(&tables_sql(oid))? {
        catalog.tables.insert(text(&row, 0, "a table name")?);
    }
    for row in db.query(&columns_sql(oid))? {
        catalog.columns.insert(Column {
            table: text(&row, 0, "a column's table")?,
            name: text(&row, 1, "a column name")?,
            data_type: text(&row, 2, "a column type")?,
            default: optional(&row, 3),
            nullable: flag(&row, 4, "a column's nullability")?,
            position: number(&row, 5, "a column position")?,
        });
    }
    catalog
        .indexes
        .extend(indexes(db.query(&indexes_sql(oid))?)?);
    for row in db.query(&constraints_sql(oid))? {
        let kind = match text(&row, 2, "a constraint type")?.as_str() {
            "p" => "PRIMARY KEY",
            "u" => "UNIQUE",
            "f" => "FOREIGN KEY",
            "c" => "CHECK",
            "x" => "EXCLUDE",
            other => {
                return Err(DbError::new(format!(
                    "unexpected constraint type {other:?}"
                )))
            }
        };
        catalog.constraints.insert(Constraint {
            table: text(&row, 0, "a constraint's table")?,
            name: text(&row, 1, "a constraint name")?,
            kind: kind.to_string(),
            definition: as_restored(&text(&row, 3, "a constraint definition")?),
        });
    }
    for row in db.query(&sequences_sql(oid))? {
        let cycle = if flag(&row, 6, "a sequence's cycle flag")? {
            "cycle"
        } else {
            "no cycle"
        };
        catalog.sequences.insert(Sequence {
            name: text(&row, 0, "a sequence name")?,
            definition: format!(
                "{} start {} increment {} min {} max {} {cycle}",
                text(&row, 1, "a sequence type")?,
                text(&row, 2, "a sequence start")?,
                text(&row, 3, "a sequence increment")?,
                text(&row, 4, "a sequence minimum")?,
                text(&row, 5, "a sequence maximum")?,
            ),
        });
    }
    Ok(catalog)
}

/// Base tables, partitioned ones included; views are not tables.
fn tables_sql(oid: u32) -> String {
    format!(
        "SELECT c.relname FROM pg_catalog.pg_class c WHERE {}",
        tables_of(oid)
    )
}

/// Columns with the type as declared (`character varying(20)`, `numeric(10,2)`), the default
/// expression, and a dense position: dropped columns keep their `attnum`, so counting only live
/// ones is what makes a table that lost a column compare equal to one created without it.
/// Generated and identity columns have no default expression of their own; they say what they
/// are instead, so that turning one into the other is a difference.
fn columns_sql(oid: u32) -> String {
    format!(
        "SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), \
           CASE WHEN a.attgenerated = 's' \
                  THEN 'generated always as (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') stored' \
                WHEN a.attidentity = 'a' THEN 'generated always as identity' \
                WHEN a.attidentity = 'd' THEN 'generated by default as identity' \
                ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END, \
           NOT a.attnotnull, \
           row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) \
         FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE {} AND a.attnum > 0 AND NOT a.attisdropped",
        tables_of(oid)
    )
}

/// One row per index column, in order: `pg_get_indexdef(oid, k, true)` renders column `k` (a
/// name or an expression) without its sort order, which comes from `indoption`. Covering
/// (`INCLUDE`) columns follow the keys; the access method when it is not btree and the predicate
/// of a partial index come along on every row and are appended by [`indexes`]. `indoption` has
/// entries for key columns only.
fn indexes_sql(oid: u32) -> String {
    format!(
        "SELECT c.relname, i.relname, x.indisunique, k.n, \
           pg_catalog.pg_get_indexdef(x.indexrelid, k.n, true), k.n > x.indnkeyatts, \
           coalesce(x.indoption[k.n - 1], 0), am.amname, pg_catalog.pg_get_expr(x.indpred, x.indrelid, true) \
         FROM pg_catalog.pg_index x \
         JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
         JOIN pg_catalog.pg_class c ON c.oid = x.indrelid \
         JOIN pg_catalog.pg_am am ON am.oid = i.relam \
         CROSS JOIN LATERAL generate_series(1, x.indnatts) AS k(n) \
         WHERE {} \
         ORDER BY c.relname, i.relname, k.n",
        tables_of(oid)
    )
}

/// `indoption` bits, from the server's `pg_index.h`.
const INDOPTION_DESC: i32 = 1;
const INDOPTION_NULLS_FIRST: i32 = 2;

/// Groups the rows of [`indexes_sql`] into indexes.
fn indexes(rows: Vec<Vec<Option<String>>>) -> Result<Vec<Index>, DbError> {
    struct Building {
        index: Index,
        method: String,
        predicate: Option<String>,
    }
    let mut by_name: BTreeMap<(String, String), Building> = BTreeMap::new();
    for row in rows {
        let table = text(&row, 0, "an index's table")?;
        let name = text(&row, 1, "an index name")?;
        let expression = text(&row, 4, "an index column")?;
        let included = flag(&row, 5, "an index column's kind")?;
        let option: i32 = number(&row, 6, "an index column's options")?;
        let building = match by_name.entry((table.clone(), name.clone())) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(Building {
                index: Index {
                    table,
                    name,
                    unique: flag(&row, 2, "an index's uniqueness")?,
                    columns: Vec::new(),
                },
                method: text(&row, 7, "an index's access method")?,
                predicate: optional(&row, 8),
            }),
        };
        let column = if included {
            format!("INCLUDE {expression}")
        } else {
            expression + sort_order(option)
        };
        building.index.columns.push(column);
    }
    Ok(by_name
        .into_values()
        .map(|mut b| {
            if b.method != "btree" {
                b.index.columns.push(format!("USING {}", b.method));
            }
            if let Some(predicate) = b.predicate {
                b.index
                    .columns
                    .push(format!("WHERE {}", as_restored(&predicate)));
            }
            b.index
        })
        .collect())
}

/// The order clause of a key column, empty for the default (ascending, nulls last).
fn sort_order(option: i32) -> &'static str {
    let desc = option & INDOPTION_DESC != 0;
    let nulls_first = option & INDOPTION_NULLS_FIRST != 0;
    match (desc, nulls_first) {
        (false, false) => "",
        (false, true) => " NULLS FIRST",
        (true, true) => " DESC",
        (true, false) => " DESC NULLS LAST",
    }
}

/// An expression as the server renders it once it has been dumped and restored.
///
/// `col IN ('a', 'b')` on a `varchar` column is stored as a cast of a whole array,
/// rendered `(col)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[])`.
/// pg_restore runs that text, and the parser turns a cast array constructor into a constructor of
/// cast elements, rendered `ANY (ARRAY[('a'::character varying)::text, ...])`, which is then
/// stable. Applying the parser's rewrite here, and only it, makes a restored database compare
/// equal to its original: every `(ARRAY[e1, ...])::T[]` becomes `ARRAY[(e1)::T, ...]`. Anything
/// else, a constructor without a cast included, is left as the server wrote it.
fn as_restored(expression: &str) -> String {
    const OPEN: &str = "(ARRAY[";
    let mut out = String::with_capacity(expression.len());
    let mut rest = expression;
    while let Some(at) = find_unquoted(rest, OPEN) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match cast_array(rest) {
            Some((rewritten, used)) => {
                out.push_str(&rewritten);
                rest = &rest[used..];
            }
            None => {
                out.push_str(OPEN);
                rest = &rest[OPEN.len()..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `(ARRAY[e1, ...])::T[]` at the start of `text` as `ARRAY[(e1)::T, ...]`, with the number of
/// bytes it replaces; None when `text` does not start with that shape.
fn cast_array(text: &str) -> Option<(String, usize)> {
    let body = text.strip_prefix("(ARRAY[")?;
    let (elements, close) = split_top_level(body, ']')?;
    let after = &body[close + 1..];
    let type_text = after.strip_prefix(")::")?;
    let type_end = array_type_end(type_text)?;
    let element_type = &type_text[..type_end];
    let used = "(ARRAY[".len() + close + 1 + ")::".len() + type_end + "[]".len();
    let elements: Vec<String> = elements
        .iter()
        .map(|e| format!("({})::{element_type}", as_restored(e.trim())))
        .collect();
    Some((format!("ARRAY[{}]", elements.join(", ")), used))
}

/// The byte offset of `needle` in `text` outside quoted literals and identifiers.
fn find_unquoted(text: &str, needle: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if text[i..].starts_with(needle) => return Some(i),
            None => {}
        }
    }
    None
}

/// The comma-separated parts of `text` up to the `close` bracket that ends it (outside quotes
/// and nested brackets), and that bracket's offset.
fn split_top_level(text: &str, close: char) -> Option<(Vec<&str>, usize)> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match quote {
            // A doubled quote inside a literal closes and reopens it: same state either way.
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' => depth += 1,
                ')' | ']' if depth > 0 => depth -= 1,
                c2 if c2 == close && depth == 0 => {
                    parts.push(&text[start..i]);
                    return Some((parts, i));
                }
                ')' | ']' => return None,
                ',' if depth == 0 => {
                    parts.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            },
        }
    }
    None
}

/// Where the element type of the array type starting `text` ends, before its last `[]`: a type is
/// words, dots, quoted identifiers and a parenthesised modifier (`character varying(20)`).
fn array_type_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            '[' if depth == 0 => {
                if i == 0 || !text[i..].starts_with("[]") {
                    return None;
                }
                // `T[][]` is an array of `T[]`: only the last `[]` belongs to the array.
                let mut last = i;
                while text[last + 2..].starts_with("[]") {
                    last += 2;
                }
                return Some(last);
            }
            c if depth > 0 && (c.is_ascii_digit() || c == ',' || c == ' ') => {}
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == ' ' => {}
            _ => return None,
        }
    }
    None
}

/// Table constraints that are not NOT NULL (newer servers list those too; nullability is
/// already part of the column) nor constraint triggers.
fn constraints_sql(oid: u32) -> String {
    format!(
        "SELECT c.relname, k.conname, k.contype, pg_catalog.pg_get_constraintdef(k.oid) \
         FROM pg_catalog.pg_constraint k \
         JOIN pg_catalog.pg_class c ON c.oid = k.conrelid \
         WHERE {} AND k.contype IN ('p', 'u', 'f', 'c', 'x')",
        tables_of(oid)
    )
}

/// Sequences from `pg_sequence` (not the `pg_sequences` view, which needs privileges to show
/// everything), without any that belongs to the history table.
fn sequences_sql(oid: u32) -> String {
    format!(
        "SELECT c.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, \
           s.seqmin, s.seqmax, s.seqcycle \
         FROM pg_catalog.pg_sequence s \
         JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid \
         WHERE c.relnamespace = {oid} AND NOT EXISTS ( \
           SELECT 1 FROM pg_catalog.pg_depend d \
           JOIN pg_catalog.pg_class h ON h.oid = d.refobjid \
           WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid \
             AND d.refclassid = 'pg_catalog.pg_class'::regclass \
             AND h.relnamespace = {oid} AND h.relname = '{HISTORY}')"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[Option<&str>]) -> Vec<Option<String>> {
        cells.iter().map(|c| c.map(str::to_string)).collect()
    }

    #[test]
    fn every_query_leaves_the_history_table_out() {
        for sql in [
            tables_sql(7),
            columns_sql(7),
            indexes_sql(7),
            constraints_sql(7),
        ] {
            assert!(sql.contains("c.relname <> 'govup_history'"), "{sql}");
            assert!(sql.contains("c.relnamespace = 7"), "{sql}");
        }
        assert!(sequences_sql(7).contains("h.relname = 'govup_history'"));
    }

    /// What PostgreSQL 15 renders for GovWay's `CHECK (stato IN (...))` on a varchar column,
    /// before and after pg_dump and pg_restore: both read as the restored form, which stays.
    #[test]
    fn a_cast_array_reads_as_it_does_after_a_restore() {
        let original = "CHECK (((stato)::text = ANY ((ARRAY['finale'::character varying, 'bozza'::character varying, 'operativo'::character varying])::text[])))";
        let restored = "CHECK (((stato)::text = ANY (ARRAY[('finale'::character varying)::text, ('bozza'::character varying)::text, ('operativo'::character varying)::text])))";
        assert_eq!(as_restored(original), restored);
        assert_eq!(as_restored(restored), restored);
        for unchanged in [
            "CHECK ((severita = ANY (ARRAY[0, 1, 2, 3, 4, 5, 6, 7])))",
            "CHECK ((a = 'x (ARRAY[1])::text[] y'::text))",
            "CHECK ((b = ANY ((ARRAY[1, 2])::integer)))",
            "CHECK ((ARRAY[",
            "",
        ] {
            assert_eq!(as_restored(unchanged), unchanged);
        }
        assert_eq!(
            as_restored("((ARRAY['a,b'::character varying, (x)::character varying(20), \"Q\"])::character varying(20)[])"),
            "(ARRAY[('a,b'::character varying)::character varying(20), ((x)::character varying(20))::character varying(20), (\"Q\")::character varying(20)])"
        );
        // Only the inner constructor has the shape: the outer's cast is not where it would be.
        assert_eq!(
            as_restored("(c = ANY ((ARRAY[1, (ARRAY[2])::text[]]) ::text[]))"),
            "(c = ANY ((ARRAY[1, ARRAY[(2)::text]]) ::text[]))"
        );
        assert_eq!(
            as_restored("(c = ANY ((ARRAY[(ARRAY[1])::bigint[]])::numeric[][]))"),
            "(c = ANY (ARRAY[(ARRAY[(1)::bigint])::numeric[]]))"
        );
    }

    #[test]
    fn sort_orders_name_only_what_differs_from_the_default() {
        assert_eq!(sort_order(0), "");
        assert_eq!(sort_order(INDOPTION_DESC | INDOPTION_NULLS_FIRST), " DESC");
        assert_eq!(sort_order(INDOPTION_DESC), " DESC NULLS LAST");
        assert_eq!(sort_order(INDOPTION_NULLS_FIRST), " NULLS FIRST");
    }

    #[test]
    fn index_rows_group_in_order_with_method_and_predicate() {
        let rows = vec![
            row(&[
                Some("t"),
                Some("i"),
                Some("f"),
                Some("1"),
                Some("lower(a)"),
                Some("f"),
                Some("3"),
                Some("btree"),
                None,
            ]),
            row(&[
                Some("t"),
                Some("i"),
                Some("f"),
                Some("2"),
                Some("b"),
                Some("t"),
                Some("0"),
                Some("btree"),
                None,
            ]),
            row(&[
                Some("t"),
                Some("g"),
                Some("t"),
                Some("1"),
                Some("c"),
                Some("f"),
                Some("0"),
                Some("hash"),
                Some("(c > 0)"),
            ]),
        ];
        assert_eq!(
            indexes(rows).unwrap(),
            [
                Index {
                    table: "t".into(),
                    name: "g".into(),
                    unique: true,
                    columns: vec!["c".into(), "USING hash".into(), "WHERE (c > 0)".into()],
                },
                Index {
                    table: "t".into(),
                    name: "i".into(),
                    unique: false,
                    columns: vec!["lower(a) DESC".into(), "INCLUDE b".into()],
                },
            ]
        );
        let bad = vec![row(&[Some("t"), Some("i"), Some("f"), Some("1"), None])];
        assert_eq!(
            indexes(bad).unwrap_err().message,
            "the server answered without an index column"
        );
    }
}
