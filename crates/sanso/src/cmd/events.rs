//! `sanso events`: the daemon's recent events (what the ruleset logged:
//! forbidden crossings, spoofed sources, default drops, ...), grouped by
//! zone pair and source, or followed as they come.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};
use sanso_daemon::monitor::{Event, EventsAnswer, EventsQuery, Reason};
use sanso_daemon::protocol::{Request, Response};
use sanso_i18n::t;

/// Show the daemon's recent events, grouped by zone pair and source:
/// forbidden crossings (個人番号利用事務系 or LGWAN接続系 toward the Internet,
/// transit), spoofed sources, isolated hosts, default drops, logged accepts.
///
/// The daemon keeps the last 4096 events in memory; the journal has them
/// all (`journalctl -u sanso`).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep printing new events as they come, one line each (Ctrl-C stops).
    #[arg(long)]
    follow: bool,
    /// Print JSON (docs/json.md): the daemon's whole answer, or with
    /// --follow one event per line.
    #[arg(long)]
    json: bool,
    /// Only events since this long ago (30s, 10m, 2h) or this time (RFC 3339,
    /// e.g. 2026-12-06T09:00:00+09:00).
    #[arg(long, value_name = "T", value_parser = parse_since)]
    since: Option<i64>,
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
}

/// `--since`: Unix milliseconds.
fn parse_since(text: &str) -> Result<i64, String> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    let ago = super::daemon::parse_duration(text)
        .map_err(|e| t!("cli-events-since-or-time", error = e))?;
    let ago = i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
    Ok(jiff::Timestamp::now().as_millisecond().saturating_sub(ago))
}

