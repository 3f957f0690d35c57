//! A read-only target is refused before anything is written, naming why; dry runs and `status`
//! still work on it. The standby and the read-only MariaDB are the test run's own
//! (`cargo xtask test` starts them), so changing their globals disturbs nobody.

use crate::support::{connect, govup, samples, sqlite_scratch, Run};
use std::time::{Duration, Instant};

fn apply(url: &str, extra: &[&str]) -> Run {
    let samples = samples();
    let mut args = vec![
        "apply", "--dir", &samples, "--url", url, "--from", "1.0.0", "--to", "latest",
    ];
    args.extend_from_slice(extra);
    govup(&args)
}

fn assert_refused(run: &Run, url: &str, reason: &str) {
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let headline = run.stderr.lines().next().unwrap_or_default();
    assert!(
        headline.contains("refused: ")
            && headline.contains(url)
            && headline.contains(reason)
            && headline.contains("nothing was written"),
        "{}",
        run.stderr
    );
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}

fn tables_named(url: &str, sql: &str) -> usize {
    connect(url).query(sql).unwrap().len()
}

#[test]
fn a_postgres_standby_is_refused_and_nothing_is_written() {
    let (Some(primary), Some(standby)) = (
        govup_testkit::pg_primary_url(),
        govup_testkit::pg_standby_url(),
    ) else {
        return;
    };
    // A database of its own on the primary, so that no other test's history is in the way.
    let name = govup_testkit::unique_name("standby");
    connect(&primary)
        .execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let on_standby = with_database(&standby, &name);
    let start = Instant::now();
    while govup_driver_postgres::connect(&on_standby).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{name} never reached the standby"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let run = apply(&on_standby, &[]);
    assert_refused(&run, &on_standby, "pg_is_in_recovery() is true");
    let history = "SELECT 1 FROM pg_tables WHERE tablename = 'govup_history'";
    assert_eq!(tables_named(&with_database(&primary, &name), history), 0);

    let dry = apply(&on_standby, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let status = govup(&["status", "--url", &on_standby]);
    assert_eq!(status.code, 0, "{}", status.stderr);

    connect(&primary)
        .execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}

#[test]
fn a_postgres_database_whose_sessions_are_read_only_is_refused() {
    let Some(server) = govup_testkit::server_url("GOVUP_TEST_POSTGRES_URL") else {
        return;
    };
    let name = govup_testkit::unique_name("ro_db");
    let mut admin = connect(&server);
    admin.execute(&format!("CREATE DATABASE {name}")).unwrap();
    admin
        .execute(&format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = on"
        ))
        .unwrap();
    let url = with_database(&server, &name);

    let run = apply(&url, &[]);
    assert_refused(&run, &url, "default_transaction_read_only is on");
    assert_eq!(
        tables_named(
            &url,
            "SELECT 1 FROM pg_tables WHERE tablename = 'govup_history'"
        ),
        0
    );
    let dry = apply(&url, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);

    admin
        .execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .unwrap();
}

#[test]
fn a_read_only_mariadb_is_refused_even_for_root_who_could_write() {
    let Some(server) = govup_testkit::mysql_readonly_url() else {
        return;
    };
    let name = govup_testkit::unique_name("ro_my");
    let mut admin = connect(&server);
    // root has SUPER: read_only does not stop it, which is why govup asks explicitly.
    admin.execute(&format!("CREATE DATABASE {name}")).unwrap();
    let url = with_database(&server, &name);

    let run = apply(&url, &[]);
    assert_refused(&run, &url, "read_only ON");
    let history = format!(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = '{name}' AND table_name = 'govup_history'"
    );
    assert_eq!(tables_named(&server, &history), 0);
    let dry = apply(&url, &["--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let status = govup(&["status", "--url", &url]);
    assert_eq!(status.code, 0, "{}", status.stderr);

    admin.execute(&format!("DROP DATABASE {name}")).unwrap();
}

#[test]
fn a_sqlite_file_without_write_permission_is_refused_even_for_root() {
    let (url, dir) = sqlite_scratch("ro_file");
    let samples = samples();
    let first = govup(&[
        "apply", "--dir", &samples, "--url", &url, "--from", "1.0.0", "--to", "1.0.1",
    ]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let file = dir.join("db.sqlite");
    let before = std::fs::read(&file).unwrap();
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&file, perms).unwrap();

    let run = govup(&["apply", "--dir", &samples, "--url", &url, "--to", "latest"]);
    assert_refused(&run, &url, "no write permission");
    assert_eq!(std::fs::read(&file).unwrap(), before, "the file changed");
    let dry = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        &url,
        "--to",
        "latest",
        "--dry-run",
    ]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let status = govup(&["status", "--url", &url]);
    assert_eq!(status.code, 0, "{}", status.stderr);
}
