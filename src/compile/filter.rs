//! A Bloom filter over domain names, probed for every parent suffix of an observed name
//! without normalizing it first. The same structure fronts the URL-host, email and digest
//! tables (probed with the whole key).
//!
//! The hash runs right to left over the name, ASCII-lowercasing as it goes, so walking an
//! observed name from its last label to its first yields the hash of every suffix at the
//! cost of one multiply per byte; each suffix then costs two bit probes in a table of about
//! 2 bytes per indicator (cache-resident for hundreds of thousands of names). Only a name
//! with a suffix that passes the filter is normalized and looked up exactly. The multiplier
//! and seed are random per process: a false positive only costs an exact lookup, and
//! attackers cannot predict which names cause them.

use std::hash::BuildHasher;

#[derive(Default)]
pub(crate) struct DomainFilter {
    bits: Vec<u64>,
    mask: u64,
    seed: u64,
    mul: u64,
}

/// Suffix hashing state, fed bytes from the right.
#[derive(Clone, Copy)]
pub(crate) struct RevHash(u64);

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
        let nbits = (n * 16).max(64).next_power_of_two();
        let mut f = DomainFilter {
            bits: vec![0; nbits / 64],
            mask: (nbits - 1) as u64,
            seed,
            mul,
        };
        for name in names {
            let mut h = f.start();
            for &b in name.iter().rev() {
                h = f.feed(h, b);
            }
            f.set(h);
        }
        f
    }

    pub(crate) fn memory(&self) -> usize {
        self.bits.capacity() * 8
    }

    #[inline]
    pub(crate) fn start(&self) -> RevHash {
        RevHash(self.seed)
    }

    #[inline]
    pub(crate) fn feed(&self, h: RevHash, b: u8) -> RevHash {
        RevHash((h.0 ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(self.mul))
    }

    #[inline]
    fn probes(&self, h: RevHash) -> (u64, u64) {
        let x = h.0 ^ (h.0 >> 29);
        let x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let x = x ^ (x >> 32);
        (x & self.mask, x.rotate_left(49) & self.mask)
    }

    fn set(&mut self, h: RevHash) {
        let (a, b) = self.probes(h);
        self.bits[(a >> 6) as usize] |= 1 << (a & 63);
        self.bits[(b >> 6) as usize] |= 1 << (b & 63);
    }

    /// Whether the name whose reverse hash is `h` may be in the set.
    #[inline]
    pub(crate) fn may_contain(&self, h: RevHash) -> bool {
        let (a, b) = self.probes(h);
        self.bits[(a >> 6) as usize] & (1 << (a & 63)) != 0
            && self.bits[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }

    /// Whether `name` itself (ASCII, any case) may be in the set. An empty filter says no.
    #[inline]
    pub(crate) fn may_contain_name(&self, name: &[u8]) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let mut h = self.start();
        for &b in name.iter().rev() {
            h = self.feed(h, b);
        }
        self.may_contain(h)
    }

    /// Whether `name` (ASCII, any case) or one of its parent suffixes of two labels or more
    /// may be in the set. An empty filter says no.
    #[inline]
    pub(crate) fn may_match_suffix(&self, name: &[u8]) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let mut h = self.start();
        let mut dots = 0;
        for i in (0..name.len()).rev() {
            let b = name[i];
            if b == b'.' {
                dots += 1;
                if dots >= 2 && self.may_contain(h) {
                    return true;
                }
            }
            h = self.feed(h, b);
        }
        self.may_contain(h)
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
}
