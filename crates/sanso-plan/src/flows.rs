//! Policy-level changes: zones and flows matched by name between the old and
//! the new policy, with the fields that changed shown old -> new.

use sanso_policy::{
    Endpoint, Exception, Flow, IcmpFamily, Policy, RateLimit, Service, ServiceMatch, Zone,
};
use serde::Serialize;

use crate::{ChangeKind, TierName};

/// A field of a flow that can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FlowField {
    From,
    To,
    Services,
    Log,
    Limit,
    Until,
    Exception,
    Reason,
}

impl FlowField {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowField::From => "from",
            FlowField::To => "to",
            FlowField::Services => "services",
            FlowField::Log => "log",
            FlowField::Limit => "limit",
            FlowField::Until => "until",
            FlowField::Exception => "exception",
            FlowField::Reason => "reason",
        }
    }
}

/// One field's old and new value, as text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange<F> {
    pub field: F,
    pub old: String,
    pub new: String,
}

/// A flow added, removed or changed (matched by name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlowChange {
    pub kind: ChangeKind,
    pub name: String,
    /// For an added or removed flow: its endpoints and services, e.g.
    /// `lg-office -> upstream: https`.
    pub summary: String,
    pub reason: String,
    /// For a changed flow: the fields that changed, in [`FlowField`] order.
    pub changes: Vec<FieldChange<FlowField>>,
}

impl FlowChange {
    /// The fields that changed.
    pub fn fields(&self) -> Vec<FlowField> {
        self.changes.iter().map(|c| c.field).collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ZoneField {
    Tier,
    Interfaces,
    Networks,
}

impl ZoneField {
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneField::Tier => "tier",
            ZoneField::Interfaces => "interfaces",
            ZoneField::Networks => "networks",
        }
    }
}

/// A zone added, removed or changed (matched by name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneChange {
    pub kind: ChangeKind,
    pub name: String,
    /// The zone's tier (the new one when it changed).
    pub tier: TierName,
    pub changes: Vec<FieldChange<ZoneField>>,
}

