//! Rendered diagnostics (no color) of files with several mistakes each, as
//! insta snapshots: the exact text an admin sees from `sanso check`.

use sanso_policy::{load_cases, load_policy};

/// Snapshots live beside this file whatever insta thinks the workspace root
/// is (it guesses wrong while another workspace member is half-written).
macro_rules! assert_snapshot {
    ($value:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"));
        settings.set_prepend_module_to_snapshot(true);
        settings.bind(|| insta::assert_snapshot!($value));
    }};
}

fn render_policy(name: &str, text: &str) -> String {
    match load_policy(name, text) {
        Ok(_) => panic!("{name} should not load"),
        Err(d) => d.render(false),
    }
}

#[test]
fn zones_and_hosts() {
    let text = include_str!("fixtures/errors-zones-hosts.toml");
    assert_snapshot!(render_policy("errors-zones-hosts.toml", text));
}

#[test]
fn flows_and_guardrails() {
    let text = include_str!("fixtures/errors-flows.toml");
    assert_snapshot!(render_policy("errors-flows.toml", text));
}

#[test]
fn cases() {
    let policy = load_policy(
        "contract-policy.toml",
        include_str!("fixtures/contract-policy.toml"),
    )
    .expect("contract example loads");
    let text = include_str!("fixtures/errors-cases.toml");
    let rendered = match load_cases("errors-cases.toml", text, &policy) {
        Ok(_) => panic!("cases should not load"),
        Err(d) => d.render(false),
    };
    assert_snapshot!(rendered);
}

#[test]
fn not_toml() {
    assert_snapshot!(render_policy(
        "garbage.toml",
        "[policy]\nname = \"x\nzones = [\n[[flows]\n"
    ));
}

/// 全角 look-alikes of ASCII and names in the wrong case (issue 15, item 3).
#[test]
fn japanese() {
    let text = include_str!("fixtures/errors-japanese.toml");
    assert_snapshot!(render_policy("errors-japanese.toml", text));
}

#[test]
fn japanese_cases() {
    let policy = load_policy(
        "contract-policy.toml",
        include_str!("fixtures/contract-policy.toml"),
    )
    .expect("contract example loads");
    let text = include_str!("fixtures/errors-japanese-cases.toml");
    let rendered = match load_cases("errors-japanese-cases.toml", text, &policy) {
        Ok(_) => panic!("cases should not load"),
        Err(d) => d.render(false),
    };
    assert_snapshot!(rendered);
}

/// 全角 characters in the TOML itself, in a file that starts with a UTF-8
/// byte order mark (not shown, not a column).
#[test]
fn japanese_not_toml() {
    assert_snapshot!(render_policy(
        "bom.toml",
        "\u{feff}[policy]\nname\u{3000}= \"x\"\n［zones.lg］\n"
    ));
}
