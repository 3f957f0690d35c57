//! Exit codes of the contract: 0 success, 1 a refused or failed operation, 2 bad usage or input.

use crate::support::{fixture, govup};

fn plan(tree: &str, from: &str, to: &str) -> crate::support::Run {
    govup(&[
        "plan",
        "--dir",
        &fixture(tree),
        "--db",
        "sqlite",
        "--from",
        from,
        "--to",
        to,
    ])
}

#[test]
fn success_is_0() {
    assert_eq!(plan("interleaved", "1.0.0", "latest").code, 0);
    assert_eq!(govup(&["plan", "--help"]).code, 0);
}

#[test]
fn refused_plans_are_1_with_a_headline() {
    let run = plan("interleaved", "2.0.1", "1.0.0");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: refusing to downgrade from 2.0.1 to 1.0.0: an upgrade only moves to newer versions\n"
    );
    let run = plan("interleaved", "1.0.2", "1.1.0");
    assert_eq!(run.code, 1);
    assert!(run
        .stderr
        .starts_with("error: refusing a lateral move from 1.0.2 to 1.1.0"));
    let run = plan("gap", "1.0.0", "1.0.3");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: no route from 1.0.0 to 1.0.3: line 1.0 has a gap: no step upgrade_1.0.1_to_1.0.2\n"
    );
}

#[test]
fn bad_versions_are_2_and_name_what_is_expected_or_known() {
    let run = plan("interleaved", "1.0", "1.1.0");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid version `1.0`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("expected P.M.m"), "{}", run.stderr);
    for bad in ["v1.0.0", "1.0.x", ""] {
        assert_eq!(plan("interleaved", bad, "1.1.0").code, 2, "{bad}");
    }
    let run = plan("interleaved", "1.0.7", "1.1.0");
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: version 1.0.7 is not in the upgrade tree; the nearest versions it knows are 1.0.4 and 1.1.0\n"
    );
}

#[test]
fn unreadable_input_is_2_naming_the_file() {
    let run = plan("no-such-tree", "1.0.0", "1.0.1");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no-such-tree` does not exist"),
        "{}",
        run.stderr
    );
    let run = plan("broken-link", "1.0.0", "1.0.1");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-runtimePdD-patch.sql: broken link"),
        "{}",
        run.stderr
    );
    let run = plan("bad-names", "1.0.0", "1.0.1");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is misnamed"), "{}", run.stderr);
    let run = govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--db",
        "access",
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown database type `access`"),
        "{}",
        run.stderr
    );
    let run = govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: missing --db"),
        "{}",
        run.stderr
    );
    let run = govup(&[
        "plan",
        "--dir",
        &fixture("interleaved"),
        "--db",
        "oracle",
        "--from",
        "1.0.0",
        "--to",
        "1.0.1",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("has no `oracle` folder in any step"),
        "{}",
        run.stderr
    );
    assert_eq!(govup(&["plan", "--bogus"]).code, 2);
}

#[test]
fn nothing_panics_or_prints_a_backtrace() {
    for run in [
        plan("broken-link", "1.0.0", "1.0.1"),
        plan("gap", "1.0.0", "1.0.3"),
        plan("two-into-one", "1.0.0", "2.0.0"),
    ] {
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("backtrace"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    }
}
