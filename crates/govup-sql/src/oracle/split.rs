//! Splitting an Oracle patch into statements, the way SQL*Plus reads a script.
//!
//! Plain SQL ends at `;`. PL/SQL units (`CREATE ... TRIGGER|PROCEDURE|FUNCTION|PACKAGE|TYPE`
//! and anonymous `DECLARE`/`BEGIN` blocks) contain `;` of their own, so like SQL*Plus they run
//! until a line holding only `/`. Quotes and comments are skipped so that a `;` or a `/` inside
//! them never ends anything; the shared [`lexer`](crate::lexer) knows those.

use crate::lexer::{Kind, Lexer, Syntax};
use crate::{SplitError, Statement};

/// How many leading tokens decide whether a statement is PL/SQL:
/// `CREATE OR REPLACE NONEDITIONABLE PACKAGE` is the longest header.
const HEADER_TOKENS: usize = 5;

/// Splits `sql` into statements: plain SQL without its `;`, PL/SQL with its final `END;`.
pub fn split(sql: &str) -> Result<Vec<Statement>, SplitError> {
    run(sql)
}

/// The statement being read.
struct Current {
    /// Byte offset of its first significant character.
    start: usize,
    line: u32,
    /// Byte offset just past its last significant character: trailing comments and the
    /// terminator stay out of the text.
    end: usize,
    /// Its first tokens, upper-cased; quoted things and punctuation count as `""`.
    header: Vec<String>,
}

impl Current {
    fn is_plsql(&self) -> bool {
        is_plsql_header(&self.header)
    }
}

/// Whether a statement starting with these tokens is a PL/SQL unit that ends at a `/` line.
fn is_plsql_header(tokens: &[String]) -> bool {
    let mut words = tokens.iter().map(String::as_str);
    match words.next() {
        Some("BEGIN") | Some("DECLARE") => true,
        Some("CREATE") => {
            let mut word = words.next();
            if word == Some("OR") {
                if words.next() != Some("REPLACE") {
                    return false;
                }
                word = words.next();
            }
            if matches!(word, Some("EDITIONABLE") | Some("NONEDITIONABLE")) {
                word = words.next();
            }
            matches!(
                word,
                Some("TRIGGER")
                    | Some("PROCEDURE")
                    | Some("FUNCTION")
                    | Some("PACKAGE")
                    | Some("TYPE")
            )
        }
        _ => false,
    }
}

/// What Oracle's text looks like to the lexer.
struct Text;

impl Syntax for Text {
    const Q_QUOTES: bool = true;
    const UNICODE: bool = true;
    fn word_start(c: u8) -> bool {
        is_word_byte(c)
    }
}

/// ASCII word characters; the lexer adds Unicode letters and digits.
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'#'
}

fn run(sql: &str) -> Result<Vec<Statement>, SplitError> {
    let mut lexer = Lexer::<Text>::new(sql);
    let mut out = Vec::new();
    let mut current: Option<Current> = None;
    loop {
        let pos = lexer.pos();
        // A line holding only `/` ends the current statement (or, after a statement already
        // ended by `;`, does nothing: SQL*Plus's "run the buffer again").
        if lexer.is_line_start(pos) {
            let line = lexer.rest_of_line(pos);
            if line.trim() == "/" {
                finish(sql, current.take(), &mut out);
                lexer.seek(pos + line.len());
                continue;
            }
        }
        let Some(token) = lexer.next()? else { break };
        if !token.is_significant() {
            continue;
        }
        let text = &sql[token.start..token.end];
        if text == ";" {
            match &mut current {
                Some(cur) if cur.is_plsql() => cur.end = token.end,
                Some(_) => finish(sql, current.take(), &mut out),
                // A stray `;` between statements is not a statement.
                None => {}
            }
            continue;
        }
        let cur = current.get_or_insert_with(|| Current {
            start: token.start,
            line: token.line,
            end: token.end,
            header: Vec::new(),
        });
        cur.end = token.end;
        if cur.header.len() < HEADER_TOKENS {
            let word = match token.kind {
                Kind::Word => text.to_uppercase(),
                _ => String::new(),
            };
            cur.header.push(word);
        }
    }
    if let Some(cur) = &current {
        if cur.is_plsql() {
            return Err(SplitError {
                line: cur.line,
                message: "unterminated PL/SQL block starting here".to_string(),
            });
        }
    }
    // SQL*Plus would leave a last statement without `;` in the buffer; it is common enough in
    // patches to accept.
    finish(sql, current, &mut out);
    Ok(out)
}

