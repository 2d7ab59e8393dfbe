//! The kernel side of the daemon behind one small trait ([`Kernel`]), so the
//! actor's logic is testable without root; [`NftKernel`] is the real one.
//!
//! [`NftKernel`] applies with one atomic netlink batch
//! (`sanso_nft::netlink::apply`), reads the ruleset generation and the named
//! counters over netlink (`sanso_nft::netlink::generation`,
//! `named_counters`), reads the table back for drift
//! (`sanso_nft::readback::live_table`, which runs `nft`), and shells out to
//! `nft` and `ip` only for what has no netlink path here yet: restoring a
//! saved table text on rollback, and the neighbour table. Every program runs
//! through `sanso_process` (bounded in time and output). The steady state
//! of the drift watch (the generation unchanged) and the metrics endpoint
//! run no `nft`.
//! Nothing here ever flushes or deletes the table on its own.

use std::net::IpAddr;
use std::sync::Arc;

use sanso_ir::Ruleset;
use sanso_nft::isolation::{Isolated, IsolationChange};
use sanso_nft::netlink::{Applier, ApplyMode};
use sanso_nft::readback::LiveTable;
use sanso_process::{Command, ProcessError};
use serde_json::Value;

/// The closed ruleset loaded when there is nothing better: forward, input
/// and output drop everything except loopback (`deploy/fallback.nft`, which
/// `sanso-boot.service` loads too).
pub const FALLBACK_RULESET: &str = include_str!("../../../deploy/fallback.nft");

/// The shape the closed fallback reads back with (checked after a rollback
/// loads it): its comment, and forward, input and output dropping all but
/// loopback.
pub fn fallback_shape() -> sanso_nft::conformance::TableShape {
    // It has no counter `identity`: its table comment is its identity.
    let comment = sanso_nft::readback::identity_in_listing(FALLBACK_RULESET).unwrap_or_default();
    let hook = |name: &str| format!("type filter hook {name} priority 0; policy drop");
    sanso_nft::conformance::TableShape {
        comment,
        chains: [("forward", 0), ("input", 1), ("output", 1)]
            .into_iter()
            .map(|(c, n)| (c.to_owned(), n))
            .collect(),
        hooks: ["forward", "input", "output"]
            .into_iter()
            .map(|c| (c.to_owned(), hook(c)))
            .collect(),
        objects: Vec::new(),
        sets: Default::default(),
    }
}

/// Lines that make `nft -f` replace `table inet sanso` in one transaction.
const REPLACE_PREAMBLE: &str = "table inet sanso\ndelete table inet sanso\n";

#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    Apply(#[source] sanso_nft::netlink::ApplyError),
    Readback(#[source] sanso_nft::readback::ReadbackError),
    /// `nft` or `ip` did not run to success (its text is the message).
    Run(ProcessError),
    Output {
        command: String,
        what: String,
    },
    Task,
    NoIsolation,
    Isolation(#[source] sanso_nft::netlink::ApplyError),
    /// A netlink read (the generation, the counters) failed.
    Netlink(#[source] sanso_nft::netlink::ApplyError),
}

impl KernelError {
    /// The message in `lang` (without its causes).
    pub fn text_in(&self, lang: sanso_i18n::Lang) -> String {
        use sanso_i18n::t_in;
        match self {
            KernelError::Apply(_) => t_in!(lang, "daemon-kernel-apply"),
            KernelError::Readback(_) => t_in!(lang, "daemon-kernel-readback"),
            KernelError::Run(e) => e.text_in(lang),
            KernelError::Output { command, what } => {
                t_in!(lang, "daemon-kernel-output", command = command, what = what)
            }
            KernelError::Task => t_in!(lang, "daemon-kernel-task"),
            KernelError::NoIsolation => t_in!(lang, "daemon-kernel-no-isolation"),
            KernelError::Isolation(_) => t_in!(lang, "daemon-kernel-isolation"),
            KernelError::Netlink(_) => t_in!(lang, "daemon-kernel-netlink-read"),
        }
    }
}

impl std::fmt::Display for KernelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text_in(sanso_i18n::lang()))
    }
}

/// A named counter of `table inet sanso`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterValue {
    pub name: String,
    pub packets: u64,
    pub bytes: u64,
}

/// One entry of the gateway's neighbour tables (ARP / NDP) with a link-layer address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Neighbour {
    pub interface: String,
    pub address: IpAddr,
}

