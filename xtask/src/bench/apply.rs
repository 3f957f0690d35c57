//! `apply`: `govup apply --tx all` of 5,000 one-statement patches (50 steps of 100, plus each
//! step's info-patch) into a fresh database, against the database's own client running the same
//! statements from one file: `sqlite3 db < file` (inside BEGIN/COMMIT), `psql -1 -f file`,
//! `mysql < file`. Every round of both starts from a fresh scratch database. Target: at most
//! 1.25x each.

use super::gen::{self, ApplyTree};
use super::measure::{self, Contender, Input, Sample};
use super::tools::{self, Server};
use super::{Ctx, Row};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: f64 = 1.25;
pub const DBS: [&str; 3] = ["sqlite", "postgresql", "mysql"];

/// `GOVUP_BENCH_APPLY=STEPSxPATCHES` (default `50x100`): the shape of the apply tree.
fn shape() -> Result<(usize, usize)> {
    let text = std::env::var("GOVUP_BENCH_APPLY").unwrap_or_else(|_| "50x100".into());
    let parsed = text
        .split_once('x')
        .and_then(|(s, p)| Some((s.trim().parse().ok()?, p.trim().parse().ok()?)));
    match parsed {
        Some((s, p)) if s > 0 && p > 1 => Ok((s, p)),
        _ => bail!("GOVUP_BENCH_APPLY: `{text}` is not STEPSxPATCHES such as 50x100"),
    }
}

/// The apply tree (shared with `peers`).
pub fn tree(ctx: &Ctx) -> Result<ApplyTree> {
    let (steps, per_step) = shape()?;
    gen::apply_tree(
        &ctx.work.join(format!("apply-{steps}x{per_step}")),
        steps,
        per_step,
        &DBS,
    )
}

pub fn describe(tree: &ApplyTree) -> String {
    format!(
        "{} one-statement patches + {} info-patches ({} steps)",
        measure::count(tree.patches),
        tree.steps,
        tree.steps
    )
}

/// `govup apply` of the whole tree from 1.0.0 into `url`.
pub fn govup_apply(ctx: &Ctx, tree: &ApplyTree, url: &str) -> Result<Sample> {
    measure::run(
        Command::new(&ctx.govup)
            .args(["apply", "--dir"])
            .arg(&tree.root)
            .args([
                "--url", url, "--from", "1.0.0", "--to", "latest", "--tx", "all",
            ]),
        Input::Nothing,
    )
}

/// Fails unless `got` is what a full run leaves.
pub fn expect(what: &str, got: &str, want: usize) -> Result<()> {
    if got.trim() != want.to_string() {
        bail!("after the run, {what} is {got:?}, expected {want}: the run did not do the work");
    }
    Ok(())
}

pub fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let tree = tree(ctx)?;
    let rounds = ctx.rounds("apply", 3);
    let mut rows = vec![read_floor(&tree, rounds)?];
    type Bench = fn(&Ctx, &ApplyTree, usize) -> Result<Row>;
    let benches: [(&str, Bench); 3] = [
        ("SQLite", sqlite),
        ("PostgreSQL", postgres),
        ("MariaDB", mariadb),
    ];
    for (label, bench) in benches {
        eprintln!("xtask:   apply on {label}");
        let case = format!("`govup apply` {} on {label}", describe(&tree));
        rows.push(match bench(ctx, &tree, rounds) {
            Ok(mut row) => {
                row.case = case;
                row
            }
            Err(e) => Row::not_run("apply", case, format!("{e:#}")),
        });
    }
    Ok(rows)
}

/// What reading the tree alone costs (`cat` of every file a postgresql apply reads): part of
/// govup's time that the client floors, fed one ready file, do not have.
fn read_floor(tree: &ApplyTree, rounds: usize) -> Result<Row> {
    let files = gen::files_read(&tree.root, "postgresql")?;
    let mut cats = gen::cat_commands(&tree.root, &files);
    let mut contenders = [Contender::new("cat", |_| measure::run_all(&mut cats))];
    let samples = measure::alternate(rounds, true, &mut contenders)?;
    let mut row = Row::new(
        "apply",
        format!(
            "(context) reading the apply tree alone: the {} files one apply reads",
            measure::count(files.len())
        ),
    );
    row.runs = rounds.to_string();
    row.govup = "—".into();
    row.other = format!(
        "`cat` of them: {}",
        measure::show(measure::median(&samples[0]))
    );
    Ok(row)
}

fn row(rounds: usize, samples: &[Vec<Sample>], floor: &str) -> Row {
    let (govup, base) = (measure::median(&samples[0]), measure::median(&samples[1]));
    let ratio = measure::ratio(govup, base);
    let mut row = Row::new("apply", "");
    row.runs = rounds.to_string();
    row.govup = measure::show(govup);
    row.other = format!("{floor}: {}", measure::show(base));
    row.ratio = measure::show_ratio(ratio);
    row.target = format!("≤ {TARGET}x");
    row.verdict(ratio <= TARGET)
}

