//! The first stage of an apply: the connections locked, every schema checked, and every history
//! read and trusted (no impossible row, no applied patch whose bytes changed).

use crate::connections::{Connections, Locked};
use crate::driver::DriverExt;
use crate::error::ApplyError;
use crate::events::Observer;
use crate::history::{self, Kind, Row, Status, Table};
use crate::job::{Job, Start};
use crate::origin::{self, Source};
use govup_planner::{SqlFile, Version};
use govup_schema_map::Target;
use std::collections::{HashMap, HashSet};

/// Locked connections and what their histories say. Dropping it unlocks.
pub(crate) struct Session<'c> {
    pub locked: Locked<'c>,
    /// Every schema the run writes an info-patch to, in the map's order.
    pub targets: Vec<Target>,
    pub histories: Histories,
}

/// The second stage: the session, and the version the run starts from.
pub(crate) struct Started<'c> {
    pub session: Session<'c>,
    pub from: Version,
    pub source: Source,
}

/// Every schema's history, read once at the start.
pub(crate) struct Histories {
    by_target: HashMap<Target, Recorded>,
    /// What a schema outside the map's targets has.
    nothing: Recorded,
}

/// One schema's history, indexed for the questions the engine asks of it once per patch (a
/// re-run of 5,000 patches must not scan 5,000 rows 5,000 times).
#[derive(Default)]
pub(crate) struct Recorded {
    pub rows: Vec<Row>,
    by_path: HashMap<String, usize>,
    /// (file name, sha256) of every patch recorded as applied.
    applied: HashSet<(String, String)>,
}

impl<'c> Session<'c> {
    /// Locks (unless `dry_run`), checks the targets and reads and checks every history.
    pub fn open(
        job: &Job<'_>,
        conns: &'c mut Connections,
        dry_run: bool,
        observer: &mut dyn Observer,
    ) -> Result<Session<'c>, ApplyError> {
        let locked = if dry_run {
            Locked::without_lock(conns)
        } else {
            refuse_read_only(conns)?;
            Locked::acquire(conns, observer)?
        };
        let targets = job.map.info_patch_targets();
        refuse_one_schema_twice(&targets, locked.conns, &locked.scopes)?;
        use_every_schema(&targets, locked.conns)?;
        let histories = Histories::read(locked.conns, &targets)?;
        histories.verify_checksums(job)?;
        Ok(Session {
            locked,
            targets,
            histories,
        })
    }

    pub fn conns(&mut self) -> &mut Connections {
        self.locked.conns
    }

    /// Finds the start version: the one given, else what the histories or `db_info` say.
    pub fn start(self, given: &Start) -> Result<Started<'c>, ApplyError> {
        let (from, source) = match given {
            Start::Given(v) => (v.clone(), Source::Given),
            Start::Auto | Start::Fallback(_) => {
                let histories = &self.histories;
                let found =
                    origin::detect(self.locked.conns, &self.targets, |t| &histories.of(t).rows)?;
                let fallback = match given {
                    Start::Fallback(v) => Some((v.clone(), Source::Given)),
                    _ => None,
                };
                found.or(fallback).ok_or_else(|| {
                    let conns = &self.locked.conns;
                    let first = self.targets.first().map_or(0, |t| conns.index_of(t));
                    let describe = conns.list[first].driver.describe();
                    ApplyError::UnknownStart {
                        why: origin::unknown_why(&describe, histories.rows().count()),
                    }
                })?
            }
        };
        Ok(Started {
            session: self,
            from,
            source,
        })
    }
}

/// A standby or read-only target fails here, before the lock and before anything is written.
fn refuse_read_only(conns: &mut Connections) -> Result<(), ApplyError> {
    for conn in &mut conns.list {
        let reason = conn
            .driver
            .read_only_reason()
            .map_err(|error| ApplyError::ReadOnlyCheck {
                conn: conn.driver.describe(),
                error,
            })?;
        if let Some(reason) = reason {
            return Err(ApplyError::ReadOnly {
                conn: conn.driver.describe(),
                reason,
            });
        }
    }
    Ok(())
}

/// A schema the database cannot have, or that does not exist, stops the run before anything is
/// read or written.
fn use_every_schema(targets: &[Target], conns: &mut Connections) -> Result<(), ApplyError> {
    for target in targets {
        let conn = conns.for_target(target);
        let dialect = conn.driver.dialect();
        if let (Some(schema), false) = (&target.schema, dialect.capabilities().schemas) {
            return Err(ApplyError::Usage(format!(
                "{} has no schemas: the schema map routes a role to schema {schema}; leave [schemas] out",
                dialect.name()
            )));
        }
        conn.use_schema(&target.schema)?;
    }
    Ok(())
}

