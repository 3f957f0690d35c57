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
    /// The verb already printed its own JSON document holding the error (`apply`, `lint`):
    /// under `--format json` no second object follows it on stdout.
    pub json_printed: bool,
}

impl Failure {
    pub fn usage(headline: impl fmt::Display) -> Failure {
        Failure {
            exit: Exit::Usage,
            headline: headline.to_string(),
            details: vec![],
            json_printed: false,
        }
    }

    pub fn failed(headline: impl fmt::Display) -> Failure {
        Failure {
            exit: Exit::Failed,
            headline: headline.to_string(),
            details: vec![],
            json_printed: false,
        }
    }

    /// See [`Failure::json_printed`].
    pub fn json_printed(mut self) -> Failure {
        self.json_printed = true;
        self
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

/// Prints an error as the contract wants it and returns the exit code: `error:` and detail
/// lines on stderr; under `--format json` (`json`) the same as one `govup-error/1` object on
/// stdout instead, where a JSON consumer reads.
///
/// Every line goes through the one redaction function, whatever built it: a driver or library
/// message that quotes a URL or a map line must not carry its password to the terminal.
pub fn report(err: &anyhow::Error, json: bool) -> u8 {
    let (exit, headline, details, printed) = parts(err);
    if json && !printed {
        crate::output::error_json(&error_json(exit, &headline, &details));
    } else {
        let mut text = format!("error: {headline}\n");
        for line in &details {
            text += &format!("  {line}\n");
        }
        crate::output::error_report(&text);
    }
    exit as u8
}

/// The exit code, headline and details of an error, redacted.
fn parts(err: &anyhow::Error) -> (Exit, String, Vec<String>, bool) {
    use govup_engine::url::redact;
    match err.downcast_ref::<Failure>() {
        Some(f) => (
            f.exit,
            redact(&f.headline),
            f.details.iter().map(|d| redact(d)).collect(),
            f.json_printed,
        ),
        None => {
            let chain: Vec<String> = err.chain().map(|e| e.to_string()).collect();
            (Exit::Failed, redact(&chain.join(": ")), vec![], false)
        }
    }
}

/// `{"format":"govup-error/1","exit_code":N,"error":"...","details":[...]}`, one line.
pub fn error_json(exit: Exit, headline: &str, details: &[String]) -> String {
    let doc = serde_json::json!({
        "format": "govup-error/1",
        "exit_code": exit as u8,
        "error": headline,
        "details": details,
    });
    format!("{doc}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_error_is_redacted_and_names_its_exit_code() {
        let err: anyhow::Error = Failure::usage("cannot connect to postgres://u:secret@h/db")
            .with_details(["at postgres://u:secret@h/db".to_string()])
            .into();
        let (exit, headline, details, printed) = parts(&err);
        let text = error_json(exit, &headline, &details);
        assert!(!text.contains("secret"), "{text}");
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["format"], "govup-error/1");
        assert_eq!(doc["exit_code"], 2);
        assert_eq!(doc["details"].as_array().unwrap().len(), 1);
        assert!(!printed);
    }
}
