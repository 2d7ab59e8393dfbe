//! Who, why, what: the operator every audit record carries, the ticket and
//! reason a request brings, and the archive of applied policies.
//!
//! The actor runs in-process against a fake kernel, with its real control
//! socket in a temporary directory; the peers are child processes (this
//! test binary re-executed as the ignored `peer_child` test) with their own
//! environment, so the daemon reads a real peer's credentials, `SUDO_USER`
//! and login. The socket serves root only: those tests need root and say
//! `skipped: needs root` otherwise.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sanso_daemon::actor::{Actor, Handle, Settings, Trigger, AUDIT_FILE};
use sanso_daemon::kernel::{CounterValue, Kernel, KernelError, Neighbour};
use sanso_daemon::operator::Operator;
use sanso_daemon::protocol::{Attribution, Request, Response};
use sanso_daemon::DriftAction;
use sanso_ir::Ruleset;
use sanso_nft::conformance::TableShape;
use sanso_nft::readback::{LiveTable, TablePresence};
use serde_json::{json, Value};

/// A kernel that holds the last table loaded and reads it back with the
/// shape it was compiled to.
#[derive(Clone, Default)]
struct FakeKernel(Arc<Mutex<Option<Held>>>);

/// The table's text, and the shape it reads back with (`None`: a listing).
type Held = (String, Option<TableShape>);

impl Kernel for FakeKernel {
    fn apply(&self, ruleset: &Ruleset, text: &str) -> Result<(), KernelError> {
        let shape = sanso_nft::conformance::expected_shape(ruleset);
        *self.0.lock().expect("lock") = Some((text.to_owned(), Some(shape)));
        Ok(())
    }

    fn read_table(&self) -> Result<LiveTable, KernelError> {
        let held = self.0.lock().expect("lock").clone();
        Ok(match held {
            Some((text, Some(shape))) => LiveTable {
                text: text.clone(),
                ..sanso_nft::conformance::table_with_shape(&shape, &text.len().to_string())
            },
            other => LiveTable {
                presence: if other.is_some() {
                    TablePresence::Present
                } else {
                    TablePresence::Absent
                },
                flags: Vec::new(),
                incomplete: None,
                comment: None,
                objects: BTreeMap::new(),
                sets: BTreeMap::new(),
                chains: BTreeMap::new(),
                text: other.map(|(t, _)| t).unwrap_or_default(),
                foreign_base_chains: Vec::new(),
            },
        })
    }

    fn load_table_text(&self, listing: &str) -> Result<(), KernelError> {
        let shape = (listing == sanso_daemon::kernel::FALLBACK_RULESET)
            .then(sanso_daemon::kernel::fallback_shape);
        *self.0.lock().expect("lock") = Some((listing.to_owned(), shape));
        Ok(())
    }

    fn counters(&self) -> Result<Vec<CounterValue>, KernelError> {
        Ok(Vec::new())
    }

    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError> {
        Ok(Vec::new())
    }
}

fn policy_text(revision: &str) -> String {
    include_str!("fixtures/test-city.toml")
        .replace("@REVISION@", revision)
        .replace("@UNTIL@", "")
}

fn is_root() -> bool {
    sanso_testkit::root("network namespaces, nftables or mounts")
}

macro_rules! require_root {
    () => {
        if !is_root() {
            eprintln!("skipped: needs root (the control socket serves uid 0 only)");
            return;
        }
    };
}

struct Rig {
    dir: tempfile::TempDir,
    handle: Handle,
}

