//! The report's document of a small policy: the zone matrix, the tier
//! matrix, exposure paths, exceptions and 委託 windows; and its Markdown:
//! the sections and tables, controls, waived pairs, idle exceptions, when
//! bounded flows end, isolations, a broken history and a drifted gateway;
//! and its HTML page: the same pieces, escaped.

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

// The Markdown of the document (`markdown::render`).

/// The test policy and a second lgwan zone, reached from the first by a
/// flow whose exception waives nothing (same tier).
fn with_idle_exception() -> String {
    format!(
        "{POLICY}{}",
        r#"
[zones.lg2]
tier = "lgwan"
interfaces = ["lg2"]
networks = ["10.21.0.0/16"]

[[flows]]
name = "lg-share"
from = ["lg"]
to = ["lg2"]
services = ["https"]
reason = "file share"
exception = { approved_by = "CISO", ticket = "SEC-9" }
"#
    )
}

/// The document of `text` in `lang`, with what the caller read.
fn document_of(
    lang: Lang,
    text: &str,
    isolations: Vec<IsolationRow>,
    live: Option<Live>,
    audit: Option<Audit>,
) -> Document {
    let policy = sanso_policy::load_policy("report.toml", text).expect("valid test policy");
    build(
        lang,
        &policy,
        Inputs {
            policy_file: Path::new("report.toml"),
            now: NOW,
            isolations_source: IsolationsSource {
                dir: "/var/lib/sanso".into(),
                file: "isolations.json".into(),
            },
            isolations,
            live,
            audit,
        },
    )
}

/// The lines of a Markdown section, from its heading to the next one.
fn md_section<'m>(md: &'m str, heading: &str) -> &'m str {
    let start = md
        .find(&format!("## {heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading}: {md}"));
    let rest = &md[start + 3..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// The one line of `md` that starts with `| {first} |`.
fn md_row<'m>(md: &'m str, first: &str) -> &'m str {
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with(&format!("| {first} |")))
        .collect();
    assert_eq!(rows.len(), 1, "one row for {first}: {md}");
    rows[0]
}

