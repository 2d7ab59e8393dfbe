//! The classifier's pipeline step by step on a small hand-built policy, each
//! case also checked against the reference evaluator.

mod common;

use common::{ip, net, tcp, Builder};
use sanso_classify::reference::{PolicyFlowIdx, Reference};
use sanso_classify::{Classifier, DecidedBy, Decision, Packet, Path, Verdict, L4};
use sanso_ir::{lower, FlowIdx, ZoneIdx};
use sanso_policy::{Endpoint, ServiceMatch, Tier, ZoneId};

const NOW: i64 = 1_000;

/// zones: lg (10.20/16, fd00:20::/48, if lg0), mn (10.10/16, if mn0), up (catch-all, wan0);
/// hosts: sanitizer 10.20.5.10 in lg.
/// flows: 0 lg->up https; 1 sanitizer->up tcp/400-500 until 1_500; 2 lg->self ssh;
/// 3 self->up dns; 4 lg->up ping; 5 mn->lg tcp/22 until 900 (expired at NOW).
fn policy() -> Builder {
    let mut b = Builder::new();
    let lg = b.zone(
        "lg",
        Tier::Lgwan,
        &["lg0"],
        &[net("10.20.0.0/16"), net("fd00:20::/48")],
    );
    let mn = b.zone("mn", Tier::Mynumber, &["mn0"], &[net("10.10.0.0/16")]);
    let up = b.zone(
        "up",
        Tier::External,
        &["wan0"],
        &[net("0.0.0.0/0"), net("::/0")],
    );
    let san = b.host("sanitizer", ZoneId(0), &[net("10.20.5.10")]);
    b.flow("https-out", &[lg], &[up], &[tcp(443, 443)], None);
    b.flow(
        "sanitizer-window",
        &[san],
        &[up],
        &[tcp(400, 500)],
        Some(1_500),
    );
    b.flow("ssh-in", &[lg], &[Endpoint::Gateway], &[tcp(22, 22)], None);
    b.flow(
        "dns-out",
        &[Endpoint::Gateway],
        &[up],
        &[ServiceMatch::Udp(sanso_policy::PortRange {
            first: 53,
            last: 53,
        })],
        None,
    );
    b.flow(
        "ping",
        &[lg],
        &[up],
        &[ServiceMatch::Icmp(8), ServiceMatch::Icmpv6(128)],
        None,
    );
    b.flow("old", &[mn], &[lg], &[tcp(22, 22)], Some(900));
    b
}

fn packet(path: Path, iif: Option<&str>, src: &str, dst: &str, l4: L4, time: i64) -> Packet {
    Packet {
        path,
        iif: iif.map(str::to_string),
        src: ip(src),
        dst: ip(dst),
        l4,
        time,
    }
}

/// Classifies with both engines, asserts they agree, returns the classifier's decision.
fn decide(b: &Builder, p: &Packet) -> Decision {
    let ruleset = lower(&b.0, NOW);
    let classifier = Classifier::new(&ruleset);
    let decision = classifier.classify(p);
    let reference = Reference::new(&b.0).classify(p);
    assert_eq!(
        classifier.in_policy_terms(decision.clone()),
        reference,
        "engines disagree on {p:?}"
    );
    decision
}

fn flow(i: usize) -> DecidedBy {
    DecidedBy::Flow(FlowIdx(i))
}

#[test]
fn forward_flow_accepts_and_names_the_flow() {
    let b = policy();
    let p = packet(
        Path::Forward,
        Some("lg0"),
        "10.20.1.1",
        "203.0.113.5",
        L4::Tcp { dport: 443 },
        NOW,
    );
    assert_eq!(
        decide(&b, &p),
        Decision {
            verdict: Verdict::Accept,
            by: flow(0)
        }
    );
}

