//! Isolation (issue 14): addresses cut off from the zones at once, in both
//! directions, new and established connections alike, without replacing the
//! table.
//!
//! Every compiled table holds two interval sets, `isolated4` and `isolated6`,
//! empty unless addresses are isolated, the named counter `isolated`, and
//! the rules that drop the packets of isolated addresses ahead of the
//! established path (docs/ruleset.md, "Isolation"). This module owns their
//! elements, apart from any `Ruleset`:
//!
//! * [`Isolated`]: what is isolated, as disjoint ranges (the kernel refuses
//!   overlapping elements of an interval set, so overlapping or adjacent
//!   targets are merged).
//! * [`set_isolated`]: replaces the elements of both sets in one netlink
//!   batch (flush, then add: an element update, the table and its counters
//!   stay), then deletes the conntrack entries of the connections that
//!   isolation cut ([`cut_connections`]).
//! * [`isolation_script`]: the same element update as `nft -f` text, which
//!   boot loads after `last-good.nft`.
//! * [`read_isolated`]: the elements of a table read back, to compare with
//!   what should be isolated; drift of the policy ignores them
//!   ([`crate::readback::diff_ignoring_isolation`]).
//!
//! The whole-table paths take the current elements too:
//! [`crate::netlink::apply_with`] and [`crate::text::render_with`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use ipnet::IpNet;
use sanso_i18n::t;
use sanso_ir::AddrRange;
use serde_json::Value;

pub use crate::netlink::conntrack::ConnectionsCut;
use crate::netlink::ApplyError;
use crate::readback::{LiveTable, TablePresence};
use crate::text::layout::NftAddr;
pub use crate::text::layout::{ISOLATED4_SET, ISOLATED6_SET, ISOLATED_COUNTER, ISOLATED_SETS};

/// The isolated addresses of both families, as sorted, disjoint and
/// non-adjacent inclusive ranges: the elements of `isolated4` and
/// `isolated6` exactly as the kernel stores and lists them.
///
/// Built from prefixes or ranges in any order, overlapping or not (a zone's
/// /16 and a host /32 inside it); [`Isolated::default`] isolates nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Isolated {
    v4: Vec<AddrRange<Ipv4Addr>>,
    v6: Vec<AddrRange<Ipv6Addr>>,
}

impl Isolated {
    /// The union of `prefixes` (host bits of a prefix are ignored:
    /// `10.0.0.5/16` is `10.0.0.0/16`).
    pub fn new(prefixes: impl IntoIterator<Item = IpNet>) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for net in prefixes {
            match net {
                IpNet::V4(n) => v4.push(AddrRange {
                    first: n.network(),
                    last: n.broadcast(),
                }),
                IpNet::V6(n) => v6.push(AddrRange {
                    first: n.network(),
                    last: n.broadcast(),
                }),
            }
        }
        Isolated::from_ranges(v4, v6)
    }

    /// The union of inclusive ranges; a range given last-first counts as
    /// first-last.
    pub fn from_ranges(
        v4: impl IntoIterator<Item = AddrRange<Ipv4Addr>>,
        v6: impl IntoIterator<Item = AddrRange<Ipv6Addr>>,
    ) -> Self {
        Isolated {
            v4: disjoint(v4),
            v6: disjoint(v6),
        }
    }

    /// The IPv4 ranges, sorted, disjoint and not adjacent.
    pub fn v4(&self) -> &[AddrRange<Ipv4Addr>] {
        &self.v4
    }

    /// The IPv6 ranges, sorted, disjoint and not adjacent.
    pub fn v6(&self) -> &[AddrRange<Ipv6Addr>] {
        &self.v6
    }

    /// True when nothing is isolated.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// The number of ranges (set elements) of both families.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether `addr` is isolated. One binary search.
    pub fn contains(&self, addr: IpAddr) -> bool {
        match addr {
            IpAddr::V4(a) => holds(&self.v4, a),
            IpAddr::V6(a) => holds(&self.v6, a),
        }
    }

    /// What `self` or `other` isolates.
    pub fn union(&self, other: &Isolated) -> Isolated {
        Isolated::from_ranges(
            self.v4.iter().chain(&other.v4).copied(),
            self.v6.iter().chain(&other.v6).copied(),
        )
    }

    /// What `self` isolates and `other` does not.
    pub fn difference(&self, other: &Isolated) -> Isolated {
        Isolated {
            v4: minus(&self.v4, &other.v4),
            v6: minus(&self.v6, &other.v6),
        }
    }
}

