//! `govup lint`: the report in each format, exit codes, and GovWay's released tree.

use crate::support::{govup, Run};
use serde_json::Value;

const DEFECTS: &str = "fixtures/lint-defects";

/// The whole human report of the seeded-defect fixture: one diagnostic per defect.
const DEFECTS_HUMAN: &str = r#"note[L028]: pairs of versions were not planned: the tree has structural errors (L001, L005 to L011) to fix first
  --> fixtures/lint-defects

error[L006]: crossing from line 0.9, which has no version in the tree
  --> fixtures/lint-defects/upgrade_0.9.x_to_1.0.0

error[L010]: baseline version does not parse: invalid version `latest`: it has fewer than three numbers; expected P.M.m such as 3.3.17, optionally with a build tag such as 3.3.19.p1 or 3.3.19_2
  --> fixtures/lint-defects/upgrade_1.0.0_to_1.0.1/baseline-version.txt

error[L019]: `2024-01-20-runtimePdD-patch.sql` is in postgresql but missing from sqlite: every database folder of a step holds the same patches
  --> fixtures/lint-defects/upgrade_1.0.0_to_1.0.1/postgresql/2024-01-20-runtimePdD-patch.sql

error[L002]: patch file `2024-01-05-configurazionePdD.sql` is misnamed: a patch is named <YYYY-MM-DD>-<area>-patch.sql
  --> fixtures/lint-defects/upgrade_1.0.0_to_1.0.1/sqlite/2024-01-05-configurazionePdD.sql

error[L020]: step has no `info-patch.sql`: nothing records in the database that it reached 1.0.2
  --> fixtures/lint-defects/upgrade_1.0.1_to_1.0.2

warning[L026]: patch dated 2023-12-01, before `2024-01-20-runtimePdD-patch.sql` of the earlier step `upgrade_1.0.0_to_1.0.1` of line 1.0
  --> fixtures/lint-defects/upgrade_1.0.1_to_1.0.2/postgresql/2023-12-01-registroServizi-patch.sql

warning[L004]: `README.txt` is not a patch and is ignored
  --> fixtures/lint-defects/upgrade_1.0.1_to_1.0.2/postgresql/README.txt

error[L001]: step directory `upgrade_1.0.2-to-1.0.3` is malformed: a step directory is named upgrade_<FROM>_to_<TO>
  --> fixtures/lint-defects/upgrade_1.0.2-to-1.0.3

error[L002]: patch file `2024-02-30-configurazionePdD-patch.sql` is misnamed: 2024-02-30 is not a calendar date
  --> fixtures/lint-defects/upgrade_1.0.x_to_1.1.0/postgresql/2024-02-30-configurazionePdD-patch.sql

error[L013]: `2024-01-10-configurazionePdD-patch.sql` has other bytes than `upgrade_1.0.0_to_1.0.1/postgresql/2024-01-10-configurazionePdD-patch.sql`: one name, two patches (an installation that ran one also runs the other)
  --> fixtures/lint-defects/upgrade_1.1.0_to_1.1.1/postgresql/2024-01-10-configurazionePdD-patch.sql

warning[L003]: area `fatturazione` is not in the built-in role table: its patches go to the config role unless a schema map names it
  --> fixtures/lint-defects/upgrade_1.1.0_to_1.1.1/postgresql/2024-04-01-fatturazione-patch.sql

error[L012]: baseline 1.0.1 disagrees with the postgresql patches: by content, 1.1.1 contains 1.0.2 of line 1.0; the sqlite patches disagree too
  --> fixtures/lint-defects/upgrade_1.1.1_to_1.1.2/baseline-version.txt

error[L021]: info-patch names version [1.1.1], not the step's target [1.1.2]
  --> fixtures/lint-defects/upgrade_1.1.1_to_1.1.2/info-patch.sql:1

error[L014]: `2024-06-01-registroServizi-patch.sql` holds the same bytes as `upgrade_1.0.1_to_1.0.2/postgresql/2023-12-01-registroServizi-patch.sql`: one patch under two names runs twice
  --> fixtures/lint-defects/upgrade_1.1.1_to_1.1.2/postgresql/2024-06-01-registroServizi-patch.sql

