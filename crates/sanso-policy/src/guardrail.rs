//! The guardrails of the three-tier model (第5-3 of the city's basic policy),
//! as the contract numbers them (`policy-format.md`, "Guardrails").
//!
//! Each (source, destination) pair of a flow is judged by what each end
//! truly is ([`Standing`]: a tier, or for an external zone what lies
//! `beyond` it, or the gateway), by the role a host plays, in which direction
//! and for which services (`serves`). A pair either crosses no rule, or meets
//! one rule that something satisfies (a role host, security-cloud hosts, the
//! flow's exception: recorded as a [`Crossing`]), or breaks it (an error that
//! names the flow, both ends, the rule, the seed clause and the fix).
//!
//! Guardrails 8 (explicit services) and 9 (a reason) are partly checked by the
//! loader where it reads those keys; the port-range part of 8 is here.

use std::ops::Range;

use ipnet::IpNet;

use sanso_i18n::t;

use crate::diag::{codes, Diagnostics, Draft, Subject};
use crate::load::{RawEndpoint, RawFlow, RawHost, RawZone};
use crate::model::{
    tier_text, Control, Crossing, Endpoint, Guardrail, HostId, PortRange, ServiceMatch, Standing,
};

/// Why a guardrail exists: the seed policy's clause, as a note. Its text
/// comes from the catalogue in the process language when it becomes the
/// note (`String::from`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rationale {
    MynumberLink,
    MynumberInternet,
    LgwanInternetTier,
    LgwanTheInternet,
    SecurityCloud,
    Transit,
    Gateway,
    Services,
    Reason,
}

pub(crate) const RATIONALE_1: Rationale = Rationale::MynumberLink;
pub(crate) const RATIONALE_2: Rationale = Rationale::MynumberInternet;
pub(crate) const RATIONALE_3: Rationale = Rationale::LgwanInternetTier;
pub(crate) const RATIONALE_4: Rationale = Rationale::LgwanTheInternet;
pub(crate) const RATIONALE_5: Rationale = Rationale::SecurityCloud;
pub(crate) const RATIONALE_6: Rationale = Rationale::Transit;
pub(crate) const RATIONALE_7: Rationale = Rationale::Gateway;
pub(crate) const RATIONALE_8: Rationale = Rationale::Services;
pub(crate) const RATIONALE_9: Rationale = Rationale::Reason;

impl From<Rationale> for String {
    fn from(r: Rationale) -> String {
        match r {
            Rationale::MynumberLink => t!("guardrail-rationale-mynumber-link"),
            Rationale::MynumberInternet => t!("guardrail-rationale-mynumber-internet"),
            Rationale::LgwanInternetTier => t!("guardrail-rationale-lgwan-internet-tier"),
            Rationale::LgwanTheInternet => t!("guardrail-rationale-lgwan-the-internet"),
            Rationale::SecurityCloud => t!("guardrail-rationale-security-cloud"),
            Rationale::Transit => t!("guardrail-rationale-transit"),
            Rationale::Gateway => t!("guardrail-rationale-gateway"),
            Rationale::Services => t!("guardrail-rationale-services"),
            Rationale::Reason => t!("guardrail-rationale-reason"),
        }
    }
}

/// What an end counts as, in the process language: "the Internet",
/// "the lgwan tier" in English.
fn standing_text(s: Standing) -> String {
    let key = match s {
        Standing::Mynumber => "mynumber",
        Standing::Lgwan => "lgwan",
        Standing::InternetTier => "internet-tier",
        Standing::LgwanBackbone => "lgwan-backbone",
        Standing::TheInternet => "the-internet",
        Standing::ClosedLine => "closed-line",
        Standing::Gateway => "gateway",
    };
    t!("guardrail-standing", standing = key)
}

/// Roles that let an lgwan <-> internet tier flow through (guardrail 3).
pub const SANITIZING_ROLES: &[&str] = &["sanitizer", "screen-transfer"];
/// The role of the Internet end of an internet tier <-> Internet flow (guardrail 5).
pub const SECURITY_CLOUD_ROLE: &str = "security-cloud";
/// A flow crossing tiers may allow at most this many consecutive ports (guardrail 8).
pub const MAX_PORT_RANGE: u32 = 1024;

