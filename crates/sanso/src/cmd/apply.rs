//! `sanso apply`: load a policy into the kernel, directly (one atomic netlink
//! batch) or, with `--confirm`, through the daemon with an automatic rollback.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use sanso_daemon::links::MissingInterface;
use sanso_daemon::protocol::{Request, MAX_REQUEST_BYTES};
use sanso_i18n::t;
use sanso_nft::conformance::{CheckedApply, Coverage};
use sanso_policy::Policy;
use serde_json::{json, Value};

use crate::common;

/// Apply a policy: replace `table inet sanso` in one atomic netlink batch.
///
/// With `--confirm DURATION` the running daemon applies it instead and rolls
/// back to the previous ruleset unless `sanso confirm` arrives in time; the
/// timer lives in the daemon, so a lost SSH session still gets its rollback.
/// The daemon's audit log then records who applied it, and `--ticket` and
/// `--reason`.
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
    /// Refuse to apply when an interface the policy names does not exist on
    /// the gateway (without it: a warning for each).
    #[arg(long, conflicts_with = "confirm")]
    strict: bool,
    /// With --confirm: recorded in the daemon's audit log.
    #[command(flatten)]
    why: super::reload::Why,
    /// The daemon's control socket: with --confirm, the daemon that applies;
    /// without, a daemon found there enforcing the same namespace makes
    /// `apply` refuse (the table has one owner).
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print one JSON object: what was applied and verified, or with
    /// --confirm the daemon's answer (docs/json.md).
    #[arg(long)]
    json: bool,
}

/// How long `apply` waits for a daemon's answer on the socket.
const OWNER_TIMEOUT: Duration = Duration::from_secs(3);

/// The daemon that answers on `socket` and enforces in `netns`, described
/// for the refusal; `None` when there is none (no socket, a stale one, no
/// answer in time, or a daemon of another namespace).
fn owning_daemon(socket: &std::path::Path, netns: Option<&str>) -> Option<String> {
    let answer = sanso_daemon::client::request(socket, &Request::Status, OWNER_TIMEOUT).ok()?;
    let sanso_daemon::protocol::Response::Status(status) = answer else {
        return None;
    };
    if status.netns.as_deref() != netns {
        return None;
    }
    let applied = status.policy.as_ref().map_or_else(
        || t!("cli-apply-no-policy-yet"),
        |p| {
            t!(
                "cli-name-rev",
                name = p.name.as_str(),
                revision = p.revision.as_deref().unwrap_or("-")
            )
        },
    );
    let socket = socket.display().to_string();
    let file = status.policy_file;
    Some(match netns {
        Some(netns) => t!(
            "cli-apply-owner-in-netns",
            socket = socket,
            netns = netns,
            file = file,
            applied = applied
        ),
        None => t!(
            "cli-apply-owner",
            socket = socket,
            file = file,
            applied = applied
        ),
    })
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.confirm.is_none() && args.why.given() {
        anyhow::bail!("{}", t!("cli-apply-why-needs-confirm"));
    }
    match args.confirm {
        Some(timeout) => apply_with_confirm(&args, timeout),
        None => apply_direct(&args),
    }
}

fn apply_with_confirm(args: &Args, timeout: Duration) -> Result<ExitCode> {
    // Read once: the text validated here is the text sent. Validate here
    // first so the diagnostics show with colours and context.
    let text = common::read_text(&args.policy)?;
    common::check_policy_text(&args.policy, &text)?;
    let file = std::fs::canonicalize(&args.policy)
        .unwrap_or_else(|_| args.policy.clone())
        .display()
        .to_string();
    let request = Request::Apply {
        file,
        text,
        confirm_seconds: timeout.as_secs(),
        attribution: args.why.attribution(),
    };
    let size = serde_json::to_string(&request)?.len() + 1;
    if size > MAX_REQUEST_BYTES {
        anyhow::bail!(
            "{}",
            t!(
                "cli-apply-too-large",
                file = args.policy.display().to_string(),
                size = size,
                limit = MAX_REQUEST_BYTES / (1024 * 1024)
            )
        );
    }
    super::reload::report(super::reload::ask(&args.socket, &request)?, args.json)
}

/// Debug builds only (`cargo test`): a shell command run between the apply
/// and the read-back, so that tests can change the table there and see the
/// check fail. Release builds ignore it.
const TEST_HOOK_ENV: &str = "SANSO_TEST_BETWEEN_APPLY_AND_READBACK";

fn test_hook() {
    if cfg!(debug_assertions) {
        if let Some(command) = std::env::var_os(TEST_HOOK_ENV) {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .status();
            assert!(
                status.as_ref().is_ok_and(|s| s.success()),
                "{TEST_HOOK_ENV}: {status:?}"
            );
        }
    }
}

/// Most differences shown; `sanso drift` shows them all.
const SHOWN: usize = 20;

