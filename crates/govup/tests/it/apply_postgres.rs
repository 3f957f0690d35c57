//! `govup apply` on a real PostgreSQL server (GOVUP_TEST_POSTGRES_URL).

use crate::support::{fixture, govup, json, samples, workspace, Scratch, Server};
use std::collections::BTreeSet;

/// The catalog of schema `public`, without govup's own table: tables; columns with type,
/// default and nullability (order ignored); indexes; constraints; sequences.
fn catalog(db: &Scratch) -> Vec<(&'static str, BTreeSet<String>)> {
    let not_ours = "NOT IN ('govup_history')";
    vec![
        ("tables", db.query(&format!("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name {not_ours}"))),
        ("columns", db.query(&format!("SELECT table_name, column_name, data_type, character_maximum_length::text, numeric_precision::text, column_default, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name {not_ours}"))),
        ("indexes", db.query(&format!("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename {not_ours}"))),
        ("constraints", db.query(&format!("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text {not_ours}"))),
        ("sequences", db.query("SELECT sequence_name, data_type, start_value, increment FROM information_schema.sequences WHERE sequence_schema = 'public'")),
    ]
}

#[test]
fn govway_3_3_17_upgraded_to_3_4_3_equals_a_fresh_3_4_3() {
    let Some(fresh) = govup_testkit::corpus("govway-fresh") else {
        return;
    };
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let Some(upgraded) = Scratch::new(Server::Postgres, "pg_up") else {
        return;
    };
    let Some(reference) = Scratch::new(Server::Postgres, "pg_ref") else {
        return;
    };
    std::thread::scope(|s| {
        s.spawn(|| upgraded.load_fresh(&fresh, "3.3.17", "postgresql", &[]));
        reference.load_fresh(&fresh, "3.4.3", "postgresql", &[]);
    });

    let run = govup(&[
        "apply",
        "--dir",
        &tree.display().to_string(),
        "--url",
        &upgraded.url,
        "--to",
        "3.4.3",
        "--format",
        "json",
    ]);
    let summary = json(&run);
    assert_eq!(summary["from"], "3.3.17");
    assert_eq!(summary["from_source"], "from db_info");

    let (got, want) = (catalog(&upgraded), catalog(&reference));
    for ((what, g), (_, w)) in got.iter().zip(&want) {
        let missing: Vec<_> = w.difference(g).collect();
        let extra: Vec<_> = g.difference(w).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what}: missing {missing:#?}\nextra {extra:#?}"
        );
        assert!(
            !g.is_empty() || *what == "sequences",
            "{what} is empty: the comparison would prove nothing"
        );
    }
    assert_eq!(
        upgraded.query("SELECT notes FROM db_info"),
        reference.query("SELECT notes FROM db_info")
    );
}

#[test]
fn two_applies_at_once_one_waits_then_has_nothing_to_do() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_race") else {
        return;
    };
    let tree = fixture("slow");
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_govup"))
            .args([
                "apply", "--dir", &tree, "--url", &db.url, "--from", "1.0.0", "--to", "1.0.1",
                "--format", "json",
            ])
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        std::thread::sleep(std::time::Duration::from_millis(300));
        let b = s.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    let waited = [&a, &b]
        .iter()
        .filter(|o| {
            String::from_utf8_lossy(&o.stderr)
                .contains("waiting for the upgrade lock on postgres://postgres@")
        })
        .count();
    assert_eq!(waited, 1, "the second one says it waits");
    let parse = |o: &std::process::Output| -> serde_json::Value {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let (a, b) = (parse(&a), parse(&b));
    let mut applied = [
        a["applied"].as_u64().unwrap(),
        b["applied"].as_u64().unwrap(),
    ];
    applied.sort();
    assert_eq!(applied, [0, 1], "exactly one of them applies the patch");
    let second = if a["applied"] == 0 { &a } else { &b };
    assert_eq!(
        second["already_applied"], 2,
        "the patch and the info-patch: {second}"
    );
    assert_eq!(
        db.query("SELECT count(*) FROM govup_history"),
        BTreeSet::from(["2".to_string()])
    );
}