#[test]
fn group_tries_flows_in_policy_order_and_skips_expired() {
    let b = policy();
    let https = packet(
        Path::Forward,
        Some("lg0"),
        "10.20.5.10",
        "203.0.113.5",
        L4::Tcp { dport: 443 },
        NOW,
    );
    assert_eq!(decide(&b, &https).by, flow(0));
    let window = packet(
        Path::Forward,
        Some("lg0"),
        "10.20.5.10",
        "203.0.113.5",
        L4::Tcp { dport: 450 },
        NOW,
    );
    assert_eq!(decide(&b, &window).by, flow(1));
    let after = Packet {
        time: 1_500,
        ..window
    };
    assert_eq!(
        decide(&b, &after),
        Decision {
            verdict: Verdict::Drop,
            by: DecidedBy::DefaultDrop {
                src_zone: Some(ZoneIdx(0)),
                dst_zone: Some(ZoneIdx(2)),
                expired: vec![FlowIdx(1)]
            },
        }
    );
}

#[test]
fn flow_expired_at_compile_time_is_gone() {
    let b = policy();
    let p = packet(
        Path::Forward,
        Some("mn0"),
        "10.10.0.1",
        "10.20.0.1",
        L4::Tcp { dport: 22 },
        NOW,
    );
    let ruleset = lower(&b.0, NOW);
    let d = Classifier::new(&ruleset).classify(&p);
    assert_eq!(
        d.by,
        DecidedBy::DefaultDrop {
            src_zone: Some(ZoneIdx(1)),
            dst_zone: Some(ZoneIdx(0)),
            expired: vec![]
        }
    );
    // The reference sees the flow in the policy, expired.
    let r = Reference::new(&b.0).classify(&p);
    assert_eq!(
        r.by,
        DecidedBy::DefaultDrop {
            src_zone: Some(ZoneIdx(1)),
            dst_zone: Some(ZoneIdx(0)),
            expired: vec![PolicyFlowIdx(5)]
        }
    );
}

#[test]
fn antispoofing_checks_interface_against_source_zone() {
    let b = policy();
    let spoofed = packet(
        Path::Forward,
        Some("wan0"),
        "10.20.1.1",
        "203.0.113.5",
        L4::Tcp { dport: 443 },
        NOW,
    );
    assert_eq!(
        decide(&b, &spoofed),
        Decision {
            verdict: Verdict::Drop,
            by: DecidedBy::AntiSpoof {
                iif: Some("wan0".into()),
                src_zone: Some(ZoneIdx(0))
            },
        }
    );
    let unknown_if = packet(
        Path::ToGateway,
        Some("eth9"),
        "10.20.1.1",
        "10.20.0.1",
        L4::Tcp { dport: 22 },
        NOW,
    );
    assert_eq!(decide(&b, &unknown_if).verdict, Verdict::Drop);
    // No interface given: the source's own zone interface is assumed.
    let default_if = packet(
        Path::ToGateway,
        None,
        "10.20.1.1",
        "10.20.0.1",
        L4::Tcp { dport: 22 },
        NOW,
    );
    assert_eq!(decide(&b, &default_if).by, flow(2));
}

#[test]
fn gateway_hooks() {
    let b = policy();
    let dns = packet(
        Path::FromGateway,
        None,
        "192.0.2.1",
        "198.51.100.53",
        L4::Udp { dport: 53 },
        NOW,
    );
    assert_eq!(decide(&b, &dns).by, flow(3));
    let dns_from_lg = packet(
        Path::Forward,
        Some("lg0"),
        "10.20.1.1",
        "198.51.100.53",
        L4::Udp { dport: 53 },
        NOW,
    );
    assert_eq!(
        decide(&b, &dns_from_lg).by,
        DecidedBy::DefaultDrop {
            src_zone: Some(ZoneIdx(0)),
            dst_zone: Some(ZoneIdx(2)),
            expired: vec![]
        }
    );
    let ssh_from_up = packet(
        Path::ToGateway,
        Some("wan0"),
        "203.0.113.9",
        "192.0.2.1",
        L4::Tcp { dport: 22 },
        NOW,
    );
    assert_eq!(
        decide(&b, &ssh_from_up).by,
        DecidedBy::DefaultDrop {
            src_zone: Some(ZoneIdx(2)),
            dst_zone: None,
            expired: vec![]
        }
    );
}

