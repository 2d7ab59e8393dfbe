//! `sanso test`: run packet-path cases through the userspace classifier
//! (and, with `--kernel`, through the real kernel) and compare with `expect`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use sanso_classify::{Classifier, Decision, Verdict};
use sanso_i18n::t;
use sanso_ir::FlowIdx;
use sanso_netns::{HarnessOptions, Probe};
use serde::Serialize;

use crate::{common, report};

/// Run packet-path cases against a policy and compare with each case's `expect`.
///
/// Each case goes through the userspace classifier; with `--kernel` also
/// through the real kernel: the compiled ruleset is loaded into a gateway
/// network namespace built from the policy (one namespace per zone interface
/// behind it) and a real packet is sent per case. Prints a table (case,
/// expected, got, decided by) and exits 0 only if every engine agrees with
/// every case's `expect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// The cases file (TOML, `[[cases]]`).
    cases: PathBuf,
    /// Also send real packets through the kernel (root: creates and removes
    /// throwaway network namespaces).
    #[arg(long)]
    kernel: bool,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Judge `until` at this time instead of now (YYYY-MM-DD or RFC 3339).
    /// Not with `--kernel`: the kernel judges `until` by its own clock.
    #[arg(long, value_parser = common::parse_time, conflicts_with = "kernel")]
    now: Option<i64>,
    /// With `--kernel`: how long to wait for a packet before it counts as
    /// dropped, in milliseconds.
    #[arg(long, default_value_t = sanso_netns::DEFAULT_DROP_WAIT.as_millis() as u64)]
    drop_wait_ms: u64,
}

#[derive(Debug, Serialize)]
struct Row {
    name: String,
    line: usize,
    expected: &'static str,
    userspace: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel: Option<&'static str>,
    /// `client = true` cases with `--kernel`: what the real client saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<&'static str>,
    decided_by: String,
    pass: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let cases = common::load_cases(&args.cases, &policy)?;
    let now = common::now_or(args.now);
    // A case with its own `at` may be about a flow that has expired by now:
    // compile as of the earliest instant any case is sent at. (The kernel
    // still judges `until` by its own clock: its `meta time` matches.)
    let earliest = cases.iter().filter_map(|c| c.at).fold(now, i64::min);
    let ruleset = sanso_ir::lower(&policy, earliest);
    let classifier = Classifier::new(&ruleset);
    let probes: Vec<Probe> = cases.iter().map(Probe::from).collect();

    let kernel = if args.kernel {
        let text = sanso_nft::text::render(&ruleset);
        let options = HarnessOptions {
            drop_wait: std::time::Duration::from_millis(args.drop_wait_ms),
        };
        // Cases with their own `at` cannot be sent at another time: the
        // kernel's clock is real. They are judged in userspace only.
        let timeless: Vec<Probe> = cases
            .iter()
            .zip(&probes)
            .filter(|(c, _)| c.at.is_none())
            .map(|(_, p)| p.clone())
            .collect();
        let run = sanso_netns::run_probes_with(&policy, &text, &timeless, &options)?;
        let mut outcomes = run.outcomes.iter();
        let verdicts: Vec<Option<&'static str>> = cases
            .iter()
            .map(|c| {
                if c.at.is_some() {
                    None
                } else {
                    outcomes.next().map(|o| o.verdict.as_str())
                }
            })
            .collect();
        // `client = true`: the same case again with a real client; its
        // verdict must agree too, or the row shows both.
        let client_probes: Vec<Probe> = cases
            .iter()
            .zip(&probes)
            .filter(|(c, _)| c.client && c.at.is_none())
            .map(|(_, p)| p.clone())
            .collect();
        let clients = sanso_netns::run_clients(
            &policy,
            &text,
            &client_probes,
            std::time::Duration::from_millis(args.drop_wait_ms.max(500) * 2),
        )?;
        let mut clients = clients.iter();
        let client_verdicts: Vec<Option<&'static str>> = cases
            .iter()
            .map(|c| {
                (c.client && c.at.is_none())
                    .then(|| clients.next().map(|v| v.as_str()))
                    .flatten()
            })
            .collect();
        Some((verdicts, client_verdicts, run.report))
    } else {
        None
    };

