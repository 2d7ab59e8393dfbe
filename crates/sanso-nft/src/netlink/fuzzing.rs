//! Doors for the fuzz targets (`crates/sanso-fuzz`, `fuzz/`): the parsers
//! of the kernel's netlink answers, reachable with bytes that no kernel
//! sent, and [`record`], which keeps real answers for their seed corpus.
//! Not an API: hidden from the docs, free to change with the targets.

use std::net::IpAddr;
use std::time::Duration;

use super::socket::{parse_answers, NetfilterSocket};
use super::{conntrack, read, table, wire, ApplyError, NetlinkOp};

pub use super::read::NamedCounter;

/// `NLMSG_DONE`, `NLMSG_ERROR`.
const NLMSG_DONE: u16 = 3;
const NLMSG_ERROR: u16 = 2;

/// One answer of a batch exchange as `parse_answers` reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub seq: u32,
    pub errno: i32,
    pub message: Option<String>,
}

/// The `NLMSG_ERROR` answers of one datagram (the batch exchange's reader).
pub fn answers(datagram: &[u8]) -> Vec<Answer> {
    parse_answers(datagram)
        .into_iter()
        .map(|a| Answer {
            seq: a.seq,
            errno: a.errno,
            message: a.message,
        })
        .collect()
}

/// The (type, body) messages of one datagram (the dumps' reader).
pub fn messages(datagram: &[u8]) -> Vec<(u16, &[u8])> {
    wire::messages(datagram)
}

/// The errno of an `NLMSG_ERROR` body, as the dumps read it.
pub fn error_of(body: &[u8]) -> i32 {
    wire::error_of(body)
}

/// The (type, payload) attributes of `buf`.
pub fn attributes(buf: &[u8]) -> Vec<(u16, &[u8])> {
    wire::attributes(buf)
}

/// Appends one attribute, padded to 4 bytes.
pub fn push_attr(out: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    wire::push_attr(out, kind, payload);
}

/// A netfilter message: header, `nfgenmsg`, `attrs`.
pub fn message(
    subsystem: u16,
    kind: u16,
    flags: u16,
    seq: u32,
    family: u8,
    attrs: &[u8],
) -> Vec<u8> {
    wire::message(subsystem, kind, flags, seq, family, attrs)
}

/// The readers of the table's dumps (`netlink/table.rs`: the table, a
/// chain, a rule's chain, an object, a set, elements) on one message body:
/// how many of them found something, and the elements' total key bytes.
pub fn table_dump_message(body: &[u8]) -> (usize, usize) {
    table::read_any(body)
}

/// The generation of an `NFT_MSG_NEWGEN` body.
pub fn generation(body: &[u8]) -> Option<u32> {
    read::parse_generation(body)
}

/// The counter of an `NFT_MSG_NEWOBJ` body, when it is one of `table`'s.
pub fn counter(body: &[u8], table: &str) -> Option<NamedCounter> {
    read::parse_counter(body, table)
}

/// A conntrack entry of a dump, as the isolation cut reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConntrackEntry {
    pub family: u8,
    /// The payload of `CTA_TUPLE_ORIG`.
    pub orig: Vec<u8>,
    pub id: Option<Vec<u8>>,
    pub zone: Option<Vec<u8>>,
    /// Original source and destination, reply source and destination.
    pub ends: [Option<IpAddr>; 4],
}

/// The entry of an `IPCTNL_MSG_CT_NEW` body.
pub fn conntrack_entry(body: &[u8]) -> Option<ConntrackEntry> {
    conntrack::parse_entry(body).map(|e| ConntrackEntry {
        family: e.family,
        orig: e.orig,
        id: e.id,
        zone: e.zone,
        ends: [
            e.ends.orig_src,
            e.ends.orig_dst,
            e.ends.reply_src,
            e.ends.reply_dst,
        ],
    })
}

/// Sends `request` on a netfilter socket in `netns` and returns the
/// datagrams the kernel answers, up to the one that holds `NLMSG_DONE` or
/// `NLMSG_ERROR`, at most `max` of them, each within one second.
pub fn record(netns: Option<&str>, request: &[u8], max: usize) -> Result<Vec<Vec<u8>>, ApplyError> {
    const OP: NetlinkOp = NetlinkOp::DumpCounters;
    let socket = NetfilterSocket::open(netns)?;
    socket.send(request, OP)?;
    let mut datagrams = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while datagrams.len() < max {
        let Some(n) = socket.receive(&mut buf, Duration::from_secs(1), OP)? else {
            break;
        };
        let datagram = buf[..n].to_vec();
        let last = wire::messages(&datagram)
            .iter()
            .any(|(kind, _)| matches!(*kind, NLMSG_DONE | NLMSG_ERROR));
        datagrams.push(datagram);
        if last {
            break;
        }
    }
    Ok(datagrams)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `NLMSG_ERROR` with `errno` (as the kernel writes it: negative)
    /// about request `seq`, which it copies (40 bytes).
    fn error_message(errno: u32, seq: u32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&40u32.to_ne_bytes());
        m.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&errno.to_ne_bytes());
        m.extend(message(10, 16, 5, seq, 0, &[]));
        assert_eq!(m.len(), 40);
        m
    }

    /// Found by the netlink_answers fuzz target: an errno field of
    /// i32::MIN overflowed when negated (a panic in debug builds). It reads
    /// as an error, in the batch's reader and in the dumps'.
    #[test]
    fn an_errno_of_i32_min_is_an_error_not_a_panic() {
        let m = error_message(0x8000_0000, 7);
        let answers = answers(&m);
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].seq, 7);
        assert_ne!(answers[0].errno, 0);
        let (kind, body) = messages(&m)[0];
        assert_eq!(kind, NLMSG_ERROR);
        assert_ne!(error_of(body), 0);
    }

    #[test]
    fn errors_and_acks_read_as_they_are() {
        let enoent = error_message((-libc::ENOENT) as u32, 3);
        assert_eq!(answers(&enoent)[0].errno, libc::ENOENT);
        let ack = error_message(0, 4);
        assert_eq!(answers(&ack)[0].errno, 0);
        assert_eq!(error_of(messages(&ack)[0].1), 0);
        // Too short to hold an errno: not an ACK.
        assert_eq!(error_of(&[0, 0]), libc::EBADMSG);
    }

    #[test]
    fn messages_stop_at_a_length_that_does_not_hold() {
        let mut two = error_message(0, 1);
        two.extend(error_message(0, 2));
        assert_eq!(messages(&two).len(), 2);
        let mut cut = two.clone();
        cut.truncate(two.len() - 1);
        assert_eq!(messages(&cut).len(), 1);
        let mut zero = two.clone();
        zero[40..44].copy_from_slice(&0u32.to_ne_bytes());
        assert_eq!(messages(&zero).len(), 1);
        let mut huge = two;
        huge[40..44].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert_eq!(messages(&huge).len(), 1);
    }
}
