//! Scratch databases, for `govup rehearse` (a copy of the live database) and `govup verify
//! --against-sql` (an empty one), on the same server, reached with the same credentials.
//!
//! Names are `<current database>_govup_<copy|empty>_<pid>_<n>`, lower case, at most 63 bytes
//! (PostgreSQL's limit; the current database's part is cut to fit). `drop_scratch` refuses any
//! other name: govup never drops a database it did not create.
//!
//! A copy is made the cheap way when it can be: `CREATE DATABASE ... TEMPLATE <current>`, a file
//! level copy, which the server allows only while no session at all is connected to the source,
//! this one included. So when `pg_stat_activity` shows no other session and this one does not
//! hold the upgrade lock (closing it would release the lock), the session is closed, the copy
//! made from a maintenance session (on `postgres`, else `template1`), and the session opened
//! again with its `search_path`: this is the one operation of the driver after which the
//! session is a new one. Otherwise (other sessions, the lock held, or the template copy refused:
//! a session arrived meanwhile, or the user may create databases but not copy this one), the copy
//! goes through `pg_dump -Fc | pg_restore` into a database created from `template0` with the
//! source's encoding and locale. Either way the source is only read; the database's own settings
//! (`ALTER DATABASE ... SET`, which neither path copies by itself) are set on the copy too.

use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};

use govup_engine::{DbError, Dialect, Driver};
use govup_engine::{IdleScratch, MaxLen, ScratchForm, ScratchKind};

use crate::cells::{optional, text};
use crate::connection::PgConnection;
use crate::namespace;
use crate::programs::{self, conninfo_dbname, LOCK_WAIT_TIMEOUT};
use crate::url::{self, Target};
use crate::DIALECT;

/// PostgreSQL's longest identifier, in bytes.
const MAX_NAME: usize = 63;

pub fn create(conn: &mut PgConnection, copy: bool) -> Result<String, DbError> {
    let current = namespace::current_database(conn)?;
    let name = free_name(conn, &current, ScratchKind::of(copy))?;
    let context = |e: DbError, target: &Target| {
        DbError::new(format!(
            "cannot create scratch database \"{name}\" on {}: {}",
            target.servers(),
            e.message
        ))
    };
    let made = if copy {
        copy_into(conn, &current, &name)
    } else {
        conn.execute(&format!("CREATE DATABASE {}", DIALECT.quote_ident(&name)))
    };
    made.map_err(|e| context(e, conn.target()))?;
    Ok(url::with_database(&conn.target().url, &name))
}

pub fn drop_scratch(conn: &mut PgConnection, scratch_url: &str) -> Result<(), DbError> {
    let scratch = Target::parse(scratch_url).map_err(DbError::new)?;
    let name = scratch.database().unwrap_or_default().to_string();
    FORM.check_drop(&format!("database \"{name}\""), &name)?;
    if scratch.servers() != conn.target().servers() {
        return Err(DbError::new(format!(
            "refusing to drop database \"{name}\": {} is not on the server of {}",
            scratch.described,
            conn.target().described
        )));
    }
    if name == namespace::current_database(conn)? {
        return Err(DbError::new(format!(
            "refusing to drop database \"{name}\": it is the database this session is on"
        )));
    }
    conn.execute(&drop_sql(&name)).map_err(|e| {
        DbError::new(format!(
            "cannot drop scratch database \"{name}\": {}",
            e.message
        ))
    })
}

/// Scratch databases of the current database that no session is connected to.
pub fn idle(conn: &mut PgConnection) -> Result<Vec<IdleScratch>, DbError> {
    let current = namespace::current_database(conn)?;
    let sql = "SELECT d.datname FROM pg_catalog.pg_database d WHERE NOT EXISTS \
               (SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.datname = d.datname)";
    let mut found = Vec::new();
    for row in conn.query(sql)? {
        let name = text(&row, 0, "a database name")?;
        // Only this database's own scratch names: rebuilt from it, byte for byte.
        if let Some(parts) = FORM.parse_of(&current, &name) {
            found.push(IdleScratch {
                url: url::with_database(&conn.target().url, &name),
                pid: parts.pid,
                name,
            });
        }
    }
    Ok(found)
}

