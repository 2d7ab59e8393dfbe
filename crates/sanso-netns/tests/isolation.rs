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
//! The clients and servers are those of [`sanso_netns::tcp`]: servers
//! accept as many connections as come; every wait is bounded; namespaces
//! are removed on drop, also on panic.

mod common;

use common::{compile, counter, load, peer};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use sanso_netns::tcp::{
    echo_service, exchanges, gateway_addresses, new_connections, now_ms, office_and_servers,
    pattern, rounds, topology, watch_each, Held, Try, Watch, FAMILIES,
};
use sanso_nft::isolation::{cut_connections, set_isolated, Isolated};

/// The office (the zone to isolate) reaches the server on 8080; the server
/// reaches the office on 8081; the office manages the gateway on 2222; the
/// gateway reaches the office on 9000.
const FLOWS: &str = r#"
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

/// One round of 1 KB on every held connection: which came back in `wait`.
fn round(held: &[&Held], seed: u8, wait: Duration) -> Vec<bool> {
    rounds(held, &pattern(1024, seed), wait).expect("a round on the held connections")
}

#[test]
fn isolation_cuts_live_connections_within_a_second_keeps_management_and_release_reopens() {
    if !common::root_or_skip(
        "isolation_cuts_live_connections_within_a_second_keeps_management_and_release_reopens",
    ) {
        return;
    }
    let policy = load(&format!(
        "[policy]\nname = \"isolation\"\n{}{FLOWS}",
        office_and_servers()
    ));
    let topo = topology(&policy).expect("topology");
    topo.load_ruleset(&compile(&policy)).expect("load");
    let gateway = topo.gateway();
    let gw_name = gateway.name().to_owned();
    let servers = peer(&topo, "lg1");
    let office = peer(&topo, "lg0");
    let gw_addrs = gateway_addresses(&topo, "lg0").expect("lg0");
    println!("the gateway's addresses on lg0: {gw_addrs:?}");

    let life = Duration::from_secs(60);
    let stop = Arc::new(AtomicBool::new(false));
    let mut services = Vec::new();
    let mut web = Vec::new();
    let mut back = Vec::new();
    let mut admin = Vec::new();
    let mut push = Vec::new();
    for (i, &(client, server)) in FAMILIES.iter().enumerate() {
        web.push(SocketAddr::new(server, 8080));
        back.push(SocketAddr::new(client, 8081));
        admin.push(SocketAddr::new(gw_addrs[i], 2222));
        push.push(SocketAddr::new(client, 9000));
        for (ns, addr) in [
            (servers, web[i]),
            (office, back[i]),
            (gateway, admin[i]),
            (office, push[i]),
        ] {
            services.push(echo_service(ns, addr, life, &stop).expect("service"));
        }
    }
    let all_new = |label: &str| {
        let mut tries = Vec::new();
        for i in 0..2 {
            tries.push((office, web[i]));
            tries.push((servers, back[i]));
            tries.push((office, admin[i]));
            tries.push((gateway, push[i]));
        }
        let got = new_connections(&tries).expect("new connections");
        println!("{label}: new connections web4, back4, admin4, push4, web6, back6, admin6, push6: {got:?}");
        got
    };
    // Before: everything the policy allows opens.
    assert_eq!(all_new("before"), [true; 8], "the policy's flows work");

    let held_web = Held::open_each("web", office, &web).expect("held connections");
    let held_admin = Held::open_each("admin", office, &admin).expect("held connections");
    let held_push = Held::open_each("push", gateway, &push).expect("held connections");
    let held: Vec<&Held> = held_web
        .iter()
        .chain(&held_admin)
        .chain(&held_push)
        .collect();
    let wait = Duration::from_millis(1500);
    assert_eq!(round(&held, 1, wait), [true; 6], "the connections work");

    // Two connections watched through the isolation, one per family.
    let watchers =
        watch_each(office, &web, Watch::for_cut(now_ms() + 3000)).expect("watched connections");
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
        round(&held, 2, wait),
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
    let data = pattern(1024, 3);
    let after = exchanges(&held, &data, Duration::from_secs(3)).expect("a round after release");
    let back: Vec<usize> = after.iter().map(Vec::len).collect();
    println!(
        "after release, bytes back in 3 s on the cut web4, web6, push4, push6 connections \
         (2048 sent since the cut): {:?}",
        [back[0], back[1], back[4], back[5]]
    );
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
