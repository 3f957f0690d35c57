//! `govup rehearse`: the upgrade on a throwaway copy, reported per step.

use crate::apply_cmd::{apply_failure, observer, options, Setup};
use crate::cli::{ApplyArgs, OutputFormat};
use crate::connect;
use crate::failure::Failure;
use govup_engine::{rehearse, Connections, Outcome, Report};
use serde_json::json;
use std::collections::BTreeMap;

pub fn run(args: &ApplyArgs) -> anyhow::Result<()> {
    let setup = Setup::new(args)?;
    let job = setup.job(args);
    let opts = options(args);
    let mut originals = Connections::open(
        &setup.inst.url,
        &setup.inst.map,
        &mut setup.access.connector(connect::Kind::Existing),
    )
    .map_err(apply_failure)?;
    let json_out = matches!(args.format, OutputFormat::Json);
    let mut obs = observer(args, json_out)?;
    let r = rehearse(
        &job,
        &mut originals,
        &mut setup.access.connector(connect::Kind::Create),
        &opts,
        &mut obs,
    )
    .map_err(apply_failure)?;
    drop(obs);
    let steps = match &r.result {
        Ok(report) => per_step(report),
        Err(_) => vec![],
    };
    let failure = r
        .result
        .as_ref()
        .err()
        .map(|e| govup_engine::url::redact(&e.to_string()));
    if json_out {
        let doc = json!({
            "format": "govup-rehearse/1",
            "copies": r.copies,
            "ok": failure.is_none(),
            "steps": steps.iter().map(|(dir, n, stmts, ms)| json!({"dir": dir, "patches": n, "statements": stmts, "duration_ms": ms})).collect::<Vec<_>>(),
            "error": failure,
            "left_behind": r.left_behind,
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        outln!("rehearsed on {} (dropped afterwards)", r.copies.join(", "));
        for (dir, n, stmts, ms) in &steps {
            outln!("  {dir}: {n} patch(es), {stmts} statement(s), {ms} ms");
        }
        if failure.is_none() {
            outln!("rehearsal succeeded: the upgrade would run cleanly");
        }
    }
    for left in &r.left_behind {
        errln!("warning: a copy could not be dropped: {left}");
    }
    match r.result {
        Ok(_) => Ok(()),
        Err(e) => {
            let mut failure: Failure = apply_failure(e);
            failure.headline = format!("rehearsal failed: {}", failure.headline);
            // Rollback and resume advice are about the copy, which is gone.
            failure.details = vec!["the original database was not touched".into()];
            Err(if json_out {
                failure.json_printed()
            } else {
                failure
            }
            .into())
        }
    }
}

/// (step, patches run, statements, milliseconds) in route order.
fn per_step(report: &Report) -> Vec<(String, usize, usize, u128)> {
    let mut acc: BTreeMap<usize, (usize, usize, u128)> = BTreeMap::new();
    for p in &report.patches {
        let e = acc.entry(p.step).or_default();
        if let Outcome::Applied {
            statements,
            duration,
        }
        | Outcome::Resumed {
            statements,
            duration,
            ..
        } = &p.outcome
        {
            e.0 += 1;
            e.1 += statements;
            e.2 += duration.as_millis();
        }
    }
    acc.into_iter()
        .filter_map(|(i, (n, s, ms))| {
            let dir = &report.plan.steps.get(i)?.planned.dir;
            Some((dir.clone(), n, s, ms))
        })
        .collect()
}
