//! Patch identity is (file name, SHA-256): links are followed, bytes decide.

use crate::fixtures::{lines, load};
use govup_planner::PlanError;

#[test]
fn same_name_with_other_bytes_is_another_patch() {
    let f = load("same-name");
    let err = f.plan("1.0.1", "1.1.1").unwrap_err();
    let PlanError::Lateral(lateral) = &err else {
        panic!("{err}")
    };
    let (patches, nearest) = (&lateral.patches, &lateral.nearest);
    assert_eq!(
        patches,
        &["upgrade_1.0.0_to_1.0.1/sqlite/2024-01-01-configurazionePdD-patch.sql"]
    );
    assert_eq!(*nearest, None);
    assert_eq!(
        lines(&f.plan("1.0.0", "1.1.1").unwrap()),
        [
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-configurazionePdD-patch.sql apply",
            "upgrade_1.1.0_to_1.1.1: 2024-01-01-configurazionePdD-patch.sql apply",
        ]
    );
}

#[test]
fn symlinks_and_link_stubs_resolve_to_the_shared_file() {
    let f = load("interleaved");
    let step = f
        .tree
        .steps
        .iter()
        .find(|s| s.dir == "upgrade_1.1.1_to_1.1.2")
        .unwrap();
    let stub = &step.patches(govup_planner::DbType::Sqlite)[0].sql;
    assert!(stub.linked);
    assert!(
        stub.source.ends_with("shared/sqlite/c1.sql"),
        "{}",
        stub.source.display()
    );
    let step = f
        .tree
        .steps
        .iter()
        .find(|s| s.dir == "upgrade_1.0.2_to_1.0.3")
        .unwrap();
    let link = &step.patches(govup_planner::DbType::Sqlite)[0].sql;
    assert!(link.linked);
    assert_eq!(link.sha256, stub.sha256);
}

#[test]
fn a_broken_link_is_an_error_naming_it() {
    let f = load("broken-link");
    let errors = f.findings();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with(
        "upgrade_1.0.0_to_1.0.1/postgresql/2024-01-02-runtimePdD-patch.sql: broken link: `"
    ));
    assert!(
        errors[0].ends_with("shared/postgresql/missing.sql` does not exist"),
        "{}",
        errors[0]
    );
}
