//! A daemon that speaks Japanese (its locale is ja): its answers to the
//! operator and its status come in Japanese, while the audit records it
//! writes stay English (records are data, hashed and compared, the same in
//! every language).
//!
//! This file is its own test process: every test here sets the process
//! language to Japanese, as the daemon's binary does from its locale.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sanso_daemon::actor::{Actor, Settings, Trigger, AUDIT_FILE};
use sanso_daemon::kernel::{CounterValue, Kernel, KernelError, Neighbour};
use sanso_daemon::operator::Operator;
use sanso_daemon::DriftAction;
use sanso_i18n::{t_in, Lang};
use sanso_ir::Ruleset;
use sanso_nft::readback::LiveTable;
use serde_json::Value;

/// A kernel that takes nothing: every apply fails, nothing reads back.
struct RefusingKernel;

impl Kernel for RefusingKernel {
    fn apply(&self, _: &Ruleset, _: &str) -> Result<(), KernelError> {
        Err(KernelError::Task)
    }
    fn read_table(&self) -> Result<LiveTable, KernelError> {
        Err(KernelError::Task)
    }
    fn load_table_text(&self, _: &str) -> Result<(), KernelError> {
        Err(KernelError::Task)
    }
    fn counters(&self) -> Result<Vec<CounterValue>, KernelError> {
        Ok(Vec::new())
    }
    fn neighbours(&self) -> Result<Vec<Neighbour>, KernelError> {
        Ok(Vec::new())
    }
}

fn policy_text() -> String {
    include_str!("fixtures/test-city.toml")
        .replace("@REVISION@", "r1")
        .replace("@UNTIL@", "")
}

fn root() -> Operator {
    Operator::peer(0, 0, None)
}

fn records(state: &Path) -> Vec<Value> {
    std::fs::read_to_string(state.join(AUDIT_FILE))
        .expect("audit log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[tokio::test]
async fn a_refused_apply_is_answered_in_japanese_and_recorded_in_english() {
    sanso_i18n::set_lang(Lang::Ja);
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("policy.toml");
    let state = dir.path().join("state");
    std::fs::write(&policy, policy_text()).expect("policy");
    let settings = Settings {
        policy_path: policy,
        state_dir: state.clone(),
        netns: None,
        drift_interval: Duration::from_secs(3600),
        drift_action: DriftAction::Report,
        drift_full_every: sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY,
        neighbour_interval: Duration::from_secs(3600),
    };
    let actor = Actor::new(settings, Arc::new(RefusingKernel)).expect("actor");
    let (handle, _task) = actor.spawn();
    let status = handle.status().await.expect("running");

    // What the kernel said, in each language.
    let refused = |lang| {
        t_in!(
            lang,
            "daemon-kernel-refused-apply",
            error = t_in!(lang, "daemon-kernel-task")
        )
    };
    let ja_error = refused(Lang::Ja);
    assert_eq!(
        ja_error,
        "カーネルが拒否しました。実行中のルールセットは変わりません: カーネル処理のタスクが予期せず停止しました"
    );

    // The status shows the last error in Japanese.
    assert_eq!(status.last_error.as_deref(), Some(ja_error.as_str()));
    // (`sanso status` renders the report; crates/sanso/tests/i18n_cli.rs
    // shows it in Japanese.)

    // The operator's answer to a reload is Japanese.
    let answer = handle.reload(Trigger::Request, root()).await;
    assert_eq!(
        answer,
        Err(t_in!(Lang::Ja, "daemon-apply-failed", error = &ja_error))
    );
    assert!(
        answer
            .as_ref()
            .is_err_and(|e| e.starts_with("適用に失敗しました: ")),
        "{answer:?}"
    );

    // The audit records are English.
    let records = records(&state);
    let failed: Vec<&Value> = records
        .iter()
        .filter(|r| r["event"] == "apply-failed")
        .collect();
    assert_eq!(
        failed.len(),
        2,
        "the start apply and the reload: {records:?}"
    );
    for record in failed {
        assert_eq!(
            record["detail"]["error"],
            "the kernel refused it; the running ruleset is unchanged: the kernel task stopped unexpectedly"
        );
        assert_eq!(record["detail"]["error"], Value::from(refused(Lang::En)));
    }

    // Refusals that never reach the kernel: Japanese too.
    assert_eq!(
        handle.isolate(Vec::new(), None, root()).await,
        Err(t_in!(
            Lang::Ja,
            "daemon-isolate-target-count",
            max = sanso_daemon::isolation::MAX_TARGETS
        ))
    );
    assert_eq!(
        handle.release(vec!["lg".into()], root()).await,
        Err("隔離解除には --reason が必要です（監査レコードに記録されます）".to_owned())
    );
    assert_eq!(
        handle.confirm(root()).await,
        Err("確定するものはありません".to_owned())
    );
}
