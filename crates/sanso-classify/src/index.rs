//! The lookup index built once per ruleset: per hook table, the elementary
//! intervals of its source ranges, and per source range those of its
//! destination ranges, then the L4 keys of each (source, destination) cell,
//! all searched by binary search; zones and anti-spoofing as flat sorted arrays.
//! Keys are integers, arrays are struct-of-arrays, lookups do not allocate.

use sanso_ir::{Element, Family, L4Key, L4Proto, Target, ZoneIdx};

use crate::L4;

/// A packet's L4 part as one integer in the same order as the IR's
/// [`L4Key`]: TCP ports, then UDP ports, then ICMP types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct L4Code(u32);

impl L4Code {
    const UDP: u32 = 1 << 16;
    const ICMP: u32 = 2 << 16;

    pub(crate) fn of(l4: L4) -> Self {
        match l4 {
            L4::Tcp { dport } => L4Code(u32::from(dport)),
            L4::Udp { dport } => L4Code(Self::UDP | u32::from(dport)),
            L4::Icmp { icmp_type } => L4Code(Self::ICMP | u32::from(icmp_type)),
        }
    }

    /// The inclusive code range of a key.
    fn range(key: L4Key) -> (u32, u32) {
        match key {
            L4Key::Ports {
                proto: L4Proto::Tcp,
                first,
                last,
            } => (u32::from(first), u32::from(last)),
            L4Key::Ports {
                proto: L4Proto::Udp,
                first,
                last,
            } => (Self::UDP | u32::from(first), Self::UDP | u32::from(last)),
            L4Key::Icmp { icmp_type } => (
                Self::ICMP | u32::from(icmp_type),
                Self::ICMP | u32::from(icmp_type),
            ),
        }
    }
}

/// The index of the range among sorted disjoint `first..=last` that holds `x`.
/// A branch-free binary search: the loop runs log2(len) times whatever the
/// data, with a conditional move instead of a mispredicted branch.
#[inline]
fn find<K: Copy + Ord>(first: &[K], last: &[K], x: K) -> Option<usize> {
    let mut size = first.len();
    if size == 0 {
        return None;
    }
    let mut base = 0;
    while size > 1 {
        let half = size / 2;
        let mid = base + half;
        base = if first[mid] <= x { mid } else { base };
        size -= half;
    }
    (first[base] <= x && x <= last[base]).then_some(base)
}

/// An integer key of an address family (`u32` for IPv4, `u128` for IPv6).
pub(crate) trait Key: Copy + Ord {
    /// The next integer, `None` at the end of the space.
    fn succ(self) -> Option<Self>;
}

impl Key for u32 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}

impl Key for u128 {
    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }
}

/// Ranges of one dimension as *elementary intervals*: between two
/// consecutive boundaries of any range, the same ranges contain every point.
/// Interval `i` starts at `first[i]` (and ends where the next starts) and
/// lies in the ranges `ids[offsets[i]..offsets[i + 1]]`, innermost first
/// (an entry `T` names a range and may carry what a lookup checks first).
/// Address ranges mostly nest (hosts in zones), so the lists are short.
///
/// Several dimensions can share the arrays, one after the other: each
/// [`Intervals::push`] appends one, and the next one's first interval ends
/// the previous one's last list.
#[derive(Debug)]
struct Intervals<K, T> {
    first: Vec<K>,
    offsets: Vec<u32>,
    ids: Vec<T>,
}

impl<K: Key, T: Copy> Intervals<K, T> {
    fn new() -> Self {
        Intervals {
            first: Vec::new(),
            offsets: Vec::new(),
            ids: Vec::new(),
        }
    }

    /// Appends the elementary intervals of `ranges` (each `(first, last)`,
    /// listed as `entry(index)`); returns the slice of intervals they occupy.
    fn push(
        &mut self,
        ranges: impl Iterator<Item = (K, K)>,
        entry: impl Fn(u32) -> T,
    ) -> (u32, u32) {
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        enum Kind {
            End,
            Start,
        }
        let mut events: Vec<(K, Kind, u32)> = Vec::new();
        for (i, (first, last)) in ranges.enumerate() {
            let id = count(i);
            events.push((first, Kind::Start, id));
            if let Some(end) = last.succ() {
                events.push((end, Kind::End, id));
            }
        }
        events.sort_unstable();
        let start = count(self.first.len());
        let mut active: Vec<u32> = Vec::new();
        let mut i = 0;
        while i < events.len() {
            let pos = events[i].0;
            while let Some(&(p, kind, id)) = events.get(i) {
                if p != pos {
                    break;
                }
                match kind {
                    Kind::Start => active.push(id),
                    Kind::End => active.retain(|&a| a != id),
                }
                i += 1;
            }
            self.first.push(pos);
            self.offsets.push(count(self.ids.len()));
            // Innermost (latest started) ranges first.
            self.ids.extend(active.iter().rev().map(|&id| entry(id)));
        }
        (start, count(self.first.len()))
    }

