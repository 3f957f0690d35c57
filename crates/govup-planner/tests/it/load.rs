//! `Loaded`: what every verb that plans refuses, and `latest`.

use crate::fixtures::path;
use govup_planner::{DbType, LoadError, Loaded, ReadOptions};

#[test]
fn a_tree_with_errors_or_without_the_folder_is_refused_and_latest_is_the_newest() {
    let opts = ReadOptions::default();
    let ok = Loaded::for_db(&path("interleaved"), DbType::Sqlite, &opts, false).unwrap();
    assert_eq!(ok.resolve(None).unwrap().to_string(), "2.0.1");
    let given = "1.0.3".parse().unwrap();
    assert_eq!(ok.resolve(Some(&given)).unwrap(), given);

    let bad = Loaded::for_db(&path("bad-names"), DbType::Sqlite, &opts, false);
    let Err(LoadError::Errors { dir, .. }) = &bad else {
        panic!("{:?}", bad.err());
    };
    assert_eq!(dir, &path("bad-names"));
    // Read without planning, the same tree is only findings.
    assert!(Loaded::read(
        &path("bad-names"),
        &govup_planner::DbSelection::All,
        &opts,
        false
    )
    .is_ok());

    let none = Loaded::for_db(&path("interleaved"), DbType::Db2, &opts, false);
    let Err(e @ LoadError::NoFolder { .. }) = none else {
        panic!("{:?}", none.err());
    };
    assert!(
        e.to_string().ends_with("has no `db2` folder in any step"),
        "{e}"
    );
    assert_eq!(e.details(), ["database folders it has: postgresql, sqlite"]);
}
