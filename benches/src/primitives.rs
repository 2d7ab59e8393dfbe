//! What the kernel's building blocks cost on the drop path, to design a
//! layout with numbers: tables whose only work is one primitive in a
//! `prerouting` chain at raw priority (before connection tracking and
//! routing) followed by `drop`, measured with [`crate::kernel::measure_texts`]
//! along the same [`DropPath`] as the empty and conntrack baselines.
//!
//! Set and map elements are built so that the drop path's packet misses
//! every set (addresses in 198.18.0.0/15, the benchmarking range) and hits
//! the one map element that leads on to the drop, so each text measures the
//! lookup and not an early exit.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::kernel::{empty_ruleset_text, DropPath};

/// The empty baseline with `objects` and a `prefilter` chain added, so that
/// only the prefilter differs from it.
fn table(objects: &str, prefilter: &str) -> String {
    let empty = empty_ruleset_text();
    let open = empty
        .strip_suffix("}\n")
        .expect("the empty baseline is one table");
    format!(
        "{open}\tcounter c {{\n\t}}\n\tchain dropped {{\n\t\tdrop\n\t}}\n{objects}\
\tchain prefilter {{\n\t\ttype filter hook prerouting priority raw; policy accept;\n{prefilter}\t}}\n}}\n"
    )
}

/// The `n`-th address of 198.18.0.0/15 (wraps after 2^17).
fn bench_addr(n: usize) -> Ipv4Addr {
    Ipv4Addr::from(0xc612_0000u32 | (n as u32 & 0x1_ffff))
}

/// `n` disjoint elements `a . b . proto . port` of 198.18.0.0/15 address
/// pairs; with `ranges`, every third port is a range of ten, as in
/// synthetic policies.
fn four_field_elements(n: usize, ranges: bool) -> String {
    let mut out = String::new();
    for i in 0..n {
        let proto = if i % 2 == 0 { "udp" } else { "tcp" };
        let port = 1000 + (i % 50_000) as u32;
        let ports = if ranges && i % 3 == 0 {
            format!("{port}-{}", port + 9)
        } else {
            port.to_string()
        };
        let sep = if i + 1 == n { "" } else { "," };
        let _ = writeln!(
            out,
            "\t\t\t{} . {} . {proto} . {ports}{sep}",
            bench_addr(2 * i),
            bench_addr(2 * i + 1)
        );
    }
    out
}

/// A 4-field set of `n` elements: an interval set (pipapo in the kernel) or,
/// without `interval`, an exact-match set of single ports (hash).
fn four_field_set(name: &str, n: usize, interval: bool) -> String {
    let flags = if interval { "\t\tflags interval\n" } else { "" };
    let elements = four_field_elements(n, interval);
    format!(
        "\tset {name} {{\n\t\ttype ipv4_addr . ipv4_addr . inet_proto . inet_service\n{flags}\t\telements = {{\n{elements}\t\t}}\n\t}}\n"
    )
}

/// 24 /16 networks: the drop path's source network and 23 of 198.18/15's
/// neighbours in 100.64.0.0/10; all but the source's jump to a chain that
/// accepts.
fn zone_like_ranges(path: &DropPath) -> Vec<String> {
    let src = u32::from(path.src) & 0xffff_0000;
    let mut ranges = vec![format!("{}/16", Ipv4Addr::from(src))];
    ranges.extend((0..23u32).map(|i| format!("{}/16", Ipv4Addr::from(0x6440_0000 + (i << 16)))));
    ranges.sort();
    ranges
}

