//! `explain`, `test`, `verify`, `plan` and `diff` speak Japanese with
//! `--lang ja` (or a Japanese locale) on the bundled example, and English
//! otherwise; flow names, case names, rule codes, verdict words and
//! `file:line` stay the same in both, and so does the JSON.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{code, example, sanso, text};
use unicode_width::UnicodeWidthStr;

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `sanso --lang LANG ARGS`: (exit code, stdout, stderr).
fn run(lang: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--lang", lang];
    all.extend_from_slice(args);
    let out = sanso(&all);
    (code(&out), text(&out.stdout), text(&out.stderr))
}

/// `sanso explain` on the example policy, nothing isolated (an empty state
/// directory, not the machine's).
fn explain(lang: &str, state: &Path, args: &[&str]) -> (i32, String, String) {
    let policy = example("policy.toml");
    let mut all = vec!["explain", path(&policy), "--state-dir", path(state)];
    all.extend_from_slice(args);
    run(lang, &all)
}

/// lg-office's PC to the Internet side's virtual browser: flow screen-transfer.
const SCREEN_TRANSFER: [&str; 6] = ["--from", "10.20.1.5", "--to", "10.30.1.1", "--port", "443"];

/// The display column where the value of the line starting with `label` begins.
fn value_column(out: &str, label: &str) -> usize {
    let line = out
        .lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line {label:?} in:\n{out}"));
    let value_start = line[label.len()..]
        .find(|c: char| c != ' ')
        .map(|i| label.len() + i)
        .unwrap_or_else(|| panic!("no value on {line:?}"));
    line[..value_start].width()
}

/// The line of `out` that starts with `label`.
fn line<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(label))
        .unwrap_or_else(|| panic!("no line {label:?} in:\n{out}"))
}

#[test]
fn explain_speaks_japanese_and_keeps_names_and_file_line() {
    let state = tempfile::tempdir().expect("tempdir");
    let (exit, en, err) = explain("en", state.path(), &SCREEN_TRANSFER);
    assert_eq!(exit, 0, "{err}");
    let (exit, ja, err) = explain("ja", state.path(), &SCREEN_TRANSFER);
    assert_eq!(exit, 0, "{err}");

    // English is as it was.
    assert!(
        en.starts_with("from:       10.20.1.5, zone lg-office (lgwan, LGWAN接続系)\n"),
        "{en}"
    );
    assert!(en.contains("\nverdict:    accept\n"), "{en}");
    assert!(!en.contains("送信元"), "{en}");

    // Japanese labels and words; names, verdict words and file:line as in English.
    let file_line = format!("{}:248", example("policy.toml").display());
    for text in [&en, &ja] {
        assert!(text.contains("screen-transfer"), "{text}");
        assert!(text.contains(&file_line), "{text}");
        assert!(text.contains("lg-office"), "{text}");
    }
    assert!(
        line(&ja, "送信元:").contains("10.20.1.5、ゾーン lg-office（lgwan、LGWAN接続系）"),
        "{ja}"
    );
    assert!(
        line(&ja, "宛先:").contains("（ホスト inet-vbrowser）"),
        "{ja}"
    );
    assert!(line(&ja, "判定:").ends_with(" accept"), "{ja}");
    assert!(
        line(&ja, "フロー:").contains(&format!("screen-transfer（{file_line}）")),
        "{ja}"
    );
    assert!(!ja.contains("from:") && !ja.contains("verdict:"), "{ja}");

    // The values line up, wide characters counting two columns.
    let column = value_column(&ja, "送信元:");
    for label in [
        "宛先:",
        "受信インターフェース:",
        "パケット:",
        "判定:",
        "判定の根拠:",
        "フロー:",
        "理由:",
    ] {
        assert_eq!(value_column(&ja, label), column, "{label}\n{ja}");
    }
    assert_eq!(value_column(&en, "from:"), 12, "{en}");
}

