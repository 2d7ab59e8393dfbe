//! IR -> one nftnl netlink batch that replaces `table inet sanso` atomically.
//!
//! [`apply`] builds the whole table (docs/ruleset.md) as one nfnetlink batch
//! (`NFNL_MSG_BATCH_BEGIN` ... `END`): add the table (so that the delete
//! cannot fail when it is absent), delete it, add it with its comment, then
//! every chain, counter and limit, set and map with its elements, and rule.
//! The kernel applies all of it or none of it; other tables are untouched.
//! The kernel answers every message it refuses, and the last message of the
//! batch asks for an ACK, which comes after all refusals (see `encode`);
//! every answer is checked: the first refusal comes back as
//! [`ApplyError::Rejected`] naming the message type, the object and the
//! errno, and a batch whose ACK does not come is [`ApplyError::MissingAnswers`].
//!
//! [`apply_with`] loads the isolation sets with the addresses isolated now;
//! `replace_isolated` (behind [`crate::isolation::set_isolated`]) changes
//! only their elements, in a batch of its own, and `conntrack` deletes the
//! conntrack entries of the connections isolation cuts.
//!
//! Code map: `objects` (pure, in sanso-table) spells the table as kernel
//! objects and expressions, mirroring what nft generates for the text of
//! [`crate::text::render`], and `delta` (pure, in sanso-table) the
//! difference of two tables; `encode` turns those objects into batch bytes with
//! libnftnl; `socket` opens the netlink socket (inside a named network
//! namespace if asked) and exchanges the batch for its ACKs; `read` reads
//! the ruleset generation and the named counters (no batch).
//! Nothing here runs `nft`.

pub(crate) mod conntrack;
mod encode;
#[doc(hidden)]
pub mod fuzzing;
mod read;
mod socket;
pub(crate) mod table;
mod wire;

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sanso_i18n::t;
use sanso_ir::Ruleset;

use crate::isolation::Isolated;
// The table as kernel objects and the difference of two tables: pure, in
// sanso-table.
pub(crate) use sanso_table::{delta, objects};

pub use encode::{Injection, MessageInfo, MessageKind};
pub use read::{generation, named_counters, NamedCounter};

/// What one apply did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedBatch {
    /// Messages in the batch, the two batch markers included.
    pub messages: usize,
    /// Size of the batch in bytes (one `sendmsg`).
    pub bytes: usize,
    /// Set and map elements loaded (as in the IR, before interval encoding).
    pub elements: usize,
    /// Wall time from building the batch to the last ACK.
    pub duration: Duration,
}

/// How an apply changed `table inet sanso`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyMode {
    /// Deleted and added again in one batch: every counter, limit bucket
    /// and meter of the table starts anew.
    Replaced(ReplaceReason),
    /// Changed in place, in one batch: only what differs was deleted or
    /// added; everything else kept its counters, limit buckets and meters.
    InPlace(InPlaceChange),
}

/// Why an [`Applier`] replaced the table instead of changing it in place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplaceReason {
    /// It holds no table it applied and knows unchanged since: its first
    /// apply, or the table was loaded by other means since.
    NoBaseline,
    /// The namespace's ruleset changed since its last apply (by anyone):
    /// what the table holds is not known without reading it.
    GenerationChanged,
    /// The tables differ in what cannot change in place (the table's
    /// comment).
    Layout,
    /// The kernel refused the change in place (none of it was applied):
    /// the message it refused and the error, in English.
    Refused(String),
}

/// What a change in place deleted and added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InPlaceChange {
    /// Set and map elements deleted and added, as the kernel holds them
    /// (an interval of a single-field set is two).
    pub elements_deleted: usize,
    pub elements_added: usize,
    /// Chains deleted and added (a recreated chain counts in both).
    pub chains_deleted: usize,
    pub chains_added: usize,
    /// Chains kept whose rules were all deleted and added again.
    pub chains_refilled: usize,
    /// Named objects (counters, limits) deleted and added.
    pub objects_deleted: usize,
    pub objects_added: usize,
    /// Sets and maps deleted and added.
    pub sets_deleted: usize,
    pub sets_added: usize,
}