#[test]
fn the_seed_two_schema_example_routes_patches_and_info_patches() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_schemas") else {
        return;
    };
    let mut conn = db.conn();
    for schema in ["GOVWAY_SCHEMA", "GOVWAY_CONFIG_SCHEMA"] {
        conn.execute(&format!("CREATE SCHEMA \"{schema}\""))
            .unwrap();
    }
    // The config patch of 1.0.1 creates db_info in the config schema; the other schema has its own.
    conn.execute("CREATE TABLE \"GOVWAY_SCHEMA\".db_info (major_version INTEGER, minor_version INTEGER, notes VARCHAR(255))").unwrap();
    let map = workspace().join("target/test-maps");
    std::fs::create_dir_all(&map).unwrap();
    let map = map.join(format!("{}.toml", db.name));
    std::fs::write(
        &map,
        format!(
            "db = \"postgresql\"\nurl = \"{}\"\n[schemas]\nruntime = \"GOVWAY_SCHEMA\"\ntracing = \"GOVWAY_SCHEMA\"\nstatistics = \"GOVWAY_SCHEMA\"\nconfig = \"GOVWAY_CONFIG_SCHEMA\"\n",
            db.url
        ),
    )
    .unwrap();
    let run = govup(&[
        "apply",
        "--dir",
        &fixture("interleaved"),
        "--schema-map",
        &map.display().to_string(),
        "--from",
        "1.0.0",
        "--to",
        "1.0.2",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tables = |schema: &str| {
        db.query(&format!("SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}' ORDER BY 1"))
    };
    assert_eq!(
        tables("GOVWAY_SCHEMA"),
        BTreeSet::from([
            "a1".into(),
            "b1".into(),
            "db_info".into(),
            "govup_history".into()
        ])
    );
    assert_eq!(
        tables("GOVWAY_CONFIG_SCHEMA"),
        BTreeSet::from(["db_info".into(), "govup_history".into()])
    );
    assert_eq!(
        db.query("SELECT patch_path FROM \"GOVWAY_SCHEMA\".govup_history"),
        BTreeSet::from([
            "upgrade_1.0.0_to_1.0.1/postgresql/2024-01-01-runtimePdD-patch.sql".to_string(),
            "upgrade_1.0.0_to_1.0.1/info-patch.sql".into(),
            "upgrade_1.0.1_to_1.0.2/postgresql/2024-03-01-archiviComunicazioni-patch.sql".into(),
            "upgrade_1.0.1_to_1.0.2/info-patch.sql".into(),
        ])
    );
    assert_eq!(
        db.query("SELECT patch_path FROM \"GOVWAY_CONFIG_SCHEMA\".govup_history"),
        BTreeSet::from([
            "upgrade_1.0.0_to_1.0.1/postgresql/2024-01-01-configurazionePdD-patch.sql".to_string(),
            "upgrade_1.0.0_to_1.0.1/info-patch.sql".into(),
            "upgrade_1.0.1_to_1.0.2/info-patch.sql".into(),
        ])
    );
    for schema in ["GOVWAY_SCHEMA", "GOVWAY_CONFIG_SCHEMA"] {
        let notes = db.query(&format!("SELECT notes FROM \"{schema}\".db_info"));
        assert_eq!(
            notes,
            BTreeSet::from(["[1.0.2] fixture".to_string()]),
            "{schema}"
        );
    }
}

#[test]
fn the_failing_fixture_with_tx_all_leaves_postgres_unchanged() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_txall") else {
        return;
    };
    let run = govup(&[
        "apply",
        "--dir",
        &fixture("failing"),
        "--url",
        &db.url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.2",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("2024-02-01-archiviComunicazioni-patch.sql:3: statement failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("column \"missing_column\" does not exist"),
        "{}",
        run.stderr
    );
    assert!(db
        .query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        .is_empty());
}

#[test]
fn unreachable_server_unknown_role_and_missing_schema_fail_in_one_line() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_bad") else {
        return;
    };
    let samples = samples();
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        "postgres://govup:s3cret@127.0.0.1:1/nodb",
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot connect to postgres://govup:***@127.0.0.1:1/nodb: "),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("s3cret"));

    let (base, _) = db.url.split_once("@").unwrap();
    let wrong_user = db.url.replacen(base, "postgres://nobody_here:s3cret", 1);
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        &wrong_user,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("nobody_here:***@"), "{}", run.stderr);
    assert!(!run.stderr.contains("s3cret"));

    let map = workspace().join("target/test-maps");
    std::fs::create_dir_all(&map).unwrap();
    let map = map.join(format!("{}.toml", db.name));
    std::fs::write(
        &map,
        format!(
            "url = \"{}\"\n[schemas]\nconfig = \"no_such_schema\"\n",
            db.url
        ),
    )
    .unwrap();
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--schema-map",
        &map.display().to_string(),
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("no_such_schema"), "{}", run.stderr);
    assert!(
        db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
            .is_empty(),
        "nothing was written"
    );
}
