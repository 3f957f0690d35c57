//! Finding the local PostgreSQL and MariaDB servers for the tests, starting them when they are
//! installed but stopped. Under `CI=true` a server that cannot be had is an error, not a skip.

use anyhow::{bail, Result};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

struct Service {
    name: &'static str,
    env: &'static str,
    url: &'static str,
    addr: &'static str,
    start: fn() -> bool,
}

const SERVICES: [Service; 2] = [
    Service {
        name: "PostgreSQL",
        env: "GOVUP_TEST_POSTGRES_URL",
        url: "postgres://postgres@127.0.0.1:5432/test",
        addr: "127.0.0.1:5432",
        start: start_postgres,
    },
    Service {
        name: "MariaDB",
        env: "GOVUP_TEST_MYSQL_URL",
        url: "mysql://root@127.0.0.1:3306/test",
        addr: "127.0.0.1:3306",
        start: start_mariadb,
    },
];

/// Sets each server's test URL (unless the caller set it) when the server answers.
pub fn export_test_urls() -> Result<()> {
    for s in &SERVICES {
        if std::env::var_os(s.env).is_some() {
            eprintln!("xtask: {} from {} (set by the caller)", s.name, s.env);
            continue;
        }
        if !answers(s.addr) {
            eprintln!(
                "xtask: {} does not answer on {}; trying to start it",
                s.name, s.addr
            );
            if (s.start)() {
                wait_for(s.addr, Duration::from_secs(30));
            }
        }
        if answers(s.addr) {
            std::env::set_var(s.env, s.url);
            eprintln!(
                "xtask: {} answers on {}: {}={}",
                s.name, s.addr, s.env, s.url
            );
        } else if crate::in_ci() {
            bail!(
                "{} is not reachable on {} and CI=true: its tests cannot be skipped",
                s.name,
                s.addr
            );
        } else {
            eprintln!(
                "xtask: {} is not reachable on {}: its tests will print why they skip",
                s.name, s.addr
            );
        }
    }
    Ok(())
}

fn answers(addr: &str) -> bool {
    addr.parse::<SocketAddr>()
        .is_ok_and(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok())
}

fn wait_for(addr: &str, limit: Duration) {
    let start = Instant::now();
    while start.elapsed() < limit && !answers(addr) {
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn start_postgres() -> bool {
    let Ok(entries) = std::fs::read_dir("/etc/postgresql") else {
        return false;
    };
    let mut started = false;
    for version in entries.flatten() {
        let version = version.file_name().to_string_lossy().into_owned();
        started |= Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status()
            .is_ok_and(|s| s.success());
    }
    started
}

fn start_mariadb() -> bool {
    if !std::path::Path::new("/usr/sbin/mariadbd").exists() {
        return false;
    }
    Command::new("start-stop-daemon")
        .args([
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            "/usr/sbin/mariadbd",
        ])
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the server `name` (as in [`SERVICES`]) answers on `addr`, after starting it when it
/// is installed here but stopped. Benchmarks use it; they never fail CI for a missing server.
pub fn ensure(name: &str, addr: &str) -> bool {
    if answers(addr) {
        return true;
    }
    let Some(service) = SERVICES.iter().find(|s| s.name == name) else {
        return false;
    };
    eprintln!("xtask: {name} does not answer on {addr}; trying to start it");
    if (service.start)() {
        wait_for(addr, Duration::from_secs(30));
    }
    answers(addr)
}
