//! `sanso report` as HTML and JSON: the page of the bundled example opened
//! in a real headless Chromium (screenshot not blank, nothing external, the
//! content there, down to an exception's waived pair and when a bounded flow
//! ends), the JSON counts, escaping, and ja/en differing in labels only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-12-01";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/policy.toml")
}

fn sanso(args: &[&str], env: &[(&str, &str)]) -> Output {
    let state = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sanso"));
    cmd.args(args)
        .arg("--state-dir")
        .arg(state.path())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("runs sanso");
    assert!(
        out.status.success(),
        "sanso {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn report(policy: &Path, extra: &[&str]) -> String {
    let policy = policy.to_str().expect("utf-8 path");
    let mut args = vec!["report", policy, "--now", NOW];
    args.extend_from_slice(extra);
    String::from_utf8(sanso(&args, &[]).stdout).expect("utf-8")
}

/// The names declared under `[section.NAME]` and the `[[flows]]` names.
fn declared(text: &str, section: &str) -> Vec<String> {
    let prefix = format!("[{section}.");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(&prefix)?.strip_suffix(']'))
        .map(str::to_owned)
        .collect()
}

fn flow_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("name = \"")?.strip_suffix('"'))
        .filter(|n| *n != "example-city")
        .map(str::to_owned)
        .collect()
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// What a page may not reference: anything fetched from elsewhere.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "http:", "https:", "<link", "<script", "@import", "url(http", "//",
    ] {
        assert!(!lower.contains(bad), "the page references {bad:?}");
    }
    for (i, _) in lower.match_indices("src=") {
        let rest = lower[i + 4..].trim_start_matches(['"', '\'']);
        assert!(
            rest.starts_with("data:"),
            "src= to something else: {}",
            &rest[..rest.len().min(40)]
        );
    }
    for (i, _) in lower.match_indices("url(") {
        let rest = lower[i + 4..].trim_start_matches(['"', '\'']);
        assert!(
            rest.starts_with('#') || rest.starts_with("data:"),
            "url( to something else: {}",
            &rest[..rest.len().min(40)]
        );
    }
}

/// The PNG's width, height and the total length of its image data.
fn png_facts(png: &[u8]) -> (u32, u32, usize) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let (mut at, mut width, mut height, mut data) = (8usize, 0, 0, 0usize);
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes")) as usize;
        let kind = &png[at + 4..at + 8];
        let body = &png[at + 8..(at + 8 + len).min(png.len())];
        if kind == b"IHDR" {
            width = u32::from_be_bytes(body[0..4].try_into().expect("4 bytes"));
            height = u32::from_be_bytes(body[4..8].try_into().expect("4 bytes"));
        } else if kind == b"IDAT" {
            data += len;
        }
        at += 12 + len;
    }
    (width, height, data)
}

