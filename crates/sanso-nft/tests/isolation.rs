//! Root tests of isolation (issue 14) on the table, in throwaway network
//! namespaces: the text and netlink back ends load the same table with the
//! isolation elements; `set_isolated` changes only the elements (the table,
//! its chains and counters stay); overlapping targets load without "File
//! exists"; the boot script loads after the table and in one file with it;
//! drift ignores the elements but not the sets or their rules; the shape
//! check and `read_isolated` see them.
//!
//! Packets through an isolated gateway: `crates/sanso-netns/tests/isolation.rs`.

mod text_fixture;

use sanso_nft::isolation::{
    isolation_script, read_isolated, set_isolated, Isolated, IsolationError,
};
use sanso_nft::netlink::{self, ApplyError, MessageKind};
use sanso_nft::{conformance, readback, text};
use serde_json::Value;
use text_fixture::{have_root, TestNamespace};

fn isolated(prefixes: &[&str]) -> Isolated {
    prefixes
        .iter()
        .map(|p| p.parse::<ipnet::IpNet>().expect("test prefix"))
        .collect()
}

/// A zone's /16 with a host /32 and a /24 inside it, two adjacent /24s, a
/// host, and IPv6 likewise: overlapping targets as the daemon may resolve
/// them.
fn overlapping() -> Isolated {
    isolated(&[
        "10.20.0.0/16",
        "10.20.3.4/32",
        "10.20.7.0/24",
        "10.30.0.0/24",
        "10.30.1.0/24",
        "192.0.2.7/32",
        "fd00:20::/48",
        "fd00:20::5/128",
        "2001:db8::1/128",
    ])
}

/// `nft -j list table inet sanso` without handles, counter state and
/// metainfo, with the elements of the hash sets `live` and `routers` sorted
/// (their dump order follows a random seed).
fn listing(ns: &TestNamespace) -> Value {
    let mut json: Value =
        serde_json::from_str(&ns.nft_ok(&["-j", "list", "table", "inet", "sanso"], ""))
            .expect("nft -j");
    normalise(&mut json);
    json
}

fn normalise(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for key in ["handle", "metainfo", "packets", "bytes"] {
                map.remove(key);
            }
            let hashed = map
                .get("name")
                .is_some_and(|n| n == "live" || n == "routers");
            for child in map.values_mut() {
                normalise(child);
            }
            if hashed {
                if let Some(Value::Array(elements)) = map.get_mut("elem") {
                    elements.sort_by_key(|e| e.to_string());
                }
            }
        }
        Value::Array(items) => {
            items.retain(|i| i.get("metainfo").is_none());
            for child in items {
                normalise(child);
            }
        }
        _ => {}
    }
}

/// The kernel's view of the isolation sets, element bytes included.
fn isolation_debug(ns: &TestNamespace) -> String {
    ["isolated4", "isolated6"]
        .iter()
        .map(|set| {
            ns.nft_ok(
                &["--debug=netlink", "list", "set", "inet", "sanso", set],
                "",
            )
        })
        .collect()
}

fn live(ns: &TestNamespace) -> readback::LiveTable {
    readback::live_table(Some(&ns.name)).expect("read back")
}

