//! Reading a `postgres://` URL into a client configuration, and showing it without its password.
//!
//! The client library parses the URL itself; this module only takes out what it does not know
//! (`sslmode=verify-full`, `sslrootcert`) and fills the gaps libpq users expect to be filled.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use govup_engine::url::redact as mask_url;
use govup_engine::ConnectOptions;
use percent_encoding::percent_decode_str;
use postgres::config::Host;

use crate::tls::TlsMode;

/// libpq waits forever for a dead host; an upgrade run should rather say so.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to connect and how.
#[derive(Clone)]
pub struct Target {
    /// The URL as typed, password included: kept only to derive the URLs of scratch databases
    /// (same credentials and parameters), never shown.
    pub url: String,
    pub config: postgres::Config,
    pub tls: TlsMode,
    /// `postgres://user:***@host:port/db`.
    pub described: String,
    /// Kept only to scrub it from error messages.
    pub password: Option<String>,
    /// The password and session statements given beside the URL, kept for the sessions opened
    /// later on the same server (maintenance, scratch databases).
    pub options: ConnectOptions,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let Some(rest) = ["postgres://", "postgresql://"].iter().find_map(|scheme| {
            let head = url.get(..scheme.len())?;
            head.eq_ignore_ascii_case(scheme)
                .then(|| &url[scheme.len()..])
        }) else {
            return Err(format!(
                "invalid postgres url {}: expected postgres:// or postgresql://",
                mask_url(url)
            ));
        };
        // The client ends the user info at the first '@', the mask at the last: a URL on which
        // they would differ is refused, so the mask always covers the password the client reads.
        if let Some(c) = govup_engine::url::ambiguous_password_char(url, &['@']) {
            return Err(format!(
                "invalid postgres url {}: the password holds a raw `{}`; percent-encode it",
                mask_url(url),
                c.escape_default()
            ));
        }
        // The client only knows the lowercase schemes; URL schemes are case-insensitive.
        let typed = url;
        let url = format!("postgresql://{rest}");
        let url = url.as_str();
        // Like the client's parser: the user info ends at the first '@', so a '?' inside a
        // password does not start the query.
        let after_creds = url.find('@').map_or(0, |at| at + 1);
        let (base, query) = match url[after_creds..].find('?') {
            Some(q) => (&url[..after_creds + q], Some(&url[after_creds + q + 1..])),
            None => (url, None),
        };
        let mut kept = Vec::new();
        let mut sslmode = None;
        let mut rootcert = None;
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode_str(value).decode_utf8_lossy().into_owned();
            match percent_decode_str(key).decode_utf8_lossy().as_ref() {
                "sslmode" => sslmode = Some(value),
                "sslrootcert" => rootcert = Some(PathBuf::from(value)),
                _ => kept.push(pair),
            }
        }
        let invalid = |why: String| format!("invalid postgres url {}: {why}", mask_url(typed));
        let tls = TlsMode::from_params(sslmode.as_deref(), rootcert).map_err(invalid)?;
        let rebuilt = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| {
            let message = invalid(crate::error::with_causes(&e));
            match raw_password(url) {
                Some(p) if !p.is_empty() => message.replace(p, "***"),
                _ => message,
            }
        })?;
        if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
            config.host("localhost");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let password = config
            .get_password()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        let described = describe(&config);
        Ok(Target {
            url: typed.to_string(),
            config,
            tls,
            described,
            password,
            options: ConnectOptions::default(),
        })
    }

    /// [`Target::parse`], then `options`: their password fills in only for a URL that names a
    /// user and no password (as libpq's other sources do); `described` keeps showing the URL as
    /// typed.
    pub fn parse_with(url: &str, options: &ConnectOptions) -> Result<Target, String> {
        let mut target = Target::parse(url)?;
        target.set_options(options);
        Ok(target)
    }

    fn set_options(&mut self, options: &ConnectOptions) {
        if let Some(secret) = &options.password {
            if self.config.get_user().is_some() && self.config.get_password().is_none() {
                self.config.password(secret.expose());
                self.password = Some(secret.expose().to_string());
            }
        }
        self.options = options.clone();
    }

    /// The same server, user and parameters, database `database`.
    pub fn with_database(&self, database: &str) -> Result<Target, String> {
        Target::parse_with(&with_database(&self.url, database), &self.options)
    }

    /// `host:port` of every server the URL names, to tell whether two URLs reach the same server.
    pub fn servers(&self) -> String {
        servers(&self.config)
    }

    /// The database the server will open: the URL's, else the user's name (the server's rule).
    pub fn database(&self) -> Option<&str> {
        self.config.get_dbname().or(self.config.get_user())
    }

    /// `message` with the password, should the client library ever echo it, masked.
    pub fn scrub(&self, message: &str) -> String {
        match &self.password {
            Some(p) if !p.is_empty() => message.replace(p.as_str(), "***"),
            _ => message.to_string(),
        }
    }
}

