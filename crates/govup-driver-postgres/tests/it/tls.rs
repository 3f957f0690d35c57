//! TLS modes against the test server, whatever its `ssl` setting: with TLS off every TLS mode
//! must fail cleanly; with it on, `require` must really encrypt and `verify-full` must refuse a
//! certificate no public root vouches for.

use govup_driver_postgres::connect;

use crate::support::{one_cell, server, with_param};

#[test]
fn sslmode_require_and_verify_against_the_test_server() {
    let Some(url) = server() else { return };
    let mut plain = connect(&url).unwrap();
    let ssl_on = one_cell(plain.as_mut(), "SHOW ssl").as_deref() == Some("on");
    let not_encrypted = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    assert_eq!(
        one_cell(plain.as_mut(), not_encrypted).as_deref(),
        Some("f"),
        "no sslmode must mean no TLS"
    );

    let required = connect(&with_param(&url, "sslmode=require"));
    if !ssl_on {
        let err = required.err().unwrap();
        assert!(
            err.message.starts_with("cannot connect to postgres://"),
            "{}",
            err.message
        );
        assert!(!err.message.contains('\n'));
        return;
    }
    let mut tls = required.unwrap();
    assert_eq!(one_cell(tls.as_mut(), not_encrypted).as_deref(), Some("t"));

    let err = connect(&with_param(&url, "sslmode=verify-full"))
        .err()
        .unwrap();
    assert!(err.message.contains("certificate"), "{}", err.message);

    // The server's own certificate as the root: the chain holds, whatever name it carries.
    let cert = one_cell(plain.as_mut(), "SHOW ssl_cert_file").unwrap_or_default();
    if std::fs::read(&cert).is_ok() {
        let ca = with_param(&url, &format!("sslmode=verify-ca&sslrootcert={cert}"));
        let mut verified = connect(&ca).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            one_cell(verified.as_mut(), not_encrypted).as_deref(),
            Some("t")
        );
    }
}