    /// Closes the last list; no more [`Intervals::push`] after this.
    fn finish(&mut self) {
        self.offsets.push(count(self.ids.len()));
    }

    /// The ids of the ranges containing `x`, among the intervals `span`.
    #[inline]
    fn ids_at(&self, span: (u32, u32), x: K) -> &[T] {
        let (i0, i1) = (span.0 as usize, span.1 as usize);
        match find_start(&self.first[i0..i1], x) {
            Some(i) => &self.ids[self.offsets[i0 + i] as usize..self.offsets[i0 + i + 1] as usize],
            None => &[],
        }
    }
}

/// The index of the last of the sorted `first` that is at most `x`.
#[inline]
fn find_start<K: Copy + Ord>(first: &[K], x: K) -> Option<usize> {
    let mut size = first.len();
    if size == 0 {
        return None;
    }
    let mut base = 0;
    while size > 1 {
        let half = size / 2;
        let mid = base + half;
        base = if first[mid] <= x { mid } else { base };
        size -= half;
    }
    (first[base] <= x).then_some(base)
}

/// A source range in the list of an elementary source interval, with the
/// hull of its destination ranges (most source ranges have one or two
/// cells, so most are ruled out here without a further memory access).
#[derive(Clone, Copy, Debug)]
struct SrcRange<K> {
    id: u32,
    dst_first: K,
    dst_last: K,
}

/// One hook table. Its elements are pairwise disjoint boxes, sorted by
/// (src, dst, l4). A *cell* is the elements of one (source range,
/// destination range): their L4 keys are disjoint and sorted.
///
/// A packet's source lies in a few of the table's distinct source ranges
/// (elementary intervals over all of them); for each, the elementary
/// intervals of that source range's destination ranges give the few cells
/// that also hold the destination; their L4 keys are binary searched. The
/// elements are disjoint, so the first key that holds the packet is the only one.
#[derive(Debug)]
pub(crate) struct Table<K> {
    /// Elementary intervals of the distinct source ranges.
    src: Intervals<K, SrcRange<K>>,
    src_span: (u32, u32),
    /// Per source range `s`, the intervals `dst_spans[s]` of `dst` (ids: cells).
    dst_spans: Vec<(u32, u32)>,
    dst: Intervals<K, u32>,
    /// Cell `c` owns L4 keys `cell_keys[c]..cell_keys[c + 1]`.
    cell_keys: Vec<u32>,
    key_first: Vec<u32>,
    key_last: Vec<u32>,
    key_target: Vec<Target>,
}

impl<K: Key> Table<K> {
    /// `elements` are sorted and pairwise disjoint (the IR's invariants).
    fn build<A: Copy + PartialEq>(elements: &[Element<A>], key: impl Fn(A) -> K) -> Self {
        let mut table = Table {
            src: Intervals::new(),
            src_span: (0, 0),
            dst_spans: Vec::new(),
            dst: Intervals::new(),
            cell_keys: Vec::new(),
            key_first: Vec::with_capacity(elements.len()),
            key_last: Vec::with_capacity(elements.len()),
            key_target: Vec::with_capacity(elements.len()),
        };
        // Sorted by src first: the elements of one source range are one run,
        // and within it those of one destination range (a cell).
        let mut src_ranges: Vec<(K, K)> = Vec::new();
        let mut dst_hulls: Vec<(K, K)> = Vec::new();
        for by_src in elements.chunk_by(|a, b| a.src == b.src) {
            src_ranges.push((key(by_src[0].src.first), key(by_src[0].src.last)));
            let cells: Vec<&[Element<A>]> = by_src.chunk_by(|a, b| a.dst == b.dst).collect();
            let hull = cells.iter().fold(None, |hull: Option<(K, K)>, c| {
                let (first, last) = (key(c[0].dst.first), key(c[0].dst.last));
                Some(hull.map_or((first, last), |(f, l)| (f.min(first), l.max(last))))
            });
            dst_hulls.push(hull.expect("a run has at least one element"));
            let base = count(table.cell_keys.len());
            for cell in &cells {
                table.cell_keys.push(count(table.key_first.len()));
                for e in *cell {
                    let (first, last) = L4Code::range(e.l4);
                    table.key_first.push(first);
                    table.key_last.push(last);
                    table.key_target.push(e.target);
                }
            }
            let span = table.dst.push(
                cells
                    .iter()
                    .map(|c| (key(c[0].dst.first), key(c[0].dst.last))),
                |c| base + c,
            );
            table.dst_spans.push(span);
        }
        table.cell_keys.push(count(table.key_first.len()));
        table.dst.finish();
        // Runs of equal src come out sorted by src, hence distinct and sorted.
        table.src_span = table.src.push(src_ranges.into_iter(), |id| SrcRange {
            id,
            dst_first: dst_hulls[id as usize].0,
            dst_last: dst_hulls[id as usize].1,
        });
        table.src.finish();
        table
    }

