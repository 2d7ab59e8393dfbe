//! Isolation through the gateway (issue 14), with real TCP connections in
//! the peer namespaces of a throwaway topology, over IPv4 and IPv6:
//!
//! * a live connection through the gateway stops passing within a second of
//!   `set_isolated` (the time is measured and printed), and its conntrack
//!   entry is deleted;
//! * while a zone is isolated, new connections are dropped in both
//!   directions, and so are the gateway's own connections to it; the
//!   admin's connection to the gateway (a flow to `self`) goes on, and a new
//!   one opens (management stays open);
//! * release (nothing isolated) lets new connections through again.
//!
//! Servers accept as many connections as come; every wait is bounded;
//! namespaces are removed on drop, also on panic.

mod common;

use common::{compile, counter, ip, load, peer};

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sanso_netns::netns::{InNetns, Netns};
use sanso_netns::{Probe, ProbeDst, ProbeL4, Topology};
use sanso_nft::isolation::{cut_connections, set_isolated, Isolated};

const CLIENT_V4: &str = "10.20.0.5";
const SERVER_V4: &str = "10.21.0.10";
const CLIENT_V6: &str = "fd00:20::5";
const SERVER_V6: &str = "fd00:21::10";
const FAMILIES: [(&str, &str); 2] = [(CLIENT_V4, SERVER_V4), (CLIENT_V6, SERVER_V6)];

/// The office (the zone to isolate) reaches the server on 8080; the server
/// reaches the office on 8081; the office manages the gateway on 2222; the
/// gateway reaches the office on 9000.
const POLICY: &str = r#"
[policy]
name = "isolation"

[zones.office]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16", "fd00:20::/48"]

[zones.servers]
tier = "lgwan"
interfaces = ["lg1"]
networks = ["10.21.0.0/16", "fd00:21::/48"]

[hosts.server]
zone = "servers"
addresses = ["10.21.0.10", "fd00:21::10"]

[[flows]]
name = "web"
from = ["office"]
to = ["server"]
services = ["tcp/8080"]
reason = "test"

[[flows]]
name = "back"
from = ["server"]
to = ["office"]
services = ["tcp/8081"]
reason = "test"

[[flows]]
name = "admin"
from = ["office"]
to = ["self"]
services = ["tcp/2222"]
reason = "test: management of the gateway"

