//! `govup graph`: the version DAG as Graphviz dot or Mermaid.

use crate::cli::{GraphArgs, GraphFormat};
use crate::tree_input;
use govup_planner::graph::{Edge, Node};
use govup_planner::{DbSelection, Tree, VersionGraph};

pub fn run(args: &GraphArgs) -> anyhow::Result<()> {
    let loaded = tree_input::read(&args.dir, DbSelection::Some(vec![]), &args.read)?;
    for f in loaded.tree.findings.iter().chain(&loaded.graph.findings) {
        errln!("warning: {f}");
    }
    let out = match args.format {
        GraphFormat::Dot => dot(&loaded.tree, &loaded.graph),
        GraphFormat::Mermaid => mermaid(&loaded.tree, &loaded.graph),
    };
    out!("{out}");
    Ok(())
}

/// The DAG's edges as (from label, to label, edge), in a stable order.
fn edges(g: &VersionGraph) -> Vec<(String, String, &Edge)> {
    let mut out: Vec<_> = g
        .dag
        .edge_indices()
        .filter_map(|e| {
            let (a, b) = g.dag.edge_endpoints(e)?;
            Some((label(&g.dag[a]), label(&g.dag[b]), &g.dag[e]))
        })
        .collect();
    out.sort_by(|x, y| (x.1.as_str(), x.0.as_str()).cmp(&(y.1.as_str(), y.0.as_str())));
    out
}

fn label(n: &Node) -> String {
    match n {
        Node::Version(v) => v.to_string(),
        Node::Line(l) => format!("{l}.x"),
    }
}

fn dot(tree: &Tree, g: &VersionGraph) -> String {
    let mut out = String::from("digraph upgrade_tree {\n  rankdir=LR;\n  node [shape=ellipse];\n");
    for n in g.dag.node_weights() {
        if let Node::Line(_) = n {
            out += &format!("  \"{}\" [shape=box, style=rounded];\n", label(n));
        }
    }
    for (a, b, e) in edges(g) {
        let attrs = match e {
            Edge::Minor(i) => format!("tooltip=\"{}\"", tree.steps[*i].dir),
            Edge::Cross(i) => format!("label=\"{}\", penwidth=2", tree.steps[*i].dir),
            Edge::Baseline => "style=dashed, label=\"baseline\", arrowhead=empty".to_string(),
        };
        out += &format!("  \"{a}\" -> \"{b}\" [{attrs}];\n");
    }
    out + "}\n"
}

fn mermaid(_tree: &Tree, g: &VersionGraph) -> String {
    let id = |label: &str| format!("v{}", label.replace('.', "_"));
    let mut out = String::from("flowchart LR\n");
    for n in g.dag.node_weights() {
        let l = label(n);
        match n {
            Node::Version(_) => out += &format!("  {}[\"{l}\"]\n", id(&l)),
            Node::Line(_) => out += &format!("  {}([\"{l}\"])\n", id(&l)),
        }
    }
    for (a, b, e) in edges(g) {
        let arrow = match e {
            Edge::Minor(_) => "-->",
            Edge::Cross(_) => "==>",
            Edge::Baseline => "-. baseline .->",
        };
        out += &format!("  {} {arrow} {}\n", id(&a), id(&b));
    }
    out
}
