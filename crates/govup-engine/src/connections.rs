//! The connections of one run (one per distinct URL of the schema map) and the lock over them.

use crate::driver::{DbError, Driver, DriverExt, Wait};
use crate::error::ApplyError;
use crate::events::Observer;
use crate::url::redact;
use govup_schema_map::{SchemaMap, Target};

/// One open connection. `key` is the URL the schema map names for a role, None for the main one.
pub struct Conn {
    pub key: Option<String>,
    pub driver: Box<dyn Driver>,
    /// The schema last made current, to avoid switching for every patch.
    current: Option<Option<String>>,
}

impl Conn {
    pub fn new(key: Option<String>, driver: Box<dyn Driver>) -> Conn {
        Conn {
            key,
            driver,
            current: None,
        }
    }

    pub fn use_schema(&mut self, schema: &Option<String>) -> Result<(), ApplyError> {
        if self.current.as_ref() == Some(schema) {
            return Ok(());
        }
        self.driver
            .use_schema(schema.as_deref())
            .map_err(|error| ApplyError::Schema {
                conn: self.driver.describe(),
                schema: schema.clone().unwrap_or_else(|| "(default)".into()),
                error,
            })?;
        self.current = Some(schema.clone());
        Ok(())
    }

    /// Forgets the current schema, after a rollback that may have undone the switch.
    pub fn forget_schema(&mut self) {
        self.current = None;
    }
}

pub struct Connections {
    pub list: Vec<Conn>,
}

/// Opens a connection from a URL; the binary supplies one that knows every driver.
pub type Connector<'a> = dyn FnMut(&str) -> Result<Box<dyn Driver>, DbError> + 'a;

impl Connections {
    /// Opens the main connection and one per distinct URL the map gives an upgraded role.
    pub fn open(
        main: &str,
        map: &SchemaMap,
        connect: &mut Connector<'_>,
    ) -> Result<Connections, ApplyError> {
        let mut keys: Vec<Option<String>> = vec![None];
        for role in map.upgraded_roles() {
            let key = map.target(role).url;
            if key.is_some() && !keys.contains(&key) {
                keys.push(key);
            }
        }
        let mut list = Vec::new();
        for key in keys {
            let url = key.as_deref().unwrap_or(main);
            let driver = connect(url).map_err(|error| ApplyError::Connect {
                url: redact(url),
                error,
            })?;
            list.push(Conn {
                key,
                driver,
                current: None,
            });
        }
        Ok(Connections { list })
    }

    /// Wraps already-open drivers (tests, and callers that connect themselves).
    pub fn from_drivers(
        main: Box<dyn Driver>,
        others: Vec<(String, Box<dyn Driver>)>,
    ) -> Connections {
        let mut list = vec![Conn {
            key: None,
            driver: main,
            current: None,
        }];
        list.extend(others.into_iter().map(|(k, d)| Conn {
            key: Some(k),
            driver: d,
            current: None,
        }));
        Connections { list }
    }

    /// The connection a target runs on; an unknown URL falls back to the main connection, which
    /// cannot happen for targets built from the same map.
    pub fn for_target(&mut self, target: &Target) -> &mut Conn {
        let index = self.index_of(target);
        &mut self.list[index]
    }

    pub fn index_of(&self, target: &Target) -> usize {
        self.list
            .iter()
            .position(|c| c.key == target.url)
            .unwrap_or(0)
    }

    pub fn main(&mut self) -> &mut Conn {
        &mut self.list[0]
    }
}

/// Holds the upgrade lock on every connection and releases it when dropped, on every exit path.
pub struct Locked<'c> {
    pub conns: &'c mut Connections,
    /// The connections whose lock this run took, in the order taken.
    held: Vec<usize>,
    /// Per connection, its lock scope (None when unknown, and in a dry run).
    pub scopes: Vec<Option<String>>,
}

impl<'c> Locked<'c> {
    /// Takes the lock on each connection in order, saying so when it has to wait for another
    /// govup; on failure releases what it took. A connection whose lock scope another one of
    /// this run already holds is covered by it and locks nothing.
    pub fn acquire(
        conns: &'c mut Connections,
        observer: &mut dyn Observer,
    ) -> Result<Locked<'c>, ApplyError> {
        let mut locked = Locked {
            conns,
            held: Vec::new(),
            scopes: Vec::new(),
        };
        for i in 0..locked.conns.list.len() {
            let conn = &mut locked.conns.list[i];
            let fail = |error, conn: &Conn| ApplyError::Lock {
                conn: conn.driver.describe(),
                error,
            };
            let scope = conn.driver.lock_scope().map_err(|e| fail(e, conn))?;
            let covered = scope.is_some() && locked.scopes.contains(&scope);
            locked.scopes.push(scope);
            if covered {
                continue;
            }
            let taken = conn.driver.lock(Wait::No).map_err(|e| fail(e, conn))?;
            if !taken {
                observer.note(&format!(
                    "waiting for the upgrade lock on {}: another govup holds it",
                    conn.driver.describe()
                ));
                conn.driver.lock(Wait::Block).map_err(|e| fail(e, conn))?;
            }
            for note in conn.driver.lock_notes() {
                observer.note(&note);
            }
            locked.held.push(i);
        }
        Ok(locked)
    }

    /// No lock at all: a dry run reads and never writes.
    pub fn without_lock(conns: &'c mut Connections) -> Locked<'c> {
        let scopes = vec![None; conns.list.len()];
        Locked {
            conns,
            held: Vec::new(),
            scopes,
        }
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        for &i in self.held.iter().rev() {
            let conn = &mut self.conns.list[i];
            // Nothing useful can be done with an unlock error here; the lock dies with the
            // connection anyway, which the caller closes next.
            let _ = conn.driver.unlock();
        }
    }
}
