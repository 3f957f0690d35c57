//! Connection errors and `describe()`: one line, naming the server, never the password.

use govup_driver_postgres::connect;

use crate::support::{server, with_database, with_password};

const SECRET: &str = "s3cr3t-Pw";

#[test]
fn an_unreachable_port_is_a_one_line_error_without_the_password() {
    // Port 1 on the loopback: refused at once, no server needed.
    let err = connect(&format!("postgres://govup:{SECRET}@127.0.0.1:1/govway"))
        .err()
        .unwrap();
    assert!(
        err.message
            .starts_with("cannot connect to postgres://govup:***@127.0.0.1:1/govway: "),
        "{}",
        err.message
    );
    assert!(
        err.message.contains("refused"),
        "the cause is part of the message: {}",
        err.message
    );
    assert!(
        !err.message.contains(SECRET) && !err.message.contains('\n'),
        "{}",
        err.message
    );
}

#[test]
fn a_malformed_url_is_an_error_without_the_password() {
    for url in [
        format!("postgres://govup:{SECRET}@127.0.0.1:notaport/govway"),
        format!("postgres://govup:{SECRET}@127.0.0.1/govway?sslmode=sometimes"),
        format!("postgres://govup@127.0.0.1/govway?unknown_option=1&password={SECRET}"),
        format!("mysql://govup:{SECRET}@127.0.0.1/govway"),
    ] {
        let err = connect(&url).err().unwrap();
        assert!(
            !err.message.contains(SECRET) && !err.message.contains('\n'),
            "{}",
            err.message
        );
        assert!(err.message.contains("127.0.0.1"), "{}", err.message);
    }
}

#[test]
fn a_password_never_shows_in_describe_or_errors() {
    let Some(url) = server() else { return };
    // The test server trusts local connections, so any password is accepted and ignored.
    let with_secret = with_password(&url, SECRET);
    let mut db = connect(&with_secret).unwrap();
    let described = db.describe();
    assert!(
        described.contains(":***@") && !described.contains(SECRET),
        "{described}"
    );
    let err = db
        .execute(&format!("SELECT '{SECRET}' FROM no_such_table_anywhere"))
        .unwrap_err();
    assert!(!err.message.contains(SECRET), "{}", err.message);

    let missing = govup_testkit::unique_name("nodb");
    let err = connect(&with_database(&with_secret, &missing))
        .err()
        .unwrap();
    assert!(err.message.contains(":***@"), "{}", err.message);
    assert!(
        err.message.contains(&format!("/{missing}: ")),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains(&format!("database \"{missing}\" does not exist")),
        "{}",
        err.message
    );
    assert!(
        !err.message.contains(SECRET) && !err.message.contains('\n'),
        "{}",
        err.message
    );
}

#[test]
fn describe_without_a_password_has_no_mask() {
    let Some(url) = server() else { return };
    let db = connect(&url).unwrap();
    let described = db.describe();
    assert!(
        described.starts_with("postgres://") && !described.contains("***"),
        "{described}"
    );
    assert_eq!(db.dialect().name(), "postgresql");
}
