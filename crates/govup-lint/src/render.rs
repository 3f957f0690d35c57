//! The four output formats: a compiler's (`human`), JSON (`govup-lint/1`), GitHub workflow
//! commands (annotations on the pull request) and SARIF 2.1.0 (code-scanning upload).

use crate::{rules, Diagnostic, Report, Severity};
use serde::Serialize;
use serde_json::json;

/// The file a diagnostic names, below the tree as the caller named it; the tree itself for a
/// diagnostic about the whole tree.
fn shown_path(report: &Report, d: &Diagnostic) -> String {
    let root = report.root.display().to_string();
    let root = match root.trim_end_matches('/') {
        "" => root.as_str(),
        trimmed => trimmed,
    };
    if d.path.is_empty() {
        root.to_string()
    } else {
        format!("{root}/{}", d.path)
    }
}

/// `error[L005]: message` then `  --> path:line`, one blank line between diagnostics.
pub fn render_human(report: &Report) -> String {
    let blocks: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut at = shown_path(report, d);
            if let Some(line) = d.line {
                at += &format!(":{line}");
            }
            format!("{}[{}]: {}\n  --> {at}\n", d.severity, d.code, d.message)
        })
        .collect();
    blocks.join("\n")
}

#[derive(Serialize)]
struct JsonReport<'r> {
    format: &'static str,
    tree: String,
    databases: Vec<String>,
    errors: usize,
    warnings: usize,
    notes: usize,
    diagnostics: Vec<JsonDiagnostic<'r>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'r> {
    code: &'static str,
    severity: &'static str,
    path: &'r str,
    line: Option<u32>,
    message: &'r str,
}

/// One `govup-lint/1` object: paths relative to `tree`, `path` empty for the whole tree.
pub fn render_json(report: &Report) -> String {
    let out = JsonReport {
        format: "govup-lint/1",
        tree: report.root.display().to_string(),
        databases: report.databases.iter().map(|d| d.to_string()).collect(),
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        notes: report.count(Severity::Note),
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.code,
                severity: d.severity.name(),
                path: &d.path,
                line: d.line,
                message: &d.message,
            })
            .collect(),
    };
    // Serializing plain strings and numbers cannot fail.
    serde_json::to_string_pretty(&out).unwrap_or_default() + "\n"
}

/// GitHub Actions workflow commands: `::error file=PATH,line=N,title=L005 gap::message`.
pub fn render_github(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if !d.path.is_empty() {
            props.push(format!("file={}", escape_property(&shown_path(report, d))));
        }
        if let Some(line) = d.line {
            props.push(format!("line={line}"));
        }
        let name = d.rule().map_or("", |r| r.name);
        props.push(format!(
            "title={}",
            escape_property(&format!("{} {name}", d.code))
        ));
        out += &format!(
            "::{level} {}::{}\n",
            props.join(","),
            escape_data(&d.message)
        );
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// SARIF 2.1.0, one run, every rule described, one result per diagnostic. A diagnostic about
/// the whole tree is located at the tree's directory.
pub fn render_sarif(report: &Report) -> String {
    let rules_json: Vec<_> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": r.severity.name() },
            })
        })
        .collect();
    let results: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut location = json!({
                "artifactLocation": { "uri": uri(&shown_path(report, d)) },
            });
            if let Some(line) = d.line {
                location["region"] = json!({ "startLine": line });
            }
            let index = rules::ALL.iter().position(|r| r.code == d.code);
            json!({
                "ruleId": d.code,
                "ruleIndex": index,
                "level": d.severity.name(),
                "message": { "text": d.message },
                "locations": [ { "physicalLocation": location } ],
            })
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [ {
            "tool": { "driver": {
                "name": "govup-lint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules_json,
            } },
            "results": results,
        } ],
    });
    serde_json::to_string_pretty(&sarif).unwrap_or_default() + "\n"
}

/// A path as a URI reference: relative paths stay relative, absolute ones become `file://`.
fn uri(path: &str) -> String {
    let mut out = String::new();
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out += &format!("%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Diagnostic;
    use std::path::PathBuf;

    fn report() -> Report {
        Report {
            root: PathBuf::from("tree/"),
            databases: vec![govup_planner::DbType::Postgresql],
            diagnostics: vec![
                Diagnostic::new(&rules::NO_SPLITTER, "", "no splitter for hsql"),
                Diagnostic::new(&rules::SPLIT, "s/postgresql/a b.sql", "bad, 100%: x\ny")
                    .at_line(Some(3)),
            ],
        }
    }

    #[test]
    fn human_is_a_compilers() {
        assert_eq!(
            render_human(&report()),
            "note[L024]: no splitter for hsql\n  --> tree\n\nerror[L022]: bad, 100%: x\ny\n  --> tree/s/postgresql/a b.sql:3\n"
        );
    }

    #[test]
    fn github_escapes_data_and_properties() {
        assert_eq!(
            render_github(&report()),
            "::notice title=L024 no-splitter::no splitter for hsql\n::error file=tree/s/postgresql/a b.sql,line=3,title=L022 split::bad, 100%25: x%0Ay\n"
        );
    }

    #[test]
    fn sarif_has_rules_and_located_results() {
        let v: serde_json::Value = serde_json::from_str(&render_sarif(&report())).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            rules::ALL.len()
        );
        assert_eq!(run["results"][1]["ruleId"], "L022");
        assert_eq!(run["results"][1]["ruleIndex"], 21);
        assert_eq!(
            run["results"][1]["locations"][0]["physicalLocation"],
            json!({ "artifactLocation": { "uri": "tree/s/postgresql/a%20b.sql" }, "region": { "startLine": 3 } })
        );
        assert_eq!(
            run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "tree"
        );
        assert_eq!(uri("/abs/x y"), "file:///abs/x%20y");
    }

    #[test]
    fn json_counts_and_lists() {
        let v: serde_json::Value = serde_json::from_str(&render_json(&report())).unwrap();
        assert_eq!(v["format"], "govup-lint/1");
        assert_eq!(
            (v["errors"].as_u64(), v["notes"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(v["diagnostics"][1]["line"], 3);
        assert_eq!(v["diagnostics"][0]["path"], "");
    }
}
