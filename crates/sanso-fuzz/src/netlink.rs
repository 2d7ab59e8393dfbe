//! The `netlink_answers` target: the readers of the kernel's netlink
//! answers (`sanso_nft::netlink`: the batch's ACKs, the dumps' messages,
//! the generation, named counters, conntrack entries, the table's dump
//! readers, attributes) on any
//! bytes as one datagram.

use sanso_nft::netlink::fuzzing as nl;

/// What one datagram held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Read {
    pub answers: usize,
    pub messages: usize,
    pub generations: usize,
    pub counters: usize,
    pub conntrack_entries: usize,
    /// Things the table's dump readers found (read-back after an apply).
    pub table_objects: usize,
}

/// `NLMSG_ERROR`.
const NLMSG_ERROR: u16 = 2;
/// The smallest `NLMSG_ERROR` message: header, errno, copied header.
const MIN_ERROR: usize = 16 + 4 + 16;

/// Reads `data` every way sanso reads an answer. Panics when a property
/// breaks: no reader finds more than the bytes can hold, an error is never
/// read as success, and attributes written back read the same.
pub fn netlink_answers(data: &[u8]) -> Read {
    let mut read = Read::default();
    let answers = nl::answers(data);
    assert!(answers.len() <= data.len() / MIN_ERROR);
    for a in &answers {
        if let Some(m) = &a.message {
            assert!(
                m.len() <= 3 * data.len(),
                "an ext-ack longer than its datagram"
            );
        }
    }
    read.answers = answers.len();
    let messages = nl::messages(data);
    assert!(messages.len() <= data.len() / 16);
    read.messages = messages.len();
    for (kind, body) in messages {
        if kind == NLMSG_ERROR {
            let errno = nl::error_of(body);
            let raw = body
                .get(..4)
                .map(|e| i32::from_ne_bytes([e[0], e[1], e[2], e[3]]));
            // Only a whole zero errno is an ACK.
            assert_eq!(errno == 0, raw == Some(0), "errno {errno} of {body:?}");
        }
        read.generations += usize::from(nl::generation(body).is_some());
        if let Some(c) = nl::counter(body, "sanso") {
            assert!(!c.name.is_empty());
            read.counters += 1;
        }
        if let Some(e) = nl::conntrack_entry(body) {
            assert!(!e.orig.is_empty());
            read.conntrack_entries += 1;
        }
        let (found, keys) = nl::table_dump_message(body);
        assert!(
            keys <= 2 * body.len(),
            "element keys longer than their message"
        );
        read.table_objects += found;
        round_trip(body.get(4..).unwrap_or_default());
    }
    round_trip(data);
    read
}

/// Attributes written back with `push_attr` read the same, nested ones too.
fn round_trip(buf: &[u8]) {
    let attrs = nl::attributes(buf);
    let mut written = Vec::new();
    for (kind, payload) in &attrs {
        nl::push_attr(&mut written, *kind, payload);
        let _ = nl::attributes(payload);
    }
    assert_eq!(nl::attributes(&written), attrs, "attributes of {buf:?}");
}
