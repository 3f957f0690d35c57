//! A schema map may reach one database through two URLs. For two schemas that works, with the
//! upgrade lock taken once (a second session of the run would otherwise wait for the first
//! forever). For one schema it would run every info-patch twice there and collide in one history
//! table, so it is refused before anything is written.

use crate::support::{govup, samples, write_map, Run, Scratch, Server};

/// Applies sql-samples 1.0.0 -> 1.0.1 with the tracing role on `second`, a URL of the same
/// database as the main one, and in `schema` when given.
fn apply_through_two_urls(db: &Scratch, db_type: &str, second: &str, schema: Option<&str>) -> Run {
    assert_ne!(second, db.url);
    let schemas = schema.map_or(String::new(), |s| format!("[schemas]\ntracing = \"{s}\"\n"));
    let map = write_map(
        "twourls",
        &format!(
            "db = \"{db_type}\"\nurl = \"{}\"\n{schemas}[urls]\ntracing = \"{second}\"\n",
            db.url
        ),
    );
    let samples = samples();
    govup(&[
        "apply",
        "--dir",
        &samples,
        "--schema-map",
        &map,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ])
}

/// `schema`: the SQL that names the scratch database's own schema in `information_schema`,
/// which on MySQL lists every database of the server (other tests' included).
fn assert_refused(run: &Run, db: &Scratch, schema: &str) {
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(
        run.stderr
            .contains("the schema map reaches one database through")
            && run
                .stderr
                .contains("for the same schema (the default one): give those roles one URL"),
        "{}",
        run.stderr
    );
    let history = format!(
        "SELECT table_name FROM information_schema.tables WHERE table_name = 'govup_history' AND table_schema = {schema}"
    );
    assert!(db.query(&history).is_empty());
}

#[test]
fn mysql_through_two_urls_of_one_database_and_schema_is_refused() {
    let Some(db) = Scratch::new(Server::Mysql, "twourls") else {
        return;
    };
    let second = format!("{}?connect-timeout=30", db.url);
    assert_refused(
        &apply_through_two_urls(&db, "mysql", &second, None),
        &db,
        "DATABASE()",
    );
}

#[test]
fn postgres_through_two_urls_of_one_database_and_schema_is_refused() {
    let Some(db) = Scratch::new(Server::Postgres, "twourls") else {
        return;
    };
    let second = format!("{}?application_name=govup_second", db.url);
    assert_refused(
        &apply_through_two_urls(&db, "postgresql", &second, None),
        &db,
        "'public'",
    );
}

#[test]
fn postgres_through_two_urls_for_two_schemas_locks_once_and_applies() {
    let Some(db) = Scratch::new(Server::Postgres, "twourls") else {
        return;
    };
    // Every schema of the run gets the info-patch, which needs its db_info there.
    db.conn()
        .execute("CREATE SCHEMA trc; CREATE TABLE trc.db_info (major_version INTEGER, minor_version INTEGER, notes VARCHAR(255))")
        .unwrap();
    let second = format!("{}?application_name=govup_second", db.url);
    let run = apply_through_two_urls(&db, "postgresql", &second, Some("trc"));
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let applied = |schema: &str| {
        db.query(&format!(
            "SELECT COUNT(*) FROM {schema}.govup_history WHERE status = 'applied'"
        ))
    };
    // Four patches and the info-patch in the default schema, the tracing patch and the
    // info-patch in trc.
    assert_eq!(applied("public"), ["5".to_string()].into());
    assert_eq!(applied("trc"), ["2".to_string()].into());
}
