//! Reading an upgrade tree from disk (spec §2): step directories, patches, info-patches and
//! baseline files. Reading never stops at the first problem; each one becomes a [`Finding`].

use crate::db::DbType;
use crate::digest::Sha256;
use crate::fanout::map_in_order;
use crate::finding::{Finding, FindingKind};
use crate::link::{find_link_root, LinkError, Reader, DEFAULT_MAX_FILE_SIZE};
use crate::listing::{is_dir, relative, sorted_entries, Entry};
use crate::names::{looks_like_step, near_step, parse_patch_name, parse_step_dir, StepKind};
use crate::version::{Level, Version};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs::{self, FileType};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const INFO_PATCH: &str = "info-patch.sql";
pub const BASELINE: &str = "baseline-version.txt";

/// Which database folders to read in full (resolve links and hash); the rest are only listed.
#[derive(Clone, Debug)]
pub enum DbSelection {
    One(DbType),
    Some(Vec<DbType>),
    All,
}

impl DbSelection {
    fn contains(&self, db: DbType) -> bool {
        match self {
            DbSelection::One(one) => *one == db,
            DbSelection::Some(many) => many.contains(&db),
            DbSelection::All => true,
        }
    }
}

/// How a scan reads files. The defaults suit a tree inside its own repository.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The directory links may lead into; default: [`find_link_root`] of the tree.
    pub link_root: Option<PathBuf>,
    /// The largest file the scan reads; default: [`DEFAULT_MAX_FILE_SIZE`].
    pub max_file_size: Option<u64>,
}

/// A SQL file of the tree, read through its links.
#[derive(Clone, Debug)]
pub struct SqlFile {
    /// Where the tree puts it, relative to the root: `upgrade_3.3.17_to_3.3.18/info-patch.sql`.
    pub path: String,
    /// The file whose bytes it holds, after links were followed.
    pub source: PathBuf,
    pub sha256: Sha256,
    pub len: u64,
    pub linked: bool,
    /// The bytes, when the scan was asked to keep them ([`Tree::scan_keeping`]): an apply
    /// then reads each patch once, not once to hash and once to run.
    pub bytes: Option<Arc<[u8]>>,
}

/// One patch of one database folder.
#[derive(Clone, Debug)]
pub struct Patch {
    pub file: String,
    pub date: String,
    pub area: String,
    pub sql: SqlFile,
}

/// The `baseline-version.txt` of a step, when it has one and it parses.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub path: String,
    pub version: Level,
}

/// The contents of one database folder of a step.
#[derive(Clone, Debug, Default)]
pub struct DbFolder {
    /// Every entry's name, sorted, whether or not it is a well-formed patch.
    pub names: Vec<String>,
    /// Well-formed patches in run order; filled only for the selected databases.
    pub patches: Vec<Patch>,
    /// True when this folder was read in full.
    pub read: bool,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub dir: String,
    pub kind: StepKind,
    pub info_patch: Option<SqlFile>,
    pub baseline: Option<Baseline>,
    pub databases: Vec<(DbType, DbFolder)>,
    /// Entries of the step directory that are neither a database folder nor a known file.
    pub stray: Vec<String>,
}

impl Step {
    pub fn from_label(&self) -> String {
        match self.kind {
            StepKind::Minor { from, .. } => from.to_string(),
            StepKind::Cross { from, .. } => format!("{from}.x"),
        }
    }

    pub fn to(&self) -> Level {
        self.kind.to()
    }

    pub fn folder(&self, db: DbType) -> Option<&DbFolder> {
        self.databases
            .iter()
            .find(|(d, _)| *d == db)
            .map(|(_, f)| f)
    }

    /// The patches of `db` in run order; none when the step has no folder for it.
    pub fn patches(&self, db: DbType) -> &[Patch] {
        self.folder(db).map_or(&[], |f| &f.patches)
    }
}

#[derive(Debug)]
pub struct Tree {
    pub root: PathBuf,
    /// Well-formed steps, ordered by target version.
    pub steps: Vec<Step>,
    /// Entries at the root that are not steps (READMEs, shared patch folders).
    pub other_entries: Vec<String>,
    pub findings: Vec<Finding>,
    /// How the files were read: the link root and the size limit.
    reader: Reader,
}

