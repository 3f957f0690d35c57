//! Configuring govup without secrets on the command line: environment variables, passwords from
//! the environment, files and the database's own conventions, `dir` in the map, and session
//! statements on every connection.

use crate::support::{connect, samples, workspace, Run, Scratch, Server};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Every variable that could give govup a setting or a password from the test's own
/// environment: each test sets exactly those it means.
const CLEARED: &[&str] = &[
    "GOVUP_URL",
    "GOVUP_SCHEMA_MAP",
    "GOVUP_DIR",
    "GOVUP_DB",
    "GOVUP_PASSWORD",
    "GOVUP_PASSWORD_FILE",
    "PGPASSWORD",
    "PGPASSFILE",
    "MYSQL_PWD",
];

/// Runs govup with `env` only, standard input closed (never a terminal: no prompt).
fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_govup"));
    cmd.args(args).current_dir(workspace()).stdin(Stdio::null());
    for var in CLEARED {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("govup runs");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

#[test]
fn help_names_every_environment_variable_and_never_a_url_value() {
    let secret_url = [("GOVUP_URL", "postgres://u:HELPSECRET@h/db")];
    for verb in [
        "apply", "rehearse", "status", "restore", "history", "repair",
    ] {
        let help = run(&[verb, "--help"], &secret_url);
        assert_eq!(help.code, 0, "{}", help.stderr);
        assert!(
            help.stdout.contains("[env: GOVUP_URL]"),
            "{verb}: {}",
            help.stdout
        );
        assert!(
            help.stdout.contains("[env: GOVUP_SCHEMA_MAP="),
            "{verb}: {}",
            help.stdout
        );
        assert!(!help.stdout.contains("HELPSECRET"), "{}", help.stdout);
        assert!(
            help.stdout.contains("--password-file"),
            "{verb}: {}",
            help.stdout
        );
        assert!(
            help.stdout.contains("--session-sql"),
            "{verb}: {}",
            help.stdout
        );
    }
    for verb in ["apply", "rehearse", "status", "plan"] {
        let help = run(&[verb, "--help"], &[]);
        assert!(
            help.stdout.contains("[env: GOVUP_DIR="),
            "{verb}: {}",
            help.stdout
        );
        assert!(
            help.stdout.contains("[env: GOVUP_DB="),
            "{verb}: {}",
            help.stdout
        );
    }
    let help = run(&["verify", "--help"], &[]);
    assert!(help.stdout.contains("[env: GOVUP_URL]"), "{}", help.stdout);
}

#[test]
fn environment_variables_alone_run_apply_status_and_plan() {
    let (url, _dir) = crate::support::sqlite_scratch("env_only");
    let samples = samples();
    let env = [
        ("GOVUP_URL", url.as_str()),
        ("GOVUP_DIR", samples.as_str()),
        ("GOVUP_DB", "sqlite"),
    ];
    let applied = run(&["apply", "--from", "1.0.0", "--to", "latest"], &env);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let status = run(&["status"], &env);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stdout.contains("is at 1.1.2"), "{}", status.stdout);
    assert!(
        status.stdout.contains("up to date with the tree"),
        "{}",
        status.stdout
    );
    let plan = run(&["plan", "--from", "1.0.0", "--to", "1.0.1"], &env);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert!(
        plan.stdout.contains("plan for sqlite: 1.0.0 -> 1.0.1"),
        "{}",
        plan.stdout
    );
    // The command line wins over the environment.
    let other = run(&["status", "--url", "sqlite:/nonexistent/govup.db"], &env);
    assert_eq!(other.code, 1, "{}", other.stderr);
    assert!(
        other.stderr.contains("/nonexistent/govup.db"),
        "{}",
        other.stderr
    );
}

