//! The spec's worked examples on GovWay's real tree, and every start version against an
//! independent model of GovWay's own script builder.

use crate::support::{govup, json};
use govup_testkit::corpus;
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

const TREE: &str = "govway/resources/sql_upgrade";

fn plan(tree: &Path, db: &str, from: &str, to: &str) -> Value {
    json(&govup(&[
        "plan",
        "--dir",
        &tree.display().to_string(),
        "--db",
        db,
        "--from",
        from,
        "--to",
        to,
        "--format",
        "json",
    ]))
}

/// Each step as `dir apply,apply,skip:applied_earlier:by`.
fn summary(plan: &Value) -> Vec<String> {
    plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let actions: Vec<String> = s["patches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| match (p["action"].as_str(), p["reason"].as_str()) {
                    (Some("apply"), _) => "apply".to_string(),
                    (_, Some("applied_earlier")) => {
                        format!("skip:applied_earlier:{}", p["applied_by"].as_str().unwrap())
                    }
                    (_, Some(reason)) => format!("skip:{reason}"),
                    other => panic!("{other:?}"),
                })
                .collect();
            format!("{} {}", s["dir"].as_str().unwrap(), actions.join(","))
        })
        .collect()
}

#[test]
fn seed_example_3_3_17_to_3_4_1() {
    let Some(tree) = corpus(TREE) else { return };
    let p = plan(&tree, "postgresql", "3.3.17", "3.4.1");
    let earlier = "skip:applied_earlier:upgrade_3.3.17_to_3.3.18";
    assert_eq!(
        summary(&p),
        [
            "upgrade_3.3.17_to_3.3.18 apply,apply,apply".to_string(),
            "upgrade_3.3.x_to_3.4.0 apply,apply,apply,apply".to_string(),
            format!("upgrade_3.4.0_to_3.4.1 {earlier},{earlier},{earlier}"),
        ]
    );
    assert_eq!(p["format"], "govup-plan/1");
    assert_eq!(p["from_level"], "3.3.17");
    let first = &p["steps"][0]["patches"][0];
    assert_eq!(first["file"], "2025-08-05-archiviComunicazioni-patch.sql");
    assert_eq!(
        first["path"],
        "upgrade_3.3.17_to_3.3.18/postgresql/2025-08-05-archiviComunicazioni-patch.sql"
    );
    assert_eq!(first["area"], "archiviComunicazioni");
    assert_eq!(first["role"], "tracing");
    assert_eq!(first["schema"], Value::Null);
    assert_eq!(first["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        p["steps"][0]["info_patch"]["path"],
        "upgrade_3.3.17_to_3.3.18/info-patch.sql"
    );
    assert_eq!(
        p["steps"][0]["info_patch"]["schemas"],
        serde_json::json!([null])
    );
}

#[test]
fn seed_examples_from_3_3_18_and_3_4_0_and_3_2_0() {
    let Some(tree) = corpus(TREE) else { return };
    let start = "skip:in_start_version";
    assert_eq!(
        summary(&plan(&tree, "postgresql", "3.3.18", "3.4.1")),
        [
            "upgrade_3.3.x_to_3.4.0 apply,apply,apply,apply".to_string(),
            format!("upgrade_3.4.0_to_3.4.1 {start},{start},{start}"),
        ]
    );
    assert_eq!(
        summary(&plan(&tree, "postgresql", "3.4.0", "3.4.1")),
        ["upgrade_3.4.0_to_3.4.1 apply,apply,apply"]
    );
    let dirs: Vec<String> = summary(&plan(&tree, "postgresql", "3.2.0", "3.3.1"))
        .into_iter()
        .map(|s| s.split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        dirs,
        [
            "upgrade_3.2.0_to_3.2.1",
            "upgrade_3.2.1_to_3.2.2",
            "upgrade_3.2.x_to_3.3.0",
            "upgrade_3.3.0_to_3.3.1"
        ]
    );
}

/// The bytes a patch finally names, through symlinks or link stubs.
fn bytes(patch: &Path) -> Vec<u8> {
    let folder = std::fs::canonicalize(patch.parent().unwrap()).unwrap();
    let root = govup_planner::link::find_link_root(&folder);
    let reader =
        govup_planner::link::Reader::new(&root, govup_planner::link::DEFAULT_MAX_FILE_SIZE)
            .unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    reader
        .read_through_links(patch)
        .unwrap_or_else(|e| panic!("{}: {e}", patch.display()))
        .bytes
}

/// GovWay's script builder, modelled independently of the planner: from the start version it
/// walks every minor step to the end of its line, crosses, walks the next line, and so on to the
/// newest version, skipping bytes it has seen. It has seen what the start's own line applied up
/// to the start.
fn script_builder(tree: &Path, db: &str, from: (u32, u32, u32)) -> Vec<String> {
    let mut steps: Vec<(u32, u32, u32, String)> = Vec::new();
    for entry in std::fs::read_dir(tree).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("upgrade_") else {
            continue;
        };
        let (f, _) = rest.split_once("_to_").unwrap();
        let n: Vec<&str> = f.split('.').collect();
        let minor = if n[2] == "x" {
            u32::MAX
        } else {
            n[2].parse().unwrap()
        };
        steps.push((n[0].parse().unwrap(), n[1].parse().unwrap(), minor, name));
    }
    steps.sort();
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    let mut out = Vec::new();
    for (p, m, minor, dir) in steps {
        let same_line = (p, m) == (from.0, from.1);
        let before = (p, m) < (from.0, from.1) || (same_line && minor < from.2);
        let folder = tree.join(&dir).join(db);
        let mut files: Vec<String> = match std::fs::read_dir(&folder) {
            Ok(rd) => rd
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => vec![],
        };
        files.sort();
        for file in files {
            let content = bytes(&folder.join(&file));
            if before {
                if same_line {
                    seen.insert(content);
                }
                continue;
            }
            if seen.insert(content) {
                out.push(format!("{dir}/{db}/{file}"));
            }
        }
    }
    out
}

