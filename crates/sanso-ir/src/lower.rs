//! Lowering: validated [`Policy`] -> [`Ruleset`] (disjoint keys, groups of
//! overlapping flows).
//!
//! Per family and hook every flow is a set of *pieces*: boxes `src × dst ×
//! l4` whose address ranges are the flow's endpoints split at zone ranges
//! (a zone endpoint is its ranges after longest-prefix resolution, a host its
//! prefixes cut at zone ranges) and whose L4 part is one port range or ICMP
//! type. The lowering never looks at the cross product of all flows:
//!
//! 1. pieces that overlap in all three dimensions are found by a sweep
//!    (`overlap`) and joined into connected components;
//! 2. a piece that overlaps no other is one element, targeting its flow;
//! 3. each component of overlapping pieces is cut into disjoint elements by
//!    a sweep over its own pieces only ([`decompose`]), each element
//!    targeting the flow or the ordered group of flows that cover it.
//!
//! So a zone-wide flow is cut only where other flows overlap it, and the
//! number of elements grows with the number of flows and their overlaps, not
//! with (hosts) × (zone-wide flows). Addresses are handled as `u128`
//! integers via [`FamilyAddress`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

use sanso_policy::{Endpoint, Flow, Policy, ServiceMatch};
use sha2::{Digest, Sha256};

use crate::overlap::{for_each_overlap, Cuboid};
use crate::{
    AddrRange, Element, Family, FamilyAddress, FlowIdx, FlowRule, GroupIdx, L4Key, L4Proto,
    Ruleset, SpoofKey, Target, ZoneIdx, ZoneRange,
};

/// Compiles `policy` as of `now` (seconds since the Unix epoch): flows whose
/// `until` is at or before `now` are left out.
pub fn lower(policy: &Policy, now: i64) -> Ruleset {
    let kept: Vec<usize> = policy
        .flows
        .iter()
        .enumerate()
        .filter(|(_, flow)| flow.until.is_none_or(|until| until > now))
        .map(|(i, _)| i)
        .collect();
    let mut groups = GroupTable::default();
    let mut marks: Vec<Sha256> = kept
        .iter()
        .map(|&i| {
            let mut h = Sha256::new();
            h.update(b"sanso flow mark v1\0");
            h.update(policy.flows[i].name.as_bytes());
            h.update([0]);
            h
        })
        .collect();
    let mut v4 = lower_family::<Ipv4Addr>(policy, &kept, &mut groups, &mut marks);
    let mut v6 = lower_family::<Ipv6Addr>(policy, &kept, &mut groups, &mut marks);
    let marks = number_marks(marks);
    let flows = kept
        .iter()
        .zip(marks)
        .map(|(&i, mark)| flow_rule(&policy.flows[i], i, mark))
        .collect();
    let groups = number_groups(groups.groups, &mut v4, &mut v6);
    Ruleset {
        policy_name: policy.name.clone(),
        revision: policy.revision.clone(),
        content_hash: policy.content_hash.clone(),
        compiled_at: now,
        ha: None,
        zones: policy
            .zones
            .iter()
            .map(|zone| crate::ZoneInfo {
                name: zone.name.clone(),
                tier: zone.tier,
                interfaces: zone.interfaces.clone(),
            })
            .collect(),
        flows,
        groups,
        v4,
        v6,
    }
}

/// Renumbers the groups in order of first use (v4 then v6; forward, input,
/// output; element order), so that numbering does not depend on the order
/// in which components were cut.
fn number_groups(
    groups: Vec<Vec<FlowIdx>>,
    v4: &mut Family<Ipv4Addr>,
    v6: &mut Family<Ipv6Addr>,
) -> Vec<Vec<FlowIdx>> {
    let mut new_index: Vec<Option<GroupIdx>> = vec![None; groups.len()];
    let mut order: Vec<usize> = Vec::with_capacity(groups.len());
    let mut renumber = |target: &mut Target| {
        if let Target::Group(g) = target {
            let idx = *new_index[g.0].get_or_insert_with(|| {
                order.push(g.0);
                GroupIdx(order.len() - 1)
            });
            *g = idx;
        }
    };
    for e in v4
        .forward
        .iter_mut()
        .chain(&mut v4.input)
        .chain(&mut v4.output)
    {
        renumber(&mut e.target);
    }
    for e in v6
        .forward
        .iter_mut()
        .chain(&mut v6.input)
        .chain(&mut v6.output)
    {
        renumber(&mut e.target);
    }
    let mut groups: Vec<Option<Vec<FlowIdx>>> = groups.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|g| groups[g].take().expect("each group is numbered once"))
        .collect()
}

