//! Property test: random small policies (nested zones, catch-all, hosts,
//! flows with overlapping services and expiry) × random packets biased to
//! range edges. The lowered IR satisfies its invariants and the classifier
//! agrees with the reference evaluator on every packet.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use common::Builder;
use ipnet::IpNet;
use proptest::prelude::*;
use sanso_classify::reference::Reference;
use sanso_classify::{Classifier, DecidedBy, Packet, Path, L4};
use sanso_ir::{check_invariants, lower};
use sanso_policy::{Endpoint, Policy, PortRange, ServiceMatch, Tier, ZoneId};

const NOW: i64 = 1_000;

/// Raw material for one network: family, offset and extra prefix length
/// inside a small base block (so that networks nest and collide often).
#[derive(Clone, Debug)]
struct NetSpec {
    v6: bool,
    offset: u8,
    extra: u8,
}

#[derive(Clone, Debug)]
struct FlowSpec {
    from: Vec<u8>,
    to: Vec<u8>,
    services: Vec<(u8, u8, u8)>,
    until: Option<u8>,
}

#[derive(Clone, Debug)]
struct PolicySpec {
    zones: Vec<Vec<NetSpec>>,
    catch_all: bool,
    hosts: Vec<(u8, u8, u8, u8)>,
    flows: Vec<FlowSpec>,
}

#[derive(Clone, Debug)]
struct PacketSpec {
    path: u8,
    iif: u8,
    src: u16,
    dst: u16,
    l4: (u8, u16),
    time: u8,
}

fn net_spec() -> impl Strategy<Value = NetSpec> {
    (any::<bool>(), any::<u8>(), 0u8..9).prop_map(|(v6, offset, extra)| NetSpec {
        v6,
        offset,
        extra,
    })
}

fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    let zones = prop::collection::vec(prop::collection::vec(net_spec(), 1..3), 1..5);
    let hosts = prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), 0u8..9), 0..5);
    let flow = (
        prop::collection::vec(any::<u8>(), 1..3),
        prop::collection::vec(any::<u8>(), 1..3),
        prop::collection::vec((0u8..4, 0u8..12, 0u8..6), 1..4),
        prop::option::of(0u8..8),
    )
        .prop_map(|(from, to, services, until)| FlowSpec {
            from,
            to,
            services,
            until,
        });
    (
        zones,
        any::<bool>(),
        hosts,
        prop::collection::vec(flow, 1..8),
    )
        .prop_map(|(zones, catch_all, hosts, flows)| PolicySpec {
            zones,
            catch_all,
            hosts,
            flows,
        })
}

fn packet_spec() -> impl Strategy<Value = PacketSpec> {
    (
        0u8..3,
        any::<u8>(),
        any::<u16>(),
        any::<u16>(),
        (0u8..3, any::<u16>()),
        0u8..8,
    )
        .prop_map(|(path, iif, src, dst, l4, time)| PacketSpec {
            path,
            iif,
            src,
            dst,
            l4,
            time,
        })
}

/// A network inside 10.0.0.0/24 or fd00::/120.
fn build_net(spec: &NetSpec) -> IpNet {
    let len_v4 = 24 + spec.extra;
    let len_v6 = 120 + spec.extra;
    let net = if spec.v6 {
        let addr = Ipv6Addr::from(0xfd00_u128 << 112 | u128::from(spec.offset));
        IpNet::new(IpAddr::V6(addr), len_v6)
    } else {
        let addr = Ipv4Addr::from(0x0a00_0000_u32 | u32::from(spec.offset));
        IpNet::new(IpAddr::V4(addr), len_v4)
    };
    net.expect("prefix length in range").trunc()
}

/// A sub-prefix of `net` picked by `offset` and `extra`.
fn sub_net(net: IpNet, offset: u8, extra: u8) -> IpNet {
    let len = (net.prefix_len() + extra).min(net.max_prefix_len());
    let host_bits = u32::from(net.max_prefix_len() - net.prefix_len());
    let span = if host_bits >= 8 {
        256
    } else {
        1u128 << host_bits
    };
    let delta = u128::from(offset) % span;
    let addr = match net.network() {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) + delta as u32)),
        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) + delta)),
    };
    IpNet::new(addr, len)
        .expect("prefix length in range")
        .trunc()
}

