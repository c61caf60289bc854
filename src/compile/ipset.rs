//! IP prefix tables that report **every** covering indicator, not only the longest prefix.
//!
//! IPv4, every covering network ([`IpSet::lookup_v4`], the scanners' path), by prefix
//! length:
//! - single addresses (/32, the bulk of every feed): an open-addressing table of `u32` keys
//!   behind a bitmap of the /24 blocks that hold one; an address with one indicator and no
//!   port stores the indicator inline (one cache line per lookup, nothing else);
//! - /0–/16: per /16, the list of the networks that cover it (one read, no probe);
//! - /24–/31 and /17–/23: a hash table keyed by (masked network, length) behind a bitmap of
//!   the /24 (resp. /16) blocks their networks touch, probed once per distinct length.
//!
//! An address reads the three gates and the /16's list bounds first, independent reads whose
//! cache misses overlap, so that a miss (most observed addresses) costs about one memory
//! latency. IPv4 membership ([`IpSet::covers_v4_portless_batch`]) has its own structure,
//! the union of the networks without a port ([`V4Cover`]), probed in batches.
//!
//! IPv6 (few indicators in practice) probes once per distinct length present. Entries point
//! into one flat array of (indicator id, port).

use super::v4cover::V4Cover;
use std::collections::HashMap;
use std::net::Ipv4Addr;

type Map<K> = HashMap<K, (u32, u32), foldhash::fast::RandomState>;

fn mask4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - u32::from(len.min(32))))
    }
}

fn mask6(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - u32::from(len.min(128))))
    }
}

/// A network to insert: (family-tagged address, prefix length, port or 0, indicator id).
pub(crate) enum Net {
    V4(u32, u8),
    V6(u128, u8),
}

#[inline]
fn emit(
    entries: &[(u32, u16)],
    start: u32,
    n: u32,
    port: Option<u16>,
    f: &mut impl FnMut(u32, bool),
) {
    let group = entries.get(start as usize..start.saturating_add(n) as usize);
    for &(id, p) in group.unwrap_or_default() {
        if p == 0 {
            f(id, false);
        } else if Some(p) == port {
            f(id, true);
        }
    }
}

/// IPv4 networks of one range of prefix lengths, behind a bitmap of the blocks they touch.
#[derive(Default)]
struct V4Class {
    /// Distinct prefix lengths present, longest first.
    lens: Vec<u8>,
    map: Map<(u32, u8)>,
    /// One bit per block of `1 << shift` addresses touched by a network of this class.
    /// Marking is bounded: distinct networks shorter than a block cover each block at most
    /// once per length, so the /17–/23 class marks at most 7 × 65,536 bits in all.
    gate: Vec<u64>,
    shift: u32,
}

impl V4Class {
    fn new(shift: u32) -> V4Class {
        V4Class {
            shift,
            ..V4Class::default()
        }
    }

    fn mark(&mut self, a: u32, l: u8) {
        let blocks = 1usize << (32 - self.shift).saturating_sub(u32::from(l));
        if self.gate.is_empty() {
            self.gate = vec![0u64; (1usize << (32 - self.shift)) / 64];
        }
        let first = (mask4(a, l) >> self.shift) as usize;
        for b in first..first + blocks {
            self.gate[b >> 6] |= 1 << (b & 63);
        }
    }

    /// Whether `addr`'s block has a network of this class.
    #[inline]
    fn gate_open(&self, addr: u32) -> bool {
        gate_has(&self.gate, (addr >> self.shift) as usize)
    }

    /// Reports the networks of this class covering `addr` (call when the gate is open).
    #[inline]
    fn lookup(
        &self,
        addr: u32,
        entries: &[(u32, u16)],
        port: Option<u16>,
        f: &mut impl FnMut(u32, bool),
    ) {
        for &l in &self.lens {
            if let Some(&(start, n)) = self.map.get(&(mask4(addr, l), l)) {
                emit(entries, start, n, port, f);
            }
        }
    }

