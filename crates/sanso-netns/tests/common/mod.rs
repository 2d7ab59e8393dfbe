//! Shared by the kernel tests: a small hand-built policy, a hand-written
//! ruleset for it, probe shorthands and the root check.
#![allow(dead_code)]

use std::net::IpAddr;

use sanso_netns::{Probe, ProbeDst, ProbeL4};
use sanso_policy::{Location, Policy, Tier, Zone};

/// True when root; otherwise prints the skip line the brief asks for.
pub fn root_or_skip(test: &str) -> bool {
    sanso_testkit::root(&format!(
        "{test}: network namespaces, CAP_NET_ADMIN and CAP_SYS_ADMIN"
    ))
}

fn zone(name: &str, tier: Tier, ifaces: &[&str], nets: &[&str]) -> Zone {
    Zone {
        name: name.to_owned(),
        tier,
        beyond: None,
        organisation: None,
        dynamic: Vec::new(),
        interfaces: ifaces.iter().map(|s| (*s).to_owned()).collect(),
        networks: nets
            .iter()
            .map(|n| n.parse().expect("test network"))
            .collect(),
        location: Location::default(),
    }
}

/// mynumber (mn0), lgwan (lg0), a catch-all upstream (wan0); both families.
pub fn policy() -> Policy {
    Policy {
        name: "netns-test".to_owned(),
        revision: None,
        zones: vec![
            zone(
                "mn",
                Tier::Mynumber,
                &["mn0"],
                &["10.10.0.0/16", "fd00:10::/48"],
            ),
            zone(
                "lg",
                Tier::Lgwan,
                &["lg0"],
                &["10.20.0.0/16", "fd00:20::/48"],
            ),
            zone("up", Tier::External, &["wan0"], &["0.0.0.0/0", "::/0"]),
        ],
        hosts: vec![],
        flows: vec![],
        content_hash: String::new(),
    }
}

/// Anti-spoofing per interface, then a handful of allowed flows; the rest
/// is dropped by the chains' policy.
pub const RULESET: &str = r#"
table inet harness {
    chain forward {
        type filter hook forward priority filter; policy drop;
        iifname "mn0" ip saddr != 10.10.0.0/16 drop
        iifname "lg0" ip saddr != 10.20.0.0/16 drop
        iifname "mn0" ip6 saddr != fd00:10::/48 drop
        iifname "lg0" ip6 saddr != fd00:20::/48 drop
        ct state established,related accept
        ct state invalid drop
        ip saddr 10.10.0.0/16 ip daddr 10.20.0.0/16 tcp dport 443 accept
        ip saddr 10.10.0.0/16 ip daddr 10.20.0.0/16 udp dport 53 accept
        ip saddr 10.10.0.0/16 ip daddr 10.20.0.0/16 icmp type echo-request accept
        ip6 saddr fd00:10::/48 ip6 daddr fd00:20::/48 tcp dport 22 accept
        ip6 saddr fd00:10::/48 ip6 daddr fd00:20::/48 icmpv6 type echo-request accept
        ip saddr 10.20.0.0/16 ip daddr 198.51.100.0/24 tcp dport 25 accept
    }
    chain input {
        type filter hook input priority filter; policy drop;
        iif "lo" accept
        icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept
        iifname "mn0" ip saddr != 10.10.0.0/16 drop
        iifname "lg0" ip saddr != 10.20.0.0/16 drop
        ct state established,related accept
        ip saddr 10.10.0.0/16 tcp dport 22 accept
        ip saddr 10.20.0.0/16 udp dport 123 accept
        ip6 saddr fd00:10::/48 icmpv6 type echo-request accept
    }
    chain output {
        type filter hook output priority filter; policy accept;
    }
}
"#;

/// Accepts every forwarded and local packet: for timing and reliability.
pub const ACCEPT_ALL: &str = r#"
table inet harness {
    chain forward { type filter hook forward priority filter; policy accept; }
    chain input { type filter hook input priority filter; policy accept; }
}
"#;

pub fn ip(s: &str) -> IpAddr {
    s.parse().expect("test address")
}

pub fn to(src: &str, dst: &str, l4: ProbeL4) -> Probe {
    Probe {
        iif: None,
        src: ip(src),
        dst: ProbeDst::Addr(ip(dst)),
        l4,
    }
}

pub fn to_self(src: &str, l4: ProbeL4) -> Probe {
    Probe {
        iif: None,
        src: ip(src),
        dst: ProbeDst::Gateway,
        l4,
    }
}

pub fn via(iif: &str, mut probe: Probe) -> Probe {
    probe.iif = Some(iif.to_owned());
    probe
}

/// Parses and validates a policy of a test (panics with the diagnostics).
pub fn load(text: &str) -> Policy {
    sanso_policy::load_policy("test.toml", text).unwrap_or_else(|d| panic!("{}", d.render(false)))
}

/// The `nft -f` text of `policy`, compiled as of now.
pub fn compile(policy: &Policy) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    sanso_nft::text::render(&sanso_ir::lower(policy, now))
}

/// The peer namespace behind gateway interface `interface`
/// ([`sanso_netns::tcp::peer`]; panics when the topology has no such link).
pub fn peer<'t>(topo: &'t sanso_netns::Topology, interface: &str) -> &'t sanso_netns::netns::Netns {
    sanso_netns::tcp::peer(topo, interface).unwrap_or_else(|| panic!("no link {interface}"))
}

/// Every named counter of `table inet <table>` in the gateway: (name, packets).
pub fn counters(topo: &sanso_netns::Topology, table: &str) -> Vec<(String, u64)> {
    let out = topo
        .nft(&["-j", "list", "counters", "table", "inet", table])
        .expect("nft -j list counters");
    let json: serde_json::Value = serde_json::from_str(&out).expect("nft -j");
    json["nftables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("counter"))
        .filter_map(|c| Some((c["name"].as_str()?.to_owned(), c["packets"].as_u64()?)))
        .collect()
}

/// The packets of counter `name` of `table inet <table>` in the gateway.
pub fn counter(topo: &sanso_netns::Topology, table: &str, name: &str) -> u64 {
    counters(topo, table)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no counter {name} in table {table}"))
        .1
}