#[test]
fn markdown_has_the_cover_and_every_section_in_order() {
    let md = markdown::render(Lang::En, &document());
    assert!(md.starts_with("# Audit report: report-city\n"), "{md}");
    assert!(md.contains("| Made at | 2026-12-01 00:00 JST |"), "{md}");
    assert!(
        md.contains("| Size | 5 zones, 6 hosts, 7 flows, 4 exceptions |"),
        "{md}"
    );
    let at = |heading: &str| {
        md.find(&format!("\n## {heading}\n"))
            .unwrap_or_else(|| panic!("no section {heading}: {md}"))
    };
    let order = [
        "Zones",
        "Zone matrix",
        "Allowed flows",
        "Exceptions",
        "Time-bounded flows",
        "Incident response: isolated now",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{md}");
    // Without --audit and --live, neither section.
    assert!(!md.contains("## Change history"), "{md}");
    assert!(!md.contains("## Live gateway"), "{md}");
    // Tables: a header row and its separator.
    let zones = md_section(&md, "Zones");
    assert!(zones.contains(
        "| Zone | Organisation | Tier | Beyond | Interfaces | Networks |\n|---|---|---|---|---|---|\n"
    ));
    assert_eq!(
        md_row(zones, "upstream"),
        "| upstream | — | external | internet: the Internet | wan0 | 0.0.0.0/0 |"
    );
    // The zones of an organisation first.
    assert!(zones.find("| lg |") < zones.find("| inet |"), "{zones}");
    let matrix = md_section(&md, "Zone matrix");
    assert!(matrix.contains("| from \\ to | mn | lg | inet | jlis | upstream | self |"));
    assert_eq!(
        md_row(matrix, "**upstream**"),
        "| **upstream** | — | — | 2 | — | — | — |"
    );
}

#[test]
fn markdown_flows_name_their_controls_once_with_the_guardrails() {
    let doc = document();
    let flow = |name: &str| {
        doc.flows
            .iter()
            .find(|f| f.name == name)
            .expect("a flow of the policy")
    };
    let mail_in = &flow("mail-in").controls;
    assert_eq!(mail_in.len(), 1);
    assert_eq!(
        (
            mail_in[0].control,
            mail_in[0].host.as_deref(),
            &mail_in[0].guardrails[..]
        ),
        ("security-cloud", Some("cloud-mail"), &[5][..])
    );
    let sanitizer = &flow("mail-to-sanitizer").controls[0];
    assert_eq!(sanitizer.role.as_deref(), Some("sanitizer"));
    assert_eq!(
        flow("vendor-past").controls[0].ticket.as_deref(),
        Some("SEC-3")
    );
    assert!(flow("lg-dns").controls.is_empty());
    assert_eq!(flow("lg-dns").no_crossing_kind, Some("no-guardrail"));

    let md = markdown::render(Lang::En, &doc);
    let flows = md_section(&md, "Allowed flows");
    assert!(md_row(flows, "mail-in").contains("| security-cloud cloud-mail (G5) |"));
    assert!(md_row(flows, "mail-to-sanitizer").contains("| sanitizer lg-sanitizer (G3) |"));
    assert!(md_row(flows, "batch-reviewed").contains("| exception SEC-2 (G1) |"));
    assert!(md_row(flows, "lg-dns").contains("| dns (udp/53 tcp/53) | — crosses no guardrail |"));
    assert!(md_row(flows, "vendor-past").contains("| until 2026-06-30, expired |"));
    assert!(md_row(flows, "vendor-now").contains("| maintenance window | until 2027-03-31 |"));
    // The guardrails the flows meet, each once, with its title.
    assert!(flows.contains("\n- G1: mynumber <-> "), "{flows}");
    assert_eq!(flows.matches("\n- G5: ").count(), 1, "{flows}");
}

#[test]
fn markdown_exception_shows_its_approver_ticket_and_waived_pairs() {
    let doc = document();
    let old = &doc.exceptions[0];
    assert_eq!(old.flow, "batch-old-review");
    assert_eq!(old.waived.len(), 1);
    assert_eq!(old.waived[0].guardrail, 1);
    assert_eq!(
        old.waived[0].pairs,
        [EndPair {
            from: "mn-batch".into(),
            to: "chukan".into()
        }]
    );
    let md = markdown::render(Lang::En, &doc);
    let exceptions = md_section(&md, "Exceptions");
    assert_eq!(
        md_row(exceptions, "batch-old-review"),
        "| batch-old-review | mn-batch | chukan | CISO | SEC-1 | 2025-04-01 | 2026-03-31 (overdue) | G1 (mn-batch → chukan) | 情報連携 |"
    );
    assert!(md_row(exceptions, "batch-reviewed")
        .contains("| CISO | SEC-2 | - | 2027-03-31 | G1 (mn-batch → chukan) |"));
    assert!(!exceptions.contains("Not counted"), "{exceptions}");
}

#[test]
fn markdown_says_which_exceptions_waive_nothing() {
    let doc = document_of(Lang::En, &with_idle_exception(), Vec::new(), None, None);
    let idle: Vec<(&str, &str, &str)> = doc
        .idle_exceptions
        .iter()
        .map(|e| (e.flow.as_str(), e.approved_by.as_str(), e.ticket.as_str()))
        .collect();
    assert_eq!(idle, [("lg-share", "CISO", "SEC-9")]);
    assert_eq!(doc.cover.counts.exceptions, 4);
    let share = doc.flows.last().expect("flows");
    assert_eq!(share.no_crossing_kind, Some("same-tier"));

    let md = markdown::render(Lang::En, &doc);
    let exceptions = md_section(&md, "Exceptions");
    assert!(!exceptions.contains("| lg-share |"), "{exceptions}");
    assert!(
        exceptions.contains("Not counted, their exception waives no guardrail: lg-share."),
        "{exceptions}"
    );
    let flows = md_section(&md, "Allowed flows");
    assert!(
        md_row(flows, "lg-share").contains("| — same tier |"),
        "{flows}"
    );
}

#[test]
fn markdown_bounded_flows_show_when_they_end() {
    let doc = document();
    let ends: Vec<(&str, Option<&str>)> = doc
        .flows
        .iter()
        .map(|f| (f.name.as_str(), f.ends_at.as_deref()))
        .filter(|(_, e)| e.is_some())
        .collect();
    assert_eq!(
        ends,
        [
            ("vendor-past", Some("2026-07-01T00:00:00+09:00")),
            ("vendor-now", Some("2027-04-01T00:00:00+09:00"))
        ]
    );
    let md = markdown::render(Lang::En, &doc);
    let bounded = md_section(&md, "Time-bounded flows");
    assert_eq!(
        md_row(bounded, "vendor-now"),
        "| vendor-now | 2027-03-31 (ends 2027-04-01 00:00 JST) | active |"
    );
    assert_eq!(
        md_row(bounded, "vendor-past"),
        "| vendor-past | 2026-06-30 (ends 2026-07-01 00:00 JST) | expired (not in the ruleset) |"
    );
    assert!(!bounded.contains("lg-dns"), "{bounded}");
}

fn isolation(target: &str, kind: &'static str, tier: Option<&str>) -> IsolationRow {
    IsolationRow {
        target: target.into(),
        kind,
        tier: tier.map(Into::into),
        addresses: vec!["10.20.0.0/16".into(), "fd00:20::/48".into()],
        since: "2026-11-30T08:00:00Z".into(),
        until: None,
        until_state: None,
        by: "uid 0 (sudo alice, pid 4242)".into(),
        ticket: None,
        reason: "incident | contained".into(),
    }
}

#[test]
fn markdown_isolations_say_their_kind_and_whether_their_time_passed() {
    let md = markdown::render(Lang::En, &document());
    let section = md_section(&md, "Incident response: isolated now");
    assert!(section.contains("State directory: `/var/lib/sanso` (isolations.json)."));
    assert!(section.contains("\nNone.\n"), "{section}");

    let passed = IsolationRow {
        until: Some("2026-11-30T10:00:00Z".into()),
        until_state: Some("expired"),
        ticket: Some("INC-7".into()),
        ..isolation("lg", "zone", Some("lgwan"))
    };
    let doc = document_of(
        Lang::En,
        POLICY,
        vec![passed, isolation("10.20.1.5", "prefix", None)],
        None,
        None,
    );
    let md = markdown::render(Lang::En, &doc);
    let section = md_section(&md, "Incident response: isolated now");
    assert_eq!(
        md_row(section, "lg"),
        "| lg | zone (lgwan) | 10.20.0.0/16, fd00:20::/48 | 2026-11-30T08:00:00Z | 2026-11-30T10:00:00Z (passed, the daemon releases it) | uid 0 (sudo alice, pid 4242) | INC-7 | incident \\| contained |"
    );
    assert!(md_row(section, "10.20.1.5").contains("| prefix | 10.20.0.0/16, fd00:20::/48 | 2026-11-30T08:00:00Z | until `sanso release` | uid 0 (sudo alice, pid 4242) | - |"));
}

#[test]
fn markdown_history_and_live_gateway_say_what_is_wrong() {
    let row = |seq: u64, event: &str, operator: Option<&str>| AuditRow {
        seq,
        time: "2026-12-01T00:00:00Z".into(),
        event: event.into(),
        revision: Some("7".into()),
        content_hash: Some("ab".repeat(32)),
        uid: Some(0),
        operator: operator.map(Into::into),
        ticket: operator.map(|_| "CHG-1".into()),
        reason: None,
    };
    let audit = Audit {
        file: "/var/lib/sanso/audit.jsonl".into(),
        intact: false,
        records: 2,
        head: None,
        broken: Some("line 2".into()),
        history: vec![
            row(1, "start", None),
            row(2, "apply", Some("uid 0 (sudo bob)")),
        ],
        diffs: Vec::new(),
    };
    let live = Live {
        gateway: "gw1".into(),
        live_comment: None,
        matches: false,
        differences: vec!["flow web removed".into()],
        warnings: vec!["another table | on the hook".into()],
        hits: Vec::new(),
        drops: Vec::new(),
        counters_error: None,
    };
    let doc = document_of(Lang::En, POLICY, Vec::new(), Some(live), Some(audit));
    let md = markdown::render(Lang::En, &doc);
    let history = md_section(&md, "Change history");
    assert!(
        history.contains("**The audit log `/var/lib/sanso/audit.jsonl` was altered: line 2.**"),
        "{history}"
    );
    assert_eq!(
        md_row(history, "2"),
        "| 2 | 2026-12-01T00:00:00Z | apply | 7 | `abababababababab` | 0 | uid 0 (sudo bob) | CHG-1 | - |"
    );
    assert!(md_row(history, "1").ends_with("| 0 | - | - | - |"));
    // The live gateway comes after the history.
    let live = md_section(&md, "Live gateway");
    assert!(md.find("## Change history") < md.find("## Live gateway"));
    assert!(live.contains("Live table: "), "{live}");
    assert!(
        live.contains(
            "**The live gateway does NOT match the approved policy (1 difference):**\n\n- flow web removed\n"
        ),
        "{live}"
    );
    assert!(
        live.contains("- warning: another table \\| on the hook"),
        "{live}"
    );
}

#[test]
fn markdown_speaks_the_language_of_its_document() {
    let doc = document_of(Lang::Ja, POLICY, Vec::new(), None, None);
    let md = markdown::render(Lang::Ja, &doc);
    assert!(md.starts_with("# 監査報告: report-city\n"), "{md}");
    for english in ["## Zones", "| Zone |", "Time-bounded", "(ends "] {
        assert!(!md.contains(english), "{english}: {md}");
    }
    // Policy strings stay as written.
    assert!(md.contains("| mail-in | cloud-mail | relay |"), "{md}");
}

// The HTML page of the document (`html::render`).

/// The one line of `page` that starts a row of class `class` whose first
/// cell is `first`.
fn html_row<'h>(page: &'h str, class: &str, first: &str) -> &'h str {
    let start = format!("<tr class=\"{class}\"><td>{first}</td>");
    let rows: Vec<&str> = page.lines().filter(|l| l.starts_with(&start)).collect();
    assert_eq!(rows.len(), 1, "one row for {first}: {page}");
    rows[0]
}

