//! Finding the pairs of boxes (`src × dst × l4`, inclusive integer ranges)
//! that overlap in all three dimensions, without comparing every pair.
//!
//! A sweep over the source dimension keeps the boxes whose source contains
//! the sweep position ("active"). A box that starts overlaps an active box in
//! the destination dimension when
//!
//! * the active box's destination starts inside the new box's destination
//!   (a range query over the active boxes ordered by destination start), or
//! * the active box's destination starts before the new box's and contains
//!   its start: its destination range is one of the few distinct destination
//!   ranges that contain that point (precomputed once; address ranges from
//!   prefixes nest, so there are about as many as the nesting depth).
//!
//! The L4 ranges of the candidates are then compared. The work is the number
//! of pairs that overlap in source and destination, plus a logarithm per box.
//! Identical boxes all overlap each other: callers should merge them first.

use std::collections::BTreeSet;

/// A box: three inclusive integer ranges `(first, last)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Cuboid {
    pub(crate) src: (u128, u128),
    pub(crate) dst: (u128, u128),
    pub(crate) l4: (u32, u32),
}

fn overlaps<T: Ord>(a: &(T, T), b: &(T, T)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

#[cfg(test)]
impl Cuboid {
    /// Whether `self` and `other` share a point (naive, for the tests).
    pub(crate) fn intersects(&self, other: &Cuboid) -> bool {
        overlaps(&self.src, &other.src)
            && overlaps(&self.dst, &other.dst)
            && overlaps(&self.l4, &other.l4)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    End,
    Start,
}

/// Calls `found(i, j)` once for every pair of indices `i != j` of `boxes`
/// whose boxes overlap (`j` is the box already active when `i` starts).
pub(crate) fn for_each_overlap(boxes: &[Cuboid], mut found: impl FnMut(u32, u32)) {
    if boxes.len() < 2 {
        return;
    }
    let dst = DstRanges::new(boxes);

    let mut events: Vec<(u128, Event, u32)> = Vec::with_capacity(2 * boxes.len());
    for (i, b) in boxes.iter().enumerate() {
        let i = index(i);
        events.push((b.src.0, Event::Start, i));
        if let Some(end) = b.src.1.checked_add(1) {
            events.push((end, Event::End, i));
        }
    }
    // At one position ends apply before starts (ranges are inclusive).
    events.sort_unstable();

    let mut by_first: BTreeSet<(u128, u32)> = BTreeSet::new();
    // Active boxes per distinct destination range, and each box's slot there.
    let mut by_range: Vec<Vec<u32>> = vec![Vec::new(); dst.ranges.len()];
    let mut slot: Vec<u32> = vec![0; boxes.len()];
    for (_, event, i) in events {
        let b = &boxes[i as usize];
        let r = dst.id[i as usize] as usize;
        match event {
            Event::Start => {
                for &(_, j) in by_first.range((b.dst.0, 0)..=(b.dst.1, u32::MAX)) {
                    if overlaps(&b.l4, &boxes[j as usize].l4) {
                        found(i, j);
                    }
                }
                for &outer in dst.containers(r) {
                    for &j in &by_range[outer as usize] {
                        if overlaps(&b.l4, &boxes[j as usize].l4) {
                            found(i, j);
                        }
                    }
                }
                by_first.insert((b.dst.0, i));
                slot[i as usize] = index(by_range[r].len());
                by_range[r].push(i);
            }
            Event::End => {
                by_first.remove(&(b.dst.0, i));
                let list = &mut by_range[r];
                let at = slot[i as usize] as usize;
                list.swap_remove(at);
                if let Some(&moved) = list.get(at) {
                    slot[moved as usize] = index(at);
                }
            }
        }
    }
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 boxes per hook")
}

/// The distinct destination ranges of a set of boxes, and for each the
/// ranges that start strictly before it and contain its start.
struct DstRanges {
    ranges: Vec<(u128, u128)>,
    /// Range id of each box.
    id: Vec<u32>,
    /// `containers[offsets[r]..offsets[r + 1]]` for range `r`.
    offsets: Vec<u32>,
    containers: Vec<u32>,
}

impl DstRanges {
    fn new(boxes: &[Cuboid]) -> Self {
        let mut ranges: Vec<(u128, u128)> = boxes.iter().map(|b| b.dst).collect();
        ranges.sort_unstable();
        ranges.dedup();
        let id = boxes
            .iter()
            .map(|b| {
                let r = ranges
                    .binary_search(&b.dst)
                    .expect("every box's range is listed");
                index(r)
            })
            .collect();
        let mut offsets = Vec::with_capacity(ranges.len() + 1);
        let mut containers = Vec::new();
        // Ranges that started at an earlier position and may still contain
        // the current one; pruned as the position moves on.
        let mut open: Vec<u32> = Vec::new();
        let mut r = 0;
        while r < ranges.len() {
            let pos = ranges[r].0;
            open.retain(|&o| ranges[o as usize].1 >= pos);
            let batch_end = r + ranges[r..].partition_point(|x| x.0 == pos);
            for _ in r..batch_end {
                offsets.push(index(containers.len()));
                containers.extend_from_slice(&open);
            }
            open.extend((r..batch_end).map(index));
            r = batch_end;
        }
        offsets.push(index(containers.len()));
        DstRanges {
            ranges,
            id,
            offsets,
            containers,
        }
    }

    fn containers(&self, r: usize) -> &[u32] {
        &self.containers[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cuboid() -> impl Strategy<Value = Cuboid> {
        let range =
            |max: u128| (0..=max, 0..=max).prop_map(|(a, b)| if a <= b { (a, b) } else { (b, a) });
        (range(40), range(40), (0u32..20, 0u32..6)).prop_map(|(src, dst, (l4, w))| Cuboid {
            src,
            dst,
            l4: (l4, l4 + w),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn finds_exactly_the_overlapping_pairs(boxes in prop::collection::vec(cuboid(), 0..40)) {
            let mut got = Vec::new();
            for_each_overlap(&boxes, |i, j| got.push((i.min(j), i.max(j))));
            let n = got.len();
            got.sort_unstable();
            got.dedup();
            prop_assert_eq!(n, got.len(), "a pair was reported twice");
            let mut want = Vec::new();
            for i in 0..boxes.len() {
                for j in i + 1..boxes.len() {
                    if boxes[i].intersects(&boxes[j]) {
                        want.push((i as u32, j as u32));
                    }
                }
            }
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn whole_space_ranges_do_not_overflow() {
        let whole = (0, u128::MAX);
        let boxes = [
            Cuboid {
                src: whole,
                dst: whole,
                l4: (1, 1),
            },
            Cuboid {
                src: (u128::MAX, u128::MAX),
                dst: (5, 5),
                l4: (0, 3),
            },
        ];
        let mut got = Vec::new();
        for_each_overlap(&boxes, |i, j| got.push((i, j)));
        assert_eq!(got, vec![(1, 0)]);
    }
}
