//! `sanso check` never accepts what the kernel or nft refuse or reinterpret
//! (issue 12): every policy `load_policy` accepts compiles to a text that
//! `nft -c` accepts and to a netlink batch the kernel accepts, in throwaway
//! namespaces, and both back ends load the same interface names.
//!
//! Inputs: synthetic policies (`sanso-synth`, small sizes, random seeds) whose
//! interface names are replaced by random ones, hostile bytes included, plus
//! a random extra service and flow. Names `check` refuses are simply refused
//! (the property is "accepted => the kernel agrees"); the test also asserts
//! that enough policies were accepted for it to mean something.

mod text_fixture;

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sanso_synth::{policy_text, SynthSpec};
use serde_json::Value;

use text_fixture::{have_root, TestNamespace};

/// Bytes Linux allows that nft's text treats as ordinary inside quotes.
const PLAIN_BYTES: &[char] = &[
    'a', 'b', 'e', 't', 'h', 'w', 'n', '0', '1', '5', '.', '-', '_', '$', '{', '}', ';', '#', '\'',
    'é', '@',
];

/// Bytes an admin might type in an interface name, hostile ones included.
const NAME_BYTES: &[char] = &[
    'a', 'b', 'e', 't', 'h', 'w', 'n', '0', '1', '5', '.', '-', '_', '*', '"', '\\', '$', '{', '}',
    ';', '#', '\'', ':', ' ', '/', 'é', '@',
];

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The synthetic policy with the `n`-th `interfaces = [...]` line's names
/// replaced by `names[n]` (as many as there are lines), and one more flow.
fn mutate(text: &str, names: &[String], extra_ports: (u16, u16)) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut n = 0;
    for line in text.lines() {
        if line.starts_with("interfaces = [") {
            // The index first keeps names apart (one interface, one zone),
            // and makes "1*" a wildcard over "10...", "11...".
            let name = format!("{n}{}", names.get(n).map_or("if", String::as_str));
            out.push_str(&format!("interfaces = [{}]\n", toml_string(&name)));
            n += 1;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    let (a, b) = (
        extra_ports.0.min(extra_ports.1).max(1),
        extra_ports.0.max(extra_ports.1).max(1),
    );
    out.push_str(&format!(
        "\n[[flows]]\nname = \"extra\"\nfrom = [\"self\"]\nto = [\"upstream\"]\nservices = [\"tcp/{a}-{b}\", \"udp/{b}\"]\nreason = \"property test\"\nexception = {{ approved_by = \"test\", ticket = \"T\" }}\n"
    ));
    out
}

fn set_elements(listing: &Value, set: &str) -> Vec<Value> {
    listing["nftables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("set"))
        .filter(|s| s["name"] == set)
        .flat_map(|s| s["elem"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn every_policy_check_accepts_loads_in_the_kernel_by_text_and_by_netlink() {
    if !have_root("every_policy_check_accepts_loads_in_the_kernel_by_text_and_by_netlink") {
        return;
    }
    let accepted = AtomicUsize::new(0);
    let refused = AtomicUsize::new(0);
    let chars = |pool: &'static [char], max: usize| {
        proptest::collection::vec(proptest::sample::select(pool), 1..=max)
            .prop_map(|chars| chars.into_iter().collect::<String>())
    };
    // Mostly names nft takes as written, sometimes anything.
    let name = prop_oneof![
        12 => chars(PLAIN_BYTES, 8),
        1 => chars(NAME_BYTES, 14),
        1 => Just("*".to_owned()),
    ];
    let strategy = (
        5usize..40,
        any::<u64>(),
        proptest::collection::vec(name, 12..=12),
        (any::<u16>(), any::<u16>()),
    );
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(flows, seed, names, ports)| {
        let text = mutate(&policy_text(&SynthSpec::new(flows, seed)), &names, ports);
        let policy = match sanso_policy::load_policy("prop.toml", &text) {
            Ok(p) => p,
            Err(_) => {
                refused.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
        };
        accepted.fetch_add(1, Ordering::Relaxed);
        let ruleset = sanso_ir::lower(&policy, 0);
        let nft_text = sanso_nft::text::render(&ruleset);
        let by_text = TestNamespace::new("propt");
        let check = by_text.nft(&["-c", "-f", "-"], &nft_text);
        prop_assert!(
            check.status.success(),
            "nft -c refused what check accepted: {}\nnames: {names:?}",
            String::from_utf8_lossy(&check.stderr)
        );
        by_text.nft_ok(&["-f", "-"], &nft_text);
        let by_netlink = TestNamespace::new("propn");
        let applied = sanso_nft::netlink::apply(&ruleset, Some(&by_netlink.name));
        prop_assert!(
            applied.is_ok(),
            "the kernel refused the netlink batch of what check accepted: {:?}\nnames: {names:?}",
            applied.err()
        );
        // Both back ends loaded the same interface names into anti-spoofing.
        let list = |ns: &TestNamespace| -> Value {
            let out = ns.nft_ok(&["-j", "list", "table", "inet", "sanso"], "");
            serde_json::from_str(&out).expect("nft -j")
        };
        let (t, n) = (list(&by_text), list(&by_netlink));
        for set in ["antispoof4", "antispoof6"] {
            prop_assert_eq!(set_elements(&t, set), set_elements(&n, set), "{}", set);
        }
        // And they are the policy's names, as written.
        let listed = serde_json::to_string(&set_elements(&n, "antispoof4")).expect("json");
        for zone in &policy.zones {
            for iface in &zone.interfaces {
                if zone.networks.iter().any(|net| net.addr().is_ipv4()) {
                    let quoted = serde_json::to_string(iface).expect("json");
                    prop_assert!(listed.contains(&quoted), "{} not in {}", quoted, listed);
                }
            }
        }
        Ok(())
    });
    let (accepted, refused) = (accepted.into_inner(), refused.into_inner());
    println!("{accepted} policies accepted and loaded both ways, {refused} refused by check");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        accepted >= 4,
        "too few accepted policies ({accepted}) for the property to mean anything"
    );
}
