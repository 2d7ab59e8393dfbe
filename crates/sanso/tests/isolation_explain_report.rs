//! `sanso explain` and `sanso report` with what `sanso isolate` cut off
//! (issue 14, item 1), read from a state directory written as the daemon
//! writes it (`isolations.json`). No root needed.

mod common;

use std::path::Path;

use common::{code, example, sanso, text};
use sanso_daemon::isolation::{IsolationEntry, Isolations, TargetKind};

const REASON: &str = "マルウェア感染の疑い / suspected malware";

/// lg-office (10.20.0.0/16, fd00:20::/48) isolated by alice under INC-7;
/// `until`: its `--for`, in epoch seconds.
fn isolate_lg_office(state: &Path, until: Option<i64>) {
    let isolations = Isolations {
        entries: vec![IsolationEntry {
            target: "lg-office".into(),
            kind: TargetKind::Zone,
            tier: Some("lgwan".into()),
            prefixes: vec![
                "10.20.0.0/16".parse().expect("prefix"),
                "fd00:20::/48".parse().expect("prefix"),
            ],
            reason: REASON.into(),
            ticket: Some("INC-7".into()),
            by: serde_json::json!({
                "by": "peer", "uid": 0, "gid": 0, "pid": 4242,
                "sudo_user": "alice", "sudo_user_from": "environ",
                "reason": REASON, "ticket": "INC-7",
            }),
            since: "2026-12-06T08:00:00Z".into(),
            until,
        }],
    };
    isolations.save(state).expect("save");
}

/// `sanso explain` on the example policy with `--state-dir state`.
fn explain(state: &Path, args: &[&str]) -> (i32, String, String) {
    let policy = example("policy.toml");
    let mut all = vec![
        "explain",
        policy.to_str().expect("path"),
        "--state-dir",
        state.to_str().expect("path"),
    ];
    all.extend_from_slice(args);
    let out = sanso(&all);
    (code(&out), text(&out.stdout), text(&out.stderr))
}

fn explain_json(state: &Path, args: &[&str]) -> serde_json::Value {
    let (exit, out, err) = explain(state, &[args, &["--json"]].concat());
    assert_eq!(exit, 0, "{err}");
    serde_json::from_str(&out).expect("json")
}

/// lg-office's PC to the Internet side's virtual browser (flow screen-transfer).
const FORWARD: [&str; 6] = [
    "--from",
    "10.20.1.5",
    "--to",
    "inet-vbrowser",
    "--port",
    "443",
];

#[test]
fn explain_without_isolations_judges_the_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No state directory at all: nothing is isolated.
    let (exit, out, err) = explain(&dir.path().join("none"), &FORWARD);
    assert_eq!(exit, 0, "{err}");
    assert!(out.contains("verdict:    accept"), "{out}");
    assert!(!out.contains("isolated"), "{out}");
    let json = explain_json(dir.path(), &FORWARD);
    assert_eq!(json["verdict"], "accept");
    assert!(json["isolation"].is_null(), "{json}");
}