#[test]
fn explain_speaks_japanese_about_isolation_and_its_json_stays_english() {
    let state = tempfile::tempdir().expect("tempdir");
    let isolations = serde_json::json!([{
        "target": "lg-office",
        "kind": "zone",
        "tier": "lgwan",
        "prefixes": ["10.20.0.0/16", "fd00:20::/48"],
        "reason": "マルウェア感染の疑い",
        "ticket": "INC-7",
        "by": { "by": "peer", "uid": 0, "gid": 0, "pid": 4242 },
        "since": "2026-12-06T08:00:00Z",
        "until": null,
    }]);
    std::fs::write(
        state.path().join("isolations.json"),
        serde_json::to_string(&isolations).expect("json"),
    )
    .expect("write isolations.json");

    let (exit, ja, err) = explain("ja", state.path(), &SCREEN_TRANSFER);
    assert_eq!(exit, 0, "{err}");
    assert!(line(&ja, "判定:").contains("隔離（破棄）"), "{ja}");
    assert!(
        line(&ja, "判定の根拠:").contains("隔離（sanso isolate）: 送信元が隔離されています"),
        "{ja}"
    );
    assert!(
        line(&ja, "隔離:")
            .contains("送信元 10.20.1.5: lg-office（ゾーン、lgwan）: 10.20.0.0/16 fd00:20::/48"),
        "{ja}"
    );
    assert!(line(&ja, "  申請番号:").ends_with(" INC-7"), "{ja}");
    assert_eq!(
        value_column(&ja, "  申請番号:"),
        value_column(&ja, "判定:"),
        "{ja}"
    );

    // Management to the gateway stays open, said in Japanese.
    let (exit, ja_mgmt, err) = explain(
        "ja",
        state.path(),
        &["--from", "lg-admin", "--to", "self", "--port", "22"],
    );
    assert_eq!(exit, 0, "{err}");
    assert!(
        line(&ja_mgmt, "管理接続:").contains("開いたままです"),
        "{ja_mgmt}"
    );

    // The JSON is data: the same words in both languages.
    let json = |lang: &str| -> serde_json::Value {
        let mut args = SCREEN_TRANSFER.to_vec();
        args.push("--json");
        let (exit, out, err) = explain(lang, state.path(), &args);
        assert_eq!(exit, 0, "{err}");
        serde_json::from_str(&out).expect("json")
    };
    let (en, ja) = (json("en"), json("ja"));
    assert_eq!(ja["verdict"], "isolated");
    assert_eq!(
        ja["decided_by"],
        "isolation (sanso isolate): the source is isolated"
    );
    assert_eq!(en["decided_by"], ja["decided_by"]);
    assert_eq!(en["isolation"]["ends"], ja["isolation"]["ends"]);
    assert_eq!(en["from"], ja["from"]);
}

#[test]
fn explain_errors_speak_japanese_and_quote_names_as_given() {
    let state = tempfile::tempdir().expect("tempdir");
    let args = ["--from", "lg-office", "--to", "self", "--port", "22"];
    let (exit, _, en) = explain("en", state.path(), &args);
    assert_eq!(exit, 1);
    assert!(
        en.contains("--from \"lg-office\" is a zone; give an address or a host name"),
        "{en}"
    );
    let (exit, _, ja) = explain("ja", state.path(), &args);
    assert_eq!(exit, 1);
    assert!(
        ja.contains("--from \"lg-office\" はゾーンです。アドレスかホスト名を指定してください"),
        "{ja}"
    );
    let (exit, _, ja) = explain(
        "ja",
        state.path(),
        &[
            "--from",
            "10.20.1.5",
            "--to",
            "10.30.1.1",
            "--proto",
            "sctp",
            "--port",
            "1",
        ],
    );
    assert_eq!(exit, 1);
    assert!(
        ja.contains("--proto sctp: tcp、udp、icmp、icmpv6 のいずれかを指定してください"),
        "{ja}"
    );
}