/// What the daemon needs from the kernel. Methods block; the actor calls them
/// on the blocking pool.
pub trait Kernel: Send + Sync + 'static {
    /// Replaces `table inet sanso` with `ruleset` (whose `nft -f` form is `text`), atomically.
    fn apply(&self, ruleset: &Ruleset, text: &str) -> Result<(), KernelError>;
    /// [`Kernel::apply`] with the isolation sets holding `isolated`, in the
    /// same batch (no instant in which an isolated address passes). The
    /// default serves kernels without isolation: only an empty `isolated`.
    fn apply_isolated(
        &self,
        ruleset: &Ruleset,
        text: &str,
        isolated: &Isolated,
    ) -> Result<(), KernelError> {
        if isolated.is_empty() {
            self.apply(ruleset, text)
        } else {
            Err(KernelError::NoIsolation)
        }
    }
    /// [`Kernel::apply_isolated`], saying how the table changed: in place
    /// or replaced, and why (`None`: this kernel does not say).
    fn apply_changing(
        &self,
        ruleset: &Ruleset,
        text: &str,
        isolated: &Isolated,
    ) -> Result<Option<ApplyMode>, KernelError> {
        self.apply_isolated(ruleset, text, isolated).map(|()| None)
    }
    /// Sets the isolation sets' elements to `isolated` (an element update,
    /// the table stays) and deletes the conntrack entries of the connections
    /// it cuts.
    fn set_isolated(&self, _isolated: &Isolated) -> Result<IsolationChange, KernelError> {
        Err(KernelError::NoIsolation)
    }
    /// The live table in normal form (absent is not an error).
    fn read_table(&self) -> Result<LiveTable, KernelError>;
    /// Reads the table back right after a load of `ruleset` with the
    /// isolation sets holding `isolated`, and checks it. The default reads
    /// it whole ([`Kernel::read_table`]) and checks its shape; the result
    /// then carries the table, which the drift watch keeps as its expected
    /// table.
    fn check_loaded(
        &self,
        ruleset: &Ruleset,
        isolated: &Isolated,
    ) -> Result<LoadCheck, KernelError> {
        let table = self.read_table()?;
        let report = sanso_nft::conformance::check_live_with(ruleset, isolated, &table);
        Ok(LoadCheck {
            checked: report.checked.to_string(),
            problems: report.problems,
            table: Some(table),
        })
    }
    /// The ruleset generation of the namespace: a number the kernel changes
    /// with every committed nf_tables change, by anyone. `None`: this kernel
    /// does not tell (the default), and every drift check reads the table.
    fn generation(&self) -> Result<Option<u32>, KernelError> {
        Ok(None)
    }
    /// Replaces `table inet sanso` with a table listing (as `nft list table` prints it).
    fn load_table_text(&self, listing: &str) -> Result<(), KernelError>;
    /// The named counters of `table inet sanso`.
    fn counters(&self) -> Result<Vec<CounterValue>, KernelError>;
    /// Neighbour entries that carry a link-layer address.
    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError>;
    /// Forgets what the last apply left, so that the next apply replaces
    /// the table whole: the table was found otherwise than loaded (a check
    /// after a load that failed or could not run, drift), and a change in
    /// place from what was loaded would keep what differs. The default:
    /// nothing to forget.
    fn forget_applied(&self) {}
    /// The gateway's link names. The default: not known (nothing is checked).
    fn links(&self) -> Result<std::collections::BTreeSet<String>, KernelError> {
        Err(KernelError::Output {
            command: "links".into(),
            what: sanso_i18n::t!("daemon-kernel-no-links"),
        })
    }
}

/// What [`Kernel::check_loaded`] compared and found.
#[derive(Debug)]
pub struct LoadCheck {
    /// What was compared (record data, in English).
    pub checked: String,
    /// The differences found; none: the table is as loaded.
    pub problems: Vec<String>,
    /// The table as read, when it was read whole (`None`: read over
    /// netlink, which gives no rule texts; the drift watch reads it at its
    /// next tick).
    pub table: Option<LiveTable>,
}

/// The real kernel, in network namespace `netns` or the current one.
/// Rulesets go in through one [`Applier`], which changes the table in place
/// when it can (the last table it applied is there, unchanged since).
#[derive(Clone, Debug)]
pub struct NftKernel {
    pub netns: Option<String>,
    applier: Arc<Applier>,
}

impl NftKernel {
    pub fn new(netns: Option<String>) -> Self {
        NftKernel {
            applier: Arc::new(Applier::new(netns.clone())),
            netns,
        }
    }

    /// `nft ARGS` in the namespace (through `ip netns exec` when one is named).
    fn nft(&self, args: &[&str], stdin: Option<String>) -> Result<String, KernelError> {
        let mut cmd = Command::new("nft")
            .args(args.iter().copied())
            .netns(self.netns.as_deref())
            .env("TZ", "UTC");
        if let Some(text) = stdin {
            cmd = cmd.stdin(text);
        }
        cmd.run().map_err(KernelError::Run)
    }
}

impl Kernel for NftKernel {
    fn apply(&self, ruleset: &Ruleset, text: &str) -> Result<(), KernelError> {
        self.apply_isolated(ruleset, text, &Isolated::default())
    }

    fn apply_isolated(
        &self,
        ruleset: &Ruleset,
        text: &str,
        isolated: &Isolated,
    ) -> Result<(), KernelError> {
        self.apply_changing(ruleset, text, isolated).map(|_| ())
    }

