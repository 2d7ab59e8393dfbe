//! `--json` as scripts meet it (docs/json.md): each command prints one JSON
//! document on stdout, failures included, with the fields its section of
//! docs/json.md lists, and exits as it does without `--json`; every `--json`
//! of the CLI has its section there and every section its `--json`.
//!
//! The tests that need the kernel (a namespace, a daemon) skip with a
//! printed reason when not root.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{code, example, is_root, root_dir, sanso, text, Daemon, Netns};
use serde_json::Value;

// ---------------------------------------------------------------------------
// docs/json.md

fn docs() -> String {
    std::fs::read_to_string(root_dir().join("docs/json.md")).expect("docs/json.md")
}

/// The commands docs/json.md has a section for (`## `sanso audit verify``).
fn documented_commands(doc: &str) -> Vec<String> {
    doc.lines()
        .filter_map(|l| l.strip_prefix("## `sanso "))
        .filter_map(|l| l.strip_suffix('`'))
        .map(str::to_owned)
        .collect()
}

/// The text of the section of `command`.
fn section(doc: &str, command: &str) -> String {
    let heading = format!("## `sanso {command}`\n");
    let start = doc
        .find(&heading)
        .unwrap_or_else(|| panic!("docs/json.md has no section {heading:?}"));
    let body = &doc[start + heading.len()..];
    body[..body.find("\n## ").unwrap_or(body.len())].to_owned()
}

/// One row of a field table: the fields its first cell names and whether
/// they may be absent (the type cell says "absent").
#[derive(Debug)]
struct Field {
    name: String,
    optional: bool,
}

/// The field tables (`| field | type | meaning |`) of a section, in order.
fn field_tables(section: &str) -> Vec<Vec<Field>> {
    let mut tables = Vec::new();
    let mut current: Option<Vec<Field>> = None;
    for line in section.lines() {
        if line.starts_with("| field |") {
            current = Some(Vec::new());
            continue;
        }
        let Some(table) = current.as_mut() else {
            continue;
        };
        if !line.starts_with('|') {
            tables.extend(current.take());
            continue;
        }
        if line.starts_with("|---") {
            continue;
        }
        // Cells split at unescaped pipes.
        let mut cells = Vec::new();
        let mut cell = String::new();
        let mut previous = ' ';
        for c in line.chars() {
            if c == '|' && previous != '\\' {
                cells.push(std::mem::take(&mut cell));
            } else {
                cell.push(c);
            }
            previous = c;
        }
        let (names, kind) = (&cells[1], &cells[2]);
        for name in names.split('`').skip(1).step_by(2) {
            table.push(Field {
                name: name.to_owned(),
                optional: kind.contains("absent"),
            });
        }
    }
    tables.extend(current);
    tables
}

/// The fields of table `index` of `command`'s section.
fn documented(command: &str, index: usize) -> Vec<Field> {
    let mut tables = field_tables(&section(&docs(), command));
    assert!(
        index < tables.len(),
        "docs/json.md, sanso {command}: no field table {index}"
    );
    tables.swap_remove(index)
}

/// `doc` has every top-level field table `index` of `command`'s section
/// lists (those it may leave out aside), and no top-level field it does not
/// list.
fn assert_fields(command: &str, index: usize, doc: &Value) {
    let fields = documented(command, index);
    let object = doc
        .as_object()
        .unwrap_or_else(|| panic!("sanso {command}: not an object: {doc}"));
    let top: Vec<&Field> = fields
        .iter()
        .filter(|f| !f.name.contains('.') && !f.name.starts_with('['))
        .collect();
    for field in &top {
        assert!(
            field.optional || object.contains_key(&field.name),
            "sanso {command}: documented field `{}` missing from {doc:#}",
            field.name
        );
    }
    for key in object.keys() {
        assert!(
            top.iter().any(|f| &f.name == key),
            "sanso {command}: field `{key}` is not in docs/json.md"
        );
    }
}

/// Each element of the array `doc` has the `[].field`s of the section.
fn assert_element_fields(command: &str, doc: &Value) {
    let fields = documented(command, 0);
    for element in doc.as_array().expect("an array") {
        for field in fields.iter().filter(|f| !f.optional) {
            let name = field.name.strip_prefix("[].").expect("[].field");
            assert!(
                element.get(name).is_some(),
                "sanso {command}: `{name}` missing from {element}"
            );
        }
    }
}

