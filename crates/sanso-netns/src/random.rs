//! Random probes for differential checking (`sanso verify POLICY --random N
//! --seed S`): the same seed gives the same probes, biased to where policies
//! go wrong. Pure: needs only the [`Policy`].
//!
//! The bias, per probe:
//! * [`FLOW_SHARE`] of the probes aim at a flow: a source from one of its
//!   `from` ends, a destination from its `to` ends (host prefixes at their
//!   edges too), one of its services with the port at a range edge, just
//!   outside it, or inside; the rest are spread as follows;
//! * a family among those the policy's zones use; a source zone uniformly
//!   among zones with an interface and a network of that family (so every
//!   zone pair comes up), a destination zone likewise, or the gateway itself;
//! * addresses: mostly prefix edges of that zone (first and last address of
//!   each zone network and host prefix, the one next to them inside, and the
//!   one just outside when it still classifies to the zone), else a random
//!   address inside one of its networks;
//! * transport: TCP, UDP or ICMP; ports mostly at service edges (first and
//!   last port of each service range and the ports just outside), ICMP types
//!   those the services name plus echo request;
//! * sometimes ([`SPOOF_SHARE`]) the probe arrives on an interface of another
//!   zone (anti-spoofing), and in zones with several interfaces any of them.
//!
//! Addresses the kernel treats specially ([`crate::placement::is_special`]) are
//! never produced (unless a zone holds nothing else), so every probe can be
//! placed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sanso_policy::{Endpoint, Policy, ServiceMatch, ZoneId};

use crate::placement::is_special;
use crate::{Probe, ProbeDst, ProbeL4};

/// Share of probes sent from an interface of another zone.
pub const SPOOF_SHARE: f64 = 0.1;
/// Share of probes addressed to the gateway itself.
pub const GATEWAY_SHARE: f64 = 0.12;
/// Share of addresses taken from the edges rather than drawn inside a network.
pub const EDGE_SHARE: f64 = 0.7;
/// Share of probes aimed at a flow (its ends and services) when the policy
/// has flows: the rest spread over every zone pair.
pub const FLOW_SHARE: f64 = 0.4;
/// Share of ports taken from service edges rather than drawn at random.
pub const PORT_EDGE_SHARE: f64 = 0.7;

/// ICMP types that start a new conntrack entry (so a fresh packet of that
/// type is judged by the ruleset, not dropped as invalid): echo, timestamp,
/// information and address-mask requests.
const ICMP_NEW: [u8; 4] = [8, 13, 15, 17];
/// ICMPv6 types that start a new conntrack entry: echo request, node information query.
const ICMPV6_NEW: [u8; 2] = [128, 139];
/// Draws inside a network before falling back to an edge.
const INTERIOR_TRIES: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    V4,
    V6,
}

fn family_of(addr: IpAddr) -> Family {
    if addr.is_ipv4() {
        Family::V4
    } else {
        Family::V6
    }
}

/// What the generator draws from, computed once from the policy.
struct Pools {
    /// Per family: zones that can be a source or destination, with their
    /// edge addresses (already checked to classify to the zone) and networks.
    zones: BTreeMap<Family, Vec<ZonePool>>,
    tcp_ports: Vec<u16>,
    udp_ports: Vec<u16>,
    icmp_types: Vec<u8>,
    icmpv6_types: Vec<u8>,
    /// Every interface with its zone.
    interfaces: Vec<(String, ZoneId)>,
    /// The policy's flows, to aim probes at what is allowed.
    flows: Vec<FlowPool>,
}

/// One flow as the generator sees it: its ends and its service matches.
struct FlowPool {
    from: Vec<EndPool>,
    to: Vec<EndPool>,
    matches: Vec<ServiceMatch>,
}

/// One end of a flow.
enum EndPool {
    Gateway,
    /// A zone or a host: its edges and prefixes.
    Addrs {
        edges: Vec<IpAddr>,
        networks: Vec<IpNet>,
    },
}

