//! What one statement does to the tables it touches, from the dialect's documented rules alone:
//! its kind, the lock it takes and what that lock blocks, and whether the table is rewritten or
//! scanned. `govup lint` turns this into warnings; `govup plan --impact` adds the live catalog's
//! sizes to turn it into time.
//!
//! It reads the words of one statement that a splitter produced; it is not a parser. What it
//! does not recognise is [`Kind::Other`] with the dialect's general DDL lock, never an error.
//! Where the answer depends on something the text does not say (the column's type before a type
//! change), it assumes the common case and says so in [`Impact::note`].

/// The dialect and, where the rules changed between releases, the server version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// The major version (11 and later add a column with a non-volatile default without a
    /// rewrite).
    Postgres {
        major: u32,
    },
    MySql {
        major: u32,
        minor: u32,
        patch: u32,
    },
    MariaDb {
        major: u32,
        minor: u32,
        patch: u32,
    },
    Oracle,
    Sqlite,
}

impl Flavor {
    /// What `govup lint` assumes: releases still supported when this was written.
    pub const LINT_POSTGRES: Flavor = Flavor::Postgres { major: 13 };
    pub const LINT_MYSQL: Flavor = Flavor::MariaDb {
        major: 10,
        minor: 6,
        patch: 0,
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    CreateTable,
    AddColumn,
    AlterColumnType,
    CreateIndex,
    AddConstraint,
    RowChange,
    Drop,
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::CreateTable => "create table",
            Kind::AddColumn => "add column",
            Kind::AlterColumnType => "alter column type",
            Kind::CreateIndex => "create index",
            Kind::AddConstraint => "add constraint",
            Kind::RowChange => "row change",
            Kind::Drop => "drop",
            Kind::Other => "other",
        }
    }
}

/// What other sessions cannot do to the table while the statement runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Blocks {
    None,
    Writes,
    ReadsWrites,
}

impl Blocks {
    pub fn name(self) -> &'static str {
        match self {
            Blocks::None => "none",
            Blocks::Writes => "writes",
            Blocks::ReadsWrites => "reads+writes",
        }
    }
}

/// How much of the table the statement reads or writes, which is what its time grows with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rewrite {
    /// Catalog only (or a few rows).
    None,
    /// Reads every row (an index build, a constraint check, `SET NOT NULL`).
    Scan,
    /// Writes every row again (a new copy of the table).
    Rewrite,
}

impl Rewrite {
    pub fn name(self) -> &'static str {
        match self {
            Rewrite::None => "no",
            Rewrite::Scan => "scan",
            Rewrite::Rewrite => "rewrite",
        }
    }
}

/// The classification of one statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impact {
    pub kind: Kind,
    /// The tables it touches, as written (unquoted, without schema), the changed one first.
    pub tables: Vec<String>,
    /// PostgreSQL's lock mode, MySQL's `ALGORITHM, LOCK`, Oracle's DML lock.
    pub lock: String,
    pub blocks: Blocks,
    pub rewrite: Rewrite,
    /// An index is built without `CONCURRENTLY` where the dialect has it (PostgreSQL).
    pub index_not_concurrent: bool,
    /// `NOT NULL` is added to a column without a default: it fails on any row that has none.
    pub not_null_without_default: bool,
    /// The columns whose type the statement sets: `(table, column, type)`, type upper-case
    /// without spaces (`VARCHAR(255)`), for tracking narrowing across a tree.
    pub column_types: Vec<(String, String, String)>,
    /// Only for column type changes: the new types, same shape as `column_types`.
    pub type_changes: Vec<(String, String, String)>,
    /// What was assumed where the text does not say.
    pub note: Option<String>,
}

impl Impact {
    fn new(kind: Kind, tables: Vec<String>, lock: &str, blocks: Blocks, rewrite: Rewrite) -> Self {
        Impact {
            kind,
            tables,
            lock: lock.to_string(),
            blocks,
            rewrite,
            index_not_concurrent: false,
            not_null_without_default: false,
            column_types: vec![],
            type_changes: vec![],
            note: None,
        }
    }
}

/// One word, identifier, string or punctuation character. Words are upper-cased; quoted
/// identifiers keep their case and lose their quotes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// Upper-cased, then as written.
    Word(String, String),
    Ident(String),
    Str,
    Num(String),
    P(char),
}

impl Tok {
    fn is(&self, w: &str) -> bool {
        matches!(self, Tok::Word(x, _) if x == w)
    }
    fn name(&self) -> Option<String> {
        match self {
            Tok::Word(..) | Tok::Ident(_) => Some(self.raw()),
            _ => None,
        }
    }
    fn raw(&self) -> String {
        match self {
            Tok::Word(_, w) | Tok::Ident(w) | Tok::Num(w) => w.clone(),
            Tok::Str => "'…'".into(),
            Tok::P(c) => c.to_string(),
        }
    }
}

/// Words of a statement that already split: comments dropped, strings opaque. Unterminated
/// quotes end the text rather than fail.
fn tokens(text: &str) -> Vec<Tok> {
    let b: Vec<char> = text.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && b.get(i + 1) == Some(&'-') || c == '#' {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && b.get(i + 1) == Some(&'*') {
            i += 2;
            while i < b.len() && !(b[i] == '*' && b.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            i += 1;
            while i < b.len() {
                if b[i] == '\\' {
                    i += 2;
                    continue;
                }
                if b[i] == '\'' {
                    if b.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Str);
        } else if c == '"' || c == '`' || c == '[' {
            let close = if c == '[' { ']' } else { c };
            let start = i + 1;
            i = start;
            while i < b.len() && b[i] != close {
                i += 1;
            }
            out.push(Tok::Ident(b[start..i.min(b.len())].iter().collect()));
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_' || b[i] == '$') {
                i += 1;
            }
            let w: String = b[start..i].iter().collect();
            if c.is_ascii_digit() {
                out.push(Tok::Num(w));
            } else {
                out.push(Tok::Word(w.to_ascii_uppercase(), w));
            }
        } else {
            out.push(Tok::P(c));
            i += 1;
        }
    }
    out
}

/// A cursor over the tokens.
struct Cur<'a> {
    t: &'a [Tok],
    i: usize,
}

