//! The monitor end to end (root only; skipped, saying so, otherwise): the
//! real daemon enforces a gateway namespace of a `sanso-netns` topology
//! (`--netns`) while it runs in a namespace of its own, so its NFLOG socket
//! must be opened inside the gateway's; a real TCP client in the mynumber
//! zone's peer namespace tries to reach a host behind the Internet zone,
//! then one in an lgwan zone, then, isolated, the same again.
//!
//! No kernel log is configured anywhere (`nf_log_all_netns` is left as it
//! is, 0 on CI): the events come over NFLOG only.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod common;

use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Netns;
use sanso_daemon::client;
use sanso_daemon::monitor::{Event, EventsAnswer, EventsQuery, Reason};
use sanso_daemon::protocol::{Request, Response};
use sanso_netns::{Probe, ProbeDst, ProbeL4, Topology};

const CLIENT: &str = "10.1.0.5";
const INTERNET_HOST: &str = "203.0.113.9";
const LGWAN_HOST: &str = "10.2.0.7";

const POLICY: &str = r#"
[policy]
name = "monitor-test"
revision = "1"

[zones.mn]
tier = "mynumber"
interfaces = ["mn0"]
networks = ["10.1.0.0/16"]

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.2.0.0/16"]

[zones.upstream]
tier = "external"
beyond = "internet"
interfaces = ["up0"]
networks = ["0.0.0.0/0"]

[hosts.mn-pc]
zone = "mn"
addresses = ["10.1.0.5"]

[hosts.lg-server]
zone = "lg"
addresses = ["10.2.0.7"]

[[flows]]
name = "lg-ssh"
from = ["lg"]
to = ["lg-server"]
services = ["ssh"]
reason = "inside the lgwan tier"
"#;