#[test]
fn text_and_netlink_load_the_same_table_with_isolation_elements() {
    if !have_root("text_and_netlink_load_the_same_table_with_isolation_elements") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let iso = overlapping();
    assert_eq!(
        iso.to_string(),
        "10.20.0.0/16, 10.30.0.0/23, 192.0.2.7, 2001:db8::1, fd00:20::/48"
    );
    let by_text = TestNamespace::new("iso-text");
    let by_netlink = TestNamespace::new("iso-netlink");
    let rendered = text::render_with(&ruleset, &iso);
    by_text.nft_ok(&["-c", "-f", "/dev/stdin"], &rendered);
    by_text.nft_ok(&["-f", "/dev/stdin"], &rendered);
    let report = netlink::apply_with(&ruleset, &iso, Some(&by_netlink.name)).expect("apply");
    assert_eq!(listing(&by_text), listing(&by_netlink));
    assert_eq!(isolation_debug(&by_text), isolation_debug(&by_netlink));
    println!(
        "apply with {} isolated ranges: {} messages, {:?}",
        iso.len(),
        report.messages,
        report.duration
    );
    for ns in [&by_text, &by_netlink] {
        let table = live(ns);
        assert_eq!(read_isolated(&table), Ok(iso.clone()), "{}", ns.name);
        let report = conformance::check_live_with(&ruleset, &iso, &table);
        assert!(report.conforms(), "{:?}", report.problems);
        // The plain shape check does not count isolation elements.
        assert!(conformance::check_live(&ruleset, &table).conforms());
        // Read over netlink, the isolation sets' intervals read as the same
        // ranges (overlapping prefixes merged, single addresses, IPv6).
        let report =
            conformance::check_applied_with(&ruleset, &iso, Some(&ns.name)).expect("read back");
        assert!(report.conforms(), "{}: {:?}", ns.name, report.problems);
        let other = isolated(&["10.20.0.0/17"]);
        let report =
            conformance::check_applied_with(&ruleset, &other, Some(&ns.name)).expect("read back");
        assert_eq!(
            report.problems,
            ["isolated, but should not be: 10.20.128.0/17, 10.30.0.0/23, 192.0.2.7, 2001:db8::1, fd00:20::/48"],
            "{}",
            ns.name
        );
    }
    // `render` and `apply` are the empty case.
    let plain = TestNamespace::new("iso-plain");
    netlink::apply(&ruleset, Some(&plain.name)).expect("apply");
    assert_eq!(read_isolated(&live(&plain)), Ok(Isolated::default()));
    assert_eq!(
        text::render(&ruleset),
        text::render_with(&ruleset, &Isolated::default())
    );
}

#[test]
fn set_isolated_changes_only_the_elements() {
    if !have_root("set_isolated_changes_only_the_elements") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let ns = TestNamespace::new("iso-update");
    netlink::apply(&ruleset, Some(&ns.name)).expect("apply");
    let handles = |ns: &TestNamespace| -> Vec<String> {
        ns.nft_ok(&["-a", "list", "table", "inet", "sanso"], "")
            .lines()
            .filter(|l| l.contains("# handle"))
            .filter(|l| !l.contains("elements") && !l.trim_start().starts_with("set "))
            .map(|l| l.trim().to_owned())
            .collect()
    };
    let before = handles(&ns);
    assert!(before.len() > 20, "{before:?}");

    for (step, iso) in [
        overlapping(),
        isolated(&["10.20.3.0/24", "fd00:20::/64"]),
        isolated(&["10.21.0.10/32"]),
        Isolated::default(),
    ]
    .into_iter()
    .enumerate()
    {
        let report = set_isolated(Some(&ns.name), &iso).expect("set_isolated");
        assert_eq!(report.elements, iso.len());
        let cut = report.connections.expect("conntrack");
        assert_eq!(cut.deleted, 0, "no connections in a bare namespace");
        println!(
            "step {step}: {iso}: {} messages, {:?}",
            report.messages, report.duration
        );
        // The table, its chains, rules and objects keep their handles: it
        // was not replaced.
        assert_eq!(handles(&ns), before, "step {step}");
        // And it lists as the whole table with these elements would.
        let reference = TestNamespace::new("iso-update-ref");
        netlink::apply_with(&ruleset, &iso, Some(&reference.name)).expect("apply");
        assert_eq!(listing(&ns), listing(&reference), "step {step}");
        assert_eq!(
            isolation_debug(&ns),
            isolation_debug(&reference),
            "step {step}"
        );
        assert_eq!(read_isolated(&live(&ns)), Ok(iso), "step {step}");
    }
}

