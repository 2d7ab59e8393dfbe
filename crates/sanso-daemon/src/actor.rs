//! The daemon actor: the one owner of "what is in the kernel". Everything
//! else (signals, the file watch, the control socket, the metrics endpoint)
//! sends it a [`Command`] and gets its answer over a oneshot channel; timers
//! (commit-confirm deadline, next flow expiry, drift watch, neighbour watch)
//! live in its own loop.
//!
//! Architecture invariant: a policy that fails to load, compile or apply
//! never changes the running ruleset (the netlink batch is atomic) and is
//! logged, counted and audited. Every load is read back and checked
//! (`sanso_nft::conformance`); one that reads back otherwise is a failed apply
//! too: what ran before is loaded again, and checked in turn. Nothing here
//! flushes the table on exit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sanso_i18n::{t, t_in, Lang};
use sanso_nft::netlink::{ApplyMode, ReplaceReason};
use sanso_nft::readback::{LiveTable, TablePresence};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::audit::{AuditLog, Entry, EventKind, PolicyRef, Recovery};
use crate::bounded::error_chain as chain;
use crate::bounded::{
    bounded, bounded_in, bounded_lines, bounded_lines_in, ERROR_BOUNDS, FILE_NAME_CHARS,
};
use crate::compile::{compile, Compiled, PolicySource};
use crate::discovery::{assess, FindingKind, HostFinding};
use crate::isolation::{IsolationEntry, Isolations, TargetKind};
use crate::kernel::{Kernel, KernelError, FALLBACK_RULESET};
use crate::operator::Operator;
use crate::protocol::{Counts, DaemonStatus, PendingStatus, PolicyStatus};

pub mod last_good;
pub use last_good::LAST_GOOD_RESTORE_FILE;

/// The file, in the state directory, holding the last ruleset applied successfully.
pub const LAST_GOOD_FILE: &str = "last-good.nft";
/// The audit log, in the state directory.
pub const AUDIT_FILE: &str = "audit.jsonl";
/// A pending `apply --confirm`, in the state directory, while its window is
/// open: what comes back on rollback, and the deadline. A daemon that starts
/// and finds it rolls back at once.
pub const PENDING_FILE: &str = "pending-confirm.json";

/// [`PENDING_FILE`]'s content.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SavedPending {
    /// Epoch seconds of the rollback deadline.
    pub deadline: i64,
    /// Who asked for the apply: the uid, and all that is known of them
    /// (absent in files written before it was kept).
    pub uid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    /// The unconfirmed policy: name, revision, content hash.
    pub candidate: serde_json::Value,
    pub previous: SavedPrevious,
}

/// What a rollback restores, as saved on disk.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SavedPrevious {
    /// A policy the daemon had applied, recompiled on rollback.
    Policy { file: String, text: String },
    /// The table as listed before the apply (no policy of the daemon's).
    Table { listing: String },
    /// There was no table: the closed fallback comes back.
    Nothing,
}

/// What to do when the live table drifts from the applied one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftAction {
    /// Log, count and audit only.
    Report,
    /// Also re-apply the expected ruleset.
    Restore,
}

/// The actor's fixed configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub policy_path: PathBuf,
    pub state_dir: PathBuf,
    pub netns: Option<String>,
    pub drift_interval: Duration,
    pub drift_action: DriftAction,
    /// Every this many drift ticks the live table is read back and compared
    /// even when the ruleset generation has not changed (a safety net); the
    /// other ticks read the generation only. 1: every tick reads back.
    pub drift_full_every: u32,
    pub neighbour_interval: Duration,
}

/// [`Settings::drift_full_every`] of `sanso daemon`: at the default drift
/// interval of 30 s, a read-back every 5 minutes when nothing changed.
pub const DEFAULT_DRIFT_FULL_EVERY: u32 = 10;

/// Why a reload happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Start,
    Sighup,
    FileChange,
    /// `sanso reload` on the control socket.
    Request,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Start => "start",
            Trigger::Sighup => "sighup",
            Trigger::FileChange => "file-change",
            Trigger::Request => "request",
        }
    }
}

/// The answer to a request that changes something: a message for the operator.
pub type Outcome = Result<String, String>;

/// What the daemon keeps for the metrics endpoint.
#[derive(Clone, Debug, Default)]
pub struct MetricsSnapshot {
    pub counts: Counts,
    /// Epoch seconds of the last successful apply.
    pub last_apply: Option<i64>,
    pub policy: Option<PolicyRef>,
    pub pending_confirm: bool,
    /// Findings present in the neighbour tables at the last look.
    pub unknown_hosts_now: usize,
    pub spoofing_suspects_now: usize,
    /// Terminals of each zone's `dynamic` pools at the last look.
    pub dynamic_hosts_now: std::collections::BTreeMap<String, usize>,
    pub drift_now: bool,
    /// Targets isolated now.
    pub isolated_targets: usize,
    /// Interfaces of the policy the gateway lacks.
    pub missing_interfaces: usize,
}

/// The closed set of requests the actor serves.
#[derive(Debug)]
pub enum Command {
    Status {
        reply: oneshot::Sender<DaemonStatus>,
    },
    Reload {
        trigger: Trigger,
        by: Operator,
        reply: Option<oneshot::Sender<Outcome>>,
    },
    ApplyConfirm {
        source: PolicySource,
        timeout: Duration,
        by: Operator,
        reply: oneshot::Sender<Outcome>,
    },
    Confirm {
        by: Operator,
        reply: oneshot::Sender<Outcome>,
    },
    Metrics {
        reply: oneshot::Sender<MetricsSnapshot>,
    },
    /// The HA exchange ([`crate::ha`]) found the peer enforcing another
    /// policy for longer than one check interval: an audit record.
    RecordHa { detail: serde_json::Value },
    /// Isolate targets (zones, hosts, addresses) at once; `for_secs`
    /// releases them after that long.
    Isolate {
        targets: Vec<String>,
        for_secs: Option<u64>,
        by: Operator,
        reply: oneshot::Sender<Outcome>,
    },
    /// Release isolated targets (as they were named when isolated).
    Release {
        targets: Vec<String>,
        by: Operator,
        reply: oneshot::Sender<Outcome>,
    },
    /// The daemon is stopping: roll back a pending apply, record the stop,
    /// answer, and end the actor.
    Shutdown {
        signal: &'static str,
        reply: oneshot::Sender<String>,
    },
}

/// A cheap, cloneable sender of [`Command`]s.
#[derive(Clone, Debug)]
pub struct Handle {
    tx: mpsc::Sender<Command>,
}

fn stopped<T>(_: T) -> String {
    t!("daemon-actor-stopped")
}

impl Handle {
    pub async fn status(&self) -> Option<DaemonStatus> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Command::Status { reply }).await.ok()?;
        rx.await.ok()
    }

    /// Records an HA policy mismatch (fire and forget).
    pub async fn record_ha_mismatch(&self, detail: serde_json::Value) {
        let _ = self.tx.send(Command::RecordHa { detail }).await;
    }

    pub async fn metrics(&self) -> Option<MetricsSnapshot> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Command::Metrics { reply }).await.ok()?;
        rx.await.ok()
    }

    /// Reloads the policy file on behalf of `by`.
    pub async fn reload(&self, trigger: Trigger, by: Operator) -> Outcome {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Reload {
                trigger,
                by,
                reply: Some(reply),
            })
            .await
            .map_err(stopped)?;
        rx.await.map_err(stopped)?
    }

    /// Fire and forget (signals, the file watch): the operator is the
    /// daemon itself, running as `uid`.
    pub async fn notify_reload(&self, trigger: Trigger, uid: u32) {
        let _ = self
            .tx
            .send(Command::Reload {
                trigger,
                by: Operator {
                    uid,
                    ..Operator::daemon()
                },
                reply: None,
            })
            .await;
    }

    /// Applies `source` on behalf of `by`, rolled back unless confirmed
    /// within `timeout`.
    pub async fn apply_confirm(
        &self,
        source: PolicySource,
        timeout: Duration,
        by: Operator,
    ) -> Outcome {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::ApplyConfirm {
                source,
                timeout,
                by,
                reply,
            })
            .await
            .map_err(stopped)?;
        rx.await.map_err(stopped)?
    }

    /// Asks the actor to stop (after rolling back a pending apply); the
    /// answer says what it did. `None`: the actor had already stopped.
    pub async fn shutdown(&self, signal: &'static str) -> Option<String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Shutdown { signal, reply })
            .await
            .ok()?;
        rx.await.ok()
    }

    /// Confirms the pending apply on behalf of `by`.
    pub async fn isolate(
        &self,
        targets: Vec<String>,
        for_secs: Option<u64>,
        by: Operator,
    ) -> Outcome {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Isolate {
                targets,
                for_secs,
                by,
                reply,
            })
            .await
            .map_err(stopped)?;
        rx.await.map_err(stopped)?
    }

    pub async fn release(&self, targets: Vec<String>, by: Operator) -> Outcome {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Release { targets, by, reply })
            .await
            .map_err(stopped)?;
        rx.await.map_err(stopped)?
    }

    pub async fn confirm(&self, by: Operator) -> Outcome {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Confirm { by, reply })
            .await
            .map_err(stopped)?;
        rx.await.map_err(stopped)?
    }
}

/// A policy in the kernel.
#[derive(Clone, Debug)]
struct Installed {
    compiled: Compiled,
    applied_at: Timestamp,
    /// The table read back right after the apply: the expected side of drift checks.
    baseline: Option<LiveTable>,
    /// The ruleset generation read just before `baseline` was read, or
    /// before the last full drift check that found the table as expected:
    /// while the kernel reports the same, nothing changed since, and a
    /// drift tick reads no table. `None`: unknown (the next tick reads).
    generation: Option<u32>,
}

/// What a rollback restores.
#[derive(Debug)]
enum Previous {
    Policy(Box<Installed>),
    /// No policy had been applied by this daemon; the table as it was (its
    /// listing is loaded back, and the read-back compared with it).
    Table(Box<LiveTable>),
    /// The table listing saved with a pending confirm that a restarted
    /// daemon found: loaded back, and checked by its listing text.
    Listing(String),
    /// There was no table: the closed fallback comes back, never an open gateway.
    Nothing,
}

impl Previous {
    fn saved(&self) -> SavedPrevious {
        match self {
            Previous::Policy(installed) => SavedPrevious::Policy {
                file: installed.compiled.source.file.clone(),
                text: installed.compiled.source.text.clone(),
            },
            Previous::Table(table) => SavedPrevious::Table {
                listing: table.text.clone(),
            },
            Previous::Listing(listing) => SavedPrevious::Table {
                listing: listing.clone(),
            },
            Previous::Nothing => SavedPrevious::Nothing,
        }
    }
}

#[derive(Debug)]
struct Pending {
    previous: Previous,
    deadline: Instant,
    uid: u32,
    /// Who asked for the apply (`None`: a window saved without it).
    by: Option<Operator>,
}

