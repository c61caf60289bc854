//! IP prefix tables that report **every** covering indicator, not only the longest prefix.
//!
//! Per address family: the distinct prefix lengths present, and one hash table keyed by
//! (masked network, prefix length) pointing into a flat array of (indicator id, port).
//! A lookup probes once per distinct length present (typically a handful), so the cost does
//! not grow with the number of indicators.

use std::collections::HashMap;

type Map<K> = HashMap<K, (u32, u32), foldhash::fast::RandomState>;

#[derive(Default)]
pub(crate) struct IpSet {
    /// Distinct IPv4 prefix lengths present, longest first, split at /24 and /16.
    v4_long_lens: Vec<u8>,
    v4_mid_lens: Vec<u8>,
    v4_short_lens: Vec<u8>,
    /// Networks of /24 and longer (the bulk: single addresses).
    v4: Map<(u32, u8)>,
    /// Networks shorter than /24 (few; a small, cache-resident table).
    v4_small: Map<(u32, u8)>,
    /// One bit per /24 block holding a network of /24 or longer: a 2 MiB gate in front of
    /// `v4`, so an address in no such block costs one bit test, not a probe per length.
    bm24: Vec<u64>,
    /// One bit per /16 block holding a network of /16 to /23.
    bm16: Vec<u64>,
    v6_lens: Vec<u8>,
    v6: Map<(u128, u8)>,
    /// (indicator id, port or 0 for any port), grouped per network.
    entries: Vec<(u32, u16)>,
}

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

impl IpSet {
    pub(crate) fn build(mut nets: Vec<(Net, u16, u32)>) -> IpSet {
        // Group entries of one network together so each key maps to a contiguous range.
        nets.sort_by(|a, b| {
            let ka = match a.0 {
                Net::V4(x, l) => (0u8, u128::from(x), l),
                Net::V6(x, l) => (1u8, x, l),
            };
            let kb = match b.0 {
                Net::V4(x, l) => (0u8, u128::from(x), l),
                Net::V6(x, l) => (1u8, x, l),
            };
            ka.cmp(&kb).then(a.2.cmp(&b.2))
        });
        let mut s = IpSet::default();
        for (net, port, id) in nets {
            let pos = s.entries.len() as u32;
            s.entries.push((id, port));
            match net {
                Net::V4(a, l) => {
                    let key = (mask4(a, l), l);
                    let (map, lens, bm, shift) = if l >= 24 {
                        (&mut s.v4, &mut s.v4_long_lens, &mut s.bm24, 8)
                    } else if l >= 16 {
                        (&mut s.v4_small, &mut s.v4_mid_lens, &mut s.bm16, 16)
                    } else {
                        (&mut s.v4_small, &mut s.v4_short_lens, &mut Vec::new(), 0)
                    };
                    let e = map.entry(key).or_insert((pos, 0));
                    e.1 += 1;
                    if !lens.contains(&l) {
                        lens.push(l);
                    }
                    if shift > 0 {
                        if bm.is_empty() {
                            *bm = vec![0u64; (1usize << (32 - shift)) / 64];
                        }
                        // Every block the network spans (a /16..=/23 spans one /16 block; a
                        // /24+ one /24 block).
                        let block = (key.0 >> shift) as usize;
                        bm[block >> 6] |= 1 << (block & 63);
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
        for lens in [
            &mut s.v4_long_lens,
            &mut s.v4_mid_lens,
            &mut s.v4_short_lens,
        ] {
            lens.sort_unstable_by(|a, b| b.cmp(a));
        }
        s.v6_lens.sort_unstable_by(|a, b| b.cmp(a));
        s.v4.shrink_to_fit();
        s.v4_small.shrink_to_fit();
        s.v6.shrink_to_fit();
        s
    }

    pub(crate) fn has_v4(&self) -> bool {
        !self.v4.is_empty() || !self.v4_small.is_empty()
    }

    pub(crate) fn has_v6(&self) -> bool {
        !self.v6.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn memory(&self) -> usize {
        (self.v4.capacity() + self.v4_small.capacity()) * 17 * 8 / 7
            + (self.bm24.capacity() + self.bm16.capacity()) * 8
            + (self.v6.capacity() * 33 * 8 / 7)
            + self.entries.capacity() * 8
    }

    /// Calls `f(id, port_specific)` for every indicator covering `addr` whose port is any or
    /// equal to `port`.
    #[inline]
    pub(crate) fn lookup_v4(&self, addr: u32, port: Option<u16>, mut f: impl FnMut(u32, bool)) {
        let bit = |bm: &[u64], block: u32| {
            bm.get((block >> 6) as usize)
                .is_some_and(|w| w & (1 << (block & 63)) != 0)
        };
        if bit(&self.bm24, addr >> 8) {
            for &l in &self.v4_long_lens {
                if let Some(&(start, n)) = self.v4.get(&(mask4(addr, l), l)) {
                    self.emit(start, n, port, &mut f);
                }
            }
        }
        if bit(&self.bm16, addr >> 16) {
            for &l in &self.v4_mid_lens {
                if let Some(&(start, n)) = self.v4_small.get(&(mask4(addr, l), l)) {
                    self.emit(start, n, port, &mut f);
                }
            }
        }
        for &l in &self.v4_short_lens {
            if let Some(&(start, n)) = self.v4_small.get(&(mask4(addr, l), l)) {
                self.emit(start, n, port, &mut f);
            }
        }
    }

    /// As [`IpSet::lookup_v4`] for IPv6.
    #[inline]
    pub(crate) fn lookup_v6(&self, addr: u128, port: Option<u16>, mut f: impl FnMut(u32, bool)) {
        for &l in &self.v6_lens {
            if let Some(&(start, n)) = self.v6.get(&(mask6(addr, l), l)) {
                self.emit(start, n, port, &mut f);
            }
        }
    }

    #[inline]
    fn emit(&self, start: u32, n: u32, port: Option<u16>, f: &mut impl FnMut(u32, bool)) {
        for &(id, p) in &self.entries[start as usize..(start + n) as usize] {
            if p == 0 {
                f(id, false);
            } else if Some(p) == port {
                f(id, true);
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
        let mut v6 = Vec::new();
        s.lookup_v6(1, None, |id, _| v6.push(id));
        assert_eq!(v6, [7]);
    }
}
