//! The names and object lists of `table inet sanso` (docs/ruleset.md, "Names"
//! and "Objects"), computed once from the IR so that every back end (the nft
//! text and the netlink batch) emits the same labels, pairs and chains in the
//! same order, and the same sanitised comment and log-prefix strings.

use std::net::{Ipv4Addr, Ipv6Addr};

use sanso_ir::{AddrRange, Element, Family, FlowIdx, Ruleset, Target, ZoneIdx};

/// Longest comment nft accepts, in bytes.
pub const COMMENT_MAX_BYTES: usize = 128;
/// Longest log prefix the kernel accepts, in bytes (`NF_LOG_PREFIXLEN` minus the NUL).
pub const LOG_PREFIX_MAX_BYTES: usize = 127;
/// The longest label a safe name may be.
pub const SAFE_NAME_MAX_BYTES: usize = 64;

/// One end of a zone pair: a zone, or the gateway itself (`None` in the IR).
pub type PairEnd = Option<ZoneIdx>;

/// A (source, destination) pair of zones; `None` is the gateway (`self`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ZonePair {
    pub src: PairEnd,
    pub dst: PairEnd,
}

impl ZonePair {
    /// Sort key: by zone index, `self` last.
    fn key(&self) -> ((u8, usize), (u8, usize)) {
        (end_key(self.src), end_key(self.dst))
    }
}

fn end_key(end: PairEnd) -> (u8, usize) {
    match end {
        Some(z) => (0, z.0),
        None => (1, 0),
    }
}

/// An `allow.<Zs>.<Zd>.<T>` chain: the flows of `target` tried for `pair`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllowChain {
    pub pair: ZonePair,
    pub target: Target,
}

/// True when `name` can be used as a label as is:
/// `^[A-Za-z0-9][A-Za-z0-9_-]*$`, at most 64 bytes.
pub fn is_safe_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    first_ok
        && name.len() <= SAFE_NAME_MAX_BYTES
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The label of a zone (its name if safe, else `_z<i>`), or `self`.
pub fn zone_label(ruleset: &Ruleset, end: PairEnd) -> String {
    match end {
        None => "self".to_owned(),
        Some(z) => {
            let name = &ruleset.zone(z).name;
            if is_safe_name(name) {
                name.clone()
            } else {
                format!("_z{}", z.0)
            }
        }
    }
}

/// The label of an emitted flow: its name if safe, else `_f<j>`.
pub fn flow_label(ruleset: &Ruleset, flow: FlowIdx) -> String {
    let name = &ruleset.flow(flow).name;
    if is_safe_name(name) {
        name.clone()
    } else {
        format!("_f{}", flow.0)
    }
}

/// The label of a target: the flow's label, or `_g<16 hex>` for a group
/// (its [`Ruleset::group_key`]).
pub fn target_label(ruleset: &Ruleset, target: Target) -> String {
    let mut out = String::new();
    push_target_label(&mut out, ruleset, target);
    out
}

/// `<Zs>.<Zd>`, the suffix shared by the pair's counters and chains.
pub fn pair_label(ruleset: &Ruleset, pair: ZonePair) -> String {
    format!(
        "{}.{}",
        zone_label(ruleset, pair.src),
        zone_label(ruleset, pair.dst)
    )
}

pub fn flow_counter_name(ruleset: &Ruleset, flow: FlowIdx) -> String {
    format!("flow.{}", flow_label(ruleset, flow))
}

/// The map from a connection's mark to whether its flow still lets it pass.
pub const LIVE_MAP: &str = "live";

/// The chain an established packet jumps to when its connection's flow no
/// longer allows it (removed, changed, or past its `until`); also its counter.
pub const ENDED: &str = "ended";

/// The counter of packets from link-local or unspecified IPv6 sources that
/// the gateway drops (everything but ND and MLD to the gateway, and what the
/// kernel forwards back out of the interface it came in on): they belong to
/// no zone.
pub const LINK_LOCAL_DROP: &str = "drop.link-local";

