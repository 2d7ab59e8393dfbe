//! `sanso audit verify` against the faults a probe found verifying as
//! intact: records cut from the end, a record appended with a recomputed
//! hash, a full rewrite, an emptied log, a duplicated JSON key; and a torn
//! last record, recovered the way the daemon does at start.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sanso_daemon::audit::{AuditLog, Entry, EventKind, PolicyRef};

fn sanso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        .output()
        .expect("run sanso")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn entry(event: EventKind, n: u64) -> Entry {
    Entry {
        event,
        uid: 0,
        policy: Some(PolicyRef {
            name: "example-city".into(),
            revision: Some(format!("rev-{n}")),
            content_hash: format!("{n:064x}"),
        }),
        detail: serde_json::json!({ "n": n, "file": "/etc/sanso/policy.toml" }),
    }
}

/// A state directory with a log of `n` records and its head file, as the
/// daemon leaves it.
struct State {
    dir: tempfile::TempDir,
}

impl State {
    fn with(n: u64) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = State { dir };
        state.append(n);
        state
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    fn head_file(&self) -> PathBuf {
        self.dir.path().join("audit.head")
    }

    fn append(&self, n: u64) {
        let mut log = AuditLog::open(&self.log()).expect("open");
        for i in 0..n {
            log.append(&entry(EventKind::Apply, i)).expect("append");
        }
    }

    /// The head as the daemon logs it (`audit_head=COUNT:HASH`).
    fn head(&self) -> String {
        AuditLog::open(&self.log())
            .expect("open")
            .anchor()
            .to_string()
    }

    fn lines(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.log()).expect("read");
        text.lines().map(str::to_owned).collect()
    }

    fn write_lines(&self, lines: &[String]) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(self.log(), text).expect("write");
    }

    fn verify(&self, extra: &[&str]) -> (i32, String) {
        let log = self.log();
        let mut args = vec!["audit", "verify", log.to_str().expect("path")];
        args.extend_from_slice(extra);
        let out = sanso(&args);
        let text = stdout(&out) + &String::from_utf8_lossy(&out.stderr);
        (code(&out), text)
    }
}

#[test]
fn an_intact_log_matches_its_head_file() {
    let state = State::with(3);
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 0, "{text}");
    let head = state.head();
    assert!(
        text.contains(&format!("intact, 3 records, head {head}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}: ok:", state.head_file().display())),
        "{text}"
    );
    assert!(!text.contains("internal consistency"), "{text}");
}

#[test]
fn without_a_head_only_internal_consistency_is_checked() {
    let state = State::with(3);
    std::fs::remove_file(state.head_file()).expect("rm");
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 0, "{text}");
    assert!(
        text.contains("only the chain's internal consistency was checked"),
        "{text}"
    );
    assert!(text.contains("cannot be detected"), "{text}");
}

#[test]
fn the_last_line_deleted_is_a_mismatch() {
    let state = State::with(5);
    let mut lines = state.lines();
    lines.pop();
    state.write_lines(&lines);
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 2, "{text}");
    assert!(text.contains("MISMATCH"), "{text}");
    assert!(text.contains("1 record missing at the end"), "{text}");
}

#[test]
fn the_last_ten_deleted_are_a_mismatch() {
    let state = State::with(12);
    let lines = state.lines();
    state.write_lines(&lines[..2]);
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 2, "{text}");
    assert!(text.contains("10 records missing at the end"), "{text}");
}

#[test]
fn an_appended_record_with_a_recomputed_hash_is_a_mismatch() {
    let state = State::with(4);
    // The forger continues the chain with a valid record in a copy, and
    // puts the longer log back beside the old head file.
    let forge = tempfile::tempdir().expect("tempdir");
    let copy = forge.path().join("audit.jsonl");
    std::fs::copy(state.log(), &copy).expect("copy");
    std::fs::copy(state.head_file(), forge.path().join("audit.head")).expect("copy");
    AuditLog::open(&copy)
        .expect("open")
        .append(&entry(EventKind::Confirm, 99))
        .expect("append");
    std::fs::copy(&copy, state.log()).expect("copy back");
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 2, "{text}");
    assert!(text.contains("intact, 5 records"), "{text}");
    assert!(
        text.contains("is record 4; the log continues after it by 1 record"),
        "{text}"
    );
}

#[test]
fn a_full_rewrite_is_found_with_the_head_kept_elsewhere() {
    let state = State::with(5);
    let kept = state.head();
    std::fs::remove_file(state.log()).expect("rm");
    std::fs::remove_file(state.head_file()).expect("rm");
    state.append(5);
    // The rewrite comes with its own head file, so only the kept head tells.
    assert_eq!(state.verify(&[]).0, 0);
    let (exit, text) = state.verify(&["--head", &kept]);
    assert_eq!(exit, 2, "{text}");
    assert!(text.contains("--head: MISMATCH"), "{text}");
    assert!(
        text.contains("the log was cut before it, rewritten or replaced"),
        "{text}"
    );
    let hash = kept.split_once(':').expect("count:hash").1;
    let (exit, text) = state.verify(&["--head", hash, "--count", "5"]);
    assert_eq!(exit, 2, "{text}");
}

