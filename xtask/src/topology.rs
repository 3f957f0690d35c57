//! The production topologies the tests need beside the shared servers, started from the installed
//! programs under one folder and stopped after: a three-node MariaDB Galera cluster, a plain
//! read-only MariaDB, and a PostgreSQL primary with a streaming standby.
//!
//! Everything is private to the test run (own ports, data folders, sockets and pid files), so a
//! test may kill a node or change a global there, which it may never do on the shared servers.
//! The shared servers' configuration is never touched.

use anyhow::{bail, Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Everything lives here, so a later run finds (and stops) what a killed run left.
const BASE: &str = "/tmp/govup-services";
const GALERA_LIB: &str = "/usr/lib/galera/libgalera_smm.so";
const MARIADBD: &str = "/usr/sbin/mariadbd";
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const GALERA_SQL_PORTS: [u16; 3] = [13306, 13307, 13308];
const READONLY_PORT: u16 = 13309;
const PG_PRIMARY_PORT: u16 = 15432;
const PG_STANDBY_PORT: u16 = 15433;

fn base() -> PathBuf {
    PathBuf::from(BASE)
}

fn node_dir(n: usize) -> PathBuf {
    base().join(format!("galera{n}"))
}

/// Starts every topology and exports its URLs. Under `CI=true` a failure is an error; elsewhere
/// it is printed and the dependent tests say why they skip.
pub fn up() -> Result<()> {
    hold_run_lock()?;
    // Leftovers of a killed run hold the ports and data folders: stop them first.
    down();
    let start = Instant::now();
    let mysql = start_mysql_topologies();
    let mysql_took = start.elapsed();
    let pg_start = Instant::now();
    let pg = start_postgres_topology();
    eprintln!(
        "xtask: topologies started in {:.1}s (MariaDB {:.1}s, PostgreSQL {:.1}s)",
        start.elapsed().as_secs_f64(),
        mysql_took.as_secs_f64(),
        pg_start.elapsed().as_secs_f64()
    );
    for (what, result) in [("Galera cluster", mysql), ("PostgreSQL standby", pg)] {
        if let Err(e) = result {
            if crate::in_ci() {
                down();
                return Err(e.context(format!("{what} did not start and CI=true")));
            }
            eprintln!("xtask: {what} did not start ({e:#}): its tests will print why they skip");
        }
    }
    Ok(())
}

/// `cargo xtask services up`: as before a test run, then the lines to paste into a shell.
pub fn up_by_hand() -> Result<()> {
    up()?;
    for var in [
        "GOVUP_TEST_GALERA_URLS",
        "GOVUP_TEST_GALERA_DIR",
        "GOVUP_TEST_MYSQL_READONLY_URL",
        "GOVUP_TEST_PG_PRIMARY_URL",
        "GOVUP_TEST_PG_STANDBY_URL",
    ] {
        if let Ok(value) = std::env::var(var) {
            println!("export {var}={value}");
        }
    }
    Ok(())
}

/// Stops whatever the pid files name, waits for it, and removes the folder. Never fails: it is
/// also the clean-up after a failed run.
pub fn down() {
    if !base().exists() {
        return;
    }
    let mut files: Vec<PathBuf> = (1..=4).map(|n| node_dir(n).join("mariadbd.pid")).collect();
    for name in ["pg-standby", "pg-primary"] {
        files.push(base().join(name).join("data/postmaster.pid"));
    }
    stop_all(&files);
    if let Err(e) = fs::remove_dir_all(base()) {
        eprintln!("xtask: could not remove {BASE}: {e}");
    }
}

/// Two test runs on one machine (two worktrees) would share ports and folders, and the second
/// would stop the first one's servers: the second waits instead. The lock goes with the process.
fn hold_run_lock() -> Result<()> {
    use std::os::fd::AsRawFd;
    static HELD: std::sync::OnceLock<fs::File> = std::sync::OnceLock::new();
    if HELD.get().is_some() {
        return Ok(());
    }
    let path = format!("{BASE}.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {path}"))?;
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        eprintln!("xtask: another test run holds {path}; waiting for it to finish");
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            bail!("cannot lock {path}: {}", std::io::Error::last_os_error());
        }
    }
    let _ = HELD.set(file);
    Ok(())
}

