//! The addresses isolated (issue 14), apart from any `Ruleset` and any
//! kernel: the elements of the interval sets `isolated4` and `isolated6`
//! that every compiled table holds (docs/ruleset.md, "Isolation").
//!
//! * [`Isolated`]: what is isolated, as disjoint ranges (the kernel refuses
//!   overlapping elements of an interval set, so overlapping or adjacent
//!   targets are merged).
//! * [`isolation_script`]: the element update of both sets as `nft -f`
//!   text, which boot loads after `last-good.nft`.
//!
//! The whole-table paths take the current elements too:
//! [`crate::objects::build_with`] and [`crate::text::render_with`].
//! Changing the elements in the kernel, cutting the connections and
//! reading the sets back are sanso-nft's (`sanso_nft::isolation`).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use sanso_ir::AddrRange;

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
}
