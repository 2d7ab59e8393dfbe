//! `sanso apply`: load a policy into the kernel, directly (one atomic netlink
//! batch) or, with `--confirm`, through the daemon with an automatic rollback.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use sanso_daemon::protocol::Request;

use crate::common;

/// Apply a policy: replace `table inet sanso` in one atomic netlink batch.
///
/// With `--confirm DURATION` the running daemon applies it instead and rolls
/// back to the previous ruleset unless `sanso confirm` arrives in time; the
/// timer lives in the daemon, so a lost SSH session still gets its rollback.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// Apply inside this network namespace (`ip netns` name).
    #[arg(long, conflicts_with = "confirm")]
    netns: Option<String>,
    /// Apply through the daemon and roll back unless confirmed within this time (e.g. 120s, 5m).
    #[arg(long, value_parser = super::daemon::parse_duration)]
    confirm: Option<Duration>,
    /// The daemon's control socket (with --confirm).
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.confirm {
        Some(timeout) => apply_with_confirm(&args, timeout),
        None => apply_direct(&args),
    }
}

fn apply_with_confirm(args: &Args, timeout: Duration) -> Result<ExitCode> {
    // Validate here first so the diagnostics show with colours and context.
    common::load_policy(&args.policy)?;
    let text = common::read_text(&args.policy)?;
    let file = std::fs::canonicalize(&args.policy)
        .unwrap_or_else(|_| args.policy.clone())
        .display()
        .to_string();
    let request = Request::Apply {
        file,
        text,
        confirm_seconds: timeout.as_secs(),
    };
    super::reload::report(super::reload::ask(&args.socket, &request)?)
}

fn apply_direct(args: &Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let ruleset = sanso_ir::lower(&policy, common::now_or(None));
    let report = sanso_nft::netlink::apply(&ruleset, args.netns.as_deref())
        .context("apply failed; the running ruleset is unchanged")?;
    let applied = format!(
        "applied {} rev {}: {} messages, {} elements in {:.1} ms",
        policy.name,
        policy.revision.as_deref().unwrap_or("-"),
        report.messages,
        report.elements,
        report.duration.as_secs_f64() * 1000.0
    );
    // Say "verified" only once the table was read back and matched.
    match sanso_nft::verify::verify_applied(&ruleset, args.netns.as_deref()) {
        Ok(sanso_nft::verify::Verification::Verified) => {
            println!("{applied}; read back and verified");
            Ok(ExitCode::SUCCESS)
        }
        Ok(sanso_nft::verify::Verification::Mismatch(problems)) => {
            println!("{applied}");
            eprintln!(
                "error: the table read back from the kernel does not have the compiled shape; the kernel now holds this unverified table:"
            );
            for problem in problems.iter().take(20) {
                eprintln!("  {problem}");
            }
            if problems.len() > 20 {
                eprintln!("  ... and {} more", problems.len() - 20);
            }
            Ok(ExitCode::from(1))
        }
        Err(err) => {
            println!("{applied}");
            eprintln!(
                "error: the table could not be read back, so it was not verified: {:#}",
                anyhow::Error::new(err)
            );
            Ok(ExitCode::from(1))
        }
    }
}
