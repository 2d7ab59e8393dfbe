//! The daemon's policy file watch, with the daemon as a real process (this
//! test binary re-executed with the ignored `daemon_child` test) and a fake
//! kernel that writes each applied revision to `applied.log`, so it runs
//! without root. As root (as in CI) it also asks `sanso status` over the
//! control socket, which serves root only.
//!
//! - A file written in place, even one that stays half-written for many
//!   looks, is reported once per content and not applied; SIGHUP applies it.
//! - A file replaced by a rename is applied; a missing file is harmless.
//! - A FIFO at the policy path is reported, and neither the watch, `status`
//!   nor SIGTERM waits for it.
//! - A client's file name reaches status and the log escaped.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sanso_daemon::client;
use sanso_daemon::kernel::{CounterValue, Kernel, KernelError, Neighbour};
use sanso_daemon::protocol::{DaemonStatus, Request, Response};
use sanso_ir::Ruleset;
use sanso_nft::conformance::TableShape;
use sanso_nft::readback::{LiveTable, TablePresence};

const WATCH: Duration = Duration::from_millis(100);
/// Long enough for the watch to look many times.
const MANY_LOOKS: Duration = Duration::from_millis(1500);

fn is_root() -> bool {
    sanso_testkit::root("network namespaces, nftables or mounts")
}

/// The daemon's test policy at `revision`; with `until`, the `maint` flow
/// (a contractor's) is bounded by it.
fn policy_text(revision: &str, until: Option<&str>) -> String {
    let until = until
        .map(|u| format!("until = \"{u}\""))
        .unwrap_or_default();
    include_str!("fixtures/test-city.toml")
        .replace("@REVISION@", revision)
        .replace("@UNTIL@", &until)
}

/// The kernel of the child: what it applied goes to `applied.log`, one
/// revision a line; the table reads back with the shape of the last apply.
struct LoggingKernel {
    log: PathBuf,
    shape: Mutex<Option<TableShape>>,
}

impl Kernel for LoggingKernel {
    fn apply(&self, ruleset: &Ruleset, _text: &str) -> Result<(), KernelError> {
        *self.shape.lock().expect("lock") = Some(sanso_nft::conformance::expected_shape(ruleset));
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("applied.log");
        writeln!(log, "{}", ruleset.revision.as_deref().unwrap_or("-")).expect("write");
        Ok(())
    }

    fn read_table(&self) -> Result<LiveTable, KernelError> {
        Ok(match &*self.shape.lock().expect("lock") {
            Some(shape) => sanso_nft::conformance::table_with_shape(shape, "applied"),
            None => LiveTable {
                presence: TablePresence::Absent,
                comment: None,
                objects: Default::default(),
                sets: Default::default(),
                chains: Default::default(),
                text: String::new(),
                ..sanso_nft::conformance::table_with_shape(
                    &sanso_daemon::kernel::fallback_shape(),
                    "",
                )
            },
        })
    }

    fn load_table_text(&self, listing: &str) -> Result<(), KernelError> {
        *self.shape.lock().expect("lock") = (listing == sanso_daemon::kernel::FALLBACK_RULESET)
            .then(sanso_daemon::kernel::fallback_shape);
        Ok(())
    }

    fn counters(&self) -> Result<Vec<CounterValue>, KernelError> {
        Ok(Vec::new())
    }

    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError> {
        Ok(Vec::new())
    }
}

