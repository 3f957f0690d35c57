//! The contract of [`Dialect::split`] that every dialect keeps, run against each of them. A
//! dialect's own rules are tested beside its splitter.

use crate::{mysql, oracle, postgres, sqlite, Dialect, SplitError, Statement};

/// `texts`, `lines` and `err` of one splitter, for its own tests.
macro_rules! split_helpers {
    ($split:path) => {
        fn texts(sql: &str) -> Vec<String> {
            $split(sql).unwrap().into_iter().map(|s| s.text).collect()
        }

        #[allow(dead_code)]
        fn lines(sql: &str) -> Vec<u32> {
            $split(sql).unwrap().into_iter().map(|s| s.line).collect()
        }

        fn err(sql: &str) -> $crate::SplitError {
            $split(sql).unwrap_err()
        }
    };
}
pub(crate) use split_helpers;

const DIALECTS: [&dyn Dialect; 4] = [
    &postgres::DIALECT,
    &mysql::DIALECT,
    &oracle::DIALECT,
    &sqlite::DIALECT,
];

/// Runs `check` on every dialect, with the dialect's name in every failure.
fn each(check: impl Fn(&str, &dyn Fn(&str) -> Result<Vec<Statement>, SplitError>)) {
    for dialect in DIALECTS {
        check(dialect.name(), &|sql| dialect.split(sql));
    }
}

fn texts(
    name: &str,
    split: &dyn Fn(&str) -> Result<Vec<Statement>, SplitError>,
    sql: &str,
) -> Vec<String> {
    split(sql)
        .unwrap_or_else(|e| panic!("{name}: {sql:?} does not split: {e}"))
        .into_iter()
        .map(|s| s.text)
        .collect()
}

fn lines(
    name: &str,
    split: &dyn Fn(&str) -> Result<Vec<Statement>, SplitError>,
    sql: &str,
) -> Vec<u32> {
    split(sql)
        .unwrap_or_else(|e| panic!("{name}: {sql:?} does not split: {e}"))
        .into_iter()
        .map(|s| s.line)
        .collect()
}

#[test]
fn statements_end_at_semicolons_and_carry_their_first_line() {
    each(|name, split| {
        let got = split("SELECT 1;\nSELECT 2;\n").unwrap();
        let got: Vec<_> = got.into_iter().map(|s| (s.text, s.line)).collect();
        assert_eq!(
            got,
            [("SELECT 1".to_string(), 1), ("SELECT 2".to_string(), 2)],
            "{name}"
        );
        assert_eq!(
            texts(name, split, "SELECT 1;\nSELECT 2\n\n"),
            ["SELECT 1", "SELECT 2"],
            "{name}: the last needs no terminator"
        );
        assert_eq!(lines(name, split, "SELECT 1; SELECT 2;"), [1, 1], "{name}");
    });
}

#[test]
fn blank_and_comment_only_text_holds_no_statement() {
    each(|name, split| {
        for nothing in [
            "",
            "   \n\t\n",
            "-- only a comment\n/* and another */\n",
            "-- no newline at end",
            "\u{feff}",
            "\u{feff}-- c\n",
        ] {
            assert!(
                texts(name, split, nothing).is_empty(),
                "{name}: {nothing:?} holds no statement"
            );
        }
    });
}

#[test]
fn comments_and_blank_lines_before_a_statement_are_not_part_of_it() {
    each(|name, split| {
        let sql = "-- header\n\n/* block\n comment */\n  CREATE TABLE t (a int);\n\nINSERT INTO t\nVALUES (1);";
        assert_eq!(
            texts(name, split, sql),
            ["CREATE TABLE t (a int)", "INSERT INTO t\nVALUES (1)"],
            "{name}"
        );
        assert_eq!(
            lines(name, split, sql),
            [5, 7],
            "{name}: a line is the first significant character's"
        );
    });
}