    fn memory(&self) -> usize {
        self.map.capacity() * 17 * 8 / 7 + self.gate.capacity() * 8
    }
}

#[inline]
fn gate_has(gate: &[u64], b: usize) -> bool {
    gate.get(b >> 6).is_some_and(|w| w & (1 << (b & 63)) != 0)
}

/// A host slot's value: an indicator id (one indicator, no port) or, with this bit, an
/// index into [`Hosts::groups`].
const GROUP: u32 = 1 << 31;
/// The value of an empty slot.
const VACANT: u32 = u32::MAX;

/// The /32 networks: linear probing over (address, value) pairs, 8 bytes a slot, at most
/// 80% full, behind a bitmap of the /24 blocks holding one (2 MiB).
#[derive(Default)]
struct Hosts {
    slots: Vec<(u32, u32)>,
    /// (start, n) in the entries, for addresses with a port or several indicators.
    groups: Vec<(u32, u32)>,
    gate: Vec<u64>,
}

impl Hosts {
    /// `hosts`: (address, value), addresses distinct.
    fn build(hosts: Vec<(u32, u32)>, groups: Vec<(u32, u32)>) -> Hosts {
        if hosts.is_empty() {
            return Hosts::default();
        }
        let cap = hosts.len() + hosts.len() / 4 + 1;
        let mut h = Hosts {
            slots: vec![(0, VACANT); cap],
            groups,
            gate: vec![0u64; (1 << 24) / 64],
        };
        for (a, v) in hosts {
            let b = (a >> 8) as usize;
            h.gate[b >> 6] |= 1 << (b & 63);
            let mut i = slot_of(a, cap);
            while h.slots[i].1 != VACANT {
                i = if i + 1 == cap { 0 } else { i + 1 };
            }
            h.slots[i] = (a, v);
        }
        h
    }

    /// The value stored for `a`, if any (call when the gate is open).
    #[inline]
    fn get(&self, a: u32) -> Option<u32> {
        let cap = self.slots.len();
        let mut i = slot_of(a, cap);
        // A vacant slot always exists (the table is at most 80% full), so this ends; the
        // bound only guards against a broken invariant.
        for _ in 0..cap {
            let &(k, v) = self.slots.get(i)?;
            if v == VACANT {
                return None;
            }
            if k == a {
                return Some(v);
            }
            i = if i + 1 == cap { 0 } else { i + 1 };
        }
        None
    }

    fn memory(&self) -> usize {
        self.slots.capacity() * 8 + self.groups.capacity() * 8 + self.gate.capacity() * 8
    }
}

/// The home slot of address `a` in a table of `cap` slots (multiplicative hash, then the
/// high bits scaled to `cap`: neighbouring addresses land far apart).
#[inline]
fn slot_of(a: u32, cap: usize) -> usize {
    let h = u64::from(a).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    ((h * cap as u64) >> 32) as usize
}

#[derive(Default)]
pub(crate) struct IpSet {
    /// Union of the IPv4 networks of indicators without a port (membership).
    cover: V4Cover,
    any_v4: bool,
    hosts: Hosts,
    /// Per /16, `short[short_at[h]..short_at[h + 1]]` are the (start, n) entry groups of the
    /// /0–/16 networks covering it (at most one per length, so at most 17 per /16). Empty
    /// when there is no such network.
    short_at: Vec<u32>,
    short: Vec<(u32, u32)>,
    /// /24–/31 and /17–/23.
    v4: [V4Class; 2],
    v6_lens: Vec<u8>,
    v6: Map<(u128, u8)>,
    /// (indicator id, port or 0 for any port), grouped per network; single addresses with
    /// one indicator and no port are not here but in `hosts`.
    entries: Vec<(u32, u16)>,
    /// Number of (network, port, indicator) entries.
    count: usize,
}

