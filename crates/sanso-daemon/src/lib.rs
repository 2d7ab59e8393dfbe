//! sanso-daemon owns the long-running side of sanso: one tokio actor
//! ([`actor`]) that applies the policy (at start, on SIGHUP, on file change,
//! on request), keeps the running ruleset when a new one fails, rolls back
//! unconfirmed applies, recompiles at flow expiry, watches drift and the
//! neighbour tables, and records every event in a hash-chained audit log
//! ([`audit`]) and Prometheus metrics ([`metrics`]).
//!
//! Code map: [`compile`] (policy text -> IR + nft text, pure), [`kernel`]
//! (the [`kernel::Kernel`] trait and its netlink/nft implementation),
//! [`discovery`] (neighbour judgement, pure), [`protocol`] + [`control`] +
//! [`client`] (the root-only control socket), [`notify`] (sd_notify),
//! [`nflog`] + [`monitor`] (what the ruleset logs, as events, counts and
//! alerts, in a task beside the actor), and
//! [`run`] here, which wires them to signals and a file watch.
//!
//! Architecture invariant: the daemon never removes or flushes
//! `table inet sanso` on exit or failure; the kernel keeps the last
//! applied ruleset when the daemon dies.

pub mod actor;
pub mod archive;
pub mod audit;
pub mod bounded;
pub mod client;
pub mod compile;
pub mod control;
pub mod discovery;
pub mod durable;
pub mod ha;
pub mod isolation;
pub mod kernel;
pub mod links;
pub mod metrics;
pub mod monitor;
pub mod nflog;
pub mod notify;
pub mod operator;
pub mod protocol;
pub mod syslog;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sanso_i18n::t;
use sanso_policy::FileIdentity;

pub use actor::{DriftAction, Settings, Trigger};
pub use kernel::{Kernel, NftKernel};

/// Default policy file.
pub const DEFAULT_POLICY: &str = "/etc/sanso/policy.toml";
/// How long a stopping daemon waits for the actor to roll back a pending
/// apply and record the stop (systemd's stop timeout is longer).
pub const SHUTDOWN_LIMIT: Duration = Duration::from_secs(60);
/// Default state directory (audit log, last good ruleset).
pub const DEFAULT_STATE_DIR: &str = "/var/lib/sanso";

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    StateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    Audit(#[from] audit::AuditError),
    Socket {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    Metrics {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    Syslog {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    Ha(#[from] ha::HaError),
    Runtime(#[source] std::io::Error),
}

impl std::fmt::Display for DaemonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DaemonError::StateDir { path, .. } => f.write_str(&t!(
                "daemon-error-state-dir",
                path = path.display().to_string()
            )),
            // Transparent: the inner error says it all.
            DaemonError::Audit(err) => std::fmt::Display::fmt(err, f),
            DaemonError::Socket { path, .. } => f.write_str(&t!(
                "daemon-error-socket",
                path = path.display().to_string()
            )),
            DaemonError::Metrics { addr, .. } => {
                f.write_str(&t!("daemon-error-metrics", addr = addr.to_string()))
            }
            DaemonError::Syslog { addr, .. } => {
                f.write_str(&t!("daemon-error-syslog", addr = addr.to_string()))
            }
            DaemonError::Ha(err) => std::fmt::Display::fmt(err, f),
            DaemonError::Runtime(_) => f.write_str(&t!("daemon-error-runtime")),
        }
    }
}

/// Everything `sanso daemon` is configured with.
#[derive(Clone, Debug)]
pub struct DaemonConfig {
    pub settings: Settings,
    pub socket_path: PathBuf,
    pub metrics: Option<SocketAddr>,
    /// What a scrape exports besides the fixed series (per-flow series).
    pub metrics_options: metrics::MetricsOptions,
    /// How often the policy file is checked for a replacement.
    pub watch_interval: Duration,
    /// A syslog collector (UDP) that receives the audit head with every record.
    pub audit_syslog: Option<SocketAddr>,
    /// The NFLOG group read and the alert command ([`monitor`]).
    pub monitor: monitor::MonitorConfig,
}

/// How the daemon's log lines look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// `LEVEL target: message key=value ...`, one line per event.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `fields`, `target`).
    Json,
}

/// Sets up `tracing` for the daemon: one line per event on stderr, filtered
/// by `RUST_LOG` (default `info`). Text lines carry no timestamp or colours
/// under journald (`JOURNAL_STREAM` set; journald adds its own), else an
/// RFC 3339 UTC timestamp; JSON lines always carry one.
pub fn init_logging() {
    init_logging_as(LogFormat::Text);
}

/// [`init_logging`] in the given format.
pub fn init_logging_as(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(false)
            .with_current_span(false)
            .try_init(),
        LogFormat::Text if std::env::var_os("JOURNAL_STREAM").is_some() => {
            builder.without_time().with_ansi(false).try_init()
        }
        LogFormat::Text => {
            use std::io::IsTerminal;
            builder
                .with_ansi(std::io::stderr().is_terminal())
                .try_init()
        }
    };
    let _ = result; // already initialised: keep the first
}