#[test]
fn explain_says_isolated_naming_the_target_who_since_why_and_the_ticket() {
    let dir = tempfile::tempdir().expect("temp dir");
    isolate_lg_office(dir.path(), None);

    // From an isolated address through the gateway.
    let (exit, out, err) = explain(dir.path(), &FORWARD);
    assert_eq!(exit, 0, "{err}");
    for line in [
        "verdict:    isolated (drop)",
        "decided by: isolation (sanso isolate): the source is isolated",
        "isolated:   the source 10.20.1.5: lg-office (zone, lgwan): 10.20.0.0/16 fd00:20::/48",
        "  by:       uid 0 (sudo alice, pid 4242)",
        "  since:    2026-12-06T08:00:00Z",
        &format!("  why:      {REASON}"),
        "  ticket:   INC-7",
        "policy:     accept, decided by flow screen-transfer (again once released)",
        "flow:       screen-transfer (",
    ] {
        assert!(out.lines().any(|l| l.starts_with(line)), "{line}\n{out}");
    }
    let json = explain_json(dir.path(), &FORWARD);
    assert_eq!(json["verdict"], "isolated");
    assert_eq!(
        json["decided_by"],
        "isolation (sanso isolate): the source is isolated"
    );
    let isolation = &json["isolation"];
    assert_eq!(isolation["effect"], "isolated");
    assert_eq!(isolation["policy_verdict"], "accept");
    assert_eq!(isolation["policy_decided_by"], "flow screen-transfer");
    let end = &isolation["ends"][0];
    assert_eq!(end["end"], "source");
    assert_eq!(end["address"], "10.20.1.5");
    assert_eq!(end["target"], "lg-office");
    assert_eq!(end["kind"], "zone");
    assert_eq!(end["operator"], "uid 0 (sudo alice, pid 4242)");
    assert_eq!(end["by"]["sudo_user"], "alice");
    assert_eq!(end["since"], "2026-12-06T08:00:00Z");
    assert_eq!(end["reason"], REASON);
    assert_eq!(end["ticket"], "INC-7");
    assert_eq!(json["flow"]["name"], "screen-transfer", "the policy's flow");

    // To an isolated address (IPv6): the destination.
    let (_, out, _) = explain(
        dir.path(),
        &[
            "--from",
            "fd00:30::10",
            "--to",
            "fd00:20::5",
            "--port",
            "443",
        ],
    );
    assert!(out.contains("verdict:    isolated (drop)"), "{out}");
    assert!(
        out.contains("decided by: isolation (sanso isolate): the destination is isolated"),
        "{out}"
    );
    assert!(
        out.contains("isolated:   the destination fd00:20::5: lg-office"),
        "{out}"
    );

    // The gateway's own connections to an isolated address are cut too.
    let json = explain_json(
        dir.path(),
        &[
            "--from",
            "self",
            "--to",
            "lg-log-server",
            "--proto",
            "udp",
            "--port",
            "514",
        ],
    );
    assert_eq!(json["verdict"], "isolated", "{json}");
    assert_eq!(json["isolation"]["ends"][0]["end"], "destination");
    assert_eq!(
        json["isolation"]["policy_decided_by"],
        "flow gateway-syslog"
    );
}

#[test]
fn explain_keeps_the_policy_verdict_for_management_to_self_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    isolate_lg_office(dir.path(), None);
    let args = ["--from", "lg-admin", "--to", "self", "--port", "22"];
    let (exit, out, err) = explain(dir.path(), &args);
    assert_eq!(exit, 0, "{err}");
    assert!(out.contains("verdict:    accept"), "{out}");
    assert!(out.contains("decided by: flow admin-ssh"), "{out}");
    assert!(
        out.contains("isolated:   the source 10.20.9.5: lg-office (zone, lgwan)"),
        "{out}"
    );
    assert!(
        out.contains("management: stays open: a connection an isolated address opens to the gateway itself is judged by the policy's flows to self"),
        "{out}"
    );
    let json = explain_json(dir.path(), &args);
    assert_eq!(json["verdict"], "accept");
    assert_eq!(json["isolation"]["effect"], "management-open");
    assert!(json["isolation"]["note"]
        .as_str()
        .is_some_and(|n| n.contains("cannot lock themselves out")));
    // What the policy drops to self stays dropped.
    let (_, out, _) = explain(
        dir.path(),
        &["--from", "10.20.1.5", "--to", "self", "--port", "22"],
    );
    assert!(out.contains("verdict:    drop"), "{out}");
    assert!(out.contains("management: stays open"), "{out}");
}

#[test]
fn explain_counts_an_isolation_whose_for_ran_out_as_released() {
    let dir = tempfile::tempdir().expect("temp dir");
    // --for until 2026-12-06T10:00:00Z.
    isolate_lg_office(dir.path(), Some(1_796_551_200));
    let before = [&FORWARD[..], &["--at", "2026-12-06T09:00:00Z"]].concat();
    let (_, out, _) = explain(dir.path(), &before);
    assert!(out.contains("verdict:    isolated (drop)"), "{out}");
    assert!(
        out.contains("  until:    2026-12-06T10:00:00Z (--for)"),
        "{out}"
    );
    let after = [&FORWARD[..], &["--at", "2026-12-06T11:00:00Z"]].concat();
    let (_, out, _) = explain(dir.path(), &after);
    assert!(out.contains("verdict:    accept"), "{out}");
    assert!(!out.contains("isolated"), "{out}");
}

