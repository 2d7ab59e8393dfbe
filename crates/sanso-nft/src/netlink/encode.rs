//! [`TableObjects`] -> the bytes of one nfnetlink batch, built with libnftnl
//! (`nftnl-sys`) behind a small safe wrapper: every libnftnl object is owned
//! by a guard that frees it, and every message is built in a scratch buffer
//! whose size bounds every message we build (names, comments and element
//! chunks are checked or split before they reach libnftnl).
//!
//! The batch replaces `table inet sanso`: add the table (so that the delete
//! cannot fail when it is absent), delete it, add it again with its comment,
//! then chains, named objects, sets with their elements, and rules, in the
//! order nft uses. Only the last message before the end marker asks for an
//! ACK: the kernel answers every message that fails whether or not it asked
//! (with that message's sequence number), and it sends all the answers of a
//! batch, in order, after the batch was committed or aborted. The ACK of the
//! last message therefore comes after every refusal, and its arrival with
//! no refusal before it means the whole batch was committed (one ACK per
//! message cost the kernel an allocation and the reader a `recv` each).
//!
//! An element update ([`encode_element_update`]) is a batch of its own on
//! the table in place: flush each set (a `NFT_MSG_DELSETELEM` without
//! elements), then add its new elements.

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};

use nftnl_sys as sys;

use super::delta::Delta;
use super::objects::{
    for_each_kernel_element, k, ChainObject, Expr, NamedObject, RuleObject, SetKind, SetObject,
    TableObjects, Verdict, WireElement,
};
use super::ApplyError;
use crate::text::layout::{LOG_GROUP, LOG_METER_SIZE, LOG_METER_TIMEOUT_SECONDS};

const TABLE: &str = "sanso";
/// [`TABLE`] as libnftnl takes it, built once (not for every message).
const TABLE_C: &CStr = c"sanso";
const NFPROTO_INET: u16 = 1;

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_APPEND: u16 = 0x800;
/// Offset of `nlmsg_flags` in `struct nlmsghdr`.
const NLMSG_FLAGS_AT: usize = 6;

/// Longest object name the kernel accepts (`NFT_NAME_MAXLEN` minus the NUL).
const NAME_MAX_BYTES: usize = 255;
/// Longest comment (`NFTNL_UDATA_COMMENT_MAXLEN`).
const COMMENT_MAX_BYTES: usize = 128;
/// Longest log prefix (`NF_LOG_PREFIXLEN` minus the NUL).
const LOG_PREFIX_MAX_BYTES: usize = 127;
/// Budget for the elements of one NEWSETELEM message: a netlink attribute's
/// length is 16 bits, so the element list nest must stay below 64 KiB.
const ELEMENTS_BUDGET: usize = 48 * 1024;
/// Scratch space for one message; every message is smaller by construction
/// (element chunks are bounded by [`ELEMENTS_BUDGET`], names and comments by
/// the limits above, rules have a bounded number of expressions).
const SCRATCH_BYTES: usize = 256 * 1024;

/// The kind of a message of the batch, for error reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    BatchBegin,
    NewTable,
    DelTable,
    NewChain,
    NewObj,
    NewSet,
    NewSetElem,
    /// Without elements: flushes the set.
    DelSetElem,
    NewRule,
    /// Without a handle: deletes all the rules of the chain.
    DelRule,
    DelChain,
    DelSet,
    DelObj,
    BatchEnd,
}

impl MessageKind {
    fn cmd(self) -> u16 {
        match self {
            MessageKind::NewTable => 0,
            MessageKind::DelTable => 2,
            MessageKind::NewChain => 3,
            MessageKind::NewRule => 6,
            MessageKind::NewSet => 9,
            MessageKind::NewSetElem => 12,
            MessageKind::DelSetElem => 14,
            MessageKind::NewObj => 18,
            MessageKind::DelRule => 8,
            MessageKind::DelChain => 5,
            MessageKind::DelSet => 11,
            MessageKind::DelObj => 20,
            MessageKind::BatchBegin => 16,
            MessageKind::BatchEnd => 17,
        }
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MessageKind::BatchBegin => "NFNL_MSG_BATCH_BEGIN",
            MessageKind::NewTable => "NFT_MSG_NEWTABLE",
            MessageKind::DelTable => "NFT_MSG_DELTABLE",
            MessageKind::NewChain => "NFT_MSG_NEWCHAIN",
            MessageKind::NewObj => "NFT_MSG_NEWOBJ",
            MessageKind::NewSet => "NFT_MSG_NEWSET",
            MessageKind::NewSetElem => "NFT_MSG_NEWSETELEM",
            MessageKind::DelSetElem => "NFT_MSG_DELSETELEM",
            MessageKind::NewRule => "NFT_MSG_NEWRULE",
            MessageKind::DelRule => "NFT_MSG_DELRULE",
            MessageKind::DelChain => "NFT_MSG_DELCHAIN",
            MessageKind::DelSet => "NFT_MSG_DELSET",
            MessageKind::DelObj => "NFT_MSG_DELOBJ",
            MessageKind::BatchEnd => "NFNL_MSG_BATCH_END",
        })
    }
}

/// One message of the batch: its sequence number and what it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageInfo {
    pub seq: u32,
    pub kind: MessageKind,
    /// The table, chain, set or object the message is about.
    pub object: String,
    /// Whether the kernel answers this message with an ACK.
    pub acked: bool,
}

/// A complete batch, ready for one `sendmsg`.
#[derive(Debug)]
pub(crate) struct Batch {
    pub bytes: Vec<u8>,
    pub messages: Vec<MessageInfo>,
    pub elements: usize,
}

/// A test-only fault appended to the batch (see `apply_injecting`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injection {
    /// A last rule that jumps to a chain that does not exist: the kernel
    /// refuses it with `ENOENT` after accepting everything else.
    RuleJumpingToMissingChain,
    /// The same rule as the first rule of the batch, followed by all the
    /// others: the message refused is not the one that asks for the ACK.
    FirstRuleJumpingToMissingChain,
}

/// Owns a libnftnl object and frees it on drop.
struct Owned<T> {
    ptr: *mut T,
    free: unsafe extern "C" fn(*const T),
}

impl<T> Owned<T> {
    fn new(ptr: *mut T, free: unsafe extern "C" fn(*const T)) -> Result<Self, ApplyError> {
        if ptr.is_null() {
            return Err(ApplyError::OutOfMemory);
        }
        Ok(Owned { ptr, free })
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from the matching `*_alloc` and is freed once.
        unsafe { (self.free)(self.ptr) }
    }
}

fn cstring(what: &'static str, text: &str, max: usize) -> Result<CString, ApplyError> {
    if text.len() > max {
        return Err(ApplyError::TooLong {
            what,
            text: text.to_owned(),
            max,
        });
    }
    CString::new(text).map_err(|_| ApplyError::InteriorNul {
        what,
        text: text.to_owned(),
    })
}

fn name(text: &str) -> Result<CString, ApplyError> {
    cstring("name", text, NAME_MAX_BYTES)
}

/// A comment as nft stores it: userdata TLV 0 (comment), NUL-terminated.
fn comment_udata(comment: &str) -> Result<Vec<u8>, ApplyError> {
    let c = cstring("comment", comment, COMMENT_MAX_BYTES)?;
    let bytes = c.as_bytes_with_nul();
    let mut out = vec![0u8, u8::try_from(bytes.len()).unwrap_or(u8::MAX)];
    out.extend_from_slice(bytes);
    Ok(out)
}

fn udata_u32(out: &mut Vec<u8>, kind: u8, value: u32) {
    out.extend_from_slice(&[kind, 4]);
    out.extend_from_slice(&value.to_ne_bytes());
}

