//! The topology as plain data ([`TopologySpec`]): which namespaces, veth
//! links, addresses, routes and neighbours a run needs for its probes, and
//! the `ip -batch` scripts that build it. Pure: computed from the policy and
//! the probes only, so it is tested without root.
//!
//! Layout: one gateway namespace whose interfaces carry the policy's
//! interface names; each is one end of a veth pair whose other end, named
//! [`PEER_IFNAME`], lives in a peer namespace of its own. Every address is a
//! /32 or /128: the gateway has no connected subnets, only host routes to the
//! addresses the probes use, with permanent neighbour entries (no ARP or
//! neighbour discovery delays the first packet).
//!
//! Placement rules:
//! * a destination sits behind the first interface of the zone it classifies
//!   to (a catch-all external zone included); one that classifies nowhere is
//!   unrouted and can only be dropped;
//! * a destination is assigned (/32, or /128 with `nodad`) on that peer (as a
//!   local route above [`MAX_ASSIGNED_PER_PEER`] addresses);
//! * a source is assigned on the peer of the probe's input interface (the
//!   interface given, else the first interface of its zone), also when that
//!   is a wrong interface (an anti-spoofing probe);
//! * the gateway's host route for an address goes to where it sits as a
//!   destination, else to its zone's interface (for replies);
//! * the gateway's own address on each interface lies inside the zone when
//!   an address there is free (not used by any probe, not special), else in
//!   198.18.0.0/15 or fd53:616e:736f::/48; every gateway interface also has
//!   [`GATEWAY_LINK_LOCAL`], the peers' IPv6 next hop.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use sanso_policy::{Policy, ZoneId};

use crate::netns::RunId;
use crate::{CapturePoint, HarnessError, Probe, ProbeDst, ProbeL4};

/// The name of the veth end in every peer namespace.
pub const PEER_IFNAME: &str = "p0";

/// The gateway's link-local address on every interface.
pub const GATEWAY_LINK_LOCAL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);

/// Above this many addresses on one peer, they are made local with
/// `route add local ADDR dev p0 table local` instead of `address add`: the
/// peer's stack treats them alike, but adding IPv6 addresses one by one costs
/// time quadratic in their number (0.5 s for 500, 8 s for 2000), routes do not.
pub const MAX_ASSIGNED_PER_PEER: usize = 256;

/// An Ethernet address.
pub type Mac = [u8; 6];

/// The whole topology of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopologySpec {
    pub run: RunId,
    pub gateway_ns: String,
    /// One per policy interface, in policy order (zones, then interfaces).
    pub links: Vec<LinkSpec>,
    /// Same order as the probes given.
    pub probes: Vec<PlacedProbe>,
}

/// One gateway interface and its peer namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkSpec {
    /// The gateway's interface name, as in the policy.
    pub interface: String,
    pub zone: ZoneId,
    pub peer_ns: String,
    pub gateway_mac: Mac,
    pub peer_mac: Mac,
    pub gateway_v4: Ipv4Addr,
    pub gateway_v6: Ipv6Addr,
    /// Addresses local to the peer (assigned on its [`PEER_IFNAME`], or local
    /// routes beyond [`MAX_ASSIGNED_PER_PEER`]).
    pub peer_addresses: BTreeSet<IpAddr>,
    /// Addresses the gateway routes through this interface.
    pub routes: BTreeSet<IpAddr>,
}

/// A probe with its interface and destination resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlacedProbe {
    /// Index into [`TopologySpec::links`] of the input interface.
    pub iif: usize,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub l4: ProbeL4,
    pub capture: CapturePoint,
}

