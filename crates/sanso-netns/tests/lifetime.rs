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
//! The clients and servers are those of [`sanso_netns::tcp`]. Every wait
//! is bounded (socket timeouts, deadlines, channel timeouts); namespaces are
//! removed on drop, also on panic.

mod common;

use common::{compile, counter, load, peer};

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use sanso_netns::netns::{InNetns, Netns};
use sanso_netns::tcp::{
    echo_once, echo_service, exchange, office_and_servers, pattern, rounds, topology, watch, Held,
    LastTry, Try, Watch, FAMILIES, SERVER_V4, SERVER_V6,
};

/// The fixture's two lgwan zones ([`office_and_servers`]); `flows` is
/// appended as written.
fn policy_text(flows: &str) -> String {
    format!(
        "[policy]\nname = \"clients\"\n{}\n{flows}\n",
        office_and_servers()
    )
}

fn flow(name: &str, services: &str, extra: &str) -> String {
    format!(
        "[[flows]]\nname = \"{name}\"\nfrom = [\"office\"]\nto = [\"server\"]\nservices = [{services}]\nreason = \"test\"\n{extra}\n"
    )
}

/// Runs `f` inside namespace `ns` and returns its value.
fn in_ns<T: Send>(ns: &Netns, f: impl FnOnce() -> T + Send) -> T {
    ns.run(f).expect("namespace thread")
}

/// Connects to `server` from the namespace the thread is in (its peer holds
/// only the client address of each family, so the kernel picks it).
fn connect(server: SocketAddr) -> std::io::Result<TcpStream> {
    TcpStream::connect_timeout(&server, Duration::from_secs(2))
}

/// A TCP connection held open by a client thread in the near namespace to
/// an echo server of its own in the far one (which ends when the client
/// closes, or after 40 s).
fn hold(client_ns: &Netns, server_ns: &Netns, server: SocketAddr) -> (Held, InNetns<Vec<u8>>) {
    let srv = echo_once(server_ns, server, Duration::from_secs(40)).expect("server");
    let held = Held::open("connection", client_ns, server).expect("a held connection");
    (held, srv)
}

/// One round on every connection at once: each sends 4 KB; which came back
/// whole within 1.5 s.
fn round(held: &[&Held], seed: u8) -> Vec<bool> {
    rounds(held, &pattern(4096, seed), Duration::from_millis(1500)).expect("a round")
}

#[test]
fn tcp_both_ways_over_both_families_and_no_reverse_syn() {
    if !common::root_or_skip("tcp_both_ways_over_both_families_and_no_reverse_syn") {
        return;
    }
    let policy = load(&policy_text(&flow("web", "\"tcp/8080\"", "")));
    let topo = topology(&policy).expect("topology");
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    for (client, server) in FAMILIES {
        let addr = SocketAddr::new(server, 8080);
        let srv = echo_once(server_ns, addr, Duration::from_secs(5)).expect("server");
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
        let listener_addr = SocketAddr::new(client, 8080);
        let srv = echo_once(client_ns, listener_addr, Duration::from_secs(3)).expect("server");
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
    let topo = topology(&policy).expect("topology");
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    for (client, server) in FAMILIES {
        let addr = SocketAddr::new(server, 5353);
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
            let bind: SocketAddr = SocketAddr::new(client, 0);
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
                .connect(SocketAddr::new(server, 5354))
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
    let topo = topology(&first).expect("topology");
    topo.load_ruleset(&compile(&first)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    let (web4, _web4) = hold(client_ns, server_ns, SocketAddr::new(SERVER_V4, 8080));
    let (web6, _web6) = hold(client_ns, server_ns, SocketAddr::new(SERVER_V6, 8080));
    let (db4, _db4) = hold(client_ns, server_ns, SocketAddr::new(SERVER_V4, 9090));
    let (db6, _db6) = hold(client_ns, server_ns, SocketAddr::new(SERVER_V6, 9090));
    let all = [&web4, &web6, &db4, &db6];
    assert_eq!(round(&all, 1), [true; 4], "the connections work");

    // The same policy again (a reload): every connection goes on.
    topo.load_ruleset(&compile(&first)).expect("reload");
    assert_eq!(round(&all, 2), [true; 4], "a reload cut connections");

    // Another flow removed; web's reason and log changed (not what it
    // allows): every connection goes on.
    let kept = load(&policy_text(&format!("{web_relabelled}\n{db}")));
    topo.load_ruleset(&compile(&kept)).expect("apply");
    assert_eq!(
        round(&all, 3),
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
        round(&all, 4),
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
        round(&[&db4, &db6], 5),
        [false, false],
        "db's connections to 9090 outlived its narrowing to 9091"
    );
    assert!(
        counter(&topo, "sanso", "ended") > 0,
        "the ended counter did not count"
    );
}

/// A family's server, the client thread watching its connection, and the
/// echo server.
type Watcher = (std::net::IpAddr, InNetns<Vec<Try>>, InNetns<Vec<u8>>);

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
    let topo = topology(&policy).expect("topology");
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    // One connection per family, watched at once: 256-byte exchanges every
    // 100 ms until one fails or until + 2 s, then one more at until + 1.5 s
    // or later.
    let watching = Watch {
        size: 256,
        wait: Duration::from_millis(400),
        pause: Duration::from_millis(100),
        until_ms: until_ms + 2000,
        last: Some(LastTry {
            at_ms: until_ms + 1500,
            wait: Duration::from_millis(800),
        }),
    };
    let watchers: Vec<Watcher> = FAMILIES
        .iter()
        .map(|&(_, server)| {
            let addr = SocketAddr::new(server, 8080);
            let srv = echo_once(server_ns, addr, Duration::from_secs(15)).expect("server");
            let watcher = watch(client_ns, addr, watching).expect("a watched connection");
            (server, watcher, srv)
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
    let topo = topology(&policy).expect("topology");
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    let addr = SocketAddr::new(SERVER_V4, 8082);
    // A server that accepts whatever arrives for a few seconds.
    let stop = Arc::new(AtomicBool::new(false));
    let srv = echo_service(server_ns, addr, Duration::from_secs(6), &stop).expect("server");
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
