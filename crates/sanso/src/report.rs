//! Human-readable pieces shared by subcommands: aligned tables (East Asian
//! wide characters count two columns), "decided by" explanations, and how a
//! flow crosses the guardrails (the rule a pair meets and what satisfies it).

use sanso_classify::{DecidedBy, Decision, Packet, L4};
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
        None => "no zone".to_string(),
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
        DecidedBy::Flow(flow) => format!("flow {}", ruleset.flow(*flow).name),
        DecidedBy::AntiSpoof { iif, src_zone } => format!(
            "anti-spoofing: source {} ({}) arrived on {}",
            packet.src,
            zone_label(ruleset, *src_zone),
            iif.as_deref().unwrap_or("no interface"),
        ),
        DecidedBy::Loopback => "loopback".to_string(),
        DecidedBy::NeighbourDiscovery => "IPv6 neighbour discovery".to_string(),
        DecidedBy::MulticastListener => "IPv6 multicast listener discovery (MLD)".to_string(),
        DecidedBy::LinkLocal => format!(
            "source {} belongs to no zone (IPv6 link-local, unspecified or multicast)",
            packet.src
        ),
        DecidedBy::DefaultDrop {
            src_zone,
            dst_zone,
            expired,
        } => {
            let mut text = format!(
                "default drop: no flow allows {} -> {} {}",
                if matches!(packet.path, sanso_classify::Path::FromGateway) {
                    "self".to_string()
                } else {
                    zone_label(ruleset, *src_zone)
                },
                if matches!(packet.path, sanso_classify::Path::ToGateway) {
                    "self".to_string()
                } else {
                    zone_label(ruleset, *dst_zone)
                },
                l4_text(packet),
            );
            if !expired.is_empty() {
                let names: Vec<&str> = expired
                    .iter()
                    .map(|f| ruleset.flow(*f).name.as_str())
                    .collect();
                text.push_str(&format!(" (expired: {})", names.join(", ")));
            }
            text
        }
    }
}

/// What an end counts as, in the short words of a rule between two ends:
/// `lgwan`, `internet tier`, `the Internet`, `self`.
pub fn standing_short(standing: Standing) -> &'static str {
    match standing {
        Standing::Mynumber => "mynumber",
        Standing::Lgwan => "lgwan",
        Standing::InternetTier => "internet tier",
        Standing::LgwanBackbone => "LGWAN backbone",
        Standing::TheInternet => "the Internet",
        Standing::ClosedLine => "closed line",
        Standing::Gateway => "self",
    }
}

/// The guardrails a flow can cross with something satisfying them, by their
/// number in the contract: (Japanese, English). Guardrails 2 and 4 refuse
/// whatever the flow brings, 9 is a flow's reason.
pub fn guardrail_title(guardrail: u8) -> (&'static str, &'static str) {
    match guardrail {
        1 => (
            "個人番号利用事務系との接続 (例外と特定ホスト)",
            "mynumber <-> lgwan, the LGWAN backbone, a closed line or self (an exception between named hosts)",
        ),
        2 => (
            "個人番号利用事務系とインターネット",
            "mynumber <-> the internet tier or the Internet (refused)",
        ),
        3 => (
            "LGWAN接続系とインターネット接続系 (無害化・画面転送)",
            "lgwan <-> the internet tier (a sanitizer or screen-transfer host, or an exception)",
        ),
        4 => (
            "LGWAN接続系とインターネット",
            "lgwan <-> the Internet (refused)",
        ),
        5 => (
            "インターネット接続系とインターネット (セキュリティクラウド)",
            "the internet tier <-> the Internet (security-cloud hosts, or an exception)",
        ),
        6 => (
            "外部と外部",
            "external <-> external (an exception; never transit)",
        ),
        7 => (
            "インターネットからゲートウェイ自身",
            "the Internet -> self (an exception)",
        ),
        8 => (
            "層をまたぐ広いポート範囲",
            "more than 1024 ports across tiers (an exception)",
        ),
        _ => ("理由", "a reason"),
    }
}

/// The ends of the rule a crossing meets: `lgwan <-> internet tier`,
/// `the Internet -> self`; guardrail 8 also says what it is about.
pub fn crossing_between(policy: &Policy, crossing: &Crossing) -> String {
    let from = standing_short(policy.standing(crossing.from));
    let to = standing_short(policy.standing(crossing.to));
    match crossing.guardrail.0 {
        5 | 7 => format!("{from} -> {to}"),
        8 => format!("{from} -> {to}, more than 1024 ports"),
        _ => format!("{from} <-> {to}"),
    }
}

/// `approved by CISO, ticket SEC-2026-041 (approved on 2026-04-01, review by 2027-03-31)`;
/// the dates only when written.
pub fn exception_text(exception: &Exception) -> String {
    let mut text = format!(
        "approved by {}, ticket {}",
        exception.approved_by, exception.ticket
    );
    let dates: Vec<String> = [
        ("approved on", &exception.approved_on),
        ("review by", &exception.review_by),
    ]
    .into_iter()
    .filter_map(|(what, date)| date.as_ref().map(|d| format!("{what} {d}")))
    .collect();
    if !dates.is_empty() {
        text.push_str(&format!(" ({})", dates.join(", ")));
    }
    text
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
pub fn control_text(policy: &Policy, flow: &Flow, control: &Control) -> String {
    match control {
        Control::RoleHost { host, role } => format!(
            "host {:?} (role {role}, serves {})",
            policy.host(*host).name,
            served(policy, *host)
        ),
        Control::SecurityCloud { host } => {
            format!("host {:?} (role security-cloud)", policy.host(*host).name)
        }
        Control::Exception => match &flow.exception {
            Some(exception) => format!("exception {}", exception_text(exception)),
            None => "exception".to_string(),
        },
    }
}

/// One line per crossing: `guardrail 3 (lgwan <-> internet tier): satisfied by ...`.
pub fn crossing_text(policy: &Policy, flow: &Flow, crossing: &Crossing) -> String {
    format!(
        "{} ({}): satisfied by {}",
        crossing.guardrail,
        crossing_between(policy, crossing),
        control_text(policy, flow, &crossing.control)
    )
}

/// Why a pair meets no guardrail: `same tier`, or `no guardrail between the
/// lgwan tier and the LGWAN backbone`.
pub fn no_crossing_text(from: Standing, to: Standing) -> String {
    if from == to {
        "same tier".to_string()
    } else {
        format!(
            "no guardrail between {} and {}",
            from.english(),
            to.english()
        )
    }
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
