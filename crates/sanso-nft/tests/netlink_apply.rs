//! Root tests of `sanso_nft::netlink::apply` in throwaway network namespaces:
//! the table loaded through netlink lists exactly like the same IR loaded as
//! `nft -f` text; applying twice replaces; other tables survive; a refused
//! batch leaves the previous table in place; 50k elements apply.
//!
//! Every namespace is created by the test (unique name per run) and removed
//! by a Drop guard, also on failure. Nothing touches the host namespace.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod netns_guard;
mod text_fixture;

use netns_guard::{skip_unless_root, Netns};

use std::time::Instant;

use sanso_ir::Ruleset;
use sanso_nft::netlink::{self, ApplyError, Injection, MessageKind};
use serde_json::Value;

/// The `--debug=netlink` listing with the elements of the hash sets `live`
/// and `routers` sorted: a hash set's dump order follows its random per-set seed, not what
/// was loaded (interval sets, kept in a tree, list in key order anyway).
fn hash_set_order(listing: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut live: Vec<&str> = Vec::new();
    let mut in_live = false;
    for line in listing.lines() {
        if in_live && line.starts_with("\telement ") {
            live.push(line);
            continue;
        }
        if in_live {
            live.sort_unstable();
            out.extend(live.drain(..).map(str::to_owned));
        }
        in_live = line == "inet sanso @live" || line == "inet sanso @routers";
        out.push(line.to_owned());
    }
    live.sort_unstable();
    out.extend(live.drain(..).map(str::to_owned));
    out.join("\n")
}

/// Loads `ruleset` by text in one namespace and by netlink in another and
/// asserts both list the same.
fn assert_same_as_text(ruleset: &Ruleset, purpose: &str) {
    let by_text = Netns::new(&format!("{purpose}-t"));
    let by_netlink = Netns::new(&format!("{purpose}-n"));
    by_text.load_text(&sanso_nft::text::render(ruleset));
    let report = netlink::apply(ruleset, Some(&by_netlink.name)).expect("netlink apply");
    let (want, got) = (by_text.list_sanso(), by_netlink.list_sanso());
    let items = want["nftables"].as_array().map_or(0, Vec::len);
    assert!(
        items > 20,
        "the text load listed only {items} items: {want}"
    );
    if want != got {
        let pretty = |v: &Value| serde_json::to_string_pretty(v).expect("json");
        let (want, got) = (pretty(&want), pretty(&got));
        let diff = similar::TextDiff::from_lines(&want, &got);
        panic!(
            "netlink differs from text ({purpose}):\n{}",
            diff.unified_diff().header("text", "netlink")
        );
    }
    // The kernel's own view, expression by expression (registers, lengths,
    // byte order, set flags, element bytes), not only what nft makes of it.
    let raw = |ns: &Netns| {
        hash_set_order(&ns.nft(&["--debug=netlink", "list", "table", "inet", "sanso"]))
    };
    let (want, got) = (raw(&by_text), raw(&by_netlink));
    assert!(
        want.contains("[ lookup reg 1 set from4 dreg 0"),
        "nft printed no expressions: {want}"
    );
    if want != got {
        let diff = similar::TextDiff::from_lines(&want, &got);
        panic!(
            "netlink expressions differ from text ({purpose}):\n{}",
            diff.unified_diff().header("text", "netlink")
        );
    }
    println!(
        "{purpose}: {} messages, {} bytes, {:?}",
        report.messages, report.bytes, report.duration
    );
}

#[test]
fn netlink_lists_like_text_for_the_fixture() {
    if skip_unless_root("netlink_lists_like_text_for_the_fixture") {
        return;
    }
    assert_same_as_text(&text_fixture::ruleset(), "nl-fixture");
}

#[test]
fn netlink_lists_like_text_for_an_empty_ruleset() {
    if skip_unless_root("netlink_lists_like_text_for_an_empty_ruleset") {
        return;
    }
    assert_same_as_text(&text_fixture::empty(), "nl-empty");
}

