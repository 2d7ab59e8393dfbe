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
//! [`Classifier::classify_each`] gives the same decisions for many packets
//! at once, overlapping their lookups' cache misses when the index is large.
//!
//! [`reference`](mod@reference) is the naive oracle: first match over the policy itself,
//! flow by flow. Tests compare the two; benchmarks use it as the baseline.
//!
//! [`judge`] compares verdicts: a case's `expect` with what the classifier,
//! the kernel and a real client did (`sanso test`), and the engines with one
//! another (`sanso verify`), with the allowance for drops over a flow's
//! `limit`.
//!
//! Pure: no I/O, no clock (the packet carries its time).

// One prefetch hint (index.rs) is the only unsafe code, allowed where it stands.
#![deny(unsafe_code)]

mod index;
pub mod judge;
pub mod reference;

use std::net::IpAddr;

use sanso_ir::{FlowIdx, Ruleset, ZoneIdx};

use index::{FamilyIndex, L4Code, Table, TargetCode, TargetCoder, Targets, ZoneRangeIdx, GATEWAY};

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
    /// [`Path::ToGateway`] (anti-spoofing, router advertisements). `None`:
    /// the interface of the zone its source classifies to (as packet-path
    /// cases default), so only a source that classifies to no zone is
    /// spoofed; a link-local or unspecified source has no zone, so no such
    /// interface (a router advertisement from it is accepted only with the
    /// `iif` of an external zone). Ignored for [`Path::FromGateway`], whose
    /// packets to a loopback address leave on `lo`.
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

impl Verdict {
    /// The word of cases files (`expect`), tables and `--json`: `accept`, `drop`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Drop => "drop",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<sanso_policy::Expect> for Verdict {
    /// A case's `expect`, to compare with what an engine did.
    fn from(expect: sanso_policy::Expect) -> Self {
        match expect {
            sanso_policy::Expect::Accept => Verdict::Accept,
            sanso_policy::Expect::Drop => Verdict::Drop,
        }
    }
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
    /// IPv6 neighbour discovery to or from the gateway (hop limit 255):
    /// accepted; router advertisements arriving only on the interfaces of
    /// external zones.
    NeighbourDiscovery,
    /// IPv6 multicast listener discovery (MLD) to or from the gateway (hop
    /// limit 1): accepted.
    MulticastListener,
    /// An IPv6 source that belongs to no zone: link-local (`fe80::/10`) or
    /// unspecified (`::`), dropped by the ruleset apart from ND and MLD to
    /// the gateway (counted as `drop.link-local`), or multicast
    /// (`ff00::/8`), which the kernel drops on receipt, before the ruleset.
    LinkLocal,
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
            DecidedBy::MulticastListener => DecidedBy::MulticastListener,
            DecidedBy::LinkLocal => DecidedBy::LinkLocal,
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

/// ICMPv6 multicast listener discovery: query, report, done (MLDv1,
/// RFC 2710), MLDv2 report (RFC 3810).
const MLD_TYPES: [u8; 4] = [130, 131, 132, 143];
/// ICMPv6 neighbour discovery (RFC 4861): router solicitation, neighbour
/// solicitation and advertisement; router advertisements are apart.
const ND_TYPES: [u8; 3] = [133, 135, 136];
const ROUTER_ADVERTISEMENT: u8 = 134;

/// What the gateway accepts of IPv6 link control to or from itself (RFC
/// 4890): neighbour discovery (hop limit 255 assumed), router
/// advertisements only when sent by the gateway or arriving where a router
/// lives (`from_router`), MLD (hop limit 1 assumed). `None`: not link
/// control; the packet goes on through the pipeline.
fn link_control<F>(
    path: Path,
    icmp_type: u8,
    from_router: impl FnOnce() -> bool,
) -> Option<DecidedBy<F>> {
    if MLD_TYPES.contains(&icmp_type) {
        Some(DecidedBy::MulticastListener)
    } else if ND_TYPES.contains(&icmp_type)
        || (icmp_type == ROUTER_ADVERTISEMENT && (path == Path::FromGateway || from_router()))
    {
        Some(DecidedBy::NeighbourDiscovery)
    } else {
        None
    }
}

/// What an IPv6 source is when it belongs to no zone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NoZone {
    /// An ordinary source (or IPv4).
    No,
    /// Link-local (`fe80::/10`) or unspecified (`::`): anti-spoofing does
    /// not judge it; ND and MLD pass, the rest is dropped.
    LinkLocal,
    /// Multicast (`ff00::/8`): the kernel drops it on receipt.
    Multicast,
}

