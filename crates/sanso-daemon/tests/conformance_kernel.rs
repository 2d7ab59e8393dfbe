//! The daemon's read-back check against the real kernel, in throwaway
//! network namespaces (root only; skipped, saying so, otherwise): applies
//! read back as compiled; an apply whose table is changed between the apply and the
//! read-back fails the check, is audited and undone; the closed fallback
//! reads back with the shape the daemon checks it against.
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{policy, Netns};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sanso_daemon::actor::{Actor, Handle, Settings, Trigger, AUDIT_FILE};
use sanso_daemon::kernel::{CounterValue, Kernel, KernelError, Neighbour, NftKernel};
use sanso_daemon::operator::Operator;
use sanso_daemon::DriftAction;
use sanso_ir::Ruleset;
use sanso_nft::readback::LiveTable;
use serde_json::Value;

fn have_root(test: &str) -> bool {
    sanso_testkit::root(&format!("{test} creates a network namespace"))
}

/// The real kernel, except that after an apply asked to be tampered with, a
/// rule is added to forward by hand (as if someone raced the apply).
struct TamperingKernel {
    inner: NftKernel,
    ns: String,
    tamper_next: AtomicBool,
}

impl Kernel for TamperingKernel {
    fn apply(&self, ruleset: &Ruleset, text: &str) -> Result<(), KernelError> {
        self.inner.apply(ruleset, text)?;
        if self.tamper_next.swap(false, Ordering::SeqCst) {
            let ok = Command::new("ip")
                .args([
                    "netns", "exec", &self.ns, "nft", "add", "rule", "inet", "sanso",
                ])
                .args(["forward", "tcp", "dport", "2222", "accept"])
                .status()
                .expect("nft")
                .success();
            assert!(ok, "tamper");
        }
        Ok(())
    }
    fn read_table(&self) -> Result<LiveTable, KernelError> {
        self.inner.read_table()
    }
    // The real kernel's check after a load (over netlink): what the
    // tampering must be caught by.
    fn check_loaded(
        &self,
        ruleset: &Ruleset,
        isolated: &sanso_nft::isolation::Isolated,
    ) -> Result<sanso_daemon::kernel::LoadCheck, KernelError> {
        self.inner.check_loaded(ruleset, isolated)
    }
    fn load_table_text(&self, listing: &str) -> Result<(), KernelError> {
        self.inner.load_table_text(listing)
    }
    fn counters(&self) -> Result<Vec<CounterValue>, KernelError> {
        self.inner.counters()
    }
    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError> {
        Ok(Vec::new())
    }
}

fn ruleset(revision: &str) -> Ruleset {
    sanso_daemon::compile::compile(
        sanso_daemon::compile::PolicySource {
            file: "policy.toml".into(),
            text: policy(revision),
        },
        0,
    )
    .expect("compiles")
    .ruleset
    .as_ref()
    .clone()
}

/// The audit records without the `intent` written before each kernel change.
fn audit(state: &Path) -> Vec<Value> {
    std::fs::read_to_string(state.join(AUDIT_FILE))
        .expect("audit log")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json"))
        .filter(|r| r["event"] != "intent")
        .collect()
}

