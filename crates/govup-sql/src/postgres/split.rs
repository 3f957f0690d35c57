//! Splitting a PostgreSQL patch into statements the way `psql` does.
//!
//! GovWay's patches are written for `psql`, so a `;` ends a statement exactly where `psql` would
//! send one: outside string literals (`'...'`, `E'...'` with backslash escapes), quoted
//! identifiers, comments (`--`, nested `/* */`), dollar quotes (`$$`, `$tag$`), parentheses and the
//! `BEGIN ... END` body of a SQL-standard `CREATE FUNCTION`/`CREATE PROCEDURE`, on the shared
//! [`lexer`](crate::lexer).
//!
//! Not handled, because patches run through govup and not through `psql`: backslash
//! meta-commands (`\i`, `\set`) and `standard_conforming_strings = off`, under which a plain
//! `'...'` would also treat backslashes as escapes.

use crate::lexer::{Kind, Lexer, Syntax};
use crate::{SplitError, Statement};

/// Splits `sql` into statements; see the module documentation for the grammar.
pub fn split(sql: &str) -> Result<Vec<Statement>, SplitError> {
    run(sql)
}

/// The statement being read.
#[derive(Default)]
struct Current {
    start: usize,
    line: u32,
    /// End of its last significant token: trailing comments before the `;` are not part of it.
    end: usize,
    /// Line of the outermost unclosed `(`, and how many are open.
    paren_line: u32,
    paren_depth: u32,
    /// Line of the outermost unclosed `BEGIN` of a function body, and how many are open.
    begin_line: u32,
    begin_depth: u32,
    /// psql's heuristic for `CREATE [OR REPLACE] {FUNCTION|PROCEDURE}`: the initials of the
    /// first four words when they are one of those keywords, 0 otherwise.
    words: [u8; 4],
    word_count: usize,
}

impl Current {
    fn is_routine_definition(&self) -> bool {
        let w = self.words;
        w[0] == b'c'
            && (w[1] == b'f'
                || w[1] == b'p'
                || (w[1] == b'o' && w[2] == b'r' && (w[3] == b'f' || w[3] == b'p')))
    }

    fn note_word(&mut self, word: &[u8], line: u32) {
        let tracked = ["create", "function", "procedure", "or", "replace"];
        if self.word_count < self.words.len()
            && tracked
                .iter()
                .any(|k| word.eq_ignore_ascii_case(k.as_bytes()))
        {
            self.words[self.word_count] = word[0].to_ascii_lowercase();
        }
        self.word_count += 1;
        if self.paren_depth > 0 || !self.is_routine_definition() {
            return;
        }
        if word.eq_ignore_ascii_case(b"begin") {
            if self.begin_depth == 0 {
                self.begin_line = line;
            }
            self.begin_depth += 1;
        } else if word.eq_ignore_ascii_case(b"case") {
            // CASE also closes with END, but only matters inside a body.
            if self.begin_depth > 0 {
                self.begin_depth += 1;
            }
        } else if word.eq_ignore_ascii_case(b"end") && self.begin_depth > 0 {
            self.begin_depth -= 1;
        }
    }
}

/// What PostgreSQL's text looks like to the lexer.
struct Text;

impl Syntax for Text {
    const NESTED_COMMENTS: bool = true;
    const ESCAPE_STRINGS: bool = true;
    const DOLLAR_QUOTES: bool = true;
    const NUMBERS: bool = true;
    fn space(c: u8) -> bool {
        is_space(c)
    }
    fn word_start(c: u8) -> bool {
        is_ident_start(c)
    }
    fn word_cont(c: u8) -> bool {
        is_ident_cont(c)
    }
}

/// `is_ascii_whitespace` less the newline, which the lexer knows: no vertical tab.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\x0c')
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_cont(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == b'$'
}

