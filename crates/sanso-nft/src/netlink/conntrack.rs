//! Deleting the conntrack entries of the connections isolation cuts, over
//! ctnetlink (`NFNL_SUBSYS_CTNETLINK`, the same netfilter netlink socket as
//! the batches): one dump of the conntrack table (`IPCTNL_MSG_CT_GET` with
//! `NLM_F_DUMP`, both families), the entries chosen here (the kernel's dump
//! filter matches exact addresses, not ranges), then one
//! `IPCTNL_MSG_CT_DELETE` per chosen entry, naming its original tuple as
//! dumped, its id (an entry that replaced it in the meantime is left alone)
//! and its zone.
//!
//! Which connections isolation cuts follows the rules (docs/ruleset.md,
//! "Isolation"), so the two never disagree:
//!
//! * a forwarded connection with an isolated end: cut;
//! * a connection the gateway opened to an isolated address: cut;
//! * a connection an isolated address opened to the gateway (what the flows
//!   to `self` allow: management): spared.
//!
//! The gateway's own addresses (every address of the namespace, read with
//! `getifaddrs` in it) tell the last two from forwarded connections.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use sanso_i18n::t;

use super::socket::{in_namespace, parse_answers, NetfilterSocket};
use super::wire::{self, attributes, push_attr, NFGENMSG};
use super::{ApplyError, NetlinkOp};
use crate::isolation::Isolated;

/// What [`cut`] found and did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionsCut {
    /// Conntrack entries in the dump, of both families.
    pub examined: usize,
    /// Entries of cut connections deleted.
    pub deleted: usize,
    /// Connections of isolated addresses to the gateway itself, kept
    /// (the flows to `self` stay open).
    pub spared: usize,
    /// Wall time of the dump and the deletes.
    pub duration: Duration,
}

const NFNL_SUBSYS_CTNETLINK: u16 = 1;
const IPCTNL_MSG_CT_NEW: u16 = 0;
const IPCTNL_MSG_CT_GET: u16 = 1;
const IPCTNL_MSG_CT_DELETE: u16 = 2;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_DUMP: u16 = 0x300;
const NLA_F_NESTED: u16 = 0x8000;
const CTA_TUPLE_ORIG: u16 = 1;
const CTA_TUPLE_REPLY: u16 = 2;
const CTA_ID: u16 = 12;
const CTA_ZONE: u16 = 18;
const CTA_TUPLE_IP: u16 = 1;
const CTA_IP_V4_SRC: u16 = 1;
const CTA_IP_V4_DST: u16 = 2;
const CTA_IP_V6_SRC: u16 = 3;
const CTA_IP_V6_DST: u16 = 4;
/// How long to wait for one datagram of the dump or of the answers.
const WAIT: Duration = Duration::from_secs(5);
/// Delete messages sent per datagram (their ACKs fit the receive buffer).
const DELETES_PER_SEND: usize = 256;

/// Deletes, in `netns`, the conntrack entries of the connections that
/// isolating `isolated` cuts (module doc).
pub(crate) fn cut(netns: Option<&str>, isolated: &Isolated) -> Result<ConnectionsCut, ApplyError> {
    let started = Instant::now();
    let (socket, local) = in_namespace(netns, || {
        Ok((NetfilterSocket::open_here()?, local_addresses()?))
    })?;
    let entries = dump(&socket)?;
    let mut report = ConnectionsCut {
        examined: entries.len(),
        ..ConnectionsCut::default()
    };
    let mut doomed = Vec::new();
    for entry in entries {
        match fate(&entry.ends, isolated, &local) {
            Fate::Cut => doomed.push(entry),
            Fate::Spared => report.spared += 1,
            Fate::Untouched => {}
        }
    }
    report.deleted = delete(&socket, &doomed)?;
    report.duration = started.elapsed();
    Ok(report)
}

/// The addresses of a connection's tuples, as far as the dump names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Ends {
    pub(super) orig_src: Option<IpAddr>,
    pub(super) orig_dst: Option<IpAddr>,
    pub(super) reply_src: Option<IpAddr>,
    pub(super) reply_dst: Option<IpAddr>,
}

