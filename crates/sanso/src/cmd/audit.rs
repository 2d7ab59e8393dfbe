//! `sanso audit verify`: check the hash chain of an audit log.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Work with the daemon's audit log (audit.jsonl in its state directory).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Verify the hash chain: exit 0 when intact; 1 naming the first record
    /// (line) that was changed, removed or reordered.
    Verify {
        /// The audit log, e.g. /var/lib/sanso/audit.jsonl.
        file: PathBuf,
    },
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        AuditCommand::Verify { file } => {
            let result = sanso_daemon::audit::verify_file(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            match result {
                Ok(chain) => {
                    println!(
                        "{}: intact, {} records, head {}",
                        file.display(),
                        chain.records,
                        chain.head
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(bad) => {
                    eprintln!(
                        "{}:{}: chain broken: {}",
                        file.display(),
                        bad.line,
                        bad.reason
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