pub(crate) fn zone_changes(old: Option<&Policy>, new: &Policy) -> Vec<ZoneChange> {
    let old_zones: &[Zone] = old.map(|p| p.zones.as_slice()).unwrap_or_default();
    let mut out = Vec::new();
    for zone in old_zones {
        if !new.zones.iter().any(|z| z.name == zone.name) {
            out.push(ZoneChange {
                kind: ChangeKind::Removed,
                name: zone.name.clone(),
                tier: TierName::of(zone.tier),
                changes: Vec::new(),
            });
        }
    }
    for zone in &new.zones {
        match old_zones.iter().find(|z| z.name == zone.name) {
            None => out.push(ZoneChange {
                kind: ChangeKind::Added,
                name: zone.name.clone(),
                tier: TierName::of(zone.tier),
                changes: Vec::new(),
            }),
            Some(before) => {
                let mut changes = Vec::new();
                let mut field = |field, old: String, new: String| {
                    if old != new {
                        changes.push(FieldChange { field, old, new });
                    }
                };
                field(
                    ZoneField::Tier,
                    before.tier.as_str().to_owned(),
                    zone.tier.as_str().to_owned(),
                );
                field(
                    ZoneField::Interfaces,
                    before.interfaces.join(", "),
                    zone.interfaces.join(", "),
                );
                let nets = |z: &Zone| {
                    z.networks
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                field(ZoneField::Networks, nets(before), nets(zone));
                if !changes.is_empty() {
                    out.push(ZoneChange {
                        kind: ChangeKind::Changed,
                        name: zone.name.clone(),
                        tier: TierName::of(zone.tier),
                        changes,
                    });
                }
            }
        }
    }
    out
}

pub(crate) fn flow_changes(old: Option<&Policy>, new: &Policy) -> Vec<FlowChange> {
    let mut out = Vec::new();
    if let Some(old) = old {
        for flow in &old.flows {
            if !new.flows.iter().any(|f| f.name == flow.name) {
                out.push(FlowChange {
                    kind: ChangeKind::Removed,
                    name: flow.name.clone(),
                    summary: summary(old, flow),
                    reason: flow.reason.clone(),
                    changes: Vec::new(),
                });
            }
        }
    }
    for flow in &new.flows {
        let before = old.and_then(|p| p.flows.iter().find(|f| f.name == flow.name).map(|f| (p, f)));
        match before {
            None => out.push(FlowChange {
                kind: ChangeKind::Added,
                name: flow.name.clone(),
                summary: summary(new, flow),
                reason: flow.reason.clone(),
                changes: Vec::new(),
            }),
            Some((old_policy, before)) => {
                let a = FlowText::of(old_policy, before);
                let b = FlowText::of(new, flow);
                let changes: Vec<FieldChange<FlowField>> = a
                    .fields
                    .into_iter()
                    .zip(b.fields)
                    .filter(|((_, o), (_, n))| o != n)
                    .map(|((field, old), (_, new))| FieldChange { field, old, new })
                    .collect();
                if !changes.is_empty() {
                    out.push(FlowChange {
                        kind: ChangeKind::Changed,
                        name: flow.name.clone(),
                        summary: summary(new, flow),
                        reason: flow.reason.clone(),
                        changes,
                    });
                }
            }
        }
    }
    out
}

/// `from -> to: services`.
fn summary(policy: &Policy, flow: &Flow) -> String {
    format!(
        "{} -> {}: {}",
        endpoints(policy, &flow.from),
        endpoints(policy, &flow.to),
        flow.services
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Every comparable field of a flow as text. Endpoints are compared by name,
/// so renumbered zones or hosts do not show as changes.
struct FlowText {
    fields: Vec<(FlowField, String)>,
}

impl FlowText {
    fn of(policy: &Policy, flow: &Flow) -> Self {
        FlowText {
            fields: vec![
                (FlowField::From, endpoints(policy, &flow.from)),
                (FlowField::To, endpoints(policy, &flow.to)),
                (FlowField::Services, services(&flow.services)),
                (
                    FlowField::Log,
                    if flow.log { "yes" } else { "no" }.to_owned(),
                ),
                (FlowField::Limit, limit(flow.limit)),
                (FlowField::Until, until(flow)),
                (FlowField::Exception, exception(flow.exception.as_ref())),
                (FlowField::Reason, flow.reason.clone()),
            ],
        }
    }
}

fn endpoints(policy: &Policy, ends: &[Endpoint]) -> String {
    ends.iter()
        .map(|e| policy.endpoint_name(*e))
        .collect::<Vec<_>>()
        .join(", ")
}

fn services(services: &[Service]) -> String {
    services
        .iter()
        .map(|s| {
            let matches: Vec<String> = s.matches.iter().map(|m| service_match(*m)).collect();
            format!("{} ({})", s.name, matches.join(" "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `tcp/443`, `udp/1000-2000`, `icmp/echo-request`, `icmpv6/128`.
pub(crate) fn service_match(m: ServiceMatch) -> String {
    let ports = |p: sanso_policy::PortRange| {
        if p.first == p.last {
            p.first.to_string()
        } else {
            format!("{}-{}", p.first, p.last)
        }
    };
    match m {
        ServiceMatch::Tcp(p) => format!("tcp/{}", ports(p)),
        ServiceMatch::Udp(p) => format!("udp/{}", ports(p)),
        ServiceMatch::Icmp(t) => format!("icmp/{}", icmp_name(false, t)),
        ServiceMatch::Icmpv6(t) => format!("icmpv6/{}", icmp_name(true, t)),
    }
}

pub(crate) fn icmp_name(v6: bool, t: u8) -> String {
    let family = if v6 { IcmpFamily::V6 } else { IcmpFamily::V4 };
    sanso_policy::icmp_type_name(family, t).map_or_else(|| t.to_string(), str::to_owned)
}

fn limit(limit: Option<RateLimit>) -> String {
    limit.map_or_else(
        || "none".to_owned(),
        |l| format!("{}/{}", l.count, l.unit.as_str()),
    )
}

fn until(flow: &Flow) -> String {
    match (&flow.until_text, flow.until) {
        (Some(text), _) => text.clone(),
        (None, Some(secs)) => format!("{secs} (epoch seconds)"),
        (None, None) => "none".to_owned(),
    }
}

fn exception(exception: Option<&Exception>) -> String {
    exception.map_or_else(
        || "none".to_owned(),
        |e| format!("approved by {}, ticket {}", e.approved_by, e.ticket),
    )
}