#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    #[error("upgrade tree `{0}` does not exist")]
    Missing(PathBuf),
    #[error("upgrade tree `{0}` is not a directory")]
    NotADirectory(PathBuf),
    #[error("cannot read upgrade tree `{path}`: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("link root `{path}` is not a directory that can be read: {why}")]
    LinkRoot { path: PathBuf, why: String },
    #[error("upgrade tree `{tree}` is not inside the link root `{root}`")]
    OutsideLinkRoot { tree: PathBuf, root: PathBuf },
}

impl Tree {
    /// Reads the tree at `root`. Fails only when the root itself cannot be read; everything
    /// wrong below it is a finding.
    pub fn scan(root: &Path, select: &DbSelection) -> Result<Tree, TreeError> {
        Tree::read(root, select, &ReadOptions::default(), false)
    }

    /// Like [`Tree::scan`], keeping the bytes of every SQL file of the selected databases.
    pub fn scan_keeping(root: &Path, select: &DbSelection) -> Result<Tree, TreeError> {
        Tree::read(root, select, &ReadOptions::default(), true)
    }

    /// Reads the tree at `root` as `options` say, keeping the bytes of the selected databases'
    /// SQL files when `keep` is set.
    pub fn read(
        root: &Path,
        select: &DbSelection,
        options: &ReadOptions,
        keep: bool,
    ) -> Result<Tree, TreeError> {
        let meta = fs::metadata(root).map_err(|_| TreeError::Missing(root.to_path_buf()))?;
        if !meta.is_dir() {
            return Err(TreeError::NotADirectory(root.to_path_buf()));
        }
        let unreadable = |source| TreeError::Unreadable {
            path: root.to_path_buf(),
            source,
        };
        let real_root = fs::canonicalize(root).map_err(unreadable)?;
        let reader = reader_for(&real_root, options)?;
        let entries = sorted_entries(root).map_err(unreadable)?;
        let mut tree = Tree {
            root: root.to_path_buf(),
            steps: vec![],
            other_entries: vec![],
            findings: vec![],
            reader,
        };
        let reader = &tree.reader;
        // Steps are read in parallel; merging in entry order keeps the findings in tree order.
        let read = map_in_order(&entries, |entry| {
            read_root_entry(root, entry, select, keep, reader)
        });
        for entry in read {
            match entry {
                RootEntry::Other(name) => tree.other_entries.push(name),
                RootEntry::Malformed(finding) => tree.findings.push(finding),
                RootEntry::Step(step, findings) => {
                    tree.findings.extend(findings);
                    tree.steps.push(*step);
                }
            }
        }
        tree.steps
            .sort_by(|a, b| (a.to(), &a.dir).cmp(&(b.to(), &b.dir)));
        if tree.steps.is_empty() {
            // A CI pointed at the wrong folder must not pass.
            tree.findings.push(
                Finding::error(
                    "",
                    "the tree holds no step directory (upgrade_<FROM>_to_<TO>): is it the upgrade tree?",
                )
                .with_kind(FindingKind::NoSteps),
            );
        }
        Ok(tree)
    }

    /// The directory links may lead into (canonical).
    pub fn link_root(&self) -> &Path {
        self.reader.root()
    }

    /// The bytes of a SQL file of this tree: those the scan kept, else read again from the
    /// file the links named, under the scan's rules (a regular file within the size limit).
    pub fn bytes_of<'a>(&self, sql: &'a SqlFile) -> Result<Cow<'a, [u8]>, LinkError> {
        match &sql.bytes {
            Some(kept) => Ok(Cow::Borrowed(kept)),
            None => self.reader.read_regular(&sql.source).map(Cow::Owned),
        }
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }

    /// Every database type that has a folder in at least one step.
    pub fn databases(&self) -> BTreeSet<DbType> {
        self.steps
            .iter()
            .flat_map(|s| s.databases.iter().map(|(db, _)| *db))
            .collect()
    }
}