error[L017]: the bytes are not UTF-8: byte 0xe9 at line 1 does not decode
  --> fixtures/lint-defects/upgrade_1.1.1_to_1.1.2/postgresql/2024-06-02-runtimePdD-patch.sql:1

error[L022]: does not split into sqlite statements: unterminated block comment starting here
  --> fixtures/lint-defects/upgrade_1.1.1_to_1.1.2/sqlite/2024-06-02-runtimePdD-patch.sql:2

warning[L023]: holds no statement: every line is a comment or blank, so applying it changes nothing
  --> fixtures/lint-defects/upgrade_1.1.x_to_2.0.0/postgresql/2024-07-01-configurazionePdD-patch.sql

error[L016]: empty file
  --> fixtures/lint-defects/upgrade_1.1.x_to_2.0.0/sqlite/2024-07-01-configurazionePdD-patch.sql

error[L009]: line 1.5 ends at 1.5.1 with no crossing out (upgrade_1.5.x_to_...): its versions 1.5.0 to 1.5.1 cannot reach the newest version 2.0.2
  --> fixtures/lint-defects/upgrade_1.5.0_to_1.5.01

error[L007]: two steps lead into 1.5.1: `upgrade_1.5.0_to_1.5.01` and `upgrade_1.5.0_to_1.5.1`
  --> fixtures/lint-defects/upgrade_1.5.0_to_1.5.1

error[L005]: line 2.0 has a gap: no step leads into 2.0.1 (upgrade_2.0.0_to_2.0.1 is missing), so 2.0.0 cannot reach it
  --> fixtures/lint-defects/upgrade_2.0.1_to_2.0.2

error[L011]: baseline 1.1.9 is not a version of the tree
  --> fixtures/lint-defects/upgrade_2.0.1_to_2.0.2/baseline-version.txt

warning[L025]: sqlparser cannot parse this postgresql statement, which the database may still accept: expected: end of statement, found: increment
  --> fixtures/lint-defects/upgrade_2.0.1_to_2.0.2/postgresql/2024-08-01-configurazionePdD-patch.sql:1

error[L015]: broken link: `../../shared/2024-08-01-configurazionePdD.sql` does not exist
  --> fixtures/lint-defects/upgrade_2.0.1_to_2.0.2/sqlite/2024-08-01-configurazionePdD-patch.sql
"#;

fn lint(args: &[&str]) -> Run {
    let mut all = vec!["lint"];
    all.extend_from_slice(args);
    govup(&all)
}

#[test]
fn the_defect_fixture_fails_with_every_defect_once() {
    let run = lint(&["--dir", DEFECTS]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, DEFECTS_HUMAN);
    assert_eq!(
        run.stderr,
        "error: 19 error(s), 5 warning(s) in fixtures/lint-defects\n"
    );
}

#[test]
fn json_lists_the_same_diagnostics() {
    let run = lint(&["--dir", DEFECTS, "--format", "json"]);
    assert_eq!(run.code, 1);
    let v: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(v["format"], "govup-lint/1");
    assert_eq!(v["tree"], DEFECTS);
    assert_eq!(v["databases"], serde_json::json!(["postgresql", "sqlite"]));
    assert_eq!(
        (
            v["errors"].as_u64(),
            v["warnings"].as_u64(),
            v["notes"].as_u64()
        ),
        (Some(19), Some(5), Some(1))
    );
    let diagnostics = v["diagnostics"].as_array().unwrap();
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "L028", "L006", "L010", "L019", "L002", "L020", "L026", "L004", "L001", "L002", "L013",
            "L003", "L012", "L021", "L014", "L017", "L022", "L023", "L016", "L009", "L007", "L005",
            "L011", "L025", "L015"
        ]
    );
    assert_eq!(
        diagnostics[15],
        serde_json::json!({
            "code": "L017",
            "severity": "error",
            "path": "upgrade_1.1.1_to_1.1.2/postgresql/2024-06-02-runtimePdD-patch.sql",
            "line": 1,
            "message": "the bytes are not UTF-8: byte 0xe9 at line 1 does not decode",
        })
    );
}