struct ZonePool {
    zone: ZoneId,
    has_interface: bool,
    edges: Vec<IpAddr>,
    networks: Vec<IpNet>,
}

/// `n` probes drawn from `seed`; equal inputs give equal output.
pub fn random_probes(policy: &Policy, n: usize, seed: u64) -> Vec<Probe> {
    let pools = Pools::new(policy);
    let families: Vec<Family> = pools
        .zones
        .iter()
        .filter(|(_, zones)| zones.iter().any(|z| z.has_interface))
        .map(|(f, _)| *f)
        .collect();
    if families.is_empty() {
        return Vec::new();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| pools.probe(policy, &families, &mut rng))
        .collect()
}

impl Pools {
    fn new(policy: &Policy) -> Self {
        // Edges of every prefix, each given to the zone it classifies to: the
        // address just outside an internal zone lands in its neighbour.
        let mut edges: BTreeMap<ZoneId, BTreeSet<IpAddr>> = BTreeMap::new();
        let prefixes = policy
            .zones
            .iter()
            .flat_map(|z| z.networks.iter())
            .chain(policy.hosts.iter().flat_map(|h| h.addresses.iter()));
        for a in prefixes.flat_map(net_edges).filter(|a| !is_special(*a)) {
            if let Some(z) = policy.classify(a) {
                edges.entry(z).or_default().insert(a);
            }
        }
        let mut zones: BTreeMap<Family, Vec<ZonePool>> = BTreeMap::new();
        for (z, zone) in policy.zones.iter().enumerate() {
            let id = ZoneId(z);
            for family in [Family::V4, Family::V6] {
                let networks: Vec<IpNet> = zone
                    .networks
                    .iter()
                    .copied()
                    .filter(|n| family_of(n.network()) == family)
                    .collect();
                if networks.is_empty() {
                    continue;
                }
                let edges = edges
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|a| family_of(*a) == family)
                    .collect();
                zones.entry(family).or_default().push(ZonePool {
                    zone: id,
                    has_interface: !zone.interfaces.is_empty(),
                    edges,
                    networks,
                });
            }
        }

