//! The one process runner: every external tool asnn runs goes through here.
//!
//! Standard output and standard error are drained on their own threads while the
//! process runs, so a tool that writes more than a pipe buffer never blocks; an
//! optional timeout stops a process that hangs; a failure is a typed error carrying
//! the command line, the exit status and the tail of the output.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lines of output a [`ProcessError`] keeps.
pub const TAIL_LINES: usize = 40;

/// Why a process did not run to success.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("cannot run {what} ({command}): {error}; is it installed? (bash scripts/test.sh installs it)")]
    Spawn {
        what: String,
        command: String,
        error: std::io::Error,
    },
    #[error("{what} failed ({status}): {command}\n{tail}")]
    Failed {
        what: String,
        command: String,
        status: String,
        tail: String,
    },
    #[error("{what} did not finish within {seconds:.0} s and was stopped: {command}\n{tail}")]
    TimedOut {
        what: String,
        command: String,
        seconds: f64,
        tail: String,
    },
}

/// A finished process.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub seconds: f64,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// Standard output, then standard error.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// How to run one process.
pub struct Run<'a> {
    /// What it is, for messages ("yosys", "the board testbench").
    pub what: &'a str,
    /// Stop it after this long.
    pub timeout: Option<Duration>,
    /// Called about five times a second while it runs (progress).
    pub watch: Option<&'a mut dyn FnMut()>,
}

impl<'a> Run<'a> {
    pub fn new(what: &'a str) -> Self {
        Run {
            what,
            timeout: None,
            watch: None,
        }
    }

    pub fn timeout(mut self, t: Option<Duration>) -> Self {
        self.timeout = t;
        self
    }

    pub fn watch(mut self, f: &'a mut dyn FnMut()) -> Self {
        self.watch = Some(f);
        self
    }
}

/// The command line as a user would type it (for messages).
pub fn command_line(c: &Command) -> String {
    let mut parts = vec![c.get_program().to_string_lossy().to_string()];
    parts.extend(c.get_args().map(|a| {
        let a = a.to_string_lossy();
        if a.contains(' ') {
            format!("'{a}'")
        } else {
            a.to_string()
        }
    }));
    let line = parts.join(" ");
    match c.get_current_dir() {
        Some(d) => format!("(in {}) {line}", d.display()),
        None => line,
    }
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Output read so far by a draining thread.
type Shared = Arc<Mutex<Vec<u8>>>;

/// Reads `r` to its end on a thread, appending to a shared buffer as it goes (so a
/// timeout can report what came so far without waiting for the pipe to close).
fn drain<R: Read + Send + 'static>(r: Option<R>) -> (Shared, Option<JoinHandle<()>>) {
    let buf: Shared = Arc::default();
    let handle = r.map(|mut r| {
        let buf = Arc::clone(&buf);
        std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = r.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut b) = buf.lock() {
                    b.extend_from_slice(&chunk[..n]);
                }
            }
        })
    });
    (buf, handle)
}