const UDATA_SET_KEYBYTEORDER: u8 = 0;
const UDATA_SET_DATABYTEORDER: u8 = 1;
const UDATA_SET_KEY_TYPEOF: u8 = 3;
const UDATA_SET_DATA_INTERVAL: u8 = 6;
const UDATA_SET_ELEM_FLAGS: u8 = 1;
const SET_ELEM_F_INTERVAL_OPEN: u32 = 1;
const BYTEORDER_INVALID: u32 = 0;
const BYTEORDER_HOST_ENDIAN: u32 = 1;
const BYTEORDER_BIG_ENDIAN: u32 = 2;

/// The set userdata nft 1.0.6 writes: key byte order, data byte order for
/// maps, the typeof description, and whether map data are intervals.
fn set_udata(set: &SetObject) -> Vec<u8> {
    let mut out = Vec::new();
    let order = if set.is_concat() {
        BYTEORDER_INVALID
    } else if matches!(set.kind, SetKind::MarkMap | SetKind::NameSet) {
        // A mark is a host-order integer; nft keeps strings in host order.
        BYTEORDER_HOST_ENDIAN
    } else {
        BYTEORDER_BIG_ENDIAN
    };
    udata_u32(&mut out, UDATA_SET_KEYBYTEORDER, order);
    if set.kind.is_verdict_map() {
        udata_u32(&mut out, UDATA_SET_DATABYTEORDER, BYTEORDER_INVALID);
    }
    match set.kind {
        _ if set.is_concat() => {
            // typeof: expression type 13 (concatenation), no sub-expressions.
            out.extend_from_slice(&[UDATA_SET_KEY_TYPEOF, 8, 0, 4]);
            out.extend_from_slice(&13u32.to_ne_bytes());
            out.extend_from_slice(&[1, 0]);
        }
        SetKind::Anonymous => {
            // typeof: payload expression (7) of ICMPv6 (14), field `type` (1).
            out.extend_from_slice(&[UDATA_SET_KEY_TYPEOF, 20, 0, 4]);
            out.extend_from_slice(&7u32.to_ne_bytes());
            out.extend_from_slice(&[1, 12]);
            udata_u32(&mut out, 0, 14);
            udata_u32(&mut out, 1, 1);
        }
        _ => {}
    }
    if set.kind.is_verdict_map() {
        udata_u32(&mut out, UDATA_SET_DATA_INTERVAL, 0);
    }
    out
}

/// Builds batches message by message.
struct Encoder {
    scratch: Vec<u8>,
    /// How much of `scratch` the last message wrote (the rest is zero).
    dirty: usize,
    bytes: Vec<u8>,
    messages: Vec<MessageInfo>,
    /// Where the last message that asks for an ACK starts in `bytes`, and
    /// its index in `messages`: the next such message takes the ACK over.
    last_acked: Option<(usize, usize)>,
    seq: u32,
    /// The ruleset generation the batch expects (`NFNL_BATCH_GENID` of its
    /// begin marker): the kernel refuses the batch with `ERESTART` when the
    /// ruleset changed since.
    genid: Option<u32>,
    next_set_id: u32,
    /// The sets rules may look up: by the id of a set this batch creates,
    /// or (`None`) by the name of a set the table holds.
    set_ids: HashMap<String, Option<u32>>,
    elements: usize,
    /// The C strings of one expression (set, object and chain names, log
    /// prefixes), one buffer for all: libnftnl copies them.
    text: Vec<u8>,
}

impl Encoder {
    fn new(first_seq: u32) -> Self {
        Encoder {
            scratch: vec![0; SCRATCH_BYTES],
            dirty: 0,
            bytes: Vec::new(),
            messages: Vec::new(),
            last_acked: None,
            seq: first_seq,
            genid: None,
            next_set_id: 1,
            set_ids: HashMap::new(),
            elements: 0,
            text: Vec::new(),
        }
    }

