//! `backup` and `restore` against a live server, each test in its own database: back up, damage
//! (drop a table, delete rows, add a column, move sequences, add a table), restore, and the
//! catalog, every row, every sequence and the privileges are what they were.

use std::path::Path;

use govup_driver_postgres::{connect, DIALECT};
use govup_engine::Wait;
use govup_engine::{Dialect, Driver};

use crate::support::{
    govup_lock_holders, one_cell, server, snapshot, table_exists, ScratchDatabase,
};

/// Tables with a serial, an identity, a foreign key, a check, an index, a view, a trigger with
/// its function, a free sequence moved on, a table grant, a comment, awkward text, and govup's
/// history with a row.
const FIXTURE: &str = "
CREATE TABLE customer (id SERIAL PRIMARY KEY, code VARCHAR(20) NOT NULL UNIQUE, name TEXT,
  created DATE DEFAULT '2024-01-01');
CREATE TABLE orders (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customer (id),
  amount NUMERIC(10,2) CHECK (amount >= 0), note TEXT);
CREATE INDEX orders_customer ON orders (customer_id, amount DESC);
CREATE SEQUENCE invoice_no START 1000;
CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := coalesce(NEW.note, 'auto'); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO customer (code, name) VALUES ('C1', 'it''s'), ('C2', NULL), ('C3', 'è \\ \"q\"');
INSERT INTO orders (customer_id, amount, note) VALUES (1, 10.50, NULL), (1, 250, 'big'), (2, 0, 'zero');
SELECT nextval('invoice_no'), nextval('invoice_no');
GRANT SELECT ON customer TO PUBLIC;
COMMENT ON TABLE customer IS 'who buys';
";

const DAMAGE: &str = "
DROP TABLE orders CASCADE;
DELETE FROM customer WHERE code = 'C2';
UPDATE customer SET name = 'changed' WHERE code = 'C1';
ALTER TABLE customer ADD COLUMN extra INTEGER;
REVOKE SELECT ON customer FROM PUBLIC;
SELECT nextval('invoice_no'), nextval('customer_id_seq');
CREATE TABLE intruder (x INTEGER);
DELETE FROM govup_history;
";

fn run(db: &mut dyn Driver, script: &str) {
    for statement in DIALECT.split(script).unwrap() {
        db.execute(&statement.text)
            .unwrap_or_else(|e| panic!("{}: {e}", statement.text));
    }
}

/// The fixture in `schema` (made the session's schema for it), with a history row.
fn fill(db: &mut dyn Driver, schema: &str) {
    db.use_schema(Some(schema)).unwrap();
    run(db, FIXTURE);
    db.execute(&DIALECT.history_ddl(&DIALECT.qualify(None, "govup_history")))
        .unwrap();
    db.execute(
        "INSERT INTO govup_history VALUES ('s', 's/p.sql', 'p.sql', 'patch', 'x', NULL, NULL, '1.0.1', \
         '2025-01-01T00:00:00Z', NULL, 1, 1, 1, 'applied', NULL, '0.1.0')",
    )
    .unwrap();
    db.use_schema(None).unwrap();
}

fn damage(db: &mut dyn Driver, schema: &str) {
    db.use_schema(Some(schema)).unwrap();
    run(db, DAMAGE);
    db.use_schema(None).unwrap();
}

/// The view and the trigger work after a restore, not just exist.
fn still_works(db: &mut dyn Driver, schema: &str) {
    db.use_schema(Some(schema)).unwrap();
    assert_eq!(
        one_cell(db, "SELECT count(*) FROM big_orders"),
        Some("1".into())
    );
    db.execute("INSERT INTO orders (customer_id, amount) VALUES (3, 5)")
        .unwrap();
    assert_eq!(
        one_cell(
            db,
            "SELECT note || ' ' || id FROM orders WHERE customer_id = 3"
        ),
        Some("auto 4".into()),
        "the trigger runs and the identity continues where it was"
    );
    assert_eq!(
        one_cell(db, "SELECT nextval('invoice_no')"),
        Some("1002".into())
    );
    db.use_schema(None).unwrap();
}

