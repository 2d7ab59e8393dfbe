//! The example policy and cases (`config/`) through the real kernel: the
//! ruleset `sanso_nft` renders from `sanso_ir::lower`, loaded in a gateway
//! namespace, must give every case its expected verdict; and on random
//! probes the kernel must agree with the userspace classifier. Root only.

mod common;

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use common::root_or_skip;
use sanso_classify::{Classifier, Packet, Path, Verdict, L4};
use sanso_netns::{
    random::random_probes, run_probes_with, HarnessOptions, KernelVerdict, Probe, ProbeDst, ProbeL4,
};
use sanso_policy::{load_cases, load_policy, Expect, Policy};

fn config(name: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../config")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path.display().to_string(), text)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

fn example() -> (Policy, String) {
    let (file, text) = config("policy.toml");
    let policy = load_policy(&file, &text).unwrap_or_else(|d| panic!("example policy: {d:?}"));
    let nft = sanso_nft::text::render(&sanso_ir::lower(&policy, now()));
    (policy, nft)
}

#[test]
fn example_cases_hold_in_the_kernel() {
    if !root_or_skip("example_cases_hold_in_the_kernel") {
        return;
    }
    let (policy, nft) = example();
    let (file, text) = config("cases.toml");
    let cases =
        load_cases(&file, &text, &policy).unwrap_or_else(|d| panic!("example cases: {d:?}"));
    // A case with its own `at` is about another time than now; the kernel's
    // clock is real, so only the others can be sent.
    let cases: Vec<_> = cases.into_iter().filter(|c| c.at.is_none()).collect();
    assert!(cases.len() > 50, "the example keeps most cases timeless");
    let probes: Vec<Probe> = cases.iter().map(Probe::from).collect();
    let run =
        run_probes_with(&policy, &nft, &probes, &HarnessOptions::default()).expect("kernel run");
    println!("{}", run.stats);
    let wrong: Vec<String> = cases
        .iter()
        .zip(&run.outcomes)
        .filter(|(case, got)| Expect::from(got.verdict) != case.expect)
        .map(|(case, got)| {
            format!(
                "{:?}: expected {}, kernel {} ({})",
                case.name,
                case.expect,
                got.verdict,
                Probe::from(case)
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} cases differ:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn kernel_agrees_with_the_classifier_on_random_probes() {
    if !root_or_skip("kernel_agrees_with_the_classifier_on_random_probes") {
        return;
    }
    let (policy, _) = example();
    let time = now();
    let ruleset = sanso_ir::lower(&policy, time);
    let nft = sanso_nft::text::render(&ruleset);
    let probes = random_probes(&policy, 400, 20_261_126);
    let run =
        run_probes_with(&policy, &nft, &probes, &HarnessOptions::default()).expect("kernel run");
    println!("{}", run.stats);
    let classifier = Classifier::new(&ruleset);
    let mut differ = Vec::new();
    for (probe, got) in probes.iter().zip(&run.outcomes) {
        let packet = Packet {
            path: if probe.dst == ProbeDst::Gateway {
                Path::ToGateway
            } else {
                Path::Forward
            },
            iif: Some(got.iif.clone()),
            src: probe.src,
            dst: got.dst,
            l4: match probe.l4 {
                ProbeL4::Tcp(dport) => L4::Tcp { dport },
                ProbeL4::Udp(dport) => L4::Udp { dport },
                ProbeL4::Icmp(icmp_type) => L4::Icmp { icmp_type },
            },
            time,
        };
        let want = match classifier.classify(&packet).verdict {
            Verdict::Accept => KernelVerdict::Accept,
            Verdict::Drop => KernelVerdict::Drop,
        };
        if want != got.verdict {
            differ.push(format!(
                "{probe}: classifier {want}, kernel {}",
                got.verdict
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} of {} probes differ:\n{}",
        differ.len(),
        probes.len(),
        differ.join("\n")
    );
}
