//! The guardrails of contract v2 (`policy-format.md`, "Guardrails"), rule by
//! rule and in both directions: a refused policy (the code, the flow named
//! first, both ends with their effective tier, the seed clause, the fix, the
//! flow's line) and a satisfied one (what satisfies it, as recorded in
//! `Flow::crossings`); for the rules an exception waives, the refused policy
//! plus an exception; for those it never waives, the refusal stands.

use sanso_policy::{
    codes, load_policy_at, load_policy_with_warnings, Control, Diagnostic, Diagnostics, Flow,
    Guardrail, Policy, Severity, Subject,
};

const TIERS: &str = include_str!("fixtures/tiers.toml");
const EXCEPTION: &str = "exception = { approved_by = \"CISO\", ticket = \"SEC-1\" }";

/// The fixture plus one flow; the text and the flow header's line.
fn flow(name: &str, from: &str, to: &str, services: &str, extra: &str) -> (String, usize) {
    let text = format!(
        "{TIERS}\n[[flows]]\nname = \"{name}\"\nfrom = [{from}]\nto = [{to}]\nservices = [{services}]\nreason = \"test\"\n{extra}\n"
    );
    (text, TIERS.lines().count() + 2)
}

fn errors(text: &str) -> Diagnostics {
    match load_policy_with_warnings("test.toml", text) {
        Ok(_) => panic!("expected a refusal, the policy loaded:\n{text}"),
        Err(d) => d,
    }
}

fn accepted(text: &str) -> (Policy, Diagnostics) {
    match load_policy_with_warnings("test.toml", text) {
        Ok(l) => (l.value, l.warnings),
        Err(d) => panic!("expected the policy to load:\n{}", d.render(false)),
    }
}

/// The policy is refused with an error of `code` about flow `name`, at the
/// flow's line, naming the flow first and carrying the seed clause and a fix.
fn refused(text: &str, line: usize, code: &str, name: &str) -> Diagnostic {
    let diags = errors(text);
    let found = diags
        .errors()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code}:\n{}", diags.render(false)))
        .clone();
    assert_eq!(found.subject, Some(Subject::Flow(name.into())));
    assert!(
        found.message.starts_with(&format!("flow \"{name}\": ")),
        "{}",
        found.message
    );
    assert_eq!(found.line, line, "{}", diags.render(false));
    if code != codes::G8 && code != codes::G9 {
        assert!(
            found.message.contains(&format!("guardrail {}", &code[1..])),
            "names the rule: {}",
            found.message
        );
        assert!(
            found.notes.iter().any(|n| n.contains("第5-3")),
            "names the seed clause: {:?}",
            found.notes
        );
    }
    assert!(
        found.notes.iter().any(|n| n.starts_with("fix: ")),
        "says the fix: {:?}",
        found.notes
    );
    found
}

fn fix(d: &Diagnostic) -> &str {
    d.notes
        .iter()
        .find(|n| n.starts_with("fix: "))
        .map_or("", String::as_str)
}

fn the_flow<'p>(policy: &'p Policy, name: &str) -> &'p Flow {
    policy
        .flows
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no flow {name}"))
}

/// The guardrails and controls recorded for a loaded flow.
fn crossings(policy: &Policy, name: &str) -> Vec<(u8, Control)> {
    the_flow(policy, name)
        .crossings
        .iter()
        .map(|c| (c.guardrail.0, c.control.clone()))
        .collect()
}

fn host(policy: &Policy, name: &str) -> sanso_policy::HostId {
    policy.host_by_name(name).expect("host")
}

// ---- 1: mynumber <-> lgwan, the LGWAN backbone, a closed line, self ----

#[test]
fn g1_needs_an_exception_both_ways_and_towards_every_non_internet_end() {
    for (from, to) in [
        ("\"mn-pc\"", "\"lg-server\""),
        ("\"lg-server\"", "\"mn-pc\""),
        ("\"mn-pc\"", "\"bb-mail\""),
        ("\"bb-mail\"", "\"mn-pc\""),
        ("\"mn-pc\"", "\"chukan\""),
        ("\"chukan\"", "\"mn-pc\""),
        ("\"mn-pc\"", "\"self\""),
        ("\"self\"", "\"mn-pc\""),
    ] {
        let (text, line) = flow("mn-link", from, to, "\"https\"", "");
        let d = refused(&text, line, codes::G1, "mn-link");
        assert!(
            d.message.contains("host \"mn-pc\" (zone \"mn\", mynumber)"),
            "{}",
            d.message
        );
        assert!(fix(&d).contains("exception"), "{}", fix(&d));
        let (text, _) = flow("mn-link", from, to, "\"https\"", EXCEPTION);
        let (policy, _) = accepted(&text);
        assert_eq!(crossings(&policy, "mn-link"), vec![(1, Control::Exception)]);
        assert!(the_flow(&policy, "mn-link").has_waiving_exception());
    }
}

