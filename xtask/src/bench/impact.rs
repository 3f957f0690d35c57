//! `impact`: how close `govup plan --impact` comes to the truth. GovWay 3.3.17 is installed
//! fresh (`govway-fresh`) with 1,000,000 generated rows in `transazioni` and 200,000 in
//! `notifiche_eventi`, planned to 3.4.3, and then every planned statement is run alone, in
//! order, over its own client connection and timed (wall time of the client, less the fastest
//! of five `SELECT 1` through the same client in that round). Each round starts from a fresh copy; the table gives medians. Criteria: over 1 s
//! measured means estimated at 1 s or more and within 2x; under 0.1 s measured means estimated
//! at 1 s or less. The generated rows are never committed: they live in scratch databases that
//! are dropped at the end.

use super::measure::{self, Input};
use super::tools::{self, Server};
use super::{Ctx, Row};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const FROM: &str = "3.3.17";
const TO: &str = "3.4.3";

/// Plausible values for every NOT NULL column and for the columns GovWay's indexes cover.
const PG_ROWS: &str = "INSERT INTO transazioni (id, stato, ruolo_transazione, esito, esito_contesto, protocollo, tipo_richiesta, codice_risposta_ingresso, data_ingresso_richiesta, data_uscita_richiesta, data_ingresso_risposta, data_uscita_risposta, richiesta_ingresso_bytes, risposta_uscita_bytes, pdd_codice, pdd_tipo_soggetto, pdd_nome_soggetto, pdd_ruolo, tipo_soggetto_fruitore, nome_soggetto_fruitore) \
SELECT md5(g::text)::uuid::text, 'OK', 2, g % 10, 'regime', 'trasparente', 'POST', '200', t, t + interval '5 ms', t + interval '80 ms', t + interval '90 ms', 512 + g % 4096, 1024 + g % 8192, 'GovWayPdD', 'gw', 'Ente' || (g % 50), 'applicativa', 'gw', 'Fruitore' || (g % 200) \
FROM generate_series(1, 1000000) g, LATERAL (SELECT timestamp '2026-01-01' + g * interval '2 s' AS t) x; \
INSERT INTO notifiche_eventi (tipo, codice, severita, ora_registrazione, descrizione, cluster_id) \
SELECT 'GovWay' || (g % 5), 'Evento' || (g % 40), g % 4, timestamp '2026-01-01' + g * interval '10 s', 'evento ' || g, 'nodo' || (g % 3) FROM generate_series(1, 200000) g; \
ANALYZE transazioni; ANALYZE notifiche_eventi";

const MY_ROWS: &str = "INSERT INTO transazioni (id, stato, ruolo_transazione, esito, esito_contesto, protocollo, tipo_richiesta, codice_risposta_ingresso, data_ingresso_richiesta, data_uscita_richiesta, data_ingresso_risposta, data_uscita_risposta, richiesta_ingresso_bytes, risposta_uscita_bytes, pdd_codice, pdd_tipo_soggetto, pdd_nome_soggetto, pdd_ruolo, tipo_soggetto_fruitore, nome_soggetto_fruitore) \
SELECT CONCAT(LPAD(seq, 12, '0'), '-', LEFT(md5(seq), 23)), 'OK', 2, seq % 10, 'regime', 'trasparente', 'POST', '200', t, t + INTERVAL 5000 MICROSECOND, t + INTERVAL 80000 MICROSECOND, t + INTERVAL 90000 MICROSECOND, 512 + seq % 4096, 1024 + seq % 8192, 'GovWayPdD', 'gw', CONCAT('Ente', seq % 50), 'applicativa', 'gw', CONCAT('Fruitore', seq % 200) \
FROM (SELECT seq, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (seq * 2) SECOND AS t FROM seq_1_to_1000000) s; \
INSERT INTO notifiche_eventi (tipo, codice, severita, ora_registrazione, descrizione, cluster_id) \
SELECT CONCAT('GovWay', seq % 5), CONCAT('Evento', seq % 40), seq % 4, TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (seq * 10) SECOND, CONCAT('evento ', seq), CONCAT('nodo', seq % 3) FROM seq_1_to_200000; \
ANALYZE TABLE transazioni; ANALYZE TABLE notifiche_eventi";

