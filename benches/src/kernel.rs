//! The kernel drop-path measurement: the cost per packet of a packet the
//! ruleset drops, through a gateway namespace, for three rulesets loaded in
//! turn into the same namespaces:
//!
//! * [`Variant::Sanso`]: the compiled ruleset (`sanso_nft::text::render`);
//! * [`Variant::Empty`]: a table with only the base chains, `policy drop`;
//! * [`Variant::Linear`]: one rule per (flow, family, service match),
//!   `ip saddr X ip daddr Y meta l4proto P th dport Z accept`, then drop.
//!
//! Topology (all in throwaway namespaces named `sanso-<pid>-bench-<role>-<n>`,
//! the pattern of `sanso_nft::readback::NAMESPACE_PREFIX`, removed on drop,
//! also on panic, and by the next run's sweep after a `kill -9`): sender --veth--> gateway --veth-->
//! receiver. The gateway's interfaces carry the names of the zones' interfaces
//! so that anti-spoofing passes and the packet walks the whole pipeline
//! (anti-spoof, conntrack, the flow map lookup that misses, the zone-pair map,
//! the drop chain). The sender blasts UDP with `sendmmsg` in batches towards
//! an address and port the classifier says the policy drops, for a bounded
//! time per round. veth delivers into the receiving namespace in the sender's
//! softirq, so the sender thread's CPU time per packet is the drop-path cost
//! plus a constant (the socket send path), the same for every variant.
//!
//! A fourth variant, `conntrack`, is the empty table whose forward chain
//! only has `ct state established,related accept`: the floor of a stateful
//! firewall (connection tracking is enabled, so every dropped new packet
//! allocates and frees a conntrack entry), which the empty table lacks.
//!
//! Rounds are interleaved (sanso, empty, linear, conntrack, sanso, ...); each variant's
//! result is the median of its rounds.
//!
//! [`measure_paths`] measures two more paths the same way, each in its own
//! topology: packets of an established UDP connection a flow allows (sanso's
//! `ct mark vmap @live` against the same text with `ct state
//! established,related accept` and the conntrack-only table), and a spoofed
//! flood that anti-spoofing drops (sanso's prerouting chain at priority raw
//! against the same text with anti-spoofing first in forward, the empty and
//! the conntrack-only tables). The earlier layouts are text transformations
//! of the rendered ruleset that fail when the text no longer has what they
//! edit; the sanso rounds check the kernel's counters (the receiver got the
//! established packets, the flows counted only the opening datagrams,
//! `spoofed` counted the flood). It also measures, with
//! [`measure_throughput`], the throughput of one real TCP stream (kernel
//! sockets in the sender and receiver namespaces) along a TCP path a flow
//! allows: sanso against the conntrack-only table and no ruleset at all; the
//! sanso rounds check that the flows counted one new connection per stream.
//!
//! Network safety: nothing here touches the host namespace's ruleset or
//! interfaces. Links are created inside the namespaces (`ip -n`), rulesets
//! loaded with `ip netns exec`, packets sent from inside the sender namespace
//! to addresses that exist only there.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use sanso_classify::{Classifier, DecidedBy, Packet, Path, Verdict, L4};
use sanso_ir::Ruleset;
use sanso_policy::{Endpoint, Policy, ServiceMatch, Tier};

use crate::userspace::{median, thread_cpu_time};

#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("the policy has no two zones with an IPv4 network, an interface and an address pair it drops")]
    NoDropPath,
    #[error("`{command}` failed: {stderr}")]
    Command { command: String, stderr: String },
    #[error(transparent)]
    Run(#[from] sanso_process::ProcessError),
    #[error(transparent)]
    Namespace(#[from] sanso_netns::HarnessError),
    #[error("reading the counters of {name}")]
    Counters {
        name: String,
        #[source]
        source: sanso_nft::netlink::ApplyError,
    },
    #[error("entering namespace {name}")]
    Setns {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error("sending UDP from the sender namespace")]
    Send(#[source] std::io::Error),
    #[error("the sender thread panicked")]
    SenderPanicked,
    #[error("{0}")]
    Layout(String),
    #[error("{0}")]
    Check(String),
}

/// The ruleset loaded into the gateway namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Sanso,
    Empty,
    Linear,
    /// The empty table plus `ct state established,related accept` in forward.
    Conntrack,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::Sanso,
        Variant::Empty,
        Variant::Linear,
        Variant::Conntrack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Sanso => "sanso",
            Variant::Empty => "empty",
            Variant::Linear => "linear",
            Variant::Conntrack => "conntrack",
        }
    }
}

/// Where the blast goes: a source in one zone, a destination in another,
/// a UDP port the policy drops between them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropPath {
    /// The gateway interface facing the sender (the source zone's).
    pub src_interface: String,
    pub src: Ipv4Addr,
    /// The gateway's own address on the sender side, with the source zone's prefix length.
    pub src_gateway: Ipv4Addr,
    pub src_prefix: u8,
    pub dst_interface: String,
    pub dst: Ipv4Addr,
    pub dst_gateway: Ipv4Addr,
    pub dst_prefix: u8,
    pub port: u16,
}

/// Picks a [`DropPath`] that the classifier drops by default (no flow matches,
/// anti-spoofing passes). Prefers a mynumber source and an lgwan destination.
pub fn drop_path(ruleset: &Ruleset, policy: &Policy) -> Option<DropPath> {
    let classifier = Classifier::new(ruleset);
    // (zone index, interface, v4 network), internal zones first, tier order.
    let mut zones: Vec<(usize, &str, ipnet::Ipv4Net)> = policy
        .zones
        .iter()
        .enumerate()
        .filter_map(|(i, z)| {
            let iface = z.interfaces.first()?;
            let net = z.networks.iter().find_map(|n| match n {
                IpNet::V4(n) if n.prefix_len() >= 8 && n.prefix_len() <= 29 => Some(*n),
                _ => None,
            })?;
            Some((i, iface.as_str(), net))
        })
        .collect();
    zones.sort_by_key(|(i, _, _)| {
        (
            policy.zones[*i].tier == Tier::External,
            policy.zones[*i].tier,
            *i,
        )
    });
    const OFFSETS: [u32; 8] = [2, 3, 5, 6, 7, 9, 11, 13];
    const PORTS: [u16; 4] = [9, 7, 19, 40_999];
    let addr =
        |net: ipnet::Ipv4Net, off: u32| Ipv4Addr::from(u32::from(net.network()).wrapping_add(off));
    for (si, siface, snet) in &zones {
        for (di, diface, dnet) in &zones {
            if si == di
                || siface == diface
                || snet.contains(&dnet.network())
                || dnet.contains(&snet.network())
            {
                continue;
            }
            for s_off in OFFSETS {
                for d_off in OFFSETS {
                    for port in PORTS {
                        let (src, dst) = (addr(*snet, s_off), addr(*dnet, d_off));
                        let packet = Packet {
                            path: Path::Forward,
                            iif: Some((*siface).to_owned()),
                            src: IpAddr::V4(src),
                            dst: IpAddr::V4(dst),
                            l4: L4::Udp { dport: port },
                            time: ruleset.compiled_at,
                        };
                        let decision = classifier.classify(&packet);
                        if decision.verdict == Verdict::Drop
                            && matches!(
                                decision.by,
                                DecidedBy::DefaultDrop {
                                    src_zone: Some(_),
                                    dst_zone: Some(_),
                                    ..
                                }
                            )
                        {
                            return Some(DropPath {
                                src_interface: (*siface).to_owned(),
                                src,
                                src_gateway: addr(*snet, 1),
                                src_prefix: snet.prefix_len(),
                                dst_interface: (*diface).to_owned(),
                                dst,
                                dst_gateway: addr(*dnet, 1),
                                dst_prefix: dnet.prefix_len(),
                                port,
                            });
                        }
                    }
                }
            }
        }
    }
    None
}

