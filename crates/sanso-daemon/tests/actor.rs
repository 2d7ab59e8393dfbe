//! The actor against a fake kernel (no root): start, reload, refusal,
//! commit-confirm with rollback and confirm, drift, expiry, host events,
//! and the audit trail each leaves.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sanso_daemon::actor::last_good;
use sanso_daemon::actor::{
    Actor, Handle, SavedPending, SavedPrevious, Settings, Trigger, AUDIT_FILE, LAST_GOOD_FILE,
    PENDING_FILE,
};
use sanso_daemon::compile::PolicySource;
use sanso_daemon::isolation::ISOLATIONS_FILE;
use sanso_daemon::kernel::{CounterValue, Kernel, KernelError, Neighbour, FALLBACK_RULESET};
use sanso_daemon::operator::Operator;
use sanso_daemon::DriftAction;
use sanso_ir::Ruleset;
use sanso_nft::conformance::TableShape;
use sanso_nft::isolation::{Isolated, IsolationChange};
use sanso_nft::readback::{LiveChain, LiveElement, LiveRule, LiveTable, TablePresence};
use sanso_process::ProcessError;
use serde_json::Value;

/// The kernel as a string (the text of the last thing loaded) and the shape
/// that thing reads back with: a ruleset's compiled shape, the fallback's,
/// or none for another listing (read back as one chain of its lines).
#[derive(Default)]
struct FakeState {
    table: Option<String>,
    shape: Option<TableShape>,
    /// Revisions of the rulesets applied, in order.
    applied: Vec<String>,
    refuse_applies: bool,
    /// How many of the next applies the kernel takes only in part: forward
    /// reads back with one rule less than compiled.
    misshape_applies: usize,
    /// Reading the table back fails.
    unreadable: bool,
    neighbours: Vec<Neighbour>,
    /// What the isolation sets hold.
    isolated: Isolated,
    /// Element updates of the isolation sets, in order.
    isolation_updates: Vec<Isolated>,
    /// The ruleset generation, bumped by every change the fake makes;
    /// `None`: this kernel does not tell (every drift tick reads back).
    generation: Option<u32>,
    /// Read-backs of the table.
    table_reads: usize,
    /// Times the daemon told the kernel to forget what it applied last.
    forgets: usize,
}

impl FakeState {
    fn bump(&mut self) {
        self.generation = self.generation.map(|g| g.wrapping_add(1));
    }
}

#[derive(Clone, Default)]
struct FakeKernel(Arc<Mutex<FakeState>>);

impl FakeKernel {
    fn with<T>(&self, f: impl FnOnce(&mut FakeState) -> T) -> T {
        f(&mut self.0.lock().expect("fake kernel lock"))
    }
}

impl Kernel for FakeKernel {
    fn apply_isolated(
        &self,
        ruleset: &Ruleset,
        text: &str,
        isolated: &Isolated,
    ) -> Result<(), KernelError> {
        self.apply(ruleset, text)?;
        self.with(|s| s.isolated = isolated.clone());
        Ok(())
    }

    fn set_isolated(&self, isolated: &Isolated) -> Result<IsolationChange, KernelError> {
        self.with(|s| {
            s.isolated = isolated.clone();
            s.isolation_updates.push(isolated.clone());
            s.bump();
        });
        Ok(IsolationChange {
            messages: 4,
            elements: isolated.len(),
            duration: Duration::from_micros(300),
            connections: Ok(Default::default()),
        })
    }

    fn apply(&self, ruleset: &Ruleset, text: &str) -> Result<(), KernelError> {
        self.with(|s| {
            if s.refuse_applies {
                return Err(KernelError::Run(ProcessError::Failed {
                    command: "fake".into(),
                    status: "1".into(),
                    stderr: "refused".into(),
                }));
            }
            s.table = Some(text.to_owned());
            s.bump();
            let mut shape = sanso_nft::conformance::expected_shape(ruleset);
            if s.misshape_applies > 0 {
                s.misshape_applies -= 1;
                if let Some(rules) = shape.chains.get_mut("forward") {
                    *rules -= 1;
                }
            }
            s.shape = Some(shape);
            s.applied.push(ruleset.revision.clone().unwrap_or_default());
            Ok(())
        })
    }

    fn read_table(&self) -> Result<LiveTable, KernelError> {
        let (text, shape, unreadable, isolated) = self.with(|s| {
            s.table_reads += 1;
            (
                s.table.clone(),
                s.shape.clone(),
                s.unreadable,
                s.isolated.clone(),
            )
        });
        if unreadable {
            return Err(KernelError::Run(ProcessError::Failed {
                command: "fake nft list".into(),
                status: "1".into(),
                stderr: "cannot list".into(),
            }));
        }
        if let (Some(text), Some(shape)) = (&text, shape) {
            let mut table = shaped(&shape, text);
            // The isolation sets hold what was loaded into them, as nft -j lists ranges.
            let ranges = [
                (
                    sanso_nft::isolation::ISOLATED4_SET,
                    isolated
                        .v4()
                        .iter()
                        .map(|r| (r.first.to_string(), r.last.to_string()))
                        .collect::<Vec<_>>(),
                ),
                (
                    sanso_nft::isolation::ISOLATED6_SET,
                    isolated
                        .v6()
                        .iter()
                        .map(|r| (r.first.to_string(), r.last.to_string()))
                        .collect(),
                ),
            ];
            for (name, ranges) in ranges {
                if let Some(set) = table.sets.get_mut(name) {
                    set.elements = ranges
                        .into_iter()
                        .map(|(a, b)| LiveElement {
                            text: format!("{a}-{b}"),
                            json: serde_json::json!({ "range": [a, b] }).to_string(),
                        })
                        .collect();
                }
            }
            return Ok(table);
        }
        let mut chains = BTreeMap::new();
        if let Some(t) = &text {
            let rules = t
                .lines()
                .map(|l| LiveRule {
                    text: l.to_owned(),
                    json: l.to_owned(),
                })
                .collect();
            chains.insert(
                "all".to_owned(),
                LiveChain {
                    name: "all".into(),
                    hook: None,
                    comment: None,
                    rules,
                },
            );
        }
        Ok(LiveTable {
            presence: if text.is_some() {
                TablePresence::Present
            } else {
                TablePresence::Absent
            },
            flags: Vec::new(),
            incomplete: None,
            comment: None,
            objects: BTreeMap::new(),
            sets: BTreeMap::new(),
            chains,
            text: text.unwrap_or_default(),
            foreign_base_chains: Vec::new(),
        })
    }

    fn load_table_text(&self, listing: &str) -> Result<(), KernelError> {
        self.with(|s| {
            s.table = Some(listing.to_owned());
            s.bump();
            s.shape = (listing == FALLBACK_RULESET).then(sanso_daemon::kernel::fallback_shape);
        });
        Ok(())
    }

    fn generation(&self) -> Result<Option<u32>, KernelError> {
        Ok(self.with(|s| s.generation))
    }

    fn counters(&self) -> Result<Vec<CounterValue>, KernelError> {
        Ok(Vec::new())
    }

    fn forget_applied(&self) {
        self.with(|s| s.forgets += 1);
    }

    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError> {
        Ok(self.with(|s| s.neighbours.clone()))
    }
}

