//! `--log-dir`: one log file per step, with every statement, its timing and any error, so that
//! an operator can read afterwards what each step did (the seed's "log per step").

use govup_engine::{Observer, Outcome, PatchReport, StatementEvent};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct StepLog {
    dir: PathBuf,
    steps: usize,
    file: Option<(File, Instant)>,
}

impl StepLog {
    /// Creates `dir` if needed; fails when it cannot be written.
    pub fn create(dir: &Path) -> std::io::Result<StepLog> {
        std::fs::create_dir_all(dir)?;
        let probe = dir.join(".govup-write-test");
        File::create(&probe)?;
        let _ = std::fs::remove_file(probe);
        Ok(StepLog {
            dir: dir.to_path_buf(),
            steps: 0,
            file: None,
        })
    }

    fn write(&mut self, text: &str) {
        if let Some((file, _)) = &mut self.file {
            // A log that cannot be written must not stop an upgrade halfway.
            let _ = file.write_all(text.as_bytes());
        }
    }
}

impl Observer for StepLog {
    fn step_started(&mut self, dir: &str) {
        self.steps += 1;
        let path = self.dir.join(format!("{:02}-{dir}.log", self.steps));
        self.file = File::create(path).ok().map(|f| (f, Instant::now()));
        self.write(&format!(
            "# {dir}: started {}\n",
            govup_engine::history::now()
        ));
    }

    fn statement_done(&mut self, e: &StatementEvent<'_>) {
        let schema = e.schema.unwrap_or("(default)");
        let took = match e.batch {
            1 => format!("{} ms", e.duration.as_millis()),
            n => format!(
                "sent with {} other(s), {} ms for all",
                n - 1,
                e.duration.as_millis()
            ),
        };
        let mut text = format!(
            "\n-- {}:{} in {schema}, {took}\n{};\n",
            e.path, e.line, e.text
        );
        if let Some(error) = e.error {
            text += &format!("-- FAILED: {error}\n");
        }
        self.write(&text);
    }

    fn patch_done(&mut self, report: &PatchReport) {
        let line = match &report.outcome {
            Outcome::Applied {
                statements,
                duration,
            } => {
                format!(
                    "-- applied {}: {statements} statement(s), {} ms\n",
                    report.path,
                    duration.as_millis()
                )
            }
            Outcome::Resumed {
                from_statement,
                statements,
                duration,
            } => format!(
                "-- resumed {} at statement {from_statement}: {statements} statement(s), {} ms\n",
                report.path,
                duration.as_millis()
            ),
            Outcome::AlreadyApplied => format!("-- already applied {}\n", report.path),
            _ => return,
        };
        self.write(&line);
    }

    fn step_done(&mut self, dir: &str) {
        let took = self
            .file
            .as_ref()
            .map(|(_, t)| t.elapsed().as_millis())
            .unwrap_or(0);
        self.write(&format!("\n# {dir}: done in {took} ms\n"));
        self.file = None;
    }

    fn note(&mut self, text: &str) {
        self.write(&format!("# {text}\n"));
    }
}

/// Two observers fed the same events.
pub struct Tee<A, B>(pub A, pub B);

impl<A: Observer, B: Observer> Observer for Tee<A, B> {
    fn started(&mut self, runs: usize, statements: usize) {
        self.0.started(runs, statements);
        self.1.started(runs, statements);
    }
    fn step_started(&mut self, dir: &str) {
        self.0.step_started(dir);
        self.1.step_started(dir);
    }
    fn statement_done(&mut self, e: &StatementEvent<'_>) {
        self.0.statement_done(e);
        self.1.statement_done(e);
    }
    fn patch_done(&mut self, r: &PatchReport) {
        self.0.patch_done(r);
        self.1.patch_done(r);
    }
    fn step_done(&mut self, dir: &str) {
        self.0.step_done(dir);
        self.1.step_done(dir);
    }
    fn note(&mut self, text: &str) {
        self.0.note(text);
        self.1.note(text);
    }
}
