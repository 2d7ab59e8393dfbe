//! The control-socket protocol: one JSON request line, one JSON response
//! line, then the connection closes. Only root (SO_PEERCRED uid 0) is served.

use sanso_i18n::t;
use serde::{Deserialize, Serialize};

/// The default control socket.
pub const DEFAULT_SOCKET: &str = "/run/sanso/sanso.sock";

/// Largest request accepted (a policy file travels inside `Apply`).
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// Longest `--ticket` accepted (characters).
pub const MAX_TICKET: usize = 64;
/// Longest `--reason` accepted (characters).
pub const MAX_REASON: usize = 500;

/// A request's fields are optional and defaulted, so that a client older
/// than a field still gets served: `{"request":"reload"}` is a reload
/// without ticket or reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "kebab-case")]
pub enum Request {
    Status,
    /// Reload the daemon's policy file.
    Reload {
        #[serde(flatten)]
        attribution: Attribution,
    },
    /// Apply this policy now; revert unless `Confirm` arrives within `confirm_seconds`.
    Apply {
        file: String,
        text: String,
        confirm_seconds: u64,
        #[serde(flatten)]
        attribution: Attribution,
    },
    Confirm {
        #[serde(flatten)]
        attribution: Attribution,
    },
    /// Cut these targets (zones, hosts, addresses or prefixes) off at once;
    /// `for_seconds` releases them after that long. Needs a reason.
    Isolate {
        targets: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        for_seconds: Option<u64>,
        #[serde(flatten)]
        attribution: Attribution,
    },
    /// Release isolated targets (`all`: every one). Needs a reason.
    Release {
        targets: Vec<String>,
        #[serde(flatten)]
        attribution: Attribution,
    },
    /// Recent events of the monitor (`sanso events`).
    Events {
        #[serde(flatten)]
        query: crate::monitor::EventsQuery,
    },
}

impl Request {
    /// A reload without ticket or reason.
    pub fn reload() -> Request {
        Request::Reload {
            attribution: Attribution::default(),
        }
    }

    /// A confirm without ticket or reason.
    pub fn confirm() -> Request {
        Request::Confirm {
            attribution: Attribution::default(),
        }
    }
}

/// Why a change is asked for, as the client says: the ticket and reason the
/// audit record carries (`--ticket`, `--reason`), and the client's
/// `SUDO_USER`, recorded when the daemon cannot read the client's
/// environment itself (see `operator::Operator::attributed`). Each is left
/// out of the JSON when not given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_user: Option<String>,
}

impl Attribution {
    /// The ticket and reason within their bounds ([`check_ticket`],
    /// [`check_reason`]); the message says which is wrong and how.
    pub fn check(&self) -> Result<(), String> {
        if let Some(ticket) = &self.ticket {
            check_ticket(ticket)?;
        }
        if let Some(reason) = &self.reason {
            check_reason(reason)?;
        }
        Ok(())
    }
}

/// A ticket: 1 to [`MAX_TICKET`] characters, no control characters.
pub fn check_ticket(ticket: &str) -> Result<(), String> {
    check_text("--ticket", ticket, MAX_TICKET)
}

/// A reason: 1 to [`MAX_REASON`] characters, no control characters (one
/// line: no newline, no tab).
pub fn check_reason(reason: &str) -> Result<(), String> {
    check_text("--reason", reason, MAX_REASON)
}

