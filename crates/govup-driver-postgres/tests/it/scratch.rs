//! `create_scratch` and `drop_scratch` against a live server. Each test copies its own source
//! database, so that whether "another session is connected" is up to the test alone.

use govup_driver_postgres::{connect, DIALECT};
use govup_engine::Wait;
use govup_engine::{Catalog, Dialect, Driver};

use crate::support::{
    database_exists, govup_lock_holders, one_cell, server, snapshot, with_database, DropDatabase,
    ScratchDatabase,
};

const FIXTURE: &str = "
CREATE SCHEMA app;
CREATE TABLE app.item (id SERIAL PRIMARY KEY, code VARCHAR(10) NOT NULL UNIQUE, qty INTEGER DEFAULT 1);
CREATE INDEX item_qty ON app.item (qty DESC);
CREATE TABLE app.line (item_id INTEGER REFERENCES app.item (id), note TEXT CHECK (note <> ''));
CREATE SEQUENCE app.ticket START 50;
INSERT INTO app.item (code, qty) VALUES ('A', 3), ('B', NULL), ('it''s', 7);
INSERT INTO app.line VALUES (1, 'first'), (3, NULL);
SELECT nextval('app.ticket');
CREATE TABLE public.plain (x TEXT);
INSERT INTO public.plain VALUES ('p');
ALTER DATABASE CURRENT SET search_path TO app, public;
";