fn start_mysql_topologies() -> Result<()> {
    install_if_missing(GALERA_LIB, "galera-4")?;
    // The rsync state transfer is what a joining node uses; the package is small.
    install_if_missing("/usr/bin/rsync", "rsync")?;
    if !Path::new(MARIADBD).exists() {
        bail!("{MARIADBD} is not installed");
    }
    let seed = base().join("mariadb-seed");
    seed_mariadb(&seed)?;
    for n in 1..=3 {
        let dir = node_dir(n);
        copy_dir(&seed, &dir.join("data"))?;
        fs::write(dir.join("my.cnf"), galera_config(n, &dir))?;
        chown(&dir, "mysql")?;
    }
    // A plain server in read-only mode, for the read-only refusal tests.
    let ro = node_dir(4);
    copy_dir(&seed, &ro.join("data"))?;
    fs::write(ro.join("my.cnf"), readonly_config(&ro))?;
    chown(&ro, "mysql")?;
    spawn_mariadbd(&ro, &[])?;

    spawn_mariadbd(&node_dir(1), &["--wsrep-new-cluster"])?;
    wait_synced(1, Duration::from_secs(60))?;
    // Both joiners at once: the second waits for the donor by itself.
    spawn_mariadbd(&node_dir(2), &[])?;
    spawn_mariadbd(&node_dir(3), &[])?;
    wait_synced(2, Duration::from_secs(120))?;
    wait_synced(3, Duration::from_secs(120))?;
    wait_sql(READONLY_PORT, Duration::from_secs(60))?;
    let urls: Vec<String> = GALERA_SQL_PORTS
        .iter()
        .map(|p| format!("mysql://root@127.0.0.1:{p}/test"))
        .collect();
    export("GOVUP_TEST_GALERA_URLS", &urls.join(","));
    export("GOVUP_TEST_GALERA_DIR", &base().to_string_lossy());
    export(
        "GOVUP_TEST_MYSQL_READONLY_URL",
        &format!("mysql://root@127.0.0.1:{READONLY_PORT}/test"),
    );
    Ok(())
}

