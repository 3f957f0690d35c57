//! Applying a tree to a SQLite file with the engine, and reading the result back.

use govup_engine::{
    apply, ApplyError, Connections, Driver, Job, Options, Report, Silent, Start, TxMode,
};
use govup_planner::{DbSelection, DbType, Tree, Version, VersionGraph};
use govup_schema_map::SchemaMap;
use std::path::{Path, PathBuf};

pub fn tree_path(name: &str) -> PathBuf {
    govup_testkit::workspace().join(name)
}

pub struct Db {
    pub url: String,
}

impl Db {
    pub fn fresh(tag: &str) -> Db {
        let dir = govup_testkit::scratch_dir(tag);
        Db {
            url: format!("sqlite:{}", dir.join("db.sqlite").display()),
        }
    }

    pub fn connect(&self) -> Box<dyn Driver> {
        govup_driver_sqlite::connect(&self.url).expect("sqlite opens")
    }

    pub fn query(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        self.connect().query(sql).expect(sql)
    }

    pub fn tables(&self) -> Vec<String> {
        self.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .into_iter()
            .filter_map(|r| r[0].clone())
            .collect()
    }

    /// `(patch_path, status, statements_done)` of every history row, sorted.
    pub fn history(&self) -> Vec<(String, String, String)> {
        self.query(
            "SELECT patch_path, status, statements_done FROM govup_history ORDER BY patch_path",
        )
        .into_iter()
        .map(|r| {
            (
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
                r[2].clone().unwrap_or_default(),
            )
        })
        .collect()
    }

    pub fn apply(
        &self,
        tree: &Path,
        from: Option<&str>,
        to: &str,
        tx: TxMode,
        dry_run: bool,
    ) -> Result<Report, ApplyError> {
        let scanned = Tree::scan(tree, &DbSelection::One(DbType::Sqlite)).expect("tree reads");
        assert!(scanned.errors().next().is_none(), "{:?}", scanned.findings);
        let graph = VersionGraph::build(&scanned);
        let map = SchemaMap::single();
        // `else 1.0.0`: the history or db_info, else 1.0.0 (a fleet's start).
        let start = match from.map(|v| (v, v.strip_prefix("else "))) {
            Some((_, Some(fallback))) => Start::Fallback(fallback.parse().unwrap()),
            Some((v, None)) => Start::Given(v.parse().unwrap()),
            None => Start::Auto,
        };
        let to: Version = to.parse().unwrap();
        let job = Job {
            tree: &scanned,
            graph: &graph,
            db: DbType::Sqlite,
            map: &map,
            start,
            to,
        };
        let opts = Options {
            tx: Some(tx),
            dry_run,
            allow_lateral: false,
            continue_changed: false,
            govup_version: "test".into(),
            backup: None,
            stop: None,
            lock_timeout: None,
        };
        let mut conns = Connections::from_drivers(self.connect(), vec![]);
        apply(&job, &mut conns, &opts, &mut Silent)
    }
}

/// Copies a fixture tree (following links) to a scratch directory the test may edit.
pub fn copy_tree(name: &str) -> PathBuf {
    let dest = govup_testkit::scratch_dir(&format!("tree_{name}")).join(name);
    copy_dir(&tree_path("fixtures").join(name), &dest);
    dest
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