/// Runs the daemon on its own runtime until SIGTERM or SIGINT.
pub fn run(config: DaemonConfig) -> Result<(), DaemonError> {
    run_with(config, None)
}

/// [`run`], as one node of an HA pair when `ha` is given ([`ha`]).
pub fn run_with(config: DaemonConfig, ha: Option<ha::HaSettings>) -> Result<(), DaemonError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(DaemonError::Runtime)?;
    let kernel = Arc::new(NftKernel::new(config.settings.netns.clone()));
    let result = runtime.block_on(serve_with(config, kernel, ha));
    // A look at the policy file stuck in the file system must not hold the
    // exit (dropping the runtime would wait for it).
    runtime.shutdown_timeout(Duration::from_secs(2));
    result
}

/// What one look at the policy file found.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Look {
    /// No file: a rename or an editor's save in progress, or removed.
    Missing,
    /// Not readable as a policy (not a regular file, too large, not UTF-8,
    /// an I/O error): the message, bounded.
    Unreadable(String),
    File {
        identity: FileIdentity,
        /// [`sanso_policy::content_hash`] of the text.
        hash: String,
    },
}

/// Looks at the policy file: never blocks on a FIFO or a device
/// ([`sanso_policy::read_source_file`]); a slow file system can still make
/// it slow, so the watch runs it on the blocking pool.
fn look_at(path: &Path) -> Look {
    match sanso_policy::read_source_file(path) {
        Ok(file) => Look::File {
            identity: file.identity,
            hash: sanso_policy::content_hash(&file.text),
        },
        Err(err) if err.is_missing() => Look::Missing,
        Err(err) => {
            let mut text = err.to_string();
            if let Some(source) = std::error::Error::source(&err) {
                text = format!("{text}: {source}");
            }
            Look::Unreadable(bounded::bounded_in(
                sanso_i18n::lang(),
                &text,
                bounded::ERROR_BOUNDS.chars,
            ))
        }
    }
}

/// What the watch makes of a look.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Nothing,
    /// The file was replaced by another file, which then stayed the same
    /// for one more look: reload.
    Reload,
    /// The file was rewritten in place (the same file, another content):
    /// a writer may not be done, so it waits for `sanso reload` or SIGHUP.
    /// Said once per content (the hash).
    InPlace(String),
    /// The file cannot be read as a policy; said once per message.
    Unreadable(String),
}

/// The policy file watch: applies a file only when it was replaced (a new
/// file renamed over the old one, as editors and config management write
/// it), never a file being written in place, which may be half-written.
#[derive(Debug)]
struct PolicyWatch {
    /// The file the watch accounts for.
    file: Option<FileIdentity>,
    /// The content the watch last applied (or found at start); `None` once
    /// the file changed in place, as an explicit reload may have applied
    /// that content since.
    applied: Option<String>,
    /// A new file seen once, applied if the next look finds it unchanged.
    candidate: Option<(FileIdentity, String)>,
    /// The content or message last reported, so each is said once.
    reported: Option<String>,
}

impl PolicyWatch {
    /// The watch after its first look (at start, when the actor applies
    /// that file).
    fn new(first: Look) -> PolicyWatch {
        let mut watch = PolicyWatch {
            file: None,
            applied: None,
            candidate: None,
            reported: None,
        };
        match first {
            Look::File { identity, hash } => {
                watch.file = Some(identity);
                watch.applied = Some(hash);
            }
            // The start apply reports it.
            Look::Unreadable(message) => watch.reported = Some(message),
            Look::Missing => {}
        }
        watch
    }