/// One dumped entry: what is needed to delete it and to judge it.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) family: u8,
    /// The payload of `CTA_TUPLE_ORIG`, as dumped.
    pub(super) orig: Vec<u8>,
    pub(super) id: Option<Vec<u8>>,
    pub(super) zone: Option<Vec<u8>>,
    pub(super) ends: Ends,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Cut,
    Spared,
    Untouched,
}

/// What isolation does to a connection with these ends, `local` being the
/// gateway's addresses (module doc).
fn fate(ends: &Ends, isolated: &Isolated, local: &[IpAddr]) -> Fate {
    let is_local = |a: Option<IpAddr>| a.is_some_and(|a| local.contains(&a));
    let is_isolated = |a: Option<IpAddr>| a.is_some_and(|a| isolated.contains(a));
    if is_local(ends.orig_dst) || is_local(ends.reply_src) {
        // Opened to the gateway: the flows to self decide, not isolation.
        if is_isolated(ends.orig_src) || is_isolated(ends.reply_dst) {
            return Fate::Spared;
        }
        return Fate::Untouched;
    }
    let far_ends = if is_local(ends.orig_src) || is_local(ends.reply_dst) {
        // Opened by the gateway: cut when it goes to an isolated address.
        [ends.orig_dst, ends.reply_src]
    } else {
        // Forwarded: cut when either end is isolated.
        return if [ends.orig_src, ends.orig_dst, ends.reply_src, ends.reply_dst]
            .into_iter()
            .any(is_isolated)
        {
            Fate::Cut
        } else {
            Fate::Untouched
        };
    };
    if far_ends.into_iter().any(is_isolated) {
        Fate::Cut
    } else {
        Fate::Untouched
    }
}

fn io_error(op: NetlinkOp, errno: i32) -> ApplyError {
    ApplyError::Io {
        op,
        source: io::Error::from_raw_os_error(errno),
    }
}

/// (source, destination) of a `CTA_TUPLE_*` payload.
fn tuple_addresses(tuple: &[u8]) -> (Option<IpAddr>, Option<IpAddr>) {
    let mut src = None;
    let mut dst = None;
    for (kind, ip) in attributes(tuple) {
        if kind != CTA_TUPLE_IP {
            continue;
        }
        for (kind, bytes) in attributes(ip) {
            let v4 = <[u8; 4]>::try_from(bytes)
                .ok()
                .map(|b| IpAddr::V4(Ipv4Addr::from(b)));
            let v6 = <[u8; 16]>::try_from(bytes)
                .ok()
                .map(|b| IpAddr::V6(Ipv6Addr::from(b)));
            match kind {
                CTA_IP_V4_SRC => src = v4,
                CTA_IP_V4_DST => dst = v4,
                CTA_IP_V6_SRC => src = v6,
                CTA_IP_V6_DST => dst = v6,
                _ => {}
            }
        }
    }
    (src, dst)
}

/// One `IPCTNL_MSG_CT_NEW` message of the dump (after its header).
pub(super) fn parse_entry(body: &[u8]) -> Option<Entry> {
    let family = *body.first()?;
    let mut entry = Entry {
        family,
        orig: Vec::new(),
        id: None,
        zone: None,
        ends: Ends::default(),
    };
    for (kind, payload) in attributes(body.get(NFGENMSG..)?) {
        match kind {
            CTA_TUPLE_ORIG => {
                entry.orig = payload.to_vec();
                (entry.ends.orig_src, entry.ends.orig_dst) = tuple_addresses(payload);
            }
            CTA_TUPLE_REPLY => {
                (entry.ends.reply_src, entry.ends.reply_dst) = tuple_addresses(payload);
            }
            CTA_ID => entry.id = Some(payload.to_vec()),
            CTA_ZONE => entry.zone = Some(payload.to_vec()),
            _ => {}
        }
    }
    (!entry.orig.is_empty()).then_some(entry)
}

/// Every conntrack entry of the namespace, both families.
fn dump(socket: &NetfilterSocket) -> Result<Vec<Entry>, ApplyError> {
    const OP: NetlinkOp = NetlinkOp::DumpConntrack;
    let seq = 1;
    let request = wire::message(
        NFNL_SUBSYS_CTNETLINK,
        IPCTNL_MSG_CT_GET,
        NLM_F_REQUEST | NLM_F_DUMP,
        seq,
        libc::AF_UNSPEC as u8,
        &[],
    );
    socket.send(&request, OP)?;
    let mut entries = Vec::new();
    socket.read_replies(OP, NFNL_SUBSYS_CTNETLINK, WAIT, true, |kind, body| {
        if kind == IPCTNL_MSG_CT_NEW {
            entries.extend(parse_entry(body));
        }
        true
    })?;
    Ok(entries)
}

