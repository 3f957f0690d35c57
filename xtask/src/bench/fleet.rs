//! `fleet`: `govup fleet apply --jobs 8` of 60 installations of the sample tree (30 PostgreSQL
//! databases, 20 MariaDB databases, 10 SQLite files, each from the empty 1.0.0 to the newest
//! version) against a loop of the same 60 `govup apply` runs one after another, on the same
//! servers. Every round of both starts from fresh, empty databases (made unmeasured). A context
//! row gives what 60 processes that only start and read the tree cost (`govup plan`), the part a
//! fleet pays once per tree instead of once per installation. Target: the fleet beats the loop.

use super::measure::{self, Contender, Input, Sample};
use super::tools::{self, Server};
use super::{Ctx, Row};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::Command;

const PG: usize = 30;
const MY: usize = 20;
const LITE: usize = 10;
const JOBS: &str = "8";

struct Setup {
    psql: PathBuf,
    mysql: PathBuf,
    pg: Server,
    my: Server,
    dir: PathBuf,
    /// (name, URL), in inventory order.
    installations: Vec<(String, String)>,
}

impl Setup {
    fn pg_name(i: usize) -> String {
        format!("govup_bench_fleet_pg_{i}")
    }

    fn my_name(i: usize) -> String {
        format!("govup_bench_fleet_my_{i}")
    }

    /// Every database empty again (not measured).
    fn fresh(&self) -> Result<()> {
        self.drop_all()?;
        let create: String = (0..PG)
            .map(|i| format!("CREATE DATABASE {};\n", Setup::pg_name(i)))
            .collect();
        let file = self.dir.join("create.sql");
        std::fs::write(&file, create)?;
        measure::quiet(
            tools::psql(&self.psql, &self.pg, "postgres")
                .arg("-f")
                .arg(&file),
        )?;
        let create: String = (0..MY)
            .map(|i| format!("CREATE DATABASE {};", Setup::my_name(i)))
            .collect();
        measure::quiet(tools::mysql_cmd(&self.mysql, &self.my).args(["-e", &create]))
    }

    fn drop_all(&self) -> Result<()> {
        let drop: String = (0..PG)
            .map(|i| {
                format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE);\n",
                    Setup::pg_name(i)
                )
            })
            .collect();
        let file = self.dir.join("drop.sql");
        std::fs::write(&file, drop)?;
        measure::quiet(
            tools::psql(&self.psql, &self.pg, "postgres")
                .arg("-f")
                .arg(&file),
        )?;
        let drop: String = (0..MY)
            .map(|i| format!("DROP DATABASE IF EXISTS {};", Setup::my_name(i)))
            .collect();
        measure::quiet(tools::mysql_cmd(&self.mysql, &self.my).args(["-e", &drop]))?;
        for i in 0..LITE {
            let _ = std::fs::remove_file(self.dir.join(format!("lite_{i}.db")));
        }
        Ok(())
    }

    /// Fails unless every installation recorded the whole upgrade.
    fn check(&self, what: &str) -> Result<()> {
        let sql = "SELECT COUNT(*) FROM govup_history WHERE status = 'applied'";
        let pg = tools::pg_value(&self.psql, &self.pg, &Setup::pg_name(PG - 1), sql)?;
        let my = tools::my_value(&self.mysql, &self.my, &Setup::my_name(MY - 1), sql)?;
        if pg.parse::<usize>().unwrap_or(0) == 0 || pg != my {
            bail!("after {what}, the last PostgreSQL and MariaDB installations record {pg} and {my} applied patches: the run did not do the work");
        }
        Ok(())
    }
}

fn samples() -> PathBuf {
    crate::root().join("sql-samples")
}

fn setup(ctx: &Ctx) -> Result<std::result::Result<Setup, String>> {
    let (pg, my) = (tools::postgres(), tools::mysql());
    let found = tools::find(&tools::PSQL).and_then(|psql| {
        let mysql = tools::find(&tools::MYSQL)?;
        tools::server_up("PostgreSQL", &pg)?;
        tools::server_up("MariaDB", &my)?;
        Ok((psql, mysql))
    });
    let (psql, mysql) = match found {
        Ok(found) => found,
        Err(why) => return Ok(Err(why)),
    };
    let dir = ctx.work.join("fleet");
    std::fs::create_dir_all(&dir)?;
    let mut installations = Vec::new();
    for i in 0..PG {
        installations.push((
            format!("pg-{i}"),
            tools::postgres_url(&pg, &Setup::pg_name(i)),
        ));
    }
    for i in 0..MY {
        installations.push((format!("my-{i}"), tools::mysql_url(&my, &Setup::my_name(i))));
    }
    for i in 0..LITE {
        let file = dir.join(format!("lite_{i}.db"));
        installations.push((format!("lite-{i}"), format!("sqlite:{}", file.display())));
    }
    Ok(Ok(Setup {
        psql,
        mysql,
        pg,
        my,
        dir,
        installations,
    }))
}