fn ask(args: &Args, after: Option<u64>) -> Result<EventsAnswer> {
    let request = Request::Events {
        query: EventsQuery {
            after,
            since_unix_ms: args.since,
        },
    };
    match super::reload::ask(&args.socket, &request)? {
        Response::Events(report) => Ok(*report),
        Response::Error { message } => bail!("{message}"),
        _ => bail!("{}", t!("cli-events-unexpected-answer")),
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let report = ask(&args, None)?;
    if !args.follow {
        if args.json {
            crate::common::print_json(&report)?;
        } else {
            print!("{}", grouped(&report));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !args.json {
        eprint!("{}", header(&report));
    }
    let mut last = 0;
    let mut report = report;
    loop {
        if let Some(oldest) = report.oldest_seq {
            if last > 0 && oldest > last + 1 {
                eprintln!(
                    "({})",
                    t!("cli-events-pushed-out", count = oldest - last - 1)
                );
            }
        }
        for e in &report.events {
            if args.json {
                println!("{}", serde_json::to_string(e)?);
            } else {
                println!("{}", line(e));
            }
        }
        last = report.last_seq.max(last);
        std::thread::sleep(Duration::from_secs(1));
        report = ask(&args, Some(last))?;
        if report.last_seq < last {
            // The daemon restarted: its events count from 1 again.
            eprintln!("({})", t!("cli-events-daemon-restarted"));
            last = 0;
            report = ask(&args, None)?;
        }
    }
}

fn header(r: &EventsAnswer) -> String {
    let n = &r.nflog;
    let mut out = match (&n.error, n.up) {
        (_, true) => t!(
            "cli-events-nflog-reading",
            group = n.group,
            packets = n.packets,
            lost = n.lost
        ),
        (Some(e), false) => t!("cli-events-nflog-not-read", group = n.group, error = e),
        (None, false) => t!("cli-events-nflog-not-yet", group = n.group),
    };
    out.push('\n');
    if r.suppressed > 0 {
        out.push_str(&t!("cli-events-suppressed", count = r.suppressed));
        out.push('\n');
    }
    out
}

/// One event on one line, for `--follow`.
fn line(e: &Event) -> String {
    let end = |end: &sanso_daemon::monitor::End| {
        let mut s = end.addr.map_or("?".to_owned(), |a| a.to_string());
        if let Some(p) = end.port {
            s = if end.addr.is_some_and(|a| a.is_ipv6()) {
                format!("[{s}]:{p}")
            } else {
                format!("{s}:{p}")
            };
        }
        let mut about = vec![end.zone.clone().unwrap_or_else(|| t!("cli-events-no-zone"))];
        if let Some(h) = &end.host {
            about.push(h.clone());
        }
        format!("{s} ({})", about.join(", "))
    };
    let mut text = format!(
        "{} {:<9} {} -> {} {}{}: {}",
        short_time(&e.time),
        e.reason.as_str(),
        end(&e.src),
        end(&e.dst),
        e.proto,
        e.icmp_type
            .map(|t| format!(" {}", t!("cli-events-icmp-type", icmp_type = t)))
            .unwrap_or_default(),
        e.summary()
    );
    if e.packets > 1 {
        text.push_str(&format!(
            " [{}]",
            t!("cli-events-packets", count = e.packets)
        ));
    }
    if e.suppressed_before > 0 {
        text.push_str(&format!(
            " [{}]",
            t!("cli-events-earlier-left-out", count = e.suppressed_before)
        ));
    }
    text
}

/// `2026-12-06T16:50:01.123Z` -> `2026-12-06 16:50:01Z`.
fn short_time(t: &str) -> String {
    let t = t.replacen('T', " ", 1);
    match t.find('.') {
        Some(dot) => format!("{}Z", &t[..dot]),
        None => t,
    }
}

/// The events grouped by zone pair, then by source: the console view.
fn grouped(r: &EventsAnswer) -> String {
    let mut out = header(r);
    if r.events.is_empty() {
        out.push_str(&if r.nflog.up {
            t!("cli-events-none-logged")
        } else {
            t!("cli-events-none")
        });
        out.push('\n');
        return out;
    }
    out.push_str(&t!(
        "cli-events-count",
        count = r.events.len(),
        capacity = r.capacity
    ));
    out.push('\n');
    // (pair) -> (source) -> events
    let mut pairs: BTreeMap<String, BTreeMap<String, Vec<&Event>>> = BTreeMap::new();
    for e in &r.events {
        let source = e.src.addr.map_or("?".to_owned(), |a| a.to_string());
        pairs
            .entry(e.pair())
            .or_default()
            .entry(source)
            .or_default()
            .push(e);
    }
    // Pairs with warnings first, then the busiest.
    let mut order: Vec<(&String, &BTreeMap<String, Vec<&Event>>)> = pairs.iter().collect();
    let weight = |sources: &BTreeMap<String, Vec<&Event>>| {
        let all = sources.values().flatten();
        let warnings = all.clone().filter(|e| e.reason.is_warning()).count();
        (warnings, all.count())
    };
    order.sort_by(|a, b| weight(b.1).cmp(&weight(a.1)).then(a.0.cmp(b.0)));
    for (pair, sources) in order {
        let any = sources.values().flatten().next();
        let tiers = any.map(|e| tiers(e)).unwrap_or_default();
        out.push_str(&format!("\n{pair}  ({tiers})\n"));
        let mut sources: Vec<(&String, &Vec<&Event>)> = sources.iter().collect();
        sources.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        for (source, events) in sources {
            out.push_str(&source_line(source, events));
        }
    }
    out
}

fn tiers(e: &Event) -> String {
    let t = |end: &sanso_daemon::monitor::End| match (end.tier.as_deref(), end.beyond.as_deref()) {
        (Some("external"), Some(b)) => t!("cli-events-external-beyond", beyond = b),
        (Some(t), _) => t.to_owned(),
        (None, _) => t!("cli-events-no-zone"),
    };
    format!("{} -> {}", t(&e.src), t(&e.dst))
}

fn source_line(source: &str, events: &[&Event]) -> String {
    let host = events
        .iter()
        .find_map(|e| e.src.host.as_deref())
        .map(|h| format!(" ({h})"))
        .unwrap_or_default();
    let packets: u64 = events.iter().map(|e| e.packets).sum();
    let mut reasons: BTreeMap<Reason, (usize, Option<u8>)> = BTreeMap::new();
    for e in events {
        let r = reasons.entry(e.reason).or_default();
        r.0 += 1;
        r.1 = r.1.or(e.guardrail);
    }
    let reasons: Vec<String> = reasons
        .iter()
        .map(|(reason, (n, g))| {
            let name = match reason {
                Reason::Forbidden => t!("cli-events-forbidden-crossing"),
                other => other.as_str().to_owned(),
            };
            let g = g
                .map(|g| format!(", {}", t!("cli-events-guardrail", guardrail = g)))
                .unwrap_or_default();
            format!("{name} x{n}{g}")
        })
        .collect();
    let mut targets: Vec<String> = Vec::new();
    for e in events {
        let to = format!(
            "{}{}{}",
            e.dst.addr.map_or("?".to_owned(), |a| a.to_string()),
            match (e.dst.port, e.icmp_type) {
                (Some(p), _) => format!(" {}/{p}", e.proto),
                (None, Some(t)) =>
                    format!(" {} {}", e.proto, t!("cli-events-icmp-type", icmp_type = t)),
                _ => format!(" {}", e.proto),
            },
            e.dst
                .host
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default()
        );
        if !targets.contains(&to) {
            targets.push(to);
        }
    }
    let shown = targets.len().min(3);
    let more = targets.len() - shown;
    let first = events
        .first()
        .map(|e| short_time(&e.time))
        .unwrap_or_default();
    let last = events
        .last()
        .map(|e| short_time(&e.time))
        .unwrap_or_default();
    let mut line = format!(
        "  {source}{host}: {} ({})\n    {}",
        reasons.join(", "),
        t!(
            "cli-events-source-counts",
            events = events.len(),
            packets = packets,
            first = first,
            last = last
        ),
        t!("cli-events-to", targets = targets[..shown].join(", "))
    );
    if more > 0 {
        line.push_str(&format!(" {}", t!("cli-events-and-more", count = more)));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanso_daemon::monitor::End;

    fn event(seq: u64, reason: Reason, src: &str, dst: &str, port: u16) -> Event {
        Event {
            seq,
            time: format!("2026-12-06T16:50:0{seq}.123Z"),
            unix_ms: 0,
            reason,
            guardrail: (reason == Reason::Forbidden).then_some(2),
            hook: Some("forward".to_owned()),
            proto: "tcp".to_owned(),
            icmp_type: None,
            src: End {
                addr: Some(src.parse().expect("ip")),
                port: Some(40000),
                zone: Some("mn".to_owned()),
                tier: Some("mynumber".to_owned()),
                beyond: None,
                host: Some("mn-pc".to_owned()),
            },
            dst: End {
                addr: Some(dst.parse().expect("ip")),
                port: Some(port),
                zone: Some("upstream".to_owned()),
                tier: Some("external".to_owned()),
                beyond: Some("internet".to_owned()),
                host: None,
            },
            iif: None,
            oif: None,
            iif_zone: None,
            flow: None,
            policy: None,
            packets: 2,
            suppressed_before: 0,
            prefix: "sanso drop mn>upstream ".to_owned(),
        }
    }

    #[test]
    fn events_are_grouped_by_pair_and_source() {
        let report = EventsAnswer {
            events: vec![
                event(1, Reason::Forbidden, "10.1.0.5", "203.0.113.9", 443),
                event(2, Reason::Forbidden, "10.1.0.5", "203.0.113.9", 80),
            ],
            last_seq: 2,
            oldest_seq: Some(1),
            capacity: 4096,
            ..EventsAnswer::default()
        };
        let text = grouped(&report);
        assert!(
            text.contains("\nmn -> upstream  (mynumber -> external, beyond internet)\n"),
            "{text}"
        );
        assert!(
            text.contains("  10.1.0.5 (mn-pc): FORBIDDEN CROSSING x2, guardrail 2 (2 events, 4 packets, 2026-12-06 16:50:01Z .. 2026-12-06 16:50:02Z)\n    to 203.0.113.9 tcp/443, 203.0.113.9 tcp/80\n"),
            "{text}"
        );
        let l = line(&report.events[0]);
        assert_eq!(
            l,
            "2026-12-06 16:50:01Z forbidden 10.1.0.5:40000 (mn, mn-pc) -> 203.0.113.9:443 (upstream) tcp: forbidden crossing: mynumber -> external (internet) (guardrail 2) [2 packets]"
        );
    }

    #[test]
    fn since_takes_a_duration_or_a_time() {
        assert_eq!(
            parse_since("2026-12-06T09:00:00+09:00"),
            Ok(1_796_515_200_000)
        );
        let ten_minutes = parse_since("10m").expect("duration");
        let now = jiff::Timestamp::now().as_millisecond();
        assert!((now - 600_000 - ten_minutes).abs() < 5_000);
        assert!(parse_since("yesterday").is_err());
    }
}
