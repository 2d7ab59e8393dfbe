// A test, not the pure core: it may read files, the clock and the environment.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

//! An independent check of the guardrails of policy contract v2
//! (docs/policy-format.md, "What lies beyond an external zone" and
//! "Guardrails", with the project's readings of it).
//!
//! The matrix is written out here as a plain table ([`table`]) and applied to
//! policies built as TOML text. Nothing of the checker's own logic is used:
//! no guardrail module, no `Policy::standing`; what an end counts as, whether
//! a host is a named host, whether a role host serves a flow, and whether a
//! flow's ports form a range wider than 1024 are all worked out below from
//! the generated description, not from the loaded policy.
//!
//! - [`random_policies_follow_the_matrix`]: random small policies. The whole
//!   policy must load exactly when the table allows every flow; a refused
//!   policy must name each refused flow with a code the table gives for it
//!   (and never a flow the table allows); the policy of only the allowed flows
//!   must load, each pair recording the control the table says (role host,
//!   security-cloud host, exception, or none), with the exception counted
//!   only when it waives something (`has_waiving_exception`, W001), and
//!   W005 on each external zone without `beyond`. 256 cases by default;
//!   `MATRIX_CASES=20000` searches longer.
//! - `rule_*`: per rule, refused policies (the code and the flow's name among
//!   the errors), satisfied ones, and the refused ones plus an exception:
//!   loading for 1, 3, 5, 6 (not transit), 7 and 8, still refused for 2, 4
//!   and 6 (transit).
//!
//! Where the documents leave room (whether a host's `serves` covers a flow's
//! service by name, by identical entries, or by port containment), the
//! random test judges a flow under each reading and makes no claim about a
//! flow on which they disagree.

use std::cell::RefCell;
use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};
use sanso_policy::{
    load_policy, load_policy_with_warnings, Control, Diagnostic, Diagnostics, Endpoint, HostId,
    Policy, Severity, Subject, ZoneId,
};

// ---------------------------------------------------------------------------
// The matrix.

/// What one end of a flow counts as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum St {
    /// tier mynumber
    Mn,
    /// tier lgwan
    Lg,
    /// tier internet (inside the city)
    It,
    /// external, beyond = "lgwan": the LGWAN backbone
    Bb,
    /// external, beyond = "internet" or no beyond: the Internet
    Net,
    /// external, beyond = "closed": a closed line
    Cl,
    /// `self`
    Gw,
}
use St::{Bb, Cl, Gw, It, Lg, Mn, Net};

const ALL_STANDINGS: [St; 7] = [Mn, Lg, It, Bb, Net, Cl, Gw];

/// What a (from, to) pair needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    Allowed,
    /// Rule 1: an exception, and both ends named hosts (or `self`).
    NamedHostsAndException,
    /// Rule 3: one end a named host with a sanitizing role (screen-transfer:
    /// only as the destination of a flow from the lgwan side) whose `serves`
    /// covers every service of the flow; or an exception.
    NeedsRole,
    /// Rule 5, internet tier -> the Internet: the destination a
    /// security-cloud host (not holding its whole zone); or an exception.
    NeedsSecurityCloudDestination,
    /// Rule 5, the Internet -> internet tier: the source such a host; or an exception.
    NeedsSecurityCloudSource,
    /// Rules 6 (external <-> external, not transit) and 7 (the Internet -> self).
    NeedsException(u8),
    /// Rules 2, 4 and 6 (transit): refused; the refusal carries one of these codes.
    Never(&'static [&'static str]),
}

/// The contract's guardrails 1-7 as a table over (from, to). No wildcard:
/// the compiler checks that all 49 cells are written exactly once.
fn table(from: St, to: St) -> Need {
    match (from, to) {
        (Gw, Gw) => Need::Allowed, // refused elsewhere (E038), never generated
        (Mn, Mn) => Need::Allowed,
        // 1: mynumber <-> lgwan, the LGWAN backbone, a closed line or self.
        (Mn, Lg | Bb | Cl | Gw) | (Lg | Bb | Cl | Gw, Mn) => Need::NamedHostsAndException,
        // 2: mynumber <-> the internet tier or the Internet.
        (Mn, It | Net) | (It | Net, Mn) => Need::Never(&["G2"]),
        // 3: lgwan or the backbone <-> the internet tier.
        (Lg | Bb, It) | (It, Lg | Bb) => Need::NeedsRole,
        // 4: lgwan <-> the Internet; the backbone <-> the Internet is also 6 (transit).
        (Lg, Net) | (Net, Lg) => Need::Never(&["G4"]),
        (Bb, Net) | (Net, Bb) => Need::Never(&["G4", "G6"]),
        // 5
        (It, Net) => Need::NeedsSecurityCloudDestination,
        (Net, It) => Need::NeedsSecurityCloudSource,
        // 6: transit, and any other external <-> external.
        (Net, Cl) | (Cl, Net) => Need::Never(&["G6"]),
        (Net, Net) | (Bb, Bb) | (Cl, Cl) | (Bb, Cl) | (Cl, Bb) => Need::NeedsException(6),
        // 7
        (Net, Gw) => Need::NeedsException(7),
        // Everything else crosses no rule.
        (Lg, Lg | Bb | Cl | Gw)
        | (Bb, Lg | Gw)
        | (Cl, Lg | It | Gw)
        | (It, It | Cl | Gw)
        | (Gw, Lg | It | Bb | Cl | Net) => Need::Allowed,
    }
}

/// The tier for rule 8: the backbone counts as lgwan, everything else as itself.
fn tier_of(s: St) -> St {
    if s == Bb {
        Lg
    } else {
        s
    }
}

// ---------------------------------------------------------------------------
// Services.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum M {
    Tcp(u32, u32),
    Udp(u32, u32),
    Icmp(u8),
    Icmp6(u8),
}

struct Svc {
    /// As written in a flow's `services` or a host's `serves`.
    name: &'static str,
    matches: &'static [M],
}

/// Names the random policies use; the first `NARROW` are single ports.
const POOL: &[Svc] = &[
    Svc {
        name: "ssh",
        matches: &[M::Tcp(22, 22)],
    },
    Svc {
        name: "smtp",
        matches: &[M::Tcp(25, 25)],
    },
    Svc {
        name: "https",
        matches: &[M::Tcp(443, 443)],
    },
    Svc {
        name: "dns",
        matches: &[M::Udp(53, 53), M::Tcp(53, 53)],
    },
    Svc {
        name: "ping",
        matches: &[M::Icmp(8), M::Icmp6(128)],
    },
    Svc {
        name: "rdp",
        matches: &[M::Tcp(3389, 3389), M::Udp(3389, 3389)],
    },
    Svc {
        name: "tcp/443",
        matches: &[M::Tcp(443, 443)],
    },
    Svc {
        name: "tcp/8443",
        matches: &[M::Tcp(8443, 8443)],
    },
    Svc {
        name: "filexfer",
        matches: &[M::Tcp(8443, 8443)],
    },
    Svc {
        name: "tcp/1024-65535",
        matches: &[M::Tcp(1024, 65535)],
    },
    Svc {
        name: "highports",
        matches: &[M::Tcp(49152, 65535)],
    },
    Svc {
        name: "bulk",
        matches: &[M::Udp(5000, 7000)],
    },
    Svc {
        name: "block-a",
        matches: &[M::Tcp(3000, 3600)],
    },
    Svc {
        name: "block-b",
        matches: &[M::Tcp(3601, 4200)],
    },
    Svc {
        name: "block-c",
        matches: &[M::Tcp(4300, 4900)],
    },
    Svc {
        name: "k1024",
        matches: &[M::Tcp(10000, 11023)],
    },
    Svc {
        name: "k1025",
        matches: &[M::Tcp(10000, 11024)],
    },
    Svc {
        name: "udp/1-65535",
        matches: &[M::Udp(1, 65535)],
    },
];
const NARROW: usize = 9;

