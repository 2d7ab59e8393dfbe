//! Lowering of small policies built by hand: zones, groups, expiry, families,
//! hooks; every result also passes `check_invariants`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use sanso_ir::{
    check_invariants, lower, AddrRange, Element, FlowIdx, GroupIdx, L4Key, L4Proto, Ruleset,
    Target, ZoneIdx,
};
use sanso_policy::{
    Endpoint, Flow, Host, HostId, Location, Policy, PortRange, Service, ServiceMatch, Tier, Zone,
    ZoneId,
};

struct Builder(Policy);

impl Builder {
    fn new() -> Self {
        Builder(Policy {
            name: "test".into(),
            revision: None,
            zones: vec![],
            hosts: vec![],
            flows: vec![],
            content_hash: "0".repeat(64),
        })
    }

    fn zone(&mut self, name: &str, tier: Tier, nets: &[&str]) -> Endpoint {
        self.0.zones.push(Zone {
            name: name.into(),
            tier,
            beyond: None,
            organisation: None,
            dynamic: Vec::new(),
            interfaces: vec![format!("if-{name}")],
            networks: nets
                .iter()
                .map(|n| n.parse::<IpNet>().expect("test net"))
                .collect(),
            location: Location::default(),
        });
        Endpoint::Zone(ZoneId(self.0.zones.len() - 1))
    }

    fn host(&mut self, name: &str, zone: Endpoint, addrs: &[&str]) -> Endpoint {
        let Endpoint::Zone(zone) = zone else {
            panic!("host zone")
        };
        self.0.hosts.push(Host {
            name: name.into(),
            zone,
            addresses: addrs.iter().map(|n| net(n)).collect(),
            roles: vec![],
            serves: vec![],
            location: Location::default(),
        });
        Endpoint::Host(HostId(self.0.hosts.len() - 1))
    }

    fn flow(
        &mut self,
        name: &str,
        from: &[Endpoint],
        to: &[Endpoint],
        matches: &[ServiceMatch],
        until: Option<i64>,
    ) {
        self.0.flows.push(Flow {
            name: name.into(),
            from: from.to_vec(),
            to: to.to_vec(),
            services: vec![Service {
                name: "svc".into(),
                matches: matches.to_vec(),
            }],
            reason: "test".into(),
            log: false,
            limit: None,
            until,
            until_text: None,
            exception: None,
            crossings: vec![],
            location: Location::default(),
        });
    }

    fn lower(&self, now: i64) -> Ruleset {
        let ruleset = lower(&self.0, now);
        if let Err(e) = check_invariants(&ruleset) {
            panic!("invariant violated: {e}");
        }
        ruleset
    }
}

/// A prefix, or an address as a /32 or /128.
fn net(s: &str) -> IpNet {
    match s.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => IpNet::from(s.parse::<IpAddr>().expect("test address")),
    }
}

fn tcp(first: u16, last: u16) -> ServiceMatch {
    ServiceMatch::Tcp(PortRange { first, last })
}

fn v4(s: &str) -> Ipv4Addr {
    s.parse().expect("test address")
}

fn r4(first: &str, last: &str) -> AddrRange<Ipv4Addr> {
    AddrRange {
        first: v4(first),
        last: v4(last),
    }
}

fn zones4(rs: &Ruleset) -> Vec<(AddrRange<Ipv4Addr>, usize)> {
    rs.v4.zones.iter().map(|z| (z.range, z.zone.0)).collect()
}

fn ports(proto: L4Proto, first: u16, last: u16) -> L4Key {
    L4Key::Ports { proto, first, last }
}

#[test]
fn longest_prefix_wins_and_ranges_are_disjoint() {
    let mut b = Builder::new();
    b.zone("wide", Tier::Lgwan, &["10.0.0.0/8"]);
    b.zone("narrow", Tier::Mynumber, &["10.1.0.0/16"]);
    let rs = b.lower(0);
    assert_eq!(
        zones4(&rs),
        vec![
            (r4("10.0.0.0", "10.0.255.255"), 0),
            (r4("10.1.0.0", "10.1.255.255"), 1),
            (r4("10.2.0.0", "10.255.255.255"), 0),
        ]
    );
    assert!(rs.v6.zones.is_empty());
}

