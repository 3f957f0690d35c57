//! Against a live server (`GOVUP_TEST_MYSQL_URL`, e.g. `mysql://root@127.0.0.1:3306/test`).
//! Every test works in its own scratch database, dropped at the end, because tests run in
//! parallel and the lock is per database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use govup_driver_mysql::{connect, DIALECT};
use govup_engine::driver::{Dialect, Driver};
use govup_engine::{Tx, Wait};

use crate::corpus::{split_file, sql_files};

pub(crate) fn server() -> Option<String> {
    govup_testkit::server_url("GOVUP_TEST_MYSQL_URL")
}

/// `url` with its database replaced by `database` ("" for none).
pub(crate) fn with_database(url: &str, database: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    u.set_path(&format!("/{database}"));
    u.to_string()
}

fn url_database(url: &str) -> Option<String> {
    let u = url::Url::parse(url).unwrap();
    Some(u.path().trim_start_matches('/').to_string()).filter(|d| !d.is_empty())
}

/// A database that exists for one test.
pub(crate) struct Scratch {
    pub(crate) admin: Box<dyn Driver>,
    pub(crate) name: String,
    /// The server URL pointing at this database.
    pub(crate) url: String,
}

impl Scratch {
    pub(crate) fn new(server: &str, tag: &str) -> Scratch {
        let name = govup_testkit::unique_name(tag);
        let mut admin = connect(server).unwrap();
        admin
            .execute(&format!("CREATE DATABASE {}", DIALECT.quote_ident(&name)))
            .unwrap();
        let url = with_database(server, &name);
        Scratch { admin, name, url }
    }

    fn table_exists(&mut self, table: &str) -> bool {
        let sql = format!(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = {} AND table_name = {}",
            DIALECT.quote_literal(&self.name),
            DIALECT.quote_literal(table)
        );
        !self.admin.query(&sql).unwrap().is_empty()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.admin.execute(&format!(
            "DROP DATABASE IF EXISTS {}",
            DIALECT.quote_ident(&self.name)
        ));
    }
}

pub(crate) fn cell(c: &mut dyn Driver, sql: &str) -> Option<String> {
    let rows = c.query(sql).unwrap();
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}

pub(crate) fn s(text: &str) -> Option<String> {
    Some(text.to_string())
}

#[test]
fn round_trip_with_null_and_text_cells() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "rt");
    let mut c = connect(&scratch.url).unwrap();
    c.execute(
        "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(50) NULL, amount DECIMAL(8,2), at DATETIME(3) NULL, note TEXT NULL) DEFAULT CHARSET=utf8mb4",
    )
    .unwrap();
    c.execute("INSERT INTO t VALUES (1, 'città', 12.5, '2024-01-02 03:04:05.678', NULL), (2, NULL, -1, NULL, 'x')")
        .unwrap();
    let rows = c
        .query("SELECT id, name, amount, at, note FROM t ORDER BY id")
        .unwrap();
    assert_eq!(
        rows,
        vec![
            vec![
                s("1"),
                s("città"),
                s("12.50"),
                s("2024-01-02 03:04:05.678"),
                None
            ],
            vec![s("2"), None, s("-1.00"), None, s("x")],
        ]
    );
    assert!(c
        .query("SELECT id FROM t WHERE id = 99")
        .unwrap()
        .is_empty());
}

/// What `quote_literal` makes of awkward text is read back by the server unchanged.
#[test]
fn quote_literal_round_trips_through_the_server() {
    let Some(server) = server() else { return };
    let mut c = connect(&server).unwrap();
    for text in [
        "it's",
        r"C:\dir\",
        r"\'",
        r"\\",
        "x';SELECT 1;--",
        "è\"`",
        "",
    ] {
        assert_eq!(
            cell(
                c.as_mut(),
                &format!("SELECT {}", DIALECT.quote_literal(text))
            ),
            s(text),
            "{text}"
        );
    }
    assert_eq!(
        cell(
            c.as_mut(),
            &format!("SELECT 1 AS {}", DIALECT.quote_ident("a`b"))
        ),
        s("1")
    );
}