fn text_of(buf: &Shared) -> String {
    buf.lock()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Runs `cmd` to its end (or its timeout). A non-zero exit is not an error here:
/// [`Output::success`] says; see [`run_checked`].
pub fn run(cmd: &mut Command, opts: Run) -> Result<Output, ProcessError> {
    let Run {
        what,
        timeout,
        mut watch,
    } = opts;
    let command = command_line(cmd);
    let t0 = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| ProcessError::Spawn {
            what: what.to_string(),
            command: command.clone(),
            error,
        })?;
    let (out, out_thread) = drain(child.stdout.take());
    let (err, err_thread) = drain(child.stderr.take());
    let waited = |error: std::io::Error| ProcessError::Spawn {
        what: what.to_string(),
        command: command.clone(),
        error,
    };
    let status = loop {
        if timeout.is_none() && watch.is_none() {
            break child.wait().map_err(waited)?;
        }
        if let Some(s) = child.try_wait().map_err(waited)? {
            break s;
        }
        if let Some(w) = watch.as_mut() {
            w();
        }
        if timeout.is_some_and(|t| t0.elapsed() > t) {
            let _ = child.kill();
            let _ = child.wait();
            // Not joined: a grandchild may still hold the pipes open.
            let text = format!("{}{}", text_of(&out), text_of(&err));
            return Err(ProcessError::TimedOut {
                what: what.to_string(),
                command,
                seconds: t0.elapsed().as_secs_f64(),
                tail: tail(&text, TAIL_LINES),
            });
        }
        std::thread::sleep(Duration::from_millis(if watch.is_some() {
            200
        } else {
            10
        }));
    };
    if let Some(w) = watch.as_mut() {
        w();
    }
    for t in [out_thread, err_thread].into_iter().flatten() {
        let _ = t.join();
    }
    Ok(Output {
        status,
        stdout: text_of(&out),
        stderr: text_of(&err),
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// As [`run`], with a non-zero exit an error carrying the output's tail.
pub fn run_checked(cmd: &mut Command, opts: Run) -> Result<Output, ProcessError> {
    let what = opts.what.to_string();
    let o = run(cmd, opts)?;
    if o.success() {
        Ok(o)
    } else {
        Err(ProcessError::Failed {
            what,
            command: command_line(cmd),
            status: o.status.to_string(),
            tail: tail(&o.text(), TAIL_LINES),
        })
    }
}

/// As [`run`], writing the combined output to `log` as well.
pub fn run_logged(cmd: &mut Command, what: &str, log: &Path) -> Result<Output, ProcessError> {
    let o = run(cmd, Run::new(what))?;
    let _ = std::fs::write(log, o.text());
    Ok(o)
}

/// The first non-empty line a tool prints for `arg` (its version), or "unknown".
pub fn first_line(tool: &Path, arg: &str) -> String {
    run(Command::new(tool).arg(arg), Run::new("a version query"))
        .ok()
        .and_then(|o| {
            o.text()
                .lines()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// A process left running in the background (the simulated board): its standard
/// output discarded, its standard error shown to the user.
pub struct Background {
    child: Child,
}

impl Background {
    pub fn start(cmd: &mut Command, what: &str) -> Result<Background, ProcessError> {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|error| ProcessError::Spawn {
                what: what.to_string(),
                command: command_line(cmd),
                error,
            })?;
        Ok(Background { child })
    }

    /// Its exit status, if it has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// SIGTERM, then up to `grace` for it to exit (then SIGKILL). Returns whether it
    /// stopped on SIGTERM.
    pub fn terminate(&mut self, grace: Duration) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let t0 = Instant::now();
        while self.exited().is_none() {
            if t0.elapsed() > grace {
                self.kill();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }

    pub fn kill(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    }

    #[test]
    fn a_process_that_fills_both_pipes_completes() {
        // 1 MB to stderr and 1 MB to stdout: more than a pipe buffer on each.
        let o = run(
            &mut sh("head -c 1000000 /dev/zero | tr '\\0' e >&2; head -c 1000000 /dev/zero | tr '\\0' o"),
            Run::new("a noisy process").timeout(Some(Duration::from_secs(60))),
        )
        .unwrap();
        assert!(o.success());
        assert_eq!((o.stdout.len(), o.stderr.len()), (1_000_000, 1_000_000));
    }

    #[test]
    fn a_hanging_process_is_stopped_by_the_timeout() {
        let t0 = Instant::now();
        let e = run(
            &mut sh("echo started; sleep 60"),
            Run::new("a hanging process").timeout(Some(Duration::from_millis(500))),
        )
        .unwrap_err();
        assert!(t0.elapsed() < Duration::from_secs(10));
        let msg = e.to_string();
        assert!(
            msg.contains("a hanging process did not finish within")
                && msg.contains("sleep 60")
                && msg.contains("started"),
            "{msg}"
        );
    }

    #[test]
    fn a_failure_names_the_command_status_and_tail() {
        let e = run_checked(
            &mut sh("for i in $(seq 100); do echo line$i; done; exit 3"),
            Run::new("a failing tool"),
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("a failing tool failed (exit status: 3)"),
            "{msg}"
        );
        assert!(
            msg.contains("line100") && !msg.contains("line60\n"),
            "{msg}"
        );
        let e = run(&mut Command::new("/nonexistent/tool"), Run::new("the tool")).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("cannot run the tool (/nonexistent/tool)"));
    }
}
