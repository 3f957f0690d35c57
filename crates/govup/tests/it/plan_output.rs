//! What `govup plan` prints: the table, the JSON contract, schema maps and skipped roles.

use crate::support::{fixture, govup, json, workspace};
use serde_json::json;

fn write_map(name: &str, text: &str) -> String {
    let dir = workspace().join("target/test-maps");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn two_schemas_as_in_the_seed() {
    let map = write_map(
        "two-schemas.toml",
        "db = \"sqlite\"\n[schemas]\nruntime = \"GOVWAY_SCHEMA\"\ntracing = \"GOVWAY_SCHEMA\"\nstatistics = \"GOVWAY_SCHEMA\"\nconfig = \"GOVWAY_CONFIG_SCHEMA\"\n",
    );
    let p = json(&govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--schema-map",
        &map,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
        "--format",
        "json",
    ]));
    let step = &p["steps"][0];
    let placed: Vec<(String, String)> = step["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["area"].as_str().unwrap().into(),
                p["schema"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        placed,
        [
            (
                "configurazionePdD".to_string(),
                "GOVWAY_CONFIG_SCHEMA".to_string()
            ),
            ("runtimePdD".to_string(), "GOVWAY_SCHEMA".to_string())
        ]
    );
    assert_eq!(
        step["info_patch"]["schemas"],
        json!(["GOVWAY_SCHEMA", "GOVWAY_CONFIG_SCHEMA"])
    );
}

#[test]
fn skipped_roles_are_listed_as_skipped() {
    let p = json(&govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--db",
        "sqlite",
        "--from",
        "1.0.0",
        "--to",
        "1.0.3",
        "--skip-role",
        "statistics",
        "--format",
        "json",
    ]));
    let stats = &p["steps"][2]["patches"][0];
    assert_eq!(stats["area"], "informazioniStatistiche");
    assert_eq!(stats["action"], "skip");
    assert_eq!(stats["reason"], "role_skipped");
    assert_eq!(p["steps"][2]["info_patch"]["schemas"], json!([null]));
}

#[test]
fn unknown_areas_go_to_config_with_a_warning() {
    let map = write_map("area.toml", "[areas]\nruntimePdD = \"tracing\"\n");
    let p = json(&govup(&[
        "plan",
        "--dir",
        &workspace().join("sql-samples").display().to_string(),
        "--db",
        "sqlite",
        "--schema-map",
        &map,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
        "--format",
        "json",
    ]));
    let runtime = p["steps"][0]["patches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["area"] == "runtimePdD")
        .unwrap()
        .clone();
    assert_eq!(
        runtime["role"], "tracing",
        "the map overrides the built-in table"
    );
    assert_eq!(p["warnings"], json!([]));
}

#[test]
fn an_invalid_map_is_exit_2_naming_the_file() {
    let map = write_map("bad.toml", "[schemas]\nstats = \"x\"\n");
    let run = govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--db",
        "sqlite",
        "--schema-map",
        &map,
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("bad.toml` is invalid: in [schemas]: unknown role `stats`"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_empty_plan_says_already_there() {
    let run = govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--db",
        "sqlite",
        "--from",
        "1.0.3",
        "--to",
        "1.0.3",
    ]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "plan for sqlite: 1.0.3 -> 1.0.3\nalready at 1.0.3: nothing to do\n"
    );
    let p = json(&govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--db",
        "sqlite",
        "--from",
        "1.0.3",
        "--to",
        "1.0.3",
        "--format",
        "json",
    ]));
    assert_eq!(p["steps"], json!([]));
}

#[test]
fn the_table_lists_every_patch_with_reasons_and_a_summary() {
    let run = govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--db",
        "sqlite",
        "--from",
        "1.0.2",
        "--to",
        "1.1.2",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "\
plan for sqlite: 1.0.2 -> 1.1.2
┌────────────────────────┬──────────────────────────────────────────────┬─────────────────────────┬────────────┬───────────┬────────┬───────────────────────────────────────────┐
│ step                   ┆ patch                                        ┆ area                    ┆ role       ┆ schema    ┆ action ┆ reason                                    │
╞════════════════════════╪══════════════════════════════════════════════╪═════════════════════════╪════════════╪═══════════╪════════╪═══════════════════════════════════════════╡
│ upgrade_1.0.2_to_1.0.3 ┆ 2024-05-01-informazioniStatistiche-patch.sql ┆ informazioniStatistiche ┆ statistics ┆ (default) ┆ apply  ┆                                           │
│                        ┆ info-patch.sql                               ┆ -                       ┆ -          ┆ (default) ┆ apply  ┆                                           │
│ upgrade_1.0.x_to_1.1.0 ┆ 2024-02-01-configurazionePdD-patch.sql       ┆ configurazionePdD       ┆ config     ┆ (default) ┆ apply  ┆                                           │
│                        ┆ 2024-02-01-registroServizi-patch.sql         ┆ registroServizi         ┆ config     ┆ (default) ┆ apply  ┆                                           │
│                        ┆ info-patch.sql                               ┆ -                       ┆ -          ┆ (default) ┆ apply  ┆                                           │
│ upgrade_1.1.0_to_1.1.1 ┆ 2024-03-01-archiviComunicazioni-patch.sql    ┆ archiviComunicazioni    ┆ tracing    ┆ (default) ┆ skip   ┆ in start version 1.0.2                    │
│                        ┆ 2024-04-01-configurazionePdD-patch.sql       ┆ configurazionePdD       ┆ config     ┆ (default) ┆ apply  ┆                                           │
│                        ┆ info-patch.sql                               ┆ -                       ┆ -          ┆ (default) ┆ apply  ┆                                           │
│ upgrade_1.1.1_to_1.1.2 ┆ 2024-05-01-informazioniStatistiche-patch.sql ┆ informazioniStatistiche ┆ statistics ┆ (default) ┆ skip   ┆ applied earlier by upgrade_1.0.2_to_1.0.3 │
│                        ┆ info-patch.sql                               ┆ -                       ┆ -          ┆ (default) ┆ apply  ┆                                           │
└────────────────────────┴──────────────────────────────────────────────┴─────────────────────────┴────────────┴───────────┴────────┴───────────────────────────────────────────┘
4 step(s): 4 patch(es) to apply, 2 skipped, 4 info-patch(es)
";
    assert_eq!(run.stdout, expected);
}
