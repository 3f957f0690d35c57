//! The safety hooks: catalog, backup, restore and scratch databases, on real files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use govup_driver_sqlite::{path_of, SqliteConnection, DIALECT};
use govup_engine::{Catalog, Column, Constraint, Dialect, Driver, Index};
use govup_engine::{Tx, Wait};

use crate::{cleanup, open, scalar, scratch_db, table_exists};

type Rows = Vec<Vec<Option<String>>>;

/// Everything in the file: every `sqlite_master` entry (SQLite's own tables, govup_history,
/// views and triggers included) and every row of every table, sorted.
fn dump(db: &mut dyn Driver) -> Rows {
    let mut out = db
        .query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    let tables = db
        .query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    for table in tables.into_iter().filter_map(|r| r[0].clone()) {
        out.push(vec![Some(format!("-- rows of {table}"))]);
        let mut rows = db.query(&format!("SELECT * FROM \"{table}\"")).unwrap();
        rows.sort();
        out.extend(rows);
    }
    out
}

fn dump_file(path: &Path) -> Rows {
    dump(&mut SqliteConnection::open(path).unwrap())
}

/// A small schema with every kind of catalog object, data of every storage class, and the
/// objects a catalog leaves out (govup_history, sqlite_sequence, a view, a trigger, a CHECK).
fn build(db: &mut dyn Driver) {
    for sql in [
        "CREATE TABLE customer (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            code VARCHAR(20) NOT NULL UNIQUE,
            name TEXT DEFAULT 'anonymous',
            created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
            CHECK (length(code) > 0))",
        "CREATE TABLE orders (
            customer_id INTEGER NOT NULL REFERENCES customer ON DELETE CASCADE,
            line INT NOT NULL,
            amount DECIMAL(10,2) DEFAULT 0,
            note BLOB,
            PRIMARY KEY (customer_id, line),
            UNIQUE (amount, note)) WITHOUT ROWID",
        "CREATE TABLE tag (
            orders_customer INT,
            orders_line INT,
            label TEXT COLLATE NOCASE,
            FOREIGN KEY (orders_customer, orders_line)
                REFERENCES orders (customer_id, line) ON UPDATE SET NULL)",
        "ALTER TABLE tag ADD COLUMN weight REAL",
        "CREATE INDEX orders_amount ON orders (amount DESC)",
        "CREATE UNIQUE INDEX tag_label ON tag (lower(label) /* folded */, orders_line)",
        "CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount > 100",
        "CREATE TRIGGER customer_code AFTER UPDATE ON customer BEGIN SELECT 1; END",
        &DIALECT.history_ddl(&DIALECT.qualify(None, "govup_history")),
        "INSERT INTO customer (code, name, created) VALUES
            ('c1', 'caffè', '2025-01-01 00:00:00'), ('c2', NULL, '2025-01-02 00:00:00')",
        "INSERT INTO orders VALUES (1, 1, 10.5, x'00ff'), (1, 2, 200, NULL), (2, 1, NULL, 'text')",
        "INSERT INTO tag VALUES (1, 1, 'Red', 0.25), (1, 2, 'blue', NULL)",
        "INSERT INTO govup_history (step_dir, patch_path, file_name, patch_kind, sha256,
            target_version, started_at, statements_total, statements_done, status, govup_version)
            VALUES ('s', 's/p.sql', 'p.sql', 'patch', 'ab', '1.0.1', '2025-01-01', 1, 1,
                    'applied', '0')",
    ] {
        db.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

fn column(table: &str, name: &str, data_type: &str, position: u32) -> Column {
    Column {
        table: table.into(),
        name: name.into(),
        data_type: data_type.into(),
        default: None,
        nullable: true,
        position,
    }
}

fn not_null(mut c: Column) -> Column {
    c.nullable = false;
    c
}

fn default(mut c: Column, value: &str) -> Column {
    c.default = Some(value.into());
    c
}

fn index(table: &str, name: &str, unique: bool, columns: &[&str]) -> Index {
    Index {
        table: table.into(),
        name: name.into(),
        unique,
        columns: columns.iter().map(|c| c.to_string()).collect(),
    }
}

fn constraint(table: &str, name: &str, kind: &str, definition: &str) -> Constraint {
    Constraint {
        table: table.into(),
        name: name.into(),
        kind: kind.into(),
        definition: definition.into(),
    }
}

fn expected_catalog() -> Catalog {
    Catalog {
        tables: ["customer", "orders", "tag"].map(String::from).into(),
        columns: BTreeSet::from([
            column("customer", "id", "INTEGER", 1),
            not_null(column("customer", "code", "VARCHAR(20)", 2)),
            default(column("customer", "name", "TEXT", 3), "'anonymous'"),
            not_null(default(
                column("customer", "created", "TIMESTAMP", 4),
                "CURRENT_TIMESTAMP",
            )),
            not_null(column("orders", "customer_id", "INTEGER", 1)),
            not_null(column("orders", "line", "INT", 2)),
            default(column("orders", "amount", "DECIMAL(10,2)", 3), "0"),
            column("orders", "note", "BLOB", 4),
            column("tag", "orders_customer", "INT", 1),
            column("tag", "orders_line", "INT", 2),
            column("tag", "label", "TEXT", 3),
            column("tag", "weight", "REAL", 4),
        ]),
        indexes: BTreeSet::from([
            index("customer", "sqlite_autoindex_customer_1", true, &["code"]),
            index(
                "orders",
                "sqlite_autoindex_orders_1",
                true,
                &["customer_id", "line"],
            ),
            index(
                "orders",
                "sqlite_autoindex_orders_2",
                true,
                &["amount", "note"],
            ),
            index("orders", "orders_amount", false, &["amount DESC"]),
            index("tag", "tag_label", true, &["lower(label)", "orders_line"]),
        ]),
        constraints: BTreeSet::from([
            constraint("customer", "customer_pkey", "PRIMARY KEY", "(id)"),
            constraint("customer", "customer_code_key", "UNIQUE", "(code)"),
            constraint(
                "orders",
                "orders_pkey",
                "PRIMARY KEY",
                "(customer_id, line)",
            ),
            constraint("orders", "orders_amount_note_key", "UNIQUE", "(amount, note)"),
            constraint(
                "orders",
                "orders_customer_id_fkey",
                "FOREIGN KEY",
                "(customer_id) REFERENCES customer(id) ON DELETE CASCADE",
            ),
            constraint(
                "tag",
                "tag_orders_customer_orders_line_fkey",
                "FOREIGN KEY",
                "(orders_customer, orders_line) REFERENCES orders(customer_id, line) ON UPDATE SET NULL",
            ),
        ]),
        sequences: BTreeSet::new(),
    }
}

/// A second connection's lock() fails as busy: `url`'s lock is held elsewhere.
fn assert_locked_elsewhere(url: &str) {
    let mut other = open(url);
    let err = other.lock(Wait::Block).unwrap_err();
    assert!(err.message.contains("is busy"), "{err}");
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn siblings(path: &Path) -> Vec<PathBuf> {
    ["-journal", "-wal", "-shm"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", path.display())))
        .collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn catalog_of_a_known_schema_is_exact() {
    let (dir, url) = scratch_db("sqlite_catalog");
    let mut db = open(&url);
    assert_eq!(
        db.maintenance().unwrap().catalog(None).unwrap(),
        Catalog::default()
    );
    build(db.as_mut());
    let catalog = db.maintenance().unwrap().catalog(None).unwrap();
    assert_eq!(catalog, expected_catalog());
    assert!(table_exists(db.as_mut(), "govup_history"));
    assert!(table_exists(db.as_mut(), "sqlite_sequence"));
    assert!(!catalog.tables.iter().any(|t| t.contains("govup_history")));
    assert!(!catalog.columns.iter().any(|c| c.table == "govup_history"));

    // Under the lock, the catalog is this connection's view, uncommitted work included.
    db.lock(Wait::Block).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("CREATE TABLE extra (x INT NOT NULL)").unwrap();
    let mut more = expected_catalog();
    more.tables.insert("extra".into());
    more.columns
        .insert(not_null(column("extra", "x", "INT", 1)));
    assert_eq!(db.maintenance().unwrap().catalog(None).unwrap(), more);
    db.transaction(Tx::Rollback).unwrap();
    db.unlock().unwrap();
    assert_eq!(
        db.maintenance().unwrap().catalog(None).unwrap(),
        expected_catalog()
    );

    let err = db.maintenance().unwrap().catalog(Some("main")).unwrap_err();
    assert_eq!(
        err.message,
        "sqlite has no schemas: cannot use schema \"main\""
    );
    cleanup(&dir);
}

#[test]
fn backup_then_damage_then_restore_under_the_lock_gives_back_everything() {
    let (dir, url) = scratch_db("sqlite_restore");
    let mut db = open(&url);
    build(db.as_mut());
    let catalog = db.maintenance().unwrap().catalog(None).unwrap();
    let rows = dump(db.as_mut());

    // As the engine does: lock, back up before the first write, then work.
    db.lock(Wait::Block).unwrap();
    let backups = dir.join("backup/1.0.0");
    std::fs::create_dir_all(&backups).unwrap();
    let file = db
        .maintenance()
        .unwrap()
        .backup(None, &backups, "c0-default")
        .unwrap();
    assert_eq!(file, backups.join("c0-default.sqlite"));
    assert_eq!(
        std::fs::read_dir(&backups).unwrap().count(),
        1,
        "no partial file is left"
    );
    assert_eq!(dump_file(&file), rows);

    // Damage committed step by step (--tx step), then a failing step the engine rolls back.
    db.transaction(Tx::Begin).unwrap();
    db.execute("DROP TABLE tag").unwrap();
    db.execute("DELETE FROM orders WHERE line > 1").unwrap();
    db.transaction(Tx::Commit).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("ALTER TABLE customer ADD COLUMN extra TEXT")
        .unwrap();
    db.execute("INSERT INTO customer (code) VALUES ('c3')")
        .unwrap();
    db.execute("UPDATE govup_history SET status = 'failed'")
        .unwrap();
    db.transaction(Tx::Commit).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("CREATE TABLE half_done (x)").unwrap();
    db.transaction(Tx::Rollback).unwrap();
    assert_ne!(db.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_ne!(dump(db.as_mut()), rows);

    db.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(db.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(dump(db.as_mut()), rows);
    // The lock is still held, and the state machine goes on as before.
    assert_locked_elsewhere(&url);
    db.transaction(Tx::Begin).unwrap();
    db.execute("INSERT INTO customer (code) VALUES ('after')")
        .unwrap();
    db.transaction(Tx::Rollback).unwrap();
    assert_locked_elsewhere(&url);
    db.unlock().unwrap();

    // Seen from a new connection, the file holds the backup.
    let mut reader = open(&url);
    assert_eq!(
        reader.maintenance().unwrap().catalog(None).unwrap(),
        catalog
    );
    assert_eq!(dump(reader.as_mut()), rows);
    reader.lock(Wait::Block).unwrap();
    reader.unlock().unwrap();
    cleanup(&dir);
}

#[test]
fn restore_rolls_back_work_still_open_and_works_without_the_lock() {
    let (dir, url) = scratch_db("sqlite_restore_open");
    let mut db = open(&url);
    build(db.as_mut());
    let rows = dump(db.as_mut());
    let file = db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "before")
        .unwrap();
    db.execute("DELETE FROM tag").unwrap();

    // An engine transaction left open is rolled back, never committed.
    db.lock(Wait::Block).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("DROP TABLE tag; DROP TABLE orders").unwrap();
    db.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(dump(db.as_mut()), rows);
    assert_locked_elsewhere(&url);
    db.unlock().unwrap();

    // Without the lock: restored, and nothing is left holding a lock.
    db.execute("DELETE FROM tag; DELETE FROM customer").unwrap();
    db.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(dump(db.as_mut()), rows);
    let mut other = open(&url);
    other.lock(Wait::Block).unwrap();
    other.unlock().unwrap();
    db.execute("INSERT INTO tag (label) VALUES ('autocommit')")
        .unwrap();
    assert_eq!(
        scalar(
            other.as_mut(),
            "SELECT count(*) FROM tag WHERE label = 'autocommit'"
        )
        .as_deref(),
        Some("1")
    );

    let err = db
        .maintenance()
        .unwrap()
        .restore(Some("x"), &file)
        .unwrap_err();
    assert_eq!(
        err.message,
        "sqlite has no schemas: cannot use schema \"x\""
    );
    cleanup(&dir);
}

#[test]
fn a_bad_backup_file_is_refused_before_the_database_is_touched() {
    let (dir, url) = scratch_db("sqlite_restore_bad");
    let path = path_of(&url).unwrap();
    let mut db = open(&url);
    build(db.as_mut());
    let good = db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "good")
        .unwrap();
    db.execute("DELETE FROM tag; DELETE FROM orders WHERE line = 2")
        .unwrap();
    let rows = dump(db.as_mut());

    let missing = dir.join("missing.sqlite");
    let text = dir.join("notes.sqlite");
    std::fs::write(&text, "not a database, only text long enough to be read").unwrap();
    let truncated = dir.join("truncated.sqlite");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    db.lock(Wait::Block).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("INSERT INTO tag (label) VALUES ('pending')")
        .unwrap();
    for (file, why) in [
        (&missing, "does not exist"),
        (&text, "not a database"),
        (&truncated, "malformed"),
        (&path, "is the database itself"),
    ] {
        let err = db.maintenance().unwrap().restore(None, file).unwrap_err();
        assert!(!err.message.contains('\n'), "{err}");
        assert!(
            err.message.starts_with(&format!(
                "cannot restore {} from {}: ",
                path.display(),
                file.display()
            )),
            "{err}"
        );
        assert!(err.message.contains(why), "{err} should say {why}");
        // The engine's transaction, which is the lock, is untouched.
        assert!(!db
            .query("SELECT 1 FROM tag WHERE label = 'pending'")
            .unwrap()
            .is_empty());
    }
    assert_locked_elsewhere(&url);
    db.transaction(Tx::Rollback).unwrap();
    db.unlock().unwrap();
    assert_eq!(dump(db.as_mut()), rows);
    cleanup(&dir);
}

#[test]
fn a_backup_holds_only_committed_work_and_never_overwrites() {
    let (dir, url) = scratch_db("sqlite_backup_committed");
    let path = path_of(&url).unwrap();
    let mut db = open(&url);
    build(db.as_mut());
    let committed = dump(db.as_mut());
    #[cfg(unix)]
    set_mode(&path, 0o600);

    // Another session's open write transaction is not in the copy.
    let mut writer = open(&url);
    writer.transaction(Tx::Begin).unwrap();
    writer
        .execute("INSERT INTO tag (label) VALUES ('other session')")
        .unwrap();
    let file = db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "while-writing")
        .unwrap();
    assert_eq!(dump_file(&file), committed);
    writer.transaction(Tx::Rollback).unwrap();

    // Nor is this connection's own uncommitted work under the lock.
    db.lock(Wait::Block).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("DELETE FROM tag; DELETE FROM orders").unwrap();
    let locked = db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "under-lock")
        .unwrap();
    assert_eq!(dump_file(&locked), committed);
    db.transaction(Tx::Rollback).unwrap();
    db.unlock().unwrap();
    // A backup is one file: no journal beside it, none asked for when it is opened.
    for f in [&file, &locked] {
        assert!(siblings(f).iter().all(|s| !s.exists()));
        assert_eq!(
            std::fs::read(f).unwrap()[18],
            1,
            "{} is not in rollback mode",
            f.display()
        );
        #[cfg(unix)]
        assert_eq!(
            mode(f),
            0o600,
            "{} is readable by more than the database",
            f.display()
        );
    }

    // An existing backup is never overwritten.
    db.execute("DELETE FROM tag").unwrap();
    let err = db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "under-lock")
        .unwrap_err();
    assert!(err.message.contains(&locked.display().to_string()), "{err}");
    assert!(err.message.contains("already exists"), "{err}");
    assert_eq!(dump_file(&locked), committed);

    let err = db
        .maintenance()
        .unwrap()
        .backup(None, &dir.join("no/such"), "x")
        .unwrap_err();
    assert!(err.message.contains("no/such/x.sqlite"), "{err}");
    assert!(db
        .maintenance()
        .unwrap()
        .backup(None, &dir, "../escape")
        .is_err());
    assert!(db.maintenance().unwrap().backup(None, &dir, "").is_err());
    let err = db
        .maintenance()
        .unwrap()
        .backup(Some("tracing"), &dir, "s")
        .unwrap_err();
    assert_eq!(
        err.message,
        "sqlite has no schemas: cannot use schema \"tracing\""
    );
    assert!(!dir.join("s.sqlite").exists());
    cleanup(&dir);
}

#[test]
fn a_scratch_copy_is_the_committed_database_and_writing_it_leaves_the_original_alone() {
    let (dir, url) = scratch_db("sqlite_scratch_copy");
    let path = path_of(&url).unwrap();
    let mut db = open(&url);
    build(db.as_mut());
    let catalog = db.maintenance().unwrap().catalog(None).unwrap();
    let rows = dump(db.as_mut());
    #[cfg(unix)]
    set_mode(&path, 0o640);

    // Made under the lock with work pending: the copy holds the committed state.
    db.lock(Wait::Block).unwrap();
    db.transaction(Tx::Begin).unwrap();
    db.execute("DELETE FROM tag; DELETE FROM customer").unwrap();
    let scratch_url = db.maintenance().unwrap().create_scratch(true).unwrap();
    db.transaction(Tx::Rollback).unwrap();
    db.unlock().unwrap();

    let scratch = path_of(&scratch_url).unwrap();
    assert!(scratch.is_absolute(), "{scratch_url}");
    assert_eq!(
        scratch.parent(),
        std::path::absolute(&path).unwrap().parent()
    );
    let name = file_name(&scratch);
    let prefix = format!("test.db.govup-copy-{}-", std::process::id());
    assert!(
        name.starts_with(&prefix) && name.ends_with(".sqlite"),
        "{name}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&scratch), 0o640);

    let mut copy = open(&scratch_url);
    assert_eq!(copy.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(dump(copy.as_mut()), rows);
    copy.lock(Wait::Block).unwrap();
    copy.transaction(Tx::Begin).unwrap();
    copy.execute("DROP TABLE tag").unwrap();
    copy.execute("DELETE FROM orders").unwrap();
    copy.transaction(Tx::Commit).unwrap();
    copy.unlock().unwrap();
    assert!(!table_exists(copy.as_mut(), "tag"));
    drop(copy);
    assert_eq!(dump(db.as_mut()), rows);

    // Two scratch databases never share a file.
    let second = db.maintenance().unwrap().create_scratch(true).unwrap();
    assert_ne!(second, scratch_url);
    db.maintenance().unwrap().drop_scratch(&second).unwrap();

    db.maintenance()
        .unwrap()
        .drop_scratch(&scratch_url)
        .unwrap();
    assert!(!scratch.exists());
    assert!(siblings(&scratch).iter().all(|s| !s.exists()));
    let err = db
        .maintenance()
        .unwrap()
        .drop_scratch(&scratch_url)
        .unwrap_err();
    assert!(err.message.contains("does not exist"), "{err}");
    assert_eq!(dump(db.as_mut()), rows);
    cleanup(&dir);
}

#[test]
fn an_empty_scratch_database_is_empty() {
    let (dir, url) = scratch_db("sqlite_scratch_empty");
    let mut db = open(&url);
    build(db.as_mut());
    let scratch_url = db.maintenance().unwrap().create_scratch(false).unwrap();
    let scratch = path_of(&scratch_url).unwrap();
    assert!(
        file_name(&scratch).starts_with(&format!("test.db.govup-empty-{}-", std::process::id())),
        "{scratch_url}"
    );
    let mut empty = open(&scratch_url);
    assert_eq!(
        empty.maintenance().unwrap().catalog(None).unwrap(),
        Catalog::default()
    );
    assert_eq!(dump(empty.as_mut()), Rows::new());
    // It takes a patch like any database, and drop_scratch removes it with its journal files.
    empty.execute("PRAGMA journal_mode = WAL").unwrap();
    empty.execute("CREATE TABLE t (x)").unwrap();
    assert!(siblings(&scratch)[1].exists(), "a -wal file to clean up");
    drop(empty);
    db.maintenance()
        .unwrap()
        .drop_scratch(&scratch_url)
        .unwrap();
    assert!(!scratch.exists());
    assert!(siblings(&scratch).iter().all(|s| !s.exists()));
    assert!(table_exists(db.as_mut(), "customer"));
    cleanup(&dir);
}

#[test]
fn drop_scratch_deletes_nothing_govup_did_not_create() {
    let (dir, url) = scratch_db("sqlite_scratch_refuse");
    let path = path_of(&url).unwrap();
    let mut db = open(&url);
    db.execute("CREATE TABLE t (x)").unwrap();
    let pid = std::process::id();

    let elsewhere = dir.join("sub");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let in_other_dir = elsewhere.join(format!("test.db.govup-copy-{pid}-0.sqlite"));
    let of_other_db = dir.join(format!("other.db.govup-copy-{pid}-0.sqlite"));
    let not_sqlite = dir.join(format!("test.db.govup-copy-{pid}-999.sqlite"));
    let unpatterned = dir.join("test.db.backup.sqlite");
    let sqlite_header = std::fs::read(&path).unwrap();
    for f in [&in_other_dir, &of_other_db, &unpatterned] {
        std::fs::write(f, &sqlite_header).unwrap();
    }
    std::fs::write(&not_sqlite, "some text govup did not write").unwrap();
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    std::fs::write(&wal, "").unwrap();

    for (victim, why) in [
        (&path, "not a scratch database"),
        (&in_other_dir, "not a scratch database"),
        (&of_other_db, "not a scratch database"),
        (&unpatterned, "not a scratch database"),
        (&wal, "not a scratch database"),
        (&not_sqlite, "not an sqlite database"),
    ] {
        let err = db
            .maintenance()
            .unwrap()
            .drop_scratch(&format!("sqlite:{}", victim.display()))
            .unwrap_err();
        assert!(
            err.message
                .starts_with(&format!("refusing to delete {}: ", victim.display())),
            "{err}"
        );
        assert!(err.message.contains(why), "{err} should say {why}");
        assert!(victim.exists(), "{} was deleted", victim.display());
    }
    let err = db
        .maintenance()
        .unwrap()
        .drop_scratch("postgres://u:pw@h/db")
        .unwrap_err();
    assert!(err.message.starts_with("invalid sqlite url"), "{err}");
    assert!(table_exists(db.as_mut(), "t"));
    cleanup(&dir);
}

#[test]
fn wal_databases_back_up_restore_and_copy() {
    let (dir, url) = scratch_db("sqlite_wal");
    let mut db = open(&url);
    db.execute("PRAGMA journal_mode = WAL").unwrap();
    build(db.as_mut());
    let catalog = db.maintenance().unwrap().catalog(None).unwrap();
    let rows = dump(db.as_mut());

    db.lock(Wait::Block).unwrap();
    let file = db.maintenance().unwrap().backup(None, &dir, "wal").unwrap();
    // The backup of a WAL database is still one self-contained file in rollback mode.
    assert_eq!(std::fs::read(&file).unwrap()[18], 1);
    assert!(siblings(&file).iter().all(|s| !s.exists()));
    db.transaction(Tx::Begin).unwrap();
    db.execute("DROP TABLE tag; DROP TABLE orders").unwrap();
    db.execute("DELETE FROM customer").unwrap();
    db.transaction(Tx::Commit).unwrap();
    db.maintenance().unwrap().restore(None, &file).unwrap();
    assert_locked_elsewhere(&url);
    db.unlock().unwrap();
    assert_eq!(db.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(dump(db.as_mut()), rows);
    assert_eq!(
        scalar(db.as_mut(), "PRAGMA journal_mode").as_deref(),
        Some("wal"),
        "the database stays in WAL mode"
    );
    let mut reader = open(&url);
    assert_eq!(dump(reader.as_mut()), rows);
    drop(reader);

    let scratch_url = db.maintenance().unwrap().create_scratch(true).unwrap();
    let mut copy = open(&scratch_url);
    assert_eq!(dump(copy.as_mut()), rows);
    copy.execute("DELETE FROM tag").unwrap();
    drop(copy);
    db.maintenance()
        .unwrap()
        .drop_scratch(&scratch_url)
        .unwrap();
    let scratch = path_of(&scratch_url).unwrap();
    assert!(!scratch.exists());
    assert!(siblings(&scratch).iter().all(|s| !s.exists()));
    assert_eq!(dump(db.as_mut()), rows);
    cleanup(&dir);
}