/// True for addresses the kernel treats specially (they never travel as an
/// ordinary unicast packet between two hosts): unspecified, `0.0.0.0/8`,
/// loopback, link-local, multicast, `240.0.0.0/4` (broadcast included),
/// IPv4-mapped and IPv4-compatible IPv6.
pub fn is_special(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => {
            let o = a.octets();
            o[0] == 0 || o[0] == 127 || (o[0] == 169 && o[1] == 254) || o[0] >= 224
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            let top96_zero = s[..6].iter().all(|&x| x == 0);
            let mapped = s[..5].iter().all(|&x| x == 0) && s[5] == 0xffff;
            top96_zero || mapped || s[0] & 0xff00 == 0xff00 || s[0] & 0xffc0 == 0xfe80
        }
    }
}

impl TopologySpec {
    /// Lays out the topology for `probes` under `policy`.
    pub fn new(run: RunId, policy: &Policy, probes: &[Probe]) -> Result<Self, HarnessError> {
        let mut links: Vec<LinkSpec> = Vec::new();
        let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
        let mut first_link_of_zone: BTreeMap<ZoneId, usize> = BTreeMap::new();
        for (z, zone) in policy.zones.iter().enumerate() {
            for interface in &zone.interfaces {
                let i = links.len();
                by_name.entry(interface.as_str()).or_insert(i);
                first_link_of_zone.entry(ZoneId(z)).or_insert(i);
                links.push(LinkSpec {
                    interface: interface.clone(),
                    zone: ZoneId(z),
                    peer_ns: run.namespace_name(&format!("p{i}")),
                    gateway_mac: mac(0, i),
                    peer_mac: mac(1, i),
                    gateway_v4: Ipv4Addr::UNSPECIFIED,
                    gateway_v6: Ipv6Addr::UNSPECIFIED,
                    peer_addresses: BTreeSet::new(),
                    routes: BTreeSet::new(),
                });
            }
        }
        let link_of = |addr: IpAddr| {
            policy
                .classify(addr)
                .and_then(|z| first_link_of_zone.get(&z).copied())
        };

        // Resolve interfaces and check addresses.
        let mut used: BTreeSet<IpAddr> = BTreeSet::new();
        let mut iifs = Vec::with_capacity(probes.len());
        for (k, probe) in probes.iter().enumerate() {
            if is_special(probe.src) {
                return Err(HarnessError::SpecialAddress {
                    probe: k,
                    addr: probe.src,
                });
            }
            used.insert(probe.src);
            if let ProbeDst::Addr(dst) = probe.dst {
                if dst.is_ipv4() != probe.src.is_ipv4() {
                    return Err(HarnessError::MixedFamilies {
                        probe: k,
                        src: probe.src,
                        dst,
                    });
                }
                if is_special(dst) {
                    return Err(HarnessError::SpecialAddress {
                        probe: k,
                        addr: dst,
                    });
                }
                used.insert(dst);
            }
            let iif =
                match &probe.iif {
                    Some(name) => *by_name.get(name.as_str()).ok_or_else(|| {
                        HarnessError::UnknownInterface {
                            probe: k,
                            interface: name.clone(),
                        }
                    })?,
                    None => link_of(probe.src).ok_or(HarnessError::NoInterfaceForSource {
                        probe: k,
                        src: probe.src,
                    })?,
                };
            iifs.push(iif);
        }

        // The gateway's own addresses.
        let mut taken = used.clone();
        for (i, link) in links.iter_mut().enumerate() {
            let v4 = pick_v4(policy, link.zone, i, &taken);
            taken.insert(IpAddr::V4(v4));
            let v6 = pick_v6(policy, link.zone, i, &taken);
            taken.insert(IpAddr::V6(v6));
            link.gateway_v4 = v4;
            link.gateway_v6 = v6;
        }

        // Destinations first: their placement decides the gateway's route.
        let mut route_of: BTreeMap<IpAddr, usize> = BTreeMap::new();
        for probe in probes {
            if let ProbeDst::Addr(dst) = probe.dst {
                if let Some(l) = link_of(dst) {
                    links[l].peer_addresses.insert(dst);
                    route_of.entry(dst).or_insert(l);
                }
            }
        }
        for (probe, &iif) in probes.iter().zip(&iifs) {
            links[iif].peer_addresses.insert(probe.src);
            if let Some(l) = link_of(probe.src) {
                route_of.entry(probe.src).or_insert(l);
            }
        }
        for (&addr, &l) in &route_of {
            links[l].routes.insert(addr);
        }

        let placed = probes
            .iter()
            .zip(&iifs)
            .map(|(probe, &iif)| {
                let (dst, capture) = match probe.dst {
                    ProbeDst::Gateway => {
                        let own = match probe.src {
                            IpAddr::V4(_) => IpAddr::V4(links[iif].gateway_v4),
                            IpAddr::V6(_) => IpAddr::V6(links[iif].gateway_v6),
                        };
                        (own, CapturePoint::Gateway)
                    }
                    ProbeDst::Addr(dst) => match route_of.get(&dst) {
                        Some(&l) if link_of(dst).is_some() => (dst, CapturePoint::Peer(l)),
                        _ => (dst, CapturePoint::Unrouted),
                    },
                };
                PlacedProbe {
                    iif,
                    src: probe.src,
                    dst,
                    l4: probe.l4,
                    capture,
                }
            })
            .collect();

        Ok(TopologySpec {
            run,
            gateway_ns: run.namespace_name("gw"),
            links,
            probes: placed,
        })
    }

