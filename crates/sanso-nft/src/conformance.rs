//! Read-back after an apply: does the live `table inet sanso` have the shape
//! the IR says it must (no table flags, the policy's identity, chains with
//! their rule counts, named objects, sets with their element counts)?
//!
//! This is the cheap check that runs after every apply ([`apply_and_check`]
//! for `sanso apply`, [`check_live`] on the daemon's own read-back); it
//! catches a table that was not replaced, a batch the kernel took only in
//! part, a base chain on the wrong hook or with the wrong policy, and a table
//! changed between the apply and the read-back. Everything it expects is
//! derived from the kernel objects of the ruleset (`sanso_table::objects`), so
//! new chains, sets and objects are covered as soon as they are built there. The exact comparison
//! against the kernel's own view of the text (`readback::diff`) is
//! `sanso drift`.
//!
//! The isolation sets are part of the shape (they, their rules and the
//! `isolated` counter must be there), but what they hold is not the
//! policy's: [`check_shape`] does not count their elements, and
//! [`check_isolated`] (through [`check_live_with`]) compares them with what
//! should be isolated.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use sanso_i18n::t;
use sanso_ir::Ruleset;

use crate::isolation::{read_isolated, Isolated};
use crate::netlink::objects::{
    self, kernel_elements, Hook, KernelElement, NamedObject, TableObjects, Verdict,
};
use crate::netlink::table::{read_table, KernelTable, ReadElement, SET_ANONYMOUS, SET_MAP};
use crate::netlink::{AppliedBatch, ApplyError};
use crate::readback::{
    flags_change, LiveChain, LiveElement, LiveObject, LiveRule, LiveSet, LiveTable, ReadbackError,
    TablePresence,
};
use crate::text::layout::{ISOLATED_SETS, LOG_METERS};

/// What `table inet sanso` must hold for a ruleset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableShape {
    /// The policy's identity, as [`LiveTable::comment`] reads it: the
    /// comment of counter `identity`, or the table's comment when the table
    /// has no such counter (an older sanso's, the closed fallback).
    pub comment: String,
    /// Chain name -> number of rules.
    pub chains: BTreeMap<String, usize>,
    /// Base chain name -> its hook as the read-back spells it
    /// (`type filter hook forward priority 0; policy drop`); regular chains
    /// are absent.
    pub hooks: BTreeMap<String, String>,
    /// `"counter <name>"` / `"limit <name>"`.
    pub objects: Vec<String>,
    /// Set or map name -> number of elements (0 for the isolation sets,
    /// whose elements [`check_shape`] does not count).
    pub sets: BTreeMap<String, usize>,
}

/// The shape the kernel must show after `ruleset` was applied.
pub fn expected_shape(ruleset: &Ruleset) -> TableShape {
    shape_of(&objects::build(ruleset))
}

/// The shape of the table `table` spells.
fn shape_of(table: &TableObjects) -> TableShape {
    let mut objects: Vec<String> = table
        .objects
        .iter()
        .map(|o| match o {
            NamedObject::Counter { name, .. } => format!("counter {name}"),
            NamedObject::Limit { name, .. } => format!("limit {name}"),
        })
        .collect();
    objects.sort();
    TableShape {
        comment: table.identity().unwrap_or_default().to_owned(),
        chains: table
            .chains
            .iter()
            .map(|c| (c.name.clone(), c.rules.len()))
            .collect(),
        hooks: table
            .chains
            .iter()
            .filter_map(|c| Some((c.name.clone(), hook_spec(c.hook?))))
            .collect(),
        objects,
        sets: table
            .sets
            .iter()
            .map(|s| (s.name.clone(), s.elements.len()))
            .collect(),
    }
}

/// A base chain's hook as [`crate::readback`] spells it from `nft -j`.
fn hook_spec(hook: Hook) -> String {
    let name = match hook.number() {
        0 => "prerouting",
        1 => "input",
        2 => "forward",
        3 => "output",
        _ => "postrouting",
    };
    // NF_DROP is 0, NF_ACCEPT 1.
    let policy = if hook.policy() == 0 { "drop" } else { "accept" };
    format!(
        "type filter hook {name} priority {}; policy {policy}",
        hook.priority()
    )
}