/// The `[services]` table of every random policy (the file-defined names of `POOL`).
const SERVICES_TABLE: &str = r#"[services]
filexfer = ["tcp/8443"]
highports = ["tcp/49152-65535"]
bulk = ["udp/5000-7000"]
block-a = ["tcp/3000-3600"]
block-b = ["tcp/3601-4200"]
block-c = ["tcp/4300-4900"]
k1024 = ["tcp/10000-11023"]
k1025 = ["tcp/10000-11024"]
"#;

/// Sorted, with overlapping and touching ranges merged (ports 1-600 and
/// 601-1200 form the range 1-1200).
fn merged(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn ranges(services: &[usize], tcp: bool) -> Vec<(u32, u32)> {
    services
        .iter()
        .flat_map(|&s| POOL[s].matches)
        .filter_map(|m| match (m, tcp) {
            (M::Tcp(a, b), true) | (M::Udp(a, b), false) => Some((*a, *b)),
            _ => None,
        })
        .collect()
}

/// Rule 8: the flow's TCP or UDP ports, merged per protocol, form a range
/// wider than 1024 ports.
fn too_wide(services: &[usize]) -> bool {
    [true, false].into_iter().any(|tcp| {
        merged(ranges(services, tcp))
            .iter()
            .any(|(a, b)| b - a + 1 > 1024)
    })
}

/// How a host's `serves` may be read to cover a flow's service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coverage {
    /// The service's name is listed.
    Name,
    /// Every entry of the service is an entry of some listed service.
    EqualEntries,
    /// Every entry of the service lies within the listed ports.
    Containment,
}
const READINGS: [Coverage; 3] = [
    Coverage::Name,
    Coverage::EqualEntries,
    Coverage::Containment,
];

fn covers(serves: &[usize], services: &[usize], how: Coverage) -> bool {
    let listed = || serves.iter().flat_map(|&s| POOL[s].matches);
    let wanted = services.iter().flat_map(|&s| POOL[s].matches);
    match how {
        Coverage::Name => services.iter().all(|s| serves.contains(s)),
        Coverage::EqualEntries => wanted.into_iter().all(|m| listed().any(|n| n == m)),
        Coverage::Containment => {
            let tcp = merged(ranges(serves, true));
            let udp = merged(ranges(serves, false));
            let within =
                |set: &[(u32, u32)], a: u32, b: u32| set.iter().any(|&(x, y)| x <= a && b <= y);
            wanted.into_iter().all(|m| match *m {
                M::Tcp(a, b) => within(&tcp, a, b),
                M::Udp(a, b) => within(&udp, a, b),
                M::Icmp(_) | M::Icmp6(_) => listed().any(|n| n == m),
            })
        }
    }
}

// ---------------------------------------------------------------------------
// Policies as TOML (the random and the targeted ones).

/// A TOML array of strings: `["a", "b"]`.
fn toml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// One `[[flows]]` table, after a blank line; with an exception approved by
/// the CISO when a ticket is given.
fn flow_toml(
    name: &str,
    from: &[&str],
    to: &[&str],
    services: &[&str],
    reason: &str,
    until: Option<&str>,
    ticket: Option<&str>,
) -> String {
    let mut t = format!(
        "\n[[flows]]\nname = \"{name}\"\nfrom = {}\nto = {}\nservices = {}\nreason = \"{reason}\"\n",
        toml_list(from),
        toml_list(to),
        toml_list(services)
    );
    if let Some(u) = until {
        t.push_str(&format!("until = \"{u}\"\n"));
    }
    if let Some(ticket) = ticket {
        t.push_str(&format!(
            "exception = {{ approved_by = \"CISO\", ticket = \"{ticket}\" }}\n"
        ));
    }
    t
}

// ---------------------------------------------------------------------------
// A policy as the test knows it.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// 10.o.0.0/16
    Wide4,
    /// 10.o.0.0/16 and fd00:o::/48
    Dual,
    /// 10.o.0.0/24
    Small,
    /// 10.o.0.0/24 and 10.o.1.0/24
    TwoSmall,
    /// 0.0.0.0/0 (and ::/0)
    CatchAll { v6: bool },
}

#[derive(Clone, Debug)]
struct ZoneSpec {
    name: String,
    tier: &'static str,
    beyond: Option<&'static str>,
    interface: String,
    networks: Vec<String>,
    shape: Shape,
    octet: usize,
}

impl ZoneSpec {
    /// The contract's "what lies beyond an external zone".
    fn standing(&self) -> St {
        match (self.tier, self.beyond) {
            ("mynumber", _) => Mn,
            ("lgwan", _) => Lg,
            ("internet", _) => It,
            ("external", Some("lgwan")) => Bb,
            ("external", Some("closed")) => Cl,
            ("external", Some("internet") | None) => Net,
            other => panic!("no such zone in these tests: {other:?}"),
        }
    }
}

#[derive(Clone, Debug)]
struct HostSpec {
    name: String,
    zone: usize,
    addresses: Vec<String>,
    roles: Vec<&'static str>,
    serves: Option<Vec<usize>>,
    /// Narrower than its zone: not holding all its addresses, each no wider
    /// than /24 or /64 (known by construction, see `host_addresses`).
    named: bool,
    /// Holds every address of its zone.
    whole: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    Gw,
    Zone(usize),
    Host(usize),
}

#[derive(Clone, Debug)]
struct FlowSpec {
    name: String,
    from: Vec<End>,
    to: Vec<End>,
    services: Vec<usize>,
    exception: bool,
    until: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct Spec {
    zones: Vec<ZoneSpec>,
    hosts: Vec<HostSpec>,
    flows: Vec<FlowSpec>,
}

impl Spec {
    fn standing(&self, end: End) -> St {
        match end {
            End::Gw => Gw,
            End::Zone(z) => self.zones[z].standing(),
            End::Host(h) => self.zones[self.hosts[h].zone].standing(),
        }
    }

    fn name(&self, end: End) -> &str {
        match end {
            End::Gw => "self",
            End::Zone(z) => &self.zones[z].name,
            End::Host(h) => &self.hosts[h].name,
        }
    }

    fn named(&self, end: End) -> bool {
        match end {
            End::Gw => true,
            End::Zone(_) => false,
            End::Host(h) => self.hosts[h].named,
        }
    }