#[test]
fn a_damaged_or_strange_isolations_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("isolations.json");
    std::fs::write(&file, "[{").expect("damage");
    let (exit, out, err) = explain(dir.path(), &FORWARD);
    assert_eq!(exit, 1, "{out}");
    assert!(out.is_empty(), "no verdict is printed: {out}");
    assert!(
        err.contains(&format!("{} is damaged", file.display())),
        "{err}"
    );
    let policy = example("policy.toml");
    let state = dir.path().to_str().expect("path");
    let out = sanso(&[
        "report",
        policy.to_str().expect("path"),
        "--state-dir",
        state,
    ]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains(&format!("{} is damaged", file.display())),
        "{}",
        text(&out.stderr)
    );
    // A directory in its place.
    std::fs::remove_file(&file).expect("remove");
    std::fs::create_dir(&file).expect("dir");
    let (exit, _, err) = explain(dir.path(), &FORWARD);
    assert_eq!(exit, 1);
    assert!(
        err.contains(&format!(
            "{} is a directory, not a regular file",
            file.display()
        )),
        "{err}"
    );
}

#[test]
fn report_lists_the_isolations_in_english_or_japanese() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("path");
    let state = dir.path().to_str().expect("path");
    let report = |now: &str, lang: &str| {
        let out = sanso(&[
            "--lang",
            lang,
            "report",
            policy,
            "--state-dir",
            state,
            "--now",
            now,
        ]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let title = "## Incident response: isolated now";

    // Nothing isolated: the section says so.
    let md = report("2026-12-06T09:00:00Z", "en");
    let section = md.split_once(title).expect("the section").1;
    assert!(section.contains("None."), "{md}");

    isolate_lg_office(dir.path(), Some(1_796_551_200));
    let md = report("2026-12-06T09:00:00Z", "en");
    let section = md.split_once(title).expect("the section").1;
    assert!(
        section.contains(&format!("State directory: `{state}` (isolations.json)")),
        "{md}"
    );
    assert!(
        section
            .contains("| Target | Kind | Addresses | Since | Until | Operator | Ticket | Reason |"),
        "{md}"
    );
    let row = format!(
        "| lg-office | zone (lgwan) | 10.20.0.0/16, fd00:20::/48 | 2026-12-06T08:00:00Z | 2026-12-06T10:00:00Z | uid 0 (sudo alice, pid 4242) | INC-7 | {REASON} |"
    );
    assert!(section.lines().any(|l| l == row), "{row}\n{md}");
    assert!(section.contains("management stays open"), "{md}");
    // After its --for: still listed (the daemon releases it), marked.
    let md = report("2026-12-06T11:00:00Z", "en");
    assert!(
        md.contains("| 2026-12-06T10:00:00Z (passed, the daemon releases it) |"),
        "{md}"
    );

    // The same section in Japanese: no English label in it.
    let md = report("2026-12-06T11:00:00Z", "ja");
    let section = md
        .split_once("## 緊急時対応: 隔離中")
        .expect("the section")
        .1;
    assert!(
        section.contains(&format!("状態ディレクトリ: `{state}` (isolations.json)")),
        "{md}"
    );
    assert!(
        section.contains("| 対象 | 種別 | アドレス | 開始 | 解除予定 | 操作者 | 申請番号 | 理由 |"),
        "{md}"
    );
    assert!(section.contains("| lg-office | ゾーン (lgwan) |"), "{md}");
    assert!(
        section.contains("| 2026-12-06T10:00:00Z (経過、デーモンが隔離解除します) |"),
        "{md}"
    );
    assert!(
        !md.contains("Incident response") && !section.contains("passed"),
        "{md}"
    );
}