#[test]
fn every_start_to_the_newest_applies_what_the_script_builder_concatenates() {
    let Some(tree) = corpus(TREE) else { return };
    let graph = govup(&[
        "graph",
        "--dir",
        &tree.display().to_string(),
        "--format",
        "mermaid",
    ]);
    let mut versions: Vec<(u32, u32, u32)> = graph
        .stdout
        .lines()
        .filter_map(|l| {
            l.split_once("[\"")?
                .1
                .split_once("\"]")
                .map(|(v, _)| v.to_string())
        })
        .filter(|v| !v.ends_with(".x"))
        .map(|v| {
            let n: Vec<u32> = v.split('.').map(|x| x.parse().unwrap()).collect();
            (n[0], n[1], n[2])
        })
        .collect();
    versions.sort();
    assert_eq!(
        versions.len(),
        32,
        "31 steps from 3.0.0 lead to 32 versions"
    );
    let mut checked = 0;
    for db in ["postgresql", "mysql", "oracle"] {
        for &(p, m, n) in &versions {
            let from = format!("{p}.{m}.{n}");
            let planned = plan(&tree, db, &from, "3.4.3");
            let applied: Vec<String> = planned["steps"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s["patches"].as_array().unwrap().clone())
                .filter(|p| p["action"] == "apply")
                .map(|p| p["path"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(
                applied,
                script_builder(&tree, db, (p, m, n)),
                "{db} from {from}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 96);
}

#[test]
fn lateral_3_3_20_to_3_4_2_is_refused_naming_the_patch_and_3_4_3() {
    let Some(tree) = corpus(TREE) else { return };
    let run = govup(&[
        "plan",
        "--dir",
        &tree.display().to_string(),
        "--db",
        "postgresql",
        "--from",
        "3.3.20",
        "--to",
        "3.4.2",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    // Under --format json a refused plan is the error object on stdout, no plan.
    let err: Value = serde_json::from_str(&run.stdout).expect("one error object");
    assert_eq!(err["format"], "govup-error/1");
    assert_eq!(err["exit_code"], 1);
    assert_eq!(
        err["error"],
        "refusing a lateral move from 3.3.20 to 3.4.2: the database holds 1 patch(es) that 3.4.2 does not; the lowest version that contains them all is 3.4.3"
    );
    assert!(
        err["details"][0]
            .as_str()
            .unwrap()
            .contains("2026-06-04-archiviComunicazioni-patch.sql"),
        "{err}"
    );
}

#[test]
fn planning_the_real_tree_in_table_form() {
    let Some(tree) = corpus(TREE) else { return };
    let run = govup(&[
        "plan",
        "--dir",
        &tree.display().to_string(),
        "--db",
        "postgresql",
        "--from",
        "3.3.17",
        "--to",
        "3.4.1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .starts_with("plan for postgresql: 3.3.17 -> 3.4.1\n"));
    assert!(run
        .stdout
        .contains("applied earlier by upgrade_3.3.17_to_3.3.18"));
    assert!(run
        .stdout
        .ends_with("3 step(s): 7 patch(es) to apply, 3 skipped, 3 info-patch(es)\n"));
}
