//! `sanso confirm`: keep the policy applied by `sanso apply --confirm`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use sanso_daemon::protocol::Request;

/// Confirm the pending `sanso apply POLICY --confirm DURATION`, so the daemon
/// does not roll it back.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    why: super::reload::Why,
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print the daemon's answer as one JSON object (docs/json.md).
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let request = Request::Confirm {
        attribution: args.why.attribution(),
    };
    super::reload::report(super::reload::ask(&args.socket, &request)?, args.json)
}
