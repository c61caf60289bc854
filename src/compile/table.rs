//! A flat open-addressing hash table of 32-bit values with 32-bit hash tags.
//!
//! Slots are one `u64` each: the high half a tag taken from the key's hash (never zero),
//! the low half the value + 1 (zero marks an empty slot; values are below `u32::MAX`). Keys
//! are not stored here: the caller verifies a candidate value against its own key storage,
//! so the table adds 8 bytes per slot and no pointer. Linear probing keeps a miss within one
//! or two cache lines. The table doubles at a load factor of 0.7, so it holds 8/0.7 to
//! 8/0.35 bytes per value.

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
    pub(crate) fn memory(&self) -> usize {
        self.slots.capacity() * 8
    }

    /// Number of values held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Replaces every value `v` by `f(v)` (which must stay below `u32::MAX`); tags and
    /// positions are unchanged, so `f` must not change what the caller's equality tests.
    pub(crate) fn map_values(&mut self, f: impl Fn(u32) -> u32) {
        for s in &mut self.slots {
            if *s != 0 {
                let v = f((*s as u32).wrapping_sub(1));
                *s = (*s >> 32) << 32 | u64::from(v.wrapping_add(1));
            }
        }
    }

    /// The value whose key hashes to `h` and for which `eq(value)` holds.
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

    /// Inserts value `e` (below `u32::MAX`, its key not already present) for hash `h`;
    /// `rehash(e)` gives the hash of an existing value's key when the table grows.
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
        self.slots[i] = tag_of(h) << 32 | u64::from(e.wrapping_add(1));
    }

    fn grow(&mut self, rehash: &impl Fn(u32) -> u64) {
        let n = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; n]);
        self.mask = n - 1;
        for s in old {
            if s != 0 {
                let e = (s as u32).wrapping_sub(1);
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
        let mut c = FlatTable::default();
        for e in 0..100u32 {
            c.insert(42, e, |_| 42);
        }
        for e in 0..100u32 {
            assert_eq!(c.find(42, |x| x == e), Some(e));
        }
        assert_eq!(c.len(), 100);
        // Values are remapped in place and still found under their keys.
        c.map_values(|v| v | 1 << 31);
        for e in 0..100u32 {
            assert_eq!(c.find(42, |x| x == e | 1 << 31), Some(e | 1 << 31));
        }
        assert!(c.memory() >= 100 * 8 * 10 / 7);
    }
}
