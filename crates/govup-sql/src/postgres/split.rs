//! Splitting a PostgreSQL patch into statements the way `psql` does.
//!
//! GovWay's patches are written for `psql`, so a `;` ends a statement exactly where `psql` would
//! send one: outside string literals (`'...'`, `E'...'` with backslash escapes), quoted
//! identifiers, comments (`--`, nested `/* */`), dollar quotes (`$$`, `$tag$`), parentheses and the
//! `BEGIN ... END` body of a SQL-standard `CREATE FUNCTION`/`CREATE PROCEDURE`. The scanner works
//! on bytes: every delimiter is ASCII, so UTF-8 text passes through untouched.
//!
//! Not handled, because patches run through govup and not through `psql`: backslash
//! meta-commands (`\i`, `\set`) and `standard_conforming_strings = off`, under which a plain
//! `'...'` would also treat backslashes as escapes.

use crate::{SplitError, Statement};

/// Splits `sql` into statements; see the module documentation for the grammar.
pub fn split(sql: &str) -> Result<Vec<Statement>, SplitError> {
    Scanner::new(sql).run()
}

struct Scanner<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    /// Byte offsets where each line starts: line numbers are computed from offsets on demand,
    /// so no branch of the scanner has to count newlines.
    line_starts: Vec<usize>,
    out: Vec<Statement>,
    stmt: Option<Current>,
}

/// The statement being read.
#[derive(Default)]
struct Current {
    start: usize,
    /// End of its last significant token: trailing comments before the `;` are not part of it.
    end: usize,
    /// Offset of the outermost unclosed `(`, and how many are open.
    paren_start: usize,
    paren_depth: u32,
    /// Offset of the outermost unclosed `BEGIN` of a function body, and how many are open.
    begin_start: usize,
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