#[test]
fn adjacent_networks_of_one_zone_merge() {
    let mut b = Builder::new();
    b.zone("a", Tier::Lgwan, &["10.0.0.0/25", "10.0.0.128/25"]);
    let rs = b.lower(0);
    assert_eq!(zones4(&rs), vec![(r4("10.0.0.0", "10.0.0.255"), 0)]);
}

#[test]
fn catch_all_is_the_complement_and_flows_do_not_straddle_zones() {
    let mut b = Builder::new();
    let inner = b.zone("inner", Tier::Internet, &["10.0.0.0/8"]);
    let up = b.zone("up", Tier::External, &["0.0.0.0/0", "::/0"]);
    b.flow("out", &[inner], &[up], &[tcp(443, 443)], None);
    let rs = b.lower(0);
    assert_eq!(
        zones4(&rs),
        vec![
            (r4("0.0.0.0", "9.255.255.255"), 1),
            (r4("10.0.0.0", "10.255.255.255"), 0),
            (r4("11.0.0.0", "255.255.255.255"), 1),
        ]
    );
    let dsts: Vec<_> = rs
        .v4
        .forward
        .iter()
        .map(|e| (e.src, e.dst, e.src_zone, e.dst_zone))
        .collect();
    let inner_range = r4("10.0.0.0", "10.255.255.255");
    assert_eq!(
        dsts,
        vec![
            (
                inner_range,
                r4("0.0.0.0", "9.255.255.255"),
                Some(ZoneIdx(0)),
                Some(ZoneIdx(1))
            ),
            (
                inner_range,
                r4("11.0.0.0", "255.255.255.255"),
                Some(ZoneIdx(0)),
                Some(ZoneIdx(1))
            ),
        ]
    );
    // The v6 catch-all is one whole range; no v6 flow since `inner` has no v6 network.
    assert_eq!(rs.v6.zones.len(), 1);
    assert!(rs.v6.forward.is_empty());
}

#[test]
fn host_inside_a_zone_flow_makes_a_group() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/24"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/24"]);
    let h = b.host("h", a, &["10.0.0.5"]);
    b.flow("zone-wide", &[a], &[z], &[tcp(443, 443)], None);
    b.flow("host-range", &[h], &[z], &[tcp(400, 500)], None);
    let rs = b.lower(0);
    assert_eq!(rs.groups, vec![vec![FlowIdx(0), FlowIdx(1)]]);
    let dst = r4("10.9.0.0", "10.9.0.255");
    let el = |src, l4, target| Element {
        src,
        dst,
        l4,
        target,
        src_zone: Some(ZoneIdx(0)),
        dst_zone: Some(ZoneIdx(1)),
    };
    assert_eq!(
        rs.v4.forward,
        vec![
            el(
                r4("10.0.0.0", "10.0.0.4"),
                ports(L4Proto::Tcp, 443, 443),
                Target::Flow(FlowIdx(0))
            ),
            el(
                r4("10.0.0.5", "10.0.0.5"),
                ports(L4Proto::Tcp, 400, 442),
                Target::Flow(FlowIdx(1))
            ),
            el(
                r4("10.0.0.5", "10.0.0.5"),
                ports(L4Proto::Tcp, 443, 443),
                Target::Group(GroupIdx(0))
            ),
            el(
                r4("10.0.0.5", "10.0.0.5"),
                ports(L4Proto::Tcp, 444, 500),
                Target::Flow(FlowIdx(1))
            ),
            el(
                r4("10.0.0.6", "10.0.0.255"),
                ports(L4Proto::Tcp, 443, 443),
                Target::Flow(FlowIdx(0))
            ),
        ]
    );
}