    let packets: Vec<_> = cases
        .iter()
        .zip(&probes)
        .map(|(case, probe)| common::packet_for_probe(probe, case.at.unwrap_or(now)))
        .collect();
    let mut decisions = Vec::with_capacity(packets.len());
    classifier.classify_each(&packets, |_, decision| decisions.push(decision));
    let judged: Vec<_> = packets.into_iter().zip(decisions).collect();
    // Cases arrive faster than a flow's `limit`: the kernel rightly drops
    // those above it. A flow's kernel drops are set down to its limit only
    // when the kernel accepted at least the limit's burst of its cases
    // (before that, the bucket cannot be empty: a drop is the rule's).
    let limited = |decision: &Decision| common::limited_flow(&ruleset, decision);
    let mut kernel_accepted: BTreeMap<FlowIdx, usize> = BTreeMap::new();
    if let Some((verdicts, _, _)) = &kernel {
        for ((_, decision), verdict) in judged.iter().zip(verdicts) {
            if let (Some(f), Some("accept")) = (limited(decision), *verdict) {
                *kernel_accepted.entry(f).or_default() += 1;
            }
        }
    }

    let rows: Vec<Row> = cases
        .iter()
        .zip(&judged)
        .enumerate()
        .map(|(i, (case, (packet, decision)))| {
            let expected = case.expect.as_str();
            let userspace = verdict_word(decision.verdict);
            // "-": not sent (a case with its own `at`); "limit": dropped
            // above the deciding flow's limit.
            let client = kernel.as_ref().and_then(|(_, clients, _)| clients[i]);
            let kernel = kernel.as_ref().map(|(verdicts, _, _)| match verdicts[i] {
                None => "-",
                Some("drop")
                    if userspace == "accept"
                        && limited(decision).is_some_and(|f| {
                            common::limit_explains_drops(
                                &ruleset,
                                f,
                                kernel_accepted.get(&f).copied().unwrap_or(0),
                            )
                        }) =>
                {
                    "limit"
                }
                Some(k) => k,
            });
            Row {
                name: case.name.clone(),
                line: case.location.line,
                expected,
                userspace,
                kernel,
                client,
                decided_by: report::decided_by(&ruleset, packet, decision),
                pass: expected == userspace
                    && kernel.is_none_or(|k| k == expected || k == "-" || k == "limit")
                    && client.is_none_or(|c| c == expected),
            }
        })
        .collect();

    let passed = rows.iter().filter(|r| r.pass).count();
    let failed = rows.len() - passed;
    if args.json {
        let mut out = serde_json::json!({
            "policy": policy.name,
            "revision": policy.revision,
            "cases": rows,
            "passed": passed,
            "failed": failed,
        });
        if let Some((_, _, report)) = &kernel {
            out["kernel_run"] = common::run_report_json(report);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let mut header = vec![
            String::new(),
            t!("test-head-case"),
            t!("test-head-expected"),
            t!("test-head-userspace"),
        ];
        if kernel.is_some() {
            header.push(t!("test-head-kernel"));
        }
        header.push(t!("test-head-decided-by"));
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let mut row = vec![
                    if r.pass {
                        t!("test-row-ok")
                    } else {
                        t!("test-row-fail")
                    },
                    r.name.clone(),
                    r.expected.into(),
                    r.userspace.into(),
                ];
                // A case with `client = true`: "accept+client" when the real
                // client agreed, "accept/client drop" when it did not.
                row.extend(r.kernel.map(|k| match r.client {
                    Some(c) if c == k => t!("test-client-agrees", kernel = k),
                    Some(c) => t!("test-client-differs", kernel = k, client = c),
                    None => k.to_owned(),
                }));
                row.push(r.decided_by.clone());
                row
            })
            .collect();
        print!("{}", report::table(&header, &table));
        for r in rows.iter().filter(|r| !r.pass) {
            println!(
                "{}",
                t!(
                    "test-failed",
                    at = format!("{}:{}", args.cases.display(), r.line),
                    case = format!("\"{}\"", r.name),
                    expected = r.expected,
                    userspace = r.userspace,
                    kernel = r
                        .kernel
                        .map(|k| t!("test-kernel-saw", kernel = k))
                        .unwrap_or_default(),
                    decided = &r.decided_by
                )
            );
        }
        let limited = rows.iter().filter(|r| r.kernel == Some("limit")).count();
        if limited > 0 {
            println!("{}", t!("test-limit-dropped", count = limited));
        }
        if let Some((_, _, report)) = &kernel {
            println!("{report}");
        }
        println!("{}", t!("test-summary", passed = passed, failed = failed));
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Accept => "accept",
        Verdict::Drop => "drop",
    }
}