#[test]
fn github_annotations_name_file_and_line() {
    let run = lint(&["--dir", DEFECTS, "--format", "github"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 25);
    assert_eq!(
        lines[0],
        "::notice title=L028 plans-not-checked::pairs of versions were not planned: the tree has structural errors (L001, L005 to L011) to fix first"
    );
    assert_eq!(
        lines[16],
        "::error file=fixtures/lint-defects/upgrade_1.1.1_to_1.1.2/sqlite/2024-06-02-runtimePdD-patch.sql,line=2,title=L022 split::does not split into sqlite statements: unterminated block comment starting here"
    );
    assert_eq!(
        lines[23],
        "::warning file=fixtures/lint-defects/upgrade_2.0.1_to_2.0.2/postgresql/2024-08-01-configurazionePdD-patch.sql,line=1,title=L025 parse::sqlparser cannot parse this postgresql statement, which the database may still accept: expected: end of statement, found: increment"
    );
}

#[test]
fn sarif_describes_every_rule_and_locates_every_result() {
    let run = lint(&["--dir", DEFECTS, "--format", "sarif"]);
    assert_eq!(run.code, 1);
    let v: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "govup-lint");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 35);
    assert_eq!(
        rules[4],
        serde_json::json!({
            "id": "L005",
            "name": "gap",
            "shortDescription": { "text": "a gap in a line" },
            "defaultConfiguration": { "level": "error" },
        })
    );
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 25);
    assert_eq!(
        results[13],
        serde_json::json!({
            "ruleId": "L021",
            "ruleIndex": 20,
            "level": "error",
            "message": { "text": "info-patch names version [1.1.1], not the step's target [1.1.2]" },
            "locations": [ { "physicalLocation": {
                "artifactLocation": { "uri": "fixtures/lint-defects/upgrade_1.1.1_to_1.1.2/info-patch.sql" },
                "region": { "startLine": 1 },
            } } ],
        })
    );
}

#[test]
fn a_clean_tree_exits_0_and_warnings_fail_only_when_denied() {
    let run = lint(&["--dir", "fixtures/interleaved"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "lint: 0 error(s), 0 warning(s) in fixtures/interleaved\n"
    );

    let run = lint(&["--dir", "sql-samples"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "lint: 0 error(s), 7 warning(s) in sql-samples\n"
    );
    let run = lint(&["--dir", "sql-samples", "--deny-warnings"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: 0 error(s), 7 warning(s) in sql-samples (--deny-warnings)\n"
    );
    assert_eq!(run.stdout.matches("warning[L025]").count(), 3);
    // The samples build four indexes on tables of earlier steps, without CONCURRENTLY.
    assert_eq!(run.stdout.matches("warning[L033]").count(), 4);
}

#[test]
fn bad_usage_is_exit_2() {
    let run = lint(&["--dir", "fixtures/nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: upgrade tree `fixtures/nope` does not exist"),
        "{}",
        run.stderr
    );
    let run = lint(&["--dir", DEFECTS, "--db", "oracle"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: upgrade tree `fixtures/lint-defects` has no oracle folder in any step\n"
    );
    assert_eq!(lint(&["--dir", DEFECTS, "--format", "xml"]).code, 2);
    assert_eq!(lint(&["--dir", DEFECTS, "--db", "mssql"]).code, 2);
}

#[test]
fn one_database_type_is_linted_alone() {
    let run = lint(&["--dir", DEFECTS, "--db", "sqlite", "--format", "json"]);
    assert_eq!(run.code, 1);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["databases"], serde_json::json!(["sqlite"]));
    assert_eq!(
        (v["errors"].as_u64(), v["warnings"].as_u64()),
        (Some(15), Some(2))
    );
}

#[test]
fn the_released_govway_tree_passes() {
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let dir = tree.display().to_string();
    let run = lint(&["--dir", &dir, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (
            v["errors"].as_u64(),
            v["warnings"].as_u64(),
            v["notes"].as_u64()
        ),
        (Some(0), Some(266), Some(1))
    );
    assert_eq!(
        run.stderr,
        format!("lint: 0 error(s), 266 warning(s) in {dir}\n")
    );
    let run = lint(&["--dir", &dir, "--format", "github"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.starts_with("::error"))
            .count(),
        0
    );
}
