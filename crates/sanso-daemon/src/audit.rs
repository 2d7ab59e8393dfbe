//! The audit log: append-only JSON lines (`audit.jsonl`), one record per
//! event, each chained to the one before it by a SHA-256 hash, and the
//! verifier behind `sanso audit verify`.
//!
//! A record is a JSON object with `seq`, `time`, `event`, `uid`, `policy`,
//! `detail`, `prev` and `hash`. `hash` is the lowercase hex SHA-256 of `prev`
//! (the previous record's hash, [`GENESIS`] for the first record) followed by
//! the record's canonical JSON without `hash` (object keys sorted, no
//! whitespace). Changing a record breaks its own hash; removing or reordering
//! records breaks the `prev` link (and the `seq` count) of the next one.
//! Removing records at the end leaves a shorter valid chain: compare the head
//! hash with a copy kept elsewhere (the daemon logs it with every record).
//!
//! Every record is written with one `write` on an `O_APPEND` file and
//! `fsync`ed before the call returns.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// The daemon started (before its first apply).
    Start,
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

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot open audit log {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot append to audit log {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("audit log {} is corrupt at line {line}: {reason}", path.display())]
    Corrupt {
        path: PathBuf,
        line: usize,
        reason: BreakReason,
    },
}

/// An open audit log, positioned after its last record.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    next_seq: u64,
    head: String,
}

impl AuditLog {
    /// Opens (creating, mode 0600) the log at `path` and verifies the chain
    /// so new records continue it. A broken chain is an error: the daemon
    /// must not silently start a second chain after tampering.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        use std::os::unix::fs::OpenOptionsExt;
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
        let chain = verify(BufReader::new(&file)).map_err(|b| AuditError::Corrupt {
            path: path.to_owned(),
            line: b.line,
            reason: b.reason,
        })?;
        if let Some(dir) = path.parent() {
            // Make the file's creation durable too.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(AuditLog {
            path: path.to_owned(),
            file,
            next_seq: chain.records as u64 + 1,
            head: chain.head,
        })
    }

    /// The hash of the last record ([`GENESIS`] when empty).
    pub fn head(&self) -> &str {
        &self.head
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record and fsyncs it. Returns the record's hash.
    pub fn append(&mut self, entry: &Entry) -> Result<String, AuditError> {
        let time = jiff::Timestamp::now().to_string();
        let (line, hash) = seal(self.next_seq, &time, entry, &self.head);
        let write_err = |source| AuditError::Write {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(line.as_bytes()).map_err(write_err)?;
        self.file.sync_data().map_err(write_err)?;
        self.next_seq += 1;
        self.head = hash.clone();
        Ok(hash)
    }
}

/// Builds the line (with its trailing newline) and the hash of record `seq`.
fn seal(seq: u64, time: &str, entry: &Entry, prev: &str) -> (String, String) {
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
    (line, hash)
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

/// Why a chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BreakReason {
    #[error("not a JSON object with seq, prev and hash")]
    Malformed,
    #[error("sequence number {found}, expected {expected} (a record was removed or reordered)")]
    Sequence { expected: u64, found: u64 },
    #[error(
        "prev does not match the hash of the record before it (a record was removed or reordered)"
    )]
    Link,
    #[error("hash does not match the record's content (the record was changed)")]
    Hash,
}

/// The first bad record of a chain: 1-based line number and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ChainBreak {
    pub line: usize,
    pub reason: BreakReason,
}

/// An intact chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedChain {
    pub records: usize,
    /// The last record's hash ([`GENESIS`] for an empty log).
    pub head: String,
}

/// Checks every record of a log, in order. Blank lines are not allowed
/// except a missing final newline.
pub fn verify<R: Read>(reader: BufReader<R>) -> Result<VerifiedChain, ChainBreak> {
    let mut prev = GENESIS.to_owned();
    let mut records = 0usize;
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let malformed = ChainBreak {
            line: line_no,
            reason: BreakReason::Malformed,
        };
        let line = line.map_err(|_| malformed.clone())?;
        let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&line) else {
            return Err(malformed);
        };
        let Some(Value::String(hash)) = map.remove("hash") else {
            return Err(malformed);
        };
        let seq = map
            .get("seq")
            .and_then(Value::as_u64)
            .ok_or_else(|| malformed.clone())?;
        let record_prev = map
            .get("prev")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed.clone())?;
        let expected = records as u64 + 1;
        if record_prev != prev {
            return Err(ChainBreak {
                line: line_no,
                reason: BreakReason::Link,
            });
        }
        if seq != expected {
            return Err(ChainBreak {
                line: line_no,
                reason: BreakReason::Sequence {
                    expected,
                    found: seq,
                },
            });
        }
        if chain_hash(&prev, &Value::Object(map)) != hash {
            return Err(ChainBreak {
                line: line_no,
                reason: BreakReason::Hash,
            });
        }
        prev = hash;
        records += 1;
    }
    Ok(VerifiedChain {
        records,
        head: prev,
    })
}

/// [`verify`] on a file.
pub fn verify_file(path: &Path) -> std::io::Result<Result<VerifiedChain, ChainBreak>> {
    let file = File::open(path)?;
    Ok(verify(BufReader::new(file)))
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

    fn check(lines: &[String]) -> Result<VerifiedChain, ChainBreak> {
        let text = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        verify(BufReader::new(text.as_bytes()))
    }

    #[test]
    fn clean_log_verifies_and_reopen_continues_the_chain() {
        let (_dir, path, lines) = sample_log();
        let chain = check(&lines).expect("intact");
        assert_eq!(chain.records, 5);
        let mut log = AuditLog::open(&path).expect("reopen");
        assert_eq!(log.head(), chain.head);
        log.append(&entry(EventKind::Confirm, 9)).expect("append");
        let chain = verify_file(&path).expect("read").expect("still intact");
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
    fn garbage_is_malformed() {
        let (_dir, _path, mut lines) = sample_log();
        lines.insert(4, "{not json".into());
        assert_eq!(
            check(&lines),
            Err(ChainBreak {
                line: 5,
                reason: BreakReason::Malformed
            })
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
}