/// A table with `shape`, as the read-back gives it; every rule carries a
/// hash of `text`, so a changed text is drift.
fn shaped(shape: &TableShape, text: &str) -> LiveTable {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    LiveTable {
        text: text.to_owned(),
        ..sanso_nft::conformance::table_with_shape(shape, &format!("{:x}", hasher.finish()))
    }
}

/// The daemon's test policy (`tests/fixtures/test-city.toml`, shared with
/// the unit tests); `maint_until` bounds the `maint` flow when given.
fn policy_text(revision: &str, maint_until: Option<&str>) -> String {
    let until = maint_until
        .map(|u| format!("until = \"{u}\""))
        .unwrap_or_default();
    include_str!("fixtures/test-city.toml")
        .replace("@REVISION@", revision)
        .replace("@UNTIL@", &until)
}

/// A control-socket peer with uid 0, known by its uid only.
fn root() -> Operator {
    Operator::peer(0, 0, None)
}

struct Rig {
    _dir: tempfile::TempDir,
    policy: PathBuf,
    state: PathBuf,
    kernel: FakeKernel,
    handle: Handle,
}

fn settings(policy: &Path, state: &Path, drift: Duration) -> Settings {
    Settings {
        policy_path: policy.to_owned(),
        state_dir: state.to_owned(),
        netns: None,
        drift_interval: drift,
        drift_action: DriftAction::Restore,
        drift_full_every: sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY,
        neighbour_interval: Duration::from_millis(100),
    }
}

async fn rig_with(text: &str, kernel: FakeKernel, drift: Duration) -> Rig {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    let state = dir.path().join("state");
    std::fs::write(&policy, text).expect("write policy");
    let actor =
        Actor::new(settings(&policy, &state, drift), Arc::new(kernel.clone())).expect("actor");
    let (handle, _task) = actor.spawn();
    // The first answer comes after the start apply.
    handle.status().await.expect("actor running");
    Rig {
        _dir: dir,
        policy,
        state,
        kernel,
        handle,
    }
}

async fn rig(text: &str) -> Rig {
    rig_with(text, FakeKernel::default(), Duration::from_secs(3600)).await
}

impl Rig {
    fn applied(&self) -> Vec<String> {
        self.kernel.with(|s| s.applied.clone())
    }

    /// Every record of the (verified) audit log, intents included.
    fn all_audit(&self) -> Vec<Value> {
        audit_records(&self.state)
    }

    /// The audit records other than intents (each kernel change has one
    /// before it; `intents_come_before_every_kernel_change` checks them).
    fn audit(&self) -> Vec<Value> {
        self.all_audit()
            .into_iter()
            .filter(|r| r["event"] != "intent")
            .collect()
    }

    fn events(&self) -> Vec<String> {
        self.audit()
            .iter()
            .map(|r| r["event"].as_str().unwrap_or("?").to_owned())
            .collect()
    }

    /// Applies revision "r2" as `candidate.toml`, to be confirmed within
    /// `within`; returns the candidate.
    async fn apply_candidate_r2(&self, within: Duration) -> PolicySource {
        let candidate = PolicySource {
            file: "candidate.toml".into(),
            text: policy_text("r2", None),
        };
        self.handle
            .apply_confirm(candidate.clone(), within, root())
            .await
            .expect("applied");
        candidate
    }

    async fn revision(&self) -> Option<String> {
        self.handle
            .status()
            .await
            .expect("status")
            .policy
            .and_then(|p| p.revision)
    }
}

/// What a daemon leaves when it dies: its state directory, policy file and
/// kernel (the temporary directory lives as long as this).
struct Stopped {
    _dir: tempfile::TempDir,
    policy: PathBuf,
    state: PathBuf,
    kernel: FakeKernel,
}

impl Rig {
    /// The daemon dies (its task ends with its last handle).
    fn stop(self) -> Stopped {
        let Rig {
            _dir,
            policy,
            state,
            kernel,
            handle,
        } = self;
        drop(handle);
        Stopped {
            _dir,
            policy,
            state,
            kernel,
        }
    }
}

/// A new daemon on what the last one left; returns after its start apply.
async fn start_again(policy: &Path, state: &Path, kernel: &FakeKernel) -> Handle {
    let actor = Actor::new(
        settings(policy, state, Duration::from_secs(3600)),
        Arc::new(kernel.clone()),
    )
    .expect("the daemon starts");
    let (handle, _task) = actor.spawn();
    handle.status().await.expect("running");
    handle
}

/// The records of the audit log in `state`, after checking its chain.
fn audit_records(state: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(state.join(AUDIT_FILE)).expect("audit log");
    let chain = sanso_daemon::audit::check_chain_file(&state.join(AUDIT_FILE)).expect("read");
    assert!(chain.is_ok(), "audit chain broken: {chain:?}");
    text.lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

/// Polls `check` every 50 ms for at most `limit`.
async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}

#[tokio::test]
async fn start_applies_and_saves_the_last_good_ruleset() {
    let rig = rig(&policy_text("r1", None)).await;
    assert_eq!(rig.revision().await.as_deref(), Some("r1"));
    assert_eq!(rig.applied(), vec!["r1"]);
    let saved = std::fs::read_to_string(rig.state.join(LAST_GOOD_FILE)).expect("last good");
    assert_eq!(Some(saved), rig.kernel.with(|s| s.table.clone()));
    // Beside it, written with it: the policy a netlink boot compiles, which
    // belongs to that text.
    let restore = last_good::load(&rig.state).expect("the pair belongs together");
    assert_eq!(restore.source.text, policy_text("r1", None));
    assert_eq!(restore.ha, None);
    assert_eq!(rig.events(), vec!["start", "apply"]);
    let apply = &rig.audit()[1];
    assert_eq!(apply["policy"]["revision"], "r1");
    assert_eq!(apply["detail"]["trigger"], "start");
    assert_eq!(
        apply["policy"]["content_hash"].as_str().map(str::len),
        Some(64)
    );
    assert_eq!(
        rig.audit()[0]["detail"]["boot"],
        Value::Null,
        "no boot record yet"
    );

    // A reboot: `sanso boot` leaves its record, the next start carries it
    // into the chain.
    let record = last_good::BootRecord {
        time: "2026-12-06T00:00:00Z".into(),
        boot_id: Some("b1".into()),
        loaded: "netlink".into(),
        verified: true,
        policy: None,
        isolated: Some(0),
        fallbacks: vec![],
        loaded_microseconds: Some(1234),
        netns: None,
    };
    let Stopped {
        _dir,
        policy,
        state,
        kernel,
    } = rig.stop();
    last_good::save_boot_record(&state, &record).expect("boot record");
    let _handle = start_again(&policy, &state, &kernel).await;
    let records = audit_records(&state);
    let start = records
        .iter()
        .rfind(|r| r["event"] == "start")
        .expect("a start record");
    assert_eq!(
        start["detail"]["boot"],
        serde_json::to_value(&record).expect("json")
    );
}

