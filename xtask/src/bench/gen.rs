//! Generated upgrade trees, under `target/bench-trees/` (never committed).
//!
//! - [`apply_tree`]: one line of steps of one-statement patches, the same files for every
//!   database folder asked for, and the statement list they hold in run order (the floors and
//!   the peers run exactly these statements).
//! - [`scale_tree`]: a tree of any size shaped like a real release history: lines released
//!   interleaved (crossings, `baseline-version.txt` on the first two steps of every line, the
//!   old line's last patches repeated in the new one through links), multi-line patches, and
//!   patches stored as files, symlinks into a shared folder, and link stubs.

use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Areas the built-in role table knows (an unknown one would add a warning per patch).
const AREAS: [&str; 7] = [
    "configurazionePdD",
    "registroServizi",
    "runtimePdD",
    "archiviComunicazioni",
    "informazioniStatistiche",
    "users",
    "monitoraggio",
];

/// `YYYY-MM-DD`, `day` days after 1990-01-01 (Howard Hinnant's civil-from-days).
fn date(day: u32) -> String {
    let z = i64::from(day) + 7305 + 719_468; // 1990-01-01 is day 7305 after 1970-01-01
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The file name of the `g`-th patch of a generated tree: one date per patch, so names are
/// unique and sort in generation order.
fn patch_name(g: usize) -> String {
    let day = u32::try_from(g).unwrap_or(u32::MAX);
    format!("{}-{}-patch.sql", date(day), AREAS[g % AREAS.len()])
}

/// Whether `dir` already holds the tree that `stamp` describes; the stamp sits beside it.
fn fresh(dir: &Path, stamp: &str) -> bool {
    dir.is_dir() && fs::read_to_string(stamp_path(dir)).is_ok_and(|s| s == stamp)
}

fn stamp_path(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(".stamp");
    dir.with_file_name(name)
}

fn start_over(dir: &Path) -> Result<()> {
    let _ = fs::remove_file(stamp_path(dir));
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    fs::create_dir_all(dir)?;
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// The apply benchmark's tree, and what it runs.
pub struct ApplyTree {
    pub root: PathBuf,
    pub patches: usize,
    pub steps: usize,
    /// Every statement in run order: each step's patches, then its info-patch.
    pub statements: Vec<String>,
}

/// The statement of patch `k` of step `s` (`g` counts patches over the whole tree).
fn apply_statement(s: usize, k: usize, g: usize) -> String {
    let creates_at = usize::from(s == 0);
    if k < creates_at {
        "CREATE TABLE db_info (major_version INTEGER NOT NULL, minor_version INTEGER NOT NULL, notes VARCHAR(255))".into()
    } else if k == creates_at {
        format!("CREATE TABLE t_{s:03} (id INTEGER NOT NULL PRIMARY KEY, note VARCHAR(64))")
    } else {
        format!("INSERT INTO t_{s:03} (id, note) VALUES ({g}, 'patch {g}')")
    }
}

/// `steps` steps `1.0.s -> 1.0.(s+1)` of `per_step` patches each, in every folder of `dbs`;
/// patch 0 creates `db_info`, each step's first patch creates its table and the others insert
/// a row into it; each step's info-patch inserts its version into `db_info`.
pub fn apply_tree(dir: &Path, steps: usize, per_step: usize, dbs: &[&str]) -> Result<ApplyTree> {
    let mut statements = Vec::with_capacity(steps * (per_step + 1));
    for s in 0..steps {
        for k in 0..per_step {
            statements.push(apply_statement(s, k, s * per_step + k));
        }
        statements.push(format!(
            "INSERT INTO db_info (major_version, minor_version, notes) VALUES (1, 0, '[1.0.{}] govup bench')",
            s + 1
        ));
    }
    let tree = ApplyTree {
        root: dir.to_path_buf(),
        patches: steps * per_step,
        steps,
        statements,
    };
    let stamp = format!("apply v1 {steps} {per_step} {}", dbs.join(","));
    if fresh(dir, &stamp) {
        return Ok(tree);
    }
    start_over(dir)?;
    let mut i = 0;
    for s in 0..steps {
        let step = dir.join(format!("upgrade_1.0.{s}_to_1.0.{}", s + 1));
        for db in dbs {
            fs::create_dir_all(step.join(db))?;
        }
        for k in 0..per_step {
            let g = s * per_step + k;
            let text = format!("{};\n", tree.statements[i]);
            for db in dbs {
                write(&step.join(db).join(patch_name(g)), &text)?;
            }
            i += 1;
        }
        write(
            &step.join("info-patch.sql"),
            &format!("{};\n", tree.statements[i]),
        )?;
        i += 1;
    }
    write(&stamp_path(dir), &stamp)?;
    Ok(tree)
}

/// What a generated scale tree holds.
pub struct ScaleTree {
    pub root: PathBuf,
    pub patches: usize,
    pub steps: usize,
    pub lines: usize,
    pub baselines: usize,
    pub symlinks: usize,
    pub stubs: usize,
    /// The version to plan to.
    pub latest: String,
}

impl ScaleTree {
    pub fn describe(&self) -> String {
        let n = super::measure::count;
        format!(
            "{} patches, {} steps, {} lines, {} baselines, {} symlinks, {} link stubs",
            n(self.patches),
            n(self.steps),
            self.lines,
            self.baselines,
            n(self.symlinks),
            n(self.stubs)
        )
    }
}

/// Patches per step, minor steps of the first line and of the others, and how many steps at
/// the end of a line were released after the next line began (their patches repeat there).
const PER_STEP: usize = 10;
const FIRST_LINE_STEPS: usize = 50;
const LINE_STEPS: usize = 47;
const LATE_STEPS: usize = 2;
/// So every line holds 500 patches: 50 x 10, or 10 (crossing) + 47 x 10 + 2 x 10 repeated.
pub const PER_LINE: usize = 500;

fn patch_sql(g: usize, dir: &str) -> String {
    format!(
        "-- govup bench patch {g} ({dir})\n\
         CREATE TABLE bench_{g} (\n    id BIGINT NOT NULL,\n    note VARCHAR(255),\n    created TIMESTAMP,\n    PRIMARY KEY (id)\n);\n\
         CREATE INDEX bench_{g}_note ON bench_{g} (note);\n\
         INSERT INTO bench_{g} (id, note) VALUES (1, 'patch {g}');\n"
    )
}

/// Generates (or reuses) a tree of `lines` x 500 postgresql patches, as the module doc says.
pub fn scale_tree(dir: &Path, patches: usize) -> Result<ScaleTree> {
    let lines = patches.div_ceil(PER_LINE).max(1);
    let last_minor = |line: usize| {
        if line == 0 {
            FIRST_LINE_STEPS
        } else {
            LINE_STEPS
        }
    };
    let steps: usize = (0..lines).map(|l| last_minor(l) + usize::from(l > 0)).sum();
    let mut tree = ScaleTree {
        root: dir.to_path_buf(),
        patches: lines * PER_LINE,
        steps,
        lines,
        baselines: 2 * (lines - 1),
        symlinks: 0,
        stubs: 0,
        latest: format!("1.{}.{}", lines - 1, last_minor(lines - 1)),
    };
    let stamp = format!("scale v1 {lines}");
    let shared = dir.join("shared/postgresql");
    let reuse = fresh(dir, &stamp);
    if !reuse {
        start_over(dir)?;
        for area in AREAS {
            fs::create_dir_all(shared.join(area))?;
        }
    }
    let mut g = 0usize;
    // The file names of the previous line's last LATE_STEPS steps, with their step dirs.
    let mut late: Vec<(String, String)> = Vec::new();
    for line in 0..lines {
        let mut dirs = Vec::new();
        if line > 0 {
            dirs.push(format!("upgrade_1.{}.x_to_1.{line}.0", line - 1));
        }
        for m in 0..last_minor(line) {
            dirs.push(format!("upgrade_1.{line}.{m}_to_1.{line}.{}", m + 1));
        }
        let mut this_late = Vec::new();
        for (i, dir_name) in dirs.iter().enumerate() {
            let step = dir.join(dir_name);
            let folder = step.join("postgresql");
            let minor_index = if line > 0 { i.checked_sub(1) } else { Some(i) };
            if !reuse {
                fs::create_dir_all(&folder)?;
                write(
                    &step.join("info-patch.sql"),
                    &format!(
                        "DELETE FROM db_info;\nINSERT INTO db_info (major_version, minor_version, notes)\n    VALUES (1, {line}, '[{dir_name}] govup bench');\n"
                    ),
                )?;
            }
            // The new line began when the old one was LATE_STEPS steps before its end, and
            // caught up on the second step.
            if line > 0 && minor_index.is_some_and(|m| m < 2) {
                let prev_last = last_minor(line - 1);
                let baseline = if minor_index == Some(0) {
                    prev_last - LATE_STEPS
                } else {
                    prev_last
                };
                if !reuse {
                    write(
                        &step.join("baseline-version.txt"),
                        &format!("1.{}.{baseline}\n", line - 1),
                    )?;
                }
            }
            if line > 0 && minor_index == Some(0) {
                for (from_dir, name) in &late {
                    if !reuse {
                        symlink(
                            &format!("../../{from_dir}/postgresql/{name}"),
                            &folder.join(name),
                        )?;
                    }
                    tree.symlinks += 1;
                }
            }
            for _ in 0..PER_STEP {
                let name = patch_name(g);
                let area = AREAS[g % AREAS.len()];
                let shared_rel = format!("shared/postgresql/{area}/{g:06}.sql");
                match g % 4 {
                    0 => {
                        if !reuse {
                            write(&folder.join(&name), &patch_sql(g, dir_name))?;
                        }
                    }
                    1 | 2 => {
                        if !reuse {
                            write(&dir.join(&shared_rel), &patch_sql(g, dir_name))?;
                            symlink(&format!("../../{shared_rel}"), &folder.join(&name))?;
                        }
                        tree.symlinks += 1;
                    }
                    _ => {
                        if !reuse {
                            write(&dir.join(&shared_rel), &patch_sql(g, dir_name))?;
                            write(&folder.join(&name), &format!("../../{shared_rel}\n"))?;
                        }
                        tree.stubs += 1;
                    }
                }
                if minor_index.is_some_and(|m| m + LATE_STEPS >= last_minor(line)) {
                    this_late.push((dir_name.clone(), name));
                }
                g += 1;
            }
        }
        late = this_late;
    }
    if !reuse {
        write(&stamp_path(dir), &stamp)?;
    }
    Ok(tree)
}

fn symlink(target: &str, link: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, link)
        .with_context(|| format!("cannot link {} to {target}", link.display()))
}

/// The relative path a link stub holds (the planner's rule: one line, relative, a `/`, ends
/// in `.sql`, no space or `;`).
fn stub_target(bytes: &[u8]) -> Option<String> {
    if bytes.len() > 1024 {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let is_stub = text.contains('/')
        && text.ends_with(".sql")
        && !text.starts_with('/')
        && !text.contains(';')
        && !text.chars().any(char::is_whitespace);
    is_stub.then(|| text.to_string())
}

/// Every file a plan for `db` reads, relative to the tree root: each step's info-patch and
/// baseline, each entry of its `db` folder, and the files link stubs name (`cat` follows real
/// symlinks itself).
pub fn files_read(tree: &Path, db: &str) -> Result<Vec<PathBuf>> {
    let mut steps: Vec<String> = fs::read_dir(tree)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.to_ascii_lowercase().starts_with("upgrade_"))
        .collect();
    steps.sort();
    let mut out = Vec::new();
    for step in steps {
        let step = PathBuf::from(step);
        for name in ["info-patch.sql", "baseline-version.txt"] {
            if tree.join(&step).join(name).is_file() {
                out.push(step.join(name));
            }
        }
        let folder = step.join(db);
        let Ok(entries) = fs::read_dir(tree.join(&folder)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let mut current = folder.join(&name);
            for _ in 0..16 {
                let bytes = fs::read(tree.join(&current))
                    .with_context(|| format!("cannot read {}", current.display()))?;
                out.push(current.clone());
                let Some(next) = stub_target(&bytes) else {
                    break;
                };
                current = current.parent().unwrap_or(Path::new("")).join(next);
            }
        }
    }
    Ok(out)
}

/// `cat` of `files` (relative to `root`), split into as few commands as the argument limit
/// allows.
pub fn cat_commands(root: &Path, files: &[PathBuf]) -> Vec<std::process::Command> {
    const ARG_BYTES: usize = 1 << 20;
    let mut cmds = Vec::new();
    let mut chunk: Vec<&PathBuf> = Vec::new();
    let mut size = 0;
    let flush = |chunk: &mut Vec<&PathBuf>, cmds: &mut Vec<std::process::Command>| {
        if chunk.is_empty() {
            return;
        }
        let mut cmd = std::process::Command::new("cat");
        cmd.current_dir(root).args(chunk.drain(..));
        cmds.push(cmd);
    };
    for f in files {
        let len = f.as_os_str().len() + 9; // the string, its NUL and its pointer
        if size + len > ARG_BYTES {
            flush(&mut chunk, &mut cmds);
            size = 0;
        }
        chunk.push(f);
        size += len;
    }
    flush(&mut chunk, &mut cmds);
    cmds
}

/// A floor script: the statements, each ended with `;`, optionally between `begin`/`end` lines.
pub fn script(statements: &[String], begin: Option<&str>, end: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(b) = begin {
        out.push_str(b);
        out.push('\n');
    }
    for s in statements {
        let _ = writeln!(out, "{s};");
    }
    if let Some(e) = end {
        out.push_str(e);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_calendar_dates_in_order() {
        assert_eq!(date(0), "1990-01-01");
        assert_eq!(date(31), "1990-02-01");
        assert_eq!(date(365), "1991-01-01");
        assert_eq!(date(3711), "2000-02-29");
        let mut last = String::new();
        for day in (0..120_000).step_by(97) {
            let d = date(day);
            assert!(d > last, "{d} after {last}");
            last = d;
        }
    }

    #[test]
    fn stubs_are_recognised_like_the_planner_does() {
        assert_eq!(
            stub_target(b"../../shared/x.sql\n").as_deref(),
            Some("../../shared/x.sql")
        );
        assert_eq!(stub_target(b"CREATE TABLE a (b INT);\n"), None);
    }
}
