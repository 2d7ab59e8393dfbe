//! Human-readable pieces shared by subcommands: aligned tables (East Asian
//! wide characters count two columns) and "decided by" explanations.

use sanso_classify::{DecidedBy, Decision, Packet, L4};
use sanso_ir::Ruleset;
use sanso_policy::{icmp_type_name, IcmpFamily};
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
