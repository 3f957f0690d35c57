//! Statements, queries, schemas and the history table against a live server. Every test works
//! in its own scratch schema, dropped at the end.

use govup_driver_postgres::{connect, DIALECT};
use govup_engine::Tx;
use govup_engine::{Dialect, Driver};

use crate::corpus::{split_file, sql_files};
use crate::support::{one_cell, server, table_exists, ScratchSchema};

fn session(url: &str, schema: &ScratchSchema) -> Box<dyn Driver> {
    let mut db = connect(url).unwrap();
    db.use_schema(Some(&schema.name)).unwrap();
    db
}

#[test]
fn execute_and_query_round_trip_every_cell_as_text() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "roundtrip");
    let mut db = session(&url, &scratch);
    db.execute("CREATE TABLE t (id INTEGER, name TEXT, big BIGINT, ok BOOLEAN, amount NUMERIC(6,2), at DATE)").unwrap();
    db.execute("INSERT INTO t VALUES (1, 'it''s', 9007199254740993, true, 12.5, '2024-01-15')")
        .unwrap();
    db.execute("INSERT INTO t VALUES (2, NULL, NULL, NULL, NULL, NULL)")
        .unwrap();
    let rows = db
        .query("SELECT id, name, big, ok, amount, at FROM t ORDER BY id")
        .unwrap();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        rows,
        [
            vec![
                some("1"),
                some("it's"),
                some("9007199254740993"),
                some("t"),
                some("12.50"),
                some("2024-01-15")
            ],
            vec![some("2"), None, None, None, None, None],
        ]
    );
    assert!(db.query("SELECT * FROM t WHERE id = 3").unwrap().is_empty());
    assert_eq!(
        db.query("SELECT 'è', ''").unwrap(),
        [vec![some("è"), some("")]]
    );
}

#[test]
fn history_table_exists_only_after_its_ddl() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "history");
    let mut db = connect(&url).unwrap();
    let exists_sql = DIALECT.history_exists_sql(Some(&scratch.name));
    assert!(db.query(&exists_sql).unwrap().is_empty());
    let table = DIALECT.qualify(Some(&scratch.name), "govup_history");
    db.execute(&DIALECT.history_ddl(&table)).unwrap();
    assert_eq!(db.query(&exists_sql).unwrap().len(), 1);
    // IF NOT EXISTS: running it again is harmless.
    db.execute(&DIALECT.history_ddl(&table)).unwrap();

    // With the schema as the default, the None form sees the same table.
    db.use_schema(Some(&scratch.name)).unwrap();
    assert_eq!(
        db.query(&DIALECT.history_exists_sql(None)).unwrap().len(),
        1
    );
    db.use_schema(None).unwrap();
    let home = one_cell(db.as_mut(), "SELECT current_schema()").unwrap();
    assert_ne!(home, scratch.name);
    let home_has_history = table_exists(db.as_mut(), &home, "govup_history");
    assert_eq!(
        db.query(&DIALECT.history_exists_sql(None))
            .unwrap()
            .is_empty(),
        !home_has_history
    );
}

#[test]
fn history_rows_round_trip_through_quote_literal() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "histrow");
    let mut db = session(&url, &scratch);
    db.execute(&DIALECT.history_ddl(&DIALECT.qualify(None, "govup_history")))
        .unwrap();
    let error_text = "ERROR: syntax error at or near \"x\"\nC:\\path 'quoted' è";
    let insert = format!(
        "INSERT INTO govup_history VALUES ({}, {}, {}, 'patch', {}, NULL, NULL, '3.4.1', '2025-01-01T00:00:00Z', NULL, 42, 10, 3, 'failed', {}, '0.1.0')",
        DIALECT.quote_literal("upgrade_3.3.17_to_3.3.18"),
        DIALECT.quote_literal("upgrade_3.3.17_to_3.3.18/postgresql/a.sql"),
        DIALECT.quote_literal("a.sql"),
        DIALECT.quote_literal(&"ab".repeat(32)),
        DIALECT.quote_literal(error_text),
    );
    db.execute(&insert).unwrap();
    let rows = db
        .query("SELECT error_text, duration_ms, role_name, statements_done FROM govup_history")
        .unwrap();
    assert_eq!(
        rows,
        [vec![
            Some(error_text.to_string()),
            Some("42".into()),
            None,
            Some("3".into())
        ]]
    );
    // The primary key holds.
    assert!(db.execute(&insert).is_err());
}

#[test]
fn use_schema_switches_and_restores_the_search_path() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "Mixed Case");
    let mut db = connect(&url).unwrap();
    let home = one_cell(db.as_mut(), "SHOW search_path");
    db.use_schema(Some(&scratch.name)).unwrap();
    assert_eq!(
        one_cell(db.as_mut(), "SELECT current_schema()"),
        Some(scratch.name.clone())
    );
    db.execute("CREATE TABLE routed (a INTEGER)").unwrap();
    assert!(table_exists(db.as_mut(), &scratch.name, "routed"));
    db.use_schema(None).unwrap();
    assert_eq!(one_cell(db.as_mut(), "SHOW search_path"), home);
    assert!(
        db.query("SELECT * FROM routed").is_err(),
        "unqualified names no longer reach the scratch schema"
    );
}

