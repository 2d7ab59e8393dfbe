//! Who, why, what (issue 14, item 3) as an admin and an auditor meet it:
//! `--ticket` and `--reason`, the operator in the daemon's audit records and
//! in `sanso report`, and `sanso diff` between archived revisions.
//!
//! The test with the real daemon needs root (a network namespace) and skips
//! with a printed reason otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{code, example, is_root, sanso, text, Daemon, Netns};
use sanso_daemon::archive;
use sanso_daemon::compile::{compile, PolicySource};

/// The example policy as applied first.
fn old_text() -> String {
    std::fs::read_to_string(example("policy.toml")).expect("example policy")
}

/// The example with a new revision: `inet-ping-proxy` removed,
/// `inet-ping-dns` added, `lgwan-asp`'s reason changed.
fn new_text() -> String {
    let text = old_text().replace("revision = \"2026-11-30.1\"", "revision = \"2026-12-01.1\"");
    let removed = "[[flows]]\nname = \"inet-ping-proxy\"\nfrom = [\"inet-office\"]\nto = [\"pref-cloud-proxy\"]\nservices = [\"ping\"]\nreason = \"疎通確認: プロキシへの ping (IPv4/IPv6)\"\n";
    assert!(
        text.contains(removed),
        "the example changed: update this test"
    );
    text.replace(
        removed,
        "[[flows]]\nname = \"inet-ping-dns\"\nfrom = [\"inet-office\"]\nto = [\"pref-cloud-dns\"]\nservices = [\"ping\"]\nreason = \"疎通確認: DNS への ping\"\n",
    )
    .replace(
        "reason = \"LGWAN-ASP の業務アプリケーション\"",
        "reason = \"LGWAN-ASP の業務アプリケーション (電子申請)\"",
    )
}

/// Archives `text` as the daemon does; its content hash.
fn archive_policy(state: &Path, text: &str, at: &str) -> String {
    let compiled = compile(
        PolicySource {
            file: "/etc/sanso/policy.toml".into(),
            text: text.to_owned(),
        },
        0,
    )
    .expect("compiles");
    archive::keep(state, &compiled, at.parse().expect("time")).expect("archived");
    compiled.policy.content_hash.clone()
}

fn diff(args: &[&str]) -> (i32, String, String) {
    let out = sanso(&[&["diff"], args].concat());
    (code(&out), text(&out.stdout), text(&out.stderr))
}

#[test]
fn diff_between_two_archived_revisions_names_the_flows_added_removed_and_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path();
    let state_arg = state.to_str().expect("path");
    let old = archive_policy(state, &old_text(), "2026-11-30T02:00:00Z");
    let new = archive_policy(state, &new_text(), "2026-12-01T02:00:00Z");

    // Prefixes of 8 and 12 digits, one written as `sanso status` shows it.
    let new_arg = format!("sha256:{}", &new[..12]);
    let (exit, out, err) = diff(&[&old[..8], &new_arg, "--state-dir", state_arg]);
    assert_eq!(exit, 2, "{out}{err}");
    assert!(
        out.contains(&format!(
            "old: {}/policies/{old}.toml (archived: example-city rev 2026-11-30.1, first applied 2026-11-30T02:00:00Z from /etc/sanso/policy.toml)",
            state.display()
        )),
        "{out}"
    );
    for line in [
        "  - flow inet-ping-proxy: inet-office -> pref-cloud-proxy: ping",
        "  + flow inet-ping-dns: inet-office -> pref-cloud-dns: ping",
        "  ~ flow lgwan-asp (reason changed)",
        "      reason: LGWAN-ASP の業務アプリケーション -> LGWAN-ASP の業務アプリケーション (電子申請)",
    ] {
        assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    }
    assert!(
        out.contains("line(s) differ; --ruleset shows them"),
        "{out}"
    );
    assert!(!out.contains("+++ new ruleset"), "{out}");
    let (_, out, _) = diff(&[&old[..8], &new[..8], "--state-dir", state_arg, "--ruleset"]);
    assert!(out.contains("+++ new ruleset"), "{out}");

    let (exit, json, _) = diff(&[&old[..8], &new[..8], "--state-dir", state_arg, "--json"]);
    assert_eq!(exit, 2);
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    let flows: Vec<(String, String)> = json["plan"]["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or_default().to_owned(),
                f["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("removed", "inet-ping-proxy"),
        ("added", "inet-ping-dns"),
        ("changed", "lgwan-asp"),
    ] {
        assert!(
            flows.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} in {flows:?}"
        );
    }
    assert_eq!(json["old"]["archived"]["revision"], "2026-11-30.1");

    // The same revision: nothing; a file against an archived hash works too.
    let (exit, out, _) = diff(&[&new[..8], &new[..8], "--state-dir", state_arg]);
    assert_eq!(exit, 0, "{out}");
    assert!(out.contains("No changes."), "{out}");
    let example = example("policy.toml");
    let (exit, out, _) = diff(&[
        example.to_str().expect("path"),
        &new[..8],
        "--state-dir",
        state_arg,
    ]);
    assert_eq!(exit, 2, "{out}");
    assert!(out.contains("+ flow inet-ping-dns"), "{out}");

    // The archive, in the order first applied.
    let (exit, out, _) = diff(&["--list", "--state-dir", state_arg]);
    assert_eq!(exit, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with(&old[..16]) && lines[0].contains("rev 2026-11-30.1"),
        "{out}"
    );
    assert!(lines[1].starts_with(&new[..16]), "{out}");

    // Errors: too short, unknown, and an archived file changed by hand.
    let (exit, _, err) = diff(&[&old[..7], &new[..8], "--state-dir", state_arg]);
    assert_eq!(exit, 1);
    assert!(
        err.contains("is not a content hash or a prefix of one (8 to 64 hex digits)"),
        "{err}"
    );
    let (exit, _, err) = diff(&["00000000", &new[..8], "--state-dir", state_arg]);
    assert_eq!(exit, 1);
    assert!(
        err.contains("no archived policy") && err.contains("starting with 00000000"),
        "{err}"
    );
    std::fs::write(archive::policy_path(state, &old), new_text()).expect("tamper");
    let (exit, _, err) = diff(&[&old[..8], &new[..8], "--state-dir", state_arg]);
    assert_eq!(exit, 1);
    assert!(err.contains("was changed after it was archived"), "{err}");
}

