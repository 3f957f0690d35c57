//! A database's catalog, read from `information_schema` for `govup verify` and for checking that
//! a restore or a scratch copy is faithful. Values are kept as the server reports them (MariaDB
//! quotes string defaults, `'x'`, and reports a nullable column without a default as `NULL`),
//! because a catalog is only ever compared with another one from the same kind of server.

use std::collections::{BTreeMap, BTreeSet};

use govup_engine::catalog::{Catalog, Column, Constraint, Index, Sequence};
use govup_engine::driver::{DbError, Dialect};

use crate::connection::MySqlConnection;
use crate::databases;
use crate::DIALECT;

/// govup's own tables: the history, and the Galera lock row's table. Neither is the product's.
const OWN_TABLES: [&str; 2] = ["govup_history", crate::galera::TABLE];

type Row = Vec<Option<String>>;

/// The catalog of `schema` (None: the connection's default database), without govup's own
/// tables (`govup_history`, `govup_lock`).
pub fn read(c: &mut MySqlConnection, schema: Option<&str>) -> Result<Catalog, DbError> {
    let database = databases::resolve(c, schema)?;
    databases::existing(c, &database)?;
    let db = DIALECT.quote_literal(&database);
    let mut catalog = Catalog::default();

    // 'SYSTEM VERSIONED' is MariaDB's table_type for a base table that keeps its history.
    let mut sequences = Vec::new();
    for row in c.rows(&format!(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = {db} AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED', 'SEQUENCE')"
    ))? {
        let name = text(&row, 0, "tables")?;
        if OWN_TABLES.contains(&name.as_str()) {
            continue;
        }
        if text(&row, 1, "tables")? == "SEQUENCE" {
            sequences.push(name);
        } else {
            catalog.tables.insert(name);
        }
    }
    let tables = catalog.tables.clone();
    let ours = |row: &Row| {
        row.first()
            .cloned()
            .flatten()
            .is_some_and(|t| tables.contains(&t))
    };

    for row in c.rows(&format!(
        "SELECT table_name, column_name, column_type, column_default, is_nullable, ordinal_position, extra, generation_expression FROM information_schema.columns WHERE table_schema = {db}"
    ))? {
        if ours(&row) {
            catalog.columns.insert(column(&row)?);
        }
    }

    catalog.indexes = indexes(
        c.rows(&format!(
            "SELECT table_name, index_name, non_unique, seq_in_index, column_name, sub_part, collation FROM information_schema.statistics WHERE table_schema = {db}"
        ))?
        .into_iter()
        .filter(|row| ours(row))
        .collect(),
    )?;

    let constraint_rows: Vec<Row> = c
        .rows(&format!(
            "SELECT table_name, constraint_name, constraint_type FROM information_schema.table_constraints WHERE table_schema = {db} AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY', 'CHECK')"
        ))?
        .into_iter()
        .filter(|row| ours(row))
        .collect();
    let key_columns = c.rows(&format!(
        "SELECT table_name, constraint_name, ordinal_position, column_name, referenced_table_schema, referenced_table_name, referenced_column_name FROM information_schema.key_column_usage WHERE table_schema = {db}"
    ))?;
    let rules = c.rows(&format!(
        "SELECT table_name, constraint_name, update_rule, delete_rule FROM information_schema.referential_constraints WHERE constraint_schema = {db}"
    ))?;
    let checks = check_clauses(c, &db)?;
    catalog.constraints = constraints(&database, constraint_rows, key_columns, rules, checks)?;

    for name in sequences {
        let rows = c.rows(&format!(
            "SELECT start_value, minimum_value, maximum_value, increment, cache_size, cycle_option FROM {}",
            DIALECT.qualify(Some(&database), &name)
        ))?;
        let row = rows
            .into_iter()
            .next()
            .ok_or_else(|| DbError::new(format!("sequence {database}.{name} returned no row")))?;
        catalog.sequences.insert(Sequence {
            definition: sequence_definition(&row)?,
            name,
        });
    }
    Ok(catalog)
}

/// A required cell; information_schema never leaves these empty, but an answer is not trusted.
fn text(row: &[Option<String>], i: usize, view: &str) -> Result<String, DbError> {
    row.get(i).cloned().flatten().ok_or_else(|| {
        DbError::new(format!(
            "unexpected answer from information_schema.{view}: column {} is missing or null",
            i + 1
        ))
    })
}

