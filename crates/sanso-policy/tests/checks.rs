//! One test per error class: each asserts the code, that the message names
//! the culprit, and the line it points at (guardrails: tests/guardrails.rs).

use sanso_policy::{codes, load_policy, Diagnostic, Diagnostics, Subject};

const BASE: &str = include_str!("fixtures/base.toml");

/// The base policy plus one flow; returns the text and the flow header's line.
fn with_flow(flow: &str) -> (String, usize) {
    let text = format!("{BASE}\n[[flows]]\n{flow}\n");
    (text, BASE.lines().count() + 2)
}

fn errors_of(text: &str) -> Diagnostics {
    match load_policy("test.toml", text) {
        Ok(_) => panic!("expected errors, the policy loaded:\n{text}"),
        Err(d) => d,
    }
}

/// The only error of a text, which must have `code`.
fn only_error(text: &str, code: &str) -> Diagnostic {
    let diags = errors_of(text);
    let errors: Vec<&Diagnostic> = diags.errors().collect();
    assert_eq!(
        errors.len(),
        1,
        "expected one error:\n{}",
        diags.render(false)
    );
    assert_eq!(errors[0].code, code, "{}", diags.render(false));
    errors[0].clone()
}

fn line_of(text: &str, needle: &str) -> usize {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in text"));
    text[..offset].lines().count() + usize::from(text[..offset].ends_with('\n'))
}

const FLOW_TAIL: &str = "reason = \"test\"";

// The guardrails have their own file: tests/guardrails.rs.

// ---- error classes ----

#[test]
fn not_toml() {
    let d = only_error("[policy\nname = 1", codes::SYNTAX);
    assert_eq!(d.line, 1);
    assert!(d.message.starts_with("not valid TOML"));
}

#[test]
fn empty_file() {
    assert_eq!(only_error("", codes::EMPTY_FILE).line, 1);
    only_error("# nothing but a comment\n\n", codes::EMPTY_FILE);
}

#[test]
fn unknown_keys_suggest_the_right_one() {
    let text = BASE.replace("interfaces = [\"lg0\"]", "intefaces = [\"lg0\"]");
    let diags = errors_of(&text);
    let d = diags
        .errors()
        .find(|d| d.code == codes::UNKNOWN_KEY)
        .expect("unknown key");
    assert_eq!(d.subject, Some(Subject::Zone("lg".into())));
    assert_eq!(d.line, line_of(&text, "intefaces"));
    assert!(d.notes.iter().any(|n| n.contains("`interfaces`")));
    // And the now missing key is reported too, in the same run.
    assert!(diags.errors().any(|d| d.code == codes::MISSING_KEY
        && d.message.contains("zone \"lg\": missing key `interfaces`")));
    let (text, _) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nexpires = \"2026-01-01\""));
    assert!(only_error(&text, codes::UNKNOWN_KEY)
        .message
        .starts_with("flow \"f\": unknown key `expires`"));
    only_error(&format!("{BASE}\n[extra]\na = 1\n"), codes::UNKNOWN_KEY);
}

#[test]
fn missing_keys() {
    let text = BASE.replace("name = \"test-city\"\n", "");
    let d = only_error(&text, codes::MISSING_KEY);
    assert_eq!(
        (d.line, d.message.as_str()),
        (1, "policy: missing key `name` in [policy]")
    );
    let text = BASE.replace(
        "zone = \"lg\"\naddresses = [\"10.20.9.20\"]",
        "addresses = [\"10.20.9.20\"]",
    );
    let d = only_error(&text, codes::MISSING_KEY);
    assert_eq!(d.subject, Some(Subject::Host("lg-server".into())));
    assert_eq!(d.line, line_of(&text, "[hosts.lg-server]"));
}

#[test]
fn wrong_types() {
    let text = BASE.replace("tier = \"lgwan\"", "tier = 3");
    let d = only_error(&text, codes::WRONG_TYPE);
    assert_eq!(
        d.message,
        "zone \"lg\": `tier` must be a string, found an integer"
    );
    let (text, _) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nlog = \"yes\""));
    assert!(only_error(&text, codes::WRONG_TYPE)
        .message
        .starts_with("flow \"f\": `log` must be true or false"));
    let (text, _) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nlimit = 99999999999999999999999"));
    only_error(&text, codes::WRONG_TYPE);
}

