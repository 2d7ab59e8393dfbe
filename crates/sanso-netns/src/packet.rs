//! Probe packets on the wire: building the Ethernet frame of a probe and
//! recognising it again in a capture. Pure (pnet's packet types, no sockets).
//!
//! Every probe carries a unique marker so a capture maps back to it:
//! a 16-byte payload tag (`SANSO`, the run's token, the probe's index), and
//! per-probe header fields so that no two probes share a conntrack entry:
//! TCP/UDP source port [`source_port`], ICMP identifier and sequence
//! (index low and high 16 bits), IPv4 identification, IPv6 flow label.
//! A capture counts only when the outer addresses, protocol and marker fields
//! all match the probe: an ICMP error or an echo reply quoting the tag does not.

use std::net::IpAddr;

use pnet::packet::ethernet::{EtherTypes, EthernetPacket, MutableEthernetPacket};
use pnet::packet::icmp::{self, IcmpCode, IcmpType, MutableIcmpPacket};
use pnet::packet::icmpv6::{self, Icmpv6Code, Icmpv6Type, MutableIcmpv6Packet};
use pnet::packet::ip::{IpNextHeaderProtocol, IpNextHeaderProtocols};
use pnet::packet::ipv4::{self, Ipv4Packet, MutableIpv4Packet};
use pnet::packet::ipv6::{Ipv6Packet, MutableIpv6Packet};
use pnet::packet::tcp::{self, MutableTcpPacket, TcpFlags};
use pnet::packet::udp::{self, MutableUdpPacket};
use pnet::packet::Packet as _;
use pnet::util::MacAddr;

use crate::placement::{Mac, PlacedProbe};
use crate::ProbeL4;

const MAGIC: &[u8; 5] = b"SANSO";
/// Length of the payload tag.
pub const TAG_LEN: usize = 16;
const ETH_LEN: usize = 14;
const IPV4_LEN: usize = 20;
const IPV6_LEN: usize = 40;

/// The payload every probe carries: magic, run token, probe index, padding.
pub fn payload_tag(token: u32, index: u32) -> [u8; TAG_LEN] {
    let mut tag = [0u8; TAG_LEN];
    tag[..5].copy_from_slice(MAGIC);
    tag[5..9].copy_from_slice(&token.to_be_bytes());
    tag[9..13].copy_from_slice(&index.to_be_bytes());
    tag
}

/// The TCP/UDP source port of probe `index` (unique within 50 000 probes).
pub fn source_port(index: u32) -> u16 {
    10_000 + (index % 50_000) as u16
}

/// The IP protocol number of a probe in its family.
pub fn protocol(l4: ProbeL4, v4: bool) -> IpNextHeaderProtocol {
    match l4 {
        ProbeL4::Tcp(_) => IpNextHeaderProtocols::Tcp,
        ProbeL4::Udp(_) => IpNextHeaderProtocols::Udp,
        ProbeL4::Icmp(_) if v4 => IpNextHeaderProtocols::Icmp,
        ProbeL4::Icmp(_) => IpNextHeaderProtocols::Icmpv6,
    }
}

/// The Ethernet frame of a probe, from `src_mac` to `dst_mac`.
pub fn build_frame(
    probe: &PlacedProbe,
    index: u32,
    token: u32,
    src_mac: Mac,
    dst_mac: Mac,
) -> Vec<u8> {
    let l4 = build_l4(probe, index, token);
    let (ip_len, ethertype) = match probe.src {
        IpAddr::V4(_) => (IPV4_LEN, EtherTypes::Ipv4),
        IpAddr::V6(_) => (IPV6_LEN, EtherTypes::Ipv6),
    };
    let mut frame = vec![0u8; ETH_LEN + ip_len + l4.len()];
    {
        let mut eth =
            MutableEthernetPacket::new(&mut frame).expect("frame has room for the Ethernet header");
        eth.set_source(mac_addr(src_mac));
        eth.set_destination(mac_addr(dst_mac));
        eth.set_ethertype(ethertype);
    }
    let proto = protocol(probe.l4, probe.src.is_ipv4());
    let ip = &mut frame[ETH_LEN..];
    match (probe.src, probe.dst) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let mut p = MutableIpv4Packet::new(ip).expect("frame has room for the IPv4 header");
            p.set_version(4);
            p.set_header_length(5);
            p.set_total_length((IPV4_LEN + l4.len()) as u16);
            p.set_identification(index as u16);
            p.set_flags(ipv4::Ipv4Flags::DontFragment);
            p.set_ttl(64);
            p.set_next_level_protocol(proto);
            p.set_source(src);
            p.set_destination(dst);
            p.set_payload(&l4);
            let sum = ipv4::checksum(&p.to_immutable());
            p.set_checksum(sum);
        }
        (IpAddr::V6(src), IpAddr::V6(dst)) => {
            let mut p = MutableIpv6Packet::new(ip).expect("frame has room for the IPv6 header");
            p.set_version(6);
            p.set_flow_label(index & 0xf_ffff);
            p.set_payload_length(l4.len() as u16);
            p.set_next_header(proto);
            p.set_hop_limit(64);
            p.set_source(src);
            p.set_destination(dst);
            p.set_payload(&l4);
        }
        _ => unreachable!("the placement refuses probes of mixed families"),
    }
    frame
}

