//! Running the binary and finding the trees it runs on.

use govup_engine::Driver;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn govup(args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_govup"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("govup runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub use govup_testkit::workspace;

pub fn fixture(name: &str) -> String {
    workspace()
        .join("fixtures")
        .join(name)
        .display()
        .to_string()
}

/// The bundled `sql-samples/` tree, as an argument.
pub fn samples() -> String {
    workspace().join("sql-samples").display().to_string()
}

/// Writes `text` as `map.toml` in a fresh scratch folder; returns its path, as an argument.
pub fn write_map(tag: &str, text: &str) -> String {
    let map = govup_testkit::scratch_dir(tag).join("map.toml");
    std::fs::write(&map, text).unwrap();
    map.display().to_string()
}

/// A SQLite URL for a new file in a fresh scratch folder, and that folder.
pub fn sqlite_scratch(tag: &str) -> (String, PathBuf) {
    let dir = govup_testkit::scratch_dir(tag);
    (format!("sqlite:{}", dir.join("db.sqlite").display()), dir)
}

pub fn json(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("stdout is one JSON document")
}

/// The test servers, each behind its `GOVUP_TEST_*_URL`.
#[derive(Clone, Copy)]
pub enum Server {
    Postgres,
    Mysql,
}

/// A scratch database on a test server, dropped when the test ends.
pub struct Scratch {
    server: Server,
    admin: String,
    pub name: String,
    pub url: String,
}

impl Scratch {
    /// None (after printing why) when the server's URL is not set.
    pub fn new(server: Server, tag: &str) -> Option<Scratch> {
        let var = match server {
            Server::Postgres => "GOVUP_TEST_POSTGRES_URL",
            Server::Mysql => "GOVUP_TEST_MYSQL_URL",
        };
        let admin = govup_testkit::server_url(var)?;
        let name = govup_testkit::unique_name(tag).to_lowercase();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        connect(&admin)
            .execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        Some(Scratch {
            server,
            admin,
            name,
            url,
        })
    }

    pub fn conn(&self) -> Box<dyn Driver> {
        connect(&self.url)
    }

    /// Rows as `a | b | c` strings, NULL as `NULL`, in a set (order is not compared).
    pub fn query(&self, sql: &str) -> BTreeSet<String> {
        self.conn()
            .query(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|c| c.unwrap_or_else(|| "NULL".into()))
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect()
    }

    /// Loads GovWay's fresh install of `version` for `db`: `schema.sql`, then `data.sql`.
    pub fn load_fresh(&self, fresh: &Path, version: &str, db: &str, prelude: &[&str]) {
        for file in ["schema.sql", "data.sql"] {
            self.load(&fresh.join(version).join(db).join(file), prelude);
        }
    }

    /// Runs a whole SQL file through govup's own splitter, after `prelude` statements.
    pub fn load(&self, path: &Path, prelude: &[&str]) {
        let text = std::fs::read_to_string(path).unwrap();
        let mut conn = self.conn();
        for p in prelude {
            conn.execute(p).unwrap();
        }
        for stmt in conn.dialect().split(&text).unwrap() {
            conn.execute(&stmt.text)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), stmt.line));
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let drop = match self.server {
            Server::Postgres => format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            Server::Mysql => format!("DROP DATABASE IF EXISTS {}", self.name),
        };
        let _ = connect(&self.admin).execute(&drop);
    }
}

pub fn connect(url: &str) -> Box<dyn Driver> {
    let driver = match govup_engine::url::db_type_of(url) {
        Some(govup_planner::DbType::Mysql) => govup_driver_mysql::connect(url),
        Some(govup_planner::DbType::Sqlite) => govup_driver_sqlite::connect(url),
        _ => govup_driver_postgres::connect(url),
    };
    driver.unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// [`govup`] with extra environment variables (terminal width, colour).
pub fn govup_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_govup"))
        .args(args)
        .env_remove("GOVUP_TABLE_WIDTH")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .current_dir(workspace())
        .output()
        .expect("govup runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