fn no_zone(addr: IpAddr) -> NoZone {
    match addr {
        IpAddr::V4(_) => NoZone::No,
        IpAddr::V6(a) => {
            let top = a.segments()[0];
            if top & 0xff00 == 0xff00 {
                NoZone::Multicast
            } else if top & 0xffc0 == 0xfe80 || a.is_unspecified() {
                NoZone::LinkLocal
            } else {
                NoZone::No
            }
        }
    }
}

/// The IR's pipeline over one [`Ruleset`], with an index built once.
pub struct Classifier<'r> {
    ruleset: &'r Ruleset,
    /// What the tables' keys lead to.
    targets: Targets,
    v4: FamilyIndex<u32>,
    v6: FamilyIndex<u128>,
    /// Whether [`Classifier::classify_each`] runs lookups side by side:
    /// the index is larger than [`BATCH_FROM_BYTES`].
    batched: bool,
}

/// The index size from which [`Classifier::classify_each`] overlaps the
/// lookups of a batch. Below, the index stays in a core's cache, nothing
/// waits for memory, and the batch's bookkeeping would cost more than it
/// hides (measured on synthetic policies: 1,000 flows, 107 KB, batches 15%
/// slower; 10,000 flows, 749 KB, 11% to 18% faster; `docs/benchmarks.md`).
pub const BATCH_FROM_BYTES: usize = 256 * 1024;

impl<'r> Classifier<'r> {
    pub fn new(ruleset: &'r Ruleset) -> Self {
        let mut coder = TargetCoder::new(ruleset);
        let v4 = FamilyIndex::build(ruleset, &ruleset.v4, u32::from, &mut coder);
        let v6 = FamilyIndex::build(ruleset, &ruleset.v6, u128::from, &mut coder);
        let mut classifier = Classifier {
            ruleset,
            targets: coder.finish(),
            v4,
            v6,
            batched: false,
        };
        classifier.batched = classifier.index_bytes().iter().sum::<usize>() > BATCH_FROM_BYTES;
        classifier
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
        let (zs, zd) = match self.prelude(packet) {
            Ok(ranges) => ranges,
            Err(decided) => return decided,
        };
        let target = match self.table(packet, zs, zd) {
            TableAt::V4(t, src, dst, l4) => t.lookup(src, dst, l4),
            TableAt::V6(t, src, dst, l4) => t.lookup(src, dst, l4),
            TableAt::None => None,
        };
        self.finish(packet, (zs, zd), target)
    }

    /// [`Classifier::classify`] of each of `packets`, in order: `each(i,
    /// decision)` for `packets[i]`. Cheaper per packet than a call of
    /// `classify` per packet when the index outgrows the cache (from
    /// [`BATCH_FROM_BYTES`]): the lookups of [`BATCH`] packets run step by
    /// step, and each step requests the memory that the next step reads for
    /// all of them before any is used, so that their cache misses overlap
    /// instead of following each other. Below that size, one by one.
    pub fn classify_each(&self, packets: &[Packet], mut each: impl FnMut(usize, Decision)) {
        if self.batched {
            self.classify_batched(packets, each);
        } else {
            for (i, p) in packets.iter().enumerate() {
                each(i, self.classify(p));
            }
        }
    }

    /// [`Classifier::classify_each`] in batches whatever the index size
    /// (for tests and measurements).
    #[doc(hidden)]
    pub fn classify_batched(&self, packets: &[Packet], mut each: impl FnMut(usize, Decision)) {
        for (c, chunk) in packets.chunks(BATCH).enumerate() {
            // Per packet: its zone ranges, or `None` when the pipeline
            // decided before the tables; then where its lookup is: a block
            // of source intervals, then the head of a chain.
            let mut ranges = [None; BATCH];
            let mut at = [0u32; BATCH];
            for ((p, ranges), at) in chunk.iter().zip(&mut ranges).zip(&mut at) {
                let Ok((zs, zd)) = self.prelude(p) else {
                    continue;
                };
                *ranges = Some((zs, zd));
                *at = match self.table(p, zs, zd) {
                    TableAt::V4(t, src, (zd, _), _) => t.prefetch_block(t.block(src, zd)),
                    TableAt::V6(t, src, (zd, _), _) => t.prefetch_block(t.block(src, zd)),
                    TableAt::None => 0,
                };
            }
            for ((p, ranges), at) in chunk.iter().zip(&ranges).zip(&mut at) {
                let Some((zs, zd)) = *ranges else { continue };
                *at = match self.table(p, zs, zd) {
                    TableAt::V4(t, (_, src), _, _) => t.prefetch_node(t.head(*at, src)),
                    TableAt::V6(t, (_, src), _, _) => t.prefetch_node(t.head(*at, src)),
                    TableAt::None => 0,
                };
            }
            for (i, ((p, ranges), &at)) in chunk.iter().zip(&ranges).zip(&at).enumerate() {
                let decision = match *ranges {
                    Some((zs, zd)) => {
                        let target = match self.table(p, zs, zd) {
                            TableAt::V4(t, _, (_, dst), l4) => t.walk(at, dst, l4),
                            TableAt::V6(t, _, (_, dst), l4) => t.walk(at, dst, l4),
                            TableAt::None => None,
                        };
                        self.finish(p, (zs, zd), target)
                    }
                    // Decided before the tables: again (no table is read).
                    None => self.classify(p),
                };
                each(c * BATCH + i, decision);
            }
        }
    }