impl TableShape {
    /// What [`check_shape`] looks at for this shape.
    pub fn coverage(&self) -> Coverage {
        Coverage {
            chains: self.chains.len(),
            base_chains: self.hooks.len(),
            rules: self.chains.values().sum(),
            sets: self.sets.len(),
            elements: self.sets.values().sum(),
            objects: self.objects.len(),
        }
    }
}

/// What a shape check compared: the policy's identity and these counts, each
/// taken from the compiled ruleset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub chains: usize,
    /// Chains whose hook, priority and policy were compared.
    pub base_chains: usize,
    /// Rules counted, chain by chain.
    pub rules: usize,
    /// Named sets and maps.
    pub sets: usize,
    /// Their elements, counted set by set.
    pub elements: usize,
    /// Named counters and limits, compared by name.
    pub objects: usize,
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&t!(
            "nft-coverage",
            chains = self.chains,
            base_chains = self.base_chains,
            rules = self.rules,
            sets = self.sets,
            elements = self.elements,
            objects = self.objects
        ))
    }
}

/// Every way `live` differs from `shape`; empty when it matches.
pub fn check_shape(shape: &TableShape, live: &LiveTable) -> Vec<String> {
    let mut problems = Vec::new();
    if live.presence == TablePresence::Absent {
        problems.push(t!("nft-table-missing"));
        return problems;
    }
    // sanso never sets a table flag; `dormant` switches all filtering off.
    if !live.flags.is_empty() {
        problems.push(t!(
            "nft-table-flags",
            flags = flags_change(&[], &live.flags)
        ));
    }
    if let Some(why) = &live.incomplete {
        problems.push(t!("nft-table-not-read-in-full", why = why.as_str()));
    }
    if live.comment.as_deref() != Some(shape.comment.as_str()) {
        problems.push(t!(
            "nft-table-comment-differs",
            live = format!("{:?}", live.comment.as_deref().unwrap_or("")),
            expected = format!("{:?}", shape.comment)
        ));
    }
    for (name, rules) in &shape.chains {
        match live.chains.get(name) {
            None => problems.push(t!("nft-chain-missing", name = name.as_str())),
            Some(chain) if chain.rules.len() != *rules => problems.push(t!(
                "nft-chain-rule-count",
                name = name.as_str(),
                live = chain.rules.len(),
                expected = *rules
            )),
            Some(_) => {}
        }
        if let Some(chain) = live.chains.get(name) {
            let expected = shape.hooks.get(name);
            if chain.hook.as_ref() != expected {
                let regular = || t!("nft-a-regular-chain");
                problems.push(t!(
                    "nft-chain-hook-differs",
                    name = name.as_str(),
                    live = chain.hook.clone().unwrap_or_else(regular),
                    expected = expected.cloned().unwrap_or_else(regular)
                ));
            }
        }
    }
    for name in live
        .chains
        .keys()
        .filter(|n| !shape.chains.contains_key(*n))
    {
        problems.push(t!("nft-chain-foreign", name = name.as_str()));
    }
    let missing: Vec<&String> = shape
        .objects
        .iter()
        .filter(|o| !live.objects.contains_key(*o))
        .collect();
    // One lookup per live object (a scan of the shape's each was quadratic).
    let expected_objects: HashSet<&str> = shape.objects.iter().map(String::as_str).collect();
    let foreign: Vec<&String> = live
        .objects
        .keys()
        .filter(|o| !expected_objects.contains(o.as_str()))
        .collect();
    if !missing.is_empty() || !foreign.is_empty() {
        problems.push(t!(
            "nft-object-count",
            live = live.objects.len(),
            expected = shape.objects.len()
        ));
    }
    named(&mut problems, &missing, Named::Missing);
    named(&mut problems, &foreign, Named::Foreign);
    for (name, elements) in &shape.sets {
        let counted = !ISOLATED_SETS.contains(&name.as_str());
        match live.sets.get(name) {
            None => problems.push(t!("nft-set-missing", name = name.as_str())),
            Some(set) if counted && set.elements.len() != *elements => problems.push(t!(
                "nft-set-element-count",
                name = name.as_str(),
                live = set.elements.len(),
                expected = *elements
            )),
            Some(_) => {}
        }
    }
    for name in live.sets.keys().filter(|n| !shape.sets.contains_key(*n)) {
        problems.push(t!("nft-set-foreign", name = name.as_str()));
    }
    problems
}

