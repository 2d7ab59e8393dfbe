//! `sanso --help` and `-h` are Japanese with `--lang ja` or a Japanese
//! locale, and the English of the doc comments otherwise (unchanged by
//! `--lang en`). The Japanese is ja/help.ftl; src/help.rs's unit tests check
//! that it covers the whole clap tree.

use std::process::Command;

/// `sanso ARGS` with the locale `locale` (LANG; LC_ALL and LC_MESSAGES
/// unset): (exit code, stdout).
fn sanso(locale: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", locale)
        .output()
        .expect("run sanso");
    let code = out.status.code().expect("sanso exited by a signal");
    (code, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn assert_japanese(out: &str) {
    for japanese in [
        "ポリシーファイルを検証します",
        "使い方: sanso check [OPTIONS] <POLICY>",
        "引数:",
        "オプション:",
        "ポリシーファイル（TOML）",
        "すべてのメッセージとレポートの言語",
    ] {
        assert!(out.contains(japanese), "{japanese:?} not in:\n{out}");
    }
    for english in ["Validate", "Usage:", "Options:", "Print help"] {
        assert!(!out.contains(english), "{english:?} in:\n{out}");
    }
}

#[test]
fn check_help_is_japanese_with_lang_ja() {
    let (code, out) = sanso("C", &["--lang", "ja", "check", "--help"]);
    assert_eq!(code, 0);
    assert_japanese(&out);
    assert!(out.contains("ヘルプを表示します（要約は '-h'）"), "{out}");
    let (code, out) = sanso("C", &["check", "-h", "--lang=ja"]);
    assert_eq!(code, 0);
    assert_japanese(&out);
    assert!(
        out.contains("ヘルプを表示します（詳しくは '--help'）"),
        "{out}"
    );
}

#[test]
fn check_help_is_japanese_in_a_japanese_locale() {
    let (code, out) = sanso("ja_JP.UTF-8", &["check", "--help"]);
    assert_eq!(code, 0);
    assert_japanese(&out);
    let (code, out) = sanso("ja_JP.UTF-8", &["help", "check"]);
    assert_eq!(code, 0);
    assert_japanese(&out);
    let (code, out) = sanso("ja_JP.UTF-8", &["-h"]);
    assert_eq!(code, 0);
    assert!(out.contains("コマンド:\n  check"), "{out}");
}

#[test]
fn check_help_stays_english_with_lang_en() {
    let (code, plain) = sanso("C", &["check", "--help"]);
    assert_eq!(code, 0);
    let (code, en) = sanso("C", &["--lang", "en", "check", "--help"]);
    assert_eq!(code, 0);
    assert_eq!(en, plain);
    assert!(
        en.starts_with(
            "Validate a policy file: syntax, names, addresses, and the three-tier guardrails.\n"
        ),
        "{en}"
    );
    assert!(en.contains("Usage: sanso check [OPTIONS] <POLICY>"), "{en}");
    assert!(en.contains("Options:"), "{en}");
    assert!(!en.contains("ポリシーファイル"), "{en}");
}
