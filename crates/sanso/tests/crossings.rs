//! `sanso explain` and `sanso report` say how each flow crosses the three-tier
//! guardrails (contract v2): the guardrail a pair meets and what satisfies it
//! (a sanitizer or screen-transfer host with `serves`, security-cloud hosts,
//! an exception with its approval), what each end counts as (`beyond`), and
//! which exceptions really waive something.
//!
//! The policy is written here, not taken from `config/`, so that these tests
//! say exactly what they rely on.

mod common;

use std::path::{Path, PathBuf};

use common::{code, example, sanso, text};

/// Every kind of crossing: a screen-transfer host, a sanitizer, security-cloud
/// hosts, exceptions (guardrails 1 and 5), no guardrail (lgwan -> the LGWAN
/// backbone, lgwan -> self, self -> the backbone), one tier (two
/// organisations), and an exception that waives nothing.
const POLICY: &str = r#"
[policy]
name = "crossings-city"
revision = "2026-12-01.1"

[zones.lg]
tier = "lgwan"
organisation = "市長部局"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]

[zones.mn]
tier = "mynumber"
interfaces = ["mn0"]
networks = ["10.10.0.0/16"]

[zones.fire]
tier = "lgwan"
organisation = "消防本部"
interfaces = ["fd0"]
networks = ["10.40.0.0/16"]

[zones.inet]
tier = "internet"
organisation = "市長部局"
interfaces = ["in0"]
networks = ["10.30.0.0/16"]

[zones.lgwan-wan]
tier = "external"
beyond = "lgwan"
interfaces = ["lgwan0"]
networks = ["10.250.0.0/16"]

[zones.jlis]
tier = "external"
beyond = "closed"
interfaces = ["jlis0"]
networks = ["192.0.2.0/24"]

[zones.upstream]
tier = "external"
beyond = "internet"
interfaces = ["wan0"]
networks = ["0.0.0.0/0"]

[hosts.vbrowser]
zone = "inet"
addresses = ["10.30.1.0/28"]
roles = ["screen-transfer"]
serves = ["vbrowser"]

[hosts.mail-sanitizer]
zone = "lg"
addresses = ["10.20.5.10"]
roles = ["sanitizer"]
serves = ["smtp"]

[hosts.relay]
zone = "inet"
addresses = ["10.30.2.10"]

[hosts.cloud-proxy]
zone = "upstream"
addresses = ["198.51.100.10"]
roles = ["security-cloud"]

[hosts.vendor]
zone = "upstream"
addresses = ["203.0.113.50"]

[hosts.batch]
zone = "mn"
addresses = ["10.10.5.21"]

[hosts.chukan]
zone = "jlis"
addresses = ["192.0.2.10"]

[hosts.lgwan-dns]
zone = "lgwan-wan"
addresses = ["10.250.0.53"]

[services]
vbrowser = ["tcp/443", "udp/443"]
proxy = ["tcp/8080"]

[[flows]]
name = "screen-transfer"
from = ["lg"]
to = ["vbrowser"]
services = ["vbrowser"]
reason = "画面転送"

[[flows]]
name = "mail-to-sanitizer"
from = ["relay"]
to = ["mail-sanitizer"]
services = ["smtp"]
reason = "メール無害化"

[[flows]]
name = "egress"
from = ["inet"]
to = ["cloud-proxy"]
services = ["proxy"]
reason = "セキュリティクラウド経由"

[[flows]]
name = "vendor-maintenance"
from = ["vendor"]
to = ["vbrowser"]
services = ["ssh"]
reason = "委託: 保守"
until = "2027-03-31"
exception = { approved_by = "CISO", ticket = "SEC-2026-077", approved_on = "2026-04-01", review_by = "2027-03-31" }

[[flows]]
name = "mn-to-chukan"
from = ["batch"]
to = ["chukan"]
services = ["https"]
reason = "情報連携"
exception = { approved_by = "CISO", ticket = "SEC-2026-041", approved_on = "2026-04-01", review_by = "2026-10-31" }

[[flows]]
name = "lgwan-dns"
from = ["lg"]
to = ["lgwan-dns"]
services = ["dns"]
reason = "LGWAN DNS"

[[flows]]
name = "lg-to-fire"
from = ["lg"]
to = ["fire"]
services = ["https"]
reason = "消防本部の業務システム"

[[flows]]
name = "needless-exception"
from = ["lg"]
to = ["fire"]
services = ["smb"]
reason = "ファイル共有"
exception = { approved_by = "情報政策課長", ticket = "SEC-2026-099" }

