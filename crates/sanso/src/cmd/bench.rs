//! `sanso bench`: how fast the classifier, the compiler and the kernel ruleset
//! are on a policy file or a synthetic policy, against linear baselines in the
//! same run. The measurements live in the `sanso-benches` crate.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use sanso_benches::{KernelMode, PolicySource, Settings};

use crate::common;

/// Measure lookup, compile and (with --kernel) kernel drop-path costs.
///
/// Userspace: median ns per lookup of the classifier over a fixed seeded
/// trace, one packet per call and in batches, and of the linear
/// first-match reference over the same trace.
/// Compile: load + lower + render. Kernel (root): the cost per dropped packet
/// through a throwaway gateway namespace with the compiled ruleset, an empty
/// ruleset and one rule per flow, interleaved, median of rounds; then the
/// cost per packet of an established connection a flow allows (against the
/// layout without connection marks and the conntrack-only table), of a
/// spoofed flood (against anti-spoofing after conntrack, the empty and the
/// conntrack-only tables), and the throughput of one TCP stream a flow
/// allows (against the conntrack-only table and no ruleset).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML); or use --synthetic.
    #[arg(required_unless_present = "synthetic", conflicts_with = "synthetic")]
    policy: Option<PathBuf>,
    /// Benchmark a seeded synthetic policy instead of a file.
    #[arg(long, requires = "flows")]
    synthetic: bool,
    /// Number of flows of the synthetic policy.
    #[arg(long)]
    flows: Option<usize>,
    /// Seed of the synthetic policy.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also measure the kernel drop path in throwaway namespaces (root).
    #[arg(long)]
    kernel: bool,
    /// Rounds of the kernel measurement, per ruleset.
    #[arg(long, default_value_t = 5)]
    kernel_rounds: usize,
    /// Milliseconds of each kernel round's blast (after a 30 ms warm-up).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    kernel_blast_ms: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Judge expiry at this time instead of now (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = common::parse_time)]
    now: Option<i64>,
    /// Write the synthetic policy's TOML to this file (to read it, or to
    /// `sanso apply` it in a namespace) and exit without measuring.
    #[arg(long, requires = "synthetic")]
    save_policy: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let source = match (&args.policy, args.synthetic, args.flows) {
        (Some(path), false, _) => {
            // Validate first so that diagnostics are rendered as `check` does.
            common::load_policy(path)?;
            PolicySource::File {
                name: path.display().to_string(),
                text: common::read_text(path)?,
            }
        }
        (None, true, Some(flows)) => PolicySource::Synthetic {
            flows,
            seed: args.seed,
            endpoints: sanso_benches::EndpointMix::Mixed,
        },
        _ => bail!("give a policy file or --synthetic --flows N"),
    };
    if let Some(path) = &args.save_policy {
        let (_, text) = source.text();
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = Settings {
        kernel: if args.kernel {
            KernelMode::Measure
        } else {
            KernelMode::Skip
        },
        now: common::now_or(args.now),
        ..Settings::default()
    };
    settings.kernel_budget.rounds = args.kernel_rounds.max(1);
    settings.kernel_budget.blast = std::time::Duration::from_millis(args.kernel_blast_ms);
    let measurement = sanso_benches::run(&source, &settings).context("benchmark failed")?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        let json =
            serde_json::to_string(&measurement.json()).context("cannot encode the report")?;
        writeln!(stdout, "{json}").context("cannot write to standard output")?;
    } else {
        write!(stdout, "{}", measurement.text()).context("cannot write to standard output")?;
    }
    Ok(ExitCode::SUCCESS)
}
