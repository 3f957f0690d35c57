//! Scratch schemas and databases, so that tests running in parallel never meet.

use std::collections::BTreeMap;

use govup_driver_postgres::{connect, DIALECT};
use govup_engine::{Catalog, Dialect, Driver};

pub fn server() -> Option<String> {
    govup_testkit::server_url("GOVUP_TEST_POSTGRES_URL")
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = split_query(url);
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{database}{query}", &base[..path_start])
}

/// `url` with `param` (`key=value`) added to its query.
pub fn with_param(url: &str, param: &str) -> String {
    let sep = if split_query(url).1.is_empty() {
        '?'
    } else {
        '&'
    };
    format!("{url}{sep}{param}")
}

/// `url` with `user:password@` as its user info.
pub fn with_password(url: &str, password: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[start..];
    let (user, host) = match rest.split_once('@') {
        Some((info, host)) => (info.split(':').next().unwrap_or(info), host),
        None => ("postgres", rest),
    };
    format!("{}{user}:{password}@{host}", &url[..start])
}

fn split_query(url: &str) -> (&str, &str) {
    match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    }
}

pub fn one_cell(driver: &mut dyn Driver, sql: &str) -> Option<String> {
    let rows = driver.query(sql).unwrap();
    assert_eq!(rows.len(), 1, "{sql} returned {rows:?}");
    rows[0][0].clone()
}

pub fn table_exists(driver: &mut dyn Driver, schema: &str, table: &str) -> bool {
    let sql = format!(
        "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = {} AND tablename = {}",
        DIALECT.quote_literal(schema),
        DIALECT.quote_literal(table)
    );
    !driver.query(&sql).unwrap().is_empty()
}

/// A schema that exists for one test, dropped with everything in it at the end.
pub struct ScratchSchema {
    url: String,
    pub name: String,
}

impl ScratchSchema {
    pub fn new(url: &str, tag: &str) -> ScratchSchema {
        let name = govup_testkit::unique_name(tag);
        connect(url)
            .unwrap()
            .execute(&format!("CREATE SCHEMA {}", DIALECT.quote_ident(&name)))
            .unwrap();
        ScratchSchema {
            url: url.to_string(),
            name,
        }
    }
}

impl Drop for ScratchSchema {
    fn drop(&mut self) {
        if let Ok(mut admin) = connect(&self.url) {
            let _ = admin.execute(&format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                DIALECT.quote_ident(&self.name)
            ));
        }
    }
}

/// A database that exists for one test: the upgrade lock is per database.
pub struct ScratchDatabase {
    server: String,
    pub name: String,
    pub url: String,
}

impl ScratchDatabase {
    pub fn new(server: &str, tag: &str) -> ScratchDatabase {
        let name = govup_testkit::unique_name(tag);
        connect(server)
            .unwrap()
            .execute(&format!("CREATE DATABASE {}", DIALECT.quote_ident(&name)))
            .unwrap();
        let url = with_database(server, &name);
        ScratchDatabase {
            server: server.to_string(),
            name,
            url,
        }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = connect(&self.server) {
            let _ = admin.execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                DIALECT.quote_ident(&self.name)
            ));
        }
    }
}

/// The database named in `url`, dropped when this goes out of scope: scratch databases the
/// driver creates must not outlive a failing test.
pub struct DropDatabase {
    server: String,
    pub name: String,
}

impl DropDatabase {
    pub fn new(server: &str, url: &str) -> DropDatabase {
        let path = url.split('?').next().unwrap_or(url);
        let name = path.rsplit('/').next().unwrap_or_default().to_string();
        DropDatabase {
            server: server.to_string(),
            name,
        }
    }
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = connect(&self.server) {
            let _ = admin.execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                DIALECT.quote_ident(&self.name)
            ));
        }
    }
}

pub fn database_exists(driver: &mut dyn Driver, name: &str) -> bool {
    let sql = format!(
        "SELECT 1 FROM pg_catalog.pg_database WHERE datname = {}",
        DIALECT.quote_literal(name)
    );
    !driver.query(&sql).unwrap().is_empty()
}