#[test]
fn duplicate_names() {
    // A host named like a zone: one namespace.
    let text = format!("{BASE}\n[hosts.lg]\nzone = \"lg\"\naddresses = [\"10.20.1.1\"]\n");
    let d = only_error(&text, codes::DUPLICATE_NAME);
    assert_eq!(d.subject, Some(Subject::Host("lg".into())));
    assert_eq!(d.line, line_of(&text, "[hosts.lg]"));
    assert_eq!(d.labels.len(), 1);
    // Two flows of one name.
    let flow = format!("name = \"twice\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}");
    let (text, _) = with_flow(&format!("{flow}\n\n[[flows]]\n{flow}"));
    let d = only_error(&text, codes::DUPLICATE_NAME);
    assert!(d.message.starts_with("flow \"twice\""));
    let second = text.rfind("name = \"twice\"").expect("second flow");
    assert_eq!(d.line, text[..second].lines().count() + 1);
    // A zone declared twice is a TOML error.
    let text = format!("{BASE}\n[zones.lg]\ntier = \"lgwan\"\n");
    let diags = errors_of(&text);
    let d = diags.errors().next().expect("an error");
    assert_eq!(
        (d.code, d.message.as_str()),
        (codes::DUPLICATE_NAME, "zone \"lg\": is declared twice")
    );
    assert_eq!(d.line, BASE.lines().count() + 2);
}

#[test]
fn self_is_reserved() {
    let text = format!("{BASE}\n[hosts.self]\nzone = \"lg\"\naddresses = [\"10.20.1.1\"]\n");
    let d = only_error(&text, codes::BAD_NAME);
    assert!(d.message.contains("host \"self\"") && d.message.contains("reserved"));
}

#[test]
fn bad_tier() {
    let d = only_error(
        &BASE.replace("tier = \"lgwan\"", "tier = \"lgwna\""),
        codes::BAD_TIER,
    );
    assert!(d.message.starts_with("zone \"lg\": unknown tier `lgwna`"));
    assert!(d.notes.iter().any(|n| n.contains("`lgwan`")));
}

#[test]
fn bad_cidr() {
    let d = only_error(
        &BASE.replace("\"10.20.0.0/16\"", "\"10.20.0.0/33\""),
        codes::BAD_ADDRESS,
    );
    assert!(d.message.starts_with("zone \"lg\": `10.20.0.0/33` is not"));
    let d = only_error(
        &BASE.replace("\"10.20.5.10\"", "\"10.20.5.300\""),
        codes::BAD_ADDRESS,
    );
    assert_eq!(d.subject, Some(Subject::Host("sanitizer".into())));
}

#[test]
fn host_bits_set_suggests_the_network() {
    let text = BASE.replace("\"10.20.0.0/16\"", "\"10.20.1.0/16\"");
    let d = only_error(&text, codes::HOST_BITS_SET);
    assert_eq!(
        d.message,
        "zone \"lg\": `10.20.1.0/16` has host bits set; the network is 10.20.0.0/16"
    );
    assert_eq!(d.line, line_of(&text, "10.20.1.0/16"));
    assert!(d.notes.iter().any(|n| n.contains("\"10.20.0.0/16\"")));
}

#[test]
fn catch_all_only_in_external_zones() {
    let text = BASE.replace(
        "networks = [\"10.30.0.0/16\", \"fd00:30::/48\"]",
        "networks = [\"10.30.0.0/16\", \"::/0\"]",
    );
    let diags = errors_of(&text);
    let d = diags
        .errors()
        .find(|d| d.code == codes::CATCH_ALL)
        .expect("catch-all");
    assert!(
        d.message
            .starts_with("zone \"inet\": catch-all network ::/0 in a internet zone")
            || d.message
                .starts_with("zone \"inet\": catch-all network ::/0")
    );
}

#[test]
fn internal_zones_may_not_overlap() {
    let text = BASE.replace(
        "networks = [\"10.30.0.0/16\", \"fd00:30::/48\"]",
        "networks = [\"10.20.128.0/17\"]",
    );
    let diags = errors_of(&text);
    let d = diags
        .errors()
        .find(|d| d.code == codes::INTERNAL_OVERLAP)
        .expect("overlap");
    assert!(
        d.message.contains(
            "zone \"inet\": network 10.20.128.0/17 overlaps network 10.20.0.0/16 of zone \"lg\""
        ),
        "{}",
        d.message
    );
    // An external zone nested in nothing internal is fine: the base has 0.0.0.0/0 around everything.
}