#[test]
fn adjacent_port_pieces_with_one_target_merge() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/24"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/24"]);
    b.flow(
        "one",
        &[a],
        &[z],
        &[tcp(10, 19), tcp(20, 29), tcp(25, 40)],
        None,
    );
    b.flow("other", &[a], &[z], &[tcp(50, 60)], None);
    let rs = b.lower(0);
    let keys: Vec<_> = rs.v4.forward.iter().map(|e| (e.l4, e.target)).collect();
    assert_eq!(
        keys,
        vec![
            (ports(L4Proto::Tcp, 10, 40), Target::Flow(FlowIdx(0))),
            (ports(L4Proto::Tcp, 50, 60), Target::Flow(FlowIdx(1))),
        ]
    );
}

#[test]
fn expired_flows_are_left_out_and_indices_follow() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/24"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/24"]);
    b.flow("gone", &[a], &[z], &[tcp(22, 22)], Some(100));
    b.flow("ends-now", &[a], &[z], &[tcp(23, 23)], Some(1000));
    b.flow("later", &[a], &[z], &[tcp(24, 24)], Some(1001));
    b.flow("always", &[a], &[z], &[tcp(25, 25)], None);
    let rs = b.lower(1000);
    let names: Vec<_> = rs
        .flows
        .iter()
        .map(|f| (f.name.as_str(), f.policy_index))
        .collect();
    assert_eq!(names, vec![("later", 2), ("always", 3)]);
    let keys: Vec<_> = rs.v4.forward.iter().map(|e| (e.l4, e.target)).collect();
    assert_eq!(
        keys,
        vec![
            (ports(L4Proto::Tcp, 24, 24), Target::Flow(FlowIdx(0))),
            (ports(L4Proto::Tcp, 25, 25), Target::Flow(FlowIdx(1))),
        ]
    );
}

#[test]
fn icmp_goes_to_its_family_and_ports_to_both() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/24", "fd00:a::/48"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/24", "fd00:9::/48"]);
    b.flow(
        "ping",
        &[a],
        &[z],
        &[ServiceMatch::Icmp(8), ServiceMatch::Icmpv6(128)],
        None,
    );
    b.flow(
        "dns",
        &[a],
        &[z],
        &[ServiceMatch::Udp(PortRange {
            first: 53,
            last: 53,
        })],
        None,
    );
    let rs = b.lower(0);
    let k4: Vec<_> = rs.v4.forward.iter().map(|e| (e.l4, e.target)).collect();
    let k6: Vec<_> = rs.v6.forward.iter().map(|e| (e.l4, e.target)).collect();
    assert_eq!(
        k4,
        vec![
            (ports(L4Proto::Udp, 53, 53), Target::Flow(FlowIdx(1))),
            (L4Key::Icmp { icmp_type: 8 }, Target::Flow(FlowIdx(0)))
        ]
    );
    assert_eq!(
        k6,
        vec![
            (ports(L4Proto::Udp, 53, 53), Target::Flow(FlowIdx(1))),
            (L4Key::Icmp { icmp_type: 128 }, Target::Flow(FlowIdx(0)))
        ]
    );
    let v6_src = rs.v6.forward[0].src;
    assert_eq!(
        IpAddr::V6(v6_src.first),
        "fd00:a::".parse::<IpAddr>().expect("addr")
    );
    assert_eq!(
        v6_src.last,
        "fd00:a:0:ffff:ffff:ffff:ffff:ffff"
            .parse::<Ipv6Addr>()
            .expect("addr")
    );
}

