//! Host discovery: judging a neighbour seen on a gateway interface against
//! the policy. Pure; the actor feeds it the kernel's neighbour tables.
//!
//! A neighbour on an interface of zone Z is
//! * a *spoofing suspect* when its address does not classify to Z (it claims
//!   an address of another zone, or of none), and
//! * an *unknown host* when it classifies to Z but no host of the inventory
//!   holds the address.
//!
//! Interfaces of no zone, link-local, multicast, loopback and unspecified
//! addresses are not judged.

use std::net::IpAddr;

use sanso_policy::{Policy, ZoneId};
use serde::Serialize;

use crate::kernel::Neighbour;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    SpoofingSuspect,
    UnknownHost,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::SpoofingSuspect => "spoofing-suspect",
            FindingKind::UnknownHost => "unknown-host",
        }
    }
}

/// A neighbour the policy does not account for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct HostFinding {
    pub kind: FindingKind,
    pub interface: String,
    pub address: IpAddr,
    /// The zone whose interface it was seen on.
    pub interface_zone: String,
    /// The zone its address classifies to, if any.
    pub address_zone: Option<String>,
}

fn judged(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => {
            !(a.is_link_local()
                || a.is_multicast()
                || a.is_loopback()
                || a.is_unspecified()
                || a.is_broadcast())
        }
        IpAddr::V6(a) => {
            let link_local = (a.segments()[0] & 0xffc0) == 0xfe80;
            !(link_local || a.is_multicast() || a.is_loopback() || a.is_unspecified())
        }
    }
}

fn zone_of_interface(policy: &Policy, interface: &str) -> Option<ZoneId> {
    policy
        .zones
        .iter()
        .position(|z| z.interfaces.iter().any(|i| i == interface))
        .map(ZoneId)
}

fn in_dynamic_pool(policy: &Policy, zone: ZoneId, address: IpAddr) -> bool {
    policy
        .zone(zone)
        .dynamic
        .iter()
        .any(|pool| pool.contains(&address))
}

/// The zone whose `dynamic` pool holds this neighbour, seen on one of that
/// zone's interfaces (a DHCP terminal where it belongs), for counting.
pub fn dynamic_pool(policy: &Policy, neighbour: &Neighbour) -> Option<String> {
    if !judged(neighbour.address) {
        return None;
    }
    let zone = zone_of_interface(policy, &neighbour.interface)?;
    (policy.classify(neighbour.address) == Some(zone)
        && in_dynamic_pool(policy, zone, neighbour.address))
    .then(|| policy.zone(zone).name.clone())
}

/// Judges one neighbour; `None` when it is accounted for or not judged.
pub fn assess(policy: &Policy, neighbour: &Neighbour) -> Option<HostFinding> {
    if !judged(neighbour.address) {
        return None;
    }
    let zone = zone_of_interface(policy, &neighbour.interface)?;
    let address_zone = policy.classify(neighbour.address);
    let kind = if address_zone != Some(zone) {
        FindingKind::SpoofingSuspect
    } else if policy
        .hosts
        .iter()
        .any(|h| h.zone == zone && h.addresses.iter().any(|n| n.contains(&neighbour.address)))
    {
        return None;
    } else if in_dynamic_pool(policy, zone, neighbour.address) {
        // A DHCP terminal: counted (`dynamic_pool`), not reported one by one.
        return None;
    } else {
        FindingKind::UnknownHost
    };
    Some(HostFinding {
        kind,
        interface: neighbour.interface.clone(),
        address: neighbour.address,
        interface_zone: policy.zone(zone).name.clone(),
        address_zone: address_zone.map(|z| policy.zone(z).name.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::tests::{policy_text, source};

    fn policy() -> Policy {
        crate::compile::compile(source(&policy_text("r1", None)), 0)
            .expect("valid")
            .policy
            .as_ref()
            .clone()
    }

    fn n(interface: &str, address: &str) -> Neighbour {
        Neighbour {
            interface: interface.into(),
            address: address.parse().expect("addr"),
        }
    }

    #[test]
    fn an_inventory_host_is_accounted_for() {
        assert_eq!(assess(&policy(), &n("lg0", "10.20.1.5")), None);
    }

    #[test]
    fn an_address_of_the_zone_outside_the_inventory_is_unknown() {
        let f = assess(&policy(), &n("lg0", "10.20.9.9")).expect("finding");
        assert_eq!(f.kind, FindingKind::UnknownHost);
        assert_eq!(f.interface_zone, "lg");
        assert_eq!(f.address_zone.as_deref(), Some("lg"));
    }

    #[test]
    fn an_address_of_another_zone_is_a_spoofing_suspect() {
        let f = assess(&policy(), &n("lg0", "10.250.0.7")).expect("finding");
        assert_eq!(f.kind, FindingKind::SpoofingSuspect);
        assert_eq!(f.address_zone.as_deref(), Some("ext"));
        let f = assess(&policy(), &n("wan0", "192.168.1.1")).expect("finding");
        assert_eq!(
            (f.kind, f.address_zone),
            (FindingKind::SpoofingSuspect, None)
        );
    }

    #[test]
    fn terminals_of_a_dynamic_pool_are_counted_not_reported() {
        let text = policy_text("r1", None).replace(
            "networks = [\"10.20.0.0/16\"]",
            "networks = [\"10.20.0.0/16\"]\ndynamic = [\"10.20.100.0/22\"]",
        );
        let policy = crate::compile::compile(source(&text), 0)
            .expect("valid")
            .policy
            .as_ref()
            .clone();
        assert_eq!(policy.zones[0].dynamic.len(), 1, "{text}");
        let dhcp = n("lg0", "10.20.101.7");
        assert_eq!(assess(&policy, &dhcp), None);
        assert_eq!(dynamic_pool(&policy, &dhcp).as_deref(), Some("lg"));
        // Outside the pool: still an unknown host; on another zone's link: spoofing.
        let f = assess(&policy, &n("lg0", "10.20.9.9")).expect("finding");
        assert_eq!(f.kind, FindingKind::UnknownHost);
        assert_eq!(dynamic_pool(&policy, &n("lg0", "10.20.9.9")), None);
        let f = assess(&policy, &n("wan0", "10.20.101.7")).expect("finding");
        assert_eq!(f.kind, FindingKind::SpoofingSuspect);
        assert_eq!(dynamic_pool(&policy, &n("wan0", "10.20.101.7")), None);
    }

    #[test]
    fn link_local_and_foreign_interfaces_are_not_judged() {
        assert_eq!(assess(&policy(), &n("lg0", "fe80::1")), None);
        assert_eq!(assess(&policy(), &n("lg0", "169.254.3.3")), None);
        assert_eq!(assess(&policy(), &n("mgmt0", "10.250.0.7")), None);
    }
}
