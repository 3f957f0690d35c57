//! Safety around an upgrade: backups with automatic restore, rehearsals on a copy, per-step logs,
//! restoring by hand, and `govup verify`, on SQLite, PostgreSQL and MariaDB.

use crate::support::{
    connect, fixture, govup, samples, sqlite_scratch, workspace, write_map, Scratch, Server,
};
use govup_engine::{Catalog, Driver};
use std::collections::BTreeMap;
use std::path::Path;

/// Everything that must come back after a restore: the catalog, every row of every table, and
/// whether govup's history table exists.
#[derive(Debug, PartialEq)]
struct Snapshot {
    catalog: Catalog,
    rows: BTreeMap<String, Vec<String>>,
    history: bool,
}

fn any_connect(url: &str) -> Box<dyn Driver> {
    if url.starts_with("sqlite:") {
        govup_driver_sqlite::connect(url).unwrap()
    } else {
        connect(url)
    }
}

fn snapshot(url: &str) -> Snapshot {
    let mut db = any_connect(url);
    let catalog = db.maintenance().unwrap().catalog(None).unwrap();
    let mut rows = BTreeMap::new();
    for table in &catalog.tables {
        let mut all: Vec<String> = db
            .query(&format!("SELECT * FROM {table}"))
            .unwrap()
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| c.unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        all.sort();
        rows.insert(table.clone(), all);
    }
    let history = !db
        .query(&db.dialect().history_exists_sql(None))
        .unwrap()
        .is_empty();
    Snapshot {
        catalog,
        rows,
        history,
    }
}

/// A table of the operator's own, with rows, so that "as before" is not just "empty".
fn seed(url: &str) {
    let mut db = any_connect(url);
    db.execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY, name VARCHAR(20))")
        .unwrap();
    db.execute("INSERT INTO keep_me (id, name) VALUES (1, 'one')")
        .unwrap();
    db.execute("INSERT INTO keep_me (id, name) VALUES (2, 'two')")
        .unwrap();
}

fn restore_on_failure(url: &str, dir: &Path, tx: &[&str]) {
    seed(url);
    let before = snapshot(url);
    let backups = dir.join("backups").display().to_string();
    let tree = fixture("failing");
    let mut args = vec![
        "apply",
        "--dir",
        &tree,
        "--url",
        url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.2",
        "--backup",
        &backups,
        "--restore-on-failure",
    ];
    args.extend(tx);
    let run = govup(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("2024-02-01-archiviComunicazioni-patch.sql:3: statement failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("restored from the backup in {backups}/1.0.0: the database is as it was before the upgrade")), "{}", run.stderr);
    assert_eq!(snapshot(url), before);
    assert!(Path::new(&backups).join("1.0.0/govup-backup.txt").is_file());
}

#[test]
fn sqlite_restore_on_failure_brings_back_catalog_and_rows() {
    let (url, dir) = sqlite_scratch("restore_sqlite");
    restore_on_failure(&url, &dir, &["--tx", "patch"]);
}

#[test]
fn postgres_restore_on_failure_brings_back_catalog_and_rows() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_restore") else {
        return;
    };
    restore_on_failure(
        &db.url,
        &govup_testkit::scratch_dir("pg_restore"),
        &["--tx", "patch"],
    );
}

#[test]
fn mariadb_restore_on_failure_brings_back_catalog_and_rows() {
    let Some(db) = Scratch::new(Server::Mysql, "my_restore") else {
        return;
    };
    // MariaDB commits the first statement of the failing patch on its own: only the backup can
    // take it back.
    restore_on_failure(&db.url, &govup_testkit::scratch_dir("my_restore"), &[]);
}

