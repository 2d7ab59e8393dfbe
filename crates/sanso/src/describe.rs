//! Human-readable pieces shared by subcommands: aligned tables (East Asian
//! wide characters count two columns), "decided by" explanations, and how a
//! flow crosses the guardrails (the rule a pair meets and what satisfies it).

use sanso_classify::{DecidedBy, Decision, Packet, L4};
use sanso_i18n::{t, t_in, Lang};
use sanso_ir::Ruleset;
use sanso_policy::{
    icmp_type_name, Control, Crossing, Exception, Flow, IcmpFamily, Policy, Standing,
};
use unicode_width::UnicodeWidthStr;

/// Renders rows under a header, columns separated by two spaces; the last
/// column is not padded.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(cell);
            if i + 1 < columns {
                text.extend(std::iter::repeat_n(
                    ' ',
                    widths[i].saturating_sub(cell.width()),
                ));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

fn zone_label(ruleset: &Ruleset, zone: Option<sanso_ir::ZoneIdx>) -> String {
    match zone {
        Some(z) => ruleset.zone(z).name.clone(),
        None => t!("report-no-zone"),
    }
}

/// `tcp/443`, `udp/53`, `icmp/echo-request`, `icmpv6/128`.
pub fn l4_text(packet: &Packet) -> String {
    match packet.l4 {
        L4::Tcp { dport } => format!("tcp/{dport}"),
        L4::Udp { dport } => format!("udp/{dport}"),
        L4::Icmp { icmp_type } => {
            let family = if packet.src.is_ipv4() {
                IcmpFamily::V4
            } else {
                IcmpFamily::V6
            };
            let proto = if packet.src.is_ipv4() {
                "icmp"
            } else {
                "icmpv6"
            };
            match icmp_type_name(family, icmp_type) {
                Some(name) => format!("{proto}/{name}"),
                None => format!("{proto}/{icmp_type}"),
            }
        }
    }
}

/// One line saying what decided a packet's fate.
pub fn decided_by(ruleset: &Ruleset, packet: &Packet, decision: &Decision) -> String {
    match &decision.by {
        DecidedBy::Flow(flow) => t!("report-decided-flow", flow = &ruleset.flow(*flow).name),
        DecidedBy::AntiSpoof { iif, src_zone } => t!(
            "report-decided-anti-spoof",
            source = packet.src.to_string(),
            zone = zone_label(ruleset, *src_zone),
            interface = iif.clone().unwrap_or_else(|| t!("report-no-interface")),
        ),
        DecidedBy::Loopback => t!("report-decided-loopback"),
        DecidedBy::NeighbourDiscovery => t!("report-decided-neighbour-discovery"),
        DecidedBy::MulticastListener => t!("report-decided-multicast-listener"),
        DecidedBy::LinkLocal => t!("report-decided-link-local", source = packet.src.to_string()),
        DecidedBy::DefaultDrop {
            src_zone,
            dst_zone,
            expired,
        } => {
            let text = t!(
                "report-decided-default-drop",
                from = if matches!(packet.path, sanso_classify::Path::FromGateway) {
                    "self".to_string()
                } else {
                    zone_label(ruleset, *src_zone)
                },
                to = if matches!(packet.path, sanso_classify::Path::ToGateway) {
                    "self".to_string()
                } else {
                    zone_label(ruleset, *dst_zone)
                },
                service = l4_text(packet),
            );
            if expired.is_empty() {
                return text;
            }
            let names: Vec<&str> = expired
                .iter()
                .map(|f| ruleset.flow(*f).name.as_str())
                .collect();
            t!(
                "report-decided-expired",
                text = text,
                flows = names.join(", ")
            )
        }
    }
}

/// The key of a standing in the catalogue's selectors and in JSON:
/// `mynumber`, `lgwan`, `internet`, `lgwan-backbone`, `the-internet`,
/// `closed-line`, `self`.
pub fn standing_key(standing: Standing) -> &'static str {
    match standing {
        Standing::Mynumber => "mynumber",
        Standing::Lgwan => "lgwan",
        Standing::InternetTier => "internet",
        Standing::LgwanBackbone => "lgwan-backbone",
        Standing::TheInternet => "the-internet",
        Standing::ClosedLine => "closed-line",
        Standing::Gateway => "self",
    }
}

/// What an end counts as, in a sentence: `the lgwan tier`, `the Internet`.
pub fn standing_words(lang: Lang, standing: Standing) -> String {
    t_in!(lang, "report-standing", standing = standing_key(standing))
}

/// The ends of the rule a crossing meets: `lgwan <-> internet tier`,
/// `the Internet -> self`; guardrail 8 also says what it is about.
fn between_in(lang: Lang, policy: &Policy, crossing: &Crossing) -> String {
    let short = |end| {
        t_in!(
            lang,
            "report-standing-short",
            standing = standing_key(policy.standing(end))
        )
    };
    t_in!(
        lang,
        "report-between",
        guardrail = crossing.guardrail.0,
        from = short(crossing.from),
        to = short(crossing.to),
    )
}

/// The ends of the rule a crossing meets as JSON's `between` holds them:
/// always the English words (`lgwan <-> internet tier`), the same in every
/// language, as JSON's other values are.
pub fn crossing_between(policy: &Policy, crossing: &Crossing) -> String {
    between_in(Lang::En, policy, crossing)
}