fn run(sql: &str) -> Result<Vec<Statement>, SplitError> {
    let mut lexer = Lexer::<Text>::new(sql);
    let mut out = Vec::new();
    let mut stmt: Option<Current> = None;
    while let Some(token) = lexer.next()? {
        if !token.is_significant() {
            continue;
        }
        let bytes = &sql.as_bytes()[token.start..token.end];
        if bytes == b";" {
            match &mut stmt {
                Some(s) if s.paren_depth > 0 || s.begin_depth > 0 => s.end = token.end,
                _ => finish(sql, stmt.take(), &mut out),
            }
            continue;
        }
        let s = stmt.get_or_insert_with(|| Current {
            start: token.start,
            line: token.line,
            ..Current::default()
        });
        match (token.kind, bytes) {
            (Kind::Punct, b"(") => {
                if s.paren_depth == 0 {
                    s.paren_line = token.line;
                }
                s.paren_depth += 1;
            }
            (Kind::Punct, b")") => s.paren_depth = s.paren_depth.saturating_sub(1),
            (Kind::Word, word) => s.note_word(word, token.line),
            _ => {}
        }
        s.end = token.end;
    }
    if let Some(s) = &stmt {
        let error = |line, message: &str| SplitError {
            line,
            message: message.to_string(),
        };
        if s.paren_depth > 0 {
            return Err(error(s.paren_line, "unclosed parenthesis starting here"));
        }
        if s.begin_depth > 0 {
            return Err(error(
                s.begin_line,
                "unterminated BEGIN ... END block starting here",
            ));
        }
    }
    finish(sql, stmt, &mut out);
    Ok(out)
}

