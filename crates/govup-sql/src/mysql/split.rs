//! Splitting a MySQL/MariaDB patch into statements, the way the `mysql` command-line client
//! reads a script: `;` ends a statement unless it is inside a string, a quoted identifier or a
//! comment, and `DELIMITER xx` lines change what ends one.

use crate::{SplitError, Statement};

/// What the scanner can be inside of, for the message when it never ends.
#[derive(Clone, Copy)]
enum Open {
    String { quote: u8 },
    Identifier,
    Comment,
    ExecutableComment,
}

impl Open {
    fn unterminated(self) -> &'static str {
        match self {
            Open::String { .. } => "unterminated string literal starting here",
            Open::Identifier => "unterminated quoted identifier starting here",
            Open::Comment => "unterminated comment starting here",
            Open::ExecutableComment => "unterminated executable comment starting here",
        }
    }
}

/// Splits `sql` into statements. See the crate documentation for the accepted syntax.
pub fn split(sql: &str) -> Result<Vec<Statement>, SplitError> {
    Splitter::new(sql).run()
}

struct Splitter<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    delimiter: String,
    /// Byte offset and line of the pending statement's first non-blank, non-comment character.
    start: Option<(usize, u32)>,
    statements: Vec<Statement>,
}

impl<'a> Splitter<'a> {
    fn new(sql: &'a str) -> Splitter<'a> {
        Splitter {
            sql,
            bytes: sql.as_bytes(),
            pos: 0,
            line: 1,
            delimiter: ";".to_string(),
            start: None,
            statements: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Vec<Statement>, SplitError> {
        let mut line_start = true;
        while self.pos < self.bytes.len() {
            // Only a line that begins outside any statement can be a DELIMITER command: inside a
            // statement `delimiter` may well be a column name.
            if line_start && self.start.is_none() && self.delimiter_command()? {
                continue;
            }
            line_start = false;
            let b = self.bytes[self.pos];
            if self.bytes[self.pos..].starts_with(self.delimiter.as_bytes()) {
                self.finish(self.pos);
                self.pos += self.delimiter.len();
                continue;
            }
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                    line_start = true;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'\'' | b'"' => {
                    self.mark_start();
                    self.skip_quoted(Open::String { quote: b })?;
                }
                b'`' => {
                    self.mark_start();
                    self.skip_quoted(Open::Identifier)?;
                }
                b'#' => self.skip_line_comment(),
                b'-' if self.is_dash_comment() => self.skip_line_comment(),
                b'/' if self.peek(1) == Some(b'*') => {
                    if self.is_executable_comment() {
                        self.mark_start();
                        self.skip_block_comment(Open::ExecutableComment)?;
                    } else {
                        self.skip_block_comment(Open::Comment)?;
                    }
                }
                _ => {
                    self.mark_start();
                    self.pos += 1;
                }
            }
        }
        self.finish(self.bytes.len());
        Ok(self.statements)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn mark_start(&mut self) {
        if self.start.is_none() {
            self.start = Some((self.pos, self.line));
        }
    }

    fn finish(&mut self, end: usize) {
        if let Some((start, line)) = self.start.take() {
            // Both offsets sit on ASCII bytes or at the start of the delimiter, so on char
            // boundaries; `get` keeps that an assumption rather than a possible panic.
            let text = self.sql.get(start..end).unwrap_or("").trim();
            if !text.is_empty() {
                self.statements.push(Statement {
                    text: text.to_string(),
                    line,
                });
            }
        }
    }

    /// `--` starts a comment only when followed by whitespace, a control character or the end:
    /// `1--1` is an expression.
    fn is_dash_comment(&self) -> bool {
        self.peek(1) == Some(b'-') && self.peek(2).is_none_or(|c| c <= b' ' || c == 0x7f)
    }

    /// `/*!` (MySQL) and `/*M!` (MariaDB) comments are code the server runs.
    fn is_executable_comment(&self) -> bool {
        match self.peek(2) {
            Some(b'!') => true,
            Some(b'M') => self.peek(3) == Some(b'!'),
            _ => false,
        }
    }

    fn skip_line_comment(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
            self.pos += 1;
        }
    }

    fn skip_block_comment(&mut self, open: Open) -> Result<(), SplitError> {
        let line = self.line;
        let mut i = self.pos + 2;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'*' if self.bytes.get(i + 1) == Some(&b'/') => {
                    self.pos = i + 2;
                    return Ok(());
                }
                b'\n' => self.line += 1,
                _ => {}
            }
            i += 1;
        }
        Err(SplitError {
            line,
            message: open.unterminated().to_string(),
        })
    }

