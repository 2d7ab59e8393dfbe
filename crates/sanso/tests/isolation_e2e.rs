//! Isolation (緊急時対応, issue 14 item 1) end to end, as an admin meets it:
//! the real `sanso daemon` enforcing in the gateway namespace of a
//! throwaway topology, the real `sanso isolate`, `release`, `isolations`,
//! `reload` and `explain`, the real `deploy/sanso-boot`, and real TCP
//! connections between the peer namespaces of an office zone and a server
//! zone, over IPv4 and IPv6.
//!
//! * A live connection through the gateway stops passing within 1 s of the
//!   start of `sanso isolate office` (the time is measured and printed).
//! * While isolated, new connections are dropped in both directions; the
//!   admin's connections to the gateway (a flow to `self`) go on and open.
//! * The isolation survives `sanso reload`, SIGHUP, a drift restore (the set
//!   flushed by hand), a daemon killed with SIGKILL (the table deleted too:
//!   the state directory alone brings it back) and a reboot
//!   (`deploy/sanso-boot` loads `last-good.nft` with `isolation.nft`, in the
//!   topology's gateway and in a fresh namespace).
//! * `sanso release office` lets new connections through again.
//! * The audit log has the `isolate` and `release` records, each after its
//!   `intent`, with the operator, ticket and reason.
//!
//! The clients and servers are those of [`sanso_netns::tcp`], the same as
//! the library-level isolation test of sanso-netns uses.
//! Needs root (network namespaces); skips with a printed reason otherwise.
//! Every wait is bounded; namespaces are removed on drop, also on panic, and
//! the daemon is killed on drop.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{code, is_root, root_dir, text};
use sanso_netns::netns::Netns;
use sanso_netns::tcp::{
    echo_service, gateway_addresses, new_connections, now_ms, office_and_servers, pattern, peer,
    rounds, topology, watch_each, Held, Try, Watch, CLIENT_V4, FAMILIES, SERVER_V4,
};

/// The office (the zone isolated) reaches the server on 8080, the server
/// reaches the office on 8081, the office manages the gateway on 2222.
fn policy() -> String {
    format!(
        "[policy]\nname = \"isolation-e2e\"\nrevision = \"1\"\n{}{FLOWS}",
        office_and_servers()
    )
}

const FLOWS: &str = r#"
[[flows]]
name = "web"
from = ["office"]
to = ["server"]
services = ["tcp/8080"]
reason = "業務システム / the office's application"

[[flows]]
name = "back"
from = ["server"]
to = ["office"]
services = ["tcp/8081"]
reason = "通知 / the server's notifications"

[[flows]]
name = "admin"
from = ["office"]
to = ["self"]
services = ["tcp/2222"]
reason = "管理 / management of the gateway"
"#;

const REASON: &str = "マルウェア感染の疑い / suspected malware";
const TICKET: &str = "INC-2026-0200";
const RELEASE_REASON: &str = "駆除完了 / cleaned";

/// One round of 1 KB on every held connection: which came back in `wait`.
fn round(held: &[&Held], seed: u8, wait: Duration) -> Vec<bool> {
    rounds(held, &pattern(1024, seed), wait).expect("a round on the held connections")
}

/// `sanso ARGS` as `sudo` would run it for `alice`.
fn sanso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("SUDO_USER", "alice")
        .output()
        .expect("run sanso")
}