impl FromIterator<IpNet> for Isolated {
    fn from_iter<I: IntoIterator<Item = IpNet>>(iter: I) -> Self {
        Isolated::new(iter)
    }
}

/// `10.20.0.0/16, 10.30.0.1-10.30.0.5, fd00:20::/48` (as nft writes the
/// elements), or `none`.
impl fmt::Display for Isolated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let texts: Vec<String> = self
            .v4
            .iter()
            .map(crate::text::range_text)
            .chain(self.v6.iter().map(crate::text::range_text))
            .collect();
        f.write_str(&texts.join(", "))
    }
}

/// Sorted, merged ranges: overlapping and adjacent ranges become one.
fn disjoint<A: NftAddr>(ranges: impl IntoIterator<Item = AddrRange<A>>) -> Vec<AddrRange<A>> {
    let mut all: Vec<AddrRange<A>> = ranges
        .into_iter()
        .map(|r| AddrRange {
            first: r.first.min(r.last),
            last: r.first.max(r.last),
        })
        .collect();
    all.sort();
    let mut out: Vec<AddrRange<A>> = Vec::with_capacity(all.len());
    for r in all {
        match out.last_mut() {
            // Overlapping or adjacent (the top of the space has no successor:
            // `saturating_add` keeps it, and anything after it overlaps).
            Some(cur) if r.first.to_bits() <= cur.last.to_bits().saturating_add(1) => {
                cur.last = cur.last.max(r.last);
            }
            _ => out.push(r),
        }
    }
    out
}

/// The parts of the sorted disjoint ranges `a` outside the sorted disjoint
/// ranges `b`; sorted, disjoint and not adjacent when `a` is.
fn minus<A: NftAddr>(a: &[AddrRange<A>], b: &[AddrRange<A>]) -> Vec<AddrRange<A>> {
    let range = |first: u128, last: u128| {
        Some(AddrRange {
            first: A::from_bits(first)?,
            last: A::from_bits(last)?,
        })
    };
    let mut out = Vec::new();
    for r in a {
        let (start, last) = (r.first.to_bits(), r.last.to_bits());
        let mut first = start;
        let mut rest = true;
        let cuts = b
            .iter()
            .skip_while(|c| c.last.to_bits() < start)
            .take_while(|c| c.first.to_bits() <= last);
        for c in cuts {
            let (c_first, c_last) = (c.first.to_bits(), c.last.to_bits());
            if c_first > first {
                out.extend(range(first, c_first - 1));
            }
            if c_last >= last {
                rest = false;
                break;
            }
            first = c_last + 1;
        }
        if rest {
            out.extend(range(first, last));
        }
    }
    out
}

fn holds<A: Ord + Copy>(ranges: &[AddrRange<A>], addr: A) -> bool {
    let after = ranges.partition_point(|r| r.first <= addr);
    after > 0 && ranges[after - 1].last >= addr
}

/// What [`set_isolated`] did.
#[derive(Debug)]
pub struct IsolationChange {
    /// Messages of the element batch, the two batch markers included.
    pub messages: usize,
    /// Elements loaded: the ranges of [`Isolated`].
    pub elements: usize,
    /// Wall time of the element batch, from building it to the last ACK:
    /// from then on every packet of an isolated address is dropped.
    pub duration: Duration,
    /// The conntrack entries of the connections isolation cut, deleted after
    /// the batch; or why that failed (the isolation holds all the same:
    /// their packets are dropped). `Ok` with nothing examined when nothing
    /// is isolated.
    pub connections: Result<ConnectionsCut, ApplyError>,
}

