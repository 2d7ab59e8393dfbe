//! `sanso check` never accepts what the kernel or nft refuse or reinterpret
//! (issue 12, item 5): every policy `load_policy` accepts compiles to a text
//! that `nft -c` accepts and `nft -f` loads, and to a netlink batch the kernel
//! accepts, each in a throwaway namespace; both back ends then hold the same
//! elements in every set and map, and the interface names exactly as the
//! policy wrote them.
//!
//! Inputs: synthetic policies (`sanso-synth`, small sizes, random seeds) whose
//! interface names are replaced by random ones (one or two per zone, drawn
//! from the characters `check` accepts, and at most one per policy from every
//! character an admin could type, hostile ones included), plus an external
//! zone with random IPv4 and IPv6 networks and flows to and from it with
//! random services (port ranges, ports, ICMP and ICMPv6 types, sometimes a
//! limit or a log). Set elements are compared as the kernel holds them
//! (`nft --debug=netlink`), since nft lists a wildcard and a literal `*` alike.
//! Policies `check` refuses are skipped: the property is "accepted by check
//! => accepted by the kernel". The test asserts that enough were accepted for
//! it to mean something. Root only; otherwise it prints why and passes.

mod text_fixture;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sanso_synth::{policy_text, SynthSpec};
use serde_json::Value;

use text_fixture::{have_root, TestNamespace};

const CASES: u32 = 48;

/// Characters `check` accepts in an interface name: ASCII letters, digits and
/// the punctuation nft loads as written.
const ACCEPTED: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$&'()+,-.;<=>?@[]^_`{|}~";

/// Characters an admin could type, or paste: every printable ASCII character,
/// whitespace and control characters, and non-ASCII letters (full-width, look
/// alikes, ones whose UTF-8 holds the byte 0xA0 Linux counts as whitespace).
fn any_character() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => (0x21u8..=0x7e).prop_map(char::from),
        1 => proptest::sample::select(vec![
            ' ', '\t', '\n', '\r', '\u{0}', '\u{1}', '\u{7f}', 'é', 'à', 'Р', 'е', '０', 'ｅ',
            '住', '\u{a0}', '\u{85}', '\u{3000}', '\u{200b}',
        ]),
    ]
}

fn accepted_character() -> impl Strategy<Value = char> {
    proptest::sample::select(ACCEPTED.chars().collect::<Vec<_>>())
}

fn chars(c: BoxedStrategy<char>, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(c, 1..=max).prop_map(|v| v.into_iter().collect::<String>())
}

/// The part of a name after its zone's index, from the characters `check`
/// accepts (12 bytes at most: with the index, 15).
fn name_body() -> impl Strategy<Value = String> {
    chars(accepted_character().boxed(), 12)
}

/// The one name of a policy drawn from anything: any characters (a 13-byte
/// body may make the name too long), or a name known to be special to Linux
/// or nft. `check` refuses most of these; the others must load.
fn wild_body() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => chars(any_character().boxed(), 13),
        3 => chars(any_character().boxed(), 3),
        1 => proptest::sample::select(vec![
            "*", "eth*", "e*h", "\\*", "%d", "eth%d", ".", "..", "\"", "a\\", "$x", "{x}", "#x",
            ";x", "@x", "x y", "ifname", "-", "0x10", "10.0.0.1",
        ])
        .prop_map(str::to_owned),
    ]
}

/// A random network in CIDR form with no host bits set.
fn network() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<u32>(), 0u8..=32).prop_map(|(a, len)| {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            format!("{}/{len}", Ipv4Addr::from(a & mask))
        }),
        (any::<u128>(), 0u8..=128).prop_map(|(a, len)| {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            format!("{}/{len}", Ipv6Addr::from(a & mask))
        }),
    ]
}

/// A random service entry.
fn service() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| {
            let (a, b) = (a.min(b).max(1), a.max(b).max(1));
            format!("tcp/{a}-{b}")
        }),
        (0u16..=65535, any::<bool>()).prop_map(|(p, tcp)| {
            let proto = if tcp { "tcp" } else { "udp" };
            if p == 0 {
                format!("{proto}/0-0")
            } else {
                format!("{proto}/{p}")
            }
        }),
        (1u16..=65535).prop_map(|p| format!("udp/{p}-65535")),
        any::<u8>().prop_map(|t| format!("icmp/{t}")),
        any::<u8>().prop_map(|t| format!("icmpv6/{t}")),
    ]
}

#[derive(Clone, Debug)]
struct Extra {
    networks: Vec<String>,
    services: Vec<String>,
    limit: Option<u32>,
    log: bool,
}

