//! `sanso verify`: random differential checking of the policy's meaning,
//! the userspace classifier and the real kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use sanso_classify::judge::{self, PacketRun};
use sanso_classify::reference::Reference;
use sanso_classify::{Classifier, Verdict};
use sanso_i18n::t;
use sanso_netns::{HarnessOptions, Probe, ProbeDst, ProbeL4};
use serde::Serialize;

use crate::{common, describe};

/// Send N random packets through three engines and report every disagreement.
///
/// The packets are drawn from a seed and biased to the policy's edges:
/// prefix boundaries, the first and last port of each service range and
/// their neighbours, every zone pair, every protocol, both families, and
/// some spoofed sources. Each packet is judged by the policy's meaning (a
/// naive first-match evaluator over the policy), by the userspace
/// classifier over the compiled IR, and by the kernel with the compiled
/// ruleset loaded in throwaway network namespaces (root), every flow's
/// `limit` left out so that each drop counts. Any disagreement is a bug; it
/// is printed as a ready-to-paste case. Exit status 0 only if there is none.
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

/// A packet the engines disagree on, as printed and in `--json`.
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

    // The kernel loads the ruleset without any `limit`: random probes
    // arrive far faster than a limit lets through, and no drop may be
    // excused as the limit's (see `sanso_classify::judge`).
    let (kernel, limits_left_out) = if args.userspace_only {
        (None, Vec::new())
    } else {
        let (text, left_out) = common::kernel_run_ruleset(&ruleset);
        let options = HarnessOptions {
            drop_wait: std::time::Duration::from_millis(args.drop_wait_ms),
        };
        let run = sanso_netns::run_probes_with(&policy, &text, &probes, &options)?;
        (Some(run), left_out)
    };

    let packets: Vec<_> = probes
        .iter()
        .map(|probe| common::packet_for_probe(probe, now))
        .collect();
    let meant: Vec<Verdict> = packets
        .iter()
        .map(|packet| reference.classify(packet).verdict)
        .collect();
    let decisions: Vec<_> = packets.iter().map(|p| classifier.classify(p)).collect();
    let runs: Vec<PacketRun<'_>> = (0..probes.len())
        .map(|i| PacketRun {
            meant: meant[i],
            decision: &decisions[i],
            kernel: kernel
                .as_ref()
                .map(|k| common::kernel_verdict(k.outcomes[i].verdict)),
        })
        .collect();
    let disagreements: Vec<Disagreement> = judge::compare_engines(&runs)
        .iter()
        .map(|&i| Disagreement {
            probe: probes[i].to_string(),
            policy: runs[i].meant.as_str(),
            userspace: runs[i].decision.verdict.as_str(),
            kernel: runs[i].kernel.map(Verdict::as_str),
            decided_by: describe::decided_by(&ruleset, &packets[i], &decisions[i]),
            case: case_text(&probes[i], seed, i, runs[i].meant),
        })
        .collect();
    if args.json {
        let mut out = serde_json::json!({
            "policy": policy.name,
            "seed": seed,
            "packets": probes.len(),
            "disagreements": disagreements,
        });
        if let Some(k) = &kernel {
            out["kernel_run"] = common::run_stats_json(&k.stats);
            out["limits_left_out"] = serde_json::to_value(&limits_left_out)?;
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
        if let Some(line) = common::limits_left_out_line(&limits_left_out) {
            println!("{line}");
        }
        if let Some(k) = &kernel {
            println!("{}", k.stats);
        }
        let accepted = meant.iter().filter(|&&v| v == Verdict::Accept).count();
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
fn case_text(probe: &Probe, seed: u64, index: usize, expect: Verdict) -> String {
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