/// What the guardrails know of every host: computed once per policy.
pub(crate) struct HostFacts {
    /// The host holds every address of its zone (it is the zone in disguise).
    pub whole_zone: bool,
    /// A named host: narrower than its zone, no address wider than /24 or /64.
    pub named: bool,
}

/// Everything the judge reads.
pub(crate) struct Facts<'a> {
    pub zones: &'a [RawZone],
    pub hosts: &'a [RawHost],
    pub host_facts: Vec<HostFacts>,
}

impl<'a> Facts<'a> {
    pub fn new(zones: &'a [RawZone], hosts: &'a [RawHost]) -> Self {
        let host_facts = hosts
            .iter()
            .map(|h| {
                let whole_zone = h
                    .zone
                    .and_then(|z| zones.get(z))
                    .is_none_or(|z| holds_whole_zone(&h.addresses, z, zones));
                let narrow = h.addresses.iter().all(|(a, _)| match a {
                    IpNet::V4(n) => n.prefix_len() >= 24,
                    IpNet::V6(n) => n.prefix_len() >= 64,
                });
                HostFacts {
                    whole_zone,
                    named: !whole_zone && narrow && !h.addresses.is_empty(),
                }
            })
            .collect();
        Facts {
            zones,
            hosts,
            host_facts,
        }
    }
}

/// An inclusive address interval: (IPv4?, first, last).
type Interval = (bool, u128, u128);

fn interval(net: &IpNet) -> Interval {
    match net {
        IpNet::V4(n) => (
            true,
            u32::from(n.network()).into(),
            u32::from(n.broadcast()).into(),
        ),
        IpNet::V6(n) => (false, u128::from(n.network()), u128::from(n.broadcast())),
    }
}

/// `set` minus `hole`, both sorted disjoint interval lists of one family.
fn subtract(set: Vec<Interval>, hole: Interval) -> Vec<Interval> {
    let mut out = Vec::with_capacity(set.len() + 1);
    for (v4, a, b) in set {
        if v4 != hole.0 || b < hole.1 || a > hole.2 {
            out.push((v4, a, b));
            continue;
        }
        if a < hole.1 {
            out.push((v4, a, hole.1 - 1));
        }
        if b > hole.2 {
            out.push((v4, hole.2 + 1, b));
        }
    }
    out
}

/// True when the host's addresses cover every address that classifies to its
/// zone (the zone's networks less the more specific networks of other zones).
fn holds_whole_zone(
    addresses: &[(IpNet, Range<usize>)],
    zone: &RawZone,
    zones: &[RawZone],
) -> bool {
    let mut left: Vec<Interval> = Vec::new();
    for (net, _) in &zone.networks {
        let mut part = vec![interval(net)];
        for other in zones.iter().filter(|z| !std::ptr::eq(*z, zone)) {
            for (inner, _) in &other.networks {
                if inner.prefix_len() > net.prefix_len() && net.contains(inner) {
                    part = subtract(part, interval(inner));
                }
            }
        }
        left.extend(part);
    }
    for (addr, _) in addresses {
        left = subtract(left, interval(addr));
        if left.is_empty() {
            return true;
        }
    }
    left.is_empty()
}

/// One resolved end of a flow.
struct End<'a> {
    raw: &'a RawEndpoint,
    endpoint: Endpoint,
    standing: Standing,
    host: Option<(HostId, &'a RawHost, &'a HostFacts)>,
    zone: Option<&'a RawZone>,
}

impl End<'_> {
    fn has_role(&self, role: &str) -> bool {
        self.host
            .is_some_and(|(_, h, _)| h.roles.iter().any(|r| r == role))
    }

    fn is_named(&self) -> bool {
        match self.endpoint {
            Endpoint::Gateway => true,
            _ => self.host.is_some_and(|(_, _, f)| f.named),
        }
    }

    fn is_security_cloud(&self) -> bool {
        self.has_role(SECURITY_CLOUD_ROLE) && self.host.is_some_and(|(_, _, f)| !f.whole_zone)
    }

    /// `zone "upstream" (external, beyond: the Internet)`, as the model's
    /// `Policy::describe_end` says it.
    fn describe(&self) -> String {
        let tier = |z: &RawZone| z.tier.map_or("?".to_owned(), |t| tier_text(t, z.beyond));
        match (self.endpoint, self.host, self.zone) {
            (Endpoint::Gateway, _, _) => t!("guardrail-end-gateway"),
            (_, Some((_, h, _)), Some(z)) => t!(
                "guardrail-end-host",
                host = format!("{:?}", h.name),
                zone = format!("{:?}", z.name),
                tier = tier(z),
            ),
            (_, _, Some(z)) => t!(
                "guardrail-end-zone",
                zone = format!("{:?}", z.name),
                tier = tier(z),
            ),
            _ => format!("{:?}", self.raw.name),
        }
    }
}