/// The reader for a tree whose real path is `real_root`.
fn reader_for(real_root: &Path, options: &ReadOptions) -> Result<Reader, TreeError> {
    let link_root = match &options.link_root {
        Some(dir) => dir.clone(),
        None => find_link_root(real_root),
    };
    let refused = |why: String| TreeError::LinkRoot {
        path: link_root.clone(),
        why,
    };
    match fs::metadata(&link_root) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(refused("it is not a directory".into())),
        Err(e) => return Err(refused(e.to_string())),
    }
    let max = options.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let reader = Reader::new(&link_root, max).map_err(|e| refused(e.to_string()))?;
    if !real_root.starts_with(reader.root()) {
        return Err(TreeError::OutsideLinkRoot {
            tree: real_root.to_path_buf(),
            root: reader.root().to_path_buf(),
        });
    }
    Ok(reader)
}

/// Why a folder the scan is about to enter may not be entered: a symlink that leaves the link
/// root. A folder listed as a plain one is inside a folder already checked.
fn folder_escapes(reader: &Reader, path: &Path, listed: Option<FileType>) -> Option<LinkError> {
    if listed.is_some_and(|t| !t.is_symlink()) {
        return None;
    }
    let real = fs::canonicalize(path).ok()?;
    reader.check_inside(&real).err()
}

/// One entry of the root, read.
enum RootEntry {
    Other(String),
    Malformed(Finding),
    Step(Box<Step>, Vec<Finding>),
}

fn read_root_entry(
    root: &Path,
    entry: &Entry,
    select: &DbSelection,
    keep: bool,
    reader: &Reader,
) -> RootEntry {
    let name = &entry.name;
    let path = root.join(name);
    if !is_dir(&path, entry.file_type) {
        let step_like = looks_like_step(name) || near_step(name);
        if step_like && entry.file_type.is_none_or(|t| t.is_symlink()) {
            // A step linked to nothing, or into a loop, would vanish from the tree unnoticed.
            if let Err(e) = reader.read_folder_link(&path) {
                return RootEntry::Malformed(link_finding(name.clone(), &e));
            }
        }
        return RootEntry::Other(name.clone());
    }
    if !looks_like_step(name) {
        if !near_step(name) {
            return RootEntry::Other(name.clone());
        }
        // Ignoring it would move `latest` and drop its patches without a word.
        let why = if looks_like_step(name.trim()) {
            "its name has white space around it"
        } else {
            "a step directory is named upgrade_<FROM>_to_<TO>"
        };
        return RootEntry::Malformed(
            Finding::error(
                name.clone(),
                format!("directory {name:?} looks like a step but is not one: {why}"),
            )
            .with_kind(FindingKind::StepName),
        );
    }
    if let Some(e) = folder_escapes(reader, &path, entry.file_type) {
        return RootEntry::Malformed(link_finding(name.clone(), &e));
    }
    match parse_step_dir(name) {
        Ok(kind) => {
            let mut findings = vec![];
            let step = read_step(
                &path,
                name.clone(),
                kind,
                select,
                keep,
                reader,
                &mut findings,
            );
            RootEntry::Step(Box::new(step), findings)
        }
        Err(why) => RootEntry::Malformed(
            Finding::error(
                name.clone(),
                format!("step directory `{name}` is malformed: {why}"),
            )
            .with_kind(FindingKind::StepName),
        ),
    }
}

fn read_step(
    path: &Path,
    dir: String,
    kind: StepKind,
    select: &DbSelection,
    keep: bool,
    reader: &Reader,
    findings: &mut Vec<Finding>,
) -> Step {
    let mut step = Step {
        dir,
        kind,
        info_patch: None,
        baseline: None,
        databases: vec![],
        stray: vec![],
    };
    let entries = match sorted_entries(path) {
        Ok(entries) => entries,
        Err(e) => {
            findings.push(
                Finding::error(step.dir.clone(), format!("cannot read step directory: {e}"))
                    .with_kind(FindingKind::Unreadable),
            );
            return step;
        }
    };
    for Entry { name, file_type } in entries {
        let rel = relative(&step.dir, &name);
        let full = path.join(&name);
        if name == INFO_PATCH {
            step.info_patch = read_sql(full, file_type, rel, keep, reader, findings);
        } else if name == BASELINE {
            step.baseline = read_baseline(full, file_type, rel, reader, findings);
        } else if let Some(db) = DbType::from_folder(&name).filter(|_| is_dir(&full, file_type)) {
            if let Some(e) = folder_escapes(reader, &full, file_type) {
                findings.push(link_finding(rel, &e));
                continue;
            }
            let folder = read_db_folder(&full, &rel, select.contains(db), keep, reader, findings);
            step.databases.push((db, folder));
        } else if !name.starts_with('.') {
            step.stray.push(name);
        }
    }
    step
}

