//! Helpers shared by the `sanso` binary's integration tests (`mod common;`
//! in each test file).

// Each test binary compiles its own copy and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace's root directory.
pub fn root_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the bundled example (`config/`).
pub fn example(name: &str) -> PathBuf {
    root_dir().join("config").join(name)
}

/// Runs the `sanso` binary under test with these arguments, without colour.
pub fn sanso(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanso"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run sanso")
}

/// Output bytes as text (lossy).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit code; panics when the process was ended by a signal.
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("sanso exited by a signal")
}

/// Whether the tests run as root (network namespaces).
/// Not root: the skip is recorded (`sanso_testkit`), or, under
/// `SANSO_REQUIRE_ROOT=1`, the test fails.
pub fn is_root() -> bool {
    sanso_testkit::root("network namespaces and nftables")
}

/// Network namespaces whose name starts with `prefix`.
pub fn namespaces_with_prefix(prefix: &str) -> Vec<String> {
    let out = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

/// A network namespace `sanso-<pid>-<tag>`, removed on drop (also when the
/// test fails): `sanso_netns::netns::Netns`, the one guard of every namespace sanso
/// and its tests create (registered for the signal cleanup, swept as stale
/// when its creator is gone). `.0` is the name.
pub struct Netns(pub String, sanso_netns::netns::Netns);

impl Netns {
    pub fn new(tag: &str) -> Self {
        let name = format!("sanso-{}-{tag}", std::process::id());
        let guard = sanso_netns::netns::Netns::create(&name)
            .unwrap_or_else(|e| panic!("ip netns add {name}: {e}"));
        Netns(name, guard)
    }

    /// `nft ARGS` in the namespace; panics unless it succeeds.
    pub fn nft(&self, args: &[&str]) {
        let ok = Command::new("ip")
            .args(["netns", "exec", &self.0, "nft"])
            .args(args)
            .status()
            .expect("nft")
            .success();
        assert!(ok, "nft {args:?}");
    }

    /// `nft list table inet sanso` in the namespace (empty when absent).
    pub fn table(&self) -> String {
        let out = Command::new("ip")
            .args([
                "netns", "exec", &self.0, "nft", "list", "table", "inet", "sanso",
            ])
            .output()
            .expect("nft");
        text(&out.stdout)
    }

    /// Links named as the daemon tests' policy's interfaces (`lg0`, `wan0`:
    /// a veth pair).
    pub fn add_links(&self) {
        let ok = Command::new("ip")
            .args([
                "-n", &self.0, "link", "add", "lg0", "type", "veth", "peer", "name", "wan0",
            ])
            .status()
            .expect("ip link add")
            .success();
        assert!(ok, "ip link add lg0 veth wan0");
    }
}

/// A `sanso daemon` process, killed on drop.
pub struct Daemon(pub std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