    /// The pipeline up to the hook's table: a decision (loopback, a source
    /// in no zone, anti-spoofing, neighbour discovery, MLD), or the zone
    /// ranges of the packet's source and destination in their families
    /// (each located once; the steps after read zones from there). The
    /// kernel's order: prerouting (anti-spoofing, which link-local and
    /// unspecified sources skip), then the hook's chain (link control, the
    /// link-local drop, the zones).
    #[inline(always)]
    fn prelude(&self, packet: &Packet) -> Result<(ZoneRangeIdx, ZoneRangeIdx), Decision> {
        // 1. Loopback of the gateway itself.
        let family_addr = match packet.path {
            Path::Forward => packet.src,
            Path::ToGateway => {
                let on_lo = match packet.iif.as_deref() {
                    Some(iif) => iif == "lo",
                    None => packet.src.is_loopback(),
                };
                if on_lo {
                    return Err(Decision::accept(DecidedBy::Loopback));
                }
                packet.src
            }
            Path::FromGateway => {
                if packet.dst.is_loopback() {
                    return Err(Decision::accept(DecidedBy::Loopback));
                }
                packet.dst
            }
        };
        // 2. Sources that belong to no zone: the kernel drops a multicast
        // source before the ruleset sees it.
        let no_zone = match packet.path {
            Path::FromGateway => NoZone::No,
            _ => no_zone(packet.src),
        };
        if no_zone == NoZone::Multicast {
            return Err(Decision::drop(DecidedBy::LinkLocal));
        }
        let zs = self.zone_range(packet.src);
        let zd = self.zone_range(packet.dst);
        // 3. Anti-spoofing (prerouting), which does not judge link-local
        // and unspecified sources.
        if packet.path != Path::FromGateway
            && no_zone == NoZone::No
            && !self.source_valid(packet.iif.as_deref(), packet.src, zs)
        {
            return Err(Decision::drop(DecidedBy::AntiSpoof {
                iif: packet.iif.clone(),
                src_zone: self.zone_at(packet.src, zs),
            }));
        }
        // 4. IPv6 neighbour discovery and MLD to and from the gateway.
        if packet.path != Path::Forward && family_addr.is_ipv6() {
            if let L4::Icmp { icmp_type } = packet.l4 {
                let from_router = || self.arrives_from_router(packet, no_zone, zs);
                if let Some(by) = link_control(packet.path, icmp_type, from_router) {
                    return Err(Decision::accept(by));
                }
            }
        }
        // 5. Anything else from a link-local or unspecified source.
        if no_zone == NoZone::LinkLocal {
            return Err(Decision::drop(DecidedBy::LinkLocal));
        }
        Ok((zs, zd))
    }

