//! The PostgreSQL client programs the safety features run: `pg_dump` and `pg_restore`.
//!
//! They are found on `PATH`, else in Debian's versioned `/usr/lib/postgresql/<major>/bin`
//! (newest first), where a server package installs them without linking them onto `PATH`.
//! They reach the server that this connection reaches: every setting comes from the URL through
//! libpq's environment variables, the password through `PGPASSWORD`, so it never shows on a
//! command line (`ps` shows those to every user). Inherited `PG*` variables are removed first: the
//! driver itself never reads them, and a stray `PGHOST` or `PGSERVICE` must not send a dump or a
//! restore to another server than the one the upgrade runs on.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use govup_engine::DbError;
use postgres::config::Host;

use crate::tls::TlsMode;
use crate::url::Target;

/// Where Debian installs each major version's programs.
const VERSIONED_ROOT: &str = "/usr/lib/postgresql";

/// How long a dump waits for a table lock before failing, rather than queueing forever behind
/// a session that holds an exclusive lock (which could be the caller's own open transaction).
pub const LOCK_WAIT_TIMEOUT: &str = "--lock-wait-timeout=120s";

/// The path of `program`, or the error that says how to install it. `needed_for` completes
/// "it is needed for ...".
pub fn find(program: &str, needed_for: &str) -> Result<PathBuf, DbError> {
    find_in(
        program,
        std::env::var_os("PATH").as_deref(),
        Path::new(VERSIONED_ROOT),
    )
    .ok_or_else(|| {
        DbError::new(format!(
            "{program} is not installed: it is needed for {needed_for} (install the postgresql-client package)"
        ))
    })
}

fn find_in(program: &str, path: Option<&OsStr>, versioned_root: &Path) -> Option<PathBuf> {
    let on_path = path
        .into_iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program));
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(versioned_root)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major = entry.file_name().to_str()?.parse().ok()?;
            Some((major, entry.path().join("bin").join(program)))
        })
        .collect();
    // A newer pg_dump reads older servers; an older one refuses newer ones.
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    on_path
        .chain(versions.into_iter().map(|(_, p)| p))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// libpq's environment for reaching `target`'s server as its user. The database is not part
/// of it: callers name it with [`conninfo_dbname`], since programs disagree on where they take
/// it from.
pub fn libpq_env(target: &Target) -> Vec<(&'static str, OsString)> {
    let config = &target.config;
    let mut env: Vec<(&'static str, OsString)> = Vec::new();
    let hosts: Vec<OsString> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => OsString::from(name),
            #[cfg(unix)]
            Host::Unix(path) => path.as_os_str().to_owned(),
        })
        .collect();
    if !hosts.is_empty() {
        env.push(("PGHOST", join(&hosts)));
    }
    let addrs: Vec<OsString> = config
        .get_hostaddrs()
        .iter()
        .map(|a| OsString::from(a.to_string()))
        .collect();
    if !addrs.is_empty() {
        env.push(("PGHOSTADDR", join(&addrs)));
    }
    let ports: Vec<OsString> = config
        .get_ports()
        .iter()
        .map(|p| OsString::from(p.to_string()))
        .collect();
    if !ports.is_empty() {
        env.push(("PGPORT", join(&ports)));
    }
    if let Some(user) = config.get_user() {
        env.push(("PGUSER", user.into()));
    }
    if let Some(password) = &target.password {
        env.push(("PGPASSWORD", password.into()));
    }
    if let Some(options) = config.get_options() {
        env.push(("PGOPTIONS", options.into()));
    }
    let app = config.get_application_name().unwrap_or("govup");
    env.push(("PGAPPNAME", app.into()));
    if let Some(timeout) = config.get_connect_timeout() {
        // libpq counts whole seconds and reads anything below 2 as 2.
        env.push((
            "PGCONNECT_TIMEOUT",
            timeout.as_secs().max(2).to_string().into(),
        ));
    }
    // The modes mean what they mean for the driver's own connection (see `tls`); the one gap is
    // verify-ca/verify-full without sslrootcert, where libpq looks for ~/.postgresql/root.crt
    // instead of the driver's compiled-in roots.
    let (mode, root) = match &target.tls {
        TlsMode::Off => ("disable", None),
        TlsMode::Encrypt => ("require", None),
        TlsMode::VerifyCa(root) => ("verify-ca", root.as_ref()),
        TlsMode::VerifyFull(root) => ("verify-full", root.as_ref()),
    };
    env.push(("PGSSLMODE", mode.into()));
    if let Some(root) = root {
        env.push(("PGSSLROOTCERT", root.as_os_str().to_owned()));
    }
    env
}