/// Two URLs that reach one database, used for the same schema, would run every info-patch
/// twice there and collide in one history table, and their sessions could wait for each other.
fn refuse_one_schema_twice(
    targets: &[Target],
    conns: &Connections,
    scopes: &[Option<String>],
) -> Result<(), ApplyError> {
    let scope = |t: &Target| scopes.get(conns.index_of(t)).cloned().flatten();
    for (i, a) in targets.iter().enumerate() {
        for b in &targets[..i] {
            if a.url == b.url || a.schema != b.schema || scope(a).is_none() || scope(a) != scope(b)
            {
                continue;
            }
            let url = |t: &Target| conns.list[conns.index_of(t)].driver.describe();
            return Err(ApplyError::Usage(format!(
                "the schema map reaches one database through {} and {} for the same schema ({}): give those roles one URL",
                url(b),
                url(a),
                a.schema.as_deref().unwrap_or("the default one")
            )));
        }
    }
    Ok(())
}

impl Histories {
    /// Reads the history of every target and refuses one that cannot be trusted to resume from
    /// ([`history::check`]). `apply` and `status` both read it this way, so they agree.
    pub fn read(conns: &mut Connections, targets: &[Target]) -> Result<Histories, ApplyError> {
        let mut all = HashMap::new();
        for target in targets {
            let conn = conns.for_target(target);
            let table = Table::new(conn.driver.dialect(), target.schema.as_deref());
            let rows = table
                .read(conn.driver.as_mut())
                .map_err(|error| ApplyError::History {
                    conn: conn.driver.describe(),
                    error,
                })?;
            history::check(&rows, origin::from_history(&rows))?;
            all.insert(target.clone(), Recorded::new(rows));
        }
        Ok(Histories {
            by_target: all,
            nothing: Recorded::default(),
        })
    }

    /// The history of `target`; a schema outside the map's targets has none.
    pub fn of(&self, target: &Target) -> &Recorded {
        self.by_target.get(target).unwrap_or(&self.nothing)
    }

    /// Every row of every schema.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.by_target.values().flat_map(|r| &r.rows)
    }

    /// Refuses when a patch the history records as applied now has other bytes in the tree.
    fn verify_checksums(&self, job: &Job<'_>) -> Result<(), ApplyError> {
        let mut current: HashMap<&str, &govup_planner::Sha256> = HashMap::new();
        for step in &job.tree.steps {
            for patch in step.patches(job.db) {
                current.insert(&patch.sql.path, &patch.sql.sha256);
            }
            if let Some(info) = &step.info_patch {
                current.insert(&info.path, &info.sha256);
            }
        }
        let mut applied: Vec<&Row> = self
            .rows()
            .filter(|r| r.status == Status::Applied)
            .collect();
        applied.sort_by(|a, b| a.patch_path.cmp(&b.patch_path));
        for row in applied {
            let Some(sha) = current.get(row.patch_path.as_str()) else {
                continue;
            };
            let now = sha.to_hex();
            if now != row.sha256 {
                return Err(ApplyError::ChangedApplied {
                    path: row.patch_path.clone(),
                    recorded: row.sha256.clone(),
                    current: now,
                });
            }
        }
        Ok(())
    }
}

impl Recorded {
    pub fn new(rows: Vec<Row>) -> Recorded {
        let by_path = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.patch_path.clone(), i))
            .collect();
        let applied = rows
            .iter()
            .filter(|r| r.kind == Kind::Patch && r.status == Status::Applied)
            .map(|r| (r.file_name.clone(), r.sha256.clone()))
            .collect();
        Recorded {
            rows,
            by_path,
            applied,
        }
    }

    pub fn row(&self, path: &str) -> Option<&Row> {
        self.by_path.get(path).map(|i| &self.rows[*i])
    }

    /// Is this identity (file name, sha256) recorded as applied here?
    pub fn has_patch(&self, file: &str, sql: &SqlFile) -> bool {
        self.applied
            .contains(&(file.to_string(), sql.sha256.to_hex()))
    }

    /// Is the info-patch at `path` recorded as applied here?
    pub fn has_info(&self, path: &str) -> bool {
        self.row(path).is_some_and(|r| r.status == Status::Applied)
    }
}