    /// Step 6, the hook's table, and what its lookup takes: the (zone
    /// range, key) of each side ([`GATEWAY`] on the gateway's side) and
    /// the L4 code. Cheap: no search.
    #[inline(always)]
    fn table(&self, packet: &Packet, zs: ZoneRangeIdx, zd: ZoneRangeIdx) -> TableAt<'_> {
        let l4 = L4Code::of(packet.l4);
        match (packet.path, packet.src, packet.dst) {
            (Path::Forward, IpAddr::V4(s), IpAddr::V4(d)) => {
                TableAt::V4(&self.v4.forward, (zs, s.into()), (zd, d.into()), l4)
            }
            (Path::Forward, IpAddr::V6(s), IpAddr::V6(d)) => {
                TableAt::V6(&self.v6.forward, (zs, s.into()), (zd, d.into()), l4)
            }
            (Path::Forward, _, _) => TableAt::None,
            (Path::ToGateway, IpAddr::V4(s), _) => {
                TableAt::V4(&self.v4.input, (zs, s.into()), (GATEWAY, 0), l4)
            }
            (Path::ToGateway, IpAddr::V6(s), _) => {
                TableAt::V6(&self.v6.input, (zs, s.into()), (GATEWAY, 0), l4)
            }
            (Path::FromGateway, _, IpAddr::V4(d)) => {
                TableAt::V4(&self.v4.output, (GATEWAY, 0), (zd, d.into()), l4)
            }
            (Path::FromGateway, _, IpAddr::V6(d)) => {
                TableAt::V6(&self.v6.output, (GATEWAY, 0), (zd, d.into()), l4)
            }
        }
    }

    /// The decision once the table gave `target` (the flows of the key that
    /// holds the packet, if any); `zs` and `zd` from [`Classifier::prelude`].
    #[inline(always)]
    fn finish(
        &self,
        packet: &Packet,
        (zs, zd): (ZoneRangeIdx, ZoneRangeIdx),
        target: Option<TargetCode>,
    ) -> Decision {
        if let Some(flow) = target.and_then(|t| self.targets.accepting(t, packet.time)) {
            return Decision::accept(DecidedBy::Flow(flow));
        }
        // 7. Default drop (slow path: zones and expired flows).
        let src_zone = match packet.path {
            Path::FromGateway => None,
            _ => self.zone_at(packet.src, zs),
        };
        let dst_zone = match packet.path {
            Path::ToGateway => None,
            _ => self.zone_at(packet.dst, zd),
        };
        let expired = target.map(|t| self.targets.flows(t)).unwrap_or_default();
        Decision::drop(DecidedBy::DefaultDrop {
            src_zone,
            dst_zone,
            expired,
        })
    }

    /// The zone range of `addr` in its family ([`index::NO_ZONE`] for none).
    #[inline(always)]
    fn zone_range(&self, addr: IpAddr) -> ZoneRangeIdx {
        match addr {
            IpAddr::V4(a) => self.v4.at(a).0,
            IpAddr::V6(a) => self.v6.at(a).0,
        }
    }

    /// The zone of `addr`, whose zone range is `range`.
    #[inline]
    fn zone_at(&self, addr: IpAddr, range: ZoneRangeIdx) -> Option<ZoneIdx> {
        match addr {
            IpAddr::V4(_) => self.v4.zone_at(range),
            IpAddr::V6(_) => self.v6.zone_at(range),
        }
    }

    /// Whether a packet to the gateway arrives where a router lives: on an
    /// external zone's interface (without `iif`: the interface of its
    /// source's zone, `zs`; a source in no zone has none).
    fn arrives_from_router(&self, packet: &Packet, no_zone: NoZone, zs: ZoneRangeIdx) -> bool {
        let external = |z: &sanso_ir::ZoneInfo| z.tier == sanso_policy::Tier::External;
        match packet.iif.as_deref() {
            Some(iif) => self
                .ruleset
                .zones
                .iter()
                .any(|z| external(z) && z.interfaces.iter().any(|i| i == iif)),
            None => {
                no_zone == NoZone::No
                    && self
                        .zone_at(packet.src, zs)
                        .is_some_and(|z| external(self.ruleset.zone(z)))
            }
        }
    }

    /// Whether (input interface, source) is in the anti-spoofing set; with no
    /// interface, whether the source's zone has one.
    fn source_valid(&self, iif: Option<&str>, src: IpAddr, range: ZoneRangeIdx) -> bool {
        match (iif, src) {
            (Some(iif), IpAddr::V4(s)) => self.v4.spoof_ok(iif, s.into()),
            (Some(iif), IpAddr::V6(s)) => self.v6.spoof_ok(iif, s.into()),
            (None, IpAddr::V4(_)) => self.v4.sourced(range),
            (None, IpAddr::V6(_)) => self.v6.sourced(range),
        }
    }
}

/// Packets whose lookups [`Classifier::classify_each`] runs side by side.
pub const BATCH: usize = 16;

/// A hook table and what a lookup there takes: the (zone range, key) of
/// the packet's source and destination, and its L4 code; `None`: no table
/// holds the packet (its addresses are of two families).
#[derive(Clone, Copy)]
enum TableAt<'c> {
    V4(
        &'c Table<u32>,
        (ZoneRangeIdx, u32),
        (ZoneRangeIdx, u32),
        L4Code,
    ),
    V6(
        &'c Table<u128>,
        (ZoneRangeIdx, u128),
        (ZoneRangeIdx, u128),
        L4Code,
    ),
    None,
}