    /// The policy with only the given flows, as TOML.
    fn render(&self, flows: &[usize]) -> String {
        let mut t = String::from("[policy]\nname = \"matrix\"\n");
        for z in &self.zones {
            t.push_str(&format!("\n[zones.{}]\ntier = \"{}\"\n", z.name, z.tier));
            if let Some(b) = z.beyond {
                t.push_str(&format!("beyond = \"{b}\"\n"));
            }
            let nets: Vec<&str> = z.networks.iter().map(String::as_str).collect();
            t.push_str(&format!(
                "interfaces = [\"{}\"]\nnetworks = {}\n",
                z.interface,
                toml_list(&nets)
            ));
        }
        for h in &self.hosts {
            let addrs: Vec<&str> = h.addresses.iter().map(String::as_str).collect();
            t.push_str(&format!(
                "\n[hosts.{}]\nzone = \"{}\"\naddresses = {}\n",
                h.name,
                self.zones[h.zone].name,
                toml_list(&addrs)
            ));
            if !h.roles.is_empty() {
                t.push_str(&format!("roles = {}\n", toml_list(&h.roles)));
            }
            if let Some(serves) = &h.serves {
                let names: Vec<&str> = serves.iter().map(|&s| POOL[s].name).collect();
                t.push_str(&format!("serves = {}\n", toml_list(&names)));
            }
        }
        t.push('\n');
        t.push_str(SERVICES_TABLE);
        for &k in flows {
            let f = &self.flows[k];
            let ends = |ends: &[End]| -> Vec<&str> { ends.iter().map(|&e| self.name(e)).collect() };
            let services: Vec<&str> = f.services.iter().map(|&s| POOL[s].name).collect();
            let ticket = f.exception.then(|| format!("SEC-{k}"));
            t.push_str(&flow_toml(
                &f.name,
                &ends(&f.from),
                &ends(&f.to),
                &services,
                "matrix test",
                f.until,
                ticket.as_deref(),
            ));
        }
        t
    }
}

// ---------------------------------------------------------------------------
// Judging a flow by the table.

/// What satisfies a pair that meets a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
enum By {
    /// Any of these (host, role) would do.
    Role(Vec<(usize, &'static str)>),
    Cloud(usize),
    Exception,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PairVerdict {
    /// Meets no rule of 1-7.
    Free,
    /// Meets rule n, satisfied by this.
    Controlled(u8, By),
    /// Refused with one of these codes.
    Refused(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wide {
    NotMet,
    Waived,
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct FlowVerdict {
    pairs: Vec<(End, End, PairVerdict)>,
    g8: Wide,
}

impl FlowVerdict {
    /// Each refusal with the codes it may carry.
    fn refusals(&self) -> Vec<&'static [&'static str]> {
        let mut out: Vec<&'static [&'static str]> = self
            .pairs
            .iter()
            .filter_map(|(_, _, v)| match v {
                PairVerdict::Refused(codes) => Some(*codes),
                _ => None,
            })
            .collect();
        if self.g8 == Wide::Refused {
            out.push(&["G8"]);
        }
        out
    }

    fn refused(&self) -> bool {
        !self.refusals().is_empty()
    }

    /// The exception is what lets something through.
    fn waives(&self) -> bool {
        self.g8 == Wide::Waived
            || self
                .pairs
                .iter()
                .any(|(_, _, v)| matches!(v, PairVerdict::Controlled(_, By::Exception)))
    }
}

fn judge_pair(spec: &Spec, flow: &FlowSpec, f: End, t: End, how: Coverage) -> PairVerdict {
    let (sf, st) = (spec.standing(f), spec.standing(t));
    let exception = |rule: u8, refusal: &'static [&'static str]| {
        if flow.exception {
            PairVerdict::Controlled(rule, By::Exception)
        } else {
            PairVerdict::Refused(refusal)
        }
    };
    let cloud = |end: End| match end {
        End::Host(h) if spec.hosts[h].roles.contains(&"security-cloud") && !spec.hosts[h].whole => {
            Some(PairVerdict::Controlled(5, By::Cloud(h)))
        }
        _ => None,
    };
    match table(sf, st) {
        Need::Allowed => PairVerdict::Free,
        Need::Never(codes) => PairVerdict::Refused(codes),
        Need::NeedsException(rule) => exception(rule, if rule == 6 { &["G6"] } else { &["G7"] }),
        Need::NamedHostsAndException => {
            if flow.exception && spec.named(f) && spec.named(t) {
                PairVerdict::Controlled(1, By::Exception)
            } else {
                PairVerdict::Refused(&["G1"])
            }
        }
        Need::NeedsSecurityCloudDestination => cloud(t).unwrap_or_else(|| exception(5, &["G5"])),
        Need::NeedsSecurityCloudSource => cloud(f).unwrap_or_else(|| exception(5, &["G5"])),
        Need::NeedsRole => {
            let serving = |h: usize| {
                let host = &spec.hosts[h];
                host.named
                    && host
                        .serves
                        .as_ref()
                        .is_some_and(|s| covers(s, &flow.services, how))
            };
            let mut ok = Vec::new();
            if let End::Host(h) = f {
                if serving(h) && spec.hosts[h].roles.contains(&"sanitizer") {
                    ok.push((h, "sanitizer"));
                }
            }
            if let End::Host(h) = t {
                if serving(h) && spec.hosts[h].roles.contains(&"sanitizer") {
                    ok.push((h, "sanitizer"));
                }
                // A screen-transfer host is only reached from the lgwan side.
                if serving(h)
                    && spec.hosts[h].roles.contains(&"screen-transfer")
                    && matches!(sf, Lg | Bb)
                {
                    ok.push((h, "screen-transfer"));
                }
            }
            if ok.is_empty() {
                exception(3, &["G3"])
            } else {
                PairVerdict::Controlled(3, By::Role(ok))
            }
        }
    }
}

fn judge_flow(spec: &Spec, flow: &FlowSpec, how: Coverage) -> FlowVerdict {
    let mut pairs = Vec::new();
    let mut crosses = false;
    for &f in &flow.from {
        for &t in &flow.to {
            crosses |= tier_of(spec.standing(f)) != tier_of(spec.standing(t));
            pairs.push((f, t, judge_pair(spec, flow, f, t, how)));
        }
    }
    let g8 = match (crosses && too_wide(&flow.services), flow.exception) {
        (false, _) => Wide::NotMet,
        (true, true) => Wide::Waived,
        (true, false) => Wide::Refused,
    };
    FlowVerdict { pairs, g8 }
}

/// The verdict every reading agrees on, or all of them when they disagree.
enum Judged {
    Definite(FlowVerdict),
    Ambiguous(Vec<FlowVerdict>),
}

fn judge(spec: &Spec, flow: &FlowSpec) -> Judged {
    let all: Vec<FlowVerdict> = READINGS
        .iter()
        .map(|&r| judge_flow(spec, flow, r))
        .collect();
    if all.iter().all(|v| *v == all[0]) {
        Judged::Definite(all[0].clone())
    } else {
        Judged::Ambiguous(all)
    }
}

// ---------------------------------------------------------------------------
// Random policies.

#[derive(Clone, Debug)]
struct ZoneGen {
    tier: u8,
    beyond: u8,
    shape: u8,
}

#[derive(Clone, Debug)]
struct HostGen {
    zone: Index,
    kind: u8,
    roles: (bool, bool, bool, bool),
    serves: Option<Vec<usize>>,
}

#[derive(Clone, Debug)]
struct FlowGen {
    /// (what kind of end: 0-1 a zone, 2-4 a host, 5 self; which one)
    from: Vec<(u8, Index)>,
    to: Vec<(u8, Index)>,
    services: Vec<usize>,
    /// Take the services from the `serves` of the flow's first host that has one.
    served: bool,
    exception: bool,
    until: u8,
}

#[derive(Clone, Debug)]
struct Gen {
    zones: Vec<ZoneGen>,
    /// A catch-all external zone: its `beyond` choice and whether it holds ::/0 too.
    world: Option<(u8, bool)>,
    hosts: Vec<HostGen>,
    flows: Vec<FlowGen>,
}

fn service_index() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0..NARROW, 1 => NARROW..POOL.len()]
}

fn gen() -> impl Strategy<Value = Gen> {
    let zone = (0u8..4, 0u8..4, 0u8..4).prop_map(|(tier, beyond, shape)| ZoneGen {
        tier,
        beyond,
        shape,
    });
    let host = (
        any::<Index>(),
        // Kinds 0-2 are mostly named hosts.
        prop_oneof![2 => 0u8..3, 3 => 0u8..8],
        (
            prop::bool::weighted(0.5),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.4),
            prop::bool::weighted(0.15),
        ),
        prop::option::weighted(0.7, prop::collection::vec(service_index(), 1..=3)),
    )
        .prop_map(|(zone, kind, roles, serves)| HostGen {
            zone,
            kind,
            roles,
            serves,
        });
    let flow = (
        prop::collection::vec((0u8..6, any::<Index>()), 1..=2),
        prop::collection::vec((0u8..6, any::<Index>()), 1..=2),
        prop::collection::vec(service_index(), 1..=3),
        prop::bool::weighted(0.4),
        prop::bool::weighted(0.35),
        0u8..4,
    )
        .prop_map(|(from, to, services, served, exception, until)| FlowGen {
            from,
            to,
            services,
            served,
            exception,
            until,
        });
    (
        prop::collection::vec(zone, 2..=4),
        prop::option::weighted(0.5, (0u8..4, any::<bool>())),
        prop::collection::vec(host, 0..=8),
        prop::collection::vec(flow, 1..=8),
    )
        .prop_map(|(zones, world, hosts, flows)| Gen {
            zones,
            world,
            hosts,
            flows,
        })
}

const BEYONDS: [Option<&str>; 4] = [Some("internet"), Some("lgwan"), Some("closed"), None];

/// A host's addresses by zone shape and kind, and whether it is a named host
/// and whether it holds its whole zone. `o` is the zone's octet, `h` the
/// host's index.
fn host_addresses(shape: Shape, o: usize, kind: u8, h: usize) -> (Vec<String>, bool, bool) {
    let one = || vec![format!("10.{o}.0.{}", 10 + h)];
    let two = || {
        vec![
            format!("10.{o}.0.{}", 10 + h),
            format!("10.{o}.0.{}", 100 + h),
        ]
    };
    let s = |v: &[String]| v.to_vec();
    // (addresses, named, whole)
    match (shape, kind) {
        (Shape::CatchAll { .. }, 0) => (vec![format!("198.51.100.{}", 10 + h)], true, false),
        (Shape::CatchAll { .. }, 1) => (
            vec![
                format!("198.51.100.{}", 10 + h),
                format!("198.51.100.{}", 100 + h),
            ],
            true,
            false,
        ),
        (Shape::CatchAll { .. }, 2) => (vec![format!("198.18.{h}.0/24")], true, false),
        (Shape::CatchAll { v6: true }, 6) => (vec![format!("2001:db8:{h}::1")], true, false),
        (Shape::CatchAll { v6: false }, 6) => (vec![format!("198.51.100.{}", 10 + h)], true, false),
        // Wider than /24, not the whole zone (a catch-all is never a host).
        (Shape::CatchAll { .. }, _) => (vec![format!("198.19.{}.0/20", 16 * h)], false, false),
        (_, 0) | (Shape::Wide4 | Shape::Small | Shape::TwoSmall, 6) => (one(), true, false),
        (_, 1) => (two(), true, false),
        (Shape::Wide4 | Shape::Dual, 2) => (vec![format!("10.{o}.{}.0/24", 10 + h)], true, false),
        (Shape::Small, 2) => (vec![format!("10.{o}.0.0/24")], false, true),
        // One of two /24 networks: narrow, not the whole zone.
        (Shape::TwoSmall, 2) => (vec![format!("10.{o}.0.0/24")], true, false),
        (Shape::Wide4 | Shape::Dual, 3) | (Shape::Wide4, 7) => {
            (vec![format!("10.{o}.{}.0/20", 16 * (h + 1))], false, false)
        }
        (Shape::Small, 3 | 7) => (vec![format!("10.{o}.0.128/25")], true, false),
        (Shape::TwoSmall, 3 | 7) => (
            vec![format!("10.{o}.1.0/24"), format!("10.{o}.0.128/25")],
            true,
            false,
        ),
        (Shape::Wide4, 4) => (s(&[format!("10.{o}.0.0/16")]), false, true),
        (Shape::Dual, 4) => (
            s(&[format!("10.{o}.0.0/16"), format!("fd00:{o}::/48")]),
            false,
            true,
        ),
        (Shape::Small, 4) => (s(&[format!("10.{o}.0.0/24")]), false, true),
        (Shape::TwoSmall, 4) => (
            s(&[format!("10.{o}.0.0/24"), format!("10.{o}.1.0/24")]),
            false,
            true,
        ),
        // The whole zone in pieces.
        (Shape::Wide4, 5) => (
            s(&[format!("10.{o}.0.0/17"), format!("10.{o}.128.0/17")]),
            false,
            true,
        ),
        (Shape::Dual, 5) => (
            s(&[
                format!("10.{o}.0.0/17"),
                format!("10.{o}.128.0/17"),
                format!("fd00:{o}::/49"),
                format!("fd00:{o}:0:8000::/49"),
            ]),
            false,
            true,
        ),
        // Each piece no wider than /24, but together the whole zone: not named.
        (Shape::Small, 5) => (
            s(&[format!("10.{o}.0.0/25"), format!("10.{o}.0.128/25")]),
            false,
            true,
        ),
        (Shape::TwoSmall, 5) => (
            s(&[format!("10.{o}.1.0/24"), format!("10.{o}.0.0/24")]),
            false,
            true,
        ),
        (Shape::Dual, 6) => (
            vec![
                format!("10.{o}.0.{}", 10 + h),
                format!("fd00:{o}:0:{}::/64", h + 1),
            ],
            true,
            false,
        ),
        // A /56: wider than /64, not the whole zone.
        (Shape::Dual, 7) => (
            vec![format!("fd00:{o}:0:{:x}::/56", (h + 1) * 256)],
            false,
            false,
        ),
        (shape, kind) => panic!("no host kind {kind} for {shape:?}"),
    }
}

fn build(g: &Gen) -> Spec {
    let mut zones = Vec::new();
    for (i, z) in g.zones.iter().enumerate() {
        let o = i + 1;
        let (tier, beyond) = match z.tier {
            0 => ("mynumber", None),
            1 => ("lgwan", None),
            2 => ("internet", None),
            _ => ("external", BEYONDS[usize::from(z.beyond)]),
        };
        let shape =
            [Shape::Wide4, Shape::Dual, Shape::Small, Shape::TwoSmall][usize::from(z.shape)];
        let networks = match shape {
            Shape::Wide4 => vec![format!("10.{o}.0.0/16")],
            Shape::Dual => vec![format!("10.{o}.0.0/16"), format!("fd00:{o}::/48")],
            Shape::Small => vec![format!("10.{o}.0.0/24")],
            Shape::TwoSmall => vec![format!("10.{o}.0.0/24"), format!("10.{o}.1.0/24")],
            Shape::CatchAll { .. } => unreachable!(),
        };
        let label = match (tier, beyond) {
            ("mynumber", _) => "mn",
            ("lgwan", _) => "lg",
            ("internet", _) => "inet",
            (_, Some("internet")) => "ext-inet",
            (_, Some("lgwan")) => "ext-lgwan",
            (_, Some(_)) => "ext-closed",
            (_, None) => "ext",
        };
        zones.push(ZoneSpec {
            name: format!("z{o}-{label}"),
            tier,
            beyond,
            interface: format!("if{o}"),
            networks,
            shape,
            octet: o,
        });
    }
    if let Some((beyond, v6)) = g.world {
        let mut networks = vec!["0.0.0.0/0".to_owned()];
        if v6 {
            networks.push("::/0".to_owned());
        }
        zones.push(ZoneSpec {
            name: "world".to_owned(),
            tier: "external",
            beyond: BEYONDS[usize::from(beyond)],
            interface: "wan0".to_owned(),
            networks,
            shape: Shape::CatchAll { v6 },
            octet: 0,
        });
    }
    let mut hosts = Vec::new();
    for (h, hg) in g.hosts.iter().enumerate() {
        let zone = hg.zone.index(zones.len());
        let (addresses, named, whole) =
            host_addresses(zones[zone].shape, zones[zone].octet, hg.kind, h);
        let (a, b, c, d) = hg.roles;
        let roles: Vec<&'static str> = [
            (a, "sanitizer"),
            (b, "screen-transfer"),
            (c, "security-cloud"),
            (d, "backup"),
        ]
        .into_iter()
        .filter_map(|(on, r)| on.then_some(r))
        .collect();
        let serves = hg.serves.as_ref().map(|s| {
            let mut s = s.clone();
            s.sort_unstable();
            s.dedup();
            s
        });
        hosts.push(HostSpec {
            name: format!("h{h}"),
            zone,
            addresses,
            roles,
            serves,
            named,
            whole,
        });
    }
    let (nz, nh) = (zones.len(), hosts.len());
    let end = |kind: u8, i: &Index, self_ok: bool| match kind {
        5 if self_ok => End::Gw,
        2..=5 if nh > 0 => End::Host(i.index(nh)),
        _ => End::Zone(i.index(nz)),
    };
    let mut flows = Vec::new();
    for (k, fg) in g.flows.iter().enumerate() {
        let mut from: Vec<End> = Vec::new();
        for (kind, i) in &fg.from {
            let e = end(*kind, i, true);
            if !from.contains(&e) {
                from.push(e);
            }
        }
        // self -> self is another error (E038): `to` then leaves self out.
        let self_ok = !from.contains(&End::Gw);
        let mut to: Vec<End> = Vec::new();
        for (kind, i) in &fg.to {
            let e = end(*kind, i, self_ok);
            if !to.contains(&e) {
                to.push(e);
            }
        }
        let served = from.iter().chain(&to).find_map(|e| match e {
            End::Host(h) if fg.served => hosts[*h].serves.clone(),
            _ => None,
        });
        let mut services = Vec::new();
        for &s in served.as_deref().unwrap_or(&fg.services) {
            if !services.contains(&s) {
                services.push(s);
            }
        }
        flows.push(FlowSpec {
            name: format!("f{k}"),
            from,
            to,
            services,
            exception: fg.exception,
            until: [
                None,
                Some("2099-12-31"),
                Some("2020-01-01"),
                Some("2030-06-30T12:00:00+09:00"),
            ][usize::from(fg.until)],
        });
    }
    Spec {
        zones,
        hosts,
        flows,
    }
}