fn check_text(what: &str, text: &str, max: usize) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(t!("daemon-protocol-text-empty", what = what));
    }
    let length = text.chars().count();
    if length > max {
        return Err(t!(
            "daemon-protocol-text-too-long",
            what = what,
            length = length,
            max = max
        ));
    }
    if let Some((at, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| crate::operator::needs_escape(*c))
    {
        return Err(t!(
            "daemon-protocol-text-control",
            what = what,
            at = at + 1,
            code = format!("U+{:04X}", u32::from(c))
        ));
    }
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum Response {
    Status(Box<DaemonStatus>),
    Events(Box<crate::monitor::EventsAnswer>),
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
    /// Drift ticks with a policy in the kernel.
    #[serde(default)]
    pub drift_checks: u64,
    /// Of those, the ticks that read the table back and compared it (the
    /// ruleset generation had changed, or the periodic full check); the
    /// others cost one netlink round trip.
    #[serde(default)]
    pub drift_full_checks: u64,
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
pub struct DaemonStatus {
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
    /// What is isolated now (`sanso isolate`).
    #[serde(default)]
    pub isolations: Vec<crate::isolation::IsolationEntry>,
    /// The running policy's interfaces that do not exist on the gateway.
    #[serde(default)]
    pub missing_interfaces: Vec<crate::links::MissingInterface>,
    /// When the last error happened (RFC 3339, UTC).
    #[serde(default)]
    pub last_error_at: Option<String>,
    /// The HA pair, when the daemon runs with `--ha` (role, the peer's policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ha: Option<crate::ha::HaStatus>,
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
            attribution: Attribution::default(),
        };
        let line = serde_json::to_string(&req).expect("json");
        assert_eq!(
            line,
            r#"{"request":"apply","file":"p.toml","text":"x","confirm_seconds":120}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&line).expect("parse"), req);
        assert_eq!(
            serde_json::to_string(&Request::confirm()).expect("json"),
            r#"{"request":"confirm"}"#
        );
        let resp = Response::Status(Box::default());
        let back: Response =
            serde_json::from_str(&serde_json::to_string(&resp).expect("json")).expect("parse");
        assert_eq!(back, resp);
    }

    #[test]
    fn requests_of_older_clients_are_still_served() {
        let parse = |line: &str| serde_json::from_str::<Request>(line).expect(line);
        assert_eq!(parse(r#"{"request":"reload"}"#), Request::reload());
        assert_eq!(parse(r#"{"request":"confirm"}"#), Request::confirm());
        assert_eq!(parse(r#"{"request":"status"}"#), Request::Status);
        assert_eq!(
            parse(r#"{"request":"apply","file":"p.toml","text":"x","confirm_seconds":120}"#),
            Request::Apply {
                file: "p.toml".into(),
                text: "x".into(),
                confirm_seconds: 120,
                attribution: Attribution::default(),
            }
        );
        // And a request without ticket or reason is what an older client sent.
        assert_eq!(
            serde_json::to_string(&Request::reload()).expect("json"),
            r#"{"request":"reload"}"#
        );
    }

    #[test]
    fn ticket_reason_and_sudo_user_round_trip() {
        let attribution = Attribution {
            ticket: Some("INC-2026-0142".into()),
            reason: Some("メールサーバ移設 / mail server move".into()),
            sudo_user: Some("alice".into()),
        };
        for request in [
            Request::Reload {
                attribution: attribution.clone(),
            },
            Request::Confirm {
                attribution: attribution.clone(),
            },
            Request::Apply {
                file: "p.toml".into(),
                text: "x".into(),
                confirm_seconds: 60,
                attribution: attribution.clone(),
            },
        ] {
            let line = serde_json::to_string(&request).expect("json");
            assert_eq!(
                serde_json::from_str::<Request>(&line).expect("parse"),
                request
            );
        }
        assert_eq!(
            serde_json::to_string(&Request::Reload {
                attribution: Attribution {
                    ticket: Some("T-1".into()),
                    ..Attribution::default()
                }
            })
            .expect("json"),
            r#"{"request":"reload","ticket":"T-1"}"#
        );
    }

    #[test]
    fn tickets_and_reasons_are_bounded_single_lines() {
        assert!(check_ticket("INC-2026-0142").is_ok());
        assert!(check_reason("メールサーバ移設のため").is_ok());
        assert!(check_reason(&"理".repeat(MAX_REASON)).is_ok());
        let long = check_reason(&"理".repeat(MAX_REASON + 1)).expect_err("too long");
        assert_eq!(
            long,
            "--reason is 501 characters long; at most 500 are accepted"
        );
        assert!(check_ticket(&"T".repeat(MAX_TICKET + 1)).is_err());
        assert_eq!(
            check_reason("two\nlines").expect_err("newline"),
            "--reason must be one line of printable text: character 4 is the control character U+000A"
        );
        assert!(check_ticket("T\u{1b}[2J").is_err());
        assert!(check_ticket("T\u{202e}1").is_err());
        assert_eq!(
            check_ticket(" ").expect_err("empty"),
            "--ticket must not be empty"
        );
        let bad = Attribution {
            reason: Some("a\tb".into()),
            ..Attribution::default()
        };
        assert!(bad.check().is_err());
        assert!(Attribution::default().check().is_ok());
    }
}