impl InPlaceChange {
    fn of(delta: &delta::Delta<'_>) -> Self {
        let (elements_deleted, elements_added) = delta.elements_changed();
        InPlaceChange {
            elements_deleted,
            elements_added,
            chains_deleted: delta.del_chains.len(),
            chains_added: delta.add_chains.len(),
            chains_refilled: delta.add_rules.len() - delta.add_chains.len(),
            objects_deleted: delta.del_objects.len(),
            objects_added: delta.add_objects.len(),
            sets_deleted: delta.del_sets.len(),
            sets_added: delta.add_sets.len(),
        }
    }
}

/// The table an [`Applier`] applied last, as kernel objects, with the
/// ruleset generation its batch left.
struct Baseline {
    objects: objects::TableObjects,
    generation: u32,
}

/// Applies rulesets to `table inet sanso` of one namespace, in place when
/// it can ([`ApplyMode`]). It keeps the kernel objects of the last table it
/// applied, with the ruleset generation right after its batch, when that
/// generation shows that no one else committed a change in between (each
/// commit adds one). A change in place is only tried from there: its batch
/// carries that generation, and the kernel refuses the whole batch
/// (`ERESTART`) if the ruleset changed since, by anyone. Then, or when the
/// kernel refuses the change for any other reason, the table is replaced
/// in a second batch, as [`apply_with`] does.
#[derive(Default)]
pub struct Applier {
    netns: Option<String>,
    baseline: Mutex<Option<Baseline>>,
}

impl std::fmt::Debug for Applier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the baseline's objects: a table of 100,000 flows.
        f.debug_struct("Applier")
            .field("netns", &self.netns)
            .field(
                "baseline_generation",
                &self.lock().as_ref().map(|b| b.generation),
            )
            .finish()
    }
}

impl Applier {
    pub fn new(netns: Option<String>) -> Self {
        Applier {
            netns,
            baseline: Mutex::new(None),
        }
    }

    /// Forgets the last table applied: the table was changed by other
    /// means (a listing loaded, an element update), so the next apply
    /// replaces it.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Baseline>> {
        // A panic while holding it leaves no half-made baseline: the value
        // is replaced whole.
        self.baseline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sets the elements of the isolation sets to `isolated`
    /// ([`crate::isolation::set_isolated`]: an element update of its own,
    /// and the conntrack cuts). The last table applied stays the baseline,
    /// with its isolation sets as they are now, when the update was the
    /// only commit since; otherwise the next apply replaces the table.
    pub fn set_isolated(
        &self,
        isolated: &Isolated,
    ) -> Result<crate::isolation::IsolationChange, ApplyError> {
        let netns = self.netns.as_deref();
        let base = self.lock().take();
        let before = match &base {
            Some(_) => read::generation(netns).ok(),
            None => None,
        };
        let change = crate::isolation::set_isolated(netns, isolated)?;
        if let (Some(mut base), Some(before)) = (base, before) {
            let after = read::generation(netns).ok();
            if before == base.generation && after == Some(next_generation(before)) {
                for set in objects::isolation_sets(isolated) {
                    if let Some(held) = base.objects.sets.iter_mut().find(|s| s.name == set.name) {
                        *held = set;
                    }
                }
                base.generation = next_generation(before);
                *self.lock() = Some(base);
            }
        }
        Ok(change)
    }

