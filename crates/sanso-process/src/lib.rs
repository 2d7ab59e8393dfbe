//! The one runner of external programs: `nft`, `ip`, `conntrackd`.
//!
//! sanso talks to the kernel over netlink where it can; what is left to
//! programs (reading the table back with `nft -j`, loading a table text,
//! creating namespaces and veth links with `ip`, telling `conntrackd` about a
//! failover) runs through [`Command::run`], which
//!
//! - runs a program with arguments, in a named network namespace when one is
//!   given (`ip netns exec NAME program args`, as `ip` itself does it);
//! - feeds it `stdin` when given (from a thread, so a program that writes
//!   while it reads cannot deadlock against us), else `/dev/null`;
//! - kills it when it runs longer than its timeout ([`DEFAULT_TIMEOUT`]
//!   unless the caller says otherwise): a hung `nft` never hangs the daemon;
//! - captures stdout up to a cap ([`DEFAULT_MAX_OUTPUT`]; more is an error,
//!   and the program is stopped) and stderr up to [`MAX_STDERR`] (more is
//!   cut, noted in the text);
//! - returns stdout when the program exits 0, else one [`ProcessError`],
//!   whose text comes from the message catalogue (`process.ftl`).
//!
//! It is the only place in the workspace's libraries and binary that starts
//! a process to completion. Not here: tests and benches (small helpers of
//! their own), the daemon's alert command (asynchronous, on tokio, with its
//! own bound in `sanso-daemon/src/monitor.rs`) and the debug-build test hook
//! of `sanso apply`.