/// What is loaded into the kernel, and then read back and checked.
enum Load {
    /// A compiled ruleset, by netlink; checked against its compiled shape.
    Ruleset(Compiled),
    /// The table as listed before an apply; the read-back is compared with
    /// that table.
    Listing(Box<LiveTable>),
    /// A saved table listing; the read-back's listing must be the same text.
    ListingText(String),
    /// The closed fallback; checked against its shape.
    Fallback,
}

impl Load {
    /// Intent detail: what is loaded, and the policy identity it reads back
    /// with (`LiveTable::comment`, under the key `table_comment`): how a
    /// restarted daemon tells whether the load happened.
    fn intent(&self) -> serde_json::Value {
        match self {
            Load::Ruleset(compiled) => json!({
                "load": "ruleset",
                "table_comment": sanso_nft::text::layout::identity_comment(&compiled.ruleset),
            }),
            Load::Listing(before) => {
                json!({ "load": "table-listing", "table_comment": before.comment })
            }
            Load::ListingText(_) => json!({ "load": "table-listing", "table_comment": null }),
            Load::Fallback => json!({
                "load": "fallback",
                "table_comment": crate::kernel::fallback_shape().comment,
            }),
        }
    }
}

/// Whether a change under `trigger` opens the gateway to something new
/// (refused when its intent cannot be audited) or only closes it or puts
/// back what was approved (goes ahead, loudly, when the disk is full).
fn opens(trigger: &str) -> bool {
    matches!(
        trigger,
        "start" | "sighup" | "file-change" | "request" | "apply-confirm" | "release"
    )
}

/// What reading the table back after a load found.
/// How a load is checked once it is in the kernel.
enum Checker {
    /// A ruleset: as the kernel checks it ([`Kernel::check_loaded`]).
    Ruleset(Arc<sanso_ir::Ruleset>, sanso_nft::isolation::Isolated),
    /// A listing or the fallback: against the table read back whole.
    Read(ReadCheck),
}

/// The check of a table read back whole: what it checked (record data) and
/// what differs.
type ReadCheck = Box<dyn FnOnce(&LiveTable) -> (String, Vec<String>) + Send>;

enum Loaded {
    /// Read back and found as loaded: the table when it was read whole (a
    /// drift baseline; `None`: checked over netlink, and the next drift
    /// tick reads it), and the ruleset generation read just before.
    Verified(Option<LiveTable>, Option<u32>),
    /// Read back, and different from what was loaded.
    Mismatch {
        /// What was compared.
        checked: String,
        problems: Vec<String>,
    },
    /// The table could not be read back: nothing was verified.
    NotReadBack(Said),
}

/// Whether an install's read-back ran.
/// How a load changed `table inet sanso`, for the outcome's audit record.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TableChange {
    /// A listing or the fallback, loaded whole by `nft`.
    Whole,
    /// A ruleset through the kernel's applier: how it went in (`None`:
    /// that kernel does not say).
    Ruleset(Option<ApplyMode>),
}

impl TableChange {
    /// `detail.table_change` of the outcome record (docs/operations.md).
    fn record(&self) -> serde_json::Value {
        match self {
            TableChange::Whole | TableChange::Ruleset(None) => {
                json!({ "mode": "replace" })
            }
            TableChange::Ruleset(Some(ApplyMode::Replaced(why))) => {
                let (reason, refusal) = match why {
                    ReplaceReason::NoBaseline => ("no-baseline", None),
                    ReplaceReason::GenerationChanged => ("generation-changed", None),
                    ReplaceReason::Layout => ("layout", None),
                    ReplaceReason::Refused(words) => ("refused", Some(words.as_str())),
                };
                json!({ "mode": "replace", "reason": reason, "refusal": refusal })
            }
            TableChange::Ruleset(Some(ApplyMode::InPlace(c))) => json!({
                "mode": "in-place",
                "elements_deleted": c.elements_deleted, "elements_added": c.elements_added,
                "chains_deleted": c.chains_deleted, "chains_added": c.chains_added,
                "chains_refilled": c.chains_refilled,
                "objects_deleted": c.objects_deleted, "objects_added": c.objects_added,
                "sets_deleted": c.sets_deleted, "sets_added": c.sets_added,
            }),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Check {
    /// Read back and found with the compiled shape.
    Verified,
    /// The table could not be read back; nothing was verified.
    NotReadBack,
}

impl Check {
    /// For the operator's message.
    fn said(self) -> String {
        match self {
            Check::Verified => t!("daemon-check-verified"),
            Check::NotReadBack => t!("daemon-check-not-read-back"),
        }
    }
}

/// A sentence in two languages: English for the audit record (records are
/// data, the same in every language) and the process language for the
/// operator, the status and the log.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Said {
    en: String,
    here: String,
}

impl Said {
    /// The message `say` makes, in English and in the process language.
    fn new(say: impl Fn(Lang) -> String) -> Said {
        let en = say(Lang::En);
        let here = match sanso_i18n::lang() {
            Lang::En => en.clone(),
            lang => say(lang),
        };
        Said { en, here }
    }

    /// A text with one form (another crate's error, a policy's diagnostics).
    fn plain(text: String) -> Said {
        Said {
            en: text.clone(),
            here: text,
        }
    }

    /// The text in `lang`: English, or the process language.
    fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            _ => &self.here,
        }
    }

    /// Both texts bounded and escaped ([`bounded_lines`]).
    fn bounded(&self) -> Said {
        Said {
            en: bounded_lines(&self.en, ERROR_BOUNDS),
            here: bounded_lines_in(sanso_i18n::lang(), &self.here, ERROR_BOUNDS),
        }
    }
}

/// An error of this crate, whose message can be had in either language.
trait TextIn: std::error::Error {
    fn text_in(&self, lang: Lang) -> String;
}

macro_rules! text_in {
    ($($t:ty),*) => {$(
        impl TextIn for $t {
            fn text_in(&self, lang: Lang) -> String {
                <$t>::text_in(self, lang)
            }
        }
    )*};
}
text_in!(
    KernelError,
    crate::audit::AuditError,
    crate::archive::ArchiveError,
    crate::isolation::LoadError
);

/// [`chain`] of an error of this crate, in English and in the process
/// language (its causes, other crates' errors, have one form).
fn chain_said(err: &impl TextIn) -> Said {
    Said::new(|l| {
        let mut text = err.text_in(l);
        if let Some(source) = err.source() {
            text.push_str(": ");
            text.push_str(&chain(source));
        }
        text
    })
}

/// "N difference(s), first: ..." for messages.
fn first_of(lang: Lang, problems: &[String]) -> String {
    t_in!(
        lang,
        "daemon-first-of",
        count = problems.len(),
        first = problems.first().map_or("", String::as_str)
    )
}

/// "<policy> rev <revision>" for messages.
fn named(compiled: &Compiled) -> String {
    format!(
        "{} rev {}",
        compiled.policy.name,
        compiled.policy.revision.as_deref().unwrap_or("-")
    )
}

/// Differences shown in a log line and an audit record.
const SHOWN_PROBLEMS: usize = 20;

/// How long a `--for` release that failed waits before it is tried again.
const ISOLATION_RETRY: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DriftState {
    Unknown,
    InSync,
    Drift,
    /// The live table could not be read at the last look.
    Unreadable,
}

pub struct Actor {
    settings: Settings,
    kernel: Arc<dyn Kernel>,
    audit: AuditLog,
    /// What opening the audit log repaired; recorded first thing.
    recoveries: Vec<Recovery>,
    /// What `sanso isolate` cut off (`isolations.json`).
    isolations: Isolations,
    /// Why `isolations.json` could not be read at start (recorded then).
    isolation_load_error: Option<Said>,
    /// After a `--for` release failed: not tried again before this.
    isolation_retry_at: Option<Instant>,
    /// The policy's interfaces the gateway lacks, at the last install.
    missing_interfaces: Vec<crate::links::MissingInterface>,
    /// When `last_error` was set (RFC 3339, UTC).
    last_error_at: Option<String>,
    /// `--audit-syslog`: a remote copy of the head after every record.
    syslog: Option<crate::syslog::SyslogSink>,
    /// Where the applied policy is published for the monitor.
    applied: Option<tokio::sync::watch::Sender<Option<crate::monitor::Applied>>>,
    current: Option<Installed>,
    pending: Option<Pending>,
    deferred_reload: Option<(Trigger, Operator)>,
    counts: Counts,
    last_error: Option<String>,
    last_apply: Option<i64>,
    drift: DriftState,
    /// The differences last reported, so persisting drift is audited once.
    last_drift: Option<Vec<String>>,
    /// Drift ticks since the last full check (read-back and comparison).
    drift_ticks_since_full: u32,
    /// Findings already reported for the current policy.
    reported_hosts: BTreeSet<HostFinding>,
    findings_now: Vec<HostFinding>,
    /// Terminals of `dynamic` pools per zone, at the last look.
    dynamic_now: std::collections::BTreeMap<String, usize>,
}

impl std::fmt::Debug for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actor")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Upper bound on remembered host findings (a flood of spoofed neighbours
/// must not grow memory without bound).
const MAX_REPORTED_HOSTS: usize = 10_000;

fn now_epoch() -> i64 {
    Timestamp::now().as_second()
}

fn epoch_text(secs: i64) -> String {
    Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| secs.to_string())
}

async fn blocking<T, F>(f: F) -> Result<T, KernelError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, KernelError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| KernelError::Task)?
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// How long reading the policy file may take (a hung network file system
/// must not stop the actor).
const READ_LIMIT: Duration = Duration::from_secs(10);

/// Reads the policy file with [`sanso_policy::read_source`] (regular files
/// only, size-capped, never blocking on a FIFO) on the blocking pool, within
/// [`READ_LIMIT`]. `Err`: the message, with its cause.
async fn read_policy(path: &Path) -> Result<String, Said> {
    let owned = path.to_owned();
    let read = tokio::task::spawn_blocking(move || sanso_policy::read_source(&owned));
    let file = path.display().to_string();
    match tokio::time::timeout(READ_LIMIT, read).await {
        Ok(Ok(Ok(text))) => Ok(text),
        Ok(Ok(Err(err))) => Err(Said::plain(chain(&err))),
        Ok(Err(_)) => Err(Said::new(|l| {
            t_in!(l, "daemon-read-policy-failed", file = &file)
        })),
        Err(_) => Err(Said::new(|l| {
            t_in!(
                l,
                "daemon-read-policy-slow",
                file = &file,
                seconds = READ_LIMIT.as_secs()
            )
        })),
    }
}

