//! The control socket: a Unix stream socket (mode 0600) that serves one
//! [`Request`] per connection to root only (SO_PEERCRED uid 0), forwarding
//! it to the actor with its [`Operator`]: the peer's credentials, its
//! `SUDO_USER` and login, and the request's ticket and reason.

use std::path::Path;
use std::time::Duration;

use sanso_i18n::t;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::actor::{Handle, Trigger};
use crate::bounded::{bounded, FILE_NAME_CHARS};
use crate::compile::PolicySource;
use crate::monitor::MonitorHandle;
use crate::operator::Operator;
use crate::protocol::{Attribution, Request, Response, MAX_REQUEST_BYTES};

/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a parse error sent back.
const ERROR_CHARS: usize = 300;
/// The longest commit-confirm window accepted.
pub const MAX_CONFIRM: Duration = Duration::from_secs(24 * 3600);

/// Whether a peer may use the socket.
pub fn authorized(uid: u32) -> bool {
    uid == 0
}

/// Binds the socket at `path` (replacing a stale one), mode 0600, its
/// directory created with mode 0700 when missing.
pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() && !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    // Create the socket file without group/other bits from the start.
    // SAFETY: umask has no preconditions; it is restored right after bind.
    let old = unsafe { libc::umask(0o177) };
    let listener = UnixListener::bind(path);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    let listener = listener?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// Serves connections until the listener fails.
pub async fn serve(listener: UnixListener, actor: Handle) {
    serve_with(listener, actor, None).await;
}