fn build_l4(probe: &PlacedProbe, index: u32, token: u32) -> Vec<u8> {
    let tag = payload_tag(token, index);
    match probe.l4 {
        ProbeL4::Tcp(port) => {
            let mut buf = vec![0u8; 20 + TAG_LEN];
            let mut p =
                MutableTcpPacket::new(&mut buf).expect("buffer has room for the TCP header");
            p.set_source(source_port(index));
            p.set_destination(port);
            p.set_sequence(index);
            p.set_data_offset(5);
            p.set_flags(TcpFlags::SYN);
            p.set_window(64_240);
            p.set_payload(&tag);
            let sum = match (probe.src, probe.dst) {
                (IpAddr::V4(s), IpAddr::V4(d)) => tcp::ipv4_checksum(&p.to_immutable(), &s, &d),
                (IpAddr::V6(s), IpAddr::V6(d)) => tcp::ipv6_checksum(&p.to_immutable(), &s, &d),
                _ => unreachable!("the placement refuses probes of mixed families"),
            };
            p.set_checksum(sum);
            buf
        }
        ProbeL4::Udp(port) => {
            let mut buf = vec![0u8; 8 + TAG_LEN];
            let mut p =
                MutableUdpPacket::new(&mut buf).expect("buffer has room for the UDP header");
            p.set_source(source_port(index));
            p.set_destination(port);
            p.set_length((8 + TAG_LEN) as u16);
            p.set_payload(&tag);
            let sum = match (probe.src, probe.dst) {
                (IpAddr::V4(s), IpAddr::V4(d)) => udp::ipv4_checksum(&p.to_immutable(), &s, &d),
                (IpAddr::V6(s), IpAddr::V6(d)) => udp::ipv6_checksum(&p.to_immutable(), &s, &d),
                _ => unreachable!("the placement refuses probes of mixed families"),
            };
            p.set_checksum(sum);
            buf
        }
        ProbeL4::Icmp(icmp_type) => {
            // Type, code, checksum, then identifier and sequence, then the tag.
            let mut rest = Vec::with_capacity(4 + TAG_LEN);
            rest.extend_from_slice(&(index as u16).to_be_bytes());
            rest.extend_from_slice(&((index >> 16) as u16).to_be_bytes());
            rest.extend_from_slice(&tag);
            let mut buf = vec![0u8; 4 + rest.len()];
            match (probe.src, probe.dst) {
                (IpAddr::V4(_), IpAddr::V4(_)) => {
                    let mut p = MutableIcmpPacket::new(&mut buf)
                        .expect("buffer has room for the ICMP header");
                    p.set_icmp_type(IcmpType(icmp_type));
                    p.set_icmp_code(IcmpCode(0));
                    p.set_payload(&rest);
                    let sum = icmp::checksum(&p.to_immutable());
                    p.set_checksum(sum);
                }
                (IpAddr::V6(s), IpAddr::V6(d)) => {
                    let mut p = MutableIcmpv6Packet::new(&mut buf)
                        .expect("buffer has room for the ICMPv6 header");
                    p.set_icmpv6_type(Icmpv6Type(icmp_type));
                    p.set_icmpv6_code(Icmpv6Code(0));
                    p.set_payload(&rest);
                    let sum = icmpv6::checksum(&p.to_immutable(), &s, &d);
                    p.set_checksum(sum);
                }
                _ => unreachable!("the placement refuses probes of mixed families"),
            }
            buf
        }
    }
}

fn mac_addr(m: Mac) -> MacAddr {
    MacAddr::new(m[0], m[1], m[2], m[3], m[4], m[5])
}

