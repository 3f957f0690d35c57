//! Splitting a SQLite patch into statements.
//!
//! Built on the shared [`lexer`](crate::lexer): bytes of multi-byte UTF-8 characters are
//! identifier characters, as in SQLite's own tokenizer.
//!
//! The only construct where `;` does not end a statement is a trigger body:
//! `CREATE [TEMP] TRIGGER ... BEGIN ...; ...; END`. `CASE ... END` expressions may appear in the
//! trigger's `WHEN` clause and in its body, so `CASE`/`END` pairs are counted and only an `END`
//! at depth zero closes the body. Keywords are recognised only as bare words: inside quotes,
//! comments, or right after a `.` (`NEW.end`) they are names, not keywords.
//!
//! Known limit: an unquoted column named `end` or `case` inside a trigger body (SQLite accepts
//! `end` as a name) confuses the count; quote such names.

use crate::lexer::{Kind, Lexer, Syntax};
use crate::{SplitError, Statement};

/// Splits `sql` into statements; see the module documentation for the rules.
pub fn split(sql: &str) -> Result<Vec<Statement>, SplitError> {
    run(sql)
}

/// Where the first words of a statement say it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Head {
    Start,
    AfterCreate,
    AfterTemp,
    Trigger,
    Other,
}

/// Where a trigger statement is relative to its `BEGIN ... END` body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    Before,
    Inside { begin_line: u32 },
    Closed,
}

/// The statement being scanned.
struct Current {
    start: usize,
    line: u32,
    head: Head,
    body: Body,
    case_depth: u32,
    after_dot: bool,
}

impl Current {
    fn new(start: usize, line: u32) -> Current {
        Current {
            start,
            line,
            head: Head::Start,
            body: Body::Before,
            case_depth: 0,
            after_dot: false,
        }
    }

    /// A `;` here belongs to the trigger body rather than ending the statement.
    fn in_trigger_body(&self) -> bool {
        self.head == Head::Trigger && matches!(self.body, Body::Inside { .. })
    }

    /// Any token that is not a word: it ends the leading keyword sequence.
    fn punct(&mut self, is_dot: bool) {
        if self.head != Head::Trigger {
            self.head = Head::Other;
        }
        self.after_dot = is_dot;
    }

    fn word(&mut self, word: &[u8], line: u32) {
        let qualified = std::mem::replace(&mut self.after_dot, false);
        let is = |kw: &str| word.eq_ignore_ascii_case(kw.as_bytes());
        self.head = match self.head {
            Head::Start if is("CREATE") => Head::AfterCreate,
            Head::AfterCreate if is("TEMP") || is("TEMPORARY") => Head::AfterTemp,
            Head::AfterCreate | Head::AfterTemp if is("TRIGGER") => Head::Trigger,
            Head::Trigger => Head::Trigger,
            _ => Head::Other,
        };
        if self.head != Head::Trigger || qualified || self.body == Body::Closed {
            return;
        }
        if is("CASE") {
            self.case_depth += 1;
        } else if is("END") {
            if self.case_depth > 0 {
                self.case_depth -= 1;
            } else if matches!(self.body, Body::Inside { .. }) {
                self.body = Body::Closed;
            }
        } else if is("BEGIN") && self.case_depth == 0 && self.body == Body::Before {
            self.body = Body::Inside { begin_line: line };
        }
    }
}

/// What SQLite's text looks like to the lexer.
struct Text;

