//! Packet-path test cases (`[[cases]]`): a source, a destination, a protocol
//! and port (or ICMP type) and the expected verdict, resolved against a
//! validated [`Policy`] so host names become addresses.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::ops::Range;

use ipnet::IpNet;
use sanso_i18n::t;
use toml::de::DeValue;

use crate::diag::{codes, Diagnostics, Draft, LineIndex, Subject};
use crate::load::{check_name, parse_document, Loaded};
use crate::model::{Host, Location, Policy};
use crate::service::{parse_icmp_type, IcmpFamily};
use crate::values::parse_instant;
use crate::walk::{closest, type_name, TableReader, Value};
use crate::width::{did_you_mean, fold_width, width_note};

/// The protocol of a case's packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseProto {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
}

impl CaseProto {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseProto::Tcp => "tcp",
            CaseProto::Udp => "udp",
            CaseProto::Icmp => "icmp",
            CaseProto::Icmpv6 => "icmpv6",
        }
    }
}

impl fmt::Display for CaseProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict a case expects for its first packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expect {
    Accept,
    Drop,
}

impl Expect {
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Accept => "accept",
            Expect::Drop => "drop",
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a case's packet goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CaseTarget {
    /// An address, with the host name when the case named a host.
    Addr(IpAddr, Option<String>),
    /// `"self"`: the gateway's own address on the interface facing the source.
    Gateway,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub name: String,
    pub from: IpAddr,
    /// The host name when `from` named a host.
    pub from_host: Option<String>,
    pub to: CaseTarget,
    pub proto: CaseProto,
    /// Destination port for tcp/udp; the ICMP or ICMPv6 type number for icmp/icmpv6.
    pub port: u16,
    pub expect: Expect,
    /// The interface the packet arrives on; `None` means the interface of the
    /// zone `from` classifies to.
    pub iif: Option<String>,
    /// When the packet is sent (seconds since the Unix epoch), for cases about
    /// `until`; `None`: now. An extension of the contract: `at = "2027-04-01"`
    /// (the start of that day in JST) or an RFC 3339 date-time with offset.
    pub at: Option<i64>,
    /// With `sanso test --kernel`, also try the case with a real client (an
    /// extension of the contract: `client = true`, tcp and udp only): a TCP
    /// connection with data both ways, or a UDP request and its answer.
    pub client: bool,
    pub location: Location,
}

/// The address a host name stands for in a case: its first IPv4 address,
/// else its first address; for a prefix, the first usable address
/// (network + 1, except for /31, /32, /127 and /128: the network address).
pub fn host_case_address(host: &Host) -> Option<IpAddr> {
    let net = host
        .addresses
        .iter()
        .find(|a| a.addr().is_ipv4())
        .or_else(|| host.addresses.first())?;
    Some(first_usable(net))
}

fn first_usable(net: &IpNet) -> IpAddr {
    let base = net.network();
    match base {
        IpAddr::V4(v4) if net.prefix_len() < 31 => IpAddr::V4(u32::from(v4).wrapping_add(1).into()),
        IpAddr::V6(v6) if net.prefix_len() < 127 => {
            IpAddr::V6(u128::from(v6).wrapping_add(1).into())
        }
        other => other,
    }
}

const ROOT_KEYS: &[&str] = &["cases"];
const PROTOS: &[&str] = &["tcp", "udp", "icmp", "icmpv6"];
const CASE_KEYS: &[&str] = &[
    "name", "from", "to", "proto", "port", "expect", "iif", "at", "client",
];

/// Parses and validates a cases file against `policy`.
pub fn load_cases(file: &str, text: &str, policy: &Policy) -> Result<Vec<Case>, Diagnostics> {
    load_cases_with_warnings(file, text, policy).map(|l| l.value)
}

/// Like [`load_cases`], keeping the warnings of a successful load.
pub fn load_cases_with_warnings(
    file: &str,
    text: &str,
    policy: &Policy,
) -> Result<Loaded<Vec<Case>>, Diagnostics> {
    let mut diags = Diagnostics::new(file, text);
    let cases = read_cases(&mut diags, text, policy);
    diags.finish();
    match cases {
        Some(value) if !diags.has_errors() => Ok(Loaded {
            value,
            warnings: diags,
        }),
        _ => Err(diags),
    }
}