/// Replaces the elements of `isolated4` and `isolated6` in `table inet
/// sanso` with `isolated`, in one atomic netlink batch (flush both sets, add
/// the new elements): the rest of the table, its counters included, stays.
/// Then, when something is isolated, deletes the conntrack entries of the
/// connections that isolation cuts ([`cut_connections`]).
///
/// `netns` as for [`crate::netlink::apply`]. An `Err` is a batch the kernel
/// refused, and nothing changed: `ENOENT` for a missing table, or a table
/// compiled before isolation existed (apply the ruleset with
/// [`crate::netlink::apply_with`] instead).
pub fn set_isolated(
    netns: Option<&str>,
    isolated: &Isolated,
) -> Result<IsolationChange, ApplyError> {
    let batch = crate::netlink::replace_isolated(isolated, netns)?;
    let connections = if isolated.is_empty() {
        Ok(ConnectionsCut::default())
    } else {
        cut_connections(netns, isolated)
    };
    Ok(IsolationChange {
        messages: batch.messages,
        elements: batch.elements,
        duration: batch.duration,
        connections,
    })
}

/// Deletes, in `netns` (or here), the conntrack entries of the connections
/// that isolating `isolated` cuts, as the rules drop them: every forwarded
/// connection with an isolated end, and every connection the gateway opened
/// to an isolated address. Connections an isolated address opened to the
/// gateway itself (what the policy's flows to `self` allow: management) are
/// left alone. [`set_isolated`] calls this after its batch; call it after
/// [`crate::netlink::apply_with`] when isolation was not in place before.
///
/// Deleting only tidies up what the drop rules already stalled (and frees
/// conntrack slots); the packets of those connections are dropped whether
/// or not their entries are gone (docs/ruleset.md, "Isolation").
pub fn cut_connections(
    netns: Option<&str>,
    isolated: &Isolated,
) -> Result<ConnectionsCut, ApplyError> {
    crate::netlink::conntrack::cut(netns, isolated)
}

/// The `nft -f` text that sets the elements of `isolated4` and `isolated6`
/// to `isolated`, as one transaction: flush both sets, then add the
/// elements. Loaded after (or appended to) a table text such as
/// `last-good.nft`; it needs the table to exist.
pub fn isolation_script(isolated: &Isolated) -> String {
    let mut out = String::new();
    out.push_str(
        "# sanso isolation: the elements of the isolation sets (docs/ruleset.md, \"Isolation\").\n",
    );
    out.push_str(&format!("# isolated: {isolated}\n"));
    for set in ISOLATED_SETS {
        out.push_str(&format!("flush set inet sanso {set}\n"));
    }
    let families: [(&str, Vec<String>); 2] = [
        (
            ISOLATED4_SET,
            isolated.v4.iter().map(crate::text::range_text).collect(),
        ),
        (
            ISOLATED6_SET,
            isolated.v6.iter().map(crate::text::range_text).collect(),
        ),
    ];
    for (set, elements) in families {
        if elements.is_empty() {
            continue;
        }
        out.push_str(&format!("add element inet sanso {set} {{\n"));
        let last = elements.len() - 1;
        for (i, e) in elements.iter().enumerate() {
            let sep = if i == last { "" } else { "," };
            out.push_str(&format!("\t{e}{sep}\n"));
        }
        out.push_str("}\n");
    }
    out
}

/// Why [`read_isolated`] could not read the isolation sets.
#[derive(Debug, PartialEq, Eq)]
pub enum IsolationError {
    TableAbsent,
    MissingSet(&'static str),
    BadElement { set: &'static str, element: String },
}

impl std::fmt::Display for IsolationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            IsolationError::TableAbsent => t!("nft-table-missing"),
            IsolationError::MissingSet(set) => t!("nft-isolation-set-missing", set = *set),
            IsolationError::BadElement { set, element } => t!(
                "nft-isolation-bad-element",
                set = *set,
                element = element.as_str()
            ),
        })
    }
}

impl std::error::Error for IsolationError {}

