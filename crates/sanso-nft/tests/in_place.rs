//! Root tests of the change in place (`sanso_nft::netlink::Applier`): over
//! random edits of generated policies, a table changed in place is the
//! table a replace gives, object for object, rule for rule and element for
//! element; what both tables hold keeps its kernel object (so its counter
//! values, limit buckets and meters); and a change by someone else in
//! between makes the next apply a replace.
//!
//! Every namespace is created by the test and removed by a guard, also on
//! failure. Nothing touches the host namespace.
// Tests start programs of their own (nft, ip); the code under test runs
// them through sanso_process.
#![allow(clippy::disallowed_methods)]

mod netns_guard;

use std::collections::BTreeMap;

use netns_guard::{skip_unless_root, strip_handles, Netns};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sanso_ir::Ruleset;
use sanso_nft::isolation::Isolated;
use sanso_nft::netlink::{self, Applier, ApplyMode, InPlaceChange, ReplaceReason};
use serde_json::Value;

/// The time the policies are compiled at: before every `until` of the
/// generator.
const NOW: i64 = 1_796_083_200;

/// One edit of a `[[flows]]` entry, chosen by a roll of 0 to 99.
fn edit_flow(block: &str, roll: u8, next: &str) -> Option<String> {
    let mut block = block.to_owned();
    match roll {
        // Gone.
        0..=14 => return None,
        // `log` switched.
        15..=21 => {
            if block.contains("\nlog = true") {
                block = block.replace("\nlog = true", "");
            } else {
                block.push_str("\nlog = true");
            }
        }
        // `limit` switched.
        22..=26 => {
            if block.contains("limit = ") {
                block = block.replace("\nlimit = \"100/second\"", "");
            } else {
                block.push_str("\nlimit = \"100/second\"");
            }
        }
        // A limit of another rate (the limit object changes).
        27..=29 => block = block.replace("100/second", "50/second"),
        // The services of the next entry, between hosts of one tier (other
        // flows pass the guardrails only with the services they have).
        30..=34 if block.contains("same tier") && next.contains("same tier") => {
            let services = |b: &str| {
                b.lines()
                    .find(|l| l.starts_with("services = "))
                    .map(str::to_owned)
            };
            if let (Some(mine), Some(theirs)) = (services(&block), services(next)) {
                block = block.replace(&mine, &theirs);
            }
        }
        _ => {}
    }
    Some(block)
}

/// `base` with the `[[flows]]` entries edited by `rolls` (one per entry,
/// repeated as needed).
fn edited(base: &str, rolls: &[u8], revision: &str) -> String {
    let mut parts = base.split("\n[[flows]]\n");
    let head = parts.next().unwrap_or_default();
    let blocks: Vec<&str> = parts.collect();
    let mut out = head.replacen(
        "revision = \"seed-",
        &format!("revision = \"{revision}-"),
        1,
    );
    for (i, block) in blocks.iter().enumerate() {
        let roll = rolls.get(i % rolls.len().max(1)).copied().unwrap_or(99);
        let next = blocks.get(i + 1).copied().unwrap_or("");
        if let Some(block) = edit_flow(block.trim_end_matches('\n'), roll, next) {
            out.push_str("\n[[flows]]\n");
            out.push_str(&block);
            out.push('\n');
        }
    }
    out
}

/// Loads and lowers `text`; `None` when the edits made a policy that does
/// not load (a service a role host does not serve, say).
fn compile(text: &str) -> Option<Ruleset> {
    let loaded = sanso_policy::load_policy_at("edited.toml", text, NOW).ok()?;
    Some(sanso_ir::lower(&loaded.value, NOW))
}

/// `table inet sanso` of `ns` in a form that does not depend on the order
/// objects were created in: every chain, set, map and named object by kind
/// and name (hash sets' elements sorted, counter values zeroed), every rule
/// by its chain and place in it; no handles.
fn canonical(ns: &Netns) -> BTreeMap<String, Value> {
    let mut json = ns.list_sanso();
    strip_handles(&mut json);
    zero_counters(&mut json);
    let mut out = BTreeMap::new();
    let mut places: BTreeMap<String, usize> = BTreeMap::new();
    for item in json["nftables"].as_array().cloned().unwrap_or_default() {
        let Some((kind, body)) = item.as_object().and_then(|o| o.iter().next()) else {
            continue;
        };
        let mut body = body.clone();
        let key = if kind == "rule" {
            let chain = body["chain"].as_str().unwrap_or_default().to_owned();
            let place = places.entry(chain.clone()).or_default();
            *place += 1;
            format!("rule {chain} {place:06}")
        } else {
            if let Some(elements) = body.get_mut("elem").and_then(Value::as_array_mut) {
                elements.sort_by_key(ToString::to_string);
            }
            format!("{kind} {}", body["name"].as_str().unwrap_or_default())
        };
        out.insert(key, body);
    }
    out
}

