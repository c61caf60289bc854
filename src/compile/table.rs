//! A flat open-addressing hash table of ids with 32-bit hash tags.
//!
//! Slots are one `u64` each: the high half a tag taken from the key's hash (never zero),
//! the low half the entry number + 1 (zero marks an empty slot). Keys are not stored here:
//! the caller verifies a candidate entry against its own key storage, so the table adds 8
//! bytes per slot and no pointer. Linear probing keeps a miss within one or two cache lines.

use std::hash::BuildHasher;

/// The keyed hasher: foldhash with a seed drawn per process (see `RandomState`), so that
/// attacker-chosen keys cannot be aimed at one slot.
#[derive(Clone, Default)]
pub(crate) struct KeyHasher(foldhash::fast::RandomState);

impl KeyHasher {
    #[inline]
    pub(crate) fn hash(&self, key: &[u8]) -> u64 {
        self.0.hash_one(key)
    }
}

#[derive(Clone, Default)]
pub(crate) struct FlatTable {
    slots: Vec<u64>,
    mask: usize,
    len: usize,
}

#[inline]
fn tag_of(h: u64) -> u64 {
    (h >> 32) | 1
}

impl FlatTable {
    /// A table sized for `n` entries at a load factor of at most 0.7.
    pub(crate) fn with_capacity(n: usize) -> FlatTable {
        let want = (n.saturating_mul(10) / 7).max(8).next_power_of_two();
        FlatTable {
            slots: vec![0; want],
            mask: want - 1,
            len: 0,
        }
    }

    pub(crate) fn memory(&self) -> usize {
        self.slots.len() * 8
    }

    /// The entry whose key hashes to `h` and for which `eq(entry)` holds.
    #[inline]
    pub(crate) fn find(&self, h: u64, mut eq: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        let tag = tag_of(h);
        let mut i = (h as usize) & self.mask;
        loop {
            let s = self.slots[i];
            if s == 0 {
                return None;
            }
            if s >> 32 == tag {
                let e = (s as u32).wrapping_sub(1);
                if eq(e) {
                    return Some(e);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Inserts entry `e` (not already present) for hash `h`; `rehash(e)` gives the hash of
    /// an existing entry when the table grows.
    pub(crate) fn insert(&mut self, h: u64, e: u32, rehash: impl Fn(u32) -> u64) {
        if self.slots.is_empty() || (self.len + 1) * 10 > self.slots.len() * 7 {
            self.grow(&rehash);
        }
        self.place(h, e);
        self.len += 1;
    }

    fn place(&mut self, h: u64, e: u32) {
        let mut i = (h as usize) & self.mask;
        while self.slots[i] != 0 {
            i = (i + 1) & self.mask;
        }
        self.slots[i] = tag_of(h) << 32 | u64::from(e + 1);
    }

    fn grow(&mut self, rehash: &impl Fn(u32) -> u64) {
        let n = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; n]);
        self.mask = n - 1;
        for s in old {
            if s != 0 {
                let e = (s as u32) - 1;
                self.place(rehash(e), e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_find_grow_and_colliding_hashes() {
        let h = KeyHasher::default();
        let keys: Vec<String> = (0..5000).map(|i| format!("k{i}.example")).collect();
        let mut t = FlatTable::default();
        for (i, k) in keys.iter().enumerate() {
            t.insert(h.hash(k.as_bytes()), i as u32, |e| {
                h.hash(keys[e as usize].as_bytes())
            });
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(
                t.find(h.hash(k.as_bytes()), |e| keys[e as usize] == *k),
                Some(i as u32)
            );
        }
        assert_eq!(
            t.find(h.hash(b"absent"), |e| keys[e as usize] == "absent"),
            None
        );
        // Every key with the same hash still resolves by the caller's equality check.
        let mut c = FlatTable::with_capacity(100);
        for e in 0..100u32 {
            c.insert(42, e, |_| 42);
        }
        for e in 0..100u32 {
            assert_eq!(c.find(42, |x| x == e), Some(e));
        }
        assert_eq!(c.len, 100);
    }
}
