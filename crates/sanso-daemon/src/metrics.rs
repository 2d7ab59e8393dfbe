//! The metrics endpoint: Prometheus text format over a tiny HTTP/1.0
//! responder on a loopback address. The kernel's named counters
//! (docs/ruleset.md) are read at scrape time; the daemon's own counts come
//! from the actor.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::actor::{Handle, MetricsSnapshot};
use crate::kernel::{CounterValue, Kernel};
use crate::monitor::MonitorHandle;

/// Largest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// How many per-flow series (`sanso_flow_accepted_packets_total{flow}`) a
/// scrape carries at most unless `sanso daemon --metrics-flow-series` says
/// otherwise: one series per flow is what a monitoring system can keep for a
/// city's policy, not for a synthetic 100,000-flow one.
pub const DEFAULT_FLOW_SERIES: usize = 1000;

/// What a scrape exports besides the fixed series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricsOptions {
    /// Per-flow series are exported when the table holds at most this many
    /// flow counters; above it none is, and `sanso_flow_series_omitted` says
    /// how many were left out (0: never per flow).
    pub flow_series: usize,
}

impl Default for MetricsOptions {
    fn default() -> Self {
        MetricsOptions {
            flow_series: DEFAULT_FLOW_SERIES,
        }
    }
}

/// Renders the snapshot and the kernel counters (`None`: they could not be read).
pub fn render(
    snapshot: &MetricsSnapshot,
    counters: Option<&[CounterValue]>,
    options: MetricsOptions,
) -> String {
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, u64)]| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let plain = |v: u64| vec![(String::new(), v)];
    if let Some(counters) = counters {
        let mut accepted = Vec::new();
        let mut dropped = Vec::new();
        let mut flows = Vec::new();
        let mut spoofed = Vec::new();
        let mut isolated = Vec::new();
        let mut invalid = Vec::new();
        for c in counters {
            // It names the policy loaded; it counts no traffic.
            if c.name == sanso_nft::text::layout::IDENTITY_COUNTER {
                continue;
            }
            let parts: Vec<&str> = c.name.split('.').collect();
            match parts.as_slice() {
                ["accept", src, dst] => accepted.push((
                    format!("{{src_zone=\"{}\",dst_zone=\"{}\"}}", esc(src), esc(dst)),
                    c.packets,
                )),
                ["drop", "unknown"] => dropped.push((
                    "{src_zone=\"unknown\",dst_zone=\"unknown\"}".to_owned(),
                    c.packets,
                )),
                ["drop", src, dst] => dropped.push((
                    format!("{{src_zone=\"{}\",dst_zone=\"{}\"}}", esc(src), esc(dst)),
                    c.packets,
                )),
                ["flow", flow] => flows.push((format!("{{flow=\"{}\"}}", esc(flow)), c.packets)),
                ["spoofed"] => spoofed.push((String::new(), c.packets)),
                ["isolated"] => isolated.push((String::new(), c.packets)),
                ["invalid"] => invalid.push((String::new(), c.packets)),
                _ => {}
            }
        }
        metric(
            "sanso_accepted_packets_total",
            "counter",
            "New connections accepted, per zone pair (kernel counter accept.<src>.<dst>).",
            &accepted,
        );
        metric(
            "sanso_dropped_packets_total",
            "counter",
            "Packets dropped by default, per zone pair (kernel counter drop.<src>.<dst>).",
            &dropped,
        );
        // Only flows with a counter of their own have a series; all or
        // none of them, so that a series never vanishes for one flow alone.
        let omitted = if flows.len() > options.flow_series {
            std::mem::take(&mut flows).len()
        } else {
            0
        };
        metric(
            "sanso_flow_accepted_packets_total",
            "counter",
            "New connections accepted per flow (kernel counter flow.<name>).",
            &flows,
        );
        metric(
            "sanso_flow_series_omitted",
            "gauge",
            "Flow counters not exported per flow at this scrape (more than --metrics-flow-series).",
            &plain(omitted as u64),
        );
        metric(
            "sanso_spoofed_packets_total",
            "counter",
            "Packets dropped by anti-spoofing (kernel counter spoofed).",
            &spoofed,
        );
        metric(
            "sanso_isolated_packets_total",
            "counter",
            "Packets dropped because an end is isolated (kernel counter isolated).",
            &isolated,
        );
        metric(
            "sanso_invalid_packets_total",
            "counter",
            "Packets in conntrack state invalid, dropped (kernel counter invalid).",
            &invalid,
        );
    }
    metric(
        "sanso_kernel_counters_up",
        "gauge",
        "1 when the kernel counters could be read at this scrape.",
        &plain(u64::from(counters.is_some())),
    );
    let c = &snapshot.counts;
    metric(
        "sanso_applies_total",
        "counter",
        "Successful applies (start, reload, confirm-apply, expiry, restore, rollback).",
        &plain(c.applies),
    );
    metric(
        "sanso_reloads_total",
        "counter",
        "Successful reloads (SIGHUP, file change, sanso reload).",
        &plain(c.reloads),
    );
    metric(
        "sanso_refused_policies_total",
        "counter",
        "Policies that failed to load or compile; the running ruleset was kept.",
        &plain(c.refused),
    );
    metric(
        "sanso_apply_failures_total",
        "counter",
        "Compiled policies the kernel refused; the running ruleset was kept.",
        &plain(c.apply_failures),
    );
    metric(
        "sanso_verify_failures_total",
        "counter",
        "Read-back checks that failed: a table read back otherwise than it was loaded (an install, what was put back after it, a rollback).",
        &plain(c.verify_failures),
    );
    metric(
        "sanso_missing_interfaces",
        "gauge",
        "Interfaces of the running policy that do not exist on the gateway (their zones cannot pass).",
        &plain(snapshot.missing_interfaces as u64),
    );
    metric(
        "sanso_isolated_targets",
        "gauge",
        "Targets (zones, hosts, prefixes) isolated now (sanso isolate).",
        &plain(snapshot.isolated_targets as u64),
    );
    metric(
        "sanso_readback_failures_total",
        "counter",
        "Drift checks that could not read the live table (an alarm: nothing confirms what the kernel filters).",
        &plain(c.readback_failures),
    );
    metric(
        "sanso_audit_failures_total",
        "counter",
        "Audit records that could not be written (a change that opens the gateway is then refused).",
        &plain(c.audit_failures),
    );
    metric(
        "sanso_audit_recoveries_total",
        "counter",
        "Audit log repairs found at start: a torn last record, a log that does not match its head file, a broken chain set aside.",
        &plain(c.audit_recoveries),
    );
    metric(
        "sanso_confirms_total",
        "counter",
        "Commit-confirm applies confirmed in time.",
        &plain(c.confirms),
    );
    metric(
        "sanso_rollbacks_total",
        "counter",
        "Commit-confirm applies rolled back.",
        &plain(c.rollbacks),
    );
    metric(
        "sanso_drift_events_total",
        "counter",
        "Times the live table was found to differ from the applied ruleset.",
        &plain(c.drift_events),
    );
    metric(
        "sanso_drift_restores_total",
        "counter",
        "Drift repaired by re-applying the ruleset.",
        &plain(c.drift_restores),
    );
    metric(
        "sanso_drift_checks_total",
        "counter",
        "Drift ticks: each reads the ruleset generation (one netlink round trip).",
        &plain(c.drift_checks),
    );
    metric(
        "sanso_drift_full_checks_total",
        "counter",
        "Drift ticks that read the table back and compared it (the generation had changed, or the periodic full check).",
        &plain(c.drift_full_checks),
    );
    metric(
        "sanso_expiries_total",
        "counter",
        "Recompiles at a flow's expiry.",
        &plain(c.expiries),
    );
    metric(
        "sanso_host_events_total",
        "counter",
        "Neighbours the policy does not account for, first sightings.",
        &[
            ("{kind=\"unknown-host\"}".to_owned(), c.unknown_hosts),
            (
                "{kind=\"spoofing-suspect\"}".to_owned(),
                c.spoofing_suspects,
            ),
        ],
    );
    metric(
        "sanso_unknown_hosts",
        "gauge",
        "Neighbours in a zone but not in the inventory, at the last look.",
        &plain(snapshot.unknown_hosts_now as u64),
    );
    metric(
        "sanso_spoofing_suspects",
        "gauge",
        "Neighbours on a zone interface with an address of another zone, at the last look.",
        &plain(snapshot.spoofing_suspects_now as u64),
    );
    let dynamic: Vec<(String, u64)> = snapshot
        .dynamic_hosts_now
        .iter()
        .map(|(zone, n)| (format!("{{zone=\"{}\"}}", esc(zone)), *n as u64))
        .collect();
    metric(
        "sanso_dynamic_pool_hosts",
        "gauge",
        "Terminals in each zone's dynamic (DHCP) pools at the last look; counted, not reported one by one.",
        &dynamic,
    );
    metric(
        "sanso_drift",
        "gauge",
        "1 while the live table differs from the applied ruleset.",
        &plain(u64::from(snapshot.drift_now)),
    );
    metric(
        "sanso_pending_confirm",
        "gauge",
        "1 while an apply awaits sanso confirm.",
        &plain(u64::from(snapshot.pending_confirm)),
    );
    if let Some(t) = snapshot.last_apply {
        metric(
            "sanso_last_apply_timestamp_seconds",
            "gauge",
            "Unix time of the last successful apply.",
            &plain(u64::try_from(t).unwrap_or(0)),
        );
    }
    if let Some(p) = &snapshot.policy {
        let labels = format!(
            "{{policy=\"{}\",revision=\"{}\",content_hash=\"{}\"}}",
            esc(&p.name),
            esc(p.revision.as_deref().unwrap_or("")),
            esc(&p.content_hash)
        );
        metric(
            "sanso_policy_info",
            "gauge",
            "The applied policy.",
            &[(labels, 1)],
        );
    }
    out
}