/// At most this many names of one kind of problem, then a count.
const NAMED: usize = 10;

/// What is wrong with the named objects [`named`] lists.
#[derive(Clone, Copy)]
enum Named {
    /// In the compiled ruleset, not in the table.
    Missing,
    /// In the table, not in the compiled ruleset.
    Foreign,
}

/// One problem per name (`"<name> is missing"`), the first [`NAMED`] of
/// them, then `"<n> more named objects missing"`.
fn named(problems: &mut Vec<String>, names: &[&String], what: Named) {
    problems.extend(names.iter().take(NAMED).map(|n| match what {
        Named::Missing => t!("nft-object-missing", name = n.as_str()),
        Named::Foreign => t!("nft-object-foreign", name = n.as_str()),
    }));
    let more = names.len().saturating_sub(NAMED);
    if more > 0 {
        problems.push(match what {
            Named::Missing => t!("nft-objects-more-missing", count = more),
            Named::Foreign => t!("nft-objects-more-foreign", count = more),
        });
    }
}

/// What reading the table back after an apply found: what was compared
/// and every difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conformance {
    /// What the check compared (counted from the compiled ruleset).
    pub checked: Coverage,
    /// Every way the live table differs; empty when it has the compiled shape.
    pub problems: Vec<String>,
}

