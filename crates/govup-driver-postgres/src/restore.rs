//! Putting a schema back from a file `backup` wrote.
//!
//! The sequence:
//! 1. `pg_restore -l` reads the archive's table of contents before anything is touched: the file
//!    must be a backup of exactly one schema, the one being restored (restoring a backup of `a`
//!    over `b` would drop `b` and recreate `a`). Then pg_restore connects once, restoring nothing,
//!    so that a server it cannot reach is found out while the schema is still there.
//! 2. In one transaction on this connection (which still holds the upgrade lock), the schema is
//!    dropped with everything in it. Before committing, the objects outside the schema are
//!    compared with what they were before the drop: if the cascade took any (a view or a foreign
//!    key in another schema, a column of another schema's table typed with one of its types),
//!    the backup cannot bring those back, so everything is rolled back and the restore refused,
//!    naming them.
//! 3. `pg_restore --single-transaction` loads the archive: the schema with its owner, comment and
//!    privileges, tables, rows, sequences with their current values, indexes, constraints,
//!    owners and grants. It runs in its own session; should it fail, its work rolls back and the
//!    error says that the schema is now missing, the backup file being untouched.
//!
//! `public` differs in one point. Its privileges are the database's initial ones
//! (`pg_init_privs`), which pg_dump leaves out of the archive, writing only changes to them; a
//! `public` created by the restore would lack them (no `USAGE` for other roles). So a schema with
//! initial privileges is created again in step 2, in the same transaction, with its current
//! owner, privileges and comment, and pg_restore skips the archive's `CREATE SCHEMA`, applying
//! its comment and privilege entries on top, as pg_dump meant them.
//!
//! A schema that does not exist any more is simply created by pg_restore from the archive.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use govup_engine::{DbError, Dialect, Driver};

use crate::cells::{flag, optional, text};
use crate::connection::PgConnection;
use crate::namespace::{self, Namespace};
use crate::programs::{self, conninfo_dbname};
use crate::DIALECT;

pub fn restore(conn: &mut PgConnection, schema: Option<&str>, file: &Path) -> Result<(), DbError> {
    let name = namespace::name(conn, schema)?;
    let pg_restore = programs::find("pg_restore", "restoring backups of postgresql schemas")?;
    if !file.is_file() {
        return Err(DbError::new(format!(
            "backup file {} does not exist",
            file.display()
        )));
    }
    let mut cmd = programs::command(&pg_restore, conn.target());
    cmd.arg("-l").arg(file);
    let doing = format!("reading backup file {}", file.display());
    let toc = programs::run(&mut cmd, conn.target(), &doing)?;
    let toc = String::from_utf8_lossy(&toc).into_owned();
    check_schema(&toc, &name, file)?;

    // pg_restore must be able to reach the database before anything is dropped (its libpq may
    // see TLS or authentication differently from this connection): a list holding no entry
    // makes it connect, restore nothing and commit.
    let database = namespace::current_database(conn)?;
    let doing = format!("connecting to {}", conn.target().described);
    load(&pg_restore, conn, &database, ";\n", file, &doing)?;

    let kept = match namespace::lookup(conn, &name)? {
        Some(existing) => drop_schema(conn, &existing)?,
        None => false,
    };
    let list = if kept {
        without_create_schema(&toc)
    } else {
        toc
    };

    let doing = format!(
        "restoring schema \"{name}\" of {} from {}",
        conn.target().described,
        file.display()
    );
    load(&pg_restore, conn, &database, &list, file, &doing).map_err(|e| {
        DbError::new(format!(
            "{}; schema \"{name}\" is {}, the backup file is unchanged",
            e.message,
            if kept { "left empty" } else { "missing" }
        ))
    })?;
    Ok(())
}

/// Runs `pg_restore --single-transaction` on the entries of `file` that `list` names.
fn load(
    pg_restore: &Path,
    conn: &PgConnection,
    database: &str,
    list: &str,
    file: &Path,
    doing: &str,
) -> Result<(), DbError> {
    let list = ListFile::write(list)?;
    let mut cmd = programs::command(pg_restore, conn.target());
    cmd.arg("--single-transaction")
        .arg("-L")
        .arg(&list.0)
        .arg("-d")
        .arg(conninfo_dbname(database))
        .arg(file);
    programs::run(&mut cmd, conn.target(), doing).map(drop)
}