    /// Makes `table inet sanso` hold `ruleset` with the isolation sets
    /// holding `isolated`: in place when the last table this applier
    /// applied is known to be there unchanged, else by replacing it.
    pub fn apply(
        &self,
        ruleset: &Ruleset,
        isolated: &Isolated,
    ) -> Result<(AppliedBatch, ApplyMode), ApplyError> {
        let new = objects::build_with(ruleset, isolated);
        let netns = self.netns.as_deref();
        // Taken: whatever happens below, the old baseline is no longer one.
        let base = self.lock().take();
        let reason = match &base {
            None => ReplaceReason::NoBaseline,
            Some(base) => match in_place(base, &new, netns)? {
                Ok((batch, change, generation)) => {
                    if let Some(generation) = generation {
                        *self.lock() = Some(Baseline {
                            objects: new,
                            generation,
                        });
                    }
                    return Ok((batch, ApplyMode::InPlace(change)));
                }
                Err(reason) => reason,
            },
        };
        drop(base);
        let started = Instant::now();
        let socket = socket::NetfilterSocket::open(netns)?;
        let before = read::generation_on(&socket)?;
        let batch = encode::encode(&new, first_seq(), None)?;
        let applied = exchange_checked(&socket, &batch, started)?;
        drop(batch);
        if read::generation_on(&socket)? == next_generation(before) {
            *self.lock() = Some(Baseline {
                generation: next_generation(before),
                objects: new,
            });
        }
        Ok((applied, ApplyMode::Replaced(reason)))
    }
}

/// The generation after `generation`: the kernel adds one at each commit,
/// and skips 0.
fn next_generation(generation: u32) -> u32 {
    match generation.wrapping_add(1) {
        0 => 1,
        next => next,
    }
}

/// A change in place the kernel committed: the batch, what it changed, and
/// the generation it left when no one else committed too.
type InPlaceDone = (AppliedBatch, InPlaceChange, Option<u32>);

/// The change from `base` to `new` in place: the batch, what it changed and
/// the generation it left (`None` when someone else committed too), or why
/// the table must be replaced instead. `Err` only for a failure of the
/// socket or of building the batch.
fn in_place(
    base: &Baseline,
    new: &objects::TableObjects,
    netns: Option<&str>,
) -> Result<Result<InPlaceDone, ReplaceReason>, ApplyError> {
    let started = Instant::now();
    let Ok(delta) = delta::diff(&base.objects, new) else {
        return Ok(Err(ReplaceReason::Layout));
    };
    let change = InPlaceChange::of(&delta);
    let socket = socket::NetfilterSocket::open(netns)?;
    if delta.is_empty() {
        // Nothing to send: the table is the baseline if the ruleset is.
        return Ok(if read::generation_on(&socket)? == base.generation {
            let batch = AppliedBatch {
                messages: 0,
                bytes: 0,
                elements: 0,
                duration: started.elapsed(),
            };
            Ok((batch, change, Some(base.generation)))
        } else {
            Err(ReplaceReason::GenerationChanged)
        });
    }
    let batch = encode::encode_delta(&delta, first_seq(), Some(base.generation))?;
    match exchange_checked(&socket, &batch, started) {
        Ok(applied) => {
            let after = read::generation_on(&socket)?;
            let generation = (after == next_generation(base.generation)).then_some(after);
            Ok(Ok((applied, change, generation)))
        }
        Err(ApplyError::Rejected {
            kind: MessageKind::BatchBegin,
            errno: libc::ERESTART,
            ..
        }) => Ok(Err(ReplaceReason::GenerationChanged)),
        // In words of no language (audit records are read by tools).
        Err(ApplyError::Rejected {
            kind,
            object,
            errno,
            ..
        }) => Ok(Err(ReplaceReason::Refused(format!(
            "{kind} {object:?}: {}",
            io::Error::from_raw_os_error(errno)
        )))),
        Err(err) => Err(err),
    }
}

