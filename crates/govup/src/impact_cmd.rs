//! `govup plan --impact`: what each statement of an upgrade will do to the live database, and how
//! long it may take there, before a maintenance window is booked.
//!
//! It takes the statements from `apply --dry-run`'s path (read-only connections, the history read
//! without a lock, nothing written), classifies each with `govup_sql::impact`, asks the catalog
//! for the sizes of the tables they touch, and times one bounded read-only scan per connection to
//! turn bytes into milliseconds.

use crate::apply_cmd::{apply_failure, Setup};
use crate::cli::{ApplyArgs, FromVersion, InstallationArgs, OutputFormat, PlanArgs};
use crate::connect;
use crate::failure::Failure;
use govup_engine::{apply, Connections, DriverExt, Options, Report};
use govup_sql::impact::{
    classify, flavor_from_version, probe_sql, version_sql, Blocks, Impact, Kind, Rewrite, TableSize,
};
use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What a scan costs when no table of the run has rows to time: 100 MB/s.
const ASSUMED_BYTES_PER_MS: f64 = 100_000.0;
/// The most rows the probe reads.
const PROBE_ROWS: u64 = 200_000;

/// How many scans of the table each kind of work costs. An index build reads the table and
/// sorts the keys (InnoDB's online build also logs and merges, about twice PostgreSQL's cost
/// per byte on the tables measured); a rewrite writes the table again and rebuilds each of its
/// indexes.
fn scans(impact: &Impact, dialect: &str) -> f64 {
    let index = if dialect == "mysql" { 6.0 } else { 3.0 };
    match (impact.rewrite, impact.kind) {
        (Rewrite::None, _) => 0.0,
        (Rewrite::Scan, Kind::CreateIndex) => index,
        (Rewrite::Scan, Kind::AddConstraint) if impact.lock.contains("INPLACE") => index,
        (Rewrite::Scan, _) => 1.0,
        // MySQL/MariaDB's COPY inserts row by row into a new table and rebuilds every index
        // that way: 1.0 s for GovWay's 200,000-row `notifiche_eventi` on MariaDB 10.11, some 45
        // scans (`cargo xtask bench impact`).
        (Rewrite::Rewrite, _) if impact.lock.starts_with("COPY") => 48.0,
        (Rewrite::Rewrite, _) => 4.0,
    }
}

/// `--from` for a plan without `--impact`, which reads no database.
pub fn plain_from(args: &PlanArgs) -> Result<govup_planner::Version, Failure> {
    match &args.from {
        Some(FromVersion::Exactly(v)) => Ok(v.clone()),
        _ => Err(Failure::usage(
            "`govup plan` needs --from VERSION; only --impact reads the start version from the database",
        )),
    }
}

pub fn run(args: &PlanArgs) -> anyhow::Result<()> {
    let apply_args = ApplyArgs {
        dir: args.dir.clone(),
        target: InstallationArgs {
            url: args.url.clone(),
            schema_map: args.schema_map.clone(),
            db: args.db,
        },
        to: args.to.clone(),
        from: args.from.clone().unwrap_or(FromVersion::Auto),
        dry_run: true,
        tx: None,
        skip_role: args.skip_role.clone(),
        allow_lateral: args.allow_lateral,
        continue_changed_patch: false,
        backup: None,
        backup_each_step: false,
        restore_on_failure: false,
        log_dir: None,
        wait_replicas: None,
        lock_timeout: None,
        lock_retries: None,
        stale_lock_after: None,
        format: args.format,
        read: args.read.clone(),
        access: args.access.clone(),
    };
    let setup = Setup::new(&apply_args)?;
    let job = setup.job(&apply_args);
    let opts = Options {
        dry_run: true,
        ..crate::apply_cmd::options(&apply_args)
    };
    let mut conns = Connections::open(
        &setup.inst.url,
        &setup.inst.map,
        &mut setup.access.connector(connect::Kind::ReadOnly),
    )
    .map_err(apply_failure)?;
    let report =
        apply(&job, &mut conns, &opts, &mut govup_engine::Silent).map_err(apply_failure)?;
    let impact = measure(&report, &mut conns, args.impact_threshold)?;
    match args.format {
        OutputFormat::Table => out!("{}", render_table(&report, &impact)),
        OutputFormat::Json => outln!("{}", serde_json::to_string_pretty(&impact)?),
    }
    Ok(())
}