/// Runs as the daemon process when re-executed by [`Daemon::start`].
#[test]
#[ignore = "helper: the daemon process of the policy file tests, started by them"]
fn daemon_child() {
    let Some(dir) = std::env::var_os("SANSO_TEST_POLICY_FILE_DIR").map(PathBuf::from) else {
        return;
    };
    sanso_daemon::init_logging();
    let config = sanso_daemon::DaemonConfig {
        settings: sanso_daemon::Settings {
            policy_path: dir.join("policy.toml"),
            state_dir: dir.join("state"),
            netns: None,
            drift_interval: Duration::from_secs(3600),
            drift_action: sanso_daemon::DriftAction::Report,
            drift_full_every: sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY,
            neighbour_interval: Duration::from_secs(3600),
        },
        socket_path: dir.join("sanso.sock"),
        metrics: None,
        metrics_options: sanso_daemon::metrics::MetricsOptions::default(),
        audit_syslog: None,
        watch_interval: WATCH,
        monitor: sanso_daemon::monitor::MonitorConfig::default(),
    };
    let kernel = Arc::new(LoggingKernel {
        log: dir.join("applied.log"),
        shape: Mutex::new(None),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(sanso_daemon::serve(config, kernel))
        .expect("daemon");
}

/// The daemon child; killed on drop.
struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(dir: &Path) -> Daemon {
        let log = std::fs::File::create(dir.join("daemon.log")).expect("log file");
        let child = Command::new(std::env::current_exe().expect("test exe"))
            .args([
                "daemon_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SANSO_TEST_POLICY_FILE_DIR", dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn daemon");
        Daemon {
            child,
            dir: dir.to_owned(),
        }
    }

    fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: kill with a pid we own and a valid signal number.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill");
    }

    /// Revisions applied so far, in order.
    fn applied(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("applied.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    /// Lines of the log holding `needle`.
    fn log_count(&self, needle: &str) -> usize {
        self.log().lines().filter(|l| l.contains(needle)).count()
    }

    fn wait_applied(&self, revision: &str) {
        wait_for(
            Duration::from_secs(10),
            &format!("{revision} applied"),
            || self.applied().last().map(String::as_str) == Some(revision),
        );
    }

    /// `sanso status`, root only; it must answer within 5 s.
    fn status(&self) -> Option<DaemonStatus> {
        if !is_root() {
            return None;
        }
        let start = Instant::now();
        let answer = client::request(
            &self.dir.join("sanso.sock"),
            &Request::Status,
            Duration::from_secs(5),
        );
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "status took {:?}",
            start.elapsed()
        );
        match answer.expect("status answered") {
            Response::Status(status) => Some(*status),
            other => panic!("status: {other:?}"),
        }
    }

    fn status_revision(&self) -> Option<Option<String>> {
        self.status().map(|s| s.policy.and_then(|p| p.revision))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("daemon log:\n{}", self.log());
        }
    }
}

fn wait_for(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(check(), "timed out after {limit:?} waiting for {what}");
}

/// Writes `text` into the existing file, as `cat > policy.toml` or an
/// editor writing in place does: the same inode, truncated, then written.
fn write_in_place(path: &Path, text: &str) {
    use std::os::unix::fs::MetadataExt;
    let before = std::fs::metadata(path).expect("stat").ino();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .expect("open in place");
    file.write_all(text.as_bytes()).expect("write");
    assert_eq!(std::fs::metadata(path).expect("stat").ino(), before);
}

/// Writes `text` to a new file beside `path`, then renames it over `path`.
fn replace(path: &Path, text: &str) {
    let new = path.with_extension("toml.new");
    std::fs::write(&new, text).expect("write new file");
    std::fs::rename(&new, path).expect("rename over the policy");
}

fn mkfifo(path: &Path) {
    let c_path =
        std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path without NUL");
    // SAFETY: a valid NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
}

const IN_PLACE: &str = "policy file changed in place";

#[test]
fn the_watch_applies_replaced_files_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, policy_text("r1", None)).expect("write");
    let daemon = Daemon::start(dir.path());
    daemon.wait_applied("r1");
    if let Some(revision) = daemon.status_revision() {
        assert_eq!(revision.as_deref(), Some("r1"));
    }

    // A writer stalls in the middle of r2, just before the `until` that
    // bounds the contractor's flow: the part is a valid policy in which that
    // flow is permanent. It stays like that for many looks.
    let r2 = policy_text("r2", Some("2027-03-31"));
    // (The fixture's header comment names `until =` too: the last one.)
    let cut = r2.rfind("until =").expect("until line");
    write_in_place(&policy, &r2[..cut]);
    std::thread::sleep(MANY_LOOKS);
    assert_eq!(daemon.applied(), ["r1"], "a half-written file was applied");
    // Reported once per content, not at every look. A look may fall between
    // the truncation and the write (an empty file is another content): then
    // twice.
    let first = daemon.log_count(IN_PLACE);
    assert!(
        (1..=2).contains(&first),
        "{first} reports: {}",
        daemon.log()
    );
    if let Some(revision) = daemon.status_revision() {
        assert_eq!(revision.as_deref(), Some("r1"));
    }
    // The writer finishes, still in place: reported again (another
    // content), still not applied.
    write_in_place(&policy, &r2);
    std::thread::sleep(MANY_LOOKS);
    assert_eq!(daemon.applied(), ["r1"]);
    let second = daemon.log_count(IN_PLACE);
    assert!(
        second > first && second <= first + 2,
        "{first} then {second} reports: {}",
        daemon.log()
    );
    // An explicit reload applies it as it is.
    daemon.signal(libc::SIGHUP);
    daemon.wait_applied("r2");

    // A file replaced by a rename is applied.
    replace(&policy, &policy_text("r3", None));
    daemon.wait_applied("r3");
    if let Some(revision) = daemon.status_revision() {
        assert_eq!(revision.as_deref(), Some("r3"));
    }

    // A missing file (between an editor's unlink and create) is harmless.
    std::fs::remove_file(&policy).expect("remove");
    std::thread::sleep(MANY_LOOKS);
    assert_eq!(daemon.applied(), ["r1", "r2", "r3"]);
    assert_eq!(daemon.log_count("cannot be read"), 0, "{}", daemon.log());
    replace(&policy, &policy_text("r4", None));
    daemon.wait_applied("r4");

    // A FIFO renamed over the policy: reported once, and nothing waits for
    // a writer: status answers, the watch goes on, SIGTERM ends the daemon.
    let fifo = dir.path().join("policy.fifo");
    mkfifo(&fifo);
    std::fs::rename(&fifo, &policy).expect("rename the FIFO over the policy");
    std::thread::sleep(MANY_LOOKS);
    assert_eq!(
        daemon.log_count("is a FIFO (named pipe), not a regular file"),
        1,
        "{}",
        daemon.log()
    );
    if let Some(revision) = daemon.status_revision() {
        assert_eq!(revision.as_deref(), Some("r4"));
    }
    replace(&policy, &policy_text("r5", None));
    daemon.wait_applied("r5");
    mkfifo(&fifo);
    std::fs::rename(&fifo, &policy).expect("rename the FIFO over the policy");
    std::thread::sleep(MANY_LOOKS);
    daemon.status();
    // An explicit reload reads it too: refused at once, naming the FIFO;
    // the actor does not wait for a writer.
    if is_root() {
        let start = Instant::now();
        let answer = client::request(
            &dir.path().join("sanso.sock"),
            &Request::reload(),
            Duration::from_secs(15),
        );
        assert!(start.elapsed() < Duration::from_secs(15));
        match answer.expect("reload answered") {
            Response::Error { message } => assert!(
                message.contains("is a FIFO (named pipe), not a regular file"),
                "{message}"
            ),
            other => panic!("a FIFO must be refused: {other:?}"),
        }
        daemon.status();
    }
    assert_eq!(daemon.applied(), ["r1", "r2", "r3", "r4", "r5"]);
    let mut daemon = daemon;
    daemon.signal(libc::SIGTERM);
    wait_for(
        Duration::from_secs(5),
        "the daemon to exit on SIGTERM",
        || matches!(daemon.child.try_wait(), Ok(Some(_))),
    );
}

