//! Mistakes of Japanese environments, as an admin meets them at the command
//! line (issue 15, item 3): a policy or cases file saved as Shift_JIS
//! (CP932) or UTF-16, a UTF-8 byte order mark, 全角 look-alikes of ASCII
//! and names in the wrong case. Each exits 1 (the BOM: 0) and says where
//! and how to fix it.

mod common;

use std::path::{Path, PathBuf};

use common::{code, example, sanso, text};

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn example_policy() -> String {
    std::fs::read_to_string(example("policy.toml")).expect("the example policy")
}

fn written(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).expect("write");
    file
}

/// A policy saved by a Windows editor: its Japanese text in CP932, the
/// first on line 3 (`# 三層の対策`).
fn cp932_policy() -> (Vec<u8>, usize) {
    let mut bytes = b"[policy]\nname = \"example-city\"\n# ".to_vec();
    // 三層の対策 in CP932.
    bytes.extend_from_slice(&[0x8E, 0x4F, 0x91, 0x77, 0x82, 0xCC, 0x91, 0xCE, 0x8D, 0xF4]);
    bytes.extend_from_slice(b"\n[zones.lg-office]\ntier = \"lgwan\"\norganisation = \"");
    // 市長部局 in CP932.
    bytes.extend_from_slice(&[0x8E, 0x73, 0x92, 0xB7, 0x95, 0x94, 0x8B, 0xC7]);
    bytes.extend_from_slice(b"\"\ninterfaces = [\"lg0\"]\nnetworks = [\"10.20.0.0/16\"]\n");
    (bytes, 3)
}

#[test]
fn check_on_a_cp932_file_names_the_line_and_how_to_save_it_as_utf8() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bytes, line) = cp932_policy();
    let file = written(&dir, "policy.toml", &bytes);
    let out = sanso(&["check", path(&file)]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is not UTF-8: line {line}, byte 3 of that line is 0x8E",
            file.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("it looks like Shift_JIS (CP932)"),
        "{stderr}"
    );
    assert!(stderr.contains("\"UTF-8 で保存\""), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "`iconv -f CP932 -t UTF-8 {} > new.toml`",
            file.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn check_on_a_utf8_file_with_a_pasted_cp932_line_says_to_retype_it() {
    // The example is UTF-8 with Japanese from its first lines; a comment
    // pasted from a Shift_JIS file after them. iconv would garble the rest.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = example_policy().into_bytes();
    let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    bytes.extend_from_slice(&[b'#', b' ', 0x8E, 0x4F, 0x91, 0x77, b'\n']);
    let file = written(&dir, "policy.toml", &bytes);
    let out = sanso(&["check", path(&file)]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "is not UTF-8: line {line}, byte 3 of that line is 0x8E"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "the lines before it are UTF-8, so only part of the file is in another encoding"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("iconv"), "{stderr}");
}

#[test]
fn check_on_a_utf16_file_says_utf16() {
    let dir = tempfile::tempdir().expect("temp dir");
    // As Notepad's "UTF-16 LE" saves it: a byte order mark, little-endian.
    let bytes: Vec<u8> = std::iter::once(0xFEFF)
        .chain(example_policy().encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    let file = written(&dir, "policy.toml", &bytes);
    let out = sanso(&["check", path(&file)]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is UTF-16 (little-endian, with a byte order mark), not UTF-8",
            file.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("iconv -f UTF-16 -t UTF-8"), "{stderr}");
}

#[test]
fn test_reads_the_cases_file_the_same_way() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = std::fs::read_to_string(example("cases.toml")).expect("the example cases");
    let mut bytes = b"# ".to_vec();
    bytes.extend_from_slice(&[0x8E, 0x4F, 0x91, 0x77, b'\n']);
    bytes.extend_from_slice(cases.as_bytes());
    let file = written(&dir, "cases.toml", &bytes);
    let out = sanso(&["test", path(&example("policy.toml")), path(&file)]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is not UTF-8: line 1, byte 3 of that line is 0x8E",
            file.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("iconv -f CP932 -t UTF-8"), "{stderr}");
}

#[test]
fn check_accepts_a_utf8_bom() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = written(
        &dir,
        "policy.toml",
        format!("\u{feff}{}", example_policy()).as_bytes(),
    );
    let out = sanso(&["check", path(&file)]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn check_shows_the_half_width_form_of_a_full_width_address_at_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = example_policy();
    let bad = policy.replacen("\"10.20.0.0/16\"", "\"１０.２０.０.０/１６\"", 1);
    assert_ne!(bad, policy, "the example has 10.20.0.0/16");
    let line = bad[..bad.find("１０.２０").expect("replaced")]
        .lines()
        .count();
    let file = written(&dir, "policy.toml", bad.as_bytes());
    let out = sanso(&["check", path(&file)]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains("error[E020]: zone \"lg-office\": `１０.２０.０.０/１６`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:{line}:13", file.display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "= did you mean `10.20.0.0/16`? (全角 characters: １ ０ ２ ６; write them 半角)"
        ),
        "{stderr}"
    );
}

#[test]
fn check_answers_upper_case_tiers_and_services_with_the_lower_case_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = example_policy();
    let bad = policy
        .replacen("tier = \"lgwan\"", "tier = \"LGWAN\"", 1)
        .replacen("services = [\"https\"]", "services = [\"ＨＴＴＰＳ\"]", 1);
    assert!(
        bad.contains("LGWAN") && bad.contains("ＨＴＴＰＳ"),
        "replaced"
    );
    let file = written(&dir, "policy.toml", bad.as_bytes());
    let out = sanso(&["check", path(&file)]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stderr.contains("error[E012]"), "{stderr}");
    assert!(
        stderr.contains("= did you mean `lgwan`? (names are case-sensitive)"),
        "{stderr}"
    );
    assert!(stderr.contains("error[E032]"), "{stderr}");
    assert!(
        stderr.contains("= did you mean `https`? (全角 characters: Ｈ Ｔ Ｐ Ｓ; write them 半角, and names are case-sensitive)"),
        "{stderr}"
    );
}
