//! `sanso bench --json` prints one object with the documented keys (no
//! timing assertions: the machine is shared and noisy).

use std::process::Command;

#[test]
fn bench_json_on_a_small_synthetic_policy() {
    let output = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(["bench", "--synthetic", "--flows", "20", "--json"])
        .output()
        .expect("run sanso bench");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        stdout.lines().count(),
        1,
        "one object on one line: {stdout}"
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(json["flows"], 20);
    assert!(json["compile_ms"].is_number());
    assert!(json["userspace"]["ns_per_lookup_median"].is_number());
    assert!(json["userspace"]["linear_ns_per_lookup_median"].is_number());
    assert!(json["userspace"]["batched_ns_per_lookup_median"].is_number());
    assert!(
        json.get("kernel").is_none(),
        "no kernel section without --kernel"
    );
}

#[test]
fn save_policy_writes_a_valid_synthetic_policy_of_that_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("synthetic.toml");
    let path = path.to_str().expect("utf-8 path");
    let sanso = env!("CARGO_BIN_EXE_sanso");
    let save = Command::new(sanso)
        .args([
            "bench",
            "--synthetic",
            "--flows",
            "50",
            "--seed",
            "3",
            "--save-policy",
            path,
        ])
        .output()
        .expect("run sanso bench");
    assert!(
        save.status.success(),
        "{}",
        String::from_utf8_lossy(&save.stderr)
    );
    assert!(save.stdout.is_empty(), "nothing is measured");
    let check = Command::new(sanso)
        .args(["check", path])
        .output()
        .expect("run sanso check");
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(stdout.contains(" 50 flows"), "{stdout}");
}