#[derive(Serialize)]
pub struct ImpactReport {
    format: &'static str,
    from: String,
    to: String,
    db: String,
    probes: Vec<Probe>,
    statements: Vec<Statement>,
    steps: Vec<StepTotal>,
    total_estimate_ms: u64,
    threshold_ms: u64,
    warnings: Vec<String>,
}

#[derive(Serialize, Clone)]
struct Probe {
    connection: String,
    /// The table read, or None when no touched table had rows (the assumed throughput is used).
    table: Option<String>,
    rows: u64,
    ms: f64,
    bytes_per_ms: f64,
}

#[derive(Serialize)]
struct Statement {
    path: String,
    line: u32,
    schema: Option<String>,
    kind: &'static str,
    tables: Vec<TableOut>,
    lock: String,
    blocks: &'static str,
    rewrite: &'static str,
    estimate_ms: u64,
    #[serde(skip)]
    step: String,
    #[serde(skip)]
    blocks_enum: Blocks,
}

#[derive(Serialize, Clone)]
struct TableOut {
    name: String,
    rows: Option<u64>,
    bytes: Option<u64>,
}

#[derive(Serialize)]
struct StepTotal {
    dir: String,
    estimate_ms: u64,
}

fn measure(
    report: &Report,
    conns: &mut Connections,
    threshold: Duration,
) -> Result<ImpactReport, Failure> {
    let step_of: HashMap<&str, &str> = report
        .patches
        .iter()
        .map(|p| (p.path.as_str(), p.step_dir.as_str()))
        .collect();
    // One connection per URL: its index by what the dry run calls it.
    let index: HashMap<String, usize> = conns
        .list
        .iter()
        .enumerate()
        .map(|(i, c)| (c.driver.describe(), i))
        .collect();
    let mut flavors = HashMap::new();
    let mut classified = Vec::new();
    // (connection, schema) -> lower-case table names.
    let mut wanted: HashMap<(usize, Option<String>), Vec<String>> = HashMap::new();
    for s in &report.would_run {
        let i = index.get(&s.connection).copied().unwrap_or(0);
        let flavor = *flavors.entry(i).or_insert_with(|| {
            let driver = &mut conns.list[i].driver;
            let dialect = driver.dialect().name();
            let version = version_sql(dialect).and_then(|sql| {
                driver
                    .query(sql)
                    .ok()
                    .and_then(|rows| rows.into_iter().next()?.into_iter().next()?)
            });
            flavor_from_version(dialect, version.as_deref())
        });
        let impact = classify(flavor, &s.text);
        let names = wanted.entry((i, s.schema.clone())).or_default();
        for t in &impact.tables {
            if !names.contains(&t.to_lowercase()) {
                names.push(t.to_lowercase());
            }
        }
        classified.push((i, impact));
    }
    let mut sizes: HashMap<(usize, Option<String>, String), TableSize> = HashMap::new();
    for ((i, schema), names) in &wanted {
        let conn = &mut conns.list[*i];
        let found = conn
            .driver
            .table_sizes(schema.as_deref(), names)
            .map_err(|e| {
                Failure::failed(format_args!(
                    "cannot read table sizes on {}: {e}",
                    conn.driver.describe()
                ))
            })?
            .unwrap_or_default();
        for size in found {
            sizes.insert((*i, schema.clone(), size.name.to_lowercase()), size);
        }
    }
    let mut probes: HashMap<usize, Probe> = HashMap::new();
    for i in 0..conns.list.len() {
        let largest = sizes
            .iter()
            .filter(|((c, _, _), s)| *c == i && s.rows.unwrap_or(0) > 0 && s.bytes.unwrap_or(0) > 0)
            .max_by_key(|(_, s)| s.bytes)
            .map(|((_, schema, _), s)| (schema.clone(), s.clone()));
        probes.insert(i, probe(conns, i, largest)?);
    }
    let mut statements = Vec::new();
    for (s, (i, impact)) in report.would_run.iter().zip(classified) {
        let tables: Vec<TableOut> = impact
            .tables
            .iter()
            .map(|t| {
                let size = sizes.get(&(i, s.schema.clone(), t.to_lowercase()));
                TableOut {
                    name: size.map_or(t.clone(), |s| s.name.clone()),
                    rows: size.and_then(|s| s.rows),
                    bytes: size.and_then(|s| s.bytes),
                }
            })
            .collect();
        // A rewrite or scan costs the changed table's bytes; the others it reads (a foreign
        // key's parent) are read by index.
        let bytes = tables.first().and_then(|t| t.bytes).unwrap_or(0) as f64;
        let rate = probes
            .get(&i)
            .map_or(ASSUMED_BYTES_PER_MS, |p| p.bytes_per_ms);
        let dialect = conns.list[i].driver.dialect().name();
        let estimate_ms = (bytes * scans(&impact, dialect) / rate).round() as u64;
        statements.push(Statement {
            path: s.path.clone(),
            line: s.line,
            schema: s.schema.clone(),
            kind: impact.kind.name(),
            tables,
            lock: impact.lock.clone(),
            blocks: impact.blocks.name(),
            rewrite: impact.rewrite.name(),
            estimate_ms,
            step: step_of
                .get(s.path.as_str())
                .copied()
                .unwrap_or("")
                .to_string(),
            blocks_enum: impact.blocks,
        });
    }
    let mut steps: Vec<StepTotal> = Vec::new();
    for s in &statements {
        match steps.last_mut() {
            Some(last) if last.dir == s.step => last.estimate_ms += s.estimate_ms,
            _ => steps.push(StepTotal {
                dir: s.step.clone(),
                estimate_ms: s.estimate_ms,
            }),
        }
    }
    let threshold_ms = threshold.as_millis() as u64;
    let warnings = statements
        .iter()
        .filter(|s| s.estimate_ms > threshold_ms)
        .map(warning)
        .collect();
    let mut probes: Vec<(usize, Probe)> = probes.into_iter().collect();
    probes.sort_by_key(|(i, _)| *i);
    let plan = &report.plan.plan;
    Ok(ImpactReport {
        format: "govup-impact/1",
        from: plan.from.to_string(),
        to: plan.to.to_string(),
        db: plan.db.to_string(),
        probes: probes.into_iter().map(|(_, p)| p).collect(),
        total_estimate_ms: statements.iter().map(|s| s.estimate_ms).sum(),
        statements,
        steps,
        threshold_ms,
        warnings,
    })
}