/// Deletes `entries`; returns how many the kernel deleted (an entry that
/// ended in the meantime answers `ENOENT` and is not counted).
fn delete(socket: &NetfilterSocket, entries: &[Entry]) -> Result<usize, ApplyError> {
    const OP: NetlinkOp = NetlinkOp::DeleteConntrack;
    let mut deleted = 0;
    let mut buf = vec![0u8; 64 * 1024];
    socket.size_receive_buffer(DELETES_PER_SEND * 2048 + 64 * 1024)?;
    let mut seq: u32 = 2;
    for chunk in entries.chunks(DELETES_PER_SEND) {
        let first = seq;
        let mut datagram = Vec::new();
        for entry in chunk {
            let mut attrs = Vec::new();
            push_attr(&mut attrs, CTA_TUPLE_ORIG | NLA_F_NESTED, &entry.orig);
            if let Some(id) = &entry.id {
                push_attr(&mut attrs, CTA_ID, id);
            }
            if let Some(zone) = &entry.zone {
                push_attr(&mut attrs, CTA_ZONE, zone);
            }
            datagram.extend(wire::message(
                NFNL_SUBSYS_CTNETLINK,
                IPCTNL_MSG_CT_DELETE,
                NLM_F_REQUEST | NLM_F_ACK,
                seq,
                entry.family,
                &attrs,
            ));
            seq = seq.wrapping_add(1);
        }
        socket.send(&datagram, OP)?;
        let mut answered = 0;
        while answered < chunk.len() {
            let Some(n) = socket.receive(&mut buf, WAIT, OP)? else {
                return Err(ApplyError::Io {
                    op: OP,
                    source: io::Error::new(
                        io::ErrorKind::TimedOut,
                        t!(
                            "nft-deletes-unanswered",
                            unanswered = chunk.len() - answered,
                            total = chunk.len()
                        ),
                    ),
                });
            };
            for answer in parse_answers(&buf[..n]) {
                if answer.seq.wrapping_sub(first) as usize >= chunk.len() {
                    continue;
                }
                answered += 1;
                match answer.errno {
                    0 => deleted += 1,
                    libc::ENOENT => {}
                    errno => return Err(io_error(OP, errno)),
                }
            }
        }
    }
    Ok(deleted)
}

