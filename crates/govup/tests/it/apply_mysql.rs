//! `govup apply` on a real MariaDB server (GOVUP_TEST_MYSQL_URL): GovWay's own upgrade.

use crate::support::{govup, json, Scratch, Server};
use std::collections::BTreeSet;

/// The catalog of the connection's database, without govup's own table, from
/// information_schema: tables; columns with type, default and nullability; indexes with their
/// columns in order; constraints; foreign keys.
fn catalog(db: &Scratch) -> Vec<(&'static str, BTreeSet<String>)> {
    let ours = "table_name <> 'govup_history'";
    vec![
        ("tables", db.query(&format!("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND {ours}"))),
        ("columns", db.query(&format!("SELECT table_name, column_name, column_type, column_default, is_nullable FROM information_schema.columns WHERE table_schema = DATABASE() AND {ours}"))),
        ("indexes", db.query(&format!("SELECT table_name, index_name, non_unique, GROUP_CONCAT(column_name ORDER BY seq_in_index) FROM information_schema.statistics WHERE table_schema = DATABASE() AND {ours} GROUP BY table_name, index_name, non_unique"))),
        ("constraints", db.query(&format!("SELECT table_name, constraint_name, constraint_type FROM information_schema.table_constraints WHERE constraint_schema = DATABASE() AND {ours}"))),
        ("foreign keys", db.query(&format!("SELECT table_name, constraint_name, column_name, referenced_table_name, referenced_column_name FROM information_schema.key_column_usage WHERE table_schema = DATABASE() AND referenced_table_name IS NOT NULL AND {ours}"))),
    ]
}

#[test]
fn govway_3_3_17_upgraded_to_3_4_3_differs_from_fresh_only_by_the_known_index() {
    let Some(fresh) = govup_testkit::corpus("govway-fresh") else {
        return;
    };
    let Some(tree) = govup_testkit::corpus("govway/resources/sql_upgrade") else {
        return;
    };
    let Some(upgraded) = Scratch::new(Server::Mysql, "my_up") else {
        return;
    };
    let Some(reference) = Scratch::new(Server::Mysql, "my_ref") else {
        return;
    };
    // GovWay's fresh scripts need it (corpus README): four wide tables exceed the strict row size.
    let lax = ["SET SESSION innodb_strict_mode=OFF"];
    std::thread::scope(|s| {
        s.spawn(|| upgraded.load_fresh(&fresh, "3.3.17", "mysql", &lax));
        reference.load_fresh(&fresh, "3.4.3", "mysql", &lax);
    });

    let mariadb_url = upgraded.url.replacen("mysql://", "mariadb://", 1);
    let summary = json(&govup(&[
        "apply",
        "--dir",
        &tree.display().to_string(),
        "--url",
        &mariadb_url,
        "--to",
        "3.4.3",
        "--format",
        "json",
    ]));
    assert_eq!(summary["from"], "3.3.17");
    assert_eq!(summary["db"], "mysql");
    assert_eq!(summary["applied"], 8);

    let (got, want) = (catalog(&upgraded), catalog(&reference));
    for ((what, g), (_, w)) in got.iter().zip(&want) {
        assert!(
            !w.is_empty(),
            "{what} is empty: the comparison would prove nothing"
        );
        let missing: BTreeSet<&String> = w.difference(g).collect();
        let extra: BTreeSet<&String> = g.difference(w).collect();
        if *what == "indexes" {
            // GovWay's own MySQL patch recreates this unique index on two columns, while the
            // fresh 3.4.3 script has four (corpus README). Exactly that, and nothing else.
            assert_eq!(missing, BTreeSet::from([&"users_ricerche | index_users_ricerche_1 | 0 | id_utente,label,modulo,modalita_ricerca".to_string()]));
            assert_eq!(
                extra,
                BTreeSet::from([
                    &"users_ricerche | index_users_ricerche_1 | 0 | id_utente,label".to_string()
                ])
            );
        } else {
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{what}: missing {missing:#?}\nextra {extra:#?}"
            );
        }
    }
    assert_eq!(
        upgraded.query("SELECT notes FROM db_info"),
        reference.query("SELECT notes FROM db_info")
    );
    // `govup verify` against the fresh install scripts finds exactly that difference, seen as the
    // unique index and as the UNIQUE constraint it implements. The scripts
    // need the lax row size check, so a one-line prelude runs first on the same session.
    let prelude = govup_testkit::scratch_dir("my_prelude").join("lax.sql");
    std::fs::write(&prelude, "SET SESSION innodb_strict_mode=OFF;\n").unwrap();
    let script = |f: &str| fresh.join("3.4.3/mysql").join(f).display().to_string();
    let (lax, schema, data) = (
        prelude.display().to_string(),
        script("schema.sql"),
        script("data.sql"),
    );
    let verify = govup(&[
        "verify",
        "--url",
        &upgraded.url,
        "--against-sql",
        &lax,
        &schema,
        &data,
        "--format",
        "json",
    ]);
    assert_eq!(verify.code, 1, "{}", verify.stderr);
    let doc: serde_json::Value = serde_json::from_str(&verify.stdout).unwrap();
    assert_eq!(
        doc["differences"],
        serde_json::json!([
            {
                "kind": "index",
                "object": "users_ricerche.index_users_ricerche_1",
                "left": "unique (id_utente, label)",
                "right": "unique (id_utente, label, modulo, modalita_ricerca)",
            },
            {
                "kind": "constraint",
                "object": "users_ricerche.index_users_ricerche_1",
                "left": "UNIQUE (id_utente, label)",
                "right": "UNIQUE (id_utente, label, modulo, modalita_ricerca)",
            }
        ])
    );

    // Every statement is recorded: 8 patches and 7 info-patches, none left partial.
    assert_eq!(
        upgraded.query("SELECT status, COUNT(*), SUM(statements_done = statements_total) FROM govup_history GROUP BY status"),
        BTreeSet::from(["applied | 15 | 15".to_string()])
    );
}

#[test]
fn a_wrong_password_is_one_line_without_the_password() {
    let Some(admin) = govup_testkit::server_url("GOVUP_TEST_MYSQL_URL") else {
        return;
    };
    let url = admin.replacen("mysql://root@", "mysql://root:n0t-the-password@", 1);
    let samples = crate::support::workspace()
        .join("sql-samples")
        .display()
        .to_string();
    let run = govup(&[
        "apply", "--dir", &samples, "--url", &url, "--from", "1.0.0", "--to", "1.0.1",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("root:***@"), "{}", run.stderr);
    assert!(run.stderr.contains("Access denied"), "{}", run.stderr);
    assert!(!run.stderr.contains("n0t-the-password"), "{}", run.stderr);
}