        let mut tcp = BTreeSet::new();
        let mut udp = BTreeSet::new();
        let mut icmp: BTreeSet<u8> = BTreeSet::from([8]);
        let mut icmpv6: BTreeSet<u8> = BTreeSet::from([128]);
        for m in policy
            .flows
            .iter()
            .flat_map(|f| &f.services)
            .flat_map(|s| &s.matches)
        {
            match *m {
                ServiceMatch::Tcp(r) => tcp.extend(port_edges(r.first, r.last)),
                ServiceMatch::Udp(r) => udp.extend(port_edges(r.first, r.last)),
                ServiceMatch::Icmp(t) => {
                    icmp.insert(t);
                }
                ServiceMatch::Icmpv6(t) => {
                    icmpv6.insert(t);
                }
            }
        }
        let interfaces = policy
            .zones
            .iter()
            .enumerate()
            .flat_map(|(z, zone)| zone.interfaces.iter().map(move |i| (i.clone(), ZoneId(z))))
            .collect();
        Pools {
            zones,
            tcp_ports: tcp.into_iter().collect(),
            udp_ports: udp.into_iter().collect(),
            icmp_types: icmp.into_iter().collect(),
            icmpv6_types: icmpv6.into_iter().collect(),
            interfaces,
            flows: Vec::new(),
        }
        .with_flows(policy)
    }

    fn with_flows(mut self, policy: &Policy) -> Self {
        let end = |e: &Endpoint, pools: &Pools| match *e {
            Endpoint::Gateway => EndPool::Gateway,
            Endpoint::Zone(z) => {
                let (mut edges, mut networks) = (Vec::new(), Vec::new());
                for p in pools.zones.values().flatten().filter(|p| p.zone == z) {
                    edges.extend(p.edges.iter().copied());
                    networks.extend(p.networks.iter().copied());
                }
                EndPool::Addrs { edges, networks }
            }
            Endpoint::Host(h) => {
                let host = policy.host(h);
                let edges = host
                    .addresses
                    .iter()
                    .flat_map(net_edges)
                    .filter(|a| !is_special(*a))
                    .collect();
                EndPool::Addrs {
                    edges,
                    networks: host.addresses.clone(),
                }
            }
        };
        self.flows = policy
            .flows
            .iter()
            .map(|f| FlowPool {
                from: f.from.iter().map(|e| end(e, &self)).collect(),
                to: f.to.iter().map(|e| end(e, &self)).collect(),
                matches: f
                    .services
                    .iter()
                    .flat_map(|s| s.matches.iter().copied())
                    .collect(),
            })
            .filter(|f| !f.matches.is_empty())
            .collect();
        self
    }

    /// A probe aimed at a flow: its ends, one of its services, at the edges.
    /// `None` when the drawn flow cannot give one (it starts at the gateway,
    /// or its ends share no family).
    fn flow_probe(&self, policy: &Policy, rng: &mut ChaCha8Rng) -> Option<Probe> {
        let flow = self.flows.choose(rng)?;
        let src_end = flow.from.choose(rng)?;
        let dst_end = flow.to.choose(rng)?;
        let m = *flow.matches.choose(rng)?;
        let family = match m {
            ServiceMatch::Icmp(_) => Family::V4,
            ServiceMatch::Icmpv6(_) => Family::V6,
            _ => *[Family::V4, Family::V6].choose(rng)?,
        };
        let EndPool::Addrs { edges, networks } = src_end else {
            return None;
        };
        let src = draw_in(policy, family, edges, networks, rng)?;
        let src_zone = policy.classify(src)?;
        if policy.zone(src_zone).interfaces.is_empty() {
            return None;
        }
        let dst = match dst_end {
            EndPool::Gateway => ProbeDst::Gateway,
            EndPool::Addrs { edges, networks } => {
                ProbeDst::Addr(draw_in(policy, family, edges, networks, rng)?)
            }
        };
        let in_range = |first: u16, last: u16, rng: &mut ChaCha8Rng| {
            if rng.gen_bool(PORT_EDGE_SHARE) {
                *port_edges(first, last).choose(rng).unwrap_or(&first)
            } else {
                rng.gen_range(first.max(1)..=last.max(1))
            }
        };
        let l4 = match m {
            ServiceMatch::Tcp(r) => ProbeL4::Tcp(in_range(r.first, r.last, rng)),
            ServiceMatch::Udp(r) => ProbeL4::Udp(in_range(r.first, r.last, rng)),
            ServiceMatch::Icmp(t) | ServiceMatch::Icmpv6(t) => ProbeL4::Icmp(t),
        };
        Some(Probe {
            iif: self.draw_iif(src_zone, rng),
            src,
            dst,
            l4,
        })
    }

    /// The input interface: sometimes one of another zone (spoofing),
    /// sometimes any of the source zone's own, else the default.
    fn draw_iif(&self, src_zone: ZoneId, rng: &mut ChaCha8Rng) -> Option<String> {
        let own: Vec<&str> = self
            .interfaces
            .iter()
            .filter(|(_, z)| *z == src_zone)
            .map(|(i, _)| i.as_str())
            .collect();
        let others: Vec<&str> = self
            .interfaces
            .iter()
            .filter(|(_, z)| *z != src_zone)
            .map(|(i, _)| i.as_str())
            .collect();
        if !others.is_empty() && rng.gen_bool(SPOOF_SHARE) {
            others.choose(rng).map(|s| (*s).to_owned())
        } else if own.len() > 1 && rng.gen_bool(0.5) {
            own.choose(rng).map(|s| (*s).to_owned())
        } else {
            None
        }
    }

    fn probe(&self, policy: &Policy, families: &[Family], rng: &mut ChaCha8Rng) -> Probe {
        if !self.flows.is_empty() && rng.gen_bool(FLOW_SHARE) {
            if let Some(probe) = self.flow_probe(policy, rng) {
                return probe;
            }
        }
        let family = *families.choose(rng).expect("families is not empty");
        let zones = &self.zones[&family];
        let sources: Vec<&ZonePool> = zones.iter().filter(|z| z.has_interface).collect();
        let src_zone = *sources
            .choose(rng)
            .expect("the family was chosen because it has a source zone");
        let src = draw_address(policy, src_zone, rng);

        let dst = if rng.gen_bool(GATEWAY_SHARE) {
            ProbeDst::Gateway
        } else {
            let dst_zone = zones.choose(rng).expect("the source zone is in the list");
            ProbeDst::Addr(draw_address(policy, dst_zone, rng))
        };

        let l4 = match rng.gen_range(0..3) {
            0 => ProbeL4::Tcp(draw_port(&self.tcp_ports, rng)),
            1 => ProbeL4::Udp(draw_port(&self.udp_ports, rng)),
            _ => {
                let (named, new) = match family {
                    Family::V4 => (&self.icmp_types, &ICMP_NEW[..]),
                    Family::V6 => (&self.icmpv6_types, &ICMPV6_NEW[..]),
                };
                let pool = if rng.gen_bool(0.8) {
                    named.as_slice()
                } else {
                    new
                };
                ProbeL4::Icmp(*pool.choose(rng).expect("type pools are never empty"))
            }
        };

        let iif = self.draw_iif(src_zone.zone, rng);
        Probe { iif, src, dst, l4 }
    }
}