#[test]
fn the_maps_dir_is_relative_to_the_map_and_dir_overrides_it() {
    let folder = govup_testkit::scratch_dir("map_dir");
    let db = folder.join("db.sqlite");
    // The map sits in target/govup-tests/<name>/: the samples are three folders up from it,
    // and not from the working folder govup runs in (the workspace).
    std::fs::write(
        folder.join("map.toml"),
        format!(
            "url = \"sqlite:{}\"\ndir = \"../../../sql-samples\"\n",
            db.display()
        ),
    )
    .unwrap();
    let map = folder.join("map.toml").display().to_string();
    let applied = run(
        &[
            "apply",
            "--schema-map",
            &map,
            "--from",
            "1.0.0",
            "--to",
            "latest",
        ],
        &[],
    );
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let status = run(&["status"], &[("GOVUP_SCHEMA_MAP", map.as_str())]);
    assert!(
        status.stdout.contains("up to date with the tree"),
        "{}",
        status.stdout
    );
    let overridden = run(
        &[
            "apply",
            "--schema-map",
            &map,
            "--dir",
            "/nonexistent/tree",
            "--to",
            "latest",
        ],
        &[],
    );
    assert_eq!(overridden.code, 2, "{}", overridden.stderr);
    assert!(
        overridden.stderr.contains("/nonexistent/tree"),
        "{}",
        overridden.stderr
    );
    let missing = run(&["apply", "--url", "sqlite:x.db", "--to", "latest"], &[]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("missing --dir"),
        "{}",
        missing.stderr
    );
}

/// A MariaDB user with a password on a scratch database, both dropped afterwards: MariaDB
/// enforces passwords over TCP, so which password reached the server shows in the outcome.
struct PasswordUser {
    admin: String,
    name: String,
    url: String,
    _db: Scratch,
}

const RIGHT: &str = "Right-pw-1";
const WRONG: &str = "Wrong-pw-2";

impl PasswordUser {
    fn new(tag: &str) -> Option<PasswordUser> {
        let db = Scratch::new(Server::Mysql, tag)?;
        let admin = govup_testkit::server_url("GOVUP_TEST_MYSQL_URL")?;
        let name = govup_testkit::unique_name("pw");
        let mut conn = connect(&admin);
        conn.execute(&format!(
            "CREATE USER '{name}'@'127.0.0.1' IDENTIFIED BY '{RIGHT}'"
        ))
        .unwrap();
        conn.execute(&format!(
            "GRANT ALL ON `{}`.* TO '{name}'@'127.0.0.1'",
            db.name
        ))
        .unwrap();
        let url = format!("mysql://{name}@127.0.0.1:3306/{}", db.name);
        Some(PasswordUser {
            admin,
            name,
            url,
            _db: db,
        })
    }

    fn verify(&self, extra: &[&str], env: &[(&str, &str)]) -> Run {
        let mut args = vec!["verify", "--url", &self.url, "--against", &self.url];
        args.extend_from_slice(extra);
        let run = run(&args, env);
        for pw in [RIGHT, WRONG] {
            assert!(
                !run.stdout.contains(pw) && !run.stderr.contains(pw),
                "password printed: {}{}",
                run.stdout,
                run.stderr
            );
        }
        run
    }
}

impl Drop for PasswordUser {
    fn drop(&mut self) {
        let _ = connect(&self.admin).execute(&format!("DROP USER '{}'@'127.0.0.1'", self.name));
    }
}

fn connected(run: &Run) -> bool {
    if run.code == 0 && run.stdout.contains("have the same catalog") {
        return true;
    }
    assert!(
        run.stderr.contains("Access denied"),
        "neither connected nor refused: {}",
        run.stderr
    );
    false
}

fn password_file(tag: &str, text: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let file = govup_testkit::scratch_dir(tag).join("pw");
    std::fs::write(&file, text).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
    file
}

