//! A scriptable fake database, so that the engine's transaction modes and resume paths are
//! tested without a server (feature `fake`).
//!
//! [`FakeDb`] is one "database": what is committed, a log of every statement any of its
//! connections received, and a script (fail at statement N or at a text, kill at statement N).
//! [`FakeDb::connect`] gives a [`Driver`] on it; a second run connects again and sees only what
//! was committed, so resuming is tested as it happens on a real server.
//!
//! The fake understands only what the engine itself sends about `govup_history` (create, the
//! existence query, SELECT, INSERT, UPDATE, DELETE with `column = value` conditions): those rows
//! are modelled. Every other statement is a patch statement: opaque text that takes effect (is
//! appended to the effects) in the open transaction, or at once where the switches say the
//! database would commit it (DDL without transactional DDL, a row change where rows do not
//! roll back). The dialect's own rules (splitting, what is a row change) are the real ones. A
//! SELECT of any other table reads no rows (so the start version comes from the history or is
//! given).

use govup_engine::catalog::Catalog;
use govup_engine::driver::{IdleScratch, Maintenance};
use govup_engine::history::{COLUMNS, TABLE};
use govup_engine::{
    execute_each, execute_in_transaction, Batching, Capabilities, DbError, Dialect, Driver,
    Inspect, SplitError, Statement, Wait,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// What the fake database can do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switches {
    /// DDL rolls back (PostgreSQL, SQLite); without it a DDL statement commits the open
    /// transaction, itself included (MySQL, Oracle).
    pub transactional_ddl: bool,
    /// The lock is the session's for the whole run; without it the engine re-reads the history
    /// inside each transaction (SQLite).
    pub session_lock: bool,
    /// A rollback undoes row changes; without it they stay (MySQL's MyISAM).
    pub rolls_back_rows: bool,
    /// The driver has [`Batching`]: history rows go in bulk (`copy_rows`); without it the
    /// engine INSERTs them.
    pub batching: bool,
    /// The driver has [`Maintenance`] (backups and restores of the fake's own state).
    pub maintenance: bool,
}

impl Switches {
    /// PostgreSQL's shape.
    pub const TRANSACTIONAL: Switches = Switches {
        transactional_ddl: true,
        session_lock: true,
        rolls_back_rows: true,
        batching: true,
        maintenance: true,
    };
    /// MySQL's and Oracle's shape: DDL commits on its own.
    pub const AUTOCOMMIT_DDL: Switches = Switches {
        transactional_ddl: false,
        ..Switches::TRANSACTIONAL
    };
}

/// The dialect the fake speaks: the real splitter and statement rules of `inner`, the fake's
/// capabilities, and a history table the fake can read (plain quoting).
struct FakeDialect {
    inner: &'static dyn Dialect,
    caps: Capabilities,
}

impl Dialect for FakeDialect {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn split(&self, sql: &str) -> Result<Vec<Statement>, SplitError> {
        self.inner.split(sql)
    }
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn history_ddl(&self, table: &str) -> String {
        format!("CREATE TABLE {table} ({})", COLUMNS.join(", "))
    }
    fn history_columns_sql(&self, schema: Option<&str>) -> String {
        format!(
            "SELECT name FROM fake_tables WHERE columns_of = {}",
            self.quote_literal(&self.qualify(schema, TABLE))
        )
    }
    fn history_add_column_sql(
        &self,
        table: &str,
        column: &str,
        _ty: govup_engine::history::ColumnType,
    ) -> String {
        // The fake models the run columns only; a repair (which adds columns) is tested on the
        // servers, so this names what it would do and the fake refuses it.
        format!("ALTER TABLE {table} ADD COLUMN {column}")
    }
    fn history_exists_sql(&self, schema: Option<&str>) -> String {
        format!(
            "SELECT 1 FROM fake_tables WHERE name = {}",
            self.quote_literal(&self.qualify(schema, TABLE))
        )
    }
    fn is_row_change(&self, statement: &str) -> bool {
        self.inner.is_row_change(statement)
    }
    fn may_change_rollback(&self, statement: &str) -> bool {
        self.inner.may_change_rollback(statement)
    }
    fn controls_transaction(&self, statement: &str) -> Option<String> {
        self.inner.controls_transaction(statement)
    }
}

