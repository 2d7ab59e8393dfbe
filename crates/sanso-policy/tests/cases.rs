//! Packet-path cases: resolution of host names, protocols and ports, and the
//! errors that name the case at fault.

use std::net::IpAddr;

use sanso_policy::{
    codes, load_cases, load_policy, CaseProto, CaseTarget, Diagnostics, Expect, Policy, Subject,
};

const BASE: &str = include_str!("fixtures/base.toml");

fn policy() -> Policy {
    let extra = "\n[hosts.v6-only]\nzone = \"inet\"\naddresses = [\"fd00:30:0:1::7\"]\n\n[hosts.p2p]\nzone = \"inet\"\naddresses = [\"10.30.9.0/31\"]\n";
    load_policy("base.toml", &format!("{BASE}{extra}"))
        .unwrap_or_else(|d| panic!("{}", d.render(false)))
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

fn case(body: &str) -> String {
    format!("[[cases]]\nname = \"c\"\n{body}\n")
}

fn errors_of(text: &str) -> Diagnostics {
    load_cases("cases.toml", text, &policy()).expect_err("expected errors")
}

fn only_error(text: &str, code: &str) -> sanso_policy::Diagnostic {
    let diags = errors_of(text);
    let errors: Vec<_> = diags.errors().cloned().collect();
    assert_eq!(errors.len(), 1, "{}", diags.render(false));
    assert_eq!(errors[0].code, code, "{}", diags.render(false));
    assert_eq!(errors[0].subject, Some(Subject::Case("c".into())));
    errors[0].clone()
}

#[test]
fn host_names_stand_for_their_first_ipv4_or_first_usable_address() {
    let text = [
        case("from = \"lg-server\"\nto = \"inet-farm\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\""),
        "[[cases]]\nname = \"v6\"\nfrom = \"v6-only\"\nto = \"fd00:30::1\"\nproto = \"icmpv6\"\nport = \"echo-request\"\nexpect = \"accept\"\n".into(),
        "[[cases]]\nname = \"p2p\"\nfrom = \"p2p\"\nto = \"self\"\nproto = \"icmp\"\nport = 8\nexpect = \"accept\"\niif = \"lg0\"\n".into(),
    ]
    .join("\n");
    let cases = load_cases("cases.toml", &text, &policy())
        .unwrap_or_else(|d| panic!("{}", d.render(false)));
    assert_eq!(cases[0].from, ip("10.20.9.20"));
    assert_eq!(cases[0].from_host.as_deref(), Some("lg-server"));
    // inet-farm lists fd00:30::/64 first, but a host name stands for its first IPv4: 10.30.8.0/24 -> .1
    assert_eq!(
        cases[0].to,
        CaseTarget::Addr(ip("10.30.8.1"), Some("inet-farm".into()))
    );
    assert_eq!(
        (cases[0].proto, cases[0].port, cases[0].expect),
        (CaseProto::Tcp, 443, Expect::Drop)
    );
    assert_eq!(cases[0].location.line, 1);
    // No IPv4: first address; for a /64 prefix, network + 1.
    assert_eq!(cases[1].from, ip("fd00:30:0:1::7"));
    assert_eq!(cases[1].to, CaseTarget::Addr(ip("fd00:30::1"), None));
    assert_eq!((cases[1].proto, cases[1].port), (CaseProto::Icmpv6, 128));
    // A /31 has no network/broadcast pair: its first address is usable.
    assert_eq!(cases[2].from, ip("10.30.9.0"));
    assert_eq!(cases[2].to, CaseTarget::Gateway);
    assert_eq!(cases[2].iif.as_deref(), Some("lg0"));
    assert_eq!(cases[2].port, 8);
}

#[test]
fn unknown_host_names_the_case() {
    let d = only_error(&case("from = \"lg-srever\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\""), codes::UNKNOWN_HOST);
    assert_eq!(
        d.message,
        "case \"c\": `from` names unknown host `lg-srever`"
    );
    assert_eq!(d.line, 3);
    assert!(d.notes.iter().any(|n| n.contains("`lg-server`")));
}

#[test]
fn a_host_name_is_its_first_ipv4_even_towards_ipv6() {
    // The contract: a host name stands for its first IPv4 address.
    let d = only_error(&case("from = \"v6-only\"\nto = \"inet-farm\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\""), codes::FAMILY_MISMATCH);
    assert!(d.message.contains("10.30.8.1"), "{}", d.message);
    assert!(
        d.notes.iter().any(|n| n.contains("first IPv4")),
        "{:?}",
        d.notes
    );
}

#[test]
fn families_must_match() {
    let d = only_error(&case("from = \"10.20.1.1\"\nto = \"fd00:30::5\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\""), codes::FAMILY_MISMATCH);
    assert_eq!(d.line, 4);
}

#[test]
fn icmp_is_v4_and_icmpv6_is_v6() {
    only_error(&case("from = \"fd00:30::9\"\nto = \"fd00:30::5\"\nproto = \"icmp\"\nport = \"echo-request\"\nexpect = \"drop\""), codes::BAD_PROTO);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"icmpv6\"\nport = \"echo-request\"\nexpect = \"drop\""), codes::BAD_PROTO);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"sctp\"\nport = 1\nexpect = \"drop\""), codes::BAD_PROTO);
}

