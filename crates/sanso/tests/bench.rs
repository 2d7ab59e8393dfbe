//! `sanso bench --json` prints one object with the documented keys (no
//! timing assertions: the machine is shared and noisy).

mod common;

use std::process::Command;

use common::{is_root, namespaces_with_prefix, sanso, text};

#[test]
fn bench_json_on_a_small_synthetic_policy() {
    let output = sanso(&["bench", "--synthetic", "--flows", "20", "--json"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
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
    let save = sanso(&[
        "bench",
        "--synthetic",
        "--flows",
        "50",
        "--seed",
        "3",
        "--save-policy",
        path,
    ]);
    assert!(save.status.success(), "{}", text(&save.stderr));
    assert!(save.stdout.is_empty(), "nothing is measured");
    let check = sanso(&["check", path]);
    let stdout = text(&check.stdout);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(stdout.contains(" 50 flows"), "{stdout}");
}

/// `sanso bench --kernel` on a tiny budget (root: throwaway namespaces): the
/// kernel section has the drop-path keys, the established path, the
/// spoofed flood and a TCP stream; the established packets reached the
/// receiver as packets of an established connection (the flows counted only
/// the opening datagrams, `ended` none), the spoofed ones were counted by
/// anti-spoofing, and the stream was one connection the flows counted once.
#[test]
fn bench_kernel_measures_the_established_path_a_spoofed_flood_and_a_tcp_stream() {
    if !is_root() {
        eprintln!("skipped: sanso bench --kernel needs root (network namespaces)");
        return;
    }
    let child = Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args([
            "bench",
            "--synthetic",
            "--flows",
            "30",
            "--kernel",
            "--kernel-rounds",
            "1",
            "--kernel-blast-ms",
            "20",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run sanso bench --kernel");
    // The namespaces are named sanso-<pid>-bench-<role>-<n>.
    let ours = format!("sanso-{}-", child.id());
    let output = child.wait_with_output().expect("sanso bench --kernel ends");
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let kernel = &json["kernel"];
    let positive = |v: &serde_json::Value| v.as_f64().is_some_and(|x| x > 0.0);
    // The drop path's keys, unchanged.
    for key in [
        "ns_per_packet_sanso",
        "ns_per_packet_empty",
        "ns_per_packet_linear",
        "ns_per_packet_conntrack",
    ] {
        assert!(positive(&kernel[key]), "kernel.{key}: {stdout}");
    }

    let established = &kernel["established"];
    for key in [
        "ns_per_packet_sanso",
        "ns_per_packet_without_marks",
        "ns_per_packet_conntrack",
        "sanso_per_conntrack",
        "sanso_per_without_marks",
    ] {
        assert!(positive(&established[key]), "established.{key}: {stdout}");
    }
    let count = |v: &serde_json::Value, key: &str| {
        v[key].as_u64().unwrap_or_else(|| panic!("{key}: {stdout}"))
    };
    let sent = count(established, "sanso_sent");
    let received = count(established, "sanso_received");
    assert!(sent > 100, "established: {stdout}");
    // The receiver's interface got them (and maybe a few link packets).
    assert!(
        received >= sent * 9 / 10 && received <= sent + 50,
        "established: {stdout}"
    );
    // Accepted as established: one round, one connection, opened by at most
    // 5 datagrams; no mark missed `live`.
    let new_connections = count(established, "sanso_new_connections");
    assert!((1..=5).contains(&new_connections), "established: {stdout}");
    assert_eq!(count(established, "sanso_ended"), 0, "{stdout}");

    let spoofed = &kernel["spoofed"];
    for key in [
        "ns_per_packet_sanso",
        "ns_per_packet_after_conntrack",
        "ns_per_packet_empty",
        "ns_per_packet_conntrack",
        "sanso_per_empty",
        "after_conntrack_per_empty",
        "sanso_per_conntrack",
    ] {
        assert!(positive(&spoofed[key]), "spoofed.{key}: {stdout}");
    }
    let sent = count(spoofed, "sanso_sent");
    let counted = count(spoofed, "sanso_spoofed_counted");
    assert!(sent > 100, "spoofed: {stdout}");
    assert!(
        counted >= sent * 9 / 10 && counted <= sent,
        "the spoofed counter counted the flood: {stdout}"
    );

    // Issue 17's names of the established figures, the same numbers.
    assert_eq!(
        kernel["ns_per_packet_established_sanso"],
        established["ns_per_packet_sanso"]
    );
    assert_eq!(
        kernel["ns_per_packet_established_conntrack"],
        established["ns_per_packet_conntrack"]
    );

    // One TCP stream per round and ruleset; in the sanso round it passed as
    // one connection the flows counted once, the rest as established.
    let tcp = &kernel["tcp_throughput"];
    for key in [
        "mbit_per_s_sanso",
        "mbit_per_s_conntrack",
        "mbit_per_s_none",
        "sanso_per_conntrack",
    ] {
        assert!(positive(&tcp[key]), "tcp_throughput.{key}: {stdout}");
    }
    assert!(count(tcp, "sanso_bytes") > 0, "{stdout}");
    assert_eq!(count(tcp, "sanso_new_connections"), 1, "{stdout}");
    assert_eq!(count(tcp, "sanso_ended"), 0, "{stdout}");

    // No namespace is left behind.
    let left = namespaces_with_prefix(&ours);
    assert!(left.is_empty(), "{left:?}");
}
