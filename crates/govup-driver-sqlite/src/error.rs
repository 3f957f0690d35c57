//! SQLite errors as one line that says what went wrong, not where in the text it went wrong:
//! the engine already names the file, line and statement.

use govup_engine::DbError;

pub(crate) fn sqlite_error(e: rusqlite::Error) -> DbError {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => DbError::new(msg),
        other => DbError::new(other),
    }
}
