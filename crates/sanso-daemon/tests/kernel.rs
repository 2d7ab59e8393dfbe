//! The real daemon against the real kernel, in a throwaway network namespace
//! (root only; skipped, saying so, otherwise).
//!
//! The daemon runs as a child process (this test binary re-executed with the
//! ignored `daemon_child` test), entirely inside the namespace, so its
//! metrics listener on 127.0.0.1 is the namespace's loopback. The test
//! drives it with SIGHUP, the control socket and `kill -9`, and reads the
//! table with `ip netns exec NS nft`.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{policy, Netns};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

use sanso_daemon::client;
use sanso_daemon::protocol::{DaemonStatus, Request, Response};

fn is_root() -> bool {
    sanso_testkit::root("network namespaces, nftables or mounts")
}

/// The daemon child; killed (SIGKILL) on drop.
struct Daemon {
    child: Child,
}

impl Daemon {
    fn start(ns: &Netns, dir: &Path, metrics_port: u16, watch: &str) -> Daemon {
        Daemon::start_with(ns, dir, metrics_port, watch, &[])
    }

    /// Like [`Daemon::start`], with more `SANSO_TEST_CHILD_*` settings.
    fn start_with(
        ns: &Netns,
        dir: &Path,
        metrics_port: u16,
        watch: &str,
        env: &[(&str, String)],
    ) -> Daemon {
        let exe = std::env::current_exe().expect("test exe");
        let log = std::fs::File::create(dir.join(format!("daemon-{metrics_port}.log")))
            .expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.name])
            .arg(exe)
            .args([
                "daemon_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SANSO_TEST_CHILD_DIR", dir)
            .env("SANSO_TEST_CHILD_NETNS", &ns.name)
            .env(
                "SANSO_TEST_CHILD_METRICS",
                format!("127.0.0.1:{metrics_port}"),
            )
            .env("SANSO_TEST_CHILD_WATCH", watch)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn daemon");
        Daemon { child }
    }

    fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: kill with a pid we own and a valid signal number.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill");
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    fn kill9(&mut self) {
        self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs as the daemon process when re-executed by [`Daemon::start`].
#[test]
#[ignore = "helper: the daemon process of the kernel tests, started by them"]
fn daemon_child() {
    let Some(dir) = std::env::var_os("SANSO_TEST_CHILD_DIR").map(PathBuf::from) else {
        return;
    };
    let env = |k: &str| std::env::var(k).expect("child environment");
    let watch = Duration::from_millis(env("SANSO_TEST_CHILD_WATCH").parse().expect("ms"));
    sanso_daemon::init_logging();
    let mut config = common::daemon_config(
        &dir,
        env("SANSO_TEST_CHILD_NETNS"),
        env("SANSO_TEST_CHILD_METRICS").parse().expect("addr"),
    );
    config.watch_interval = watch;
    if let Ok(ms) = std::env::var("SANSO_TEST_CHILD_DRIFT_MS") {
        config.settings.drift_interval = Duration::from_millis(ms.parse().expect("ms"));
    }
    if let Ok(n) = std::env::var("SANSO_TEST_CHILD_FULL_EVERY") {
        config.settings.drift_full_every = n.parse().expect("n");
    }
    config.audit_syslog = std::env::var("SANSO_TEST_CHILD_SYSLOG")
        .ok()
        .map(|a| a.parse().expect("syslog addr"));
    sanso_daemon::run(config).expect("daemon");
}

fn ask(socket: &Path, request: &Request) -> Option<Response> {
    client::request(socket, request, Duration::from_secs(20)).ok()
}

fn status(socket: &Path) -> Option<DaemonStatus> {
    match ask(socket, &Request::Status)? {
        Response::Status(s) => Some(*s),
        _ => None,
    }
}

fn wait_for(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(check(), "timed out after {limit:?} waiting for {what}");
}

fn revision(socket: &Path) -> Option<String> {
    status(socket)?.policy?.revision
}

fn free_port() -> u16 {
    // A port number only; the daemon binds it inside the namespace.
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

/// GET /metrics from inside the namespace (a thread that enters it).
fn scrape(ns: &Netns, port: u16) -> String {
    let path = format!("/var/run/netns/{}", ns.name);
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("netns file");
        use std::os::fd::AsRawFd;
        // SAFETY: a valid namespace fd; only this short-lived thread changes namespace.
        assert_eq!(
            unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) },
            0,
            "setns"
        );
        let mut stream =
            std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect metrics");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\n\r\n")
            .expect("request");
        let mut body = String::new();
        stream.read_to_string(&mut body).expect("response");
        body
    })
    .join()
    .expect("scrape thread")
}