/// The failure document: `ok` false, `error` a non-empty string.
fn assert_failure(doc: &Value) {
    assert_eq!(doc["ok"], false, "{doc:#}");
    assert!(
        doc["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{doc:#}"
    );
    let fields = field_tables(&docs()[docs().find("## Failures\n").expect("Failures")..])
        .into_iter()
        .next()
        .expect("the failure table");
    for key in doc.as_object().expect("object").keys() {
        assert!(
            fields.iter().any(|f| &f.name == key),
            "failure field `{key}` not in docs/json.md, Failures: {doc:#}"
        );
    }
}

// ---------------------------------------------------------------------------
// running sanso

/// Stdout is exactly one JSON document.
fn json(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{stdout}\nstderr:\n{}",
            text(&out.stderr)
        )
    })
}

/// Runs `args` without and with `--json`: the same exit status; the
/// document and that status.
fn same_exit(args: &[&str]) -> (Value, i32) {
    let plain = sanso(args);
    let with = sanso(&[args, &["--json"]].concat());
    assert_eq!(
        code(&plain),
        code(&with),
        "sanso {args:?}: exit {} without --json, {} with; stdout: {}; stderr: {}",
        code(&plain),
        code(&with),
        text(&with.stdout),
        text(&with.stderr)
    );
    (json(&with), code(&with))
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path
}

/// The example with a flow `mn-browse` that breaks guardrail 2.
fn invalid_policy(dir: &Path) -> PathBuf {
    let policy = std::fs::read_to_string(example("policy.toml")).expect("example");
    write(
        dir,
        "bad.toml",
        &format!(
            "{policy}\n[[flows]]\nname = \"mn-browse\"\nfrom = [\"mn-office\"]\nto = [\"inet-office\"]\nservices = [\"https\"]\nreason = \"just browsing\"\n"
        ),
    )
}

// ---------------------------------------------------------------------------
// docs and CLI agree

/// The command paths of the CLI (`["check"]`, `["audit", "verify"]`, ...)
/// whose help lists `--json`, and all leaf command paths.
fn cli_commands(prefix: &[String]) -> Vec<(Vec<String>, bool)> {
    let args: Vec<&str> = prefix
        .iter()
        .map(String::as_str)
        .chain(["--help"])
        .collect();
    let out = sanso(&args);
    assert_eq!(code(&out), 0, "sanso {args:?}");
    let help = text(&out.stdout);
    let subcommands: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // A command's line, not the continuation of a long description.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    if subcommands.is_empty() {
        let has_json = help.lines().any(|l| l.trim_start().starts_with("--json"));
        return vec![(prefix.to_vec(), has_json)];
    }
    subcommands
        .into_iter()
        .flat_map(|name| {
            let mut path = prefix.to_vec();
            path.push(name);
            cli_commands(&path)
        })
        .collect()
}

#[test]
fn every_json_flag_has_a_section_and_every_section_a_json_flag() {
    let doc = docs();
    let documented = documented_commands(&doc);
    let commands = cli_commands(&[]);
    assert!(
        commands.len() > 15,
        "the CLI's commands were not found: {commands:?}"
    );
    for (path, has_json) in &commands {
        let name = path.join(" ");
        assert_eq!(
            *has_json,
            documented.contains(&name),
            "sanso {name}: --json {} but docs/json.md {} a section `## `sanso {name}``",
            if *has_json { "exists" } else { "does not" },
            if documented.contains(&name) {
                "has"
            } else {
                "lacks"
            },
        );
    }
    for name in &documented {
        assert!(
            commands.iter().any(|(p, _)| p.join(" ") == *name),
            "docs/json.md documents `sanso {name}`, which the CLI does not have"
        );
        // Every section says which exit status goes with which document,
        // and lists its fields.
        let text = section(&doc, name);
        assert!(
            text.contains("| exit | document |") || text.contains("as [`reload`]"),
            "sanso {name}: no exit table"
        );
        assert!(
            !field_tables(&text).is_empty(),
            "sanso {name}: no field table"
        );
    }
    for command in [
        "check", "apply", "reload", "confirm", "isolate", "release", "test", "verify",
    ] {
        assert!(
            documented.contains(&command.to_owned()),
            "sanso {command}: no --json section"
        );
    }
}

// ---------------------------------------------------------------------------
// without root