#[tokio::test]
async fn a_bad_policy_keeps_the_running_ruleset_and_is_audited() {
    let rig = rig(&policy_text("r1", None)).await;
    let before = rig.kernel.with(|s| s.table.clone());
    std::fs::write(
        &rig.policy,
        policy_text("r2", None).replace("services = [\"https\"]", "services = [\"nosuch\"]"),
    )
    .expect("write");
    let outcome = rig.handle.reload(Trigger::Sighup, root()).await;
    assert!(outcome.is_err());
    assert_eq!(rig.kernel.with(|s| s.table.clone()), before);
    assert_eq!(rig.revision().await.as_deref(), Some("r1"));
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.counts.refused, 1);
    assert!(status.last_error.is_some());
    // With the time it happened, an explicit UTC instant.
    assert!(status
        .last_error_at
        .as_deref()
        .is_some_and(|t| t.ends_with('Z') && t.parse::<jiff::Timestamp>().is_ok()));
    assert_eq!(rig.events(), vec!["start", "apply", "refused"]);
    assert_eq!(rig.audit()[2]["detail"]["trigger"], "sighup");

    std::fs::write(&rig.policy, policy_text("r3", None)).expect("write");
    rig.handle
        .reload(Trigger::Request, root())
        .await
        .expect("good policy applies");
    assert_eq!(rig.revision().await.as_deref(), Some("r3"));
    assert_eq!(rig.events(), vec!["start", "apply", "refused", "reload"]);
    // The refusal no longer holds once a later policy applied and verified.
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.last_error, None);
    assert_eq!(status.last_error_at, None);
    assert_eq!(status.counts.refused, 1);
}

#[tokio::test]
async fn a_kernel_refusal_keeps_the_running_ruleset() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.kernel.with(|s| s.refuse_applies = true);
    std::fs::write(&rig.policy, policy_text("r2", None)).expect("write");
    assert!(rig
        .handle
        .reload(Trigger::FileChange, root())
        .await
        .is_err());
    assert_eq!(rig.revision().await.as_deref(), Some("r1"));
    assert_eq!(
        rig.handle
            .status()
            .await
            .expect("status")
            .counts
            .apply_failures,
        1
    );
    assert_eq!(
        rig.events().last().map(String::as_str),
        Some("apply-failed")
    );
}

/// How many rules the test policy's forward chain compiles to.
fn forward_rules(revision: &str) -> usize {
    let compiled = sanso_daemon::compile::compile(
        PolicySource {
            file: "policy.toml".into(),
            text: policy_text(revision, None),
        },
        0,
    )
    .expect("compiles");
    sanso_nft::conformance::expected_shape(&compiled.ruleset).chains["forward"]
}

#[tokio::test]
async fn a_verified_apply_says_so_and_an_unreadable_one_says_it_was_not_verified() {
    let rig = rig(&policy_text("r1", None)).await;
    assert_eq!(rig.audit()[1]["detail"]["verified"], true);
    std::fs::write(&rig.policy, policy_text("r2", None)).expect("write");
    let said = rig
        .handle
        .reload(Trigger::Request, root())
        .await
        .expect("applied");
    assert_eq!(
        said,
        "applied test-city rev r2 (2 flows); read back and verified"
    );

    rig.kernel.with(|s| s.unreadable = true);
    std::fs::write(&rig.policy, policy_text("r3", None)).expect("write");
    let said = rig
        .handle
        .reload(Trigger::Request, root())
        .await
        .expect("applied");
    assert!(
        !said.contains("verified;") && !said.ends_with(" verified"),
        "{said}"
    );
    assert!(
        said.ends_with("; not verified: cannot read the table back"),
        "{said}"
    );
    assert_eq!(rig.revision().await.as_deref(), Some("r3"));
    let status = rig.handle.status().await.expect("status");
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e
                .starts_with("applied test-city rev r3, not verified: cannot read the table back")),
        "{:?}",
        status.last_error
    );
    assert_eq!(status.counts.verify_failures, 0);
    assert_eq!(
        rig.audit().last().expect("record")["detail"]["verified"],
        false
    );
}

#[tokio::test]
async fn an_apply_that_does_not_read_back_as_compiled_is_undone_and_audited() {
    let rig = rig(&policy_text("r1", None)).await;
    let last_good = std::fs::read_to_string(rig.state.join(LAST_GOOD_FILE)).expect("last good");
    rig.kernel.with(|s| s.misshape_applies = 1);
    std::fs::write(&rig.policy, policy_text("r2", None)).expect("write");
    let error = rig
        .handle
        .reload(Trigger::FileChange, root())
        .await
        .expect_err("an unverified apply is a failure");
    let n = forward_rules("r2");
    let difference = format!("chain forward has {} rules, expected {n}", n - 1);
    assert_eq!(
        error,
        format!(
            "apply failed: the table read back after the apply does not have the compiled shape \
             (1 difference(s), first: {difference}); re-applied test-city rev r1, the ruleset that \
             ran before; it reads back as loaded"
        )
    );
    // r2 went in, did not verify, and r1 was applied again: the kernel,
    // the current policy and the last good ruleset are r1's.
    assert_eq!(rig.applied(), ["r1", "r2", "r1"]);
    // The table was not what was loaded: the kernel forgot what it applied,
    // so that r1 went back in whole, not as a change from r2.
    assert_eq!(rig.kernel.with(|s| s.forgets), 1);
    assert_eq!(rig.revision().await.as_deref(), Some("r1"));
    assert_eq!(
        std::fs::read_to_string(rig.state.join(LAST_GOOD_FILE)).expect("last good"),
        last_good
    );
    assert_eq!(rig.kernel.with(|s| s.table.clone()), Some(last_good));
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.counts.verify_failures, 1);
    assert_eq!(status.counts.apply_failures, 1);
    assert_eq!(status.counts.applies, 1);
    assert_eq!(status.drift, "in-sync");
    assert_eq!(
        status.last_error.as_deref(),
        Some(&error["apply failed: ".len()..])
    );
    // Audited: verify-failed with what was checked, the difference and what
    // the kernel holds now, then apply-failed with the trigger.
    let events = rig.events();
    assert_eq!(events, ["start", "apply", "verify-failed", "apply-failed"]);
    let audit = rig.audit();
    let record = &audit[2];
    assert_eq!(record["policy"]["revision"], "r2");
    assert_eq!(record["detail"]["trigger"], "file-change");
    assert_eq!(
        record["detail"]["problems"],
        serde_json::json!([difference])
    );
    assert_eq!(record["detail"]["count"], 1);
    assert!(
        record["detail"]["checked"]
            .as_str()
            .is_some_and(|c| c.starts_with("policy identity, ") && c.contains(" rules, ")),
        "{record}"
    );
    assert_eq!(
        record["detail"]["kernel_now"],
        "re-applied test-city rev r1, the ruleset that ran before; it reads back as loaded"
    );
    assert_eq!(audit[3]["detail"]["trigger"], "file-change");
    // Counted for the metrics endpoint.
    let metrics = sanso_daemon::metrics::render(
        &rig.handle.metrics().await.expect("metrics"),
        None,
        sanso_daemon::metrics::MetricsOptions::default(),
    );
    assert!(
        metrics
            .lines()
            .any(|l| l == "sanso_verify_failures_total 1"),
        "{metrics}"
    );
    // The drift watch compares against r1 as read back again.
    std::fs::write(&rig.policy, policy_text("r3", None)).expect("write");
    rig.handle
        .reload(Trigger::Request, root())
        .await
        .expect("r3 verifies");
    assert_eq!(rig.revision().await.as_deref(), Some("r3"));
}

