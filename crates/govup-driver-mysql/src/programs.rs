//! The MySQL/MariaDB command-line programs that backups and scratch copies run: `mysqldump` to
//! write a database as SQL, `mysql` to load it. They are the tools operators already trust for
//! this, and the only ones that dump routines, triggers and events exactly as the server shows
//! them.
//!
//! Every invocation starts with `--no-defaults`, so an option file (`~/.my.cnf`) can never send a
//! dump to another server or user than the URL names, and connects over TCP, so `localhost` is
//! not silently a socket file. The password travels in `MYSQL_PWD`, never on the command line
//! where `ps` would show it.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;

use govup_engine::driver::DbError;

use crate::connect_url::{ConnectUrl, TlsMode};

/// The Debian package that ships both programs.
const PACKAGE: &str = "mariadb-client";

/// The largest packet either program accepts (1 GiB, the protocol's limit). Their defaults
/// differ (24 MiB for mariadb-dump, 16 MiB for mariadb), so without it a row that dumps could
/// fail to load; the server's own max_allowed_packet still applies.
const MAX_PACKET: &str = "--max-allowed-packet=1073741824";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    /// `mysqldump`, called `mariadb-dump` by newer MariaDB releases.
    Dump,
    /// `mysql`, called `mariadb` by newer MariaDB releases.
    Client,
}

impl Program {
    /// The name messages use.
    pub fn name(self) -> &'static str {
        match self {
            Program::Dump => "mysqldump",
            Program::Client => "mysql",
        }
    }

    /// File names to look for, preferred first. MariaDB 11 keeps the `mysql*` names only as
    /// deprecated links that warn on every run, so its own names come first.
    fn candidates(self) -> [&'static str; 2] {
        match self {
            Program::Dump => ["mariadb-dump", "mysqldump"],
            Program::Client => ["mariadb", "mysql"],
        }
    }
}

/// A program found on `PATH`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tool {
    pub program: Program,
    pub path: PathBuf,
    /// The MariaDB build, whose TLS options differ from Oracle MySQL's.
    pub mariadb: bool,
}

/// Finds `program` on `PATH`; `purpose` completes "it is needed for ..." when it is missing.
pub fn find(program: Program, purpose: &str) -> Result<Tool, DbError> {
    let path = find_in(std::env::var_os("PATH").as_deref(), program)
        .ok_or_else(|| missing(program, purpose))?;
    let mariadb = is_mariadb(&path)?;
    Ok(Tool {
        program,
        path,
        mariadb,
    })
}

fn missing(program: Program, purpose: &str) -> DbError {
    DbError::new(format!(
        "{} is not installed: it is needed for {purpose} (install the {PACKAGE} package)",
        program.name()
    ))
}

