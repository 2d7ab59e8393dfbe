//! Shared by the criterion benches: compiled synthetic policies by size.

use sanso_ir::Ruleset;
use sanso_policy::Policy;

/// The sizes every bench runs at, unless `SANSO_BENCH_FLOWS` (comma-separated) says otherwise.
pub fn sizes() -> Vec<usize> {
    std::env::var("SANSO_BENCH_FLOWS")
        .ok()
        .and_then(|v| v.split(',').map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

pub fn text(flows: usize) -> String {
    sanso_synth::policy_text(&sanso_synth::SynthSpec::new(flows, 1))
}

/// The sizes of the one-zone-pair case (`SANSO_BENCH_PAIR_FLOWS`,
/// comma-separated; none unless set: 100,000 flows in one pair take
/// seconds per stage).
#[allow(dead_code)] // only the compile bench uses it
pub fn pair_sizes() -> Vec<usize> {
    std::env::var("SANSO_BENCH_PAIR_FLOWS")
        .ok()
        .and_then(|v| v.split(',').map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// A policy of `flows` flows all between one pair of zones
/// ([`sanso_synth::EndpointMix::SinglePair`], seed 1).
#[allow(dead_code)] // only the compile bench uses it
pub fn pair_text(flows: usize) -> String {
    sanso_synth::policy_text(&sanso_synth::SynthSpec {
        flows,
        seed: 1,
        endpoints: sanso_synth::EndpointMix::SinglePair,
    })
}

#[allow(dead_code)] // the compile bench does not use it
pub fn compiled(flows: usize) -> (Policy, Ruleset) {
    let policy = sanso_policy::load_policy("synthetic.toml", &text(flows))
        .expect("synthetic policies validate");
    let ruleset = sanso_ir::lower(&policy, 0);
    (policy, ruleset)
}