#[tokio::test]
async fn when_the_previous_ruleset_does_not_read_back_either_the_error_says_so() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.kernel.with(|s| s.misshape_applies = 2);
    std::fs::write(&rig.policy, policy_text("r2", None)).expect("write");
    let error = rig
        .handle
        .reload(Trigger::Sighup, root())
        .await
        .expect_err("an unverified apply is a failure");
    assert!(
        error.ends_with(&format!(
            "re-applied test-city rev r1, the ruleset that ran before, but it too reads back \
             otherwise (1 difference(s), first: chain forward has {} rules, expected {}): the \
             kernel holds an unverified table",
            forward_rules("r1") - 1,
            forward_rules("r1")
        )),
        "{error}"
    );
    assert!(!error.contains("reads back as loaded"), "{error}");
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.counts.verify_failures, 2);
    assert_eq!(rig.applied(), ["r1", "r2", "r1"]);
}

#[tokio::test]
async fn an_unverified_start_leaves_the_closed_fallback_not_the_misshapen_table() {
    let kernel = FakeKernel::default();
    kernel.with(|s| s.misshape_applies = 1);
    let rig = rig_with(&policy_text("r1", None), kernel, Duration::from_secs(3600)).await;
    assert_eq!(rig.revision().await, None);
    assert_eq!(
        rig.kernel.with(|s| s.table.clone()).as_deref(),
        Some(FALLBACK_RULESET)
    );
    assert!(!rig.state.join(LAST_GOOD_FILE).exists());
    assert_eq!(rig.events(), ["start", "verify-failed", "apply-failed"]);
    let audit = rig.audit();
    assert_eq!(audit[1]["detail"]["trigger"], "start");
    assert_eq!(
        audit[1]["detail"]["kernel_now"],
        "loaded the closed fallback ruleset; it reads back as loaded"
    );
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.counts.verify_failures, 1);
    assert_eq!(status.counts.applies, 0);
}

#[tokio::test]
async fn an_unverified_start_puts_back_the_table_that_was_there() {
    // The boot loader had loaded a table (say the last good ruleset).
    let kernel = FakeKernel::default();
    kernel.with(|s| {
        s.table = Some("table inet sanso { # from boot }".into());
        s.misshape_applies = 1;
    });
    let rig = rig_with(&policy_text("r1", None), kernel, Duration::from_secs(3600)).await;
    assert_eq!(rig.revision().await, None);
    assert_eq!(
        rig.kernel.with(|s| s.table.clone()).as_deref(),
        Some("table inet sanso { # from boot }")
    );
    assert_eq!(
        rig.audit()[1]["detail"]["kernel_now"],
        "restored the table as it was before the apply; it reads back as loaded"
    );
}

#[tokio::test]
async fn an_unverified_rollback_is_a_failed_rollback_and_says_what_the_kernel_holds() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.apply_candidate_r2(Duration::from_secs(1)).await;
    // The rollback's apply of r1 reads back misshapen; r2 goes back in.
    rig.kernel.with(|s| s.misshape_applies = 1);
    assert!(
        eventually(Duration::from_secs(5), || rig
            .events()
            .last()
            .map(String::as_str)
            == Some("rollback"))
        .await,
        "{:?}",
        rig.events()
    );
    assert_eq!(rig.applied(), ["r1", "r2", "r1", "r2"]);
    assert_eq!(
        rig.events(),
        [
            "start",
            "apply",
            "confirm-pending",
            "verify-failed",
            "rollback"
        ]
    );
    let audit = rig.audit();
    assert_eq!(audit[3]["detail"]["trigger"], "rollback");
    assert_eq!(audit[4]["detail"]["result"], "failed");
    assert!(
        audit[4]["detail"]["error"]
            .as_str()
            .is_some_and(|e| e.ends_with(
                "re-applied test-city rev r2, the ruleset that ran before; it reads back as loaded"
            )),
        "{}",
        audit[4]
    );
    assert_eq!(rig.revision().await.as_deref(), Some("r2"));
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.counts.verify_failures, 1);
    assert!(status
        .last_error
        .is_some_and(|e| e.starts_with("rollback failed: ")));
}

#[tokio::test]
async fn a_drift_restore_that_does_not_read_back_as_compiled_is_audited() {
    let rig = rig_with(
        &policy_text("r1", None),
        FakeKernel::default(),
        Duration::from_millis(100),
    )
    .await;
    rig.kernel.with(|s| {
        s.table = s.table.as_ref().map(|t| t.replace("accept", "drop"));
        s.misshape_applies = 1;
    });
    assert!(
        eventually(Duration::from_secs(5), || rig
            .events()
            .contains(&"verify-failed".to_owned()))
        .await,
        "{:?}",
        rig.events()
    );
    let audit = rig.audit();
    let record = audit
        .iter()
        .find(|r| r["event"] == "verify-failed")
        .expect("verify-failed");
    assert_eq!(record["detail"]["trigger"], "drift-restore");
    // Re-applied once more, and that one read back as compiled.
    assert_eq!(
        record["detail"]["kernel_now"],
        "re-applied test-city rev r1, the ruleset that ran before; it reads back as loaded"
    );
    assert_eq!(rig.applied(), ["r1", "r1", "r1"]);
}

#[tokio::test]
async fn an_unconfirmed_apply_rolls_back() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.apply_candidate_r2(Duration::from_secs(1)).await;
    assert_eq!(rig.revision().await.as_deref(), Some("r2"));
    let status = rig.handle.status().await.expect("status");
    assert!(status.pending_confirm.is_some());
    assert!(
        eventually(Duration::from_secs(5), || rig.applied().len() == 3).await,
        "no rollback"
    );
    assert_eq!(rig.applied(), vec!["r1", "r2", "r1"]);
    assert_eq!(rig.revision().await.as_deref(), Some("r1"));
    assert_eq!(
        rig.events(),
        vec!["start", "apply", "confirm-pending", "rollback"]
    );
    let rollback = &rig.audit()[3];
    assert_eq!(rollback["policy"]["revision"], "r1");
    assert_eq!(rollback["detail"]["from"]["revision"], "r2");
    assert_eq!(rollback["detail"]["result"], "rolled-back");
}

#[tokio::test]
async fn a_confirmed_apply_stays() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.apply_candidate_r2(Duration::from_secs(1)).await;
    rig.handle.confirm(root()).await.expect("confirmed");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(rig.applied(), vec!["r1", "r2"]);
    assert_eq!(rig.revision().await.as_deref(), Some("r2"));
    assert!(
        rig.handle.confirm(root()).await.is_err(),
        "nothing left to confirm"
    );
    assert_eq!(
        rig.events(),
        vec!["start", "apply", "confirm-pending", "confirm"]
    );
}

