//! Loading a policy: TOML text -> spanned document -> raw declarations ->
//! cross checks (names, networks, interfaces, host placement) -> guardrails
//! -> a validated [`Policy`]. Every problem found on the way is collected;
//! nothing stops at the first error.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use ipnet::IpNet;
use sanso_i18n::t;
use sha2::{Digest, Sha256};
use toml::de::{DeTable, DeValue};

use crate::diag::{codes, Diagnostics, Draft, Subject};
use crate::guardrail;
use crate::model::{
    Beyond, Crossing, Endpoint, Exception, Flow, Host, HostId, Location, Policy, RateLimit,
    Service, ServiceMatch, Tier, Zone, ZoneId,
};
use crate::service::{builtin_service, parse_service_match, ServiceSpecError, BUILTIN_SERVICES};
use crate::values::{
    check_interface_name, parse_host_address, parse_limit, parse_network, parse_until, NetworkError,
};
use crate::walk::{closest, entries, type_name, ListRead, Strings, TableReader, Value};
use crate::width::{did_you_mean, fold_width, has_full_width, listed, width_note};

/// A successful load and the warnings it produced (the CLI prints them).
#[derive(Clone, Debug)]
pub struct Loaded<T> {
    pub value: T,
    /// Only warnings; empty `items` when there were none.
    pub warnings: Diagnostics,
}

/// Parses and validates a policy file. On failure every error (and warning)
/// is in the returned [`Diagnostics`]; warnings of a successful load are dropped
/// (see [`load_policy_with_warnings`]).
pub fn load_policy(file: &str, text: &str) -> Result<Policy, Diagnostics> {
    load_policy_with_warnings(file, text).map(|loaded| loaded.value)
}

/// Like [`load_policy`], keeping the warnings of a successful load. Dates are
/// not compared with the clock (see [`load_policy_at`]).
pub fn load_policy_with_warnings(file: &str, text: &str) -> Result<Loaded<Policy>, Diagnostics> {
    load(file, text, None)
}

/// Like [`load_policy_with_warnings`], and also warns about an `until` or a
/// `review_by` already past at `now` (seconds since the Unix epoch).
pub fn load_policy_at(file: &str, text: &str, now: i64) -> Result<Loaded<Policy>, Diagnostics> {
    load(file, text, Some(now))
}

fn load(file: &str, text: &str, now: Option<i64>) -> Result<Loaded<Policy>, Diagnostics> {
    let mut loader = Loader {
        now,
        diags: Diagnostics::new(file, text),
        text,
        zones: Vec::new(),
        hosts: Vec::new(),
        names: HashMap::new(),
        services: HashMap::new(),
        flows: Vec::new(),
    };
    let policy = loader.run();
    let mut diags = loader.diags;
    diags.finish();
    match policy {
        Some(value) if !diags.has_errors() => Ok(Loaded {
            value,
            warnings: diags,
        }),
        _ => Err(diags),
    }
}

/// SHA-256 of a text, lowercase hex ([`Policy::content_hash`]).
pub fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses the TOML text, reporting every syntax error. `None` when the text
/// is not TOML or holds nothing.
pub(crate) fn parse_document<'i>(
    diags: &mut Diagnostics,
    text: &'i str,
    what: &str,
) -> Option<DeTable<'i>> {
    let (root, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim_end().to_owned();
            let note = syntax_width_note(text, &span);
            let mut d = match duplicate_declaration(text, &span, &message) {
                Some(subject) => {
                    Draft::error(codes::DUPLICATE_NAME, span, t!("policy-declared-twice"))
                        .subject(Some(subject))
                }
                None => Draft::error(
                    codes::SYNTAX,
                    span,
                    t!("policy-not-toml", message = message),
                ),
            };
            if let Some(note) = note {
                d = d.note(note);
            }
            diags.push(d);
        }
        return None;
    }
    let root = root.into_inner();
    if root.is_empty() {
        diags.push(Draft::error(
            codes::EMPTY_FILE,
            0..text.len(),
            t!("policy-empty-file", what = what),
        ));
        return None;
    }
    Some(root)
}

/// A syntax error at 全角 characters outside quotes (`name　= "x"`, `［zones.lg］`,
/// `[zones.ｌｇ]`): TOML reads them as text, not as its own 半角 symbols.
/// The note shows the line with its 全角 characters outside quotes and
/// comments folded.
fn syntax_width_note(text: &str, span: &Range<usize>) -> Option<String> {
    let start = span.start.min(text.len());
    if !text.is_char_boundary(start) {
        return None;
    }
    // The span, or the one character at it when the span is empty.
    let end = match text[start..].chars().next() {
        Some(c) if span.end <= start => start + c.len_utf8(),
        _ => span.end.min(text.len()),
    };
    let at = text.get(start..end)?;
    if !has_full_width(at) {
        return None;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let line = fold_outside_quotes(&text[line_start..line_end]);
    Some(t!(
        "policy-width-outside-quotes",
        chars = listed(at),
        line = line.trim_end_matches('\r')
    ))
}

/// A line of TOML with its 全角 look-alikes of ASCII folded, except inside
/// strings and comments (where Japanese text may use them).
fn fold_outside_quotes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None => {
                if c == '#' {
                    out.push_str(&line[i..]);
                    break;
                }
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                out.push(crate::width::half_width(c).unwrap_or(c));
            }
        }
    }
    out
}

/// A TOML "duplicate key" error on a `[zones.NAME]` or `[hosts.NAME]`
/// header is a zone or host declared twice: say so.
fn duplicate_declaration(text: &str, span: &Range<usize>, message: &str) -> Option<Subject> {
    if !message.starts_with("duplicate key") {
        return None;
    }
    let key = text.get(span.clone())?.trim_matches('"');
    let line_start = text.get(..span.start)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..span.start)?.trim_start();
    if line.starts_with("[zones.") {
        Some(Subject::Zone(key.to_owned()))
    } else if line.starts_with("[hosts.") {
        Some(Subject::Host(key.to_owned()))
    } else {
        None
    }
}

/// Reports a name that is empty, holds control characters, or is reserved
/// (then `false`: the name cannot be used), and the name of a zone, host,
/// flow, service or case that holds 全角 look-alikes of ASCII (reported,
/// but the name is still declared, so that its uses do not fail too). The
/// policy's own name is free text: Japanese in any width is welcome there,
/// as in every name that has no 全角 look-alike of ASCII (`市役所`).
pub(crate) fn check_name(
    diags: &mut Diagnostics,
    name: &str,
    span: Range<usize>,
    subject: &Subject,
    reserve_self: bool,
) -> bool {
    let problem = if name.trim().is_empty() {
        Some(t!("policy-name-empty"))
    } else if name.chars().any(char::is_control) {
        Some(t!("policy-name-control"))
    } else if reserve_self && name == "self" {
        Some(t!("policy-name-self-reserved"))
    } else {
        None
    };
    if let Some(p) = problem {
        diags.push(Draft::error(codes::BAD_NAME, span, p).subject(Some(subject.clone())));
        return false;
    }
    if *subject != Subject::Policy && has_full_width(name) {
        let mut d = Draft::error(codes::BAD_NAME, span, t!("policy-name-full-width"))
            .subject(Some(subject.clone()));
        if let Some(note) = width_note(name, |f| !f.trim().is_empty() && f != "self") {
            d = d.note(note);
        }
        diags.push(d);
    }
    true
}