/// The counters of no flow and no zone pair, after the pairs' `drop.`
/// counters, in this order (docs/ruleset.md, "Objects").
pub const TABLE_COUNTERS: [&str; 6] = [
    "spoofed",
    "invalid",
    ENDED,
    LINK_LOCAL_DROP,
    "drop.unknown",
    ISOLATED_COUNTER,
];

/// The set of interface names router advertisements are accepted on.
pub const ROUTERS_SET: &str = "routers";

/// The set of isolated IPv4 addresses (docs/ruleset.md, "Isolation"): its
/// elements are changed by element updates, never with the table.
pub const ISOLATED4_SET: &str = "isolated4";
/// The set of isolated IPv6 addresses.
pub const ISOLATED6_SET: &str = "isolated6";
/// Both isolation sets, IPv4 first.
pub const ISOLATED_SETS: [&str; 2] = [ISOLATED4_SET, ISOLATED6_SET];
/// The counter whose comment names the policy loaded
/// ([`identity_comment`]); it counts nothing. A counter, not the table's
/// comment: the kernel keeps the comment of a table that already exists, but
/// a named counter can be deleted and added again, with another comment, in
/// the batch that changes the table in place.
pub const IDENTITY_COUNTER: &str = "identity";
/// The table's comment, the same for every policy: the policy is named by
/// counter [`IDENTITY_COUNTER`]. A table written by an older sanso has no
/// such counter and names the policy in its comment instead.
pub const TABLE_COMMENT: &str = "sanso: the policy loaded is named by counter identity";
/// The counter of the packets isolation drops, in every hook.
pub const ISOLATED_COUNTER: &str = "isolated";
/// The chain the isolation rules jump to: count, log (`sanso isolated `),
/// drop.
pub const ISOLATED_CHAIN: &str = "isolated";

/// The NFLOG group every `log` statement of the table sends to; the daemon
/// reads it (`sanso events`), and no kernel log is involved.
pub const LOG_GROUP: u16 = 2900;
/// The meter of the drop logs of IPv4 packets: a dynamic set holding one
/// token bucket per source address (docs/ruleset.md, "Logging").
pub const LOG_METER4: &str = "log4";
/// The meter of the drop logs of IPv6 packets.
pub const LOG_METER6: &str = "log6";
/// Both meters, IPv4 first. Their elements are the kernel's state (sources
/// seen in the last minute, their buckets), not the policy's: read-backs
/// leave them out, as they leave out counter values.
pub const LOG_METERS: [&str; 2] = [LOG_METER4, LOG_METER6];
/// Sources a meter holds at once; while it is full, a new source is not
/// logged (its packets are still dropped and counted).
pub const LOG_METER_SIZE: u32 = 65535;
/// A source leaves its meter this long after its last logged drop.
pub const LOG_METER_TIMEOUT_SECONDS: u64 = 60;
/// Each source may log this many dropped packets per second ...
pub const LOG_RATE_PER_SECOND: u64 = 10;
/// ... after a burst of this many.
pub const LOG_BURST: u32 = 20;

/// ICMPv6 neighbour discovery (RFC 4861): router solicitation and
/// advertisement, neighbour solicitation and advertisement.
pub const ND: [u8; 4] = [133, 134, 135, 136];
/// ND as accepted on every interface: without router advertisements.
pub const ND_WITHOUT_RA: [u8; 3] = [133, 135, 136];
/// ICMPv6 router advertisement: accepted only on the interfaces of
/// external zones (where the routers live).
pub const ND_ROUTER_ADVERT: u8 = 134;
/// MLD (RFC 2710, RFC 3810): query, report, done, MLDv2 report.
pub const MLD: [u8; 4] = [130, 131, 132, 143];
/// The hop limit of neighbour discovery: 255, which no router forwards.
pub const ND_HOP_LIMIT: u8 = 255;
/// The hop limit of MLD: 1 (link scope).
pub const MLD_HOP_LIMIT: u8 = 1;

/// The interfaces router advertisements are accepted on (the elements of
/// the set `routers`): those of the external zones, in zone order, each once.
pub fn router_interfaces(ruleset: &Ruleset) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for z in ruleset
        .zones
        .iter()
        .filter(|z| z.tier == sanso_policy::Tier::External)
    {
        for i in &z.interfaces {
            if !out.contains(i) {
                out.push(i.clone());
            }
        }
    }
    out
}