#[test]
fn loopback_and_neighbour_discovery() {
    let b = policy();
    let lo = packet(
        Path::ToGateway,
        Some("lo"),
        "127.0.0.1",
        "127.0.0.1",
        L4::Tcp { dport: 9 },
        NOW,
    );
    assert_eq!(decide(&b, &lo).by, DecidedBy::Loopback);
    let lo_out = packet(
        Path::FromGateway,
        None,
        "127.0.0.1",
        "127.0.0.1",
        L4::Tcp { dport: 9 },
        NOW,
    );
    assert_eq!(decide(&b, &lo_out).by, DecidedBy::Loopback);
    let ns = packet(
        Path::ToGateway,
        Some("wan0"),
        "fe80::1",
        "ff02::1:ff00:1",
        L4::Icmp { icmp_type: 135 },
        NOW,
    );
    assert_eq!(decide(&b, &ns).by, DecidedBy::NeighbourDiscovery);
    // Forwarded neighbour discovery is not special.
    let fwd_ns = packet(
        Path::Forward,
        Some("lg0"),
        "fd00:20::1",
        "2001:db8::1",
        L4::Icmp { icmp_type: 135 },
        NOW,
    );
    assert_eq!(decide(&b, &fwd_ns).verdict, Verdict::Drop);
}

#[test]
fn icmp_types_belong_to_their_family() {
    let b = policy();
    let ping4 = packet(
        Path::Forward,
        Some("lg0"),
        "10.20.1.1",
        "203.0.113.5",
        L4::Icmp { icmp_type: 8 },
        NOW,
    );
    assert_eq!(decide(&b, &ping4).by, flow(4));
    let ping6 = packet(
        Path::Forward,
        Some("lg0"),
        "fd00:20::1",
        "2001:db8::1",
        L4::Icmp { icmp_type: 128 },
        NOW,
    );
    assert_eq!(decide(&b, &ping6).by, flow(4));
    let wrong = packet(
        Path::Forward,
        Some("lg0"),
        "fd00:20::1",
        "2001:db8::1",
        L4::Icmp { icmp_type: 8 },
        NOW,
    );
    assert_eq!(decide(&b, &wrong).verdict, Verdict::Drop);
}

#[test]
fn mixed_families_drop() {
    let b = policy();
    let p = packet(
        Path::Forward,
        Some("lg0"),
        "10.20.1.1",
        "2001:db8::1",
        L4::Tcp { dport: 443 },
        NOW,
    );
    assert_eq!(
        decide(&b, &p).by,
        DecidedBy::DefaultDrop {
            src_zone: Some(ZoneIdx(0)),
            dst_zone: Some(ZoneIdx(2)),
            expired: vec![]
        }
    );
}

#[test]
fn zone_of_uses_longest_prefix() {
    let b = policy();
    let ruleset = lower(&b.0, NOW);
    let c = Classifier::new(&ruleset);
    assert_eq!(c.zone_of(ip("10.20.255.255")), Some(ZoneIdx(0)));
    assert_eq!(c.zone_of(ip("10.21.0.0")), Some(ZoneIdx(2)));
    assert_eq!(c.zone_of(ip("fd00:20::5")), Some(ZoneIdx(0)));
    assert_eq!(c.zone_of(ip("::")), Some(ZoneIdx(2)));
}