    /// Appends one message: header, then `build` writes the payload.
    fn push(
        &mut self,
        kind: MessageKind,
        object: &str,
        build: impl FnOnce(*mut libc::nlmsghdr),
    ) -> Result<(), ApplyError> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        // Every message starts on zeroed bytes: only what the last one
        // wrote needs zeroing again (zeroing all 256 KiB for each of tens of
        // thousands of messages was most of the encoder's time).
        self.scratch[..self.dirty].fill(0);
        let buf = self.scratch.as_mut_ptr().cast::<c_char>();
        let acked = !matches!(kind, MessageKind::BatchBegin | MessageKind::BatchEnd);
        // SAFETY: `buf` points to SCRATCH_BYTES writable bytes; every message
        // is smaller than that (see SCRATCH_BYTES).
        let nlh = unsafe {
            match kind {
                MessageKind::BatchBegin => sys::nftnl_batch_begin(buf, seq),
                MessageKind::BatchEnd => sys::nftnl_batch_end(buf, seq),
                _ => {
                    let mut flags = NLM_F_REQUEST | NLM_F_ACK;
                    flags |= match kind {
                        MessageKind::DelTable
                        | MessageKind::DelSetElem
                        | MessageKind::DelRule
                        | MessageKind::DelChain
                        | MessageKind::DelSet
                        | MessageKind::DelObj => 0,
                        MessageKind::NewRule => NLM_F_CREATE | NLM_F_APPEND,
                        _ => NLM_F_CREATE,
                    };
                    sys::nftnl_nlmsg_build_hdr(buf, kind.cmd(), NFPROTO_INET, flags, seq)
                }
            }
        };
        if !matches!(kind, MessageKind::BatchBegin | MessageKind::BatchEnd) {
            build(nlh);
        }
        if let (MessageKind::BatchBegin, Some(genid)) = (kind, self.genid) {
            // NFNL_BATCH_GENID (1), a big-endian u32, after the nfgenmsg.
            // SAFETY: `nlh` points into `scratch`, which has room (above).
            unsafe {
                let at = (*nlh).nlmsg_len as usize;
                let attr = self.scratch.as_mut_ptr().add(at);
                let mut bytes = [0u8; 8];
                bytes[..2].copy_from_slice(&8u16.to_ne_bytes());
                bytes[2..4].copy_from_slice(&1u16.to_ne_bytes());
                bytes[4..].copy_from_slice(&genid.to_be_bytes());
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), attr, 8);
                (*nlh).nlmsg_len += 8;
            }
        }
        // SAFETY: `nlh` points into `scratch`, written by libnftnl above.
        let len = unsafe { (*nlh).nlmsg_len } as usize;
        assert!(
            len <= self.scratch.len(),
            "netlink message of {len} bytes overran the scratch buffer"
        );
        if acked {
            // Only the last message of the batch keeps its ACK (module doc).
            if let Some((at, index)) = self.last_acked {
                let flags = &mut self.bytes[at + NLMSG_FLAGS_AT..at + NLMSG_FLAGS_AT + 2];
                let cleared = u16::from_ne_bytes([flags[0], flags[1]]) & !NLM_F_ACK;
                flags.copy_from_slice(&cleared.to_ne_bytes());
                self.messages[index].acked = false;
            }
            self.last_acked = Some((self.bytes.len(), self.messages.len()));
        }
        self.bytes.extend_from_slice(&self.scratch[..len]);
        self.dirty = len;
        self.messages.push(MessageInfo {
            seq,
            kind,
            object: object.to_owned(),
            acked,
        });
        Ok(())
    }

    fn table(&mut self, kind: MessageKind, comment: Option<&str>) -> Result<(), ApplyError> {
        // SAFETY: plain allocation; freed by the guard.
        let t = Owned::new(unsafe { sys::nftnl_table_alloc() }, sys::nftnl_table_free)?;
        let table = TABLE_C;
        // SAFETY: `t` is a live table; strings and data are copied by libnftnl.
        unsafe {
            sys::nftnl_table_set_str(t.ptr, sys::NFTNL_TABLE_NAME as u16, table.as_ptr());
            sys::nftnl_table_set_u32(
                t.ptr,
                sys::NFTNL_TABLE_FAMILY as u16,
                u32::from(NFPROTO_INET),
            );
            if kind == MessageKind::NewTable {
                sys::nftnl_table_set_u32(t.ptr, sys::NFTNL_TABLE_FLAGS as u16, 0);
            }
            if let Some(comment) = comment {
                let udata = comment_udata(comment)?;
                sys::nftnl_table_set_data(
                    t.ptr,
                    sys::NFTNL_TABLE_USERDATA as u16,
                    udata.as_ptr().cast::<c_void>(),
                    udata.len() as u32,
                );
            }
        }
        // SAFETY: `nlh` is the header just built; `t` is live.
        self.push(kind, TABLE, |nlh| unsafe {
            sys::nftnl_table_nlmsg_build_payload(nlh, t.ptr)
        })
    }

    /// A `nftnl_chain` naming `chain` of the table (table, name, family).
    fn chain_handle(chain: &str) -> Result<Owned<sys::nftnl_chain>, ApplyError> {
        // SAFETY: plain allocation; freed by the guard.
        let c = Owned::new(unsafe { sys::nftnl_chain_alloc() }, sys::nftnl_chain_free)?;
        let chain_name = name(chain)?;
        // SAFETY: `c` is live; strings are copied by libnftnl.
        unsafe {
            sys::nftnl_chain_set_str(c.ptr, sys::NFTNL_CHAIN_TABLE as u16, TABLE_C.as_ptr());
            sys::nftnl_chain_set_str(c.ptr, sys::NFTNL_CHAIN_NAME as u16, chain_name.as_ptr());
            sys::nftnl_chain_set_u32(
                c.ptr,
                sys::NFTNL_CHAIN_FAMILY as u16,
                u32::from(NFPROTO_INET),
            );
        }
        Ok(c)
    }

    /// A `nftnl_rule` of chain `chain_c` of the table (table, chain, family).
    fn rule_handle(chain_c: &CStr) -> Result<Owned<sys::nftnl_rule>, ApplyError> {
        // SAFETY: plain allocation; freed by the guard.
        let r = Owned::new(unsafe { sys::nftnl_rule_alloc() }, sys::nftnl_rule_free)?;
        // SAFETY: `r` is live; strings are copied by libnftnl.
        unsafe {
            sys::nftnl_rule_set_str(r.ptr, sys::NFTNL_RULE_TABLE as u16, TABLE_C.as_ptr());
            sys::nftnl_rule_set_str(r.ptr, sys::NFTNL_RULE_CHAIN as u16, chain_c.as_ptr());
            sys::nftnl_rule_set_u32(
                r.ptr,
                sys::NFTNL_RULE_FAMILY as u16,
                u32::from(NFPROTO_INET),
            );
        }
        Ok(r)
    }

    fn chain(&mut self, chain: &ChainObject) -> Result<(), ApplyError> {
        let c = Self::chain_handle(&chain.name)?;
        let filter = name("filter")?;
        // SAFETY: `c` is live; strings and data are copied by libnftnl.
        unsafe {
            if let Some(hook) = chain.hook {
                sys::nftnl_chain_set_str(c.ptr, sys::NFTNL_CHAIN_TYPE as u16, filter.as_ptr());
                sys::nftnl_chain_set_u32(c.ptr, sys::NFTNL_CHAIN_HOOKNUM as u16, hook.number());
                sys::nftnl_chain_set_s32(c.ptr, sys::NFTNL_CHAIN_PRIO as u16, hook.priority());
                sys::nftnl_chain_set_u32(
                    c.ptr,
                    sys::NFTNL_CHAIN_POLICY as u16,
                    hook.policy() as u32,
                );
            }
            if let Some(comment) = &chain.comment {
                let udata = comment_udata(comment)?;
                sys::nftnl_chain_set_data(
                    c.ptr,
                    sys::NFTNL_CHAIN_USERDATA as u16,
                    udata.as_ptr().cast::<c_void>(),
                    udata.len() as u32,
                );
            }
        }
        // SAFETY: `nlh` is the header just built; `c` is live.
        self.push(MessageKind::NewChain, &chain.name, |nlh| unsafe {
            sys::nftnl_chain_nlmsg_build_payload(nlh, c.ptr)
        })
    }

    fn object(&mut self, object: &NamedObject) -> Result<(), ApplyError> {
        // SAFETY: plain allocation; freed by the guard.
        let o = Owned::new(unsafe { sys::nftnl_obj_alloc() }, sys::nftnl_obj_free)?;
        let table = TABLE_C;
        let obj_name = name(object.name())?;
        // SAFETY: `o` is live; strings and data are copied by libnftnl.
        unsafe {
            sys::nftnl_obj_set_str(o.ptr, sys::NFTNL_OBJ_TABLE as u16, table.as_ptr());
            sys::nftnl_obj_set_str(o.ptr, sys::NFTNL_OBJ_NAME as u16, obj_name.as_ptr());
            sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_FAMILY as u16, u32::from(NFPROTO_INET));
            match object {
                NamedObject::Counter { comment, .. } => {
                    sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_TYPE as u16, k::OBJECT_COUNTER);
                    if let Some(comment) = comment {
                        let udata = comment_udata(comment)?;
                        sys::nftnl_obj_set_data(
                            o.ptr,
                            sys::NFTNL_OBJ_USERDATA as u16,
                            udata.as_ptr().cast::<c_void>(),
                            udata.len() as u32,
                        );
                    }
                    sys::nftnl_obj_set_u64(o.ptr, sys::NFTNL_OBJ_CTR_BYTES as u16, 0);
                    sys::nftnl_obj_set_u64(o.ptr, sys::NFTNL_OBJ_CTR_PKTS as u16, 0);
                }
                NamedObject::Limit {
                    rate,
                    per_seconds,
                    burst,
                    ..
                } => {
                    sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_TYPE as u16, k::OBJECT_LIMIT);
                    sys::nftnl_obj_set_u64(o.ptr, sys::NFTNL_OBJ_LIMIT_RATE as u16, *rate);
                    sys::nftnl_obj_set_u64(o.ptr, sys::NFTNL_OBJ_LIMIT_UNIT as u16, *per_seconds);
                    sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_LIMIT_BURST as u16, *burst);
                    sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_LIMIT_TYPE as u16, 0);
                    sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_LIMIT_FLAGS as u16, 0);
                }
            }
        }
        // SAFETY: `nlh` is the header just built; `o` is live.
        self.push(MessageKind::NewObj, object.name(), |nlh| unsafe {
            sys::nftnl_obj_nlmsg_build_payload(nlh, o.ptr)
        })
    }

    /// A `nftnl_set` carrying the set's identity: table, name, and the id of
    /// a set created in this batch (`None` for a set the table holds).
    fn set_handle(
        &self,
        set: &SetObject,
        id: Option<u32>,
    ) -> Result<Owned<sys::nftnl_set>, ApplyError> {
        // SAFETY: plain allocation; freed by the guard.
        let s = Owned::new(unsafe { sys::nftnl_set_alloc() }, sys::nftnl_set_free)?;
        let table = TABLE_C;
        let set_name = name(&set.name)?;
        // SAFETY: `s` is live; strings are copied by libnftnl.
        unsafe {
            sys::nftnl_set_set_str(s.ptr, sys::NFTNL_SET_TABLE as u16, table.as_ptr());
            sys::nftnl_set_set_str(s.ptr, sys::NFTNL_SET_NAME as u16, set_name.as_ptr());
            sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_FAMILY as u16, u32::from(NFPROTO_INET));
            if let Some(id) = id {
                sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_ID as u16, id);
            }
        }
        Ok(s)
    }

    /// NEWSET, then the elements in as many NEWSETELEM messages as needed.
    fn set(&mut self, set: &SetObject) -> Result<u32, ApplyError> {
        let id = self.next_set_id;
        self.next_set_id += 1;
        let s = self.set_handle(set, Some(id))?;
        let flags = match set.kind {
            SetKind::Anonymous => 0x1 | 0x2,
            SetKind::Set => 0x4 | if set.is_concat() { 0x80 } else { 0 },
            SetKind::VerdictMap => 0x4 | 0x8 | if set.is_concat() { 0x80 } else { 0 },
            SetKind::MarkMap => 0x8,
            SetKind::NameSet => 0,
            // NFT_SET_TIMEOUT | NFT_SET_EVAL: `flags dynamic,timeout`.
            SetKind::Meter => 0x10 | 0x20,
        };
        let udata = set_udata(set);
        // SAFETY: `s` is live; data are copied by libnftnl.
        unsafe {
            sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_FLAGS as u16, flags);
            sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_KEY_TYPE as u16, set.key_type());
            sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_KEY_LEN as u16, set.key_len() as u32);
            if set.kind.is_verdict_map() {
                sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_DATA_TYPE as u16, 0xffff_ff00);
                sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_DATA_LEN as u16, 0);
            }
            if set.is_concat() {
                let lens: Vec<u8> = set.fields.iter().map(|f| f.len() as u8).collect();
                sys::nftnl_set_set_data(
                    s.ptr,
                    sys::NFTNL_SET_DESC_CONCAT as u16,
                    lens.as_ptr().cast::<c_void>(),
                    lens.len() as u32,
                );
            }
            if set.kind == SetKind::Meter {
                sys::nftnl_set_set_u64(
                    s.ptr,
                    sys::NFTNL_SET_TIMEOUT as u16,
                    LOG_METER_TIMEOUT_SECONDS * 1000,
                );
                sys::nftnl_set_set_u32(s.ptr, sys::NFTNL_SET_DESC_SIZE as u16, LOG_METER_SIZE);
            }
            if set.kind == SetKind::Anonymous {
                sys::nftnl_set_set_u32(
                    s.ptr,
                    sys::NFTNL_SET_DESC_SIZE as u16,
                    set.elements.len() as u32,
                );
            }
            sys::nftnl_set_set_data(
                s.ptr,
                sys::NFTNL_SET_USERDATA as u16,
                udata.as_ptr().cast::<c_void>(),
                udata.len() as u32,
            );
        }
        // SAFETY: `nlh` is the header just built; `s` is live.
        self.push(MessageKind::NewSet, &set.name, |nlh| unsafe {
            sys::nftnl_set_nlmsg_build_payload(nlh, s.ptr)
        })?;
        drop(s);
        self.set_ids.insert(set.name.clone(), Some(id));
        self.elements_of(set, Some(id))?;
        Ok(id)
    }

    /// The elements of `set` in as many NEWSETELEM messages as needed; `id`
    /// as for [`Encoder::set_handle`]. Each element goes into the message's
    /// `nftnl_set` as it is made (no list of the set's kernel elements).
    fn elements_of(&mut self, set: &SetObject, id: Option<u32>) -> Result<(), ApplyError> {
        self.elements += set.elements.len();
        let mut chunks = Chunks::new(MessageKind::NewSetElem, id);
        for_each_kernel_element(set, |e| chunks.add(self, set, &e))?;
        chunks.finish(self, set)
    }

    /// `NFT_MSG_DELSETELEM` naming only the set (of the table in place):
    /// removes all its elements.
    fn flush_set(&mut self, set: &SetObject) -> Result<(), ApplyError> {
        let s = self.set_handle(set, None)?;
        // SAFETY: `nlh` is the header just built; `s` is live and has no
        // elements, so the payload names the set only.
        self.push(MessageKind::DelSetElem, &set.name, |nlh| unsafe {
            sys::nftnl_set_elems_nlmsg_build_payload(nlh, s.ptr)
        })
    }

    /// `elements` of the set `set` the table holds, in as many messages of
    /// `kind` (NEWSETELEM or DELSETELEM) as needed. A deletion names each
    /// element by its key, key end and flags.
    fn listed_elements(
        &mut self,
        set: &SetObject,
        elements: &[WireElement<'_>],
        kind: MessageKind,
    ) -> Result<(), ApplyError> {
        self.elements += elements.len();
        let mut chunks = Chunks::new(kind, None);
        for e in elements {
            if kind == MessageKind::DelSetElem {
                let key_only = WireElement {
                    key: e.key,
                    key_end: e.key_end,
                    interval_end: e.interval_end,
                    open: false,
                    verdict: None,
                };
                chunks.add(self, set, &key_only)?;
            } else {
                chunks.add(self, set, e)?;
            }
        }
        chunks.finish(self, set)
    }

    /// One message of `kind` (NEWSETELEM or DELSETELEM) of the elements
    /// added to `s`.
    fn element_message(
        &mut self,
        set: &SetObject,
        s: &Owned<sys::nftnl_set>,
        kind: MessageKind,
    ) -> Result<(), ApplyError> {
        // SAFETY: `nlh` is the header just built; `s` is live.
        self.push(kind, &set.name, |nlh| unsafe {
            sys::nftnl_set_elems_nlmsg_build_payload(nlh, s.ptr)
        })
    }

    /// `NFT_MSG_DELRULE` naming only the chain: deletes all its rules.
    fn flush_chain(&mut self, chain: &ChainObject) -> Result<(), ApplyError> {
        let r = Self::rule_handle(&name(&chain.name)?)?;
        // SAFETY: `nlh` is the header just built; `r` is live.
        self.push(MessageKind::DelRule, &chain.name, |nlh| unsafe {
            sys::nftnl_rule_nlmsg_build_payload(nlh, r.ptr)
        })
    }

    /// `NFT_MSG_DELCHAIN` of an empty chain.
    fn del_chain(&mut self, chain: &ChainObject) -> Result<(), ApplyError> {
        let c = Self::chain_handle(&chain.name)?;
        // SAFETY: `nlh` is the header just built; `c` is live.
        self.push(MessageKind::DelChain, &chain.name, |nlh| unsafe {
            sys::nftnl_chain_nlmsg_build_payload(nlh, c.ptr)
        })
    }

    /// `NFT_MSG_DELSET`.
    fn del_set(&mut self, set: &SetObject) -> Result<(), ApplyError> {
        let s = self.set_handle(set, None)?;
        // SAFETY: `nlh` is the header just built; `s` is live.
        self.push(MessageKind::DelSet, &set.name, |nlh| unsafe {
            sys::nftnl_set_nlmsg_build_payload(nlh, s.ptr)
        })
    }

    /// `NFT_MSG_DELOBJ` (the kernel finds an object by type and name).
    fn del_object(&mut self, object: &NamedObject) -> Result<(), ApplyError> {
        // SAFETY: plain allocation; freed by the guard.
        let o = Owned::new(unsafe { sys::nftnl_obj_alloc() }, sys::nftnl_obj_free)?;
        let obj_name = name(object.name())?;
        let kind = match object {
            NamedObject::Counter { .. } => k::OBJECT_COUNTER,
            NamedObject::Limit { .. } => k::OBJECT_LIMIT,
        };
        // SAFETY: `o` is live; strings are copied by libnftnl.
        unsafe {
            sys::nftnl_obj_set_str(o.ptr, sys::NFTNL_OBJ_TABLE as u16, TABLE_C.as_ptr());
            sys::nftnl_obj_set_str(o.ptr, sys::NFTNL_OBJ_NAME as u16, obj_name.as_ptr());
            sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_FAMILY as u16, u32::from(NFPROTO_INET));
            sys::nftnl_obj_set_u32(o.ptr, sys::NFTNL_OBJ_TYPE as u16, kind);
        }
        // SAFETY: `nlh` is the header just built; `o` is live.
        self.push(MessageKind::DelObj, object.name(), |nlh| unsafe {
            sys::nftnl_obj_nlmsg_build_payload(nlh, o.ptr)
        })
    }

    /// A rule of `chain` (`chain_c`: the same name as a C string).
    fn rule(&mut self, chain: &str, chain_c: &CStr, rule: &RuleObject) -> Result<(), ApplyError> {
        let anon_id = match &rule.anon_set {
            Some(set) => Some(self.set(set)?),
            None => None,
        };
        let r = Self::rule_handle(chain_c)?;
        let mut text = std::mem::take(&mut self.text);
        for expr in &rule.exprs {
            let e = self.expr(expr, anon_id, &mut text);
            let e = match e {
                Ok(e) => e,
                Err(err) => {
                    self.text = text;
                    return Err(err);
                }
            };
            // SAFETY: both live; the rule takes ownership of the expression.
            unsafe { sys::nftnl_rule_add_expr(r.ptr, e) };
        }
        self.text = text;
        // SAFETY: `nlh` is the header just built; `r` is live.
        self.push(MessageKind::NewRule, chain, |nlh| unsafe {
            sys::nftnl_rule_nlmsg_build_payload(nlh, r.ptr)
        })
    }

    /// One expression, owned by the caller (to be added to a rule); `text`
    /// holds its C strings while they are copied.
    fn expr(
        &self,
        expr: &Expr,
        anon_id: Option<u32>,
        text: &mut Vec<u8>,
    ) -> Result<*mut sys::nftnl_expr, ApplyError> {
        // Static names: no allocation per expression.
        let kind: &CStr = match expr {
            Expr::Meta { .. } => c"meta",
            Expr::Payload { .. } => c"payload",
            Expr::Cmp { .. } => c"cmp",
            Expr::Bitwise { .. } => c"bitwise",
            Expr::Hton { .. } => c"byteorder",
            Expr::Ct { .. } | Expr::CtSet { .. } => c"ct",
            Expr::Immediate { .. } => c"immediate",
            Expr::Lookup { .. } => c"lookup",
            Expr::Objref { .. } => c"objref",
            Expr::Log { .. } => c"log",
            Expr::Meter { .. } => c"dynset",
            Expr::Verdict(_) => c"immediate",
        };
        // SAFETY: allocation by expression name; ownership goes to the caller
        // (a guard frees it if we fail before handing it over).
        let e = Owned::new(
            unsafe { sys::nftnl_expr_alloc(kind.as_ptr()) },
            sys::nftnl_expr_free,
        )?;
        let p = e.ptr;
        let u32_attr = |attr: u32, v: u32| unsafe { sys::nftnl_expr_set_u32(p, attr as u16, v) };
        let data_attr = |attr: u32, v: &[u8]| unsafe {
            sys::nftnl_expr_set(p, attr as u16, v.as_ptr().cast::<c_void>(), v.len() as u32);
        };
        match expr {
            Expr::Meta { key, dreg } => {
                u32_attr(sys::NFTNL_EXPR_META_KEY, *key);
                u32_attr(sys::NFTNL_EXPR_META_DREG, *dreg);
            }
            Expr::Payload {
                base,
                offset,
                len,
                dreg,
            } => {
                u32_attr(sys::NFTNL_EXPR_PAYLOAD_DREG, *dreg);
                u32_attr(sys::NFTNL_EXPR_PAYLOAD_BASE, *base);
                u32_attr(sys::NFTNL_EXPR_PAYLOAD_OFFSET, *offset);
                u32_attr(sys::NFTNL_EXPR_PAYLOAD_LEN, *len);
            }
            Expr::Cmp { op, sreg, data } => {
                u32_attr(sys::NFTNL_EXPR_CMP_SREG, *sreg);
                u32_attr(sys::NFTNL_EXPR_CMP_OP, *op);
                data_attr(sys::NFTNL_EXPR_CMP_DATA, data);
            }
            Expr::Bitwise {
                reg,
                len,
                mask,
                xor,
            } => {
                u32_attr(sys::NFTNL_EXPR_BITWISE_SREG, *reg);
                u32_attr(sys::NFTNL_EXPR_BITWISE_DREG, *reg);
                u32_attr(sys::NFTNL_EXPR_BITWISE_LEN, *len);
                data_attr(sys::NFTNL_EXPR_BITWISE_MASK, mask);
                data_attr(sys::NFTNL_EXPR_BITWISE_XOR, xor);
            }
            Expr::Hton { reg, len, size } => {
                u32_attr(sys::NFTNL_EXPR_BYTEORDER_SREG, *reg);
                u32_attr(sys::NFTNL_EXPR_BYTEORDER_DREG, *reg);
                u32_attr(sys::NFTNL_EXPR_BYTEORDER_OP, 1);
                u32_attr(sys::NFTNL_EXPR_BYTEORDER_LEN, *len);
                u32_attr(sys::NFTNL_EXPR_BYTEORDER_SIZE, *size);
            }
            Expr::Ct { key, dreg } => {
                u32_attr(sys::NFTNL_EXPR_CT_DREG, *dreg);
                u32_attr(sys::NFTNL_EXPR_CT_KEY, *key);
            }
            Expr::CtSet { key, sreg } => {
                u32_attr(sys::NFTNL_EXPR_CT_KEY, *key);
                u32_attr(sys::NFTNL_EXPR_CT_SREG, *sreg);
            }
            Expr::Immediate { dreg, data } => {
                u32_attr(sys::NFTNL_EXPR_IMM_DREG, *dreg);
                data_attr(sys::NFTNL_EXPR_IMM_DATA, data);
            }
            Expr::Lookup {
                set,
                sreg,
                verdict_map,
                invert,
            } => {
                let set_name = name_in(text, set)?;
                let id = match (anon_id, self.set_ids.get(set)) {
                    (Some(id), _) if set.starts_with("__set") => Some(id),
                    (_, Some(id)) => *id,
                    _ => return Err(ApplyError::UnknownSet(set.clone())),
                };
                u32_attr(sys::NFTNL_EXPR_LOOKUP_SREG, *sreg);
                if *verdict_map {
                    u32_attr(sys::NFTNL_EXPR_LOOKUP_DREG, 0);
                }
                // SAFETY: `p` is live; the string is copied.
                unsafe {
                    sys::nftnl_expr_set_str(p, sys::NFTNL_EXPR_LOOKUP_SET as u16, set_name.as_ptr())
                };
                if let Some(id) = id {
                    u32_attr(sys::NFTNL_EXPR_LOOKUP_SET_ID, id);
                }
                if *invert {
                    u32_attr(sys::NFTNL_EXPR_LOOKUP_FLAGS, 1);
                }
            }
            Expr::Objref { kind, name: obj } => {
                let obj = name_in(text, obj)?;
                u32_attr(sys::NFTNL_EXPR_OBJREF_IMM_TYPE, *kind);
                // SAFETY: `p` is live; the string is copied.
                unsafe {
                    sys::nftnl_expr_set_str(p, sys::NFTNL_EXPR_OBJREF_IMM_NAME as u16, obj.as_ptr())
                };
            }
            Expr::Log { prefix } => {
                let prefix = cstr_in(text, "log prefix", prefix, LOG_PREFIX_MAX_BYTES)?;
                // SAFETY: `p` is live; the string is copied.
                unsafe {
                    sys::nftnl_expr_set_str(p, sys::NFTNL_EXPR_LOG_PREFIX as u16, prefix.as_ptr())
                };
                // SAFETY: `p` is live.
                unsafe { sys::nftnl_expr_set_u16(p, sys::NFTNL_EXPR_LOG_GROUP as u16, LOG_GROUP) };
            }
            Expr::Meter {
                set,
                sreg,
                rate,
                per_seconds,
                burst,
            } => {
                let set_name = name_in(text, set)?;
                let id = *self
                    .set_ids
                    .get(set)
                    .ok_or_else(|| ApplyError::UnknownSet(set.clone()))?;
                u32_attr(sys::NFTNL_EXPR_DYNSET_SREG_KEY, *sreg);
                u32_attr(sys::NFTNL_EXPR_DYNSET_OP, k::DYNSET_OP_UPDATE);
                // SAFETY: `p` is live; the string is copied.
                unsafe {
                    sys::nftnl_expr_set_str(
                        p,
                        sys::NFTNL_EXPR_DYNSET_SET_NAME as u16,
                        set_name.as_ptr(),
                    )
                };
                if let Some(id) = id {
                    u32_attr(sys::NFTNL_EXPR_DYNSET_SET_ID, id);
                }
                let limit = limit_expr(*rate, *per_seconds, *burst)?;
                // SAFETY: both live; the dynset expression takes ownership of
                // `limit` (libnftnl keeps the pointer and frees it with the
                // dynset), so the guard lets go of it first.
                unsafe {
                    sys::nftnl_expr_set(
                        p,
                        sys::NFTNL_EXPR_DYNSET_EXPR as u16,
                        limit.ptr.cast::<c_void>(),
                        0,
                    )
                };
                std::mem::forget(limit);
            }
            Expr::Verdict(verdict) => {
                u32_attr(sys::NFTNL_EXPR_IMM_DREG, 0);
                u32_attr(sys::NFTNL_EXPR_IMM_VERDICT, verdict_code(verdict) as u32);
                if let Verdict::Jump(chain) = verdict {
                    let chain = name_in(text, chain)?;
                    // SAFETY: `p` is live; the string is copied.
                    unsafe {
                        sys::nftnl_expr_set_str(p, sys::NFTNL_EXPR_IMM_CHAIN as u16, chain.as_ptr())
                    };
                }
            }
        }
        let ptr = e.ptr;
        std::mem::forget(e);
        Ok(ptr)
    }
}

