//! The lookup index built once per ruleset: per hook table, a dense table
//! of zone-range pairs, the elementary intervals of each pair's source
//! ranges (in cache-line blocks under a small summary), and per source
//! range with several cells their list (up to 16) or the elementary
//! intervals of their destination ranges, then the L4
//! keys of each (source, destination) cell (inline in the source range when
//! its only cell has one, or two of a single code each), leading to target
//! codes (a flow with no `until` is accepted without further reads); zones
//! and anti-spoofing as
//! flat sorted arrays. Searches are without data-dependent branches where
//! the compiler allows (see [`Key`]): a lookup costs a few cache lines, not
//! log2(n) dependent loads and mispredictions.
//! Keys are integers, lookups do not allocate.

use std::collections::HashMap;

use sanso_ir::{Element, Family, FlowIdx, L4Key, Ruleset, Target, ZoneIdx};

use crate::L4;

/// A packet's L4 part as one integer in the same order as the IR's
/// [`L4Key`]: TCP ports, then UDP ports, then ICMP types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct L4Code(u32);

impl L4Code {
    const UDP: u32 = L4Key::UDP_CODE;
    const ICMP: u32 = L4Key::ICMP_CODE;

    /// Without a branch on the protocol, which a mix of packets would
    /// mispredict: every case is computed and the right one selected.
    #[inline]
    pub(crate) fn of(l4: L4) -> Self {
        let is_udp = matches!(l4, L4::Udp { .. });
        let is_icmp = matches!(l4, L4::Icmp { .. });
        let value = match l4 {
            L4::Tcp { dport } | L4::Udp { dport } => u32::from(dport),
            L4::Icmp { icmp_type } => u32::from(icmp_type),
        };
        let base = std::hint::select_unpredictable(is_udp, Self::UDP, 0);
        let base = std::hint::select_unpredictable(is_icmp, Self::ICMP, base);
        L4Code(base | value)
    }
}

/// The index of the last of the sorted `items` that `at_most` holds for
/// (the items at most the key sought), if any.
///
/// A branch-free binary search: `partition_point` runs log2(len) steps
/// whatever the data, with a conditional move instead of a branch that
/// the data would make mispredicted half of the time (a hand-written
/// `if` in the loop compiles to such a branch).
#[inline]
fn last_at_most<T>(items: &[T], at_most: impl FnMut(&T) -> bool) -> Option<usize> {
    items.partition_point(at_most).checked_sub(1)
}

/// The index of the range among sorted disjoint `first..=last` that holds `x`.
#[inline]
fn find<K: Key>(first: &[K], last: &[K], x: K) -> Option<usize> {
    last_at_most(first, |&f| f.at_most(x)).filter(|&i| x <= last[i])
}

/// An integer key of an address family (`u32` for IPv4, `u128` for IPv6).
pub(crate) trait Key: Copy + Ord {
    /// The largest value.
    const MAX: Self;

    /// The next integer, `None` at the end of the space.
    fn succ(self) -> Option<Self>;

    /// `self <= x`, as a flag rather than a branch where it can.
    fn at_most(self, x: Self) -> bool;

    /// How many of the sorted `items` are at most `x`: a branch-free
    /// binary search.
    #[inline]
    fn count_at_most(items: &[Self], x: Self) -> usize {
        items.partition_point(|&f| f.at_most(x))
    }

    /// How many of a family's zone starts, padded to [`ZONE_SLOTS`] when
    /// they are fewer, are at most `x`. With [`ZONE_SLOTS`] starts, a search
    /// in fixed steps: unrolled, its selects stay conditional moves.
    #[inline]
    fn count_zones_at_most(first: &[Self], x: Self) -> usize {
        match <&[Self; ZONE_SLOTS]>::try_from(first) {
            Ok(first) => {
                // `first[..at]` are at most `x`.
                let mut at = 0;
                for step in [16, 8, 4, 2, 1] {
                    at = std::hint::select_unpredictable(
                        first[at + step - 1].at_most(x),
                        at + step,
                        at,
                    );
                }
                at + usize::from(first[at].at_most(x))
            }
            Err(_) => first.partition_point(|&f| f.at_most(x)),
        }
    }
}

/// The length up to which `u128` keys are counted rather than searched.
const SHORT: usize = 16;

impl Key for u32 {
    const MAX: Self = u32::MAX;

    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }

    #[inline]
    fn at_most(self, x: Self) -> bool {
        self <= x
    }
}

impl Key for u128 {
    const MAX: Self = u128::MAX;

    fn succ(self) -> Option<Self> {
        self.checked_add(1)
    }

    #[inline]
    fn at_most(self, x: Self) -> bool {
        // The borrow of a two-word subtraction.
        !x.overflowing_sub(self).1
    }

