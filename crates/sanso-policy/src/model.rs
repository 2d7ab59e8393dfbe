//! The validated policy: what every other crate reads.
//!
//! Architecture invariant: a value of [`Policy`] has passed every check of the
//! contract (`docs/policy.md`): names are unique, every host address lies in
//! its zone, internal zones do not overlap, interfaces belong to one zone,
//! every flow has a reason and explicit services, and the nine guardrails hold.
//! Each flow also records how each of its (from, to) pairs satisfies the
//! guardrail it crosses ([`Flow::crossings`]), for `explain` and reports.
//! Indices ([`ZoneId`], [`HostId`]) are valid for the policy they came from.

use std::fmt;

use ipnet::IpNet;
use sanso_i18n::t;

/// Index into [`Policy::zones`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZoneId(pub usize);

/// Index into [`Policy::hosts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostId(pub usize);

/// The three tiers of the 三層の対策 model, plus zones outside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// 個人番号利用事務系
    Mynumber,
    /// LGWAN接続系
    Lgwan,
    /// インターネット接続系
    Internet,
    /// Outside the three tiers (upstream, the prefecture's security cloud, ...).
    External,
}

impl Tier {
    /// The word used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Mynumber => "mynumber",
            Tier::Lgwan => "lgwan",
            Tier::Internet => "internet",
            Tier::External => "external",
        }
    }

    /// The Japanese name used by the users' own documents.
    pub fn japanese(self) -> &'static str {
        match self {
            Tier::Mynumber => "個人番号利用事務系",
            Tier::Lgwan => "LGWAN接続系",
            Tier::Internet => "インターネット接続系",
            Tier::External => "外部",
        }
    }
}

/// What lies beyond an `external` zone (`beyond = ...`): the guardrails judge
/// an external zone as that.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Beyond {
    /// The Internet, including the 自治体情報セキュリティクラウド.
    Internet,
    /// The LGWAN backbone (総合行政ネットワーク).
    Lgwan,
    /// A closed line: J-LIS 中間サーバー, a vendor's dedicated line.
    Closed,
}

impl Beyond {
    /// The word used in policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Beyond::Internet => "internet",
            Beyond::Lgwan => "lgwan",
            Beyond::Closed => "closed",
        }
    }
}

/// What one end of a flow counts as for the guardrails: a zone's tier, or for
/// an external zone what lies beyond it, or the gateway itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// 個人番号利用事務系
    Mynumber,
    /// LGWAN接続系
    Lgwan,
    /// インターネット接続系 (the internet tier, inside the city)
    InternetTier,
    /// The LGWAN backbone (an external zone with `beyond = "lgwan"`).
    LgwanBackbone,
    /// The Internet (an external zone with `beyond = "internet"` or none).
    TheInternet,
    /// A closed line (an external zone with `beyond = "closed"`).
    ClosedLine,
    /// The gateway itself (`self`).
    Gateway,
}

impl Standing {
    /// What a zone of this tier (and `beyond`) counts as. An external zone
    /// without `beyond` counts as the Internet, the safe reading.
    pub fn of_zone(tier: Tier, beyond: Option<Beyond>) -> Standing {
        match tier {
            Tier::Mynumber => Standing::Mynumber,
            Tier::Lgwan => Standing::Lgwan,
            Tier::Internet => Standing::InternetTier,
            Tier::External => match beyond {
                Some(Beyond::Lgwan) => Standing::LgwanBackbone,
                Some(Beyond::Closed) => Standing::ClosedLine,
                Some(Beyond::Internet) | None => Standing::TheInternet,
            },
        }
    }

    /// Plain English, as in the contract: "the Internet", "the lgwan tier".
    pub fn english(self) -> &'static str {
        match self {
            Standing::Mynumber => "the mynumber tier",
            Standing::Lgwan => "the lgwan tier",
            Standing::InternetTier => "the internet tier",
            Standing::LgwanBackbone => "the LGWAN backbone",
            Standing::TheInternet => "the Internet",
            Standing::ClosedLine => "a closed line",
            Standing::Gateway => "the gateway",
        }
    }

    /// What it is called in the process language, for messages: "the
    /// Internet", "the lgwan tier" in English (as [`Standing::english`]),
    /// "インターネット", "LGWAN接続系" in Japanese.
    pub fn text(self) -> String {
        let standing = match self {
            Standing::Mynumber => "mynumber",
            Standing::Lgwan => "lgwan",
            Standing::InternetTier => "internet-tier",
            Standing::LgwanBackbone => "lgwan-backbone",
            Standing::TheInternet => "the-internet",
            Standing::ClosedLine => "closed-line",
            Standing::Gateway => "gateway",
        };
        t!("policy-standing", standing = standing)
    }

    /// The name in the users' own documents.
    pub fn japanese(self) -> &'static str {
        match self {
            Standing::Mynumber => "個人番号利用事務系",
            Standing::Lgwan => "LGWAN接続系",
            Standing::InternetTier => "インターネット接続系",
            Standing::LgwanBackbone => "LGWAN (総合行政ネットワーク)",
            Standing::TheInternet => "インターネット",
            Standing::ClosedLine => "閉域網",
            Standing::Gateway => "ゲートウェイ自身",
        }
    }

    /// Outside the city's three tiers (behind an external zone).
    pub fn is_external(self) -> bool {
        matches!(
            self,
            Standing::LgwanBackbone | Standing::TheInternet | Standing::ClosedLine
        )
    }

    /// One of the three tiers inside the city.
    pub fn is_internal(self) -> bool {
        matches!(
            self,
            Standing::Mynumber | Standing::Lgwan | Standing::InternetTier
        )
    }
}

