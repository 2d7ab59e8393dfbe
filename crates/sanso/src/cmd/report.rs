//! `sanso report`: the auditor's report (監査及び自己点検, 第6): a
//! self-contained HTML page (the default when written to a file), JSON for
//! other tools, or Markdown (the default on standard output), every label in
//! the process language (`--lang`, else the locale).

mod html;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sanso_i18n::{t, Lang};
use sanso_policy::{Control, Endpoint, Flow, Policy, Standing, Tier, Zone};

use sanso_daemon::isolation::{Isolations, TargetKind, ISOLATIONS_FILE};
use sanso_daemon::operator::Operator;
use sanso_plan::report as doc;

use crate::common;
use crate::describe::{guardrail_title, standing_words};

/// Write an audit report (監査報告) of a policy: Markdown, HTML or JSON, in the language of `--lang` or the locale.
///
/// It shows the zones with their tiers, what each external zone counts as
/// (`beyond`) and their organisations, the zone matrix (which zones may open
/// connections to which), every allowed flow with its reason and what lets it
/// cross tiers (a sanitizer or screen-transfer host, security-cloud hosts, an
/// exception), every exception that waives a guardrail with its approval and
/// review date, the time-bounded flows (委託), what `sanso isolate` has cut
/// off now (緊急時対応, from the daemon's state directory), and optionally
/// the change history from the daemon's audit log (with its hash chain
/// checked; who made each change, under which ticket and why) and whether
/// the live gateway matches the policy (root).
///
/// Exit status 0; 2 when `--audit` or `--live` found a problem (a broken
/// chain, a drifted table), so a scheduled self-inspection can alert on it.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The approved policy file (TOML).
    policy: PathBuf,
    /// Include the change history from this audit log (audit.jsonl) and check its chain.
    #[arg(long)]
    audit: Option<PathBuf>,
    /// Compare with the live `table inet sanso` (root).
    #[arg(long)]
    live: bool,
    /// With --live: the network namespace to read (`ip netns` name).
    #[arg(long, requires = "live")]
    netns: Option<String>,
    /// The daemon's state directory, for what is isolated (isolations.json;
    /// none: nothing is); default /var/lib/sanso, left out with a warning
    /// when it cannot be read there (it is root's).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// The time the report is made at (YYYY-MM-DD or RFC 3339); default now.
    #[arg(long, value_parser = common::parse_time)]
    now: Option<i64>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The form: html (the default with -o, unless the file ends in .md or
    /// .json), md (the default on standard output) or json.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// The form of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Html,
    Md,
    Json,
}

impl Format {
    /// `--format`, else by the output file's extension (html unless .md or
    /// .json), else Markdown on standard output.
    fn choose(given: Option<Format>, output: Option<&std::path::Path>) -> Format {
        if let Some(f) = given {
            return f;
        }
        match output.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
            Some("md" | "markdown") => Format::Md,
            Some("json") => Format::Json,
            _ if output.is_some() => Format::Html,
            _ => Format::Md,
        }
    }
}

fn ends(policy: &Policy, ends: &[Endpoint]) -> String {
    ends.iter()
        .map(|e| policy.endpoint_name(*e))
        .collect::<Vec<_>>()
        .join(", ")
}

fn services(flow: &Flow) -> String {
    doc::services(flow).join(", ")
}

/// Markdown table cell text: no pipes, no newlines.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown table's header: the column titles, then the separator row.
fn table_header<S: AsRef<str>>(out: &mut String, columns: &[S]) {
    let titles: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    let _ = writeln!(out, "| {} |", titles.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(columns.len()));
}

/// What a section's table shows, a blank line, then the table's header.
fn table_intro<S: AsRef<str>>(out: &mut String, intro: &str, columns: &[S]) {
    let _ = writeln!(out, "{intro}");
    let _ = writeln!(out);
    table_header(out, columns);
}

fn time_text(seconds: i64) -> String {
    let jst = jiff::tz::TimeZone::fixed(jiff::tz::offset(9));
    match jiff::Timestamp::from_second(seconds) {
        Ok(t) => t.to_zoned(jst).strftime("%Y-%m-%d %H:%M JST").to_string(),
        Err(_) => seconds.to_string(),
    }
}

/// A zone's tier: `lgwan`; in Japanese `LGWAN接続系 (lgwan)`.
fn tier_text(tier: Tier) -> String {
    t!("report-md-tier", tier = tier.as_str())
}

