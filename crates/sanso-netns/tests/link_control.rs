//! IPv6 link control through the compiled ruleset (issue 12, item 4, RFC
//! 4890), with the real kernel stacks of a throwaway topology:
//!
//! * neighbour discovery keeps working on the gateway's interfaces, both
//!   ways, from global and from link-local sources; a solicitation that did
//!   not come from the link (hop limit 64) is not taken for ND;
//! * MLD reaches the gateway (MLDv2 and MLDv1 reports, done, a query) and
//!   the gateway's own reports leave;
//! * router advertisements are accepted only on an external zone's
//!   interface (the set `routers`);
//! * a link-local source belongs to no zone: its echo request to the gateway
//!   is dropped and counted as `drop.link-local`, and so is the packet the
//!   kernel turns back out of its interface (forward), which the catch-all
//!   zone would otherwise have taken;
//! * none of it is counted as `spoofed`, `drop.self.<Z>` or `drop.<Z>.self`.
//!
//! What the ruleset accepts is seen by an observer table in the gateway
//! (`table inet observe`, base chains after sanso's at priority filter + 10,
//! which only packets sanso accepted reach), what it drops by sanso's own
//! counters (`nft -j list counters`). Sysctls that matter are set
//! explicitly; every wait is bounded; the namespaces are removed when the
//! topology drops, also when a test fails.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{compile, counter, counters, load, peer};

