//! What several subcommands share: reading and validating a policy (printing
//! its diagnostics), and the time at which `until` is judged.

use std::path::Path;

use anyhow::Result;
use sanso_classify::{DecidedBy, Decision, Packet, Path as PacketPath, L4};
use sanso_ir::{FlowIdx, Ruleset};
use sanso_netns::{Probe, ProbeDst, ProbeL4, RunReport};
use sanso_policy::{Case, Diagnostics, Loaded, Policy};

/// Why a command stopped early after printing its own diagnostics.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("invalid input (see the diagnostics above)")
    }
}

impl std::error::Error for Reported {}

/// Whether to colour diagnostics: only on a terminal, and never with NO_COLOR.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Reads a policy or cases file the way the daemon does
/// ([`sanso_policy::read_source`]): a regular file of at most 64 MiB, in
/// UTF-8; the error names the file and what is wrong with it.
pub fn read_text(path: &Path) -> Result<String> {
    Ok(sanso_policy::read_source(path)?)
}

/// Loads and validates a policy file; diagnostics (errors and warnings) go
/// to stderr. `Err(Reported)` when the policy is invalid.
pub fn load_policy(path: &Path) -> Result<Policy> {
    load_policy_counting_warnings(path).map(|(policy, _)| policy)
}

/// Like [`load_policy`], also giving the number of warnings it printed.
pub fn load_policy_counting_warnings(path: &Path) -> Result<(Policy, usize)> {
    let text = read_text(path)?;
    check_policy_text(path, &text)
}

/// Validates a policy already read from `path` (diagnostics to stderr, as
/// [`load_policy`]); also the number of warnings printed.
pub fn check_policy_text(path: &Path, text: &str) -> Result<(Policy, usize)> {
    let file = path.display().to_string();
    let loaded = sanso_policy::load_policy_at(&file, text, now_or(None));
    let warnings = loaded.as_ref().map_or(0, |l| l.warnings.warnings().count());
    report_diagnostics(loaded).map(|policy| (policy, warnings))
}

/// Loads and validates a cases file against `policy`, like [`load_policy`].
pub fn load_cases(path: &Path, policy: &Policy) -> Result<Vec<Case>> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    report_diagnostics(sanso_policy::load_cases_with_warnings(&file, &text, policy))
}

fn report_diagnostics<T>(loaded: Result<Loaded<T>, Diagnostics>) -> Result<T> {
    match loaded {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                eprint!("{}", loaded.warnings.render(use_color()));
            }
            Ok(loaded.value)
        }
        Err(diagnostics) => {
            eprint!("{}", diagnostics.render(use_color()));
            Err(Reported.into())
        }
    }
}

/// The flow that accepted a packet, if it has a `limit`: the kernel drops
/// such a flow's packets above the limit, which a burst of probes exceeds.
pub fn limited_flow(ruleset: &Ruleset, decision: &Decision) -> Option<FlowIdx> {
    match decision.by {
        DecidedBy::Flow(f) if ruleset.flow(f).limit.is_some() => Some(f),
        _ => None,
    }
}

/// The first packet of a probe (a case, a random packet), as the
/// classifier sees it.
pub fn packet_for_probe(probe: &Probe, time: i64) -> Packet {
    let (path, dst) = match probe.dst {
        ProbeDst::Addr(addr) => (PacketPath::Forward, addr),
        // The gateway's own address: the classifier does not look at it on
        // the input path, so the source stands in for it.
        ProbeDst::Gateway => (PacketPath::ToGateway, probe.src),
    };
    let l4 = match probe.l4 {
        ProbeL4::Tcp(dport) => L4::Tcp { dport },
        ProbeL4::Udp(dport) => L4::Udp { dport },
        ProbeL4::Icmp(icmp_type) => L4::Icmp { icmp_type },
    };
    Packet {
        path,
        iif: probe.iif.clone(),
        src: probe.src,
        dst,
        l4,
        time,
    }
}

/// The numbers of a kernel run, for `--json`.
pub fn run_report_json(report: &RunReport) -> serde_json::Value {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    serde_json::json!({
        "probes": report.probes,
        "accepted": report.accepted,
        "namespaces": report.namespaces,
        "setup_ms": ms(report.setup),
        "load_ms": ms(report.load),
        "send_ms": ms(report.send),
        "wait_ms": ms(report.wait),
        "teardown_ms": ms(report.teardown),
        "drop_wait_ms": ms(report.drop_wait),
        "per_probe_ms": ms(report.per_probe()),
    })
}

/// Parses `--now`/`--at` values: `YYYY-MM-DD` (the start of that day in
/// JST, the zone `until` dates are read in) or RFC 3339 with an offset.
/// Returns seconds since the Unix epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    sanso_policy::values::parse_instant(text).map_err(|e| e.to_string())
}

/// The time to judge expiry at: `--now` if given, else the system clock.
pub fn now_or(explicit: Option<i64>) -> i64 {
    explicit.unwrap_or_else(|| jiff::Timestamp::now().as_second())
}