/// A source range with more cells than are listed (a zone to 24 hosts of
/// another, each on its own port, and to that zone on tcp/22): its cells are
/// found through destination intervals, nested hosts inside the zone.
#[test]
fn source_range_with_many_cells_finds_each() {
    let mut b = Builder::new();
    let lg = b.zone("lg", Tier::Lgwan, &["lg0"], &[net("10.20.0.0/16")]);
    let mn = b.zone("mn", Tier::Mynumber, &["mn0"], &[net("10.10.0.0/16")]);
    b.flow("ssh", &[lg], &[mn], &[tcp(22, 22)], None);
    for i in 0..24u16 {
        let host = b.host(
            &format!("h{i}"),
            ZoneId(1),
            &[net(&format!("10.10.{i}.7/32"))],
        );
        b.flow(
            &format!("to-h{i}"),
            &[lg],
            &[host],
            &[tcp(1000 + i, 1000 + i)],
            None,
        );
    }
    let to = |dst: &str, dport: u16| {
        packet(
            Path::Forward,
            Some("lg0"),
            "10.20.3.3",
            dst,
            L4::Tcp { dport },
            NOW,
        )
    };
    for i in 0..24u16 {
        let host = format!("10.10.{i}.7");
        assert_eq!(
            decide(&b, &to(&host, 1000 + i)).by,
            flow(1 + usize::from(i))
        );
        assert_eq!(decide(&b, &to(&host, 22)).by, flow(0));
        assert_eq!(decide(&b, &to(&host, 1001 + i)).verdict, Verdict::Drop);
    }
    assert_eq!(decide(&b, &to("10.10.200.1", 22)).by, flow(0));
    assert_eq!(decide(&b, &to("10.10.200.1", 1000)).verdict, Verdict::Drop);
}

/// RFC 4890 on the gateway: router advertisements only on an external
/// zone's interface, MLD accepted both ways, link-local and unspecified
/// sources in no zone (both engines agree, `decide` checks).
#[test]
fn ipv6_link_control_and_link_local_sources() {
    let b = policy();
    let to_gw = |iif: &str, src: &str, icmp_type: u8| {
        packet(
            Path::ToGateway,
            Some(iif),
            src,
            "ff02::1",
            L4::Icmp { icmp_type },
            NOW,
        )
    };
    // Router advertisements: from the upstream router, not from an office.
    assert_eq!(
        decide(&b, &to_gw("wan0", "fe80::1", 134)).by,
        DecidedBy::NeighbourDiscovery
    );
    let ra_lg = decide(&b, &to_gw("lg0", "fe80::2", 134));
    assert_eq!(
        (ra_lg.verdict, ra_lg.by),
        (Verdict::Drop, DecidedBy::LinkLocal)
    );
    // Neighbour solicitation from an office host's link-local address.
    assert_eq!(
        decide(&b, &to_gw("lg0", "fe80::2", 135)).by,
        DecidedBy::NeighbourDiscovery
    );
    // MLD reports (v1 and v2) and the gateway's own.
    for t in [130, 131, 132, 143] {
        assert_eq!(
            decide(&b, &to_gw("lg0", "fe80::2", t)).by,
            DecidedBy::MulticastListener
        );
        let out = packet(
            Path::FromGateway,
            None,
            "fe80::1",
            "ff02::16",
            L4::Icmp { icmp_type: t },
            NOW,
        );
        assert_eq!(decide(&b, &out).by, DecidedBy::MulticastListener);
    }
    // Anything else from a link-local or unspecified source: no zone, dropped
    // (not counted as spoofed, not classified into the catch-all zone).
    for src in ["fe80::2", "febf::1", "::"] {
        let echo = decide(&b, &to_gw("lg0", src, 128));
        assert_eq!(
            (echo.verdict, echo.by),
            (Verdict::Drop, DecidedBy::LinkLocal),
            "{src}"
        );
        let tcp = packet(
            Path::ToGateway,
            Some("wan0"),
            src,
            "fd00:20::1",
            L4::Tcp { dport: 22 },
            NOW,
        );
        assert_eq!(decide(&b, &tcp).by, DecidedBy::LinkLocal, "{src}");
    }
    // fec0:: is outside fe80::/10: an ordinary (spoofed on lg0) source.
    let site = decide(&b, &to_gw("lg0", "fec0::1", 128));
    assert!(matches!(site.by, DecidedBy::AntiSpoof { .. }), "{site:?}");
}