fn events(state: &Path) -> Vec<String> {
    audit(state)
        .iter()
        .map(|r| r["event"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// An actor on `kernel`, the policy file holding revision `revision`.
async fn start(dir: &Path, kernel: Arc<TamperingKernel>, revision: &str) -> Handle {
    let policy_path = dir.join("policy.toml");
    std::fs::write(&policy_path, policy(revision)).expect("write policy");
    let settings = Settings {
        policy_path,
        state_dir: dir.join("state"),
        netns: Some(kernel.ns.clone()),
        drift_interval: Duration::from_secs(3600),
        drift_action: DriftAction::Restore,
        drift_full_every: sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY,
        neighbour_interval: Duration::from_secs(3600),
    };
    let (handle, _task) = Actor::new(settings, kernel).expect("actor").spawn();
    handle.status().await.expect("actor running");
    handle
}

fn tampering(ns: &Netns) -> Arc<TamperingKernel> {
    Arc::new(TamperingKernel {
        inner: NftKernel::new(Some(ns.name.clone())),
        ns: ns.name.clone(),
        tamper_next: AtomicBool::new(false),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_verifies_its_applies_and_undoes_one_that_reads_back_otherwise() {
    if !have_root("the_daemon_verifies_its_applies_and_undoes_one_that_reads_back_otherwise") {
        return;
    }
    let ns = Netns::create("dconform");
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let kernel = tampering(&ns);
    let handle = start(dir.path(), Arc::clone(&kernel), "r1").await;
    assert_eq!(events(&state), ["start", "apply"]);
    assert_eq!(audit(&state)[1]["detail"]["verified"], true);

    // r2's table gets a rule more between the apply and the read-back.
    kernel.tamper_next.store(true, Ordering::SeqCst);
    std::fs::write(dir.path().join("policy.toml"), policy("r2")).expect("write");
    let error = handle
        .reload(Trigger::Request, Operator::peer(0, 0, None))
        .await
        .expect_err("the read-back differs");
    let shape = sanso_nft::conformance::expected_shape(&ruleset("r2"));
    let forward = shape.chains["forward"];
    assert!(
        error.contains(&format!(
            "does not have the compiled shape (1 difference(s), first: chain forward has {} rules, expected {forward})",
            forward + 1
        )) && error.ends_with(
            "re-applied kernel-test rev r1, the ruleset that ran before; it reads back as loaded"
        ),
        "{error}"
    );
    assert_eq!(
        events(&state),
        ["start", "apply", "verify-failed", "apply-failed"]
    );
    // The kernel holds r1 again, with its compiled shape and no extra rule.
    let report =
        sanso_nft::conformance::check_applied(&ruleset("r1"), Some(&ns.name)).expect("read");
    assert!(report.conforms(), "{:?}", report.problems);
    let status = handle.status().await.expect("status");
    assert_eq!(status.counts.verify_failures, 1);
    assert_eq!(
        status.policy.and_then(|p| p.revision).as_deref(),
        Some("r1")
    );

    // Without the tampering r2 applies and verifies.
    let said = handle
        .reload(Trigger::Request, Operator::peer(0, 0, None))
        .await
        .expect("r2 applies");
    assert!(said.ends_with("; read back and verified"), "{said}");
    assert!(
        sanso_nft::conformance::check_applied(&ruleset("r2"), Some(&ns.name))
            .expect("read")
            .conforms()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unverified_start_loads_the_closed_fallback_and_checks_it_in_the_kernel() {
    if !have_root("an_unverified_start_loads_the_closed_fallback_and_checks_it_in_the_kernel") {
        return;
    }
    let ns = Netns::create("dfallback");
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state");
    let kernel = tampering(&ns);
    kernel.tamper_next.store(true, Ordering::SeqCst);
    let handle = start(dir.path(), Arc::clone(&kernel), "r1").await;
    assert_eq!(events(&state), ["start", "verify-failed", "apply-failed"]);
    // The fallback's shape, as the daemon checks it, is what the kernel shows.
    assert_eq!(
        audit(&state)[1]["detail"]["kernel_now"],
        "loaded the closed fallback ruleset; it reads back as loaded"
    );
    assert_eq!(handle.status().await.expect("status").policy, None);
    let live = kernel.read_table().expect("read");
    let shape = sanso_daemon::kernel::fallback_shape();
    assert_eq!(
        sanso_nft::conformance::check_shape(&shape, &live),
        Vec::<String>::new()
    );
    // And a fallback opened by hand does not pass that check.
    ns.nft(&["chain", "inet", "sanso", "forward", "{ policy accept; }"]);
    let live = kernel.read_table().expect("read");
    assert_eq!(
        sanso_nft::conformance::check_shape(&shape, &live),
        ["chain forward is type filter hook forward priority 0; policy accept, expected type filter hook forward priority 0; policy drop"]
    );
}
