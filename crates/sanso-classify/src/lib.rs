//! sanso-classify owns the userspace evaluator of the IR: for the first
//! packet of a new connection, the verdict and what decided it.
//!
//! [`Classifier`] implements the pipeline of the `sanso_ir` crate
//! documentation over a [`Ruleset`], exactly as the kernel runs it, for a
//! packet with no connection-tracking state and no rate limit exceeded.
//! A lookup locates source and destination in their zone ranges once, takes
//! the hook table's elements of that zone-range pair, finds the few source
//! ranges that contain the packet's source (a branch-free two-level search
//! over elementary intervals; ranges nest, as hosts in zones, so "few" is the
//! nesting depth), and for each whose destination hull holds the destination
//! the cell that holds it (directly when the source range has one cell),
//! whose L4 keys are binary searched. The elements are disjoint, so at most
//! one matches. The cost grows with the logarithm
//! of the number of elements, not with the number of flows, and the hot path
//! does not allocate (only a drop that reports expired flows or a spoofed
//! interface does).
//!
//! [`reference`] is the naive oracle: first match over the policy itself,
//! flow by flow. Tests compare the two; benchmarks use it as the baseline.
//!
//! Pure: no I/O, no clock (the packet carries its time).

mod index;
pub mod reference;

use std::net::IpAddr;

use sanso_ir::{FlowIdx, Ruleset, ZoneIdx};

use index::{FamilyIndex, L4Code, TargetCoder, Targets, ZoneRangeIdx, GATEWAY};

/// Which hook a packet traverses on the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Path {
    /// Routed through the gateway (forward hook).
    Forward,
    /// Addressed to the gateway itself (input hook).
    ToGateway,
    /// Sent by the gateway itself (output hook).
    FromGateway,
}

/// The transport part of a packet that the ruleset looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum L4 {
    Tcp {
        dport: u16,
    },
    Udp {
        dport: u16,
    },
    /// ICMP for an IPv4 packet, ICMPv6 for an IPv6 packet.
    Icmp {
        icmp_type: u8,
    },
}

/// The first packet of a new connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Packet {
    pub path: Path,
    /// The interface the packet arrives on, for [`Path::Forward`] and
    /// [`Path::ToGateway`] (anti-spoofing). `None`: the interface of the zone
    /// its source classifies to (as packet-path cases default), so only a
    /// source that classifies to no zone is spoofed. Ignored for
    /// [`Path::FromGateway`], whose packets to a loopback address leave on `lo`.
    pub iif: Option<String>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub l4: L4,
    /// Seconds since the Unix epoch, compared with the flows' `until`.
    pub time: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    Accept,
    Drop,
}

/// A verdict and the step of the pipeline that gave it. `F` names flows:
/// [`FlowIdx`] (into the ruleset) for [`Classifier`],
/// [`reference::PolicyFlowIdx`] (into the policy) for the reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decision<F = FlowIdx> {
    pub verdict: Verdict,
    pub by: DecidedBy<F>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DecidedBy<F = FlowIdx> {
    /// This flow accepted the packet.
    Flow(F),
    /// The (input interface, source) pair is not valid: dropped as spoofed.
    AntiSpoof {
        iif: Option<String>,
        src_zone: Option<ZoneIdx>,
    },
    /// Loopback traffic of the gateway itself: accepted.
    Loopback,
    /// IPv6 neighbour discovery to or from the gateway: accepted.
    NeighbourDiscovery,
    /// No flow accepted: dropped by default, counted for this zone pair
    /// (`None`: the gateway itself, or an address in no zone). `expired`
    /// lists the flows whose key matched but whose `until` had passed.
    DefaultDrop {
        src_zone: Option<ZoneIdx>,
        dst_zone: Option<ZoneIdx>,
        expired: Vec<F>,
    },
}

impl<F> Decision<F> {
    fn accept(by: DecidedBy<F>) -> Self {
        Decision {
            verdict: Verdict::Accept,
            by,
        }
    }

