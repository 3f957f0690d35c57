use super::*;

const PG: Flavor = Flavor::Postgres { major: 16 };
const MARIA: Flavor = Flavor::MariaDb {
    major: 10,
    minor: 6,
    patch: 0,
};

/// kind, tables, lock, blocks, rewrite.
fn sum(
    flavor: Flavor,
    sql: &str,
) -> (
    &'static str,
    Vec<String>,
    String,
    &'static str,
    &'static str,
) {
    let i = classify(flavor, sql);
    (
        i.kind.name(),
        i.tables,
        i.lock,
        i.blocks.name(),
        i.rewrite.name(),
    )
}

fn check(
    flavor: Flavor,
    sql: &str,
    kind: &str,
    tables: &[&str],
    lock: &str,
    blocks: &str,
    rewrite: &str,
) {
    let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    assert_eq!(
        sum(flavor, sql),
        (
            kind_name(kind),
            tables,
            lock.to_string(),
            blocks_name(blocks),
            rewrite_name(rewrite)
        ),
        "{sql}"
    );
}

fn kind_name(k: &str) -> &'static str {
    [
        Kind::CreateTable,
        Kind::AddColumn,
        Kind::AlterColumnType,
        Kind::CreateIndex,
        Kind::AddConstraint,
        Kind::RowChange,
        Kind::Drop,
        Kind::Other,
    ]
    .into_iter()
    .map(Kind::name)
    .find(|n| *n == k)
    .unwrap_or("?")
}
fn blocks_name(b: &str) -> &'static str {
    [Blocks::None, Blocks::Writes, Blocks::ReadsWrites]
        .into_iter()
        .map(Blocks::name)
        .find(|n| *n == b)
        .unwrap_or("?")
}
fn rewrite_name(r: &str) -> &'static str {
    [Rewrite::None, Rewrite::Scan, Rewrite::Rewrite]
        .into_iter()
        .map(Rewrite::name)
        .find(|n| *n == r)
        .unwrap_or("?")
}