type Rows = Vec<Vec<Option<String>>>;

/// One state of the database: history tables (by schema, "" the default) with their rows by
/// `patch_path`, and the patch statements that took effect, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Data {
    history: BTreeMap<String, BTreeMap<String, Vec<Option<String>>>>,
    effects: Vec<String>,
}

#[derive(Default)]
struct Script {
    fail_at: Option<usize>,
    fail_when: Option<String>,
    kill_at: Option<usize>,
}

struct State {
    switches: Switches,
    dialect: &'static FakeDialect,
    committed: Data,
    log: Vec<String>,
    /// Patch statements reached so far, across runs.
    reached: usize,
    script: Script,
    /// Bumped by a kill: connections of an earlier life no longer answer.
    life: u64,
    dead: bool,
    lock_holder: Option<u64>,
    next_conn: u64,
    backups: Vec<Data>,
}

/// One fake database; cheap to clone (clones share it).
#[derive(Clone)]
pub struct FakeDb {
    state: Arc<Mutex<State>>,
}

impl FakeDb {
    /// A new, empty database that splits and classifies statements like `dialect`.
    pub fn new(dialect: &'static dyn Dialect, switches: Switches) -> FakeDb {
        let mut caps = dialect.capabilities();
        caps.transactional_ddl = switches.transactional_ddl;
        caps.session_lock = switches.session_lock;
        // One dialect per database, for the life of the test process: leaking it is what a
        // `&'static dyn Dialect` needs, and it is a few bytes.
        let dialect = Box::leak(Box::new(FakeDialect {
            inner: dialect,
            caps,
        }));
        FakeDb {
            state: Arc::new(Mutex::new(State {
                switches,
                dialect,
                committed: Data::default(),
                log: vec![],
                reached: 0,
                script: Script::default(),
                life: 0,
                dead: false,
                lock_holder: None,
                next_conn: 0,
                backups: vec![],
            })),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding it poisoned nothing the fake cares about.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new connection (a new session; a killed database must be restarted first).
    pub fn connect(&self) -> Box<dyn Driver> {
        let mut s = self.state();
        s.next_conn += 1;
        Box::new(FakeConn {
            db: self.clone(),
            id: s.next_conn,
            life: s.life,
            tx: None,
            schema: None,
        })
    }

    /// The `n`-th patch statement from now (1-based) fails, once.
    pub fn fail_at(&self, n: usize) {
        let mut s = self.state();
        s.script.fail_at = Some(s.reached + n);
    }

    /// Every patch statement containing `text` fails, until [`FakeDb::heal`].
    pub fn fail_when(&self, text: &str) {
        self.state().script.fail_when = Some(text.to_string());
    }

    pub fn heal(&self) {
        self.state().script = Script::default();
    }

    /// The process dies at the `n`-th patch statement from now (1-based), before running it:
    /// every connection stops answering, uncommitted work is lost, committed work stays.
    pub fn kill_at(&self, n: usize) {
        let mut s = self.state();
        s.script.kill_at = Some(s.reached + n);
    }

    /// The database answers again after a kill, with what was committed.
    pub fn restart(&self) {
        let mut s = self.state();
        s.dead = false;
        s.script = Script::default();
    }

    /// Every statement received, in order, `BEGIN`/`COMMIT`/`ROLLBACK` included.
    pub fn log(&self) -> Vec<String> {
        self.state().log.clone()
    }

    /// The patch statements whose effect is committed, in order.
    pub fn effects(&self) -> Vec<String> {
        self.state().committed.effects.clone()
    }

    /// `(patch_path, status, statements_done)` of every committed history row, sorted.
    pub fn history(&self) -> Vec<(String, String, i64)> {
        let s = self.state();
        let col = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap_or(0);
        let (status, done) = (col("status"), col("statements_done"));
        let mut rows: Vec<_> = s
            .committed
            .history
            .values()
            .flat_map(|t| t.iter())
            .map(|(path, cells)| {
                let done = cells[done].as_deref().and_then(|d| d.parse().ok());
                (
                    path.clone(),
                    cells[status].clone().unwrap_or_default(),
                    done.unwrap_or(-1),
                )
            })
            .collect();
        rows.sort();
        rows
    }

    /// Whether a history table exists in the default schema, committed.
    pub fn has_history(&self) -> bool {
        !self.state().committed.history.is_empty()
    }
}

/// A session on a [`FakeDb`].
pub struct FakeConn {
    db: FakeDb,
    id: u64,
    life: u64,
    /// The open transaction's view: what is committed plus this session's changes.
    tx: Option<Data>,
    schema: Option<String>,
}

impl FakeConn {
    fn run(&mut self, sql: &str) -> Result<Rows, DbError> {
        let db = self.db.clone();
        let mut s = db.state();
        if s.dead || s.life != self.life {
            return Err(DbError::new("fake: server closed the connection"));
        }
        s.log.push(sql.to_string());
        let first = sql
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match first.as_str() {
            "BEGIN" | "START" => {
                if self.tx.is_none() {
                    self.tx = Some(s.committed.clone());
                }
                return Ok(vec![]);
            }
            "COMMIT" => {
                if let Some(data) = self.tx.take() {
                    s.committed = data;
                }
                return Ok(vec![]);
            }
            "ROLLBACK" => {
                self.tx = None;
                return Ok(vec![]);
            }
            _ => {}
        }
        let tokens = tokens(sql);
        if let Some(table) = history_table(&tokens) {
            let key = match table {
                Some(schema) => schema,
                None => self.schema.clone().unwrap_or_default(),
            };
            let data = self.tx.as_mut().unwrap_or(&mut s.committed);
            return history_statement(data, &key, &tokens, sql);
        }
        if first == "SELECT" {
            // A read of the patches' own tables (`db_info`): the fake keeps no rows there.
            return Ok(vec![]);
        }
        self.patch_statement(&mut s, sql)
    }

    fn patch_statement(&mut self, s: &mut State, sql: &str) -> Result<Rows, DbError> {
        s.reached += 1;
        let n = s.reached;
        if s.script.kill_at == Some(n) {
            s.dead = true;
            s.life += 1;
            s.lock_holder = None;
            self.tx = None;
            return Err(DbError::new(format!("fake: killed at statement {n}")));
        }
        let failing = s.script.fail_at == Some(n)
            || s.script
                .fail_when
                .as_deref()
                .is_some_and(|t| sql.contains(t));
        if failing {
            return Err(DbError::new(format!("fake: statement {n} fails")));
        }
        let row_change = s.dialect.is_row_change(sql);
        let Some(mut tx) = self.tx.take() else {
            s.committed.effects.push(sql.to_string());
            return Ok(vec![]);
        };
        tx.effects.push(sql.to_string());
        if !row_change && !s.switches.transactional_ddl {
            // DDL commits what the transaction holds, and itself; what follows is on its own.
            s.committed = tx;
            return Ok(vec![]);
        }
        if row_change && !s.switches.rolls_back_rows {
            s.committed.effects.push(sql.to_string());
        }
        self.tx = Some(tx);
        Ok(vec![])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Ident(String),
    Text(String),
    Punct(char),
}

fn tokens(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c && chars.get(i + 1) == Some(&c) {
                    text.push(c);
                    i += 2;
                } else if chars[i] == c {
                    i += 1;
                    break;
                } else {
                    text.push(chars[i]);
                    i += 1;
                }
            }
            out.push(if c == '\'' {
                Tok::Text(text)
            } else {
                Tok::Ident(text)
            });
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

fn is_word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
}

/// The schema of the history table a statement is about (`Some(None)`: the current one), or
/// None when it is not about it.
fn history_table(tokens: &[Tok]) -> Option<Option<String>> {
    if tokens.iter().any(|t| *t == Tok::Word("fake_tables".into())) {
        let name = tokens.iter().rev().find_map(|t| match t {
            Tok::Text(s) => Some(s.clone()),
            _ => None,
        })?;
        let quoted: Vec<Tok> = self::tokens(&name);
        return Some(
            table_schema(&quoted, 0)
                .map(|(schema, _)| schema)
                .unwrap_or(None),
        );
    }
    let at = tokens
        .iter()
        .position(|t| {
            is_word(Some(t), "FROM") || is_word(Some(t), "INTO") || is_word(Some(t), "TABLE")
        })
        .or_else(|| is_word(tokens.first(), "UPDATE").then_some(0))?;
    let (schema, _) = table_schema(tokens, at + 1)?;
    Some(schema)
}

/// `"schema"."govup_history"` or `"govup_history"` at `at`: its schema and the index after it.
fn table_schema(tokens: &[Tok], at: usize) -> Option<(Option<String>, usize)> {
    let name = |t: Option<&Tok>| match t {
        Some(Tok::Ident(s)) | Some(Tok::Word(s)) => Some(s.clone()),
        _ => None,
    };
    let first = name(tokens.get(at))?;
    if tokens.get(at + 1) == Some(&Tok::Punct('.')) {
        let second = name(tokens.get(at + 2))?;
        return (second == TABLE).then_some((Some(first), at + 3));
    }
    (first == TABLE).then_some((None, at + 1))
}

fn value(t: Option<&Tok>) -> Result<Option<String>, DbError> {
    match t {
        Some(Tok::Text(s)) => Ok(Some(s.clone())),
        Some(Tok::Word(w)) if w.eq_ignore_ascii_case("NULL") => Ok(None),
        Some(Tok::Word(w)) => Ok(Some(w.clone())),
        other => Err(DbError::new(format!(
            "fake: expected a value, found {other:?}"
        ))),
    }
}

fn column(t: Option<&Tok>) -> Result<usize, DbError> {
    match t {
        Some(Tok::Word(w)) | Some(Tok::Ident(w)) => COLUMNS
            .iter()
            .position(|c| c.eq_ignore_ascii_case(w))
            .ok_or_else(|| DbError::new(format!("fake: no column {w} in {TABLE}"))),
        other => Err(DbError::new(format!(
            "fake: expected a column, found {other:?}"
        ))),
    }
}

/// `col = value [AND col = value]...` from `at` to the end: (column index, value) pairs.
fn conditions(tokens: &[Tok], mut at: usize) -> Result<Vec<(usize, Option<String>)>, DbError> {
    let mut out = Vec::new();
    while at < tokens.len() {
        let joiner = tokens.get(at) == Some(&Tok::Punct(','));
        if joiner || is_word(tokens.get(at), "AND") || is_word(tokens.get(at), "WHERE") {
            at += 1;
            continue;
        }
        let col = column(tokens.get(at))?;
        if tokens.get(at + 1) != Some(&Tok::Punct('=')) {
            return Err(DbError::new(
                "fake: only col = value conditions are understood",
            ));
        }
        out.push((col, value(tokens.get(at + 2))?));
        at += 3;
    }
    Ok(out)
}

fn history_statement(
    data: &mut Data,
    key: &str,
    tokens: &[Tok],
    sql: &str,
) -> Result<Rows, DbError> {
    let missing = || DbError::new(format!("fake: no table {TABLE} in schema {key:?}"));
    let matches = |cells: &Vec<Option<String>>, conds: &[(usize, Option<String>)]| {
        conds.iter().all(|(c, v)| cells[*c] == *v)
    };
    let verb = match tokens.first() {
        Some(Tok::Word(w)) => w.to_ascii_uppercase(),
        _ => String::new(),
    };
    if tokens.iter().any(|t| *t == Tok::Word("fake_tables".into())) {
        let columns = tokens.iter().any(|t| *t == Tok::Word("columns_of".into()));
        return Ok(match (data.history.contains_key(key), columns) {
            (false, _) => vec![],
            (true, false) => vec![vec![Some("1".into())]],
            (true, true) => COLUMNS.iter().map(|c| vec![Some(c.to_string())]).collect(),
        });
    }
    let find = |word: &str| tokens.iter().position(|t| is_word(Some(t), word));
    match verb.as_str() {
        "CREATE" => {
            if data
                .history
                .insert(key.to_string(), BTreeMap::new())
                .is_some()
            {
                return Err(DbError::new(format!("fake: {TABLE} exists already")));
            }
            Ok(vec![])
        }
        "SELECT" => {
            let from = find("FROM").ok_or_else(missing)?;
            let (_, after) = table_schema(tokens, from + 1).ok_or_else(missing)?;
            let conds = conditions(tokens, after)?;
            let table = data.history.get(key).ok_or_else(missing)?;
            let wanted: Vec<Option<usize>> = tokens[1..from]
                .iter()
                .filter(|t| **t != Tok::Punct(','))
                .map(|t| column(Some(t)).ok())
                .collect();
            Ok(table
                .values()
                .filter(|cells| matches(cells, &conds))
                .map(|cells| {
                    wanted
                        .iter()
                        .map(|w| w.map_or(Some("1".into()), |i| cells[i].clone()))
                        .collect()
                })
                .collect())
        }
        "INSERT" => {
            let into = find("INTO").ok_or_else(missing)?;
            let (_, mut at) = table_schema(tokens, into + 1).ok_or_else(missing)?;
            let mut cols = Vec::new();
            at += 1; // (
            while tokens.get(at) != Some(&Tok::Punct(')')) {
                if tokens.get(at) != Some(&Tok::Punct(',')) {
                    cols.push(column(tokens.get(at))?);
                }
                at += 1;
            }
            at += 2; // ) VALUES
            let table = data.history.get_mut(key).ok_or_else(missing)?;
            let path = column(Some(&Tok::Word("patch_path".into())))?;
            while at < tokens.len() {
                if tokens.get(at) == Some(&Tok::Punct(',')) {
                    at += 1;
                    continue;
                }
                at += 1; // (
                let mut cells = vec![None; COLUMNS.len()];
                for &c in &cols {
                    cells[c] = value(tokens.get(at))?;
                    at += if tokens.get(at + 1) == Some(&Tok::Punct(',')) {
                        2
                    } else {
                        1
                    };
                }
                at += 1; // )
                let key = cells[path].clone().unwrap_or_default();
                if table.insert(key.clone(), cells).is_some() {
                    return Err(DbError::new(format!("fake: duplicate patch_path {key}")));
                }
            }
            Ok(vec![])
        }
        "UPDATE" => {
            let (_, at) = table_schema(tokens, 1).ok_or_else(missing)?;
            let wh = find("WHERE").ok_or_else(|| DbError::new(format!("fake: {sql}: no WHERE")))?;
            let sets = conditions(&tokens[..wh], at + 1)?;
            let conds = conditions(tokens, wh)?;
            let table = data.history.get_mut(key).ok_or_else(missing)?;
            for cells in table.values_mut().filter(|c| matches(c, &conds)) {
                for (c, v) in &sets {
                    cells[*c] = v.clone();
                }
            }
            Ok(vec![])
        }
        "DELETE" => {
            let from = find("FROM").ok_or_else(missing)?;
            let (_, at) = table_schema(tokens, from + 1).ok_or_else(missing)?;
            let conds = conditions(tokens, at)?;
            let table = data.history.get_mut(key).ok_or_else(missing)?;
            table.retain(|_, cells| !matches(cells, &conds));
            Ok(vec![])
        }
        _ => Err(DbError::new(format!("fake: cannot read {sql}"))),
    }
}

impl Driver for FakeConn {
    fn dialect(&self) -> &'static dyn Dialect {
        self.db.state().dialect
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.run(sql).map(drop)
    }

    fn query(&mut self, sql: &str) -> Result<Rows, DbError> {
        self.run(sql)
    }

    /// Cannot wait: [`Wait::Block`] on a held lock fails.
    fn lock(&mut self, wait: Wait) -> Result<bool, DbError> {
        let mut s = self.db.state();
        if s.dead || s.life != self.life {
            return Err(DbError::new("fake: server closed the connection"));
        }
        match s.lock_holder {
            Some(id) if id != self.id => match wait {
                Wait::No => Ok(false),
                Wait::Block => Err(DbError::new("fake: another session holds the lock")),
            },
            _ => {
                s.lock_holder = Some(self.id);
                Ok(true)
            }
        }
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        let mut s = self.db.state();
        if s.lock_holder == Some(self.id) {
            s.lock_holder = None;
        }
        Ok(())
    }

    fn use_schema(&mut self, schema: Option<&str>) -> Result<(), DbError> {
        self.schema = schema.map(str::to_string);
        Ok(())
    }

    fn describe(&self) -> String {
        "fake:db".into()
    }

    fn inspect(&mut self) -> Option<&mut dyn Inspect> {
        Some(self)
    }

    fn batching(&mut self) -> Option<&mut dyn Batching> {
        if self.db.state().switches.batching {
            Some(self)
        } else {
            None
        }
    }

    fn maintenance(&mut self) -> Option<&mut dyn Maintenance> {
        if self.db.state().switches.maintenance {
            Some(self)
        } else {
            None
        }
    }
}

impl Inspect for FakeConn {
    fn lock_scope(&mut self) -> Result<Option<String>, DbError> {
        Ok(None)
    }