#[derive(Debug)]
pub(crate) struct RawZone {
    pub name: String,
    pub span: Range<usize>,
    pub tier: Option<Tier>,
    pub beyond: Option<Beyond>,
    pub organisation: Option<String>,
    pub interfaces: Vec<(String, Range<usize>)>,
    pub networks: Vec<(IpNet, Range<usize>)>,
    /// DHCP pools (`dynamic`): addresses handed out to terminals.
    pub dynamic: Vec<(IpNet, Range<usize>)>,
    /// False when a network was missing or invalid: host placement in this
    /// zone is then not checked (it would only repeat that error).
    pub networks_complete: bool,
}

#[derive(Debug)]
pub(crate) struct RawHost {
    pub name: String,
    pub span: Range<usize>,
    pub zone: Option<usize>,
    pub addresses: Vec<(IpNet, Range<usize>)>,
    pub roles: Vec<String>,
    /// `serves` as written, resolved once the services are known.
    pub serves_raw: Strings,
    pub serves_span: Option<Range<usize>>,
    pub serves: Vec<(Service, Range<usize>)>,
}

/// A flow endpoint as written and what it resolved to.
#[derive(Debug)]
pub(crate) struct RawEndpoint {
    pub name: String,
    pub span: Range<usize>,
    pub resolved: Option<Endpoint>,
}

#[derive(Debug)]
pub(crate) struct RawFlow {
    pub name: String,
    pub span: Range<usize>,
    pub from: Vec<RawEndpoint>,
    pub to: Vec<RawEndpoint>,
    pub services: Vec<(Service, Range<usize>)>,
    pub services_span: Option<Range<usize>>,
    pub reason: String,
    pub log: bool,
    pub limit: Option<RateLimit>,
    pub until: Option<(i64, String)>,
    pub exception: Option<Exception>,
    pub exception_span: Option<Range<usize>>,
    /// What satisfies each guardrail the flow's pairs meet (from the guardrails).
    pub crossings: Vec<Crossing>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Named {
    Zone(usize),
    Host(usize),
}

#[derive(Debug)]
struct ServiceDef {
    /// `None` when the definition is invalid (already reported).
    matches: Option<Vec<ServiceMatch>>,
}

pub(crate) struct Loader<'t> {
    /// The time dates are compared with, if the caller gave one.
    now: Option<i64>,
    pub diags: Diagnostics,
    text: &'t str,
    pub zones: Vec<RawZone>,
    pub hosts: Vec<RawHost>,
    /// Zones and hosts by name. Looked up once or more per flow; never
    /// iterated in an order that shows (`closest` takes the minimum).
    names: HashMap<String, (Named, Range<usize>)>,
    /// Looked up for every service entry of every flow; never iterated in
    /// an order that shows.
    services: HashMap<String, ServiceDef>,
    pub flows: Vec<RawFlow>,
}

const ROOT_KEYS: &[&str] = &["policy", "zones", "hosts", "services", "flows"];
const POLICY_KEYS: &[&str] = &["name", "revision"];
const ZONE_KEYS: &[&str] = &[
    "tier",
    "beyond",
    "interfaces",
    "networks",
    "organisation",
    "dynamic",
];
const HOST_KEYS: &[&str] = &["zone", "addresses", "roles", "serves"];
const FLOW_KEYS: &[&str] = &[
    "name",
    "from",
    "to",
    "services",
    "reason",
    "log",
    "limit",
    "until",
    "exception",
];
const EXCEPTION_KEYS: &[&str] = &["approved_by", "ticket", "approved_on", "review_by"];
const BEYONDS: &[&str] = &["internet", "lgwan", "closed"];
const TIERS: &[&str] = &["mynumber", "lgwan", "internet", "external"];
/// Roles the guardrails know; others are free words.
pub const KNOWN_ROLES: &[&str] = &["sanitizer", "screen-transfer", "security-cloud"];

impl<'t> Loader<'t> {
    fn run(&mut self) -> Option<Policy> {
        let text = self.text;
        let root = parse_document(&mut self.diags, text, "policy")?;
        let reader = TableReader::new(
            &root,
            0..0,
            Some(Subject::Policy),
            t!("policy-the-policy-file"),
        );
        reader.deny_unknown_keys(&mut self.diags, ROOT_KEYS);

        let (name, revision) = self.read_header(&reader);
        match reader.get("zones") {
            Some(v) => self.read_zones(v),
            None => reader.missing(&mut self.diags, "zones"),
        }
        if let Some(v) = reader.get("hosts") {
            self.read_hosts(v);
        }
        if let Some(v) = reader.get("services") {
            self.read_services(v);
        }
        self.resolve_serves();
        if let Some(v) = reader.get("flows") {
            self.read_flows(v);
        }
        self.check_networks();
        self.check_interfaces();
        self.check_host_placement();
        self.check_dynamic_pools();
        let facts = guardrail::Facts::new(&self.zones, &self.hosts);
        for flow in &mut self.flows {
            flow.crossings = guardrail::check_flow(&mut self.diags, flow, &facts);
        }
        if self.diags.has_errors() {
            return None;
        }
        self.build(name?, revision)
    }

    fn read_header(&mut self, root: &TableReader<'_, '_>) -> (Option<String>, Option<String>) {
        let Some(value) = root.get("policy") else {
            root.missing(&mut self.diags, "policy");
            return (None, None);
        };
        let DeValue::Table(table) = value.get_ref() else {
            root.wrong_type(
                &mut self.diags,
                "policy",
                value,
                &t!("policy-type", kind = "table"),
            );
            return (None, None);
        };
        let r = TableReader::new(table, value.span(), Some(Subject::Policy), "[policy]");
        r.deny_unknown_keys(&mut self.diags, POLICY_KEYS);
        let name = r.req_str(&mut self.diags, "name").and_then(|(name, span)| {
            check_name(&mut self.diags, &name, span, &Subject::Policy, false).then_some(name)
        });
        let revision = r.opt_str(&mut self.diags, "revision").map(|(s, _)| s);
        (name, revision)
    }

    /// Declares a zone or host `name` (checked, unique across both kinds) and
    /// returns its table; a value that is not a table is reported and gives
    /// `None` (the caller keeps a placeholder so that indices stay aligned).
    fn declare_table<'v, 'i>(
        &mut self,
        name: &str,
        key_span: Range<usize>,
        value: &'v Value<'i>,
        named: Named,
        subject: &Subject,
    ) -> Option<&'v DeTable<'i>> {
        if check_name(&mut self.diags, name, key_span, subject, true) {
            self.declare(name, value.span(), named, subject);
        }
        let what = || match named {
            Named::Zone(_) => t!("policy-zone-not-table"),
            Named::Host(_) => t!("policy-host-not-table"),
        };
        table_or_report(&mut self.diags, value, what, subject)
    }

    fn declare(&mut self, name: &str, span: Range<usize>, named: Named, subject: &Subject) {
        if let Some((other, other_span)) = self.names.get(name) {
            let kind = match other {
                Named::Zone(_) => "zone",
                Named::Host(_) => "host",
            };
            self.diags.push(
                Draft::error(
                    codes::DUPLICATE_NAME,
                    span,
                    t!("policy-name-taken", kind = kind),
                )
                .subject(Some(subject.clone()))
                .label(
                    other_span.clone(),
                    t!(
                        "policy-declared-here",
                        kind = kind,
                        name = format!("{name:?}")
                    ),
                ),
            );
        } else {
            self.names.insert(name.to_owned(), (named, span));
        }
    }