/// Replaces `path` atomically (a new file renamed over it), as editors and
/// configuration management do; the daemon's file watch applies only that.
fn replace_file(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// The audit records of the daemon run in `dir`, after checking the chain.
fn audit_records(dir: &Path) -> Vec<serde_json::Value> {
    let path = dir.join("state/audit.jsonl");
    let chain = sanso_daemon::audit::check_chain_file(&path).expect("read audit");
    assert!(chain.is_ok(), "audit chain: {chain:?}");
    std::fs::read_to_string(&path)
        .expect("audit")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

/// Starts a daemon on `policy("r1")` in a new namespace and waits for it.
fn started(purpose: &str) -> (Netns, tempfile::TempDir, Daemon) {
    let ns = Netns::create(purpose);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("policy.toml"), policy("r1")).expect("write");
    let daemon = Daemon::start(&ns, dir.path(), free_port(), "3600000");
    let socket = dir.path().join("sanso.sock");
    wait_for(Duration::from_secs(30), "the daemon to apply r1", || {
        revision(&socket).as_deref() == Some("r1")
    });
    (ns, dir, daemon)
}

/// `apply --confirm` of `policy(revision)` through the control socket.
fn apply_unconfirmed(socket: &Path, revision: &str, seconds: u64) {
    let request = Request::Apply {
        file: "candidate.toml".into(),
        text: policy(revision),
        confirm_seconds: seconds,
        attribution: Default::default(),
    };
    let answer = ask(socket, &request);
    assert!(matches!(answer, Some(Response::Done { .. })), "{answer:?}");
}

fn audit_events(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("state/audit.jsonl")).expect("audit");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let trigger = v["detail"]["trigger"].as_str().unwrap_or("").to_owned();
            (v["event"].as_str().unwrap_or("").to_owned(), trigger)
        })
        .collect()
}