fn drop_sql(name: &str) -> String {
    // FORCE: a rehearsal that failed half-way may have left a session behind.
    format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        DIALECT.quote_ident(name)
    )
}

/// `<current>_govup_<kind>_<pid>_<n>`: the current database's name lower-cased, with anything
/// but letters, digits and `_` made `_` (so the name needs neither quoting in messages nor
/// encoding in a URL), cut so that the whole fits in [`MAX_NAME`] bytes.
const FORM: ScratchForm = ScratchForm {
    lead: "_govup",
    sep: '_',
    ext: "",
    max: MaxLen::Bytes(MAX_NAME),
    fold: |c| {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    },
};

pub fn scratch_name(current: &str, kind: ScratchKind, pid: u32, n: u32) -> String {
    FORM.build(current, kind, pid, n)
}

/// Whether `name` is one that [`scratch_name`] produces.
#[cfg(test)]
fn is_scratch_name(name: &str) -> bool {
    FORM.parse(name).is_some()
}

/// A scratch name no database has yet. Another govup could take it between this check and the
/// CREATE; then the CREATE fails, which is an error, not a wrong database.
fn free_name(conn: &mut PgConnection, current: &str, kind: ScratchKind) -> Result<String, DbError> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    for _ in 0..100 {
        let name = scratch_name(
            current,
            kind,
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
        );
        let taken = format!(
            "SELECT 1 FROM pg_catalog.pg_database WHERE datname = {}",
            DIALECT.quote_literal(&name)
        );
        if conn.query(&taken)?.is_empty() {
            return Ok(name);
        }
    }
    Err(DbError::new(format!(
        "no free scratch database name for \"{current}\": drop the old {current}_govup_* databases"
    )))
}

fn copy_into(conn: &mut PgConnection, current: &str, name: &str) -> Result<(), DbError> {
    let settings = settings_sql(conn, name)?;
    let by_template = !conn.is_locked() && other_sessions(conn)? == 0;
    if !(by_template && template_copy(conn, current, name)?) {
        dump_copy(conn, current, name)?;
    }
    for sql in settings {
        if let Err(e) = conn.execute(&sql) {
            let _ = conn.execute(&drop_sql(name));
            return Err(e);
        }
    }
    Ok(())
}

/// Sessions on the current database other than this one. Autovacuum workers do not count: the
/// server stops them itself for a template copy.
fn other_sessions(conn: &mut PgConnection) -> Result<u64, DbError> {
    let sql = "SELECT count(*) FROM pg_catalog.pg_stat_activity \
               WHERE datname = current_database() AND pid <> pg_backend_pid() \
               AND backend_type IS DISTINCT FROM 'autovacuum worker'";
    let rows = conn.query(sql)?;
    crate::cells::number(
        rows.first().map_or(&[][..], Vec::as_slice),
        0,
        "a count of sessions",
    )
}

/// Tries `CREATE DATABASE name TEMPLATE current` with this session closed. Ok(false) when the
/// server would not (a session is connected after all, or no privilege to copy): the caller
/// copies by dump instead.
fn template_copy(conn: &mut PgConnection, current: &str, name: &str) -> Result<bool, DbError> {
    let Some(mut maintenance) = maintenance_session(conn.target(), current) else {
        return Ok(false);
    };
    let create = format!(
        "CREATE DATABASE {} TEMPLATE {}",
        DIALECT.quote_ident(name),
        DIALECT.quote_ident(current)
    );
    let (created, reopened) = conn.while_closed(|| maintenance.execute(&create))?;
    match (created, reopened) {
        (Ok(()), Ok(())) => Ok(true),
        (Ok(()), Err(lost)) => {
            let _ = maintenance.execute(&drop_sql(name));
            Err(lost)
        }
        (Err(refused), Ok(())) if is_busy_or_denied(&refused) => Ok(false),
        (Err(failed), Ok(())) => Err(failed),
        (Err(_), Err(lost)) => Err(lost),
    }
}

