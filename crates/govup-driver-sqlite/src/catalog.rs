//! The catalog of an SQLite database, read from `sqlite_master` and the table-valued pragmas.
//!
//! What is in it and how it is named, where SQLite leaves a choice:
//!
//! - tables: ordinary and virtual tables of `main`; not SQLite's own (`sqlite_%`, among them
//!   AUTOINCREMENT's `sqlite_sequence`), not the shadow tables a virtual table keeps its data in,
//!   not `govup_history`. Views and triggers are not part of a [`Catalog`];
//! - columns (`pragma_table_xinfo`): the type as declared (`VARCHAR(255)`, empty when none was),
//!   the default as written (`'x'`, `0`, `CURRENT_TIMESTAMP`), nullable unless declared NOT NULL
//!   (as SQLite reports it: a PRIMARY KEY column of a rowid table may hold NULL unless declared
//!   NOT NULL, so it counts as nullable), position `cid + 1`. Generated columns are listed (their
//!   expression is not: SQLite does not report it); a virtual table's hidden columns are not;
//! - indexes (`pragma_index_list`, `pragma_index_xinfo`): every index, including the automatic
//!   ones SQLite makes for PRIMARY KEY and UNIQUE constraints, under the names SQLite gives them
//!   (`sqlite_autoindex_<table>_<n>`, numbered in declaration order, so two tables declared alike
//!   get the same names). Columns are names; an expression is its text from the `CREATE INDEX`;
//!   a descending term ends in ` DESC`. A partial index's WHERE is not reported;
//! - constraints: PRIMARY KEY, UNIQUE (the unique indexes SQLite made for a constraint) and
//!   FOREIGN KEY. SQLite does not report constraint names, so they are named as PostgreSQL names
//!   them by default: `<table>_pkey`, `<table>_<columns>_key`, `<table>_<columns>_fkey`, with a
//!   number appended when two would share a name. CHECK constraints are left out: no pragma
//!   lists them, and reading them would mean parsing `CREATE TABLE`;
//! - sequences: none. SQLite has no sequences; AUTOINCREMENT's counters are rows of the internal
//!   `sqlite_sequence`.

use std::collections::BTreeSet;

use govup_engine::{Catalog, Column, Constraint, DbError, Index};
use rusqlite::{params, Connection};

/// Reads the catalog of `conn`'s `main` database.
pub(crate) fn read(conn: &Connection) -> Result<Catalog, DbError> {
    let mut catalog = Catalog::default();
    for table in tables(conn)? {
        let fail = |e: rusqlite::Error| {
            DbError::new(format!("cannot read the catalog of table {table}: {e}"))
        };
        let primary_key = columns(conn, &table, &mut catalog).map_err(fail)?;
        let mut constraints = Vec::new();
        if !primary_key.is_empty() {
            constraints.push(("PRIMARY KEY", list(&primary_key)));
        }
        indexes(conn, &table, &mut catalog, &mut constraints).map_err(fail)?;
        foreign_keys(conn, &table, &mut constraints).map_err(fail)?;
        name_constraints(&table, constraints, &mut catalog.constraints);
        catalog.tables.insert(table);
    }
    Ok(catalog)
}

fn tables(conn: &Connection) -> Result<Vec<String>, DbError> {
    let fail = |e: rusqlite::Error| DbError::new(format!("cannot list the tables: {e}"));
    let mut stmt = conn
        .prepare(
            "SELECT name FROM pragma_table_list \
             WHERE schema = 'main' AND type IN ('table', 'virtual') \
               AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
               AND lower(name) <> 'govup_history' \
             ORDER BY name",
        )
        .map_err(fail)?;
    let names = stmt.query_map([], |r| r.get(0)).map_err(fail)?;
    names.collect::<Result<_, _>>().map_err(fail)
}

/// Adds `table`'s columns and returns its primary key's columns, in key order.
fn columns(conn: &Connection, table: &str, catalog: &mut Catalog) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?1, 'main') \
         WHERE hidden <> 1 ORDER BY cid",
    )?;
    let mut rows = stmt.query(params![table])?;
    let mut key = Vec::new();
    while let Some(row) = rows.next()? {
        let cid: i64 = row.get(0)?;
        let name: String = row.get(1)?;
        let pk: i64 = row.get(5)?;
        if pk > 0 {
            key.push((pk, name.clone()));
        }
        catalog.columns.insert(Column {
            table: table.to_string(),
            name,
            data_type: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
            default: row.get(4)?,
            nullable: row.get::<_, i64>(3)? == 0,
            position: u32::try_from(cid + 1).unwrap_or(0),
        });
    }
    key.sort();
    Ok(key.into_iter().map(|(_, name)| name).collect())
}

