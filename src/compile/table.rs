//! A flat open-addressing hash table of 32-bit values with 32-bit hash tags.
//!
//! Slots are one `u64` each: the high half a tag taken from the key's hash (never zero),
//! the low half the value + 1 (zero marks an empty slot; values are below `u32::MAX`). Keys
//! are not stored here: the caller verifies a candidate value against its own key storage,
//! so the table adds 8 bytes per slot and no pointer. Linear probing keeps a miss within one
//! or two cache lines.
//!
//! A key's home slot is derived from its tag alone (`tag * slots >> 32`), so the table can
//! be resized to any number of slots without the keys: growing (doubling at a load factor
//! of 0.7) never rehashes, and [`FlatTable::fit`] trims a finished table to a load factor
//! of 0.625. The tag bits that choose the home slot tell less apart within a probe run, so
//! a few more candidates reach the caller's key check than with independent bits; at a
//! million keys, about one lookup in a thousand.

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
    len: usize,
}

#[inline]
fn tag_of(h: u64) -> u64 {
    (h >> 32) | 1
}

/// The home slot of `tag` in a table of `n` slots.
#[inline]
fn home(tag: u64, n: usize) -> usize {
    ((u128::from(tag) * n as u128) >> 32) as usize
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
        let n = self.slots.len();
        let tag = tag_of(h);
        let mut i = home(tag, n);
        loop {
            // The table is never full: an empty slot ends every probe run.
            let s = *self.slots.get(i)?;
            if s == 0 {
                return None;
            }
            if s >> 32 == tag {
                let e = (s as u32).wrapping_sub(1);
                if eq(e) {
                    return Some(e);
                }
            }
            i += 1;
            if i == n {
                i = 0;
            }
        }
    }

    /// Inserts value `e` (below `u32::MAX`, its key not already present) for hash `h`.
    pub(crate) fn insert(&mut self, h: u64, e: u32) {
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            self.resize((self.slots.len() * 2).max(16));
        }
        place(
            &mut self.slots,
            tag_of(h) << 32 | u64::from(e.wrapping_add(1)),
        );
        self.len += 1;
    }

    /// Shrinks the table to a load factor of about 0.625 when that saves a quarter or more
    /// (a finished table: inserting more still works, and grows it again). The new slots
    /// are allocated before the old ones are freed, so small savings are not worth it.
    pub(crate) fn fit(&mut self) {
        let want = (self.len * 8).div_ceil(5).max(16);
        if want.saturating_mul(4) <= self.slots.len() * 3 {
            self.resize(want);
        }
    }

    fn resize(&mut self, n: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; n]);
        for s in old {
            if s != 0 {
                place(&mut self.slots, s);
            }
        }
    }
}

/// Puts a slot word into the first free slot from its home (there is one: the load factor
/// stays below 1).
fn place(slots: &mut [u64], s: u64) {
    let n = slots.len();
    let mut i = home(s >> 32, n);
    for _ in 0..n {
        if let Some(x) = slots.get_mut(i) {
            if *x == 0 {
                *x = s;
                return;
            }
        }
        i += 1;
        if i == n {
            i = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_find_grow_fit_and_colliding_hashes() {
        let h = KeyHasher::default();
        let keys: Vec<String> = (0..5000).map(|i| format!("k{i}.example")).collect();
        let mut t = FlatTable::default();
        for (i, k) in keys.iter().enumerate() {
            t.insert(h.hash(k.as_bytes()), i as u32);
        }
        let all_found = |t: &FlatTable| {
            keys.iter().enumerate().all(|(i, k)| {
                t.find(h.hash(k.as_bytes()), |e| keys[e as usize] == *k) == Some(i as u32)
            })
        };
        assert!(all_found(&t));
        assert_eq!(
            t.find(h.hash(b"absent"), |e| keys[e as usize] == "absent"),
            None
        );
        // 5000 keys: grown to 8192 slots; fitting to 8000 would save too little.
        assert_eq!(t.memory(), 8192 * 8);
        t.fit();
        assert_eq!(t.memory(), 8192 * 8);
        assert!(all_found(&t));
        // 3000 keys: grown to 8192 slots (load 0.37), fitted to 4800.
        let mut t = FlatTable::default();
        for (i, k) in keys.iter().enumerate().take(3000) {
            t.insert(h.hash(k.as_bytes()), i as u32);
        }
        assert_eq!(t.memory(), 8192 * 8);
        t.fit();
        assert_eq!(t.memory(), 4800 * 8);
        for (i, k) in keys.iter().enumerate().take(3000) {
            assert_eq!(
                t.find(h.hash(k.as_bytes()), |e| e == i as u32),
                Some(i as u32)
            );
        }
        t.insert(h.hash(b"later"), 5000);
        assert_eq!(t.find(h.hash(b"later"), |e| e == 5000), Some(5000));
        // Every key with the same hash still resolves by the caller's equality check,
        // including across the wrap-around at the table's end.
        for hash in [42, u64::MAX] {
            let mut c = FlatTable::default();
            for e in 0..100u32 {
                c.insert(hash, e);
            }
            for e in 0..100u32 {
                assert_eq!(c.find(hash, |x| x == e), Some(e));
            }
            assert_eq!(c.len(), 100);
            assert_eq!(c.find(hash, |_| false), None);
            // Values are remapped in place and still found under their keys.
            c.map_values(|v| v | 1 << 31);
            for e in 0..100u32 {
                assert_eq!(c.find(hash, |x| x == e | 1 << 31), Some(e | 1 << 31));
            }
        }
        assert_eq!(FlatTable::default().find(1, |_| true), None);
    }
}
