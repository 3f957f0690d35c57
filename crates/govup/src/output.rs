//! Writing to stdout and stderr without ever failing: `println!` panics when the reader went
//! away (`| head -1`, a dropped SSH session), and a panic in the middle of an upgrade would stop
//! it between a statement and its history row. Output is a courtesy; the history is the record.
//!
//! It also holds the global output options (`--quiet`, `--color`, `--wide`), set once in
//! `main`, so that every verb honours them without threading them through.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set to something
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Settings {
    /// Print nothing but a failing command's error report.
    pub quiet: bool,
    pub color_out: bool,
    pub color_err: bool,
    /// The width tables fit in; None: their full width.
    pub width: Option<u16>,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Decides the settings from the options and the environment; the first call wins.
pub fn init(quiet: bool, color: ColorWhen, wide: bool) {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let no_color = env("NO_COLOR").is_some();
    let color_on = |terminal: bool| colour(color, terminal, no_color);
    let _ = SETTINGS.set(Settings {
        quiet,
        color_out: color_on(std::io::stdout().is_terminal()),
        color_err: color_on(std::io::stderr().is_terminal()),
        width: if wide {
            None
        } else {
            table_width(
                env("GOVUP_TABLE_WIDTH").as_deref(),
                env("COLUMNS").as_deref(),
            )
        },
    });
}

/// Whether to colour a stream: `always` and `never` are what they say; `auto` colours a
/// terminal unless `NO_COLOR` is set to something (no-color.org: an explicit option wins).
fn colour(when: ColorWhen, terminal: bool, no_color: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && !no_color,
    }
}

/// `GOVUP_TABLE_WIDTH` fits tables to a width whether stdout is a terminal or not (scripts,
/// tests); otherwise only a terminal narrows them, to `COLUMNS` or its own width.
fn table_width(forced: Option<&str>, columns: Option<&str>) -> Option<u16> {
    if let Some(n) = forced.and_then(|w| w.trim().parse().ok()) {
        return Some(n);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    columns
        .and_then(|c| c.trim().parse().ok())
        .or_else(|| console::Term::stdout().size_checked().map(|(_, cols)| cols))
}

pub fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Writes `text` to stdout; a closed or broken stdout (EPIPE, EIO) is ignored.
pub fn out(text: &str) {
    let s = settings();
    if s.quiet {
        return;
    }
    let text = if s.color_out {
        paint(text)
    } else {
        text.to_string()
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes `text` to stderr unless `--quiet`; a closed or broken stderr is ignored.
pub fn err(text: &str) {
    let s = settings();
    if s.quiet {
        return;
    }
    write_err(text, s.color_err);
}

/// The error report of a failing command: printed even under `--quiet`.
pub fn error_report(text: &str) {
    write_err(text, settings().color_err);
}

/// A failing command's JSON error object on stdout: printed even under `--quiet`, never painted.
pub fn error_json(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

fn write_err(text: &str, color: bool) {
    let text = if color { paint(text) } else { text.to_string() };
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const BOLD_RED: &str = "\x1b[1;31m";
const RESET: &str = "\x1b[0m";

/// Colours what an operator must notice, line by line: `error:` red, `warning:` yellow, a
/// table's `skip` cell cyan, a `failed` cell red. Painting after rendering keeps the renderers
/// (and their width arithmetic) free of escape codes.
pub fn paint(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let trimmed = body.trim_start();
        let indent = &body[..body.len() - trimmed.len()];
        if let Some(rest) = trimmed.strip_prefix("error:") {
            out += &format!("{indent}{BOLD_RED}error:{RESET}{rest}{end}");
        } else if let Some(rest) = trimmed.strip_prefix("warning:") {
            out += &format!("{indent}{YELLOW}warning:{RESET}{rest}{end}");
        } else if body.contains('│') {
            out += &paint_cells(body);
            out += end;
        } else {
            out += line;
        }
    }
    out
}

fn paint_cells(row: &str) -> String {
    row.split('│')
        .map(|cell| match cell.trim() {
            "skip" => cell.replacen("skip", &format!("{CYAN}skip{RESET}"), 1),
            "failed" | "partial" => {
                let word = cell.trim();
                cell.replacen(word, &format!("{RED}{word}{RESET}"), 1)
            }
            _ => cell.to_string(),
        })
        .collect::<Vec<_>>()
        .join("│")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_marks_errors_warnings_and_skips() {
        assert_eq!(paint("error: x\n"), format!("{BOLD_RED}error:{RESET} x\n"));
        assert_eq!(paint("warning: y"), format!("{YELLOW}warning:{RESET} y"));
        assert_eq!(
            paint("│ a │ skip   │\n"),
            format!("│ a │ {CYAN}skip{RESET}   │\n")
        );
        assert_eq!(paint("plain\n"), "plain\n");
    }

    #[test]
    fn no_color_turns_auto_off_but_not_always() {
        assert!(colour(ColorWhen::Auto, true, false));
        assert!(!colour(ColorWhen::Auto, true, true));
        assert!(!colour(ColorWhen::Auto, false, false));
        assert!(colour(ColorWhen::Always, false, true));
        assert!(!colour(ColorWhen::Never, true, false));
    }

    #[test]
    fn forced_width_wins_and_garbage_is_ignored() {
        assert_eq!(table_width(Some("80"), None), Some(80));
        assert_eq!(table_width(Some("80"), Some("200")), Some(80));
    }
}