#[test]
fn public_comes_back_exactly_after_damage() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "bk_public");
    let dir = govup_testkit::scratch_dir("bk_public");
    let mut db = connect(&scratch.url).unwrap();
    fill(db.as_mut(), "public");
    let before = snapshot(db.as_mut(), "public");
    assert_eq!(before.catalog.tables.len(), 2);
    assert_eq!(before.rows["customer"].len(), 3);

    // As the engine does: the lock is taken first and still held during the restore.
    db.lock(Wait::Block).unwrap();
    let file = db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "before-1.0.2")
        .unwrap();
    assert_eq!(file, dir.join("before-1.0.2.pgdump"));
    assert!(file.is_file());
    assert!(!dir.join("before-1.0.2.pgdump.partial").exists());

    damage(db.as_mut(), "public");
    db.execute("COMMENT ON SCHEMA public IS 'changed'").unwrap();
    assert_ne!(snapshot(db.as_mut(), "public"), before);

    db.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(snapshot(db.as_mut(), "public"), before);
    assert!(!table_exists(db.as_mut(), "public", "intruder"));
    assert_eq!(
        govup_lock_holders(&scratch.url),
        1,
        "the lock is still held"
    );
    still_works(db.as_mut(), "public");
    db.unlock().unwrap();

    // Sessions of other roles still reach public: its privileges are the database's own ones.
    assert_eq!(
        one_cell(
            db.as_mut(),
            "SELECT has_schema_privilege('public', 'public', 'USAGE')"
        ),
        Some("t".into())
    );
}

#[test]
fn a_named_schema_with_an_extension_comes_back_and_others_are_untouched() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "bk_named");
    let dir = govup_testkit::scratch_dir("bk_named");
    let mut db = connect(&scratch.url).unwrap();
    let name = "Ord Ers.v1*";
    let schema = DIALECT.quote_ident(name);
    db.execute(&format!("CREATE SCHEMA {schema}")).unwrap();
    db.execute(&format!("COMMENT ON SCHEMA {schema} IS 'orders'"))
        .unwrap();
    db.execute(&format!("GRANT USAGE ON SCHEMA {schema} TO PUBLIC"))
        .unwrap();
    db.execute(&format!("CREATE EXTENSION citext SCHEMA {schema}"))
        .unwrap();
    fill(db.as_mut(), name);
    db.execute(&format!(
        "ALTER TABLE {schema}.customer ADD COLUMN email {schema}.citext"
    ))
    .unwrap();
    db.execute(&format!(
        "UPDATE {schema}.customer SET email = 'A@Example.org' WHERE code = 'C1'"
    ))
    .unwrap();
    // A neighbour that matches the schema as an unquoted pattern would, and must not move.
    db.execute("CREATE SCHEMA \"Ord Ers_v1\"").unwrap();
    fill(db.as_mut(), "Ord Ers_v1");
    let neighbour = snapshot(db.as_mut(), "Ord Ers_v1");
    let before = snapshot(db.as_mut(), name);

    let file = db
        .maintenance()
        .unwrap()
        .backup(Some(name), &dir, "named")
        .unwrap();
    damage(db.as_mut(), name);
    db.execute(&format!("COMMENT ON SCHEMA {schema} IS 'changed'"))
        .unwrap();
    db.execute(&format!("REVOKE USAGE ON SCHEMA {schema} FROM PUBLIC"))
        .unwrap();
    db.maintenance()
        .unwrap()
        .restore(Some(name), &file)
        .unwrap();

    let after = snapshot(db.as_mut(), name);
    assert_eq!(after.schema_props[1], Some("orders".into()));
    assert_eq!(after, before);
    assert_eq!(snapshot(db.as_mut(), "Ord Ers_v1"), neighbour);
    // The extension came back with the schema, and works (its operators are found through
    // the search_path).
    db.use_schema(Some(name)).unwrap();
    assert_eq!(
        one_cell(
            db.as_mut(),
            "SELECT code FROM customer WHERE email = 'a@example.ORG'"
        ),
        Some("C1".into())
    );
    db.use_schema(None).unwrap();
    still_works(db.as_mut(), name);
}

#[test]
fn a_dropped_schema_is_recreated_from_its_backup() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "bk_gone");
    let dir = govup_testkit::scratch_dir("bk_gone");
    let mut db = connect(&scratch.url).unwrap();
    db.execute("CREATE SCHEMA app").unwrap();
    fill(db.as_mut(), "app");
    let before = snapshot(db.as_mut(), "app");
    let file = db
        .maintenance()
        .unwrap()
        .backup(Some("app"), &dir, "app")
        .unwrap();
    db.execute("DROP SCHEMA app CASCADE").unwrap();
    db.maintenance()
        .unwrap()
        .restore(Some("app"), &file)
        .unwrap();
    assert_eq!(snapshot(db.as_mut(), "app"), before);
}

