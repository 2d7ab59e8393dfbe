//! The architecture invariants of the IR as an executable check
//! ([`check_invariants`]), for the lowering's tests and the back ends' tests.

use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::overlap::{for_each_overlap, Cuboid};
use crate::{
    AddrRange, Element, Family, FamilyAddress, GroupIdx, L4Key, Ruleset, SpoofKey, Target, ZoneIdx,
};

/// Checks every invariant listed in the crate documentation; the error names
/// the first violation found.
pub fn check_invariants(ruleset: &Ruleset) -> Result<(), String> {
    check_flows_and_groups(ruleset)?;
    check_family::<Ipv4Addr>(ruleset)?;
    check_family::<Ipv6Addr>(ruleset)
}

fn check_flows_and_groups(ruleset: &Ruleset) -> Result<(), String> {
    for pair in ruleset.flows.windows(2) {
        if pair[0].policy_index >= pair[1].policy_index {
            return Err(format!(
                "flows {:?} and {:?} are not in policy order",
                pair[0].name, pair[1].name
            ));
        }
    }
    for flow in &ruleset.flows {
        if flow.until.is_some_and(|until| until <= ruleset.compiled_at) {
            return Err(format!("flow {:?} had expired at compile time", flow.name));
        }
    }
    let mut keys = HashSet::new();
    for g in 0..ruleset.groups.len() {
        if !keys.insert(ruleset.group_key(GroupIdx(g))) {
            return Err(format!("group {g} has the key of another group"));
        }
    }
    let mut seen = HashSet::new();
    for (g, group) in ruleset.groups.iter().enumerate() {
        if group.len() < 2 {
            return Err(format!("group {g} has fewer than two flows"));
        }
        if group.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "group {g} is not in strictly increasing policy order"
            ));
        }
        if let Some(flow) = group.iter().find(|f| f.0 >= ruleset.flows.len()) {
            return Err(format!(
                "group {g} names flow {} which does not exist",
                flow.0
            ));
        }
        if !seen.insert(group) {
            return Err(format!("group {g} duplicates an earlier group"));
        }
    }
    Ok(())
}

fn check_family<A: FamilyAddress>(ruleset: &Ruleset) -> Result<(), String> {
    let family: &Family<A> = A::family(ruleset);
    let v = A::SUFFIX;
    for zr in &family.zones {
        if zr.range.first > zr.range.last {
            return Err(format!("v{v} zone range {:?} is empty", zr.range));
        }
        if zr.zone.0 >= ruleset.zones.len() {
            return Err(format!(
                "v{v} zone range {:?} names zone {} which does not exist",
                zr.range, zr.zone.0
            ));
        }
    }
    for pair in family.zones.windows(2) {
        if pair[0].range.last >= pair[1].range.first {
            return Err(format!(
                "v{v} zone ranges {:?} and {:?} are unsorted or overlap",
                pair[0].range, pair[1].range
            ));
        }
    }

    let mut expected: Vec<SpoofKey<A>> = Vec::new();
    for (z, zone) in ruleset.zones.iter().enumerate() {
        for interface in &zone.interfaces {
            for zr in family.zones.iter().filter(|zr| zr.zone.0 == z) {
                expected.push(SpoofKey {
                    interface: interface.clone(),
                    range: zr.range,
                });
            }
        }
    }
    expected.sort_by(|a, b| (&a.interface, a.range).cmp(&(&b.interface, b.range)));
    if family.antispoof != expected {
        return Err(format!(
            "v{v} antispoof is not every (interface, range) of every zone, sorted: {} entries, expected {}",
            family.antispoof.len(),
            expected.len()
        ));
    }

    let whole = AddrRange {
        first: A::from_u128(0),
        last: A::from_u128(A::MAX_U128),
    };
    for (hook, elements) in [
        ("forward", &family.forward),
        ("input", &family.input),
        ("output", &family.output),
    ] {
        let name = format!("v{v} {hook}");
        for e in elements.iter() {
            check_element(ruleset, family, &name, e, hook, whole)?;
        }
        check_sorted_disjoint(&name, elements)?;
    }
    Ok(())
}

