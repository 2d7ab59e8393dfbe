//! The six built-in guardrails of the three-tier model (第5-3 of the city's
//! basic policy), checked per (source endpoint, destination endpoint) pair of
//! each flow. Guardrails 5 and 6 that need no pair (missing services, empty
//! reason) are reported by the loader; this module owns the rest and the
//! rationales shown as notes.

use std::ops::Range;

use crate::diag::{codes, Diagnostics, Draft, Subject};
use crate::load::{RawEndpoint, RawFlow, RawHost, RawZone};
use crate::model::{Endpoint, Tier};

pub(crate) const RATIONALE_1: &str = "第5-3: 個人番号利用事務系 in principle does not communicate with other zones; a needed link is an approved exception between named hosts";
pub(crate) const RATIONALE_2: &str = "第5-3: 個人番号利用事務系 never communicates with インターネット接続系; no exception can allow it";
pub(crate) const RATIONALE_3: &str =
    "第5-3: LGWAN接続系 and インターネット接続系 in principle do not communicate; where they must, only through sanitizing (無害化) or screen-transfer (画面転送) hosts";
pub(crate) const RATIONALE_4: &str = "第5-3: Internet traffic is aggregated through the prefecture's 自治体情報セキュリティクラウド (hosts with role security-cloud)";
pub(crate) const RATIONALE_5: &str = "deny by default: a flow allows only the services it names, never every port across zones (第3: unauthorized access)";
pub(crate) const RATIONALE_6: &str =
    "第6 監査及び自己点検: every allowed flow carries its reason for the auditor";

/// Roles that let an lgwan <-> internet flow through (guardrail 3).
pub const SANITIZING_ROLES: &[&str] = &["sanitizer", "screen-transfer"];
/// The role an internet -> external destination must have (guardrail 4).
pub const SECURITY_CLOUD_ROLE: &str = "security-cloud";

/// What the guardrails need to know about one resolved endpoint.
struct End<'a> {
    raw: &'a RawEndpoint,
    /// `None` for the gateway (no tier) or a zone whose tier is invalid.
    tier: Option<Tier>,
    /// The zone index (`None` for the gateway).
    zone: Option<usize>,
    host: Option<&'a RawHost>,
    gateway: bool,
}

impl End<'_> {
    fn has_role(&self, roles: &[&str]) -> bool {
        self.host
            .is_some_and(|h| h.roles.iter().any(|r| roles.contains(&r.as_str())))
    }

    fn describe(&self, zones: &[RawZone]) -> String {
        let tier = self.tier.map_or("?", Tier::as_str);
        match (self.host, self.zone) {
            _ if self.gateway => "self (the gateway)".to_owned(),
            (Some(h), Some(z)) => format!("host {:?} ({tier}, zone {:?})", h.name, zones[z].name),
            _ => format!("zone {:?} ({tier})", self.raw.name),
        }
    }
}

fn resolve<'a>(raw: &'a RawEndpoint, zones: &[RawZone], hosts: &'a [RawHost]) -> Option<End<'a>> {
    match raw.resolved? {
        Endpoint::Gateway => Some(End {
            raw,
            tier: None,
            zone: None,
            host: None,
            gateway: true,
        }),
        Endpoint::Zone(z) => Some(End {
            raw,
            tier: zones.get(z.0)?.tier,
            zone: Some(z.0),
            host: None,
            gateway: false,
        }),
        Endpoint::Host(h) => {
            let host = hosts.get(h.0)?;
            let zone = host.zone?;
            Some(End {
                raw,
                tier: zones.get(zone)?.tier,
                zone: Some(zone),
                host: Some(host),
                gateway: false,
            })
        }
    }
}

fn is_pair(a: Tier, b: Tier, x: Tier, y: Tier) -> bool {
    (a == x && b == y) || (a == y && b == x)
}