#[test]
fn a_restore_that_would_drop_other_schemas_objects_changes_nothing() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "bk_deps");
    let dir = govup_testkit::scratch_dir("bk_deps");
    let mut db = connect(&scratch.url).unwrap();
    db.execute("CREATE SCHEMA app").unwrap();
    db.execute("CREATE SCHEMA report").unwrap();
    fill(db.as_mut(), "app");
    let file = db
        .maintenance()
        .unwrap()
        .backup(Some("app"), &dir, "app")
        .unwrap();
    db.execute("CREATE VIEW report.customers AS SELECT code FROM app.customer")
        .unwrap();
    db.execute("CREATE TABLE report.visit (customer_id INTEGER REFERENCES app.customer (id))")
        .unwrap();
    damage(db.as_mut(), "app");
    let damaged = snapshot(db.as_mut(), "app");
    let report = snapshot(db.as_mut(), "report");

    let err = db
        .maintenance()
        .unwrap()
        .restore(Some("app"), &file)
        .unwrap_err();
    assert!(
        err.message
            .starts_with("cannot restore schema \"app\": dropping it would also drop ")
            && err.message.contains("view report.customers")
            && err
                .message
                .contains("constraint visit_customer_id_fkey on table report.visit")
            && err
                .message
                .ends_with("which the backup does not hold; nothing was changed"),
        "{}",
        err.message
    );
    assert_eq!(snapshot(db.as_mut(), "app"), damaged);
    assert_eq!(snapshot(db.as_mut(), "report"), report);
}

#[test]
fn a_backup_of_another_schema_is_refused_before_anything_is_dropped() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "bk_wrong");
    let dir = govup_testkit::scratch_dir("bk_wrong");
    let mut db = connect(&scratch.url).unwrap();
    db.execute("CREATE SCHEMA a").unwrap();
    db.execute("CREATE SCHEMA b").unwrap();
    db.execute("CREATE TABLE b.keep (x INTEGER)").unwrap();
    let file = db
        .maintenance()
        .unwrap()
        .backup(Some("a"), &dir, "a")
        .unwrap();
    let err = db
        .maintenance()
        .unwrap()
        .restore(Some("b"), &file)
        .unwrap_err();
    assert_eq!(
        err.message,
        format!(
            "backup file {} is a backup of schema \"a\", not of \"b\"",
            file.display()
        )
    );
    assert!(table_exists(db.as_mut(), "b", "keep"));

    let missing = dir.join("missing.pgdump");
    assert_eq!(
        db.maintenance()
            .unwrap()
            .restore(Some("b"), &missing)
            .unwrap_err()
            .message,
        format!("backup file {} does not exist", missing.display())
    );
    let junk = dir.join("junk.pgdump");
    std::fs::write(&junk, "not an archive").unwrap();
    let err = db
        .maintenance()
        .unwrap()
        .restore(Some("b"), &junk)
        .unwrap_err();
    assert!(
        err.message.starts_with(&format!(
            "pg_restore failed reading backup file {}: ",
            junk.display()
        )),
        "{}",
        err.message
    );
    assert!(table_exists(db.as_mut(), "b", "keep"));
}

#[test]
fn backups_never_overwrite_and_name_a_missing_schema() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "bk_errors");
    let dir = govup_testkit::scratch_dir("bk_errors");
    let mut db = connect(&scratch.url).unwrap();
    let first = db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "same")
        .unwrap();
    let size = std::fs::metadata(&first).unwrap().len();
    assert_eq!(
        db.maintenance()
            .unwrap()
            .backup(None, &dir, "same")
            .unwrap_err()
            .message,
        format!("backup file {} already exists", first.display())
    );
    assert_eq!(std::fs::metadata(&first).unwrap().len(), size);
    assert_eq!(
        db.maintenance()
            .unwrap()
            .backup(Some("nope"), &dir, "nope")
            .unwrap_err()
            .message,
        "schema \"nope\" does not exist"
    );
    // A directory that does not exist yet is created.
    let nested = dir.join("a/b");
    let file = db
        .maintenance()
        .unwrap()
        .backup(None, &nested, "x")
        .unwrap();
    assert_eq!(file.parent(), Some(Path::new(&nested)));
}

#[test]
fn the_programs_get_the_password_from_the_environment() {
    let Some(server) = server() else { return };
    let scratch = ScratchDatabase::new(&server, "bk_pw");
    let dir = govup_testkit::scratch_dir("bk_pw");
    // The test server trusts local connections: any password is accepted, so this shows that a
    // URL with a password works end to end (PGPASSWORD, nothing on the command line).
    let url = crate::support::with_password(&scratch.url, "s3cr3t-Pw");
    let mut db = connect(&url).unwrap();
    db.execute("CREATE TABLE t (x INTEGER)").unwrap();
    db.execute("INSERT INTO t VALUES (1)").unwrap();
    let file = db.maintenance().unwrap().backup(None, &dir, "pw").unwrap();
    db.execute("DROP TABLE t").unwrap();
    db.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(one_cell(db.as_mut(), "SELECT x FROM t"), Some("1".into()));
}
