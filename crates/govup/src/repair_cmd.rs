//! `govup repair`: one history row changed after a manual fix, under the upgrade lock, with
//! who, when and why recorded in the row.

use crate::access::Access;
use crate::apply_cmd::apply_failure;
use crate::cli::{OutputFormat, RepairArgs};
use crate::failure::Failure;
use crate::{connect, target, tree_input};
use govup_engine::history::RepairAction;
use govup_engine::repair::{repair, RepairError, Request};
use govup_engine::Connections;
use serde_json::json;

pub fn run(args: &RepairArgs) -> anyhow::Result<()> {
    let inst = target::installation(&args.target, &[])?;
    let loaded = tree_input::load_for(&args.dir, inst.db, &args.read)?;
    let sha256 = sha256_in_tree(&loaded.tree, inst.db, &args.patch).ok_or_else(|| {
        Failure::usage(format_args!(
            "{} is not a patch of the {} tree `{}`",
            args.patch,
            inst.db,
            args.dir.display()
        ))
        .with_details([
            "give the tree-relative path `govup history` shows, of a patch the tree holds".into(),
        ])
    })?;
    if args.reason.trim().is_empty() {
        return Err(Failure::usage("--reason is empty: say why the row is repaired").into());
    }
    let action = if args.forget {
        RepairAction::Forget
    } else {
        RepairAction::MarkApplied
    };
    let by = args.by.clone().unwrap_or_else(who);
    let req = Request {
        path: &args.patch,
        sha256: &sha256,
        action,
        by: &by,
        reason: &args.reason,
        schema: args.schema.as_deref(),
    };
    // Opened once as an existing database first, so that a mistyped SQLite path is an error
    // rather than a new empty file; then writable, for the repair.
    let access = Access::new(&args.access, Some(&inst.map))?;
    drop(
        Connections::open(
            &inst.url,
            &inst.map,
            &mut access.connector(connect::Kind::Existing),
        )
        .map_err(apply_failure)?,
    );
    let mut conns = Connections::open(
        &inst.url,
        &inst.map,
        &mut access.connector(connect::Kind::Create),
    )
    .map_err(apply_failure)?;
    // Says so when it has to wait for another govup's lock.
    let mut obs = crate::progress::Progress::new(false);
    let done = repair(
        &mut conns,
        &inst.map,
        &req,
        govup_engine::history::now(),
        &mut obs,
    )
    .map_err(|e| match e {
        RepairError::Apply(e) => apply_failure(e),
        e => Failure::failed(&e).with_details(e.details()),
    })?;
    let schema = done.target.schema.clone();
    match args.format {
        OutputFormat::Json => {
            let doc = json!({
                "format": "govup-repair/1",
                "path": args.patch,
                "schema": schema,
                "from_status": done.before.status.as_str(),
                "status": done.status.as_str(),
                "action": done.repair.action.as_str(),
                "at": done.repair.at,
                "by": done.repair.by,
                "reason": done.repair.reason,
            });
            outln!("{}", serde_json::to_string_pretty(&doc)?);
        }
        OutputFormat::Table => outln!(
            "{}: {} -> {} in {} (by {}, {})",
            args.patch,
            done.before.status.as_str(),
            done.status.as_str(),
            schema.as_deref().unwrap_or("(default)"),
            done.repair.by,
            done.repair.at
        ),
    }
    Ok(())
}

/// The SHA-256 the tree holds for `path`, a patch or an info-patch of `db`.
fn sha256_in_tree(
    tree: &govup_planner::Tree,
    db: govup_planner::DbType,
    path: &str,
) -> Option<String> {
    tree.steps.iter().find_map(|step| {
        step.patches(db)
            .iter()
            .find(|p| p.sql.path == path)
            .map(|p| p.sql.sha256.to_hex())
            .or_else(|| {
                step.info_patch
                    .as_ref()
                    .filter(|i| i.path == path)
                    .map(|i| i.sha256.to_hex())
            })
    })
}

/// `user@host` of the operator: the login name from the environment, else the numeric uid.
fn who() -> String {
    let user = ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        // SAFETY: getuid has no preconditions and cannot fail.
        .unwrap_or_else(|| format!("uid {}", unsafe { libc::getuid() }));
    format!("{user}@{}", host())
}

fn host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or
    // fails, and the result is read only up to the first NUL.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown-host".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
