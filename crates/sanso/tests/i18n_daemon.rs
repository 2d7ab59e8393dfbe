//! The daemon's messages in Japanese (`--lang ja`) and English: an error of
//! the control-socket client (no daemon at the socket), and why an audit
//! chain is broken; and the audit record a recovery writes, which stays
//! English in both languages (records are data).

use std::path::Path;
use std::process::{Command, Output};

use sanso_daemon::audit::{AuditLog, Entry, EventKind};
use sanso_i18n::{t_in, Lang};

fn sanso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        // The locale must not choose: only --lang does.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .output()
        .expect("run sanso")
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn no_daemon_at_the_socket_is_said_in_japanese_with_the_path_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("no-daemon.sock");
    let socket = socket.to_str().expect("utf-8 path");

    let ja = sanso(&["--lang", "ja", "status", "--socket", socket]);
    assert!(!ja.status.success(), "no daemon: status fails");
    let text = all_output(&ja);
    let expected = t_in!(Lang::Ja, "daemon-client-connect", path = socket);
    assert!(
        expected.contains("sanso デーモンに接続できません"),
        "the catalogue's Japanese: {expected}"
    );
    assert!(text.contains(&expected), "Japanese error expected:\n{text}");
    assert!(
        !text.contains("cannot connect to the sanso daemon"),
        "no English left:\n{text}"
    );

    let en = sanso(&["--lang", "en", "status", "--socket", socket]);
    let text = all_output(&en);
    assert!(
        text.contains(&format!(
            "cannot connect to the sanso daemon at {socket} (is it running? are you root?)"
        )),
        "English error unchanged:\n{text}"
    );
}

fn entry(n: u64) -> Entry {
    Entry {
        event: EventKind::Apply,
        uid: 0,
        policy: None,
        detail: serde_json::json!({ "n": n }),
    }
}

/// A log of two records whose second was changed after it was written.
fn tampered_log(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("audit.jsonl");
    let mut log = AuditLog::open(&path).expect("open");
    log.append(&entry(1)).expect("append");
    log.append(&entry(2)).expect("append");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("\"n\":2", "\"n\":3")).expect("tamper");
    path
}

#[test]
fn a_broken_chain_is_explained_in_japanese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = tampered_log(dir.path());
    let log = log.to_str().expect("utf-8 path");

    let ja = sanso(&["--lang", "ja", "audit", "verify", log]);
    assert!(!ja.status.success(), "a changed record fails verify");
    let text = all_output(&ja);
    let reason = t_in!(Lang::Ja, "daemon-audit-break-hash");
    assert_eq!(
        reason,
        "hash がレコードの内容と一致しません（レコードが変更されています）"
    );
    assert!(text.contains(&reason), "Japanese reason expected:\n{text}");

    let en = sanso(&["--lang", "en", "audit", "verify", log]);
    let text = all_output(&en);
    assert!(
        text.contains("hash does not match the record's content (the record was changed)"),
        "English reason unchanged:\n{text}"
    );
}

#[test]
fn a_recovery_is_told_in_japanese_but_recorded_in_english() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    {
        let mut log = AuditLog::open(&path).expect("open");
        log.append(&entry(1)).expect("append");
    }
    // A torn last record, as kill -9 in the middle of a write leaves it.
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str("{\"seq\":2,\"ti");
    std::fs::write(&path, text).expect("tear");

    let (_, recoveries) = AuditLog::open_recovering(&path).expect("recover");
    let [recovery] = recoveries.as_slice() else {
        panic!("one recovery: {recoveries:?}");
    };
    let ja = recovery.text_in(Lang::Ja);
    assert!(
        ja.starts_with("最後のレコード（2 行目、12 バイト）が途中で切れていました"),
        "{ja}"
    );
    let en = recovery.text_in(Lang::En);
    assert!(
        en.starts_with("the last record (line 2, 12 bytes) was incomplete, a torn write"),
        "{en}"
    );
    // The record is data: English, whatever the language.
    assert_eq!(recovery.detail()["message"], serde_json::json!(en));
}
