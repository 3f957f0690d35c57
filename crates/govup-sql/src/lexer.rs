//! The one lexer every dialect's splitter builds on: white space, comments, quoted strings and
//! identifiers, dollar and `q'` quotes, words and punctuation, with the 1-based line where each
//! token starts. A leading byte-order mark is skipped.
//!
//! It works on bytes and never allocates per token: a token is a kind and a byte range. Every
//! delimiter is ASCII and non-ASCII bytes stay inside words (or, for Oracle, whole characters),
//! so ranges start and end on character boundaries. What differs between dialects is a
//! [`Syntax`] implementation, not code.

use crate::SplitError;

/// What one dialect's text looks like to the lexer. Constants and functions rather than data, so
/// that each dialect's lexer is compiled for it and tests nothing the dialect does not have.
pub trait Syntax {
    /// `#` starts a line comment (MySQL).
    const HASH_COMMENTS: bool = false;
    /// `--` starts a comment only before white space, a control character or the end (MySQL:
    /// `1--1` is an expression).
    const DASH_NEEDS_SPACE: bool = false;
    /// `/* /* */ */` nests (PostgreSQL).
    const NESTED_COMMENTS: bool = false;
    /// `/*!...*/` and `/*M!...*/` are code the server runs (MySQL).
    const EXECUTABLE_COMMENTS: bool = false;
    /// How an unterminated `/* */` is called in messages.
    const COMMENT_NAME: &'static str = "block comment";
    /// A backslash escapes the next byte in strings (MySQL).
    const BACKSLASH_ESCAPES: bool = false;
    /// `"..."` is a string rather than an identifier (MySQL).
    const DOUBLE_QUOTED_STRINGS: bool = false;
    /// `` `...` `` quotes an identifier (MySQL, SQLite).
    const BACKTICKS: bool = false;
    /// `[...]` quotes an identifier, without escapes (SQLite).
    const BRACKETS: bool = false;
    /// `E'...'` honours backslashes, and a string continues across a newline into the next
    /// `'...'` (PostgreSQL).
    const ESCAPE_STRINGS: bool = false;
    /// `$$...$$`, `$tag$...$tag$` (PostgreSQL).
    const DOLLAR_QUOTES: bool = false;
    /// `q'[...]'`, `nq'{...}'` (Oracle).
    const Q_QUOTES: bool = false;
    /// Non-ASCII characters are white space, word or punctuation by their Unicode class
    /// (Oracle); elsewhere every non-ASCII byte belongs to words.
    const UNICODE: bool = false;
    /// A digit starts a number that runs over letters, digits, `_` and `.` (PostgreSQL).
    const NUMBERS: bool = false;
    /// White space but the newline, which the lexer knows.
    fn space(c: u8) -> bool {
        matches!(c, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
    }
    fn word_start(c: u8) -> bool {
        c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
    }
    fn word_cont(c: u8) -> bool {
        Self::word_start(c)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// White space up to and including at most one newline: every line starts a token.
    Space,
    /// A comment that is not code.
    Comment,
    /// A comment the server runs (MySQL's `/*!...*/`).
    ExecComment,
    /// A string literal of any quoting.
    String,
    /// A quoted identifier.
    Ident,
    Word,
    Number,
    /// Anything else: one character (one byte where words are off).
    Punct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub line: u32,
}

impl Token {
    /// Neither white space nor a plain comment.
    pub fn is_significant(&self) -> bool {
        !matches!(self.kind, Kind::Space | Kind::Comment)
    }
}

pub struct Lexer<'a, S> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    line: u32,
    origin: usize,
    syntax: std::marker::PhantomData<S>,
}

impl<'a, S: Syntax> Lexer<'a, S> {
    pub fn new(src: &'a str) -> Lexer<'a, S> {
        // A byte-order mark says how the file is encoded; it is not part of the first statement.
        let origin = if src.starts_with('\u{feff}') { 3 } else { 0 };
        Lexer {
            src,
            b: src.as_bytes(),
            pos: origin,
            line: 1,
            origin,
            syntax: std::marker::PhantomData,
        }
    }

    pub fn src(&self) -> &'a str {
        self.src
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    /// Whether `at` is the first byte of a line.
    pub fn is_line_start(&self, at: usize) -> bool {
        at == self.origin || (at > 0 && self.b.get(at - 1) == Some(&b'\n'))
    }

    /// The rest of the line from `at`, without its newline.
    pub fn rest_of_line(&self, at: usize) -> &'a str {
        let rest = self.src.get(at..).unwrap_or("");
        &rest[..rest.find('\n').unwrap_or(rest.len())]
    }