impl Syntax for Text {
    const BACKTICKS: bool = true;
    const BRACKETS: bool = true;
    fn word_start(c: u8) -> bool {
        is_word_byte(c)
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn run(sql: &str) -> Result<Vec<Statement>, SplitError> {
    let mut lexer = Lexer::<Text>::new(sql);
    let mut current: Option<Current> = None;
    let mut out = Vec::new();
    while let Some(token) = lexer.next()? {
        let bytes = &sql.as_bytes()[token.start..token.end];
        match token.kind {
            Kind::Space | Kind::Comment => continue,
            Kind::Punct if bytes == b";" => {
                if !current.as_ref().is_some_and(Current::in_trigger_body) {
                    finish(sql, current.take(), token.start, &mut out);
                }
                continue;
            }
            _ => {}
        }
        let cur = current.get_or_insert_with(|| Current::new(token.start, token.line));
        match token.kind {
            Kind::Word => cur.word(bytes, token.line),
            Kind::Punct => cur.punct(bytes == b"."),
            _ => cur.punct(false),
        }
    }
    if let Some(current) = &current {
        if let Body::Inside { begin_line } = current.body {
            if current.head == Head::Trigger {
                return Err(SplitError {
                    line: begin_line,
                    message: "unterminated trigger body starting here (BEGIN without END)"
                        .to_string(),
                });
            }
        }
    }
    finish(sql, current, sql.len(), &mut out);
    Ok(out)
}

fn finish(sql: &str, current: Option<Current>, end: usize, out: &mut Vec<Statement>) {
    if let Some(current) = current {
        crate::push_trimmed(out, sql.get(current.start..end).unwrap_or(""), current.line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::conformance::split_helpers!(split);

    #[test]
    fn semicolon_in_string_literal() {
        assert_eq!(
            texts("INSERT INTO t VALUES ('a;b');\nINSERT INTO t VALUES ('c');"),
            ["INSERT INTO t VALUES ('a;b')", "INSERT INTO t VALUES ('c')"]
        );
    }

    #[test]
    fn doubled_quote_escapes_in_literal() {
        assert_eq!(
            texts("SELECT 'it''s; fine'; SELECT ''';'"),
            ["SELECT 'it''s; fine'", "SELECT ''';'"]
        );
    }

    #[test]
    fn quoted_identifiers_of_every_kind() {
        assert_eq!(
            texts("SELECT \"a;\"\"b\" FROM `c;``d`; SELECT [e;f] FROM t;"),
            ["SELECT \"a;\"\"b\" FROM `c;``d`", "SELECT [e;f] FROM t"]
        );
    }

    #[test]
    fn bracket_identifier_has_no_escape() {
        assert_eq!(texts("SELECT [a]]; SELECT 2"), ["SELECT [a]]", "SELECT 2"]);
    }

    #[test]
    fn line_comments_are_dropped_between_and_kept_inside() {
        let sql = "-- head; comment\nSELECT 1 -- tail; comment\n, 2;\n-- between\nSELECT 3;";
        assert_eq!(texts(sql), ["SELECT 1 -- tail; comment\n, 2", "SELECT 3"]);
        assert_eq!(lines(sql), [2, 5]);
    }

    #[test]
    fn block_comments_do_not_nest() {
        // SQLite ends the comment at the first `*/`: the second `*/` is ordinary text.
        assert_eq!(texts("/* a /* b */ SELECT 1; */"), ["SELECT 1", "*/"]);
    }

    #[test]
    fn block_comment_with_semicolons_inside_statement() {
        assert_eq!(
            texts("SELECT /* x; y */ 1;\n/* between;\n */ SELECT 2;"),
            ["SELECT /* x; y */ 1", "SELECT 2"]
        );
        assert_eq!(lines("SELECT 1;\n/* between;\n */ SELECT 2;"), [1, 3]);
    }

    #[test]
    fn statement_lines_count_newlines_in_literals_and_comments() {
        let sql = "\n\nINSERT INTO t VALUES ('a\nb');\n/* c\n\n*/\n  UPDATE t SET x = 1;";
        assert_eq!(lines(sql), [3, 8]);
    }

    #[test]
    fn crlf_line_endings() {
        let sql = "SELECT 1;\r\n-- c\r\nSELECT 2;\r\n";
        assert_eq!(texts(sql), ["SELECT 1", "SELECT 2"]);
        assert_eq!(lines(sql), [1, 3]);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert_eq!(texts("\u{feff}SELECT 1;"), ["SELECT 1"]);
    }

    #[test]
    fn trigger_body_is_one_statement() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  INSERT INTO b VALUES (1);\n  \
                   UPDATE c SET x = 2;\nEND;\nSELECT 3;";
        let got = split(sql).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got[0].text.starts_with("CREATE TRIGGER t"));
        assert!(got[0].text.ends_with("END"));
        assert_eq!(got[1].text, "SELECT 3");
        assert_eq!(got[1].line, 6);
    }

    #[test]
    fn temp_trigger_and_lowercase_keywords() {
        let sql = "create temp trigger t after delete on a begin delete from b; end;\n\
                   CREATE TEMPORARY TRIGGER IF NOT EXISTS u BEFORE UPDATE ON a BEGIN SELECT 1; END";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn case_end_inside_trigger_body_does_not_close_it() {
        let sql = "CREATE TRIGGER t AFTER UPDATE ON a\n\
                   WHEN (CASE WHEN NEW.x > 0 THEN 1 ELSE 0 END) = 1\n\
                   BEGIN\n\
                   UPDATE b SET y = CASE WHEN NEW.x > 10 THEN 'big;' ELSE 'small' END;\n\
                   INSERT INTO c VALUES (CASE NEW.x WHEN 1 THEN CASE WHEN 1 THEN 'one' END END);\n\
                   END;\n\
                   SELECT 2;";
        let got = texts(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("END END);\nEND"));
        assert_eq!(got[1], "SELECT 2");
    }

    #[test]
    fn qualified_end_is_a_name() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET x = NEW.end; \
                   UPDATE b SET y = NEW . \"end\"; END; SELECT 1;";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn keywords_in_literals_and_comments_do_not_count() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n-- END;\n/* END; */\n\
                   INSERT INTO b VALUES ('END;', \"END\");\nEND;\nSELECT 1;";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn plain_begin_and_end_are_ordinary_statements() {
        assert_eq!(
            texts("BEGIN;\nBEGIN TRANSACTION;\nCREATE TABLE t (x);\nEND;\nCOMMIT;"),
            [
                "BEGIN",
                "BEGIN TRANSACTION",
                "CREATE TABLE t (x)",
                "END",
                "COMMIT"
            ]
        );
    }

    #[test]
    fn case_outside_trigger_does_not_hold_semicolons() {
        assert_eq!(
            texts("SELECT CASE WHEN 1 THEN 2 END; SELECT CASE 1; SELECT 3"),
            ["SELECT CASE WHEN 1 THEN 2 END", "SELECT CASE 1", "SELECT 3"]
        );
    }

    #[test]
    fn create_table_named_trigger_is_not_a_trigger() {
        assert_eq!(
            texts("CREATE TABLE \"trigger\" (begin_at TEXT); INSERT INTO x VALUES (1);"),
            [
                "CREATE TABLE \"trigger\" (begin_at TEXT)",
                "INSERT INTO x VALUES (1)"
            ]
        );
    }

    #[test]
    fn unterminated_identifiers_and_comments() {
        assert_eq!(
            err("SELECT \"a").message,
            "unterminated quoted identifier starting here"
        );
        assert_eq!(
            err("SELECT `a").message,
            "unterminated quoted identifier starting here"
        );
        assert_eq!(
            err("SELECT [a").message,
            "unterminated bracketed identifier starting here"
        );
        let e = err("SELECT 1;\n\n/* open");
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "unterminated block comment starting here")
        );
    }

    #[test]
    fn unterminated_trigger_body() {
        let e = err("CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  DELETE FROM b;\n");
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("unterminated trigger body"));
    }

    #[test]
    fn trigger_end_at_end_of_input_without_terminator() {
        assert_eq!(
            texts("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END").len(),
            1
        );
    }

    #[test]
    fn non_ascii_text_and_names() {
        assert_eq!(
            texts("INSERT INTO città VALUES ('perché; sì'); SELECT 'ü'"),
            ["INSERT INTO città VALUES ('perché; sì')", "SELECT 'ü'"]
        );
    }

    #[test]
    fn nasty_inputs_never_panic() {
        let nasty = [
            "'",
            "\"",
            "`",
            "[",
            "/*",
            "/",
            "-",
            "--",
            "$",
            "$$",
            ";",
            "'';'",
            "é",
            "\u{feff}",
            "CREATE TRIGGER",
            "CREATE TRIGGER t BEGIN",
            "END",
            "CASE",
            "/* é",
            "x'",
            "\0",
            "]",
            "*/",
            "BEGIN END; END;",
            "CREATE TRIGGER x BEGIN CASE END",
        ];
        for sql in nasty {
            let _ = split(sql);
            let _ = split(&format!("SELECT 1;\n{sql}"));
            let _ = split(&format!("{sql}{sql};{sql}"));
        }
        assert!(split("/*").is_err());
        assert!(split("'").is_err());
        assert_eq!(texts("$").len(), 1);
    }
}