/// An address of the zone: an edge, or a draw inside one of its networks
/// that classifies to it; failing both, a draw that may not (the placement
/// still places it by its own classification).
fn draw_address(policy: &Policy, zone: &ZonePool, rng: &mut ChaCha8Rng) -> IpAddr {
    if !zone.edges.is_empty() && rng.gen_bool(EDGE_SHARE) {
        return *zone.edges.choose(rng).expect("edges is not empty");
    }
    for _ in 0..INTERIOR_TRIES {
        let net = zone
            .networks
            .choose(rng)
            .expect("a zone pool has a network");
        let a = random_in(net, rng);
        if !is_special(a) && policy.classify(a) == Some(zone.zone) {
            return a;
        }
    }
    if let Some(a) = zone.edges.choose(rng) {
        return *a;
    }
    let net = zone.networks[0];
    (0..INTERIOR_TRIES)
        .map(|_| random_in(&net, rng))
        .find(|a| !is_special(*a))
        .unwrap_or(net.network())
}

/// An address of `family` from these edges and prefixes: an edge, or a
/// draw inside a prefix; never a special address.
fn draw_in(
    policy: &Policy,
    family: Family,
    edges: &[IpAddr],
    networks: &[IpNet],
    rng: &mut ChaCha8Rng,
) -> Option<IpAddr> {
    let edges: Vec<IpAddr> = edges
        .iter()
        .copied()
        .filter(|a| family_of(*a) == family)
        .collect();
    let networks: Vec<IpNet> = networks
        .iter()
        .copied()
        .filter(|n| family_of(n.network()) == family)
        .collect();
    if !edges.is_empty() && rng.gen_bool(EDGE_SHARE) {
        return edges.choose(rng).copied();
    }
    for _ in 0..INTERIOR_TRIES {
        let a = random_in(networks.choose(rng)?, rng);
        if !is_special(a) && policy.classify(a).is_some() {
            return Some(a);
        }
    }
    edges.choose(rng).copied()
}

fn random_in(net: &IpNet, rng: &mut ChaCha8Rng) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let host_bits = 32 - u32::from(n.prefix_len());
            let mask = if host_bits == 32 {
                u32::MAX
            } else {
                (1u32 << host_bits) - 1
            };
            IpAddr::V4(Ipv4Addr::from(
                u32::from(n.network()) | (rng.gen::<u32>() & mask),
            ))
        }
        IpNet::V6(n) => {
            let host_bits = 128 - u32::from(n.prefix_len());
            let mask = if host_bits == 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            IpAddr::V6(Ipv6Addr::from(
                u128::from(n.network()) | (rng.gen::<u128>() & mask),
            ))
        }
    }
}