#[test]
fn a_clients_file_name_reaches_status_and_the_log_escaped() {
    if !is_root() {
        eprintln!("skipped: needs root (the control socket serves root only)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, policy_text("r1", None)).expect("write");
    let daemon = Daemon::start(dir.path());
    daemon.wait_applied("r1");
    let socket = dir.path().join("sanso.sock");
    let forged = "x.toml\nINFO sanso_daemon: forged \x1b[2J\x1b[31mline";
    let answer = client::request(
        &socket,
        &Request::Apply {
            file: forged.to_owned(),
            text: policy_text("r2", None),
            confirm_seconds: 60,
            attribution: Default::default(),
        },
        Duration::from_secs(10),
    )
    .expect("apply answered");
    assert!(matches!(answer, Response::Done { .. }), "{answer:?}");
    daemon.wait_applied("r2");
    let escaped = "x.toml\\nINFO sanso_daemon: forged \\u{1b}[2J\\u{1b}[31mline";
    let status = daemon.status().expect("root");
    assert_eq!(status.policy.expect("applied").file, escaped);
    let answer = client::request(&socket, &Request::confirm(), Duration::from_secs(10))
        .expect("confirm answered");
    assert!(matches!(answer, Response::Done { .. }), "{answer:?}");
    let log = daemon.log();
    assert!(!log.contains('\x1b'), "raw ESC in the log:\n{log}");
    assert!(
        !log.lines()
            .any(|l| l.starts_with("INFO sanso_daemon: forged")),
        "forged line in the log:\n{log}"
    );
}

#[test]
fn a_request_over_the_limit_is_refused_as_such() {
    if !is_root() {
        eprintln!("skipped: needs root (the control socket serves root only)");
        return;
    }
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("policy.toml"), policy_text("r1", None)).expect("write");
    let daemon = Daemon::start(dir.path());
    daemon.wait_applied("r1");
    let stream =
        std::os::unix::net::UnixStream::connect(dir.path().join("sanso.sock")).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut writer = stream.try_clone().expect("clone");
    // One byte over the limit, no line end; the daemon stops reading at the
    // limit, so the rest of the write may fail.
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&vec![b'x'; sanso_daemon::protocol::MAX_REQUEST_BYTES + 1]);
    });
    let mut answer = String::new();
    BufReader::new(&stream)
        .read_line(&mut answer)
        .expect("an answer");
    let _ = sender.join();
    let answer: Response = serde_json::from_str(&answer).expect("JSON answer");
    assert_eq!(
        answer,
        Response::Error {
            message: "request refused: larger than the control socket's limit of 8 MiB".into()
        }
    );
    assert!(daemon.status().is_some());
}