/// The userdata of an element whose interval runs to the end of the key
/// space: `udata_u32(UDATA_SET_ELEM_FLAGS, SET_ELEM_F_INTERVAL_OPEN)`.
const OPEN_UDATA: [u8; 6] = {
    let v = SET_ELEM_F_INTERVAL_OPEN.to_ne_bytes();
    [UDATA_SET_ELEM_FLAGS, 4, v[0], v[1], v[2], v[3]]
};

/// The elements of one set put into as many messages of one kind as
/// their size needs, each within [`ELEMENTS_BUDGET`]: a message is written
/// when the next element would not fit, and by [`Chunks::finish`].
struct Chunks {
    kind: MessageKind,
    /// As for [`Encoder::set_handle`].
    id: Option<u32>,
    open: Option<Owned<sys::nftnl_set>>,
    budget: usize,
    /// The jump target as a C string, in one buffer for all elements.
    chain: Vec<u8>,
}

impl Chunks {
    fn new(kind: MessageKind, id: Option<u32>) -> Self {
        Chunks {
            kind,
            id,
            open: None,
            budget: 0,
            chain: Vec::new(),
        }
    }

    fn add(
        &mut self,
        enc: &mut Encoder,
        set: &SetObject,
        e: &WireElement<'_>,
    ) -> Result<(), ApplyError> {
        let size = element_size_bound(e);
        if let Some(full) = self.open.take_if(|_| self.budget + size > ELEMENTS_BUDGET) {
            enc.element_message(set, &full, self.kind)?;
            self.budget = 0;
        }
        let s = match &self.open {
            Some(s) => s,
            None => self.open.insert(enc.set_handle(set, self.id)?),
        };
        add_element(s, e, &mut self.chain)?;
        self.budget += size;
        Ok(())
    }