#[test]
fn two_zones_with_the_same_network() {
    let text = BASE.replace(
        "networks = [\"0.0.0.0/0\", \"::/0\"]",
        "networks = [\"0.0.0.0/0\", \"10.20.0.0/16\"]",
    );
    let diags = errors_of(&text);
    let d = diags
        .errors()
        .find(|d| d.code == codes::SAME_NETWORK)
        .expect("same network");
    assert!(d
        .message
        .starts_with("zone \"upstream\": network 10.20.0.0/16 is also a network of zone \"lg\""));
}

#[test]
fn interface_in_two_zones() {
    let d = only_error(
        &BASE.replace("interfaces = [\"in0\"]", "interfaces = [\"lg0\"]"),
        codes::SHARED_INTERFACE,
    );
    assert!(d
        .message
        .starts_with("zone \"inet\": interface lg0 already belongs to zone \"lg\""));
}

#[test]
fn interface_names_fit_ifnamsiz() {
    let d = only_error(
        &BASE.replace(
            "interfaces = [\"in0\"]",
            "interfaces = [\"internet-facing0\"]",
        ),
        codes::BAD_INTERFACE,
    );
    assert!(d.message.contains("zone \"inet\"") && d.message.contains("at most 15"));
    only_error(
        &BASE.replace("interfaces = [\"in0\"]", "interfaces = [\"in/0\"]"),
        codes::BAD_INTERFACE,
    );
    only_error(
        &BASE.replace("interfaces = [\"in0\"]", "interfaces = [\"in 0\"]"),
        codes::BAD_INTERFACE,
    );
    // Names Linux allows but nft reinterprets: a wildcard `*` (the kernel
    // then refused the compiled set: "File exists"), a quote, a backslash.
    let text = BASE
        .replace("interfaces = [\"in0\"]", "interfaces = [\"if5*\"]")
        .replace("interfaces = [\"lg0\"]", "interfaces = [\"if55\\\"\"]")
        .replace("interfaces = [\"mn0\"]", "interfaces = [\"mn\\\\0\"]");
    let diags = match load_policy("t.toml", &text) {
        Ok(_) => panic!("accepted interface names nft reinterprets"),
        Err(d) => d,
    };
    let messages: Vec<&str> = diags
        .errors()
        .filter(|d| d.code == codes::BAD_INTERFACE)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 3, "{}", diags.render(false));
    assert!(messages
        .iter()
        .any(|m| m.contains("if5*") && m.contains("wildcard")));
    assert!(messages
        .iter()
        .any(|m| m.contains("if55\"") && m.contains("quote")));
    assert!(messages.iter().any(|m| m.contains("mn\\0")));
}

#[test]
fn zone_without_interfaces_or_networks() {
    let d = only_error(
        &BASE.replace("interfaces = [\"in0\"]", "interfaces = []"),
        codes::EMPTY_LIST,
    );
    assert_eq!(d.message, "zone \"inet\": has no interfaces");
    let d = only_error(
        &BASE.replace("networks = [\"10.10.0.0/16\"]", "networks = []"),
        codes::EMPTY_LIST,
    );
    assert_eq!(d.subject, Some(Subject::Zone("mn".into())));
}

#[test]
fn host_address_must_classify_to_its_zone() {
    let text = BASE.replace("addresses = [\"10.30.1.1\"]", "addresses = [\"10.20.1.1\"]");
    let d = only_error(&text, codes::HOST_OUTSIDE_ZONE);
    assert_eq!(d.message, "host \"inet-proxy\": address 10.20.1.1/32 classifies to zone \"lg\", not to its zone \"inet\"");
    assert_eq!(d.line, line_of(&text, "10.20.1.1"));
    // A host of the external zone inside an internal zone's network: longest prefix wins.
    let d = only_error(
        &BASE.replace("\"198.51.100.10\"", "\"10.30.1.2\""),
        codes::HOST_OUTSIDE_ZONE,
    );
    assert!(d
        .message
        .contains("classifies to zone \"inet\", not to its zone \"upstream\""));
    // A host prefix around another zone's network.
    let d = only_error(
        &BASE.replace("\"198.51.100.10\"", "\"10.0.0.0/8\""),
        codes::HOST_OUTSIDE_ZONE,
    );
    assert!(d.message.contains("part of 10.0.0.0/8"), "{}", d.message);
}

