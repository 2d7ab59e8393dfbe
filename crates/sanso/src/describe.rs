//! Human-readable pieces shared by subcommands: aligned tables (East Asian
//! wide characters count two columns), "decided by" explanations, and how a
//! flow crosses the guardrails (the rule a pair meets and what satisfies it).

use sanso_classify::{DecidedBy, Decision, Packet, L4};
use sanso_i18n::t;
use sanso_ir::Ruleset;
use sanso_policy::{
    icmp_type_name, Control, Crossing, Exception, Flow, IcmpFamily, Policy, Standing,
};
use unicode_width::UnicodeWidthStr;

// The words of crossings live with the report's document, in the pure library.
pub use sanso_plan::report::words::{
    control_kind, crossing_between, crossing_text_in, exception_text_in, no_crossing_text_in,
};

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

/// `approved by CISO, ticket SEC-2026-041 (approved on 2026-04-01, review by 2027-03-31)`;
/// the dates only when written.
pub fn exception_text(exception: &Exception) -> String {
    exception_text_in(sanso_i18n::lang(), exception)
}

/// One line per crossing: `guardrail 3 (lgwan <-> internet tier): satisfied by ...`.
pub fn crossing_text(policy: &Policy, flow: &Flow, crossing: &Crossing) -> String {
    crossing_text_in(sanso_i18n::lang(), policy, flow, crossing)
}

/// Why a pair meets no guardrail: `same tier`, or `no guardrail between the
/// lgwan tier and the LGWAN backbone`.
pub fn no_crossing_text(from: Standing, to: Standing) -> String {
    no_crossing_text_in(sanso_i18n::lang(), from, to)
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
