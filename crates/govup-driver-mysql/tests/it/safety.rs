//! The safety hooks against a live server: catalog, backup and restore, scratch databases.
//! Every test works in its own database (dropped at the end) and drops every scratch database it
//! makes, also when it fails. The exact catalog values are MariaDB's (10.11 here): `int(11)`,
//! quoted string defaults, `NULL` as the default of a nullable column.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use govup_driver_mysql::{connect, DIALECT};
use govup_engine::catalog::{Catalog, Column, Constraint, Index, Sequence};
use govup_engine::driver::{Dialect, Driver};
use govup_engine::Wait;

use crate::corpus::split_file;
use crate::live::{cell, s, server, with_database, Scratch};

type Rows = Vec<Vec<Option<String>>>;

/// A small schema with one of everything the catalog reads, plus what only a dump carries (a
/// view, a trigger, a procedure, an event, rows of every kind) and govup's own history.
fn build_schema(c: &mut dyn Driver) {
    for sql in [
        "CREATE TABLE parent (
            id BIGINT AUTO_INCREMENT PRIMARY KEY,
            code VARCHAR(20) NOT NULL DEFAULT 'x',
            n INT DEFAULT 5,
            note TEXT,
            payload BLOB,
            price DECIMAL(10,2) NOT NULL DEFAULT 0.00,
            created DATETIME(3) NULL,
            UNIQUE KEY uq_code (code),
            KEY ix_n (n DESC, code(5)),
            CONSTRAINT ck_n CHECK (n > 0)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        "CREATE TABLE child (
            id INT PRIMARY KEY,
            pid BIGINT,
            amount INT CHECK (amount >= 0),
            CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE,
            CONSTRAINT ck_n CHECK (id <> 0)
        ) ENGINE=InnoDB",
        "CREATE SEQUENCE s1 START WITH 10 INCREMENT BY 5",
        "CREATE VIEW v AS SELECT id, code FROM parent",
        "CREATE TRIGGER parent_bu BEFORE UPDATE ON parent FOR EACH ROW SET NEW.note = CONCAT('updated ', OLD.code)",
        "CREATE PROCEDURE count_parents(OUT total INT) SELECT COUNT(*) INTO total FROM parent",
        "CREATE EVENT purge_child ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM child WHERE amount < 0",
        "INSERT INTO parent (code, n, note, payload, price, created) VALUES
            ('a', 1, 'città 😀 \\\\ ''q''', X'00FF10', 12.50, '2024-01-02 03:04:05.678'),
            ('b', NULL, NULL, NULL, -1, NULL),
            ('c', 3, 'gone', X'', 0, '2025-12-31 23:59:59.999')",
        // The row with the highest id goes: AUTO_INCREMENT must still continue at 4.
        "DELETE FROM parent WHERE id = 3",
        "INSERT INTO child VALUES (1, 1, 10), (2, 2, NULL)",
        "SELECT NEXTVAL(s1)",
    ] {
        c.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    c.execute(&DIALECT.history_ddl("govup_history")).unwrap();
    c.execute("INSERT INTO govup_history (step_dir, patch_path, file_name, patch_kind, sha256, target_version, started_at, statements_total, statements_done, status, govup_version) VALUES ('upgrade_1.0.0_to_1.0.1', 'upgrade_1.0.0_to_1.0.1/mysql/p.sql', 'p.sql', 'patch', REPEAT('a', 64), '1.0.1', '2026-01-01T00:00:00Z', 2, 2, 'applied', '0.1.0')").unwrap();
}

fn col(
    table: &str,
    name: &str,
    data_type: &str,
    default: Option<&str>,
    nullable: bool,
    position: u32,
) -> Column {
    Column {
        table: table.into(),
        name: name.into(),
        data_type: data_type.into(),
        default: default.map(str::to_string),
        nullable,
        position,
    }
}

fn idx(table: &str, name: &str, unique: bool, columns: &[&str]) -> Index {
    Index {
        table: table.into(),
        name: name.into(),
        unique,
        columns: columns.iter().map(|c| c.to_string()).collect(),
    }
}

