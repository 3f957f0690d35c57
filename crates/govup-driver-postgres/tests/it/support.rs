//! Scratch schemas and databases, so that tests running in parallel never meet.

use govup_driver_postgres::{connect, DIALECT};
use govup_engine::{Dialect, Driver};

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
