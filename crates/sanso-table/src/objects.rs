//! The kernel objects of `table inet sanso` as plain data ([`TableObjects`]): chains
//! with their rules spelled as nf_tables expressions (registers, payload
//! offsets, comparisons), named objects, and sets with their elements.
//!
//! Pure: built from the IR and the shared names of [`crate::text::layout`],
//! so the netlink batch carries exactly the objects, names, comments and log
//! prefixes of the text back end. The expressions mirror what nft 1.0.6
//! generates for the same text (`nft --debug=netlink`), so that
//! `nft list table inet sanso` reads the same whichever back end loaded it.
//! The encoding to netlink messages lives in sanso-nft (`netlink::encode`).

use std::net::{Ipv4Addr, Ipv6Addr};

use sanso_ir::{AddrRange, Element, Family, FlowIdx, L4Key, Ruleset};
use sanso_policy::RateUnit;

use crate::isolation::Isolated;
use crate::text::layout::{
    accept_counter_name, accept_log_prefix, accept_pairs, allow_chain_comment, comment,
    drop_chain_pairs, drop_log_prefix, drop_name, drop_pairs, family_zones, flow_counter_name,
    flow_limit_name, forward_by_pair, forward_map_name, forward_pairs, from_chain_name,
    from_map_name, identity_comment, live_chain_name, live_chains, pair_chain_name, pair_maps,
    router_interfaces, to_map_name, AllowChain, AllowChainNames, ForwardMapKind, ZonePair, ENDED,
    IDENTITY_COUNTER, ISOLATED4_SET, ISOLATED6_SET, ISOLATED_CHAIN, LINK_LOCAL_DROP, LIVE_MAP,
    LOG_BURST, LOG_METER4, LOG_METER6, LOG_RATE_PER_SECOND, MLD, MLD_HOP_LIMIT, ND, ND_HOP_LIMIT,
    ND_ROUTER_ADVERT, ND_WITHOUT_RA, ROUTERS_SET, TABLE_COMMENT, TABLE_COUNTERS,
};

/// Kernel constants from `linux/netfilter/nf_tables.h` and friends.
pub mod k {
    pub const NFPROTO_IPV4: u8 = 2;
    pub const NFPROTO_IPV6: u8 = 10;
    pub const META_IIF: u32 = 4;
    pub const META_OIF: u32 = 5;
    pub const META_IIFNAME: u32 = 6;
    pub const META_OIFNAME: u32 = 7;
    pub const META_NFPROTO: u32 = 15;
    pub const META_L4PROTO: u32 = 16;
    pub const META_TIME_NS: u32 = 30;
    pub const CT_STATE: u32 = 0;
    pub const CT_DIRECTION: u32 = 1;
    pub const CT_MARK: u32 = 3;
    /// `enum ip_conntrack_dir`.
    pub const IP_CT_DIR_ORIGINAL: u8 = 0;
    pub const IP_CT_DIR_REPLY: u8 = 1;
    pub const PAYLOAD_NETWORK: u32 = 1;
    pub const PAYLOAD_TRANSPORT: u32 = 2;
    pub const CMP_EQ: u32 = 0;
    pub const CMP_NEQ: u32 = 1;
    pub const CMP_LT: u32 = 2;
    pub const OBJECT_COUNTER: u32 = 1;
    pub const OBJECT_LIMIT: u32 = 4;
    pub const NF_DROP: i32 = 0;
    pub const NF_ACCEPT: i32 = 1;
    pub const NFT_JUMP: i32 = -3;
    /// `NFT_DYNSET_OP_UPDATE`: add the key, or refresh its timeout.
    pub const DYNSET_OP_UPDATE: u32 = 1;
    /// `enum ip_conntrack_info` bits as `ct state` sees them.
    pub const CT_STATE_INVALID: u32 = 1;
    pub const CT_STATE_ESTABLISHED: u32 = 2;
    pub const CT_STATE_RELATED: u32 = 4;
    pub const IPPROTO_ICMP: u8 = 1;
    pub const IPPROTO_ICMPV6: u8 = 58;
}

/// The whole table, in the order nft creates it: table, chains (without
/// rules), named objects, sets with their elements, then the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableObjects {
    /// [`TABLE_COMMENT`]; the policy is named by the identity counter
    /// among `objects` ([`TableObjects::identity`]).
    pub table_comment: String,
    pub chains: Vec<ChainObject>,
    pub objects: Vec<NamedObject>,
    pub sets: Vec<SetObject>,
}

