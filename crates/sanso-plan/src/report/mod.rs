//! The content of the auditor's report (`sanso report`) as plain data:
//! built once from the policy and what the caller read (the audit log, the
//! live gateway, the state directory), then rendered as Markdown
//! ([`markdown::render`]), as an HTML page ([`html::render`]), or serialised
//! as JSON (`docs/json.md`, "report").
//!
//! Pure: the caller passes the time (`now`) and everything read from files
//! or the kernel, as values.
//!
//! Every judgement is read from the policy model: the tier matrix from
//! [`sanso_policy::forbidden_outright`] and [`sanso_policy::guardrail_between`],
//! each flow's crossings from [`Flow::crossings`]; nothing here re-derives a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::FlowChange;

use sanso_policy::{
    forbidden_outright, guardrail_between, Control, Endpoint, Flow, Policy, ServiceMatch, Standing,
};

use sanso_i18n::{t_in, Lang};

pub mod html;
pub mod markdown;
pub mod words;

use words::{crossing_between, crossing_text_in, guardrail_title, standing_key};

/// The most exposure paths listed; more are counted, not listed.
pub const MAX_EXPOSURE_PATHS: usize = 500;
/// The most flows in one exposure path.
pub const MAX_EXPOSURE_HOPS: usize = 3;

#[derive(Clone, Debug, Serialize)]
pub struct Document {
    /// The language of every label (`ja` or `en`); policy strings stay as written.
    pub lang: &'static str,
    pub cover: Cover,
    pub diagram: Diagram,
    pub tier_matrix: TierMatrix,
    pub zone_matrix: ZoneMatrix,
    pub zones: Vec<ZoneRow>,
    pub hosts: Vec<HostRow>,
    pub flows: Vec<FlowRow>,
    pub guardrails: Vec<GuardrailRow>,
    pub exceptions: Vec<ExceptionRow>,
    /// Exceptions written on flows that cross no guardrail they could
    /// waive: not counted as exceptions.
    pub idle_exceptions: Vec<IdleException>,
    pub entrustment: Vec<WindowRow>,
    pub exposure: Exposure,
    /// Where the isolations were read.
    pub isolations_source: IsolationsSource,
    pub isolations: Vec<IsolationRow>,
    pub live: Option<Live>,
    pub audit: Option<Audit>,
    pub sign_off: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Cover {
    pub title: String,
    pub policy_file: String,
    pub name: String,
    pub revision: Option<String>,
    pub content_hash: String,
    /// RFC 3339 in Japan Standard Time (`+09:00`).
    pub generated_at: String,
    /// With `--live`: the gateway read (host name, and the namespace if any).
    pub gateway: Option<String>,
    pub counts: Counts,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Counts {
    pub zones: usize,
    pub hosts: usize,
    pub flows: usize,
    pub exceptions: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagram {
    /// Top to bottom: the Internet, the internet tier, the lgwan tier, the
    /// LGWAN backbone, the mynumber tier, closed lines (those with zones).
    pub bands: Vec<Band>,
    pub arrows: Vec<Arrow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Band {
    pub standing: &'static str,
    pub label: String,
    /// Zones grouped by organisation (in order of first appearance); the
    /// group without one last, with `organisation: null`.
    pub groups: Vec<OrgGroup>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrgGroup {
    pub organisation: Option<String>,
    pub zones: Vec<String>,
}

/// The crossings from one zone to another (or to or from the gateway,
/// `self`), with their controls.
#[derive(Clone, Debug, Serialize)]
pub struct Arrow {
    pub from: String,
    pub to: String,
    /// `sanitizer`, `screen-transfer`, `security-cloud`, `exception`.
    pub controls: Vec<&'static str>,
    pub label: String,
    pub flows: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TierMatrix {
    pub tiers: Vec<TierHead>,
    /// `cells[from][to]`.
    pub cells: Vec<Vec<TierCell>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TierHead {
    pub standing: &'static str,
    pub label: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TierCell {
    /// `○`, `△` or `×`.
    pub mark: &'static str,
    /// `allowed`, `control` (only through a control) or `never`.
    pub judgement: &'static str,
    pub guardrail: Option<u8>,
    /// The flows of this policy between these ends.
    pub flows: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZoneMatrix {
    /// The zones in file order, then `self`.
    pub zones: Vec<String>,
    /// `cells[from][to]`: the flows that let new connections go from one to the other.
    pub cells: Vec<Vec<Vec<String>>>,
}

impl ZoneMatrix {
    /// The zones in file order then `self`, and for each (from, to) pair
    /// the flows active at `now` that let new connections go that way, in
    /// file order, once each.
    pub fn of(policy: &Policy, now: i64) -> ZoneMatrix {
        let mut zones: Vec<String> = policy.zones.iter().map(|z| z.name.clone()).collect();
        zones.push("self".to_string());
        let gateway = policy.zones.len();
        let mut cells = vec![vec![Vec::<String>::new(); zones.len()]; zones.len()];
        for flow in policy
            .flows
            .iter()
            .filter(|f| f.until.is_none_or(|u| u > now))
        {
            for from in &flow.from {
                for to in &flow.to {
                    let from = end_zone(policy, *from).unwrap_or(gateway);
                    let to = end_zone(policy, *to).unwrap_or(gateway);
                    let cell = &mut cells[from][to];
                    if !cell.contains(&flow.name) {
                        cell.push(flow.name.clone());
                    }
                }
            }
        }
        ZoneMatrix { zones, cells }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ZoneRow {
    pub name: String,
    pub tier: &'static str,
    /// What the zone counts as (`standing` of the tier matrix): its tier, or
    /// for an external zone what lies beyond it.
    pub standing: &'static str,
    pub tier_label: String,
    pub beyond: Option<&'static str>,
    pub organisation: Option<String>,
    pub interfaces: Vec<String>,
    pub networks: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HostRow {
    pub name: String,
    pub zone: String,
    pub tier_label: String,
    pub organisation: Option<String>,
    pub addresses: Vec<String>,
    pub roles: Vec<String>,
    pub serves: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlowRow {
    pub name: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub services: Vec<String>,
    pub reason: String,
    pub crossings: Vec<CrossingRow>,
    /// The controls of the crossings, each once, in the order the crossings
    /// first name them, with the guardrails each satisfies.
    pub controls: Vec<ControlGroup>,
    /// When the flow meets no guardrail: why (same tier, ...).
    pub no_crossing: Option<String>,
    /// When the flow meets no guardrail: `same-tier` (every pair lies in
    /// one tier, the LGWAN backbone counting as lgwan) or `no-guardrail`.
    pub no_crossing_kind: Option<&'static str>,
    pub until: Option<String>,
    /// `active` or `expired`, with an `until`.
    pub until_state: Option<&'static str>,
    /// With an `until`: when the flow leaves the ruleset, RFC 3339 in JST
    /// (a date alone ends at the start of the next day).
    pub ends_at: Option<String>,
    pub log: bool,
    pub limit: Option<String>,
    pub line: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct CrossingRow {
    pub guardrail: u8,
    pub from: String,
    pub to: String,
    pub between: String,
    /// `role-host`, `security-cloud` or `exception`.
    pub control: &'static str,
    /// What satisfies it, in the report's language (English: the words of `sanso explain`).
    pub text: String,
}

/// One control of a flow and the guardrails it satisfies there.
#[derive(Clone, Debug, Serialize)]
pub struct ControlGroup {
    /// `role-host`, `security-cloud` or `exception`.
    pub control: &'static str,
    /// A role host's role (`sanitizer`, `screen-transfer`, ...).
    pub role: Option<String>,
    /// The host of a role-host or security-cloud control.
    pub host: Option<String>,
    /// An exception's ticket.
    pub ticket: Option<String>,
    /// In order, once each.
    pub guardrails: Vec<u8>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GuardrailRow {
    pub guardrail: u8,
    pub title: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExceptionRow {
    pub flow: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub approved_by: String,
    pub ticket: String,
    pub approved_on: Option<String>,
    pub review_by: Option<String>,
    pub overdue: bool,
    /// The guardrails it waives.
    pub waives: Vec<u8>,
    /// The guardrails it waives with the pairs of ends each is waived
    /// between, by guardrail.
    pub waived: Vec<Waived>,
    pub reason: String,
}

/// A guardrail an exception waives, and between which ends.
#[derive(Clone, Debug, Serialize)]
pub struct Waived {
    pub guardrail: u8,
    /// In the order of the flow's crossings, once each.
    pub pairs: Vec<EndPair>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EndPair {
    pub from: String,
    pub to: String,
}

/// An exception on a flow that crosses no guardrail it could waive.
#[derive(Clone, Debug, Serialize)]
pub struct IdleException {
    pub flow: String,
    pub approved_by: String,
    pub ticket: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct WindowRow {
    pub flow: String,
    pub until: Option<String>,
    /// `active`, `expired` or `missing-until`.
    pub state: &'static str,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Exposure {
    pub paths: Vec<ExposurePath>,
    /// How many paths there are in all (more than `paths` holds when cut at the limit).
    pub total: usize,
    pub max_hops: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ExposurePath {
    /// Endpoint names, source first.
    pub nodes: Vec<String>,
    pub hops: Vec<Hop>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Hop {
    pub flow: String,
    pub from: String,
    pub to: String,
    /// The controls of the crossings of this hop, in the report's language.
    pub controls: Vec<String>,
}

/// The daemon's state directory and the file in it that says what is isolated.
#[derive(Clone, Debug, Serialize)]
pub struct IsolationsSource {
    pub dir: String,
    pub file: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct IsolationRow {
    pub target: String,
    /// What the target named: `zone`, `host`, `prefix`, or `recovered`
    /// (found isolated in the kernel with no entry on disk).
    pub kind: &'static str,
    /// The tier of a zone's or a host's zone.
    pub tier: Option<String>,
    pub addresses: Vec<String>,
    pub since: String,
    pub until: Option<String>,
    /// With an `until`: `active`, or `expired` (the daemon releases it).
    pub until_state: Option<&'static str>,
    pub by: String,
    pub ticket: Option<String>,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Live {
    pub gateway: String,
    pub live_comment: Option<String>,
    pub matches: bool,
    pub differences: Vec<String>,
    pub warnings: Vec<String>,
    /// Per flow in the ruleset: its accept counter (new connections).
    pub hits: Vec<FlowHits>,
    /// Per zone pair with a drop counter above zero.
    pub drops: Vec<PairDrops>,
    /// Why counters are missing, when they could not be read.
    pub counters_error: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlowHits {
    pub flow: String,
    pub packets: u64,
    pub bytes: u64,
    /// No hit since the last apply.
    pub unused: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct PairDrops {
    /// `<from>.<to>` as the counter names it.
    pub pair: String,
    pub packets: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    pub file: String,
    pub intact: bool,
    pub records: usize,
    pub head: Option<String>,
    pub broken: Option<String>,
    pub history: Vec<AuditRow>,
    pub diffs: Vec<RevisionDiff>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AuditRow {
    pub seq: u64,
    pub time: String,
    pub event: String,
    pub revision: Option<String>,
    pub content_hash: Option<String>,
    pub uid: Option<u64>,
    pub operator: Option<String>,
    pub ticket: Option<String>,
    pub reason: Option<String>,
}

/// The flow changes between two revisions the log names in turn.
#[derive(Clone, Debug, Serialize)]
pub struct RevisionDiff {
    pub old: String,
    pub new: String,
    /// False when either policy is not in the daemon's archive.
    pub archived: bool,
    pub flows: Vec<FlowDiff>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlowDiff {
    /// `added`, `removed` or `changed`.
    pub kind: String,
    pub name: String,
    pub summary: String,
    pub fields: Vec<String>,
}

impl FlowDiff {
    /// A flow change of a [`crate::Plan`] as the report lists it.
    pub fn of(change: &FlowChange) -> FlowDiff {
        FlowDiff {
            kind: format!("{:?}", change.kind).to_lowercase(),
            name: change.name.clone(),
            summary: change.summary.clone(),
            fields: change
                .fields()
                .iter()
                .map(|f| f.as_str().to_owned())
                .collect(),
        }
    }
}

/// The Japan Standard Time zone.
fn jst() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::offset(9))
}

/// `2026-12-01T09:00:00+09:00`.
pub fn jst_rfc3339(seconds: i64) -> String {
    match jiff::Timestamp::from_second(seconds) {
        Ok(t) => t
            .to_zoned(jst())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => seconds.to_string(),
    }
}

/// `2026-12-01`, the day in Japan.
pub fn jst_date(seconds: i64) -> String {
    match jiff::Timestamp::from_second(seconds) {
        Ok(t) => t.to_zoned(jst()).strftime("%Y-%m-%d").to_string(),
        Err(_) => seconds.to_string(),
    }
}

/// The standings in the order of the tier matrix.
pub const MATRIX_STANDINGS: [Standing; 7] = [
    Standing::Mynumber,
    Standing::Lgwan,
    Standing::InternetTier,
    Standing::LgwanBackbone,
    Standing::TheInternet,
    Standing::ClosedLine,
    Standing::Gateway,
];

/// The bands of the diagram, top to bottom.
pub const BAND_STANDINGS: [Standing; 6] = [
    Standing::TheInternet,
    Standing::InternetTier,
    Standing::Lgwan,
    Standing::LgwanBackbone,
    Standing::Mynumber,
    Standing::ClosedLine,
];

/// The state of something that ends at `until`, at `now`: `active`, or
/// `expired` once `until` has come.
pub fn until_state(until: i64, now: i64) -> &'static str {
    if until > now {
        "active"
    } else {
        "expired"
    }
}

/// A standing as a label: `LGWAN接続系`, `Lgwan tier`.
pub fn standing_label(lang: Lang, s: Standing) -> String {
    t_in!(lang, "report-standing-label", standing = standing_key(s))
}

fn zone_standing(zone: &sanso_policy::Zone) -> Standing {
    Standing::of_zone(zone.tier, zone.beyond)
}

/// The zone an end lies in (`None`: the gateway).
fn end_zone(policy: &Policy, end: Endpoint) -> Option<usize> {
    match end {
        Endpoint::Gateway => None,
        Endpoint::Zone(z) => Some(z.0),
        Endpoint::Host(h) => Some(policy.host(h).zone.0),
    }
}

/// A flow's services as written: `https`, `dns (udp/53 tcp/53)` when the
/// name is not its one match.
pub fn services(flow: &Flow) -> Vec<String> {
    flow.services
        .iter()
        .map(|s| {
            let matches: Vec<String> = s.matches.iter().map(ServiceMatch::to_string).collect();
            if matches.len() == 1 && matches[0] == s.name {
                s.name.clone()
            } else {
                format!("{} ({})", s.name, matches.join(" "))
            }
        })
        .collect()
}

/// The short word for a control, as the diagram labels its arrows.
pub fn control_word(control: &Control) -> &'static str {
    match control {
        Control::RoleHost { role, .. } if role == "screen-transfer" => "screen-transfer",
        Control::RoleHost { .. } => "sanitizer",
        Control::SecurityCloud { .. } => "security-cloud",
        Control::Exception => "exception",
    }
}

pub fn control_word_label(lang: Lang, word: &str) -> String {
    t_in!(lang, "report-control-word", control = word)
}

/// A control in a few words: `画面転送 inet-vbrowser (vbrowser)`,
/// `exception SEC-2026-041 (approved by CISO)`.
fn control_short(lang: Lang, policy: &Policy, flow: &Flow, control: &Control) -> String {
    let word = control_word_label(lang, control_word(control));
    match control {
        Control::RoleHost { host, .. } => {
            let host = policy.host(*host);
            let serves: Vec<&str> = host.serves.iter().map(|s| s.name.as_str()).collect();
            format!("{word} {} ({})", host.name, serves.join(", "))
        }
        Control::SecurityCloud { host } => format!("{word} {}", policy.host(*host).name),
        Control::Exception => match &flow.exception {
            Some(e) => t_in!(
                lang,
                "report-control-exception-short",
                ticket = &e.ticket,
                approved_by = &e.approved_by,
            ),
            None => word,
        },
    }
}

/// Inputs besides the policy.
pub struct Inputs<'a> {
    pub policy_file: &'a Path,
    /// The time the report is made at (seconds since the epoch).
    pub now: i64,
    /// Where the isolations were read.
    pub isolations_source: IsolationsSource,
    /// What is isolated now, as the daemon's state directory says.
    pub isolations: Vec<IsolationRow>,
    pub live: Option<Live>,
    pub audit: Option<Audit>,
}

/// The controls and flows of the crossings from one zone to another.
type ArrowParts = (BTreeSet<&'static str>, Vec<String>);

pub fn build(lang: Lang, policy: &Policy, inputs: Inputs<'_>) -> Document {
    let now = inputs.now;
    let active = |f: &&Flow| f.until.is_none_or(|u| u > now);
    let exceptions_count = policy
        .flows
        .iter()
        .filter(|f| f.has_waiving_exception())
        .count();
    let cover = Cover {
        title: t_in!(lang, "report-title"),
        policy_file: inputs.policy_file.display().to_string(),
        name: policy.name.clone(),
        revision: policy.revision.clone(),
        content_hash: policy.content_hash.clone(),
        generated_at: jst_rfc3339(now),
        gateway: inputs.live.as_ref().map(|l| l.gateway.clone()),
        counts: Counts {
            zones: policy.zones.len(),
            hosts: policy.hosts.len(),
            flows: policy.flows.len(),
            exceptions: exceptions_count,
        },
    };

    // Diagram.
    let mut bands = Vec::new();
    for standing in BAND_STANDINGS {
        let mut groups: Vec<OrgGroup> = Vec::new();
        let mut loose: Vec<String> = Vec::new();
        for zone in policy.zones.iter().filter(|z| zone_standing(z) == standing) {
            match &zone.organisation {
                Some(org) => match groups
                    .iter_mut()
                    .find(|g| g.organisation.as_deref() == Some(org))
                {
                    Some(g) => g.zones.push(zone.name.clone()),
                    None => groups.push(OrgGroup {
                        organisation: Some(org.clone()),
                        zones: vec![zone.name.clone()],
                    }),
                },
                None => loose.push(zone.name.clone()),
            }
        }
        if !loose.is_empty() {
            groups.push(OrgGroup {
                organisation: None,
                zones: loose,
            });
        }
        if !groups.is_empty() {
            bands.push(Band {
                standing: standing_key(standing),
                label: standing_label(lang, standing),
                groups,
            });
        }
    }
    // By zone index, the gateway (`self`) last.
    let mut arrows: BTreeMap<(usize, usize), ArrowParts> = BTreeMap::new();
    let box_of = |end: Endpoint| end_zone(policy, end).unwrap_or(usize::MAX);
    let box_name = |i: usize| {
        policy
            .zones
            .get(i)
            .map_or("self", |z| z.name.as_str())
            .to_owned()
    };
    for flow in policy.flows.iter().filter(active) {
        for crossing in &flow.crossings {
            let (a, b) = (box_of(crossing.from), box_of(crossing.to));
            let entry = arrows.entry((a, b)).or_default();
            entry.0.insert(control_word(&crossing.control));
            if !entry.1.contains(&flow.name) {
                entry.1.push(flow.name.clone());
            }
        }
    }
    let arrows = arrows
        .into_iter()
        .map(|((a, b), (controls, flows))| {
            let controls: Vec<&'static str> = controls.into_iter().collect();
            let label = controls
                .iter()
                .map(|c| control_word_label(lang, c))
                .collect::<Vec<_>>()
                .join(", ");
            Arrow {
                from: box_name(a),
                to: box_name(b),
                controls,
                label,
                flows,
            }
        })
        .collect();

    // Tier matrix.
    let tiers = MATRIX_STANDINGS
        .iter()
        .map(|s| TierHead {
            standing: standing_key(*s),
            label: standing_label(lang, *s),
        })
        .collect();
    let cells = MATRIX_STANDINGS
        .iter()
        .map(|from| {
            MATRIX_STANDINGS
                .iter()
                .map(|to| {
                    let flows: Vec<String> = policy
                        .flows
                        .iter()
                        .filter(active)
                        .filter(|f| {
                            f.from.iter().any(|a| {
                                policy.standing(*a) == *from
                                    && f.to.iter().any(|b| policy.standing(*b) == *to)
                            })
                        })
                        .map(|f| f.name.clone())
                        .collect();
                    let (mark, judgement, guardrail) = match forbidden_outright(*from, *to) {
                        Some(g) => ("×", "never", Some(g.0)),
                        None => match guardrail_between(*from, *to) {
                            Some(g) => ("△", "control", Some(g.0)),
                            None => ("○", "allowed", None),
                        },
                    };
                    TierCell {
                        mark,
                        judgement,
                        guardrail,
                        flows,
                    }
                })
                .collect()
        })
        .collect();
    let tier_matrix = TierMatrix { tiers, cells };

    let zone_matrix = ZoneMatrix::of(policy, now);

    let zones = policy
        .zones
        .iter()
        .map(|z| ZoneRow {
            name: z.name.clone(),
            tier: z.tier.as_str(),
            standing: standing_key(zone_standing(z)),
            tier_label: standing_label(lang, zone_standing(z)),
            beyond: z.beyond.map(|b| b.as_str()),
            organisation: z.organisation.clone(),
            interfaces: z.interfaces.clone(),
            networks: z.networks.iter().map(ToString::to_string).collect(),
        })
        .collect();
    let hosts = policy
        .hosts
        .iter()
        .map(|h| {
            let zone = policy.zone(h.zone);
            HostRow {
                name: h.name.clone(),
                zone: zone.name.clone(),
                tier_label: standing_label(lang, zone_standing(zone)),
                organisation: zone.organisation.clone(),
                addresses: h.addresses.iter().map(ToString::to_string).collect(),
                roles: h.roles.clone(),
                serves: h.serves.iter().map(|s| s.name.clone()).collect(),
            }
        })
        .collect();

    let names_of = |ends: &[Endpoint]| -> Vec<String> {
        ends.iter()
            .map(|e| policy.endpoint_name(*e).to_string())
            .collect()
    };
    let flows = policy
        .flows
        .iter()
        .map(|flow| {
            let crossings: Vec<CrossingRow> = flow
                .crossings
                .iter()
                .map(|c| CrossingRow {
                    guardrail: c.guardrail.0,
                    from: policy.endpoint_name(c.from).to_string(),
                    to: policy.endpoint_name(c.to).to_string(),
                    between: crossing_between(policy, c),
                    control: words::control_kind(&c.control),
                    text: crossing_text_in(lang, policy, flow, c),
                })
                .collect();
            let same_tier = crossings.is_empty().then(|| {
                let tier = |e: &Endpoint| match policy.standing(*e) {
                    Standing::LgwanBackbone => Standing::Lgwan,
                    other => other,
                };
                flow.from
                    .iter()
                    .all(|f| flow.to.iter().all(|t| tier(f) == tier(t)))
            });
            let no_crossing = same_tier.map(|same| {
                if same {
                    t_in!(lang, "report-same-tier")
                } else {
                    let (f, t) = (policy.standing(flow.from[0]), policy.standing(flow.to[0]));
                    words::no_crossing_text_in(lang, f, t)
                }
            });
            FlowRow {
                name: flow.name.clone(),
                from: names_of(&flow.from),
                to: names_of(&flow.to),
                services: services(flow),
                reason: flow.reason.clone(),
                crossings,
                controls: control_groups(policy, flow),
                no_crossing,
                no_crossing_kind: same_tier
                    .map(|same| if same { "same-tier" } else { "no-guardrail" }),
                until: flow.until_text.clone(),
                until_state: flow.until.map(|u| until_state(u, now)),
                ends_at: flow.until.map(jst_rfc3339),
                log: flow.log,
                limit: flow
                    .limit
                    .map(|l| format!("{}/{}", l.count, l.unit.as_str())),
                line: flow.location.line,
            }
        })
        .collect();

    let mut met: Vec<u8> = policy
        .flows
        .iter()
        .flat_map(|f| f.crossings.iter().map(|c| c.guardrail.0))
        .chain(
            MATRIX_STANDINGS
                .iter()
                .flat_map(|a| MATRIX_STANDINGS.iter().map(move |b| (*a, *b)))
                .filter_map(|(a, b)| guardrail_between(a, b).map(|g| g.0)),
        )
        .collect();
    met.sort_unstable();
    met.dedup();
    let guardrails = met
        .into_iter()
        .map(|g| GuardrailRow {
            guardrail: g,
            title: guardrail_title(lang, g),
        })
        .collect();

    let today = jst_date(now);
    let exceptions = policy
        .flows
        .iter()
        .filter(|f| f.has_waiving_exception())
        .filter_map(|f| {
            let e = f.exception.as_ref()?;
            let mut waives: Vec<u8> = f
                .crossings
                .iter()
                .filter(|c| c.control == Control::Exception)
                .map(|c| c.guardrail.0)
                .collect();
            waives.sort_unstable();
            waives.dedup();
            Some(ExceptionRow {
                flow: f.name.clone(),
                from: names_of(&f.from),
                to: names_of(&f.to),
                approved_by: e.approved_by.clone(),
                ticket: e.ticket.clone(),
                approved_on: e.approved_on.clone(),
                review_by: e.review_by.clone(),
                overdue: e.review_by.as_deref().is_some_and(|d| d < today.as_str()),
                waives,
                waived: waived(policy, f),
                reason: f.reason.clone(),
            })
        })
        .collect();
    let idle_exceptions = policy
        .flows
        .iter()
        .filter(|f| !f.has_waiving_exception())
        .filter_map(|f| {
            let e = f.exception.as_ref()?;
            Some(IdleException {
                flow: f.name.clone(),
                approved_by: e.approved_by.clone(),
                ticket: e.ticket.clone(),
            })
        })
        .collect();

    let entrustment = policy
        .flows
        .iter()
        .filter(|f| f.until.is_some() || is_entrusted(policy, f))
        .map(|f| WindowRow {
            flow: f.name.clone(),
            until: f.until_text.clone(),
            state: match f.until {
                Some(u) if u > now => "active",
                Some(_) => "expired",
                None => "missing-until",
            },
            reason: f.reason.clone(),
        })
        .collect();

    let exposure = exposure(lang, policy, now);

    Document {
        lang: lang.code(),
        cover,
        diagram: Diagram { bands, arrows },
        tier_matrix,
        zone_matrix,
        zones,
        hosts,
        flows,
        guardrails,
        exceptions,
        idle_exceptions,
        entrustment,
        exposure,
        isolations_source: inputs.isolations_source,
        isolations: inputs.isolations,
        live: inputs.live,
        audit: inputs.audit,
        sign_off: vec![
            t_in!(lang, "report-reviewed-by"),
            t_in!(lang, "report-date"),
            t_in!(lang, "report-findings"),
        ],
    }
}

/// A flow's controls, each once in the order its crossings first name it,
/// with the guardrails each satisfies.
fn control_groups(policy: &Policy, flow: &Flow) -> Vec<ControlGroup> {
    let mut groups: Vec<(&Control, Vec<u8>)> = Vec::new();
    for crossing in &flow.crossings {
        match groups.iter_mut().find(|(c, _)| **c == crossing.control) {
            Some((_, guardrails)) => guardrails.push(crossing.guardrail.0),
            None => groups.push((&crossing.control, vec![crossing.guardrail.0])),
        }
    }
    groups
        .into_iter()
        .map(|(control, mut guardrails)| {
            guardrails.sort_unstable();
            guardrails.dedup();
            let (role, host, ticket) = match control {
                Control::RoleHost { host, role } => (
                    Some(role.clone()),
                    Some(policy.host(*host).name.clone()),
                    None,
                ),
                Control::SecurityCloud { host } => {
                    (None, Some(policy.host(*host).name.clone()), None)
                }
                Control::Exception => (
                    None,
                    None,
                    flow.exception.as_ref().map(|e| e.ticket.clone()),
                ),
            };
            ControlGroup {
                control: words::control_kind(control),
                role,
                host,
                ticket,
                guardrails,
            }
        })
        .collect()
}

/// The guardrails a flow's exception waives, each with the pairs of ends
/// it is waived between.
fn waived(policy: &Policy, flow: &Flow) -> Vec<Waived> {
    let mut by_guardrail: BTreeMap<u8, Vec<EndPair>> = BTreeMap::new();
    for crossing in flow
        .crossings
        .iter()
        .filter(|c| c.control == Control::Exception)
    {
        let pair = EndPair {
            from: policy.endpoint_name(crossing.from).to_string(),
            to: policy.endpoint_name(crossing.to).to_string(),
        };
        let pairs = by_guardrail.entry(crossing.guardrail.0).or_default();
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    by_guardrail
        .into_iter()
        .map(|(guardrail, pairs)| Waived { guardrail, pairs })
        .collect()
}

/// A flow of an outside contractor (委託): its reason says 委託, or an end
/// is a host with role `contractor` or `vendor`.
fn is_entrusted(policy: &Policy, flow: &Flow) -> bool {
    flow.reason.contains("委託")
        || flow.from.iter().chain(&flow.to).any(|e| match e {
            Endpoint::Host(h) => policy
                .host(*h)
                .roles
                .iter()
                .any(|r| r == "contractor" || r == "vendor"),
            _ => false,
        })
}

/// Where one flow's destination and the next flow's source meet: the same
/// end, or a host and the zone it lies in (the host then). The gateway
/// relays nothing.
fn meet(policy: &Policy, to: Endpoint, from: Endpoint) -> Option<Endpoint> {
    match (to, from) {
        (Endpoint::Gateway, _) | (_, Endpoint::Gateway) => None,
        (a, b) if a == b => Some(a),
        (Endpoint::Host(h), Endpoint::Zone(z)) | (Endpoint::Zone(z), Endpoint::Host(h))
            if policy.host(h).zone == z =>
        {
            Some(Endpoint::Host(h))
        }
        _ => None,
    }
}

/// Every chain of at most [`MAX_EXPOSURE_HOPS`] active flows from an end in
/// the Internet or the internet tier to an end in the mynumber or lgwan
/// tier, each intermediate end accepting one flow and opening the next; no
/// end twice. Bounded: at most [`MAX_EXPOSURE_PATHS`] are kept.
fn exposure(lang: Lang, policy: &Policy, now: i64) -> Exposure {
    let flows: Vec<&Flow> = policy
        .flows
        .iter()
        .filter(|f| f.until.is_none_or(|u| u > now))
        .collect();
    let outside = |e: Endpoint| {
        matches!(
            policy.standing(e),
            Standing::TheInternet | Standing::InternetTier
        )
    };
    let inside = |e: Endpoint| matches!(policy.standing(e), Standing::Mynumber | Standing::Lgwan);
    let mut paths: Vec<ExposurePath> = Vec::new();
    let mut total = 0usize;
    // A partial chain: the ends so far and the (flow, from, to) hops.
    type Chain<'f> = (Vec<Endpoint>, Vec<(&'f Flow, Endpoint, Endpoint)>);
    let mut stack: Vec<Chain<'_>> = Vec::new();
    for flow in &flows {
        for from in flow.from.iter().copied().filter(|e| outside(*e)) {
            for to in flow.to.iter().copied() {
                if to != from && to != Endpoint::Gateway {
                    stack.push((vec![from, to], vec![(flow, from, to)]));
                }
            }
        }
    }
    // Depth-first in file order: reverse so that the first flows come out first.
    stack.reverse();
    while let Some((nodes, hops)) = stack.pop() {
        let last = *nodes.last().expect("a chain has at least two ends");
        if inside(last) {
            total += 1;
            if paths.len() < MAX_EXPOSURE_PATHS {
                paths.push(ExposurePath {
                    nodes: nodes
                        .iter()
                        .map(|e| policy.endpoint_name(*e).to_string())
                        .collect(),
                    hops: hops
                        .iter()
                        .map(|(f, a, b)| Hop {
                            flow: f.name.clone(),
                            from: policy.endpoint_name(*a).to_string(),
                            to: policy.endpoint_name(*b).to_string(),
                            controls: f
                                .crossings_of(*a, *b)
                                .map(|c| control_short(lang, policy, f, &c.control))
                                .collect(),
                        })
                        .collect(),
                });
            }
            continue;
        }
        if hops.len() >= MAX_EXPOSURE_HOPS {
            continue;
        }
        let mut next: Vec<Chain<'_>> = Vec::new();
        for flow in &flows {
            for from in &flow.from {
                let Some(via) = meet(policy, last, *from) else {
                    continue;
                };
                for to in flow.to.iter().copied() {
                    if to == Endpoint::Gateway || nodes.contains(&to) || to == via {
                        continue;
                    }
                    let mut n = nodes.clone();
                    *n.last_mut().expect("non-empty") = via;
                    n.push(to);
                    let mut h = hops.clone();
                    h.push((flow, via, to));
                    next.push((n, h));
                }
            }
        }
        next.reverse();
        stack.extend(next);
    }
    Exposure {
        paths,
        total,
        max_hops: MAX_EXPOSURE_HOPS,
    }
}

#[cfg(test)]
mod tests;