/// The flows' marks: the first four bytes of each hash, never 0, and
/// distinct (a collision takes the next free value, in flow order).
fn number_marks(hashes: Vec<Sha256>) -> Vec<u32> {
    let mut used: HashSet<u32> = HashSet::with_capacity(hashes.len());
    hashes
        .into_iter()
        .map(|h| {
            let digest = h.finalize();
            let mut mark = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
            while mark == 0 || !used.insert(mark) {
                mark = mark.wrapping_add(1);
            }
            mark
        })
        .collect()
}

/// Feeds what one flow allows in one hook and family into its mark: the
/// source and destination address ranges (merged across zone boundaries, so
/// that only the addresses count, not how zones cut them) and the L4 keys.
fn hash_box(h: &mut Sha256, hook: u8, family: u8, src: &[Seg], dst: &[Seg], l4: &[L4Key]) {
    h.update([hook, family]);
    for segs in [src, dst] {
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(segs.len());
        for seg in segs {
            match merged.last_mut() {
                Some(last) if last.1.checked_add(1) == Some(seg.first) => last.1 = seg.last,
                _ => merged.push((seg.first, seg.last)),
            }
        }
        h.update((merged.len() as u64).to_be_bytes());
        for (first, last) in merged {
            h.update(first.to_be_bytes());
            h.update(last.to_be_bytes());
        }
    }
    h.update((l4.len() as u64).to_be_bytes());
    for key in l4 {
        let (first, last) = key.code_range();
        h.update(first.to_be_bytes());
        h.update(last.to_be_bytes());
    }
}

fn flow_rule(flow: &Flow, policy_index: usize, mark: u32) -> FlowRule {
    FlowRule {
        name: flow.name.clone(),
        mark,
        reason: flow.reason.clone(),
        policy_index,
        log: flow.log,
        limit: flow.limit,
        until: flow.until,
        // An exception that waives nothing is not counted as one (W001).
        exception_ticket: flow
            .exception
            .as_ref()
            .filter(|_| flow.has_waiving_exception())
            .map(|e| e.ticket.clone()),
    }
}

/// Interns ordered flow lists as groups; one flow is its own target.
#[derive(Default)]
struct GroupTable {
    groups: Vec<Vec<FlowIdx>>,
    index: HashMap<Vec<FlowIdx>, GroupIdx>,
}

impl GroupTable {
    fn target(&mut self, flows: &[FlowIdx]) -> Target {
        debug_assert!(!flows.is_empty(), "a piece is covered by at least one flow");
        if let [flow] = flows {
            return Target::Flow(*flow);
        }
        if let Some(group) = self.index.get(flows) {
            return Target::Group(*group);
        }
        let group = GroupIdx(self.groups.len());
        self.groups.push(flows.to_vec());
        self.index.insert(flows.to_vec(), group);
        Target::Group(group)
    }
}

/// An inclusive integer range of addresses that classifies to one zone
/// (`None`: the whole space, standing for the gateway side of a hook).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seg {
    first: u128,
    last: u128,
    zone: Option<ZoneIdx>,
}

/// One flow as a box in one hook.
struct FlowBox {
    flow: FlowIdx,
    src: Vec<Seg>,
    dst: Vec<Seg>,
    /// Normalised: sorted, port ranges of one protocol merged.
    l4: Rc<[L4Key]>,
}

#[derive(Default)]
struct Hooks {
    forward: Vec<FlowBox>,
    input: Vec<FlowBox>,
    output: Vec<FlowBox>,
}