fn read_cases(diags: &mut Diagnostics, text: &str, policy: &Policy) -> Option<Vec<Case>> {
    let root = parse_document(diags, text, "cases")?;
    let reader = TableReader::new(&root, 0..0, None, t!("cases-in-file"));
    reader.deny_unknown_keys(diags, ROOT_KEYS);
    let Some(value) = reader.get("cases") else {
        reader.missing(diags, "cases");
        return None;
    };
    let DeValue::Array(items) = value.get_ref() else {
        reader.wrong_type(diags, "cases", value, &t!("cases-array-of-tables"));
        return None;
    };
    let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut out = Vec::with_capacity(items.len());
    let index = LineIndex::new(text);
    for (i, item) in items.iter().enumerate() {
        let DeValue::Table(t) = item.get_ref() else {
            diags.push(Draft::error(
                codes::WRONG_TYPE,
                item.span(),
                t!(
                    "cases-not-a-table",
                    number = i + 1,
                    found = type_name(item.get_ref()),
                ),
            ));
            continue;
        };
        let name = match t.get("name").map(|v| v.get_ref()) {
            Some(DeValue::String(s)) => s.to_string(),
            _ => format!("#{}", i + 1),
        };
        let subject = Subject::Case(name.clone());
        let r = TableReader::new(
            t,
            item.span(),
            Some(subject.clone()),
            t!("cases-in-case", case = format!("{name:?}")),
        );
        r.deny_unknown_keys(diags, CASE_KEYS);
        if let Some((n, span)) = r.req_str(diags, "name") {
            if check_name(diags, &n, span.clone(), &subject, false) {
                if let Some(first) = seen.get(&n) {
                    diags.push(
                        Draft::error(codes::DUPLICATE_NAME, span, t!("cases-duplicate-name"))
                            .subject(Some(subject.clone()))
                            .label(first.clone(), t!("cases-first-of-name")),
                    );
                } else {
                    seen.insert(n, span);
                }
            }
        }
        let (line, column) = index.locate(text, item.span().start);
        if let Some(case) = read_case(diags, &r, name, policy, Location { line, column }) {
            out.push(case);
        }
    }
    Some(out)
}

