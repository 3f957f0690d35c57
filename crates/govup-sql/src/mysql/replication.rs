//! What a statement says about replication: the storage engine it names, and the table a
//! `DELETE` removes rows from. A Galera cluster replicates only InnoDB, and a row change on a
//! table without a primary key is applied on the other nodes by a scan per row (or not at all
//! reliably), so the driver refuses such patches before anything is written. Words are read
//! with the shared lexer: `engine` in a string, a comment or a quoted name is not a clause.

use super::split::Text;
use crate::lexer::{Kind, Lexer, Token};

/// The statement's significant tokens with their text (comments and spaces dropped). A
/// statement the lexer cannot read has none.
fn tokens(statement: &str) -> Vec<(Token, &str)> {
    let mut lexer = Lexer::<Text>::new(statement);
    let mut out = Vec::new();
    while let Ok(Some(token)) = lexer.next() {
        if token.is_significant() {
            out.push((token, &statement[token.start..token.end]));
        }
    }
    out
}

fn name_of(token: &Token, text: &str) -> Option<String> {
    match token.kind {
        Kind::Word => Some(text.to_string()),
        Kind::Ident => Some(text[1..text.len().saturating_sub(1)].replace("``", "`")),
        _ => None,
    }
}

/// The storage engine a `CREATE TABLE` or `ALTER TABLE` names (`ENGINE [=] name`), upper-case.
pub fn engine_named(statement: &str) -> Option<String> {
    let tokens = tokens(statement);
    let first = tokens.first()?.1;
    if !(first.eq_ignore_ascii_case("CREATE") || first.eq_ignore_ascii_case("ALTER")) {
        return None;
    }
    // A table option stands outside the column list: a column may be called `engine`.
    let mut depth = 0i32;
    let at = tokens.iter().position(|(t, w)| {
        match *w {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        depth == 0 && t.kind == Kind::Word && w.eq_ignore_ascii_case("ENGINE")
    })?;
    let mut rest = tokens[at + 1..].iter();
    let mut next = rest.next()?;
    if next.1 == "=" {
        next = rest.next()?;
    }
    name_of(&next.0, next.1).map(|n| n.to_ascii_uppercase())
}

/// The table a single-table `DELETE` removes rows from: (database if named, table). None for
/// anything else, multi-table deletes included (their targets are aliases).
pub fn delete_target(statement: &str) -> Option<(Option<String>, String)> {
    let tokens = tokens(statement);
    let mut it = tokens.iter().peekable();
    if !it.next()?.1.eq_ignore_ascii_case("DELETE") {
        return None;
    }
    for modifier in ["LOW_PRIORITY", "QUICK", "IGNORE"] {
        if it.peek()?.1.eq_ignore_ascii_case(modifier) {
            it.next();
        }
    }
    if !it.next()?.1.eq_ignore_ascii_case("FROM") {
        return None;
    }
    let (t, w) = it.next()?;
    let first = name_of(t, w)?;
    let (db, table) = if it.peek().is_some_and(|(_, w)| *w == ".") {
        it.next();
        let (t, w) = it.next()?;
        (Some(first), name_of(t, w)?)
    } else {
        (None, first)
    };
    // `DELETE FROM a, b USING ...` names aliases, not tables.
    if it.peek().is_some_and(|(_, w)| *w == ",") {
        return None;
    }
    Some((db, table))
}

/// Server variables whose session value changes how this node applies DDL, while every other
/// node of a Galera cluster applies the same replicated DDL with its own global value.
const DDL_SETTINGS: [&str; 10] = [
    "innodb_strict_mode",
    "sql_mode",
    "default_storage_engine",
    "storage_engine",
    "innodb_default_row_format",
    "foreign_key_checks",
    "unique_checks",
    "explicit_defaults_for_timestamp",
    "alter_algorithm",
    "wsrep_osu_method",
];

/// The variable a `SET` statement gives a session value that changes how DDL applies on this
/// node only (`SET SESSION innodb_strict_mode=OFF`, `SET @@sql_mode = ...`), lower-case.
pub fn ddl_session_setting(statement: &str) -> Option<String> {
    let tokens = tokens(statement);
    let (first, text) = tokens.first()?;
    if first.kind != Kind::Word || !text.eq_ignore_ascii_case("SET") {
        return None;
    }
    // Each assignment's name is the word before its `=` (or `:=`); a word right after a single
    // `@` is a user variable, and `@@x`, `@@session.x` name the session's own.
    let mut previous: Option<String> = None;
    for (i, (token, text)) in tokens.iter().enumerate().skip(1) {
        if *text == "=" {
            if let Some(name) = previous.take() {
                let name = name.to_ascii_lowercase();
                if DDL_SETTINGS.contains(&name.as_str()) {
                    return Some(name);
                }
            }
            continue;
        }
        if *text == ":" {
            // The first half of `:=`: the name before it stands.
            continue;
        }
        let at = |back: usize| i >= back && tokens[i - back].1 == "@";
        let user_variable = at(1) && !at(2);
        previous = name_of(token, text).filter(|_| !user_variable);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_settings_that_change_ddl() {
        for (sql, name) in [
            (
                "SET SESSION innodb_strict_mode=OFF",
                Some("innodb_strict_mode"),
            ),
            ("set innodb_strict_mode = 0", Some("innodb_strict_mode")),
            ("SET @@session.sql_mode = ''", Some("sql_mode")),
            ("SET @@sql_mode = 'ANSI'", Some("sql_mode")),
            ("SET LOCAL foreign_key_checks=0", Some("foreign_key_checks")),
            (
                "SET names utf8mb4, SESSION unique_checks = 0",
                Some("unique_checks"),
            ),
            ("SET SESSION unique_checks := 0", Some("unique_checks")),
            ("SET SESSION wait_timeout = 600", None),
            ("SET NAMES utf8mb4", None),
            ("SELECT 'SET innodb_strict_mode=OFF'", None),
            ("SET @innodb_strict_mode = 1", None),
        ] {
            assert_eq!(ddl_session_setting(sql).as_deref(), name, "{sql}");
        }
    }

    #[test]
    fn engines_named_by_table_statements() {
        assert_eq!(
            engine_named("CREATE TABLE t (a INT) ENGINE=MyISAM DEFAULT CHARSET=utf8").as_deref(),
            Some("MYISAM")
        );
        assert_eq!(
            engine_named("ALTER TABLE t ENGINE = `Aria`").as_deref(),
            Some("ARIA")
        );
        assert_eq!(
            engine_named("CREATE TABLE t (a INT) engine InnoDB").as_deref(),
            Some("INNODB")
        );
        assert_eq!(engine_named("CREATE TABLE t (engine INT)"), None);
        assert_eq!(
            engine_named("CREATE TABLE t (a INT) COMMENT 'ENGINE=MyISAM'"),
            None
        );
        assert_eq!(engine_named("INSERT INTO t VALUES ('ENGINE=MyISAM')"), None);
        assert_eq!(
            engine_named("CREATE TABLE t (a INT) -- ENGINE=MyISAM"),
            None
        );
    }

    #[test]
    fn delete_targets() {
        assert_eq!(
            delete_target("DELETE FROM db_info"),
            Some((None, "db_info".into()))
        );
        assert_eq!(
            delete_target("delete low_priority quick ignore from `gov`.`t x` WHERE a = 1"),
            Some((Some("gov".into()), "t x".into()))
        );
        assert_eq!(
            delete_target("DELETE t1 FROM t1 JOIN t2 ON t1.a = t2.a"),
            None
        );
        assert_eq!(delete_target("DELETE FROM t1, t2 USING t1 JOIN t2"), None);
        assert_eq!(delete_target("UPDATE t SET a = 1"), None);
        assert_eq!(delete_target("DELETE"), None);
    }
}