/// MariaDB refuses some of GovWay's wide tables unless the loading session relaxes this.
const MY_INIT: &str = "--init-command=SET SESSION innodb_strict_mode=OFF";

/// One statement the plan says will run, and what each round found.
struct Stmt {
    path: String,
    line: u64,
    kind: String,
    text: String,
    estimates: Vec<f64>,
    measured: Vec<Duration>,
}

fn corpus() -> PathBuf {
    std::env::var_os("GOVUP_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("../shared/corpus"))
}

/// A patch's text, following a link stub (a one-line file naming its target) as govup does.
fn patch_text(tree: &Path, rel: &str) -> Result<String> {
    let mut path = tree.join(rel);
    for _ in 0..8 {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let first = text.trim();
        let target = path.parent().map(|d| d.join(first));
        match target {
            Some(t) if !first.contains('\n') && first.ends_with(".sql") && t.is_file() => path = t,
            _ => return Ok(text),
        }
    }
    bail!("{rel}: link stubs loop")
}

struct Db {
    label: &'static str,
    folder: &'static str,
    client: PathBuf,
    server: Server,
}

impl Db {
    fn url(&self, db: &str) -> String {
        match self.folder {
            "postgresql" => tools::postgres_url(&self.server, db),
            _ => tools::mysql_url(&self.server, db),
        }
    }

    fn cmd(&self, db: &str) -> Command {
        match self.folder {
            "postgresql" => tools::psql(&self.client, &self.server, db),
            _ => {
                let mut cmd = tools::mysql_cmd(&self.client, &self.server);
                cmd.args([MY_INIT, "-D", db]);
                cmd
            }
        }
    }

    fn drop(&self, db: &str) -> Result<()> {
        match self.folder {
            "postgresql" => tools::pg_drop(&self.client, &self.server, db),
            _ => tools::my_drop(&self.client, &self.server, db),
        }
    }

    /// A fresh GovWay 3.3.17 with the generated rows, in `db` (setup, not measured).
    fn install(&self, db: &str) -> Result<()> {
        let fresh = corpus().join("govway-fresh").join(FROM).join(self.folder);
        match self.folder {
            "postgresql" => tools::pg_fresh(&self.client, &self.server, db)?,
            _ => tools::my_fresh(&self.client, &self.server, db)?,
        }
        for file in ["schema.sql", "data.sql"] {
            let path = fresh.join(file);
            let mut cmd = self.cmd(db);
            if self.folder == "postgresql" {
                cmd.arg("-f").arg(&path);
                measure::quiet(&mut cmd)?;
            } else {
                measure::run(&mut cmd, Input::File(&path))
                    .with_context(|| format!("loading {}", path.display()))?;
            }
        }
        let rows = if self.folder == "postgresql" {
            PG_ROWS
        } else {
            MY_ROWS
        };
        let flag = if self.folder == "postgresql" {
            "-c"
        } else {
            "-e"
        };
        measure::quiet(self.cmd(db).args([flag, rows]))
    }

    /// `db` as a copy of `base` (PostgreSQL: a template copy), or a fresh install.
    fn round_copy(&self, base: &str, db: &str) -> Result<()> {
        if self.folder == "postgresql" {
            self.drop(db)?;
            measure::quiet(tools::psql(&self.client, &self.server, "postgres").args([
                "-c",
                // A file copy writes no WAL: the disk here is shared and small.
                &format!("CREATE DATABASE {db} TEMPLATE {base} STRATEGY FILE_COPY"),
            ]))
        } else {
            self.install(db)
        }
    }
}

/// `plan --impact --format json` on `db`: every statement's (path, line, kind, estimate).
fn plan(ctx: &Ctx, tree: &Path, url: &str) -> Result<Vec<(String, u64, String, f64)>> {
    let out = measure::output(
        Command::new(&ctx.govup)
            .args(["plan", "--impact", "--format", "json", "--dir"])
            .arg(tree)
            .args(["--url", url, "--from", FROM, "--to", TO]),
    )?;
    let json: serde_json::Value = serde_json::from_str(&out).context("plan --impact json")?;
    let stmts = json["statements"]
        .as_array()
        .context("plan --impact json has no statements")?;
    stmts
        .iter()
        .map(|s| {
            Ok((
                s["path"].as_str().context("statement path")?.to_string(),
                s["line"].as_u64().context("statement line")?,
                s["kind"].as_str().unwrap_or("").to_string(),
                s["estimate_ms"].as_f64().context("statement estimate_ms")?,
            ))
        })
        .collect()
}

fn one_db(ctx: &Ctx, db: &Db, rounds: usize) -> Result<(Vec<Row>, String)> {
    let tree = corpus().join("govway/resources/sql_upgrade");
    let dialect = govup_sql::dialect_for(db.folder).context("no dialect")?;
    let name = format!("govup_impact_{}_{}", db.folder, std::process::id());
    let base = format!("{name}_base");
    let free = free_gib()?;
    if free < 2.5 {
        bail!("only {free:.1} GiB free on the disk; the database needs about 2");
    }
    if db.folder == "postgresql" {
        eprintln!(
            "xtask: impact: installing {FROM} with 1,000,000 rows on {}",
            db.label
        );
        db.install(&base)?;
    }
    let mut stmts: Vec<Stmt> = Vec::new();
    let result = (|| -> Result<()> {
        for round in 0..rounds {
            eprintln!("xtask: impact: {} round {}/{rounds}", db.label, round + 1);
            let free = free_gib()?;
            if free < 2.0 {
                bail!("only {free:.1} GiB free on the disk; a round needs about 2");
            }
            db.round_copy(&base, &name)?;
            let planned = plan(ctx, &tree, &db.url(&name))?;
            if round == 0 {
                // The table form, for the README's sample: not measured, not committed.
                let table = measure::output(
                    Command::new(&ctx.govup)
                        .args(["plan", "--impact", "--dir"])
                        .arg(&tree)
                        .args(["--url", &db.url(&name), "--from", FROM, "--to", TO]),
                )?;
                std::fs::write(ctx.work.join(format!("impact-{}.txt", db.folder)), table)?;
                for (path, line, kind, _) in &planned {
                    let text = patch_text(&tree, path)?;
                    let split = dialect
                        .split(&text)
                        .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
                    let Some(found) = split.into_iter().find(|s| u64::from(s.line) == *line) else {
                        bail!("{path}:{line}: no statement starts there");
                    };
                    stmts.push(Stmt {
                        path: path.clone(),
                        line: *line,
                        kind: kind.clone(),
                        text: found.text,
                        estimates: vec![],
                        measured: vec![],
                    });
                }
            }
            if planned.len() != stmts.len() {
                bail!("round {round}: the plan changed its statements");
            }
            let flag = if db.folder == "postgresql" {
                "-c"
            } else {
                "-e"
            };
            // The client's start and connection (about 0.1 s here under load) are not the
            // statement's: the fastest of five `SELECT 1` is taken off every time.
            let mut connect = Duration::MAX;
            for _ in 0..5 {
                let s = measure::run(db.cmd(&name).args([flag, "SELECT 1"]), Input::Nothing)?;
                connect = connect.min(s.wall);
            }
            for (stmt, (_, _, _, est)) in stmts.iter_mut().zip(&planned) {
                stmt.estimates.push(*est);
                let mut cmd = db.cmd(&name);
                let sample = measure::run(cmd.args([flag, &stmt.text]), Input::Nothing)
                    .with_context(|| format!("{}:{}", stmt.path, stmt.line))?;
                stmt.measured.push(sample.wall.saturating_sub(connect));
            }
        }
        Ok(())
    })();
    let _ = db.drop(&name);
    let _ = db.drop(&base);
    result?;
    Ok(report(db.label, rounds, &stmts))
}

/// Free space on the disk of the current directory, in GiB (`df`, to keep libc calls out).
fn free_gib() -> Result<f64> {
    let out = measure::output(Command::new("df").args(["-k", "--output=avail", "."]))?;
    let kib: f64 = out
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .context("df printed no free space")?;
    Ok(kib / 1024.0 / 1024.0)
}

fn median_f(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// The rows for the summary table, and the per-statement table for the doc.
fn report(label: &str, rounds: usize, stmts: &[Stmt]) -> (Vec<Row>, String) {
    let mut lines = vec![
        format!("#### {label}\n"),
        "| statement | kind | estimated | measured (median) | ratio |".into(),
        "|---|---|---|---|---|".into(),
    ];
    let (mut over, mut over_est, mut over_2x, mut small, mut small_ok) = (0, 0, 0, 0, 0);
    let mut shown_rest = 0usize;
    for s in stmts {
        let est = median_f(&s.estimates);
        let mut walls = s.measured.clone();
        walls.sort();
        let meas = walls[walls.len() / 2].as_secs_f64() * 1000.0;
        if meas > 1000.0 {
            over += 1;
            over_est += usize::from(est >= 1000.0);
            over_2x += usize::from(est <= 2.0 * meas && est * 2.0 >= meas);
        } else if meas < 100.0 {
            small += 1;
            small_ok += usize::from(est <= 1000.0);
        }
        if meas >= 100.0 || est >= 100.0 {
            let ratio = if meas > 0.0 { est / meas } else { 0.0 };
            lines.push(format!(
                "| `{}:{}` | {} | {} | {} | {ratio:.2}x |",
                s.path,
                s.line,
                s.kind,
                measure::show(Duration::from_secs_f64(est / 1000.0)),
                measure::show(Duration::from_secs_f64(meas / 1000.0)),
            ));
        } else {
            shown_rest += 1;
        }
    }
    lines.push(format!(
        "\n{shown_rest} more statement(s) were estimated and measured under 100 ms each.\n"
    ));
    let case = format!("`plan --impact` {FROM} -> {TO}, GovWay, {label}, 1M `transazioni`");
    let mut row = Row::new("impact", case);
    row.runs = rounds.to_string();
    row.govup = format!(
        "{} statements; {over} over 1 s: {over_est} estimated ≥ 1 s, {over_2x} within 2x",
        stmts.len()
    );
    row.other = format!("{small} under 0.1 s: {small_ok} estimated ≤ 1 s");
    row.target = "over 1 s: ≥ 1 s and within 2x; under 0.1 s: ≤ 1 s".into();
    let met = over_est == over && over_2x == over && small_ok == small;
    (vec![row.verdict(met)], lines.join("\n"))
}

const BEGIN: &str = "<!-- bench-impact:begin (generated by `cargo xtask bench impact`) -->";
const END: &str = "<!-- bench-impact:end -->";

pub fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut detail = Vec::new();
    let dbs = [
        ("PostgreSQL", "postgresql", tools::PSQL, tools::postgres()),
        ("MariaDB", "mysql", tools::MYSQL, tools::mysql()),
    ];
    for (label, folder, tool, server) in dbs {
        let case = format!("`plan --impact` {FROM} -> {TO}, GovWay, {label}");
        let client = match tools::find(&tool) {
            Ok(c) => c,
            Err(why) => {
                rows.push(Row::not_run("impact", case, why));
                continue;
            }
        };
        if let Err(why) = tools::server_up(label, &server) {
            rows.push(Row::not_run("impact", case, why));
            continue;
        }
        let db = Db {
            label,
            folder,
            client,
            server,
        };
        // MariaDB's rounds each load 1M rows anew (no template databases): `_IMPACT_MYSQL`.
        let rounds = ctx.rounds(&format!("impact_{folder}"), ctx.rounds("impact", 3));
        match one_db(ctx, &db, rounds) {
            Ok((mut r, d)) => {
                rows.append(&mut r);
                detail.push(d);
            }
            Err(e) => rows.push(Row::not_run("impact", case, format!("failed: {e:#}"))),
        }
    }
    if !detail.is_empty() {
        write_detail(&detail.join("\n"))?;
    }
    Ok(rows)
}

/// The per-statement tables go between their own markers in the doc, after the summary.
fn write_detail(text: &str) -> Result<()> {
    let doc = std::env::var_os("GOVUP_BENCH_DOC")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join(super::DOC));
    let old = std::fs::read_to_string(&doc).unwrap_or_default();
    let block = format!("{BEGIN}\n\n{text}\n{END}");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{block}{}", &old[..b], &old[e + END.len()..]),
        _ => format!(
            "{}\n\n### Impact estimates, statement by statement\n\n{block}\n",
            old.trim_end()
        ),
    };
    std::fs::write(&doc, new)?;
    Ok(())
}