/// What a table-of-contents line of `pg_restore -l` is about: the text after
/// `<dump id>; <catalog oid> <object oid> `, e.g. `TABLE public t postgres`. None for comments.
fn toc_entry(line: &str) -> Option<&str> {
    if line.starts_with(';') {
        return None;
    }
    let (_id, rest) = line.split_once("; ")?;
    let mut parts = rest.splitn(3, ' ');
    let _catalog = parts.next()?;
    let _object = parts.next()?;
    parts.next()
}

/// The archive must hold exactly one schema, `name`. Its line is `SCHEMA - <name> <owner>`.
fn check_schema(toc: &str, name: &str, file: &Path) -> Result<(), DbError> {
    let schemas: Vec<&str> = toc
        .lines()
        .filter_map(toc_entry)
        .filter_map(|e| e.strip_prefix("SCHEMA - "))
        .collect();
    match schemas.as_slice() {
        [one] if *one == name || one.starts_with(&format!("{name} ")) => Ok(()),
        [one] => Err(DbError::new(format!(
            "backup file {} is a backup of schema \"{}\", not of \"{name}\"",
            file.display(),
            one.rsplit_once(' ').map_or(*one, |(schema, _owner)| schema)
        ))),
        _ => Err(DbError::new(format!(
            "backup file {} does not hold exactly one schema: it is not a schema backup that govup wrote",
            file.display()
        ))),
    }
}

