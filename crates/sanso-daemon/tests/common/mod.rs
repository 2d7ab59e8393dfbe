//! Shared by the daemon's kernel tests: a throwaway network namespace and
//! the small test policy.
#![allow(dead_code)]
// Tests start programs of their own (nft, ip, the daemon); the code under
// test runs them through sanso_process.
#![allow(clippy::disallowed_methods)]

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A network namespace that is deleted on drop (also on panic):
/// `sanso_netns::netns::Netns`, the one guard of every namespace sanso and its tests
/// create (registered for the signal cleanup, swept as stale when its
/// creator is gone), with loopback up.
pub struct Netns {
    pub name: String,
    _guard: sanso_netns::netns::Netns,
}

impl Netns {
    pub fn create(purpose: &str) -> Netns {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        // `sanso-<pid>-...`: the pattern whose dead creators' namespaces the
        // next run sweeps (sanso_nft::readback::NAMESPACE_PREFIX).
        let name = format!(
            "sanso-{}-{purpose}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let guard = sanso_netns::netns::Netns::create(&name)
            .unwrap_or_else(|e| panic!("ip netns add {name}: {e}"));
        let ns = Netns {
            name,
            _guard: guard,
        };
        let ok = Command::new("ip")
            .args(["-n", &ns.name, "link", "set", "lo", "up"])
            .status()
            .expect("ip")
            .success();
        assert!(ok, "lo up");
        ns
    }

    pub fn nft_list(&self) -> Option<String> {
        let out = Command::new("ip")
            .args([
                "netns", "exec", &self.name, "nft", "list", "table", "inet", "sanso",
            ])
            .output()
            .expect("nft");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The revision in the policy's identity, if the table exists.
    pub fn table_revision(&self) -> Option<String> {
        let text = self.nft_list()?;
        let identity = sanso_nft::readback::identity_in_listing(&text)?;
        let rev = identity.split(" rev ").nth(1)?.split(' ').next()?;
        Some(rev.to_owned())
    }

    /// Runs `nft ARGS` in the namespace; panics unless it succeeds.
    pub fn nft(&self, args: &[&str]) {
        let ok = Command::new("ip")
            .args(["netns", "exec", &self.name, "nft"])
            .args(args)
            .status()
            .expect("nft")
            .success();
        assert!(ok, "nft {args:?}");
    }
}

/// The kernel tests' policy: an lgwan zone and the LGWAN backbone, one flow;
/// `revision` goes into `[policy]`.
pub fn policy(revision: &str) -> String {
    include_str!("../fixtures/kernel-test.toml").replace("@REVISION@", revision)
}

/// The configuration of a test daemon that lives in `dir` (`policy.toml`,
/// `state/`, `sanso.sock`), enforces in network namespace `netns` and serves
/// metrics on `metrics`: drift checked every 500 ms and restored, neighbours
/// every second, the policy file looked at every minute; callers change what
/// their test needs.
pub fn daemon_config(
    dir: &std::path::Path,
    netns: String,
    metrics: std::net::SocketAddr,
) -> sanso_daemon::DaemonConfig {
    use std::time::Duration;
    sanso_daemon::DaemonConfig {
        settings: sanso_daemon::Settings {
            policy_path: dir.join("policy.toml"),
            state_dir: dir.join("state"),
            netns: Some(netns),
            drift_interval: Duration::from_millis(500),
            drift_action: sanso_daemon::DriftAction::Restore,
            drift_full_every: sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY,
            neighbour_interval: Duration::from_secs(1),
        },
        socket_path: dir.join("sanso.sock"),
        metrics: Some(metrics),
        metrics_options: sanso_daemon::metrics::MetricsOptions::default(),
        watch_interval: Duration::from_secs(60),
        audit_syslog: None,
        monitor: sanso_daemon::monitor::MonitorConfig::default(),
    }
}
