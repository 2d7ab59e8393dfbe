//! The monitor: what the ruleset logs to NFLOG ([`crate::nflog`]) becomes
//! events with zones, tiers, hosts, addresses and ports, counted per reason
//! and zone pair (metrics), written to the journal one line each, kept in a
//! bounded ring for `sanso events`, and, for forbidden crossings, handed to
//! the `--alert-command`.
//!
//! It runs as its own task beside the actor ([`start`]): a flood of logged
//! packets never delays an apply, and the actor never waits for it. The
//! actor publishes the applied policy on a watch channel ([`Applied`]); the
//! monitor builds its [`Directory`] (address -> zone, host; zone -> tier)
//! from it.
//!
//! What an event is:
//!
//! * The rule's log prefix says why the packet was logged (docs/ruleset.md:
//!   `sanso drop <Zs>><Zd> `, `sanso spoofed `, `sanso accept <F> `, ...);
//!   the hook and the addresses say which ends: zones by address, the
//!   gateway for the input hook's destination and the output hook's source.
//! * A default drop between standings that the model forbids outright
//!   ([`sanso_policy::forbidden_outright`], the judgement the policy check
//!   refuses flows by) is a **forbidden crossing**, at warning level.
//! * Packets of one attempt (the same reason, addresses, protocol and
//!   destination port or ICMP type) within [`AGGREGATE_WINDOW`] are one
//!   event: a TCP connect and its SYN retransmissions are one event whose
//!   `packets` grows.
//! * Every event is counted; at most [`SOURCE_BURST`] events per source,
//!   then one per [`SOURCE_INTERVAL`], are written to the journal and the
//!   ring (the rest are counted as suppressed), so one noisy host cannot
//!   hide the others. The kernel limits each source before that (a meter
//!   per source address, docs/ruleset.md).
//!
//! Bounded everywhere: the ring ([`RING_CAPACITY`] events), the attempt and
//! source tables ([`MAX_TRACKED`] entries), the alert commands running at
//! once ([`ALERT_CONCURRENCY`]), each within [`ALERT_TIMEOUT`].

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use jiff::Timestamp;
use sanso_ir::{Ruleset, ZoneIdx};
use sanso_policy::{Beyond, Policy, Standing, Tier};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Semaphore};

use crate::bounded::error_chain as chain;
use crate::nflog::{self, Item, LogPacket, L4};

/// The NFLOG group the ruleset logs to (`log ... group 2900`,
/// docs/ruleset.md) and the daemon binds.
pub const DEFAULT_GROUP: u16 = sanso_nft::text::layout::LOG_GROUP;
/// Events kept for `sanso events`.
pub const RING_CAPACITY: usize = 4096;
/// Packets of one attempt within this window are one event.
pub const AGGREGATE_WINDOW: Duration = Duration::from_secs(10);
/// Events of one source written at once before the limit applies.
pub const SOURCE_BURST: u32 = 10;
/// Then one event per source per this interval.
pub const SOURCE_INTERVAL: Duration = Duration::from_secs(6);
/// Alerts of one source at once, then one per [`ALERT_INTERVAL`].
pub const ALERT_BURST: u32 = 3;
pub const ALERT_INTERVAL: Duration = Duration::from_secs(60);
/// The alert command is killed after this long.
pub const ALERT_TIMEOUT: Duration = Duration::from_secs(10);
/// Alert commands running at once; an alert beyond is counted as `busy`.
pub const ALERT_CONCURRENCY: usize = 4;
/// Attempts and sources remembered.
pub const MAX_TRACKED: usize = 8192;
/// Events in one answer of the control socket.
pub const MAX_ANSWER_EVENTS: usize = RING_CAPACITY;
/// How long the monitor waits before binding NFLOG again after a failure.
const RETRY: Duration = Duration::from_secs(30);

/// How the monitor is set up (`sanso daemon --alert-command`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorConfig {
    pub group: u16,
    /// Receives each forbidden crossing as one JSON line on stdin.
    pub alert_command: Option<PathBuf>,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            group: DEFAULT_GROUP,
            alert_command: None,
        }
    }
}

/// The policy the actor has in the kernel, as the monitor needs it.
#[derive(Clone, Debug)]
pub struct Applied {
    pub policy: Arc<Policy>,
    pub ruleset: Arc<Ruleset>,
}

impl From<&crate::compile::Compiled> for Applied {
    fn from(c: &crate::compile::Compiled) -> Self {
        Applied {
            policy: Arc::clone(&c.policy),
            ruleset: Arc::clone(&c.ruleset),
        }
    }
}