/// 55006: the source is being accessed by other users; 42501: no privilege to copy it.
fn is_busy_or_denied(err: &DbError) -> bool {
    ["SQLSTATE 55006)", "SQLSTATE 42501)"]
        .iter()
        .any(|code| err.message.contains(code))
}

/// A session on the server's maintenance database, which is not the one being copied.
fn maintenance_session(target: &Target, current: &str) -> Option<PgConnection> {
    ["postgres", "template1"]
        .into_iter()
        .filter(|db| *db != current)
        .find_map(|db| {
            let target = target.with_database(db).ok()?;
            PgConnection::open_target(target).ok()
        })
}

/// Copies through `pg_dump -Fc | pg_restore` into a new database created from `template0` (a
/// restore needs an empty database: template1 may hold objects of its own) with the source's
/// encoding and locale. Owners and privileges come along, as with a template copy.
fn dump_copy(conn: &mut PgConnection, current: &str, name: &str) -> Result<(), DbError> {
    let purpose = "copying a postgresql database into a scratch database";
    let pg_dump = programs::find("pg_dump", purpose)?;
    let pg_restore = programs::find("pg_restore", purpose)?;
    let locale = locale_clause(conn)?;
    conn.execute(&format!(
        "CREATE DATABASE {} TEMPLATE template0{locale}",
        DIALECT.quote_ident(name)
    ))?;
    let target = conn.target().clone();
    let doing = format!("copying database \"{current}\" into \"{name}\"");
    let loaded = pipe(&pg_dump, &pg_restore, &target, current, name, &doing);
    if let Err(e) = loaded {
        let _ = conn.execute(&drop_sql(name));
        return Err(e);
    }
    Ok(())
}

fn pipe(
    pg_dump: &std::path::Path,
    pg_restore: &std::path::Path,
    target: &Target,
    current: &str,
    name: &str,
    doing: &str,
) -> Result<(), DbError> {
    let cannot_run = |program: &str, e: std::io::Error| {
        DbError::new(format!("cannot run {program} {doing}: {e}"))
    };
    let mut dump = programs::command(pg_dump, target);
    dump.args([
        "--format=custom",
        LOCK_WAIT_TIMEOUT,
        "-d",
        &conninfo_dbname(current),
    ]);
    let mut dumping = dump.spawn().map_err(|e| cannot_run("pg_dump", e))?;
    let Some(archive) = dumping.stdout.take() else {
        let _ = dumping.kill();
        let _ = dumping.wait();
        return Err(DbError::new(format!(
            "cannot read pg_dump's output {doing}"
        )));
    };
    let mut load = programs::command(pg_restore, target);
    load.args(["--exit-on-error", "-d", &conninfo_dbname(name)])
        .stdin(Stdio::from(archive));
    let loading = match load.spawn() {
        Ok(child) => child,
        Err(e) => {
            let _ = dumping.kill();
            let _ = dumping.wait();
            return Err(cannot_run("pg_restore", e));
        }
    };
    // Each child's stderr is read while the other runs: waiting on one alone could leave the
    // other blocked on a full pipe.
    let loader = std::thread::spawn(move || loading.wait_with_output());
    let dumped = dumping
        .wait_with_output()
        .map_err(|e| cannot_run("pg_dump", e));
    let loaded = loader
        .join()
        .map_err(|_| DbError::new(format!("pg_restore's reader stopped {doing}")))?
        .map_err(|e| cannot_run("pg_restore", e))?;
    let dumped = dumped?;
    let dump_result = programs::check("pg_dump", dumped.status, &dumped.stderr, target, doing);
    let load_result = programs::check("pg_restore", loaded.status, &loaded.stderr, target, doing);
    // When pg_restore stops first, pg_dump dies of the broken pipe (a signal): the cause is
    // pg_restore's. When pg_dump fails by itself, pg_restore only saw a truncated archive.
    match (dump_result, load_result) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(_), Err(load)) if dumped.status.code().is_none() => Err(load),
        (Err(dump), _) => Err(dump),
        (Ok(()), Err(load)) => Err(load),
    }
}

