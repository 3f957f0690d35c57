//! Running a command and measuring it: wall time, CPU time and peak RSS of the process tree it
//! started, read with `wait4` so that each run has its own numbers (`getrusage(RUSAGE_CHILDREN)`
//! only ever grows).

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One measured run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub wall: Duration,
    /// User plus system time of the command (and of whatever it waited for).
    pub cpu: Duration,
    /// Peak resident set size, in KiB.
    pub max_rss_kib: u64,
}

impl Sample {
    /// The samples of commands run one after another, as one.
    fn add(self, other: Sample) -> Sample {
        Sample {
            wall: self.wall + other.wall,
            cpu: self.cpu + other.cpu,
            max_rss_kib: self.max_rss_kib.max(other.max_rss_kib),
        }
    }
}

/// What a measured command reads on stdin.
pub enum Input<'a> {
    Nothing,
    File(&'a Path),
}

/// Where the stderr of measured commands goes, to quote it when one fails.
fn stderr_file() -> PathBuf {
    crate::root().join("target/bench-trees/last-stderr.txt")
}

/// Runs `cmd` to the end, stdout discarded, and measures it. A failure quotes its stderr.
pub fn run(cmd: &mut Command, input: Input<'_>) -> Result<Sample> {
    let log = stderr_file();
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let stdin = match input {
        Input::Nothing => Stdio::null(),
        Input::File(path) => File::open(path)
            .with_context(|| format!("cannot open {}", path.display()))?
            .into(),
    };
    cmd.stdin(stdin)
        .stdout(Stdio::null())
        .stderr(File::create(&log)?);
    let start = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    let (status, usage) = wait4(child.id())?;
    let wall = start.elapsed();
    if !status_ok(status) {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(6).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "{cmd:?} failed ({}):\n{}",
            describe_status(status),
            tail.join("\n")
        );
    }
    Ok(Sample {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    })
}

/// Runs commands one after another and measures them as one (a floor too long for one command
/// line is split into several `cat`s).
pub fn run_all(cmds: &mut [Command]) -> Result<Sample> {
    let mut total = Sample::default();
    for cmd in cmds {
        total = total.add(run(cmd, Input::Nothing)?);
    }
    Ok(total)
}

/// Runs a command that is setup or teardown, not measured; fails with its stderr.
pub fn quiet(cmd: &mut Command) -> Result<()> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Like [`quiet`], returning stdout.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait4(pid: u32) -> Result<(libc::c_int, libc::rusage)> {
    let pid = libc::pid_t::try_from(pid)?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, and all-zero is a valid value of it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std waits only when asked to), and
        // both out-pointers point to live locals.
        let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if got == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            bail!("wait4({pid}): {err}");
        }
    }
}

fn status_ok(status: libc::c_int) -> bool {
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
}

fn describe_status(status: libc::c_int) -> String {
    if libc::WIFEXITED(status) {
        format!("exit status {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("wait status {status}")
    }
}

fn timeval(t: libc::timeval) -> Duration {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let micros = u64::try_from(t.tv_usec).unwrap_or(0);
    Duration::from_secs(secs) + Duration::from_micros(micros)
}

/// The median of some samples' wall times (the upper one of an even count).
pub fn median(samples: &[Sample]) -> Duration {
    let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    walls.sort();
    walls.get(walls.len() / 2).copied().unwrap_or_default()
}

/// The largest peak RSS of some samples, in MiB.
pub fn peak_rss_mib(samples: &[Sample]) -> f64 {
    samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0
}

/// A duration for the table: milliseconds below ten seconds, seconds above.
pub fn show(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A ratio for the table: two decimals, and for a small one also as a fraction (`1/309`).
pub fn show_ratio(r: f64) -> String {
    if r >= 0.1 || r <= 0.0 || !r.is_finite() {
        format!("{r:.2}x")
    } else {
        format!("{r:.3}x (1/{:.0})", 1.0 / r)
    }
}

/// `n` with thousands separators: `5,050`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut groups: Vec<&str> = Vec::new();
    let mut end = digits.len();
    while end > 3 {
        groups.push(&digits[end - 3..end]);
        end -= 3;
    }
    groups.push(&digits[..end]);
    groups.reverse();
    groups.join(",")
}

/// `a / b` as a ratio for the table.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        f64::INFINITY
    } else {
        a.as_secs_f64() / b.as_secs_f64()
    }
}

/// A contender of an alternating benchmark: a name for messages and one measured run (it may
/// set up and tear down around the measured part; it gets the round number, 0 being the
/// unmeasured warm-up when there is one).
pub struct Contender<'a> {
    pub name: String,
    pub run: Box<dyn FnMut(usize) -> Result<Sample> + 'a>,
}

impl<'a> Contender<'a> {
    pub fn new(name: impl Into<String>, run: impl FnMut(usize) -> Result<Sample> + 'a) -> Self {
        Contender {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// Runs the contenders in turn, `rounds` times, reversing the order every other round so that
/// none always runs on a cache the other warmed. With `warmup`, one unmeasured round first.
/// Returns each contender's samples, in the order given.
pub fn alternate(
    rounds: usize,
    warmup: bool,
    contenders: &mut [Contender<'_>],
) -> Result<Vec<Vec<Sample>>> {
    let mut samples = vec![Vec::with_capacity(rounds); contenders.len()];
    let first = usize::from(!warmup);
    for round in first..=rounds {
        let started = std::time::Instant::now();
        let mut order: Vec<usize> = (0..contenders.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let c = &mut contenders[i];
            let sample = (c.run)(round).with_context(|| format!("{} (round {round})", c.name))?;
            if round > 0 {
                samples[i].push(sample);
            }
        }
        // Quick rounds go unannounced; slow ones show that the bench is alive.
        if started.elapsed() > Duration::from_secs(1) {
            eprintln!(
                "xtask:   round {round}/{rounds} done in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ratios_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(5050), "5,050");
        assert_eq!(count(135_000), "135,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(show_ratio(1.2345), "1.23x");
        assert_eq!(show_ratio(0.00324), "0.003x (1/309)");
    }
}