fn zero_counters(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for key in ["packets", "bytes"] {
                if map.contains_key(key) {
                    map.insert(key.to_owned(), Value::from(0));
                }
            }
            for child in map.values_mut() {
                zero_counters(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(zero_counters),
        _ => {}
    }
}

/// The handles of the named objects of `ns`'s table, by kind and name.
fn object_handles(ns: &Netns) -> BTreeMap<String, (u64, Value)> {
    let json: Value =
        serde_json::from_str(&ns.nft(&["-j", "list", "table", "inet", "sanso"])).expect("nft json");
    let mut out = BTreeMap::new();
    for item in json["nftables"].as_array().cloned().unwrap_or_default() {
        for kind in ["counter", "limit"] {
            if let Some(body) = item.get(kind) {
                let mut spec = body.clone();
                strip_handles(&mut spec);
                zero_counters(&mut spec);
                out.insert(
                    format!("{kind} {}", body["name"].as_str().unwrap_or_default()),
                    (body["handle"].as_u64().unwrap_or_default(), spec),
                );
            }
        }
    }
    out
}

fn diff_text(want: &BTreeMap<String, Value>, got: &BTreeMap<String, Value>) -> String {
    let pretty = |m: &BTreeMap<String, Value>| {
        m.iter()
            .map(|(k, v)| format!("{k}: {v}\n"))
            .collect::<String>()
    };
    let (want, got) = (pretty(want), pretty(got));
    similar::TextDiff::from_lines(&want, &got)
        .unified_diff()
        .context_radius(2)
        .header("replaced", "in place")
        .to_string()
}

#[test]
fn a_change_in_place_gives_the_table_a_replace_gives_over_random_edits() {
    if skip_unless_root("a_change_in_place_gives_the_table_a_replace_gives_over_random_edits") {
        return;
    }
    let in_place_ns = Netns::new("inplace");
    let replaced_ns = Netns::new("replaced");
    let mut runner = TestRunner::new(Config {
        cases: 40,
        failure_persistence: None,
        // Seeded: a failure is found again by the same run.
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        ..Config::default()
    });
    let in_place_runs = std::cell::Cell::new(0usize);
    // What the changes did, summed: each kind must have been exercised.
    let seen = std::cell::RefCell::new(InPlaceChange::default());
    let strategy = (
        20usize..160,
        any::<u64>(),
        proptest::collection::vec(0u8..100, 1..64),
        proptest::collection::vec(0u8..100, 1..64),
    );
    let result = runner.run(&strategy, |(flows, seed, old_rolls, new_rolls)| {
        let base = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(flows, seed));
        let (Some(old), Some(new)) = (
            compile(&edited(&base, &old_rolls, "old")),
            compile(&edited(&base, &new_rolls, "new")),
        ) else {
            return Err(TestCaseError::reject(
                "an edit made a policy that does not load",
            ));
        };
        let none = Isolated::default();
        let applier = Applier::new(Some(in_place_ns.name.clone()));
        let (_, first) = applier.apply(&old, &none).expect("first apply");
        prop_assert_eq!(first, ApplyMode::Replaced(ReplaceReason::NoBaseline));
        let before = object_handles(&in_place_ns);
        let (batch, mode) = applier
            .apply(&new, &none)
            .map_err(|e| TestCaseError::fail(format!("apply in place: {e}")))?;
        let ApplyMode::InPlace(change) = &mode else {
            return Err(TestCaseError::fail(format!("not in place: {mode:?}")));
        };
        in_place_runs.set(in_place_runs.get() + 1);
        {
            let mut seen = seen.borrow_mut();
            seen.elements_deleted += change.elements_deleted;
            seen.elements_added += change.elements_added;
            seen.chains_deleted += change.chains_deleted;
            seen.chains_added += change.chains_added;
            seen.chains_refilled += change.chains_refilled;
            seen.objects_deleted += change.objects_deleted;
            seen.objects_added += change.objects_added;
            seen.sets_deleted += change.sets_deleted;
            seen.sets_added += change.sets_added;
        }
        netlink::apply_with(&new, &none, Some(&replaced_ns.name)).expect("replace");
        let (want, got) = (canonical(&replaced_ns), canonical(&in_place_ns));
        prop_assert!(
            want.len() > 20,
            "the replace listed only {} items",
            want.len()
        );
        prop_assert!(
            want == got,
            "{change:?} ({} messages):\n{}",
            batch.messages,
            diff_text(&want, &got)
        );
        // What both tables hold is the same kernel object as before: its
        // counter values and limit bucket carried over.
        let after = object_handles(&in_place_ns);
        let mut kept = 0;
        for (name, (handle, spec)) in &after {
            if let Some((was, was_spec)) = before.get(name) {
                if was_spec == spec {
                    prop_assert_eq!(handle, was, "{} was recreated", name);
                    kept += 1;
                }
            }
        }
        prop_assert!(kept > 0, "no object was kept");
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let runs = in_place_runs.get();
    let seen = seen.into_inner();
    println!("{runs} changes in place checked against a replace, in all: {seen:?}");
    assert!(runs >= 30, "only {runs} cases ran");
    for (what, n) in [
        ("elements deleted", seen.elements_deleted),
        ("elements added", seen.elements_added),
        ("chains deleted", seen.chains_deleted),
        ("chains added", seen.chains_added),
        ("chains refilled", seen.chains_refilled),
        ("objects deleted", seen.objects_deleted),
        ("objects added", seen.objects_added),
        ("sets deleted", seen.sets_deleted),
        ("sets added", seen.sets_added),
    ] {
        assert!(n > 0, "no change had {what}: {seen:?}");
    }
}

#[test]
fn a_change_by_someone_else_makes_the_next_apply_a_replace() {
    if skip_unless_root("a_change_by_someone_else_makes_the_next_apply_a_replace") {
        return;
    }
    let ns = Netns::new("foreign");
    let base = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(40, 7));
    let old = compile(&edited(&base, &[50], "old")).expect("loads");
    let new = compile(&edited(&base, &[0, 50, 50], "new")).expect("loads");
    let none = Isolated::default();
    let applier = Applier::new(Some(ns.name.clone()));
    applier.apply(&old, &none).expect("first apply");
    // Another table of the namespace: the ruleset's generation moves on.
    ns.nft(&["add", "table", "ip", "other"]);
    let (_, mode) = applier.apply(&new, &none).expect("apply");
    assert_eq!(mode, ApplyMode::Replaced(ReplaceReason::GenerationChanged));
    // From there, the applier knows the table again.
    let (_, mode) = applier.apply(&old, &none).expect("apply");
    assert!(matches!(mode, ApplyMode::InPlace(_)), "{mode:?}");
    // A change the same as nothing sends nothing.
    let (batch, mode) = applier.apply(&old, &none).expect("apply");
    assert_eq!(mode, ApplyMode::InPlace(Default::default()));
    assert_eq!(batch.messages, 0);
    // What is isolated changes in place too.
    let isolated = Isolated::new(["10.1.0.5/32".parse().expect("a prefix")]);
    let (_, mode) = applier.apply(&old, &isolated).expect("apply");
    let ApplyMode::InPlace(change) = mode else {
        panic!("not in place: {mode:?}");
    };
    // As the kernel holds an interval set: an end at 0.0.0.0 before the
    // first interval, its start and its end.
    assert_eq!(change.elements_added, 3, "{change:?}");
    let set = ns.nft(&["list", "set", "inet", "sanso", "isolated4"]);
    assert!(set.contains("10.1.0.5"), "{set}");
    // An element update of the isolation sets through the applier: the
    // table stays its baseline, and the next change is in place too.
    applier.set_isolated(&none).expect("release");
    let set = ns.nft(&["list", "set", "inet", "sanso", "isolated4"]);
    assert!(!set.contains("10.1.0.5"), "{set}");
    let (_, mode) = applier.apply(&new, &none).expect("apply");
    assert!(matches!(mode, ApplyMode::InPlace(_)), "{mode:?}");
    let (_, mode) = applier.apply(&old, &none).expect("apply");
    assert!(matches!(mode, ApplyMode::InPlace(_)), "{mode:?}");
    // `forget` after a load by other means.
    applier.forget();
    let (_, mode) = applier.apply(&new, &none).expect("apply");
    assert_eq!(mode, ApplyMode::Replaced(ReplaceReason::NoBaseline));
}

#[test]
fn one_flow_removed_touches_only_what_was_its_own() {
    if skip_unless_root("one_flow_removed_touches_only_what_was_its_own") {
        return;
    }
    let ns = Netns::new("oneflow");
    let base = sanso_synth::policy_text(&sanso_synth::SynthSpec::new(1_000, 3));
    let all = compile(&base).expect("loads");
    // Every fourth flow in turn, so that groups before and after it change
    // place among the groups.
    let none = Isolated::default();
    let applier = Applier::new(Some(ns.name.clone()));
    applier.apply(&all, &none).expect("first apply");
    for victim in (0..all.flows.len()).step_by(97).take(8) {
        let name = &all.flows[victim].name;
        let one_less = compile(&edited_without(&base, name)).expect("loads");
        assert_eq!(one_less.flows.len() + 1, all.flows.len(), "{name}");
        for target in [&one_less, &all] {
            let (_, mode) = applier.apply(target, &none).expect("apply");
            let ApplyMode::InPlace(change) = mode else {
                panic!("{name}: not in place: {mode:?}");
            };
            // Its counter and the identity; its chain, or the chain of a
            // group it was in; a few elements.
            assert!(
                change.objects_deleted + change.objects_added <= 3,
                "{name}: {change:?}"
            );
            assert!(
                change.chains_deleted + change.chains_added <= 4,
                "{name}: {change:?}"
            );
            assert!(
                change.elements_deleted + change.elements_added <= 24,
                "{name}: {change:?}"
            );
        }
    }
}

/// `text` without its flow `name`.
fn edited_without(text: &str, name: &str) -> String {
    let head = format!("[[flows]]\nname = \"{name}\"\n");
    let at = text.find(&head).expect("the flow is in the policy");
    let end = text[at + head.len()..]
        .find("[[flows]]")
        .map_or(text.len(), |e| at + head.len() + e);
    format!("{}{}", &text[..at], &text[end..])
}
