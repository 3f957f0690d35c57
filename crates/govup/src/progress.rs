//! Progress while applying: a bar on a terminal, plain lines otherwise (logs, CI).

use govup_engine::{Observer, Outcome, PatchReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// `quiet`: print nothing (JSON output keeps stderr for errors only).
    pub fn new(quiet: bool) -> Progress {
        Progress { bar: None, quiet }
    }

    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl Observer for Progress {
    fn started(&mut self, _runs: usize, statements: usize) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar =
            ProgressBar::with_draw_target(Some(statements as u64), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} statements {elapsed} {msg}")
        {
            bar.set_style(style);
        }
        self.bar = Some(bar);
    }

    fn step_started(&mut self, dir: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(dir.to_string());
        } else if !self.quiet {
            eprintln!("step {dir}");
        }
    }

    fn statement_done(&mut self, _event: &govup_engine::StatementEvent<'_>) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn note(&mut self, text: &str) {
        self.show(text);
    }

    fn patch_done(&mut self, report: &PatchReport) {
        if self.quiet {
            return;
        }
        let schema = report.target.schema.as_deref().unwrap_or("(default)");
        let text = match &report.outcome {
            Outcome::Applied { statements, duration } => format!(
                "  applied {} in {schema}: {statements} statement(s), {} ms",
                report.path,
                duration.as_millis()
            ),
            Outcome::Resumed { from_statement, statements, duration } => format!(
                "  resumed {} in {schema} at statement {from_statement}: {statements} statement(s), {} ms",
                report.path,
                duration.as_millis()
            ),
            Outcome::AlreadyApplied => format!("  already applied {} in {schema}", report.path),
            _ => return,
        };
        self.line(text);
    }
}

impl Progress {
    /// Also used for notes the engine sends (backups, restores).
    fn show(&self, text: &str) {
        if !self.quiet {
            self.line(text.to_string());
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