#[test]
fn postgres_kinds_locks_and_rewrites() {
    let ae = "ACCESS EXCLUSIVE";
    check(
        PG,
        "CREATE TABLE IF NOT EXISTS s.t (id BIGINT NOT NULL, v VARCHAR(10))",
        "create table",
        &["t"],
        "none",
        "none",
        "no",
    );
    check(
        PG,
        "ALTER TABLE soggetti ADD COLUMN is_default INT DEFAULT 0",
        "add column",
        &["soggetti"],
        ae,
        "reads+writes",
        "no",
    );
    check(
        PG,
        "ALTER TABLE t ADD COLUMN u UUID DEFAULT gen_random_uuid()",
        "add column",
        &["t"],
        ae,
        "reads+writes",
        "rewrite",
    );
    check(
        PG,
        "ALTER TABLE t ADD COLUMN n BIGSERIAL",
        "add column",
        &["t"],
        ae,
        "reads+writes",
        "rewrite",
    );
    check(
        Flavor::Postgres { major: 10 },
        "ALTER TABLE t ADD COLUMN n INT DEFAULT 0",
        "add column",
        &["t"],
        ae,
        "reads+writes",
        "rewrite",
    );
    check(
        PG,
        "ALTER TABLE transazioni ALTER COLUMN credenziali TYPE TEXT",
        "alter column type",
        &["transazioni"],
        ae,
        "reads+writes",
        "no",
    );
    check(
        PG,
        "ALTER TABLE t ALTER COLUMN id SET DATA TYPE BIGINT",
        "alter column type",
        &["t"],
        ae,
        "reads+writes",
        "rewrite",
    );
    check(
        PG,
        "ALTER TABLE t ALTER COLUMN v TYPE VARCHAR(20) USING upper(v)",
        "alter column type",
        &["t"],
        ae,
        "reads+writes",
        "rewrite",
    );
    check(
        PG,
        "ALTER TABLE t ALTER COLUMN id SET NOT NULL",
        "add constraint",
        &["t"],
        ae,
        "reads+writes",
        "scan",
    );
    check(
        PG,
        "CREATE INDEX index_tr ON transazioni (data_ingresso_richiesta)",
        "create index",
        &["transazioni"],
        "SHARE",
        "writes",
        "scan",
    );
    check(
        PG,
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY public.t (a)",
        "create index",
        &["t"],
        "SHARE UPDATE EXCLUSIVE",
        "none",
        "scan",
    );
    check(
        PG,
        "ALTER TABLE t ADD CONSTRAINT pk_t PRIMARY KEY (id)",
        "add constraint",
        &["t"],
        ae,
        "reads+writes",
        "scan",
    );
    check(
        PG,
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)",
        "add constraint",
        &["t", "u"],
        "SHARE ROW EXCLUSIVE",
        "writes",
        "scan",
    );
    check(
        PG,
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
        "other",
        &["t"],
        ae,
        "reads+writes",
        "no",
    );
    check(
        PG,
        "ALTER TABLE t VALIDATE CONSTRAINT fk",
        "add constraint",
        &["t"],
        "SHARE UPDATE EXCLUSIVE",
        "none",
        "scan",
    );
    check(
        PG,
        "INSERT INTO t (a) VALUES (1)",
        "row change",
        &["t"],
        "ROW EXCLUSIVE",
        "none",
        "no",
    );
    check(
        PG,
        "UPDATE t SET a = 1 WHERE b = 2",
        "row change",
        &["t"],
        "ROW EXCLUSIVE",
        "none",
        "scan",
    );
    check(
        PG,
        "UPDATE t SET a = 1",
        "row change",
        &["t"],
        "ROW EXCLUSIVE",
        "none",
        "rewrite",
    );
    check(
        PG,
        "INSERT INTO t (a) SELECT a FROM u",
        "row change",
        &["t", "u"],
        "ROW EXCLUSIVE",
        "none",
        "scan",
    );
    check(
        PG,
        "DROP TABLE IF EXISTS t",
        "drop",
        &["t"],
        ae,
        "reads+writes",
        "no",
    );
    check(
        PG,
        "DROP INDEX CONCURRENTLY i",
        "drop",
        &[],
        "SHARE UPDATE EXCLUSIVE",
        "none",
        "no",
    );
    check(
        PG,
        "ALTER TABLE t DROP CONSTRAINT c",
        "drop",
        &["t"],
        ae,
        "reads+writes",
        "no",
    );
    check(
        PG,
        "ALTER TABLE t DROP COLUMN c",
        "drop",
        &["t"],
        ae,
        "reads+writes",
        "no",
    );
    check(
        PG,
        "CREATE SEQUENCE seq_t",
        "other",
        &[],
        "none",
        "none",
        "no",
    );
    check(
        PG,
        "ALTER TABLE t SET TABLESPACE fast",
        "other",
        &["t"],
        ae,
        "reads+writes",
        "rewrite",
    );
    // The strongest action wins.
    check(
        PG,
        "ALTER TABLE t ADD COLUMN a INT, ALTER COLUMN b TYPE BIGINT",
        "alter column type",
        &["t"],
        ae,
        "reads+writes",
        "rewrite",
    );
}

#[test]
fn postgres_lint_facts() {
    assert!(classify(PG, "CREATE INDEX i ON t (a)").index_not_concurrent);
    assert!(!classify(PG, "CREATE INDEX CONCURRENTLY i ON t (a)").index_not_concurrent);
    assert!(classify(PG, "ALTER TABLE t ADD COLUMN a INT NOT NULL").not_null_without_default);
    assert!(
        !classify(
            PG,
            "ALTER TABLE t ADD COLUMN a BOOLEAN NOT NULL DEFAULT false"
        )
        .not_null_without_default
    );
    assert!(classify(PG, "ALTER TABLE t ALTER COLUMN a SET NOT NULL").not_null_without_default);
    assert_eq!(
        classify(PG, "ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(20)").type_changes,
        vec![("t".into(), "a".into(), "VARCHAR(20)".into())]
    );
    assert_eq!(
        classify(PG, "CREATE TABLE t (id BIGINT NOT NULL, v character varying(10) DEFAULT 'x', CONSTRAINT pk PRIMARY KEY (id))").column_types,
        vec![
            ("t".into(), "id".into(), "BIGINT".into()),
            ("t".into(), "v".into(), "CHARACTER VARYING(10)".into())
        ]
    );
    // Comments and quotes do not confuse it.
    check(PG, "-- CREATE INDEX\nALTER TABLE \"My T\" /* x */ ADD COLUMN \"a b\" TEXT DEFAULT 'CREATE INDEX'", "add column", &["My T"], "ACCESS EXCLUSIVE", "reads+writes", "no");
}

