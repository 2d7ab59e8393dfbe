//! The pure crates stay pure (ARCHITECTURE.md, "the core is pure"): their
//! dependency trees (`cargo tree -e normal`) hold no crate that does I/O
//! (sockets, netlink, processes, the async runtime, sanso's kernel crates).
//! The clippy lists of their `clippy.toml` keep I/O calls out of their own
//! code; this keeps it out of what they depend on.

// The test runs cargo itself.
#![allow(clippy::disallowed_methods)]

use std::process::Command;

mod common;

/// The crates the architecture calls pure.
const PURE: [&str; 5] = [
    "sanso-policy",
    "sanso-ir",
    "sanso-classify",
    "sanso-plan",
    "sanso-i18n",
];

/// Crates that do I/O: none may be in a pure crate's tree.
const IO: [&str; 13] = [
    "sanso-nft",
    "sanso-netns",
    "sanso-daemon",
    "sanso-process",
    "sanso-testkit",
    "tokio",
    "nftnl",
    "nftnl-sys",
    "mnl",
    "pnet",
    "pnet_datalink",
    "nix",
    "socket2",
];

fn tree(krate: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", krate])
        .args(["-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(common::root_dir())
        .output()
        .expect("cargo tree");
    assert!(
        out.status.success(),
        "cargo tree -p {krate}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn no_pure_crate_depends_on_a_crate_with_io() {
    for krate in PURE {
        let tree = tree(krate);
        let names: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert!(
            names.contains(&krate),
            "{krate} not in its own tree:\n{tree}"
        );
        for io in IO {
            assert!(
                !names.contains(&io),
                "{krate} depends on {io}, a crate with I/O:\n{tree}"
            );
        }
        // libc is sanso-policy's alone: the one safe reader of policy files
        // (regular files only, never blocking on a FIFO).
        if krate == "sanso-i18n" {
            assert!(!names.contains(&"libc"), "{krate} depends on libc:\n{tree}");
        }
    }
}

/// The check can fail: the binary's own tree holds the kernel crates.
#[test]
fn the_check_sees_io_crates_where_they_are() {
    let tree = tree("sanso-daemon");
    for io in ["sanso-nft", "tokio", "sanso-process"] {
        assert!(
            tree.lines().any(|l| l.starts_with(&format!("{io} "))),
            "{io} missing from sanso-daemon's tree:\n{tree}"
        );
    }
}