impl IpSet {
    pub(crate) fn build(mut nets: Vec<(Net, u16, u32)>) -> IpSet {
        // Group entries of one network together so each key maps to a contiguous range.
        let key = |n: &Net| match *n {
            Net::V4(x, l) => (0u8, u128::from(mask4(x, l)), l),
            Net::V6(x, l) => (1u8, mask6(x, l), l),
        };
        nets.sort_by(|a, b| key(&a.0).cmp(&key(&b.0)).then(a.2.cmp(&b.2)));
        let cover = V4Cover::build(nets.iter().filter_map(|(n, port, _)| match *n {
            Net::V4(a, l) if *port == 0 => Some((a, l)),
            _ => None,
        }));
        let any_v4 = nets.iter().any(|(n, _, _)| matches!(n, Net::V4(..)));
        let mut s = IpSet {
            cover,
            any_v4,
            v4: [V4Class::new(8), V4Class::new(16)],
            count: nets.len(),
            ..IpSet::default()
        };
        let mut hosts = Vec::new();
        let mut host_groups = Vec::new();
        // (/16, start, n) for every /16 a /0–/16 network covers.
        let mut short = Vec::new();
        let mut i = 0;
        while let Some((net, port, id)) = nets.get(i) {
            let k = key(net);
            let n = nets[i..].iter().take_while(|x| key(&x.0) == k).count();
            i += n;
            if let (Net::V4(a, 32), 1, 0, false) = (net, n, *port, id & GROUP != 0) {
                hosts.push((*a, *id));
                continue;
            }
            let start = s.entries.len() as u32;
            let group = (start, n as u32);
            s.entries
                .extend(nets[i - n..i].iter().map(|&(_, p, id)| (id, p)));
            match *net {
                Net::V4(a, 32) => {
                    hosts.push((a, GROUP | host_groups.len() as u32));
                    host_groups.push(group);
                }
                Net::V4(a, l) if l <= 16 => {
                    let first = mask4(a, l) >> 16;
                    for h in first..first + (1 << (16 - l)) {
                        short.push((h, group));
                    }
                }
                Net::V4(a, l) => {
                    let class = &mut s.v4[usize::from(l < 24)];
                    class.map.insert((mask4(a, l), l), group);
                    class.mark(a, l);
                    if !class.lens.contains(&l) {
                        class.lens.push(l);
                    }
                }
                Net::V6(a, l) => {
                    s.v6.insert((mask6(a, l), l), group);
                    if !s.v6_lens.contains(&l) {
                        s.v6_lens.push(l);
                    }
                }
            }
        }
        s.hosts = Hosts::build(hosts, host_groups);
        if !short.is_empty() {
            short.sort_by_key(|&(h, _)| h);
            s.short_at = vec![0; (1 << 16) + 1];
            for &(h, _) in &short {
                s.short_at[h as usize + 1] += 1;
            }
            for h in 0..1 << 16 {
                s.short_at[h + 1] += s.short_at[h];
            }
            s.short = short.into_iter().map(|(_, g)| g).collect();
        }
        for class in &mut s.v4 {
            class.lens.sort_unstable_by(|a, b| b.cmp(a));
            class.map.shrink_to_fit();
        }
        s.v6_lens.sort_unstable_by(|a, b| b.cmp(a));
        s.v6.shrink_to_fit();
        s.entries.shrink_to_fit();
        s
    }

    pub(crate) fn has_v4(&self) -> bool {
        self.any_v4
    }

    pub(crate) fn has_v6(&self) -> bool {
        !self.v6.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }

    pub(crate) fn memory(&self) -> usize {
        self.v4.iter().map(V4Class::memory).sum::<usize>()
            + self.cover.memory()
            + self.hosts.memory()
            + self.short_at.capacity() * 4
            + self.short.capacity() * 8
            + self.v6.capacity() * 33 * 8 / 7
            + self.entries.capacity() * 8
    }

