//! The naive reference evaluator: first match over the [`Policy`] itself,
//! not the IR. It is the oracle the classifier is tested against and the
//! linear baseline of the benchmarks; it is deliberately written from the
//! policy format's meaning, flow by flow, with no index.

use std::net::IpAddr;

use sanso_ir::ZoneIdx;
use sanso_policy::{Endpoint, Flow, Policy, ServiceMatch};

use crate::{DecidedBy, Decision, Packet, Path, L4};

/// Index into the policy's `flows` (file order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyFlowIdx(pub usize);

/// First-match evaluation of a policy.
#[derive(Clone, Copy, Debug)]
pub struct Reference<'p> {
    policy: &'p Policy,
}

impl<'p> Reference<'p> {
    pub fn new(policy: &'p Policy) -> Self {
        Reference { policy }
    }

    /// The decision for the first packet of a new connection.
    pub fn classify(&self, packet: &Packet) -> Decision<PolicyFlowIdx> {
        let accept = |by| Decision {
            verdict: crate::Verdict::Accept,
            by,
        };
        let drop = |by| Decision {
            verdict: crate::Verdict::Drop,
            by,
        };
        // The gateway's own loopback traffic.
        let loopback = match packet.path {
            Path::Forward => false,
            Path::ToGateway => packet
                .iif
                .as_deref()
                .map_or(packet.src.is_loopback(), |iif| iif == "lo"),
            Path::FromGateway => packet.dst.is_loopback(),
        };
        if loopback {
            return accept(DecidedBy::Loopback);
        }
        // The family is the gateway's peer's.
        let peer = if packet.path == Path::FromGateway {
            packet.dst
        } else {
            packet.src
        };
        let classify = |addr| self.policy.classify(addr).map(|z| ZoneIdx(z.0));
        // IPv6 sources that belong to no zone (RFC 4291): multicast, which
        // the kernel drops on receipt; link-local and unspecified, which
        // anti-spoofing does not judge and only ND and MLD get past.
        let v6_src = match (packet.path, packet.src) {
            (Path::FromGateway, _) | (_, IpAddr::V4(_)) => None,
            (_, IpAddr::V6(a)) => Some(a),
        };
        if v6_src.is_some_and(|a| a.is_multicast()) {
            return drop(DecidedBy::LinkLocal);
        }
        let link_local = v6_src.is_some_and(|a| a.is_unspecified() || a.is_unicast_link_local());
        if packet.path != Path::FromGateway && !link_local {
            let src_zone = classify(packet.src);
            let zone_interfaces = src_zone
                .map(|z| self.policy.zones[z.0].interfaces.as_slice())
                .unwrap_or(&[]);
            let valid = match packet.iif.as_deref() {
                Some(iif) => zone_interfaces.iter().any(|i| i == iif),
                None => !zone_interfaces.is_empty(),
            };
            if !valid {
                return drop(DecidedBy::AntiSpoof {
                    iif: packet.iif.clone(),
                    src_zone,
                });
            }
        }
        // RFC 4890: neighbour discovery (hop limit 255) and MLD (hop limit
        // 1) to and from the gateway.
        if packet.path != Path::Forward && peer.is_ipv6() {
            if let L4::Icmp { icmp_type } = packet.l4 {
                // A router advertisement comes from a router: it arrives on
                // an interface of an external zone (without an interface,
                // that of the source's zone; a link-local source has none).
                let external = |z: &sanso_policy::Zone| z.tier == sanso_policy::Tier::External;
                let from_router = || match packet.iif.as_deref() {
                    Some(iif) => self
                        .policy
                        .zones
                        .iter()
                        .any(|z| external(z) && z.interfaces.iter().any(|i| i == iif)),
                    None => {
                        !link_local
                            && classify(packet.src)
                                .is_some_and(|z| external(&self.policy.zones[z.0]))
                    }
                };
                match icmp_type {
                    130 | 131 | 132 | 143 => return accept(DecidedBy::MulticastListener),
                    133 | 135 | 136 => return accept(DecidedBy::NeighbourDiscovery),
                    134 if packet.path == Path::FromGateway || from_router() => {
                        return accept(DecidedBy::NeighbourDiscovery)
                    }
                    _ => {}
                }
            }
        }
        if link_local {
            return drop(DecidedBy::LinkLocal);
        }
        let src_zone = if packet.path == Path::FromGateway {
            None
        } else {
            classify(packet.src)
        };
        let dst_zone = if packet.path == Path::ToGateway {
            None
        } else {
            classify(packet.dst)
        };
        let mut expired = Vec::new();
        let same_family =
            packet.path != Path::Forward || packet.src.is_ipv4() == packet.dst.is_ipv4();
        if same_family {
            for (i, flow) in self.policy.flows.iter().enumerate() {
                if !self.matches(flow, packet, peer) {
                    continue;
                }
                if flow.until.is_none_or(|until| packet.time < until) {
                    return accept(DecidedBy::Flow(PolicyFlowIdx(i)));
                }
                expired.push(PolicyFlowIdx(i));
            }
        }
        drop(DecidedBy::DefaultDrop {
            src_zone,
            dst_zone,
            expired,
        })
    }

    /// Whether `flow`'s endpoints and services match, ignoring `until`.
    fn matches(&self, flow: &Flow, packet: &Packet, peer: IpAddr) -> bool {
        let any_holds =
            |endpoints: &[Endpoint], addr| endpoints.iter().any(|&e| self.holds(e, addr));
        let ends = match packet.path {
            Path::Forward => any_holds(&flow.from, packet.src) && any_holds(&flow.to, packet.dst),
            Path::ToGateway => {
                any_holds(&flow.from, packet.src) && flow.to.contains(&Endpoint::Gateway)
            }
            Path::FromGateway => {
                flow.from.contains(&Endpoint::Gateway) && any_holds(&flow.to, packet.dst)
            }
        };
        ends && flow
            .services
            .iter()
            .flat_map(|s| &s.matches)
            .any(|m| service_matches(*m, packet.l4, peer))
    }

    /// Whether `addr` is one of `endpoint`'s addresses (the gateway holds none
    /// here: it is the path, not an address).
    fn holds(&self, endpoint: Endpoint, addr: IpAddr) -> bool {
        match endpoint {
            Endpoint::Gateway => false,
            Endpoint::Zone(z) => self.policy.classify(addr) == Some(z),
            Endpoint::Host(h) => self
                .policy
                .host(h)
                .addresses
                .iter()
                .any(|net| net.contains(&addr)),
        }
    }
}

fn service_matches(service: ServiceMatch, l4: L4, peer: IpAddr) -> bool {
    match (service, l4) {
        (ServiceMatch::Tcp(r), L4::Tcp { dport }) | (ServiceMatch::Udp(r), L4::Udp { dport }) => {
            r.first <= dport && dport <= r.last
        }
        (ServiceMatch::Icmp(t), L4::Icmp { icmp_type }) => peer.is_ipv4() && t == icmp_type,
        (ServiceMatch::Icmpv6(t), L4::Icmp { icmp_type }) => peer.is_ipv6() && t == icmp_type,
        _ => false,
    }
}