#[test]
fn a_missing_schema_is_an_error_and_changes_nothing() {
    let Some(url) = server() else { return };
    let mut db = connect(&url).unwrap();
    let home = one_cell(db.as_mut(), "SHOW search_path");
    let missing = govup_testkit::unique_name("missing");
    let err = db.use_schema(Some(&missing)).unwrap_err();
    assert_eq!(err.message, format!("schema \"{missing}\" does not exist"));
    assert_eq!(one_cell(db.as_mut(), "SHOW search_path"), home);
}

#[test]
fn ddl_rolls_back_with_its_transaction() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "txddl");
    let mut db = session(&url, &scratch);
    db.transaction(Tx::Begin).unwrap();
    db.execute("CREATE TABLE inside_tx (a INTEGER)").unwrap();
    assert!(table_exists(db.as_mut(), &scratch.name, "inside_tx"));
    db.transaction(Tx::Rollback).unwrap();
    assert!(!table_exists(db.as_mut(), &scratch.name, "inside_tx"));

    db.transaction(Tx::Begin).unwrap();
    db.execute("CREATE TABLE kept (a INTEGER)").unwrap();
    db.transaction(Tx::Commit).unwrap();
    assert!(table_exists(db.as_mut(), &scratch.name, "kept"));
}

#[test]
fn server_errors_are_one_line_with_severity_and_sqlstate() {
    let Some(url) = server() else { return };
    let mut db = connect(&url).unwrap();
    let missing = govup_testkit::unique_name("nosuch");
    let err = db.execute(&format!("SELECT * FROM {missing}")).unwrap_err();
    assert_eq!(
        err.message,
        format!("ERROR: relation \"{missing}\" does not exist (statement line 1, SQLSTATE 42P01)")
    );
    let err = db.query("SELECT 1,\n  2,\n  FROM").unwrap_err();
    assert_eq!(
        err.message,
        "ERROR: syntax error at or near \"FROM\" (statement line 3, SQLSTATE 42601)"
    );
    let err = db.execute("DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'two\nlines', HINT = 'fix it'; END $$").unwrap_err();
    assert_eq!(
        err.message,
        "ERROR: boom; DETAIL: two lines; HINT: fix it (SQLSTATE P0001)"
    );
    // The session is still usable after a failed statement outside a transaction.
    assert_eq!(one_cell(db.as_mut(), "SELECT 1"), Some("1".into()));
}

#[test]
fn split_functions_and_do_blocks_run_unchanged() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "plpgsql");
    let mut db = session(&url, &scratch);
    let script = "CREATE TABLE log (msg TEXT);\n\
        CREATE FUNCTION note(m TEXT) RETURNS void LANGUAGE plpgsql AS $body$\n\
        BEGIN\n  INSERT INTO log VALUES (m || ';');\nEND;\n$body$;\n\
        DO $$ BEGIN PERFORM note('from do'); PERFORM note($q$it's$q$); END $$;\n\
        CREATE FUNCTION twice(x INTEGER) RETURNS INTEGER LANGUAGE sql\n\
        BEGIN ATOMIC\n  SELECT CASE WHEN x IS NULL THEN 0 ELSE x * 2 END;\nEND;\n\
        PREPARE p(INTEGER) AS SELECT twice($1);\n\
        INSERT INTO log SELECT 'twice ' || twice(21);";
    let statements = DIALECT.split(script).unwrap();
    assert_eq!(statements.len(), 6);
    for statement in &statements {
        db.execute(&statement.text)
            .unwrap_or_else(|e| panic!("line {}: {e}", statement.line));
    }
    let rows = db.query("SELECT msg FROM log ORDER BY msg").unwrap();
    let msgs: Vec<_> = rows.into_iter().map(|r| r[0].clone().unwrap()).collect();
    assert_eq!(msgs, ["from do;", "it's;", "twice 42"]);
}

#[test]
fn sample_tree_line_1_0_applies_in_a_scratch_schema() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "samples");
    let mut db = session(&url, &scratch);
    let tree = govup_testkit::workspace().join("sql-samples");
    let mut applied = 0;
    for step in [
        "upgrade_1.0.0_to_1.0.1",
        "upgrade_1.0.1_to_1.0.2",
        "upgrade_1.0.2_to_1.0.3",
        "upgrade_1.0.3_to_1.0.4",
    ] {
        let mut patches = sql_files(&tree.join(step).join("postgresql"));
        patches.push(tree.join(step).join("info-patch.sql"));
        for patch in patches {
            db.transaction(Tx::Begin).unwrap();
            for statement in split_file(&patch) {
                db.execute(&statement.text)
                    .unwrap_or_else(|e| panic!("{}:{}: {e}", patch.display(), statement.line));
            }
            db.transaction(Tx::Commit).unwrap();
            applied += 1;
        }
    }
    assert_eq!(applied, 17);
    let notes = one_cell(db.as_mut(), "SELECT notes FROM db_info").unwrap();
    assert!(notes.starts_with("[1.0.4]"), "{notes}");
    // The 1.0.3 trigger, with its dollar-quoted body, works.
    db.execute("INSERT INTO orders (customer_code) VALUES ('C1')")
        .unwrap();
    db.execute("UPDATE orders SET status = 'PAID'").unwrap();
    let changes = one_cell(
        db.as_mut(),
        "SELECT old_status || '->' || new_status FROM order_status_history",
    );
    assert_eq!(changes.as_deref(), Some("NEW->PAID"));
}

