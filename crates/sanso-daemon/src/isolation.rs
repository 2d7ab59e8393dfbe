//! Isolation (緊急時対応, issue 14): what `sanso isolate` cut off, kept in
//! the state directory so it survives reloads, drift restores, daemon
//! restarts and reboots.
//!
//! * [`resolve`] turns a target (a zone, a host, an address or prefix) into
//!   addresses against the running policy, once, when it is isolated: the
//!   record says exactly what was cut, whatever the policy says later.
//! * [`Isolations`] is the list of entries, their union ([`Isolations::isolated`],
//!   the elements of the kernel's isolation sets), and its files:
//!   `isolations.json` (the entries) and `isolation.nft` (the element
//!   update boot loads after `last-good.nft`), both written durably.
//!
//! The kernel side (sets, rules, element updates, conntrack) is
//! `sanso_nft::isolation`.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use sanso_nft::isolation::Isolated;
use sanso_policy::source::ReadError;
use sanso_policy::{read_source, Policy};
use serde::{Deserialize, Serialize};

/// The entries, in the state directory.
pub const ISOLATIONS_FILE: &str = "isolations.json";
/// The element update for boot, in the state directory.
pub const ISOLATION_SCRIPT_FILE: &str = "isolation.nft";

/// Most targets in one request, and most entries kept.
pub const MAX_TARGETS: usize = 256;
/// Longest target text accepted.
pub const MAX_TARGET_CHARS: usize = 100;

/// What a target named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    Zone,
    Host,
    /// An address or a prefix.
    Prefix,
    /// Found isolated in the kernel with no entry on disk (the entries file
    /// was lost or damaged): kept, never silently released.
    Recovered,
}

/// One isolated target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolationEntry {
    /// As the operator wrote it (`mn-office`, `10.20.1.5`, `10.20.0.0/24`).
    pub target: String,
    pub kind: TargetKind,
    /// The zone's tier, for a zone or a host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// What was cut off: the addresses the target had when it was isolated.
    pub prefixes: Vec<IpNet>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// Who isolated it (the operator record of the audit).
    pub by: serde_json::Value,
    /// RFC 3339, UTC.
    pub since: String,
    /// Epoch seconds when `--for` releases it, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
}

impl IsolationEntry {
    /// `until` as RFC 3339.
    pub fn until_text(&self) -> Option<String> {
        self.until
            .and_then(|u| jiff::Timestamp::from_second(u).ok())
            .map(|t| t.to_string())
    }
}

impl std::fmt::Display for IsolationEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use sanso_i18n::t;
        let prefixes: Vec<String> = self.prefixes.iter().map(ToString::to_string).collect();
        let kind = match self.kind {
            TargetKind::Zone => t!("daemon-isolation-kind-zone"),
            TargetKind::Host => t!("daemon-isolation-kind-host"),
            TargetKind::Prefix => t!("daemon-isolation-kind-prefix"),
            TargetKind::Recovered => t!("daemon-isolation-kind-recovered"),
        };
        let kind = match self.tier.as_deref() {
            Some(tier) => t!("daemon-isolation-kind-tier", kind = kind, tier = tier),
            None => kind,
        };
        f.write_str(&t!(
            "daemon-isolation-entry",
            target = &self.target,
            kind = kind,
            prefixes = prefixes.join(" "),
            since = &self.since
        ))?;
        if let Some(until) = self.until_text() {
            f.write_str(&t!("daemon-isolation-entry-until", until = until))?;
        }
        f.write_str(&t!("daemon-isolation-entry-reason", reason = &self.reason))?;
        if let Some(ticket) = &self.ticket {
            f.write_str(&t!("daemon-isolation-entry-ticket", ticket = ticket))?;
        }
        Ok(())
    }
}

/// A target resolved against the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub target: String,
    pub kind: TargetKind,
    pub tier: Option<String>,
    pub prefixes: Vec<IpNet>,
}

