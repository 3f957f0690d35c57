//! `govup apply` and `govup status` on SQLite: the README quick start and bad input.

use crate::support::{fixture, govup, json, samples, sqlite_scratch, write_map};

#[test]
fn the_quick_start_upgrades_then_finds_nothing_to_do() {
    let (url, _) = sqlite_scratch("quickstart");
    let samples = samples();
    let run = govup(&[
        "apply", "--dir", &samples, "--url", &url, "--from", "1.0.0", "--to", "latest",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("applied 1.0.0 -> 1.1.2 on sqlite (start version given)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "│ 7     ┆ 18              ┆ 2       ┆ 0               ┆ 7            ┆ 55         ┆"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("upgrade_1.0.0_to_1.0.1: 6 applied (13 statement(s)), "),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.lines().count(),
        7,
        "one line per step: {}",
        run.stderr
    );

    let again = govup(&["apply", "--dir", &samples, "--url", &url, "--to", "latest"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout, "already at 1.1.2: nothing to do\n");

    let status = json(&govup(&[
        "status", "--url", &url, "--dir", &samples, "--format", "json",
    ]));
    assert_eq!(status["version"], "1.1.2");
    assert_eq!(status["source"], "govup_history");
    assert_eq!(status["applied"], 25);
    assert_eq!(status["pending_steps"], serde_json::json!([]));
}

#[test]
fn json_summary_and_status_with_pending_steps() {
    let (url, _) = sqlite_scratch("jsonsum");
    let samples = samples();
    let s = json(&govup(&[
        "apply", "--dir", &samples, "--url", &url, "--from", "1.0.0", "--to", "1.0.2", "--format",
        "json",
    ]));
    assert_eq!(s["format"], "govup-apply/1");
    assert_eq!(s["applied"], 8);
    assert_eq!(s["info_patches"], 2);
    assert_eq!(s["patches"][0]["outcome"], "applied");
    assert_eq!(
        s["patches"][0]["path"],
        "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-15-archiviComunicazioni-patch.sql"
    );
    let status = govup(&["status", "--url", &url, "--dir", &samples]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status.stdout.contains("is at 1.0.2 (from govup_history)"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains(
            "5 step(s) pending to the newest version of the tree:\n  upgrade_1.0.2_to_1.0.3\n"
        ),
        "{}",
        status.stdout
    );
}

#[test]
fn a_dry_run_prints_sql_and_writes_nothing() {
    let (url, dir) = sqlite_scratch("dryrun");
    let path = dir.join("db.sqlite");
    let samples = samples();
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        &url,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
        "--dry-run",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("-- dry run: 1.0.0 -> 1.0.1 on sqlite"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\n-- upgrade_1.0.0_to_1.0.1/info-patch.sql\nDELETE FROM db_info;\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("-- 13 statement(s)\n"),
        "{}",
        run.stdout
    );
    // The file did not exist, and a dry run does not create it.
    assert!(!path.exists(), "a dry run created {}", path.display());

    // On a database that exists, a dry run plans from what it holds and changes nothing.
    let applied = govup(&[
        "apply", "--dir", &samples, "--url", &url, "--from", "1.0.0", "--to", "1.0.1",
    ]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let before = std::fs::read(&path).unwrap();
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        &url,
        "--to",
        "1.0.2",
        "--dry-run",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("-- dry run: 1.0.1 -> 1.0.2 on sqlite"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read(&path).unwrap(), before, "a dry run wrote");
}

#[test]
fn a_failed_patch_reports_file_line_statement_and_cause() {
    let (url, _) = sqlite_scratch("fails");
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
    ]);
    assert_eq!(run.code, 1);
    let headline = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap();
    assert_eq!(
        headline,
        "error: upgrade_1.0.1_to_1.0.2/sqlite/2024-02-01-archiviComunicazioni-patch.sql:3: statement failed: CREATE INDEX trace_b_missing ON trace_b (missing_column): no such column: missing_column"
    );
    assert!(
        run.stderr
            .contains("  rolled back: the database is as it was before this transaction"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let samples = samples();
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        "sqlite:/proc/nope/x.db",
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot connect to sqlite:/proc/nope/x.db: "),
        "{}",
        run.stderr
    );
    let run = govup(&[
        "apply",
        "--dir",
        &samples,
        "--url",
        "mssql://x",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot tell the database type"),
        "{}",
        run.stderr
    );
    let run = govup(&["apply", "--dir", &samples, "--to", "1.0.1"]);
    assert_eq!(run.code, 2);
    let (url, _) = sqlite_scratch("schemas");
    let map = write_map(
        "sqlite_map",
        &format!("url = \"{url}\"\n[schemas]\nconfig = \"cfg\"\n"),
    );
    let run = govup(&[
        "apply",
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
    assert_eq!(
        run.stderr,
        "error: sqlite has no schemas: the schema map routes a role to schema cfg; leave [schemas] out\n"
    );
    let written = govup_driver_sqlite::connect(&url)
        .unwrap()
        .query("SELECT name FROM sqlite_master")
        .unwrap();
    assert!(written.is_empty(), "nothing written: {written:?}");
    let (url, _) = sqlite_scratch("nofrom");
    let run = govup(&["apply", "--dir", &samples, "--url", &url, "--to", "1.0.1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot tell which version the database is at"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_patch_that_commits_is_refused_before_anything_is_written() {
    let (url, dir) = sqlite_scratch("commit_in_patch");
    let step = dir.join("tree/upgrade_1.0.0_to_1.0.1");
    std::fs::create_dir_all(step.join("sqlite")).unwrap();
    std::fs::write(
        step.join("sqlite/2024-01-01-configurazionePdD-patch.sql"),
        "CREATE TABLE db_info (notes TEXT);\n\nCOMMIT;\nCREATE TABLE b (x INTEGER);\n",
    )
    .unwrap();
    std::fs::write(
        step.join("info-patch.sql"),
        "INSERT INTO db_info VALUES ('[1.0.1]');\n",
    )
    .unwrap();
    let tree = dir.join("tree").display().to_string();
    for dry_run in [true, false] {
        let mut args = vec![
            "apply", "--dir", &tree, "--url", &url, "--from", "1.0.0", "--to", "1.0.1",
        ];
        if dry_run {
            args.push("--dry-run");
        }
        let run = govup(&args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.starts_with(
                "error: upgrade_1.0.0_to_1.0.1/sqlite/2024-01-01-configurazionePdD-patch.sql:3: COMMIT in a patch: on sqlite govup runs every patch inside a transaction of its own"
            ),
            "{}",
            run.stderr
        );
    }
    let tables = govup_driver_sqlite::connect(&url)
        .unwrap()
        .query("SELECT name FROM sqlite_master")
        .unwrap();
    assert!(tables.is_empty(), "{tables:?}");
}

/// A history row that no run can leave (a failed or partial patch in a step the database is
/// past, or impossible statement counts): `apply` and `status` both refuse, naming the row.
#[test]
fn a_tampered_history_row_is_refused_by_apply_and_status_alike() {
    let samples = samples();
    let patch = "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-15-runtimePdD-patch.sql";
    for (tag, tamper, what) in [
        (
            "tamper_failed",
            "status = 'failed'",
            "it is failed but the database is already at 1.0.2, past that step",
        ),
        (
            "tamper_partial",
            "status = 'partial', statements_done = 1",
            "it is partial but the database is already at 1.0.2, past that step",
        ),
        (
            "tamper_99",
            "statements_done = 99, statements_total = 4",
            "99 of 4 statements done cannot happen",
        ),
        (
            "tamper_neg",
            "statements_done = -5, statements_total = 4",
            "-5 of 4 statements done cannot happen",
        ),
    ] {
        let (url, _) = sqlite_scratch(tag);
        let run = govup(&[
            "apply", "--dir", &samples, "--url", &url, "--from", "1.0.0", "--to", "1.0.2",
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        crate::support::connect(&url)
            .execute(&format!(
                "UPDATE govup_history SET {tamper} WHERE patch_path = '{patch}'"
            ))
            .unwrap();
        let headline = format!(
            "error: govup_history cannot be trusted: the row of {patch} (step upgrade_1.0.0_to_1.0.1): {what}\n  check in the database what that patch did, then correct the row (status, statements_done) or delete it, and run the command again\n"
        );
        let apply = govup(&["apply", "--dir", &samples, "--url", &url, "--to", "latest"]);
        assert_eq!(
            (apply.code, apply.stderr.as_str()),
            (1, headline.as_str()),
            "{tag}"
        );
        let status = govup(&["status", "--url", &url]);
        assert_eq!(
            (status.code, status.stderr.as_str()),
            (1, headline.as_str()),
            "{tag}"
        );
        assert_eq!(status.stdout, "", "{tag}");
    }
}

/// `--format json` prints its report on a failure too: what completed, and an `error` object
/// with the stderr headline, its detail lines and the exit code.
#[test]
fn a_failed_json_apply_prints_the_report_with_its_error() {
    let (url, _) = sqlite_scratch("failsjson");
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
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(doc["format"], "govup-apply/1");
    assert_eq!(doc["to"], "1.0.2");
    let headline = "upgrade_1.0.1_to_1.0.2/sqlite/2024-02-01-archiviComunicazioni-patch.sql:3: statement failed: CREATE INDEX trace_b_missing ON trace_b (missing_column): no such column: missing_column";
    assert_eq!(doc["error"]["message"], headline);
    assert_eq!(
        doc["error"]["details"],
        serde_json::json!(["rolled back: the database is as it was before this transaction"])
    );
    assert_eq!(doc["error"]["exit_code"], 1);
    // The first step committed on its own (--tx step) and is reported.
    let steps: Vec<&str> = doc["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["step"].as_str().unwrap())
        .collect();
    assert!(!steps.is_empty(), "{}", run.stdout);
    assert!(
        steps.iter().all(|s| *s == "upgrade_1.0.0_to_1.0.1"),
        "{}",
        run.stdout
    );
    assert_eq!(
        doc["applied"].as_u64().unwrap() + doc["info_patches"].as_u64().unwrap(),
        steps.len() as u64
    );
    assert!(
        run.stderr.contains(&format!("error: {headline}")),
        "{}",
        run.stderr
    );
}

/// The apply report codes a skipped patch as the plan does (`reason`, `applied_by`), so that a
/// script reads both documents alike.
#[test]
fn apply_json_skip_reasons_are_the_plan_json_codes() {
    let (url, _) = sqlite_scratch("skipcodes");
    let tree = fixture("interleaved");
    let skipped = |doc: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut out: Vec<_> = doc
            .pointer("/patches")
            .map(|p| p.as_array().unwrap().clone())
            .unwrap_or_else(|| {
                doc["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|s| s["patches"].as_array().unwrap().clone())
                    .collect()
            })
            .iter()
            .filter(|p| p["reason"].is_string())
            .map(|p| {
                (
                    p["path"].as_str().unwrap().to_string(),
                    p["reason"].as_str().unwrap().to_string(),
                    p["applied_by"].as_str().unwrap_or("-").to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let planned = json(&govup(&[
        "plan", "--dir", &tree, "--db", "sqlite", "--from", "1.0.2", "--to", "1.1.2", "--format",
        "json",
    ]));
    let applied = json(&govup(&[
        "apply",
        "--dir",
        &tree,
        "--url",
        &url,
        "--from",
        "1.0.2",
        "--to",
        "1.1.2",
        "--dry-run",
        "--format",
        "json",
    ]));
    let from_plan = skipped(&planned);
    assert_eq!(skipped(&applied), from_plan);
    let codes: Vec<(&str, &str)> = from_plan
        .iter()
        .map(|(_, r, by)| (r.as_str(), by.as_str()))
        .collect();
    assert!(codes.contains(&("in_start_version", "-")), "{codes:?}");
    assert!(
        codes.contains(&("applied_earlier", "upgrade_1.0.2_to_1.0.3")),
        "{codes:?}"
    );
    for p in applied["patches"].as_array().unwrap() {
        if p["reason"].is_string() {
            assert_eq!(p["outcome"], "skipped", "{p}");
        }
    }
}