#[tokio::test]
async fn reloads_wait_for_a_pending_confirm() {
    let rig = rig(&policy_text("r1", None)).await;
    let candidate = rig.apply_candidate_r2(Duration::from_secs(30)).await;
    assert!(rig
        .handle
        .apply_confirm(candidate, Duration::from_secs(30), root())
        .await
        .is_err());
    std::fs::write(&rig.policy, policy_text("r3", None)).expect("write");
    assert!(
        rig.handle.reload(Trigger::Sighup, root()).await.is_err(),
        "deferred"
    );
    assert_eq!(rig.revision().await.as_deref(), Some("r2"));
    rig.handle.confirm(root()).await.expect("confirmed");
    // The deferred reload ran after the confirm.
    assert_eq!(rig.revision().await.as_deref(), Some("r3"));
}

#[tokio::test]
async fn rollback_without_a_previous_policy_restores_the_closed_fallback() {
    // The policy file is broken at start: nothing is applied; the kernel is empty.
    let rig = rig("not a policy").await;
    assert_eq!(rig.revision().await, None);
    rig.apply_candidate_r2(Duration::from_secs(1)).await;
    assert!(
        eventually(Duration::from_secs(5), || rig
            .kernel
            .with(|s| s.table.as_deref() == Some(FALLBACK_RULESET)))
        .await
    );
    assert_eq!(rig.revision().await, None);
    assert_eq!(
        rig.events(),
        vec!["start", "refused", "confirm-pending", "rollback"]
    );
}

#[tokio::test]
async fn drift_is_detected_audited_and_restored() {
    let rig = rig_with(
        &policy_text("r1", None),
        FakeKernel::default(),
        Duration::from_millis(100),
    )
    .await;
    let expected = rig.kernel.with(|s| s.table.clone());
    rig.kernel
        .with(|s| s.table = s.table.as_ref().map(|t| t.replace("accept", "drop")));
    assert!(
        eventually(Duration::from_secs(5), || rig
            .kernel
            .with(|s| s.table == expected))
        .await,
        "not restored"
    );
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.counts.drift_events, 1);
    assert_eq!(status.counts.drift_restores, 1);
    // Drift: the kernel forgot what it applied, so the restore was whole.
    assert!(rig.kernel.with(|s| s.forgets) >= 1);
    let drift = rig
        .audit()
        .into_iter()
        .find(|r| r["event"] == "drift")
        .expect("a drift record");
    assert_eq!(drift["detail"]["action"], "restore");
    assert!(drift["detail"]["change_count"]
        .as_u64()
        .is_some_and(|n| n > 0));
}

/// A rig whose kernel tells its ruleset generation (starting at 1), drift
/// checked every `tick`, the table read back every `full_every` ticks
/// regardless.
async fn generation_rig(tick: Duration, full_every: u32) -> Rig {
    let kernel = FakeKernel::default();
    kernel.with(|s| s.generation = Some(1));
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    let state = dir.path().join("state");
    std::fs::write(&policy, policy_text("r1", None)).expect("write policy");
    let settings = Settings {
        drift_full_every: full_every,
        ..settings(&policy, &state, tick)
    };
    let actor = Actor::new(settings, Arc::new(kernel.clone())).expect("actor");
    let (handle, _task) = actor.spawn();
    handle.status().await.expect("actor running");
    Rig {
        _dir: dir,
        policy,
        state,
        kernel,
        handle,
    }
}

