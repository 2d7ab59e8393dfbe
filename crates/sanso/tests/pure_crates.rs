//! The pure crates stay pure (ARCHITECTURE.md, "the core is pure"): their
//! dependency trees (`cargo tree -e normal`) hold no crate that does I/O
//! (sockets, netlink, processes, the async runtime, sanso's kernel crates).
//! The clippy lists of their `clippy.toml` keep I/O calls out of their own
//! code; this keeps it out of what they depend on, and checks that each has
//! those lists and refuses unsafe code.

// The test runs cargo itself.
#![allow(clippy::disallowed_methods)]

use std::process::Command;

mod common;

/// The crates the architecture calls pure.
const PURE: [&str; 6] = [
    "sanso-policy",
    "sanso-ir",
    "sanso-classify",
    "sanso-table",
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
    cargo_tree(krate, &["--prefix", "none"])
}

/// The crates of `krate`'s tree that depend on libc themselves (libc must
/// be in the tree).
fn libc_users(krate: &str) -> Vec<String> {
    cargo_tree(krate, &["--invert", "libc", "--prefix", "depth"])
        .lines()
        .filter_map(|l| l.strip_prefix('1'))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn cargo_tree(krate: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--offline", "-p", krate])
        .args(["-e", "normal", "--format", "{p}"])
        .args(args)
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
        // (regular files only, never blocking on a FIFO). The crates above
        // it hold libc through it and through nothing else.
        if krate == "sanso-i18n" {
            assert!(!names.contains(&"libc"), "{krate} depends on libc:\n{tree}");
        }
        if names.contains(&"libc") {
            let users = libc_users(krate);
            assert_eq!(
                users,
                ["sanso-policy"],
                "{krate} holds libc other than through sanso-policy"
            );
        }
    }
}

/// Their own code is kept pure by their `clippy.toml` (the lists `scripts/dev
/// test` denies) and holds no unsafe code (`sanso-classify` denies it, with
/// its one prefetch hint allowed where it stands).
#[test]
fn every_pure_crate_lists_io_calls_and_refuses_unsafe_code() {
    for krate in PURE {
        let dir = common::root_dir().join("crates").join(krate);
        let clippy = std::fs::read_to_string(dir.join("clippy.toml"))
            .unwrap_or_else(|e| panic!("{krate}/clippy.toml: {e}"));
        for call in [
            "std::fs::read_to_string",
            "std::time::SystemTime::now",
            "std::env::var",
            "std::process::Command::new",
            "std::net::TcpStream",
        ] {
            assert!(
                clippy.contains(&format!("\"{call}\"")),
                "{krate}/clippy.toml does not disallow {call}"
            );
        }
        let lib = std::fs::read_to_string(dir.join("src/lib.rs"))
            .unwrap_or_else(|e| panic!("{krate}/src/lib.rs: {e}"));
        let attr = if krate == "sanso-classify" {
            "#![deny(unsafe_code)]"
        } else {
            "#![forbid(unsafe_code)]"
        };
        assert!(lib.contains(attr), "{krate}/src/lib.rs lacks {attr}");
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