fn con(table: &str, name: &str, kind: &str, definition: &str) -> Constraint {
    Constraint {
        table: table.into(),
        name: name.into(),
        kind: kind.into(),
        definition: definition.into(),
    }
}

fn expected_catalog() -> Catalog {
    Catalog {
        tables: ["child", "parent"].iter().map(|t| t.to_string()).collect(),
        columns: [
            col("parent", "id", "bigint(20) auto_increment", None, false, 1),
            col("parent", "code", "varchar(20)", Some("'x'"), false, 2),
            col("parent", "n", "int(11)", Some("5"), true, 3),
            col("parent", "note", "text", Some("NULL"), true, 4),
            col("parent", "payload", "blob", Some("NULL"), true, 5),
            col("parent", "price", "decimal(10,2)", Some("0.00"), false, 6),
            col("parent", "created", "datetime(3)", Some("NULL"), true, 7),
            col("child", "id", "int(11)", None, false, 1),
            col("child", "pid", "bigint(20)", Some("NULL"), true, 2),
            col("child", "amount", "int(11)", Some("NULL"), true, 3),
        ]
        .into_iter()
        .collect(),
        indexes: [
            idx("parent", "PRIMARY", true, &["id"]),
            idx("parent", "uq_code", true, &["code"]),
            idx("parent", "ix_n", false, &["n DESC", "code(5)"]),
            idx("child", "PRIMARY", true, &["id"]),
            idx("child", "fk_p", false, &["pid"]),
        ]
        .into_iter()
        .collect(),
        constraints: [
            con("parent", "PRIMARY", "PRIMARY KEY", "(id)"),
            con("parent", "uq_code", "UNIQUE", "(code)"),
            con("parent", "ck_n", "CHECK", "`n` > 0"),
            con("child", "PRIMARY", "PRIMARY KEY", "(id)"),
            con(
                "child",
                "fk_p",
                "FOREIGN KEY",
                "(pid) REFERENCES parent(id) ON UPDATE RESTRICT ON DELETE CASCADE",
            ),
            con("child", "ck_n", "CHECK", "`id` <> 0"),
            con("child", "amount", "CHECK", "`amount` >= 0"),
        ]
        .into_iter()
        .collect(),
        sequences: [Sequence {
            name: "s1".into(),
            definition:
                "start with 10 minvalue 1 maxvalue 9223372036854775806 increment by 5 cache 1000 nocycle"
                    .into(),
        }]
        .into_iter()
        .collect(),
    }
}

fn lit(text: &str) -> String {
    DIALECT.quote_literal(text)
}

/// Every row of every table and sequence of `db` (govup_history included), each cell as the hex
/// of its bytes, so that nothing is lost to a character set or a number format.
fn rows_of(c: &mut dyn Driver, db: &str) -> BTreeMap<String, Rows> {
    let tables = c
        .query(&format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = {} AND table_type IN ('BASE TABLE', 'SEQUENCE')",
            lit(db)
        ))
        .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let table = t[0].clone().unwrap();
        let columns: Vec<String> = c
            .query(&format!(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = {} AND table_name = {} ORDER BY ordinal_position",
                lit(db),
                lit(&table)
            ))
            .unwrap()
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect();
        let select: Vec<String> = columns
            .iter()
            .map(|c| format!("HEX(CAST({} AS BINARY))", DIALECT.quote_ident(c)))
            .collect();
        let order: Vec<String> = (1..=columns.len()).map(|n| n.to_string()).collect();
        let rows = c
            .query(&format!(
                "SELECT {} FROM {} ORDER BY {}",
                select.join(", "),
                DIALECT.qualify(Some(db), &table),
                order.join(", ")
            ))
            .unwrap();
        out.insert(table, rows);
    }
    out
}