fn resolve<'a>(raw: &'a RawEndpoint, facts: &'a Facts<'_>) -> Option<End<'a>> {
    let endpoint = raw.resolved?;
    let (zone_index, host) = match endpoint {
        Endpoint::Gateway => {
            return Some(End {
                raw,
                endpoint,
                standing: Standing::Gateway,
                host: None,
                zone: None,
            })
        }
        Endpoint::Zone(z) => (z.0, None),
        Endpoint::Host(h) => {
            let host = facts.hosts.get(h.0)?;
            (host.zone?, Some((h, host, facts.host_facts.get(h.0)?)))
        }
    };
    let zone = facts.zones.get(zone_index)?;
    Some(End {
        raw,
        endpoint,
        standing: Standing::of_zone(zone.tier?, zone.beyond),
        host,
        zone: Some(zone),
    })
}

/// The tier an end counts as for "crosses tiers" (guardrail 8): the LGWAN
/// backbone counts as the lgwan tier.
fn tier_class(s: Standing) -> Standing {
    match s {
        Standing::LgwanBackbone => Standing::Lgwan,
        other => other,
    }
}

fn lgwan_side(s: Standing) -> bool {
    matches!(s, Standing::Lgwan | Standing::LgwanBackbone)
}

/// The rule a pair meets, before asking what satisfies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Guardrail 1: an exception and named hosts at both ends.
    MynumberLink,
    /// Guardrail 2: never.
    MynumberInternet,
    /// Guardrail 3: a role host with `serves`, or an exception.
    LgwanInternetTier,
    /// Guardrail 4 (and 6 when the lgwan end is the backbone): never.
    LgwanTheInternet,
    /// Guardrail 5: security-cloud hosts at the Internet end, or an exception.
    InternetEgress,
    /// Guardrail 6: transit between the Internet and the backbone or a closed line: never.
    Transit,
    /// Guardrail 6: any other external <-> external: an exception.
    ExternalToExternal,
    /// Guardrail 7: the Internet -> the gateway: an exception.
    InternetToGateway,
}

fn rule_of(a: Standing, b: Standing) -> Option<Rule> {
    use Standing::*;
    let pair = |x: &dyn Fn(Standing) -> bool, y: &dyn Fn(Standing) -> bool| {
        (x(a) && y(b)) || (x(b) && y(a))
    };
    if pair(&|s| s == Mynumber, &|s| {
        matches!(s, InternetTier | TheInternet)
    }) {
        return Some(Rule::MynumberInternet);
    }
    if pair(&|s| s == Mynumber, &|s| {
        matches!(s, Lgwan | LgwanBackbone | ClosedLine | Gateway)
    }) {
        return Some(Rule::MynumberLink);
    }
    if pair(&lgwan_side, &|s| s == InternetTier) {
        return Some(Rule::LgwanInternetTier);
    }
    if pair(&lgwan_side, &|s| s == TheInternet) {
        return Some(Rule::LgwanTheInternet);
    }
    if pair(&|s| s == InternetTier, &|s| s == TheInternet) {
        return Some(Rule::InternetEgress);
    }
    if pair(&|s| s == TheInternet, &|s| {
        matches!(s, LgwanBackbone | ClosedLine)
    }) {
        return Some(Rule::Transit);
    }
    if a.is_external() && b.is_external() {
        return Some(Rule::ExternalToExternal);
    }
    if a == TheInternet && b == Gateway {
        return Some(Rule::InternetToGateway);
    }
    None
}

