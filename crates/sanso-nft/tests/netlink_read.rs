//! The netlink reads without `nft` (root only): the ruleset generation moves
//! with every committed change, by sanso or by `nft`, and stands still
//! otherwise; the named counters read by a netlink dump are those `nft`
//! lists.

mod text_fixture;

use sanso_nft::netlink::{generation, named_counters};
use text_fixture::{have_root, TestNamespace};

#[test]
fn the_generation_moves_with_every_change_and_only_then() {
    if !have_root("the_generation_moves_with_every_change_and_only_then") {
        return;
    }
    let ns = TestNamespace::new("gen");
    let name = Some(ns.name.as_str());
    let empty = generation(name).expect("generation of an empty namespace");
    assert_eq!(generation(name).expect("again"), empty, "nothing changed");

    sanso_nft::netlink::apply(&text_fixture::ruleset(), name).expect("apply");
    let applied = generation(name).expect("after apply");
    assert_ne!(applied, empty, "an apply is a change");
    // Reading (by netlink or by nft) changes nothing.
    ns.nft_ok(&["list", "ruleset"], "");
    let _ = named_counters(name, "sanso").expect("counters");
    assert_eq!(generation(name).expect("after reads"), applied);

    ns.nft_ok(&["add", "rule", "inet", "sanso", "forward", "counter"], "");
    let added = generation(name).expect("after nft add rule");
    assert_ne!(added, applied, "nft add rule is a change");
    // Another table is a change of the namespace's ruleset too.
    ns.nft_ok(&["add", "table", "ip", "other"], "");
    assert_ne!(generation(name).expect("after add table"), added);

    // A namespace that does not exist is an error, not a generation.
    assert!(generation(Some("sanso-0-no-such-namespace")).is_err());
}

#[test]
fn named_counters_by_netlink_are_those_nft_lists() {
    if !have_root("named_counters_by_netlink_are_those_nft_lists") {
        return;
    }
    let ns = TestNamespace::new("ctr");
    let name = Some(ns.name.as_str());
    let (_, none) = named_counters(name, "sanso").expect("no table: no counters");
    assert!(none.is_empty(), "{none:?}");
    sanso_nft::netlink::apply(&text_fixture::ruleset(), name).expect("apply");
    // A foreign table's counter is not sanso's.
    ns.nft_ok(&["add", "table", "inet", "other"], "");
    ns.nft_ok(&["add", "counter", "inet", "other", "spoofed"], "");
    // Values, not only zeros, come through.
    ns.nft_ok(
        &[
            "add",
            "counter",
            "inet",
            "sanso",
            "probe",
            "{ packets 5 bytes 300 ; }",
        ],
        "",
    );
    let (generation_then, counters) = named_counters(name, "sanso").expect("counters");
    assert_eq!(generation_then, generation(name).expect("generation"));
    let json: serde_json::Value =
        serde_json::from_str(&ns.nft_ok(&["-j", "list", "counters", "table", "inet", "sanso"], ""))
            .expect("nft json");
    let mut listed: Vec<(String, u64, u64)> = json["nftables"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|i| i.get("counter"))
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_owned(),
                c["packets"].as_u64().expect("packets"),
                c["bytes"].as_u64().expect("bytes"),
            )
        })
        .collect();
    listed.sort();
    // Counter identity names the policy; it is no traffic counter.
    assert!(
        listed.iter().any(|(name, _, _)| name == "identity"),
        "{listed:?}"
    );
    listed.retain(|(name, _, _)| name != "identity");
    let read: Vec<(String, u64, u64)> = counters
        .into_iter()
        .map(|c| (c.name, c.packets, c.bytes))
        .collect();
    assert!(read.len() > 1, "{read:?}");
    assert!(read.contains(&("probe".to_owned(), 5, 300)), "{read:?}");
    assert_eq!(read, listed);
}