/// Views, routines, triggers and events of `db` with their bodies, the database's own name
/// replaced by `<db>` (MariaDB qualifies view definitions with it).
fn objects_of(c: &mut dyn Driver, db: &str) -> BTreeSet<String> {
    let d = lit(db);
    c.query(&format!(
        "SELECT CONCAT('view ', table_name, ': ', view_definition) FROM information_schema.views WHERE table_schema = {d}
         UNION ALL SELECT CONCAT('routine ', routine_type, ' ', routine_name, ': ', routine_definition) FROM information_schema.routines WHERE routine_schema = {d}
         UNION ALL SELECT CONCAT('trigger ', trigger_name, ' ', action_timing, ' ', event_manipulation, ' ', event_object_table, ': ', action_statement) FROM information_schema.triggers WHERE trigger_schema = {d}
         UNION ALL SELECT CONCAT('event ', event_name, ' ', status, ': ', event_definition) FROM information_schema.events WHERE event_schema = {d}"
    ))
    .unwrap()
    .into_iter()
    .map(|r| r[0].clone().unwrap().replace(db, "<db>"))
    .collect()
}

fn charset_of(c: &mut dyn Driver, db: &str) -> Rows {
    c.query(&format!(
        "SELECT default_character_set_name, default_collation_name FROM information_schema.schemata WHERE schema_name = {}",
        lit(db)
    ))
    .unwrap()
}

fn database_exists(c: &mut dyn Driver, db: &str) -> bool {
    !charset_of(c, db).is_empty()
}

fn url_database(url: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_string()
}

/// A scratch database made by `create_scratch`, dropped through `drop_scratch` at the end even
/// when the test fails.
struct MadeScratch {
    server: String,
    url: String,
    dropped: bool,
}

impl MadeScratch {
    fn new(server: &str, url: String) -> MadeScratch {
        MadeScratch {
            server: server.to_string(),
            url,
            dropped: false,
        }
    }
}

impl Drop for MadeScratch {
    fn drop(&mut self) {
        if !self.dropped {
            if let Ok(mut c) = connect(&self.server) {
                let _ = c.maintenance().unwrap().drop_scratch(&self.url);
            }
        }
    }
}

/// A user with a password and every privilege on the test's databases (and their scratch
/// copies, whose names start with the database's), dropped at the end.
struct PasswordUser {
    admin: Box<dyn Driver>,
    name: String,
}

impl PasswordUser {
    fn new(server: &str, database: &str, password: &str) -> PasswordUser {
        let name = govup_testkit::unique_name("pw");
        let mut admin = connect(server).unwrap();
        admin
            .execute(&format!(
                "CREATE USER {}@'%' IDENTIFIED BY {}",
                lit(&name),
                lit(password)
            ))
            .unwrap();
        let mut user = PasswordUser { admin, name };
        let pattern = DIALECT.quote_ident(&format!("{database}%"));
        let grant = format!("GRANT ALL ON {pattern}.* TO {}@'%'", lit(&user.name));
        user.admin.execute(&grant).unwrap();
        user
    }
}

impl Drop for PasswordUser {
    fn drop(&mut self) {
        let _ = self
            .admin
            .execute(&format!("DROP USER IF EXISTS {}@'%'", lit(&self.name)));
    }
}

#[test]
fn catalog_of_a_known_schema_is_exact_and_leaves_out_the_history() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "cat");
    let mut c = connect(&scratch.url).unwrap();
    build_schema(c.as_mut());

    let catalog = c.maintenance().unwrap().catalog(None).unwrap();
    assert_eq!(catalog, expected_catalog());
    assert!(!catalog.tables.contains("govup_history"));
    assert!(catalog.columns.iter().all(|c| c.table != "govup_history"));
    assert!(catalog.indexes.iter().all(|i| i.table != "govup_history"));
    assert!(catalog
        .constraints
        .iter()
        .all(|k| k.table != "govup_history"));
    // The view and the sequence are not tables.
    assert!(!catalog.tables.contains("v") && !catalog.tables.contains("s1"));

    // None is the URL's database, wherever `USE` has gone since.
    c.use_schema(Some("information_schema")).unwrap();
    assert_eq!(
        c.maintenance().unwrap().catalog(None).unwrap(),
        expected_catalog()
    );

    // The same database named from a connection elsewhere.
    let mut other = connect(&server).unwrap();
    assert_eq!(
        other
            .maintenance()
            .unwrap()
            .catalog(Some(&scratch.name))
            .unwrap(),
        expected_catalog()
    );
}

