//! `sanso boot` (issue 17) in throwaway namespaces, against a state
//! directory as the daemon writes it (`sanso_daemon::actor::last_good::save`,
//! `Isolations::save`):
//!
//! * the last good policy comes back through netlink with its isolation,
//!   read back in the namespace (`nft list`);
//! * a `last-good.json` that does not belong to `last-good.nft`, a saved
//!   policy that no longer compiles, and a missing `last-good.json` each
//!   fall back to the nft text (with the isolation), saying why;
//! * a broken text falls back to the closed fallback, saying so, and so
//!   does a FIFO in its place, which is never waited on;
//! * `--json` has the fields docs/json.md lists for `sanso boot`;
//! * `deploy/sanso-boot` runs `sanso boot` when the binary is there, and
//!   its own `nft -f` chain when it is not.
//!
//! `measure_boot` (ignored; run it by name with `--release -- --ignored
//! --nocapture`) measures boot through netlink against `nft -f` of the
//! same `last-good.nft` at 10,000 and 100,000 synthetic flows.
//!
//! Needs root; skips with a printed reason otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{code, is_root, root_dir, text, Netns};
use sanso_daemon::actor::last_good::{self, SavedRestore};
use sanso_daemon::actor::{LAST_GOOD_FILE, LAST_GOOD_RESTORE_FILE};
use sanso_daemon::compile::{compile, Compiled, PolicySource};
use sanso_daemon::isolation::{IsolationEntry, Isolations, TargetKind, ISOLATIONS_FILE};
use serde_json::Value;

fn policy(revision: &str) -> String {
    format!(
        r#"[policy]
name = "boot-test"
revision = "{revision}"

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]

[zones.ext]
tier = "external"
beyond = "lgwan"
interfaces = ["wan0"]
networks = ["10.250.0.0/16"]

[[flows]]
name = "lg-web"
from = ["lg"]
to = ["ext"]
services = ["https"]
reason = "test"
"#
    )
}

fn compiled(revision: &str) -> Compiled {
    compile(
        PolicySource {
            file: "/etc/sanso/policy.toml".into(),
            text: policy(revision),
        },
        jiff::Timestamp::now().as_second(),
    )
    .expect("valid policy")
}

/// A state directory as the daemon leaves it after applying `revision`,
/// with 10.20.1.5 isolated.
fn state(revision: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    last_good::save(dir.path(), &compiled(revision)).expect("saved");
    let isolations = Isolations {
        entries: vec![IsolationEntry {
            target: "10.20.1.5".into(),
            kind: TargetKind::Prefix,
            tier: None,
            prefixes: vec!["10.20.1.5/32".parse().expect("prefix")],
            reason: "test".into(),
            ticket: None,
            by: serde_json::json!({ "uid": 0 }),
            since: "2026-12-06T00:00:00Z".into(),
            until: None,
        }],
    };
    isolations.save(dir.path()).expect("isolations saved");
    dir
}

