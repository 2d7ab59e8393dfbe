//! The bodies of sanso's fuzz targets, and a grammar of policies.
//!
//! `fuzz/` (cargo-fuzz, libFuzzer, nightly) calls these functions; the test
//! suite replays them over `corpus/` and over inputs drawn from a seeded
//! generator, so what a fuzzing campaign found stays found in CI.
//!
//! * [`policy_text`]: any bytes as a policy file. Loading never panics; a
//!   refused policy renders its diagnostics; an accepted one lowers to an IR
//!   that keeps its invariants, renders as nft text and encodes as a netlink
//!   batch.
//! * [`cases_text`]: any bytes as a cases file against the bundled example.
//! * [`policy_grammar`]: bytes steer a [`PolicyDraft`] (zones, hosts,
//!   services and flows with names, interfaces and addresses from tricky
//!   pools), written out as TOML and run through [`policy_text`]. The kernel
//!   test (`tests/kernel_accepts.rs`) loads what `check` accepts into a
//!   scratch namespace: what `check` accepts, the kernel must accept.
//!
//! * [`readback()`]: the read-back parser of the live table on any text
//!   (`JSON \0 TEXT` listings).
//! * [`netlink_answers`]: the readers of netlink answers on any datagram.
//! * [`audit_verify`]: `sanso audit verify` on any log and head, and one
//!   changed byte of a valid log, which must be reported.
//! * [`compile_nft_check`]: policies from sanso-synth's generator, compiled
//!   and (given a scratch namespace) checked by `nft -c` and a netlink apply.
//!
//! A broken property is a panic, which is what a fuzzer reports.

use arbitrary::{Arbitrary, Unstructured};

pub mod audit;
pub mod netlink;
pub mod readback;
pub mod synth;

pub use audit::audit_verify;
pub use netlink::netlink_answers;
pub use readback::readback;
pub use synth::compile_nft_check;

/// The instant the targets judge `until` at: 2026-12-01T00:00:00Z.
pub const NOW: i64 = 1_796_083_200;

/// What one policy input led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not UTF-8 (the loader's reader reports that; it is not the parser's).
    NotText,
    /// Refused with this many errors.
    Refused(usize),
    /// Accepted: compiled to this ruleset.
    Compiled(Box<sanso_ir::Ruleset>),
}

/// Loads `data` as a policy file and, when accepted, compiles it every way
/// sanso does. Panics when a property breaks.
pub fn policy_text(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::NotText;
    };
    match sanso_policy::load_policy_at("fuzz.toml", text, NOW) {
        Err(diagnostics) => {
            assert!(
                diagnostics.has_errors(),
                "a refused policy names at least one error"
            );
            for d in &diagnostics.items {
                assert!(d.line >= 1 && d.column >= 1, "{d:?} has no position");
                assert!(d.span.end <= text.len(), "{d:?} points past the text");
            }
            let rendered = diagnostics.render(false);
            assert!(!rendered.is_empty());
            Outcome::Refused(diagnostics.error_count())
        }
        Ok(loaded) => Outcome::Compiled(Box::new(compile(&loaded.value))),
    }
}

/// Lowers an accepted policy and renders it both ways.
pub fn compile(policy: &sanso_policy::Policy) -> sanso_ir::Ruleset {
    compile_at(policy, NOW)
}

/// [`compile`], judging `until` at `now`.
pub fn compile_at(policy: &sanso_policy::Policy, now: i64) -> sanso_ir::Ruleset {
    let ruleset = sanso_ir::lower(policy, now);
    if let Err(broken) = sanso_ir::check_invariants(&ruleset) {
        panic!("an accepted policy lowered to a broken IR: {broken}");
    }
    let text = sanso_nft::text::render(&ruleset);
    assert!(
        text.contains("table inet sanso"),
        "the script names its table"
    );
    for zone in &policy.zones {
        for interface in &zone.interfaces {
            // nft 1.0.6 text reinterprets these; `check` must have refused them.
            assert!(
                interface.as_str().bytes().all(|b| b.is_ascii_graphic()
                    && !matches!(b, b'*' | b'"' | b'\\' | b'/' | b':' | b'%')),
                "check accepted the interface name {interface:?}"
            );
        }
    }
    if let Err(err) = sanso_nft::netlink::batch_messages(&ruleset) {
        panic!("an accepted policy does not encode as a netlink batch: {err}");
    }
    ruleset
}