/// Adds `table`'s indexes, and to `constraints` the UNIQUE constraints they implement.
fn indexes(
    conn: &Connection,
    table: &str,
    catalog: &mut Catalog,
    constraints: &mut Vec<(&'static str, String)>,
) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare("SELECT name, \"unique\", origin FROM pragma_index_list(?1, 'main')")?;
    let found = stmt
        .query_map(params![table], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? != 0,
                r.get::<_, String>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (name, unique, origin) in found {
        let columns = index_columns(conn, &name)?;
        if origin == "u" {
            constraints.push(("UNIQUE", list(&columns)));
        }
        catalog.indexes.insert(Index {
            table: table.to_string(),
            name,
            unique,
            columns,
        });
    }
    Ok(())
}

/// The key terms of index `index`: column names, expressions as written, ` DESC` when descending.
fn index_columns(conn: &Connection, index: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT cid, name, \"desc\" FROM pragma_index_xinfo(?1, 'main') \
         WHERE key = 1 ORDER BY seqno",
    )?;
    let keys = stmt
        .query_map(params![index], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, i64>(2)? != 0,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // Expressions have no name in the pragma: their text comes from the CREATE INDEX.
    let terms = if keys.iter().any(|(cid, _, _)| *cid == -2) {
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                params![index],
                |r| r.get(0),
            )
            .ok()
            .flatten();
        sql.as_deref()
            .and_then(index_terms)
            .filter(|t| t.len() == keys.len())
    } else {
        None
    };
    Ok(keys
        .into_iter()
        .enumerate()
        .map(|(i, (cid, name, desc))| {
            let term = match (cid, name) {
                (-2, _) => terms
                    .as_ref()
                    .and_then(|t| t.get(i))
                    .map(|t| without_order(t).to_string())
                    .unwrap_or_else(|| "<expression>".into()),
                (_, Some(name)) => name,
                (_, None) => "rowid".into(),
            };
            if desc {
                format!("{term} DESC")
            } else {
                term
            }
        })
        .collect())
}

/// Adds to `constraints` the foreign keys of `table`.
fn foreign_keys(
    conn: &Connection,
    table: &str,
    constraints: &mut Vec<(&'static str, String)>,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete \
         FROM pragma_foreign_key_list(?1, 'main') ORDER BY id, seq",
    )?;
    type Row = (i64, String, String, Option<String>, String, String);
    let rows = stmt
        .query_map(params![table], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<Row>>>()?;
    let mut start = 0;
    while start < rows.len() {
        let id = rows[start].0;
        let end = rows[start..]
            .iter()
            .position(|r| r.0 != id)
            .map_or(rows.len(), |n| start + n);
        let key = &rows[start..end];
        let (_, parent, _, _, on_update, on_delete) = &key[0];
        let from: Vec<String> = key.iter().map(|r| r.2.clone()).collect();
        let mut to: Vec<String> = key.iter().filter_map(|r| r.3.clone()).collect();
        if to.is_empty() {
            // `REFERENCES parent` without columns means the parent's primary key: name it, so
            // that both spellings of the same key compare equal.
            to = primary_key_of(conn, parent)?;
        }
        let mut definition = format!("{} REFERENCES {parent}", list(&from));
        if !to.is_empty() {
            definition.push_str(&list(&to));
        }
        for (event, action) in [("DELETE", on_delete), ("UPDATE", on_update)] {
            if action != "NO ACTION" {
                definition.push_str(&format!(" ON {event} {action}"));
            }
        }
        constraints.push(("FOREIGN KEY", definition));
        start = end;
    }
    Ok(())
}

/// The primary key columns of `table`, empty when it has none or does not exist.
fn primary_key_of(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT name FROM pragma_table_info(?1, 'main') WHERE pk > 0 ORDER BY pk")?;
    let names = stmt.query_map(params![table], |r| r.get(0))?;
    names.collect()
}

/// Gives each of `table`'s constraints PostgreSQL's default name, numbering clashes in the order
/// of their definitions so that the names do not depend on declaration order.
fn name_constraints(
    table: &str,
    mut constraints: Vec<(&'static str, String)>,
    out: &mut BTreeSet<Constraint>,
) {
    constraints.sort();
    let mut used = BTreeSet::new();
    for (kind, definition) in constraints {
        let columns = columns_of(&definition).join("_");
        let base = match kind {
            "PRIMARY KEY" => format!("{table}_pkey"),
            "UNIQUE" => format!("{table}_{columns}_key"),
            _ => format!("{table}_{columns}_fkey"),
        };
        let mut name = base.clone();
        let mut n = 0;
        while !used.insert(name.clone()) {
            n += 1;
            name = format!("{base}{n}");
        }
        out.insert(Constraint {
            table: table.to_string(),
            name,
            kind: kind.to_string(),
            definition,
        });
    }
}

/// `(a, b)`.
fn list(names: &[String]) -> String {
    format!("({})", names.join(", "))
}

/// The column names of a definition's leading `(a, b)`, without ` DESC`.
fn columns_of(definition: &str) -> Vec<&str> {
    let inner = definition
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .map_or("", |(inner, _)| inner);
    inner
        .split(", ")
        .map(|c| c.strip_suffix(" DESC").unwrap_or(c))
        .filter(|c| !c.is_empty())
        .collect()
}

/// The index just past the quote that closes the one opening at `open` (the end of the text when
/// it never closes). A doubled quote inside is an escaped quote; `[...]` has no escape.
fn past_quote(bytes: &[u8], open: usize) -> usize {
    let close = if bytes[open] == b'[' {
        b']'
    } else {
        bytes[open]
    };
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == close {
            if close != b']' && bytes.get(i + 1) == Some(&close) {
                i += 1;
            } else {
                return i + 1;
            }
        }
        i += 1;
    }
    bytes.len()
}

/// `sql` with every comment replaced by a blank.
fn without_comments(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut i, mut kept) = (0, 0);
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\'' | b'"' | b'`' | b'[' => {
                i = past_quote(bytes, i);
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                sql[i..].find('\n').map_or(sql.len(), |n| i + n)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                sql[i + 2..].find("*/").map_or(sql.len(), |n| i + 2 + n + 2)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&sql[kept..i]);
        out.push(' ');
        (i, kept) = (end, end);
    }
    out.push_str(&sql[kept..]);
    out
}