    fn next(&mut self, look: Look) -> Step {
        let (identity, hash) = match look {
            Look::Missing => {
                self.candidate = None;
                return Step::Nothing;
            }
            Look::Unreadable(message) => {
                self.candidate = None;
                return self.report(message, Step::Unreadable);
            }
            Look::File { identity, hash } => (identity, hash),
        };
        if self.file == Some(identity) {
            self.candidate = None;
            if self.applied.as_ref() == Some(&hash) {
                self.reported = None;
                return Step::Nothing;
            }
            return self.in_place(hash);
        }
        if self.applied.as_ref() == Some(&hash) {
            // Replaced by the same content: nothing to apply.
            self.file = Some(identity);
            self.candidate = None;
            self.reported = None;
            return Step::Nothing;
        }
        match self.candidate.take() {
            Some(candidate) if candidate == (identity, hash.clone()) => {
                self.file = Some(identity);
                self.applied = Some(hash);
                self.reported = None;
                Step::Reload
            }
            Some((seen, _)) if seen == identity => {
                // The new file changed between two looks: it is being
                // written in place (created, then written), so not applied.
                self.file = Some(identity);
                self.in_place(hash)
            }
            _ => {
                self.candidate = Some((identity, hash));
                Step::Nothing
            }
        }
    }

    fn in_place(&mut self, hash: String) -> Step {
        self.applied = None;
        self.report(hash, Step::InPlace)
    }

    fn report(&mut self, key: String, step: fn(String) -> Step) -> Step {
        if self.reported.as_ref() == Some(&key) {
            return Step::Nothing;
        }
        self.reported = Some(key.clone());
        step(key)
    }
}

/// Looks at `path` on the blocking pool.
fn spawn_look(path: &Path) -> tokio::task::JoinHandle<Look> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || look_at(&path))
}

/// The daemon on the current runtime, with the given kernel.
pub async fn serve(config: DaemonConfig, kernel: Arc<dyn Kernel>) -> Result<(), DaemonError> {
    serve_with(config, kernel, None).await
}

