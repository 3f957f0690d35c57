//! Reading a `mysql://` or `mariadb://` URL into client options, and describing it without the
//! password.

use std::path::PathBuf;
use std::time::Duration;

use govup_engine::driver::DbError;
use govup_engine::url::redact as mask_password;
use govup_engine::{ConnectOptions, Secret};
use mysql::{OptsBuilder, SslOpts};
use percent_encoding::percent_decode_str;

const DEFAULT_PORT: u16 = 3306;
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// How much TLS the URL asks for, named as the `mysql` client's `--ssl-mode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP (the default).
    Disabled,
    /// Encrypted, certificate not checked.
    Required,
    /// Encrypted, certificate chain checked, host name not.
    VerifyCa,
    /// Encrypted, certificate chain and host name checked.
    VerifyIdentity,
}

/// A parsed connection URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectUrl {
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    pub database: Option<String>,
    pub tls: TlsMode,
    pub ssl_ca: Option<PathBuf>,
    pub connect_timeout: Duration,
    /// A password given beside the URL (never shown: `describe` reads only `password`).
    pub injected: Option<Secret>,
    /// Run on every session this URL opens, the loading sessions of `mysql` included.
    pub session_sql: Vec<String>,
}

impl ConnectUrl {
    pub fn parse(text: &str) -> Result<ConnectUrl, DbError> {
        let invalid =
            |why: &str| DbError::new(format!("invalid mysql URL {}: {why}", mask_password(text)));
        // The URL parser ends the user info at the first `/`, `?` or `#`, the mask at the last
        // `@`: a URL on which they would differ is refused, so the mask always covers the
        // password the client reads.
        if let Some(c) = govup_engine::url::ambiguous_password_char(text, &['/', '?', '#', '@']) {
            return Err(invalid(&format!(
                "the password holds a raw `{}`; percent-encode it",
                c.escape_default()
            )));
        }
        let url = url::Url::parse(text).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "mysql" | "mariadb") {
            return Err(invalid("the scheme must be mysql:// or mariadb://"));
        }
        let host = match url.host_str() {
            Some(h) if !h.is_empty() => h.to_string(),
            _ => return Err(invalid("no host")),
        };
        let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
        let user = Some(decode(url.username())).filter(|u| !u.is_empty());
        let password = url.password().map(decode);
        let path = url.path().strip_prefix('/').unwrap_or(url.path());
        if path.contains('/') {
            return Err(invalid("the path must be a single database name"));
        }
        let database = Some(decode(path)).filter(|d| !d.is_empty());

