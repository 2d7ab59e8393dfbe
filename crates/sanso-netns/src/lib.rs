//! sanso-netns owns the packet-path harness on the real kernel: it builds a
//! throw-away topology of network namespaces from a validated policy, loads
//! the compiled ruleset into a gateway namespace, sends real packets through
//! it and reports, per probe, whether the kernel let it through.
//!
//! Its inputs are only the validated [`sanso_policy::Policy`] (zones,
//! interfaces, networks), the nft text to load and a list of [`Probe`]s, so
//! it checks any ruleset against the policy's topology: the one `sanso_nft`
//! renders, or a hand-written one.
//!
//! ```no_run
//! # fn demo(policy: &sanso_policy::Policy, nft_text: &str) -> Result<(), sanso_netns::HarnessError> {
//! use sanso_netns::{run_probes, KernelVerdict, Probe, ProbeDst, ProbeL4};
//! let probes = [Probe {
//!     iif: None,
//!     src: "10.10.1.5".parse().unwrap(),
//!     dst: ProbeDst::Addr("203.0.113.10".parse().unwrap()),
//!     l4: ProbeL4::Tcp(443),
//! }];
//! let verdicts = run_probes(policy, nft_text, &probes)?;
//! assert_eq!(verdicts, [KernelVerdict::Drop]);
//! # Ok(()) }
//! ```
//!
//! # How a run works
//!
//! 1. [`plan::TopologyPlan`] (pure) places every address: a gateway
//!    namespace whose interfaces carry the policy's interface names, one
//!    peer namespace per interface (veth end `p0`), /32 and /128 addresses,
//!    host routes and permanent neighbours (see the module for the rules).
//! 2. [`Topology`] builds it (`ip -n NS -batch -`, sysctls written from a
//!    thread inside each namespace: forwarding on in the gateway, rp_filter
//!    and DAD off everywhere) and loads the ruleset with
//!    `ip netns exec GW nft -f -`.
//! 3. The exchange (`wire`) opens the capture sockets on the far side
//!    first, injects every probe's frame on the peer of its input interface,
//!    then waits once, [`HarnessOptions::drop_wait`] after the last send, or
//!    less when everything expected has arrived.
//! 4. The namespaces are removed when the topology drops: on success, on
//!    error, while unwinding a panic, and on SIGINT/SIGTERM (exit status
//!    130). [`netns::remove_stale_namespaces`] cleans after a `kill -9`.
//!
//! A probe is [`KernelVerdict::Accept`] when it arrives on the far side:
//! in the destination's peer namespace (a packet socket: after the gateway's
//! forward and postrouting hooks), or for [`ProbeDst::Gateway`] on the
//! gateway's own stack (a raw socket: after the input hook). Otherwise it is
//! [`KernelVerdict::Drop`].
//!
//! # Privileges
//!
//! Root is required (CAP_NET_ADMIN and CAP_SYS_ADMIN). Without it every entry
//! point fails with [`HarnessError::NotPrivileged`] before touching anything;
//! the planning, packet and [`random`] modules work without root.
//!
//! # Network safety
//!
//! Packets exist only inside the run's namespaces (`sanso-<pid>-<n>-<role>`);
//! no command runs in the caller's namespace, and the host's interfaces and
//! ruleset are never touched.

pub mod client;
mod error;
pub mod netns;
pub mod packet;
pub mod plan;
mod probe;
pub mod random;
pub mod tcp;
mod topology;
mod wire;

use std::fmt;
use std::time::{Duration, Instant};

use sanso_policy::Policy;

pub use client::run_clients;
pub use error::HarnessError;
pub use probe::*;
pub use topology::{ensure_privileged, interface_sysctls, namespace_sysctls, Topology};

/// The most probes one topology carries (source ports and ICMP identifiers
/// stay unique below this); larger runs use several topologies in turn.
pub const MAX_PROBES_PER_TOPOLOGY: usize = 50_000;

/// The default [`HarnessOptions::drop_wait`]. See the crate's README.md for
/// the measurements behind it.
pub const DEFAULT_DROP_WAIT: Duration = Duration::from_millis(250);

/// Knobs of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HarnessOptions {
    /// How long after the last send a probe may still arrive before it counts
    /// as dropped.
    pub drop_wait: Duration,
}

impl Default for HarnessOptions {
    fn default() -> Self {
        HarnessOptions {
            drop_wait: DEFAULT_DROP_WAIT,
        }
    }
}

/// Verdicts with what the harness saw, and the numbers of the run.
#[derive(Clone, Debug)]
pub struct HarnessRun {
    /// Same order as the probes given.
    pub outcomes: Vec<ProbeOutcome>,
    pub report: RunReport,
}

impl HarnessRun {
    pub fn verdicts(&self) -> Vec<KernelVerdict> {
        self.outcomes.iter().map(|o| o.verdict).collect()
    }
}

