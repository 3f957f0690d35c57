//! Live tests against the Oracle server of `GOVUP_TEST_ORACLE_URL`; without it they skip (no
//! Oracle server exists on the project's machines, so CI skips them too).
//!
//! The URL's user must be able to create and drop users, create objects in other schemas and
//! execute `SYS.DBMS_LOCK`, e.g. `SYSTEM` of a throwaway Oracle Free container:
//! `oracle://system:secret@localhost:1521/FREEPDB1`. Every test works in a scratch user (an
//! Oracle schema) of its own, dropped at the end.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use govup_driver_oracle::{connect, OracleConnection, DIALECT};
use govup_engine::driver::{Dialect, Driver};
use govup_engine::{Tx, Wait};

fn url() -> Option<String> {
    govup_testkit::server_url("GOVUP_TEST_ORACLE_URL")
}

/// A scratch schema, dropped when the test ends, also on failure.
struct Scratch {
    admin: Box<dyn Driver>,
    /// As Oracle stores it (upper case).
    name: String,
    /// As a user would write it in `map.toml` (lower case).
    given: String,
}

impl Scratch {
    fn new(url: &str, tag: &str) -> Scratch {
        let mut admin = connect(url).unwrap();
        let given = govup_testkit::unique_name(tag);
        let tablespace = admin
            .query("SELECT property_value FROM database_properties WHERE property_name = 'DEFAULT_PERMANENT_TABLESPACE'")
            .unwrap()[0][0]
            .clone()
            .unwrap();
        admin
            .execute(&format!(
                "CREATE USER {} IDENTIFIED BY \"Scratch_{}x\" QUOTA UNLIMITED ON {}",
                DIALECT.quote_ident(&given),
                std::process::id(),
                DIALECT.quote_ident(&tablespace)
            ))
            .unwrap();
        Scratch {
            admin,
            name: given.to_ascii_uppercase(),
            given,
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.admin.execute(&format!(
            "DROP USER {} CASCADE",
            DIALECT.quote_ident(&self.given)
        ));
    }
}

fn cell(db: &mut dyn Driver, sql: &str) -> Option<String> {
    db.query(sql)
        .unwrap()
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next())
        .flatten()
}

#[test]
fn round_trip_of_statements_queries_and_transactions() {
    let Some(url) = url() else { return };
    let scratch = Scratch::new(&url, "rt");
    let mut db = connect(&url).unwrap();
    assert!(db.describe().starts_with("oracle://"));
    let userinfo = url
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
        .map_or("", |(u, _)| u);
    if let Some((_, password)) = userinfo.split_once(':') {
        assert!(db.describe().contains(":***@"), "{}", db.describe());
        assert!(
            !db.describe().contains(&format!(":{password}@")),
            "{}",
            db.describe()
        );
    }
    db.use_schema(Some(&scratch.given)).unwrap();

    let patch = "CREATE SEQUENCE seq_t START WITH 1;\n\
        CREATE TABLE t (id NUMBER NOT NULL, name VARCHAR2(20), note CLOB, amount NUMBER(10,2));\n\
        CREATE TRIGGER trg_t\nBEFORE insert ON t\nFOR EACH ROW\nbegin\n  IF (:new.id IS NULL) THEN\n    SELECT seq_t.nextval INTO :new.id FROM DUAL;\n  END IF;\nend;\n/\n\
        INSERT INTO t (name, note, amount) VALUES ('it''s; one', 'long; note', 12.5);\n\
        INSERT INTO t (name) VALUES (q'[two]');\n";
    let stmts = DIALECT.split(patch).unwrap();
    assert_eq!(stmts.len(), 5);
    for s in &stmts {
        db.execute(&s.text)
            .unwrap_or_else(|e| panic!("line {}: {e}", s.line));
    }
    let rows = db
        .query("SELECT id, name, note, amount FROM t ORDER BY id")
        .unwrap();
    assert_eq!(
        rows,
        vec![
            vec![
                Some("1".into()),
                Some("it's; one".into()),
                Some("long; note".into()),
                Some("12.5".into())
            ],
            vec![Some("2".into()), Some("two".into()), None, None],
        ]
    );

    // begin() .. rollback() undoes, begin() .. commit() keeps, and outside them each statement
    // commits: a second session sees it.
    db.transaction(Tx::Begin).unwrap();
    db.execute("INSERT INTO t (name) VALUES ('gone')").unwrap();
    db.transaction(Tx::Rollback).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("INSERT INTO t (name) VALUES ('kept')").unwrap();
    db.transaction(Tx::Commit).unwrap();
    db.execute("INSERT INTO t (name) VALUES ('auto')").unwrap();
    let mut other = connect(&url).unwrap();
    let names = other
        .query(&format!(
            "SELECT name FROM {}.t ORDER BY id",
            DIALECT.quote_ident(&scratch.given)
        ))
        .unwrap();
    assert_eq!(
        names,
        vec![
            vec![Some("it's; one".into())],
            vec![Some("two".into())],
            vec![Some("kept".into())],
            vec![Some("auto".into())]
        ]
    );

    // Errors are one line with their ORA- code.
    let e = db.execute("SELECT * FROM no_such_table").unwrap_err();
    assert!(e.message.starts_with("ORA-00942"), "{}", e.message);
    // A PL/SQL unit stored with compilation errors is a failure, not a silent success.
    let e = db
        .execute("CREATE OR REPLACE PROCEDURE broken IS BEGIN no_such_call(); END;")
        .unwrap_err();
    assert!(e.message.contains("ORA-24344"), "{}", e.message);
    assert!(e.message.contains("BROKEN"), "{}", e.message);
    assert!(!e.message.contains('\n'));
}