    /// A short slice is counted, a sum of flags: the compiler turns the
    /// selects of a binary search on two-word comparisons into jumps,
    /// mispredicted half of the time on random keys.
    #[inline]
    fn count_at_most(items: &[Self], x: Self) -> usize {
        if items.len() <= SHORT {
            items.iter().map(|&f| usize::from(f.at_most(x))).sum()
        } else {
            items.partition_point(|&f| f.at_most(x))
        }
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
        let start = count(self.first.len());
        sweep(ranges, |pos, active| {
            self.first.push(pos);
            self.offsets.push(count(self.ids.len()));
            // Innermost (latest started) ranges first.
            self.ids.extend(active.iter().rev().map(|&id| entry(id)));
        });
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

/// The elementary intervals of `ranges` (each `(first, last)`), in order:
/// `emit(start, active)` with the indexes of the ranges holding the
/// interval, outermost (earliest started) first.
fn sweep<K: Key>(ranges: impl Iterator<Item = (K, K)>, mut emit: impl FnMut(K, &[u32])) {
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
        emit(pos, &active);
    }
}

/// The elementary intervals of source ranges, each with the list of the
/// ranges holding it as a chain of [`SrcNode`]s, innermost first. Chains
/// share their tails: nested ranges (a zone-wide range around many hosts)
/// are stored once, not once per interval inside them, so the nodes a
/// lookup reads after the first are mostly in cache.
///
/// The intervals of one [`SrcSpan`] are cut in blocks of [`BLOCK`], their
/// starts and chain heads side by side, aligned on a cache line (one line
/// for `u32`); the first start of every block is also in `summary`, small
/// enough to stay in cache. A search is a binary search of the summary,
/// then one block whose starts at most the key are counted without a
/// branch, and whose head is then in the same line (two levels instead of
/// log2(n) dependent loads that each miss the cache). The base of each
/// block is also kept next to the summary: a lookup requests the nodes
/// around it while the block is being fetched, which holds most of the
/// block's chain heads (nodes of nearby intervals are built together).
#[derive(Debug)]
struct SrcIntervals<K> {
    blocks: Vec<StartBlock<K>>,
    /// Per block: its first start.
    summary: Vec<K>,
    /// Per block: its `base` (read with the summary, so that the nodes
    /// near it can be fetched while the block is).
    bases: Vec<u32>,
    nodes: Vec<SrcNode<K>>,
}

/// Intervals per block of [`SrcIntervals`]: 10 `u32` starts, a base and
/// 10 `u16` head offsets fill a cache line (10 `u128` starts, three).
const BLOCK: usize = 10;

/// One block of [`SrcIntervals`], aligned on a cache line.
#[derive(Clone, Copy, Debug)]
#[repr(align(64))]
struct StartBlock<K> {
    /// The starts of its intervals, padded with `K`'s largest value after
    /// the last interval of a span.
    starts: [K; BLOCK],
    /// The node that `offsets` count from.
    base: u32,
    /// The head of the chain of each interval as an offset from `base`
    /// ([`StartBlock::NO_HEAD`] for none): the heads of nearby intervals
    /// are nodes built close together.
    offsets: [u16; BLOCK],
}

const _: () = assert!(std::mem::size_of::<StartBlock<u32>>() == 64);
const _: () = assert!(std::mem::size_of::<StartBlock<u128>>() == 192);

impl<K> StartBlock<K> {
    const NO_HEAD: u16 = u16::MAX;
}

/// The intervals of one zone-range pair in [`SrcIntervals`]: the
/// `blocks` blocks from `block` on.
#[derive(Clone, Copy, Debug, Default)]
struct SrcSpan {
    block: u32,
    blocks: u32,
}

/// One link of a chain of [`SrcIntervals`]: a source range in 24 bytes
/// for `u32` and 48 for `u128`.
/// A lookup tests the hull of its destination ranges first (most source
/// ranges have one or two cells, so most are ruled out here without a
/// further memory access), then finds its cells by its [`CellsAt`].
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct SrcNode<K> {
    dst_first: K,
    dst_last: K,
    /// The next node, shifted by [`SrcNode::KIND_BITS`], and the
    /// [`CellsAt`] of this one in the low bits.
    link: u32,
    payload: Payload,
}

const _: () = assert!(std::mem::size_of::<SrcNode<u32>>() == 24);
const _: () = assert!(std::mem::size_of::<SrcNode<u128>>() == 48);

impl<K> SrcNode<K> {
    const KIND_BITS: u32 = 3;
    const END: u32 = u32::MAX >> Self::KIND_BITS;

    #[inline]
    fn next(&self) -> u32 {
        self.link >> Self::KIND_BITS
    }

    /// The node's [`CellsAt`], as its bits.
    #[inline]
    fn kind(&self) -> u32 {
        self.link & ((1 << Self::KIND_BITS) - 1)
    }
}

/// Where a [`SrcNode`]'s cells are, in 12 bytes (4-byte words, so that a
/// `u32` node is 24 bytes): a word and an extra.
/// [`CellsAt::Inline`]: the word is the only key of the only cell.
/// [`CellsAt::Codes`]: the only cell has two keys of a single code each:
/// the word holds the first code, the second code (as its last) and the
/// first's target; the extra is the second's target. Both are read with
/// the range without a further memory access (most cells have one or two
/// keys of a single port). Otherwise the word is a span (see
/// [`KeyEntry::span`]): of [`Table::keys`] for [`CellsAt::One`], of
/// [`Table::cells`] for [`CellsAt::List`], of [`Table::dst`] intervals for
/// [`CellsAt::Many`].
#[derive(Clone, Copy, Debug)]
struct Payload([u32; 3]);

impl Payload {
    fn new(word: KeyEntry, extra: u32) -> Self {
        Payload([word.0 as u32, (word.0 >> 32) as u32, extra])
    }

    #[inline]
    fn word(self) -> KeyEntry {
        KeyEntry(u64::from(self.0[0]) | u64::from(self.0[1]) << 32)
    }