#[test]
fn g1_an_exception_still_needs_named_hosts_at_both_ends() {
    // A whole zone, a host that holds its whole zone, a prefix wider than /24.
    for (end, why) in [
        ("\"mn\"", "zone \"mn\""),
        ("\"mn-all\"", "holds every address of its zone"),
        ("\"mn-farm\"", "wider than /24"),
    ] {
        let (text, line) = flow("mn-wide", end, "\"chukan\"", "\"https\"", EXCEPTION);
        let d = refused(&text, line, codes::G1, "mn-wide");
        assert!(d.message.contains("named hosts"), "{}", d.message);
        assert!(fix(&d).contains(why), "{why}: {}", fix(&d));
        let (text, line) = flow("mn-wide", "\"lg-server\"", end, "\"https\"", EXCEPTION);
        refused(&text, line, codes::G1, "mn-wide");
    }
    // Within the mynumber tier, zones are free to talk.
    let (text, _) = flow("mn-inside", "\"mn\"", "\"mn-all\"", "\"https\"", "");
    let (policy, warnings) = accepted(&text);
    assert!(crossings(&policy, "mn-inside").is_empty());
    assert!(warnings.is_empty(), "{}", warnings.render(false));
}

// ---- 2: mynumber <-> the internet tier or the Internet ----

#[test]
fn g2_is_refused_exception_or_not_both_ways() {
    for (from, to, other) in [
        ("\"mn-pc\"", "\"inet-relay\"", "internet tier"),
        ("\"inet-relay\"", "\"mn-pc\"", "internet tier"),
        ("\"mn-pc\"", "\"cloud\"", "the Internet"),
        ("\"cloud\"", "\"mn-pc\"", "the Internet"),
        ("\"mn\"", "\"upstream\"", "the Internet"),
        ("\"mn-pc\"", "\"inet-sanitizer\"", "internet tier"),
    ] {
        for extra in ["", EXCEPTION] {
            let (text, line) = flow("mn-out", from, to, "\"https\"", extra);
            let d = refused(&text, line, codes::G2, "mn-out");
            assert!(d.message.contains(other), "{}", d.message);
            assert!(d.message.contains("exception or not"), "{}", d.message);
            assert!(fix(&d).contains("nothing can"), "{}", fix(&d));
        }
    }
}

// ---- 3: lgwan (or the backbone) <-> the internet tier ----

#[test]
fn g3_a_zone_to_zone_crossing_is_refused_and_an_exception_waives_it() {
    for (from, to) in [
        ("\"lg\"", "\"inet\""),
        ("\"inet\"", "\"lg\""),
        ("\"bb-mail\"", "\"inet-relay\""),
    ] {
        let (text, line) = flow("lg-inet", from, to, "\"https\"", "");
        let d = refused(&text, line, codes::G3, "lg-inet");
        assert!(fix(&d).contains("sanitizer"), "{}", fix(&d));
        let (text, _) = flow("lg-inet", from, to, "\"https\"", EXCEPTION);
        let (policy, _) = accepted(&text);
        assert_eq!(crossings(&policy, "lg-inet"), vec![(3, Control::Exception)]);
    }
}

