//! Real clients through the compiled ruleset (issue 12): kernel sockets in
//! the peer namespaces of a throwaway topology, not crafted first packets.
//! Servers run in the far peer (behind `lg1`), clients in the near one
//! (behind `lg0`), each on a thread inside its namespace
//! ([`Netns::spawn`], [`Netns::run`]).
//!
//! * TCP request and response of 48 KB each way, over IPv4 and IPv6; a SYN
//!   in the reverse direction is dropped, over both.
//! * UDP request and response; an ICMP port-unreachable for an allowed UDP
//!   flow comes back (`related`), over both.
//! * A connection lives only as long as its flow: over both families it
//!   survives a reload and an apply that keeps its flow (another flow
//!   removed, its reason and `log` changed), stops passing after an apply
//!   that removes its flow or narrows it, and stops within a second of the
//!   flow's `until`, with no apply at all.
//! * A flow with `limit = "3/minute"` admits at most 3 new connections.
//!
//! Every wait is bounded (socket timeouts, deadlines, channel timeouts);
//! namespaces are removed on drop, also on panic.

mod common;

use common::{compile, counter, ip, load, peer};

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use sanso_netns::netns::{InNetns, Netns};
use sanso_netns::{Probe, ProbeDst, ProbeL4, Topology};
use sanso_policy::Policy;

const CLIENT_V4: &str = "10.20.0.5";
const SERVER_V4: &str = "10.21.0.10";
const CLIENT_V6: &str = "fd00:20::5";
const SERVER_V6: &str = "fd00:21::10";
const FAMILIES: [(&str, &str); 2] = [(CLIENT_V4, SERVER_V4), (CLIENT_V6, SERVER_V6)];

/// Two lgwan zones; `flows` is appended as written.
fn policy_text(flows: &str) -> String {
    format!(
        r#"
[policy]
name = "clients"

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
addresses = ["{SERVER_V4}", "{SERVER_V6}"]

{flows}
"#
    )
}

fn flow(name: &str, services: &str, extra: &str) -> String {
    format!(
        "[[flows]]\nname = \"{name}\"\nfrom = [\"office\"]\nto = [\"server\"]\nservices = [{services}]\nreason = \"test\"\n{extra}\n"
    )
}

/// The topology for the client and server addresses of both families.
fn topology(policy: &Policy) -> Topology {
    let probes: Vec<Probe> = FAMILIES
        .iter()
        .map(|(src, dst)| Probe {
            iif: None,
            src: ip(src),
            dst: ProbeDst::Addr(ip(dst)),
            l4: ProbeL4::Tcp(1),
        })
        .collect();
    Topology::build(policy, &probes).expect("topology")
}

/// Runs `f` inside namespace `ns` and returns its value.
fn in_ns<T: Send>(ns: &Netns, f: impl FnOnce() -> T + Send) -> T {
    ns.run(f).expect("namespace thread")
}

/// A TCP server in `ns`: accepts one connection and echoes everything it
/// reads until the client closes, or until `deadline`. Yields the bytes it
/// received, in order.
fn spawn_echo_server(ns: &Netns, addr: SocketAddr, deadline: Duration) -> InNetns<Vec<u8>> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let handle = ns
        .spawn(move || {
            let listener = TcpListener::bind(addr).expect("bind server");
            listener.set_nonblocking(true).expect("nonblocking");
            ready_tx.send(()).expect("ready");
            let start = Instant::now();
            let mut stream = loop {
                match listener.accept() {
                    Ok((s, _)) => break s,
                    Err(e) if e.kind() == ErrorKind::WouldBlock && start.elapsed() < deadline => {
                        thread::sleep(Duration::from_millis(10));
                    }
                    Err(_) => return Vec::new(),
                }
            };
            stream.set_nonblocking(false).expect("blocking");
            stream
                .set_read_timeout(Some(Duration::from_millis(100)))
                .expect("timeout");
            let mut got = Vec::new();
            let mut buf = [0u8; 16 * 1024];
            while start.elapsed() < deadline {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        got.extend_from_slice(&buf[..n]);
                        if stream.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
            }
            got
        })
        .expect("server thread");
    ready_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("server ready");
    handle
}

