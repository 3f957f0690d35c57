//! The engine against the test kit's fake database: every transaction mode, failures and kills
//! at every statement and the resumes after them, grouping of row-change patches, dry runs and
//! the refusals of drivers without maintenance. No server.

use crate::support::copy_tree;
use govup_engine::{
    apply, rehearse, ApplyError, BackupOptions, Connections, Job, Options, Report, Silent, Start,
    TxMode,
};
use govup_planner::{DbSelection, DbType, Tree, VersionGraph};
use govup_schema_map::SchemaMap;
use govup_testkit::fake::{FakeDb, Switches};
use std::path::{Path, PathBuf};

const BAD: &str = "upgrade_1.0.1_to_1.0.2/mysql/2024-02-01-archiviComunicazioni-patch.sql";
const MODES: [Option<TxMode>; 4] = [
    None,
    Some(TxMode::All),
    Some(TxMode::Step),
    Some(TxMode::Patch),
];

/// A database of type `db` whose fake speaks that type's dialect.
fn fake(db: DbType, switches: Switches) -> FakeDb {
    let dialect: &'static dyn govup_engine::Dialect = match db {
        DbType::Mysql => &govup_sql::mysql::DIALECT,
        _ => &govup_sql::postgres::DIALECT,
    };
    FakeDb::new(dialect, switches)
}

struct Run<'a> {
    tree: &'a Path,
    db: DbType,
    from: Option<&'a str>,
    tx: Option<TxMode>,
    dry_run: bool,
    backup: Option<BackupOptions>,
}