#[test]
fn catalog_of_a_missing_database_or_of_none_is_an_error() {
    let Some(server) = server() else { return };
    let mut c = connect(&server).unwrap();
    let missing = govup_testkit::unique_name("nodb");
    let e = c
        .maintenance()
        .unwrap()
        .catalog(Some(&missing))
        .unwrap_err();
    assert!(
        e.message
            .starts_with(&format!("database {missing} does not exist on ")),
        "{e}"
    );

    let mut bare = connect(&with_database(&server, "")).unwrap();
    let e = bare.maintenance().unwrap().catalog(None).unwrap_err();
    assert!(e.message.starts_with("no database selected on "), "{e}");
    let e = bare
        .maintenance()
        .unwrap()
        .backup(None, Path::new("/nonexistent"), "x")
        .unwrap_err();
    assert!(e.message.starts_with("no database selected on "), "{e}");
}

#[test]
fn backup_then_damage_then_restore_brings_everything_back() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "bkp");
    let db = scratch.name.clone();
    let mut c = connect(&scratch.url).unwrap();
    // A collation that is not the server's default, to see it survive the drop.
    c.execute(&format!(
        "ALTER DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
        DIALECT.quote_ident(&db)
    ))
    .unwrap();
    build_schema(c.as_mut());
    c.lock(Wait::Block).unwrap();

    let catalog = c.maintenance().unwrap().catalog(None).unwrap();
    let rows = rows_of(c.as_mut(), &db);
    let objects = objects_of(c.as_mut(), &db);
    let charset = charset_of(c.as_mut(), &db);
    assert_eq!(charset, vec![vec![s("utf8mb4"), s("utf8mb4_bin")]]);
    assert_eq!(rows["parent"].len(), 2);
    assert_eq!(rows["govup_history"].len(), 1);
    assert_eq!(objects.len(), 4, "{objects:?}");

    let dir = govup_testkit::scratch_dir("bkp");
    let file = c
        .maintenance()
        .unwrap()
        .backup(None, &dir, "before-1.0.1")
        .unwrap();
    assert_eq!(file, dir.join("before-1.0.1.sql"));
    let dump = std::fs::read_to_string(&file).unwrap();
    assert!(
        dump.contains("CREATE TABLE `govup_history`"),
        "the history is part of the backup"
    );
    assert!(
        !dump.contains("CREATE DATABASE") && !dump.contains("\nUSE "),
        "the dump names no database"
    );

    // Damage: a table gone, rows gone, a column added, a table added, a view, a routine and the
    // sequence gone, the history moved on.
    for sql in [
        "DROP TABLE child",
        "DELETE FROM parent WHERE id = 1",
        "ALTER TABLE parent ADD COLUMN added INT",
        "CREATE TABLE newcomer (a INT)",
        "DROP VIEW v",
        "DROP PROCEDURE count_parents",
        "DROP SEQUENCE s1",
        "UPDATE govup_history SET status = 'failed'",
        "INSERT INTO parent (code) VALUES ('later')",
    ] {
        c.execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    assert_ne!(c.maintenance().unwrap().catalog(None).unwrap(), catalog);

    c.maintenance().unwrap().restore(None, &file).unwrap();

    assert_eq!(cell(c.as_mut(), "SELECT DATABASE()"), s(&db));
    assert_eq!(c.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(c.as_mut(), &db), rows);
    assert_eq!(objects_of(c.as_mut(), &db), objects);
    assert_eq!(charset_of(c.as_mut(), &db), charset);
    // The upgrade lock is still this session's.
    assert_eq!(
        cell(
            c.as_mut(),
            &format!(
                "SELECT IS_USED_LOCK({}) = CONNECTION_ID()",
                lit(&format!("govup:{db}"))
            )
        ),
        s("1")
    );
    // AUTO_INCREMENT continues after the highest id ever given, not after the highest row.
    c.execute("INSERT INTO parent (code) VALUES ('new')")
        .unwrap();
    assert_eq!(cell(c.as_mut(), "SELECT LAST_INSERT_ID()"), s("4"));
    // The trigger and the procedure work.
    c.execute("UPDATE parent SET n = 9 WHERE code = 'a'")
        .unwrap();
    assert_eq!(
        cell(c.as_mut(), "SELECT note FROM parent WHERE code = 'a'"),
        s("updated a")
    );
    c.execute("CALL count_parents(@n)").unwrap();
    assert_eq!(cell(c.as_mut(), "SELECT @n"), s("3"));
    c.unlock().unwrap();
}

