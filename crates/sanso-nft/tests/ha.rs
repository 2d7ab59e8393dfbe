//! The HA pair's own traffic in the table (issue 18): with
//! `Ruleset::ha` set, both back ends admit, before anything that drops,
//! conntrackd's and sanso's UDP ports with the peer on the sync interface
//! and VRRP adverts (224.0.0.18, ff02::12) on the sync and zone
//! interfaces; the text loads, the netlink batch loads the same table, and
//! the shape check accounts for the rules. Without it, nothing changes.
//!
//! The pair with real keepalived and conntrackd: `crates/sanso/tests/ha_e2e.rs`.

mod text_fixture;

use sanso_nft::{conformance, netlink, readback, text};
use text_fixture::{have_root, TestNamespace};

fn with_ha() -> sanso_ir::Ruleset {
    let mut ruleset = text_fixture::ruleset();
    ruleset.ha = Some(sanso_ir::HaInputs {
        sync_interface: "sync0".to_owned(),
        peer: "192.168.255.2".parse().expect("address"),
        sync_ports: vec![3780, 3781],
        vrrp_interfaces: vec!["lan0".to_owned(), "wan0".to_owned()],
    });
    ruleset
}

fn chain<'t>(rendered: &'t str, name: &str) -> Vec<&'t str> {
    let start = rendered.find(&format!("chain {name} {{")).expect("chain");
    rendered[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.trim() != "}")
        .map(str::trim)
        .collect()
}

#[test]
fn the_pair_traffic_comes_first_and_only_on_its_interfaces() {
    let rendered = text::render(&with_ha());
    let input = chain(&rendered, "input");
    assert_eq!(
        input[..9],
        [
            "iif \"lo\" accept",
            "iifname \"sync0\" ip saddr 192.168.255.2 udp dport 3780 accept",
            "iifname \"sync0\" ip saddr 192.168.255.2 udp dport 3781 accept",
            "iifname \"lan0\" ip daddr 224.0.0.18 meta l4proto 112 accept",
            "iifname \"lan0\" ip6 daddr ff02::12 meta l4proto 112 accept",
            "iifname \"sync0\" ip daddr 224.0.0.18 meta l4proto 112 accept",
            "iifname \"sync0\" ip6 daddr ff02::12 meta l4proto 112 accept",
            "iifname \"wan0\" ip daddr 224.0.0.18 meta l4proto 112 accept",
            "iifname \"wan0\" ip6 daddr ff02::12 meta l4proto 112 accept",
        ]
    );
    let output = chain(&rendered, "output");
    assert_eq!(
        output[1],
        "oifname \"sync0\" ip daddr 192.168.255.2 udp dport 3780 accept"
    );
    let prerouting = chain(&rendered, "prerouting");
    assert_eq!(
        prerouting[1..4],
        [
            "iifname \"sync0\" ip saddr 192.168.255.2 udp dport 3780 accept",
            "iifname \"sync0\" ip saddr 192.168.255.2 udp dport 3781 accept",
            "iifname \"sync0\" ip saddr 192.168.255.2 meta l4proto 112 accept",
        ]
    );
    // Nothing is admitted to be forwarded.
    assert!(!chain(&rendered, "forward")
        .iter()
        .any(|l| l.contains("sync0")));
    // Without HA inputs the table is as before.
    assert!(!text::render(&text_fixture::ruleset()).contains("sync0"));
}

#[test]
fn text_and_netlink_load_the_same_table_with_the_pair_traffic() {
    if !have_root("text_and_netlink_load_the_same_table_with_the_pair_traffic") {
        return;
    }
    let ruleset = with_ha();
    let by_text = TestNamespace::new("ha-text");
    let by_netlink = TestNamespace::new("ha-netlink");
    let rendered = text::render(&ruleset);
    by_text.nft_ok(&["-f", "/dev/stdin"], &rendered);
    netlink::apply(&ruleset, Some(&by_netlink.name)).expect("apply");
    let list = |ns: &TestNamespace| {
        let text = ns.nft_ok(&["list", "chain", "inet", "sanso", "input"], "");
        text.lines()
            .filter(|l| l.contains("sync0") || l.contains("224.0.0.18") || l.contains("ff02::12"))
            .map(|l| l.split(" # handle").next().unwrap_or(l).trim().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(list(&by_text), list(&by_netlink));
    assert_eq!(list(&by_netlink).len(), 8, "{:?}", list(&by_netlink));
    for ns in [&by_text, &by_netlink] {
        let table = readback::live_table(Some(&ns.name)).expect("read back");
        let report = conformance::check_live(&ruleset, &table);
        assert!(report.conforms(), "{}: {:?}", ns.name, report.problems);
        // A table without them is not what this ruleset must show.
        let without = text_fixture::ruleset();
        assert!(!conformance::check_live(&without, &table).conforms());
    }
}