/// Escapes a label value.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Binds the endpoint; only loopback addresses are accepted.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    if !addr.ip().is_loopback() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            sanso_i18n::t!("daemon-metrics-not-loopback", addr = addr.to_string()),
        ));
    }
    TcpListener::bind(addr).await
}

pub async fn serve(
    listener: TcpListener,
    actor: Handle,
    kernel: Arc<dyn Kernel>,
    monitor: Option<MonitorHandle>,
    options: MetricsOptions,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let (actor, kernel, monitor) =
                    (actor.clone(), Arc::clone(&kernel), monitor.clone());
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(
                        Duration::from_secs(10),
                        respond(stream, actor, kernel, monitor, options),
                    )
                    .await;
                });
            }
            Err(err) => {
                tracing::warn!(error = %err, "{}", sanso_i18n::t!("daemon-log-metrics-accept-failed"));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

async fn respond(
    mut stream: TcpStream,
    actor: Handle,
    kernel: Arc<dyn Kernel>,
    monitor: Option<MonitorHandle>,
    options: MetricsOptions,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_HEAD {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let first = String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut parts = first.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, body) = if method == "GET" && (path == "/metrics" || path == "/") {
        match actor.metrics().await {
            Some(snapshot) => {
                let counters = tokio::task::spawn_blocking(move || kernel.counters()).await.ok().and_then(|r| {
                    r.map_err(|e| tracing::warn!(error = %e, "{}", sanso_i18n::t!("daemon-log-metrics-no-counters"))).ok()
                });
                let mut body = render(&snapshot, counters.as_deref(), options);
                body.push_str(&crate::ha::metrics_text());
                if let Some(monitor) = &monitor {
                    crate::monitor::render_metrics(&monitor.snapshot(), &mut body);
                }
                ("200 OK", body)
            }
            None => (
                "503 Service Unavailable",
                format!("{}\n", sanso_i18n::t!("daemon-actor-stopped")),
            ),
        }
    } else {
        (
            "404 Not Found",
            format!("{}\n", sanso_i18n::t!("daemon-metrics-try")),
        )
    };
    let response = format!(
        "HTTP/1.0 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::PolicyRef;

    #[test]
    fn kernel_counters_become_labelled_series() {
        let counters = [
            CounterValue {
                name: "accept.lg.ext".into(),
                packets: 3,
                bytes: 180,
            },
            CounterValue {
                name: "drop.lg.ext".into(),
                packets: 9,
                bytes: 540,
            },
            CounterValue {
                name: "drop.unknown".into(),
                packets: 1,
                bytes: 60,
            },
            CounterValue {
                name: "flow.lg-web".into(),
                packets: 3,
                bytes: 180,
            },
            CounterValue {
                name: "spoofed".into(),
                packets: 4,
                bytes: 240,
            },
            CounterValue {
                name: "invalid".into(),
                packets: 0,
                bytes: 0,
            },
            CounterValue {
                name: sanso_nft::text::layout::IDENTITY_COUNTER.into(),
                packets: 77,
                bytes: 7700,
            },
        ];
        let mut snapshot = MetricsSnapshot {
            last_apply: Some(1_800_000_000),
            ..Default::default()
        };
        snapshot.counts.refused = 2;
        snapshot.unknown_hosts_now = 1;
        snapshot.policy = Some(PolicyRef {
            name: "c\"ity".into(),
            revision: None,
            content_hash: "ab".into(),
        });
        let text = render(&snapshot, Some(&counters), MetricsOptions::default());
        // The identity counter names the policy: no series of its own.
        assert!(
            !text.contains("identity") && !text.lines().any(|l| l.ends_with(" 77")),
            "{text}"
        );
        for line in [
            "sanso_accepted_packets_total{src_zone=\"lg\",dst_zone=\"ext\"} 3",
            "sanso_dropped_packets_total{src_zone=\"lg\",dst_zone=\"ext\"} 9",
            "sanso_dropped_packets_total{src_zone=\"unknown\",dst_zone=\"unknown\"} 1",
            "sanso_flow_accepted_packets_total{flow=\"lg-web\"} 3",
            "sanso_spoofed_packets_total 4",
            "sanso_invalid_packets_total 0",
            "sanso_refused_policies_total 2",
            "sanso_unknown_hosts 1",
            "sanso_last_apply_timestamp_seconds 1800000000",
            "sanso_policy_info{policy=\"c\\\"ity\",revision=\"\",content_hash=\"ab\"} 1",
            "sanso_kernel_counters_up 1",
            "sanso_flow_series_omitted 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        // Above the limit no flow has a series, and the gauge says how many.
        let text = render(
            &snapshot,
            Some(&counters),
            MetricsOptions { flow_series: 0 },
        );
        assert!(
            !text.contains("sanso_flow_accepted_packets_total{"),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l == "sanso_flow_series_omitted 1"),
            "{text}"
        );
        assert!(text
            .lines()
            .any(|l| l == "sanso_accepted_packets_total{src_zone=\"lg\",dst_zone=\"ext\"} 3"));
        let text = render(&snapshot, None, MetricsOptions::default());
        assert!(text.contains("sanso_kernel_counters_up 0"));
        assert!(!text.contains("sanso_spoofed_packets_total"));
    }

    #[tokio::test]
    async fn a_non_loopback_address_is_refused() {
        let err = bind("0.0.0.0:9100".parse().expect("addr"))
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