fn lower_family<A: FamilyAddress>(
    policy: &Policy,
    kept: &[usize],
    groups: &mut GroupTable,
    marks: &mut [Sha256],
) -> Family<A> {
    let family = if A::MAX_U128 == u128::from(u32::MAX) {
        4
    } else {
        6
    };
    let zone_ranges = zone_ranges::<A>(policy);
    let mut zone_segs: Vec<Vec<Seg>> = vec![Vec::new(); policy.zones.len()];
    for seg in &zone_ranges {
        let zone = seg.zone.expect("zone ranges carry their zone");
        zone_segs[zone.0].push(*seg);
    }
    let whole = vec![Seg {
        first: 0,
        last: A::MAX_U128,
        zone: None,
    }];

    let mut hooks = Hooks::default();
    for (idx, &policy_index) in kept.iter().enumerate() {
        let flow = &policy.flows[policy_index];
        let l4: Rc<[L4Key]> = l4_keys::<A>(flow).into();
        if l4.is_empty() {
            continue;
        }
        let src = endpoint_segs::<A>(policy, &flow.from, &zone_segs, &zone_ranges);
        let dst = endpoint_segs::<A>(policy, &flow.to, &zone_segs, &zone_ranges);
        let from_gateway = flow.from.contains(&Endpoint::Gateway);
        let to_gateway = flow.to.contains(&Endpoint::Gateway);
        let mark = &mut marks[idx];
        if !src.is_empty() && !dst.is_empty() {
            hash_box(mark, 1, family, &src, &dst, &l4);
        }
        if !src.is_empty() && to_gateway {
            hash_box(mark, 2, family, &src, &[], &l4);
        }
        if from_gateway && !dst.is_empty() {
            hash_box(mark, 3, family, &[], &dst, &l4);
        }
        let flow = FlowIdx(idx);
        if !src.is_empty() && !dst.is_empty() {
            hooks.forward.push(FlowBox {
                flow,
                src: src.clone(),
                dst: dst.clone(),
                l4: l4.clone(),
            });
        }
        if !src.is_empty() && to_gateway {
            hooks.input.push(FlowBox {
                flow,
                src,
                dst: whole.clone(),
                l4: l4.clone(),
            });
        }
        if from_gateway && !dst.is_empty() {
            hooks.output.push(FlowBox {
                flow,
                src: whole.clone(),
                dst,
                l4,
            });
        }
    }

    let mut antispoof = Vec::new();
    for (z, zone) in policy.zones.iter().enumerate() {
        for interface in &zone.interfaces {
            for seg in &zone_segs[z] {
                antispoof.push(SpoofKey {
                    interface: interface.clone(),
                    range: to_range::<A>(seg),
                });
            }
        }
    }
    antispoof.sort_by(|a: &SpoofKey<A>, b| (&a.interface, a.range).cmp(&(&b.interface, b.range)));

    Family {
        zones: zone_ranges
            .iter()
            .map(|seg| ZoneRange {
                range: to_range::<A>(seg),
                zone: seg.zone.expect("zone ranges carry their zone"),
            })
            .collect(),
        antispoof,
        forward: lower_hook::<A>(&hooks.forward, groups),
        input: lower_hook::<A>(&hooks.input, groups),
        output: lower_hook::<A>(&hooks.output, groups),
    }
}

fn to_range<A: FamilyAddress>(seg: &Seg) -> AddrRange<A> {
    AddrRange {
        first: A::from_u128(seg.first),
        last: A::from_u128(seg.last),
    }
}