/// The established-path chain of a flow with an `until`: `live.<F>`.
pub fn live_chain_name(ruleset: &Ruleset, flow: FlowIdx) -> String {
    format!("live.{}", flow_label(ruleset, flow))
}

/// The flows with an `until`, which get a `live.<F>` chain.
pub fn live_chains(ruleset: &Ruleset) -> Vec<FlowIdx> {
    (0..ruleset.flows.len())
        .map(FlowIdx)
        .filter(|&f| ruleset.flow(f).until.is_some())
        .collect()
}

/// `0x2a3b4c5d`: a mark as nft writes it.
pub fn mark_text(mark: u32) -> String {
    format!("0x{mark:08x}")
}

pub fn flow_limit_name(ruleset: &Ruleset, flow: FlowIdx) -> String {
    format!("limit.{}", flow_label(ruleset, flow))
}

pub fn accept_counter_name(ruleset: &Ruleset, pair: ZonePair) -> String {
    format!("accept.{}", pair_label(ruleset, pair))
}

/// Both the drop counter and the drop chain of a pair carry this name.
pub fn drop_name(ruleset: &Ruleset, pair: ZonePair) -> String {
    format!("drop.{}", pair_label(ruleset, pair))
}

pub fn allow_chain_name(ruleset: &Ruleset, chain: AllowChain) -> String {
    format!(
        "allow.{}.{}",
        pair_label(ruleset, chain.pair),
        target_label(ruleset, chain.target)
    )
}

/// The allow chains of [`allow_chains`] with their names, each written once:
/// every element of a flow map jumps to one of them, and formatting the name
/// anew for each element was much of the netlink objects' time.
pub struct AllowChainNames {
    chains: Vec<AllowChain>,
    names: Vec<String>,
}

impl AllowChainNames {
    pub fn new(ruleset: &Ruleset) -> Self {
        let chains = allow_chains(ruleset);
        let zones: Vec<String> = (0..ruleset.zones.len())
            .map(|z| zone_label(ruleset, Some(ZoneIdx(z))))
            .collect();
        let zone = |end: PairEnd| end.map_or("self", |z| zones[z.0].as_str());
        let names = chains
            .iter()
            .map(|chain| {
                let (src, dst) = (zone(chain.pair.src), zone(chain.pair.dst));
                let mut name = String::with_capacity(8 + src.len() + dst.len() + 16);
                name.push_str("allow.");
                name.push_str(src);
                name.push('.');
                name.push_str(dst);
                name.push('.');
                push_target_label(&mut name, ruleset, chain.target);
                name
            })
            .collect();
        AllowChainNames { chains, names }
    }

    /// The chains in the order of [`allow_chains`], with their names.
    pub fn iter(&self) -> impl Iterator<Item = (AllowChain, &str)> {
        self.chains
            .iter()
            .copied()
            .zip(self.names.iter().map(String::as_str))
    }

    /// The name of `chain` ([`allow_chain_name`]), if it is one of the
    /// chains.
    pub fn get(&self, chain: AllowChain) -> Option<&str> {
        let key = (chain.pair.key(), chain.target);
        self.chains
            .binary_search_by(|c| (c.pair.key(), c.target).cmp(&key))
            .ok()
            .map(|i| self.names[i].as_str())
    }
}

/// [`target_label`], appended to `out`.
pub fn push_target_label(out: &mut String, ruleset: &Ruleset, target: Target) {
    use std::fmt::Write as _;
    match target {
        Target::Flow(f) => {
            let name = &ruleset.flow(f).name;
            if is_safe_name(name) {
                out.push_str(name);
            } else {
                let _ = write!(out, "_f{}", f.0);
            }
        }
        Target::Group(g) => {
            let _ = write!(out, "_g{:016x}", ruleset.group_key(g));
        }
    }
}

/// The comment of an allow chain: the names of the flows it tries, in order.
pub fn allow_chain_comment(ruleset: &Ruleset, chain: AllowChain) -> String {
    let names: Vec<&str> = ruleset
        .target_flows(&chain.target)
        .iter()
        .map(|f| ruleset.flow(*f).name.as_str())
        .collect();
    comment(&names.join(", "))
}