#[test]
fn execute_runs_statements_that_return_rows_and_reports_server_errors() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "ex");
    let mut c = connect(&scratch.url).unwrap();
    c.execute("SELECT 1").unwrap();
    c.execute("SHOW VARIABLES LIKE 'version%'").unwrap();
    c.execute("CREATE TABLE t (a INT)").unwrap();
    let e = c.execute("CREATE TABLE t (a INT)").unwrap_err();
    assert_eq!(e.message, "ERROR 1050 (42S01): Table 't' already exists");

    let patch = "DELIMITER //\nCREATE PROCEDURE two_sets()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND//\nCREATE PROCEDURE fails_late()\nBEGIN\n  SELECT 1;\n  SELECT * FROM no_such_table;\nEND//\nDELIMITER ;\nCALL two_sets();\n";
    let statements = DIALECT.split(patch).unwrap();
    assert_eq!(statements.len(), 3);
    for st in &statements {
        c.execute(&st.text).unwrap();
    }
    assert_eq!(c.query("CALL two_sets()").unwrap(), vec![vec![s("1")]]);
    // An error in a later result set is not lost, and the session stays usable.
    let e = c.execute("CALL fails_late()").unwrap_err();
    assert!(e.message.starts_with("ERROR 1146 (42S02)"), "{e}");
    assert_eq!(cell(c.as_mut(), "SELECT 3"), s("3"));
}

#[test]
fn history_table_in_a_scratch_database() {
    let Some(server) = server() else { return };
    let mut scratch = Scratch::new(&server, "hist");
    let name = scratch.name.clone();
    let mut c = connect(&server).unwrap();
    assert!(c
        .query(&DIALECT.history_exists_sql(Some(&name)))
        .unwrap()
        .is_empty());
    let table = DIALECT.qualify(Some(&name), "govup_history");
    c.execute(&DIALECT.history_ddl(&table)).unwrap();
    assert_eq!(
        c.query(&DIALECT.history_exists_sql(Some(&name))).unwrap(),
        vec![vec![s("1")]]
    );
    assert!(scratch.table_exists("govup_history"));
    // IF NOT EXISTS: running it again is harmless.
    c.execute(&DIALECT.history_ddl(&table)).unwrap();

    let insert = |path: &str, error: Option<&str>| {
        let error = error.map_or("NULL".to_string(), |e| DIALECT.quote_literal(e));
        format!(
            "INSERT INTO {table} (step_dir, patch_path, file_name, patch_kind, sha256, role_name, schema_name, target_version, started_at, finished_at, duration_ms, statements_total, statements_done, status, error_text, govup_version) VALUES ('upgrade_1.0.0_to_1.0.1', {}, 'p.sql', 'patch', '{}', NULL, NULL, '1.0.1', '2026-01-01T00:00:00Z', NULL, 12, 3, 1, 'failed', {error}, '0.1.0')",
            DIALECT.quote_literal(path),
            "a".repeat(64)
        )
    };
    // Full 500-character keys: two paths that differ only at the end, and only in case, are
    // distinct rows.
    let long_a = format!("{}a", "x".repeat(499));
    let long_b = format!("{}b", "x".repeat(499));
    let nasty_error = "ERROR 1050 (42S01): Table 'x' already exists\nC:\\path\\ and `ticks`";
    c.execute(&insert(&long_a, Some(nasty_error))).unwrap();
    c.execute(&insert(&long_b, None)).unwrap();
    c.execute(&insert("step/mysql/P.sql", None)).unwrap();
    c.execute(&insert("step/mysql/p.sql", None)).unwrap();
    let e = c.execute(&insert(&long_a, None)).unwrap_err();
    assert!(e.message.starts_with("ERROR 1062 (23000)"), "{e}");

    let rows = c
        .query(&format!(
            "SELECT patch_path, role_name, error_text, duration_ms FROM {table} WHERE patch_path = {}",
            DIALECT.quote_literal(&long_a)
        ))
        .unwrap();
    assert_eq!(rows, vec![vec![s(&long_a), None, s(nasty_error), s("12")]]);
    assert_eq!(
        cell(c.as_mut(), &format!("SELECT COUNT(*) FROM {table}")),
        s("4")
    );

    c.use_schema(Some(&name)).unwrap();
    assert_eq!(
        c.query(&DIALECT.history_exists_sql(None)).unwrap(),
        vec![vec![s("1")]]
    );
}