#[test]
fn gateway_ends_select_input_and_output() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/24"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/24"]);
    b.flow("to-gw", &[a], &[Endpoint::Gateway, z], &[tcp(22, 22)], None);
    b.flow(
        "from-gw",
        &[Endpoint::Gateway],
        &[z],
        &[tcp(514, 514)],
        None,
    );
    let rs = b.lower(0);
    let whole = r4("0.0.0.0", "255.255.255.255");
    assert_eq!(rs.v4.forward.len(), 1);
    assert_eq!(
        rs.v4.input,
        vec![Element {
            src: r4("10.0.0.0", "10.0.0.255"),
            dst: whole,
            l4: ports(L4Proto::Tcp, 22, 22),
            target: Target::Flow(FlowIdx(0)),
            src_zone: Some(ZoneIdx(0)),
            dst_zone: None,
        }]
    );
    assert_eq!(
        rs.v4.output,
        vec![Element {
            src: whole,
            dst: r4("10.9.0.0", "10.9.0.255"),
            l4: ports(L4Proto::Tcp, 514, 514),
            target: Target::Flow(FlowIdx(1)),
            src_zone: None,
            dst_zone: Some(ZoneIdx(1)),
        }]
    );
}

#[test]
fn host_prefix_in_a_nested_zone_takes_that_zone() {
    // A host of the catch-all zone whose prefix overlaps a more specific zone:
    // the element pieces carry the zone each address classifies to.
    let mut b = Builder::new();
    let inner = b.zone("inner", Tier::Internet, &["10.0.0.0/24"]);
    let up = b.zone("up", Tier::External, &["0.0.0.0/0"]);
    let farm = b.host("farm", up, &["9.255.255.0/24"]);
    b.flow("f", &[inner], &[farm], &[tcp(80, 80)], None);
    let rs = b.lower(0);
    assert_eq!(rs.v4.forward.len(), 1);
    assert_eq!(rs.v4.forward[0].dst, r4("9.255.255.0", "9.255.255.255"));
    assert_eq!(rs.v4.forward[0].dst_zone, Some(ZoneIdx(1)));
}

#[test]
fn antispoof_lists_every_interface_with_every_zone_range() {
    let mut b = Builder::new();
    b.zone("wide", Tier::Lgwan, &["10.0.0.0/8"]);
    b.zone("narrow", Tier::Lgwan, &["10.1.0.0/16"]);
    let rs = b.lower(0);
    let spoof: Vec<_> = rs
        .v4
        .antispoof
        .iter()
        .map(|s| (s.interface.as_str(), s.range))
        .collect();
    assert_eq!(
        spoof,
        vec![
            ("if-narrow", r4("10.1.0.0", "10.1.255.255")),
            ("if-wide", r4("10.0.0.0", "10.0.255.255")),
            ("if-wide", r4("10.2.0.0", "10.255.255.255")),
        ]
    );
}

#[test]
fn output_is_deterministic() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/16", "fd00:a::/48"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/16"]);
    for i in 0..20u16 {
        let h = b.host(&format!("h{i}"), a, &[&format!("10.0.{i}.0/30")]);
        b.flow(
            &format!("f{i}"),
            &[h, a],
            &[z],
            &[tcp(i * 10, i * 10 + 25)],
            None,
        );
    }
    assert_eq!(b.lower(0), b.lower(0));
}

#[test]
fn check_invariants_catches_overlap() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/24"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/24"]);
    b.flow("f", &[a], &[z], &[tcp(1, 100)], None);
    let mut rs = b.lower(0);
    let mut extra = rs.v4.forward[0];
    extra.l4 = ports(L4Proto::Tcp, 100, 200);
    rs.v4.forward.push(extra);
    assert!(check_invariants(&rs).is_err());

    let mut rs = b.lower(0);
    rs.v4.forward[0].dst.last = v4("10.9.1.0");
    let err = check_invariants(&rs).expect_err("straddles a zone boundary");
    assert!(err.contains("does not lie in one range"), "{err}");
}

