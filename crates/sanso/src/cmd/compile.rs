//! `sanso compile`: the nft script of a policy.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sanso_i18n::t;

use crate::common;

/// Compile a policy into one `table inet sanso` nftables script (for `nft -f`).
///
/// Flows whose `until` has passed are left out; the others stop matching in
/// the kernel at their instant, without a recompile.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// Write the script to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Judge expiry at this time instead of now (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = common::parse_time)]
    now: Option<i64>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let ruleset = sanso_ir::lower(&policy, common::now_or(args.now));
    let text = sanso_nft::text::render(&ruleset);
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| t!("cli-cannot-write", path = path.display().to_string()))?,
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .with_context(|| t!("cli-cannot-write-stdout"))?,
    }
    Ok(ExitCode::SUCCESS)
}