/// ` ENCODING ... LC_COLLATE ... LC_CTYPE ...` and the locale provider, read from the current
/// database. The provider columns differ between server versions (`daticulocale` became
/// `datlocale` in 17), so they are read through `to_jsonb`, which has whichever there is.
fn locale_clause(conn: &mut PgConnection) -> Result<String, DbError> {
    let sql = "SELECT pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, \
                 to_jsonb(d) ->> 'datlocprovider', \
                 coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') \
               FROM pg_catalog.pg_database d WHERE d.datname = current_database()";
    let rows = conn.query(sql)?;
    let row = rows
        .first()
        .ok_or_else(|| DbError::new("the server did not describe its current database"))?;
    let lit = |s: String| DIALECT.quote_literal(&s);
    let mut clause = format!(
        " ENCODING {} LC_COLLATE {} LC_CTYPE {}",
        lit(text(row, 0, "the database encoding")?),
        lit(text(row, 1, "the database collation")?),
        lit(text(row, 2, "the database character type")?),
    );
    match (optional(row, 3).as_deref(), optional(row, 4)) {
        (Some("i"), Some(locale)) => {
            clause.push_str(&format!(" LOCALE_PROVIDER icu ICU_LOCALE {}", lit(locale)));
        }
        (Some("b"), Some(locale)) => {
            clause.push_str(&format!(
                " LOCALE_PROVIDER builtin BUILTIN_LOCALE {}",
                lit(locale)
            ));
        }
        _ => {}
    }
    Ok(clause)
}

/// The `ALTER DATABASE <name> SET ...` (and `ALTER ROLE ... IN DATABASE`) statements that give
/// the copy the current database's own settings.
fn settings_sql(conn: &mut PgConnection, name: &str) -> Result<Vec<String>, DbError> {
    let sql = "SELECT CASE WHEN s.setrole = 0 THEN NULL ELSE s.setrole::regrole::text END, c.item \
               FROM pg_catalog.pg_db_role_setting s \
               CROSS JOIN LATERAL unnest(s.setconfig) WITH ORDINALITY AS c(item, i) \
               WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database \
                                      WHERE datname = current_database()) \
               ORDER BY s.setrole, c.i";
    conn.query(sql)?
        .iter()
        .map(|row| {
            let item = text(row, 1, "a database setting")?;
            setting_sql(name, optional(row, 0).as_deref(), &item).ok_or_else(|| {
                DbError::new(format!("the server answered a malformed setting {item:?}"))
            })
        })
        .collect()
}

/// Settings whose value is a list of quoted names, as pg_dump knows them: the stored text
/// `"$user", public` must be given back as `'$user', 'public'`, not as one string.
const LIST_SETTINGS: [&str; 6] = [
    "search_path",
    "temp_tablespaces",
    "session_preload_libraries",
    "shared_preload_libraries",
    "local_preload_libraries",
    "unix_socket_directories",
];

/// One stored `name=value` setting as a statement for database `db` (and `role`, already
/// quoted, when the setting is for one role in the database).
fn setting_sql(db: &str, role: Option<&str>, item: &str) -> Option<String> {
    let (variable, value) = item.split_once('=')?;
    let target = match role {
        None => format!("ALTER DATABASE {}", DIALECT.quote_ident(db)),
        Some(role) => format!("ALTER ROLE {role} IN DATABASE {}", DIALECT.quote_ident(db)),
    };
    let variable_sql = variable
        .split('.')
        .map(|part| DIALECT.quote_ident(part))
        .collect::<Vec<_>>()
        .join(".");
    let value_sql = if LIST_SETTINGS.contains(&variable.to_ascii_lowercase().as_str()) {
        let items = split_setting_list(value);
        if items.is_empty() {
            "''".to_string()
        } else {
            items
                .iter()
                .map(|i| DIALECT.quote_literal(i))
                .collect::<Vec<_>>()
                .join(", ")
        }
    } else {
        DIALECT.quote_literal(value)
    };
    Some(format!("{target} SET {variable_sql} TO {value_sql}"))
}

