//! Plans: every pair of versions plans without error and ends on S(target) (spec §5). The
//! planner itself checks the end state; lint asks it for every pair and every database type.

use super::Ctx;
use crate::{rules, Diagnostic};
use govup_planner::{plan, Contents, DbType, Level, PlanError, Request, Version};

/// Codes that make plans meaningless: the tree's shape itself is in doubt.
const STRUCTURAL: &[&str] = &[
    rules::STEP_NAME.code,
    rules::GAP.code,
    rules::CROSSING_FROM_NOTHING.code,
    rules::TWO_STEPS_INTO.code,
    rules::TWO_CROSSINGS_OUT.code,
    rules::UNREACHABLE.code,
    rules::BASELINE_PARSE.code,
    rules::BASELINE_UNKNOWN.code,
];

pub(super) fn check(cx: &mut Ctx<'_>, contents: &[Contents<'_>]) {
    if cx.out.iter().any(|d| STRUCTURAL.contains(&d.code)) {
        cx.push(
            &rules::PLANS_SKIPPED,
            "",
            "pairs of versions were not planned: the tree has structural errors (L001, L005 to L011) to fix first",
        );
        return;
    }
    let versions: Vec<Level> = cx.graph.versions().iter().copied().collect();
    // One thread per database type: they share nothing but the tree, which they only read.
    let found: Vec<Option<Diagnostic>> = std::thread::scope(|scope| {
        let handles: Vec<_> = contents
            .iter()
            .map(|c| scope.spawn(|| summary(c.db(), &failures(c, &versions))))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    cx.out.extend(found.into_iter().flatten());
}

/// Every pair `from < to` that fails to plan for one database type.
fn failures(c: &Contents<'_>, versions: &[Level]) -> Vec<(Level, Level, PlanError)> {
    let mut out = Vec::new();
    for (i, &from) in versions.iter().enumerate() {
        for &to in &versions[i + 1..] {
            let request = Request {
                from: Version::from(from),
                to: Version::from(to),
                allow_lateral: false,
            };
            match plan(c, &request) {
                // Refusals are answers, not defects of the tree.
                Ok(_) | Err(PlanError::Lateral(_) | PlanError::Downgrade { .. }) => {}
                Err(e) => out.push((from, to, e)),
            }
        }
    }
    out
}

/// One diagnostic per database type: the first failing pair, and how many others fail.
fn summary(db: DbType, failures: &[(Level, Level, PlanError)]) -> Option<Diagnostic> {
    let (from, to, first) = failures.first()?;
    let mut message = format!("planning {from} -> {to} for {db} fails: {first}");
    for detail in first.details() {
        message += &format!("; {detail}");
    }
    if failures.len() > 1 {
        message += &format!("; {} other pair(s) fail too", failures.len() - 1);
    }
    Some(Diagnostic::new(&rules::PLAN, "", message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;
    use govup_planner::Mismatch;

    #[test]
    fn failures_are_summed_up_per_database_type() {
        let v = |m| Level::new(1, 0, m);
        let inconsistent = PlanError::Inconsistent(Box::new(Mismatch {
            from: v(0).into(),
            to: v(2).into(),
            missing: vec!["upgrade_1.0.1_to_1.0.2/sqlite/2024-01-01-x-patch.sql".into()],
            unexpected: vec![],
        }));
        let no_route = PlanError::NoRoute {
            from: Box::new(v(1).into()),
            to: Box::new(v(2).into()),
            why: "line 1.0 has a gap".into(),
        };
        let d = summary(
            DbType::Sqlite,
            &[(v(0), v(2), inconsistent), (v(1), v(2), no_route)],
        )
        .unwrap();
        assert_eq!(
            (d.code, d.severity, d.path.as_str()),
            ("L027", Severity::Error, "")
        );
        assert_eq!(
            d.message,
            "planning 1.0.0 -> 1.0.2 for sqlite fails: the upgrade tree is inconsistent: planning 1.0.0 -> 1.0.2 does not end on the content of 1.0.2; never applied: upgrade_1.0.1_to_1.0.2/sqlite/2024-01-01-x-patch.sql; 1 other pair(s) fail too"
        );
        assert_eq!(summary(DbType::Sqlite, &[]), None);
    }
}