impl Conformance {
    /// The check ran and found the compiled shape.
    pub fn conforms(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks a table already read back (`live`) against the shape `ruleset`
/// compiles to.
pub fn check_live(ruleset: &Ruleset, live: &LiveTable) -> Conformance {
    let shape = expected_shape(ruleset);
    Conformance {
        checked: shape.coverage(),
        problems: check_shape(&shape, live),
    }
}

/// Every way the isolation sets of `live` differ from `isolated`: what is
/// isolated and should not be, what should be and is not (as ranges, the
/// way nft lists them), or why they cannot be read. Empty when they match.
pub fn check_isolated(isolated: &Isolated, live: &LiveTable) -> Vec<String> {
    let found = match read_isolated(live) {
        Ok(found) => found,
        Err(e) => return vec![t!("nft-isolation-unreadable", error = e.to_string())],
    };
    let mut problems = Vec::new();
    let extra = found.difference(isolated);
    if !extra.is_empty() {
        problems.push(t!("nft-isolated-extra", prefixes = extra.to_string()));
    }
    let missing = isolated.difference(&found);
    if !missing.is_empty() {
        problems.push(t!("nft-isolated-missing", prefixes = missing.to_string()));
    }
    problems
}

/// [`check_live`], and the isolation sets must hold `isolated`
/// ([`check_isolated`]).
pub fn check_live_with(ruleset: &Ruleset, isolated: &Isolated, live: &LiveTable) -> Conformance {
    let mut found = check_live(ruleset, live);
    if live.presence == TablePresence::Present {
        found.problems.extend(check_isolated(isolated, live));
    }
    found
}

/// [`check_applied`] with the isolation sets holding `isolated`
/// ([`check_isolated`]).
pub fn check_applied_with(
    ruleset: &Ruleset,
    isolated: &Isolated,
    netns: Option<&str>,
) -> Result<Conformance, ReadbackError> {
    check_objects(&objects::build(ruleset), Some(isolated), netns)
}

/// Reads `table inet sanso` back (in `netns`, or here) over netlink and
/// checks it against what `ruleset` compiles to: the shape
/// ([`check_shape`]), and every element of every set but the isolation sets
/// and the log meters, as the kernel holds it, against the elements the
/// batch carries ([`check_elements`]).
pub fn check_applied(ruleset: &Ruleset, netns: Option<&str>) -> Result<Conformance, ReadbackError> {
    check_objects(&objects::build(ruleset), None, netns)
}

/// [`check_applied`] against the kernel objects of a ruleset, already built.
fn check_objects(
    wanted: &TableObjects,
    isolated: Option<&Isolated>,
    netns: Option<&str>,
) -> Result<Conformance, ReadbackError> {
    let shape = shape_of(wanted);
    let read =
        read_table(netns, |set| !LOG_METERS.contains(&set)).map_err(ReadbackError::Netlink)?;
    let live = live_of(read.as_ref());
    let mut problems = check_shape(&shape, &live);
    if let Some(table) = &read {
        problems.extend(check_elements(wanted, table));
        if let Some(isolated) = isolated {
            problems.extend(check_isolated(isolated, &live));
        }
    }
    Ok(Conformance {
        checked: shape.coverage(),
        problems,
    })
}

/// The read-back of [`crate::readback`] that [`check_shape`] and
/// [`check_isolated`] take, from a table read over netlink: one element
/// per interval, key or concatenation (an interval's end is not counted),
/// the isolation sets' as address ranges, no listing text.
fn live_of(read: Option<&KernelTable>) -> LiveTable {
    let mut live = LiveTable {
        presence: TablePresence::Absent,
        flags: Vec::new(),
        incomplete: None,
        comment: None,
        objects: BTreeMap::new(),
        sets: BTreeMap::new(),
        chains: BTreeMap::new(),
        text: String::new(),
        foreign_base_chains: Vec::new(),
    };
    let Some(read) = read else {
        return live;
    };
    live.presence = TablePresence::Present;
    live.comment.clone_from(&read.comment);
    live.flags = table_flag_names(read.flags);
    for chain in &read.chains {
        let rules = read.rules.get(&chain.name).copied().unwrap_or(0);
        let hook = chain.hook.as_ref().map(|(number, priority, policy, kind)| {
            format!(
                "type {kind} hook {} priority {priority}; policy {}",
                hook_name(*number),
                if *policy == 0 { "drop" } else { "accept" }
            )
        });
        let no_text = || LiveRule {
            text: String::new(),
            json: String::new(),
        };
        live.chains.insert(
            chain.name.clone(),
            LiveChain {
                name: chain.name.clone(),
                hook,
                comment: chain.comment.clone(),
                rules: std::iter::repeat_with(no_text).take(rules).collect(),
            },
        );
    }
    for (kind, name) in &read.objects {
        let kind = object_kind(*kind);
        live.objects.insert(
            format!("{kind} {name}"),
            LiveObject {
                kind,
                name: name.clone(),
                spec: String::new(),
            },
        );
    }
    for set in read.sets.iter().filter(|s| s.flags & SET_ANONYMOUS == 0) {
        let elements = set.elements.as_deref().unwrap_or_default();
        let elements = if ISOLATED_SETS.contains(&set.name.as_str()) {
            address_ranges(elements)
        } else {
            let counted = elements.iter().filter(|e| e.flags & INTERVAL_END == 0);
            counted
                .map(|_| LiveElement {
                    text: String::new(),
                    json: String::new(),
                })
                .collect()
        };
        let kind = if set.flags & SET_MAP != 0 {
            "map"
        } else {
            "set"
        };
        live.sets.insert(
            set.name.clone(),
            LiveSet {
                kind: kind.to_owned(),
                name: set.name.clone(),
                spec: String::new(),
                elements,
            },
        );
    }
    live
}

/// `NFT_SET_ELEM_INTERVAL_END`.
const INTERVAL_END: u32 = 1;

/// The table flags as nft names them (`NFT_TABLE_F_*`).
fn table_flag_names(flags: u32) -> Vec<String> {
    let mut names: Vec<String> = [(1, "dormant"), (2, "owner"), (4, "persist")]
        .into_iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| name.to_owned())
        .collect();
    let unknown = flags & !7;
    if unknown != 0 {
        names.push(format!("{unknown:#x}"));
    }
    names.sort();
    names
}

fn hook_name(number: u32) -> String {
    match number {
        0 => "prerouting".to_owned(),
        1 => "input".to_owned(),
        2 => "forward".to_owned(),
        3 => "output".to_owned(),
        4 => "postrouting".to_owned(),
        5 => "ingress".to_owned(),
        other => other.to_string(),
    }
}

/// nft's word for a named object type (`NFT_OBJECT_*`).
fn object_kind(kind: u32) -> String {
    match kind {
        1 => "counter",
        2 => "quota",
        3 => "ct helper",
        4 => "limit",
        5 => "connlimit",
        6 => "tunnel",
        7 => "ct timeout",
        8 => "secmark",
        9 => "ct expectation",
        10 => "synproxy",
        other => return format!("object type {other}"),
    }
    .to_owned()
}

/// The intervals of a single-field address set (start elements and the
/// interval ends after them) as `nft -j` lists them: an address, or
/// `{"range": [first, last]}`.
fn address_ranges(elements: &[ReadElement]) -> Vec<LiveElement> {
    let mut sorted: Vec<&ReadElement> = elements.iter().collect();
    // At one key, the end of an interval comes before the start of the next.
    sorted.sort_by(|a, b| {
        (&a.key, a.flags & INTERVAL_END == 0).cmp(&(&b.key, b.flags & INTERVAL_END == 0))
    });
    let text = |bytes: &[u8]| -> Option<String> {
        match bytes.len() {
            4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?).to_string()),
            16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?).to_string()),
            _ => None,
        }
    };
    let element = |first: &[u8], last: &[u8]| {
        let (Some(a), Some(b)) = (text(first), text(last)) else {
            let hex = hex(first);
            return LiveElement {
                text: hex.clone(),
                json: hex,
            };
        };
        let json = if a == b {
            serde_json::json!(a)
        } else {
            serde_json::json!({ "range": [a, b] })
        };
        LiveElement {
            text: if a == b { a } else { format!("{a}-{b}") },
            json: json.to_string(),
        }
    };
    let mut out = Vec::new();
    let mut start: Option<&[u8]> = None;
    for e in sorted {
        if e.flags & INTERVAL_END == 0 {
            if let Some(first) = start.replace(&e.key) {
                // Two starts in a row: the first ran up to the second.
                out.push(element(first, &before(&e.key)));
            }
        } else if let Some(first) = start.take() {
            out.push(element(first, &before(&e.key)));
        }
    }
    if let Some(first) = start {
        out.push(element(first, &vec![0xff; first.len()]));
    }
    out.sort();
    out
}

