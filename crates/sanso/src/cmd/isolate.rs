//! `sanso isolate`, `sanso release`, `sanso isolations`: 緊急時対応, cutting
//! zones, hosts or addresses off at once through the daemon
//! (docs/operations.md, "Isolation").

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use sanso_daemon::protocol::{Request, Response};
use sanso_i18n::t;

/// Cut zones, hosts, addresses or prefixes off at once, in both directions,
/// open connections included, until `sanso release` (or `--for`).
///
/// The daemon resolves each TARGET against the running policy and loads it
/// into the isolation sets of the running table (an element update: the
/// policy, its counters and other connections stay). Management of the
/// gateway itself (the policy's flows to `self`) stays open. The isolation
/// survives reloads, drift restores, daemon restarts and reboots, and is
/// audited with who asked and why.
#[derive(Debug, clap::Args)]
pub struct IsolateArgs {
    /// Zones, hosts (by name), addresses or prefixes.
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    why: super::reload::Why,
    /// Release it by itself after this long (e.g. 30m, 4h).
    #[arg(long = "for", value_name = "DURATION", value_parser = super::daemon::parse_duration)]
    for_: Option<std::time::Duration>,
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print the daemon's answer as one JSON object (docs/json.md).
    #[arg(long)]
    json: bool,
}

/// Release isolated targets (as they were named to `sanso isolate`; `all`
/// releases every one).
#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    #[command(flatten)]
    why: super::reload::Why,
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print the daemon's answer as one JSON object (docs/json.md).
    #[arg(long)]
    json: bool,
}

/// What is isolated now: target, addresses, since when, until when, by whom
/// and why.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print a JSON array (docs/json.md).
    #[arg(long)]
    json: bool,
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
}

pub fn isolate(args: IsolateArgs) -> Result<ExitCode> {
    let request = Request::Isolate {
        targets: args.targets,
        for_seconds: args.for_.map(|d| d.as_secs()),
        attribution: args.why.attribution(),
    };
    super::reload::report(super::reload::ask(&args.socket, &request)?, args.json)
}

pub fn release(args: ReleaseArgs) -> Result<ExitCode> {
    let request = Request::Release {
        targets: args.targets,
        attribution: args.why.attribution(),
    };
    super::reload::report(super::reload::ask(&args.socket, &request)?, args.json)
}

pub fn list(args: ListArgs) -> Result<ExitCode> {
    match super::reload::ask(&args.socket, &Request::Status)? {
        Response::Status(status) => {
            if args.json {
                crate::common::print_json(&status.isolations)?;
            } else if status.isolations.is_empty() {
                println!("{}", t!("cli-nothing-isolated"));
            } else {
                for entry in &status.isolations {
                    println!("{entry}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Response::Error { message } => bail!("{message}"),
        Response::Done { message } => {
            bail!("{}", t!("cli-unexpected-answer-message", message = message))
        }
        Response::Events(_) => bail!("{}", t!("cli-unexpected-answer")),
    }
}