/// The guardrail that forbids a packet from `from` to `to` outright, exception
/// or not: 個人番号利用事務系 <-> インターネット接続系 or the Internet
/// (guardrail 2), the lgwan side <-> the Internet (guardrail 4), transit
/// between the Internet and the LGWAN backbone or a closed line (guardrail 6).
/// `None` for every other pair: allowed by some flow, or dropped by default.
///
/// This is the judgement [`crate::load_policy`] refuses flows by, so a
/// monitor that calls an attempted packet a forbidden crossing agrees with
/// the policy check.
pub fn forbidden_outright(from: Standing, to: Standing) -> Option<Guardrail> {
    match rule_of(from, to)? {
        Rule::MynumberInternet => Some(Guardrail(2)),
        Rule::LgwanTheInternet => Some(Guardrail(4)),
        Rule::Transit => Some(Guardrail(6)),
        Rule::MynumberLink
        | Rule::LgwanInternetTier
        | Rule::InternetEgress
        | Rule::ExternalToExternal
        | Rule::InternetToGateway => None,
    }
}

/// The guardrail a pair of ends meets, whatever the flow brings: the one
/// [`forbidden_outright`] names, or one that some control can satisfy (1: an
/// exception between named hosts; 3: a sanitizer or screen-transfer host, or
/// an exception; 5: security-cloud hosts, or an exception; 6 and 7: an
/// exception). `None` when the pair meets none (same tier, lgwan -> the LGWAN
/// backbone, ...). Guardrail 8 (wide port ranges) depends on the flow's
/// services and is not a property of the pair. The auditor's tier matrix is
/// read from this and [`forbidden_outright`].
pub fn guardrail_between(from: Standing, to: Standing) -> Option<Guardrail> {
    Some(Guardrail(match rule_of(from, to)? {
        Rule::MynumberLink => 1,
        Rule::MynumberInternet => 2,
        Rule::LgwanInternetTier => 3,
        Rule::LgwanTheInternet => 4,
        Rule::InternetEgress => 5,
        Rule::Transit | Rule::ExternalToExternal => 6,
        Rule::InternetToGateway => 7,
    }))
}

/// Merged TCP and UDP port ranges of a flow's services, widest first.
fn widest_range(
    services: &[(crate::model::Service, Range<usize>)],
) -> Option<(&'static str, PortRange)> {
    let mut widest: Option<(&'static str, PortRange)> = None;
    for proto in ["tcp", "udp"] {
        let mut ranges: Vec<PortRange> = services
            .iter()
            .flat_map(|(s, _)| s.matches.iter())
            .filter_map(|m| match (proto, m) {
                ("tcp", ServiceMatch::Tcp(r)) | ("udp", ServiceMatch::Udp(r)) => Some(*r),
                _ => None,
            })
            .collect();
        ranges.sort();
        let mut merged: Vec<PortRange> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(last) if u32::from(r.first) <= u32::from(last.last) + 1 => {
                    last.last = last.last.max(r.last);
                }
                _ => merged.push(r),
            }
        }
        for r in merged {
            if widest.is_none_or(|(_, w)| width(r) > width(w)) {
                widest = Some((proto, r));
            }
        }
    }
    widest
}

fn width(r: PortRange) -> u32 {
    u32::from(r.last) - u32::from(r.first) + 1
}

/// The services of the flow (by name as written) that the host's `serves`
/// does not cover.
fn not_served(flow: &RawFlow, host: &RawHost) -> Vec<String> {
    let served: Vec<ServiceMatch> = host
        .serves
        .iter()
        .flat_map(|(s, _)| s.matches.iter().copied())
        .collect();
    flow.services
        .iter()
        .filter(|(s, _)| !s.matches.iter().all(|m| match_covered(*m, &served)))
        .map(|(s, _)| s.name.clone())
        .collect()
}

/// True when `m` lies inside the union of `served`.
fn match_covered(m: ServiceMatch, served: &[ServiceMatch]) -> bool {
    let (tcp, range) = match m {
        ServiceMatch::Tcp(r) => (true, r),
        ServiceMatch::Udp(r) => (false, r),
        icmp => return served.contains(&icmp),
    };
    let mut ranges: Vec<PortRange> = served
        .iter()
        .filter_map(|s| match (tcp, s) {
            (true, ServiceMatch::Tcp(r)) | (false, ServiceMatch::Udp(r)) => Some(*r),
            _ => None,
        })
        .collect();
    ranges.sort();
    let mut next = u32::from(range.first);
    for r in ranges {
        if u32::from(r.first) <= next && u32::from(r.last) >= next {
            next = u32::from(r.last) + 1;
        }
        if next > u32::from(range.last) {
            return true;
        }
    }
    next > u32::from(range.last)
}

