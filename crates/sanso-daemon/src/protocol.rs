//! The control-socket protocol: one JSON request line, one JSON response
//! line, then the connection closes. Only root (SO_PEERCRED uid 0) is served.

use serde::{Deserialize, Serialize};

/// The default control socket.
pub const DEFAULT_SOCKET: &str = "/run/sanso/sanso.sock";

/// Largest request accepted (a policy file travels inside `Apply`).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    Status,
    /// Reload the daemon's policy file.
    Reload,
    /// Apply this policy now; revert unless `Confirm` arrives within `confirm_seconds`.
    Apply {
        file: String,
        text: String,
        confirm_seconds: u64,
    },
    Confirm,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Response {
    Status(Box<StatusReport>),
    Done { message: String },
    Error { message: String },
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyStatus {
    pub name: String,
    pub revision: Option<String>,
    pub content_hash: String,
    /// The file it came from.
    pub file: String,
    /// RFC 3339.
    pub applied_at: String,
    pub flows: usize,
    /// RFC 3339 instant of the next flow expiry, if any.
    pub next_expiry: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingStatus {
    /// Seconds left before the rollback.
    pub seconds_left: u64,
    pub requested_by_uid: u32,
    /// The policy that comes back on rollback (`None`: the table as it was before).
    pub rollback_to: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub applies: u64,
    pub reloads: u64,
    pub refused: u64,
    pub apply_failures: u64,
    /// Read-back checks that failed (installs, what was put back, rollbacks).
    #[serde(default)]
    pub verify_failures: u64,
    pub confirms: u64,
    pub rollbacks: u64,
    pub drift_events: u64,
    pub drift_restores: u64,
    pub expiries: u64,
    pub spoofing_suspects: u64,
    pub unknown_hosts: u64,
    /// Drift checks that could not read the live table.
    #[serde(default)]
    pub readback_failures: u64,
    /// Audit records that could not be written.
    #[serde(default)]
    pub audit_failures: u64,
    /// Repairs of the audit log found at start (a torn record, a log that
    /// does not match its head, a broken chain set aside).
    #[serde(default)]
    pub audit_recoveries: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub policy_file: String,
    pub netns: Option<String>,
    /// What is in the kernel; `None` before the first successful apply.
    pub policy: Option<PolicyStatus>,
    pub pending_confirm: Option<PendingStatus>,
    /// `in-sync`, `drift`, `unknown` (not checked yet or readback failed).
    pub drift: String,
    /// The last refusal or failure, if any since start.
    pub last_error: Option<String>,
    pub counts: Counts,
    pub audit_head: String,
}

impl std::fmt::Display for StatusReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "policy file:  {}", self.policy_file)?;
        if let Some(ns) = &self.netns {
            writeln!(f, "netns:        {ns}")?;
        }
        match &self.policy {
            Some(p) => {
                writeln!(
                    f,
                    "applied:      {} rev {} sha256:{}",
                    p.name,
                    p.revision.as_deref().unwrap_or("-"),
                    p.content_hash
                )?;
                writeln!(f, "  from:       {}", p.file)?;
                writeln!(f, "  at:         {}", p.applied_at)?;
                writeln!(f, "  flows:      {}", p.flows)?;
                if let Some(e) = &p.next_expiry {
                    writeln!(f, "  next expiry: {e}")?;
                }
            }
            None => writeln!(
                f,
                "applied:      nothing yet (the boot ruleset is in place)"
            )?,
        }
        if let Some(p) = &self.pending_confirm {
            writeln!(
                f,
                "pending:      confirm within {} s (requested by uid {}), else rollback to {}",
                p.seconds_left,
                p.requested_by_uid,
                p.rollback_to.as_deref().unwrap_or("the previous table")
            )?;
        }
        writeln!(f, "drift:        {}", self.drift)?;
        if let Some(e) = &self.last_error {
            writeln!(f, "last error:   {e}")?;
        }
        let c = &self.counts;
        writeln!(
            f,
            "counts:       applies {} reloads {} refused {} apply-failures {} verify-failures {} confirms {} rollbacks {}",
            c.applies, c.reloads, c.refused, c.apply_failures, c.verify_failures, c.confirms, c.rollbacks
        )?;
        writeln!(
            f,
            "              drift {} restores {} expiries {} spoofing-suspects {} unknown-hosts {}",
            c.drift_events, c.drift_restores, c.expiries, c.spoofing_suspects, c.unknown_hosts
        )?;
        writeln!(
            f,
            "              unreadable-table {} audit-failures {} audit-recoveries {}",
            c.readback_failures, c.audit_failures, c.audit_recoveries
        )?;
        writeln!(f, "audit head:   {}", self.audit_head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_as_tagged_json() {
        let req = Request::Apply {
            file: "p.toml".into(),
            text: "x".into(),
            confirm_seconds: 120,
        };
        let line = serde_json::to_string(&req).expect("json");
        assert_eq!(
            line,
            r#"{"request":"apply","file":"p.toml","text":"x","confirm_seconds":120}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&line).expect("parse"), req);
        assert_eq!(
            serde_json::to_string(&Request::Confirm).expect("json"),
            r#"{"request":"confirm"}"#
        );
        let resp = Response::Status(Box::default());
        let back: Response =
            serde_json::from_str(&serde_json::to_string(&resp).expect("json")).expect("parse");
        assert_eq!(back, resp);
    }
}
