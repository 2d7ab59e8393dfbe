//! `sanso explain`: the zones of both ends of one packet and the verdict,
//! with the flow (or the check) that decided it.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use sanso_classify::{Classifier, DecidedBy, Packet, Path as PacketPath, L4};
use sanso_policy::case::host_case_address;
use sanso_policy::{parse_icmp_type, IcmpFamily, Policy};

use crate::{common, report};

/// Explain what the policy does with one packet: the zone of each end, the
/// verdict, and the flow or check that decided it.
///
/// `--from` is an address or a host name; `--to` an address, a host name or
/// `self` (the gateway). A host name stands for its first IPv4 address (its
/// first address when it has none).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// Source address or host name.
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
}

fn resolve(policy: &Policy, what: &str, role: &str) -> Result<(IpAddr, Option<String>)> {
    if let Ok(addr) = what.parse::<IpAddr>() {
        return Ok((addr, None));
    }
    match policy.host_by_name(what) {
        Some(id) => match host_case_address(policy.host(id)) {
            Some(addr) => Ok((addr, Some(what.to_string()))),
            None => bail!("host \"{what}\" has no address"),
        },
        None if policy.zone_by_name(what).is_some() => {
            bail!("--{role} \"{what}\" is a zone; give an address or a host name")
        }
        None => bail!(
            "--{role} \"{what}\" is neither an address nor a host of policy \"{}\"",
            policy.name
        ),
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let time = common::now_or(args.at);
    let (src, src_host) = resolve(&policy, &args.from, "from")?;
    let (path, dst, dst_host) = if args.to == "self" {
        (PacketPath::ToGateway, src, None)
    } else {
        let (dst, host) = resolve(&policy, &args.to, "to")?;
        if dst.is_ipv4() != src.is_ipv4() {
            bail!("--from {src} and --to {dst} are of different address families");
        }
        (PacketPath::Forward, dst, host)
    };
    let l4 = match args.proto.as_str() {
        "tcp" | "udp" => {
            let port: u16 = match args.port.parse() {
                Ok(p) if p > 0 => p,
                _ => bail!("--port {}: a port is a number from 1 to 65535", args.port),
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
            if (family == IcmpFamily::V4) != src.is_ipv4() {
                bail!(
                    "--proto {} does not fit the address family of {src}",
                    args.proto
                );
            }
            match parse_icmp_type(family, &args.port) {
                Ok(t) => L4::Icmp { icmp_type: t },
                Err(err) => bail!("--port {}: {err}", args.port),
            }
        }
        other => bail!("--proto {other}: expected tcp, udp, icmp or icmpv6"),
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
    let iif = args.iif.clone().or_else(|| {
        policy
            .classify(src)
            .and_then(|z| policy.zone(z).interfaces.first().cloned())
    });
    let describe = |addr: IpAddr, host: &Option<String>| -> String {
        let zone = match policy.classify(addr) {
            Some(z) => {
                let zone = policy.zone(z);
                format!(
                    "zone {} ({}, {})",
                    zone.name,
                    zone.tier,
                    zone.tier.japanese()
                )
            }
            None => "no zone".to_string(),
        };
        match host {
            Some(h) => format!("{addr} (host {h}), {zone}"),
            None => match policy
                .hosts
                .iter()
                .find(|h| h.addresses.iter().any(|a| a.contains(&addr)))
            {
                Some(h) => format!("{addr} (host {}), {zone}", h.name),
                None => format!("{addr}, {zone}"),
            },
        }
    };
    let verdict = crate::cmd::test::verdict_word(decision.verdict);
    let decided = report::decided_by(&ruleset, &packet, &decision);
    let flow = match &decision.by {
        DecidedBy::Flow(f) => Some(&policy.flows[ruleset.flow(*f).policy_index]),
        _ => None,
    };
    let to_text = if path == PacketPath::ToGateway {
        "self (the gateway)".to_string()
    } else {
        describe(dst, &dst_host)
    };
    if args.json {
        let out = serde_json::json!({
            "from": { "address": src.to_string(), "host": src_host, "zone": policy.classify(src).map(|z| policy.zone(z).name.clone()) },
            "to": if path == PacketPath::ToGateway { serde_json::json!("self") } else {
                serde_json::json!({ "address": dst.to_string(), "host": dst_host, "zone": policy.classify(dst).map(|z| policy.zone(z).name.clone()) })
            },
            "iif": iif,
            "proto": args.proto,
            "port": args.port,
            "verdict": verdict,
            "decided_by": decided,
            "flow": flow.map(|f| serde_json::json!({ "name": f.name, "reason": f.reason, "line": f.location.line })),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("from:       {}", describe(src, &src_host));
        println!("to:         {to_text}");
        println!(
            "arrives on: {}",
            iif.as_deref().unwrap_or("no zone interface")
        );
        println!("packet:     {}/{}", args.proto, args.port);
        println!("verdict:    {verdict}");
        println!("decided by: {decided}");
        if let Some(flow) = flow {
            println!(
                "flow:       {} ({}:{})",
                flow.name,
                args.policy.display(),
                flow.location.line
            );
            println!("reason:     {}", flow.reason);
            if let Some(ex) = &flow.exception {
                println!(
                    "exception:  approved by {}, ticket {}",
                    ex.approved_by, ex.ticket
                );
            }
            if let Some(until) = &flow.until_text {
                println!("until:      {until}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