/// The disjoint, sorted ranges of the family with the zone each classifies
/// to (longest prefix wins); adjacent ranges of one zone are merged.
fn zone_ranges<A: FamilyAddress>(policy: &Policy) -> Vec<Seg> {
    // (position, kind, prefix length, zone); ends sort before starts.
    let mut events: Vec<(u128, Kind, u8, usize)> = Vec::new();
    for (z, zone) in policy.zones.iter().enumerate() {
        for net in &zone.networks {
            if let Some((first, last)) = A::net_bits(net) {
                events.push((first, Kind::Start, net.prefix_len(), z));
                if last < A::MAX_U128 {
                    events.push((last + 1, Kind::End, net.prefix_len(), z));
                }
            }
        }
    }
    events.sort_unstable();
    let mut active: BTreeMap<(u8, usize), u32> = BTreeMap::new();
    let mut out: Vec<Seg> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let pos = events[i].0;
        while let Some(&(p, kind, len, z)) = events.get(i) {
            if p != pos {
                break;
            }
            match kind {
                Kind::Start => *active.entry((len, z)).or_insert(0) += 1,
                Kind::End => {
                    if let Some(count) = active.get_mut(&(len, z)) {
                        *count -= 1;
                        if *count == 0 {
                            active.remove(&(len, z));
                        }
                    }
                }
            }
            i += 1;
        }
        let Some((&(_, z), _)) = active.last_key_value() else {
            continue;
        };
        let end = events.get(i).map_or(A::MAX_U128, |e| e.0 - 1);
        push_seg(
            &mut out,
            Seg {
                first: pos,
                last: end,
                zone: Some(ZoneIdx(z)),
            },
        );
    }
    out
}

/// Appends `seg`, merging it into the last one when adjacent and of the same zone.
fn push_seg(out: &mut Vec<Seg>, seg: Seg) {
    if let Some(prev) = out.last_mut() {
        if prev.zone == seg.zone && prev.last.checked_add(1) == Some(seg.first) {
            prev.last = seg.last;
            return;
        }
    }
    out.push(seg);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    End,
    Start,
}

/// The address segments of a list of endpoints (the gateway contributes
/// none), split at zone boundaries, sorted, disjoint and merged.
fn endpoint_segs<A: FamilyAddress>(
    policy: &Policy,
    endpoints: &[Endpoint],
    zone_segs: &[Vec<Seg>],
    zone_ranges: &[Seg],
) -> Vec<Seg> {
    let mut segs = Vec::new();
    for endpoint in endpoints {
        match endpoint {
            Endpoint::Gateway => {}
            Endpoint::Zone(z) => segs.extend_from_slice(&zone_segs[z.0]),
            Endpoint::Host(h) => {
                for net in &policy.host(*h).addresses {
                    if let Some((first, last)) = A::net_bits(net) {
                        split_by_zones(first, last, zone_ranges, &mut segs);
                    }
                }
            }
        }
    }
    segs.sort_unstable_by_key(|s| (s.first, s.last));
    let mut out: Vec<Seg> = Vec::with_capacity(segs.len());
    for seg in segs {
        if let Some(prev) = out.last_mut() {
            // Overlapping pieces lie in the same zone range, so share the zone.
            let touches = seg.first <= prev.last || prev.last.checked_add(1) == Some(seg.first);
            if touches && prev.zone == seg.zone {
                prev.last = prev.last.max(seg.last);
                continue;
            }
        }
        out.push(seg);
    }
    out
}

/// Pushes the parts of `first..=last` that classify to a zone, one per zone range.
fn split_by_zones(first: u128, last: u128, zone_ranges: &[Seg], out: &mut Vec<Seg>) {
    let start = zone_ranges.partition_point(|z| z.last < first);
    for z in &zone_ranges[start..] {
        if z.first > last {
            break;
        }
        out.push(Seg {
            first: first.max(z.first),
            last: last.min(z.last),
            zone: z.zone,
        });
    }
}

/// The L4 keys of a flow in family `A`: port ranges merged per protocol, ICMP
/// types of the family; sorted in [`L4Key`] order.
fn l4_keys<A: FamilyAddress>(flow: &Flow) -> Vec<L4Key> {
    let mut ports: Vec<(L4Proto, u16, u16)> = Vec::new();
    let mut icmp: Vec<u8> = Vec::new();
    for service in &flow.services {
        for m in &service.matches {
            match m {
                ServiceMatch::Tcp(r) => ports.push((L4Proto::Tcp, r.first, r.last)),
                ServiceMatch::Udp(r) => ports.push((L4Proto::Udp, r.first, r.last)),
                other => icmp.extend(A::icmp_type(other)),
            }
        }
    }
    ports.sort_unstable();
    let mut merged: Vec<(L4Proto, u16, u16)> = Vec::with_capacity(ports.len());
    for (proto, first, last) in ports {
        if let Some(prev) = merged.last_mut() {
            if prev.0 == proto && u32::from(first) <= u32::from(prev.2) + 1 {
                prev.2 = prev.2.max(last);
                continue;
            }
        }
        merged.push((proto, first, last));
    }
    icmp.sort_unstable();
    icmp.dedup();
    merged
        .into_iter()
        .map(|(proto, first, last)| L4Key::Ports { proto, first, last })
        .chain(icmp.into_iter().map(|icmp_type| L4Key::Icmp { icmp_type }))
        .collect()
}

