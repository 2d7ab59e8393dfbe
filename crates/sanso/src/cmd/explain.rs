//! `sanso explain`: the zones of both ends of one packet and the verdict,
//! with the flow (or the check) that decided it, and for an accepted packet
//! the guardrail its flow crosses and what satisfies it; an end isolated
//! by `sanso isolate` (read from the daemon's state directory) makes the
//! verdict `isolated`, naming the isolation.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use sanso_classify::{Classifier, DecidedBy, Packet, Path as PacketPath, L4};
use sanso_daemon::isolation::TargetKind;
use sanso_daemon::isolation::{IsolationEntry, Isolations};
use sanso_daemon::operator::Operator;
use sanso_i18n::{t, t_in, Lang};
use sanso_policy::case::host_case_address;
use sanso_policy::{parse_icmp_type, Endpoint, Flow, IcmpFamily, Policy, Standing};
use unicode_width::UnicodeWidthStr;

use crate::{common, describe};

/// Explain what the policy does with one packet: the zone of each end and
/// what it counts as, the verdict, the flow or check that decided it, and for
/// an accepted packet the guardrail the flow crosses and what satisfies it
/// (a sanitizer or screen-transfer host, security-cloud hosts, an exception).
///
/// `--from` is an address, a host name or `self` (the gateway sends it);
/// `--to` an address, a host name or `self` (the gateway receives it). A host
/// name stands for its first IPv4 address (its first address when it has
/// none).
///
/// What `sanso isolate` cut off is read from the daemon's state directory
/// (`isolations.json`; none: nothing is isolated): a packet from or to an
/// isolated address is `isolated` (dropped), naming the isolation, except a
/// connection an isolated address opens to the gateway itself, which the
/// policy's flows to `self` still judge (management stays open).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// Source address, host name, or `self`.
    #[arg(long)]
    from: String,
    /// Destination address, host name, or `self`.
    #[arg(long)]
    to: String,
    /// tcp, udp, icmp or icmpv6.
    #[arg(long, default_value = "tcp")]
    proto: String,
    /// Destination port (tcp/udp) or ICMP type name or number (icmp/icmpv6).
    #[arg(long)]
    port: String,
    /// The interface the packet arrives on (default: the interface of the
    /// zone the source classifies to). Tests anti-spoofing.
    #[arg(long)]
    iif: Option<String>,
    /// Judge `until` at this time instead of now (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = common::parse_time)]
    at: Option<i64>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The daemon's state directory, for what is isolated (isolations.json);
    /// default /var/lib/sanso, left out with a warning when it cannot be
    /// read there (it is root's).
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

/// Who isolated it, as the audit report says it (`uid 0 (sudo alice, ...)`).
pub(crate) fn isolated_by(entry: &IsolationEntry) -> String {
    serde_json::from_value::<Operator>(entry.by.clone())
        .map(|o| o.describe())
        .unwrap_or_else(|_| entry.by.to_string())
}

/// `office (zone, lgwan): 10.20.0.0/16 fd00:20::/48`.
pub(crate) fn isolated_what(entry: &IsolationEntry) -> String {
    // The message chooses the words of the kind.
    let kind = match entry.kind {
        TargetKind::Zone => "zone",
        TargetKind::Host => "host",
        TargetKind::Prefix => "prefix",
        TargetKind::Recovered => "recovered",
    };
    // No tier: the message leaves it out.
    let tier = entry.tier.as_deref().unwrap_or("none");
    let prefixes: Vec<String> = entry.prefixes.iter().map(ToString::to_string).collect();
    t!(
        "explain-isolated-what",
        target = &entry.target,
        kind = kind,
        tier = tier,
        prefixes = prefixes.join(" ")
    )
}

/// The entry that isolates `addr` at `time` (an entry whose `--for` has
/// run out by then is released by the daemon then).
fn isolating(isolations: &Isolations, addr: IpAddr, time: i64) -> Option<&IsolationEntry> {
    isolations
        .entries
        .iter()
        .find(|e| e.until.is_none_or(|u| u > time) && e.prefixes.iter().any(|p| p.contains(&addr)))
}

fn isolation_json(end: &str, addr: IpAddr, entry: &IsolationEntry) -> serde_json::Value {
    serde_json::json!({
        "end": end,
        "address": addr.to_string(),
        "target": entry.target,
        "kind": entry.kind,
        "tier": entry.tier,
        "prefixes": entry.prefixes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "by": entry.by,
        "operator": isolated_by(entry),
        "since": entry.since,
        "until": entry.until_text(),
        "reason": entry.reason,
        "ticket": entry.ticket,
    })
}