    /// Whether an IPv4 indicator (with any port or none) may cover `addr`: its gates only
    /// (the /16 list of the /0–/16 networks, the per-/24 bitmap of single addresses, the
    /// block bitmaps of the /17–/23 and /24–/31 classes), no table lookup. Never false for
    /// a covered address. For the line prefilter: a few bit tests per dotted quad.
    #[inline]
    pub(crate) fn may_cover_v4(&self, addr: u32) -> bool {
        let h = (addr >> 16) as usize;
        let short = match (self.short_at.get(h), self.short_at.get(h + 1)) {
            (Some(&from), Some(&to)) => to > from,
            _ => false,
        };
        short
            || gate_has(&self.hosts.gate, (addr >> 8) as usize)
            || self.v4.iter().any(|c| c.gate_open(addr))
    }

    /// Calls `f(id, port_specific)` for every indicator covering `addr` whose port is any or
    /// equal to `port`.
    #[inline]
    pub(crate) fn lookup_v4(&self, addr: u32, port: Option<u16>, mut f: impl FnMut(u32, bool)) {
        // All first: independent reads whose cache misses overlap.
        let h = (addr >> 16) as usize;
        let short = (self.short_at.get(h), self.short_at.get(h + 1));
        let host = gate_has(&self.hosts.gate, (addr >> 8) as usize);
        let [c24, c17] = &self.v4;
        let (open24, open17) = (c24.gate_open(addr), c17.gate_open(addr));
        if let (Some(&from), Some(&to)) = short {
            for &(start, n) in self
                .short
                .get(from as usize..to as usize)
                .unwrap_or_default()
            {
                emit(&self.entries, start, n, port, &mut f);
            }
        }
        if host {
            match self.hosts.get(addr) {
                Some(v) if v & GROUP == 0 => f(v, false),
                Some(v) => {
                    if let Some(&(start, n)) = self.hosts.groups.get((v & !GROUP) as usize) {
                        emit(&self.entries, start, n, port, &mut f);
                    }
                }
                None => {}
            }
        }
        if open24 {
            c24.lookup(addr, &self.entries, port, &mut f);
        }
        if open17 {
            c17.lookup(addr, &self.entries, port, &mut f);
        }
    }

    /// For each address, whether some IPv4 indicator without a port covers it, whatever its
    /// validity window: `out[i]` for `addrs[i]`, as far as both slices go.
    pub(crate) fn covers_v4_portless_batch(&self, addrs: &[Ipv4Addr], out: &mut [bool]) {
        self.cover.contains_batch(addrs, out);
    }