/// First and last address of a prefix, the ones next to them inside, and
/// the ones just outside (the caller keeps those that classify right).
fn net_edges(net: &IpNet) -> Vec<IpAddr> {
    match net {
        IpNet::V4(n) => {
            let (first, last) = (u32::from(n.network()), u32::from(n.broadcast()));
            [
                first.checked_sub(1),
                Some(first),
                first.checked_add(1),
                last.checked_sub(1),
                Some(last),
                last.checked_add(1),
            ]
            .into_iter()
            .flatten()
            .map(|a| IpAddr::V4(Ipv4Addr::from(a)))
            .collect()
        }
        IpNet::V6(n) => {
            let (first, last) = (u128::from(n.network()), u128::from(n.broadcast()));
            [
                first.checked_sub(1),
                Some(first),
                first.checked_add(1),
                last.checked_sub(1),
                Some(last),
                last.checked_add(1),
            ]
            .into_iter()
            .flatten()
            .map(|a| IpAddr::V6(Ipv6Addr::from(a)))
            .collect()
        }
    }
}

/// First and last port of a range and the ports just outside it (never 0).
fn port_edges(first: u16, last: u16) -> Vec<u16> {
    [
        first.checked_sub(1),
        Some(first),
        Some(last),
        last.checked_add(1),
    ]
    .into_iter()
    .flatten()
    .filter(|&p| p != 0)
    .collect()
}