    fn finish(self, enc: &mut Encoder, set: &SetObject) -> Result<(), ApplyError> {
        match self.open {
            Some(s) => enc.element_message(set, &s, self.kind),
            None => Ok(()),
        }
    }
}

/// `text` as a NUL-terminated C string in `buf` (reused, so that the
/// names of elements and expressions cost no allocation each), checked as
/// [`cstring`] checks it.
fn cstr_in<'b>(
    buf: &'b mut Vec<u8>,
    what: &'static str,
    text: &str,
    max: usize,
) -> Result<&'b CStr, ApplyError> {
    if text.len() > max {
        return Err(ApplyError::TooLong {
            what,
            text: text.to_owned(),
            max,
        });
    }
    buf.clear();
    buf.extend_from_slice(text.as_bytes());
    buf.push(0);
    CStr::from_bytes_with_nul(buf).map_err(|_| ApplyError::InteriorNul {
        what,
        text: text.to_owned(),
    })
}

/// [`name`] in `buf`, as [`cstr_in`].
fn name_in<'b>(buf: &'b mut Vec<u8>, text: &str) -> Result<&'b CStr, ApplyError> {
    cstr_in(buf, "name", text, NAME_MAX_BYTES)
}

/// Adds the element `e` to the set `s`.
fn add_element(
    s: &Owned<sys::nftnl_set>,
    e: &WireElement<'_>,
    chain_buf: &mut Vec<u8>,
) -> Result<(), ApplyError> {
    let chain = match e.verdict {
        Some(Verdict::Jump(chain)) => Some(name_in(chain_buf, chain)?),
        _ => None,
    };
    // SAFETY: plain allocation; ownership passes to the set below.
    let elem = unsafe { sys::nftnl_set_elem_alloc() };
    if elem.is_null() {
        return Err(ApplyError::OutOfMemory);
    }
    // SAFETY: `elem` is live and then owned by `s`; data are copied.
    unsafe {
        sys::nftnl_set_elem_add(s.ptr, elem);
        if e.interval_end {
            sys::nftnl_set_elem_set_u32(elem, sys::NFTNL_SET_ELEM_FLAGS as u16, 1);
        }
        sys::nftnl_set_elem_set(
            elem,
            sys::NFTNL_SET_ELEM_KEY as u16,
            e.key.as_ptr().cast::<c_void>(),
            e.key.len() as u32,
        );
        if let Some(end) = &e.key_end {
            sys::nftnl_set_elem_set(
                elem,
                sys::NFTNL_SET_ELEM_KEY_END as u16,
                end.as_ptr().cast::<c_void>(),
                end.len() as u32,
            );
        }
        if let Some(verdict) = e.verdict {
            sys::nftnl_set_elem_set_u32(
                elem,
                sys::NFTNL_SET_ELEM_VERDICT as u16,
                verdict_code(verdict) as u32,
            );
            if let Some(chain) = chain {
                sys::nftnl_set_elem_set_str(elem, sys::NFTNL_SET_ELEM_CHAIN as u16, chain.as_ptr());
            }
        }
        if e.open {
            sys::nftnl_set_elem_set(
                elem,
                sys::NFTNL_SET_ELEM_USERDATA as u16,
                OPEN_UDATA.as_ptr().cast::<c_void>(),
                OPEN_UDATA.len() as u32,
            );
        }
    }
    Ok(())
}

