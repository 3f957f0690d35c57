//! The version DAG: which step leads into each version, which crossing leaves each line, and
//! what each version's content descends from.
//!
//! Every version has at most one step leading into it, so "content parent" links form a forest:
//! a minor step's parent is its start, a crossing's parent is the baseline version of the old
//! line (spec §4). S(V) is then the union of the patches on V's path to its root, and "is patch
//! p in S(V)" is an ancestor test, answered in constant time from an Euler tour of the forest.

use crate::finding::{Finding, FindingKind};
use crate::names::StepKind;
use crate::tree::Tree;
use crate::version::{Level, Line};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A node of the drawn DAG: a version, or a whole line as the start of a crossing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Version(Level),
    Line(Line),
}

/// An edge of the drawn DAG; steps carry their index in [`Tree::steps`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    Minor(usize),
    Cross(usize),
    /// From the version a `baseline-version.txt` names to the start of the step that holds it.
    Baseline,
}

#[derive(Debug)]
pub struct VersionGraph {
    /// The DAG as drawn by `govup graph`.
    pub dag: DiGraph<Node, Edge>,
    versions: BTreeSet<Level>,
    /// The one step (index into `Tree::steps`) leading into each version.
    into: HashMap<Level, usize>,
    /// The crossing leaving each line.
    cross_out: HashMap<Line, usize>,
    /// For each line a crossing leads into, the line it crosses from.
    crossed_from: HashMap<Line, Line>,
    /// Content parent of each version that a step leads into.
    parent: HashMap<Level, Level>,
    euler: HashMap<Level, (u32, u32)>,
    /// Structural problems: duplicate steps, bad baselines, crossings from empty lines.
    pub findings: Vec<Finding>,
}

impl VersionGraph {
    pub fn build(tree: &Tree) -> VersionGraph {
        let mut g = VersionGraph {
            dag: DiGraph::new(),
            versions: BTreeSet::new(),
            into: HashMap::new(),
            cross_out: HashMap::new(),
            crossed_from: HashMap::new(),
            parent: HashMap::new(),
            euler: HashMap::new(),
            findings: vec![],
        };
        g.index_steps(tree);
        g.link_contents(tree);
        g.draw(tree);
        g.number_forest();
        g
    }

    fn index_steps(&mut self, tree: &Tree) {
        for (i, step) in tree.steps.iter().enumerate() {
            let to = step.to();
            if let Some(&other) = self.into.get(&to) {
                self.findings.push(
                    Finding::error(
                        step.dir.clone(),
                        format!(
                            "two steps lead into {to}: `{}` and `{}`",
                            tree.steps[other].dir, step.dir
                        ),
                    )
                    .with_kind(FindingKind::TwoStepsInto),
                );
                continue;
            }
            self.into.insert(to, i);
            self.versions.insert(to);
            match step.kind {
                StepKind::Minor { from, .. } => {
                    self.versions.insert(from);
                }
                StepKind::Cross { from, .. } => {
                    self.crossed_from.insert(to.line(), from);
                    if let Some(&other) = self.cross_out.get(&from) {
                        self.findings.push(
                            Finding::error(
                                step.dir.clone(),
                                format!(
                                    "two crossings leave line {from}: `{}` and `{}`",
                                    tree.steps[other].dir, step.dir
                                ),
                            )
                            .with_kind(FindingKind::TwoCrossingsOut),
                        );
                    } else {
                        self.cross_out.insert(from, i);
                    }
                }
            }
        }
    }

    fn link_contents(&mut self, tree: &Tree) {
        let ins: Vec<(Level, usize)> = self.into.iter().map(|(l, i)| (*l, *i)).collect();
        for (to, i) in ins {
            match tree.steps[i].kind {
                StepKind::Minor { from, .. } => {
                    self.parent.insert(to, from);
                }
                StepKind::Cross { from, .. } => {
                    if let Some(base) = self.crossing_base(tree, i, from, to) {
                        self.parent.insert(to, base);
                    }
                }
            }
        }
        // A baseline file anywhere must name a known version of the line crossed from.
        for step in &tree.steps {
            let Some(baseline) = &step.baseline else {
                continue;
            };
            let line = step.to().line();
            let previous = self.crossed_from(line);
            let problem = match previous {
                None => Some(format!(
                    "baseline {} is declared in line {line}, which no crossing leads into",
                    baseline.version
                )),
                Some(prev) if baseline.version.line() != prev => Some(format!(
                    "baseline {} is not a version of line {prev}, the line crossed from",
                    baseline.version
                )),
                Some(_) if !self.versions.contains(&baseline.version) => Some(format!(
                    "baseline {} is not a version of the tree",
                    baseline.version
                )),
                Some(_) => None,
            };
            if let Some(message) = problem {
                self.findings.push(
                    Finding::error(baseline.path.clone(), message)
                        .with_kind(FindingKind::BaselineUnknown),
                );
            }
        }
    }