#[test]
fn backup_and_restore_of_another_database_keep_the_session_where_it_was() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "bkpo");
    let db = scratch.name.clone();
    build_schema(connect(&scratch.url).unwrap().as_mut());

    let mut c = connect(&server).unwrap();
    let own = cell(c.as_mut(), "SELECT DATABASE()");
    let catalog = c.maintenance().unwrap().catalog(Some(&db)).unwrap();
    let rows = rows_of(c.as_mut(), &db);
    let dir = govup_testkit::scratch_dir("bkpo");
    let first = c
        .maintenance()
        .unwrap()
        .backup(Some(&db), &dir, "before")
        .unwrap();
    // A second backup with the same stem never overwrites the first.
    let second = c
        .maintenance()
        .unwrap()
        .backup(Some(&db), &dir, "before")
        .unwrap();
    assert_eq!(first, dir.join("before.sql"));
    assert_eq!(second, dir.join("before-2.sql"));

    let q = |t: &str| DIALECT.qualify(Some(&db), t);
    c.execute(&format!("DROP TABLE {}", q("child"))).unwrap();
    c.execute(&format!("DELETE FROM {}", q("govup_history")))
        .unwrap();
    c.maintenance()
        .unwrap()
        .restore(Some(&db), &second)
        .unwrap();
    assert_eq!(cell(c.as_mut(), "SELECT DATABASE()"), own);
    assert_eq!(
        c.maintenance().unwrap().catalog(Some(&db)).unwrap(),
        catalog
    );
    assert_eq!(rows_of(c.as_mut(), &db), rows);
}

#[test]
fn restore_refuses_a_foreign_or_truncated_file_and_changes_nothing() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "rref");
    let db = scratch.name.clone();
    let mut c = connect(&scratch.url).unwrap();
    build_schema(c.as_mut());
    let catalog = c.maintenance().unwrap().catalog(None).unwrap();
    let rows = rows_of(c.as_mut(), &db);
    let dir = govup_testkit::scratch_dir("rref");
    let good = c.maintenance().unwrap().backup(None, &dir, "good").unwrap();

    let foreign = dir.join("foreign.sql");
    std::fs::write(&foreign, "DROP TABLE parent;\n-- Dump completed\n").unwrap();
    let e = c
        .maintenance()
        .unwrap()
        .restore(None, &foreign)
        .unwrap_err();
    assert!(
        e.message.contains("foreign.sql is not a mysqldump file"),
        "{e}"
    );

    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.join("cut.sql");
    std::fs::write(&cut, &bytes[..bytes.len() - 200]).unwrap();
    let e = c.maintenance().unwrap().restore(None, &cut).unwrap_err();
    assert!(e.message.contains("cut.sql is incomplete"), "{e}");

    let e = c
        .maintenance()
        .unwrap()
        .restore(None, &dir.join("absent.sql"))
        .unwrap_err();
    assert!(e.message.contains("absent.sql cannot be read"), "{e}");

    assert_eq!(c.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(c.as_mut(), &db), rows);
}

/// A dump whose load fails half way says so, names the file and the statement's line.
#[test]
fn restore_that_fails_half_way_says_the_database_is_incomplete() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "rhalf");
    let mut c = connect(&scratch.url).unwrap();
    c.execute("CREATE TABLE t (a INT)").unwrap();
    let dir = govup_testkit::scratch_dir("rhalf");
    let file = c.maintenance().unwrap().backup(None, &dir, "b").unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = text.replacen("CREATE TABLE `t`", "CREATE TABLE `t` (broken", 1);
    std::fs::write(&file, broken).unwrap();
    let e = c.maintenance().unwrap().restore(None, &file).unwrap_err();
    assert!(
        e.message.starts_with(&format!(
            "mysql could not restore database {} from ",
            scratch.name
        )),
        "{e}"
    );
    assert!(e.message.contains("ERROR 1064"), "{e}");
    assert!(e.message.contains("the database is incomplete"), "{e}");
    assert!(!e.message.contains('\n'));
    // The session still has its database.
    assert_eq!(cell(c.as_mut(), "SELECT DATABASE()"), s(&scratch.name));
}