    fn read_zones(&mut self, value: &Value<'_>) {
        let Some(table) = table_or_report(
            &mut self.diags,
            value,
            || t!("policy-zones-not-table"),
            &Subject::Policy,
        ) else {
            return;
        };
        if table.is_empty() {
            self.diags.push(
                Draft::error(codes::EMPTY_LIST, value.span(), t!("policy-no-zones"))
                    .subject(Some(Subject::Policy)),
            );
        }
        self.names.reserve(table.len());
        for (name, key_span, zone_value) in entries(table) {
            let subject = Subject::Zone(name.to_owned());
            let index = self.zones.len();
            let mut zone = RawZone {
                name: name.to_owned(),
                span: zone_value.span(),
                tier: None,
                beyond: None,
                organisation: None,
                interfaces: Vec::new(),
                networks: Vec::new(),
                dynamic: Vec::new(),
                networks_complete: false,
            };
            let Some(t) =
                self.declare_table(name, key_span, zone_value, Named::Zone(index), &subject)
            else {
                self.zones.push(zone);
                continue;
            };
            let r = TableReader::new_lazy(t, zone_value.span(), Some(subject.clone()), || {
                t!("policy-subject-zone", name = format!("{name:?}"))
            });
            r.deny_unknown_keys(&mut self.diags, ZONE_KEYS);
            if let Some((tier, span)) = r.req_str_ref(&mut self.diags, "tier") {
                zone.tier = parse_tier(tier);
                if zone.tier.is_none() {
                    let mut d = Draft::error(
                        codes::BAD_TIER,
                        span,
                        t!("policy-unknown-tier", tier = tier),
                    )
                    .subject(Some(subject.clone()));
                    if let Some(best) = closest(tier, TIERS.iter().copied()) {
                        d = d.note(did_you_mean(tier, best));
                    }
                    self.diags.push(d);
                }
            }
            self.read_beyond(&r, &mut zone, &subject);
            zone.organisation = r
                .opt_str(&mut self.diags, "organisation")
                .map(|(s, _)| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            if let Some(list) = self.req_list(&r, "interfaces", || t!("policy-no-interfaces")) {
                for (iface, span) in list {
                    match check_interface_name(&iface) {
                        Ok(()) => zone.interfaces.push((iface, span)),
                        Err(e) => {
                            let mut d = Draft::error(codes::BAD_INTERFACE, span, e.to_string())
                                .subject(Some(subject.clone()));
                            if let Some(note) =
                                width_note(&iface, |f| check_interface_name(f).is_ok())
                            {
                                d = d.note(note);
                            }
                            self.diags.push(d);
                        }
                    }
                }
            }
            if let Some(list) = self.req_list(&r, "networks", || t!("policy-no-networks")) {
                zone.networks_complete = true;
                for (text, span) in list {
                    match parse_network(&text) {
                        Ok(net) => zone.networks.push((net, span)),
                        Err(e) => {
                            zone.networks_complete = false;
                            self.push_network_error(e, span, &subject);
                        }
                    }
                }
            }
            if let ListRead::List(list) = r.str_list(&mut self.diags, "dynamic", false) {
                for (text, span) in list {
                    match parse_network(&text) {
                        Ok(net) => zone.dynamic.push((net, span)),
                        Err(e) => self.push_network_error(e, span, &subject),
                    }
                }
            }
            self.zones.push(zone);
        }
    }

    /// `beyond` of an external zone; a warning when an external zone has none.
    fn read_beyond(&mut self, r: &TableReader<'_, '_>, zone: &mut RawZone, subject: &Subject) {
        let written = r.opt_str_ref(&mut self.diags, "beyond");
        let external = zone.tier == Some(Tier::External);
        match written {
            Some((word, span)) => {
                zone.beyond = match word {
                    "internet" => Some(Beyond::Internet),
                    "lgwan" => Some(Beyond::Lgwan),
                    "closed" => Some(Beyond::Closed),
                    _ => None,
                };
                if zone.beyond.is_none() {
                    let mut d = Draft::error(
                        codes::BAD_BEYOND,
                        span.clone(),
                        t!("policy-unknown-beyond", beyond = word),
                    )
                    .subject(Some(subject.clone()));
                    if let Some(best) = closest(word, BEYONDS.iter().copied()) {
                        d = d.note(did_you_mean(word, best));
                    }
                    self.diags.push(d);
                } else if zone.tier.is_some() && !external {
                    self.diags.push(
                        Draft::error(
                            codes::BEYOND_NOT_EXTERNAL,
                            span,
                            t!(
                                "policy-beyond-not-external",
                                tier = zone.tier.map_or("", Tier::as_str)
                            ),
                        )
                        .subject(Some(subject.clone()))
                        .note(t!("policy-beyond-not-external-note")),
                    );
                }
            }
            None if external => self.diags.push(
                Draft::warning(
                    codes::NO_BEYOND,
                    zone.span.clone(),
                    t!("policy-no-beyond", zone = format!("{:?}", zone.name)),
                )
                .subject(Some(subject.clone()))
                .note(t!("policy-no-beyond-note")),
            ),
            None => {}
        }
    }

    /// A required, non-empty list of strings.
    /// `empty` writes the message for an empty list (only then).
    fn req_list(
        &mut self,
        r: &TableReader<'_, '_>,
        key: &str,
        empty: impl FnOnce() -> String,
    ) -> Option<Strings> {
        match r.str_list(&mut self.diags, key, false) {
            ListRead::Absent => {
                r.missing(&mut self.diags, key);
                None
            }
            ListRead::Malformed => None,
            ListRead::List(list) if list.is_empty() => {
                let span = r.get(key).map_or(r.span.clone(), |v| v.span());
                self.diags.push(
                    Draft::error(codes::EMPTY_LIST, span, empty()).subject(r.subject.clone()),
                );
                None
            }
            ListRead::List(list) => Some(list),
        }
    }

    fn push_network_error(&mut self, e: NetworkError, span: Range<usize>, subject: &Subject) {
        let mut d = Draft::error(
            match e {
                NetworkError::HostBitsSet { .. } => codes::HOST_BITS_SET,
                _ => codes::BAD_ADDRESS,
            },
            span,
            e.to_string(),
        )
        .subject(Some(subject.clone()));
        let note = match &e {
            NetworkError::HostBitsSet { network, .. } => {
                Some(t!("policy-write-network", network = network.to_string()))
            }
            // A zone network, or a host address, typed in 全角.
            NetworkError::Syntax(text) => width_note(text, |f| parse_network(f).is_ok()),
            NetworkError::HostSyntax(text) => width_note(text, |f| parse_host_address(f).is_ok()),
            NetworkError::BareAddress(_) => None,
        };
        if let Some(note) = note {
            d = d.note(note);
        }
        self.diags.push(d);
    }

    fn read_hosts(&mut self, value: &Value<'_>) {
        let Some(table) = table_or_report(
            &mut self.diags,
            value,
            || t!("policy-hosts-not-table"),
            &Subject::Policy,
        ) else {
            return;
        };
        // Whether an unknown role is close to a known one, by role: thousands
        // of hosts share a few words.
        let mut near_known: HashMap<String, Option<&'static str>> = HashMap::new();
        self.names.reserve(table.len());
        for (name, key_span, host_value) in entries(table) {
            let subject = Subject::Host(name.to_owned());
            let index = self.hosts.len();
            let mut host = RawHost {
                name: name.to_owned(),
                span: host_value.span(),
                zone: None,
                addresses: Vec::new(),
                roles: Vec::new(),
                serves_raw: Vec::new(),
                serves_span: None,
                serves: Vec::new(),
            };
            let Some(t) =
                self.declare_table(name, key_span, host_value, Named::Host(index), &subject)
            else {
                self.hosts.push(host);
                continue;
            };
            let r = TableReader::new_lazy(t, host_value.span(), Some(subject.clone()), || {
                t!("policy-subject-host", name = format!("{name:?}"))
            });
            r.deny_unknown_keys(&mut self.diags, HOST_KEYS);
            if let Some((zone, span)) = r.req_str_ref(&mut self.diags, "zone") {
                host.zone = match self.names.get(zone) {
                    Some((Named::Zone(i), _)) => Some(*i),
                    _ => None,
                };
                if host.zone.is_none() {
                    let mut d = Draft::error(
                        codes::UNKNOWN_ZONE,
                        span,
                        t!("policy-unknown-zone", zone = zone),
                    )
                    .subject(Some(subject.clone()));
                    if let Some(best) = closest(zone, self.zones.iter().map(|z| z.name.as_str())) {
                        d = d.note(did_you_mean(zone, best));
                    }
                    self.diags.push(d);
                }
            }
            if let Some(list) = self.req_list(&r, "addresses", || t!("policy-no-addresses")) {
                for (text, span) in list {
                    match parse_host_address(&text) {
                        Ok(net) => {
                            if host.addresses.iter().any(|(n, _)| *n == net) {
                                self.diags.push(
                                    Draft::warning(
                                        codes::DUPLICATE_ENTRY,
                                        span.clone(),
                                        t!("policy-address-twice", address = net.to_string()),
                                    )
                                    .subject(Some(subject.clone())),
                                );
                            }
                            host.addresses.push((net, span));
                        }
                        Err(e) => self.push_network_error(e, span, &subject),
                    }
                }
            }
            if let ListRead::List(roles) = r.str_list(&mut self.diags, "roles", false) {
                for (role, span) in roles {
                    if role.trim().is_empty() {
                        self.diags.push(
                            Draft::error(codes::BAD_NAME, span, t!("policy-role-empty"))
                                .subject(Some(subject.clone())),
                        );
                        continue;
                    }
                    if !KNOWN_ROLES.contains(&role.as_str()) {
                        let best = match near_known.get(role.as_str()) {
                            Some(best) => *best,
                            None => {
                                let best = closest(&role, KNOWN_ROLES.iter().copied());
                                near_known.insert(role.clone(), best);
                                best
                            }
                        };
                        if let Some(best) = best {
                            self.diags.push(
                                Draft::warning(
                                    codes::SUSPICIOUS_ROLE,
                                    span.clone(),
                                    t!("policy-unknown-role", role = &role),
                                )
                                .subject(Some(subject.clone()))
                                .note(did_you_mean(&role, best)),
                            );
                        }
                    }
                    host.roles.push(role);
                }
            }
            match r.str_list(&mut self.diags, "serves", true) {
                ListRead::List(list) if list.is_empty() => {
                    let span = r.get("serves").map_or(r.span.clone(), |v| v.span());
                    self.diags.push(
                        Draft::error(codes::EMPTY_LIST, span, t!("policy-serves-empty"))
                            .subject(Some(subject.clone())),
                    );
                }
                ListRead::List(list) => {
                    host.serves_span = r.get("serves").map(|v| v.span());
                    host.serves_raw = list;
                }
                ListRead::Absent | ListRead::Malformed => {}
            }
            self.hosts.push(host);
        }
    }

    /// Resolves every host's `serves` entries (names or inline entries) once
    /// the `[services]` table is known, and warns about a role host without
    /// `serves` or `serves` without a role.
    fn resolve_serves(&mut self) {
        for i in 0..self.hosts.len() {
            let subject = Some(Subject::Host(self.hosts[i].name.clone()));
            let raw = std::mem::take(&mut self.hosts[i].serves_raw);
            let mut serves = Vec::new();
            for (entry, span) in raw {
                if serves
                    .iter()
                    .any(|(s, _): &(Service, Range<usize>)| s.name == entry)
                {
                    self.diags.push(
                        Draft::warning(
                            codes::DUPLICATE_ENTRY,
                            span,
                            t!("policy-serves-twice", service = &entry),
                        )
                        .subject(subject.clone()),
                    );
                    continue;
                }
                if let Some(service) = self.resolve_service(entry, span.clone(), &subject) {
                    serves.push((service, span));
                }
            }
            let host = &mut self.hosts[i];
            host.serves = serves;
            let role = host
                .roles
                .iter()
                .find(|r| guardrail::SANITIZING_ROLES.contains(&r.as_str()))
                .cloned();
            match (role, &host.serves_span) {
                (Some(role), None) => {
                    let d = Draft::warning(
                        codes::ROLE_WITHOUT_SERVES,
                        host.span.clone(),
                        t!("policy-role-without-serves", role = &role),
                    )
                    .subject(subject)
                    .note(t!("policy-role-without-serves-note"));
                    self.diags.push(d);
                }
                (None, Some(span)) => {
                    let d = Draft::warning(
                        codes::SERVES_WITHOUT_ROLE,
                        span.clone(),
                        t!("policy-serves-without-role"),
                    )
                    .subject(subject);
                    self.diags.push(d);
                }
                _ => {}
            }
        }
    }

    fn read_services(&mut self, value: &Value<'_>) {
        let Some(table) = table_or_report(
            &mut self.diags,
            value,
            || t!("policy-services-not-table"),
            &Subject::Policy,
        ) else {
            return;
        };
        for (name, key_span, _) in entries(table) {
            let subject = Subject::Service(name.to_owned());
            let named = Some(subject.clone());
            let r = TableReader::new(table, key_span.clone(), named.clone(), "[services]");
            if !check_name(&mut self.diags, name, key_span.clone(), &subject, false) {
                self.services
                    .insert(name.to_owned(), ServiceDef { matches: None });
                continue;
            }
            let list = match r.str_list(&mut self.diags, name, true) {
                ListRead::List(list) => list,
                _ => {
                    self.services
                        .insert(name.to_owned(), ServiceDef { matches: None });
                    continue;
                }
            };
            if list.is_empty() {
                self.diags.push(
                    Draft::error(
                        codes::EMPTY_LIST,
                        key_span.clone(),
                        t!("policy-service-empty"),
                    )
                    .subject(named),
                );
                self.services
                    .insert(name.to_owned(), ServiceDef { matches: None });
                continue;
            }
            let mut matches = Vec::new();
            let mut ok = true;
            for (spec, span) in list {
                match parse_service_match(&spec) {
                    Ok(m) => matches.push(m),
                    Err(e) => {
                        ok = false;
                        self.diags.push(service_error(e, &spec, span, &subject));
                    }
                }
            }
            if ok {
                if let Some(builtin) = builtin_service(name) {
                    if builtin != matches {
                        let specs: Vec<String> = builtin.iter().map(ToString::to_string).collect();
                        self.diags.push(
                            Draft::warning(
                                codes::OVERRIDDEN_SERVICE,
                                key_span.clone(),
                                t!("policy-service-overrides"),
                            )
                            .subject(named)
                            .note(t!("policy-service-builtin-is", entries = specs.join(", "))),
                        );
                    }
                }
            }
            self.services.insert(
                name.to_owned(),
                ServiceDef {
                    matches: ok.then_some(matches),
                },
            );
        }
    }

    fn read_flows(&mut self, value: &Value<'_>) {
        let DeValue::Array(items) = value.get_ref() else {
            self.diags.push(
                Draft::error(
                    codes::WRONG_TYPE,
                    value.span(),
                    t!("policy-flows-not-array", found = type_name(value.get_ref())),
                )
                .subject(Some(Subject::Policy)),
            );
            return;
        };
        // Flow names borrowed from the document, with where each was first given.
        let mut seen: HashMap<&str, Range<usize>> = HashMap::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Some(t) = table_or_report(
                &mut self.diags,
                item,
                || t!("policy-flow-not-table", number = i + 1),
                &Subject::Policy,
            ) else {
                continue;
            };
            let written = match t.get("name").map(|v| v.get_ref()) {
                Some(DeValue::String(s)) => Some(s.as_ref()),
                _ => None,
            };
            let flow_name = move || written.map_or_else(|| format!("#{}", i + 1), str::to_owned);
            let name = flow_name();
            let subject = Subject::Flow(name.clone());
            let r = TableReader::new_lazy(t, item.span(), Some(subject.clone()), move || {
                t!("policy-subject-flow", name = format!("{:?}", flow_name()))
            });
            if let Some((name, span)) = r.req_str_ref(&mut self.diags, "name") {
                if check_name(&mut self.diags, name, span.clone(), &subject, false) {
                    match seen.entry(name) {
                        Entry::Occupied(first) => self.diags.push(
                            Draft::error(codes::DUPLICATE_NAME, span, t!("policy-flow-name-taken"))
                                .subject(Some(subject))
                                .label(first.get().clone(), t!("policy-flow-name-first")),
                        ),
                        Entry::Vacant(slot) => {
                            slot.insert(span);
                        }
                    }
                }
            }
            if let Some(flow) = self.read_flow(&r, name) {
                self.flows.push(flow);
            }
        }
    }

