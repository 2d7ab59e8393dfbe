//! The audit log: append-only JSON lines (`audit.jsonl`), one record per
//! event, each chained to the one before it by a SHA-256 hash; its head
//! file (`audit.head`), which anchors the end of the chain; the chain check
//! behind `sanso audit verify`; and the recovery the daemon runs at start.
//!
//! A record is a JSON object with `seq`, `time`, `event`, `uid`, `policy`,
//! `detail`, `prev` and `hash`. `hash` is the lowercase hex SHA-256 of `prev`
//! (the previous record's hash, [`GENESIS`] for the first record) followed by
//! the record's canonical JSON without `hash` (object keys sorted, no
//! whitespace). Changing a record breaks its own hash; removing or reordering
//! records breaks the `prev` link (and the `seq` count) of the next one.
//!
//! Records are strict: a line must be exactly the canonical JSON that
//! [`AuditLog::append`] writes (keys sorted, no whitespace, the escapes
//! serde_json writes) followed by a newline. A duplicate key at any depth,
//! any other spelling of the same content, and a last line without its
//! newline are breaks. So one content has one byte form, and no reader can
//! be shown another value than the hash covers.
//!
//! A chain alone cannot tell that records were removed at its end, or that
//! it was rewritten from the start: a shorter or a new chain is as valid.
//! The head file anchors it. After every append the log's head, the record
//! count and the last record's hash, is written to `audit.head` beside the
//! log (see [`head_path`]) as one line of JSON, `{"count":12,"hash":"…"}`,
//! durably (a temporary file, fsync, rename, fsync of the directory). The
//! daemon also logs the head with every record, as `count:hash` (the
//! [`Head`] display form), so a copy lives off the gateway; `sanso audit
//! verify --head` checks a log against such a copy.
//!
//! Every record is written with one `write` on an `O_APPEND` file and
//! `fsync`ed before the call returns. A write that fails (a full disk) is
//! undone: the file is cut back to its previous length, so no partial
//! record stays behind. A record torn anyway (kill -9 in the middle of the
//! write, power loss) is the last line; [`AuditLog::open_recovering`] moves
//! it aside and the chain goes on, on record (see [`Recovery`]).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use sanso_i18n::{t_in, Lang};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::durable::sync_dir;

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// The daemon started (before its first apply).
    Start,
    /// A kernel change is about to be made: written and fsynced before
    /// every change of the table. Detail: the action, its trigger and what
    /// is to be loaded. The record after it says how it went (`apply`,
    /// `reload`, `apply-failed`, `rollback`, …); a log that ends with an
    /// intent was cut between the change and its outcome.
    Intent,
    /// At start, an intent without an outcome (the last record of the log)
    /// was checked against the live table; detail says what was found.
    Reconcile,
    /// At start, the audit log was not as its head file says, or its last
    /// record was torn, or its chain was broken: what was found and what
    /// was done ([`Recovery::detail`]). Always the first record the daemon
    /// writes after such a start.
    AuditRecovery,
    /// A policy was applied to the kernel (start, reload, `apply`).
    Apply,
    /// A reload was requested (SIGHUP, file change, `sanso reload`) and applied.
    Reload,
    /// A policy failed to load or compile; the running ruleset was kept.
    Refused,
    /// A compiled policy failed to reach the kernel; the running ruleset was kept.
    ApplyFailed,
    /// A table read back otherwise than it was loaded (an install's compiled
    /// shape, or a rollback's restored table); what ran before was put back
    /// (detail `kernel_now` says what the kernel holds).
    VerifyFailed,
    /// `sanso apply --confirm`: applied, awaiting `sanso confirm`.
    ConfirmPending,
    /// `sanso confirm` arrived in time.
    Confirm,
    /// An unconfirmed apply was reverted.
    Rollback,
    /// The live table differs from the one sanso applied.
    Drift,
    /// A flow reached its `until`; the ruleset was recompiled without it.
    Expiry,
    /// A neighbour was seen that the policy does not account for.
    Host,
    /// The daemon stopped (SIGTERM, SIGINT); the ruleset stays in the kernel.
    Stop,
    /// `sanso isolate`: targets cut off at once (detail: the entries, the
    /// time the element update took, the connections cut); also, at start,
    /// isolation recovered from the kernel.
    Isolate,
    /// `sanso release`, or an isolation's `--for` elapsed.
    Release,
    /// HA: the peer has enforced another policy than this node for longer
    /// than one check interval (detail: the peer, both revisions and hashes).
    HaMismatch,
}

/// The policy a record is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    pub name: String,
    pub revision: Option<String>,
    pub content_hash: String,
}

/// One event, as the daemon reports it; [`AuditLog::append`] adds `seq`,
/// `time`, `prev` and `hash`.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub event: EventKind,
    /// The uid of the requesting process (control socket peer); the daemon's
    /// own uid for signals, timers and watches.
    pub uid: u32,
    pub policy: Option<PolicyRef>,
    /// Event-specific fields (a JSON object).
    pub detail: Value,
}

/// The head of a chain: how many records it has and the last one's hash
/// ([`GENESIS`] for none). Displayed (and parsed) as `count:hash`, the form
/// the daemon logs and `sanso audit verify --head` takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Head {
    pub count: u64,
    pub hash: String,
}

impl Head {
    /// The head of an empty log.
    pub fn empty() -> Self {
        Head {
            count: 0,
            hash: GENESIS.to_owned(),
        }
    }
}

impl fmt::Display for Head {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.count, self.hash)
    }
}

/// A head someone kept: a record's hash, with the record count when known
/// (`hash` or `count:hash`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub count: Option<u64>,
    pub hash: String,
}

impl From<Head> for Anchor {
    fn from(head: Head) -> Self {
        Anchor {
            count: Some(head.count),
            hash: head.hash,
        }
    }
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.count {
            Some(count) => write!(f, "{count}:{}", self.hash),
            None => f.write_str(&self.hash),
        }
    }
}

/// Why a text is not an [`Anchor`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct BadAnchor;

impl fmt::Display for BadAnchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sanso_i18n::t!("daemon-audit-bad-anchor"))
    }
}

impl FromStr for Anchor {
    type Err = BadAnchor;

