//! Zone-pair reachability read off the IR: which (source zone, destination
//! zone) pairs a new connection can cross, for which ports and ICMP types,
//! and how that set changes between two rulesets.
//!
//! Reachable means "some flow's element covers some addresses of the pair
//! for that port or type": a flow between two hosts makes the pair of their
//! zones reachable for its services. Expiry and rate limits are not
//! considered (they are flow fields, shown as flow changes).

use std::collections::{BTreeMap, BTreeSet};

use sanso_ir::{Element, Family, L4Key, L4Proto, Ruleset, ZoneIdx};
use serde::Serialize;

use crate::flows::icmp_name;
use crate::TierName;

/// One end of a zone pair: a zone by name, or the gateway (`self`, no tier).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ZoneEnd {
    pub name: String,
    pub tier: Option<TierName>,
}

impl ZoneEnd {
    fn of(ruleset: &Ruleset, zone: Option<ZoneIdx>) -> Self {
        match zone {
            None => ZoneEnd {
                name: "self".to_owned(),
                tier: None,
            },
            Some(z) => {
                let info = ruleset.zone(z);
                ZoneEnd {
                    name: info.name.clone(),
                    tier: Some(TierName::of(info.tier)),
                }
            }
        }
    }
}

/// The transport matches of a pair: merged port ranges and ICMP types.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Services {
    tcp: Vec<(u32, u32)>,
    udp: Vec<(u32, u32)>,
    icmp: BTreeSet<u8>,
    icmpv6: BTreeSet<u8>,
}

/// What can reach what in one ruleset, keyed by (source, destination) names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reachability {
    pairs: BTreeMap<(String, String), (ZoneEnd, ZoneEnd, Services)>,
}

impl Reachability {
    /// Reads the forward, input and output elements of both families.
    pub fn of(ruleset: &Ruleset) -> Self {
        let mut reach = Reachability::default();
        reach.add_family(ruleset, &ruleset.v4, false);
        reach.add_family(ruleset, &ruleset.v6, true);
        for (_, _, services) in reach.pairs.values_mut() {
            services.tcp = merge(std::mem::take(&mut services.tcp));
            services.udp = merge(std::mem::take(&mut services.udp));
        }
        reach
    }

    fn add_family<A>(&mut self, ruleset: &Ruleset, family: &Family<A>, v6: bool) {
        let all = family
            .forward
            .iter()
            .chain(&family.input)
            .chain(&family.output);
        for e in all {
            self.add(ruleset, e, v6);
        }
    }

    fn add<A>(&mut self, ruleset: &Ruleset, e: &Element<A>, v6: bool) {
        let src = ZoneEnd::of(ruleset, e.src_zone);
        let dst = ZoneEnd::of(ruleset, e.dst_zone);
        let key = (src.name.clone(), dst.name.clone());
        let (_, _, services) = self
            .pairs
            .entry(key)
            .or_insert_with(|| (src, dst, Services::default()));
        match e.l4 {
            L4Key::Ports {
                proto: L4Proto::Tcp,
                first,
                last,
            } => services.tcp.push((first.into(), last.into())),
            L4Key::Ports {
                proto: L4Proto::Udp,
                first,
                last,
            } => services.udp.push((first.into(), last.into())),
            L4Key::Icmp { icmp_type } if v6 => {
                services.icmpv6.insert(icmp_type);
            }
            L4Key::Icmp { icmp_type } => {
                services.icmp.insert(icmp_type);
            }
        }
    }
}

/// Whether a pair becomes reachable or unreachable for a service match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReachKind {
    Reachable,
    Unreachable,
}

/// One (source zone, destination zone, service match) whose reachability changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReachChange {
    pub kind: ReachKind,
    pub from: ZoneEnd,
    pub to: ZoneEnd,
    /// `tcp/443`, `udp/1000-2000`, `icmp/echo-request`, `icmpv6/echo-request`.
    pub service: String,
}

/// The changes from `old` to `new`, by pair (source, destination names), then
/// newly reachable before no longer reachable, then tcp, udp, icmp, icmpv6.
pub(crate) fn changes(old: &Reachability, new: &Reachability) -> Vec<ReachChange> {
    let keys: BTreeSet<&(String, String)> = old.pairs.keys().chain(new.pairs.keys()).collect();
    let none = Services::default();
    let mut out = Vec::new();
    for key in keys {
        let (o, n) = (old.pairs.get(key), new.pairs.get(key));
        let (from, to) = match n.or(o) {
            Some((from, to, _)) => (from, to),
            None => continue,
        };
        let o = o.map_or(&none, |(_, _, s)| s);
        let n = n.map_or(&none, |(_, _, s)| s);
        for (kind, gained, lost) in [(ReachKind::Reachable, n, o), (ReachKind::Unreachable, o, n)] {
            let mut push = |service: String| {
                out.push(ReachChange {
                    kind,
                    from: from.clone(),
                    to: to.clone(),
                    service,
                });
            };
            for (first, last) in subtract(&gained.tcp, &lost.tcp) {
                push(format!("tcp/{}", ports(first, last)));
            }
            for (first, last) in subtract(&gained.udp, &lost.udp) {
                push(format!("udp/{}", ports(first, last)));
            }
            for t in gained.icmp.difference(&lost.icmp) {
                push(format!("icmp/{}", icmp_name(false, *t)));
            }
            for t in gained.icmpv6.difference(&lost.icmpv6) {
                push(format!("icmpv6/{}", icmp_name(true, *t)));
            }
        }
    }
    out
}

fn ports(first: u32, last: u32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// Sorted, disjoint, non-adjacent ranges covering the same ports.
fn merge(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match out.last_mut() {
            Some(prev) if first <= prev.1 + 1 => prev.1 = prev.1.max(last),
            _ => out.push((first, last)),
        }
    }
    out
}

/// The ports of `a` not in `b` (both merged).
fn subtract(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for &(first, last) in a {
        let mut start = first;
        for &(bf, bl) in b.iter().filter(|(bf, bl)| *bl >= first && *bf <= last) {
            if bf > start {
                out.push((start, bf - 1));
            }
            start = start.max(bl + 1);
        }
        if start <= last {
            out.push((start, last));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_overlapping_and_adjacent_ranges() {
        assert_eq!(
            merge(vec![(50, 60), (1, 49), (80, 80), (61, 70)]),
            [(1, 70), (80, 80)]
        );
    }

    #[test]
    fn subtracts_ranges() {
        assert_eq!(
            subtract(&[(1, 100)], &[(10, 20), (50, 60)]),
            [(1, 9), (21, 49), (61, 100)]
        );
        assert_eq!(subtract(&[(1, 100)], &[(1, 100)]), []);
        assert_eq!(subtract(&[(443, 443)], &[]), [(443, 443)]);
        assert_eq!(subtract(&[(5, 10)], &[(1, 7)]), [(8, 10)]);
        assert_eq!(subtract(&[(0, 65535)], &[(0, 65535)]), []);
    }
}
