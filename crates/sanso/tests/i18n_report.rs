//! `sanso report` speaks one language at a time: the Markdown and HTML
//! reports in Japanese hold none of the English texts of the report's
//! catalogue (`locales/en/report.ftl`), and in English none of the Japanese.
//! The example policy with an isolation and an audit log, so that every
//! section is there.

use std::path::{Path, PathBuf};
use std::process::Command;

use sanso_daemon::audit::{AuditLog, Entry, EventKind, PolicyRef};
use sanso_daemon::isolation::{IsolationEntry, Isolations, TargetKind};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    manifest().join("../../config/policy.toml")
}

fn catalogue(lang: &str) -> String {
    let path = manifest().join(format!("../sanso-i18n/locales/{lang}/report.ftl"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The literal pieces of text of every message: what is left between its
/// placeables (`{ $x }`), selectors (`{ $x ->`, `}`) and variant keys
/// (`[one]`, `*[other]`), one per line, trimmed, with the message's id.
fn fragments(ftl: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut id = String::new();
    for line in ftl.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let text = if line.starts_with(char::is_whitespace) || line.starts_with('}') {
            line
        } else {
            let Some((name, value)) = line.split_once(" = ") else {
                continue;
            };
            id = name.trim().to_owned();
            value
        };
        // Variant keys at the start of a line.
        let text = text.trim_start();
        let text = match text.strip_prefix('*').unwrap_or(text).strip_prefix('[') {
            Some(rest) => rest.split_once(']').map_or("", |(_, t)| t),
            None => text,
        };
        let mut piece = String::new();
        let mut depth = 0usize;
        for c in text.chars() {
            match c {
                '{' => {
                    depth += 1;
                    out.push((id.clone(), std::mem::take(&mut piece)));
                }
                '}' => depth = depth.saturating_sub(1),
                c if depth == 0 => piece.push(c),
                _ => {}
            }
        }
        out.push((id.clone(), piece));
    }
    out.into_iter()
        .map(|(id, p)| (id, p.trim().to_owned()))
        .filter(|(_, p)| !p.is_empty())
        .collect()
}

/// Three ASCII letters in a row: an English word.
fn has_english(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w.iter().all(u8::is_ascii_alphabetic))
}

fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}')
    })
}

/// Whether `needle` stands in `text` as words of its own: not inside a
/// longer name (`exception` in `exceptions`, `sanitizer` in
/// `lg-mail-sanitizer`).
fn contains_word(text: &str, needle: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    text.match_indices(needle).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + needle.len()..].chars().next();
        !before.is_some_and(name_char) && !after.is_some_and(name_char)
    })
}

/// The text a reader sees of an HTML page: no style, no tags, entities decoded.
fn visible(html: &str) -> String {
    let html = match (html.find("<style>"), html.find("</style>")) {
        (Some(a), Some(b)) => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_owned(),
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

struct Setup {
    _dir: tempfile::TempDir,
    state: PathBuf,
    audit: PathBuf,
}

/// A state directory with one isolation whose `--for` has run out, and an
/// intact audit log of two records.
fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    std::fs::create_dir(&state).expect("state dir");
    Isolations {
        entries: vec![IsolationEntry {
            target: "lg-office".into(),
            kind: TargetKind::Zone,
            tier: Some("lgwan".into()),
            prefixes: vec!["10.20.0.0/16".parse().expect("prefix")],
            reason: "incident".into(),
            ticket: Some("INC-7".into()),
            by: serde_json::json!({"by": "peer", "uid": 0, "gid": 0, "pid": 4242}),
            since: "2026-11-30T08:00:00Z".into(),
            until: Some(1_796_032_800),
        }],
    }
    .save(&state)
    .expect("save");
    let audit = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&audit).expect("open audit log");
    for event in [EventKind::Start, EventKind::Apply] {
        log.append(&Entry {
            event,
            uid: 0,
            policy: Some(PolicyRef {
                name: "example-city".into(),
                revision: Some("2026-11-30.1".into()),
                content_hash: "ab".repeat(32),
            }),
            detail: serde_json::json!({}),
        })
        .expect("append");
    }
    Setup {
        _dir: dir,
        state,
        audit,
    }
}