const BASE_CHAINS: &str =
    "\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n\
\tchain output {\n\t\ttype filter hook output priority filter; policy drop;\n\t}\n";

/// Variant (b): only base chains with `policy drop`.
pub fn empty_ruleset_text() -> String {
    format!(
        "table inet sanso {{\n{BASE_CHAINS}\tchain forward {{\n\t\ttype filter hook forward priority filter; policy drop;\n\t}}\n}}\n"
    )
}

/// Variant (d): the empty table whose forward chain accepts tracked
/// connections (`ct state established,related accept`), then `policy drop`.
pub fn conntrack_ruleset_text() -> String {
    format!(
        "table inet sanso {{\n{BASE_CHAINS}\tchain forward {{\n\t\ttype filter hook forward priority filter; policy drop;\n\t\tct state established,related accept\n\t}}\n}}\n"
    )
}

/// Variant (c): the policy's forward flows as a linear chain, one rule per
/// (flow, family, service match), then `policy drop`. Returns the text and the
/// number of rules.
pub fn linear_ruleset_text(policy: &Policy, now: i64) -> (String, usize) {
    let mut out = String::with_capacity(policy.flows.len() * 120);
    out.push_str("table inet sanso {\n");
    out.push_str(BASE_CHAINS);
    out.push_str("\tchain forward {\n\t\ttype filter hook forward priority filter; policy drop;\n");
    let mut rules = 0;
    for flow in &policy.flows {
        if flow.until.is_some_and(|until| until <= now)
            || flow.from.contains(&Endpoint::Gateway)
            || flow.to.contains(&Endpoint::Gateway)
        {
            continue;
        }
        let nets = |ends: &[Endpoint], v4: bool| -> Vec<IpNet> {
            ends.iter()
                .flat_map(|e| match e {
                    Endpoint::Gateway => &[][..],
                    Endpoint::Zone(z) => &policy.zone(*z).networks[..],
                    Endpoint::Host(h) => &policy.host(*h).addresses[..],
                })
                .copied()
                .filter(|n| matches!(n, IpNet::V4(_)) == v4)
                .collect()
        };
        for v4 in [true, false] {
            let (src, dst) = (nets(&flow.from, v4), nets(&flow.to, v4));
            if src.is_empty() || dst.is_empty() {
                continue;
            }
            let family = if v4 { "ip" } else { "ip6" };
            for service in &flow.services {
                for m in &service.matches {
                    let l4 = match (m, v4) {
                        (ServiceMatch::Tcp(r), _) => {
                            format!("meta l4proto tcp th dport {}", ports(r.first, r.last))
                        }
                        (ServiceMatch::Udp(r), _) => {
                            format!("meta l4proto udp th dport {}", ports(r.first, r.last))
                        }
                        (ServiceMatch::Icmp(t), true) => format!("icmp type {t}"),
                        (ServiceMatch::Icmpv6(t), false) => format!("icmpv6 type {t}"),
                        _ => continue,
                    };
                    let _ = writeln!(
                        out,
                        "\t\t{family} saddr {} {family} daddr {} {l4} accept",
                        address_match(&src),
                        address_match(&dst)
                    );
                    rules += 1;
                }
            }
        }
    }
    out.push_str("\t}\n}\n");
    (out, rules)
}

fn ports(first: u16, last: u16) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

fn address_match(nets: &[IpNet]) -> String {
    let one = |n: &IpNet| {
        if n.prefix_len() == n.max_prefix_len() {
            n.addr().to_string()
        } else {
            n.to_string()
        }
    };
    match nets {
        [n] => one(n),
        _ => {
            // An anonymous interval set refuses overlapping elements: keep the
            // aggregate.
            let merged = IpNet::aggregate(&nets.to_vec());
            if merged.len() == 1 {
                one(&merged[0])
            } else {
                format!(
                    "{{ {} }}",
                    merged.iter().map(one).collect::<Vec<_>>().join(", ")
                )
            }
        }
    }
}

/// Bounds of one measurement.
#[derive(Clone, Copy, Debug)]
pub struct KernelBudget {
    /// Rounds per variant (interleaved).
    pub rounds: usize,
    /// Blast duration per round (after a short warm-up).
    pub blast: Duration,
    /// Upper bound of packets per round.
    pub max_packets: u64,
}

impl Default for KernelBudget {
    fn default() -> Self {
        KernelBudget {
            rounds: 5,
            blast: Duration::from_millis(300),
            max_packets: 5_000_000,
        }
    }
}

/// Medians per variant.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelCost {
    /// Sender thread CPU ns per packet, median of rounds.
    pub cpu_ns: [(Variant, f64); 4],
    /// Sender wall-clock ns per packet, median of rounds.
    pub wall_ns: [(Variant, f64); 4],
    pub rounds: usize,
    pub linear_rules: usize,
    /// Packets sent in all measured rounds together.
    pub packets: u64,
    /// Milliseconds to load each variant with `nft -f` (median).
    pub load_ms: [(Variant, f64); 4],
}

impl KernelCost {
    pub fn cpu(&self, v: Variant) -> f64 {
        self.cpu_ns
            .iter()
            .find(|(x, _)| *x == v)
            .map_or(f64::NAN, |(_, ns)| *ns)
    }

    pub fn wall(&self, v: Variant) -> f64 {
        self.wall_ns
            .iter()
            .find(|(x, _)| *x == v)
            .map_or(f64::NAN, |(_, ns)| *ns)
    }

    pub fn load(&self, v: Variant) -> f64 {
        self.load_ms
            .iter()
            .find(|(x, _)| *x == v)
            .map_or(f64::NAN, |(_, ms)| *ms)
    }
}

/// Runs the measurement: builds the topology, then interleaves the variants.
pub fn measure(
    policy: &Policy,
    ruleset: &Ruleset,
    budget: KernelBudget,
) -> Result<KernelCost, KernelError> {
    sanso_netns::ensure_privileged()?;
    let path = drop_path(ruleset, policy).ok_or(KernelError::NoDropPath)?;
    let (linear, linear_rules) = linear_ruleset_text(policy, ruleset.compiled_at);
    let texts = [
        sanso_nft::text::render(ruleset),
        empty_ruleset_text(),
        linear,
        conntrack_ruleset_text(),
    ];
    let costs = measure_texts(&path, &texts, budget)?;
    let pick = |f: fn(&TextCost) -> f64| {
        let mut out = [(Variant::Sanso, 0.0); 4];
        for ((slot, variant), cost) in out.iter_mut().zip(Variant::ALL).zip(&costs) {
            *slot = (variant, f(cost));
        }
        out
    };
    Ok(KernelCost {
        cpu_ns: pick(|c| c.cpu_ns),
        wall_ns: pick(|c| c.wall_ns),
        rounds: budget.rounds.max(1),
        linear_rules,
        packets: costs.iter().map(|c| c.packets).sum(),
        load_ms: pick(|c| c.load_ms),
    })
}

/// The medians of one ruleset text in [`measure_texts`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextCost {
    /// Sender thread CPU ns per packet.
    pub cpu_ns: f64,
    /// Sender wall-clock ns per packet.
    pub wall_ns: f64,
    /// Milliseconds to load the text with `nft -f`.
    pub load_ms: f64,
    /// Packets sent in the measured rounds.
    pub packets: u64,
}

