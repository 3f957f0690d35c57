//! The programs and servers the benchmarks need: where they are, the exact command that
//! installs a missing one (run under `GOVUP_BENCH_INSTALL=1`), and scratch databases.

use super::measure;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A program a benchmark runs.
pub struct Tool {
    pub name: &'static str,
    /// The command that installs it, as printed and as run.
    pub install: &'static str,
    /// Besides being on PATH, what must work (a Perl module, say).
    pub probe: Option<(&'static str, &'static [&'static str])>,
}

pub const SQLITE3: Tool = Tool {
    name: "sqlite3",
    install: "apt-get update && apt-get install -y sqlite3",
    probe: None,
};
pub const PSQL: Tool = Tool {
    name: "psql",
    install: "apt-get update && apt-get install -y postgresql-client",
    probe: None,
};
pub const MYSQL: Tool = Tool {
    name: "mysql",
    install: "apt-get update && apt-get install -y mariadb-client",
    probe: None,
};
pub const SQITCH: Tool = Tool {
    name: "sqitch",
    install: "apt-get update && apt-get install -y sqitch libdbd-pg-perl",
    probe: Some(("perl", &["-MDBD::Pg", "-e", "1"])),
};
/// npm's `dbmate` ships the binary for this platform as an optional dependency.
pub const DBMATE: Tool = Tool {
    name: "dbmate",
    install: "npm install --no-audit --no-fund --prefix target/bench-tools dbmate",
    probe: None,
};

fn on_path(name: &str) -> Option<PathBuf> {
    let local = crate::root()
        .join("target/bench-tools/node_modules/.bin")
        .join(name);
    if local.is_file() {
        return Some(local);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn probe_ok(tool: &Tool) -> bool {
    tool.probe.is_none_or(|(cmd, args)| {
        Command::new(cmd)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn installing() -> bool {
    std::env::var("GOVUP_BENCH_INSTALL").as_deref() == Ok("1")
}

/// Where `tool` is; Err says why it cannot be had and how to install it.
pub fn find(tool: &Tool) -> Result<PathBuf, String> {
    if let Some(path) = on_path(tool.name).filter(|_| probe_ok(tool)) {
        return Ok(path);
    }
    if !installing() {
        eprintln!(
            "xtask: {} is missing; install it with:\n    {}\n  (or run with GOVUP_BENCH_INSTALL=1)",
            tool.name, tool.install
        );
        return Err(format!(
            "{} is not installed: `{}` installs it (GOVUP_BENCH_INSTALL=1 runs that)",
            tool.name, tool.install
        ));
    }
    eprintln!("xtask: $ {}", tool.install);
    let out = Command::new("sh")
        .args(["-c", tool.install])
        .current_dir(crate::root())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", tool.install))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(format!(
            "{} could not be installed: `{}` failed ({}): {}",
            tool.name,
            tool.install,
            out.status,
            last.trim()
        ));
    }
    on_path(tool.name)
        .filter(|_| probe_ok(tool))
        .ok_or_else(|| {
            format!(
                "{} is still missing after `{}` succeeded",
                tool.name, tool.install
            )
        })
}

/// The first line a command prints, when it runs and succeeds.
pub fn first_line(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
    )
}

/// `(label, program, args)` whose first output line is a version worth recording.
pub const VERSIONS: [(&str, &str, &[&str]); 4] = [
    ("rustc", "rustc", &["--version"]),
    ("sqlite3", "sqlite3", &["--version"]),
    ("psql", "psql", &["--version"]),
    ("mysql", "mysql", &["--version"]),
];

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// A database server reached over TCP on this machine.
pub struct Server {
    pub host: String,
    pub port: String,
}

impl Server {
    fn from_env(var: &str, default: &str) -> Server {
        let addr = env_or(var, default);
        let (host, port) = addr.rsplit_once(':').unwrap_or((&addr, ""));
        Server {
            host: host.to_string(),
            port: port.to_string(),
        }
    }

    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

pub fn postgres() -> Server {
    Server::from_env("GOVUP_BENCH_POSTGRES", "127.0.0.1:5432")
}

pub fn mysql() -> Server {
    Server::from_env("GOVUP_BENCH_MYSQL", "127.0.0.1:3306")
}

/// Whether the server answers, after starting it when it is installed here but stopped.
pub fn server_up(label: &str, server: &Server) -> Result<(), String> {
    if crate::services::ensure(label, &server.addr()) {
        Ok(())
    } else {
        Err(format!("{label} does not answer on {}", server.addr()))
    }
}

/// `psql` with the options every call shares: no psqlrc, no TLS (govup's driver does not use
/// it on a plain URL, so neither does the floor), stop at the first error.
pub fn psql(psql: &Path, server: &Server, db: &str) -> Command {
    let mut cmd = Command::new(psql);
    cmd.env("PGSSLMODE", "disable")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1"])
        .args([
            "-h",
            &server.host,
            "-p",
            &server.port,
            "-U",
            "postgres",
            "-d",
            db,
        ]);
    cmd
}

pub fn mysql_cmd(mysql: &Path, server: &Server) -> Command {
    let mut cmd = Command::new(mysql);
    cmd.args([
        "--protocol=TCP",
        "-h",
        &server.host,
        "-P",
        &server.port,
        "-u",
        "root",
        "--skip-ssl",
    ]);
    cmd
}

pub fn postgres_url(server: &Server, db: &str) -> String {
    format!("postgres://postgres@{}:{}/{db}", server.host, server.port)
}

pub fn mysql_url(server: &Server, db: &str) -> String {
    format!("mysql://root@{}:{}/{db}", server.host, server.port)
}

/// Drops and creates an empty PostgreSQL database (setup, not measured).
pub fn pg_fresh(psql_bin: &Path, server: &Server, db: &str) -> Result<()> {
    pg_drop(psql_bin, server, db)?;
    measure::quiet(
        psql(psql_bin, server, "postgres").args(["-c", &format!("CREATE DATABASE {db}")]),
    )
}

pub fn pg_drop(psql_bin: &Path, server: &Server, db: &str) -> Result<()> {
    measure::quiet(
        psql(psql_bin, server, "postgres")
            .args(["-c", &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")]),
    )
}

/// One value a query returns (checks, not measured).
pub fn pg_value(psql_bin: &Path, server: &Server, db: &str, sql: &str) -> Result<String> {
    Ok(
        measure::output(psql(psql_bin, server, db).args(["-A", "-t", "-c", sql]))?
            .trim()
            .to_string(),
    )
}

pub fn my_fresh(mysql_bin: &Path, server: &Server, db: &str) -> Result<()> {
    my_drop(mysql_bin, server, db)?;
    measure::quiet(mysql_cmd(mysql_bin, server).args(["-e", &format!("CREATE DATABASE {db}")]))
}

pub fn my_drop(mysql_bin: &Path, server: &Server, db: &str) -> Result<()> {
    measure::quiet(
        mysql_cmd(mysql_bin, server).args(["-e", &format!("DROP DATABASE IF EXISTS {db}")]),
    )
}

pub fn my_value(mysql_bin: &Path, server: &Server, db: &str, sql: &str) -> Result<String> {
    Ok(
        measure::output(mysql_cmd(mysql_bin, server).args(["-N", "-s", "-D", db, "-e", sql]))?
            .trim()
            .to_string(),
    )
}
