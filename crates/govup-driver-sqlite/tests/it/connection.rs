use std::path::Path;

use govup_driver_sqlite::{path_of, SqliteConnection, DIALECT};
use govup_engine::{Dialect, Driver};
use govup_engine::{Tx, Wait};

use crate::{cleanup, open, scalar, scratch_db, table_exists};

#[test]
fn connect_creates_the_file_and_describes_it() {
    let (dir, url) = scratch_db("sqlite_create");
    let path = path_of(&url).unwrap();
    assert!(!path.exists());
    let db = open(&url);
    assert!(path.is_file(), "{} was not created", path.display());
    assert_eq!(db.describe(), format!("sqlite:{}", path.display()));
    assert_eq!(db.dialect().name(), "sqlite");
    drop(db);

    // The `sqlite://` form names the same absolute file.
    let mut again = open(&format!("sqlite://{}", path.display()));
    again.execute("CREATE TABLE t (x)").unwrap();
    drop(again);
    let mut third = open(&url);
    assert!(table_exists(third.as_mut(), "t"));
    cleanup(&dir);
}

#[test]
fn execute_and_query_round_trip() {
    let (dir, url) = scratch_db("sqlite_round_trip");
    let mut db = open(&url);
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount REAL, data BLOB)")
        .unwrap();
    db.execute("INSERT INTO t VALUES (1, 'caffè; ''bar''', 2.5, x'00ff')")
        .unwrap();
    db.execute("INSERT INTO t VALUES (2, NULL, NULL, NULL)")
        .unwrap();
    let rows = db
        .query("SELECT id, name, amount, data FROM t ORDER BY id")
        .unwrap();
    let text = |s: &str| Some(s.to_string());
    assert_eq!(
        rows,
        vec![
            vec![text("1"), text("caffè; 'bar'"), text("2.5"), text("00FF")],
            vec![text("2"), None, None, None],
        ]
    );
    assert!(db
        .query("SELECT * FROM t WHERE id = 99")
        .unwrap()
        .is_empty());

    // Statements that return rows run through execute without failing.
    db.execute("SELECT * FROM t").unwrap();
    db.execute("PRAGMA table_info(t)").unwrap();
    db.execute("INSERT INTO t (id) VALUES (3) RETURNING id")
        .unwrap();
    assert_eq!(
        scalar(db.as_mut(), "SELECT count(*) FROM t").as_deref(),
        Some("3")
    );

    let err = db.query("SELECT * FROM missing").unwrap_err();
    assert!(err.message.contains("no such table: missing"), "{err}");
    let err = db.execute("INSERT INTO missing VALUES (1)").unwrap_err();
    assert!(err.message.contains("missing"), "{err}");
    cleanup(&dir);
}

#[test]
fn history_table_creation_and_existence() {
    let (dir, url) = scratch_db("sqlite_history");
    let mut db = open(&url);
    let table = DIALECT.qualify(None, "govup_history");
    assert!(db
        .query(&DIALECT.history_exists_sql(None))
        .unwrap()
        .is_empty());
    db.execute(&DIALECT.history_ddl(&table)).unwrap();
    assert_eq!(
        db.query(&DIALECT.history_exists_sql(None)).unwrap(),
        vec![vec![Some("1".to_string())]]
    );
    // IF NOT EXISTS: a second run is harmless.
    db.execute(&DIALECT.history_ddl(&table)).unwrap();

    // A row as the engine writes it: literals from quote_literal, numbers inline, NULL.
    let q = |s: &str| DIALECT.quote_literal(s);
    db.execute(&format!(
        "INSERT INTO {table} (step_dir, patch_path, file_name, patch_kind, sha256, role_name, \
         schema_name, target_version, started_at, finished_at, duration_ms, statements_total, \
         statements_done, status, error_text, govup_version) VALUES ({}, {}, {}, {}, {}, NULL, \
         NULL, {}, {}, NULL, NULL, 4, 0, {}, {}, {})",
        q("upgrade_1.0.0_to_1.0.1"),
        q("upgrade_1.0.0_to_1.0.1/sqlite/a.sql"),
        q("a.sql"),
        q("patch"),
        q(&"ab".repeat(32)),
        q("1.0.1"),
        q("2026-01-01T00:00:00Z"),
        q("running"),
        q("it's broken"),
        q("0.1.0"),
    ))
    .unwrap();
    let rows = db
        .query(&format!(
            "SELECT statements_total, typeof(statements_total), role_name, error_text FROM {table}"
        ))
        .unwrap();
    assert_eq!(
        rows,
        vec![vec![
            Some("4".to_string()),
            Some("integer".to_string()),
            None,
            Some("it's broken".to_string())
        ]]
    );
    // patch_path is the key.
    let dup = format!(
        "INSERT INTO {table} SELECT * FROM {table} WHERE patch_path = {}",
        q("upgrade_1.0.0_to_1.0.1/sqlite/a.sql")
    );
    assert!(db.execute(&dup).is_err());
    cleanup(&dir);
}

#[test]
fn transactional_ddl_rollback_leaves_no_table() {
    let (dir, url) = scratch_db("sqlite_ddl_rollback");
    let mut db = open(&url);
    db.transaction(Tx::Begin).unwrap();
    db.execute("CREATE TABLE t (x)").unwrap();
    db.execute("INSERT INTO t VALUES (1)").unwrap();
    db.execute("CREATE INDEX t_x ON t (x)").unwrap();
    assert!(table_exists(db.as_mut(), "t"));
    db.transaction(Tx::Rollback).unwrap();
    assert!(!table_exists(db.as_mut(), "t"));
    let mut other = open(&url);
    assert!(!table_exists(other.as_mut(), "t"));

    db.transaction(Tx::Begin).unwrap();
    db.execute("CREATE TABLE u (x)").unwrap();
    db.transaction(Tx::Commit).unwrap();
    assert!(table_exists(other.as_mut(), "u"));
    cleanup(&dir);
}