/// The guardrails of the contract, by their number there (1 to 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guardrail(pub u8);

impl fmt::Display for Guardrail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&t!("policy-guardrail", number = self.0.to_string()))
    }
}

/// What lets one (from, to) pair of a flow cross the guardrail it meets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// A named host with role `sanitizer` or `screen-transfer` whose `serves`
    /// lists every service of the flow (guardrail 3).
    RoleHost { host: HostId, role: String },
    /// The Internet end is hosts with role `security-cloud` (guardrail 5).
    SecurityCloud { host: HostId },
    /// The flow's approved `exception` (guardrails 1, 3, 5, 6, 7, 8).
    Exception,
}

/// One (from, to) pair of a flow that meets a guardrail, and what satisfies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crossing {
    pub from: Endpoint,
    pub to: Endpoint,
    pub guardrail: Guardrail,
    pub control: Control,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a named thing was declared: 1-based line and column in the policy file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub revision: Option<String>,
    /// In file order.
    pub zones: Vec<Zone>,
    /// In file order.
    pub hosts: Vec<Host>,
    /// In file order; the order decides which flow is reported (and logs) when
    /// several flows allow the same packet.
    pub flows: Vec<Flow>,
    /// SHA-256 of the policy text, lowercase hex: ties plans, applies and audit
    /// records to the exact file that was approved.
    pub content_hash: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    pub tier: Tier,
    /// External zones only: what lies beyond; `None` when not written (then
    /// the zone counts as the Internet).
    pub beyond: Option<Beyond>,
    /// The organisation (市長部局, 議会, 行政委員会, 消防本部, ...), free text.
    pub organisation: Option<String>,
    /// Gateway interfaces facing this zone; each belongs to this zone only.
    pub interfaces: Vec<String>,
    /// As written (normalised with `trunc()`), in file order.
    pub networks: Vec<IpNet>,
    /// DHCP pools (`dynamic`), inside `networks`: terminals whose addresses
    /// come and go. Host discovery counts them instead of reporting each.
    pub dynamic: Vec<IpNet>,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub zone: ZoneId,
    /// Addresses as /32 or /128 nets, or prefixes (a server farm); file order.
    pub addresses: Vec<IpNet>,
    pub roles: Vec<String>,
    /// The services a sanitizer or screen-transfer host carries across tiers
    /// (resolved matches of the `serves` entries, in file order).
    pub serves: Vec<Service>,
    pub location: Location,
}

/// One end of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// The gateway itself (`"self"`): flows to it are the input hook, flows from
    /// it the output hook.
    Gateway,
    Zone(ZoneId),
    Host(HostId),
}

/// An inclusive range of destination ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

/// What a service matches on top of the addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceMatch {
    Tcp(PortRange),
    Udp(PortRange),
    /// ICMP (IPv4) type number, e.g. 8 for echo-request.
    Icmp(u8),
    /// ICMPv6 type number, e.g. 128 for echo-request.
    Icmpv6(u8),
}

/// A named service as the flow used it, resolved to its matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub matches: Vec<ServiceMatch>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RateUnit {
    Second,
    Minute,
    Hour,
}

impl RateUnit {
    pub fn as_str(self) -> &'static str {
        match self {
            RateUnit::Second => "second",
            RateUnit::Minute => "minute",
            RateUnit::Hour => "hour",
        }
    }
}

/// A rate limit on new connections: `count` per `unit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RateLimit {
    pub count: u32,
    pub unit: RateUnit,
}