#[test]
fn tickets_and_reasons_are_checked_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("no-daemon.sock");
    let socket = socket.to_str().expect("path");
    let out = sanso(&["reload", "--socket", socket, "--reason", "two\tcolumns"]);
    assert_eq!(code(&out), 2, "a usage error");
    assert!(
        text(&out.stderr).contains(
            "--reason must be one line of printable text: character 4 is the control character U+0009"
        ),
        "{}",
        text(&out.stderr)
    );
    let long = "T".repeat(65);
    let out = sanso(&["confirm", "--socket", socket, "--ticket", &long]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("--ticket is 65 characters long; at most 64 are accepted"),
        "{}",
        text(&out.stderr)
    );
    // Only the daemon records them: a direct apply refuses them.
    let policy = example("policy.toml");
    let out = sanso(&["apply", policy.to_str().expect("path"), "--ticket", "INC-1"]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("they need --confirm"),
        "{}",
        text(&out.stderr)
    );
}

/// `sanso ARGS` with `SUDO_USER` set to `user` (or unset).
fn sanso_as(user: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sanso"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("SUDO_USER");
    if let Some(user) = user {
        command.env("SUDO_USER", user);
    }
    command.output().expect("run sanso")
}

fn records(state: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(state.join("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect()
}

fn last(state: &Path, event: &str) -> serde_json::Value {
    records(state)
        .into_iter()
        .rev()
        .find(|r| r["event"] == event)
        .unwrap_or_else(|| panic!("no {event} record"))
}

/// Replaces `path` by a rename, as the operations guide says.
fn install(path: &PathBuf, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

#[test]
fn the_daemon_records_who_under_which_ticket_why_and_archives_what() {
    if !is_root() {
        println!("skipped: needs root (network namespaces)");
        return;
    }
    let ns = Netns::new("whotest-audit");
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    let state = dir.path().join("state");
    let socket = dir.path().join("sanso.sock");
    let (policy_arg, state_arg, socket_arg) = (
        policy.to_str().expect("path"),
        state.to_str().expect("path"),
        socket.to_str().expect("path"),
    );
    install(&policy, &old_text());
    let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log");
    let _daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args([
                "daemon",
                "--netns",
                &ns.0,
                "--policy",
                policy_arg,
                "--state-dir",
                state_arg,
                "--socket",
                socket_arg,
                "--watch-interval",
                "1h",
            ])
            .env_remove("SUDO_USER")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the daemon"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !records(&state).iter().any(|r| r["event"] == "apply") {
        assert!(
            Instant::now() < deadline,
            "the daemon did not apply: {}",
            std::fs::read_to_string(dir.path().join("daemon.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let start = last(&state, "apply");
    assert_eq!(start["detail"]["operator"]["by"], "daemon", "{start}");

    // alice reloads a new revision under a ticket.
    install(&policy, &new_text());
    let reason = "電子申請の追加 / e-application";
    let out = sanso_as(
        Some("alice"),
        &[
            "reload",
            "--socket",
            socket_arg,
            "--ticket",
            "INC-2026-0142",
            "--reason",
            reason,
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let reload = last(&state, "reload");
    let operator = &reload["detail"]["operator"];
    assert_eq!(operator["by"], "peer", "{reload}");
    assert_eq!(operator["sudo_user"], "alice", "{reload}");
    assert_eq!(operator["sudo_user_from"], "environ", "{reload}");
    assert_eq!(operator["ticket"], "INC-2026-0142");
    assert_eq!(operator["reason"], reason);
    assert!(operator["pid"].is_u64(), "{reload}");

    // bob applies a candidate, carol confirms it.
    let candidate = dir.path().join("candidate.toml");
    std::fs::write(
        &candidate,
        new_text().replace("2026-12-01.1", "2026-12-02.1"),
    )
    .expect("candidate");
    let out = sanso_as(
        Some("bob"),
        &[
            "apply",
            candidate.to_str().expect("path"),
            "--confirm",
            "60s",
            "--ticket",
            "CHG-7",
            "--socket",
            socket_arg,
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = sanso_as(
        Some("carol"),
        &[
            "confirm",
            "--reason",
            "checked from the console",
            "--socket",
            socket_arg,
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let confirm = last(&state, "confirm");
    assert_eq!(confirm["detail"]["operator"]["sudo_user"], "carol");
    assert_eq!(
        confirm["detail"]["operator"]["reason"],
        "checked from the console"
    );
    assert_eq!(confirm["detail"]["apply_operator"]["sudo_user"], "bob");
    assert_eq!(confirm["detail"]["apply_operator"]["ticket"], "CHG-7");

    // The auditor's report names them.
    let out = sanso(&[
        "report",
        policy_arg,
        "--audit",
        state.join("audit.jsonl").to_str().expect("path"),
    ]);
    let md = text(&out.stdout);
    assert_eq!(code(&out), 0, "{md}");
    assert!(
        md.lines().any(|l| l.contains("| reload |")
            && l.contains("sudo alice")
            && l.contains("| INC-2026-0142 |")
            && l.contains(reason)),
        "{md}"
    );
    assert!(
        md.lines()
            .any(|l| l.contains("| confirm-pending |") && l.contains("sudo bob")),
        "{md}"
    );

    // The JSON and HTML reports carry the same history, and the flow changes
    // between the archived revisions the log names in turn.
    let out = sanso(&[
        "report",
        policy_arg,
        "--format",
        "json",
        "--audit",
        state.join("audit.jsonl").to_str().expect("path"),
        "--state-dir",
        state_arg,
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report json");
    let audit = &doc["audit"];
    assert_eq!(audit["intact"], true, "{audit}");
    let history = audit["history"].as_array().expect("history");
    assert!(
        history.iter().any(|r| r["event"] == "reload"
            && r["ticket"] == "INC-2026-0142"
            && r["operator"].as_str().is_some_and(|o| o.contains("alice"))),
        "{audit}"
    );
    let diffs = audit["diffs"].as_array().expect("diffs");
    assert!(
        diffs.iter().any(|d| d["archived"] == true
            && d["flows"].as_array().is_some_and(|f| f
                .iter()
                .any(|f| f["kind"] == "added" && f["name"] == "inet-ping-dns"))),
        "{audit}"
    );
    let html = dir.path().join("report.html");
    let out = sanso(&[
        "report",
        policy_arg,
        "--audit",
        state.join("audit.jsonl").to_str().expect("path"),
        "--state-dir",
        state_arg,
        "-o",
        html.to_str().expect("path"),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(
        page.starts_with("<!DOCTYPE html>"),
        "{}",
        &page[..100.min(page.len())]
    );
    for needle in ["INC-2026-0142", "inet-ping-dns", "alice"] {
        assert!(page.contains(needle), "{needle} not in the HTML report");
    }

    // Three revisions were archived; the first two differ as edited.
    let (exit, out, _) = diff(&["--list", "--state-dir", state_arg]);
    assert_eq!(exit, 0);
    assert_eq!(out.lines().count(), 3, "{out}");
    let old = sanso_policy::content_hash(&old_text());
    let new = sanso_policy::content_hash(&new_text());
    assert_eq!(
        reload["detail"]["archive"],
        format!("policies/{new}.toml"),
        "{reload}"
    );
    let (exit, out, err) = diff(&[&old[..8], &new[..8], "--state-dir", state_arg]);
    assert_eq!(exit, 2, "{out}{err}");
    assert!(out.contains("  - flow inet-ping-proxy"), "{out}");
    assert!(out.contains("  + flow inet-ping-dns"), "{out}");
    assert!(out.contains("  ~ flow lgwan-asp (reason changed)"), "{out}");
}