/// Sends `data` and reads the same number of bytes back within `wait`;
/// returns what came back.
fn exchange(stream: &mut TcpStream, data: &[u8], wait: Duration) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    stream.set_write_timeout(Some(wait)).expect("timeout");
    if stream.write_all(data).is_err() {
        return Vec::new();
    }
    let start = Instant::now();
    let mut back = Vec::new();
    let mut buf = [0u8; 16 * 1024];
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

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Connects to `server` from the namespace the thread is in (its peer holds
/// only the client address of each family, so the kernel picks it).
fn connect(server: SocketAddr) -> std::io::Result<TcpStream> {
    TcpStream::connect_timeout(&server, Duration::from_secs(2))
}

/// A TCP connection held open by a client thread in the near namespace to
/// an echo server in the far one; each round sends 4 KB and checks that
/// they come back within 1.5 s.
struct Held {
    label: String,
    commands: mpsc::Sender<Option<u8>>,
    results: mpsc::Receiver<bool>,
    _client: InNetns<()>,
    _server: InNetns<Vec<u8>>,
}

impl Held {
    fn open(client_ns: &Netns, server_ns: &Netns, server: SocketAddr) -> Held {
        let label = format!("connection to {server}");
        let srv = spawn_echo_server(server_ns, server, Duration::from_secs(40));
        let (commands, command_rx) = mpsc::channel::<Option<u8>>();
        let (result_tx, results) = mpsc::channel::<bool>();
        let client = client_ns
            .spawn(move || {
                let Ok(mut stream) = connect(server) else {
                    let _ = result_tx.send(false);
                    return;
                };
                let _ = result_tx.send(true);
                while let Ok(Some(seed)) = command_rx.recv_timeout(Duration::from_secs(40)) {
                    let data = pattern(4096, seed);
                    let back = exchange(&mut stream, &data, Duration::from_millis(1500));
                    if result_tx.send(back == data).is_err() {
                        return;
                    }
                }
            })
            .expect("client thread");
        let connected = results
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or(false);
        assert!(connected, "{label}: could not connect");
        Held {
            label,
            commands,
            results,
            _client: client,
            _server: srv,
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // The client closes its stream and returns; the server returns when
        // the close reaches it or at its deadline. Neither is joined here.
        let _ = self.commands.send(None);
    }
}

/// One round on every connection at once: which exchanges came back whole.
fn rounds(held: &[&Held], seed: u8) -> Vec<bool> {
    for h in held {
        h.commands.send(Some(seed)).expect("command");
    }
    held.iter()
        .map(|h| {
            h.results
                .recv_timeout(Duration::from_secs(5))
                .unwrap_or_else(|_| panic!("{}: no result", h.label))
        })
        .collect()
}

#[test]
fn tcp_both_ways_over_both_families_and_no_reverse_syn() {
    if !common::root_or_skip("tcp_both_ways_over_both_families_and_no_reverse_syn") {
        return;
    }
    let policy = load(&policy_text(&flow("web", "\"tcp/8080\"", "")));
    let topo = topology(&policy);
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    for (client, server) in FAMILIES {
        let addr = SocketAddr::new(ip(server), 8080);
        let srv = spawn_echo_server(server_ns, addr, Duration::from_secs(5));
        let (sent, back) = in_ns(client_ns, || {
            let mut stream = connect(addr).expect("connect through the gateway");
            let data = pattern(48 * 1024, 7);
            let back = exchange(&mut stream, &data, Duration::from_secs(4));
            drop(stream);
            (data, back)
        });
        let received = srv.join().expect("server");
        assert_eq!(
            received.len(),
            sent.len(),
            "{client} -> {server}: server got"
        );
        assert!(received == sent, "{client} -> {server}: bytes differ");
        assert!(
            back == sent,
            "{client} -> {server}: the reply came back ({} bytes)",
            back.len()
        );
    }
    // The reverse direction has no flow: a SYN from the server side to a
    // listening client is dropped, over both families.
    for (client, _) in FAMILIES {
        let listener_addr = SocketAddr::new(ip(client), 8080);
        let srv = spawn_echo_server(client_ns, listener_addr, Duration::from_secs(3));
        let result = in_ns(server_ns, || {
            TcpStream::connect_timeout(&listener_addr, Duration::from_millis(1500)).map(drop)
        });
        assert!(result.is_err(), "a reverse SYN to {client} got through");
        assert!(srv.join().expect("server").is_empty(), "{client} accepted");
    }
}

#[test]
fn udp_request_response_and_port_unreachable_is_related() {
    if !common::root_or_skip("udp_request_response_and_port_unreachable_is_related") {
        return;
    }
    let policy = load(&policy_text(&flow("dns", "\"udp/5353\", \"udp/5354\"", "")));
    let topo = topology(&policy);
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    for (client, server) in FAMILIES {
        let addr = SocketAddr::new(ip(server), 5353);
        let (ready_tx, ready_rx) = mpsc::channel();
        let srv = server_ns
            .spawn(move || {
                let sock = UdpSocket::bind(addr).expect("bind");
                sock.set_read_timeout(Some(Duration::from_secs(3)))
                    .expect("timeout");
                ready_tx.send(()).expect("ready");
                let mut buf = [0u8; 2048];
                let (n, from) = sock.recv_from(&mut buf).ok()?;
                sock.send_to(&buf[..n], from).ok()?;
                Some(buf[..n].to_vec())
            })
            .expect("server thread");
        ready_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("ready");
        let (reply, refused) = in_ns(client_ns, || {
            let bind: SocketAddr = SocketAddr::new(ip(client), 0);
            let sock = UdpSocket::bind(bind).expect("bind client");
            sock.set_read_timeout(Some(Duration::from_secs(2)))
                .expect("timeout");
            sock.connect(addr).expect("connect");
            sock.send(b"sanso udp request").expect("send");
            let mut buf = [0u8; 2048];
            let reply = sock.recv(&mut buf).ok().map(|n| buf[..n].to_vec());
            // No server on 5354: the server's kernel answers with ICMP port
            // unreachable, which passes only as related to the allowed flow.
            let other = UdpSocket::bind(bind).expect("bind client");
            other
                .set_read_timeout(Some(Duration::from_secs(2)))
                .expect("timeout");
            other
                .connect(SocketAddr::new(ip(server), 5354))
                .expect("connect");
            other.send(b"nobody listens").expect("send");
            let refused = other
                .recv(&mut buf)
                .err()
                .map(|e| e.kind() == ErrorKind::ConnectionRefused);
            (reply, refused)
        });
        assert_eq!(
            srv.join().expect("server").as_deref(),
            Some(&b"sanso udp request"[..]),
            "{client}"
        );
        assert_eq!(
            reply.as_deref(),
            Some(&b"sanso udp request"[..]),
            "{client}: the reply"
        );
        assert_eq!(
            refused,
            Some(true),
            "{client}: the ICMP port unreachable came back"
        );
    }
}

#[test]
fn a_connection_lives_only_as_long_as_its_flow() {
    if !common::root_or_skip("a_connection_lives_only_as_long_as_its_flow") {
        return;
    }
    let web = flow("web", "\"tcp/8080\"", "");
    let web_relabelled = "[[flows]]\nname = \"web\"\nfrom = [\"office\"]\nto = [\"server\"]\nservices = [\"tcp/8080\"]\nreason = \"another reason\"\nlog = true\n";
    let db = flow("db", "\"tcp/9090\", \"tcp/9091\"", "");
    let db_narrowed = flow("db", "\"tcp/9091\"", "");
    let other = flow("other", "\"tcp/7070\"", "");
    let first = load(&policy_text(&format!("{web}\n{db}\n{other}")));
    let topo = topology(&first);
    topo.load_ruleset(&compile(&first)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    let web4 = Held::open(client_ns, server_ns, SocketAddr::new(ip(SERVER_V4), 8080));
    let web6 = Held::open(client_ns, server_ns, SocketAddr::new(ip(SERVER_V6), 8080));
    let db4 = Held::open(client_ns, server_ns, SocketAddr::new(ip(SERVER_V4), 9090));
    let db6 = Held::open(client_ns, server_ns, SocketAddr::new(ip(SERVER_V6), 9090));
    let all = [&web4, &web6, &db4, &db6];
    assert_eq!(rounds(&all, 1), [true; 4], "the connections work");

    // The same policy again (a reload): every connection goes on.
    topo.load_ruleset(&compile(&first)).expect("reload");
    assert_eq!(rounds(&all, 2), [true; 4], "a reload cut connections");

    // Another flow removed; web's reason and log changed (not what it
    // allows): every connection goes on.
    let kept = load(&policy_text(&format!("{web_relabelled}\n{db}")));
    topo.load_ruleset(&compile(&kept)).expect("apply");
    assert_eq!(
        rounds(&all, 3),
        [true; 4],
        "an apply that keeps the flows (reason and log changed) cut connections"
    );
    assert_eq!(
        counter(&topo, "sanso", "ended"),
        0,
        "packets ended before any flow did"
    );

    // web removed: its connections stop passing, db's go on.
    let without_web = load(&policy_text(&db));
    topo.load_ruleset(&compile(&without_web)).expect("apply");
    assert_eq!(
        rounds(&all, 4),
        [false, false, true, true],
        "after the apply that removed web: web4, web6, db4, db6 passing"
    );
    assert!(
        counter(&topo, "sanso", "ended") > 0,
        "the ended counter did not count"
    );

    // db narrowed to tcp/9091: its connections on 9090 stop passing (an
    // apply recreates the table, so the counters start again from 0).
    let narrowed = load(&policy_text(&db_narrowed));
    topo.load_ruleset(&compile(&narrowed)).expect("apply");
    assert_eq!(
        rounds(&[&db4, &db6], 5),
        [false, false],
        "db's connections to 9090 outlived its narrowing to 9091"
    );
    assert!(
        counter(&topo, "sanso", "ended") > 0,
        "the ended counter did not count"
    );
}

/// One exchange of a connection watched across an `until`: when it started
/// and ended, in milliseconds since the epoch, and whether it came back.
#[derive(Clone, Copy, Debug)]
struct Try {
    start_ms: i64,
    end_ms: i64,
    ok: bool,
}

/// A family's server, the client thread watching its connection, and the
/// echo server.
type Watcher = (&'static str, InNetns<Vec<Try>>, InNetns<Vec<u8>>);

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

#[test]
fn a_connection_ends_within_a_second_of_its_flows_until() {
    if !common::root_or_skip("a_connection_ends_within_a_second_of_its_flows_until") {
        return;
    }
    // The flow ends 4 s from now (an RFC 3339 instant with offset, whole
    // seconds), with no apply after.
    let until =
        jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + 4).expect("instant");
    let until_text = until.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    let until_ms = until.as_millisecond();
    let policy = load(&policy_text(&flow(
        "window",
        "\"tcp/8080\"",
        &format!("until = \"{until_text}\""),
    )));
    let topo = topology(&policy);
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    // One connection per family, watched at once: 256-byte exchanges every
    // 100 ms until one fails or until + 2 s, then one more at until + 1.5 s
    // or later.
    let watchers: Vec<Watcher> = FAMILIES
        .iter()
        .map(|(_, server)| {
            let addr = SocketAddr::new(ip(server), 8080);
            let srv = spawn_echo_server(server_ns, addr, Duration::from_secs(15));
            let watcher = client_ns
                .spawn(move || {
                    let mut tries = Vec::new();
                    let Ok(mut stream) = connect(addr) else {
                        return tries;
                    };
                    let mut seed = 1u8;
                    while now_ms() < until_ms + 2000 {
                        let data = pattern(256, seed);
                        let start_ms = now_ms();
                        let ok = exchange(&mut stream, &data, Duration::from_millis(400)) == data;
                        tries.push(Try {
                            start_ms,
                            end_ms: now_ms(),
                            ok,
                        });
                        if !ok {
                            break;
                        }
                        seed = seed.wrapping_add(1);
                        thread::sleep(Duration::from_millis(100));
                    }
                    let wait = (until_ms + 1500 - now_ms()).max(0);
                    thread::sleep(Duration::from_millis(wait as u64));
                    let start_ms = now_ms();
                    let data = pattern(256, 99);
                    let ok = exchange(&mut stream, &data, Duration::from_millis(800)) == data;
                    tries.push(Try {
                        start_ms,
                        end_ms: now_ms(),
                        ok,
                    });
                    tries
                })
                .expect("client thread");
            (*server, watcher, srv)
        })
        .collect();
    for (server, watcher, srv) in watchers {
        let tries = watcher.join().expect("watcher");
        drop(srv);
        let last_ok = tries.iter().filter(|t| t.ok).map(|t| t.end_ms).max();
        let first_failed = tries.iter().find(|t| !t.ok).map(|t| t.start_ms);
        println!(
            "{server}: {} exchanges; last passed {:?} ms, first failed {:?} ms from the until instant",
            tries.len(),
            last_ok.map(|t| t - until_ms),
            first_failed.map(|t| t - until_ms)
        );
        let last_ok = last_ok.unwrap_or_else(|| panic!("{server}: no exchange passed"));
        assert!(
            last_ok >= until_ms - 1500,
            "{server}: the connection stopped {} ms before its until",
            until_ms - last_ok
        );
        for t in tries.iter().filter(|t| t.ok) {
            assert!(
                t.start_ms < until_ms + 1000,
                "{server}: an exchange started {} ms after the flow's until passed",
                t.start_ms - until_ms
            );
        }
        let last = tries.last().expect("tries");
        assert!(
            !last.ok && last.start_ms >= until_ms + 1000,
            "{server}: the connection still passes after its flow's until ({last:?})"
        );
        let first_failed = first_failed.expect("a failed exchange");
        assert!(
            first_failed < until_ms + 1000,
            "{server}: the first failing exchange started {} ms after the until",
            first_failed - until_ms
        );
    }
    assert!(
        counter(&topo, "sanso", "ended") > 0,
        "the ended counter did not count"
    );
}

#[test]
fn a_rate_limited_flow_admits_no_more_than_its_limit() {
    if !common::root_or_skip("a_rate_limited_flow_admits_no_more_than_its_limit") {
        return;
    }
    let policy = load(&policy_text(&flow(
        "limited",
        "\"tcp/8082\"",
        "limit = \"3/minute\"",
    )));
    let topo = topology(&policy);
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    let addr = SocketAddr::new(ip(SERVER_V4), 8082);
    // A server that accepts whatever arrives for a few seconds.
    let (ready_tx, ready_rx) = mpsc::channel();
    let srv = server_ns
        .spawn(move || {
            let listener = TcpListener::bind(addr).expect("bind");
            listener.set_nonblocking(true).expect("nonblocking");
            ready_tx.send(()).expect("ready");
            let start = Instant::now();
            let mut accepted = 0;
            while start.elapsed() < Duration::from_secs(6) {
                match listener.accept() {
                    Ok(_) => accepted += 1,
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
            accepted
        })
        .expect("server thread");
    ready_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("ready");
    let attempts = 10;
    let connected = in_ns(client_ns, || {
        (0..attempts)
            .filter(|_| TcpStream::connect_timeout(&addr, Duration::from_millis(400)).is_ok())
            .count()
    });
    let accepted = srv.join().expect("server");
    println!(
        "limit 3/minute: {connected} of {attempts} connections admitted, server accepted {accepted}"
    );
    assert!(connected >= 1, "the flow admitted nothing");
    assert!(
        connected <= 3,
        "{connected} new connections passed a 3/minute limit"
    );
    assert_eq!(accepted, connected);
}