    fn read_flow(&mut self, r: &TableReader<'_, '_>, name: String) -> Option<RawFlow> {
        r.deny_unknown_keys(&mut self.diags, FLOW_KEYS);
        let from = self.read_endpoints(r, "from");
        let to = self.read_endpoints(r, "to");
        let services = self.read_flow_services(r);
        let reason = match r.get("reason") {
            None => {
                self.diags.push(
                    Draft::error(codes::G9, r.span.clone(), t!("policy-reason-missing"))
                        .subject(r.subject.clone())
                        .note(guardrail::RATIONALE_9),
                );
                None
            }
            Some(_) => match r.opt_str(&mut self.diags, "reason") {
                Some((reason, span)) if reason.trim().is_empty() => {
                    self.diags.push(
                        Draft::error(codes::G9, span, t!("policy-reason-empty"))
                            .subject(r.subject.clone())
                            .note(guardrail::RATIONALE_9),
                    );
                    None
                }
                other => other.map(|(s, _)| s),
            },
        };
        let log = r.opt_bool(&mut self.diags, "log").unwrap_or(false);
        let limit = r
            .opt_str_ref(&mut self.diags, "limit")
            .and_then(|(text, span)| match parse_limit(text) {
                Ok(l) => Some(l),
                Err(e) => {
                    let mut d = Draft::error(codes::BAD_LIMIT, span, e.to_string())
                        .subject(r.subject.clone());
                    if let Some(note) = width_note(text, |f| parse_limit(f).is_ok()) {
                        d = d.note(note);
                    }
                    self.diags.push(d);
                    None
                }
            });
        let until = r.get("until").and_then(|v| {
            let text = match v.get_ref() {
                DeValue::String(s) => s.to_string(),
                DeValue::Datetime(d) => d.to_string(),
                other => {
                    self.diags.push(
                        Draft::error(
                            codes::WRONG_TYPE,
                            v.span(),
                            t!(
                                "policy-not-a-date-found",
                                key = "until",
                                found = type_name(other)
                            ),
                        )
                        .subject(r.subject.clone()),
                    );
                    return None;
                }
            };
            match parse_until(&text) {
                Ok(instant) => {
                    if self.now.is_some_and(|now| now >= instant) {
                        self.diags.push(
                            Draft::warning(
                                codes::UNTIL_PAST,
                                v.span(),
                                t!("policy-until-past", until = &text),
                            )
                            .subject(r.subject.clone())
                            .note(t!("policy-until-past-note")),
                        );
                    }
                    Some((instant, text))
                }
                Err(e) => {
                    let mut d = Draft::error(codes::BAD_UNTIL, v.span(), e.to_string())
                        .subject(r.subject.clone());
                    if let Some(note) = width_note(&text, |f| parse_until(f).is_ok()) {
                        d = d.note(note);
                    }
                    self.diags.push(d.note(t!("policy-until-date-means")));
                    None
                }
            }
        });
        let (exception, exception_span) = match r.get("exception") {
            None => (None, None),
            Some(v) => (self.read_exception(r, v), Some(v.span())),
        };
        let self_both = from
            .iter()
            .flatten()
            .any(|e| e.resolved == Some(Endpoint::Gateway))
            && to
                .iter()
                .flatten()
                .any(|e| e.resolved == Some(Endpoint::Gateway));
        if self_both {
            self.diags.push(
                Draft::error(
                    codes::SELF_TO_SELF,
                    r.span.clone(),
                    t!("policy-self-to-self"),
                )
                .subject(r.subject.clone()),
            );
        }
        Some(RawFlow {
            name,
            span: r.span.clone(),
            from: from?,
            to: to?,
            // Unknown services and a missing reason are already reported; the
            // guardrails still look at what is known.
            services: services.unwrap_or_default(),
            services_span: r.get("services").map(|v| v.span()),
            reason: reason.unwrap_or_default(),
            log,
            limit,
            until,
            exception,
            exception_span,
            crossings: Vec::new(),
        })
    }