/// The report in `lang` and `format`, as a reader sees it.
fn report(setup: &Setup, lang: &str, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(["--lang", lang, "report"])
        .arg(example())
        .args(["--now", "2026-12-01", "--format", format, "--state-dir"])
        .arg(&setup.state)
        .arg("--audit")
        .arg(&setup.audit)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .expect("runs sanso");
    assert!(
        out.status.success(),
        "sanso report --lang {lang} --format {format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    if format == "html" {
        visible(&text)
    } else {
        text
    }
}

/// Text that may hold a fragment without the report speaking the other
/// language: the policy (its names and reasons are as written) and the
/// paths given.
fn given(setup: &Setup) -> String {
    format!(
        "{}\n{}\n{}",
        std::fs::read_to_string(example()).expect("example"),
        setup.state.display(),
        setup.audit.display()
    )
}

#[test]
fn the_japanese_report_holds_no_english_label() {
    let setup = setup();
    let given = given(&setup);
    let ja_catalogue = catalogue("ja");
    // English pieces of the catalogue that the Japanese one does not use
    // too (`記録 (log)`, `(`serves`)`) and that are not the policy's own.
    let english: Vec<(String, String)> = fragments(&catalogue("en"))
        .into_iter()
        .filter(|(_, f)| has_english(f))
        .filter(|(_, f)| !ja_catalogue.contains(f.as_str()) && !given.contains(f.as_str()))
        .collect();
    assert!(english.len() > 150, "{} English pieces", english.len());
    for format in ["md", "html"] {
        let ja = report(&setup, "ja", format);
        assert!(
            ja.contains("監査報告") && ja.contains("緊急時対応: 隔離中"),
            "{ja}"
        );
        let found: Vec<String> = english
            .iter()
            .filter(|(_, f)| contains_word(&ja, f))
            .map(|(id, f)| format!("{id}: {f:?}"))
            .collect();
        assert!(
            found.is_empty(),
            "English in the Japanese {format} report:\n{}\n\n{ja}",
            found.join("\n")
        );
    }
}

#[test]
fn the_english_report_holds_no_japanese_label() {
    let setup = setup();
    let given = given(&setup);
    let en_catalogue = catalogue("en");
    let japanese: Vec<(String, String)> = fragments(&catalogue("ja"))
        .into_iter()
        .filter(|(_, f)| has_japanese(f))
        .filter(|(_, f)| !en_catalogue.contains(f.as_str()) && !given.contains(f.as_str()))
        .collect();
    assert!(japanese.len() > 150, "{} Japanese pieces", japanese.len());
    for format in ["md", "html"] {
        let en = report(&setup, "en", format);
        assert!(
            en.contains("Audit report") && en.contains("Incident response: isolated now"),
            "{en}"
        );
        let found: Vec<String> = japanese
            .iter()
            .filter(|(_, f)| en.contains(f.as_str()))
            .map(|(id, f)| format!("{id}: {f:?}"))
            .collect();
        assert!(
            found.is_empty(),
            "Japanese in the English {format} report:\n{}\n\n{en}",
            found.join("\n")
        );
    }
}

#[test]
fn fragments_are_the_text_between_placeables() {
    let ftl =
        "a-b = one { $x } two\na-c = { $n ->\n    [one] 1 thing\n   *[other] { $n } things\n}\n";
    let pieces: Vec<String> = fragments(ftl).into_iter().map(|(_, f)| f).collect();
    assert_eq!(pieces, ["one", "two", "1 thing", "things"]);
    assert!(contains_word("see the Zones.", "Zones"));
    assert!(!contains_word("class exceptions", "exception"));
    assert!(!contains_word("lg-mail-sanitizer", "sanitizer"));
}