    /// The `ip -n <gateway> -batch -` script: veth pairs (peer ends moved into
    /// their namespaces), the gateway's addresses, host routes and permanent
    /// neighbours.
    pub fn gateway_script(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "link set lo up");
        for link in &self.links {
            let _ = writeln!(
                s,
                "link add {} address {} type veth peer name {PEER_IFNAME} address {} netns {}",
                link.interface,
                mac_text(&link.gateway_mac),
                mac_text(&link.peer_mac),
                link.peer_ns
            );
        }
        for link in &self.links {
            let dev = &link.interface;
            let _ = writeln!(s, "link set {dev} up");
            let _ = writeln!(s, "address add {}/32 dev {dev}", link.gateway_v4);
            let _ = writeln!(s, "address add {}/128 dev {dev} nodad", link.gateway_v6);
            let _ = writeln!(s, "address add {GATEWAY_LINK_LOCAL}/64 dev {dev} nodad");
            let peer = mac_text(&link.peer_mac);
            for addr in &link.routes {
                let len = if addr.is_ipv4() { 32 } else { 128 };
                let _ = writeln!(s, "route add {addr}/{len} dev {dev}");
                let _ = writeln!(
                    s,
                    "neigh replace {addr} lladdr {peer} dev {dev} nud permanent"
                );
            }
        }
        s
    }

    /// The `ip -n <peer> -batch -` script of link `i`: its addresses, routes
    /// to the gateway, and the gateway's permanent neighbour entries.
    pub fn peer_script(&self, i: usize) -> String {
        let link = &self.links[i];
        let gw_mac = mac_text(&link.gateway_mac);
        let mut s = String::new();
        let _ = writeln!(s, "link set lo up");
        let _ = writeln!(s, "link set {PEER_IFNAME} up");
        let assign = link.peer_addresses.len() <= MAX_ASSIGNED_PER_PEER;
        for addr in &link.peer_addresses {
            let len = if addr.is_ipv4() { 32 } else { 128 };
            let _ = match (assign, addr) {
                (true, IpAddr::V4(a)) => writeln!(s, "address add {a}/32 dev {PEER_IFNAME}"),
                (true, IpAddr::V6(a)) => writeln!(s, "address add {a}/128 dev {PEER_IFNAME} nodad"),
                (false, a) => {
                    writeln!(s, "route add local {a}/{len} dev {PEER_IFNAME} table local")
                }
            };
        }
        let _ = writeln!(
            s,
            "neigh replace {} lladdr {gw_mac} dev {PEER_IFNAME} nud permanent",
            link.gateway_v4
        );
        let _ = writeln!(
            s,
            "neigh replace {GATEWAY_LINK_LOCAL} lladdr {gw_mac} dev {PEER_IFNAME} nud permanent"
        );
        let _ = writeln!(
            s,
            "route add default via {} dev {PEER_IFNAME} onlink",
            link.gateway_v4
        );
        let _ = writeln!(
            s,
            "route add ::/0 via {GATEWAY_LINK_LOCAL} dev {PEER_IFNAME} onlink"
        );
        s
    }

    /// Every namespace name of the run, gateway first.
    pub fn namespace_names(&self) -> Vec<String> {
        std::iter::once(self.gateway_ns.clone())
            .chain(self.links.iter().map(|l| l.peer_ns.clone()))
            .collect()
    }

    /// Number of addresses assigned in the peers.
    pub fn address_count(&self) -> usize {
        self.links.iter().map(|l| l.peer_addresses.len()).sum()
    }
}

