//! The test run's own PostgreSQL primary and its streaming standby (`cargo xtask test` starts
//! them). These check the harness itself.

use std::time::{Duration, Instant};

use govup_driver_postgres::connect;

#[test]
fn a_write_on_the_primary_reaches_the_standby_which_is_in_recovery() {
    let (Some(primary), Some(standby)) = (
        govup_testkit::pg_primary_url(),
        govup_testkit::pg_standby_url(),
    ) else {
        return;
    };
    let mut p = connect(&primary).unwrap();
    let mut s = connect(&standby).unwrap();
    let recovery = s.query("SELECT pg_is_in_recovery()").unwrap();
    assert_eq!(recovery[0][0].as_deref(), Some("t"));
    let recovery = p.query("SELECT pg_is_in_recovery()").unwrap();
    assert_eq!(recovery[0][0].as_deref(), Some("f"));

    let table = govup_testkit::unique_name("standby");
    p.execute(&format!("CREATE TABLE {table} (id int PRIMARY KEY)"))
        .unwrap();
    p.execute(&format!("INSERT INTO {table} VALUES (7)"))
        .unwrap();
    let start = Instant::now();
    let seen = loop {
        let rows = s.query(&format!("SELECT id FROM {table}"));
        if let Ok(rows) = rows {
            if rows.first().and_then(|r| r[0].as_deref()) == Some("7") {
                break true;
            }
        }
        if start.elapsed() > Duration::from_secs(30) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(seen, "the standby never showed {table}");
    p.execute(&format!("DROP TABLE {table}")).unwrap();
}