#[test]
fn semicolons_and_doubled_quotes_inside_literals() {
    each(|name, split| {
        assert_eq!(
            texts(name, split, "SELECT 'a;b';\nSELECT 'it''s';"),
            ["SELECT 'a;b'", "SELECT 'it''s'"],
            "{name}"
        );
        assert_eq!(
            texts(
                name,
                split,
                "INSERT INTO t VALUES ('città; è');\nSELECT '日本;語';"
            ),
            ["INSERT INTO t VALUES ('città; è')", "SELECT '日本;語'"],
            "{name}"
        );
    });
}

#[test]
fn crlf_line_endings() {
    each(|name, split| {
        assert_eq!(
            texts(name, split, "SELECT 1;\r\n-- c\r\nSELECT 2;\r\n"),
            ["SELECT 1", "SELECT 2"],
            "{name}"
        );
        assert_eq!(
            lines(name, split, "SELECT 1;\r\n\r\nSELECT 2;\r\n"),
            [1, 3],
            "{name}"
        );
    });
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_statement() {
    each(|name, split| {
        let got = split("\u{feff}CREATE TABLE t (a int);\nSELECT 1;").unwrap();
        assert_eq!(got[0].text, "CREATE TABLE t (a int)", "{name}");
        assert_eq!((got[0].line, got[1].line), (1, 2), "{name}");
    });
}

#[test]
fn an_unterminated_string_names_the_line_it_starts_on() {
    each(|name, split| {
        let e =
            split("SELECT 1;\nSELECT 'oops;\n").expect_err("an unterminated string is an error");
        assert_eq!(e.line, 2, "{name}");
        assert_eq!(
            e.message, "unterminated string literal starting here",
            "{name}"
        );
        let e =
            split("SELECT 1;\n\nSELECT 'abc;\n").expect_err("an unterminated string is an error");
        assert_eq!(
            (e.line, e.message.as_str()),
            (3, "unterminated string literal starting here"),
            "{name}"
        );
        let e = split("SELECT 1;\n\nSELECT \"a").expect_err("an unterminated quote is an error");
        assert_eq!(e.line, 3, "{name}");
    });
}

/// Random soups of every dialect's special characters, and every prefix of a tricky text: never
/// a panic, and every statement found is non-empty text on a line that exists.
#[test]
fn splitting_is_total() {
    const PIECES: [&str; 36] = [
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
        "$a$",
        "E'",
        "q'[",
        "]'",
        "é",
        "a",
        "\r",
        "\t",
        "\n/\n",
        "BEGIN",
        "END",
        "CREATE TRIGGER t ",
        "CREATE FUNCTION f() ",
        "CASE",
        "(",
        ")",
        "\u{a0}",
        "\u{feff}",
        "SELECT",
        "/",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut soups = Vec::new();
    for _ in 0..3000 {
        let mut text = String::new();
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        for _ in 0..(seed >> 58) {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            text.push_str(PIECES[(seed >> 33) as usize % PIECES.len()]);
        }
        soups.push(text);
    }
    let tricky =
        "DO $t$ a; $$ 'x' $t$; SELECT E'a\\'b' /* c /* d */ */ \"q;\" -- é\n; q'[x]' `b` [c] \
                  CREATE FUNCTION f() BEGIN ATOMIC SELECT (1; END;\n/\nDELIMITER //\n";
    soups.extend(tricky.char_indices().map(|(i, _)| tricky[..i].to_string()));
    each(|name, split| {
        for text in &soups {
            let total_lines = text.matches('\n').count() as u32 + 1;
            match split(text) {
                Ok(statements) => {
                    for s in statements {
                        assert!(!s.text.is_empty(), "{name}: {text:?}");
                        assert!(s.line >= 1 && s.line <= total_lines, "{name}: {text:?}");
                    }
                }
                Err(e) => assert!(e.line >= 1 && e.line <= total_lines, "{name}: {text:?}"),
            }
        }
    });
}