fn describe(config: &postgres::Config) -> String {
    let mut out = String::from("postgres://");
    if let Some(user) = config.get_user() {
        out.push_str(user);
        if config.get_password().is_some() {
            out.push_str(":***");
        }
        out.push('@');
    } else if config.get_password().is_some() {
        out.push_str(":***@");
    }
    out.push_str(&servers(config));
    // The server's own default: a database named like the user.
    if let Some(db) = config.get_dbname().or(config.get_user()) {
        out.push('/');
        out.push_str(db);
    }
    out
}

/// `host:port[,host:port]`, with libpq's default port filled in.
fn servers(config: &postgres::Config) -> String {
    let ports = config.get_ports();
    let port_at = |i: usize| match ports {
        [] => 5432,
        [only] => *only,
        many => many.get(i).copied().unwrap_or(5432),
    };
    let hosts: Vec<String> = if config.get_hosts().is_empty() {
        config
            .get_hostaddrs()
            .iter()
            .map(|a| a.to_string())
            .collect()
    } else {
        config
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
                Host::Tcp(name) => name.clone(),
                Host::Unix(path) => path.display().to_string(),
            })
            .collect()
    };
    let servers: Vec<String> = hosts
        .iter()
        .enumerate()
        .map(|(i, h)| format!("{h}:{}", port_at(i)))
        .collect();
    servers.join(",")
}

/// `url` with its database replaced by `database`, a name that needs no percent-encoding. A
/// `dbname=` parameter is left out: it would override the path.
pub fn with_database(url: &str, database: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    // As in `Target::parse`: the user info ends at the first '@'.
    let after_creds = url[scheme_end..]
        .find('@')
        .map_or(scheme_end, |at| scheme_end + at + 1);
    let (base, query) = match url[after_creds..].find('?') {
        Some(q) => (&url[..after_creds + q], &url[after_creds + q + 1..]),
        None => (url, ""),
    };
    let authority_end = base[after_creds..]
        .find('/')
        .map_or(base.len(), |slash| after_creds + slash);
    let mut out = format!("{}/{database}", &base[..authority_end]);
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split_once('=').map_or(*pair, |(k, _)| k);
            !pair.is_empty() && percent_decode_str(key).decode_utf8_lossy() != "dbname"
        })
        .collect();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    out
}