/// One `mariadb-install-db` for every node (the slow part), then a passwordless root over TCP
/// and the `test` database, written in bootstrap mode so that no server has to run for it.
fn seed_mariadb(seed: &Path) -> Result<()> {
    fs::create_dir_all(base())?;
    let out = Command::new("mariadb-install-db")
        .arg("--no-defaults")
        .arg(format!("--datadir={}", seed.display()))
        .args([
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--user=root",
        ])
        .args(small_innodb())
        .output()
        .context("running mariadb-install-db")?;
    if !out.status.success() {
        bail!(
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let sql = "FLUSH PRIVILEGES;\n\
               CREATE USER IF NOT EXISTS 'root'@'%';\n\
               GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;\n\
               CREATE DATABASE IF NOT EXISTS test;\n";
    let mut child = Command::new(MARIADBD)
        .arg("--no-defaults")
        .arg("--bootstrap")
        .arg(format!("--datadir={}", seed.display()))
        .arg("--user=root")
        .args(small_innodb())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    use std::io::Write;
    child
        .stdin
        .take()
        .context("bootstrap stdin")?
        .write_all(sql.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "mariadbd --bootstrap failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn small_innodb() -> [&'static str; 2] {
    ["--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M"]
}

fn common_config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "[mariadbd]\n\
         datadir={d}/data\nsocket={d}/mariadbd.sock\npid-file={d}/mariadbd.pid\n\
         log-error={d}/error.log\nport={port}\nbind-address=127.0.0.1\nuser=mysql\n\
         skip-name-resolve\ninnodb_buffer_pool_size=32M\ninnodb_log_file_size=8M\n\
         innodb_flush_log_at_trx_commit=2\n\
         # GovWay's schema has rows too large for strict mode; on Galera every node needs it.\n\
         innodb_strict_mode=OFF\n"
    )
}

fn galera_config(n: usize, dir: &Path) -> String {
    // Galera, IST and SST ports of node n: 145n7, 145n8, 145n9 with n = 6, 7, 8.
    let g = |k: usize, last: usize| format!("145{}{last}", k + 5);
    let members: Vec<String> = (1..=3).map(|k| format!("127.0.0.1:{}", g(k, 7))).collect();
    format!(
        "{}binlog_format=ROW\ndefault_storage_engine=InnoDB\ninnodb_autoinc_lock_mode=2\n\
         wsrep_on=ON\nwsrep_provider={GALERA_LIB}\nwsrep_cluster_name=govup_test\n\
         wsrep_cluster_address=gcomm://{}\nwsrep_node_name=node{n}\n\
         wsrep_node_address=127.0.0.1:{}\n\
         wsrep_provider_options=gmcast.listen_addr=tcp://127.0.0.1:{};ist.recv_addr=127.0.0.1:{};gcache.size=64M\n\
         wsrep_sst_method=rsync\nwsrep_sst_receive_address=127.0.0.1:{}\n",
        common_config(dir, GALERA_SQL_PORTS[n - 1]),
        members.join(","),
        g(n, 7),
        g(n, 7),
        g(n, 8),
        g(n, 9),
    )
}

fn readonly_config(dir: &Path) -> String {
    format!("{}read_only=ON\n", common_config(dir, READONLY_PORT))
}

fn spawn_mariadbd(dir: &Path, extra: &[&str]) -> Result<()> {
    // A socket left by a killed server would make this one refuse to start.
    let _ = fs::remove_file(dir.join("mariadbd.sock"));
    Command::new(MARIADBD)
        .arg(format!("--defaults-file={}", dir.join("my.cnf").display()))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {MARIADBD} in {}", dir.display()))?;
    Ok(())
}

fn mariadb_value(port: u16, sql: &str) -> Option<String> {
    let out = Command::new("mariadb")
        .args(["-h127.0.0.1", "-uroot", "-N", "-B", "--connect-timeout=2"])
        .arg(format!("-P{port}"))
        .args(["-e", sql])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn wait_sql(port: u16, limit: Duration) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if mariadb_value(port, "SELECT 1").as_deref() == Some("1") {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("MariaDB on 127.0.0.1:{port} did not answer within {limit:?}")
}

fn wait_synced(n: usize, limit: Duration) -> Result<()> {
    let port = GALERA_SQL_PORTS[n - 1];
    let start = Instant::now();
    while start.elapsed() < limit {
        let state = mariadb_value(port, "SHOW STATUS LIKE 'wsrep_local_state_comment'");
        if state.is_some_and(|s| s.ends_with("Synced")) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = node_dir(n).join("error.log");
    bail!(
        "Galera node {n} (127.0.0.1:{port}) was not synced within {limit:?}; see {}",
        log.display()
    )
}

fn start_postgres_topology() -> Result<()> {
    let bin = Path::new(PG_BIN);
    if !bin.join("initdb").exists() {
        bail!("{PG_BIN}/initdb is not installed");
    }
    let primary = base().join("pg-primary");
    let standby = base().join("pg-standby");
    for d in [&primary, &standby] {
        fs::create_dir_all(d)?;
        chown(d, "postgres")?;
    }
    as_postgres(
        bin.join("initdb"),
        &[
            "-D",
            &path(&primary.join("data")),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        ],
    )?;
    pg_ctl_start(&primary, PG_PRIMARY_PORT, &["-c wal_level=replica"])?;
    as_postgres(
        bin.join("psql"),
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &PG_PRIMARY_PORT.to_string(),
            "-U",
            "postgres",
            "-qc",
            "CREATE DATABASE test",
        ],
    )?;
    as_postgres(
        bin.join("pg_basebackup"),
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &PG_PRIMARY_PORT.to_string(),
            "-U",
            "postgres",
            "-D",
            &path(&standby.join("data")),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        ],
    )?;
    // cluster_name becomes the standby's application_name in pg_stat_replication.
    pg_ctl_start(
        &standby,
        PG_STANDBY_PORT,
        &["-c cluster_name=govup_standby"],
    )?;
    export(
        "GOVUP_TEST_PG_PRIMARY_URL",
        &format!("postgres://postgres@127.0.0.1:{PG_PRIMARY_PORT}/test"),
    );
    export(
        "GOVUP_TEST_PG_STANDBY_URL",
        &format!("postgres://postgres@127.0.0.1:{PG_STANDBY_PORT}/test"),
    );
    Ok(())
}

fn pg_ctl_start(dir: &Path, port: u16, extra: &[&str]) -> Result<()> {
    let mut options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB",
        path(dir)
    );
    for e in extra {
        options.push(' ');
        options.push_str(e);
    }
    as_postgres(
        Path::new(PG_BIN).join("pg_ctl"),
        &[
            "-D",
            &path(&dir.join("data")),
            "-l",
            &path(&dir.join("server.log")),
            "-o",
            &options,
            "-w",
            "-t",
            "60",
            "start",
        ],
    )
}

