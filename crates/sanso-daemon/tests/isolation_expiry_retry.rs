//! A `--for` release the kernel refuses (the table lost its isolation sets:
//! deleted by hand, or the closed fallback in its place) is retried every
//! 10 s, not at once in a loop that writes an intent record each time
//! (before the fix: about 800 attempts and intent records in 1.5 s). No
//! root: a fake kernel without isolation sets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sanso_daemon::actor::{Actor, Settings, AUDIT_FILE};
use sanso_daemon::isolation::{IsolationEntry, Isolations, TargetKind};
use sanso_daemon::kernel::{CounterValue, Kernel, KernelError, Neighbour};
use sanso_daemon::DriftAction;
use sanso_ir::Ruleset;
use sanso_nft::isolation::{Isolated, IsolationChange};
use sanso_nft::readback::LiveTable;

/// Takes every apply; has no isolation sets, so every element update fails
/// (counted); its table cannot be read back.
#[derive(Clone, Default)]
struct NoSets {
    updates: Arc<AtomicUsize>,
}

impl Kernel for NoSets {
    fn apply(&self, _ruleset: &Ruleset, _text: &str) -> Result<(), KernelError> {
        Ok(())
    }

    fn apply_isolated(&self, _: &Ruleset, _: &str, _: &Isolated) -> Result<(), KernelError> {
        Ok(())
    }

    fn set_isolated(&self, _isolated: &Isolated) -> Result<IsolationChange, KernelError> {
        self.updates.fetch_add(1, Ordering::Relaxed);
        Err(KernelError::NoIsolation)
    }

    fn read_table(&self) -> Result<LiveTable, KernelError> {
        Err(KernelError::Task)
    }

    fn load_table_text(&self, _listing: &str) -> Result<(), KernelError> {
        Ok(())
    }

    fn counters(&self) -> Result<Vec<CounterValue>, KernelError> {
        Ok(Vec::new())
    }

    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError> {
        Ok(Vec::new())
    }
}

const POLICY: &str = r#"
[policy]
name = "retry"

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]
"#;

#[tokio::test]
async fn a_refused_timed_release_is_retried_at_a_bounded_pace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    let state = dir.path().join("state");
    std::fs::write(&policy, POLICY).expect("policy");
    std::fs::create_dir(&state).expect("state");
    // Isolated with --for, which ran out while the daemon was down.
    Isolations {
        entries: vec![IsolationEntry {
            target: "10.20.1.5".into(),
            kind: TargetKind::Prefix,
            tier: None,
            prefixes: vec!["10.20.1.5/32".parse().expect("prefix")],
            reason: "brief".into(),
            ticket: None,
            by: serde_json::json!({"by": "peer", "uid": 0}),
            since: "2026-12-06T08:00:00Z".into(),
            until: Some(1),
        }],
    }
    .save(&state)
    .expect("save");

    let kernel = NoSets::default();
    let settings = Settings {
        policy_path: policy,
        state_dir: state.clone(),
        netns: None,
        drift_interval: Duration::from_secs(3600),
        drift_action: DriftAction::Report,
        drift_full_every: sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY,
        neighbour_interval: Duration::from_secs(3600),
    };
    let actor = Actor::new(settings, Arc::new(kernel.clone())).expect("actor");
    let (handle, _task) = actor.spawn();
    handle.status().await.expect("running");
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let tries = kernel.updates.load(Ordering::Relaxed);
    let intents = std::fs::read_to_string(state.join(AUDIT_FILE))
        .expect("audit")
        .lines()
        .filter(|l| l.contains(r#""event":"intent""#))
        .count();
    println!("in 1.5 s: {tries} release attempts, {intents} intent records");
    assert!(tries >= 1, "the due release was not tried");
    assert!(
        tries <= 3,
        "the refused release was tried {tries} times in 1.5 s ({intents} intent records)"
    );
    // Still isolated, as far as the daemon knows: nothing released silently.
    let status = handle.status().await.expect("status");
    assert_eq!(status.isolations.len(), 1);
    // And tried again later (10 s).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while kernel.updates.load(Ordering::Relaxed) < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tries = kernel.updates.load(Ordering::Relaxed);
    assert_eq!(tries, 2, "the release was not tried again within 15 s");
}