impl Rig {
    /// The actor on `r1`, and its control socket at `DIR/sanso.sock`.
    async fn start() -> Rig {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("policy.toml"), policy_text("r1")).expect("policy");
        let settings = Settings {
            policy_path: dir.path().join("policy.toml"),
            state_dir: dir.path().join("state"),
            netns: None,
            drift_interval: Duration::from_secs(3600),
            drift_action: DriftAction::Restore,
            drift_full_every: sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY,
            neighbour_interval: Duration::from_secs(3600),
        };
        let actor = Actor::new(settings, Arc::new(FakeKernel::default())).expect("actor");
        let (handle, _task) = actor.spawn();
        handle.status().await.expect("started");
        let listener = sanso_daemon::control::bind(&dir.path().join("sanso.sock")).expect("socket");
        tokio::spawn(sanso_daemon::control::serve(listener, handle.clone()));
        Rig { dir, handle }
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state().join(AUDIT_FILE))
            .expect("audit log")
            .lines()
            .map(|l| serde_json::from_str(l).expect("record"))
            .collect()
    }

    /// The last record of `event`.
    fn last(&self, event: &str) -> Value {
        self.records()
            .into_iter()
            .rev()
            .find(|r| r["event"] == event)
            .unwrap_or_else(|| panic!("no {event} record"))
    }

    /// Sends `request` from a child process with `SUDO_USER` set to
    /// `sudo_user` (or unset); the answer and the child's pid.
    async fn ask_as(&self, sudo_user: Option<&str>, request: &Request) -> (Response, u32) {
        let socket = self.dir.path().join("sanso.sock");
        let out = self.dir.path().join("answer.json");
        let _ = std::fs::remove_file(&out);
        let mut command = Command::new(std::env::current_exe().expect("test binary"));
        command
            .args([
                "peer_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("SANSO_TEST_PEER_SOCKET", &socket)
            .env(
                "SANSO_TEST_PEER_REQUEST",
                serde_json::to_string(request).expect("json"),
            )
            .env("SANSO_TEST_PEER_OUT", &out)
            .env_remove("SUDO_USER")
            .stdout(std::process::Stdio::null());
        if let Some(user) = sudo_user {
            command.env("SUDO_USER", user);
        }
        let child = command.spawn().expect("spawn the peer");
        let pid = child.id();
        let status = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .expect("join")
            .expect("wait");
        assert!(status.status.success(), "peer child failed");
        let answer = std::fs::read_to_string(&out).expect("the peer's answer");
        (serde_json::from_str(&answer).expect("answer"), pid)
    }
}

/// Runs as the peer when re-executed by [`Rig::ask_as`]: sends the request
/// and writes the answer to a file.
#[test]
#[ignore = "helper: a control socket client with its own environment, started by the tests"]
fn peer_child() {
    let Some(socket) = std::env::var_os("SANSO_TEST_PEER_SOCKET") else {
        return;
    };
    let env = |k: &str| std::env::var(k).expect("peer environment");
    let request: Request = serde_json::from_str(&env("SANSO_TEST_PEER_REQUEST")).expect("request");
    let answer =
        sanso_daemon::client::request(Path::new(&socket), &request, Duration::from_secs(20))
            .expect("answered");
    std::fs::write(
        env("SANSO_TEST_PEER_OUT"),
        serde_json::to_string(&answer).expect("json"),
    )
    .expect("write the answer");
}

fn why(ticket: &str, reason: &str) -> Attribution {
    Attribution {
        ticket: Some(ticket.into()),
        reason: Some(reason.into()),
        sudo_user: None,
    }
}

/// This process's audit login uid (the children inherit it).
fn own_loginuid() -> Option<u64> {
    std::fs::read_to_string("/proc/self/loginuid")
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|u| *u != u64::from(u32::MAX))
}

fn done(answer: &Response) -> bool {
    matches!(answer, Response::Done { .. })
}