    fn drop(by: DecidedBy<F>) -> Self {
        Decision {
            verdict: Verdict::Drop,
            by,
        }
    }

    /// The same decision with its flows renamed by `rename`.
    pub fn map_flows<G>(self, mut rename: impl FnMut(F) -> G) -> Decision<G> {
        let by = match self.by {
            DecidedBy::Flow(f) => DecidedBy::Flow(rename(f)),
            DecidedBy::AntiSpoof { iif, src_zone } => DecidedBy::AntiSpoof { iif, src_zone },
            DecidedBy::Loopback => DecidedBy::Loopback,
            DecidedBy::NeighbourDiscovery => DecidedBy::NeighbourDiscovery,
            DecidedBy::DefaultDrop {
                src_zone,
                dst_zone,
                expired,
            } => DecidedBy::DefaultDrop {
                src_zone,
                dst_zone,
                expired: expired.into_iter().map(rename).collect(),
            },
        };
        Decision {
            verdict: self.verdict,
            by,
        }
    }
}

/// ICMPv6 neighbour discovery: router solicitation and advertisement,
/// neighbour solicitation and advertisement (hop limit 255 assumed).
const ND_TYPES: std::ops::RangeInclusive<u8> = 133..=136;

/// The IR's pipeline over one [`Ruleset`], with an index built once.
pub struct Classifier<'r> {
    ruleset: &'r Ruleset,
    /// What the tables' keys lead to.
    targets: Targets,
    v4: FamilyIndex<u32>,
    v6: FamilyIndex<u128>,
}

impl<'r> Classifier<'r> {
    pub fn new(ruleset: &'r Ruleset) -> Self {
        let mut coder = TargetCoder::new(ruleset);
        let v4 = FamilyIndex::build(ruleset, &ruleset.v4, u32::from, &mut coder);
        let v6 = FamilyIndex::build(ruleset, &ruleset.v6, u128::from, &mut coder);
        Classifier {
            ruleset,
            targets: coder.finish(),
            v4,
            v6,
        }
    }