/// `approved by CISO, ticket SEC-2026-041 (approved on 2026-04-01, review by 2027-03-31)`;
/// the dates only when written.
pub fn exception_text(exception: &Exception) -> String {
    exception_text_in(sanso_i18n::lang(), exception)
}

fn exception_text_in(lang: Lang, exception: &Exception) -> String {
    let by = &exception.approved_by;
    let ticket = &exception.ticket;
    match (&exception.approved_on, &exception.review_by) {
        (None, None) => t_in!(
            lang,
            "report-exception-approval",
            approved_by = by,
            ticket = ticket
        ),
        (Some(on), None) => t_in!(
            lang,
            "report-exception-approval-approved-on",
            approved_by = by,
            ticket = ticket,
            approved_on = on,
        ),
        (None, Some(review)) => t_in!(
            lang,
            "report-exception-approval-review-by",
            approved_by = by,
            ticket = ticket,
            review_by = review,
        ),
        (Some(on), Some(review)) => t_in!(
            lang,
            "report-exception-approval-both",
            approved_by = by,
            ticket = ticket,
            approved_on = on,
            review_by = review,
        ),
    }
}

/// The names of a role host's `serves`, as written.
fn served(policy: &Policy, host: sanso_policy::HostId) -> String {
    let names: Vec<&str> = policy
        .host(host)
        .serves
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    names.join(", ")
}

/// What satisfies a crossing: `host "inet-vbrowser" (role screen-transfer,
/// serves vbrowser)`, `host "pref-cloud-proxy" (role security-cloud)`,
/// `exception approved by CISO, ticket SEC-2026-041 (...)`.
fn control_text_in(lang: Lang, policy: &Policy, flow: &Flow, control: &Control) -> String {
    match control {
        Control::RoleHost { host, role } => t_in!(
            lang,
            "report-control-role-host",
            name = format!("{:?}", policy.host(*host).name),
            role = role,
            serves = served(policy, *host),
        ),
        Control::SecurityCloud { host } => t_in!(
            lang,
            "report-control-security-cloud",
            name = format!("{:?}", policy.host(*host).name)
        ),
        Control::Exception => match &flow.exception {
            Some(exception) => t_in!(
                lang,
                "report-control-exception",
                approval = exception_text_in(lang, exception)
            ),
            None => t_in!(lang, "report-control-exception-bare"),
        },
    }
}

/// One line per crossing: `guardrail 3 (lgwan <-> internet tier): satisfied by ...`.
pub fn crossing_text(policy: &Policy, flow: &Flow, crossing: &Crossing) -> String {
    crossing_text_in(sanso_i18n::lang(), policy, flow, crossing)
}

/// [`crossing_text`] in a given language.
pub fn crossing_text_in(lang: Lang, policy: &Policy, flow: &Flow, crossing: &Crossing) -> String {
    t_in!(
        lang,
        "report-crossing-text",
        guardrail = crossing.guardrail.0,
        between = between_in(lang, policy, crossing),
        control = control_text_in(lang, policy, flow, &crossing.control),
    )
}

/// Why a pair meets no guardrail: `same tier`, or `no guardrail between the
/// lgwan tier and the LGWAN backbone`.
pub fn no_crossing_text(from: Standing, to: Standing) -> String {
    no_crossing_text_in(sanso_i18n::lang(), from, to)
}

/// [`no_crossing_text`] in a given language.
pub fn no_crossing_text_in(lang: Lang, from: Standing, to: Standing) -> String {
    if from == to {
        t_in!(lang, "report-same-tier")
    } else {
        t_in!(
            lang,
            "report-no-guardrail-between",
            from = standing_words(lang, from),
            to = standing_words(lang, to),
        )
    }
}

/// The title of a guardrail by its number in the contract (guardrails 2
/// and 4 refuse whatever the flow brings, 9 is a flow's reason).
pub fn guardrail_title(lang: Lang, guardrail: u8) -> String {
    t_in!(lang, "report-guardrail-title", guardrail = guardrail)
}

/// The kind of a control in JSON: `role-host`, `security-cloud`, `exception`.
pub fn control_kind(control: &Control) -> &'static str {
    match control {
        Control::RoleHost { .. } => "role-host",
        Control::SecurityCloud { .. } => "security-cloud",
        Control::Exception => "exception",
    }
}

/// A crossing as JSON: the guardrail, its ends, and the control with its details.
pub fn crossing_json(policy: &Policy, flow: &Flow, crossing: &Crossing) -> serde_json::Value {
    let mut control = serde_json::json!({ "kind": control_kind(&crossing.control) });
    match &crossing.control {
        Control::RoleHost { host, role } => {
            control["host"] = policy.host(*host).name.clone().into();
            control["role"] = role.clone().into();
            control["serves"] = policy
                .host(*host)
                .serves
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
                .into();
        }
        Control::SecurityCloud { host } => {
            control["host"] = policy.host(*host).name.clone().into();
            control["role"] = "security-cloud".into();
        }
        Control::Exception => {
            if let Some(exception) = &flow.exception {
                control["approved_by"] = exception.approved_by.clone().into();
                control["ticket"] = exception.ticket.clone().into();
                control["approved_on"] = exception.approved_on.clone().into();
                control["review_by"] = exception.review_by.clone().into();
            }
        }
    }
    serde_json::json!({
        "guardrail": crossing.guardrail.0,
        "between": crossing_between(policy, crossing),
        "from": policy.endpoint_name(crossing.from),
        "to": policy.endpoint_name(crossing.to),
        "control": control,
        "text": crossing_text(policy, flow, crossing),
    })
}
