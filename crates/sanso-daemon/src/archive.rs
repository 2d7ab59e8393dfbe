//! The policy archive: every policy the daemon applies (at start, on a
//! reload, by `apply --confirm`) is kept in the state directory by content
//! hash, so that any two revisions can be compared later (`sanso diff`).
//!
//! `policies/<sha256>.toml` is the policy text as applied, byte for byte
//! (its SHA-256 is its name: the policy's content hash, as in the audit
//! records and the policy identity in the table); `policies/<sha256>.json` says which
//! policy it is, from which file, and when it was first applied. Both are
//! written once per hash, durably (a temporary file, fsync, rename, fsync of
//! the directory), mode 0600, in a directory of mode 0700.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::compile::Compiled;

/// The archive's directory, in the state directory.
pub const ARCHIVE_DIR: &str = "policies";
/// The shortest hash prefix [`find`] accepts.
pub const MIN_PREFIX: usize = 8;

/// What the archive knows of one policy (`policies/<sha256>.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub content_hash: String,
    pub name: String,
    pub revision: Option<String>,
    /// The file it was applied from (the policy file, or the file given to
    /// `sanso apply --confirm`).
    pub file: String,
    /// RFC 3339: when it was first applied (first archived).
    pub first_applied: String,
}

/// Whether [`keep`] wrote the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// Written now: first applied, or its files were missing or changed
    /// (a description already there is kept, with its first-applied time).
    Written,
    /// Archived before, with this content: left as it is.
    Already,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    BadPrefix {
        prefix: String,
    },
    NotFound {
        prefix: String,
        dir: PathBuf,
    },
    Ambiguous {
        prefix: String,
        matches: Vec<String>,
    },
}

impl ArchiveError {
    /// The message in `lang` (without its causes).
    pub fn text_in(&self, lang: sanso_i18n::Lang) -> String {
        use sanso_i18n::t_in;
        match self {
            ArchiveError::Write { path, .. } => {
                t_in!(
                    lang,
                    "daemon-archive-write",
                    path = path.display().to_string()
                )
            }
            ArchiveError::Read { path, .. } => {
                t_in!(
                    lang,
                    "daemon-archive-read",
                    path = path.display().to_string()
                )
            }
            ArchiveError::BadPrefix { prefix } => {
                t_in!(
                    lang,
                    "daemon-archive-bad-prefix",
                    prefix = prefix,
                    min = MIN_PREFIX
                )
            }
            ArchiveError::NotFound { prefix, dir } => t_in!(
                lang,
                "daemon-archive-not-found",
                prefix = prefix,
                dir = dir.display().to_string()
            ),
            ArchiveError::Ambiguous { prefix, matches } => t_in!(
                lang,
                "daemon-archive-ambiguous",
                prefix = prefix,
                count = matches.len(),
                matches = matches.join(", ")
            ),
        }
    }
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// The archive directory of a state directory.
pub fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join(ARCHIVE_DIR)
}

/// The archived text of the policy with this content hash.
pub fn policy_path(state_dir: &Path, content_hash: &str) -> PathBuf {
    dir(state_dir).join(format!("{content_hash}.toml"))
}

fn revision_path(state_dir: &Path, content_hash: &str) -> PathBuf {
    dir(state_dir).join(format!("{content_hash}.json"))
}

/// Archives `compiled`'s policy text, first applied at `at`, unless it is
/// archived already. A file under its name with other content (changed by
/// hand, torn) is written again; a missing description is written with `at`.
pub fn keep(
    state_dir: &Path,
    compiled: &Compiled,
    at: jiff::Timestamp,
) -> Result<Kept, ArchiveError> {
    use std::os::unix::fs::DirBuilderExt;
    let hash = &compiled.policy.content_hash;
    let text_path = policy_path(state_dir, hash);
    let info_path = revision_path(state_dir, hash);
    let intact = std::fs::read_to_string(&text_path)
        .is_ok_and(|text| sanso_policy::content_hash(&text) == *hash);
    let described = std::fs::read_to_string(&info_path)
        .ok()
        .and_then(|text| serde_json::from_str::<Revision>(&text).ok())
        .is_some_and(|r| r.content_hash == *hash);
    if intact && described {
        return Ok(Kept::Already);
    }
    let archive = dir(state_dir);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&archive)
        .map_err(|source| ArchiveError::Write {
            path: archive.clone(),
            source,
        })?;
    if !intact {
        crate::durable::write(&text_path, &compiled.source.text).map_err(|source| {
            ArchiveError::Write {
                path: text_path.clone(),
                source,
            }
        })?;
    }
    if described {
        return Ok(Kept::Written);
    }
    let revision = Revision {
        content_hash: hash.clone(),
        name: compiled.policy.name.clone(),
        revision: compiled.policy.revision.clone(),
        file: compiled.source.file.clone(),
        first_applied: at.to_string(),
    };
    let json = serde_json::to_string(&revision).map_err(|e| ArchiveError::Write {
        path: info_path.clone(),
        source: std::io::Error::other(e),
    })?;
    crate::durable::write(&info_path, &format!("{json}\n")).map_err(|source| {
        ArchiveError::Write {
            path: info_path.clone(),
            source,
        }
    })?;
    Ok(Kept::Written)
}

