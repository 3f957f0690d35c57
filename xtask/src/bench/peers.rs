//! `peers`: the apply benchmark's statements as migrations of Sqitch (`sqitch deploy`) and
//! dbmate (`dbmate migrate`), on PostgreSQL, alternating with `govup apply --tx all` of the same
//! tree; every run starts from a fresh database. Each tool keeps its own history (Sqitch's
//! registry, dbmate's `schema_migrations`, govup's `govup_history`). Target: govup faster than
//! both. A peer that cannot be installed gets a row saying why.

use super::apply;
use super::gen::ApplyTree;
use super::measure::{self, Input, Sample};
use super::tools::{self, Server};
use super::{Ctx, Row};
use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let tree = apply::tree(ctx)?;
    let rounds = ctx.rounds("peers", 3);
    let server = tools::postgres();
    let case = |peer: &str| {
        format!(
            "{peer} vs `govup apply`: {} as {} migrations, PostgreSQL",
            apply::describe(&tree),
            measure::count(tree.statements.len())
        )
    };
    let setup = tools::find(&tools::PSQL).and_then(|p| {
        tools::server_up("PostgreSQL", &server)?;
        Ok(p)
    });
    let psql = match setup {
        Ok(p) => p,
        Err(why) => {
            return Ok(vec![
                Row::not_run("peers", case("Sqitch"), why.clone()),
                Row::not_run("peers", case("dbmate"), why),
            ])
        }
    };
    let sqitch = match tools::find(&tools::SQITCH) {
        Err(why) => Ok(Row::not_run("peers", "", why)),
        Ok(sqitch) => sqitch_bench(ctx, &tree, sqitch_rounds(), &psql, &server, &sqitch),
    }
    .unwrap_or_else(|e| Row::not_run("peers", "", format!("{e:#}")));
    let dbmate = match tools::find(&tools::DBMATE) {
        Err(why) => Ok(Row::not_run("peers", "", why)),
        Ok(dbmate) => dbmate_bench(ctx, &tree, rounds, &psql, &server, &dbmate),
    }
    .unwrap_or_else(|e| Row::not_run("peers", "", format!("{e:#}")));
    let rows = vec![
        Row {
            case: case("Sqitch"),
            ..sqitch
        },
        Row {
            case: case("dbmate"),
            ..dbmate
        },
    ];
    Ok(rows)
}

/// Sqitch runs `psql` once per change (minutes for the whole set): one round, unless
/// `GOVUP_BENCH_ROUNDS_SQITCH` asks for more.
fn sqitch_rounds() -> usize {
    std::env::var("GOVUP_BENCH_ROUNDS_SQITCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1usize)
        .max(1)
}

fn row(rounds: usize, samples: &[Vec<Sample>], peer: &str) -> Row {
    let (govup, other) = (measure::median(&samples[0]), measure::median(&samples[1]));
    let ratio = measure::ratio(govup, other);
    let mut row = Row::new("peers", "");
    row.runs = rounds.to_string();
    row.govup = measure::show(govup);
    row.other = format!("{peer}: {}", measure::show(other));
    row.ratio = measure::show_ratio(ratio);
    row.target = "< 1x (govup faster)".into();
    row.verdict(ratio < 1.0)
}

/// The statements as a Sqitch project: `sqitch.conf`, `sqitch.plan`, `deploy/*.sql`.
fn sqitch_project(ctx: &Ctx, tree: &ApplyTree) -> Result<PathBuf> {
    let dir = ctx
        .work
        .join(format!("peers-sqitch-{}", tree.statements.len()));
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(dir.join("deploy"))?;
    fs::write(
        dir.join("sqitch.conf"),
        "[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n",
    )?;
    let mut plan = String::from("%syntax-version=1.0.0\n%project=govup_bench\n\n");
    for (i, stmt) in tree.statements.iter().enumerate() {
        let name = format!("m{:05}", i + 1);
        plan.push_str(&format!(
            "{name} 2024-01-01T00:00:00Z govup bench <bench@example.invalid> # statement {}\n",
            i + 1
        ));
        fs::write(
            dir.join("deploy").join(format!("{name}.sql")),
            format!("{stmt};\n"),
        )?;
    }
    fs::write(dir.join("sqitch.plan"), plan)?;
    Ok(dir)
}

fn sqitch_bench(
    ctx: &Ctx,
    tree: &ApplyTree,
    rounds: usize,
    psql: &Path,
    server: &Server,
    sqitch: &Path,
) -> Result<Row> {
    let project = sqitch_project(ctx, tree).context("cannot write the sqitch project")?;
    eprintln!("xtask:   Sqitch ({})", project.display());
    let samples = apply::pg_rounds(ctx, tree, rounds, psql, server, |db| {
        let target = format!("db:pg://postgres@{}:{}/{db}", server.host, server.port);
        measure::run(
            Command::new(sqitch)
                .current_dir(&project)
                .env("PGSSLMODE", "disable")
                .env("SQITCH_FULLNAME", "govup bench")
                .env("SQITCH_EMAIL", "bench@example.invalid")
                .args(["deploy", "--target", &target]),
            Input::Nothing,
        )
    })?;
    let version = tools::first_line("sqitch", &["--version"]).unwrap_or_default();
    Ok(row(
        rounds,
        &samples,
        &format!("`sqitch deploy` ({version})"),
    ))
}

/// The statements as dbmate migrations: `NNNNN_mNNNNN.sql` with `-- migrate:up`.
fn dbmate_dir(ctx: &Ctx, tree: &ApplyTree) -> Result<PathBuf> {
    let dir = ctx
        .work
        .join(format!("peers-dbmate-{}", tree.statements.len()));
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    for (i, stmt) in tree.statements.iter().enumerate() {
        fs::write(
            dir.join(format!("{:014}_m{:05}.sql", i + 1, i + 1)),
            format!("-- migrate:up\n{stmt};\n\n-- migrate:down\n"),
        )?;
    }
    Ok(dir)
}

fn dbmate_bench(
    ctx: &Ctx,
    tree: &ApplyTree,
    rounds: usize,
    psql: &Path,
    server: &Server,
    dbmate: &Path,
) -> Result<Row> {
    let migrations = dbmate_dir(ctx, tree).context("cannot write the dbmate migrations")?;
    eprintln!("xtask:   dbmate ({})", migrations.display());
    let samples = apply::pg_rounds(ctx, tree, rounds, psql, server, |db| {
        let url = format!("{}?sslmode=disable", tools::postgres_url(server, db));
        measure::run(
            Command::new(dbmate)
                .args(["--url", &url, "--migrations-dir"])
                .arg(&migrations)
                .args(["--no-dump-schema", "migrate"]),
            Input::Nothing,
        )
    })?;
    let version = Command::new(dbmate)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Ok(row(
        rounds,
        &samples,
        &format!("`dbmate migrate` ({version})"),
    ))
}