/// The terms of the column list of a `CREATE INDEX` statement, each trimmed and with its blanks
/// collapsed, or None when the text has no complete list. Quotes and comments are skipped, so a
/// parenthesis or comma inside them does not count; comments are not part of a term.
fn index_terms(sql: &str) -> Option<Vec<String>> {
    let sql = without_comments(sql);
    let bytes = sql.as_bytes();
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' | b'[' => {
                i = past_quote(bytes, i);
                continue;
            }
            b'(' => {
                depth += 1;
                if depth == 1 {
                    start = i + 1;
                }
            }
            b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    terms.push(collapse(&sql[start..i]));
                    return Some(terms);
                }
            }
            b',' if depth == 1 => {
                terms.push(collapse(&sql[start..i]));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A term without its trailing `ASC` or `DESC` (the pragma says which it is).
fn without_order(term: &str) -> &str {
    for word in [" DESC", " ASC"] {
        let cut = term.len().saturating_sub(word.len());
        if term.is_char_boundary(cut) && term[cut..].eq_ignore_ascii_case(word) {
            return term[..cut].trim_end();
        }
    }
    term
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_of_index_statements() {
        assert_eq!(
            index_terms("CREATE INDEX i ON t (a, b DESC)"),
            Some(vec!["a".into(), "b DESC".into()])
        );
        assert_eq!(
            index_terms(
                "CREATE UNIQUE INDEX \"we(ird\" ON [t(x]\n  (lower( a ) ,\n substr(b, 1, ','), -- c, d)\n c)"
            ),
            Some(vec![
                "lower( a )".into(),
                "substr(b, 1, ',')".into(),
                "c".into()
            ])
        );
        assert_eq!(
            index_terms("CREATE INDEX i /* ( */ ON t ( a /* x */ || 'it''s (' , b)"),
            Some(vec!["a || 'it''s ('".into(), "b".into()])
        );
        assert_eq!(
            without_comments("a -- x\nb /* y */ c /* open"),
            "a  \nb   c  "
        );
        assert_eq!(index_terms("CREATE INDEX i ON t (a"), None);
        assert_eq!(index_terms("CREATE INDEX i ON t"), None);
        assert_eq!(index_terms(")"), None);
    }

    #[test]
    fn order_suffixes() {
        assert_eq!(without_order("lower(a) DESC"), "lower(a)");
        assert_eq!(without_order("lower(a) asc"), "lower(a)");
        assert_eq!(without_order("lower(a)"), "lower(a)");
        assert_eq!(without_order("DESC"), "DESC");
        assert_eq!(without_order("é DESC"), "é");
    }

    #[test]
    fn constraint_names_follow_postgresql_and_never_clash() {
        let mut out = BTreeSet::new();
        name_constraints(
            "t",
            vec![
                ("FOREIGN KEY", "(a) REFERENCES q(id)".into()),
                ("UNIQUE", "(a, b DESC)".into()),
                ("PRIMARY KEY", "(id)".into()),
                ("FOREIGN KEY", "(a) REFERENCES p(id)".into()),
            ],
            &mut out,
        );
        let names: Vec<(String, String)> =
            out.into_iter().map(|c| (c.name, c.definition)).collect();
        assert_eq!(
            names,
            [
                ("t_a_b_key".to_string(), "(a, b DESC)".to_string()),
                ("t_a_fkey".into(), "(a) REFERENCES p(id)".into()),
                ("t_a_fkey1".into(), "(a) REFERENCES q(id)".into()),
                ("t_pkey".into(), "(id)".into()),
            ]
        );
    }
}