#[test]
fn mariadb_and_mysql_algorithms_by_version() {
    let old = Flavor::MariaDb {
        major: 10,
        minor: 2,
        patch: 0,
    };
    let m103 = Flavor::MariaDb {
        major: 10,
        minor: 3,
        patch: 7,
    };
    check(
        MARIA,
        "CREATE TABLE t (id BIGINT) ENGINE=InnoDB",
        "create table",
        &["t"],
        "none",
        "none",
        "no",
    );
    check(
        MARIA,
        "ALTER TABLE soggetti ADD COLUMN is_default INT DEFAULT 0",
        "add column",
        &["soggetti"],
        "INSTANT",
        "none",
        "no",
    );
    check(
        old,
        "ALTER TABLE soggetti ADD COLUMN is_default INT DEFAULT 0",
        "add column",
        &["soggetti"],
        "INPLACE, LOCK=NONE",
        "none",
        "rewrite",
    );
    check(
        m103,
        "ALTER TABLE t ADD COLUMN a INT AFTER b",
        "add column",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "rewrite",
    );
    check(
        MARIA,
        "ALTER TABLE t ADD COLUMN a INT AFTER b",
        "add column",
        &["t"],
        "INSTANT",
        "none",
        "no",
    );
    check(
        m103,
        "ALTER TABLE t DROP COLUMN a",
        "drop",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "rewrite",
    );
    check(
        MARIA,
        "ALTER TABLE t DROP COLUMN a",
        "drop",
        &["t"],
        "INSTANT",
        "none",
        "no",
    );
    check(
        MARIA,
        "ALTER TABLE transazioni MODIFY COLUMN credenziali TEXT",
        "alter column type",
        &["transazioni"],
        "COPY, LOCK=SHARED",
        "writes",
        "rewrite",
    );
    check(
        MARIA,
        "ALTER TABLE t CHANGE a b BIGINT",
        "alter column type",
        &["t"],
        "COPY, LOCK=SHARED",
        "writes",
        "rewrite",
    );
    check(
        MARIA,
        "CREATE INDEX i ON t (a)",
        "create index",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "scan",
    );
    check(
        MARIA,
        "ALTER TABLE t ADD INDEX i (a)",
        "create index",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "scan",
    );
    check(
        MARIA,
        "CREATE FULLTEXT INDEX i ON t (a)",
        "create index",
        &["t"],
        "INPLACE, LOCK=SHARED",
        "writes",
        "scan",
    );
    check(
        MARIA,
        "ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, b)",
        "add constraint",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "scan",
    );
    check(
        MARIA,
        "ALTER TABLE t ADD PRIMARY KEY (id)",
        "add constraint",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "rewrite",
    );
    check(
        MARIA,
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id)",
        "add constraint",
        &["t"],
        "COPY, LOCK=SHARED",
        "writes",
        "rewrite",
    );
    check(
        MARIA,
        "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
        "other",
        &["t"],
        "COPY, LOCK=SHARED",
        "writes",
        "rewrite",
    );
    check(
        MARIA,
        "ALTER TABLE t ENGINE=InnoDB",
        "other",
        &["t"],
        "COPY, LOCK=SHARED",
        "writes",
        "rewrite",
    );
    check(
        MARIA,
        "ALTER TABLE t DROP INDEX i",
        "drop",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "no",
    );
    check(
        MARIA,
        "DROP INDEX i ON t",
        "drop",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "no",
    );
    check(
        MARIA,
        "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1",
        "other",
        &["t"],
        "INSTANT",
        "none",
        "no",
    );
    check(
        MARIA,
        "UPDATE `t` SET a = 1",
        "row change",
        &["t"],
        "row locks",
        "none",
        "rewrite",
    );
    check(
        MARIA,
        "DELETE FROM t WHERE a = 1",
        "row change",
        &["t"],
        "row locks",
        "none",
        "scan",
    );
    check(
        MARIA,
        "DROP TABLE IF EXISTS t",
        "drop",
        &["t"],
        "metadata lock",
        "reads+writes",
        "no",
    );
    // MySQL: INSTANT ADD COLUMN from 8.0.12, anywhere from 8.0.29.
    let my57 = Flavor::MySql {
        major: 5,
        minor: 7,
        patch: 40,
    };
    let my8012 = Flavor::MySql {
        major: 8,
        minor: 0,
        patch: 12,
    };
    let my8030 = Flavor::MySql {
        major: 8,
        minor: 0,
        patch: 30,
    };
    check(
        my57,
        "ALTER TABLE t ADD COLUMN a INT",
        "add column",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "rewrite",
    );
    check(
        my8012,
        "ALTER TABLE t ADD COLUMN a INT",
        "add column",
        &["t"],
        "INSTANT",
        "none",
        "no",
    );
    check(
        my8012,
        "ALTER TABLE t ADD COLUMN a INT FIRST",
        "add column",
        &["t"],
        "INPLACE, LOCK=NONE",
        "none",
        "rewrite",
    );
    check(
        my8030,
        "ALTER TABLE t ADD COLUMN a INT FIRST",
        "add column",
        &["t"],
        "INSTANT",
        "none",
        "no",
    );
    assert!(
        classify(MARIA, "ALTER TABLE t MODIFY COLUMN id BIGINT NOT NULL").not_null_without_default
    );
    assert!(!classify(MARIA, "CREATE INDEX i ON t (a)").index_not_concurrent);
}

