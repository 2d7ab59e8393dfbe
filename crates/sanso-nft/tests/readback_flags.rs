//! Table flags and the read-back, against the kernel in throwaway network
//! namespaces (root only): `nft add table inet sanso '{ flags dormant; }'`
//! switches all filtering off, so the read-back must see it, `diff` and the
//! shape check must report it, and a JSON listing that nft 1.0.6 cuts after
//! the table's `"flags": ` must not stop the read.

mod text_fixture;

use sanso_nft::conformance::check_live;
use sanso_nft::readback::{diff, expected_table, live_table, live_table_with};
use sanso_nft::text::render;
use text_fixture::{have_root, TestNamespace};

/// The JSON of `nft -j list table inet sanso` cut inside the table entry,
/// as nft 1.0.6 sometimes prints it for a table with one flag.
fn cut_in_table_entry(json: String) -> String {
    let at = json
        .find(r#"{"table": {"#)
        .expect("the listing has a table entry");
    json[..at + 20].to_owned()
}

#[test]
fn a_dormant_table_reads_with_its_flag_and_is_drift() {
    if !have_root("a_dormant_table_reads_with_its_flag_and_is_drift") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let text = render(&ruleset);
    let expected = expected_table(&text).expect("expected table");
    assert!(expected.flags.is_empty(), "{:?}", expected.flags);
    let ns = TestNamespace::new("dormant");
    ns.nft_ok(&["-f", "/dev/stdin"], &text);
    let before = live_table(Some(&ns.name)).expect("live table");
    assert!(before.flags.is_empty(), "{:?}", before.flags);
    assert!(diff(&expected, &before).is_empty());
    assert!(check_live(&ruleset, &before).conforms());

    ns.nft_ok(&["add", "table", "inet", "sanso", "{ flags dormant; }"], "");
    let dormant = live_table(Some(&ns.name)).expect("a dormant table reads back");
    assert_eq!(dormant.flags, ["dormant"]);
    assert_eq!(dormant.incomplete, None);
    for against in [&before, &expected] {
        let d = diff(against, &dormant);
        let lines: Vec<String> = d.changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            ["table changed: flags dormant (expected none): the table is switched off, nothing is filtered"],
            "{d}"
        );
        assert!(d.text_diff.contains("+\tflags dormant"), "{}", d.text_diff);
    }
    let report = check_live(&ruleset, &dormant);
    assert_eq!(
        report.problems,
        ["table flags dormant (expected none): the table is switched off, nothing is filtered"]
    );

    // Replacing the table (what apply and the daemon's restore do) clears it.
    let applied = sanso_nft::conformance::apply_and_check(&ruleset, Some(&ns.name)).expect("apply");
    let shape = applied.readback.expect("read back");
    assert!(shape.conforms(), "{:?}", shape.problems);
    let after = live_table(Some(&ns.name)).expect("live table");
    assert!(after.flags.is_empty(), "{:?}", after.flags);
    assert!(diff(&expected, &after).is_empty());
}

#[test]
fn a_cut_json_listing_reads_like_the_whole_one() {
    if !have_root("a_cut_json_listing_reads_like_the_whole_one") {
        return;
    }
    let text = render(&text_fixture::ruleset());
    let ns = TestNamespace::new("cutjson");
    ns.nft_ok(&["-f", "/dev/stdin"], &text);
    // A table of another family with a set and a chain of the same names
    // must not leak into the read (nft 1.0.6's `list sets table` prints it).
    ns.nft_ok(
        &["-f", "/dev/stdin"],
        "table ip other {\n\tset in4 { type ipv4_addr; }\n\tchain forward { accept; }\n}\n",
    );
    for flags in [None, Some("dormant")] {
        if let Some(flags) = flags {
            let spec = format!("{{ flags {flags}; }}");
            ns.nft_ok(&["add", "table", "inet", "sanso", &spec], "");
        }
        let whole = live_table(Some(&ns.name)).expect("live table");
        let cut = live_table_with(Some(&ns.name), cut_in_table_entry)
            .expect("read from the listings without the table entry");
        assert_eq!(cut.incomplete, None, "{flags:?}");
        assert_eq!(cut, whole, "{flags:?}");
        assert!(diff(&whole, &cut).is_empty());
        assert_eq!(cut.flags, flags.into_iter().collect::<Vec<_>>());
    }
}

#[test]
fn a_hand_added_chain_is_read_when_the_json_is_cut() {
    if !have_root("a_hand_added_chain_is_read_when_the_json_is_cut") {
        return;
    }
    let text = render(&text_fixture::ruleset());
    let expected = expected_table(&text).expect("expected table");
    let ns = TestNamespace::new("cutchain");
    ns.nft_ok(&["-f", "/dev/stdin"], &text);
    let edits = "add table inet sanso { flags dormant; }\n\
                 add chain inet sanso extra\n\
                 add rule inet sanso extra tcp dport 22 accept\n\
                 add counter inet sanso extra\n";
    ns.nft_ok(&["-f", "/dev/stdin"], edits);
    let cut = live_table_with(Some(&ns.name), cut_in_table_entry).expect("read");
    assert_eq!(cut.incomplete, None);
    let lines: Vec<String> = diff(&expected, &cut)
        .changes
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "table changed: flags dormant (expected none): the table is switched off, nothing is filtered",
            "object added: counter extra {}",
            "chain added: extra (1 rules)",
        ]
    );
}