/// Why a packet was logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A default drop between standings the model forbids outright.
    Forbidden,
    /// Dropped by anti-spoofing: the source does not belong on the interface.
    Spoofed,
    /// Dropped because an end is isolated (`sanso isolate`).
    Isolated,
    /// Dropped by default: no flow allows it.
    Drop,
    /// A packet of a connection whose flow is gone.
    Ended,
    /// Dropped: the source or destination is in no zone.
    Unknown,
    /// Accepted by a flow with `log = true`.
    Accept,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Forbidden => "forbidden",
            Reason::Spoofed => "spoofed",
            Reason::Isolated => "isolated",
            Reason::Drop => "drop",
            Reason::Ended => "ended",
            Reason::Unknown => "unknown",
            Reason::Accept => "accept",
        }
    }

    /// Written at warning level: what an admin must look at.
    pub fn is_warning(self) -> bool {
        matches!(self, Reason::Forbidden | Reason::Spoofed | Reason::Isolated)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One end of an event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    pub addr: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The zone's name; `self` for the gateway; `None`: in no zone.
    pub zone: Option<String>,
    /// `mynumber`, `lgwan`, `internet`, `external`, or `gateway`.
    pub tier: Option<String>,
    /// For an external zone: what lies beyond (`internet`, `lgwan`, `closed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beyond: Option<String>,
    /// The policy's host holding the address, if any (the most specific).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// One event: an attempt the ruleset logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, 3, ... since the daemon started.
    pub seq: u64,
    /// UTC, RFC 3339, milliseconds.
    pub time: String,
    pub unix_ms: i64,
    pub reason: Reason,
    /// The guardrail that forbids a forbidden crossing outright.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardrail: Option<u8>,
    /// `prerouting`, `input`, `forward`, `output`.
    pub hook: Option<String>,
    /// `tcp`, `udp`, `icmp`, `icmpv6`, or the protocol number.
    pub proto: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<u8>,
    pub src: End,
    pub dst: End,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iif: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oif: Option<String>,
    /// A spoofed packet: the zone of the interface it came in on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iif_zone: Option<String>,
    /// A logged accept: the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// The applied policy: `name rev REVISION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Packets of this attempt seen so far (retransmissions within the window).
    pub packets: u64,
    /// Events of the same source left out of the journal and the ring
    /// since the previous one written (the per-source limit).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub suppressed_before: u64,
    /// The log prefix, as the kernel gave it.
    pub prefix: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Event {
    /// The zone pair, as `src -> dst` (`?` for no zone).
    pub fn pair(&self) -> String {
        format!(
            "{} -> {}",
            self.src.zone.as_deref().unwrap_or("?"),
            self.dst.zone.as_deref().unwrap_or("?")
        )
    }

    /// What happened, in words.
    pub fn summary(&self) -> String {
        use sanso_i18n::t;
        let tiers = format!("{} -> {}", tier_words(&self.src), tier_words(&self.dst));
        match self.reason {
            Reason::Forbidden => match self.guardrail {
                Some(g) => t!(
                    "daemon-event-forbidden-guardrail",
                    tiers = tiers,
                    guardrail = g.to_string()
                ),
                None => t!("daemon-event-forbidden", tiers = tiers),
            },
            Reason::Spoofed => {
                let on = match self.iif_zone.as_deref() {
                    Some(z) => t!("daemon-event-interface-zone", zone = z),
                    None => t!("daemon-event-interface-no-zone"),
                };
                t!(
                    "daemon-event-spoofed",
                    zone = self.src.zone.as_deref().unwrap_or("none"),
                    interface = self.iif.as_deref().unwrap_or("?"),
                    on = on
                )
            }
            Reason::Isolated => t!("daemon-event-isolated", tiers = tiers),
            Reason::Drop => t!("daemon-event-drop", tiers = tiers),
            Reason::Ended => t!("daemon-event-ended", tiers = tiers),
            Reason::Unknown => t!("daemon-event-unknown", tiers = tiers),
            Reason::Accept => t!(
                "daemon-event-accept",
                flow = self.flow.as_deref().unwrap_or("?"),
                tiers = tiers
            ),
        }
    }
}

fn tier_words(end: &End) -> String {
    match (end.tier.as_deref(), end.beyond.as_deref()) {
        (Some("external"), Some(beyond)) => format!("external ({beyond})"),
        (Some(tier), _) => tier.to_owned(),
        (None, _) => sanso_i18n::t!("daemon-event-no-zone"),
    }
}

/// What `sanso events` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsQuery {
    /// Only events with a larger `seq` (following).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// Only events at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_unix_ms: Option<i64>,
}

/// Counts of one (reason, source zone, destination zone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairCount {
    pub reason: Reason,
    /// Zone labels (docs/ruleset.md), `self`, or `unknown`.
    pub src_zone: String,
    pub dst_zone: String,
    pub events: u64,
}

/// The NFLOG side, for `sanso events` and the metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NflogStatus {
    pub group: u16,
    /// The group is bound and being read.
    pub up: bool,
    /// Why it is not, if it is not.
    pub error: Option<String>,
    /// Packets received.
    pub packets: u64,
    /// Packets the kernel logged that never arrived.
    pub lost: u64,
    /// Packets whose prefix is not sanso's (another rule logs to the group).
    pub foreign: u64,
}

/// The answer to an events request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsAnswer {
    pub events: Vec<Event>,
    /// The newest event's `seq` (0: none yet); follow with `after` = this.
    pub last_seq: u64,
    /// The oldest event still kept: events before it were pushed out of the ring.
    pub oldest_seq: Option<u64>,
    pub capacity: usize,
    /// Events not written (per-source limit), in total.
    pub suppressed: u64,
    pub nflog: NflogStatus,
    /// Every event counted since start, by reason and zone pair.
    pub counts: Vec<PairCount>,
}

/// What the metrics endpoint shows of the monitor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonitorSnapshot {
    pub counts: Vec<PairCount>,
    pub nflog: NflogStatus,
    pub suppressed: u64,
    pub alerts: AlertCounts,
}

/// What became of forbidden crossings handed to the alert command.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlertCounts {
    /// The command ran and exited 0.
    pub sent: u64,
    /// It could not start or exited otherwise.
    pub failed: u64,
    /// It ran longer than [`ALERT_TIMEOUT`] and was killed.
    pub timed_out: u64,
    /// Left out: the source's alert limit.
    pub limited: u64,
    /// Left out: [`ALERT_CONCURRENCY`] commands were running.
    pub busy: u64,
}

// ---------------------------------------------------------------------------
// The directory: the applied policy, for looking packets up.

struct ZoneEntry {
    label: String,
    name: String,
    tier: Tier,
    beyond: Option<Beyond>,
    standing: Standing,
}

