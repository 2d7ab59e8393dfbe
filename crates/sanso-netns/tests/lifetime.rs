//! Real clients through the compiled ruleset (issue 12): kernel sockets in
//! the peer namespaces of a throwaway topology, not crafted first packets.
//!
//! * TCP request and response of several KB each way, over IPv4 and IPv6;
//!   a SYN in the reverse direction is dropped.
//! * UDP request and response; an ICMP port-unreachable for an allowed UDP
//!   flow comes back (`related`).
//! * A connection lives only as long as its flow: it survives an apply that
//!   keeps the flow, stops passing after an apply that removes it, and stops
//!   within a second of the flow's `until`, with no apply at all.
//!
//! Every wait is bounded; namespaces are removed on drop, also on panic.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use sanso_netns::netns::{enter, Netns};
use sanso_netns::{Probe, ProbeDst, ProbeL4, Topology};
use sanso_policy::Policy;

const CLIENT_V4: &str = "10.20.0.5";
const SERVER_V4: &str = "10.21.0.10";
const CLIENT_V6: &str = "fd00:20::5";
const SERVER_V6: &str = "fd00:21::10";

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

fn load(text: &str) -> Policy {
    sanso_policy::load_policy("clients.toml", text).unwrap_or_else(|d| panic!("{}", d.render(false)))
}

fn compile(policy: &Policy) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    sanso_nft::text::render(&sanso_ir::lower(policy, now))
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

/// The topology for the client and server addresses of both families.
fn topology(policy: &Policy) -> Topology {
    let probes: Vec<Probe> = [(CLIENT_V4, SERVER_V4), (CLIENT_V6, SERVER_V6)]
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

/// The peer namespace behind gateway interface `interface`.
fn peer<'t>(topo: &'t Topology, interface: &str) -> &'t Netns {
    let i = topo
        .plan()
        .links
        .iter()
        .position(|l| l.interface == interface)
        .expect("link");
    &topo.peers()[i]
}

/// Runs `f` on a thread that has entered namespace `ns`.
fn in_ns<T: Send>(ns: &Netns, f: impl FnOnce() -> T + Send) -> T {
    let file = ns.open().expect("open namespace");
    let name = ns.name().to_owned();
    thread::scope(|s| {
        s.spawn(move || {
            enter(&file, &name).expect("setns");
            f()
        })
        .join()
        .expect("namespace thread panicked")
    })
}

/// A TCP server in the server peer: accepts one connection and echoes
/// everything it reads until the client closes, or until `deadline`.
/// Returns the bytes it received, in order.
fn spawn_echo_server(
    ns: &Netns,
    addr: SocketAddr,
    deadline: Duration,
) -> thread::JoinHandle<Vec<u8>> {
    let file = ns.open().expect("open namespace");
    let name = ns.name().to_owned();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let handle = thread::spawn(move || {
        enter(&file, &name).expect("setns");
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
    });
    ready_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("server ready");
    handle
}