    pub fn ruleset(&self) -> &'r Ruleset {
        self.ruleset
    }

    /// The zone `addr` classifies to.
    pub fn zone_of(&self, addr: IpAddr) -> Option<ZoneIdx> {
        match addr {
            IpAddr::V4(a) => self.v4.zone_of(u32::from(a)),
            IpAddr::V6(a) => self.v6.zone_of(u128::from(a)),
        }
    }

    /// The same decision with the policy's flow indices, to compare with
    /// [`reference::Reference`].
    pub fn in_policy_terms(&self, decision: Decision) -> Decision<reference::PolicyFlowIdx> {
        decision.map_flows(|f| reference::PolicyFlowIdx(self.ruleset.flow(f).policy_index))
    }

    /// Bytes of the lookup index's arrays (the forward, input and output
    /// tables of both families), per part: zone-range pairs, source blocks,
    /// source nodes, destination intervals, keys. For benchmarks.
    #[doc(hidden)]
    pub fn index_bytes(&self) -> [usize; 5] {
        let mut sum = [0; 5];
        for table in [&self.v4.forward, &self.v4.input, &self.v4.output] {
            for (s, b) in sum.iter_mut().zip(table.bytes()) {
                *s += b;
            }
        }
        for table in [&self.v6.forward, &self.v6.input, &self.v6.output] {
            for (s, b) in sum.iter_mut().zip(table.bytes()) {
                *s += b;
            }
        }
        sum
    }

    /// The decision for the first packet of a new connection.
    pub fn classify(&self, packet: &Packet) -> Decision {
        // 1. Loopback and neighbour discovery of the gateway itself.
        let family_addr = match packet.path {
            Path::Forward => packet.src,
            Path::ToGateway => {
                let on_lo = match packet.iif.as_deref() {
                    Some(iif) => iif == "lo",
                    None => packet.src.is_loopback(),
                };
                if on_lo {
                    return Decision::accept(DecidedBy::Loopback);
                }
                packet.src
            }
            Path::FromGateway => {
                if packet.dst.is_loopback() {
                    return Decision::accept(DecidedBy::Loopback);
                }
                packet.dst
            }
        };
        if packet.path != Path::Forward && family_addr.is_ipv6() {
            if let L4::Icmp { icmp_type } = packet.l4 {
                if ND_TYPES.contains(&icmp_type) {
                    return Decision::accept(DecidedBy::NeighbourDiscovery);
                }
            }
        }
        // Each address is located in its family's zone ranges once; the
        // steps below read zones from there.
        let src = self.locate(packet.src);
        let dst = self.locate(packet.dst);
        // 2. Anti-spoofing.
        if packet.path != Path::FromGateway && !self.source_valid(packet.iif.as_deref(), src) {
            return Decision::drop(DecidedBy::AntiSpoof {
                iif: packet.iif.clone(),
                src_zone: self.zone_at(src),
            });
        }
        // 4. The hook's table.
        let l4 = L4Code::of(packet.l4);
        let target = match (packet.path, src, dst) {
            (Path::Forward, Located::V4(s), Located::V4(d)) => self.v4.forward.lookup(s, d, l4),
            (Path::Forward, Located::V6(s), Located::V6(d)) => self.v6.forward.lookup(s, d, l4),
            (Path::Forward, _, _) => None,
            (Path::ToGateway, Located::V4(s), _) => self.v4.input.lookup(s, (GATEWAY, 0), l4),
            (Path::ToGateway, Located::V6(s), _) => self.v6.input.lookup(s, (GATEWAY, 0), l4),
            (Path::FromGateway, _, Located::V4(d)) => self.v4.output.lookup((GATEWAY, 0), d, l4),
            (Path::FromGateway, _, Located::V6(d)) => self.v6.output.lookup((GATEWAY, 0), d, l4),
        };
        if let Some(flow) = target.and_then(|t| self.targets.accepting(t, packet.time)) {
            return Decision::accept(DecidedBy::Flow(flow));
        }
        // 5. Default drop (slow path: zones and expired flows).
        let src_zone = match packet.path {
            Path::FromGateway => None,
            _ => self.zone_at(src),
        };
        let dst_zone = match packet.path {
            Path::ToGateway => None,
            _ => self.zone_at(dst),
        };
        let expired = target.map(|t| self.targets.flows(t)).unwrap_or_default();
        Decision::drop(DecidedBy::DefaultDrop {
            src_zone,
            dst_zone,
            expired,
        })
    }

    /// An address in its family's zone ranges.
    #[inline(always)]
    fn locate(&self, addr: IpAddr) -> Located {
        match addr {
            IpAddr::V4(a) => Located::V4(self.v4.at(a)),
            IpAddr::V6(a) => Located::V6(self.v6.at(a)),
        }
    }

    /// The zone of a located address.
    #[inline]
    fn zone_at(&self, located: Located) -> Option<ZoneIdx> {
        match located {
            Located::V4((range, _)) => self.v4.zone_at(range),
            Located::V6((range, _)) => self.v6.zone_at(range),
        }
    }

    /// Whether (input interface, source) is in the anti-spoofing set; with no
    /// interface, whether the source's zone has one.
    fn source_valid(&self, iif: Option<&str>, src: Located) -> bool {
        match (iif, src) {
            (Some(iif), Located::V4((_, s))) => self.v4.spoof_ok(iif, s),
            (Some(iif), Located::V6((_, s))) => self.v6.spoof_ok(iif, s),
            (None, Located::V4((range, _))) => self.v4.sourced(range),
            (None, Located::V6((range, _))) => self.v6.sourced(range),
        }
    }
}

/// A packet address as the index takes it: its zone range in its family
/// and its integer key.
#[derive(Clone, Copy, Debug)]
enum Located {
    V4((ZoneRangeIdx, u32)),
    V6((ZoneRangeIdx, u128)),
}
