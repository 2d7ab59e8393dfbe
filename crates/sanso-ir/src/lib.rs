//! sanso-ir owns the compiled ruleset as plain data ([`Ruleset`]) and the
//! lowering from a validated [`sanso_policy::Policy`] to it ([`lower`]).
//!
//! Every back end reads this one IR: the nft text and the kernel objects of
//! the netlink batch (`sanso-table`, applied by `sanso-nft`) and the
//! userspace classifier (`sanso-classify`). So what the kernel does and what
//! the harness predicts cannot drift apart.
//!
//! # The pipeline every back end implements
//!
//! For each hook (forward, input, output) and family (IPv4, IPv6):
//!
//! 1. forward and input, before connection tracking: anti-spoofing
//!    (なりすまし). A packet whose (input interface, source address) is not
//!    in [`Family::antispoof`] is dropped, counted and logged (rate-limited)
//!    as spoofed. Loopback is exempt, and so are IPv6 sources that belong to
//!    no zone: link-local (`fe80::/10`) and unspecified (`::`). (Multicast
//!    sources never get this far: the kernel drops them on receipt.)
//! 2. input and output: loopback is accepted, and IPv6 link control to and
//!    from the gateway (RFC 4890): neighbour discovery (types 133, 135, 136
//!    with hop limit 255), router advertisements (134, hop limit 255) sent
//!    by the gateway or arriving on an interface of an external zone, MLD
//!    (130-132, 143 with hop limit 1). Then, forward and input: anything
//!    else from a link-local or unspecified source is dropped and counted
//!    (`drop.link-local`); it never reaches the zones.
//! 3. `ct state established,related` is accepted only while the flow that
//!    accepted the connection (named by its [`FlowRule::mark`], set as the
//!    connection mark when it accepted) is in the ruleset and its `until` has
//!    not passed; otherwise dropped and counted as `ended`.
//!    `ct state invalid` is dropped.
//! 4. The element of the hook's table ([`Family::forward`], [`Family::input`],
//!    [`Family::output`]) whose key contains the packet gives a [`Target`]: the
//!    flow, or the ordered group of flows, to try. A flow accepts when its
//!    `until` has not passed and its `limit` is not exceeded (logging first
//!    when `log`); otherwise the next flow of the group is tried.
//! 5. Anything else is dropped, counted per (source zone, destination zone)
//!    and logged with a rate limit, the prefix naming the zone pair.
//!
//! # Architecture invariants
//!
//! * Address ranges in [`Family::zones`] are sorted and pairwise disjoint;
//!   longest-prefix match has been resolved by the lowering.
//! * The elements of one hook table are pairwise disjoint as boxes
//!   `src × dst × l4` (the kernel refuses overlapping interval elements).
//!   Nothing stronger: the `src` ranges of two elements may overlap without
//!   being equal (a zone-wide flow is cut only where another flow overlaps
//!   it, not at every host boundary of its zone), so back ends must not
//!   assume a grid. Where flows overlap, the overlap is one element whose
//!   [`Target`] is the group of those flows.
//! * For [`Family::input`] `dst` is the whole address space of the family;
//!   for [`Family::output`] `src` is. Back ends key input on the source and
//!   output on the destination only.
//! * Every address of an element's `src` classifies to `src_zone`, every
//!   address of its `dst` to `dst_zone` (elements never straddle a zone
//!   boundary), so accepts can be counted per zone pair.
//! * Elements are sorted (by src, dst, l4) so that output is deterministic.
//! * Flows whose `until` had passed at [`Ruleset::compiled_at`] are not in
//!   [`Ruleset::flows`].

#![forbid(unsafe_code)]

mod addr;
mod check;
mod lower;
mod overlap;

use std::net::{Ipv4Addr, Ipv6Addr};

pub use addr::FamilyAddress;
pub use check::check_invariants;
pub use lower::lower;

use sanso_policy::{RateLimit, Tier};
use serde::Serialize;