#[test]
fn daemon_lifecycle_in_a_namespace() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let ns = Netns::create("dmn");
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("sanso.sock");
    let policy_file = dir.path().join("policy.toml");
    std::fs::write(&policy_file, policy("r1")).expect("write");

    // Start applies.
    let port = free_port();
    let mut daemon = Daemon::start(&ns, dir.path(), port, "3600000");
    wait_for(Duration::from_secs(30), "the daemon to apply r1", || {
        revision(&socket).as_deref() == Some("r1")
    });
    assert_eq!(ns.table_revision().as_deref(), Some("r1"));
    // The namespace has none of the policy's interfaces: status names them.
    let missing: Vec<String> = status(&socket)
        .expect("status")
        .missing_interfaces
        .iter()
        .map(|m| format!("{}:{}", m.zone, m.interface))
        .collect();
    assert_eq!(missing, ["lg:lg0", "ext:wan0"]);
    let last_good =
        std::fs::read_to_string(dir.path().join("state/last-good.nft")).expect("last good saved");
    assert!(last_good.contains("rev r1"));

    // A bad policy plus SIGHUP: refused, the old ruleset stays, the daemon lives.
    std::fs::write(
        &policy_file,
        policy("r2").replace("tier = \"lgwan\"", "tier = \"nosuch\""),
    )
    .expect("write");
    daemon.signal(libc::SIGHUP);
    wait_for(Duration::from_secs(20), "the refusal", || {
        status(&socket).is_some_and(|s| s.counts.refused == 1)
    });
    assert!(daemon.alive());
    assert_eq!(ns.table_revision().as_deref(), Some("r1"));
    assert_eq!(revision(&socket).as_deref(), Some("r1"));

    // A good one is applied.
    std::fs::write(&policy_file, policy("r2")).expect("write");
    daemon.signal(libc::SIGHUP);
    wait_for(Duration::from_secs(20), "r2 applied", || {
        revision(&socket).as_deref() == Some("r2")
    });
    assert_eq!(ns.table_revision().as_deref(), Some("r2"));

    // An unconfirmed apply is rolled back.
    let request = Request::Apply {
        file: "candidate.toml".into(),
        text: policy("r3"),
        confirm_seconds: 3,
        attribution: Default::default(),
    };
    assert!(matches!(
        ask(&socket, &request),
        Some(Response::Done { .. })
    ));
    assert_eq!(ns.table_revision().as_deref(), Some("r3"));
    wait_for(Duration::from_secs(15), "the rollback to r2", || {
        ns.table_revision().as_deref() == Some("r2")
    });
    assert_eq!(revision(&socket).as_deref(), Some("r2"));

    // A confirmed one stays.
    assert!(matches!(
        ask(&socket, &request),
        Some(Response::Done { .. })
    ));
    assert!(matches!(
        ask(&socket, &Request::confirm()),
        Some(Response::Done { .. })
    ));
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(ns.table_revision().as_deref(), Some("r3"));

    // Drift: a rule deleted behind the daemon's back is restored.
    let handle_of_forward_rule = {
        let out = Command::new("ip")
            .args([
                "netns", "exec", &ns.name, "nft", "-a", "list", "chain", "inet", "sanso", "forward",
            ])
            .output()
            .expect("nft -a");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .find(|l| l.contains("ct state established,related ct mark vmap @live"))
            .and_then(|l| l.rsplit("# handle ").next())
            .map(|h| h.trim().to_owned())
            .expect("a rule handle")
    };
    let ok = Command::new("ip")
        .args([
            "netns", "exec", &ns.name, "nft", "delete", "rule", "inet", "sanso", "forward",
            "handle",
        ])
        .arg(&handle_of_forward_rule)
        .status()
        .expect("nft delete rule")
        .success();
    assert!(ok);
    wait_for(
        Duration::from_secs(20),
        "drift detected and restored",
        || status(&socket).is_some_and(|s| s.counts.drift_restores >= 1),
    );
    assert!(ns
        .nft_list()
        .is_some_and(|t| t.contains("ct state established,related ct mark vmap @live")));

    // Metrics: the kernel counters and the daemon's counts.
    let metrics = scrape(&ns, port);
    assert!(metrics.starts_with("HTTP/1.0 200 OK"), "{metrics}");
    for line in [
        "sanso_kernel_counters_up 1",
        "sanso_refused_policies_total 1",
        "sanso_rollbacks_total 1",
        "sanso_missing_interfaces 2",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line:?} in\n{metrics}"
        );
    }
    assert!(
        metrics.contains("sanso_dropped_packets_total{src_zone=\"lg\",dst_zone=\"ext\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("sanso_last_apply_timestamp_seconds "));

    // kill -9 leaves the ruleset in place.
    daemon.kill9();
    assert_eq!(ns.table_revision().as_deref(), Some("r3"));

    // A new daemon continues the audit chain and reloads on file change.
    let port2 = free_port();
    let _daemon2 = Daemon::start(&ns, dir.path(), port2, "200");
    wait_for(Duration::from_secs(30), "the restarted daemon", || {
        revision(&socket).as_deref() == Some("r2")
    });
    replace_file(&policy_file, &policy("r5"));
    wait_for(Duration::from_secs(20), "r5 applied on file change", || {
        revision(&socket).as_deref() == Some("r5")
    });
    assert_eq!(ns.table_revision().as_deref(), Some("r5"));

    let chain = sanso_daemon::audit::check_chain_file(&dir.path().join("state/audit.jsonl"))
        .expect("read audit");
    assert!(chain.is_ok(), "audit chain: {chain:?}");
    let events = audit_events(dir.path());
    let has = |event: &str, trigger: &str| events.iter().any(|(e, t)| e == event && t == trigger);
    assert!(has("apply", "start"), "{events:?}");
    assert!(has("refused", "sighup"), "{events:?}");
    assert!(has("reload", "sighup"), "{events:?}");
    assert!(has("confirm-pending", ""), "{events:?}");
    assert!(has("rollback", ""), "{events:?}");
    assert!(has("confirm", ""), "{events:?}");
    assert!(has("drift", ""), "{events:?}");
    assert!(has("reload", "file-change"), "{events:?}");
    assert!(
        !has("refused", "file-change"),
        "a half-written file was read: {events:?}"
    );
}

/// `deploy/sanso-boot` in a namespace: the closed fallback without a saved
/// ruleset or with a corrupt one, the saved ruleset otherwise.
#[test]
fn boot_script_loads_last_good_or_the_closed_fallback() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let dir = tempfile::tempdir().expect("temp dir");
    let last_good = dir.path().join("last-good.nft");
    let boot = |ns: &Netns| {
        Command::new("ip")
            .args(["netns", "exec", &ns.name])
            .arg(deploy.join("sanso-boot"))
            .arg(&last_good)
            .arg(deploy.join("fallback.nft"))
            .output()
            .expect("sanso-boot")
    };

    let ns = Netns::create("boot");
    assert!(boot(&ns).status.success());
    let table = ns.nft_list().expect("fallback loaded");
    assert!(table.contains("sanso fallback: closed"), "{table}");
    assert!(
        table.contains("hook forward priority filter; policy drop;"),
        "{table}"
    );

    // A saved ruleset replaces the fallback (as at the next boot).
    let compiled = sanso_daemon::compile::compile(
        sanso_daemon::compile::PolicySource {
            file: "p.toml".into(),
            text: policy("saved"),
        },
        0,
    )
    .expect("valid");
    std::fs::write(&last_good, &compiled.text).expect("write");
    assert!(boot(&ns).status.success());
    assert_eq!(ns.table_revision().as_deref(), Some("saved"));

    // A corrupt one: the closed fallback, never an open gateway.
    let ns2 = Netns::create("boot");
    std::fs::write(&last_good, "table inet sanso { garbage").expect("write");
    let out = boot(&ns2);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ns2
        .nft_list()
        .expect("fallback")
        .contains("sanso fallback: closed"));
}