/// Checks guardrails 1-8 on every (from, to) pair of a flow. Returns what
/// satisfies each pair that meets a rule (empty when the flow is refused).
pub(crate) fn check_flow(
    diags: &mut Diagnostics,
    flow: &RawFlow,
    facts: &Facts<'_>,
) -> Vec<Crossing> {
    let subject = Some(Subject::Flow(flow.name.clone()));
    let from: Vec<End<'_>> = flow.from.iter().filter_map(|e| resolve(e, facts)).collect();
    let to: Vec<End<'_>> = flow.to.iter().filter_map(|e| resolve(e, facts)).collect();
    // A malformed exception (reported by the loader) still counts here, so
    // that one mistake does not also show up as guardrail violations.
    let excepted = flow.exception_span.is_some();
    let errors_before = diags.error_count();
    let mut crossings: Vec<Crossing> = Vec::new();
    // The first pair of ends that crosses tiers (or zones of one tier),
    // described only when a diagnostic names it.
    let mut crosses_tiers: Option<(&End<'_>, &End<'_>)> = None;
    let mut crosses_zones_in_tier: Option<(&End<'_>, &End<'_>)> = None;

    for f in &from {
        for t in &to {
            let refuse =
                |code: &'static str, message: String, rationale: Rationale, fix: String| {
                    Draft::error(
                        code,
                        flow.span.clone(),
                        t!(
                            "guardrail-refused",
                            from = f.describe(),
                            to = t.describe(),
                            message = message,
                        ),
                    )
                    .subject(subject.clone())
                    .label(f.raw.span.clone(), t!("guardrail-label-source"))
                    .label(t.raw.span.clone(), t!("guardrail-label-destination"))
                    .note(rationale)
                    .note(t!("guardrail-fix", fix = fix))
                };
            let mut cross = |guardrail: u8, control: Control| {
                crossings.push(Crossing {
                    from: f.endpoint,
                    to: t.endpoint,
                    guardrail: Guardrail(guardrail),
                    control,
                });
            };
            let (a, b) = (f.standing, t.standing);
            if tier_class(a) != tier_class(b) {
                crosses_tiers.get_or_insert((f, t));
            } else if f.endpoint != t.endpoint
                && (f.zone.map(|z| &z.name) != t.zone.map(|z| &z.name))
            {
                crosses_zones_in_tier.get_or_insert((f, t));
            }
            let Some(rule) = rule_of(a, b) else {
                continue;
            };
            match rule {
                Rule::MynumberInternet => diags.push(refuse(
                    codes::G2,
                    t!(
                        "guardrail-g2",
                        other = standing_text(if a == Standing::Mynumber { b } else { a }),
                    ),
                    RATIONALE_2,
                    t!("guardrail-g2-fix"),
                )),
                Rule::MynumberLink => {
                    let other = if a == Standing::Mynumber { b } else { a };
                    let unnamed: Vec<&End<'_>> =
                        [f, t].into_iter().filter(|e| !e.is_named()).collect();
                    if excepted && unnamed.is_empty() {
                        cross(1, Control::Exception);
                        continue;
                    }
                    let needs = match (excepted, unnamed.is_empty()) {
                        (false, true) => "exception",
                        (true, _) => "named",
                        (false, false) => "both",
                    };
                    let mut fix = Vec::new();
                    if !excepted {
                        fix.push(t!("guardrail-fix-add-exception"));
                    }
                    for e in &unnamed {
                        fix.push(t!("guardrail-fix-named-host", end = unnamed_why(e)));
                    }
                    diags.push(refuse(
                        codes::G1,
                        t!("guardrail-g1", other = standing_text(other), needs = needs),
                        RATIONALE_1,
                        fix.join(&t!("guardrail-fix-separator")),
                    ));
                }
                Rule::LgwanInternetTier => match role_host(flow, f, t) {
                    Ok((host, role)) => cross(3, Control::RoleHost { host, role }),
                    Err(_) if excepted => cross(3, Control::Exception),
                    Err(why) => diags.push(refuse(
                        codes::G3,
                        t!(
                            "guardrail-g3",
                            from = standing_text(a),
                            to = standing_text(b)
                        ),
                        RATIONALE_3,
                        t!("guardrail-fix-or-exception", fix = why),
                    )),
                },
                Rule::LgwanTheInternet => {
                    diags.push(refuse(
                        codes::G4,
                        t!(
                            "guardrail-g4",
                            lgwan = standing_text(if lgwan_side(a) { a } else { b }),
                        ),
                        RATIONALE_4,
                        t!("guardrail-g4-fix"),
                    ));
                    if a == Standing::LgwanBackbone || b == Standing::LgwanBackbone {
                        diags.push(refuse(
                            codes::G6,
                            t!("guardrail-g6-backbone"),
                            RATIONALE_6,
                            t!("guardrail-fix-remove"),
                        ));
                    }
                }
                Rule::InternetEgress => {
                    let (cloud_end, word) = if a == Standing::TheInternet {
                        (f, "source")
                    } else {
                        (t, "destination")
                    };
                    if cloud_end.is_security_cloud() {
                        if let Some((host, _, _)) = cloud_end.host {
                            cross(5, Control::SecurityCloud { host });
                        }
                    } else if excepted {
                        cross(5, Control::Exception);
                    } else {
                        let clouds: Vec<&str> = facts
                            .hosts
                            .iter()
                            .zip(&facts.host_facts)
                            .filter(|(h, hf)| {
                                !hf.whole_zone && h.roles.iter().any(|r| r == SECURITY_CLOUD_ROLE)
                            })
                            .map(|(h, _)| h.name.as_str())
                            .take(3)
                            .collect();
                        let hint = if clouds.is_empty() {
                            t!("guardrail-g5-declare-cloud")
                        } else {
                            let hosts = clouds
                                .iter()
                                .map(|c| format!("{c:?}"))
                                .collect::<Vec<_>>()
                                .join(", ");
                            t!("guardrail-g5-name-cloud", end = word, hosts = hosts)
                        };
                        let host = format!("{:?}", cloud_end.raw.name);
                        let why = if cloud_end.has_role(SECURITY_CLOUD_ROLE) {
                            t!("guardrail-g5-whole-zone", host = host)
                        } else {
                            t!("guardrail-g5-not-cloud", host = host)
                        };
                        diags.push(refuse(
                            codes::G5,
                            t!("guardrail-g5", end = word, why = why),
                            RATIONALE_5,
                            t!("guardrail-fix-or-exception", fix = hint),
                        ));
                    }
                }
                Rule::Transit => diags.push(refuse(
                    codes::G6,
                    t!(
                        "guardrail-g6-transit",
                        from = standing_text(a),
                        to = standing_text(b)
                    ),
                    RATIONALE_6,
                    t!("guardrail-fix-remove"),
                )),
                Rule::ExternalToExternal => {
                    if excepted {
                        cross(6, Control::Exception);
                    } else {
                        diags.push(refuse(
                            codes::G6,
                            t!(
                                "guardrail-g6-external",
                                from = standing_text(a),
                                to = standing_text(b)
                            ),
                            RATIONALE_6,
                            t!("guardrail-fix-add-exception"),
                        ));
                    }
                }
                Rule::InternetToGateway => {
                    if excepted {
                        cross(7, Control::Exception);
                    } else {
                        diags.push(refuse(
                            codes::G7,
                            t!("guardrail-g7"),
                            RATIONALE_7,
                            t!("guardrail-g7-fix"),
                        ));
                    }
                }
            }
        }
    }

    // Guardrail 8: no wide port range across tiers without an exception.
    if let Some((fa, ta)) = &crosses_tiers {
        if let Some((proto, range)) =
            widest_range(&flow.services).filter(|(_, r)| width(*r) > MAX_PORT_RANGE)
        {
            if excepted {
                for f in &from {
                    for t in &to {
                        if tier_class(f.standing) != tier_class(t.standing) {
                            crossings.push(Crossing {
                                from: f.endpoint,
                                to: t.endpoint,
                                guardrail: Guardrail(8),
                                control: Control::Exception,
                            });
                        }
                    }
                }
            } else {
                let span = flow.services_span.clone().unwrap_or(flow.span.clone());
                diags.push(
                    Draft::error(
                        codes::G8,
                        span,
                        t!(
                            "guardrail-g8",
                            proto = proto,
                            range = range.to_string(),
                            count = width(range).to_string(),
                            max = MAX_PORT_RANGE.to_string(),
                            from = fa.describe(),
                            to = ta.describe(),
                        ),
                    )
                    .subject(subject.clone())
                    .note(RATIONALE_8)
                    .note(t!("guardrail-fix", fix = t!("guardrail-g8-fix"))),
                );
            }
        }
    } else if let Some((fa, ta)) = &crosses_zones_in_tier {
        for (service, span) in &flow.services {
            for m in service.matches.iter().filter(|m| m.covers_all_ports()) {
                diags.push(
                    Draft::warning(
                        codes::ALL_PORTS,
                        span.clone(),
                        t!(
                            "guardrail-all-ports",
                            service = &service.name,
                            ports = m.to_string(),
                            from = fa.describe(),
                            to = ta.describe(),
                        ),
                    )
                    .subject(subject.clone())
                    .note(RATIONALE_8),
                );
            }
        }
    }

    let refused = diags.error_count() > errors_before;
    if excepted
        && !refused
        && !crossings.iter().any(|c| c.control == Control::Exception)
        && !from.is_empty()
        && !to.is_empty()
        && from.len() == flow.from.len()
        && to.len() == flow.to.len()
    {
        let span: Range<usize> = flow.exception_span.clone().unwrap_or(flow.span.clone());
        diags.push(
            Draft::warning(
                codes::UNNEEDED_EXCEPTION,
                span,
                t!("guardrail-unneeded-exception"),
            )
            .subject(subject.clone())
            .note(t!("guardrail-unneeded-exception-note")),
        );
    }

    // 委託 access without an end: the Internet (other than the security
    // cloud) or a closed line into an internal zone, without `until`.
    if flow.until.is_none() {
        let open = from.iter().find_map(|f| {
            let outside = match f.standing {
                Standing::TheInternet => !f.is_security_cloud(),
                Standing::ClosedLine => true,
                _ => false,
            };
            let inside = to.iter().find(|t| t.standing.is_internal());
            inside.filter(|_| outside).map(|t| (f, t))
        });
        if let Some((f, t)) = open {
            diags.push(
                Draft::warning(
                    codes::OPEN_ENDED_ACCESS,
                    flow.span.clone(),
                    t!(
                        "guardrail-open-ended",
                        from = f.describe(),
                        to = t.describe(),
                        outside = standing_text(f.standing),
                    ),
                )
                .subject(subject)
                .note(t!("guardrail-open-ended-note")),
            );
        }
    }

    if refused {
        Vec::new()
    } else {
        crossings
    }
}