fn check_element<A: FamilyAddress>(
    ruleset: &Ruleset,
    family: &Family<A>,
    name: &str,
    e: &Element<A>,
    hook: &str,
    whole: AddrRange<A>,
) -> Result<(), String> {
    if e.src.first > e.src.last || e.dst.first > e.dst.last {
        return Err(format!("{name}: element {e:?} has an empty range"));
    }
    if let L4Key::Ports { first, last, .. } = e.l4 {
        if first > last {
            return Err(format!("{name}: element {e:?} has an empty port range"));
        }
    }
    match e.target {
        Target::Flow(f) if f.0 >= ruleset.flows.len() => {
            return Err(format!(
                "{name}: element {e:?} targets a flow that does not exist"
            ));
        }
        Target::Group(g) if g.0 >= ruleset.groups.len() => {
            return Err(format!(
                "{name}: element {e:?} targets a group that does not exist"
            ));
        }
        _ => {}
    }
    let gateway_src = hook == "output";
    let gateway_dst = hook == "input";
    if gateway_src {
        if e.src != whole || e.src_zone.is_some() {
            return Err(format!(
                "{name}: element {e:?} must have the whole space as src and no src zone"
            ));
        }
    } else {
        check_in_zone(family, name, e, e.src, e.src_zone, "src")?;
    }
    if gateway_dst {
        if e.dst != whole || e.dst_zone.is_some() {
            return Err(format!(
                "{name}: element {e:?} must have the whole space as dst and no dst zone"
            ));
        }
    } else {
        check_in_zone(family, name, e, e.dst, e.dst_zone, "dst")?;
    }
    Ok(())
}

/// `range` lies inside one zone range, of zone `zone`.
fn check_in_zone<A: FamilyAddress>(
    family: &Family<A>,
    name: &str,
    e: &Element<A>,
    range: AddrRange<A>,
    zone: Option<ZoneIdx>,
    side: &str,
) -> Result<(), String> {
    let Some(zone) = zone else {
        return Err(format!("{name}: element {e:?} has no {side} zone"));
    };
    let i = family
        .zones
        .partition_point(|zr| zr.range.first <= range.first);
    let inside = i > 0 && {
        let zr = &family.zones[i - 1];
        zr.range.last >= range.last && zr.zone == zone
    };
    if !inside {
        return Err(format!(
            "{name}: element {e:?} {side} does not lie in one range of zone {}",
            zone.0
        ));
    }
    Ok(())
}

/// Sorted by (src, dst, l4), and pairwise disjoint as boxes.
fn check_sorted_disjoint<A: FamilyAddress>(
    name: &str,
    elements: &[Element<A>],
) -> Result<(), String> {
    for pair in elements.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if (a.src, a.dst, a.l4) >= (b.src, b.dst, b.l4) {
            return Err(format!(
                "{name}: elements {a:?} and {b:?} are unsorted or share a key"
            ));
        }
    }
    let cuboids: Vec<Cuboid> = elements
        .iter()
        .map(|e| Cuboid {
            src: (e.src.first.as_u128(), e.src.last.as_u128()),
            dst: (e.dst.first.as_u128(), e.dst.last.as_u128()),
            l4: e.l4.code_range(),
        })
        .collect();
    let mut first_overlap: Option<(u32, u32)> = None;
    for_each_overlap(&cuboids, |i, j| {
        let pair = (i.min(j), i.max(j));
        if first_overlap.is_none_or(|first| pair < first) {
            first_overlap = Some(pair);
        }
    });
    match first_overlap {
        None => Ok(()),
        Some((i, j)) => Err(format!(
            "{name}: elements {:?} and {:?} overlap",
            elements[i as usize], elements[j as usize]
        )),
    }
}