fn join(parts: &[OsString]) -> OsString {
    let mut out = OsString::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(",");
        }
        out.push(part);
    }
    out
}

/// A `-d` argument naming `database` as a connection string. A bare name is read as a
/// connection string anyway when it contains `=`; quoting it makes every name mean itself.
pub fn conninfo_dbname(database: &str) -> String {
    format!(
        "dbname='{}'",
        database.replace('\\', "\\\\").replace('\'', "\\'")
    )
}

/// A command for `program` reaching `target`'s server, stdin closed, stdout and stderr captured.
pub fn command(program: &Path, target: &Target) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(libpq_env(target));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` to completion and returns its stdout. `doing` completes "<program> failed ...".
pub fn run(cmd: &mut Command, target: &Target, doing: &str) -> Result<Vec<u8>, DbError> {
    let program = program_name(cmd);
    let output = cmd
        .output()
        .map_err(|e| DbError::new(format!("cannot run {program} {doing}: {e}")))?;
    check(&program, output.status, &output.stderr, target, doing)?;
    Ok(output.stdout)
}

/// The error for a program that exited with `status` and wrote `stderr`; Ok when it succeeded.
pub fn check(
    program: &str,
    status: ExitStatus,
    stderr: &[u8],
    target: &Target,
    doing: &str,
) -> Result<(), DbError> {
    if status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(stderr);
    let why = headline(program, &stderr).unwrap_or_else(|| status.to_string());
    Err(DbError::new(format!(
        "{program} failed {doing}: {}",
        target.scrub(&why)
    )))
}

pub fn program_name(cmd: &Command) -> String {
    Path::new(cmd.get_program())
        .file_name()
        .map_or_else(
            || cmd.get_program().to_string_lossy(),
            |n| n.to_string_lossy(),
        )
        .into_owned()
}

/// The first meaningful line of a client program's stderr: the first error (pg_dump and
/// pg_restore print warnings and `Command was:` context around it), else the first line, with
/// the `pg_dump: error: ` prefix taken off since the message names the program already.
fn headline(program: &str, stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let line = lines
        .iter()
        .find(|l| l.contains("error:") || l.contains("FATAL:"))
        .or(lines.first())?;
    let line = line
        .strip_prefix(program)
        .and_then(|l| l.strip_prefix(": "))
        .unwrap_or(line);
    let line = line.strip_prefix("error: ").unwrap_or(line);
    Some(line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    fn env_of(url: &str) -> Vec<(&'static str, String)> {
        libpq_env(&target(url))
            .into_iter()
            .map(|(k, v)| (k, v.to_string_lossy().into_owned()))
            .collect()
    }

    #[test]
    fn the_url_becomes_libpq_environment() {
        assert_eq!(
            env_of("postgres://govway:s3cret@db.example:5433/govway?sslmode=require&application_name=x"),
            [
                ("PGHOST", "db.example".to_string()),
                ("PGPORT", "5433".into()),
                ("PGUSER", "govway".into()),
                ("PGPASSWORD", "s3cret".into()),
                ("PGAPPNAME", "x".into()),
                ("PGCONNECT_TIMEOUT", "30".into()),
                ("PGSSLMODE", "require".into()),
            ]
        );
        assert_eq!(
            env_of("postgres://u@a:1,b:2/db?sslmode=verify-full&sslrootcert=%2Fca.pem&options=-c%20x%3D1"),
            [
                ("PGHOST", "a,b".to_string()),
                ("PGPORT", "1,2".into()),
                ("PGUSER", "u".into()),
                ("PGOPTIONS", "-c x=1".into()),
                ("PGAPPNAME", "govup".into()),
                ("PGCONNECT_TIMEOUT", "30".into()),
                ("PGSSLMODE", "verify-full".into()),
                ("PGSSLROOTCERT", "/ca.pem".into()),
            ]
        );
        let unix = env_of("postgres://u@%2Fvar%2Frun%2Fpostgresql/db");
        assert_eq!(unix[0], ("PGHOST", "/var/run/postgresql".to_string()));
        assert!(unix.contains(&("PGSSLMODE", "disable".to_string())));
    }

    #[test]
    fn the_password_is_never_an_argument() {
        let t = target("postgres://u:hunter2@h/db");
        let mut cmd = command(Path::new("/bin/true"), &t);
        cmd.args(["-d", &conninfo_dbname("db")]);
        assert!(cmd
            .get_args()
            .all(|a| !a.to_string_lossy().contains("hunter2")));
        assert!(cmd
            .get_envs()
            .any(|(k, v)| k == "PGPASSWORD" && v.is_some_and(|v| v == "hunter2")));
    }

    #[test]
    fn inherited_pg_variables_are_removed() {
        // PATH is always set; a PG variable may not be, so look at what the command would do.
        let cmd = command(Path::new("/bin/true"), &target("postgres://u@h/db"));
        for (key, value) in cmd.get_envs() {
            if value.is_none() {
                assert!(key.to_string_lossy().starts_with("PG"), "{key:?}");
            }
        }
    }

    #[test]
    fn database_names_are_quoted_for_conninfo() {
        assert_eq!(conninfo_dbname("govway"), "dbname='govway'");
        assert_eq!(conninfo_dbname(r"a=b 'c' \d"), r"dbname='a=b \'c\' \\d'");
    }

    #[test]
    fn programs_are_found_on_path_then_in_versioned_dirs() {
        let root = std::env::temp_dir().join(format!("govup-programs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let make = |rel: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            path
        };
        let v13 = make("lib/13/bin/pg_dump");
        let v15 = make("lib/15/bin/pg_dump");
        make("lib/notaversion/bin/pg_dump");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        let path = std::env::join_paths([root.join("bin")]).unwrap();
        let lib = root.join("lib");
        assert_eq!(find_in("pg_dump", Some(&path), &lib), Some(v15.clone()));
        let on_path = make("bin/pg_dump");
        assert_eq!(find_in("pg_dump", Some(&path), &lib), Some(on_path));
        assert_eq!(find_in("pg_restore", Some(&path), &lib), None);
        assert_eq!(find_in("pg_dump", None, &lib), Some(v15));
        std::fs::write(root.join("lib/15/bin/pg_dump"), "not executable").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                root.join("lib/15/bin/pg_dump"),
                std::fs::Permissions::from_mode(0o644),
            )
            .unwrap();
            assert_eq!(find_in("pg_dump", None, &lib), Some(v13));
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_missing_program_says_what_to_install() {
        let err = find("govup-no-such-program", "backups").unwrap_err();
        assert_eq!(
            err.message,
            "govup-no-such-program is not installed: it is needed for backups (install the postgresql-client package)"
        );
    }

    #[test]
    fn headlines_are_the_first_error_without_the_program_prefix() {
        let stderr = "pg_restore: warning: something minor\n\
            pg_restore: error: could not execute query: ERROR:  relation \"t\" already exists\n\
            Command was: CREATE TABLE t ();\n";
        assert_eq!(
            headline("pg_restore", stderr).as_deref(),
            Some("could not execute query: ERROR:  relation \"t\" already exists")
        );
        assert_eq!(
            headline("pg_dump", "\n  pg_dump: something odd\n").as_deref(),
            Some("something odd")
        );
        assert_eq!(headline("pg_dump", " \n"), None);
    }

    #[cfg(unix)]
    #[test]
    fn failures_name_the_program_and_scrub_the_password() {
        let t = target("postgres://u:hunter2@h/db");
        let mut cmd = Command::new("/bin/sh");
        cmd.args([
            "-c",
            "echo 'sh: error: password hunter2 rejected' >&2; exit 3",
        ]);
        let err = run(&mut cmd, &t, "backing up schema \"s\"").unwrap_err();
        assert_eq!(
            err.message,
            "sh failed backing up schema \"s\": password *** rejected"
        );
        let mut silent = Command::new("/bin/sh");
        silent.args(["-c", "exit 4"]);
        let err = run(&mut silent, &t, "copying").unwrap_err();
        assert_eq!(err.message, "sh failed copying: exit status: 4");
    }
}
