//! `sanso drift`: does the live table still match the approved policy?

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sanso_i18n::t;
use sanso_nft::readback;
use serde::Serialize;

use crate::common;

/// Compare the live `table inet sanso` with what the policy compiles to.
///
/// Reports every difference (a rule added by hand, an element removed, a
/// missing table, a table flag such as `dormant`, which switches all
/// filtering off) and warns about base chains of other tables on the same
/// hooks, which could accept what sanso drops. Needs root.
///
/// Exit status: 0 when the live table matches, 2 when it drifted (flags
/// included), 1 on error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The approved policy file (TOML).
    policy: PathBuf,
    /// Read the table in this network namespace (`ip netns` name).
    #[arg(long)]
    netns: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The daemon's state directory: what is isolated (isolations.json) is
    /// expected in the isolation sets; default /var/lib/sanso.
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    let ruleset = sanso_ir::lower(&policy, common::now_or(None));
    // What `sanso isolate` cut off is part of what the table should hold.
    let (_, isolations) = crate::common::load_isolations(args.state_dir.as_deref())?;
    let text = sanso_nft::text::render_with(&ruleset, &isolations.isolated());
    let expected =
        readback::expected_table(&text).with_context(|| t!("plan-cannot-compute-policy"))?;
    let live =
        readback::live_table(args.netns.as_deref()).with_context(|| t!("plan-cannot-read-live"))?;
    let diff = readback::diff(&expected, &live);
    if args.json {
        let report = DriftJson {
            diff: &diff,
            flags: &live.flags,
            incomplete: live.incomplete.as_deref(),
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{diff}");
        if !diff.text_diff.is_empty() {
            println!("\n{}", diff.text_diff);
        }
    }
    Ok(if diff.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// `--json`: the difference (changes, warnings, text_diff) and the live
/// table's flags (`[]` normally) and why it was not read in full (`null`
/// normally).
#[derive(Serialize)]
struct DriftJson<'a> {
    #[serde(flatten)]
    diff: &'a readback::TableDiff,
    flags: &'a [String],
    incomplete: Option<&'a str>,
}
