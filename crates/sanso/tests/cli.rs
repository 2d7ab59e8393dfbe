//! The `sanso` binary end to end, as an admin runs it: exit codes, what the
//! output names, and that bad input never panics.
//!
//! The tests that need the kernel (network namespaces) skip with a printed
//! reason when not root.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{code, example, is_root, namespaces_with_prefix, sanso, text, Netns};

fn temp_file(dir: &tempfile::TempDir, name: &str, content: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write temp file");
    path
}

macro_rules! require_root {
    () => {
        if !is_root() {
            println!("skipped: needs root (network namespaces)");
            return;
        }
    };
}

#[test]
fn check_accepts_the_example() {
    let out = sanso(&[
        "check",
        example("policy.toml").to_str().expect("utf-8 path"),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("is valid: 7 zones"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_input_is_an_error_naming_the_file_and_line_never_a_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = [
        ("empty.toml", "", ""),
        ("not-toml.toml", "this is { not toml\n", ":1:"),
        ("wrong-types.toml", "[policy]\nname = 5\n", ":2:"),
        ("huge.toml", "[policy]\nname = \"x\"\n[zones.a]\ntier = \"lgwan\"\ninterfaces = [\"a0\"]\nnetworks = [\"10.0.0.0/8\"]\n[[flows]]\nname = \"f\"\nfrom = [\"a\"]\nto = [\"self\"]\nservices = [\"tcp/99999999999999999999999\"]\nreason = \"r\"\n", ":11:"),
        ("binary.toml", "\u{0}\u{1}\u{2}\u{fffd}", ""),
    ];
    for (name, content, line) in inputs {
        let path = temp_file(&dir, name, content);
        let out = sanso(&["check", path.to_str().expect("utf-8 path")]);
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            stderr.contains(name),
            "{name}: the diagnostics name the file: {stderr}"
        );
        assert!(
            stderr.contains(line),
            "{name}: the diagnostics name the line {line}: {stderr}"
        );
    }
    let missing = sanso(&["check", "/nonexistent/policy.toml"]);
    assert_eq!(code(&missing), 1);
    assert!(text(&missing.stderr).contains("/nonexistent/policy.toml"));
}

#[test]
fn a_guardrail_violation_names_the_flow_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = std::fs::read_to_string(example("policy.toml")).expect("example");
    let bad = format!(
        "{policy}\n[[flows]]\nname = \"mn-browse\"\nfrom = [\"mn-office\"]\nto = [\"inet-office\"]\nservices = [\"https\"]\nreason = \"just browsing\"\n"
    );
    let line = bad
        .lines()
        .position(|l| l == "name = \"mn-browse\"")
        .expect("line"); // the [[flows]] header is one above
    let path = temp_file(&dir, "bad.toml", &bad);
    let out = sanso(&["check", path.to_str().expect("utf-8 path")]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stderr.contains("G2"), "{stderr}");
    assert!(stderr.contains("mn-browse"), "{stderr}");
    assert!(
        stderr.contains(&format!("bad.toml:{line}:")),
        "line {line}: {stderr}"
    );
    // Nothing was compiled from it either.
    let out = sanso(&["compile", path.to_str().expect("utf-8 path")]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
}

#[test]
fn compile_is_deterministic_and_names_flows() {
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("utf-8 path");
    let a = sanso(&["compile", policy, "--now", "2026-12-01"]);
    let b = sanso(&["compile", policy, "--now", "2026-12-01"]);
    assert_eq!(code(&a), 0, "{}", text(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let nft = text(&a.stdout);
    assert!(nft.contains("table inet sanso {"));
    assert!(
        nft.contains("chain allow.lg-office.inet-office.screen-transfer"),
        "flows are named in the ruleset"
    );
    // The contractor window: in the ruleset before it ends, gone after.
    assert!(nft.contains("vendor-maintenance"));
    let later = sanso(&["compile", policy, "--now", "2027-04-01"]);
    assert!(!text(&later.stdout).contains("vendor-maintenance"));
}

#[test]
fn the_example_ruleset_snapshot() {
    let out = sanso(&[
        "compile",
        example("policy.toml").to_str().expect("utf-8 path"),
        "--now",
        "2026-12-01",
    ]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("example_ruleset", text(&out.stdout));
}

#[test]
fn test_passes_on_the_example_and_fails_on_a_wrong_expectation() {
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("utf-8 path");
    let out = sanso(&[
        "test",
        policy,
        example("cases.toml").to_str().expect("utf-8 path"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 0, "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");

    let dir = tempfile::tempdir().expect("tempdir");
    let cases = temp_file(
        &dir,
        "wrong.toml",
        "[[cases]]\nname = \"mynumber browses (wrong on purpose)\"\nfrom = \"10.10.1.5\"\nto = \"203.0.113.10\"\nproto = \"tcp\"\nport = 443\nexpect = \"accept\"\n",
    );
    let out = sanso(&["test", policy, cases.to_str().expect("utf-8 path")]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 1, "{stdout}");
    assert!(stdout.contains("FAILED"), "{stdout}");
    assert!(stdout.contains("wrong.toml:1"), "{stdout}");
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");

    let out = sanso(&[
        "test",
        policy,
        cases.to_str().expect("utf-8 path"),
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["failed"], 1);
    assert_eq!(json["cases"][0]["userspace"], "drop");
}

#[test]
fn explain_names_zones_flow_and_reason() {
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("utf-8 path");
    let out = sanso(&[
        "explain",
        policy,
        "--from",
        "10.20.1.5",
        "--to",
        "inet-vbrowser",
        "--proto",
        "tcp",
        "--port",
        "443",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        stdout.contains("zone lg-office (lgwan, LGWAN接続系)"),
        "{stdout}"
    );
    assert!(stdout.contains("verdict:    accept"), "{stdout}");
    assert!(stdout.contains("flow screen-transfer"), "{stdout}");
    assert!(stdout.contains("画面転送"), "{stdout}");

    let out = sanso(&[
        "explain",
        policy,
        "--from",
        "10.20.1.5",
        "--to",
        "inet-vbrowser",
        "--port",
        "443",
        "--iif",
        "wan0",
    ]);
    assert!(
        text(&out.stdout).contains("anti-spoofing"),
        "{}",
        text(&out.stdout)
    );

    let out = sanso(&[
        "explain",
        policy,
        "--from",
        "no-such-host",
        "--to",
        "self",
        "--port",
        "22",
    ]);
    assert_eq!(code(&out), 1);
    assert!(text(&out.stderr).contains("no-such-host"));
}

#[test]
fn plan_against_names_the_new_flow_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let old = std::fs::read_to_string(example("policy.toml")).expect("example");
    let new = format!("{old}\n[[flows]]\nname = \"lg-ntp\"\nfrom = [\"lg-office\"]\nto = [\"lgwan-ntp\"]\nservices = [\"ntp\"]\nreason = \"時刻同期\"\n");
    let old_path = example("policy.toml");
    let new_path = temp_file(&dir, "new.toml", &new);
    let out = sanso(&[
        "plan",
        new_path.to_str().expect("path"),
        "--against",
        old_path.to_str().expect("path"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 2, "{stdout}");
    assert!(stdout.contains("lg-ntp"), "{stdout}");
    assert!(stdout.contains("udp/123"), "{stdout}");

    let out = sanso(&[
        "plan",
        old_path.to_str().expect("path"),
        "--against",
        old_path.to_str().expect("path"),
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));

    let out = sanso(&[
        "plan",
        new_path.to_str().expect("path"),
        "--against",
        old_path.to_str().expect("path"),
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(json["flows"].to_string().contains("lg-ntp"));
}

// --- kernel (root) ---------------------------------------------------------

/// Runs sanso and checks that it left none of its namespaces behind.
fn sanso_leaving_no_namespace(args: &[&str]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run sanso");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait for sanso");
    let left = namespaces_with_prefix(&format!("sanso-{pid}-"));
    assert!(left.is_empty(), "namespaces left behind: {left:?}");
    out
}

#[test]
fn kernel_cases_of_the_example_pass_and_a_wrong_one_fails() {
    require_root!();
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("utf-8 path");
    let out = sanso_leaving_no_namespace(&[
        "test",
        "--kernel",
        policy,
        example("cases.toml").to_str().expect("path"),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 0, "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("KERNEL"), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");

    // A wrong expectation: the run reports it and exits non-zero, and still
    // removes its namespaces.
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = temp_file(
        &dir,
        "wrong.toml",
        "[[cases]]\nname = \"right\"\nfrom = \"10.20.1.5\"\nto = \"inet-vbrowser\"\nproto = \"tcp\"\nport = 443\nexpect = \"accept\"\n\n[[cases]]\nname = \"wrong on purpose\"\nfrom = \"10.20.1.5\"\nto = \"203.0.113.10\"\nproto = \"tcp\"\nport = 443\nexpect = \"accept\"\n",
    );
    let out = sanso_leaving_no_namespace(&[
        "test",
        "--kernel",
        policy,
        cases.to_str().expect("path"),
        "--json",
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["cases"][0]["kernel"], "accept");
    assert_eq!(json["cases"][1]["kernel"], "drop");
    assert_eq!(json["cases"][1]["pass"], false);
    assert_eq!(json["failed"], 1);
}

#[test]
fn verify_random_finds_no_disagreement_on_the_example() {
    require_root!();
    let json = verify_passing(
        example("policy.toml").to_str().expect("path"),
        "500",
        "20261130",
    );
    assert_eq!(json["packets"], 500);
    assert_eq!(json["disagreements"].as_array().map(Vec::len), Some(0));
    assert!(
        json["kernel_run"]["accepted"].as_u64().unwrap_or(0) > 0,
        "some packets must be accepted: {json}"
    );
}

/// The example policy, written into `dir`, with its cloud mail flow
/// (mail-in-from-cloud) limited to 1/minute.
fn example_with_cloud_mail_limited(dir: &tempfile::TempDir) -> PathBuf {
    let policy = std::fs::read_to_string(example("policy.toml")).expect("example");
    let limited = policy.replacen("limit = \"50/second\"", "limit = \"1/minute\"", 1);
    assert_ne!(
        policy, limited,
        "the example's mail-in-from-cloud limit moved"
    );
    temp_file(dir, "policy.toml", &limited)
}

#[test]
fn kernel_cases_of_a_flow_limited_to_1_per_minute_all_pass_the_kernel_run() {
    require_root!();
    // Eight cases of the cloud mail flow, limited to 1/minute: with its
    // limit the kernel would drop seven of them. The kernel run loads the
    // ruleset without limits, so every one must be accepted, and a drop
    // would be a failure, never excused as the limit's.
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = example_with_cloud_mail_limited(&dir);
    let cases: String = (0..8)
        .map(|i| {
            format!(
                "[[cases]]\nname = \"cloud mail {i}\"\nfrom = \"198.51.100.25\"\nto = \"10.30.2.10\"\nproto = \"tcp\"\nport = 25\nexpect = \"accept\"\n\n"
            )
        })
        .collect();
    let cases = temp_file(&dir, "cases.toml", &cases);
    let args = [
        "test",
        "--kernel",
        policy.to_str().expect("path"),
        cases.to_str().expect("path"),
    ];
    let out = sanso_leaving_no_namespace(&[&args[..], &["--json"]].concat());
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let kernel: Vec<&str> = json["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["kernel"].as_str().expect("kernel verdict"))
        .collect();
    assert_eq!(kernel, ["accept"; 8], "{json}");
    assert_eq!(json["failed"], 0);
    assert_eq!(json["kernel_run"]["accepted"], 8, "{json}");
    let left_out = json["limits_left_out"].as_array().expect("limits_left_out");
    assert!(
        left_out
            .iter()
            .any(|l| l["flow"] == "mail-in-from-cloud" && l["limit"] == "1/minute"),
        "{json}"
    );

    // The text says so in one line.
    let out = sanso_leaving_no_namespace(&args);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 0, "{stdout}");
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("limits left out of the kernel run: "))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].contains("mail-in-from-cloud (1/minute)"),
        "{stdout}"
    );
}

#[test]
fn verify_judges_every_flow_limited_to_1_per_minute_without_its_limit() {
    require_root!();
    // The example with every flow limited to 1/minute: with the limits,
    // the kernel would let at most one packet of each flow through in the
    // run and drop the others. The kernel run leaves the limits out, so
    // every packet the policy accepts must be accepted, with no excuse.
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = std::fs::read_to_string(example("policy.toml")).expect("example");
    let unlimited: String = policy
        .lines()
        .filter(|l| !l.starts_with("limit = "))
        .map(|l| format!("{l}\n"))
        .collect();
    let limited = unlimited.replace("[[flows]]\n", "[[flows]]\nlimit = \"1/minute\"\n");
    let flows = policy.matches("[[flows]]\n").count();
    assert!(flows > 10, "the example's flows moved");
    let path = temp_file(&dir, "policy.toml", &limited);
    let json = verify_passing(path.to_str().expect("path"), "3000", "7");
    assert_eq!(
        json["disagreements"].as_array().map(Vec::len),
        Some(0),
        "{json}"
    );
    let left_out = json["limits_left_out"].as_array().expect("limits_left_out");
    assert_eq!(left_out.len(), flows, "{json}");
    assert!(left_out.iter().all(|l| l["limit"] == "1/minute"), "{json}");
    // Far more accepts than the limits would have let through.
    let accepted = json["kernel_run"]["accepted"].as_u64().unwrap_or(0);
    assert!(accepted > 3 * flows as u64, "{json}");
}

/// `sanso verify POLICY --random N --seed S --json`, which must exit 0
/// and leave no namespace; its JSON.
fn verify_passing(policy: &str, packets: &str, seed: &str) -> serde_json::Value {
    let out = sanso_leaving_no_namespace(&[
        "verify", policy, "--random", packets, "--seed", seed, "--json",
    ]);
    assert_eq!(
        code(&out),
        0,
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn apply_then_plan_live_is_clean_and_a_hand_added_rule_is_drift() {
    require_root!();
    let ns = Netns::new("clitest-apply");
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("path");
    let out = sanso(&["apply", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("\nread back and verified: policy identity, ")
            && stdout.contains(" rules, "),
        "{stdout}"
    );

    let out = sanso(&["plan", policy, "--live", "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    let out = sanso(&["drift", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));

    let ok = Command::new("ip")
        .args([
            "netns", "exec", &ns.0, "nft", "insert", "rule", "inet", "sanso", "forward", "tcp",
            "dport", "2222", "accept",
        ])
        .status()
        .expect("nft insert")
        .success();
    assert!(ok);
    let out = sanso(&["drift", policy, "--netns", &ns.0]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 2, "{stdout}");
    assert!(
        stdout.contains("rule added in chain forward: tcp dport 2222 accept"),
        "{stdout}"
    );
    let out = sanso(&["plan", policy, "--live", "--netns", &ns.0]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 2, "{stdout}");
    assert!(stdout.contains("tcp dport 2222 accept"), "{stdout}");

    // Applying again restores the approved ruleset.
    let out = sanso(&["apply", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = sanso(&["drift", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
}

#[test]
fn a_dormant_table_is_drift_in_text_and_json_and_apply_wakes_it() {
    require_root!();
    let ns = Netns::new("clitest-dormant");
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("path");
    let out = sanso(&["apply", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = sanso(&["drift", policy, "--netns", &ns.0, "--json"]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["flags"], serde_json::json!([]), "{json}");

    // Switches all filtering off; nft 1.0.6's JSON of the table breaks.
    let ok = Command::new("ip")
        .args([
            "netns",
            "exec",
            &ns.0,
            "nft",
            "add",
            "table",
            "inet",
            "sanso",
            "{ flags dormant; }",
        ])
        .status()
        .expect("nft add table")
        .success();
    assert!(ok);
    let out = sanso(&["drift", policy, "--netns", &ns.0]);
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 2, "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "table changed: flags dormant (expected none): the table is switched off, nothing is filtered"
        ) && stdout.contains("+\tflags dormant"),
        "{stdout}"
    );
    let out = sanso(&["drift", policy, "--netns", &ns.0, "--json"]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["flags"], serde_json::json!(["dormant"]), "{json}");
    assert_eq!(json["incomplete"], serde_json::Value::Null, "{json}");
    assert_eq!(json["changes"][0]["thing"], "table", "{json}");
    assert!(
        json["changes"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("flags dormant (expected none)")),
        "{json}"
    );
    assert!(json["warnings"].is_array() && json["text_diff"].is_string());

    // Applying again replaces the table, flags included.
    let out = sanso(&["apply", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let out = sanso(&["drift", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
}

#[test]
fn apply_exits_1_when_the_table_reads_back_otherwise_and_says_what_the_kernel_holds() {
    require_root!();
    let ns = Netns::new("clitest-unverified");
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("path");
    // Debug builds run this between the apply and the read-back: a rule
    // added to forward by hand, as if someone raced the apply.
    let tamper = format!(
        "ip netns exec {} nft add rule inet sanso forward tcp dport 2222 accept",
        ns.0
    );
    let out = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(["apply", policy, "--netns", &ns.0])
        .env("NO_COLOR", "1")
        .env("SANSO_TEST_BETWEEN_APPLY_AND_READBACK", &tamper)
        .output()
        .expect("run sanso");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(code(&out), 1, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("applied "), "{stdout}");
    assert!(!stdout.contains("verified"), "{stdout}");
    assert!(
        stderr.contains("does not have the compiled shape (1 difference(s))")
            && stderr.contains("  chain forward has ")
            && stderr.contains("as applied, unverified: it was not rolled back")
            && stderr.contains(&format!("sanso drift {policy} --netns {}", ns.0)),
        "{stderr}"
    );
    // It says what is in the kernel: the applied table with the extra rule.
    let out = sanso(&["drift", policy, "--netns", &ns.0]);
    let drift = text(&out.stdout);
    assert_eq!(code(&out), 2, "{drift}");
    assert!(
        drift.contains("rule added in chain forward: tcp dport 2222 accept"),
        "{drift}"
    );
    // Without the hook the same apply verifies.
    let out = sanso(&["apply", policy, "--netns", &ns.0]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("read back and verified"));
}

/// The uid `sanso` runs as in [`sanso_as_non_root`] when the tests run as
/// root: `nobody`.
const NOBODY: u32 = 65534;

/// Runs `sanso` with `args` as an admin who is not root, within a minute.
/// The tests run as root in CI: then the binary, with `files` beside it, is
/// copied into a directory anyone can read and run as [`NOBODY`] through
/// `setpriv` (util-linux); each `{name}` in `args` becomes the copied file's
/// path. Root without `setpriv` fails the test: it could not check what an
/// admin who is not root sees.
fn sanso_as_non_root(args: &[&str], files: &[PathBuf]) -> Output {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Stdio;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let dir = tempfile::tempdir().expect("temp dir");
    let chmod = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    let mut command = if root {
        // Fails rather than skips: as root, only setpriv lets this test
        // check what it is for.
        assert!(
            Command::new("setpriv").arg("--version").output().is_ok(),
            "setpriv (util-linux) is missing: cannot run sanso as a non-root user \
             (install util-linux, or run the tests as another user than root)"
        );
        chmod(dir.path(), 0o755);
        let exe = dir.path().join("sanso");
        std::fs::copy(env!("CARGO_BIN_EXE_sanso"), &exe).expect("copy sanso");
        chmod(&exe, 0o755);
        let mut command = Command::new("setpriv");
        command
            .arg(format!("--reuid={NOBODY}"))
            .arg(format!("--regid={NOBODY}"))
            .args(["--clear-groups", "--"])
            .arg(exe);
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_sanso"))
    };
    let mut args: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
    for file in files {
        let name = file.file_name().expect("file name").to_str().expect("name");
        let copy = dir.path().join(name);
        std::fs::copy(file, &copy).expect("copy file");
        chmod(&copy, 0o644);
        let copy = copy.to_str().expect("path").to_owned();
        for arg in &mut args {
            *arg = arg.replace(&format!("{{{name}}}"), &copy);
        }
    }
    let child = command
        .args(&args)
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sanso");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(out) => out.expect("sanso's output"),
        Err(_) => {
            // setpriv execs sanso: the pid is sanso's.
            // SAFETY: kill has no memory preconditions; the child is not
            // yet reaped (its waiter is still waiting), so the pid is its.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("sanso {args:?} did not finish within 60 s");
        }
    }
}

#[test]
fn kernel_commands_say_what_they_need_when_not_root() {
    let out = sanso_as_non_root(
        &["test", "--kernel", "{policy.toml}", "{cases.toml}"],
        &[example("policy.toml"), example("cases.toml")],
    );
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains("the kernel harness needs root")
            && stderr.contains("CAP_NET_ADMIN")
            && stderr.contains("running as uid "),
        "{stderr}"
    );
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        assert!(
            stderr.contains(&format!("running as uid {NOBODY}")),
            "{stderr}"
        );
    }
}

#[test]
fn report_shows_matrix_exceptions_and_a_checked_history() {
    use sanso_daemon::audit::{AuditLog, Entry, EventKind, PolicyRef};
    let policy = example("policy.toml");
    let policy = policy.to_str().expect("path");
    let out = sanso(&["report", policy, "--now", "2026-12-01"]);
    let md = text(&out.stdout);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(md.contains("# Audit report: example-city"), "{md}");
    // The mynumber terminals reach only the 基幹系 servers.
    assert!(
        md.contains("| **mn-office** | — | 1 | — | — | — | — | — | — |"),
        "{md}"
    );
    assert!(
        md.contains("| mn-batch-to-chukan | mn-batch-01 | chukan-server | https (tcp/443) |"),
        "{md}"
    );
    assert!(md.contains("| CISO | SEC-2026-041 |"), "{md}");
    assert!(
        md.contains("| vendor-maintenance | 2027-03-31 (ends 2027-04-01 00:00 JST) | active |"),
        "{md}"
    );

    // A history from an intact audit log, then from an altered one.
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&log_path).expect("open audit log");
    let policy_ref = PolicyRef {
        name: "example-city".into(),
        revision: Some("2026-11-30.1".into()),
        content_hash: "ab".repeat(32),
    };
    for event in [EventKind::Start, EventKind::Apply] {
        log.append(&Entry {
            event,
            uid: 0,
            policy: Some(policy_ref.clone()),
            detail: serde_json::json!({}),
        })
        .expect("append");
    }
    drop(log);
    let report = || {
        let out = sanso(&[
            "report",
            policy,
            "--audit",
            log_path.to_str().expect("path"),
        ]);
        (code(&out), text(&out.stdout))
    };
    let (exit, md) = report();
    assert_eq!(exit, 0, "{md}");
    assert!(md.contains("hash chain intact, 2 records"), "{md}");
    assert!(md.contains("| 2 |") && md.contains("| apply |"), "{md}");

    let tampered =
        std::fs::read_to_string(&log_path)
            .expect("read")
            .replacen("\"uid\":0", "\"uid\":1000", 1);
    std::fs::write(&log_path, tampered).expect("write");
    let (exit, md) = report();
    assert_eq!(exit, 2, "{md}");
    assert!(md.contains("was altered: line 1"), "{md}");
}

#[test]
fn check_deny_warnings_refuses_a_valid_policy_with_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = "[policy]\nname = \"w\"\n\n[zones.lg]\ntier = \"lgwan\"\ninterfaces = [\"lg0\"]\nnetworks = [\"10.20.0.0/16\"]\n\n[zones.wan]\ntier = \"external\"\n@BEYOND@interfaces = [\"wan0\"]\nnetworks = [\"10.250.0.0/16\"]\n";
    // Without `beyond` the external zone draws W005; with it, no warning.
    let warned = temp_file(&dir, "warned.toml", &base.replace("@BEYOND@", ""));
    let clean = temp_file(
        &dir,
        "clean.toml",
        &base.replace("@BEYOND@", "beyond = \"lgwan\"\n"),
    );
    let path = |p: &PathBuf| p.to_str().expect("utf-8 path").to_owned();
    let out = sanso(&["check", &path(&warned)]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("W005"), "{}", text(&out.stderr));
    let out = sanso(&["check", "--deny-warnings", &path(&warned)]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("1 warning(s), refused with --deny-warnings"),
        "{}",
        text(&out.stderr)
    );
    let out = sanso(&["check", "--deny-warnings", &path(&clean)]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
}
