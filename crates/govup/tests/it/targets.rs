//! What a command is pointed at: system schemas, the database type against the URL's scheme,
//! SQLite URL parameters, reading that never creates, and malformed URLs as bad usage.

use crate::support::{govup, samples, sqlite_scratch, write_map, Run};

fn status_with_map(url: &str, map: &str) -> Run {
    govup(&["status", "--url", url, "--schema-map", map])
}

fn apply(url: &str, extra: &[&str]) -> Run {
    let samples = samples();
    let mut args = vec![
        "apply", "--dir", &samples, "--url", url, "--from", "1.0.0", "--to", "1.0.1",
    ];
    args.extend(extra);
    govup(&args)
}

#[test]
fn system_schemas_are_refused_before_connecting() {
    // Port 1 refuses connections: exit 2 with this message shows nothing was even tried.
    for (url, schema) in [
        ("mysql://root@127.0.0.1:1/test", "mysql"),
        ("mysql://root@127.0.0.1:1/test", "information_schema"),
        ("mariadb://root@127.0.0.1:1/test", "performance_schema"),
        ("mysql://root@127.0.0.1:1/test", "sys"),
        ("postgres://u@127.0.0.1:1/x", "pg_catalog"),
        ("postgres://u@127.0.0.1:1/x", "pg_toast"),
        ("postgres://u@127.0.0.1:1/x", "pg_temp_1"),
        ("oracle://u:p@127.0.0.1:1/x", "SYSTEM"),
        ("oracle://u:p@127.0.0.1:1/x", "sys"),
    ] {
        let map = write_map(
            "system_schema",
            &format!("[schemas]\nconfig = \"{schema}\"\n"),
        );
        let run = status_with_map(url, &map);
        assert_eq!(run.code, 2, "{schema}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("[schemas] config = `{schema}` is a system schema")),
            "{}",
            run.stderr
        );
        let run = apply(url, &["--schema-map", &map]);
        assert_eq!(run.code, 2, "{schema}: {}", run.stderr);
    }
    let map = write_map("user_schema", "[schemas]\nconfig = \"govway\"\n");
    assert_eq!(
        status_with_map("mysql://root@127.0.0.1:1/test", &map).code,
        1,
        "an ordinary schema goes on to connect"
    );
}

#[test]
fn the_database_type_must_agree_with_the_url() {
    let samples = samples();
    let unknown = write_map("db_unknown", "db = \"mssql\"\n");
    let run = status_with_map("postgres://u@127.0.0.1:1/x", &unknown);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown database type `mssql`"),
        "{}",
        run.stderr
    );
    let mysql = write_map("db_mysql", "db = \"mysql\"\n");
    for run in [
        status_with_map("postgres://u@127.0.0.1:1/x", &mysql),
        apply("postgres://u@127.0.0.1:1/x", &["--schema-map", &mysql]),
        govup(&[
            "status",
            "--db",
            "mysql",
            "--url",
            "postgres://u@127.0.0.1:1/x",
        ]),
        apply("postgres://u@127.0.0.1:1/x", &["--db", "mysql"]),
        apply("postgres://u@127.0.0.1:1/x", &["--db", "sqlserver"]),
    ] {
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("but postgres://u@127.0.0.1:1/x is a postgresql URL"),
            "{}",
            run.stderr
        );
    }
    // A role's own connection must be of the same type too.
    let split = write_map(
        "db_split",
        "[urls]\nconfig = \"mysql://root@127.0.0.1:1/x\"\n",
    );
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        "postgres://u@127.0.0.1:1/x",
        "--to",
        "1.0.1",
        "--schema-map",
        &split,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is a mysql URL"), "{}", run.stderr);
}

#[test]
fn sqlite_url_parameters_are_honoured_or_refused() {
    let (_, dir) = sqlite_scratch("sqlite_mode");
    let file = dir.join("q.db");
    let url = format!("sqlite:{}?mode=rwc", file.display());
    let run = apply(&url, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(file.is_file(), "mode=rwc creates q.db itself");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains('?')), "{names:?}");

    let ro = format!("sqlite:{}?mode=ro", file.display());
    let run = govup(&["status", "--url", &ro]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = govup(&["apply", "--dir", &samples(), "--url", &ro, "--to", "latest"]);
    assert_eq!(
        run.code, 1,
        "a read-only file cannot be upgraded: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("readonly") || run.stderr.contains("read-only"),
        "{}",
        run.stderr
    );

    let missing = dir.join("none.db");
    let run = apply(&format!("sqlite:{}?mode=rw", missing.display()), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!missing.exists());

    for bad in ["?mode=memory", "?cache=shared", "?mode=ro&x=1"] {
        let url = format!("sqlite:{}{bad}", file.display());
        let run = govup(&["status", "--url", &url]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains("invalid sqlite url"), "{}", run.stderr);
    }
}

#[test]
fn reading_a_missing_sqlite_file_never_creates_it() {
    let (url, dir) = sqlite_scratch("sqlite_missing");
    let file = dir.join("db.sqlite");
    let run = govup(&["status", "--url", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "sqlite database {} does not exist",
            file.display()
        )),
        "{}",
        run.stderr
    );
    assert!(!file.exists(), "status created {}", file.display());
    let run = govup(&["verify", "--url", &url, "--against", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!file.exists(), "verify created {}", file.display());
    // A rehearsal only reads the original: it said "not touched" after creating it.
    let run = govup(&[
        "rehearse",
        "--dir",
        &samples(),
        "--url",
        &url,
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(!file.exists(), "rehearse created {}", file.display());
    // A dry run reads a missing file as the empty database the apply would start from.
    let run = apply(&url, &["--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!file.exists(), "a dry run created {}", file.display());
}

#[test]
fn a_malformed_url_is_bad_usage() {
    for url in [
        "postgres://u@h:notaport/x",
        "postgres://u@[::1/x",
        "mysql://u@/x",
        "mysql://u@h:99999/x",
        "mysql://u@h/x/y",
        "oracle://h",
        "oracle://u@h:port/svc",
        "sqlite:",
        "ftp://h/x",
        "just-a-file.db",
    ] {
        let run = govup(&["status", "--url", url]);
        assert_eq!(run.code, 2, "{url}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        let run = govup(&["verify", "--url", url, "--against", url]);
        assert_eq!(run.code, 2, "{url}: {}", run.stderr);
    }
}
