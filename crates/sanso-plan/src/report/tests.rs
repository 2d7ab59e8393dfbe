//! The report's document of a small policy: the zone matrix, the tier
//! matrix, exposure paths, exceptions and 委託 windows.

use std::path::Path;

use sanso_i18n::Lang;

use super::*;

/// 2026-12-01T00:00:00+09:00.
const NOW: i64 = 1_796_050_800;

const POLICY: &str = r#"
[policy]
name = "report-city"
revision = "7"

[zones.mn]
tier = "mynumber"
organisation = "市長部局"
interfaces = ["mn0"]
networks = ["10.10.0.0/16"]

[zones.lg]
tier = "lgwan"
organisation = "市長部局"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]

[zones.inet]
tier = "internet"
interfaces = ["in0"]
networks = ["10.30.0.0/16"]

[zones.jlis]
tier = "external"
beyond = "closed"
interfaces = ["jlis0"]
networks = ["192.0.2.0/24"]

[zones.upstream]
tier = "external"
beyond = "internet"
interfaces = ["wan0"]
networks = ["0.0.0.0/0"]

[hosts.mn-batch]
zone = "mn"
addresses = ["10.10.5.21"]

[hosts.chukan]
zone = "jlis"
addresses = ["192.0.2.10"]

[hosts.lg-sanitizer]
zone = "lg"
addresses = ["10.20.5.10"]
roles = ["sanitizer"]
serves = ["smtp"]

[hosts.relay]
zone = "inet"
addresses = ["10.30.2.10"]

[hosts.cloud-mail]
zone = "upstream"
addresses = ["198.51.100.25"]
roles = ["security-cloud"]

[hosts.vendor]
zone = "upstream"
addresses = ["203.0.113.50"]
roles = ["contractor"]

[[flows]]
name = "mail-in"
from = ["cloud-mail"]
to = ["relay"]
services = ["smtp"]
reason = "mail through the security cloud"

[[flows]]
name = "mail-to-sanitizer"
from = ["relay"]
to = ["lg-sanitizer"]
services = ["smtp"]
reason = "mail is sanitized"

[[flows]]
name = "lg-dns"
from = ["lg"]
to = ["self"]
services = ["dns"]
reason = "resolver on the gateway"

[[flows]]
name = "batch-old-review"
from = ["mn-batch"]
to = ["chukan"]
services = ["https"]
reason = "情報連携"
exception = { approved_by = "CISO", ticket = "SEC-1", approved_on = "2025-04-01", review_by = "2026-03-31" }

[[flows]]
name = "batch-reviewed"
from = ["mn-batch"]
to = ["chukan"]
services = ["ssh"]
reason = "情報連携 (ssh)"
exception = { approved_by = "CISO", ticket = "SEC-2", review_by = "2027-03-31" }

[[flows]]
name = "vendor-past"
from = ["vendor"]
to = ["relay"]
services = ["ssh"]
reason = "委託: last year's maintenance"
until = "2026-06-30"
exception = { approved_by = "CISO", ticket = "SEC-3" }

[[flows]]
name = "vendor-now"
from = ["vendor"]
to = ["relay"]
services = ["https"]
reason = "maintenance window"
until = "2027-03-31"
exception = { approved_by = "CISO", ticket = "SEC-4" }
"#;

fn document() -> Document {
    let policy = sanso_policy::load_policy("report.toml", POLICY).expect("valid test policy");
    build(
        Lang::En,
        &policy,
        Inputs {
            policy_file: Path::new("report.toml"),
            now: NOW,
            isolations_source: IsolationsSource {
                dir: "/var/lib/sanso".into(),
                file: "isolations.json".into(),
            },
            isolations: Vec::new(),
            live: None,
            audit: None,
        },
    )
}

fn cell<'d>(matrix: &'d ZoneMatrix, from: &str, to: &str) -> &'d [String] {
    let at = |name: &str| {
        matrix
            .zones
            .iter()
            .position(|z| z == name)
            .expect("a zone of the matrix")
    };
    &matrix.cells[at(from)][at(to)]
}

#[test]
fn zone_matrix_has_the_active_flows_of_each_pair() {
    let doc = document();
    let m = &doc.zone_matrix;
    assert_eq!(m.zones, ["mn", "lg", "inet", "jlis", "upstream", "self"]);
    assert_eq!(m.cells.len(), 6);
    assert!(m.cells.iter().all(|row| row.len() == 6));
    assert_eq!(cell(m, "upstream", "inet"), ["mail-in", "vendor-now"]);
    assert_eq!(cell(m, "inet", "lg"), ["mail-to-sanitizer"]);
    assert_eq!(cell(m, "lg", "self"), ["lg-dns"]);
    assert_eq!(
        cell(m, "mn", "jlis"),
        ["batch-old-review", "batch-reviewed"]
    );
    assert!(cell(m, "lg", "inet").is_empty());
    assert!(cell(m, "self", "lg").is_empty());
}