fn read_db_folder(
    path: &Path,
    rel: &str,
    full: bool,
    keep: bool,
    reader: &Reader,
    findings: &mut Vec<Finding>,
) -> DbFolder {
    let (names, types): (Vec<String>, Vec<Option<FileType>>) = match sorted_entries(path) {
        Ok(entries) => entries
            .into_iter()
            .filter(|e| !e.name.starts_with('.'))
            .map(|e| (e.name, e.file_type))
            .unzip(),
        Err(e) => {
            findings.push(
                Finding::error(rel, format!("cannot read database folder: {e}"))
                    .with_kind(FindingKind::Unreadable),
            );
            return DbFolder::default();
        }
    };
    let mut folder = DbFolder {
        names,
        patches: vec![],
        read: full,
    };
    if !full {
        return folder;
    }
    for (name, &file_type) in folder.names.iter().zip(&types) {
        let file_rel = relative(rel, name);
        match parse_patch_name(name) {
            Ok(parsed) => {
                let full = path.join(name);
                if let Some(sql) = read_sql(full, file_type, file_rel, keep, reader, findings) {
                    folder.patches.push(Patch {
                        file: name.clone(),
                        date: parsed.date,
                        area: parsed.area,
                        sql,
                    });
                }
            }
            // A misnamed .sql file would otherwise never run: the plan cannot be trusted.
            Err(why) if name.ends_with(".sql") => findings.push(
                Finding::error(file_rel, format!("patch file `{name}` is misnamed: {why}"))
                    .with_kind(FindingKind::PatchName),
            ),
            Err(_) => findings.push(
                Finding::warning(file_rel, format!("`{name}` is not a patch and is ignored"))
                    .with_kind(FindingKind::NotAPatch),
            ),
        }
    }
    folder
}

fn read_sql(
    path: PathBuf,
    listed: Option<FileType>,
    rel: String,
    keep: bool,
    reader: &Reader,
    findings: &mut Vec<Finding>,
) -> Option<SqlFile> {
    match reader.read_listed(path, listed) {
        Ok(resolved) => Some(SqlFile {
            path: rel,
            sha256: Sha256::of(&resolved.bytes),
            len: resolved.bytes.len() as u64,
            source: resolved.source,
            linked: resolved.linked,
            bytes: keep.then(|| Arc::from(resolved.bytes)),
        }),
        Err(e) => {
            findings.push(link_finding(rel, &e));
            None
        }
    }
}

fn read_baseline(
    path: PathBuf,
    listed: Option<FileType>,
    rel: String,
    reader: &Reader,
    findings: &mut Vec<Finding>,
) -> Option<Baseline> {
    let resolved = match reader.read_listed(path, listed) {
        Ok(resolved) => resolved,
        Err(e) => {
            findings.push(link_finding(rel, &e));
            return None;
        }
    };
    let text = String::from_utf8_lossy(&resolved.bytes);
    let text = text.trim();
    match text.parse::<Version>() {
        Ok(v) => Some(Baseline {
            path: rel,
            version: v.level(),
        }),
        Err(e) => {
            // The parse error quotes the text: only when it is short enough to be a version,
            // never the content of some other file the baseline links to.
            let why = if text.len() <= 40 && !text.contains(char::is_control) {
                e.to_string()
            } else {
                "it is not one line holding a version such as 3.3.17".to_string()
            };
            findings.push(
                Finding::error(rel, format!("baseline version does not parse: {why}"))
                    .with_kind(FindingKind::BaselineParse),
            );
            None
        }
    }
}

/// A file that could not be read through its links.
fn link_finding(rel: String, e: &LinkError) -> Finding {
    let kind = match e {
        LinkError::Broken { .. } | LinkError::Loop { .. } => FindingKind::BrokenLink,
        LinkError::Outside { .. } => FindingKind::LinkOutside,
        LinkError::NotRegular { .. } => FindingKind::NotRegular,
        LinkError::TooLarge { .. } => FindingKind::TooLarge,
        LinkError::Io(_) => FindingKind::Unreadable,
    };
    Finding::error(rel, e.to_string()).with_kind(kind)
}