#[test]
fn copy_has_the_same_catalog_and_rows_and_writing_to_it_leaves_the_original_alone() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "copy");
    let db = scratch.name.clone();
    let mut c = connect(&scratch.url).unwrap();
    c.execute(&format!(
        "ALTER DATABASE {} CHARACTER SET latin1 COLLATE latin1_swedish_ci",
        DIALECT.quote_ident(&db)
    ))
    .unwrap();
    build_schema(c.as_mut());
    let catalog = c.maintenance().unwrap().catalog(None).unwrap();
    let rows = rows_of(c.as_mut(), &db);
    let objects = objects_of(c.as_mut(), &db);

    let mut made = MadeScratch::new(
        &server,
        c.maintenance().unwrap().create_scratch(true).unwrap(),
    );
    let copy_db = url_database(&made.url);
    assert!(
        copy_db.starts_with(&format!("{db}_govup_copy_{}_", std::process::id())),
        "{copy_db}"
    );
    assert_eq!(made.url, with_database(&scratch.url, &copy_db));

    let mut copy = connect(&made.url).unwrap();
    assert_eq!(cell(copy.as_mut(), "SELECT DATABASE()"), s(&copy_db));
    assert_eq!(copy.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(copy.as_mut(), &copy_db), rows);
    assert_eq!(objects_of(copy.as_mut(), &copy_db), objects);
    assert_eq!(
        charset_of(copy.as_mut(), &copy_db),
        charset_of(c.as_mut(), &db)
    );

    // Writes to the copy stay there; its view reads its own tables.
    copy.execute("INSERT INTO parent (code) VALUES ('only in copy')")
        .unwrap();
    assert_eq!(cell(copy.as_mut(), "SELECT COUNT(*) FROM v"), s("3"));
    copy.execute("DROP TABLE child").unwrap();
    copy.execute("ALTER TABLE parent ADD COLUMN added INT")
        .unwrap();
    assert_eq!(c.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(c.as_mut(), &db), rows);
    assert_eq!(cell(c.as_mut(), "SELECT COUNT(*) FROM v"), s("2"));

    drop(copy);
    c.maintenance().unwrap().drop_scratch(&made.url).unwrap();
    made.dropped = true;
    assert!(!database_exists(c.as_mut(), &copy_db));
    assert!(database_exists(c.as_mut(), &db));
}

#[test]
fn empty_scratch_is_empty_and_drop_removes_it() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "empty");
    let db = scratch.name.clone();
    let mut c = connect(&scratch.url).unwrap();
    build_schema(c.as_mut());

    let mut made = MadeScratch::new(
        &server,
        c.maintenance().unwrap().create_scratch(false).unwrap(),
    );
    let empty_db = url_database(&made.url);
    assert!(
        empty_db.starts_with(&format!("{db}_govup_empty_")),
        "{empty_db}"
    );
    let mut e = connect(&made.url).unwrap();
    assert_eq!(
        e.maintenance().unwrap().catalog(None).unwrap(),
        Catalog::default()
    );
    assert!(objects_of(e.as_mut(), &empty_db).is_empty());
    assert!(rows_of(e.as_mut(), &empty_db).is_empty());
    assert_eq!(
        charset_of(e.as_mut(), &empty_db),
        charset_of(c.as_mut(), &db)
    );
    drop(e);

    // Two scratch databases of one connection never share a name.
    let mut second = MadeScratch::new(
        &server,
        c.maintenance().unwrap().create_scratch(false).unwrap(),
    );
    assert_ne!(second.url, made.url);
    c.maintenance().unwrap().drop_scratch(&second.url).unwrap();
    second.dropped = true;

    c.maintenance().unwrap().drop_scratch(&made.url).unwrap();
    made.dropped = true;
    assert!(!database_exists(c.as_mut(), &empty_db));
    // Dropping again is harmless.
    c.maintenance().unwrap().drop_scratch(&made.url).unwrap();
}

