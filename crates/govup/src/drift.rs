//! Drift: applied history rows that no longer match the tree (`govup status --dir`).

use govup_engine::history::Row;
use govup_planner::{DbType, Tree};
use govup_schema_map::Target;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt;

pub struct Drift {
    pub schema: Option<String>,
    pub path: String,
    pub recorded: String,
    /// The tree's sha256 now; None when the tree no longer holds the path.
    pub current: Option<String>,
}

impl Drift {
    pub fn to_json(&self) -> Value {
        json!({
            "schema": self.schema,
            "path": self.path,
            "kind": if self.current.is_some() { "changed" } else { "missing" },
            "recorded_sha256": self.recorded,
            "current_sha256": self.current,
        })
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let schema = self.schema.as_deref().unwrap_or("(default)");
        match &self.current {
            Some(now) => write!(
                f,
                "{} in {schema} was applied with sha256 {} but the tree now holds {now}",
                self.path, self.recorded
            ),
            None => write!(
                f,
                "{} in {schema} is applied but the tree no longer holds it",
                self.path
            ),
        }
    }
}

/// Every applied row whose patch changed in the tree or is gone from it, in row order.
pub fn check(tree: &Tree, db: DbType, applied: &[(Target, Row)]) -> Vec<Drift> {
    let mut current: HashMap<&str, String> = HashMap::new();
    for step in &tree.steps {
        for p in step.patches(db) {
            current.insert(&p.sql.path, p.sql.sha256.to_hex());
        }
        if let Some(info) = &step.info_patch {
            current.insert(&info.path, info.sha256.to_hex());
        }
    }
    applied
        .iter()
        .filter_map(|(t, r)| {
            let now = current.get(r.patch_path.as_str());
            match now {
                Some(sha) if *sha == r.sha256 => None,
                _ => Some(Drift {
                    schema: t.schema.clone(),
                    path: r.patch_path.clone(),
                    recorded: r.sha256.clone(),
                    current: now.cloned(),
                }),
            }
        })
        .collect()
}