/// The applied policy as the monitor looks packets up in it.
pub struct Directory {
    policy: String,
    zones: Vec<ZoneEntry>,
    v4: Vec<(u32, u32, usize)>,
    v6: Vec<(u128, u128, usize)>,
    interfaces: HashMap<String, usize>,
    /// (network, prefix length) -> host name; the lengths present, longest first.
    hosts: HashMap<(IpAddr, u8), String>,
    lengths4: Vec<u8>,
    lengths6: Vec<u8>,
    /// Flow label (docs/ruleset.md) -> flow name.
    flows: HashMap<String, String>,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Directory {
    pub fn new(applied: &Applied) -> Directory {
        use sanso_nft::text::layout::{flow_label, zone_label};
        let (policy, ruleset) = (&applied.policy, &applied.ruleset);
        let zones: Vec<ZoneEntry> = policy
            .zones
            .iter()
            .enumerate()
            .map(|(i, z)| ZoneEntry {
                label: zone_label(ruleset, Some(ZoneIdx(i))),
                name: z.name.clone(),
                tier: z.tier,
                beyond: z.beyond,
                standing: Standing::of_zone(z.tier, z.beyond),
            })
            .collect();
        let interfaces = policy
            .zones
            .iter()
            .enumerate()
            .flat_map(|(i, z)| z.interfaces.iter().map(move |n| (n.clone(), i)))
            .collect();
        let mut hosts = HashMap::new();
        let (mut lengths4, mut lengths6) = (Vec::new(), Vec::new());
        // In file order; the first host of a network keeps it.
        for host in &policy.hosts {
            for net in &host.addresses {
                let net = net.trunc();
                hosts
                    .entry((net.network(), net.prefix_len()))
                    .or_insert_with(|| host.name.clone());
                match net {
                    IpNet::V4(_) => lengths4.push(net.prefix_len()),
                    IpNet::V6(_) => lengths6.push(net.prefix_len()),
                }
            }
        }
        for l in [&mut lengths4, &mut lengths6] {
            l.sort_unstable_by(|a, b| b.cmp(a));
            l.dedup();
        }
        let flows = (0..ruleset.flows.len())
            .map(|i| {
                let f = sanso_ir::FlowIdx(i);
                (flow_label(ruleset, f), ruleset.flow(f).name.clone())
            })
            .collect();
        Directory {
            policy: format!(
                "{} rev {}",
                policy.name,
                policy.revision.as_deref().unwrap_or("-")
            ),
            zones,
            v4: ruleset
                .v4
                .zones
                .iter()
                .map(|z| (u32::from(z.range.first), u32::from(z.range.last), z.zone.0))
                .collect(),
            v6: ruleset
                .v6
                .zones
                .iter()
                .map(|z| {
                    (
                        u128::from(z.range.first),
                        u128::from(z.range.last),
                        z.zone.0,
                    )
                })
                .collect(),
            interfaces,
            hosts,
            lengths4,
            lengths6,
            flows,
        }
    }

    fn zone_of(&self, addr: IpAddr) -> Option<&ZoneEntry> {
        fn find<T: Ord + Copy>(ranges: &[(T, T, usize)], a: T) -> Option<usize> {
            let i = ranges.partition_point(|r| r.1 < a);
            ranges.get(i).filter(|r| r.0 <= a).map(|r| r.2)
        }
        let i = match addr {
            IpAddr::V4(a) => find(&self.v4, u32::from(a)),
            IpAddr::V6(a) => find(&self.v6, u128::from(a)),
        }?;
        self.zones.get(i)
    }

    fn host_of(&self, addr: IpAddr) -> Option<&str> {
        let lengths = match addr {
            IpAddr::V4(_) => &self.lengths4,
            IpAddr::V6(_) => &self.lengths6,
        };
        lengths.iter().find_map(|&len| {
            let net = IpNet::new(addr, len).ok()?.trunc();
            self.hosts.get(&(net.network(), len)).map(String::as_str)
        })
    }
}

// ---------------------------------------------------------------------------
// Log prefixes.

/// What a log prefix says (docs/ruleset.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix {
    pub reason: Reason,
    /// The flow label of a logged accept.
    pub flow: Option<String>,
}

/// Reads a sanso log prefix; `None` for anyone else's.
pub fn parse_prefix(prefix: &str) -> Option<Prefix> {
    let mut words = prefix.strip_prefix("sanso ")?.split_whitespace();
    let plain = |reason| Some(Prefix { reason, flow: None });
    match words.next()? {
        "drop" => match words.next() {
            Some("unknown") => plain(Reason::Unknown),
            _ => plain(Reason::Drop),
        },
        "forbidden" => plain(Reason::Forbidden),
        "spoofed" => plain(Reason::Spoofed),
        "isolated" => plain(Reason::Isolated),
        "ended" => plain(Reason::Ended),
        "accept" => Some(Prefix {
            reason: Reason::Accept,
            flow: words.next().map(str::to_owned),
        }),
        _ => None,
    }
}

fn hook_name(hook: u8) -> String {
    match hook {
        0 => "prerouting".to_owned(),
        1 => "input".to_owned(),
        2 => "forward".to_owned(),
        3 => "output".to_owned(),
        4 => "postrouting".to_owned(),
        n => n.to_string(),
    }
}

fn proto_name(proto: u8, v6: bool) -> String {
    match i32::from(proto) {
        libc::IPPROTO_TCP => "tcp".to_owned(),
        libc::IPPROTO_UDP => "udp".to_owned(),
        libc::IPPROTO_ICMP if !v6 => "icmp".to_owned(),
        libc::IPPROTO_ICMPV6 if v6 => "icmpv6".to_owned(),
        libc::IPPROTO_SCTP => "sctp".to_owned(),
        _ => proto.to_string(),
    }
}

fn tier_name(standing: Standing, tier: Tier) -> &'static str {
    if standing == Standing::Gateway {
        "gateway"
    } else {
        tier.as_str()
    }
}

/// One end as the directory sees it: its zone entry (`None`: no zone) and
/// the `End` of the event.
fn end_of(
    dir: Option<&Directory>,
    addr: Option<IpAddr>,
    port: Option<u16>,
    gateway: bool,
) -> (Option<Standing>, Option<&ZoneEntry>, End) {
    if gateway {
        return (
            Some(Standing::Gateway),
            None,
            End {
                addr,
                port,
                zone: Some("self".to_owned()),
                tier: Some("gateway".to_owned()),
                ..End::default()
            },
        );
    }
    let zone = dir.zip(addr).and_then(|(d, a)| d.zone_of(a));
    let host = dir
        .zip(addr)
        .and_then(|(d, a)| d.host_of(a))
        .map(str::to_owned);
    (
        zone.map(|z| z.standing),
        zone,
        End {
            addr,
            port,
            zone: zone.map(|z| z.name.clone()),
            tier: zone.map(|z| tier_name(z.standing, z.tier).to_owned()),
            beyond: zone
                .filter(|z| z.tier == Tier::External)
                .map(|z| z.beyond.unwrap_or(Beyond::Internet).as_str().to_owned()),
            host,
        },
    )
}

/// The identity of an attempt: packets with the same one within the window
/// are one event.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct AttemptKey {
    reason: Reason,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    proto: u8,
    /// Destination port or ICMP type.
    service: Option<u16>,
}

/// A token bucket: `burst` at once, then one per `interval`.
#[derive(Clone, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
    /// Takes refused since the last one granted.
    refused: u64,
}

impl Bucket {
    fn new(burst: u32, now: Instant) -> Bucket {
        Bucket {
            tokens: f64::from(burst),
            at: now,
            refused: 0,
        }
    }

    fn take(&mut self, burst: u32, interval: Duration, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() / interval.as_secs_f64();
        self.tokens = (self.tokens + refill).min(f64::from(burst));
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.refused += 1;
            false
        }
    }
}

/// Keeps a map under `MAX_TRACKED`: first what is older than `keep`, then
/// everything (a flood of new sources forgets the old ones).
fn bound<K, V>(map: &mut HashMap<K, V>, now: Instant, keep: Duration, at: impl Fn(&V) -> Instant) {
    if map.len() < MAX_TRACKED {
        return;
    }
    map.retain(|_, v| now.saturating_duration_since(at(v)) < keep);
    if map.len() >= MAX_TRACKED {
        map.clear();
    }
}