/// The probe an Ethernet frame is, if it came from `from_mac` and carries the
/// marker of one of `probes` with matching addresses and protocol.
pub fn match_frame(
    frame: &[u8],
    from_mac: Mac,
    token: u32,
    probes: &[PlacedProbe],
) -> Option<usize> {
    let eth = EthernetPacket::new(frame)?;
    if eth.get_source() != mac_addr(from_mac) {
        return None;
    }
    match eth.get_ethertype() {
        EtherTypes::Ipv4 | EtherTypes::Ipv6 => match_ip(eth.payload(), token, probes),
        _ => None,
    }
}

/// The probe an IP packet (IPv4 or IPv6, with its header) is.
pub fn match_ip(packet: &[u8], token: u32, probes: &[PlacedProbe]) -> Option<usize> {
    match packet.first()? >> 4 {
        4 => {
            let ip = Ipv4Packet::new(packet)?;
            if ip.get_fragment_offset() != 0 {
                return None;
            }
            let end = usize::from(ip.get_total_length()).min(packet.len());
            let start = usize::from(ip.get_header_length()) * 4;
            let l4 = packet.get(start..end)?;
            let (src, dst) = (
                IpAddr::V4(ip.get_source()),
                IpAddr::V4(ip.get_destination()),
            );
            match_l4(
                ip.get_next_level_protocol(),
                l4,
                src,
                Some(dst),
                token,
                probes,
            )
        }
        6 => {
            let ip = Ipv6Packet::new(packet)?;
            let end = (IPV6_LEN + usize::from(ip.get_payload_length())).min(packet.len());
            let l4 = packet.get(IPV6_LEN..end)?;
            let (src, dst) = (
                IpAddr::V6(ip.get_source()),
                IpAddr::V6(ip.get_destination()),
            );
            match_l4(ip.get_next_header(), l4, src, Some(dst), token, probes)
        }
        _ => None,
    }
}

/// The probe a transport segment is (as an IPv6 raw socket delivers it,
/// without the IP header): `dst` is checked when known.
pub fn match_l4(
    proto: IpNextHeaderProtocol,
    l4: &[u8],
    src: IpAddr,
    dst: Option<IpAddr>,
    token: u32,
    probes: &[PlacedProbe],
) -> Option<usize> {
    let index = find_tag(l4, token)?;
    let probe = probes.get(index as usize)?;
    if probe.src != src
        || dst.is_some_and(|d| d != probe.dst)
        || protocol(probe.l4, src.is_ipv4()) != proto
    {
        return None;
    }
    let marker_ok = match probe.l4 {
        ProbeL4::Tcp(port) | ProbeL4::Udp(port) => {
            l4.len() >= 4
                && u16::from_be_bytes([l4[0], l4[1]]) == source_port(index)
                && u16::from_be_bytes([l4[2], l4[3]]) == port
        }
        ProbeL4::Icmp(t) => {
            l4.len() >= 8 && l4[0] == t && u16::from_be_bytes([l4[4], l4[5]]) == index as u16
        }
    };
    marker_ok.then_some(index as usize)
}

