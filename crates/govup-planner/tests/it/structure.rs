//! Trees that cannot be planned, or only in part.

use crate::fixtures::load;
use govup_planner::PlanError;

#[test]
fn a_gap_in_a_line_names_the_missing_step() {
    let err = load("gap").plan("1.0.0", "1.0.3").unwrap_err();
    assert!(matches!(err, PlanError::NoRoute { .. }));
    assert_eq!(
        err.to_string(),
        "no route from 1.0.0 to 1.0.3: line 1.0 has a gap: no step upgrade_1.0.1_to_1.0.2"
    );
}

#[test]
fn malformed_names_are_errors_naming_the_file() {
    let findings = load("bad-names").findings();
    assert_eq!(
        findings,
        [
            "upgrade_1.0.0_to_1.0.1/postgresql/2024-01-02-configurazionePdD.sql: patch file `2024-01-02-configurazionePdD.sql` is misnamed: a patch is named <YYYY-MM-DD>-<area>-patch.sql",
            "upgrade_1.0.0_to_1.0.1/sqlite/2024-01-02-configurazionePdD.sql: patch file `2024-01-02-configurazionePdD.sql` is misnamed: a patch is named <YYYY-MM-DD>-<area>-patch.sql",
            "upgrade_1.0.1_to_1.0.3: step directory `upgrade_1.0.1_to_1.0.3` is malformed: a step from 1.0.1 must lead to the next version of its line, 1.0.2, not 1.0.3",
        ]
    );
}

#[test]
fn two_steps_into_one_version_is_an_error() {
    let findings = load("two-into-one").findings();
    assert_eq!(
        findings,
        [
            "upgrade_1.0.x_to_2.0.0: two crossings leave line 1.0: `upgrade_1.0.x_to_1.1.0` and `upgrade_1.0.x_to_2.0.0`",
            "upgrade_1.1.x_to_2.0.0: two steps lead into 2.0.0: `upgrade_1.0.x_to_2.0.0` and `upgrade_1.1.x_to_2.0.0`",
        ]
    );
}

#[test]
fn a_baseline_that_disagrees_with_the_content_is_reported_and_the_content_wins() {
    let f = load("bad-baseline");
    let plan = f.plan("1.1.0", "1.1.2").unwrap();
    assert_eq!(
        plan.warnings,
        ["upgrade_1.1.1_to_1.1.2/baseline-version.txt: baseline 1.0.2 disagrees with the sqlite patches: by content, 1.1.1 contains 1.0.1 of line 1.0"]
    );
    assert_eq!(plan.count(true), 2);
}