fn finish(sql: &str, current: Option<Current>, out: &mut Vec<Statement>) {
    if let Some(cur) = current {
        crate::push_trimmed(out, sql.get(cur.start..cur.end).unwrap_or(""), cur.line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::conformance::split_helpers!(split);

    #[test]
    fn plain_statements_end_at_semicolons() {
        assert_eq!(
            texts("SELECT 1 FROM dual; SELECT 2 FROM dual;"),
            ["SELECT 1 FROM dual", "SELECT 2 FROM dual"]
        );
    }

    #[test]
    fn comments_between_statements_are_dropped_and_inside_kept() {
        let sql = "-- a\nUPDATE t -- why\nSET a = 1;\n/* b */\nUPDATE u SET b = 2;";
        assert_eq!(
            texts(sql),
            ["UPDATE t -- why\nSET a = 1", "UPDATE u SET b = 2"]
        );
    }

    #[test]
    fn trailing_comment_before_the_terminator_is_left_out() {
        assert_eq!(
            texts("SELECT 1 FROM dual -- one\n;"),
            ["SELECT 1 FROM dual"]
        );
    }

    #[test]
    fn semicolon_inside_a_string_does_not_split() {
        assert_eq!(
            texts("INSERT INTO s VALUES ('a;b');\nINSERT INTO s VALUES ('c');"),
            ["INSERT INTO s VALUES ('a;b')", "INSERT INTO s VALUES ('c')"]
        );
    }

    #[test]
    fn doubled_quotes_escape_inside_strings() {
        assert_eq!(
            texts("INSERT INTO s VALUES ('it''s; fine');SELECT 1 FROM dual;"),
            ["INSERT INTO s VALUES ('it''s; fine')", "SELECT 1 FROM dual"]
        );
    }

    #[test]
    fn quote_inside_a_line_comment_is_ignored() {
        let sql = "CREATE TABLE t (\n  -- l'invio di e-mail\n  a NUMBER\n);\nSELECT 1 FROM dual;";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn semicolon_inside_comments_does_not_split() {
        let sql = "SELECT 1 /* ; */ FROM dual -- ;\n;\n-- DROP TABLE x;\nSELECT 2 FROM dual;";
        assert_eq!(
            texts(sql),
            ["SELECT 1 /* ; */ FROM dual", "SELECT 2 FROM dual"]
        );
    }

    #[test]
    fn q_quotes_with_every_bracket_pair() {
        for (open, close) in [('[', ']'), ('{', '}'), ('(', ')'), ('<', '>'), ('!', '!')] {
            let sql =
                format!("SELECT q'{open}it's; {close} here{close}' FROM dual;SELECT 2 FROM dual;");
            let got = texts(&sql);
            assert_eq!(got.len(), 2, "{sql}");
            assert_eq!(
                got[0],
                format!("SELECT q'{open}it's; {close} here{close}' FROM dual")
            );
        }
    }

    #[test]
    fn q_quote_prefixes_are_case_insensitive_and_national() {
        assert_eq!(
            texts("SELECT Q'[a;b]', nq'{c;d}', NQ'|e;f|' FROM dual;").len(),
            1
        );
    }

    #[test]
    fn words_ending_in_q_are_not_q_quotes() {
        // `seq'` is a word followed by an ordinary string, not an alternative quote.
        assert_eq!(
            texts("SELECT seq'x;' FROM dual; SELECT 1 FROM dual;").len(),
            2
        );
    }

    #[test]
    fn national_strings_are_plain_strings() {
        assert_eq!(
            texts("SELECT N'a;b' FROM dual;"),
            ["SELECT N'a;b' FROM dual"]
        );
    }

    #[test]
    fn quoted_identifiers_hide_semicolons_and_quotes() {
        assert_eq!(
            texts("CREATE TABLE \"a;b\"\"c\" (x NUMBER);SELECT 1 FROM dual;"),
            ["CREATE TABLE \"a;b\"\"c\" (x NUMBER)", "SELECT 1 FROM dual"]
        );
    }

    #[test]
    fn trigger_ends_at_slash_and_keeps_its_end() {
        let sql = "CREATE TRIGGER trg\nBEFORE insert ON t\nFOR EACH ROW\nbegin\n  IF (:new.id IS NULL) THEN\n    SELECT s.nextval INTO :new.id FROM DUAL;\n  END IF;\nend;\n/\nCREATE INDEX i ON t (a);";
        let stmts = split(sql).unwrap();
        assert_eq!(stmts.len(), 2);
        assert!(stmts[0].text.starts_with("CREATE TRIGGER trg"));
        assert!(stmts[0].text.ends_with("end;"));
        assert_eq!(stmts[0].line, 1);
        assert_eq!(stmts[1].text, "CREATE INDEX i ON t (a)");
        assert_eq!(stmts[1].line, 10);
    }

    #[test]
    fn every_plsql_header_waits_for_the_slash() {
        for header in [
            "CREATE TRIGGER x",
            "CREATE OR REPLACE TRIGGER x",
            "create or replace editionable trigger x",
            "CREATE NONEDITIONABLE PROCEDURE p",
            "CREATE OR REPLACE PROCEDURE p",
            "CREATE FUNCTION f RETURN NUMBER",
            "CREATE OR REPLACE PACKAGE pk",
            "CREATE OR REPLACE PACKAGE BODY pk",
            "CREATE TYPE ty",
            "CREATE OR REPLACE TYPE BODY ty",
            "CREATE /* c */ OR\nREPLACE -- c\n TRIGGER x",
        ] {
            let sql = format!("{header}\nIS\nBEGIN\n  NULL;\nEND;\n/\nSELECT 1 FROM dual;");
            let stmts = split(&sql).unwrap();
            assert_eq!(stmts.len(), 2, "{header}");
            assert_eq!(stmts[0].text, format!("{header}\nIS\nBEGIN\n  NULL;\nEND;"));
        }
    }

    #[test]
    fn anonymous_blocks_wait_for_the_slash() {
        let sql = "DECLARE\n  n NUMBER;\nBEGIN\n  n := 1;\nEND;\n/\nbegin\n  NULL;\nend;\n/\n";
        assert_eq!(
            texts(sql),
            [
                "DECLARE\n  n NUMBER;\nBEGIN\n  n := 1;\nEND;",
                "begin\n  NULL;\nend;"
            ]
        );
    }

    #[test]
    fn slash_line_may_carry_whitespace_and_crlf() {
        let sql = "BEGIN\r\n  NULL;\r\nEND;\r\n  /  \r\nSELECT 1 FROM dual;\r\n";
        assert_eq!(
            texts(sql),
            ["BEGIN\r\n  NULL;\r\nEND;", "SELECT 1 FROM dual"]
        );
    }

    #[test]
    fn slash_at_end_of_input_without_newline() {
        assert_eq!(texts("BEGIN NULL; END;\n/"), ["BEGIN NULL; END;"]);
    }

    #[test]
    fn create_type_object_ends_at_slash() {
        let sql = "CREATE TYPE point AS OBJECT (\n  x NUMBER,\n  y NUMBER\n);\n/\nCREATE TABLE p (pt point);";
        assert_eq!(
            texts(sql),
            [
                "CREATE TYPE point AS OBJECT (\n  x NUMBER,\n  y NUMBER\n);",
                "CREATE TABLE p (pt point)"
            ]
        );
    }

    #[test]
    fn slash_after_a_plain_statement_is_not_a_statement() {
        assert_eq!(
            texts("SELECT 1 FROM dual;\n/\nSELECT 2 FROM dual;\n/\n"),
            ["SELECT 1 FROM dual", "SELECT 2 FROM dual"]
        );
    }

    #[test]
    fn slash_ends_a_plain_statement_without_semicolon() {
        assert_eq!(
            texts("SELECT 1\nFROM dual\n/\nSELECT 2 FROM dual;"),
            ["SELECT 1\nFROM dual", "SELECT 2 FROM dual"]
        );
    }

    #[test]
    fn division_is_not_a_slash_line() {
        assert_eq!(
            texts("SELECT 10\n/ 2 FROM dual;"),
            ["SELECT 10\n/ 2 FROM dual"]
        );
    }

    #[test]
    fn slash_inside_a_plsql_string_or_comment_does_not_end_it() {
        let sql = "BEGIN\n  x := '\n/\n';\n  /*\n/\n  */\n  NULL;\nEND;\n/\n";
        assert_eq!(
            texts(sql),
            ["BEGIN\n  x := '\n/\n';\n  /*\n/\n  */\n  NULL;\nEND;"]
        );
    }

    #[test]
    fn plsql_comment_after_end_is_left_out() {
        assert_eq!(
            texts("BEGIN\n  NULL;\nEND; -- done\n/\n"),
            ["BEGIN\n  NULL;\nEND;"]
        );
    }

    #[test]
    fn plain_create_statements_are_not_plsql() {
        let sql = "CREATE TABLE trigger_log (a NUMBER);\nCREATE OR REPLACE VIEW v AS SELECT 1 x FROM dual;\nCREATE SEQUENCE s;";
        assert_eq!(texts(sql).len(), 3);
        assert_eq!(
            texts("CREATE TABLE \"TRIGGER\" (a NUMBER);SELECT 1 FROM dual;").len(),
            2
        );
        assert_eq!(
            texts("CREATE OR REPLACE SYNONYM package FOR x;SELECT 1 FROM dual;").len(),
            2
        );
    }

    #[test]
    fn statement_starting_with_a_keyword_later_is_not_plsql() {
        assert_eq!(
            texts("UPDATE t SET begin_at = 1; SELECT begin FROM t;").len(),
            2
        );
    }

    #[test]
    fn unterminated_plsql_block_is_an_error_at_its_start() {
        let e = err("SELECT 1 FROM dual;\n\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n NULL;\nEND;\n");
        assert_eq!(
            e,
            SplitError {
                line: 3,
                message: "unterminated PL/SQL block starting here".into()
            }
        );
        assert_eq!(err("BEGIN NULL END").line, 1);
    }

    #[test]
    fn unterminated_quotes_and_comments_report_their_start() {
        assert_eq!(
            err("SELECT 1 FROM dual;\nSELECT 'abc FROM dual;"),
            SplitError {
                line: 2,
                message: "unterminated string literal starting here".into()
            }
        );
        assert_eq!(
            err("SELECT \"abc FROM dual;").message,
            "unterminated quoted identifier starting here"
        );
        assert_eq!(err("\n\nSELECT 1 /* never closed;\n\n").line, 3);
        assert_eq!(
            err("SELECT 1 /* never closed;").message,
            "unterminated block comment starting here"
        );
        assert_eq!(
            err("SELECT q'[abc]  FROM dual;").message,
            "unterminated quoted string starting here"
        );
    }

    #[test]
    fn q_quote_needs_its_own_closer() {
        // `]` alone does not close `q'[`, the `]'` pair does.
        assert_eq!(
            texts("SELECT q'[a]b;]' FROM dual;"),
            ["SELECT q'[a]b;]' FROM dual"]
        );
        assert!(split("SELECT q'[a' FROM dual;").is_err());
    }

    #[test]
    fn non_ascii_text_is_kept_intact() {
        let sql =
            "INSERT INTO t VALUES ('è stata inoltrata; già');\nINSERT INTO t VALUES ('日本;語');";
        assert_eq!(
            texts(sql),
            [
                "INSERT INTO t VALUES ('è stata inoltrata; già')",
                "INSERT INTO t VALUES ('日本;語')"
            ]
        );
    }

    #[test]
    fn q_quote_with_multibyte_delimiter() {
        assert_eq!(
            texts("SELECT q'éa;bé' FROM dual;"),
            ["SELECT q'éa;bé' FROM dual"]
        );
    }

    #[test]
    fn nasty_inputs_never_panic() {
        for sql in [
            "'",
            "\"",
            "q'",
            "q'[",
            "nq'",
            "Q",
            "/*",
            "/",
            "*/",
            "--",
            "-",
            ";",
            "$",
            "$$",
            "/*/",
            "'''",
            "\n/\n/",
            "BEGIN",
            "CREATE",
            "CREATE OR",
            "é'",
            "q' x'",
            "\u{feff}SELECT 1;",
            "\r\n/\r\n",
            "q'é",
        ] {
            let _ = split(sql);
        }
        assert!(texts("/").is_empty());
        assert_eq!(texts("$"), ["$"]);
    }

    #[test]
    fn q_followed_by_space_is_an_ordinary_string() {
        assert_eq!(texts("SELECT q' a;' FROM dual;").len(), 1);
    }

    #[test]
    fn statement_after_plsql_on_the_next_line_is_separate() {
        let sql = "CREATE OR REPLACE FUNCTION f RETURN NUMBER IS\nBEGIN\n  RETURN 1;\nEND;\n/\nSELECT f FROM dual;\n/\n";
        let stmts = split(sql).unwrap();
        assert_eq!(stmts.len(), 2);
        assert_eq!(stmts[1].text, "SELECT f FROM dual");
        assert_eq!(stmts[1].line, 6);
    }

    #[test]
    fn first_line_skips_blank_lines() {
        let stmts = split("BEGIN\n\n  NULL;\nEND;\n/").unwrap();
        assert_eq!(stmts[0].first_line(), "BEGIN");
    }
}

#[cfg(test)]
mod corpus;
