//! Lines released interleaved (spec §4 and §5), on `fixtures/interleaved`.

use crate::fixtures::{lines, load};
use govup_planner::PlanError;

#[test]
fn from_the_oldest_version_the_route_climbs_to_the_line_level_then_crosses() {
    let plan = load("interleaved").plan("1.0.0", "1.1.3").unwrap();
    assert_eq!(
        lines(&plan),
        [
            "upgrade_1.0.0_to_1.0.1: 2024-01-01-configurazionePdD-patch.sql apply",
            "upgrade_1.0.0_to_1.0.1: 2024-01-01-runtimePdD-patch.sql apply",
            "upgrade_1.0.1_to_1.0.2: 2024-03-01-archiviComunicazioni-patch.sql apply",
            "upgrade_1.0.2_to_1.0.3: 2024-05-01-informazioniStatistiche-patch.sql apply",
            // 1.0.4 adds nothing to 1.0.3: the level of line 1.0 in 1.1.3 is 1.0.3.
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-configurazionePdD-patch.sql apply",
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-registroServizi-patch.sql apply",
            "upgrade_1.1.0_to_1.1.1: 2024-03-01-archiviComunicazioni-patch.sql skip applied_earlier upgrade_1.0.1_to_1.0.2",
            "upgrade_1.1.0_to_1.1.1: 2024-04-01-configurazionePdD-patch.sql apply",
            // A link stub names the same bytes as the symlink of 1.0.2 -> 1.0.3: the same patch.
            "upgrade_1.1.1_to_1.1.2: 2024-05-01-informazioniStatistiche-patch.sql skip applied_earlier upgrade_1.0.2_to_1.0.3",
            "upgrade_1.1.2_to_1.1.3: 2024-06-01-configurazionePdD-patch.sql apply",
        ]
    );
    assert!(plan.steps.iter().all(|s| s.info_patch.is_some()));
}

#[test]
fn a_start_past_the_line_level_crosses_at_once_and_skips_what_it_holds() {
    let plan = load("interleaved").plan("1.0.4", "1.1.3").unwrap();
    assert_eq!(
        lines(&plan),
        [
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-configurazionePdD-patch.sql apply",
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-registroServizi-patch.sql apply",
            "upgrade_1.1.0_to_1.1.1: 2024-03-01-archiviComunicazioni-patch.sql skip in_start_version",
            "upgrade_1.1.0_to_1.1.1: 2024-04-01-configurazionePdD-patch.sql apply",
            "upgrade_1.1.1_to_1.1.2: 2024-05-01-informazioniStatistiche-patch.sql skip in_start_version",
            "upgrade_1.1.2_to_1.1.3: 2024-06-01-configurazionePdD-patch.sql apply",
        ]
    );
}

#[test]
fn the_line_level_stops_short_of_patches_the_target_lacks() {
    let plan = load("interleaved").plan("1.0.1", "1.1.1").unwrap();
    assert_eq!(
        lines(&plan),
        [
            "upgrade_1.0.1_to_1.0.2: 2024-03-01-archiviComunicazioni-patch.sql apply",
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-configurazionePdD-patch.sql apply",
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-registroServizi-patch.sql apply",
            "upgrade_1.1.0_to_1.1.1: 2024-03-01-archiviComunicazioni-patch.sql skip applied_earlier upgrade_1.0.1_to_1.0.2",
            "upgrade_1.1.0_to_1.1.1: 2024-04-01-configurazionePdD-patch.sql apply",
        ]
    );
}

#[test]
fn a_crossing_without_baseline_builds_on_the_highest_version_of_the_old_line() {
    let plan = load("interleaved").plan("1.1.0", "2.0.1").unwrap();
    assert_eq!(
        lines(&plan),
        [
            "upgrade_1.1.0_to_1.1.1: 2024-03-01-archiviComunicazioni-patch.sql apply",
            "upgrade_1.1.0_to_1.1.1: 2024-04-01-configurazionePdD-patch.sql apply",
            "upgrade_1.1.1_to_1.1.2: 2024-05-01-informazioniStatistiche-patch.sql apply",
            "upgrade_1.1.2_to_1.1.3: 2024-06-01-configurazionePdD-patch.sql apply",
            "upgrade_1.1.x_to_2.0.0: 2024-07-01-configurazionePdD-patch.sql apply",
            "upgrade_2.0.0_to_2.0.1: 2024-08-01-runtimePdD-patch.sql apply",
        ]
    );
}