    fn read_endpoints(&mut self, r: &TableReader<'_, '_>, key: &str) -> Option<Vec<RawEndpoint>> {
        let list = match r.str_list(&mut self.diags, key, true) {
            ListRead::Absent => {
                r.missing(&mut self.diags, key);
                return None;
            }
            ListRead::Malformed => return None,
            ListRead::List(list) => list,
        };
        if list.is_empty() {
            let span = r.get(key).map_or(r.span.clone(), |v| v.span());
            self.diags.push(
                Draft::error(
                    codes::EMPTY_LIST,
                    span,
                    t!("policy-endpoints-empty", key = key),
                )
                .subject(r.subject.clone()),
            );
            return None;
        }
        let mut out: Vec<RawEndpoint> = Vec::with_capacity(list.len());
        for (name, span) in list {
            if out.iter().any(|e| e.name == name) {
                self.diags.push(
                    Draft::warning(
                        codes::DUPLICATE_ENTRY,
                        span.clone(),
                        t!("policy-endpoint-twice", name = &name, key = key),
                    )
                    .subject(r.subject.clone()),
                );
                continue;
            }
            let resolved = if name == "self" {
                Some(Endpoint::Gateway)
            } else {
                match self.names.get(&name) {
                    Some((Named::Zone(i), _)) => Some(Endpoint::Zone(ZoneId(*i))),
                    Some((Named::Host(i), _)) => Some(Endpoint::Host(HostId(*i))),
                    None => {
                        let mut d = Draft::error(
                            codes::UNKNOWN_ENDPOINT,
                            span.clone(),
                            t!("policy-unknown-endpoint", key = key, name = &name),
                        )
                        .subject(r.subject.clone());
                        let candidates = self.names.keys().map(String::as_str).chain(["self"]);
                        if let Some(best) = closest(&name, candidates) {
                            d = d.note(did_you_mean(&name, best));
                        }
                        self.diags.push(d);
                        None
                    }
                }
            };
            out.push(RawEndpoint {
                name,
                span,
                resolved,
            });
        }
        Some(out)
    }