fn unnamed_why(e: &End<'_>) -> String {
    match e.host {
        Some((_, h, f)) if f.whole_zone => {
            t!(
                "guardrail-unnamed-whole-zone",
                host = format!("{:?}", h.name)
            )
        }
        Some((_, h, _)) => t!("guardrail-unnamed-wide", host = format!("{:?}", h.name)),
        None => t!("guardrail-unnamed-zone", zone = format!("{:?}", e.raw.name)),
    }
}

/// The end that satisfies guardrail 3, or why none does (the fix).
fn role_host(flow: &RawFlow, f: &End<'_>, t: &End<'_>) -> Result<(HostId, String), String> {
    let mut why: Vec<String> = Vec::new();
    for (end, is_destination) in [(t, true), (f, false)] {
        let Some((id, host, hf)) = end.host else {
            continue;
        };
        for role in SANITIZING_ROLES {
            if !host.roles.iter().any(|r| r == role) {
                continue;
            }
            if *role == "screen-transfer" && !(is_destination && lgwan_side(f.standing)) {
                why.push(t!(
                    "guardrail-g3-screen-transfer-direction",
                    host = format!("{:?}", host.name),
                ));
                continue;
            }
            if !hf.named {
                why.push(t!(
                    "guardrail-g3-unnamed",
                    host = &host.name,
                    why = unnamed_why(end),
                ));
                continue;
            }
            if host.serves.is_empty() {
                why.push(t!(
                    "guardrail-g3-no-serves",
                    host = format!("{:?}", host.name),
                    role = *role,
                    services = quoted(&flow_service_names(flow)),
                ));
                continue;
            }
            let missing = not_served(flow, host);
            if missing.is_empty() {
                return Ok((id, (*role).to_owned()));
            }
            why.push(t!(
                "guardrail-g3-not-served",
                services = quoted(&missing),
                host = format!("{:?}", host.name),
                role = *role,
            ));
        }
    }
    if why.is_empty() {
        why.push(t!("guardrail-g3-no-role-host"));
    }
    Err(why.join(&t!("guardrail-fix-separator")))
}

