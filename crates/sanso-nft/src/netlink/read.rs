//! Small reads of nf_tables state over netlink, without `nft`: the ruleset
//! generation (`NFT_MSG_GETGEN`) and the named counters of a table
//! (`NFT_MSG_GETOBJ` dump). The daemon's drift watch and metrics use them
//! in its steady state, so that it runs no `nft` process.
//!
//! The generation is a per-namespace number the kernel bumps at every
//! committed nf_tables transaction (any table, any tool: `nft`, another
//! daemon, sanso itself); counting packets or updating dynamic sets from
//! the packet path does not bump it. Equal generations mean no rule, chain,
//! set, element or object was changed through netlink in between.

use std::io;
use std::time::Duration;

use sanso_i18n::t;

use super::socket::{in_namespace, NetfilterSocket};
use super::wire::{self, attributes, be32, be64, push_attr, string, NFGENMSG};
use super::{ApplyError, NetlinkOp};
use crate::text::layout::IDENTITY_COUNTER;

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFT_MSG_NEWOBJ: u16 = 18;
const NFT_MSG_GETOBJ: u16 = 19;
const NFT_MSG_NEWGEN: u16 = 15;
const NFT_MSG_GETGEN: u16 = 16;
const NFTA_GEN_ID: u16 = 1;
const NFTA_OBJ_TABLE: u16 = 1;
const NFTA_OBJ_NAME: u16 = 2;
const NFTA_OBJ_TYPE: u16 = 3;
const NFTA_OBJ_DATA: u16 = 4;
const NFTA_COUNTER_BYTES: u16 = 1;
const NFTA_COUNTER_PACKETS: u16 = 2;
const NFT_OBJECT_COUNTER: u32 = 1;
const NFPROTO_INET: u8 = 1;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
/// How long to wait for one datagram of an answer.
const WAIT: Duration = Duration::from_secs(5);

/// A named counter as the kernel holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedCounter {
    pub name: String,
    pub packets: u64,
    pub bytes: u64,
}

/// The ruleset generation of the current network namespace, or of
/// `/var/run/netns/<netns>`: one `NFT_MSG_GETGEN` round trip.
pub fn generation(netns: Option<&str>) -> Result<u32, ApplyError> {
    let socket = NetfilterSocket::open(netns)?;
    generation_on(&socket)
}

/// The named counters of table `table` of family `inet`, sorted by name,
/// with the generation read just before them on the same socket: one
/// `NFT_MSG_GETOBJ` dump (an absent table has none). Counter `identity`
/// ([`IDENTITY_COUNTER`]) is left out: it names the policy and counts
/// nothing.
pub fn named_counters(
    netns: Option<&str>,
    table: &str,
) -> Result<(u32, Vec<NamedCounter>), ApplyError> {
    let table = table.to_owned();
    in_namespace(netns, move || {
        let socket = NetfilterSocket::open_here()?;
        let generation = generation_on(&socket)?;
        let mut counters = counters_on(&socket, &table)?;
        counters.retain(|c| c.name != IDENTITY_COUNTER);
        counters.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((generation, counters))
    })
}

pub(crate) fn generation_on(socket: &NetfilterSocket) -> Result<u32, ApplyError> {
    const OP: NetlinkOp = NetlinkOp::ReadGeneration;
    let request = wire::message(
        NFNL_SUBSYS_NFTABLES,
        NFT_MSG_GETGEN,
        NLM_F_REQUEST,
        1,
        libc::AF_UNSPEC as u8,
        &[],
    );
    socket.send(&request, OP)?;
    let mut found = None;
    socket.read_replies(OP, NFNL_SUBSYS_NFTABLES, WAIT, false, |kind, body| {
        if kind == NFT_MSG_NEWGEN {
            found = parse_generation(body);
            return false;
        }
        true
    })?;
    found.ok_or_else(|| ApplyError::Io {
        op: OP,
        source: io::Error::other(t!("nft-no-generation")),
    })
}