/// The labels of the text output, each followed by its value at one column:
/// the widest label and a space (East Asian wide characters count two).
struct Labels {
    column: usize,
}

impl Labels {
    fn new() -> Self {
        let top = [
            t!("explain-label-from"),
            t!("explain-label-to"),
            t!("explain-label-arrives-on"),
            t!("explain-label-packet"),
            t!("explain-label-verdict"),
            t!("explain-label-decided-by"),
            t!("explain-label-isolated"),
            t!("explain-label-management"),
            t!("explain-label-policy"),
            t!("explain-label-flow"),
            t!("explain-label-pair"),
            t!("explain-label-crosses"),
            t!("explain-label-reason"),
            t!("explain-label-exception"),
            t!("explain-label-until"),
        ];
        let sub = [
            t!("explain-label-by"),
            t!("explain-label-since"),
            t!("explain-label-until"),
            t!("explain-label-why"),
            t!("explain-label-ticket"),
        ];
        let widest = top
            .iter()
            .map(|l| l.width())
            .chain(sub.iter().map(|l| l.width() + SUB_INDENT.len()))
            .max()
            .unwrap_or_default();
        Labels { column: widest + 1 }
    }

    /// `label` then `value` at the column.
    fn line(&self, label: &str, value: &str) -> String {
        let pad = self.column.saturating_sub(label.width());
        format!("{label}{}{value}", " ".repeat(pad))
    }

    /// A label under an isolated end, indented.
    fn sub_line(&self, label: &str, value: &str) -> String {
        self.line(&format!("{SUB_INDENT}{label}"), value)
    }
}

/// The indentation of the lines under an isolated end.
const SUB_INDENT: &str = "  ";

/// The text lines of one isolated end.
fn isolation_lines(
    labels: &Labels,
    end: &str,
    addr: IpAddr,
    entry: &IsolationEntry,
) -> Vec<String> {
    let mut lines = vec![
        labels.line(
            &t!("explain-label-isolated"),
            &t!(
                "explain-isolated-end",
                end = end,
                address = addr.to_string(),
                what = isolated_what(entry)
            ),
        ),
        labels.sub_line(&t!("explain-label-by"), &isolated_by(entry)),
        labels.sub_line(&t!("explain-label-since"), &entry.since),
    ];
    if let Some(until) = entry.until_text() {
        lines.push(labels.sub_line(
            &t!("explain-label-until"),
            &t!("explain-isolated-until", until = until),
        ));
    }
    lines.push(labels.sub_line(&t!("explain-label-why"), &entry.reason));
    if let Some(ticket) = &entry.ticket {
        lines.push(labels.sub_line(&t!("explain-label-ticket"), ticket));
    }
    lines
}

fn resolve(policy: &Policy, what: &str, role: &str) -> Result<(IpAddr, Option<String>)> {
    if let Ok(addr) = what.parse::<IpAddr>() {
        return Ok((addr, None));
    }
    match policy.host_by_name(what) {
        Some(id) => match host_case_address(policy.host(id)) {
            Some(addr) => Ok((addr, Some(what.to_string()))),
            None => bail!(t!("explain-host-no-address", host = quoted(what))),
        },
        None if policy.zone_by_name(what).is_some() => {
            bail!(t!(
                "explain-end-is-zone",
                option = format!("--{role}"),
                zone = quoted(what)
            ))
        }
        None => bail!(t!(
            "explain-end-unknown",
            option = format!("--{role}"),
            what = quoted(what),
            policy = quoted(&policy.name)
        )),
    }
}

/// A name in double quotes, as the messages show names.
fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// Whether `end` holds `addr`, as the ruleset matches it: a zone holds the
/// addresses that classify to it, a host its own addresses.
fn holds(policy: &Policy, end: Endpoint, addr: IpAddr) -> bool {
    match end {
        Endpoint::Gateway => false,
        Endpoint::Zone(z) => policy.classify(addr) == Some(z),
        Endpoint::Host(h) => policy.host(h).addresses.iter().any(|a| a.contains(&addr)),
    }
}

/// The end of `ends` that stands for one end of the packet: the gateway when
/// `addr` is `None`, else the first host holding the address, else the zone.
fn flow_end(policy: &Policy, ends: &[Endpoint], addr: Option<IpAddr>) -> Option<Endpoint> {
    let Some(addr) = addr else {
        return ends.iter().copied().find(|e| *e == Endpoint::Gateway);
    };
    let holding = || ends.iter().copied().filter(|e| holds(policy, *e, addr));
    holding()
        .find(|e| matches!(e, Endpoint::Host(_)))
        .or_else(|| holding().next())
}