fn finish(sql: &str, stmt: Option<Current>, out: &mut Vec<Statement>) {
    if let Some(stmt) = stmt {
        // Both offsets sit next to ASCII bytes, so they are char boundaries.
        let text = sql.get(stmt.start..stmt.end).unwrap_or_default();
        out.push(Statement {
            text: text.to_string(),
            line: stmt.line,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::conformance::split_helpers!(split);

    #[test]
    fn two_statements_on_one_line() {
        assert_eq!(lines("\nSELECT 1; SELECT 2;"), [2, 2]);
    }

    #[test]
    fn comments_inside_a_statement_are_kept_trailing_ones_dropped() {
        let sql =
            "SELECT 1, -- one\n  2 /* two */ , 3 -- trailing\n;\n-- between\nSELECT 4 /* end */;";
        assert_eq!(
            texts(sql),
            ["SELECT 1, -- one\n  2 /* two */ , 3", "SELECT 4"]
        );
    }

    #[test]
    fn semicolon_in_single_quotes() {
        assert_eq!(
            texts("INSERT INTO t VALUES ('a;b');SELECT 1"),
            ["INSERT INTO t VALUES ('a;b')", "SELECT 1"]
        );
    }

    #[test]
    fn doubled_quote_escape() {
        assert_eq!(
            texts("SELECT 'it''s; fine';SELECT 2"),
            ["SELECT 'it''s; fine'", "SELECT 2"]
        );
        assert_eq!(texts("SELECT '';SELECT ''''"), ["SELECT ''", "SELECT ''''"]);
    }

    #[test]
    fn backslash_is_literal_in_standard_strings() {
        assert_eq!(
            texts(r"SELECT 'C:\';SELECT 2"),
            [r"SELECT 'C:\'", "SELECT 2"]
        );
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        assert_eq!(
            texts(r"SELECT E'a\';b';SELECT 2"),
            [r"SELECT E'a\';b'", "SELECT 2"]
        );
        assert_eq!(
            texts(r"SELECT e'\\';SELECT 2"),
            [r"SELECT e'\\'", "SELECT 2"]
        );
        assert_eq!(
            texts(r"SELECT E'x''y\n;z';SELECT 2"),
            [r"SELECT E'x''y\n;z'", "SELECT 2"]
        );
    }

    #[test]
    fn an_identifier_ending_in_e_is_no_escape_prefix() {
        // `WHERE'a\'` is the word WHERE followed by a standard string ending at the backslash.
        assert_eq!(
            texts(r"SELECT 1 WHERE'a\'='a\';SELECT 2"),
            [r"SELECT 1 WHERE'a\'='a\'", "SELECT 2"]
        );
    }

    #[test]
    fn escape_string_continuation_keeps_escapes() {
        let sql = "SELECT E'a'\n  '\\';b';SELECT 2";
        assert_eq!(texts(sql), ["SELECT E'a'\n  '\\';b'", "SELECT 2"]);
    }

    #[test]
    fn other_string_prefixes() {
        assert_eq!(
            texts("SELECT U&'d\\0061t;a', B'10;', X'1F;', N'x;';SELECT 2"),
            ["SELECT U&'d\\0061t;a', B'10;', X'1F;', N'x;'", "SELECT 2"]
        );
    }

    #[test]
    fn double_quoted_identifiers() {
        assert_eq!(
            texts("CREATE TABLE \"a;\"\"b\" (\"x'y\" int);SELECT 1"),
            ["CREATE TABLE \"a;\"\"b\" (\"x'y\" int)", "SELECT 1"]
        );
    }

    #[test]
    fn comment_markers_inside_literals_are_text() {
        assert_eq!(
            texts("SELECT '-- no', '/* no', \"--x\";SELECT $$/*$$;SELECT 3"),
            [
                "SELECT '-- no', '/* no', \"--x\"",
                "SELECT $$/*$$",
                "SELECT 3"
            ]
        );
    }

    #[test]
    fn quotes_inside_comments_are_text() {
        assert_eq!(
            texts("SELECT 1; -- it's\nSELECT 2 /* \"; $$ */, 3;"),
            ["SELECT 1", "SELECT 2 /* \"; $$ */, 3"]
        );
    }

    #[test]
    fn nested_block_comments() {
        assert_eq!(
            texts("/* outer /* inner; */ still; */ SELECT 1;SELECT /* a /* b */ c */ 2;"),
            ["SELECT 1", "SELECT /* a /* b */ c */ 2"]
        );
    }

    #[test]
    fn dollar_quotes() {
        let sql = "DO $$ BEGIN PERFORM 1; PERFORM 2; END $$;\nSELECT 2;";
        assert_eq!(
            texts(sql),
            ["DO $$ BEGIN PERFORM 1; PERFORM 2; END $$", "SELECT 2"]
        );
    }

    #[test]
    fn tagged_dollar_quotes_nest_other_tags() {
        let sql = "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$\nBEGIN\n  RETURN $q$it's; $$ here$q$;\nEND;\n$fn$;\nSELECT f();";
        let got = texts(sql);
        assert_eq!(got.len(), 2);
        assert!(got[0].ends_with("END;\n$fn$"));
        assert_eq!(got[1], "SELECT f()");
    }

    #[test]
    fn dollar_tags_are_case_sensitive() {
        assert_eq!(
            texts("SELECT $a$ $A$; $a$;SELECT 2"),
            ["SELECT $a$ $A$; $a$", "SELECT 2"]
        );
    }

    #[test]
    fn positional_parameters_are_not_dollar_quotes() {
        assert_eq!(
            texts("PREPARE p (int, int) AS SELECT $1 + $2;EXECUTE p(1, 2);"),
            ["PREPARE p (int, int) AS SELECT $1 + $2", "EXECUTE p(1, 2)"]
        );
        assert_eq!(texts("SELECT $1$2;SELECT 2"), ["SELECT $1$2", "SELECT 2"]);
    }

    #[test]
    fn dollar_inside_identifiers_is_no_quote() {
        assert_eq!(
            texts("SELECT a$b$ FROM t$1;SELECT 2"),
            ["SELECT a$b$ FROM t$1", "SELECT 2"]
        );
    }

    #[test]
    fn semicolons_inside_parentheses_do_not_split() {
        let sql = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;";
        assert_eq!(lines(sql), [1, 2]);
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn stray_closing_parenthesis_is_left_to_the_server() {
        assert_eq!(texts("SELECT 1);SELECT 2"), ["SELECT 1)", "SELECT 2"]);
    }

    #[test]
    fn sql_standard_function_bodies() {
        let sql = "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;\nSELECT f(1);";
        let got = split(sql).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].text.ends_with("SELECT 2;\nEND"));
        assert_eq!(got[1].line, 6);
        let proc = "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;CALL p();";
        assert_eq!(texts(proc).len(), 2);
    }

    #[test]
    fn transaction_begin_is_an_ordinary_statement() {
        assert_eq!(
            texts("BEGIN;\nCREATE TABLE t (a int);\nEND;"),
            ["BEGIN", "CREATE TABLE t (a int)", "END"]
        );
        // Outside a routine definition BEGIN/END never nest.
        assert_eq!(
            texts("CREATE TABLE begin_end (begin int);SELECT 2"),
            ["CREATE TABLE begin_end (begin int)", "SELECT 2"]
        );
    }

    #[test]
    fn non_ascii_text() {
        let sql = "INSERT INTO t VALUES ('è più; già');\nCREATE TABLE città (perché int);\n-- commento è\nSELECT 'ü';";
        assert_eq!(
            texts(sql),
            [
                "INSERT INTO t VALUES ('è più; già')",
                "CREATE TABLE città (perché int)",
                "SELECT 'ü'"
            ]
        );
        assert_eq!(lines(sql), [1, 2, 4]);
    }

    #[test]
    fn crlf_line_endings() {
        assert_eq!(
            texts("SELECT 1;\r\nSELECT 2;\r\n"),
            ["SELECT 1", "SELECT 2"]
        );
        assert_eq!(lines("SELECT 1;\r\n\r\nSELECT 2;\r\n"), [1, 3]);
    }

    #[test]
    fn unterminated_string() {
        let e = err("SELECT 1;\nSELECT 'abc;\nSELECT 2;");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unterminated string literal starting here")
        );
        assert_eq!(err("SELECT\n E'a\\'").line, 2);
    }

    #[test]
    fn unterminated_quoted_identifier() {
        let e = err("\n\nSELECT \"abc");
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "unterminated quoted identifier starting here")
        );
    }

    #[test]
    fn unterminated_block_comment() {
        let e = err("SELECT 1;\n/* outer /* inner */\nSELECT 2;");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unterminated block comment starting here")
        );
    }

    #[test]
    fn unterminated_dollar_quote() {
        let e = err("SELECT 1;\nDO $body$ BEGIN NULL; END $$;");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unterminated dollar-quoted string starting here")
        );
    }

    #[test]
    fn unclosed_parenthesis_and_body() {
        let e = err("SELECT 1;\nCREATE TABLE t (\n a int;\nSELECT 2;");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unclosed parenthesis starting here")
        );
        let e = err("CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC SELECT 1;");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unterminated BEGIN ... END block starting here")
        );
    }

    #[test]
    fn nasty_inputs_never_panic() {
        let nasty = [
            "'",
            "\"",
            "$",
            "$$",
            "$a",
            "$a$",
            "$1",
            "/*",
            "/",
            "-",
            "--",
            "*/",
            "E'",
            "e'\\",
            "E",
            "(",
            ")",
            ";",
            "'\\",
            "E'\\",
            "$é$ x",
            "$é$ x $é$",
            "é",
            "ü'",
            "\u{feff}SELECT 1",
            "/*/",
            "/**/",
            "'a'\n",
            "'a'\n'",
            "E'a'\n'\\'",
            "CREATE FUNCTION BEGIN",
            "\0;\0",
            "$_$$_$",
            "x$",
            "1$$",
            "--\u{2028}",
        ];
        for s in nasty {
            let _ = split(s);
        }
        // Every prefix of a tricky text, cut at each char boundary.
        let text = "DO $t$ a; $$ 'x' $t$; SELECT E'a\\'b' /* c /* d */ */ \"q;\" -- é\n; CREATE FUNCTION f() BEGIN ATOMIC SELECT (1; END;";
        for (i, _) in text.char_indices() {
            let _ = split(&text[..i]);
        }
    }

    #[test]
    fn form_feed_and_tab_are_whitespace() {
        assert_eq!(texts("SELECT 1;\x0c\tSELECT 2;"), ["SELECT 1", "SELECT 2"]);
    }
}