/// What a logged packet did to the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// A new event, written (journal, ring; an alert if forbidden).
    New(Box<Event>),
    /// A new event over its source's limit: counted only.
    Suppressed,
    /// Another packet of an attempt already seen.
    Repeat,
    /// Not a sanso prefix, or not an IP packet.
    Ignored,
}

/// Everything the monitor keeps.
#[derive(Debug, Default)]
pub struct State {
    directory: Option<Arc<Directory>>,
    ring: VecDeque<Event>,
    last_seq: u64,
    attempts: HashMap<AttemptKey, (u64, Instant)>,
    sources: HashMap<Option<IpAddr>, Bucket>,
    alert_sources: HashMap<Option<IpAddr>, Bucket>,
    counts: BTreeMap<(Reason, String, String), u64>,
    suppressed: u64,
    nflog: NflogStatus,
    alerts: AlertCounts,
}

impl State {
    pub fn new(group: u16) -> State {
        State {
            nflog: NflogStatus {
                group,
                ..NflogStatus::default()
            },
            ..State::default()
        }
    }

    /// The policy the kernel now has (`None`: none this daemon applied).
    pub fn set_directory(&mut self, directory: Option<Arc<Directory>>) {
        self.directory = directory;
    }

    /// Takes one logged packet at `now` (monotonic) / `wall` (for the event).
    pub fn observe(&mut self, packet: &LogPacket, now: Instant, wall: Timestamp) -> Observed {
        self.nflog.packets += 1;
        let Some(prefix) = parse_prefix(&packet.prefix) else {
            self.nflog.foreign += 1;
            return Observed::Ignored;
        };
        let Some(headers) = packet.headers else {
            return Observed::Ignored;
        };
        let dir = self.directory.clone();
        let dir = dir.as_deref();
        let (sport, dport, icmp_type) = match headers.l4 {
            L4::Ports { src, dst, .. } => (Some(src), Some(dst), None),
            L4::Icmp { icmp_type, .. } => (None, None, Some(icmp_type)),
            L4::Other => (None, None, None),
        };
        let (src_standing, src_zone, src) =
            end_of(dir, Some(headers.src), sport, packet.hook == Some(3));
        let (dst_standing, dst_zone, dst) =
            end_of(dir, Some(headers.dst), dport, packet.hook == Some(1));
        let mut reason = prefix.reason;
        let mut guardrail = None;
        if let (Some(a), Some(b)) = (src_standing, dst_standing) {
            if matches!(reason, Reason::Drop | Reason::Forbidden) {
                guardrail = sanso_policy::forbidden_outright(a, b).map(|g| g.0);
                if guardrail.is_some() {
                    reason = Reason::Forbidden;
                }
            }
        }
        let key = AttemptKey {
            reason,
            src: Some(headers.src),
            dst: Some(headers.dst),
            proto: headers.proto,
            service: dport.or(icmp_type.map(u16::from)),
        };
        if let Some((seq, at)) = self.attempts.get(&key) {
            if now.saturating_duration_since(*at) < AGGREGATE_WINDOW {
                let seq = *seq;
                if let Some(front) = self.ring.front().map(|e| e.seq) {
                    if let Some(e) = seq
                        .checked_sub(front)
                        .and_then(|i| self.ring.get_mut(i as usize))
                    {
                        e.packets += 1;
                    }
                }
                return Observed::Repeat;
            }
        }
        let label = |zone: Option<&ZoneEntry>, end: &End| {
            zone.map(|z| z.label.clone()).unwrap_or_else(|| {
                if end.tier.as_deref() == Some("gateway") {
                    "self".to_owned()
                } else {
                    "unknown".to_owned()
                }
            })
        };
        *self
            .counts
            .entry((reason, label(src_zone, &src), label(dst_zone, &dst)))
            .or_default() += 1;
        bound(&mut self.attempts, now, AGGREGATE_WINDOW, |v| v.1);
        bound(&mut self.sources, now, Duration::from_secs(600), |b| b.at);
        let bucket = self
            .sources
            .entry(Some(headers.src))
            .or_insert_with(|| Bucket::new(SOURCE_BURST, now));
        if !bucket.take(SOURCE_BURST, SOURCE_INTERVAL, now) {
            self.suppressed += 1;
            // Repeats of a suppressed attempt stay suppressed.
            self.attempts.insert(key, (0, now));
            return Observed::Suppressed;
        }
        let suppressed_before = std::mem::take(&mut bucket.refused);
        self.last_seq += 1;
        let wall = Timestamp::from_millisecond(wall.as_millisecond()).unwrap_or(wall);
        let v6 = headers.src.is_ipv6();
        let event = Event {
            seq: self.last_seq,
            time: wall.to_string(),
            unix_ms: wall.as_millisecond(),
            reason,
            guardrail,
            hook: packet.hook.map(hook_name),
            proto: proto_name(headers.proto, v6),
            icmp_type,
            src,
            dst,
            iif: packet.indev.clone(),
            oif: packet.outdev.clone(),
            iif_zone: (reason == Reason::Spoofed)
                .then(|| {
                    let d = dir?;
                    let z = d.interfaces.get(packet.indev.as_deref()?)?;
                    d.zones.get(*z).map(|z| z.name.clone())
                })
                .flatten(),
            flow: prefix.flow.map(|label| {
                dir.and_then(|d| d.flows.get(&label).cloned())
                    .unwrap_or(label)
            }),
            policy: dir.map(|d| d.policy.clone()),
            packets: 1,
            suppressed_before,
            prefix: packet.prefix.clone(),
        };
        self.attempts.insert(key, (event.seq, now));
        if self.ring.len() >= RING_CAPACITY {
            self.ring.pop_front();
        }
        self.ring.push_back(event.clone());
        Observed::New(Box::new(event))
    }

    /// Whether a forbidden crossing from `src` may alert now (its source's
    /// alert limit); counts a refusal.
    fn alert_allowed(&mut self, src: Option<IpAddr>, now: Instant) -> bool {
        bound(
            &mut self.alert_sources,
            now,
            Duration::from_secs(3600),
            |b| b.at,
        );
        let ok = self
            .alert_sources
            .entry(src)
            .or_insert_with(|| Bucket::new(ALERT_BURST, now))
            .take(ALERT_BURST, ALERT_INTERVAL, now);
        if !ok {
            self.alerts.limited += 1;
        }
        ok
    }

