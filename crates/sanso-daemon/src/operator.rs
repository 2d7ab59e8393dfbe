//! Who asked for a change, and why: the [`Operator`] that every audit record
//! carries as `detail.operator`.
//!
//! For a control-socket request it is the peer: its credentials from
//! `SO_PEERCRED` (uid, gid, pid), its `SUDO_USER` (read from
//! `/proc/<pid>/environ`, or, when the daemon may not read that, as the
//! client sent it), its audit login uid (`/proc/<pid>/loginuid`, set at
//! login and kept through `sudo` and `su`) with that user's name, and the
//! ticket and reason the request carried. For SIGHUP, the file watch and
//! timers it is the daemon itself (`"by": "daemon"`), with its own
//! credentials and login.
//!
//! Strings that come from another process (its environment, the passwd
//! database, the request) are bounded and escaped before they are recorded
//! or logged ([`bounded`](crate::bounded::bounded)): a user name from an
//! environment is whatever the process that set it wanted.

use std::io::Read as _;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::bounded::bounded;
use crate::protocol::Attribution;

/// Longest user name recorded (characters, after escaping).
pub const MAX_NAME: usize = 64;
/// `/proc/<pid>/loginuid` of a process that has no login (a daemon started
/// by systemd, a process started before `pam_loginuid`).
pub const LOGINUID_UNSET: u32 = u32::MAX;
/// How much of a peer's environment is read looking for `SUDO_USER`.
const MAX_ENVIRON: u64 = 1 << 20;

/// On whose behalf a change is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum By {
    /// A client of the control socket (`sanso reload`, `apply --confirm`,
    /// `confirm`).
    Peer,
    /// The daemon itself: its start and stop, SIGHUP, the file watch, the
    /// confirm deadline, expiry, drift, host discovery.
    Daemon,
}

/// Where a recorded `SUDO_USER` was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The process's own environment (`/proc/<pid>/environ`).
    Environ,
    /// The request: the client said so, because the daemon could not read
    /// its environment (see [`Operator::attributed`]).
    Request,
}

/// Who asked for a change, and why. Fields that are not known or not
/// present are left out of the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub by: By,
    pub uid: u32,
    pub gid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    /// The user `sudo` ran the client for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_user_from: Option<Source>,
    /// The audit login uid; absent when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_uid: Option<u32>,
    /// The login uid's user name, when the passwd database has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Operator {
    /// A peer known by its credentials only (nothing read from `/proc`).
    pub fn peer(uid: u32, gid: u32, pid: Option<i32>) -> Operator {
        Operator {
            by: By::Peer,
            uid,
            gid,
            pid,
            sudo_user: None,
            sudo_user_from: None,
            login_uid: None,
            login_name: None,
            ticket: None,
            reason: None,
        }
    }

    /// A control-socket peer: its credentials, and its `SUDO_USER` and
    /// login read from `/proc/<pid>` (blocking: file reads and a passwd
    /// lookup, which NSS may send over the network). What cannot be read is
    /// left out.
    pub fn read_peer(uid: u32, gid: u32, pid: Option<i32>) -> Operator {
        let mut operator = Operator::peer(uid, gid, pid);
        if let Some(pid) = pid.filter(|p| *p > 0) {
            let proc = format!("/proc/{pid}");
            match read_environ(&format!("{proc}/environ")) {
                Ok(environ) => {
                    operator.sudo_user = sudo_user(&environ);
                    operator.sudo_user_from = operator.sudo_user.as_ref().map(|_| Source::Environ);
                }
                Err(err) => {
                    tracing::debug!(pid, error = %err, "{}", sanso_i18n::t!("daemon-log-peer-environ"));
                }
            }
            operator.set_login(read_loginuid(&format!("{proc}/loginuid")));
        }
        operator
    }

    /// The daemon itself: its effective uid and gid, its pid, and the login
    /// and `SUDO_USER` of whoever started it (none under systemd).
    pub fn daemon() -> Operator {
        static DAEMON: OnceLock<Operator> = OnceLock::new();
        DAEMON
            .get_or_init(|| {
                // SAFETY: geteuid and getegid have no preconditions and cannot fail.
                let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
                let pid = i32::try_from(std::process::id()).ok();
                let mut operator = Operator {
                    by: By::Daemon,
                    ..Operator::peer(uid, gid, pid)
                };
                operator.sudo_user = std::env::var_os("SUDO_USER")
                    .map(|v| bounded(&v.to_string_lossy(), MAX_NAME))
                    .filter(|v| !v.is_empty());
                operator.sudo_user_from = operator.sudo_user.as_ref().map(|_| Source::Environ);
                operator.set_login(read_loginuid("/proc/self/loginuid"));
                operator
            })
            .clone()
    }

    /// This operator with the request's ticket and reason (already checked:
    /// [`Attribution::check`]; bounded again here), and the client's
    /// `SUDO_USER` when the daemon could not read one from its environment.
    ///
    /// The daemon may be unable to read a root client's environment: the
    /// kernel lets a process read another's `environ` only when its
    /// capabilities cover the other's, and the shipped unit keeps only
    /// `CAP_NET_ADMIN`. The client's word is no weaker than its environment:
    /// both are what a root process chose to say.
    pub fn attributed(mut self, attribution: &Attribution) -> Operator {
        self.ticket = attribution
            .ticket
            .as_deref()
            .map(|t| bounded(t, crate::protocol::MAX_TICKET));
        self.reason = attribution
            .reason
            .as_deref()
            .map(|r| bounded(r, crate::protocol::MAX_REASON));
        if self.sudo_user.is_none() {
            self.sudo_user = attribution
                .sudo_user
                .as_deref()
                .map(|u| bounded(u, MAX_NAME))
                .filter(|u| !u.is_empty());
            self.sudo_user_from = self.sudo_user.as_ref().map(|_| Source::Request);
        }
        self
    }

    fn set_login(&mut self, login_uid: Option<u32>) {
        self.login_uid = login_uid;
        self.login_name = login_uid.and_then(user_name);
    }

    /// One line for messages and logs: `uid 0 (sudo alice, login 1000
    /// alice, pid 4242)`, `the daemon (uid 0)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(user) = &self.sudo_user {
            parts.push(format!("sudo {user}"));
        }
        if let Some(login) = self.login_uid {
            match &self.login_name {
                Some(name) => parts.push(format!("login {login} {name}")),
                None => parts.push(format!("login {login}")),
            }
        }
        if let Some(pid) = self.pid {
            parts.push(format!("pid {pid}"));
        }
        let who = match self.by {
            By::Peer => format!("uid {}", self.uid),
            By::Daemon => sanso_i18n::t!("daemon-operator-daemon", uid = self.uid),
        };
        if parts.is_empty() || self.by == By::Daemon {
            who
        } else {
            format!("{who} ({})", parts.join(", "))
        }
    }
}