/// An interval of one dimension covered by the same boxes, inside one zone range.
struct Atom {
    first: u128,
    last: u128,
    zone: Option<ZoneIdx>,
    /// Indices of the covering boxes, ascending (= policy order).
    label: Vec<u32>,
    hash: u64,
}

/// One piece of one flow in one hook: a box inside one zone pair, with one
/// L4 key. The pieces of one flow are pairwise disjoint.
#[derive(Clone, Copy, Debug)]
struct Piece {
    flow: FlowIdx,
    src: Seg,
    dst: Seg,
    l4: L4Key,
}

impl Piece {
    fn cuboid(&self) -> Cuboid {
        Cuboid {
            src: (self.src.first, self.src.last),
            dst: (self.dst.first, self.dst.last),
            l4: self.l4.code_range(),
        }
    }

    fn element<A: FamilyAddress>(&self, target: Target) -> Element<A> {
        Element {
            src: to_range::<A>(&self.src),
            dst: to_range::<A>(&self.dst),
            l4: self.l4,
            target,
            src_zone: self.src.zone,
            dst_zone: self.dst.zone,
        }
    }
}

/// Union-find over piece indices (path halving, union by size).
struct Components {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl Components {
    fn new(n: usize) -> Self {
        Components {
            parent: (0..n).map(piece_index).collect(),
            size: vec![1; n],
        }
    }

    fn root(&mut self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            let grand = self.parent[self.parent[i as usize] as usize];
            self.parent[i as usize] = grand;
            i = grand;
        }
        i
    }

    fn union(&mut self, a: u32, b: u32) {
        let (mut a, mut b) = (self.root(a), self.root(b));
        if a == b {
            return;
        }
        if self.size[a as usize] < self.size[b as usize] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b as usize] = a;
        self.size[a as usize] += self.size[b as usize];
    }
}

fn piece_index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 flow pieces per hook")
}

/// The elements of one hook table: every flow's pieces; pieces that overlap
/// no other piece become one element each, and each connected set of
/// overlapping pieces is cut into disjoint elements.
fn lower_hook<A: FamilyAddress>(boxes: &[FlowBox], groups: &mut GroupTable) -> Vec<Element<A>> {
    // Flow order, so that piece order is policy order.
    let mut pieces: Vec<Piece> = Vec::new();
    for fb in boxes {
        for src in &fb.src {
            for dst in &fb.dst {
                pieces.extend(fb.l4.iter().map(|&l4| Piece {
                    flow: fb.flow,
                    src: *src,
                    dst: *dst,
                    l4,
                }));
            }
        }
    }
    let mut components = Components::new(pieces.len());
    // Identical boxes (several flows with the same ends and service) join
    // directly; the overlap search then sees each distinct box once.
    let mut order: Vec<(Cuboid, u32)> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| (p.cuboid(), piece_index(i)))
        .collect();
    order.sort_unstable();
    let mut distinct: Vec<Cuboid> = Vec::with_capacity(order.len());
    let mut representative: Vec<u32> = Vec::with_capacity(order.len());
    for (i, &(cuboid, piece)) in order.iter().enumerate() {
        if i > 0 && order[i - 1].0 == cuboid {
            components.union(order[i - 1].1, piece);
        } else {
            distinct.push(cuboid);
            representative.push(piece);
        }
    }
    drop(order);
    for_each_overlap(&distinct, |i, j| {
        components.union(representative[i as usize], representative[j as usize]);
    });

    // Members of each component, in piece order; components in order of
    // their first piece.
    let mut members: Vec<(u32, u32)> = (0..pieces.len())
        .map(|i| {
            let i = piece_index(i);
            (components.root(i), i)
        })
        .collect();
    members.sort_unstable();
    let mut clusters: Vec<&[(u32, u32)]> = members.chunk_by(|a, b| a.0 == b.0).collect();
    clusters.sort_unstable_by_key(|c| c[0].1);

    let mut elements = Vec::with_capacity(pieces.len());
    let mut component: Vec<Piece> = Vec::new();
    for cluster in clusters {
        if let [(_, only)] = cluster {
            let piece = &pieces[*only as usize];
            elements.push(piece.element::<A>(Target::Flow(piece.flow)));
            continue;
        }
        component.clear();
        component.extend(cluster.iter().map(|&(_, i)| pieces[i as usize]));
        decompose::<A>(&component, groups, &mut elements);
    }
    elements.sort_unstable();
    elements
}

