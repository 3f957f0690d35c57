//! `govup status`: the version a database says it is at, and what is pending in a tree.

use crate::access::Access;
use crate::apply_cmd::apply_failure;
use crate::cli::{OutputFormat, StatusArgs, ToVersion};
use crate::failure::Failure;
use crate::{connect, target, tree_input};
use govup_engine::status::pending_to;
use govup_engine::{status, Connections, Source};
use govup_planner::Version;
use serde_json::json;

pub fn run(args: &StatusArgs) -> anyhow::Result<()> {
    let inst = target::installation(&args.target, &[])?;
    let access = Access::new(&args.access, Some(&inst.map))?;
    let mut conns = Connections::open(
        &inst.url,
        &inst.map,
        &mut access.connector(connect::Kind::Existing),
    )
    .map_err(apply_failure)?;
    let st = status(&mut conns, &inst.map).map_err(apply_failure)?;
    let loaded = match args.dir.as_ref().or(inst.map.dir.as_ref()) {
        Some(dir) => Some(tree_input::load_for(dir, inst.db, &args.read)?),
        None => None,
    };
    // The version the database should be at: --to, else the tree's newest.
    let wanted: Option<Version> = match (&args.to, &loaded) {
        (Some(ToVersion::Exactly(v)), _) => Some(v.clone()),
        (_, Some(loaded)) => loaded.newest(),
        _ => None,
    };
    let pending: Option<Vec<String>> = match (&loaded, &st.version) {
        (Some(loaded), Some((version, _))) => {
            let to = wanted.clone().unwrap_or_else(|| version.clone());
            Some(pending_to(loaded, inst.db, version, &to).map_err(crate::plan_cmd::plan_failure)?)
        }
        _ => None,
    };
    let drift = match &loaded {
        Some(loaded) => crate::drift::check(&loaded.tree, inst.db, &st.applied_rows),
        None => vec![],
    };
    let at_wanted = match (&st.version, &wanted) {
        (Some((v, _)), Some(w)) => v == w,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let up_to_date = at_wanted && st.unfinished.is_empty() && drift.is_empty();
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
                "wanted_version": wanted.as_ref().map(|v| v.to_string()),
                "drift": drift.iter().map(|d| d.to_json()).collect::<Vec<_>>(),
                "up_to_date": up_to_date,
            });
            outln!("{}", serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Table => {
            match &st.version {
                Some((v, s)) => outln!(
                    "{}",
                    crate::tables::wrap_line(&format!("{describe} is at {v} (from {})", source(s)))
                ),
                None => outln!(
                    "{}",
                    crate::tables::wrap_line(&govup_engine::unknown_why(&describe, st.recorded))
                ),
            }
            for (t, r) in &st.unfinished {
                let line = format!(
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
                outln!("{}", crate::tables::wrap_line(&line));
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
            for d in &drift {
                outln!("{}", crate::tables::wrap_line(&format!("drift: {d}")));
            }
        }
    }
    if args.exit_code && !up_to_date {
        let mut why = Vec::new();
        match (&st.version, &wanted) {
            (None, _) => why.push("its version is unknown".to_string()),
            (Some((v, _)), Some(w)) if v != w => why.push(format!("it is at {v}, not {w}")),
            _ => {}
        }
        if !st.unfinished.is_empty() {
            why.push(format!(
                "{} patch(es) failed or partial",
                st.unfinished.len()
            ));
        }
        if !drift.is_empty() {
            why.push(format!(
                "{} applied patch(es) drifted from the tree",
                drift.len()
            ));
        }
        // What is wrong was printed above; the exit code is the answer (like `git diff --exit-code`).
        return Err(Failure::failed(format_args!(
            "{describe} is not up to date: {}",
            why.join(", ")
        ))
        .json_printed()
        .into());
    }
    Ok(())
}
