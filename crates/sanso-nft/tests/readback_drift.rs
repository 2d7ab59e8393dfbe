//! Read-back and drift against the kernel, in throwaway network namespaces
//! (root only): an untouched table shows no drift; a rule added by hand, an
//! element removed, a missing table and a foreign base chain are all named.

mod text_fixture;

use sanso_nft::readback::{diff, expected_table, live_table, TablePresence};
use sanso_nft::text::render;
use text_fixture::{have_root, TestNamespace};

#[test]
fn untouched_table_has_no_drift() {
    if !have_root("untouched_table_has_no_drift") {
        return;
    }
    let text = render(&text_fixture::ruleset());
    let expected = expected_table(&text).expect("expected table");
    assert_eq!(expected.presence, TablePresence::Present);
    assert!(
        expected.sets["fwd4._z1.upstream"].elements.len() == 2,
        "{:?}",
        expected.sets["fwd4._z1.upstream"]
    );
    assert_eq!(
        expected.chains["allow._z1.upstream._gbf634593a7bbcb60"]
            .comment
            .as_deref(),
        Some("lg-web, lg-web-admin")
    );

    let ns = TestNamespace::new("readback");
    ns.nft_ok(&["-f", "/dev/stdin"], &text);
    let live = live_table(Some(&ns.name)).expect("live table");
    let d = diff(&expected, &live);
    assert!(d.is_empty(), "{d}\n{}", d.text_diff);
    assert!(d.text_diff.is_empty());
    assert!(d.warnings.is_empty());
    assert!(d.to_string().starts_with("no drift"));
}

#[test]
fn hand_edits_are_named() {
    if !have_root("hand_edits_are_named") {
        return;
    }
    let text = render(&text_fixture::ruleset());
    let expected = expected_table(&text).expect("expected table");
    let ns = TestNamespace::new("drift");
    ns.nft_ok(&["-f", "/dev/stdin"], &text);
    let edits = "add rule inet sanso forward tcp dport 22 accept\n\
                 delete element inet sanso in4 { 10.20.0.0/16 . udp . 53 }\n\
                 add table ip foreign\n\
                 add chain ip foreign guard { type filter hook forward priority -10; policy accept; }\n";
    ns.nft_ok(&["-f", "/dev/stdin"], edits);
    let live = live_table(Some(&ns.name)).expect("live table");
    let d = diff(&expected, &live);
    let lines: Vec<String> = d.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "element removed from map in4: 10.20.0.0/16 . udp . 53 : jump allow._z1.self.dns-to-gw",
            "rule added in chain forward: tcp dport 22 accept",
        ],
        "{d}"
    );
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert!(
        d.warnings[0].contains("ip foreign guard on hook forward"),
        "{}",
        d.warnings[0]
    );
    assert!(
        d.text_diff.contains("+\t\ttcp dport 22 accept"),
        "{}",
        d.text_diff
    );
}

#[test]
fn missing_table_is_drift() {
    if !have_root("missing_table_is_drift") {
        return;
    }
    let expected = expected_table(&render(&text_fixture::empty())).expect("expected table");
    let ns = TestNamespace::new("absent");
    let live = live_table(Some(&ns.name)).expect("live table");
    assert_eq!(live.presence, TablePresence::Absent);
    let d = diff(&expected, &live);
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].to_string(), "table removed: inet sanso");
}