/// Resolves `target`: a zone name (its networks, less the more specific
/// networks of other zones inside them), a host name (its addresses), or an
/// address or prefix. A name in both is refused as ambiguous; `self` and
/// empty targets are refused.
pub fn resolve(target: &str, policy: Option<&Policy>) -> Result<Resolved, String> {
    use sanso_i18n::t;
    let shown = crate::bounded::bounded_in(sanso_i18n::lang(), target, MAX_TARGET_CHARS);
    let quoted = format!("{shown:?}");
    if target.is_empty() || target.chars().count() > MAX_TARGET_CHARS {
        return Err(t!(
            "daemon-isolation-bad-target",
            target = &quoted,
            max = MAX_TARGET_CHARS
        ));
    }
    if let Ok(net) = target.parse::<IpNet>() {
        return Ok(prefix(target, net.trunc()));
    }
    if let Ok(addr) = target.parse::<IpAddr>() {
        return Ok(prefix(target, IpNet::from(addr)));
    }
    if target == "self" {
        return Err(t!("daemon-isolation-self"));
    }
    let Some(policy) = policy else {
        return Err(t!("daemon-isolation-no-policy", target = &quoted));
    };
    let zone = policy.zones.iter().find(|z| z.name == target);
    let host = policy.hosts.iter().find(|h| h.name == target);
    match (zone, host) {
        (Some(_), Some(_)) => Err(t!("daemon-isolation-zone-and-host", target = &quoted)),
        (Some(zone), None) => {
            let own = Isolated::new(zone.networks.iter().copied());
            let inner = Isolated::new(
                policy
                    .zones
                    .iter()
                    .filter(|other| other.name != zone.name)
                    .flat_map(|other| other.networks.iter().copied())
                    .filter(|inner| {
                        zone.networks
                            .iter()
                            .any(|net| inner.prefix_len() > net.prefix_len() && net.contains(inner))
                    }),
            );
            let prefixes = prefixes_of(&own.difference(&inner));
            if prefixes.is_empty() {
                return Err(t!("daemon-isolation-zone-empty", zone = &shown));
            }
            Ok(Resolved {
                target: target.to_owned(),
                kind: TargetKind::Zone,
                tier: Some(zone.tier.as_str().to_owned()),
                prefixes,
            })
        }
        (None, Some(host)) => Ok(Resolved {
            target: target.to_owned(),
            kind: TargetKind::Host,
            tier: policy
                .zones
                .get(host.zone.0)
                .map(|z| z.tier.as_str().to_owned()),
            prefixes: host.addresses.iter().map(IpNet::trunc).collect(),
        }),
        (None, None) => Err(t!(
            "daemon-isolation-unknown-target",
            target = &quoted,
            policy = &policy.name
        )),
    }
}

/// The fewest prefixes that cover exactly `isolated`'s ranges.
pub fn prefixes_of(isolated: &Isolated) -> Vec<IpNet> {
    let v4 = isolated
        .v4()
        .iter()
        .flat_map(|r| ipnet::Ipv4Subnets::new(r.first, r.last, 0).map(IpNet::V4));
    let v6 = isolated
        .v6()
        .iter()
        .flat_map(|r| ipnet::Ipv6Subnets::new(r.first, r.last, 0).map(IpNet::V6));
    v4.chain(v6).collect()
}

fn prefix(target: &str, net: IpNet) -> Resolved {
    Resolved {
        target: target.to_owned(),
        kind: TargetKind::Prefix,
        tier: None,
        prefixes: vec![net],
    }
}

/// The isolated targets, and their files in the state directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Isolations {
    pub entries: Vec<IsolationEntry>,
}

/// Why the entries file could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// Not read: an I/O error, or not a regular file (a FIFO or a device
    /// is never waited on nor opened), too large, not UTF-8.
    Read { path: PathBuf, source: ReadError },
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The I/O error itself: the read error's own message would say
            // "cannot read" the same path again.
            LoadError::Read {
                source: ReadError::Io { source, .. },
                ..
            } => Some(source),
            LoadError::Read { source, .. } => Some(source),
            LoadError::Parse { source, .. } => Some(source),
        }
    }
}