#[test]
fn g3_a_sanitizer_carries_its_services_in_either_direction() {
    for (from, to, sanitizer) in [
        (
            "\"inet-relay\"",
            "\"lg-mail-sanitizer\"",
            "lg-mail-sanitizer",
        ),
        (
            "\"lg-mail-sanitizer\"",
            "\"inet-relay\"",
            "lg-mail-sanitizer",
        ),
        ("\"lg\"", "\"inet-sanitizer\"", "inet-sanitizer"),
        ("\"inet-sanitizer\"", "\"lg-server\"", "inet-sanitizer"),
        ("\"bb-mail\"", "\"inet-sanitizer\"", "inet-sanitizer"),
    ] {
        let (text, _) = flow("mail", from, to, "\"smtp\"", "");
        let (policy, warnings) = accepted(&text);
        assert_eq!(
            crossings(&policy, "mail"),
            vec![(
                3,
                Control::RoleHost {
                    host: host(&policy, sanitizer),
                    role: "sanitizer".into()
                }
            )]
        );
        assert!(warnings.is_empty(), "{}", warnings.render(false));
    }
    // The same sanitizer for a service it does not serve: the fix names the
    // service and the host's `serves`.
    let (text, line) = flow(
        "smb",
        "\"lg-mail-sanitizer\"",
        "\"inet-relay\"",
        "\"smtp\", \"smb\"",
        "",
    );
    let d = refused(&text, line, codes::G3, "smb");
    assert!(
        fix(&d).contains("\"smb\"")
            && fix(&d).contains("serves")
            && fix(&d).contains("lg-mail-sanitizer"),
        "{}",
        fix(&d)
    );
    // A served range covers a narrower inline entry, not a wider one.
    let (text, _) = flow(
        "x",
        "\"lg-server\"",
        "\"inet-sanitizer\"",
        "\"tcp/8443\", \"tcp/25\"",
        "",
    );
    accepted(&text);
    let (text, line) = flow(
        "x",
        "\"lg-server\"",
        "\"inet-sanitizer\"",
        "\"tcp/8443-8444\"",
        "",
    );
    refused(&text, line, codes::G3, "x");
}

#[test]
fn g3_a_screen_transfer_host_is_only_a_destination_reached_from_the_lgwan_side() {
    let (text, _) = flow("vb", "\"lg\"", "\"inet-vbrowser\"", "\"https\"", "");
    let (policy, _) = accepted(&text);
    assert_eq!(
        crossings(&policy, "vb"),
        vec![(
            3,
            Control::RoleHost {
                host: host(&policy, "inet-vbrowser"),
                role: "screen-transfer".into()
            }
        )]
    );
    // It never opens connections into lgwan.
    let (text, line) = flow(
        "vb-back",
        "\"inet-vbrowser\"",
        "\"lg-server\"",
        "\"https\"",
        "",
    );
    let d = refused(&text, line, codes::G3, "vb-back");
    assert!(fix(&d).contains("only a destination"), "{}", fix(&d));
    // A screen-transfer host in lgwan is not reached from the internet side.
    let (text, line) = flow(
        "vb-in",
        "\"inet-relay\"",
        "\"lg-vbrowser\"",
        "\"https\"",
        "",
    );
    refused(&text, line, codes::G3, "vb-in");
    // smb and ssh are not what it serves.
    let (text, line) = flow(
        "vb-smb",
        "\"lg\"",
        "\"inet-vbrowser\"",
        "\"smb\", \"ssh\"",
        "",
    );
    let d = refused(&text, line, codes::G3, "vb-smb");
    assert!(fix(&d).contains("\"smb\", \"ssh\""), "{}", fix(&d));
}

#[test]
fn g3_a_role_host_without_serves_or_not_named_waives_nothing() {
    let text = TIERS.replace(
        "roles = [\"sanitizer\"]\nserves = [\"smtp\"]\n",
        "roles = [\"sanitizer\"]\n",
    );
    let text = format!("{text}\n[[flows]]\nname = \"m\"\nfrom = [\"inet-relay\"]\nto = [\"lg-mail-sanitizer\"]\nservices = [\"smtp\"]\nreason = \"t\"\n");
    let diags = errors(&text);
    assert!(
        diags.errors().any(|d| d.code == codes::G3),
        "{}",
        diags.render(false)
    );
    assert!(
        diags
            .warnings()
            .any(|d| d.code == codes::ROLE_WITHOUT_SERVES
                && d.subject == Some(Subject::Host("lg-mail-sanitizer".into()))),
        "{}",
        diags.render(false)
    );
    // A "sanitizer" that is a /16 is not a named host.
    let text = TIERS.replace(
        "addresses = [\"10.30.5.10\"]",
        "addresses = [\"10.30.0.0/16\"]",
    );
    let text = format!("{text}\n[[flows]]\nname = \"m\"\nfrom = [\"lg-server\"]\nto = [\"inet-sanitizer\"]\nservices = [\"smtp\"]\nreason = \"t\"\n");
    let d = errors(&text)
        .errors()
        .find(|d| d.code == codes::G3)
        .cloned()
        .expect("G3");
    assert!(
        fix(&d).contains("holds every address of its zone"),
        "{}",
        fix(&d)
    );
}

