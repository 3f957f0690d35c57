//! Problems found while reading a tree, each tied to the file it is about.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// What a finding is about, so that callers (`govup lint`) can tell findings apart without
/// reading their messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// A step directory whose name does not follow `upgrade_<FROM>_to_<TO>`.
    StepName,
    /// A `.sql` file in a database folder that is not named like a patch.
    PatchName,
    /// Another file in a database folder: not a patch, ignored.
    NotAPatch,
    /// A link (real or stubbed) to nothing, or a loop of links.
    BrokenLink,
    /// A link (real or stubbed, to a file or a folder) that leads outside the link root.
    LinkOutside,
    /// A file or folder that cannot be read.
    Unreadable,
    /// A file that is not a regular file (a FIFO, a device, a socket, a directory): never read.
    NotRegular,
    /// A file larger than the scan's size limit: never read past the limit.
    TooLarge,
    /// A tree with no step directory at all.
    NoSteps,
    /// A `baseline-version.txt` whose text is not a version.
    BaselineParse,
    /// A `baseline-version.txt` that names no version of the line crossed from.
    BaselineUnknown,
    /// A `baseline-version.txt` that disagrees with the content (spec §4).
    BaselineDisagrees,
    /// Two steps lead into one version.
    TwoStepsInto,
    /// Two crossings leave one line.
    TwoCrossingsOut,
    /// A crossing from a line that has no version in the tree.
    CrossingFromEmptyLine,
    /// Anything not named above.
    Other,
}

/// One problem with a tree. `path` is relative to the tree root, `/`-separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub path: String,
    pub line: Option<u32>,
    pub message: String,
    pub kind: FindingKind,
}

impl Finding {
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Error,
            path: path.into(),
            line: None,
            message: message.into(),
            kind: FindingKind::Other,
        }
    }

    pub fn warning(path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Warning,
            path: path.into(),
            line: None,
            message: message.into(),
            kind: FindingKind::Other,
        }
    }

    /// The same finding, saying what it is about.
    pub fn with_kind(mut self, kind: FindingKind) -> Finding {
        self.kind = kind;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path, line, self.message),
            // A finding about the tree as a whole.
            None if self.path.is_empty() => f.write_str(&self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}