/// `sanso ARGS` that must succeed; its standard output.
fn sanso_ok(args: &[&str]) -> String {
    let out = sanso(args);
    assert_eq!(
        code(&out),
        0,
        "sanso {args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `ip netns exec NS PROGRAM ARGS`.
fn in_netns(ns: &str, program: &str, args: &[&str]) -> Output {
    Command::new("ip")
        .args(["netns", "exec", ns, program])
        .args(args)
        .output()
        .expect("ip netns exec")
}

fn nft(ns: &str, args: &[&str]) -> Output {
    in_netns(ns, "nft", args)
}

fn records(state: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect()
}

/// The daemon's files and its namespace.
struct Setup {
    netns: String,
    dir: PathBuf,
    policy: PathBuf,
    state: PathBuf,
    socket: PathBuf,
}

impl Setup {
    fn socket(&self) -> &str {
        self.socket.to_str().expect("path")
    }

    fn state(&self) -> &str {
        self.state.to_str().expect("path")
    }
}

/// `sanso daemon`, killed on drop.
struct Daemon {
    child: Option<Child>,
    log: PathBuf,
}

impl Daemon {
    /// Starts the daemon and waits (at most 30 s) until it has applied the
    /// policy and answers on its socket.
    fn start(setup: &Setup, run: usize) -> Daemon {
        let log = setup.dir.join(format!("daemon-{run}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args([
                "daemon",
                "--netns",
                &setup.netns,
                "--policy",
                setup.policy.to_str().expect("path"),
                "--state-dir",
                setup.state(),
                "--socket",
                setup.socket(),
                "--watch-interval",
                "1h",
                "--drift-interval",
                "1s",
                "--neighbour-interval",
                "1h",
            ])
            .env_remove("SUDO_USER")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start the daemon");
        let daemon = Daemon {
            child: Some(child),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = sanso(&["status", "--json", "--socket", setup.socket()]);
            if code(&out) == 0 {
                let status: serde_json::Value =
                    serde_json::from_slice(&out.stdout).expect("status json");
                if !status["policy"].is_null() {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not apply within 30 s: {}",
                daemon.log_text()
            );
            thread::sleep(Duration::from_millis(100));
        }
        daemon
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn pid(&self) -> i32 {
        let pid = self.child.as_ref().expect("running").id();
        i32::try_from(pid).expect("pid")
    }

    /// Sends `signal` to the daemon.
    fn signal(&self, signal: i32) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our
        // child's, which we have not waited for, so it is still ours.
        let rc = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(rc, 0, "kill({signal})");
    }

    /// Kills it with SIGKILL, as a crash would.
    fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops it with SIGTERM, waiting at most 60 s.
    fn stop(mut self) {
        self.signal(libc::SIGTERM);
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!("the daemon did not stop within 60 s of SIGTERM");
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits (at most `secs`) until `done` holds.
fn wait_for(secs: u64, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {secs} s");
        thread::sleep(Duration::from_millis(100));
    }
}

/// The elements of `set` in table inet sanso of `ns`, as nft lists them.
fn set_elements(ns: &str, set: &str) -> String {
    let out = nft(ns, &["list", "set", "inet", "sanso", set]);
    assert_eq!(code(&out), 0, "nft list set {set}: {}", text(&out.stderr));
    let listing = text(&out.stdout);
    listing
        .split_once("elements = {")
        .and_then(|(_, rest)| rest.split_once('}'))
        .map(|(elements, _)| elements.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[test]
fn isolate_cuts_within_a_second_persists_and_release_reopens() {
    if !is_root() {
        println!("skipped: needs root (network namespaces): isolate_cuts_within_a_second_persists_and_release_reopens");
        return;
    }
    let policy_text = policy();
    let policy = sanso_policy::load_policy("policy.toml", &policy_text)
        .unwrap_or_else(|d| panic!("{}", d.render(false)));
    let topo = topology(&policy).expect("topology");
    let gateway = topo.gateway();
    let office = peer(&topo, "lg0").expect("lg0");
    let servers = peer(&topo, "lg1").expect("lg1");
    let gw_addrs = gateway_addresses(&topo, "lg0").expect("lg0");

    let dir = tempfile::tempdir().expect("temp dir");
    let setup = Setup {
        netns: gateway.name().to_owned(),
        dir: dir.path().to_owned(),
        policy: dir.path().join("policy.toml"),
        state: dir.path().join("state"),
        socket: dir.path().join("sanso.sock"),
    };
    std::fs::write(&setup.policy, &policy_text).expect("policy");
    let mut daemon = Daemon::start(&setup, 1);

    let life = Duration::from_secs(240);
    let stop = Arc::new(AtomicBool::new(false));
    let mut services = Vec::new();
    let (mut web, mut back, mut admin) = (Vec::new(), Vec::new(), Vec::new());
    for (i, &(client, server)) in FAMILIES.iter().enumerate() {
        web.push(SocketAddr::new(server, 8080));
        back.push(SocketAddr::new(client, 8081));
        admin.push(SocketAddr::new(gw_addrs[i], 2222));
        for (ns, addr) in [(servers, web[i]), (office, back[i]), (gateway, admin[i])] {
            services.push(echo_service(ns, addr, life, &stop).expect("service"));
        }
    }
    // web4, back4, admin4, web6, back6, admin6.
    let all_new = |label: &str| {
        let mut tries = Vec::new();
        for i in 0..2 {
            tries.push((office, web[i]));
            tries.push((servers, back[i]));
            tries.push((office, admin[i]));
        }
        let got = new_connections(&tries).expect("new connections");
        println!("{label}: new connections web4, back4, admin4, web6, back6, admin6: {got:?}");
        got
    };
    const OPEN: [bool; 6] = [true; 6];
    // Only management (a flow to self) opens.
    const ISOLATED: [bool; 6] = [false, false, true, false, false, true];
    assert_eq!(all_new("before"), OPEN, "the policy's flows work");

    // Connections open before the isolation: forwarded both ways, and the
    // admin's to the gateway.
    let held_web = Held::open_each("web", office, &web).expect("held connections");
    let held_back = Held::open_each("back", servers, &back).expect("held connections");
    let held_admin = Held::open_each("admin", office, &admin).expect("held connections");
    let held: Vec<&Held> = held_web
        .iter()
        .chain(&held_back)
        .chain(&held_admin)
        .collect();
    let wait = Duration::from_millis(1500);
    assert_eq!(round(&held, 1, wait), [true; 6], "the connections work");

    // 1. Isolate the office; watch one live connection per family.
    let watchers =
        watch_each(office, &web, Watch::for_cut(now_ms() + 4000)).expect("watched connections");
    thread::sleep(Duration::from_millis(300));
    let t0 = now_ms();
    let said = sanso_ok(&[
        "isolate",
        "office",
        "--reason",
        REASON,
        "--ticket",
        TICKET,
        "--socket",
        setup.socket(),
    ]);
    let t1 = now_ms();
    println!(
        "sanso isolate office: returned after {} ms: {said}",
        t1 - t0
    );
    assert!(said.contains("isolated office in "), "{said}");
    let mut cut_ms = Vec::new();
    for (watcher, to) in watchers.into_iter().zip(&web) {
        let tries = watcher.join().expect("watcher");
        let passed: Vec<&Try> = tries.iter().filter(|t| t.ok).collect();
        let last_ok = passed.last().map(|t| t.start_ms - t0);
        let failed = tries
            .iter()
            .find(|t| !t.ok)
            .copied()
            .unwrap_or_else(|| panic!("{to}: the connection still passed 4 s after isolate"));
        println!(
            "{to}: {} exchanges passed, the last started {last_ok:?} ms from the start of \
             `sanso isolate`; the first that failed started {} ms from it",
            passed.len(),
            failed.start_ms - t0
        );
        assert!(
            passed.len() >= 3,
            "{to}: the connection did not work before"
        );
        assert!(
            failed.end_ms > t0,
            "{to}: the connection failed before `sanso isolate` started"
        );
        let cut = failed.start_ms - t0;
        assert!(
            cut < 1000,
            "{to}: the connection passed until {cut} ms after `sanso isolate` started"
        );
        cut_ms.push(cut);
    }
    println!(
        "MEASURED: live connections cut {} ms (IPv4) and {} ms (IPv6) after the start of \
         `sanso isolate` (the command itself returned after {} ms)",
        cut_ms[0],
        cut_ms[1],
        t1 - t0
    );

    // 2. Open connections: forwarded ones cut in both directions, the
    // admin's to the gateway goes on; new ones: only management opens.
    let isolated_rounds = [false, false, false, false, true, true];
    assert_eq!(
        round(&held, 2, wait),
        isolated_rounds,
        "while isolated: web4, web6, back4, back6, admin4, admin6 passing"
    );
    assert_eq!(all_new("isolated"), ISOLATED);
    let listed = sanso_ok(&["isolations", "--socket", setup.socket()]);
    assert!(
        listed.contains("office (zone, lgwan): 10.20.0.0/16 fd00:20::/48")
            && listed.contains(REASON)
            && listed.contains(TICKET),
        "{listed}"
    );

    // 3. Reload (the command, then SIGHUP): still isolated.
    let said = sanso_ok(&[
        "reload",
        "--reason",
        "定期反映 / routine",
        "--socket",
        setup.socket(),
    ]);
    println!("sanso reload: {said}");
    assert_eq!(all_new("after sanso reload"), ISOLATED);
    assert_eq!(
        round(&held_admin.iter().collect::<Vec<_>>(), 3, wait),
        [true, true],
        "the admin's connections after the reload"
    );
    let reloads = |state: &Path| {
        records(state)
            .iter()
            .filter(|r| r["event"] == "reload" && r["detail"]["trigger"] == "sighup")
            .count()
    };
    daemon.signal(libc::SIGHUP);
    wait_for(30, "the SIGHUP reload", || reloads(&setup.state) == 1);
    assert_eq!(all_new("after SIGHUP"), ISOLATED);

    // 4. Drift: someone empties the set by hand; the drift watch puts it
    // back (--drift-interval 1s).
    let out = nft(
        &setup.netns,
        &["flush", "set", "inet", "sanso", "isolated4"],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    wait_for(30, "the drift restore", || {
        set_elements(&setup.netns, "isolated4") == "10.20.0.0/16"
    });
    assert!(
        records(&setup.state)
            .iter()
            .any(|r| r["event"] == "drift"
                && r["detail"]["changes"].to_string().contains("isolation")),
        "no drift record names the isolation"
    );
    assert_eq!(all_new("after the drift restore"), ISOLATED);

    // 5. A crash (SIGKILL), and the table gone with it: the next daemon
    // isolates again from the state directory alone.
    daemon.kill();
    let out = nft(&setup.netns, &["delete", "table", "inet", "sanso"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    daemon = Daemon::start(&setup, 2);
    assert_eq!(all_new("after a restart"), ISOLATED);
    let listed = sanso_ok(&["isolations", "--json", "--socket", setup.socket()]);
    let entries: serde_json::Value = serde_json::from_str(&listed).expect("json");
    assert_eq!(entries.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(entries[0]["target"], "office", "{listed}");
    assert_eq!(entries[0]["kind"], "zone", "{listed}");
    assert_eq!(entries[0]["reason"], REASON, "{listed}");
    assert_eq!(entries[0]["ticket"], TICKET, "{listed}");
    assert_eq!(entries[0]["by"]["sudo_user"], "alice", "{listed}");

    // `sanso explain` and `sanso report` read the same state directory; the
    // live table, isolation sets included, is what the report expects.
    let policy_arg = setup.policy.to_str().expect("path");
    let explained = sanso_ok(&[
        "explain",
        policy_arg,
        "--from",
        &CLIENT_V4.to_string(),
        "--to",
        &SERVER_V4.to_string(),
        "--port",
        "8080",
        "--state-dir",
        setup.state(),
    ]);
    assert!(
        explained.contains("verdict:    isolated (drop)")
            && explained.contains("isolated:   the source 10.20.0.5: office (zone, lgwan)")
            && explained.contains(TICKET)
            && explained.contains(REASON),
        "{explained}"
    );
    let explained = sanso_ok(&[
        "explain",
        policy_arg,
        "--from",
        &CLIENT_V4.to_string(),
        "--to",
        "self",
        "--port",
        "2222",
        "--state-dir",
        setup.state(),
    ]);
    assert!(
        explained.contains("verdict:    accept") && explained.contains("management: stays open"),
        "{explained}"
    );
    let out = sanso(&[
        "report",
        policy_arg,
        "--state-dir",
        setup.state(),
        "--live",
        "--netns",
        &setup.netns,
    ]);
    let report = text(&out.stdout);
    assert_eq!(code(&out), 0, "{report}{}", text(&out.stderr));
    assert!(
        report.contains("## Incident response: isolated now")
            && report.lines().any(|l| l.starts_with("| office |")
                && l.contains(TICKET)
                && l.contains("sudo alice"))
            && report.contains("The live gateway matches the approved policy."),
        "{report}"
    );
    // `sanso drift` expects the isolation too: no drift.
    let out = sanso(&[
        "drift",
        policy_arg,
        "--netns",
        &setup.netns,
        "--state-dir",
        setup.state(),
    ]);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    // The JSON report of the live gateway: it matches, every flow has its
    // hit count since the last apply (the reloads above reset them), and
    // the management flow, used since, is counted and not flagged unused.
    let out = sanso(&[
        "report",
        policy_arg,
        "--format",
        "json",
        "--live",
        "--netns",
        &setup.netns,
        "--state-dir",
        setup.state(),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report json");
    let live = &doc["live"];
    assert_eq!(live["matches"], true, "{live}");
    assert_eq!(live["counters_error"], serde_json::Value::Null, "{live}");
    let hits = live["hits"].as_array().expect("hits");
    let flows: Vec<&str> = hits.iter().filter_map(|h| h["flow"].as_str()).collect();
    assert_eq!(flows, ["web", "back", "admin"], "{live}");
    for h in hits {
        assert_eq!(h["unused"], h["packets"] == 0, "{h}");
    }
    assert!(
        hits.iter()
            .any(|h| h["flow"] == "admin" && h["packets"].as_u64() > Some(0)),
        "{live}"
    );

    // 6. A reboot: the daemon stops, the table is gone, sanso-boot loads
    // last-good.nft with isolation.nft; packets tell.
    daemon.stop();
    let out = nft(&setup.netns, &["delete", "table", "inet", "sanso"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let boot = root_dir().join("deploy/sanso-boot");
    let fallback = root_dir().join("deploy/fallback.nft");
    let last_good = setup.state.join("last-good.nft");
    let boot_args = [
        boot.to_str().expect("path"),
        last_good.to_str().expect("path"),
        fallback.to_str().expect("path"),
    ];
    let out = in_netns(&setup.netns, "sh", &boot_args);
    let said = text(&out.stdout);
    assert_eq!(code(&out), 0, "{said}{}", text(&out.stderr));
    assert!(said.contains("with the isolation in"), "{said}");
    assert_eq!(all_new("after boot, no daemon"), ISOLATED);
    // And in a fresh gateway namespace.
    let fresh = Netns::create(&format!("sanso-{}-isoe2e-boot", std::process::id()))
        .expect("a fresh namespace");
    let out = in_netns(fresh.name(), "sh", &boot_args);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(set_elements(fresh.name(), "isolated4"), "10.20.0.0/16");
    assert_eq!(set_elements(fresh.name(), "isolated6"), "fd00:20::/48");
    drop(fresh);

    // 7. Release: new connections open in every direction again.
    let daemon = Daemon::start(&setup, 3);
    let said = sanso_ok(&[
        "release",
        "office",
        "--reason",
        RELEASE_REASON,
        "--ticket",
        TICKET,
        "--socket",
        setup.socket(),
    ]);
    println!("sanso release office: {said}");
    assert!(said.contains("released office in "), "{said}");
    assert_eq!(all_new("released"), OPEN);
    assert_eq!(
        sanso_ok(&["isolations", "--socket", setup.socket()]).trim(),
        "nothing is isolated"
    );
    assert!(!setup.state.join("isolation.nft").exists());
    assert_eq!(set_elements(&setup.netns, "isolated4"), "");

    // 8. The audit log: each change after its intent, with who and why.
    let all = records(&setup.state);
    for (event, reason) in [("isolate", REASON), ("release", RELEASE_REASON)] {
        let at = all
            .iter()
            .position(|r| r["event"] == event && r["detail"]["operator"]["by"] == "peer")
            .unwrap_or_else(|| {
                panic!(
                    "no {event} record by a peer; the log's events: {:?}",
                    all.iter()
                        .map(|r| r["event"].as_str().unwrap_or("?"))
                        .collect::<Vec<_>>()
                )
            });
        let record = &all[at];
        let operator = &record["detail"]["operator"];
        assert_eq!(operator["reason"], reason, "{record}");
        assert_eq!(operator["ticket"], TICKET, "{record}");
        assert_eq!(operator["sudo_user"], "alice", "{record}");
        assert_eq!(operator["uid"], 0, "{record}");
        assert_eq!(
            record["detail"]["targets"][0]["target"], "office",
            "{record}"
        );
        let intent = &all[at - 1];
        assert_eq!(intent["event"], "intent", "{intent}");
        assert_eq!(intent["detail"]["load"], "isolation", "{intent}");
        assert_eq!(intent["detail"]["trigger"], event, "{intent}");
    }
    let out = sanso(&[
        "audit",
        "verify",
        setup.state.join("audit.jsonl").to_str().expect("path"),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));

    drop(daemon);
    drop(held);
    drop((held_web, held_back, held_admin));
    stop.store(true, Ordering::Relaxed);
    for s in services {
        let _ = s.join();
    }
}
