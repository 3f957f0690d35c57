//! Connection strings as text: where their credentials are, and how to show them without.
//!
//! This is the one place that decides where a password sits in a URL. The drivers refuse what
//! this module would read differently from their client library (see [`userinfo`]), so the mask
//! and the connection always agree. It lives here, below the engine and every driver, because a
//! schema map's own error messages (a TOML error quotes the line) need it too.

/// Parameter and keyword names that carry a password in any driver's URL query or in a libpq
/// keyword string.
const SECRET_KEYS: [&str; 5] = [
    "password",
    "passwd",
    "pwd",
    "sslpassword",
    "sslkey_password",
];

/// The URL schemes whose text can hold credentials. `sqlite:` is a file path, so an `@` or `:` in
/// it is never a password.
const CREDENTIAL_SCHEMES: [&str; 5] = ["postgres", "postgresql", "mysql", "mariadb", "oracle"];

/// `text` with every password replaced by `***`: the user info of each URL it holds
/// (`scheme://user:PW@`, `scheme:user:PW@`, Oracle's `user/PW@`), every `password=`, `pwd=` ...
/// parameter of a query or libpq keyword string, quoted or not.
///
/// `text` may be a bare URL or a whole message. When it starts with a URL, the URL is taken to
/// run to the end of `text`, so that a raw space in a password cannot cut it short; inside a
/// message a URL ends at white space or at the quote that opened it. Masking errs towards hiding
/// too much: everything up to the last `@` of a URL counts as user info.
pub fn redact(text: &str) -> String {
    let whole = scheme_at(text, 0).is_some();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let boundary = i == 0 || !is_word_byte(text.as_bytes()[i - 1]);
        if boundary && scheme_at(text, i).is_some() {
            let opener = i.checked_sub(1).map(|p| text.as_bytes()[p]);
            let end = if whole && i == 0 {
                text.len()
            } else {
                span_end(text, i, opener)
            };
            out.push_str(&mask_userinfo(&text[i..end]));
            i = end;
            continue;
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    mask_keywords(&out)
}

/// The user name and raw (still percent-encoded) password of a URL's user info, read as
/// [`redact`] reads them: from after `scheme://` (or `scheme:`) to the last `@`, the password
/// after the first `:` (or, for Oracle, `/`). None when the URL has no `@`.
pub fn userinfo(url: &str) -> Option<(&str, Option<&str>)> {
    let scheme_len = scheme_at(url, 0)?;
    let rest = &url[scheme_len..];
    let start = scheme_len + if rest.starts_with("//") { 2 } else { 0 };
    let at = url[start..].rfind('@')? + start;
    let info = &url[start..at];
    let oracle = url[..scheme_len].eq_ignore_ascii_case("oracle:");
    let sep = info.find(|c| c == ':' || (oracle && c == '/'));
    Some(match sep {
        Some(s) => (&info[..s], Some(&info[s + 1..])),
        None => (info, None),
    })
}

/// A character that a client library would read as the end of the password in a URL, found raw
/// in `url`'s password; the drivers refuse such a URL, since their reading and [`redact`]'s
/// would differ. `ends_password` names the characters this driver's parser stops at.
pub fn ambiguous_password_char(url: &str, ends_password: &[char]) -> Option<char> {
    let (_, password) = userinfo(url)?;
    password?
        .chars()
        .find(|c| ends_password.contains(c) || c.is_whitespace())
}

/// The length of `scheme:` at `i` when `text` holds a credential-bearing scheme there.
fn scheme_at(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    CREDENTIAL_SCHEMES.iter().find_map(|scheme| {
        let head = rest.get(..scheme.len() + 1)?;
        (head[..scheme.len()].eq_ignore_ascii_case(scheme) && head.ends_with(':'))
            .then_some(scheme.len() + 1)
    })
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Where a URL starting at `start` ends inside a message: at white space, or at the quote that
/// opened it (a backslash-escaped quote does not count).
fn span_end(text: &str, start: usize, opener: Option<u8>) -> usize {
    let quote = opener.filter(|b| matches!(b, b'"' | b'\'' | b'`'));
    let bytes = text.as_bytes();
    let mut j = start;
    while j < bytes.len() {
        let b = bytes[j];
        match quote {
            Some(q) if b == q && bytes[j - 1] != b'\\' => return j,
            Some(_) if b == b'\n' => return j,
            None if b.is_ascii_whitespace() => return j,
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

fn mask_userinfo(url: &str) -> String {
    let Some((_, Some(password))) = userinfo(url) else {
        return url.to_string();
    };
    // `password` is a slice of `url` that runs up to the last `@`.
    let pw_start = password.as_ptr() as usize - url.as_ptr() as usize;
    format!(
        "{}***{}",
        &url[..pw_start],
        &url[pw_start + password.len()..]
    )
}

/// Masks the value of every `password=`-like key: URL query parameters and libpq keywords.
fn mask_keywords(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let boundary = i == 0 || !is_word_byte(bytes[i - 1]);
        let key = boundary
            .then(|| {
                SECRET_KEYS
                    .iter()
                    .find(|k| lower[i..].starts_with(*k) && !next_is_word(bytes, i + k.len()))
            })
            .flatten();
        if let Some(key) = key {
            let mut j = i + key.len();
            while j < bytes.len() && bytes[j] == b' ' {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'=' {
                j += 1;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                let end = value_end(bytes, j);
                // Already masked (a message built from a redacted URL, redacted again): left
                // as it is, so that redacting twice changes nothing, `:` separators included.
                let masked = matches!(&text[j..end], "***" | "***:");
                if end > j && !masked {
                    out.push_str(&text[i..j]);
                    out.push_str("***");
                    i = end;
                    continue;
                }
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn next_is_word(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_some_and(|&b| is_word_byte(b))
}

/// The end of a keyword's value: a quoted value (libpq: `'...'` with `\'` escapes) to its
/// closing quote, else up to white space, `&`, `;` or `#`.
fn value_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start) {
        Some(&q) if q == b'\'' || q == b'"' => {
            let mut j = start + 1;
            while j < bytes.len() {
                if bytes[j] == b'\\' {
                    j += 2;
                    continue;
                }
                if bytes[j] == q {
                    return j + 1;
                }
                j += 1;
            }
            bytes.len()
        }
        _ => {
            let mut j = start;
            while j < bytes.len() && !matches!(bytes[j], b' ' | b'\t' | b'\n' | b'&' | b';' | b'#')
            {
                j += 1;
            }
            j
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_masked_up_to_the_last_at() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(
            redact("postgres://u:p@ss@h/db?sslmode=require"),
            "postgres://u:***@h/db?sslmode=require"
        );
        assert_eq!(redact("mysql://u:a/b#c@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact("postgresql:u:pw@host"), "postgresql:u:***@host");
        assert_eq!(redact("POSTGRES://u:pw@h"), "POSTGRES://u:***@h");
        assert_eq!(
            redact("oracle://scott/tiger@h/svc"),
            "oracle://scott/***@h/svc"
        );
        assert_eq!(
            redact("oracle://scott:a/b@h/svc"),
            "oracle://scott:***@h/svc"
        );
        assert_eq!(redact("postgres://u:my pw@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn files_and_plain_text_are_left_alone() {
        assert_eq!(redact("sqlite:x.db"), "sqlite:x.db");
        assert_eq!(redact("sqlite:/a:b@c.db"), "sqlite:/a:b@c.db");
        assert_eq!(redact("not a url"), "not a url");
        assert_eq!(redact("mysqld: user:x@y"), "mysqld: user:x@y");
    }

    #[test]
    fn password_parameters_and_keywords() {
        assert_eq!(
            redact("postgres://u@h/x?password=SECRET&application_name=a"),
            "postgres://u@h/x?password=***&application_name=a"
        );
        assert_eq!(redact("mysql://h/x?PWD=SECRET"), "mysql://h/x?PWD=***");
        assert_eq!(
            redact("host=h port=1 password=SECRET dbname=x"),
            "host=h port=1 password=*** dbname=x"
        );
        assert_eq!(
            redact("host=h password = 'a \\' b' user=u"),
            "host=h password = *** user=u"
        );
        assert_eq!(redact("dbname=x"), "dbname=x");
        assert_eq!(redact("mypassword=x"), "mypassword=x");
    }

    #[test]
    fn redacting_twice_changes_nothing() {
        for text in [
            "cannot connect to postgres://u@h/x?password=SECRET: refused",
            "host=h password=SECRET",
            "mysql://u:p@h/x?pwd=a&b=c",
        ] {
            let once = redact(text);
            assert!(!once.contains("SECRET"), "{once}");
            assert_eq!(redact(&once), once);
        }
        assert_eq!(
            redact("to postgres://u@h/x?password=***: refused"),
            "to postgres://u@h/x?password=***: refused"
        );
    }

    #[test]
    fn urls_inside_messages() {
        assert_eq!(
            redact("cannot connect to postgres://u:pw@h/x: refused"),
            "cannot connect to postgres://u:***@h/x: refused"
        );
        assert_eq!(
            redact("1 | url = \"postgres://u:pw@h/x\" oops"),
            "1 | url = \"postgres://u:***@h/x\" oops"
        );
        assert_eq!(
            redact("[urls] a = 'mysql://u:p w@h/x"),
            "[urls] a = 'mysql://u:***@h/x"
        );
    }

    #[test]
    fn userinfo_reads_as_the_mask_does() {
        assert_eq!(userinfo("postgres://u:p@q@h/x"), Some(("u", Some("p@q"))));
        assert_eq!(userinfo("postgres://h/x"), None);
        assert_eq!(userinfo("oracle://u/p@h/s"), Some(("u", Some("p"))));
        assert_eq!(
            ambiguous_password_char("mysql://u:a/b@h/x", &['/', '?', '#', '@']),
            Some('/')
        );
        assert_eq!(ambiguous_password_char("mysql://u:a%2Fb@h/x", &['/']), None);
    }
}
