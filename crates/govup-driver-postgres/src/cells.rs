//! Reading query answers cell by cell. The server's answers are input like any other: a missing
//! or malformed cell is an error naming what was expected, never a panic.

use std::str::FromStr;

use govup_engine::{DbError, Driver};

/// The first column of the first row; None when there is no row or the cell is NULL.
pub fn first(db: &mut dyn Driver, sql: &str) -> Result<Option<String>, DbError> {
    Ok(db
        .query(sql)?
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next().flatten()))
}

/// Cell `i` of `row`, which must not be NULL; `what` names it in the error.
pub fn text(row: &[Option<String>], i: usize, what: &str) -> Result<String, DbError> {
    row.get(i)
        .cloned()
        .flatten()
        .ok_or_else(|| DbError::new(format!("the server answered without {what}")))
}

/// Cell `i` of `row`, possibly NULL.
pub fn optional(row: &[Option<String>], i: usize) -> Option<String> {
    row.get(i).cloned().flatten()
}

/// A boolean cell in the server's text form (`t` / `f`).
pub fn flag(row: &[Option<String>], i: usize, what: &str) -> Result<bool, DbError> {
    match text(row, i, what)?.as_str() {
        "t" => Ok(true),
        "f" => Ok(false),
        other => Err(DbError::new(format!(
            "the server answered {other:?} for {what}, expected t or f"
        ))),
    }
}

/// A numeric cell.
pub fn number<T: FromStr>(row: &[Option<String>], i: usize, what: &str) -> Result<T, DbError> {
    let cell = text(row, i, what)?;
    cell.parse().map_err(|_| {
        DbError::new(format!(
            "the server answered {cell:?} for {what}, expected a number"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[Option<&str>]) -> Vec<Option<String>> {
        cells.iter().map(|c| c.map(str::to_string)).collect()
    }

    #[test]
    fn cells_are_checked_not_trusted() {
        let r = row(&[Some("t"), None, Some("12"), Some("x")]);
        assert!(flag(&r, 0, "a flag").unwrap());
        assert_eq!(
            text(&r, 1, "a name").unwrap_err().message,
            "the server answered without a name"
        );
        assert_eq!(
            text(&r, 9, "a name").unwrap_err().message,
            "the server answered without a name"
        );
        assert_eq!(optional(&r, 1), None);
        assert_eq!(number::<u32>(&r, 2, "a position").unwrap(), 12);
        assert_eq!(
            number::<u32>(&r, 3, "a position").unwrap_err().message,
            "the server answered \"x\" for a position, expected a number"
        );
        assert_eq!(
            flag(&r, 3, "a flag").unwrap_err().message,
            "the server answered \"x\" for a flag, expected t or f"
        );
    }
}
