//! Plans from one version to another (spec §5): the route, and per patch apply or skip.

use crate::contents::{Contents, PatchId};
use crate::db::DbType;
use crate::names::StepKind;
use crate::tree::{Patch, SqlFile, Step};
use crate::version::{Level, Version};
use std::collections::{HashMap, HashSet};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The start version already holds it.
    InStartVersion,
    /// An earlier step of this plan (named by its directory) applies it.
    AppliedEarlier { by: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Apply,
    Skip(SkipReason),
}

#[derive(Clone, Debug)]
pub struct PlannedPatch {
    pub patch: Patch,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub struct PlannedStep {
    pub dir: String,
    /// `3.3.17`, or `3.3.x` for a crossing.
    pub from: String,
    pub to: Level,
    pub patches: Vec<PlannedPatch>,
    pub info_patch: Option<SqlFile>,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub db: DbType,
    pub from: Version,
    pub to: Version,
    pub steps: Vec<PlannedStep>,
    /// Patches the start version holds that the target does not (only with `allow_lateral`).
    pub lateral: Vec<Patch>,
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn count(&self, apply: bool) -> usize {
        self.steps
            .iter()
            .flat_map(|s| &s.patches)
            .filter(|p| (p.action == Action::Apply) == apply)
            .count()
    }
}

/// What to plan.
#[derive(Clone, Debug)]
pub struct Request {
    pub from: Version,
    pub to: Version,
    pub allow_lateral: bool,
}

/// A version the tree does not know, with its nearest neighbours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unknown {
    pub version: Version,
    pub below: Option<Level>,
    pub above: Option<Level>,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "version {} is not in the upgrade tree", self.version)?;
        match (self.below, self.above) {
            (Some(b), Some(a)) => write!(f, "; the nearest versions it knows are {b} and {a}"),
            (Some(v), None) | (None, Some(v)) => write!(f, "; the nearest version it knows is {v}"),
            (None, None) => write!(f, "; it knows no version at all"),
        }
    }
}

/// A refused lateral move: what the start holds that the target lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lateral {
    pub from: Version,
    pub to: Version,
    /// Tree paths of the patches only the start holds.
    pub patches: Vec<String>,
    /// The lowest version above the target that holds them all.
    pub nearest: Option<Level>,
}

/// A plan that does not end on S(target): the tree contradicts itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub from: Version,
    pub to: Version,
    pub missing: Vec<String>,
    pub unexpected: Vec<String>,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{0}")]
    UnknownVersion(Box<Unknown>),
    #[error("refusing to downgrade from {from} to {to}: an upgrade only moves to newer versions")]
    Downgrade {
        from: Box<Version>,
        to: Box<Version>,
    },
    #[error("refusing a lateral move from {} to {}: the database holds {} patch(es) that {} does not{}",
        .0.from, .0.to, .0.patches.len(), .0.to,
        .0.nearest.map_or(String::new(), |n| format!("; the lowest version that contains them all is {n}")))]
    Lateral(Box<Lateral>),
    #[error("no route from {from} to {to}: {why}")]
    NoRoute {
        from: Box<Version>,
        to: Box<Version>,
        why: String,
    },
    #[error("the upgrade tree is inconsistent: planning {} -> {} does not end on the content of {}", .0.from, .0.to, .0.to)]
    Inconsistent(Box<Mismatch>),
}

impl PlanError {
    /// Lines that follow the headline: the patches or versions concerned.
    pub fn details(&self) -> Vec<String> {
        match self {
            PlanError::Lateral(lateral) => {
                let mut d: Vec<String> = lateral
                    .patches
                    .iter()
                    .map(|p| format!("held only by the start: {p}"))
                    .collect();
                d.push("pass --allow-lateral to proceed anyway".into());
                d
            }
            PlanError::Inconsistent(m) => m
                .missing
                .iter()
                .map(|p| format!("never applied: {p}"))
                .chain(
                    m.unexpected
                        .iter()
                        .map(|p| format!("applied but not in the target: {p}")),
                )
                .collect(),
            _ => vec![],
        }
    }
}

/// Checks that `v` is a version of the tree.
pub fn known(contents: &Contents<'_>, v: &Version) -> Result<(), PlanError> {
    let graph = contents.graph();
    if graph.is_known(v.level()) {
        return Ok(());
    }
    let (below, above) = graph.nearest(v.level());
    Err(PlanError::UnknownVersion(Box::new(Unknown {
        version: v.clone(),
        below,
        above,
    })))
}

