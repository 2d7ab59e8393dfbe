//! `sanso status`: what the daemon has applied, pending confirms, drift, counts.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use sanso_daemon::protocol::{Request, Response};

/// Show the daemon's state: the applied policy (revision, content hash, when),
/// a pending `apply --confirm`, drift, and event counts.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print the status as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match super::reload::ask(&args.socket, &Request::Status)? {
        Response::Status(status) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{status}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Response::Error { message } => bail!("{message}"),
        Response::Done { message } => bail!("unexpected answer: {message}"),
        Response::Events(_) => bail!("unexpected answer from the daemon"),
    }
}
