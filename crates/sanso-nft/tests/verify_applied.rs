//! After an apply the table is read back from the kernel and its shape
//! checked (`verify::verify_applied`): it passes on the applied table and
//! names what differs once the table was changed behind sanso's back.

mod text_fixture;

use sanso_nft::verify::{verify_applied, Verification};
use text_fixture::{have_root, TestNamespace};

#[test]
fn the_read_back_verifies_the_applied_table_and_names_a_tampered_one() {
    if !have_root("the_read_back_verifies_the_applied_table_and_names_a_tampered_one") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let ns = TestNamespace::new("verify");
    // Nothing applied yet: the table is missing.
    match verify_applied(&ruleset, Some(&ns.name)).expect("read back") {
        Verification::Mismatch(problems) => {
            assert_eq!(problems, ["table inet sanso is missing"]);
        }
        Verification::Verified => panic!("verified a table that does not exist"),
    }
    sanso_nft::netlink::apply(&ruleset, Some(&ns.name)).expect("apply");
    assert_eq!(
        verify_applied(&ruleset, Some(&ns.name)).expect("read back"),
        Verification::Verified
    );
    // A rule added by hand to the forward chain, and the flow-mark map emptied.
    ns.nft_ok(&["add", "rule", "inet", "sanso", "forward", "accept"], "");
    ns.nft_ok(&["flush", "map", "inet", "sanso", "live"], "");
    match verify_applied(&ruleset, Some(&ns.name)).expect("read back") {
        Verification::Mismatch(problems) => {
            assert!(
                problems.iter().any(|p| p.starts_with("chain forward has")),
                "{problems:?}"
            );
            assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with("set live has 0 elements")),
                "{problems:?}"
            );
        }
        Verification::Verified => panic!("verified a tampered table"),
    }
}
