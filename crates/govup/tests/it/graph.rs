//! `govup graph`: the version DAG in dot and Mermaid.

use crate::support::{fixture, govup};

#[test]
fn dot_shows_steps_crossings_and_dashed_baselines() {
    let run = govup(&["graph", "--dir", &fixture("interleaved")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dot = run.stdout;
    assert!(dot.starts_with("digraph upgrade_tree {\n"));
    assert!(
        dot.contains("  \"1.0.0\" -> \"1.0.1\" [tooltip=\"upgrade_1.0.0_to_1.0.1\"];\n"),
        "{dot}"
    );
    assert!(
        dot.contains("  \"1.0.x\" -> \"1.1.0\" [label=\"upgrade_1.0.x_to_1.1.0\", penwidth=2];\n"),
        "{dot}"
    );
    assert!(
        dot.contains(
            "  \"1.0.1\" -> \"1.1.0\" [style=dashed, label=\"baseline\", arrowhead=empty];\n"
        ),
        "{dot}"
    );
    assert!(
        dot.contains("  \"1.0.4\" -> \"1.1.2\" [style=dashed"),
        "{dot}"
    );
    assert_eq!(
        dot.matches("->").count(),
        10 + 3,
        "ten steps and three baselines"
    );
    assert!(dot.ends_with("}\n"));
}

#[test]
fn mermaid_is_a_flowchart() {
    let run = govup(&[
        "graph",
        "--dir",
        &fixture("interleaved"),
        "--format",
        "mermaid",
    ]);
    assert_eq!(run.code, 0);
    let m = run.stdout;
    assert!(m.starts_with("flowchart LR\n"));
    assert!(m.contains("  v1_1_x([\"1.1.x\"])\n"), "{m}");
    assert!(m.contains("  v1_1_x ==> v2_0_0\n"), "{m}");
    assert!(m.contains("  v1_0_2 -. baseline .-> v1_1_1\n"), "{m}");
    assert!(m.contains("  v1_0_0 --> v1_0_1\n"), "{m}");
}

#[test]
fn a_missing_tree_is_exit_2() {
    let run = govup(&["graph", "--dir", &fixture("nope")]);
    assert_eq!(run.code, 2);
}