/// `limit rate <rate>/<per> burst <burst> packets`, owned by the caller.
fn limit_expr(
    rate: u64,
    per_seconds: u64,
    burst: u32,
) -> Result<Owned<sys::nftnl_expr>, ApplyError> {
    let kind = name("limit")?;
    // SAFETY: allocation by expression name; freed by the guard unless handed over.
    let e = Owned::new(
        unsafe { sys::nftnl_expr_alloc(kind.as_ptr()) },
        sys::nftnl_expr_free,
    )?;
    // SAFETY: `e` is live.
    unsafe {
        sys::nftnl_expr_set_u64(e.ptr, sys::NFTNL_EXPR_LIMIT_RATE as u16, rate);
        sys::nftnl_expr_set_u64(e.ptr, sys::NFTNL_EXPR_LIMIT_UNIT as u16, per_seconds);
        sys::nftnl_expr_set_u32(e.ptr, sys::NFTNL_EXPR_LIMIT_BURST as u16, burst);
        sys::nftnl_expr_set_u32(e.ptr, sys::NFTNL_EXPR_LIMIT_TYPE as u16, 0);
        sys::nftnl_expr_set_u32(e.ptr, sys::NFTNL_EXPR_LIMIT_FLAGS as u16, 0);
    }
    Ok(e)
}

