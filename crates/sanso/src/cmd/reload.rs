//! `sanso reload`: ask the daemon to reload its policy file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};
use sanso_daemon::protocol::{Request, Response};

/// Reload the daemon's policy file now (as SIGHUP does) and report the result.
/// A policy that fails leaves the running ruleset in place (exit status 1).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
}

/// Sends one request to the daemon (shared by the daemon client commands).
pub fn ask(socket: &Path, request: &Request) -> Result<Response> {
    Ok(sanso_daemon::client::request(
        socket,
        request,
        Duration::from_secs(60),
    )?)
}

/// Prints a `Done` answer, fails on an `Error` one.
pub fn report(response: Response) -> Result<ExitCode> {
    match response {
        Response::Done { message } => {
            println!("{message}");
            Ok(ExitCode::SUCCESS)
        }
        Response::Error { message } => bail!("{message}"),
        Response::Status(_) => bail!("unexpected answer from the daemon"),
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    report(ask(&args.socket, &Request::Reload)?)
}