/// The primitive texts, each with a short name.
pub fn primitive_texts(path: &DropPath) -> Vec<(&'static str, String)> {
    let ranges = zone_like_ranges(path);
    let src_net = format!("{}/16", Ipv4Addr::from(u32::from(path.src) & 0xffff_0000));
    let dst_net = format!("{}/16", Ipv4Addr::from(u32::from(path.dst) & 0xffff_0000));
    let one_field_map = {
        let elements: Vec<String> = ranges
            .iter()
            .map(|r| {
                let v = if *r == src_net {
                    "jump dropped"
                } else {
                    "accept"
                };
                format!("\t\t\t{r} : {v}")
            })
            .collect();
        format!(
            "\tmap m1 {{\n\t\ttype ipv4_addr : verdict\n\t\tflags interval\n\t\telements = {{\n{}\n\t\t}}\n\t}}\n",
            elements.join(",\n")
        )
    };
    let pair_map = {
        let mut dsts = ranges.clone();
        if !dsts.contains(&dst_net) {
            dsts[0] = dst_net.clone();
            dsts.sort();
        }
        let mut elements = Vec::new();
        for s in &ranges {
            for d in &dsts {
                let v = if *s == src_net && *d == dst_net {
                    "jump dropped"
                } else {
                    "accept"
                };
                elements.push(format!("\t\t\t{s} . {d} : {v}"));
            }
        }
        format!(
            "\tmap m2 {{\n\t\ttype ipv4_addr . ipv4_addr : verdict\n\t\tflags interval\n\t\telements = {{\n{}\n\t\t}}\n\t}}\n",
            elements.join(",\n")
        )
    };
    let lookup = "\t\tip saddr . ip daddr . meta l4proto . th dport @s accept\n\t\tdrop\n";
    vec![
        ("early drop", table("", "\t\tdrop\n")),
        ("counter", table("", "\t\tcounter name \"c\"\n\t\tdrop\n")),
        (
            "limit + log (over the limit)",
            table(
                "",
                "\t\tlimit rate 10/second burst 20 packets log prefix \"x \" level info\n\t\tdrop\n",
            ),
        ),
        (
            "meta l4proto set",
            table("", "\t\tmeta l4proto != { tcp, udp } accept\n\t\tdrop\n"),
        ),
        ("fib daddr type local", table("", "\t\tfib daddr type local accept\n\t\tdrop\n")),
        (
            "1-field interval vmap, 24 ranges (rbtree) + jump",
            table(&one_field_map, "\t\tip saddr vmap @m1\n"),
        ),
        (
            "2-field interval vmap, 576 (pipapo) + jump",
            table(&pair_map, "\t\tip saddr . ip daddr vmap @m2\n"),
        ),
        ("4-field interval set, 1 (pipapo)", table(&four_field_set("s", 1, true), lookup)),
        ("4-field interval set, 120 (pipapo)", table(&four_field_set("s", 120, true), lookup)),
        (
            "4-field interval set, 10,000 (pipapo)",
            table(&four_field_set("s", 10_000, true), lookup),
        ),
        (
            "4-field exact set, 10,000 (hash)",
            table(&four_field_set("s", 10_000, false), lookup),
        ),
        (
            "two 4-field interval sets, 120 each (both directions)",
            table(
                &format!("{}{}", four_field_set("s", 120, true), four_field_set("r", 120, true)),
                "\t\tip saddr . ip daddr . meta l4proto . th dport @s accept\n\t\tip daddr . ip saddr . meta l4proto . th sport @r accept\n\t\tdrop\n",
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Namespace;

    fn path() -> DropPath {
        DropPath {
            src_interface: "mn0".into(),
            src: Ipv4Addr::new(10, 1, 0, 2),
            src_gateway: Ipv4Addr::new(10, 1, 0, 1),
            src_prefix: 16,
            dst_interface: "mn1".into(),
            dst: Ipv4Addr::new(10, 2, 0, 2),
            dst_gateway: Ipv4Addr::new(10, 2, 0, 1),
            dst_prefix: 16,
            port: 9,
        }
    }

    #[test]
    fn the_packet_reaches_the_drop_through_each_primitive() {
        let texts = primitive_texts(&path());
        assert!(texts.len() >= 10);
        for (name, text) in &texts {
            assert!(text.contains("hook prerouting priority raw"), "{name}");
            // Sets hold only benchmarking addresses, so the packet misses them.
            if let Some(set) = text.split("\tset ").nth(1) {
                assert!(!set.contains("10.1.") && !set.contains("10.2."), "{name}");
            }
            // A map leads the packet's (source, destination) on to the drop.
            if text.contains("vmap") {
                assert!(
                    text.contains("10.1.0.0/16 : jump dropped")
                        || text.contains("10.1.0.0/16 . 10.2.0.0/16 : jump dropped"),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn every_primitive_loads_into_the_kernel() {
        if !sanso_testkit::root("network namespaces") {
            return;
        }
        let ns = Namespace::create("prim").expect("namespace");
        for (name, text) in primitive_texts(&path()) {
            ns.load_ruleset(&text)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