/// A namespace `sanso-<pid>-<tag><n>`, unique in the run.
fn fresh(tag: &str) -> Netns {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    Netns::new(&format!("{tag}{}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

fn fallback_file() -> PathBuf {
    root_dir().join("deploy/fallback.nft")
}

/// `sanso boot` for `state` in `ns`, with `extra` arguments.
fn boot(ns: &Netns, state: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(["boot", "--lang", "en", "--netns", &ns.0, "--state-dir"])
        .arg(state)
        .arg("--fallback")
        .arg(fallback_file())
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .expect("run sanso boot")
}

/// `sanso boot --json`: exit 0 and the document.
fn boot_json(ns: &Netns, state: &Path) -> Value {
    let out = boot(ns, state, &["--json"]);
    assert_eq!(
        code(&out),
        0,
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_str(&text(&out.stdout)).expect("one JSON document")
}

/// The elements of set `name` as `nft list set` shows them.
fn set_text(ns: &Netns, name: &str) -> String {
    let out = Command::new("ip")
        .args([
            "netns", "exec", &ns.0, "nft", "list", "set", "inet", "sanso", name,
        ])
        .output()
        .expect("nft list set");
    text(&out.stdout)
}

/// The table in `ns` is `revision`'s and 10.20.1.5 is isolated.
fn assert_restored(ns: &Netns, revision: &str) {
    let table = ns.table();
    assert!(
        table.contains(&format!("sanso boot-test rev {revision} sha256:")),
        "{table}"
    );
    let isolated = set_text(ns, "isolated4");
    assert!(isolated.contains("10.20.1.5"), "{isolated}");
}

#[test]
fn restores_the_last_good_policy_with_its_isolation_through_netlink() {
    if !is_root() {
        return;
    }
    let state = state("r1");
    let ns = fresh("boot-nl");
    // Something else loaded before: replaced.
    ns.nft(&["-f", fallback_file().to_str().expect("utf-8")]);
    let doc = boot_json(&ns, state.path());
    assert_eq!(doc["ok"], true, "{doc:#}");
    assert_eq!(doc["loaded"], "netlink", "{doc:#}");
    assert_eq!(doc["verified"], true, "{doc:#}");
    assert_eq!(doc["isolated"], 1, "{doc:#}");
    assert_eq!(doc["fallbacks"], serde_json::json!([]), "{doc:#}");
    assert_eq!(doc["policy"]["revision"], "r1", "{doc:#}");
    for key in [
        "read_ms",
        "compile_ms",
        "apply_ms",
        "verify_ms",
        "loaded_ms",
    ] {
        assert!(doc[key].as_f64().is_some(), "{key}: {doc:#}");
    }
    assert_restored(&ns, "r1");
    assert_fields_documented(&doc);
    // What the daemon's next start record carries.
    let record = last_good::boot_record_detail(state.path());
    assert_eq!(record["loaded"], "netlink", "{record:#}");
    assert_eq!(record["policy"]["revision"], "r1", "{record:#}");
    assert_eq!(record["isolated"], 1, "{record:#}");
    assert!(
        record["loaded_microseconds"].as_u64().is_some(),
        "{record:#}"
    );

    // The text says so, "verified" after "loaded".
    let out = boot(&ns, state.path(), &[]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let loaded = stdout
        .find("loaded the last good policy boot-test rev r1 through netlink, with 1 isolated address range")
        .unwrap_or_else(|| panic!("{stdout}"));
    let verified = stdout
        .find("verified:")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(loaded < verified, "{stdout}");
    assert_restored(&ns, "r1");
}

/// `sanso boot` with `state` in a fresh namespace: it loads the nft text
/// with the isolation, and says why the netlink restore was not used
/// (`why` in the stderr and the document).
fn assert_falls_back_to_text(state: &Path, revision: &str, why: &str) {
    let ns = fresh("boot-tx");
    let doc = boot_json(&ns, state);
    assert_eq!(doc["loaded"], "nft-text", "{doc:#}");
    assert_eq!(doc["verified"], false, "{doc:#}");
    assert_eq!(doc["fallbacks"][0]["step"], "netlink", "{doc:#}");
    let error = doc["fallbacks"][0]["error"].as_str().expect("error");
    assert!(error.contains(why), "{why:?} not in {error:?}");
    assert_restored(&ns, revision);
    assert_fields_documented(&doc);

    let ns = fresh("boot-tx");
    let out = boot(&ns, state, &[]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains(why), "{stderr}");
    assert!(
        stderr.contains("loading the nft text of the last good ruleset instead"),
        "{stderr}"
    );
    assert!(
        stdout.contains("loaded the last good ruleset") && stdout.contains("with the isolation"),
        "{stdout}"
    );
    assert_restored(&ns, revision);
}

#[test]
fn a_pair_that_does_not_belong_together_falls_back_to_the_nft_text() {
    if !is_root() {
        return;
    }
    // The daemon died between its two renames: the text is r2's, the
    // policy beside it r1's.
    let state = state("r1");
    std::fs::write(state.path().join(LAST_GOOD_FILE), compiled("r2").text).expect("write");
    assert_falls_back_to_text(state.path(), "r2", "is not the text saved with");
}

#[test]
fn a_saved_policy_that_no_longer_compiles_falls_back_to_the_nft_text() {
    if !is_root() {
        return;
    }
    // A pair whose hashes hold, but whose policy this sanso refuses (as a
    // stricter later version would).
    let state = state("r1");
    let json = state.path().join(LAST_GOOD_RESTORE_FILE);
    let nft = state.path().join(LAST_GOOD_FILE);
    let mut saved: SavedRestore =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("read")).expect("parse");
    let refused = saved
        .policy
        .replace("tier = \"lgwan\"", "tier = \"nowhere\"");
    let hash = sanso_policy::content_hash(&refused);
    let text = std::fs::read_to_string(&nft)
        .expect("read")
        .replace(&saved.policy_sha256[..16], &hash[..16]);
    std::fs::write(&nft, &text).expect("write");
    saved.policy = refused;
    saved.policy_sha256 = hash;
    saved.nft_sha256 = sanso_policy::content_hash(&text);
    std::fs::write(&json, serde_json::to_string(&saved).expect("json")).expect("write");
    assert!(
        last_good::load(state.path()).is_ok(),
        "the pair belongs together"
    );
    assert_falls_back_to_text(
        state.path(),
        "r1",
        "the saved policy no longer compiles: /etc/sanso/policy.toml:",
    );
}

#[test]
fn a_missing_restore_file_falls_back_to_the_nft_text() {
    if !is_root() {
        return;
    }
    // As left by a daemon older than `sanso boot`.
    let state = state("r1");
    std::fs::remove_file(state.path().join(LAST_GOOD_RESTORE_FILE)).expect("rm");
    assert_falls_back_to_text(state.path(), "r1", "last-good.json does not exist");
}

#[test]
fn lost_isolation_entries_fall_back_to_the_nft_text_that_still_isolates() {
    if !is_root() {
        return;
    }
    let state = state("r1");
    std::fs::remove_file(state.path().join(ISOLATIONS_FILE)).expect("rm");
    assert_falls_back_to_text(state.path(), "r1", "isolations.json is missing");
}

#[test]
fn a_broken_text_falls_back_to_the_closed_fallback() {
    if !is_root() {
        return;
    }
    let state = state("r1");
    std::fs::remove_file(state.path().join(LAST_GOOD_RESTORE_FILE)).expect("rm");
    std::fs::write(
        state.path().join(LAST_GOOD_FILE),
        "table inet sanso { garbage",
    )
    .expect("write");
    let ns = fresh("boot-fb");
    let doc = boot_json(&ns, state.path());
    assert_eq!(doc["loaded"], "fallback", "{doc:#}");
    let steps: Vec<&str> = doc["fallbacks"]
        .as_array()
        .expect("fallbacks")
        .iter()
        .filter_map(|f| f["step"].as_str())
        .collect();
    // The text with the isolation, then alone: both refused.
    assert_eq!(steps, ["netlink", "nft-text", "nft-text"], "{doc:#}");
    let record = last_good::boot_record_detail(state.path());
    assert_eq!(record["loaded"], "fallback", "{record:#}");
    assert_eq!(
        record["fallbacks"],
        serde_json::json!(["netlink", "nft-text", "nft-text"])
    );
    assert!(ns.table().contains("sanso fallback: closed"));
    assert_fields_documented(&doc);

    let ns = fresh("boot-fb");
    let out = boot(&ns, state.path(), &[]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("WHAT WAS ISOLATED IS NOT"), "{stderr}");
    assert!(stderr.contains("nft refused"), "{stderr}");
    assert!(stderr.contains("; loading the closed fallback"), "{stderr}");
    assert!(
        stdout.contains("loaded the closed fallback") && stdout.contains("nothing is forwarded"),
        "{stdout}"
    );
    assert!(ns.table().contains("sanso fallback: closed"));

    // No state at all (a first boot): the closed fallback, and why; and
    // with the fallback file gone too, the copy built in.
    let empty = tempfile::tempdir().expect("dir");
    let ns = fresh("boot-fb");
    let out = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(["boot", "--lang", "en", "--netns", &ns.0, "--state-dir"])
        .arg(empty.path())
        .arg("--fallback")
        .arg(empty.path().join("no-such-fallback.nft"))
        .output()
        .expect("sanso boot");
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("there is no last good ruleset"), "{stderr}");
    assert!(stderr.contains("there is no closed fallback"), "{stderr}");
    assert!(
        stdout.contains("loaded the closed fallback built into sanso"),
        "{stdout}"
    );
    assert!(ns.table().contains("sanso fallback: closed"));
}

/// A FIFO in place of `last-good.nft` is never waited on: boot says it is
/// not a regular file and loads the closed fallback (bounded: `timeout`
/// kills a boot that would block on the FIFO, and the test fails).
#[test]
fn a_fifo_in_place_of_the_text_is_not_waited_on() {
    if !is_root() {
        return;
    }
    let state = state("r1");
    std::fs::remove_file(state.path().join(LAST_GOOD_RESTORE_FILE)).expect("rm");
    let text_file = state.path().join(LAST_GOOD_FILE);
    std::fs::remove_file(&text_file).expect("rm");
    let made = Command::new("mkfifo")
        .arg(&text_file)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let ns = fresh("boot-fifo");
    let out = Command::new("timeout")
        .arg("30")
        .arg(env!("CARGO_BIN_EXE_sanso"))
        .args(["boot", "--lang", "en", "--netns", &ns.0, "--state-dir"])
        .arg(state.path())
        .arg("--fallback")
        .arg(fallback_file())
        .output()
        .expect("sanso boot");
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{} is not a regular file", text_file.display())),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains("loaded the closed fallback"),
        "{}",
        text(&out.stdout)
    );
    assert!(ns.table().contains("sanso fallback: closed"));
}

#[test]
fn nothing_loaded_is_a_failure_that_says_why() {
    if !is_root() {
        return;
    }
    // A namespace that does not exist: every step fails.
    let state = state("r1");
    let missing = format!("sanso-{}-boot-none", std::process::id());
    let out = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args([
            "boot",
            "--lang",
            "en",
            "--json",
            "--netns",
            &missing,
            "--state-dir",
        ])
        .arg(state.path())
        .arg("--fallback")
        .arg(fallback_file())
        .output()
        .expect("sanso boot");
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
    let doc: Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    assert_eq!(doc["ok"], false, "{doc:#}");
    let error = doc["error"].as_str().expect("error");
    assert!(error.contains("FAILED to load any ruleset"), "{error}");
    assert!(error.contains("netlink: "), "{error}");
    assert!(error.contains("built-in-fallback: "), "{error}");
}

/// `deploy/sanso-boot` with `sanso` (SANSO_BIN): the netlink restore; with
/// no binary there: its own `nft -f` chain, with the isolation.
#[test]
fn the_boot_script_runs_sanso_boot_and_falls_back_to_nft_without_it() {
    if !is_root() {
        return;
    }
    let state = state("r1");
    let script = |ns: &Netns, bin: &Path| {
        Command::new("ip")
            .args(["netns", "exec", &ns.0])
            .arg(root_dir().join("deploy/sanso-boot"))
            .arg(state.path().join(LAST_GOOD_FILE))
            .arg(fallback_file())
            .env("SANSO_BIN", bin)
            .env("LANG", "C")
            .output()
            .expect("sanso-boot")
    };
    let ns = fresh("boot-sh");
    let out = script(&ns, Path::new(env!("CARGO_BIN_EXE_sanso")));
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("through netlink"),
        "{}",
        text(&out.stdout)
    );
    assert_restored(&ns, "r1");

    let ns = fresh("boot-sh");
    let out = script(&ns, &state.path().join("no-such-sanso"));
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("with the isolation in"),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("no-such-sanso"));
    assert_restored(&ns, "r1");
}