/// Whether something appears, disappears or changes between two sides: the
/// one word of every diff sanso shows (a plan between two policies, drift
/// between the expected and the live table). Which side is "old" is the
/// diff's to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// Index into [`Ruleset::zones`] (equal to the policy's `ZoneId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ZoneIdx(pub usize);

/// Index into [`Ruleset::flows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FlowIdx(pub usize);

/// Index into [`Ruleset::groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GroupIdx(pub usize);

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ruleset {
    pub policy_name: String,
    pub revision: Option<String>,
    pub content_hash: String,
    /// Seconds since the Unix epoch at which expiry was judged.
    pub compiled_at: i64,
    /// Same order and indices as the policy's zones.
    pub zones: Vec<ZoneInfo>,
    /// The flows that are emitted, in policy file order.
    pub flows: Vec<FlowRule>,
    /// Ordered lists of flows tried one after the other, for keys where
    /// several flows overlap. Each has at least two flows.
    pub groups: Vec<Vec<FlowIdx>>,
    pub v4: Family<Ipv4Addr>,
    pub v6: Family<Ipv6Addr>,
    /// What this node of an HA pair admits besides the policy; never set by
    /// [`lower`] (the policy is node-independent): the daemon adds it from
    /// the HA file (`sanso daemon --ha`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ha: Option<HaInputs>,
}

/// The traffic of an HA pair's own machinery (issue 18), admitted to and
/// from the gateway only: on the sync interface, conntrackd's and sanso's
/// UDP ports with the peer; VRRP adverts (to 224.0.0.18 or ff02::12) on
/// the sync interface and on the zone interfaces that carry virtual
/// addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HaInputs {
    pub sync_interface: String,
    /// The peer's address on the sync interface.
    pub peer: std::net::IpAddr,
    /// UDP ports exchanged with the peer (both directions, destination port).
    pub sync_ports: Vec<u16>,
    /// Zone interfaces with virtual addresses.
    pub vrrp_interfaces: Vec<String>,
}

