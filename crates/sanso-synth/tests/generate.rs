//! The generator's contract: deterministic per seed, valid at every size.

use sanso_policy::load_policy;
use sanso_synth::{policy_text, trace, SynthSpec};

fn load(spec: SynthSpec) -> sanso_policy::Policy {
    let text = policy_text(&spec);
    match load_policy("synthetic.toml", &text) {
        Ok(policy) => policy,
        Err(diags) => panic!(
            "synthetic policy of {} flows (seed {}) is invalid: {diags:?}",
            spec.flows, spec.seed
        ),
    }
}

#[test]
fn same_seed_same_text_other_seed_other_text() {
    let a = policy_text(&SynthSpec::new(200, 7));
    let b = policy_text(&SynthSpec::new(200, 7));
    let c = policy_text(&SynthSpec::new(200, 8));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn validates_at_several_sizes_and_seeds() {
    for (flows, seed) in [(10, 1), (10, 2), (100, 3), (1_000, 4), (3_000, 5)] {
        let policy = load(SynthSpec::new(flows, seed));
        assert_eq!(policy.flows.len(), flows);
        let shape = SynthSpec::new(flows, seed).shape();
        assert_eq!(policy.zones.len(), 3 * shape.zones_per_tier + 3);
    }
}

#[test]
fn policy_is_realistic() {
    let policy = load(SynthSpec::new(2_000, 11));
    let v6_hosts = policy
        .hosts
        .iter()
        .filter(|h| h.addresses.iter().any(|a| matches!(a, ipnet::IpNet::V6(_))))
        .count();
    let farms = policy
        .hosts
        .iter()
        .filter(|h| h.addresses.iter().any(|a| a.prefix_len() == 28))
        .count();
    let exceptions = policy
        .flows
        .iter()
        .filter(|f| f.exception.is_some())
        .count();
    let ranges = policy
        .flows
        .iter()
        .flat_map(|f| &f.services)
        .flat_map(|s| &s.matches)
        .filter(|m| matches!(m, sanso_policy::ServiceMatch::Tcp(r) if r.first != r.last))
        .count();
    assert!(
        v6_hosts > 0 && farms > 0 && exceptions > 0 && ranges > 0,
        "{v6_hosts} {farms} {exceptions} {ranges}"
    );
}

#[test]
fn trace_is_deterministic_and_family_consistent() {
    let policy = load(SynthSpec::new(500, 3));
    let a = trace(&policy, 9, 2_000);
    assert_eq!(a, trace(&policy, 9, 2_000));
    assert_ne!(a, trace(&policy, 10, 2_000));
    assert_eq!(a.len(), 2_000);
    assert!(a.iter().all(|p| p.src.is_ipv4() == p.dst.is_ipv4()));
    assert!(a.iter().any(|p| p.src.is_ipv6()));
}