// ---- 4: lgwan (or the backbone) <-> the Internet ----

#[test]
fn g4_is_refused_exception_or_not_both_ways() {
    for (from, to) in [
        ("\"lg-server\"", "\"cloud\""),
        ("\"cloud\"", "\"lg-server\""),
        ("\"lg\"", "\"upstream\""),
        ("\"lg-mail-sanitizer\"", "\"vendor\""),
    ] {
        for extra in ["", EXCEPTION] {
            let (text, line) = flow("lg-net", from, to, "\"smtp\"", extra);
            let d = refused(&text, line, codes::G4, "lg-net");
            assert!(d.message.contains("the Internet"), "{}", d.message);
            assert!(fix(&d).contains("nothing can"), "{}", fix(&d));
        }
    }
}

#[test]
fn an_external_zone_without_beyond_counts_as_the_internet_and_is_warned_about() {
    let text = TIERS.replace("beyond = \"lgwan\"\n", "");
    let (policy, warnings) = accepted(&text);
    let w: Vec<&Diagnostic> = warnings
        .warnings()
        .filter(|d| d.code == codes::NO_BEYOND)
        .collect();
    assert_eq!(w.len(), 1, "{}", warnings.render(false));
    assert_eq!(w[0].subject, Some(Subject::Zone("backbone".into())));
    for word in ["\"internet\"", "\"lgwan\"", "\"closed\""] {
        assert!(
            w[0].notes.iter().any(|n| n.contains(word)),
            "{:?}",
            w[0].notes
        );
    }
    assert_eq!(
        policy.standing(sanso_policy::Endpoint::Zone(
            policy.zone_by_name("backbone").expect("zone")
        )),
        sanso_policy::Standing::TheInternet
    );
    let text = format!("{text}\n[[flows]]\nname = \"lg-bb\"\nfrom = [\"lg\"]\nto = [\"bb-mail\"]\nservices = [\"smtp\"]\nreason = \"t\"\n");
    let d = errors(&text)
        .errors()
        .find(|d| d.code == codes::G4)
        .cloned()
        .expect("G4");
    assert!(
        d.message
            .contains("zone \"backbone\", external, beyond not given: counted as the Internet"),
        "{}",
        d.message
    );
}

// ---- 5: the internet tier <-> the Internet ----

#[test]
fn g5_only_through_security_cloud_hosts_or_an_exception() {
    for (from, to) in [
        ("\"inet\"", "\"upstream\""),
        ("\"inet-relay\"", "\"vendor\""),
        ("\"upstream\"", "\"inet\""),
        ("\"vendor\"", "\"inet-relay\""),
        // A "security cloud" that holds its whole zone is the zone in disguise.
        ("\"inet-relay\"", "\"pref-all\""),
    ] {
        let (text, line) = flow("egress", from, to, "\"https\"", "");
        let d = refused(&text, line, codes::G5, "egress");
        assert!(
            fix(&d).contains("\"cloud\""),
            "names a security-cloud host: {}",
            fix(&d)
        );
        let (text, _) = flow(
            "egress",
            from,
            to,
            "\"https\"",
            &format!("until = \"2099-12-31\"\n{EXCEPTION}"),
        );
        let (policy, _) = accepted(&text);
        assert_eq!(crossings(&policy, "egress"), vec![(5, Control::Exception)]);
    }
    for (from, to) in [("\"inet\"", "\"cloud\""), ("\"cloud\"", "\"inet-relay\"")] {
        let (text, _) = flow("cloud", from, to, "\"https\"", "");
        let (policy, warnings) = accepted(&text);
        assert_eq!(
            crossings(&policy, "cloud"),
            vec![(
                5,
                Control::SecurityCloud {
                    host: host(&policy, "cloud")
                }
            )]
        );
        assert!(warnings.is_empty(), "{}", warnings.render(false));
    }
}