use std::net::{Ipv6Addr, SocketAddrV6, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use nix::sys::socket::{self, sockopt, AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType};
use sanso_netns::netns::Netns;
use sanso_netns::tcp::{office_and_servers, CLIENT_V6, SERVER_V6};
use sanso_netns::{Probe, ProbeDst, ProbeL4, Topology};

/// The gateway's link-local address on every interface (the harness's).
const GATEWAY_LL: &str = "fe80::1";

/// After the fixture's two lgwan zones ([`office_and_servers`]), a
/// catch-all external zone: without the rules for link-local sources,
/// `fe80::/10` would fall into `upstream`.
const UPSTREAM_AND_FLOWS: &str = r#"
[zones.upstream]
tier = "external"
beyond = "lgwan"
interfaces = ["wan0"]
networks = ["0.0.0.0/0", "::/0"]

[[flows]]
name = "ping"
from = ["office"]
to = ["server"]
services = ["ping"]
reason = "test"
"#;

/// Counts, in the gateway, the ICMPv6 link control that sanso's input and
/// output chains accepted.
const OBSERVER: &str = r#"
table inet observe {
    counter in_ns {
    }
    counter in_na {
    }
    counter in_ra {
    }
    counter in_mld_query {
    }
    counter in_mld1 {
    }
    counter in_mld_done {
    }
    counter in_mld2 {
    }
    counter out_ns {
    }
    counter out_na {
    }
    counter out_mld2 {
    }
    chain input {
        type filter hook input priority filter + 10; policy accept;
        icmpv6 type nd-neighbor-solicit counter name "in_ns"
        icmpv6 type nd-neighbor-advert counter name "in_na"
        icmpv6 type nd-router-advert counter name "in_ra"
        icmpv6 type mld-listener-query counter name "in_mld_query"
        icmpv6 type mld-listener-report counter name "in_mld1"
        icmpv6 type mld-listener-done counter name "in_mld_done"
        icmpv6 type mld2-listener-report counter name "in_mld2"
    }
    chain output {
        type filter hook output priority filter + 10; policy accept;
        icmpv6 type nd-neighbor-solicit counter name "out_ns"
        icmpv6 type nd-neighbor-advert counter name "out_na"
        icmpv6 type mld2-listener-report counter name "out_mld2"
    }
}
"#;

/// The gateway with the compiled ruleset and the observer loaded; the
/// client (behind `lg0`) and server (behind `lg1`) hold their addresses.
fn gateway() -> Topology {
    let policy = load(&format!(
        "[policy]\nname = \"link-control\"\n{}{UPSTREAM_AND_FLOWS}",
        office_and_servers()
    ));
    let probe = Probe {
        iif: None,
        src: CLIENT_V6,
        dst: ProbeDst::Addr(SERVER_V6),
        l4: ProbeL4::Icmp(128),
    };
    let topo = Topology::build(&policy, &[probe]).expect("topology");
    topo.load_ruleset(&compile(&policy))
        .expect("load the ruleset");
    topo.load_ruleset(OBSERVER).expect("load the observer");
    topo
}

/// Writes sysctls inside `ns` (paths under `/proc/sys`).
fn sysctls(ns: &Netns, values: &[(&str, &str)]) {
    ns.run(|| {
        for (path, value) in values {
            std::fs::write(format!("/proc/sys/{path}"), value)
                .unwrap_or_else(|e| panic!("sysctl {path} = {value}: {e}"));
        }
    })
    .expect("in the namespace");
}

fn run_in(ns: &Netns, args: &[&str]) -> std::process::Output {
    Command::new("ip")
        .args(["netns", "exec", ns.name()])
        .args(args)
        .output()
        .expect("run in namespace")
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("ip");
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits (at most 3 s) until counter `name` of `table` exceeds `above`.
fn wait_above(topo: &Topology, table: &str, name: &str, above: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        if counter(topo, table, name) > above {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// None of the link control may be counted as spoofed or as a default drop
/// to or from the gateway.
fn assert_no_spoofed_or_self_drops(topo: &Topology) {
    let all = counters(topo, "sanso");
    let bad: Vec<&(String, u64)> = all
        .iter()
        .filter(|(n, p)| {
            *p > 0 && (n == "spoofed" || n.starts_with("drop.self.") || n.ends_with(".self"))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "link control counted as a drop: {bad:?} (all: {all:?})"
    );
}

/// Sends one ICMPv6 message from `ns` out of its `p0` to `dst` with hop
/// limit `hops`; the kernel fills in the checksum and the link-local source.
fn send_icmpv6(ns: &Netns, dst: &str, hops: i32, message: &[u8]) {
    let dst: Ipv6Addr = dst.parse().expect("destination");
    ns.run(|| {
        let fd = socket::socket(
            AddressFamily::Inet6,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::IcmpV6,
        )
        .expect("raw ICMPv6 socket");
        socket::setsockopt(&fd, sockopt::Ipv6MulticastHops, &hops).expect("multicast hops");
        let ifindex = nix::net::if_::if_nametoindex("p0").expect("p0");
        let to = socket::SockaddrIn6::from(SocketAddrV6::new(dst, 0, 0, ifindex));
        let sent = socket::sendto(
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            message,
            &to,
            MsgFlags::empty(),
        )
        .expect("send");
        assert_eq!(sent, message.len());
    })
    .expect("in the namespace");
}

/// A router advertisement that makes no one a default router (lifetime 0).
const ROUTER_ADVERT: [u8; 16] = [134, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// An MLDv2 general query (RFC 3810 5.1): maximum response 1 s, QRV 2,
/// QQIC 125, no sources.
const MLD2_QUERY: [u8; 28] = [
    130, 0, 0, 0, 0x03, 0xe8, 0, 0, //
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // general: ::
    0x02, 125, 0, 0,
];

/// A neighbour solicitation for the gateway's link-local address.
fn neighbour_solicitation() -> Vec<u8> {
    let mut m = vec![135, 0, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(&GATEWAY_LL.parse::<Ipv6Addr>().expect("gateway").octets());
    m
}

/// Joins `group` on interface `ifname` in `ns`; the socket keeps the
/// membership until it is dropped (leaving the group).
fn join(ns: &Netns, ifname: &str, group: &str) -> UdpSocket {
    let group: Ipv6Addr = group.parse().expect("group");
    let ifname = ifname.to_owned();
    ns.run(move || {
        let sock = UdpSocket::bind("[::]:0").expect("bind");
        let ifindex = nix::net::if_::if_nametoindex(ifname.as_str()).expect("ifindex");
        sock.join_multicast_v6(&group, ifindex).expect("join");
        sock
    })
    .expect("in the namespace")
}

fn neighbour(ns: &Netns, addr: &str, dev: &str) -> String {
    let out = run_in(ns, &["ip", "-6", "neigh", "show", addr, "dev", dev]);
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A resolved neighbour entry: a link-layer address, not failed.
fn resolved(entry: &str) -> bool {
    entry.contains("lladdr") && !entry.contains("FAILED") && !entry.contains("INCOMPLETE")
}

#[test]
fn neighbour_discovery_keeps_working_and_link_local_sources_are_in_no_zone() {
    if !common::root_or_skip(
        "neighbour_discovery_keeps_working_and_link_local_sources_are_in_no_zone",
    ) {
        return;
    }
    let topo = gateway();
    let gw = topo.gateway();
    let (client, server) = (peer(&topo, "lg0"), peer(&topo, "lg1"));
    for ns in [client, server] {
        sysctls(
            ns,
            &[
                ("net/ipv6/conf/p0/disable_ipv6", "0"),
                ("net/ipv6/conf/p0/accept_dad", "0"),
                ("net/ipv6/conf/p0/forwarding", "0"),
            ],
        );
    }
    sysctls(
        gw,
        &[
            ("net/ipv6/conf/all/forwarding", "1"),
            ("net/ipv6/conf/lg0/accept_dad", "0"),
            ("net/ipv6/conf/lg1/accept_dad", "0"),
        ],
    );
    // The harness pins every neighbour; forget them, so that the client,
    // the gateway (both sides) and the server have to solicit each other.
    ip(&["-n", client.name(), "neigh", "del", GATEWAY_LL, "dev", "p0"]);
    ip(&["-n", server.name(), "neigh", "del", GATEWAY_LL, "dev", "p0"]);
    let (client_v6, server_v6) = (CLIENT_V6.to_string(), SERVER_V6.to_string());
    ip(&["-n", gw.name(), "neigh", "del", &client_v6, "dev", "lg0"]);
    ip(&["-n", gw.name(), "neigh", "del", &server_v6, "dev", "lg1"]);
    let before = |name: &str| counter(&topo, "observe", name);
    let (ns0, na0, out_ns0, out_na0) = (
        before("in_ns"),
        before("in_na"),
        before("out_ns"),
        before("out_na"),
    );

    // An echo through the gateway on global addresses: ND runs on both links,
    // each side soliciting the other (solicitations from global sources).
    let ping = run_in(client, &["ping", "-6", "-c", "2", "-W", "2", &server_v6]);
    assert!(
        ping.status.success(),
        "ping over IPv6 through the gateway failed: {}{}",
        String::from_utf8_lossy(&ping.stdout),
        String::from_utf8_lossy(&ping.stderr)
    );
    let entries = [
        (client, GATEWAY_LL, "p0"),
        (server, GATEWAY_LL, "p0"),
        (gw, client_v6.as_str(), "lg0"),
        (gw, server_v6.as_str(), "lg1"),
    ];
    for (ns, addr, dev) in entries {
        let entry = neighbour(ns, addr, dev);
        assert!(
            resolved(&entry),
            "{addr} on {dev} in {} not discovered: {entry:?}",
            ns.name()
        );
    }
    assert!(
        counter(&topo, "observe", "in_ns") > ns0,
        "no solicitation reached the gateway"
    );
    assert!(
        counter(&topo, "observe", "in_na") > na0,
        "no advertisement reached the gateway"
    );
    assert!(
        counter(&topo, "observe", "out_ns") > out_ns0,
        "the gateway solicited no one"
    );
    assert!(
        counter(&topo, "observe", "out_na") > out_na0,
        "the gateway advertised nothing"
    );

    // From the client's link-local address: the solicitation (hop limit
    // 255) is accepted and answered, the echo request belongs to no zone,
    // dropped and counted as such.
    ip(&["-n", client.name(), "neigh", "del", GATEWAY_LL, "dev", "p0"]);
    let (ns1, link_local0) = (before("in_ns"), counter(&topo, "sanso", "drop.link-local"));
    let target = format!("{GATEWAY_LL}%p0");
    let ll = run_in(
        client,
        &["ping", "-6", "-c", "2", "-i", "0.3", "-W", "1", &target],
    );
    assert!(
        !ll.status.success(),
        "a link-local echo to the gateway was answered"
    );
    assert!(
        counter(&topo, "observe", "in_ns") > ns1,
        "the link-local solicitation was dropped"
    );
    let entry = neighbour(client, GATEWAY_LL, "p0");
    assert!(
        resolved(&entry),
        "the gateway did not answer a link-local solicitation: {entry:?}"
    );
    assert!(
        counter(&topo, "sanso", "drop.link-local") >= link_local0 + 2,
        "the link-local echo requests were not counted as drop.link-local"
    );

    // A solicitation that did not come from the link (hop limit 64) is not
    // neighbour discovery: dropped with the rest of the link-local source.
    let (ns2, link_local1) = (before("in_ns"), counter(&topo, "sanso", "drop.link-local"));
    send_icmpv6(client, "ff02::1", 64, &neighbour_solicitation());
    assert!(
        wait_above(&topo, "sanso", "drop.link-local", link_local1),
        "a hop-limit-64 solicitation was not dropped as drop.link-local"
    );
    assert_eq!(
        counter(&topo, "observe", "in_ns"),
        ns2,
        "a hop-limit-64 solicitation passed"
    );

    assert_no_spoofed_or_self_drops(&topo);
}

#[test]
fn mld_reaches_the_gateway_and_its_own_reports_leave() {
    if !common::root_or_skip("mld_reaches_the_gateway_and_its_own_reports_leave") {
        return;
    }
    let topo = gateway();
    let gw = topo.gateway();
    let (client, upstream) = (peer(&topo, "lg0"), peer(&topo, "wan0"));
    // MLDv2 everywhere to begin with, unsolicited reports repeated soon.
    sysctls(
        gw,
        &[
            ("net/ipv6/conf/lg0/force_mld_version", "2"),
            ("net/ipv6/conf/wan0/force_mld_version", "2"),
            ("net/ipv6/conf/lg0/mldv2_unsolicited_report_interval", "100"),
        ],
    );
    sysctls(
        client,
        &[
            ("net/ipv6/conf/p0/force_mld_version", "2"),
            ("net/ipv6/conf/p0/mldv1_unsolicited_report_interval", "100"),
            ("net/ipv6/conf/p0/mldv2_unsolicited_report_interval", "100"),
        ],
    );
    let before = |name: &str| counter(&topo, "observe", name);

    // The gateway listens as a multicast router would (ff02::16, where MLDv2
    // reports go) and joins a group itself: its own MLDv2 report leaves.
    let out0 = before("out_mld2");
    let _routers = join(gw, "lg0", "ff02::16");
    let _gw_group = join(gw, "lg0", "ff02::5a:4e50");
    assert!(
        wait_above(&topo, "observe", "out_mld2", out0),
        "the gateway's own MLDv2 report did not leave"
    );

    // A host's MLDv2 report, from its link-local address with hop limit 1.
    let in0 = before("in_mld2");
    let client_v2 = join(client, "p0", "ff02::5a:4e51");
    assert!(
        wait_above(&topo, "observe", "in_mld2", in0),
        "the client's MLDv2 report did not reach the gateway"
    );
    drop(client_v2);

    // MLDv1: a report to the group (which the gateway has joined), then
    // done to all routers when the host leaves.
    sysctls(client, &[("net/ipv6/conf/p0/force_mld_version", "1")]);
    let (v1_0, done0) = (before("in_mld1"), before("in_mld_done"));
    let client_v1 = join(client, "p0", "ff02::5a:4e50");
    assert!(
        wait_above(&topo, "observe", "in_mld1", v1_0),
        "the client's MLDv1 report did not reach the gateway"
    );
    drop(client_v1);
    assert!(
        wait_above(&topo, "observe", "in_mld_done", done0),
        "the client's MLD done did not reach the gateway"
    );

    // A querier on the upstream link (hop limit 1 to all nodes).
    let q0 = before("in_mld_query");
    send_icmpv6(upstream, "ff02::1", 1, &MLD2_QUERY);
    assert!(
        wait_above(&topo, "observe", "in_mld_query", q0),
        "the MLD query did not reach the gateway"
    );

    assert_eq!(
        counter(&topo, "sanso", "drop.link-local"),
        0,
        "MLD counted as drop.link-local"
    );
    assert_no_spoofed_or_self_drops(&topo);
}

#[test]
fn router_advertisements_only_where_routers_live() {
    if !common::root_or_skip("router_advertisements_only_where_routers_live") {
        return;
    }
    let topo = gateway();
    let gw = topo.gateway();
    // The gateway forwards and so ignores advertisements either way; the
    // ruleset decides whether they reach its stack at all.
    sysctls(
        gw,
        &[
            ("net/ipv6/conf/wan0/accept_ra", "0"),
            ("net/ipv6/conf/lg0/accept_ra", "0"),
        ],
    );
    let ra = |ns: &Netns| send_icmpv6(ns, "ff02::1", 255, &ROUTER_ADVERT);

    // From the upstream router: accepted (wan0 is in the set routers).
    let (ra0, ll0) = (
        counter(&topo, "observe", "in_ra"),
        counter(&topo, "sanso", "drop.link-local"),
    );
    ra(peer(&topo, "wan0"));
    assert!(
        wait_above(&topo, "observe", "in_ra", ra0),
        "a router advertisement on the external zone's interface was dropped"
    );
    assert_eq!(counter(&topo, "sanso", "drop.link-local"), ll0);

    // From an office host: a rogue router, dropped with its link-local source.
    let ra1 = counter(&topo, "observe", "in_ra");
    ra(peer(&topo, "lg0"));
    assert!(
        wait_above(&topo, "sanso", "drop.link-local", ll0),
        "a router advertisement on an office interface was not dropped as drop.link-local"
    );
    assert_eq!(
        counter(&topo, "observe", "in_ra"),
        ra1,
        "a router advertisement on an office interface was accepted"
    );

    assert_no_spoofed_or_self_drops(&topo);
}

/// The kernel forwards a link-local source only back out of the interface
/// it came in on (with a redirect); even then it enters no zone: `forward`
/// drops it as `drop.link-local`, where `::/0` of the catch-all zone
/// `upstream` would otherwise have taken it (`drop.upstream.office`).
#[test]
fn a_link_local_source_turned_back_by_the_gateway_enters_no_zone() {
    if !common::root_or_skip("a_link_local_source_turned_back_by_the_gateway_enters_no_zone") {
        return;
    }
    let topo = gateway();
    let gw = topo.gateway();
    let client = peer(&topo, "lg0");
    sysctls(gw, &[("net/ipv6/conf/all/forwarding", "1")]);
    // An office address that the gateway routes back out of lg0.
    let link = topo
        .spec()
        .links
        .iter()
        .find(|l| l.interface == "lg0")
        .expect("lg0");
    let back = "fd00:20::99";
    ip(&[
        "-n",
        gw.name(),
        "route",
        "add",
        &format!("{back}/128"),
        "dev",
        "lg0",
    ]);
    let mac = sanso_netns::placement::mac_text(&link.peer_mac);
    ip(&[
        "-n",
        gw.name(),
        "neigh",
        "replace",
        back,
        "lladdr",
        &mac,
        "dev",
        "lg0",
        "nud",
        "permanent",
    ]);
    let out = run_in(
        client,
        &[
            "ip", "-6", "-o", "addr", "show", "dev", "p0", "scope", "link",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let link_local = text
        .split_whitespace()
        .skip_while(|w| *w != "inet6")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .map(|a| format!("{a}%p0"))
        .unwrap_or_else(|| panic!("no link-local address on the client: {text:?}"));
    let (ll0, upstream0) = (
        counter(&topo, "sanso", "drop.link-local"),
        counter(&topo, "sanso", "drop.upstream.office"),
    );
    // From the client's link-local address to `back`, through the gateway.
    let ping = run_in(
        client,
        &[
            "ping",
            "-6",
            "-c",
            "2",
            "-i",
            "0.3",
            "-W",
            "1",
            "-I",
            &link_local,
            back,
        ],
    );
    assert!(
        !ping.status.success(),
        "the turned-back packet was answered"
    );
    assert!(
        counter(&topo, "sanso", "drop.link-local") >= ll0 + 2,
        "forward did not drop the link-local source as drop.link-local: {}{}",
        String::from_utf8_lossy(&ping.stdout),
        String::from_utf8_lossy(&ping.stderr)
    );
    assert_eq!(
        counter(&topo, "sanso", "drop.upstream.office"),
        upstream0,
        "the link-local source was classified into the catch-all zone"
    );
    assert_eq!(counter(&topo, "sanso", "spoofed"), 0);
}
