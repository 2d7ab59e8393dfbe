//! `sanso status`: what the daemon has applied, pending confirms, drift, counts.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use sanso_daemon::protocol::{DaemonStatus, Request, Response};
use sanso_i18n::t;

/// Show the daemon's state: the applied policy (revision, content hash, when),
/// a pending `apply --confirm`, drift, and event counts.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The daemon's control socket.
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Print the status as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match super::reload::ask(&args.socket, &Request::Status)? {
        Response::Status(status) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", text(&status));
            }
            Ok(ExitCode::SUCCESS)
        }
        Response::Error { message } => bail!("{message}"),
        Response::Done { message } => {
            bail!("{}", t!("cli-unexpected-answer-message", message = message))
        }
        Response::Events(_) => bail!("{}", t!("cli-unexpected-answer")),
    }
}

/// Where the values of the status lines start (in terminal columns).
const VALUE_COLUMN: usize = 14;

/// The columns `text` takes on a terminal: two for a wide (CJK) character.
fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| if c >= '\u{1100}' { 2 } else { 1 })
        .sum()
}

/// One line of the status: its label, padded to the value column (at least
/// one space), and its value.
fn field(out: &mut String, label: &str, value: &str) {
    let pad = VALUE_COLUMN.saturating_sub(columns(label)).max(1);
    out.push_str(label);
    out.push_str(&" ".repeat(pad));
    out.push_str(value);
    out.push('\n');
}

/// The daemon's state as `sanso status` prints it, in the process language.
fn text(s: &DaemonStatus) -> String {
    let mut out = String::new();
    field(&mut out, &t!("status-policy-file"), &s.policy_file);
    if let Some(ns) = &s.netns {
        field(&mut out, &t!("status-netns"), ns);
    }
    let indented = |label: String| format!("  {label}");
    match &s.policy {
        Some(p) => {
            let name = t!(
                "cli-name-rev",
                name = p.name.as_str(),
                revision = p.revision.as_deref().unwrap_or("-")
            );
            field(
                &mut out,
                &t!("status-applied"),
                &format!("{name} sha256:{}", p.content_hash),
            );
            field(&mut out, &indented(t!("status-from")), &p.file);
            field(&mut out, &indented(t!("status-at")), &p.applied_at);
            field(
                &mut out,
                &indented(t!("status-flows")),
                &p.flows.to_string(),
            );
            if let Some(e) = &p.next_expiry {
                field(&mut out, &indented(t!("status-next-expiry")), e);
            }
        }
        None => field(
            &mut out,
            &t!("status-applied"),
            &t!("status-applied-nothing"),
        ),
    }
    if let Some(p) = &s.pending_confirm {
        let rollback = p
            .rollback_to
            .clone()
            .unwrap_or_else(|| t!("status-previous-table"));
        field(
            &mut out,
            &t!("status-pending"),
            &t!(
                "status-pending-confirm",
                seconds = p.seconds_left,
                uid = p.requested_by_uid,
                rollback = rollback
            ),
        );
    }
    field(&mut out, &t!("status-drift"), &s.drift);
    if let Some(e) = &s.last_error {
        let value = match &s.last_error_at {
            Some(at) => format!("{at}: {e}"),
            None => e.clone(),
        };
        field(&mut out, &t!("status-last-error"), &value);
    }
    let c = &s.counts;
    field(
        &mut out,
        &t!("status-counts"),
        &t!(
            "status-counts-changes",
            applies = c.applies,
            reloads = c.reloads,
            refused = c.refused,
            apply_failures = c.apply_failures,
            verify_failures = c.verify_failures,
            confirms = c.confirms,
            rollbacks = c.rollbacks
        ),
    );
    field(
        &mut out,
        "",
        &t!(
            "status-counts-watch",
            drift = c.drift_events,
            restores = c.drift_restores,
            expiries = c.expiries,
            spoofing = c.spoofing_suspects,
            unknown_hosts = c.unknown_hosts
        ),
    );
    field(
        &mut out,
        "",
        &t!(
            "status-counts-faults",
            unreadable = c.readback_failures,
            audit_failures = c.audit_failures,
            audit_recoveries = c.audit_recoveries
        ),
    );
    for m in &s.missing_interfaces {
        field(&mut out, &t!("status-warning"), &m.to_string());
    }
    if s.isolations.is_empty() {
        field(
            &mut out,
            &t!("status-isolated"),
            &t!("status-isolated-nothing"),
        );
    } else {
        for (i, entry) in s.isolations.iter().enumerate() {
            let label = if i == 0 {
                t!("status-isolated")
            } else {
                String::new()
            };
            field(&mut out, &label, &entry.to_string());
        }
    }
    if let Some(ha) = &s.ha {
        out.push_str(&ha.to_string());
    }
    field(&mut out, &t!("status-audit-head"), &s.audit_head);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanso_daemon::protocol::{PendingStatus, PolicyStatus};

    /// The English status is byte for byte what it was before the catalogue.
    #[test]
    fn the_english_status_keeps_its_layout() {
        let mut report = DaemonStatus {
            policy_file: "/etc/sanso/policy.toml".into(),
            netns: Some("gw".into()),
            drift: "in-sync".into(),
            last_error: Some("boom".into()),
            last_error_at: Some("2026-12-06T10:00:00Z".into()),
            audit_head: "3:abc".into(),
            ..DaemonStatus::default()
        };
        assert_eq!(
            text(&report),
            "policy file:  /etc/sanso/policy.toml\n\
             netns:        gw\n\
             applied:      nothing yet (the boot ruleset is in place)\n\
             drift:        in-sync\n\
             last error:   2026-12-06T10:00:00Z: boom\n\
             counts:       applies 0 reloads 0 refused 0 apply-failures 0 verify-failures 0 confirms 0 rollbacks 0\n              \
             drift 0 restores 0 expiries 0 spoofing-suspects 0 unknown-hosts 0\n              \
             unreadable-table 0 audit-failures 0 audit-recoveries 0\n\
             isolated:     nothing\n\
             audit head:   3:abc\n"
        );
        report.policy = Some(PolicyStatus {
            name: "city".into(),
            revision: Some("r2".into()),
            content_hash: "ff".into(),
            file: "/etc/sanso/policy.toml".into(),
            applied_at: "2026-12-06T09:00:00Z".into(),
            flows: 7,
            next_expiry: Some("2027-01-01T00:00:00+09:00".into()),
        });
        report.pending_confirm = Some(PendingStatus {
            seconds_left: 90,
            requested_by_uid: 1000,
            rollback_to: None,
        });
        report.last_error_at = None;
        report.netns = None;
        let shown = text(&report);
        assert!(
            shown.contains(
                "applied:      city rev r2 sha256:ff\n  \
                 from:       /etc/sanso/policy.toml\n  \
                 at:         2026-12-06T09:00:00Z\n  \
                 flows:      7\n  \
                 next expiry: 2027-01-01T00:00:00+09:00\n\
                 pending:      confirm within 90 s (requested by uid 1000), else rollback to the previous table\n\
                 drift:        in-sync\n\
                 last error:   boom\n"
            ),
            "{shown}"
        );
    }

    #[test]
    fn wide_labels_take_two_columns() {
        let mut out = String::new();
        field(&mut out, "ドリフト:", "in-sync");
        assert_eq!(out, "ドリフト:     in-sync\n");
    }
}
