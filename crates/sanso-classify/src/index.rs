//! The lookup index built once per ruleset: flat sorted arrays of the IR's
//! grid, searched by binary search (struct of arrays, keys as integers).

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

/// One hook table. Source ranges `i` own destination ranges
/// `src_dsts[i]..src_dsts[i + 1]`, which own L4 keys the same way.
#[derive(Debug)]
pub(crate) struct Grid<K> {
    src_first: Vec<K>,
    src_last: Vec<K>,
    src_dsts: Vec<u32>,
    dst_first: Vec<K>,
    dst_last: Vec<K>,
    dst_keys: Vec<u32>,
    key_first: Vec<u32>,
    key_last: Vec<u32>,
    key_target: Vec<Target>,
}

impl<K: Copy + Ord> Grid<K> {
    /// `elements` satisfy the IR's grid invariant and are sorted.
    fn build<A: Copy + PartialEq>(elements: &[Element<A>], key: impl Fn(A) -> K) -> Self {
        let mut grid = Grid {
            src_first: Vec::new(),
            src_last: Vec::new(),
            src_dsts: Vec::new(),
            dst_first: Vec::new(),
            dst_last: Vec::new(),
            dst_keys: Vec::new(),
            key_first: Vec::new(),
            key_last: Vec::new(),
            key_target: Vec::new(),
        };
        let mut prev: Option<&Element<A>> = None;
        for e in elements {
            let new_src = prev.is_none_or(|p| p.src != e.src);
            if new_src {
                grid.src_first.push(key(e.src.first));
                grid.src_last.push(key(e.src.last));
                grid.src_dsts.push(count(grid.dst_first.len()));
            }
            if new_src || prev.is_some_and(|p| p.dst != e.dst) {
                grid.dst_first.push(key(e.dst.first));
                grid.dst_last.push(key(e.dst.last));
                grid.dst_keys.push(count(grid.key_first.len()));
            }
            let (first, last) = L4Code::range(e.l4);
            grid.key_first.push(first);
            grid.key_last.push(last);
            grid.key_target.push(e.target);
            prev = Some(e);
        }
        grid.src_dsts.push(count(grid.dst_first.len()));
        grid.dst_keys.push(count(grid.key_first.len()));
        grid
    }

    /// The target of the element holding (src, dst, l4), if any.
    #[inline]
    pub(crate) fn lookup(&self, src: K, dst: K, l4: L4Code) -> Option<Target> {
        let s = find(&self.src_first, &self.src_last, src)?;
        let (d0, d1) = (self.src_dsts[s] as usize, self.src_dsts[s + 1] as usize);
        let d = d0 + find(&self.dst_first[d0..d1], &self.dst_last[d0..d1], dst)?;
        let (k0, k1) = (self.dst_keys[d] as usize, self.dst_keys[d + 1] as usize);
        let k = k0 + find(&self.key_first[k0..k1], &self.key_last[k0..k1], l4.0)?;
        Some(self.key_target[k])
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
    pub(crate) forward: Grid<K>,
    pub(crate) input: Grid<K>,
    pub(crate) output: Grid<K>,
}

impl<K: Copy + Ord> FamilyIndex<K> {
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
            forward: Grid::build(&family.forward, key),
            input: Grid::build(&family.input, key),
            output: Grid::build(&family.output, key),
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