/// Whether `c` is shown escaped by [`bounded`]: a control character, a
/// line separator or a bidirectional control.
pub fn needs_escape(c: char) -> bool {
    let mut one = [0u8; 4];
    let text = c.encode_utf8(&mut one);
    bounded(text, 16) != *text
}

fn read_environ(path: &str) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_ENVIRON)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `SUDO_USER` from an environment block (`NAME=value` entries separated by
/// NUL bytes), bounded; `None` when absent or empty.
pub fn sudo_user(environ: &[u8]) -> Option<String> {
    environ
        .split(|b| *b == 0)
        .find_map(|entry| entry.strip_prefix(b"SUDO_USER="))
        .map(|value| bounded(&String::from_utf8_lossy(value), MAX_NAME))
        .filter(|value| !value.is_empty())
}

fn read_loginuid(path: &str) -> Option<u32> {
    parse_loginuid(&std::fs::read_to_string(path).ok()?)
}

/// A `loginuid` file's content; `None` when unset ([`LOGINUID_UNSET`]) or
/// not a number.
pub fn parse_loginuid(text: &str) -> Option<u32> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|uid| *uid != LOGINUID_UNSET)
}

/// The passwd database's name for `uid`, bounded.
fn user_name(uid: u32) -> Option<String> {
    let mut buffer = vec![0u8; 4096];
    loop {
        // SAFETY: an all-zero passwd is a valid value (null pointers, zero ids).
        let mut entry: libc::passwd = unsafe { std::mem::zeroed() };
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is valid for the call and the buffer's length
        // is given; on success `entry`'s strings point into `buffer`.
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut entry,
                buffer.as_mut_ptr().cast(),
                buffer.len(),
                &mut found,
            )
        };
        if rc == libc::ERANGE && buffer.len() < (1 << 20) {
            buffer.resize(buffer.len() * 2, 0);
            continue;
        }
        if rc != 0 || found.is_null() || entry.pw_name.is_null() {
            return None;
        }
        // SAFETY: getpwuid_r succeeded: pw_name is a NUL-terminated string
        // in `buffer`, which outlives this borrow.
        let name = unsafe { std::ffi::CStr::from_ptr(entry.pw_name) };
        return Some(bounded(&name.to_string_lossy(), MAX_NAME)).filter(|n| !n.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_characters_are_those_bounded_escapes() {
        assert!(needs_escape('\n'));
        assert!(needs_escape('\u{1b}'));
        assert!(needs_escape('\u{202e}'));
        assert!(!needs_escape('a'));
        assert!(!needs_escape('山'));
    }

    #[test]
    fn sudo_user_is_found_in_an_environment_block_and_bounded() {
        assert_eq!(
            sudo_user(b"PATH=/bin\0SUDO_USER=alice\0HOME=/root\0").as_deref(),
            Some("alice")
        );
        assert_eq!(sudo_user(b"PATH=/bin\0SUDO_USERX=bob\0"), None);
        assert_eq!(sudo_user(b"SUDO_USER=\0"), None);
        assert_eq!(
            sudo_user(b"SUDO_USER=eve\x1b[2J\nx\0").as_deref(),
            Some("eve\\u{1b}[2J\\nx")
        );
        let long = format!("SUDO_USER={}\0", "m".repeat(5000));
        assert_eq!(
            sudo_user(long.as_bytes()),
            Some(format!("{}… (4936 more bytes)", "m".repeat(MAX_NAME)))
        );
        assert_eq!(
            sudo_user(b"SUDO_USER=\xff\xfe\0").as_deref(),
            Some("\u{fffd}\u{fffd}")
        );
    }

    #[test]
    fn loginuid_unset_is_none() {
        assert_eq!(parse_loginuid("1000"), Some(1000));
        assert_eq!(parse_loginuid("0\n"), Some(0));
        assert_eq!(parse_loginuid("4294967295"), None);
        assert_eq!(parse_loginuid("x"), None);
    }

    #[test]
    fn the_record_leaves_out_what_is_not_known() {
        let daemon = Operator {
            by: By::Daemon,
            ..Operator::peer(0, 0, Some(812))
        };
        assert_eq!(
            serde_json::to_string(&daemon).expect("json"),
            r#"{"by":"daemon","uid":0,"gid":0,"pid":812}"#
        );
        let peer = Operator {
            sudo_user: Some("alice".into()),
            sudo_user_from: Some(Source::Environ),
            login_uid: Some(1000),
            login_name: Some("alice".into()),
            ticket: Some("INC-7".into()),
            reason: Some("open smtp".into()),
            ..Operator::peer(0, 0, Some(4242))
        };
        let text = serde_json::to_string(&peer).expect("json");
        assert_eq!(
            text,
            r#"{"by":"peer","uid":0,"gid":0,"pid":4242,"sudo_user":"alice","sudo_user_from":"environ","login_uid":1000,"login_name":"alice","ticket":"INC-7","reason":"open smtp"}"#
        );
        assert_eq!(
            serde_json::from_str::<Operator>(&text).expect("parse"),
            peer
        );
        assert_eq!(
            peer.describe(),
            "uid 0 (sudo alice, login 1000 alice, pid 4242)"
        );
    }

    #[test]
    fn the_request_gives_ticket_reason_and_a_sudo_user_the_environment_did_not() {
        let asked = Attribution {
            ticket: Some("INC-7".into()),
            reason: Some("理由".into()),
            sudo_user: Some("bob\u{7}".into()),
        };
        let from_request = Operator::peer(0, 0, None).attributed(&asked);
        assert_eq!(from_request.ticket.as_deref(), Some("INC-7"));
        assert_eq!(from_request.reason.as_deref(), Some("理由"));
        assert_eq!(from_request.sudo_user.as_deref(), Some("bob\\u{7}"));
        assert_eq!(from_request.sudo_user_from, Some(Source::Request));
        // What the environment said stands.
        let seen = Operator {
            sudo_user: Some("alice".into()),
            sudo_user_from: Some(Source::Environ),
            ..Operator::peer(0, 0, None)
        };
        let kept = seen.attributed(&asked);
        assert_eq!(kept.sudo_user.as_deref(), Some("alice"));
        assert_eq!(kept.sudo_user_from, Some(Source::Environ));
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // a process of the test's own, to read from /proc
    fn a_real_process_is_read_from_proc() {
        let child = std::process::Command::new("sleep")
            .arg("5")
            .env("SUDO_USER", "alice")
            .spawn();
        let Ok(mut child) = child else {
            return; // no `sleep`: nothing to read
        };
        let pid = i32::try_from(child.id()).expect("pid");
        // SAFETY: no preconditions.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        // Right after the spawn the child may still be exec'ing (its
        // environment not yet the new one): look again, for at most 2 s.
        let mut operator = Operator::read_peer(uid, gid, Some(pid));
        for _ in 0..40 {
            if operator.sudo_user.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            operator = Operator::read_peer(uid, gid, Some(pid));
        }
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(operator.sudo_user.as_deref(), Some("alice"));
        assert_eq!(operator.sudo_user_from, Some(Source::Environ));
        assert_eq!(operator.login_uid, read_loginuid("/proc/self/loginuid"));
    }
}
