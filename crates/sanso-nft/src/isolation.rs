//! Isolation (issue 14): addresses cut off from the zones at once, in both
//! directions, new and established connections alike, without replacing the
//! table.
//!
//! Every compiled table holds two interval sets, `isolated4` and `isolated6`,
//! empty unless addresses are isolated, the named counter `isolated`, and
//! the rules that drop the packets of isolated addresses ahead of the
//! established path (docs/ruleset.md, "Isolation"). This module owns their
//! elements, apart from any `Ruleset`:
//!
//! * [`Isolated`]: what is isolated, as disjoint ranges (the kernel refuses
//!   overlapping elements of an interval set, so overlapping or adjacent
//!   targets are merged); pure, in `sanso_table::isolation`, re-exported
//!   here with [`isolation_script`].
//! * [`set_isolated`]: replaces the elements of both sets in one netlink
//!   batch (flush, then add: an element update, the table and its counters
//!   stay), then deletes the conntrack entries of the connections that
//!   isolation cut ([`cut_connections`]).
//! * [`isolation_script`]: the same element update as `nft -f` text, which
//!   boot loads after `last-good.nft`.
//! * [`read_isolated`]: the elements of a table read back, to compare with
//!   what should be isolated; drift of the policy ignores them
//!   ([`crate::readback::diff_ignoring_isolation`]).
//!
//! The whole-table paths take the current elements too:
//! [`crate::netlink::apply_with`] and [`crate::text::render_with`].

use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use sanso_i18n::t;
use sanso_ir::AddrRange;
use serde_json::Value;

pub use crate::netlink::conntrack::ConnectionsCut;
use crate::netlink::ApplyError;
use crate::readback::{LiveTable, TablePresence};
use crate::text::layout::NftAddr;
pub use sanso_table::isolation::{
    isolation_script, Isolated, ISOLATED4_SET, ISOLATED6_SET, ISOLATED_COUNTER, ISOLATED_SETS,
};

/// What [`set_isolated`] did.
#[derive(Debug)]
pub struct IsolationChange {
    /// Messages of the element batch, the two batch markers included.
    pub messages: usize,
    /// Elements loaded: the ranges of [`Isolated`].
    pub elements: usize,
    /// Wall time of the element batch, from building it to the last ACK:
    /// from then on every packet of an isolated address is dropped.
    pub duration: Duration,
    /// The conntrack entries of the connections isolation cut, deleted after
    /// the batch; or why that failed (the isolation holds all the same:
    /// their packets are dropped). `Ok` with nothing examined when nothing
    /// is isolated.
    pub connections: Result<ConnectionsCut, ApplyError>,
}

/// Replaces the elements of `isolated4` and `isolated6` in `table inet
/// sanso` with `isolated`, in one atomic netlink batch (flush both sets, add
/// the new elements): the rest of the table, its counters included, stays.
/// Then, when something is isolated, deletes the conntrack entries of the
/// connections that isolation cuts ([`cut_connections`]).
///
/// `netns` as for [`crate::netlink::apply`]. An `Err` is a batch the kernel
/// refused, and nothing changed: `ENOENT` for a missing table, or a table
/// compiled before isolation existed (apply the ruleset with
/// [`crate::netlink::apply_with`] instead).
pub fn set_isolated(
    netns: Option<&str>,
    isolated: &Isolated,
) -> Result<IsolationChange, ApplyError> {
    let batch = crate::netlink::replace_isolated(isolated, netns)?;
    let connections = if isolated.is_empty() {
        Ok(ConnectionsCut::default())
    } else {
        cut_connections(netns, isolated)
    };
    Ok(IsolationChange {
        messages: batch.messages,
        elements: batch.elements,
        duration: batch.duration,
        connections,
    })
}

/// Deletes, in `netns` (or here), the conntrack entries of the connections
/// that isolating `isolated` cuts, as the rules drop them: every forwarded
/// connection with an isolated end, and every connection the gateway opened
/// to an isolated address. Connections an isolated address opened to the
/// gateway itself (what the policy's flows to `self` allow: management) are
/// left alone. [`set_isolated`] calls this after its batch; call it after
/// [`crate::netlink::apply_with`] when isolation was not in place before.
///
/// Deleting only tidies up what the drop rules already stalled (and frees
/// conntrack slots); the packets of those connections are dropped whether
/// or not their entries are gone (docs/ruleset.md, "Isolation").
pub fn cut_connections(
    netns: Option<&str>,
    isolated: &Isolated,
) -> Result<ConnectionsCut, ApplyError> {
    crate::netlink::conntrack::cut(netns, isolated)
}