fn script(ctx: &Ctx, name: &str, text: String) -> Result<PathBuf> {
    let path = ctx.work.join(name);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn remove_sqlite(db: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn sqlite_value(sqlite3: &Path, db: &Path, sql: &str) -> Result<String> {
    measure::output(Command::new(sqlite3).arg(db).arg(sql))
}

fn sqlite(ctx: &Ctx, tree: &ApplyTree, rounds: usize) -> Result<Row> {
    let sqlite3 = match tools::find(&tools::SQLITE3) {
        Ok(p) => p,
        Err(why) => return Ok(Row::not_run("apply", "", why)),
    };
    let floor = script(
        ctx,
        "apply-floor-sqlite.sql",
        gen::script(&tree.statements, Some("BEGIN;"), Some("COMMIT;")),
    )?;
    let (db_g, db_f) = (
        ctx.work.join("apply-govup.sqlite"),
        ctx.work.join("apply-floor.sqlite"),
    );
    let url = format!("sqlite:{}", db_g.display());
    let mut contenders = [
        Contender::new("govup apply sqlite", |round| {
            remove_sqlite(&db_g);
            let s = govup_apply(ctx, tree, &url)?;
            if round == 1 {
                let n = sqlite_value(&sqlite3, &db_g, "SELECT count(*) FROM govup_history")?;
                expect("govup_history's row count", &n, tree.patches + tree.steps)?;
            }
            remove_sqlite(&db_g);
            Ok(s)
        }),
        Contender::new("sqlite3", |round| {
            remove_sqlite(&db_f);
            let s = measure::run(Command::new(&sqlite3).arg(&db_f), Input::File(&floor))?;
            if round == 1 {
                let n = sqlite_value(&sqlite3, &db_f, "SELECT count(*) FROM db_info")?;
                expect("db_info's row count", &n, tree.steps)?;
            }
            remove_sqlite(&db_f);
            Ok(s)
        }),
    ];
    let samples = measure::alternate(rounds, false, &mut contenders)?;
    Ok(row(
        rounds,
        &samples,
        "`sqlite3 db < file`, BEGIN/COMMIT around the same statements",
    ))
}

fn postgres(ctx: &Ctx, tree: &ApplyTree, rounds: usize) -> Result<Row> {
    let server = tools::postgres();
    let psql = match tools::find(&tools::PSQL).and_then(|p| {
        tools::server_up("PostgreSQL", &server)?;
        Ok(p)
    }) {
        Ok(p) => p,
        Err(why) => return Ok(Row::not_run("apply", "", why)),
    };
    let floor = script(
        ctx,
        "apply-floor-postgresql.sql",
        gen::script(&tree.statements, None, None),
    )?;
    let samples = pg_rounds(ctx, tree, rounds, &psql, &server, |db| {
        measure::run(
            tools::psql(&psql, &server, db)
                .args(["-1", "-f"])
                .arg(&floor),
            Input::Nothing,
        )
    })?;
    Ok(row(
        rounds,
        &samples,
        "`psql -1 -f file` of the same statements",
    ))
}

/// Alternates `govup apply` and `other` on fresh PostgreSQL databases; `other` gets the name
/// of its scratch database and leaves what the statements make (checked after round 1).
pub fn pg_rounds(
    ctx: &Ctx,
    tree: &ApplyTree,
    rounds: usize,
    psql: &Path,
    server: &Server,
    mut other: impl FnMut(&str) -> Result<Sample>,
) -> Result<Vec<Vec<Sample>>> {
    let (db_g, db_f) = ("govup_bench_govup", "govup_bench_floor");
    let url = tools::postgres_url(server, db_g);
    let mut contenders = [
        Contender::new("govup apply postgresql", |round| {
            tools::pg_fresh(psql, server, db_g)?;
            let s = govup_apply(ctx, tree, &url)?;
            if round == 1 {
                let n = tools::pg_value(psql, server, db_g, "SELECT count(*) FROM govup_history")?;
                expect("govup_history's row count", &n, tree.patches + tree.steps)?;
            }
            tools::pg_drop(psql, server, db_g)?;
            Ok(s)
        }),
        Contender::new("compared", |round| {
            tools::pg_fresh(psql, server, db_f)?;
            let s = other(db_f)?;
            if round == 1 {
                let n = tools::pg_value(psql, server, db_f, "SELECT count(*) FROM db_info")?;
                expect("db_info's row count", &n, tree.steps)?;
            }
            tools::pg_drop(psql, server, db_f)?;
            Ok(s)
        }),
    ];
    measure::alternate(rounds, false, &mut contenders)
}

fn mariadb(ctx: &Ctx, tree: &ApplyTree, rounds: usize) -> Result<Row> {
    let server = tools::mysql();
    let mysql = match tools::find(&tools::MYSQL).and_then(|p| {
        tools::server_up("MariaDB", &server)?;
        Ok(p)
    }) {
        Ok(p) => p,
        Err(why) => return Ok(Row::not_run("apply", "", why)),
    };
    let floor = script(
        ctx,
        "apply-floor-mysql.sql",
        gen::script(&tree.statements, None, None),
    )?;
    let (db_g, db_f) = ("govup_bench_govup", "govup_bench_floor");
    let url = tools::mysql_url(&server, db_g);
    let mut contenders = [
        Contender::new("govup apply mysql", |round| {
            tools::my_fresh(&mysql, &server, db_g)?;
            let s = govup_apply(ctx, tree, &url)?;
            if round == 1 {
                let n =
                    tools::my_value(&mysql, &server, db_g, "SELECT count(*) FROM govup_history")?;
                expect("govup_history's row count", &n, tree.patches + tree.steps)?;
            }
            tools::my_drop(&mysql, &server, db_g)?;
            Ok(s)
        }),
        Contender::new("mysql", |round| {
            tools::my_fresh(&mysql, &server, db_f)?;
            let s = measure::run(
                tools::mysql_cmd(&mysql, &server).args(["-D", db_f]),
                Input::File(&floor),
            )?;
            if round == 1 {
                let n = tools::my_value(&mysql, &server, db_f, "SELECT count(*) FROM db_info")?;
                expect("db_info's row count", &n, tree.steps)?;
            }
            tools::my_drop(&mysql, &server, db_f)?;
            Ok(s)
        }),
    ];
    let samples = measure::alternate(rounds, false, &mut contenders)?;
    Ok(row(
        rounds,
        &samples,
        "`mysql < file` of the same statements (autocommit)",
    ))
}