    /// As [`IpSet::lookup_v4`] for IPv6.
    #[inline]
    pub(crate) fn lookup_v6(&self, addr: u128, port: Option<u16>, mut f: impl FnMut(u32, bool)) {
        for &l in &self.v6_lens {
            if let Some(&(start, n)) = self.v6.get(&(mask6(addr, l), l)) {
                emit(&self.entries, start, n, port, &mut f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> u32 {
        u32::from(s.parse::<std::net::Ipv4Addr>().unwrap())
    }

    #[test]
    fn every_covering_network_across_length_classes() {
        let nets = vec![
            (Net::V4(v4("10.0.0.0"), 8), 0, 0),
            (Net::V4(v4("10.1.0.0"), 16), 0, 1),
            (Net::V4(v4("10.1.2.0"), 23), 0, 2),
            (Net::V4(v4("10.1.3.0"), 24), 0, 3),
            (Net::V4(v4("10.1.3.4"), 32), 0, 4),
            (Net::V4(v4("10.1.3.4"), 32), 443, 5),
            (Net::V4(v4("10.1.3.5"), 32), 0, 6),
            (Net::V4(v4("128.0.0.0"), 1), 0, 8),
            (Net::V6(1, 128), 0, 7),
        ];
        let s = IpSet::build(nets);
        let hits = |a: &str, p: Option<u16>| {
            let mut v = Vec::new();
            s.lookup_v4(v4(a), p, |id, ps| v.push((id, ps)));
            v.sort();
            v
        };
        assert_eq!(
            hits("10.1.3.4", None),
            [(0, false), (1, false), (2, false), (3, false), (4, false)]
        );
        assert_eq!(
            hits("10.1.3.4", Some(443)),
            [
                (0, false),
                (1, false),
                (2, false),
                (3, false),
                (4, false),
                (5, true)
            ]
        );
        assert_eq!(hits("10.1.2.9", None), [(0, false), (1, false), (2, false)]);
        assert_eq!(hits("10.2.0.1", None), [(0, false)]);
        assert_eq!(hits("11.1.3.4", None), []);
        assert_eq!(hits("200.9.9.9", None), [(8, false)]);
        assert_eq!(hits("127.255.255.255", None), []);
        let mut v6 = Vec::new();
        s.lookup_v6(1, None, |id, _| v6.push(id));
        assert_eq!(v6, [7]);
    }

    /// `may_cover_v4` (the gates `observe` and the line prefilter trust to skip a lookup) is
    /// true wherever `lookup_v4` finds an indicator, with or without a port: networks of
    /// every length from /8 to /32, by gate and mixed, some port-specific, probed at their
    /// own addresses, at their neighbours and at random ones.
    #[test]
    fn gates_never_hide_a_covering_network() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Lengths by gate (the /16 lists, /17–/23, /24–/31, hosts), then all mixed; none
        // shorter than /8, which would cover every probe.
        for (lo, hi) in [(8u8, 16u8), (17, 23), (24, 31), (32, 32), (8, 32)] {
            let mut nets = Vec::new();
            for id in 0..3000u32 {
                let r = next();
                let len = lo + (r % u64::from(hi - lo + 1)) as u8;
                let port = if r >> 50 & 3 == 0 {
                    (r >> 20) as u16 | 1
                } else {
                    0
                };
                nets.push((Net::V4(mask4((r >> 8) as u32, len), len), port, id));
            }
            let mut probes: Vec<u32> = (0..20_000).map(|_| next() as u32).collect();
            for (n, _, _) in &nets {
                if let Net::V4(a, _) = *n {
                    probes.extend([a, a.wrapping_add(1), a.wrapping_sub(1), a | 0xff]);
                }
            }
            let s = IpSet::build(nets);
            let mut found = 0;
            for a in probes {
                for port in [None, Some(443), Some(1)] {
                    let mut any = false;
                    s.lookup_v4(a, port, |_, _| any = true);
                    if any {
                        found += 1;
                        assert!(s.may_cover_v4(a), "{a:#x} port {port:?}, /{lo}–/{hi}");
                    }
                }
            }
            assert!(found > 3000, "the probes found {found} covered addresses");
        }
    }

    /// Heap bytes of the IPv4 tables for the `benches/ip.rs` set at 1M, by part.
    /// Run: `cargo test --release --lib ipset::tests::memory_at_1m -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn memory_at_1m() {
        let mut st = 7u64;
        let mut next = || {
            st = st.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = st;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u32
        };
        let mut nets: Vec<(Net, u16, u32)> = (0..1_000_000u32)
            .map(|id| (Net::V4(next(), 32), 0, id))
            .collect();
        for k in 0..1000u32 {
            let l = 8 + (k % 23) as u8;
            nets.push((Net::V4(mask4(next(), l), l), 0, 1_000_000 + k));
        }
        let t = std::time::Instant::now();
        let s = IpSet::build(nets);
        println!("build {:?}", t.elapsed());
        println!("total     {:>10}", s.memory());
        println!("cover     {:>10}", s.cover.memory());
        println!("hosts     {:>10}", s.hosts.memory());
        println!(
            "short     {:>10}",
            s.short_at.capacity() * 4 + s.short.capacity() * 8
        );
        println!(
            "classes   {:>10}",
            s.v4.iter().map(V4Class::memory).sum::<usize>()
        );
        println!("entries   {:>10}", s.entries.capacity() * 8);
    }
}