/// Times a count of up to [`PROBE_ROWS`] rows of the largest touched table: its bytes per row
/// times the rows read, over the time, is this server's scan throughput.
fn probe(
    conns: &mut Connections,
    i: usize,
    largest: Option<(Option<String>, TableSize)>,
) -> Result<Probe, Failure> {
    let conn = &mut conns.list[i];
    let connection = conn.driver.describe();
    let Some((schema, size)) = largest else {
        return Ok(Probe {
            connection,
            table: None,
            rows: 0,
            ms: 0.0,
            bytes_per_ms: ASSUMED_BYTES_PER_MS,
        });
    };
    let (rows, bytes) = (size.rows.unwrap_or(1).max(1), size.bytes.unwrap_or(0));
    let read = rows.min(PROBE_ROWS);
    let dialect = conn.driver.dialect();
    let sql = probe_sql(
        dialect.name(),
        &dialect.qualify(schema.as_deref(), &size.name),
        read,
    );
    let clock = Instant::now();
    conn.driver.query(&sql).map_err(|e| {
        Failure::failed(format_args!(
            "cannot time a read of `{}` on {connection}: {e}",
            size.name
        ))
    })?;
    let ms = clock.elapsed().as_secs_f64() * 1000.0;
    let read_bytes = bytes as f64 * read as f64 / rows as f64;
    Ok(Probe {
        connection,
        table: Some(size.name),
        rows: read,
        ms,
        bytes_per_ms: (read_bytes / ms.max(0.001)).max(1.0),
    })
}