// ---------------------------------------------------------------------------
// docs/json.md, section `sanso boot`

/// The top-level fields the section's field table lists, and whether each
/// may be absent.
fn documented_fields() -> Vec<(String, bool)> {
    let doc = std::fs::read_to_string(root_dir().join("docs/json.md")).expect("docs/json.md");
    let start = doc
        .find("## `sanso boot`\n")
        .expect("a section for sanso boot");
    let body = &doc[start..];
    let body = &body[..body[1..].find("\n## ").map_or(body.len(), |i| i + 1)];
    let table = body
        .split("| field | type | meaning |")
        .nth(1)
        .expect("a field table");
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|l| {
            let cells: Vec<&str> = l.split('|').collect();
            let optional = cells.get(2).is_some_and(|c| c.contains("absent"));
            cells[1]
                .split('`')
                .skip(1)
                .step_by(2)
                .map(move |n| (n.to_owned(), optional))
                .collect::<Vec<_>>()
        })
        .filter(|(n, _)| !n.contains('.') && !n.contains('['))
        .collect()
}

/// `doc` has every documented field (that may not be absent) and no other.
fn assert_fields_documented(doc: &Value) {
    let fields = documented_fields();
    let object = doc.as_object().expect("an object");
    for (name, optional) in &fields {
        assert!(
            *optional || object.contains_key(name),
            "documented field `{name}` missing: {doc:#}"
        );
    }
    for key in object.keys() {
        assert!(
            fields.iter().any(|(n, _)| n == key),
            "field `{key}` is not in docs/json.md's section for sanso boot"
        );
    }
}