#[test]
fn history_table_is_created_and_found() {
    let Some(url) = url() else { return };
    let scratch = Scratch::new(&url, "hist");
    let mut db = connect(&url).unwrap();
    let exists = DIALECT.history_exists_sql(Some(&scratch.given));
    assert!(db.query(&exists).unwrap().is_empty());
    let table = DIALECT.qualify(Some(&scratch.given), "govup_history");
    db.execute(&DIALECT.history_ddl(&table)).unwrap();
    assert_eq!(db.query(&exists).unwrap(), vec![vec![Some("1".into())]]);

    // The engine's unquoted names reach the same table and columns; long texts fit the CLOB.
    let long = format!("ORA-00001: {}", "è'x".repeat(3000));
    db.execute(&format!(
        "INSERT INTO {table} (step_dir, patch_path, file_name, patch_kind, sha256, role_name, schema_name, \
         target_version, started_at, finished_at, duration_ms, statements_total, statements_done, status, \
         error_text, govup_version) VALUES ('s', 's/oracle/p.sql', 'p.sql', 'patch', '{}', NULL, NULL, '3.4.0', \
         '2025-01-01T00:00:00Z', NULL, 12, 3, 1, 'partial', {}, '0.1.0')",
        "a".repeat(64),
        DIALECT.quote_literal(&long)
    ))
    .unwrap();
    let unquoted = format!("{}.govup_history", DIALECT.quote_ident(&scratch.given));
    let rows = db
        .query(&format!(
            "SELECT patch_path, duration_ms, error_text FROM {unquoted}"
        ))
        .unwrap();
    assert_eq!(
        rows,
        vec![vec![
            Some("s/oracle/p.sql".into()),
            Some("12".into()),
            Some(long)
        ]]
    );

    // None means the session's current schema.
    db.use_schema(Some(&scratch.given)).unwrap();
    assert_eq!(
        db.query(&DIALECT.history_exists_sql(None)).unwrap().len(),
        1
    );
    db.use_schema(None).unwrap();
    let home = cell(
        db.as_mut(),
        "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL",
    )
    .unwrap();
    let home_has_history = db
        .query(&DIALECT.history_exists_sql(Some(&home)))
        .unwrap()
        .len();
    assert_eq!(
        db.query(&DIALECT.history_exists_sql(None)).unwrap().len(),
        home_has_history
    );
}

#[test]
fn use_schema_switches_and_comes_back() {
    let Some(url) = url() else { return };
    let scratch = Scratch::new(&url, "sch");
    let mut db = connect(&url).unwrap();
    let current = "SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM DUAL";
    let home = cell(db.as_mut(), current).unwrap();
    db.use_schema(Some(&scratch.given)).unwrap();
    assert_eq!(cell(db.as_mut(), current).unwrap(), scratch.name);
    db.execute("CREATE TABLE here (a NUMBER)").unwrap();
    let owner = cell(
        db.as_mut(),
        "SELECT owner FROM all_tables WHERE table_name = 'HERE'",
    );
    assert_eq!(owner.as_deref(), Some(scratch.name.as_str()));
    db.use_schema(None).unwrap();
    assert_eq!(cell(db.as_mut(), current).unwrap(), home);

    let e = db.use_schema(Some("govup_no_such_schema")).unwrap_err();
    assert!(
        e.message
            .starts_with("cannot switch to schema GOVUP_NO_SUCH_SCHEMA: ORA-"),
        "{}",
        e.message
    );
    assert_eq!(cell(db.as_mut(), current).unwrap(), home);
}

#[test]
fn lock_blocks_a_second_session_and_dies_with_the_first() {
    let Some(url) = url() else { return };
    let mut first = OracleConnection::open(&url).unwrap();
    first.lock(Wait::Block).unwrap();
    // Taking it again in the same session is harmless.
    first.lock(Wait::Block).unwrap();

    let (tx, rx) = mpsc::channel();
    let second_url = url.clone();
    let second = thread::spawn(move || {
        let mut second = OracleConnection::open(&second_url).unwrap();
        second.lock(Wait::Block).unwrap();
        tx.send(()).unwrap();
        second.unlock().unwrap();
    });
    assert!(
        rx.recv_timeout(Duration::from_secs(3)).is_err(),
        "the second session took the lock while the first held it"
    );
    first.unlock().unwrap();
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the second session never got the lock");
    second.join().unwrap();
    // Unlocking what is not held is fine: the engine unlocks on every exit path.
    first.unlock().unwrap();

    // A session that ends without unlocking frees the lock.
    first.lock(Wait::Block).unwrap();
    drop(first);
    let (tx, rx) = mpsc::channel();
    let third = thread::spawn(move || {
        let mut third = OracleConnection::open(&url).unwrap();
        third.lock(Wait::Block).unwrap();
        tx.send(()).unwrap();
        third.unlock().unwrap();
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the lock outlived its session");
    third.join().unwrap();
}
