//! `govup history`: every row of `govup_history` in every schema of the installation, in run
//! order, with the repairs made to them. Read-only: it never creates a table or a database.

use crate::access::Access;
use crate::apply_cmd::apply_failure;
use crate::cli::{HistoryArgs, OutputFormat};
use crate::failure::Failure;
use crate::{connect, tables, target};
use govup_engine::history::{Row, Table};
use govup_engine::{ApplyError, Connections};
use govup_schema_map::Target;
use serde_json::json;

pub fn run(args: &HistoryArgs) -> anyhow::Result<()> {
    let inst = target::installation(&args.target, &[])?;
    let access = Access::new(&args.access, Some(&inst.map))?;
    let mut conns = Connections::open(
        &inst.url,
        &inst.map,
        &mut access.connector(connect::Kind::ReadOnly),
    )
    .map_err(apply_failure)?;
    let describe = conns.main().driver.describe();
    let mut rows: Vec<(Target, Row)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    for target in inst.map.info_patch_targets() {
        let conn = conns.for_target(&target);
        let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
        let read = table.columns(conn.driver.as_mut()).and_then(|columns| {
            if columns.is_empty() {
                Ok(None)
            } else {
                table.read(conn.driver.as_mut()).map(Some)
            }
        });
        match read.map_err(|error| {
            apply_failure(ApplyError::History {
                conn: conn.driver.describe(),
                error,
            })
        })? {
            Some(found) => rows.extend(found.into_iter().map(|r| (target.clone(), r))),
            None => missing.push(schema_label(&target)),
        }
    }
    if rows.is_empty()
        && !missing.is_empty()
        && missing.len() == inst.map.info_patch_targets().len()
    {
        return Err(Failure::failed(format_args!(
            "{describe} has no govup_history table in {}",
            missing.join(", ")
        ))
        .with_details(["govup apply creates it on its first write; nothing was created".into()])
        .into());
    }
    // Run order: when each started. Stable, so rows written together (one transaction's
    // patches share a start time) keep the order the table holds them in.
    rows.sort_by(|(_, a), (_, b)| a.started_at.cmp(&b.started_at));
    match args.format {
        OutputFormat::Json => out!("{}", render_json(&describe, &rows, &missing)?),
        OutputFormat::Table => out!("{}", render_table(&describe, &rows, &missing)),
    }
    Ok(())
}

fn schema_label(t: &Target) -> String {
    t.schema.clone().unwrap_or_else(|| "(default)".into())
}

fn render_json(
    describe: &str,
    rows: &[(Target, Row)],
    missing: &[String],
) -> anyhow::Result<String> {
    let doc = json!({
        "format": "govup-history/1",
        "database": describe,
        "schemas_without_history": missing,
        "rows": rows.iter().map(|(t, r)| json!({
            "schema": t.schema,
            "step": r.step_dir,
            "path": r.patch_path,
            "kind": r.kind.as_str(),
            "role": r.role_name,
            "version": r.target_version,
            "sha256": r.sha256,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "duration_ms": r.duration_ms,
            "statements_total": r.statements_total,
            "statements_done": r.statements_done,
            "status": r.status.as_str(),
            "error": r.error_text,
            "govup_version": r.govup_version,
            "repair": r.repair.as_ref().map(|p| json!({
                "action": p.action.as_str(),
                "at": p.at,
                "by": p.by,
                "reason": p.reason,
            })),
        })).collect::<Vec<_>>(),
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

fn render_table(describe: &str, rows: &[(Target, Row)], missing: &[String]) -> String {
    let mut out =
        tables::wrap_line(&format!("history of {describe}: {} row(s)", rows.len())) + "\n";
    for m in missing {
        out += &format!(
            "{}\n",
            tables::wrap_line(&format!("no govup_history table in {m}"))
        );
    }
    if rows.is_empty() {
        return out;
    }
    let several = rows.iter().any(|(t, _)| t.schema != rows[0].0.schema);
    let mut table = tables::new_table();
    let mut header = vec!["started", "patch", "version", "ms", "result", "govup"];
    if several {
        header.insert(1, "schema");
    }
    table.set_header(header);
    for (t, r) in rows {
        let mut result = r.status.as_str().to_string();
        if matches!(r.status.as_str(), "partial" | "failed") {
            result += &format!(" ({}/{})", r.statements_done, r.statements_total);
        }
        if let Some(p) = &r.repair {
            result += &format!(
                "\n{} by {} at {}: {}",
                p.action.as_str(),
                p.by,
                p.at,
                p.reason
            );
        }
        let mut cells = vec![
            r.started_at.clone(),
            r.patch_path.clone(),
            r.target_version.clone(),
            r.duration_ms.map_or("-".into(), |d| d.to_string()),
            result,
            r.govup_version.clone(),
        ];
        if several {
            cells.insert(1, schema_label(t));
        }
        table.add_row(cells);
    }
    out += &table.to_string();
    out.push('\n');
    out
}