/// The raw text between `user:` and the first `@`, as typed: where the client reads it.
fn raw_password(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.find('@')?];
    userinfo.split_once(':').map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(url: &str) -> String {
        Target::parse(url)
            .map(|t| t.described)
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn a_given_password_fills_in_only_where_the_url_has_none_and_follows_to_scratch() {
        let options = ConnectOptions {
            password: Some(govup_engine::Secret::new("given")),
            session_sql: vec!["SET lock_timeout = '5s'".into()],
        };
        let t = Target::parse_with("postgres://u@h/db", &options).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"given"[..]));
        assert_eq!(t.described, "postgres://u@h:5432/db");
        let scratch = t.with_database("db_govup_copy_1_0").unwrap();
        assert_eq!(scratch.config.get_password(), Some(&b"given"[..]));
        assert_eq!(scratch.options.session_sql, options.session_sql);
        let typed = Target::parse_with("postgres://u:typed@h/db", &options).unwrap();
        assert_eq!(typed.config.get_password(), Some(&b"typed"[..]));
        let no_user = Target::parse_with("postgres://h/db", &options).unwrap();
        assert_eq!(no_user.config.get_password(), None);
    }

    #[test]
    fn describe_masks_the_password() {
        assert_eq!(
            described("postgres://govway:s3cret@db.example:5433/govway"),
            "postgres://govway:***@db.example:5433/govway"
        );
        assert_eq!(
            described("postgresql://govway@db.example/govway"),
            "postgres://govway@db.example:5432/govway"
        );
        assert_eq!(
            described("postgres://u:p%40ss@h/d?password=x"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(
            described("postgres://u@h/d?password=x"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(
            described("postgres://u:pa?ss@h/d?application_name=a"),
            "postgres://u:***@h:5432/d"
        );
    }

    #[test]
    fn describe_fills_libpq_defaults() {
        assert_eq!(
            described("postgres://govway@db"),
            "postgres://govway@db:5432/govway"
        );
        assert_eq!(
            described("postgres:///govway"),
            "postgres://localhost:5432/govway"
        );
        assert_eq!(
            described("postgres://[::1]:6000/x"),
            "postgres://[::1]:6000/x"
        );
        assert_eq!(
            described("postgres://u@a:1,b:2/x"),
            "postgres://u@a:1,b:2/x"
        );
        assert_eq!(
            described("postgres://u@%2Fvar%2Frun%2Fpostgresql/x"),
            "postgres://u@/var/run/postgresql:5432/x"
        );
    }

    #[test]
    fn scheme_is_checked() {
        let err = Target::parse("mysql://root:pw@h/db").err().unwrap();
        assert_eq!(
            err,
            "invalid postgres url mysql://root:***@h/db: expected postgres:// or postgresql://"
        );
        assert!(Target::parse("POSTGRESQL://u@h/db").is_ok());
    }

    #[test]
    fn sslmode_is_taken_out_before_the_client_parses() {
        let t =
            Target::parse("postgres://u@h/db?sslmode=verify-full&application_name=govup").unwrap();
        assert_eq!(t.tls, TlsMode::VerifyFull(None));
        assert_eq!(t.config.get_application_name(), Some("govup"));
        let t =
            Target::parse("postgres://u@h/db?sslrootcert=%2Fetc%2Fca.pem&sslmode=require").unwrap();
        assert_eq!(t.tls, TlsMode::VerifyCa(Some(PathBuf::from("/etc/ca.pem"))));
        assert_eq!(
            Target::parse("postgres://u@h/db").unwrap().tls,
            TlsMode::Off
        );
        assert_eq!(
            Target::parse("postgres://u@h/db?sslmode=disable")
                .unwrap()
                .tls,
            TlsMode::Off
        );
    }

    #[test]
    fn parse_errors_are_one_line_and_masked() {
        let err = Target::parse("postgres://u:hunter2@h:notaport/db")
            .err()
            .unwrap();
        assert!(
            err.starts_with("invalid postgres url postgres://u:***@h:notaport/db: "),
            "{err}"
        );
        assert!(!err.contains("hunter2") && !err.contains('\n'), "{err}");
        assert!(err.contains("port"), "the client's reason is kept: {err}");
        let err = Target::parse("postgres://u:hunter2@h/db?sslmode=maybe")
            .err()
            .unwrap();
        assert!(
            err.contains("invalid sslmode \"maybe\"") && !err.contains("hunter2"),
            "{err}"
        );
        let err = Target::parse("postgres://u:pw@h/db?bogus=1&password=hunter2")
            .err()
            .unwrap();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn an_at_sign_in_the_password_is_refused_not_misread() {
        let err = Target::parse("postgres://u:SEC@RET@h/db").err().unwrap();
        assert_eq!(
            err,
            "invalid postgres url postgres://u:***@h/db: the password holds a raw `@`; percent-encode it"
        );
        assert!(Target::parse("postgres://u:SEC%40RET@h/db").is_ok());
        let err = Target::parse("postgresql:u:SECRET@h").err().unwrap();
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn masking_raw_urls() {
        assert_eq!(mask_url("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(mask_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            mask_url("postgres://h/db?user=u&password=p"),
            "postgres://h/db?user=u&password=***"
        );
        assert_eq!(mask_url("not a url"), "not a url");
    }

    #[test]
    fn connect_timeout_defaults_but_the_url_wins() {
        let t = Target::parse("postgres://u@h/db").unwrap();
        assert_eq!(t.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        let t = Target::parse("postgres://u@h/db?connect_timeout=5").unwrap();
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&Duration::from_secs(5))
        );
    }

    #[test]
    fn with_database_keeps_credentials_and_parameters() {
        assert_eq!(
            with_database("postgres://u:p%40w@h:5433/govway?sslmode=require", "x_1"),
            "postgres://u:p%40w@h:5433/x_1?sslmode=require"
        );
        assert_eq!(with_database("POSTGRESQL://u@h", "x"), "POSTGRESQL://u@h/x");
        assert_eq!(
            with_database("postgres://u:a/b?c@h/db", "x"),
            "postgres://u:a/b?c@h/x"
        );
        assert_eq!(
            with_database("postgres://h/?dbname=db&user=u&application_name=a", "x"),
            "postgres://h/x?user=u&application_name=a"
        );
        assert_eq!(
            with_database("postgres://u@a:1,b:2/db?", "x"),
            "postgres://u@a:1,b:2/x"
        );
        let t = Target::parse("postgres://u:pw@h:6000/db?application_name=a").unwrap();
        let moved = t.with_database("other").unwrap();
        assert_eq!(moved.described, "postgres://u:***@h:6000/other");
        assert_eq!(moved.config.get_application_name(), Some("a"));
        assert_eq!(moved.password.as_deref(), Some("pw"));
        assert_eq!(moved.servers(), "h:6000");
        assert_eq!(moved.database(), Some("other"));
        assert_eq!(
            Target::parse("postgres://u@h").unwrap().database(),
            Some("u")
        );
    }

    #[test]
    fn scrub_masks_the_decoded_password() {
        let t = Target::parse("postgres://u:p%40ss@h/db").unwrap();
        assert_eq!(t.scrub("auth failed for p@ss"), "auth failed for ***");
    }
}