#[test]
fn use_schema_switches_and_restores() {
    let Some(server) = server() else { return };
    let mut scratch = Scratch::new(&server, "use");
    let name = scratch.name.clone();
    let mut c = connect(&server).unwrap();
    let own = cell(c.as_mut(), "SELECT DATABASE()");
    assert_eq!(own, url_database(&server));

    c.use_schema(Some(&name)).unwrap();
    assert_eq!(cell(c.as_mut(), "SELECT DATABASE()"), s(&name));
    c.execute("CREATE TABLE made_here (a INT)").unwrap();
    assert!(scratch.table_exists("made_here"));

    c.use_schema(None).unwrap();
    let expected = if own.is_some() { own } else { s(&name) };
    assert_eq!(cell(c.as_mut(), "SELECT DATABASE()"), expected);

    // Without a database in the URL there is nothing to go back to: None leaves it alone.
    let mut bare = connect(&with_database(&server, "")).unwrap();
    assert_eq!(cell(bare.as_mut(), "SELECT DATABASE()"), None);
    bare.use_schema(Some(&name)).unwrap();
    bare.use_schema(None).unwrap();
    assert_eq!(cell(bare.as_mut(), "SELECT DATABASE()"), s(&name));
}

#[test]
fn use_schema_of_a_missing_database_names_it() {
    let Some(server) = server() else { return };
    let mut c = connect(&server).unwrap();
    let missing = govup_testkit::unique_name("missing");
    let e = c.use_schema(Some(&missing)).unwrap_err();
    assert!(e.message.contains(&missing), "{e}");
    assert!(e.message.starts_with("ERROR 1049 (42000)"), "{e}");
    assert!(!e.message.contains('\n'));
    // The session is still usable.
    assert_eq!(cell(c.as_mut(), "SELECT 1"), s("1"));
}

#[test]
fn lock_blocks_a_second_session_until_released() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "lock");
    let lock_name = format!("govup:{}", scratch.name);
    let is_free = format!("SELECT IS_FREE_LOCK({})", DIALECT.quote_literal(&lock_name));

    let mut a = connect(&scratch.url).unwrap();
    a.unlock().unwrap(); // not held: nothing to do
    a.lock(Wait::Block).unwrap();
    a.lock(Wait::Block).unwrap(); // already held: still one level
    assert_eq!(cell(a.as_mut(), &is_free), s("0"));

    let released = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = mpsc::channel();
    let b_url = scratch.url.clone();
    let b_released = Arc::clone(&released);
    let b = thread::spawn(move || {
        let mut b = connect(&b_url).unwrap();
        started_tx.send(()).unwrap();
        let t0 = Instant::now();
        b.lock(Wait::Block).unwrap();
        let waited = t0.elapsed();
        let saw_release = b_released.load(Ordering::SeqCst);
        b.unlock().unwrap();
        (saw_release, waited)
    });
    started_rx.recv().unwrap();
    thread::sleep(Duration::from_millis(1200));
    assert!(
        !b.is_finished(),
        "the second session took the lock while the first held it"
    );
    released.store(true, Ordering::SeqCst);
    a.unlock().unwrap();
    let (saw_release, waited) = b.join().unwrap();
    assert!(
        saw_release,
        "the second session got the lock before the first released it"
    );
    assert!(
        waited >= Duration::from_millis(800),
        "the second session did not wait: {waited:?}"
    );
    assert_eq!(cell(a.as_mut(), &is_free), s("1"));
}

#[test]
fn lock_dies_with_its_connection() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "lockd");
    let is_free = format!(
        "SELECT IS_FREE_LOCK({})",
        DIALECT.quote_literal(&format!("govup:{}", scratch.name))
    );
    let mut holder = connect(&scratch.url).unwrap();
    holder.lock(Wait::Block).unwrap();
    let mut other = connect(&scratch.url).unwrap();
    assert_eq!(cell(other.as_mut(), &is_free), s("0"));
    drop(holder);
    let deadline = Instant::now() + Duration::from_secs(10);
    while cell(other.as_mut(), &is_free) != s("1") {
        assert!(
            Instant::now() < deadline,
            "the lock outlived its connection"
        );
        thread::sleep(Duration::from_millis(50));
    }
    other.lock(Wait::Block).unwrap();
    other.unlock().unwrap();
}

