//! No namespace outlives its run: after success, failure, a panic, a signal;
//! and two runs at once do not collide. Root only; skipped visibly otherwise.
//!
//! The tests of this file share the process-wide `sanso-<pid>-` prefix, so
//! they take turns (`SERIAL`).
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use sanso_netns::netns::namespaces_with_prefix;
use sanso_netns::{
    run_probes, run_probes_with, HarnessError, HarnessOptions, KernelVerdict, ProbeL4, Topology,
};

static SERIAL: Mutex<()> = Mutex::new(());

fn ours() -> Vec<String> {
    namespaces_with_prefix(&format!("sanso-{}-", std::process::id()))
}

#[test]
fn nothing_is_left_after_success_failure_or_panic() {
    if !root_or_skip("nothing_is_left_after_success_failure_or_panic") {
        return;
    }
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let p = policy();
    let probes = vec![to("10.10.0.5", "10.20.0.5", ProbeL4::Tcp(443))];

    let verdicts = run_probes(&p, RULESET, &probes).expect("run");
    assert_eq!(verdicts, [KernelVerdict::Accept]);
    assert_eq!(ours(), Vec::<String>::new(), "after success");

    let err =
        run_probes(&p, "table inet x { chain c { bogus } }", &probes).expect_err("bad ruleset");
    assert!(matches!(err, HarnessError::NftLoad { .. }));
    assert_eq!(ours(), Vec::<String>::new(), "after a refused ruleset");

    let err = run_probes(&p, RULESET, &[via("nope0", probes[0].clone())]).expect_err("bad iif");
    assert!(matches!(err, HarnessError::UnknownInterface { .. }));
    assert_eq!(ours(), Vec::<String>::new(), "after a placement error");

    let seen = Mutex::new(Vec::new());
    let result = std::panic::catch_unwind(|| {
        let topology = Topology::build(&p, &probes).expect("topology");
        topology.load_ruleset(RULESET).expect("load");
        *seen.lock().unwrap_or_else(|e| e.into_inner()) = ours();
        panic!("a panic inside a run");
    });
    assert!(result.is_err());
    let seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
    assert_eq!(
        seen.len(),
        4,
        "gateway and three peers existed during the run: {seen:?}"
    );
    assert_eq!(ours(), Vec::<String>::new(), "after a panic");
}

#[test]
fn two_runs_at_once_do_not_collide() {
    if !root_or_skip("two_runs_at_once_do_not_collide") {
        return;
    }
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let p = policy();
    let probes = vec![
        to("10.10.0.5", "10.20.0.5", ProbeL4::Tcp(443)),
        to("10.10.0.5", "10.20.0.5", ProbeL4::Tcp(80)),
        to_self("10.20.0.5", ProbeL4::Tcp(22)),
    ];
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run_probes_with(&p, RULESET, &probes, &HarnessOptions::default()));
        let b = s.spawn(|| run_probes_with(&p, ACCEPT_ALL, &probes, &HarnessOptions::default()));
        (a.join().expect("thread a"), b.join().expect("thread b"))
    });
    let (a, b) = (a.expect("run a"), b.expect("run b"));
    use KernelVerdict::{Accept, Drop};
    assert_eq!(a.verdicts(), [Accept, Drop, Drop]);
    assert_eq!(b.verdicts(), [Accept, Accept, Accept]);
    assert_ne!(a.stats.run_prefixes, b.stats.run_prefixes);
    assert_eq!(ours(), Vec::<String>::new());
}

const CHILD_ENV: &str = "SANSO_NETNS_SIGNAL_CHILD";

/// Run by `sigint_removes_namespaces_and_exits_130` in a child process:
/// builds a topology, says so, and waits to be interrupted.
#[test]
#[ignore = "the child process of sigint_removes_namespaces_and_exits_130"]
fn signal_child() {
    assert!(
        std::env::var_os(CHILD_ENV).is_some(),
        "run only as the child of sigint_removes_namespaces_and_exits_130"
    );
    let topology = Topology::build(
        &policy(),
        &[to("10.10.0.5", "10.20.0.5", ProbeL4::Tcp(443))],
    )
    .expect("topology");
    println!("READY {}", topology.spec().run.prefix());
    std::thread::sleep(Duration::from_secs(30));
    panic!("no signal arrived within 30 s");
}

#[test]
fn sigint_removes_namespaces_and_exits_130() {
    if !root_or_skip("sigint_removes_namespaces_and_exits_130") {
        return;
    }
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "signal_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest prints "test signal_child ... " on the same line.
            if let Some((_, prefix)) = line.split_once("READY ") {
                let _ = tx.send(prefix.trim().to_owned());
            }
        }
    });
    let prefix = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(p) => p,
        Err(e) => {
            let _ = child.kill();
            panic!("the child never became ready: {e}");
        }
    };
    let before = namespaces_with_prefix(&format!("{prefix}-"));
    assert_eq!(before.len(), 4, "{before:?}");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("signal the child");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("the child did not exit within 10 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        namespaces_with_prefix(&format!("{prefix}-")),
        Vec::<String>::new()
    );
}

#[test]
fn the_next_run_removes_namespaces_left_by_a_killed_one() {
    if !root_or_skip("the_next_run_removes_namespaces_left_by_a_killed_one") {
        return;
    }
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // What a `kill -9` leaves: namespaces named after a process that is gone
    // (pid 999999999 never exists: Linux pids stop at 4194304): the harness's
    // own and `sanso drift`'s scratch namespace (sanso-nft), which follow the
    // same `sanso-<pid>-...` pattern.
    let stale = [
        "sanso-999999999-0-gw",
        "sanso-999999999-0-p0",
        "sanso-999999999-expect-0",
    ];
    for name in stale {
        let ok = Command::new("ip")
            .args(["netns", "add", name])
            .status()
            .expect("ip netns add")
            .success();
        assert!(ok, "ip netns add {name}");
    }
    assert_eq!(namespaces_with_prefix("sanso-999999999-").len(), 3);
    // Any run sweeps them before building its own topology.
    let probes = vec![to("10.10.0.5", "10.20.0.5", ProbeL4::Tcp(443))];
    run_probes(&policy(), RULESET, &probes).expect("run");
    assert!(
        namespaces_with_prefix("sanso-999999999-").is_empty(),
        "the stale namespaces are still there"
    );
    assert!(ours().is_empty());
}