/// [`serve`], as one node of an HA pair when `ha` is given.
pub async fn serve_with(
    config: DaemonConfig,
    kernel: Arc<dyn Kernel>,
    ha: Option<ha::HaSettings>,
) -> Result<(), DaemonError> {
    if let Some(settings) = &ha {
        ha::set_ruleset_inputs(settings);
    }
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangup = signal(SignalKind::hangup()).map_err(DaemonError::Runtime)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(DaemonError::Runtime)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(DaemonError::Runtime)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let own_uid = unsafe { libc::geteuid() };

    let policy_path = config.settings.policy_path.clone();
    let mut actor = actor::Actor::new(config.settings.clone(), Arc::clone(&kernel))?;
    if let Some(addr) = config.audit_syslog {
        let sink =
            syslog::SyslogSink::new(addr).map_err(|source| DaemonError::Syslog { addr, source })?;
        actor = actor.with_audit_syslog(sink);
    }
    let listener = control::bind(&config.socket_path).map_err(|source| DaemonError::Socket {
        path: config.socket_path.clone(),
        source,
    })?;
    let metrics_listener = match config.metrics {
        Some(addr) => Some(
            metrics::bind(addr)
                .await
                .map_err(|source| DaemonError::Metrics { addr, source })?,
        ),
        None => None,
    };
    let ha = match ha {
        Some(settings) => Some((ha::bind(&settings).await?, settings)),
        None => None,
    };
    let mut policy_watch =
        PolicyWatch::new(spawn_look(&policy_path).await.unwrap_or(Look::Missing));
    let (applied_tx, applied_rx) = tokio::sync::watch::channel(None);
    let monitor = monitor::start(
        config.monitor.clone(),
        config.settings.netns.clone(),
        applied_rx,
    );
    let (handle, actor_task) = actor.with_applied_watch(applied_tx).spawn();

    // The first status answer comes after the start apply.
    let status = handle.status().await;
    let applied = status.as_ref().and_then(|s| s.policy.as_ref()).map_or_else(
        || t!("daemon-start-no-policy"),
        |p| {
            t!(
                "daemon-start-applied",
                policy = &p.name,
                revision = p.revision.as_deref().unwrap_or("-")
            )
        },
    );
    tracing::info!(socket = %config.socket_path.display(), metrics = %config.metrics.map_or_else(|| "off".to_owned(), |a| a.to_string()), "{}", t!("daemon-log-ready", applied = &applied));
    if let Err(err) = notify::notify(&format!("READY=1\nSTATUS={applied}")) {
        tracing::warn!(error = %err, "{}", t!("daemon-log-notify-failed"));
    }

    tokio::spawn(control::serve_with(
        listener,
        handle.clone(),
        Some(monitor.clone()),
    ));
    if let Some((socket, settings)) = ha {
        tokio::spawn(ha::run(settings, socket, handle.clone()));
    }
    if let Some(listener) = metrics_listener {
        tokio::spawn(metrics::serve(
            listener,
            handle.clone(),
            Arc::clone(&kernel),
            Some(monitor.clone()),
            config.metrics_options,
        ));
    }
    let mut watch = tokio::time::interval(config.watch_interval);
    watch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // At most one look in flight: one that hangs (a stuck file system)
    // stops the looks, never this loop.
    let mut looking: Option<(tokio::task::JoinHandle<Look>, tokio::time::Instant)> = None;
    let mut said_slow = false;
    let signal = loop {
        tokio::select! {
            _ = hangup.recv() => {
                tracing::info!("{}", t!("daemon-log-sighup"));
                handle.notify_reload(Trigger::Sighup, own_uid).await;
            }
            _ = watch.tick() => match &looking {
                None => looking = Some((spawn_look(&policy_path), tokio::time::Instant::now())),
                Some((_, since)) if !said_slow && since.elapsed() > 10 * config.watch_interval => {
                    said_slow = true;
                    tracing::warn!(file = %policy_path.display(), seconds = since.elapsed().as_secs(), "{}", t!("daemon-log-watch-slow"));
                }
                Some(_) => {}
            },
            look = async {
                match looking.as_mut() {
                    Some((task, _)) => task.await,
                    None => std::future::pending().await,
                }
            }, if looking.is_some() => {
                looking = None;
                said_slow = false;
                let look = look.unwrap_or_else(|err| Look::Unreadable(t!("daemon-watch-look-failed", error = err.to_string())));
                match policy_watch.next(look) {
                    Step::Nothing => {}
                    Step::Reload => {
                        tracing::info!(file = %policy_path.display(), "{}", t!("daemon-log-file-replaced"));
                        handle.notify_reload(Trigger::FileChange, own_uid).await;
                    }
                    Step::InPlace(hash) => tracing::warn!(
                        file = %policy_path.display(),
                        content_hash = %hash,
                        "{}",
                        t!("daemon-log-file-in-place")
                    ),
                    Step::Unreadable(error) => tracing::warn!(
                        file = %policy_path.display(),
                        error = %error,
                        "{}",
                        t!("daemon-log-file-unreadable")
                    ),
                }
            }
            _ = terminate.recv() => break "SIGTERM",
            _ = interrupt.recv() => break "SIGINT",
        }
    };
    let _ = notify::notify("STOPPING=1");
    // The actor rolls back a pending apply and records the stop first; a
    // second signal, or an actor that does not answer in time, ends it.
    tokio::select! {
        said = handle.shutdown(signal) => match said {
            Some(said) => tracing::info!(signal, "{}", t!("daemon-log-stopping", said = said)),
            None => tracing::warn!(signal, "{}", t!("daemon-log-stopping-actor-gone")),
        },
        _ = terminate.recv() => tracing::error!("{}", t!("daemon-log-second-signal", signal = "SIGTERM")),
        _ = interrupt.recv() => tracing::error!("{}", t!("daemon-log-second-signal", signal = "SIGINT")),
        () = tokio::time::sleep(SHUTDOWN_LIMIT) => tracing::error!(limit_s = SHUTDOWN_LIMIT.as_secs(), "{}", t!("daemon-log-stop-timeout")),
    }
    drop(handle);
    actor_task.abort();
    let _ = std::fs::remove_file(&config.socket_path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(ino: u64, content: &str) -> Look {
        Look::File {
            identity: FileIdentity {
                dev: 1,
                ino,
                born: None,
            },
            hash: content.to_owned(),
        }
    }

    fn steps(watch: &mut PolicyWatch, looks: &[Look]) -> Vec<Step> {
        looks.iter().map(|l| watch.next(l.clone())).collect()
    }

    fn in_place(content: &str) -> Step {
        Step::InPlace(content.to_owned())
    }

    #[test]
    fn a_file_replaced_by_a_rename_is_applied_after_one_more_look() {
        let mut watch = PolicyWatch::new(file(1, "a"));
        assert_eq!(
            steps(
                &mut watch,
                &[file(1, "a"), file(2, "b"), file(2, "b"), file(2, "b")]
            ),
            [Step::Nothing, Step::Nothing, Step::Reload, Step::Nothing]
        );
    }

    #[test]
    fn a_file_written_in_place_is_reported_once_per_content_and_never_applied() {
        let mut watch = PolicyWatch::new(file(1, "a"));
        assert_eq!(
            steps(
                &mut watch,
                &[file(1, "half"), file(1, "half"), file(1, "b"), file(1, "b")]
            ),
            [
                in_place("half"),
                Step::Nothing,
                in_place("b"),
                Step::Nothing
            ]
        );
        // Replaced later: applied, even with the first content, as an
        // explicit reload may have applied "b" meanwhile.
        assert_eq!(
            steps(&mut watch, &[file(2, "a"), file(2, "a")]),
            [Step::Nothing, Step::Reload]
        );
    }

    #[test]
    fn a_new_file_that_changes_between_looks_is_being_written_and_waits() {
        // Removed, then created and written (GNU install, vim without a
        // rename): seen half-written, then whole.
        let mut watch = PolicyWatch::new(file(1, "a"));
        assert_eq!(
            steps(
                &mut watch,
                &[
                    Look::Missing,
                    file(2, "ha"),
                    file(2, "half"),
                    file(2, "half")
                ]
            ),
            [
                Step::Nothing,
                Step::Nothing,
                in_place("half"),
                Step::Nothing
            ]
        );
    }

    #[test]
    fn a_missing_file_is_harmless() {
        let mut watch = PolicyWatch::new(file(1, "a"));
        assert_eq!(
            steps(
                &mut watch,
                &[Look::Missing, Look::Missing, file(2, "b"), file(2, "b")]
            ),
            [Step::Nothing, Step::Nothing, Step::Nothing, Step::Reload]
        );
        // Missing at start: the file that appears is applied.
        let mut watch = PolicyWatch::new(Look::Missing);
        assert_eq!(
            steps(&mut watch, &[file(3, "c"), file(3, "c")]),
            [Step::Nothing, Step::Reload]
        );
    }

    #[test]
    fn a_replacement_with_the_same_content_is_not_applied_again() {
        let mut watch = PolicyWatch::new(file(1, "a"));
        assert_eq!(
            steps(&mut watch, &[file(2, "a"), file(2, "a"), file(2, "a")]),
            [Step::Nothing, Step::Nothing, Step::Nothing]
        );
        // And that file is now the one watched for in-place writes.
        assert_eq!(watch.next(file(2, "b")), in_place("b"));
    }

    #[test]
    fn an_unreadable_file_is_reported_once() {
        let fifo = || Look::Unreadable("p is a FIFO".to_owned());
        let mut watch = PolicyWatch::new(file(1, "a"));
        assert_eq!(
            steps(
                &mut watch,
                &[fifo(), fifo(), file(2, "b"), file(2, "b"), fifo()]
            ),
            [
                Step::Unreadable("p is a FIFO".to_owned()),
                Step::Nothing,
                Step::Nothing,
                Step::Reload,
                Step::Unreadable("p is a FIFO".to_owned()),
            ]
        );
    }

    #[test]
    fn a_candidate_interrupted_by_another_replacement_waits_for_the_newer() {
        let mut watch = PolicyWatch::new(file(1, "a"));
        assert_eq!(
            steps(&mut watch, &[file(2, "b"), file(3, "c"), file(3, "c")]),
            [Step::Nothing, Step::Nothing, Step::Reload]
        );
    }
}