#[test]
fn oracle_classification() {
    let o = Flavor::Oracle;
    let x = "TM exclusive (DDL)";
    check(
        o,
        "CREATE TABLE t (id NUMBER NOT NULL)",
        "create table",
        &["t"],
        "none",
        "none",
        "no",
    );
    check(
        o,
        "ALTER TABLE soggetti ADD is_default NUMBER DEFAULT 0",
        "add column",
        &["soggetti"],
        x,
        "writes",
        "no",
    );
    check(
        o,
        "ALTER TABLE t ADD (a NUMBER, b VARCHAR2(10))",
        "add column",
        &["t"],
        x,
        "writes",
        "no",
    );
    check(
        o,
        "ALTER TABLE t MODIFY (v VARCHAR2(4000))",
        "alter column type",
        &["t"],
        x,
        "writes",
        "no",
    );
    check(
        o,
        "ALTER TABLE t MODIFY v NUMBER(19)",
        "alter column type",
        &["t"],
        x,
        "writes",
        "rewrite",
    );
    check(
        o,
        "ALTER TABLE t MODIFY (id NOT NULL)",
        "add constraint",
        &["t"],
        x,
        "writes",
        "scan",
    );
    check(
        o,
        "CREATE INDEX i ON t (a)",
        "create index",
        &["t"],
        "TM share",
        "writes",
        "scan",
    );
    check(
        o,
        "CREATE INDEX i ON t (a) ONLINE",
        "create index",
        &["t"],
        "TM row share (ONLINE)",
        "none",
        "scan",
    );
    check(
        o,
        "ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (id)",
        "add constraint",
        &["t"],
        x,
        "writes",
        "scan",
    );
    check(
        o,
        "ALTER TABLE t DROP COLUMN a",
        "drop",
        &["t"],
        x,
        "reads+writes",
        "rewrite",
    );
    check(
        o,
        "ALTER TABLE t DROP CONSTRAINT c",
        "drop",
        &["t"],
        x,
        "writes",
        "no",
    );
    check(o, "DROP TABLE t", "drop", &["t"], x, "reads+writes", "no");
    check(
        o,
        "INSERT INTO t (a) VALUES (1)",
        "row change",
        &["t"],
        "TM row exclusive",
        "none",
        "no",
    );
    check(
        o,
        "CREATE SEQUENCE seq_t",
        "other",
        &[],
        "none",
        "none",
        "no",
    );
    assert_eq!(
        classify(o, "ALTER TABLE t MODIFY (v VARCHAR2(10), n NUMBER(5))").type_changes,
        vec![
            ("t".into(), "v".into(), "VARCHAR2(10)".into()),
            ("t".into(), "n".into(), "NUMBER(5)".into())
        ]
    );
}

#[test]
fn sqlite_blocks_writers_always() {
    let s = Flavor::Sqlite;
    check(
        s,
        "CREATE INDEX i ON t (a)",
        "create index",
        &["t"],
        "database write lock",
        "writes",
        "scan",
    );
    check(
        s,
        "ALTER TABLE t ADD COLUMN a INT",
        "add column",
        &["t"],
        "database write lock",
        "writes",
        "no",
    );
}