fn is_root() -> bool {
    sanso_testkit::root("network namespaces, nftables and NFLOG")
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

/// The daemon child; killed on drop.
struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs as the daemon when re-executed by the test.
#[test]
#[ignore = "helper: the daemon process of the monitor test, started by it"]
fn monitor_daemon_child() {
    let Some(dir) = std::env::var_os("SANSO_TEST_MONITOR_DIR").map(PathBuf::from) else {
        return;
    };
    let env = |k: &str| std::env::var(k).expect("child environment");
    sanso_daemon::init_logging();
    let mut config = common::daemon_config(
        &dir,
        env("SANSO_TEST_MONITOR_NETNS"),
        env("SANSO_TEST_MONITOR_METRICS").parse().expect("addr"),
    );
    config.settings.drift_action = sanso_daemon::DriftAction::Report;
    config.settings.neighbour_interval = Duration::from_secs(60);
    config.monitor.alert_command = Some(dir.join("alert.sh"));
    sanso_daemon::run(config).expect("daemon");
}

fn events(socket: &Path, after: Option<u64>) -> Option<EventsAnswer> {
    let request = Request::Events {
        query: EventsQuery {
            after,
            since_unix_ms: None,
        },
    };
    match client::request(socket, &request, Duration::from_secs(10)).ok()? {
        Response::Events(report) => Some(*report),
        _ => None,
    }
}

fn applied(socket: &Path) -> bool {
    matches!(
        client::request(socket, &Request::Status, Duration::from_secs(10)),
        Ok(Response::Status(s)) if s.policy.is_some()
    )
}

fn drift(socket: &Path) -> Option<String> {
    match client::request(socket, &Request::Status, Duration::from_secs(10)).ok()? {
        Response::Status(s) => Some(s.drift),
        _ => None,
    }
}

fn wait_for<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// GET /metrics from inside `ns`.
fn scrape(ns: &Netns, port: u16) -> String {
    let path = format!("/var/run/netns/{}", ns.name);
    std::thread::spawn(move || {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(&path).expect("netns file");
        // SAFETY: a valid namespace fd; only this short-lived thread changes namespace.
        assert_eq!(
            unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) },
            0
        );
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect metrics");
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

/// A TCP connect from `src` (in its peer namespace, whose only address it
/// is) to `dst`, given up after `wait`.
fn try_connect(topo: &Topology, src: &str, dst: &str, port: u16, wait: Duration) -> bool {
    let (src, dst) = (ip(src), ip(dst));
    let link = topo
        .spec()
        .links
        .iter()
        .position(|l| l.peer_addresses.contains(&src))
        .expect("the client's peer namespace");
    topo.peers()[link]
        .run(move || TcpStream::connect_timeout(&SocketAddr::new(dst, port), wait).is_ok())
        .expect("client thread")
}

fn forbidden(report: &EventsAnswer) -> Vec<&Event> {
    report
        .events
        .iter()
        .filter(|e| e.reason == Reason::Forbidden)
        .collect()
}

#[test]
fn a_forbidden_crossing_attempt_is_one_event_counted_and_alerted() {
    if !is_root() {
        return;
    }
    let policy = POLICY;
    let parsed = sanso_policy::load_policy("monitor.toml", policy).expect("policy");
    let probes: Vec<Probe> = [(CLIENT, INTERNET_HOST, 443), (CLIENT, LGWAN_HOST, 22)]
        .iter()
        .map(|(s, d, p)| Probe {
            iif: None,
            src: ip(s),
            dst: ProbeDst::Addr(ip(d)),
            l4: ProbeL4::Tcp(*p),
        })
        .collect();
    let topo = Topology::build(&parsed, &probes).expect("topology");
    let home = Netns::create("monhome");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("policy.toml"), policy).expect("policy file");
    let alerts = dir.path().join("alerts.jsonl");
    let script = dir.path().join("alert.sh");
    std::fs::write(&script, format!("#!/bin/sh\ncat >> {}\n", alerts.display()))
        .expect("alert script");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let port = 9764;
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let _daemon = Daemon {
        child: Command::new("ip")
            .args(["netns", "exec", &home.name])
            .arg(std::env::current_exe().expect("test exe"))
            .args([
                "monitor_daemon_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SANSO_TEST_MONITOR_DIR", dir.path())
            .env("SANSO_TEST_MONITOR_NETNS", topo.gateway().name())
            .env("SANSO_TEST_MONITOR_METRICS", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn daemon"),
    };
    let socket = dir.path().join("sanso.sock");
    wait_for(Duration::from_secs(30), "the start apply", || {
        applied(&socket).then_some(())
    });
    let daemon_log = || std::fs::read_to_string(dir.path().join("daemon.log")).unwrap_or_default();
    wait_for(Duration::from_secs(10), "NFLOG bound", || {
        events(&socket, None).filter(|r| r.nflog.up).map(|_| ())
    });

    // mynumber -> the Internet: a TCP connect, dropped (its SYN is sent
    // again after 1 s, still the same attempt).
    let (connected, latency) = std::thread::scope(|scope| {
        let start = Instant::now();
        let client = scope.spawn(|| {
            try_connect(
                &topo,
                CLIENT,
                INTERNET_HOST,
                443,
                Duration::from_millis(1500),
            )
        });
        // Polling the control socket every few ms: an upper bound of the
        // time from the SYN to the event being served.
        wait_for(
            Duration::from_secs(5),
            "the forbidden-crossing event",
            || events(&socket, None).filter(|r| !forbidden(r).is_empty()),
        );
        let latency = start.elapsed();
        (client.join().expect("client"), latency)
    });
    assert!(!connected, "the gateway must drop mynumber -> the Internet");
    eprintln!("forbidden-crossing event served {latency:?} after the connect began");
    let report = events(&socket, None).expect("events");
    let found = forbidden(&report);
    assert_eq!(
        found.len(),
        1,
        "exactly one event: {:#?}\n{}",
        report.events,
        daemon_log()
    );
    let e = found[0];
    assert_eq!(e.guardrail, Some(2));
    assert_eq!(e.src.addr, Some(ip(CLIENT)));
    assert_eq!(e.src.zone.as_deref(), Some("mn"));
    assert_eq!(e.src.tier.as_deref(), Some("mynumber"));
    assert_eq!(e.src.host.as_deref(), Some("mn-pc"));
    assert_eq!(e.dst.addr, Some(ip(INTERNET_HOST)));
    assert_eq!(e.dst.port, Some(443));
    assert_eq!(e.dst.zone.as_deref(), Some("upstream"));
    assert_eq!(e.dst.tier.as_deref(), Some("external"));
    assert_eq!(e.dst.beyond.as_deref(), Some("internet"));
    assert_eq!(e.proto, "tcp");
    assert_eq!(e.hook.as_deref(), Some("forward"));
    assert_eq!(e.iif.as_deref(), Some("mn0"));
    assert_eq!(e.oif.as_deref(), Some("up0"));
    assert!(
        e.packets >= 2,
        "the SYN and its retransmission: {}",
        e.packets
    );

    // mynumber -> lgwan without a flow: a plain default drop, not forbidden.
    assert!(!try_connect(
        &topo,
        CLIENT,
        LGWAN_HOST,
        22,
        Duration::from_millis(300)
    ));
    let report = wait_for(Duration::from_secs(5), "the default-drop event", || {
        events(&socket, None).filter(|r| r.events.iter().any(|e| e.reason == Reason::Drop))
    });
    let drop = report
        .events
        .iter()
        .find(|e| e.reason == Reason::Drop)
        .expect("drop");
    assert_eq!(
        (
            drop.src.zone.as_deref(),
            drop.dst.zone.as_deref(),
            drop.dst.tier.as_deref()
        ),
        (Some("mn"), Some("lg"), Some("lgwan"))
    );
    assert_eq!(forbidden(&report).len(), 1, "still one forbidden event");

    // The metrics count it, by reason and zone pair.
    let metrics = scrape(&home, port);
    for line in [
        "sanso_events_total{reason=\"forbidden\",src_zone=\"mn\",dst_zone=\"upstream\"} 1",
        "sanso_events_total{reason=\"drop\",src_zone=\"mn\",dst_zone=\"lg\"} 1",
        "sanso_nflog_up 1",
        "sanso_nflog_lost_total 0",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line:?} in\n{metrics}"
        );
    }

    // The alert command got the event, once.
    let alerted = wait_for(Duration::from_secs(5), "the alert", || {
        std::fs::read_to_string(&alerts)
            .ok()
            .filter(|t| t.ends_with('\n'))
    });
    let lines: Vec<Event> = alerted
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event a line"))
        .collect();
    assert_eq!(lines.len(), 1, "{alerted}");
    assert_eq!(lines[0].seq, e.seq);
    assert_eq!(lines[0].reason, Reason::Forbidden);

    // The journal line, at warning level, with zones and tiers.
    let logged = daemon_log();
    let line = logged
        .lines()
        .find(|l| l.contains("forbidden crossing"))
        .unwrap_or_else(|| panic!("no journal line in\n{logged}"));
    for part in [
        "WARN",
        "src=10.1.0.5",
        "src_zone=mn",
        "src_tier=mynumber",
        "dst=203.0.113.9",
        "dport=443",
        "dst_tier=external (internet)",
        "guardrail=2",
    ] {
        assert!(line.contains(part), "{part:?} missing in {line}");
    }

    // The meters fill with the sources; that is no drift.
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        drift(&socket).as_deref(),
        Some("in-sync"),
        "{}",
        daemon_log()
    );

    // An isolated host's attempts are events of their own.
    let isolate = Request::Isolate {
        targets: vec!["mn-pc".to_owned()],
        for_seconds: None,
        attribution: sanso_daemon::protocol::Attribution {
            reason: Some("monitor test".to_owned()),
            ..Default::default()
        },
    };
    let answer = client::request(&socket, &isolate, Duration::from_secs(10)).expect("isolate");
    assert!(matches!(answer, Response::Done { .. }), "{answer:?}");
    assert!(!try_connect(
        &topo,
        CLIENT,
        LGWAN_HOST,
        22,
        Duration::from_millis(300)
    ));
    let report = wait_for(Duration::from_secs(5), "the isolated event", || {
        events(&socket, None).filter(|r| r.events.iter().any(|e| e.reason == Reason::Isolated))
    });
    let isolated = report
        .events
        .iter()
        .find(|e| e.reason == Reason::Isolated)
        .expect("isolated");
    assert_eq!(
        (isolated.src.host.as_deref(), isolated.dst.zone.as_deref()),
        (Some("mn-pc"), Some("lg"))
    );
    let metrics = scrape(&home, port);
    let line = "sanso_events_total{reason=\"isolated\",src_zone=\"mn\",dst_zone=\"lg\"} 1";
    assert!(
        metrics.lines().any(|l| l == line),
        "missing {line:?} in\n{metrics}"
    );
}
