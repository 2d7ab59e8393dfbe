//! `table inet sanso` read back over netlink, without `nft`: the table's
//! flags and the policy's identity (the comment of counter `identity`, else
//! the table's comment), its chains (hook, priority, policy, type), the number
//! of rules of each chain, its named objects, its sets and, for the sets
//! asked for, every element as the kernel holds it (key, key end, flags,
//! verdict). One socket, a handful of dumps and one dump per set; no text
//! is printed or parsed, so reading back a table of 100,000 flows costs
//! the kernel's dumps, not two `nft` listings of hundreds of megabytes.
//!
//! This is what the check after an apply needs (`crate::conformance`); the
//! readable listing that drift reports compare stays `nft`'s
//! (`crate::readback`).

use std::collections::HashMap;
use std::time::Duration;

use super::socket::{in_namespace, NetfilterSocket};
use super::wire::{self, attributes, be32, push_attr, string, NFGENMSG};
use super::{ApplyError, NetlinkOp};
use crate::text::layout::IDENTITY_COUNTER;

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_GETTABLE: u16 = 1;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_GETCHAIN: u16 = 4;
const NFT_MSG_NEWRULE: u16 = 6;
const NFT_MSG_GETRULE: u16 = 7;
const NFT_MSG_NEWSET: u16 = 9;
const NFT_MSG_GETSET: u16 = 10;
const NFT_MSG_NEWSETELEM: u16 = 12;
const NFT_MSG_GETSETELEM: u16 = 13;
const NFT_MSG_NEWOBJ: u16 = 18;
const NFT_MSG_GETOBJ: u16 = 19;

const NFTA_TABLE_NAME: u16 = 1;
const NFTA_TABLE_FLAGS: u16 = 2;
const NFTA_TABLE_USERDATA: u16 = 6;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_POLICY: u16 = 5;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_CHAIN_USERDATA: u16 = 12;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_SET_TABLE: u16 = 1;
const NFTA_SET_NAME: u16 = 2;
const NFTA_SET_FLAGS: u16 = 3;
const NFTA_SET_ELEM_LIST_TABLE: u16 = 1;
const NFTA_SET_ELEM_LIST_SET: u16 = 2;
const NFTA_SET_ELEM_LIST_ELEMENTS: u16 = 3;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_SET_ELEM_KEY: u16 = 1;
const NFTA_SET_ELEM_DATA: u16 = 2;
const NFTA_SET_ELEM_FLAGS: u16 = 3;
const NFTA_SET_ELEM_KEY_END: u16 = 10;
const NFTA_DATA_VALUE: u16 = 1;
const NFTA_DATA_VERDICT: u16 = 2;
const NFTA_VERDICT_CODE: u16 = 1;
const NFTA_VERDICT_CHAIN: u16 = 2;
const NFTA_OBJ_TABLE: u16 = 1;
const NFTA_OBJ_NAME: u16 = 2;
const NFTA_OBJ_TYPE: u16 = 3;
const NFTA_OBJ_USERDATA: u16 = 8;
/// `NFT_OBJECT_COUNTER`.
const OBJECT_COUNTER: u32 = 1;
/// Userdata TLV type of a table's, chain's or object's comment.
const UDATA_COMMENT: u8 = 0;

const NFPROTO_INET: u8 = 1;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
/// How long to wait for one datagram of a dump.
const WAIT: Duration = Duration::from_secs(10);

/// `NFT_SET_ANONYMOUS`: a set bound to one rule, not listed by name.
pub(crate) const SET_ANONYMOUS: u32 = 0x1;
/// `NFT_SET_MAP`.
pub(crate) const SET_MAP: u32 = 0x8;