    fn read_flow_services(
        &mut self,
        r: &TableReader<'_, '_>,
    ) -> Option<Vec<(Service, Range<usize>)>> {
        let list = match r.str_list(&mut self.diags, "services", true) {
            ListRead::Absent => {
                self.diags.push(
                    Draft::error(codes::G8, r.span.clone(), t!("policy-services-missing"))
                        .subject(r.subject.clone())
                        .note(guardrail::RATIONALE_8),
                );
                return None;
            }
            ListRead::Malformed => return None,
            ListRead::List(list) => list,
        };
        if list.is_empty() {
            let span = r.get("services").map_or(r.span.clone(), |v| v.span());
            self.diags.push(
                Draft::error(codes::G8, span, t!("policy-services-empty"))
                    .subject(r.subject.clone())
                    .note(guardrail::RATIONALE_8),
            );
            return None;
        }
        let mut out: Vec<(Service, Range<usize>)> = Vec::new();
        let mut ok = true;
        for (name, span) in list {
            if out.iter().any(|(s, _)| s.name == name) {
                self.diags.push(
                    Draft::warning(
                        codes::DUPLICATE_ENTRY,
                        span.clone(),
                        t!("policy-service-twice", service = &name),
                    )
                    .subject(r.subject.clone()),
                );
                continue;
            }
            match self.resolve_service(name, span.clone(), &r.subject) {
                Some(service) => out.push((service, span)),
                None => ok = false,
            }
        }
        if !ok {
            // Keep the services that resolved so guardrail 8 still sees them;
            // the unknown ones are reported and the load fails anyway.
            debug_assert!(self.diags.has_errors());
        }
        Some(out)
    }

    /// One service entry of a flow or a host's `serves`: a name (defined or
    /// built in) or an inline entry such as `tcp/8443` (an anonymous service).
    /// `None` when it is unknown or malformed (reported).
    fn resolve_service(
        &mut self,
        name: String,
        span: Range<usize>,
        subject: &Option<Subject>,
    ) -> Option<Service> {
        // An entry, also one typed in 全角 (`ｔｃｐ／８４４３`).
        if fold_width(&name).contains('/') {
            return match parse_service_match(&name) {
                Ok(m) => Some(Service {
                    name,
                    matches: vec![m],
                }),
                Err(e) => {
                    let subject = subject.clone().unwrap_or(Subject::Policy);
                    self.diags.push(service_error(e, &name, span, &subject));
                    None
                }
            };
        }
        let matches = match self.services.get(&name) {
            Some(def) => def.matches.clone(),
            None => match builtin_service(&name) {
                Some(m) => Some(m),
                None => {
                    let mut d = Draft::error(
                        codes::UNKNOWN_SERVICE,
                        span,
                        t!("policy-unknown-service", service = &name),
                    )
                    .subject(subject.clone());
                    let candidates = self
                        .services
                        .keys()
                        .map(String::as_str)
                        .chain(BUILTIN_SERVICES.iter().map(|(n, _)| *n));
                    d = match closest(&name, candidates) {
                        Some(best) => d.note(did_you_mean(&name, best)),
                        None => d.note(t!("policy-unknown-service-note")),
                    };
                    self.diags.push(d);
                    None
                }
            },
        };
        matches.map(|matches| Service { name, matches })
    }

    fn read_exception(&mut self, r: &TableReader<'_, '_>, v: &Value<'_>) -> Option<Exception> {
        let DeValue::Table(t) = v.get_ref() else {
            self.diags.push(
                Draft::error(
                    codes::BAD_EXCEPTION,
                    v.span(),
                    t!("policy-exception-not-table", found = type_name(v.get_ref())),
                )
                .subject(r.subject.clone()),
            );
            return None;
        };
        let er = TableReader::new(t, v.span(), r.subject.clone(), "`exception`");
        er.deny_unknown_keys(&mut self.diags, EXCEPTION_KEYS);
        let mut field = |key: &str| -> Option<String> {
            match er.get(key) {
                None => {
                    self.diags.push(
                        Draft::error(
                            codes::BAD_EXCEPTION,
                            v.span(),
                            t!("policy-exception-missing", key = key),
                        )
                        .subject(r.subject.clone()),
                    );
                    None
                }
                Some(_) => match er.opt_str(&mut self.diags, key) {
                    Some((s, span)) if s.trim().is_empty() => {
                        self.diags.push(
                            Draft::error(
                                codes::BAD_EXCEPTION,
                                span,
                                t!("policy-exception-empty", key = key),
                            )
                            .subject(r.subject.clone()),
                        );
                        None
                    }
                    other => other.map(|(s, _)| s),
                },
            }
        };
        let approved_by = field("approved_by");
        let ticket = field("ticket");
        let approved_on = self.read_date(&er, "approved_on").map(|(text, _)| text);
        let review_by = self.read_date(&er, "review_by").map(|(text, end)| {
            if self.now.is_some_and(|now| now >= end) {
                let span = er.get("review_by").map_or(v.span(), |x| x.span());
                self.diags.push(
                    Draft::warning(
                        codes::REVIEW_PAST,
                        span,
                        t!("policy-review-past", date = &text),
                    )
                    .subject(r.subject.clone())
                    .note(t!("policy-review-past-note")),
                );
            }
            text
        });
        Some(Exception {
            approved_by: approved_by?,
            ticket: ticket?,
            approved_on,
            review_by,
        })
    }