#[test]
fn check_json_says_valid_or_not_with_every_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (doc, exit) = same_exit(&["check", path(&example("policy.toml"))]);
    assert_eq!(exit, 0);
    assert_fields("check", 0, &doc);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["policy"]["zones"], 7);
    assert_eq!(doc["errors"], 0);

    let bad = invalid_policy(dir.path());
    let (doc, exit) = same_exit(&["check", path(&bad)]);
    assert_eq!(exit, 1);
    assert_fields("check", 0, &doc);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["policy"], Value::Null);
    assert_eq!(doc["errors"], 1);
    let d = &doc["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "G2");
    assert_eq!(d["file"], path(&bad));
    assert_eq!(d["subject"]["kind"], "flow");
    assert_eq!(d["subject"]["name"], "mn-browse");
    let header = std::fs::read_to_string(&bad)
        .expect("read")
        .lines()
        .position(|l| l == "name = \"mn-browse\"")
        .expect("line"); // the [[flows]] header is one above, 1-based
    assert_eq!(d["line"], header);
    assert_eq!(d["column"], 1);
    assert!(d["message"]
        .as_str()
        .expect("message")
        .contains("mn-browse"));
    assert!(d["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .any(|n| n.as_str().is_some_and(|n| n.starts_with("fix: "))));
    assert!(d["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .any(|l| l["message"] == "source" && l["line"] == header + 2));
    let documented: Vec<String> = documented("check", 0).into_iter().map(|f| f.name).collect();
    for key in d.as_object().expect("diagnostic").keys() {
        let doc = docs();
        let diagnostics = &doc[doc.find("## Diagnostics\n").expect("Diagnostics")..];
        assert!(
            field_tables(diagnostics)[0].iter().any(|f| &f.name == key),
            "diagnostic field `{key}` not in docs/json.md, Diagnostics"
        );
    }
    assert!(documented.contains(&"diagnostics".to_owned()));

    // A warning: valid, and refused with --deny-warnings (exit 1 either way).
    let policy = std::fs::read_to_string(example("policy.toml")).expect("example");
    let warned = write(
        dir.path(),
        "warned.toml",
        &format!("{policy}\n[[flows]]\nname = \"mn-dup\"\nfrom = [\"mn-office\"]\nto = [\"mn-servers\"]\nservices = [\"https\", \"https\"]\nreason = \"r\"\n"),
    );
    let (doc, exit) = same_exit(&["check", path(&warned)]);
    assert_eq!(exit, 0);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["warnings"], 1);
    assert_eq!(doc["diagnostics"][0]["severity"], "warning");
    assert_eq!(doc["diagnostics"][0]["code"], "W002");
    let (doc, exit) = same_exit(&["check", path(&warned), "--deny-warnings"]);
    assert_eq!(exit, 1);
    assert_fields("check", 0, &doc);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["valid"], true);
    assert!(doc["error"]
        .as_str()
        .expect("error")
        .contains("--deny-warnings"));

    // A file that cannot be read: the plain failure document.
    let (doc, exit) = same_exit(&["check", "/nonexistent/policy.toml"]);
    assert_eq!(exit, 1);
    assert_failure(&doc);
    assert!(doc["error"]
        .as_str()
        .expect("error")
        .contains("/nonexistent/policy.toml"));
}

#[test]
fn an_invalid_policy_is_the_same_failure_document_for_every_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = invalid_policy(dir.path());
    let bad = path(&bad);
    let good = example("policy.toml");
    let good = path(&good);
    let cases = example("cases.toml");
    let cases = path(&cases);
    let socket = dir.path().join("none.sock");
    let socket = path(&socket);
    let mut commands: Vec<Vec<&str>> = vec![
        vec![
            "explain",
            bad,
            "--from",
            "10.20.1.5",
            "--to",
            "10.30.1.1",
            "--proto",
            "tcp",
            "--port",
            "443",
        ],
        vec!["test", bad, cases],
        vec!["verify", bad, "--random", "10", "--userspace-only"],
        vec!["plan", bad, "--against", good],
        vec!["plan", good, "--against", bad],
        vec!["diff", good, bad],
        vec!["drift", bad],
        vec!["apply", bad, "--socket", socket],
        vec!["apply", bad, "--confirm", "60s", "--socket", socket],
    ];
    if cfg!(feature = "bench") {
        commands.push(vec!["bench", bad]);
    }
    for args in commands {
        let (doc, exit) = same_exit(&args);
        assert_eq!(exit, 1, "sanso {args:?}");
        assert_failure(&doc);
        assert_eq!(doc["file"], bad, "sanso {args:?}: {doc:#}");
        assert_eq!(doc["errors"], 1, "sanso {args:?}");
        assert_eq!(doc["diagnostics"][0]["code"], "G2", "sanso {args:?}");
        // The diagnostics are in the document, not on stderr as well.
        let out = sanso(&[&args[..], &["--json"]].concat());
        assert!(
            !text(&out.stderr).contains("error[G2]"),
            "sanso {args:?}: {}",
            text(&out.stderr)
        );
    }

    // A cases file that is invalid: its own diagnostics.
    let wrong = write(
        dir.path(),
        "cases.toml",
        "[[cases]]\nname = \"x\"\nfrom = \"10.20.1.5\"\nto = \"no-such-host\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\"\n",
    );
    let (doc, exit) = same_exit(&["test", good, path(&wrong)]);
    assert_eq!(exit, 1);
    assert_failure(&doc);
    assert_eq!(doc["file"], path(&wrong));
    assert_eq!(doc["diagnostics"][0]["subject"]["kind"], "case");
}

#[test]
fn explain_test_verify_plan_and_diff_print_their_documented_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = example("policy.toml");
    let policy = path(&policy);
    let cases = example("cases.toml");

    let (doc, exit) = same_exit(&[
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
    assert_eq!(exit, 0);
    assert_fields("explain", 0, &doc);
    assert_eq!(doc["verdict"], "accept");
    assert_eq!(doc["flow"]["name"], "screen-transfer");
    let (doc, exit) = same_exit(&[
        "explain",
        policy,
        "--from",
        "10.20.1.5",
        "--to",
        "no-such",
        "--proto",
        "tcp",
        "--port",
        "443",
    ]);
    assert_eq!(exit, 1);
    assert_failure(&doc);

    let (doc, exit) = same_exit(&["test", policy, path(&cases)]);
    assert_eq!(exit, 0);
    assert_fields("test", 0, &doc);
    assert_eq!(doc["failed"], 0);
    let failing = write(
        dir.path(),
        "failing.toml",
        "[[cases]]\nname = \"wrong on purpose\"\nfrom = \"10.20.1.5\"\nto = \"inet-vbrowser\"\nproto = \"tcp\"\nport = 443\nexpect = \"drop\"\n",
    );
    let (doc, exit) = same_exit(&["test", policy, path(&failing)]);
    assert_eq!(exit, 1, "failing cases exit 1, with the result");
    assert_fields("test", 0, &doc);
    assert_eq!(doc["failed"], 1);
    assert_eq!(doc["cases"][0]["pass"], false);
    assert_eq!(doc["cases"][0]["line"], 1);

    let (doc, exit) = same_exit(&[
        "verify",
        policy,
        "--random",
        "200",
        "--seed",
        "7",
        "--userspace-only",
    ]);
    assert_eq!(exit, 0);
    assert_fields("verify", 0, &doc);
    assert_eq!(doc["seed"], 7);

    let text = std::fs::read_to_string(policy).expect("example");
    let newer = write(
        dir.path(),
        "newer.toml",
        &text.replace("revision = \"2026-11-30.1\"", "revision = \"2026-12-01.1\""),
    );
    let (doc, exit) = same_exit(&["plan", path(&newer), "--against", policy]);
    assert_eq!(exit, 2, "a new revision changes the policy identity");
    assert_fields("plan", 0, &doc);
    assert_eq!(doc["new"]["revision"], "2026-12-01.1");
    let (doc, exit) = same_exit(&["plan", policy, "--against", policy]);
    assert_eq!(exit, 0);
    assert_fields("plan", 0, &doc);

    let (doc, exit) = same_exit(&["diff", policy, path(&newer)]);
    assert_eq!(exit, 2);
    assert_fields("diff", 0, &doc);
    let (doc, exit) = same_exit(&["diff", policy, policy]);
    assert_eq!(exit, 0);
    assert_fields("diff", 0, &doc);
    let state = dir.path().join("state");
    let (doc, exit) = same_exit(&["diff", "--list", "--state-dir", path(&state)]);
    assert_eq!(exit, 0);
    assert_eq!(doc, Value::Array(Vec::new()));
}

#[test]
fn the_daemon_commands_without_a_daemon_print_the_failure_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("none.sock");
    let socket = path(&socket);
    let policy = example("policy.toml");
    for args in [
        vec!["status", "--socket", socket],
        vec!["isolations", "--socket", socket],
        vec!["reload", "--socket", socket],
        vec!["confirm", "--socket", socket],
        vec!["isolate", "lg-office", "--reason", "r", "--socket", socket],
        vec!["release", "all", "--reason", "r", "--socket", socket],
        vec![
            "apply",
            path(&policy),
            "--confirm",
            "60s",
            "--socket",
            socket,
        ],
    ] {
        let (doc, exit) = same_exit(&args);
        assert_eq!(exit, 1, "sanso {args:?}");
        assert_failure(&doc);
        assert!(
            doc["error"].as_str().expect("error").contains(socket),
            "sanso {args:?}: {doc:#}"
        );
    }
    let (doc, exit) = same_exit(&["audit", "verify", "/nonexistent/audit.jsonl"]);
    assert_eq!(exit, 1);
    assert_failure(&doc);
}

#[test]
fn a_refused_command_line_with_json_is_a_failure_document_and_exit_2() {
    let out = sanso(&["check", "--json", "--no-such-option"]);
    assert_eq!(code(&out), 2);
    let doc = json(&out);
    assert_failure(&doc);
    assert_eq!(doc["usage"], true);
    assert!(text(&out.stderr).contains("--no-such-option"));
    // Help is not an error: it stays text.
    let out = sanso(&["check", "--json", "--help"]);
    assert_eq!(code(&out), 0);
    assert!(text(&out.stdout).contains("Usage"));
}

#[test]
#[cfg(feature = "bench")]
fn bench_json_has_its_documented_fields() {
    let (doc, exit) = same_exit(&["bench", "--synthetic", "--flows", "20"]);
    assert_eq!(exit, 0);
    assert_fields("bench", 0, &doc);
}

// ---------------------------------------------------------------------------
// as root: a throwaway namespace, a daemon

fn test_policy(revision: &str) -> String {
    include_str!("../../sanso-daemon/tests/fixtures/kernel-test.toml")
        .replace("@REVISION@", revision)
}

#[test]
fn apply_drift_and_plan_live_in_a_throwaway_namespace() {
    if !is_root() {
        println!("skipped: needs root (network namespaces)");
        return;
    }
    let ns = Netns::new("json-apply");
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(dir.path(), "policy.toml", &test_policy("r1"));
    let policy = path(&policy);
    let socket = dir.path().join("no-daemon.sock");
    let socket = path(&socket);

    // --strict without the interfaces: nothing applied, exit 1, and which.
    let (doc, exit) = same_exit(&[
        "apply", policy, "--netns", &ns.0, "--socket", socket, "--strict",
    ]);
    assert_eq!(exit, 1);
    assert_eq!(doc["ok"], false);
    assert!(doc["error"]
        .as_str()
        .is_some_and(|e| e.contains("--strict")));
    assert_eq!(doc["missing_interfaces"].as_array().map(Vec::len), Some(2));

    // Applied and verified.
    let out = sanso(&[
        "apply", policy, "--netns", &ns.0, "--socket", socket, "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let doc = json(&out);
    assert_fields("apply", 0, &doc);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["verified"], true);
    assert_eq!(doc["netns"], ns.0.as_str());
    assert_eq!(doc["policy"]["revision"], "r1");
    assert!(doc["checked"]["rules"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(doc["missing_interfaces"].as_array().map(Vec::len), Some(2));

    // The table changed between the apply and its read-back: applied, not
    // verified, exit 1 as without --json.
    let hook = format!("ip netns exec {} nft add chain inet sanso extra", ns.0);
    let run = |json: bool| {
        let mut args = vec!["apply", policy, "--netns", &ns.0, "--socket", socket];
        if json {
            args.push("--json");
        }
        Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args(&args)
            .env("NO_COLOR", "1")
            .env("SANSO_TEST_BETWEEN_APPLY_AND_READBACK", &hook)
            .output()
            .expect("run sanso")
    };
    let plain = run(false);
    let out = run(true);
    assert_eq!(code(&plain), 1, "{}", text(&plain.stderr));
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    let doc = json(&out);
    assert_fields("apply", 0, &doc);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["applied"], true);
    assert_eq!(doc["verified"], false);
    assert!(doc["error"]
        .as_str()
        .is_some_and(|e| e.contains("not rolled back")));
    assert!(doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .any(|p| p.as_str().is_some_and(|p| p.contains("extra"))));

    // Drift: the extra chain is a difference (exit 2); gone, none (exit 0).
    let (doc, exit) = same_exit(&["drift", policy, "--netns", &ns.0]);
    assert_eq!(exit, 2);
    assert_fields("drift", 0, &doc);
    ns.nft(&["delete", "chain", "inet", "sanso", "extra"]);
    let (doc, exit) = same_exit(&["drift", policy, "--netns", &ns.0]);
    assert_eq!(exit, 0);
    assert_fields("drift", 0, &doc);

    // plan --live: nothing to change, then a new revision to apply.
    let (doc, exit) = same_exit(&["plan", policy, "--live", "--netns", &ns.0]);
    assert_eq!(exit, 0);
    assert_fields("plan", 1, &doc);
    let newer = write(dir.path(), "newer.toml", &test_policy("r2"));
    let (doc, exit) = same_exit(&["plan", path(&newer), "--live", "--netns", &ns.0]);
    assert_eq!(exit, 2);
    assert_fields("plan", 1, &doc);
    let diff = doc["text_diff"].as_str().expect("text_diff");
    assert!(
        diff.starts_with("--- live\n+++ new\n"),
        "the live table is the old side: {diff}"
    );
}

#[test]
fn the_daemons_answers_status_isolations_and_audit_verify() {
    if !is_root() {
        println!("skipped: needs root (network namespaces)");
        return;
    }
    let ns = Netns::new("json-daemon");
    ns.add_links();
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = write(dir.path(), "policy.toml", &test_policy("r1"));
    let candidate = write(dir.path(), "candidate.toml", &test_policy("r2"));
    let socket = dir.path().join("sanso.sock");
    let socket = path(&socket);
    let state = dir.path().join("state");
    let _daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args([
                "daemon",
                "--policy",
                path(&policy),
                "--netns",
                &ns.0,
                "--state-dir",
                path(&state),
                "--socket",
                socket,
                "--watch-interval",
                "1h",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sanso daemon"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let out = sanso(&["status", "--socket", socket, "--json"]);
        if code(&out) == 0 {
            let doc = json(&out);
            if doc["policy"]["revision"] == "r1" {
                break doc;
            }
        } else {
            assert_failure(&json(&out));
        }
        assert!(Instant::now() < deadline, "the daemon did not apply r1");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_fields("status", 0, &status);
    assert_eq!(status["netns"], ns.0.as_str());
    let events = json(&sanso(&["events", "--socket", socket, "--json"]));
    assert_fields("events", 0, &events);
    assert_eq!(events["nflog"]["group"], 2900, "{events:#}");

    let answer = |args: &[&str], expected: i32| {
        let out = sanso(&[args, &["--socket", socket, "--json"]].concat());
        assert_eq!(
            code(&out),
            expected,
            "sanso {args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        json(&out)
    };
    let done = |command: &str, doc: &Value| {
        assert_fields(command, 0, doc);
        assert_eq!(doc["ok"], true, "{doc:#}");
        assert!(doc["message"].as_str().is_some_and(|m| !m.is_empty()));
    };

    done("reload", &answer(&["reload"], 0));
    let doc = answer(
        &[
            "apply",
            path(&candidate),
            "--confirm",
            "60s",
            "--ticket",
            "T-1",
        ],
        0,
    );
    done("reload", &doc);
    assert!(doc["message"]
        .as_str()
        .is_some_and(|m| m.contains("sanso confirm")));
    done("confirm", &answer(&["confirm"], 0));
    // Nothing left to confirm: the daemon's refusal, exit 1 as in text.
    let doc = answer(&["confirm"], 1);
    assert_failure(&doc);
    let out = sanso(&["confirm", "--socket", socket]);
    assert_eq!(code(&out), 1);

    done(
        "isolate",
        &answer(&["isolate", "lg", "--reason", "json test"], 0),
    );
    let doc = answer(&["isolate", "no-such-target", "--reason", "json test"], 1);
    assert_failure(&doc);
    let listed = answer(&["isolations"], 0);
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed:#}");
    assert_element_fields("isolations", &listed);
    assert_eq!(listed[0]["target"], "lg");
    let status = answer(&["status"], 0);
    assert_fields("status", 0, &status);
    assert_eq!(status["isolations"], listed);
    done(
        "release",
        &answer(&["release", "all", "--reason", "json test"], 0),
    );
    assert_eq!(answer(&["isolations"], 0), Value::Array(Vec::new()));

    // The audit log the daemon wrote, and the archive of what it applied.
    let log = state.join("audit.jsonl");
    let (doc, exit) = same_exit(&["audit", "verify", path(&log)]);
    assert_eq!(exit, 0);
    assert_fields("audit verify", 0, &doc);
    assert_eq!(doc["status"], "intact");
    let (doc, exit) = same_exit(&["diff", "--list", "--state-dir", path(&state)]);
    assert_eq!(exit, 0);
    assert_eq!(doc.as_array().map(Vec::len), Some(2), "{doc:#}");
}