/// The approval that lets a flow cross guardrails 1, 3, 5, 7 and 8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    pub approved_by: String,
    pub ticket: String,
    /// `approved_on`, as written (a date `YYYY-MM-DD`).
    pub approved_on: Option<String>,
    /// `review_by`, as written (a date `YYYY-MM-DD`).
    pub review_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub name: String,
    pub from: Vec<Endpoint>,
    pub to: Vec<Endpoint>,
    pub services: Vec<Service>,
    pub reason: String,
    pub log: bool,
    pub limit: Option<RateLimit>,
    /// The flow matches while the time is before this instant, in seconds since
    /// the Unix epoch. `until = "2026-12-31"` means through the end of that day
    /// in Japan Standard Time, i.e. before 2027-01-01T00:00:00+09:00.
    pub until: Option<i64>,
    /// The `until` value as written, for reports.
    pub until_text: Option<String>,
    /// As written. An exception that waives nothing is kept here but not
    /// counted (see [`Flow::has_waiving_exception`]).
    pub exception: Option<Exception>,
    /// Every (from, to) pair that meets a guardrail, with what satisfies it.
    /// Pairs inside one tier (or crossing no rule) are absent.
    pub crossings: Vec<Crossing>,
    pub location: Location,
}

impl Flow {
    /// True when the flow's exception waives at least one guardrail: only
    /// such exceptions count as exceptions (in reports, in the audit).
    pub fn has_waiving_exception(&self) -> bool {
        self.exception.is_some()
            && self
                .crossings
                .iter()
                .any(|c| c.control == Control::Exception)
    }

    /// The guardrails met by the pair `from -> to`, with their controls.
    pub fn crossings_of(&self, from: Endpoint, to: Endpoint) -> impl Iterator<Item = &Crossing> {
        self.crossings
            .iter()
            .filter(move |c| c.from == from && c.to == to)
    }
}

impl Policy {
    pub fn zone(&self, id: ZoneId) -> &Zone {
        &self.zones[id.0]
    }

    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id.0]
    }

    pub fn zone_by_name(&self, name: &str) -> Option<ZoneId> {
        self.zones.iter().position(|z| z.name == name).map(ZoneId)
    }

    pub fn host_by_name(&self, name: &str) -> Option<HostId> {
        self.hosts.iter().position(|h| h.name == name).map(HostId)
    }

    /// The zone an address classifies to: the zone with the longest network
    /// containing it. `None` when no zone claims the address.
    pub fn classify(&self, addr: std::net::IpAddr) -> Option<ZoneId> {
        let mut best: Option<(u8, ZoneId)> = None;
        for (i, zone) in self.zones.iter().enumerate() {
            for net in &zone.networks {
                if net.contains(&addr) && best.is_none_or(|(len, _)| net.prefix_len() > len) {
                    best = Some((net.prefix_len(), ZoneId(i)));
                }
            }
        }
        best.map(|(_, id)| id)
    }

    /// What an endpoint counts as for the guardrails.
    pub fn standing(&self, endpoint: Endpoint) -> Standing {
        let zone = match endpoint {
            Endpoint::Gateway => return Standing::Gateway,
            Endpoint::Zone(z) => self.zone(z),
            Endpoint::Host(h) => self.zone(self.host(h).zone),
        };
        Standing::of_zone(zone.tier, zone.beyond)
    }

    /// `zone "upstream" (external, beyond: the Internet)`,
    /// `host "lg-admin" (zone "lg-office", lgwan)`, `self (the gateway)`:
    /// an end with its effective tier, as diagnostics and reports name it.
    pub fn describe_end(&self, endpoint: Endpoint) -> String {
        match endpoint {
            Endpoint::Gateway => t!("policy-end-gateway"),
            Endpoint::Zone(z) => {
                let zone = self.zone(z);
                t!(
                    "policy-end-zone",
                    zone = format!("{:?}", zone.name),
                    tier = tier_text(zone.tier, zone.beyond)
                )
            }
            Endpoint::Host(h) => {
                let host = self.host(h);
                let zone = self.zone(host.zone);
                t!(
                    "policy-end-host",
                    host = format!("{:?}", host.name),
                    zone = format!("{:?}", zone.name),
                    tier = tier_text(zone.tier, zone.beyond)
                )
            }
        }
    }

    /// The name of an endpoint as written in the policy.
    pub fn endpoint_name(&self, endpoint: Endpoint) -> &str {
        match endpoint {
            Endpoint::Gateway => "self",
            Endpoint::Zone(z) => &self.zone(z).name,
            Endpoint::Host(h) => &self.host(h).name,
        }
    }
}

/// `lgwan`, `external, beyond: the Internet`, `external, beyond not given: counted as the Internet`.
pub fn tier_text(tier: Tier, beyond: Option<Beyond>) -> String {
    match (tier, beyond) {
        (Tier::External, Some(b)) => t!(
            "policy-tier-external-beyond",
            beyond = Standing::of_zone(tier, Some(b)).text()
        ),
        (Tier::External, None) => t!("policy-tier-external-no-beyond"),
        (t, _) => t.as_str().to_owned(),
    }
}
