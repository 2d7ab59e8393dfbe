//! `sanso verify`: random differential checking of the policy's meaning,
//! the userspace classifier and the real kernel.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use sanso_classify::reference::Reference;
use sanso_classify::Classifier;
use sanso_i18n::t;
use sanso_ir::FlowIdx;
use sanso_netns::{HarnessOptions, Probe, ProbeDst, ProbeL4};
use serde::Serialize;

use crate::cmd::test::verdict_word;
use crate::{common, report};

/// Send N random packets through three engines and report every disagreement.
///
/// The packets are drawn from a seed and biased to the policy's edges:
/// prefix boundaries, the first and last port of each service range and
/// their neighbours, every zone pair, every protocol, both families, and
/// some spoofed sources. Each packet is judged by the policy's meaning (a
/// naive first-match evaluator over the policy), by the userspace
/// classifier over the compiled IR, and by the kernel with the compiled
/// ruleset loaded in throwaway network namespaces (root). Any disagreement is
/// a bug; it is printed as a ready-to-paste case. Exit status 0 only if
/// there is none.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// How many random packets.
    #[arg(long, default_value_t = 1000)]
    random: usize,
    /// The seed (the same seed gives the same packets). Default: from the clock.
    #[arg(long)]
    seed: Option<u64>,
    /// Compare only the policy's meaning and the userspace classifier (no root needed).
    #[arg(long)]
    userspace_only: bool,
    /// How long to wait for a packet before it counts as dropped, in milliseconds.
    #[arg(long, default_value_t = sanso_netns::DEFAULT_DROP_WAIT.as_millis() as u64)]
    drop_wait_ms: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Serialize)]
struct Disagreement {
    probe: String,
    policy: &'static str,
    userspace: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kernel: Option<&'static str>,
    decided_by: String,
    case: String,
}

/// The probes of one flow with a `limit`, as the kernel treated them.
#[derive(Debug, Default)]
struct LimitedFlow {
    kernel_accepted: usize,
    /// Kernel drops of probes the flow accepts: above the limit, if the
    /// kernel accepted any of the flow's probes.
    over_limit: Vec<Disagreement>,
}

/// Kernel drops of a flow's probes above its `limit`: reported, not counted.
#[derive(Debug, Serialize)]
struct OverLimit {
    flow: String,
    limit: String,
    accepted: usize,
    dropped: usize,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let seed = args
        .seed
        .unwrap_or_else(|| jiff::Timestamp::now().as_nanosecond() as u64);
    let now = common::now_or(None);
    let ruleset = sanso_ir::lower(&policy, now);
    let classifier = Classifier::new(&ruleset);
    let reference = Reference::new(&policy);
    let probes = sanso_netns::random::random_probes(&policy, args.random, seed);

    let kernel = if args.userspace_only {
        None
    } else {
        let text = sanso_nft::text::render(&ruleset);
        let options = HarnessOptions {
            drop_wait: std::time::Duration::from_millis(args.drop_wait_ms),
        };
        Some(sanso_netns::run_probes_with(
            &policy, &text, &probes, &options,
        )?)
    };