#[test]
fn unreachable_server_is_one_line_without_password() {
    let e = connect("mysql://root:hunter2@127.0.0.1:1/govup_nowhere")
        .err()
        .unwrap();
    assert!(e.message.contains("127.0.0.1:1/govup_nowhere"), "{e}");
    assert!(!e.message.contains("hunter2"), "{e}");
    assert!(!e.message.contains('\n'), "{e}");
}

#[test]
fn wrong_password_is_refused_without_showing_it() {
    let Some(server) = server() else { return };
    let mut u = url::Url::parse(&server).unwrap();
    u.set_password(Some("govup-wrong-pw")).unwrap();
    let e = connect(u.as_str()).err().unwrap();
    assert!(e.message.contains("ERROR 1045"), "{e}");
    assert!(!e.message.contains("govup-wrong-pw"), "{e}");
    assert!(
        e.message.contains(&format!(
            "{}:{}",
            u.host_str().unwrap(),
            u.port().unwrap_or(3306)
        )),
        "{e}"
    );
}

#[test]
fn mariadb_scheme_and_describe() {
    let Some(server) = server() else { return };
    let url = server.replacen("mysql://", "mariadb://", 1);
    let mut c = connect(&url).unwrap();
    assert_eq!(cell(c.as_mut(), "SELECT 1"), s("1"));
    let described = c.describe();
    assert!(described.starts_with("mysql://"), "{described}");
    if let Some(password) = url::Url::parse(&server).unwrap().password() {
        assert!(!described.contains(password));
        assert!(described.contains(":***@"));
    }
}

/// TLS is requested when the URL asks: against a server without TLS the connection is refused
/// rather than silently made in plain text.
#[test]
fn ssl_mode_required_asks_for_tls() {
    let Some(server) = server() else { return };
    let mut plain = connect(&server).unwrap();
    let have_ssl = plain.query("SHOW VARIABLES LIKE 'have_ssl'").unwrap();
    let enabled = have_ssl
        .first()
        .and_then(|r| r.get(1).cloned().flatten())
        .as_deref()
        == Some("YES");
    let mut u = url::Url::parse(&server).unwrap();
    u.query_pairs_mut().append_pair("ssl-mode", "REQUIRED");
    match connect(u.as_str()) {
        Ok(mut c) => {
            assert!(enabled, "a TLS connection to a server without TLS");
            let cipher = c.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").unwrap();
            assert!(cipher[0][1].as_deref().is_some_and(|c| !c.is_empty()));
        }
        Err(e) => {
            assert!(!enabled, "{e}");
            assert!(e.message.contains("secure connection"), "{e}");
        }
    }
}

/// MySQL commits DDL implicitly: ROLLBACK undoes the rows but not the table, which is why the
/// dialect says `transactional_ddl = false`.
#[test]
fn ddl_is_not_rolled_back() {
    let Some(server) = server() else { return };
    let mut scratch = Scratch::new(&server, "ddl");
    let mut c = connect(&scratch.url).unwrap();
    c.execute("CREATE TABLE kept (a INT) ENGINE=InnoDB")
        .unwrap();

    c.transaction(Tx::Begin).unwrap();
    c.execute("INSERT INTO kept VALUES (1)").unwrap();
    c.transaction(Tx::Rollback).unwrap();
    assert_eq!(cell(c.as_mut(), "SELECT COUNT(*) FROM kept"), s("0"));

    c.transaction(Tx::Begin).unwrap();
    c.execute("INSERT INTO kept VALUES (2)").unwrap();
    c.execute("CREATE TABLE made_in_tx (a INT) ENGINE=InnoDB")
        .unwrap();
    c.transaction(Tx::Rollback).unwrap();
    assert!(scratch.table_exists("made_in_tx"));
    // The DDL also committed the INSERT before it.
    assert_eq!(cell(c.as_mut(), "SELECT COUNT(*) FROM kept"), s("1"));
}