impl TableObjects {
    /// The policy's identity as the readers take it from the table: the
    /// comment of counter [`IDENTITY_COUNTER`] when there is one, else the
    /// table's comment.
    pub fn identity(&self) -> Option<&str> {
        self.objects
            .iter()
            .find_map(|o| match o {
                NamedObject::Counter { name, comment } if name == IDENTITY_COUNTER => {
                    Some(comment.as_deref())
                }
                _ => None,
            })
            .unwrap_or(Some(self.table_comment.as_str()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    /// At priority raw (-300), before connection tracking, policy accept:
    /// anti-spoofing only.
    Prerouting,
    Forward,
    Input,
    Output,
}

impl Hook {
    /// `NF_INET_*` hook number.
    pub fn number(self) -> u32 {
        match self {
            Hook::Prerouting => 0,
            Hook::Input => 1,
            Hook::Forward => 2,
            Hook::Output => 3,
        }
    }

    /// `priority raw` (before conntrack) or `priority filter`.
    pub fn priority(self) -> i32 {
        match self {
            Hook::Prerouting => -300,
            Hook::Forward | Hook::Input | Hook::Output => 0,
        }
    }

    /// The chain's policy: accept for prerouting (it only drops spoofed
    /// packets), drop for the filter hooks.
    pub fn policy(self) -> i32 {
        match self {
            Hook::Prerouting => k::NF_ACCEPT,
            Hook::Forward | Hook::Input | Hook::Output => k::NF_DROP,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainObject {
    pub name: String,
    pub comment: Option<String>,
    /// Base chains: `type filter hook <hook> priority filter; policy drop;`.
    pub hook: Option<Hook>,
    pub rules: Vec<RuleObject>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleObject {
    /// The constant anonymous set the rule's lookup reads (`{ a, b }`).
    pub anon_set: Option<SetObject>,
    pub exprs: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamedObject {
    Counter {
        name: String,
        comment: Option<String>,
    },
    Limit {
        name: String,
        rate: u64,
        per_seconds: u64,
        burst: u32,
    },
}

impl NamedObject {
    pub fn name(&self) -> &str {
        match self {
            NamedObject::Counter { name, .. } | NamedObject::Limit { name, .. } => name,
        }
    }
}

/// The type of one field of a set key, with nft's datatype number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    IfName,
    Mark,
    Ipv4,
    Ipv6,
    InetProto,
    InetService,
    IcmpType,
    Icmpv6Type,
}

impl Field {
    /// nft's `enum datatypes` number.
    pub fn datatype(self) -> u32 {
        match self {
            Field::Ipv4 => 7,
            Field::Ipv6 => 8,
            Field::InetProto => 12,
            Field::InetService => 13,
            Field::IcmpType => 14,
            Field::Icmpv6Type => 29,
            Field::IfName => 41,
            Field::Mark => 19,
        }
    }

    /// Length of the value in bytes (before padding to registers).
    // A field's value is never empty: there is no `is_empty` to pair it with.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> usize {
        match self {
            Field::IfName | Field::Ipv6 => 16,
            Field::Ipv4 | Field::Mark => 4,
            Field::InetService => 2,
            Field::InetProto | Field::IcmpType | Field::Icmpv6Type => 1,
        }
    }

    /// Length rounded up to whole 32-bit registers.
    pub fn padded_len(self) -> usize {
        self.len().div_ceil(4) * 4
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetKind {
    /// A named `set` with `flags interval`.
    Set,
    /// A named `map ... : verdict` with `flags interval`.
    VerdictMap,
    /// A constant anonymous set bound to one rule.
    Anonymous,
    /// `map live { type mark : verdict }`: a hash map, no intervals.
    MarkMap,
    /// `set routers { type ifname }`: a hash set of interface names, no
    /// intervals.
    NameSet,
    /// `set log4 { type ipv4_addr; size ...; flags dynamic,timeout; timeout
    /// ...; }`: a meter the kernel fills ([`Expr::Meter`]).
    Meter,
}

impl SetKind {
    /// Maps whose data are verdicts.
    pub fn is_verdict_map(self) -> bool {
        matches!(self, SetKind::VerdictMap | SetKind::MarkMap)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetObject {
    pub name: String,
    pub kind: SetKind,
    pub fields: Vec<Field>,
    pub elements: Vec<ElementObject>,
}

impl SetObject {
    pub fn is_concat(&self) -> bool {
        self.fields.len() > 1
    }

    pub fn key_len(&self) -> usize {
        if self.is_concat() {
            self.fields.iter().map(|f| f.padded_len()).sum()
        } else {
            self.fields.iter().map(|f| f.len()).sum()
        }
    }

    /// nft's key type: the datatypes of a concatenation, 6 bits each.
    pub fn key_type(&self) -> u32 {
        self.fields
            .iter()
            .fold(0, |acc, f| (acc << 6) | f.datatype())
    }
}

/// One element: for each field an inclusive range of big-endian values of
/// the field's length, and the verdict for maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementObject {
    pub key: Vec<(Value, Value)>,
    pub verdict: Option<Verdict>,
}

/// The value of one field of a key, at most [`Value::MAX`] bytes (an IPv6
/// address, an interface name), kept inline: a set of 100,000 elements
/// would otherwise cost two allocations per field of each element.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Value {
    len: u8,
    bytes: [u8; Value::MAX],
}

impl Value {
    /// The longest field ([`Field::len`]).
    pub const MAX: usize = 16;

    /// `bytes` as a value; panics beyond [`Value::MAX`] bytes, which no
    /// field has.
    pub fn new(bytes: &[u8]) -> Self {
        assert!(
            bytes.len() <= Value::MAX,
            "a field value has at most {} bytes",
            Value::MAX
        );
        let mut value = Value {
            len: bytes.len() as u8,
            bytes: [0; Value::MAX],
        };
        value.bytes[..bytes.len()].copy_from_slice(bytes);
        value
    }
}

impl std::ops::Deref for Value {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl From<&[u8]> for Value {
    fn from(bytes: &[u8]) -> Self {
        Value::new(bytes)
    }
}

impl<const N: usize> From<[u8; N]> for Value {
    fn from(bytes: [u8; N]) -> Self {
        Value::new(&bytes)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Drop,
    Jump(String),
}

/// One nf_tables expression. Registers are kernel register numbers
/// (0 = verdict, 1-4 = 128-bit, 8-23 = 32-bit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    Meta {
        key: u32,
        dreg: u32,
    },
    Payload {
        base: u32,
        offset: u32,
        len: u32,
        dreg: u32,
    },
    Cmp {
        op: u32,
        sreg: u32,
        data: Vec<u8>,
    },
    Bitwise {
        reg: u32,
        len: u32,
        mask: Vec<u8>,
        xor: Vec<u8>,
    },
    /// Host to network order, in place.
    Hton {
        reg: u32,
        len: u32,
        size: u32,
    },
    Ct {
        key: u32,
        dreg: u32,
    },
    /// `ct <key> set` from a register.
    CtSet {
        key: u32,
        sreg: u32,
    },
    /// A constant into a data register.
    Immediate {
        dreg: u32,
        data: Vec<u8>,
    },
    /// A lookup in a named set of the table or in the rule's anonymous set.
    Lookup {
        set: String,
        sreg: u32,
        verdict_map: bool,
        invert: bool,
    },
    Objref {
        kind: u32,
        name: String,
    },
    /// `log prefix "<prefix>" group <LOG_GROUP>`.
    Log {
        prefix: String,
    },
    /// `update @<set> { <key in sreg> limit rate <rate>/<per> burst <burst>
    /// packets }`: the key's own token bucket in a dynamic set; the rule
    /// goes on only while that bucket has a token.
    Meter {
        set: String,
        sreg: u32,
        rate: u64,
        per_seconds: u64,
        burst: u32,
    },
    Verdict(Verdict),
}

/// The register that holds 32-bit slot `slot` of the concatenation that
/// starts in register 1, named as nft names it: the 128-bit register when
/// the slot is aligned to one, else the 32-bit register.
#[allow(clippy::manual_is_multiple_of)] // `is_multiple_of` needs Rust 1.87; the MSRV is 1.85.
fn slot_reg(slot: u32) -> u32 {
    if slot % 4 == 0 {
        slot / 4 + 1
    } else {
        8 + slot
    }
}

/// A part of a lookup key loaded from the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyPart {
    IifName,
    Saddr(AddrFamily),
    Daddr(AddrFamily),
    /// `meta l4proto` as it is stored in an `inet_proto` key.
    L4Proto,
    Dport,
    IcmpType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AddrFamily {
    V4,
    V6,
}

impl AddrFamily {
    fn nfproto(self) -> u8 {
        match self {
            AddrFamily::V4 => k::NFPROTO_IPV4,
            AddrFamily::V6 => k::NFPROTO_IPV6,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            AddrFamily::V4 => "4",
            AddrFamily::V6 => "6",
        }
    }

    fn addr_field(self) -> Field {
        match self {
            AddrFamily::V4 => Field::Ipv4,
            AddrFamily::V6 => Field::Ipv6,
        }
    }

    fn icmp_field(self) -> Field {
        match self {
            AddrFamily::V4 => Field::IcmpType,
            AddrFamily::V6 => Field::Icmpv6Type,
        }
    }

    fn icmp_proto(self) -> u8 {
        match self {
            AddrFamily::V4 => k::IPPROTO_ICMP,
            AddrFamily::V6 => k::IPPROTO_ICMPV6,
        }
    }

    /// (offset of the source address, length) in the network header.
    fn saddr(self) -> (u32, u32) {
        match self {
            AddrFamily::V4 => (12, 4),
            AddrFamily::V6 => (8, 16),
        }
    }

    fn daddr(self) -> (u32, u32) {
        match self {
            AddrFamily::V4 => (16, 4),
            AddrFamily::V6 => (24, 16),
        }
    }
}

/// Loads `parts` into consecutive registers from register 1 and returns the
/// expressions; the caller prepends the dependencies.
fn load_key(parts: &[KeyPart]) -> Vec<Expr> {
    let mut exprs = Vec::new();
    let mut slot = 0u32;
    for part in parts {
        let reg = slot_reg(slot);
        let len = match *part {
            KeyPart::IifName => {
                exprs.push(Expr::Meta {
                    key: k::META_IIFNAME,
                    dreg: reg,
                });
                16
            }
            KeyPart::Saddr(fam) | KeyPart::Daddr(fam) => {
                let (offset, len) = if matches!(part, KeyPart::Saddr(_)) {
                    fam.saddr()
                } else {
                    fam.daddr()
                };
                exprs.push(Expr::Payload {
                    base: k::PAYLOAD_NETWORK,
                    offset,
                    len,
                    dreg: reg,
                });
                len
            }
            KeyPart::L4Proto => {
                exprs.push(Expr::Meta {
                    key: k::META_L4PROTO,
                    dreg: reg,
                });
                exprs.push(Expr::Hton {
                    reg,
                    len: 1,
                    size: 2,
                });
                1
            }
            KeyPart::Dport => {
                exprs.push(Expr::Payload {
                    base: k::PAYLOAD_TRANSPORT,
                    offset: 2,
                    len: 2,
                    dreg: reg,
                });
                2
            }
            KeyPart::IcmpType => {
                exprs.push(Expr::Payload {
                    base: k::PAYLOAD_TRANSPORT,
                    offset: 0,
                    len: 1,
                    dreg: reg,
                });
                1
            }
        };
        slot += len.div_ceil(4);
    }
    exprs
}

fn cmp_eq_u8(value: u8) -> Expr {
    Expr::Cmp {
        op: k::CMP_EQ,
        sreg: 1,
        data: vec![value],
    }
}

fn nfproto_dep(fam: AddrFamily) -> [Expr; 2] {
    [
        Expr::Meta {
            key: k::META_NFPROTO,
            dreg: 1,
        },
        cmp_eq_u8(fam.nfproto()),
    ]
}

fn l4proto_dep(proto: u8) -> [Expr; 2] {
    [
        Expr::Meta {
            key: k::META_L4PROTO,
            dreg: 1,
        },
        cmp_eq_u8(proto),
    ]
}

fn rule(exprs: Vec<Expr>) -> RuleObject {
    RuleObject {
        anon_set: None,
        exprs,
    }
}

fn objref_counter(name: &str) -> Expr {
    Expr::Objref {
        kind: k::OBJECT_COUNTER,
        name: name.to_owned(),
    }
}

/// `update @log<n> { ip[6] saddr limit rate ... } log prefix "<prefix>"
/// group ...`: the drop log of one family, through the family's meter (one
/// token bucket per source address).
fn drop_log_rule(fam: AddrFamily, prefix: &str) -> RuleObject {
    let mut exprs = nfproto_dep(fam).to_vec();
    exprs.extend(load_key(&[KeyPart::Saddr(fam)]));
    exprs.push(Expr::Meter {
        set: match fam {
            AddrFamily::V4 => LOG_METER4,
            AddrFamily::V6 => LOG_METER6,
        }
        .to_owned(),
        sreg: 1,
        rate: LOG_RATE_PER_SECOND,
        per_seconds: 1,
        burst: LOG_BURST,
    });
    exprs.push(Expr::Log {
        prefix: prefix.to_owned(),
    });
    rule(exprs)
}

/// The drop logs of both families.
fn drop_log_rules(prefix: &str) -> [RuleObject; 2] {
    [AddrFamily::V4, AddrFamily::V6].map(|fam| drop_log_rule(fam, prefix))
}

/// `set log4` and `set log6`, empty: the kernel fills them.
fn log_meters() -> [SetObject; 2] {
    [(LOG_METER4, Field::Ipv4), (LOG_METER6, Field::Ipv6)].map(|(name, field)| SetObject {
        name: name.to_owned(),
        kind: SetKind::Meter,
        fields: vec![field],
        elements: Vec::new(),
    })
}

fn per_seconds(unit: RateUnit) -> u64 {
    match unit {
        RateUnit::Second => 1,
        RateUnit::Minute => 60,
        RateUnit::Hour => 3600,
    }
}

/// Builds the kernel objects of `ruleset`, with nothing isolated.
pub fn build(ruleset: &Ruleset) -> TableObjects {
    build_with(ruleset, &Isolated::default())
}

/// Builds the kernel objects of `ruleset` with the isolation sets holding `isolated`.
pub fn build_with(ruleset: &Ruleset, isolated: &Isolated) -> TableObjects {
    let allow = AllowChainNames::new(ruleset);
    let mut chains = allow_chain_objects(ruleset, &allow);
    chains.extend(live_chain_objects(ruleset));
    chains.extend(drop_chain_objects(ruleset));
    chains.extend(dispatch_chain_objects(ruleset));
    chains.extend(hook_chain_objects(ruleset.ha.as_ref()));
    let mut sets = vec![live_map(ruleset), routers_set(ruleset)];
    sets.extend(isolation_sets(isolated));
    sets.extend(log_meters());
    sets.extend(family_sets(ruleset, &allow, &ruleset.v4, AddrFamily::V4));
    sets.extend(family_sets(ruleset, &allow, &ruleset.v6, AddrFamily::V6));
    TableObjects {
        table_comment: TABLE_COMMENT.to_owned(),
        chains,
        objects: named_objects(ruleset),
        sets,
    }
}

fn named_objects(ruleset: &Ruleset) -> Vec<NamedObject> {
    let mut objects = vec![NamedObject::Counter {
        name: IDENTITY_COUNTER.to_owned(),
        comment: Some(identity_comment(ruleset)),
    }];
    for (j, flow) in ruleset.flows.iter().enumerate() {
        objects.push(NamedObject::Counter {
            name: flow_counter_name(ruleset, FlowIdx(j)),
            comment: Some(comment(&flow.name)),
        });
    }
    for pair in accept_pairs(ruleset) {
        objects.push(NamedObject::Counter {
            name: accept_counter_name(ruleset, pair),
            comment: None,
        });
    }
    for pair in drop_pairs(ruleset) {
        objects.push(NamedObject::Counter {
            name: drop_name(ruleset, pair),
            comment: None,
        });
    }
    for name in TABLE_COUNTERS {
        objects.push(NamedObject::Counter {
            name: name.to_owned(),
            comment: None,
        });
    }
    for (j, flow) in ruleset.flows.iter().enumerate() {
        if let Some(limit) = flow.limit {
            objects.push(NamedObject::Limit {
                name: flow_limit_name(ruleset, FlowIdx(j)),
                rate: u64::from(limit.count),
                per_seconds: per_seconds(limit.unit),
                // The bucket holds `count` tokens: no more than the limit's
                // new connections pass at once (nft's default, 5, let 5
                // through a 3/minute limit).
                burst: limit.count,
            });
        }
    }
    objects
}

/// `meta time < <until>`: the flow matches while the time is before `until`.
fn before(until: i64) -> [Expr; 3] {
    let ns = u64::try_from(until)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000);
    [
        Expr::Meta {
            key: k::META_TIME_NS,
            dreg: 1,
        },
        Expr::Hton {
            reg: 1,
            len: 8,
            size: 8,
        },
        Expr::Cmp {
            op: k::CMP_LT,
            sreg: 1,
            data: ns.to_be_bytes().to_vec(),
        },
    ]
}

/// `ct mark set <mark>`.
fn set_mark(mark: u32) -> [Expr; 2] {
    [
        Expr::Immediate {
            dreg: 1,
            data: mark.to_ne_bytes().to_vec(),
        },
        Expr::CtSet {
            key: k::CT_MARK,
            sreg: 1,
        },
    ]
}

/// `map live`: each flow's mark -> accept, or jump live.<F> for a flow with
/// an `until`.
fn live_map(ruleset: &Ruleset) -> SetObject {
    SetObject {
        name: LIVE_MAP.to_owned(),
        kind: SetKind::MarkMap,
        fields: vec![Field::Mark],
        elements: ruleset
            .flows
            .iter()
            .enumerate()
            .map(|(j, flow)| {
                let key = Value::from(flow.mark.to_ne_bytes());
                ElementObject {
                    key: vec![(key, key)],
                    verdict: Some(match flow.until {
                        Some(_) => Verdict::Jump(live_chain_name(ruleset, FlowIdx(j))),
                        None => Verdict::Accept,
                    }),
                }
            })
            .collect(),
    }
}

/// `set routers`: the interfaces router advertisements are accepted on.
fn routers_set(ruleset: &Ruleset) -> SetObject {
    SetObject {
        name: ROUTERS_SET.to_owned(),
        kind: SetKind::NameSet,
        fields: vec![Field::IfName],
        elements: router_interfaces(ruleset)
            .iter()
            .map(|i| ElementObject {
                key: vec![single(ifname_bytes(i))],
                verdict: None,
            })
            .collect(),
    }
}

/// `set isolated4` and `set isolated6` (`flags interval`) holding `isolated`.
pub fn isolation_sets(isolated: &Isolated) -> [SetObject; 2] {
    let set = |name: &str, field, elements: Vec<ElementObject>| SetObject {
        name: name.to_owned(),
        kind: SetKind::Set,
        fields: vec![field],
        elements,
    };
    let element = |key| ElementObject {
        key: vec![key],
        verdict: None,
    };
    [
        set(
            ISOLATED4_SET,
            Field::Ipv4,
            isolated
                .v4()
                .iter()
                .map(|r| element(range_bytes(r)))
                .collect(),
        ),
        set(
            ISOLATED6_SET,
            Field::Ipv6,
            isolated
                .v6()
                .iter()
                .map(|r| element(range_bytes(r)))
                .collect(),
        ),
    ]
}

/// `live.<F>`: `meta time < <until> accept`.
fn live_chain_objects(ruleset: &Ruleset) -> Vec<ChainObject> {
    live_chains(ruleset)
        .into_iter()
        .filter_map(|flow_idx| {
            let until = ruleset.flow(flow_idx).until?;
            let mut exprs = before(until).to_vec();
            exprs.push(Expr::Verdict(Verdict::Accept));
            Some(ChainObject {
                name: live_chain_name(ruleset, flow_idx),
                comment: None,
                hook: None,
                rules: vec![rule(exprs)],
            })
        })
        .collect()
}

fn allow_chain_objects(ruleset: &Ruleset, allow: &AllowChainNames) -> Vec<ChainObject> {
    // A flow is tried in every chain of a group it belongs to: the
    // expressions before its pair's accept counter are built once per flow.
    let mut flow_exprs: Vec<Option<Vec<Expr>>> = vec![None; ruleset.flows.len()];
    // The chains come sorted by pair: the pair's counter name is written
    // once for all its chains.
    let mut accept: Option<(ZonePair, String)> = None;
    allow
        .iter()
        .map(|(chain, chain_name)| {
            let accept_counter = match &accept {
                Some((pair, name)) if *pair == chain.pair => name,
                _ => {
                    let name = accept_counter_name(ruleset, chain.pair);
                    &accept.insert((chain.pair, name)).1
                }
            };
            let rules = ruleset
                .target_flows(&chain.target)
                .iter()
                .map(|&flow_idx| {
                    let flow = ruleset.flow(flow_idx);
                    let head = flow_exprs[flow_idx.0].get_or_insert_with(|| {
                        let mut exprs = Vec::new();
                        if let Some(until) = flow.until {
                            exprs.extend(before(until));
                        }
                        if flow.limit.is_some() {
                            exprs.push(Expr::Objref {
                                kind: k::OBJECT_LIMIT,
                                name: flow_limit_name(ruleset, flow_idx),
                            });
                        }
                        if flow.log {
                            exprs.push(Expr::Log {
                                prefix: accept_log_prefix(ruleset, flow_idx),
                            });
                        }
                        exprs.push(objref_counter(&flow_counter_name(ruleset, flow_idx)));
                        exprs
                    });
                    let mut exprs = Vec::with_capacity(head.len() + 4);
                    exprs.extend_from_slice(head);
                    exprs.push(objref_counter(accept_counter));
                    exprs.extend(set_mark(flow.mark));
                    exprs.push(Expr::Verdict(Verdict::Accept));
                    rule(exprs)
                })
                .collect();
            ChainObject {
                name: chain_name.to_owned(),
                comment: Some(allow_chain_comment(ruleset, chain)),
                hook: None,
                rules,
            }
        })
        .collect()
}

/// The rules of a drop chain: count, log (each family through its meter),
/// drop.
fn drop_rules(counter: &str, prefix: String) -> Vec<RuleObject> {
    let mut rules = vec![rule(vec![objref_counter(counter)])];
    rules.extend(drop_log_rules(&prefix));
    rules.push(rule(vec![Expr::Verdict(Verdict::Drop)]));
    rules
}

fn drop_chain_objects(ruleset: &Ruleset) -> Vec<ChainObject> {
    let mut chains: Vec<ChainObject> = drop_chain_pairs(ruleset)
        .into_iter()
        .map(|pair| {
            let name = drop_name(ruleset, pair);
            let rules = drop_rules(&name, drop_log_prefix(ruleset, pair));
            ChainObject {
                name,
                comment: None,
                hook: None,
                rules,
            }
        })
        .collect();
    for (name, prefix) in [
        ("spoofed", "sanso spoofed "),
        (ENDED, "sanso ended "),
        (ISOLATED_CHAIN, "sanso isolated "),
    ] {
        chains.push(ChainObject {
            name: name.to_owned(),
            comment: None,
            hook: None,
            rules: drop_rules(name, prefix.to_owned()),
        });
    }
    chains
}

/// `from<n>.<Zs>` for each zone of each family (`ip daddr vmap @to<n>.<Zs>`),
/// then `pair.<Zs>.<Zd>` for each pair of [`forward_pairs`]: the pair's
/// non-empty flow maps of both families, then its drop rules.
fn dispatch_chain_objects(ruleset: &Ruleset) -> Vec<ChainObject> {
    let mut chains = Vec::new();
    for (fam, zones) in [
        (AddrFamily::V4, family_zones(&ruleset.v4)),
        (AddrFamily::V6, family_zones(&ruleset.v6)),
    ] {
        let n = fam.suffix();
        for zone in zones {
            chains.push(ChainObject {
                name: from_chain_name(ruleset, n, zone),
                comment: None,
                hook: None,
                rules: vec![vmap_rule(
                    nfproto_dep(fam).to_vec(),
                    &[KeyPart::Daddr(fam)],
                    to_map_name(ruleset, n, zone),
                )],
            });
        }
    }
    let v4 = pair_maps(ruleset, &ruleset.v4);
    let v6 = pair_maps(ruleset, &ruleset.v6);
    for pair in forward_pairs(ruleset) {
        let mut rules = Vec::new();
        for (fam, maps) in [(AddrFamily::V4, &v4), (AddrFamily::V6, &v6)] {
            let Some(maps) = maps.iter().find(|m| m.pair == pair) else {
                continue;
            };
            let n = fam.suffix();
            if maps.ports {
                rules.push(vmap_rule(
                    nfproto_dep(fam).to_vec(),
                    &[
                        KeyPart::Saddr(fam),
                        KeyPart::Daddr(fam),
                        KeyPart::L4Proto,
                        KeyPart::Dport,
                    ],
                    forward_map_name(ruleset, n, ForwardMapKind::Ports, pair),
                ));
            }
            if maps.icmp {
                let mut deps = nfproto_dep(fam).to_vec();
                deps.extend(l4proto_dep(fam.icmp_proto()));
                rules.push(vmap_rule(
                    deps,
                    &[KeyPart::Saddr(fam), KeyPart::Daddr(fam), KeyPart::IcmpType],
                    forward_map_name(ruleset, n, ForwardMapKind::Icmp, pair),
                ));
            }
        }
        rules.extend(drop_rules(
            &drop_name(ruleset, pair),
            drop_log_prefix(ruleset, pair),
        ));
        chains.push(ChainObject {
            name: pair_chain_name(ruleset, pair),
            comment: None,
            hook: None,
            rules,
        });
    }
    chains
}

/// Which addresses a hook's lookups are keyed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyAddrs {
    Both,
    Src,
    Dst,
}

fn addr_parts(keyed: KeyAddrs, fam: AddrFamily) -> Vec<KeyPart> {
    match keyed {
        KeyAddrs::Both => vec![KeyPart::Saddr(fam), KeyPart::Daddr(fam)],
        KeyAddrs::Src => vec![KeyPart::Saddr(fam)],
        KeyAddrs::Dst => vec![KeyPart::Daddr(fam)],
    }
}

fn vmap_rule(deps: Vec<Expr>, parts: &[KeyPart], set: String) -> RuleObject {
    let mut exprs = deps;
    exprs.extend(load_key(parts));
    exprs.push(Expr::Lookup {
        set,
        sreg: 1,
        verdict_map: true,
        invert: false,
    });
    rule(exprs)
}

/// The vmap lookups of the input or output hook: ports and ICMP for IPv4
/// then IPv6, then the drop pair maps.
fn lookup_rules(prefix: &str, keyed: KeyAddrs) -> Vec<RuleObject> {
    let mut rules = Vec::new();
    for fam in [AddrFamily::V4, AddrFamily::V6] {
        let n = fam.suffix();
        let mut parts = addr_parts(keyed, fam);
        parts.extend([KeyPart::L4Proto, KeyPart::Dport]);
        rules.push(vmap_rule(
            nfproto_dep(fam).to_vec(),
            &parts,
            format!("{prefix}{n}"),
        ));
        let mut parts = addr_parts(keyed, fam);
        parts.push(KeyPart::IcmpType);
        let mut deps = nfproto_dep(fam).to_vec();
        deps.extend(l4proto_dep(fam.icmp_proto()));
        rules.push(vmap_rule(deps, &parts, format!("{prefix}{n}_icmp")));
    }
    for fam in [AddrFamily::V4, AddrFamily::V6] {
        let parts = addr_parts(keyed, fam);
        rules.push(vmap_rule(
            nfproto_dep(fam).to_vec(),
            &parts,
            format!("{prefix}{}_pair", fam.suffix()),
        ));
    }
    rules
}

fn antispoof_rules() -> Vec<RuleObject> {
    [AddrFamily::V4, AddrFamily::V6]
        .into_iter()
        .map(|fam| {
            let mut exprs = nfproto_dep(fam).to_vec();
            exprs.extend(load_key(&[KeyPart::IifName, KeyPart::Saddr(fam)]));
            exprs.push(Expr::Lookup {
                set: format!("antispoof{}", fam.suffix()),
                sreg: 1,
                verdict_map: false,
                invert: true,
            });
            exprs.push(Expr::Verdict(Verdict::Jump("spoofed".to_owned())));
            rule(exprs)
        })
        .collect()
}

fn ct_state(bits: u32) -> [Expr; 3] {
    [
        Expr::Ct {
            key: k::CT_STATE,
            dreg: 1,
        },
        Expr::Bitwise {
            reg: 1,
            len: 4,
            mask: bits.to_ne_bytes().to_vec(),
            xor: vec![0; 4],
        },
        Expr::Cmp {
            op: k::CMP_NEQ,
            sreg: 1,
            data: vec![0; 4],
        },
    ]
}

/// `ct state established,related ct mark vmap @live`, then
/// `ct state established,related jump ended`, then the invalid drop.
fn ct_rules() -> Vec<RuleObject> {
    let tracked = ct_state(k::CT_STATE_ESTABLISHED | k::CT_STATE_RELATED);
    let mut established = tracked.to_vec();
    established.push(Expr::Ct {
        key: k::CT_MARK,
        dreg: 1,
    });
    established.push(Expr::Lookup {
        set: LIVE_MAP.to_owned(),
        sreg: 1,
        verdict_map: true,
        invert: false,
    });
    let mut ended = tracked.to_vec();
    ended.push(Expr::Verdict(Verdict::Jump(ENDED.to_owned())));
    let mut invalid = ct_state(k::CT_STATE_INVALID).to_vec();
    invalid.push(objref_counter("invalid"));
    invalid.push(Expr::Verdict(Verdict::Drop));
    vec![rule(established), rule(ended), rule(invalid)]
}

/// Count and log what is in no zone (the chain's policy drops it).
fn unknown_rules() -> Vec<RuleObject> {
    let mut rules = vec![rule(vec![objref_counter("drop.unknown")])];
    rules.extend(drop_log_rules("sanso drop unknown "));
    rules
}

/// `iif "lo" accept` / `oif "lo" accept`: loopback is ifindex 1 in every namespace.
fn loopback_rule(key: u32) -> RuleObject {
    rule(vec![
        Expr::Meta { key, dreg: 1 },
        Expr::Cmp {
            op: k::CMP_EQ,
            sreg: 1,
            data: 1u32.to_ne_bytes().to_vec(),
        },
        Expr::Verdict(Verdict::Accept),
    ])
}

/// `icmpv6 type { <types> } ip6 hoplimit <hoplimit> accept`.
fn icmpv6_types_rule(types: &[u8], hoplimit: u8) -> RuleObject {
    let set = SetObject {
        name: "__set%d".to_owned(),
        kind: SetKind::Anonymous,
        fields: vec![Field::Icmpv6Type],
        elements: types
            .iter()
            .map(|&t| ElementObject {
                key: vec![single(Value::from([t]))],
                verdict: None,
            })
            .collect(),
    };
    let mut exprs = nfproto_dep(AddrFamily::V6).to_vec();
    exprs.extend(l4proto_dep(k::IPPROTO_ICMPV6));
    exprs.extend(load_key(&[KeyPart::IcmpType]));
    exprs.push(Expr::Lookup {
        set: set.name.clone(),
        sreg: 1,
        verdict_map: false,
        invert: false,
    });
    exprs.push(hoplimit_load());
    exprs.push(cmp_eq_u8(hoplimit));
    exprs.push(Expr::Verdict(Verdict::Accept));
    RuleObject {
        anon_set: Some(set),
        exprs,
    }
}

/// `icmpv6 type nd-router-advert ip6 hoplimit 255 iifname @routers accept`.
fn router_advert_rule() -> RuleObject {
    let mut exprs = nfproto_dep(AddrFamily::V6).to_vec();
    exprs.extend(l4proto_dep(k::IPPROTO_ICMPV6));
    exprs.extend(load_key(&[KeyPart::IcmpType]));
    exprs.push(cmp_eq_u8(ND_ROUTER_ADVERT));
    exprs.push(hoplimit_load());
    exprs.push(cmp_eq_u8(ND_HOP_LIMIT));
    exprs.push(Expr::Meta {
        key: k::META_IIFNAME,
        dreg: 1,
    });
    exprs.push(Expr::Lookup {
        set: ROUTERS_SET.to_owned(),
        sreg: 1,
        verdict_map: false,
        invert: false,
    });
    exprs.push(Expr::Verdict(Verdict::Accept));
    rule(exprs)
}

/// `ip6 hoplimit` into register 1.
fn hoplimit_load() -> Expr {
    Expr::Payload {
        base: k::PAYLOAD_NETWORK,
        offset: 7,
        len: 1,
        dreg: 1,
    }
}

/// `ip6 saddr fe80::/10 <tail>` and `ip6 saddr :: <tail>`: sources that are
/// never classified into a zone (link-local, unspecified).
fn link_local_rules(tail: &[Expr]) -> Vec<RuleObject> {
    let load = [Expr::Payload {
        base: k::PAYLOAD_NETWORK,
        offset: 8,
        len: 16,
        dreg: 1,
    }];
    let mut mask = vec![0u8; 16];
    mask[0] = 0xff;
    mask[1] = 0xc0;
    let mut fe80 = vec![0u8; 16];
    fe80[0] = 0xfe;
    fe80[1] = 0x80;
    let mut link_local = nfproto_dep(AddrFamily::V6).to_vec();
    link_local.extend(load.clone());
    link_local.push(Expr::Bitwise {
        reg: 1,
        len: 16,
        mask,
        xor: vec![0; 16],
    });
    link_local.push(Expr::Cmp {
        op: k::CMP_EQ,
        sreg: 1,
        data: fe80,
    });
    link_local.extend(tail.iter().cloned());
    let mut unspecified = nfproto_dep(AddrFamily::V6).to_vec();
    unspecified.extend(load);
    unspecified.push(Expr::Cmp {
        op: k::CMP_EQ,
        sreg: 1,
        data: vec![0; 16],
    });
    unspecified.extend(tail.iter().cloned());
    vec![rule(link_local), rule(unspecified)]
}

/// `iifname "<name>"` / `oifname "<name>"` (the name zero-padded to 16 bytes).
fn ifname_is(key: u32, name: &str) -> [Expr; 2] {
    let mut data = name.as_bytes().to_vec();
    data.resize(16, 0);
    [
        Expr::Meta { key, dreg: 1 },
        Expr::Cmp {
            op: k::CMP_EQ,
            sreg: 1,
            data,
        },
    ]
}

/// `ip saddr <a>` and the like: the family, then the address.
fn addr_is(part: KeyPart, addr: std::net::IpAddr) -> Vec<Expr> {
    let (fam, data) = match addr {
        std::net::IpAddr::V4(a) => (AddrFamily::V4, a.octets().to_vec()),
        std::net::IpAddr::V6(a) => (AddrFamily::V6, a.octets().to_vec()),
    };
    let part = match part {
        KeyPart::Saddr(_) => KeyPart::Saddr(fam),
        _ => KeyPart::Daddr(fam),
    };
    let mut exprs = nfproto_dep(fam).to_vec();
    exprs.extend(load_key(&[part]));
    exprs.push(Expr::Cmp {
        op: k::CMP_EQ,
        sreg: 1,
        data,
    });
    exprs
}

/// `udp dport <port>`.
fn udp_dport_is(port: u16) -> Vec<Expr> {
    let mut exprs = l4proto_dep(17).to_vec();
    exprs.push(Expr::Payload {
        base: k::PAYLOAD_TRANSPORT,
        offset: 2,
        len: 2,
        dreg: 1,
    });
    exprs.push(Expr::Cmp {
        op: k::CMP_EQ,
        sreg: 1,
        data: port.to_be_bytes().to_vec(),
    });
    exprs
}

const IPPROTO_VRRP: u8 = 112;

/// The HA pair's own traffic, as [`crate::text`] writes it:
/// `(prerouting, input, output)`.
fn ha_rule_objects(ha: Option<&sanso_ir::HaInputs>) -> [Vec<RuleObject>; 3] {
    let Some(ha) = ha else {
        return [Vec::new(), Vec::new(), Vec::new()];
    };
    let accept = || Expr::Verdict(Verdict::Accept);
    let saddr = KeyPart::Saddr(AddrFamily::V4);
    let daddr = KeyPart::Daddr(AddrFamily::V4);
    let (mut pre, mut input, mut output) = (Vec::new(), Vec::new(), Vec::new());
    for &port in &ha.sync_ports {
        for (list, key, part) in [
            (&mut pre, k::META_IIFNAME, saddr),
            (&mut input, k::META_IIFNAME, saddr),
            (&mut output, k::META_OIFNAME, daddr),
        ] {
            let mut exprs = ifname_is(key, &ha.sync_interface).to_vec();
            exprs.extend(addr_is(part, ha.peer));
            exprs.extend(udp_dport_is(port));
            exprs.push(accept());
            list.push(rule(exprs));
        }
    }
    let mut exprs = ifname_is(k::META_IIFNAME, &ha.sync_interface).to_vec();
    exprs.extend(addr_is(saddr, ha.peer));
    exprs.extend(l4proto_dep(IPPROTO_VRRP));
    exprs.push(accept());
    pre.push(rule(exprs));
    let groups: [std::net::IpAddr; 2] = [
        std::net::Ipv4Addr::new(224, 0, 0, 18).into(),
        std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12).into(),
    ];
    for link in ha.vrrp_links() {
        for group in groups {
            for (list, key) in [
                (&mut input, k::META_IIFNAME),
                (&mut output, k::META_OIFNAME),
            ] {
                let mut exprs = ifname_is(key, link).to_vec();
                exprs.extend(addr_is(daddr, group));
                exprs.extend(l4proto_dep(IPPROTO_VRRP));
                exprs.push(accept());
                list.push(rule(exprs));
            }
        }
    }
    [pre, input, output]
}

fn hook_chain_objects(ha: Option<&sanso_ir::HaInputs>) -> Vec<ChainObject> {
    let [ha_pre, ha_input, ha_output] = ha_rule_objects(ha);
    // Anti-spoofing before connection tracking: a spoofed packet never
    // costs a conntrack lookup or entry. Link-local and unspecified sources
    // belong to no zone: anti-spoofing does not judge them; input accepts
    // their ND and MLD and drops the rest.
    let link_local_drop = || {
        link_local_rules(&[
            objref_counter(LINK_LOCAL_DROP),
            Expr::Verdict(Verdict::Drop),
        ])
    };
    let mut prerouting = vec![loopback_rule(k::META_IIF)];
    prerouting.extend(ha_pre);
    prerouting.extend(link_local_rules(&[Expr::Verdict(Verdict::Accept)]));
    prerouting.extend(antispoof_rules());

    // Isolation: in forward, every packet from or to an isolated address,
    // before the established path; on the gateway, the connections it
    // opened to isolated addresses (flows to self stay open).
    let mut forward = Vec::new();
    for fam in [AddrFamily::V4, AddrFamily::V6] {
        forward.push(isolation_rule(fam, KeyPart::Saddr, None));
        forward.push(isolation_rule(fam, KeyPart::Daddr, None));
    }
    // The kernel forwards a link-local or unspecified source only back out
    // of the interface it came in on; even then it enters no zone.
    forward.extend(ct_rules());
    for fam in [AddrFamily::V4, AddrFamily::V6] {
        if fam == AddrFamily::V6 {
            forward.extend(link_local_drop());
        }
        forward.push(vmap_rule(
            nfproto_dep(fam).to_vec(),
            &[KeyPart::Saddr(fam)],
            from_map_name(fam.suffix()),
        ));
    }
    forward.extend(unknown_rules());

    let mut input = vec![loopback_rule(k::META_IIF)];
    input.extend(ha_input);
    input.extend([
        icmpv6_types_rule(&ND_WITHOUT_RA, ND_HOP_LIMIT),
        router_advert_rule(),
        icmpv6_types_rule(&MLD, MLD_HOP_LIMIT),
    ]);
    input.extend(link_local_drop());
    for fam in [AddrFamily::V4, AddrFamily::V6] {
        input.push(isolation_rule(
            fam,
            KeyPart::Saddr,
            Some(k::IP_CT_DIR_REPLY),
        ));
    }
    input.extend(ct_rules());
    input.extend(lookup_rules("in", KeyAddrs::Src));
    input.extend(unknown_rules());

    let mut output = vec![loopback_rule(k::META_OIF)];
    output.extend(ha_output);
    output.extend([
        icmpv6_types_rule(&ND, ND_HOP_LIMIT),
        icmpv6_types_rule(&MLD, MLD_HOP_LIMIT),
    ]);
    for fam in [AddrFamily::V4, AddrFamily::V6] {
        output.push(isolation_rule(
            fam,
            KeyPart::Daddr,
            Some(k::IP_CT_DIR_ORIGINAL),
        ));
    }
    output.extend(ct_rules());
    output.extend(lookup_rules("out", KeyAddrs::Dst));
    output.extend(unknown_rules());

    [
        (Hook::Prerouting, "prerouting", prerouting),
        (Hook::Forward, "forward", forward),
        (Hook::Input, "input", input),
        (Hook::Output, "output", output),
    ]
    .into_iter()
    .map(|(hook, name, rules)| ChainObject {
        name: name.to_owned(),
        comment: None,
        hook: Some(hook),
        rules,
    })
    .collect()
}

/// `ip saddr @isolated4 [ct direction <dir>] jump isolated`
/// for the address `addr` (`KeyPart::Saddr` or `KeyPart::Daddr`) of `fam`.
fn isolation_rule(
    fam: AddrFamily,
    addr: fn(AddrFamily) -> KeyPart,
    direction: Option<u8>,
) -> RuleObject {
    let set = match fam {
        AddrFamily::V4 => ISOLATED4_SET,
        AddrFamily::V6 => ISOLATED6_SET,
    };
    let mut exprs = nfproto_dep(fam).to_vec();
    exprs.extend(load_key(&[addr(fam)]));
    exprs.push(Expr::Lookup {
        set: set.to_owned(),
        sreg: 1,
        verdict_map: false,
        invert: false,
    });
    if let Some(dir) = direction {
        exprs.push(Expr::Ct {
            key: k::CT_DIRECTION,
            dreg: 1,
        });
        exprs.push(cmp_eq_u8(dir));
    }
    exprs.push(Expr::Verdict(Verdict::Jump(ISOLATED_CHAIN.to_owned())));
    rule(exprs)
}

/// An address as big-endian bytes.
pub trait AddrBytes: Copy {
    fn be_bytes(self) -> Value;
}

impl AddrBytes for Ipv4Addr {
    fn be_bytes(self) -> Value {
        Value::from(self.octets())
    }
}

impl AddrBytes for Ipv6Addr {
    fn be_bytes(self) -> Value {
        Value::from(self.octets())
    }
}

fn range_bytes<A: AddrBytes>(range: &AddrRange<A>) -> (Value, Value) {
    (range.first.be_bytes(), range.last.be_bytes())
}

fn single(value: Value) -> (Value, Value) {
    (value, value)
}

/// `ifname` values are 16 bytes, NUL padded; longer names are cut (the
/// kernel's `IFNAMSIZ` and what nft does with a too-long name).
fn ifname_bytes(name: &str) -> Value {
    let mut bytes = [0u8; 16];
    let name = &name.as_bytes()[..name.len().min(15)];
    bytes[..name.len()].copy_from_slice(name);
    Value::from(bytes)
}

fn family_sets<A: AddrBytes>(
    ruleset: &Ruleset,
    allow: &AllowChainNames,
    family: &Family<A>,
    fam: AddrFamily,
) -> Vec<SetObject> {
    let n = fam.suffix();
    let addr = fam.addr_field();
    let mut sets = vec![SetObject {
        name: format!("antispoof{n}"),
        kind: SetKind::Set,
        fields: vec![Field::IfName, addr],
        elements: family
            .antispoof
            .iter()
            .map(|k| ElementObject {
                key: vec![single(ifname_bytes(&k.interface)), range_bytes(&k.range)],
                verdict: None,
            })
            .collect(),
    }];
    sets.extend(forward_sets(ruleset, allow, family, fam));
    let hooks = [
        ("in", &family.input, KeyAddrs::Src),
        ("out", &family.output, KeyAddrs::Dst),
    ];
    for (prefix, elements, keyed) in hooks {
        let addr_fields = match keyed {
            KeyAddrs::Both => vec![addr, addr],
            KeyAddrs::Src | KeyAddrs::Dst => vec![addr],
        };
        let ports = elements
            .iter()
            .filter(|e| matches!(e.l4, L4Key::Ports { .. }));
        let mut fields = addr_fields.clone();
        fields.extend([Field::InetProto, Field::InetService]);
        sets.push(SetObject {
            name: format!("{prefix}{n}"),
            kind: SetKind::VerdictMap,
            fields,
            elements: ports.map(|e| flow_element(allow, e, keyed)).collect(),
        });
        let icmp = elements
            .iter()
            .filter(|e| matches!(e.l4, L4Key::Icmp { .. }));
        let mut fields = addr_fields;
        fields.push(fam.icmp_field());
        sets.push(SetObject {
            name: format!("{prefix}{n}_icmp"),
            kind: SetKind::VerdictMap,
            fields,
            elements: icmp.map(|e| flow_element(allow, e, keyed)).collect(),
        });
    }

    let mut in_pair = Vec::new();
    let mut out_pair = Vec::new();
    let jump = |pair: ZonePair| Some(Verdict::Jump(drop_name(ruleset, pair)));
    for src in &family.zones {
        in_pair.push(ElementObject {
            key: vec![range_bytes(&src.range)],
            verdict: jump(ZonePair {
                src: Some(src.zone),
                dst: None,
            }),
        });
        out_pair.push(ElementObject {
            key: vec![range_bytes(&src.range)],
            verdict: jump(ZonePair {
                src: None,
                dst: Some(src.zone),
            }),
        });
    }
    for (name, fields, elements) in [
        (format!("in{n}_pair"), vec![addr], in_pair),
        (format!("out{n}_pair"), vec![addr], out_pair),
    ] {
        sets.push(SetObject {
            name,
            kind: SetKind::VerdictMap,
            fields,
            elements,
        });
    }
    sets
}

/// `from<n>`, `to<n>.<Zs>` for each zone, then the non-empty per-pair flow
/// maps `fwd<n>.<Zs>.<Zd>` and `fwd<n>_icmp.<Zs>.<Zd>` (docs/ruleset.md).
fn forward_sets<A: AddrBytes>(
    ruleset: &Ruleset,
    allow: &AllowChainNames,
    family: &Family<A>,
    fam: AddrFamily,
) -> Vec<SetObject> {
    let n = fam.suffix();
    let addr = fam.addr_field();
    let dispatch = |name: String, target: &dyn Fn(sanso_ir::ZoneIdx) -> String| SetObject {
        name,
        kind: SetKind::VerdictMap,
        fields: vec![addr],
        elements: family
            .zones
            .iter()
            .map(|r| ElementObject {
                key: vec![range_bytes(&r.range)],
                verdict: Some(Verdict::Jump(target(r.zone))),
            })
            .collect(),
    };
    let mut sets = vec![dispatch(from_map_name(n), &|zone| {
        from_chain_name(ruleset, n, zone)
    })];
    for src in family_zones(family) {
        sets.push(dispatch(to_map_name(ruleset, n, src), &|dst| {
            pair_chain_name(
                ruleset,
                ZonePair {
                    src: Some(src),
                    dst: Some(dst),
                },
            )
        }));
    }
    for group in forward_by_pair(ruleset, family) {
        let maps = [
            (
                ForwardMapKind::Ports,
                &group.ports,
                vec![addr, addr, Field::InetProto, Field::InetService],
            ),
            (
                ForwardMapKind::Icmp,
                &group.icmp,
                vec![addr, addr, fam.icmp_field()],
            ),
        ];
        for (kind, elements, fields) in maps {
            if elements.is_empty() {
                continue;
            }
            sets.push(SetObject {
                name: forward_map_name(ruleset, n, kind, group.pair),
                kind: SetKind::VerdictMap,
                fields,
                elements: elements
                    .iter()
                    .map(|e| flow_element(allow, e, KeyAddrs::Both))
                    .collect(),
            });
        }
    }
    sets
}

fn flow_element<A: AddrBytes>(
    allow: &AllowChainNames,
    e: &Element<A>,
    keyed: KeyAddrs,
) -> ElementObject {
    let mut key = Vec::with_capacity(4);
    match keyed {
        KeyAddrs::Both => key.extend([range_bytes(&e.src), range_bytes(&e.dst)]),
        KeyAddrs::Src => key.push(range_bytes(&e.src)),
        KeyAddrs::Dst => key.push(range_bytes(&e.dst)),
    }
    match e.l4 {
        L4Key::Ports { proto, first, last } => {
            key.push(single(Value::from([proto.number()])));
            key.push((
                Value::from(first.to_be_bytes()),
                Value::from(last.to_be_bytes()),
            ));
        }
        L4Key::Icmp { icmp_type } => key.push(single(Value::from([icmp_type]))),
    }
    let chain = AllowChain {
        pair: ZonePair {
            src: e.src_zone,
            dst: e.dst_zone,
        },
        target: e.target,
    };
    // Every (pair, target) of an element is one of the allow chains.
    let name = allow
        .get(chain)
        .expect("every element's (pair, target) has an allow chain");
    ElementObject {
        key,
        verdict: Some(Verdict::Jump(name.to_owned())),
    }
}

/// One element as the kernel receives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelElement {
    pub key: Vec<u8>,
    /// The end of the interval (concatenations only).
    pub key_end: Option<Vec<u8>>,
    /// `NFT_SET_ELEM_INTERVAL_END`: this element closes the previous interval.
    pub interval_end: bool,
    /// The interval runs to the end of the key space (nft's `INTERVAL_OPEN` userdata).
    pub open: bool,
    pub verdict: Option<Verdict>,
}

/// A key as the kernel receives it: the fields of a concatenation each
/// padded to 4 bytes, at most four fields of at most [`Value::MAX`] bytes.
#[derive(Clone, Copy)]
pub struct WireKey {
    len: u8,
    bytes: [u8; 4 * Value::MAX],
}

impl WireKey {
    fn empty() -> Self {
        WireKey {
            len: 0,
            bytes: [0; 4 * Value::MAX],
        }
    }

    /// Appends `value`, then zeros up to a multiple of `align` bytes.
    fn push(&mut self, value: &[u8], align: usize) {
        let at = usize::from(self.len);
        let end = at + value.len();
        self.bytes[at..end].copy_from_slice(value);
        let padded = end.div_ceil(align) * align;
        self.bytes[end..padded].fill(0);
        self.len = u8::try_from(padded).expect("a key has at most 64 bytes");
    }

    fn of(value: &[u8]) -> Self {
        let mut key = WireKey::empty();
        key.push(value, 1);
        key
    }
}

impl std::ops::Deref for WireKey {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// One element as the kernel receives it, its keys inline and its verdict
/// borrowed from the set ([`KernelElement`] without allocations).
pub struct WireElement<'a> {
    pub key: WireKey,
    /// The end of the interval (concatenations only).
    pub key_end: Option<WireKey>,
    /// `NFT_SET_ELEM_INTERVAL_END`: this element closes the previous interval.
    pub interval_end: bool,
    /// The interval runs to the end of the key space (nft's `INTERVAL_OPEN` userdata).
    pub open: bool,
    pub verdict: Option<&'a Verdict>,
}

/// The elements of `set` as nft sends them. Concatenations (and anonymous
/// sets of single values) carry key and key end, each field padded to 4
/// bytes. A single-field interval set is a sorted list of start and end
/// elements: an end at 0 when the first interval does not start there, then
/// for each interval its start and an end at `last + 1` unless `last` is the
/// top of the key space.
pub fn kernel_elements(set: &SetObject) -> Vec<KernelElement> {
    let mut out = Vec::with_capacity(set.elements.len() * 2 + 1);
    let _ = for_each_kernel_element(set, |e| {
        out.push(KernelElement {
            key: e.key.to_vec(),
            key_end: e.key_end.map(|k| k.to_vec()),
            interval_end: e.interval_end,
            open: e.open,
            verdict: e.verdict.cloned(),
        });
        Ok::<(), std::convert::Infallible>(())
    });
    out
}

/// Calls `each` with the elements of `set` as nft sends them, in order (as
/// [`kernel_elements`] lists them); stops at its first error.
pub fn for_each_kernel_element<'a, E>(
    set: &'a SetObject,
    mut each: impl FnMut(WireElement<'a>) -> Result<(), E>,
) -> Result<(), E> {
    if matches!(
        set.kind,
        SetKind::Anonymous | SetKind::MarkMap | SetKind::NameSet
    ) {
        for e in &set.elements {
            let mut key = WireKey::empty();
            for (first, _) in &e.key {
                key.push(first, 1);
            }
            each(WireElement {
                key,
                key_end: None,
                interval_end: false,
                open: false,
                verdict: e.verdict.as_ref(),
            })?;
        }
        return Ok(());
    }
    if set.is_concat() {
        for e in &set.elements {
            let (mut key, mut key_end) = (WireKey::empty(), WireKey::empty());
            for (first, last) in &e.key {
                key.push(first, 4);
                key_end.push(last, 4);
            }
            each(WireElement {
                key,
                key_end: Some(key_end),
                interval_end: false,
                open: false,
                verdict: e.verdict.as_ref(),
            })?;
        }
        return Ok(());
    }
    for (i, e) in set.elements.iter().enumerate() {
        let Some((first, last)) = e.key.first() else {
            continue;
        };
        if i == 0 && first.iter().any(|b| *b != 0) {
            let mut zero = WireKey::empty();
            zero.push(&[0; Value::MAX][..first.len()], 1);
            each(WireElement {
                key: zero,
                key_end: None,
                interval_end: true,
                open: false,
                verdict: None,
            })?;
        }
        let next = increment(last);
        each(WireElement {
            key: WireKey::of(first),
            key_end: None,
            interval_end: false,
            open: next.is_none(),
            verdict: e.verdict.as_ref(),
        })?;
        if let Some(next) = next {
            each(WireElement {
                key: WireKey::of(&next),
                key_end: None,
                interval_end: true,
                open: false,
                verdict: None,
            })?;
        }
    }
    Ok(())
}

/// `value + 1` as a big-endian number of the same width; `None` on overflow.
fn increment(value: &[u8]) -> Option<Value> {
    let mut out = Value::new(value);
    let len = value.len();
    for byte in out.bytes[..len].iter_mut().rev() {
        if *byte == 0xff {
            *byte = 0;
        } else {
            *byte += 1;
            return Some(out);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The destination registers `load_key` gives the parts of a key.
    fn registers(family: AddrFamily) -> Vec<u32> {
        let parts = [
            KeyPart::Saddr(family),
            KeyPart::Daddr(family),
            KeyPart::L4Proto,
            KeyPart::Dport,
        ];
        load_key(&parts)
            .iter()
            .filter_map(|e| match e {
                Expr::Payload { dreg, .. } | Expr::Meta { dreg, .. } => Some(*dreg),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn registers_are_named_like_nft() {
        // ip6 saddr . ip6 daddr . meta l4proto . th dport (fwd6).
        assert_eq!(registers(AddrFamily::V6), vec![1, 2, 3, 17]);
        // ip saddr . ip daddr . meta l4proto . th dport (fwd4).
        assert_eq!(registers(AddrFamily::V4), vec![1, 9, 10, 11]);
    }

    #[test]
    fn concatenated_key_types_and_lengths() {
        let set = SetObject {
            name: "fwd4".into(),
            kind: SetKind::VerdictMap,
            fields: vec![
                Field::Ipv4,
                Field::Ipv4,
                Field::InetProto,
                Field::InetService,
            ],
            elements: vec![],
        };
        assert_eq!(set.key_type(), 0x001c_730d);
        assert_eq!(set.key_len(), 16);
        let antispoof = SetObject {
            name: "a".into(),
            kind: SetKind::Set,
            fields: vec![Field::IfName, Field::Ipv4],
            elements: vec![],
        };
        assert_eq!(antispoof.key_type(), 0xa47);
        assert_eq!(antispoof.key_len(), 20);
    }

    fn v4(first: [u8; 4], last: [u8; 4]) -> (Value, Value) {
        (Value::from(first), Value::from(last))
    }

    #[test]
    fn single_field_intervals_are_start_and_end_elements() {
        let set = SetObject {
            name: "in4_pair".into(),
            kind: SetKind::VerdictMap,
            fields: vec![Field::Ipv4],
            elements: vec![
                ElementObject {
                    key: vec![v4([10, 0, 0, 0], [10, 255, 255, 255])],
                    verdict: Some(Verdict::Drop),
                },
                ElementObject {
                    key: vec![v4([11, 0, 0, 0], [255, 255, 255, 255])],
                    verdict: Some(Verdict::Accept),
                },
            ],
        };
        let elems = kernel_elements(&set);
        let summary: Vec<(Vec<u8>, bool, bool)> = elems
            .iter()
            .map(|e| (e.key.clone(), e.interval_end, e.open))
            .collect();
        assert_eq!(
            summary,
            vec![
                (vec![0, 0, 0, 0], true, false),
                (vec![10, 0, 0, 0], false, false),
                (vec![11, 0, 0, 0], true, false),
                (vec![11, 0, 0, 0], false, true),
            ]
        );
    }

    #[test]
    fn concatenated_fields_are_padded() {
        let set = SetObject {
            name: "in4".into(),
            kind: SetKind::VerdictMap,
            fields: vec![Field::Ipv4, Field::InetProto, Field::InetService],
            elements: vec![ElementObject {
                key: vec![
                    v4([10, 0, 0, 0], [10, 255, 255, 255]),
                    (Value::from([6]), Value::from([6])),
                    (Value::from([0, 22]), Value::from([0, 23])),
                ],
                verdict: None,
            }],
        };
        let elems = kernel_elements(&set);
        assert_eq!(elems[0].key, vec![10, 0, 0, 0, 6, 0, 0, 0, 0, 22, 0, 0]);
        assert_eq!(
            elems[0].key_end,
            Some(vec![10, 255, 255, 255, 6, 0, 0, 0, 0, 23, 0, 0])
        );
    }

    #[test]
    fn increment_carries_and_overflows() {
        assert_eq!(
            increment(&[10, 255, 255, 255]),
            Some(Value::from([11, 0, 0, 0]))
        );
        assert_eq!(increment(&[255, 255]), None);
    }
}
