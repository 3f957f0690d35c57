//! The transaction policy of one run: decided once, from `--tx` and what the database can do,
//! into a value the executor obeys. Nothing else in the engine looks at `--tx` or at
//! `transactional_ddl`.

use crate::driver::Capabilities;
use crate::job::TxMode;
use govup_planner::DbType;

/// How the write phase groups its work into transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxPolicy {
    /// DDL rolls back (PostgreSQL, SQLite): govup's own transactions, each patch committing with
    /// its history row.
    Rollback {
        scope: TxMode,
        /// The lock lapses between transactions (SQLite re-takes it with each one), so the
        /// history is asked again before each patch, and patches go one at a time.
        recheck: bool,
    },
    /// DDL commits on its own (MySQL, Oracle): each statement commits with its progress, and
    /// consecutive patches of only row changes share one transaction when `group_rows`.
    Autocommit { group_rows: bool },
}

impl TxPolicy {
    /// The policy for `tx` (None: the default) on a database with `caps`, and the warning owed
    /// to an operator who asked for what the database cannot give.
    pub(crate) fn decide(
        tx: Option<TxMode>,
        caps: Capabilities,
        db: DbType,
    ) -> (TxPolicy, Option<String>) {
        let scope = tx.unwrap_or(TxMode::All);
        if caps.transactional_ddl {
            let whole = scope == TxMode::All;
            let recheck = !(caps.session_lock || whole);
            return (TxPolicy::Rollback { scope, recheck }, None);
        }
        let warning = (tx == Some(TxMode::All)).then(|| format!(
            "{db} cannot roll back DDL: every DDL statement commits on its own; --tx all puts consecutive patches of only INSERT, UPDATE and DELETE in one transaction per step"
        ));
        let group_rows = scope != TxMode::Patch;
        (TxPolicy::Autocommit { group_rows }, warning)
    }

    /// One transaction around the whole write phase.
    pub(crate) fn whole(self) -> bool {
        matches!(
            self,
            TxPolicy::Rollback {
                scope: TxMode::All,
                ..
            }
        )
    }

    /// One transaction per step.
    pub(crate) fn per_step(self) -> bool {
        matches!(
            self,
            TxPolicy::Rollback {
                scope: TxMode::Step,
                ..
            }
        )
    }

    /// One transaction per patch.
    pub(crate) fn per_patch(self) -> bool {
        matches!(
            self,
            TxPolicy::Rollback {
                scope: TxMode::Patch,
                ..
            }
        )
    }

    /// The history read at the start may be stale by the time a patch runs.
    pub(crate) fn recheck(self) -> bool {
        matches!(self, TxPolicy::Rollback { recheck: true, .. })
    }

    /// DDL rolls back, so every patch runs inside a transaction govup holds.
    pub(crate) fn transactional(self) -> bool {
        matches!(self, TxPolicy::Rollback { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(transactional_ddl: bool, session_lock: bool) -> Capabilities {
        Capabilities {
            transactional_ddl,
            session_lock,
            schemas: true,
            schemas_are_databases: false,
        }
    }

    #[test]
    fn the_policy_follows_tx_and_the_database() {
        let db = DbType::Postgresql;
        let (p, w) = TxPolicy::decide(None, caps(true, true), db);
        assert!(p.whole() && !p.per_step() && !p.per_patch() && !p.recheck() && w.is_none());
        let (p, _) = TxPolicy::decide(Some(TxMode::Step), caps(true, false), db);
        assert!(p.per_step() && p.recheck() && !p.whole());
        // Inside one transaction for everything, even a lock that lapses between transactions
        // never lapses.
        let (p, _) = TxPolicy::decide(Some(TxMode::All), caps(true, false), db);
        assert!(p.whole() && !p.recheck());
        let (p, w) = TxPolicy::decide(Some(TxMode::All), caps(false, true), DbType::Mysql);
        assert_eq!(p, TxPolicy::Autocommit { group_rows: true });
        assert!(w.unwrap().starts_with("mysql cannot roll back DDL"));
        let (p, w) = TxPolicy::decide(None, caps(false, true), DbType::Mysql);
        assert!(!p.whole() && !p.transactional() && w.is_none());
        let (p, _) = TxPolicy::decide(Some(TxMode::Patch), caps(false, true), DbType::Mysql);
        assert_eq!(p, TxPolicy::Autocommit { group_rows: false });
    }
}