fn read_case(
    diags: &mut Diagnostics,
    r: &TableReader<'_, '_>,
    name: String,
    policy: &Policy,
    location: Location,
) -> Option<Case> {
    let subject = r.subject.clone();
    let err = |code: &'static str, span: Range<usize>, message: String| {
        Draft::error(code, span, message).subject(subject.clone())
    };

    let from = r.req_str(diags, "from").and_then(|(s, span)| {
        if s == "self" {
            diags.push(err(codes::BAD_ADDRESS, span, t!("cases-from-self")));
            return None;
        }
        resolve_address(diags, &s, span.clone(), policy, &err, "from").map(|(a, h)| (a, h, span))
    });
    let to = r.req_str(diags, "to").and_then(|(s, span)| {
        if s == "self" {
            return Some((CaseTarget::Gateway, span));
        }
        resolve_address(diags, &s, span.clone(), policy, &err, "to")
            .map(|(a, h)| (CaseTarget::Addr(a, h), span))
    });
    let proto = r
        .req_str(diags, "proto")
        .and_then(|(s, span)| match s.as_str() {
            "tcp" => Some((CaseProto::Tcp, span)),
            "udp" => Some((CaseProto::Udp, span)),
            "icmp" => Some((CaseProto::Icmp, span)),
            "icmpv6" => Some((CaseProto::Icmpv6, span)),
            _ => {
                let mut d = err(
                    codes::BAD_PROTO,
                    span,
                    t!("cases-unknown-proto", proto = &s),
                );
                if let Some(best) = closest(&s, PROTOS.iter().copied()) {
                    d = d.note(did_you_mean(&s, best));
                }
                diags.push(d);
                None
            }
        });
    let expect = r
        .req_str(diags, "expect")
        .and_then(|(s, span)| match s.as_str() {
            "accept" => Some(Expect::Accept),
            "drop" => Some(Expect::Drop),
            _ => {
                let mut d = err(codes::WRONG_TYPE, span, t!("cases-bad-expect", found = &s));
                if let Some(best) = closest(&s, ["accept", "drop"]) {
                    d = d.note(did_you_mean(&s, best));
                }
                diags.push(d);
                None
            }
        });
    let iif = r.opt_str(diags, "iif").and_then(|(s, span)| {
        if policy.zones.iter().any(|z| z.interfaces.contains(&s)) {
            Some(s)
        } else {
            let mut d = err(
                codes::UNKNOWN_INTERFACE,
                span,
                t!("cases-unknown-iif", iif = &s),
            );
            if let Some(best) = closest(
                &s,
                policy
                    .zones
                    .iter()
                    .flat_map(|z| z.interfaces.iter().map(String::as_str)),
            ) {
                d = d.note(did_you_mean(&s, best));
            }
            diags.push(d);
            None
        }
    });
    let at = r.get("at").and_then(|v| {
        let text = match v.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            other => {
                diags.push(err(
                    codes::WRONG_TYPE,
                    v.span(),
                    t!("cases-at-type", found = type_name(other)),
                ));
                return None;
            }
        };
        match parse_instant(&text) {
            Ok(instant) => Some(instant),
            Err(e) => {
                let mut d = err(codes::BAD_UNTIL, v.span(), e.to_string());
                if let Some(note) = width_note(&text, |f| parse_instant(f).is_ok()) {
                    d = d.note(note);
                }
                diags.push(d.note(t!("cases-at-note")));
                None
            }
        }
    });
    let port = match (r.get("port"), proto.as_ref()) {
        (None, _) => {
            r.missing(diags, "port");
            None
        }
        (Some(_), None) => None,
        (Some(v), Some((p, _))) => read_port(diags, v, *p, &err),
    };

    let (from, from_host, from_span) = from?;
    let (to, to_span) = to?;
    let (proto, proto_span) = proto?;
    let mut ok = true;
    if let CaseTarget::Addr(addr, to_host) = &to {
        if addr.is_ipv4() != from.is_ipv4() {
            ok = false;
            let mut d = err(
                codes::FAMILY_MISMATCH,
                to_span,
                t!(
                    "cases-family-mismatch",
                    from = from.to_string(),
                    to = addr.to_string(),
                ),
            )
            .label(from_span.clone(), t!("cases-label-source"));
            if from_host.is_some() || to_host.is_some() {
                d = d.note(t!("cases-host-address-note"));
            }
            diags.push(d);
        }
    }
    match (proto, from.is_ipv4()) {
        (CaseProto::Icmp, false) => {
            ok = false;
            diags.push(err(
                codes::BAD_PROTO,
                proto_span.clone(),
                t!("cases-icmp-v4-only", from = from.to_string()),
            ));
        }
        (CaseProto::Icmpv6, true) => {
            ok = false;
            diags.push(err(
                codes::BAD_PROTO,
                proto_span.clone(),
                t!("cases-icmpv6-v6-only", from = from.to_string()),
            ));
        }
        _ => {}
    }
    if iif.is_none() && r.get("iif").is_none() && policy.classify(from).is_none() {
        ok = false;
        diags.push(
            err(
                codes::NO_SOURCE_ZONE,
                from_span,
                t!("cases-no-source-zone", from = from.to_string()),
            )
            .note(t!("cases-no-source-zone-note")),
        );
    }
    let client = r.opt_bool(diags, "client").unwrap_or(false);
    if client && matches!(proto, CaseProto::Icmp | CaseProto::Icmpv6) {
        ok = false;
        let span = r.get("client").map_or(proto_span.clone(), |v| v.span());
        diags.push(err(codes::BAD_PROTO, span, t!("cases-client-proto")));
    }
    if !ok {
        return None;
    }
    Some(Case {
        name,
        from,
        from_host,
        to,
        proto,
        port: port?,
        expect: expect?,
        iif,
        at,
        client,
        location,
    })
}