/// Cuts overlapping pieces (in policy order) into disjoint elements, each
/// targeting the flows that cover it:
///
/// 1. the source dimension is cut into *atoms*: maximal intervals inside one
///    zone range that are covered by the same set of pieces;
/// 2. per source atom, the destination dimension is cut the same way, over
///    that atom's pieces only;
/// 3. per (source atom, destination atom), the L4 keys are cut into disjoint
///    port ranges and ICMP types, each labelled with the ordered flow list;
/// 4. a part covered by one flow targets it, by several the (deduplicated)
///    group of those flows in policy order.
///
/// Steps 2 and 3 are memoised on the piece set, since many atoms share one.
fn decompose<A: FamilyAddress>(
    pieces: &[Piece],
    groups: &mut GroupTable,
    elements: &mut Vec<Element<A>>,
) {
    let src_atoms = sweep(
        pieces
            .iter()
            .enumerate()
            .map(|(b, p)| (piece_index(b), std::slice::from_ref(&p.src))),
        A::MAX_U128,
    );
    let mut dst_memo: HashMap<Vec<u32>, Rc<Vec<Atom>>> = HashMap::new();
    let mut l4_memo: HashMap<Vec<u32>, Rc<Vec<(L4Key, Target)>>> = HashMap::new();
    for sa in &src_atoms {
        let dst_atoms = match dst_memo.get(&sa.label) {
            Some(atoms) => atoms.clone(),
            None => {
                let atoms = Rc::new(sweep(
                    sa.label
                        .iter()
                        .map(|&b| (b, std::slice::from_ref(&pieces[b as usize].dst))),
                    A::MAX_U128,
                ));
                dst_memo.insert(sa.label.clone(), atoms.clone());
                atoms
            }
        };
        for da in dst_atoms.iter() {
            let parts = match l4_memo.get(&da.label) {
                Some(parts) => parts.clone(),
                None => {
                    let parts = Rc::new(split_l4(&da.label, pieces, groups));
                    l4_memo.insert(da.label.clone(), parts.clone());
                    parts
                }
            };
            let src = AddrRange {
                first: A::from_u128(sa.first),
                last: A::from_u128(sa.last),
            };
            let dst = AddrRange {
                first: A::from_u128(da.first),
                last: A::from_u128(da.last),
            };
            elements.extend(parts.iter().map(|&(l4, target)| Element {
                src,
                dst,
                l4,
                target,
                src_zone: sa.zone,
                dst_zone: da.zone,
            }));
        }
    }
}