/// PostgreSQL refuses to run as root, and the tests run as root in CI.
fn as_postgres(program: PathBuf, args: &[&str]) -> Result<()> {
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(&program);
        c
    } else {
        Command::new(&program)
    };
    let out = cmd
        .args(args)
        .current_dir("/")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Signals every process at once (a Galera node shuts down faster when its peers leave
/// together), then waits for each.
fn stop_all(pid_files: &[PathBuf]) {
    let pids: Vec<(i32, &PathBuf)> = pid_files
        .iter()
        .filter_map(|f| {
            let text = fs::read_to_string(f).ok()?;
            let pid = text.lines().next()?.trim().parse::<i32>().ok()?;
            (pid > 1).then_some((pid, f))
        })
        .collect();
    // SIGTERM is a clean shutdown for both servers; SIGKILL after a wait, for a wedged one.
    for (pid, _) in &pids {
        unsafe { libc::kill(*pid, libc::SIGTERM) };
    }
    let start = Instant::now();
    for (pid, file) in &pids {
        while alive(*pid) {
            if start.elapsed() > Duration::from_secs(30) {
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            if start.elapsed() > Duration::from_secs(40) {
                eprintln!("xtask: process {pid} ({}) did not stop", file.display());
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn alive(pid: i32) -> bool {
    // A zombie child of ours still answers kill(0); reap it if it is ours.
    let mut status = 0;
    unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    unsafe { libc::kill(pid, 0) == 0 }
}

fn install_if_missing(file: &str, package: &str) -> Result<()> {
    if Path::new(file).exists() {
        return Ok(());
    }
    if unsafe { libc::geteuid() } != 0 {
        bail!("{file} is missing: install Debian's `{package}` package");
    }
    eprintln!("xtask: {file} is missing; installing {package}");
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install() {
        let _ = Command::new("apt-get").args(["update", "-q"]).status();
        if !install() {
            bail!("apt-get install {package} failed");
        }
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

fn chown(dir: &Path, user: &str) -> Result<()> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    let ok = Command::new("chown")
        .args(["-R", &format!("{user}:")])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        bail!("chown -R {user} {} failed", dir.display());
    }
    Ok(())
}

fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn export(var: &str, value: &str) {
    eprintln!("xtask: {var}={value}");
    std::env::set_var(var, value);
}
