//! The validated policy: what every other crate reads.
//!
//! Architecture invariant: a value of [`Policy`] has passed every check of the
//! contract (`docs/policy.md`): names are unique, every host address lies in
//! its zone, internal zones do not overlap, interfaces belong to one zone,
//! every flow has a reason and explicit services, and the six guardrails hold.
//! Indices ([`ZoneId`], [`HostId`]) are valid for the policy they came from.

use std::fmt;

use ipnet::IpNet;

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
    /// Gateway interfaces facing this zone; each belongs to this zone only.
    pub interfaces: Vec<String>,
    /// As written (normalised with `trunc()`), in file order.
    pub networks: Vec<IpNet>,
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub zone: ZoneId,
    /// Addresses as /32 or /128 nets, or prefixes (a server farm); file order.
    pub addresses: Vec<IpNet>,
    pub roles: Vec<String>,
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

/// The approval that lets a flow cross guardrails 1, 3 and 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    pub approved_by: String,
    pub ticket: String,
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
    pub exception: Option<Exception>,
    pub location: Location,
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

    /// The name of an endpoint as written in the policy.
    pub fn endpoint_name(&self, endpoint: Endpoint) -> &str {
        match endpoint {
            Endpoint::Gateway => "self",
            Endpoint::Zone(z) => &self.zone(z).name,
            Endpoint::Host(h) => &self.host(h).name,
        }
    }
}
