//! `sanso check`: validate a policy; exit 0 when valid, 1 with diagnostics.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use sanso_i18n::t;
use sanso_policy::Policy;
use serde_json::Value;

use crate::common;

/// Validate a policy file: syntax, names, addresses, and the three-tier guardrails.
///
/// Exit status 0 when the policy is valid, 1 (with every diagnostic, each naming
/// file, line, column and the zone, host or flow at fault) when it is not.
/// With `--deny-warnings`, a valid policy with warnings also exits 1 (for CI
/// pipelines that must not let a warning through). With `--json`, one JSON
/// object on stdout instead, with the same exit status.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    policy: PathBuf,
    /// Exit 1 when the policy has warnings, too.
    #[arg(long)]
    deny_warnings: bool,
    /// Print one JSON object: valid or not, and every diagnostic (docs/json.md).
    #[arg(long)]
    json: bool,
}

fn exceptions(policy: &Policy) -> usize {
    policy
        .flows
        .iter()
        .filter(|f| f.has_waiving_exception())
        .count()
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.json {
        return run_json(&args);
    }
    let (policy, warnings) = common::load_policy_counting_warnings(&args.policy)?;
    let exceptions = exceptions(&policy);
    let name = format!("\"{}\"", policy.name);
    let name = match policy.revision.as_deref() {
        Some(r) => t!("cli-name-rev", name = name, revision = r),
        None => name,
    };
    println!(
        "{}",
        t!(
            "cli-check-valid",
            file = args.policy.display().to_string(),
            name = name,
            zones = policy.zones.len(),
            hosts = policy.hosts.len(),
            flows = policy.flows.len(),
            exceptions = exceptions,
        )
    );
    if args.deny_warnings && warnings > 0 {
        eprintln!(
            "{}",
            t!(
                "cli-check-refused-warnings",
                file = args.policy.display().to_string(),
                warnings = warnings
            )
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--json`: the document of a valid policy, or the failure document of an
/// invalid one (or of one refused for its warnings), with every diagnostic.
fn run_json(args: &Args) -> Result<ExitCode> {
    let text = common::read_text(&args.policy)?;
    let file = args.policy.display().to_string();
    let (policy, diagnostics) =
        match sanso_policy::load_policy_at(&file, &text, common::now_or(None)) {
            Ok(loaded) => (Some(loaded.value), loaded.warnings),
            Err(diagnostics) => (None, diagnostics),
        };
    let warnings = diagnostics.warnings().count();
    let refused = policy.is_some() && args.deny_warnings && warnings > 0;
    let mut doc = serde_json::Map::new();
    doc.insert("ok".into(), (policy.is_some() && !refused).into());
    if policy.is_none() {
        doc.insert(
            "error".into(),
            common::diagnostics_summary(&diagnostics).into(),
        );
    } else if refused {
        doc.insert(
            "error".into(),
            t!(
                "cli-check-refused-warnings",
                file = file.as_str(),
                warnings = warnings
            )
            .into(),
        );
    }
    doc.insert("valid".into(), policy.is_some().into());
    doc.insert(
        "policy".into(),
        policy.as_ref().map_or(Value::Null, |p| {
            let mut summary = common::policy_json(&args.policy, p);
            summary["zones"] = p.zones.len().into();
            summary["hosts"] = p.hosts.len().into();
            summary["flows"] = p.flows.len().into();
            summary["exceptions"] = exceptions(p).into();
            summary
        }),
    );
    doc.extend(common::diagnostics_fields(&diagnostics));
    common::print_json(&Value::Object(doc))?;
    Ok(if policy.is_some() && !refused {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