/// The first candidate name found in the directories of `path_var`.
fn find_in(path_var: Option<&OsStr>, program: Program) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = path_var.map(|p| std::env::split_paths(p).collect())?;
    program.candidates().iter().find_map(|name| {
        dirs.iter()
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Whether the program is MariaDB's build: by its name when that says so, else by `--version`.
fn is_mariadb(path: &Path) -> Result<bool, DbError> {
    let file_name = path.file_name().and_then(OsStr::to_str).unwrap_or("");
    if file_name.starts_with("mariadb") {
        return Ok(true);
    }
    let output = Command::new(path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| DbError::new(format!("cannot run {}: {e}", path.display())))?;
    Ok(String::from_utf8_lossy(&output.stdout).contains("MariaDB"))
}

/// The options that say where to connect, for either program. They never hold the password.
pub fn connection_args(url: &ConnectUrl, mariadb: bool) -> Vec<OsString> {
    // --no-defaults only works as the very first option.
    let mut args: Vec<OsString> = vec!["--no-defaults".into(), "--protocol=TCP".into()];
    // The URL writes IPv6 hosts in brackets; the programs want the bare address.
    let host = url.host.trim_start_matches('[').trim_end_matches(']');
    args.push(format!("--host={host}").into());
    args.push(format!("--port={}", url.port).into());
    if let Some(user) = &url.user {
        args.push(format!("--user={user}").into());
    }
    if mariadb {
        // MariaDB's programs know no --ssl-mode. Their --ssl turns TLS on (and is the default
        // since 10.10, so DISABLED has to say --skip-ssl); --ssl-verify-server-cert checks the
        // certificate chain and host name together, so VERIFY_CA is checked as strictly as
        // VERIFY_IDENTITY rather than not at all.
        match url.tls {
            TlsMode::Disabled => args.push("--skip-ssl".into()),
            TlsMode::Required => {
                args.push("--ssl".into());
                args.push("--skip-ssl-verify-server-cert".into());
            }
            TlsMode::VerifyCa | TlsMode::VerifyIdentity => {
                args.push("--ssl".into());
                args.push("--ssl-verify-server-cert".into());
            }
        }
    } else {
        let mode = match url.tls {
            TlsMode::Disabled => "DISABLED",
            TlsMode::Required => "REQUIRED",
            TlsMode::VerifyCa => "VERIFY_CA",
            TlsMode::VerifyIdentity => "VERIFY_IDENTITY",
        };
        args.push(format!("--ssl-mode={mode}").into());
    }
    if let Some(ca) = &url.ssl_ca {
        let mut arg = OsString::from("--ssl-ca=");
        arg.push(ca.as_os_str());
        args.push(arg);
    }
    args
}

/// The options of a consistent dump of one database, without `CREATE DATABASE` and `USE` (no
/// `--databases`), so that it loads into whichever database the loader names.
pub fn dump_args(url: &ConnectUrl, mariadb: bool) -> Vec<OsString> {
    let mut args = connection_args(url, mariadb);
    for option in [
        // One consistent snapshot of InnoDB tables while the application keeps writing.
        "--single-transaction",
        "--routines",
        "--triggers",
        "--events",
        // Binary columns as hex literals: no bytes at the mercy of a character set.
        "--hex-blob",
        // Tablespace statements need the PROCESS privilege and belong to the server, not the
        // database.
        "--no-tablespaces",
        // utf8mb4 so that four-byte characters survive whatever the program's default is.
        "--default-character-set=utf8mb4",
        MAX_PACKET,
    ] {
        args.push(option.into());
    }
    args
}

/// The options of the `mysql` client loading a dump into `database`.
pub fn load_args(url: &ConnectUrl, mariadb: bool, database: &str) -> Vec<OsString> {
    let mut args = connection_args(url, mariadb);
    args.push("--default-character-set=utf8mb4".into());
    // Tables too wide for InnoDB's worst-case row size (GovWay has several) can only be created
    // with innodb_strict_mode OFF, which is how their installation made them; the server's
    // default is ON, and the dump's own CREATE TABLE would fail with "Row size too large". The
    // setting only turns that check into a warning for this loading session: the tables come
    // back as they were, the file is loaded as written.
    // The operator's session statements follow, so that theirs win where they set the same.
    let mut init = String::from("SET SESSION innodb_strict_mode=OFF");
    for sql in &url.session_sql {
        init.push_str("; ");
        init.push_str(sql);
    }
    args.push(format!("--init-command={init}").into());
    args.push(MAX_PACKET.into());
    // An option rather than a positional argument: a name can never be read as an option.
    args.push(format!("--database={database}").into());
    args
}

/// A command for `tool` with the URL's password, and only that, in its environment.
pub fn command(tool: &Tool, url: &ConnectUrl, args: &[OsString]) -> Command {
    let mut command = Command::new(&tool.path);
    command.args(args);
    match url.password() {
        Some(password) => command.env("MYSQL_PWD", password),
        // A MYSQL_PWD the operator exported for something else must not log us in as someone.
        None => command.env_remove("MYSQL_PWD"),
    };
    command
}

/// A started program whose stderr is being read, so that it can never block on a full pipe.
pub struct Running {
    tool: Tool,
    child: Child,
    stderr: Option<JoinHandle<Vec<u8>>>,
}

impl Running {
    /// Starts `command` (stdin and stdout already set by the caller) with stderr captured.
    pub fn start(tool: &Tool, mut command: Command) -> Result<Running, DbError> {
        let mut child = command
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| DbError::new(format!("cannot run {}: {e}", tool.path.display())))?;
        let stderr = child.stderr.take().map(|mut pipe| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        });
        Ok(Running {
            tool: tool.clone(),
            child,
            stderr,
        })
    }

    /// Takes the child's stdout pipe, for feeding another program.
    pub fn take_stdout(&mut self) -> Option<std::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// Waits for the program. Err holds the reason it failed, one line, password-free.
    pub fn finish(mut self, password: Option<&str>) -> Result<(), String> {
        let status = self.child.wait();
        let stderr = self
            .stderr
            .take()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default();
        let status =
            status.map_err(|e| format!("cannot wait for {}: {e}", self.tool.program.name()))?;
        if status.success() {
            return Ok(());
        }
        Err(failure_line(
            &String::from_utf8_lossy(&stderr),
            status,
            password,
        ))
    }
}