/// kill -9 inside a confirm window: boot comes up with the confirmed
/// ruleset (sanso-boot in a fresh namespace), and the next daemon rolls the
/// unconfirmed one back at once, even when its policy file no longer loads.
#[test]
fn a_daemon_killed_inside_a_confirm_window_never_leaves_the_unconfirmed_ruleset() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let (ns, dir, mut daemon) = started("cfk");
    let socket = dir.path().join("sanso.sock");
    apply_unconfirmed(&socket, "r2", 3600);
    assert_eq!(ns.table_revision().as_deref(), Some("r2"));
    daemon.kill9();
    assert_eq!(
        ns.table_revision().as_deref(),
        Some("r2"),
        "the kernel keeps what it has"
    );

    // A reboot: sanso-boot in a fresh namespace loads what was confirmed.
    let last_good = dir.path().join("state/last-good.nft");
    assert!(std::fs::read_to_string(&last_good)
        .expect("last good")
        .contains("rev r1"));
    let rebooted = Netns::create("cfb");
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy");
    let out = Command::new("ip")
        .args(["netns", "exec", &rebooted.name])
        .arg(deploy.join("sanso-boot"))
        .arg(&last_good)
        .arg(deploy.join("fallback.nft"))
        .output()
        .expect("sanso-boot");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(rebooted.table_revision().as_deref(), Some("r1"));

    // A restart: the policy file is broken now, so only the rollback can
    // take r2 out.
    std::fs::write(dir.path().join("policy.toml"), "not a policy").expect("write");
    let _daemon = Daemon::start(&ns, dir.path(), free_port(), "3600000");
    wait_for(Duration::from_secs(30), "the restarted daemon", || {
        status(&socket).is_some()
    });
    assert_eq!(ns.table_revision().as_deref(), Some("r1"));
    assert!(!dir.path().join("state/pending-confirm.json").exists());
    let records = audit_records(dir.path());
    let rollback = records
        .iter()
        .find(|r| r["event"] == "rollback")
        .expect("a rollback record");
    assert_eq!(rollback["detail"]["result"], "rolled-back");
    assert_eq!(
        rollback["detail"]["reason"],
        "the daemon restarted inside the confirm window"
    );
    assert_eq!(rollback["policy"]["revision"], "r1");
}

/// SIGTERM inside a confirm window rolls back, says so, and audits the stop.
#[test]
fn sigterm_inside_a_confirm_window_rolls_back_before_the_daemon_exits() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let (ns, dir, mut daemon) = started("cft");
    let socket = dir.path().join("sanso.sock");
    apply_unconfirmed(&socket, "r2", 3600);
    assert_eq!(ns.table_revision().as_deref(), Some("r2"));
    daemon.signal(libc::SIGTERM);
    wait_for(Duration::from_secs(30), "the daemon to exit", || {
        !daemon.alive()
    });
    assert_eq!(ns.table_revision().as_deref(), Some("r1"));
    let records = audit_records(dir.path());
    let events: Vec<&str> = records.iter().filter_map(|r| r["event"].as_str()).collect();
    assert_eq!(
        events[events.len() - 3..],
        ["intent", "rollback", "stop"],
        "{events:?}"
    );
    assert_eq!(records.last().expect("stop")["detail"]["signal"], "SIGTERM");
    let log = std::fs::read_to_string(
        std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().starts_with("daemon-"))
            .expect("daemon log")
            .path(),
    )
    .expect("log");
    assert!(log.contains("rolled back to kernel-test rev r1"), "{log}");
}

