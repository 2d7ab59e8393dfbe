//! VRRP advertisements (RFC 3768 version 2 over IPv4, RFC 5798 version 3
//! over IPv6), as far as the relay of a peer's resignation needs them:
//! reading an advertisement's router id and priority, and writing a
//! priority-0 advertisement ("the master is leaving").
//!
//! Why a relay: keepalived puts the instances of a sync group together
//! into FAULT when the active node loses one of its links, and sends a
//! priority-0 advertisement on the links it still has; the standby's
//! instances on those links become ready after their skew time (about
//! 0.6 s), but its sync group moves only when every instance is ready, and
//! the instance on the link the active node lost hears nothing, so it waits
//! its Master_Down_Interval (3 x advert_int + skew, 3.6 s with the default
//! timers). `sanso ha relay` hears the peer's priority 0 on one of the
//! pair's links and hands it, on this node only (looped back, link-local
//! multicast), to the instances on the other links, so that the group
//! moves after the skew time.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// IP protocol number of VRRP.
pub const PROTOCOL: u8 = 112;
/// The IPv4 group VRRP advertises to.
pub const GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 group VRRP advertises to.
pub const GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// The TTL or hop limit every advertisement carries (and receivers check).
pub const TTL: u8 = 255;
/// Where the checksum sits in a version 3 advertisement (for the
/// kernel's IPV6_CHECKSUM, which fills it with the pseudo-header).
pub const V3_CHECKSUM_OFFSET: usize = 6;

/// The fields of an advertisement the relay looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advert {
    pub version: u8,
    pub router_id: u8,
    pub priority: u8,
}

/// The advertisement in `payload` (the VRRP message, without the IP
/// header), if it is one: version 2 or 3, type 1.
pub fn parse(payload: &[u8]) -> Option<Advert> {
    let first = *payload.first()?;
    let version = first >> 4;
    if !(version == 2 || version == 3) || first & 0x0f != 1 || payload.len() < 8 {
        return None;
    }
    Some(Advert {
        version,
        router_id: payload[1],
        priority: payload[2],
    })
}

/// The VRRP message of an IPv4 packet as a raw socket receives it (the IP
/// header first), with the source address.
pub fn parse_ipv4_packet(packet: &[u8]) -> Option<(Ipv4Addr, Advert)> {
    let first = *packet.first()?;
    let header = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || header < 20 || packet.len() < header || packet[9] != PROTOCOL {
        return None;
    }
    let source = Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]);
    Some((source, parse(&packet[header..])?))
}

/// The Internet checksum (RFC 1071).
pub fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A priority-0 version 2 advertisement (IPv4) for `router_id`, with the
/// instance's advertisement interval in seconds and its IPv4 addresses,
/// checksummed as keepalived checks it.
pub fn resign_v2(router_id: u8, advert_interval: u8, addresses: &[Ipv4Addr]) -> Vec<u8> {
    let count = u8::try_from(addresses.len()).unwrap_or(u8::MAX);
    let mut out = vec![0x21, router_id, 0, count, 0, advert_interval, 0, 0];
    for a in addresses.iter().take(usize::from(count)) {
        out.extend_from_slice(&a.octets());
    }
    // Authentication data: none (RFC 3768 keeps the 8 bytes).
    out.extend_from_slice(&[0; 8]);
    let sum = checksum(&out);
    out[6..8].copy_from_slice(&sum.to_be_bytes());
    out
}

/// A priority-0 version 3 advertisement (IPv6) for `router_id`, with the
/// instance's interval in centiseconds and its IPv6 addresses. Its checksum
/// covers the IPv6 pseudo-header, which only the sending socket knows: it
/// is left 0 for the kernel to fill in ([`V3_CHECKSUM_OFFSET`]).
pub fn resign_v3(router_id: u8, interval_centis: u16, addresses: &[Ipv6Addr]) -> Vec<u8> {
    let count = u8::try_from(addresses.len()).unwrap_or(u8::MAX);
    let interval = (interval_centis & 0x0fff).to_be_bytes();
    let mut out = vec![0x31, router_id, 0, count, interval[0], interval[1], 0, 0];
    for a in addresses.iter().take(usize::from(count)) {
        out.extend_from_slice(&a.octets());
    }
    out
}