impl HaInputs {
    /// Every interface that carries VRRP: the sync interface and the zone
    /// interfaces, sorted, each once.
    pub fn vrrp_links(&self) -> Vec<&str> {
        let mut links: Vec<&str> = self.vrrp_interfaces.iter().map(String::as_str).collect();
        links.push(&self.sync_interface);
        links.sort_unstable();
        links.dedup();
        links
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneInfo {
    pub name: String,
    #[serde(serialize_with = "serialize_tier")]
    pub tier: Tier,
    pub interfaces: Vec<String>,
}

fn serialize_tier<S: serde::Serializer>(tier: &Tier, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(tier.as_str())
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowRule {
    pub name: String,
    /// The connection mark (`ct mark`) the flow sets on the connections it
    /// accepts, and by which their later packets are let through only while
    /// the flow still allows them. A stable hash of the flow's name and of
    /// what it allows (addresses per hook and family, L4 keys), never 0,
    /// distinct within a ruleset: a flow that an apply leaves unchanged keeps
    /// its mark (its connections survive), a removed or changed flow's mark
    /// is gone (its connections stop passing).
    pub mark: u32,
    pub reason: String,
    /// Index of the flow in the policy's `flows`.
    pub policy_index: usize,
    pub log: bool,
    #[serde(serialize_with = "serialize_limit")]
    pub limit: Option<RateLimit>,
    /// The flow stops matching at this instant (seconds since the Unix epoch).
    pub until: Option<i64>,
    /// `Some(ticket)` when the flow crosses a guardrail under an approved exception.
    pub exception_ticket: Option<String>,
}

fn serialize_limit<S: serde::Serializer>(
    limit: &Option<RateLimit>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match limit {
        Some(l) => s.serialize_some(&format!("{}/{}", l.count, l.unit.as_str())),
        None => s.serialize_none(),
    }
}

/// An inclusive range of addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AddrRange<A> {
    pub first: A,
    pub last: A,
}

impl<A: Ord + Copy> AddrRange<A> {
    pub fn contains(&self, addr: A) -> bool {
        self.first <= addr && addr <= self.last
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum L4Proto {
    Tcp,
    Udp,
}

impl L4Proto {
    /// IANA protocol number.
    pub fn number(self) -> u8 {
        match self {
            L4Proto::Tcp => 6,
            L4Proto::Udp => 17,
        }
    }
}

/// The transport part of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum L4Key {
    /// Destination ports `first..=last` of TCP or UDP.
    Ports {
        proto: L4Proto,
        first: u16,
        last: u16,
    },
    /// ICMP type in the IPv4 family, ICMPv6 type in the IPv6 family.
    Icmp { icmp_type: u8 },
}

impl L4Key {
    /// Where UDP ports start on the line of [`L4Key::code_range`].
    pub const UDP_CODE: u32 = 1 << 16;
    /// Where ICMP types start on the line of [`L4Key::code_range`].
    pub const ICMP_CODE: u32 = 2 << 16;

    /// The key as one inclusive integer range: TCP ports, then UDP ports,
    /// then ICMP types (the order of the enum), so that keys of different
    /// protocols never overlap. The classifier codes packets the same way.
    pub fn code_range(self) -> (u32, u32) {
        match self {
            L4Key::Ports {
                proto: L4Proto::Tcp,
                first,
                last,
            } => (u32::from(first), u32::from(last)),
            L4Key::Ports {
                proto: L4Proto::Udp,
                first,
                last,
            } => (
                Self::UDP_CODE | u32::from(first),
                Self::UDP_CODE | u32::from(last),
            ),
            L4Key::Icmp { icmp_type } => (
                Self::ICMP_CODE | u32::from(icmp_type),
                Self::ICMP_CODE | u32::from(icmp_type),
            ),
        }
    }
}

/// What a matching key jumps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Target {
    Flow(FlowIdx),
    Group(GroupIdx),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Element<A> {
    pub src: AddrRange<A>,
    pub dst: AddrRange<A>,
    pub l4: L4Key,
    pub target: Target,
    /// The zone every address of `src` classifies to; `None` for the gateway
    /// itself (output hook).
    pub src_zone: Option<ZoneIdx>,
    /// The zone every address of `dst` classifies to; `None` for the gateway
    /// itself (input hook).
    pub dst_zone: Option<ZoneIdx>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneRange<A> {
    pub range: AddrRange<A>,
    pub zone: ZoneIdx,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpoofKey<A> {
    pub interface: String,
    pub range: AddrRange<A>,
}

/// The tables of one address family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Family<A> {
    /// Which zone each address classifies to. Addresses in no range belong to
    /// no zone.
    pub zones: Vec<ZoneRange<A>>,
    /// Valid (input interface, source) pairs: every interface of a zone with
    /// every range of that zone. Sorted by interface, then range.
    pub antispoof: Vec<SpoofKey<A>>,
    pub forward: Vec<Element<A>>,
    pub input: Vec<Element<A>>,
    pub output: Vec<Element<A>>,
}

impl Ruleset {
    pub fn group(&self, idx: GroupIdx) -> &[FlowIdx] {
        &self.groups[idx.0]
    }

    /// A key of group `idx` that depends only on its flows (their marks,
    /// which depend only on what each allows), not on its place among the
    /// groups: the back ends name the group's chain by it, so that a group
    /// that stays keeps its chain while others come and go. FNV-1a (64
    /// bits) over the marks; [`check_invariants`] checks that no two groups
    /// share one.
    pub fn group_key(&self, idx: GroupIdx) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for &flow in self.group(idx) {
            for byte in self.flow(flow).mark.to_be_bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        hash
    }

    pub fn flow(&self, idx: FlowIdx) -> &FlowRule {
        &self.flows[idx.0]
    }

    pub fn zone(&self, idx: ZoneIdx) -> &ZoneInfo {
        &self.zones[idx.0]
    }

    /// The flows a target tries, in order.
    pub fn target_flows<'a>(&'a self, target: &'a Target) -> &'a [FlowIdx] {
        match target {
            Target::Flow(f) => std::slice::from_ref(f),
            Target::Group(g) => self.group(*g),
        }
    }
}