    /// The version whose content a crossing builds on: the baseline of the step that starts at
    /// the crossing's target, else the highest version of the old line.
    fn crossing_base(&mut self, tree: &Tree, i: usize, from: Line, to: Level) -> Option<Level> {
        let declared = tree
            .steps
            .iter()
            .find(|s| matches!(s.kind, StepKind::Minor { from: f, .. } if f == to))
            .and_then(|s| s.baseline.as_ref());
        if let Some(b) = declared {
            let ok = b.version.line() == from && self.versions.contains(&b.version);
            return ok.then_some(b.version);
        }
        let highest = self
            .versions
            .iter()
            .rev()
            .find(|v| v.line() == from)
            .copied();
        if highest.is_none() {
            self.findings.push(
                Finding::error(
                    tree.steps[i].dir.clone(),
                    format!("crossing from line {from}, which has no version in the tree"),
                )
                .with_kind(FindingKind::CrossingFromEmptyLine),
            );
        }
        highest
    }

    fn draw(&mut self, tree: &Tree) {
        let mut nodes: HashMap<Level, NodeIndex> = HashMap::new();
        for v in &self.versions {
            nodes.insert(*v, self.dag.add_node(Node::Version(*v)));
        }
        let mut lines: BTreeMap<Line, NodeIndex> = BTreeMap::new();
        let mut steps: Vec<(Level, usize)> = self.into.iter().map(|(l, i)| (*l, *i)).collect();
        steps.sort();
        for (to, i) in steps {
            match tree.steps[i].kind {
                StepKind::Minor { from, .. } => {
                    self.dag.add_edge(nodes[&from], nodes[&to], Edge::Minor(i));
                }
                StepKind::Cross { from, .. } => {
                    let line = *lines
                        .entry(from)
                        .or_insert_with(|| self.dag.add_node(Node::Line(from)));
                    self.dag.add_edge(line, nodes[&to], Edge::Cross(i));
                }
            }
        }
        for step in &tree.steps {
            let (Some(b), StepKind::Minor { from, .. }) = (&step.baseline, step.kind) else {
                continue;
            };
            if let (Some(&a), Some(&s)) = (nodes.get(&b.version), nodes.get(&from)) {
                self.dag.add_edge(a, s, Edge::Baseline);
            }
        }
    }

    /// Numbers the content forest so that ancestry is two comparisons.
    fn number_forest(&mut self) {
        let mut children: BTreeMap<Level, Vec<Level>> = BTreeMap::new();
        for (child, parent) in &self.parent {
            children.entry(*parent).or_default().push(*child);
        }
        let mut clock = 0u32;
        let roots: Vec<Level> = self
            .versions
            .iter()
            .filter(|v| !self.parent.contains_key(v))
            .copied()
            .collect();
        for root in roots {
            // Iterative DFS: trees of 100k versions must not overflow the stack.
            let mut stack = vec![(root, false)];
            while let Some((v, done)) = stack.pop() {
                if done {
                    if let Some(e) = self.euler.get_mut(&v) {
                        e.1 = clock;
                    }
                    continue;
                }
                self.euler.insert(v, (clock, clock));
                clock += 1;
                stack.push((v, true));
                if let Some(kids) = children.get(&v) {
                    stack.extend(kids.iter().map(|k| (*k, false)));
                }
            }
        }
    }

    pub fn versions(&self) -> &BTreeSet<Level> {
        &self.versions
    }

    pub fn is_known(&self, v: Level) -> bool {
        self.versions.contains(&v)
    }

    pub fn newest(&self) -> Option<Level> {
        self.versions.last().copied()
    }

    /// The nearest known versions below and above `v`.
    pub fn nearest(&self, v: Level) -> (Option<Level>, Option<Level>) {
        (
            self.versions.range(..v).next_back().copied(),
            self.versions.range(v..).next().copied(),
        )
    }

    /// The step leading into `v`, as an index into `Tree::steps`.
    pub fn step_into(&self, v: Level) -> Option<usize> {
        self.into.get(&v).copied()
    }

    pub fn crossing_out(&self, line: Line) -> Option<usize> {
        self.cross_out.get(&line).copied()
    }

    /// The line that a crossing into `line` starts from.
    pub fn crossed_from(&self, line: Line) -> Option<Line> {
        self.crossed_from.get(&line).copied()
    }

    pub fn parent(&self, v: Level) -> Option<Level> {
        self.parent.get(&v).copied()
    }

    /// True when `a` is `b` or one of its content ancestors, that is S(a) ⊆ S(b) by descent.
    pub fn is_ancestor_or_self(&self, a: Level, b: Level) -> bool {
        match (self.euler.get(&a), self.euler.get(&b)) {
            (Some(ea), Some(eb)) => ea.0 <= eb.0 && eb.1 <= ea.1,
            _ => false,
        }
    }

    /// The known versions of one line, ascending.
    pub fn versions_in(&self, line: Line) -> Vec<Level> {
        self.versions
            .range(line.first()..)
            .take_while(|v| v.line() == line)
            .copied()
            .collect()
    }

    /// Versions from `v` up to its root, `v` first.
    pub fn chain(&self, v: Level) -> impl Iterator<Item = Level> + '_ {
        std::iter::successors(Some(v), move |cur| self.parent(*cur))
    }
}