    /// An optional date `YYYY-MM-DD` (a string or a TOML date): the text and
    /// the end of that day in JST.
    fn read_date(&mut self, r: &TableReader<'_, '_>, key: &str) -> Option<(String, i64)> {
        let v = r.get(key)?;
        let text = match v.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            other => {
                self.diags.push(
                    Draft::error(
                        codes::BAD_DATE,
                        v.span(),
                        t!(
                            "policy-not-a-date-found",
                            key = key,
                            found = type_name(other)
                        ),
                    )
                    .subject(r.subject.clone()),
                );
                return None;
            }
        };
        let is_date = text.len() == 10;
        match parse_until(&text) {
            Ok(end) if is_date => Some((text, end)),
            Err(e @ crate::values::UntilError::TooLate(_)) => {
                self.diags.push(
                    Draft::error(
                        codes::BAD_DATE,
                        v.span(),
                        t!("policy-key-problem", key = key, problem = e.to_string()),
                    )
                    .subject(r.subject.clone()),
                );
                None
            }
            _ => {
                let mut d = Draft::error(
                    codes::BAD_DATE,
                    v.span(),
                    t!("policy-not-a-date", key = key, value = format!("{text:?}")),
                )
                .subject(r.subject.clone());
                if let Some(note) = width_note(&text, |f| f.len() == 10 && parse_until(f).is_ok()) {
                    d = d.note(note);
                }
                self.diags.push(d);
                None
            }
        }
    }

    /// Catch-alls, equal networks, overlapping internal zones.
    fn check_networks(&mut self) {
        let mut all: Vec<(usize, IpNet, Range<usize>)> = Vec::new();
        for (zi, zone) in self.zones.iter().enumerate() {
            for (net, span) in &zone.networks {
                all.push((zi, *net, span.clone()));
            }
        }
        for (zi, net, span) in &all {
            let zone = &self.zones[*zi];
            if net.prefix_len() == 0 && zone.tier.is_some_and(|t| t != Tier::External) {
                self.diags.push(
                    Draft::error(
                        codes::CATCH_ALL,
                        span.clone(),
                        t!(
                            "policy-catch-all",
                            network = net.to_string(),
                            tier = zone.tier.map_or("", Tier::as_str)
                        ),
                    )
                    .subject(Some(Subject::Zone(zone.name.clone())))
                    .note(t!("policy-catch-all-note")),
                );
            }
        }
        let internal = |zi: usize| self.zones[zi].tier.is_some_and(|t| t != Tier::External);
        // Sorted by (family, address, prefix length, file order), the
        // networks containing the current one form a stack (prefixes either
        // nest or are disjoint), so each nesting pair is seen exactly once.
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by_key(|&k| {
            let (_, net, span) = &all[k];
            (net.network(), net.prefix_len(), span.start)
        });
        let mut drafts = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        for &k in &order {
            let (zk, nk, sk) = &all[k];
            while stack.last().is_some_and(|&top| !all[top].1.contains(nk)) {
                stack.pop();
            }
            if let Some(&first) = stack.iter().find(|&&s| all[s].1 == *nk) {
                let (zf, _, sf) = &all[first];
                let subject = Some(Subject::Zone(self.zones[*zk].name.clone()));
                let other = &self.zones[*zf].name;
                if zf == zk {
                    drafts.push(
                        Draft::warning(
                            codes::DUPLICATE_ENTRY,
                            sk.clone(),
                            t!("policy-network-twice", network = nk.to_string()),
                        )
                        .subject(subject),
                    );
                } else {
                    drafts.push(
                        Draft::error(
                            codes::SAME_NETWORK,
                            sk.clone(),
                            t!(
                                "policy-same-network",
                                network = nk.to_string(),
                                zone = format!("{other:?}")
                            ),
                        )
                        .subject(subject)
                        .label(
                            sf.clone(),
                            t!("policy-same-network-label", zone = format!("{other:?}")),
                        )
                        .note(t!("policy-same-network-note")),
                    );
                }
            }
            if internal(*zk) && nk.prefix_len() > 0 {
                for &s in &stack {
                    let (zs, ns, ss) = &all[s];
                    if zs == zk || ns == nk || !internal(*zs) || ns.prefix_len() == 0 {
                        continue;
                    }
                    // Blame whichever comes later in the file.
                    let ((zl, nl, sl), (ze, ne, se)) = if ss.start < sk.start {
                        (&all[k], &all[s])
                    } else {
                        (&all[s], &all[k])
                    };
                    let earlier = &self.zones[*ze].name;
                    drafts.push(
                        Draft::error(
                            codes::INTERNAL_OVERLAP,
                            sl.clone(),
                            t!(
                                "policy-overlap",
                                network = nl.to_string(),
                                other = ne.to_string(),
                                zone = format!("{earlier:?}")
                            ),
                        )
                        .subject(Some(Subject::Zone(self.zones[*zl].name.clone())))
                        .label(
                            se.clone(),
                            t!("policy-overlap-label", zone = format!("{earlier:?}")),
                        )
                        .note(t!("policy-overlap-note")),
                    );
                }
            }
            stack.push(k);
        }
        for d in drafts {
            self.diags.push(d);
        }
    }

    fn check_interfaces(&mut self) {
        let mut owner: BTreeMap<&str, (usize, Range<usize>)> = BTreeMap::new();
        let mut drafts = Vec::new();
        for (zi, zone) in self.zones.iter().enumerate() {
            for (iface, span) in &zone.interfaces {
                match owner.get(iface.as_str()) {
                    Some((other, other_span)) if *other == zi => drafts.push(
                        Draft::warning(
                            codes::DUPLICATE_ENTRY,
                            span.clone(),
                            t!("policy-interface-twice", interface = iface),
                        )
                        .subject(Some(Subject::Zone(zone.name.clone())))
                        .label(other_span.clone(), t!("policy-first-here")),
                    ),
                    Some((other, other_span)) => drafts.push(
                        Draft::error(
                            codes::SHARED_INTERFACE,
                            span.clone(),
                            t!(
                                "policy-shared-interface",
                                interface = iface,
                                zone = format!("{:?}", self.zones[*other].name)
                            ),
                        )
                        .subject(Some(Subject::Zone(zone.name.clone())))
                        .label(
                            other_span.clone(),
                            t!(
                                "policy-shared-interface-label",
                                zone = format!("{:?}", self.zones[*other].name)
                            ),
                        )
                        .note(t!("policy-shared-interface-note")),
                    ),
                    None => {
                        owner.insert(iface, (zi, span.clone()));
                    }
                }
            }
        }
        for d in drafts {
            self.diags.push(d);
        }
    }

    /// A zone's DHCP pools (`dynamic`) lie inside its own networks; a named
    /// host with an address in a pool is a warning (DHCP may hand that
    /// address to another terminal, which would then pass as the host).
    fn check_dynamic_pools(&mut self) {
        let mut drafts = Vec::new();
        for zone in self.zones.iter().filter(|z| z.networks_complete) {
            let subject = Some(Subject::Zone(zone.name.clone()));
            for (pool, span) in &zone.dynamic {
                // The zone's most specific network holding the pool.
                let holder = zone
                    .networks
                    .iter()
                    .map(|(net, _)| *net)
                    .filter(|net| net.contains(pool))
                    .max_by_key(IpNet::prefix_len);
                let inside = holder.is_some();
                // Part of the pool classifies elsewhere: another zone's network
                // inside the pool, or more specific than the holder and around it.
                let other = self
                    .zones
                    .iter()
                    .filter(|z| !std::ptr::eq(*z, zone))
                    .find_map(|z| {
                        z.networks
                            .iter()
                            .find(|(net, _)| {
                                pool.contains(net)
                                    || (net.contains(pool)
                                        && holder
                                            .is_some_and(|h| net.prefix_len() > h.prefix_len()))
                            })
                            .map(|(net, _)| (z, *net))
                    });
                if !inside {
                    drafts.push(
                        Draft::error(
                            codes::DYNAMIC_OUTSIDE_ZONE,
                            span.clone(),
                            t!(
                                "policy-pool-outside",
                                pool = pool.to_string(),
                                zone = format!("{:?}", zone.name)
                            ),
                        )
                        .subject(subject.clone())
                        .note(t!("policy-pool-outside-note")),
                    );
                } else if let Some((other, net)) = other {
                    drafts.push(
                        Draft::error(
                            codes::DYNAMIC_OUTSIDE_ZONE,
                            span.clone(),
                            t!(
                                "policy-pool-overlap",
                                pool = pool.to_string(),
                                network = net.to_string(),
                                zone = format!("{:?}", other.name)
                            ),
                        )
                        .subject(subject.clone()),
                    );
                }
            }
        }
        for host in &self.hosts {
            let Some(zone) = host.zone.map(|zi| &self.zones[zi]) else {
                continue;
            };
            for (addr, span) in &host.addresses {
                if let Some((pool, pool_span)) = zone
                    .dynamic
                    .iter()
                    .find(|(pool, _)| pool.contains(addr) || addr.contains(pool))
                {
                    drafts.push(
                        Draft::warning(
                            codes::HOST_IN_DYNAMIC,
                            span.clone(),
                            t!(
                                "policy-host-in-pool",
                                address = addr.to_string(),
                                host = format!("{:?}", host.name),
                                pool = pool.to_string(),
                                zone = format!("{:?}", zone.name)
                            ),
                        )
                        .subject(Some(Subject::Host(host.name.clone())))
                        .label(pool_span.clone(), t!("policy-host-in-pool-label"))
                        .note(t!("policy-host-in-pool-note")),
                    );
                }
            }
        }
        for d in drafts {
            self.diags.push(d);
        }
    }

    /// Every host address (or every address of a host prefix) must classify,
    /// by longest prefix, to the host's zone.
    fn check_host_placement(&mut self) {
        // Each network to its first zone (equal networks are reported elsewhere).
        let mut by_network: HashMap<IpNet, usize> = HashMap::new();
        for (zi, zone) in self.zones.iter().enumerate() {
            for (net, _) in &zone.networks {
                by_network.entry(*net).or_insert(zi);
            }
        }
        // The prefix lengths of those networks, longest first: the search
        // below tries only these (not every length up to the host's).
        let mut lengths: Vec<u8> = by_network.keys().map(IpNet::prefix_len).collect();
        lengths.sort_unstable_by(|a, b| b.cmp(a));
        lengths.dedup();
        let mut drafts = Vec::new();
        for host in &self.hosts {
            let Some(zi) = host.zone.filter(|zi| self.zones[*zi].networks_complete) else {
                continue;
            };
            let zone_name = &self.zones[zi].name;
            for (addr, span) in &host.addresses {
                // Built only for a diagnostic.
                let subject = || Some(Subject::Host(host.name.clone()));
                // The longest network containing the whole prefix.
                let best = lengths
                    .iter()
                    .filter(|&&len| len <= addr.prefix_len())
                    .filter_map(|&len| IpNet::new(addr.addr(), len).ok().map(|n| n.trunc()))
                    .find_map(|net| by_network.get(&net).map(|&zj| (net.prefix_len(), zj)));
                match best {
                    None => drafts.push(
                        Draft::error(
                            codes::HOST_OUTSIDE_ZONE,
                            span.clone(),
                            t!(
                                "policy-host-outside",
                                address = addr.to_string(),
                                zone = format!("{zone_name:?}")
                            ),
                        )
                        .subject(subject()),
                    ),
                    Some((_, zj)) if zj != zi => drafts.push(
                        Draft::error(
                            codes::HOST_OUTSIDE_ZONE,
                            span.clone(),
                            t!(
                                "policy-host-elsewhere",
                                address = addr.to_string(),
                                other = format!("{:?}", self.zones[zj].name),
                                zone = format!("{zone_name:?}")
                            ),
                        )
                        .subject(subject())
                        .note(t!("policy-host-elsewhere-note")),
                    ),
                    Some(_) if addr.prefix_len() == addr.max_prefix_len() => {}
                    Some(_) => {
                        // Part of a host prefix may still go to a more specific network of another zone.
                        let inner = self
                            .zones
                            .iter()
                            .enumerate()
                            .filter(|(zj, _)| *zj != zi)
                            .find_map(|(_, zone)| {
                                zone.networks
                                    .iter()
                                    .find(|(net, _)| addr.contains(net) && net != addr)
                                    .map(|(net, _)| (zone, *net))
                            });
                        if let Some((zone, net)) = inner {
                            drafts.push(
                                Draft::error(
                                    codes::HOST_OUTSIDE_ZONE,
                                    span.clone(),
                                    t!(
                                        "policy-host-part-elsewhere",
                                        address = addr.to_string(),
                                        network = net.to_string(),
                                        other = format!("{:?}", zone.name),
                                        zone = format!("{zone_name:?}")
                                    ),
                                )
                                .subject(subject()),
                            );
                        }
                    }
                }
            }
        }
        for d in drafts {
            self.diags.push(d);
        }
    }

    fn build(&mut self, name: String, revision: Option<String>) -> Option<Policy> {
        // Zones, hosts and flows come in file order: a cursor moving forward
        // finds their lines without an index of every line of the file.
        let mut cursor = crate::diag::LineCursor::new(self.text);
        let mut location = |span: &Range<usize>| {
            let (line, column) = cursor.locate(span.start);
            Location { line, column }
        };
        let mut zones = Vec::with_capacity(self.zones.len());
        for z in &self.zones {
            zones.push(Zone {
                name: z.name.clone(),
                tier: z.tier?,
                beyond: z.beyond,
                organisation: z.organisation.clone(),
                interfaces: z.interfaces.iter().map(|(i, _)| i.clone()).collect(),
                networks: z.networks.iter().map(|(n, _)| n.trunc()).collect(),
                dynamic: z.dynamic.iter().map(|(n, _)| n.trunc()).collect(),
                location: location(&z.span),
            });
        }
        // The raw hosts and flows are not needed after this: moved, not cloned.
        let raw_hosts = std::mem::take(&mut self.hosts);
        let mut hosts = Vec::with_capacity(raw_hosts.len());
        for h in raw_hosts {
            hosts.push(Host {
                location: location(&h.span),
                name: h.name,
                zone: ZoneId(h.zone?),
                addresses: h.addresses.iter().map(|(a, _)| *a).collect(),
                roles: h.roles,
                serves: h.serves.into_iter().map(|(s, _)| s).collect(),
            });
        }
        let raw_flows = std::mem::take(&mut self.flows);
        let mut flows = Vec::with_capacity(raw_flows.len());
        for f in raw_flows {
            let endpoints =
                |list: &[RawEndpoint]| list.iter().map(|e| e.resolved).collect::<Option<Vec<_>>>();
            let (until, until_text) = match f.until {
                Some((t, text)) => (Some(t), Some(text)),
                None => (None, None),
            };
            flows.push(Flow {
                location: location(&f.span),
                from: endpoints(&f.from)?,
                to: endpoints(&f.to)?,
                name: f.name,
                services: f.services.into_iter().map(|(s, _)| s).collect(),
                reason: f.reason,
                log: f.log,
                limit: f.limit,
                until,
                until_text,
                exception: f.exception,
                crossings: f.crossings,
            });
        }
        Some(Policy {
            name,
            revision,
            zones,
            hosts,
            flows,
            content_hash: content_hash(self.text),
        })
    }
}