#[test]
fn passwords_come_from_the_environment_files_and_mysql_pwd_in_that_order() {
    let Some(user) = PasswordUser::new("pwd_order") else {
        return;
    };
    let right_file = password_file("pw_right", &format!("{RIGHT}\n"), 0o600);
    let wrong_file = password_file("pw_wrong", &format!("{WRONG}\nmore\n"), 0o600);
    let right_file = right_file.display().to_string();
    let wrong_file = wrong_file.display().to_string();
    // Without any password the server refuses, and nothing prompts (no terminal).
    assert!(!connected(&user.verify(&[], &[])));
    // Each source alone.
    assert!(connected(&user.verify(&[], &[("GOVUP_PASSWORD", RIGHT)])));
    assert!(connected(
        &user.verify(&["--password-file", &right_file], &[])
    ));
    assert!(connected(
        &user.verify(&[], &[("GOVUP_PASSWORD_FILE", right_file.as_str())])
    ));
    assert!(connected(&user.verify(&[], &[("MYSQL_PWD", RIGHT)])));
    // GOVUP_PASSWORD before --password-file before MYSQL_PWD.
    assert!(connected(&user.verify(
        &["--password-file", &wrong_file],
        &[("GOVUP_PASSWORD", RIGHT), ("MYSQL_PWD", WRONG)]
    )));
    assert!(!connected(&user.verify(
        &["--password-file", &right_file],
        &[("GOVUP_PASSWORD", WRONG)]
    )));
    assert!(connected(&user.verify(
        &["--password-file", &right_file],
        &[("MYSQL_PWD", WRONG)]
    )));
    assert!(!connected(&user.verify(
        &["--password-file", &wrong_file],
        &[("MYSQL_PWD", RIGHT)]
    )));
    // A password in the URL wins over all of them.
    let typed = user.url.replace('@', &format!(":{RIGHT}@"));
    let run = run(
        &["verify", "--url", &typed, "--against", &typed],
        &[("GOVUP_PASSWORD", WRONG)],
    );
    assert!(connected(&run), "{}", run.stderr);
}

