//! IP prefix tables that report **every** covering indicator, not only the longest prefix.
//!
//! IPv4 networks are split by prefix length into four classes — single addresses (/32, the
//! bulk of every feed), /24–/31, /16–/23 and shorter — each with a hash table keyed by
//! (masked network, length) and a bitmap of the address blocks its networks touch (/24
//! blocks for the first two classes, /16 blocks for the others). An address probes a class
//! only when its block's bit is set, and then once per distinct length present in the
//! class. IPv6 (few indicators in practice) probes once per distinct length present.
//! Entries point into one flat array of (indicator id, port).

use super::v4cover::V4Cover;
use std::collections::HashMap;
use std::net::Ipv4Addr;

type Map<K> = HashMap<K, (u32, u32), foldhash::fast::RandomState>;

fn mask4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - u32::from(len)))
    }
}

fn mask6(a: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - u32::from(len)))
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
    for &(id, p) in &entries[start as usize..(start + n) as usize] {
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
    /// once per length, so the short class marks at most 15 × 65,536 bits in all.
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

    #[inline]
    fn lookup(
        &self,
        addr: u32,
        entries: &[(u32, u16)],
        port: Option<u16>,
        f: &mut impl FnMut(u32, bool),
    ) {
        if self.lens.is_empty() {
            return;
        }
        let b = (addr >> self.shift) as usize;
        if self
            .gate
            .get(b >> 6)
            .is_none_or(|w| w & (1 << (b & 63)) == 0)
        {
            return;
        }
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

#[derive(Default)]
pub(crate) struct IpSet {
    /// Union of all IPv4 networks (any port): an address outside it has no indicator.
    cover: V4Cover,
    /// Union of the IPv4 networks of indicators without a port; `None` when that is all of
    /// them (then `cover` answers).
    cover_portless: Option<V4Cover>,
    v4: [V4Class; 4],
    v6_lens: Vec<u8>,
    v6: Map<(u128, u8)>,
    /// (indicator id, port or 0 for any port), grouped per network.
    entries: Vec<(u32, u16)>,
}

impl IpSet {
    pub(crate) fn build(mut nets: Vec<(Net, u16, u32)>) -> IpSet {
        // Group entries of one network together so each key maps to a contiguous range.
        let key = |n: &Net| match *n {
            Net::V4(x, l) => (0u8, u128::from(x), l),
            Net::V6(x, l) => (1u8, x, l),
        };
        nets.sort_by(|a, b| key(&a.0).cmp(&key(&b.0)).then(a.2.cmp(&b.2)));
        let v4 = |portless: bool| {
            nets.iter().filter_map(move |(n, port, _)| match *n {
                Net::V4(a, l) if !portless || *port == 0 => Some((a, l)),
                _ => None,
            })
        };
        let cover = V4Cover::build(v4(false));
        let cover_portless = nets
            .iter()
            .any(|(n, port, _)| matches!(n, Net::V4(..)) && *port != 0)
            .then(|| V4Cover::build(v4(true)));
        let mut s = IpSet {
            cover,
            cover_portless,
            v4: [
                V4Class::new(8),
                V4Class::new(8),
                V4Class::new(16),
                V4Class::new(16),
            ],
            ..IpSet::default()
        };
        for (net, port, id) in nets {
            let pos = s.entries.len() as u32;
            s.entries.push((id, port));
            match net {
                Net::V4(a, l) => {
                    let class = &mut s.v4[match l {
                        32 => 0,
                        24..=31 => 1,
                        16..=23 => 2,
                        _ => 3,
                    }];
                    let e = class.map.entry((mask4(a, l), l)).or_insert((pos, 0));
                    e.1 += 1;
                    if e.1 == 1 {
                        class.mark(a, l);
                    }
                    if !class.lens.contains(&l) {
                        class.lens.push(l);
                    }
                }
                Net::V6(a, l) => {
                    let e = s.v6.entry((mask6(a, l), l)).or_insert((pos, 0));
                    e.1 += 1;
                    if !s.v6_lens.contains(&l) {
                        s.v6_lens.push(l);
                    }
                }
            }
        }
        for class in &mut s.v4 {
            class.lens.sort_unstable_by(|a, b| b.cmp(a));
            class.map.shrink_to_fit();
        }
        s.v6_lens.sort_unstable_by(|a, b| b.cmp(a));
        s.v6.shrink_to_fit();
        s
    }

    pub(crate) fn has_v4(&self) -> bool {
        self.v4.iter().any(|c| !c.map.is_empty())
    }

    pub(crate) fn has_v6(&self) -> bool {
        !self.v6.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn memory(&self) -> usize {
        self.v4.iter().map(V4Class::memory).sum::<usize>()
            + self.cover.memory()
            + self.cover_portless.as_ref().map_or(0, V4Cover::memory)
            + self.v6.capacity() * 33 * 8 / 7
            + self.entries.capacity() * 8
    }

    /// Calls `f(id, port_specific)` for every indicator covering `addr` whose port is any or
    /// equal to `port`.
    #[inline]
    pub(crate) fn lookup_v4(&self, addr: u32, port: Option<u16>, mut f: impl FnMut(u32, bool)) {
        if !self.cover.contains(addr) {
            return;
        }
        for class in &self.v4 {
            class.lookup(addr, &self.entries, port, &mut f);
        }
    }

    /// For each address, whether some IPv4 indicator without a port covers it, whatever its
    /// validity window: `out[i]` for `addrs[i]`, as far as both slices go.
    pub(crate) fn covers_v4_portless_batch(&self, addrs: &[Ipv4Addr], out: &mut [bool]) {
        self.cover_portless
            .as_ref()
            .unwrap_or(&self.cover)
            .contains_batch(addrs, out);
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
}
