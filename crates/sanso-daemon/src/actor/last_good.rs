//! What boot restores: the last good pair in the state directory.
//!
//! * `last-good.nft` ([`super::LAST_GOOD_FILE`]): the ruleset as `nft -f`
//!   text, what `deploy/sanso-boot` loaded before `sanso boot` existed and
//!   what it falls back to;
//! * `last-good.json` ([`LAST_GOOD_RESTORE_FILE`]): what a netlink restore
//!   needs to compile the same ruleset again (`sanso boot`): the policy text,
//!   the HA inputs it was compiled with, the SHA-256 of the policy text and
//!   the SHA-256 of `last-good.nft`.
//!
//! [`save`] writes both at the same moments (after an apply that needs no
//! confirmation, and after `sanso confirm`), each durably (a temporary file,
//! fsync, rename, fsync of the directory): `last-good.nft` first, then
//! `last-good.json`. Two renames cannot be one, so [`load`] checks that the
//! two belong together: the JSON's `nft_sha256` must be the hash of the
//! text on disk, its `policy_sha256` the hash of its policy text, and that
//! hash the one the text's identity names (`sha256:<16 hex>`: the comment of
//! counter `identity`, or the table comment of a text an older sanso wrote). A crash
//! between the renames, a write that failed, or a file changed by hand is a
//! mismatch, and boot loads the text instead.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use sanso_i18n::t_in;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::hex;
use crate::compile::{Compiled, PolicySource};

/// The netlink restore's half of the pair, in the state directory.
pub const LAST_GOOD_RESTORE_FILE: &str = "last-good.json";

/// The `format` [`save`] writes and [`load`] reads.
pub const RESTORE_FORMAT: u32 = 1;

/// Largest `last-good.json` read (the policy text inside is capped at 64
/// MiB by the daemon's reader; escaped it may grow).
const MAX_RESTORE_BYTES: u64 = 256 * 1024 * 1024;
/// Largest `last-good.nft` read (about 150 MB at 100,000 flows).
const MAX_NFT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// How much of the start of `last-good.nft` is searched for the policy's
/// identity (the text writes counter `identity` first).
const HEAD_BYTES: usize = 64 * 1024;

/// `last-good.json`'s content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedRestore {
    pub format: u32,
    /// The policy file as the daemon named it (for diagnostics).
    pub file: String,
    /// SHA-256 of `policy` (the policy's content hash), lowercase hex.
    pub policy_sha256: String,
    /// SHA-256 of `last-good.nft` as written with this file, lowercase hex.
    pub nft_sha256: String,
    /// The HA inputs the ruleset was compiled with (`--ha`), or none.
    pub ha: Option<SavedHa>,
    /// The policy text.
    pub policy: String,
}

/// [`sanso_ir::HaInputs`] as saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedHa {
    pub sync_interface: String,
    pub peer: std::net::IpAddr,
    pub sync_ports: Vec<u16>,
    pub vrrp_interfaces: Vec<String>,
}

impl From<&sanso_ir::HaInputs> for SavedHa {
    fn from(ha: &sanso_ir::HaInputs) -> Self {
        SavedHa {
            sync_interface: ha.sync_interface.clone(),
            peer: ha.peer,
            sync_ports: ha.sync_ports.clone(),
            vrrp_interfaces: ha.vrrp_interfaces.clone(),
        }
    }
}

impl From<SavedHa> for sanso_ir::HaInputs {
    fn from(ha: SavedHa) -> Self {
        sanso_ir::HaInputs {
            sync_interface: ha.sync_interface,
            peer: ha.peer,
            sync_ports: ha.sync_ports,
            vrrp_interfaces: ha.vrrp_interfaces,
        }
    }
}

/// SHA-256 of `bytes`, lowercase hex.
fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Writes the pair for `compiled` into `state_dir`: `last-good.nft` (its
/// text), then `last-good.json`. An error names the file that could not be
/// written; when it is the JSON, the text on disk is the new one and boot
/// finds the pair mismatched (and loads the text).
pub fn save(state_dir: &Path, compiled: &Compiled) -> Result<(), (PathBuf, std::io::Error)> {
    let nft = state_dir.join(super::LAST_GOOD_FILE);
    crate::durable::write(&nft, &compiled.text).map_err(|e| (nft.clone(), e))?;
    let restore = SavedRestore {
        format: RESTORE_FORMAT,
        file: compiled.source.file.clone(),
        policy_sha256: sha256_hex(compiled.source.text.as_bytes()),
        nft_sha256: sha256_hex(compiled.text.as_bytes()),
        ha: compiled.ruleset.ha.as_ref().map(SavedHa::from),
        policy: compiled.source.text.clone(),
    };
    let json = state_dir.join(LAST_GOOD_RESTORE_FILE);
    let text = serde_json::to_string(&restore).map_err(|e| (json.clone(), e.into()))?;
    crate::durable::write(&json, &text).map_err(|e| (json, e))
}

/// What a netlink restore compiles: the policy text (with its file name)
/// and the HA inputs, checked to belong to `last-good.nft`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restore {
    pub source: PolicySource,
    pub ha: Option<sanso_ir::HaInputs>,
    pub policy_sha256: String,
}