#[derive(Debug)]
pub enum ApplyError {
    BadNamespaceName(String),
    Namespace {
        name: String,
        source: io::Error,
    },
    Io {
        op: NetlinkOp,
        source: io::Error,
    },
    TooLong {
        what: &'static str,
        text: String,
        max: usize,
    },
    InteriorNul {
        what: &'static str,
        text: String,
    },
    OutOfMemory,
    UnknownSet(String),
    Rejected {
        kind: MessageKind,
        object: String,
        errno: i32,
        /// The kernel's extended-ACK text, if any.
        message: Option<String>,
        /// How many other messages of the batch were refused too.
        other_refusals: usize,
        source: io::Error,
    },
    MissingAnswers {
        expected: usize,
        got: usize,
    },
}

impl std::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            ApplyError::BadNamespaceName(name) => {
                t!("nft-bad-namespace-name", name = format!("{name:?}"))
            }
            ApplyError::Namespace { name, .. } => {
                t!("nft-cannot-enter-namespace", name = format!("{name:?}"))
            }
            ApplyError::Io { op, .. } => t!("nft-netlink-cannot", op = op.to_string()),
            ApplyError::TooLong { what, text, max } => t!(
                "nft-too-long",
                what = what_text(what),
                text = format!("{text:?}"),
                max = *max
            ),
            ApplyError::InteriorNul { what, text } => t!(
                "nft-interior-nul",
                what = what_text(what),
                text = format!("{text:?}")
            ),
            ApplyError::OutOfMemory => t!("nft-out-of-memory"),
            ApplyError::UnknownSet(set) => t!("nft-unknown-set", set = format!("{set:?}")),
            ApplyError::Rejected {
                kind,
                object,
                errno,
                message,
                ..
            } => match message {
                Some(message) => t!(
                    "nft-kernel-refused-said",
                    kind = kind.to_string(),
                    object = format!("{object:?}"),
                    errno = errno.to_string(),
                    message = message.as_str()
                ),
                None => t!(
                    "nft-kernel-refused",
                    kind = kind.to_string(),
                    object = format!("{object:?}"),
                    errno = errno.to_string()
                ),
            },
            ApplyError::MissingAnswers { expected, got } => {
                t!("nft-missing-answers", got = *got, expected = *expected)
            }
        };
        f.write_str(&text)
    }
}

impl std::error::Error for ApplyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApplyError::Namespace { source, .. }
            | ApplyError::Io { source, .. }
            | ApplyError::Rejected { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// What a name or comment too long for the kernel is, in words.
fn what_text(what: &str) -> String {
    match what {
        "name" => t!("nft-what-name"),
        "comment" => t!("nft-what-comment"),
        "log prefix" => t!("nft-what-log-prefix"),
        other => other.to_owned(),
    }
}

/// What a netlink exchange was doing when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetlinkOp {
    OpenSocket,
    BindSocket,
    /// Set a socket option (its name).
    SetOption(&'static str),
    SizeSendBuffer,
    SizeReceiveBuffer,
    SendBatch,
    WaitForAnswers,
    ReceiveAnswers,
    SpawnHelper,
    JoinHelper,
    DumpConntrack,
    DeleteConntrack,
    ListAddresses,
    ReadGeneration,
    DumpCounters,
    /// Read `table inet sanso` back (its chains, rules, objects, sets and
    /// elements).
    ReadTable,
}

impl std::fmt::Display for NetlinkOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            NetlinkOp::OpenSocket => t!("nft-op-open-socket"),
            NetlinkOp::BindSocket => t!("nft-op-bind-socket"),
            NetlinkOp::SetOption(option) => t!("nft-op-set-option", option = *option),
            NetlinkOp::SizeSendBuffer => t!("nft-op-size-send-buffer"),
            NetlinkOp::SizeReceiveBuffer => t!("nft-op-size-receive-buffer"),
            NetlinkOp::SendBatch => t!("nft-op-send-batch"),
            NetlinkOp::WaitForAnswers => t!("nft-op-wait-for-answers"),
            NetlinkOp::ReceiveAnswers => t!("nft-op-receive-answers"),
            NetlinkOp::SpawnHelper => t!("nft-op-spawn-helper"),
            NetlinkOp::JoinHelper => t!("nft-op-join-helper"),
            NetlinkOp::DumpConntrack => t!("nft-op-dump-conntrack"),
            NetlinkOp::DeleteConntrack => t!("nft-op-delete-conntrack"),
            NetlinkOp::ListAddresses => t!("nft-op-list-addresses"),
            NetlinkOp::ReadGeneration => t!("nft-op-read-generation"),
            NetlinkOp::DumpCounters => t!("nft-op-dump-counters"),
            NetlinkOp::ReadTable => t!("nft-op-read-table"),
        })
    }
}

