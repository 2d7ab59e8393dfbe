//! After an apply the table is read back from the kernel and its shape
//! checked (`conformance::apply_and_check`): it passes on the applied table,
//! says what it compared, and names what differs when the table was changed
//! between the apply and the read-back.

mod text_fixture;

use sanso_nft::conformance::{apply_and_check, apply_and_check_with, check_applied};
use text_fixture::{have_root, TestNamespace};

#[test]
fn an_apply_reads_back_as_compiled_and_the_report_says_what_was_compared() {
    if !have_root("an_apply_reads_back_as_compiled_and_the_report_says_what_was_compared") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let ns = TestNamespace::new("conform-ok");
    // Nothing applied yet: the table is missing.
    let report = check_applied(&ruleset, Some(&ns.name)).expect("read back");
    assert_eq!(report.problems, ["table inet sanso is missing"]);
    assert!(!report.conforms());

    let done = apply_and_check(&ruleset, Some(&ns.name)).expect("apply");
    let report = done.readback.expect("read back");
    assert!(report.conforms(), "{:?}", report.problems);
    // What was compared comes from the compiled ruleset, not from the kernel.
    let shape = sanso_nft::conformance::expected_shape(&ruleset);
    assert_eq!(report.checked, shape.coverage());
    assert!(report.checked.chains >= 4 && report.checked.base_chains == 4);
    assert!(report.checked.rules > 0 && report.checked.elements > 0);
    assert!(report.checked.objects > 0);
    // The same read again, apart from apply: still the compiled shape.
    assert!(check_applied(&ruleset, Some(&ns.name))
        .expect("read back")
        .conforms());
}

#[test]
fn a_table_changed_between_apply_and_read_back_fails_the_check() {
    if !have_root("a_table_changed_between_apply_and_read_back_fails_the_check") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let ns = TestNamespace::new("conform-bad");
    // Between the apply and the read-back: a rule added by hand to forward,
    // the flow-mark map emptied, input's policy opened, output flushed, a
    // counter removed (after the rules that name it), a chain added.
    let done = apply_and_check_with(&ruleset, Some(&ns.name), || {
        ns.nft_ok(&["add", "rule", "inet", "sanso", "forward", "accept"], "");
        ns.nft_ok(&["flush", "map", "inet", "sanso", "live"], "");
        ns.nft_ok(
            &["chain", "inet", "sanso", "input", "{ policy accept; }"],
            "",
        );
        ns.nft_ok(&["flush", "chain", "inet", "sanso", "output"], "");
        ns.nft_ok(
            &["flush", "chain", "inet", "sanso", "drop.self.upstream"],
            "",
        );
        ns.nft_ok(
            &["delete", "counter", "inet", "sanso", "drop.self.upstream"],
            "",
        );
        ns.nft_ok(&["add", "chain", "inet", "sanso", "extra"], "");
    })
    .expect("the kernel accepted the apply");
    let report = done.readback.expect("read back");
    assert!(!report.conforms());
    let problems = &report.problems;
    let has = |prefix: &str| problems.iter().any(|p| p.starts_with(prefix));
    let shape = sanso_nft::conformance::expected_shape(&ruleset);
    assert!(
        problems.contains(&format!(
            "chain forward has {} rules, expected {}",
            shape.chains["forward"] + 1,
            shape.chains["forward"]
        )),
        "{problems:?}"
    );
    assert!(has("set live has 0 elements, expected "), "{problems:?}");
    assert!(
        problems.contains(
            &"chain input is type filter hook input priority 0; policy accept, expected type filter hook input priority 0; policy drop"
                .to_owned()
        ),
        "{problems:?}"
    );
    assert!(has("chain output has 0 rules"), "{problems:?}");
    assert!(
        problems.contains(&"counter drop.self.upstream is missing".to_owned()),
        "{problems:?}"
    );
    assert!(
        problems.contains(&"chain extra is not sanso's".to_owned()),
        "{problems:?}"
    );
}