#[test]
fn the_example_report_renders_in_a_real_browser() {
    let Some(chromium) = chromium() else {
        sanso_testkit::skip("chromium is not installed (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("report.html");
    let policy = example();
    let policy_text = std::fs::read_to_string(&policy).expect("example");
    sanso(
        &[
            "report",
            policy.to_str().expect("utf-8"),
            "--now",
            NOW,
            "--lang",
            "ja",
            "-o",
            page.to_str().expect("utf-8"),
        ],
        &[],
    );
    let html = std::fs::read_to_string(&page).expect("written");
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "-o x.html is HTML by default"
    );
    assert_self_contained(&html);

    let url = format!("file://{}", page.display());
    let browser = |extra: &[&str]| {
        let mut cmd = Command::new(&chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1240,1754",
        ])
        .args(extra)
        .arg(&url)
        .env("HOME", dir.path());
        let out = cmd.output().expect("runs chromium");
        assert!(
            out.status.success(),
            "chromium {extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };

    let shot = dir.path().join("report.png");
    browser(&[&format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).expect("a screenshot");
    let (width, height, data) = png_facts(&png);
    assert_eq!((width, height), (1240, 1754));
    // A blank page of this size compresses to about 10 kB of image data and
    // its compressed bytes take some 100 values; the report's first page is
    // over 40 kB and takes all 256.
    let distinct = png.iter().collect::<std::collections::BTreeSet<_>>().len();
    assert!(
        data > 25_000 && distinct > 200,
        "the screenshot looks blank ({data} bytes, {distinct} distinct)"
    );
    if let Some(keep) = std::env::var_os("SANSO_REPORT_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("keeps the screenshot");
    }

    let dom = String::from_utf8(browser(&["--dump-dom"]).stdout).expect("utf-8");
    assert_self_contained(&dom);
    for flow in flow_names(&policy_text) {
        assert!(
            dom.contains(&format!("<td>{flow}</td>")),
            "flow {flow} is in the page"
        );
    }
    let hosts = declared(&policy_text, "hosts");
    assert_eq!(hosts.len(), 18);
    for host in &hosts {
        assert!(
            dom.contains(&format!("<td>{host}</td>")),
            "host {host} is in the inventory"
        );
    }
    assert!(dom.contains("<svg"), "the diagram");
    let zones = declared(&policy_text, "zones");
    assert_eq!(zones.len(), 7);
    for zone in &zones {
        assert_eq!(
            dom.matches(&format!("class=\"zone\" data-zone=\"{zone}\""))
                .count(),
            1,
            "one box for zone {zone}"
        );
    }
    assert!(dom.contains("class=\"crossing\" data-from=\"lg-office\" data-to=\"inet-office\""));
    assert_eq!(
        dom.matches("class=\"gateway\" data-zone=\"self\"").count(),
        1,
        "one box for the gateway itself"
    );
    assert!(dom.contains("class=\"tier-matrix\"") && dom.contains("class=\"zone-matrix\""));
    for mark in ["○", "△", "×"] {
        assert!(dom.contains(mark), "the tier matrix shows {mark}");
    }
    assert!(dom.contains("+09:00"), "generated at in JST");
    // What the exception of the batch host waives, between which ends, with
    // its approver and ticket; when the vendor's window ends.
    assert!(
        dom.contains("<td>CISO</td><td>SEC-2026-041</td>")
            && dom.contains("<td class=\"waived\">G1 (mn-batch-01 → chukan-server)</td>"),
        "the waived pair of mn-batch-to-chukan"
    );
    assert!(
        dom.contains(
            "<tr><td>vendor-maintenance</td><td>2027-03-31 (終了 2027-04-01 00:00 JST)</td>"
        ),
        "when vendor-maintenance ends"
    );
    assert!(
        dom.contains("確認者") && dom.contains("所見"),
        "the sign-off block"
    );
}

#[test]
fn json_counts_match_the_policy() {
    let policy = example();
    let text = std::fs::read_to_string(&policy).expect("example");
    let json: serde_json::Value =
        serde_json::from_str(&report(&policy, &["--format", "json", "--lang", "en"]))
            .expect("json");
    let flows = flow_names(&text).len();
    let hosts = declared(&text, "hosts").len();
    let zones = declared(&text, "zones").len();
    assert_eq!(json["cover"]["counts"]["flows"], flows);
    assert_eq!(json["cover"]["counts"]["hosts"], hosts);
    assert_eq!(json["cover"]["counts"]["zones"], zones);
    assert_eq!(json["flows"].as_array().expect("flows").len(), flows);
    assert_eq!(json["hosts"].as_array().expect("hosts").len(), hosts);
    assert_eq!(json["zones"].as_array().expect("zones").len(), zones);
    assert_eq!(
        json["zone_matrix"]["zones"]
            .as_array()
            .expect("zones")
            .len(),
        zones + 1
    );
    assert_eq!(json["cover"]["generated_at"], "2026-12-01T00:00:00+09:00");
    // mynumber -> the Internet: never (guardrail 2); lgwan -> internet tier:
    // only through a control (guardrail 3); same tier: allowed.
    let cell = |from: usize, to: usize| &json["tier_matrix"]["cells"][from][to];
    assert_eq!(cell(0, 4)["mark"], "×");
    assert_eq!(cell(0, 4)["guardrail"], 2);
    assert_eq!(cell(1, 2)["mark"], "△");
    assert_eq!(cell(1, 2)["guardrail"], 3);
    assert_eq!(cell(1, 1)["mark"], "○");
    // The example's exposure path through the mail relay to the sanitizer.
    let paths = json["exposure"]["paths"].as_array().expect("paths");
    assert!(paths.iter().any(|p| p["nodes"]
        == serde_json::json!(["pref-cloud-mail", "inet-mail-relay", "lg-mail-sanitizer"])));
    let windows = json["entrustment"].as_array().expect("windows");
    assert!(windows
        .iter()
        .any(|w| w["flow"] == "vendor-maintenance" && w["state"] == "active"));
}

#[test]
fn a_script_in_a_reason_is_text() {
    let text = std::fs::read_to_string(example()).expect("example");
    let evil = text.replacen(
        "reason = \"LGWAN DNS\"",
        "reason = \"<script>alert('x')</script> & \\\"quoted\\\"\"",
        1,
    );
    assert_ne!(evil, text);
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, evil).expect("writes");
    let html = report(&policy, &["--format", "html", "--lang", "en"]);
    assert!(!html.contains("<script"), "no script element");
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;")
    );
    assert_self_contained(&html);
}

/// Walks two JSON values side by side: the same shape, and strings that
/// differ only under keys that hold labels.
fn same_but_labels(ja: &serde_json::Value, en: &serde_json::Value, key: &str, path: &str) {
    use serde_json::Value;
    const LABELS: [&str; 9] = [
        "lang",
        "title",
        "label",
        "tier_label",
        "text",
        "no_crossing",
        "controls",
        "sign_off",
        "groups",
    ];
    match (ja, en) {
        (Value::Object(a), Value::Object(b)) => {
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "{path}"
            );
            for (k, v) in a {
                same_but_labels(v, &b[k], k, &format!("{path}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same_but_labels(x, y, key, &format!("{path}[{i}]"));
            }
        }
        (a, b) if a != b => assert!(LABELS.contains(&key), "{path}: {a} / {b}"),
        _ => {}
    }
}

#[test]
fn ja_and_en_differ_in_labels_only() {
    let policy = example();
    let mut ja: serde_json::Value =
        serde_json::from_str(&report(&policy, &["--format", "json", "--lang", "ja"]))
            .expect("json");
    let mut en: serde_json::Value =
        serde_json::from_str(&report(&policy, &["--format", "json", "--lang", "en"]))
            .expect("json");
    // Each run reads a state directory of its own (`sanso` above): an
    // input that differs, not a label.
    for doc in [&mut ja, &mut en] {
        assert!(doc["isolations_source"]["dir"].is_string(), "{doc}");
        doc["isolations_source"]["dir"] = serde_json::Value::Null;
    }
    assert_eq!(ja["lang"], "ja");
    assert_eq!(en["lang"], "en");
    assert_ne!(ja, en);
    same_but_labels(&ja, &en, "", "");

    // HTML: the same rows, and no English label in the Japanese page's headers.
    let ja_html = report(&policy, &["--format", "html", "--lang", "ja"]);
    let en_html = report(&policy, &["--format", "html", "--lang", "en"]);
    assert_eq!(
        ja_html.matches("<tr").count(),
        en_html.matches("<tr").count()
    );
    assert!(ja_html.contains("<th>通信元</th>") && !ja_html.contains("<th>From</th>"));
    assert!(en_html.contains("<th>From</th>") && !en_html.contains("<th>通信元</th>"));
}

#[test]
fn the_language_comes_from_the_locale_and_the_form_from_the_output() {
    let policy = example();
    let p = policy.to_str().expect("utf-8");
    let lang = |env: &[(&str, &str)]| {
        let out = sanso(&["report", p, "--now", NOW, "--format", "json"], env);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        json["lang"].as_str().expect("lang").to_owned()
    };
    assert_eq!(lang(&[("LANG", "ja_JP.UTF-8")]), "ja");
    assert_eq!(
        lang(&[("LC_ALL", "C.UTF-8"), ("LANG", "ja_JP.UTF-8")]),
        "en"
    );
    assert_eq!(lang(&[("LC_MESSAGES", "ja_JP.UTF-8")]), "ja");
    assert_eq!(lang(&[]), "en");
    // Standard output stays Markdown.
    let md = report(&policy, &[]);
    assert!(md.starts_with("# Audit report"));
}