/// Polls the actor's counts until `done` holds (at most `limit`).
async fn counts_until(
    rig: &Rig,
    limit: Duration,
    done: impl Fn(&sanso_daemon::protocol::Counts) -> bool,
) -> sanso_daemon::protocol::Counts {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let counts = rig.handle.status().await.expect("status").counts;
        if done(&counts) || tokio::time::Instant::now() >= deadline {
            return counts;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_unchanged_generation_spares_the_read_back_and_a_changed_one_is_checked() {
    let rig = generation_rig(Duration::from_millis(50), 1_000_000).await;
    let reads_after_start = rig.kernel.with(|s| s.table_reads);
    let counts = counts_until(&rig, Duration::from_secs(10), |c| c.drift_checks >= 5).await;
    assert!(counts.drift_checks >= 5, "{counts:?}");
    assert_eq!(counts.drift_full_checks, 0, "{counts:?}");
    assert_eq!(rig.kernel.with(|s| s.table_reads), reads_after_start);

    // A change by someone else bumps the generation: the next tick reads
    // the table, finds the drift and restores.
    let expected = rig.kernel.with(|s| s.table.clone());
    rig.kernel.with(|s| {
        s.table = s.table.as_ref().map(|t| t.replace("accept", "drop"));
        s.bump();
    });
    let counts = counts_until(&rig, Duration::from_secs(10), |c| c.drift_restores >= 1).await;
    assert_eq!(
        (
            counts.drift_events,
            counts.drift_restores,
            counts.drift_full_checks
        ),
        (1, 1, 1),
        "{counts:?}"
    );
    assert_eq!(rig.kernel.with(|s| s.table.clone()), expected);

    // The restore recorded its own generation: quiet again.
    let reads = rig.kernel.with(|s| s.table_reads);
    let checks = counts.drift_checks;
    let counts = counts_until(&rig, Duration::from_secs(10), |c| {
        c.drift_checks >= checks + 5
    })
    .await;
    assert_eq!(counts.drift_full_checks, 1, "{counts:?}");
    assert_eq!(rig.kernel.with(|s| s.table_reads), reads);
}

#[tokio::test]
async fn the_periodic_full_check_catches_what_the_generation_missed() {
    // A change that (unlike any real one) leaves the generation as it was.
    let rig = generation_rig(Duration::from_millis(200), 3).await;
    let expected = rig.kernel.with(|s| s.table.clone());
    rig.kernel
        .with(|s| s.table = s.table.as_ref().map(|t| t.replace("accept", "drop")));
    let counts = counts_until(&rig, Duration::from_secs(10), |c| c.drift_restores >= 1).await;
    assert_eq!(counts.drift_restores, 1, "{counts:?}");
    assert_eq!(rig.kernel.with(|s| s.table.clone()), expected);
    // The first full check (the third tick) found it.
    assert_eq!(counts.drift_full_checks, 1, "{counts:?}");
    assert_eq!(counts.drift_events, 1, "{counts:?}");
}

#[tokio::test]
async fn an_expired_flow_is_recompiled_away_and_audited() {
    // A flow whose `until` (RFC 3339) is two seconds away.
    let until = jiff::Timestamp::now().as_second() + 2;
    let until_text = jiff::Timestamp::from_second(until).expect("ts").to_string();
    let text = policy_text("r1", Some(&until_text));
    if sanso_policy::load_policy("p.toml", &text).is_err() {
        eprintln!(
            "skipped: `until` takes dates only in this build; expiry is covered by compile tests"
        );
        return;
    }
    let rig = rig(&text).await;
    assert_eq!(
        rig.handle
            .status()
            .await
            .expect("status")
            .policy
            .expect("applied")
            .flows,
        2
    );
    assert!(
        eventually(Duration::from_secs(6), || rig.applied().len() == 2).await,
        "no recompile at expiry"
    );
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.policy.expect("applied").flows, 1);
    assert_eq!(status.counts.expiries, 1);
    let expiry = rig
        .audit()
        .into_iter()
        .find(|r| r["event"] == "expiry")
        .expect("an expiry record");
    assert_eq!(
        expiry["detail"]["expired_flows"],
        serde_json::json!(["maint"])
    );
}

#[tokio::test]
async fn unknown_and_spoofing_neighbours_are_reported_once() {
    let kernel = FakeKernel::default();
    let n = |i: &str, a: &str| Neighbour {
        interface: i.into(),
        address: a.parse::<IpAddr>().expect("addr"),
    };
    kernel.with(|s| {
        s.neighbours = vec![
            n("lg0", "10.20.1.5"),
            n("lg0", "10.20.7.7"),
            n("lg0", "10.250.0.9"),
        ]
    });
    let rig = rig_with(&policy_text("r1", None), kernel, Duration::from_secs(3600)).await;
    assert!(
        eventually(Duration::from_secs(5), || rig
            .events()
            .iter()
            .filter(|e| *e == "host")
            .count()
            == 2)
        .await,
        "host events: {:?}",
        rig.events()
    );
    tokio::time::sleep(Duration::from_millis(300)).await; // a few more looks
    let hosts: Vec<Value> = rig
        .audit()
        .into_iter()
        .filter(|r| r["event"] == "host")
        .collect();
    assert_eq!(hosts.len(), 2, "each finding is audited once");
    assert_eq!(hosts[0]["detail"]["kind"], "unknown-host");
    assert_eq!(hosts[0]["detail"]["address"], "10.20.7.7");
    assert_eq!(hosts[1]["detail"]["kind"], "spoofing-suspect");
    let metrics = rig.handle.metrics().await.expect("metrics");
    assert_eq!(
        (metrics.unknown_hosts_now, metrics.spoofing_suspects_now),
        (1, 1)
    );
}

#[tokio::test]
async fn intents_come_before_every_kernel_change() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.apply_candidate_r2(Duration::from_secs(1)).await;
    // The rollback's record follows its kernel change: wait for the record.
    assert!(
        eventually(Duration::from_secs(10), || rig
            .events()
            .contains(&"rollback".to_owned()))
        .await,
        "no rollback"
    );
    let events: Vec<String> = rig
        .all_audit()
        .iter()
        .map(|r| r["event"].as_str().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(
        events,
        [
            "start",
            "intent",
            "apply",
            "intent",
            "confirm-pending",
            "intent",
            "rollback"
        ]
    );
    let audit = rig.all_audit();
    let comment = |revision: &str| {
        let compiled = sanso_daemon::compile::compile(
            PolicySource {
                file: "p.toml".into(),
                text: policy_text(revision, None),
            },
            0,
        )
        .expect("compiles");
        sanso_nft::text::layout::identity_comment(&compiled.ruleset)
    };
    assert_eq!(audit[1]["detail"]["trigger"], "start");
    assert_eq!(audit[1]["detail"]["table_comment"], comment("r1"));
    assert_eq!(audit[3]["detail"]["trigger"], "apply-confirm");
    assert_eq!(audit[3]["policy"]["revision"], "r2");
    assert_eq!(audit[5]["detail"]["trigger"], "rollback");
    assert_eq!(audit[5]["policy"]["revision"], "r1");
}

#[tokio::test]
async fn boot_keeps_the_confirmed_ruleset_until_a_new_one_is_confirmed() {
    let rig = rig(&policy_text("r1", None)).await;
    let r1 = rig.kernel.with(|s| s.table.clone()).expect("r1 applied");
    let last_good = || std::fs::read_to_string(rig.state.join(LAST_GOOD_FILE)).expect("last good");
    let pending = rig.state.join(PENDING_FILE);
    rig.apply_candidate_r2(Duration::from_secs(30)).await;
    let r2 = rig.kernel.with(|s| s.table.clone()).expect("r2 applied");
    assert_ne!(r1, r2);
    assert_eq!(last_good(), r1, "boot must not load an unconfirmed ruleset");
    let restored = || last_good::load(&rig.state).expect("the pair belongs together");
    assert!(restored().source.text.contains("\"r1\""), "nor its policy");
    let saved: SavedPending =
        serde_json::from_str(&std::fs::read_to_string(&pending).expect("window saved"))
            .expect("window parses");
    assert_eq!(saved.candidate["revision"], "r2");
    assert!(
        matches!(saved.previous, SavedPrevious::Policy { ref text, .. } if text.contains("\"r1\""))
    );
    rig.handle.confirm(root()).await.expect("confirmed");
    assert_eq!(last_good(), r2);
    assert!(
        restored().source.text.contains("\"r2\""),
        "the pair changes together"
    );
    assert!(!pending.exists(), "the window is closed on disk too");
}

#[tokio::test]
async fn a_daemon_that_starts_inside_a_dead_window_rolls_back_at_once() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.apply_candidate_r2(Duration::from_secs(3600)).await;
    // The daemon dies (its task is dropped with the handle); a new one starts
    // on the same state directory with a policy file that no longer loads,
    // so only the rollback can take r2 out of the kernel.
    let Stopped {
        _dir,
        policy,
        state,
        kernel,
    } = rig.stop();
    std::fs::write(&policy, "not a policy").expect("write");
    let handle = start_again(&policy, &state, &kernel).await;
    let status = handle.status().await.expect("running");
    assert_eq!(kernel.with(|s| s.applied.clone()), ["r1", "r2", "r1"]);
    // The start apply was refused; what runs is the policy rolled back to.
    assert_eq!(status.counts.refused, 1);
    assert_eq!(
        status.policy.and_then(|p| p.revision).as_deref(),
        Some("r1")
    );
    assert!(status.pending_confirm.is_none());
    assert!(!state.join(PENDING_FILE).exists());
    let rollback = audit_records(&state)
        .into_iter()
        .find(|r| r["event"] == "rollback")
        .expect("a rollback record");
    assert_eq!(rollback["policy"]["revision"], "r1");
    assert_eq!(rollback["detail"]["result"], "rolled-back");
    assert_eq!(
        rollback["detail"]["reason"],
        "the daemon restarted inside the confirm window"
    );
}