    fn apply_changing(
        &self,
        ruleset: &Ruleset,
        _text: &str,
        isolated: &Isolated,
    ) -> Result<Option<ApplyMode>, KernelError> {
        self.applier
            .apply(ruleset, isolated)
            .map(|(_, mode)| Some(mode))
            .map_err(KernelError::Apply)
    }

    fn set_isolated(&self, isolated: &Isolated) -> Result<IsolationChange, KernelError> {
        // Through the applier: the table it applied stays its baseline.
        self.applier
            .set_isolated(isolated)
            .map_err(KernelError::Isolation)
    }

    fn read_table(&self) -> Result<LiveTable, KernelError> {
        sanso_nft::readback::live_table(self.netns.as_deref()).map_err(KernelError::Readback)
    }

    /// Over netlink, without `nft` (`conformance::check_applied_with`):
    /// every chain with its hook and number of rules, every named object,
    /// every set with every element as the kernel holds it, and the
    /// isolation sets. At 10,000 flows it takes about a second where the
    /// `nft` listing takes eight.
    fn check_loaded(
        &self,
        ruleset: &Ruleset,
        isolated: &Isolated,
    ) -> Result<LoadCheck, KernelError> {
        let report =
            sanso_nft::conformance::check_applied_with(ruleset, isolated, self.netns.as_deref())
                .map_err(KernelError::Readback)?;
        Ok(LoadCheck {
            checked: report.checked.to_string(),
            problems: report.problems,
            table: None,
        })
    }

    fn generation(&self) -> Result<Option<u32>, KernelError> {
        sanso_nft::netlink::generation(self.netns.as_deref())
            .map(Some)
            .map_err(KernelError::Netlink)
    }

    fn load_table_text(&self, listing: &str) -> Result<(), KernelError> {
        // Loaded by other means: the next apply replaces the table.
        self.applier.forget();
        let script = format!("{REPLACE_PREAMBLE}{listing}");
        self.nft(&["-f", "-"], Some(script)).map(|_| ())
    }

    /// One netlink dump of the table's named counters (no `nft`).
    fn counters(&self) -> Result<Vec<CounterValue>, KernelError> {
        let (_, counters) = sanso_nft::netlink::named_counters(self.netns.as_deref(), "sanso")
            .map_err(KernelError::Netlink)?;
        Ok(counters
            .into_iter()
            .map(|c| CounterValue {
                name: c.name,
                packets: c.packets,
                bytes: c.bytes,
            })
            .collect())
    }

    fn forget_applied(&self) {
        self.applier.forget();
    }

    fn links(&self) -> Result<std::collections::BTreeSet<String>, KernelError> {
        crate::links::gateway_links(self.netns.as_deref()).map_err(|what| KernelError::Output {
            command: "ip -j link show".into(),
            what,
        })
    }

    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError> {
        let mut cmd = Command::new("ip");
        if let Some(ns) = &self.netns {
            cmd = cmd.args(["-n", ns]);
        }
        let out = cmd
            .args(["-j", "neigh", "show"])
            .run()
            .map_err(KernelError::Run)?;
        parse_neighbours(&out).map_err(|what| KernelError::Output {
            command: "ip -j neigh show".into(),
            what,
        })
    }
}

/// Reads `ip -j neigh show` output, keeping entries with a link-layer address
/// (a host that answered), sorted.
pub fn parse_neighbours(json: &str) -> Result<Vec<Neighbour>, String> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let items = value
        .as_array()
        .ok_or_else(|| sanso_i18n::t!("daemon-json-not-an-array"))?;
    let mut out: Vec<Neighbour> = items
        .iter()
        .filter(|n| n.get("lladdr").is_some())
        .filter(|n| {
            let failed = n["state"]
                .as_array()
                .is_some_and(|s| s.iter().any(|v| v == "FAILED" || v == "INCOMPLETE"));
            !failed
        })
        .filter_map(|n| {
            Some(Neighbour {
                interface: n["dev"].as_str()?.to_owned(),
                address: n["dst"].as_str()?.parse().ok()?,
            })
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_is_closed_and_replaces_only_its_table() {
        assert!(FALLBACK_RULESET.contains(REPLACE_PREAMBLE));
        assert!(FALLBACK_RULESET.contains("hook forward priority filter; policy drop;"));
        assert!(!FALLBACK_RULESET.contains("flush ruleset"));
    }

    #[test]
    fn neighbours_without_a_link_layer_address_are_ignored() {
        let json = r#"[{"dst":"10.20.1.9","dev":"lg0","lladdr":"02:00:00:00:00:01","state":["REACHABLE"]},
            {"dst":"10.20.1.10","dev":"lg0","state":["FAILED"]},
            {"dst":"fe80::1","dev":"lg0","lladdr":"02:00:00:00:00:02","state":["STALE"]}]"#;
        let n = parse_neighbours(json).expect("parses");
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].address, "10.20.1.9".parse::<IpAddr>().expect("addr"));
        assert_eq!(parse_neighbours("").expect("empty"), vec![]);
    }
}