fn inventory(s: &Setup) -> Result<PathBuf> {
    let mut text = format!(
        "dir = {:?}\nto = \"latest\"\nfrom = \"1.0.0\"\n",
        samples().display().to_string()
    );
    for (name, url) in &s.installations {
        text += &format!("\n[[installation]]\nname = \"{name}\"\nurl = \"{url}\"\n");
    }
    let path = s.dir.join("fleet.toml");
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

fn apply_loop(ctx: &Ctx, s: &Setup) -> Vec<Command> {
    s.installations
        .iter()
        .map(|(_, url)| {
            let mut cmd = Command::new(&ctx.govup);
            cmd.args(["apply", "--dir"])
                .arg(samples())
                .args(["--url", url, "--from", "1.0.0", "--to", "latest"]);
            cmd
        })
        .collect()
}

pub fn run(ctx: &Ctx) -> Result<Vec<Row>> {
    let case = format!(
        "`govup fleet apply --jobs {JOBS}`: {} installations ({PG} PostgreSQL, {MY} MariaDB, {LITE} SQLite), sample tree 1.0.0 -> 1.1.2",
        PG + MY + LITE
    );
    let s = match setup(ctx)? {
        Ok(s) => s,
        Err(why) => return Ok(vec![Row::not_run("fleet", case, why)]),
    };
    let rounds = ctx.rounds("fleet", 3);
    let inv = inventory(&s)?;
    let mut loop_cmds = apply_loop(ctx, &s);
    let mut starts: Vec<Command> = (0..s.installations.len())
        .map(|_| {
            let mut cmd = Command::new(&ctx.govup);
            cmd.args(["plan", "--dir"]).arg(samples()).args([
                "--db",
                "postgresql",
                "--from",
                "1.0.0",
                "--to",
                "latest",
            ]);
            cmd
        })
        .collect();
    let mut contenders = [
        Contender::new("govup fleet apply", |round| {
            s.fresh()?;
            let sample = measure::run(
                Command::new(&ctx.govup)
                    .args(["fleet", "apply", "--inventory"])
                    .arg(&inv)
                    .args(["--jobs", JOBS]),
                Input::Nothing,
            )?;
            if round == 1 {
                s.check("the fleet")?;
            }
            Ok(sample)
        }),
        Contender::new("a loop of govup apply", |round| {
            s.fresh()?;
            let sample = measure::run_all(&mut loop_cmds)?;
            if round == 1 {
                s.check("the loop")?;
            }
            Ok(sample)
        }),
        Contender::new("govup plan (start and read)", |_| {
            measure::run_all(&mut starts)
        }),
    ];
    let samples = measure::alternate(rounds, false, &mut contenders);
    let cleanup = s.drop_all();
    let samples = samples?;
    cleanup?;
    Ok(rows(case, rounds, &samples))
}

fn cpu_median(samples: &[Sample]) -> std::time::Duration {
    let mut cpus: Vec<_> = samples.iter().map(|s| s.cpu).collect();
    cpus.sort();
    cpus.get(cpus.len() / 2).copied().unwrap_or_default()
}

fn rows(case: String, rounds: usize, samples: &[Vec<Sample>]) -> Vec<Row> {
    let (fleet, single, starts) = (&samples[0], &samples[1], &samples[2]);
    let ratio = measure::ratio(measure::median(fleet), measure::median(single));
    let mut row = Row::new("fleet", case);
    row.runs = rounds.to_string();
    row.govup = format!(
        "{} (CPU {})",
        measure::show(measure::median(fleet)),
        measure::show(cpu_median(fleet))
    );
    row.other = format!(
        "60 `govup apply` one after another: {} (CPU {})",
        measure::show(measure::median(single)),
        measure::show(cpu_median(single))
    );
    row.ratio = measure::show_ratio(ratio);
    row.target = "< 1x".into();
    let row = row.verdict(ratio < 1.0);
    let mut context = Row::new(
        "fleet",
        "(context) 60 processes that start and read the tree only (`govup plan`): what the loop pays per installation and a fleet once per tree",
    );
    context.runs = rounds.to_string();
    context.govup = format!(
        "{} (CPU {})",
        measure::show(measure::median(starts)),
        measure::show(cpu_median(starts))
    );
    vec![row, context]
}
