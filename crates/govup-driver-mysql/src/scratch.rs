//! Scratch databases for `govup rehearse` (a copy of the live database to run the plan on) and
//! `govup verify --against-sql` (an empty one to load a fresh install into). They live on the
//! same server beside the original, named `<db>_govup_<kind>_<pid>_<n>`, and only names of that
//! shape are ever dropped: govup never drops a database it did not create.

use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};

use govup_engine::driver::{DbError, Dialect, IdleScratch};
use govup_engine::{MaxLen, ScratchForm, ScratchKind};

use crate::connect_url::ConnectUrl;
use crate::connection::MySqlConnection;
use crate::databases;
use crate::programs::{self, Program, Running};
use crate::DIALECT;

/// MySQL's limit on database names, in characters.
const MAX_NAME: usize = 64;

/// `ER_DB_CREATE_EXISTS`: a leftover of an earlier process with the same id holds the name.
const DB_EXISTS: &str = "ERROR 1007 ";

/// How many names are tried when earlier ones are taken.
const MAX_TRIES: u32 = 100;

/// `<source>_govup_<kind>_<pid>_<n>`, the source cut short when the whole would pass the
/// server's 64-character limit.
const FORM: ScratchForm = ScratchForm {
    lead: "_govup",
    sep: '_',
    ext: "",
    max: MaxLen::Chars(MAX_NAME),
    fold: |c| c,
};

/// Creates a scratch database beside the URL's database, a copy of it (`copy`: its tables,
/// rows, views, routines, triggers and events, read in one consistent snapshot) or empty, with
/// the same default character set and collation. Returns its URL: this connection's URL with the
/// database replaced. The original is only read.
pub fn create(c: &mut MySqlConnection, copy: bool) -> Result<String, DbError> {
    let source = databases::resolve(c, None)?;
    let kind = ScratchKind::of(copy);
    // Both programs are found before anything is created.
    let tools = if copy {
        let purpose = "copying a mysql database into a scratch database";
        Some((
            programs::find(Program::Dump, purpose)?,
            programs::find(Program::Client, purpose)?,
        ))
    } else {
        None
    };
    let charset = databases::existing(c, &source)?;

    static NEXT: AtomicU32 = AtomicU32::new(0);
    let mut tries = 0;
    let name = loop {
        let name = FORM.build(
            &source,
            kind,
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
        );
        match c.rows(&charset.create_sql(&name)) {
            Ok(_) => break name,
            Err(e) if e.message.starts_with(DB_EXISTS) && tries < MAX_TRIES => tries += 1,
            Err(e) => {
                return Err(DbError::new(format!(
                    "cannot create scratch database {name}: {}",
                    e.message
                )))
            }
        }
    };

    if let Some((dump, client)) = tools {
        if let Err(why) = copy_into(c.url(), &dump, &client, &source, &name) {
            // Never leave a half-made copy behind.
            let _ = c.rows(&format!(
                "DROP DATABASE IF EXISTS {}",
                DIALECT.quote_ident(&name)
            ));
            return Err(DbError::new(format!(
                "cannot copy database {source} into scratch database {name}: {why}"
            )));
        }
    }
    url_with_database(c.url_text(), &name)
}

/// `mysqldump` of `source` piped straight into `mysql` loading `target`: no file in between.
fn copy_into(
    url: &ConnectUrl,
    dump: &programs::Tool,
    client: &programs::Tool,
    source: &str,
    target: &str,
) -> Result<(), String> {
    let password = url.password();
    let mut args = programs::dump_args(url, dump.mariadb);
    args.push("--".into());
    args.push(source.into());
    let mut command = programs::command(dump, url, &args);
    command.stdin(Stdio::null()).stdout(Stdio::piped());
    let mut dumping = Running::start(dump, command).map_err(|e| e.message)?;
    let Some(pipe) = dumping.take_stdout() else {
        let _ = dumping.finish(password);
        return Err("mysqldump gave no output pipe".to_string());
    };
    let mut command = programs::command(
        client,
        url,
        &programs::load_args(url, client.mariadb, target),
    );
    command.stdin(Stdio::from(pipe)).stdout(Stdio::null());
    // `start` consumes the command, so the parent keeps no end of the pipe open: if the client
    // dies, mysqldump gets a broken pipe instead of blocking forever.
    let loading = Running::start(client, command);
    let dumped = dumping.finish(password);
    let loaded = match loading {
        Ok(running) => running.finish(password),
        Err(e) => Err(e.message),
    };
    // When the client fails, mysqldump fails after it with a broken pipe: the client's reason is
    // the real one. When only mysqldump fails, the client may well have loaded what it got.
    match (loaded, dumped) {
        (Err(why), _) => Err(format!("mysql: {why}")),
        (Ok(()), Err(why)) => Err(format!("mysqldump: {why}")),
        (Ok(()), Ok(())) => Ok(()),
    }
}

