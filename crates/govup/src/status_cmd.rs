//! `govup status`: the version a database says it is at, and what is pending in a tree.

use crate::apply_cmd::apply_failure;
use crate::cli::{OutputFormat, StatusArgs};
use crate::{connect, target, tree_input};
use govup_engine::{pending, status, Connections, Source};
use serde_json::json;

pub fn run(args: &StatusArgs) -> anyhow::Result<()> {
    let inst = target::resolve(args.url.as_deref(), args.schema_map.as_ref(), args.db, &[])?;
    let mut conns = Connections::open(&inst.url, &inst.map, &mut connect::connect_existing)
        .map_err(apply_failure)?;
    let st = status(&mut conns, &inst.map).map_err(apply_failure)?;
    let pending: Option<Vec<String>> = match (&args.dir, &st.version) {
        (Some(dir), Some((version, _))) => {
            let loaded = tree_input::load_for(dir, inst.db, &args.read)?;
            Some(pending(&loaded, inst.db, version).map_err(crate::plan_cmd::plan_failure)?)
        }
        _ => None,
    };
    let source = |s: &Source| match s {
        Source::History => "govup_history",
        Source::DbInfo => "db_info",
        Source::Given => "given",
    };
    let describe = conns.main().driver.describe();
    match args.format {
        OutputFormat::Json => {
            let doc = json!({
                "format": "govup-status/1",
                "database": describe,
                "db": inst.db.to_string(),
                "version": st.version.as_ref().map(|(v, _)| v.to_string()),
                "source": st.version.as_ref().map(|(_, s)| source(s)),
                "applied": st.applied,
                "unfinished": st.unfinished.iter().map(|(t, r)| json!({
                    "path": r.patch_path, "schema": t.schema, "status": r.status.as_str(),
                    "statements_done": r.statements_done, "statements_total": r.statements_total,
                    "error": r.error_text,
                })).collect::<Vec<_>>(),
                "pending_steps": pending,
            });
            outln!("{}", serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Table => {
            match &st.version {
                Some((v, s)) => outln!("{describe} is at {v} (from {})", source(s)),
                None => outln!("{}", govup_engine::unknown_why(&describe, st.recorded)),
            }
            for (t, r) in &st.unfinished {
                outln!(
                    "unfinished: {} in {}: {} ({} of {} statements){}",
                    r.patch_path,
                    t.schema.as_deref().unwrap_or("(default)"),
                    r.status.as_str(),
                    r.statements_done,
                    r.statements_total,
                    r.error_text
                        .as_deref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                );
            }
            match &pending {
                Some(steps) if steps.is_empty() => outln!("up to date with the tree"),
                Some(steps) => {
                    outln!(
                        "{} step(s) pending to the newest version of the tree:",
                        steps.len()
                    );
                    for s in steps {
                        outln!("  {s}");
                    }
                }
                None => {}
            }
        }
    }
    Ok(())
}
