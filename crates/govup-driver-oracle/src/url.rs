//! `oracle://user:password@host:port/service_name` and what it becomes for the client library.

use govup_engine::driver::DbError;
use govup_engine::url::redact;

const DEFAULT_PORT: u16 = 1521;

/// The parts of an Oracle URL, user and password percent-decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct OracleUrl {
    pub user: String,
    pub password: Option<String>,
    /// As written, IPv6 addresses keeping their brackets.
    pub host: String,
    pub port: u16,
    pub service: String,
}

// The password must not leak through `{:?}` either.
impl std::fmt::Debug for OracleUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl OracleUrl {
    pub fn parse(url: &str) -> Result<OracleUrl, DbError> {
        let bad = |why: &str| DbError::new(format!("invalid oracle url {}: {why}", redact(url)));
        let rest = url
            .get(..9)
            .filter(|scheme| scheme.eq_ignore_ascii_case("oracle://"))
            .and_then(|_| url.get(9..))
            .ok_or_else(|| bad("expected oracle://user:password@host:port/service_name"))?;
        // A raw space would end the URL where a message quotes it, and so the mask with it.
        if govup_engine::url::ambiguous_password_char(url, &[]).is_some() {
            return Err(bad("the password holds white space; percent-encode it"));
        }
        // The last `@` ends the user info: passwords may hold `@`, `/` and `?` unencoded.
        let (userinfo, location) = rest
            .rsplit_once('@')
            .ok_or_else(|| bad("the user name is missing"))?;
        if location.contains('?') || location.contains('#') {
            return Err(bad("query parameters are not supported"));
        }
        let (hostport, service) = location
            .split_once('/')
            .ok_or_else(|| bad("the service name is missing"))?;
        if service.is_empty() || service.contains('/') {
            return Err(bad("expected one service name after the host"));
        }
        // `user:pw` or SQL*Plus's `user/pw`, split where the shared mask splits.
        let (user, password) = match userinfo.find([':', '/']) {
            Some(sep) => (&userinfo[..sep], Some(&userinfo[sep + 1..])),
            None => (userinfo, None),
        };
        let user =
            percent_decode(user).ok_or_else(|| bad("bad percent-encoding in the user name"))?;
        if user.is_empty() {
            return Err(bad("the user name is missing"));
        }
        let password = match password {
            Some(p) => {
                Some(percent_decode(p).ok_or_else(|| bad("bad percent-encoding in the password"))?)
            }
            None => None,
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("bad host or port"))?;
        Ok(OracleUrl {
            user,
            password,
            host: host.to_string(),
            port: port.unwrap_or(DEFAULT_PORT),
            service: percent_decode(service)
                .ok_or_else(|| bad("bad percent-encoding in the service name"))?,
        })
    }

    /// The Easy Connect string the client library takes.
    pub fn connect_string(&self) -> String {
        format!("//{}:{}/{}", self.host, self.port, self.service)
    }

    /// `host:port/service`, to name the server in messages.
    pub fn server(&self) -> String {
        format!("{}:{}/{}", self.host, self.port, self.service)
    }

    /// The URL with the password replaced by `***`.
    pub fn describe(&self) -> String {
        let password = if self.password.is_some() { ":***" } else { "" };
        format!("oracle://{}{password}@{}", self.user, self.server())
    }
}

