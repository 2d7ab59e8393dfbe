//! `sanso test`: run packet-path cases through the userspace classifier
//! (and, with `--kernel`, through the real kernel) and compare with `expect`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use sanso_classify::judge::{self, CaseRun, Kernel};
use sanso_classify::{Classifier, Verdict};
use sanso_i18n::t;
use sanso_netns::{HarnessOptions, Probe};
use serde::Serialize;

use crate::{common, describe};

/// Run packet-path cases against a policy and compare with each case's `expect`.
///
/// Each case goes through the userspace classifier; with `--kernel` also
/// through the real kernel: the compiled ruleset, every flow's `limit` left
/// out so that each drop counts, is loaded into a gateway network namespace
/// built from the policy (one namespace per zone interface behind it) and a
/// real packet is sent per case. Prints a table (case,
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

/// A judged case as `--json` gives it: the verdicts as words.
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

    // The kernel loads the ruleset without any `limit`: cases arrive far
    // faster than a limit lets through, and no drop may be excused as the
    // limit's (see `sanso_classify::judge`).
    let mut limits_left_out = Vec::new();
    let kernel = if args.kernel {
        let (text, left_out) = common::kernel_run_ruleset(&ruleset);
        limits_left_out = left_out;
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
        let verdicts: Vec<Option<Verdict>> = cases
            .iter()
            .map(|c| {
                if c.at.is_some() {
                    None
                } else {
                    outcomes.next().map(|o| common::kernel_verdict(o.verdict))
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
        let client_verdicts: Vec<Option<Verdict>> = cases
            .iter()
            .map(|c| {
                (c.client && c.at.is_none())
                    .then(|| clients.next().map(|v| common::kernel_verdict(*v)))
                    .flatten()
            })
            .collect();
        Some((verdicts, client_verdicts, run.stats))
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
    let runs: Vec<CaseRun<'_>> = cases
        .iter()
        .zip(&decisions)
        .enumerate()
        .map(|(i, (case, decision))| CaseRun {
            expect: case.expect.into(),
            decision,
            // A case with its own `at` was not sent.
            kernel: kernel
                .as_ref()
                .map(|(verdicts, _, _)| verdicts[i].map_or(Kernel::NotSent, Kernel::Saw)),
            client: kernel.as_ref().and_then(|(_, clients, _)| clients[i]),
        })
        .collect();
    let outcomes = judge::judge_cases(&runs);

    let rows: Vec<Row> = cases
        .iter()
        .zip(packets.iter().zip(&decisions))
        .zip(&outcomes)
        .map(|((case, (packet, decision)), outcome)| Row {
            name: case.name.clone(),
            line: case.location.line,
            expected: outcome.expected.as_str(),
            userspace: outcome.userspace.as_str(),
            kernel: outcome.kernel.map(Kernel::as_str),
            client: outcome.client.map(Verdict::as_str),
            decided_by: describe::decided_by(&ruleset, packet, decision),
            pass: outcome.pass,
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
        if let Some((_, _, stats)) = &kernel {
            out["kernel_run"] = common::run_stats_json(stats);
            out["limits_left_out"] = serde_json::to_value(&limits_left_out)?;
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
            .zip(&outcomes)
            .map(|(r, outcome)| {
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
                row.extend(outcome.kernel.map(|k| match outcome.client {
                    Some(c) if k == Kernel::Saw(c) => {
                        t!("test-client-agrees", kernel = k.as_str())
                    }
                    Some(c) => t!(
                        "test-client-differs",
                        kernel = k.as_str(),
                        client = c.as_str()
                    ),
                    None => k.as_str().to_owned(),
                }));
                row.push(r.decided_by.clone());
                row
            })
            .collect();
        print!("{}", describe::table(&header, &table));
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
        if let Some(line) = common::limits_left_out_line(&limits_left_out) {
            println!("{line}");
        }
        if let Some((_, _, stats)) = &kernel {
            println!("{stats}");
        }
        println!("{}", t!("test-summary", passed = passed, failed = failed));
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
