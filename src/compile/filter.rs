//! A Bloom filter over domain names, probed for every parent suffix of an observed name
//! without normalizing it first. The same structure fronts the URL-host, email and digest
//! tables (probed with the whole key).
//!
//! The hash runs over the name label by label from the right, eight bytes at a time with
//! SWAR ASCII-lowercasing, so walking an observed name from its last label to its first
//! yields the hash of every suffix at the cost of one multiply per label (per 8 bytes of
//! label). Each suffix then costs one word of a blocked filter (three bits in the same
//! 64-bit word: one cache miss at most) in a table of 2 bytes per indicator. Only a name
//! with a suffix that passes the filter is normalized and looked up exactly. The multiplier
//! and seed are random per process: a false positive only costs an exact lookup, and
//! attackers cannot predict which names cause them.

use std::hash::BuildHasher;

#[derive(Default)]
pub(crate) struct DomainFilter {
    bits: Vec<u64>,
    /// Word count (any size: a probe maps its hash onto it with a multiply, not a mask,
    /// so the filter is not rounded up to a power of two).
    words: u64,
    seed: u64,
    mul: u64,
}

/// ASCII-lowercases the bytes of `w` (bytes >= 0x80 unchanged).
#[inline]
pub(super) fn lower8(w: u64) -> u64 {
    const H: u64 = 0x8080_8080_8080_8080;
    let hept = w & !H;
    let ge_a = hept.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let gt_z = hept.wrapping_add(0x2525_2525_2525_2525);
    w | ((ge_a & !gt_z & !w & H) >> 2)
}

/// The bytes `name[a..e]` (at most 8) as a little-endian word, read as one load when
/// `e >= 8`.
#[inline]
fn load(name: &[u8], a: usize, e: usize) -> u64 {
    let n = e - a;
    debug_assert!(n <= 8);
    if n == 0 {
        return 0;
    }
    if e >= 8 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&name[e - 8..e]);
        u64::from_le_bytes(w) >> (8 * (8 - n))
    } else {
        name[a..e]
            .iter()
            .rev()
            .fold(0u64, |acc, &b| acc << 8 | u64::from(b))
    }
}

/// The dots of `name` (at most 64 bytes) as bits: bit i is set when `name[i] == b'.'`.
#[inline]
fn dot_mask(name: &[u8]) -> u64 {
    debug_assert!(name.len() <= 64);
    const L: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Bit i of the result: byte i of `w` is a dot. Per byte, `t` is zero exactly for a dot;
    // `(t & L) + L` sets the high bit of each byte whose low seven bits are not all zero
    // (no carry crosses bytes); the multiply gathers the eight high bits into the top byte.
    let dots8 = |w: u64| {
        let t = w ^ 0x2e2e_2e2e_2e2e_2e2e;
        let z = !((t & L).wrapping_add(L) | t | L);
        (z >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
    };
    let n = name.len();
    let mut m = 0;
    let mut i = 0;
    while let Some(c) = name.get(i..i + 8) {
        m |= dots8(u64::from_le_bytes(c.try_into().unwrap_or_default())) << i;
        i += 8;
    }
    if i < n {
        m |= dots8(load(name, i, n)) << i;
    }
    m
}

/// The set bits of `dots` (a name's dots, bit i = byte i), highest first.
#[inline]
fn dots_from_right(mut dots: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (dots != 0).then(|| {
            let d = 63 - dots.leading_zeros() as usize;
            dots &= !(1 << d);
            d
        })
    })
}