    /// The target of the element holding (src, dst, l4), if any.
    #[inline]
    pub(crate) fn lookup(&self, src: K, dst: K, l4: L4Code) -> Option<Target> {
        for s in self.src.ids_at(self.src_span, src) {
            if dst < s.dst_first || s.dst_last < dst {
                continue;
            }
            for &c in self.dst.ids_at(self.dst_spans[s.id as usize], dst) {
                let (k0, k1) = (
                    self.cell_keys[c as usize] as usize,
                    self.cell_keys[c as usize + 1] as usize,
                );
                if let Some(k) = find(&self.key_first[k0..k1], &self.key_last[k0..k1], l4.0) {
                    return Some(self.key_target[k0 + k]);
                }
            }
        }
        None
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).expect("a hook table has fewer than 2^32 elements")
}

/// Valid source ranges of one interface.
#[derive(Debug)]
struct SpoofEntry<K> {
    interface: String,
    first: Vec<K>,
    last: Vec<K>,
}

/// The index of one address family.
#[derive(Debug)]
pub(crate) struct FamilyIndex<K> {
    zone_first: Vec<K>,
    zone_last: Vec<K>,
    zone: Vec<ZoneIdx>,
    /// Sorted by interface name.
    antispoof: Vec<SpoofEntry<K>>,
    pub(crate) forward: Table<K>,
    pub(crate) input: Table<K>,
    pub(crate) output: Table<K>,
}

impl<K: Key> FamilyIndex<K> {
    pub(crate) fn build<A: Copy + PartialEq>(
        family: &Family<A>,
        key: impl Fn(A) -> K + Copy,
    ) -> Self {
        let mut antispoof: Vec<SpoofEntry<K>> = Vec::new();
        // The IR sorts antispoof by interface, then range.
        for entry in &family.antispoof {
            match antispoof.last_mut() {
                Some(last) if last.interface == entry.interface => {
                    last.first.push(key(entry.range.first));
                    last.last.push(key(entry.range.last));
                }
                _ => antispoof.push(SpoofEntry {
                    interface: entry.interface.clone(),
                    first: vec![key(entry.range.first)],
                    last: vec![key(entry.range.last)],
                }),
            }
        }
        FamilyIndex {
            zone_first: family.zones.iter().map(|z| key(z.range.first)).collect(),
            zone_last: family.zones.iter().map(|z| key(z.range.last)).collect(),
            zone: family.zones.iter().map(|z| z.zone).collect(),
            antispoof,
            forward: Table::build(&family.forward, key),
            input: Table::build(&family.input, key),
            output: Table::build(&family.output, key),
        }
    }

    #[inline]
    pub(crate) fn zone_of(&self, addr: K) -> Option<ZoneIdx> {
        find(&self.zone_first, &self.zone_last, addr).map(|i| self.zone[i])
    }

    /// Whether (iif, src) is in the anti-spoofing set.
    #[inline]
    pub(crate) fn spoof_ok(&self, iif: &str, src: K) -> bool {
        match self
            .antispoof
            .binary_search_by(|e| e.interface.as_str().cmp(iif))
        {
            Ok(i) => find(&self.antispoof[i].first, &self.antispoof[i].last, src).is_some(),
            Err(_) => false,
        }
    }
}