/// Why the pair cannot be used for a netlink restore.
#[derive(Debug)]
pub enum RestoreError {
    /// The file is not there.
    Missing { path: PathBuf },
    /// Not read: an I/O error, not a regular file, too large.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// Written by another version.
    Format { path: PathBuf, found: u32 },
    /// The policy text does not have the hash saved with it.
    PolicyHash { path: PathBuf },
    /// `last-good.nft` is not the text saved with it.
    NftHash { path: PathBuf, nft: PathBuf },
    /// `last-good.nft`'s identity (counter `identity`'s comment, else the
    /// table comment) names another policy, or none.
    Comment { nft: PathBuf },
}

impl std::error::Error for RestoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RestoreError::Read { source, .. } => Some(source),
            RestoreError::Parse { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl RestoreError {
    /// The message in `lang` (without its causes).
    pub fn text_in(&self, lang: sanso_i18n::Lang) -> String {
        let p = |path: &Path| path.display().to_string();
        match self {
            RestoreError::Missing { path } => {
                t_in!(lang, "daemon-restore-missing", path = p(path))
            }
            RestoreError::Read { path, .. } => {
                t_in!(lang, "daemon-restore-read", path = p(path))
            }
            RestoreError::Parse { path, .. } => {
                t_in!(lang, "daemon-restore-damaged", path = p(path))
            }
            RestoreError::Format { path, found } => t_in!(
                lang,
                "daemon-restore-format",
                path = p(path),
                found = *found,
                expected = RESTORE_FORMAT
            ),
            RestoreError::PolicyHash { path } => {
                t_in!(lang, "daemon-restore-policy-hash", path = p(path))
            }
            RestoreError::NftHash { path, nft } => t_in!(
                lang,
                "daemon-restore-nft-hash",
                path = p(path),
                nft = p(nft)
            ),
            RestoreError::Comment { nft } => {
                t_in!(lang, "daemon-restore-comment", nft = p(nft))
            }
        }
    }
}

impl std::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// Opens `path` for reading if it is a regular file of at most `max`
/// bytes (a FIFO is never waited on, a device never opened), through the
/// one opener of files sanso did not just write
/// ([`sanso_policy::source::open_regular`]).
fn open_regular(path: &Path, max: u64) -> Result<std::fs::File, RestoreError> {
    use sanso_policy::source::ReadError;
    let read = |source| RestoreError::Read {
        path: path.to_owned(),
        source,
    };
    match sanso_policy::source::open_regular(path, max) {
        Ok((file, _)) => Ok(file),
        Err(ReadError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(RestoreError::Missing {
                path: path.to_owned(),
            })
        }
        Err(ReadError::Io { source, .. }) => Err(read(source)),
        Err(ReadError::NotRegular { .. }) => Err(read(std::io::Error::other(t_in!(
            sanso_i18n::lang(),
            "daemon-restore-not-regular"
        )))),
        Err(ReadError::TooLarge { .. }) => {
            Err(read(std::io::Error::from(std::io::ErrorKind::FileTooLarge)))
        }
        // Not made by opening; said as it is.
        Err(other) => Err(read(std::io::Error::other(other.to_string()))),
    }
}

/// The SHA-256 of the file at `path` and its first [`HEAD_BYTES`] bytes.
fn hash_file(path: &Path) -> Result<(String, Vec<u8>), RestoreError> {
    let mut file = open_regular(path, MAX_NFT_BYTES)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|source| RestoreError::Read {
            path: path.to_owned(),
            source,
        })?;
        if n == 0 {
            break;
        }
        if head.len() < HEAD_BYTES {
            let take = n.min(HEAD_BYTES - head.len());
            head.extend_from_slice(&buf[..take]);
        }
        hasher.update(&buf[..n]);
    }
    Ok((hex(&hasher.finalize()), head))
}