fn counters_on(socket: &NetfilterSocket, table: &str) -> Result<Vec<NamedCounter>, ApplyError> {
    const OP: NetlinkOp = NetlinkOp::DumpCounters;
    let mut attrs = Vec::new();
    let mut name = table.as_bytes().to_vec();
    name.push(0);
    push_attr(&mut attrs, NFTA_OBJ_TABLE, &name);
    push_attr(&mut attrs, NFTA_OBJ_TYPE, &NFT_OBJECT_COUNTER.to_be_bytes());
    let request = wire::message(
        NFNL_SUBSYS_NFTABLES,
        NFT_MSG_GETOBJ,
        NLM_F_REQUEST | NLM_F_DUMP,
        2,
        NFPROTO_INET,
        &attrs,
    );
    socket.send(&request, OP)?;
    let mut counters = Vec::new();
    socket.read_replies(OP, NFNL_SUBSYS_NFTABLES, WAIT, true, |kind, body| {
        if kind == NFT_MSG_NEWOBJ {
            counters.extend(parse_counter(body, table));
        }
        true
    })?;
    Ok(counters)
}

/// `NFTA_GEN_ID` of an `NFT_MSG_NEWGEN` body.
pub(super) fn parse_generation(body: &[u8]) -> Option<u32> {
    attributes(body.get(NFGENMSG..)?)
        .into_iter()
        .find(|(kind, _)| *kind == NFTA_GEN_ID)
        .and_then(|(_, id)| be32(id))
}

/// A counter of an `NFT_MSG_NEWOBJ` body, when it is one of `table`'s.
pub(super) fn parse_counter(body: &[u8], table: &str) -> Option<NamedCounter> {
    if *body.first()? != NFPROTO_INET {
        return None;
    }
    let mut of_table = false;
    let mut is_counter = false;
    let mut counter = NamedCounter {
        name: String::new(),
        packets: 0,
        bytes: 0,
    };
    for (kind, payload) in attributes(body.get(NFGENMSG..)?) {
        match kind {
            NFTA_OBJ_TABLE => of_table = string(payload) == table,
            NFTA_OBJ_NAME => counter.name = string(payload),
            NFTA_OBJ_TYPE => is_counter = be32(payload) == Some(NFT_OBJECT_COUNTER),
            NFTA_OBJ_DATA => {
                for (kind, value) in attributes(payload) {
                    match kind {
                        NFTA_COUNTER_BYTES => counter.bytes = be64(value).unwrap_or(0),
                        NFTA_COUNTER_PACKETS => counter.packets = be64(value).unwrap_or(0),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (of_table && is_counter && !counter.name.is_empty()).then_some(counter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generation_is_read_big_endian() {
        let mut body = vec![0, 0, 0, 0];
        push_attr(&mut body, NFTA_GEN_ID, &0x0102_0304u32.to_be_bytes());
        push_attr(&mut body, 2, &77u32.to_be_bytes());
        assert_eq!(parse_generation(&body), Some(0x0102_0304));
        assert_eq!(parse_generation(&[0, 0, 0, 0]), None);
    }

    #[test]
    fn counters_of_other_tables_and_kinds_are_left_out() {
        let counter = |table: &str, kind: u32, family: u8| {
            let mut data = Vec::new();
            push_attr(&mut data, NFTA_COUNTER_BYTES, &420u64.to_be_bytes());
            push_attr(&mut data, NFTA_COUNTER_PACKETS, &7u64.to_be_bytes());
            let mut body = vec![family, 0, 0, 0];
            push_attr(&mut body, NFTA_OBJ_TABLE, format!("{table}\0").as_bytes());
            push_attr(&mut body, NFTA_OBJ_NAME, b"drop.lg.ext\0");
            push_attr(&mut body, NFTA_OBJ_TYPE, &kind.to_be_bytes());
            push_attr(&mut body, NFTA_OBJ_DATA | 0x8000, &data);
            body
        };
        assert_eq!(
            parse_counter(&counter("sanso", 1, NFPROTO_INET), "sanso"),
            Some(NamedCounter {
                name: "drop.lg.ext".into(),
                packets: 7,
                bytes: 420
            })
        );
        assert_eq!(
            parse_counter(&counter("other", 1, NFPROTO_INET), "sanso"),
            None
        );
        assert_eq!(
            parse_counter(&counter("sanso", 2, NFPROTO_INET), "sanso"),
            None
        );
        assert_eq!(parse_counter(&counter("sanso", 1, 2), "sanso"), None);
    }
}
