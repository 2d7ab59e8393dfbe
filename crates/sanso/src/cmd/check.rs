//! `sanso check`: validate a policy; exit 0 when valid, 1 with diagnostics.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::common;

/// Validate a policy file: syntax, names, addresses, and the three-tier guardrails.
///
/// Exit status 0 when the policy is valid, 1 (with every diagnostic, each naming
/// file, line, column and the zone, host or flow at fault) when it is not.
/// With `--deny-warnings`, a valid policy with warnings also exits 1 (for CI
/// pipelines that must not let a warning through).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// Exit 1 when the policy has warnings, too.
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let (policy, warnings) = common::load_policy_counting_warnings(&args.policy)?;
    let exceptions = policy
        .flows
        .iter()
        .filter(|f| f.has_waiving_exception())
        .count();
    println!(
        "{}: policy \"{}\"{} is valid: {} zones, {} hosts, {} flows ({} under an approved exception)",
        args.policy.display(),
        policy.name,
        policy.revision.as_deref().map(|r| format!(" rev {r}")).unwrap_or_default(),
        policy.zones.len(),
        policy.hosts.len(),
        policy.flows.len(),
        exceptions,
    );
    if args.deny_warnings && warnings > 0 {
        eprintln!(
            "{}: {warnings} warning(s), refused with --deny-warnings",
            args.policy.display()
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