/// Log prefix of a flow's accept rule: `sanso accept <F> `.
pub fn accept_log_prefix(ruleset: &Ruleset, flow: FlowIdx) -> String {
    log_prefix(&format!("sanso accept {} ", flow_label(ruleset, flow)))
}

/// Log prefix of a pair's drop chain: `sanso drop <Zs>><Zd> `, cut to 127 bytes.
pub fn drop_log_prefix(ruleset: &Ruleset, pair: ZonePair) -> String {
    log_prefix(&format!(
        "sanso drop {}>{} ",
        zone_label(ruleset, pair.src),
        zone_label(ruleset, pair.dst)
    ))
}

/// The policy's identity: `sanso <policy name> rev <revision or -> sha256:<16 hex>`,
/// the comment of counter [`IDENTITY_COUNTER`].
pub fn identity_comment(ruleset: &Ruleset) -> String {
    let hash: String = ruleset.content_hash.chars().take(16).collect();
    comment(&format!(
        "sanso {} rev {} sha256:{}",
        ruleset.policy_name,
        ruleset.revision.as_deref().unwrap_or("-"),
        hash
    ))
}

/// Makes `text` safe inside an nft quoted string and cuts it to `max_bytes` on
/// a char boundary. nft has no escapes in quoted strings, so `"` becomes `'`,
/// `\` becomes `/` (a trailing backslash would confuse readers and other
/// parsers), and control characters (a newline would end the string) become
/// spaces.
pub fn quoted_safe(text: &str, max_bytes: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    cut_to(&cleaned, max_bytes).to_owned()
}

/// A comment as nft stores it: sanitised, at most 128 bytes.
pub fn comment(text: &str) -> String {
    quoted_safe(text, COMMENT_MAX_BYTES)
}

/// A log prefix as the kernel stores it: sanitised, no `$` (nft expands
/// variables in log prefixes), at most 127 bytes.
pub fn log_prefix(text: &str) -> String {
    quoted_safe(&text.replace('$', "_"), LOG_PREFIX_MAX_BYTES)
}