[[flows]]
name = "admin-ssh"
from = ["lg"]
to = ["self"]
services = ["ssh"]
reason = "管理"

[[flows]]
name = "gateway-dns"
from = ["self"]
to = ["lgwan-dns"]
services = ["dns"]
reason = "ゲートウェイの名前解決"
"#;

/// The policy in a temporary directory (kept alive by the returned guard).
fn policy_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, POLICY).expect("write policy");
    (dir, path)
}

/// `sanso explain` on the policy; the text output, after checking it succeeded.
fn explain(policy: &Path, args: &[&str]) -> String {
    let mut all = vec!["explain", policy.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--at", "2026-12-01"]);
    let out = sanso(&all);
    assert_eq!(code(&out), 0, "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn explain_json(policy: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    serde_json::from_str(&explain(policy, &all)).expect("explain --json prints JSON")
}

/// Asserts that `haystack` contains every one of `needles`, naming the one
/// that is missing.
#[track_caller]
fn assert_contains_all(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            haystack.contains(needle),
            "missing {needle:?} in:\n{haystack}"
        );
    }
}

/// Asserts each (JSON pointer, value) of `expected` (an absent member counts
/// as null, as `json["a"]["b"]` reads it), naming the pointer that differs.
#[track_caller]
fn assert_json(json: &serde_json::Value, expected: &[(&str, serde_json::Value)]) {
    for (pointer, want) in expected {
        let got = json.pointer(pointer).unwrap_or(&serde_json::Value::Null);
        assert_eq!(got, want, "{pointer}: {json}");
    }
}

/// `sanso explain` on the policy says every one of `says`; its output.
#[track_caller]
fn assert_explains(policy: &Path, args: &[&str], says: &[&str]) -> String {
    let out = explain(policy, args);
    assert_contains_all(&out, says);
    out
}