/// The policy hash prefix the identity of an nft text names
/// (`sanso NAME rev REV sha256:<hex>`, the comment of counter `identity`, or
/// the table comment of a text an older sanso wrote), from its first lines.
fn comment_hash(head: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(head);
    sanso_nft::readback::identity_in_listing(&head)
        .filter(|identity| identity.starts_with("sanso "))
        .as_deref()
        .and_then(|l| l.rsplit_once("sha256:"))
        .map(|(_, rest)| {
            rest.chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .filter(|h| !h.is_empty())
}

/// Reads the pair from `state_dir` and checks that it belongs together
/// (see the module doc). Any error: use `last-good.nft` alone.
pub fn load(state_dir: &Path) -> Result<Restore, RestoreError> {
    let path = state_dir.join(LAST_GOOD_RESTORE_FILE);
    let nft = state_dir.join(super::LAST_GOOD_FILE);
    let mut bytes = Vec::new();
    open_regular(&path, MAX_RESTORE_BYTES)?
        .read_to_end(&mut bytes)
        .map_err(|source| RestoreError::Read {
            path: path.clone(),
            source,
        })?;
    // The format first: a later version's file may not parse as this one.
    #[derive(Deserialize)]
    struct Format {
        format: u32,
    }
    let format: Format = serde_json::from_slice(&bytes).map_err(|source| RestoreError::Parse {
        path: path.clone(),
        source,
    })?;
    if format.format != RESTORE_FORMAT {
        return Err(RestoreError::Format {
            path,
            found: format.format,
        });
    }
    let saved: SavedRestore =
        serde_json::from_slice(&bytes).map_err(|source| RestoreError::Parse {
            path: path.clone(),
            source,
        })?;
    drop(bytes);
    if sha256_hex(saved.policy.as_bytes()) != saved.policy_sha256 {
        return Err(RestoreError::PolicyHash { path });
    }
    let (nft_sha256, head) = hash_file(&nft)?;
    if nft_sha256 != saved.nft_sha256 {
        return Err(RestoreError::NftHash { path, nft });
    }
    match comment_hash(&head) {
        Some(prefix) if saved.policy_sha256.starts_with(&prefix) => {}
        _ => return Err(RestoreError::Comment { nft }),
    }
    Ok(Restore {
        source: PolicySource {
            file: saved.file,
            text: saved.policy,
        },
        ha: saved.ha.map(Into::into),
        policy_sha256: saved.policy_sha256,
    })
}

/// What `sanso boot` loaded at the last boot, in the state directory; the
/// daemon puts it into its `start` record (`boot`), so the change boot made
/// reaches the audit chain through its one writer.
pub const BOOT_RECORD_FILE: &str = "boot.json";

/// Largest [`BOOT_RECORD_FILE`] read.
const MAX_BOOT_RECORD_BYTES: u64 = 64 * 1024;

/// [`BOOT_RECORD_FILE`]'s content: data only (no floats, no text in the
/// process language: the reasons are in the journal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootRecord {
    /// When `sanso boot` ran, RFC 3339 UTC.
    pub time: String,
    /// `/proc/sys/kernel/random/boot_id` then: which boot of the machine.
    pub boot_id: Option<String>,
    /// `netlink`, `nft-text`, `nft-text-without-isolation`, `fallback`,
    /// `built-in-fallback`, or `nothing`.
    pub loaded: String,
    pub verified: bool,
    /// The policy loaded through netlink: name, revision, content hash.
    pub policy: Option<BootPolicy>,
    /// Isolated ranges loaded through netlink.
    pub isolated: Option<usize>,
    /// The steps that did not load, in order.
    pub fallbacks: Vec<String>,
    /// From the start of `sanso boot` until the table was in the kernel.
    pub loaded_microseconds: Option<u64>,
    /// The namespace (tests), none on a gateway.
    pub netns: Option<String>,
}

/// The policy of a [`BootRecord`], as audit records name one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootPolicy {
    pub name: String,
    pub revision: Option<String>,
    pub content_hash: String,
}

/// Writes [`BOOT_RECORD_FILE`] durably.
pub fn save_boot_record(state_dir: &Path, record: &BootRecord) -> std::io::Result<()> {
    let text = serde_json::to_string(record).map_err(std::io::Error::other)?;
    crate::durable::write(&state_dir.join(BOOT_RECORD_FILE), &text)
}

