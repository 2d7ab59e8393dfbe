//! The production drift check end to end (root only): a table applied by the
//! netlink back end shows no drift against the kernel's view of the text
//! back end's rendering of the same IR.

mod text_fixture;

use sanso_nft::readback::{diff, expected_table, live_table};
use sanso_nft::text::render;
use text_fixture::{have_root, TestNamespace};

fn assert_no_drift(ruleset: &sanso_ir::Ruleset, purpose: &str) {
    let expected = expected_table(&render(ruleset)).expect("expected table");
    let ns = TestNamespace::new(purpose);
    sanso_nft::netlink::apply(ruleset, Some(&ns.name)).expect("netlink apply");
    let live = live_table(Some(&ns.name)).expect("live table");
    let d = diff(&expected, &live);
    assert!(d.is_empty(), "{d}\n{}", d.text_diff);
}

#[test]
fn netlink_fixture_has_no_drift() {
    if !have_root("netlink_fixture_has_no_drift") {
        return;
    }
    assert_no_drift(&text_fixture::ruleset(), "rbnl");
}

#[test]
fn netlink_empty_has_no_drift() {
    if !have_root("netlink_empty_has_no_drift") {
        return;
    }
    assert_no_drift(&text_fixture::empty(), "rbnlempty");
}