/// A column name as `verify` compares it. MySQL and MariaDB match column names without regard to
/// case everywhere (`ORA_REGISTRAZIONE` and `ora_registrazione` are one column, and a patch may
/// spell it either way), unlike table names, whose case depends on the server's
/// `lower_case_table_names`: column names are compared in lower case, table names as they are.
fn column_name(name: String) -> String {
    name.to_lowercase()
}

/// A CHECK clause with its column names as [`column_name`] gives them: the server writes every
/// name in a clause between backticks, and nothing else goes there; string literals are left as
/// they are.
fn quoted_names_lowered(clause: &str) -> String {
    let mut out = String::with_capacity(clause.len());
    let mut quote = None;
    let mut escaped = false;
    for c in clause.chars() {
        match quote {
            None if matches!(c, '`' | '\'' | '"') => quote = Some(c),
            None => {}
            Some('`') if c == '`' => quote = None,
            Some('`') => {
                out.extend(c.to_lowercase());
                continue;
            }
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
        }
        out.push(c);
    }
    out
}

fn cell(row: &[Option<String>], i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

/// One row of information_schema.columns. The type carries `extra` (`auto_increment`, `on update
/// current_timestamp()`) and a generated column's expression: a column that lost its
/// AUTO_INCREMENT is not the same column, though its `column_type` is.
fn column(row: &[Option<String>]) -> Result<Column, DbError> {
    let mut data_type = text(row, 2, "columns")?;
    if let Some(extra) = cell(row, 6).filter(|e| !e.is_empty()) {
        data_type = format!("{data_type} {extra}");
    }
    if let Some(expression) = cell(row, 7).filter(|e| !e.is_empty()) {
        data_type = format!("{data_type} as ({expression})");
    }
    let position = text(row, 5, "columns")?;
    Ok(Column {
        table: text(row, 0, "columns")?,
        name: column_name(text(row, 1, "columns")?),
        data_type,
        default: cell(row, 3),
        nullable: text(row, 4, "columns")? == "YES",
        position: position.parse().map_err(|_| {
            DbError::new(format!(
                "unexpected answer from information_schema.columns: ordinal_position {position}"
            ))
        })?,
    })
}

/// Rows of information_schema.statistics, grouped into indexes with their columns in index
/// order. A prefix index shows its length, `code(5)`, and a descending part says `DESC`.
fn indexes(rows: Vec<Row>) -> Result<BTreeSet<Index>, DbError> {
    /// (unique, (position, part) in any order) per (table, index).
    type Parts = (bool, Vec<(u32, String)>);
    let mut grouped: BTreeMap<(String, String), Parts> = BTreeMap::new();
    for row in rows {
        let table = text(&row, 0, "statistics")?;
        let name = text(&row, 1, "statistics")?;
        let unique = text(&row, 2, "statistics")? == "0";
        let seq = number(&row, 3, "statistics")?;
        // MySQL 8 reports a functional key part with a NULL column name.
        let mut part = cell(&row, 4).map_or_else(|| "(expression)".to_string(), column_name);
        if let Some(length) = cell(&row, 5) {
            part = format!("{part}({length})");
        }
        if cell(&row, 6).as_deref() == Some("D") {
            part.push_str(" DESC");
        }
        let entry = grouped.entry((table, name)).or_insert((unique, Vec::new()));
        entry.1.push((seq, part));
    }
    Ok(grouped
        .into_iter()
        .map(|((table, name), (unique, mut parts))| {
            parts.sort();
            Index {
                table,
                name,
                unique,
                columns: parts.into_iter().map(|(_, p)| p).collect(),
            }
        })
        .collect())
}

fn number(row: &[Option<String>], i: usize, view: &str) -> Result<u32, DbError> {
    let t = text(row, i, view)?;
    t.parse().map_err(|_| {
        DbError::new(format!(
            "unexpected answer from information_schema.{view}: {t} is not a number"
        ))
    })
}

/// (table, constraint name, clause) of every CHECK constraint. MariaDB names CHECK constraints
/// per table and says which table; MySQL 8 names them per database and does not; MySQL 5.7 has
/// no CHECK constraints at all.
fn check_clauses(c: &mut MySqlConnection, db: &str) -> Result<Vec<Row>, DbError> {
    let shape = c.rows(
        "SELECT UPPER(column_name) FROM information_schema.columns WHERE table_schema = 'information_schema' AND table_name = 'CHECK_CONSTRAINTS'",
    )?;
    if shape.is_empty() {
        return Ok(Vec::new());
    }
    let per_table = shape
        .iter()
        .any(|row| cell(row, 0).as_deref() == Some("TABLE_NAME"));
    let sql = if per_table {
        format!("SELECT table_name, constraint_name, check_clause FROM information_schema.check_constraints WHERE constraint_schema = {db}")
    } else {
        format!("SELECT tc.table_name, cc.constraint_name, cc.check_clause FROM information_schema.check_constraints cc JOIN information_schema.table_constraints tc ON tc.constraint_schema = cc.constraint_schema AND tc.constraint_name = cc.constraint_name AND tc.constraint_type = 'CHECK' WHERE cc.constraint_schema = {db}")
    };
    c.rows(&sql)
}

/// Builds the constraints with their definitions: `(cols)` for primary keys and unique keys,
/// `(cols) REFERENCES t(cols) ON UPDATE .. ON DELETE ..` for foreign keys (the referenced table
/// qualified only when it is in another database), the clause for checks.
fn constraints(
    database: &str,
    constraints: Vec<Row>,
    key_columns: Vec<Row>,
    rules: Vec<Row>,
    checks: Vec<Row>,
) -> Result<BTreeSet<Constraint>, DbError> {
    type Key = (String, String);
    struct KeyPart {
        position: u32,
        column: String,
        referenced_schema: Option<String>,
        referenced_table: Option<String>,
        referenced_column: Option<String>,
    }
    let mut parts: BTreeMap<Key, Vec<KeyPart>> = BTreeMap::new();
    for row in key_columns {
        let key = (
            text(&row, 0, "key_column_usage")?,
            text(&row, 1, "key_column_usage")?,
        );
        parts.entry(key).or_default().push(KeyPart {
            position: number(&row, 2, "key_column_usage")?,
            column: column_name(text(&row, 3, "key_column_usage")?),
            referenced_schema: cell(&row, 4),
            referenced_table: cell(&row, 5),
            referenced_column: cell(&row, 6).map(column_name),
        });
    }
    let mut rule_of: BTreeMap<Key, (String, String)> = BTreeMap::new();
    for row in rules {
        rule_of.insert(
            (
                text(&row, 0, "referential_constraints")?,
                text(&row, 1, "referential_constraints")?,
            ),
            (
                text(&row, 2, "referential_constraints")?,
                text(&row, 3, "referential_constraints")?,
            ),
        );
    }
    let mut clause_of: BTreeMap<Key, String> = BTreeMap::new();
    for row in checks {
        clause_of.insert(
            (
                text(&row, 0, "check_constraints")?,
                text(&row, 1, "check_constraints")?,
            ),
            quoted_names_lowered(&text(&row, 2, "check_constraints")?),
        );
    }

    let mut out = BTreeSet::new();
    for row in constraints {
        let table = text(&row, 0, "table_constraints")?;
        let name = text(&row, 1, "table_constraints")?;
        let kind = text(&row, 2, "table_constraints")?;
        let key = (table.clone(), name.clone());
        let mut columns = parts.remove(&key).unwrap_or_default();
        columns.sort_by_key(|p| p.position);
        let list = |f: &dyn Fn(&KeyPart) -> Option<String>| {
            columns.iter().filter_map(f).collect::<Vec<_>>().join(", ")
        };
        let definition = match kind.as_str() {
            "FOREIGN KEY" => {
                let referenced = columns
                    .first()
                    .and_then(|p| p.referenced_table.clone())
                    .unwrap_or_default();
                let referenced = match columns.first().and_then(|p| p.referenced_schema.as_deref())
                {
                    Some(schema) if schema != database => format!("{schema}.{referenced}"),
                    _ => referenced,
                };
                let mut d = format!(
                    "({}) REFERENCES {referenced}({})",
                    list(&|p| Some(p.column.clone())),
                    list(&|p| p.referenced_column.clone())
                );
                if let Some((update, delete)) = rule_of.get(&key) {
                    d.push_str(&format!(" ON UPDATE {update} ON DELETE {delete}"));
                }
                d
            }
            "CHECK" => clause_of.get(&key).cloned().unwrap_or_default(),
            _ => format!("({})", list(&|p| Some(p.column.clone()))),
        };
        out.insert(Constraint {
            table,
            name,
            kind,
            definition,
        });
    }
    Ok(out)
}

/// A MariaDB sequence in `CREATE SEQUENCE` words, without the value it has reached: two
/// databases are the same when their sequences are defined alike, however far they counted.
fn sequence_definition(row: &[Option<String>]) -> Result<String, DbError> {
    let get = |i| text(row, i, "sequence");
    Ok(format!(
        "start with {} minvalue {} maxvalue {} increment by {} cache {} {}",
        get(0)?,
        get(1)?,
        get(2)?,
        get(3)?,
        get(4)?,
        if get(5)? == "0" { "nocycle" } else { "cycle" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[Option<&str>]) -> Row {
        cells.iter().map(|c| c.map(str::to_string)).collect()
    }

    #[test]
    fn columns_carry_extra_and_generation() {
        let c = column(&row(&[
            Some("t"),
            Some("id"),
            Some("bigint(20)"),
            None,
            Some("NO"),
            Some("1"),
            Some("auto_increment"),
            None,
        ]))
        .unwrap();
        assert_eq!(
            c,
            Column {
                table: "t".into(),
                name: "id".into(),
                data_type: "bigint(20) auto_increment".into(),
                default: None,
                nullable: false,
                position: 1
            }
        );
        let c = column(&row(&[
            Some("t"),
            Some("g"),
            Some("int(11)"),
            Some("NULL"),
            Some("YES"),
            Some("3"),
            Some("VIRTUAL GENERATED"),
            Some("`a` + 1"),
        ]))
        .unwrap();
        assert_eq!(c.data_type, "int(11) VIRTUAL GENERATED as (`a` + 1)");
        assert_eq!(c.default.as_deref(), Some("NULL"));
        assert!(c.nullable);
        // MySQL 8 reports empty strings where MariaDB reports NULL.
        let c = column(&row(&[
            Some("t"),
            Some("x"),
            Some("int"),
            Some("5"),
            Some("YES"),
            Some("2"),
            Some(""),
            Some(""),
        ]))
        .unwrap();
        assert_eq!(c.data_type, "int");
        assert!(column(&row(&[Some("t"), Some("x"), None])).is_err());
        let bad = column(&row(&[
            Some("t"),
            Some("x"),
            Some("int"),
            None,
            Some("NO"),
            Some("first"),
        ]))
        .unwrap_err();
        assert!(bad.message.contains("ordinal_position first"), "{bad}");
    }

    #[test]
    fn indexes_group_parts_in_order() {
        let got = indexes(vec![
            row(&[
                Some("t"),
                Some("ix"),
                Some("1"),
                Some("2"),
                Some("code"),
                Some("5"),
                Some("A"),
            ]),
            row(&[
                Some("t"),
                Some("ix"),
                Some("1"),
                Some("1"),
                Some("n"),
                None,
                Some("D"),
            ]),
            row(&[
                Some("t"),
                Some("PRIMARY"),
                Some("0"),
                Some("1"),
                Some("id"),
                None,
                Some("A"),
            ]),
            row(&[Some("u"), Some("f"), Some("1"), Some("1"), None, None, None]),
        ])
        .unwrap();
        let got: Vec<_> = got.into_iter().collect();
        assert_eq!(
            got,
            [
                Index {
                    table: "t".into(),
                    name: "PRIMARY".into(),
                    unique: true,
                    columns: vec!["id".into()]
                },
                Index {
                    table: "t".into(),
                    name: "ix".into(),
                    unique: false,
                    columns: vec!["n DESC".into(), "code(5)".into()]
                },
                Index {
                    table: "u".into(),
                    name: "f".into(),
                    unique: false,
                    columns: vec!["(expression)".into()]
                },
            ]
        );
    }

    /// `ORA_REGISTRAZIONE` and `ora_registrazione` are one column to MySQL, so one to verify:
    /// in columns, index parts, key columns and CHECK clauses alike. Tables keep their case.
    #[test]
    fn column_names_compare_in_lower_case() {
        let got = column(&row(&[
            Some("MSG"),
            Some("ORA_Registrazione"),
            Some("timestamp(3)"),
            None,
            Some("YES"),
            Some("1"),
            None,
            None,
        ]))
        .unwrap();
        assert_eq!(
            (got.table.as_str(), got.name.as_str()),
            ("MSG", "ora_registrazione")
        );
        let index = indexes(vec![row(&[
            Some("MSG"),
            Some("IDX"),
            Some("1"),
            Some("1"),
            Some("ORA_REGISTRAZIONE"),
            None,
            Some("A"),
        ])])
        .unwrap();
        assert_eq!(
            index.into_iter().next().unwrap().columns,
            ["ora_registrazione"]
        );
        let got = constraints(
            "db",
            vec![
                row(&[Some("C"), Some("FK"), Some("FOREIGN KEY")]),
                row(&[Some("C"), Some("CK"), Some("CHECK")]),
            ],
            vec![row(&[
                Some("C"),
                Some("FK"),
                Some("1"),
                Some("ID_P"),
                Some("db"),
                Some("P"),
                Some("ID"),
            ])],
            vec![],
            vec![row(&[
                Some("C"),
                Some("CK"),
                Some("`STATO` in ('A`B','it\\'s `X`') and `Ä` > \"Q`R\""),
            ])],
        )
        .unwrap();
        let definitions: Vec<String> = got.into_iter().map(|k| k.definition).collect();
        assert_eq!(
            definitions,
            [
                "`stato` in ('A`B','it\\'s `X`') and `ä` > \"Q`R\"",
                "(id_p) REFERENCES P(id)",
            ]
        );
    }

    #[test]
    fn constraint_definitions() {
        let got = constraints(
            "db",
            vec![
                row(&[Some("c"), Some("PRIMARY"), Some("PRIMARY KEY")]),
                row(&[Some("c"), Some("fk"), Some("FOREIGN KEY")]),
                row(&[Some("c"), Some("fk_far"), Some("FOREIGN KEY")]),
                row(&[Some("c"), Some("ck"), Some("CHECK")]),
                row(&[Some("c"), Some("uq"), Some("UNIQUE")]),
            ],
            vec![
                row(&[
                    Some("c"),
                    Some("PRIMARY"),
                    Some("1"),
                    Some("id"),
                    None,
                    None,
                    None,
                ]),
                row(&[
                    Some("c"),
                    Some("fk"),
                    Some("2"),
                    Some("b"),
                    Some("db"),
                    Some("p"),
                    Some("y"),
                ]),
                row(&[
                    Some("c"),
                    Some("fk"),
                    Some("1"),
                    Some("a"),
                    Some("db"),
                    Some("p"),
                    Some("x"),
                ]),
                row(&[
                    Some("c"),
                    Some("fk_far"),
                    Some("1"),
                    Some("a"),
                    Some("other"),
                    Some("q"),
                    Some("id"),
                ]),
                row(&[
                    Some("c"),
                    Some("uq"),
                    Some("2"),
                    Some("b"),
                    None,
                    None,
                    None,
                ]),
                row(&[
                    Some("c"),
                    Some("uq"),
                    Some("1"),
                    Some("a"),
                    None,
                    None,
                    None,
                ]),
            ],
            vec![
                row(&[Some("c"), Some("fk"), Some("RESTRICT"), Some("CASCADE")]),
                row(&[Some("c"), Some("fk_far"), Some("CASCADE"), Some("SET NULL")]),
            ],
            vec![row(&[Some("c"), Some("ck"), Some("`a` > 0")])],
        )
        .unwrap();
        let definitions: Vec<(String, String, String)> = got
            .into_iter()
            .map(|k| (k.name, k.kind, k.definition))
            .collect();
        let expected: Vec<(String, String, String)> = [
            ("PRIMARY", "PRIMARY KEY", "(id)"),
            ("ck", "CHECK", "`a` > 0"),
            (
                "fk",
                "FOREIGN KEY",
                "(a, b) REFERENCES p(x, y) ON UPDATE RESTRICT ON DELETE CASCADE",
            ),
            (
                "fk_far",
                "FOREIGN KEY",
                "(a) REFERENCES other.q(id) ON UPDATE CASCADE ON DELETE SET NULL",
            ),
            ("uq", "UNIQUE", "(a, b)"),
        ]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
        assert_eq!(definitions, expected);
    }

    #[test]
    fn sequence_in_create_sequence_words() {
        let d = sequence_definition(&row(&[
            Some("10"),
            Some("1"),
            Some("9223372036854775806"),
            Some("5"),
            Some("1000"),
            Some("0"),
        ]))
        .unwrap();
        assert_eq!(
            d,
            "start with 10 minvalue 1 maxvalue 9223372036854775806 increment by 5 cache 1000 nocycle"
        );
        assert!(sequence_definition(&row(&[Some("1")])).is_err());
    }
}