[[flows]]
name = "push"
from = ["self"]
to = ["office"]
services = ["tcp/9000"]
reason = "test: the gateway's own connections"
"#;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Sends `data` and reads the same number of bytes back within `wait`.
fn exchange(stream: &mut TcpStream, data: &[u8], wait: Duration) -> Vec<u8> {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.set_write_timeout(Some(wait));
    if stream.write_all(data).is_err() {
        return Vec::new();
    }
    let start = Instant::now();
    let mut back = Vec::new();
    let mut buf = [0u8; 4096];
    while back.len() < data.len() && start.elapsed() < wait {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => back.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
    back
}

/// An echo service in `ns` on `addr`: accepts every connection until
/// `deadline` or `stop` and echoes each on a thread of its own. Yields how
/// many it accepted.
fn spawn_echo_service(
    ns: &Netns,
    addr: SocketAddr,
    deadline: Duration,
    stop: &Arc<AtomicBool>,
) -> InNetns<usize> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let stop = Arc::clone(stop);
    let handle = ns
        .spawn(move || {
            let listener = TcpListener::bind(addr).expect("bind the service");
            listener.set_nonblocking(true).expect("nonblocking");
            ready_tx.send(()).expect("ready");
            let start = Instant::now();
            let mut accepted = 0;
            while start.elapsed() < deadline && !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        accepted += 1;
                        let left = deadline.saturating_sub(start.elapsed());
                        thread::spawn(move || {
                            let _ = stream.set_nonblocking(false);
                            let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
                            let begun = Instant::now();
                            let mut buf = [0u8; 4096];
                            while begun.elapsed() < left {
                                match stream.read(&mut buf) {
                                    Ok(0) => break,
                                    Ok(n) => {
                                        if stream.write_all(&buf[..n]).is_err() {
                                            break;
                                        }
                                    }
                                    Err(e)
                                        if matches!(
                                            e.kind(),
                                            ErrorKind::WouldBlock | ErrorKind::TimedOut
                                        ) => {}
                                    Err(_) => break,
                                }
                            }
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
            accepted
        })
        .expect("service thread");
    ready_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("service ready");
    handle
}

/// A connection held open by a thread in `ns`; each round sends 1 KB and
/// yields what came back within `wait`.
struct Held {
    label: String,
    commands: mpsc::Sender<Option<(u8, Duration)>>,
    results: mpsc::Receiver<Vec<u8>>,
    _thread: InNetns<()>,
}

impl Held {
    fn open(label: &str, ns: &Netns, to: SocketAddr) -> Held {
        let (commands, command_rx) = mpsc::channel::<Option<(u8, Duration)>>();
        let (result_tx, results) = mpsc::channel::<Vec<u8>>();
        let thread = ns
            .spawn(move || {
                let Ok(mut stream) = TcpStream::connect_timeout(&to, Duration::from_secs(2)) else {
                    let _ = result_tx.send(Vec::new());
                    return;
                };
                let _ = result_tx.send(vec![1]);
                while let Ok(Some((seed, wait))) = command_rx.recv_timeout(Duration::from_secs(60))
                {
                    let data = pattern(1024, seed);
                    if result_tx.send(exchange(&mut stream, &data, wait)).is_err() {
                        return;
                    }
                }
            })
            .expect("connection thread");
        let connected = results
            .recv_timeout(Duration::from_secs(5))
            .is_ok_and(|r| !r.is_empty());
        assert!(connected, "{label}: could not connect to {to}");
        Held {
            label: format!("{label} ({to})"),
            commands,
            results,
            _thread: thread,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.commands.send(None);
    }
}

/// One round on every connection at once: what came back in `wait`.
fn exchanges(held: &[&Held], seed: u8, wait: Duration) -> Vec<Vec<u8>> {
    for h in held {
        h.commands.send(Some((seed, wait))).expect("command");
    }
    held.iter()
        .map(|h| {
            h.results
                .recv_timeout(wait + Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("{}: no result", h.label))
        })
        .collect()
}

/// One round on every connection at once: which came back whole in `wait`.
fn rounds(held: &[&Held], seed: u8, wait: Duration) -> Vec<bool> {
    let data = pattern(1024, seed);
    exchanges(held, seed, wait)
        .into_iter()
        .map(|back| back == data)
        .collect()
}

/// One exchange of a watched connection: when it started and ended (ms
/// since the epoch) and whether it came back.
#[derive(Clone, Copy, Debug)]
struct Try {
    start_ms: i64,
    end_ms: i64,
    ok: bool,
}

/// A connection from `ns` to `to` exchanging 64 bytes every 20 ms (each
/// given 250 ms) until one fails or `for_ms` passed.
fn watch(ns: &Netns, to: SocketAddr, for_ms: i64) -> InNetns<Vec<Try>> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let handle = ns
        .spawn(move || {
            let mut tries = Vec::new();
            let Ok(mut stream) = TcpStream::connect_timeout(&to, Duration::from_secs(2)) else {
                let _ = ready_tx.send(false);
                return tries;
            };
            let _ = ready_tx.send(true);
            let until = now_ms() + for_ms;
            let mut seed = 0u8;
            while now_ms() < until {
                seed = seed.wrapping_add(1);
                let data = pattern(64, seed);
                let start_ms = now_ms();
                let ok = exchange(&mut stream, &data, Duration::from_millis(250)) == data;
                tries.push(Try {
                    start_ms,
                    end_ms: now_ms(),
                    ok,
                });
                if !ok {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
            tries
        })
        .expect("watcher thread");
    let connected = ready_rx
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or(false);
    assert!(connected, "watcher could not connect to {to}");
    handle
}

/// Whether a new connection from `ns` to each of `to` opens and carries an
/// exchange, all tried at once (each within 1.5 s).
fn new_connections(tries: &[(&Netns, SocketAddr)]) -> Vec<bool> {
    let handles: Vec<InNetns<bool>> = tries
        .iter()
        .map(|(ns, to)| {
            let to = *to;
            ns.spawn(move || {
                let Ok(mut stream) = TcpStream::connect_timeout(&to, Duration::from_millis(1500))
                else {
                    return false;
                };
                let data = pattern(64, 42);
                exchange(&mut stream, &data, Duration::from_millis(1500)) == data
            })
            .expect("connect thread")
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("connect thread"))
        .collect()
}

/// The gateway's addresses on `interface`.
fn gateway_addresses(topo: &Topology, interface: &str) -> [IpAddr; 2] {
    let link = topo
        .plan()
        .links
        .iter()
        .find(|l| l.interface == interface)
        .expect("link");
    [IpAddr::V4(link.gateway_v4), IpAddr::V6(link.gateway_v6)]
}

#[test]
fn isolation_cuts_live_connections_within_a_second_keeps_management_and_release_reopens() {
    if !common::root_or_skip(
        "isolation_cuts_live_connections_within_a_second_keeps_management_and_release_reopens",
    ) {
        return;
    }
    let policy = load(POLICY);
    let probes: Vec<Probe> = FAMILIES
        .iter()
        .map(|(src, dst)| Probe {
            iif: None,
            src: ip(src),
            dst: ProbeDst::Addr(ip(dst)),
            l4: ProbeL4::Tcp(8080),
        })
        .collect();
    let topo = Topology::build(&policy, &probes).expect("topology");
    topo.load_ruleset(&compile(&policy)).expect("load");
    let gateway = topo.gateway();
    let gw_name = gateway.name().to_owned();
    let servers = peer(&topo, "lg1");
    let office = peer(&topo, "lg0");
    let gw_addrs = gateway_addresses(&topo, "lg0");
    println!("the gateway's addresses on lg0: {gw_addrs:?}");

    let life = Duration::from_secs(60);
    let stop = Arc::new(AtomicBool::new(false));
    let mut services = Vec::new();
    let mut web = Vec::new();
    let mut back = Vec::new();
    let mut admin = Vec::new();
    let mut push = Vec::new();
    for (i, (client, server)) in FAMILIES.iter().enumerate() {
        let (client, server) = (ip(client), ip(server));
        web.push(SocketAddr::new(server, 8080));
        back.push(SocketAddr::new(client, 8081));
        admin.push(SocketAddr::new(gw_addrs[i], 2222));
        push.push(SocketAddr::new(client, 9000));
        services.push(spawn_echo_service(servers, web[i], life, &stop));
        services.push(spawn_echo_service(office, back[i], life, &stop));
        services.push(spawn_echo_service(gateway, admin[i], life, &stop));
        services.push(spawn_echo_service(office, push[i], life, &stop));
    }
    let all_new = |label: &str| {
        let mut tries = Vec::new();
        for i in 0..2 {
            tries.push((office, web[i]));
            tries.push((servers, back[i]));
            tries.push((office, admin[i]));
            tries.push((gateway, push[i]));
        }
        let got = new_connections(&tries);
        println!("{label}: new connections web4, back4, admin4, push4, web6, back6, admin6, push6: {got:?}");
        got
    };
    // Before: everything the policy allows opens.
    assert_eq!(all_new("before"), [true; 8], "the policy's flows work");

    let held_web: Vec<Held> = web.iter().map(|a| Held::open("web", office, *a)).collect();
    let held_admin: Vec<Held> = admin
        .iter()
        .map(|a| Held::open("admin", office, *a))
        .collect();
    let held_push: Vec<Held> = push
        .iter()
        .map(|a| Held::open("push", gateway, *a))
        .collect();
    let held: Vec<&Held> = held_web
        .iter()
        .chain(&held_admin)
        .chain(&held_push)
        .collect();
    let wait = Duration::from_millis(1500);
    assert_eq!(rounds(&held, 1, wait), [true; 6], "the connections work");

    // Two connections watched through the isolation, one per family.
    let watchers: Vec<InNetns<Vec<Try>>> = web.iter().map(|a| watch(office, *a, 3000)).collect();
    thread::sleep(Duration::from_millis(400));
    let office_zone = Isolated::new([
        "10.20.0.0/16".parse().expect("prefix"),
        "fd00:20::/48".parse().expect("prefix"),
    ]);
    let t0 = now_ms();
    let report = set_isolated(Some(&gw_name), &office_zone).expect("isolate the office");
    let t1 = now_ms();
    let cut = report.connections.expect("conntrack entries deleted");
    println!(
        "set_isolated({office_zone}): returned after {} ms (element batch {:?}, {} messages); \
         conntrack: {} entries, {} deleted, {} spared, {:?}",
        t1 - t0,
        report.duration,
        report.messages,
        cut.examined,
        cut.deleted,
        cut.spared,
        cut.duration
    );
    for (watcher, to) in watchers.into_iter().zip(&web) {
        let tries = watcher.join().expect("watcher");
        let passed: Vec<&Try> = tries.iter().filter(|t| t.ok).collect();
        let failed = tries.iter().find(|t| !t.ok).copied();
        let last_ok = passed.last().map(|t| (t.start_ms - t0, t.end_ms - t0));
        let first_failed = failed.map(|t| t.start_ms - t0);
        println!(
            "{to}: {} exchanges passed, the last started {:?} ms and ended {:?} ms from the call; \
             the first that failed started {first_failed:?} ms from it",
            passed.len(),
            last_ok.map(|l| l.0),
            last_ok.map(|l| l.1),
        );
        assert!(
            passed.len() >= 3,
            "{to}: the watched connection did not work before"
        );
        let first_failed = first_failed
            .unwrap_or_else(|| panic!("{to}: the connection still passed 3 s after isolation"));
        assert!(
            first_failed < 1000,
            "{to}: the connection passed until {first_failed} ms after set_isolated"
        );
        for t in &passed {
            assert!(
                t.start_ms < t1,
                "{to}: an exchange that started {} ms after set_isolated returned passed",
                t.start_ms - t1
            );
        }
    }

    // Open connections: forwarded and the gateway's own to the office are
    // cut; the admin's to the gateway goes on.
    assert_eq!(
        rounds(&held, 2, wait),
        [false, false, true, true, false, false],
        "while isolated: web4, web6, admin4, admin6, push4, push6 passing"
    );
    // New connections: none in either direction but management.
    assert_eq!(
        all_new("isolated"),
        [false, false, true, false, false, false, true, false],
        "while isolated, only new management connections open"
    );
    assert!(counter(&topo, "sanso", "isolated") > 0, "nothing counted");
    // 2 held and 2 watched forwarded connections, 2 of the gateway's own;
    // the 2 admin connections (and those the checks opened) spared.
    assert!(cut.deleted >= 6, "{cut:?}");
    assert!(cut.spared >= 2, "{cut:?}");
    // Nothing left to cut: the retries of cut connections never get an
    // entry (their packets are dropped before conntrack confirms one).
    let again = cut_connections(Some(&gw_name), &office_zone).expect("conntrack");
    assert_eq!(again.deleted, 0, "{again:?}");
    assert!(again.spared >= 2, "{again:?}");

    // Release: new connections open in every direction again.
    let released = set_isolated(Some(&gw_name), &Isolated::default()).expect("release");
    println!("release: element batch {:?}", released.duration);
    assert_eq!(all_new("released"), [true; 8], "after release");
    // What became of the cut connections (not asserted: it depends on
    // whether their ends still retransmit; see docs/ruleset.md,
    // "Isolation"): bytes that came back in 3 s, of what the two rounds
    // since the cut sent.
    let after = exchanges(&held, 3, Duration::from_secs(3));
    let back: Vec<usize> = after.iter().map(Vec::len).collect();
    println!(
        "after release, bytes back in 3 s on the cut web4, web6, push4, push6 connections \
         (2048 sent since the cut): {:?}",
        [back[0], back[1], back[4], back[5]]
    );
    let data = pattern(1024, 3);
    assert!(
        after[2] == data && after[3] == data,
        "the admin's connections after release"
    );
    drop(held);
    stop.store(true, Ordering::Relaxed);
    for s in services {
        let _ = s.join();
    }
}