/// Every address of the current thread's network namespace.
fn local_addresses() -> Result<Vec<IpAddr>, ApplyError> {
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below.
    if unsafe { libc::getifaddrs(&raw mut head) } != 0 {
        return Err(ApplyError::Io {
            op: NetlinkOp::ListAddresses,
            source: io::Error::last_os_error(),
        });
    }
    let mut out = Vec::new();
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned.
        let ifa = unsafe { &*cur };
        if !ifa.ifa_addr.is_null() {
            // SAFETY: a non-null `ifa_addr` points to a sockaddr whose
            // family says which sockaddr it is.
            let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
            if family == libc::AF_INET {
                // SAFETY: an AF_INET address is a sockaddr_in.
                let sin = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in>() };
                out.push(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    sin.sin_addr.s_addr,
                ))));
            } else if family == libc::AF_INET6 {
                // SAFETY: an AF_INET6 address is a sockaddr_in6.
                let sin6 = unsafe { &*ifa.ifa_addr.cast::<libc::sockaddr_in6>() };
                out.push(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
            }
        }
        cur = ifa.ifa_next;
    }
    // SAFETY: `head` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::wire::NLMSG_HDR;
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    fn ends(orig_src: &str, orig_dst: &str) -> Ends {
        Ends {
            orig_src: Some(ip(orig_src)),
            orig_dst: Some(ip(orig_dst)),
            reply_src: Some(ip(orig_dst)),
            reply_dst: Some(ip(orig_src)),
        }
    }

    #[test]
    fn fates_follow_the_rules() {
        let isolated = Isolated::new(["10.20.0.0/16".parse().expect("prefix")]);
        let local = [ip("10.20.0.1"), ip("10.21.0.1"), ip("127.0.0.1")];
        let cases = [
            // Forwarded, either end isolated.
            (ends("10.20.0.5", "10.21.0.10"), Fate::Cut),
            (ends("10.21.0.10", "10.20.0.5"), Fate::Cut),
            (ends("10.22.0.5", "10.21.0.10"), Fate::Untouched),
            // An isolated host to the gateway (management): spared, on any
            // of the gateway's addresses.
            (ends("10.20.0.5", "10.20.0.1"), Fate::Spared),
            (ends("10.20.0.5", "10.21.0.1"), Fate::Spared),
            (ends("10.22.0.5", "10.21.0.1"), Fate::Untouched),
            // The gateway to an isolated host: cut; to others: untouched.
            (ends("10.21.0.1", "10.20.0.5"), Fate::Cut),
            (ends("10.20.0.1", "10.22.0.5"), Fate::Untouched),
            (ends("127.0.0.1", "127.0.0.1"), Fate::Untouched),
        ];
        for (e, want) in cases {
            assert_eq!(fate(&e, &isolated, &local), want, "{e:?}");
        }
        // Destination NAT by someone else: the reply comes from an isolated host.
        let mut natted = ends("10.22.0.5", "10.21.0.10");
        natted.reply_src = Some(ip("10.20.0.9"));
        assert_eq!(fate(&natted, &isolated, &local), Fate::Cut);
    }

    #[test]
    fn a_dumped_entry_is_parsed_and_its_delete_names_it() {
        // CTA_TUPLE_ORIG { CTA_TUPLE_IP { V4_SRC, V4_DST }, CTA_TUPLE_PROTO {..} },
        // CTA_TUPLE_REPLY { CTA_TUPLE_IP { V4_SRC, V4_DST } }, CTA_ID, CTA_ZONE.
        let ip_nest = |src: [u8; 4], dst: [u8; 4]| {
            let mut ips = Vec::new();
            push_attr(&mut ips, CTA_IP_V4_SRC, &src);
            push_attr(&mut ips, CTA_IP_V4_DST, &dst);
            let mut tuple = Vec::new();
            push_attr(&mut tuple, CTA_TUPLE_IP | NLA_F_NESTED, &ips);
            tuple
        };
        let mut orig = ip_nest([10, 20, 0, 5], [10, 21, 0, 10]);
        push_attr(&mut orig, 2 | NLA_F_NESTED, &[8, 0, 1, 0, 6, 0, 0, 0]);
        let reply = ip_nest([10, 21, 0, 10], [10, 20, 0, 5]);
        let mut attrs = Vec::new();
        push_attr(&mut attrs, CTA_TUPLE_ORIG | NLA_F_NESTED, &orig);
        push_attr(&mut attrs, CTA_TUPLE_REPLY | NLA_F_NESTED, &reply);
        push_attr(&mut attrs, CTA_ID, &[0, 0, 1, 2]);
        push_attr(&mut attrs, CTA_ZONE, &[0, 7]);
        let msg = wire::message(
            NFNL_SUBSYS_CTNETLINK,
            IPCTNL_MSG_CT_NEW,
            0,
            9,
            libc::AF_INET as u8,
            &attrs,
        );
        let entry = parse_entry(&msg[NLMSG_HDR..]).expect("an entry");
        assert_eq!(entry.family, libc::AF_INET as u8);
        assert_eq!(entry.ends, ends("10.20.0.5", "10.21.0.10"));
        assert_eq!(entry.orig, orig);
        assert_eq!(entry.id.as_deref(), Some(&[0, 0, 1, 2][..]));
        assert_eq!(entry.zone.as_deref(), Some(&[0, 7][..]));
        // The delete carries the same tuple back, padded.
        let mut back = Vec::new();
        push_attr(&mut back, CTA_TUPLE_ORIG | NLA_F_NESTED, &entry.orig);
        let parsed = attributes(&back);
        assert_eq!(parsed, vec![(CTA_TUPLE_ORIG, &orig[..])]);
        assert_eq!(tuple_addresses(parsed[0].1).0, Some(ip("10.20.0.5")));
    }
}