fn apply_direct(args: &Args) -> Result<ExitCode> {
    let policy = common::load_policy(&args.policy)?;
    // One owner of the table: a direct apply under a running daemon would be
    // undone by its drift watch seconds later.
    if let Some(daemon) = owning_daemon(&args.socket, args.netns.as_deref()) {
        anyhow::bail!(
            "{}",
            t!(
                "cli-apply-daemon-owns-table",
                daemon = daemon,
                file = args.policy.display().to_string()
            )
        );
    }
    let netns = args.netns.as_deref();
    let missing = match sanso_daemon::links::gateway_links(netns) {
        Ok(links) => {
            let missing = sanso_daemon::links::missing_interfaces(&policy, &links);
            for m in &missing {
                eprintln!("warning: {m}");
            }
            if args.strict && !missing.is_empty() {
                return Err(common::Failure {
                    message: t!("cli-apply-strict-missing", count = missing.len()),
                    details: [("missing_interfaces".to_owned(), json!(missing))]
                        .into_iter()
                        .collect(),
                }
                .into());
            }
            Some(missing)
        }
        Err(err) if args.strict => {
            anyhow::bail!(
                "{}",
                t!("cli-apply-strict-no-links", error = err.to_string())
            )
        }
        Err(err) => {
            eprintln!(
                "warning: {}",
                t!("cli-apply-no-links", error = err.to_string())
            );
            None
        }
    };
    let ruleset = sanso_ir::lower(&policy, common::now_or(None));
    let done = sanso_nft::conformance::apply_and_check_with(&ruleset, netns, test_hook)
        .with_context(|| t!("cli-apply-failed"))?;
    let name = t!(
        "cli-name-rev",
        name = policy.name.as_str(),
        revision = policy.revision.as_deref().unwrap_or("-")
    );
    if args.json {
        return report_json(args, &policy, &name, &done, missing.as_deref());
    }
    println!(
        "{}",
        t!(
            "cli-apply-applied",
            name = name.as_str(),
            messages = done.apply.messages,
            elements = done.apply.elements,
            ms = format!("{:.1}", done.apply.duration.as_secs_f64() * 1000.0)
        )
    );
    let drift = format!(
        "sanso drift {}{}",
        args.policy.display(),
        netns.map(|n| format!(" --netns {n}")).unwrap_or_default()
    );
    // "verified" only once the table was read back and had the compiled shape.
    match done.readback {
        Ok(report) if report.conforms() => {
            println!(
                "{}",
                t!("cli-apply-verified", checked = report.checked.to_string())
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(report) => {
            eprintln!(
                "error: {}",
                t!("cli-apply-shape-differs", count = report.problems.len())
            );
            for line in common::first_problems(&report.problems, SHOWN) {
                eprintln!("  {line}");
            }
            eprintln!(
                "{}",
                t!(
                    "cli-apply-unverified-kept",
                    name = name.as_str(),
                    drift = drift
                )
            );
            Ok(ExitCode::from(1))
        }
        Err(err) => {
            eprintln!(
                "error: {}",
                t!(
                    "cli-apply-unreadable",
                    error = format!("{:#}", anyhow::Error::new(err))
                )
            );
            eprintln!(
                "{}",
                t!(
                    "cli-apply-unreadable-kept",
                    name = name.as_str(),
                    drift = drift
                )
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// What a shape check compared, as counts.
fn coverage_json(checked: &Coverage) -> Value {
    json!({
        "chains": checked.chains,
        "base_chains": checked.base_chains,
        "rules": checked.rules,
        "sets": checked.sets,
        "elements": checked.elements,
        "objects": checked.objects,
    })
}

/// `--json` of a direct apply: the document of an applied and verified
/// table (exit 0), or the failure document of one applied but not verified
/// (exit 1), with what was applied either way.
fn report_json(
    args: &Args,
    policy: &Policy,
    name: &str,
    done: &CheckedApply,
    missing: Option<&[MissingInterface]>,
) -> Result<ExitCode> {
    let (error, checked, problems) = match &done.readback {
        Ok(report) if report.conforms() => (None, Some(&report.checked), &report.problems[..]),
        Ok(report) => (
            Some(t!(
                "cli-apply-json-shape-differs",
                count = report.problems.len(),
                name = name
            )),
            Some(&report.checked),
            &report.problems[..],
        ),
        Err(err) => (
            Some(t!(
                "cli-apply-json-unreadable",
                error = error_chain(err),
                name = name
            )),
            None,
            &[][..],
        ),
    };
    let mut doc = json!({
        "ok": error.is_none(),
        "policy": common::policy_json(&args.policy, policy),
        "netns": args.netns,
        "applied": true,
        "messages": done.apply.messages,
        "bytes": done.apply.bytes,
        "elements": done.apply.elements,
        "duration_ms": done.apply.duration.as_secs_f64() * 1000.0,
        "verified": error.is_none(),
        "checked": checked.map(coverage_json),
        "problems": problems,
        "missing_interfaces": missing,
    });
    if let Some(error) = &error {
        doc["error"] = error.clone().into();
    }
    common::print_json(&doc)?;
    Ok(if error.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// An error and its causes, as `{:#}` shows an `anyhow::Error`.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use sanso_i18n::{t_in, Lang};

    /// The refusal spans lines; the catalogue keeps its indented command.
    #[test]
    fn the_refusal_keeps_its_lines() {
        let text = t_in!(
            Lang::En,
            "cli-apply-daemon-owns-table",
            daemon = "D",
            file = "p.toml"
        );
        assert_eq!(
            text,
            "D; a direct apply would be reverted by its drift watch, so nothing was applied.\n\
             Apply through the daemon instead:\n  \
             sanso apply p.toml --confirm 120s    (applied now, rolled back unless `sanso confirm` follows)\n\
             or install the file as the daemon's policy file (by a rename) and run `sanso reload`"
        );
        let ja = t_in!(
            Lang::Ja,
            "cli-apply-daemon-owns-table",
            daemon = "D",
            file = "p.toml"
        );
        assert!(ja.contains("\n  sanso apply p.toml --confirm 120s"), "{ja}");
    }
}