#[test]
fn test_speaks_japanese_with_the_same_case_names_and_counts() {
    let policy = example("policy.toml");
    let cases = example("cases.toml");
    let args = ["test", path(&policy), path(&cases)];
    let (exit, en, err) = run("en", &args);
    assert_eq!(exit, 0, "{err}");
    let summary = en.lines().last().expect("a summary line");
    let passed: usize = summary
        .strip_suffix(" passed, 0 failed")
        .unwrap_or_else(|| panic!("{summary}"))
        .parse()
        .expect("a count");
    assert!(en.starts_with("    CASE"), "{en}");

    let (exit, ja, err) = run("ja", &args);
    assert_eq!(exit, 0, "{err}");
    assert_eq!(
        ja.lines().last(),
        Some(format!("合格 {passed} 件、不合格 0 件").as_str()),
        "{ja}"
    );
    let head = ja.lines().next().expect("a head");
    for word in ["テストケース", "期待", "ユーザー空間", "判定の根拠"] {
        assert!(head.contains(word), "{head}");
    }
    // Case names and verdict words are the case file's, in both languages.
    let row = ja
        .lines()
        .find(|l| l.contains("mn terminal reaches 基幹系 over https"))
        .unwrap_or_else(|| panic!("{ja}"));
    assert!(row.starts_with("合格"), "{row}");
    assert!(
        row.contains("accept") && row.contains("mn-office-to-servers"),
        "{row}"
    );
    assert_eq!(
        ja.lines().count(),
        en.lines().count(),
        "one row per case in both"
    );
}

#[test]
fn a_failing_case_is_named_in_japanese_with_its_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = dir.path().join("cases.toml");
    std::fs::write(
        &cases,
        "[[cases]]\nname = \"wrong on purpose\"\nfrom = \"10.10.1.5\"\nto = \"10.11.0.80\"\nproto = \"tcp\"\nport = 22\nexpect = \"accept\"\n",
    )
    .expect("write cases");
    let policy = example("policy.toml");
    let args = ["test", path(&policy), path(&cases)];
    let (exit, en, _) = run("en", &args);
    assert_eq!(exit, 1, "{en}");
    let at = format!("{}:1", cases.display());
    assert!(
        en.contains(&format!(
            "FAILED {at}: case \"wrong on purpose\": expected accept, userspace drop ("
        )),
        "{en}"
    );
    assert!(en.ends_with("0 passed, 1 failed\n"), "{en}");
    let (exit, ja, _) = run("ja", &args);
    assert_eq!(exit, 1, "{ja}");
    assert!(
        ja.contains(&format!(
            "不合格 {at}: テストケース \"wrong on purpose\": 期待 accept、ユーザー空間 drop（"
        )),
        "{ja}"
    );
    assert!(ja.ends_with("合格 0 件、不合格 1 件\n"), "{ja}");
}

#[test]
fn verify_summarises_in_japanese() {
    let policy = example("policy.toml");
    let args = [
        "verify",
        path(&policy),
        "--userspace-only",
        "--seed",
        "7",
        "--random",
        "200",
    ];
    let (exit, en, err) = run("en", &args);
    assert_eq!(exit, 0, "{err}");
    assert!(en.starts_with("verify: seed 7, 200 packets ("), "{en}");
    assert!(
        en.ends_with("engines: policy, userspace; 0 disagreements\n"),
        "{en}"
    );
    let (exit, ja, err) = run("ja", &args);
    assert_eq!(exit, 0, "{err}");
    assert!(
        ja.starts_with("verify: シード 7、パケット 200 件（"),
        "{ja}"
    );
    assert!(
        ja.ends_with("エンジン: policy, userspace。不一致 0 件\n"),
        "{ja}"
    );
}