/// The isolated addresses of a table read back
/// ([`crate::readback::live_table`]): the elements of `isolated4` and
/// `isolated6`, normalised as [`Isolated`] is.
pub fn read_isolated(live: &LiveTable) -> Result<Isolated, IsolationError> {
    if live.presence == TablePresence::Absent {
        return Err(IsolationError::TableAbsent);
    }
    let v4 = read_set(live, ISOLATED4_SET, |s| s.parse::<Ipv4Addr>().ok())?;
    let v6 = read_set(live, ISOLATED6_SET, |s| s.parse::<Ipv6Addr>().ok())?;
    Ok(Isolated::from_ranges(v4, v6))
}

fn read_set<A: NftAddr>(
    live: &LiveTable,
    set: &'static str,
    parse: impl Fn(&str) -> Option<A>,
) -> Result<Vec<AddrRange<A>>, IsolationError> {
    let Some(found) = live.sets.get(set) else {
        return Err(IsolationError::MissingSet(set));
    };
    found
        .elements
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(&e.json)
                .ok()
                .and_then(|json| element_range(&json, &parse))
                .ok_or_else(|| IsolationError::BadElement {
                    set,
                    element: e.text.clone(),
                })
        })
        .collect()
}

/// An element of `nft -j`: `"10.0.0.5"`, `{"prefix": {"addr": .., "len": ..}}`,
/// `{"range": [first, last]}`, or any of them inside `{"elem": {"val": ..}}`.
fn element_range<A: NftAddr>(
    json: &Value,
    parse: &impl Fn(&str) -> Option<A>,
) -> Option<AddrRange<A>> {
    match json {
        Value::String(s) => {
            let a = parse(s)?;
            Some(AddrRange { first: a, last: a })
        }
        Value::Object(map) if map.len() == 1 => {
            let (kind, inner) = map.iter().next()?;
            match kind.as_str() {
                "elem" => element_range(&inner["val"], parse),
                "prefix" => {
                    let addr = parse(inner["addr"].as_str()?)?;
                    let len = u32::try_from(inner["len"].as_u64()?).ok()?;
                    prefix_range(addr, len)
                }
                "range" => {
                    let first = parse(inner.get(0)?.as_str()?)?;
                    let last = parse(inner.get(1)?.as_str()?)?;
                    Some(AddrRange { first, last })
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The range of the prefix `addr/len` of a family of `A::BITS` bits.
fn prefix_range<A: NftAddr>(addr: A, len: u32) -> Option<AddrRange<A>> {
    if len > A::BITS {
        return None;
    }
    let host_bits = A::BITS - len;
    let host_mask: u128 = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let bits = addr.to_bits();
    Some(AddrRange {
        first: A::from_bits(bits & !host_mask)?,
        last: A::from_bits(bits | host_mask)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(texts: &[&str]) -> Isolated {
        texts
            .iter()
            .map(|t| t.parse::<IpNet>().expect("test prefix"))
            .collect()
    }

    #[test]
    fn overlapping_and_adjacent_targets_become_disjoint_ranges() {
        // A zone's /16, a host inside it, two adjacent /24s, a host just
        // after a range, and the same prefix twice.
        let iso = nets(&[
            "10.20.0.0/16",
            "10.20.3.4/32",
            "10.30.0.0/24",
            "10.30.1.0/24",
            "10.40.0.0/24",
            "10.40.1.0/32",
            "10.50.0.0/31",
            "10.50.0.0/31",
            "fd00:20::/48",
            "fd00:20:0:1::5/128",
        ]);
        assert_eq!(
            iso.to_string(),
            "10.20.0.0/16, 10.30.0.0/23, 10.40.0.0-10.40.1.0, 10.50.0.0/31, fd00:20::/48"
        );
        assert_eq!(iso.len(), 5);
        for (addr, inside) in [
            ("10.20.255.255", true),
            ("10.21.0.0", false),
            ("10.30.1.200", true),
            ("10.40.1.0", true),
            ("10.40.1.1", false),
            ("9.255.255.255", false),
            ("fd00:20:0:ffff::1", true),
            ("fd00:21::", false),
        ] {
            let a: IpAddr = addr.parse().expect("test address");
            assert_eq!(iso.contains(a), inside, "{addr}");
        }
    }

    #[test]
    fn the_whole_space_and_its_top_merge_without_overflow() {
        let iso = nets(&["0.0.0.0/0", "255.255.255.255/32", "::/0", "ffff::/16"]);
        assert_eq!(iso.to_string(), "0.0.0.0/0, ::/0");
        let top = nets(&["255.255.255.254/32", "255.255.255.255/32"]);
        assert_eq!(top.to_string(), "255.255.255.254/31");
        assert_eq!(Isolated::default().to_string(), "none");
        assert!(Isolated::default().is_empty());
    }

    #[test]
    fn ranges_given_backwards_and_unions() {
        let r = |a: &str, b: &str| AddrRange {
            first: a.parse::<Ipv4Addr>().expect("test address"),
            last: b.parse::<Ipv4Addr>().expect("test address"),
        };
        let iso = Isolated::from_ranges([r("10.0.0.9", "10.0.0.1")], []);
        assert_eq!(iso.v4(), [r("10.0.0.1", "10.0.0.9")]);
        let other = Isolated::from_ranges([r("10.0.0.10", "10.0.0.20")], []);
        assert_eq!(iso.union(&other).to_string(), "10.0.0.1-10.0.0.20");
    }

    #[test]
    fn differences_cut_ranges() {
        let zone = nets(&["10.20.0.0/16", "10.30.0.0/24", "fd00:20::/48"]);
        let hosts = nets(&[
            "10.20.0.0/32",
            "10.20.1.0/24",
            "10.30.0.0/24",
            "10.40.0.0/16",
        ]);
        assert_eq!(
            zone.difference(&hosts).to_string(),
            "10.20.0.1-10.20.0.255, 10.20.2.0-10.20.255.255, fd00:20::/48"
        );
        assert_eq!(hosts.difference(&zone).to_string(), "10.40.0.0/16");
        assert!(zone.difference(&zone).is_empty());
        let all = nets(&["0.0.0.0/0"]);
        assert_eq!(
            all.difference(&nets(&["255.255.255.255/32"])).to_string(),
            "0.0.0.0-255.255.255.254"
        );
    }

    #[test]
    fn the_script_flushes_both_sets_then_adds() {
        let script = isolation_script(&nets(&["10.20.0.0/16", "10.20.9.9/32", "fd00:20::1/128"]));
        let lines: Vec<&str> = script.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "flush set inet sanso isolated4",
                "flush set inet sanso isolated6",
                "add element inet sanso isolated4 {",
                "\t10.20.0.0/16",
                "}",
                "add element inet sanso isolated6 {",
                "\tfd00:20::1",
                "}",
            ]
        );
        let empty = isolation_script(&Isolated::default());
        assert!(!empty.contains("add element"), "{empty}");
        assert!(empty.contains("flush set inet sanso isolated6"), "{empty}");
    }

    #[test]
    fn elements_of_nft_json_read_back_as_ranges() {
        let parse = |s: &str| s.parse::<Ipv4Addr>().ok();
        let read = |json: &str| {
            let v: Value = serde_json::from_str(json).expect("test json");
            element_range(&v, &parse).map(|r| crate::text::range_text(&r))
        };
        assert_eq!(read(r#""10.0.0.5""#).as_deref(), Some("10.0.0.5"));
        assert_eq!(
            read(r#"{"prefix": {"addr": "10.20.0.0", "len": 16}}"#).as_deref(),
            Some("10.20.0.0/16")
        );
        assert_eq!(
            read(r#"{"range": ["10.0.0.1", "10.0.0.9"]}"#).as_deref(),
            Some("10.0.0.1-10.0.0.9")
        );
        assert_eq!(
            read(r#"{"elem": {"val": "10.0.0.5", "comment": "x"}}"#).as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(read(r#"{"prefix": {"addr": "10.0.0.0", "len": 33}}"#), None);
        assert_eq!(read(r#""fd00::1""#), None);
        let parse6 = |s: &str| s.parse::<Ipv6Addr>().ok();
        let v: Value =
            serde_json::from_str(r#"{"prefix": {"addr": "::", "len": 0}}"#).expect("json");
        let all = element_range(&v, &parse6).expect("::/0");
        assert_eq!(all.last, Ipv6Addr::from(u128::MAX));
    }
}