fn fill(db: &mut dyn Driver) {
    for statement in DIALECT.split(FIXTURE).unwrap() {
        let sql = statement
            .text
            .replace("CURRENT", &DIALECT.quote_ident(&current_database(db)));
        db.execute(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn current_database(db: &mut dyn Driver) -> String {
    one_cell(db, "SELECT current_database()").unwrap()
}

fn backend(db: &mut dyn Driver) -> String {
    one_cell(db, "SELECT pg_backend_pid()").unwrap()
}

/// The copy has the source's catalog, rows, sequences and database settings; writing to it
/// leaves the source as it was.
fn assert_faithful_and_independent(source: &mut dyn Driver, copy_url: &str) {
    let before = (snapshot(source, "app"), snapshot(source, "public"));
    let mut copy = connect(copy_url).unwrap();
    assert_eq!(
        (
            snapshot(copy.as_mut(), "app"),
            snapshot(copy.as_mut(), "public")
        ),
        before
    );
    assert_eq!(
        one_cell(copy.as_mut(), "SHOW search_path"),
        Some("app, public".into()),
        "the database's own settings came along"
    );
    copy.execute("INSERT INTO app.item (code) VALUES ('new')")
        .unwrap();
    copy.execute("DROP TABLE app.line").unwrap();
    copy.execute("ALTER TABLE public.plain ADD COLUMN y INTEGER")
        .unwrap();
    assert_eq!(
        (snapshot(source, "app"), snapshot(source, "public")),
        before
    );
}

#[test]
fn a_copy_by_template_when_no_other_session_is_connected() {
    let Some(server) = server() else { return };
    let source = ScratchDatabase::new(&server, "sc_tmpl");
    let mut db = connect(&source.url).unwrap();
    fill(db.as_mut());
    db.use_schema(Some("public")).unwrap();
    let session = backend(db.as_mut());

    let url = db.maintenance().unwrap().create_scratch(true).unwrap();
    let cleanup = DropDatabase::new(&server, &url);
    let name = format!("{}_govup_copy_{}_", source.name, std::process::id());
    assert!(
        url.starts_with(&with_database(&server, &name)),
        "{url} names {name}<n>"
    );
    assert_ne!(
        backend(db.as_mut()),
        session,
        "the template copy needed this session closed: it is a new one"
    );
    assert_eq!(
        one_cell(db.as_mut(), "SELECT current_schema()"),
        Some("public".into()),
        "the new session has the old one's search_path"
    );
    assert_eq!(current_database(db.as_mut()), source.name);
    assert_faithful_and_independent(db.as_mut(), &url);

    db.maintenance().unwrap().drop_scratch(&url).unwrap();
    assert!(!database_exists(db.as_mut(), &cleanup.name));
}

#[test]
fn a_copy_by_dump_while_another_session_is_connected() {
    let Some(server) = server() else { return };
    let source = ScratchDatabase::new(&server, "sc_dump");
    let mut db = connect(&source.url).unwrap();
    fill(db.as_mut());
    let mut other = connect(&source.url).unwrap();
    let session = backend(db.as_mut());

    let url = db.maintenance().unwrap().create_scratch(true).unwrap();
    let cleanup = DropDatabase::new(&server, &url);
    assert_eq!(
        backend(db.as_mut()),
        session,
        "with another session on the source, the copy went through pg_dump"
    );
    assert_eq!(one_cell(other.as_mut(), "SELECT 1"), Some("1".into()));
    assert_faithful_and_independent(db.as_mut(), &url);

    db.maintenance().unwrap().drop_scratch(&url).unwrap();
    assert!(!database_exists(db.as_mut(), &cleanup.name));
}

#[test]
fn a_copy_while_holding_the_lock_keeps_the_session_and_the_lock() {
    let Some(server) = server() else { return };
    let source = ScratchDatabase::new(&server, "sc_lock");
    let mut db = connect(&source.url).unwrap();
    fill(db.as_mut());
    db.lock(Wait::Block).unwrap();
    let session = backend(db.as_mut());

    let url = db.maintenance().unwrap().create_scratch(true).unwrap();
    let _cleanup = DropDatabase::new(&server, &url);
    assert_eq!(backend(db.as_mut()), session);
    assert_eq!(govup_lock_holders(&source.url), 1);
    assert_faithful_and_independent(db.as_mut(), &url);
    db.unlock().unwrap();
    db.maintenance().unwrap().drop_scratch(&url).unwrap();
}

#[test]
fn an_empty_scratch_database_is_empty() {
    let Some(server) = server() else { return };
    let source = ScratchDatabase::new(&server, "sc_empty");
    let mut db = connect(&source.url).unwrap();
    fill(db.as_mut());

    let url = db.maintenance().unwrap().create_scratch(false).unwrap();
    let cleanup = DropDatabase::new(&server, &url);
    let name = format!("{}_govup_empty_{}_", source.name, std::process::id());
    assert!(url.starts_with(&with_database(&server, &name)), "{url}");
    let mut empty = connect(&url).unwrap();
    assert_eq!(
        empty.maintenance().unwrap().catalog(None).unwrap(),
        Catalog::default()
    );
    assert_eq!(
        one_cell(
            empty.as_mut(),
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
        ),
        Some("0".into())
    );
    drop(empty);

    db.maintenance().unwrap().drop_scratch(&url).unwrap();
    assert!(!database_exists(db.as_mut(), &cleanup.name));
    // Dropping it again is harmless.
    db.maintenance().unwrap().drop_scratch(&url).unwrap();
}

#[test]
fn only_scratch_databases_on_this_server_are_dropped() {
    let Some(server) = server() else { return };
    let source = ScratchDatabase::new(&server, "sc_refuse");
    let mut db = connect(&source.url).unwrap();

    let err = db
        .maintenance()
        .unwrap()
        .drop_scratch(&source.url)
        .unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "refusing to drop database \"{}\": govup drops only the scratch databases it creates \
             (<database>_govup_<copy|empty>_<pid>_<n>)",
            source.name
        )
    );
    assert!(database_exists(db.as_mut(), &source.name));

    let elsewhere = "postgres://govup:s3cret@127.0.0.1:1/test_govup_copy_1_1";
    let err = db
        .maintenance()
        .unwrap()
        .drop_scratch(elsewhere)
        .unwrap_err();
    assert!(
        err.message.starts_with(
            "refusing to drop database \"test_govup_copy_1_1\": postgres://govup:***@127.0.0.1:1/test_govup_copy_1_1 is not on the server of "
        ) && !err.message.contains("s3cret"),
        "{}",
        err.message
    );

    // A scratch database that is connected to is dropped anyway (a rehearsal may have died
    // with its session open).
    let url = db.maintenance().unwrap().create_scratch(false).unwrap();
    let cleanup = DropDatabase::new(&server, &url);
    let _left_open = connect(&url).unwrap();
    db.maintenance().unwrap().drop_scratch(&url).unwrap();
    assert!(!database_exists(db.as_mut(), &cleanup.name));
}