#[test]
fn narrowing() {
    assert!(narrows("VARCHAR(255)", "VARCHAR(100)"));
    assert!(!narrows("VARCHAR(255)", "VARCHAR(4000)"));
    assert!(!narrows("VARCHAR(255)", "TEXT"));
    assert!(narrows("TEXT", "VARCHAR(255)"));
    assert!(narrows("BIGINT", "INT"));
    assert!(!narrows("INT", "BIGINT"));
    assert!(narrows("NUMBER(19)", "NUMBER(10)"));
    assert!(!narrows("NUMBER(10)", "NUMBER(19)"));
    assert!(!narrows("VARCHAR(10)", "BIGINT"));
}

#[test]
fn any_text_classifies_without_panic() {
    for sql in [
        "",
        "(",
        "ALTER",
        "ALTER TABLE",
        "ALTER TABLE t ADD",
        "CREATE INDEX",
        "'unterminated",
        "\"x",
        "ALTER TABLE t ADD (",
        "ALTER TABLE t MODIFY ()",
        "/*",
    ] {
        for f in [PG, MARIA, Flavor::Oracle, Flavor::Sqlite] {
            let _ = classify(f, sql);
        }
    }
}

#[test]
fn catalog_queries_as_text() {
    let tables = vec!["Transazioni".to_string(), "o'k".to_string()];
    assert_eq!(
        table_sizes_sql("postgresql", Some("gov"), &tables).unwrap(),
        "SELECT c.relname, CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END, pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname = 'gov' AND lower(c.relname) IN ('transazioni', 'o''k')"
    );
    assert_eq!(
        table_sizes_sql("mysql", None, &tables).unwrap(),
        "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND LOWER(TABLE_NAME) IN ('transazioni', 'o''k')"
    );
    assert_eq!(
        table_sizes_sql("oracle", None, &tables[..1]).unwrap(),
        "SELECT t.table_name, t.num_rows, (SELECT SUM(s.bytes) FROM user_segments s WHERE s.segment_name = t.table_name) FROM user_tables t WHERE LOWER(t.table_name) IN ('transazioni')"
    );
    assert_eq!(
        table_sizes_sql("oracle", Some("govway"), &tables[..1]).unwrap(),
        "SELECT t.table_name, t.num_rows, t.blocks * 8192 FROM all_tables t WHERE t.owner = UPPER('govway') AND LOWER(t.table_name) IN ('transazioni')"
    );
    assert_eq!(table_sizes_sql("sqlite", None, &tables), None);
    assert_eq!(table_sizes_sql("postgresql", None, &[]), None);
    assert_eq!(
        probe_sql("oracle", "\"T\"", 1000),
        "SELECT COUNT(*) FROM (SELECT 1 FROM \"T\" WHERE ROWNUM <= 1000)"
    );
    assert_eq!(
        parse_table_sizes(&[
            vec![
                Some("TRANSAZIONI".into()),
                Some("1000000".into()),
                Some("250000000".into())
            ],
            vec![Some("t".into()), None, Some("8192".into())],
        ]),
        vec![
            TableSize {
                name: "TRANSAZIONI".into(),
                rows: Some(1_000_000),
                bytes: Some(250_000_000)
            },
            TableSize {
                name: "t".into(),
                rows: None,
                bytes: Some(8192)
            },
        ]
    );
}

#[test]
fn server_versions() {
    assert_eq!(
        flavor_from_version("postgresql", Some("160004")),
        Flavor::Postgres { major: 16 }
    );
    assert_eq!(
        flavor_from_version("postgresql", Some("100023")),
        Flavor::Postgres { major: 10 }
    );
    assert_eq!(
        flavor_from_version("mysql", Some("10.11.6-MariaDB-0+deb12u1")),
        Flavor::MariaDb {
            major: 10,
            minor: 11,
            patch: 6
        }
    );
    assert_eq!(
        flavor_from_version("mysql", Some("8.0.36")),
        Flavor::MySql {
            major: 8,
            minor: 0,
            patch: 36
        }
    );
    assert_eq!(
        flavor_from_version("mysql", Some("garbage")),
        Flavor::LINT_MYSQL
    );
    assert_eq!(flavor_from_version("oracle", None), Flavor::Oracle);
}