use std::ffi::{OsStr, OsString};
use std::io::{self, Read, Write};
use std::process::{Child, ChildStderr, ChildStdout, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sanso_i18n::{t_in, Lang};

/// How long a program may run unless its caller says otherwise. Generous:
/// `nft -f` of a 100,000-flow ruleset (149 MB of text) takes about a minute
/// (docs/benchmarks.md); what it bounds is a program that never returns.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The most stdout kept unless the caller says otherwise: the JSON listing of
/// a 100,000-flow table fits; a runaway program does not eat the daemon's
/// memory.
pub const DEFAULT_MAX_OUTPUT: usize = 1 << 30;

/// The most stderr kept (the head; the rest is counted and left out).
pub const MAX_STDERR: usize = 64 * 1024;

/// A program to run: build it, then [`Command::run`] it.
#[derive(Debug)]
pub struct Command {
    program: OsString,
    args: Vec<OsString>,
    netns: Option<String>,
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
    max_output: usize,
}

impl Command {
    /// `program` (looked up in `PATH`), no arguments, in the current
    /// namespace, with the default bounds.
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Command {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            netns: None,
            env: Vec::new(),
            stdin: None,
            timeout: DEFAULT_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Runs it inside the network namespace `name` (`ip netns exec NAME`);
    /// `None`: the current one.
    pub fn netns(mut self, name: Option<&str>) -> Self {
        self.netns = name.map(str::to_owned);
        self
    }

    /// Sets an environment variable for the program.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Feeds `input` on stdin (else stdin is `/dev/null`).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Kills the program after `limit` ([`DEFAULT_TIMEOUT`] otherwise).
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// Stops the program once it printed more than `bytes` on stdout
    /// ([`DEFAULT_MAX_OUTPUT`] otherwise).
    pub fn max_output(mut self, bytes: usize) -> Self {
        self.max_output = bytes;
        self
    }

    /// The command line as messages show it (`ip netns exec NS nft -f -`).
    pub fn command_line(&self) -> String {
        let (program, args) = self.argv();
        std::iter::once(program)
            .chain(args.iter().map(OsString::as_os_str))
            .map(OsStr::to_string_lossy)
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn argv(&self) -> (&OsStr, Vec<OsString>) {
        match &self.netns {
            Some(ns) => {
                let mut args: Vec<OsString> = vec!["netns".into(), "exec".into(), ns.into()];
                args.push(self.program.clone());
                args.extend(self.args.iter().cloned());
                (OsStr::new("ip"), args)
            }
            None => (&self.program, self.args.clone()),
        }
    }

    /// Runs the program to completion within the bounds: its stdout (lossy
    /// UTF-8) when it exits 0.
    pub fn run(mut self) -> Result<String, ProcessError> {
        let command = self.command_line();
        let (program, args) = self.argv();
        let mut cmd = std::process::Command::new(program);
        cmd.args(&args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|source| ProcessError::Spawn {
            command: command.clone(),
            error: source.to_string(),
        })?;
        let deadline = Instant::now() + self.timeout;

        if let (Some(input), Some(mut pipe)) = (self.stdin.take(), child.stdin.take()) {
            // A program that stops reading (it failed, or needs no input)
            // closes the pipe: its exit status says what happened, not the
            // broken pipe. Dropping the pipe closes it: end of input.
            let _ = std::thread::Builder::new()
                .name("process stdin".into())
                .spawn(move || {
                    let _ = pipe.write_all(&input);
                })
                .map_err(|e| {
                    kill(&mut child);
                    ProcessError::Spawn {
                        command: command.clone(),
                        error: e.to_string(),
                    }
                })?;
        }

        let too_much = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let readers = read_pipes(
            child.stdout.take(),
            child.stderr.take(),
            self.max_output,
            &too_much,
            &tx,
        );
        drop(tx);
        if let Err(e) = readers {
            kill(&mut child);
            return Err(ProcessError::Spawn {
                command,
                error: e.to_string(),
            });
        }

        let status = match wait(&mut child, deadline, &too_much) {
            Waited::Exited(status) => status,
            Waited::TooMuch => {
                return Err(ProcessError::TooMuchOutput {
                    command,
                    bytes: self.max_output as u64,
                })
            }
            Waited::TimedOut => return Err(self.timed_out(command)),
            Waited::Error(e) => {
                return Err(ProcessError::Spawn {
                    command,
                    error: e.to_string(),
                })
            }
        };

        // The program is gone; what it printed is in the pipes. Only a
        // descendant holding them open keeps the readers waiting, and not
        // past the deadline.
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        for _ in 0..2 {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left.max(Duration::from_millis(100))) {
                Ok((Stream::Stdout, bytes)) => stdout = bytes,
                Ok((Stream::Stderr, bytes)) => stderr = bytes,
                Err(_) => return Err(self.timed_out(command)),
            }
        }
        if too_much.load(Ordering::Relaxed) {
            return Err(ProcessError::TooMuchOutput {
                command,
                bytes: self.max_output as u64,
            });
        }
        if !status.success() {
            return Err(ProcessError::Failed {
                command,
                status: status.to_string(),
                stderr: String::from_utf8_lossy(&stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&stdout).into_owned())
    }

    fn timed_out(&self, command: String) -> ProcessError {
        ProcessError::TimedOut {
            command,
            seconds: self.timeout.as_secs_f64(),
        }
    }
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// One reader thread per pipe; each sends what it read when its pipe ends.
fn read_pipes(
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    max_output: usize,
    too_much: &Arc<AtomicBool>,
    tx: &mpsc::Sender<(Stream, Vec<u8>)>,
) -> io::Result<()> {
    let over = Arc::clone(too_much);
    let out_tx = tx.clone();
    std::thread::Builder::new()
        .name("process stdout".into())
        .spawn(move || {
            let bytes = match stdout {
                Some(pipe) => {
                    let (bytes, more) = read_capped(pipe, max_output, false);
                    if more > 0 {
                        over.store(true, Ordering::Relaxed);
                    }
                    bytes
                }
                None => Vec::new(),
            };
            let _ = out_tx.send((Stream::Stdout, bytes));
        })?;
    let err_tx = tx.clone();
    std::thread::Builder::new()
        .name("process stderr".into())
        .spawn(move || {
            let bytes = match stderr {
                Some(pipe) => {
                    let (mut bytes, more) = read_capped(pipe, MAX_STDERR, true);
                    if more > 0 {
                        let note = t_in!(sanso_i18n::lang(), "process-stderr-cut", bytes = more);
                        bytes.extend_from_slice(note.as_bytes());
                    }
                    bytes
                }
                None => Vec::new(),
            };
            let _ = err_tx.send((Stream::Stderr, bytes));
        })?;
    Ok(())
}

/// Reads `pipe` to its end keeping at most `cap` bytes; returns them and how
/// many more there were. With `drain` false it stops at the first byte over
/// the cap (and reports 1), closing the pipe.
fn read_capped(mut pipe: impl Read, cap: usize, drain: bool) -> (Vec<u8>, u64) {
    let mut kept = Vec::new();
    let mut more = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                if n > room {
                    more += (n - room) as u64;
                    if !drain {
                        break;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    (kept, more)
}

enum Waited {
    Exited(ExitStatus),
    TooMuch,
    TimedOut,
    Error(io::Error),
}

/// Waits for the child, killing it at the deadline or once its stdout is
/// over the cap.
fn wait(child: &mut Child, deadline: Instant, too_much: &AtomicBool) -> Waited {
    let mut pause = Duration::from_millis(1);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Waited::Exited(status),
            Ok(None) => {}
            Err(e) => {
                kill(child);
                return Waited::Error(e);
            }
        }
        if too_much.load(Ordering::Relaxed) {
            kill(child);
            return Waited::TooMuch;
        }
        let now = Instant::now();
        if now >= deadline {
            kill(child);
            return Waited::TimedOut;
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Why a program did not give its output.
#[derive(Clone, Debug, PartialEq)]
pub enum ProcessError {
    /// It could not be started (not installed, not executable), or waiting
    /// for it failed; `error` is the system's reason.
    Spawn { command: String, error: String },
    /// It exited with a failure; `stderr` is what it said (trimmed, capped).
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    /// It ran past its timeout and was killed.
    TimedOut { command: String, seconds: f64 },
    /// It printed more than its cap on stdout and was stopped.
    TooMuchOutput { command: String, bytes: u64 },
}

impl ProcessError {
    /// The command line, as [`Command::command_line`] gives it.
    pub fn command(&self) -> &str {
        match self {
            ProcessError::Spawn { command, .. }
            | ProcessError::Failed { command, .. }
            | ProcessError::TimedOut { command, .. }
            | ProcessError::TooMuchOutput { command, .. } => command,
        }
    }

    /// What the program said on stderr, when it exited with a failure.
    pub fn stderr(&self) -> Option<&str> {
        match self {
            ProcessError::Failed { stderr, .. } => Some(stderr),
            _ => None,
        }
    }

    /// The message in `lang`.
    pub fn text_in(&self, lang: Lang) -> String {
        match self {
            ProcessError::Spawn { command, error } => {
                t_in!(lang, "process-spawn", command = command, error = error)
            }
            ProcessError::Failed {
                command,
                status,
                stderr,
            } => t_in!(
                lang,
                "process-failed",
                command = command,
                status = status,
                stderr = stderr
            ),
            ProcessError::TimedOut { command, seconds } => t_in!(
                lang,
                "process-timed-out",
                command = command,
                seconds = format!("{seconds}")
            ),
            ProcessError::TooMuchOutput { command, bytes } => t_in!(
                lang,
                "process-too-much-output",
                command = command,
                bytes = *bytes
            ),
        }
    }
}

impl std::fmt::Display for ProcessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// The system's reason is part of the message: no source to print twice.
impl std::error::Error for ProcessError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdout_of_a_program_that_succeeds() {
        let out = Command::new("sh")
            .args(["-c", "printf '%s' \"$X\"; cat"])
            .env("X", "a ")
            .stdin("b")
            .run()
            .expect("runs");
        assert_eq!(out, "a b");
    }

    #[test]
    fn a_failure_carries_status_and_stderr() {
        let err = Command::new("sh")
            .args(["-c", "echo ' oops ' >&2; exit 3"])
            .run()
            .expect_err("fails");
        assert_eq!(err.stderr(), Some("oops"));
        assert_eq!(
            err.to_string(),
            "`sh -c echo ' oops ' >&2; exit 3` failed (exit status: 3): oops"
        );
    }

    #[test]
    fn a_missing_program_cannot_be_run() {
        let err = Command::new("sanso-no-such-program")
            .run()
            .expect_err("missing");
        assert!(matches!(err, ProcessError::Spawn { .. }), "{err:?}");
        assert!(err
            .to_string()
            .starts_with("could not run `sanso-no-such-program`: "));
    }

    #[test]
    fn a_hung_program_is_killed_at_its_timeout() {
        let start = Instant::now();
        let err = Command::new("sleep")
            .arg("30")
            .timeout(Duration::from_millis(200))
            .run()
            .expect_err("times out");
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(
            err,
            ProcessError::TimedOut {
                command: "sleep 30".into(),
                seconds: 0.2
            }
        );
        assert_eq!(
            err.to_string(),
            "`sleep 30` did not finish within 0.2 s and was killed"
        );
    }

    #[test]
    fn a_program_that_does_not_read_its_input_is_fine() {
        let out = Command::new("true")
            .stdin(vec![b'x'; 1 << 20])
            .run()
            .expect("runs");
        assert_eq!(out, "");
    }

    #[test]
    fn large_input_and_output_do_not_deadlock() {
        let input = "0123456789abcdef".repeat(64 * 1024);
        let out = Command::new("cat")
            .stdin(input.clone())
            .run()
            .expect("runs");
        assert_eq!(out, input);
    }

    #[test]
    fn stdout_over_the_cap_stops_the_program() {
        let start = Instant::now();
        let err = Command::new("yes")
            .max_output(1000)
            .run()
            .expect_err("too much");
        assert!(start.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            err,
            ProcessError::TooMuchOutput { bytes: 1000, .. }
        ));
        assert_eq!(
            err.to_string(),
            "`yes` printed more than 1000 bytes and was stopped"
        );
    }

    #[test]
    fn stderr_is_cut_and_says_so() {
        let err = Command::new("sh")
            .args(["-c", "head -c 100000 /dev/zero | tr '\\0' e >&2; exit 1"])
            .run()
            .expect_err("fails");
        let stderr = err.stderr().expect("stderr");
        assert!(stderr.starts_with(&"e".repeat(MAX_STDERR)));
        assert!(stderr.ends_with(&format!("… ({} more bytes left out)", 100_000 - MAX_STDERR)));
    }

    #[test]
    fn a_namespace_runs_the_program_through_ip_netns_exec() {
        let cmd = Command::new("nft")
            .args(["-f", "-"])
            .netns(Some("sanso-1-x"));
        assert_eq!(cmd.command_line(), "ip netns exec sanso-1-x nft -f -");
        assert_eq!(
            Command::new("nft").netns(None).arg("-j").command_line(),
            "nft -j"
        );
    }
}