/// Checks guardrails 1-5 on every (from, to) pair of a flow; warns when an
/// exception waives nothing.
pub(crate) fn check_flow(
    diags: &mut Diagnostics,
    flow: &RawFlow,
    zones: &[RawZone],
    hosts: &[RawHost],
) {
    let subject = Some(Subject::Flow(flow.name.clone()));
    let from: Vec<End<'_>> = flow
        .from
        .iter()
        .filter_map(|e| resolve(e, zones, hosts))
        .collect();
    let to: Vec<End<'_>> = flow
        .to
        .iter()
        .filter_map(|e| resolve(e, zones, hosts))
        .collect();
    // A malformed exception (reported by the loader) still counts here, so
    // that one mistake does not also show up as guardrail violations.
    let excepted = flow.exception_span.is_some();
    let mut waived_something = false;
    let mut crosses_zones: Option<(String, String)> = None;

    for f in &from {
        for t in &to {
            let pair_text = || format!("{} -> {}", f.describe(zones), t.describe(zones));
            let pair_error = |code: &'static str, message: String, rationale: &str| {
                Draft::error(code, flow.span.clone(), message)
                    .subject(subject.clone())
                    .label(f.raw.span.clone(), "source")
                    .label(t.raw.span.clone(), "destination")
                    .note(rationale)
            };
            if crosses_zones.is_none() && (f.gateway || t.gateway || f.zone != t.zone) {
                crosses_zones = Some((f.describe(zones), t.describe(zones)));
            }
            let (Some(a), Some(b)) = (f.tier, t.tier) else {
                continue;
            };
            if is_pair(a, b, Tier::Mynumber, Tier::Internet) {
                diags.push(pair_error(
                    codes::G2,
                    format!(
                        "{}: mynumber <-> internet is refused, exception or not",
                        pair_text()
                    ),
                    RATIONALE_2,
                ));
                continue;
            }
            if (a == Tier::Mynumber) != (b == Tier::Mynumber) {
                waived_something = true;
                if !excepted {
                    diags.push(
                        pair_error(
                            codes::G1,
                            format!("{}: a flow between mynumber and {} needs an `exception`", pair_text(), if a == Tier::Mynumber { b } else { a }),
                            RATIONALE_1,
                        )
                        .note("add exception = { approved_by = \"...\", ticket = \"...\" } and name hosts at both ends"),
                    );
                } else if f.host.is_none() || t.host.is_none() {
                    let zone_end = if f.host.is_none() { f } else { t };
                    diags.push(pair_error(
                        codes::G1,
                        format!(
                            "{}: a mynumber exception must name hosts at both ends, but {} is a whole zone",
                            pair_text(),
                            zone_end.raw.name
                        ),
                        RATIONALE_1,
                    ));
                }
            }
            if is_pair(a, b, Tier::Lgwan, Tier::Internet)
                && !f.has_role(SANITIZING_ROLES)
                && !t.has_role(SANITIZING_ROLES)
            {
                waived_something = true;
                if !excepted {
                    diags.push(pair_error(
                        codes::G3,
                        format!("{}: lgwan <-> internet needs one end to be a host with role sanitizer or screen-transfer (or an `exception`)", pair_text()),
                        RATIONALE_3,
                    ));
                }
            }
            if a == Tier::Internet && b == Tier::External && !t.has_role(&[SECURITY_CLOUD_ROLE]) {
                waived_something = true;
                if !excepted {
                    diags.push(pair_error(
                        codes::G4,
                        format!("{}: internet -> external needs the destination to be a host with role security-cloud (or an `exception`)", pair_text()),
                        RATIONALE_4,
                    ));
                }
            }
        }
    }

    if let Some((a, b)) = &crosses_zones {
        for (service, span) in &flow.services {
            for m in service.matches.iter().filter(|m| m.covers_all_ports()) {
                diags.push(
                    Draft::error(
                        codes::G5,
                        span.clone(),
                        format!("service `{}` ({m}) allows every port, but the flow crosses zones ({a} -> {b})", service.name),
                    )
                    .subject(subject.clone())
                    .note(RATIONALE_5),
                );
            }
        }
    }

    if excepted
        && !waived_something
        && !from.is_empty()
        && !to.is_empty()
        && from.len() == flow.from.len()
        && to.len() == flow.to.len()
    {
        let span: Range<usize> = flow.exception_span.clone().unwrap_or(flow.span.clone());
        diags.push(
            Draft::warning(codes::UNNEEDED_EXCEPTION, span, "has an `exception` but crosses no guardrail that an exception waives")
                .subject(subject)
                .note("exceptions waive guardrails 1, 3 and 4 only; remove it so reports list real exceptions"),
        );
    }
}