/// The table as the kernel holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KernelTable {
    /// `NFTA_TABLE_FLAGS` (`NFT_TABLE_F_DORMANT` is 1).
    pub flags: u32,
    /// The policy's identity: the comment of counter `identity`
    /// (`layout::IDENTITY_COUNTER`) when the table has that counter, else
    /// the table's comment (a table an older sanso wrote).
    pub comment: Option<String>,
    pub chains: Vec<KernelChain>,
    /// Rules by chain name.
    pub rules: HashMap<String, usize>,
    /// Named objects: (`NFT_OBJECT_*` type, name).
    pub objects: Vec<(u32, String)>,
    pub sets: Vec<KernelSet>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KernelChain {
    pub name: String,
    /// Base chains: hook number, priority, policy (`NF_DROP` 0,
    /// `NF_ACCEPT` 1) and type.
    pub hook: Option<(u32, i32, u32, String)>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KernelSet {
    pub name: String,
    /// `NFT_SET_*` flags.
    pub flags: u32,
    /// Its elements; `None` when they were not asked for.
    pub elements: Option<Vec<ReadElement>>,
}

/// One element as a dump gives it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ReadElement {
    pub key: Vec<u8>,
    pub key_end: Option<Vec<u8>>,
    /// `NFTA_SET_ELEM_FLAGS` (`NFT_SET_ELEM_INTERVAL_END` is 1).
    pub flags: u32,
    /// The verdict of a map element: code and, for a jump, the chain.
    pub verdict: Option<(i32, Option<String>)>,
}

/// Reads `table inet sanso` in the current namespace or in `netns`; `None`
/// when there is no such table. The elements of the sets for which
/// `elements_of` says yes are read too.
pub(crate) fn read_table(
    netns: Option<&str>,
    elements_of: impl Fn(&str) -> bool + Send + 'static,
) -> Result<Option<KernelTable>, ApplyError> {
    in_namespace(netns, move || {
        let socket = NetfilterSocket::open_here()?;
        read_on(&socket, &elements_of)
    })
}

fn read_on(
    socket: &NetfilterSocket,
    elements_of: &dyn Fn(&str) -> bool,
) -> Result<Option<KernelTable>, ApplyError> {
    let table_attr = |kind: u16| {
        let mut attrs = Vec::new();
        push_attr(&mut attrs, kind, b"sanso\0");
        attrs
    };
    let mut found = None;
    dump(socket, NFT_MSG_GETTABLE, &[], |kind, body| {
        if kind == NFT_MSG_NEWTABLE {
            if let Some(t) = parse_table(body) {
                found = Some(t);
            }
        }
    })?;
    let Some(mut table) = found else {
        return Ok(None);
    };
    // Chain dumps are not filtered by the kernel: every family's and table's.
    dump(socket, NFT_MSG_GETCHAIN, &[], |kind, body| {
        if kind == NFT_MSG_NEWCHAIN {
            table.chains.extend(parse_chain(body));
        }
    })?;
    // The rules chain by chain: a dump of all of them costs the kernel a
    // walk from the first rule for every datagram it fills (quadratic: 146 s
    // of system time for the 784,733 rules of 100,000 synthetic flows),
    // one chain's dump only that chain's rules.
    for chain in &table.chains {
        let mut attrs = table_attr(NFTA_RULE_TABLE);
        let mut name = chain.name.as_bytes().to_vec();
        name.push(0);
        push_attr(&mut attrs, NFTA_RULE_CHAIN, &name);
        let mut count = 0;
        dump(socket, NFT_MSG_GETRULE, &attrs, |kind, body| {
            if kind == NFT_MSG_NEWRULE && rule_chain(body).as_deref() == Some(&chain.name) {
                count += 1;
            }
        })?;
        table.rules.insert(chain.name.clone(), count);
    }
    let mut objects = Vec::new();
    dump(
        socket,
        NFT_MSG_GETOBJ,
        &table_attr(NFTA_OBJ_TABLE),
        |kind, body| {
            if kind == NFT_MSG_NEWOBJ {
                objects.extend(parse_object(body));
            }
        },
    )?;
    table.add_objects(objects);
    dump(
        socket,
        NFT_MSG_GETSET,
        &table_attr(NFTA_SET_TABLE),
        |kind, body| {
            if kind == NFT_MSG_NEWSET {
                table.sets.extend(parse_set(body));
            }
        },
    )?;
    for set in &mut table.sets {
        if set.flags & SET_ANONYMOUS != 0 || !elements_of(&set.name) {
            continue;
        }
        let mut attrs = table_attr(NFTA_SET_ELEM_LIST_TABLE);
        let mut name = set.name.as_bytes().to_vec();
        name.push(0);
        push_attr(&mut attrs, NFTA_SET_ELEM_LIST_SET, &name);
        let mut elements = Vec::new();
        dump(socket, NFT_MSG_GETSETELEM, &attrs, |kind, body| {
            if kind == NFT_MSG_NEWSETELEM {
                parse_elements(body, &mut elements);
            }
        })?;
        set.elements = Some(elements);
    }
    Ok(Some(table))
}