/// The table of contents without the schema's `CREATE SCHEMA` entry, for a schema that exists.
fn without_create_schema(toc: &str) -> String {
    let mut out = String::new();
    for line in toc.lines() {
        let create = toc_entry(line).is_some_and(|e| e.starts_with("SCHEMA - "));
        if !create {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The properties of a schema with initial privileges, which it is created again with.
struct SchemaProps {
    owner: String,
    /// None: the default privileges (`nspacl` is NULL). Else every (grantee, privilege,
    /// grantable) with `PUBLIC` for the public pseudo-role and roles already quoted.
    acl: Option<Vec<(String, String, bool)>>,
    comment: Option<String>,
}

fn schema_props(db: &mut dyn Driver, oid: u32) -> Result<SchemaProps, DbError> {
    let sql = format!(
        "SELECT n.nspowner::regrole::text, n.nspacl IS NULL, \
           pg_catalog.obj_description(n.oid, 'pg_namespace') \
         FROM pg_catalog.pg_namespace n WHERE n.oid = {oid}"
    );
    let rows = db.query(&sql)?;
    let row = rows
        .first()
        .ok_or_else(|| DbError::new("the schema disappeared while it was being restored"))?;
    let owner = text(row, 0, "the owner of a schema")?;
    let default_acl = flag(row, 1, "whether a schema has privileges")?;
    let comment = optional(row, 2);
    let acl = if default_acl {
        None
    } else {
        let sql = format!(
            "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END, \
               a.privilege_type, a.is_grantable \
             FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a \
             WHERE n.oid = {oid} ORDER BY 1, 2"
        );
        let grants = db
            .query(&sql)?
            .iter()
            .map(|r| {
                Ok((
                    text(r, 0, "a grantee")?,
                    text(r, 1, "a privilege")?,
                    flag(r, 2, "a grant option")?,
                ))
            })
            .collect::<Result<Vec<_>, DbError>>()?;
        Some(grants)
    };
    Ok(SchemaProps {
        owner,
        acl,
        comment,
    })
}

/// The statements that create the schema again as `props` describe it.
fn recreate_sql(name: &str, props: &SchemaProps) -> Vec<String> {
    let schema = DIALECT.quote_ident(name);
    let mut sql = vec![format!(
        "CREATE SCHEMA {schema} AUTHORIZATION {}",
        props.owner
    )];
    if let Some(acl) = &props.acl {
        // Start from no privileges at all, then grant exactly what there was.
        sql.push(format!("REVOKE ALL ON SCHEMA {schema} FROM PUBLIC"));
        sql.push(format!(
            "REVOKE ALL ON SCHEMA {schema} FROM {}",
            props.owner
        ));
        for (grantee, privilege, grantable) in acl {
            let option = if *grantable { " WITH GRANT OPTION" } else { "" };
            sql.push(format!(
                "GRANT {privilege} ON SCHEMA {schema} TO {grantee}{option}"
            ));
        }
    }
    if let Some(comment) = &props.comment {
        sql.push(format!(
            "COMMENT ON SCHEMA {schema} IS {}",
            DIALECT.quote_literal(comment)
        ));
    }
    sql
}

/// Objects outside the schema that a `DROP SCHEMA ... CASCADE` could take with it, keyed by
/// their address, with the server's description of each. System schemas are left out: nothing
/// there depends on a user schema.
fn outside_objects_sql(oid: u32) -> String {
    format!(
        "SELECT o.classid::oid::text || ':' || o.objid::text || ':' || o.objsubid::text, \
           pg_catalog.pg_describe_object(o.classid, o.objid, o.objsubid) \
         FROM ( \
           SELECT 'pg_catalog.pg_class'::regclass AS classid, c.oid AS objid, 0 AS objsubid, c.relnamespace AS ns \
             FROM pg_catalog.pg_class c \
           UNION ALL SELECT 'pg_catalog.pg_class'::regclass, a.attrelid, a.attnum, c.relnamespace \
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             WHERE a.attnum > 0 AND NOT a.attisdropped \
           UNION ALL SELECT 'pg_catalog.pg_attrdef'::regclass, d.oid, 0, c.relnamespace \
             FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_class c ON c.oid = d.adrelid \
           UNION ALL SELECT 'pg_catalog.pg_constraint'::regclass, k.oid, 0, k.connamespace \
             FROM pg_catalog.pg_constraint k \
           UNION ALL SELECT 'pg_catalog.pg_trigger'::regclass, g.oid, 0, c.relnamespace \
             FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid \
           UNION ALL SELECT 'pg_catalog.pg_policy'::regclass, p.oid, 0, c.relnamespace \
             FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid \
           UNION ALL SELECT 'pg_catalog.pg_rewrite'::regclass, r.oid, 0, c.relnamespace \
             FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class \
           UNION ALL SELECT 'pg_catalog.pg_proc'::regclass, p.oid, 0, p.pronamespace \
             FROM pg_catalog.pg_proc p \
           UNION ALL SELECT 'pg_catalog.pg_type'::regclass, t.oid, 0, t.typnamespace \
             FROM pg_catalog.pg_type t \
           UNION ALL SELECT 'pg_catalog.pg_extension'::regclass, e.oid, 0, e.extnamespace \
             FROM pg_catalog.pg_extension e \
         ) o JOIN pg_catalog.pg_namespace n ON n.oid = o.ns \
         WHERE o.ns <> {oid} AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"
    )
}

fn outside_objects(db: &mut dyn Driver, oid: u32) -> Result<BTreeMap<String, String>, DbError> {
    db.query(&outside_objects_sql(oid))?
        .iter()
        .map(|row| {
            Ok((
                text(row, 0, "an object address")?,
                optional(row, 1).unwrap_or_default(),
            ))
        })
        .collect()
}

/// Whether the schema has initial privileges, like `public`.
fn has_initial_privileges(db: &mut dyn Driver, oid: u32) -> Result<bool, DbError> {
    let sql = format!(
        "SELECT 1 FROM pg_catalog.pg_init_privs \
         WHERE classoid = 'pg_catalog.pg_namespace'::regclass AND objoid = {oid}"
    );
    Ok(!db.query(&sql)?.is_empty())
}

/// Drops the schema in one transaction, and creates it again empty when it has initial
/// privileges; see the module documentation. Returns whether it exists (empty) afterwards.
fn drop_schema(conn: &mut PgConnection, ns: &Namespace) -> Result<bool, DbError> {
    conn.execute("BEGIN")?;
    let dropped = (|| {
        let props = if has_initial_privileges(conn, ns.oid)? {
            Some(schema_props(conn, ns.oid)?)
        } else {
            None
        };
        let before = outside_objects(conn, ns.oid)?;
        conn.execute(&format!(
            "DROP SCHEMA {} CASCADE",
            DIALECT.quote_ident(&ns.name)
        ))?;
        let after = outside_objects(conn, ns.oid)?;
        let lost: Vec<&str> = before
            .iter()
            .filter(|(key, _)| !after.contains_key(*key))
            .map(|(_, what)| what.as_str())
            .collect();
        if !lost.is_empty() {
            return Err(DbError::new(format!(
                "cannot restore schema \"{}\": dropping it would also drop {}, which the backup does not hold; nothing was changed",
                ns.name,
                list_some(&lost)
            )));
        }
        if let Some(props) = &props {
            for sql in recreate_sql(&ns.name, props) {
                conn.execute(&sql)?;
            }
        }
        Ok(props.is_some())
    })();
    match dropped {
        Ok(kept) => conn.execute("COMMIT").map(|()| kept),
        Err(e) => {
            let _ = conn.execute("ROLLBACK");
            Err(e)
        }
    }
}

/// `a, b, c and 4 more`.
fn list_some(items: &[&str]) -> String {
    const SHOWN: usize = 5;
    let mut out = items
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        out.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    out
}

/// The table of contents pg_restore follows, in a private file removed when dropped.
struct ListFile(PathBuf);

impl ListFile {
    fn write(toc: &str) -> Result<ListFile, DbError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "govup-restore-{}-{}.list",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(toc.as_bytes()));
        let file = ListFile(path);
        written.map_err(|e| {
            DbError::new(format!(
                "cannot write restore list {}: {e}",
                file.0.display()
            ))
        })?;
        Ok(file)
    }
}

impl Drop for ListFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOC: &str = ";\n; Archive created at 2025-01-01\n;\n\
        5; 2615 2200 SCHEMA - public pg_database_owner\n\
        3450; 0 0 COMMENT - SCHEMA public pg_database_owner\n\
        2; 3079 48960 EXTENSION - citext \n\
        3451; 0 0 COMMENT - EXTENSION citext \n\
        217; 1259 49066 TABLE public t postgres\n\
        3443; 0 49066 TABLE DATA public t postgres\n\
        3452; 0 0 SEQUENCE SET public t_id_seq postgres\n\
        3460; 0 0 ACL - SCHEMA public pg_database_owner\n";

    #[test]
    fn the_archive_must_hold_the_schema_being_restored() {
        let file = Path::new("/b/x.pgdump");
        assert!(check_schema(TOC, "public", file).is_ok());
        assert_eq!(
            check_schema(TOC, "pub", file).unwrap_err().message,
            "backup file /b/x.pgdump is a backup of schema \"public\", not of \"pub\""
        );
        let spaced = "7; 2615 49074 SCHEMA - My Schema postgres\n";
        assert!(check_schema(spaced, "My Schema", file).is_ok());
        let two = format!("{TOC}7; 2615 49074 SCHEMA - Ns postgres\n");
        assert!(check_schema(&two, "public", file)
            .unwrap_err()
            .message
            .contains("does not hold exactly one schema"));
        assert!(check_schema("", "public", file).is_err());
    }

    #[test]
    fn only_the_create_schema_entry_is_left_out_of_the_list() {
        assert_eq!(
            without_create_schema(TOC),
            ";\n; Archive created at 2025-01-01\n;\n\
             3450; 0 0 COMMENT - SCHEMA public pg_database_owner\n\
             2; 3079 48960 EXTENSION - citext \n\
             3451; 0 0 COMMENT - EXTENSION citext \n\
             217; 1259 49066 TABLE public t postgres\n\
             3443; 0 49066 TABLE DATA public t postgres\n\
             3452; 0 0 SEQUENCE SET public t_id_seq postgres\n\
             3460; 0 0 ACL - SCHEMA public pg_database_owner\n"
        );
    }

    #[test]
    fn the_schema_is_recreated_with_its_owner_privileges_and_comment() {
        let props = SchemaProps {
            owner: "pg_database_owner".into(),
            acl: Some(vec![
                ("PUBLIC".into(), "USAGE".into(), false),
                ("pg_database_owner".into(), "CREATE".into(), false),
                ("\"App User\"".into(), "USAGE".into(), true),
            ]),
            comment: Some("it's public".into()),
        };
        assert_eq!(
            recreate_sql("public", &props),
            [
                "CREATE SCHEMA \"public\" AUTHORIZATION pg_database_owner",
                "REVOKE ALL ON SCHEMA \"public\" FROM PUBLIC",
                "REVOKE ALL ON SCHEMA \"public\" FROM pg_database_owner",
                "GRANT USAGE ON SCHEMA \"public\" TO PUBLIC",
                "GRANT CREATE ON SCHEMA \"public\" TO pg_database_owner",
                "GRANT USAGE ON SCHEMA \"public\" TO \"App User\" WITH GRANT OPTION",
                "COMMENT ON SCHEMA \"public\" IS 'it''s public'",
            ]
        );
        let plain = SchemaProps {
            owner: "govway".into(),
            acl: None,
            comment: None,
        };
        assert_eq!(
            recreate_sql("s", &plain),
            ["CREATE SCHEMA \"s\" AUTHORIZATION govway"]
        );
    }

    #[test]
    fn long_lists_are_cut() {
        assert_eq!(list_some(&["a", "b"]), "a, b");
        assert_eq!(
            list_some(&["a", "b", "c", "d", "e", "f", "g"]),
            "a, b, c, d, e and 2 more"
        );
    }
}