/// Text for a `#` line comment of the nft file: one line, sanitised.
pub fn line_comment(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The longest prefix of `text` of at most `max_bytes` bytes ending on a char boundary.
pub fn cut_to(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn all_elements(ruleset: &Ruleset) -> impl Iterator<Item = (ZonePair, Target)> + '_ {
    fn of<A>(family: &Family<A>) -> impl Iterator<Item = &Element<A>> {
        family
            .forward
            .iter()
            .chain(&family.input)
            .chain(&family.output)
    }
    let pair = |src, dst| ZonePair { src, dst };
    of(&ruleset.v4)
        .map(move |e| (pair(e.src_zone, e.dst_zone), e.target))
        .chain(of(&ruleset.v6).map(move |e| (pair(e.src_zone, e.dst_zone), e.target)))
}

/// Zone pairs that appear in an element, sorted by zone index with `self` last.
pub fn accept_pairs(ruleset: &Ruleset) -> Vec<ZonePair> {
    let mut pairs: Vec<ZonePair> = all_elements(ruleset).map(|(p, _)| p).collect();
    sort_dedup_pairs(&mut pairs);
    pairs
}

/// The distinct (pair, target) of all elements, sorted by (src zone, dst zone, target).
pub fn allow_chains(ruleset: &Ruleset) -> Vec<AllowChain> {
    let mut chains: Vec<AllowChain> = all_elements(ruleset)
        .map(|(pair, target)| AllowChain { pair, target })
        .collect();
    chains.sort_by_key(|c| (c.pair.key(), c.target));
    chains.dedup();
    chains
}

/// Zones that have at least one range in `family`, in index order.
fn zones_of<A>(family: &Family<A>) -> Vec<ZoneIdx> {
    let mut zones: Vec<ZoneIdx> = family.zones.iter().map(|r| r.zone).collect();
    zones.sort();
    zones.dedup();
    zones
}

/// The pairs that count their drops (`drop.<Zs>.<Zd>` counters): every
/// ordered pair of zones with ranges in one family (the `pair.<Zs>.<Zd>`
/// chains), and every zone to and from `self` (the `in*_pair` and `out*_pair`
/// maps), of both families, sorted by zone index with `self` last.
pub fn drop_pairs(ruleset: &Ruleset) -> Vec<ZonePair> {
    let mut pairs = Vec::new();
    for zones in [zones_of(&ruleset.v4), zones_of(&ruleset.v6)] {
        for &a in &zones {
            for &b in &zones {
                pairs.push(ZonePair {
                    src: Some(a),
                    dst: Some(b),
                });
            }
            pairs.push(ZonePair {
                src: Some(a),
                dst: None,
            });
            pairs.push(ZonePair {
                src: None,
                dst: Some(a),
            });
        }
    }
    sort_dedup_pairs(&mut pairs);
    pairs
}

/// The pairs of the `drop.<Zs>.<Zd>` chains: those of [`drop_pairs`] with
/// `self` at one end (the input and output drop maps jump to them). A pair of
/// two zones counts, logs and drops in its `pair.<Zs>.<Zd>` chain instead.
pub fn drop_chain_pairs(ruleset: &Ruleset) -> Vec<ZonePair> {
    drop_pairs(ruleset)
        .into_iter()
        .filter(|p| p.src.is_none() || p.dst.is_none())
        .collect()
}

/// The pairs of the `pair.<Zs>.<Zd>` chains: every ordered pair of zones
/// that both have ranges in one family, both families together, sorted by
/// zone index.
pub fn forward_pairs(ruleset: &Ruleset) -> Vec<ZonePair> {
    drop_pairs(ruleset)
        .into_iter()
        .filter(|p| p.src.is_some() && p.dst.is_some())
        .collect()
}

/// Zones that have at least one range in `family`, in index order: the
/// `from<n>.<Z>` chains and `to<n>.<Z>` maps of the family.
pub fn family_zones<A>(family: &Family<A>) -> Vec<ZoneIdx> {
    zones_of(family)
}

/// Which key of the per-pair forward maps an element belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForwardMapKind {
    /// `fwd<n>.<Zs>.<Zd>`: `L4Key::Ports` elements.
    Ports,
    /// `fwd<n>_icmp.<Zs>.<Zd>`: `L4Key::Icmp` elements.
    Icmp,
}

/// The forward elements of one zone pair of a family, split by map, in IR order.
pub struct PairElements<'a, A> {
    pub pair: ZonePair,
    pub ports: Vec<&'a Element<A>>,
    pub icmp: Vec<&'a Element<A>>,
}

/// The forward elements of `family` grouped by zone pair, one entry for each
/// pair of [`forward_pairs`] whose zones both have ranges in `family` (so
/// possibly with no elements), in that order. Elements keep IR order within
/// a pair.
pub fn forward_by_pair<'a, A>(
    ruleset: &Ruleset,
    family: &'a Family<A>,
) -> Vec<PairElements<'a, A>> {
    let zones = zones_of(family);
    let mut groups: Vec<PairElements<'a, A>> = forward_pairs(ruleset)
        .into_iter()
        .filter(|p| {
            p.src.is_some_and(|z| zones.contains(&z)) && p.dst.is_some_and(|z| zones.contains(&z))
        })
        .map(|pair| PairElements {
            pair,
            ports: Vec::new(),
            icmp: Vec::new(),
        })
        .collect();
    for e in &family.forward {
        let pair = ZonePair {
            src: e.src_zone,
            dst: e.dst_zone,
        };
        // Forward elements lie between two zones of the family (IR invariant:
        // every address of `src`/`dst` classifies to its zone), so the pair is
        // always found; an element outside any zone could never be reached.
        if let Ok(i) = groups.binary_search_by_key(&pair.key(), |g| g.pair.key()) {
            match e.l4 {
                sanso_ir::L4Key::Ports { .. } => groups[i].ports.push(e),
                sanso_ir::L4Key::Icmp { .. } => groups[i].icmp.push(e),
            }
        }
    }
    groups
}