    pub fn events(&self, query: &EventsQuery) -> EventsAnswer {
        let mut events: Vec<Event> = self
            .ring
            .iter()
            .filter(|e| query.after.is_none_or(|a| e.seq > a))
            .filter(|e| query.since_unix_ms.is_none_or(|s| e.unix_ms >= s))
            .cloned()
            .collect();
        if events.len() > MAX_ANSWER_EVENTS {
            events.drain(..events.len() - MAX_ANSWER_EVENTS);
        }
        EventsAnswer {
            events,
            last_seq: self.last_seq,
            oldest_seq: self.ring.front().map(|e| e.seq),
            capacity: RING_CAPACITY,
            suppressed: self.suppressed,
            nflog: self.nflog.clone(),
            counts: self.pair_counts(),
        }
    }

    fn pair_counts(&self) -> Vec<PairCount> {
        self.counts
            .iter()
            .map(|((reason, src, dst), n)| PairCount {
                reason: *reason,
                src_zone: src.clone(),
                dst_zone: dst.clone(),
                events: *n,
            })
            .collect()
    }

    pub fn snapshot(&self) -> MonitorSnapshot {
        MonitorSnapshot {
            counts: self.pair_counts(),
            nflog: self.nflog.clone(),
            suppressed: self.suppressed,
            alerts: self.alerts,
        }
    }
}

// ---------------------------------------------------------------------------
// The task.

/// A cheap, cloneable view of the monitor's state.
#[derive(Clone, Debug)]
pub struct MonitorHandle {
    state: Arc<Mutex<State>>,
}

impl MonitorHandle {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain counters: still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn events(&self, query: &EventsQuery) -> EventsAnswer {
        self.lock().events(query)
    }

    pub fn snapshot(&self) -> MonitorSnapshot {
        self.lock().snapshot()
    }
}

/// Starts the monitor on the current runtime: the NFLOG reader in `netns`,
/// the policy from `applied`. Never fails: a group that cannot be bound is
/// logged, shown (`nflog.up` 0, `sanso events`) and tried again every 30 s.
pub fn start(
    config: MonitorConfig,
    netns: Option<String>,
    applied: watch::Receiver<Option<Applied>>,
) -> MonitorHandle {
    let handle = MonitorHandle {
        state: Arc::new(Mutex::new(State::new(config.group))),
    };
    tokio::spawn(run(config, netns, applied, handle.clone()));
    handle
}

async fn run(
    config: MonitorConfig,
    netns: Option<String>,
    mut applied: watch::Receiver<Option<Applied>>,
    handle: MonitorHandle,
) {
    let alerts = Arc::new(Semaphore::new(ALERT_CONCURRENCY));
    let directory = |a: &Option<Applied>| a.as_ref().map(|a| Arc::new(Directory::new(a)));
    let initial = directory(&applied.borrow_and_update());
    handle.lock().set_directory(initial);
    loop {
        let (tx, mut rx) = mpsc::channel::<Item>(4096);
        let group = config.group;
        let ns = netns.clone();
        let started = tokio::task::spawn_blocking(move || nflog::spawn(ns, group, tx)).await;
        match started {
            Ok(Ok(_thread)) => {
                tracing::info!(
                    group,
                    netns = netns.as_deref().unwrap_or("-"),
                    "{}",
                    sanso_i18n::t!("daemon-log-monitor-reading", group = group)
                );
                let mut s = handle.lock();
                s.nflog.up = true;
                s.nflog.error = None;
            }
            Ok(Err(err)) => {
                let text = chain(&err);
                tracing::error!(group, error = %text, "{}", sanso_i18n::t!("daemon-log-monitor-cannot-read", seconds = RETRY.as_secs()));
                {
                    let mut s = handle.lock();
                    s.nflog.up = false;
                    s.nflog.error = Some(text);
                }
                let deadline = tokio::time::sleep(RETRY);
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        () = &mut deadline => break,
                        changed = applied.changed() => {
                            if changed.is_err() { return; }
                            let d = directory(&applied.borrow_and_update());
                            handle.lock().set_directory(d);
                        }
                    }
                }
                continue;
            }
            Err(_) => return,
        }
        loop {
            tokio::select! {
                item = rx.recv() => match item {
                    Some(item) => take(item, &config, &handle, &alerts),
                    None => break,
                },
                changed = applied.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let d = directory(&applied.borrow_and_update());
                    handle.lock().set_directory(d);
                }
            }
        }
        handle.lock().nflog.up = false;
        tracing::error!("{}", sanso_i18n::t!("daemon-log-monitor-reader-stopped"));
    }
}

fn take(item: Item, config: &MonitorConfig, handle: &MonitorHandle, alerts: &Arc<Semaphore>) {
    let packet = match item {
        Item::Lost(n) => {
            handle.lock().nflog.lost += n;
            tracing::warn!(lost = n, "{}", sanso_i18n::t!("daemon-log-monitor-lost"));
            return;
        }
        Item::Packet(p) => p,
    };
    let now = Instant::now();
    let wall = Timestamp::try_from(packet.received).unwrap_or_else(|_| Timestamp::now());
    let observed = handle.lock().observe(&packet, now, wall);
    let Observed::New(event) = observed else {
        return;
    };
    journal(&event);
    if event.reason != Reason::Forbidden {
        return;
    }
    let Some(command) = &config.alert_command else {
        return;
    };
    if !handle.lock().alert_allowed(event.src.addr, now) {
        return;
    }
    let Ok(permit) = Arc::clone(alerts).try_acquire_owned() else {
        handle.lock().alerts.busy += 1;
        tracing::warn!(
            seq = event.seq,
            "{}",
            sanso_i18n::t!("daemon-log-alert-busy", running = ALERT_CONCURRENCY)
        );
        return;
    };
    let (command, handle) = (command.clone(), handle.clone());
    tokio::spawn(async move {
        let outcome = run_alert(&command, &event, ALERT_TIMEOUT).await;
        drop(permit);
        let mut s = handle.lock();
        match outcome {
            Ok(()) => s.alerts.sent += 1,
            Err(AlertError::TimedOut) => {
                s.alerts.timed_out += 1;
                drop(s);
                tracing::warn!(command = %command.display(), seq = event.seq, "{}", sanso_i18n::t!("daemon-log-alert-killed", seconds = ALERT_TIMEOUT.as_secs()));
            }
            Err(AlertError::Failed(why)) => {
                s.alerts.failed += 1;
                drop(s);
                tracing::warn!(command = %command.display(), seq = event.seq, error = %why, "{}", sanso_i18n::t!("daemon-log-alert-failed"));
            }
        }
    });
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// One line in the journal.
fn journal(e: &Event) {
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: "sanso::event",
                seq = e.seq,
                reason = %e.reason,
                guardrail = %opt(e.guardrail),
                src = %opt(e.src.addr),
                sport = %opt(e.src.port),
                src_zone = %opt(e.src.zone.as_deref()),
                src_tier = %tier_words(&e.src),
                src_host = %opt(e.src.host.as_deref()),
                dst = %opt(e.dst.addr),
                dport = %opt(e.dst.port),
                dst_zone = %opt(e.dst.zone.as_deref()),
                dst_tier = %tier_words(&e.dst),
                dst_host = %opt(e.dst.host.as_deref()),
                proto = %e.proto,
                icmp_type = %opt(e.icmp_type),
                iif = %opt(e.iif.as_deref()),
                oif = %opt(e.oif.as_deref()),
                flow = %opt(e.flow.as_deref()),
                suppressed_before = e.suppressed_before,
                "{}",
                e.summary()
            )
        };
    }
    if e.reason.is_warning() {
        line!(warn);
    } else {
        line!(info);
    }
}