/// What the flow's pair for this packet crosses, one line each.
struct Crosses {
    pair: Option<(Endpoint, Endpoint)>,
    lines: Vec<String>,
    json: serde_json::Value,
}

fn crosses(policy: &Policy, flow: &Flow, src: Option<IpAddr>, dst: Option<IpAddr>) -> Crosses {
    let pair = flow_end(policy, &flow.from, src).zip(flow_end(policy, &flow.to, dst));
    let Some((from, to)) = pair else {
        return Crosses {
            pair,
            lines: vec![t!("explain-crosses-unknown")],
            json: serde_json::json!({ "crossings": [], "none": "unknown" }),
        };
    };
    let met: Vec<_> = flow.crossings_of(from, to).collect();
    if met.is_empty() {
        let why = describe::no_crossing_text(policy.standing(from), policy.standing(to));
        return Crosses {
            pair,
            lines: vec![t!("explain-crosses-none", why = &why)],
            json: serde_json::json!({ "crossings": [], "none": why }),
        };
    }
    Crosses {
        pair,
        lines: met
            .iter()
            .map(|c| describe::crossing_text(policy, flow, c))
            .collect(),
        json: serde_json::json!({
            "crossings": met.iter().map(|c| describe::crossing_json(policy, flow, c)).collect::<Vec<_>>(),
            "none": null,
        }),
    }
}

/// `zone lg-office (lgwan, LGWAN接続系)`, `zone upstream (external, beyond:
/// the Internet, インターネット)`, `no zone`.
fn zone_text(policy: &Policy, addr: IpAddr) -> String {
    match policy.classify(addr) {
        Some(z) => {
            let zone = policy.zone(z);
            t!(
                "explain-zone",
                zone = &zone.name,
                tier = sanso_policy::tier_text(zone.tier, zone.beyond),
                standing = Standing::of_zone(zone.tier, zone.beyond).japanese()
            )
        }
        None => t!("explain-no-zone"),
    }
}

fn standing_json(standing: Standing) -> serde_json::Value {
    serde_json::json!({
        "counts_as": standing.english(),
        "japanese": standing.japanese(),
    })
}