/// `flags dormant` switches the whole table off: the drift watch must see
/// it and restore the approved table.
#[test]
fn a_table_switched_dormant_is_drift_and_restored() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let (ns, dir, _daemon) = started("dor");
    let socket = dir.path().join("sanso.sock");
    ns.nft(&["add", "table", "inet", "sanso", "{ flags dormant; }"]);
    wait_for(
        Duration::from_secs(20),
        "the dormant table restored",
        || {
            ns.nft_list().is_some_and(|t| !t.contains("dormant"))
                && status(&socket).is_some_and(|s| s.counts.drift_restores >= 1)
        },
    );
    assert_eq!(ns.table_revision().as_deref(), Some("r1"));
    let records = audit_records(dir.path());
    assert!(
        records.iter().any(|r| r["event"] == "drift"),
        "no drift record"
    );
}

/// A directory holding an `nft` that logs each call (one line: its
/// arguments) to `nft.log` beside it, then runs the real one: put first on
/// a daemon's `PATH`, it counts the `nft` processes the daemon runs (also
/// through `ip netns exec NS nft`).
struct NftSpy {
    dir: tempfile::TempDir,
}

impl NftSpy {
    fn new() -> NftSpy {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::var("PATH").unwrap_or_default();
        let real = std::env::split_paths(&path)
            .map(|d| d.join("nft"))
            .find(|p| p.is_file())
            .expect("nft on PATH");
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("nft.log");
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        );
        let wrapper = dir.path().join("nft");
        std::fs::write(&wrapper, script).expect("write wrapper");
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        NftSpy { dir }
    }

    /// `PATH` with the wrapper first.
    fn path(&self) -> String {
        let rest = std::env::var("PATH").unwrap_or_default();
        format!("{}:{rest}", self.dir.path().display())
    }

    /// The `nft` calls logged so far.
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("nft.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Polls the daemon's counts until `done` holds; panics after `limit`.
fn counts_until(
    socket: &Path,
    limit: Duration,
    what: &str,
    done: impl Fn(&sanso_daemon::protocol::Counts) -> bool,
) -> sanso_daemon::protocol::Counts {
    let mut last = None;
    wait_for(limit, what, || {
        last = status(socket).map(|s| s.counts);
        last.as_ref().is_some_and(&done)
    });
    status(socket).map(|s| s.counts).expect("status")
}

/// The drift watch in its steady state reads the ruleset generation only
/// (one netlink round trip per tick) and runs no `nft`, nor does a metrics
/// scrape; a rule added or deleted by `nft` changes the generation and is
/// found and restored at the next tick (one read-back each).
#[test]
fn steady_drift_ticks_run_no_nft_and_outside_changes_are_still_restored() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let ns = Netns::create("gen");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("policy.toml"), policy("r1")).expect("write");
    let spy = NftSpy::new();
    let port = free_port();
    let _daemon = Daemon::start_with(
        &ns,
        dir.path(),
        port,
        "3600000",
        &[
            ("PATH", spy.path()),
            ("SANSO_TEST_CHILD_DRIFT_MS", "300".to_owned()),
            // No periodic full check in this test: only the generation can
            // trigger a read-back.
            ("SANSO_TEST_CHILD_FULL_EVERY", "1000000".to_owned()),
        ],
    );
    let socket = dir.path().join("sanso.sock");
    wait_for(Duration::from_secs(30), "the daemon to apply r1", || {
        revision(&socket).as_deref() == Some("r1")
    });
    assert!(
        !spy.calls().is_empty(),
        "the spy sees the start's read-back"
    );

    // Steady state: ticks, a scrape, and not one nft.
    let settled = counts_until(&socket, Duration::from_secs(30), "a first tick", |c| {
        c.drift_checks >= 1
    });
    let before = spy.calls().len();
    let metrics = scrape(&ns, port);
    assert!(metrics.contains("sanso_kernel_counters_up 1"), "{metrics}");
    // Counters read by the netlink dump: a series per zone pair.
    assert!(
        metrics.contains("sanso_dropped_packets_total{src_zone="),
        "{metrics}"
    );
    let steady = counts_until(&socket, Duration::from_secs(30), "five quiet ticks", |c| {
        c.drift_checks >= settled.drift_checks + 5
    });
    assert_eq!(
        steady.drift_full_checks, settled.drift_full_checks,
        "{steady:?}"
    );
    assert_eq!(
        spy.calls()[before..],
        [] as [String; 0],
        "nft in the steady state"
    );

    // (a) A rule added by nft: found at the next tick, restored.
    ns.nft(&[
        "add",
        "rule",
        "inet",
        "sanso",
        "forward",
        "meta",
        "mark",
        "0x5a5a",
        "accept",
        "comment",
        "\"outsider\"",
    ]);
    // The check after the restore runs over netlink; the tick after it
    // reads the table whole, once, as the expected table.
    let added = counts_until(
        &socket,
        Duration::from_secs(30),
        "the added rule restored",
        |c| {
            c.drift_restores > steady.drift_restores
                && c.drift_full_checks >= steady.drift_full_checks + 2
        },
    );
    assert_eq!(
        added.drift_full_checks,
        steady.drift_full_checks + 2,
        "the first full check after the change found it, the next read the restored table: {added:?}"
    );
    assert!(ns.nft_list().is_some_and(|t| !t.contains("outsider")));
    assert_eq!(ns.table_revision().as_deref(), Some("r1"));

    // (b) A rule deleted by nft: the same.
    let handle = {
        let out = Command::new("ip")
            .args([
                "netns", "exec", &ns.name, "nft", "-a", "list", "chain", "inet", "sanso", "forward",
            ])
            .output()
            .expect("nft -a");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.contains("ct state established,related ct mark vmap @live"))
            .and_then(|l| l.rsplit("# handle ").next())
            .map(|h| h.trim().to_owned())
            .expect("a rule handle")
    };
    ns.nft(&[
        "delete", "rule", "inet", "sanso", "forward", "handle", &handle,
    ]);
    let deleted = counts_until(
        &socket,
        Duration::from_secs(30),
        "the deleted rule restored",
        |c| {
            c.drift_restores > added.drift_restores
                && c.drift_full_checks >= added.drift_full_checks + 2
        },
    );
    assert_eq!(
        deleted.drift_full_checks,
        added.drift_full_checks + 2,
        "{deleted:?}"
    );
    assert!(ns
        .nft_list()
        .is_some_and(|t| t.contains("ct state established,related ct mark vmap @live")));

    // Quiet again after the restores: no nft.
    let before = spy.calls().len();
    let quiet = counts_until(
        &socket,
        Duration::from_secs(30),
        "five more quiet ticks",
        |c| c.drift_checks >= deleted.drift_checks + 5,
    );
    assert_eq!(
        quiet.drift_full_checks, deleted.drift_full_checks,
        "{quiet:?}"
    );
    assert_eq!(
        spy.calls()[before..],
        [] as [String; 0],
        "nft after the restores"
    );
    let records = audit_records(dir.path());
    assert_eq!(
        records.iter().filter(|r| r["event"] == "drift").count(),
        2,
        "one drift record per change"
    );
}

