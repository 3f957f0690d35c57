//! `apply --wait-replicas`: against the test run's own PostgreSQL primary and its streaming
//! standby (`cargo xtask test` starts them).

use crate::support::{connect, govup, samples, Scratch, Server};

fn apply(url: &str, wait: &str) -> crate::support::Run {
    let samples = samples();
    govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        url,
        "--from",
        "1.0.0",
        "--to",
        "latest",
        "--wait-replicas",
        wait,
    ])
}

fn history_rows(url: &str) -> Option<String> {
    let rows = connect(url)
        .query("SELECT count(*) FROM govup_history")
        .ok()?;
    rows.first().and_then(|r| r[0].clone())
}

/// One test, because pausing the standby's replay would make a parallel wait time out.
#[test]
fn waits_until_the_standby_replayed_the_upgrade_and_names_it_when_it_lags() {
    let (Some(primary), Some(standby)) = (
        govup_testkit::pg_primary_url(),
        govup_testkit::pg_standby_url(),
    ) else {
        return;
    };
    let base = |url: &str, db: &str| format!("{}/{db}", url.rsplit_once('/').unwrap().0);
    let mut admin = connect(&primary);

    let caught_up = govup_testkit::unique_name("replicas");
    admin
        .execute(&format!("CREATE DATABASE {caught_up}"))
        .unwrap();
    let run = apply(&base(&primary, &caught_up), "30s");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("replayed the upgrade") && run.stderr.contains("govup_standby"),
        "{}",
        run.stderr
    );
    // The moment govup returns, the standby already holds every row it wrote.
    let on_primary = history_rows(&base(&primary, &caught_up));
    assert!(on_primary.as_deref().is_some_and(|n| n != "0"));
    assert_eq!(history_rows(&base(&standby, &caught_up)), on_primary);

    let lagging = govup_testkit::unique_name("replicas_lag");
    admin
        .execute(&format!("CREATE DATABASE {lagging}"))
        .unwrap();
    // The database must exist on the standby before replay stops, or the test could not look.
    let mut on_standby = connect(&standby);
    let start = std::time::Instant::now();
    while govup_driver_postgres::connect(&base(&standby, &lagging)).is_err() {
        assert!(
            start.elapsed().as_secs() < 30,
            "{lagging} never reached the standby"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    on_standby.execute("SELECT pg_wal_replay_pause()").unwrap();
    let run = apply(&base(&primary, &lagging), "1s");
    on_standby.execute("SELECT pg_wal_replay_resume()").unwrap();
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Progress lines come first on stderr; the error is the headline of what follows.
    let headline = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default();
    assert!(
        headline.contains("still behind after 1.0 s") && headline.contains("govup_standby"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("the upgrade itself is applied"));
    assert!(history_rows(&base(&primary, &lagging)).is_some_and(|n| n != "0"));

    for db in [caught_up, lagging] {
        admin
            .execute(&format!("DROP DATABASE {db} WITH (FORCE)"))
            .unwrap();
    }
}

#[test]
fn wait_replicas_on_mysql_is_refused_before_anything_is_written() {
    let Some(db) = Scratch::new(Server::Mysql, "wait_my") else {
        return;
    };
    let run = apply(&db.url, "5s");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: --wait-replicas works on PostgreSQL streaming replication only"),
        "{}",
        run.stderr
    );
    let tables = db.query(&format!(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = '{}'",
        db.name
    ));
    assert!(tables.is_empty(), "{tables:?}");
}