#[tokio::test]
async fn a_reload_over_the_socket_records_the_peer_its_sudo_user_ticket_and_reason() {
    require_root!();
    let rig = Rig::start().await;
    // The start apply is the daemon's own.
    let start = rig.last("apply");
    assert_eq!(start["detail"]["operator"]["by"], "daemon", "{start}");
    assert_eq!(
        start["detail"]["operator"]["pid"],
        json!(std::process::id()),
        "{start}"
    );
    assert_eq!(rig.last("start")["detail"]["operator"]["by"], "daemon");

    std::fs::write(rig.dir.path().join("policy.toml"), policy_text("r2")).expect("policy");
    let reason = "メール中継の追加 / add the mail relay";
    let (answer, pid) = rig
        .ask_as(
            Some("alice"),
            &Request::Reload {
                attribution: why("INC-2026-0142", reason),
            },
        )
        .await;
    assert!(done(&answer), "{answer:?}");
    let reload = rig.last("reload");
    let operator = &reload["detail"]["operator"];
    assert_eq!(reload["uid"], 0, "the top-level uid stays: {reload}");
    assert_eq!(operator["by"], "peer", "{reload}");
    assert_eq!(operator["uid"], 0);
    assert_eq!(operator["gid"], 0);
    assert_eq!(operator["pid"], json!(pid), "{reload}");
    assert_eq!(operator["sudo_user"], "alice", "{reload}");
    assert_eq!(operator["sudo_user_from"], "environ", "{reload}");
    assert_eq!(operator["ticket"], "INC-2026-0142");
    assert_eq!(operator["reason"], reason);
    match own_loginuid() {
        Some(login) => assert_eq!(operator["login_uid"], json!(login), "{reload}"),
        None => assert!(operator.get("login_uid").is_none(), "{reload}"),
    }
    // The intent before the change names the same operator.
    let intent = rig.last("intent");
    assert_eq!(intent["detail"]["operator"], *operator, "{intent}");

    // Without SUDO_USER, and from an older client's line: no sudo_user, no ticket.
    let (answer, _) = rig.ask_as(None, &Request::reload()).await;
    assert!(done(&answer), "{answer:?}");
    let operator = rig.last("reload")["detail"]["operator"].clone();
    assert_eq!(operator["by"], "peer");
    for absent in ["sudo_user", "sudo_user_from", "ticket", "reason"] {
        assert!(operator.get(absent).is_none(), "{absent}: {operator}");
    }
}

#[tokio::test]
async fn an_old_clients_request_line_is_served_on_the_socket() {
    require_root!();
    use std::io::{BufRead, BufReader, Write};
    let rig = Rig::start().await;
    let socket = rig.dir.path().join("sanso.sock");
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::os::unix::net::UnixStream::connect(&socket).expect("connect");
        stream
            .write_all(b"{\"request\":\"reload\"}\n")
            .expect("write");
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).expect("read");
        line
    })
    .await
    .expect("join");
    let answer: Response = serde_json::from_str(&answer).expect("answer");
    assert!(done(&answer), "{answer:?}");
    let reload = rig.last("reload");
    assert_eq!(reload["detail"]["operator"]["by"], "peer", "{reload}");
    assert_eq!(
        reload["detail"]["operator"]["pid"],
        json!(std::process::id())
    );
}

#[tokio::test]
async fn confirm_and_rollback_name_who_applied_and_who_confirmed() {
    require_root!();
    let rig = Rig::start().await;
    let apply = |revision: &str, seconds: u64, ticket: &str| Request::Apply {
        file: "/root/candidate.toml".into(),
        text: policy_text(revision),
        confirm_seconds: seconds,
        attribution: why(ticket, "candidate"),
    };
    let (answer, alice_pid) = rig.ask_as(Some("alice"), &apply("r2", 60, "CHG-1")).await;
    assert!(done(&answer), "{answer:?}");
    let pending = rig.last("confirm-pending");
    assert_eq!(pending["detail"]["operator"]["sudo_user"], "alice");
    assert_eq!(pending["detail"]["operator"]["ticket"], "CHG-1");
    let (answer, _) = rig
        .ask_as(
            Some("bob"),
            &Request::Confirm {
                attribution: why("CHG-1", "checked from the console"),
            },
        )
        .await;
    assert!(done(&answer), "{answer:?}");
    let confirm = rig.last("confirm");
    assert_eq!(
        confirm["detail"]["operator"]["sudo_user"], "bob",
        "{confirm}"
    );
    assert_eq!(
        confirm["detail"]["operator"]["reason"],
        "checked from the console"
    );
    assert_eq!(
        confirm["detail"]["apply_operator"]["sudo_user"], "alice",
        "{confirm}"
    );
    assert_eq!(confirm["detail"]["apply_operator"]["pid"], json!(alice_pid));

    // Not confirmed: the daemon rolls back, on its own behalf.
    let (answer, _) = rig.ask_as(Some("carol"), &apply("r3", 1, "CHG-2")).await;
    assert!(done(&answer), "{answer:?}");
    let mut rollback = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        rollback = rig.records().into_iter().find(|r| r["event"] == "rollback");
        if rollback.is_some() {
            break;
        }
    }
    let rollback = rollback.expect("rolled back");
    assert_eq!(rollback["detail"]["operator"]["by"], "daemon", "{rollback}");
    assert_eq!(rollback["detail"]["apply_operator"]["sudo_user"], "carol");
    assert_eq!(rollback["detail"]["apply_operator"]["ticket"], "CHG-2");
}