/// Cuts one dimension into atoms: maximal intervals with the same covering
/// boxes and zone. Each item's segments must be sorted, disjoint and merged.
fn sweep<'a>(items: impl Iterator<Item = (u32, &'a [Seg])>, max: u128) -> Vec<Atom> {
    // (position, kind, box, zone); at one position ends apply before starts.
    let mut events: Vec<(u128, Kind, u32, Option<ZoneIdx>)> = Vec::new();
    for (b, segs) in items {
        for seg in segs {
            events.push((seg.first, Kind::Start, b, seg.zone));
            if seg.last < max {
                events.push((seg.last + 1, Kind::End, b, seg.zone));
            }
        }
    }
    events.sort_unstable_by_key(|e| (e.0, e.1));
    let mut active: BTreeSet<u32> = BTreeSet::new();
    let mut hash = 0u64;
    let mut zone = None;
    let mut atoms: Vec<Atom> = Vec::new();
    let mut i = 0;
    while i < events.len() {
        let pos = events[i].0;
        while let Some(&(p, kind, b, z)) = events.get(i) {
            if p != pos {
                break;
            }
            match kind {
                Kind::Start => {
                    active.insert(b);
                    zone = z;
                }
                Kind::End => {
                    active.remove(&b);
                }
            }
            hash ^= mix(b);
            i += 1;
        }
        if active.is_empty() {
            continue;
        }
        let end = events.get(i).map_or(max, |e| e.0 - 1);
        if let Some(prev) = atoms.last_mut() {
            if prev.last + 1 == pos
                && prev.zone == zone
                && prev.hash == hash
                && prev.label.iter().eq(active.iter())
            {
                prev.last = end;
                continue;
            }
        }
        atoms.push(Atom {
            first: pos,
            last: end,
            zone,
            label: active.iter().copied().collect(),
            hash,
        });
    }
    atoms
}

/// A well-spread 64-bit hash of a box index (splitmix64's finaliser), so that
/// the XOR of a set's hashes is a cheap first test for set equality.
fn mix(b: u32) -> u64 {
    let mut z = u64::from(b).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Cuts the L4 keys of `label`'s pieces into disjoint pieces, each with the
/// target of the flows covering it (in policy order); adjacent port pieces
/// with the same target are merged.
fn split_l4(label: &[u32], pieces: &[Piece], groups: &mut GroupTable) -> Vec<(L4Key, Target)> {
    let mut out: Vec<(L4Key, Target)> = Vec::new();
    for proto in [L4Proto::Tcp, L4Proto::Udp] {
        // (position, kind, box): port ranges as half-open [first, last + 1).
        let mut events: Vec<(u32, Kind, u32)> = Vec::new();
        for &b in label {
            if let L4Key::Ports {
                proto: p,
                first,
                last,
            } = pieces[b as usize].l4
            {
                if p == proto {
                    events.push((u32::from(first), Kind::Start, b));
                    events.push((u32::from(last) + 1, Kind::End, b));
                }
            }
        }
        events.sort_unstable();
        let mut active: BTreeSet<u32> = BTreeSet::new();
        let mut flows: Vec<FlowIdx> = Vec::new();
        let mut i = 0;
        while i < events.len() {
            let pos = events[i].0;
            while let Some(&(p, kind, b)) = events.get(i) {
                if p != pos {
                    break;
                }
                match kind {
                    Kind::Start => active.insert(b),
                    Kind::End => active.remove(&b),
                };
                i += 1;
            }
            if active.is_empty() {
                continue;
            }
            // A non-empty active set has its ends still ahead.
            let end = events.get(i).map_or(65_535, |e| e.0 - 1);
            flows.clear();
            flows.extend(active.iter().map(|&b| pieces[b as usize].flow));
            let target = groups.target(&flows);
            let (first, last) = (port(pos), port(end));
            if let Some((
                L4Key::Ports {
                    proto: p,
                    last: prev_last,
                    ..
                },
                prev_target,
            )) = out.last_mut()
            {
                if *p == proto && *prev_target == target && u32::from(*prev_last) + 1 == pos {
                    *prev_last = last;
                    continue;
                }
            }
            out.push((L4Key::Ports { proto, first, last }, target));
        }
    }
    let mut icmp: Vec<(u8, FlowIdx)> = Vec::new();
    for &b in label {
        if let L4Key::Icmp { icmp_type } = pieces[b as usize].l4 {
            icmp.push((icmp_type, pieces[b as usize].flow));
        }
    }
    icmp.sort_unstable();
    for run in icmp.chunk_by(|a, b| a.0 == b.0) {
        let flows: Vec<FlowIdx> = run.iter().map(|&(_, f)| f).collect();
        out.push((
            L4Key::Icmp {
                icmp_type: run[0].0,
            },
            groups.target(&flows),
        ));
    }
    out
}

fn port(pos: u32) -> u16 {
    u16::try_from(pos).expect("a covered port position is at most 65535")
}
