//! How the binary fails: one headline naming the object, detail lines, and a contract exit code.

use std::fmt;

/// Exit codes of the command-line contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The operation failed: a database error, lint errors, a refused plan.
    Failed = 1,
    /// Bad usage or unreadable input: a bad version, an unknown option, a missing tree.
    Usage = 2,
}

#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub headline: String,
    pub details: Vec<String>,
}

impl Failure {
    pub fn usage(headline: impl fmt::Display) -> Failure {
        Failure {
            exit: Exit::Usage,
            headline: headline.to_string(),
            details: vec![],
        }
    }

    pub fn failed(headline: impl fmt::Display) -> Failure {
        Failure {
            exit: Exit::Failed,
            headline: headline.to_string(),
            details: vec![],
        }
    }

    pub fn with_details(mut self, details: impl IntoIterator<Item = String>) -> Failure {
        self.details.extend(details);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline)
    }
}

impl std::error::Error for Failure {}

/// Prints an error as the contract wants it and returns the exit code.
///
/// Every line goes through the one redaction function, whatever built it: a driver or library
/// message that quotes a URL or a map line must not carry its password to the terminal.
pub fn report(err: &anyhow::Error) -> u8 {
    use govup_engine::url::redact;
    match err.downcast_ref::<Failure>() {
        Some(failure) => {
            errln!("error: {}", redact(&failure.headline));
            for line in &failure.details {
                errln!("  {}", redact(line));
            }
            failure.exit as u8
        }
        None => {
            let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
            errln!("error: {}", redact(&chain.join(": ")));
            Exit::Failed as u8
        }
    }
}