// ---------------------------------------------------------------------------
// Checking a random policy.

#[derive(Default, Debug)]
struct Stats {
    cases: usize,
    whole_loaded: usize,
    whole_refused: usize,
    ambiguous_flows: usize,
    /// "rule 3 by role", "refused G2", ... over the flows of loaded policies
    /// and the refused flows.
    seen: BTreeMap<String, usize>,
}

impl Stats {
    /// One more of `what` in `seen`.
    fn saw(&mut self, what: impl Into<String>) {
        *self.seen.entry(what.into()).or_default() += 1;
    }
}

fn fail(why: String, text: &str, diags: Option<&Diagnostics>) -> TestCaseError {
    let rendered = diags.map(|d| d.render(false)).unwrap_or_default();
    TestCaseError::fail(format!(
        "{why}\n--- policy ---\n{text}\n--- diagnostics ---\n{rendered}"
    ))
}

fn endpoint(end: End) -> Endpoint {
    match end {
        End::Gw => Endpoint::Gateway,
        End::Zone(z) => Endpoint::Zone(ZoneId(z)),
        End::Host(h) => Endpoint::Host(HostId(h)),
    }
}

fn describe_pair(spec: &Spec, f: End, t: End) -> String {
    format!(
        "{} ({:?}) -> {} ({:?})",
        spec.name(f),
        spec.standing(f),
        spec.name(t),
        spec.standing(t)
    )
}