/// An address, or a host name standing for its case address.
fn resolve_address<F>(
    diags: &mut Diagnostics,
    s: &str,
    span: Range<usize>,
    policy: &Policy,
    err: &F,
    key: &str,
) -> Option<(IpAddr, Option<String>)>
where
    F: Fn(&'static str, Range<usize>, String) -> Draft,
{
    if let Ok(addr) = s.parse::<IpAddr>() {
        return Some((addr, None));
    }
    match policy.host_by_name(s) {
        Some(id) => host_case_address(policy.host(id)).map(|a| (a, Some(s.to_owned()))),
        None => {
            // An address in 全角 (`１０．１０．１．５`) is judged in 半角.
            let folded = fold_width(s);
            let looks_like_address = folded.contains('.')
                && folded
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '/')
                || folded.contains(':');
            let mut d = if looks_like_address {
                err(
                    codes::BAD_ADDRESS,
                    span,
                    t!("cases-not-an-address", key = key, value = s),
                )
            } else {
                err(
                    codes::UNKNOWN_HOST,
                    span,
                    t!("cases-unknown-host", key = key, host = s),
                )
            };
            if folded.parse::<IpAddr>().is_ok() {
                d = d.note(width_note(s, |_| true).unwrap_or_default());
            } else if let Some(best) = closest(s, policy.hosts.iter().map(|h| h.name.as_str())) {
                d = d.note(did_you_mean(s, best));
            } else if policy.zone_by_name(s).is_some() {
                d = d.note(t!("cases-names-a-zone"));
            }
            diags.push(d);
            None
        }
    }
}

fn read_port<F>(diags: &mut Diagnostics, v: &Value<'_>, proto: CaseProto, err: &F) -> Option<u16>
where
    F: Fn(&'static str, Range<usize>, String) -> Draft,
{
    let integer = match v.get_ref() {
        DeValue::Integer(i) => Some(i128::from_str_radix(i.as_str(), i.radix()).ok()),
        _ => None,
    };
    match proto {
        CaseProto::Tcp | CaseProto::Udp => match integer {
            Some(Some(n)) if (1..=65535).contains(&n) => u16::try_from(n).ok(),
            Some(_) => {
                diags.push(err(codes::BAD_PORT, v.span(), t!("cases-port-range")));
                None
            }
            None => {
                diags.push(err(
                    codes::WRONG_TYPE,
                    v.span(),
                    t!(
                        "cases-port-type",
                        proto = proto.as_str(),
                        found = type_name(v.get_ref()),
                    ),
                ));
                None
            }
        },
        CaseProto::Icmp | CaseProto::Icmpv6 => {
            let family = if proto == CaseProto::Icmp {
                IcmpFamily::V4
            } else {
                IcmpFamily::V6
            };
            match (integer, v.get_ref()) {
                (Some(Some(n)), _) if (0..=255).contains(&n) => u16::try_from(n).ok(),
                (Some(_), _) => {
                    diags.push(err(
                        codes::BAD_ICMP_TYPE,
                        v.span(),
                        t!("cases-icmp-type-range", proto = proto.as_str()),
                    ));
                    None
                }
                (None, DeValue::String(s)) => match parse_icmp_type(family, s) {
                    Ok(t) => Some(u16::from(t)),
                    Err(e) => {
                        let mut d = err(codes::BAD_ICMP_TYPE, v.span(), e.to_string());
                        if let Some(note) = width_note(s, |f| parse_icmp_type(family, f).is_ok()) {
                            d = d.note(note);
                        }
                        diags.push(d);
                        None
                    }
                },
                (None, other) => {
                    diags.push(err(
                        codes::WRONG_TYPE,
                        v.span(),
                        t!(
                            "cases-icmp-type-type",
                            proto = proto.as_str(),
                            found = type_name(other),
                        ),
                    ));
                    None
                }
            }
        }
    }
}