/// Runs `command` to the end.
pub fn run(tool: &Tool, command: Command, password: Option<&str>) -> Result<(), String> {
    Running::start(tool, command)
        .map_err(|e| e.message)?
        .finish(password)
}

/// The line of a failed program's stderr that says why: the first one naming an error, else the
/// first that is not a warning, else the exit status. Never the password.
fn failure_line(stderr: &str, status: ExitStatus, password: Option<&str>) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '-'))
        .collect();
    let is_warning = |l: &&str| {
        let lower = l.to_ascii_lowercase();
        lower.starts_with("warning") || lower.contains("deprecated program name")
    };
    let line = lines
        .iter()
        .find(|l| l.to_ascii_lowercase().contains("error"))
        .or_else(|| lines.iter().find(|l| !is_warning(l)))
        .or_else(|| lines.first())
        .map(|l| l.to_string())
        .unwrap_or_else(|| status_text(status));
    match password {
        Some(p) if !p.is_empty() => line.replace(p, "***"),
        _ => line,
    }
}

fn status_text(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> ConnectUrl {
        ConnectUrl::parse(text).unwrap()
    }

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[cfg(unix)]
    fn exit(code: i32) -> ExitStatus {
        use std::os::unix::process::ExitStatusExt;
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn connection_args_never_hold_the_password() {
        let u = url("mysql://govway:hunter2@db.example:3307/govway");
        for mariadb in [true, false] {
            let args = strings(&dump_args(&u, mariadb));
            assert!(args.iter().all(|a| !a.contains("hunter2")), "{args:?}");
            assert_eq!(args[0], "--no-defaults");
            assert!(args.contains(&"--host=db.example".to_string()));
            assert!(args.contains(&"--port=3307".to_string()));
            assert!(args.contains(&"--user=govway".to_string()));
            assert!(args.contains(&"--protocol=TCP".to_string()));
            assert!(!args.iter().any(|a| a.starts_with("--databases")));
        }
    }

    #[test]
    fn dump_args_are_the_consistent_full_dump() {
        let args = strings(&dump_args(&url("mysql://root@127.0.0.1/test"), true));
        assert_eq!(
            args,
            [
                "--no-defaults",
                "--protocol=TCP",
                "--host=127.0.0.1",
                "--port=3306",
                "--user=root",
                "--skip-ssl",
                "--single-transaction",
                "--routines",
                "--triggers",
                "--events",
                "--hex-blob",
                "--no-tablespaces",
                "--default-character-set=utf8mb4",
                "--max-allowed-packet=1073741824",
            ]
        );
    }

    #[test]
    fn load_args_name_the_database_as_an_option() {
        let args = strings(&load_args(&url("mysql://[::1]/x"), true, "-odd"));
        assert!(args.contains(&"--host=::1".to_string()), "{args:?}");
        assert!(!args.iter().any(|a| a.starts_with("--user")));
        assert_eq!(args.last().map(String::as_str), Some("--database=-odd"));
        assert!(args.contains(&"--init-command=SET SESSION innodb_strict_mode=OFF".to_string()));
    }

    #[test]
    fn the_loading_session_runs_the_session_statements_and_gets_a_given_password() {
        let options = govup_engine::ConnectOptions {
            password: Some(govup_engine::Secret::new("given")),
            session_sql: vec!["SET SESSION sql_mode='ANSI'".into()],
        };
        let with = ConnectUrl::parse_with("mysql://u@h/x", &options).unwrap();
        let args = strings(&load_args(&with, true, "x"));
        assert!(
            args.contains(
                &"--init-command=SET SESSION innodb_strict_mode=OFF; SET SESSION sql_mode='ANSI'"
                    .to_string()
            ),
            "{args:?}"
        );
        assert_eq!(with.password(), Some("given"));
        assert_eq!(with.describe(), "mysql://u@h:3306/x");
        // A password in the URL wins.
        let typed = ConnectUrl::parse_with("mysql://u:typed@h/x", &options).unwrap();
        assert_eq!(typed.password(), Some("typed"));
    }

    #[test]
    fn tls_options_follow_the_url_for_both_builds() {
        let tls = |q: &str, mariadb: bool| {
            strings(&connection_args(&url(&format!("mysql://h/db{q}")), mariadb))[4..].to_vec()
        };
        assert_eq!(tls("", true), ["--skip-ssl"]);
        assert_eq!(
            tls("?ssl-mode=REQUIRED", true),
            ["--ssl", "--skip-ssl-verify-server-cert"]
        );
        assert_eq!(
            tls("?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem", true),
            ["--ssl", "--ssl-verify-server-cert", "--ssl-ca=/etc/ca.pem"]
        );
        assert_eq!(
            tls("?ssl-mode=VERIFY_IDENTITY", true),
            ["--ssl", "--ssl-verify-server-cert"]
        );
        assert_eq!(tls("", false), ["--ssl-mode=DISABLED"]);
        assert_eq!(tls("?ssl-mode=REQUIRED", false), ["--ssl-mode=REQUIRED"]);
        assert_eq!(
            tls("?ssl-mode=VERIFY_CA&ssl-ca=/etc/ca.pem", false),
            ["--ssl-mode=VERIFY_CA", "--ssl-ca=/etc/ca.pem"]
        );
    }

    #[test]
    fn command_passes_the_password_only_in_the_environment() {
        let tool = Tool {
            program: Program::Dump,
            path: PathBuf::from("/usr/bin/mysqldump"),
            mariadb: true,
        };
        let u = url("mysql://u:hunter2@h/db");
        let c = command(&tool, &u, &dump_args(&u, true));
        assert!(c.get_args().all(|a| a.to_string_lossy() != "hunter2"));
        let env: Vec<_> = c.get_envs().collect();
        assert_eq!(
            env,
            [(OsStr::new("MYSQL_PWD"), Some(OsStr::new("hunter2")))]
        );
        let u = url("mysql://u@h/db");
        let c = command(&tool, &u, &[]);
        let env: Vec<_> = c.get_envs().collect();
        assert_eq!(env, [(OsStr::new("MYSQL_PWD"), None)]);
    }

    #[test]
    fn missing_program_names_it_and_the_package() {
        assert_eq!(find_in(None, Program::Dump), None);
        let empty = govup_testkit::scratch_dir("nopath");
        assert_eq!(find_in(Some(empty.as_os_str()), Program::Dump), None);
        assert_eq!(
            missing(Program::Dump, "backups of mysql databases").message,
            "mysqldump is not installed: it is needed for backups of mysql databases (install the mariadb-client package)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn finds_either_name_preferring_mariadb() {
        use std::os::unix::fs::PermissionsExt;
        let make = |dir: &Path, name: &str, mode: u32| {
            let p = dir.join(name);
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            p
        };
        let a = govup_testkit::scratch_dir("path_a");
        let b = govup_testkit::scratch_dir("path_b");
        let path = std::env::join_paths([&a, &b]).unwrap();
        // Not executable: not found.
        make(&a, "mysql", 0o644);
        assert_eq!(find_in(Some(&path), Program::Client), None);
        let mysql = make(&b, "mysql", 0o755);
        assert_eq!(find_in(Some(&path), Program::Client), Some(mysql));
        let mariadb = make(&b, "mariadb", 0o755);
        assert_eq!(find_in(Some(&path), Program::Client), Some(mariadb));
        assert_eq!(find_in(Some(&path), Program::Dump), None);
        let dump = make(&a, "mysqldump", 0o755);
        assert_eq!(find_in(Some(&path), Program::Dump), Some(dump));
    }

    #[cfg(unix)]
    #[test]
    fn failure_line_picks_the_error() {
        let mysql_client = "--------------\nselect nosuch\n--------------\n\nERROR 1054 (42S22) at line 1: Unknown column 'nosuch' in 'SELECT'\n";
        assert_eq!(
            failure_line(mysql_client, exit(1), None),
            "ERROR 1054 (42S22) at line 1: Unknown column 'nosuch' in 'SELECT'"
        );
        let dump = "mysqldump: Deprecated program name. It will be removed in a future release, use '/usr/bin/mariadb-dump' instead\nmysqldump: Got error: 1049: \"Unknown database 'x'\" when selecting the database\n";
        assert_eq!(
            failure_line(dump, exit(2), None),
            "mysqldump: Got error: 1049: \"Unknown database 'x'\" when selecting the database"
        );
        assert_eq!(
            failure_line("Warning: something\ncould not open file\n", exit(2), None),
            "could not open file"
        );
        assert_eq!(failure_line("", exit(3), None), "exit status 3");
        assert_eq!(
            failure_line("error near 'hunter2'", exit(1), Some("hunter2")),
            "error near '***'"
        );
    }
}