fn names_flow(d: &Diagnostic, flow: &str) -> bool {
    d.message.contains(&format!("flow {flow:?}"))
}

/// The diagnostic's subject is the flow.
fn about_flow(d: &Diagnostic, flow: &str) -> bool {
    matches!(&d.subject, Some(Subject::Flow(name)) if name == flow)
}

/// A refused policy: every error is a guardrail error on a flow the table
/// refuses (or on which the readings disagree) with a code the table gives,
/// and every refusal of the table shows.
fn check_refused(
    spec: &Spec,
    text: &str,
    diags: &Diagnostics,
    judged: &[(usize, &Judged)],
) -> Result<(), TestCaseError> {
    let err = |why: String| fail(why, text, Some(diags));
    let errors: Vec<&Diagnostic> = diags.errors().collect();
    for d in &errors {
        let flow = match &d.subject {
            Some(Subject::Flow(name)) => name,
            _ => {
                return Err(err(format!(
                    "an error not about a flow: {} {}",
                    d.code, d.message
                )))
            }
        };
        let Some((_, j)) = judged.iter().find(|(k, _)| spec.flows[*k].name == *flow) else {
            return Err(err(format!("an error about an unknown flow {flow}")));
        };
        let codes: Vec<&str> = match j {
            Judged::Definite(v) => v.refusals().concat(),
            Judged::Ambiguous(vs) => vs.iter().flat_map(|v| v.refusals().concat()).collect(),
        };
        if !codes.contains(&d.code) {
            let verdict = match j {
                Judged::Definite(v) => format!("{v:?}"),
                Judged::Ambiguous(vs) => format!("one of {vs:?}"),
            };
            return Err(err(format!(
                "flow {flow} refused with {} ({}), but the table gives only {codes:?}: {verdict}",
                d.code, d.message
            )));
        }
        if !names_flow(d, flow) {
            return Err(err(format!(
                "the message does not name flow {flow}: {}",
                d.message
            )));
        }
    }
    for (k, j) in judged {
        let Judged::Definite(v) = j else { continue };
        let flow = &spec.flows[*k];
        for (f, t, pv) in &v.pairs {
            if let PairVerdict::Refused(codes) = pv {
                if !errors
                    .iter()
                    .any(|d| about_flow(d, &flow.name) && codes.contains(&d.code))
                {
                    return Err(err(format!(
                        "flow {}: the pair {} should be refused with one of {codes:?}, no such error",
                        flow.name,
                        describe_pair(spec, *f, *t)
                    )));
                }
            }
        }
        if v.g8 == Wide::Refused
            && !errors
                .iter()
                .any(|d| about_flow(d, &flow.name) && d.code == "G8")
        {
            return Err(err(format!(
                "flow {}: crosses tiers with a port range wider than 1024 and no exception, but no G8",
                flow.name
            )));
        }
    }
    Ok(())
}

/// A loaded policy holding the flows `judged` (in that order): each pair
/// records the control the table says, the exception counts only when it
/// waives something, and the warnings say so.
fn check_loaded(
    spec: &Spec,
    text: &str,
    policy: &Policy,
    warnings: &Diagnostics,
    judged: &[(usize, &Judged)],
    stats: &mut Stats,
) -> Result<(), TestCaseError> {
    let err = |why: String| fail(why, text, Some(warnings));
    for (i, z) in spec.zones.iter().enumerate() {
        if policy.zones.get(i).map(|p| p.name.as_str()) != Some(z.name.as_str()) {
            return Err(err(format!("zone {i} is not {}", z.name)));
        }
        let w005 = warnings
            .warnings()
            .any(|d| d.code == "W005" && d.message.contains(&format!("{:?}", z.name)));
        let expect = z.tier == "external" && z.beyond.is_none();
        if w005 != expect {
            return Err(err(format!(
                "zone {}: W005 expected {expect}, found {w005}",
                z.name
            )));
        }
    }
    for (i, h) in spec.hosts.iter().enumerate() {
        if policy.hosts.get(i).map(|p| p.name.as_str()) != Some(h.name.as_str()) {
            return Err(err(format!("host {i} is not {}", h.name)));
        }
    }
    if policy.flows.len() != judged.len() {
        return Err(err(format!(
            "{} flows loaded, {} written",
            policy.flows.len(),
            judged.len()
        )));
    }
    for (pf, (k, j)) in policy.flows.iter().zip(judged) {
        let flow = &spec.flows[*k];
        if pf.name != flow.name {
            return Err(err(format!(
                "flow {} loaded in the place of {}",
                pf.name, flow.name
            )));
        }
        let v = match j {
            Judged::Definite(v) => v,
            Judged::Ambiguous(_) => continue,
        };
        if v.refused() {
            return Err(err(format!(
                "flow {} loaded, but the table refuses it: {v:?}",
                flow.name
            )));
        }
        for (f, t, pv) in &v.pairs {
            let (ef, et) = (endpoint(*f), endpoint(*t));
            let got: Vec<_> = pf
                .crossings
                .iter()
                .filter(|c| c.from == ef && c.to == et && c.guardrail.0 != 8)
                .collect();
            let pair = describe_pair(spec, *f, *t);
            match pv {
                PairVerdict::Free => {
                    if !got.is_empty() {
                        return Err(err(format!(
                            "flow {}: {pair} meets no rule, but records {got:?}",
                            flow.name
                        )));
                    }
                    stats.saw("free pair");
                }
                PairVerdict::Controlled(rule, by) => {
                    let ok = got.len() == 1
                        && got[0].guardrail.0 == *rule
                        && match (by, &got[0].control) {
                            (By::Exception, Control::Exception) => true,
                            (By::Cloud(h), Control::SecurityCloud { host }) => *host == HostId(*h),
                            (By::Role(options), Control::RoleHost { host, role }) => options
                                .iter()
                                .any(|(h, r)| *host == HostId(*h) && role.as_str() == *r),
                            _ => false,
                        };
                    if !ok {
                        return Err(err(format!(
                            "flow {}: {pair} meets rule {rule}, satisfied by {by:?}, but records {got:?}",
                            flow.name
                        )));
                    }
                    let how = match by {
                        By::Exception => "exception",
                        By::Cloud(_) => "security-cloud host",
                        By::Role(_) => "role host",
                    };
                    stats.saw(format!("rule {rule} by {how}"));
                }
                PairVerdict::Refused(_) => unreachable!("checked above"),
            }
        }
        if v.g8 == Wide::Waived {
            stats.saw("rule 8 by exception");
        }
        let waives = flow.exception && v.waives();
        if pf.has_waiving_exception() != waives {
            return Err(err(format!(
                "flow {}: has_waiving_exception() is {}, but the exception {} ({v:?})",
                flow.name,
                pf.has_waiving_exception(),
                if waives {
                    "waives something"
                } else {
                    "waives nothing"
                }
            )));
        }
        let w001 = warnings
            .warnings()
            .any(|d| d.code == "W001" && about_flow(d, &flow.name));
        if w001 != (flow.exception && !waives) {
            return Err(err(format!(
                "flow {}: W001 (exception that waives nothing) {}, exception: {}, waives: {waives} ({v:?})",
                flow.name,
                if w001 { "given" } else { "not given" },
                flow.exception
            )));
        }
    }
    Ok(())
}