    /// Skips a string (backslash escapes, doubled quotes) or a backtick identifier (doubled
    /// backticks), from its opening quote to just past its closing one.
    fn skip_quoted(&mut self, open: Open) -> Result<(), SplitError> {
        let (quote, escapes) = match open {
            Open::String { quote } => (quote, true),
            _ => (b'`', false),
        };
        let line = self.line;
        let mut i = self.pos + 1;
        while i < self.bytes.len() {
            let b = self.bytes[i];
            if b == b'\n' {
                self.line += 1;
            } else if b == b'\\' && escapes {
                if self.bytes.get(i + 1) == Some(&b'\n') {
                    self.line += 1;
                }
                i += 1;
            } else if b == quote {
                if self.bytes.get(i + 1) == Some(&quote) {
                    i += 1;
                } else {
                    self.pos = i + 1;
                    return Ok(());
                }
            }
            i += 1;
        }
        Err(SplitError {
            line,
            message: open.unterminated().to_string(),
        })
    }

    /// At the start of a line outside any statement: when the line is `DELIMITER xx`, adopts
    /// `xx`, consumes the line and returns true.
    fn delimiter_command(&mut self) -> Result<bool, SplitError> {
        const KEYWORD: &[u8] = b"delimiter";
        let mut i = self.pos;
        while matches!(self.bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        let rest = &self.bytes[i..];
        let is_command = rest.len() > KEYWORD.len()
            && rest[..KEYWORD.len()].eq_ignore_ascii_case(KEYWORD)
            && matches!(rest[KEYWORD.len()], b' ' | b'\t');
        if !is_command {
            return Ok(false);
        }
        let line_end = self.bytes[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |n| i + n);
        let argument = self.sql.get(i + KEYWORD.len()..line_end).unwrap_or("");
        let Some(delimiter) = argument.split_whitespace().next() else {
            return Err(SplitError {
                line: self.line,
                message: "DELIMITER without a delimiter".to_string(),
            });
        };
        if delimiter.contains('\\') {
            return Err(SplitError {
                line: self.line,
                message: format!("DELIMITER {delimiter}: a delimiter cannot contain a backslash"),
            });
        }
        self.delimiter = delimiter.to_string();
        self.pos = line_end;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split(sql).unwrap().into_iter().map(|s| s.text).collect()
    }

    fn lines(sql: &str) -> Vec<u32> {
        split(sql).unwrap().into_iter().map(|s| s.line).collect()
    }

    fn error(sql: &str) -> SplitError {
        split(sql).unwrap_err()
    }

    #[test]
    fn common_splitting_rules() {
        govup_testkit::check_common_splitting_rules(|sql| {
            split(sql)
                .map(|v| v.into_iter().map(|s| (s.text, s.line)).collect())
                .map_err(|e| (e.line, e.message))
        });
    }

    #[test]
    fn empty_statements_are_dropped() {
        assert_eq!(texts(";;\n ; SELECT 1;;"), ["SELECT 1"]);
    }

    #[test]
    fn semicolon_in_single_quoted_string() {
        assert_eq!(
            texts("INSERT INTO t VALUES ('a;b'); SELECT 1"),
            ["INSERT INTO t VALUES ('a;b')", "SELECT 1"]
        );
    }

    #[test]
    fn semicolon_in_double_quoted_string() {
        assert_eq!(
            texts("SELECT \"a;b\"; SELECT 1"),
            ["SELECT \"a;b\"", "SELECT 1"]
        );
    }

    #[test]
    fn doubled_quotes_inside_strings() {
        assert_eq!(
            texts("SELECT 'it''s;'; SELECT \"say \"\"hi;\"\"\";"),
            ["SELECT 'it''s;'", "SELECT \"say \"\"hi;\"\"\""]
        );
    }

    #[test]
    fn backslash_escapes_inside_strings() {
        assert_eq!(
            texts(r"SELECT 'a\';b'; SELECT 2"),
            [r"SELECT 'a\';b'", "SELECT 2"]
        );
        assert_eq!(
            texts(r#"SELECT "a\";b"; SELECT 2"#),
            [r#"SELECT "a\";b""#, "SELECT 2"]
        );
    }

    #[test]
    fn escaped_backslash_before_closing_quote() {
        assert_eq!(
            texts(r"SELECT 'a\\'; SELECT 2"),
            [r"SELECT 'a\\'", "SELECT 2"]
        );
    }

    #[test]
    fn backtick_identifiers() {
        assert_eq!(
            texts("SELECT `a;b` FROM `t``;`; SELECT 2"),
            ["SELECT `a;b` FROM `t``;`", "SELECT 2"]
        );
    }

    #[test]
    fn quotes_inside_backticks_are_plain() {
        assert_eq!(
            texts("SELECT `it's`; SELECT 2"),
            ["SELECT `it's`", "SELECT 2"]
        );
    }

    #[test]
    fn backslash_inside_backticks_is_plain() {
        assert_eq!(
            texts(r"SELECT `a\`; SELECT 2"),
            [r"SELECT `a\`", "SELECT 2"]
        );
    }

    #[test]
    fn hash_comment() {
        assert_eq!(
            texts("# x; y\nSELECT 1; # z;\nSELECT 2"),
            ["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn dash_comment_needs_whitespace() {
        assert_eq!(
            texts("-- x;\nSELECT 1;--\tc;\nSELECT 2"),
            ["SELECT 1", "SELECT 2"]
        );
        assert_eq!(texts("SELECT 5--x;\nSELECT 2"), ["SELECT 5--x", "SELECT 2"]);
        assert_eq!(texts("SELECT 1--1; SELECT 2"), ["SELECT 1--1", "SELECT 2"]);
    }

    #[test]
    fn dash_comment_at_end_of_input() {
        assert_eq!(texts("SELECT 1;\n--"), ["SELECT 1"]);
    }

    #[test]
    fn block_comment_with_semicolons() {
        assert_eq!(
            texts("/* a; b */ SELECT 1; /* c;\n d; */ SELECT 2"),
            ["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn comments_inside_a_statement_are_kept() {
        assert_eq!(
            texts("SELECT 1, -- one;\n  2 /* two; */ # three;\n;"),
            ["SELECT 1, -- one;\n  2 /* two; */ # three;"]
        );
    }

    #[test]
    fn comment_marks_inside_strings_are_text() {
        assert_eq!(
            texts("SELECT '-- x', '# y', '/* z'; SELECT 2"),
            ["SELECT '-- x', '# y', '/* z'", "SELECT 2"]
        );
    }

    #[test]
    fn apostrophe_in_comment_is_not_a_string() {
        assert_eq!(
            texts("-- l'attuale modalita'\nSELECT 1;\n# don't\nSELECT 2;"),
            ["SELECT 1", "SELECT 2"]
        );
    }

    #[test]
    fn executable_comment_is_kept() {
        assert_eq!(
            texts("/*!40101 SET NAMES utf8mb4 */;\n/*!50003 SET @x = 1; */;\nSELECT 1"),
            [
                "/*!40101 SET NAMES utf8mb4 */",
                "/*!50003 SET @x = 1; */",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn executable_comment_inside_statement() {
        assert_eq!(
            texts("CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */; SELECT 1"),
            [
                "CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn mariadb_executable_comment_is_kept() {
        assert_eq!(
            texts("/*M!100100 SET @y = 2 */;"),
            ["/*M!100100 SET @y = 2 */"]
        );
        assert!(texts("/*M no bang */;").is_empty());
    }

    #[test]
    fn executable_comment_starts_the_line_count() {
        assert_eq!(lines("-- c\n\n/*!40101 SET NAMES utf8 */;"), [3]);
    }

    #[test]
    fn delimiter_trigger() {
        let sql = "CREATE TABLE t (a INT);\n\nDELIMITER $$\nCREATE TRIGGER tr BEFORE INSERT ON t\nFOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\n  SET NEW.a = NEW.a + 1;\nEND$$\nDELIMITER ;\nSELECT 1;\n";
        let got = split(sql).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].text, "CREATE TABLE t (a INT)");
        assert_eq!(
            got[1].text,
            "CREATE TRIGGER tr BEFORE INSERT ON t\nFOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\n  SET NEW.a = NEW.a + 1;\nEND"
        );
        assert_eq!(got[1].line, 4);
        assert_eq!(got[2].text, "SELECT 1");
        assert_eq!(got[2].line, 11);
    }

    #[test]
    fn delimiter_is_case_insensitive_and_may_be_indented() {
        assert_eq!(
            texts("  delimiter //\nSELECT 1; SELECT 2//\n\tDeLiMiTeR ;\nSELECT 3;"),
            ["SELECT 1; SELECT 2", "SELECT 3"]
        );
    }

    #[test]
    fn multi_character_delimiter() {
        assert_eq!(
            texts("DELIMITER ;;\nSELECT 1; SELECT 2;;\nSELECT 3;;\nDELIMITER ;\n"),
            ["SELECT 1; SELECT 2", "SELECT 3"]
        );
    }

    #[test]
    fn custom_delimiter_inside_string_is_text() {
        assert_eq!(
            texts("DELIMITER $$\nSELECT '$$'$$\nDELIMITER ;"),
            ["SELECT '$$'"]
        );
    }

    #[test]
    fn delimiter_line_is_not_a_statement_and_last_statement_may_lack_it() {
        assert_eq!(texts("DELIMITER $$\nSELECT 1"), ["SELECT 1"]);
        assert!(texts("DELIMITER $$\nDELIMITER ;\n").is_empty());
    }

    #[test]
    fn delimiter_inside_a_statement_is_a_name() {
        assert_eq!(
            texts("CREATE TABLE t (\n  delimiter VARCHAR(10)\n);"),
            ["CREATE TABLE t (\n  delimiter VARCHAR(10)\n)"]
        );
    }

    #[test]
    fn delimiter_prefix_is_not_the_command() {
        assert_eq!(texts("DELIMITERS;\nSELECT 1;"), ["DELIMITERS", "SELECT 1"]);
    }

    #[test]
    fn mysqldump_style_trigger() {
        let sql = "DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END */;;\nDELIMITER ;\n";
        let got = texts(sql);
        assert_eq!(got.len(), 1);
        assert!(got[0].starts_with("/*!50003 CREATE*/"));
        assert!(got[0].ends_with("END */"));
    }

    #[test]
    fn delimiter_without_argument_is_an_error() {
        let e = error("SELECT 1;\nDELIMITER \n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("DELIMITER"), "{e}");
    }

    #[test]
    fn delimiter_with_backslash_is_an_error() {
        assert!(error("DELIMITER \\x\n").message.contains("backslash"));
    }

    #[test]
    fn line_numbers_skip_comments_and_blank_lines() {
        assert_eq!(
            lines("-- head\n\nSELECT 1;\n/* a\n b */\n  SELECT\n 2;"),
            [3, 6]
        );
    }

    #[test]
    fn line_numbers_count_newlines_inside_strings_and_comments() {
        assert_eq!(
            lines("SELECT 'a\nb', `c\nd` /* e\nf */;\nSELECT 2;"),
            [1, 5]
        );
    }

    #[test]
    fn unterminated_string() {
        let e = error("SELECT 1;\n\nSELECT 'abc;\n");
        assert_eq!(e.line, 3);
        assert_eq!(e.message, "unterminated string literal starting here");
    }

    #[test]
    fn unterminated_string_by_trailing_backslash() {
        assert_eq!(
            error("SELECT 'abc\\'").message,
            "unterminated string literal starting here"
        );
    }

    #[test]
    fn unterminated_identifier() {
        let e = error("SELECT\n`abc");
        assert_eq!(e.line, 2);
        assert_eq!(e.message, "unterminated quoted identifier starting here");
    }

    #[test]
    fn unterminated_comments() {
        let e = error("SELECT 1;\n/* open");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unterminated comment starting here")
        );
        let e = error("/*!40101 SET x");
        assert_eq!(
            (e.line, e.message.as_str()),
            (1, "unterminated executable comment starting here")
        );
        assert_eq!(error("/*").line, 1);
    }

    #[test]
    fn windows_line_endings() {
        let got = split("-- c\r\nSELECT 1;\r\nSELECT 2;\r\n").unwrap();
        assert_eq!(
            got.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(),
            ["SELECT 1", "SELECT 2"]
        );
        assert_eq!(got.iter().map(|s| s.line).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn non_ascii_text() {
        assert_eq!(
            texts("INSERT INTO t VALUES ('città; è'); SELECT `naïve`;"),
            ["INSERT INTO t VALUES ('città; è')", "SELECT `naïve`"]
        );
    }

    #[test]
    fn non_ascii_delimiter() {
        assert_eq!(
            texts("DELIMITER §\nSELECT 1; SELECT 2§\nSELECT 3§"),
            ["SELECT 1; SELECT 2", "SELECT 3"]
        );
    }

    #[test]
    fn dollar_signs_are_plain_text_by_default() {
        assert_eq!(
            texts("SELECT '$x$'; SELECT $a$;"),
            ["SELECT '$x$'", "SELECT $a$"]
        );
    }

    #[test]
    fn nasty_inputs_never_panic() {
        let nasty = [
            "'",
            "\"",
            "`",
            "/*",
            "/*!",
            "/*M!",
            "--",
            "#",
            "\\",
            "$",
            "$$",
            ";",
            "DELIMITER",
            "DELIMITER ",
            "DELIMITER $$",
            "DELIMITER $$\n",
            "delimiter\t",
            "'\\",
            "\"\\",
            "é",
            "'é",
            "/*é",
            "-",
            "/",
            "*/",
            "SELECT 1 /",
            "a\u{0}b;",
            "\u{a0};",
            "DELIMITER é\né",
            "''''",
            "````",
            "/**/",
            "/*/",
            "--\u{7f}x",
        ];
        for text in nasty {
            let _ = split(text);
            for cut in 0..text.len() {
                if let Some(prefix) = text.get(..cut) {
                    let _ = split(prefix);
                }
            }
        }
    }

    #[test]
    fn empty_block_comment_is_closed() {
        assert_eq!(texts("/**/SELECT 1;"), ["SELECT 1"]);
    }

    #[test]
    fn non_ascii_whitespace_only_statement_is_dropped() {
        assert!(texts("\u{a0};").is_empty());
    }

    /// Random soups of the characters that matter: never a panic, and every statement found is
    /// non-empty text on a line that exists.
    #[test]
    fn random_soups_never_panic() {
        const PIECES: [&str; 22] = [
            "'",
            "\"",
            "`",
            "\\",
            ";",
            "--",
            "-- ",
            "#",
            "/*",
            "*/",
            "/*!",
            "\n",
            " ",
            "DELIMITER $$\n",
            "delimiter ;\n",
            "$$",
            "é",
            "a",
            "SELECT",
            "\r",
            "\t",
            "/",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut text = String::new();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 58) as usize;
            for _ in 0..len {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
            }
            let total_lines = text.matches('\n').count() as u32 + 1;
            match split(&text) {
                Ok(statements) => {
                    for s in statements {
                        assert!(!s.text.is_empty(), "{text:?}");
                        assert!(s.line >= 1 && s.line <= total_lines, "{text:?}");
                    }
                }
                Err(e) => assert!(e.line >= 1 && e.line <= total_lines, "{text:?}"),
            }
        }
    }
}
