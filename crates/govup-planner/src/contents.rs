//! What a database of one type holds at each version: S(V) of spec §4.

use crate::db::DbType;
use crate::digest::Sha256;
use crate::finding::{Finding, FindingKind};
use crate::graph::VersionGraph;
use crate::tree::{Patch, Tree};
use crate::version::{Level, Line};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// A patch identity, interned: the pair (file name, SHA-256 of the bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatchId(u32);

/// S(V) for every version, for one database type.
pub struct Contents<'t> {
    tree: &'t Tree,
    graph: &'t VersionGraph,
    db: DbType,
    /// Identities of each step's patches, in run order (indexed like `Tree::steps`).
    step_ids: Vec<Vec<PatchId>>,
    /// For each identity, the targets of the steps that hold it.
    added_at: HashMap<PatchId, Vec<Level>>,
    /// For each identity, the first patch seen with it (for messages).
    first: Vec<(usize, usize)>,
    /// [`Contents::baseline_disagreements`], computed once: every plan reports them.
    disagreements: OnceLock<Vec<Finding>>,
}

impl<'t> Contents<'t> {
    pub fn new(tree: &'t Tree, graph: &'t VersionGraph, db: DbType) -> Contents<'t> {
        let mut ids: HashMap<(&str, Sha256), PatchId> = HashMap::new();
        let mut first = Vec::new();
        let mut added_at: HashMap<PatchId, Vec<Level>> = HashMap::new();
        let mut step_ids = Vec::with_capacity(tree.steps.len());
        for (si, step) in tree.steps.iter().enumerate() {
            // Only the step that the graph accepted into its target carries content.
            let counts = graph.step_into(step.to()) == Some(si);
            let mut these = Vec::new();
            for (pi, patch) in step.patches(db).iter().enumerate() {
                let next = PatchId(ids.len() as u32);
                let id = *ids
                    .entry((patch.file.as_str(), patch.sql.sha256))
                    .or_insert_with(|| {
                        first.push((si, pi));
                        next
                    });
                if counts {
                    added_at.entry(id).or_default().push(step.to());
                }
                these.push(id);
            }
            step_ids.push(these);
        }
        Contents {
            tree,
            graph,
            db,
            step_ids,
            added_at,
            first,
            disagreements: OnceLock::new(),
        }
    }

    pub fn db(&self) -> DbType {
        self.db
    }

    pub fn graph(&self) -> &'t VersionGraph {
        self.graph
    }

    pub fn tree(&self) -> &'t Tree {
        self.tree
    }

    /// The identities of a step's patches, in run order.
    pub fn step_patches(&self, step: usize) -> &[PatchId] {
        &self.step_ids[step]
    }

    /// The first patch of the tree with this identity.
    pub fn describe(&self, id: PatchId) -> &'t Patch {
        let (si, pi) = self.first[id.0 as usize];
        &self.tree.steps[si].patches(self.db)[pi]
    }

    /// Is `id` in S(`v`)?
    pub fn contains(&self, v: Level, id: PatchId) -> bool {
        self.added_at
            .get(&id)
            .is_some_and(|at| at.iter().any(|a| self.graph.is_ancestor_or_self(*a, v)))
    }

    /// S(`v`) as a set.
    pub fn set(&self, v: Level) -> HashSet<PatchId> {
        let mut set = HashSet::new();
        for version in self.graph.chain(v) {
            if let Some(si) = self.graph.step_into(version) {
                set.extend(self.step_ids[si].iter().copied());
            }
        }
        set
    }

    /// Is S(`a`) ⊆ S(`b`)? Only `a`'s chain below its first version that is an ancestor of `b`
    /// (or `b` itself) needs checking: S of that version is in S(`b`) by descent, and so is
    /// everything above it. Baseline checks and routes then cost what the versions between
    /// them hold, not the whole tree.
    pub fn subset(&self, a: Level, b: Level) -> bool {
        self.graph
            .chain(a)
            .take_while(|v| !self.graph.is_ancestor_or_self(*v, b))
            .all(|version| {
                self.graph
                    .step_into(version)
                    .is_none_or(|si| self.step_ids[si].iter().all(|id| self.contains(b, *id)))
            })
    }

    /// True when the step into `v` adds nothing to S of its content parent.
    fn adds_nothing(&self, v: Level) -> bool {
        match (self.graph.step_into(v), self.graph.parent(v)) {
            (Some(si), Some(parent)) => self.step_ids[si]
                .iter()
                .all(|id| self.contains(parent, *id)),
            _ => false,
        }
    }

    /// The level of `line` in `target` (spec §5.3): the lowest version of the line whose S equals
    /// the largest S of the line contained in S(target). None when no version's S is contained.
    pub fn level_in(&self, line: Line, target: Level) -> Option<Level> {
        let mut contained: HashMap<Level, bool> = HashMap::new();
        let mut best = None;
        for v in self.graph.versions_in(line) {
            // No S(target) as a set: that is the whole tree, once per line crossed and per
            // baseline. An ancestor's patches are in it by descent; the others, one ancestor
            // test each.
            let own = self.graph.is_ancestor_or_self(v, target)
                || self.graph.step_into(v).is_none_or(|si| {
                    self.step_ids[si]
                        .iter()
                        .all(|id| self.contains(target, *id))
                });
            let inherited = match self.graph.parent(v) {
                None => true,
                Some(p) => match contained.get(&p) {
                    Some(known) => *known,
                    None => self.subset(p, target),
                },
            };
            let ok = own && inherited;
            contained.insert(v, ok);
            if ok {
                best = Some(v);
            }
        }
        let mut level = best?;
        while self.adds_nothing(level) {
            match self.graph.parent(level) {
                Some(p) if p.line() == line => level = p,
                _ => break,
            }
        }
        Some(level)
    }

    /// Checks every `baseline-version.txt` against the content (spec §4): the declared version's
    /// S must be the largest S of its line contained in S(start of the step).
    pub fn baseline_disagreements(&self) -> Vec<Finding> {
        self.disagreements
            .get_or_init(|| self.compute_disagreements())
            .clone()
    }

    fn compute_disagreements(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for step in &self.tree.steps {
            let Some(baseline) = &step.baseline else {
                continue;
            };
            let crate::names::StepKind::Minor { from: start, .. } = step.kind else {
                continue;
            };
            let declared = baseline.version;
            if !self.graph.is_known(declared) || !self.graph.is_known(start) {
                continue;
            }
            let expected = self.level_in(declared.line(), start);
            let agrees = expected.is_some_and(|level| {
                self.subset(declared, start)
                    && self.subset(declared, level)
                    && self.subset(level, declared)
            });
            if !agrees {
                let content =
                    expected.map_or("no version of that line".to_string(), |l| l.to_string());
                out.push(
                    Finding::error(
                        baseline.path.clone(),
                        format!(
                            "baseline {declared} disagrees with the {db} patches: by content, {start} contains {content} of line {}",
                            declared.line(),
                            db = self.db
                        ),
                    )
                    .with_kind(FindingKind::BaselineDisagrees),
                );
            }
        }
        out
    }
}