/// One end of the packet as JSON: its address, host, zone and what it counts as.
fn end_json(policy: &Policy, addr: IpAddr, host: &Option<String>) -> serde_json::Value {
    let zone = policy.classify(addr).map(|z| policy.zone(z));
    serde_json::json!({
        "address": addr.to_string(),
        "host": host,
        "zone": zone.map(|z| z.name.clone()),
        "tier": zone.map(|z| z.tier.as_str()),
        "beyond": zone.and_then(|z| z.beyond).map(|b| b.as_str()),
        "standing": zone.map(|z| standing_json(Standing::of_zone(z.tier, z.beyond))),
    })
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let time = common::now_or(args.at);
    // The gateway's own address is not looked at on its side of the path:
    // the other end's address stands in for it.
    let (path, src, src_host, dst, dst_host) = match (args.from.as_str(), args.to.as_str()) {
        ("self", "self") => bail!(t!("explain-self-to-self")),
        ("self", to) => {
            let (dst, host) = resolve(&policy, to, "to")?;
            (PacketPath::FromGateway, dst, None, dst, host)
        }
        (from, "self") => {
            let (src, host) = resolve(&policy, from, "from")?;
            (PacketPath::ToGateway, src, host, src, None)
        }
        (from, to) => {
            let (src, src_host) = resolve(&policy, from, "from")?;
            let (dst, dst_host) = resolve(&policy, to, "to")?;
            if dst.is_ipv4() != src.is_ipv4() {
                bail!(t!(
                    "explain-mixed-families",
                    from = src.to_string(),
                    to = dst.to_string()
                ));
            }
            (PacketPath::Forward, src, src_host, dst, dst_host)
        }
    };
    // The address of the end that is not the gateway.
    let peer = if path == PacketPath::FromGateway {
        dst
    } else {
        src
    };
    let l4 = match args.proto.as_str() {
        "tcp" | "udp" => {
            let port: u16 = match args.port.parse() {
                Ok(p) if p > 0 => p,
                _ => bail!(t!("explain-bad-port", port = &args.port)),
            };
            if args.proto == "tcp" {
                L4::Tcp { dport: port }
            } else {
                L4::Udp { dport: port }
            }
        }
        "icmp" | "icmpv6" => {
            let family = if args.proto == "icmp" {
                IcmpFamily::V4
            } else {
                IcmpFamily::V6
            };
            if (family == IcmpFamily::V4) != peer.is_ipv4() {
                bail!(t!(
                    "explain-proto-family",
                    proto = &args.proto,
                    address = peer.to_string()
                ));
            }
            match parse_icmp_type(family, &args.port) {
                Ok(t) => L4::Icmp { icmp_type: t },
                Err(err) => bail!("--port {}: {err}", args.port),
            }
        }
        other => bail!(t!("explain-bad-proto", proto = other)),
    };

    let ruleset = sanso_ir::lower(&policy, time);
    let classifier = Classifier::new(&ruleset);
    let packet = Packet {
        path,
        iif: args.iif.clone(),
        src,
        dst,
        l4,
        time,
    };
    let decision = classifier.classify(&packet);
    let iif = if path == PacketPath::FromGateway {
        None
    } else {
        args.iif.clone().or_else(|| {
            policy
                .classify(src)
                .and_then(|z| policy.zone(z).interfaces.first().cloned())
        })
    };
    let describe = |addr: IpAddr, host: &Option<String>| -> String {
        let zone = zone_text(&policy, addr);
        let address = addr.to_string();
        match host {
            Some(h) => t!("explain-end-host", address = address, host = h, zone = zone),
            None => match policy
                .hosts
                .iter()
                .find(|h| h.addresses.iter().any(|a| a.contains(&addr)))
            {
                Some(h) => t!(
                    "explain-end-host",
                    address = address,
                    host = &h.name,
                    zone = zone
                ),
                None => t!("explain-end", address = address, zone = zone),
            },
        }
    };
    let verdict = decision.verdict.as_str();
    let decided = describe::decided_by(&ruleset, &packet, &decision);
    let flow = match &decision.by {
        DecidedBy::Flow(f) => Some(&policy.flows[ruleset.flow(*f).policy_index]),
        _ => None,
    };
    let (src_end, dst_end) = match path {
        PacketPath::Forward => (Some(src), Some(dst)),
        PacketPath::ToGateway => (Some(src), None),
        PacketPath::FromGateway => (None, Some(dst)),
    };
    let crossed = flow.map(|f| crosses(&policy, f, src_end, dst_end));

    // Isolation comes first in the kernel: forwarded packets of an isolated
    // address and the gateway's own connections to one are dropped; a
    // connection an isolated address opens to the gateway is left to the
    // flows to `self` (management stays open).
    let (state_dir, isolations) = common::load_isolations(args.state_dir.as_deref())?;
    let src_isolated = src_end.and_then(|a| isolating(&isolations, a, time).map(|e| (a, e)));
    let dst_isolated = dst_end.and_then(|a| isolating(&isolations, a, time).map(|e| (a, e)));
    let isolated = match path {
        PacketPath::Forward => src_isolated.is_some() || dst_isolated.is_some(),
        PacketPath::FromGateway => dst_isolated.is_some(),
        PacketPath::ToGateway => false,
    };
    let management_open = path == PacketPath::ToGateway && src_isolated.is_some();
    let isolated_ends: Vec<(&str, IpAddr, &IsolationEntry)> = [
        src_isolated.map(|(a, e)| ("source", a, e)),
        dst_isolated.map(|(a, e)| ("destination", a, e)),
    ]
    .into_iter()
    .flatten()
    .collect();
    // Which ends are isolated, as the message chooses its words: source,
    // destination or both.
    let isolated_which = match (src_isolated.is_some(), dst_isolated.is_some()) {
        (true, true) => "both",
        (true, false) => "source",
        _ => "destination",
    };
    // JSON values stay English in every language; the text speaks the
    // process language.
    let isolation_decided_in = |lang: Lang| {
        if isolated {
            t_in!(lang, "explain-isolation-decided", ends = isolated_which)
        } else {
            String::new()
        }
    };
    let isolation_decided = isolation_decided_in(sanso_i18n::lang());
    let from_text = match src_end {
        Some(_) => describe(src, &src_host),
        None => t!("explain-gateway"),
    };
    let to_text = match dst_end {
        Some(_) => describe(dst, &dst_host),
        None => t!("explain-gateway"),
    };
    if args.json {
        let gateway = || serde_json::json!("self");
        let flow_json = flow.map(|f| {
            let mut out = serde_json::json!({
                "name": f.name,
                "reason": f.reason,
                "file": args.policy.display().to_string(),
                "line": f.location.line,
                "until": f.until_text,
                "exception": f.exception.as_ref().map(|e| serde_json::json!({
                    "approved_by": e.approved_by,
                    "ticket": e.ticket,
                    "approved_on": e.approved_on,
                    "review_by": e.review_by,
                    "waives": f.has_waiving_exception(),
                })),
            });
            if let Some(c) = &crossed {
                out["pair"] = match c.pair {
                    Some((from, to)) => serde_json::json!({
                        "from": policy.endpoint_name(from),
                        "to": policy.endpoint_name(to),
                        "from_text": policy.describe_end(from),
                        "to_text": policy.describe_end(to),
                        "from_standing": standing_json(policy.standing(from)),
                        "to_standing": standing_json(policy.standing(to)),
                    }),
                    None => serde_json::Value::Null,
                };
                out["crossings"] = c.json["crossings"].clone();
                out["no_crossing"] = c.json["none"].clone();
            }
            out
        });
        let out = serde_json::json!({
            "from": match src_end { Some(_) => end_json(&policy, src, &src_host), None => gateway() },
            "to": match dst_end { Some(_) => end_json(&policy, dst, &dst_host), None => gateway() },
            "iif": iif,
            "proto": args.proto,
            "port": args.port,
            "verdict": if isolated { "isolated" } else { verdict },
            "decided_by": if isolated { isolation_decided_in(Lang::En) } else { decided.clone() },
            "flow": flow_json,
            "isolation": if isolated_ends.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::json!({
                    "state_dir": state_dir.display().to_string(),
                    "effect": if isolated { "isolated" } else { "management-open" },
                    "ends": isolated_ends
                        .iter()
                        .map(|(end, addr, entry)| isolation_json(end, *addr, entry))
                        .collect::<Vec<_>>(),
                    "policy_verdict": verdict,
                    "policy_decided_by": decided,
                    "note": management_open.then(|| t_in!(Lang::En, "explain-management-open")),
                })
            },
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let labels = Labels::new();
        let say = |label: String, value: &str| println!("{}", labels.line(&label, value));
        say(t!("explain-label-from"), &from_text);
        say(t!("explain-label-to"), &to_text);
        say(
            t!("explain-label-arrives-on"),
            &match (&iif, path) {
                (_, PacketPath::FromGateway) => t!("explain-sent-by-gateway"),
                (Some(iif), _) => iif.clone(),
                (None, _) => t!("explain-no-zone-interface"),
            },
        );
        say(
            t!("explain-label-packet"),
            &format!("{}/{}", args.proto, args.port),
        );
        if isolated {
            say(t!("explain-label-verdict"), &t!("explain-verdict-isolated"));
            say(t!("explain-label-decided-by"), &isolation_decided);
        } else {
            say(t!("explain-label-verdict"), verdict);
            say(t!("explain-label-decided-by"), &decided);
        }
        for (end, addr, entry) in &isolated_ends {
            for line in isolation_lines(&labels, end, *addr, entry) {
                println!("{line}");
            }
        }
        if management_open {
            say(
                t!("explain-label-management"),
                &t!("explain-management-open"),
            );
        }
        if isolated {
            say(
                t!("explain-label-policy"),
                &t!(
                    "explain-policy-once-released",
                    verdict = verdict,
                    decided = &decided
                ),
            );
        }
        if let Some(flow) = flow {
            say(
                t!("explain-label-flow"),
                &t!(
                    "explain-flow",
                    flow = &flow.name,
                    at = format!("{}:{}", args.policy.display(), flow.location.line)
                ),
            );
            if let Some(crossed) = &crossed {
                if let Some((from, to)) = crossed.pair {
                    say(
                        t!("explain-label-pair"),
                        &format!(
                            "{} -> {}",
                            policy.describe_end(from),
                            policy.describe_end(to)
                        ),
                    );
                }
                for (i, line) in crossed.lines.iter().enumerate() {
                    let label = if i == 0 {
                        t!("explain-label-crosses")
                    } else {
                        String::new()
                    };
                    say(label, line);
                }
            }
            say(t!("explain-label-reason"), &flow.reason);
            if let Some(ex) = &flow.exception {
                let text = describe::exception_text(ex);
                say(
                    t!("explain-label-exception"),
                    &if flow.has_waiving_exception() {
                        text
                    } else {
                        t!("explain-exception-not-counted", exception = text)
                    },
                );
            }
            if let Some(until) = &flow.until_text {
                say(t!("explain-label-until"), until);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