#[test]
fn the_policy_is_valid() {
    let (_dir, policy) = policy_file();
    let out = sanso(&["check", policy.to_str().expect("utf-8 path")]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}

#[test]
fn explain_names_the_role_host_that_lets_a_flow_cross() {
    let (_dir, policy) = policy_file();
    assert_explains(
        &policy,
        &["--from", "10.20.1.5", "--to", "vbrowser", "--port", "443"],
        &[
            "verdict:    accept",
            "from:       10.20.1.5, zone lg (lgwan, LGWAN接続系)",
            "zone inet (internet, インターネット接続系)",
            "crosses:    guardrail 3 (lgwan <-> internet tier): satisfied by host \"vbrowser\" (role screen-transfer, serves vbrowser)",
        ],
    );

    assert_explains(
        &policy,
        &["--from", "relay", "--to", "mail-sanitizer", "--port", "25"],
        &["crosses:    guardrail 3 (internet tier <-> lgwan): satisfied by host \"mail-sanitizer\" (role sanitizer, serves smtp)"],
    );

    let json = explain_json(
        &policy,
        &["--from", "10.20.1.5", "--to", "vbrowser", "--port", "443"],
    );
    assert_json(
        &json,
        &[
            ("/flow/crossings/0/guardrail", 3.into()),
            ("/flow/crossings/0/control/kind", "role-host".into()),
            ("/flow/crossings/0/control/host", "vbrowser".into()),
            ("/flow/crossings/0/control/role", "screen-transfer".into()),
            ("/flow/crossings/0/control/serves/0", "vbrowser".into()),
            ("/flow/pair/from", "lg".into()),
            ("/flow/pair/to", "vbrowser".into()),
            ("/from/standing/counts_as", "the lgwan tier".into()),
            ("/flow/exception", serde_json::Value::Null),
        ],
    );
}

#[test]
fn explain_names_the_security_cloud_host() {
    let (_dir, policy) = policy_file();
    let args = [
        "--from",
        "10.30.9.9",
        "--to",
        "cloud-proxy",
        "--port",
        "8080",
    ];
    assert_explains(
        &policy,
        &args,
        &[
            "crosses:    guardrail 5 (internet tier -> the Internet): satisfied by host \"cloud-proxy\" (role security-cloud)",
            "zone upstream (external, beyond: the Internet, インターネット)",
        ],
    );
    let json = explain_json(&policy, &args);
    assert_json(
        &json,
        &[
            ("/flow/crossings/0/guardrail", 5.into()),
            ("/flow/crossings/0/control/kind", "security-cloud".into()),
            ("/to/beyond", "internet".into()),
        ],
    );
}

#[test]
fn explain_names_the_exception_with_its_approval_and_dates() {
    let (_dir, policy) = policy_file();
    let vendor = ["--from", "vendor", "--to", "vbrowser", "--port", "22"];
    let out = assert_explains(
        &policy,
        &vendor,
        &[
            "crosses:    guardrail 5 (the Internet -> internet tier): satisfied by exception approved by CISO, ticket SEC-2026-077 (approved on 2026-04-01, review by 2027-03-31)",
            "until:      2027-03-31",
            "exception:  approved by CISO, ticket SEC-2026-077",
        ],
    );
    assert!(!out.contains("not counted"), "{out}");

    assert_explains(
        &policy,
        &["--from", "batch", "--to", "chukan", "--port", "443"],
        &[
            "crosses:    guardrail 1 (mynumber <-> closed line): satisfied by exception approved by CISO, ticket SEC-2026-041 (approved on 2026-04-01, review by 2026-10-31)",
            "zone jlis (external, beyond: a closed line, 閉域網)",
        ],
    );

    let json = explain_json(&policy, &vendor);
    assert_json(
        &json,
        &[
            ("/flow/until", "2027-03-31".into()),
            ("/flow/exception/approved_by", "CISO".into()),
            ("/flow/exception/ticket", "SEC-2026-077".into()),
            ("/flow/exception/approved_on", "2026-04-01".into()),
            ("/flow/exception/review_by", "2027-03-31".into()),
            ("/flow/exception/waives", true.into()),
            ("/flow/crossings/0/guardrail", 5.into()),
            ("/flow/crossings/0/control/kind", "exception".into()),
            ("/flow/crossings/0/control/ticket", "SEC-2026-077".into()),
            ("/flow/crossings/0/control/review_by", "2027-03-31".into()),
        ],
    );
}

#[test]
fn explain_says_when_a_flow_crosses_no_guardrail() {
    let (_dir, policy) = policy_file();
    let lg_to_fire = ["--from", "10.20.1.5", "--to", "10.40.1.5", "--port", "443"];
    // (arguments, what the explanation must say)
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &[
                "--from",
                "10.20.1.5",
                "--to",
                "lgwan-dns",
                "--proto",
                "udp",
                "--port",
                "53",
            ],
            &[
                "crosses:    none (no guardrail between the lgwan tier and the LGWAN backbone)",
                "zone lgwan-wan (external, beyond: the LGWAN backbone, LGWAN (総合行政ネットワーク))",
            ],
        ),
        (&lg_to_fire, &["crosses:    none (same tier)"]),
        (
            &["--from", "10.20.1.5", "--to", "self", "--port", "22"],
            &["crosses:    none (no guardrail between the lgwan tier and the gateway)"],
        ),
        // The gateway's own traffic (output path).
        (
            &[
                "--from",
                "self",
                "--to",
                "lgwan-dns",
                "--proto",
                "udp",
                "--port",
                "53",
            ],
            &[
                "verdict:    accept",
                "flow gateway-dns",
                "crosses:    none (no guardrail between the gateway and the LGWAN backbone)",
            ],
        ),
    ];
    for (args, says) in cases {
        assert_explains(&policy, args, says);
    }

    let json = explain_json(&policy, &lg_to_fire);
    assert_json(
        &json,
        &[
            ("/flow/crossings", serde_json::json!([])),
            ("/flow/no_crossing", "same tier".into()),
        ],
    );
}

#[test]
fn explain_says_an_exception_that_waives_nothing_is_not_counted() {
    let (_dir, policy) = policy_file();
    assert_explains(
        &policy,
        &["--from", "10.20.1.5", "--to", "10.40.1.5", "--port", "445"],
        &[
            "flow needless-exception",
            "crosses:    none (same tier)",
            "exception:  approved by 情報政策課長, ticket SEC-2026-099; waives no guardrail, not counted as an exception",
        ],
    );
}