fn parse_tier(text: &str) -> Option<Tier> {
    match text {
        "mynumber" => Some(Tier::Mynumber),
        "lgwan" => Some(Tier::Lgwan),
        "internet" => Some(Tier::Internet),
        "external" => Some(Tier::External),
        _ => None,
    }
}

/// A service entry `written` that does not parse. When it does in 半角 and
/// lowercase (`ｔｃｐ／８４４３`, `TCP/443`), the note suggests that.
fn service_error(
    e: ServiceSpecError,
    written: &str,
    span: Range<usize>,
    subject: &Subject,
) -> Draft {
    let code = if e.is_port_error() {
        codes::BAD_PORT
    } else if e.is_icmp_type_error() {
        codes::BAD_ICMP_TYPE
    } else {
        codes::BAD_SERVICE
    };
    let mut d = Draft::error(code, span, e.to_string()).subject(Some(subject.clone()));
    let loose = crate::width::loose(written);
    if loose != written && parse_service_match(&loose).is_ok() {
        d = d.note(did_you_mean(written, &loose));
    } else if let Some(note) = width_note(written, |_| false) {
        d = d.note(note);
    }
    d
}

/// The table `value` holds; anything else is reported as
/// "`what`, found <its type>" for `subject`, and gives `None`.
fn table_or_report<'v, 'i>(
    diags: &mut Diagnostics,
    value: &'v Value<'i>,
    what: impl FnOnce() -> String,
    subject: &Subject,
) -> Option<&'v DeTable<'i>> {
    if let DeValue::Table(t) = value.get_ref() {
        return Some(t);
    }
    diags.push(
        Draft::error(
            codes::WRONG_TYPE,
            value.span(),
            t!(
                "policy-not-table-found",
                what = what(),
                found = type_name(value.get_ref())
            ),
        )
        .subject(Some(subject.clone())),
    );
    None
}
