//! Progress while applying: a bar on a terminal; otherwise (logs, CI) one line per step, so a
//! 5,000-patch upgrade writes fifty lines, not five thousand. `--log-dir` has every statement.

use govup_engine::{Observer, Outcome, PatchReport, StatementEvent};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
    step: Option<StepTally>,
    /// Every patch reported done, for a report of what ran when the apply fails.
    pub done: Vec<PatchReport>,
}

/// What the current step did, for its summary line.
struct StepTally {
    started: Instant,
    applied: usize,
    already: usize,
    statements: usize,
}

impl Progress {
    /// `quiet`: print nothing (JSON output keeps stderr for errors only).
    pub fn new(quiet: bool) -> Progress {
        Progress {
            bar: None,
            quiet,
            step: None,
            done: Vec::new(),
        }
    }

    fn line(&self, text: String) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(bar) => bar.println(text),
            None => errln!("{text}"),
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
        }
        self.step = Some(StepTally {
            started: Instant::now(),
            applied: 0,
            already: 0,
            statements: 0,
        });
    }

    fn statement_done(&mut self, event: &StatementEvent<'_>) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        if let (Some(t), None) = (&mut self.step, event.error) {
            t.statements += 1;
        }
    }

    fn patch_done(&mut self, report: &PatchReport) {
        self.done.push(report.clone());
        let schema = report.target.schema.as_deref().unwrap_or("(default)");
        match &report.outcome {
            Outcome::Applied { .. } => {
                if let Some(t) = &mut self.step {
                    t.applied += 1;
                }
            }
            Outcome::AlreadyApplied => {
                if let Some(t) = &mut self.step {
                    t.already += 1;
                }
            }
            // Worth its own line: the operator re-ran after a failure and wants to see where.
            Outcome::Resumed {
                from_statement,
                statements,
                ..
            } => {
                if let Some(t) = &mut self.step {
                    t.applied += 1;
                }
                self.line(format!(
                    "  resumed {} in {schema} at statement {from_statement} ({statements} statement(s) left)",
                    report.path
                ));
            }
            _ => {}
        }
    }

    fn step_done(&mut self, dir: &str) {
        let Some(t) = self.step.take() else { return };
        let already = if t.already > 0 {
            format!(", {} already applied", t.already)
        } else {
            String::new()
        };
        self.line(format!(
            "{dir}: {} applied ({} statement(s)){already}, {} ms",
            t.applied,
            t.statements,
            t.started.elapsed().as_millis()
        ));
    }

    fn note(&mut self, text: &str) {
        // Notes (a wait for the lock, a backup, a restore) go to stderr even when stdout carries
        // JSON or SQL: they never mix with it.
        match &self.bar {
            Some(bar) => bar.println(text),
            None => errln!("{text}"),
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