/// Sizes and timings of a run, for `sanso test --kernel` and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Topologies built (one per [`MAX_PROBES_PER_TOPOLOGY`] probes).
    pub topologies: usize,
    /// Namespaces created, over all topologies.
    pub namespaces: usize,
    /// Gateway interfaces (veth pairs) per topology.
    pub links: usize,
    /// Addresses assigned in peer namespaces, over all topologies.
    pub addresses: usize,
    pub probes: usize,
    pub accepted: usize,
    /// Building the topologies (namespaces, links, addresses, sysctls).
    pub setup: Duration,
    /// Loading the ruleset (`nft -f`).
    pub load: Duration,
    /// Sending every probe.
    pub send: Duration,
    /// From the last send until the captures were done.
    pub wait: Duration,
    /// Removing the namespaces.
    pub teardown: Duration,
    pub drop_wait: Duration,
    /// The slowest accepted probe, send to capture.
    pub max_latency: Option<Duration>,
    /// `sanso-<pid>-<n>` of each topology: the names of its namespaces start so.
    pub run_prefixes: Vec<String>,
}

impl RunReport {
    /// Send and wait time per probe.
    pub fn per_probe(&self) -> Duration {
        (self.send + self.wait)
            .checked_div(self.probes.max(1) as u32)
            .unwrap_or_default()
    }

    pub fn total(&self) -> Duration {
        self.setup + self.load + self.send + self.wait + self.teardown
    }
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        writeln!(
            f,
            "kernel: {} probes, {} accepted, {} dropped; {} topolog{} of {} namespaces, {} links, {} addresses",
            self.probes,
            self.accepted,
            self.probes - self.accepted,
            self.topologies,
            if self.topologies == 1 { "y" } else { "ies" },
            self.namespaces,
            self.links,
            self.addresses
        )?;
        write!(
            f,
            "time: setup {:.1} ms, load {:.1} ms, send {:.1} ms, wait {:.1} ms (drop wait {:.0} ms), teardown {:.1} ms; {:.3} ms per probe",
            ms(self.setup),
            ms(self.load),
            ms(self.send),
            ms(self.wait),
            ms(self.drop_wait),
            ms(self.teardown),
            ms(self.per_probe())
        )?;
        if let Some(l) = self.max_latency {
            write!(f, "; slowest accept {:.3} ms", ms(l))?;
        }
        Ok(())
    }
}

/// Runs `probes` through `nft_text` loaded in a gateway built from `policy`;
/// one verdict per probe, in order. See [`run_probes_with`] for the details.
pub fn run_probes(
    policy: &Policy,
    nft_text: &str,
    probes: &[Probe],
) -> Result<Vec<KernelVerdict>, HarnessError> {
    run_probes_with(policy, nft_text, probes, &HarnessOptions::default()).map(|r| r.verdicts())
}

/// Runs `probes` and reports outcomes and timings. Each batch of up to
/// [`MAX_PROBES_PER_TOPOLOGY`] probes gets a fresh topology (so a fresh
/// conntrack table): probes do not see each other's connections.
pub fn run_probes_with(
    policy: &Policy,
    nft_text: &str,
    probes: &[Probe],
    options: &HarnessOptions,
) -> Result<HarnessRun, HarnessError> {
    ensure_privileged()?;
    let mut outcomes = Vec::with_capacity(probes.len());
    let mut report = RunReport {
        drop_wait: options.drop_wait,
        probes: probes.len(),
        ..RunReport::default()
    };
    for batch in probes.chunks(MAX_PROBES_PER_TOPOLOGY) {
        let topology = Topology::build(policy, batch)?;
        let plan = topology.plan();
        report.topologies += 1;
        report.namespaces += plan.links.len() + 1;
        report.links = plan.links.len();
        report.addresses += plan.address_count();
        report.setup += topology.setup_time();
        report.run_prefixes.push(plan.run.prefix());

        let t = Instant::now();
        topology.load_ruleset(nft_text)?;
        report.load += t.elapsed();

        let exchange = wire::exchange(
            plan,
            topology.gateway(),
            topology.peers(),
            options.drop_wait,
        )?;
        report.send += exchange.send_time;
        report.wait += exchange.wait_time;
        for ((p, sent), arrived) in plan
            .probes
            .iter()
            .zip(&exchange.sent)
            .zip(&exchange.arrived)
        {
            let latency = arrived.map(|a| a.saturating_duration_since(*sent));
            report.max_latency = report.max_latency.max(latency);
            outcomes.push(ProbeOutcome {
                verdict: if arrived.is_some() {
                    KernelVerdict::Accept
                } else {
                    KernelVerdict::Drop
                },
                latency,
                iif: plan.links[p.iif].interface.clone(),
                dst: p.dst,
                capture: p.capture,
            });
        }
        let t = Instant::now();
        drop(topology);
        report.teardown += t.elapsed();
    }
    report.accepted = outcomes
        .iter()
        .filter(|o| o.verdict == KernelVerdict::Accept)
        .count();
    Ok(HarnessRun { outcomes, report })
}