    /// Moves to `to`, forward or back, counting the lines passed.
    pub fn seek(&mut self, to: usize) {
        let to = to.clamp(self.origin, self.b.len());
        if to >= self.pos {
            self.line += newlines(&self.b[self.pos..to]);
        } else {
            self.line -= newlines(&self.b[to..self.pos]);
        }
        self.pos = to;
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn error(&self, line: u32, what: &str) -> SplitError {
        SplitError {
            line,
            message: format!("unterminated {what} starting here"),
        }
    }

    /// The next token, None at the end of the text, or the construct that never ends.
    // Not `Iterator::next`: an error is not an item, and nothing follows it.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Token>, SplitError> {
        let start = self.pos;
        let Some(c) = self.at(start) else {
            return Ok(None);
        };
        let line = self.line;
        let next = self.at(start + 1);
        let (kind, end) = match c {
            b'\n' => (Kind::Space, start + 1),
            c if S::space(c) => (Kind::Space, self.space_end(start)),
            b'-' if next == Some(b'-') && (!S::DASH_NEEDS_SPACE || self.dash_comment(start)) => {
                (Kind::Comment, self.line_end(start))
            }
            b'#' if S::HASH_COMMENTS => (Kind::Comment, self.line_end(start)),
            b'/' if next == Some(b'*') => self.block_comment(start, line)?,
            b'\'' => (
                Kind::String,
                self.quoted(start, b'\'', S::BACKSLASH_ESCAPES, line)?,
            ),
            b'"' if S::DOUBLE_QUOTED_STRINGS => (
                Kind::String,
                self.quoted(start, b'"', S::BACKSLASH_ESCAPES, line)?,
            ),
            b'"' => (
                Kind::Ident,
                self.closed(start, b'"', true, line, "quoted identifier")?,
            ),
            b'`' if S::BACKTICKS => (
                Kind::Ident,
                self.closed(start, b'`', true, line, "quoted identifier")?,
            ),
            b'[' if S::BRACKETS => (
                Kind::Ident,
                self.closed(start, b']', false, line, "bracketed identifier")?,
            ),
            b'$' if S::DOLLAR_QUOTES => self.dollar(start, line)?,
            c if S::NUMBERS && c.is_ascii_digit() => {
                let end = self.run(start, |c| {
                    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
                });
                (Kind::Number, end)
            }
            c if S::word_start(c) => self.word(start, line)?,
            c if c >= 0x80 && S::UNICODE => self.unicode(start, line)?,
            _ => (Kind::Punct, start + 1),
        };
        let end = end.min(self.b.len());
        match kind {
            // White space holds at most one newline, its last byte.
            Kind::Space => self.line += u32::from(self.b[end - 1] == b'\n'),
            Kind::String | Kind::Ident => self.line += newlines(&self.b[start..end]),
            Kind::Comment | Kind::ExecComment if c == b'/' => {
                self.line += newlines(&self.b[start..end]);
            }
            _ => {}
        }
        self.pos = end;
        Ok(Some(Token {
            kind,
            start,
            end,
            line,
        }))
    }

    fn run(&self, from: usize, keep: impl Fn(u8) -> bool) -> usize {
        let mut i = from;
        while self.at(i).is_some_and(&keep) {
            i += 1;
        }
        i
    }

    fn space_end(&self, start: usize) -> usize {
        let mut i = start;
        loop {
            match self.at(i) {
                Some(b'\n') => return i + 1,
                Some(c) if S::space(c) => i += 1,
                Some(c) if c >= 0x80 && S::UNICODE => match self.char_at(i) {
                    Some(ch) if ch.is_whitespace() => i += ch.len_utf8(),
                    _ => return i,
                },
                _ => return i,
            }
        }
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.src.get(i..).and_then(|s| s.chars().next())
    }

    fn line_end(&self, start: usize) -> usize {
        self.run(start, |c| c != b'\n')
    }

    fn dash_comment(&self, start: usize) -> bool {
        self.at(start + 2).is_none_or(|c| c <= b' ' || c == 0x7f)
    }

    fn block_comment(&self, start: usize, line: u32) -> Result<(Kind, usize), SplitError> {
        let exec = S::EXECUTABLE_COMMENTS
            && match self.at(start + 2) {
                Some(b'!') => true,
                Some(b'M') => self.at(start + 3) == Some(b'!'),
                _ => false,
            };
        let mut depth = 1u32;
        let mut i = start + 2;
        loop {
            match (self.at(i), self.at(i + 1)) {
                (None, _) if exec => return Err(self.error(line, "executable comment")),
                (None, _) => return Err(self.error(line, S::COMMENT_NAME)),
                (Some(b'/'), Some(b'*')) if S::NESTED_COMMENTS => {
                    depth += 1;
                    i += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        let kind = if exec {
                            Kind::ExecComment
                        } else {
                            Kind::Comment
                        };
                        return Ok((kind, i));
                    }
                }
                _ => i += 1,
            }
        }
    }

    /// A string literal opened at `open` (its quote, or the `E` of `E'`); a doubled quote stands
    /// for itself. Where the dialect continues strings, `'a'` newline `'b'` is one literal and
    /// keeps its escapes.
    fn quoted(
        &self,
        open: usize,
        quote: u8,
        escapes: bool,
        line: u32,
    ) -> Result<usize, SplitError> {
        let first = if self.b[open] == quote {
            open
        } else {
            open + 1
        };
        let close = |at: usize| {
            if escapes {
                self.escaped(at, quote, line)
            } else {
                self.closed(at, quote, true, line, "string literal")
            }
        };
        let mut end = close(first)?;
        if S::ESCAPE_STRINGS {
            while let Some(next) = self.continuation(end) {
                end = close(next)?;
            }
        }
        Ok(end)
    }