#[test]
fn zone_matrix_leaves_out_expired_flows() {
    let policy = sanso_policy::load_policy("report.toml", POLICY).expect("valid test policy");
    // Before the window of `vendor-past` closed, it is in the matrix.
    let june = NOW - 200 * 86_400;
    let before = ZoneMatrix::of(&policy, june);
    assert_eq!(
        cell(&before, "upstream", "inet"),
        ["mail-in", "vendor-past", "vendor-now"]
    );
}

#[test]
fn tier_matrix_judges_every_pair() {
    let doc = document();
    let m = &doc.tier_matrix;
    let keys: Vec<&str> = m.tiers.iter().map(|t| t.standing).collect();
    assert_eq!(
        keys,
        [
            "mynumber",
            "lgwan",
            "internet",
            "lgwan-backbone",
            "the-internet",
            "closed-line",
            "self"
        ]
    );
    let at = |k: &str| {
        keys.iter()
            .position(|x| *x == k)
            .expect("a standing of the matrix")
    };
    let same = &m.cells[at("lgwan")][at("lgwan")];
    assert_eq!((same.mark, same.judgement), ("○", "allowed"));
    let inet_lg = &m.cells[at("internet")][at("lgwan")];
    assert_eq!(inet_lg.judgement, "control");
    assert_eq!(inet_lg.flows, ["mail-to-sanitizer"]);
    let mn_inet = &m.cells[at("mynumber")][at("internet")];
    assert_eq!((mn_inet.mark, mn_inet.judgement), ("×", "never"));
    assert!(mn_inet.guardrail.is_some());
}

#[test]
fn exposure_paths_run_from_the_internet_side_inwards() {
    let doc = document();
    let paths: Vec<Vec<&str>> = doc
        .exposure
        .paths
        .iter()
        .map(|p| p.nodes.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        paths,
        [
            vec!["cloud-mail", "relay", "lg-sanitizer"],
            vec!["relay", "lg-sanitizer"],
            vec!["vendor", "relay", "lg-sanitizer"],
        ]
    );
    assert_eq!(doc.exposure.total, 3);
    assert_eq!(doc.exposure.max_hops, MAX_EXPOSURE_HOPS);
    let first = &doc.exposure.paths[0];
    let flows: Vec<&str> = first.hops.iter().map(|h| h.flow.as_str()).collect();
    assert_eq!(flows, ["mail-in", "mail-to-sanitizer"]);
    // The sanitizer is what lets the second hop cross into the lgwan tier.
    assert_eq!(first.hops[1].controls.len(), 1);
    assert!(first.hops[1].controls[0].contains("lg-sanitizer"));
}

#[test]
fn exceptions_say_when_their_review_is_overdue() {
    let doc = document();
    let rows: Vec<(&str, bool)> = doc
        .exceptions
        .iter()
        .map(|e| (e.flow.as_str(), e.overdue))
        .collect();
    assert!(rows.contains(&("batch-old-review", true)), "{rows:?}");
    assert!(rows.contains(&("batch-reviewed", false)), "{rows:?}");
    let old = &doc.exceptions[0];
    assert_eq!(old.ticket, "SEC-1");
    assert_eq!(old.review_by.as_deref(), Some("2026-03-31"));
    assert!(!old.waives.is_empty());
    assert_eq!(doc.cover.counts.exceptions, doc.exceptions.len());
}

#[test]
fn entrustment_windows_are_active_or_expired() {
    let doc = document();
    let rows: Vec<(&str, &str)> = doc
        .entrustment
        .iter()
        .map(|w| (w.flow.as_str(), w.state))
        .collect();
    assert_eq!(rows, [("vendor-past", "expired"), ("vendor-now", "active")]);
    let flow = |name: &str| {
        doc.flows
            .iter()
            .find(|f| f.name == name)
            .expect("a flow of the policy")
    };
    assert_eq!(flow("vendor-past").until_state, Some("expired"));
    assert_eq!(flow("vendor-now").until_state, Some("active"));
    assert_eq!(flow("lg-dns").until_state, None);
}

#[test]
fn cover_dates_are_in_japan() {
    let doc = document();
    assert_eq!(doc.cover.generated_at, "2026-12-01T00:00:00+09:00");
    assert_eq!(jst_date(NOW), "2026-12-01");
    assert_eq!(doc.cover.counts.flows, 7);
    assert_eq!(doc.lang, "en");
}