fn build_policy(spec: &PolicySpec) -> Policy {
    let mut b = Builder::new();
    let mut seen: Vec<IpNet> = Vec::new();
    for (i, nets) in spec.zones.iter().enumerate() {
        let mut networks: Vec<IpNet> = Vec::new();
        for n in nets {
            let net = build_net(n);
            // Two zones may not claim the same network.
            if !seen.contains(&net) {
                seen.push(net);
                networks.push(net);
            }
        }
        let interfaces = [format!("if{i}"), format!("if{i}b")];
        let count = 1 + i % 2;
        let refs: Vec<&str> = interfaces[..count].iter().map(String::as_str).collect();
        b.zone(&format!("z{i}"), Tier::Lgwan, &refs, &networks);
    }
    if spec.catch_all {
        let all4: IpNet = "0.0.0.0/0".parse().expect("net");
        let all6: IpNet = "::/0".parse().expect("net");
        b.zone("up", Tier::External, &["wan0"], &[all4, all6]);
    }
    for (i, &(zone, pick, offset, extra)) in spec.hosts.iter().enumerate() {
        let z = usize::from(zone) % b.0.zones.len();
        let nets = &b.0.zones[z].networks;
        if nets.is_empty() {
            continue;
        }
        let base = nets[usize::from(pick) % nets.len()];
        let addr = sub_net(base, offset, extra);
        b.host(&format!("h{i}"), ZoneId(z), &[addr]);
    }
    let endpoints: Vec<Endpoint> = std::iter::once(Endpoint::Gateway)
        .chain((0..b.0.zones.len()).map(|z| Endpoint::Zone(ZoneId(z))))
        .chain((0..b.0.hosts.len()).map(|h| Endpoint::Host(sanso_policy::HostId(h))))
        .collect();
    // Gateway picked one time in eight.
    let pick = |x: u8| -> Endpoint {
        if x.is_multiple_of(8) {
            Endpoint::Gateway
        } else {
            endpoints[1 + usize::from(x) % (endpoints.len() - 1)]
        }
    };
    for (i, f) in spec.flows.iter().enumerate() {
        let from: Vec<Endpoint> = f.from.iter().map(|&x| pick(x)).collect();
        let to: Vec<Endpoint> = f.to.iter().map(|&x| pick(x)).collect();
        let matches: Vec<ServiceMatch> = f
            .services
            .iter()
            .map(|&(kind, a, len)| {
                let first = 20 + u16::from(a);
                let range = PortRange {
                    first,
                    last: first + u16::from(len),
                };
                match kind {
                    0 => ServiceMatch::Tcp(range),
                    1 => ServiceMatch::Udp(range),
                    2 => ServiceMatch::Icmp([0, 8, 3][usize::from(a) % 3]),
                    _ => ServiceMatch::Icmpv6([128, 129, 135][usize::from(a) % 3]),
                }
            })
            .collect();
        let until = f.until.map(|u| NOW - 20 + 10 * i64::from(u));
        b.flow(&format!("f{i}"), &from, &to, &matches, until);
    }
    b.0
}

/// Addresses worth probing: the edges of every network and host prefix, and
/// a few outside ones.
fn candidate_addresses(policy: &Policy) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = [
        "192.0.2.1",
        "127.0.0.1",
        "::1",
        "2001:db8::1",
        "10.0.1.0",
        "fd00::1:0",
        // IPv6 sources in no zone: link-local, unspecified, multicast.
        "fe80::1",
        "febf:ffff::1",
        "::",
        "ff02::16",
    ]
    .iter()
    .map(|s| s.parse().expect("addr"))
    .collect();
    let nets = policy
        .zones
        .iter()
        .flat_map(|z| &z.networks)
        .chain(policy.hosts.iter().flat_map(|h| &h.addresses));
    for net in nets {
        let (first, last) = (net.network(), net.broadcast());
        out.extend([first, last]);
        match (first, last) {
            (IpAddr::V4(f), IpAddr::V4(l)) => {
                let (f, l) = (u32::from(f), u32::from(l));
                out.extend(
                    [f.wrapping_sub(1), l.wrapping_add(1), f + (l - f) / 2]
                        .map(|a| IpAddr::V4(a.into())),
                );
            }
            (IpAddr::V6(f), IpAddr::V6(l)) => {
                let (f, l) = (u128::from(f), u128::from(l));
                out.extend(
                    [f.wrapping_sub(1), l.wrapping_add(1), f + (l - f) / 2]
                        .map(|a| IpAddr::V6(a.into())),
                );
            }
            _ => {}
        }
    }
    out
}

