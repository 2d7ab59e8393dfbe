//! A record the disk has no room for leaves no partial record behind: the
//! log is cut back to its last complete record, the head file is not
//! touched, and once there is room again the chain goes on.
//!
//! Two ways to make a write fail half way, each in a child process (the
//! limit and the mount must not reach the other tests):
//! - a full tmpfs (root; a private mount namespace by `unshare -m`): the
//!   log's last page still has room for part of the record, so the kernel
//!   writes that part and then says ENOSPC, as a full state directory did;
//! - `RLIMIT_FSIZE` just above the log's size (any user): the kernel writes
//!   up to the limit, then says EFBIG.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use sanso_daemon::audit::{
    check_chain_file, head_path, read_head, AuditError, AuditLog, Entry, EventKind,
};

const CHILD_DIR: &str = "SANSO_AUDIT_TEST_CHILD_DIR";

/// A record of about 1.3 KB.
fn entry(n: u64) -> Entry {
    padded(n, 1100)
}

fn padded(n: u64, pad: usize) -> Entry {
    Entry {
        event: EventKind::Intent,
        uid: 0,
        policy: None,
        detail: serde_json::json!({ "n": n, "pad": "x".repeat(pad) }),
    }
}

fn is_root() -> bool {
    sanso_testkit::root("network namespaces, nftables or mounts")
}

/// Runs the ignored test `name` of this binary as a child, with `dir`
/// passed on, through `wrap` (a command and its arguments before the test
/// binary, e.g. `unshare -m …`).
fn run_child(name: &str, dir: &Path, wrap: &[&str]) {
    let exe = std::env::current_exe().expect("test binary");
    let test_args = [
        "--ignored",
        "--exact",
        name,
        "--nocapture",
        "--test-threads=1",
    ];
    let mut command = match wrap.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    let out = command
        .args(test_args)
        .env(CHILD_DIR, dir)
        .output()
        .expect("run the child");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child {name} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "child {name} did not run:\n{text}"
    );
}

fn child_dir() -> Option<PathBuf> {
    std::env::var_os(CHILD_DIR).map(PathBuf::from)
}

/// Appends records until the log's last 4 KiB page has some room left,
/// but less than one record ([`entry`]) needs, so the next record is
/// written in part.
fn fill_to_a_page_edge(log: &mut AuditLog) {
    let len = |log: &AuditLog| std::fs::metadata(log.path()).expect("stat").len() as i64;
    log.append(&padded(0, 0)).expect("append");
    let bare = len(log);
    for n in 1..10 {
        let room = 4096 - len(log) % 4096;
        if (200..1000).contains(&room) {
            return;
        }
        // Pad the next record so that about 600 bytes are left.
        let pad = (room - 600 - bare).rem_euclid(4096);
        log.append(&padded(n, pad as usize)).expect("append");
    }
    panic!("cannot reach a page edge");
}

/// The failed append left the log and its head file as they were; after
/// `make_room`, the next append continues the chain.
fn check_failed_append(log: &mut AuditLog, make_room: impl FnOnce()) {
    let path = log.path().to_owned();
    let before = std::fs::read(&path).expect("read");
    let head_before = std::fs::read(head_path(&path)).expect("head file");
    let anchor = log.anchor();

    let err = log.append(&entry(999)).expect_err("the disk is full");
    assert!(matches!(err, AuditError::Write { .. }), "{err:?}");
    let after = std::fs::read(&path).expect("read");
    assert_eq!(
        after.len(),
        before.len(),
        "no partial record: {:?}",
        String::from_utf8_lossy(&after[before.len().min(after.len())..])
            .chars()
            .take(80)
            .collect::<String>()
    );
    assert!(after == before);
    assert_eq!(
        std::fs::read(head_path(&path)).expect("head file"),
        head_before
    );
    assert_eq!(log.anchor(), anchor);

    make_room();
    let head = log.append(&entry(1000)).expect("append once there is room");
    assert_eq!(head.count, anchor.count + 1);
    let chain = check_chain_file(&path).expect("read").expect("intact");
    assert_eq!(chain.records as u64, head.count);
    assert_eq!(read_head(&head_path(&path)).expect("read"), Some(head));
    // And the daemon starts on it without anything to recover.
    let (_log, recoveries) = AuditLog::open_recovering(&path).expect("open");
    assert_eq!(recoveries, []);
}

#[test]
fn a_full_tmpfs_leaves_no_partial_record() {
    if !is_root() {
        println!("skipped: needs root (mounts a small tmpfs in a private mount namespace)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let script = "mount -t tmpfs -o size=64k sanso-audit-test \"$SANSO_AUDIT_TEST_CHILD_DIR\" && exec \"$@\"";
    run_child(
        "child_full_tmpfs",
        dir.path(),
        &[
            "unshare",
            "-m",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
        ],
    );
}

#[test]
#[ignore = "run by a_full_tmpfs_leaves_no_partial_record in a mount namespace"]
fn child_full_tmpfs() {
    let dir = child_dir().expect("run by its parent test");
    let path = dir.join("audit.jsonl");
    let mut log = AuditLog::open(&path).expect("open");
    fill_to_a_page_edge(&mut log);
    // Fill what is left of the file system.
    let filler = dir.join("filler");
    let mut file = OpenOptions::new()
        .create_new(true)
        .write(true)
        .open(&filler)
        .expect("filler");
    let page = [0u8; 4096];
    loop {
        match file.write(&page) {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) => {
                assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
                break;
            }
        }
    }
    drop(file);
    check_failed_append(&mut log, || {
        std::fs::remove_file(&filler).expect("make room");
    });
}

#[test]
fn a_file_size_limit_leaves_no_partial_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    run_child("child_file_size_limit", dir.path(), &[]);
}

#[test]
#[ignore = "run by a_file_size_limit_leaves_no_partial_record (the limit is per process)"]
fn child_file_size_limit() {
    let dir = child_dir().expect("run by its parent test");
    let path = dir.join("audit.jsonl");
    let mut log = AuditLog::open(&path).expect("open");
    for n in 0..3 {
        log.append(&entry(n)).expect("append");
    }
    let len = std::fs::metadata(&path).expect("stat").len();
    let set_limit = |limit: u64| {
        let rlim = libc::rlimit {
            rlim_cur: limit,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: a valid rlimit for this process only (a child of the test).
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &rlim) }, 0);
    };
    // SAFETY: ignoring SIGXFSZ makes an over-limit write fail with EFBIG
    // instead of killing the process.
    unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    set_limit(len + 100);
    check_failed_append(&mut log, || set_limit(libc::RLIM_INFINITY));
}