    fn from_str(text: &str) -> Result<Self, BadAnchor> {
        let text = text.trim();
        let (count, hash) = match text.split_once(':') {
            Some((count, hash)) => (Some(count.parse().map_err(|_| BadAnchor)?), hash),
            None => (None, text),
        };
        if !is_hash(hash) {
            return Err(BadAnchor);
        }
        Ok(Anchor {
            count,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The head file of the log at `log`: beside it, with the extension
/// `.head` instead of the log's (`audit.jsonl` -> `audit.head`).
pub fn head_path(log: &Path) -> PathBuf {
    log.with_extension("head")
}

/// Reads a head file: `Ok(None)` when there is none.
pub fn read_head(path: &Path) -> Result<Option<Head>, HeadFileError> {
    match std::fs::read(path) {
        Ok(bytes) => parse_head(bytes).map(Some),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(HeadFileError::Read(source)),
    }
}

/// The head in the bytes of a head file.
pub fn parse_head(bytes: Vec<u8>) -> Result<Head, HeadFileError> {
    let text = String::from_utf8(bytes).map_err(|_| HeadFileError::Malformed)?;
    let Some(line) = text.strip_suffix('\n') else {
        return Err(HeadFileError::Malformed);
    };
    let Ok(Value::Object(map)) = parse_strict(line) else {
        return Err(HeadFileError::Malformed);
    };
    match (map.get("count").and_then(Value::as_u64), map.get("hash")) {
        (Some(count), Some(Value::String(hash))) if is_hash(hash) => Ok(Head {
            count,
            hash: hash.clone(),
        }),
        _ => Err(HeadFileError::Malformed),
    }
}

/// Why a head file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum HeadFileError {
    Read(#[source] std::io::Error),
    Malformed,
}

impl HeadFileError {
    /// The message in `lang` (without its cause).
    pub fn text_in(&self, lang: Lang) -> String {
        match self {
            HeadFileError::Read(_) => t_in!(lang, "daemon-audit-head-file-read"),
            HeadFileError::Malformed => t_in!(lang, "daemon-audit-head-file-malformed"),
        }
    }
}

impl fmt::Display for HeadFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// Writes `head` to `path` durably ([`crate::durable::write`]).
fn write_head(path: &Path, head: &Head) -> std::io::Result<()> {
    let mut line = canonical_json(&serde_json::json!({ "count": head.count, "hash": head.hash }));
    line.push('\n');
    crate::durable::write(path, &line)
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The record is not in the log: a partial write was cut off again.
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The record is in the log (fsynced) and the chain goes on from it,
    /// but the head file still names the record before it. The next
    /// append that succeeds brings it up to date; a restart before that
    /// finds the log one record past its head ([`Recovery::HeadMismatch`]).
    HeadWrite {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: BreakReason,
    },
    HeadMismatch {
        path: PathBuf,
        expected: Box<Head>,
        found: Box<Head>,
        check: HeadCheck,
    },
    HeadMissing {
        path: PathBuf,
        found: Box<Head>,
        problem: String,
    },
    Recover {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AuditError {
    /// The message in `lang` (without its causes).
    pub fn text_in(&self, lang: Lang) -> String {
        let shown = |p: &Path| p.display().to_string();
        match self {
            AuditError::Open { path, .. } => t_in!(lang, "daemon-audit-open", path = shown(path)),
            AuditError::Write { path, .. } => t_in!(lang, "daemon-audit-write", path = shown(path)),
            AuditError::HeadWrite { path, .. } => {
                t_in!(lang, "daemon-audit-head-write", path = shown(path))
            }
            AuditError::Corrupt { path, line, reason } => t_in!(
                lang,
                "daemon-audit-corrupt",
                path = shown(path),
                line = line,
                reason = reason.text_in(lang)
            ),
            AuditError::HeadMismatch {
                path,
                expected,
                found,
                check,
            } => t_in!(
                lang,
                "daemon-audit-head-mismatch",
                path = shown(path),
                head_file = shown(&head_path(path)),
                explained = check.explain_in(lang, expected, found)
            ),
            AuditError::HeadMissing {
                path,
                found,
                problem,
            } => t_in!(
                lang,
                "daemon-audit-head-missing",
                path = shown(path),
                count = found.count,
                head_file = shown(&head_path(path)),
                problem = problem
            ),
            AuditError::Recover { path, .. } => {
                t_in!(lang, "daemon-audit-recover", path = shown(path))
            }
        }
    }
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// What [`AuditLog::open_recovering`] found and did. The daemon appends
/// each as an [`EventKind::AuditRecovery`] record ([`Recovery::entry`]),
/// before any other record, so the chain itself says where it was cut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "recovery", rename_all = "kebab-case")]
pub enum Recovery {
    /// The last line was not a complete record (no final newline, or not
    /// JSON): a write torn by kill -9, a crash or a full disk. Its bytes
    /// were moved to `moved_to` and the log cut back to the record before
    /// it (`kept`), durably; the chain goes on from there.
    TornTail {
        line: usize,
        bytes: u64,
        moved_to: String,
        kept: Head,
    },
    /// The log (intact in itself) is not what its head file says: records
    /// were removed at the end, the log was replaced or emptied, or it goes
    /// on past the head (records appended behind the daemon's back, or a
    /// crash between a record and its head). The chain goes on from
    /// `found`; this record carries `expected`.
    HeadMismatch {
        head_file: String,
        expected: Head,
        found: Head,
        check: HeadCheck,
    },
    /// The log has records but its head file is missing or unreadable (an
    /// upgrade from a version without one, or removed): the log was checked
    /// for internal consistency only. The chain goes on from `found`.
    HeadMissing {
        head_file: String,
        problem: String,
        found: Head,
    },
    /// The chain is broken before its last line (tampering, or damage): the
    /// old log was renamed to `moved_to`, kept as evidence, and a new log
    /// started from [`GENESIS`]. `valid` is the intact part before the
    /// break; `expected` what the head file said (if there was one).
    BrokenChain {
        line: usize,
        reason: BreakReason,
        moved_to: String,
        valid: Head,
        expected: Option<Head>,
    },
}

impl Recovery {
    /// A short name for metrics and logs: `torn-tail`, `head-mismatch`,
    /// `head-missing`, `broken-chain`.
    pub fn kind(&self) -> &'static str {
        match self {
            Recovery::TornTail { .. } => "torn-tail",
            Recovery::HeadMismatch { .. } => "head-mismatch",
            Recovery::HeadMissing { .. } => "head-missing",
            Recovery::BrokenChain { .. } => "broken-chain",
        }
    }

    /// The detail of its [`EventKind::AuditRecovery`] record: the fields
    /// above, `recovery` (the [`Recovery::kind`]) and `message` (the
    /// display text).
    pub fn detail(&self) -> Value {
        let mut detail = serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}));
        if let Value::Object(map) = &mut detail {
            map.insert("message".into(), Value::from(self.text_in(Lang::En)));
        }
        detail
    }

    /// The record to append for it.
    pub fn entry(&self, uid: u32) -> Entry {
        Entry {
            event: EventKind::AuditRecovery,
            uid,
            policy: None,
            detail: self.detail(),
        }
    }
}

impl Recovery {
    /// What was found and done, in `lang` (the record's `message` is in
    /// English: records are data).
    pub fn text_in(&self, lang: Lang) -> String {
        match self {
            Recovery::TornTail {
                line,
                bytes,
                moved_to,
                kept,
            } => t_in!(
                lang,
                "daemon-audit-recovery-torn-tail",
                line = line,
                bytes = bytes,
                moved_to = moved_to,
                count = kept.count,
                kept = kept.to_string()
            ),
            Recovery::HeadMismatch {
                head_file,
                expected,
                found,
                check,
            } => t_in!(
                lang,
                "daemon-audit-recovery-head-mismatch",
                head_file = head_file,
                explained = check.explain_in(lang, expected, found),
                found = found.to_string()
            ),
            Recovery::HeadMissing {
                head_file,
                problem,
                found,
            } => t_in!(
                lang,
                "daemon-audit-recovery-head-missing",
                head_file = head_file,
                problem = problem,
                count = found.count,
                found = found.to_string()
            ),
            Recovery::BrokenChain {
                line,
                reason,
                moved_to,
                valid,
                expected,
            } => {
                let text = t_in!(
                    lang,
                    "daemon-audit-recovery-broken-chain",
                    line = line,
                    reason = reason.text_in(lang),
                    moved_to = moved_to,
                    count = valid.count,
                    valid = valid.to_string()
                );
                let head = match expected {
                    Some(head) => t_in!(
                        lang,
                        "daemon-audit-recovery-head-said",
                        head = head.to_string()
                    ),
                    None => t_in!(lang, "daemon-audit-recovery-no-head-file"),
                };
                format!("{text}{head}")
            }
        }
    }
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// An open audit log, positioned after its last record.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    head_path: PathBuf,
    file: File,
    /// Records in the log.
    count: u64,
    head: String,
    /// The length of the log up to its last complete record.
    len: u64,
    /// A failed write left bytes past `len` that could not be cut off yet.
    dirty: bool,
    last: Option<Value>,
}

/// What the log and its head file hold, before anything is done about it.
struct Inspection {
    file: File,
    walk: Walk,
    head_file: Result<Option<Head>, HeadFileError>,
}

impl AuditLog {
    /// Opens (creating, mode 0600) the log at `path`, checks its chain
    /// and checks it against its head file, so new records continue it.
    /// Strict: a broken chain (a torn last record included), a head file
    /// that does not match, and a log with records but no usable head file
    /// are errors. The daemon uses [`AuditLog::open_recovering`].
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let Inspection {
            file,
            walk,
            head_file,
        } = inspect(path)?;
        if let Some(broken) = walk.broken {
            return Err(AuditError::Corrupt {
                path: path.to_owned(),
                line: broken.at.line,
                reason: broken.at.reason,
            });
        }
        match check_head(&walk, head_file) {
            None => {}
            Some(HeadProblem::Mismatch { expected, check }) => {
                return Err(AuditError::HeadMismatch {
                    path: path.to_owned(),
                    expected: Box::new(expected),
                    found: Box::new(walk.head()),
                    check,
                })
            }
            Some(HeadProblem::Missing(problem)) => {
                return Err(AuditError::HeadMissing {
                    path: path.to_owned(),
                    found: Box::new(walk.head()),
                    problem,
                })
            }
        }
        Ok(AuditLog::at(path, file, walk))
    }

    /// Opens (creating, mode 0600) the log at `path` as the daemon does at
    /// start: whatever it finds, it gets a log to go on with, and says what
    /// it found. A torn last record is moved aside and cut off; a broken
    /// chain is renamed aside and a new log started; a log that does not
    /// match its head file is kept as it is. The caller must append
    /// [`Recovery::entry`] for each, before any other record.
    ///
    /// The head file is left as it was until that append rewrites it, so a
    /// crash in between finds the same (or, after a broken chain, an empty
    /// log where the head file says records were) again.
    pub fn open_recovering(path: &Path) -> Result<(Self, Vec<Recovery>), AuditError> {
        let Inspection {
            mut file,
            mut walk,
            head_file,
        } = inspect(path)?;
        let recover_err = |source| AuditError::Recover {
            path: path.to_owned(),
            source,
        };
        let mut recoveries = Vec::new();
        if let Some(broken) = walk.broken.take() {
            if broken.torn {
                let moved_to = aside(path, "torn");
                let bytes = move_tail(&mut file, walk.len, &moved_to).map_err(recover_err)?;
                recoveries.push(Recovery::TornTail {
                    line: broken.at.line,
                    bytes,
                    moved_to: moved_to.display().to_string(),
                    kept: walk.head(),
                });
            } else {
                let moved_to = aside(path, "broken");
                std::fs::rename(path, &moved_to)
                    .and_then(|()| sync_dir(path))
                    .map_err(recover_err)?;
                let fresh = inspect(path)?;
                recoveries.push(Recovery::BrokenChain {
                    line: broken.at.line,
                    reason: broken.at.reason,
                    moved_to: moved_to.display().to_string(),
                    valid: walk.head(),
                    expected: head_file.ok().flatten(),
                });
                return Ok((AuditLog::at(path, fresh.file, fresh.walk), recoveries));
            }
        }
        let head_file_name = head_path(path).display().to_string();
        match check_head(&walk, head_file) {
            None => {}
            Some(HeadProblem::Mismatch { expected, check }) => {
                recoveries.push(Recovery::HeadMismatch {
                    head_file: head_file_name,
                    expected,
                    found: walk.head(),
                    check,
                })
            }
            Some(HeadProblem::Missing(problem)) => recoveries.push(Recovery::HeadMissing {
                head_file: head_file_name,
                problem,
                found: walk.head(),
            }),
        }
        Ok((AuditLog::at(path, file, walk), recoveries))
    }

    fn at(path: &Path, file: File, walk: Walk) -> Self {
        AuditLog {
            path: path.to_owned(),
            head_path: head_path(path),
            file,
            count: walk.count,
            head: walk.hash,
            len: walk.len,
            dirty: false,
            last: walk.last,
        }
    }

    /// The hash of the last record ([`GENESIS`] when empty).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// The record count and the hash of the last record.
    pub fn anchor(&self) -> Head {
        Head {
            count: self.count,
            hash: self.head.clone(),
        }
    }

    /// The last record, as read at open or as last appended (`None` for an
    /// empty log).
    pub fn last_record(&self) -> Option<Value> {
        self.last.clone()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head file beside the log.
    pub fn head_path(&self) -> &Path {
        &self.head_path
    }

    /// Appends one record and fsyncs it, then writes the head file.
    /// Returns the new head (display it as `count:hash`).
    ///
    /// A failed write leaves no partial record: the file is cut back to its
    /// previous length and the error returned; the head file is untouched.
    /// See [`AuditError::HeadWrite`] for a record written whose head is not.
    pub fn append(&mut self, entry: &Entry) -> Result<Head, AuditError> {
        if self.dirty {
            if let Err(source) = self.cut_back() {
                return Err(AuditError::Write {
                    path: self.path.clone(),
                    source,
                });
            }
        }
        let time = jiff::Timestamp::now().to_string();
        let seq = self.count + 1;
        let (line, hash, record) = seal(seq, &time, entry, &self.head);
        let written = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            if self.cut_back().is_err() {
                self.dirty = true;
            }
            return Err(AuditError::Write {
                path: self.path.clone(),
                source,
            });
        }
        self.count = seq;
        self.head = hash;
        self.len += line.len() as u64;
        self.last = Some(record);
        let head = self.anchor();
        write_head(&self.head_path, &head).map_err(|source| AuditError::HeadWrite {
            path: self.head_path.clone(),
            source,
        })?;
        Ok(head)
    }

    /// Cuts the file back to its last complete record, durably.
    fn cut_back(&mut self) -> std::io::Result<()> {
        self.file.set_len(self.len)?;
        self.file.sync_all()?;
        self.dirty = false;
        Ok(())
    }
}

/// Opens (creating) the log and its head file and reads both.
fn inspect(path: &Path) -> Result<Inspection, AuditError> {
    let open_err = |source| AuditError::Open {
        path: path.to_owned(),
        source,
    };
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .mode(0o600)
        .open(path)
        .map_err(open_err)?;
    // Make the file's creation durable too.
    let _ = sync_dir(path);
    let head_file = read_head(&head_path(path));
    let watch = match &head_file {
        Ok(Some(head)) => vec![head.hash.as_str()],
        _ => vec![GENESIS],
    };
    let walk = walk(BufReader::new(&file), &watch).map_err(open_err)?;
    Ok(Inspection {
        file,
        walk,
        head_file,
    })
}

/// What is wrong between an intact log and its head file.
enum HeadProblem {
    Mismatch {
        expected: Head,
        check: HeadCheck,
    },
    /// The log has records, or the head file is there but unreadable.
    Missing(String),
}

fn check_head(walk: &Walk, head_file: Result<Option<Head>, HeadFileError>) -> Option<HeadProblem> {
    match head_file {
        Ok(Some(expected)) => {
            // `inspect` watched for the head file's hash first.
            let check = HeadCheck::of(&Anchor::from(expected.clone()), walk.found[0], walk.count);
            (check != HeadCheck::Matches).then_some(HeadProblem::Mismatch { expected, check })
        }
        Ok(None) if walk.count == 0 => None,
        Ok(None) => Some(HeadProblem::Missing("missing".into())),
        // The problem goes into the recovery record: in English.
        Err(err) => Some(HeadProblem::Missing(error_chain(&err))),
    }
}

fn error_chain(err: &HeadFileError) -> String {
    let mut text = err.text_in(Lang::En);
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A name beside `path` that does not exist yet:
/// `<name>.<what>-<UTC time>` (`audit.jsonl.torn-20261130T112954Z`), with
/// `-2`, `-3`, … appended when taken.
fn aside(path: &Path, what: &str) -> PathBuf {
    let time = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut base = path.as_os_str().to_owned();
    base.push(format!(".{what}-{time}"));
    let mut candidate = PathBuf::from(&base);
    let mut n = 2;
    while candidate.symlink_metadata().is_ok() {
        let mut next = base.clone();
        next.push(format!("-{n}"));
        candidate = PathBuf::from(next);
        n += 1;
    }
    candidate
}

/// Copies the bytes of `file` from `from` on to a new file `to` (mode
/// 0600, fsynced), then cuts `file` to `from` (fsynced) and syncs the
/// directory. Returns how many bytes were moved.
fn move_tail(file: &mut File, from: u64, to: &Path) -> std::io::Result<u64> {
    use std::io::{Seek, SeekFrom};
    let mut tail = Vec::new();
    file.seek(SeekFrom::Start(from))?;
    file.read_to_end(&mut tail)?;
    let mut side = OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(to)?;
    side.write_all(&tail)?;
    side.sync_all()?;
    file.set_len(from)?;
    file.sync_all()?;
    sync_dir(to)?;
    Ok(tail.len() as u64)
}

/// Builds the line (with its trailing newline), the hash and the record
/// (with its hash) of record `seq`.
fn seal(seq: u64, time: &str, entry: &Entry, prev: &str) -> (String, String, Value) {
    let policy = entry.policy.as_ref().map_or(Value::Null, |p| {
        serde_json::to_value(p).unwrap_or(Value::Null)
    });
    let mut record = serde_json::Map::new();
    record.insert("seq".into(), Value::from(seq));
    record.insert("time".into(), Value::from(time));
    record.insert(
        "event".into(),
        serde_json::to_value(entry.event).unwrap_or(Value::Null),
    );
    record.insert("uid".into(), Value::from(entry.uid));
    record.insert("policy".into(), policy);
    record.insert("detail".into(), entry.detail.clone());
    record.insert("prev".into(), Value::from(prev));
    let record = Value::Object(record);
    let hash = chain_hash(prev, &record);
    let mut with_hash = record;
    if let Value::Object(map) = &mut with_hash {
        map.insert("hash".into(), Value::from(hash.clone()));
    }
    let mut line = canonical_json(&with_hash);
    line.push('\n');
    (line, hash, with_hash)
}

/// SHA-256 over `prev` and the canonical JSON of `record` (without `hash`).
fn chain_hash(prev: &str, record: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev.as_bytes());
    hasher.update(canonical_json(record).as_bytes());
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// JSON with object keys sorted and no whitespace, independent of how
/// serde_json's map is configured.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                write_canonical(&map[key.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Why a line is not a record, before its chain is looked at.
enum LineProblem {
    NotJson,
    DuplicateKey(String),
}

/// Parses one line (without its newline) as strict JSON: no duplicate key
/// at any depth (serde_json's `Value` would keep the last one silently).
fn parse_strict(text: &str) -> Result<Value, LineProblem> {
    let parsed: StrictValue = serde_json::from_str(text).map_err(|_| LineProblem::NotJson)?;
    match parsed.duplicate {
        Some(key) => Err(LineProblem::DuplicateKey(key)),
        None => Ok(parsed.value),
    }
}

/// A JSON value and the path of its first duplicate key, if any.
struct StrictValue {
    value: Value,
    duplicate: Option<String>,
}

impl StrictValue {
    fn plain(value: Value) -> Self {
        StrictValue {
            value,
            duplicate: None,
        }
    }
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

/// A key as it appears in a path: escaped (no control characters reach a
/// log line) and at most 64 characters.
fn path_key(key: &str) -> String {
    let mut out: String = key.escape_debug().take(64).collect();
    if key.escape_debug().nth(64).is_some() {
        out.push('…');
    }
    out
}

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue::plain(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue::plain(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue::plain(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictValue, E> {
        Ok(StrictValue::plain(Value::from(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue::plain(Value::from(v)))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue::plain(Value::from(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<StrictValue, E> {
        Ok(StrictValue::plain(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut items = Vec::new();
        let mut duplicate = None;
        while let Some(item) = seq.next_element::<StrictValue>()? {
            if duplicate.is_none() {
                duplicate = item
                    .duplicate
                    .map(|inner| format!("[{}]{inner}", items.len()));
            }
            items.push(item.value);
        }
        Ok(StrictValue {
            value: Value::Array(items),
            duplicate,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut out = serde_json::Map::new();
        let mut duplicate = None;
        while let Some(key) = map.next_key::<String>()? {
            let item: StrictValue = map.next_value()?;
            if duplicate.is_none() {
                if out.contains_key(&key) {
                    duplicate = Some(format!(".{}", path_key(&key)));
                } else if let Some(inner) = item.duplicate {
                    duplicate = Some(format!(".{}{inner}", path_key(&key)));
                }
            }
            out.insert(key, item.value);
        }
        Ok(StrictValue {
            value: Value::Object(out),
            duplicate,
        })
    }
}

/// Why a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum BreakReason {
    /// No final newline: the last record was not completely written.
    Incomplete,
    NotJson,
    /// A key appears twice in one object (`key` is its path, e.g.
    /// `detail.file`): readers would disagree on its value.
    DuplicateKey {
        key: String,
    },
    /// Not the byte form the log writes (keys sorted, no whitespace).
    NotCanonical,
    Malformed,
    Sequence {
        expected: u64,
        found: u64,
    },
    Link,
    Hash,
}

impl BreakReason {
    /// Why, in `lang`.
    pub fn text_in(&self, lang: Lang) -> String {
        match self {
            BreakReason::Incomplete => t_in!(lang, "daemon-audit-break-incomplete"),
            BreakReason::NotJson => t_in!(lang, "daemon-audit-break-not-json"),
            BreakReason::DuplicateKey { key } => {
                t_in!(lang, "daemon-audit-break-duplicate-key", key = key)
            }
            BreakReason::NotCanonical => t_in!(lang, "daemon-audit-break-not-canonical"),
            BreakReason::Malformed => t_in!(lang, "daemon-audit-break-malformed"),
            BreakReason::Sequence { expected, found } => t_in!(
                lang,
                "daemon-audit-break-sequence",
                found = found,
                expected = expected
            ),
            BreakReason::Link => t_in!(lang, "daemon-audit-break-link"),
            BreakReason::Hash => t_in!(lang, "daemon-audit-break-hash"),
        }
    }
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// The first bad record of a chain: 1-based line number and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ChainBreak {
    pub line: usize,
    pub reason: BreakReason,
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&sanso_i18n::t!(
            "daemon-audit-chain-break",
            line = self.line,
            reason = self.reason.to_string()
        ))
    }
}

/// An intact chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntactChain {
    pub records: usize,
    /// The last record's hash ([`GENESIS`] for an empty log).
    pub head: String,
}

/// How a log relates to a head kept elsewhere ([`Anchor`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "relation", rename_all = "kebab-case")]
pub enum HeadCheck {
    /// The head is the log's last record.
    Matches,
    /// The head is record `at`; the log goes on after it by `extra` records.
    Continues { at: u64, extra: u64 },
    /// The head's record is not in the log, which has `missing` records
    /// fewer than the head counts: records were removed at the end (or the
    /// log was replaced by a shorter one).
    Shorter { missing: u64 },
    /// The head's record is not in the log, or not at its count: the log
    /// was rewritten or replaced.
    Differs,
}

impl HeadCheck {
    /// Relates `anchor` to a log of `records` records in which the
    /// anchor's hash is record `found_at` (1-based; `None` when absent).
    pub fn of(anchor: &Anchor, found_at: Option<u64>, records: u64) -> HeadCheck {
        // The empty log's head is "record 0".
        let found_at = found_at.or((anchor.hash == GENESIS).then_some(0));
        match found_at {
            Some(at) if anchor.count.is_some_and(|count| count != at) => HeadCheck::Differs,
            Some(at) if at == records => HeadCheck::Matches,
            Some(at) => HeadCheck::Continues {
                at,
                extra: records.saturating_sub(at),
            },
            None => match anchor.count {
                Some(count) if count > records => HeadCheck::Shorter {
                    missing: count - records,
                },
                _ => HeadCheck::Differs,
            },
        }
    }

    /// A sentence for a head file (or a head kept elsewhere) that says
    /// `expected` and a log whose head is `found`.
    pub fn explain(&self, expected: &impl fmt::Display, found: &Head) -> String {
        self.explain_in(sanso_i18n::lang(), expected, found)
    }

    /// [`HeadCheck::explain`] in `lang`.
    pub fn explain_in(&self, lang: Lang, expected: &impl fmt::Display, found: &Head) -> String {
        let expected = expected.to_string();
        let has = t_in!(
            lang,
            "daemon-audit-log-has",
            count = found.count,
            head = found.to_string()
        );
        match self {
            HeadCheck::Matches => t_in!(lang, "daemon-audit-head-matches", expected = expected),
            HeadCheck::Continues { at, extra } => t_in!(
                lang,
                "daemon-audit-head-continues",
                expected = expected,
                at = at,
                extra = extra,
                has = has
            ),
            HeadCheck::Shorter { missing } => t_in!(
                lang,
                "daemon-audit-head-shorter",
                expected = expected,
                has = has,
                missing = missing
            ),
            HeadCheck::Differs => t_in!(
                lang,
                "daemon-audit-head-differs",
                expected = expected,
                has = has
            ),
        }
    }
}

/// A bad line, and whether it is a torn last record.
struct Broken {
    at: ChainBreak,
    /// The last line, and not a complete JSON line: a torn write.
    torn: bool,
}

/// One pass over a log.
struct Walk {
    /// Intact records (before the break, if any).
    count: u64,
    hash: String,
    /// Bytes of the intact records.
    len: u64,
    last: Option<Value>,
    broken: Option<Broken>,
    /// For each watched hash, the seq of the intact record that has it.
    found: Vec<Option<u64>>,
}

impl Walk {
    fn head(&self) -> Head {
        Head {
            count: self.count,
            hash: self.hash.clone(),
        }
    }
}

/// Checks the records of a log in order, stopping at the first bad line,
/// and notes where the `watch`ed hashes are.
fn walk<R: Read>(mut reader: BufReader<R>, watch: &[&str]) -> std::io::Result<Walk> {
    let mut walk = Walk {
        count: 0,
        hash: GENESIS.to_owned(),
        len: 0,
        last: None,
        broken: None,
        found: vec![None; watch.len()],
    };
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            return Ok(walk);
        }
        line_no += 1;
        let complete = buf.last() == Some(&b'\n');
        let reason = if complete {
            check_line(&buf[..n - 1], &walk.hash, walk.count + 1)
        } else {
            Err(BreakReason::Incomplete)
        };
        match reason {
            Ok((hash, record)) => {
                walk.count += 1;
                for (slot, watched) in walk.found.iter_mut().zip(watch) {
                    if slot.is_none() && hash == *watched {
                        *slot = Some(walk.count);
                    }
                }
                walk.hash = hash;
                walk.len += n as u64;
                walk.last = Some(record);
            }
            Err(reason) => {
                let at_end = reader.fill_buf()?.is_empty();
                let torn =
                    at_end && matches!(reason, BreakReason::Incomplete | BreakReason::NotJson);
                walk.broken = Some(Broken {
                    at: ChainBreak {
                        line: line_no,
                        reason,
                    },
                    torn,
                });
                return Ok(walk);
            }
        }
    }
}

/// Checks one line (without its newline) as record `seq` after `prev`;
/// returns its hash and the record.
fn check_line(bytes: &[u8], prev: &str, seq: u64) -> Result<(String, Value), BreakReason> {
    let text = std::str::from_utf8(bytes).map_err(|_| BreakReason::NotJson)?;
    let record = parse_strict(text).map_err(|problem| match problem {
        LineProblem::NotJson => BreakReason::NotJson,
        LineProblem::DuplicateKey(key) => BreakReason::DuplicateKey {
            key: key.trim_start_matches('.').to_owned(),
        },
    })?;
    let Value::Object(map) = &record else {
        return Err(BreakReason::Malformed);
    };
    if canonical_json(&record) != text {
        return Err(BreakReason::NotCanonical);
    }
    let mut map = map.clone();
    let Some(Value::String(hash)) = map.remove("hash") else {
        return Err(BreakReason::Malformed);
    };
    let found = map
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or(BreakReason::Malformed)?;
    let record_prev = map
        .get("prev")
        .and_then(Value::as_str)
        .ok_or(BreakReason::Malformed)?;
    if record_prev != prev {
        return Err(BreakReason::Link);
    }
    if found != seq {
        return Err(BreakReason::Sequence {
            expected: seq,
            found,
        });
    }
    if chain_hash(prev, &Value::Object(map)) != hash {
        return Err(BreakReason::Hash);
    }
    Ok((hash, record))
}

/// Checks every record of a log, in order. Every line must be a strict,
/// canonical record ending in a newline (see the module doc).
pub fn check_chain<R: Read>(reader: BufReader<R>) -> Result<IntactChain, ChainBreak> {
    match walk(reader, &[]) {
        Ok(walk) => walk_result(&walk),
        Err(_) => Err(ChainBreak {
            line: 1,
            reason: BreakReason::NotJson,
        }),
    }
}

fn walk_result(walk: &Walk) -> Result<IntactChain, ChainBreak> {
    match &walk.broken {
        Some(broken) => Err(broken.at.clone()),
        None => Ok(IntactChain {
            records: walk.count as usize,
            head: walk.hash.clone(),
        }),
    }
}

/// [`check_chain`] on a file.
pub fn check_chain_file(path: &Path) -> std::io::Result<Result<IntactChain, ChainBreak>> {
    let file = File::open(path)?;
    Ok(walk_result(&walk(BufReader::new(file), &[])?))
}

/// [`check_chain`] on a file, and where each of `anchors` stands in it: one
/// [`HeadCheck`] per anchor, or none when the chain is broken.
pub fn check_chain_file_against(
    path: &Path,
    anchors: &[Anchor],
) -> std::io::Result<(Result<IntactChain, ChainBreak>, Vec<HeadCheck>)> {
    check_chain_against(BufReader::new(File::open(path)?), anchors)
}

/// [`check_chain_file_against`] on a reader.
pub fn check_chain_against<R: Read>(
    reader: BufReader<R>,
    anchors: &[Anchor],
) -> std::io::Result<(Result<IntactChain, ChainBreak>, Vec<HeadCheck>)> {
    let watch: Vec<&str> = anchors.iter().map(|a| a.hash.as_str()).collect();
    let walk = walk(reader, &watch)?;
    let chain = walk_result(&walk);
    let checks = match chain {
        Ok(_) => anchors
            .iter()
            .zip(&walk.found)
            .map(|(anchor, found)| HeadCheck::of(anchor, *found, walk.count))
            .collect(),
        Err(_) => Vec::new(),
    };
    Ok((chain, checks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(event: EventKind, n: u64) -> Entry {
        Entry {
            event,
            uid: 0,
            policy: Some(PolicyRef {
                name: "example-city".into(),
                revision: Some(format!("rev-{n}")),
                content_hash: format!("{n:064x}"),
            }),
            detail: json!({ "n": n, "note": "ゾーン" }),
        }
    }

    /// A log with five records; returns the directory guard, the path and its lines.
    fn sample_log() -> (tempfile::TempDir, PathBuf, Vec<String>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path).expect("open");
        let kinds = [
            EventKind::Start,
            EventKind::Apply,
            EventKind::Refused,
            EventKind::ConfirmPending,
            EventKind::Rollback,
        ];
        for (n, kind) in kinds.into_iter().enumerate() {
            log.append(&entry(kind, n as u64)).expect("append");
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let lines = text.lines().map(str::to_owned).collect();
        (dir, path, lines)
    }

    fn check(lines: &[String]) -> Result<IntactChain, ChainBreak> {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        check_chain(BufReader::new(text.as_bytes()))
    }

    #[test]
    fn clean_log_is_intact_and_reopen_continues_the_chain() {
        let (_dir, path, lines) = sample_log();
        let chain = check(&lines).expect("intact");
        assert_eq!(chain.records, 5);
        let mut log = AuditLog::open(&path).expect("reopen");
        assert_eq!(log.head(), chain.head);
        log.append(&entry(EventKind::Confirm, 9)).expect("append");
        let chain = check_chain_file(&path)
            .expect("read")
            .expect("still intact");
        assert_eq!(chain.records, 6);
        assert_eq!(chain.head, log.head());
    }

    #[test]
    fn records_carry_the_required_fields() {
        let (_dir, _path, lines) = sample_log();
        let v: Value = serde_json::from_str(&lines[1]).expect("json");
        assert_eq!(v["seq"], 2);
        assert_eq!(v["event"], "apply");
        assert_eq!(v["uid"], 0);
        assert_eq!(v["policy"]["revision"], "rev-1");
        assert_eq!(v["policy"]["content_hash"], format!("{:064x}", 1));
        assert!(v["time"].as_str().is_some_and(|t| t.ends_with('Z')));
        let first: Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(first["prev"], GENESIS);
        assert_eq!(v["prev"], first["hash"]);
    }

    #[test]
    fn an_edited_record_is_named() {
        let (_dir, _path, mut lines) = sample_log();
        lines[2] = lines[2].replace("rev-2", "rev-X");
        assert_eq!(
            check(&lines),
            Err(ChainBreak {
                line: 3,
                reason: BreakReason::Hash
            })
        );
    }

    #[test]
    fn an_edited_hash_breaks_the_next_link() {
        let (_dir, _path, mut lines) = sample_log();
        let v: Value = serde_json::from_str(&lines[1]).expect("json");
        let hash = v["hash"].as_str().expect("hash").to_owned();
        lines[1] = lines[1].replace(&hash, &"f".repeat(64));
        assert_eq!(check(&lines).map_err(|b| b.line), Err(2));
    }

    #[test]
    fn a_removed_record_is_named() {
        let (_dir, _path, mut lines) = sample_log();
        lines.remove(1);
        assert_eq!(
            check(&lines),
            Err(ChainBreak {
                line: 2,
                reason: BreakReason::Link
            })
        );
        let (_dir, _path, mut lines) = sample_log();
        lines.remove(0);
        assert_eq!(
            check(&lines),
            Err(ChainBreak {
                line: 1,
                reason: BreakReason::Link
            })
        );
    }

    #[test]
    fn reordered_records_are_named() {
        let (_dir, _path, mut lines) = sample_log();
        lines.swap(2, 3);
        assert_eq!(
            check(&lines),
            Err(ChainBreak {
                line: 3,
                reason: BreakReason::Link
            })
        );
    }

    #[test]
    fn garbage_is_not_json() {
        let (_dir, _path, mut lines) = sample_log();
        lines.insert(4, "{not json".into());
        assert_eq!(
            check(&lines),
            Err(ChainBreak {
                line: 5,
                reason: BreakReason::NotJson
            })
        );
        let (_dir, _path, mut lines) = sample_log();
        lines.insert(4, "[1,2]".into());
        assert_eq!(
            check(&lines).map_err(|b| b.reason),
            Err(BreakReason::Malformed)
        );
    }

    #[test]
    fn open_refuses_a_tampered_log() {
        let (_dir, path, mut lines) = sample_log();
        lines.swap(0, 1);
        std::fs::write(&path, lines.join("\n") + "\n").expect("write");
        assert!(matches!(
            AuditLog::open(&path),
            Err(AuditError::Corrupt { line: 1, .. })
        ));
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = json!({"b": 1, "a": {"d": [1, {"z": 0, "y": "x"}], "c": null}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"d":[1,{"y":"x","z":0}]},"b":1}"#
        );
    }

    /// A log with `n` records (and its head file); the directory guard and the path.
    fn log_with(n: u64) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path).expect("open");
        for i in 0..n {
            log.append(&entry(EventKind::Apply, i)).expect("append");
        }
        (dir, path)
    }

    fn lines_of(path: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).expect("read");
        text.lines().map(str::to_owned).collect()
    }

    fn write_lines(path: &Path, lines: &[String]) {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        std::fs::write(path, text).expect("write");
    }

    /// The log checked against its head file, as `sanso audit verify` does.
    fn against_head_file(path: &Path) -> HeadCheck {
        let head = read_head(&head_path(path))
            .expect("head file")
            .expect("present");
        let (chain, checks) = check_chain_file_against(path, &[head.into()]).expect("read");
        chain.expect("the chain itself is intact");
        checks[0]
    }

    #[test]
    fn every_append_writes_the_head_file() {
        let (_dir, path) = log_with(3);
        let head_file = head_path(&path);
        assert_eq!(
            head_file.file_name().and_then(|n| n.to_str()),
            Some("audit.head")
        );
        let mut log = AuditLog::open(&path).expect("reopen");
        let head = read_head(&head_file).expect("read").expect("present");
        assert_eq!(head, log.anchor());
        assert_eq!(head.count, 3);
        let text = std::fs::read_to_string(&head_file).expect("read");
        assert_eq!(
            text,
            format!("{{\"count\":3,\"hash\":\"{}\"}}\n", head.hash)
        );
        let new = log.append(&entry(EventKind::Stop, 9)).expect("append");
        assert_eq!(new.count, 4);
        assert_eq!(new.to_string(), format!("4:{}", log.head()));
        assert_eq!(read_head(&head_file).expect("read"), Some(new));
        assert_eq!(against_head_file(&path), HeadCheck::Matches);
    }

    #[test]
    fn the_last_line_deleted_is_found_by_the_head_file() {
        let (_dir, path) = log_with(5);
        let mut lines = lines_of(&path);
        lines.pop();
        write_lines(&path, &lines);
        assert_eq!(
            check_chain_file(&path).expect("read").map(|c| c.records),
            Ok(4)
        );
        assert_eq!(against_head_file(&path), HeadCheck::Shorter { missing: 1 });
        assert!(matches!(
            AuditLog::open(&path),
            Err(AuditError::HeadMismatch {
                check: HeadCheck::Shorter { missing: 1 },
                ..
            })
        ));
        let (log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        assert_eq!(log.anchor().count, 4);
        let [Recovery::HeadMismatch {
            expected, found, ..
        }] = recoveries.as_slice()
        else {
            panic!("{recoveries:?}");
        };
        assert_eq!(expected.count, 5);
        assert_eq!(found, &log.anchor());
    }

    #[test]
    fn the_last_ten_deleted_are_found_by_the_head_file() {
        let (_dir, path) = log_with(14);
        let lines = lines_of(&path);
        write_lines(&path, &lines[..4]);
        assert_eq!(against_head_file(&path), HeadCheck::Shorter { missing: 10 });
    }

    #[test]
    fn an_appended_record_with_a_recomputed_hash_is_past_the_head() {
        let (_dir, path) = log_with(5);
        let head = read_head(&head_path(&path))
            .expect("read")
            .expect("present");
        // A forger appends a well-formed record that continues the chain.
        let (line, _, _) = seal(
            6,
            "2026-01-01T00:00:00Z",
            &entry(EventKind::Confirm, 6),
            &head.hash,
        );
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(line.as_bytes()).expect("write");
        assert_eq!(
            check_chain_file(&path).expect("read").map(|c| c.records),
            Ok(6)
        );
        assert_eq!(
            against_head_file(&path),
            HeadCheck::Continues { at: 5, extra: 1 }
        );
        let (_log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        assert!(
            matches!(
                recoveries.as_slice(),
                [Recovery::HeadMismatch {
                    check: HeadCheck::Continues { at: 5, extra: 1 },
                    ..
                }]
            ),
            "{recoveries:?}"
        );
    }

    #[test]
    fn a_full_rewrite_differs_from_the_head_kept_elsewhere() {
        let (_dir, path) = log_with(5);
        let kept = read_head(&head_path(&path))
            .expect("read")
            .expect("present");
        // A new chain of the same length, head file and all.
        std::fs::remove_file(&path).expect("rm");
        std::fs::remove_file(head_path(&path)).expect("rm");
        let mut log = AuditLog::open(&path).expect("open");
        for i in 0..5 {
            log.append(&entry(EventKind::Host, 100 + i))
                .expect("append");
        }
        assert_eq!(against_head_file(&path), HeadCheck::Matches);
        let (chain, checks) =
            check_chain_file_against(&path, &[kept.clone().into()]).expect("read");
        assert!(chain.is_ok());
        assert_eq!(checks, [HeadCheck::Differs]);
        let hash_only = Anchor {
            count: None,
            hash: kept.hash,
        };
        let (_, checks) = check_chain_file_against(&path, &[hash_only]).expect("read");
        assert_eq!(checks, [HeadCheck::Differs]);
    }

    #[test]
    fn an_earlier_head_is_continued() {
        let (_dir, path) = log_with(3);
        let kept = read_head(&head_path(&path))
            .expect("read")
            .expect("present");
        let mut log = AuditLog::open(&path).expect("open");
        log.append(&entry(EventKind::Host, 7)).expect("append");
        log.append(&entry(EventKind::Host, 8)).expect("append");
        let hash_only = Anchor {
            count: None,
            hash: kept.hash.clone(),
        };
        let (_, checks) =
            check_chain_file_against(&path, &[kept.clone().into(), hash_only]).expect("read");
        assert_eq!(checks, [HeadCheck::Continues { at: 3, extra: 2 }; 2]);
        let wrong_count = Anchor {
            count: Some(2),
            hash: kept.hash,
        };
        let (_, checks) = check_chain_file_against(&path, &[wrong_count]).expect("read");
        assert_eq!(checks, [HeadCheck::Differs]);
    }

    #[test]
    fn an_empty_log_with_a_head_file_is_a_mismatch() {
        let (_dir, path) = log_with(5);
        std::fs::write(&path, "").expect("empty");
        assert_eq!(
            check_chain_file(&path).expect("read").map(|c| c.records),
            Ok(0)
        );
        assert_eq!(against_head_file(&path), HeadCheck::Shorter { missing: 5 });
        assert!(matches!(
            AuditLog::open(&path),
            Err(AuditError::HeadMismatch { .. })
        ));
        // The log removed altogether: the same, and the daemon starts.
        std::fs::remove_file(&path).expect("rm");
        let (log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        assert_eq!(log.anchor(), Head::empty());
        let [Recovery::HeadMismatch {
            expected,
            found,
            check,
            ..
        }] = recoveries.as_slice()
        else {
            panic!("{recoveries:?}");
        };
        assert_eq!(expected.count, 5);
        assert_eq!(found, &Head::empty());
        assert_eq!(check, &HeadCheck::Shorter { missing: 5 });
    }

    #[test]
    fn a_duplicate_key_is_refused_at_any_depth() {
        let (_dir, _path, mut lines) = sample_log();
        // serde_json keeps the last value, so the hash still matches; a
        // reader that keeps the first one would see uid 1000.
        lines[1] = lines[1].replacen("\"uid\":0", "\"uid\":1000,\"uid\":0", 1);
        assert_eq!(
            check(&lines),
            Err(ChainBreak {
                line: 2,
                reason: BreakReason::DuplicateKey { key: "uid".into() }
            })
        );
        let (_dir, _path, mut lines) = sample_log();
        lines[2] = lines[2].replacen("{\"n\":2,", "{\"n\":7,\"n\":2,", 1);
        assert_eq!(
            check(&lines).map_err(|b| b.reason),
            Err(BreakReason::DuplicateKey {
                key: "detail.n".into()
            })
        );
        let nested = parse_strict(r#"{"a":[1,{"b":{"c":1,"c":2}}]}"#);
        assert!(matches!(nested, Err(LineProblem::DuplicateKey(k)) if k == ".a[1].b.c"));
    }

    #[test]
    fn a_record_in_another_spelling_is_refused() {
        let (_dir, _path, mut lines) = sample_log();
        lines[3] = lines[3].replacen("\"uid\":0", "\"uid\": 0", 1);
        assert_eq!(
            check(&lines).map_err(|b| b.reason),
            Err(BreakReason::NotCanonical)
        );
        let (_dir, _path, mut lines) = sample_log();
        lines[3] = lines[3].replacen("ゾーン", "\\u30be\\u30fc\\u30f3", 1);
        assert_eq!(
            check(&lines).map_err(|b| b.reason),
            Err(BreakReason::NotCanonical)
        );
    }

    #[test]
    fn a_last_line_without_newline_is_incomplete() {
        let (_dir, _path, lines) = sample_log();
        let text = lines.join("\n");
        assert_eq!(
            check_chain(BufReader::new(text.as_bytes())),
            Err(ChainBreak {
                line: 5,
                reason: BreakReason::Incomplete
            })
        );
    }

    fn torn_files(path: &Path) -> Vec<PathBuf> {
        let dir = path.parent().expect("dir");
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("audit.jsonl.torn-"))
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn a_torn_last_record_is_moved_aside_and_the_chain_goes_on() {
        let (_dir, path) = log_with(8);
        let intact = std::fs::read(&path).expect("read");
        // Half of a ninth record, as a full disk or kill -9 leaves it.
        let head = read_head(&head_path(&path))
            .expect("read")
            .expect("present");
        let (line, _, _) = seal(
            9,
            "2026-01-01T00:00:00Z",
            &entry(EventKind::Reload, 9),
            &head.hash,
        );
        let partial = &line.as_bytes()[..line.len() / 2];
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(partial).expect("write");
        drop(file);
        assert!(matches!(
            AuditLog::open(&path),
            Err(AuditError::Corrupt {
                line: 9,
                reason: BreakReason::Incomplete,
                ..
            })
        ));

        let (mut log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        let [recovery @ Recovery::TornTail {
            line: 9,
            bytes,
            moved_to,
            kept,
        }] = recoveries.as_slice()
        else {
            panic!("{recoveries:?}");
        };
        assert_eq!(*bytes, partial.len() as u64);
        assert_eq!(kept, &head);
        assert_eq!(torn_files(&path), [PathBuf::from(moved_to)]);
        assert_eq!(std::fs::read(moved_to).expect("side file"), partial);
        assert_eq!(std::fs::read(&path).expect("read"), intact);
        assert!(recovery.to_string().contains("torn write"), "{recovery}");

        let new = log.append(&recovery.entry(0)).expect("append");
        assert_eq!(new.count, 9);
        assert_eq!(against_head_file(&path), HeadCheck::Matches);
        let last = log.last_record().expect("last");
        assert_eq!(last["event"], "audit-recovery");
        assert_eq!(last["detail"]["recovery"], "torn-tail");
        assert_eq!(last["detail"]["kept"]["count"], 8);
    }

    #[test]
    fn a_garbled_last_line_is_torn_too_but_not_a_garbled_middle_one() {
        let (_dir, path) = log_with(4);
        let mut lines = lines_of(&path);
        lines.push("{\"seq\":5,\"ti".into());
        write_lines(&path, &lines);
        let (_log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        assert!(
            matches!(recoveries.as_slice(), [Recovery::TornTail { line: 5, .. }]),
            "{recoveries:?}"
        );
        assert_eq!(
            check_chain_file(&path).expect("read").map(|c| c.records),
            Ok(4)
        );
    }

    #[test]
    fn a_broken_chain_is_kept_as_evidence_and_a_new_log_started() {
        let (dir, path) = log_with(6);
        let before = read_head(&head_path(&path))
            .expect("read")
            .expect("present");
        let mut lines = lines_of(&path);
        lines[2] = lines[2].replace("rev-2", "rev-X");
        write_lines(&path, &lines);
        let tampered = std::fs::read(&path).expect("read");

        let (mut log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        let [recovery @ Recovery::BrokenChain {
            line: 3,
            reason: BreakReason::Hash,
            moved_to,
            valid,
            expected,
        }] = recoveries.as_slice()
        else {
            panic!("{recoveries:?}");
        };
        assert_eq!(valid.count, 2);
        assert_eq!(expected.as_ref(), Some(&before));
        assert!(moved_to.starts_with(&path.display().to_string()));
        assert!(moved_to.contains(".broken-"), "{moved_to}");
        assert_eq!(std::fs::read(moved_to).expect("evidence"), tampered);
        assert_eq!(log.anchor(), Head::empty());
        assert_eq!(log.last_record(), None);

        let detail = recovery.detail();
        assert_eq!(detail["recovery"], "broken-chain");
        assert_eq!(detail["expected"]["hash"], before.hash.as_str());
        assert_eq!(detail["expected"]["count"], 6);
        assert_eq!(detail["reason"]["kind"], "hash");
        log.append(&recovery.entry(0)).expect("append");
        let first: Value = serde_json::from_str(&lines_of(&path)[0]).expect("json");
        assert_eq!(first["seq"], 1);
        assert_eq!(first["prev"], GENESIS);
        assert_eq!(first["event"], "audit-recovery");
        assert_eq!(against_head_file(&path), HeadCheck::Matches);
        drop(dir);
    }

    #[test]
    fn a_crash_before_the_append_after_a_break_is_found_again() {
        let (_dir, path) = log_with(3);
        let mut lines = lines_of(&path);
        lines.swap(0, 1);
        write_lines(&path, &lines);
        let (log, _) = AuditLog::open_recovering(&path).expect("recover");
        drop(log);
        // No record appended: the old head file still says 3 records.
        let (_log, recoveries) = AuditLog::open_recovering(&path).expect("again");
        assert!(
            matches!(
                recoveries.as_slice(),
                [Recovery::HeadMismatch {
                    check: HeadCheck::Shorter { missing: 3 },
                    ..
                }]
            ),
            "{recoveries:?}"
        );
    }

    #[test]
    fn a_log_without_its_head_file_is_recorded() {
        let (_dir, path) = log_with(2);
        std::fs::remove_file(head_path(&path)).expect("rm");
        assert!(matches!(
            AuditLog::open(&path),
            Err(AuditError::HeadMissing { .. })
        ));
        let (log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        assert!(
            matches!(
                recoveries.as_slice(),
                [Recovery::HeadMissing { problem, found, .. }]
                    if problem == "missing" && found == &log.anchor()
            ),
            "{recoveries:?}"
        );
        std::fs::write(head_path(&path), "garbage").expect("write");
        let (_log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        assert!(
            matches!(recoveries.as_slice(), [Recovery::HeadMissing { problem, .. }] if problem.contains("not one line")),
            "{recoveries:?}"
        );
        // A fresh state directory is no recovery.
        let dir = tempfile::tempdir().expect("temp dir");
        let (_log, recoveries) =
            AuditLog::open_recovering(&dir.path().join("audit.jsonl")).expect("fresh");
        assert_eq!(recoveries, []);
    }

    #[test]
    fn a_crash_between_a_record_and_its_head_is_one_record_past() {
        let (_dir, path) = log_with(3);
        let old = std::fs::read(head_path(&path)).expect("read");
        let mut log = AuditLog::open(&path).expect("open");
        log.append(&entry(EventKind::Intent, 4)).expect("append");
        drop(log);
        std::fs::write(head_path(&path), old).expect("write");
        let (log, recoveries) = AuditLog::open_recovering(&path).expect("recover");
        assert!(
            matches!(
                recoveries.as_slice(),
                [Recovery::HeadMismatch {
                    check: HeadCheck::Continues { at: 3, extra: 1 },
                    ..
                }]
            ),
            "{recoveries:?}"
        );
        assert_eq!(log.last_record().expect("last")["event"], "intent");
    }

    #[test]
    fn a_failed_write_is_cut_back() {
        // A partial write that could not be cut back at once is cut off
        // before the next record (the cut itself is tested against a full
        // file system in tests/audit_full_disk.rs).
        let (_dir, path) = log_with(2);
        let mut log = AuditLog::open(&path).expect("open");
        let intact = std::fs::read(&path).expect("read");
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(b"{\"seq\":3,\"ti").expect("write");
        log.dirty = true;
        log.append(&entry(EventKind::Apply, 3)).expect("append");
        let text = std::fs::read(&path).expect("read");
        assert!(text.starts_with(&intact));
        assert_eq!(against_head_file(&path), HeadCheck::Matches);
    }

    #[test]
    fn last_record_is_the_one_read_at_open_or_last_appended() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path).expect("open");
        assert_eq!(log.last_record(), None);
        log.append(&entry(EventKind::Intent, 1)).expect("append");
        let appended = log.last_record().expect("last");
        assert_eq!(appended["event"], "intent");
        drop(log);
        let log = AuditLog::open(&path).expect("reopen");
        assert_eq!(log.last_record(), Some(appended));
    }

    #[test]
    fn anchors_parse_with_or_without_the_count() {
        let hash = "ab".repeat(32);
        assert_eq!(
            hash.parse(),
            Ok(Anchor {
                count: None,
                hash: hash.clone()
            })
        );
        assert_eq!(
            format!(" 12:{} \n", hash.to_uppercase()).parse(),
            Ok(Anchor {
                count: Some(12),
                hash: hash.clone()
            })
        );
        for bad in ["", "12", "x:abc", &hash[1..], &format!("-1:{hash}")] {
            assert_eq!(bad.parse::<Anchor>(), Err(BadAnchor), "{bad}");
        }
    }

    #[test]
    fn new_event_kinds_are_kebab_case() {
        let names: Vec<Value> = [
            EventKind::Intent,
            EventKind::Reconcile,
            EventKind::AuditRecovery,
            EventKind::Stop,
        ]
        .into_iter()
        .map(|k| serde_json::to_value(k).expect("json"))
        .collect();
        assert_eq!(
            names,
            [
                json!("intent"),
                json!("reconcile"),
                json!("audit-recovery"),
                json!("stop")
            ]
        );
    }

    #[test]
    fn floats_in_a_detail_read_back_to_the_same_canonical_text() {
        // The chain's canonical form needs every number to print the same
        // after a read: serde_json's float_roundtrip makes that hold.
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path).expect("open");
        let mut x = 0.1_f64;
        for i in 0..200 {
            x = x * 1.37 + f64::from(i) / 7.0;
            log.append(&Entry {
                event: EventKind::Isolate,
                uid: 0,
                policy: None,
                detail: serde_json::json!({ "ms": x, "tiny": x * 1e-9, "ratio": 1.0 / (x + 3.0) }),
            })
            .expect("append");
        }
        let chain = check_chain_file(&path).expect("read").expect("intact");
        assert_eq!(chain.records, 200);
    }
}
