//! `govup fleet`: many installations from one inventory, on the real servers
//! (GOVUP_TEST_POSTGRES_URL, GOVUP_TEST_MYSQL_URL) and SQLite files.

use crate::support::{connect, govup, samples, Run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Scratch databases made in bulk on one admin connection, dropped together.
struct Databases {
    admin: String,
    mysql: bool,
    names: Vec<String>,
}

impl Databases {
    fn create(var: &str, mysql: bool, tag: &str, n: usize) -> Option<Databases> {
        let admin = govup_testkit::server_url(var)?;
        let mut conn = connect(&admin);
        let mut dbs = Databases {
            admin,
            mysql,
            names: Vec::new(),
        };
        for _ in 0..n {
            let name = govup_testkit::unique_name(tag).to_lowercase();
            conn.execute(&format!("CREATE DATABASE {name}")).unwrap();
            dbs.names.push(name);
        }
        Some(dbs)
    }

    fn url(&self, i: usize) -> String {
        let base = self
            .admin
            .rsplit_once('/')
            .map_or(self.admin.as_str(), |(b, _)| b);
        format!("{base}/{}", self.names[i])
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        let mut conn = connect(&self.admin);
        for name in &self.names {
            let sql = if self.mysql {
                format!("DROP DATABASE IF EXISTS {name}")
            } else {
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            };
            let _ = conn.execute(&sql);
        }
    }
}

fn report(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: stdout {} stderr {}", run.stdout, run.stderr))
}

/// name -> (result, from) of a `govup-fleet/1` report, in report order.
fn results(doc: &Value) -> Vec<(String, String, String)> {
    assert_eq!(doc["format"], "govup-fleet/1");
    doc["installations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["result"].as_str().unwrap().to_string(),
                e["from"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn fleet(inventory: &Path, extra: &[&str]) -> Run {
    let inv = inventory.display().to_string();
    let mut args = vec!["fleet", "apply", "--inventory", &inv, "--format", "json"];
    args.extend_from_slice(extra);
    govup(&args)
}

/// An inventory of `urls` (name, url) over the sample tree, from the empty 1.0.0 to the newest.
fn write_inventory(dir: &Path, urls: &[(String, String)]) -> PathBuf {
    let mut text = format!("dir = {:?}\nto = \"latest\"\nfrom = \"1.0.0\"\n", samples());
    for (name, url) in urls {
        text += &format!("\n[[installation]]\nname = \"{name}\"\nurl = \"{url}\"\n");
    }
    let path = dir.join("fleet.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A table the first step creates, made beforehand: that step's patch fails on it.
const BLOCKER: &str = "CREATE TABLE order_stats_daily (x INT)";

#[test]
fn seventy_installations_stop_rule_keep_going_rerun_and_shards() {
    let Some(pg) = Databases::create("GOVUP_TEST_POSTGRES_URL", false, "fleet_pg", 40) else {
        return;
    };
    let Some(my) = Databases::create("GOVUP_TEST_MYSQL_URL", true, "fleet_my", 20) else {
        return;
    };
    let dir = govup_testkit::scratch_dir("fleet70");
    // Interleaved: of every 7 positions, 4 PostgreSQL, 2 MariaDB, 1 SQLite.
    let (mut p, mut m, mut s) = (0, 0, 0);
    let mut urls = Vec::new();
    for i in 0..70 {
        let (name, url) = match i % 7 {
            0..=3 => {
                p += 1;
                (format!("pg-{:02}", p - 1), pg.url(p - 1))
            }
            4 | 5 => {
                m += 1;
                (format!("my-{:02}", m - 1), my.url(m - 1))
            }
            _ => {
                s += 1;
                let file = dir.join(format!("lite-{}.db", s - 1));
                (
                    format!("lite-{}", s - 1),
                    format!("sqlite:{}", file.display()),
                )
            }
        };
        urls.push((name, url));
    }
    let inventory = write_inventory(&dir, &urls);
    // Position 8 is PostgreSQL, 12 MariaDB: the failures.
    let broken = [8, 12];
    for &i in &broken {
        connect(&urls[i].1).execute(BLOCKER).unwrap();
    }

    // The stop rule: the failure stops new starts; the running finish.
    let run = fleet(&inventory, &["--canary", "2", "--jobs", "8"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let got = results(&report(&run));
    assert_eq!(got.len(), 70);
    assert_eq!(got[8].1, "failed");
    let started = got
        .iter()
        .take_while(|(_, r, _)| r != "not_started")
        .count();
    assert!(
        got[started..].iter().all(|(_, r, _)| r == "not_started"),
        "what started is a prefix of the inventory: {got:?}"
    );
    assert!(
        started <= 8 + 8,
        "at most --jobs were running when it failed: {started}"
    );
    for (i, (name, result, from)) in got.iter().enumerate().take(started) {
        if !broken.contains(&i) {
            assert_eq!(
                (result.as_str(), from.as_str()),
                ("applied", "1.0.0"),
                "{name}"
            );
        }
    }
    assert!(
        run.stderr.contains("pg-00 (canary): started"),
        "{}",
        run.stderr
    );

    // --keep-going: everything else runs; the two broken ones fail.
    let run = fleet(
        &inventory,
        &["--canary", "2", "--jobs", "8", "--keep-going"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = report(&run);
    let got = results(&doc);
    for (i, (name, result, _)) in got.iter().enumerate() {
        let want: &[&str] = if broken.contains(&i) {
            &["failed"]
        } else if i < started {
            &["up_to_date"]
        } else {
            &["applied"]
        };
        assert!(want.contains(&result.as_str()), "{name}: {result}");
    }
    assert_eq!(
        (doc["failed"].as_u64(), doc["not_started"].as_u64()),
        (Some(2), Some(0))
    );
    let error = doc["installations"][12]["error"].as_str().unwrap();
    assert!(error.contains("order_stats_daily"), "{error}");

    // The fix, and a re-run: each continues from its own history.
    for &i in &broken {
        connect(&urls[i].1)
            .execute("DROP TABLE order_stats_daily")
            .unwrap();
    }
    let run = fleet(&inventory, &["--canary", "2", "--jobs", "8"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (i, (name, result, from)) in results(&report(&run)).iter().enumerate() {
        let want = if broken.contains(&i) {
            ("applied", "1.0.0")
        } else {
            ("up_to_date", "1.1.2")
        };
        assert_eq!((result.as_str(), from.as_str()), want, "{name}");
    }
    let applied = "SELECT COUNT(*) FROM govup_history WHERE status = 'applied'";
    for (fixed, sibling) in [(8, 0), (12, 4)] {
        let rows = |i: usize| connect(&urls[i].1).query(applied).unwrap();
        assert_eq!(rows(fixed), rows(sibling), "{}", urls[fixed].0);
    }

    // Status agrees, from the databases themselves.
    let inv = inventory.display().to_string();
    let run = govup(&[
        "fleet",
        "status",
        "--inventory",
        &inv,
        "--format",
        "json",
        "--jobs",
        "8",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = report(&run);
    for e in doc["installations"].as_array().unwrap() {
        assert_eq!(
            (&e["version"], &e["source"], &e["pending_steps"]),
            (
                &Value::from("1.1.2"),
                &Value::from("govup_history"),
                &Value::from(0)
            ),
            "{e}"
        );
    }

    // Three shards cover the inventory exactly once, each reporting only its share.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let run = fleet(&inventory, &["--shard", shard, "--jobs", "4"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let doc = report(&run);
        assert_eq!(doc["shard"], shard);
        for (name, result, _) in results(&doc) {
            assert_eq!(result, "up_to_date", "{name}");
            *seen.entry(name).or_default() += 1;
        }
    }
    assert_eq!(seen.len(), 70);
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Six SQLite installations, the second broken.
fn sqlite_fleet(tag: &str) -> (PathBuf, Vec<(String, String)>) {
    let dir = govup_testkit::scratch_dir(tag);
    let urls: Vec<(String, String)> = (0..6)
        .map(|i| {
            let file = dir.join(format!("t{i}.db"));
            (format!("t{i}"), format!("sqlite:{}", file.display()))
        })
        .collect();
    connect(&urls[1].1).execute(BLOCKER).unwrap();
    (write_inventory(&dir, &urls), urls)
}

#[test]
fn a_canary_failure_stops_the_fleet_even_with_keep_going() {
    let (inventory, _) = sqlite_fleet("fleet_canary");
    let run = fleet(
        &inventory,
        &["--canary", "3", "--keep-going", "--jobs", "4"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let got: Vec<String> = results(&report(&run)).into_iter().map(|r| r.1).collect();
    assert_eq!(
        got,
        [
            "applied",
            "failed",
            "not_started",
            "not_started",
            "not_started",
            "not_started"
        ]
    );
    assert!(run
        .stderr
        .contains("error: fleet: 1 of 6 installation(s) failed, 4 not started"));
}

#[test]
fn the_table_report_and_per_installation_backups() {
    let (inventory, urls) = sqlite_fleet("fleet_table");
    connect(&urls[1].1)
        .execute("DROP TABLE order_stats_daily")
        .unwrap();
    let backups = inventory.parent().unwrap().join("backups");
    let inv = inventory.display().to_string();
    let b = backups.display().to_string();
    let logs = inventory.parent().unwrap().join("logs");
    let l = logs.display().to_string();
    let run = govup(&[
        "fleet",
        "apply",
        "--inventory",
        &inv,
        "--jobs",
        "3",
        "--backup",
        &b,
        "--log-dir",
        &l,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("6 installation(s): 6 applied, 0 up to date, 0 failed, 0 not started in "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("│ t3           ┆ sqlite ┆ 1.0.0 ┆ 1.1.2 ┆ applied"),
        "{}",
        run.stdout
    );
    for (name, _) in &urls {
        let taken = std::fs::read_dir(backups.join(name).join("1.0.0"))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .count();
        assert!(taken > 0, "{name} has its own backup");
        let logged = std::fs::read_dir(logs.join(name)).unwrap().count();
        assert_eq!(logged, 7, "{name} has one log per step");
    }
    // One line per installation start and finish, not per patch.
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.ends_with(": started"))
            .count(),
        6
    );
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.contains(": applied 1.0.0 -> 1.1.2 in "))
            .count(),
        6
    );
}

#[test]
fn bad_inventories_are_refused_before_anything_runs() {
    let dir = govup_testkit::scratch_dir("fleet_bad");
    let path = dir.join("fleet.toml");
    let inv = path.display().to_string();
    let db = dir.join("never.db");
    let lite = format!("sqlite:{}", db.display());
    let head = format!("dir = {:?}\nto = \"latest\"\nfrom = \"1.0.0\"\n", samples());
    let cases: [(String, &str); 6] = [
        (
            format!("{head}[[installation]]\nname = \"a\"\nurl = \"{lite}\"\nport = 1\n"),
            ":7: unknown field `port`",
        ),
        (
            format!("{head}[[installation]]\nname = \"a\"\nurl = \"{lite}\"\n[[installation]]\nname = \"a\"\nurl = \"{lite}\"\n"),
            ":7: installation `a`: the name is already used at line 4",
        ),
        (
            format!("{head}[[installation]]\nname = \"a\"\nurl = \"postgres://u:hunter2@127.0.0.1:1/x\"\nschema_map = \"m.toml\"\n"),
            ":4: installation `a`: give either url or schema_map, not both",
        ),
        (
            format!("dir = \"x\"\n[[installation]]\nname = \"a\"\nurl = \"{lite}\"\n"),
            ": no `to`: set it in the inventory or give --to",
        ),
        (
            format!("to = \"latest\"\n[[installation]]\nname = \"a\"\nurl = \"{lite}\"\n"),
            ":2: installation `a`: no dir",
        ),
        (
            format!("{head}[[installation]]\nname = \"a\"\nurl = \"{lite}\"\n[[installation]]\nname = \"b\"\nurl = \"mysql://u:hunter2@127.0.0.1:1/x\"\ndb = \"mysql\"\n"),
            ":10: unknown field `db`",
        ),
    ];
    for (text, want) in &cases {
        std::fs::write(&path, text).unwrap();
        let run = govup(&["fleet", "apply", "--inventory", &inv]);
        assert_eq!(run.code, 2, "{text}\n{}", run.stderr);
        let headline = format!("error: inventory `{inv}`{want}");
        assert!(
            run.stderr.starts_with(&headline),
            "{}\nwant {headline}",
            run.stderr
        );
        assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
        assert!(!db.exists(), "nothing ran");
    }
    std::fs::write(&path, cases[0].0.replace("port = 1\n", "")).unwrap();
    for shard in ["0/3", "4/3", "2"] {
        let run = govup(&["fleet", "apply", "--inventory", &inv, "--shard", shard]);
        assert_eq!(run.code, 2, "{shard}: {}", run.stderr);
        assert!(run.stderr.contains("is not a shard I/N"), "{}", run.stderr);
    }
    // A URL the driver cannot read names the installation, and masks the password.
    std::fs::write(
        &path,
        format!(
            "{head}[[installation]]\nname = \"bad\"\nurl = \"postgres://u:hunter2@h:notaport/x\"\n"
        ),
    )
    .unwrap();
    let run = govup(&["fleet", "apply", "--inventory", &inv]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(":4: installation `bad`: "),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
}

#[test]
fn an_unreachable_installation_fails_without_showing_its_password() {
    let dir = govup_testkit::scratch_dir("fleet_pw");
    let urls = [(
        "far".to_string(),
        "postgres://u:hunter2@127.0.0.1:1/x".to_string(),
    )];
    let inventory = write_inventory(&dir, &urls);
    for format in ["json", "table"] {
        let inv = inventory.display().to_string();
        let run = govup(&["fleet", "apply", "--inventory", &inv, "--format", format]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stdout.contains("failed"), "{}", run.stdout);
        if format == "json" {
            // One document: the report, with no error object after it.
            assert_eq!(report(&run)["failed"], 1);
        }
        assert!(run.stdout.contains("u:***@127.0.0.1:1"), "{}", run.stdout);
        assert!(!(run.stdout.clone() + &run.stderr).contains("hunter2"));
    }
}
