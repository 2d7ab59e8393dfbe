//! `sanso daemon`: run the enforcement daemon (sanso-daemon) in the foreground.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use sanso_daemon::{DaemonConfig, DriftAction, Settings};
use sanso_i18n::t;

/// Run the daemon: apply the policy now, on SIGHUP and when the file changes;
/// keep the running ruleset when a new policy fails; serve `sanso status`,
/// `reload`, `apply --confirm` and `confirm` on the control socket; watch
/// drift, flow expiry and the neighbour tables; write the audit log.
///
/// The ruleset stays in the kernel when the daemon stops or dies.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file (TOML).
    #[arg(long, default_value = sanso_daemon::DEFAULT_POLICY)]
    policy: PathBuf,
    /// Enforce inside this network namespace (`ip netns` name) instead of the current one.
    #[arg(long)]
    netns: Option<String>,
    /// Where the audit log (audit.jsonl) and the last good ruleset (last-good.nft) live.
    #[arg(long, default_value = sanso_daemon::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// The control socket (root only, mode 0600).
    #[arg(long, default_value = sanso_daemon::protocol::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Serve Prometheus metrics on this loopback address (e.g. 127.0.0.1:9763).
    #[arg(long)]
    metrics: Option<SocketAddr>,
    /// Export one series per flow (sanso_flow_accepted_packets_total{flow})
    /// only while the policy has at most N flow counters; above it none is
    /// exported and sanso_flow_series_omitted counts them (0: never).
    #[arg(long, value_name = "N", default_value_t = sanso_daemon::metrics::DEFAULT_FLOW_SERIES)]
    metrics_flow_series: usize,
    /// How often to compare the live table with the applied one (e.g. 30s, 5m).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    drift_interval: Duration,
    /// Read the live table back every N drift checks even when the ruleset
    /// generation has not changed; the other checks only read the generation.
    #[arg(long, value_name = "N", default_value_t = sanso_daemon::actor::DEFAULT_DRIFT_FULL_EVERY, value_parser = clap::value_parser!(u32).range(1..))]
    drift_full_every: u32,
    /// What to do on drift: report (log, count, audit) or restore (also re-apply).
    #[arg(long, value_enum, default_value = "restore")]
    on_drift: OnDrift,
    /// How often to read the neighbour tables for unknown hosts.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    neighbour_interval: Duration,
    /// How often to check the policy file for changes.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    watch_interval: Duration,
    /// Also send the audit log's head with every record to this syslog
    /// collector (UDP, RFC 5424, e.g. 192.0.2.10:514), a copy off the gateway.
    #[arg(long, value_name = "HOST:PORT")]
    audit_syslog: Option<SocketAddr>,
    /// Run as one node of an HA pair described by this file (see `sanso ha`):
    /// announce the applied policy to the peer and show the pair in status.
    #[arg(long, requires = "node", value_name = "HA_FILE")]
    ha: Option<PathBuf>,
    /// This node's name in the HA file.
    #[arg(long, requires = "ha")]
    node: Option<String>,
    /// Log lines as text (key=value) or one JSON object per line.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormatArg,
    /// Run this program for every forbidden crossing (rate-limited per
    /// source), with the event as one JSON line on stdin; killed after 10 s.
    #[arg(long, value_name = "PATH")]
    alert_command: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum OnDrift {
    Report,
    Restore,
}

/// `120`, `120s`, `2m`, `1h`: a positive duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| t!("cli-duration-invalid", text = format!("{text:?}")))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(t!("cli-duration-unit", text = format!("{text:?}"))),
    };
    if secs == 0 {
        return Err(t!("cli-duration-zero"));
    }
    Ok(Duration::from_secs(secs))
}

pub fn run(args: Args) -> Result<ExitCode> {
    sanso_daemon::init_logging_as(match args.log_format {
        LogFormatArg::Text => sanso_daemon::LogFormat::Text,
        LogFormatArg::Json => sanso_daemon::LogFormat::Json,
    });
    let ha = match (&args.ha, &args.node) {
        (Some(file), Some(node)) => Some(ha_settings(file, node, &args.state_dir)?),
        _ => None,
    };
    let config = DaemonConfig {
        settings: Settings {
            policy_path: args.policy,
            state_dir: args.state_dir,
            netns: args.netns,
            drift_interval: args.drift_interval,
            drift_full_every: args.drift_full_every,
            drift_action: match args.on_drift {
                OnDrift::Report => DriftAction::Report,
                OnDrift::Restore => DriftAction::Restore,
            },
            neighbour_interval: args.neighbour_interval,
        },
        socket_path: args.socket,
        metrics: args.metrics,
        metrics_options: sanso_daemon::metrics::MetricsOptions {
            flow_series: args.metrics_flow_series,
        },
        watch_interval: args.watch_interval,
        audit_syslog: args.audit_syslog,
        monitor: sanso_daemon::monitor::MonitorConfig {
            alert_command: args.alert_command,
            ..Default::default()
        },
    };
    sanso_daemon::run_with(config, ha)?;
    Ok(ExitCode::SUCCESS)
}

/// The HA file and key, read and checked before the daemon starts.
fn ha_settings(
    file: &std::path::Path,
    node: &str,
    state_dir: &std::path::Path,
) -> Result<sanso_daemon::ha::HaSettings> {
    use anyhow::{bail, Context};
    let text = std::fs::read_to_string(file).with_context(|| {
        t!(
            "cli-daemon-ha-file-unreadable",
            path = file.display().to_string()
        )
    })?;
    let ha =
        sanso_ha::load(&file.display().to_string(), &text).map_err(|e| anyhow::anyhow!("{e}"))?;
    if ha.node(node).is_none() {
        bail!(
            "{}",
            t!(
                "cli-daemon-ha-no-node",
                file = file.display().to_string(),
                node = format!("{node:?}"),
                nodes = ha.node_names().to_string()
            )
        );
    }
    let key = std::fs::read(&ha.sync.key_file).with_context(|| {
        t!(
            "cli-daemon-ha-key-unreadable",
            path = ha.sync.key_file.display().to_string()
        )
    })?;
    if key.len() < sanso_ha::announce::MIN_KEY_BYTES {
        bail!(
            "{}",
            t!(
                "cli-daemon-ha-key-short",
                path = ha.sync.key_file.display().to_string(),
                bytes = key.len(),
                min = sanso_ha::announce::MIN_KEY_BYTES
            )
        );
    }
    Ok(sanso_daemon::ha::HaSettings {
        ha,
        node: node.to_owned(),
        key,
        state_dir: state_dir.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("120s"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("120"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("s").is_err());
    }
}