/// The kernel's order: anti-spoofing runs in prerouting, before the input
/// chain's ND and MLD rules, for every source but link-local and
/// unspecified ones; multicast sources never reach the ruleset; forwarded
/// link-local sources (back out of the interface they came in on) enter no
/// zone either.
#[test]
fn link_control_after_anti_spoofing_and_sources_in_no_zone() {
    let b = policy();
    let to_gw = |iif: Option<&str>, src: &str, icmp_type: u8| {
        packet(
            Path::ToGateway,
            iif,
            src,
            "ff02::1",
            L4::Icmp { icmp_type },
            NOW,
        )
    };
    // A neighbour solicitation from a host's global address: accepted on its
    // zone's interface, spoofed on another (prerouting drops it first).
    assert_eq!(
        decide(&b, &to_gw(Some("lg0"), "fd00:20::5", 135)).by,
        DecidedBy::NeighbourDiscovery
    );
    let spoofed = decide(&b, &to_gw(Some("mn0"), "fd00:20::5", 135));
    assert_eq!(spoofed.verdict, Verdict::Drop);
    assert!(
        matches!(spoofed.by, DecidedBy::AntiSpoof { .. }),
        "{spoofed:?}"
    );
    for t in [131, 143] {
        let mld = decide(&b, &to_gw(Some("mn0"), "fd00:20::5", t));
        assert!(matches!(mld.by, DecidedBy::AntiSpoof { .. }), "{mld:?}");
    }
    // A router advertisement from a global address of the upstream zone on
    // its interface; with no interface, the source's zone decides, and a
    // link-local source has none.
    assert_eq!(
        decide(&b, &to_gw(Some("wan0"), "2001:db8::1", 134)).by,
        DecidedBy::NeighbourDiscovery
    );
    assert_eq!(
        decide(&b, &to_gw(None, "2001:db8::1", 134)).by,
        DecidedBy::NeighbourDiscovery
    );
    assert_eq!(
        decide(&b, &to_gw(None, "fd00:20::5", 134)).verdict,
        Verdict::Drop
    );
    assert_eq!(
        decide(&b, &to_gw(None, "fe80::1", 134)).by,
        DecidedBy::LinkLocal
    );
    // The gateway's own router advertisements and solicitations leave.
    for t in [133, 134, 135, 136] {
        let out = packet(
            Path::FromGateway,
            None,
            "fe80::1",
            "ff02::1",
            L4::Icmp { icmp_type: t },
            NOW,
        );
        assert_eq!(decide(&b, &out).by, DecidedBy::NeighbourDiscovery);
    }
    // Multicast sources: dropped whatever they carry, never spoofed and
    // never in the catch-all zone.
    for (path, t) in [
        (Path::ToGateway, 135),
        (Path::ToGateway, 143),
        (Path::Forward, 128),
    ] {
        let p = packet(
            path,
            Some("wan0"),
            "ff02::1",
            "2001:db8::9",
            L4::Icmp { icmp_type: t },
            NOW,
        );
        let d = decide(&b, &p);
        assert_eq!((d.verdict, d.by), (Verdict::Drop, DecidedBy::LinkLocal));
    }
    // Forwarded link-local and unspecified sources (the kernel forwards them
    // only back out of their interface): no zone, not spoofed. The https
    // flow from lg to up would accept fd00:20::5 there.
    for src in ["fe80::5", "::", "fd00:20::5"] {
        let p = packet(
            Path::Forward,
            Some("lg0"),
            src,
            "2001:db8::9",
            L4::Tcp { dport: 443 },
            NOW,
        );
        let d = decide(&b, &p);
        if src == "fd00:20::5" {
            assert_eq!(d.verdict, Verdict::Accept);
        } else {
            assert_eq!(
                (d.verdict, d.by),
                (Verdict::Drop, DecidedBy::LinkLocal),
                "{src}"
            );
        }
    }
    // IPv4 is not touched: 169.254/16 is an ordinary source here.
    let v4 = packet(
        Path::ToGateway,
        Some("wan0"),
        "169.254.1.1",
        "10.20.0.1",
        L4::Tcp { dport: 22 },
        NOW,
    );
    assert!(matches!(decide(&b, &v4).by, DecidedBy::DefaultDrop { .. }));
}