/// The sample tree from an empty database to 1.0.5: each step's MySQL patches in file-name
/// order, then its info-patch, every statement through the splitter.
#[test]
fn sample_tree_applies_from_1_0_0_to_1_0_5() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "samples");
    let mut c = connect(&scratch.url).unwrap();
    let root = govup_testkit::workspace().join("sql-samples");
    let steps = [
        "upgrade_1.0.0_to_1.0.1",
        "upgrade_1.0.1_to_1.0.2",
        "upgrade_1.0.2_to_1.0.3",
        "upgrade_1.0.3_to_1.0.4",
        "upgrade_1.0.4_to_1.0.5",
    ];
    let mut ran = 0;
    for step in steps {
        let dir = root.join(step);
        let mut patches = if dir.join("mysql").is_dir() {
            sql_files(&dir.join("mysql"))
        } else {
            Vec::new()
        };
        patches.push(dir.join("info-patch.sql"));
        for patch in patches {
            for statement in split_file(&patch) {
                c.execute(&statement.text)
                    .unwrap_or_else(|e| panic!("{}:{}: {e}", patch.display(), statement.line));
                ran += 1;
            }
        }
    }
    // Statements per step, patches plus info-patch.
    assert_eq!(ran, 12 + 10 + 9 + 5 + 2);

    let info = c
        .query("SELECT major_version, minor_version, notes FROM db_info")
        .unwrap();
    assert_eq!(info.len(), 1);
    assert!(
        info[0][2]
            .as_deref()
            .is_some_and(|n| n.starts_with("[1.0.5]")),
        "{info:?}"
    );

    // The trigger from the DELIMITER block works, so its body arrived whole.
    c.execute("INSERT INTO orders (customer_code) VALUES ('C1')")
        .unwrap();
    c.execute("UPDATE orders SET status = 'PAID' WHERE customer_code = 'C1'")
        .unwrap();
    assert_eq!(
        c.query("SELECT old_status, new_status FROM order_status_history")
            .unwrap(),
        vec![vec![s("NEW"), s("PAID")]]
    );
    assert_eq!(
        cell(
            c.as_mut(),
            "SELECT setting_value FROM app_settings WHERE setting_name = 'orders.export.separator'"
        ),
        s(";")
    );
    assert_eq!(cell(c.as_mut(), "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'customers' AND column_name = 'vat_number'"), s("1"));
}

#[test]
fn a_batch_runs_in_one_round_trip_and_names_the_statement_that_failed() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "batch");
    let mut db = connect(&scratch.url).unwrap();
    db.execute("CREATE TABLE b (a INT PRIMARY KEY) ENGINE=InnoDB")
        .unwrap();
    let (index, err) = db
        .batching()
        .unwrap()
        .execute_many(&[
            "INSERT INTO b VALUES (1) -- ends in a comment",
            "INSERT INTO b VALUES (2)",
            "INSERT INTO b VALUES (1)",
            "INSERT INTO b VALUES (3)",
        ])
        .unwrap_err();
    assert_eq!(index, 2);
    assert!(err.message.contains("Duplicate entry"), "{}", err.message);
    // Autocommit: the two before it stay, the one after never ran.
    assert_eq!(
        cell(db.as_mut(), "SELECT GROUP_CONCAT(a ORDER BY a) FROM b"),
        s("1,2")
    );
    // The connection is usable again at once.
    db.batching()
        .unwrap()
        .execute_many(&["INSERT INTO b VALUES (3)", "DELETE FROM b WHERE a = 1"])
        .unwrap();
    assert_eq!(
        cell(db.as_mut(), "SELECT GROUP_CONCAT(a ORDER BY a) FROM b"),
        s("2,3")
    );
    // A failure in the first statement.
    let (index, _) = db
        .batching()
        .unwrap()
        .execute_many(&["INSERT INTO nosuch VALUES (1)", "INSERT INTO b VALUES (9)"])
        .unwrap_err();
    assert_eq!(index, 0);
    assert_eq!(cell(db.as_mut(), "SELECT COUNT(*) FROM b"), s("2"));
}

#[test]
fn row_changes_roll_back_only_where_every_table_can() {
    let Some(server) = server() else { return };
    let scratch = Scratch::new(&server, "engines");
    let mut db = connect(&scratch.url).unwrap();
    db.execute("CREATE TABLE t (a INT) ENGINE=InnoDB").unwrap();
    assert!(db.inspect().unwrap().rolls_back_rows(None).unwrap());
    assert!(db
        .inspect()
        .unwrap()
        .rolls_back_rows(Some(&scratch.name))
        .unwrap());
    db.execute("CREATE TABLE m (a INT) ENGINE=MyISAM").unwrap();
    assert!(!db.inspect().unwrap().rolls_back_rows(None).unwrap());
    assert!(!db
        .inspect()
        .unwrap()
        .rolls_back_rows(Some(&scratch.name))
        .unwrap());
}