/// The part of `page` from `<section id="{id}">` to its end.
fn html_section<'h>(page: &'h str, id: &str) -> &'h str {
    let start = page
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}: {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").expect("a closed section")]
}

#[test]
fn html_escapes_a_hostile_flow_name() {
    let mut doc = document();
    let hostile = "<img src=x onerror=alert('x')>&\"";
    doc.flows[0].name = hostile.into();
    doc.flows[0].reason = "</td><script>".into();
    let page = html::render(Lang::En, &doc);
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("<script"), "{page}");
    let row = html_row(
        &page,
        "flow",
        "&lt;img src=x onerror=alert(&#39;x&#39;)&gt;&amp;&quot;",
    );
    assert!(row.contains("<td>&lt;/td&gt;&lt;script&gt;</td>"), "{row}");
    // The page's own markup is there: one row per flow, the sections.
    assert_eq!(page.matches("<tr class=\"flow\">").count(), doc.flows.len());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
}

#[test]
fn html_flows_name_their_controls_once_then_each_crossing() {
    let page = html::render(Lang::En, &document());
    let row = html_row(&page, "flow", "mail-to-sanitizer");
    assert!(
        row.contains("<td class=\"crossing\">sanitizer lg-sanitizer (G3)<br><span class=\"small\">guardrail 3 "),
        "{row}"
    );
    // The crossing comes before the reason, as in the Markdown.
    assert!(row.find("(G3)") < row.find("mail is sanitized"), "{row}");
    let dns = html_row(&page, "flow", "lg-dns");
    assert!(
        dns.contains("<td class=\"crossing\">— crosses no guardrail<br><span class=\"small\">no guardrail between "),
        "{dns}"
    );
}