/// `value - 1` as a big-endian number of the same width (0 stays 0).
fn before(value: &[u8]) -> Vec<u8> {
    let mut out = value.to_vec();
    for byte in out.iter_mut().rev() {
        if *byte == 0 {
            *byte = 0xff;
        } else {
            *byte -= 1;
            return out;
        }
    }
    value.to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An element of the batch as a dump reads it back.
fn as_read(e: &KernelElement) -> ReadElement {
    ReadElement {
        key: e.key.clone(),
        key_end: e.key_end.clone(),
        flags: if e.interval_end { INTERVAL_END } else { 0 },
        verdict: e.verdict.as_ref().map(|v| match v {
            Verdict::Accept => (1, None),
            Verdict::Drop => (0, None),
            Verdict::Jump(chain) => (-3, Some(chain.clone())),
        }),
    }
}

/// An element in words for a problem: key (and key end) in hex, an
/// interval's end, the verdict.
fn element_words(e: &ReadElement) -> String {
    let mut text = hex(&e.key);
    if let Some(end) = &e.key_end {
        text.push('-');
        text.push_str(&hex(end));
    }
    if e.flags & INTERVAL_END != 0 {
        text.push_str(" (end)");
    }
    match &e.verdict {
        Some((_, Some(chain))) => text.push_str(&format!(" : jump {chain}")),
        Some((1, None)) => text.push_str(" : accept"),
        Some((0, None)) => text.push_str(" : drop"),
        Some((code, None)) => text.push_str(&format!(" : {code}")),
        None => {}
    }
    text
}

/// Every way the elements of the sets of `table` differ from those the
/// batch of `wanted` carries (the isolation sets, which change without the
/// policy, and the log meters, which the kernel fills, aside), element by
/// element: at most [`NAMED`] named per set and kind, then a count. Sets
/// that are missing are [`check_shape`]'s to report.
pub(crate) fn check_elements(wanted: &TableObjects, table: &KernelTable) -> Vec<String> {
    let read: HashMap<&str, &[ReadElement]> = table
        .sets
        .iter()
        .filter_map(|s| Some((s.name.as_str(), s.elements.as_deref()?)))
        .collect();
    let mut problems = Vec::new();
    for set in &wanted.sets {
        let name = set.name.as_str();
        if ISOLATED_SETS.contains(&name) || LOG_METERS.contains(&name) {
            continue;
        }
        let Some(live) = read.get(name) else {
            continue;
        };
        let mut expected: Vec<ReadElement> = kernel_elements(set).iter().map(as_read).collect();
        expected.sort_unstable();
        let mut live: Vec<&ReadElement> = live.iter().collect();
        live.sort_unstable();
        let (mut missing, mut foreign) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < expected.len() || j < live.len() {
            match (expected.get(i), live.get(j)) {
                (Some(e), Some(l)) if e == *l => {
                    i += 1;
                    j += 1;
                }
                (Some(e), Some(l)) if e < *l => {
                    missing.push(e);
                    i += 1;
                }
                (Some(e), None) => {
                    missing.push(e);
                    i += 1;
                }
                (_, Some(l)) => {
                    foreign.push(*l);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        for e in missing.iter().take(NAMED) {
            problems.push(t!(
                "nft-set-element-missing",
                name = name,
                element = element_words(e)
            ));
        }
        for e in foreign.iter().take(NAMED) {
            problems.push(t!(
                "nft-set-element-foreign",
                name = name,
                element = element_words(e)
            ));
        }
        let more = missing.len().saturating_sub(NAMED) + foreign.len().saturating_sub(NAMED);
        if more > 0 {
            problems.push(t!("nft-set-elements-more", name = name, count = more));
        }
    }
    problems
}

/// An apply the kernel accepted, and what reading it back found.
#[derive(Debug)]
pub struct CheckedApply {
    pub apply: AppliedBatch,
    /// The shape check, or why the table could not be read back (then
    /// nothing was checked; the table is applied all the same).
    pub readback: Result<Conformance, ReadbackError>,
}

/// Replaces `table inet sanso` with `ruleset` ([`crate::netlink::apply`]),
/// then reads the table back in the same namespace and checks its shape.
/// An `Err` is an apply the kernel refused (nothing changed); an `Ok` means
/// the table was replaced, and [`CheckedApply::readback`] says whether it
/// reads back as compiled.
pub fn apply_and_check(ruleset: &Ruleset, netns: Option<&str>) -> Result<CheckedApply, ApplyError> {
    apply_and_check_with(ruleset, netns, || {})
}

/// [`apply_and_check`] running `between` after the apply and before the
/// read-back: tests change the table there to see the check fail.
#[doc(hidden)]
pub fn apply_and_check_with(
    ruleset: &Ruleset,
    netns: Option<&str>,
    between: impl FnOnce(),
) -> Result<CheckedApply, ApplyError> {
    // Built once: the batch and the check come from the same kernel objects.
    let table = objects::build(ruleset);
    let apply = crate::netlink::apply_objects(&table, netns)?;
    between();
    Ok(CheckedApply {
        apply,
        readback: check_objects(&table, None, netns),
    })
}

/// A table that has `shape` exactly, as the read-back would give it, for
/// the tests of what reads tables back (the daemon's fake kernel): rule `i`
/// of each chain reads `rule i`, its JSON form `i <tag>` (so a changed tag
/// is drift), element `i` of each set reads `i`.
pub fn table_with_shape(shape: &TableShape, tag: &str) -> LiveTable {
    LiveTable {
        presence: TablePresence::Present,
        flags: Vec::new(),
        incomplete: None,
        comment: Some(shape.comment.clone()),
        objects: shape
            .objects
            .iter()
            .map(|o| {
                let (kind, name) = o.split_once(' ').unwrap_or(("", o));
                let object = LiveObject {
                    kind: kind.to_owned(),
                    name: name.to_owned(),
                    spec: String::new(),
                };
                (o.clone(), object)
            })
            .collect(),
        sets: shape
            .sets
            .iter()
            .map(|(name, n)| {
                let elements = (0..*n)
                    .map(|i| LiveElement {
                        text: i.to_string(),
                        json: i.to_string(),
                    })
                    .collect();
                let set = LiveSet {
                    kind: "set".into(),
                    name: name.clone(),
                    spec: String::new(),
                    elements,
                };
                (name.clone(), set)
            })
            .collect(),
        chains: shape
            .chains
            .iter()
            .map(|(name, n)| {
                let chain = LiveChain {
                    name: name.clone(),
                    hook: shape.hooks.get(name).cloned(),
                    comment: None,
                    rules: (0..*n)
                        .map(|i| LiveRule {
                            text: format!("rule {i}"),
                            json: format!("{i} {tag}"),
                        })
                        .collect(),
                };
                (name.clone(), chain)
            })
            .collect(),
        text: String::new(),
        foreign_base_chains: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Ruleset {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/policy.toml");
        let source = std::fs::read_to_string(path).expect("config/policy.toml");
        let policy = sanso_policy::load_policy("config/policy.toml", &source).expect("valid");
        sanso_ir::lower(&policy, 1_796_083_200)
    }

    fn table_of(shape: &TableShape) -> LiveTable {
        table_with_shape(shape, "")
    }

    #[test]
    fn the_shape_comes_from_the_kernel_objects_and_names_every_base_chain() {
        let ruleset = example();
        let shape = expected_shape(&ruleset);
        let base: Vec<&str> = shape.hooks.keys().map(String::as_str).collect();
        assert_eq!(base, ["forward", "input", "output", "prerouting"]);
        assert_eq!(
            shape.hooks["forward"],
            "type filter hook forward priority 0; policy drop"
        );
        assert_eq!(
            shape.hooks["prerouting"],
            "type filter hook prerouting priority -300; policy accept"
        );
        let coverage = shape.coverage();
        assert_eq!(coverage.chains, shape.chains.len());
        assert_eq!(coverage.base_chains, 4);
        assert_eq!(coverage.rules, shape.chains.values().sum::<usize>());
        assert!(coverage.elements > 0 && coverage.objects > 0);
        let said = coverage.to_string();
        assert!(
            said.starts_with("policy identity, ")
                && said.contains(&format!("{} rules", coverage.rules))
                && said.contains(&format!("{} elements", coverage.elements)),
            "{said}"
        );
    }

    #[test]
    fn a_table_with_the_compiled_shape_conforms_and_each_difference_is_named() {
        let ruleset = example();
        let shape = expected_shape(&ruleset);
        let good = table_of(&shape);
        let found = check_live(&ruleset, &good);
        assert!(found.conforms(), "{:?}", found.problems);
        assert_eq!(found.checked, shape.coverage());

        let mut bad = good.clone();
        bad.comment = Some("sanso other".into());
        let forward = bad.chains.get_mut("forward").expect("forward");
        forward.rules.pop();
        forward.hook = Some("type filter hook forward priority 0; policy accept".into());
        bad.chains.remove("output");
        let first_set = shape.sets.keys().next().expect("a set").clone();
        bad.sets.get_mut(&first_set).expect("set").elements.clear();
        let first_object = shape.objects[0].clone();
        bad.objects.remove(&first_object);
        bad.objects.insert(
            "counter extra".into(),
            LiveObject {
                kind: "counter".into(),
                name: "extra".into(),
                spec: String::new(),
            },
        );
        let found = check_live(&ruleset, &bad);
        assert!(!found.conforms());
        let expected = [
            format!(
                "policy identity is \"sanso other\", expected {:?}",
                shape.comment
            ),
            format!(
                "chain forward has {} rules, expected {}",
                shape.chains["forward"] - 1,
                shape.chains["forward"]
            ),
            "chain forward is type filter hook forward priority 0; policy accept, \
             expected type filter hook forward priority 0; policy drop"
                .to_owned(),
            "chain output is missing".to_owned(),
            format!(
                "{} named objects, expected {}",
                shape.objects.len(),
                shape.objects.len()
            ),
            format!("{first_object} is missing"),
            "counter extra is not sanso's".to_owned(),
            format!(
                "set {first_set} has 0 elements, expected {}",
                shape.sets[&first_set]
            ),
        ];
        assert_eq!(found.problems, expected);

        let absent = LiveTable {
            presence: TablePresence::Absent,
            ..table_of(&shape)
        };
        assert_eq!(
            check_live(&ruleset, &absent).problems,
            ["table inet sanso is missing"]
        );
    }

    #[test]
    fn isolation_elements_are_not_counted_but_checked_against_what_is_isolated() {
        let ruleset = example();
        let shape = expected_shape(&ruleset);
        assert_eq!(shape.sets["isolated4"], 0);
        assert_eq!(shape.sets["isolated6"], 0);
        assert!(shape.objects.contains(&"counter isolated".to_owned()));
        let mut live = table_of(&shape);
        let set = live.sets.get_mut("isolated4").expect("isolated4");
        set.elements = vec![LiveElement {
            text: "10.20.0.0/16".into(),
            json: r#"{"prefix":{"addr":"10.20.0.0","len":16}}"#.into(),
        }];
        assert!(check_live(&ruleset, &live).conforms());
        let zone = Isolated::new(["10.20.0.0/16".parse().expect("prefix")]);
        assert!(check_live_with(&ruleset, &zone, &live).conforms());
        assert_eq!(
            check_live_with(&ruleset, &Isolated::default(), &live).problems,
            ["isolated, but should not be: 10.20.0.0/16"]
        );
        let more = Isolated::new([
            "10.20.0.0/15".parse().expect("prefix"),
            "fd00::/8".parse().expect("prefix"),
        ]);
        assert_eq!(
            check_live_with(&ruleset, &more, &live).problems,
            ["not isolated, but should be: 10.21.0.0/16, fd00::/8"]
        );
        live.sets.remove("isolated6");
        assert_eq!(
            check_live_with(&ruleset, &zone, &live).problems,
            [
                "set isolated6 is missing",
                "isolation cannot be read: table inet sanso has no set isolated6 \
                 (it was loaded before isolation existed)"
            ]
        );
    }

    #[test]
    fn a_dormant_or_partly_read_table_does_not_conform() {
        let ruleset = example();
        let shape = expected_shape(&ruleset);
        let dormant = LiveTable {
            flags: vec!["dormant".into()],
            ..table_of(&shape)
        };
        assert_eq!(
            check_live(&ruleset, &dormant).problems,
            ["table flags dormant (expected none): the table is switched off, nothing is filtered"]
        );
        let partly = LiveTable {
            incomplete: Some("chain forward could not be listed".into()),
            ..table_of(&shape)
        };
        assert_eq!(
            check_live(&ruleset, &partly).problems,
            ["table was not read in full: chain forward could not be listed"]
        );
    }
}