fn warning(s: &Statement) -> String {
    let table = s.tables.first().map_or("the table", |t| t.name.as_str());
    let advice = match s.blocks_enum {
        Blocks::ReadsWrites => format!(
            "reads and writes of `{table}` wait while it runs: stop the application for it, or move the change out of the upgrade"
        ),
        Blocks::Writes if s.kind == Kind::CreateIndex.name() => format!(
            "writes to `{table}` wait while it runs: build the index beforehand with CREATE INDEX CONCURRENTLY (or ALGORITHM=INPLACE, LOCK=NONE), which the patch then finds"
        ),
        Blocks::Writes => format!(
            "writes to `{table}` wait while it runs (reads go on): run the upgrade when the application does not write"
        ),
        Blocks::None => "it blocks neither reads nor writes, but the window must allow for it".to_string(),
    };
    format!(
        "{}:{}: {} estimated at {}: {advice}",
        s.path,
        s.line,
        s.kind,
        ms_text(s.estimate_ms)
    )
}

fn ms_text(ms: u64) -> String {
    if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

fn size_text(t: &TableOut) -> String {
    let rows = t.rows.map_or("?".to_string(), |r| r.to_string());
    let bytes = match t.bytes {
        None => "?".to_string(),
        Some(b) if b >= 1 << 20 => format!("{:.1} MB", b as f64 / 1_048_576.0),
        Some(b) => format!("{} kB", b.div_ceil(1024)),
    };
    format!("{} ({rows} rows, {bytes})", t.name)
}

fn render_table(report: &Report, impact: &ImpactReport) -> String {
    let mut out = format!(
        "-- impact: {} -> {} on {}; nothing is written\n",
        impact.from, impact.to, impact.db
    );
    let _ = report;
    for p in &impact.probes {
        out += &match &p.table {
            Some(t) => format!(
                "-- throughput on {}: {:.0} MB/s (read {} rows of {t} in {:.0} ms)\n",
                p.connection,
                p.bytes_per_ms / 1000.0,
                p.rows,
                p.ms
            ),
            None => format!(
                "-- throughput on {}: 100 MB/s assumed (no touched table has rows)\n",
                p.connection
            ),
        };
    }
    let mut step = None;
    for s in &impact.statements {
        if step != Some(s.step.as_str()) {
            let total = impact
                .steps
                .iter()
                .find(|t| t.dir == s.step)
                .map_or(0, |t| t.estimate_ms);
            out += &format!("\n{}  ({})\n", s.step, ms_text(total));
            step = Some(s.step.as_str());
        }
        let tables: Vec<String> = s.tables.iter().map(size_text).collect();
        out += &format!(
            "  {}:{}  {}  {}  lock {}  blocks {}  rewrite {}  {}\n",
            s.path.rsplit('/').next().unwrap_or(&s.path),
            s.line,
            s.kind,
            if tables.is_empty() {
                "-".to_string()
            } else {
                tables.join(", ")
            },
            s.lock,
            s.blocks,
            s.rewrite,
            ms_text(s.estimate_ms)
        );
    }
    out += &format!(
        "\ntotal: {} statement(s), estimated {}\n",
        impact.statements.len(),
        ms_text(impact.total_estimate_ms)
    );
    for w in &impact.warnings {
        out += &format!("warning: {w}\n");
    }
    out
}

#[cfg(test)]
mod scan_tests {
    use super::scans;
    use govup_sql::impact::{classify, Flavor};

    /// GovWay's `notifiche_eventi` type change ran ten times a 4-scan estimate on MariaDB: a
    /// COPY is priced on its own, and a PostgreSQL rewrite keeps its 4.
    #[test]
    fn a_mysql_copy_costs_more_than_a_postgres_rewrite() {
        let copy = classify(
            Flavor::LINT_MYSQL,
            "ALTER TABLE notifiche_eventi MODIFY COLUMN id_configurazione VARCHAR(4000)",
        );
        assert!(copy.lock.starts_with("COPY"), "{}", copy.lock);
        assert_eq!(scans(&copy, "mysql"), 48.0);
        let rewrite = classify(
            Flavor::Postgres { major: 15 },
            "ALTER TABLE t ALTER COLUMN c TYPE integer USING c::integer",
        );
        assert_eq!(scans(&rewrite, "postgresql"), 4.0);
        let index = classify(Flavor::LINT_MYSQL, "CREATE INDEX i ON t (c)");
        assert_eq!(scans(&index, "mysql"), 6.0);
    }
}