fn flow_service_names(flow: &RawFlow) -> Vec<String> {
    flow.services.iter().map(|(s, _)| s.name.clone()).collect()
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(first: u16, last: u16) -> PortRange {
        PortRange { first, last }
    }

    #[test]
    fn coverage_of_port_ranges() {
        let served = [ServiceMatch::Tcp(pr(20, 30)), ServiceMatch::Tcp(pr(31, 40))];
        assert!(match_covered(ServiceMatch::Tcp(pr(25, 40)), &served));
        assert!(!match_covered(ServiceMatch::Tcp(pr(25, 41)), &served));
        assert!(!match_covered(ServiceMatch::Udp(pr(25, 25)), &served));
        assert!(match_covered(
            ServiceMatch::Icmp(8),
            &[ServiceMatch::Icmp(8)]
        ));
        assert!(!match_covered(ServiceMatch::Icmp(8), &served));
        assert!(match_covered(
            ServiceMatch::Tcp(pr(65535, 65535)),
            &[ServiceMatch::Tcp(pr(1, 65535))]
        ));
    }

    #[test]
    fn interval_subtraction() {
        let set = vec![(true, 0, 255)];
        assert_eq!(
            subtract(set.clone(), (true, 0, 127)),
            vec![(true, 128, 255)]
        );
        assert_eq!(
            subtract(set.clone(), (true, 10, 20)),
            vec![(true, 0, 9), (true, 21, 255)]
        );
        assert_eq!(subtract(set.clone(), (false, 0, 255)), set);
        assert!(subtract(set, (true, 0, 255)).is_empty());
    }

    #[test]
    fn matrix_is_symmetric_except_where_directed() {
        use Standing::*;
        let all = [
            Mynumber,
            Lgwan,
            InternetTier,
            LgwanBackbone,
            TheInternet,
            ClosedLine,
            Gateway,
        ];
        for a in all {
            for b in all {
                if (a, b) == (TheInternet, Gateway) || (a, b) == (Gateway, TheInternet) {
                    continue;
                }
                assert_eq!(rule_of(a, b), rule_of(b, a), "{a:?} {b:?}");
            }
        }
        assert_eq!(rule_of(TheInternet, Gateway), Some(Rule::InternetToGateway));
        assert_eq!(rule_of(Gateway, TheInternet), None);
        assert_eq!(rule_of(Lgwan, LgwanBackbone), None);
        assert_eq!(rule_of(Mynumber, Mynumber), None);
    }

    #[test]
    fn forbidden_outright_is_guardrails_2_4_and_6_in_both_directions() {
        use Standing::*;
        let all = [
            Mynumber,
            Lgwan,
            InternetTier,
            LgwanBackbone,
            TheInternet,
            ClosedLine,
            Gateway,
        ];
        let mut forbidden = Vec::new();
        for a in all {
            for b in all {
                if let Some(g) = forbidden_outright(a, b) {
                    assert_eq!(forbidden_outright(b, a), Some(g), "{a:?} {b:?}");
                    forbidden.push((a, b, g.0));
                }
            }
        }
        assert_eq!(
            forbidden,
            [
                (Mynumber, InternetTier, 2),
                (Mynumber, TheInternet, 2),
                (Lgwan, TheInternet, 4),
                (InternetTier, Mynumber, 2),
                (LgwanBackbone, TheInternet, 4),
                (TheInternet, Mynumber, 2),
                (TheInternet, Lgwan, 4),
                (TheInternet, LgwanBackbone, 4),
                (TheInternet, ClosedLine, 6),
                (ClosedLine, TheInternet, 6),
            ]
        );
    }
}