/// Advisory locks this database's sessions hold with govup's key.
pub fn govup_lock_holders(url: &str) -> i64 {
    let mut observer = connect(url).unwrap();
    let sql = "SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted \
               AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('govup:' || current_database(), 0)";
    one_cell(observer.as_mut(), sql).unwrap().parse().unwrap()
}

/// Everything a restore or a copy must bring back for one schema: the catalog as the driver
/// reads it, every row of every table (govup_history included), every sequence's state, the
/// schema's owner, privileges and comment, and every table's privileges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub catalog: Catalog,
    pub rows: BTreeMap<String, Vec<String>>,
    pub sequences: BTreeMap<String, String>,
    pub schema_props: Vec<Option<String>>,
    pub table_acls: BTreeMap<String, Option<String>>,
}

pub fn snapshot(db: &mut dyn Driver, schema: &str) -> Snapshot {
    let lit = DIALECT.quote_literal(schema);
    let ident = DIALECT.quote_ident(schema);
    let catalog = db.maintenance().unwrap().catalog(Some(schema)).unwrap();
    let names = |db: &mut dyn Driver, sql: String| -> Vec<String> {
        db.query(&sql)
            .unwrap()
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect()
    };
    let mut rows = BTreeMap::new();
    let mut table_acls = BTreeMap::new();
    for table in names(
        db,
        format!("SELECT tablename FROM pg_tables WHERE schemaname = {lit}"),
    ) {
        let q = format!("{ident}.{}", DIALECT.quote_ident(&table));
        let content = names(db, format!("SELECT x::text FROM {q} x ORDER BY 1"));
        rows.insert(table.clone(), content);
        let acl = db
            .query(&format!(
                "SELECT relacl::text FROM pg_class WHERE oid = {}::regclass",
                DIALECT.quote_literal(&q)
            ))
            .unwrap();
        table_acls.insert(table, acl[0][0].clone());
    }
    let mut sequences = BTreeMap::new();
    for seq in names(
        db,
        format!("SELECT sequencename FROM pg_sequences WHERE schemaname = {lit}"),
    ) {
        let q = format!("{ident}.{}", DIALECT.quote_ident(&seq));
        let state = names(
            db,
            format!("SELECT last_value::text || ' ' || is_called::text FROM {q}"),
        );
        sequences.insert(seq, state.concat());
    }
    let schema_props = db
        .query(&format!(
            "SELECT nspowner::regrole::text, obj_description(oid, 'pg_namespace'), \
               (SELECT string_agg(format('%s %s %s %s', a.grantor::regrole, a.grantee, a.privilege_type, a.is_grantable), ', ' ORDER BY a.grantee, a.privilege_type) \
                FROM aclexplode(nspacl) a) \
             FROM pg_namespace WHERE nspname = {lit}"
        ))
        .unwrap()
        .into_iter()
        .next()
        .unwrap_or_default();
    Snapshot {
        catalog,
        rows,
        sequences,
        schema_props,
        table_acls,
    }
}

#[test]
fn url_helpers() {
    assert_eq!(
        with_database("postgres://u@h:1/test", "x"),
        "postgres://u@h:1/x"
    );
    assert_eq!(
        with_database("postgres://u@h:1/test?a=b", "x"),
        "postgres://u@h:1/x?a=b"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    assert_eq!(
        with_param("postgres://u@h/x", "a=b"),
        "postgres://u@h/x?a=b"
    );
    assert_eq!(
        with_param("postgres://u@h/x?a=b", "c=d"),
        "postgres://u@h/x?a=b&c=d"
    );
    assert_eq!(
        with_password("postgres://u@h/x", "pw"),
        "postgres://u:pw@h/x"
    );
    assert_eq!(
        with_password("postgres://u:old@h/x", "pw"),
        "postgres://u:pw@h/x"
    );
}