/// A tmpfs mounted over a directory for the life of the value.
struct SmallDisk {
    path: PathBuf,
}

impl SmallDisk {
    fn mount(path: &Path, size: &str) -> SmallDisk {
        std::fs::create_dir_all(path).expect("mount point");
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(path)
            .status()
            .expect("mount")
            .success();
        assert!(ok, "mount tmpfs");
        SmallDisk {
            path: path.to_owned(),
        }
    }

    /// Fills the disk up with one file; returns it.
    fn fill(&self) -> PathBuf {
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let block = vec![0u8; 4096];
        for _ in 0..100_000 {
            if file.write_all(&block).is_err() {
                break;
            }
        }
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// A full state directory: a reload that cannot write its intent is
/// refused (non-zero answer, the kernel unchanged), and once there is room
/// again the chain is intact and continues.
#[test]
fn a_full_state_directory_refuses_changes_and_keeps_the_chain_intact() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces, nftables and mount)");
        return;
    }
    let ns = Netns::create("full");
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = SmallDisk::mount(&dir.path().join("state"), "1m");
    let policy_file = dir.path().join("policy.toml");
    std::fs::write(&policy_file, policy("r1")).expect("write");
    let socket = dir.path().join("sanso.sock");
    let _daemon = Daemon::start(&ns, dir.path(), free_port(), "3600000");
    wait_for(Duration::from_secs(30), "the daemon to apply r1", || {
        revision(&socket).as_deref() == Some("r1")
    });
    let filler = disk.fill();
    replace_file(&policy_file, &policy("r2"));
    let answer = ask(&socket, &Request::reload());
    let Some(Response::Error { message }) = answer else {
        panic!("a reload on a full disk must fail: {answer:?}");
    };
    assert!(message.contains("nothing was changed"), "{message}");
    assert_eq!(ns.table_revision().as_deref(), Some("r1"));
    let status = status(&socket).expect("status");
    assert!(status.counts.audit_failures >= 1);
    assert_eq!(
        status.policy.and_then(|p| p.revision).as_deref(),
        Some("r1")
    );

    std::fs::remove_file(filler).expect("room again");
    let answer = ask(&socket, &Request::reload());
    assert!(matches!(answer, Some(Response::Done { .. })), "{answer:?}");
    assert_eq!(ns.table_revision().as_deref(), Some("r2"));
    let events: Vec<String> = audit_records(dir.path())
        .iter()
        .filter_map(|r| r["event"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        events.last().map(String::as_str),
        Some("reload"),
        "{events:?}"
    );
}