#[tokio::test]
async fn a_ticket_or_reason_out_of_bounds_is_refused_and_nothing_is_done() {
    require_root!();
    let rig = Rig::start().await;
    let before = rig.records().len();
    std::fs::write(rig.dir.path().join("policy.toml"), policy_text("r2")).expect("policy");
    for (attribution, said) in [
        (
            why("INC-1\n2026-11-30T00:00:00Z INFO forged", "r"),
            "--ticket must be one line of printable text: character 6 is the control character U+000A",
        ),
        (
            why("INC-1", &"長".repeat(501)),
            "--reason is 501 characters long; at most 500 are accepted",
        ),
        (why("INC-1", "\u{1b}[2J"), "--reason must be one line"),
    ] {
        let (answer, _) = rig.ask_as(None, &Request::Reload { attribution }).await;
        match answer {
            Response::Error { message } => assert!(
                message.starts_with(&format!("refused: {said}")),
                "{message}"
            ),
            other => panic!("not refused: {other:?}"),
        }
    }
    assert_eq!(rig.records().len(), before, "nothing recorded");
    let status = rig.handle.status().await.expect("status");
    assert_eq!(
        status.policy.expect("applied").revision.as_deref(),
        Some("r1")
    );
}

#[tokio::test]
async fn a_sudo_user_from_the_request_is_recorded_when_the_environment_has_none() {
    require_root!();
    let rig = Rig::start().await;
    let attribution = Attribution {
        sudo_user: Some(format!("dave\u{1b}[31m{}", "x".repeat(100))),
        ..Attribution::default()
    };
    let (answer, _) = rig.ask_as(None, &Request::Reload { attribution }).await;
    assert!(done(&answer), "{answer:?}");
    let operator = rig.last("reload")["detail"]["operator"].clone();
    assert_eq!(operator["sudo_user_from"], "request", "{operator}");
    let user = operator["sudo_user"].as_str().expect("sudo_user");
    assert!(user.starts_with("dave\\u{1b}[31mxx"), "{user}");
    assert!(user.ends_with("more bytes)"), "bounded: {user}");
    assert!(!user.contains('\u{1b}'), "escaped: {user}");
    // The environment's word stands over the request's.
    let attribution = Attribution {
        sudo_user: Some("mallory".into()),
        ..Attribution::default()
    };
    let (answer, _) = rig
        .ask_as(Some("alice"), &Request::Reload { attribution })
        .await;
    assert!(done(&answer), "{answer:?}");
    let operator = rig.last("reload")["detail"]["operator"].clone();
    assert_eq!(operator["sudo_user"], "alice");
    assert_eq!(operator["sudo_user_from"], "environ");
}