/// Which per-pair flow maps of one family have elements (and so exist and
/// are looked up from the pair's chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PairMaps {
    pub pair: ZonePair,
    pub ports: bool,
    pub icmp: bool,
}

/// [`PairMaps`] of `family`, in the order of [`forward_by_pair`].
pub fn pair_maps<A>(ruleset: &Ruleset, family: &Family<A>) -> Vec<PairMaps> {
    forward_by_pair(ruleset, family)
        .iter()
        .map(|g| PairMaps {
            pair: g.pair,
            ports: !g.ports.is_empty(),
            icmp: !g.icmp.is_empty(),
        })
        .collect()
}

/// `from<n>`: source zone range -> `jump from<n>.<Zs>`.
pub fn from_map_name(suffix: &str) -> String {
    format!("from{suffix}")
}

/// `from<n>.<Zs>`: the chain that dispatches on the destination zone.
pub fn from_chain_name(ruleset: &Ruleset, suffix: &str, zone: ZoneIdx) -> String {
    format!("from{suffix}.{}", zone_label(ruleset, Some(zone)))
}

/// `to<n>.<Zs>`: destination zone range -> `jump pair.<Zs>.<Zd>`.
pub fn to_map_name(ruleset: &Ruleset, suffix: &str, zone: ZoneIdx) -> String {
    format!("to{suffix}.{}", zone_label(ruleset, Some(zone)))
}

/// `pair.<Zs>.<Zd>`: the pair's flow lookups, then its drop.
pub fn pair_chain_name(ruleset: &Ruleset, pair: ZonePair) -> String {
    format!("pair.{}", pair_label(ruleset, pair))
}

/// `fwd<n>.<Zs>.<Zd>` or `fwd<n>_icmp.<Zs>.<Zd>`.
pub fn forward_map_name(
    ruleset: &Ruleset,
    suffix: &str,
    kind: ForwardMapKind,
    pair: ZonePair,
) -> String {
    let icmp = match kind {
        ForwardMapKind::Ports => "",
        ForwardMapKind::Icmp => "_icmp",
    };
    format!("fwd{suffix}{icmp}.{}", pair_label(ruleset, pair))
}

fn sort_dedup_pairs(pairs: &mut Vec<ZonePair>) {
    pairs.sort_by_key(ZonePair::key);
    pairs.dedup();
}

/// An address of one family, as the text back end needs it.
pub trait NftAddr: Copy + Ord + std::fmt::Display {
    const BITS: u32;
    fn to_bits(self) -> u128;
    /// The address of these bits; `None` when they do not fit the family.
    fn from_bits(bits: u128) -> Option<Self>;
}

impl NftAddr for Ipv4Addr {
    const BITS: u32 = 32;
    fn to_bits(self) -> u128 {
        u128::from(u32::from(self))
    }
    fn from_bits(bits: u128) -> Option<Self> {
        u32::try_from(bits).ok().map(Ipv4Addr::from)
    }
}

impl NftAddr for Ipv6Addr {
    const BITS: u32 = 128;
    fn to_bits(self) -> u128 {
        u128::from(self)
    }
    fn from_bits(bits: u128) -> Option<Self> {
        Some(Ipv6Addr::from(bits))
    }
}

/// How a range is written: a single address, a prefix or `first-last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeShape {
    Single,
    /// The range is exactly one prefix of this length.
    Prefix(u32),
    Span,
}

pub fn range_shape<A: NftAddr>(range: &AddrRange<A>) -> RangeShape {
    let (first, last) = (range.first.to_bits(), range.last.to_bits());
    if first == last {
        return RangeShape::Single;
    }
    let host_bits = first ^ last;
    let is_mask = host_bits & host_bits.wrapping_add(1) == 0;
    if is_mask && first & host_bits == 0 && last & host_bits == host_bits {
        RangeShape::Prefix(A::BITS - host_bits.count_ones())
    } else {
        RangeShape::Span
    }
}