fn check(g: &Gen, stats: &mut Stats) -> Result<(), TestCaseError> {
    let spec = build(g);
    stats.cases += 1;
    let judged: Vec<Judged> = spec.flows.iter().map(|f| judge(&spec, f)).collect();
    let all: Vec<usize> = (0..spec.flows.len()).collect();
    let text = spec.render(&all);
    let with_index: Vec<(usize, &Judged)> = judged.iter().enumerate().collect();
    let definite_refusal = judged
        .iter()
        .any(|j| matches!(j, Judged::Definite(v) if v.refused()));
    let ambiguous = judged
        .iter()
        .filter(|j| matches!(j, Judged::Ambiguous(_)))
        .count();
    stats.ambiguous_flows += ambiguous;

    // The whole policy.
    match load_policy_with_warnings("matrix.toml", &text) {
        Ok(loaded) => {
            stats.whole_loaded += 1;
            if definite_refusal {
                let refused: Vec<String> = judged
                    .iter()
                    .enumerate()
                    .filter_map(|(k, j)| match j {
                        Judged::Definite(v) if v.refused() => {
                            Some(format!("{}: {:?}", spec.flows[k].name, v))
                        }
                        _ => None,
                    })
                    .collect();
                return Err(fail(
                    format!(
                        "the policy loaded, but the table refuses {}",
                        refused.join("; ")
                    ),
                    &text,
                    Some(&loaded.warnings),
                ));
            }
            check_loaded(
                &spec,
                &text,
                &loaded.value,
                &loaded.warnings,
                &with_index,
                stats,
            )?;
        }
        Err(diags) => {
            stats.whole_refused += 1;
            if !definite_refusal && ambiguous == 0 {
                return Err(fail(
                    "the table allows every flow, but the policy was refused".to_owned(),
                    &text,
                    Some(&diags),
                ));
            }
            check_refused(&spec, &text, &diags, &with_index)?;
            for j in &judged {
                if let Judged::Definite(v) = j {
                    for codes in v.refusals() {
                        stats.saw(format!("refused {}", codes.join("|")));
                    }
                }
            }
        }
    }

    // Only the flows the table allows: must load.
    let allowed: Vec<usize> = judged
        .iter()
        .enumerate()
        .filter_map(|(k, j)| matches!(j, Judged::Definite(v) if !v.refused()).then_some(k))
        .collect();
    if allowed.len() < spec.flows.len() {
        let text = spec.render(&allowed);
        let subset: Vec<(usize, &Judged)> = allowed.iter().map(|&k| (k, &judged[k])).collect();
        match load_policy_with_warnings("matrix-allowed.toml", &text) {
            Ok(loaded) => {
                check_loaded(
                    &spec,
                    &text,
                    &loaded.value,
                    &loaded.warnings,
                    &subset,
                    stats,
                )?;
            }
            Err(diags) => {
                return Err(fail(
                    "the table allows every flow of this policy, but it was refused".to_owned(),
                    &text,
                    Some(&diags),
                ))
            }
        }
    }
    Ok(())
}

#[test]
fn random_policies_follow_the_matrix() {
    // MATRIX_CASES=20000 for a longer search.
    let cases = std::env::var("MATRIX_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    // The generator must reach every rule, both ways.
    let needed = [
        "free pair",
        "rule 1 by exception",
        "rule 3 by role host",
        "rule 3 by exception",
        "rule 5 by security-cloud host",
        "rule 5 by exception",
        "rule 6 by exception",
        "rule 7 by exception",
        "rule 8 by exception",
        "refused G1",
        "refused G2",
        "refused G3",
        "refused G4",
        "refused G4|G6",
        "refused G5",
        "refused G6",
        "refused G7",
        "refused G8",
    ];
    let unseen = |stats: &Stats| -> Vec<&str> {
        needed
            .iter()
            .copied()
            .filter(|n| stats.seen.get(*n).copied().unwrap_or(0) == 0)
            .collect()
    };
    // The rarest outcomes come a few times in 256 policies: a batch may miss
    // one by chance. Further batches (fresh random policies, at most 8 in
    // all) search on until every outcome was reached; every policy of every
    // batch is checked all the same.
    let stats = RefCell::new(Stats::default());
    for _ in 0..8 {
        let mut config = Config::with_cases(cases);
        config.source_file = Some(file!());
        config.failure_persistence = Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        )));
        let mut runner = TestRunner::new(config);
        let result = runner.run(&gen(), |g| check(&g, &mut stats.borrow_mut()));
        match result {
            Ok(()) => {}
            Err(TestError::Fail(why, g)) => panic!("{why}\nminimal input: {g:?}"),
            Err(e) => panic!("{e}"),
        }
        if unseen(&stats.borrow()).is_empty() {
            break;
        }
    }
    let stats = stats.into_inner();
    eprintln!("{stats:#?}");
    let missing = unseen(&stats);
    assert!(
        missing.is_empty(),
        "the random policies never reached {missing:?}: {stats:#?}"
    );
    assert!(
        stats.whole_loaded > 0 && stats.whole_refused > 0,
        "{stats:#?}"
    );
}

