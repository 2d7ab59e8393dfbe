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
//! 1. [`placement::TopologySpec`] (pure) places every address: a gateway
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
//! the placement, packet and [`random`] modules work without root.
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
pub mod placement;
mod probe;
pub mod random;
pub mod tcp;
mod topology;
mod wire;

use std::fmt;
use std::time::{Duration, Instant};

use sanso_i18n::t;
use sanso_policy::Policy;

pub use client::run_clients;
pub use error::{HarnessError, SocketStep};
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
    pub stats: RunStats,
}

impl HarnessRun {
    pub fn verdicts(&self) -> Vec<KernelVerdict> {
        self.outcomes.iter().map(|o| o.verdict).collect()
    }
}

/// Sizes and timings of a run, for `sanso test --kernel` and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
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

impl RunStats {
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

impl fmt::Display for RunStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration, digits: usize| format!("{:.*}", digits, d.as_secs_f64() * 1000.0);
        writeln!(
            f,
            "{}",
            t!(
                "netns-run-sizes",
                probes = self.probes,
                accepted = self.accepted,
                dropped = self.probes - self.accepted,
                topologies = self.topologies,
                namespaces = self.namespaces,
                links = self.links,
                addresses = self.addresses
            )
        )?;
        write!(
            f,
            "{}",
            t!(
                "netns-run-times",
                setup = ms(self.setup, 1),
                load = ms(self.load, 1),
                send = ms(self.send, 1),
                wait = ms(self.wait, 1),
                drop_wait = ms(self.drop_wait, 0),
                teardown = ms(self.teardown, 1),
                per_probe = ms(self.per_probe(), 3)
            )
        )?;
        if let Some(l) = self.max_latency {
            write!(f, "{}", t!("netns-run-slowest", latency = ms(l, 3)))?;
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
    let mut stats = RunStats {
        drop_wait: options.drop_wait,
        probes: probes.len(),
        ..RunStats::default()
    };
    for batch in probes.chunks(MAX_PROBES_PER_TOPOLOGY) {
        let topology = Topology::build(policy, batch)?;
        let spec = topology.spec();
        stats.topologies += 1;
        stats.namespaces += spec.links.len() + 1;
        stats.links = spec.links.len();
        stats.addresses += spec.address_count();
        stats.setup += topology.setup_time();
        stats.run_prefixes.push(spec.run.prefix());

        let t = Instant::now();
        topology.load_ruleset(nft_text)?;
        stats.load += t.elapsed();

        let exchange = wire::exchange(
            spec,
            topology.gateway(),
            topology.peers(),
            options.drop_wait,
        )?;
        stats.send += exchange.send_time;
        stats.wait += exchange.wait_time;
        for ((p, sent), arrived) in spec
            .probes
            .iter()
            .zip(&exchange.sent)
            .zip(&exchange.arrived)
        {
            let latency = arrived.map(|a| a.saturating_duration_since(*sent));
            stats.max_latency = stats.max_latency.max(latency);
            outcomes.push(ProbeOutcome {
                verdict: if arrived.is_some() {
                    KernelVerdict::Accept
                } else {
                    KernelVerdict::Drop
                },
                latency,
                iif: spec.links[p.iif].interface.clone(),
                dst: p.dst,
                capture: p.capture,
            });
        }
        let t = Instant::now();
        drop(topology);
        stats.teardown += t.elapsed();
    }
    stats.accepted = outcomes
        .iter()
        .filter(|o| o.verdict == KernelVerdict::Accept)
        .count();
    Ok(HarnessRun { outcomes, stats })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanso_i18n::{t_in, Lang};

    fn stats() -> RunStats {
        RunStats {
            topologies: 1,
            namespaces: 4,
            links: 3,
            addresses: 12,
            probes: 10,
            accepted: 7,
            setup: Duration::from_micros(12_340),
            load: Duration::from_micros(5_600),
            send: Duration::from_micros(1_200),
            wait: Duration::from_micros(250_400),
            teardown: Duration::from_micros(8_000),
            drop_wait: Duration::from_millis(250),
            max_latency: Some(Duration::from_micros(420)),
            run_prefixes: Vec::new(),
        }
    }

    #[test]
    fn the_run_stats_reads_as_before_in_english() {
        assert_eq!(
            stats().to_string(),
            "kernel: 10 probes, 7 accepted, 3 dropped; 1 topology of 4 namespaces, 3 links, 12 addresses\n\
             time: setup 12.3 ms, load 5.6 ms, send 1.2 ms, wait 250.4 ms (drop wait 250 ms), teardown 8.0 ms; 25.160 ms per probe; slowest accept 0.420 ms"
        );
        let two = RunStats {
            topologies: 2,
            max_latency: None,
            ..stats()
        };
        assert!(two.to_string().contains("; 2 topologies of 4 namespaces"));
        assert!(two.to_string().ends_with("ms per probe"));
    }

    #[test]
    fn the_run_stats_and_errors_have_japanese() {
        let sizes = t_in!(
            Lang::Ja,
            "netns-run-sizes",
            probes = 10,
            accepted = 7,
            dropped = 3,
            topologies = 2,
            namespaces = 4,
            links = 3,
            addresses = 12
        );
        assert_eq!(
            sizes,
            "カーネル: プローブ 10 件（許可 7 件、破棄 3 件）。トポロジー 2 個（名前空間 4 個、リンク 3 本、アドレス 12 個）"
        );
        let socket = t_in!(
            Lang::Ja,
            "netns-socket",
            step = SocketStep::SendProbe.as_str(),
            namespace = "`sanso-1-0-p0`"
        );
        assert_eq!(
            socket,
            "名前空間 `sanso-1-0-p0` でプローブを送るときにソケットエラーが発生しました"
        );
        let panicked = t_in!(Lang::Ja, "netns-thread-panicked", what = "capture");
        assert_eq!(panicked, "キャプチャスレッドが異常終了しました");
    }

    #[test]
    fn errors_read_as_before_in_english() {
        let err = HarnessError::socket(
            SocketStep::OpenPacketCapture,
            "sanso-1-0-p0",
            std::io::Error::other("x"),
        );
        assert_eq!(
            err.to_string(),
            "socket error while opening the packet capture socket in namespace `sanso-1-0-p0`"
        );
        assert!(std::error::Error::source(&err).is_some());
        assert_eq!(
            HarnessError::UnknownInterface {
                probe: 3,
                interface: "xx0".into()
            }
            .to_string(),
            "probe 3: interface `xx0` is not an interface of any zone of the policy"
        );
        assert_eq!(
            HarnessError::ThreadPanicked { what: "sysctl" }.to_string(),
            "the sysctl thread panicked"
        );
    }
}