/// One `NLM_F_DUMP` request of `kind` for family inet with `attrs`; `each`
/// gets every nf_tables message of the answer (type without subsystem,
/// body after the netlink header) until `NLMSG_DONE`.
fn dump(
    socket: &NetfilterSocket,
    kind: u16,
    attrs: &[u8],
    mut each: impl FnMut(u16, &[u8]),
) -> Result<(), ApplyError> {
    const OP: NetlinkOp = NetlinkOp::ReadTable;
    let request = wire::message(
        NFNL_SUBSYS_NFTABLES,
        kind,
        NLM_F_REQUEST | NLM_F_DUMP,
        u32::from(kind) + 1,
        NFPROTO_INET,
        attrs,
    );
    socket.send(&request, OP)?;
    socket.read_replies(OP, NFNL_SUBSYS_NFTABLES, WAIT, true, |kind, body| {
        each(kind, body);
        true
    })
}

/// The attributes of an nf_tables message body of family inet.
fn inet_attributes(body: &[u8]) -> Option<Vec<(u16, &[u8])>> {
    if *body.first()? != NFPROTO_INET {
        return None;
    }
    Some(attributes(body.get(NFGENMSG..)?))
}

/// The comment in nft's userdata TLVs (type, length, value).
fn udata_comment(mut udata: &[u8]) -> Option<String> {
    while udata.len() >= 2 {
        let (kind, len) = (udata[0], usize::from(udata[1]));
        let value = udata.get(2..2 + len)?;
        if kind == UDATA_COMMENT {
            return Some(string(value));
        }
        udata = &udata[2 + len..];
    }
    None
}

/// Every reader of the table's dumps on one message body, as the fuzz
/// target drives them (`fuzzing::table_dump_message`): the number of
/// things they found (0 to 6) and the elements' total key length.
pub(super) fn read_any(body: &[u8]) -> (usize, usize) {
    let mut elements = Vec::new();
    parse_elements(body, &mut elements);
    let keys = elements
        .iter()
        .map(|e| e.key.len() + e.key_end.as_ref().map_or(0, Vec::len))
        .sum();
    let found = [
        parse_table(body).is_some(),
        parse_chain(body).is_some(),
        rule_chain(body).is_some(),
        parse_object(body).is_some(),
        parse_set(body).is_some(),
        !elements.is_empty(),
    ];
    (found.iter().filter(|f| **f).count(), keys)
}

fn parse_table(body: &[u8]) -> Option<KernelTable> {
    let mut ours = false;
    let mut table = KernelTable::default();
    for (kind, value) in inet_attributes(body)? {
        match kind {
            NFTA_TABLE_NAME => ours = string(value) == "sanso",
            NFTA_TABLE_FLAGS => table.flags = be32(value).unwrap_or(0),
            NFTA_TABLE_USERDATA => table.comment = udata_comment(value),
            _ => {}
        }
    }
    ours.then_some(table)
}