/// Sends `data` and reads the same number of bytes back within `wait`;
/// returns what came back.
fn exchange(stream: &mut TcpStream, data: &[u8], wait: Duration) -> Vec<u8> {
    stream.set_read_timeout(Some(Duration::from_millis(100))).expect("timeout");
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
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// Connects to `server` from the namespace the thread is in (its peer holds
/// only the client address of each family, so the kernel picks it).
fn connect(server: SocketAddr) -> std::io::Result<TcpStream> {
    TcpStream::connect_timeout(&server, Duration::from_secs(2))
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
    for (client, server) in [(CLIENT_V4, SERVER_V4), (CLIENT_V6, SERVER_V6)] {
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
        assert_eq!(received.len(), sent.len(), "{client} -> {server}: server got");
        assert!(received == sent, "{client} -> {server}: bytes differ");
        assert!(back == sent, "{client} -> {server}: the reply came back ({} bytes)", back.len());
    }
    // The reverse direction has no flow: a SYN from the server side is dropped.
    let listener_addr = SocketAddr::new(ip(CLIENT_V4), 8080);
    let srv = spawn_echo_server(client_ns, listener_addr, Duration::from_secs(3));
    let result = in_ns(server_ns, || {
        TcpStream::connect_timeout(&listener_addr, Duration::from_millis(1500)).map(drop)
    });
    assert!(result.is_err(), "a reverse SYN got through");
    assert!(srv.join().expect("server").is_empty());
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
    for (client, server) in [(CLIENT_V4, SERVER_V4), (CLIENT_V6, SERVER_V6)] {
        let addr = SocketAddr::new(ip(server), 5353);
        let file = server_ns.open().expect("open");
        let name = server_ns.name().to_owned();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let srv = thread::spawn(move || {
            enter(&file, &name).expect("setns");
            let sock = UdpSocket::bind(addr).expect("bind");
            sock.set_read_timeout(Some(Duration::from_secs(3))).expect("timeout");
            ready_tx.send(()).expect("ready");
            let mut buf = [0u8; 2048];
            let (n, from) = sock.recv_from(&mut buf).ok()?;
            sock.send_to(&buf[..n], from).ok()?;
            Some(buf[..n].to_vec())
        });
        ready_rx.recv_timeout(Duration::from_secs(5)).expect("ready");
        let (reply, refused) = in_ns(client_ns, || {
            let bind: SocketAddr = SocketAddr::new(ip(client), 0);
            let sock = UdpSocket::bind(bind).expect("bind client");
            sock.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
            sock.connect(addr).expect("connect");
            sock.send(b"sanso udp request").expect("send");
            let mut buf = [0u8; 2048];
            let reply = sock.recv(&mut buf).ok().map(|n| buf[..n].to_vec());
            // No server on 5354: the server's kernel answers with ICMP port
            // unreachable, which passes only as related to the allowed flow.
            let other = UdpSocket::bind(bind).expect("bind client");
            other.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
            other.connect(SocketAddr::new(ip(server), 5354)).expect("connect");
            other.send(b"nobody listens").expect("send");
            let refused = other
                .recv(&mut buf)
                .err()
                .map(|e| e.kind() == ErrorKind::ConnectionRefused);
            (reply, refused)
        });
        assert_eq!(srv.join().expect("server").as_deref(), Some(&b"sanso udp request"[..]), "{client}");
        assert_eq!(reply.as_deref(), Some(&b"sanso udp request"[..]), "{client}: the reply");
        assert_eq!(refused, Some(true), "{client}: the ICMP port unreachable came back");
    }
}

#[test]
fn a_connection_lives_only_as_long_as_its_flow() {
    if !common::root_or_skip("a_connection_lives_only_as_long_as_its_flow") {
        return;
    }
    let web = flow("web", "\"tcp/8080\"", "");
    let other = flow("other", "\"tcp/9090\"", "");
    let with_web = load(&policy_text(&format!("{web}\n{other}")));
    let topo = topology(&with_web);
    topo.load_ruleset(&compile(&with_web)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    let addr = SocketAddr::new(ip(SERVER_V4), 8080);
    let srv = spawn_echo_server(server_ns, addr, Duration::from_secs(20));
    let client_file = client_ns.open().expect("open");
    let client_name = client_ns.name().to_owned();
    let (to_client, commands) = std::sync::mpsc::channel::<Option<u8>>();
    let (results, from_client) = std::sync::mpsc::channel::<bool>();
    let client = thread::spawn(move || {
        enter(&client_file, &client_name).expect("setns");
        let mut stream = connect(addr).expect("connect");
        results.send(true).expect("connected");
        while let Ok(Some(seed)) = commands.recv_timeout(Duration::from_secs(20)) {
            let data = pattern(4096, seed);
            let back = exchange(&mut stream, &data, Duration::from_millis(1500));
            results.send(back == data).expect("result");
        }
    });
    assert!(from_client.recv_timeout(Duration::from_secs(5)).expect("connected"));
    let round = |seed: u8| -> bool {
        to_client.send(Some(seed)).expect("command");
        from_client.recv_timeout(Duration::from_secs(5)).expect("result")
    };
    assert!(round(1), "the connection works");

    // An apply that keeps "web" unchanged (another flow removed): it survives.
    let still = load(&policy_text(&web));
    topo.load_ruleset(&compile(&still)).expect("reload");
    assert!(round(2), "the connection survives an apply that keeps its flow");

    // An apply that removes "web": its open connection stops passing.
    let without = load(&policy_text(&other));
    topo.load_ruleset(&compile(&without)).expect("reload");
    assert!(!round(3), "the connection outlived its removed flow");
    let ended = topo.nft(&["list", "counter", "inet", "sanso", "ended"]).expect("counter");
    assert!(!ended.contains("packets 0 "), "the ended counter did not count: {ended}");
    to_client.send(None).expect("stop");
    client.join().expect("client");
    drop(srv);
}

#[test]
fn a_connection_ends_within_a_second_of_its_flows_until() {
    if !common::root_or_skip("a_connection_ends_within_a_second_of_its_flows_until") {
        return;
    }
    // The flow ends 4 s from now (an RFC 3339 instant), with no apply after.
    let until = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(4);
    let until_text = until.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let until_secs = until.as_second();
    let policy = load(&policy_text(&flow(
        "window",
        "\"tcp/8080\"",
        &format!("until = \"{until_text}\""),
    )));
    let topo = topology(&policy);
    topo.load_ruleset(&compile(&policy)).expect("load");
    let server_ns = peer(&topo, "lg1");
    let client_ns = peer(&topo, "lg0");
    let addr = SocketAddr::new(ip(SERVER_V4), 8080);
    let srv = spawn_echo_server(server_ns, addr, Duration::from_secs(15));
    let (before, last_ok, after) = in_ns(client_ns, || {
        let mut stream = connect(addr).expect("connect");
        let before = exchange(&mut stream, &pattern(2048, 1), Duration::from_secs(1)).len() == 2048;
        // Small exchanges every 200 ms until one fails or 8 s passed.
        let start = Instant::now();
        let mut seed = 2u8;
        let mut last_ok = None;
        while start.elapsed() < Duration::from_secs(8) {
            let data = pattern(256, seed);
            if exchange(&mut stream, &data, Duration::from_millis(400)) == data {
                last_ok = Some(jiff::Timestamp::now().as_second());
            } else {
                break;
            }
            seed = seed.wrapping_add(1);
            thread::sleep(Duration::from_millis(200));
        }
        // Well after the instant: nothing passes.
        thread::sleep(Duration::from_millis(500));
        let after = exchange(&mut stream, &pattern(256, 99), Duration::from_millis(800)).is_empty();
        (before, last_ok, after)
    });
    drop(srv);
    assert!(before, "the connection worked inside its window");
    let last_ok = last_ok.expect("no exchange succeeded before the until instant");
    assert!(
        last_ok <= until_secs,
        "an exchange passed at {last_ok}, after the flow's until {until_secs}"
    );
    assert!(
        last_ok >= until_secs - 2,
        "the connection stopped at {last_ok}, well before its until {until_secs}"
    );
    assert!(after, "the connection still passes after its flow's until");
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
    let file = server_ns.open().expect("open");
    let name = server_ns.name().to_owned();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let srv = thread::spawn(move || {
        enter(&file, &name).expect("setns");
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
    });
    ready_rx.recv_timeout(Duration::from_secs(5)).expect("ready");
    let attempts = 10;
    let connected = in_ns(client_ns, || {
        (0..attempts)
            .filter(|_| {
                TcpStream::connect_timeout(&addr, Duration::from_millis(400)).is_ok()
            })
            .count()
    });
    let accepted = srv.join().expect("server");
    println!("limit 3/minute: {connected} of {attempts} connections admitted, server accepted {accepted}");
    assert!(connected >= 1, "the flow admitted nothing");
    assert!(connected <= 3, "{connected} new connections passed a 3/minute limit");
    assert_eq!(accepted, connected);
}

/// The packets of a named counter of `table inet sanso` in the gateway.
fn counter(topo: &Topology, name: &str) -> u64 {
    let out = topo
        .nft(&["list", "counter", "inet", "sanso", name])
        .expect("list counter");
    out.split_whitespace()
        .skip_while(|w| *w != "packets")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no packets in {out}"))
}

fn counters_with_prefix(topo: &Topology, prefix: &str) -> Vec<(String, u64)> {
    let out = topo.nft(&["-j", "list", "counters", "table", "inet", "sanso"]).expect("counters");
    let json: serde_json::Value = serde_json::from_str(&out).expect("nft -j");
    json["nftables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("counter"))
        .filter_map(|c| Some((c["name"].as_str()?.to_owned(), c["packets"].as_u64()?)))
        .filter(|(n, _)| n.starts_with(prefix))
        .collect()
}

fn run_in(ns: &Netns, args: &[&str]) -> std::process::Output {
    std::process::Command::new("ip")
        .args(["netns", "exec", ns.name()])
        .args(args)
        .output()
        .expect("run in namespace")
}

#[test]
fn ipv6_neighbour_discovery_and_mld_keep_working_and_link_local_is_no_zone() {
    if !common::root_or_skip("ipv6_neighbour_discovery_and_mld_keep_working_and_link_local_is_no_zone") {
        return;
    }
    let policy = load(&policy_text(&flow("ping", "\"ping\"", "")));
    let topo = topology(&policy);
    topo.load_ruleset(&compile(&policy)).expect("load");
    let client_ns = peer(&topo, "lg0");
    // The client has to find the gateway by neighbour discovery now.
    let out = std::process::Command::new("ip")
        .args(["-n", client_ns.name(), "neigh", "del", "fe80::1", "dev", "p0"])
        .output()
        .expect("ip neigh del");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // MLD: joining a group makes the client's kernel send MLD reports from
    // its link-local address with hop limit 1 to the gateway's link.
    let joined = in_ns(client_ns, || {
        let sock = UdpSocket::bind("[::]:0").expect("bind");
        let ifindex = nix::net::if_::if_nametoindex("p0").expect("ifindex");
        sock.join_multicast_v6(&"ff02::5a:4e50".parse().expect("group"), ifindex)
            .map(|()| sock)
    })
    .expect("join the group");
    // ND (NS from the client, NA from the gateway), then the echo through
    // the gateway to the server and its reply.
    let ping = run_in(client_ns, &["ping", "-6", "-c", "2", "-W", "2", SERVER_V6]);
    assert!(
        ping.status.success(),
        "ping over IPv6 through the gateway failed (neighbour discovery?): {}",
        String::from_utf8_lossy(&ping.stdout)
    );
    let neigh = run_in(client_ns, &["ip", "-6", "neigh", "show", "fe80::1", "dev", "p0"]);
    let neigh = String::from_utf8_lossy(&neigh.stdout).into_owned();
    assert!(neigh.contains("lladdr"), "the gateway was not discovered: {neigh}");
    // A link-local packet to the gateway other than ND and MLD belongs to no
    // zone: dropped and counted as such, not as spoofed.
    let before = counter(&topo, "drop.link-local");
    let ll = run_in(client_ns, &["ping", "-6", "-c", "1", "-W", "1", "fe80::1%p0"]);
    assert!(!ll.status.success(), "a link-local echo to the gateway was answered");
    assert!(counter(&topo, "drop.link-local") > before, "the link-local drop was not counted");
    drop(joined);
    assert_eq!(counter(&topo, "spoofed"), 0, "ND or MLD counted as spoofed");
    let self_drops: Vec<(String, u64)> = counters_with_prefix(&topo, "drop.self.")
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    assert!(self_drops.is_empty(), "the gateway's own ND or MLD was dropped: {self_drops:?}");
}