#[tokio::test]
async fn signals_and_timers_are_recorded_as_the_daemon() {
    // Through the actor's handle: no socket, no root needed.
    let rig = Rig::start().await;
    let reloaded = rig.handle.reload(Trigger::Sighup, Operator::daemon()).await;
    assert!(reloaded.is_ok(), "{reloaded:?}");
    let reload = rig.last("reload");
    assert_eq!(reload["detail"]["trigger"], "sighup");
    let operator = &reload["detail"]["operator"];
    assert_eq!(operator["by"], "daemon", "{reload}");
    assert_eq!(operator["pid"], json!(std::process::id()));
    assert_eq!(reload["uid"], operator["uid"]);
    for absent in ["ticket", "reason"] {
        assert!(operator.get(absent).is_none(), "{absent}: {operator}");
    }
    // Every record says who: also the start, the intents, the audit's own.
    for record in rig.records() {
        assert!(record["detail"]["operator"]["by"].is_string(), "{record}");
    }
}

#[tokio::test]
async fn every_applied_policy_is_archived_once_by_its_hash() {
    use sanso_daemon::compile::PolicySource;
    use std::os::unix::fs::PermissionsExt;
    // Through the actor's handle: no socket, no root needed.
    let rig = Rig::start().await;
    let archive = rig.state().join(sanso_daemon::archive::ARCHIVE_DIR);
    let files = || {
        let mut names: Vec<String> = std::fs::read_dir(&archive)
            .expect("archive")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let hash_of = |revision: &str| sanso_policy::content_hash(&policy_text(revision));
    let r1 = hash_of("r1");
    assert_eq!(files(), [format!("{r1}.json"), format!("{r1}.toml")]);
    let start = rig.last("apply");
    assert_eq!(
        start["detail"]["archive"],
        format!("policies/{r1}.toml"),
        "{start}"
    );
    let archived = archive.join(format!("{r1}.toml"));
    assert_eq!(
        std::fs::read_to_string(&archived).expect("r1"),
        policy_text("r1")
    );
    let mode = std::fs::metadata(&archived)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let described = std::fs::read_to_string(archive.join(format!("{r1}.json"))).expect("json");

    // The same policy again (a SIGHUP): nothing new, the first time kept.
    let by_daemon = rig.handle.reload(Trigger::Sighup, Operator::daemon()).await;
    assert!(by_daemon.is_ok(), "{by_daemon:?}");
    assert_eq!(files().len(), 2);
    assert_eq!(
        std::fs::read_to_string(archive.join(format!("{r1}.json"))).expect("json"),
        described
    );
    let sighup = rig.last("reload");
    assert_eq!(sighup["detail"]["operator"]["by"], "daemon");
    assert_eq!(sighup["detail"]["archive"], format!("policies/{r1}.toml"));

    // A new policy file, and an apply --confirm: each archived.
    std::fs::write(rig.dir.path().join("policy.toml"), policy_text("r2")).expect("policy");
    let reloaded = rig
        .handle
        .reload(Trigger::Request, Operator::peer(0, 0, None))
        .await;
    assert!(reloaded.is_ok(), "{reloaded:?}");
    let applied = rig
        .handle
        .apply_confirm(
            PolicySource {
                file: "/root/candidate.toml".into(),
                text: policy_text("r3"),
            },
            Duration::from_secs(60),
            Operator::peer(0, 0, None),
        )
        .await;
    assert!(applied.is_ok(), "{applied:?}");
    let r3 = hash_of("r3");
    assert_eq!(
        rig.last("confirm-pending")["detail"]["archive"],
        format!("policies/{r3}.toml")
    );
    assert_eq!(files().len(), 6);
    let listed = sanso_daemon::archive::list(&rig.state()).expect("list");
    let revisions: Vec<Option<String>> = listed
        .iter()
        .map(|(_, r)| r.as_ref().and_then(|r| r.revision.clone()))
        .collect();
    assert_eq!(
        revisions,
        [Some("r1".into()), Some("r2".into()), Some("r3".into())]
    );
    let r3_file = &listed[2].1.as_ref().expect("described").file;
    assert_eq!(r3_file, "/root/candidate.toml");
}