/// The server's list syntax: items separated by commas, each either bare or double-quoted
/// with `""` for a quote; spaces around items do not count.
fn split_setting_list(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let mut item = String::new();
        if first == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '"' && chars.next_if_eq(&'"').is_none() {
                    break;
                }
                item.push(c);
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',' && !c.is_whitespace()) {
                item.push(c);
            }
        }
        items.push(item);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some(',') {
            break;
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_case_safe_and_short_enough() {
        assert_eq!(
            scratch_name("test", ScratchKind::Copy, 42, 0),
            "test_govup_copy_42_0"
        );
        assert_eq!(
            scratch_name("GovWay-Prod.1", ScratchKind::Empty, 7, 3),
            "govway_prod_1_govup_empty_7_3"
        );
        assert_eq!(
            scratch_name("caffè", ScratchKind::Copy, 1, 1),
            "caff__govup_copy_1_1"
        );
        let long = scratch_name(&"x".repeat(80), ScratchKind::Empty, u32::MAX, u32::MAX);
        assert_eq!(long.len(), 63);
        assert!(long.ends_with("_govup_empty_4294967295_4294967295"));
        assert!(is_scratch_name(&long));
    }

    #[test]
    fn only_scratch_names_may_be_dropped() {
        for name in [
            "test_govup_copy_42_0",
            "a_govup_empty_1_2",
            "govway_govup_copy_123_4567",
        ] {
            assert!(is_scratch_name(name), "{name}");
        }
        for name in [
            "test",
            "govup_copy_42_0",
            "_govup_copy_42_0",
            "test_govup_copy_42",
            "test_govup_backup_42_0",
            "test_govup_copy_x_0",
            "test_govup_copy_42_",
            "Test_govup_copy_42_0",
            "te-st_govup_copy_42_0",
            "test_govup_copy_42_0 ",
            "postgres",
            "",
        ] {
            assert!(!is_scratch_name(name), "{name}");
        }
        assert!(!is_scratch_name(&format!(
            "{}_govup_copy_1_1",
            "x".repeat(60)
        )));
    }

    #[test]
    fn settings_lists_split_like_the_server_writes_them() {
        assert_eq!(split_setting_list("\"$user\", public"), ["$user", "public"]);
        assert_eq!(
            split_setting_list(" \"My \"\"X\"\"\" ,b,c "),
            ["My \"X\"", "b", "c"]
        );
        assert_eq!(split_setting_list(""), Vec::<String>::new());
        assert_eq!(split_setting_list("\"\""), [""]);
    }

    #[test]
    fn settings_become_statements_for_the_copy() {
        assert_eq!(
            setting_sql("c", None, "search_path=\"$user\", app").as_deref(),
            Some("ALTER DATABASE \"c\" SET \"search_path\" TO '$user', 'app'")
        );
        assert_eq!(
            setting_sql("c", Some("\"App\""), "statement_timeout=5min").as_deref(),
            Some("ALTER ROLE \"App\" IN DATABASE \"c\" SET \"statement_timeout\" TO '5min'")
        );
        assert_eq!(
            setting_sql("c", None, "myapp.mode=a=b").as_deref(),
            Some("ALTER DATABASE \"c\" SET \"myapp\".\"mode\" TO 'a=b'")
        );
        assert_eq!(
            setting_sql("c", None, "search_path=").as_deref(),
            Some("ALTER DATABASE \"c\" SET \"search_path\" TO ''")
        );
        assert_eq!(setting_sql("c", None, "garbage"), None);
    }

    #[test]
    fn busy_and_denied_template_copies_fall_back() {
        let busy = DbError::new(
            "ERROR: source database \"x\" is being accessed by other users (SQLSTATE 55006)",
        );
        let denied =
            DbError::new("ERROR: permission denied to copy database \"x\" (SQLSTATE 42501)");
        let other = DbError::new("ERROR: disk full (SQLSTATE 53100)");
        assert!(is_busy_or_denied(&busy) && is_busy_or_denied(&denied));
        assert!(!is_busy_or_denied(&other));
    }
}
