//! `govup verify`: compare a database's catalog with another database or with install scripts.

use crate::access::Access;
use crate::apply_cmd::apply_failure;
use crate::cli::{OutputFormat, VerifyArgs};
use crate::connect;
use crate::failure::Failure;
use govup_engine::url::redact;
use govup_engine::verify::{catalog_of, catalog_of_scripts};
use govup_engine::{diff, ApplyError, Difference};
use serde_json::json;

pub fn run(args: &VerifyArgs) -> anyhow::Result<()> {
    let access = Access::new(&args.access, None)?;
    let connect_to = |url: &str| {
        crate::target::type_of(url)?;
        connect::check(url).map_err(|e| Failure::usage(e.message))?;
        access.open(connect::Kind::Existing, url).map_err(|error| {
            apply_failure(ApplyError::Connect {
                url: redact(url),
                error,
            })
        })
    };
    let mut left = connect_to(&args.url)?;
    let schema = args.schema.as_deref();
    let ours = catalog_of(left.as_mut(), schema).map_err(apply_failure)?;
    let (theirs, label) = match &args.against {
        Some(url) => {
            let mut right = connect_to(url)?;
            (
                catalog_of(right.as_mut(), schema).map_err(apply_failure)?,
                redact(url),
            )
        }
        None => {
            let files: Vec<String> = args
                .against_sql
                .iter()
                .map(|f| f.display().to_string())
                .collect();
            (
                catalog_of_scripts(
                    left.as_mut(),
                    &mut access.connector(connect::Kind::Create),
                    &args.against_sql,
                )
                .map_err(apply_failure)?,
                files.join(" + "),
            )
        }
    };
    let differences = diff(&ours, &theirs, args.strict_order);
    let me = redact(&args.url);
    match args.format {
        OutputFormat::Json => {
            let doc = json!({
                "format": "govup-verify/1",
                "left": me,
                "right": label,
                "equal": differences.is_empty(),
                "tables": ours.tables.len(),
                "differences": differences.iter().map(|d| json!({
                    "kind": d.kind, "object": d.object, "left": d.left, "right": d.right,
                })).collect::<Vec<_>>(),
            });
            outln!("{}", serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Table => {
            if differences.is_empty() {
                outln!(
                    "{me} and {label} have the same catalog ({} tables)",
                    ours.tables.len()
                );
            } else {
                outln!("--- {me}\n+++ {label}");
                for d in &differences {
                    outln!("{}", render(d));
                }
            }
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(Failure::failed(format_args!(
            "{} difference(s) between {me} and {label}",
            differences.len()
        ))
        // The report above holds the differences; no error object follows it.
        .json_printed()
        .into())
    }
}

fn render(d: &Difference) -> String {
    match (&d.left, &d.right) {
        (Some(l), None) => format!("- {} {} {l}", d.kind, d.object)
            .trim_end()
            .to_string(),
        (None, Some(r)) => format!("+ {} {} {r}", d.kind, d.object)
            .trim_end()
            .to_string(),
        (Some(l), Some(r)) => format!(
            "- {} {} {l}\n+ {} {} {r}",
            d.kind, d.object, d.kind, d.object
        ),
        (None, None) => String::new(),
    }
}