/// What an external zone counts as: `lgwan: the LGWAN backbone`; `—` for a
/// zone of the three tiers.
fn beyond_text(zone: &Zone) -> String {
    if zone.tier != Tier::External {
        return "—".to_string();
    }
    let standing = standing_words(
        sanso_i18n::lang(),
        Standing::of_zone(zone.tier, zone.beyond),
    );
    match zone.beyond {
        Some(beyond) => format!("{}: {standing}", beyond.as_str()),
        None => t!("report-beyond-missing", standing = standing),
    }
}

/// The zones grouped by organisation (in the order organisations first
/// appear), file order within a group; zones without one last.
fn zones_by_organisation(policy: &Policy) -> Vec<&Zone> {
    let mut organisations: Vec<&str> = Vec::new();
    for zone in &policy.zones {
        if let Some(org) = zone.organisation.as_deref() {
            if !organisations.contains(&org) {
                organisations.push(org);
            }
        }
    }
    let mut zones: Vec<&Zone> = policy.zones.iter().collect();
    zones.sort_by_key(|z| {
        z.organisation
            .as_deref()
            .and_then(|o| organisations.iter().position(|x| *x == o))
            .unwrap_or(usize::MAX)
    });
    zones
}

/// `G1`, `G1, G8`: the guardrails of some crossings, in order, once each.
fn guardrail_list(mut numbers: Vec<u8>) -> String {
    numbers.sort_unstable();
    numbers.dedup();
    numbers
        .iter()
        .map(|g| format!("G{g}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What lets a flow cross the guardrails it meets:
/// `screen-transfer inet-vbrowser (G3)`, `exception SEC-2026-041 (G1)`;
/// `— same tier` when every pair lies in one tier (the LGWAN backbone counts
/// as the lgwan tier), `— crosses no guardrail` otherwise (lgwan -> self,
/// lgwan -> a closed line).
fn crossing_controls(policy: &Policy, flow: &Flow) -> String {
    let mut controls: Vec<(&Control, Vec<u8>)> = Vec::new();
    for crossing in &flow.crossings {
        match controls.iter_mut().find(|(c, _)| **c == crossing.control) {
            Some((_, guardrails)) => guardrails.push(crossing.guardrail.0),
            None => controls.push((&crossing.control, vec![crossing.guardrail.0])),
        }
    }
    if controls.is_empty() {
        let tier = |end: &Endpoint| match policy.standing(*end) {
            Standing::LgwanBackbone => Standing::Lgwan,
            other => other,
        };
        let same_tier = flow
            .from
            .iter()
            .all(|f| flow.to.iter().all(|t| tier(f) == tier(t)));
        return if same_tier {
            format!("— {}", t!("report-same-tier"))
        } else {
            format!("— {}", t!("report-crosses-no-guardrail"))
        };
    }
    controls
        .into_iter()
        .map(|(control, guardrails)| {
            let what = match control {
                Control::RoleHost { host, role } => {
                    let label = match role.as_str() {
                        "sanitizer" | "screen-transfer" => {
                            t!("report-md-control", control = role.as_str())
                        }
                        other => other.to_owned(),
                    };
                    format!("{label} {}", policy.host(*host).name)
                }
                Control::SecurityCloud { host } => format!(
                    "{} {}",
                    t!("report-md-control", control = "security-cloud"),
                    policy.host(*host).name
                ),
                Control::Exception => format!(
                    "{} {}",
                    t!("report-md-control", control = "exception"),
                    flow.exception.as_ref().map_or("-", |e| e.ticket.as_str())
                ),
            };
            format!("{what} ({})", guardrail_list(guardrails))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The guardrails a flow's exception waives, with the pairs:
/// `G1 (mn-batch-01 → chukan-server)`.
fn waived(policy: &Policy, flow: &Flow) -> String {
    let mut by_guardrail: BTreeMap<u8, Vec<String>> = BTreeMap::new();
    for crossing in flow
        .crossings
        .iter()
        .filter(|c| c.control == Control::Exception)
    {
        let pair = format!(
            "{} → {}",
            policy.endpoint_name(crossing.from),
            policy.endpoint_name(crossing.to)
        );
        let pairs = by_guardrail.entry(crossing.guardrail.0).or_default();
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    by_guardrail
        .into_iter()
        .map(|(g, pairs)| format!("G{g} ({})", pairs.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let now = common::now_or(args.now);
    let (state_dir, isolations) = crate::common::load_isolations(args.state_dir.as_deref())?;
    let format = Format::choose(args.format, args.output.as_deref());
    if format != Format::Md {
        return run_document(&args, format, &policy, now, &state_dir, &isolations);
    }
    let mut problems = 0usize;
    let mut out = String::new();

    let _ = writeln!(out, "# {}: {}", t!("report-title"), policy.name);
    let _ = writeln!(out);
    table_header(&mut out, &[t!("report-item"), t!("report-value")]);
    let _ = writeln!(
        out,
        "| {} | {} |",
        t!("report-policy"),
        cell(&args.policy.display().to_string())
    );
    let _ = writeln!(
        out,
        "| {} | {} |",
        t!("report-revision"),
        policy.revision.as_deref().unwrap_or("-")
    );
    let _ = writeln!(out, "| SHA-256 | `{}` |", policy.content_hash);
    let _ = writeln!(out, "| {} | {} |", t!("report-made-at"), time_text(now));
    let _ = writeln!(
        out,
        "| {} | {} |",
        t!("report-size-label"),
        t!(
            "report-size",
            zones = policy.zones.len(),
            hosts = policy.hosts.len(),
            flows = policy.flows.len(),
            exceptions = policy
                .flows
                .iter()
                .filter(|f| f.has_waiving_exception())
                .count(),
        )
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", t!("report-md-deny-default"));
    let _ = writeln!(out);

    // Zones.
    let _ = writeln!(out, "## {}", t!("report-zones"));
    let _ = writeln!(out);
    table_intro(
        &mut out,
        &t!("report-zones-note"),
        &[
            t!("report-zone"),
            t!("report-organisation"),
            t!("report-tier"),
            t!("report-beyond"),
            t!("report-interfaces"),
            t!("report-networks"),
        ],
    );
    for zone in zones_by_organisation(&policy) {
        let networks: Vec<String> = zone.networks.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&zone.name),
            cell(zone.organisation.as_deref().unwrap_or("—")),
            tier_text(zone.tier),
            beyond_text(zone),
            zone.interfaces.join(", "),
            networks.join(", ")
        );
    }
    let _ = writeln!(out);

    // Zone matrix: which zone (or the gateway) may open connections to which.
    let matrix = doc::ZoneMatrix::of(&policy, now);
    let _ = writeln!(out, "## {}", t!("report-zone-matrix"));
    let _ = writeln!(out);
    let columns: Vec<String> = std::iter::once(cell(&t!("report-from-to")))
        .chain(matrix.zones.iter().map(|n| cell(n)))
        .collect();
    table_intro(&mut out, &t!("report-md-zone-matrix-note"), &columns);
    for (from, cells) in matrix.zones.iter().zip(&matrix.cells) {
        let row: Vec<String> = cells
            .iter()
            .map(|flows| match flows.len() {
                0 => "—".to_string(),
                n => n.to_string(),
            })
            .collect();
        let _ = writeln!(out, "| **{}** | {} |", cell(from), row.join(" | "));
    }
    let _ = writeln!(out);

    // Flows.
    let _ = writeln!(out, "## {}", t!("report-flows"));
    let _ = writeln!(out);
    table_intro(
        &mut out,
        &t!("report-flows-note"),
        &[
            t!("report-flow"),
            t!("report-from"),
            t!("report-to"),
            t!("report-services"),
            t!("report-md-crossing"),
            t!("report-reason"),
            t!("report-conditions"),
            t!("report-line"),
        ],
    );
    for flow in &policy.flows {
        let mut conditions = Vec::new();
        if flow.log {
            conditions.push(t!("report-cond-log"));
        }
        if let Some(limit) = flow.limit {
            conditions.push(t!(
                "report-cond-limit",
                limit = format!("{}/{}", limit.count, limit.unit.as_str())
            ));
        }
        if let (Some(until), Some(text)) = (flow.until, &flow.until_text) {
            conditions.push(if until > now {
                t!("report-cond-until", until = text)
            } else {
                t!("report-cond-until-expired", until = text)
            });
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&flow.name),
            cell(&ends(&policy, &flow.from)),
            cell(&ends(&policy, &flow.to)),
            cell(&services(flow)),
            cell(&crossing_controls(&policy, flow)),
            cell(&flow.reason),
            cell(&conditions.join("; ")),
            flow.location.line
        );
    }
    let mut met: Vec<u8> = policy
        .flows
        .iter()
        .flat_map(|f| f.crossings.iter().map(|c| c.guardrail.0))
        .collect();
    met.sort_unstable();
    met.dedup();
    if !met.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", t!("report-guardrails"));
        let _ = writeln!(out);
        for g in met {
            let _ = writeln!(out, "- G{g}: {}", guardrail_title(sanso_i18n::lang(), g));
        }
    }
    let _ = writeln!(out);

    // Exceptions.
    let _ = writeln!(out, "## {}", t!("report-exceptions"));
    let _ = writeln!(out);
    let exceptions: Vec<&Flow> = policy
        .flows
        .iter()
        .filter(|f| f.has_waiving_exception())
        .collect();
    let today = doc::jst_date(now);
    if exceptions.is_empty() {
        let _ = writeln!(out, "{}", t!("report-none"));
    } else {
        table_intro(
            &mut out,
            &t!("report-exceptions-note"),
            &[
                t!("report-flow"),
                t!("report-from"),
                t!("report-to"),
                t!("report-approved-by"),
                t!("report-ticket"),
                t!("report-approved-on"),
                t!("report-review-by"),
                t!("report-waives"),
                t!("report-reason"),
            ],
        );
        for flow in exceptions {
            if let Some(ex) = &flow.exception {
                let review = match ex.review_by.as_deref() {
                    Some(date) if date < today.as_str() => {
                        format!("{date} ({})", t!("report-overdue"))
                    }
                    Some(date) => date.to_string(),
                    None => "-".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    cell(&flow.name),
                    cell(&ends(&policy, &flow.from)),
                    cell(&ends(&policy, &flow.to)),
                    cell(&ex.approved_by),
                    cell(&ex.ticket),
                    cell(ex.approved_on.as_deref().unwrap_or("-")),
                    cell(&review),
                    cell(&waived(&policy, flow)),
                    cell(&flow.reason)
                );
            }
        }
    }
    let idle: Vec<&str> = policy
        .flows
        .iter()
        .filter(|f| f.exception.is_some() && !f.has_waiving_exception())
        .map(|f| f.name.as_str())
        .collect();
    if !idle.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            t!("report-not-counted", flows = cell(&idle.join(", ")))
        );
    }
    let _ = writeln!(out);

    // Time-bounded flows.
    let _ = writeln!(out, "## {}", t!("report-time-bounded"));
    let _ = writeln!(out);
    let bounded: Vec<&Flow> = policy.flows.iter().filter(|f| f.until.is_some()).collect();
    if bounded.is_empty() {
        let _ = writeln!(out, "{}", t!("report-none"));
    } else {
        table_header(
            &mut out,
            &[t!("report-flow"), t!("report-until"), t!("report-state")],
        );
        for flow in bounded {
            let until = flow.until.unwrap_or_default();
            let state = if until > now {
                t!("report-window-active")
            } else {
                t!("report-window-expired")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(&flow.name),
                t!(
                    "report-ends",
                    until = flow.until_text.as_deref().unwrap_or("-"),
                    time = time_text(until)
                ),
                state
            );
        }
    }
    let _ = writeln!(out);

    isolated_now(&mut out, &state_dir, &isolations, now);

    if let Some(path) = &args.audit {
        problems += history(&mut out, path)?;
    }
    if args.live {
        problems += live(&mut out, &policy, &isolations, now, args.netns.as_deref())?;
    }

    match &args.output {
        Some(path) => std::fs::write(path, &out)
            .with_context(|| t!("report-cannot-write", path = path.display().to_string()))?,
        None => print!("{out}"),
    }
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// What `sanso isolate` has cut off now (緊急時対応).
fn isolated_now(out: &mut String, state_dir: &std::path::Path, isolations: &Isolations, now: i64) {
    let _ = writeln!(out, "## {}", t!("report-isolations"));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}",
        t!(
            "report-state-dir",
            dir = state_dir.display().to_string(),
            file = ISOLATIONS_FILE
        )
    );
    let _ = writeln!(out);
    if isolations.entries.is_empty() {
        let _ = writeln!(out, "{}", t!("report-none"));
        let _ = writeln!(out);
        return;
    }
    table_intro(
        out,
        &t!("report-isolations-note"),
        &[
            t!("report-target"),
            t!("report-kind"),
            t!("report-addresses"),
            t!("report-since"),
            t!("report-isolated-until"),
            t!("report-operator"),
            t!("report-ticket"),
            t!("report-reason"),
        ],
    );
    for entry in &isolations.entries {
        let kind = match entry.kind {
            TargetKind::Zone => "zone",
            TargetKind::Host => "host",
            TargetKind::Prefix => "prefix",
            TargetKind::Recovered => "recovered",
        };
        let kind = t!("report-isolation-kind", kind = kind);
        let kind = match &entry.tier {
            Some(tier) => format!("{kind} ({tier})"),
            None => kind,
        };
        let prefixes: Vec<String> = entry.prefixes.iter().map(ToString::to_string).collect();
        let until = match (entry.until, entry.until_text()) {
            (Some(until), Some(text)) if until <= now => {
                t!("report-isolation-passed", until = text)
            }
            (_, Some(text)) => text,
            _ => t!("report-until-release"),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&entry.target),
            cell(&kind),
            cell(&prefixes.join(", ")),
            cell(&entry.since),
            cell(&until),
            cell(&crate::cmd::explain::isolated_by(entry)),
            cell(entry.ticket.as_deref().unwrap_or("-")),
            cell(&entry.reason),
        );
    }
    let _ = writeln!(out);
}

/// The change history from the audit log; returns 1 when its chain is broken.
fn history(out: &mut String, path: &std::path::Path) -> Result<usize> {
    let _ = writeln!(out, "## {}", t!("report-history"));
    let _ = writeln!(out);
    let cannot_read = || t!("report-cannot-read", path = path.display().to_string());
    let verified = sanso_daemon::audit::check_chain_file(path).with_context(cannot_read)?;
    let broken = match &verified {
        Ok(chain) => {
            let _ = writeln!(
                out,
                "{}",
                t!(
                    "report-md-chain-intact",
                    file = path.display().to_string(),
                    records = chain.records,
                    head = &chain.head
                )
            );
            0
        }
        Err(at) => {
            let _ = writeln!(
                out,
                "**{}**",
                t!(
                    "report-md-chain-altered",
                    file = path.display().to_string(),
                    at = at.to_string()
                )
            );
            1
        }
    };
    let _ = writeln!(out);
    let text = std::fs::read_to_string(path).with_context(cannot_read)?;
    table_header(
        out,
        &[
            "#".to_owned(),
            t!("report-time"),
            t!("report-event"),
            t!("report-revision"),
            "SHA-256".to_owned(),
            "uid".to_owned(),
            t!("report-operator"),
            t!("report-ticket"),
            t!("report-reason"),
        ],
    );
    for line in text.lines() {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let field = |key: &str| {
            record
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("-")
                .to_string()
        };
        let policy = record.get("policy");
        let revision = policy
            .and_then(|p| p.get("revision"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("-");
        let hash = policy
            .and_then(|p| p.get("content_hash"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("-");
        let operator = record
            .get("detail")
            .and_then(|d| d.get("operator"))
            .cloned()
            .and_then(|o| serde_json::from_value::<Operator>(o).ok());
        let said = |text: Option<&String>| text.map_or_else(|| "-".to_string(), |t| cell(t));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | `{}` | {} | {} | {} | {} |",
            record
                .get("seq")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            cell(&field("time")),
            cell(&field("event")),
            cell(revision),
            &hash[..hash.len().min(16)],
            record
                .get("uid")
                .and_then(serde_json::Value::as_u64)
                .map(|u| u.to_string())
                .unwrap_or_else(|| "-".into()),
            operator
                .as_ref()
                .map_or_else(|| "-".to_string(), |o| cell(&o.describe())),
            said(operator.as_ref().and_then(|o| o.ticket.as_ref())),
            said(operator.as_ref().and_then(|o| o.reason.as_ref())),
        );
    }
    let _ = writeln!(out);
    Ok(broken)
}

/// Whether the live table matches (its isolation sets holding what the
/// state directory says is isolated); returns 1 when it drifted.
fn live(
    out: &mut String,
    policy: &Policy,
    isolations: &Isolations,
    now: i64,
    netns: Option<&str>,
) -> Result<usize> {
    let _ = writeln!(out, "## {}", t!("report-live"));
    let _ = writeln!(out);
    let ruleset = sanso_ir::lower(policy, now);
    let text = sanso_nft::text::render_with(&ruleset, &isolations.isolated());
    let expected = sanso_nft::readback::expected_table(&text)
        .with_context(|| t!("report-cannot-compute-expected"))?;
    let live =
        sanso_nft::readback::live_table(netns).with_context(|| t!("report-cannot-read-live"))?;
    let diff = sanso_nft::readback::diff(&expected, &live);
    let _ = writeln!(
        out,
        "{}: {}",
        t!("report-live-table"),
        live.comment
            .clone()
            .unwrap_or_else(|| t!("report-live-none"))
    );
    let _ = writeln!(out);
    if diff.is_empty() {
        let _ = writeln!(out, "{}", t!("report-live-matches"));
    } else {
        let _ = writeln!(
            out,
            "**{}**",
            t!("report-live-differs", count = diff.changes.len())
        );
        let _ = writeln!(out);
        for change in &diff.changes {
            let _ = writeln!(out, "- {}", cell(&change.to_string()));
        }
    }
    for warning in &diff.warnings {
        let _ = writeln!(out, "- {}: {}", t!("report-warning"), cell(warning));
    }
    let _ = writeln!(out);
    Ok(usize::from(!diff.is_empty()))
}

/// The HTML or JSON report: the document built once, then rendered.
fn run_document(
    args: &Args,
    format: Format,
    policy: &Policy,
    now: i64,
    state_dir: &std::path::Path,
    isolations: &Isolations,
) -> Result<ExitCode> {
    let lang: Lang = sanso_i18n::lang();
    let mut problems = 0usize;
    let audit = match &args.audit {
        Some(path) => {
            let audit = audit_data(path, state_dir)?;
            problems += usize::from(!audit.intact);
            Some(audit)
        }
        None => None,
    };
    let live = if args.live {
        let live = live_data(policy, isolations, now, args.netns.as_deref())?;
        problems += usize::from(!live.matches);
        Some(live)
    } else {
        None
    };
    let document = doc::build(
        lang,
        policy,
        doc::Inputs {
            policy_file: &args.policy,
            now,
            isolations_source: doc::IsolationsSource {
                dir: state_dir.display().to_string(),
                file: ISOLATIONS_FILE.to_owned(),
            },
            isolations: isolation_rows(isolations, now),
            live,
            audit,
        },
    );
    let text = match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&document)?;
            text.push('\n');
            text
        }
        _ => html::render(lang, &document),
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| t!("report-cannot-write", path = path.display().to_string()))?,
        None => print!("{text}"),
    }
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// What is isolated now, as the document lists it.
fn isolation_rows(isolations: &Isolations, now: i64) -> Vec<doc::IsolationRow> {
    isolations
        .entries
        .iter()
        .map(|e| doc::IsolationRow {
            target: e.target.clone(),
            kind: match e.kind {
                TargetKind::Zone => "zone",
                TargetKind::Host => "host",
                TargetKind::Prefix => "prefix",
                TargetKind::Recovered => "recovered",
            },
            tier: e.tier.clone(),
            addresses: e.prefixes.iter().map(ToString::to_string).collect(),
            since: e.since.clone(),
            until: e.until_text(),
            until_state: e
                .until_text()
                .and(e.until)
                .map(|until| doc::until_state(until, now)),
            by: crate::cmd::explain::isolated_by(e),
            ticket: e.ticket.clone(),
            reason: e.reason.clone(),
        })
        .collect()
}

/// The live gateway: whether its table matches (drift), the accept counter
/// of every flow and the drop counters of the zone pairs.
fn live_data(
    policy: &Policy,
    isolations: &Isolations,
    now: i64,
    netns: Option<&str>,
) -> Result<doc::Live> {
    use sanso_daemon::kernel::Kernel as _;
    let ruleset = sanso_ir::lower(policy, now);
    let text = sanso_nft::text::render_with(&ruleset, &isolations.isolated());
    let expected = sanso_nft::readback::expected_table(&text)
        .with_context(|| t!("report-cannot-compute-expected"))?;
    let live =
        sanso_nft::readback::live_table(netns).with_context(|| t!("report-cannot-read-live"))?;
    let diff = sanso_nft::readback::diff(&expected, &live);
    let kernel = sanso_daemon::kernel::NftKernel::new(netns.map(str::to_owned));
    let (counters, counters_error) = match kernel.counters() {
        Ok(c) => (c, None),
        Err(e) => (Vec::new(), Some(format!("{:#}", anyhow::Error::from(e)))),
    };
    let by_name: BTreeMap<&str, &sanso_daemon::kernel::CounterValue> =
        counters.iter().map(|c| (c.name.as_str(), c)).collect();
    let hits = (0..ruleset.flows.len())
        .map(|i| {
            let name = sanso_nft::text::layout::flow_counter_name(&ruleset, sanso_ir::FlowIdx(i));
            let counter = by_name.get(name.as_str());
            let packets = counter.map_or(0, |c| c.packets);
            doc::FlowHits {
                flow: ruleset.flows[i].name.clone(),
                packets,
                bytes: counter.map_or(0, |c| c.bytes),
                unused: packets == 0,
            }
        })
        .collect();
    let drops = counters
        .iter()
        .filter_map(|c| {
            let pair = c.name.strip_prefix("drop.")?;
            (c.packets > 0).then(|| doc::PairDrops {
                pair: pair.to_owned(),
                packets: c.packets,
            })
        })
        .collect();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    Ok(doc::Live {
        gateway: match netns {
            Some(ns) => format!("{host} (netns {ns})"),
            None => host,
        },
        live_comment: live.comment.clone(),
        matches: diff.is_empty(),
        differences: diff.changes.iter().map(ToString::to_string).collect(),
        warnings: diff.warnings.clone(),
        hits,
        drops,
        counters_error,
    })
}

/// The verified change history, and the flow changes between the revisions
/// it names in turn (from the daemon's archive where present).
fn audit_data(path: &std::path::Path, state_dir: &std::path::Path) -> Result<doc::Audit> {
    let cannot_read = || t!("report-cannot-read", path = path.display().to_string());
    let verified = sanso_daemon::audit::check_chain_file(path).with_context(cannot_read)?;
    let text = std::fs::read_to_string(path).with_context(cannot_read)?;
    let mut history = Vec::new();
    let mut hashes: Vec<String> = Vec::new();
    for line in text.lines() {
        let Ok(record) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let string = |v: Option<&serde_json::Value>| {
            v.and_then(serde_json::Value::as_str).map(str::to_owned)
        };
        let policy = record.get("policy");
        let content_hash = string(policy.and_then(|p| p.get("content_hash")));
        let operator = record
            .get("detail")
            .and_then(|d| d.get("operator"))
            .cloned()
            .and_then(|o| serde_json::from_value::<Operator>(o).ok());
        let event = string(record.get("event")).unwrap_or_default();
        if let Some(hash) = &content_hash {
            if hashes.last() != Some(hash) && !event.contains("refus") {
                hashes.push(hash.clone());
            }
        }
        history.push(doc::AuditRow {
            seq: record
                .get("seq")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            time: string(record.get("time")).unwrap_or_default(),
            event,
            revision: string(policy.and_then(|p| p.get("revision"))),
            content_hash,
            uid: record.get("uid").and_then(serde_json::Value::as_u64),
            operator: operator.as_ref().map(Operator::describe),
            ticket: operator.as_ref().and_then(|o| o.ticket.clone()),
            reason: operator.as_ref().and_then(|o| o.reason.clone()),
        });
    }
    let diffs = hashes
        .windows(2)
        .map(|pair| {
            let load = |hash: &str| -> Option<Policy> {
                let path = sanso_daemon::archive::policy_path(state_dir, hash);
                let policy = common::load_policy(&path).ok()?;
                (policy.content_hash == hash).then_some(policy)
            };
            let (old, new) = (load(&pair[0]), load(&pair[1]));
            let flows = match (&old, &new) {
                (Some(old), Some(new)) => {
                    let old_rs = sanso_ir::lower(old, 0);
                    let new_rs = sanso_ir::lower(new, 0);
                    sanso_plan::plan(
                        Some((old, &old_rs)),
                        (new, &new_rs),
                        sanso_nft::text::render,
                    )
                    .flows
                    .iter()
                    .map(doc::FlowDiff::of)
                    .collect()
                }
                _ => Vec::new(),
            };
            doc::RevisionDiff {
                old: pair[0].clone(),
                new: pair[1].clone(),
                archived: old.is_some() && new.is_some(),
                flows,
            }
        })
        .collect();
    let (intact, records, head, broken) = match &verified {
        Ok(chain) => (true, chain.records, Some(chain.head.clone()), None),
        Err(at) => (false, history.len(), None, Some(at.to_string())),
    };
    Ok(doc::Audit {
        file: path.display().to_string(),
        intact,
        records,
        head,
        broken,
        history,
        diffs,
    })
}