// ---- 6: between external networks ----

#[test]
fn g6_transit_between_the_internet_and_the_backbone_or_a_closed_line_is_refused() {
    for (from, to) in [
        ("\"upstream\"", "\"jlis\""),
        ("\"chukan\"", "\"cloud\""),
        ("\"upstream\"", "\"backbone\""),
        ("\"bb-mail\"", "\"vendor\""),
    ] {
        for extra in ["", EXCEPTION] {
            let (text, line) = flow("transit", from, to, "\"https\"", extra);
            let d = refused(&text, line, codes::G6, "transit");
            assert!(fix(&d).contains("nothing can"), "{}", fix(&d));
        }
    }
    // The backbone <-> the Internet is also guardrail 4's.
    let (text, line) = flow("transit", "\"bb-mail\"", "\"vendor\"", "\"https\"", "");
    refused(&text, line, codes::G4, "transit");
}

#[test]
fn g6_other_external_flows_need_an_exception() {
    for (from, to) in [
        ("\"jlis\"", "\"backbone\""),
        ("\"bb-mail\"", "\"chukan\""),
        ("\"jlis\"", "\"vendor-line\""),
        ("\"cloud\"", "\"pref\""),
    ] {
        let (text, line) = flow("ext", from, to, "\"https\"", "");
        refused(&text, line, codes::G6, "ext");
        let (text, _) = flow("ext", from, to, "\"https\"", EXCEPTION);
        let (policy, _) = accepted(&text);
        assert_eq!(crossings(&policy, "ext"), vec![(6, Control::Exception)]);
    }
}

// ---- 7: the Internet -> the gateway ----

#[test]
fn g7_the_internet_reaches_the_gateway_only_under_an_exception() {
    for from in ["\"upstream\"", "\"vendor\"", "\"cloud\""] {
        let (text, line) = flow("wan-ssh", from, "\"self\"", "\"ssh\"", "");
        let d = refused(&text, line, codes::G7, "wan-ssh");
        assert!(d.message.contains("self (the gateway)"), "{}", d.message);
        let (text, _) = flow("wan-ssh", from, "\"self\"", "\"ssh\"", EXCEPTION);
        let (policy, _) = accepted(&text);
        assert_eq!(crossings(&policy, "wan-ssh"), vec![(7, Control::Exception)]);
    }
    // The gateway's own traffic out, and other ends in, are not guardrail 7's.
    for (from, to) in [
        ("\"self\"", "\"cloud\""),
        ("\"lg\"", "\"self\""),
        ("\"chukan\"", "\"self\""),
        ("\"self\"", "\"bb-mail\""),
    ] {
        let (text, _) = flow("gw", from, to, "\"ntp\"", "");
        let (policy, _) = accepted(&text);
        assert!(crossings(&policy, "gw").is_empty());
    }
}

// ---- 8: explicit services, no wide port range across tiers ----

#[test]
fn g8_no_port_range_wider_than_1024_across_tiers_without_an_exception() {
    for (from, to, services) in [
        ("\"inet\"", "\"cloud\"", "\"tcp/1024-65535\""),
        ("\"lg\"", "\"self\"", "\"udp/0-65535\""),
        ("\"lg\"", "\"bb-mail\"", "\"tcp/1-1000\""),
        // Adjacent ranges are one range.
        ("\"inet\"", "\"cloud\"", "\"tcp/1-1000\", \"tcp/1001-2048\""),
    ] {
        let (text, _) = flow("wide", from, to, services, "");
        if from == "\"lg\"" && to == "\"bb-mail\"" {
            // lgwan and the backbone are one tier: no limit.
            accepted(&text);
            continue;
        }
        let d = errors(&text)
            .errors()
            .find(|d| d.code == codes::G8)
            .cloned()
            .expect("G8");
        assert!(
            d.message.starts_with("flow \"wide\": guardrail 8"),
            "{}",
            d.message
        );
        assert!(d.message.contains("1024"), "{}", d.message);
        assert_eq!(
            d.line,
            text[..text.find("services = [").expect("services")]
                .lines()
                .count()
                + 1
        );
        let (text, _) = flow("wide", from, to, services, EXCEPTION);
        let (policy, _) = accepted(&text);
        assert!(crossings(&policy, "wide").contains(&(8, Control::Exception)));
    }
    // 1024 ports are fine.
    let (text, _) = flow("ok", "\"inet\"", "\"cloud\"", "\"tcp/1-1024\"", "");
    accepted(&text);
}