// ---------------------------------------------------------------------------
// The measurement (issue 17): not a timed test; it prints.

/// One run of `sanso boot --json` in a fresh namespace.
fn measured_boot(state: &Path) -> Value {
    let ns = fresh("boot-m");
    let doc = boot_json(&ns, state);
    assert_eq!(doc["loaded"], "netlink", "{doc:#}");
    doc
}

/// `nft -f last-good.nft` in a fresh namespace: its wall time in ms.
fn measured_text(state: &Path) -> f64 {
    let ns = fresh("boot-m");
    let started = Instant::now();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0, "nft", "-f"])
        .arg(state.join(LAST_GOOD_FILE))
        .output()
        .expect("nft -f");
    let took = started.elapsed().as_secs_f64() * 1000.0;
    assert!(out.status.success(), "{}", text(&out.stderr));
    took
}

/// Boot through netlink against `nft -f` of the same last-good.nft, at
/// 10,000 and 100,000 synthetic flows (or `SANSO_BOOT_FLOWS`, comma
/// separated), `SANSO_BOOT_ROUNDS` rounds each (default 3), interleaved.
#[test]
#[ignore = "a measurement: run it by name, in release, as root"]
fn measure_boot() {
    if !is_root() {
        return;
    }
    let flows: Vec<usize> = std::env::var("SANSO_BOOT_FLOWS")
        .unwrap_or_else(|_| "10000,100000".into())
        .split(',')
        .map(|f| f.trim().parse().expect("a number of flows"))
        .collect();
    let rounds: usize = std::env::var("SANSO_BOOT_ROUNDS")
        .ok()
        .map_or(3, |r| r.parse().expect("rounds"));
    for n in flows {
        let dir = tempfile::tempdir().expect("dir");
        let policy = dir.path().join("policy.toml");
        let out = common::sanso(&[
            "bench",
            "--synthetic",
            "--flows",
            &n.to_string(),
            "--save-policy",
            policy.to_str().expect("utf-8"),
        ]);
        assert_eq!(code(&out), 0, "{}", text(&out.stderr));
        let source = PolicySource {
            file: policy.display().to_string(),
            text: std::fs::read_to_string(&policy).expect("policy"),
        };
        let compiled =
            compile(source, jiff::Timestamp::now().as_second()).expect("a valid synthetic policy");
        let state = dir.path().join("state");
        std::fs::create_dir(&state).expect("state dir");
        last_good::save(&state, &compiled).expect("saved");
        let nft_bytes = compiled.text.len();
        drop(compiled);
        let mut docs = Vec::new();
        let mut texts = Vec::new();
        for round in 1..=rounds {
            let doc = measured_boot(&state);
            let text_ms = measured_text(&state);
            println!(
                "boot {n} flows, round {round}: netlink read {} ms, compile {} ms, apply {} ms, \
                 loaded after {} ms, verify {} ms, total {} ms; nft -f {text_ms:.0} ms",
                doc["read_ms"],
                doc["compile_ms"],
                doc["apply_ms"],
                doc["loaded_ms"],
                doc["verify_ms"],
                doc["total_ms"]
            );
            docs.push(doc);
            texts.push(text_ms);
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let field = |key: &str| median(docs.iter().map(|d| d[key].as_f64().expect(key)).collect());
        let (loaded, text_ms) = (field("loaded_ms"), median(texts.clone()));
        println!(
            "boot {n} flows ({:.0} MB of nft text), median of {rounds}: netlink read {:.0} ms, \
             compile {:.0} ms, apply {:.0} ms, loaded after {:.0} ms, verify {:.0} ms, total {:.0} ms; \
             nft -f {:.0} ms (all: {texts:.0?}); loaded/nft -f = {:.3}",
            nft_bytes as f64 / 1e6,
            field("read_ms"),
            field("compile_ms"),
            field("apply_ms"),
            loaded,
            field("verify_ms"),
            field("total_ms"),
            text_ms,
            loaded / text_ms,
        );
    }
}