/// The lines of the report's section that starts with `heading`.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(heading)
        .unwrap_or_else(|| panic!("{heading}: {md}"));
    let rest = &md[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

fn report(policy: &Path) -> String {
    let out = sanso(&[
        "report",
        policy.to_str().expect("utf-8 path"),
        "--now",
        "2026-12-01",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn report_zones_show_beyond_and_organisation() {
    let (_dir, policy) = policy_file();
    let md = report(&policy);
    let zones = section(&md, "## Zones");
    assert_contains_all(
        zones,
        &[
            "| lgwan-wan | — | external | lgwan: the LGWAN backbone |",
            "| upstream | — | external | internet: the Internet |",
            "| jlis | — | external | closed: a closed line |",
            "| fire | 消防本部 | lgwan | — |",
        ],
    );
    // Grouped by organisation: 市長部局 (lg, inet), then 消防本部, then the rest.
    let at = |name: &str| {
        zones
            .find(&format!("| {name} |"))
            .unwrap_or_else(|| panic!("{name}: {zones}"))
    };
    assert!(
        at("lg") < at("inet") && at("inet") < at("fire") && at("fire") < at("mn"),
        "{zones}"
    );
}

#[test]
fn report_flows_show_what_lets_them_cross() {
    let (_dir, policy) = policy_file();
    let md = report(&policy);
    let flows = section(&md, "## Allowed flows");
    let row = |name: &str| {
        flows
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("{name}: {flows}"))
            .to_string()
    };
    // (flow, its crossing control cell)
    for (name, control) in [
        ("screen-transfer", "| screen-transfer vbrowser (G3) |"),
        ("mail-to-sanitizer", "| sanitizer mail-sanitizer (G3) |"),
        ("egress", "| security-cloud cloud-proxy (G5) |"),
        ("vendor-maintenance", "| exception SEC-2026-077 (G5) |"),
        ("mn-to-chukan", "| exception SEC-2026-041 (G1) |"),
        ("lg-to-fire", "| — same tier |"),
        ("needless-exception", "| — same tier |"),
        // The LGWAN backbone counts as the lgwan tier.
        ("lgwan-dns", "| — same tier |"),
        ("admin-ssh", "| — crosses no guardrail |"),
    ] {
        let row = row(name);
        assert!(
            row.contains(control),
            "flow {name}: expected {control:?} in its row {row:?}\n{flows}"
        );
    }
    assert!(
        !row("needless-exception").contains("SEC-2026-099"),
        "{flows}"
    );
    assert_contains_all(flows, &["- G1: ", "- G3: ", "- G5: "]);
}

#[test]
fn report_counts_and_lists_only_exceptions_that_waive_a_guardrail() {
    let (_dir, policy) = policy_file();
    let md = report(&policy);
    assert_contains_all(
        &md,
        &["| Size | 7 zones, 8 hosts, 10 flows, 2 exceptions |"],
    );
    let exceptions = section(&md, "## Exceptions");
    assert_contains_all(
        exceptions,
        &[
            "| vendor-maintenance | vendor | vbrowser | CISO | SEC-2026-077 | 2026-04-01 | 2027-03-31 | G5 (vendor → vbrowser) | 委託: 保守 |",
            // Its review date has passed at the report's time.
            "| mn-to-chukan | batch | chukan | CISO | SEC-2026-041 | 2026-04-01 | 2026-10-31 (overdue) | G1 (batch → chukan) | 情報連携 |",
            "Not counted, their exception waives no guardrail: needless-exception.",
        ],
    );
    assert!(
        !exceptions.contains("| needless-exception |"),
        "{exceptions}"
    );
    assert!(!exceptions.contains("SEC-2026-099"), "{exceptions}");
}

/// The bundled example: its screen transfer, security-cloud egress and the
/// two approved exceptions (J-LIS, the vendor's maintenance window).
#[test]
fn the_example_says_how_its_flows_cross() {
    let example = example("policy.toml");
    assert_explains(
        &example,
        &[
            "--from",
            "10.20.1.5",
            "--to",
            "inet-vbrowser",
            "--port",
            "443",
        ],
        &["crosses:    guardrail 3 (lgwan <-> internet tier): satisfied by host \"inet-vbrowser\" (role screen-transfer, serves vbrowser)"],
    );
    assert_explains(
        &example,
        &[
            "--from",
            "vendor-remote",
            "--to",
            "inet-vbrowser",
            "--port",
            "22",
        ],
        &[
            "crosses:    guardrail 5 (the Internet -> internet tier): satisfied by exception approved by CISO, ticket SEC-2026-077",
            "zone upstream (external, beyond: the Internet, インターネット)",
        ],
    );

    let md = report(&example);
    assert_contains_all(&md, &[", 2 exceptions |"]);
    assert_contains_all(
        section(&md, "## Exceptions"),
        &["| mn-batch-to-chukan |", "| vendor-maintenance |"],
    );
    assert_contains_all(
        section(&md, "## Allowed flows"),
        &[
            "| screen-transfer inet-vbrowser (G3) |",
            "| security-cloud pref-cloud-proxy (G5) |",
        ],
    );
}
