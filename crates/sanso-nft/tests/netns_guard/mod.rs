//! The network namespace of a root test of this crate, and what compares
//! tables listed in two of them.
// Tests start programs of their own (nft, ip); the code under test runs
// them through sanso_process.
#![allow(clippy::disallowed_methods)]
#![allow(dead_code)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// Returns true (after printing why) when the test cannot run.
pub fn skip_unless_root(test: &str) -> bool {
    !sanso_testkit::root(&format!("{test} creates network namespaces"))
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A network namespace that exists for the guard's lifetime, named
/// `sanso-<pid>-<purpose>-<n>` (`sanso_nft::readback::NAMESPACE_PREFIX`).
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(purpose: &str) -> Netns {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("sanso-{}-{purpose}-{n}", std::process::id());
        let status = Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .expect("run ip netns add");
        assert!(status.success(), "ip netns add {name} failed");
        Netns { name }
    }

    /// Runs `nft args...` inside the namespace; returns stdout, panics on failure.
    pub fn nft(&self, args: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name, "nft"])
            .args(args)
            .env("TZ", "UTC")
            .output()
            .expect("run nft");
        assert!(
            out.status.success(),
            "nft {args:?} in {} failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn load_text(&self, text: &str) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ruleset.nft");
        std::fs::write(&path, text).expect("write ruleset");
        self.nft(&["-f", path.to_str().expect("utf-8 path")]);
    }

    /// `nft -j list table inet sanso` without handles.
    pub fn list_sanso(&self) -> Value {
        let mut json: Value =
            serde_json::from_str(&self.nft(&["-j", "list", "table", "inet", "sanso"]))
                .expect("nft json");
        strip_handles(&mut json);
        json
    }

    pub fn tables(&self) -> String {
        self.nft(&["list", "tables"])
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Removes what differs between two loads of the same table: handles and
/// nft's metainfo.
pub fn strip_handles(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("handle");
            map.remove("metainfo");
            for child in map.values_mut() {
                strip_handles(child);
            }
        }
        Value::Array(items) => {
            items.retain(|i| i.get("metainfo").is_none());
            for child in items {
                strip_handles(child);
            }
        }
        _ => {}
    }
}