fn mkfifo(path: &Path) {
    let c_path =
        std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path without NUL");
    // SAFETY: a valid NUL-terminated path and a mode.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// FIFOs where the confirm window and the isolation entries are kept: the
/// daemon neither waits for a writer nor leaves the unconfirmed ruleset. It
/// starts at once, rolls back to the closed fallback (what ran before the
/// window is unknown) and records why it read no isolation entries.
#[test]
fn fifos_in_place_of_the_state_files_do_not_hold_up_the_start() {
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    };
    // The runtime goes with the block, and the first daemon's task with it.
    let Stopped {
        _dir,
        policy,
        state,
        kernel,
    } = runtime().block_on(async {
        let rig = rig(&policy_text("r1", None)).await;
        rig.apply_candidate_r2(Duration::from_secs(3600)).await;
        rig.stop()
    });
    std::fs::remove_file(state.join(PENDING_FILE)).expect("the window file");
    mkfifo(&state.join(PENDING_FILE));
    mkfifo(&state.join(ISOLATIONS_FILE));
    // The policy file does not load: only the rollback can take r2 out.
    std::fs::write(&policy, "not a policy").expect("write");
    // Started on its own thread, so a read that waits on a FIFO fails the
    // test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let (policy, state, kernel) = (policy.clone(), state.clone(), kernel.clone());
        std::thread::spawn(move || {
            runtime().block_on(async {
                let _handle = start_again(&policy, &state, &kernel).await;
            });
            let _ = tx.send(());
        });
    }
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the daemon's start waited on a FIFO");
    assert_eq!(
        kernel.with(|s| s.table.clone()).as_deref(),
        Some(FALLBACK_RULESET)
    );
    assert!(!state.join(PENDING_FILE).exists());
    let records = audit_records(&state);
    let rollback = records
        .iter()
        .find(|r| r["event"] == "rollback")
        .expect("a rollback record");
    assert_eq!(rollback["detail"]["result"], "rolled-back");
    let reason = rollback["detail"]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("the saved confirm window is unreadable")
            && reason.contains("is a FIFO (named pipe), not a regular file"),
        "{reason}"
    );
    let isolate = records
        .iter()
        .find(|r| r["event"] == "isolate" && r["detail"]["trigger"] == "start")
        .expect("the unreadable entries are recorded");
    let error = isolate["detail"]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(ISOLATIONS_FILE)
            && error.contains("is a FIFO (named pipe), not a regular file"),
        "{error}"
    );
}

#[tokio::test]
async fn a_stop_rolls_back_a_pending_apply_and_is_audited() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.apply_candidate_r2(Duration::from_secs(3600)).await;
    let said = rig.handle.shutdown("SIGTERM").await.expect("answered");
    assert!(
        said.starts_with("rolled back to test-city rev r1"),
        "{said}"
    );
    assert_eq!(rig.applied(), ["r1", "r2", "r1"]);
    assert!(!rig.state.join(PENDING_FILE).exists());
    let events = rig.events();
    assert_eq!(events[events.len() - 2..], ["rollback", "stop"]);
    let stop = rig.audit().pop().expect("stop");
    assert_eq!(stop["detail"]["signal"], "SIGTERM");
    assert!(rig.handle.status().await.is_none(), "the actor has ended");
}

#[tokio::test]
async fn a_log_that_ends_with_an_intent_is_reconciled_at_start() {
    let rig = rig(&policy_text("r1", None)).await;
    let Stopped {
        _dir,
        policy,
        state,
        kernel,
    } = rig.stop();
    // The last run wrote its intent for r2, changed the kernel and died.
    let compiled = sanso_daemon::compile::compile(
        PolicySource {
            file: "p.toml".into(),
            text: policy_text("r2", None),
        },
        0,
    )
    .expect("compiles");
    {
        let mut log = sanso_daemon::audit::AuditLog::open(&state.join(AUDIT_FILE)).expect("open");
        log.append(&sanso_daemon::audit::Entry {
            event: sanso_daemon::audit::EventKind::Intent,
            uid: 0,
            policy: Some(compiled.policy_ref()),
            detail: serde_json::json!({
                "load": "ruleset", "trigger": "request",
                "table_comment": sanso_nft::text::layout::identity_comment(&compiled.ruleset),
            }),
        })
        .expect("append");
    }
    kernel
        .apply(&compiled.ruleset, &compiled.text)
        .expect("fake apply");
    kernel.with(|s| {
        if let Some(shape) = s.shape.as_mut() {
            shape.comment = sanso_nft::text::layout::identity_comment(&compiled.ruleset);
        }
    });
    let handle = start_again(&policy, &state, &kernel).await;
    handle.status().await.expect("running");
    let records = audit_records(&state);
    let reconcile = records
        .iter()
        .find(|r| r["event"] == "reconcile")
        .expect("a reconcile record");
    assert_eq!(reconcile["detail"]["finding"], "applied");
    assert_eq!(reconcile["detail"]["intent_policy"]["revision"], "r2");
}

#[tokio::test]
async fn an_unreadable_table_is_an_alarm_audited_once_and_restored() {
    let rig = rig_with(
        &policy_text("r1", None),
        FakeKernel::default(),
        Duration::from_millis(100),
    )
    .await;
    rig.kernel.with(|s| s.unreadable = true);
    assert!(
        eventually(Duration::from_secs(5), || rig.applied().len() == 2).await,
        "no restore attempt"
    );
    tokio::time::sleep(Duration::from_millis(400)).await; // more unreadable looks
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.drift, "unreadable");
    assert!(status.counts.readback_failures >= 2, "{:?}", status.counts);
    assert_eq!(rig.applied().len(), 2, "restored once per streak");
    let drifts: Vec<Value> = rig
        .audit()
        .into_iter()
        .filter(|r| r["event"] == "drift")
        .collect();
    assert_eq!(drifts.len(), 1, "audited once per streak");
    assert!(drifts[0]["detail"]["unreadable"]
        .as_str()
        .is_some_and(|e| e.contains("cannot list")));
    assert!(rig.handle.metrics().await.expect("metrics").drift_now);
    // Readable again: back in sync.
    rig.kernel.with(|s| s.unreadable = false);
    let mut drift = String::new();
    for _ in 0..100 {
        drift = rig.handle.status().await.expect("status").drift;
        if drift == "in-sync" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(drift, "in-sync");
}

