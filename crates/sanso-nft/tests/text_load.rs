//! The rendered text is accepted by the kernel: `nft -c -f`, then a real load
//! with `nft -f`, inside a throwaway network namespace (root only).

mod text_fixture;

use sanso_nft::text::render;
use text_fixture::{have_root, TestNamespace};

const CHAINS: [&str; 5] = ["forward", "input", "output", "spoofed", "ended"];

fn names_of(listing: &serde_json::Value, kind: &str) -> Vec<String> {
    listing["nftables"]
        .as_array()
        .expect("nftables array")
        .iter()
        .filter_map(|e| e.get(kind))
        .map(|o| o["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn load_and_list(ns: &TestNamespace, text: &str) -> serde_json::Value {
    ns.nft_ok(&["-c", "-f", "/dev/stdin"], text);
    ns.nft_ok(&["-f", "/dev/stdin"], text);
    // Loading twice replaces the table instead of failing on existing objects.
    ns.nft_ok(&["-f", "/dev/stdin"], text);
    let json = ns.nft_ok(&["-j", "list", "table", "inet", "sanso"], "");
    serde_json::from_str(&json).expect("nft -j prints JSON")
}

#[test]
fn fixture_checks_and_loads() {
    if !have_root("fixture_checks_and_loads") {
        return;
    }
    let ns = TestNamespace::new("textload");
    let listing = load_and_list(&ns, &render(&text_fixture::ruleset()));
    let chains = names_of(&listing, "chain");
    for chain in CHAINS.iter().copied().chain([
        "allow._z1.upstream._gbf634593a7bbcb60",
        "allow.mn-office._z1._f2",
        "drop.self.upstream",
        "from4._z1",
        "from6.mn-office",
        "pair._z1.upstream",
        "pair.upstream.upstream",
    ]) {
        assert!(
            chains.iter().any(|c| c == chain),
            "missing chain {chain} in {chains:?}"
        );
    }
    let maps = names_of(&listing, "map");
    for family in ["4", "6"] {
        for base in ["in", "out"] {
            for suffix in ["", "_icmp", "_pair"] {
                let name = format!("{base}{family}{suffix}");
                assert!(maps.contains(&name), "missing map {name} in {maps:?}");
            }
        }
        assert!(maps.contains(&format!("from{family}")), "{maps:?}");
        assert!(maps.contains(&format!("to{family}.mn-office")), "{maps:?}");
    }
    for name in [
        "fwd4.mn-office._z1",
        "fwd4._z1.upstream",
        "fwd4_icmp._z1.mn-office",
        "fwd6_icmp.mn-office.upstream",
    ] {
        assert!(
            maps.iter().any(|m| m == name),
            "missing map {name} in {maps:?}"
        );
    }
    // Per-pair maps exist only where the pair has elements.
    assert!(!maps.iter().any(|m| m == "fwd4._z1._z1"), "{maps:?}");
    assert!(!maps
        .iter()
        .any(|m| m.starts_with("fwd4_pair") || m == "fwd4"));
    // A pair of two zones drops in its pair chain, not in a drop chain.
    assert!(
        !chains.iter().any(|c| c == "drop._z1.upstream"),
        "{chains:?}"
    );
    assert!(names_of(&listing, "counter").contains(&"drop._z1.upstream".to_owned()));
    let sets = names_of(&listing, "set");
    assert_eq!(
        sets,
        [
            "routers",
            "isolated4",
            "isolated6",
            "log4",
            "log6",
            "antispoof4",
            "antispoof6"
        ]
    );
    let counters = names_of(&listing, "counter");
    assert!(counters.contains(&"flow._f2".to_owned()));
    assert_eq!(names_of(&listing, "limit"), ["limit.lg-web"]);
    // The kernel keeps the ICMP type without a name and the group's two rules.
    let text = ns.nft_ok(&["list", "table", "inet", "sanso"], "");
    assert!(
        text.contains(". 200 : jump allow.mn-office.upstream.ping"),
        "{text}"
    );
    assert!(
        text.contains("meta time < \"2026-12-31 15:00:00\""),
        "{text}"
    );
}

#[test]
fn empty_ruleset_loads() {
    if !have_root("empty_ruleset_loads") {
        return;
    }
    let ns = TestNamespace::new("textempty");
    let listing = load_and_list(&ns, &render(&text_fixture::empty()));
    let chains = names_of(&listing, "chain");
    for chain in CHAINS {
        assert!(
            chains.iter().any(|c| c == chain),
            "missing chain {chain} in {chains:?}"
        );
    }
    // from, in, in_icmp, out, out_icmp, in_pair, out_pair for each family,
    // and the flow-mark map `live`.
    assert_eq!(names_of(&listing, "map").len(), 15);
}

#[test]
fn odd_names_load() {
    if !have_root("odd_names_load") {
        return;
    }
    let mut rs = text_fixture::ruleset();
    rs.flows[2].name = "x\"; drop; #\\ $var 長".repeat(20);
    rs.flows[0].reason = "line one\nflush ruleset".to_owned();
    rs.zones[0].name = "a".repeat(64);
    rs.zones[2].name = "b".repeat(64);
    rs.policy_name = "\"quoted\" \\ name\n".repeat(10);
    let ns = TestNamespace::new("textodd");
    let listing = load_and_list(&ns, &render(&rs));
    assert!(names_of(&listing, "chain").len() > 4);
}