impl DomainFilter {
    /// A filter holding `names` (normalized: lowercase ASCII).
    pub(crate) fn build<'a>(names: impl ExactSizeIterator<Item = &'a [u8]>) -> DomainFilter {
        let n = names.len();
        if n == 0 {
            return DomainFilter::default();
        }
        let rs = foldhash::fast::RandomState::default();
        let seed = rs.hash_one(0x5eed_u64);
        let mul = rs.hash_one(0x006d_756c_u64) | 1;
        let nwords = (n * 16 / 64).max(8);
        let mut f = DomainFilter {
            bits: vec![0; nwords],
            words: nwords as u64,
            seed,
            mul,
        };
        for name in names {
            let h = f.suffix_hashes(name, |_| false).1;
            f.set(h);
        }
        f
    }

    pub(crate) fn memory(&self) -> usize {
        self.bits.capacity() * 8
    }

    /// Mixes the label `name[a..e]` into `h`: its length, then its bytes eight at a time
    /// from the right.
    #[inline]
    fn label(&self, mut h: u64, name: &[u8], a: usize, mut e: usize) -> u64 {
        h ^= (e - a) as u64;
        loop {
            let s = e.saturating_sub(8).max(a);
            h = (h ^ lower8(load(name, s, e))).wrapping_mul(self.mul);
            h ^= h >> 32;
            if s == a {
                return h;
            }
            e = s;
        }
    }

    /// Walks `name`'s labels from the right, at the dots `dots` gives (positions, right to
    /// left); after each label from the second one on, calls `probe` with the hash of the
    /// suffix so far, and stops early if it says yes. Returns (stopped early, hash of the
    /// whole name).
    #[inline]
    fn walk(
        &self,
        name: &[u8],
        dots: impl Iterator<Item = usize>,
        mut probe: impl FnMut(u64) -> bool,
    ) -> (bool, u64) {
        let mut h = self.seed;
        let mut e = name.len();
        for (labels, d) in (1..).zip(dots) {
            h = self.label(h, name, d + 1, e);
            if labels >= 2 && probe(h) {
                return (true, h);
            }
            e = d;
        }
        (false, self.label(h, name, 0, e))
    }

    /// [`DomainFilter::walk`] with the dots searched for in `name`: for names up to 64 bytes
    /// (nearly all), from [`dot_mask`], eight bytes a step; beyond, with `memrchr`, whose
    /// setup per call costs more than a short name's bytes (callgrind, packets of
    /// `shared/data/pcap`: 62 instructions a name in `memrchr` alone).
    #[inline]
    fn suffix_hashes(&self, name: &[u8], probe: impl FnMut(u64) -> bool) -> (bool, u64) {
        if name.len() <= 64 {
            self.walk(name, dots_from_right(dot_mask(name)), probe)
        } else {
            self.walk(name, memchr::memrchr_iter(b'.', name), probe)
        }
    }

    /// The word and the three-bit mask of the hash `h` (three bits in one word: about 0.5% false
    /// positives at 16 bits per key, one cache line per probe).
    #[inline]
    fn probes(&self, h: u64) -> (usize, u64) {
        let x = h ^ (h >> 29);
        let x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let x = x ^ (x >> 32);
        (
            (((x >> 32) * self.words) >> 32) as usize,
            1 << (x & 63) | 1 << ((x >> 6) & 63) | 1 << ((x >> 12) & 63),
        )
    }

    fn set(&mut self, h: u64) {
        let (w, m) = self.probes(h);
        self.bits[w] |= m;
    }

    /// Whether the name whose hash is `h` may be in the set.
    #[inline]
    fn may_contain(&self, h: u64) -> bool {
        let (w, m) = self.probes(h);
        self.bits[w] & m == m
    }

    /// [`DomainFilter::may_match_suffix`] for an ASCII name of at most 64 bytes whose dots
    /// are the set bits of `dots` (bit i: `name[i] == b'.'`), found by the caller's byte
    /// classifier: no search for the dots.
    #[cfg(test)]
    pub(crate) fn may_match_suffix_dots(&self, name: &[u8], dots: u64) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let (hit, h) = self.walk(name, dots_from_right(dots), |h| self.may_contain(h));
        hit || self.may_contain(h)
    }

    /// The probes `DomainFilter::may_match_suffix_dots` (a test helper) makes, without making them: calls
    /// `f(word, mask)` for every parent suffix of two labels or more and for the whole name,
    /// after prefetching the word. A scanner batches a line's names this way so that their
    /// cache misses overlap, then checks them with [`DomainFilter::test`]. An empty filter
    /// gives no probe.
    #[inline]
    pub(crate) fn suffix_probes(&self, name: &[u8], dots: u64, mut f: impl FnMut(usize, u64)) {
        if self.bits.is_empty() {
            return;
        }
        let mut emit = |h: u64| {
            let (w, m) = self.probes(h);
            self.prefetch(w);
            f(w, m);
        };
        let (_, h) = self.walk(name, dots_from_right(dots), |h| {
            emit(h);
            false
        });
        emit(h);
    }

    /// [`DomainFilter::suffix_probes`] for an ASCII name of at most 64 bytes, its dots
    /// found here ([`dot_mask`]).
    #[inline]
    pub(crate) fn name_probes(&self, name: &[u8], f: impl FnMut(usize, u64)) {
        debug_assert!(name.len() <= 64);
        self.suffix_probes(name, dot_mask(name), f);
    }

    /// Calls `f(i)` once for each name `i` with a passing probe among `probes`: (name,
    /// word, mask) from [`DomainFilter::suffix_probes`], each name's in a row. The names a
    /// scanner queued, their words prefetched when each was found.
    #[inline]
    pub(crate) fn each_passing(&self, probes: &[(u32, u32, u64)], mut f: impl FnMut(usize)) {
        let mut done = u32::MAX;
        for &(i, w, m) in probes {
            if i != done && self.test(w as usize, m) {
                done = i;
                f(i as usize);
            }
        }
    }

    /// Whether the probe `(word, mask)` from [`DomainFilter::suffix_probes`] passes.
    #[inline]
    fn test(&self, w: usize, m: u64) -> bool {
        self.bits.get(w).is_some_and(|&x| x & m == m)
    }

    /// Asks the CPU to bring word `w` into the cache (a hint: no effect on results).
    #[inline]
    fn prefetch(&self, w: usize) {
        #[cfg(target_arch = "x86_64")]
        if let Some(p) = self.bits.get(w) {
            // SAFETY: a prefetch is a hint that never faults and reads nothing into the
            // program; the pointer is in bounds anyway.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    (p as *const u64).cast(),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = w;
    }

    /// [`DomainFilter::may_contain_name`] for a name of at most 64 bytes whose dots are the
    /// set bits of `dots` (bit i: `name[i] == b'.'`).
    #[inline]
    pub(crate) fn may_contain_name_dots(&self, name: &[u8], dots: u64) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let (_, h) = self.walk(name, dots_from_right(dots), |_| false);
        self.may_contain(h)
    }

    /// Whether `name` itself (any bytes, ASCII letters in any case) may be in the set. An
    /// empty filter says no.
    #[inline]
    pub(crate) fn may_contain_name(&self, name: &[u8]) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let (_, h) = self.suffix_hashes(name, |_| false);
        self.may_contain(h)
    }

    /// Whether `name` (ASCII, any case) or one of its parent suffixes of two labels or more
    /// may be in the set. An empty filter says no.
    #[inline]
    pub(crate) fn may_match_suffix(&self, name: &[u8]) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let (hit, h) = self.suffix_hashes(name, |h| self.may_contain(h));
        hit || self.may_contain(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_and_case() {
        let names: Vec<&[u8]> = vec![b"evil.com", b"a.b.example.org"];
        let f = DomainFilter::build(names.into_iter());
        assert!(f.may_match_suffix(b"evil.com"));
        assert!(f.may_match_suffix(b"EVIL.Com"));
        assert!(f.may_match_suffix(b"x.y.evil.com"));
        assert!(f.may_match_suffix(b"z.a.b.example.org"));
        let misses = (0..10_000)
            .filter(|i| f.may_match_suffix(format!("host{i}.other.net").as_bytes()))
            .count();
        assert!(misses < 100, "{misses} false positives of 10000");
        assert!(!DomainFilter::default().may_match_suffix(b"evil.com"));
    }

    #[test]
    fn dot_mask_marks_exactly_the_dots() {
        // Every length up to 64, dots at every offset, next to every other byte value
        // (`-`, `/` and 0xae differ from `.` by one bit).
        for n in 0..=64usize {
            for b in 0..=255u8 {
                let name: Vec<u8> = (0..n)
                    .map(|i| {
                        if (i * 5 + usize::from(b)) % 3 == 0 {
                            b'.'
                        } else {
                            b
                        }
                    })
                    .collect();
                let want = name
                    .iter()
                    .enumerate()
                    .fold(0u64, |m, (i, &c)| m | u64::from(c == b'.') << i);
                assert_eq!(dot_mask(&name), want, "length {n}, other byte {b:#x}");
            }
        }
    }

    #[test]
    fn lower8_is_ascii_lowercase_on_every_byte() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let w = u64::from(b) << (8 * pos) | 0x4142_5a5b_6061_7a40 & !(0xff << (8 * pos));
                let want = u64::from_le_bytes(w.to_le_bytes().map(|x| x.to_ascii_lowercase()));
                assert_eq!(lower8(w), want, "byte {b:#x} at {pos}");
            }
        }
    }

    #[test]
    fn whole_keys_with_any_bytes_and_label_lengths() {
        let keys: Vec<Vec<u8>> = (0..2000u32)
            .map(|i| {
                let n = (i % 70) as usize;
                (0..n)
                    .map(|j| [b'.', b'a', 0xff, 0, b'Q'][(i as usize * 7 + j * 13) % 5])
                    .chain(i.to_le_bytes())
                    .collect()
            })
            .collect();
        let f = DomainFilter::build(
            keys.iter()
                .map(Vec::as_slice)
                .collect::<Vec<_>>()
                .into_iter(),
        );
        for k in &keys {
            assert!(f.may_contain_name(k));
            let upper: Vec<u8> = k.iter().map(u8::to_ascii_uppercase).collect();
            assert!(f.may_contain_name(&upper));
        }
        // Suffixes of long names, whatever their labels' lengths (one 8-byte chunk or more).
        let long = b"aaaaaaaaaaaaaaaaaaa.b.cccccccccc.dddddddd.org";
        let f = DomainFilter::build(vec![&long[11..]].into_iter());
        assert!(f.may_match_suffix(b"X.AAAAAAAA.b.cccccccccc.dddddddd.org"));
        assert!(!f.may_match_suffix(b"b.cccccccccc.dddddddd.org"));
        let dots = |n: &[u8]| {
            n.iter()
                .rev()
                .fold(0u64, |m, &b| m << 1 | u64::from(b == b'.'))
        };
        for n in [
            &b"X.AAAAAAAA.b.cccccccccc.dddddddd.org"[..],
            b"aaaaaaaa.b.cccccccccc.dddddddd.org",
        ] {
            assert!(f.may_match_suffix_dots(n, dots(n)));
        }
        assert!(!f.may_match_suffix_dots(
            b"b.cccccccccc.dddddddd.org",
            dots(b"b.cccccccccc.dddddddd.org")
        ));
        for n in [
            &b"X.AAAAAAAA.b.cccccccccc.dddddddd.org"[..],
            b"b.cccccccccc.dddddddd.org",
            b"AAAAAAAA.b.cccccccccc.dddddddd.org",
            b"a.b",
        ] {
            assert_eq!(f.may_contain_name_dots(n, dots(n)), f.may_contain_name(n));
        }
        // The batched probes say what the direct check says.
        for n in [
            &b"X.AAAAAAAA.b.cccccccccc.dddddddd.org"[..],
            b"b.cccccccccc.dddddddd.org",
            b"org",
            b"a.b",
        ] {
            let mut any = false;
            f.suffix_probes(n, dots(n), |w, m| any |= f.test(w, m));
            assert_eq!(
                any,
                f.may_match_suffix_dots(n, dots(n)),
                "{}",
                String::from_utf8_lossy(n)
            );
        }
    }
}