    /// Past the quote that closes the one at `open`, backslashes escaping the next byte.
    fn escaped(&self, open: usize, quote: u8, line: u32) -> Result<usize, SplitError> {
        let mut i = open + 1;
        loop {
            match self.at(i) {
                None => return Err(self.error(line, "string literal")),
                Some(b'\\') => i += 2,
                Some(c) if c == quote && self.at(i + 1) == Some(quote) => i += 2,
                Some(c) if c == quote => return Ok(i + 1),
                Some(_) => i += 1,
            }
        }
    }

    /// Past the `close` that ends what opens at `open`; `doubling`: two of them stand for one.
    fn closed(
        &self,
        open: usize,
        close: u8,
        doubling: bool,
        line: u32,
        what: &str,
    ) -> Result<usize, SplitError> {
        let mut i = open + 1;
        loop {
            match memchr(close, &self.b[i.min(self.b.len())..]) {
                None => return Err(self.error(line, what)),
                Some(n) => {
                    i += n;
                    if doubling && self.at(i + 1) == Some(close) {
                        i += 2;
                    } else {
                        return Ok(i + 1);
                    }
                }
            }
        }
    }

    /// Where a string continues after `from`: white space holding a newline (and maybe `--`
    /// comments after it) followed by a quote, whose offset is returned.
    fn continuation(&self, from: usize) -> Option<usize> {
        let mut j = from;
        let mut newline = false;
        loop {
            match self.at(j)? {
                b'\n' => {
                    newline = true;
                    j += 1;
                }
                c if S::space(c) => j += 1,
                b'-' if newline && self.at(j + 1) == Some(b'-') => j = self.line_end(j),
                b'\'' if newline => return Some(j),
                _ => return None,
            }
        }
    }

    /// `$$`, `$tag$` open a dollar quote; anything else (`$1`, a stray `$`) is punctuation.
    fn dollar(&self, start: usize, line: u32) -> Result<(Kind, usize), SplitError> {
        let mut j = start + 1;
        if self.at(j).is_some_and(S::word_start) {
            j = self.run(j, |c| S::word_start(c) || c.is_ascii_digit());
        }
        if self.at(j) != Some(b'$') {
            return Ok((Kind::Punct, self.run(start + 1, |c| c.is_ascii_digit())));
        }
        let delimiter = &self.b[start..=j];
        let body = j + 1;
        match find(&self.b[body..], delimiter) {
            Some(at) => Ok((Kind::String, body + at + delimiter.len())),
            None => Err(self.error(line, "dollar-quoted string")),
        }
    }

    /// A word, or the string it prefixes: PostgreSQL's `E'...'`, Oracle's `q'X...X'`.
    fn word(&self, start: usize, line: u32) -> Result<(Kind, usize), SplitError> {
        let mut end = self.run(start, S::word_cont);
        if S::UNICODE {
            while let Some(ch) = self.char_at(end).filter(|c| !c.is_ascii()) {
                if !ch.is_alphanumeric() {
                    break;
                }
                end = self.run(end + ch.len_utf8(), S::word_cont);
            }
        }
        let word = &self.b[start..end];
        if self.at(end) == Some(b'\'') {
            if S::ESCAPE_STRINGS && word.eq_ignore_ascii_case(b"e") {
                return Ok((Kind::String, self.quoted(start, b'\'', true, line)?));
            }
            let q = word.eq_ignore_ascii_case(b"q") || word.eq_ignore_ascii_case(b"nq");
            if S::Q_QUOTES && q {
                if let Some(open) = self.char_at(end + 1).filter(|c| !c.is_whitespace()) {
                    return Ok((Kind::String, self.q_quote(end + 1, open, line)?));
                }
            }
        }
        Ok((Kind::Word, end))
    }

    /// From the opening character `open` at `at`: past the closing character and its quote.
    fn q_quote(&self, at: usize, open: char, line: u32) -> Result<usize, SplitError> {
        let close = match open {
            '[' => ']',
            '{' => '}',
            '(' => ')',
            '<' => '>',
            other => other,
        };
        let mut needle = [0u8; 5];
        let len = close.encode_utf8(&mut needle).len();
        needle[len] = b'\'';
        let body = at + open.len_utf8();
        match find(&self.b[body..], &needle[..=len]) {
            Some(n) => Ok(body + n + len + 1),
            None => Err(self.error(line, "quoted string")),
        }
    }

    /// A non-ASCII character that does not continue a word: white space, a word, or punctuation.
    fn unicode(&self, start: usize, line: u32) -> Result<(Kind, usize), SplitError> {
        match self.char_at(start) {
            Some(c) if c.is_whitespace() => Ok((Kind::Space, self.space_end(start))),
            Some(c) if c.is_alphanumeric() => self.word(start, line),
            Some(c) => Ok((Kind::Punct, start + c.len_utf8())),
            None => Ok((Kind::Punct, start + 1)),
        }
    }
}

fn newlines(bytes: &[u8]) -> u32 {
    let n = bytes.iter().filter(|&&c| c == b'\n').count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&c| c == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
