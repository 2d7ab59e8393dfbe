//! Seeded packet traces over a validated policy: first packets of
//! connections, about half of them built from a flow (so they should be
//! accepted, unless an earlier flow or expiry decides otherwise) and half
//! between random zone addresses on random ports (mostly misses).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sanso_policy::{Endpoint, Policy, ServiceMatch};

/// The transport part of a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProbeL4 {
    Tcp(u16),
    Udp(u16),
    /// ICMP type (ICMPv6 type for IPv6 addresses).
    Icmp(u8),
}

/// The first packet of a connection through the gateway (forward hook).
/// `src` and `dst` are of the same family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Probe {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub l4: ProbeL4,
}

/// `len` probes over `policy`, deterministic per `seed`. Returns an empty
/// trace when the policy has no zone with a network.
pub fn trace(policy: &Policy, seed: u64, len: usize) -> Vec<Probe> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let all_nets: Vec<IpNet> = policy
        .zones
        .iter()
        .flat_map(|z| z.networks.iter().copied())
        .collect();
    let host_nets: Vec<IpNet> = policy
        .hosts
        .iter()
        .flat_map(|h| h.addresses.iter().copied())
        .collect();
    if all_nets.is_empty() {
        return Vec::new();
    }
    // Flows through the gateway (neither end is `self`).
    let forward: Vec<usize> = policy
        .flows
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !f.from.contains(&Endpoint::Gateway)
                && !f.to.contains(&Endpoint::Gateway)
                && !f.services.is_empty()
        })
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let probe = if !forward.is_empty() && rng.gen_bool(0.5) {
            let flow = &policy.flows[forward[rng.gen_range(0..forward.len())]];
            hit(policy, flow, &mut rng)
        } else {
            None
        };
        let probe = probe.unwrap_or_else(|| miss(&all_nets, &host_nets, &mut rng));
        out.push(probe);
    }
    out
}

fn endpoint_nets(policy: &Policy, endpoint: Endpoint) -> &[IpNet] {
    match endpoint {
        Endpoint::Gateway => &[],
        Endpoint::Zone(z) => &policy.zone(z).networks,
        Endpoint::Host(h) => &policy.host(h).addresses,
    }
}

/// A probe the flow allows, if its ends share a family compatible with one of
/// its services.
fn hit(policy: &Policy, flow: &sanso_policy::Flow, rng: &mut ChaCha8Rng) -> Option<Probe> {
    let from = endpoint_nets(policy, *flow.from.choose(rng)?);
    let to = endpoint_nets(policy, *flow.to.choose(rng)?);
    let service = flow.services.choose(rng)?;
    let m = *service.matches.choose(rng)?;
    let (v4_only, v6_only) = match m {
        ServiceMatch::Icmp(_) => (true, false),
        ServiceMatch::Icmpv6(_) => (false, true),
        _ => (false, false),
    };
    let want_v4 = if v4_only {
        true
    } else if v6_only {
        false
    } else {
        rng.gen_bool(0.7)
    };
    let pick = |nets: &[IpNet], v4: bool, rng: &mut ChaCha8Rng| -> Option<IpNet> {
        let same: Vec<IpNet> = nets
            .iter()
            .copied()
            .filter(|n| matches!(n, IpNet::V4(_)) == v4)
            .collect();
        same.choose(rng).copied()
    };
    let (src, dst) = match (pick(from, want_v4, rng), pick(to, want_v4, rng)) {
        (Some(s), Some(d)) => (s, d),
        _ if !v4_only && !v6_only => (pick(from, !want_v4, rng)?, pick(to, !want_v4, rng)?),
        _ => return None,
    };
    let l4 = match m {
        ServiceMatch::Tcp(r) => ProbeL4::Tcp(rng.gen_range(r.first..=r.last)),
        ServiceMatch::Udp(r) => ProbeL4::Udp(rng.gen_range(r.first..=r.last)),
        ServiceMatch::Icmp(t) | ServiceMatch::Icmpv6(t) => ProbeL4::Icmp(t),
    };
    Some(Probe {
        src: random_addr(src, rng),
        dst: random_addr(dst, rng),
        l4,
    })
}

/// A probe between random addresses (of hosts or zones) on a random port.
fn miss(all_nets: &[IpNet], host_nets: &[IpNet], rng: &mut ChaCha8Rng) -> Probe {
    let net = |rng: &mut ChaCha8Rng| {
        if !host_nets.is_empty() && rng.gen_bool(0.5) {
            host_nets[rng.gen_range(0..host_nets.len())]
        } else {
            all_nets[rng.gen_range(0..all_nets.len())]
        }
    };
    let src = net(rng);
    // Same family as `src`; bounded retries, then the source's own network.
    let mut dst = net(rng);
    for _ in 0..16 {
        if matches!(dst, IpNet::V4(_)) == matches!(src, IpNet::V4(_)) {
            break;
        }
        dst = net(rng);
    }
    if matches!(dst, IpNet::V4(_)) != matches!(src, IpNet::V4(_)) {
        dst = src;
    }
    let l4 = match rng.gen_range(0..10) {
        0..=5 => ProbeL4::Tcp(rng.gen_range(1..=u16::MAX)),
        6..=8 => ProbeL4::Udp(rng.gen_range(1..=u16::MAX)),
        _ => ProbeL4::Icmp(if matches!(src, IpNet::V4(_)) { 8 } else { 128 }),
    };
    Probe {
        src: random_addr(src, rng),
        dst: random_addr(dst, rng),
        l4,
    }
}

fn random_addr(net: IpNet, rng: &mut ChaCha8Rng) -> IpAddr {
    match net {
        IpNet::V4(n) => {
            let host_bits = 32 - u32::from(n.prefix_len());
            let mask = if host_bits == 32 {
                u32::MAX
            } else {
                (1u32 << host_bits) - 1
            };
            let base = u32::from(n.network());
            IpAddr::V4(Ipv4Addr::from(base | (rng.gen::<u32>() & mask)))
        }
        IpNet::V6(n) => {
            let host_bits = 128 - u32::from(n.prefix_len());
            let mask = if host_bits == 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            let base = u128::from(n.network());
            IpAddr::V6(Ipv6Addr::from(base | (rng.gen::<u128>() & mask)))
        }
    }
}