#[test]
fn the_table_is_symmetric_where_the_contract_is() {
    for a in ALL_STANDINGS {
        for b in ALL_STANDINGS {
            let (ab, ba) = (table(a, b), table(b, a));
            match ab {
                // 5 and 7 are one-way; everything else reads the same both ways.
                Need::NeedsSecurityCloudDestination => {
                    assert_eq!(ba, Need::NeedsSecurityCloudSource);
                }
                Need::NeedsSecurityCloudSource => {
                    assert_eq!(ba, Need::NeedsSecurityCloudDestination);
                }
                Need::NeedsException(7) => assert_eq!(ba, Need::Allowed),
                Need::Allowed if (b, a) == (Net, Gw) => {}
                _ => assert_eq!(ab, ba, "{a:?} -> {b:?}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Targeted policies, one rule at a time.

const BASE: &str = r#"[policy]
name = "targeted"

[zones.mn]
tier = "mynumber"
interfaces = ["mn0"]
networks = ["10.10.0.0/16"]

[zones.lg]
tier = "lgwan"
interfaces = ["lg0"]
networks = ["10.20.0.0/16"]

[zones.lg-small]
tier = "lgwan"
interfaces = ["lgs0"]
networks = ["10.21.0.0/24"]

[zones.inet]
tier = "internet"
interfaces = ["in0"]
networks = ["10.30.0.0/16"]

[zones.upstream]
tier = "external"
beyond = "internet"
interfaces = ["wan0"]
networks = ["0.0.0.0/0"]

[zones.other-isp]
tier = "external"
beyond = "internet"
interfaces = ["wan1"]
networks = ["203.0.113.0/24"]

[zones.lgwan-bb]
tier = "external"
beyond = "lgwan"
interfaces = ["lgb0"]
networks = ["100.64.0.0/16"]

[zones.jlis]
tier = "external"
beyond = "closed"
interfaces = ["jlis0"]
networks = ["192.0.2.0/24"]

[zones.vendor]
tier = "external"
beyond = "closed"
interfaces = ["vnd0"]
networks = ["198.18.0.0/24"]

[hosts.mn-pc]
zone = "mn"
addresses = ["10.10.5.21"]

[hosts.mn-server]
zone = "mn"
addresses = ["10.10.6.0/24"]

[hosts.lg-pc]
zone = "lg"
addresses = ["10.20.5.1"]

[hosts.lg-all]
zone = "lg"
addresses = ["10.20.0.0/16"]

[hosts.lg-wide]
zone = "lg"
addresses = ["10.20.16.0/20"]

[hosts.small-one]
zone = "lg-small"
addresses = ["10.21.0.7"]

[hosts.small-halves]
zone = "lg-small"
addresses = ["10.21.0.0/25", "10.21.0.128/25"]

[hosts.lg-sanitizer]
zone = "lg"
addresses = ["10.20.6.1"]
roles = ["sanitizer"]
serves = ["https"]

[hosts.inet-pc]
zone = "inet"
addresses = ["10.30.5.1"]

[hosts.inet-sanitizer]
zone = "inet"
addresses = ["10.30.5.10"]
roles = ["sanitizer"]
serves = ["smtp", "tcp/8443"]

[hosts.inet-screen]
zone = "inet"
addresses = ["10.30.5.20"]
roles = ["screen-transfer"]
serves = ["rdp"]

[hosts.inet-bare-sanitizer]
zone = "inet"
addresses = ["10.30.5.30"]
roles = ["sanitizer"]

[hosts.inet-farm]
zone = "inet"
addresses = ["10.30.0.0/16"]
roles = ["sanitizer"]
serves = ["smtp"]

[hosts.cloud-proxy]
zone = "upstream"
addresses = ["198.51.100.10"]
roles = ["security-cloud"]

[hosts.isp-all]
zone = "other-isp"
addresses = ["203.0.113.0/24"]
roles = ["security-cloud"]

[hosts.chukan]
zone = "jlis"
addresses = ["192.0.2.10"]

[hosts.bb-portal]
zone = "lgwan-bb"
addresses = ["100.64.1.1"]
"#;

/// BASE plus one flow.
fn policy(name: &str, from: &[&str], to: &[&str], services: &[&str], exception: bool) -> String {
    let flow = flow_toml(
        name,
        from,
        to,
        services,
        "targeted test",
        Some("2099-12-31"),
        exception.then_some("SEC-1"),
    );
    format!("{BASE}{flow}")
}

/// The flow's name for a targeted policy: its ends and whether it has an exception.
fn flow_name(from: &[&str], to: &[&str], exception: bool) -> String {
    format!(
        "{}-to-{}{}",
        from.join("+"),
        to.join("+"),
        if exception { "-excepted" } else { "" }
    )
}

/// `text` (BASE and flow `name`) is refused with an error of one of `codes`
/// naming the flow; the diagnostics.
#[track_caller]
fn refusal(name: &str, text: &str, codes: &[&str]) -> Diagnostics {
    let diags = match load_policy("targeted.toml", text) {
        Ok(_) => panic!("{name} loaded, expected {codes:?}\n{}", &text[BASE.len()..]),
        Err(d) => d,
    };
    assert!(
        diags
            .errors()
            .any(|d| codes.contains(&d.code) && names_flow(d, name)),
        "{name}: expected an error {codes:?} naming the flow, found:\n{}",
        diags.render(false)
    );
    diags
}

#[track_caller]
fn assert_refused(from: &[&str], to: &[&str], services: &[&str], exception: bool, codes: &[&str]) {
    let name = flow_name(from, to, exception);
    let text = policy(&name, from, to, services, exception);
    let diags = refusal(&name, &text, codes);
    let rendered = diags.render(false);
    for d in diags.errors() {
        assert!(
            d.code.starts_with('G') && d.severity == Severity::Error,
            "{name}: only guardrail errors expected:\n{rendered}"
        );
    }
}

#[track_caller]
fn assert_loads(from: &[&str], to: &[&str], services: &[&str], exception: bool) {
    let name = flow_name(from, to, exception);
    let text = policy(&name, from, to, services, exception);
    if let Err(d) = load_policy("targeted.toml", &text) {
        panic!("{name} ({services:?}) was refused:\n{}", d.render(false));
    }
}

/// Refused without an exception, loads with one.
#[track_caller]
fn waivable(code: &str, from: &str, to: &str, services: &[&str]) {
    assert_refused(&[from], &[to], services, false, &[code]);
    assert_loads(&[from], &[to], services, true);
}

/// Refused, exception or not.
#[track_caller]
fn never(codes: &[&str], from: &str, to: &str, services: &[&str]) {
    assert_refused(&[from], &[to], services, false, codes);
    assert_refused(&[from], &[to], services, true, codes);
}

#[test]
fn the_targeted_base_loads() {
    assert_loads(&["lg-pc"], &["lg"], &["https"], false);
}

#[test]
fn rule_1_mynumber_and_lgwan_backbone_closed_line_self() {
    for (from, to) in [
        ("mn-pc", "lg-pc"),
        ("lg-pc", "mn-pc"),
        ("mn-pc", "bb-portal"),
        ("bb-portal", "mn-pc"),
        ("mn-pc", "chukan"),
        ("chukan", "mn-pc"),
        ("mn-pc", "self"),
        ("self", "mn-pc"),
        ("mn-server", "small-one"),
        ("small-one", "mn-server"),
    ] {
        waivable("G1", from, to, &["https"]);
    }
    // With the exception, an end that is not a named host is still refused:
    // a whole zone, a host holding its whole zone (also in /25 pieces), a host
    // wider than /24.
    for (from, to) in [
        ("mn", "lg-pc"),
        ("lg-pc", "mn"),
        ("mn-pc", "lg"),
        ("lg", "mn-pc"),
        ("mn-pc", "lg-all"),
        ("lg-all", "mn-pc"),
        ("mn-pc", "small-halves"),
        ("small-halves", "mn-pc"),
        ("mn-pc", "lg-wide"),
        ("lg-wide", "mn-pc"),
        ("mn-pc", "jlis"),
        ("lgwan-bb", "mn-pc"),
        ("mn", "self"),
        ("self", "mn"),
    ] {
        assert_refused(&[from], &[to], &["https"], true, &["G1"]);
    }
    // Within the tier, nothing is needed.
    assert_loads(&["mn-pc"], &["mn"], &["https"], false);
    assert_loads(&["mn"], &["mn-server"], &["tcp/1024-65535"], false);
}

#[test]
fn rule_2_mynumber_and_the_internet_never() {
    for (from, to) in [
        ("mn-pc", "inet-pc"),
        ("inet-pc", "mn-pc"),
        ("mn-pc", "inet-sanitizer"),
        ("inet-sanitizer", "mn-pc"),
        ("mn-pc", "cloud-proxy"),
        ("cloud-proxy", "mn-pc"),
        ("mn", "upstream"),
        ("upstream", "mn"),
    ] {
        never(&["G2"], from, to, &["smtp"]);
    }
    // Satisfied: mynumber reaches a closed line (rule 1) but never the Internet.
    assert_loads(&["mn-pc"], &["chukan"], &["https"], true);
    assert_loads(&["chukan"], &["mn-pc"], &["https"], true);
}

#[test]
fn rule_3_lgwan_and_the_internet_tier() {
    // No role host: refused, an exception waives it.
    for (from, to, services) in [
        ("lg-pc", "inet-pc", &["https"][..]),
        ("inet-pc", "lg-pc", &["https"]),
        ("bb-portal", "inet-pc", &["https"]),
        ("inet-pc", "bb-portal", &["https"]),
        ("lg", "inet", &["smtp"]),
        ("inet", "lg", &["smtp"]),
        // A service the sanitizer does not serve; one of two.
        ("lg-pc", "inet-sanitizer", &["https"]),
        ("inet-sanitizer", "lg-pc", &["https"]),
        ("lg-pc", "inet-sanitizer", &["smtp", "https"]),
        // A sanitizer without serves waives nothing.
        ("lg-pc", "inet-bare-sanitizer", &["smtp"]),
        ("inet-bare-sanitizer", "lg-pc", &["smtp"]),
        // A sanitizer holding its whole zone is not a named host.
        ("lg-pc", "inet-farm", &["smtp"]),
        ("inet-farm", "lg-pc", &["smtp"]),
        // A screen-transfer host never opens connections into lgwan.
        ("inet-screen", "lg-pc", &["rdp"]),
        ("inet-screen", "bb-portal", &["rdp"]),
    ] {
        waivable("G3", from, to, services);
    }
    // Satisfied: a sanitizer at either end, either direction; a
    // screen-transfer host as the destination from the lgwan side.
    for (from, to, services) in [
        ("lg-pc", "inet-sanitizer", &["smtp"][..]),
        ("inet-sanitizer", "lg-pc", &["smtp"]),
        ("lg", "inet-sanitizer", &["smtp", "tcp/8443"]),
        ("inet-sanitizer", "lg", &["tcp/8443"]),
        ("lg-sanitizer", "inet-pc", &["https"]),
        ("inet", "lg-sanitizer", &["https"]),
        ("lg-pc", "inet-screen", &["rdp"]),
        ("bb-portal", "inet-screen", &["rdp"]),
        ("bb-portal", "inet-sanitizer", &["smtp"]),
        ("inet-sanitizer", "lgwan-bb", &["smtp"]),
    ] {
        assert_loads(&[from], &[to], services, false);
    }
}

#[test]
fn rule_4_lgwan_and_the_internet_never() {
    for (from, to) in [
        ("lg-pc", "upstream"),
        ("upstream", "lg-pc"),
        ("lg", "cloud-proxy"),
        ("cloud-proxy", "lg"),
        ("lg-sanitizer", "cloud-proxy"),
        ("cloud-proxy", "lg-sanitizer"),
        ("lg-pc", "other-isp"),
    ] {
        never(&["G4"], from, to, &["https"]);
    }
    // The backbone <-> the Internet: rule 4 and transit (rule 6).
    never(&["G4", "G6"], "bb-portal", "upstream", &["https"]);
    never(&["G4", "G6"], "cloud-proxy", "lgwan-bb", &["https"]);
    // Satisfied: through a host of the internet tier.
    assert_loads(&["lg-pc"], &["inet-sanitizer"], &["smtp"], false);
    assert_loads(&["inet-sanitizer"], &["cloud-proxy"], &["smtp"], false);
}

#[test]
fn rule_5_internet_tier_and_the_internet() {
    for (from, to) in [
        ("inet-pc", "upstream"),
        ("upstream", "inet-pc"),
        ("inet", "other-isp"),
        ("other-isp", "inet"),
        // A security-cloud host holding its whole zone does not count.
        ("inet-pc", "isp-all"),
        ("isp-all", "inet-pc"),
    ] {
        waivable("G5", from, to, &["https"]);
    }
    // Every destination: one that is not a security-cloud host is refused.
    assert_refused(
        &["inet-pc"],
        &["cloud-proxy", "upstream"],
        &["https"],
        false,
        &["G5"],
    );
    assert_loads(&["inet-pc"], &["cloud-proxy", "upstream"], &["https"], true);
    assert_refused(
        &["cloud-proxy", "upstream"],
        &["inet-pc"],
        &["https"],
        false,
        &["G5"],
    );
    // Satisfied.
    for (from, to, service) in [
        ("inet-pc", "cloud-proxy", "https"),
        ("inet", "cloud-proxy", "https"),
        ("cloud-proxy", "inet-pc", "smtp"),
        ("cloud-proxy", "inet", "smtp"),
    ] {
        assert_loads(&[from], &[to], &[service], false);
    }
}

#[test]
fn rule_6_external_to_external() {
    // Transit: never.
    for (from, to) in [
        ("upstream", "jlis"),
        ("jlis", "upstream"),
        ("cloud-proxy", "chukan"),
        ("chukan", "cloud-proxy"),
        ("other-isp", "vendor"),
        ("vendor", "other-isp"),
    ] {
        never(&["G6"], from, to, &["https"]);
    }
    // Any other external <-> external: an exception.
    for (from, to) in [
        ("jlis", "vendor"),
        ("vendor", "jlis"),
        ("chukan", "vendor"),
        ("upstream", "other-isp"),
        ("other-isp", "upstream"),
        ("cloud-proxy", "isp-all"),
        ("lgwan-bb", "jlis"),
        ("jlis", "lgwan-bb"),
        ("bb-portal", "chukan"),
        ("jlis", "jlis"),
        ("upstream", "upstream"),
        ("lgwan-bb", "lgwan-bb"),
    ] {
        waivable("G6", from, to, &["https"]);
    }
    // Satisfied: a closed line with lgwan, the internet tier, self.
    for (from, to) in [
        ("chukan", "lg-pc"),
        ("lg-pc", "chukan"),
        ("inet-pc", "jlis"),
        ("jlis", "inet-pc"),
        ("jlis", "self"),
        ("lg", "lgwan-bb"),
    ] {
        assert_loads(&[from], &[to], &["https"], false);
    }
}

#[test]
fn rule_7_the_internet_to_self() {
    waivable("G7", "upstream", "self", &["ssh"]);
    waivable("G7", "cloud-proxy", "self", &["ssh"]);
    waivable("G7", "other-isp", "self", &["ssh"]);
    // Satisfied: the other way, and from anywhere else.
    for to in ["upstream", "cloud-proxy"] {
        assert_loads(&["self"], &[to], &["https"], false);
    }
    for from in ["lg", "inet", "lgwan-bb", "jlis"] {
        assert_loads(&[from], &["self"], &["ssh"], false);
    }
}

#[test]
fn rule_8_port_ranges_across_tiers() {
    // Crossing tiers (lgwan <-> a closed line, self <-> lgwan): no range
    // wider than 1024 ports, merged per protocol, without an exception.
    for services in [
        &["tcp/1024-65535"][..],
        &["udp/5000-7000"],
        &["tcp/10000-11024"],
        &["tcp/3000-3600", "tcp/3601-4200"],
        &["tcp/3000-3700", "tcp/3500-4100"],
        &["https", "tcp/1-65535"],
    ] {
        for (from, to) in [
            ("lg-pc", "chukan"),
            ("chukan", "lg-pc"),
            ("self", "lg"),
            ("lg", "self"),
        ] {
            waivable("G8", from, to, services);
        }
    }
    // Satisfied: 1024 ports at most, ranges with a gap, TCP and UDP apart.
    for services in [
        &["tcp/10000-11023"][..],
        &["tcp/3000-3600", "tcp/3602-4200"],
        &["tcp/1-1024", "udp/1-1024"],
        &["https", "tcp/8443", "dns"],
    ] {
        assert_loads(&["lg-pc"], &["chukan"], services, false);
        assert_loads(&["chukan"], &["lg-pc"], services, false);
    }
    // Not crossing tiers: any range (lgwan and the backbone are one tier).
    for (from, to, service) in [
        ("lg-pc", "lg", "tcp/1024-65535"),
        ("lg", "lgwan-bb", "tcp/1024-65535"),
        ("lgwan-bb", "lg-small", "udp/1-65535"),
        ("inet-pc", "inet", "tcp/1024-65535"),
    ] {
        assert_loads(&[from], &[to], &[service], false);
    }
    // Explicit services.
    let text = format!("{BASE}\n[[flows]]\nname = \"no-services\"\nfrom = [\"lg\"]\nto = [\"chukan\"]\nreason = \"x\"\n");
    refusal("no-services", &text, &["G8"]);
}

#[test]
fn rule_9_a_reason() {
    let flow = flow_toml(
        "no-reason",
        &["lg"],
        &["chukan"],
        &["https"],
        "",
        None,
        None,
    );
    let text = format!("{BASE}{flow}");
    refusal("no-reason", &text, &["G9"]);
    assert_loads(&["lg"], &["chukan"], &["https"], false);
}
