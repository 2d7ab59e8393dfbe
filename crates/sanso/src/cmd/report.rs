//! `sanso report`: the auditor's report (監査及び自己点検, 第6): a
//! self-contained HTML page (the default when written to a file), JSON for
//! other tools, or Markdown (the default on standard output), every label in
//! the process language (`--lang`, else the locale).
//!
//! This module only gathers what the report needs (the policy, the state
//! directory's isolations, the audit log, the live table and counters) and
//! prints it: `sanso_plan::report::build` makes the document,
//! `sanso_plan::report::markdown` writes its Markdown and
//! `sanso_plan::report::html` its page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use sanso_i18n::{t, Lang};
use sanso_policy::Policy;

use sanso_daemon::isolation::{Isolations, TargetKind, ISOLATIONS_FILE};
use sanso_daemon::operator::Operator;
use sanso_plan::report as doc;

use crate::common;

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

/// Gathers what the report needs (the policy, what is isolated, with
/// `--audit` the audit log, with `--live` the kernel's table and counters),
/// builds the document once (`sanso_plan::report::build`) and prints it in
/// the form chosen.
pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let now = common::now_or(args.now);
    let (state_dir, isolations) = common::load_isolations(args.state_dir.as_deref())?;
    let format = Format::choose(args.format, args.output.as_deref());
    let lang: Lang = sanso_i18n::lang();
    let mut problems = 0usize;
    let audit = match &args.audit {
        Some(path) => {
            // The Markdown does not list the flow changes between
            // revisions: no archived policy is loaded for it.
            let archive = (format != Format::Md).then_some(state_dir.as_path());
            let audit = audit_data(path, archive)?;
            problems += usize::from(!audit.intact);
            Some(audit)
        }
        None => None,
    };
    let live = if args.live {
        let live = live_data(&policy, &isolations, now, args.netns.as_deref())?;
        problems += usize::from(!live.matches);
        Some(live)
    } else {
        None
    };
    let document = doc::build(
        lang,
        &policy,
        doc::Inputs {
            policy_file: &args.policy,
            now,
            isolations_source: doc::IsolationsSource {
                dir: state_dir.display().to_string(),
                file: ISOLATIONS_FILE.to_owned(),
            },
            isolations: isolation_rows(&isolations, now),
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
        Format::Md => doc::markdown::render(lang, &document),
        Format::Html => doc::html::render(lang, &document),
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

/// The verified change history, and with the daemon's state directory the
/// flow changes between the revisions it names in turn (from its archive
/// where present).
fn audit_data(path: &Path, archive: Option<&Path>) -> Result<doc::Audit> {
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
    let diffs = match archive {
        None => Vec::new(),
        Some(state_dir) => hashes
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
            .collect(),
    };
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
