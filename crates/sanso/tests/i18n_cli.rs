//! The commands of cli.ftl, status.ftl and nft.ftl speak Japanese when asked:
//! with `--lang ja`, or by the locale (`LANG=ja_JP.UTF-8`), and English
//! otherwise; names, file paths and numbers stay as they are.
//!
//! None of these needs root: `status`, `isolations` and `events` talk to a
//! stand-in daemon, a thread answering on a Unix socket.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::process::{Command, Output};

use common::{code, example, text};
use sanso_daemon::monitor::{End, Event, EventsAnswer, Reason};
use sanso_daemon::protocol::{DaemonStatus, PolicyStatus, Response};

/// How the language is chosen for one run.
#[derive(Clone, Copy, Debug)]
enum Choice {
    /// `--lang ja` on the command line (the locale says English).
    Flag,
    /// `LANG=ja_JP.UTF-8`, no flag.
    Locale,
    /// Neither: English.
    English,
}

const JAPANESE: [Choice; 2] = [Choice::Flag, Choice::Locale];

/// Runs `sanso` with `args` in the language `choice` picks.
fn run(choice: Choice, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sanso"));
    cmd.env("NO_COLOR", "1")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    match choice {
        Choice::Flag => {
            cmd.env("LANG", "C.UTF-8").args(["--lang", "ja"]);
        }
        Choice::Locale => {
            cmd.env("LANG", "ja_JP.UTF-8");
        }
        Choice::English => {
            cmd.env("LANG", "C.UTF-8");
        }
    }
    cmd.args(args).output().expect("run sanso")
}

/// A stand-in daemon on `socket`: answers each of `answers`, one connection
/// each, in order.
fn daemon(socket: &Path, answers: Vec<Response>) -> std::thread::JoinHandle<()> {
    let listener = UnixListener::bind(socket).expect("bind the socket");
    std::thread::spawn(move || {
        for answer in answers {
            let (stream, _) = listener.accept().expect("accept");
            let mut request = String::new();
            BufReader::new(&stream)
                .read_line(&mut request)
                .expect("read the request");
            let mut line = serde_json::to_string(&answer).expect("json");
            line.push('\n');
            (&stream).write_all(line.as_bytes()).expect("answer");
        }
    })
}

fn example_policy() -> String {
    example("policy.toml")
        .to_str()
        .expect("utf-8 path")
        .to_owned()
}

#[test]
fn check_says_valid_in_japanese_with_the_names_unchanged() {
    let policy = example_policy();
    for choice in JAPANESE {
        let out = run(choice, &["check", &policy]);
        let stdout = text(&out.stdout);
        assert_eq!(code(&out), 0, "{choice:?}: {}", text(&out.stderr));
        assert!(
            stdout.contains(": ポリシー \"example-city\"（改訂 ")
                && stdout.contains("）は有効です: ゾーン 7、"),
            "{choice:?}: {stdout}"
        );
        assert!(stdout.starts_with(&policy), "{choice:?}: {stdout}");
    }
    let out = run(Choice::English, &["check", &policy]);
    assert!(
        text(&out.stdout).contains(": policy \"example-city\" rev "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn check_refuses_warnings_in_japanese() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An external zone without `beyond` draws W005: valid, with a warning.
    let path = dir.path().join("warned.toml");
    std::fs::write(
        &path,
        "[policy]\nname = \"w\"\n\n[zones.lg]\ntier = \"lgwan\"\ninterfaces = [\"lg0\"]\nnetworks = [\"10.20.0.0/16\"]\n\n[zones.wan]\ntier = \"external\"\ninterfaces = [\"wan0\"]\nnetworks = [\"10.250.0.0/16\"]\n",
    )
    .expect("write");
    let path = path.to_str().expect("utf-8 path");
    for choice in JAPANESE {
        let out = run(choice, &["check", "--deny-warnings", path]);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{choice:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{path}: 警告 1 件のため、--deny-warnings により拒否しました"
            )),
            "{choice:?}: {stderr}"
        );
        assert!(stderr.contains("W005"), "{choice:?}: {stderr}");
    }
}

