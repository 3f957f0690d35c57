//! Loading fixture trees and reducing plans to comparable lists.

use govup_planner::{
    plan, Action, Contents, DbSelection, DbType, Plan, PlanError, Request, SkipReason, Tree,
    VersionGraph,
};
use std::path::PathBuf;

pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

pub struct Fixture {
    pub tree: Tree,
    pub graph: VersionGraph,
}

pub fn load(name: &str) -> Fixture {
    let tree = Tree::scan(&path(name), &DbSelection::All).expect("fixture tree is readable");
    let graph = VersionGraph::build(&tree);
    Fixture { tree, graph }
}

impl Fixture {
    pub fn plan(&self, from: &str, to: &str) -> Result<Plan, PlanError> {
        self.plan_with(from, to, false)
    }

    pub fn plan_with(&self, from: &str, to: &str, allow_lateral: bool) -> Result<Plan, PlanError> {
        let contents = Contents::new(&self.tree, &self.graph, DbType::Sqlite);
        let request = Request {
            from: from.parse().unwrap(),
            to: to.parse().unwrap(),
            allow_lateral,
        };
        plan(&contents, &request)
    }

    pub fn findings(&self) -> Vec<String> {
        self.tree
            .findings
            .iter()
            .chain(&self.graph.findings)
            .map(|f| f.to_string())
            .collect()
    }
}

/// A plan as lines: `dir: file action`, in run order.
pub fn lines(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for step in &plan.steps {
        if step.patches.is_empty() {
            out.push(format!("{}: -", step.dir));
        }
        for p in &step.patches {
            let what = match &p.action {
                Action::Apply => "apply".to_string(),
                Action::Skip(SkipReason::InStartVersion) => "skip in_start_version".to_string(),
                Action::Skip(SkipReason::AppliedEarlier { by }) => {
                    format!("skip applied_earlier {by}")
                }
            };
            out.push(format!("{}: {} {what}", step.dir, p.patch.file));
        }
    }
    out
}