/// `host[:port]` or `[v6]:port`; None when the host is empty or the port is not a number.
fn split_host_port(hostport: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport.find(']')?;
        let (host, after) = hostport.split_at(close + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() || host == "[]" {
        return None;
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0)?),
        None => None,
    };
    Some((host, port))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let u = OracleUrl::parse("oracle://govway:s3cret@db.example:1522/ORCLPDB1").unwrap();
        assert_eq!(u.user, "govway");
        assert_eq!(u.password.as_deref(), Some("s3cret"));
        assert_eq!(u.host, "db.example");
        assert_eq!(u.port, 1522);
        assert_eq!(u.service, "ORCLPDB1");
        assert_eq!(u.connect_string(), "//db.example:1522/ORCLPDB1");
        assert_eq!(u.server(), "db.example:1522/ORCLPDB1");
        assert_eq!(u.describe(), "oracle://govway:***@db.example:1522/ORCLPDB1");
        assert!(!format!("{u:?}").contains("s3cret"));
    }

    #[test]
    fn port_defaults_to_1521() {
        let u = OracleUrl::parse("oracle://govway:pw@localhost/FREEPDB1").unwrap();
        assert_eq!(u.connect_string(), "//localhost:1521/FREEPDB1");
        assert_eq!(u.describe(), "oracle://govway:***@localhost:1521/FREEPDB1");
    }

    #[test]
    fn password_is_percent_decoded_and_may_hold_at_signs() {
        let u = OracleUrl::parse("oracle://gov%20way:p%40ss@w:o/r?d@h:1521/svc").unwrap();
        assert_eq!(u.user, "gov way");
        assert_eq!(u.password.as_deref(), Some("p@ss@w:o/r?d"));
        assert_eq!(u.host, "h");
    }

    #[test]
    fn no_password() {
        let u = OracleUrl::parse("oracle://scott@h/svc").unwrap();
        assert_eq!(u.password, None);
        assert_eq!(u.describe(), "oracle://scott@h:1521/svc");
    }

    #[test]
    fn sqlplus_user_slash_password_is_a_password() {
        let u = OracleUrl::parse("oracle://scott/tiger@h/svc").unwrap();
        assert_eq!(
            (u.user.as_str(), u.password.as_deref()),
            ("scott", Some("tiger"))
        );
        assert_eq!(u.describe(), "oracle://scott:***@h:1521/svc");
        assert!(
            !format!("{:?}", OracleUrl::parse("oracle://scott/tiger@h:x/svc")).contains("tiger")
        );
    }

    #[test]
    fn ipv6_hosts_keep_brackets() {
        let u = OracleUrl::parse("oracle://u:p@[::1]:1530/svc").unwrap();
        assert_eq!(u.connect_string(), "//[::1]:1530/svc");
        assert_eq!(
            OracleUrl::parse("oracle://u:p@[::1]/svc").unwrap().port,
            1521
        );
    }

    #[test]
    fn scheme_is_case_insensitive() {
        assert_eq!(
            OracleUrl::parse("ORACLE://u:p@h/svc").unwrap().service,
            "svc"
        );
    }

    #[test]
    fn bad_urls_are_refused_without_the_password() {
        for (url, why) in [
            ("postgres://u:secret@h/db", "expected oracle://"),
            ("oracle://u:secret@h", "the service name is missing"),
            ("oracle://u:secret@h/", "expected one service name"),
            ("oracle://u:secret@h/a/b", "expected one service name"),
            ("oracle://h:1521/svc", "the user name is missing"),
            ("oracle://:secret@h/svc", "the user name is missing"),
            ("oracle://u:secret@h:port/svc", "bad host or port"),
            ("oracle://u:secret@h:99999/svc", "bad host or port"),
            ("oracle://u:secret@:1521/svc", "bad host or port"),
            ("oracle://u:secret@[::1/svc", "bad host or port"),
            (
                "oracle://u:sec%zzret@h/svc",
                "bad percent-encoding in the password",
            ),
            (
                "oracle://u:secret@h/svc?mode=sysdba",
                "query parameters are not supported",
            ),
            ("oracle://u:se/cr@et@h:x/svc", "bad host or port"),
        ] {
            let e = OracleUrl::parse(url).unwrap_err().message;
            assert!(e.contains(why), "{url}: {e}");
            assert!(!e.contains("secret") && !e.contains("cr@et"), "{url}: {e}");
            assert!(e.starts_with("invalid oracle url "), "{e}");
        }
    }

    #[test]
    fn non_ascii_percent_sequences_never_panic() {
        assert!(OracleUrl::parse("oracle://u:%è@h/svc").is_err());
        assert!(OracleUrl::parse("oracle://u:%@h/svc").is_err());
        assert!(OracleUrl::parse("oracle://u:%c3@h/svc").is_err());
        assert_eq!(
            OracleUrl::parse("oracle://u:%C3%A8@h/svc")
                .unwrap()
                .password
                .as_deref(),
            Some("è")
        );
    }
}