/// Loads `data` as a cases file against the bundled example policy.
pub fn cases_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let policy = example_policy();
    match sanso_policy::load_cases("fuzz-cases.toml", text, &policy) {
        Ok(_) => {}
        Err(diagnostics) => {
            assert!(diagnostics.has_errors());
            assert!(!diagnostics.render(false).is_empty());
        }
    }
}

/// The bundled example (config/policy.toml), which the project keeps valid.
pub fn example_policy() -> sanso_policy::Policy {
    let text = include_str!("../../../config/policy.toml");
    match sanso_policy::load_policy_at("config/policy.toml", text, NOW) {
        Ok(loaded) => loaded.value,
        Err(d) => panic!("the bundled example does not load:\n{d}"),
    }
}

/// Bytes as a [`PolicyDraft`], written out and run through [`policy_text`].
/// Returns the TOML text and the outcome.
pub fn policy_grammar(data: &[u8]) -> Option<(String, Outcome)> {
    let mut u = Unstructured::new(data);
    let draft = PolicyDraft::arbitrary(&mut u).ok()?;
    let text = draft.to_toml();
    let outcome = policy_text(text.as_bytes());
    Some((text, outcome))
}

/// Interface names Linux and nft text take as they are.
const INTERFACES: &[&str] = &[
    "eth0",
    "eth1",
    "lg0",
    "mn0",
    "in0",
    "wan0",
    "br-lan",
    "vlan.10",
    "bond0.20",
    "a",
    "abcdefghijklmno",
    "_",
    "x+y",
    "veth-a_b",
    "e-1.2",
];
/// And what Linux or nft text treat specially (wildcards, quotes,
/// separators, length limits, full width, the loopback).
const BAD_INTERFACES: &[&str] = &[
    "abcdefghijklmnop",
    "x*",
    "*",
    "a\"b",
    "a\\b",
    "a/b",
    "a:b",
    "a b",
    "a%b",
    "ｅｔｈ0",
    "eth\u{a0}0",
    "",
    "-",
    ".",
    "..",
    "@x",
    "tab\t",
    "eth0\n",
    "lo",
];

/// Networks that nest, collide and cross families.
const NETWORKS: &[&str] = &[
    "10.0.0.0/8",
    "10.1.0.0/16",
    "10.1.2.0/24",
    "10.1.2.128/25",
    "10.2.0.0/16",
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "0.0.0.0/0",
    "::/0",
    "fd00::/8",
    "fd00:1::/48",
    "fd00:1:2::/64",
    "2001:db8::/32",
    "10.1.2.3/32",
    "fd00:2::1/128",
];
const BAD_NETWORKS: &[&str] = &[
    "10.1.2.0/16",
    "１０.0.0.0/8",
    "300.1.1.1/32",
    "fe80::/10",
    "127.0.0.0/8",
    "224.0.0.0/4",
    "10.3.0.0/33",
    "x",
];

const TIERS: &[&str] = &["mynumber", "lgwan", "internet", "external"];
const BAD_TIERS: &[&str] = &["LGWAN", "dmz", ""];
const BEYOND: &[&str] = &["internet", "lgwan", "closed"];
const BAD_BEYOND: &[&str] = &["cloud", "Internet"];
const ROLES: &[&str] = &["sanitizer", "screen-transfer", "security-cloud", "batch"];
const BAD_ROLES: &[&str] = &["sanitiser", "Screen-Transfer"];
const SERVICES: &[&str] = &[
    "https",
    "smtp",
    "dns",
    "ssh",
    "tcp/443",
    "udp/53",
    "tcp/1-1024",
    "udp/49152-65535",
    "icmp/echo-request",
    "icmpv6/echo-request",
    "tcp/1-65535",
];
const BAD_SERVICES: &[&str] = &[
    "HTTPS",
    "tcp/0",
    "tcp/65536",
    "tcp/9000-8000",
    "icmp/bogus",
    "sctp/1",
    "tcp/８０",
    "",
];
const LIMITS: &[&str] = &["10/second", "1/minute", "1000000/hour"];
const BAD_LIMITS: &[&str] = &["0/second", "5/day", "x"];
const UNTILS: &[&str] = &["2027-01-01", "2026-12-31T23:59:59+09:00", "2026-01-01"];
const BAD_UNTILS: &[&str] = &["tomorrow", "2026-13-01"];
const REASONS: &[&str] = &["業務に必要", "mail to the sanitizer", "委託保守"];
const BAD_REASONS: &[&str] = &["", " "];