/// Plans `request` on the tree behind `contents`.
pub fn plan(contents: &Contents<'_>, request: &Request) -> Result<Plan, PlanError> {
    known(contents, &request.from)?;
    known(contents, &request.to)?;
    let (a, b) = (request.from.level(), request.to.level());
    let mut plan = Plan {
        db: contents.db(),
        from: request.from.clone(),
        to: request.to.clone(),
        steps: vec![],
        lateral: vec![],
        warnings: vec![],
    };
    for v in [&request.from, &request.to] {
        if v.has_tag() {
            plan.warnings
                .push(format!("{v} is database level {}", v.level()));
        }
    }
    plan.warnings.extend(
        contents
            .baseline_disagreements()
            .into_iter()
            .map(|f| f.to_string()),
    );
    if b < a {
        return Err(PlanError::Downgrade {
            from: Box::new(request.from.clone()),
            to: Box::new(request.to.clone()),
        });
    }
    if a == b {
        return Ok(plan);
    }

    let start: HashSet<PatchId> = contents.set(a);
    let target: HashSet<PatchId> = contents.set(b);
    let mut extra: Vec<PatchId> = start.difference(&target).copied().collect();
    extra.sort();
    if !extra.is_empty() {
        if !request.allow_lateral {
            let graph = contents.graph();
            let nearest = graph
                .versions()
                .range(b..)
                .copied()
                .find(|v| contents.subset(a, *v));
            return Err(PlanError::Lateral(Box::new(Lateral {
                from: request.from.clone(),
                to: request.to.clone(),
                patches: extra
                    .iter()
                    .map(|id| contents.describe(*id).sql.path.clone())
                    .collect(),
                nearest,
            })));
        }
        plan.lateral = extra
            .iter()
            .map(|id| contents.describe(*id).clone())
            .collect();
        plan.warnings.push(format!(
            "lateral move allowed: the database keeps {} patch(es) that {} does not have",
            extra.len(),
            request.to
        ));
    }

    let route = route(contents, request)?;
    let tree = contents.tree();
    let mut applied_by: HashMap<PatchId, &str> = HashMap::new();
    for si in route {
        let step: &Step = &tree.steps[si];
        let mut patches = Vec::new();
        for (patch, id) in step
            .patches(contents.db())
            .iter()
            .zip(contents.step_patches(si))
        {
            let action = if start.contains(id) {
                Action::Skip(SkipReason::InStartVersion)
            } else if let Some(by) = applied_by.get(id) {
                Action::Skip(SkipReason::AppliedEarlier { by: by.to_string() })
            } else {
                applied_by.insert(*id, &step.dir);
                Action::Apply
            };
            patches.push(PlannedPatch {
                patch: patch.clone(),
                action,
            });
        }
        plan.steps.push(PlannedStep {
            dir: step.dir.clone(),
            from: step.from_label(),
            to: step.to(),
            patches,
            info_patch: step.info_patch.clone(),
        });
    }

    // Spec §5.5: the plan must end exactly on S(B) (plus what a lateral move keeps).
    let end: HashSet<PatchId> = start.iter().chain(applied_by.keys()).copied().collect();
    let expected: HashSet<PatchId> = target.iter().chain(extra.iter()).copied().collect();
    if end != expected {
        let name = |ids: Vec<&PatchId>| {
            let mut v: Vec<String> = ids
                .into_iter()
                .map(|id| contents.describe(*id).sql.path.clone())
                .collect();
            v.sort();
            v
        };
        return Err(PlanError::Inconsistent(Box::new(Mismatch {
            from: request.from.clone(),
            to: request.to.clone(),
            missing: name(expected.difference(&end).collect()),
            unexpected: name(end.difference(&expected).collect()),
        })));
    }
    Ok(plan)
}

/// The steps from A to B, as indexes into `Tree::steps` (spec §5.3).
fn route(contents: &Contents<'_>, request: &Request) -> Result<Vec<usize>, PlanError> {
    let graph = contents.graph();
    let tree = contents.tree();
    let (mut pos, b) = (request.from.level(), request.to.level());
    let no_route = |why: String| PlanError::NoRoute {
        from: Box::new(request.from.clone()),
        to: Box::new(request.to.clone()),
        why,
    };
    let mut steps = Vec::new();
    let advance =
        |pos: &mut Level, until: Level, steps: &mut Vec<usize>| -> Result<(), PlanError> {
            while *pos < until {
                let next = pos.next_minor().ok_or_else(|| {
                    no_route(format!("{pos} is the last version a number can hold"))
                })?;
                match graph.step_into(next).map(|si| (si, tree.steps[si].kind)) {
                    Some((si, StepKind::Minor { from, .. })) if from == *pos => steps.push(si),
                    _ => {
                        return Err(no_route(format!(
                            "line {} has a gap: no step upgrade_{pos}_to_{next}",
                            pos.line()
                        )))
                    }
                }
                *pos = next;
            }
            Ok(())
        };
    while pos.line() < b.line() {
        let line = pos.line();
        let level = contents
            .level_in(line, b)
            .ok_or_else(|| no_route(format!("no version of line {line} is contained in {b}")))?;
        advance(&mut pos, level, &mut steps)?;
        let si = graph.crossing_out(line).ok_or_else(|| {
            no_route(format!(
                "no crossing leaves line {line} (upgrade_{line}.x_to_...)"
            ))
        })?;
        let to = tree.steps[si].to();
        if to.line() > b.line() {
            return Err(no_route(format!(
                "the crossing out of line {line} leads to {to}, past {b}"
            )));
        }
        steps.push(si);
        pos = to;
    }
    advance(&mut pos, b, &mut steps)?;
    Ok(steps)
}