fn find_tag(bytes: &[u8], token: u32) -> Option<u32> {
    let mut head = [0u8; 9];
    head[..5].copy_from_slice(MAGIC);
    head[5..].copy_from_slice(&token.to_be_bytes());
    let at = bytes.windows(head.len() + 4).position(|w| w[..9] == head)?;
    let i = &bytes[at + 9..at + 13];
    Some(u32::from_be_bytes([i[0], i[1], i[2], i[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CapturePoint;
    use pnet::packet::icmp::IcmpPacket;
    use pnet::packet::tcp::TcpPacket;
    use pnet::packet::udp::UdpPacket;

    const GW: Mac = [2, 0x53, 0, 0, 0, 1];
    const PEER: Mac = [2, 0x53, 0, 1, 0, 1];

    fn placed(src: &str, dst: &str, l4: ProbeL4) -> PlacedProbe {
        PlacedProbe {
            iif: 0,
            src: src.parse().expect("addr"),
            dst: dst.parse().expect("addr"),
            l4,
            capture: CapturePoint::Peer(1),
        }
    }

    #[test]
    fn frames_round_trip_for_every_kind() {
        let probes = vec![
            placed("10.0.0.1", "10.1.0.1", ProbeL4::Tcp(443)),
            placed("10.0.0.1", "10.1.0.1", ProbeL4::Udp(53)),
            placed("10.0.0.1", "10.1.0.1", ProbeL4::Icmp(8)),
            placed("fd00::1", "fd01::1", ProbeL4::Tcp(22)),
            placed("fd00::1", "fd01::1", ProbeL4::Udp(123)),
            placed("fd00::1", "fd01::1", ProbeL4::Icmp(128)),
        ];
        for (k, p) in probes.iter().enumerate() {
            let frame = build_frame(p, k as u32, 0xabcd, PEER, GW);
            // As sent by the peer: not "from the gateway".
            assert_eq!(match_frame(&frame, GW, 0xabcd, &probes), None, "probe {k}");
            assert_eq!(
                match_frame(&frame, PEER, 0xabcd, &probes),
                Some(k),
                "probe {k}"
            );
            // Another run's token is not ours.
            assert_eq!(
                match_frame(&frame, PEER, 0xabce, &probes),
                None,
                "probe {k}"
            );
            // A copy claiming another index does not match that probe's fields.
            let mut wrong = probes.clone();
            wrong[k].dst = if p.src.is_ipv4() {
                "10.9.9.9".parse().expect("a")
            } else {
                "fd09::9".parse().expect("a")
            };
            assert_eq!(match_frame(&frame, PEER, 0xabcd, &wrong), None, "probe {k}");
        }
    }

    #[test]
    fn checksums_are_valid() {
        let p = placed("10.0.0.1", "10.1.0.1", ProbeL4::Tcp(443));
        let frame = build_frame(&p, 7, 1, PEER, GW);
        let ip = Ipv4Packet::new(&frame[ETH_LEN..]).expect("ip");
        assert_eq!(ipv4::checksum(&ip), ip.get_checksum());
        assert_eq!(ip.get_identification(), 7);
        let seg = TcpPacket::new(ip.payload()).expect("tcp");
        assert_eq!(
            tcp::ipv4_checksum(&seg, &ip.get_source(), &ip.get_destination()),
            seg.get_checksum()
        );
        assert_eq!(seg.get_flags(), TcpFlags::SYN);
        assert_eq!(seg.get_source(), source_port(7));

        let u = placed("fd00::1", "fd01::1", ProbeL4::Udp(53));
        let frame = build_frame(&u, 9, 1, PEER, GW);
        let ip6 = Ipv6Packet::new(&frame[ETH_LEN..]).expect("ip6");
        let dg = UdpPacket::new(ip6.payload()).expect("udp");
        assert_eq!(
            udp::ipv6_checksum(&dg, &ip6.get_source(), &ip6.get_destination()),
            dg.get_checksum()
        );
        assert_eq!(ip6.get_flow_label(), 9);

        let i = placed("10.0.0.1", "10.1.0.1", ProbeL4::Icmp(8));
        let frame = build_frame(&i, 70_000, 1, PEER, GW);
        let ip = Ipv4Packet::new(&frame[ETH_LEN..]).expect("ip");
        let m = IcmpPacket::new(ip.payload()).expect("icmp");
        assert_eq!(icmp::checksum(&m), m.get_checksum());
        assert_eq!(m.get_icmp_type(), IcmpType(8));
    }

    #[test]
    fn an_echo_reply_quoting_the_tag_is_not_the_probe() {
        let probes = vec![placed("10.0.0.1", "10.1.0.1", ProbeL4::Icmp(8))];
        // The reply: addresses swapped, type 0, same payload.
        let reply = placed("10.1.0.1", "10.0.0.1", ProbeL4::Icmp(0));
        let frame = build_frame(&reply, 0, 5, GW, PEER);
        assert_eq!(match_frame(&frame, GW, 5, &probes), None);
        let frame = build_frame(&probes[0], 0, 5, GW, PEER);
        assert_eq!(match_frame(&frame, GW, 5, &probes), Some(0));
        // The IPv6 raw-socket view: payload only.
        let p6 = vec![placed("fd00::1", "fd01::1", ProbeL4::Udp(53))];
        let frame = build_frame(&p6[0], 0, 5, GW, PEER);
        let l4 = &frame[ETH_LEN + IPV6_LEN..];
        assert_eq!(
            match_l4(IpNextHeaderProtocols::Udp, l4, p6[0].src, None, 5, &p6),
            Some(0)
        );
        assert_eq!(
            match_l4(IpNextHeaderProtocols::Tcp, l4, p6[0].src, None, 5, &p6),
            None
        );
    }
}
