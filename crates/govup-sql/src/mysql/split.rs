//! Splitting a MySQL/MariaDB patch into statements, the way the `mysql` command-line client
//! reads a script: `;` ends a statement unless it is inside a string, a quoted identifier or a
//! comment, and `DELIMITER xx` lines change what ends one. Built on the shared
//! [`lexer`](crate::lexer).

use crate::lexer::{Kind, Lexer, Syntax};
use crate::{SplitError, Statement};

/// What MySQL's text looks like to the lexer. A `DELIMITER` may be any text, so it is looked for
/// before every token and inside every word.
pub(super) struct Text;

impl Syntax for Text {
    const HASH_COMMENTS: bool = true;
    const DASH_NEEDS_SPACE: bool = true;
    const EXECUTABLE_COMMENTS: bool = true;
    const COMMENT_NAME: &'static str = "comment";
    const BACKSLASH_ESCAPES: bool = true;
    const DOUBLE_QUOTED_STRINGS: bool = true;
    const BACKTICKS: bool = true;
}

/// Splits `sql` into statements. See the crate documentation for the accepted syntax.
pub fn split(sql: &str) -> Result<Vec<Statement>, SplitError> {
    let mut lexer = Lexer::<Text>::new(sql);
    let mut delimiter = ";".to_string();
    // Offset and line of the pending statement's first significant token.
    let mut start: Option<(usize, u32)> = None;
    let mut out = Vec::new();
    let mut line_start = true;
    loop {
        let pos = lexer.pos();
        // Only a line that begins outside any statement can be a DELIMITER command: inside a
        // statement `delimiter` may well be a column name.
        if line_start && start.is_none() {
            if let Some((new, line_end)) = delimiter_command(sql, pos, lexer.line())? {
                delimiter = new;
                lexer.seek(line_end);
                continue;
            }
        }
        if sql.as_bytes()[pos..].starts_with(delimiter.as_bytes()) {
            finish(sql, start.take(), pos, &mut out);
            lexer.seek(pos + delimiter.len());
            line_start = false;
            continue;
        }
        let Some(token) = lexer.next()? else { break };
        line_start = token.kind == Kind::Space && sql.as_bytes()[token.end - 1] == b'\n';
        if token.is_significant() && start.is_none() {
            start = Some((token.start, token.line));
        }
        if token.kind == Kind::Word {
            if let Some(at) = delimiter_inside(sql, token.start + 1, token.end, &delimiter) {
                lexer.seek(at);
            }
        }
    }
    finish(sql, start, sql.len(), &mut out);
    Ok(out)
}

/// Where the delimiter begins between `from` and `to` (inside a word), if it does.
fn delimiter_inside(sql: &str, from: usize, to: usize, delimiter: &str) -> Option<usize> {
    let first = *delimiter.as_bytes().first()?;
    let bytes = sql.as_bytes();
    (from..to).find(|&i| bytes[i] == first && bytes[i..].starts_with(delimiter.as_bytes()))
}

fn finish(sql: &str, start: Option<(usize, u32)>, end: usize, out: &mut Vec<Statement>) {
    if let Some((start, line)) = start {
        // Both offsets sit on ASCII bytes or at the start of the delimiter, so on char
        // boundaries; `get` keeps that an assumption rather than a possible panic.
        crate::push_trimmed(out, sql.get(start..end).unwrap_or(""), line);
    }
}

/// At the start of a line outside any statement: when the line is `DELIMITER xx`, the new
/// delimiter and where the line ends.
fn delimiter_command(
    sql: &str,
    pos: usize,
    line: u32,
) -> Result<Option<(String, usize)>, SplitError> {
    const KEYWORD: &[u8] = b"delimiter";
    let bytes = sql.as_bytes();
    let mut i = pos;
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let rest = &bytes[i.min(bytes.len())..];
    let is_command = rest.len() > KEYWORD.len()
        && rest[..KEYWORD.len()].eq_ignore_ascii_case(KEYWORD)
        && matches!(rest[KEYWORD.len()], b' ' | b'\t');
    if !is_command {
        return Ok(None);
    }
    let line_end = rest
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| i + n);
    let argument = sql.get(i + KEYWORD.len()..line_end).unwrap_or("");
    let Some(delimiter) = argument.split_whitespace().next() else {
        return Err(SplitError {
            line,
            message: "DELIMITER without a delimiter".to_string(),
        });
    };
    if delimiter.contains('\\') {
        return Err(SplitError {
            line,
            message: format!("DELIMITER {delimiter}: a delimiter cannot contain a backslash"),
        });
    }
    Ok(Some((delimiter.to_string(), line_end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::conformance::split_helpers!(split);

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
    fn delimiter_after_a_terminator_on_its_line_is_not_the_command() {
        // Only a line that starts with DELIMITER is the command, as in the `mysql` client.
        assert_eq!(texts(";delimiter ;\n;"), ["delimiter"]);
        assert_eq!(
            texts("SELECT 1;DELIMITER $$\nSELECT 2;"),
            ["SELECT 1", "DELIMITER $$\nSELECT 2"]
        );
    }

    #[test]
    fn delimiter_inside_a_word_ends_the_statement() {
        assert_eq!(
            texts("DELIMITER $$\nSELECT a$$SELECT b1x$$\nDELIMITER x;\nSELECT 1x;SELECT 2x;"),
            ["SELECT a", "SELECT b1x", "SELECT 1", "SELECT 2"]
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
        let e = err("SELECT 1;\nDELIMITER \n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("DELIMITER"), "{e}");
    }

    #[test]
    fn delimiter_with_backslash_is_an_error() {
        assert!(err("DELIMITER \\x\n").message.contains("backslash"));
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
    fn unterminated_string_by_trailing_backslash() {
        assert_eq!(
            err("SELECT 'abc\\'").message,
            "unterminated string literal starting here"
        );
    }

    #[test]
    fn unterminated_identifier() {
        let e = err("SELECT\n`abc");
        assert_eq!(e.line, 2);
        assert_eq!(e.message, "unterminated quoted identifier starting here");
    }

    #[test]
    fn unterminated_comments() {
        let e = err("SELECT 1;\n/* open");
        assert_eq!(
            (e.line, e.message.as_str()),
            (2, "unterminated comment starting here")
        );
        let e = err("/*!40101 SET x");
        assert_eq!(
            (e.line, e.message.as_str()),
            (1, "unterminated executable comment starting here")
        );
        assert_eq!(err("/*").line, 1);
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
}
