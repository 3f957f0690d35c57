//! A plan annotated with the role and target of every patch (spec §6).

use crate::map::{SchemaMap, Target};
use crate::role::Role;
use govup_planner::{Action, Plan, PlannedPatch, PlannedStep, SkipReason};
use std::collections::BTreeSet;

/// What happens to a patch once roles are taken into account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Disposition {
    Apply,
    Skip(SkipReason),
    /// It would apply, but its role is upgraded by someone else.
    RoleSkipped,
}

#[derive(Clone, Debug)]
pub struct RoutedPatch {
    pub planned: PlannedPatch,
    pub role: Role,
    pub target: Target,
    pub disposition: Disposition,
}

#[derive(Clone, Debug)]
pub struct RoutedStep {
    pub planned: PlannedStep,
    pub patches: Vec<RoutedPatch>,
    /// Where the info-patch runs; empty when the step has none.
    pub info_targets: Vec<Target>,
}

#[derive(Clone, Debug)]
pub struct RoutedPlan {
    pub plan: Plan,
    pub steps: Vec<RoutedStep>,
    pub warnings: Vec<String>,
}

impl RoutedPlan {
    pub fn count(&self, disposition: fn(&Disposition) -> bool) -> usize {
        self.steps
            .iter()
            .flat_map(|s| &s.patches)
            .filter(|p| disposition(&p.disposition))
            .count()
    }

    /// Every target a patch or info-patch of this plan runs in.
    pub fn targets(&self) -> BTreeSet<&Target> {
        self.steps
            .iter()
            .flat_map(|s| {
                s.patches
                    .iter()
                    .filter(|p| p.disposition == Disposition::Apply)
                    .map(|p| &p.target)
                    .chain(&s.info_targets)
            })
            .collect()
    }
}

/// Annotates `plan` with where each patch runs under `map`.
///
/// The planned patches move into the routed ones (a tree of 100k patches must not be held
/// three times): afterwards `RoutedPlan::plan` keeps its steps with no patches, so count with
/// [`RoutedPlan::count`], not `Plan::count`.
pub fn route(mut plan: Plan, map: &SchemaMap) -> RoutedPlan {
    let mut warnings = plan.warnings.clone();
    let mut unknown_areas = BTreeSet::new();
    let info_targets = map.info_patch_targets();
    let steps = plan
        .steps
        .iter_mut()
        .map(|step| {
            let patches = std::mem::take(&mut step.patches)
                .into_iter()
                .map(|planned| {
                    let (role, known) = map.role_of(&planned.patch.area);
                    if !known && unknown_areas.insert(planned.patch.area.clone()) {
                        warnings.push(format!(
                            "area `{}` ({}) is in no role table; its patches go to config",
                            planned.patch.area, planned.patch.sql.path
                        ));
                    }
                    let disposition = match &planned.action {
                        Action::Apply if map.is_skipped(role) => Disposition::RoleSkipped,
                        Action::Apply => Disposition::Apply,
                        Action::Skip(why) => Disposition::Skip(why.clone()),
                    };
                    RoutedPatch {
                        planned,
                        role,
                        target: map.target(role),
                        disposition,
                    }
                })
                .collect();
            RoutedStep {
                planned: step.clone(),
                patches,
                info_targets: if step.info_patch.is_some() {
                    info_targets.clone()
                } else {
                    vec![]
                },
            }
        })
        .collect();
    RoutedPlan {
        plan,
        steps,
        warnings,
    }
}
