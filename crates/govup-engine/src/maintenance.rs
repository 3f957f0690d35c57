//! What serves the safety features (backups, rehearsals, verify), apart from running an upgrade:
//! the [`Maintenance`] capability a driver either has or has not, and the one grammar of scratch
//! database names ([`ScratchForm`]) that every driver builds and checks its names with.
//!
//! A driver without maintenance has no such method at all ([`Driver::maintenance`] answers
//! None), so the engine refuses `verify`, `rehearse` and `--backup` before it writes anything,
//! instead of failing half-way.

use crate::catalog::Catalog;
use crate::driver::{DbError, Driver};
use crate::error::ApplyError;
use std::path::{Path, PathBuf};

/// Catalogs, backups and scratch databases of one live connection.
pub trait Maintenance {
    /// The catalog of `schema` (None: the connection's default), without `govup_history`.
    fn catalog(&mut self, schema: Option<&str>) -> Result<Catalog, DbError>;

    /// Writes a backup of `schema` (None: the default schema) to a new file in `dir` whose name
    /// starts with `stem`, and returns its path. Consistent while other sessions write.
    fn backup(&mut self, schema: Option<&str>, dir: &Path, stem: &str) -> Result<PathBuf, DbError>;

    /// Replaces `schema` with the content of a file `backup` wrote. The engine has rolled back
    /// its own transaction first; the upgrade lock is still held.
    fn restore(&mut self, schema: Option<&str>, file: &Path) -> Result<(), DbError>;

    /// Creates a new database beside this one, a copy of it (`copy`) or empty, and returns its
    /// URL. The original is never written to.
    fn create_scratch(&mut self, copy: bool) -> Result<String, DbError>;

    /// Drops a database that `create_scratch` made; any other is refused.
    fn drop_scratch(&mut self, url: &str) -> Result<(), DbError>;

    /// The scratch databases `create_scratch` made beside this database (their names rebuilt
    /// exactly from this database's name) that no session is connected to now: candidates
    /// left by a govup that was killed.
    fn idle_scratch(&mut self) -> Result<Vec<IdleScratch>, DbError> {
        Ok(vec![])
    }
}

/// A scratch database no session uses, from [`Maintenance::idle_scratch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdleScratch {
    pub url: String,
    pub name: String,
    /// The process id its name holds: the govup that created it.
    pub pid: u32,
}

/// The maintenance side of `driver`, or the refusal to `what` (a verb phrase) on it.
pub fn require<'d>(
    driver: &'d mut dyn Driver,
    what: &str,
) -> Result<&'d mut dyn Maintenance, ApplyError> {
    let conn = driver.describe();
    let db = driver.dialect().name();
    driver.maintenance().ok_or_else(|| ApplyError::Unsupported {
        what: what.to_string(),
        conn,
        db,
    })
}

/// Refuses up front, before anything is copied or written, when any connection lacks
/// maintenance.
pub fn require_all(conns: &mut crate::Connections, what: &str) -> Result<(), ApplyError> {
    for conn in conns.list.iter_mut() {
        require(conn.driver.as_mut(), what)?;
    }
    Ok(())
}

/// What a scratch database is for: a copy of the original, or an empty database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScratchKind {
    Copy,
    Empty,
}

impl ScratchKind {
    pub fn word(self) -> &'static str {
        match self {
            ScratchKind::Copy => "copy",
            ScratchKind::Empty => "empty",
        }
    }

    pub fn of(copy: bool) -> ScratchKind {
        if copy {
            ScratchKind::Copy
        } else {
            ScratchKind::Empty
        }
    }
}

/// The parts of a scratch name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScratchName<'a> {
    /// The original's name as the scratch name holds it (folded, maybe cut short).
    pub base: &'a str,
    pub kind: ScratchKind,
    pub pid: u32,
    pub n: u32,
}

/// How long a name may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxLen {
    None,
    Bytes(usize),
    Chars(usize),
}

/// One database type's scratch names: `<base><lead><sep><kind><sep><pid><sep><n><ext>`, e.g.
/// `govway_govup_copy_4242_0` or `db.sqlite.govup-empty-4242-1.sqlite`. Building and parsing
/// are written once here, so that the rule "only a name of this form may be dropped" is the
/// same for every driver: a name parses only if [`build`](ScratchForm::build) can produce it.
#[derive(Clone, Copy, Debug)]
pub struct ScratchForm {
    pub lead: &'static str,
    pub sep: char,
    pub ext: &'static str,
    pub max: MaxLen,
    /// What each character of the original's name becomes (identity where names are kept).
    pub fold: fn(char) -> char,
}

impl ScratchForm {
    /// The scratch name for the original `base`, cut short at the front's end so the whole fits.
    pub fn build(&self, base: &str, kind: ScratchKind, pid: u32, n: u32) -> String {
        let sep = self.sep;
        let suffix = format!(
            "{}{sep}{}{sep}{pid}{sep}{n}{}",
            self.lead,
            kind.word(),
            self.ext
        );
        let folded = base.chars().map(self.fold);
        let prefix: String = match self.max {
            MaxLen::None => folded.collect(),
            MaxLen::Chars(max) => folded
                .take(max.saturating_sub(suffix.chars().count()))
                .collect(),
            MaxLen::Bytes(max) => {
                let room = max.saturating_sub(suffix.len());
                let mut out = String::new();
                for c in folded {
                    if out.len() + c.len_utf8() > room {
                        break;
                    }
                    out.push(c);
                }
                out
            }
        };
        format!("{prefix}{suffix}")
    }