/// nft's name of an ICMP (family 4) or ICMPv6 (family 6) type, if it has one.
pub fn icmp_type_name(v6: bool, icmp_type: u8) -> Option<&'static str> {
    let name = if v6 {
        match icmp_type {
            1 => "destination-unreachable",
            2 => "packet-too-big",
            3 => "time-exceeded",
            4 => "parameter-problem",
            128 => "echo-request",
            129 => "echo-reply",
            130 => "mld-listener-query",
            131 => "mld-listener-report",
            132 => "mld-listener-done",
            133 => "nd-router-solicit",
            134 => "nd-router-advert",
            135 => "nd-neighbor-solicit",
            136 => "nd-neighbor-advert",
            137 => "nd-redirect",
            138 => "router-renumbering",
            141 => "ind-neighbor-solicit",
            142 => "ind-neighbor-advert",
            143 => "mld2-listener-report",
            _ => return None,
        }
    } else {
        match icmp_type {
            0 => "echo-reply",
            3 => "destination-unreachable",
            4 => "source-quench",
            5 => "redirect",
            8 => "echo-request",
            9 => "router-advertisement",
            10 => "router-solicitation",
            11 => "time-exceeded",
            12 => "parameter-problem",
            13 => "timestamp-request",
            14 => "timestamp-reply",
            15 => "info-request",
            16 => "info-reply",
            17 => "address-mask-request",
            18 => "address-mask-reply",
            _ => return None,
        }
    };
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names() {
        assert!(is_safe_name("mn-office"));
        assert!(is_safe_name("10net_a"));
        assert!(!is_safe_name("_z0"));
        assert!(!is_safe_name("a.b"));
        assert!(!is_safe_name("住民"));
        assert!(!is_safe_name(""));
        assert!(is_safe_name(&"a".repeat(64)));
        assert!(!is_safe_name(&"a".repeat(65)));
    }

    #[test]
    fn the_table_comment_is_a_comment_as_written_and_names_no_policy() {
        assert_eq!(comment(TABLE_COMMENT), TABLE_COMMENT);
        assert!(TABLE_COMMENT.len() <= COMMENT_MAX_BYTES);
        // Readers of older tables look for `sanso <name> rev ...`.
        assert!(!TABLE_COMMENT.starts_with("sanso ") && !TABLE_COMMENT.contains("sha256:"));
        assert!(is_safe_name(IDENTITY_COUNTER));
    }

    #[test]
    fn cuts_on_char_boundary() {
        let s = "ab日本";
        assert_eq!(cut_to(s, 3), "ab");
        assert_eq!(cut_to(s, 5), "ab日");
        assert_eq!(cut_to(s, 100), s);
        let long = "日".repeat(100);
        let c = comment(&long);
        assert!(c.len() <= COMMENT_MAX_BYTES);
        assert_eq!(c.len(), 126);
    }

    #[test]
    fn quotes_and_controls_are_neutralised() {
        assert_eq!(comment("a \"b\" \\c\nd"), "a 'b' /c d");
        assert_eq!(log_prefix("x $y"), "x _y");
        assert_eq!(log_prefix(&"x".repeat(200)).len(), LOG_PREFIX_MAX_BYTES);
    }

    #[test]
    fn shapes() {
        let r = |a: [u8; 4], b: [u8; 4]| AddrRange {
            first: Ipv4Addr::from(a),
            last: Ipv4Addr::from(b),
        };
        assert_eq!(
            range_shape(&r([10, 0, 0, 1], [10, 0, 0, 1])),
            RangeShape::Single
        );
        assert_eq!(
            range_shape(&r([10, 0, 0, 0], [10, 0, 255, 255])),
            RangeShape::Prefix(16)
        );
        assert_eq!(
            range_shape(&r([0, 0, 0, 0], [255, 255, 255, 255])),
            RangeShape::Prefix(0)
        );
        assert_eq!(
            range_shape(&r([10, 0, 0, 1], [10, 0, 0, 2])),
            RangeShape::Span
        );
        assert_eq!(
            range_shape(&r([10, 0, 0, 2], [10, 0, 0, 5])),
            RangeShape::Span
        );
        let all6 = AddrRange {
            first: Ipv6Addr::UNSPECIFIED,
            last: Ipv6Addr::from(u128::MAX),
        };
        assert_eq!(range_shape(&all6), RangeShape::Prefix(0));
    }
}