/// What the `start` record says about boot: the record `sanso boot` left,
/// `null` when there is none, or `{"error": ...}` (English, record data)
/// when it cannot be read.
pub fn boot_record_detail(state_dir: &Path) -> serde_json::Value {
    let path = state_dir.join(BOOT_RECORD_FILE);
    let read = || -> Result<BootRecord, String> {
        let mut bytes = Vec::new();
        open_regular(&path, MAX_BOOT_RECORD_BYTES)
            .map_err(|e| e.text_in(sanso_i18n::Lang::En))?
            .read_to_end(&mut bytes)
            .map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| e.to_string())
    };
    match read() {
        Ok(record) => serde_json::to_value(record).unwrap_or(serde_json::Value::Null),
        Err(_) if !path.exists() => serde_json::Value::Null,
        Err(error) => serde_json::json!({ "error": format!("{}: {error}", path.display()) }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::compile;
    use crate::compile::tests::{policy_text, source};

    fn saved(dir: &Path) -> Compiled {
        let compiled = compile(source(&policy_text("r1", None)), 0).expect("valid");
        save(dir, &compiled).expect("saved");
        compiled
    }

    #[test]
    fn the_boot_record_round_trips_as_record_data() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(boot_record_detail(dir.path()), serde_json::Value::Null);
        let record = BootRecord {
            time: "2026-12-06T00:00:00Z".into(),
            boot_id: Some("b".into()),
            loaded: "netlink".into(),
            verified: true,
            policy: None,
            isolated: Some(2),
            fallbacks: vec![],
            loaded_microseconds: Some(1500),
            netns: None,
        };
        save_boot_record(dir.path(), &record).expect("saved");
        let detail = boot_record_detail(dir.path());
        assert_eq!(detail["loaded"], "netlink");
        assert_eq!(detail["loaded_microseconds"], 1500);
        std::fs::write(dir.path().join(BOOT_RECORD_FILE), "{").expect("write");
        let detail = boot_record_detail(dir.path());
        assert!(detail["error"]
            .as_str()
            .is_some_and(|e| e.contains("boot.json")));
    }

    #[test]
    fn the_pair_round_trips_and_belongs_together() {
        let dir = tempfile::tempdir().expect("dir");
        let compiled = saved(dir.path());
        let restore = load(dir.path()).expect("loads");
        assert_eq!(restore.source, compiled.source);
        assert_eq!(restore.policy_sha256, compiled.policy.content_hash);
        assert_eq!(restore.ha, None);
        let hash = comment_hash(compiled.text.as_bytes());
        assert_eq!(hash.as_ref().map(String::len), Some(16));
        assert!(compiled
            .policy
            .content_hash
            .starts_with(hash.as_deref().unwrap_or("-")));
        // A text an older sanso wrote names the policy in its table comment.
        let identity = sanso_nft::text::layout::identity_comment(&compiled.ruleset);
        let older = compiled
            .text
            .replace(
                &format!("\tcounter identity {{\n\t\tcomment \"{identity}\"\n\t}}\n"),
                "",
            )
            .replace(sanso_nft::text::layout::TABLE_COMMENT, &identity);
        assert!(!older.contains("counter identity"), "{older}");
        assert_eq!(comment_hash(older.as_bytes()), hash);
        // The constant table comment alone names no policy.
        let unnamed = compiled.text.replace(&identity, "gone");
        assert_eq!(comment_hash(unnamed.as_bytes()), None);
    }

    #[test]
    fn a_pair_that_does_not_belong_together_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let compiled = saved(dir.path());
        let nft = dir.path().join(super::super::LAST_GOOD_FILE);
        let json = dir.path().join(LAST_GOOD_RESTORE_FILE);

        // The text of another revision: a crash between the two renames.
        let other = compile(source(&policy_text("r2", None)), 0).expect("valid");
        std::fs::write(&nft, &other.text).expect("write");
        assert!(matches!(
            load(dir.path()),
            Err(RestoreError::NftHash { .. })
        ));

        // A policy text changed inside the JSON.
        std::fs::write(&nft, &compiled.text).expect("write");
        let mut restore: SavedRestore =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("json");
        restore.policy.push('\n');
        std::fs::write(&json, serde_json::to_string(&restore).expect("json")).expect("write");
        assert!(matches!(
            load(dir.path()),
            Err(RestoreError::PolicyHash { .. })
        ));

        // Hashes consistent, but the identity names another policy.
        restore.policy_sha256 = sha256_hex(restore.policy.as_bytes());
        std::fs::write(&json, serde_json::to_string(&restore).expect("json")).expect("write");
        assert!(matches!(
            load(dir.path()),
            Err(RestoreError::Comment { .. })
        ));

        // Torn, another format, missing.
        std::fs::write(&json, "{\"format\":1,\"file\":").expect("write");
        assert!(matches!(load(dir.path()), Err(RestoreError::Parse { .. })));
        std::fs::write(&json, "{\"format\":2}").expect("write");
        assert!(matches!(
            load(dir.path()),
            Err(RestoreError::Format { found: 2, .. })
        ));
        std::fs::remove_file(&json).expect("rm");
        assert!(matches!(
            load(dir.path()),
            Err(RestoreError::Missing { .. })
        ));
    }
}