#[test]
fn unknown_zone_of_a_host() {
    let d = only_error(
        &BASE.replace(
            "zone = \"inet\"\naddresses = [\"10.30.1.1\"]",
            "zone = \"int\"\naddresses = [\"10.30.1.1\"]",
        ),
        codes::UNKNOWN_ZONE,
    );
    assert!(d
        .message
        .starts_with("host \"inet-proxy\": unknown zone `int`"));
}

#[test]
fn unknown_names_in_flows() {
    let (text, _) = with_flow(&format!(
        "name = \"f\"\nfrom = [\"lgg\"]\nto = [\"lg-server\"]\nservices = [\"htps\"]\n{FLOW_TAIL}"
    ));
    let diags = errors_of(&text);
    let e: Vec<&Diagnostic> = diags.errors().collect();
    assert_eq!(e.len(), 2, "{}", diags.render(false));
    assert_eq!(e[0].code, codes::UNKNOWN_ENDPOINT);
    assert!(e[0].message.starts_with("flow \"f\": `from` names `lgg`"));
    assert!(e[0].notes.iter().any(|n| n.contains("`lg`")));
    assert_eq!(e[1].code, codes::UNKNOWN_SERVICE);
    assert!(e[1].notes.iter().any(|n| n.contains("`https`")));
}

#[test]
fn bad_service_specs() {
    let svc = |spec: &str| format!("{BASE}\n[services]\nweb = [\"{spec}\"]\n");
    let d = only_error(&svc("tcp:443"), codes::BAD_SERVICE);
    assert!(d.message.starts_with("service \"web\":"));
    only_error(&svc("sctp/9"), codes::BAD_SERVICE);
    only_error(&svc("tcp/0"), codes::BAD_PORT);
    only_error(&svc("tcp/65536"), codes::BAD_PORT);
    only_error(&svc("udp/9000-8000"), codes::BAD_PORT);
    only_error(&svc("tcp/184467440737095516160"), codes::BAD_PORT);
    only_error(&svc("icmp/echo-requests"), codes::BAD_ICMP_TYPE);
    only_error(&svc("icmpv6/256"), codes::BAD_ICMP_TYPE);
    only_error(
        &format!("{BASE}\n[services]\nweb = []\n"),
        codes::EMPTY_LIST,
    );
    // Inline entries in a flow are checked the same way.
    let (text, _) = with_flow(&format!(
        "name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"tcp/0\"]\n{FLOW_TAIL}"
    ));
    assert!(only_error(&text, codes::BAD_PORT)
        .message
        .starts_with("flow \"f\": port 0"));
}

#[test]
fn bad_limit() {
    for limit in ["0/second", "1000001/second", "20/day", "fast"] {
        let (text, line) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nlimit = \"{limit}\""));
        let d = only_error(&text, codes::BAD_LIMIT);
        assert!(d.message.starts_with("flow \"f\": limit"), "{}", d.message);
        assert_eq!(d.line, line + 6);
    }
}

#[test]
fn bad_until() {
    for until in [
        "\"2026-02-30\"",
        "\"31/12/2026\"",
        "\"2026-12-31T10:00:00\"",
        "2026-12-31T10:00:00",
    ] {
        let (text, _) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nuntil = {until}"));
        assert!(only_error(&text, codes::BAD_UNTIL)
            .message
            .starts_with("flow \"f\": until"));
    }
    // A TOML date and an RFC 3339 date-time are accepted.
    for until in ["2026-12-31", "\"2026-12-31T23:59:59+09:00\""] {
        let (text, _) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nuntil = {until}"));
        let p = load_policy("t", &text).expect("loads");
        assert!(p.flows[0]
            .until
            .is_some_and(|t| (1_798_729_199..=1_798_729_200).contains(&t)));
    }
    // Beyond 2100-12-31 (past 2554 the kernel's nanosecond clock overflows,
    // and userspace and kernel would disagree): refused, saying why.
    for until in ["\"2101-01-01\"", "\"2600-01-01\"", "2600-01-01"] {
        let (text, _) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nuntil = {until}"));
        let d = only_error(&text, codes::BAD_UNTIL);
        assert!(d.message.contains("after 2100-12-31"), "{}", d.message);
    }
    let (text, _) = with_flow(&format!("name = \"f\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nuntil = \"2100-12-31\""));
    load_policy("t", &text).expect("the last accepted date loads");
}

