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
//! [`client`] (the root-only control socket), [`notify`] (sd_notify), and
//! [`run`] here, which wires them to signals and a file watch.
//!
//! Architecture invariant: the daemon never removes or flushes
//! `table inet sanso` on exit or failure; the kernel keeps the last
//! applied ruleset when the daemon dies.

pub mod actor;
pub mod audit;
pub mod bounded;
pub mod client;
pub mod compile;
pub mod control;
pub mod discovery;
pub mod kernel;
pub mod metrics;
pub mod notify;
pub mod protocol;
pub mod syslog;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

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
    #[error("cannot create the state directory {}", path.display())]
    StateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error("cannot listen on the control socket {}", path.display())]
    Socket {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serve metrics on {addr}")]
    Metrics {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open a socket to send audit heads to {addr}")]
    Syslog {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot set up the runtime or signal handlers")]
    Runtime(#[source] std::io::Error),
}

/// Everything `sanso daemon` is configured with.
#[derive(Clone, Debug)]
pub struct DaemonConfig {
    pub settings: Settings,
    pub socket_path: PathBuf,
    pub metrics: Option<SocketAddr>,
    /// How often the policy file is checked for a change of content.
    pub watch_interval: Duration,
    /// A syslog collector (UDP) that receives the audit head with every record.
    pub audit_syslog: Option<SocketAddr>,
}

/// Sets up `tracing` for the daemon: plain lines on stderr, without
/// timestamps or colours under journald (`JOURNAL_STREAM` set), filtered by
/// `RUST_LOG` (default `info`).
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().with_ansi(false).try_init()
    } else {
        use std::io::IsTerminal;
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
    let _ = result; // already initialised: keep the first
}

/// Runs the daemon on its own runtime until SIGTERM or SIGINT.
pub fn run(config: DaemonConfig) -> Result<(), DaemonError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(DaemonError::Runtime)?;
    let kernel = Arc::new(NftKernel {
        netns: config.settings.netns.clone(),
    });
    runtime.block_on(serve(config, kernel))
}

fn file_hash(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|bytes| audit::hex(&Sha256::digest(&bytes)))
}

/// The daemon on the current runtime, with the given kernel.
pub async fn serve(config: DaemonConfig, kernel: Arc<dyn Kernel>) -> Result<(), DaemonError> {
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
    let mut seen_hash = file_hash(&policy_path);
    let mut settling: Option<String> = None;
    let (handle, actor_task) = actor.spawn();

    // The first status answer comes after the start apply.
    let status = handle.status().await;
    let applied = status.as_ref().and_then(|s| s.policy.as_ref()).map_or_else(
        || "no policy applied (see the log); the boot ruleset stays".to_owned(),
        |p| {
            format!(
                "applied {} rev {}",
                p.name,
                p.revision.as_deref().unwrap_or("-")
            )
        },
    );
    tracing::info!(socket = %config.socket_path.display(), metrics = ?config.metrics, "{applied}; ready");
    if let Err(err) = notify::notify(&format!("READY=1\nSTATUS={applied}")) {
        tracing::warn!(error = %err, "cannot notify systemd");
    }

    tokio::spawn(control::serve(listener, handle.clone()));
    if let Some(listener) = metrics_listener {
        tokio::spawn(metrics::serve(
            listener,
            handle.clone(),
            Arc::clone(&kernel),
        ));
    }
    let mut watch = tokio::time::interval(config.watch_interval);
    watch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let signal = loop {
        tokio::select! {
            _ = hangup.recv() => {
                tracing::info!("SIGHUP: reloading");
                handle.notify_reload(Trigger::Sighup, own_uid).await;
            }
            _ = watch.tick() => {
                let hash = file_hash(&policy_path);
                // A missing file (an editor mid-save) is not a change to apply, and a
                // new content must stay the same for one more look (a write in progress).
                if hash.is_some() && hash != seen_hash {
                    if hash == settling {
                        seen_hash = hash;
                        tracing::info!(file = %policy_path.display(), "policy file changed: reloading");
                        handle.notify_reload(Trigger::FileChange, own_uid).await;
                    } else {
                        settling = hash;
                    }
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
            Some(said) => tracing::info!(signal, "stopping: {said}; table inet sanso stays in the kernel"),
            None => tracing::warn!(signal, "stopping; the actor had stopped; table inet sanso stays in the kernel"),
        },
        _ = terminate.recv() => tracing::error!("second SIGTERM: stopping without waiting for the actor (a pending apply may stay unconfirmed; the next start rolls it back)"),
        _ = interrupt.recv() => tracing::error!("second SIGINT: stopping without waiting for the actor (a pending apply may stay unconfirmed; the next start rolls it back)"),
        () = tokio::time::sleep(SHUTDOWN_LIMIT) => tracing::error!(limit_s = SHUTDOWN_LIMIT.as_secs(), "the actor did not stop in time (a pending apply may stay unconfirmed; the next start rolls it back)"),
    }
    drop(handle);
    actor_task.abort();
    let _ = std::fs::remove_file(&config.socket_path);
    Ok(())
}