/// One VRRP instance of a node, as the relay sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub interface: String,
    pub router_id: u8,
    /// The advertisement: version 2 over IPv4 or version 3 over IPv6.
    pub message: Vec<u8>,
    pub ipv6: bool,
}

/// The priority-0 advertisement of every instance of the pair, as
/// `render` configures them (an interface with IPv4 addresses advertises
/// them over IPv4, an IPv6-only one over IPv6).
pub fn instances(ha: &crate::Ha) -> Vec<Instance> {
    ha.virtuals
        .iter()
        .map(|v| {
            let v4: Vec<Ipv4Addr> = v
                .addresses
                .iter()
                .filter_map(|a| match a.addr() {
                    IpAddr::V4(a) => Some(a),
                    IpAddr::V6(_) => None,
                })
                .collect();
            let v6: Vec<Ipv6Addr> = v
                .addresses
                .iter()
                .filter_map(|a| match a.addr() {
                    IpAddr::V6(a) => Some(a),
                    IpAddr::V4(_) => None,
                })
                .collect();
            let ipv6 = v4.is_empty();
            let message = if ipv6 {
                resign_v3(v.router_id, u16::from(ha.vrrp.advert_interval) * 100, &v6)
            } else {
                resign_v2(v.router_id, ha.vrrp.advert_interval, &v4)
            };
            Instance {
                interface: v.interface.clone(),
                router_id: v.router_id,
                message,
                ipv6,
            }
        })
        .collect()
}

/// The instances to hand a resignation to when the peer resigned
/// `router_id`: all the pair's others (none when `router_id` is not one of
/// the pair's).
pub fn relay_targets(instances: &[Instance], router_id: u8) -> Vec<&Instance> {
    if !instances.iter().any(|i| i.router_id == router_id) {
        return Vec::new();
    }
    instances
        .iter()
        .filter(|i| i.router_id != router_id)
        .collect()
}

/// What the relay has heard: the master of each of the pair's router ids
/// and when, and when it last relayed. Times are passed in as the time
/// since the relay started (this crate reads no clock).
#[derive(Clone, Debug)]
pub struct Listener {
    router_ids: Vec<u8>,
    interval: Duration,
    masters: HashMap<u8, (IpAddr, Duration)>,
    last_relay: Option<Duration>,
}

impl Listener {
    /// For the pair's `instances`, advertising every `interval`.
    pub fn new(instances: &[Instance], interval: Duration) -> Listener {
        Listener {
            router_ids: instances.iter().map(|i| i.router_id).collect(),
            interval,
            masters: HashMap::new(),
            last_relay: None,
        }
    }