/// The archived policy whose content hash starts with `prefix` (at least
/// [`MIN_PREFIX`] hex digits, any case): its path.
pub fn find(state_dir: &Path, prefix: &str) -> Result<PathBuf, ArchiveError> {
    let prefix_lower = prefix.to_ascii_lowercase();
    if prefix.len() < MIN_PREFIX
        || prefix.len() > 64
        || !prefix.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(ArchiveError::BadPrefix {
            prefix: prefix.to_owned(),
        });
    }
    let mut matches: Vec<String> = hashes(state_dir)?
        .into_iter()
        .filter(|h| h.starts_with(&prefix_lower))
        .collect();
    matches.sort();
    match matches.len() {
        0 => Err(ArchiveError::NotFound {
            prefix: prefix.to_owned(),
            dir: dir(state_dir),
        }),
        1 => Ok(policy_path(state_dir, &matches[0])),
        _ => Err(ArchiveError::Ambiguous {
            prefix: prefix.to_owned(),
            matches,
        }),
    }
}

/// The content hashes of the archived policies (no directory yet: none).
fn hashes(state_dir: &Path) -> Result<Vec<String>, ArchiveError> {
    let archive = dir(state_dir);
    let entries = match std::fs::read_dir(&archive) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ArchiveError::Read {
                path: archive,
                source,
            })
        }
    };
    let mut hashes = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ArchiveError::Read {
            path: archive.clone(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(hash) = name.strip_suffix(".toml") {
            if hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                hashes.push(hash.to_owned());
            }
        }
    }
    Ok(hashes)
}

/// Every archived policy, in the order first applied (those without a
/// readable description last, by hash): its hash and description.
pub fn list(state_dir: &Path) -> Result<Vec<(String, Option<Revision>)>, ArchiveError> {
    let mut all: Vec<(String, Option<Revision>)> = hashes(state_dir)?
        .into_iter()
        .map(|hash| {
            let revision = std::fs::read_to_string(revision_path(state_dir, &hash))
                .ok()
                .and_then(|text| serde_json::from_str(&text).ok());
            (hash, revision)
        })
        .collect();
    all.sort_by(|(a, ra), (b, rb)| {
        let when = |r: &Option<Revision>| {
            r.as_ref()
                .and_then(|r| r.first_applied.parse::<jiff::Timestamp>().ok())
        };
        match (when(ra), when(rb)) {
            (Some(x), Some(y)) => x.cmp(&y).then(a.cmp(b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.cmp(b),
        }
    });
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{compile, PolicySource};

    fn compiled(revision: &str) -> Compiled {
        let text = include_str!("../tests/fixtures/test-city.toml")
            .replace("@REVISION@", revision)
            .replace("@UNTIL@", "");
        compile(
            PolicySource {
                file: "/etc/sanso/policy.toml".into(),
                text,
            },
            0,
        )
        .expect("compiles")
    }

    #[test]
    fn a_policy_is_archived_once_by_its_hash_and_found_by_a_prefix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let state = dir.path();
        let r1 = compiled("r1");
        let first: jiff::Timestamp = "2026-12-01T00:00:00Z".parse().expect("time");
        assert_eq!(keep(state, &r1, first).expect("keep"), Kept::Written);
        let later: jiff::Timestamp = "2026-12-02T00:00:00Z".parse().expect("time");
        assert_eq!(keep(state, &r1, later).expect("keep"), Kept::Already);
        let hash = &r1.policy.content_hash;
        let path = policy_path(state, hash);
        assert_eq!(
            std::fs::read_to_string(&path).expect("archived"),
            r1.source.text
        );
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let listed = list(state).expect("list");
        assert_eq!(listed.len(), 1);
        let revision = listed[0].1.clone().expect("described");
        assert_eq!(revision.first_applied, "2026-12-01T00:00:00Z");
        assert_eq!(revision.revision.as_deref(), Some("r1"));
        assert_eq!(revision.file, "/etc/sanso/policy.toml");

        assert_eq!(find(state, &hash[..8]).expect("found"), path);
        assert_eq!(
            find(state, &hash[..12].to_ascii_uppercase()).expect("found"),
            path
        );
        assert!(matches!(
            find(state, &hash[..7]),
            Err(ArchiveError::BadPrefix { .. })
        ));
        assert!(matches!(
            find(state, "zzzzzzzz"),
            Err(ArchiveError::BadPrefix { .. })
        ));
        assert!(matches!(
            find(state, "00000000"),
            Err(ArchiveError::NotFound { .. })
        ));

        // A changed archive file is written again.
        std::fs::write(&path, "changed").expect("tamper");
        assert_eq!(keep(state, &r1, later).expect("keep"), Kept::Written);
        assert_eq!(
            std::fs::read_to_string(&path).expect("archived"),
            r1.source.text
        );

        let r2 = compiled("r2");
        keep(state, &r2, later).expect("keep");
        let order: Vec<String> = list(state)
            .expect("list")
            .into_iter()
            .filter_map(|(_, r)| r?.revision)
            .collect();
        assert_eq!(order, ["r1", "r2"]);
    }

    #[test]
    fn a_prefix_of_two_hashes_is_ambiguous() {
        let dir = tempfile::tempdir().expect("temp dir");
        let archive = super::dir(dir.path());
        std::fs::create_dir_all(&archive).expect("dir");
        for hash in [
            format!("abcdef01{}", "0".repeat(56)),
            format!("abcdef01{}", "1".repeat(56)),
        ] {
            std::fs::write(archive.join(format!("{hash}.toml")), "").expect("write");
        }
        let err = find(dir.path(), "abcdef01").expect_err("ambiguous");
        assert!(matches!(err, ArchiveError::Ambiguous { ref matches, .. } if matches.len() == 2));
        assert!(find(dir.path(), &format!("abcdef01{}", "1".repeat(8))).is_ok());
    }
}
