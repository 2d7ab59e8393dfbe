//! `sanso reload`: ask the daemon to reload its policy file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};
use sanso_daemon::protocol::{self, Attribution, Request, Response};
use sanso_i18n::t;

use crate::common;

/// Reload the daemon's policy file now (as SIGHUP does) and report the result.
/// A policy that fails leaves the running ruleset in place (exit status 1).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    why: Why,
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print the daemon's answer as one JSON object (docs/json.md).
    #[arg(long)]
    json: bool,
}

/// `--ticket` and `--reason`: why a change is asked for, recorded with it in
/// the daemon's audit log (shared by the commands that change what the
/// daemon enforces).
#[derive(Debug, Default, clap::Args)]
pub struct Why {
    /// The change ticket this is done under (recorded in the audit log; at most 64 characters).
    #[arg(long, value_name = "T", value_parser = ticket)]
    pub ticket: Option<String>,
    /// Why this is done (recorded in the audit log; one line, at most 500 characters).
    #[arg(long, value_name = "TEXT", value_parser = reason)]
    pub reason: Option<String>,
}

fn ticket(text: &str) -> Result<String, String> {
    protocol::check_ticket(text).map(|()| text.to_owned())
}

fn reason(text: &str) -> Result<String, String> {
    protocol::check_reason(text).map(|()| text.to_owned())
}

impl Why {
    /// Whether a ticket or a reason was given.
    pub fn given(&self) -> bool {
        self.ticket.is_some() || self.reason.is_some()
    }

    /// What the request carries: the ticket, the reason, and this process's
    /// `SUDO_USER` (the daemon records it when it cannot read our
    /// environment itself).
    pub fn attribution(&self) -> Attribution {
        Attribution {
            ticket: self.ticket.clone(),
            reason: self.reason.clone(),
            sudo_user: std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty()),
        }
    }
}

/// Sends one request to the daemon (shared by the daemon client commands).
pub fn ask(socket: &Path, request: &Request) -> Result<Response> {
    Ok(sanso_daemon::client::request(
        socket,
        request,
        Duration::from_secs(60),
    )?)
}

/// Prints a `Done` answer (with `json`: `{"ok": true, "message": ...}`),
/// fails on an `Error` one (its failure document: `{"ok": false, "error": ...}`).
pub fn report(response: Response, json: bool) -> Result<ExitCode> {
    match response {
        Response::Done { message } if json => {
            common::print_json(&serde_json::json!({ "ok": true, "message": message }))?;
            Ok(ExitCode::SUCCESS)
        }
        Response::Done { message } => {
            println!("{message}");
            Ok(ExitCode::SUCCESS)
        }
        Response::Error { message } => bail!("{message}"),
        Response::Status(_) | Response::Events(_) => bail!("{}", t!("cli-unexpected-answer")),
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let request = Request::Reload {
        attribution: args.why.attribution(),
    };
    report(ask(&args.socket, &request)?, args.json)
}