#[test]
fn overlapping_targets_load_where_the_kernel_refuses_them_raw() {
    if !have_root("overlapping_targets_load_where_the_kernel_refuses_them_raw") {
        return;
    }
    let ns = TestNamespace::new("iso-overlap");
    netlink::apply(&text_fixture::empty(), Some(&ns.name)).expect("apply");
    // The raw targets, a zone and a host in it, are refused.
    let raw = ns.nft(
        &["-f", "/dev/stdin"],
        "add element inet sanso isolated4 { 10.20.0.0/16, 10.20.3.4 }\n",
    );
    assert!(!raw.status.success(), "nft took overlapping elements");
    println!(
        "raw overlapping elements: {}",
        String::from_utf8_lossy(&raw.stderr).trim()
    );
    let iso = overlapping();
    set_isolated(Some(&ns.name), &iso).expect("overlapping targets, normalised");
    // Again, and with the script, over elements already there.
    set_isolated(Some(&ns.name), &iso).expect("the same again");
    ns.nft_ok(&["-f", "/dev/stdin"], &isolation_script(&iso));
    assert_eq!(read_isolated(&live(&ns)), Ok(iso));
}

#[test]
fn the_boot_script_loads_after_the_table_and_in_one_file_with_it() {
    if !have_root("the_boot_script_loads_after_the_table_and_in_one_file_with_it") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let ns = TestNamespace::new("iso-script");
    // last-good.nft as boot finds it (saved with other elements), then the
    // script of what is isolated now.
    let saved = isolated(&["10.99.0.0/16"]);
    ns.nft_ok(&["-f", "/dev/stdin"], &text::render_with(&ruleset, &saved));
    let iso = overlapping();
    let script = isolation_script(&iso);
    ns.nft_ok(&["-c", "-f", "/dev/stdin"], &script);
    ns.nft_ok(&["-f", "/dev/stdin"], &script);
    assert_eq!(read_isolated(&live(&ns)), Ok(iso.clone()));
    // Table and script as one transaction (the table replaced at once).
    let other = isolated(&["10.20.0.0/24", "fd00:21::/48"]);
    let both = format!(
        "{}{}",
        text::render_with(&ruleset, &saved),
        isolation_script(&other)
    );
    ns.nft_ok(&["-f", "/dev/stdin"], &both);
    assert_eq!(read_isolated(&live(&ns)), Ok(other));
    // Nothing isolated: the sets are emptied.
    ns.nft_ok(
        &["-f", "/dev/stdin"],
        &isolation_script(&Isolated::default()),
    );
    assert_eq!(read_isolated(&live(&ns)), Ok(Isolated::default()));
    // Without the table the script fails (boot loaded no sanso table).
    let bare = TestNamespace::new("iso-script-bare");
    assert!(!bare.nft(&["-f", "/dev/stdin"], &script).status.success());
}

#[test]
fn drift_ignores_isolation_elements_but_not_the_sets_or_their_rules() {
    if !have_root("drift_ignores_isolation_elements_but_not_the_sets_or_their_rules") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let expected = readback::expected_table(&text::render(&ruleset)).expect("expected table");
    let ns = TestNamespace::new("iso-drift");
    netlink::apply(&ruleset, Some(&ns.name)).expect("apply");
    let iso = overlapping();
    set_isolated(Some(&ns.name), &iso).expect("isolate");
    let table = live(&ns);

    let plain = readback::diff(&expected, &table);
    let lines: Vec<String> = plain.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "element added to set isolated4: 10.20.0.0/16",
            "element added to set isolated4: 10.30.0.0/23",
            "element added to set isolated4: 192.0.2.7",
            "element added to set isolated6: 2001:db8::1",
            "element added to set isolated6: fd00:20::/48",
        ]
    );
    let ignoring = readback::diff_ignoring_isolation(&expected, &table);
    assert!(ignoring.is_empty(), "{ignoring}");
    assert_eq!(
        ignoring.text_diff, "",
        "the listings differ only in elements"
    );

    // An isolation rule removed by hand is drift.
    let forward = ns.nft_ok(&["-a", "list", "chain", "inet", "sanso", "forward"], "");
    let handle = forward
        .lines()
        .find(|l| l.contains("ip daddr @isolated4"))
        .and_then(|l| l.rsplit("# handle ").next())
        .expect("the rule's handle")
        .trim()
        .to_owned();
    ns.nft_ok(
        &[
            "delete", "rule", "inet", "sanso", "forward", "handle", &handle,
        ],
        "",
    );
    let table = live(&ns);
    let drift = readback::diff_ignoring_isolation(&expected, &table);
    let lines: Vec<String> = drift.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        ["rule removed in chain forward: ip daddr @isolated4 jump isolated"]
    );
    // The shape check sees it too, and the elements still read back.
    let shape = conformance::check_live_with(&ruleset, &iso, &table);
    assert_eq!(
        shape.problems,
        [format!(
            "chain forward has {} rules, expected {}",
            conformance::expected_shape(&ruleset).chains["forward"] - 1,
            conformance::expected_shape(&ruleset).chains["forward"]
        )]
    );
    let wrong = conformance::check_live_with(&ruleset, &isolated(&["10.20.0.0/17"]), &table);
    assert!(
        wrong
            .problems
            .contains(&"isolated, but should not be: 10.20.128.0/17, 10.30.0.0/23, 192.0.2.7, 2001:db8::1, fd00:20::/48".to_owned()),
        "{:?}",
        wrong.problems
    );
}