impl LoadError {
    /// The message in `lang` (without its causes).
    pub fn text_in(&self, lang: sanso_i18n::Lang) -> String {
        use sanso_i18n::t_in;
        match self {
            LoadError::Read { path, .. } => {
                t_in!(
                    lang,
                    "daemon-isolation-load-read",
                    path = path.display().to_string()
                )
            }
            LoadError::Parse { path, .. } => {
                t_in!(
                    lang,
                    "daemon-isolation-load-damaged",
                    path = path.display().to_string()
                )
            }
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

impl Isolations {
    /// Reads `STATE/isolations.json` (none: nothing isolated) with
    /// [`read_source`]: a regular file only, size-capped, never blocking on
    /// a FIFO nor opening a device put in its place.
    pub fn load(state_dir: &Path) -> Result<Isolations, LoadError> {
        let path = state_dir.join(ISOLATIONS_FILE);
        let text = match read_source(&path) {
            Ok(text) => text,
            Err(err) if err.is_missing() => return Ok(Isolations::default()),
            Err(source) => return Err(LoadError::Read { path, source }),
        };
        let entries =
            serde_json::from_str(&text).map_err(|source| LoadError::Parse { path, source })?;
        Ok(Isolations { entries })
    }

    /// Writes both files durably: the entries, and the element update for
    /// boot (removed when nothing is isolated).
    pub fn save(&self, state_dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(&self.entries).map_err(std::io::Error::other)?;
        crate::durable::write(&state_dir.join(ISOLATIONS_FILE), &json)?;
        let script = state_dir.join(ISOLATION_SCRIPT_FILE);
        if self.entries.is_empty() {
            crate::durable::remove(&script)
        } else {
            crate::durable::write(
                &script,
                &sanso_nft::isolation::isolation_script(&self.isolated()),
            )
        }
    }

    /// The union of every entry's addresses: what the kernel's sets hold.
    pub fn isolated(&self) -> Isolated {
        Isolated::new(self.entries.iter().flat_map(|e| e.prefixes.iter().copied()))
    }

    /// The entry that isolates `addr`, if any (the first).
    pub fn holding(&self, addr: IpAddr) -> Option<&IsolationEntry> {
        self.entries
            .iter()
            .find(|e| e.prefixes.iter().any(|p| p.contains(&addr)))
    }

    /// The earliest `until`.
    pub fn next_expiry(&self) -> Option<i64> {
        self.entries.iter().filter_map(|e| e.until).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
[policy]
name = "iso"

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]

[zones.ext]
tier = "external"
beyond = "internet"
interfaces = ["ext0"]
networks = ["0.0.0.0/0"]

[hosts.pc1]
zone = "lg"
addresses = ["10.20.1.5"]
"#;

    fn policy() -> Policy {
        sanso_policy::load_policy("iso.toml", POLICY).expect("valid")
    }

    #[test]
    fn a_zone_is_its_networks_less_the_zones_inside_them() {
        let p = policy();
        let lg = resolve("lg", Some(&p)).expect("zone");
        assert_eq!(lg.kind, TargetKind::Zone);
        assert_eq!(lg.tier.as_deref(), Some("lgwan"));
        assert_eq!(
            lg.prefixes,
            vec!["10.20.0.0/16".parse::<IpNet>().expect("net")]
        );
        let ext = resolve("ext", Some(&p)).expect("zone");
        let isolated = Isolated::new(ext.prefixes.iter().copied());
        assert!(isolated.contains("192.0.2.1".parse().expect("addr")));
        assert!(isolated.contains("10.21.0.1".parse().expect("addr")));
        assert!(
            !isolated.contains("10.20.1.5".parse().expect("addr")),
            "lg lies inside ext"
        );
        assert_eq!(
            prefixes_of(&isolated).len(),
            16,
            "0/0 less a /16: 16 prefixes"
        );
    }

    #[test]
    fn hosts_addresses_and_prefixes_resolve_and_the_rest_is_refused() {
        let p = policy();
        let host = resolve("pc1", Some(&p)).expect("host");
        assert_eq!(
            host.prefixes,
            vec!["10.20.1.5/32".parse::<IpNet>().expect("net")]
        );
        assert_eq!(host.tier.as_deref(), Some("lgwan"));
        let net = resolve("10.20.3.7/24", Some(&p)).expect("prefix");
        assert_eq!(
            net.prefixes,
            vec!["10.20.3.0/24".parse::<IpNet>().expect("net")]
        );
        assert_eq!(
            resolve("2001:db8::1", None).expect("address").prefixes,
            vec!["2001:db8::1/128".parse::<IpNet>().expect("net")]
        );
        for bad in ["self", "", "nosuch"] {
            assert!(resolve(bad, Some(&p)).is_err(), "{bad}");
        }
        assert!(resolve("lg", None).is_err(), "names need a policy");
    }

    #[test]
    fn entries_round_trip_and_the_script_follows_them() {
        let dir = tempfile::tempdir().expect("dir");
        let mut isolations = Isolations::default();
        isolations.entries.push(IsolationEntry {
            target: "pc1".into(),
            kind: TargetKind::Host,
            tier: Some("lgwan".into()),
            prefixes: vec!["10.20.1.5/32".parse().expect("net")],
            reason: "incident 42".into(),
            ticket: Some("INC-42".into()),
            by: serde_json::json!({"by": "peer", "uid": 0}),
            since: "2026-12-06T17:00:00Z".into(),
            until: None,
        });
        isolations.save(dir.path()).expect("save");
        assert_eq!(Isolations::load(dir.path()).expect("load"), isolations);
        let script =
            std::fs::read_to_string(dir.path().join(ISOLATION_SCRIPT_FILE)).expect("script");
        assert!(script.contains("10.20.1.5"), "{script}");
        assert!(isolations
            .holding("10.20.1.5".parse().expect("addr"))
            .is_some());
        isolations.entries.clear();
        isolations.save(dir.path()).expect("save");
        assert!(!dir.path().join(ISOLATION_SCRIPT_FILE).exists());
        std::fs::write(dir.path().join(ISOLATIONS_FILE), "[{").expect("damage");
        assert!(matches!(
            Isolations::load(dir.path()),
            Err(LoadError::Parse { .. })
        ));
    }

    #[test]
    fn a_fifo_in_place_of_the_entries_is_refused_at_once() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(ISOLATIONS_FILE);
        let c_path =
            std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path without NUL");
        // SAFETY: a valid NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
        // Read on another thread, so a read that waits for a writer fails
        // the test instead of hanging it.
        let state_dir = dir.path().to_owned();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(Isolations::load(&state_dir));
        });
        let loaded = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("Isolations::load waited on the FIFO");
        let err = loaded.expect_err("a FIFO is not an entries file");
        assert!(
            matches!(
                &err,
                LoadError::Read {
                    source: ReadError::NotRegular { .. },
                    ..
                }
            ),
            "{err:?}"
        );
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        assert!(
            text.starts_with(&format!("cannot read {}: ", path.display()))
                && text.contains("is a FIFO (named pipe), not a regular file"),
            "{text}"
        );
        // No file at all: nothing isolated.
        std::fs::remove_file(&path).expect("remove the FIFO");
        assert_eq!(
            Isolations::load(dir.path()).expect("missing: nothing isolated"),
            Isolations::default()
        );
    }
}