        let mut parsed = ConnectUrl {
            host,
            port: url.port().unwrap_or(DEFAULT_PORT),
            user,
            password,
            database,
            tls: TlsMode::Disabled,
            ssl_ca: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            injected: None,
            session_sql: Vec::new(),
        };
        for (key, value) in url.query_pairs() {
            match key.to_ascii_lowercase().replace('_', "-").as_str() {
                "ssl-mode" | "sslmode" => {
                    parsed.tls = match value.to_ascii_uppercase().replace('-', "_").as_str() {
                        "DISABLED" => TlsMode::Disabled,
                        "REQUIRED" => TlsMode::Required,
                        "VERIFY_CA" => TlsMode::VerifyCa,
                        "VERIFY_IDENTITY" => TlsMode::VerifyIdentity,
                        _ => {
                            return Err(invalid(&format!(
                                "ssl-mode {value} is not supported (use DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY)"
                            )))
                        }
                    }
                }
                "ssl-ca" | "sslrootcert" => parsed.ssl_ca = Some(PathBuf::from(value.as_ref())),
                "connect-timeout" => {
                    let seconds = value
                        .parse::<u64>()
                        .map_err(|_| invalid(&format!("connect-timeout {value} is not a number of seconds")))?;
                    parsed.connect_timeout = Duration::from_secs(seconds);
                }
                other => return Err(invalid(&format!("unknown parameter {other}"))),
            }
        }
        if parsed.ssl_ca.is_some() && parsed.tls == TlsMode::Disabled {
            return Err(invalid(
                "ssl-ca needs ssl-mode VERIFY_CA or VERIFY_IDENTITY",
            ));
        }
        Ok(parsed)
    }

    /// [`ConnectUrl::parse`], then `options`: their password fills in only for a URL that
    /// names a user and no password; `describe` keeps showing the URL as typed would.
    pub fn parse_with(text: &str, options: &ConnectOptions) -> Result<ConnectUrl, DbError> {
        let mut url = ConnectUrl::parse(text)?;
        if url.user.is_some() && url.password.is_none() {
            url.injected = options.password.clone();
        }
        url.session_sql = options.session_sql.clone();
        Ok(url)
    }

    /// The password the client sends: the URL's, else one given beside it.
    pub fn password(&self) -> Option<&str> {
        self.password
            .as_deref()
            .or(self.injected.as_ref().map(Secret::expose))
    }

    /// `mysql://user:***@host:port/db`: where the connection goes, safe to print.
    pub fn describe(&self) -> String {
        let credentials = match (&self.user, &self.password) {
            (Some(user), Some(_)) => format!("{user}:***@"),
            (Some(user), None) => format!("{user}@"),
            (None, Some(_)) => ":***@".to_string(),
            (None, None) => String::new(),
        };
        format!("mysql://{credentials}{}", self.server())
    }

    /// `host:port/database`, for error messages.
    pub fn server(&self) -> String {
        format!(
            "{}:{}/{}",
            self.host,
            self.port,
            self.database.as_deref().unwrap_or("")
        )
    }

    pub fn client_options(&self) -> OptsBuilder {
        let ssl = match self.tls {
            TlsMode::Disabled => None,
            mode => Some(
                SslOpts::default()
                    .with_root_cert_path(self.ssl_ca.clone())
                    .with_danger_accept_invalid_certs(mode == TlsMode::Required)
                    .with_danger_skip_domain_validation(mode != TlsMode::VerifyIdentity),
            ),
        };
        OptsBuilder::new()
            .ip_or_hostname(Some(self.host.clone()))
            .tcp_port(self.port)
            .user(self.user.clone())
            .pass(self.password().map(str::to_string))
            .db_name(self.database.clone())
            // A socket file would bypass the host the operator named.
            .prefer_socket(false)
            .tcp_connect_timeout(Some(self.connect_timeout))
            .ssl_opts(ssl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let u = ConnectUrl::parse("mysql://govway:s3cr%40t@db.example:3307/govway_db").unwrap();
        assert_eq!(u.host, "db.example");
        assert_eq!(u.port, 3307);
        assert_eq!(u.user.as_deref(), Some("govway"));
        assert_eq!(u.password.as_deref(), Some("s3cr@t"));
        assert_eq!(u.database.as_deref(), Some("govway_db"));
        assert_eq!(u.tls, TlsMode::Disabled);
        assert_eq!(u.describe(), "mysql://govway:***@db.example:3307/govway_db");
        assert_eq!(u.server(), "db.example:3307/govway_db");
    }

    #[test]
    fn mariadb_scheme_and_defaults() {
        let u = ConnectUrl::parse("mariadb://root@127.0.0.1").unwrap();
        assert_eq!(u.port, 3306);
        assert_eq!(u.password, None);
        assert_eq!(u.database, None);
        assert_eq!(u.describe(), "mysql://root@127.0.0.1:3306/");
    }

    #[test]
    fn ipv6_host() {
        let u = ConnectUrl::parse("mysql://root@[::1]:3306/test").unwrap();
        assert_eq!(u.host, "[::1]");
        assert_eq!(u.describe(), "mysql://root@[::1]:3306/test");
    }

    #[test]
    fn ssl_modes() {
        let mode = |q: &str| ConnectUrl::parse(&format!("mysql://h/db?{q}")).unwrap().tls;
        assert_eq!(mode("ssl-mode=REQUIRED"), TlsMode::Required);
        assert_eq!(mode("ssl_mode=required"), TlsMode::Required);
        assert_eq!(mode("sslmode=verify-ca"), TlsMode::VerifyCa);
        assert_eq!(
            mode("ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ca.pem"),
            TlsMode::VerifyIdentity
        );
        assert_eq!(mode("ssl-mode=DISABLED"), TlsMode::Disabled);
        let e = ConnectUrl::parse("mysql://h/db?ssl-mode=PREFERRED").unwrap_err();
        assert!(
            e.message.contains("ssl-mode PREFERRED is not supported"),
            "{e}"
        );
    }

    #[test]
    fn client_options_carry_tls() {
        let opts: mysql::Opts = ConnectUrl::parse("mysql://h/db?ssl-mode=REQUIRED")
            .unwrap()
            .client_options()
            .into();
        let ssl = opts.get_ssl_opts().unwrap();
        assert!(ssl.accept_invalid_certs());
        let opts: mysql::Opts = ConnectUrl::parse("mysql://h/db?ssl-mode=VERIFY_IDENTITY")
            .unwrap()
            .client_options()
            .into();
        let ssl = opts.get_ssl_opts().unwrap();
        assert!(!ssl.accept_invalid_certs() && !ssl.skip_domain_validation());
        let opts: mysql::Opts = ConnectUrl::parse("mysql://u:p@h:1/db")
            .unwrap()
            .client_options()
            .into();
        assert!(opts.get_ssl_opts().is_none());
        assert_eq!(
            (opts.get_user(), opts.get_pass(), opts.get_db_name()),
            (Some("u"), Some("p"), Some("db"))
        );
        assert_eq!(opts.get_tcp_port(), 1);
    }

    #[test]
    fn bad_urls_never_show_the_password() {
        for bad in [
            "postgres://u:hunter2@h/db",
            "mysql://u:hunter2@h/db?nope=1",
            "mysql://u:hunter2@h:99999/db",
            "mysql://u:hunter2@/db",
            "mysql://u:hunter2@h/db/extra",
            "mysql://u:hunter2@h/db?connect-timeout=x",
            "mysql://u:hunter2@h/db?ssl-ca=/x",
            "mysql://u:hunt/er2@h/db",
            "mysql://u:hunt#er2@h/db",
            "mysql://u:hunt?er2@h/db",
            "mysql://u:hunt@er2@h/db",
            "mysql://u@h/db?password=hunter2",
            "mysql://u@h/db?pwd=hunter2",
        ] {
            let e = ConnectUrl::parse(bad).unwrap_err();
            assert!(!e.message.contains("hunter2"), "{e}");
            assert!(e.message.starts_with("invalid mysql URL "), "{e}");
            assert!(!e.message.contains('\n'));
        }
    }

    #[test]
    fn mask_password_handles_odd_text() {
        assert_eq!(mask_password("mysql://u:p@h/db"), "mysql://u:***@h/db");
        assert_eq!(mask_password("mysql://u@h/db"), "mysql://u@h/db");
        assert_eq!(mask_password("no url"), "no url");
        assert_eq!(mask_password("mysql://u:p:q@x@h"), "mysql://u:***@h");
    }
}