    /// The parts of `name` when it is a scratch name of this form, else None.
    pub fn parse<'a>(&self, name: &'a str) -> Option<ScratchName<'a>> {
        let fits = match self.max {
            MaxLen::None => true,
            MaxLen::Bytes(max) => name.len() <= max,
            MaxLen::Chars(max) => name.chars().count() <= max,
        };
        if !fits {
            return None;
        }
        let rest = name.strip_suffix(self.ext)?;
        let mut parts = rest.rsplitn(4, self.sep);
        let (n, pid, kind, head) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let number = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let kind = match kind {
            "copy" => ScratchKind::Copy,
            "empty" => ScratchKind::Empty,
            _ => return None,
        };
        let base = head.strip_suffix(self.lead)?;
        let folded = base.chars().all(|c| (self.fold)(c) == c);
        (!base.is_empty() && folded).then_some(ScratchName {
            base,
            kind,
            pid: number(pid)?,
            n: number(n)?,
        })
    }

    /// The parts of `name` when it is a scratch name of the original `base`: rebuilt from it,
    /// exactly.
    pub fn parse_of<'a>(&self, base: &str, name: &'a str) -> Option<ScratchName<'a>> {
        self.parse(name)
            .filter(|p| self.build(base, p.kind, p.pid, p.n) == name)
    }

    /// `<base><lead><sep><copy|empty><sep><pid><sep><n><ext>`, for messages.
    pub fn pattern(&self, base: &str) -> String {
        let sep = self.sep;
        format!(
            "{base}{}{sep}<copy|empty>{sep}<pid>{sep}<n>{}",
            self.lead, self.ext
        )
    }

    /// The name, when it is a scratch name, else the refusal to drop `what` (it names it).
    pub fn check_drop<'a>(&self, what: &str, name: &'a str) -> Result<ScratchName<'a>, DbError> {
        self.parse(name).ok_or_else(|| {
            DbError::new(format!(
                "refusing to drop {what}: govup drops only the scratch databases it creates ({})",
                self.pattern("<database>")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: ScratchForm = ScratchForm {
        lead: "_govup",
        sep: '_',
        ext: "",
        max: MaxLen::Chars(64),
        fold: |c| c,
    };
    const FILE: ScratchForm = ScratchForm {
        lead: ".govup",
        sep: '-',
        ext: ".sqlite",
        max: MaxLen::None,
        fold: |c| c,
    };

    #[test]
    fn what_build_makes_parse_reads_back() {
        for (form, base) in [
            (SERVER, "govway"),
            (SERVER, "a_b_c"),
            (FILE, "my-db.sqlite"),
        ] {
            for kind in [ScratchKind::Copy, ScratchKind::Empty] {
                let name = form.build(base, kind, 42, 7);
                let parts = form.parse_of(base, &name).expect(&name);
                assert_eq!(
                    (parts.base, parts.kind, parts.pid, parts.n),
                    (base, kind, 42, 7)
                );
            }
        }
        assert_eq!(
            FILE.build("db.sqlite", ScratchKind::Empty, 1, 2),
            "db.sqlite.govup-empty-1-2.sqlite"
        );
        let name = SERVER.build("orders", ScratchKind::Copy, 9, 0);
        assert_eq!(name, "orders_govup_copy_9_0");
        assert!(SERVER.parse_of("other", &name).is_none());
    }

    #[test]
    fn only_scratch_names_parse() {
        for name in [
            "govway",
            "_govup_copy_1_2",
            "govway_govup_copy_1_",
            "govway_govup_copy__2",
            "govway_govup_other_1_2",
            "govway_govup_copy_1_2x",
            "govway_govupcopy_1_2",
            "govway_xgovup_copy_1_2",
            "govway_govup_copy_99999999999_1",
            "",
        ] {
            assert!(SERVER.parse(name).is_none(), "{name}");
            assert!(SERVER.check_drop("database x", name).is_err(), "{name}");
        }
        assert!(FILE.parse("db.govup-copy-1-2").is_none());
        assert!(FILE.parse("db.govup-copy-1-2-3.sqlite").is_none());
    }

    #[test]
    fn long_names_are_cut_to_the_limit() {
        let chars = SERVER.build(&"è".repeat(80), ScratchKind::Empty, u32::MAX, u32::MAX);
        assert_eq!(chars.chars().count(), 64);
        assert!(SERVER.parse(&chars).is_some());
        let bytes = ScratchForm {
            max: MaxLen::Bytes(63),
            ..SERVER
        };
        let cut = bytes.build(&"è".repeat(80), ScratchKind::Copy, 1, 1);
        assert!(cut.len() <= 63 && cut.ends_with("_govup_copy_1_1"), "{cut}");
        assert!(bytes
            .parse(&format!("{}_govup_copy_1_1", "x".repeat(60)))
            .is_none());
    }
}