    fn note_word(&mut self, word: &[u8], at: usize) {
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
                self.begin_start = at;
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

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_cont(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == b'$'
}

fn is_dollar_tag_cont(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

impl<'a> Scanner<'a> {
    fn new(src: &'a str) -> Scanner<'a> {
        let b = src.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(
            b.iter()
                .enumerate()
                .filter(|(_, &c)| c == b'\n')
                .map(|(i, _)| i + 1),
        );
        Scanner {
            src,
            b,
            i: 0,
            line_starts,
            out: Vec::new(),
            stmt: None,
        }
    }

    fn line_of(&self, offset: usize) -> u32 {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }

    fn error(&self, offset: usize, message: &str) -> SplitError {
        SplitError {
            line: self.line_of(offset),
            message: message.to_string(),
        }
    }

    fn peek(&self, at: usize) -> Option<u8> {
        self.b.get(at).copied()
    }

    fn run(mut self) -> Result<Vec<Statement>, SplitError> {
        while let Some(c) = self.peek(self.i) {
            match c {
                c if c.is_ascii_whitespace() => self.i += 1,
                b'-' if self.peek(self.i + 1) == Some(b'-') => self.line_comment(),
                b'/' if self.peek(self.i + 1) == Some(b'*') => self.block_comment()?,
                b';' => self.semicolon(),
                _ => self.token()?,
            }
        }
        if let Some(stmt) = &self.stmt {
            if stmt.paren_depth > 0 {
                return Err(self.error(stmt.paren_start, "unclosed parenthesis starting here"));
            }
            if stmt.begin_depth > 0 {
                return Err(self.error(
                    stmt.begin_start,
                    "unterminated BEGIN ... END block starting here",
                ));
            }
            self.finish();
        }
        Ok(self.out)
    }

    fn line_comment(&mut self) {
        while let Some(c) = self.peek(self.i) {
            if c == b'\n' {
                break;
            }
            self.i += 1;
        }
    }

    fn block_comment(&mut self) -> Result<(), SplitError> {
        let start = self.i;
        self.i += 2;
        let mut depth = 1u32;
        loop {
            match (self.peek(self.i), self.peek(self.i + 1)) {
                (None, _) => {
                    return Err(self.error(start, "unterminated block comment starting here"))
                }
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.i += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.i += 2;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => self.i += 1,
            }
        }
    }

    fn semicolon(&mut self) {
        let ends = match &self.stmt {
            Some(stmt) => stmt.paren_depth == 0 && stmt.begin_depth == 0,
            None => false,
        };
        if ends {
            self.finish();
        } else if let Some(stmt) = &mut self.stmt {
            stmt.end = self.i + 1;
        }
        self.i += 1;
    }

    fn finish(&mut self) {
        if let Some(stmt) = self.stmt.take() {
            // Both offsets sit next to ASCII bytes, so they are char boundaries.
            let text = self.src.get(stmt.start..stmt.end).unwrap_or_default();
            self.out.push(Statement {
                text: text.to_string(),
                line: self.line_of(stmt.start),
            });
        }
    }

    /// Reads one significant token starting at `self.i`, opening a statement if none is open.
    fn token(&mut self) -> Result<(), SplitError> {
        let b = self.b;
        let start = self.i;
        let at = |i: usize| b.get(i).copied();
        let stmt = self.stmt.get_or_insert_with(|| Current {
            start,
            ..Current::default()
        });
        match b[start] {
            b'\'' => self.string(start, false)?,
            b'"' => self.quoted_identifier(start)?,
            b'$' => self.dollar(start)?,
            b'(' => {
                if stmt.paren_depth == 0 {
                    stmt.paren_start = start;
                }
                stmt.paren_depth += 1;
                self.i += 1;
            }
            b')' => {
                stmt.paren_depth = stmt.paren_depth.saturating_sub(1);
                self.i += 1;
            }
            c if c.is_ascii_digit() => {
                // A whole number, so that a `$` right after it is read afresh, as PostgreSQL does.
                let mut end = start;
                while at(end).is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.') {
                    end += 1;
                }
                self.i = end;
            }
            c if is_ident_start(c) => {
                let mut end = start;
                while at(end).is_some_and(is_ident_cont) {
                    end += 1;
                }
                let word = &b[start..end];
                if word.eq_ignore_ascii_case(b"e") && at(end) == Some(b'\'') {
                    self.string(end, true)?;
                } else {
                    stmt.note_word(word, start);
                    self.i = end;
                }
            }
            _ => self.i += 1,
        }
        if let Some(stmt) = &mut self.stmt {
            stmt.end = self.i;
        }
        Ok(())
    }

    /// A string literal whose opening quote is at `quote`; `escapes` for `E'...'`.
    fn string(&mut self, quote: usize, escapes: bool) -> Result<(), SplitError> {
        let start = if escapes {
            quote.saturating_sub(1)
        } else {
            quote
        };
        self.i = quote + 1;
        loop {
            match self.peek(self.i) {
                None => return Err(self.error(start, "unterminated string literal starting here")),
                Some(b'\\') if escapes => self.i += 2,
                Some(b'\'') if self.peek(self.i + 1) == Some(b'\'') => self.i += 2,
                Some(b'\'') => {
                    self.i += 1;
                    // 'a'<newline>'b' is one literal, and an E'...' keeps its escapes across.
                    match self.continuation() {
                        Some(next) => self.i = next + 1,
                        None => return Ok(()),
                    }
                }
                Some(_) => self.i += 1,
            }
        }
    }

    /// Where a string continues: whitespace holding at least one newline (and maybe `--`
    /// comments) followed by a quote. Returns the offset of that quote.
    fn continuation(&self) -> Option<usize> {
        let mut j = self.i;
        let mut newline = false;
        loop {
            match self.peek(j)? {
                b'\n' => {
                    newline = true;
                    j += 1;
                }
                c if c.is_ascii_whitespace() => j += 1,
                b'-' if newline && self.peek(j + 1) == Some(b'-') => {
                    while self.peek(j).is_some_and(|c| c != b'\n') {
                        j += 1;
                    }
                }
                b'\'' if newline => return Some(j),
                _ => return None,
            }
        }
    }

    fn quoted_identifier(&mut self, start: usize) -> Result<(), SplitError> {
        self.i = start + 1;
        loop {
            match self.peek(self.i) {
                None => {
                    return Err(self.error(start, "unterminated quoted identifier starting here"))
                }
                Some(b'"') if self.peek(self.i + 1) == Some(b'"') => self.i += 2,
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(_) => self.i += 1,
            }
        }
    }

    /// `$$`, `$tag$` open a dollar quote; anything else (`$1`, a stray `$`) is an ordinary byte.
    fn dollar(&mut self, start: usize) -> Result<(), SplitError> {
        let mut j = start + 1;
        if self.peek(j).is_some_and(is_ident_start) {
            while self.peek(j).is_some_and(is_dollar_tag_cont) {
                j += 1;
            }
        }
        if self.peek(j) != Some(b'$') {
            self.i = start + 1;
            while self.peek(self.i).is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            return Ok(());
        }
        let delimiter = &self.b[start..=j];
        let body = j + 1;
        match find(&self.b[body..], delimiter) {
            Some(at) => {
                self.i = body + at + delimiter.len();
                Ok(())
            }
            None => Err(self.error(start, "unterminated dollar-quoted string starting here")),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

    fn err(sql: &str) -> SplitError {
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