#[test]
fn html_exception_shows_its_approver_ticket_and_waived_pairs() {
    let page = html::render(Lang::En, &document());
    let section = html_section(&page, "exceptions");
    let row = html_row(section, "exception", "batch-old-review");
    assert!(
        row.contains("<td>CISO</td><td>SEC-1</td><td>2025-04-01</td>"),
        "{row}"
    );
    assert!(
        row.contains("<span class=\"flag\">(overdue)</span>"),
        "{row}"
    );
    assert!(
        row.contains("<td class=\"waived\">G1 (mn-batch → chukan)</td>"),
        "{row}"
    );
    assert!(!section.contains("class=\"idle\""), "{section}");
}

#[test]
fn html_says_which_exceptions_waive_nothing() {
    let doc = document_of(Lang::En, &with_idle_exception(), Vec::new(), None, None);
    let page = html::render(Lang::En, &doc);
    let section = html_section(&page, "exceptions");
    assert!(
        section.contains(
            "<p class=\"idle\">Not counted, their exception waives no guardrail: lg-share.</p>"
        ),
        "{section}"
    );
    assert!(!section.contains("<td>lg-share</td>"), "{section}");
    assert!(
        html_row(&page, "flow", "lg-share").contains("<td class=\"crossing\">— same tier</td>"),
        "{page}"
    );
}