fn draw_port(edges: &[u16], rng: &mut ChaCha8Rng) -> u16 {
    match edges.choose(rng) {
        Some(&p) if rng.gen_bool(PORT_EDGE_SHARE) => p,
        _ => rng.gen_range(1..=u16::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netns::RunId;
    use crate::placement::TopologySpec;
    use proptest::prelude::*;
    use sanso_policy::{Flow, Host, HostId, Location, PortRange, Service};

    fn policy() -> Policy {
        let service = |name: &str, matches: Vec<ServiceMatch>| Service {
            name: name.to_owned(),
            matches,
        };
        // The three zones of the topology tests, with a host and a flow.
        Policy {
            name: "random".to_owned(),
            hosts: vec![Host {
                name: "farm".to_owned(),
                zone: ZoneId(1),
                addresses: vec!["10.20.8.0/24".parse().expect("net")],
                roles: vec!["sanitizer".to_owned()],
                serves: vec![],
                location: Location::default(),
            }],
            flows: vec![Flow {
                name: "f".to_owned(),
                from: vec![Endpoint::Zone(ZoneId(0))],
                to: vec![Endpoint::Host(HostId(0))],
                services: vec![
                    service(
                        "filexfer",
                        vec![ServiceMatch::Tcp(PortRange {
                            first: 8443,
                            last: 8443,
                        })],
                    ),
                    service(
                        "high",
                        vec![ServiceMatch::Udp(PortRange {
                            first: 49152,
                            last: 65535,
                        })],
                    ),
                    service(
                        "ping",
                        vec![ServiceMatch::Icmp(8), ServiceMatch::Icmpv6(128)],
                    ),
                ],
                reason: "test".to_owned(),
                log: false,
                limit: None,
                until: None,
                until_text: None,
                exception: None,
                crossings: vec![],
                location: Location::default(),
            }],
            ..crate::placement::tests::policy()
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("addr")
    }

    #[test]
    fn same_seed_same_probes() {
        let p = policy();
        assert_eq!(random_probes(&p, 200, 7), random_probes(&p, 200, 7));
        assert_ne!(random_probes(&p, 200, 7), random_probes(&p, 200, 8));
        assert_eq!(random_probes(&p, 123, 1).len(), 123);
    }

    #[test]
    fn covers_the_edges() {
        let p = policy();
        let probes = random_probes(&p, 3000, 42);
        let addrs: BTreeSet<IpAddr> = probes
            .iter()
            .flat_map(|pr| {
                let d = match pr.dst {
                    ProbeDst::Addr(a) => Some(a),
                    ProbeDst::Gateway => None,
                };
                std::iter::once(pr.src).chain(d)
            })
            .collect();
        for a in [
            "10.10.0.0",
            "10.10.255.255",
            "10.10.0.1",
            "10.20.8.0",
            "10.20.8.255",
            "10.20.7.255",
            "10.20.9.0",
            // Just outside the internal zones: the catch-all.
            "10.9.255.255",
            "10.11.0.0",
            "fd00:10::",
            "fd00:10:0:ffff:ffff:ffff:ffff:ffff",
        ] {
            assert!(addrs.contains(&ip(a)), "{a} never drawn");
        }
        let ports: BTreeSet<(bool, u16)> = probes
            .iter()
            .filter_map(|pr| match pr.l4 {
                ProbeL4::Tcp(port) => Some((true, port)),
                ProbeL4::Udp(port) => Some((false, port)),
                ProbeL4::Icmp(_) => None,
            })
            .collect();
        for edge in [
            (true, 8442),
            (true, 8443),
            (true, 8444),
            (false, 49151),
            (false, 49152),
            (false, 65535),
        ] {
            assert!(ports.contains(&edge), "{edge:?} never drawn");
        }
        assert!(probes.iter().any(|pr| pr.dst == ProbeDst::Gateway));
        assert!(probes.iter().any(|pr| pr.src.is_ipv6()));
        assert!(probes.iter().any(|pr| matches!(pr.l4, ProbeL4::Icmp(128))));
        // Spoofed: an interface given whose zone is not the source's.
        let spoofed = probes
            .iter()
            .filter(|pr| {
                pr.iif.as_deref().is_some_and(|i| {
                    let z = p
                        .zones
                        .iter()
                        .position(|z| z.interfaces.iter().any(|x| x == i));
                    z.map(ZoneId) != p.classify(pr.src)
                })
            })
            .count();
        assert!(spoofed > 100 && spoofed < 600, "{spoofed} spoofed of 3000");
        assert!(probes
            .iter()
            .any(|pr| pr.iif.as_deref() == Some("lg1") && p.classify(pr.src) == Some(ZoneId(1))));
        // Every zone pair, v4.
        let pairs: BTreeSet<(ZoneId, ZoneId)> = probes
            .iter()
            .filter_map(|pr| match pr.dst {
                ProbeDst::Addr(d) if d.is_ipv4() => Some((p.classify(pr.src)?, p.classify(d)?)),
                _ => None,
            })
            .collect();
        assert_eq!(pairs.len(), 9, "{pairs:?}");
    }

    #[test]
    fn aims_at_the_flows() {
        let p = policy();
        let probes = random_probes(&p, 1000, 3);
        let farm: ipnet::IpNet = "10.20.8.0/24".parse().expect("net");
        let aimed = probes
            .iter()
            .filter(|pr| {
                p.classify(pr.src) == Some(ZoneId(0))
                    && matches!(pr.dst, ProbeDst::Addr(d) if farm.contains(&d))
                    && matches!(
                        pr.l4,
                        ProbeL4::Tcp(8442..=8444) | ProbeL4::Udp(49151..) | ProbeL4::Icmp(8)
                    )
            })
            .count();
        assert!(aimed > 40, "only {aimed} of 1000 probes aim at the flow");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn every_probe_can_be_placed(seed in any::<u64>()) {
            let p = policy();
            let probes = random_probes(&p, 64, seed);
            for pr in &probes {
                prop_assert!(!is_special(pr.src));
                if let ProbeDst::Addr(d) = pr.dst {
                    prop_assert!(!is_special(d));
                    prop_assert_eq!(d.is_ipv4(), pr.src.is_ipv4());
                }
                if let ProbeL4::Tcp(port) | ProbeL4::Udp(port) = pr.l4 {
                    prop_assert!(port != 0);
                }
            }
            prop_assert!(TopologySpec::new(RunId::next(), &p, &probes).is_ok());
        }
    }
}