/// [`serve`], with the monitor answering `Events` requests.
pub async fn serve_with(listener: UnixListener, actor: Handle, monitor: Option<MonitorHandle>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let actor = actor.clone();
                let monitor = monitor.clone();
                tokio::spawn(async move {
                    if let Err(err) = connection(stream, actor, monitor).await {
                        tracing::debug!(error = %err, "{}", t!("daemon-log-control-connection-error"));
                    }
                });
            }
            Err(err) => {
                tracing::error!(error = %err, "{}", t!("daemon-log-control-accept-failed"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

async fn connection(
    stream: UnixStream,
    actor: Handle,
    monitor: Option<MonitorHandle>,
) -> std::io::Result<()> {
    let cred = stream.peer_cred()?;
    let (uid, gid, pid) = (cred.uid(), cred.gid(), cred.pid());
    let (read, mut write) = stream.into_split();
    let response = if !authorized(uid) {
        tracing::warn!(uid, pid, "{}", t!("daemon-log-control-non-root"));
        Response::Error {
            message: t!("daemon-control-root-only"),
        }
    } else {
        let mut reader = BufReader::new(read).take(MAX_REQUEST_BYTES as u64);
        let mut line = String::new();
        match tokio::time::timeout(READ_TIMEOUT, reader.read_line(&mut line)).await {
            Err(_) => Response::Error {
                message: t!("daemon-control-timeout"),
            },
            Ok(Err(err)) => Response::Error {
                message: t!("daemon-control-read-failed", error = err.to_string()),
            },
            Ok(Ok(read)) if read >= MAX_REQUEST_BYTES && !line.ends_with('\n') => {
                tracing::warn!(
                    uid,
                    "{}",
                    t!("daemon-log-control-too-large", bytes = MAX_REQUEST_BYTES)
                );
                Response::Error {
                    message: t!(
                        "daemon-control-too-large",
                        mib = MAX_REQUEST_BYTES / (1024 * 1024)
                    ),
                }
            }
            Ok(Ok(_)) => match serde_json::from_str::<Request>(&line) {
                Ok(Request::Events { query }) => match &monitor {
                    Some(monitor) => Response::Events(Box::new(monitor.events(&query))),
                    None => Response::Error {
                        message: t!("daemon-control-no-monitor"),
                    },
                },
                // Status changes nothing: its peer needs no /proc reading
                // (monitors poll it). For a change, the peer is read while
                // it waits for its answer, so its pid is still its own.
                Ok(request @ Request::Status) => {
                    answer(request, Operator::peer(uid, gid, pid), &actor).await
                }
                Ok(request) => {
                    let operator =
                        tokio::task::spawn_blocking(move || Operator::read_peer(uid, gid, pid))
                            .await
                            .unwrap_or_else(|_| Operator::peer(uid, gid, pid));
                    answer(request, operator, &actor).await
                }
                // serde's message can quote the request: bounded.
                Err(err) => Response::Error {
                    message: t!(
                        "daemon-control-bad-request",
                        error = crate::bounded::bounded_in(
                            sanso_i18n::lang(),
                            &err.to_string(),
                            ERROR_CHARS
                        )
                    ),
                },
            },
        }
    };
    let mut text = serde_json::to_string(&response)
        .unwrap_or_else(|_| r#"{"result":"error","message":"encoding"}"#.to_owned());
    text.push('\n');
    write.write_all(text.as_bytes()).await?;
    write.shutdown().await
}

fn done(outcome: Result<String, String>) -> Response {
    match outcome {
        Ok(message) => Response::Done { message },
        Err(message) => Response::Error { message },
    }
}

/// The operator of a request with this attribution; `Err` (the answer)
/// when its ticket or reason is out of bounds: nothing is done then.
fn attributed(operator: Operator, attribution: &Attribution) -> Result<Operator, Response> {
    match attribution.check() {
        Ok(()) => Ok(operator.attributed(attribution)),
        Err(message) => {
            tracing::warn!(uid = operator.uid, pid = operator.pid, error = %message, "{}", t!("daemon-log-control-refused"));
            Err(Response::Error {
                message: t!("daemon-control-refused", error = message),
            })
        }
    }
}

async fn answer(request: Request, operator: Operator, actor: &Handle) -> Response {
    match request {
        Request::Status => match actor.status().await {
            Some(mut status) => {
                status.ha = crate::ha::current();
                Response::Status(Box::new(status))
            }
            None => Response::Error {
                message: t!("daemon-actor-stopped"),
            },
        },
        Request::Reload { attribution } => match attributed(operator, &attribution) {
            Ok(by) => done(actor.reload(Trigger::Request, by).await),
            Err(refused) => refused,
        },
        Request::Apply {
            file,
            text,
            confirm_seconds,
            attribution,
        } => {
            let by = match attributed(operator, &attribution) {
                Ok(by) => by,
                Err(refused) => return refused,
            };
            let timeout = Duration::from_secs(confirm_seconds);
            if timeout.is_zero() || timeout > MAX_CONFIRM {
                return Response::Error {
                    message: t!("daemon-control-confirm-range", max = MAX_CONFIRM.as_secs()),
                };
            }
            // The name goes into logs, status and the audit: escaped and
            // bounded here, once (a name with a line break or an ANSI escape
            // still works, shown escaped).
            let file = bounded(&file, FILE_NAME_CHARS);
            done(
                actor
                    .apply_confirm(PolicySource { file, text }, timeout, by)
                    .await,
            )
        }
        Request::Confirm { attribution } => match attributed(operator, &attribution) {
            Ok(by) => done(actor.confirm(by).await),
            Err(refused) => refused,
        },
        Request::Isolate {
            targets,
            for_seconds,
            attribution,
        } => match attributed(operator, &attribution) {
            Ok(by) => done(actor.isolate(targets, for_seconds, by).await),
            Err(refused) => refused,
        },
        Request::Release {
            targets,
            attribution,
        } => match attributed(operator, &attribution) {
            Ok(by) => done(actor.release(targets, by).await),
            Err(refused) => refused,
        },
        // Served by the monitor, not the actor (see `connection`).
        Request::Events { .. } => Response::Error {
            message: t!("daemon-control-events-by-monitor"),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_root_is_authorized() {
        assert!(super::authorized(0));
        assert!(!super::authorized(1000));
    }
}