#[test]
fn an_earlier_head_is_accepted_and_the_rest_counted() {
    let state = State::with(3);
    let kept = state.head();
    state.append(2);
    let hash = kept.split_once(':').expect("count:hash").1;
    for head in [kept.as_str(), hash] {
        let (exit, text) = state.verify(&["--head", head]);
        assert_eq!(exit, 0, "{text}");
        assert!(
            text.contains("the log continues after it by 2 records"),
            "{text}"
        );
    }
    let (exit, text) = state.verify(&["--head", &state.head()]);
    assert_eq!(exit, 0, "{text}");
    assert!(text.contains("--head: ok: the head"), "{text}");
    assert!(text.contains("is the log's last record"), "{text}");
}

#[test]
fn an_empty_log_with_a_head_file_is_a_mismatch() {
    let state = State::with(5);
    std::fs::write(state.log(), "").expect("empty");
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 2, "{text}");
    assert!(text.contains("intact, 0 records"), "{text}");
    assert!(text.contains("5 records missing at the end"), "{text}");
}

#[test]
fn a_duplicated_json_key_breaks_the_chain() {
    let state = State::with(3);
    let mut lines = state.lines();
    // serde_json keeps the last of two keys, so the hash still matches.
    lines[1] = lines[1].replacen("\"uid\":0", "\"uid\":1000,\"uid\":0", 1);
    state.write_lines(&lines);
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 2, "{text}");
    assert!(
        text.contains("audit.jsonl:2: chain broken: duplicate key `uid`"),
        "{text}"
    );
}

#[test]
fn a_torn_last_record_is_recovered_and_the_chain_goes_on() {
    let state = State::with(8);
    let mut bytes = std::fs::read(state.log()).expect("read");
    bytes.extend_from_slice(b"{\"detail\":{\"file\":\"/etc/sanso/pol");
    std::fs::write(state.log(), &bytes).expect("write");
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 2, "{text}");
    assert!(
        text.contains(":9: chain broken: the last record is incomplete"),
        "{text}"
    );

    let (mut log, recoveries) = AuditLog::open_recovering(&state.log()).expect("recover");
    assert_eq!(recoveries.len(), 1, "{recoveries:?}");
    assert_eq!(recoveries[0].kind(), "torn-tail");
    log.append(&recoveries[0].entry(0)).expect("append");
    log.append(&entry(EventKind::Start, 10)).expect("append");
    drop(log);
    let (exit, text) = state.verify(&[]);
    assert_eq!(exit, 0, "{text}");
    assert!(text.contains("intact, 10 records"), "{text}");
    assert!(text.contains("audit.head: ok"), "{text}");
    let torn: Vec<PathBuf> = std::fs::read_dir(state.dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").path())
        .filter(|p| is_torn(p))
        .collect();
    assert_eq!(torn.len(), 1, "{torn:?}");
}

fn is_torn(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("audit.jsonl.torn-"))
}

#[test]
fn json_prints_one_object() {
    let state = State::with(2);
    let out = sanso(&[
        "audit",
        "verify",
        state.log().to_str().expect("path"),
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(v["status"], "intact");
    assert_eq!(v["anchored"], true);
    assert_eq!(v["chain"]["records"], 2);
    assert_eq!(v["chain"]["head"], state.head().as_str());
    assert_eq!(v["head_file"]["check"]["relation"], "matches");
    assert_eq!(v["head_file"]["ok"], true);

    let lines = state.lines();
    state.write_lines(&lines[..1]);
    let out = sanso(&[
        "audit",
        "verify",
        state.log().to_str().expect("path"),
        "--json",
    ]);
    assert_eq!(code(&out), 2);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(v["status"], "mismatch");
    assert_eq!(v["head_file"]["check"]["relation"], "shorter");
    assert_eq!(v["head_file"]["check"]["missing"], 1);

    state.write_lines(&[lines[1].clone()]);
    let out = sanso(&[
        "audit",
        "verify",
        state.log().to_str().expect("path"),
        "--json",
    ]);
    assert_eq!(code(&out), 2);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(v["status"], "broken");
    assert_eq!(v["break"]["line"], 1);
    assert_eq!(v["break"]["reason"]["kind"], "link");
}

#[test]
fn errors_exit_1() {
    let state = State::with(1);
    let (exit, text) = state.verify(&["--head", "not-a-hash"]);
    assert_eq!(exit, 1, "{text}");
    assert!(text.contains("not a head"), "{text}");
    let head = state.head();
    let (exit, text) = state.verify(&["--head", &head, "--count", "7"]);
    assert_eq!(exit, 1, "{text}");
    let out = sanso(&["audit", "verify", "/nonexistent/audit.jsonl"]);
    assert_eq!(code(&out), 1);
}