#[test]
fn plan_speaks_japanese_and_keeps_flow_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = example("policy.toml");
    let text = std::fs::read_to_string(&policy).expect("example");
    let old = dir.path().join("old.toml");
    std::fs::write(
        &old,
        text.replace("name = \"inet-dns\"", "name = \"inet-dns-old\""),
    )
    .expect("write old");
    let args = ["plan", path(&policy), "--against", path(&old)];
    let (exit, en, err) = run("en", &args);
    assert_eq!(exit, 2, "{err}");
    assert!(en.starts_with("Plan: example-city rev "), "{en}");
    assert!(en.contains("\nFlows:\n  - flow inet-dns-old: "), "{en}");
    assert!(en.contains("\n  + flow inet-dns: "), "{en}");
    assert!(
        en.contains("\nRuleset (nft text):\n--- old ruleset\n+++ new ruleset\n"),
        "{en}"
    );

    let (exit, ja, err) = run("ja", &args);
    assert_eq!(exit, 2, "{err}");
    assert!(ja.starts_with("計画: example-city 版 "), "{ja}");
    assert!(ja.contains("\nフロー:\n  - フロー inet-dns-old: "), "{ja}");
    assert!(ja.contains("\n  + フロー inet-dns: "), "{ja}");
    assert!(ja.contains("      理由: "), "{ja}");
    // The nft text and its diff are not messages.
    assert!(
        ja.contains("\nルールセット（nft テキスト）:\n--- old ruleset\n+++ new ruleset\n"),
        "{ja}"
    );
    let diff = |out: &str| out.split_once("--- old ruleset").map(|(_, d)| d.to_owned());
    assert_eq!(diff(&en), diff(&ja));
    // The diff is of the nft text: the binary passes sanso-nft's renderer
    // to sanso-plan, which does not depend on sanso-nft.
    let nft_diff = diff(&en).expect("a ruleset diff");
    let changed = |sign: char, name: &str| {
        nft_diff
            .lines()
            .any(|l| l.starts_with(sign) && l.contains("chain ") && l.contains(name))
    };
    assert!(changed('-', "inet-dns-old"), "{nft_diff}");
    assert!(changed('+', "inet-dns"), "{nft_diff}");

    // Nothing to change.
    let (exit, ja, err) = run("ja", &["plan", path(&policy), "--against", path(&policy)]);
    assert_eq!(exit, 0, "{err}");
    assert!(ja.ends_with("\n変更はありません。\n"), "{ja}");

    // The JSON is data: the same in both languages.
    let json = |lang: &str| {
        run(
            lang,
            &["plan", path(&policy), "--against", path(&old), "--json"],
        )
        .1
    };
    assert_eq!(json("en"), json("ja"));
}

#[test]
fn diff_speaks_japanese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (exit, ja, err) = run("ja", &["diff", "--list", "--state-dir", path(dir.path())]);
    assert_eq!(exit, 0, "{err}");
    assert!(ja.contains("に保管されたポリシーはありません"), "{ja}");
    let policy = example("policy.toml");
    let (exit, _, ja) = run(
        "ja",
        &[
            "diff",
            "deadbeefdeadbeef",
            path(&policy),
            "--state-dir",
            path(dir.path()),
        ],
    );
    assert_eq!(exit, 1);
    assert!(
        ja.contains("`deadbeefdeadbeef` はポリシーファイルでも、保管された版でもありません"),
        "{ja}"
    );
}

#[test]
fn a_japanese_locale_chooses_japanese_without_lang() {
    let policy = example("policy.toml");
    let cases = example("cases.toml");
    let with = |lang: &str| -> Output {
        Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args(["test", path(&policy), path(&cases)])
            .env("NO_COLOR", "1")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env("LANG", lang)
            .output()
            .expect("run sanso")
    };
    let ja = text(&with("ja_JP.UTF-8").stdout);
    assert!(ja.contains("、不合格 0 件"), "{ja}");
    let en = text(&with("C.UTF-8").stdout);
    assert!(en.contains(" passed, 0 failed"), "{en}");
}