/// The drop-path cost of each ruleset text along `path` (which every text
/// must drop): one topology, rounds interleaved (text 0, text 1, ..., text 0,
/// ...), medians per text. For comparing layouts by hand as well as for
/// [`measure`].
pub fn measure_texts(
    path: &DropPath,
    texts: &[String],
    budget: KernelBudget,
) -> Result<Vec<TextCost>, KernelError> {
    sanso_netns::ensure_privileged()?;
    let topo = Topology::build(path)?;
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); texts.len()];
    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); texts.len()];
    let mut load: Vec<Vec<f64>> = vec![Vec::new(); texts.len()];
    let mut packets = vec![0; texts.len()];
    for _ in 0..budget.rounds.max(1) {
        for (i, text) in texts.iter().enumerate() {
            let t = Instant::now();
            topo.gateway.load_ruleset(text)?;
            load[i].push(t.elapsed().as_secs_f64() * 1e3);
            // Warm-up: neighbour resolution, caches.
            topo.blast(path, Duration::from_millis(30), budget.max_packets)?;
            let sample = topo.blast(path, budget.blast, budget.max_packets)?;
            cpu[i].push(sample.cpu.as_nanos() as f64 / sample.packets.max(1) as f64);
            wall[i].push(sample.wall.as_nanos() as f64 / sample.packets.max(1) as f64);
            packets[i] += sample.packets;
        }
    }
    Ok((0..texts.len())
        .map(|i| TextCost {
            cpu_ns: median(&mut cpu[i]),
            wall_ns: median(&mut wall[i]),
            load_ms: median(&mut load[i]),
            packets: packets[i],
        })
        .collect())
}

