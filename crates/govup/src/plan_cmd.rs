//! `govup plan`: the ordered patches from one version to another, as a table or as JSON.

use crate::cli::{OutputFormat, PlanArgs, ToVersion};
use crate::failure::Failure;
use crate::tree_input;
use govup_planner::{plan, Contents, Loaded, PlanError, Request, SkipReason, Version};
use govup_schema_map::{route, Disposition, RoutedPlan, SchemaMap, Target};
use serde::Serialize;

pub fn run(args: &PlanArgs) -> anyhow::Result<()> {
    let mut map = match &args.schema_map {
        Some(path) => SchemaMap::load(path).map_err(Failure::usage)?,
        None => SchemaMap::single(),
    };
    map.skip.extend(args.skip_role.iter().copied());
    let db = map.db_for_plan(args.db).map_err(Failure::usage)?;
    let dir = crate::target::tree_dir(args.dir.as_ref(), &map)?;
    let loaded = tree_input::load_for(&dir, db, &args.read)?;
    let contents = Contents::new(&loaded.tree, &loaded.graph, db);
    let to = resolve_to(&args.to, &loaded)?;
    let request = Request {
        from: crate::impact_cmd::plain_from(args)?,
        to,
        allow_lateral: args.allow_lateral,
    };
    let mut planned = plan(&contents, &request).map_err(plan_failure)?;
    planned
        .warnings
        .splice(0..0, loaded.warnings.iter().cloned());
    let routed = route(planned, &map);
    match args.format {
        OutputFormat::Table => out!("{}", render_table(&routed)),
        // Streamed: the document of a 100k-patch plan is tens of megabytes.
        OutputFormat::Json => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            write_json(&routed, &mut out)?;
            std::io::Write::flush(&mut out)?;
        }
    }
    Ok(())
}

/// `--to`: the version given, or the newest of the tree for `latest`.
pub fn resolve_to(to: &ToVersion, loaded: &Loaded) -> Result<Version, Failure> {
    let given = match to {
        ToVersion::Exactly(v) => Some(v),
        ToVersion::Latest => None,
    };
    loaded.resolve(given).map_err(tree_input::load_failure)
}

pub fn plan_failure(err: PlanError) -> Failure {
    let details = err.details();
    let failure = match err {
        PlanError::UnknownVersion(_) => Failure::usage(&err),
        _ => Failure::failed(&err),
    };
    failure.with_details(details)
}

fn schema_label(schema: &Option<String>) -> &str {
    schema.as_deref().unwrap_or("(default)")
}

fn target_label(t: &Target) -> String {
    match &t.url {
        Some(url) => format!(
            "{} @ {}",
            schema_label(&t.schema),
            govup_engine::url::redact(url)
        ),
        None => schema_label(&t.schema).to_string(),
    }
}

/// A skip reason as the JSON contract codes it, and the step that applied the patch earlier.
pub fn skip_code(why: &SkipReason) -> (&'static str, Option<&str>) {
    match why {
        SkipReason::InStartVersion => ("in_start_version", None),
        SkipReason::AppliedEarlier { by } => ("applied_earlier", Some(by.as_str())),
    }
}

fn reason_text(d: &Disposition, routed: &RoutedPlan) -> String {
    match d {
        Disposition::Apply => String::new(),
        Disposition::Skip(SkipReason::InStartVersion) => {
            format!("in start version {}", routed.plan.from)
        }
        Disposition::Skip(SkipReason::AppliedEarlier { by }) => {
            format!("applied earlier by {}", crate::tables::step_label(by))
        }
        Disposition::RoleSkipped => "role not upgraded here".into(),
    }
}