/// `--audit-syslog`: every record's head reaches a collector (inside the
/// namespace), the same head the head file ends with.
#[test]
fn audit_heads_reach_a_syslog_collector() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let ns = Netns::create("slg");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("policy.toml"), policy("r1")).expect("write");
    let path = format!("/var/run/netns/{}", ns.name);
    // The collector: a UDP socket in the namespace, bound by a thread that enters it.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let collector = std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("netns file");
        use std::os::fd::AsRawFd;
        // SAFETY: a valid namespace fd; only this thread changes namespace.
        assert_eq!(
            unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) },
            0
        );
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        socket
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        addr_tx
            .send(socket.local_addr().expect("addr"))
            .expect("send");
        let mut lines = Vec::new();
        let mut buf = [0u8; 2048];
        // start, intent, apply: three records at least.
        while lines.len() < 3 {
            let Ok(n) = socket.recv(&mut buf) else { break };
            lines.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        lines
    });
    let addr = addr_rx.recv().expect("collector address");
    let socket = dir.path().join("sanso.sock");
    let _daemon = Daemon::start_with(
        &ns,
        dir.path(),
        free_port(),
        "3600000",
        &[("SANSO_TEST_CHILD_SYSLOG", addr.to_string())],
    );
    wait_for(Duration::from_secs(30), "the daemon to apply r1", || {
        revision(&socket).as_deref() == Some("r1")
    });
    let lines = collector.join().expect("collector");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("<85>1 "), "{lines:?}");
    assert!(lines[0].contains(" event=start audit_head=1:"), "{lines:?}");
    // Each message carries the head right after its record: count and hash.
    let records = audit_records(dir.path());
    for (n, (line, record)) in lines.iter().zip(&records).enumerate() {
        let head = format!(
            " event={} audit_head={}:{}",
            record["event"].as_str().expect("event"),
            n + 1,
            record["hash"].as_str().expect("hash")
        );
        assert!(line.ends_with(&head), "{line} vs {head}");
    }
}

/// The last `reload` record of the audit log in `dir`.
fn last_reload(dir: &Path) -> serde_json::Value {
    audit_records(dir)
        .into_iter()
        .rev()
        .find(|r| r["event"] == "reload")
        .expect("a reload record")
}

/// The counter `name` of the namespace's table: packets.
fn counter_packets(ns: &Netns, name: &str) -> Option<u64> {
    let out = Command::new("ip")
        .args([
            "netns", "exec", &ns.name, "nft", "-j", "list", "counter", "inet", "sanso", name,
        ])
        .output()
        .expect("nft");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    json["nftables"]
        .as_array()?
        .iter()
        .find_map(|i| i["counter"]["packets"].as_u64())
}