    #[inline]
    fn extra(self) -> u32 {
        self.0[2]
    }
}

/// The keys of a single cell as a [`SrcNode`] holds them, if they fit.
fn inline_keys(keys: &[KeyEntry]) -> Option<(CellsAt, Payload)> {
    match *keys {
        [only] => Some((CellsAt::Inline, Payload::new(only, 0))),
        [a, b] if a.first() == a.last() && b.first() == b.last() => Some((
            CellsAt::Codes,
            Payload::new(
                KeyEntry::new(a.first(), b.first(), a.target()),
                b.target().0,
            ),
        )),
        _ => None,
    }
}

impl<K: Key> SrcIntervals<K> {
    fn new() -> Self {
        SrcIntervals {
            blocks: Vec::new(),
            summary: Vec::new(),
            bases: Vec::new(),
            nodes: Vec::new(),
        }
    }

    /// Appends the elementary intervals of `ranges` (each `(first, last)`,
    /// listed as `entry(index)`) in new blocks; returns where they are.
    fn push(
        &mut self,
        ranges: impl Iterator<Item = (K, K)>,
        entry: impl Fn(u32) -> SrcRange<K>,
    ) -> SrcSpan {
        let block = count(self.blocks.len());
        // (range, next) -> node, within this push.
        let mut interned: std::collections::HashMap<(u32, u32), u32> =
            std::collections::HashMap::new();
        let mut intervals: Vec<(K, u32)> = Vec::new();
        let nodes = &mut self.nodes;
        sweep(ranges, |pos, active| {
            let mut next = SrcNode::<K>::END;
            // Outermost first, so that the head is the innermost.
            for &id in active {
                next = *interned.entry((id, next)).or_insert_with(|| {
                    let range = entry(id);
                    let node = count(nodes.len());
                    assert!(
                        node < SrcNode::<K>::END,
                        "a hook table has fewer than 2^29 source nodes"
                    );
                    nodes.push(SrcNode {
                        dst_first: range.dst_first,
                        dst_last: range.dst_last,
                        link: next << SrcNode::<K>::KIND_BITS | range.cells as u32,
                        payload: range.payload,
                    });
                    node
                });
            }
            intervals.push((pos, next));
        });
        let no_head = StartBlock::<K>::NO_HEAD;
        for chunk in intervals.chunks(BLOCK) {
            let mut starts = [K::MAX; BLOCK];
            let mut heads = [SrcNode::<K>::END; BLOCK];
            for (i, &(start, head)) in chunk.iter().enumerate() {
                starts[i] = start;
                heads[i] = head;
            }
            let present = || heads.iter().copied().filter(|&h| h != SrcNode::<K>::END);
            let mut base = present().min().unwrap_or(0);
            if present()
                .max()
                .is_some_and(|max| max - base >= u32::from(no_head))
            {
                // Too far apart for offsets (not seen in practice): the
                // block's heads are copied next to each other, their
                // tails shared.
                base = count(self.nodes.len());
                for head in heads.iter_mut().filter(|h| **h != SrcNode::<K>::END) {
                    self.nodes.push(self.nodes[*head as usize]);
                    *head = count(self.nodes.len() - 1);
                }
            }
            let mut offsets = heads.map(|h| match h {
                SrcNode::<K>::END => no_head,
                h => u16::try_from(h - base).expect("heads are within an offset of the base"),
            });
            // The padding starts are at most only the largest key, which
            // the last interval holds.
            let last = offsets[chunk.len() - 1];
            offsets[chunk.len()..].fill(last);
            self.summary.push(starts[0]);
            self.bases.push(base);
            self.blocks.push(StartBlock {
                starts,
                base,
                offsets,
            });
        }
        SrcSpan {
            block,
            blocks: count(self.blocks.len()) - block,
        }
    }

    /// The block whose intervals hold `x`, among the intervals `span`
    /// ([`NO_BLOCK`] for none).
    #[inline]
    fn block_at(&self, span: SrcSpan, x: K) -> u32 {
        let b0 = span.block as usize;
        let b1 = b0 + span.blocks as usize;
        match K::count_at_most(&self.summary[b0..b1], x).checked_sub(1) {
            Some(b) => count(b0 + b),
            None => NO_BLOCK,
        }
    }

    /// Requests the first nodes from `block`'s base: most of its heads
    /// (nodes of nearby intervals are built together), so that the node
    /// that [`SrcIntervals::head_in`] names is on its way with the block.
    #[inline(always)]
    fn prefetch_heads(&self, block: u32) {
        if let Some(&base) = self.bases.get(block as usize) {
            let base = base as usize;
            prefetch(self.nodes.get(base));
            prefetch(self.nodes.get(base + 3));
            prefetch(self.nodes.get(base + 5));
        }
    }

    /// The head of the chain of the interval holding `x` in `block` (from
    /// [`SrcIntervals::block_at`]); [`SrcNode::END`] for none.
    #[inline]
    fn head_in(&self, block: u32, x: K) -> u32 {
        let Some(block) = self.blocks.get(block as usize) else {
            return SrcNode::<K>::END;
        };
        // At least the first start of the block is at most `x`; the padding
        // is too when `x` is the largest key, and repeats the last head.
        let at_most = block
            .starts
            .iter()
            .map(|&f| usize::from(f.at_most(x)))
            .sum::<usize>();
        let offset = block.offsets[at_most - 1];
        std::hint::select_unpredictable(
            offset == StartBlock::<K>::NO_HEAD,
            SrcNode::<K>::END,
            block.base.wrapping_add(u32::from(offset)),
        )
    }

