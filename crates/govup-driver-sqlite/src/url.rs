//! `sqlite:PATH` and `sqlite://PATH` URLs, with an optional `?mode=ro|rw|rwc`.

use std::path::PathBuf;

/// How a URL asks for its file to be opened, as SQLite's own `mode=` URI parameter names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `ro`: read only; the file must exist.
    Ro,
    /// `rw`: read and write; the file must exist.
    Rw,
    /// `rwc` (the default): read and write, an empty file created when there is none.
    Rwc,
}

/// The database file a `sqlite:` URL names, or None when `url` is not one (or names no file).
///
/// `sqlite:orders.db` and `sqlite://orders.db` are relative to the current directory;
/// `sqlite:/srv/orders.db` and `sqlite:///srv/orders.db` are absolute. The path is taken
/// literally (no percent-decoding) up to a `?`, which starts the parameters.
pub fn path_of(url: &str) -> Option<PathBuf> {
    parse(url).ok().map(|(path, _)| path)
}

/// The file and the mode a `sqlite:` URL names; an unknown parameter or mode is an error, so that
/// it never becomes part of a file name.
pub fn parse(url: &str) -> Result<(PathBuf, Mode), String> {
    let invalid = |why: &str| format!("invalid sqlite url {url}: {why}");
    let rest = url
        .get(..7)
        .filter(|s| s.eq_ignore_ascii_case("sqlite:"))
        .map(|_| &url[7..])
        .ok_or_else(|| invalid("expected sqlite:PATH or sqlite://PATH"))?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path.is_empty() {
        return Err(invalid("expected sqlite:PATH or sqlite://PATH"));
    }
    let mut mode = Mode::Rwc;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        mode = match pair.split_once('=') {
            Some(("mode", "ro")) => Mode::Ro,
            Some(("mode", "rw")) => Mode::Rw,
            Some(("mode", "rwc")) => Mode::Rwc,
            Some(("mode", other)) => {
                return Err(invalid(&format!(
                    "unknown mode `{other}`; expected ro, rw or rwc"
                )))
            }
            _ => {
                return Err(invalid(&format!(
                    "unknown parameter `{pair}`; only mode=ro|rw|rwc is understood"
                )))
            }
        };
    }
    Ok((PathBuf::from(path), mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(url: &str) -> Option<String> {
        path_of(url).map(|p| p.to_string_lossy().into_owned())
    }

    #[test]
    fn relative_and_absolute_forms() {
        assert_eq!(path("sqlite:orders.db").as_deref(), Some("orders.db"));
        assert_eq!(path("sqlite://orders.db").as_deref(), Some("orders.db"));
        assert_eq!(
            path("sqlite://data/orders.db").as_deref(),
            Some("data/orders.db")
        );
        assert_eq!(
            path("sqlite:/srv/orders.db").as_deref(),
            Some("/srv/orders.db")
        );
        assert_eq!(
            path("sqlite:///srv/orders.db").as_deref(),
            Some("/srv/orders.db")
        );
        assert_eq!(path("SQLite:x.db").as_deref(), Some("x.db"));
        assert_eq!(path("sqlite:città.db").as_deref(), Some("città.db"));
    }

    #[test]
    fn parameters_are_read_not_kept_in_the_name() {
        assert_eq!(
            parse("sqlite:q.db?mode=ro"),
            Ok((PathBuf::from("q.db"), Mode::Ro))
        );
        assert_eq!(
            parse("sqlite:///srv/q.db?mode=rw"),
            Ok((PathBuf::from("/srv/q.db"), Mode::Rw))
        );
        assert_eq!(path("sqlite:q.db?mode=rwc").as_deref(), Some("q.db"));
        assert!(parse("sqlite:q.db?mode=memory")
            .unwrap_err()
            .contains("unknown mode `memory`"));
        assert!(parse("sqlite:q.db?cache=shared")
            .unwrap_err()
            .contains("unknown parameter `cache=shared`"));
        assert_eq!(path("sqlite:q.db?x=1"), None);
    }

    #[test]
    fn not_sqlite_urls() {
        assert_eq!(path("sqlite:"), None);
        assert_eq!(path("sqlite://"), None);
        assert_eq!(path("postgres://h/db"), None);
        assert_eq!(path("sqlite"), None);
        assert_eq!(path("orders.db"), None);
        assert_eq!(path("é"), None);
    }
}
