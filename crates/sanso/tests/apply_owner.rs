//! One owner of the kernel table (issue 16, item 3): while a daemon enforces
//! a namespace, `sanso apply` there refuses and names the ways through the
//! daemon; elsewhere it applies as before. Root only (network namespaces).

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{code, is_root, sanso, text, Daemon, Netns};

fn policy(revision: &str) -> String {
    include_str!("../../sanso-daemon/tests/fixtures/kernel-test.toml")
        .replace("@REVISION@", revision)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn apply_refuses_while_a_daemon_enforces_the_namespace() {
    if !is_root() {
        println!("skipped: needs root (network namespaces)");
        return;
    }
    let ns = Netns::new("owner-d");
    let dir = tempfile::tempdir().expect("temp dir");
    let p1 = write(dir.path(), "policy.toml", &policy("r1"));
    let p2 = write(dir.path(), "candidate.toml", &policy("r2"));
    let socket = dir.path().join("sanso.sock").display().to_string();
    let state = dir.path().join("state").display().to_string();
    let _daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_sanso"))
            .args([
                "daemon",
                "--policy",
                &p1,
                "--netns",
                &ns.0,
                "--state-dir",
                &state,
                "--socket",
                &socket,
                "--watch-interval",
                "1h",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sanso daemon"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ns.table().contains("rev r1") {
        assert!(Instant::now() < deadline, "the daemon did not apply r1");
        std::thread::sleep(Duration::from_millis(100));
    }

    let out = sanso(&["apply", &p2, "--netns", &ns.0, "--socket", &socket]);
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("enforces table inet sanso in netns {}", ns.0)),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert!(stderr.contains("--confirm 120s"), "{stderr}");
    assert!(stderr.contains("sanso reload"), "{stderr}");
    assert!(ns.table().contains("rev r1"), "the daemon's table stays");

    // Another namespace has no daemon: apply works as before.
    let other = Netns::new("owner-o");
    let out = sanso(&["apply", &p2, "--netns", &other.0, "--socket", &socket]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(other.table().contains("rev r2"));

    // Through the daemon, with a rollback window, it is applied.
    let out = sanso(&["apply", &p2, "--confirm", "60s", "--socket", &socket]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(ns.table().contains("rev r2"));
}

/// Interfaces the policy names and the gateway lacks are warned about;
/// `--strict` refuses until they exist (issue 16, item 4).
#[test]
fn apply_names_missing_interfaces_and_strict_refuses() {
    if !is_root() {
        println!("skipped: needs root (network namespaces)");
        return;
    }
    let ns = Netns::new("owner-if");
    let dir = tempfile::tempdir().expect("temp dir");
    let p1 = write(dir.path(), "policy.toml", &policy("r1"));
    let socket = dir.path().join("no-daemon.sock").display().to_string();
    let out = sanso(&[
        "apply", &p1, "--netns", &ns.0, "--socket", &socket, "--strict",
    ]);
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    for line in [
        "warning: zone lg: interface lg0 does not exist on the gateway",
        "warning: zone ext: interface wan0 does not exist on the gateway",
        "--strict: 2 interface(s) of the policy do not exist on the gateway; nothing was applied",
    ] {
        assert!(stderr.contains(line), "missing {line:?} in\n{stderr}");
    }
    assert!(ns.table().is_empty(), "nothing applied");
    // Without --strict: applied, with the warnings.
    let out = sanso(&["apply", &p1, "--netns", &ns.0, "--socket", &socket]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("interface lg0 does not exist"));
    // Once the links exist, --strict applies without a word.
    // (a veth pair: both names at once; no dummy module needed)
    let ok = Command::new("ip")
        .args([
            "-n", &ns.0, "link", "add", "lg0", "type", "veth", "peer", "name", "wan0",
        ])
        .status()
        .expect("ip link add")
        .success();
    assert!(ok, "ip link add lg0 veth wan0");
    let out = sanso(&[
        "apply", &p1, "--netns", &ns.0, "--socket", &socket, "--strict",
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("does not exist"),
        "{}",
        text(&out.stderr)
    );
}