#[test]
fn an_element_swapped_by_hand_is_named_though_the_counts_match() {
    if !have_root("an_element_swapped_by_hand_is_named_though_the_counts_match") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let ns = TestNamespace::new("conform-elem");
    // The read-back compares every element as the kernel holds it with the
    // batch's, not only their number: one element of a concatenated map
    // and one of a hash set replaced by others, the counts unchanged.
    let done = apply_and_check_with(&ruleset, Some(&ns.name), || {
        ns.nft_ok(
            &[
                "delete",
                "element",
                "inet",
                "sanso",
                "fwd4.mn-office._z1",
                "{ 10.10.0.5 . 10.20.5.10 . tcp . 22 }",
            ],
            "",
        );
        ns.nft_ok(
            &[
                "add",
                "element",
                "inet",
                "sanso",
                "fwd4.mn-office._z1",
                "{ 10.10.0.5 . 10.20.5.10 . tcp . 23 : jump allow.mn-office._z1._f2 }",
            ],
            "",
        );
        ns.nft_ok(
            &[
                "delete",
                "element",
                "inet",
                "sanso",
                "routers",
                "{ \"wan0\" }",
            ],
            "",
        );
        ns.nft_ok(
            &["add", "element", "inet", "sanso", "routers", "{ \"wan9\" }"],
            "",
        );
    })
    .expect("the kernel accepted the apply");
    let report = done.readback.expect("read back");
    let wan = |name: &str| {
        let mut bytes = name.as_bytes().to_vec();
        bytes.resize(16, 0);
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let key = |port: u8| format!("0a0a00050a14050a0600000000{port:02x}0000");
    assert_eq!(
        report.problems,
        [
            format!("set routers lacks the element {}", wan("wan0")),
            format!(
                "set routers holds the element {}, which is not sanso's",
                wan("wan9")
            ),
            format!(
                "set fwd4.mn-office._z1 lacks the element {}-{} : jump allow.mn-office._z1._f2",
                key(22),
                key(22)
            ),
            format!(
                "set fwd4.mn-office._z1 holds the element {}-{} : jump allow.mn-office._z1._f2, which is not sanso's",
                key(23),
                key(23)
            ),
        ]
    );
}

#[test]
fn the_identity_is_read_from_the_identity_counter_by_netlink_and_by_nft() {
    if !have_root("the_identity_is_read_from_the_identity_counter_by_netlink_and_by_nft") {
        return;
    }
    let ruleset = text_fixture::ruleset();
    let identity = sanso_nft::text::layout::identity_comment(&ruleset);
    let ns = TestNamespace::new("conform-identity");
    let done = apply_and_check(&ruleset, Some(&ns.name)).expect("apply");
    assert!(done.readback.expect("read back").conforms());
    let live = sanso_nft::readback::live_table(Some(&ns.name)).expect("nft read back");
    assert_eq!(live.comment.as_deref(), Some(identity.as_str()));

    // The counter replaced in one batch, as an incremental apply does: the
    // table comment stays, the identity is the new counter's comment.
    ns.nft_ok(
        &["-f", "-"],
        "delete counter inet sanso identity\n\
         add counter inet sanso identity { comment \"sanso other rev - sha256:0000000000000000\"; }\n",
    );
    let live = sanso_nft::readback::live_table(Some(&ns.name)).expect("nft read back");
    assert_eq!(
        live.comment.as_deref(),
        Some("sanso other rev - sha256:0000000000000000")
    );
    assert!(live.text.contains(&format!(
        "comment \"{}\"",
        sanso_nft::text::layout::TABLE_COMMENT
    )));
    let report = check_applied(&ruleset, Some(&ns.name)).expect("read back");
    assert_eq!(
        report.problems,
        [format!(
            "policy identity is \"sanso other rev - sha256:0000000000000000\", expected {identity:?}"
        )]
    );
}