fn mac(side: u8, i: usize) -> Mac {
    let [hi, lo] = u16::try_from(i).unwrap_or(u16::MAX).to_be_bytes();
    [0x02, 0x53, 0x00, side, hi, lo]
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn mac_text(mac: &Mac) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// How many addresses from the start of a zone network are tried.
const TRIES_PER_NETWORK: u32 = 64;

fn pick_v4(policy: &Policy, zone: ZoneId, link: usize, taken: &BTreeSet<IpAddr>) -> Ipv4Addr {
    let free = |a: Ipv4Addr| !is_special(IpAddr::V4(a)) && !taken.contains(&IpAddr::V4(a));
    for net in &policy.zone(zone).networks {
        let ipnet::IpNet::V4(net) = net else { continue };
        let base = u32::from(net.network());
        for off in 1..=TRIES_PER_NETWORK {
            let a = Ipv4Addr::from(base.wrapping_add(off));
            if net.contains(&a) && free(a) && policy.classify(IpAddr::V4(a)) == Some(zone) {
                return a;
            }
        }
    }
    // 198.18.0.0/15 (benchmarking), starting at a per-link offset.
    let base = u32::from(Ipv4Addr::new(198, 18, 0, 0));
    let start = (link as u32).wrapping_mul(256);
    (0..(1u32 << 17))
        .map(|off| Ipv4Addr::from(base + (start.wrapping_add(off + 1) & 0x1_ffff)))
        .find(|&a| free(a))
        .expect("198.18.0.0/15 has more free addresses than a run has probes")
}

fn pick_v6(policy: &Policy, zone: ZoneId, link: usize, taken: &BTreeSet<IpAddr>) -> Ipv6Addr {
    let free = |a: Ipv6Addr| !is_special(IpAddr::V6(a)) && !taken.contains(&IpAddr::V6(a));
    for net in &policy.zone(zone).networks {
        let ipnet::IpNet::V6(net) = net else { continue };
        let base = u128::from(net.network());
        for off in 1..=u128::from(TRIES_PER_NETWORK) {
            let a = Ipv6Addr::from(base.wrapping_add(off));
            if net.contains(&a) && free(a) && policy.classify(IpAddr::V6(a)) == Some(zone) {
                return a;
            }
        }
    }
    // fd53:616e:736f:<link>::/64, a unique-local prefix of the harness's own.
    let base = u128::from(Ipv6Addr::new(
        0xfd53,
        0x616e,
        0x736f,
        link as u16,
        0,
        0,
        0,
        0,
    ));
    (1..=u128::from(u32::MAX))
        .map(|off| Ipv6Addr::from(base + off))
        .find(|&a| free(a))
        .expect("a /64 has more free addresses than a run has probes")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use sanso_policy::{Location, Tier, Zone};

    pub(crate) fn zone(name: &str, tier: Tier, ifaces: &[&str], nets: &[&str]) -> Zone {
        Zone {
            name: name.to_owned(),
            tier,
            beyond: None,
            organisation: None,
            dynamic: Vec::new(),
            interfaces: ifaces.iter().map(|s| (*s).to_owned()).collect(),
            networks: nets
                .iter()
                .map(|n| n.parse().expect("test network"))
                .collect(),
            location: Location::default(),
        }
    }

    /// Three zones: two internal, one catch-all external.
    pub(crate) fn policy() -> Policy {
        Policy {
            name: "t".to_owned(),
            revision: None,
            zones: vec![
                zone(
                    "mn",
                    Tier::Mynumber,
                    &["mn0"],
                    &["10.10.0.0/16", "fd00:10::/48"],
                ),
                zone("lg", Tier::Lgwan, &["lg0", "lg1"], &["10.20.0.0/16"]),
                zone("up", Tier::External, &["wan0"], &["0.0.0.0/0", "::/0"]),
            ],
            hosts: vec![],
            flows: vec![],
            content_hash: String::new(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn probe(src: &str, dst: ProbeDst, iif: Option<&str>) -> Probe {
        Probe {
            iif: iif.map(str::to_owned),
            src: ip(src),
            dst,
            l4: ProbeL4::Tcp(443),
        }
    }

    #[test]
    fn places_sources_destinations_and_gateway_addresses() {
        let p = policy();
        let probes = vec![
            probe("10.10.0.1", ProbeDst::Addr(ip("10.20.0.5")), None),
            probe("10.10.0.9", ProbeDst::Gateway, None),
            probe("203.0.113.7", ProbeDst::Addr(ip("10.10.0.9")), None),
            // Spoofed: an lgwan source arriving on the mynumber interface.
            probe("10.20.0.5", ProbeDst::Addr(ip("198.51.100.1")), Some("mn0")),
            probe("fd00:10::5", ProbeDst::Addr(ip("2001:db8::1")), None),
        ];
        let spec = TopologySpec::new(RunId { pid: 7, counter: 3 }, &p, &probes).expect("placed");
        assert_eq!(spec.gateway_ns, "sanso-7-3-gw");
        let names: Vec<_> = spec.links.iter().map(|l| l.interface.as_str()).collect();
        assert_eq!(names, ["mn0", "lg0", "lg1", "wan0"]);
        assert_eq!(spec.links[3].peer_ns, "sanso-7-3-p3");
        // 10.10.0.1 is a probe address, so the gateway takes 10.10.0.2.
        assert_eq!(spec.links[0].gateway_v4, ip("10.10.0.2"));
        assert_eq!(spec.links[0].gateway_v6, ip("fd00:10::1"));
        assert_eq!(spec.links[1].gateway_v4, ip("10.20.0.1"));
        assert_eq!(spec.links[2].gateway_v4, ip("10.20.0.2"));
        // No v6 network in lgwan: the harness's own prefix.
        assert_eq!(spec.links[1].gateway_v6, ip("fd53:616e:736f:1::1"));
        // Catch-all: 0.0.0.1 is special, so the fallback range.
        assert_eq!(spec.links[3].gateway_v4, ip("198.18.3.1"));

        assert_eq!(spec.probes[0].capture, CapturePoint::Peer(1));
        assert_eq!(spec.probes[1].capture, CapturePoint::Gateway);
        assert_eq!(spec.probes[1].dst, ip("10.10.0.2"));
        assert_eq!(spec.probes[2].capture, CapturePoint::Peer(0));
        assert_eq!(spec.probes[2].iif, 3);
        assert_eq!(spec.probes[3].iif, 0);
        assert_eq!(spec.probes[3].capture, CapturePoint::Peer(3));
        // The spoofed source sits on the mn0 peer too, and is routed to lg0 (its zone).
        assert!(spec.links[0].peer_addresses.contains(&ip("10.20.0.5")));
        assert!(spec.links[1].peer_addresses.contains(&ip("10.20.0.5")));
        assert!(spec.links[1].routes.contains(&ip("10.20.0.5")));
        assert!(!spec.links[0].routes.contains(&ip("10.20.0.5")));
        assert!(spec.links[3].routes.contains(&ip("2001:db8::1")));
    }

    #[test]
    fn scripts_name_every_piece() {
        let p = policy();
        let probes = vec![probe("10.10.0.1", ProbeDst::Addr(ip("10.20.0.5")), None)];
        let spec = TopologySpec::new(RunId { pid: 1, counter: 0 }, &p, &probes).expect("placed");
        let gw = spec.gateway_script();
        assert!(gw.contains("link add mn0 address 02:53:00:00:00:00 type veth peer name p0 address 02:53:00:01:00:00 netns sanso-1-0-p0\n"));
        assert!(gw.contains("route add 10.20.0.5/32 dev lg0\n"));
        assert!(
            gw.contains("neigh replace 10.20.0.5 lladdr 02:53:00:01:00:01 dev lg0 nud permanent\n")
        );
        assert!(gw.contains("address add fe80::1/64 dev wan0 nodad\n"));
        let peer = spec.peer_script(1);
        assert!(peer.contains("address add 10.20.0.5/32 dev p0\n"));
        assert!(peer.contains("route add default via 10.20.0.1 dev p0 onlink\n"));
        assert!(!spec.peer_script(0).contains("10.20.0.5"));
        assert!(spec
            .peer_script(0)
            .contains("address add 10.10.0.1/32 dev p0\n"));
    }

    #[test]
    fn many_peer_addresses_become_local_routes() {
        let p = policy();
        let probes: Vec<Probe> = (0..=MAX_ASSIGNED_PER_PEER)
            .map(|k| {
                probe(
                    &format!("fd00:10::{:x}", k + 1),
                    ProbeDst::Addr(ip("10.20.0.5")),
                    None,
                )
            })
            .collect();
        let probes: Vec<Probe> = probes
            .into_iter()
            .map(|mut pr| {
                pr.dst = ProbeDst::Gateway;
                pr
            })
            .collect();
        let spec = TopologySpec::new(RunId::next(), &p, &probes).expect("placed");
        let peer = spec.peer_script(0);
        assert!(
            peer.contains("route add local fd00:10::1/128 dev p0 table local\n"),
            "{peer}"
        );
        assert!(!peer.contains("address add fd00:10::1/"));
    }

    #[test]
    fn refuses_what_cannot_be_placed() {
        let p = policy();
        let bad_iif = probe("10.10.0.1", ProbeDst::Gateway, Some("eth9"));
        assert!(matches!(
            TopologySpec::new(RunId::next(), &p, &[bad_iif]),
            Err(HarnessError::UnknownInterface { probe: 0, .. })
        ));
        let mixed = probe("10.10.0.1", ProbeDst::Addr(ip("fd00:10::1")), None);
        assert!(matches!(
            TopologySpec::new(RunId::next(), &p, &[mixed]),
            Err(HarnessError::MixedFamilies { .. })
        ));
        let special = probe("127.0.0.1", ProbeDst::Gateway, Some("mn0"));
        assert!(matches!(
            TopologySpec::new(RunId::next(), &p, &[special]),
            Err(HarnessError::SpecialAddress { .. })
        ));
        let mut no_catch_all = policy();
        no_catch_all.zones.pop();
        let nowhere = probe("192.0.2.1", ProbeDst::Gateway, None);
        assert!(matches!(
            TopologySpec::new(RunId::next(), &no_catch_all, &[nowhere]),
            Err(HarnessError::NoInterfaceForSource { .. })
        ));
        let unrouted = probe("10.10.0.1", ProbeDst::Addr(ip("192.0.2.1")), None);
        let spec = TopologySpec::new(RunId::next(), &no_catch_all, &[unrouted]).expect("placed");
        assert_eq!(spec.probes[0].capture, CapturePoint::Unrouted);
    }

    #[test]
    fn special_addresses() {
        for s in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "169.254.1.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "ff02::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_special(ip(s)), "{s}");
        }
        for s in [
            "10.0.0.0",
            "10.255.255.255",
            "1.0.0.0",
            "223.255.255.255",
            "2001:db8::",
            "fd00::1",
            "::1:0:0:0",
        ] {
            assert!(!is_special(ip(s)), "{s}");
        }
    }
}