/// One of `good`, or one time in ten one of `bad`: most drafts get far
/// enough to meet the guardrails, many still meet each check.
fn pick<'a>(
    u: &mut Unstructured<'_>,
    good: &[&'a str],
    bad: &[&'a str],
) -> arbitrary::Result<&'a str> {
    if !bad.is_empty() && u.ratio(1, 10)? {
        return Ok(bad[u.choose_index(bad.len())?]);
    }
    Ok(good[u.choose_index(good.len())?])
}

fn some_of<'a>(
    u: &mut Unstructured<'_>,
    good: &[&'a str],
    bad: &[&'a str],
    max: usize,
) -> arbitrary::Result<Vec<&'a str>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| pick(u, good, bad)).collect()
}

/// Each zone's own networks, disjoint from the other zones' (the pools
/// above then make them nest and collide now and then).
const OWN_NETWORKS: &[(&str, &str)] = &[
    ("10.10.0.0/16", "fd00:10::/48"),
    ("10.11.0.0/16", "fd00:11::/48"),
    ("10.12.0.0/16", "fd00:12::/48"),
    ("10.13.0.0/16", "fd00:13::/48"),
    ("10.14.0.0/16", "fd00:14::/48"),
];
const OWN_INTERFACES: &[&str] = &["z0", "z1", "z2", "z3", "z4"];

/// A policy drawn from pools of valid and invalid parts.
#[derive(Clone, Debug)]
pub struct PolicyDraft {
    pub zones: Vec<ZoneDraft>,
    pub hosts: Vec<HostDraft>,
    pub services: Vec<(String, Vec<&'static str>)>,
    pub flows: Vec<FlowDraft>,
}

#[derive(Clone, Debug)]
pub struct ZoneDraft {
    pub name: String,
    pub tier: &'static str,
    pub beyond: Option<&'static str>,
    pub interfaces: Vec<&'static str>,
    pub networks: Vec<&'static str>,
}

#[derive(Clone, Debug)]
pub struct HostDraft {
    pub name: String,
    pub zone: String,
    pub addresses: Vec<String>,
    pub roles: Vec<&'static str>,
    pub serves: Vec<&'static str>,
}

#[derive(Clone, Debug)]
pub struct FlowDraft {
    pub name: String,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub services: Vec<&'static str>,
    pub reason: &'static str,
    pub exception: bool,
    pub log: bool,
    pub limit: Option<&'static str>,
    pub until: Option<&'static str>,
}

impl<'a> Arbitrary<'a> for PolicyDraft {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let zone_count = u.int_in_range(1..=5)?;
        let mut zones = Vec::with_capacity(zone_count);
        for i in 0..zone_count {
            let tier = pick(u, TIERS, BAD_TIERS)?;
            let beyond = if tier == "external" || u.ratio(1, 10)? {
                Some(pick(u, BEYOND, BAD_BEYOND)?)
            } else {
                None
            };
            let mut interfaces = vec![OWN_INTERFACES[i]];
            if u.ratio(1, 4)? {
                interfaces.push(pick(u, INTERFACES, BAD_INTERFACES)?);
            }
            let (v4, v6) = OWN_NETWORKS[i];
            let mut networks = vec![v4];
            if u.ratio(1, 2)? {
                networks.push(v6);
            }
            if tier == "external" && u.ratio(1, 2)? {
                networks = vec!["0.0.0.0/0", "::/0"];
            } else if u.ratio(1, 6)? {
                networks.push(pick(u, NETWORKS, BAD_NETWORKS)?);
            }
            zones.push(ZoneDraft {
                name: format!("z{i}"),
                tier,
                beyond,
                interfaces,
                networks,
            });
        }
        let host_count = u.int_in_range(0..=4)?;
        let mut hosts = Vec::with_capacity(host_count);
        for i in 0..host_count {
            let zone = &zones[u.choose_index(zones.len())?];
            // Mostly an address inside one of the zone's networks.
            let base = zone.networks[u.choose_index(zone.networks.len())?];
            let address = inside(base, u.arbitrary::<u8>()?);
            let mut addresses = vec![address];
            if u.ratio(1, 8)? {
                addresses.push(pick(u, NETWORKS, BAD_NETWORKS)?.to_owned());
            }
            hosts.push(HostDraft {
                name: format!("h{i}"),
                zone: zone.name.clone(),
                addresses,
                roles: some_of(u, ROLES, BAD_ROLES, 2)?,
                serves: some_of(u, SERVICES, BAD_SERVICES, 2)?,
            });
        }
        let services = if u.ratio(1, 3)? {
            vec![(
                String::from("custom"),
                some_of(u, SERVICES, BAD_SERVICES, 3)?,
            )]
        } else {
            Vec::new()
        };
        let names: Vec<String> = zones
            .iter()
            .map(|z| z.name.clone())
            .chain(hosts.iter().map(|h| h.name.clone()))
            .chain([String::from("self")])
            .collect();
        let flow_count = u.int_in_range(0..=6)?;
        let mut flows = Vec::with_capacity(flow_count);
        for i in 0..flow_count {
            let endpoint = |u: &mut Unstructured<'a>| -> arbitrary::Result<Vec<String>> {
                let n = u.int_in_range(1..=2)?;
                (0..n)
                    .map(|_| {
                        if u.ratio(1, 30)? {
                            return Ok(String::from("nowhere"));
                        }
                        Ok(names[u.choose_index(names.len())?].clone())
                    })
                    .collect()
            };
            let from = endpoint(u)?;
            let to = endpoint(u)?;
            let mut services = some_of(u, SERVICES, BAD_SERVICES, 2)?;
            if services.is_empty() || u.ratio(1, 4)? {
                services.push(if u.ratio(1, 2)? { "custom" } else { "https" });
            }
            flows.push(FlowDraft {
                name: format!("f{i}"),
                from,
                to,
                services,
                reason: pick(u, REASONS, BAD_REASONS)?,
                exception: u.ratio(1, 3)?,
                log: u.arbitrary()?,
                limit: if u.ratio(1, 4)? {
                    Some(pick(u, LIMITS, BAD_LIMITS)?)
                } else {
                    None
                },
                until: if u.ratio(1, 4)? {
                    Some(pick(u, UNTILS, BAD_UNTILS)?)
                } else {
                    None
                },
            });
        }
        Ok(PolicyDraft {
            zones,
            hosts,
            services,
            flows,
        })
    }
}