impl<'a> Run<'a> {
    fn new(tree: &'a Path, db: DbType, tx: Option<TxMode>) -> Run<'a> {
        Run {
            tree,
            db,
            from: Some("1.0.0"),
            tx,
            dry_run: false,
            backup: None,
        }
    }

    fn opts(&self) -> Options {
        Options {
            tx: self.tx,
            dry_run: self.dry_run,
            allow_lateral: false,
            continue_changed: false,
            govup_version: "test".into(),
            backup: self.backup.clone(),
            stop: None,
            lock_timeout: None,
        }
    }

    fn with_job<T>(&self, f: impl FnOnce(&Job<'_>) -> T) -> T {
        let scanned = Tree::scan(self.tree, &DbSelection::One(self.db)).expect("tree reads");
        let graph = VersionGraph::build(&scanned);
        let map = SchemaMap::single();
        let job = Job {
            tree: &scanned,
            graph: &graph,
            db: self.db,
            map: &map,
            start: match self.from {
                Some(v) => Start::Given(v.parse().unwrap()),
                None => Start::Auto,
            },
            to: "1.0.2".parse().unwrap(),
        };
        f(&job)
    }

    fn on(&self, db: &FakeDb) -> Result<Report, ApplyError> {
        let opts = self.opts();
        self.with_job(|job| {
            let mut conns = Connections::from_drivers(db.connect(), vec![]);
            apply(job, &mut conns, &opts, &mut Silent)
        })
    }
}

/// What a run without trouble commits: the reference every resumed run must equal.
fn clean(tree: &Path, db: DbType, switches: Switches) -> FakeDb {
    let fresh = fake(db, switches);
    Run::new(tree, db, None).on(&fresh).expect("a clean run");
    fresh
}

fn all_applied(db: &FakeDb, rows: usize) {
    let history = db.history();
    assert_eq!(history.len(), rows, "{history:?}");
    assert!(
        history.iter().all(|(_, status, _)| status == "applied"),
        "{history:?}"
    );
}

fn shapes() -> [(DbType, Switches); 4] {
    [
        (DbType::Postgresql, Switches::TRANSACTIONAL),
        (
            DbType::Postgresql,
            Switches {
                session_lock: false,
                batching: false,
                ..Switches::TRANSACTIONAL
            },
        ),
        (DbType::Mysql, Switches::AUTOCOMMIT_DDL),
        (
            DbType::Mysql,
            Switches {
                rolls_back_rows: false,
                batching: false,
                ..Switches::AUTOCOMMIT_DDL
            },
        ),
    ]
}

#[test]
fn a_kill_at_any_statement_in_any_mode_resumes_to_exactly_one_clean_run() {
    let tree = copy_tree("failing");
    for (db_type, switches) in shapes() {
        let reference = clean(&tree, db_type, switches);
        let statements = reference.effects().len();
        assert_eq!(statements, 12, "{:?}", reference.effects());
        for tx in MODES {
            for n in 1..=statements {
                let db = fake(db_type, switches);
                db.kill_at(n);
                let err = Run::new(&tree, db_type, tx).on(&db).unwrap_err();
                let said = format!("{err}");
                assert!(said.contains("killed at statement"), "{said}");
                db.restart();
                let report = Run::new(&tree, db_type, tx).on(&db);
                let case = format!("{db_type:?} {switches:?} {tx:?} killed at {n}");
                assert!(report.is_ok(), "{case}: {report:?}");
                assert_eq!(db.effects(), reference.effects(), "{case}");
                all_applied(&db, 6);
            }
        }
    }
}

#[test]
fn a_failure_at_any_statement_in_any_mode_is_fixed_by_a_rerun() {
    let tree = copy_tree("failing");
    for (db_type, switches) in shapes() {
        let reference = clean(&tree, db_type, switches);
        for tx in MODES {
            for n in 1..=reference.effects().len() {
                let db = fake(db_type, switches);
                db.fail_at(n);
                let err = Run::new(&tree, db_type, tx).on(&db).unwrap_err();
                let case = format!("{db_type:?} {switches:?} {tx:?} failing at {n}");
                assert!(matches!(err, ApplyError::Statement { .. }), "{case}: {err}");
                // The statement that failed took no effect, and nothing after it ran.
                let done = db.effects();
                assert!(done.len() < n, "{case}: {done:?}");
                assert_eq!(done[..], reference.effects()[..done.len()], "{case}");
                let report = Run::new(&tree, db_type, tx).on(&db);
                assert!(report.is_ok(), "{case}: {report:?}");
                assert_eq!(db.effects(), reference.effects(), "{case}");
                all_applied(&db, 6);
            }
        }
    }
}

#[test]
fn where_ddl_rolls_back_each_mode_keeps_what_it_promises() {
    let tree = copy_tree("failing");
    let bad = BAD.replace("/mysql/", "/postgresql/");
    let step1 = [
        "upgrade_1.0.0_to_1.0.1/info-patch.sql",
        "upgrade_1.0.0_to_1.0.1/postgresql/2024-01-01-configurazionePdD-patch.sql",
        "upgrade_1.0.0_to_1.0.1/postgresql/2024-01-02-runtimePdD-patch.sql",
    ];
    for (tx, committed, rows) in [
        (TxMode::All, 0, vec![]),
        (TxMode::Step, 6, step1.to_vec()),
        (TxMode::Patch, 6, step1.to_vec()),
    ] {
        let db = fake(DbType::Postgresql, Switches::TRANSACTIONAL);
        db.fail_when("missing_column");
        let err = Run::new(&tree, DbType::Postgresql, Some(tx))
            .on(&db)
            .unwrap_err();
        let ApplyError::Statement {
            path, rolled_back, ..
        } = &err
        else {
            panic!("{err}")
        };
        assert_eq!(*path, bad);
        assert!(rolled_back);
        assert_eq!(db.effects().len(), committed, "{tx:?}");
        let mut expected: Vec<(String, String, i64)> = rows
            .iter()
            .map(|p| (p.to_string(), "applied".to_string(), 2))
            .collect();
        if tx != TxMode::All {
            expected.push((bad.clone(), "failed".into(), 0));
            expected.sort();
        }
        assert_eq!(db.history(), expected, "{tx:?}");
        assert_eq!(db.has_history(), tx != TxMode::All);
    }
}

#[test]
fn where_ddl_commits_on_its_own_a_failed_patch_resumes_at_its_statement() {
    let tree = copy_tree("failing");
    let db = fake(DbType::Mysql, Switches::AUTOCOMMIT_DDL);
    db.fail_when("missing_column");
    let err = Run::new(&tree, DbType::Mysql, None).on(&db).unwrap_err();
    assert!(
        matches!(
            err,
            ApplyError::Statement {
                rolled_back: false,
                ..
            }
        ),
        "{err}"
    );
    let history = db.history();
    assert!(
        history.contains(&(BAD.to_string(), "failed".to_string(), 1)),
        "{history:?}"
    );
    db.heal();
    let log_before = db.log().len();
    let mut resumed = Run::new(&tree, DbType::Mysql, None);
    resumed.from = None;
    resumed.on(&db).unwrap();
    let creates = db
        .effects()
        .iter()
        .filter(|e| e.starts_with("CREATE TABLE trace_b"))
        .count();
    assert_eq!(
        creates, 1,
        "the statement done before the failure ran again"
    );
    let again: Vec<String> = db.log()[log_before..].to_vec();
    assert!(
        !again.iter().any(|s| s.starts_with("CREATE TABLE trace_b")),
        "{again:?}"
    );
    all_applied(&db, 6);
}

/// A step of two patches of only row changes, then its info-patch (also only row changes).
fn row_change_tree() -> PathBuf {
    let root = govup_testkit::scratch_dir("fake_rows").join("tree");
    let step = root.join("upgrade_1.0.0_to_1.0.1");
    let mysql = step.join("mysql");
    std::fs::create_dir_all(&mysql).unwrap();
    let write = |path: PathBuf, text: &str| std::fs::write(path, text).unwrap();
    write(
        mysql.join("2024-01-01-configurazionePdD-patch.sql"),
        "INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2);\n",
    );
    write(
        mysql.join("2024-01-02-runtimePdD-patch.sql"),
        "UPDATE b SET x = 1;\n",
    );
    write(
        step.join("info-patch.sql"),
        "UPDATE db_info SET notes = '[1.0.1]';\n",
    );
    let next = root.join("upgrade_1.0.1_to_1.0.2");
    std::fs::create_dir_all(next.join("mysql")).unwrap();
    write(
        next.join("mysql/2024-02-01-configurazionePdD-patch.sql"),
        "CREATE TABLE c (id INTEGER);\n",
    );
    write(
        next.join("info-patch.sql"),
        "UPDATE db_info SET notes = '[1.0.2]';\n",
    );
    root
}

/// How many transactions the log opens around the statement `text`'s patch neighbours: the
/// transactions (BEGIN … COMMIT) that hold a statement starting with `INSERT INTO a`,
/// `UPDATE b` or `UPDATE db_info SET notes = '[1.0.1]'`.
fn transactions_of_first_step(log: &[String]) -> usize {
    let mut count = 0;
    let mut open = false;
    let mut holds = false;
    for s in log {
        match s.as_str() {
            "BEGIN" => {
                open = true;
                holds = false;
            }
            "COMMIT" => {
                count += usize::from(open && holds);
                open = false;
            }
            s if s.starts_with("INSERT INTO a")
                || s.starts_with("UPDATE b")
                || s.contains("'[1.0.1]'") =>
            {
                holds = true
            }
            _ => {}
        }
    }
    count
}

#[test]
fn row_change_patches_share_a_transaction_only_where_rows_roll_back() {
    let tree = row_change_tree();
    for (tx, rolls_back, transactions) in [
        (None, true, 1),
        (Some(TxMode::Step), true, 1),
        (Some(TxMode::Patch), true, 4),
        (None, false, 4),
    ] {
        let switches = Switches {
            rolls_back_rows: rolls_back,
            ..Switches::AUTOCOMMIT_DDL
        };
        let db = fake(DbType::Mysql, switches);
        Run::new(&tree, DbType::Mysql, tx).on(&db).unwrap();
        let log = db.log();
        assert_eq!(
            transactions_of_first_step(&log),
            transactions,
            "{tx:?} rolls back {rolls_back}: {log:#?}"
        );
        all_applied(&db, 5);
    }

    // A failure in the group rolls every patch of it back and records the failing one as done
    // with no statement: the history says exactly what ran (nothing of the group).
    let db = fake(DbType::Mysql, Switches::AUTOCOMMIT_DDL);
    db.fail_when("UPDATE b");
    let err = Run::new(&tree, DbType::Mysql, None).on(&db).unwrap_err();
    assert!(matches!(err, ApplyError::Statement { .. }), "{err}");
    assert_eq!(db.effects(), Vec::<String>::new());
    assert_eq!(
        db.history(),
        [(
            "upgrade_1.0.0_to_1.0.1/mysql/2024-01-02-runtimePdD-patch.sql".to_string(),
            "failed".to_string(),
            0
        )]
    );
    db.heal();
    Run::new(&tree, DbType::Mysql, None).on(&db).unwrap();
    assert_eq!(
        db.effects(),
        clean(&tree, DbType::Mysql, Switches::AUTOCOMMIT_DDL).effects()
    );
}

/// Only reads: what a dry run may send.
fn only_reads(log: &[String]) -> bool {
    log.iter().all(|s| s.starts_with("SELECT"))
}

#[test]
fn a_dry_run_refuses_what_a_real_run_refuses_and_writes_nothing() {
    // A patch that ends govup's transaction, where DDL rolls back.
    let tree = copy_tree("failing");
    let commit =
        tree.join("upgrade_1.0.1_to_1.0.2/postgresql/2024-02-02-configurazionePdD-patch.sql");
    std::fs::write(
        &commit,
        "ALTER TABLE config_a ADD COLUMN note VARCHAR(40);\nCOMMIT;\n",
    )
    .unwrap();
    let unterminated = copy_tree("failing");
    std::fs::write(
        unterminated
            .join("upgrade_1.0.1_to_1.0.2/postgresql/2024-02-02-configurazionePdD-patch.sql"),
        "SELECT 'never closed;\n",
    )
    .unwrap();
    for tree in [&tree, &unterminated] {
        let mut said = Vec::new();
        for dry_run in [true, false] {
            let db = fake(DbType::Postgresql, Switches::TRANSACTIONAL);
            let mut run = Run::new(tree, DbType::Postgresql, None);
            run.dry_run = dry_run;
            let err = run.on(&db).unwrap_err();
            assert!(only_reads(&db.log()), "{:?}", db.log());
            assert!(db.effects().is_empty() && !db.has_history());
            said.push((err.to_string(), err.is_usage()));
        }
        assert_eq!(said[0], said[1]);
    }

    // An applied patch edited since.
    let tree = copy_tree("failing");
    let db = fake(DbType::Postgresql, Switches::TRANSACTIONAL);
    Run::new(&tree, DbType::Postgresql, None).on(&db).unwrap();
    std::fs::write(
        tree.join("upgrade_1.0.0_to_1.0.1/postgresql/2024-01-02-runtimePdD-patch.sql"),
        "CREATE TABLE runtime_a (id BIGINT);\n",
    )
    .unwrap();
    let mut said = Vec::new();
    for dry_run in [true, false] {
        let before = db.log().len();
        let mut run = Run::new(&tree, DbType::Postgresql, None);
        run.dry_run = dry_run;
        run.from = None;
        let err = run.on(&db).unwrap_err();
        assert!(only_reads(&db.log()[before..]), "{:?}", &db.log()[before..]);
        said.push(err.to_string());
    }
    assert_eq!(said[0], said[1]);
    assert!(said[0].contains("runtimePdD"), "{}", said[0]);
}

#[test]
fn without_maintenance_backups_and_rehearsals_are_refused_before_anything_is_written() {
    let tree = copy_tree("failing");
    let switches = Switches {
        maintenance: false,
        ..Switches::AUTOCOMMIT_DDL
    };
    let db = fake(DbType::Mysql, switches);
    let mut run = Run::new(&tree, DbType::Mysql, None);
    run.backup = Some(BackupOptions {
        dir: govup_testkit::scratch_dir("fake_nobackup"),
        each_step: false,
        restore_on_failure: true,
    });
    let err = run.on(&db).unwrap_err();
    assert!(matches!(err, ApplyError::Unsupported { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "cannot back up on fake:db: govup has no backups, catalogs or scratch databases for mysql yet"
    );
    assert!(db.log().is_empty(), "{:?}", db.log());

    let opts = Run::new(&tree, DbType::Mysql, None).opts();
    let err = Run::new(&tree, DbType::Mysql, None)
        .with_job(|job| {
            let mut conns = Connections::from_drivers(db.connect(), vec![]);
            let mut connect = |_: &str| Ok(db.connect());
            rehearse(job, &mut conns, &mut connect, &opts, &mut Silent).map(|_| ())
        })
        .unwrap_err();
    assert!(matches!(err, ApplyError::Unsupported { .. }), "{err}");
    assert!(db.log().is_empty(), "{:?}", db.log());

    let err = govup_engine::verify::catalog_of(db.connect().as_mut(), None).unwrap_err();
    assert!(matches!(err, ApplyError::Unsupported { .. }), "{err}");
}

#[test]
fn a_failure_after_a_backup_restores_it() {
    let tree = copy_tree("failing");
    let db = fake(DbType::Mysql, Switches::AUTOCOMMIT_DDL);
    db.fail_when("missing_column");
    let mut run = Run::new(&tree, DbType::Mysql, None);
    run.backup = Some(BackupOptions {
        dir: govup_testkit::scratch_dir("fake_backup"),
        each_step: false,
        restore_on_failure: true,
    });
    let err = run.on(&db).unwrap_err();
    assert!(matches!(err, ApplyError::Restored { .. }), "{err}");
    assert_eq!(db.effects(), Vec::<String>::new());
    assert!(!db.has_history());
}