/// When the loop should wake for something due at `at` (epoch seconds): at
/// most an hour ahead, so a changed wall clock is noticed.
fn wakeup_at(at: i64) -> Instant {
    let secs = at.saturating_sub(now_epoch()).clamp(0, 3600);
    Instant::now() + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

impl Actor {
    /// Opens the audit log in the state directory (creating the directory).
    pub fn new(settings: Settings, kernel: Arc<dyn Kernel>) -> Result<Self, crate::DaemonError> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&settings.state_dir)
            .map_err(|source| crate::DaemonError::StateDir {
                path: settings.state_dir.clone(),
                source,
            })?;
        let (audit, recoveries) = AuditLog::open_recovering(&settings.state_dir.join(AUDIT_FILE))?;
        let (isolations, isolation_load_error) = match Isolations::load(&settings.state_dir) {
            Ok(isolations) => (isolations, None),
            Err(err) => (Isolations::default(), Some(chain_said(&err))),
        };
        Ok(Actor {
            settings,
            kernel,
            audit,
            recoveries,
            isolations,
            isolation_load_error,
            isolation_retry_at: None,
            missing_interfaces: Vec::new(),
            last_error_at: None,
            syslog: None,
            applied: None,
            current: None,
            pending: None,
            deferred_reload: None,
            counts: Counts::default(),
            last_error: None,
            last_apply: None,
            drift: DriftState::Unknown,
            last_drift: None,
            drift_ticks_since_full: 0,
            reported_hosts: BTreeSet::new(),
            findings_now: Vec::new(),
            dynamic_now: std::collections::BTreeMap::new(),
        })
    }

    /// Also sends the audit head after every record to a syslog collector.
    pub fn with_audit_syslog(mut self, sink: crate::syslog::SyslogSink) -> Self {
        self.syslog = Some(sink);
        self
    }

    /// Also publishes the policy in the kernel (after every change) on `tx`,
    /// for the monitor ([`crate::monitor`]).
    pub fn with_applied_watch(
        mut self,
        tx: tokio::sync::watch::Sender<Option<crate::monitor::Applied>>,
    ) -> Self {
        self.applied = Some(tx);
        self
    }

    /// Publishes the policy in the kernel when it is another than last time.
    fn publish_applied(&self) {
        let Some(tx) = &self.applied else {
            return;
        };
        let now = self
            .current
            .as_ref()
            .map(|c| crate::monitor::Applied::from(&c.compiled));
        tx.send_if_modified(|old| {
            let same = match (old.as_ref(), now.as_ref()) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(&a.ruleset, &b.ruleset),
                _ => false,
            };
            if !same {
                *old = now;
            }
            !same
        });
    }

    /// Starts the actor on the current runtime: applies the policy file, then
    /// serves commands until every [`Handle`] is dropped.
    pub fn spawn(self) -> (Handle, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(64);
        let task = tokio::spawn(self.run(rx));
        (Handle { tx }, task)
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        // What the last run left: a repaired log, a change whose outcome was
        // never recorded, a confirm window nobody can close any more.
        for recovery in std::mem::take(&mut self.recoveries) {
            self.counts.audit_recoveries += 1;
            tracing::error!(recovery = %recovery, "{}", t!("daemon-log-audit-recovered"));
            self.record(
                EventKind::AuditRecovery,
                &Operator::daemon(),
                None,
                recovery.detail(),
            );
        }
        self.reconcile().await;
        self.record(
            EventKind::Start,
            &Operator::daemon(),
            None,
            json!({
                "policy_file": self.settings.policy_path.display().to_string(),
                "netns": self.settings.netns,
                // What `sanso boot` loaded before this daemon (its own file).
                "boot": last_good::boot_record_detail(&self.settings.state_dir),
            }),
        );
        self.resume_pending().await;
        self.recover_isolation().await;
        let _ = self.reload(Trigger::Start, &Operator::daemon()).await;
        let mut drift_tick = tokio::time::interval_at(
            Instant::now() + self.settings.drift_interval,
            self.settings.drift_interval,
        );
        drift_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut neighbour_tick = tokio::time::interval_at(
            Instant::now() + self.settings.neighbour_interval,
            self.settings.neighbour_interval,
        );
        neighbour_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            self.publish_applied();
            let confirm_deadline = self.pending.as_ref().map(|p| p.deadline);
            let expiry = self.expiry_wakeup();
            let isolation_expiry = self.isolation_wakeup();
            tokio::select! {
                command = rx.recv() => match command {
                    Some(Command::Shutdown { signal, reply }) => {
                        let said = self.shutdown(signal).await;
                        let _ = reply.send(said);
                        break;
                    }
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                () = sleep_until_opt(confirm_deadline) => self.rollback().await,
                () = sleep_until_opt(expiry) => self.expire().await,
                () = sleep_until_opt(isolation_expiry) => self.expire_isolations().await,
                _ = drift_tick.tick() => self.check_drift().await,
                _ = neighbour_tick.tick() => self.watch_neighbours().await,
            }
        }
        tracing::info!("{}", t!("daemon-log-actor-stopped"));
    }

    /// At start: when the log ends with an intent (the last run died
    /// between a kernel change and its outcome), reads the live table and
    /// records whether the change happened, judged by the policy identity
    /// the intent expected (its `table_comment`).
    async fn reconcile(&mut self) {
        let Some(last) = self.audit.last_record() else {
            return;
        };
        if last["event"] != "intent" {
            return;
        }
        let expected = last["detail"]["table_comment"].as_str().map(str::to_owned);
        let kernel = Arc::clone(&self.kernel);
        let (finding, found) = match blocking(move || kernel.read_table()).await {
            Err(err) => ("unreadable", json!(chain_said(&err).en)),
            Ok(table) if table.presence == TablePresence::Absent => ("no-table", json!(null)),
            Ok(table) => {
                let finding = match (&expected, &table.comment) {
                    (Some(e), Some(c)) if e == c => "applied",
                    (Some(_), _) => "not-applied",
                    (None, _) => "unknown",
                };
                (finding, json!(table.comment))
            }
        };
        tracing::warn!(intent_seq = %last["seq"], finding, "{}", t!("daemon-log-reconcile"));
        self.record(
            EventKind::Reconcile,
            &Operator::daemon(),
            None,
            json!({
                "intent_seq": last["seq"],
                "intent_policy": last["policy"],
                "intent": last["detail"],
                "finding": finding,
                "table_comment_found": found,
            }),
        );
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Status { reply } => {
                let _ = reply.send(self.status());
            }
            Command::Metrics { reply } => {
                let _ = reply.send(self.metrics());
            }
            Command::RecordHa { detail } => {
                let policy = self.current.as_ref().map(|c| c.compiled.policy_ref());
                self.record(EventKind::HaMismatch, &Operator::daemon(), policy, detail);
            }
            Command::Reload { trigger, by, reply } => {
                let outcome = self.reload(trigger, &by).await;
                if let Some(reply) = reply {
                    let _ = reply.send(outcome);
                }
            }
            Command::ApplyConfirm {
                source,
                timeout,
                by,
                reply,
            } => {
                let outcome = self.apply_confirm(source, timeout, &by).await;
                let _ = reply.send(outcome);
            }
            Command::Shutdown { reply, .. } => {
                // Served by the loop; here only if called directly.
                let _ = reply.send(t!("daemon-actor-stopping"));
            }
            Command::Isolate {
                targets,
                for_secs,
                by,
                reply,
            } => {
                let outcome = self.isolate(targets, for_secs, &by).await;
                let _ = reply.send(outcome);
            }
            Command::Release { targets, by, reply } => {
                let outcome = self.release(targets, &by, "request").await;
                let _ = reply.send(outcome);
            }
            Command::Confirm { by, reply } => {
                let outcome = self.confirm(&by).await;
                let _ = reply.send(outcome);
            }
        }
    }

    /// Appends an audit record; a failure is logged and counted (the gateway
    /// keeps running). For records whose loss must change the answer, see
    /// [`Actor::try_record`].
    fn record(
        &mut self,
        event: EventKind,
        by: &Operator,
        policy: Option<PolicyRef>,
        detail: serde_json::Value,
    ) {
        let _ = self.try_record(event, by, policy, detail);
    }

    /// Appends an audit record and fsyncs it; logs the new head at info
    /// level (the journal's copy of the chain's anchor). `Err` says why the
    /// record could not be written (logged, counted, kept as the last error).
    ///
    /// The record's `uid` is `by`'s, and its detail carries all of `by` as
    /// `operator`.
    fn try_record(
        &mut self,
        event: EventKind,
        by: &Operator,
        policy: Option<PolicyRef>,
        detail: serde_json::Value,
    ) -> Result<(), Said> {
        let mut detail = match detail {
            serde_json::Value::Object(map) => map,
            serde_json::Value::Null => serde_json::Map::new(),
            other => serde_json::Map::from_iter([("value".to_owned(), other)]),
        };
        detail.insert(
            "operator".to_owned(),
            serde_json::to_value(by).unwrap_or_default(),
        );
        let entry = Entry {
            event,
            uid: by.uid,
            policy,
            detail: serde_json::Value::Object(detail),
        };
        match self.audit.append(&entry) {
            Ok(head) => {
                let event = serde_json::to_value(event).unwrap_or_default();
                let event = event.as_str().unwrap_or("-");
                tracing::info!(event = %event, audit_head = %head, "{}", t!("daemon-log-audit-written"));
                if let Some(sink) = &self.syslog {
                    let time = Timestamp::now().to_string();
                    if let Err(err) = sink.send(&time, event, &head.to_string()) {
                        tracing::warn!(target = %sink.target(), error = %err, "{}", t!("daemon-log-syslog-failed"));
                    }
                }
                Ok(())
            }
            Err(err) => {
                let error = chain_said(&err);
                let text = Said::new(|l| t_in!(l, "daemon-audit-lost", error = error.get(l)));
                self.counts.audit_failures += 1;
                tracing::error!(error = %text.here, "{}", t!("daemon-log-audit-lost"));
                self.set_last_error(text.here.clone());
                Err(text)
            }
        }
    }

    /// Writes the intent record of a kernel change before it is made. `Err`
    /// (the change must not be made) only for changes that open the gateway;
    /// one that closes it or puts back what was approved goes ahead, with
    /// the lost record logged at error level and counted.
    fn intend(&mut self, trigger: &str, by: &Operator, load: &Load) -> Result<(), Said> {
        let policy = match load {
            Load::Ruleset(compiled) => Some(compiled.policy_ref()),
            _ => None,
        };
        let mut detail = load.intent();
        detail["trigger"] = json!(trigger);
        self.intend_with(trigger, by, policy, detail)
    }

    /// [`Actor::intend`] of a change described by `detail`: refused
    /// unless on record when it opens the gateway ([`opens`]).
    fn intend_with(
        &mut self,
        trigger: &str,
        by: &Operator,
        policy: Option<PolicyRef>,
        detail: serde_json::Value,
    ) -> Result<(), Said> {
        match self.try_record(EventKind::Intent, by, policy, detail) {
            Ok(()) => Ok(()),
            Err(err) if opens(trigger) => Err(Said::new(|l| {
                t_in!(l, "daemon-intent-lost-refused", error = err.get(l))
            })),
            Err(err) => {
                tracing::error!(trigger, error = %err.here, "{}", t!("daemon-log-intent-lost"));
                Ok(())
            }
        }
    }

    fn refuse(&mut self, trigger: &str, by: &Operator, file: &str, error: Said) -> Outcome {
        // Diagnostics quote the file: bounded and escaped before they reach
        // the log, the status and the audit.
        let error = error.bounded();
        let file = bounded(file, FILE_NAME_CHARS);
        let file = file.as_str();
        tracing::error!(trigger, file, error = %bounded_in(sanso_i18n::lang(), &error.here, ERROR_BOUNDS.chars), "{}", t!("daemon-log-policy-refused"));
        self.counts.refused += 1;
        self.set_last_error(error.here.clone());
        self.record(
            EventKind::Refused,
            by,
            None,
            json!({ "trigger": trigger, "file": file, "error": error.en }),
        );
        Err(t!("daemon-policy-refused", error = &error.here))
    }

    fn apply_failed(
        &mut self,
        trigger: &str,
        by: &Operator,
        compiled: &Compiled,
        error: Said,
    ) -> Outcome {
        let error = error.bounded();
        tracing::error!(trigger, error = %bounded_in(sanso_i18n::lang(), &error.here, ERROR_BOUNDS.chars), "{}", t!("daemon-log-apply-failed"));
        self.counts.apply_failures += 1;
        self.set_last_error(error.here.clone());
        self.record(
            EventKind::ApplyFailed,
            by,
            Some(compiled.policy_ref()),
            json!({ "trigger": trigger, "error": error.en }),
        );
        Err(t!("daemon-apply-failed", error = &error.here))
    }

    /// Loads `load` into the kernel, then reads the table back and checks it
    /// against what was loaded. `Err`: the kernel refused the load (a
    /// compiled ruleset is then not in the kernel; the batch is atomic).
    /// The caller has written its intent record ([`Actor::intend`]).
    async fn load_and_check(&self, load: Load) -> Result<(Loaded, TableChange), Said> {
        let kernel = Arc::clone(&self.kernel);
        let mut change = TableChange::Whole;
        let check: Checker = match load {
            Load::Ruleset(compiled) => {
                let (ruleset, text) = (Arc::clone(&compiled.ruleset), compiled.text.clone());
                // What is isolated goes into the same batch: a reload or a
                // restore never lets an isolated address through.
                let isolated = self.isolations.isolated();
                let loaded = isolated.clone();
                let mode = blocking(move || kernel.apply_changing(&ruleset, &text, &loaded))
                    .await
                    .map_err(|e| chain_said(&e))?;
                change = TableChange::Ruleset(mode);
                Checker::Ruleset(Arc::clone(&compiled.ruleset), isolated)
            }
            Load::Listing(before) => {
                let listing = before.text.clone();
                blocking(move || kernel.load_table_text(&listing))
                    .await
                    .map_err(|e| chain_said(&e))?;
                Checker::Read(Box::new(move |table: &LiveTable| {
                    let diff = sanso_nft::readback::diff(&before, table);
                    (
                        // What was checked: record data, in English.
                        "every object, set element and rule of the table as listed before"
                            .to_owned(),
                        diff.changes.iter().map(ToString::to_string).collect(),
                    )
                }))
            }
            Load::ListingText(listing) => {
                let text = listing.clone();
                blocking(move || kernel.load_table_text(&text))
                    .await
                    .map_err(|e| chain_said(&e))?;
                Checker::Read(Box::new(move |table: &LiveTable| {
                    let same = table.presence == TablePresence::Present && table.text == listing;
                    (
                        // What was checked: record data, in English.
                        "the listing of the table as saved before the apply".to_owned(),
                        if same {
                            Vec::new()
                        } else {
                            vec![t!("daemon-listing-differs")]
                        },
                    )
                }))
            }
            Load::Fallback => {
                blocking(move || kernel.load_table_text(FALLBACK_RULESET))
                    .await
                    .map_err(|e| chain_said(&e))?;
                Checker::Read(Box::new(|table: &LiveTable| {
                    let shape = crate::kernel::fallback_shape();
                    (
                        shape.coverage().to_string(),
                        sanso_nft::conformance::check_shape(&shape, table),
                    )
                }))
            }
        };
        let kernel = Arc::clone(&self.kernel);
        let read = blocking(move || {
            // The generation first: a change after it shows as a new one.
            let generation = kernel.generation().ok().flatten();
            match check {
                Checker::Ruleset(ruleset, isolated) => {
                    let found = kernel.check_loaded(&ruleset, &isolated)?;
                    Ok((found.table, generation, found.checked, found.problems))
                }
                Checker::Read(check) => {
                    let table = kernel.read_table()?;
                    let (checked, problems) = check(&table);
                    Ok((Some(table), generation, checked, problems))
                }
            }
        })
        .await;
        let loaded = match read {
            Ok((table, generation, _, problems)) if problems.is_empty() => {
                Loaded::Verified(table, generation)
            }
            Ok((_, _, checked, problems)) => Loaded::Mismatch { checked, problems },
            Err(err) => Loaded::NotReadBack(chain_said(&err)),
        };
        if !matches!(loaded, Loaded::Verified(..)) {
            // The table is not known to be what was loaded: what comes next
            // (a put-back, a restore, the next reload) replaces it whole.
            self.kernel.forget_applied();
        }
        Ok((loaded, change))
    }

    /// Applies `compiled`, reads the table back and checks its shape; when it
    /// matches, `compiled` becomes the current policy and the last good
    /// ruleset on disk. `Ok` says whether the check ran (it passed when it
    /// did). `Err`: the kernel refused it (nothing changed), or the table
    /// read back otherwise (audited `verify-failed`; what ran before is back,
    /// the error says what the kernel holds now).
    async fn install(
        &mut self,
        compiled: Compiled,
        trigger: &str,
        by: &Operator,
    ) -> Result<(Check, TableChange), Said> {
        // With no policy of its own yet, a failed apply must leave the kernel
        // as it was, like a refusal does: keep that table to put it back.
        let before = if self.current.is_none() {
            let kernel = Arc::clone(&self.kernel);
            blocking(move || kernel.read_table()).await.ok()
        } else {
            None
        };
        let load = Load::Ruleset(compiled.clone());
        self.intend(trigger, by, &load)?;
        let (loaded, change) = self.load_and_check(load).await.map_err(|e| {
            Said::new(|l| t_in!(l, "daemon-kernel-refused-apply", error = e.get(l)))
        })?;
        let (baseline, generation, check) = match loaded {
            Loaded::Verified(table, generation) => (table, generation, Check::Verified),
            Loaded::Mismatch { checked, problems } => {
                return Err(self
                    .unverified(&compiled, checked, problems, before, trigger, by)
                    .await);
            }
            Loaded::NotReadBack(err) => {
                tracing::warn!(error = %err.here, "{}", t!("daemon-log-not-read-back"));
                self.set_last_error(t!(
                    "daemon-applied-not-verified",
                    policy = named(&compiled),
                    error = &err.here
                ));
                (None, None, Check::NotReadBack)
            }
        };
        // What boot loads changes only with a ruleset that needs no
        // confirmation: never with one inside a confirm window.
        let unconfirmed = trigger == "apply-confirm" || self.pending.is_some();
        let saved = if unconfirmed {
            Ok(())
        } else {
            self.save_last_good(&compiled)
        };
        // A verified and saved apply: an earlier error no longer holds.
        if saved.is_ok() && check == Check::Verified {
            self.last_error = None;
        }
        let changed_policy = self
            .current
            .as_ref()
            .is_none_or(|c| c.compiled.policy.content_hash != compiled.policy.content_hash);
        if changed_policy {
            self.reported_hosts.clear();
        }
        // Without a table read whole, the next drift tick reads it.
        self.drift_ticks_since_full = if baseline.is_some() {
            0
        } else {
            self.settings.drift_full_every
        };
        self.current = Some(Installed {
            compiled,
            applied_at: Timestamp::now(),
            baseline,
            generation,
        });
        self.counts.applies += 1;
        self.last_apply = Some(now_epoch());
        self.check_interfaces().await;
        self.drift = DriftState::InSync;
        self.last_drift = None;
        Ok((check, change))
    }

    /// Compares the running policy's interfaces with the gateway's links;
    /// each missing one is a warning (once, while it stays missing), shown
    /// by status and the metrics. Links that cannot be listed: not checked.
    async fn check_interfaces(&mut self) {
        let Some(policy) = self
            .current
            .as_ref()
            .map(|c| Arc::clone(&c.compiled.policy))
        else {
            return;
        };
        let kernel = Arc::clone(&self.kernel);
        let Ok(links) = blocking(move || kernel.links()).await else {
            return;
        };
        let missing = crate::links::missing_interfaces(&policy, &links);
        for m in missing
            .iter()
            .filter(|m| !self.missing_interfaces.contains(m))
        {
            tracing::warn!(zone = %m.zone, interface = %m.interface, "{m}");
        }
        self.missing_interfaces = missing;
    }

    /// Keeps `text`, bounded and escaped, as the error `status` shows.
    fn set_last_error(&mut self, text: String) {
        self.last_error = Some(bounded_lines_in(sanso_i18n::lang(), &text, ERROR_BOUNDS));
        self.last_error_at = Some(Timestamp::now().to_string());
    }

    /// Keeps an applied policy in the archive ([`crate::archive`]). What the
    /// record says: the archived file, relative to the state directory, or
    /// why it could not be written (logged; the apply stands).
    fn archive(&self, compiled: &Compiled) -> serde_json::Value {
        match crate::archive::keep(&self.settings.state_dir, compiled, Timestamp::now()) {
            Ok(_) => json!(format!(
                "{}/{}.toml",
                crate::archive::ARCHIVE_DIR,
                compiled.policy.content_hash
            )),
            Err(err) => {
                let error = chain_said(&err);
                tracing::error!(error = %error.here, "{}", t!("daemon-log-archive-failed"));
                json!({ "error": error.en })
            }
        }
    }

    /// Saves `compiled` as what boot loads: [`LAST_GOOD_FILE`] (its nft
    /// text) and [`LAST_GOOD_RESTORE_FILE`] (what a netlink restore
    /// compiles), at the same moment ([`last_good::save`]); a failure is
    /// logged and kept as the last error.
    fn save_last_good(&mut self, compiled: &Compiled) -> Result<(), Said> {
        last_good::save(&self.settings.state_dir, compiled)
            .map_err(|(path, err)| self.last_good_failed(&path, &err))
    }

    /// A pair that could not be saved: logged, kept as the last error.
    fn last_good_failed(&mut self, last_good: &Path, err: &std::io::Error) -> Said {
        tracing::error!(path = %last_good.display(), error = %err, "{}", t!("daemon-log-last-good-failed"));
        let (path, error) = (last_good.display().to_string(), err.to_string());
        let text = Said::new(|l| t_in!(l, "daemon-cannot-save", path = &path, error = &error));
        self.set_last_error(text.here.clone());
        text
    }

    /// Writes or removes [`PENDING_FILE`] durably.
    fn save_pending(&self, saved: Option<&SavedPending>) -> std::io::Result<()> {
        let path = self.settings.state_dir.join(PENDING_FILE);
        match saved {
            Some(saved) => {
                let text = serde_json::to_string(saved).map_err(std::io::Error::other)?;
                crate::durable::write(&path, &text)
            }
            None => crate::durable::remove(&path),
        }
    }

    /// A load read back otherwise than loaded: logged, counted and audited
    /// (`verify-failed`, with what the kernel holds now).
    fn verify_failed(
        &mut self,
        trigger: &str,
        by: &Operator,
        policy: Option<PolicyRef>,
        checked: &str,
        problems: &[String],
        kernel_now: &Said,
    ) {
        self.counts.verify_failures += 1;
        let shown: Vec<&String> = problems.iter().take(SHOWN_PROBLEMS).collect();
        tracing::error!(trigger, problems = %shown.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("; "), kernel_now = %kernel_now.here, "{}", t!("daemon-log-verify-failed"));
        self.record(
            EventKind::VerifyFailed,
            by,
            policy,
            json!({
                "trigger": trigger,
                "checked": checked,
                "problems": shown,
                "count": problems.len(),
                "kernel_now": kernel_now.en,
            }),
        );
    }

    /// The table read back after applying `compiled` has another shape: put
    /// back what ran before (as a refusal would have left it), audit it, and
    /// say what the kernel holds now.
    async fn unverified(
        &mut self,
        compiled: &Compiled,
        checked: String,
        problems: Vec<String>,
        before: Option<LiveTable>,
        trigger: &str,
        by: &Operator,
    ) -> Said {
        let kernel_now = self.put_back(compiled, before).await;
        self.verify_failed(
            trigger,
            by,
            Some(compiled.policy_ref()),
            &checked,
            &problems,
            &kernel_now,
        );
        Said::new(|l| {
            t_in!(
                l,
                "daemon-unverified",
                first = first_of(l, &problems),
                kernel_now = kernel_now.get(l)
            )
        })
    }

    /// After an unverified apply of `failed`: loads what ran before (the
    /// current policy; without one the table as it was, or the closed
    /// fallback when there was none), checks it too, and says what the
    /// kernel holds now.
    async fn put_back(&mut self, failed: &Compiled, before: Option<LiveTable>) -> Said {
        let (load, what) = match (&self.current, before) {
            (Some(current), _) => {
                let policy = named(&current.compiled);
                (
                    Load::Ruleset(current.compiled.clone()),
                    Said::new(|l| t_in!(l, "daemon-put-back-reapplied", policy = &policy)),
                )
            }
            (None, Some(table)) if table.presence == TablePresence::Present => (
                Load::Listing(Box::new(table)),
                Said::new(|l| t_in!(l, "daemon-put-back-restored-table")),
            ),
            (None, _) => (
                Load::Fallback,
                Said::new(|l| t_in!(l, "daemon-put-back-fallback")),
            ),
        };
        let keeps_policy = matches!(load, Load::Ruleset(_));
        let _ = self.intend("put-back", &Operator::daemon(), &load);
        let loaded = match self.load_and_check(load).await {
            Ok((loaded, _)) => loaded,
            Err(err) => {
                let policy = named(failed);
                return Said::new(|l| {
                    t_in!(
                        l,
                        "daemon-put-back-failed",
                        error = err.get(l),
                        policy = &policy
                    )
                });
            }
        };
        if !keeps_policy {
            self.current = None;
            self.drift = DriftState::Unknown;
        }
        match loaded {
            Loaded::Verified(table, generation) => {
                if table.is_none() {
                    self.drift_ticks_since_full = self.settings.drift_full_every;
                }
                if let Some(current) = self.current.as_mut() {
                    current.baseline = table;
                    current.generation = generation;
                    self.drift = DriftState::InSync;
                    self.last_drift = None;
                }
                Said::new(|l| t_in!(l, "daemon-put-back-verified", what = what.get(l)))
            }
            Loaded::Mismatch { problems, .. } => {
                self.counts.verify_failures += 1;
                Said::new(|l| {
                    t_in!(
                        l,
                        "daemon-put-back-mismatch",
                        what = what.get(l),
                        first = first_of(l, &problems)
                    )
                })
            }
            Loaded::NotReadBack(err) => Said::new(|l| {
                t_in!(
                    l,
                    "daemon-put-back-not-read-back",
                    what = what.get(l),
                    error = err.get(l)
                )
            }),
        }
    }

    async fn reload(&mut self, trigger: Trigger, by: &Operator) -> Outcome {
        if self.pending.is_some() {
            tracing::warn!(
                trigger = trigger.as_str(),
                "{}",
                t!("daemon-log-reload-deferred")
            );
            self.deferred_reload = Some((trigger, by.clone()));
            return Err(t!("daemon-reload-deferred"));
        }
        let file = self.settings.policy_path.display().to_string();
        let text = match read_policy(&self.settings.policy_path).await {
            Ok(text) => text,
            Err(error) => return self.refuse(trigger.as_str(), by, &file, error),
        };
        let compiled = match compile(
            PolicySource {
                file: file.clone(),
                text,
            },
            now_epoch(),
        ) {
            Ok(c) => c,
            Err(refusal) => {
                return self.refuse(
                    trigger.as_str(),
                    by,
                    &file,
                    Said::plain(refusal.diagnostics),
                )
            }
        };
        let policy = compiled.policy_ref();
        let flows = compiled.ruleset.flows.len();
        let next_expiry = compiled.next_expiry().map(epoch_text);
        let (check, change) = match self.install(compiled.clone(), trigger.as_str(), by).await {
            Ok(installed) => installed,
            Err(error) => return self.apply_failed(trigger.as_str(), by, &compiled, error),
        };
        let archive = self.archive(&compiled);
        let event = if trigger == Trigger::Start {
            EventKind::Apply
        } else {
            self.counts.reloads += 1;
            EventKind::Reload
        };
        tracing::info!(trigger = trigger.as_str(), policy = %policy.name, revision = policy.revision.as_deref().unwrap_or("-"), hash = %policy.content_hash, flows, verified = check == Check::Verified, "{}", t!("daemon-log-policy-applied"));
        let recorded = self.try_record(event, by, Some(policy.clone()), json!({
            "trigger": trigger.as_str(), "file": file, "flows": flows, "next_expiry": next_expiry,
            "verified": check == Check::Verified, "archive": archive,
            "table_change": change.record(),
        }));
        let message = t!(
            "daemon-reload-applied",
            policy = &policy.name,
            revision = policy.revision.as_deref().unwrap_or("-"),
            flows = flows,
            check = check.said()
        );
        match recorded {
            Ok(()) => Ok(message),
            Err(err) => Err(t!(
                "daemon-record-lost",
                message = message,
                error = &err.here
            )),
        }
    }

    async fn apply_confirm(
        &mut self,
        source: PolicySource,
        timeout: Duration,
        by: &Operator,
    ) -> Outcome {
        if self.pending.is_some() {
            return Err(t!("daemon-apply-already-pending"));
        }
        let file = source.file.clone();
        let compiled = match compile(source, now_epoch()) {
            Ok(c) => c,
            Err(refusal) => {
                return self.refuse("apply-confirm", by, &file, Said::plain(refusal.diagnostics))
            }
        };
        let previous = match &self.current {
            Some(installed) => Previous::Policy(Box::new(installed.clone())),
            None => {
                let kernel = Arc::clone(&self.kernel);
                match blocking(move || kernel.read_table()).await {
                    Ok(table) if table.presence == TablePresence::Present => {
                        Previous::Table(Box::new(table))
                    }
                    Ok(_) => Previous::Nothing,
                    Err(err) => {
                        let error = chain_said(&err);
                        return self.apply_failed(
                            "apply-confirm",
                            by,
                            &compiled,
                            Said::new(|l| {
                                t_in!(l, "daemon-cannot-save-for-rollback", error = error.get(l))
                            }),
                        );
                    }
                }
            }
        };
        let policy = compiled.policy_ref();
        let deadline_wall =
            now_epoch().saturating_add(i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX));
        // The window is on disk before the kernel changes: a daemon killed
        // inside it rolls back when it starts again.
        let saved = SavedPending {
            deadline: deadline_wall,
            uid: by.uid,
            operator: Some(by.clone()),
            candidate: serde_json::to_value(&policy).unwrap_or_default(),
            previous: previous.saved(),
        };
        if let Err(err) = self.save_pending(Some(&saved)) {
            let path = self
                .settings
                .state_dir
                .join(PENDING_FILE)
                .display()
                .to_string();
            let error = err.to_string();
            return self.apply_failed(
                "apply-confirm",
                by,
                &compiled,
                Said::new(|l| t_in!(l, "daemon-cannot-save-window", path = &path, error = &error)),
            );
        }
        let (check, change) = match self.install(compiled.clone(), "apply-confirm", by).await {
            Ok(installed) => installed,
            Err(error) => {
                if let Err(err) = self.save_pending(None) {
                    tracing::error!(error = %err, "{}", t!("daemon-log-window-not-removed-apply"));
                }
                return self.apply_failed("apply-confirm", by, &compiled, error);
            }
        };
        let archive = self.archive(&compiled);
        self.pending = Some(Pending {
            previous,
            deadline: Instant::now() + timeout,
            uid: by.uid,
            by: Some(by.clone()),
        });
        tracing::warn!(policy = %policy.name, revision = policy.revision.as_deref().unwrap_or("-"), timeout_s = timeout.as_secs(), "{}", t!("daemon-log-applied-pending"));
        let recorded = self.try_record(EventKind::ConfirmPending, by, Some(policy.clone()), json!({
            "file": file, "timeout_seconds": timeout.as_secs(), "deadline": epoch_text(deadline_wall),
            "verified": check == Check::Verified, "archive": archive,
            "table_change": change.record(),
        }));
        let message = t!(
            "daemon-apply-pending",
            policy = &policy.name,
            revision = policy.revision.as_deref().unwrap_or("-"),
            check = check.said(),
            seconds = timeout.as_secs()
        );
        match recorded {
            Ok(()) => Ok(message),
            Err(err) => Err(t!(
                "daemon-record-lost",
                message = message,
                error = &err.here
            )),
        }
    }

    async fn confirm(&mut self, by: &Operator) -> Outcome {
        let Some(pending) = self.pending.take() else {
            return Err(t!("daemon-nothing-to-confirm"));
        };
        self.counts.confirms += 1;
        let policy = self.current.as_ref().map(|c| c.compiled.policy_ref());
        tracing::info!(uid = by.uid, by = %by.describe(), "{}", t!("daemon-log-confirmed"));
        // Confirmed: now, and only now, boot loads it too.
        let mut problems: Vec<Said> = Vec::new();
        let saved = self
            .current
            .as_ref()
            .map(|c| last_good::save(&self.settings.state_dir, &c.compiled));
        if let Some(Err((path, err))) = saved {
            let err = self.last_good_failed(&path, &err);
            problems.push(Said::new(|l| {
                t_in!(l, "daemon-confirm-boot-unchanged", error = err.get(l))
            }));
        }
        if let Err(err) = self.save_pending(None) {
            tracing::error!(error = %err, "{}", t!("daemon-log-window-not-removed"));
            let error = err.to_string();
            problems.push(Said::new(|l| {
                t_in!(
                    l,
                    "daemon-confirm-window-not-removed",
                    file = PENDING_FILE,
                    error = &error
                )
            }));
        }
        let recorded: Vec<&str> = problems.iter().map(|p| p.en.as_str()).collect();
        if let Err(err) = self.try_record(
            EventKind::Confirm,
            by,
            policy,
            json!({ "apply_uid": pending.uid, "apply_operator": pending.by, "problems": recorded }),
        ) {
            problems.push(err);
        }
        self.run_deferred_reload().await;
        if problems.is_empty() {
            Ok(t!("daemon-confirmed"))
        } else {
            let problems: Vec<&str> = problems.iter().map(|p| p.here.as_str()).collect();
            Err(t!("daemon-confirmed-but", problems = problems.join("; ")))
        }
    }

    /// Before the daemon exits: a pending apply is rolled back (an
    /// unconfirmed ruleset never outlives the daemon holding its window),
    /// and the stop is audited.
    async fn shutdown(&mut self, signal: &str) -> String {
        self.deferred_reload = None;
        let rolled = self
            .rollback_because(&Said::new(|l| {
                t_in!(l, "daemon-reason-stopping", signal = signal)
            }))
            .await;
        let (result, said) = match &rolled {
            None => (json!(null), t!("daemon-nothing-pending")),
            Some(Ok(done)) => (json!(done.en), done.here.clone()),
            Some(Err(err)) => (json!(err.en), err.here.clone()),
        };
        let policy = self.current.as_ref().map(|c| c.compiled.policy_ref());
        self.record(
            EventKind::Stop,
            &Operator::daemon(),
            policy,
            json!({ "signal": signal, "pending_rollback": result }),
        );
        said
    }

    /// Isolates `targets` at once: resolved against the running policy,
    /// written as its intent, loaded as one element update (the table and
    /// its counters stay), the connections they had cut, then kept on disk
    /// (for restarts, and `isolation.nft` for boot) and audited.
    async fn isolate(
        &mut self,
        targets: Vec<String>,
        for_secs: Option<u64>,
        by: &Operator,
    ) -> Outcome {
        if targets.is_empty() || targets.len() > crate::isolation::MAX_TARGETS {
            return Err(t!(
                "daemon-isolate-target-count",
                max = crate::isolation::MAX_TARGETS
            ));
        }
        let Some(reason) = by.reason.clone().filter(|r| !r.trim().is_empty()) else {
            return Err(t!("daemon-isolate-needs-reason"));
        };
        let policy = self
            .current
            .as_ref()
            .map(|c| Arc::clone(&c.compiled.policy));
        let mut resolved = Vec::new();
        let mut problems = Vec::new();
        for target in &targets {
            match crate::isolation::resolve(target, policy.as_deref()) {
                Ok(r) => resolved.push(r),
                Err(e) => problems.push(e),
            }
        }
        if !problems.is_empty() {
            return Err(t!("daemon-isolate-nothing", problems = problems.join("\n")));
        }
        let now = now_epoch();
        let until = for_secs.map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX)));
        let mut next = self.isolations.clone();
        let by_json = serde_json::to_value(by).unwrap_or_default();
        for r in &resolved {
            // Isolating a target again replaces its entry (a new reason, a new --for).
            next.entries.retain(|e| e.target != r.target);
            next.entries.push(IsolationEntry {
                target: r.target.clone(),
                kind: r.kind,
                tier: r.tier.clone(),
                prefixes: r.prefixes.clone(),
                reason: reason.clone(),
                ticket: by.ticket.clone(),
                by: by_json.clone(),
                since: Timestamp::now().to_string(),
                until,
            });
        }
        if next.entries.len() > crate::isolation::MAX_TARGETS {
            return Err(t!(
                "daemon-isolate-too-many",
                max = crate::isolation::MAX_TARGETS
            ));
        }
        let entries: Vec<&IsolationEntry> = next
            .entries
            .iter()
            .filter(|e| resolved.iter().any(|r| r.target == e.target))
            .collect();
        let detail = json!({ "targets": entries, "isolated": next.isolated().to_string() });
        let outcome = self
            .change_isolation(next, EventKind::Isolate, by, detail)
            .await?;
        Ok(t!(
            "daemon-isolated",
            targets = targets.join(", "),
            ms = format!("{:.1}", outcome.0),
            ranges = outcome.1,
            connections = &outcome.2.here
        ))
    }

    /// Releases `targets` (as named when isolated; `all` releases every one).
    async fn release(&mut self, targets: Vec<String>, by: &Operator, trigger: &str) -> Outcome {
        if trigger == "request" && by.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(t!("daemon-release-needs-reason"));
        }
        let all = targets.iter().any(|t| t == "all");
        let unknown: Vec<&String> = targets
            .iter()
            .filter(|t| *t != "all" && !self.isolations.entries.iter().any(|e| &e.target == *t))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = self
                .isolations
                .entries
                .iter()
                .map(|e| e.target.as_str())
                .collect();
            let unknown = unknown
                .iter()
                .map(|t| bounded_in(sanso_i18n::lang(), t, 100))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(if known.is_empty() {
                t!("daemon-release-unknown-none", targets = unknown)
            } else {
                t!(
                    "daemon-release-unknown",
                    targets = unknown,
                    isolated = known.join(", ")
                )
            });
        }
        let mut next = self.isolations.clone();
        let released: Vec<IsolationEntry> = next
            .entries
            .iter()
            .filter(|e| all || targets.contains(&e.target))
            .cloned()
            .collect();
        next.entries
            .retain(|e| !(all || targets.contains(&e.target)));
        let detail = json!({ "trigger": trigger, "targets": released, "isolated": next.isolated().to_string() });
        let outcome = self
            .change_isolation(next, EventKind::Release, by, detail)
            .await?;
        let names: Vec<&str> = released.iter().map(|e| e.target.as_str()).collect();
        Ok(t!(
            "daemon-released",
            targets = names.join(", "),
            ms = format!("{:.1}", outcome.0),
            ranges = outcome.1
        ))
    }

    /// Loads `next` into the kernel's isolation sets (intent first), keeps
    /// it on disk and audits `event`. `Ok`: (milliseconds of the element
    /// batch, ranges loaded, what happened to the cut connections).
    async fn change_isolation(
        &mut self,
        next: Isolations,
        event: EventKind,
        by: &Operator,
        mut detail: serde_json::Value,
    ) -> Result<(f64, usize, Said), String> {
        let isolated = next.isolated();
        let action = if event == EventKind::Isolate {
            "isolate"
        } else {
            "release"
        };
        // Isolating closes the gateway: it goes ahead without its intent on
        // record (loudly). A release opens it again: it needs the record.
        let intent =
            json!({ "load": "isolation", "trigger": action, "isolated": isolated.to_string() });
        self.intend_with(action, by, None, intent)
            .map_err(|err| err.here)?;
        let kernel = Arc::clone(&self.kernel);
        let loaded = isolated.clone();
        let report = blocking(move || kernel.set_isolated(&loaded))
            .await
            .map_err(|e| {
                let e = bounded_lines_in(sanso_i18n::lang(), &chain(&e), ERROR_BOUNDS);
                self.counts.apply_failures += 1;
                t!("daemon-isolation-refused", error = e)
            })?;
        let ms = report.duration.as_secs_f64() * 1000.0;
        let connections = match &report.connections {
            Ok(cut) => Said::new(|l| {
                t_in!(
                    l,
                    "daemon-connections-cut",
                    deleted = cut.deleted,
                    examined = cut.examined,
                    spared = cut.spared
                )
            }),
            Err(e) => {
                let error = e.to_string();
                Said::new(|l| t_in!(l, "daemon-connections-not-cut", error = &error))
            }
        };
        self.isolations = next;
        let saved = self.isolations.save(&self.settings.state_dir);
        if let Err(err) = &saved {
            tracing::error!(error = %err, "{}", t!("daemon-log-isolations-not-saved"));
            self.set_last_error(t!("daemon-isolations-not-saved", error = err.to_string()));
        }
        if let serde_json::Value::Object(map) = &mut detail {
            // Whole microseconds: audit records hold no floats (a float need
            // not read back to the same text, which the chain's canonical
            // form requires).
            map.insert(
                "microseconds".into(),
                json!(u64::try_from(report.duration.as_micros()).unwrap_or(u64::MAX)),
            );
            map.insert("connections".into(), json!(connections.en));
            map.insert("saved".into(), json!(saved.is_ok()));
        }
        let policy = self.current.as_ref().map(|c| c.compiled.policy_ref());
        tracing::warn!(action, isolated = %isolated, ms, "{}", t!("daemon-log-isolation-changed"));
        let recorded = self.try_record(event, by, policy, detail);
        // The baseline of drift checks reads the sets as they are now; the
        // next drift tick reads the table back.
        self.last_drift = None;
        if let Some(c) = self.current.as_mut() {
            c.generation = None;
        }
        match (recorded, saved) {
            (Ok(()), Ok(())) => Ok((ms, isolated.len(), connections)),
            (Err(e), _) => Err(t!(
                "daemon-isolation-record-lost",
                action = action,
                error = &e.here
            )),
            (_, Err(e)) => Err(t!(
                "daemon-isolation-save-lost",
                action = action,
                error = e.to_string()
            )),
        }
    }

    /// When the loop should wake for the next `--for` release (not before
    /// the retry time of one that failed).
    fn isolation_wakeup(&self) -> Option<Instant> {
        let due = wakeup_at(self.isolations.next_expiry()?);
        Some(self.isolation_retry_at.map_or(due, |retry| retry.max(due)))
    }

    async fn expire_isolations(&mut self) {
        let now = now_epoch();
        let due: Vec<String> = self
            .isolations
            .entries
            .iter()
            .filter(|e| e.until.is_some_and(|u| u <= now))
            .map(|e| e.target.clone())
            .collect();
        if due.is_empty() {
            return;
        }
        let by = Operator {
            // The record's reason: data, in English.
            reason: Some("the isolation's --for elapsed".to_owned()),
            ..Operator::daemon()
        };
        // A refused release (no isolation sets in the kernel, no room for
        // its intent) is retried at a bounded pace, not at once in a loop
        // that writes an intent record each time.
        self.isolation_retry_at = None;
        if let Err(err) = self.release(due, &by, "expiry").await {
            tracing::error!(error = %err, retry_seconds = ISOLATION_RETRY.as_secs(), "{}", t!("daemon-log-expired-release-failed"));
            self.isolation_retry_at = Some(Instant::now() + ISOLATION_RETRY);
        }
    }

    /// At start: what the kernel isolates and `isolations.json` does not
    /// (the file was lost or damaged, or the daemon died between the
    /// kernel's update and the file) is kept as a `recovered` entry, never
    /// released silently; a damaged file is recorded.
    async fn recover_isolation(&mut self) {
        if let Some(err) = self.isolation_load_error.take() {
            tracing::error!(error = %err.here, "{}", t!("daemon-log-isolations-unreadable"));
            self.record(
                EventKind::Isolate,
                &Operator::daemon(),
                None,
                json!({
                    "trigger": "start", "error": err.en,
                }),
            );
        }
        let kernel = Arc::clone(&self.kernel);
        let Ok(live) = blocking(move || kernel.read_table()).await else {
            return;
        };
        let Ok(found) = sanso_nft::isolation::read_isolated(&live) else {
            return;
        };
        let unknown = found.difference(&self.isolations.isolated());
        if unknown.is_empty() {
            return;
        }
        let entry = IsolationEntry {
            target: unknown.to_string(),
            kind: TargetKind::Recovered,
            tier: None,
            prefixes: crate::isolation::prefixes_of(&unknown),
            // Data (kept in isolations.json and the record): in English.
            reason: "found isolated in the kernel at start, with no entry on disk".to_owned(),
            ticket: None,
            by: serde_json::to_value(Operator::daemon()).unwrap_or_default(),
            since: Timestamp::now().to_string(),
            until: None,
        };
        tracing::warn!(isolated = %unknown, "{}", t!("daemon-log-isolation-recovered"));
        self.isolations.entries.push(entry.clone());
        if let Err(err) = self.isolations.save(&self.settings.state_dir) {
            tracing::error!(error = %err, "{}", t!("daemon-log-recovered-not-saved"));
        }
        self.record(EventKind::Isolate, &Operator::daemon(), None, json!({
            "trigger": "start", "targets": [entry], "isolated": self.isolations.isolated().to_string(),
        }));
    }

    async fn run_deferred_reload(&mut self) {
        if let Some((trigger, by)) = self.deferred_reload.take() {
            let _ = self.reload(trigger, &by).await;
        }
    }

    /// Rolls back the pending apply: its deadline passed.
    async fn rollback(&mut self) {
        self.rollback_because(&Said::new(|l| t_in!(l, "daemon-reason-not-confirmed")))
            .await;
    }

    /// Rolls back the pending apply (if any) to what ran before it, removes
    /// the saved window, and audits it with `reason`. Returns what it did,
    /// for the operator.
    async fn rollback_because(&mut self, reason: &Said) -> Option<Result<Said, Said>> {
        let pending = self.pending.take()?;
        let from = self.current.as_ref().map(|c| c.compiled.policy_ref());
        self.counts.rollbacks += 1;
        let (result, to) = match pending.previous {
            Previous::Policy(installed) => {
                // Recompile so that flows which expired meanwhile stay gone.
                let compiled = compile(installed.compiled.source.clone(), now_epoch())
                    .unwrap_or(installed.compiled);
                let to = compiled.policy_ref();
                let result = self
                    .install(compiled, "rollback", &Operator::daemon())
                    .await;
                (result.map(|_| ()), Some(to))
            }
            Previous::Table(table) => (self.restore_listing(Load::Listing(table)).await, None),
            Previous::Listing(listing) => {
                (self.restore_listing(Load::ListingText(listing)).await, None)
            }
            Previous::Nothing => (self.restore(Load::Fallback).await, None),
        };
        if let Err(err) = self.save_pending(None) {
            tracing::error!(error = %err, "{}", t!("daemon-log-window-not-removed-rollback"));
        }
        let to_text = match &to {
            None => Said::new(|l| t_in!(l, "daemon-table-before-apply")),
            Some(p) => Said::plain(format!(
                "{} rev {}",
                p.name,
                p.revision.as_deref().unwrap_or("-")
            )),
        };
        let (detail, answer) = match &result {
            Ok(()) => {
                tracing::warn!(to = %to_text.here, reason = %reason.here, "{}", t!("daemon-log-rolled-back"));
                (
                    json!({ "result": "rolled-back", "reason": reason.en, "from": from, "apply_uid": pending.uid, "apply_operator": pending.by }),
                    Ok(Said::new(|l| {
                        t_in!(
                            l,
                            "daemon-rolled-back",
                            to = to_text.get(l),
                            reason = reason.get(l)
                        )
                    })),
                )
            }
            Err(error) => {
                // The error says what the kernel holds now.
                tracing::error!(error = %error.here, reason = %reason.here, "{}", t!("daemon-log-rollback-failed"));
                self.set_last_error(t!("daemon-rollback-failed-status", error = &error.here));
                (
                    json!({ "result": "failed", "reason": reason.en, "error": error.en, "from": from, "apply_uid": pending.uid, "apply_operator": pending.by }),
                    Err(Said::new(|l| {
                        t_in!(
                            l,
                            "daemon-rollback-failed",
                            reason = reason.get(l),
                            error = error.get(l)
                        )
                    })),
                )
            }
        };
        self.record(EventKind::Rollback, &Operator::daemon(), to, detail);
        self.run_deferred_reload().await;
        Some(answer)
    }

    /// At start: a confirm window saved by a daemon that died inside it is
    /// rolled back at once, past its deadline or not (no one can confirm an
    /// apply whose daemon is gone; the operator applies again).
    async fn resume_pending(&mut self) {
        let path = self.settings.state_dir.join(PENDING_FILE);
        // Read as the policy file is: a regular file only, size-capped, never
        // waiting on a FIFO nor opening a device put in its place.
        let read = sanso_policy::read_source(&path)
            .map_err(|err| (err.is_missing(), chain(&err)))
            .and_then(|text| {
                serde_json::from_str::<SavedPending>(&text).map_err(|err| (false, err.to_string()))
            });
        let saved = match read {
            Ok(saved) => saved,
            // No file: no window was open.
            Err((true, _)) => return,
            Err((false, err)) => {
                // A window file that cannot be read or is damaged: a window
                // was open, and what ran before its unconfirmed apply is
                // unknown, so the closed fallback comes back (the start apply
                // that follows replaces it with the policy file, if that
                // loads). Never the unconfirmed ruleset.
                tracing::error!(path = %path.display(), error = %err, "{}", t!("daemon-log-window-damaged"));
                self.pending = Some(Pending {
                    previous: Previous::Nothing,
                    deadline: Instant::now(),
                    uid: Operator::daemon().uid,
                    by: None,
                });
                let reason = Said::new(|l| t_in!(l, "daemon-reason-window-damaged", error = &err));
                let _ = self.rollback_because(&reason).await;
                return;
            }
        };
        let previous = match saved.previous {
            SavedPrevious::Policy { file, text } => {
                match compile(PolicySource { file, text }, now_epoch()) {
                    Ok(compiled) => Previous::Policy(Box::new(Installed {
                        compiled,
                        applied_at: Timestamp::now(),
                        baseline: None,
                        generation: None,
                    })),
                    Err(refusal) => {
                        tracing::error!(error = %refusal, "{}", t!("daemon-log-rollback-policy-broken"));
                        Previous::Nothing
                    }
                }
            }
            SavedPrevious::Table { listing } => Previous::Listing(listing),
            SavedPrevious::Nothing => Previous::Nothing,
        };
        let late = now_epoch() >= saved.deadline;
        let reason = if late {
            Said::new(|l| t_in!(l, "daemon-reason-missed-deadline"))
        } else {
            Said::new(|l| t_in!(l, "daemon-reason-restarted"))
        };
        self.pending = Some(Pending {
            previous,
            deadline: Instant::now(),
            uid: saved.uid,
            by: saved.operator,
        });
        let _ = self.rollback_because(&reason).await;
    }

    /// [`Actor::restore`] of a table listing, then the isolation sets set to
    /// what is isolated now (the listing holds them as they were).
    async fn restore_listing(&mut self, load: Load) -> Result<(), Said> {
        self.restore(load).await?;
        let isolated = self.isolations.isolated();
        if isolated.is_empty() {
            return Ok(());
        }
        let kernel = Arc::clone(&self.kernel);
        blocking(move || kernel.set_isolated(&isolated))
            .await
            .map(|_| ())
            .map_err(|e| {
                let error = chain_said(&e);
                Said::new(|l| t_in!(l, "daemon-restore-isolation-failed", error = error.get(l)))
            })
    }

    /// Loads a table listing or the closed fallback (a rollback without a
    /// policy to return to) and checks the read-back; the daemon then holds
    /// no policy. A read-back that differs is a `verify-failed` and an error.
    async fn restore(&mut self, load: Load) -> Result<(), Said> {
        let what = match &load {
            Load::Listing(_) | Load::ListingText(_) => {
                Said::new(|l| t_in!(l, "daemon-table-before-apply"))
            }
            Load::Fallback => Said::new(|l| t_in!(l, "daemon-closed-fallback")),
            Load::Ruleset(_) => Said::new(|l| t_in!(l, "daemon-the-ruleset")),
        };
        let _ = self.intend("rollback", &Operator::daemon(), &load);
        let (loaded, _) = self.load_and_check(load).await.map_err(|e| {
            Said::new(|l| {
                t_in!(
                    l,
                    "daemon-restore-refused",
                    what = what.get(l),
                    error = e.get(l)
                )
            })
        })?;
        self.current = None;
        self.drift = DriftState::Unknown;
        match loaded {
            Loaded::Verified(..) => Ok(()),
            Loaded::NotReadBack(err) => {
                tracing::warn!(error = %err.here, "{}", t!("daemon-log-restore-not-read-back", what = &what.here));
                Ok(())
            }
            Loaded::Mismatch { checked, problems } => {
                let kernel_now =
                    Said::new(|l| t_in!(l, "daemon-restore-kernel-now", what = what.get(l)));
                self.verify_failed(
                    "rollback",
                    &Operator::daemon(),
                    None,
                    &checked,
                    &problems,
                    &kernel_now,
                );
                Err(Said::new(|l| {
                    t_in!(
                        l,
                        "daemon-restore-mismatch",
                        what = what.get(l),
                        first = first_of(l, &problems)
                    )
                }))
            }
        }
    }

    /// When the loop should wake for the next expiry: at most an hour ahead,
    /// so a changed wall clock is noticed.
    fn expiry_wakeup(&self) -> Option<Instant> {
        let at = self.current.as_ref()?.compiled.next_expiry()?;
        Some(wakeup_at(at))
    }

    async fn expire(&mut self) {
        let Some(current) = &self.current else { return };
        let Some(at) = current.compiled.next_expiry() else {
            return;
        };
        let now = now_epoch();
        if now < at {
            return; // woke early (the hourly cap); the loop sleeps again
        }
        let old = current.compiled.clone();
        let compiled = match compile(old.source.clone(), now) {
            Ok(c) => c,
            Err(refusal) => {
                // It compiled before; only a bug gets here. The kernel's `meta time` still expires the flow.
                self.set_last_error(refusal.to_string());
                tracing::error!(error = %refusal, "{}", t!("daemon-log-expiry-recompile-failed"));
                if let Some(c) = self.current.as_mut() {
                    // Do not spin on the same instant.
                    c.compiled = Compiled {
                        ruleset: Arc::new(sanso_ir::Ruleset {
                            compiled_at: now,
                            ..(*c.compiled.ruleset).clone()
                        }),
                        ..c.compiled.clone()
                    };
                }
                return;
            }
        };
        let gone = old.flows_gone_in(&compiled);
        let policy = compiled.policy_ref();
        if let Err(error) = self
            .install(compiled.clone(), "expiry", &Operator::daemon())
            .await
        {
            let _ = self.apply_failed("expiry", &Operator::daemon(), &compiled, error);
            return;
        }
        self.counts.expiries += 1;
        tracing::info!(flows = %gone.join(", "), "{}", t!("daemon-log-flows-expired"));
        self.record(
            EventKind::Expiry,
            &Operator::daemon(),
            Some(policy),
            json!({ "expired_flows": gone, "at": epoch_text(at) }),
        );
    }

    /// One drift tick. The ruleset generation first (one netlink round
    /// trip): while it is the one recorded after the last verified load or
    /// the last full check that found no drift, nothing was changed in the
    /// namespace, and the tick ends there. Otherwise (or when it cannot be
    /// read, while drift or an unreadable table persists, and every
    /// [`Settings::drift_full_every`] ticks anyway) the table is read back
    /// and compared with the baseline.
    async fn check_drift(&mut self) {
        let Some(recorded) = self.current.as_ref().map(|c| c.generation) else {
            return;
        };
        self.counts.drift_checks += 1;
        let kernel = Arc::clone(&self.kernel);
        let generation = match blocking(move || kernel.generation()).await {
            Ok(generation) => generation,
            Err(err) => {
                tracing::debug!(error = %chain_said(&err).here, "{}", t!("daemon-log-generation-unreadable"));
                None
            }
        };
        let full_due =
            self.drift_ticks_since_full.saturating_add(1) >= self.settings.drift_full_every.max(1);
        if !full_due
            && self.drift == DriftState::InSync
            && generation.is_some()
            && generation == recorded
        {
            self.drift_ticks_since_full += 1;
            return;
        }
        self.drift_ticks_since_full = 0;
        self.counts.drift_full_checks += 1;
        let kernel = Arc::clone(&self.kernel);
        let live = match blocking(move || kernel.read_table()).await {
            Ok(t) => t,
            Err(err) => {
                self.unreadable(chain_said(&err)).await;
                return;
            }
        };
        // Compared in place: the baseline (the whole table) is not copied
        // at every tick.
        let changes: Vec<String> = match self.current.as_ref().and_then(|c| c.baseline.as_ref()) {
            Some(baseline) => {
                let mut changes: Vec<String> =
                    sanso_nft::readback::diff_ignoring_isolation(baseline, &live)
                        .changes
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                if live.presence == TablePresence::Present {
                    changes.extend(
                        sanso_nft::conformance::check_isolated(&self.isolations.isolated(), &live)
                            .into_iter()
                            .map(|p| format!("isolation: {p}")),
                    );
                }
                changes
            }
            None => {
                // No table read whole since the last load (it was checked
                // over netlink, or could not be read back): this reading
                // stands in for it if nothing was committed since that
                // check; else only if it has the compiled shape.
                let unchanged = generation.is_some() && generation == recorded;
                let problems = match (&self.current, unchanged) {
                    (Some(c), false) => {
                        sanso_nft::conformance::check_live_with(
                            &c.compiled.ruleset,
                            &self.isolations.isolated(),
                            &live,
                        )
                        .problems
                    }
                    _ => Vec::new(),
                };
                if problems.is_empty() {
                    if let Some(c) = self.current.as_mut() {
                        c.baseline = Some(live);
                        c.generation = generation;
                    }
                    return;
                }
                problems
            }
        };
        if changes.is_empty() {
            self.drift = DriftState::InSync;
            self.last_drift = None;
            if let Some(c) = self.current.as_mut() {
                c.generation = generation;
            }
            return;
        }
        self.drift = DriftState::Drift;
        // The table differs from what was loaded: a restore replaces it whole.
        self.kernel.forget_applied();
        if self.last_drift.as_ref() == Some(&changes) {
            return; // already reported
        }
        self.counts.drift_events += 1;
        let restore = self.settings.drift_action == DriftAction::Restore;
        tracing::warn!(changes = changes.len(), first = %changes.first().map(String::as_str).unwrap_or(""), restore, "{}", t!("daemon-log-drift"));
        let policy = self.current.as_ref().map(|c| c.compiled.policy_ref());
        let shown: Vec<&String> = changes.iter().take(50).collect();
        self.record(EventKind::Drift, &Operator::daemon(), policy, json!({
            "changes": shown, "change_count": changes.len(), "action": if restore { "restore" } else { "report" },
        }));
        self.last_drift = Some(changes);
        if restore {
            let Some(compiled) = self.current.as_ref().map(|c| c.compiled.clone()) else {
                return;
            };
            match self
                .install(compiled.clone(), "drift-restore", &Operator::daemon())
                .await
            {
                Ok(_) => {
                    self.counts.drift_restores += 1;
                    tracing::info!("{}", t!("daemon-log-drift-restored"));
                }
                Err(error) => {
                    let _ =
                        self.apply_failed("drift-restore", &Operator::daemon(), &compiled, error);
                }
            }
        }
    }

    /// The live table could not be read at a drift check: an alarm, not a
    /// quiet "unknown" (a table switched off or broken can read this way).
    /// Logged at error level and counted every time; audited, and the
    /// approved ruleset restored (under `--on-drift restore`), once per
    /// streak.
    async fn unreadable(&mut self, error: Said) {
        self.counts.readback_failures += 1;
        let restore = self.settings.drift_action == DriftAction::Restore;
        tracing::error!(error = %error.here, restore, "{}", t!("daemon-log-drift-unreadable"));
        let streak = vec![format!("unreadable: {}", error.en)];
        let first =
            self.drift != DriftState::Unreadable || self.last_drift.as_ref() != Some(&streak);
        self.drift = DriftState::Unreadable;
        if !first {
            return;
        }
        self.counts.drift_events += 1;
        self.last_drift = Some(streak.clone());
        let policy = self.current.as_ref().map(|c| c.compiled.policy_ref());
        self.record(
            EventKind::Drift,
            &Operator::daemon(),
            policy,
            json!({
                "unreadable": error.en, "changes": [], "change_count": 0,
                "action": if restore { "restore" } else { "report" },
            }),
        );
        if !restore {
            return;
        }
        let Some(compiled) = self.current.as_ref().map(|c| c.compiled.clone()) else {
            return;
        };
        match self
            .install(compiled.clone(), "drift-restore", &Operator::daemon())
            .await
        {
            Ok((check, _)) => {
                self.counts.drift_restores += 1;
                tracing::warn!(
                    verified = check == Check::Verified,
                    "{}",
                    t!("daemon-log-drift-unreadable-restored")
                );
                if check != Check::Verified {
                    // Still unreadable: keep the streak, so it is not audited again.
                    self.drift = DriftState::Unreadable;
                    self.last_drift = Some(streak);
                }
            }
            Err(error) => {
                let _ = self.apply_failed("drift-restore", &Operator::daemon(), &compiled, error);
            }
        }
    }

    async fn watch_neighbours(&mut self) {
        let Some(current) = &self.current else { return };
        let policy = Arc::clone(&current.compiled.policy);
        let policy_ref = current.compiled.policy_ref();
        let kernel = Arc::clone(&self.kernel);
        let neighbours = match blocking(move || kernel.neighbours()).await {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(error = %chain(&err), "{}", t!("daemon-log-neighbours-unreadable"));
                return;
            }
        };
        let findings: Vec<HostFinding> = neighbours
            .iter()
            .filter_map(|n| assess(&policy, n))
            .collect();
        for finding in &findings {
            if self.reported_hosts.contains(finding) {
                continue;
            }
            if self.reported_hosts.len() >= MAX_REPORTED_HOSTS {
                tracing::warn!("{}", t!("daemon-log-too-many-findings"));
                self.reported_hosts.clear();
            }
            self.reported_hosts.insert(finding.clone());
            match finding.kind {
                FindingKind::SpoofingSuspect => self.counts.spoofing_suspects += 1,
                FindingKind::UnknownHost => self.counts.unknown_hosts += 1,
            }
            tracing::warn!(
                kind = finding.kind.as_str(), interface = %finding.interface, address = %finding.address,
                interface_zone = %finding.interface_zone, address_zone = %finding.address_zone.as_deref().unwrap_or("none"),
                "{}",
                t!("daemon-log-host-event")
            );
            let detail = serde_json::to_value(finding).unwrap_or_default();
            self.record(
                EventKind::Host,
                &Operator::daemon(),
                Some(policy_ref.clone()),
                detail,
            );
        }
        self.findings_now = findings;
        let mut dynamic = std::collections::BTreeMap::new();
        for zone in neighbours
            .iter()
            .filter_map(|n| crate::discovery::dynamic_pool(&policy, n))
        {
            *dynamic.entry(zone).or_insert(0) += 1;
        }
        self.dynamic_now = dynamic;
    }

    fn status(&self) -> DaemonStatus {
        let policy = self.current.as_ref().map(|c| PolicyStatus {
            name: c.compiled.policy.name.clone(),
            revision: c.compiled.policy.revision.clone(),
            content_hash: c.compiled.policy.content_hash.clone(),
            file: c.compiled.source.file.clone(),
            applied_at: c.applied_at.to_string(),
            flows: c.compiled.ruleset.flows.len(),
            next_expiry: c.compiled.next_expiry().map(epoch_text),
        });
        let pending_confirm = self.pending.as_ref().map(|p| PendingStatus {
            seconds_left: p
                .deadline
                .saturating_duration_since(Instant::now())
                .as_secs(),
            requested_by_uid: p.uid,
            rollback_to: match &p.previous {
                Previous::Policy(i) => Some(format!(
                    "{} rev {}",
                    i.compiled.policy.name,
                    i.compiled.policy.revision.as_deref().unwrap_or("-")
                )),
                Previous::Table(_) | Previous::Listing(_) => None,
                Previous::Nothing => Some(t!("daemon-closed-fallback")),
            },
        });
        DaemonStatus {
            policy_file: self.settings.policy_path.display().to_string(),
            netns: self.settings.netns.clone(),
            policy,
            pending_confirm,
            drift: match self.drift {
                DriftState::Unknown => "unknown",
                DriftState::InSync => "in-sync",
                DriftState::Drift => "drift",
                DriftState::Unreadable => "unreadable",
            }
            .to_owned(),
            last_error: self.last_error.clone(),
            counts: self.counts.clone(),
            audit_head: self.audit.anchor().to_string(),
            isolations: self.isolations.entries.clone(),
            missing_interfaces: self.missing_interfaces.clone(),
            last_error_at: self.last_error.as_ref().and(self.last_error_at.clone()),
            // The pair's status is the HA task's; the control socket adds it.
            ha: None,
        }
    }

    fn metrics(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            counts: self.counts.clone(),
            last_apply: self.last_apply,
            policy: self.current.as_ref().map(|c| c.compiled.policy_ref()),
            pending_confirm: self.pending.is_some(),
            unknown_hosts_now: self
                .findings_now
                .iter()
                .filter(|f| f.kind == FindingKind::UnknownHost)
                .count(),
            spoofing_suspects_now: self
                .findings_now
                .iter()
                .filter(|f| f.kind == FindingKind::SpoofingSuspect)
                .count(),
            dynamic_hosts_now: self.dynamic_now.clone(),
            drift_now: matches!(self.drift, DriftState::Drift | DriftState::Unreadable),
            isolated_targets: self.isolations.entries.len(),
            missing_interfaces: self.missing_interfaces.len(),
        }
    }
}