#[tokio::test]
async fn a_torn_last_record_is_recovered_and_recorded_and_the_daemon_starts() {
    let rig = rig(&policy_text("r1", None)).await;
    let Stopped {
        _dir,
        policy,
        state,
        kernel,
    } = rig.stop();
    let records_before = audit_records(&state).len();
    // A record cut by a full disk or kill -9 in the middle of its write.
    {
        use std::io::Write as _;
        let mut log = std::fs::OpenOptions::new()
            .append(true)
            .open(state.join(AUDIT_FILE))
            .expect("open log");
        log.write_all(br#"{"detail":{"trigger":"sig"#)
            .expect("torn write");
    }
    let handle = start_again(&policy, &state, &kernel).await;
    let status = handle.status().await.expect("running");
    assert_eq!(status.counts.audit_recoveries, 1);
    let records = audit_records(&state);
    let recovery = &records[records_before];
    assert_eq!(recovery["event"], "audit-recovery");
    assert_eq!(recovery["detail"]["recovery"], "torn-tail");
    assert_eq!(records[records_before + 1]["event"], "start");
}

#[tokio::test]
async fn a_huge_refused_policy_leaves_bounded_traces() {
    let rig = rig(&policy_text("r1", None)).await;
    // A 1 MiB line in a broken policy under a 1 MiB name with escapes: the
    // diagnostics quote both.
    let text = format!("nonsense = \"{}", "x".repeat(1 << 20));
    let name = format!("big\n\u{1b}[31m{}.toml", "n".repeat(1 << 20));
    let outcome = rig
        .handle
        .apply_confirm(
            PolicySource { file: name, text },
            Duration::from_secs(60),
            root(),
        )
        .await;
    let error = outcome.expect_err("refused");
    assert!(error.len() < 8 * 1024, "answer of {} bytes", error.len());
    let status = rig.handle.status().await.expect("status");
    let last = status.last_error.expect("last error");
    assert!(last.len() < 8 * 1024, "last error of {} bytes", last.len());
    let refused = rig.audit().pop().expect("a record");
    assert_eq!(refused["event"], "refused");
    let detail = serde_json::to_string(&refused["detail"]).expect("json");
    assert!(
        detail.len() < 8 * 1024,
        "audit detail of {} bytes",
        detail.len()
    );
    assert!(!detail.contains('\u{1b}'), "{detail}");
    assert!(refused["detail"]["file"]
        .as_str()
        .is_some_and(|f| f.starts_with("big\\n\\u{1b}[31mnnn") && f.len() < 1024));
}

fn isolations_in(state: &Path) -> Vec<Value> {
    serde_json::from_str(
        &std::fs::read_to_string(state.join(sanso_daemon::isolation::ISOLATIONS_FILE))
            .expect("isolations saved"),
    )
    .expect("json")
}

#[tokio::test]
async fn isolation_is_an_element_update_kept_across_reloads_restarts_and_audited() {
    let rig = rig(&policy_text("r1", None)).await;
    let why = |reason: &str| Operator {
        ticket: Some("INC-7".into()),
        reason: Some(reason.into()),
        ..root()
    };
    // A reason is required, and unknown targets change nothing.
    assert!(rig
        .handle
        .isolate(vec!["lg".into()], None, root())
        .await
        .is_err());
    let err = rig
        .handle
        .isolate(vec!["lg".into(), "nosuch".into()], None, why("x"))
        .await
        .expect_err("one bad target refuses all");
    assert!(err.contains("nosuch"), "{err}");
    assert!(rig.kernel.with(|s| s.isolation_updates.is_empty()));

    let said = rig
        .handle
        .isolate(
            vec!["lg".into(), "192.0.2.7".into()],
            None,
            why("malware on a PC"),
        )
        .await
        .expect("isolated");
    assert!(said.starts_with("isolated lg, 192.0.2.7 in "), "{said}");
    let isolated = rig.kernel.with(|s| s.isolated.clone());
    assert!(
        isolated.contains("10.20.1.5".parse().expect("addr")),
        "{isolated}"
    );
    assert!(isolated.contains("192.0.2.7".parse().expect("addr")));
    assert_eq!(rig.applied(), ["r1"], "an element update, not a new table");
    let status = rig.handle.status().await.expect("status");
    assert_eq!(status.isolations.len(), 2);
    assert_eq!(status.isolations[0].reason, "malware on a PC");
    assert_eq!(status.isolations[0].ticket.as_deref(), Some("INC-7"));
    assert_eq!(isolations_in(&rig.state).len(), 2);
    let script = std::fs::read_to_string(
        rig.state
            .join(sanso_daemon::isolation::ISOLATION_SCRIPT_FILE),
    )
    .expect("boot script");
    assert!(script.contains("192.0.2.7"), "{script}");
    let record = rig.audit().pop().expect("record");
    assert_eq!(record["event"], "isolate");
    assert_eq!(record["detail"]["targets"][0]["target"], "lg");
    assert_eq!(record["detail"]["operator"]["ticket"], "INC-7");

    // A reload keeps it, in the same batch as the new table.
    std::fs::write(&rig.policy, policy_text("r2", None)).expect("write");
    rig.handle
        .reload(Trigger::Request, root())
        .await
        .expect("reloaded");
    assert_eq!(rig.applied(), ["r1", "r2"]);
    assert_eq!(rig.kernel.with(|s| s.isolated.clone()), isolated);
    // The drift check sees the isolation as it should be.
    assert_eq!(rig.handle.status().await.expect("status").drift, "in-sync");

    // A restart keeps it.
    let Stopped {
        _dir,
        policy,
        state,
        kernel,
    } = rig.stop();
    kernel.with(|s| s.isolated = Isolated::default()); // as after a reboot without isolation.nft
    let handle = start_again(&policy, &state, &kernel).await;
    assert_eq!(handle.status().await.expect("status").isolations.len(), 2);
    assert_eq!(kernel.with(|s| s.isolated.clone()), isolated);

    // Release: by name, with a reason; unknown names change nothing.
    assert!(handle
        .release(vec!["pc9".into()], why("done"))
        .await
        .is_err());
    let said = handle
        .release(vec!["lg".into()], why("cleaned"))
        .await
        .expect("released");
    assert!(said.starts_with("released lg in "), "{said}");
    let left = kernel.with(|s| s.isolated.clone());
    assert!(!left.contains("10.20.1.5".parse().expect("addr")));
    assert!(left.contains("192.0.2.7".parse().expect("addr")));
    handle
        .release(vec!["all".into()], why("over"))
        .await
        .expect("released");
    assert!(kernel.with(|s| s.isolated.is_empty()));
    assert!(!state
        .join(sanso_daemon::isolation::ISOLATION_SCRIPT_FILE)
        .exists());
    let events: Vec<String> = audit_records(&state)
        .iter()
        .filter_map(|r| r["event"].as_str().map(str::to_owned))
        .filter(|e| e == "isolate" || e == "release")
        .collect();
    assert_eq!(events, ["isolate", "release", "release"]);
}

#[tokio::test]
async fn an_isolation_for_a_while_releases_itself() {
    let rig = rig(&policy_text("r1", None)).await;
    let by = Operator {
        reason: Some("brief".into()),
        ..root()
    };
    rig.handle
        .isolate(vec!["10.20.1.5".into()], Some(1), by)
        .await
        .expect("isolated");
    assert!(!rig.kernel.with(|s| s.isolated.is_empty()));
    assert!(
        eventually(Duration::from_secs(5), || rig
            .kernel
            .with(|s| s.isolated.is_empty()))
        .await,
        "not released"
    );
    let release = rig
        .audit()
        .into_iter()
        .find(|r| r["event"] == "release")
        .expect("a release record");
    assert_eq!(release["detail"]["trigger"], "expiry");
    assert_eq!(release["detail"]["operator"]["by"], "daemon");
}

#[tokio::test]
async fn a_damaged_confirm_window_rolls_back_to_the_closed_fallback() {
    let rig = rig(&policy_text("r1", None)).await;
    rig.apply_candidate_r2(Duration::from_secs(3600)).await;
    let Stopped {
        _dir,
        policy,
        state,
        kernel,
    } = rig.stop();
    // What ran before the unconfirmed r2 can no longer be read, and the
    // policy file does not load either: r2 must not stay.
    std::fs::write(state.join(PENDING_FILE), "{\"deadline\": 1").expect("damage");
    std::fs::write(&policy, "not a policy").expect("write");
    let _handle = start_again(&policy, &state, &kernel).await;
    assert_eq!(
        kernel.with(|s| s.table.clone()).as_deref(),
        Some(FALLBACK_RULESET)
    );
    assert!(!state.join(PENDING_FILE).exists());
    let rollback = audit_records(&state)
        .into_iter()
        .find(|r| r["event"] == "rollback")
        .expect("a rollback record");
    assert_eq!(rollback["detail"]["result"], "rolled-back");
    assert!(rollback["detail"]["reason"]
        .as_str()
        .is_some_and(|r| r.starts_with("the saved confirm window is unreadable")));
}