fn extra() -> impl Strategy<Value = Extra> {
    (
        proptest::collection::vec(network(), 1..=4),
        proptest::collection::vec(service(), 1..=4),
        proptest::option::of(1u32..=1000),
        any::<bool>(),
    )
        .prop_map(|(networks, services, limit, log)| Extra {
            networks,
            services,
            limit,
            log,
        })
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The synthetic policy with the `n`-th zone's interfaces replaced by
/// `names[n]` (prefixed `<n>-` and `<n>_`, so that names of different zones
/// and of one zone differ), plus the zone `extra` (external, a closed line)
/// with random networks and flows between it and the gateway and `lg-z0`.
fn mutate(text: &str, names: &[Vec<String>], extra: &Extra) -> String {
    let mut out = String::with_capacity(text.len() + 1024);
    let mut n = 0;
    for line in text.lines() {
        if line.starts_with("interfaces = [") {
            let list: Vec<String> = names[n % names.len()]
                .iter()
                .zip(["-", "_"])
                .map(|(body, sep)| toml_string(&format!("{n}{sep}{body}")))
                .collect();
            out.push_str(&format!("interfaces = [{}]\n", list.join(", ")));
            n += 1;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    let quoted = |v: &[String]| {
        v.iter()
            .map(|s| toml_string(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!(
        "\n[zones.extra]\ntier = \"external\"\nbeyond = \"closed\"\ninterfaces = [{}]\nnetworks = [{}]\n",
        toml_string(&format!("{n}-x")),
        quoted(&extra.networks)
    ));
    for (i, (from, to)) in [("self", "extra"), ("extra", "self"), ("lg-z0", "extra")]
        .into_iter()
        .enumerate()
    {
        out.push_str(&format!(
            "\n[[flows]]\nname = \"extra-{i}\"\nfrom = [\"{from}\"]\nto = [\"{to}\"]\nservices = [{}]\nreason = \"property test\"\nexception = {{ approved_by = \"test\", ticket = \"T\" }}\n",
            quoted(&extra.services)
        ));
        if let Some(limit) = extra.limit {
            out.push_str(&format!("limit = \"{limit}/second\"\n"));
        }
        if extra.log {
            out.push_str("log = true\n");
        }
    }
    out
}

/// Every set's and map's elements as the kernel holds them (the bytes of
/// `nft --debug=netlink list`), by name, sorted (a hash set dumps in the order
/// of its random seed). nft's own listing would not do: it prints a wildcard
/// `eth*` and a literal `eth*` alike.
fn kernel_elements(listing: &str) -> BTreeMap<String, Vec<String>> {
    let mut sets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in listing.lines() {
        if let Some(name) = line.strip_prefix("inet sanso @") {
            current = Some(name.to_owned());
            sets.entry(name.to_owned()).or_default();
        } else if line.starts_with("\telement ") {
            if let Some(name) = &current {
                sets.entry(name.clone()).or_default().push(line.to_owned());
            }
        } else {
            current = None;
        }
    }
    for elements in sets.values_mut() {
        elements.sort_unstable();
    }
    sets
}

/// The sets whose elements differ, with the elements only one side holds.
fn differences(
    text: &BTreeMap<String, Vec<String>>,
    netlink: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let none = Vec::new();
    let names: std::collections::BTreeSet<&String> = text.keys().chain(netlink.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let (t, n) = (
                text.get(name).unwrap_or(&none),
                netlink.get(name).unwrap_or(&none),
            );
            if t == n {
                return None;
            }
            let only = |a: &[String], b: &[String]| -> Vec<String> {
                a.iter()
                    .filter(|e| !b.contains(e))
                    .take(4)
                    .map(|e| e.trim().to_owned())
                    .collect()
            };
            Some(format!(
                "@{name}: only by text {:?}; only by netlink {:?}",
                only(t, n),
                only(n, t)
            ))
        })
        .collect()
}

/// Each set's and map's elements in a `nft -j` listing, by name, as JSON.
fn listed_elements(listing: &Value) -> BTreeMap<String, Vec<String>> {
    listing["nftables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.get("set").or_else(|| item.get("map")))
        .map(|s| {
            let elems: Vec<String> = s["elem"]
                .as_array()
                .into_iter()
                .flatten()
                .map(Value::to_string)
                .collect();
            (s["name"].as_str().unwrap_or("?").to_owned(), elems)
        })
        .collect()
}

/// The interface names of a set's elements (`ifname` or `ifname . addr`).
fn names_in(elements: &[String]) -> Vec<String> {
    let mut names: Vec<String> = elements
        .iter()
        .filter_map(|e| {
            let v: Value = serde_json::from_str(e).ok()?;
            let first = v.get("concat").and_then(|c| c.get(0)).cloned().unwrap_or(v);
            first.as_str().map(str::to_owned)
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Loads one accepted policy both ways and checks the property.
fn loads_both_ways(policy: &sanso_policy::Policy) -> Result<(), TestCaseError> {
    let ruleset = sanso_ir::lower(policy, 1_767_225_600);
    let text = sanso_nft::text::render(&ruleset);
    let by_text = TestNamespace::new("propt");
    let check = by_text.nft(&["-c", "-f", "-"], &text);
    prop_assert!(
        check.status.success(),
        "nft -c refused what check accepted: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let load = by_text.nft(&["-f", "-"], &text);
    prop_assert!(
        load.status.success(),
        "nft -f refused what check accepted: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    let by_netlink = TestNamespace::new("propn");
    let applied = sanso_nft::netlink::apply(&ruleset, Some(&by_netlink.name));
    prop_assert!(
        applied.is_ok(),
        "the kernel refused the netlink batch of what check accepted: {:?}",
        applied.err()
    );
    let list = |ns: &TestNamespace, args: &[&str]| -> Result<Vec<u8>, TestCaseError> {
        let out = ns.nft(args, "");
        prop_assert!(out.status.success(), "nft {:?} in {}", args, ns.name);
        Ok(out.stdout)
    };
    // The same bytes in every set and map, both ways.
    let raw = ["--debug=netlink", "list", "table", "inet", "sanso"];
    let t = kernel_elements(&String::from_utf8_lossy(&list(&by_text, &raw)?));
    let k = kernel_elements(&String::from_utf8_lossy(&list(&by_netlink, &raw)?));
    prop_assert!(
        t.contains_key("antispoof4"),
        "no antispoof4 in {:?}",
        t.keys()
    );
    let differ = differences(&t, &k);
    prop_assert!(
        differ.is_empty(),
        "text and netlink loaded different elements:\n{}",
        differ.join("\n")
    );
    let json = ["-j", "list", "table", "inet", "sanso"];
    let n: Value = serde_json::from_slice(&list(&by_netlink, &json)?)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let n = listed_elements(&n);
    // The names the kernel holds are the policy's, as written: those of the
    // zones that own addresses in anti-spoofing (a zone whose networks are
    // all claimed by longer ones owns none), the external zones' in `routers`.
    let written: Vec<&String> = policy.zones.iter().flat_map(|z| &z.interfaces).collect();
    let mut want: Vec<String> = ruleset
        .v4
        .antispoof
        .iter()
        .map(|k| k.interface.clone())
        .chain(ruleset.v6.antispoof.iter().map(|k| k.interface.clone()))
        .collect();
    want.sort_unstable();
    want.dedup();
    for name in &want {
        prop_assert!(
            written.contains(&name),
            "{:?} is not a name of the policy",
            name
        );
    }
    let mut loaded = names_in(&n["antispoof4"]);
    loaded.extend(names_in(&n["antispoof6"]));
    loaded.sort_unstable();
    loaded.dedup();
    prop_assert_eq!(loaded, want, "anti-spoofing names");
    let mut routers: Vec<String> = policy
        .zones
        .iter()
        .filter(|z| z.tier == sanso_policy::Tier::External)
        .flat_map(|z| z.interfaces.iter().cloned())
        .collect();
    routers.sort_unstable();
    prop_assert_eq!(names_in(&n["routers"]), routers, "routers names");
    Ok(())
}

#[test]
fn every_policy_check_accepts_loads_in_the_kernel_by_text_and_by_netlink() {
    if !have_root("every_policy_check_accepts_loads_in_the_kernel_by_text_and_by_netlink") {
        return;
    }
    let accepted = RefCell::new(0usize);
    let refused = RefCell::new(0usize);
    let codes: RefCell<BTreeMap<&'static str, usize>> = RefCell::default();
    let odd_names_loaded = RefCell::new(0usize);
    let strategy = (
        5usize..30,
        any::<u64>(),
        proptest::collection::vec(proptest::collection::vec(name_body(), 1..=2), 12..=12),
        (0usize..12, wild_body()),
        extra(),
    );
    let mut runner = TestRunner::new(Config {
        cases: CASES,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let result = runner.run(
        &strategy,
        |(flows, seed, mut names, (wild_at, wild), extra)| {
            names[wild_at][0] = wild;
            let text = mutate(&policy_text(&SynthSpec::new(flows, seed)), &names, &extra);
            let policy = match sanso_policy::load_policy("prop.toml", &text) {
                Ok(p) => p,
                Err(diags) => {
                    *refused.borrow_mut() += 1;
                    let mut codes = codes.borrow_mut();
                    for d in diags.errors() {
                        *codes.entry(d.code).or_default() += 1;
                    }
                    return Ok(());
                }
            };
            *accepted.borrow_mut() += 1;
            let odd = policy.zones.iter().flat_map(|z| &z.interfaces).any(|i| {
                !i.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
            if odd {
                *odd_names_loaded.borrow_mut() += 1;
            }
            loads_both_ways(&policy).map_err(|e| {
                TestCaseError::fail(format!(
                    "{e}\ninterfaces: {:?}\nextra: {extra:?}",
                    policy
                        .zones
                        .iter()
                        .map(|z| (&z.name, &z.interfaces))
                        .collect::<Vec<_>>()
                ))
            })
        },
    );
    let (accepted, odd) = (accepted.into_inner(), odd_names_loaded.into_inner());
    println!(
        "{accepted} policies accepted by check and loaded both ways ({odd} with punctuation in \
         interface names), {} refused by check (their errors by code: {:?})",
        refused.into_inner(),
        codes.into_inner()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        accepted >= CASES as usize / 8,
        "too few accepted policies ({accepted} of {CASES}) for the property to mean anything"
    );
    assert!(
        odd > 0,
        "no accepted policy had punctuation in an interface name"
    );
}