/// Why [`read_isolated`] could not read the isolation sets.
#[derive(Debug, PartialEq, Eq)]
pub enum IsolationError {
    TableAbsent,
    MissingSet(&'static str),
    BadElement { set: &'static str, element: String },
}

impl std::fmt::Display for IsolationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            IsolationError::TableAbsent => t!("nft-table-missing"),
            IsolationError::MissingSet(set) => t!("nft-isolation-set-missing", set = *set),
            IsolationError::BadElement { set, element } => t!(
                "nft-isolation-bad-element",
                set = *set,
                element = element.as_str()
            ),
        })
    }
}

impl std::error::Error for IsolationError {}

/// The isolated addresses of a table read back
/// ([`crate::readback::live_table`]): the elements of `isolated4` and
/// `isolated6`, normalised as [`Isolated`] is.
pub fn read_isolated(live: &LiveTable) -> Result<Isolated, IsolationError> {
    if live.presence == TablePresence::Absent {
        return Err(IsolationError::TableAbsent);
    }
    let v4 = read_set(live, ISOLATED4_SET, |s| s.parse::<Ipv4Addr>().ok())?;
    let v6 = read_set(live, ISOLATED6_SET, |s| s.parse::<Ipv6Addr>().ok())?;
    Ok(Isolated::from_ranges(v4, v6))
}

fn read_set<A: NftAddr>(
    live: &LiveTable,
    set: &'static str,
    parse: impl Fn(&str) -> Option<A>,
) -> Result<Vec<AddrRange<A>>, IsolationError> {
    let Some(found) = live.sets.get(set) else {
        return Err(IsolationError::MissingSet(set));
    };
    found
        .elements
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(&e.json)
                .ok()
                .and_then(|json| element_range(&json, &parse))
                .ok_or_else(|| IsolationError::BadElement {
                    set,
                    element: e.text.clone(),
                })
        })
        .collect()
}

/// An element of `nft -j`: `"10.0.0.5"`, `{"prefix": {"addr": .., "len": ..}}`,
/// `{"range": [first, last]}`, or any of them inside `{"elem": {"val": ..}}`.
fn element_range<A: NftAddr>(
    json: &Value,
    parse: &impl Fn(&str) -> Option<A>,
) -> Option<AddrRange<A>> {
    match json {
        Value::String(s) => {
            let a = parse(s)?;
            Some(AddrRange { first: a, last: a })
        }
        Value::Object(map) if map.len() == 1 => {
            let (kind, inner) = map.iter().next()?;
            match kind.as_str() {
                "elem" => element_range(&inner["val"], parse),
                "prefix" => {
                    let addr = parse(inner["addr"].as_str()?)?;
                    let len = u32::try_from(inner["len"].as_u64()?).ok()?;
                    prefix_range(addr, len)
                }
                "range" => {
                    let first = parse(inner.get(0)?.as_str()?)?;
                    let last = parse(inner.get(1)?.as_str()?)?;
                    Some(AddrRange { first, last })
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The range of the prefix `addr/len` of a family of `A::BITS` bits.
fn prefix_range<A: NftAddr>(addr: A, len: u32) -> Option<AddrRange<A>> {
    if len > A::BITS {
        return None;
    }
    let host_bits = A::BITS - len;
    let host_mask: u128 = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    let bits = addr.to_bits();
    Some(AddrRange {
        first: A::from_bits(bits & !host_mask)?,
        last: A::from_bits(bits | host_mask)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_of_nft_json_read_back_as_ranges() {
        let parse = |s: &str| s.parse::<Ipv4Addr>().ok();
        let read = |json: &str| {
            let v: Value = serde_json::from_str(json).expect("test json");
            element_range(&v, &parse).map(|r| crate::text::range_text(&r))
        };
        assert_eq!(read(r#""10.0.0.5""#).as_deref(), Some("10.0.0.5"));
        assert_eq!(
            read(r#"{"prefix": {"addr": "10.20.0.0", "len": 16}}"#).as_deref(),
            Some("10.20.0.0/16")
        );
        assert_eq!(
            read(r#"{"range": ["10.0.0.1", "10.0.0.9"]}"#).as_deref(),
            Some("10.0.0.1-10.0.0.9")
        );
        assert_eq!(
            read(r#"{"elem": {"val": "10.0.0.5", "comment": "x"}}"#).as_deref(),
            Some("10.0.0.5")
        );
        assert_eq!(read(r#"{"prefix": {"addr": "10.0.0.0", "len": 33}}"#), None);
        assert_eq!(read(r#""fd00::1""#), None);
        let parse6 = |s: &str| s.parse::<Ipv6Addr>().ok();
        let v: Value =
            serde_json::from_str(r#"{"prefix": {"addr": "::", "len": 0}}"#).expect("json");
        let all = element_range(&v, &parse6).expect("::/0");
        assert_eq!(all.last, Ipv6Addr::from(u128::MAX));
    }
}