fn parse_chain(body: &[u8]) -> Option<KernelChain> {
    let mut ours = false;
    let mut chain = KernelChain {
        name: String::new(),
        hook: None,
        comment: None,
    };
    let (mut hook, mut policy, mut kind_name) = (None, 1, String::new());
    for (kind, value) in inet_attributes(body)? {
        match kind {
            NFTA_CHAIN_TABLE => ours = string(value) == "sanso",
            NFTA_CHAIN_NAME => chain.name = string(value),
            NFTA_CHAIN_HOOK => {
                let (mut number, mut priority) = (0, 0);
                for (kind, value) in attributes(value) {
                    match kind {
                        NFTA_HOOK_HOOKNUM => number = be32(value).unwrap_or(0),
                        NFTA_HOOK_PRIORITY => priority = be32(value).unwrap_or(0) as i32,
                        _ => {}
                    }
                }
                hook = Some((number, priority));
            }
            NFTA_CHAIN_POLICY => policy = be32(value).unwrap_or(1),
            NFTA_CHAIN_TYPE => kind_name = string(value),
            NFTA_CHAIN_USERDATA => chain.comment = udata_comment(value),
            _ => {}
        }
    }
    chain.hook = hook.map(|(number, priority)| (number, priority, policy, kind_name));
    (ours && !chain.name.is_empty()).then_some(chain)
}

fn rule_chain(body: &[u8]) -> Option<String> {
    let attrs = inet_attributes(body)?;
    let of_table = attrs
        .iter()
        .any(|(kind, value)| *kind == NFTA_RULE_TABLE && string(value) == "sanso");
    let chain = attrs
        .iter()
        .find(|(kind, _)| *kind == NFTA_RULE_CHAIN)
        .map(|(_, value)| string(value))?;
    of_table.then_some(chain)
}

/// A named object of the table as a dump gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ObjectRead {
    /// `NFT_OBJECT_*`.
    kind: u32,
    name: String,
    comment: Option<String>,
}

impl KernelTable {
    /// Takes the table's named objects; the comment of counter `identity`,
    /// when there is one, becomes [`KernelTable::comment`].
    fn add_objects(&mut self, objects: Vec<ObjectRead>) {
        for object in objects {
            if object.kind == OBJECT_COUNTER && object.name == IDENTITY_COUNTER {
                self.comment = object.comment;
            }
            self.objects.push((object.kind, object.name));
        }
    }
}

fn parse_object(body: &[u8]) -> Option<ObjectRead> {
    let mut ours = false;
    let mut object = ObjectRead {
        kind: 0,
        name: String::new(),
        comment: None,
    };
    for (kind, value) in inet_attributes(body)? {
        match kind {
            NFTA_OBJ_TABLE => ours = string(value) == "sanso",
            NFTA_OBJ_NAME => object.name = string(value),
            NFTA_OBJ_TYPE => object.kind = be32(value).unwrap_or(0),
            NFTA_OBJ_USERDATA => object.comment = udata_comment(value),
            _ => {}
        }
    }
    (ours && !object.name.is_empty()).then_some(object)
}

fn parse_set(body: &[u8]) -> Option<KernelSet> {
    let mut ours = false;
    let mut set = KernelSet {
        name: String::new(),
        flags: 0,
        elements: None,
    };
    for (kind, value) in inet_attributes(body)? {
        match kind {
            NFTA_SET_TABLE => ours = string(value) == "sanso",
            NFTA_SET_NAME => set.name = string(value),
            NFTA_SET_FLAGS => set.flags = be32(value).unwrap_or(0),
            _ => {}
        }
    }
    (ours && !set.name.is_empty()).then_some(set)
}

/// The elements of one `NFT_MSG_NEWSETELEM` of a dump, appended to `out`.
fn parse_elements(body: &[u8], out: &mut Vec<ReadElement>) {
    let Some(attrs) = inet_attributes(body) else {
        return;
    };
    for (kind, list) in attrs {
        if kind != NFTA_SET_ELEM_LIST_ELEMENTS {
            continue;
        }
        for (kind, element) in attributes(list) {
            if kind == NFTA_LIST_ELEM {
                out.push(parse_element(element));
            }
        }
    }
}