#[test]
fn snapshot_of_a_small_policy() {
    let mut b = Builder::new();
    let lg = b.zone("lg-office", Tier::Lgwan, &["10.20.0.0/16", "fd00:20::/48"]);
    let inet = b.zone("inet-dmz", Tier::Internet, &["10.30.0.0/16"]);
    let up = b.zone("upstream", Tier::External, &["0.0.0.0/0", "::/0"]);
    let san = b.host("mail-sanitizer", lg, &["10.20.5.10"]);
    let relay = b.host("mail-relay", inet, &["10.30.1.0/30"]);
    let cloud = b.host("pref-cloud-proxy", up, &["198.51.100.10", "198.51.100.11"]);
    b.flow("mail-in", &[relay], &[san], &[tcp(25, 25)], None);
    b.flow(
        "lg-web",
        &[lg],
        &[inet],
        &[tcp(80, 80), tcp(443, 443)],
        Some(2_000),
    );
    b.flow(
        "relay-out",
        &[relay, inet],
        &[cloud],
        &[tcp(25, 25), tcp(443, 443)],
        None,
    );
    b.flow("ssh-gw", &[lg], &[Endpoint::Gateway], &[tcp(22, 22)], None);
    b.flow(
        "ntp-out",
        &[Endpoint::Gateway],
        &[up],
        &[ServiceMatch::Udp(PortRange {
            first: 123,
            last: 123,
        })],
        None,
    );
    b.flow(
        "ping",
        &[lg],
        &[inet, up],
        &[ServiceMatch::Icmp(8), ServiceMatch::Icmpv6(128)],
        None,
    );
    b.flow("expired", &[lg], &[up], &[tcp(8080, 8080)], Some(500));
    b.0.flows[1].log = true;
    b.0.flows[1].limit = Some(sanso_policy::RateLimit {
        count: 20,
        unit: sanso_policy::RateUnit::Second,
    });
    b.0.flows[2].exception = Some(sanso_policy::Exception {
        approved_by: "CISO".into(),
        ticket: "SEC-1".into(),
        approved_on: None,
        review_by: None,
    });
    // The loader records what the exception waives; only such an exception
    // counts (and is named in the ruleset).
    b.0.flows[2].crossings = vec![sanso_policy::Crossing {
        from: b.0.flows[2].from[0],
        to: b.0.flows[2].to[0],
        guardrail: sanso_policy::Guardrail(1),
        control: sanso_policy::Control::Exception,
    }];
    insta::assert_yaml_snapshot!(b.lower(1_000));
}

/// One zone-wide flow and many host flows inside that zone that do not
/// overlap it (other destination): the zone-wide flow stays one element and
/// the count is linear in the flows (the old grid cut it at every host).
#[test]
fn zone_wide_flow_is_not_cut_at_unrelated_hosts() {
    let mut b = Builder::new();
    let a = b.zone("a", Tier::Lgwan, &["10.0.0.0/16"]);
    let z = b.zone("z", Tier::Lgwan, &["10.9.0.0/16"]);
    let y = b.zone("y", Tier::Lgwan, &["10.8.0.0/16"]);
    b.flow("zone-wide", &[a], &[z], &[tcp(443, 443)], None);
    let hosts = 300u16;
    for i in 0..hosts {
        let h = b.host(
            &format!("h{i}"),
            a,
            &[&format!("10.0.{}.{}", i / 200, i % 200 + 1)],
        );
        b.flow(&format!("f{i}"), &[h], &[y], &[tcp(443, 443)], None);
    }
    // And one host flow that does overlap the zone-wide flow.
    let h = b.host("overlapping", a, &["10.0.7.7"]);
    b.flow("over", &[h], &[z], &[tcp(400, 500)], None);
    let rs = b.lower(0);
    assert_eq!(
        rs.groups,
        vec![vec![FlowIdx(0), FlowIdx(hosts as usize + 1)]]
    );
    // 300 host elements, the zone-wide flow in 2 pieces around 10.0.7.7, and
    // 3 port pieces at 10.0.7.7.
    assert_eq!(rs.v4.forward.len(), hosts as usize + 2 + 3);
    let zone_wide: Vec<_> = rs
        .v4
        .forward
        .iter()
        .filter(|e| e.target == Target::Flow(FlowIdx(0)))
        .map(|e| e.src)
        .collect();
    assert_eq!(
        zone_wide,
        vec![r4("10.0.0.0", "10.0.7.6"), r4("10.0.7.8", "10.0.255.255")]
    );
}