#[test]
fn without_the_table_or_its_isolation_sets_set_isolated_is_refused() {
    if !have_root("without_the_table_or_its_isolation_sets_set_isolated_is_refused") {
        return;
    }
    let ns = TestNamespace::new("iso-absent");
    let err = set_isolated(Some(&ns.name), &overlapping()).expect_err("no table");
    match &err {
        ApplyError::Rejected { kind, errno, .. } => {
            assert_eq!(
                (*kind, *errno),
                (MessageKind::DelSetElem, libc::ENOENT),
                "{err}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(read_isolated(&live(&ns)), Err(IsolationError::TableAbsent));
    // A table of before isolation: refused as a whole, nothing changed.
    ns.nft_ok(
        &["-f", "/dev/stdin"],
        "table inet sanso {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}\n",
    );
    let err = set_isolated(Some(&ns.name), &overlapping()).expect_err("no sets");
    assert!(
        matches!(err, ApplyError::Rejected { errno, .. } if errno == libc::ENOENT),
        "{err:?}"
    );
    assert_eq!(
        read_isolated(&live(&ns)),
        Err(IsolationError::MissingSet("isolated4"))
    );
    println!("refused as expected: {err}");
}

#[test]
fn twenty_thousand_isolated_hosts_load_in_one_batch() {
    if !have_root("twenty_thousand_isolated_hosts_load_in_one_batch") {
        return;
    }
    const N: u32 = 20_000;
    let base = u32::from(std::net::Ipv4Addr::new(10, 0, 0, 0));
    // Every other address: nothing merges, 20,000 ranges (40,000 kernel
    // elements with their interval ends), over several messages.
    let hosts: Isolated = (0..N)
        .map(|i| {
            let host = std::net::Ipv4Addr::from(base + 2 * i);
            ipnet::IpNet::from(std::net::IpAddr::V4(host))
        })
        .chain(["fd00:20::/48".parse().expect("prefix")])
        .collect();
    assert_eq!(hosts.len(), N as usize + 1);
    let ns = TestNamespace::new("iso-many");
    netlink::apply(&text_fixture::empty(), Some(&ns.name)).expect("apply");
    let report = set_isolated(Some(&ns.name), &hosts).expect("set_isolated");
    println!(
        "{} isolated ranges: {} messages, batch {:?}",
        hosts.len(),
        report.messages,
        report.duration
    );
    assert!(report.messages > 6, "split over several messages");
    assert_eq!(read_isolated(&live(&ns)), Ok(hosts.clone()));
    // And as the whole table with them.
    let whole = TestNamespace::new("iso-many-whole");
    netlink::apply_with(&text_fixture::empty(), &hosts, Some(&whole.name)).expect("apply_with");
    assert_eq!(read_isolated(&live(&whole)), Ok(hosts));
}