#[test]
fn compile_names_an_unwritable_output_in_japanese() {
    let policy = example_policy();
    let missing = "/nonexistent-sanso-dir/out.nft";
    for choice in JAPANESE {
        let out = run(choice, &["compile", &policy, "-o", missing]);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{choice:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {missing} に書き込めません: ")),
            "{choice:?}: {stderr}"
        );
    }
    let out = run(Choice::English, &["compile", &policy, "-o", missing]);
    assert!(
        text(&out.stderr).starts_with(&format!("error: cannot write {missing}: ")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn compile_output_stays_nft_text() {
    // The ruleset (and its comments) is not a message: the same in both.
    let policy = example_policy();
    let ja = run(Choice::Flag, &["compile", &policy, "--now", "2026-12-01"]);
    let en = run(
        Choice::English,
        &["compile", &policy, "--now", "2026-12-01"],
    );
    assert_eq!(code(&ja), 0, "{}", text(&ja.stderr));
    assert_eq!(ja.stdout, en.stdout);
}

#[test]
fn a_missing_audit_log_is_named_in_japanese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");
    let log = log.to_str().expect("utf-8 path");
    for choice in JAPANESE {
        let out = run(choice, &["audit", "verify", log]);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{choice:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {log} を読めません")),
            "{choice:?}: {stderr}"
        );
    }
}

#[test]
fn a_bad_duration_is_refused_in_japanese_even_before_parsing_ends() {
    // clap runs the value parser before `--lang` is parsed: sanso reads
    // `--lang` first, so the parser's words are Japanese too.
    let out = run(Choice::Flag, &["apply", "p.toml", "--confirm", "0s"]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("時間は 1s 以上にしてください"),
        "{}",
        text(&out.stderr)
    );
    let out = run(Choice::Flag, &["apply", "p.toml", "--confirm", "5d"]);
    assert!(
        text(&out.stderr).contains("\"5d\": 単位は s、m、h のいずれかです"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ticket_without_confirm_is_refused_in_japanese() {
    let policy = example_policy();
    for choice in JAPANESE {
        let out = run(choice, &["apply", &policy, "--ticket", "T-1"]);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{choice:?}: {stderr}");
        assert!(
            stderr.contains("--ticket と --reason はデーモンの監査ログに記録されるため、--confirm"),
            "{choice:?}: {stderr}"
        );
    }
}

/// A forbidden crossing from 個人番号利用事務系 toward the Internet.
fn forbidden_event() -> Event {
    let end = |addr: &str, port, zone: &str, tier: &str, host: Option<&str>| End {
        addr: Some(addr.parse().expect("address")),
        port: Some(port),
        zone: Some(zone.to_owned()),
        tier: Some(tier.to_owned()),
        beyond: (tier == "external").then(|| "internet".to_owned()),
        host: host.map(str::to_owned),
    };
    Event {
        seq: 1,
        time: "2026-12-06T16:50:01.123Z".to_owned(),
        unix_ms: 0,
        reason: Reason::Forbidden,
        guardrail: Some(2),
        hook: Some("forward".to_owned()),
        proto: "tcp".to_owned(),
        icmp_type: None,
        src: end("10.1.0.5", 40000, "mn", "mynumber", Some("mn-pc")),
        dst: end("203.0.113.9", 443, "upstream", "external", None),
        iif: None,
        oif: None,
        iif_zone: None,
        flow: None,
        policy: None,
        packets: 2,
        suppressed_before: 0,
        prefix: "sanso drop mn>upstream ".to_owned(),
    }
}

fn status_report() -> DaemonStatus {
    DaemonStatus {
        policy_file: "/etc/sanso/policy.toml".into(),
        policy: Some(PolicyStatus {
            name: "example-city".into(),
            revision: Some("r7".into()),
            content_hash: "abc123".into(),
            file: "/etc/sanso/policy.toml".into(),
            applied_at: "2026-12-06T09:00:00Z".into(),
            flows: 21,
            next_expiry: None,
        }),
        drift: "in-sync".into(),
        audit_head: "4:feed".into(),
        ..DaemonStatus::default()
    }
}

#[test]
fn status_speaks_japanese_by_flag_and_by_locale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("control.sock");
    let report = Response::Status(Box::new(status_report()));
    let served = daemon(&socket, vec![report.clone(), report.clone(), report]);
    let socket_arg = socket.to_str().expect("utf-8 path");
    for choice in JAPANESE {
        let out = run(choice, &["status", "--socket", socket_arg]);
        let stdout = text(&out.stdout);
        assert_eq!(code(&out), 0, "{choice:?}: {}", text(&out.stderr));
        for line in [
            "ポリシー:     /etc/sanso/policy.toml\n",
            "適用中:       example-city（改訂 r7） sha256:abc123\n",
            "  フロー数:   21\n",
            "ドリフト:     in-sync\n",
            "隔離中:       なし\n",
            "監査ログ:     4:feed\n",
        ] {
            assert!(stdout.contains(line), "{choice:?}: {line:?} in\n{stdout}");
        }
        assert!(
            stdout.contains("件数:         適用 0 再読み込み 0 "),
            "{stdout}"
        );
    }
    let out = run(Choice::English, &["status", "--socket", socket_arg]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("policy file:  /etc/sanso/policy.toml\napplied:      example-city rev r7 sha256:abc123\n"),
        "{stdout}"
    );
    served.join().expect("the stand-in daemon");
}

#[test]
fn isolations_events_and_odd_answers_in_japanese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("control.sock");
    let served = daemon(
        &socket,
        vec![
            Response::Status(Box::new(status_report())),
            Response::Events(Box::new(EventsAnswer {
                capacity: 4096,
                ..EventsAnswer::default()
            })),
            Response::Events(Box::new(EventsAnswer {
                events: vec![forbidden_event()],
                last_seq: 1,
                oldest_seq: Some(1),
                capacity: 4096,
                ..EventsAnswer::default()
            })),
            Response::Done {
                message: "done".into(),
            },
        ],
    );
    let socket_arg = socket.to_str().expect("utf-8 path");
    let out = run(Choice::Flag, &["isolations", "--socket", socket_arg]);
    assert_eq!(
        text(&out.stdout),
        "隔離中のものはありません\n",
        "{}",
        text(&out.stderr)
    );
    let out = run(Choice::Locale, &["events", "--socket", socket_arg]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("NFLOG グループ 0: まだ読み取っていません\nイベントはありません\n"),
        "{stdout}{}",
        text(&out.stderr)
    );
    let out = run(Choice::Flag, &["events", "--socket", socket_arg]);
    let stdout = text(&out.stdout);
    for part in [
        "イベント 1 件（デーモンは直近 4096 件を保持します）\n",
        "\nmn -> upstream  (mynumber -> external、その先は internet)\n",
        "  10.1.0.5 (mn-pc): 禁止された層間通信 x1, ガードレール 2 (イベント 1 件、パケット 2、2026-12-06 16:50:01Z .. 2026-12-06 16:50:01Z)\n",
        "    宛先 203.0.113.9 tcp/443\n",
    ] {
        assert!(stdout.contains(part), "{part:?} in\n{stdout}");
    }
    // A daemon that answers a status request with something else.
    let out = run(Choice::Flag, &["status", "--socket", socket_arg]);
    assert_eq!(code(&out), 1);
    assert_eq!(text(&out.stderr), "error: 想定外の応答です: done\n");
    served.join().expect("the stand-in daemon");
}
