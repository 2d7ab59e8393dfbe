//! The contract's examples (`policy-format.md`, copied as fixtures) load and
//! mean what the contract says.

use std::net::IpAddr;

use sanso_policy::{
    codes, load_cases, load_policy, load_policy_with_warnings, Beyond, CaseProto, CaseTarget,
    Control, Endpoint, Expect, Policy, RateLimit, RateUnit, ServiceMatch, Tier,
};

const EXAMPLE: &str = include_str!("fixtures/contract-policy.toml");
const CASES: &str = include_str!("fixtures/contract-cases.toml");

fn complete() -> Policy {
    match load_policy("contract-policy.toml", EXAMPLE) {
        Ok(p) => p,
        Err(d) => panic!("{}", d.render(false)),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

#[test]
fn the_verbatim_example_loads_without_warnings() {
    let loaded = load_policy_with_warnings("contract-policy.toml", EXAMPLE).expect("loads");
    assert!(
        loaded.warnings.is_empty(),
        "{}",
        loaded.warnings.render(false)
    );
    let p = loaded.value;
    assert_eq!(p.name, "example-city");
    assert_eq!(p.revision.as_deref(), Some("2026-11-26.1"));
    let zones: Vec<(&str, Tier, Option<Beyond>)> = p
        .zones
        .iter()
        .map(|z| (z.name.as_str(), z.tier, z.beyond))
        .collect();
    assert_eq!(
        zones,
        [
            ("mn-office", Tier::Mynumber, None),
            ("lg-office", Tier::Lgwan, None),
            ("inet-dmz", Tier::Internet, None),
            ("upstream", Tier::External, Some(Beyond::Internet)),
            ("jlis", Tier::External, Some(Beyond::Closed)),
        ]
    );
    assert_eq!(p.zones[0].location.line, 6);
    assert_eq!(p.hosts.len(), 4);
    assert_eq!(p.flows.len(), 2);
    let sanitizer = p.host(p.host_by_name("mail-sanitizer").expect("host"));
    let served: Vec<&str> = sanitizer.serves.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(served, ["smtp", "tcp/8443"]);
    // mail-in crosses guardrail 5 through the security cloud; the J-LIS flow
    // crosses guardrail 1 under its exception.
    let cloud = p.host_by_name("pref-cloud-proxy").expect("host");
    assert_eq!(
        p.flows[0]
            .crossings
            .iter()
            .map(|c| (c.guardrail.0, c.control.clone()))
            .collect::<Vec<_>>(),
        [(5, Control::SecurityCloud { host: cloud })]
    );
    assert_eq!(
        p.flows[1]
            .crossings
            .iter()
            .map(|c| (c.guardrail.0, c.control.clone()))
            .collect::<Vec<_>>(),
        [(1, Control::Exception)]
    );
    assert!(p.flows[1].has_waiving_exception());
}

#[test]
fn flows_mean_what_the_contract_says() {
    let p = complete();
    let mail = &p.flows[0];
    assert_eq!(mail.name, "mail-in");
    assert_eq!(
        mail.from,
        [Endpoint::Host(
            p.host_by_name("pref-cloud-proxy").expect("host")
        )]
    );
    assert_eq!(
        mail.to,
        [Endpoint::Host(
            p.host_by_name("mail-sanitizer").expect("host")
        )]
    );
    assert_eq!(mail.services.len(), 1);
    assert_eq!(mail.services[0].name, "smtp");
    assert_eq!(
        mail.services[0].matches,
        [ServiceMatch::Tcp(sanso_policy::PortRange {
            first: 25,
            last: 25
        })]
    );
    assert!(mail.log);
    assert_eq!(
        mail.limit,
        Some(RateLimit {
            count: 20,
            unit: RateUnit::Second
        })
    );
    // Through the end of 2026-12-31 in JST = before 2027-01-01T00:00:00+09:00.
    assert_eq!(mail.until, Some(1_798_729_200));
    assert_eq!(mail.until_text.as_deref(), Some("2026-12-31"));
    assert_eq!(mail.location.line, 64);
    let exc = p.flows[1].exception.as_ref().expect("exception");
    assert_eq!(
        (exc.approved_by.as_str(), exc.ticket.as_str()),
        ("CISO", "SEC-2026-041")
    );
    assert!(p.content_hash.len() == 64 && p.content_hash.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn addresses_classify_by_longest_prefix() {
    let p = complete();
    let zone_of = |a: &str| p.classify(ip(a)).map(|z| p.zone(z).name.as_str());
    assert_eq!(zone_of("10.10.1.5"), Some("mn-office"));
    assert_eq!(zone_of("fd00:10::1"), Some("mn-office"));
    assert_eq!(zone_of("10.20.5.10"), Some("lg-office"));
    assert_eq!(zone_of("10.30.255.255"), Some("inet-dmz"));
    assert_eq!(zone_of("10.31.0.0"), Some("upstream"));
    assert_eq!(zone_of("192.0.2.10"), Some("jlis"));
    assert_eq!(zone_of("203.0.113.10"), Some("upstream"));
    assert_eq!(zone_of("2001:db8::1"), Some("upstream"));
    for host in &p.hosts {
        for a in &host.addresses {
            assert_eq!(p.classify(a.addr()), Some(host.zone), "host {}", host.name);
        }
    }
}

#[test]
fn the_example_case_loads() {
    let p = complete();
    let cases = load_cases("contract-cases.toml", CASES, &p)
        .unwrap_or_else(|d| panic!("{}", d.render(false)));
    assert_eq!(cases.len(), 1);
    let c = &cases[0];
    assert_eq!(c.name, "mynumber cannot browse");
    assert_eq!(c.from, ip("10.10.1.5"));
    assert_eq!(c.from_host, None);
    assert_eq!(c.to, CaseTarget::Addr(ip("203.0.113.10"), None));
    assert_eq!(c.proto, CaseProto::Tcp);
    assert_eq!(c.port, 443);
    assert_eq!(c.expect, Expect::Drop);
    assert_eq!(c.iif, None);
    assert_eq!(c.location.line, 1);
}

#[test]
fn the_reference_documents_every_diagnostic_code() {
    let doc = include_str!("../../../docs/policy.md");
    for code in codes::ALL {
        assert!(
            doc.contains(&format!("| {code} |")),
            "docs/policy.md lacks {code}"
        );
    }
    for (name, _) in sanso_policy::BUILTIN_SERVICES {
        assert!(
            doc.contains(&format!("| `{name}` |")),
            "docs/policy.md lacks built-in service {name}"
        );
    }
}