#[test]
fn drop_scratch_refuses_databases_govup_did_not_create() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "refuse");
    let db = scratch.name.clone();
    let mut c = connect(&scratch.url).unwrap();

    let e = c
        .maintenance()
        .unwrap()
        .drop_scratch(&scratch.url)
        .unwrap_err();
    assert_eq!(
        e.message,
        format!("refusing to drop database {db}: govup drops only the scratch databases it creates (<database>_govup_<copy|empty>_<pid>_<n>)")
    );
    assert!(database_exists(c.as_mut(), &db));

    // A real scratch name, but the URL points at another server.
    let made = MadeScratch::new(
        &server,
        c.maintenance().unwrap().create_scratch(false).unwrap(),
    );
    let mut elsewhere = url::Url::parse(&made.url).unwrap();
    elsewhere.set_port(Some(1)).unwrap();
    let e = c
        .maintenance()
        .unwrap()
        .drop_scratch(elsewhere.as_str())
        .unwrap_err();
    assert!(e.message.contains("not on this connection's server"), "{e}");
    assert!(database_exists(c.as_mut(), &url_database(&made.url)));

    let e = c
        .maintenance()
        .unwrap()
        .drop_scratch(&with_database(&server, ""))
        .unwrap_err();
    assert!(e.message.contains("names no database"), "{e}");
}

#[test]
fn password_travels_in_the_environment_and_never_shows() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "pwd");
    let db = scratch.name.clone();
    let password = "govup-Pw-7x!q";
    let user = PasswordUser::new(&server, &db, password);
    let mut url = url::Url::parse(&scratch.url).unwrap();
    url.set_username(&user.name).unwrap();
    url.set_password(Some(password)).unwrap();
    let url = url.to_string();

    let mut c = connect(&url).unwrap();
    // The user owns what it created, as an installation's user does: mysqldump can read routine
    // bodies only of their definer (or with SELECT on mysql.proc).
    build_schema(c.as_mut());
    let catalog = c.maintenance().unwrap().catalog(None).unwrap();
    let rows = rows_of(c.as_mut(), &db);
    let dir = govup_testkit::scratch_dir("pwd");
    let file = c.maintenance().unwrap().backup(None, &dir, "pw").unwrap();
    c.execute("DROP TABLE child").unwrap();
    c.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(c.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(c.as_mut(), &db), rows);

    let mut made = MadeScratch::new(
        &server,
        c.maintenance().unwrap().create_scratch(true).unwrap(),
    );
    let made_url = url::Url::parse(&made.url).unwrap();
    let given_url = url::Url::parse(&url).unwrap();
    assert_eq!(
        (made_url.username(), made_url.password()),
        (given_url.username(), given_url.password()),
        "the scratch url keeps the credentials"
    );
    let mut copy = connect(&made.url).unwrap();
    assert_eq!(copy.maintenance().unwrap().catalog(None).unwrap(), catalog);
    drop(copy);
    c.maintenance().unwrap().drop_scratch(&made.url).unwrap();
    made.dropped = true;

    // mysqldump fails on a database the user may not read: the error names the program and the
    // database, is one line, holds no password, and leaves no file behind.
    let before: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    let e = c
        .maintenance()
        .unwrap()
        .backup(Some("mysql"), &dir, "denied")
        .unwrap_err();
    assert!(
        e.message
            .starts_with("mysqldump could not back up database mysql to "),
        "{e}"
    );
    assert!(e.message.contains("Access denied"), "{e}");
    assert!(!e.message.contains(password), "{e}");
    assert!(!e.message.contains('\n'));
    assert!(!dir.join("denied.sql").exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), before.len());
}