fn verdict_code(verdict: &Verdict) -> i32 {
    match verdict {
        Verdict::Accept => k::NF_ACCEPT,
        Verdict::Drop => k::NF_DROP,
        Verdict::Jump(_) => k::NFT_JUMP,
    }
}

fn pad4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// An upper bound of the bytes one element takes in a NEWSETELEM message.
fn element_size_bound(e: &WireElement<'_>) -> usize {
    let key = 4 + 4 + pad4(e.key.len());
    let key_end = e.key_end.as_ref().map_or(0, |k| 4 + 4 + pad4(k.len()));
    let flags = 8;
    let data = match e.verdict {
        Some(Verdict::Jump(chain)) => 4 + 4 + 8 + 4 + pad4(chain.len() + 1),
        Some(_) => 4 + 4 + 8,
        None => 0,
    };
    let udata = 4 + 8;
    4 + key + key_end + flags + data + udata
}

/// One batch that sets the elements of `sets`, sets of the table in place,
/// to theirs: every set flushed, then every set's elements added. The
/// table, its chains, rules, counters and other sets are not touched.
pub(crate) fn encode_element_update(
    sets: &[SetObject],
    first_seq: u32,
) -> Result<Batch, ApplyError> {
    let mut enc = Encoder::new(first_seq);
    enc.push(MessageKind::BatchBegin, "", |_| {})?;
    for set in sets {
        enc.flush_set(set)?;
    }
    for set in sets {
        enc.elements_of(set, None)?;
    }
    enc.push(MessageKind::BatchEnd, "", |_| {})?;
    Ok(Batch {
        bytes: enc.bytes,
        messages: enc.messages,
        elements: enc.elements,
    })
}

/// One batch that turns the table in place into the new one: the
/// deletions and additions of `delta`, in its order (see [`Delta`]). With
/// `genid`, the kernel refuses the batch (`ERESTART`, on its begin marker)
/// when the ruleset generation is no longer that.
pub(crate) fn encode_delta(
    delta: &Delta<'_>,
    first_seq: u32,
    genid: Option<u32>,
) -> Result<Batch, ApplyError> {
    let mut enc = Encoder::new(first_seq);
    enc.genid = genid;
    enc.push(MessageKind::BatchBegin, "", |_| {})?;
    for (set, elements) in &delta.del_elements {
        enc.listed_elements(set, elements, MessageKind::DelSetElem)?;
    }
    for chain in &delta.flush_chains {
        enc.flush_chain(chain)?;
    }
    for set in &delta.del_sets {
        enc.del_set(set)?;
    }
    for chain in &delta.del_chains {
        enc.del_chain(chain)?;
    }
    for object in &delta.del_objects {
        enc.del_object(object)?;
    }
    for chain in &delta.add_chains {
        enc.chain(chain)?;
    }
    for object in &delta.add_objects {
        enc.object(object)?;
    }
    for name in &delta.kept_sets {
        enc.set_ids.insert((*name).to_owned(), None);
    }
    for set in &delta.add_sets {
        enc.set(set)?;
    }
    for (set, elements) in &delta.add_elements {
        enc.listed_elements(set, elements, MessageKind::NewSetElem)?;
    }
    for chain in &delta.add_rules {
        let chain_c = name(&chain.name)?;
        for rule in &chain.rules {
            enc.rule(&chain.name, &chain_c, rule)?;
        }
    }
    enc.push(MessageKind::BatchEnd, "", |_| {})?;
    Ok(Batch {
        bytes: enc.bytes,
        messages: enc.messages,
        elements: enc.elements,
    })
}

/// A generous bound of the batch's size in bytes (1.5x to 2.6x of it on
/// synthetic policies). Reserved at once, the batch is written in place:
/// grown by doubling, a batch of hundreds of MB was copied into fresh pages
/// at every step (mimalloc copies where glibc's realloc moved the pages;
/// at 100,000 synthetic flows half the encoder's time went to the page
/// faults under those copies).
/// Reserved bytes that are never written are never touched, so a bound
/// above the size costs address space, not memory.
fn capacity_hint(table: &TableObjects) -> usize {
    const MESSAGE: usize = 128;
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let set = |set: &SetObject| {
        let elements: usize = set
            .elements
            .iter()
            .map(|e| {
                let key: usize = e.key.iter().map(|(a, b)| a.len() + b.len()).sum();
                64 + 2 * key + 64
            })
            .sum();
        4 * MESSAGE + set.name.len() + elements
    };
    let chains: usize = table
        .chains
        .iter()
        .map(|chain| {
            let rules: usize = chain
                .rules
                .iter()
                .map(|rule| {
                    MESSAGE
                        + chain.name.len()
                        + 96 * rule.exprs.len()
                        + rule.anon_set.as_ref().map_or(0, set)
                })
                .sum();
            2 * MESSAGE + chain.name.len() + text(&chain.comment) + rules
        })
        .sum();
    let sets: usize = table.sets.iter().map(set).sum();
    let objects = table.objects.len() * 4 * MESSAGE;
    4 * MESSAGE + table.table_comment.len() + chains + sets + objects
}

/// Encodes `table` as one batch starting at sequence number `first_seq`.
pub(crate) fn encode(
    table: &TableObjects,
    first_seq: u32,
    injection: Option<Injection>,
) -> Result<Batch, ApplyError> {
    let mut enc = Encoder::new(first_seq);
    enc.bytes.reserve(capacity_hint(table));
    enc.push(MessageKind::BatchBegin, "", |_| {})?;
    enc.table(MessageKind::NewTable, None)?;
    enc.table(MessageKind::DelTable, None)?;
    enc.table(MessageKind::NewTable, Some(&table.table_comment))?;
    for chain in &table.chains {
        enc.chain(chain)?;
    }
    for object in &table.objects {
        enc.object(object)?;
    }
    for set in &table.sets {
        enc.set(set)?;
    }
    let missing_jump = RuleObject {
        anon_set: None,
        exprs: vec![Expr::Verdict(Verdict::Jump(
            "sanso-test.missing".to_owned(),
        ))],
    };
    if let Some(Injection::FirstRuleJumpingToMissingChain) = injection {
        enc.rule("forward", &name("forward")?, &missing_jump)?;
    }
    for chain in &table.chains {
        // The chain's name as libnftnl takes it, once for all its rules.
        let chain_c = name(&chain.name)?;
        for rule in &chain.rules {
            enc.rule(&chain.name, &chain_c, rule)?;
        }
    }
    if let Some(Injection::RuleJumpingToMissingChain) = injection {
        enc.rule("forward", &name("forward")?, &missing_jump)?;
    }
    enc.push(MessageKind::BatchEnd, "", |_| {})?;
    Ok(Batch {
        bytes: enc.bytes,
        messages: enc.messages,
        elements: enc.elements,
    })
}

#[cfg(test)]
mod tests {
    use super::super::objects::{ElementObject, Field, Value};
    use super::*;

    #[test]
    fn table_c_is_the_table_name() {
        assert_eq!(TABLE_C.to_str(), Ok(TABLE));
    }

    fn big_table(n: u32) -> TableObjects {
        let elements = (0..n)
            .map(|i| {
                let host = Value::from((0x0a00_0000 + i).to_be_bytes());
                ElementObject {
                    key: vec![
                        (host, host),
                        (Value::from([6]), Value::from([6])),
                        (Value::from([0, 22]), Value::from([0, 22])),
                    ],
                    verdict: Some(Verdict::Jump("allow.some-zone.other-zone.some-flow".into())),
                }
            })
            .collect();
        let set = SetObject {
            name: "in4".into(),
            kind: SetKind::VerdictMap,
            fields: vec![Field::Ipv4, Field::InetProto, Field::InetService],
            elements,
        };
        let chain = ChainObject {
            name: "allow.some-zone.other-zone.some-flow".into(),
            comment: None,
            hook: None,
            rules: vec![],
        };
        TableObjects {
            table_comment: "t".into(),
            chains: vec![chain],
            objects: vec![],
            sets: vec![set],
        }
    }

