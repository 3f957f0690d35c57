//! Tables that fit the terminal: every verb's table goes through [`fit`], which wraps columns
//! to the width `output` decided (a terminal's, `COLUMNS`, `GOVUP_TABLE_WIDTH`) and leaves the
//! full table everywhere else (a pipe, a file, `--wide`), so that scripts see what they always saw.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

/// A table in the project's style, fitted to the output width.
pub fn new_table() -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    fit(&mut table);
    table
}

/// Wraps the table's columns to the output width, if there is one.
pub fn fit(table: &mut Table) {
    fit_to(table, crate::output::settings().width);
}

pub fn fit_to(table: &mut Table, width: Option<u16>) {
    match width {
        Some(w) => {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(w);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
}

/// A step folder as a table shows it: whole at full width; on a narrow terminal
/// `upgrade_3.3.17_to_3.3.18` reads `3.3.17→3.3.18`, which says the same in half the columns.
pub fn step_label(dir: &str) -> String {
    step_label_at(dir, crate::output::settings().width)
}

pub fn step_label_at(dir: &str, width: Option<u16>) -> String {
    if width.is_none() {
        return dir.to_string();
    }
    match dir
        .strip_prefix("upgrade_")
        .and_then(|rest| rest.split_once("_to_"))
    {
        Some((from, to)) => format!("{from}→{to}"),
        None => dir.to_string(),
    }
}

/// On a narrow terminal, keeps these columns at least this many characters wide (column
/// index, width with its padding), so that the wrapping falls on the columns whose text matters less.
pub fn favour_columns(table: &mut Table, minimums: &[(usize, u16)]) {
    use comfy_table::{ColumnConstraint, Width};
    if crate::output::settings().width.is_none() {
        return;
    }
    for (index, width) in minimums {
        if let Some(column) = table.column_mut(*index) {
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(*width)));
        }
    }
}

/// On a narrow terminal, hides each column (index) whose every cell is one of the given
/// values: it says nothing a reader needs, and its width goes to the others.
pub fn hide_when_empty(table: &mut Table, columns: &[(usize, &[&str])]) {
    use comfy_table::ColumnConstraint;
    if crate::output::settings().width.is_none() {
        return;
    }
    for (index, trivial) in columns {
        let says_nothing = table.row_iter().all(|row| {
            row.cell_iter()
                .nth(*index)
                .is_none_or(|cell| trivial.contains(&cell.content().as_str()))
        });
        if says_nothing {
            if let Some(column) = table.column_mut(*index) {
                column.set_constraint(ColumnConstraint::Hidden);
            }
        }
    }
}

/// On a narrow terminal, hides column `index` (a caller that knows it repeats another).
pub fn hide_when_narrow(table: &mut Table, index: usize) {
    if crate::output::settings().width.is_none() {
        return;
    }
    if let Some(column) = table.column_mut(index) {
        column.set_constraint(comfy_table::ColumnConstraint::Hidden);
    }
}

/// Wraps a free-text line (a warning, a heading) at the output width, continuation lines
/// indented by two spaces; unchanged when there is no width.
pub fn wrap_line(line: &str) -> String {
    wrap_to(line, crate::output::settings().width)
}

pub fn wrap_to(line: &str, width: Option<u16>) -> String {
    let Some(width) = width.map(usize::from).filter(|w| *w > 20) else {
        return line.to_string();
    };
    let mut out = String::new();
    let mut current = String::new();
    for word in line.split(' ') {
        let len = |s: &str| s.chars().count();
        if !current.is_empty() && len(&current) + 1 + len(word) > width {
            out += &current;
            out.push('\n');
            current = "  ".to_string();
        }
        if !current.is_empty() && current != "  " {
            current.push(' ');
        }
        // A single word wider than the line is cut: no line may pass the width.
        let mut rest: Vec<char> = word.chars().collect();
        while len(&current) + rest.len() > width {
            let room = width - len(&current);
            current.extend(rest.drain(..room));
            out += &current;
            out.push('\n');
            current = "  ".to_string();
        }
        current.extend(rest);
    }
    out + &current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_stay_within_the_width() {
        let long = format!("warning: {} and {}", "word ".repeat(30), "x".repeat(100));
        let wrapped = wrap_to(&long, Some(40));
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 40),
            "{wrapped}"
        );
        assert_eq!(wrap_to(&long, None), long);
        assert_eq!(wrap_to("short line", Some(40)), "short line");
    }
}