impl<'a> Cur<'a> {
    fn peek(&self) -> Option<&'a Tok> {
        self.t.get(self.i)
    }
    fn eat(&mut self, w: &str) -> bool {
        if self.peek().is_some_and(|t| t.is(w)) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_all(&mut self, ws: &[&str]) -> bool {
        let save = self.i;
        for w in ws {
            if !self.eat(w) {
                self.i = save;
                return false;
            }
        }
        true
    }
    /// A possibly qualified name; the last part.
    fn object(&mut self) -> Option<String> {
        let mut name = self.peek()?.name()?;
        self.i += 1;
        while self.peek() == Some(&Tok::P('.')) {
            self.i += 1;
            name = self.peek()?.name()?;
            self.i += 1;
        }
        Some(name)
    }
}

/// Splits tokens at top-level commas (outside parentheses).
fn top_level_commas(t: &[Tok]) -> Vec<&[Tok]> {
    let mut out = vec![];
    let mut depth = 0i32;
    let mut start = 0;
    for (i, tok) in t.iter().enumerate() {
        match tok {
            Tok::P('(') => depth += 1,
            Tok::P(')') => depth -= 1,
            Tok::P(',') if depth == 0 => {
                out.push(&t[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&t[start..]);
    out
}

fn has_word(t: &[Tok], w: &str) -> bool {
    t.iter().any(|x| x.is(w))
}

fn has_seq(t: &[Tok], ws: &[&str]) -> bool {
    t.windows(ws.len())
        .any(|win| win.iter().zip(ws).all(|(a, b)| a.is(b)))
}

/// The type at the start of `t`: its words and any parenthesised size, upper-case, words
/// separated by one space (`VARCHAR(255)`, `CHARACTER VARYING(10)`).
fn type_text(t: &[Tok]) -> String {
    const STOP: [&str; 16] = [
        "NOT",
        "NULL",
        "DEFAULT",
        "PRIMARY",
        "UNIQUE",
        "REFERENCES",
        "CHECK",
        "CONSTRAINT",
        "USING",
        "COLLATE",
        "GENERATED",
        "AUTO_INCREMENT",
        "COMMENT",
        "FIRST",
        "AFTER",
        "CHARSET",
    ];
    let mut out = String::new();
    let mut depth = 0;
    for (i, tok) in t.iter().enumerate() {
        // MySQL's `CHARACTER SET x` ends the type; PostgreSQL's `CHARACTER VARYING` is one.
        if tok.is("CHARACTER") && t.get(i + 1).is_some_and(|n| n.is("SET")) {
            break;
        }
        match tok {
            Tok::Word(w, _) if depth == 0 && STOP.contains(&w.as_str()) => break,
            Tok::P('(') => depth += 1,
            Tok::P(')') => depth -= 1,
            Tok::P(',') if depth == 0 => break,
            _ => {}
        }
        let piece = tok.raw().to_ascii_uppercase();
        if !out.is_empty() && matches!(tok, Tok::Word(..)) && !out.ends_with('(') {
            out.push(' ');
        }
        out.push_str(&piece);
    }
    out
}

/// Whether `ty` is a text type whose storage does not depend on its length limit, so that a
/// change to it from a text type of no greater limit leaves rows as they are.
fn is_text_type(ty: &str) -> bool {
    let base = ty.split('(').next().unwrap_or("").trim();
    matches!(
        base,
        "VARCHAR" | "TEXT" | "CHARACTER VARYING" | "VARCHAR2" | "NVARCHAR2" | "CLOB"
    )
}

/// The default expression calls a function PostgreSQL evaluates per row.
fn volatile_default(t: &[Tok]) -> bool {
    const VOLATILE: [&str; 8] = [
        "RANDOM",
        "NEXTVAL",
        "CLOCK_TIMESTAMP",
        "GEN_RANDOM_UUID",
        "UUID_GENERATE_V4",
        "UUID_GENERATE_V1",
        "TIMEOFDAY",
        "SETSEED",
    ];
    let Some(at) = t.iter().position(|x| x.is("DEFAULT")) else {
        return false;
    };
    t[at..]
        .iter()
        .any(|x| matches!(x, Tok::Word(w, _) if VOLATILE.contains(&w.as_str())))
}

/// Classifies one statement for `flavor`.
pub fn classify(flavor: Flavor, text: &str) -> Impact {
    let toks = tokens(text);
    match flavor {
        Flavor::Postgres { major } => postgres(major, &toks),
        Flavor::MySql { .. } | Flavor::MariaDb { .. } => mysql(flavor, &toks),
        Flavor::Oracle => oracle(&toks),
        Flavor::Sqlite => sqlite(&toks),
    }
}

/// What every dialect says the same way: the statement's shape and its tables.
struct Shape {
    kind: Kind,
    table: Option<String>,
    /// Where the body starts: ALTER TABLE's actions, CREATE TABLE's columns.
    start: usize,
}

fn create_table(c: &mut Cur<'_>) -> Option<String> {
    c.eat_all(&["IF", "NOT", "EXISTS"]);
    c.object()
}

/// The tables a DML statement names after INTO/UPDATE/FROM/JOIN/USING, target first.
fn dml_tables(t: &[Tok]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for (i, tok) in t.iter().enumerate() {
        if ["INTO", "UPDATE", "FROM", "JOIN", "USING"]
            .iter()
            .any(|w| tok.is(w))
        {
            let mut c = Cur { t, i: i + 1 };
            c.eat("ONLY");
            if let Some(name) = c.object() {
                if !out.contains(&name) && !name.eq_ignore_ascii_case("SELECT") {
                    out.push(name);
                }
            }
        }
    }
    out
}

fn row_change(t: &[Tok], lock: &str) -> Impact {
    let tables = dml_tables(t);
    let first = t.first();
    let rewrite = if first.is_some_and(|f| f.is("INSERT")) {
        if has_word(t, "SELECT") {
            Rewrite::Scan
        } else {
            Rewrite::None
        }
    } else if has_word(t, "WHERE") {
        Rewrite::Scan
    } else {
        Rewrite::Rewrite
    };
    Impact::new(Kind::RowChange, tables, lock, Blocks::None, rewrite)
}

/// A new table blocks no one; filled from a query (`CREATE TABLE ... AS SELECT`), it scans.
fn new_table(sh: &Shape, from_query: bool) -> Impact {
    let rewrite = if from_query {
        Rewrite::Scan
    } else {
        Rewrite::None
    };
    let tables = sh.table.clone().into_iter().collect();
    Impact::new(Kind::CreateTable, tables, "none", Blocks::None, rewrite)
}

/// `CREATE [UNIQUE|BITMAP|FULLTEXT|SPATIAL] INDEX [CONCURRENTLY|ONLINE..] [IF NOT EXISTS] name
/// ON [ONLY] table`: the table and whether CONCURRENTLY was there.
fn create_index(t: &[Tok]) -> Option<(String, bool)> {
    let on = t.iter().position(|x| x.is("ON"))?;
    let concurrently = t[..on].iter().any(|x| x.is("CONCURRENTLY"));
    let mut c = Cur { t, i: on + 1 };
    c.eat("ONLY");
    Some((c.object()?, concurrently))
}

fn shape(t: &[Tok]) -> Shape {
    let mut c = Cur { t, i: 0 };
    let kind_of = |k| Shape {
        kind: k,
        table: None,
        start: 0,
    };
    let Some(first) = c.peek() else {
        return kind_of(Kind::Other);
    };
    if ["INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE"]
        .iter()
        .any(|w| first.is(w))
    {
        return kind_of(Kind::RowChange);
    }
    if c.eat("CREATE") {
        c.eat_all(&["OR", "REPLACE"]);
        for w in ["GLOBAL", "LOCAL", "TEMPORARY", "TEMP", "UNLOGGED"] {
            c.eat(w);
        }
        if c.eat("TABLE") {
            return Shape {
                kind: Kind::CreateTable,
                table: create_table(&mut c),
                start: c.i,
            };
        }
        if has_word(&t[..t.len().min(6)], "INDEX") {
            return kind_of(Kind::CreateIndex);
        }
        return kind_of(Kind::Other);
    }
    if c.eat("DROP") || c.eat("TRUNCATE") {
        return kind_of(Kind::Drop);
    }
    if c.eat("ALTER") && c.eat("TABLE") {
        c.eat_all(&["IF", "EXISTS"]);
        c.eat("ONLY");
        let table = c.object();
        return Shape {
            kind: Kind::Other,
            table,
            start: c.i,
        };
    }
    kind_of(Kind::Other)
}

/// An ALTER TABLE action and what it does, dialect-independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    AddColumn,
    Type,
    SetNotNull,
    AddPrimaryOrUnique,
    AddIndex,
    AddForeignKey,
    AddCheck,
    DropColumn,
    DropOther,
    Default,
    Rename,
    ValidateConstraint,
    Engine,
    Other,
}

/// Classifies one ALTER TABLE action (`a`), for the dialect's spelling of each.
fn action(a: &[Tok]) -> Action {
    let Some(first) = a.first() else {
        return Action::Other;
    };
    let second = a.get(1);
    let not_valid = has_seq(a, &["NOT", "VALID"]) || has_word(a, "NOVALIDATE");
    if first.is("ADD") {
        let rest = &a[1..];
        let head = rest.first();
        let constraint = has_word(&rest[..rest.len().min(4)], "CONSTRAINT")
            || head.is_some_and(|h| {
                ["PRIMARY", "UNIQUE", "FOREIGN", "CHECK"]
                    .iter()
                    .any(|w| h.is(w))
            });
        if constraint || head.is_some_and(|h| h.is("INDEX") || h.is("KEY")) {
            if has_word(rest, "PRIMARY") || has_word(rest, "UNIQUE") {
                return if has_seq(rest, &["USING", "INDEX"]) && !has_word(rest, "(") {
                    Action::Other
                } else {
                    Action::AddPrimaryOrUnique
                };
            }
            if has_word(rest, "FOREIGN") || has_word(rest, "REFERENCES") {
                return if not_valid {
                    Action::Other
                } else {
                    Action::AddForeignKey
                };
            }
            if has_word(rest, "CHECK") {
                return if not_valid {
                    Action::Other
                } else {
                    Action::AddCheck
                };
            }
            if head.is_some_and(|h| h.is("INDEX") || h.is("KEY")) {
                return Action::AddIndex;
            }
            return Action::Other;
        }
        if head.is_some_and(|h| ["FULLTEXT", "SPATIAL"].iter().any(|w| h.is(w))) {
            return Action::AddIndex;
        }
        return Action::AddColumn;
    }
    if first.is("ALTER") || first.is("MODIFY") || first.is("CHANGE") {
        // ALTER [COLUMN] c TYPE t | SET NOT NULL | SET DEFAULT | DROP DEFAULT | DROP NOT NULL
        // MySQL's MODIFY/CHANGE and Oracle's MODIFY restate the column (Oracle's
        // `MODIFY (c NOT NULL)` has no type, which its classifier tells apart).
        if has_word(a, "TYPE") || first.is("MODIFY") || first.is("CHANGE") {
            return Action::Type;
        }
        if has_seq(a, &["SET", "NOT", "NULL"]) {
            return Action::SetNotNull;
        }
        if has_word(a, "DEFAULT") {
            return Action::Default;
        }
        return Action::Other;
    }
    if first.is("DROP") {
        if second.is_some_and(|s| s.is("COLUMN"))
            || second.is_some_and(|s| {
                ![
                    "CONSTRAINT",
                    "INDEX",
                    "KEY",
                    "PRIMARY",
                    "FOREIGN",
                    "CHECK",
                    "UNIQUE",
                ]
                .iter()
                .any(|w| s.is(w))
            })
        {
            return Action::DropColumn;
        }
        return Action::DropOther;
    }
    if first.is("RENAME") {
        return Action::Rename;
    }
    if first.is("VALIDATE") {
        return Action::ValidateConstraint;
    }
    if first.is("ENGINE")
        || first.is("CONVERT")
        || first.is("FORCE")
        || has_seq(a, &["SET", "TABLESPACE"])
        || has_seq(a, &["SET", "LOGGED"])
        || has_seq(a, &["SET", "UNLOGGED"])
        || first.is("MOVE")
    {
        return Action::Engine;
    }
    Action::Other
}

/// The column named by an ADD/ALTER/MODIFY action and the tokens after it.
fn column_of(a: &[Tok]) -> Option<(String, &[Tok])> {
    let mut i = 1;
    while a.get(i).is_some_and(|t| {
        ["COLUMN", "IF", "NOT", "EXISTS"].iter().any(|w| t.is(w)) || *t == Tok::P('(')
    }) {
        i += 1;
    }
    let name = a.get(i)?.name()?;
    let mut j = i + 1;
    // MySQL's CHANGE old new type.
    if a.first().is_some_and(|f| f.is("CHANGE")) {
        j += 1;
    }
    Some((name, a.get(j..).unwrap_or(&[])))
}

/// The column definitions of a CREATE TABLE body: `(column, type)`.
fn table_columns(t: &[Tok]) -> Vec<(String, String)> {
    let Some(open) = t.iter().position(|x| *x == Tok::P('(')) else {
        return vec![];
    };
    let body = &t[open + 1..];
    let end = {
        let mut depth = 0;
        let mut end = body.len();
        for (i, tok) in body.iter().enumerate() {
            match tok {
                Tok::P('(') => depth += 1,
                Tok::P(')') if depth == 0 => {
                    end = i;
                    break;
                }
                Tok::P(')') => depth -= 1,
                _ => {}
            }
        }
        end
    };
    top_level_commas(&body[..end])
        .into_iter()
        .filter_map(|def| {
            let first = def.first()?;
            if [
                "CONSTRAINT",
                "PRIMARY",
                "UNIQUE",
                "FOREIGN",
                "CHECK",
                "KEY",
                "INDEX",
            ]
            .iter()
            .any(|w| first.is(w))
            {
                return None;
            }
            Some((first.name()?, type_text(&def[1..])))
        })
        .collect()
}

/// Fills the facts every dialect shares: tables, column types, NOT NULL without default.
fn common(t: &[Tok], sh: &Shape, impact: &mut Impact) {
    let Some(table) = &sh.table else {
        return;
    };
    if sh.kind == Kind::CreateTable {
        for (col, ty) in table_columns(&t[sh.start..]) {
            impact.column_types.push((table.clone(), col, ty));
        }
        return;
    }
    for a in &actions(t, sh) {
        let a = a.as_slice();
        let act = action(a);
        if !matches!(act, Action::AddColumn | Action::Type | Action::SetNotNull) {
            continue;
        }
        let Some((col, rest)) = column_of(a) else {
            continue;
        };
        let defaulted = has_word(rest, "DEFAULT");
        let not_null = has_seq(rest, &["NOT", "NULL"]) || act == Action::SetNotNull;
        if not_null && !defaulted {
            impact.not_null_without_default = true;
        }
        if act == Action::SetNotNull {
            continue;
        }
        let rest = if rest.first().is_some_and(|x| x.is("SET")) {
            &rest[1..]
        } else {
            rest
        };
        let rest = if rest.first().is_some_and(|x| x.is("DATA")) {
            &rest[1..]
        } else {
            rest
        };
        let rest = if rest.first().is_some_and(|x| x.is("TYPE")) {
            &rest[1..]
        } else {
            rest
        };
        let ty = type_text(rest);
        if ty.is_empty() || ty == "NULL" {
            continue;
        }
        let entry = (table.clone(), col, ty);
        if act == Action::Type {
            impact.type_changes.push(entry.clone());
        }
        impact.column_types.push(entry);
    }
}

/// The ALTER TABLE actions, each its own tokens.
fn actions(t: &[Tok], sh: &Shape) -> Vec<Vec<Tok>> {
    let body = &t[sh.start.min(t.len())..];
    // Oracle's `ADD (a int, b int)` and `MODIFY (a ..., b ...)` hold several actions.
    let mut out = vec![];
    for a in top_level_commas(body) {
        if a.len() >= 2
            && (a[0].is("ADD") || a[0].is("MODIFY"))
            && a[1] == Tok::P('(')
            && !a.get(2).is_some_and(|x| {
                ["CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK"]
                    .iter()
                    .any(|w| x.is(w))
            })
        {
            let inner = &a[2..a.len().saturating_sub(1).max(2)];
            for part in top_level_commas(inner) {
                let mut v = vec![a[0].clone()];
                v.extend_from_slice(part);
                out.push(v);
            }
        } else if !a.is_empty() {
            out.push(a.to_vec());
        }
    }
    out
}

fn postgres(major: u32, t: &[Tok]) -> Impact {
    let sh = shape(t);
    let mut impact = match sh.kind {
        Kind::RowChange => row_change(t, "ROW EXCLUSIVE"),
        Kind::CreateTable => new_table(&sh, has_word(t, "AS") && has_word(t, "SELECT")),
        Kind::CreateIndex => match create_index(t) {
            Some((table, true)) => Impact::new(
                Kind::CreateIndex,
                vec![table],
                "SHARE UPDATE EXCLUSIVE",
                Blocks::None,
                Rewrite::Scan,
            ),
            Some((table, false)) => {
                let mut i = Impact::new(
                    Kind::CreateIndex,
                    vec![table],
                    "SHARE",
                    Blocks::Writes,
                    Rewrite::Scan,
                );
                i.index_not_concurrent = true;
                i
            }
            None => Impact::new(
                Kind::CreateIndex,
                vec![],
                "SHARE",
                Blocks::Writes,
                Rewrite::Scan,
            ),
        },
        Kind::Drop => {
            let mut c = Cur { t, i: 1 };
            let concurrently = has_word(t, "CONCURRENTLY");
            let is_table = c.eat("TABLE") || t[0].is("TRUNCATE");
            c.eat("INDEX");
            c.eat("CONCURRENTLY");
            c.eat_all(&["IF", "EXISTS"]);
            let name = c.object();
            let (lock, blocks) = if concurrently {
                ("SHARE UPDATE EXCLUSIVE", Blocks::None)
            } else {
                ("ACCESS EXCLUSIVE", Blocks::ReadsWrites)
            };
            let tables = if is_table {
                name.into_iter().collect()
            } else {
                vec![]
            };
            Impact::new(Kind::Drop, tables, lock, blocks, Rewrite::None)
        }
        Kind::Other if sh.table.is_some() => postgres_alter(major, t, &sh),
        _ => Impact::new(Kind::Other, vec![], "none", Blocks::None, Rewrite::None),
    };
    common(t, &sh, &mut impact);
    impact
}

/// The strongest of the actions' effects; the statement's kind is its most telling action's.
fn combine(
    out: &mut Impact,
    kind: Kind,
    lock_rank: u8,
    lock: &str,
    blocks: Blocks,
    rewrite: Rewrite,
    rank: &mut u8,
) {
    if out.kind == Kind::Other || kind_rank(kind) > kind_rank(out.kind) {
        out.kind = kind;
    }
    if lock_rank > *rank {
        *rank = lock_rank;
        out.lock = lock.to_string();
    }
    out.blocks = out.blocks.max(blocks);
    out.rewrite = out.rewrite.max(rewrite);
}

fn kind_rank(k: Kind) -> u8 {
    match k {
        Kind::Other => 0,
        Kind::Drop => 1,
        Kind::AddConstraint => 2,
        Kind::CreateIndex => 3,
        Kind::AddColumn => 4,
        Kind::AlterColumnType => 5,
        _ => 0,
    }
}

fn postgres_alter(major: u32, t: &[Tok], sh: &Shape) -> Impact {
    let table = sh.table.clone().unwrap_or_default();
    let mut out = Impact::new(
        Kind::Other,
        vec![table],
        "none",
        Blocks::None,
        Rewrite::None,
    );
    let mut rank = 0;
    const AE: &str = "ACCESS EXCLUSIVE";
    for a in &actions(t, sh) {
        let a = a.as_slice();
        let act = action(a);
        let (kind, lock_rank, lock, blocks, rewrite) = match act {
            Action::AddColumn => {
                let rest = column_of(a).map(|(_, r)| r).unwrap_or(&[]);
                let ty = type_text(rest);
                let serial = ty.contains("SERIAL");
                let defaulted = has_word(rest, "DEFAULT");
                let generated = has_word(rest, "GENERATED");
                let rewrite =
                    if serial || generated || volatile_default(rest) || (defaulted && major < 11) {
                        Rewrite::Rewrite
                    } else if has_word(rest, "CHECK") || has_word(rest, "REFERENCES") {
                        Rewrite::Scan
                    } else {
                        Rewrite::None
                    };
                (Kind::AddColumn, 8, AE, Blocks::ReadsWrites, rewrite)
            }
            Action::Type => {
                let rest = column_of(a).map(|(_, r)| r).unwrap_or(&[]);
                let ty = type_text(
                    rest.iter()
                        .position(|x| x.is("TYPE"))
                        .map(|p| &rest[p + 1..])
                        .unwrap_or(rest),
                );
                let rewrite = if is_text_type(&ty) && !has_word(rest, "USING") {
                    out.note = Some(format!(
                        "assumes the column was already a text type no longer than {ty}: then no row is rewritten"
                    ));
                    Rewrite::None
                } else {
                    Rewrite::Rewrite
                };
                (Kind::AlterColumnType, 8, AE, Blocks::ReadsWrites, rewrite)
            }
            Action::SetNotNull => (
                Kind::AddConstraint,
                8,
                AE,
                Blocks::ReadsWrites,
                Rewrite::Scan,
            ),
            Action::AddPrimaryOrUnique => (
                Kind::AddConstraint,
                8,
                AE,
                Blocks::ReadsWrites,
                Rewrite::Scan,
            ),
            Action::AddIndex => (Kind::CreateIndex, 8, AE, Blocks::ReadsWrites, Rewrite::Scan),
            Action::AddForeignKey => (
                Kind::AddConstraint,
                6,
                "SHARE ROW EXCLUSIVE",
                Blocks::Writes,
                Rewrite::Scan,
            ),
            Action::AddCheck => (
                Kind::AddConstraint,
                8,
                AE,
                Blocks::ReadsWrites,
                Rewrite::Scan,
            ),
            Action::DropColumn | Action::DropOther => {
                (Kind::Drop, 8, AE, Blocks::ReadsWrites, Rewrite::None)
            }
            Action::ValidateConstraint => (
                Kind::AddConstraint,
                4,
                "SHARE UPDATE EXCLUSIVE",
                Blocks::None,
                Rewrite::Scan,
            ),
            Action::Engine => (Kind::Other, 8, AE, Blocks::ReadsWrites, Rewrite::Rewrite),
            Action::Default | Action::Rename | Action::Other => {
                (Kind::Other, 8, AE, Blocks::ReadsWrites, Rewrite::None)
            }
        };
        if act == Action::AddForeignKey {
            if let Some(p) = a.iter().position(|x| x.is("REFERENCES")) {
                if let Some(r) = (Cur { t: a, i: p + 1 }).object() {
                    out.tables.push(r);
                }
            }
        }
        combine(&mut out, kind, lock_rank, lock, blocks, rewrite, &mut rank);
    }
    out
}

/// `(major, minor, patch)` at least `(a, b, c)`.
fn at_least(v: (u32, u32, u32), a: u32, b: u32, c: u32) -> bool {
    v >= (a, b, c)
}

fn mysql(flavor: Flavor, t: &[Tok]) -> Impact {
    let (maria, v) = match flavor {
        Flavor::MariaDb {
            major,
            minor,
            patch,
        } => (true, (major, minor, patch)),
        Flavor::MySql {
            major,
            minor,
            patch,
        } => (false, (major, minor, patch)),
        _ => (true, (10, 6, 0)),
    };
    let sh = shape(t);
    let mut impact = match sh.kind {
        Kind::RowChange => row_change(t, "row locks"),
        Kind::CreateTable => new_table(&sh, has_word(t, "SELECT")),
        Kind::CreateIndex => {
            let table = create_index(t).map(|(n, _)| n).into_iter().collect();
            if has_word(t, "FULLTEXT") || has_word(t, "SPATIAL") {
                Impact::new(
                    Kind::CreateIndex,
                    table,
                    "INPLACE, LOCK=SHARED",
                    Blocks::Writes,
                    Rewrite::Scan,
                )
            } else {
                Impact::new(
                    Kind::CreateIndex,
                    table,
                    "INPLACE, LOCK=NONE",
                    Blocks::None,
                    Rewrite::Scan,
                )
            }
        }
        Kind::Drop => {
            let mut c = Cur { t, i: 1 };
            if c.eat("TABLE") || t[0].is("TRUNCATE") {
                c.eat_all(&["IF", "EXISTS"]);
                Impact::new(
                    Kind::Drop,
                    c.object().into_iter().collect(),
                    "metadata lock",
                    Blocks::ReadsWrites,
                    Rewrite::None,
                )
            } else if c.eat("INDEX") {
                let table = t
                    .iter()
                    .position(|x| x.is("ON"))
                    .and_then(|p| (Cur { t, i: p + 1 }).object());
                Impact::new(
                    Kind::Drop,
                    table.into_iter().collect(),
                    "INPLACE, LOCK=NONE",
                    Blocks::None,
                    Rewrite::None,
                )
            } else {
                Impact::new(
                    Kind::Drop,
                    vec![],
                    "metadata lock",
                    Blocks::None,
                    Rewrite::None,
                )
            }
        }
        Kind::Other if sh.table.is_some() => {
            let table = sh.table.clone().unwrap_or_default();
            let mut out = Impact::new(
                Kind::Other,
                vec![table],
                "none",
                Blocks::None,
                Rewrite::None,
            );
            let mut rank = 0;
            let instant_add = if maria {
                at_least(v, 10, 3, 2)
            } else {
                at_least(v, 8, 0, 12)
            };
            let instant_add_anywhere = if maria {
                at_least(v, 10, 4, 0)
            } else {
                at_least(v, 8, 0, 29)
            };
            let instant_drop = instant_add_anywhere;
            for a in &actions(t, &sh) {
                let a = a.as_slice();
                let act = action(a);
                let positioned = has_word(a, "FIRST") || has_word(a, "AFTER");
                let (kind, r, lock, blocks, rewrite) = match act {
                    Action::AddColumn if has_word(a, "AUTO_INCREMENT") => (
                        Kind::AddColumn,
                        3,
                        "INPLACE, LOCK=SHARED",
                        Blocks::Writes,
                        Rewrite::Rewrite,
                    ),
                    Action::AddColumn if instant_add && (!positioned || instant_add_anywhere) => {
                        (Kind::AddColumn, 0, "INSTANT", Blocks::None, Rewrite::None)
                    }
                    Action::AddColumn => (
                        Kind::AddColumn,
                        2,
                        "INPLACE, LOCK=NONE",
                        Blocks::None,
                        Rewrite::Rewrite,
                    ),
                    Action::Type => (
                        Kind::AlterColumnType,
                        4,
                        "COPY, LOCK=SHARED",
                        Blocks::Writes,
                        Rewrite::Rewrite,
                    ),
                    Action::SetNotNull => (
                        Kind::AddConstraint,
                        2,
                        "INPLACE, LOCK=NONE",
                        Blocks::None,
                        Rewrite::Rewrite,
                    ),
                    Action::AddPrimaryOrUnique if has_word(a, "PRIMARY") => (
                        Kind::AddConstraint,
                        2,
                        "INPLACE, LOCK=NONE",
                        Blocks::None,
                        Rewrite::Rewrite,
                    ),
                    Action::AddPrimaryOrUnique | Action::AddIndex => {
                        if has_word(a, "FULLTEXT") || has_word(a, "SPATIAL") {
                            (
                                Kind::CreateIndex,
                                3,
                                "INPLACE, LOCK=SHARED",
                                Blocks::Writes,
                                Rewrite::Scan,
                            )
                        } else {
                            let kind = if act == Action::AddIndex {
                                Kind::CreateIndex
                            } else {
                                Kind::AddConstraint
                            };
                            (kind, 1, "INPLACE, LOCK=NONE", Blocks::None, Rewrite::Scan)
                        }
                    }
                    // With foreign_key_checks on, which govup does not change.
                    Action::AddForeignKey | Action::AddCheck => (
                        Kind::AddConstraint,
                        4,
                        "COPY, LOCK=SHARED",
                        Blocks::Writes,
                        Rewrite::Rewrite,
                    ),
                    Action::DropColumn if instant_drop => {
                        (Kind::Drop, 0, "INSTANT", Blocks::None, Rewrite::None)
                    }
                    Action::DropColumn => (
                        Kind::Drop,
                        2,
                        "INPLACE, LOCK=NONE",
                        Blocks::None,
                        Rewrite::Rewrite,
                    ),
                    Action::DropOther if has_word(a, "PRIMARY") => (
                        Kind::Drop,
                        4,
                        "COPY, LOCK=SHARED",
                        Blocks::Writes,
                        Rewrite::Rewrite,
                    ),
                    Action::DropOther => (
                        Kind::Drop,
                        1,
                        "INPLACE, LOCK=NONE",
                        Blocks::None,
                        Rewrite::None,
                    ),
                    Action::Engine if a[0].is("FORCE") => (
                        Kind::Other,
                        2,
                        "INPLACE, LOCK=NONE",
                        Blocks::None,
                        Rewrite::Rewrite,
                    ),
                    Action::Engine => (
                        Kind::Other,
                        4,
                        "COPY, LOCK=SHARED",
                        Blocks::Writes,
                        Rewrite::Rewrite,
                    ),
                    Action::Default | Action::Rename => {
                        (Kind::Other, 0, "INSTANT", Blocks::None, Rewrite::None)
                    }
                    Action::ValidateConstraint | Action::Other => (
                        Kind::Other,
                        1,
                        "INPLACE, LOCK=NONE",
                        Blocks::None,
                        Rewrite::None,
                    ),
                };
                combine(&mut out, kind, r + 1, lock, blocks, rewrite, &mut rank);
            }
            if out.kind == Kind::AlterColumnType {
                out.note = Some(
                    "COPY assumed: MySQL changes a column's type in place only when the old \
                     and new VARCHAR keep the same length prefix, which the text does not say"
                        .into(),
                );
            }
            out
        }
        _ => Impact::new(Kind::Other, vec![], "none", Blocks::None, Rewrite::None),
    };
    common(t, &sh, &mut impact);
    impact
}

fn oracle(t: &[Tok]) -> Impact {
    let sh = shape(t);
    const TM_X: &str = "TM exclusive (DDL)";
    let mut impact = match sh.kind {
        Kind::RowChange => row_change(t, "TM row exclusive"),
        Kind::CreateTable => new_table(&sh, has_word(t, "SELECT")),
        Kind::CreateIndex => {
            let table = create_index(t).map(|(n, _)| n).into_iter().collect();
            if has_word(t, "ONLINE") {
                Impact::new(
                    Kind::CreateIndex,
                    table,
                    "TM row share (ONLINE)",
                    Blocks::None,
                    Rewrite::Scan,
                )
            } else {
                Impact::new(
                    Kind::CreateIndex,
                    table,
                    "TM share",
                    Blocks::Writes,
                    Rewrite::Scan,
                )
            }
        }
        Kind::Drop => {
            let mut c = Cur { t, i: 1 };
            let tables = if c.eat("TABLE") || t[0].is("TRUNCATE") {
                c.object().into_iter().collect()
            } else {
                vec![]
            };
            Impact::new(Kind::Drop, tables, TM_X, Blocks::ReadsWrites, Rewrite::None)
        }
        Kind::Other if sh.table.is_some() => {
            let table = sh.table.clone().unwrap_or_default();
            let mut out = Impact::new(
                Kind::Other,
                vec![table],
                "none",
                Blocks::None,
                Rewrite::None,
            );
            let mut rank = 0;
            for a in &actions(t, &sh) {
                let a = a.as_slice();
                let act = action(a);
                let (kind, blocks, rewrite) = match act {
                    // Metadata only since 11g (NOT NULL with default) and 12c (nullable default).
                    Action::AddColumn => (Kind::AddColumn, Blocks::Writes, Rewrite::None),
                    Action::Type => {
                        let rest = column_of(a).map(|(_, r)| r).unwrap_or(&[]);
                        let ty = type_text(rest);
                        if ty.is_empty() {
                            // `MODIFY (c NOT NULL)`: a constraint, checked on every row.
                            if has_seq(rest, &["NOT", "NULL"]) {
                                (Kind::AddConstraint, Blocks::Writes, Rewrite::Scan)
                            } else {
                                (Kind::Other, Blocks::Writes, Rewrite::None)
                            }
                        } else if is_text_type(&ty) {
                            (Kind::AlterColumnType, Blocks::Writes, Rewrite::None)
                        } else {
                            (Kind::AlterColumnType, Blocks::Writes, Rewrite::Rewrite)
                        }
                    }
                    Action::SetNotNull
                    | Action::AddPrimaryOrUnique
                    | Action::AddForeignKey
                    | Action::AddCheck => (Kind::AddConstraint, Blocks::Writes, Rewrite::Scan),
                    Action::AddIndex => (Kind::CreateIndex, Blocks::Writes, Rewrite::Scan),
                    // Oracle removes the column from every row.
                    Action::DropColumn => (Kind::Drop, Blocks::ReadsWrites, Rewrite::Rewrite),
                    Action::DropOther => (Kind::Drop, Blocks::Writes, Rewrite::None),
                    Action::Engine => (Kind::Other, Blocks::ReadsWrites, Rewrite::Rewrite),
                    Action::ValidateConstraint => {
                        (Kind::AddConstraint, Blocks::None, Rewrite::Scan)
                    }
                    Action::Default | Action::Rename | Action::Other => {
                        (Kind::Other, Blocks::Writes, Rewrite::None)
                    }
                };
                combine(&mut out, kind, 1, TM_X, blocks, rewrite, &mut rank);
            }
            out
        }
        _ => Impact::new(Kind::Other, vec![], "none", Blocks::None, Rewrite::None),
    };
    common(t, &sh, &mut impact);
    impact
}

/// SQLite has one lock, the database's: every write blocks every other writer.
fn sqlite(t: &[Tok]) -> Impact {
    let sh = shape(t);
    let mut impact = match sh.kind {
        Kind::RowChange => row_change(t, "database write lock"),
        kind => {
            let tables = match (&sh.table, create_index(t)) {
                (Some(name), _) => vec![name.clone()],
                (None, Some((name, _))) => vec![name],
                _ => vec![],
            };
            let rewrite = if kind == Kind::CreateIndex {
                Rewrite::Scan
            } else {
                Rewrite::None
            };
            Impact::new(kind, tables, "database write lock", Blocks::Writes, rewrite)
        }
    };
    if impact.kind == Kind::Other {
        if let Some(a) = actions(t, &sh).first().map(Vec::as_slice) {
            if action(a) == Action::AddColumn {
                impact.kind = Kind::AddColumn;
            }
        }
    }
    impact.blocks = Blocks::Writes;
    common(t, &sh, &mut impact);
    impact
}

/// Whether changing a column from `old` to `new` (both as in [`Impact::column_types`]) can lose
/// data: a shorter text or number, or text to a bounded text.
pub fn narrows(old: &str, new: &str) -> bool {
    fn split(ty: &str) -> (String, Vec<u64>) {
        let base = ty.split('(').next().unwrap_or("").trim().to_string();
        let args = ty
            .split_once('(')
            .map(|(_, r)| {
                r.trim_end_matches(')')
                    .split(',')
                    .filter_map(|n| n.trim().split(' ').next()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        (base, args)
    }
    let (ob, oa) = split(old);
    let (nb, na) = split(new);
    let int_rank = |b: &str| match b {
        "SMALLINT" | "INT2" | "TINYINT" => Some(1),
        "MEDIUMINT" => Some(2),
        "INT" | "INTEGER" | "INT4" => Some(3),
        "BIGINT" | "INT8" => Some(4),
        _ => None,
    };
    if let (Some(o), Some(n)) = (int_rank(&ob), int_rank(&nb)) {
        return n < o;
    }
    let unbounded = |b: &str| {
        matches!(
            b,
            "TEXT" | "CLOB" | "MEDIUMTEXT" | "LONGTEXT" | "LONGBLOB" | "MEDIUMBLOB"
        )
    };
    if is_text_type(&ob) || unbounded(&ob) || ob == "CHAR" {
        if unbounded(&nb) || (is_text_type(&nb) && na.is_empty()) {
            return false;
        }
        if let Some(&n) = na.first() {
            return match oa.first() {
                Some(&o) => n < o,
                None => true,
            };
        }
        return false;
    }
    if ob == nb && matches!(ob.as_str(), "NUMERIC" | "DECIMAL" | "NUMBER") {
        let p = |a: &[u64], i: usize| a.get(i).copied().unwrap_or(0);
        return na.first() < oa.first() || p(&na, 1) < p(&oa, 1);
    }
    false
}

/// A table's live size, from the catalog: both may be unknown (never analysed, not found).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSize {
    pub name: String,
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
}

/// `'a', 'b'` lower-cased, for `LOWER(name) IN (...)`; backslashes doubled too where MySQL reads
/// them as escapes.
fn name_list(tables: &[String], backslashes: bool) -> String {
    tables
        .iter()
        .map(|t| {
            let mut t = t.to_lowercase().replace('\'', "''");
            if backslashes {
                t = t.replace('\\', "\\\\");
            }
            format!("'{t}'")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The read-only catalog query that gives `name, rows, bytes` for `tables` (matched without
/// case) in `schema` (None: the connection's default), for the dialect named `dialect`. None
/// where govup has no such query, and for an empty list.
pub fn table_sizes_sql(dialect: &str, schema: Option<&str>, tables: &[String]) -> Option<String> {
    if tables.is_empty() {
        return None;
    }
    let literal = |s: &str, bs: bool| {
        let mut s = s.replace('\'', "''");
        if bs {
            s = s.replace('\\', "\\\\");
        }
        format!("'{s}'")
    };
    match dialect {
        // reltuples is -1 until the table is first analysed (PostgreSQL 14+): unknown, not 0.
        "postgresql" => Some(format!(
            "SELECT c.relname, CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END, \
             pg_total_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p') AND n.nspname = {} AND lower(c.relname) IN ({})",
            schema.map_or("current_schema()".to_string(), |s| literal(s, false)),
            name_list(tables, false)
        )),
        "mysql" => Some(format!(
            "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = {} AND LOWER(TABLE_NAME) IN ({})",
            schema.map_or("DATABASE()".to_string(), |s| literal(s, true)),
            name_list(tables, true)
        )),
        // USER_SEGMENTS holds the connected user's segments only: another schema's sizes come
        // from ALL_TABLES' block count.
        "oracle" => Some(match schema {
            None => format!(
                "SELECT t.table_name, t.num_rows, (SELECT SUM(s.bytes) FROM user_segments s \
                 WHERE s.segment_name = t.table_name) FROM user_tables t WHERE LOWER(t.table_name) IN ({})",
                name_list(tables, false)
            ),
            Some(owner) => format!(
                "SELECT t.table_name, t.num_rows, t.blocks * 8192 FROM all_tables t \
                 WHERE t.owner = UPPER({}) AND LOWER(t.table_name) IN ({})",
                literal(owner, false),
                name_list(tables, false)
            ),
        }),
        _ => None,
    }
}

/// Rows of [`table_sizes_sql`] as sizes; cells that do not parse are unknown.
pub fn parse_table_sizes(rows: &[Vec<Option<String>>]) -> Vec<TableSize> {
    let num = |cell: Option<&Option<String>>| {
        cell.and_then(|c| c.as_deref())
            .and_then(|c| c.trim().split('.').next()?.parse::<u64>().ok())
    };
    rows.iter()
        .filter_map(|row| {
            Some(TableSize {
                name: row.first()?.clone()?,
                rows: num(row.get(1)),
                bytes: num(row.get(2)),
            })
        })
        .collect()
}

/// The query that gives the server's version as one text cell, for [`flavor_from_version`].
pub fn version_sql(dialect: &str) -> Option<&'static str> {
    match dialect {
        "postgresql" => Some("SHOW server_version_num"),
        "mysql" => Some("SELECT VERSION()"),
        _ => None,
    }
}

/// The flavor of a server whose [`version_sql`] answered `version` (None: not asked); an answer
/// that does not parse gives the lint defaults.
pub fn flavor_from_version(dialect: &str, version: Option<&str>) -> Flavor {
    let v = version.unwrap_or("").trim();
    match dialect {
        "postgresql" => v
            .parse::<u32>()
            .map(|n| Flavor::Postgres { major: n / 10000 })
            .unwrap_or(Flavor::LINT_POSTGRES),
        "mysql" => {
            let mut parts = v
                .split(|c: char| !c.is_ascii_digit())
                .map(|p| p.parse::<u32>().unwrap_or(0));
            let (major, minor, patch) = (
                parts.next().unwrap_or(0),
                parts.next().unwrap_or(0),
                parts.next().unwrap_or(0),
            );
            if major == 0 {
                Flavor::LINT_MYSQL
            } else if v.to_ascii_lowercase().contains("mariadb") {
                Flavor::MariaDb {
                    major,
                    minor,
                    patch,
                }
            } else {
                Flavor::MySql {
                    major,
                    minor,
                    patch,
                }
            }
        }
        "oracle" => Flavor::Oracle,
        _ => Flavor::Sqlite,
    }
}

/// A bounded read of `table` (qualified and quoted): up to `rows` rows, counted, so that the time
/// it takes, with the table's bytes per row, gives this server's scan throughput. Read-only, and
/// stops after `rows` rows whatever the table's size.
pub fn probe_sql(dialect: &str, table: &str, rows: u64) -> String {
    match dialect {
        "oracle" => format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE ROWNUM <= {rows})"),
        _ => format!("SELECT COUNT(*) FROM (SELECT 1 AS one FROM {table} LIMIT {rows}) probe"),
    }
}

#[cfg(test)]
mod tests;
