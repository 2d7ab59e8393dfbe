//! The policy loader's diagnostics in Japanese (`--lang ja`): the sentences,
//! notes and hints come from the catalogue, while the rule codes and
//! `file:line:col` stay exactly as in English (issue 15, item 2).

mod common;

use common::{code, sanso, text};

/// A policy with an unknown key (E003, with a did-you-mean), an unknown tier
/// (E012) and a network typed in 全角 (E020, with the 半角 hint).
const BAD_POLICY: &str = "[policy]
name = \"i18n\"

[zones.lg-office]
tier = \"lgwan\"
interfacs = [\"lg0\"]
interfaces = [\"lg0\"]
networks = [\"10.20.0.0/16\"]

[zones.a]
tier = \"foo\"
interfaces = [\"a0\"]
networks = [\"１０．３０．０．０／１６\"]
";

/// `sanso [--lang LANG] check` on the bad policy: exit code and stderr.
fn check(lang: &str) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("policy.toml");
    std::fs::write(&file, BAD_POLICY).expect("write the policy");
    let out = sanso(&["--lang", lang, "check", file.to_str().expect("UTF-8 path")]);
    // The file's name differs per run: show it as the same placeholder.
    let stderr = text(&out.stderr).replace(&file.display().to_string(), "policy.toml");
    (code(&out), stderr)
}

/// The lines that must not depend on the language: `error[CODE]` heads
/// (without their message) and the `file:line:col` under each (codespan
/// draws `┌─` before it).
fn codes_and_places(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            if let Some(place) = l.strip_prefix("┌─").or_else(|| l.strip_prefix("-->")) {
                Some(place.trim().to_owned())
            } else if l.starts_with("error[") || l.starts_with("warning[") {
                l.split_once(':').map(|(head, _)| head.to_owned())
            } else {
                None
            }
        })
        .collect()
}

#[test]
fn policy_diagnostics_speak_japanese_with_the_same_codes_and_places() {
    let (en_code, en) = check("en");
    let (ja_code, ja) = check("ja");
    assert_eq!(en_code, 1, "{en}");
    assert_eq!(ja_code, 1, "{ja}");

    // English, as the snapshots know it.
    assert!(
        en.contains("error[E003]: zone \"lg-office\": unknown key `interfacs`"),
        "{en}"
    );
    assert!(en.contains("did you mean `interfaces`?"), "{en}");
    assert!(
        en.contains("error[E012]: zone \"a\": unknown tier `foo`: expected mynumber, lgwan, internet or external"),
        "{en}"
    );
    assert!(
        en.contains("did you mean `10.30.0.0/16`? (全角 characters:"),
        "{en}"
    );

    // Japanese: the message, the did-you-mean and the 全角 hint.
    for expected in [
        "error[E003]: ゾーン \"lg-office\": 不明なキー `interfacs` があります",
        "もしかして `interfaces` ですか？",
        "error[E012]: ゾーン \"a\": 層 `foo` は不明です。mynumber、lgwan、internet、external のいずれかを指定してください",
        "error[E020]: ゾーン \"a\": `１０．３０．０．０／１６` は CIDR 形式の IPv4 / IPv6 ネットワークではありません",
        "もしかして `10.30.0.0/16` ですか？（全角文字: １ ０ ． ３ ／ ６。半角で書いてください）",
    ] {
        assert!(ja.contains(expected), "missing {expected:?} in:\n{ja}");
    }
    for english in [
        "unknown key",
        "did you mean",
        "unknown tier",
        "全角 characters",
    ] {
        assert!(!ja.contains(english), "English {english:?} in:\n{ja}");
    }

    // Codes and file:line:col are the same in both languages.
    let places = codes_and_places(&en);
    assert!(
        places.contains(&"policy.toml:6:1".to_owned()),
        "{places:?}\n{en}"
    );
    assert!(
        places.contains(&"policy.toml:11:8".to_owned()),
        "{places:?}\n{en}"
    );
    assert!(
        places.contains(&"policy.toml:13:13".to_owned()),
        "{places:?}\n{en}"
    );
    assert_eq!(places, codes_and_places(&ja), "en:\n{en}\nja:\n{ja}");
}

#[test]
fn a_shift_jis_file_gets_the_japanese_hint_with_the_same_line_and_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("sjis.toml");
    // `[policy]`, then `# 三層` in CP932 on line 2.
    let mut bytes = b"[policy]\n# ".to_vec();
    bytes.extend_from_slice(&[0x8E, 0x4F, 0x91, 0x77, b'\n']);
    std::fs::write(&file, bytes).expect("write");
    let path = file.to_str().expect("UTF-8 path");
    let out = sanso(&["--lang", "ja", "check", path]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    for expected in [
        format!("{path} は UTF-8 ではありません: 2 行目の 3 バイト目が 0x8E です"),
        "Shift_JIS（CP932）".to_owned(),
        "「UTF-8 で保存」".to_owned(),
        format!("`iconv -f CP932 -t UTF-8 {path} > new.toml`"),
    ] {
        assert!(
            stderr.contains(&expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(!stderr.contains("is not UTF-8"), "{stderr}");
}
