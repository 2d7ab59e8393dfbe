//! `sanso plan`: a dry run. What applying a policy would change, against
//! another policy file or against the live kernel.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use sanso_i18n::t;
use sanso_nft::readback;

use crate::common;

/// Show what applying a policy would change, without changing anything.
///
/// With `--against OLD`: the semantic change from the policy file OLD (flows
/// added, removed or changed; which zone pairs and services become reachable
/// or unreachable) and the ruleset text diff.
/// With `--live`: the difference between the running `table inet sanso`
/// (read from the kernel) and the ruleset the policy compiles to (root).
///
/// Exit status, like diff(1): 0 when nothing would change, 2 when something
/// would, 1 on error.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("base").required(true).args(["against", "live"])))]
pub struct Args {
    /// The policy file to apply (TOML).
    policy: PathBuf,
    /// Compare with this policy file (the one applied now).
    #[arg(long)]
    against: Option<PathBuf>,
    /// Compare with the live kernel table.
    #[arg(long)]
    live: bool,
    /// With --live: read the table in this network namespace (`ip netns` name).
    #[arg(long, requires = "live")]
    netns: Option<String>,
    /// Judge expiry at this time instead of now (YYYY-MM-DD or RFC 3339).
    #[arg(long, value_parser = common::parse_time, conflicts_with = "live")]
    now: Option<i64>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let new_policy = common::load_policy(&args.policy)?;
    let now = common::now_or(args.now);
    let new_ruleset = sanso_ir::lower(&new_policy, now);

    if let Some(old_path) = &args.against {
        let old_policy = common::load_policy(old_path)?;
        let old_ruleset = sanso_ir::lower(&old_policy, now);
        let plan = sanso_plan::plan(
            Some((&old_policy, &old_ruleset)),
            (&new_policy, &new_ruleset),
            sanso_nft::text::render,
        );
        if args.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            print!("{plan}");
        }
        return Ok(if plan.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    }

    // --live: the kernel's own view of both tables, normalised the same way.
    let text = sanso_nft::text::render(&new_ruleset);
    let expected =
        readback::expected_table(&text).with_context(|| t!("plan-cannot-compute-new"))?;
    let live =
        readback::live_table(args.netns.as_deref()).with_context(|| t!("plan-cannot-read-live"))?;
    if let Ok(links) = sanso_daemon::links::gateway_links(args.netns.as_deref()) {
        for m in sanso_daemon::links::missing_interfaces(&new_policy, &links) {
            eprintln!("{}", t!("plan-warning", warning = m.to_string()));
        }
    }
    // Seen from the live table: "added" is what applying would add.
    let changes = readback::diff(&live, &expected);
    let warnings = readback::diff(&expected, &live).warnings;
    // diff() labels its sides expected -> live; here they are live -> new.
    let text_diff = changes
        .text_diff
        .replacen("--- expected", "--- live", 1)
        .replacen("+++ live", "+++ new", 1);
    if args.json {
        let out = serde_json::json!({
            "policy": new_policy.name,
            "revision": new_policy.revision,
            "content_hash": new_policy.content_hash,
            "live_comment": live.comment,
            "changes": changes.changes,
            "warnings": warnings,
            "text_diff": text_diff,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let name = &new_policy.name;
        let revision = new_policy.revision.as_deref().unwrap_or("-");
        println!(
            "{}",
            match args.netns.as_deref() {
                Some(netns) => t!(
                    "plan-live-head-netns",
                    name = name,
                    revision = revision,
                    netns = netns
                ),
                None => t!("plan-live-head", name = name, revision = revision),
            }
        );
        println!(
            "{}",
            t!(
                "plan-live-comment",
                comment = live
                    .comment
                    .clone()
                    .unwrap_or_else(|| t!("plan-live-no-table"))
            )
        );
        if changes.is_empty() {
            println!("{}", t!("plan-live-no-change"));
        } else {
            println!("{}", t!("plan-live-changes", count = changes.changes.len()));
            for change in &changes.changes {
                println!("  {change}");
            }
            if !text_diff.is_empty() {
                println!("\n{text_diff}");
            }
        }
        for warning in &warnings {
            println!("{}", t!("plan-warning", warning = warning.to_string()));
        }
    }
    Ok(if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