fn candidate_ports(policy: &Policy) -> Vec<u16> {
    let mut out = vec![0, 65_535];
    for m in policy
        .flows
        .iter()
        .flat_map(|f| &f.services)
        .flat_map(|s| &s.matches)
    {
        match m {
            ServiceMatch::Tcp(r) | ServiceMatch::Udp(r) => out.extend([
                r.first,
                r.last,
                r.first.wrapping_sub(1),
                r.last.wrapping_add(1),
            ]),
            ServiceMatch::Icmp(t) | ServiceMatch::Icmpv6(t) => out.push(u16::from(*t)),
        }
    }
    // MLD and neighbour discovery (router advertisements included).
    out.extend([130, 131, 132, 133, 134, 135, 136, 143]);
    out
}

fn build_packet(spec: &PacketSpec, policy: &Policy, addrs: &[IpAddr], ports: &[u16]) -> Packet {
    let path = [Path::Forward, Path::ToGateway, Path::FromGateway][usize::from(spec.path)];
    let src = addrs[usize::from(spec.src) % addrs.len()];
    // Mostly the same family as the source.
    let mut dst = addrs[usize::from(spec.dst) % addrs.len()];
    if !spec.dst.is_multiple_of(16) {
        let mut k = usize::from(spec.dst);
        while dst.is_ipv4() != src.is_ipv4() {
            k += 1;
            dst = addrs[k % addrs.len()];
        }
    }
    let interfaces: Vec<&str> = policy
        .zones
        .iter()
        .flat_map(|z| z.interfaces.iter().map(String::as_str))
        .collect();
    let iif = match spec.iif % 8 {
        0 => None,
        1 => Some("lo".to_string()),
        2 => Some("bogus0".to_string()),
        _ => Some(interfaces[usize::from(spec.iif) % interfaces.len()].to_string()),
    };
    let port = ports[usize::from(spec.l4.1) % ports.len()];
    let l4 = match spec.l4.0 {
        0 => L4::Tcp { dport: port },
        1 => L4::Udp { dport: port },
        _ => L4::Icmp {
            icmp_type: (port % 256) as u8,
        },
    };
    Packet {
        path,
        iif,
        src,
        dst,
        l4,
        time: NOW + 10 * i64::from(spec.time) - i64::from(spec.time % 2),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn classifier_agrees_with_reference(
        spec in policy_spec(),
        packets in prop::collection::vec(packet_spec(), 48),
    ) {
        let policy = build_policy(&spec);
        let ruleset = lower(&policy, NOW);
        if let Err(e) = check_invariants(&ruleset) {
            return Err(TestCaseError::fail(format!("invariant violated: {e}")));
        }
        let classifier = Classifier::new(&ruleset);
        let reference = Reference::new(&policy);
        let addrs = candidate_addresses(&policy);
        let ports = candidate_ports(&policy);
        let packets: Vec<Packet> = packets
            .iter()
            .map(|p| build_packet(p, &policy, &addrs, &ports))
            .collect();
        // Batched lookups give the same decisions, in order, whatever the
        // length (within a batch, across batches, a batch cut short).
        let one_by_one: Vec<_> = packets.iter().map(|p| classifier.classify(p)).collect();
        for len in [0, 1, 17, packets.len()] {
            let expected: Vec<_> = one_by_one[..len].iter().cloned().enumerate().collect();
            let mut batched = Vec::new();
            classifier.classify_batched(&packets[..len], |i, d| batched.push((i, d)));
            prop_assert_eq!(&batched, &expected);
            let mut each = Vec::new();
            classifier.classify_each(&packets[..len], |i, d| each.push((i, d)));
            prop_assert_eq!(&each, &expected);
        }
        for (p, got) in packets.iter().zip(one_by_one) {
            let got = classifier.in_policy_terms(got);
            let mut want = reference.classify(p);
            // Flows expired at compile time are not in the IR, so cannot be reported.
            if let DecidedBy::DefaultDrop { expired, .. } = &mut want.by {
                expired.retain(|f| policy.flows[f.0].until.is_none_or(|u| u > NOW));
            }
            prop_assert_eq!(&got, &want, "packet {:?}", p);
            // zone_of agrees with the policy's own classification.
            let zone = policy.classify(p.src).map(|z| sanso_ir::ZoneIdx(z.0));
            prop_assert_eq!(classifier.zone_of(p.src), zone);
        }
    }
}