/// The established path and the spoofed flood (issue 12): the cost per
/// packet of packets of an established connection allowed by a flow, and of
/// packets anti-spoofing drops, each against the rulesets it is compared
/// with, rounds interleaved in one topology per path, medians of the sender
/// thread's CPU time per packet.
#[derive(Clone, Debug, PartialEq)]
pub struct PathCosts {
    /// Established packets: sanso (`ct mark vmap @live`), the previous layout
    /// (`ct state established,related accept`), the conntrack-only table.
    /// `None` when the policy has no UDP flow [`allow_path`] can use.
    pub established: Option<[(&'static str, f64); 3]>,
    /// What the sanso rounds of the established path did, summed over rounds.
    pub established_check: EstablishedCheck,
    /// Spoofed packets: sanso (anti-spoofing in prerouting at priority raw),
    /// the previous layout (anti-spoofing first in forward, after conntrack),
    /// the empty table, the conntrack-only table.
    pub spoofed: [(&'static str, f64); 4],
    /// What the sanso rounds of the spoofed flood did, summed over rounds.
    pub spoofed_check: SpoofedCheck,
    /// One TCP stream through the gateway. `None` when the policy has no
    /// TCP flow [`allow_path_for`] can use.
    pub throughput: Option<Throughput>,
    pub rounds: usize,
}

/// The throughput of one TCP stream along a path a flow allows, rounds
/// interleaved: sanso, the conntrack-only table, no ruleset.
#[derive(Clone, Debug, PartialEq)]
pub struct Throughput {
    /// Median bits per second the receiving application read, per text
    /// (`sanso`, `conntrack`, `none`).
    pub bits_per_s: [(&'static str, f64); 3],
    /// What the sanso rounds did, summed over rounds.
    pub check: ThroughputCheck,
}

/// The TCP stream's sanso rounds: the bytes the receiver read in the
/// measured windows, and that they passed as one established connection
/// (each round's flow counters counted one new connection, `ended` none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThroughputCheck {
    /// Bytes the receiver read in the measured windows.
    pub bytes: u64,
    /// New connections the flows counted (one per round).
    pub new_connections: u64,
    /// Packets the `ended` counter counted (0).
    pub ended: u64,
}

impl Throughput {
    /// Median bits per second of `name` (`sanso`, `conntrack`, `none`).
    pub fn bits_per_s(&self, name: &str) -> f64 {
        self.bits_per_s
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}

/// The established path's sanso rounds: the receiver got the packets, and
/// they passed as established (no flow counted them as new connections, none
/// ended).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EstablishedCheck {
    /// Datagrams sent on the connections (opening, warm-up and measured).
    pub sent: u64,
    /// Packets the receiver's interface got meanwhile.
    pub received: u64,
    /// New connections the flows counted (`flow.*` counters): the opening
    /// datagrams only.
    pub new_connections: u64,
    /// Packets the `ended` counter counted (0: every mark was live).
    pub ended: u64,
}

/// The spoofed flood's sanso rounds: the `spoofed` counter against what was sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpoofedCheck {
    /// Datagrams sent from the spoofed source (warm-up and measured).
    pub sent: u64,
    /// Packets the `spoofed` counter counted.
    pub counted: u64,
}

impl PathCosts {
    /// Median ns per established packet of `name` (`sanso`,
    /// `sanso-without-marks`, `conntrack`); NaN when not measured.
    pub fn established(&self, name: &str) -> f64 {
        self.established
            .iter()
            .flatten()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }

    /// Median ns per spoofed packet of `name` (`sanso`,
    /// `sanso-antispoof-after-conntrack`, `empty`, `conntrack`).
    pub fn spoofed(&self, name: &str) -> f64 {
        self.spoofed
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}

const ESTABLISHED_SANSO: &str =
    "\t\tct state established,related ct mark vmap @live\n\t\tct state established,related jump ended\n";
const ESTABLISHED_PLAIN: &str = "\t\tct state established,related accept\n";
const ANTISPOOF: [&str; 2] = [
    "\t\tiifname . ip saddr != @antispoof4 jump spoofed\n",
    "\t\tiifname . ip6 saddr != @antispoof6 jump spoofed\n",
];
const PREROUTING_HEAD: &str = "\tchain prerouting {\n";
const FORWARD_HEAD: &str = "\t\ttype filter hook forward priority filter; policy drop;\n";

fn layout_changed(what: &str) -> KernelError {
    KernelError::Layout(format!(
        "the rendered ruleset has no `{}`: update the text transformation in benches/src/kernel.rs",
        what.trim()
    ))
}

/// The sanso text as the layout was before connection marks (commit "Connections
/// end with their flow"): established packets accepted by `ct state` alone,
/// in forward, input and output.
pub fn without_connection_marks(text: &str) -> Result<String, KernelError> {
    if text.matches(ESTABLISHED_SANSO).count() != 3 {
        return Err(layout_changed(ESTABLISHED_SANSO));
    }
    Ok(text.replace(ESTABLISHED_SANSO, ESTABLISHED_PLAIN))
}

/// The sanso text as the layout was before anti-spoofing moved to prerouting
/// (commit "Anti-spoofing before connection tracking"): no prerouting chain,
/// the anti-spoofing rules first in forward, after connection tracking. (The
/// earlier layout had them in input too; the forwarded packets measured here
/// never reach input.)
pub fn antispoof_after_conntrack(text: &str) -> Result<String, KernelError> {
    let start = text
        .find(PREROUTING_HEAD)
        .ok_or_else(|| layout_changed(PREROUTING_HEAD))?;
    let len = text[start..]
        .find("\t}\n")
        .ok_or_else(|| layout_changed("the end of chain prerouting"))?
        + "\t}\n".len();
    let prerouting = &text[start..start + len];
    if ANTISPOOF.iter().any(|line| !prerouting.contains(line)) {
        return Err(layout_changed(ANTISPOOF[0]));
    }
    // The chain and the blank line after it.
    let end = start + len + usize::from(text[start + len..].starts_with('\n'));
    let mut out = format!("{}{}", &text[..start], &text[end..]);
    let at = out
        .find(FORWARD_HEAD)
        .ok_or_else(|| layout_changed(FORWARD_HEAD))?
        + FORWARD_HEAD.len();
    out.insert_str(at, &ANTISPOOF.concat());
    Ok(out)
}

/// The conntrack-only table that also accepts the first packet of a UDP or
/// TCP connection, so that the established path and the TCP stream can be
/// opened through it (established packets never reach that second rule).
pub fn conntrack_open_ruleset_text() -> String {
    conntrack_ruleset_text().replacen(
        "ct state established,related accept\n",
        "ct state established,related accept\n\t\tmeta l4proto { tcp, udp } accept\n",
        1,
    )
}

/// No ruleset at all (`flush ruleset` only): plain forwarding, without
/// connection tracking; the ceiling of the TCP stream.
pub fn no_ruleset_text() -> String {
    String::new()
}

/// A path whose packets a flow accepts: UDP from a source zone to a
/// destination zone (distinct interfaces, IPv4), picked with the classifier.
/// Skips flows with a `limit` (each round opens a new connection) and
/// prefers one flow without `until` and `log` over groups and the others.
pub fn allow_path(ruleset: &Ruleset, policy: &Policy) -> Option<DropPath> {
    allow_path_for(ruleset, policy, sanso_ir::L4Proto::Udp)
}

/// [`allow_path`] for `proto`: a TCP path for the throughput of a stream.
pub fn allow_path_for(
    ruleset: &Ruleset,
    policy: &Policy,
    proto: sanso_ir::L4Proto,
) -> Option<DropPath> {
    let classifier = Classifier::new(ruleset);
    // The zone's first interface and its IPv4 network (prefix 8..=29) holding `a`.
    let zone_net = |z: sanso_ir::ZoneIdx, a: Ipv4Addr| -> Option<(&str, ipnet::Ipv4Net)> {
        let zone = policy.zones.get(z.0)?;
        let iface = zone.interfaces.first()?;
        let net = zone.networks.iter().find_map(|n| match n {
            IpNet::V4(n) if (8..=29).contains(&n.prefix_len()) && n.contains(&a) => Some(*n),
            _ => None,
        })?;
        Some((iface.as_str(), net))
    };
    // Up to 8 host addresses of `range` inside `net`, not the network, the
    // gateway's (network + 1) or the broadcast address.
    let hosts = |first: Ipv4Addr, last: Ipv4Addr, net: ipnet::Ipv4Net| {
        let (lo, hi) = (u32::from(first), u32::from(last));
        let reserved = [
            u32::from(net.network()),
            u32::from(net.network()).wrapping_add(1),
            u32::from(net.broadcast()),
        ];
        (lo..=hi.min(lo.saturating_add(10)))
            .filter(move |a| !reserved.contains(a) && net.contains(&Ipv4Addr::from(*a)))
            .map(Ipv4Addr::from)
            .take(8)
    };
    let flows = |target: sanso_ir::Target| -> Vec<&sanso_ir::FlowRule> {
        match target {
            sanso_ir::Target::Flow(f) => vec![ruleset.flow(f)],
            sanso_ir::Target::Group(g) => {
                ruleset.group(g).iter().map(|f| ruleset.flow(*f)).collect()
            }
        }
    };
    for strict in [true, false] {
        for e in &ruleset.v4.forward {
            let sanso_ir::L4Key::Ports {
                proto: key_proto,
                first: port,
                ..
            } = e.l4
            else {
                continue;
            };
            if key_proto != proto {
                continue;
            }
            let target_flows = flows(e.target);
            if target_flows.iter().any(|f| f.limit.is_some())
                || (strict
                    && (target_flows.len() != 1
                        || target_flows.iter().any(|f| f.until.is_some() || f.log)))
            {
                continue;
            }
            let (Some(sz), Some(dz)) = (e.src_zone, e.dst_zone) else {
                continue;
            };
            let (Some((siface, snet)), Some((diface, dnet))) =
                (zone_net(sz, e.src.first), zone_net(dz, e.dst.first))
            else {
                continue;
            };
            if siface == diface || snet.contains(&dnet.network()) || dnet.contains(&snet.network())
            {
                continue;
            }
            for src in hosts(e.src.first, e.src.last, snet) {
                for dst in hosts(e.dst.first, e.dst.last, dnet) {
                    let packet = Packet {
                        path: Path::Forward,
                        iif: Some(siface.to_owned()),
                        src: IpAddr::V4(src),
                        dst: IpAddr::V4(dst),
                        l4: match proto {
                            sanso_ir::L4Proto::Udp => L4::Udp { dport: port },
                            sanso_ir::L4Proto::Tcp => L4::Tcp { dport: port },
                        },
                        time: ruleset.compiled_at,
                    };
                    let decision = classifier.classify(&packet);
                    if decision.verdict == Verdict::Accept
                        && matches!(decision.by, DecidedBy::Flow(_))
                    {
                        let gateway = |net: ipnet::Ipv4Net| {
                            Ipv4Addr::from(u32::from(net.network()).wrapping_add(1))
                        };
                        return Some(DropPath {
                            src_interface: siface.to_owned(),
                            src,
                            src_gateway: gateway(snet),
                            src_prefix: snet.prefix_len(),
                            dst_interface: diface.to_owned(),
                            dst,
                            dst_gateway: gateway(dnet),
                            dst_prefix: dnet.prefix_len(),
                            port,
                        });
                    }
                }
            }
        }
    }
    None
}

/// A source address for a spoofed flood along `path`: an address of the
/// destination's zone, which the classifier says anti-spoofing drops when
/// it arrives on the source zone's interface.
pub fn spoofed_source(ruleset: &Ruleset, path: &DropPath) -> Option<Ipv4Addr> {
    let classifier = Classifier::new(ruleset);
    let net = ipnet::Ipv4Net::new(path.dst, path.dst_prefix).ok()?.trunc();
    let dst = u32::from(path.dst);
    (1..=16u32)
        .map(|off| Ipv4Addr::from(dst.wrapping_add(off)))
        .filter(|a| {
            net.contains(a) && *a != net.broadcast() && *a != path.dst_gateway && *a != path.src
        })
        .find(|a| {
            let decision = classifier.classify(&Packet {
                path: Path::Forward,
                iif: Some(path.src_interface.clone()),
                src: IpAddr::V4(*a),
                dst: IpAddr::V4(path.dst),
                l4: L4::Udp { dport: path.port },
                time: ruleset.compiled_at,
            });
            decision.verdict == Verdict::Drop && matches!(decision.by, DecidedBy::AntiSpoof { .. })
        })
}

/// Measures the established path and the spoofed flood (root only).
///
/// Established: per round and text, a new connection (a new source port,
/// so the connection is marked by the text under test), answered once by
/// the receiver, then blasted on; the receiver does not read the blast, so
/// its socket drops it at the same cost for every text. Fails when an answer
/// does not come back, or when in a sanso round the receiver's interface got
/// less than half of what was sent, a flow counted more new connections
/// than opening datagrams, or `ended` counted a packet.
///
/// Spoofed: from [`spoofed_source`] on the source zone's interface towards
/// the drop path's destination. Fails when, in a round of either sanso
/// layout, the `spoofed` counter counted less than half of what was sent.
pub fn measure_paths(
    policy: &Policy,
    ruleset: &Ruleset,
    budget: KernelBudget,
) -> Result<PathCosts, KernelError> {
    sanso_netns::ensure_privileged()?;
    let sanso = sanso_nft::text::render(ruleset);
    let rounds = budget.rounds.max(1);

    let mut established_check = EstablishedCheck::default();
    let established = match allow_path(ruleset, policy) {
        None => None,
        Some(allow) => {
            let texts = [
                sanso.clone(),
                without_connection_marks(&sanso)?,
                conntrack_open_ruleset_text(),
            ];
            let topo = Topology::build(&allow)?;
            let mut est: Vec<Vec<f64>> = vec![Vec::new(); texts.len()];
            for _ in 0..rounds {
                for (i, text) in texts.iter().enumerate() {
                    topo.gateway.load_ruleset(text)?;
                    let before = topo.receiver.rx_packets("eth0")?;
                    let (sample, sent, opening) =
                        topo.blast_established(&allow, budget.blast, budget.max_packets)?;
                    est[i].push(sample.cpu.as_nanos() as f64 / sample.packets.max(1) as f64);
                    if i == 0 {
                        let received = topo.receiver.rx_packets("eth0")?.saturating_sub(before);
                        let counters = topo.gateway.counters()?;
                        let new_connections: u64 = counters
                            .iter()
                            .filter(|(name, _)| name.starts_with("flow."))
                            .map(|(_, n)| n)
                            .sum();
                        let ended = counters.get("ended").copied().unwrap_or(0);
                        if received * 2 < sent || new_connections > opening || ended > 0 {
                            return Err(KernelError::Check(format!(
                                "established path: sent {sent}, the receiver got {received}, flows counted {new_connections} new connections for {opening} opening datagrams, ended counted {ended}"
                            )));
                        }
                        established_check.sent += sent;
                        established_check.received += received;
                        established_check.new_connections += new_connections;
                        established_check.ended += ended;
                    }
                }
            }
            Some([
                ("sanso", median(&mut est[0])),
                ("sanso-without-marks", median(&mut est[1])),
                ("conntrack", median(&mut est[2])),
            ])
        }
    };

    let drop = drop_path(ruleset, policy).ok_or(KernelError::NoDropPath)?;
    let spoof = spoofed_source(ruleset, &drop).ok_or_else(|| {
        KernelError::Check(
            "no address of the destination's zone is dropped as spoofed on the source's interface"
                .to_owned(),
        )
    })?;
    let texts = [
        sanso.clone(),
        antispoof_after_conntrack(&sanso)?,
        empty_ruleset_text(),
        conntrack_ruleset_text(),
    ];
    let topo = Topology::build(&drop)?;
    topo.sender
        .ip(&["addr", "add", &format!("{spoof}/32"), "dev", "eth0"])?;
    let mut spoofed: Vec<Vec<f64>> = vec![Vec::new(); texts.len()];
    let mut spoofed_check = SpoofedCheck::default();
    for _ in 0..rounds {
        for (i, text) in texts.iter().enumerate() {
            topo.gateway.load_ruleset(text)?;
            let warm =
                topo.blast_from(&drop, spoof, Duration::from_millis(30), budget.max_packets)?;
            let sample = topo.blast_from(&drop, spoof, budget.blast, budget.max_packets)?;
            spoofed[i].push(sample.cpu.as_nanos() as f64 / sample.packets.max(1) as f64);
            if i < 2 {
                // The flood must be what anti-spoofing drops, not something else.
                let sent = warm.packets + sample.packets;
                let counted = topo
                    .gateway
                    .counters()?
                    .get("spoofed")
                    .copied()
                    .unwrap_or(0);
                if counted * 2 < sent {
                    return Err(KernelError::Check(format!(
                        "spoofed flood ({}): sent {sent}, the spoofed counter counted {counted}",
                        if i == 0 {
                            "sanso"
                        } else {
                            "anti-spoofing after conntrack"
                        }
                    )));
                }
                if i == 0 {
                    spoofed_check.sent += sent;
                    spoofed_check.counted += counted;
                }
            }
        }
    }
    let throughput = match allow_path_for(ruleset, policy, sanso_ir::L4Proto::Tcp) {
        None => None,
        Some(tcp) => Some(measure_throughput(&tcp, &sanso, budget)?),
    };
    Ok(PathCosts {
        established,
        established_check,
        throughput,
        spoofed: [
            ("sanso", median(&mut spoofed[0])),
            ("sanso-antispoof-after-conntrack", median(&mut spoofed[1])),
            ("empty", median(&mut spoofed[2])),
            ("conntrack", median(&mut spoofed[3])),
        ],
        spoofed_check,
        rounds,
    })
}

/// Warm-up of each TCP stream before its measured window: slow start and
/// the first ACKs, not counted.
const STREAM_WARM_UP: Duration = Duration::from_millis(50);

/// The throughput of one TCP stream along `path` (which a flow of `sanso`
/// must allow), against the conntrack-only table and no ruleset: per round
/// and text (the order turning every round), a new connection,
/// [`STREAM_WARM_UP`] then `budget.blast` of reading counted by the
/// receiver; median of rounds. Fails when a stream
/// does not open or ends early, or when in a sanso round the flows did not
/// count exactly one new connection (so the stream passed as established)
/// or `ended` counted a packet.
pub fn measure_throughput(
    path: &DropPath,
    sanso: &str,
    budget: KernelBudget,
) -> Result<Throughput, KernelError> {
    sanso_netns::ensure_privileged()?;
    let texts = [
        sanso.to_owned(),
        conntrack_open_ruleset_text(),
        no_ruleset_text(),
    ];
    let topo = Topology::build(path)?;
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); texts.len()];
    let mut check = ThroughputCheck::default();
    for round in 0..budget.rounds.max(1) {
        // The order turns every round (sanso, conntrack, none; conntrack,
        // none, sanso; ...), so that no text always follows the same one:
        // a stream's rate depends on what the machine did just before
        // (freeing the previous table, loading 10,000 flows).
        for k in 0..texts.len() {
            let i = (k + round) % texts.len();
            let text = &texts[i];
            topo.gateway.load_ruleset(text)?;
            let (bytes, window) = topo.tcp_stream(path, STREAM_WARM_UP, budget.blast)?;
            rates[i].push(bytes as f64 * 8.0 / window.as_secs_f64().max(1e-9));
            if i == 0 {
                let counters = topo.gateway.counters()?;
                let new_connections: u64 = counters
                    .iter()
                    .filter(|(name, _)| name.starts_with("flow."))
                    .map(|(_, n)| n)
                    .sum();
                let ended = counters.get("ended").copied().unwrap_or(0);
                if new_connections != 1 || ended > 0 {
                    return Err(KernelError::Check(format!(
                        "TCP stream: the receiver read {bytes} bytes, the flows counted {new_connections} new connections for one stream, ended counted {ended}"
                    )));
                }
                check.bytes += bytes;
                check.new_connections += new_connections;
                check.ended += ended;
            }
        }
    }
    Ok(Throughput {
        bits_per_s: [
            ("sanso", median(&mut rates[0])),
            ("conntrack", median(&mut rates[1])),
            ("none", median(&mut rates[2])),
        ],
        check,
    })
}

/// A network namespace that exists while this value does.
#[derive(Debug)]
pub struct Namespace {
    name: String,
    /// Deletes the namespace on drop (also on panic, and at a signal), its
    /// veth ends and ruleset with it.
    _guard: sanso_netns::netns::Netns,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Namespace {
    /// Creates `sanso-<pid>-bench-<role>-<n>`; the first call of a process
    /// removes the namespaces killed runs left
    /// (`sanso_nft::readback::remove_stale_namespaces`).
    pub fn create(role: &str) -> Result<Self, KernelError> {
        static SWEEP: std::sync::Once = std::sync::Once::new();
        SWEEP.call_once(|| {
            sanso_nft::readback::remove_stale_namespaces();
        });
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{}{}-bench-{role}-{n}",
            sanso_nft::readback::NAMESPACE_PREFIX,
            std::process::id()
        );
        let guard = sanso_netns::netns::Netns::create(&name)?;
        Ok(Namespace {
            name,
            _guard: guard,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip -n <ns> <args>`.
    fn ip(&self, args: &[&str]) -> Result<(), KernelError> {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Runs a command inside the namespace (`ip netns exec`).
    fn exec(&self, program: &str, args: &[&str]) -> Result<(), KernelError> {
        self.output(program, args).map(drop)
    }

    /// The packets of every named counter of `table inet sanso` here (one
    /// netlink dump, as the daemon reads them).
    pub fn counters(&self) -> Result<std::collections::BTreeMap<String, u64>, KernelError> {
        let (_, counters) =
            sanso_nft::netlink::named_counters(Some(&self.name), "sanso").map_err(|source| {
                KernelError::Counters {
                    name: self.name.clone(),
                    source,
                }
            })?;
        Ok(counters.into_iter().map(|c| (c.name, c.packets)).collect())
    }

    /// The packets an interface here has received.
    pub fn rx_packets(&self, interface: &str) -> Result<u64, KernelError> {
        let json = run_output(
            "ip",
            &[
                "-n", &self.name, "-j", "-s", "link", "show", "dev", interface,
            ],
        )?;
        serde_json::from_str::<serde_json::Value>(&json)
            .ok()
            .and_then(|v| v[0]["stats64"]["rx"]["packets"].as_u64())
            .ok_or_else(|| KernelError::Command {
                command: format!("ip -n {} -j -s link show dev {interface}", self.name),
                stderr: "no rx packet count".to_owned(),
            })
    }

    /// The standard output of a command run inside the namespace.
    fn output(&self, program: &str, args: &[&str]) -> Result<String, KernelError> {
        Ok(sanso_process::Command::new(program)
            .args(args.iter().copied())
            .netns(Some(&self.name))
            .run()?)
    }

    /// Replaces this namespace's whole ruleset with `text`, in one transaction.
    pub fn load_ruleset(&self, text: &str) -> Result<(), KernelError> {
        let mut script = b"flush ruleset\n".to_vec();
        script.extend_from_slice(text.as_bytes());
        sanso_process::Command::new("nft")
            .args(["-f", "-"])
            .netns(Some(&self.name))
            .stdin(script)
            .run()?;
        Ok(())
    }

    /// Runs `f` on a fresh thread that has entered this namespace.
    fn run_inside<T: Send>(
        &self,
        f: impl FnOnce() -> Result<T, KernelError> + Send,
    ) -> Result<T, KernelError> {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let file = std::fs::File::open(&path).map_err(|source| KernelError::Setns {
                        name: self.name.clone(),
                        source,
                    })?;
                    nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).map_err(
                        |errno| KernelError::Setns {
                            name: self.name.clone(),
                            source: std::io::Error::from(errno),
                        },
                    )?;
                    f()
                })
                .join()
                .map_err(|_| KernelError::SenderPanicked)?
        })
    }
}

fn run(program: &str, args: &[&str]) -> Result<(), KernelError> {
    run_output(program, args).map(drop)
}

fn run_output(program: &str, args: &[&str]) -> Result<String, KernelError> {
    Ok(sanso_process::Command::new(program)
        .args(args.iter().copied())
        .run()?)
}

/// sender --veth--> gateway --veth--> receiver.
#[derive(Debug)]
struct Topology {
    sender: Namespace,
    gateway: Namespace,
    receiver: Namespace,
}

struct Sample {
    packets: u64,
    cpu: Duration,
    wall: Duration,
}

impl Topology {
    fn build(path: &DropPath) -> Result<Self, KernelError> {
        let topo = Topology {
            sender: Namespace::create("snd")?,
            gateway: Namespace::create("gw")?,
            receiver: Namespace::create("rcv")?,
        };
        let (snd, gw, rcv) = (&topo.sender, &topo.gateway, &topo.receiver);
        // Links are created inside the gateway namespace, peers moved straight
        // into the end namespaces: no interface ever exists on the host.
        gw.ip(&[
            "link",
            "add",
            &path.src_interface,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            snd.name(),
        ])?;
        gw.ip(&[
            "link",
            "add",
            &path.dst_interface,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "netns",
            rcv.name(),
        ])?;
        let cidr = |a: Ipv4Addr, p: u8| format!("{a}/{p}");
        gw.ip(&[
            "addr",
            "add",
            &cidr(path.src_gateway, path.src_prefix),
            "dev",
            &path.src_interface,
        ])?;
        gw.ip(&[
            "addr",
            "add",
            &cidr(path.dst_gateway, path.dst_prefix),
            "dev",
            &path.dst_interface,
        ])?;
        snd.ip(&[
            "addr",
            "add",
            &cidr(path.src, path.src_prefix),
            "dev",
            "eth0",
        ])?;
        rcv.ip(&[
            "addr",
            "add",
            &cidr(path.dst, path.dst_prefix),
            "dev",
            "eth0",
        ])?;
        for (ns, ifaces) in [
            (
                gw,
                vec![
                    "lo",
                    path.src_interface.as_str(),
                    path.dst_interface.as_str(),
                ],
            ),
            (snd, vec!["lo", "eth0"]),
            (rcv, vec!["lo", "eth0"]),
        ] {
            for iface in ifaces {
                ns.ip(&["link", "set", iface, "up"])?;
            }
        }
        snd.ip(&[
            "route",
            "add",
            "default",
            "via",
            &path.src_gateway.to_string(),
        ])?;
        rcv.ip(&[
            "route",
            "add",
            "default",
            "via",
            &path.dst_gateway.to_string(),
        ])?;
        gw.exec("sysctl", &["-qw", "net.ipv4.ip_forward=1"])?;
        // No reverse-path filter in the gateway, whatever the host's default
        // (a new namespace may inherit it): the ruleset alone judges sources,
        // also those of the spoofed flood. (Slashes: interface names may
        // hold dots.)
        for conf in ["all", "default", &path.src_interface, &path.dst_interface] {
            gw.exec(
                "sysctl",
                &["-qw", &format!("net/ipv4/conf/{conf}/rp_filter=0")],
            )?;
        }
        Ok(topo)
    }

    /// Sends UDP datagrams in `sendmmsg` batches for `duration` (at most
    /// `max_packets`), from a thread inside the sender namespace.
    fn blast(
        &self,
        path: &DropPath,
        duration: Duration,
        max_packets: u64,
    ) -> Result<Sample, KernelError> {
        let target = SocketAddr::new(IpAddr::V4(path.dst), path.port);
        self.sender.run_inside(move || {
            let socket = UdpSocket::bind("0.0.0.0:0").map_err(KernelError::Send)?;
            socket.connect(target).map_err(KernelError::Send)?;
            blast_socket(&socket, duration, max_packets)
        })
    }

    /// Like [`Topology::blast`], from the sender's address `src`.
    fn blast_from(
        &self,
        path: &DropPath,
        src: Ipv4Addr,
        duration: Duration,
        max_packets: u64,
    ) -> Result<Sample, KernelError> {
        let target = SocketAddr::new(IpAddr::V4(path.dst), path.port);
        self.sender.run_inside(move || {
            let socket =
                UdpSocket::bind(SocketAddr::new(IpAddr::V4(src), 0)).map_err(KernelError::Send)?;
            socket.connect(target).map_err(KernelError::Send)?;
            blast_socket(&socket, duration, max_packets)
        })
    }

    /// Opens a connection along `path` (a flow must allow it): datagrams
    /// until the receiver answers one (at most 5, 200 ms each), so that
    /// conntrack holds an established entry; then blasts on it, 30 ms of
    /// warm-up and `duration` measured. The receiver reads only the first
    /// datagram: its socket buffer then fills and drops the rest, the same
    /// for every ruleset. Returns the measured sample, all datagrams sent on
    /// the connection and the opening ones among them.
    fn blast_established(
        &self,
        path: &DropPath,
        duration: Duration,
        max_packets: u64,
    ) -> Result<(Sample, u64, u64), KernelError> {
        let local = SocketAddr::new(IpAddr::V4(path.dst), path.port);
        let stop = std::sync::atomic::AtomicBool::new(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            let receiver = scope.spawn(|| {
                self.receiver.run_inside(|| {
                    let socket = UdpSocket::bind(local).map_err(KernelError::Send)?;
                    socket
                        .set_read_timeout(Some(Duration::from_millis(20)))
                        .map_err(KernelError::Send)?;
                    let _ = ready_tx.send(());
                    let mut buf = [0u8; 64];
                    let mut answered = false;
                    // Bounded: the sender stops it, or 30 s pass.
                    let start = Instant::now();
                    while !stop.load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(30)
                    {
                        if answered {
                            std::thread::sleep(Duration::from_millis(5));
                        } else if let Ok((_, from)) = socket.recv_from(&mut buf) {
                            socket
                                .send_to(b"established", from)
                                .map_err(KernelError::Send)?;
                            answered = true;
                        }
                    }
                    Ok(())
                })
            });
            let result = if ready_rx.recv_timeout(Duration::from_secs(5)).is_err() {
                Err(KernelError::Check(
                    "established path: the receiver did not bind its socket".to_owned(),
                ))
            } else {
                self.sender.run_inside(|| {
                    let socket = UdpSocket::bind("0.0.0.0:0").map_err(KernelError::Send)?;
                    socket.connect(local).map_err(KernelError::Send)?;
                    socket
                        .set_read_timeout(Some(Duration::from_millis(200)))
                        .map_err(KernelError::Send)?;
                    let mut buf = [0u8; 64];
                    let mut opening = 0;
                    let answered = loop {
                        if opening == 5 {
                            break false;
                        }
                        socket.send(b"open").map_err(KernelError::Send)?;
                        opening += 1;
                        if socket.recv(&mut buf).is_ok() {
                            break true;
                        }
                    };
                    if !answered {
                        return Err(KernelError::Check(format!(
                            "established path: no answer to {opening} datagrams, the ruleset does not allow the path"
                        )));
                    }
                    let warm = blast_socket(&socket, Duration::from_millis(30), max_packets)?;
                    let sample = blast_socket(&socket, duration, max_packets)?;
                    let sent = opening + warm.packets + sample.packets;
                    Ok((sample, sent, opening))
                })
            };
            stop.store(true, Ordering::Relaxed);
            let received = receiver.join().map_err(|_| KernelError::SenderPanicked)?;
            let out = result?;
            received?;
            Ok(out)
        })
    }

    /// One TCP stream from the sender to `path.dst`, `path.port`: the
    /// receiver accepts it, reads for `warm`, then counts what it reads
    /// during `duration`; then it tells the sender to stop, and reads on
    /// until the sender closes (so that neither side resets the other).
    /// Returns the bytes counted and the exact length of the window. Every
    /// wait is bounded: the accept (5 s), the connect (2 s), reads and
    /// writes (200 ms each, within a deadline of `warm + duration + 10 s`).
    fn tcp_stream(
        &self,
        path: &DropPath,
        warm: Duration,
        duration: Duration,
    ) -> Result<(u64, Duration), KernelError> {
        let local = SocketAddr::new(IpAddr::V4(path.dst), path.port);
        let deadline = warm + duration + Duration::from_secs(10);
        let stop = std::sync::atomic::AtomicBool::new(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            let receiver = scope.spawn(|| {
                self.receiver.run_inside(|| {
                    let listener =
                        std::net::TcpListener::bind(local).map_err(|e| stream_error("bind", e))?;
                    let _ = ready_tx.send(());
                    receive_stream(&listener, warm, duration, deadline, &stop)
                })
            });
            let sent = if ready_rx.recv_timeout(Duration::from_secs(5)).is_err() {
                Err(KernelError::Check(
                    "TCP stream: the receiver did not listen".to_owned(),
                ))
            } else {
                self.sender
                    .run_inside(|| send_stream(local, deadline, &stop))
            };
            // A sender that failed has closed its end (or never opened
            // one): the receiver then fails too, within its bounds.
            let received = receiver.join().map_err(|_| KernelError::SenderPanicked)?;
            sent?;
            received
        })
    }
}

fn stream_error(what: &str, e: std::io::Error) -> KernelError {
    KernelError::Check(format!("TCP stream: {what}: {e}"))
}

/// A timeout or an interruption: try again (within the caller's deadline).
fn transient(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::TimedOut
            | std::io::ErrorKind::Interrupted
    )
}

/// The receiving side of [`Topology::tcp_stream`]: accepts one connection
/// (5 s at most), reads `warm`, counts the bytes read during `duration`,
/// sets `stop`, then drains until the sender closes; all within `deadline`.
fn receive_stream(
    listener: &std::net::TcpListener,
    warm: Duration,
    duration: Duration,
    deadline: Duration,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(u64, Duration), KernelError> {
    use std::io::Read as _;
    let start = Instant::now();
    listener
        .set_nonblocking(true)
        .map_err(|e| stream_error("listen", e))?;
    let mut stream = loop {
        match listener.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if transient(&e) && start.elapsed() < Duration::from_secs(5) => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) if transient(&e) => {
                return Err(KernelError::Check(
                    "TCP stream: no connection within 5 s, the ruleset does not allow the path"
                        .to_owned(),
                ))
            }
            Err(e) => return Err(stream_error("accept", e)),
        }
    };
    stream
        .set_nonblocking(false)
        .and_then(|()| stream.set_read_timeout(Some(Duration::from_millis(200))))
        .map_err(|e| stream_error("receiver socket", e))?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut read = |stream: &mut std::net::TcpStream| loop {
        if start.elapsed() > deadline {
            return Err(KernelError::Check(
                "TCP stream: the deadline passed".to_owned(),
            ));
        }
        match stream.read(&mut buf) {
            Ok(n) => return Ok(n),
            Err(e) if transient(&e) => {}
            Err(e) => return Err(stream_error("read", e)),
        }
    };
    let early = || KernelError::Check("TCP stream: the sender closed early".to_owned());
    let warm_start = Instant::now();
    while warm_start.elapsed() < warm {
        if read(&mut stream)? == 0 {
            return Err(early());
        }
    }
    let t0 = Instant::now();
    let mut bytes = 0u64;
    let window = loop {
        let n = read(&mut stream)?;
        if n == 0 {
            return Err(early());
        }
        bytes += n as u64;
        let elapsed = t0.elapsed();
        if elapsed >= duration {
            break elapsed;
        }
    };
    stop.store(true, Ordering::Relaxed);
    // Drain until the sender closes, so that nobody resets.
    while read(&mut stream)? > 0 {}
    Ok((bytes, window))
}

/// The sending side of [`Topology::tcp_stream`]: connects to `to` (2 s at
/// most) and writes 64 KiB buffers until `stop` is set or `deadline`
/// passes, then closes.
fn send_stream(
    to: SocketAddr,
    deadline: Duration,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(), KernelError> {
    use std::io::Write as _;
    let start = Instant::now();
    let mut stream = std::net::TcpStream::connect_timeout(&to, Duration::from_secs(2))
        .map_err(|e| stream_error("connect", e))?;
    stream
        .set_write_timeout(Some(Duration::from_millis(200)))
        .map_err(|e| stream_error("sender socket", e))?;
    let chunk = vec![0x5au8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) && start.elapsed() < deadline {
        match stream.write(&chunk) {
            Ok(_) => {}
            Err(e) if transient(&e) => {}
            Err(e) => return Err(stream_error("write", e)),
        }
    }
    // Dropping the stream closes it: the receiver reads its end.
    Ok(())
}

const BATCH: usize = 64;

fn blast_socket(
    socket: &UdpSocket,
    duration: Duration,
    max_packets: u64,
) -> Result<Sample, KernelError> {
    let mut payload = [0u8; 32];
    let mut iov = [libc::iovec {
        iov_base: payload.as_mut_ptr().cast(),
        iov_len: payload.len(),
    }; BATCH];
    // SAFETY: mmsghdr is plain old data; all-zero is a valid value (no name, no control).
    let mut msgs: [libc::mmsghdr; BATCH] = unsafe { std::mem::zeroed() };
    for (msg, iov) in msgs.iter_mut().zip(iov.iter_mut()) {
        msg.msg_hdr.msg_iov = iov;
        msg.msg_hdr.msg_iovlen = 1;
    }
    let fd = socket.as_raw_fd();
    let cpu0 = thread_cpu_time();
    let start = Instant::now();
    let mut packets: u64 = 0;
    while packets < max_packets {
        // SAFETY: `msgs` holds BATCH initialised headers pointing at `iov`
        // and `payload`, which outlive the call; the socket is connected.
        let sent = unsafe { libc::sendmmsg(fd, msgs.as_mut_ptr(), BATCH as u32, 0) };
        if sent < 0 {
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                // Transient: the sender's queue or a neighbour entry.
                Some(libc::ENOBUFS | libc::EAGAIN | libc::EPERM) => {}
                _ => return Err(KernelError::Send(err)),
            }
        } else {
            packets += sent as u64;
        }
        // A batch costs far more than reading the clock (64 packets of
        // several microseconds each), so check it after every batch: with a
        // long linear chain one batch can take tens of milliseconds.
        if start.elapsed() >= duration {
            break;
        }
    }
    let wall = start.elapsed();
    let cpu = thread_cpu_time().saturating_sub(cpu0);
    Ok(Sample { packets, cpu, wall })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(flows: usize) -> (Policy, Ruleset) {
        let text = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(flows, 1));
        let policy = sanso_policy::load_policy("synthetic.toml", &text)
            .expect("synthetic policies validate");
        let ruleset = sanso_ir::lower(&policy, 0);
        (policy, ruleset)
    }

    #[test]
    fn drop_path_is_dropped_between_two_zones() {
        let (policy, ruleset) = compiled(200);
        let path = drop_path(&ruleset, &policy).expect("a synthetic policy has a drop path");
        assert_ne!(path.src_interface, path.dst_interface);
        assert_ne!(path.src, path.src_gateway);
        let src_zone = policy
            .classify(IpAddr::V4(path.src))
            .expect("src in a zone");
        assert!(policy
            .zone(src_zone)
            .interfaces
            .contains(&path.src_interface));
    }

    #[test]
    fn allow_path_is_accepted_by_a_flow_without_a_limit() {
        let (policy, ruleset) = compiled(200);
        let path =
            allow_path(&ruleset, &policy).expect("a synthetic policy has an allowed UDP path");
        assert_ne!(path.src_interface, path.dst_interface);
        let decision = Classifier::new(&ruleset).classify(&Packet {
            path: Path::Forward,
            iif: Some(path.src_interface.clone()),
            src: IpAddr::V4(path.src),
            dst: IpAddr::V4(path.dst),
            l4: L4::Udp { dport: path.port },
            time: ruleset.compiled_at,
        });
        let DecidedBy::Flow(f) = decision.by else {
            panic!("not accepted by a flow: {decision:?}");
        };
        assert!(ruleset.flow(f).limit.is_none());
        for a in [path.src, path.dst] {
            assert_ne!(a, path.src_gateway);
            assert_ne!(a, path.dst_gateway);
        }
    }

    #[test]
    fn tcp_allow_path_is_accepted_by_a_flow() {
        let (policy, ruleset) = compiled(200);
        let path = allow_path_for(&ruleset, &policy, sanso_ir::L4Proto::Tcp)
            .expect("a synthetic policy has an allowed TCP path");
        assert_ne!(path.src_interface, path.dst_interface);
        let decision = Classifier::new(&ruleset).classify(&Packet {
            path: Path::Forward,
            iif: Some(path.src_interface.clone()),
            src: IpAddr::V4(path.src),
            dst: IpAddr::V4(path.dst),
            l4: L4::Tcp { dport: path.port },
            time: ruleset.compiled_at,
        });
        let DecidedBy::Flow(f) = decision.by else {
            panic!("not accepted by a flow: {decision:?}");
        };
        assert!(ruleset.flow(f).limit.is_none());
    }

    #[test]
    fn spoofed_source_is_dropped_by_anti_spoofing() {
        let (policy, ruleset) = compiled(200);
        let path = drop_path(&ruleset, &policy).expect("a drop path");
        let spoof = spoofed_source(&ruleset, &path).expect("a spoofed source");
        let zone = policy.classify(IpAddr::V4(spoof)).expect("in a zone");
        assert!(!policy.zone(zone).interfaces.contains(&path.src_interface));
    }

    #[test]
    fn the_earlier_layouts_are_text_transformations_of_the_current_one() {
        let (_, ruleset) = compiled(50);
        let text = sanso_nft::text::render(&ruleset);
        assert!(
            text.contains(PREROUTING_HEAD),
            "the current layout has prerouting"
        );

        let plain = without_connection_marks(&text).expect("the current layout has marks");
        assert!(!plain.contains("ct mark vmap @live"));
        assert!(!plain.contains("jump ended"));
        assert_eq!(
            plain.matches(ESTABLISHED_PLAIN).count(),
            3,
            "forward, input, output"
        );
        assert_eq!(
            plain.len(),
            text.len() - 3 * (ESTABLISHED_SANSO.len() - ESTABLISHED_PLAIN.len())
        );

        let after = antispoof_after_conntrack(&text).expect("the current layout has prerouting");
        assert!(!after.contains("hook prerouting"));
        let forward = &after[after.find("\tchain forward {\n").expect("forward")..];
        let rules: Vec<&str> = forward.lines().skip(2).take(3).collect();
        assert_eq!(
            rules,
            [
                ANTISPOOF[0].trim_end(),
                ANTISPOOF[1].trim_end(),
                // then the isolation rules, ahead of the established path
                "\t\tip saddr @isolated4 jump isolated"
            ],
            "{forward}"
        );
        assert_eq!(after.matches("@antispoof4 jump spoofed").count(), 1);

        // A layout without what a transformation edits is refused, not
        // silently left as it was.
        assert!(matches!(
            without_connection_marks(&plain),
            Err(KernelError::Layout(_))
        ));
        assert!(matches!(
            antispoof_after_conntrack(&after),
            Err(KernelError::Layout(_))
        ));
    }

    #[test]
    fn the_compared_texts_load_as_root() {
        if !sanso_testkit::root("nft -c in a throwaway namespace") {
            return;
        }
        let (_, ruleset) = compiled(50);
        let text = sanso_nft::text::render(&ruleset);
        let ns = Namespace::create("check").expect("namespace");
        for t in [
            without_connection_marks(&text).expect("marks"),
            antispoof_after_conntrack(&text).expect("prerouting"),
            conntrack_open_ruleset_text(),
            no_ruleset_text(),
        ] {
            ns.load_ruleset(&t).expect("loads");
        }
    }

    #[test]
    fn linear_ruleset_has_a_rule_per_flow_match() {
        let (policy, _) = compiled(50);
        let (text, rules) = linear_ruleset_text(&policy, 0);
        assert!(rules >= 40, "{rules}");
        assert_eq!(text.matches(" accept\n").count(), rules);
        assert!(text.contains("policy drop;"));
    }
}