    /// An advertisement from `source` heard at `now`: the router id whose
    /// resignation to hand to the others, if this is one to relay. A
    /// priority 0 is relayed only when it comes from the master of that
    /// router id as last heard within the master-down interval (not from
    /// this node's own relayed ones, nor from anyone else), and once per
    /// advertisement interval; other router ids than the pair's are
    /// ignored.
    pub fn heard(&mut self, source: IpAddr, advert: &Advert, now: Duration) -> Option<u8> {
        if !self.router_ids.contains(&advert.router_id) {
            return None;
        }
        if advert.priority > 0 {
            self.masters.insert(advert.router_id, (source, now));
            return None;
        }
        // The master-down interval, rounded up.
        let lifetime = self.interval * 4;
        let from_master = self
            .masters
            .get(&advert.router_id)
            .is_some_and(|(master, at)| *master == source && now.saturating_sub(*at) <= lifetime);
        let recently = self
            .last_relay
            .is_some_and(|t| now.saturating_sub(t) < self.interval);
        if !from_master || recently {
            return None;
        }
        self.masters.remove(&advert.router_id);
        self.last_relay = Some(now);
        Some(advert.router_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_keepalived_advertisement_reads_and_its_checksum_verifies() {
        // keepalived 2.2.7's advert for vrid 52, priority 150, 10.0.2.1, as
        // captured on the wire (IP header, then VRRP).
        let packet = [
            0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0xce, 0x90, 0x0a, 0x00,
            0x02, 0x02, 0xe0, 0x00, 0x00, 0x12, 0x21, 0x34, 0x96, 0x01, 0x00, 0x01, 0x3c, 0xc8,
            0x0a, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let (source, advert) = parse_ipv4_packet(&packet).expect("an advert");
        assert_eq!(source, Ipv4Addr::new(10, 0, 2, 2));
        assert_eq!(
            advert,
            Advert {
                version: 2,
                router_id: 52,
                priority: 150
            }
        );
        // A correct checksum sums to zero.
        assert_eq!(checksum(&packet[20..]), 0);
        assert_eq!(parse(&[0x22, 1, 2, 3, 4, 5, 6, 7]), None, "type 2");
        assert_eq!(parse(&[0x21, 1]), None, "short");
    }

    #[test]
    fn resignations_are_what_keepalived_sends() {
        let v2 = resign_v2(52, 1, &[Ipv4Addr::new(10, 0, 2, 1)]);
        assert_eq!(hex(&v2), "213400010001d2c80a0002010000000000000000");
        assert_eq!(checksum(&v2), 0);
        let v3 = resign_v3(7, 100, &["fd00::1".parse().expect("v6")]);
        assert_eq!(hex(&v3), "3107000100640000fd000000000000000000000000000001");
        assert_eq!(parse(&v3).map(|a| a.priority), Some(0));
    }

    #[test]
    fn the_peer_resigning_one_instance_is_handed_to_the_others() {
        let text = include_str!("../../../deploy/ha/ha.toml");
        let ha = crate::load("deploy/ha/ha.toml", text).expect("valid");
        let all = instances(&ha);
        assert_eq!(all.len(), 2);
        let targets = relay_targets(&all, 51);
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].interface, "wan0");
        assert_eq!(targets[0].router_id, 52);
        assert!(relay_targets(&all, 99).is_empty());
    }

    #[test]
    fn only_the_masters_resignation_is_relayed_once_per_interval() {
        let text = include_str!("../../../deploy/ha/ha.toml");
        let ha = crate::load("deploy/ha/ha.toml", text).expect("valid");
        let mut listener = Listener::new(&instances(&ha), Duration::from_secs(1));
        let peer: IpAddr = "10.0.1.2".parse().expect("ip");
        let other: IpAddr = "10.0.1.9".parse().expect("ip");
        let advert = |router_id, priority| Advert {
            version: 2,
            router_id,
            priority,
        };
        let at = Duration::from_millis;
        // Nobody is master yet: a priority 0 is not relayed.
        assert_eq!(listener.heard(peer, &advert(51, 0), at(0)), None);
        assert_eq!(listener.heard(peer, &advert(51, 150), at(100)), None);
        // From another address than the master's: not relayed.
        assert_eq!(listener.heard(other, &advert(51, 0), at(200)), None);
        // Another router id than the pair's: ignored.
        assert_eq!(listener.heard(peer, &advert(99, 150), at(250)), None);
        assert_eq!(listener.heard(peer, &advert(99, 0), at(260)), None);
        // The master resigns: relayed.
        assert_eq!(listener.heard(peer, &advert(51, 0), at(300)), Some(51));
        // Its resignation of the other router id right after: not again.
        assert_eq!(listener.heard(peer, &advert(52, 150), at(310)), None);
        assert_eq!(listener.heard(peer, &advert(52, 0), at(320)), None);
        // Nor the same one repeated: it is no longer the master.
        assert_eq!(listener.heard(peer, &advert(51, 0), at(2000)), None);
        // A master last heard longer ago than the master-down interval.
        assert_eq!(listener.heard(peer, &advert(52, 150), at(3000)), None);
        assert_eq!(listener.heard(peer, &advert(52, 0), at(8000)), None);
        assert_eq!(listener.heard(peer, &advert(52, 150), at(9000)), None);
        assert_eq!(listener.heard(peer, &advert(52, 0), at(9500)), Some(52));
    }
}
