//! Guardrail and test-case diagnostics in Japanese (`--lang ja`): the words
//! come from the catalogue, with the glossary's terms, while the rule codes
//! and `file:line:col` stay those of the English run.

mod common;

use std::path::{Path, PathBuf};

use common::{code, example, sanso, text};

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

/// Runs `sanso --lang LANG ARGS...`; returns (exit code, stderr).
fn run(lang: &str, args: &[&str]) -> (i32, String) {
    let mut all = vec!["--lang", lang];
    all.extend_from_slice(args);
    let out = sanso(&all);
    (code(&out), text(&out.stderr))
}

/// The `error[...]` / `warning[...]` heads' codes and the `file:line:col`
/// of each diagnostic, in order: what must not depend on the language.
fn codes_and_places(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            if l.starts_with("error[") || l.starts_with("warning[") {
                l.split_once(']').map(|(head, _)| format!("{head}]"))
            } else {
                l.split_once("┌─ ")
                    .map(|(_, place)| place.trim().to_owned())
            }
        })
        .collect()
}

const BAD_FLOWS: &str = r#"
[[flows]]
name = "mn-browse"
from = ["mn-office"]
to = ["inet-office"]
services = ["https"]
reason = "just browsing"

[[flows]]
name = "lg-browse"
from = ["lg-office"]
to = ["inet-office"]
services = ["https"]
reason = "browsing without 画面転送"

[[flows]]
name = "inet-direct"
from = ["inet-office"]
to = ["upstream"]
services = ["https"]
reason = "around the security cloud"
"#;

#[test]
fn guardrail_errors_speak_japanese_with_the_same_codes_and_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = std::fs::read_to_string(example("policy.toml")).expect("example");
    let path = write(dir.path(), "bad.toml", &format!("{policy}\n{BAD_FLOWS}"));
    let path = path.to_str().expect("utf-8 path");

    let (en_code, en) = run("en", &["check", path]);
    let (ja_code, ja) = run("ja", &["check", path]);
    assert_eq!(en_code, 1, "{en}");
    assert_eq!(ja_code, 1, "{ja}");

    // English as before.
    for expected in [
        "guardrail 2: the mynumber tier <-> the internet tier is refused, exception or not",
        "guardrail 3: the lgwan tier <-> the internet tier needs one end to be a named host",
        "fix: nothing can allow it: remove the flow",
    ] {
        assert!(en.contains(expected), "English lacks {expected:?}:\n{en}");
    }

    // Japanese, in the glossary's words.
    for expected in [
        "error[G2]: フロー \"mn-browse\"",
        "ガードレール 2: 個人番号利用事務系 <-> インターネット接続系 の通信は、例外があっても許可できません",
        "第5-3: 個人番号利用事務系は、インターネット接続系ともインターネットとも通信できません",
        "対処: 許可する方法はありません。フローを削除してください",
        "error[G3]: フロー \"lg-browse\"",
        "ガードレール 3: LGWAN接続系 <-> インターネット接続系 には",
        "ロール sanitizer（無害化）または screen-transfer（画面転送）",
        "無害化サーバまたは画面転送のホストを経由して許可します",
        "または、承認された例外を追加してください",
        "error[G5]: フロー \"inet-direct\"",
        "自治体情報セキュリティクラウド",
        "送信元",
        "宛先",
    ] {
        assert!(ja.contains(expected), "Japanese lacks {expected:?}:\n{ja}");
    }
    for english in [
        "guardrail ",
        "fix: ",
        "exception or not",
        "source\n",
        "destination\n",
    ] {
        assert!(
            !ja.contains(english),
            "English {english:?} in Japanese:\n{ja}"
        );
    }

    // Codes and file:line:col are the same in both languages.
    let places = codes_and_places(&en);
    assert!(places.iter().any(|p| p == "error[G2]"), "{en}");
    assert!(places.iter().any(|p| p == "error[G3]"), "{en}");
    assert!(
        places
            .iter()
            .any(|p| p.starts_with("bad.toml:") || p.contains("/bad.toml:")),
        "{en}"
    );
    assert_eq!(
        codes_and_places(&ja),
        places,
        "English:\n{en}\nJapanese:\n{ja}"
    );
}

const BAD_CASES: &str = r#"[[cases]]
name = "typo in proto"
from = "10.10.1.5"
to = "10.11.0.80"
proto = "tpc"
port = 443
expect = "accept"

[[cases]]
name = "from self"
from = "self"
to = "10.11.0.80"
proto = "tcp"
port = 443
expect = "drop"

[[cases]]
name = "icmp type"
from = "10.10.1.5"
to = "10.11.0.80"
proto = "icmp"
port = 300
expect = "drop"
"#;

#[test]
fn case_file_errors_speak_japanese_with_the_same_codes_and_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = write(dir.path(), "cases.toml", BAD_CASES);
    let cases = cases.to_str().expect("utf-8 path");
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("utf-8 path");

    let (en_code, en) = run("en", &["test", policy, cases]);
    let (ja_code, ja) = run("ja", &["test", policy, cases]);
    assert_eq!(en_code, 1, "{en}");
    assert_eq!(ja_code, 1, "{ja}");

    assert!(
        en.contains("unknown proto `tpc`: expected tcp, udp, icmp or icmpv6"),
        "{en}"
    );
    for expected in [
        "proto `tpc` は不明です。tcp、udp、icmp、icmpv6 のいずれかを指定してください",
        "`from` に self は指定できません。テストケースはゲートウェイに届くパケットを試験します",
        "icmp のタイプは 0 から 255 の間で指定してください",
    ] {
        assert!(ja.contains(expected), "Japanese lacks {expected:?}:\n{ja}");
    }
    assert!(!ja.contains("unknown proto"), "{ja}");

    let places = codes_and_places(&en);
    assert!(places.iter().any(|p| p.ends_with("cases.toml:5:9")), "{en}");
    assert!(
        places.iter().any(|p| p.ends_with("cases.toml:11:8")),
        "{en}"
    );
    assert_eq!(
        codes_and_places(&ja),
        places,
        "English:\n{en}\nJapanese:\n{ja}"
    );
}