/// A table as wide as GovWay's widest: the server refuses it under innodb_strict_mode=ON (the
/// default, "Row size too large"), so installations create it with the mode OFF. Its dump must
/// load back, into the database and into a copy, whatever mode the server's sessions start in:
/// the test sets the mode on its own session and never reads the server's global.
#[test]
fn wide_table_made_without_strict_mode_survives_restore_and_copy() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "wide");
    let db = scratch.name.clone();
    let mut c = connect(&scratch.url).unwrap();
    let columns: Vec<String> = (1..=110)
        .map(|i| format!("c{i} VARCHAR(255) DEFAULT NULL"))
        .collect();
    let create = format!(
        "CREATE TABLE wide ({}, id BIGINT AUTO_INCREMENT PRIMARY KEY) DEFAULT CHARSET=latin1 ROW_FORMAT=DYNAMIC",
        columns.join(", ")
    );
    c.execute("SET SESSION innodb_strict_mode = ON").unwrap();
    let e = c.execute(&create).unwrap_err();
    assert!(
        e.message.starts_with("ERROR 1118"),
        "the server no longer refuses it: {e}"
    );
    c.execute("SET SESSION innodb_strict_mode = OFF").unwrap();
    c.execute(&create).unwrap();
    c.execute("SET SESSION innodb_strict_mode = ON").unwrap();
    c.execute("INSERT INTO wide (c1, c110) VALUES ('first', 'last'), (NULL, 'x')")
        .unwrap();
    let catalog = c.maintenance().unwrap().catalog(None).unwrap();
    let rows = rows_of(c.as_mut(), &db);

    let dir = govup_testkit::scratch_dir("wide");
    let file = c.maintenance().unwrap().backup(None, &dir, "wide").unwrap();
    c.execute("DELETE FROM wide").unwrap();
    c.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(c.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(c.as_mut(), &db), rows);
    // The session's own strict mode is untouched.
    assert_eq!(
        cell(c.as_mut(), "SELECT @@SESSION.innodb_strict_mode"),
        s("1")
    );

    let made = MadeScratch::new(
        &server,
        c.maintenance().unwrap().create_scratch(true).unwrap(),
    );
    let mut copy = connect(&made.url).unwrap();
    assert_eq!(copy.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(copy.as_mut(), &url_database(&made.url)), rows);
}

/// GovWay's fresh 3.4.3 install (221 tables, four of them too wide for innodb_strict_mode=ON):
/// backup, damage, restore and a copy give back the same catalog and rows.
#[test]
fn govway_fresh_install_survives_backup_restore_and_copy() {
    let Some(server) = server() else { return };
    let Some(dir) = govup_testkit::corpus("govway-fresh/3.4.3/mysql") else {
        return;
    };
    let scratch = Scratch::new(&server, "gw");
    let db = scratch.name.clone();
    let mut c = connect(&scratch.url).unwrap();
    c.execute("SET SESSION innodb_strict_mode = OFF").unwrap();
    for file in ["schema.sql", "data.sql"] {
        for statement in split_file(&dir.join(file)) {
            c.execute(&statement.text)
                .unwrap_or_else(|e| panic!("{file}:{}: {e}", statement.line));
        }
    }
    c.execute("SET SESSION innodb_strict_mode = DEFAULT")
        .unwrap();
    c.lock(Wait::Block).unwrap();
    let catalog = c.maintenance().unwrap().catalog(None).unwrap();
    let rows = rows_of(c.as_mut(), &db);
    assert!(catalog.tables.len() > 200, "{}", catalog.tables.len());
    assert!(rows.values().map(Vec::len).sum::<usize>() > 50);

    let backups = govup_testkit::scratch_dir("gw");
    let file = c
        .maintenance()
        .unwrap()
        .backup(None, &backups, "before-3.4.3")
        .unwrap();
    c.execute("DROP TABLE configurazione").unwrap();
    c.execute("DELETE FROM db_info").unwrap();
    c.maintenance().unwrap().restore(None, &file).unwrap();
    assert_eq!(c.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(c.as_mut(), &db), rows);

    let made = MadeScratch::new(
        &server,
        c.maintenance().unwrap().create_scratch(true).unwrap(),
    );
    let mut copy = connect(&made.url).unwrap();
    assert_eq!(copy.maintenance().unwrap().catalog(None).unwrap(), catalog);
    assert_eq!(rows_of(copy.as_mut(), &url_database(&made.url)), rows);
    c.unlock().unwrap();
}