    // Random probes arrive far faster than a flow's `limit`: the kernel
    // rightly drops those above it. Such drops are set aside per flow and
    // count as disagreements unless the kernel accepted at least the
    // limit's burst of the flow's probes (a bucket that starts full drops
    // nothing before that: the flow's rule, not its limit, dropped them).
    let mut disagreements = Vec::new();
    let mut limited: BTreeMap<FlowIdx, LimitedFlow> = BTreeMap::new();
    for (i, probe) in probes.iter().enumerate() {
        let packet = common::packet_for_probe(probe, now);
        let meant = verdict_word(reference.classify(&packet).verdict);
        let decision = classifier.classify(&packet);
        let userspace = verdict_word(decision.verdict);
        let kernel_verdict = kernel.as_ref().map(|k| k.outcomes[i].verdict.as_str());
        let limited_flow = common::limited_flow(&ruleset, &decision);
        let disagreement = || Disagreement {
            probe: probe.to_string(),
            policy: meant,
            userspace,
            kernel: kernel_verdict,
            decided_by: report::decided_by(&ruleset, &packet, &decision),
            case: case_text(probe, seed, i, meant),
        };
        if let (Some(f), Some(k)) = (limited_flow, kernel_verdict) {
            if meant == userspace {
                let entry = limited.entry(f).or_default();
                if k == meant {
                    entry.kernel_accepted += 1;
                } else {
                    entry.over_limit.push(disagreement());
                }
                continue;
            }
        }
        if meant != userspace || kernel_verdict.is_some_and(|k| k != meant) {
            disagreements.push(disagreement());
        }
    }
    let mut over_limit = Vec::new();
    for (f, flow) in limited {
        if flow.over_limit.is_empty() {
            continue;
        }
        if !common::limit_explains_drops(&ruleset, f, flow.kernel_accepted) {
            disagreements.extend(flow.over_limit);
        } else {
            let rule = ruleset.flow(f);
            over_limit.push(OverLimit {
                flow: rule.name.clone(),
                limit: rule
                    .limit
                    .as_ref()
                    .map(|l| format!("{}/{}", l.count, l.unit.as_str()))
                    .unwrap_or_default(),
                accepted: flow.kernel_accepted,
                dropped: flow.over_limit.len(),
            });
        }
    }

    if args.json {
        let mut out = serde_json::json!({
            "policy": policy.name,
            "seed": seed,
            "packets": probes.len(),
            "disagreements": disagreements,
            "over_limit": over_limit,
        });
        if let Some(k) = &kernel {
            out["kernel_run"] = common::run_report_json(&k.report);
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        for d in &disagreements {
            println!(
                "{}",
                t!(
                    "test-verify-disagree",
                    probe = &d.probe,
                    policy = d.policy,
                    userspace = d.userspace,
                    kernel = d
                        .kernel
                        .map(|k| t!("test-kernel-saw", kernel = k))
                        .unwrap_or_default(),
                    decided = &d.decided_by
                )
            );
            println!("{}", d.case);
        }
        for o in &over_limit {
            println!(
                "{}",
                t!(
                    "test-verify-over-limit",
                    flow = &o.flow,
                    limit = &o.limit,
                    accepted = o.accepted,
                    dropped = o.dropped
                )
            );
        }
        if let Some(k) = &kernel {
            println!("{}", k.report);
        }
        let accepted = probes
            .iter()
            .filter(|p| {
                reference
                    .classify(&common::packet_for_probe(p, now))
                    .verdict
                    == sanso_classify::Verdict::Accept
            })
            .count();
        // The engines' names are the JSON's and the cases' words.
        let engines = if kernel.is_some() {
            "policy, userspace, kernel"
        } else {
            "policy, userspace"
        };
        println!(
            "{}",
            t!(
                "test-verify-summary",
                seed = seed.to_string(),
                packets = probes.len(),
                accepted = accepted,
                engines = engines,
                disagreements = disagreements.len()
            )
        );
    }
    Ok(if disagreements.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A `[[cases]]` entry reproducing the probe, expecting what the policy means.
fn case_text(probe: &Probe, seed: u64, index: usize, expect: &str) -> String {
    let to = match probe.dst {
        ProbeDst::Addr(a) => a.to_string(),
        ProbeDst::Gateway => "self".to_string(),
    };
    let (proto, port) = match probe.l4 {
        ProbeL4::Tcp(p) => ("tcp", p.to_string()),
        ProbeL4::Udp(p) => ("udp", p.to_string()),
        ProbeL4::Icmp(t) => (
            if probe.src.is_ipv4() {
                "icmp"
            } else {
                "icmpv6"
            },
            t.to_string(),
        ),
    };
    let mut text = format!(
        "[[cases]]\nname = \"verify seed {seed} packet {index}\"\nfrom = \"{}\"\nto = \"{to}\"\nproto = \"{proto}\"\nport = {port}\n",
        probe.src
    );
    if let Some(iif) = &probe.iif {
        text.push_str(&format!("iif = \"{iif}\"\n"));
    }
    text.push_str(&format!("expect = \"{expect}\"\n"));
    text
}