#[test]
fn g8_and_g9_services_and_reason_are_required() {
    let text =
        format!("{TIERS}\n[[flows]]\nname = \"bare\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\n");
    let diags = errors(&text);
    let found: Vec<&str> = diags.errors().map(|d| d.code).collect();
    assert_eq!(found, vec![codes::G8, codes::G9], "{}", diags.render(false));
    let text = format!("{TIERS}\n[[flows]]\nname = \"bare\"\nfrom = [\"lg\"]\nto = [\"lg-server\"]\nservices = []\nreason = \" \"\n");
    let found: Vec<&str> = errors(&text).errors().map(|d| d.code).collect();
    assert_eq!(found, vec![codes::G8, codes::G9]);
}

#[test]
fn every_port_between_zones_of_one_tier_is_a_warning() {
    let text = TIERS.replace(
        "[hosts.mn-pc]",
        "[zones.lg2]\ntier = \"lgwan\"\ninterfaces = [\"lg9\"]\nnetworks = [\"10.21.0.0/16\"]\n\n[hosts.mn-pc]",
    );
    let text = format!("{text}\n[[flows]]\nname = \"any\"\nfrom = [\"lg\"]\nto = [\"lg2\"]\nservices = [\"tcp/1-65535\"]\nreason = \"t\"\n");
    let (_, warnings) = accepted(&text);
    assert_eq!(
        warnings.warnings().map(|d| d.code).collect::<Vec<_>>(),
        vec![codes::ALL_PORTS]
    );
}

// ---- every pair, exceptions, warnings ----

#[test]
fn every_pair_is_judged() {
    let (text, _) = flow(
        "wide",
        "\"mn-pc\", \"lg\"",
        "\"inet\", \"bb-mail\", \"cloud\"",
        "\"https\"",
        "",
    );
    let diags = errors(&text);
    let mut found: Vec<&str> = diags.errors().map(|d| d.code).collect();
    found.sort_unstable();
    // mn-pc -> inet: 2, -> bb-mail: 1, -> cloud: 2; lg -> inet: 3, -> bb-mail: none, -> cloud: 4.
    assert_eq!(
        found,
        vec![codes::G1, codes::G2, codes::G2, codes::G3, codes::G4],
        "{}",
        diags.render(false)
    );
}

#[test]
fn an_exception_that_waives_nothing_is_warned_about_and_not_counted() {
    for (from, to) in [
        ("\"lg\"", "\"lg-server\""),
        ("\"inet\"", "\"cloud\""),
        ("\"lg\"", "\"inet-vbrowser\""),
    ] {
        let (text, _) = flow("needless", from, to, "\"https\"", EXCEPTION);
        let (policy, warnings) = accepted(&text);
        let w: Vec<&Diagnostic> = warnings.warnings().collect();
        assert_eq!(w.len(), 1, "{}", warnings.render(false));
        assert_eq!(
            (w[0].code, w[0].severity),
            (codes::UNNEEDED_EXCEPTION, Severity::Warning)
        );
        assert!(w[0].message.starts_with("flow \"needless\""));
        let f = the_flow(&policy, "needless");
        assert!(f.exception.is_some() && !f.has_waiving_exception());
    }
}

#[test]
fn open_ended_access_from_outside_is_warned_about() {
    for (from, to, warned) in [
        ("\"vendor\"", "\"inet-relay\"", true),
        ("\"chukan\"", "\"lg-server\"", true),
        ("\"cloud\"", "\"inet-relay\"", false),
        ("\"bb-mail\"", "\"lg-server\"", false),
    ] {
        let extra = if from == "\"vendor\"" { EXCEPTION } else { "" };
        let (text, _) = flow("in", from, to, "\"https\"", extra);
        let (_, warnings) = accepted(&text);
        let w: Vec<&Diagnostic> = warnings
            .warnings()
            .filter(|d| d.code == codes::OPEN_ENDED_ACCESS)
            .collect();
        assert_eq!(
            w.len(),
            usize::from(warned),
            "{from}: {}",
            warnings.render(false)
        );
        let (text, _) = flow(
            "in",
            from,
            to,
            "\"https\"",
            &format!("until = \"2099-01-01\"\n{extra}"),
        );
        let (_, warnings) = accepted(&text);
        assert!(!warnings
            .warnings()
            .any(|d| d.code == codes::OPEN_ENDED_ACCESS));
    }
}