#[test]
fn a_step_without_database_folder_still_runs_its_info_patch() {
    let plan = load("interleaved").plan("1.0.3", "1.0.4").unwrap();
    assert_eq!(lines(&plan), ["upgrade_1.0.3_to_1.0.4: -"]);
    assert_eq!(
        plan.steps[0].info_patch.as_ref().map(|i| i.path.as_str()),
        Some("upgrade_1.0.3_to_1.0.4/info-patch.sql")
    );
}

#[test]
fn same_level_is_an_empty_plan_even_with_build_tags() {
    let plan = load("interleaved").plan("1.0.3", "1.0.3.p1").unwrap();
    assert!(plan.is_empty());
    assert_eq!(plan.warnings, ["1.0.3.p1 is database level 1.0.3"]);
}

#[test]
fn a_lateral_move_names_the_patches_and_the_nearest_target() {
    let err = load("interleaved").plan("1.0.2", "1.1.0").unwrap_err();
    let PlanError::Lateral(lateral) = &err else {
        panic!("{err}")
    };
    let (patches, nearest) = (&lateral.patches, &lateral.nearest);
    assert_eq!(
        patches,
        &["upgrade_1.0.1_to_1.0.2/sqlite/2024-03-01-archiviComunicazioni-patch.sql"]
    );
    assert_eq!(nearest.map(|v| v.to_string()).as_deref(), Some("1.1.1"));
    assert!(
        err.to_string()
            .contains("lowest version that contains them all is 1.1.1"),
        "{err}"
    );
}

#[test]
fn allow_lateral_plans_anyway_and_keeps_the_extra_patch() {
    let plan = load("interleaved")
        .plan_with("1.0.2", "1.1.0", true)
        .unwrap();
    assert_eq!(
        lines(&plan),
        [
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-configurazionePdD-patch.sql apply",
            "upgrade_1.0.x_to_1.1.0: 2024-02-01-registroServizi-patch.sql apply",
        ]
    );
    assert_eq!(plan.lateral.len(), 1);
}

#[test]
fn downgrades_are_refused() {
    let err = load("interleaved").plan("2.0.1", "1.1.3").unwrap_err();
    assert!(matches!(err, PlanError::Downgrade { .. }), "{err}");
    // 1.1.0 shipped before 1.0.2, yet version order, not release date, decides.
    let err = load("interleaved").plan("1.1.0", "1.0.4").unwrap_err();
    assert!(matches!(err, PlanError::Downgrade { .. }), "{err}");
}

#[test]
fn unknown_versions_name_their_neighbours() {
    let err = load("interleaved").plan("1.0.9", "2.0.1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "version 1.0.9 is not in the upgrade tree; the nearest versions it knows are 1.0.4 and 1.1.0"
    );
    let err = load("interleaved").plan("1.0.0", "9.0.0").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("the nearest version it knows is 2.0.1"),
        "{err}"
    );
}

#[test]
fn every_pair_of_versions_plans_or_refuses_cleanly() {
    let f = load("interleaved");
    let versions: Vec<String> = f.graph.versions().iter().map(|v| v.to_string()).collect();
    let mut planned = 0;
    for a in &versions {
        for b in &versions {
            match f.plan(a, b) {
                Ok(_) => planned += 1,
                Err(PlanError::Downgrade { .. } | PlanError::Lateral { .. }) => {}
                Err(e) => panic!("{a} -> {b}: {e}"),
            }
        }
    }
    // 66 pairs with a <= b, less five lateral ones: 1.0.2, 1.0.3 and 1.0.4 to 1.1.0, and
    // 1.0.3 and 1.0.4 to 1.1.1 (they hold 1.0.3's patch, which 1.1.1 lacks).
    assert_eq!(planned, 61);
    assert!(f.findings().is_empty(), "{:?}", f.findings());
}
