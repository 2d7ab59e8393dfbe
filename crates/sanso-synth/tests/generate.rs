//! The generator's contract: deterministic per seed, valid at every size
//! under the policy contract v2, without the warnings a careful author fixes.

use sanso_policy::{
    codes, load_policy_with_warnings, Control, Policy, PortRange, ServiceMatch, Standing,
};
use sanso_synth::{policy_text, trace, EndpointMix, SynthSpec};

/// Warnings a generated policy must not draw: an exception that waives
/// nothing, an external zone without `beyond`, access from outside without
/// `until`, a role host without `serves` (and the other avoidable ones).
const FORBIDDEN_WARNINGS: &[&str] = &[
    codes::UNNEEDED_EXCEPTION,
    codes::NO_BEYOND,
    codes::OPEN_ENDED_ACCESS,
    codes::ROLE_WITHOUT_SERVES,
    codes::UNTIL_PAST,
    codes::SERVES_WITHOUT_ROLE,
    codes::ALL_PORTS,
];

fn load(spec: SynthSpec) -> Policy {
    let text = policy_text(&spec);
    let loaded = match load_policy_with_warnings("synthetic.toml", &text) {
        Ok(loaded) => loaded,
        Err(diags) => panic!(
            "synthetic policy of {} flows (seed {}, {:?}) is invalid:\n{}",
            spec.flows,
            spec.seed,
            spec.endpoints,
            diags.render(false)
        ),
    };
    let bad: Vec<_> = loaded
        .warnings
        .items
        .iter()
        .filter(|d| FORBIDDEN_WARNINGS.contains(&d.code))
        .collect();
    assert!(
        bad.is_empty(),
        "synthetic policy of {} flows (seed {}, {:?}) draws {} warnings, the first: {:?}",
        spec.flows,
        spec.seed,
        spec.endpoints,
        bad.len(),
        bad.iter().take(5).collect::<Vec<_>>()
    );
    loaded.value
}

/// Lgwan and the LGWAN backbone count as one tier for guardrail 8.
fn tier_of(standing: Standing) -> Standing {
    match standing {
        Standing::LgwanBackbone => Standing::Lgwan,
        s => s,
    }
}

/// The widest TCP or UDP range of a flow's services, merged per protocol.
fn widest_merged_range(flow: &sanso_policy::Flow) -> u32 {
    let mut widest = 0;
    for tcp in [true, false] {
        let mut ranges: Vec<PortRange> = flow
            .services
            .iter()
            .flat_map(|s| &s.matches)
            .filter_map(|m| match m {
                ServiceMatch::Tcp(r) if tcp => Some(*r),
                ServiceMatch::Udp(r) if !tcp => Some(*r),
                _ => None,
            })
            .collect();
        ranges.sort();
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for r in ranges {
            let (first, last) = (u32::from(r.first), u32::from(r.last));
            match merged.last_mut() {
                Some(m) if first <= m.1 + 1 => m.1 = m.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        widest = merged
            .iter()
            .map(|(first, last)| last - first + 1)
            .fold(widest, u32::max);
    }
    widest
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
    let sizes = [
        (10, 1, EndpointMix::Mixed),
        (10, 2, EndpointMix::Mixed),
        (37, 12, EndpointMix::HostsOnly),
        (100, 3, EndpointMix::Mixed),
        (1_000, 4, EndpointMix::Mixed),
        (1_000, 6, EndpointMix::HostsOnly),
        (3_000, 5, EndpointMix::Mixed),
        (2_000, 7, EndpointMix::SinglePair),
    ];
    for (flows, seed, endpoints) in sizes {
        let spec = SynthSpec {
            flows,
            seed,
            endpoints,
        };
        let policy = load(spec);
        assert_eq!(policy.flows.len(), flows);
        let shape = spec.shape();
        assert_eq!(policy.zones.len(), 3 * shape.zones_per_tier + 3);
        for zone in policy
            .zones
            .iter()
            .filter(|z| z.tier == sanso_policy::Tier::External)
        {
            assert!(zone.beyond.is_some(), "zone {} has no beyond", zone.name);
        }
        // Guardrail 8, read independently of the checker: no flow crossing
        // tiers allows more than 1024 ports in a row without an exception.
        for flow in &policy.flows {
            let crosses = flow.from.iter().any(|&f| {
                flow.to
                    .iter()
                    .any(|&t| tier_of(policy.standing(f)) != tier_of(policy.standing(t)))
            });
            if crosses && flow.exception.is_none() {
                let widest = widest_merged_range(flow);
                assert!(widest <= 1024, "flow {} allows {widest} ports", flow.name);
            }
            // Every exception waives something (W001 above says the same).
            assert_eq!(
                flow.exception.is_some(),
                flow.has_waiving_exception(),
                "flow {}",
                flow.name
            );
        }
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
        .filter(|f| f.has_waiving_exception())
        .count();
    // Guardrails 3 and 5 are met by role hosts and the security cloud too,
    // not only by exceptions.
    let controls = |want: fn(&Control) -> bool| {
        policy
            .flows
            .iter()
            .flat_map(|f| &f.crossings)
            .filter(|c| want(&c.control))
            .count()
    };
    let role_hosts = controls(|c| matches!(c, Control::RoleHost { .. }));
    let security_cloud = controls(|c| matches!(c, Control::SecurityCloud { .. }));
    let served: Vec<&str> = policy
        .flows
        .iter()
        .flat_map(|f| &f.crossings)
        .filter_map(|c| match &c.control {
            Control::RoleHost { role, .. } => Some(role.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        role_hosts > 0
            && security_cloud > 0
            && served.contains(&"sanitizer")
            && served.contains(&"screen-transfer"),
        "{role_hosts} {security_cloud}"
    );
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

#[test]
fn single_pair_puts_every_flow_between_two_zones() {
    let policy = load(SynthSpec {
        flows: 500,
        seed: 3,
        endpoints: EndpointMix::SinglePair,
    });
    assert_eq!(policy.flows.len(), 500);
    let zone_of = |e: &sanso_policy::Endpoint| match e {
        sanso_policy::Endpoint::Host(h) => policy.zone(policy.host(*h).zone).name.clone(),
        other => panic!("a single-pair flow names hosts only, not {other:?}"),
    };
    for flow in &policy.flows {
        assert_eq!(flow.from.len(), 1);
        assert_eq!(flow.to.len(), 1);
        assert_eq!(zone_of(&flow.from[0]), "lg-z0", "flow {}", flow.name);
        assert_eq!(zone_of(&flow.to[0]), "lg-z1", "flow {}", flow.name);
    }
}