    fn read_only_reason(&mut self) -> Result<Option<String>, DbError> {
        Ok(None)
    }

    fn rolls_back_rows(&mut self, _schema: Option<&str>) -> Result<bool, DbError> {
        Ok(self.db.state().switches.rolls_back_rows)
    }
}

/// History rows in one multi-row INSERT; statements still one at a time.
impl Batching for FakeConn {
    fn copy_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Option<String>>],
    ) -> Result<bool, DbError> {
        let d = self.dialect();
        let values: Vec<String> = rows
            .iter()
            .map(|r| {
                let cells: Vec<String> = r
                    .iter()
                    .map(|c| c.as_deref().map_or("NULL".into(), |v| d.quote_literal(v)))
                    .collect();
                format!("({})", cells.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            values.join(", ")
        );
        self.execute(&sql).map(|()| true)
    }

    fn execute_many(&mut self, statements: &[&str]) -> Result<(), (usize, DbError)> {
        execute_each(self, statements)
    }

    fn execute_in_transaction(&mut self, statements: &[&str]) -> Result<(), DbError> {
        execute_in_transaction(self, statements)
    }
}

/// Backups are snapshots of what is committed, kept in the fake; the file only names one.
impl Maintenance for FakeConn {
    fn catalog(&mut self, _schema: Option<&str>) -> Result<Catalog, DbError> {
        Ok(Catalog::default())
    }

    fn backup(
        &mut self,
        _schema: Option<&str>,
        dir: &Path,
        stem: &str,
    ) -> Result<PathBuf, DbError> {
        let mut s = self.db.state();
        let snapshot = s.committed.clone();
        s.backups.push(snapshot);
        let file = dir.join(format!("{stem}.fake"));
        std::fs::write(&file, (s.backups.len() - 1).to_string())
            .map_err(|e| DbError::new(format!("fake: {}: {e}", file.display())))?;
        Ok(file)
    }

    fn restore(&mut self, _schema: Option<&str>, file: &Path) -> Result<(), DbError> {
        let n: usize = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .ok_or_else(|| DbError::new(format!("fake: {} is no backup", file.display())))?;
        let mut s = self.db.state();
        let snapshot = s
            .backups
            .get(n)
            .cloned()
            .ok_or_else(|| DbError::new("fake: no such backup"))?;
        s.committed = snapshot;
        self.tx = None;
        Ok(())
    }

    fn create_scratch(&mut self, _copy: bool) -> Result<String, DbError> {
        Err(DbError::new("fake: no scratch databases"))
    }

    fn drop_scratch(&mut self, _url: &str) -> Result<(), DbError> {
        Err(DbError::new("fake: no scratch databases"))
    }

    fn idle_scratch(&mut self) -> Result<Vec<IdleScratch>, DbError> {
        Ok(vec![])
    }
}