#[test]
fn past_dates_are_warned_about_when_the_time_is_known() {
    let now = sanso_policy::values::parse_instant("2027-06-01").expect("date");
    let (text, _) = flow(
        "old",
        "\"mn-pc\"",
        "\"chukan\"",
        "\"https\"",
        "until = \"2027-03-31\"\nexception = { approved_by = \"CISO\", ticket = \"SEC-1\", approved_on = \"2026-04-01\", review_by = \"2027-05-31\" }",
    );
    let loaded = load_policy_at("test.toml", &text, now).expect("loads");
    let codes_found: Vec<&str> = loaded.warnings.warnings().map(|d| d.code).collect();
    assert_eq!(
        codes_found,
        vec![codes::UNTIL_PAST, codes::REVIEW_PAST],
        "{}",
        loaded.warnings.render(false)
    );
    let until = loaded.warnings.warnings().next().expect("W006");
    assert!(
        until.message.contains("2027-03-31") && until.subject == Some(Subject::Flow("old".into()))
    );
    let ex = the_flow(&loaded.value, "old")
        .exception
        .clone()
        .expect("exception");
    assert_eq!(
        (ex.approved_on.as_deref(), ex.review_by.as_deref()),
        (Some("2026-04-01"), Some("2027-05-31"))
    );
    // The same policy a day before the review is due: only the expired flow.
    let before = sanso_policy::values::parse_instant("2027-05-31").expect("date");
    let loaded = load_policy_at("test.toml", &text, before).expect("loads");
    assert_eq!(
        loaded
            .warnings
            .warnings()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        vec![codes::UNTIL_PAST]
    );
}

#[test]
fn bad_beyond_serves_and_dates_are_errors() {
    let text = TIERS.replace("beyond = \"closed\"", "beyond = \"clossed\"");
    let d = errors(&text).errors().next().cloned().expect("error");
    assert_eq!(d.code, codes::BAD_BEYOND);
    assert!(d.notes.iter().any(|n| n.contains("`closed`")));
    let text = TIERS.replace(
        "tier = \"lgwan\"\n",
        "tier = \"lgwan\"\nbeyond = \"lgwan\"\n",
    );
    assert_eq!(
        errors(&text).errors().next().map(|d| d.code),
        Some(codes::BEYOND_NOT_EXTERNAL)
    );
    let text = TIERS.replace("serves = [\"smtp\"]", "serves = [\"smtpp\"]");
    let d = errors(&text).errors().next().cloned().expect("error");
    assert_eq!(
        (d.code, d.subject.clone()),
        (
            codes::UNKNOWN_SERVICE,
            Some(Subject::Host("lg-mail-sanitizer".into()))
        )
    );
    let (text, _) = flow(
        "d",
        "\"mn-pc\"",
        "\"chukan\"",
        "\"https\"",
        "exception = { approved_by = \"CISO\", ticket = \"T\", review_by = \"next year\" }",
    );
    assert_eq!(
        errors(&text).errors().next().map(|d| d.code),
        Some(codes::BAD_DATE)
    );
}

#[test]
fn serves_without_a_role_is_warned_about() {
    let text = TIERS.replace(
        "addresses = [\"10.20.9.20\"]",
        "addresses = [\"10.20.9.20\"]\nserves = [\"smtp\"]",
    );
    let (_, warnings) = accepted(&text);
    assert_eq!(
        warnings.warnings().map(|d| d.code).collect::<Vec<_>>(),
        vec![codes::SERVES_WITHOUT_ROLE]
    );
}

#[test]
fn organisation_is_kept() {
    let text = TIERS.replace(
        "tier = \"mynumber\"\n",
        "tier = \"mynumber\"\norganisation = \"消防本部\"\n",
    );
    let (policy, _) = accepted(&text);
    assert_eq!(policy.zones[0].organisation.as_deref(), Some("消防本部"));
    assert_eq!(Guardrail(3).to_string(), "guardrail 3");
}