#[test]
fn sqlite_has_no_schemas() {
    let (dir, url) = scratch_db("sqlite_schemas");
    let mut db = open(&url);
    db.use_schema(None).unwrap();
    let err = db.use_schema(Some("tracing")).unwrap_err();
    assert_eq!(
        err.message,
        "sqlite has no schemas: cannot use schema \"tracing\""
    );
    assert!(!db.dialect().capabilities().schemas);
    cleanup(&dir);
}

fn assert_one_line_naming(err: &govup_engine::DbError, path: &str) {
    assert!(!err.message.contains('\n'), "{err}");
    assert!(err.message.contains(path), "{err} does not name {path}");
}

#[test]
fn unwritable_or_invalid_locations_fail_naming_the_path() {
    let err = govup_driver_sqlite::connect("sqlite:/proc/govup_x.db")
        .err()
        .unwrap();
    assert_one_line_naming(&err, "/proc/govup_x.db");

    let (dir, _) = scratch_db("sqlite_unwritable");
    let missing = dir.join("no/such/dir/x.db");
    let err = govup_driver_sqlite::connect(&format!("sqlite:{}", missing.display()))
        .err()
        .unwrap();
    assert_one_line_naming(&err, &missing.display().to_string());
    assert!(err.message.contains("does not exist"), "{err}");
    assert!(!missing.exists());

    // A directory and a file that is not a database.
    let err = SqliteConnection::open(&dir).unwrap_err();
    assert_one_line_naming(&err, &dir.display().to_string());
    let text = dir.join("notes.txt");
    std::fs::write(
        &text,
        "this is not a database, just some text that is long enough",
    )
    .unwrap();
    let err = SqliteConnection::open(&text).unwrap_err();
    assert_one_line_naming(&err, &text.display().to_string());
    assert!(err.message.contains("not a database"), "{err}");

    let err = govup_driver_sqlite::connect("postgres://u:pw@h/db")
        .err()
        .unwrap();
    assert!(err.message.starts_with("invalid sqlite url"), "{err}");
    assert!(govup_driver_sqlite::connect("sqlite:").is_err());
    cleanup(&dir);
}

fn dump(path: &Path) -> Vec<Vec<Option<String>>> {
    let mut db = SqliteConnection::open(path).unwrap();
    let mut out = db
        .query("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    out.extend(db.query("SELECT * FROM a ORDER BY id").unwrap());
    out.extend(db.query("SELECT * FROM b ORDER BY k").unwrap());
    out
}

#[test]
fn backup_copies_tables_and_rows() {
    let (dir, url) = scratch_db("sqlite_backup");
    let source = path_of(&url).unwrap();
    let mut db = SqliteConnection::connect(&url).unwrap();
    db.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)")
        .unwrap();
    db.execute("CREATE TABLE b (k TEXT PRIMARY KEY, n INT)")
        .unwrap();
    db.execute("CREATE INDEX a_v ON a (v)").unwrap();
    for i in 0..500 {
        db.execute(&format!(
            "INSERT INTO a (v) VALUES ('row {i} {}')",
            "x".repeat(200)
        ))
        .unwrap();
    }
    db.execute("INSERT INTO b VALUES ('one', 1), ('none', NULL)")
        .unwrap();

    let copy = dir.join("copy.db");
    db.backup_to(&copy).unwrap();
    let expected = dump(&source);
    assert_eq!(expected.len(), 3 + 500 + 2);
    assert_eq!(dump(&copy), expected);

    // Also while the lock's transaction is open: the copy holds what was committed.
    db.lock(Wait::Block).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("INSERT INTO b VALUES ('two', 2)").unwrap();
    db.transaction(Tx::Commit).unwrap();
    let locked_copy = dir.join("locked-copy.db");
    db.backup_to(&locked_copy).unwrap();
    db.unlock().unwrap();
    assert_eq!(dump(&locked_copy), dump(&source));
    assert_eq!(dump(&locked_copy).len(), expected.len() + 1);

    let err = db.backup_to(&dir.join("missing/dir/copy.db")).unwrap_err();
    assert!(err.message.contains("missing/dir/copy.db"), "{err}");
    cleanup(&dir);
}

#[test]
fn read_only_creates_nothing_and_writes_nothing() {
    let (dir, url) = scratch_db("sqlite_read_only");
    let path = path_of(&url).unwrap();
    let mut missing = govup_driver_sqlite::connect_read_only(&url).unwrap();
    assert!(missing
        .query("SELECT name FROM sqlite_master")
        .unwrap()
        .is_empty());
    assert_eq!(missing.describe(), format!("sqlite:{}", path.display()));
    drop(missing);
    assert!(!path.exists(), "{} was created", path.display());

    let mut db = open(&url);
    db.execute("CREATE TABLE t (x)").unwrap();
    drop(db);
    let mut reader = govup_driver_sqlite::connect_read_only(&url).unwrap();
    assert!(table_exists(reader.as_mut(), "t"));
    let err = reader.execute("INSERT INTO t VALUES (1)").unwrap_err();
    assert!(err.message.contains("readonly"), "{}", err.message);
    cleanup(&dir);
}