    /// (type, length) of every message of a batch.
    fn walk(bytes: &[u8]) -> Vec<(u16, usize)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 16 <= bytes.len() {
            let len = u32::from_ne_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
            let kind = u16::from_ne_bytes(bytes[at + 4..at + 6].try_into().expect("2 bytes"));
            assert!(
                len >= 16 && at + len <= bytes.len(),
                "malformed message at {at}"
            );
            out.push((kind, len));
            at += len.div_ceil(4) * 4;
        }
        assert_eq!(at, bytes.len(), "the batch ends on a message boundary");
        out
    }

    #[test]
    fn large_sets_are_split_into_messages_below_64k() {
        let batch = encode(&big_table(50_000), 1, None).expect("encode");
        let messages = walk(&batch.bytes);
        assert_eq!(messages.len(), batch.messages.len());
        let elem_msgs: Vec<usize> = messages
            .iter()
            .filter(|(kind, _)| *kind == (10 << 8) | 12)
            .map(|(_, len)| *len)
            .collect();
        assert!(elem_msgs.len() > 1, "{} element messages", elem_msgs.len());
        assert!(elem_msgs.iter().all(|len| *len < 65_535), "{elem_msgs:?}");
        assert_eq!(batch.elements, 50_000);
        // Begin, add/delete/add table, chain, set, elements, end.
        assert_eq!(
            batch.messages.first().map(|m| m.kind),
            Some(MessageKind::BatchBegin)
        );
        assert_eq!(
            batch.messages.last().map(|m| m.kind),
            Some(MessageKind::BatchEnd)
        );
        let kinds: Vec<MessageKind> = batch.messages.iter().take(6).map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            vec![
                MessageKind::BatchBegin,
                MessageKind::NewTable,
                MessageKind::DelTable,
                MessageKind::NewTable,
                MessageKind::NewChain,
                MessageKind::NewSet
            ]
        );
        // Sequence numbers are consecutive, so answers map back to messages.
        assert!(batch.messages.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    }

    /// The reservation holds the whole batch (else it grows by copying):
    /// on synthetic policies of every endpoint mix and on the big set.
    #[test]
    fn the_capacity_hint_holds_the_batch() {
        let mut tables = vec![big_table(50_000)];
        for endpoints in [
            sanso_synth::EndpointMix::Mixed,
            sanso_synth::EndpointMix::HostsOnly,
            sanso_synth::EndpointMix::SinglePair,
        ] {
            let text = sanso_synth::policy_text(&sanso_synth::SynthSpec {
                flows: 2_000,
                seed: 7,
                endpoints,
            });
            let policy = sanso_policy::load_policy("synth.toml", &text).expect("valid");
            tables.push(crate::netlink::objects::build(&sanso_ir::lower(&policy, 0)));
        }
        for table in &tables {
            let batch = encode(table, 1, None).expect("encode");
            let hint = capacity_hint(table);
            assert!(
                hint >= batch.bytes.len() && hint <= 4 * batch.bytes.len(),
                "hint {hint} for a batch of {} bytes",
                batch.bytes.len()
            );
        }
    }

    #[test]
    fn only_the_last_message_asks_for_an_ack() {
        let batch = encode(&big_table(50_000), 1, None).expect("encode");
        let acked: Vec<usize> = batch
            .messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.acked)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            acked,
            [batch.messages.len() - 2],
            "the message before the end marker"
        );
        // The flag in the bytes says the same as `acked`, message by message.
        let mut at = 0;
        for m in &batch.messages {
            let len = u32::from_ne_bytes(batch.bytes[at..at + 4].try_into().expect("4")) as usize;
            let flags = u16::from_ne_bytes(batch.bytes[at + 6..at + 8].try_into().expect("2"));
            assert_eq!(flags & NLM_F_ACK != 0, m.acked, "{m:?}");
            at += len.div_ceil(4) * 4;
        }
        assert_eq!(at, batch.bytes.len());
    }

    #[test]
    fn a_change_in_place_carries_the_generation_and_deletes_before_it_adds() {
        let old = big_table(3);
        let mut new = big_table(4);
        new.chains[0].comment = Some("renamed".into());
        let delta = super::super::delta::diff(&old, &new).expect("in place");
        let batch = encode_delta(&delta, 1, Some(0x0102_0304)).expect("encode");
        let kinds: Vec<MessageKind> = batch.messages.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            [
                MessageKind::BatchBegin,
                // The three elements jumping to the recreated chain ...
                MessageKind::DelSetElem,
                MessageKind::DelChain,
                MessageKind::NewChain,
                // ... are added again, with the new one.
                MessageKind::NewSetElem,
                MessageKind::BatchEnd,
            ]
        );
        assert_eq!(batch.elements, 3 + 4);
        // NFNL_BATCH_GENID after the begin marker's nfgenmsg, big-endian.
        let begin = &batch.bytes[..28];
        assert_eq!(u32::from_ne_bytes(begin[..4].try_into().expect("4")), 28);
        assert_eq!(&begin[20..24], &[8, 0, 1, 0]);
        assert_eq!(&begin[24..28], &[1, 2, 3, 4]);
    }

    #[test]
    fn overlong_names_are_refused_before_libnftnl() {
        let mut table = big_table(1);
        table.chains[0].name = "x".repeat(300);
        assert!(matches!(
            encode(&table, 1, None),
            Err(ApplyError::TooLong { what: "name", .. })
        ));
        let mut table = big_table(1);
        table.table_comment = "c".repeat(200);
        assert!(matches!(
            encode(&table, 1, None),
            Err(ApplyError::TooLong {
                what: "comment",
                ..
            })
        ));
    }

    #[test]
    fn comments_are_nul_terminated_udata() {
        assert_eq!(
            comment_udata("ab").expect("short"),
            vec![0, 3, b'a', b'b', 0]
        );
    }

    /// Writes the encoded batch of the policy at `SANSO_DUMP_POLICY` to
    /// `SANSO_DUMP_BATCH` (bytes, then one line per message to
    /// `SANSO_DUMP_BATCH.messages`), so that a change of the compile path
    /// can be checked byte for byte against the batch before it:
    /// `SANSO_DUMP_POLICY=p.toml SANSO_DUMP_BATCH=p.batch cargo test
    /// --release -p sanso-nft --lib dump_batch -- --ignored`.
    #[test]
    #[ignore = "a tool: needs SANSO_DUMP_POLICY and SANSO_DUMP_BATCH"]
    fn dump_batch() {
        use std::io::Write as _;
        let policy_path = std::env::var("SANSO_DUMP_POLICY").expect("SANSO_DUMP_POLICY");
        let out = std::env::var("SANSO_DUMP_BATCH").expect("SANSO_DUMP_BATCH");
        let text = std::fs::read_to_string(&policy_path).expect("policy readable");
        let policy = sanso_policy::load_policy(&policy_path, &text).expect("policy valid");
        let ruleset = sanso_ir::lower(&policy, 0);
        let batch = encode(&crate::netlink::objects::build(&ruleset), 1, None).expect("encodes");
        std::fs::write(&out, &batch.bytes).expect("batch written");
        let mut lines = std::io::BufWriter::new(
            std::fs::File::create(format!("{out}.messages")).expect("messages file"),
        );
        for m in &batch.messages {
            writeln!(lines, "{m:?}").expect("messages written");
        }
        writeln!(lines, "elements {}", batch.elements).expect("messages written");
    }
}
