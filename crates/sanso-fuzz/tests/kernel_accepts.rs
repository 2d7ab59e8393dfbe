//! What `check` accepts, the kernel accepts: policies from the grammar
//! (tricky interface names, nesting networks, limits, expiry) that load
//! without errors are applied through netlink into a scratch network
//! namespace and read back. A policy the kernel refuses, or that reads back
//! in another shape, is a policy `check` should have refused (or a compiler
//! bug), found here before a city finds it on its gateway.

use std::time::{Duration, Instant};

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sanso_fuzz::{policy_grammar, Outcome};
use sanso_netns::netns::{Netns, RunId};

/// Bounds: draws, accepted policies applied, and wall time.
const DRAWS: usize = 3_000;
const APPLIED: usize = 80;
const BUDGET: Duration = Duration::from_secs(120);

#[test]
fn every_policy_check_accepts_loads_into_the_kernel() {
    if !sanso_testkit::root("loads rulesets into a scratch network namespace") {
        return;
    }
    let id = RunId::next();
    let ns = Netns::create(&id.namespace_name("fuzz")).expect("a scratch namespace");
    let mut rng = ChaCha8Rng::seed_from_u64(0x6b65_726e);
    let started = Instant::now();
    let (mut applied, mut failures) = (0usize, Vec::new());
    for draw in 0..DRAWS {
        if applied >= APPLIED || started.elapsed() > BUDGET {
            break;
        }
        let mut bytes = vec![0u8; 96 + (draw % 5) * 64];
        rng.fill_bytes(&mut bytes);
        let Some((text, Outcome::Compiled(ruleset))) = policy_grammar(&bytes) else {
            continue;
        };
        applied += 1;
        match sanso_nft::conformance::apply_and_check(&ruleset, Some(ns.name())) {
            Err(err) => failures.push(format!("the kernel refused:\n{text}\n-> {err}")),
            Ok(done) => match done.readback {
                Err(err) => failures.push(format!("unreadable:\n{text}\n-> {err}")),
                Ok(report) if !report.conforms() => failures.push(format!(
                    "read back in another shape:\n{text}\n-> {:?}",
                    report.problems
                )),
                Ok(_) => {}
            },
        }
    }
    eprintln!(
        "{applied} accepted policies applied in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        applied >= 20,
        "only {applied} policies were accepted and applied"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// sanso-synth's policies (the `compile_nft_check` target's corpus and
/// seeded drafts): `nft -c -f` and a netlink apply accept every one.
#[test]
fn every_generated_policy_passes_nft_check_and_applies() {
    if !sanso_testkit::root("checks generated policies in a scratch network namespace") {
        return;
    }
    let id = RunId::next();
    let ns = Netns::create(&id.namespace_name("synth")).expect("a scratch namespace");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/synth");
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("the synth corpus")
        .map(|e| std::fs::read(e.expect("an entry").path()).expect("a seed"))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(0x6e66_7463);
    for _ in 0..SYNTH_DRAWS {
        let mut bytes = vec![0u8; 12];
        rng.fill_bytes(&mut bytes);
        inputs.push(bytes);
    }
    let started = Instant::now();
    let (mut accepted, mut failures) = (0, Vec::new());
    for data in &inputs {
        if started.elapsed() > BUDGET {
            break;
        }
        let (draft, text, verdict) =
            sanso_fuzz::compile_nft_check(data, Some(ns.name())).expect("a draft");
        match verdict {
            sanso_fuzz::synth::KernelVerdict::Accepted => accepted += 1,
            other => failures.push(format!("{draft:?}: {other:?}\n{text}")),
        }
    }
    eprintln!(
        "{accepted} generated policies accepted in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        accepted >= 10,
        "only {accepted} generated policies were checked"
    );
}

/// Seeded drafts besides the corpus in the kernel test.
const SYNTH_DRAWS: usize = 20;