/// Replaces `table inet sanso` with the compiled `ruleset`, atomically,
/// with nothing isolated.
///
/// With `netns = Some(name)` the netlink socket is opened inside
/// `/var/run/netns/<name>` by a helper thread; the calling thread never
/// changes namespace. Needs `CAP_NET_ADMIN` in that namespace.
pub fn apply(ruleset: &Ruleset, netns: Option<&str>) -> Result<AppliedBatch, ApplyError> {
    apply_batch(&objects::build(ruleset), netns, None)
}

/// [`apply`] with the isolation sets holding `isolated`, in the same batch:
/// a reload or a restore keeps what is isolated, with no instant in which
/// it is not.
pub fn apply_with(
    ruleset: &Ruleset,
    isolated: &Isolated,
    netns: Option<&str>,
) -> Result<AppliedBatch, ApplyError> {
    apply_batch(&objects::build_with(ruleset, isolated), netns, None)
}

/// [`apply`] with a fault appended to the batch, to test atomicity: the
/// batch must fail as a whole and leave the previous table in place.
#[doc(hidden)]
pub fn apply_injecting(
    ruleset: &Ruleset,
    netns: Option<&str>,
    injection: Injection,
) -> Result<AppliedBatch, ApplyError> {
    apply_batch(&objects::build(ruleset), netns, Some(injection))
}

/// The messages of the batch [`apply`] would send, without sending it.
pub fn batch_messages(ruleset: &Ruleset) -> Result<Vec<MessageInfo>, ApplyError> {
    Ok(encode::encode(&objects::build(ruleset), 1, None)?.messages)
}

/// [`apply`] of a ruleset already built as kernel objects (the caller checks the table
/// against the same objects afterwards).
pub(crate) fn apply_objects(
    table: &objects::TableObjects,
    netns: Option<&str>,
) -> Result<AppliedBatch, ApplyError> {
    apply_batch(table, netns, None)
}

fn apply_batch(
    table: &objects::TableObjects,
    netns: Option<&str>,
    injection: Option<Injection>,
) -> Result<AppliedBatch, ApplyError> {
    let started = Instant::now();
    let socket = socket::NetfilterSocket::open(netns)?;
    let batch = encode::encode(table, first_seq(), injection)?;
    exchange_checked(&socket, &batch, started)
}

/// Replaces the elements of the isolation sets of the table in `netns` with
/// `isolated`, in one batch: flush both, then add (see
/// [`crate::isolation::set_isolated`]).
pub(crate) fn replace_isolated(
    isolated: &Isolated,
    netns: Option<&str>,
) -> Result<AppliedBatch, ApplyError> {
    let started = Instant::now();
    let socket = socket::NetfilterSocket::open(netns)?;
    let batch = encode::encode_element_update(&objects::isolation_sets(isolated), first_seq())?;
    exchange_checked(&socket, &batch, started)
}

/// The first sequence number of a batch: the time in seconds, so that
/// answers of an earlier batch are never taken for this one's.
fn first_seq() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs() as u32)
}

/// Sends `batch`, checks every answer, and reports it.
fn exchange_checked(
    socket: &socket::NetfilterSocket,
    batch: &encode::Batch,
    started: Instant,
) -> Result<AppliedBatch, ApplyError> {
    let answers = socket.exchange(batch)?;
    check_answers(&batch.messages, &answers)?;
    Ok(AppliedBatch {
        messages: batch.messages.len(),
        bytes: batch.bytes.len(),
        elements: batch.elements,
        duration: started.elapsed(),
    })
}