fn parse_element(element: &[u8]) -> ReadElement {
    let value_of = |data: &[u8]| {
        attributes(data)
            .into_iter()
            .find(|(kind, _)| *kind == NFTA_DATA_VALUE)
            .map(|(_, v)| v.to_vec())
    };
    let mut read = ReadElement {
        key: Vec::new(),
        key_end: None,
        flags: 0,
        verdict: None,
    };
    for (kind, value) in attributes(element) {
        match kind {
            NFTA_SET_ELEM_KEY => read.key = value_of(value).unwrap_or_default(),
            NFTA_SET_ELEM_KEY_END => read.key_end = value_of(value),
            NFTA_SET_ELEM_FLAGS => read.flags = be32(value).unwrap_or(0),
            NFTA_SET_ELEM_DATA => {
                for (kind, verdict) in attributes(value) {
                    if kind != NFTA_DATA_VERDICT {
                        continue;
                    }
                    let (mut code, mut chain) = (0, None);
                    for (kind, v) in attributes(verdict) {
                        match kind {
                            NFTA_VERDICT_CODE => code = be32(v).unwrap_or(0) as i32,
                            NFTA_VERDICT_CHAIN => chain = Some(string(v)),
                            _ => {}
                        }
                    }
                    read.verdict = Some((code, chain));
                }
            }
            _ => {}
        }
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(kind: u16, inner: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        push_attr(&mut out, kind | 0x8000, inner);
        out
    }

    #[test]
    fn an_element_reads_key_key_end_flags_and_verdict() {
        let mut key = Vec::new();
        push_attr(&mut key, NFTA_DATA_VALUE, &[10, 0, 0, 1]);
        let mut end = Vec::new();
        push_attr(&mut end, NFTA_DATA_VALUE, &[10, 0, 0, 9]);
        let mut verdict = Vec::new();
        push_attr(&mut verdict, NFTA_VERDICT_CODE, &(-3i32).to_be_bytes());
        push_attr(&mut verdict, NFTA_VERDICT_CHAIN, b"allow.a.b\0");
        let mut element = nested(NFTA_SET_ELEM_KEY, &key);
        element.extend(nested(NFTA_SET_ELEM_KEY_END, &end));
        push_attr(&mut element, NFTA_SET_ELEM_FLAGS, &1u32.to_be_bytes());
        element.extend(nested(
            NFTA_SET_ELEM_DATA,
            &nested(NFTA_DATA_VERDICT, &verdict),
        ));
        let list = nested(NFTA_LIST_ELEM, &element);
        let mut body = vec![NFPROTO_INET, 0, 0, 0];
        push_attr(&mut body, NFTA_SET_ELEM_LIST_TABLE, b"sanso\0");
        body.extend(nested(NFTA_SET_ELEM_LIST_ELEMENTS, &list));
        let mut out = Vec::new();
        parse_elements(&body, &mut out);
        assert_eq!(
            out,
            [ReadElement {
                key: vec![10, 0, 0, 1],
                key_end: Some(vec![10, 0, 0, 9]),
                flags: 1,
                verdict: Some((-3, Some("allow.a.b".into()))),
            }]
        );
    }

    #[test]
    fn a_chain_of_another_table_or_family_is_not_ours() {
        let chain = |family: u8, table: &[u8]| {
            let mut hook = Vec::new();
            push_attr(&mut hook, NFTA_HOOK_HOOKNUM, &2u32.to_be_bytes());
            push_attr(&mut hook, NFTA_HOOK_PRIORITY, &(-300i32).to_be_bytes());
            let mut body = vec![family, 0, 0, 0];
            push_attr(&mut body, NFTA_CHAIN_TABLE, table);
            push_attr(&mut body, NFTA_CHAIN_NAME, b"forward\0");
            body.extend(nested(NFTA_CHAIN_HOOK, &hook));
            push_attr(&mut body, NFTA_CHAIN_POLICY, &0u32.to_be_bytes());
            push_attr(&mut body, NFTA_CHAIN_TYPE, b"filter\0");
            push_attr(&mut body, NFTA_CHAIN_USERDATA, b"\x00\x03ab\x00");
            body
        };
        assert_eq!(
            parse_chain(&chain(NFPROTO_INET, b"sanso\0")),
            Some(KernelChain {
                name: "forward".into(),
                hook: Some((2, -300, 0, "filter".into())),
                comment: Some("ab".into()),
            })
        );
        assert_eq!(parse_chain(&chain(NFPROTO_INET, b"other\0")), None);
        assert_eq!(parse_chain(&chain(2, b"sanso\0")), None);
    }

    /// A message body of a named object of table sanso, with `udata`.
    fn object(kind: u32, name: &str, udata: Option<&[u8]>) -> Vec<u8> {
        let mut body = vec![NFPROTO_INET, 0, 0, 0];
        push_attr(&mut body, NFTA_OBJ_TABLE, b"sanso\0");
        push_attr(&mut body, NFTA_OBJ_NAME, format!("{name}\0").as_bytes());
        push_attr(&mut body, NFTA_OBJ_TYPE, &kind.to_be_bytes());
        if let Some(udata) = udata {
            push_attr(&mut body, NFTA_OBJ_USERDATA, udata);
        }
        body
    }

    /// nft's userdata with one comment TLV.
    fn udata(comment: &str) -> Vec<u8> {
        let mut tlv = vec![
            UDATA_COMMENT,
            u8::try_from(comment.len() + 1).expect("short"),
        ];
        tlv.extend_from_slice(comment.as_bytes());
        tlv.push(0);
        tlv
    }

    #[test]
    fn the_identity_is_the_identity_counters_comment_else_the_tables() {
        let mut body = vec![NFPROTO_INET, 0, 0, 0];
        push_attr(&mut body, NFTA_TABLE_NAME, b"sanso\0");
        push_attr(&mut body, NFTA_TABLE_USERDATA, &udata("the table's"));
        let table = parse_table(&body).expect("ours");
        assert_eq!(table.comment.as_deref(), Some("the table's"));
        let identity = "sanso p rev 3 sha256:0123456789abcdef";
        let objects = [
            object(OBJECT_COUNTER, "flow.a", Some(&udata("a"))),
            object(OBJECT_COUNTER, IDENTITY_COUNTER, Some(&udata(identity))),
            object(4, "limit.a", None),
        ];
        let objects: Vec<ObjectRead> = objects.iter().filter_map(|o| parse_object(o)).collect();
        assert_eq!(objects[0].comment.as_deref(), Some("a"));

        // This sanso's table: the counter names the policy.
        let mut now = table.clone();
        now.add_objects(objects.clone());
        assert_eq!(now.comment.as_deref(), Some(identity));
        assert_eq!(
            now.objects,
            [
                (OBJECT_COUNTER, "flow.a".to_owned()),
                (OBJECT_COUNTER, IDENTITY_COUNTER.to_owned()),
                (4, "limit.a".to_owned())
            ]
        );

        // An older sanso's: no identity counter, the table comment stays.
        let mut older = table.clone();
        older.add_objects(
            objects
                .into_iter()
                .filter(|o| o.name != IDENTITY_COUNTER)
                .collect(),
        );
        assert_eq!(older.comment.as_deref(), Some("the table's"));

        // Another kind of object named `identity` is not the counter.
        let mut limit = table;
        limit.add_objects(vec![ObjectRead {
            kind: 4,
            name: IDENTITY_COUNTER.to_owned(),
            comment: Some(identity.to_owned()),
        }]);
        assert_eq!(limit.comment.as_deref(), Some("the table's"));
    }
}