/// An address near the start of `network` (its text with the last number
/// replaced), or the network's text itself when that cannot be done.
fn inside(network: &str, n: u8) -> String {
    let address = network.split('/').next().unwrap_or(network);
    if let Ok(std::net::IpAddr::V4(v4)) = address.parse() {
        let o = v4.octets();
        return format!("{}.{}.{}.{}", o[0], o[1], o[2], n.max(1));
    }
    if let Ok(std::net::IpAddr::V6(v6)) = address.parse() {
        let mut s = v6.segments();
        s[7] = u16::from(n.max(1));
        return std::net::Ipv6Addr::from(s).to_string();
    }
    network.to_owned()
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    let inner: Vec<String> = items.iter().map(|s| quoted(s.as_ref())).collect();
    format!("[{}]", inner.join(", "))
}

impl PolicyDraft {
    /// The draft as a policy file.
    pub fn to_toml(&self) -> String {
        let mut out = String::from("[policy]\nname = \"fuzz\"\n\n");
        for z in &self.zones {
            out.push_str(&format!("[zones.{}]\ntier = {}\n", z.name, quoted(z.tier)));
            if let Some(b) = z.beyond {
                out.push_str(&format!("beyond = {}\n", quoted(b)));
            }
            out.push_str(&format!(
                "interfaces = {}\nnetworks = {}\n\n",
                list(&z.interfaces),
                list(&z.networks)
            ));
        }
        for h in &self.hosts {
            out.push_str(&format!(
                "[hosts.{}]\nzone = {}\naddresses = {}\n",
                h.name,
                quoted(&h.zone),
                list(&h.addresses)
            ));
            if !h.roles.is_empty() {
                out.push_str(&format!("roles = {}\n", list(&h.roles)));
            }
            if !h.serves.is_empty() {
                out.push_str(&format!("serves = {}\n", list(&h.serves)));
            }
            out.push('\n');
        }
        if !self.services.is_empty() {
            out.push_str("[services]\n");
            for (name, entries) in &self.services {
                out.push_str(&format!("{name} = {}\n", list(entries)));
            }
            out.push('\n');
        }
        for f in &self.flows {
            out.push_str(&format!(
                "[[flows]]\nname = {}\nfrom = {}\nto = {}\nservices = {}\nreason = {}\n",
                quoted(&f.name),
                list(&f.from),
                list(&f.to),
                list(&f.services),
                quoted(f.reason)
            ));
            if f.exception {
                out.push_str("exception = { approved_by = \"CISO\", ticket = \"SEC-1\" }\n");
            }
            if f.log {
                out.push_str("log = true\n");
            }
            if let Some(l) = f.limit {
                out.push_str(&format!("limit = {}\n", quoted(l)));
            }
            if let Some(t) = f.until {
                out.push_str(&format!("until = {}\n", quoted(t)));
            }
            out.push('\n');
        }
        out
    }
}
