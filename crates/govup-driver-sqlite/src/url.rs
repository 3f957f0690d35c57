//! `sqlite:PATH` and `sqlite://PATH` URLs.

use std::path::PathBuf;

/// The database file a `sqlite:` URL names, or None when `url` is not one (or names no file).
///
/// `sqlite:orders.db` and `sqlite://orders.db` are relative to the current directory;
/// `sqlite:/srv/orders.db` and `sqlite:///srv/orders.db` are absolute. The path is taken
/// literally: no percent-decoding and no `?query` options.
pub fn path_of(url: &str) -> Option<PathBuf> {
    let scheme = url.get(..7)?;
    if !scheme.eq_ignore_ascii_case("sqlite:") {
        return None;
    }
    let rest = &url[7..];
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.is_empty() {
        return None;
    }
    Some(PathBuf::from(path))
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
    fn not_sqlite_urls() {
        assert_eq!(path("sqlite:"), None);
        assert_eq!(path("sqlite://"), None);
        assert_eq!(path("postgres://h/db"), None);
        assert_eq!(path("sqlite"), None);
        assert_eq!(path("orders.db"), None);
        assert_eq!(path("é"), None);
    }
}
