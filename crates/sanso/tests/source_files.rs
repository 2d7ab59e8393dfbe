//! The binary reads policy and cases files only as regular files of a
//! bounded size, in UTF-8, and never blocks on one (`/dev/zero` used to grow
//! `sanso check` to gigabytes; a FIFO waited for a writer forever).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{code, example, text};

/// Runs sanso like `common::sanso`, but kills it and fails the test if it
/// takes more than 10 seconds.
fn sanso_within_a_bound(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sanso");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sanso {args:?} still ran after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

#[test]
fn check_refuses_dev_zero_at_once() {
    let out = sanso_within_a_bound(&["check", "/dev/zero"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        text(&out.stderr),
        "error: /dev/zero is a character device, not a regular file (or a symbolic link to one)\n"
    );
}

#[test]
fn check_refuses_a_fifo_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("policy.toml");
    let c_path = std::ffi::CString::new(path(&fifo)).expect("path");
    // SAFETY: a valid NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let out = sanso_within_a_bound(&["check", path(&fifo)]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("is a FIFO (named pipe), not a regular file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn test_refuses_a_cases_file_that_is_a_device() {
    let policy = example("policy.toml");
    let out = sanso_within_a_bound(&["test", path(&policy), "/dev/zero"]);
    assert_eq!(code(&out), 1);
    assert!(
        text(&out.stderr).contains("/dev/zero is a character device"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_locates_shift_jis_and_says_how_to_convert() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("policy.toml");
    // "# 三層" in Shift_JIS as the third line.
    let mut bytes = b"[policy]\nname = \"x\"\n# ".to_vec();
    bytes.extend_from_slice(&[0x8E, 0x4F, 0x91, 0x77]);
    std::fs::write(&file, &bytes).expect("write");
    let out = sanso_within_a_bound(&["check", path(&file)]);
    assert_eq!(code(&out), 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is not UTF-8: line 3, byte 3 of that line is 0x8E"),
        "{stderr}"
    );
    assert!(stderr.contains("iconv -f CP932 -t UTF-8"), "{stderr}");
}

#[test]
fn apply_confirm_refuses_a_policy_too_large_for_the_control_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("policy.toml");
    // A valid policy with a 9 MiB comment: checked, then refused before any
    // connection (the socket named does not exist).
    let mut policy = std::fs::read_to_string(example("policy.toml")).expect("example");
    policy.push_str("\n# ");
    policy.push_str(&"x".repeat(9 * 1024 * 1024));
    policy.push('\n');
    std::fs::write(&file, policy).expect("write");
    let socket = dir.path().join("none.sock");
    let out = sanso_within_a_bound(&[
        "apply",
        path(&file),
        "--confirm",
        "60s",
        "--socket",
        path(&socket),
    ]);
    assert_eq!(code(&out), 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is too large to send to the daemon")
            && stderr.contains("the control socket's limit of 8 MiB"),
        "{stderr}"
    );
}

#[test]
fn report_refuses_an_isolations_file_that_is_a_fifo_without_waiting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("isolations.json");
    let c_path = std::ffi::CString::new(path(&fifo)).expect("path");
    // SAFETY: a valid NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    let policy = example("policy.toml");
    let out = sanso_within_a_bound(&["report", path(&policy), "--state-dir", path(dir.path())]);
    assert_eq!(code(&out), 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is a FIFO (named pipe), not a regular file"),
        "{stderr}"
    );
    assert!(stderr.contains("isolations.json"), "{stderr}");
}