fn render_table(routed: &RoutedPlan) -> String {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
    let plan = &routed.plan;
    let mut out = format!("plan for {}: {} -> {}\n", plan.db, plan.from, plan.to);
    if plan.is_empty() {
        out += &format!("already at {}: nothing to do\n", plan.to);
        push_warnings(&mut out, &routed.warnings);
        return out;
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    crate::tables::fit(&mut table);
    table.set_header([
        "step", "patch", "area", "role", "schema", "action", "reason",
    ]);
    for step in &routed.steps {
        let mut first = true;
        let mut label = || {
            let l = if first {
                crate::tables::step_label(&step.planned.dir)
            } else {
                String::new()
            };
            first = false;
            l
        };
        for p in &step.patches {
            let action = if p.disposition == Disposition::Apply {
                "apply"
            } else {
                "skip"
            };
            table.add_row([
                label(),
                p.planned.patch.file.clone(),
                p.planned.patch.area.clone(),
                p.role.to_string(),
                target_label(&p.target),
                action.to_string(),
                reason_text(&p.disposition, routed),
            ]);
        }
        if step.planned.info_patch.is_some() {
            let schemas: Vec<String> = step.info_targets.iter().map(target_label).collect();
            table.add_row([
                label(),
                "info-patch.sql".into(),
                "-".into(),
                "-".into(),
                schemas.join(", "),
                "apply".into(),
                String::new(),
            ]);
        } else if step.patches.is_empty() {
            table.add_row([
                label(),
                "(nothing)".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "step has no patch and no info-patch".into(),
            ]);
        }
    }
    // Narrow: a schema column that only ever says the default, an empty reason column, and an
    // area column that every patch's file name already spells out (GovWay's `date-area-patch`)
    // are dropped before anything else is squeezed.
    crate::tables::hide_when_empty(&mut table, &[(4, &["(default)", "-"]), (6, &[""])]);
    let area_in_name = routed
        .steps
        .iter()
        .flat_map(|s| &s.patches)
        .all(|p| p.planned.patch.file.contains(&p.planned.patch.area));
    if area_in_name {
        crate::tables::hide_when_narrow(&mut table, 2);
    }
    crate::tables::favour_columns(&mut table, &[(0, 15), (1, 24), (5, 8)]);
    out += &table.to_string();
    out.push('\n');
    let apply = routed.count(|d| *d == Disposition::Apply);
    let skip = routed.count(|d| *d != Disposition::Apply);
    let infos = routed
        .steps
        .iter()
        .filter(|s| s.planned.info_patch.is_some())
        .count();
    out += &format!(
        "{} step(s): {apply} patch(es) to apply, {skip} skipped, {infos} info-patch(es)\n",
        routed.steps.len()
    );
    push_warnings(&mut out, &routed.warnings);
    out
}

fn push_warnings(out: &mut String, warnings: &[String]) {
    for w in warnings {
        out.push_str(&crate::tables::wrap_line(&format!("warning: {w}")));
        out.push('\n');
    }
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    format: &'static str,
    db: String,
    from: String,
    from_level: String,
    to: String,
    to_level: String,
    steps: Vec<JsonStep<'a>>,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct JsonStep<'a> {
    dir: &'a str,
    from: &'a str,
    to: String,
    patches: Vec<JsonPatch<'a>>,
    info_patch: Option<JsonInfo<'a>>,
}

#[derive(Serialize)]
struct JsonPatch<'a> {
    file: &'a str,
    path: &'a str,
    area: &'a str,
    role: &'static str,
    schema: Option<&'a str>,
    sha256: Hex<'a>,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied_by: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonInfo<'a> {
    path: &'a str,
    sha256: Hex<'a>,
    schemas: Vec<Option<&'a str>>,
}

/// A digest written as hex straight into the output: a 100k-patch plan would otherwise hold
/// 100k hex strings at once.
struct Hex<'a>(&'a govup_planner::Sha256);

impl Serialize for Hex<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self.0)
    }
}

fn write_json(routed: &RoutedPlan, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let plan = &routed.plan;
    let steps = routed
        .steps
        .iter()
        .map(|s| JsonStep {
            dir: &s.planned.dir,
            from: &s.planned.from,
            to: s.planned.to.to_string(),
            patches: s
                .patches
                .iter()
                .map(|p| {
                    let (action, reason, applied_by) = match &p.disposition {
                        Disposition::Apply => ("apply", None, None),
                        Disposition::Skip(why) => {
                            let (code, by) = skip_code(why);
                            ("skip", Some(code), by)
                        }
                        Disposition::RoleSkipped => ("skip", Some("role_skipped"), None),
                    };
                    JsonPatch {
                        file: &p.planned.patch.file,
                        path: &p.planned.patch.sql.path,
                        area: &p.planned.patch.area,
                        role: p.role.name(),
                        schema: p.target.schema.as_deref(),
                        sha256: Hex(&p.planned.patch.sql.sha256),
                        action,
                        reason,
                        applied_by,
                    }
                })
                .collect(),
            info_patch: s.planned.info_patch.as_ref().map(|info| JsonInfo {
                path: &info.path,
                sha256: Hex(&info.sha256),
                schemas: s.info_targets.iter().map(|t| t.schema.as_deref()).collect(),
            }),
        })
        .collect();
    let doc = JsonPlan {
        format: "govup-plan/1",
        db: plan.db.to_string(),
        from: plan.from.to_string(),
        from_level: plan.from.level().to_string(),
        to: plan.to.to_string(),
        to_level: plan.to.level().to_string(),
        steps,
        warnings: &routed.warnings,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    Ok(())
}
