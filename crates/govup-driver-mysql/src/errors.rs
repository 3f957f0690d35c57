//! Turning the client library's errors into govup's one-line [`DbError`].

use govup_engine::driver::DbError;

/// The server's own text for server errors (`ERROR 1050 (42S01): Table 't' already exists`);
/// the client's text, without its type-name wrapper, for everything else.
pub fn db_error(error: &mysql::Error) -> DbError {
    DbError::new(describe(error))
}

pub fn describe(error: &mysql::Error) -> String {
    match error {
        mysql::Error::MySqlError(e) => e.to_string(),
        mysql::Error::IoError(e) => format!("i/o error: {e}"),
        mysql::Error::CodecError(e) => format!("protocol error: {e}"),
        mysql::Error::DriverError(e) => e.to_string(),
        mysql::Error::UrlError(e) => format!("bad connection options: {e}"),
        mysql::Error::TlsError(e) => format!("tls error: {e}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_code_and_state() {
        let e = mysql::Error::MySqlError(mysql::MySqlError {
            state: "42S01".to_string(),
            message: "Table 'x' already exists".to_string(),
            code: 1050,
        });
        assert_eq!(
            db_error(&e).message,
            "ERROR 1050 (42S01): Table 'x' already exists"
        );
    }

    #[test]
    fn io_errors_are_one_line() {
        let e = mysql::Error::IoError(std::io::Error::other("broken\npipe"));
        assert_eq!(db_error(&e).message, "i/o error: broken pipe");
    }
}
