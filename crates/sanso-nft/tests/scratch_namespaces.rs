//! The scratch namespace of `expected_table` follows the one naming pattern
//! of sanso's namespaces (`sanso-<pid>-...`, `readback::NAMESPACE_PREFIX`),
//! and `expected_table` first removes those a killed run left (root only).
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod text_fixture;

use std::process::Command;

use sanso_nft::readback::{expected_table, namespace_creator};
use sanso_nft::text::render;
use text_fixture::have_root;

/// A namespace planted by the test under a given name; removed on drop if
/// it is still there.
struct Planted(String);

impl Planted {
    fn new(name: &str) -> Self {
        let ok = Command::new("ip")
            .args(["netns", "add", name])
            .status()
            .expect("ip netns add")
            .success();
        assert!(ok, "ip netns add {name}");
        Planted(name.to_owned())
    }

    fn exists(&self) -> bool {
        std::path::Path::new("/var/run/netns")
            .join(&self.0)
            .exists()
    }
}

impl Drop for Planted {
    fn drop(&mut self) {
        if self.exists() {
            let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
        }
    }
}

/// Names under /var/run/netns starting with `prefix`.
fn namespaces_with_prefix(prefix: &str) -> Vec<String> {
    std::fs::read_dir("/var/run/netns")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

#[test]
fn expected_table_removes_the_scratch_namespaces_of_a_killed_run() {
    if !have_root("expected_table_removes_the_scratch_namespaces_of_a_killed_run") {
        return;
    }
    // What a `kill -9` during `sanso drift` leaves: a scratch namespace
    // named after a process that is gone (Linux pids stop at 4194304; other
    // tests plant other dead pids, so runs in parallel do not race).
    let dead = Planted::new("sanso-999999997-expect-0");
    assert_eq!(namespace_creator(&dead.0), Some(999_999_997));
    // One of a live process (this one) is kept.
    let live = Planted::new(&format!("sanso-{}-expect-planted", std::process::id()));
    let table = expected_table(&render(&text_fixture::empty())).expect("expected table");
    assert!(table.flags.is_empty());
    assert!(!dead.exists(), "the dead run's namespace is still there");
    assert!(live.exists(), "a live process's namespace was removed");
    drop(live);
    // expected_table's own scratch namespace carries this pid and is gone.
    let ours = namespaces_with_prefix(&format!("sanso-{}-expect-", std::process::id()));
    assert!(ours.is_empty(), "{ours:?}");
}