#[test]
fn exceptions_need_approver_and_ticket() {
    let (text, line) = with_flow(&format!(
        "name = \"mn-out\"\nfrom = [\"mn-pc\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nexception = {{ approved_by = \"CISO\" }}"
    ));
    let d = only_error(&text, codes::BAD_EXCEPTION);
    assert!(d
        .message
        .starts_with("flow \"mn-out\": exception without `ticket`"));
    assert_eq!(d.line, line + 6);
    let (text, _) = with_flow(&format!(
        "name = \"mn-out\"\nfrom = [\"mn-pc\"]\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}\nexception = {{ approved_by = \" \", ticket = \"T\" }}"
    ));
    assert!(only_error(&text, codes::BAD_EXCEPTION)
        .message
        .contains("`approved_by` is empty"));
}

#[test]
fn self_to_self() {
    let (text, line) = with_flow(&format!(
        "name = \"loop\"\nfrom = [\"self\"]\nto = [\"self\"]\nservices = [\"ssh\"]\n{FLOW_TAIL}"
    ));
    let d = only_error(&text, codes::SELF_TO_SELF);
    assert_eq!(
        (d.line, d.subject),
        (line, Some(Subject::Flow("loop".into())))
    );
}

#[test]
fn empty_from_or_to() {
    let (text, _) = with_flow(&format!(
        "name = \"f\"\nfrom = []\nto = [\"lg-server\"]\nservices = [\"https\"]\n{FLOW_TAIL}"
    ));
    assert!(only_error(&text, codes::EMPTY_LIST)
        .message
        .starts_with("flow \"f\": `from` is empty"));
    let (text, _) = with_flow(&format!(
        "name = \"f\"\nfrom = [\"lg\"]\nservices = [\"https\"]\n{FLOW_TAIL}"
    ));
    assert!(only_error(&text, codes::MISSING_KEY)
        .message
        .starts_with("flow \"f\": missing key `to`"));
}

#[test]
fn all_errors_are_reported_at_once() {
    let text = BASE
        .replace("\"10.20.0.0/16\"", "\"10.20.1.0/16\"")
        .replace("interfaces = [\"in0\"]", "interfaces = [\"mn0\"]")
        .replace("tier = \"mynumber\"", "tier = \"my-number\"");
    let diags = errors_of(&text);
    let found: Vec<&str> = diags.errors().map(|d| d.code).collect();
    for code in [
        codes::HOST_BITS_SET,
        codes::SHARED_INTERFACE,
        codes::BAD_TIER,
    ] {
        assert!(found.contains(&code), "{code} missing from {found:?}");
    }
    // Sorted top-down.
    let lines: Vec<usize> = diags.items.iter().map(|d| d.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn rendering_names_file_line_and_code() {
    let text = BASE.replace("\"10.20.0.0/16\"", "\"10.20.1.0/16\"");
    let diags = errors_of(&text);
    let rendered = diags.render(false);
    let line = line_of(&text, "10.20.1.0/16");
    assert!(
        rendered.starts_with("error[E021]: zone \"lg\": `10.20.1.0/16` has host bits set"),
        "{rendered}"
    );
    assert!(
        rendered.contains(&format!("test.toml:{line}:")),
        "{rendered}"
    );
    assert!(diags.to_string() == rendered);
    assert!(diags.render(true).contains("\u{1b}["));
}

#[test]
fn a_section_or_entry_that_is_not_a_table_names_what_it_should_be() {
    // A zone as a number; `hosts` as a string and a flow as a string (the
    // base's zones only, so that `hosts` is not also a table): each is
    // reported with what it should be and what it is, at its line.
    let text = BASE.replacen("[zones.mn]\n", "[zones]\nextra = 7\n\n[zones.mn]\n", 1);
    let d = only_error(&text, codes::WRONG_TYPE);
    assert_eq!(
        d.message,
        "zone \"extra\": a zone must be a table, found an integer"
    );
    assert_eq!(d.line, line_of(&text, "extra = 7"));

    let zones = &BASE[..BASE.find("[hosts").expect("the base declares hosts")];
    let text = format!("hosts = \"none\"\nflows = [\"not a table\"]\n\n{zones}");
    let diags = errors_of(&text);
    let wrong: Vec<(&str, usize)> = diags
        .errors()
        .filter(|d| d.code == codes::WRONG_TYPE)
        .map(|d| (d.message.as_str(), d.line))
        .collect();
    assert_eq!(
        wrong,
        vec![
            (
                "policy: `hosts` must be a table of hosts, found a string",
                1
            ),
            ("policy: flow #1 must be a table, found a string", 2),
        ],
        "{}",
        diags.render(false)
    );
}
