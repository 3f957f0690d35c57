//! Integration tests of the SQLite driver: real database files under `target/govup-tests`, no
//! server needed.

mod connection;
mod lock;
mod safety;
mod samples;

use std::path::{Path, PathBuf};

use govup_engine::Driver;

/// A fresh scratch directory and the URL of a database file inside it (not created yet).
pub fn scratch_db(tag: &str) -> (PathBuf, String) {
    let dir = govup_testkit::scratch_dir(tag);
    let url = format!("sqlite:{}", dir.join("test.db").display());
    (dir, url)
}

pub fn open(url: &str) -> Box<dyn Driver> {
    govup_driver_sqlite::connect(url).unwrap()
}

pub fn table_exists(db: &mut dyn Driver, table: &str) -> bool {
    let sql = format!("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{table}'");
    !db.query(&sql).unwrap().is_empty()
}

/// The single cell of a one-row, one-column query.
pub fn scalar(db: &mut dyn Driver, sql: &str) -> Option<String> {
    let rows = db.query(sql).unwrap();
    assert_eq!(rows.len(), 1, "{sql}: {rows:?}");
    assert_eq!(rows[0].len(), 1, "{sql}: {rows:?}");
    rows[0][0].clone()
}

pub fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