enum AlertError {
    TimedOut,
    Failed(String),
}

/// Runs the alert command with the event as one JSON line on stdin, within
/// `limit` ([`ALERT_TIMEOUT`]).
async fn run_alert(
    command: &std::path::Path,
    event: &Event,
    limit: Duration,
) -> Result<(), AlertError> {
    use tokio::io::AsyncWriteExt;
    let mut line = serde_json::to_vec(event).map_err(|e| AlertError::Failed(e.to_string()))?;
    line.push(b'\n');
    // The one exception to sanso_process (ARCHITECTURE.md): the alert runs on
    // tokio, bounded by `limit` below, killed when its task is dropped.
    #[allow(clippy::disallowed_methods)]
    let mut child = tokio::process::Command::new(command)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            AlertError::Failed(sanso_i18n::t!(
                "daemon-alert-cannot-start",
                error = e.to_string()
            ))
        })?;
    let mut stdin = child.stdin.take();
    let ran = tokio::time::timeout(limit, async {
        if let Some(stdin) = stdin.as_mut() {
            // A command that does not read its input is fine.
            let _ = stdin.write_all(&line).await;
        }
        drop(stdin);
        child.wait().await
    })
    .await;
    match ran {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(AlertError::Failed(sanso_i18n::t!(
            "daemon-alert-exited",
            status = status.to_string()
        ))),
        Ok(Err(e)) => Err(AlertError::Failed(e.to_string())),
        Err(_) => Err(AlertError::TimedOut),
    }
}