#[test]
fn a_batch_runs_in_one_message_and_names_the_statement_that_failed() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "batch");
    let mut db = session(&url, &scratch);
    db.transaction(Tx::Begin).unwrap();
    db.batching()
        .unwrap()
        .execute_many(&[
            "CREATE TABLE b (a INTEGER PRIMARY KEY) -- ends in a comment",
            "INSERT INTO b VALUES (1)",
            "INSERT INTO b VALUES (2)",
        ])
        .unwrap();
    let (index, err) = db
        .batching()
        .unwrap()
        .execute_many(&[
            "INSERT INTO b VALUES (3)",
            "INSERT INTO b VALUES (4)",
            "INSERT INTO b\nVALUES (1)",
            "INSERT INTO b VALUES (5)",
        ])
        .unwrap_err();
    assert_eq!(index, 2);
    assert!(
        err.message.starts_with("ERROR: duplicate key value"),
        "{}",
        err.message
    );
    // Those before the failing statement ran, it and those after did not; the transaction is
    // aborted as after any failed statement, and rolls back whole.
    db.transaction(Tx::Rollback).unwrap();
    assert!(!table_exists(db.as_mut(), &scratch.name, "b"));

    // A syntax error, which the server finds before running anything of the message, is named
    // too, with its line inside the statement.
    db.transaction(Tx::Begin).unwrap();
    let (index, err) = db
        .batching()
        .unwrap()
        .execute_many(&[
            "CREATE TABLE c (a INTEGER)",
            "INSERT INTO c\nVALUES (1,",
            "SELECT 1",
        ])
        .unwrap_err();
    assert_eq!(index, 1);
    assert!(err.message.contains("statement line 2"), "{}", err.message);
    db.transaction(Tx::Rollback).unwrap();

    db.transaction(Tx::Begin).unwrap();
    db.batching()
        .unwrap()
        .execute_many(&["CREATE TABLE d (a INTEGER)", "INSERT INTO d VALUES (7)"])
        .unwrap();
    db.transaction(Tx::Commit).unwrap();
    assert_eq!(one_cell(db.as_mut(), "SELECT a FROM d"), Some("7".into()));
}

/// The failing statement of a batch runs exactly once: a sequence, which no rollback undoes,
/// counts its runs. Its line inside the statement is named too, and no marker lock is left.
#[test]
fn a_failing_statement_of_a_batch_runs_exactly_once() {
    let Some(url) = server() else { return };
    let scratch = ScratchSchema::new(&url, "once");
    let mut db = session(&url, &scratch);
    db.execute("CREATE SEQUENCE runs").unwrap();
    db.execute(
        "CREATE FUNCTION fail_after_counting() RETURNS integer LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM nextval('runs'); RAISE EXCEPTION 'counted and failed'; END $$",
    )
    .unwrap();
    db.execute("CREATE TABLE t (a INTEGER)").unwrap();
    db.transaction(Tx::Begin).unwrap();
    let (index, err) = db
        .batching()
        .unwrap()
        .execute_many(&[
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t VALUES (2)",
            "SELECT\nfail_after_counting()",
            "INSERT INTO t VALUES (3)",
        ])
        .unwrap_err();
    assert_eq!(index, 2);
    assert!(
        err.message.starts_with("ERROR: counted and failed"),
        "{}",
        err.message
    );
    // The statements before it ran; the transaction goes on.
    assert_eq!(
        one_cell(
            db.as_mut(),
            "SELECT string_agg(a::text, ',' ORDER BY a) FROM t"
        ),
        Some("1,2".into())
    );
    db.transaction(Tx::Rollback).unwrap();
    assert_eq!(
        one_cell(db.as_mut(), "SELECT last_value FROM runs"),
        Some("1".into())
    );
    // An error the server places (an unknown column) names the line inside its statement.
    db.transaction(Tx::Begin).unwrap();
    let (index, err) = db
        .batching()
        .unwrap()
        .execute_many(&["INSERT INTO t VALUES (1)", "SELECT 1,\n  missing FROM t"])
        .unwrap_err();
    assert_eq!(index, 1);
    assert!(err.message.contains("statement line 2"), "{}", err.message);
    db.transaction(Tx::Rollback).unwrap();
    assert_eq!(
        one_cell(
            db.as_mut(),
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ),
        Some("0".into())
    );
}