fn rehearse(db: &Scratch, leftovers: &str) {
    seed(&db.url);
    let ok = govup(&[
        "apply",
        "--dir",
        &fixture("failing"),
        "--url",
        &db.url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let before = snapshot(&db.url);
    let run = govup(&[
        "rehearse",
        "--dir",
        &fixture("failing"),
        "--url",
        &db.url,
        "--to",
        "1.0.2",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let first = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap();
    assert!(
        first.starts_with("error: rehearsal failed: upgrade_1.0.1_to_1.0.2/"),
        "{}",
        run.stderr
    );
    assert!(
        first.contains("2024-02-01-archiviComunicazioni-patch.sql:3: statement failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the original database was not touched"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("resume") && !run.stderr.contains("rolled back"),
        "the copy is gone: {}",
        run.stderr
    );
    assert_eq!(
        snapshot(&db.url),
        before,
        "the original is identical in catalog and rows"
    );
    assert!(
        db.query(&leftovers.replace("{name}", &db.name)).is_empty(),
        "the copy was dropped"
    );
}

#[test]
fn postgres_rehearsal_reports_the_failure_and_leaves_the_original_alone() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_rehearse") else {
        return;
    };
    rehearse(
        &db,
        "SELECT datname FROM pg_database WHERE datname LIKE '{name}_govup%'",
    );
}

#[test]
fn mariadb_rehearsal_reports_the_failure_and_leaves_the_original_alone() {
    let Some(db) = Scratch::new(Server::Mysql, "my_rehearse") else {
        return;
    };
    rehearse(&db, "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{name}_govup%'");
}

#[test]
fn a_successful_rehearsal_reports_every_step() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_rehearse_ok") else {
        return;
    };
    let samples = samples();
    let run = govup(&[
        "rehearse", "--dir", &samples, "--url", &db.url, "--from", "1.0.0", "--to", "latest",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("  upgrade_1.0.0_to_1.0.1: 6 patch(es), "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("rehearsal succeeded: the upgrade would run cleanly\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.starts_with("  upgrade_"))
            .count(),
        7,
        "{}",
        run.stdout
    );
    assert!(db
        .query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        .is_empty());
}

#[test]
fn backups_per_step_restore_by_hand_to_any_version() {
    let (url, dir) = sqlite_scratch("each_step");
    let samples = samples();
    let backups = dir.join("b").display().to_string();
    let refused = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        &url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.3",
        "--backup",
        &backups,
        "--backup-each-step",
    ]);
    assert_eq!(
        refused.code, 2,
        "one transaction for everything cannot be backed up per step"
    );
    assert!(
        refused
            .stderr
            .contains("--backup-each-step needs --tx step or --tx patch"),
        "{}",
        refused.stderr
    );
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        &url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.3",
        "--tx",
        "step",
        "--backup",
        &backups,
        "--backup-each-step",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for v in ["1.0.0", "1.0.1", "1.0.2"] {
        assert!(
            Path::new(&backups)
                .join(v)
                .join("govup-backup.txt")
                .is_file(),
            "{v}"
        );
    }
    let several = govup(&["restore", &backups, "--url", &url]);
    assert_eq!(several.code, 1);
    assert!(
        several
            .stderr
            .contains("several versions (1.0.0, 1.0.1, 1.0.2)"),
        "{}",
        several.stderr
    );
    let back = govup(&["restore", &format!("{backups}/1.0.2"), "--url", &url]);
    assert_eq!(back.code, 0, "{}", back.stderr);
    assert!(
        back.stdout.starts_with("restored 1 schema(s) of sqlite:"),
        "{}",
        back.stdout
    );
    let notes = any_connect(&url)
        .query("SELECT notes FROM db_info")
        .unwrap();
    assert!(
        notes[0][0].as_deref().unwrap().starts_with("[1.0.2]"),
        "{notes:?}"
    );
    let status = govup(&["status", "--url", &url]);
    assert!(
        status.stdout.contains("is at 1.0.2 (from govup_history)"),
        "{}",
        status.stdout
    );
}

#[test]
fn log_dir_writes_one_log_per_step_with_statements_and_errors() {
    let (url, dir) = sqlite_scratch("logs");
    let logs = dir.join("logs");
    let run = govup(&[
        "apply",
        "--dir",
        &fixture("failing"),
        "--url",
        &url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.2",
        "--tx",
        "step",
        "--log-dir",
        &logs.display().to_string(),
    ]);
    assert_eq!(run.code, 1);
    let first = std::fs::read_to_string(logs.join("01-upgrade_1.0.0_to_1.0.1.log")).unwrap();
    assert!(
        first.starts_with("# upgrade_1.0.0_to_1.0.1: started "),
        "{first}"
    );
    assert!(
        first.contains(
            "-- upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql:2 in (default), "
        ),
        "{first}"
    );
    assert!(
        first.contains("INSERT INTO runtime_a (id) VALUES (1);\n"),
        "{first}"
    );
    assert!(
        first.contains("\n# upgrade_1.0.0_to_1.0.1: done in "),
        "{first}"
    );
    let second = std::fs::read_to_string(logs.join("02-upgrade_1.0.1_to_1.0.2.log")).unwrap();
    assert!(second.contains("CREATE INDEX trace_b_missing ON trace_b (missing_column);\n-- FAILED: no such column: missing_column\n"), "{second}");
}

#[test]
fn verify_compares_with_another_database_or_with_scripts() {
    let (a, _) = sqlite_scratch("verify_a");
    let (b, _) = sqlite_scratch("verify_b");
    let samples = workspace().join("sql-samples");
    let s = samples.display().to_string();
    for url in [&a, &b] {
        assert_eq!(
            govup(&["apply", "--dir", &s, "--url", url, "--from", "1.0.0", "--to", "1.0.1"]).code,
            0
        );
    }
    let same = govup(&["verify", "--url", &a, "--against", &b]);
    assert_eq!(same.code, 0, "{}", same.stderr);
    assert!(
        same.stdout.ends_with("have the same catalog (7 tables)\n"),
        "{}",
        same.stdout
    );

    let step = samples.join("upgrade_1.0.0_to_1.0.1/sqlite");
    let mut scripts: Vec<String> = std::fs::read_dir(&step)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    scripts.sort();
    let mut args = vec!["verify", "--url", &a, "--against-sql"];
    args.extend(scripts.iter().map(String::as_str));
    let run = govup(&args);
    assert_eq!(
        run.code, 0,
        "the patches of 1.0.1 are a fresh 1.0.1: {}{}",
        run.stdout, run.stderr
    );

    assert_eq!(
        govup(&["apply", "--dir", &s, "--url", &b, "--to", "1.0.2"]).code,
        0
    );
    let differ = govup(&["verify", "--url", &a, "--against", &b, "--format", "json"]);
    assert_eq!(differ.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&differ.stdout).unwrap();
    assert_eq!(doc["equal"], false);
    assert!(
        doc["differences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "column" && d["left"].is_null()),
        "{doc}"
    );
    assert!(differ.stderr.starts_with("error: "), "{}", differ.stderr);
}

#[test]
fn a_mariadb_rehearsal_refuses_a_map_that_routes_a_role_to_another_database() {
    let Some(db) = Scratch::new(Server::Mysql, "my_rehearse_map") else {
        return;
    };
    let Some(other) = Scratch::new(Server::Mysql, "my_rehearse_other") else {
        return;
    };
    let map = write_map(
        "my_rehearse_map",
        &format!(
            "db = \"mysql\"\nurl = \"{}\"\n[schemas]\nconfig = \"{}\"\n",
            db.url, other.name
        ),
    );
    let samples = samples();
    let run = govup(&[
        "rehearse",
        "--dir",
        &samples,
        "--schema-map",
        &map,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "the schema map routes a role to {}, which a copy of this mysql database would not hold",
            other.name
        )),
        "{}",
        run.stderr
    );
    let tables = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()";
    assert!(other.query(tables).is_empty());
    assert!(db.query(tables).is_empty());
}

/// A killed rehearsal leaves its copy behind; the next rehearsal drops copies whose process is
/// gone and says so, and keeps those of a running process and names of another form.
fn leftover_copies_are_dropped(db: &Scratch, list: &str) {
    // Above the kernel's highest possible process id: never a running process.
    let dead = format!("{}_govup_copy_4194999_0", db.name);
    let alive = format!("{}_govup_copy_{}_0", db.name, std::process::id());
    let other = format!("{}_govup_copy_4194999_0x", db.name);
    assert!(dead.len() <= 63 && other.len() <= 63, "{other}");
    let mut conn = db.conn();
    for name in [&dead, &alive, &other] {
        conn.execute(&format!("CREATE DATABASE {name}")).unwrap();
    }
    drop(conn);
    let samples = samples();
    let run = govup(&[
        "rehearse", "--dir", &samples, "--url", &db.url, "--from", "1.0.0", "--to", "1.0.1",
    ]);
    let remaining = db.query(&list.replace("{name}", &db.name));
    for name in [&alive, &other] {
        let _ = db
            .conn()
            .execute(&format!("DROP DATABASE IF EXISTS {name}"));
    }
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "dropped scratch database {dead}, left by govup process 4194999, which is no longer running\n"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(remaining, [alive, other].into_iter().collect());
}

#[test]
fn postgres_rehearsal_drops_copies_left_by_a_killed_govup() {
    let Some(db) = Scratch::new(Server::Postgres, "pg_leftover") else {
        return;
    };
    leftover_copies_are_dropped(
        &db,
        "SELECT datname FROM pg_database WHERE datname LIKE '{name}_govup%'",
    );
}

#[test]
fn mariadb_rehearsal_drops_copies_left_by_a_killed_govup() {
    let Some(db) = Scratch::new(Server::Mysql, "my_leftover") else {
        return;
    };
    leftover_copies_are_dropped(
        &db,
        "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{name}_govup%'",
    );
}

/// GovWay's fresh 3.3.17 on PostgreSQL, upgraded a step with a backup and restored by hand:
/// `verify` against an untouched 3.3.17 finds no difference, although pg_restore wrote 64 of its
/// CHECK constraints back in another, equivalent form. A difference left on purpose then shows
/// as exactly one line, the constraint's kind said once.
#[test]
fn postgres_verify_after_a_restore_finds_no_difference() {
    let Some(fresh) = govup_testkit::corpus("govway-fresh") else {
        return;
    };
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let Some(restored) = Scratch::new(Server::Postgres, "pg_vrestored") else {
        return;
    };
    let Some(untouched) = Scratch::new(Server::Postgres, "pg_vuntouched") else {
        return;
    };
    std::thread::scope(|s| {
        s.spawn(|| restored.load_fresh(&fresh, "3.3.17", "postgresql", &[]));
        untouched.load_fresh(&fresh, "3.3.17", "postgresql", &[]);
    });
    let backups = govup_testkit::scratch_dir("pg_vrestore")
        .join("b")
        .display()
        .to_string();
    let tree = tree.display().to_string();
    let run = govup(&[
        "apply",
        "--dir",
        &tree,
        "--url",
        &restored.url,
        "--to",
        "3.3.18",
        "--backup",
        &backups,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let back = govup(&[
        "restore",
        &format!("{backups}/3.3.17"),
        "--url",
        &restored.url,
    ]);
    assert_eq!(back.code, 0, "{}", back.stderr);
    let checks = "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c' AND connamespace = 'public'::regnamespace";
    let renamed = untouched
        .query(checks)
        .difference(&restored.query(checks))
        .count();
    assert_eq!(
        renamed, 64,
        "the restore no longer rewrites CHECK constraints"
    );

    let same = govup(&[
        "verify",
        "--url",
        &restored.url,
        "--against",
        &untouched.url,
    ]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(
        same.stdout
            .ends_with("have the same catalog (222 tables)\n"),
        "{}",
        same.stdout
    );

    restored
        .conn()
        .execute("ALTER TABLE accordi DROP CONSTRAINT chk_accordi_1")
        .unwrap();
    let differ = govup(&[
        "verify",
        "--url",
        &restored.url,
        "--against",
        &untouched.url,
    ]);
    assert_eq!(differ.code, 1, "{}", differ.stderr);
    let lines: Vec<&str> = differ.stdout.lines().skip(2).collect();
    assert_eq!(
        lines,
        ["+ constraint accordi.chk_accordi_1 CHECK (((service_binding)::text = ANY (ARRAY[('soap'::character varying)::text, ('rest'::character varying)::text])))"],
        "{}",
        differ.stdout
    );
}

/// MariaDB matches column names without regard to case: a column declared `ORA_REGISTRAZIONE`
/// (GovWay's fresh install) and one added as `ora_registrazione` (a patch) are the same column,
/// in an index too.
#[test]
fn mariadb_verify_ignores_the_case_of_column_names() {
    let Some(upper) = Scratch::new(Server::Mysql, "my_vupper") else {
        return;
    };
    let Some(lower) = Scratch::new(Server::Mysql, "my_vlower") else {
        return;
    };
    for (db, name) in [(&upper, "ORA_REGISTRAZIONE"), (&lower, "ora_registrazione")] {
        db.conn()
            .execute(&format!(
                "CREATE TABLE msg (id INT PRIMARY KEY, {name} TIMESTAMP(3) NULL, \
                 CONSTRAINT chk_msg CHECK ({name} IS NULL OR id > 0), KEY idx_msg ({name}))"
            ))
            .unwrap();
    }
    let same = govup(&["verify", "--url", &upper.url, "--against", &lower.url]);
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(
        same.stdout.ends_with("have the same catalog (1 tables)\n"),
        "{}",
        same.stdout
    );
}