/// `count` UDP datagrams from the gateway itself to 10.250.0.9:53, each
/// from a socket of its own: `count` new connections of flow `gw-dns`.
fn gateway_dns_queries(ns: &Netns, count: usize) {
    let script = format!("for i in $(seq {count}); do echo q > /dev/udp/10.250.0.9/53; done");
    let ok = Command::new("ip")
        .args(["netns", "exec", &ns.name, "bash", "-c", &script])
        .status()
        .expect("bash")
        .success();
    assert!(ok, "sending the queries");
}

#[test]
fn a_reload_changes_the_table_in_place_and_keeps_the_counters_of_what_stays() {
    if !is_root() {
        eprintln!("skipped: needs root (network namespaces and nftables)");
        return;
    }
    let ns = Netns::create("inplace");
    // The gateway's link to the backbone: a veth pair inside the
    // namespace, where its queries go (the output hook counts them).
    for args in [
        &[
            "link",
            "add",
            "wan0",
            "type",
            "veth",
            "peer",
            "name",
            "wan0-peer",
        ][..],
        &["addr", "add", "10.250.0.1/16", "dev", "wan0"],
        &["link", "set", "wan0", "up"],
        &["link", "set", "wan0-peer", "up"],
    ] {
        let ok = Command::new("ip")
            .args(["-n", &ns.name])
            .args(args)
            .status()
            .expect("ip")
            .success();
        assert!(ok, "ip {args:?}");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("sanso.sock");
    let policy_file = dir.path().join("policy.toml");
    let gateway_flow = "\n[[flows]]\nname = \"gw-dns\"\nfrom = [\"self\"]\nto = [\"ext\"]\nservices = [\"dns\"]\nreason = \"the gateway's resolver\"\n";
    let with_gateway = |revision: &str| format!("{}{gateway_flow}", policy(revision));
    std::fs::write(&policy_file, with_gateway("r1")).expect("write");
    let mut daemon = Daemon::start(&ns, dir.path(), free_port(), "3600000");
    wait_for(Duration::from_secs(30), "the daemon to apply r1", || {
        revision(&socket).as_deref() == Some("r1")
    });
    gateway_dns_queries(&ns, 3);
    assert_eq!(counter_packets(&ns, "flow.gw-dns"), Some(3));

    // r2 drops flow lg-web: the table changes in place.
    let r2 = with_gateway("r2").replace(
        "[[flows]]\nname = \"lg-web\"\nfrom = [\"lg\"]\nto = [\"ext\"]\nservices = [\"https\"]\nreason = \"test\"\n",
        "",
    );
    assert!(!r2.contains("lg-web"), "{r2}");
    std::fs::write(&policy_file, r2).expect("write");
    daemon.signal(libc::SIGHUP);
    wait_for(Duration::from_secs(20), "r2 applied", || {
        revision(&socket).as_deref() == Some("r2")
    });
    assert_eq!(
        ns.table_revision().as_deref(),
        Some("r2"),
        "the identity names r2"
    );
    let reload = last_reload(dir.path());
    assert_eq!(
        reload["detail"]["table_change"]["mode"], "in-place",
        "{reload}"
    );
    assert_eq!(reload["detail"]["verified"], true, "{reload}");
    assert_eq!(
        counter_packets(&ns, "flow.lg-web"),
        None,
        "lg-web's counter is gone"
    );
    // What stays kept its kernel object, and so its count.
    assert_eq!(counter_packets(&ns, "flow.gw-dns"), Some(3));
    gateway_dns_queries(&ns, 1);
    assert_eq!(counter_packets(&ns, "flow.gw-dns"), Some(4));

    // A change by someone else since: the next reload replaces the table,
    // and says why.
    ns.nft(&["add", "table", "ip", "someone-else"]);
    std::fs::write(&policy_file, with_gateway("r3")).expect("write");
    daemon.signal(libc::SIGHUP);
    wait_for(Duration::from_secs(20), "r3 applied", || {
        revision(&socket).as_deref() == Some("r3")
    });
    let reload = last_reload(dir.path());
    assert_eq!(
        reload["detail"]["table_change"]["mode"], "replace",
        "{reload}"
    );
    assert_eq!(
        reload["detail"]["table_change"]["reason"], "generation-changed",
        "{reload}"
    );
    assert_eq!(
        counter_packets(&ns, "flow.gw-dns"),
        Some(0),
        "a replace starts anew"
    );
    assert!(daemon.alive());
}
