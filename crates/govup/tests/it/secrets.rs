//! No password in any output: each URL shape govup was seen to leak, run through the binary, and
//! backups that only their owner can read.

use crate::support::{govup, samples, sqlite_scratch, write_map, Run, Scratch, Server};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const PW: &str = "SECRETPW";

fn status(url: &str) -> Run {
    govup(&["status", "--url", url])
}

/// The password is nowhere, and the error still names the URL, masked.
fn assert_masked(run: &Run, code: i32, masked: &str) {
    assert!(
        !run.stderr.contains(PW) && !run.stdout.contains(PW),
        "password leaked: {}{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stderr.contains(masked),
        "{masked} not in: {}",
        run.stderr
    );
    assert_eq!(run.code, code, "{}", run.stderr);
}

#[test]
fn a_password_query_parameter_is_masked() {
    let run = status("postgres://u@127.0.0.1:1/x?password=SECRETPW");
    assert_masked(
        &run,
        1,
        "error: cannot connect to postgres://u@127.0.0.1:1/x?password=***: ",
    );
    let run = status("postgres://u@127.0.0.1:1/x?application_name=a&password=SECRETPW");
    assert_masked(&run, 1, "application_name=a&password=***");
    // The MySQL driver takes no password parameter: bad usage, still masked.
    let run = status("mysql://u@127.0.0.1:1/x?password=SECRETPW");
    assert_masked(&run, 2, "mysql://u@127.0.0.1:1/x?password=***");
    let run = status("mysql://u@127.0.0.1:1/x?pwd=SECRETPW");
    assert_masked(&run, 2, "mysql://u@127.0.0.1:1/x?pwd=***");
}

#[test]
fn a_map_whose_url_line_does_not_parse_is_masked() {
    let broken = write_map(
        "secret_map_syntax",
        "url = \"postgres://u:SECRETPW@127.0.0.1:1/x\n",
    );
    let run = govup(&["status", "--schema-map", &broken]);
    assert_masked(&run, 2, "postgres://u:***@127.0.0.1:1/x");
    let mistyped = write_map(
        "secret_map_type",
        "url = [\"postgres://u:SECRETPW@127.0.0.1:1/x\"]\n",
    );
    let run = govup(&["status", "--schema-map", &mistyped]);
    assert_masked(&run, 2, "postgres://u:***@127.0.0.1:1/x");
    let role = write_map(
        "secret_map_role",
        "[urls]\nconfig = { url = 'mysql://u:SECRETPW@127.0.0.1:1/x' }\n",
    );
    let run = govup(&["status", "--url", "sqlite:x.db", "--schema-map", &role]);
    assert_masked(&run, 2, "mysql://u:***@127.0.0.1:1/x");
}

#[test]
fn a_raw_slash_or_hash_in_a_mysql_password_is_refused_masked() {
    for url in [
        "mysql://u:SECRET/PW@127.0.0.1:1/x",
        "mysql://u:SECRET#PW@127.0.0.1:1/x",
        "mariadb://u:SECRET?PW@127.0.0.1:1/x",
    ] {
        let run = status(url);
        assert!(!run.stderr.contains("SECRET"), "{}", run.stderr);
        assert_masked(&run, 2, "://u:***@127.0.0.1:1/x");
        assert!(run.stderr.contains("percent-encode it"), "{}", run.stderr);
    }
}

#[test]
fn a_raw_at_in_a_postgres_password_is_refused_masked() {
    let run = status("postgres://u:SECRET@PW@127.0.0.1:1/x");
    assert!(!run.stderr.contains("SECRET"), "{}", run.stderr);
    assert_masked(&run, 2, "postgres://u:***@127.0.0.1:1/x");
    assert!(
        run.stderr.contains("the password holds a raw `@`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_url_without_slashes_is_masked() {
    let run = status("postgresql:u:SECRETPW@127.0.0.1");
    assert_masked(&run, 2, "postgresql:u:***@127.0.0.1");
    let run = status("mysql:u:SECRETPW@127.0.0.1");
    assert_masked(&run, 2, "mysql:u:***@127.0.0.1");
}

#[test]
fn a_libpq_keyword_string_is_refused_masked() {
    let kw = "host=127.0.0.1 port=1 password=SECRETPW dbname=x";
    let run = status(kw);
    assert_masked(&run, 2, "host=127.0.0.1 port=1 password=*** dbname=x");
    let run = govup(&["status", "--db", "postgresql", "--url", kw]);
    assert_masked(&run, 2, "password=***");
    let run = status("host=h password='SECRET PW' user=u");
    assert!(!run.stderr.contains("SECRET"), "{}", run.stderr);
    assert_masked(&run, 2, "password=*** user=u");
}

#[test]
fn an_oracle_user_slash_password_is_masked() {
    let run = status("oracle://u/SECRETPW@127.0.0.1:1/x");
    assert_masked(&run, 1, "oracle://u/***@127.0.0.1:1/x");
}

fn backup_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(backup_files(&path));
        } else if path.file_name().unwrap() != "govup-backup.txt" {
            out.push(path);
        }
    }
    out
}

fn assert_backups_private(url: &str, dir: &Path) {
    let backups = dir.join("backups");
    let run = govup(&[
        "apply",
        "--dir",
        &samples(),
        "--url",
        url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
        "--backup",
        &backups.display().to_string(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = backup_files(&backups);
    assert!(!files.is_empty(), "no backup under {}", backups.display());
    for file in files {
        let mode = file.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", file.display());
    }
}

#[test]
fn sqlite_backups_are_owner_only() {
    let (url, dir) = sqlite_scratch("backup_mode_sqlite");
    let file = dir.join("db.sqlite");
    rusqlite_free_seed(&url);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_backups_private(&url, &dir);
}

fn rusqlite_free_seed(url: &str) {
    let mut db = govup_driver_sqlite::connect(url).unwrap();
    db.execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)")
        .unwrap();
}

#[test]
fn postgres_backups_are_owner_only() {
    let Some(db) = Scratch::new(Server::Postgres, "backup_mode_pg") else {
        return;
    };
    db.conn()
        .execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)")
        .unwrap();
    assert_backups_private(&db.url, &govup_testkit::scratch_dir("backup_mode_pg"));
}

#[test]
fn mariadb_backups_are_owner_only() {
    let Some(db) = Scratch::new(Server::Mysql, "backup_mode_my") else {
        return;
    };
    db.conn()
        .execute("CREATE TABLE keep_me (id INTEGER PRIMARY KEY)")
        .unwrap();
    assert_backups_private(&db.url, &govup_testkit::scratch_dir("backup_mode_my"));
}