#[test]
fn ports_and_icmp_types() {
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 0\nexpect = \"drop\""), codes::BAD_PORT);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"udp\"\nport = 99999999999999999999999\nexpect = \"drop\""), codes::BAD_PORT);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = \"https\"\nexpect = \"drop\""), codes::WRONG_TYPE);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"icmp\"\nport = \"ping\"\nexpect = \"drop\""), codes::BAD_ICMP_TYPE);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"icmp\"\nport = 256\nexpect = \"drop\""), codes::BAD_ICMP_TYPE);
    only_error(
        &case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nexpect = \"drop\""),
        codes::MISSING_KEY,
    );
}

#[test]
fn iif_must_be_a_zone_interface() {
    let d = only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 1\nexpect = \"drop\"\niif = \"lg1\""), codes::UNKNOWN_INTERFACE);
    assert!(d.notes.iter().any(|n| n.contains("`lg0`")));
}

#[test]
fn a_source_outside_every_zone_needs_an_iif() {
    let text = BASE.replace(
        "networks = [\"0.0.0.0/0\", \"::/0\"]",
        "networks = [\"198.51.100.0/24\"]",
    );
    let p = load_policy("p.toml", &text).unwrap_or_else(|d| panic!("{}", d.render(false)));
    let c = case(
        "from = \"192.0.2.1\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 1\nexpect = \"drop\"",
    );
    let d = load_cases("cases.toml", &c, &p).expect_err("no zone");
    assert_eq!(d.items[0].code, codes::NO_SOURCE_ZONE);
    let with_iif = format!("{c}iif = \"wan0\"\n");
    assert!(load_cases("cases.toml", &with_iif, &p).is_ok());
}

#[test]
fn other_case_errors() {
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 1\nexpect = \"allow\""), codes::WRONG_TYPE);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 1\nexpect = \"drop\"\nverdict = 1"), codes::UNKNOWN_KEY);
    only_error(&case("from = \"10.20.1.1\"\nto = \"10.30.1.999\"\nproto = \"tcp\"\nport = 1\nexpect = \"drop\""), codes::BAD_ADDRESS);
    let twice = format!(
        "{}\n{}",
        case("from = \"10.20.1.1\"\nto = \"self\"\nproto = \"tcp\"\nport = 22\nexpect = \"drop\""),
        case("from = \"10.20.1.1\"\nto = \"self\"\nproto = \"tcp\"\nport = 23\nexpect = \"drop\"")
    );
    let d = only_error(&twice, codes::DUPLICATE_NAME);
    assert_eq!(d.line, 10, "the second case's name");
    let d = load_cases("cases.toml", "[case]\nname = 1\n", &policy()).expect_err("typo");
    assert!(d
        .errors()
        .any(|d| d.code == codes::UNKNOWN_KEY && d.notes.iter().any(|n| n.contains("`cases`"))));
    assert_eq!(
        load_cases("cases.toml", "  \n", &policy())
            .expect_err("empty")
            .items[0]
            .code,
        codes::EMPTY_FILE
    );
}

#[test]
fn at_sends_the_packet_at_a_given_time() {
    let base =
        "from = \"10.20.9.20\"\nto = \"10.30.8.1\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\"";
    let text = [
        case(&format!("{base}\nat = \"2027-04-01\"")),
        format!("[[cases]]\nname = \"offset\"\n{base}\nat = \"2027-03-31T23:59:00+09:00\"\n"),
        format!("[[cases]]\nname = \"now\"\n{base}\n"),
    ]
    .join("\n");
    let cases = load_cases("cases.toml", &text, &policy())
        .unwrap_or_else(|d| panic!("{}", d.render(false)));
    // The start of 2027-04-01 in JST, and one minute before it.
    assert_eq!(cases[0].at, Some(1_806_505_200));
    assert_eq!(cases[1].at, Some(1_806_505_200 - 60));
    assert_eq!(cases[2].at, None);
}

#[test]
fn a_bad_at_is_an_error_naming_the_case() {
    let base =
        "from = \"10.20.9.20\"\nto = \"10.30.8.1\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\"";
    let error = only_error(
        &case(&format!("{base}\nat = \"next tuesday\"")),
        codes::BAD_UNTIL,
    );
    assert!(error.message.contains("next tuesday"), "{}", error.message);
    let error = only_error(&case(&format!("{base}\nat = 5")), codes::WRONG_TYPE);
    assert!(error.message.contains("`at`"), "{}", error.message);
}

#[test]
fn client_cases_are_tcp_or_udp() {
    let text = case("from = \"10.20.1.5\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 443\nexpect = \"accept\"\nclient = true");
    let cases = load_cases("cases.toml", &text, &policy()).expect("a tcp client case loads");
    assert!(cases[0].client);
    let text = case(
        "from = \"10.20.1.5\"\nto = \"10.30.1.1\"\nproto = \"udp\"\nport = 53\nexpect = \"accept\"",
    );
    let cases = load_cases("cases.toml", &text, &policy()).expect("loads");
    assert!(!cases[0].client, "client defaults to false");
    let d = only_error(
        &case("from = \"10.20.1.5\"\nto = \"10.30.1.1\"\nproto = \"icmp\"\nport = \"echo-request\"\nexpect = \"accept\"\nclient = true"),
        codes::BAD_PROTO,
    );
    assert!(d.message.contains("tcp or udp"), "{}", d.message);
    only_error(
        &case("from = \"10.20.1.5\"\nto = \"10.30.1.1\"\nproto = \"tcp\"\nport = 443\nexpect = \"accept\"\nclient = \"yes\""),
        codes::WRONG_TYPE,
    );
}