/// Drops the scratch database `url` names, after checking that `create` could have made it: a
/// name of the scratch shape, on this connection's server.
pub fn drop(c: &mut MySqlConnection, url: &str) -> Result<(), DbError> {
    let target = ConnectUrl::parse(url)?;
    let Some(name) = target.database.clone() else {
        return Err(DbError::new(format!(
            "refusing to drop a scratch database: {} names no database",
            target.describe()
        )));
    };
    FORM.check_drop(&format!("database {name}"), &name)?;
    let own = c.url();
    if !target.host.eq_ignore_ascii_case(&own.host) || target.port != own.port {
        return Err(DbError::new(format!(
            "refusing to drop database {name}: it is on {}:{}, not on this connection's server {}:{}",
            target.host, target.port, own.host, own.port
        )));
    }
    c.rows(&format!(
        "DROP DATABASE IF EXISTS {}",
        DIALECT.quote_ident(&name)
    ))
    .map(|_| ())
}

/// Scratch databases of the connection's database that no visible session uses (sessions of
/// other users show only with the PROCESS privilege).
pub fn idle(c: &mut MySqlConnection) -> Result<Vec<IdleScratch>, DbError> {
    let source = databases::resolve(c, None)?;
    let sql = "SELECT s.schema_name FROM information_schema.schemata s WHERE NOT EXISTS \
               (SELECT 1 FROM information_schema.processlist p WHERE p.db = s.schema_name)";
    let mut found = Vec::new();
    for row in govup_engine::Driver::query(c, sql)? {
        let Some(name) = row.into_iter().next().flatten() else {
            continue;
        };
        // Only this database's own scratch names: rebuilt from it, exactly.
        if let Some(parts) = FORM.parse_of(&source, &name) {
            found.push(IdleScratch {
                pid: parts.pid,
                url: url_with_database(c.url_text(), &name)?,
                name,
            });
        }
    }
    Ok(found)
}

/// `url` with its database replaced by `database`; everything else (credentials, parameters)
/// stays as the operator wrote it.
fn url_with_database(url: &str, database: &str) -> Result<String, DbError> {
    let mut parsed = url::Url::parse(url).map_err(|e| {
        DbError::new(format!(
            "cannot build the url of scratch database {database}: {e}"
        ))
    })?;
    match parsed.path_segments_mut() {
        Ok(mut segments) => {
            segments.clear().push(database);
        }
        Err(()) => {
            return Err(DbError::new(format!(
                "cannot build the url of scratch database {database}: the url has no path"
            )))
        }
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_and_are_recognised() {
        assert_eq!(
            FORM.build("govway", ScratchKind::Copy, 4242, 0),
            "govway_govup_copy_4242_0"
        );
        assert_eq!(
            FORM.build("govway", ScratchKind::Empty, 4242, 7),
            "govway_govup_empty_4242_7"
        );
        let long = FORM.build(&"è".repeat(80), ScratchKind::Empty, u32::MAX, u32::MAX);
        assert_eq!(long.chars().count(), 64);
        assert!(long.ends_with(&format!("_govup_empty_{}_{}", u32::MAX, u32::MAX)));
        for name in [
            FORM.build("govway", ScratchKind::Copy, 1, 2),
            FORM.build("a_b_c", ScratchKind::Empty, 1, 2),
            long,
        ] {
            assert!(FORM.parse(&name).is_some(), "{name}");
        }
        // What is not a scratch name is `ScratchForm`'s to refuse (its tests, on this very form).
        assert!(FORM.parse("govway").is_none());
    }

    #[test]
    fn url_keeps_credentials_and_parameters() {
        assert_eq!(
            url_with_database(
                "mysql://u:p%40ss@h:3307/govway?ssl-mode=REQUIRED",
                "govway_govup_copy_1_0"
            )
            .unwrap(),
            "mysql://u:p%40ss@h:3307/govway_govup_copy_1_0?ssl-mode=REQUIRED"
        );
        assert_eq!(
            url_with_database("mariadb://root@127.0.0.1", "x_govup_empty_1_0").unwrap(),
            "mariadb://root@127.0.0.1/x_govup_empty_1_0"
        );
        let u = url_with_database("mysql://h/db", "odd/name").unwrap();
        assert_eq!(
            ConnectUrl::parse(&u).unwrap().database.as_deref(),
            Some("odd/name")
        );
    }
}