#[test]
fn a_maps_password_file_serves_its_url_and_a_loose_file_is_warned_about() {
    let Some(user) = PasswordUser::new("pwd_map") else {
        return;
    };
    let folder = govup_testkit::scratch_dir("pw_map");
    std::fs::write(folder.join("pw"), format!("{RIGHT}\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(folder.join("pw"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    // Relative to the map, wherever govup runs.
    std::fs::write(
        folder.join("map.toml"),
        format!(
            "url = \"{}\"\npassword_file = \"pw\"\ndir = \"../../../sql-samples\"\n",
            user.url
        ),
    )
    .unwrap();
    let map = folder.join("map.toml").display().to_string();
    let applied = run(
        &[
            "apply",
            "--schema-map",
            &map,
            "--from",
            "1.0.0",
            "--to",
            "latest",
        ],
        &[("MYSQL_PWD", WRONG)],
    );
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(
        applied
            .stderr
            .contains("may be read by group or others (mode 0644)"),
        "{}",
        applied.stderr
    );
    assert!(!applied.stderr.contains(RIGHT) && !applied.stdout.contains(RIGHT));
    let status = run(&["status", "--schema-map", &map], &[]);
    assert!(
        status.stdout.contains("up to date with the tree"),
        "{}",
        status.stdout
    );
    // Not a regular file, or missing: unreadable input, refused before connecting.
    let not_file = folder.display().to_string();
    let refused = user.verify(&["--password-file", &not_file], &[]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("not a regular file"),
        "{}",
        refused.stderr
    );
    std::fs::write(
        folder.join("map.toml"),
        format!("url = \"{}\"\npassword_file = \"gone\"\n", user.url),
    )
    .unwrap();
    let missing = run(&["status", "--schema-map", &map], &[]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains(&format!(
            "password file `{}`",
            folder.join("gone").display()
        )),
        "{}",
        missing.stderr
    );
}

#[test]
fn pgpassfile_is_read_and_ignored_when_others_may_read_it() {
    // PostgreSQL here trusts local connections, so any password connects: what shows that the
    // file was read is the warning about its mode (the matching itself is unit-tested).
    let Some(admin) = govup_testkit::server_url("GOVUP_TEST_POSTGRES_URL") else {
        return;
    };
    let loose = password_file("pgpass_loose", "*:*:*:*:PGPASSSECRET\n", 0o644);
    let loose = loose.display().to_string();
    let status = run(
        &["status", "--url", &admin],
        &[("PGPASSFILE", loose.as_str())],
    );
    assert!(
        status
            .stderr
            .contains("ignored: group or others may read it (mode 0644)"),
        "{}",
        status.stderr
    );
    assert!(!status.stderr.contains("PGPASSSECRET"), "{}", status.stderr);
    let private = password_file("pgpass_private", "*:*:*:*:PGPASSSECRET\n", 0o600);
    let private = private.display().to_string();
    let status = run(
        &["status", "--url", &admin],
        &[("PGPASSFILE", private.as_str())],
    );
    assert!(!status.stderr.contains("warning"), "{}", status.stderr);
    assert!(!status.stderr.contains("PGPASSSECRET"), "{}", status.stderr);
}

/// A one-step MySQL tree whose patch creates a table too wide for InnoDB's strict row size
/// check: it fails under MariaDB's default `innodb_strict_mode=ON` ("Row size too large"), as
/// GovWay's 3.3.3 patches do, and passes with it OFF.
fn wide_tree(tag: &str) -> (PathBuf, PathBuf) {
    let folder = govup_testkit::scratch_dir(tag);
    let step = folder.join("tree/upgrade_1.0.0_to_1.0.1");
    std::fs::create_dir_all(step.join("mysql")).unwrap();
    let columns: Vec<String> = (0..60).map(|i| format!("c{i} VARCHAR(255)")).collect();
    let wide = format!(
        "CREATE TABLE wide_t (id INT PRIMARY KEY, {}) ENGINE=InnoDB ROW_FORMAT=COMPACT DEFAULT CHARSET=latin1;\n",
        columns.join(", ")
    );
    std::fs::write(
        step.join("mysql/2024-01-01-configurazionePdD-patch.sql"),
        format!("CREATE TABLE db_info (notes VARCHAR(64));\n{wide}"),
    )
    .unwrap();
    std::fs::write(
        step.join("info-patch.sql"),
        "INSERT INTO db_info VALUES ('[1.0.1]');\n",
    )
    .unwrap();
    std::fs::write(folder.join("wide.sql"), wide).unwrap();
    (folder.join("tree"), folder)
}

const STRICT_OFF: &str = "SET SESSION innodb_strict_mode=OFF";

#[test]
fn session_sql_reaches_every_connection_on_mariadb() {
    let Some(db) = Scratch::new(Server::Mysql, "session") else {
        return;
    };
    let (tree, folder) = wide_tree("session_tree");
    let tree = tree.display().to_string();
    let apply = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec![
            "apply", "--dir", &tree, "--url", &db.url, "--from", "1.0.0", "--to", "1.0.1",
        ];
        args.extend_from_slice(extra);
        run(&args, env)
    };
    let rehearse = |extra: &[&str]| {
        let mut args = vec![
            "rehearse", "--dir", &tree, "--url", &db.url, "--from", "1.0.0", "--to", "1.0.1",
        ];
        args.extend_from_slice(extra);
        run(&args, &[])
    };
    // The rehearsal's copy is a connection of its own: without the setting it fails there...
    let r = rehearse(&[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("Row size too large"), "{}", r.stderr);
    // ...and with it the copy gets it too.
    let r = rehearse(&["--session-sql", STRICT_OFF]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A failure on MariaDB leaves a failed history row: start from an empty database.
    let failed = apply(&[], &[]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("Row size too large"),
        "{}",
        failed.stderr
    );
    db.conn().execute("DROP TABLE IF EXISTS db_info").unwrap();
    db.conn().execute("DROP TABLE govup_history").unwrap();
    // A bad session statement is named.
    let bad = apply(&["--session-sql", "SET SESSION no_such_setting=1"], &[]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(
        bad.stderr
            .contains("session statement `SET SESSION no_such_setting=1` failed"),
        "{}",
        bad.stderr
    );
    // The map's [session] does what --session-sql does; the server's global is untouched.
    std::fs::write(
        folder.join("map.toml"),
        format!(
            "url = \"{}\"\n[session]\nsql = [\"{STRICT_OFF}\"]\n",
            db.url
        ),
    )
    .unwrap();
    let map = folder.join("map.toml").display().to_string();
    let done = run(
        &[
            "apply",
            "--dir",
            &tree,
            "--schema-map",
            &map,
            "--from",
            "1.0.0",
            "--to",
            "1.0.1",
        ],
        &[],
    );
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(
        db.query("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'wide_t'"),
        ["61".to_string()].into()
    );
    assert_eq!(
        db.query("SELECT @@GLOBAL.innodb_strict_mode"),
        ["1".to_string()].into()
    );
    // verify's scratch database loads the install script under the same setting.
    let script = folder.join("wide.sql").display().to_string();
    let against = |extra: &[&str]| {
        let mut args = vec!["verify", "--url", &db.url, "--against-sql", &script];
        args.extend_from_slice(extra);
        run(&args, &[])
    };
    let strict = against(&[]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert!(
        strict.stderr.contains("Row size too large"),
        "{}",
        strict.stderr
    );
    let loose = against(&["--session-sql", STRICT_OFF]);
    assert!(
        !loose.stderr.contains("Row size too large"),
        "{}",
        loose.stderr
    );
    // The scratch database lacks only db_info, which the patch made beside wide_t.
    assert!(
        loose.stdout.contains("- table db_info"),
        "{}{}",
        loose.stdout,
        loose.stderr
    );
    assert!(!loose.stdout.contains("wide_t"), "{}", loose.stdout);
}

/// Every session writes a row into a log database: which database it is on, and its
/// `innodb_strict_mode` (OFF only in the `mysql` client's loading sessions, where govup's own
/// setting runs before the operator's statements).
#[test]
fn session_statements_run_in_mysql_loading_sessions_of_restore_and_rehearse() {
    let Some(db) = Scratch::new(Server::Mysql, "sess_load") else {
        return;
    };
    let Some(log) = Scratch::new(Server::Mysql, "sess_log") else {
        return;
    };
    log.conn()
        .execute("CREATE TABLE sessions (db VARCHAR(200), strict_mode INT)")
        .unwrap();
    let record = format!(
        "INSERT INTO `{}`.sessions VALUES (DATABASE(), @@SESSION.innodb_strict_mode)",
        log.name
    );
    let samples = samples();
    let backups = govup_testkit::scratch_dir("sess_backups");
    let backups = backups.display().to_string();
    let applied = run(
        &[
            "apply",
            "--dir",
            &samples,
            "--url",
            &db.url,
            "--from",
            "1.0.0",
            "--to",
            "1.0.1",
            "--backup",
            &backups,
            "--session-sql",
            &record,
        ],
        &[],
    );
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let sessions =
        |filter: &str| log.query(&format!("SELECT COUNT(*) FROM sessions WHERE {filter}"));
    let none = ["0".to_string()].into();
    assert_ne!(
        sessions(&format!("db = '{}' AND strict_mode = 1", db.name)),
        none
    );
    let restored = run(
        &[
            "restore",
            &format!("{backups}/1.0.0"),
            "--url",
            &db.url,
            "--session-sql",
            &record,
        ],
        &[],
    );
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    assert_ne!(
        sessions(&format!("db = '{}' AND strict_mode = 0", db.name)),
        none,
        "the loading session of the restore did not run the session statements"
    );
    let rehearsed = run(
        &[
            "rehearse",
            "--dir",
            &samples,
            "--url",
            &db.url,
            "--from",
            "1.0.0",
            "--to",
            "1.0.1",
            "--session-sql",
            &record,
        ],
        &[],
    );
    assert_eq!(rehearsed.code, 0, "{}", rehearsed.stderr);
    let copy = format!("db LIKE '{}\\_govup\\_copy\\_%'", db.name);
    assert_ne!(
        sessions(&format!("{copy} AND strict_mode = 0")),
        none,
        "copy's loader"
    );
    assert_ne!(
        sessions(&format!("{copy} AND strict_mode = 1")),
        none,
        "copy's connection"
    );
}

/// On PostgreSQL, a search path naming no schema leaves a `CREATE TABLE` nowhere to go: the
/// patches fail exactly where the session statement reached, the rehearsal's copy included.
#[test]
fn session_statements_reach_postgresql_connections_and_rehearsal_copies() {
    let Some(db) = Scratch::new(Server::Postgres, "sess_pg") else {
        return;
    };
    let samples = samples();
    let nowhere = "SET search_path TO govup_no_such_schema";
    let verb = |verb: &str, extra: &[&str]| {
        let mut args = vec![
            verb, "--dir", &samples, "--url", &db.url, "--from", "1.0.0", "--to", "1.0.1",
        ];
        args.extend_from_slice(extra);
        run(&args, &[])
    };
    let r = verb("rehearse", &["--session-sql", nowhere]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("rehearsal failed"), "{}", r.stderr);
    assert!(
        r.stderr.contains("no schema has been selected"),
        "{}",
        r.stderr
    );
    let r = verb("apply", &["--session-sql", nowhere]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no schema has been selected"),
        "{}",
        r.stderr
    );
    // --tx all rolled everything back; without the statement the same upgrade runs.
    let r = verb("rehearse", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = verb("apply", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
