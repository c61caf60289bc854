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
    v4_lens: Vec<u8>,
    v4: Map<(u32, u8)>,
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
                    let e = s.v4.entry((mask4(a, l), l)).or_insert((pos, 0));
                    e.1 += 1;
                    if !s.v4_lens.contains(&l) {
                        s.v4_lens.push(l);
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
        s.v4_lens.sort_unstable_by(|a, b| b.cmp(a));
        s.v6_lens.sort_unstable_by(|a, b| b.cmp(a));
        s.v4.shrink_to_fit();
        s.v6.shrink_to_fit();
        s
    }

    pub(crate) fn has_v4(&self) -> bool {
        !self.v4.is_empty()
    }

    pub(crate) fn has_v6(&self) -> bool {
        !self.v6.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn memory(&self) -> usize {
        (self.v4.capacity() * 17 * 8 / 7)
            + (self.v6.capacity() * 33 * 8 / 7)
            + self.entries.capacity() * 8
    }

    /// Calls `f(id, port_specific)` for every indicator covering `addr` whose port is any or
    /// equal to `port`.
    #[inline]
    pub(crate) fn lookup_v4(&self, addr: u32, port: Option<u16>, mut f: impl FnMut(u32, bool)) {
        for &l in &self.v4_lens {
            if let Some(&(start, n)) = self.v4.get(&(mask4(addr, l), l)) {
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
