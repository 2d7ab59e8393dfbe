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

#[allow(dead_code)] // the compile bench does not use it
pub fn compiled(flows: usize) -> (Policy, Ruleset) {
    let policy = sanso_policy::load_policy("synthetic.toml", &text(flows))
        .expect("synthetic policies validate");
    let ruleset = sanso_ir::lower(&policy, 0);
    (policy, ruleset)
}
