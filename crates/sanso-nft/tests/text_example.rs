//! Acceptance (issue 2): the example policy `config/policy.toml` compiles and
//! its text passes `nft -c -f` and loads in a throwaway network namespace.

mod text_fixture;

use sanso_nft::text::render;
use text_fixture::{have_root, TestNamespace};

/// 2026-11-30T00:00:00Z: a fixed compile time keeps the test independent of the clock.
const COMPILED_AT: i64 = 1_796_083_200;

fn example_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/policy.toml");
    let source = std::fs::read_to_string(path).expect("config/policy.toml exists");
    let policy = sanso_policy::load_policy("config/policy.toml", &source)
        .expect("the example policy is valid");
    let ruleset = sanso_ir::lower(&policy, COMPILED_AT);
    assert!(!ruleset.flows.is_empty(), "the example has flows");
    render(&ruleset)
}

#[test]
fn example_policy_renders_deterministically() {
    assert_eq!(example_text(), example_text());
}

#[test]
fn example_policy_checks_and_loads() {
    if !have_root("example_policy_checks_and_loads") {
        return;
    }
    let text = example_text();
    let ns = TestNamespace::new("textexample");
    ns.nft_ok(&["-c", "-f", "/dev/stdin"], &text);
    ns.nft_ok(&["-f", "/dev/stdin"], &text);
    let listing = ns.nft_ok(&["list", "table", "inet", "sanso"], "");
    assert!(listing.contains("chain forward {"), "{listing}");
    assert!(
        listing.contains("comment \"sanso example-city rev 2026-11-30.1 sha256:"),
        "{listing}"
    );
}