#[test]
fn html_bounded_flows_show_when_they_end() {
    let page = html::render(Lang::En, &document());
    let section = html_section(&page, "exceptions");
    let bounded = &section[section
        .find("<h2>Time-bounded flows</h2>")
        .expect("the time-bounded flows")..];
    assert!(
        bounded.contains(
            "<tr><td>vendor-now</td><td>2027-03-31 (ends 2027-04-01 00:00 JST)</td><td>active</td></tr>"
        ),
        "{bounded}"
    );
    assert!(
        bounded.contains("<td>vendor-past</td><td>2026-06-30 (ends 2026-07-01 00:00 JST)</td><td><span class=\"flag\">expired"),
        "{bounded}"
    );
}

#[test]
fn html_isolations_say_their_kind_and_whether_their_time_passed() {
    let page = html::render(Lang::En, &document());
    let section = html_section(&page, "isolations");
    assert!(
        section.contains("State directory: <code>/var/lib/sanso</code> (isolations.json)."),
        "{section}"
    );
    assert!(section.contains("<p>None.</p>"), "{section}");

    let passed = IsolationRow {
        until: Some("2026-11-30T10:00:00Z".into()),
        until_state: Some("expired"),
        ticket: Some("INC-7".into()),
        ..isolation("lg", "zone", Some("lgwan"))
    };
    let doc = document_of(
        Lang::En,
        POLICY,
        vec![passed, isolation("10.20.1.5", "prefix", None)],
        None,
        None,
    );
    let page = html::render(Lang::En, &doc);
    let section = html_section(&page, "isolations");
    let zone = html_row(section, "isolation", "lg");
    assert!(zone.contains("<td>zone (lgwan)</td>"), "{zone}");
    assert!(
        zone.contains(
            "<span class=\"flag\">2026-11-30T10:00:00Z (passed, the daemon releases it)</span>"
        ),
        "{zone}"
    );
    assert!(zone.contains("<td>INC-7</td>"), "{zone}");
    let prefix = html_row(section, "isolation", "10.20.1.5");
    assert!(
        prefix.contains("<td>prefix</td><td><code>10.20.0.0/16, fd00:20::/48</code></td>"),
        "{prefix}"
    );
    assert!(
        prefix.contains("<td>until <code>sanso release</code></td>"),
        "{prefix}"
    );
}

#[test]
fn html_speaks_the_language_of_its_document() {
    let doc = document_of(Lang::Ja, &with_idle_exception(), Vec::new(), None, None);
    let page = html::render(Lang::Ja, &doc);
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
    for english in [
        "<th>Zone</th>",
        "Time-bounded",
        "(ends ",
        "Not counted",
        "Beyond",
    ] {
        assert!(!page.contains(english), "{english}: {page}");
    }
    // Policy strings stay as written.
    assert!(html_row(&page, "flow", "mail-in").contains("<td>cloud-mail</td><td>relay</td>"));
}

#[test]
fn html_prose_sets_backticks_as_code_and_escapes_the_rest() {
    assert_eq!(
        html::prose("run `sanso release` <now>"),
        "run <code>sanso release</code> &lt;now&gt;"
    );
    assert_eq!(html::prose("a ` alone & b"), "a ` alone &amp; b");
}