#[test]
fn netlink_lists_like_text_for_the_example_policy() {
    if skip_unless_root("netlink_lists_like_text_for_the_example_policy") {
        return;
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/policy.toml");
    let text = std::fs::read_to_string(path).expect("read config/policy.toml");
    let policy = match sanso_policy::load_policy("config/policy.toml", &text) {
        Ok(policy) => policy,
        Err(e) => panic!("config/policy.toml does not load: {e:?}"),
    };
    // A fixed instant so that expiry does not depend on the day the test runs.
    let ruleset = sanso_ir::lower(&policy, 1_767_225_600);
    assert_same_as_text(&ruleset, "nl-example");
}

#[test]
fn applying_twice_replaces_and_leaves_other_tables_alone() {
    if skip_unless_root("applying_twice_replaces_and_leaves_other_tables_alone") {
        return;
    }
    let ns = Netns::new("nl-twice");
    ns.load_text("table ip bystander {\n\tchain c {\n\t\tcounter\n\t}\n}\n");
    let first = text_fixture::ruleset();
    netlink::apply(&first, Some(&ns.name)).expect("first apply");
    let once = ns.list_sanso();
    netlink::apply(&first, Some(&ns.name)).expect("second apply");
    assert_eq!(
        ns.list_sanso(),
        once,
        "a second apply of the same IR must not add anything"
    );

    let empty = text_fixture::empty();
    netlink::apply(&empty, Some(&ns.name)).expect("apply another IR");
    let reference = Netns::new("nl-twice-ref");
    netlink::apply(&empty, Some(&reference.name)).expect("apply in a fresh namespace");
    assert_eq!(
        ns.list_sanso(),
        reference.list_sanso(),
        "an apply replaces the whole table"
    );

    let tables = ns.tables();
    assert!(tables.contains("table ip bystander"), "{tables}");
    assert!(tables.contains("table inet sanso"), "{tables}");
}

#[test]
fn a_refused_batch_leaves_the_previous_table_in_place() {
    if skip_unless_root("a_refused_batch_leaves_the_previous_table_in_place") {
        return;
    }
    let ns = Netns::new("nl-atomic");
    netlink::apply(&text_fixture::empty(), Some(&ns.name)).expect("first apply");
    let before = ns.list_sanso();
    let err = netlink::apply_injecting(
        &text_fixture::ruleset(),
        Some(&ns.name),
        Injection::RuleJumpingToMissingChain,
    )
    .expect_err("the injected rule must be refused");
    match &err {
        ApplyError::Rejected {
            kind,
            object,
            errno,
            ..
        } => {
            assert_eq!(*kind, MessageKind::NewRule, "{err}");
            assert_eq!(object, "forward", "{err}");
            assert_eq!(*errno, libc::ENOENT, "{err}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    println!("refused as expected: {err}");
    assert_eq!(
        ns.list_sanso(),
        before,
        "the refused batch must leave the previous table in place"
    );
}

#[test]
fn a_refusal_of_a_message_that_asked_for_no_ack_is_named_and_leaves_the_table() {
    if skip_unless_root(
        "a_refusal_of_a_message_that_asked_for_no_ack_is_named_and_leaves_the_table",
    ) {
        return;
    }
    // Only the last message asks for an ACK; the kernel answers a refused
    // message all the same, and the batch fails as a whole.
    let ns = Netns::new("nl-noack");
    netlink::apply(&text_fixture::empty(), Some(&ns.name)).expect("first apply");
    let before = ns.list_sanso();
    let err = netlink::apply_injecting(
        &text_fixture::ruleset(),
        Some(&ns.name),
        Injection::FirstRuleJumpingToMissingChain,
    )
    .expect_err("the injected rule must be refused");
    match &err {
        ApplyError::Rejected {
            kind,
            object,
            errno,
            other_refusals,
            ..
        } => {
            assert_eq!(
                (*kind, object.as_str(), *errno, *other_refusals),
                (MessageKind::NewRule, "forward", libc::ENOENT, 0),
                "{err}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(ns.list_sanso(), before, "the previous table stays");
    // And the same batch without the fault commits, its one ACK checked.
    let report = netlink::apply(&text_fixture::ruleset(), Some(&ns.name)).expect("apply");
    assert!(report.messages > 100, "{report:?}");
    assert_ne!(ns.list_sanso(), before);
}

#[test]
fn a_missing_namespace_is_a_typed_error() {
    if skip_unless_root("a_missing_namespace_is_a_typed_error") {
        return;
    }
    let name = format!("sanso-nl-absent-{}", std::process::id());
    let err = netlink::apply(&text_fixture::empty(), Some(&name)).expect_err("no such namespace");
    assert!(matches!(err, ApplyError::Namespace { .. }), "{err:?}");
    let err = netlink::apply(&text_fixture::empty(), Some("../etc")).expect_err("not a plain name");
    assert!(matches!(err, ApplyError::BadNamespaceName(_)), "{err:?}");
}

/// A ruleset whose one per-pair `fwd4.<Zs>.<Zd>` map has `n` elements: distinct /32 sources of the
/// fixture's LGWAN zone (10.20.0.0/16) towards the first ports element's
/// destination and ports.
fn large_ruleset(n: usize) -> Ruleset {
    let mut rs = text_fixture::ruleset();
    let template = rs
        .v4
        .forward
        .iter()
        .find(|e| matches!(e.l4, sanso_ir::L4Key::Ports { .. }))
        .copied()
        .expect("a ports element");
    assert!(n <= 65_536, "10.20.0.0/16 holds 65536 hosts");
    rs.v4
        .forward
        .retain(|e| !matches!(e.l4, sanso_ir::L4Key::Ports { .. }));
    let base = u32::from(std::net::Ipv4Addr::new(10, 20, 0, 0));
    for i in 0..n as u32 {
        let host = std::net::Ipv4Addr::from(base + i);
        let mut e = template;
        e.src = sanso_ir::AddrRange {
            first: host,
            last: host,
        };
        e.src_zone = Some(sanso_ir::ZoneIdx(1));
        rs.v4.forward.push(e);
    }
    rs.v4.forward.sort();
    rs
}

#[test]
fn fifty_thousand_elements_apply() {
    if skip_unless_root("fifty_thousand_elements_apply") {
        return;
    }
    const N: usize = 50_000;
    let rs = large_ruleset(N);
    // Every element lies between the LGWAN zone and the template's destination zone.
    let map = {
        let e = rs
            .v4
            .forward
            .iter()
            .find(|e| matches!(e.l4, sanso_ir::L4Key::Ports { .. }))
            .expect("a ports element");
        let pair = sanso_nft::text::layout::ZonePair {
            src: e.src_zone,
            dst: e.dst_zone,
        };
        sanso_nft::text::layout::forward_map_name(
            &rs,
            "4",
            sanso_nft::text::layout::ForwardMapKind::Ports,
            pair,
        )
    };
    let messages = netlink::batch_messages(&rs).expect("encode");
    let elem_msgs = messages
        .iter()
        .filter(|m| m.kind == MessageKind::NewSetElem && m.object == map)
        .count();
    assert!(
        elem_msgs > 1,
        "50k elements must be split over several messages"
    );
    let ns = Netns::new("nl-50k");
    let started = Instant::now();
    let report = netlink::apply(&rs, Some(&ns.name)).expect("50k apply");
    let elapsed = started.elapsed();
    println!(
        "50k elements: {} messages ({elem_msgs} for {map}), {} bytes, apply {:?} (report {:?})",
        report.messages, report.bytes, elapsed, report.duration
    );
    let listed = ns.nft(&["-j", "list", "map", "inet", "sanso", &map]);
    let json: Value = serde_json::from_str(&listed).expect("json");
    let count = json["nftables"]
        .as_array()
        .and_then(|items| items.iter().find_map(|i| i.get("map")))
        .and_then(|m| m.get("elem"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    assert_eq!(count, N);
}

#[test]
fn read_back_shape_matches_after_apply_and_names_what_was_changed_by_hand() {
    use sanso_nft::{conformance, readback};
    if skip_unless_root("read_back_shape_matches_after_apply_and_names_what_was_changed_by_hand") {
        return;
    }
    let ns = Netns::new("nl-shape");
    let ruleset = text_fixture::ruleset();
    let shape = conformance::expected_shape(&ruleset);
    assert!(
        shape.sets.values().sum::<usize>() > 0,
        "the fixture has elements"
    );
    let live = readback::live_table(Some(&ns.name)).expect("read back");
    assert_eq!(
        conformance::check_shape(&shape, &live),
        ["table inet sanso is missing"]
    );

    netlink::apply(&ruleset, Some(&ns.name)).expect("apply");
    let live = readback::live_table(Some(&ns.name)).expect("read back");
    assert_eq!(
        conformance::check_shape(&shape, &live),
        Vec::<String>::new()
    );

    // A hand-made change: one rule more in forward, one chain more.
    ns.nft(&[
        "insert", "rule", "inet", "sanso", "forward", "tcp", "dport", "22", "accept",
    ]);
    ns.nft(&["add", "chain", "inet", "sanso", "extra"]);
    let live = readback::live_table(Some(&ns.name)).expect("read back");
    let problems = conformance::check_shape(&shape, &live);
    let forward = shape.chains["forward"];
    assert!(
        problems.contains(&format!(
            "chain forward has {} rules, expected {forward}",
            forward + 1
        )),
        "{problems:?}"
    );
    assert!(
        problems.contains(&"chain extra is not sanso's".to_owned()),
        "{problems:?}"
    );
}