    /// The head of the chain of the interval holding `x`, among the
    /// intervals `span`; [`SrcNode::END`] for none.
    #[cfg(test)]
    fn head_at(&self, span: SrcSpan, x: K) -> u32 {
        self.head_in(self.block_at(span, x), x)
    }
}

/// No block of [`SrcIntervals`]: no interval holds the key.
const NO_BLOCK: u32 = u32::MAX;

/// A hint to the processor that the cache line of `item` is read soon, so
/// that it is fetched while other work goes on. No effect on results (and
/// none at all where there is no such instruction).
#[inline(always)]
#[allow(unsafe_code)]
fn prefetch<T>(item: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(item) = item {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is in every x86_64 processor (the target's baseline),
        // and a prefetch neither reads for the program nor faults.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}

/// A family's zone ranges when they are at most this many (the usual case):
/// their starts padded to this many (a power of two), searched in a fixed
/// number of steps (unrolled, so without the branches of a search loop).
const ZONE_SLOTS: usize = 32;

/// The index of the last of the sorted `first` that is at most `x`.
#[inline]
fn find_start<K: Key>(first: &[K], x: K) -> Option<usize> {
    last_at_most(first, |&f| f.at_most(x))
}

/// A source range of a zone-range pair as the build gives it to
/// [`SrcIntervals::push`]: the hull of its destination ranges and where
/// its cells are (the fields of [`SrcNode`]).
#[derive(Clone, Copy, Debug)]
struct SrcRange<K> {
    dst_first: K,
    dst_last: K,
    cells: CellsAt,
    payload: Payload,
}

/// Cells of a source range up to which they are listed ([`CellsAt::List`])
/// rather than cut in destination intervals ([`CellsAt::Many`]): a few
/// adjacent cache lines read independently of each other instead of a
/// search followed by three dependent reads.
const LIST_CELLS: usize = 16;

/// One cell of a [`CellsAt::List`]: its destination range and the span of
/// its keys in [`Table::keys`] (as [`KeyEntry::span`]).
#[derive(Clone, Copy, Debug)]
struct CellEntry<K> {
    dst_first: K,
    dst_last: K,
    keys: KeyEntry,
}

/// Where the cells of a source range are: most source ranges have a single
/// cell, whose destination range is then the hull, so its keys are found
/// without the destination intervals.
/// The discriminants are bits that a lookup tests (see
/// [`CellsAt::SPANS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
enum CellsAt {
    /// The only key of the only cell is in the [`SrcNode`].
    Inline = 0,
    /// The two keys (single codes) of the only cell are in the [`SrcNode`].
    Codes = CellsAt::CODES,
    /// The only cell's keys are a span of [`Table::keys`].
    One = CellsAt::SPANS,
    /// At most [`LIST_CELLS`] cells: a span of [`Table::cells`], each
    /// tested in turn.
    List = CellsAt::SPANS | CellsAt::CELLS,
    /// A span of [`Table::dst`] intervals, each listing cells.
    Many = CellsAt::SPANS | CellsAt::CELLS | CellsAt::INTERVALS,
}

impl CellsAt {
    /// Set: the node's payload is a span.
    const SPANS: u32 = 1;
    /// Set: of cells rather than keys.
    const CELLS: u32 = 2;
    /// Without [`CellsAt::SPANS`], set: two single codes rather than a key.
    const CODES: u32 = 2;
    /// Set: of destination intervals rather than listed cells.
    const INTERVALS: u32 = 4;
}

/// A [`Target`] in [`TargetCode::BITS`] bits, as a lookup needs it: the
/// top bit clear, a flow with no `until`, accepted without reading anything
/// more; set, the first of its flows in [`Targets::tries`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct TargetCode(u32);

impl TargetCode {
    /// Bits of a code (what a [`KeyEntry`] has room for).
    const BITS: u32 = 28;
    const TRIES: u32 = 1 << (Self::BITS - 1);
}

/// One flow that a target tries, with its `until` (`i64::MAX` for none).
#[derive(Clone, Copy, Debug)]
struct Try {
    until: i64,
    flow: u32,
    /// The last flow of its target.
    last: bool,
}

/// The flows of every target that is not a single flow with no `until`,
/// each target's in one run, in the order they are tried.
#[derive(Debug)]
pub(crate) struct Targets {
    tries: Vec<Try>,
}

/// Gives the targets of a ruleset their codes while the tables are built.
pub(crate) struct TargetCoder<'r> {
    ruleset: &'r Ruleset,
    interned: HashMap<Target, TargetCode>,
    tries: Vec<Try>,
}

impl<'r> TargetCoder<'r> {
    pub(crate) fn new(ruleset: &'r Ruleset) -> Self {
        TargetCoder {
            ruleset,
            interned: HashMap::new(),
            tries: Vec::new(),
        }
    }

    fn code(&mut self, target: Target) -> TargetCode {
        let (ruleset, tries) = (self.ruleset, &mut self.tries);
        *self.interned.entry(target).or_insert_with(|| {
            let flows = ruleset.target_flows(&target);
            let index = |i: usize| {
                u32::try_from(i)
                    .ok()
                    .filter(|&i| i < TargetCode::TRIES)
                    .expect("a ruleset has fewer than 2^27 flows and group members")
            };
            match flows {
                &[only] if ruleset.flow(only).until.is_none() => TargetCode(index(only.0)),
                _ => {
                    let start = index(tries.len());
                    tries.extend(flows.iter().enumerate().map(|(i, &f)| Try {
                        until: ruleset.flow(f).until.unwrap_or(i64::MAX),
                        flow: index(f.0),
                        last: i + 1 == flows.len(),
                    }));
                    TargetCode(start | TargetCode::TRIES)
                }
            }
        })
    }

    pub(crate) fn finish(self) -> Targets {
        Targets { tries: self.tries }
    }
}

impl Targets {
    /// The first flow of `code` whose `until` is after `time`, if any.
    #[inline]
    pub(crate) fn accepting(&self, code: TargetCode, time: i64) -> Option<FlowIdx> {
        if code.0 & TargetCode::TRIES == 0 {
            return (time < i64::MAX).then_some(FlowIdx(code.0 as usize));
        }
        let mut i = (code.0 & !TargetCode::TRIES) as usize;
        loop {
            let t = self.tries[i];
            if time < t.until {
                return Some(FlowIdx(t.flow as usize));
            }
            if t.last {
                return None;
            }
            i += 1;
        }
    }

    /// The flows of `code`, in order.
    pub(crate) fn flows(&self, code: TargetCode) -> Vec<FlowIdx> {
        if code.0 & TargetCode::TRIES == 0 {
            return vec![FlowIdx(code.0 as usize)];
        }
        let start = (code.0 & !TargetCode::TRIES) as usize;
        let len = self.tries[start..]
            .iter()
            .position(|t| t.last)
            .expect("a run of tries ends with its last");
        self.tries[start..=start + len]
            .iter()
            .map(|t| FlowIdx(t.flow as usize))
            .collect()
    }
}

/// One L4 key of a cell in 8 bytes: the first and last code of its range
/// ([`KeyEntry::CODE_BITS`] each; codes end before `3 << 16`) and its
/// target's [`TargetCode`], so that a small cell is a few words.
#[derive(Clone, Copy, Debug)]
struct KeyEntry(u64);

impl KeyEntry {
    const CODE_BITS: u32 = 18;
    const CODE_MASK: u64 = (1 << Self::CODE_BITS) - 1;

    fn new(first: u32, last: u32, target: TargetCode) -> Self {
        assert!(
            u64::from(last) < Self::CODE_MASK && first <= last,
            "an L4 code range is in 18 bits"
        );
        KeyEntry(
            u64::from(first)
                | u64::from(last) << Self::CODE_BITS
                | u64::from(target.0) << (2 * Self::CODE_BITS),
        )
    }

    /// A span `start..end` of an array, in the place of a key.
    fn span((start, end): (u32, u32)) -> Self {
        KeyEntry(u64::from(start) | u64::from(end) << 32)
    }

    #[inline]
    fn as_span(self) -> (usize, usize) {
        ((self.0 as u32) as usize, (self.0 >> 32) as usize)
    }

    #[inline]
    fn first(self) -> u32 {
        (self.0 & Self::CODE_MASK) as u32
    }

    #[inline]
    fn last(self) -> u32 {
        (self.0 >> Self::CODE_BITS & Self::CODE_MASK) as u32
    }

    #[inline]
    fn holds(self, x: u32) -> bool {
        let x = u64::from(x);
        self.0 & Self::CODE_MASK <= x && x <= self.0 >> Self::CODE_BITS & Self::CODE_MASK
    }

    #[inline]
    fn target(self) -> TargetCode {
        TargetCode((self.0 >> (2 * Self::CODE_BITS)) as u32)
    }
}

/// The target of the key among sorted disjoint `keys` that holds `x`.
#[inline]
fn find_key(keys: &[KeyEntry], x: u32) -> Option<TargetCode> {
    let key = keys[last_at_most(keys, |k| k.first() <= x)?];
    key.holds(x).then(|| key.target())
}

/// The zone range (index into the family's sorted zone ranges) an element
/// side or a packet address lies in; [`GATEWAY`] for the gateway side of the
/// input and output hooks, [`NO_ZONE`] for an address in no zone.
pub(crate) type ZoneRangeIdx = u32;
pub(crate) const GATEWAY: ZoneRangeIdx = u32::MAX - 1;
pub(crate) const NO_ZONE: ZoneRangeIdx = u32::MAX;

/// One hook table. Its elements are pairwise disjoint boxes, sorted by
/// (src, dst, l4), and each lies in one (source zone range, destination zone
/// range) pair. A *cell* is the elements of one (source range, destination
/// range): their L4 keys are disjoint and sorted.
///
/// A lookup takes the packet's zone-range pair (from the family's zone
/// ranges) to that pair's elements only. There, the packet's source lies in
/// a few distinct source ranges (elementary intervals over the pair's
/// source ranges; ranges nest, as hosts in a zone, or are the pieces of one
/// zone-wide flow cut around the hosts of other flows that overlap it);
/// for each whose destination hull holds the destination, the elementary
/// intervals of its destination ranges give the cells that hold it, whose
/// L4 keys are binary searched. The elements are disjoint, so the first key
/// that holds the packet is the only one.
#[derive(Debug)]
pub(crate) struct Table<K> {
    /// Zone-range pairs: the intervals of `src` of the pair (source zone
    /// range `zs`, destination zone range `zd`) are at `zs * sides + zd`,
    /// where [`GATEWAY`] is the last side (`sides - 1`).
    pairs: Vec<SrcSpan>,
    sides: usize,
    /// Elementary intervals of the distinct source ranges of each pair.
    src: SrcIntervals<K>,
    /// Destination intervals of each source range; an entry is the span of
    /// `keys` of one cell.
    dst: Intervals<K, (u32, u32)>,
    /// The cells of the source ranges with [`CellsAt::List`].
    cells: Vec<CellEntry<K>>,
    keys: Vec<KeyEntry>,
}

impl<K: Key> Table<K> {
    /// `elements` are sorted and pairwise disjoint, and lie in one zone range
    /// per side (the IR's invariants); `zone_range` gives that range.
    fn build<A: Copy + PartialEq>(
        elements: &[Element<A>],
        key: impl Fn(A) -> K,
        zone_ranges: usize,
        zone_range: impl Fn(K) -> ZoneRangeIdx,
        targets: &mut TargetCoder,
    ) -> Self {
        // Sides 0..zone_ranges, then GATEWAY.
        let sides = zone_ranges + 1;
        let mut table = Table {
            pairs: vec![SrcSpan::default(); sides * sides],
            sides,
            src: SrcIntervals::new(),
            dst: Intervals::new(),
            cells: Vec::new(),
            keys: Vec::with_capacity(elements.len()),
        };
        let side = |zone: Option<sanso_ir::ZoneIdx>, first: A| match zone {
            Some(_) => zone_range(key(first)),
            None => GATEWAY,
        };
        // Stable: within a pair, elements stay sorted by (src, dst, l4).
        let mut by_pair: Vec<(ZoneRangeIdx, ZoneRangeIdx, &Element<A>)> = elements
            .iter()
            .map(|e| {
                (
                    side(e.src_zone, e.src.first),
                    side(e.dst_zone, e.dst.first),
                    e,
                )
            })
            .collect();
        by_pair.sort_by_key(|&(zs, zd, _)| (zs, zd));
        let at = |z: ZoneRangeIdx| {
            if z == GATEWAY {
                zone_ranges
            } else {
                z as usize
            }
        };
        let mut src_ranges: Vec<(K, K)> = Vec::new();
        let mut dst_hulls: Vec<(K, K)> = Vec::new();
        let mut dst_spans: Vec<(CellsAt, Payload)> = Vec::new();
        let mut cell_spans: Vec<(u32, u32)> = Vec::new();
        for pair in by_pair.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (zs, zd) = (pair[0].0, pair[0].1);
            src_ranges.clear();
            dst_hulls.clear();
            dst_spans.clear();
            for by_src in pair.chunk_by(|a, b| a.2.src == b.2.src) {
                src_ranges.push((key(by_src[0].2.src.first), key(by_src[0].2.src.last)));
                let cells: Vec<&[(u32, u32, &Element<A>)]> =
                    by_src.chunk_by(|a, b| a.2.dst == b.2.dst).collect();
                let hull = cells.iter().fold(None, |hull: Option<(K, K)>, c| {
                    let (first, last) = (key(c[0].2.dst.first), key(c[0].2.dst.last));
                    Some(hull.map_or((first, last), |(f, l)| (f.min(first), l.max(last))))
                });
                dst_hulls.push(hull.expect("a run has at least one element"));
                cell_spans.clear();
                for cell in &cells {
                    let start = count(table.keys.len());
                    table.keys.extend(cell.iter().map(|&(_, _, e)| {
                        let (first, last) = e.l4.code_range();
                        KeyEntry::new(first, last, targets.code(e.target))
                    }));
                    cell_spans.push((start, count(table.keys.len())));
                }
                let inline = match cell_spans.as_slice() {
                    [(k0, k1)] => inline_keys(&table.keys[*k0 as usize..*k1 as usize])
                        .map(|inline| (*k0, inline)),
                    _ => None,
                };
                let span = match cell_spans.as_slice() {
                    _ if inline.is_some() => {
                        let (k0, inline) = inline.expect("tested");
                        // They were the last pushed.
                        table.keys.truncate(k0 as usize);
                        inline
                    }
                    [only] => (CellsAt::One, Payload::new(KeyEntry::span(*only), 0)),
                    spans if spans.len() <= LIST_CELLS => {
                        let start = count(table.cells.len());
                        table
                            .cells
                            .extend(cells.iter().zip(spans).map(|(c, &span)| CellEntry {
                                dst_first: key(c[0].2.dst.first),
                                dst_last: key(c[0].2.dst.last),
                                keys: KeyEntry::span(span),
                            }));
                        let end = count(table.cells.len());
                        (CellsAt::List, Payload::new(KeyEntry::span((start, end)), 0))
                    }
                    _ => (
                        CellsAt::Many,
                        Payload::new(
                            KeyEntry::span(
                                table.dst.push(
                                    cells
                                        .iter()
                                        .map(|c| (key(c[0].2.dst.first), key(c[0].2.dst.last))),
                                    |c| cell_spans[c as usize],
                                ),
                            ),
                            0,
                        ),
                    ),
                };
                dst_spans.push(span);
            }
            // Runs of equal src come out sorted by src, hence distinct and sorted.
            let span = table.src.push(src_ranges.iter().copied(), |id| SrcRange {
                cells: dst_spans[id as usize].0,
                payload: dst_spans[id as usize].1,
                dst_first: dst_hulls[id as usize].0,
                dst_last: dst_hulls[id as usize].1,
            });
            table.pairs[at(zs) * sides + at(zd)] = span;
        }
        table.dst.finish();
        table
    }

    /// The target of the element holding (src, dst, l4), if any; `zs` and
    /// `zd` are the zone ranges of `src` and `dst` ([`GATEWAY`] on the
    /// gateway side of the input and output hooks).
    #[inline(always)]
    pub(crate) fn lookup(
        &self,
        (zs, src): (ZoneRangeIdx, K),
        (zd, dst): (ZoneRangeIdx, K),
        l4: L4Code,
    ) -> Option<TargetCode> {
        let block = self.block((zs, src), zd);
        self.src.prefetch_heads(block);
        self.walk(self.src.head_in(block, src), dst, l4)
    }

    /// The first step of [`Table::lookup`], for lookups run step by step:
    /// the block of source intervals that holds `src` ([`NO_BLOCK`] for
    /// none). [`Table::head`] takes it.
    #[inline(always)]
    pub(crate) fn block(&self, (zs, src): (ZoneRangeIdx, K), zd: ZoneRangeIdx) -> u32 {
        let at = |z: ZoneRangeIdx| match z {
            GATEWAY => Some(self.sides - 1),
            NO_ZONE => None,
            z => Some(z as usize),
        };
        match (at(zs), at(zd)) {
            (Some(s), Some(d)) => self.src.block_at(self.pairs[s * self.sides + d], src),
            _ => NO_BLOCK,
        }
    }

    /// The second step: the first node of the chain of `src` in `block`.
    /// [`Table::walk`] takes it.
    #[inline(always)]
    pub(crate) fn head(&self, block: u32, src: K) -> u32 {
        self.src.head_in(block, src)
    }

    /// Requests what [`Table::head`] reads from `block`; returns it.
    #[inline(always)]
    pub(crate) fn prefetch_block(&self, block: u32) -> u32 {
        prefetch(self.src.blocks.get(block as usize));
        block
    }

    /// Requests what [`Table::walk`] reads first from `node`; returns it.
    #[inline(always)]
    pub(crate) fn prefetch_node(&self, node: u32) -> u32 {
        prefetch(self.src.nodes.get(node as usize));
        node
    }

    /// The last step: the chain from `node` on, as [`Table::lookup`].
    #[inline(always)]
    pub(crate) fn walk(&self, mut node: u32, dst: K, l4: L4Code) -> Option<TargetCode> {
        while let Some(n) = self.src.nodes.get(node as usize) {
            node = n.next();
            if dst < n.dst_first || n.dst_last < dst {
                continue;
            }
            // Tests of the kind's bits, not a `match`: four cases compile
            // to a jump table, an indirect branch mispredicted more often.
            let kind = n.kind();
            let word = n.payload.word();
            if kind & CellsAt::SPANS == 0 {
                if kind & CellsAt::CODES == 0 {
                    if word.holds(l4.0) {
                        return Some(word.target());
                    }
                } else if l4.0 == word.first() {
                    return Some(word.target());
                } else if l4.0 == word.last() {
                    return Some(TargetCode(n.payload.extra()));
                }
                continue;
            }
            let (s0, s1) = word.as_span();
            if kind & CellsAt::CELLS == 0 {
                // One.
                if let Some(target) = find_key(&self.keys[s0..s1], l4.0) {
                    return Some(target);
                }
            } else if kind & CellsAt::INTERVALS == 0 {
                // List.
                for c in &self.cells[s0..s1] {
                    if c.dst_first <= dst && dst <= c.dst_last {
                        let (k0, k1) = c.keys.as_span();
                        if let Some(target) = find_key(&self.keys[k0..k1], l4.0) {
                            return Some(target);
                        }
                    }
                }
            } else {
                // Many.
                for &(k0, k1) in self.dst.ids_at((count(s0), count(s1)), dst) {
                    if let Some(target) = find_key(&self.keys[k0 as usize..k1 as usize], l4.0) {
                        return Some(target);
                    }
                }
            }
        }
        None
    }
}

impl<K> Table<K> {
    /// Bytes of the table's arrays, per part: (pairs, source blocks and
    /// summary, source nodes, destination intervals, keys).
    pub(crate) fn bytes(&self) -> [usize; 5] {
        fn of<T>(v: &[T]) -> usize {
            std::mem::size_of_val(v)
        }
        [
            of(&self.pairs),
            of(&self.src.blocks) + of(&self.src.summary) + of(&self.src.bases),
            of(&self.src.nodes),
            of(&self.dst.first) + of(&self.dst.offsets) + of(&self.dst.ids) + of(&self.cells),
            of(&self.keys),
        ]
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
    /// Per zone range: whether its zone has an interface (a source there
    /// is not spoofed when the packet names no interface).
    zone_sourced: Vec<bool>,
    /// Sorted by interface name.
    antispoof: Vec<SpoofEntry<K>>,
    pub(crate) forward: Table<K>,
    pub(crate) input: Table<K>,
    pub(crate) output: Table<K>,
}

impl<K: Key> FamilyIndex<K> {
    pub(crate) fn build<A: Copy + PartialEq>(
        ruleset: &Ruleset,
        family: &Family<A>,
        key: impl Fn(A) -> K + Copy,
        targets: &mut TargetCoder,
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
        let zone_first: Vec<K> = family.zones.iter().map(|z| key(z.range.first)).collect();
        let zone_last: Vec<K> = family.zones.iter().map(|z| key(z.range.last)).collect();
        let n = zone_first.len();
        let zone_range = |addr: K| find(&zone_first, &zone_last, addr).map_or(NO_ZONE, count);
        let forward = Table::build(&family.forward, key, n, zone_range, targets);
        let input = Table::build(&family.input, key, n, zone_range, targets);
        let output = Table::build(&family.output, key, n, zone_range, targets);
        FamilyIndex {
            zone: family.zones.iter().map(|z| z.zone).collect(),
            zone_sourced: family
                .zones
                .iter()
                .map(|z| !ruleset.zone(z.zone).interfaces.is_empty())
                .collect(),
            zone_first: {
                let mut padded = zone_first;
                if padded.len() < ZONE_SLOTS {
                    padded.resize(ZONE_SLOTS, K::MAX);
                }
                padded
            },
            zone_last,
            antispoof,
            forward,
            input,
            output,
        }
    }

    /// An address as a table lookup takes it: its zone range (or
    /// [`NO_ZONE`]) and its integer.
    #[inline]
    pub(crate) fn at<A>(&self, addr: A) -> (ZoneRangeIdx, K)
    where
        K: From<A>,
    {
        let addr = K::from(addr);
        (self.zone_range(addr).map_or(NO_ZONE, count), addr)
    }

    /// The zone range that holds `x`.
    #[inline]
    fn zone_range(&self, x: K) -> Option<usize> {
        let at_most = K::count_zones_at_most(&self.zone_first, x);
        // The padding is at most `x` only for the largest key, which only
        // the last zone range can hold.
        let i = at_most.min(self.zone_last.len()).checked_sub(1)?;
        (x <= self.zone_last[i]).then_some(i)
    }

    /// The zone of a zone range from [`FamilyIndex::at`] (`None` for
    /// [`NO_ZONE`]).
    #[inline]
    pub(crate) fn zone_at(&self, range: ZoneRangeIdx) -> Option<ZoneIdx> {
        self.zone.get(range as usize).copied()
    }

    /// Whether a source in the zone range `range` is valid when the packet
    /// names no interface: its zone has one.
    #[inline]
    pub(crate) fn sourced(&self, range: ZoneRangeIdx) -> bool {
        self.zone_sourced
            .get(range as usize)
            .copied()
            .unwrap_or(false)
    }

    #[inline]
    pub(crate) fn zone_of(&self, addr: K) -> Option<ZoneIdx> {
        self.zone_range(addr).map(|i| self.zone[i])
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranges of the chain of the interval holding `x`, innermost first
    /// (each node's `dst_first` is its range's index here).
    fn chain(src: &SrcIntervals<u32>, span: SrcSpan, x: u32) -> Vec<u32> {
        let mut ranges = Vec::new();
        let mut node = src.head_at(span, x);
        while let Some(n) = src.nodes.get(node as usize) {
            ranges.push(n.dst_first);
            node = n.next();
        }
        ranges
    }

    /// The source intervals of `ranges`, each range naming itself.
    fn intervals(ranges: &[(u32, u32)]) -> (SrcIntervals<u32>, SrcSpan) {
        let mut src = SrcIntervals::new();
        let span = src.push(ranges.iter().copied(), |id| SrcRange {
            dst_first: id,
            dst_last: id,
            cells: CellsAt::Inline,
            payload: Payload::new(KeyEntry::span((0, 0)), 0),
        });
        (src, span)
    }

    #[test]
    fn heads_too_far_apart_for_offsets_are_copied_next_to_each_other() {
        // A zone-wide range (its node built first) around more hosts than
        // an offset counts: late blocks hold heads of both.
        let hosts: u32 = 70_000;
        let ranges: Vec<(u32, u32)> = std::iter::once((0, 4 * hosts))
            .chain((0..hosts).map(|i| (2 * i + 1, 2 * i + 1)))
            .collect();
        let (src, span) = intervals(&ranges);
        // One node per range, then the copies.
        assert!(src.nodes.len() > ranges.len());
        for i in [0, 1, 32_767, 65_534, 65_535, 65_536, 69_998, hosts - 1] {
            assert_eq!(chain(&src, span, 2 * i + 1), vec![i + 1, 0], "host {i}");
            assert_eq!(chain(&src, span, 2 * i + 2), vec![0], "after host {i}");
        }
        assert_eq!(chain(&src, span, 4 * hosts), vec![0]);
        assert_eq!(chain(&src, span, 4 * hosts + 1), Vec::<u32>::new());
    }

    #[test]
    fn the_largest_key_is_in_the_last_interval_despite_the_padding() {
        let ranges = [(0, u32::MAX), (u32::MAX - 1, u32::MAX)];
        let (src, span) = intervals(&ranges);
        assert_eq!(chain(&src, span, u32::MAX - 2), vec![0]);
        assert_eq!(chain(&src, span, u32::MAX - 1), vec![1, 0]);
        assert_eq!(chain(&src, span, u32::MAX), vec![1, 0]);
    }
}
