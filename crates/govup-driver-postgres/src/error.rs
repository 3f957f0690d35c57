//! Client errors as one-line [`DbError`]s.

use govup_engine::DbError;
use postgres::error::ErrorPosition;

/// `ERROR: relation "x" does not exist (SQLSTATE 42P01)` for errors the server reported, with
/// its DETAIL and HINT when it sent them; the client's own text for the others (I/O, closed
/// connection). `sql` is the statement that failed, to turn the server's character position
/// into a line.
pub fn one_line(err: &postgres::Error, sql: Option<&str>) -> DbError {
    let Some(db) = err.as_db_error() else {
        return DbError::new(with_causes(err));
    };
    let mut message = format!("{}: {}", db.severity(), db.message());
    if let Some(detail) = db.detail() {
        message.push_str(&format!("; DETAIL: {detail}"));
    }
    if let Some(hint) = db.hint() {
        message.push_str(&format!("; HINT: {hint}"));
    }
    let line = match (db.position(), sql) {
        (Some(ErrorPosition::Original(position)), Some(sql)) => line_of_position(sql, *position),
        _ => None,
    };
    match line {
        Some(line) => message.push_str(&format!(
            " (statement line {line}, SQLSTATE {})",
            db.code().code()
        )),
        None => message.push_str(&format!(" (SQLSTATE {})", db.code().code())),
    }
    DbError::new(message)
}

/// The client's headline alone says "error connecting to server"; the why is in its sources.
pub fn with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// The 1-based line of the 1-based character `position` of `sql`, as the server counts.
fn line_of_position(sql: &str, position: u32) -> Option<usize> {
    let before = usize::try_from(position).ok()?.checked_sub(1)?;
    if sql.chars().count() < before {
        return None;
    }
    Some(sql.chars().take(before).filter(|&c| c == '\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Chain(&'static str, Option<Box<Chain>>);

    impl std::fmt::Display for Chain {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Chain {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|c| c as _)
        }
    }

    #[test]
    fn causes_are_appended_once() {
        let refused = Chain("connection refused", None);
        let err = Chain("error connecting to server", Some(Box::new(refused)));
        assert_eq!(
            with_causes(&err),
            "error connecting to server: connection refused"
        );
        let repeated = Chain(
            "tls: bad certificate",
            Some(Box::new(Chain("bad certificate", None))),
        );
        assert_eq!(with_causes(&repeated), "tls: bad certificate");
    }

    #[test]
    fn positions_become_lines() {
        let sql = "SELECT 1,\n  2,\n  FROM";
        assert_eq!(line_of_position(sql, 1), Some(1));
        assert_eq!(line_of_position(sql, 10), Some(1));
        assert_eq!(line_of_position(sql, 11), Some(2));
        assert_eq!(line_of_position(sql, 18), Some(3));
        assert_eq!(line_of_position(sql, 0), None);
        assert_eq!(line_of_position(sql, 999), None);
        assert_eq!(line_of_position("é\nx", 3), Some(2));
    }
}