/// The monitor's metrics, in Prometheus text.
pub fn render_metrics(s: &MonitorSnapshot, out: &mut String) {
    use std::fmt::Write as _;
    let esc = |v: &str| {
        v.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    };
    let mut head = |name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
    };
    head(
        "sanso_events_total",
        "counter",
        "Attempts the ruleset logged (NFLOG), by reason (forbidden, spoofed, isolated, drop, ended, unknown, accept) and zone pair; packets of one attempt within 10 s count once.",
    );
    for c in &s.counts {
        let _ = writeln!(
            out,
            "sanso_events_total{{reason=\"{}\",src_zone=\"{}\",dst_zone=\"{}\"}} {}",
            c.reason,
            esc(&c.src_zone),
            esc(&c.dst_zone),
            c.events
        );
    }
    let plain = |out: &mut String, name: &str, kind: &str, help: &str, v: u64| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name} {v}");
    };
    plain(
        out,
        "sanso_events_suppressed_total",
        "counter",
        "Events counted but not written to the journal and the event ring (the per-source limit).",
        s.suppressed,
    );
    plain(
        out,
        "sanso_nflog_up",
        "gauge",
        "1 while the daemon reads the NFLOG group.",
        u64::from(s.nflog.up),
    );
    plain(
        out,
        "sanso_nflog_packets_total",
        "counter",
        "Logged packets received over NFLOG.",
        s.nflog.packets,
    );
    plain(
        out,
        "sanso_nflog_lost_total",
        "counter",
        "Logged packets lost before the daemon read them (a full socket buffer).",
        s.nflog.lost,
    );
    let a = s.alerts;
    let _ = writeln!(
        out,
        "# HELP sanso_alerts_total Forbidden crossings handed to --alert-command, by outcome.\n# TYPE sanso_alerts_total counter"
    );
    for (outcome, v) in [
        ("sent", a.sent),
        ("failed", a.failed),
        ("timed-out", a.timed_out),
        ("limited", a.limited),
        ("busy", a.busy),
    ] {
        let _ = writeln!(out, "sanso_alerts_total{{outcome=\"{outcome}\"}} {v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nflog::Headers;
    use std::time::SystemTime;

    const POLICY: &str = r#"
[policy]
name = "watch"
revision = "1"

[zones.mn]
tier = "mynumber"
interfaces = ["mn0"]
networks = ["10.1.0.0/16"]

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.2.0.0/16", "fd00:2::/48"]

[zones.inet]
tier = "internet"
interfaces = ["in0"]
networks = ["10.3.0.0/16"]

[zones.upstream]
tier = "external"
beyond = "internet"
interfaces = ["up0"]
networks = ["0.0.0.0/0", "::/0"]

[hosts.mn-pc]
zone = "mn"
addresses = ["10.1.0.5"]

[hosts.lg-farm]
zone = "lg"
addresses = ["10.2.1.0/24"]

[hosts.lg-web]
zone = "lg"
addresses = ["10.2.1.7"]

[[flows]]
name = "lg-lg"
from = ["lg"]
to = ["lg"]
services = ["https"]
reason = "test"
log = true
"#;

    fn directory() -> Arc<Directory> {
        let policy = sanso_policy::load_policy("watch.toml", POLICY).expect("policy");
        let ruleset = sanso_ir::lower(&policy, 0);
        Arc::new(Directory::new(&Applied {
            policy: Arc::new(policy),
            ruleset: Arc::new(ruleset),
        }))
    }

    fn packet(prefix: &str, hook: u8, src: &str, dst: &str, dport: u16) -> LogPacket {
        LogPacket {
            prefix: prefix.to_owned(),
            hook: Some(hook),
            indev: Some("mn0".to_owned()),
            outdev: None,
            headers: Some(Headers {
                src: src.parse().expect("ip"),
                dst: dst.parse().expect("ip"),
                proto: 6,
                l4: L4::Ports {
                    src: 40000,
                    dst: dport,
                    syn: true,
                },
            }),
            received: SystemTime::UNIX_EPOCH,
        }
    }

    fn state() -> State {
        let mut s = State::new(DEFAULT_GROUP);
        s.set_directory(Some(directory()));
        s
    }

    fn new_event(o: Observed) -> Event {
        match o {
            Observed::New(e) => *e,
            other => panic!("not a new event: {other:?}"),
        }
    }

    #[test]
    fn prefixes_name_the_reason() {
        let r = |p: &str| parse_prefix(p).map(|p| p.reason);
        assert_eq!(r("sanso drop mn>upstream "), Some(Reason::Drop));
        assert_eq!(r("sanso drop unknown "), Some(Reason::Unknown));
        assert_eq!(r("sanso spoofed "), Some(Reason::Spoofed));
        assert_eq!(r("sanso ended "), Some(Reason::Ended));
        assert_eq!(r("sanso isolated "), Some(Reason::Isolated));
        assert_eq!(
            parse_prefix("sanso accept lg-web "),
            Some(Prefix {
                reason: Reason::Accept,
                flow: Some("lg-web".to_owned())
            })
        );
        // A prefix cut by the kernel still says why.
        assert_eq!(r("sanso drop averyveryl"), Some(Reason::Drop));
        assert_eq!(r("ulogd "), None);
        assert_eq!(r("sanso"), None);
    }

    #[test]
    fn a_mynumber_host_reaching_the_internet_is_one_forbidden_event_with_zones_and_tiers() {
        let mut s = state();
        let t0 = Instant::now();
        let p = packet("sanso drop mn>upstream ", 2, "10.1.0.5", "203.0.113.9", 443);
        let e = new_event(s.observe(&p, t0, Timestamp::UNIX_EPOCH));
        assert_eq!(e.reason, Reason::Forbidden);
        assert_eq!(e.guardrail, Some(2));
        assert_eq!(e.src.zone.as_deref(), Some("mn"));
        assert_eq!(e.src.tier.as_deref(), Some("mynumber"));
        assert_eq!(e.src.host.as_deref(), Some("mn-pc"));
        assert_eq!(e.dst.zone.as_deref(), Some("upstream"));
        assert_eq!(e.dst.tier.as_deref(), Some("external"));
        assert_eq!(e.dst.beyond.as_deref(), Some("internet"));
        assert_eq!((e.src.port, e.dst.port), (Some(40000), Some(443)));
        assert_eq!(e.hook.as_deref(), Some("forward"));
        assert_eq!(e.proto, "tcp");
        assert_eq!(e.policy.as_deref(), Some("watch rev 1"));
        assert_eq!(
            e.summary(),
            "forbidden crossing: mynumber -> external (internet) (guardrail 2)"
        );
        // The SYN retransmissions of the same connect: the same event.
        for i in 1..3 {
            let later = t0 + Duration::from_secs(i);
            assert_eq!(
                s.observe(&p, later, Timestamp::UNIX_EPOCH),
                Observed::Repeat
            );
        }
        let report = s.events(&EventsQuery::default());
        assert_eq!(report.events.len(), 1);
        assert_eq!(report.events[0].packets, 3);
        assert_eq!(
            report.counts,
            [PairCount {
                reason: Reason::Forbidden,
                src_zone: "mn".to_owned(),
                dst_zone: "upstream".to_owned(),
                events: 1
            }]
        );
        // After the window, a new attempt is a new event.
        let e = new_event(s.observe(&p, t0 + AGGREGATE_WINDOW, Timestamp::UNIX_EPOCH));
        assert_eq!(e.seq, 2);
    }

    #[test]
    fn the_model_decides_what_is_forbidden() {
        let mut s = state();
        let t = Instant::now();
        let reason = |s: &mut State, src: &str, dst: &str| {
            new_event(s.observe(
                &packet("sanso drop a>b ", 2, src, dst, 443),
                t,
                Timestamp::UNIX_EPOCH,
            ))
            .reason
        };
        // mynumber <-> the internet tier: guardrail 2.
        assert_eq!(reason(&mut s, "10.3.0.1", "10.1.0.5"), Reason::Forbidden);
        // lgwan -> the Internet: guardrail 4.
        assert_eq!(
            reason(&mut s, "10.2.0.1", "198.51.100.1"),
            Reason::Forbidden
        );
        // lgwan -> the internet tier needs a sanitizer: a plain default drop.
        assert_eq!(reason(&mut s, "10.2.0.2", "10.3.0.1"), Reason::Drop);
        // mynumber -> lgwan needs an exception: a plain default drop.
        assert_eq!(reason(&mut s, "10.1.0.6", "10.2.0.1"), Reason::Drop);
        // To the gateway (input hook): mynumber -> self is not forbidden outright.
        let e = new_event(s.observe(
            &packet("sanso drop mn>self ", 1, "10.1.0.7", "10.1.0.1", 22),
            t,
            Timestamp::UNIX_EPOCH,
        ));
        assert_eq!(
            (e.reason, e.dst.zone.as_deref()),
            (Reason::Drop, Some("self"))
        );
    }

    #[test]
    fn one_noisy_source_is_limited_and_others_still_show() {
        let mut s = state();
        let t = Instant::now();
        let mut written = 0;
        for port in 1..=50u16 {
            let p = packet("sanso drop lg>lg ", 2, "10.2.0.9", "10.2.0.10", port);
            if matches!(s.observe(&p, t, Timestamp::UNIX_EPOCH), Observed::New(_)) {
                written += 1;
            }
        }
        assert_eq!(written, SOURCE_BURST);
        let other = packet("sanso drop lg>lg ", 2, "10.2.0.11", "10.2.0.10", 1);
        assert!(matches!(
            s.observe(&other, t, Timestamp::UNIX_EPOCH),
            Observed::New(_)
        ));
        let report = s.events(&EventsQuery::default());
        assert_eq!(report.suppressed, 40);
        assert_eq!(report.counts[0].events, 51, "every attempt is counted");
        // One interval later the noisy source gets one more, saying how many were left out.
        let p = packet("sanso drop lg>lg ", 2, "10.2.0.9", "10.2.0.10", 99);
        let e = new_event(s.observe(&p, t + SOURCE_INTERVAL, Timestamp::UNIX_EPOCH));
        assert_eq!(e.suppressed_before, 40);
        assert_eq!(
            s.events(&EventsQuery {
                after: Some(e.seq - 1),
                since_unix_ms: None
            })
            .events
            .len(),
            1
        );
    }

    #[test]
    fn the_ring_and_the_tables_stay_bounded() {
        let mut s = State::new(DEFAULT_GROUP);
        let t = Instant::now();
        for i in 0..(RING_CAPACITY as u32 + 100) {
            let src = std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string();
            let p = packet("sanso drop unknown ", 2, &src, "10.9.9.9", 1);
            assert!(matches!(
                s.observe(&p, t, Timestamp::UNIX_EPOCH),
                Observed::New(_)
            ));
        }
        let report = s.events(&EventsQuery::default());
        assert_eq!(report.events.len(), RING_CAPACITY);
        assert_eq!(report.oldest_seq, Some(101));
        assert_eq!(report.events[0].src.zone, None);
        for i in 0..(2 * MAX_TRACKED as u32) {
            let src = std::net::Ipv4Addr::from(0x0b00_0000 + i).to_string();
            s.observe(
                &packet("sanso drop unknown ", 2, &src, "10.9.9.9", 1),
                t,
                Timestamp::UNIX_EPOCH,
            );
        }
        assert!(s.attempts.len() <= MAX_TRACKED && s.sources.len() <= MAX_TRACKED);
    }

    #[test]
    fn spoofed_accepted_and_foreign_packets() {
        let mut s = state();
        let t = Instant::now();
        // Claims an lgwan address on the mynumber interface.
        let e = new_event(s.observe(
            &packet("sanso spoofed ", 0, "10.2.1.7", "10.1.0.5", 22),
            t,
            Timestamp::UNIX_EPOCH,
        ));
        assert_eq!(e.reason, Reason::Spoofed);
        assert_eq!(
            e.src.host.as_deref(),
            Some("lg-web"),
            "the most specific host"
        );
        assert_eq!(e.iif_zone.as_deref(), Some("mn"));
        let e = new_event(s.observe(
            &packet("sanso accept lg-lg ", 2, "10.2.1.9", "10.2.0.1", 443),
            t,
            Timestamp::UNIX_EPOCH,
        ));
        assert_eq!(
            (e.reason, e.flow.as_deref()),
            (Reason::Accept, Some("lg-lg"))
        );
        assert_eq!(e.src.host.as_deref(), Some("lg-farm"));
        assert_eq!(
            s.observe(
                &packet("other ", 2, "10.2.1.9", "10.2.0.1", 1),
                t,
                Timestamp::UNIX_EPOCH
            ),
            Observed::Ignored
        );
        assert_eq!(s.events(&EventsQuery::default()).nflog.foreign, 1);
    }

    /// What one logged packet costs the monitor (classify, aggregate, limit,
    /// count, keep), measured over 200,000 packets of 20,000 sources: new
    /// events, repeats and suppressed ones mixed.
    #[test]
    fn observe_throughput() {
        let mut s = state();
        let t = Instant::now();
        let packets: Vec<LogPacket> = (0..20_000u32)
            .map(|i| {
                let src = std::net::Ipv4Addr::from(0x0a02_0000 + i).to_string();
                packet("sanso drop lg>upstream ", 2, &src, "198.51.100.7", 443)
            })
            .collect();
        let start = Instant::now();
        let mut n = 0u64;
        for round in 0..10u64 {
            for p in &packets {
                s.observe(
                    p,
                    t + Duration::from_millis(round * 1500),
                    Timestamp::UNIX_EPOCH,
                );
                n += 1;
            }
        }
        let rate = n as f64 / start.elapsed().as_secs_f64();
        eprintln!("monitor: {rate:.0} logged packets per second on one core");
        // Far below what it does even unoptimised, far above what the
        // kernel's meters let through in practice.
        assert!(rate > 20_000.0, "{rate:.0}/s");
    }

    #[test]
    fn alerts_are_limited_per_source() {
        let mut s = state();
        let t = Instant::now();
        let a = Some("10.1.0.5".parse().expect("ip"));
        let b = Some("10.1.0.6".parse().expect("ip"));
        let allowed: Vec<bool> = (0..5).map(|_| s.alert_allowed(a, t)).collect();
        assert_eq!(allowed, [true, true, true, false, false]);
        assert!(s.alert_allowed(b, t));
        assert!(s.alert_allowed(a, t + ALERT_INTERVAL));
        assert_eq!(s.snapshot().alerts.limited, 2);
    }

    #[tokio::test]
    async fn the_alert_command_gets_the_event_on_stdin_and_is_killed_when_slow() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("got.json");
        let script = dir.path().join("alert.sh");
        std::fs::write(&script, format!("#!/bin/sh\ncat > {}\n", out.display())).expect("script");
        let slow = dir.path().join("slow.sh");
        std::fs::write(&slow, "#!/bin/sh\nexec sleep 60\n").expect("script");
        for f in [&script, &slow] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        }
        let mut s = state();
        let p = packet("sanso drop mn>upstream ", 2, "10.1.0.5", "203.0.113.9", 443);
        let e = new_event(s.observe(&p, Instant::now(), Timestamp::UNIX_EPOCH));
        assert!(run_alert(&script, &e, ALERT_TIMEOUT).await.is_ok());
        let got: Event =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
        assert_eq!(got, e);
        let start = Instant::now();
        let slow_run = run_alert(&slow, &e, Duration::from_millis(200)).await;
        assert!(matches!(slow_run, Err(AlertError::TimedOut)));
        assert!(start.elapsed() < Duration::from_secs(5));
        let missing = dir.path().join("missing");
        assert!(matches!(
            run_alert(&missing, &e, ALERT_TIMEOUT).await,
            Err(AlertError::Failed(_))
        ));
    }

    #[test]
    fn metrics_have_reason_and_zone_labels() {
        let mut s = state();
        s.observe(
            &packet("sanso drop mn>upstream ", 2, "10.1.0.5", "203.0.113.9", 443),
            Instant::now(),
            Timestamp::UNIX_EPOCH,
        );
        let mut out = String::new();
        render_metrics(&s.snapshot(), &mut out);
        for line in [
            "sanso_events_total{reason=\"forbidden\",src_zone=\"mn\",dst_zone=\"upstream\"} 1",
            "sanso_nflog_up 0",
            "sanso_nflog_packets_total 1",
            "sanso_alerts_total{outcome=\"sent\"} 0",
        ] {
            assert!(out.lines().any(|l| l == line), "missing {line:?} in\n{out}");
        }
    }
}