/// Every acked message must have an answer, and every answer must be 0.
fn check_answers(messages: &[MessageInfo], answers: &[socket::Answer]) -> Result<(), ApplyError> {
    let mut refusals = answers.iter().filter(|a| a.errno != 0);
    if let Some(first) = refusals.next() {
        let (kind, object) = match socket::message_of(messages, first.seq) {
            Some(m) => (m.kind, m.object.clone()),
            // An answer to no message of ours is about the batch as a whole.
            None => (MessageKind::BatchBegin, String::new()),
        };
        return Err(ApplyError::Rejected {
            kind,
            object,
            errno: first.errno,
            message: first.message.clone(),
            other_refusals: refusals.count(),
            source: io::Error::from_raw_os_error(first.errno),
        });
    }
    let expected = messages.iter().filter(|m| m.acked).count();
    let mut answered: Vec<u32> = answers.iter().map(|a| a.seq).collect();
    answered.sort_unstable();
    answered.dedup();
    let got = messages
        .iter()
        .filter(|m| m.acked && answered.binary_search(&m.seq).is_ok())
        .count();
    if got != expected {
        return Err(ApplyError::MissingAnswers { expected, got });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(seq: u32, kind: MessageKind, acked: bool) -> MessageInfo {
        MessageInfo {
            seq,
            kind,
            object: format!("o{seq}"),
            acked,
        }
    }

    fn answer(seq: u32, errno: i32) -> socket::Answer {
        socket::Answer {
            seq,
            errno,
            message: None,
        }
    }

    #[test]
    fn every_acked_message_needs_a_zero_answer() {
        let messages = vec![
            msg(10, MessageKind::BatchBegin, false),
            msg(11, MessageKind::NewTable, true),
            msg(12, MessageKind::NewRule, true),
            msg(13, MessageKind::BatchEnd, false),
        ];
        assert!(check_answers(&messages, &[answer(11, 0), answer(12, 0)]).is_ok());
        let missing = check_answers(&messages, &[answer(11, 0)]);
        assert!(
            matches!(
                missing,
                Err(ApplyError::MissingAnswers {
                    expected: 2,
                    got: 1
                })
            ),
            "{missing:?}"
        );
        let refused = check_answers(&messages, &[answer(11, 0), answer(12, libc::ENOENT)]);
        match refused {
            Err(ApplyError::Rejected {
                kind,
                object,
                errno,
                other_refusals,
                ..
            }) => {
                assert_eq!(
                    (kind, object.as_str(), errno, other_refusals),
                    (MessageKind::NewRule, "o12", libc::ENOENT, 0)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_acks_and_extended_messages() {
        // NLMSG_ERROR, errno -2, capped request header with seq 7, one
        // NLMSGERR_ATTR_MSG TLV "no chain".
        let mut m = Vec::new();
        let tlv_text = b"no chain\0";
        let tlv_len = 4 + tlv_text.len();
        let total = 16 + 4 + 16 + tlv_len.div_ceil(4) * 4;
        m.extend_from_slice(&(total as u32).to_ne_bytes());
        m.extend_from_slice(&2u16.to_ne_bytes());
        m.extend_from_slice(&0x300u16.to_ne_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&(-2i32).to_ne_bytes());
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&7u32.to_ne_bytes());
        m.extend_from_slice(&[0; 4]);
        m.extend_from_slice(&(tlv_len as u16).to_ne_bytes());
        m.extend_from_slice(&1u16.to_ne_bytes());
        m.extend_from_slice(tlv_text);
        m.resize(total, 0);
        let answers = socket::parse_answers(&m);
        assert_eq!(
            answers,
            vec![socket::Answer {
                seq: 7,
                errno: 2,
                message: Some("no chain".into())
            }]
        );
    }
}
