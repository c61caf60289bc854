//! Exact-match sets for domains, URLs, emails and digests: a [`FlatTable`] over a byte arena.
//!
//! Keys are the normalized bytes; values are indicator ids (with a flag bit for exact-only
//! domains). Memory: the key bytes, 8 bytes of offsets and ids per key, and 8–16 bytes of
//! slots per key.

use super::table::{FlatTable, KeyHasher};

/// Set on a domain entry's id when the indicator matches the name only, not its subdomains.
pub(crate) const EXACT_FLAG: u32 = 1 << 31;

#[derive(Default)]
pub(crate) struct ExactMap {
    hasher: KeyHasher,
    table: FlatTable,
    arena: Vec<u8>,
    /// Entry e's key is `arena[ends[e-1]..ends[e]]` (`ends[-1]` = 0).
    ends: Vec<u32>,
    ids: Vec<u32>,
}

impl ExactMap {
    /// An empty map sized for `n` keys.
    pub(crate) fn with_capacity(n: usize) -> ExactMap {
        ExactMap {
            table: FlatTable::with_capacity(n),
            ends: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            ..ExactMap::default()
        }
    }

    /// Adds a key that is not present yet.
    pub(crate) fn insert(&mut self, k: &[u8], id: u32) {
        self.arena.extend_from_slice(k);
        self.ends.push(self.arena.len() as u32);
        self.ids.push(id);
        let e = (self.ids.len() - 1) as u32;
        let h = self.hasher.hash(k);
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        self.table
            .insert(h, e, |x| hasher.hash(key(arena, ends, x)));
    }

    pub(crate) fn shrink(&mut self) {
        self.arena.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.ids.shrink_to_fit();
    }

    #[inline]
    pub(crate) fn get(&self, k: &[u8]) -> Option<u32> {
        if self.ids.is_empty() {
            return None;
        }
        let h = self.hasher.hash(k);
        self.table
            .find(h, |e| key(&self.arena, &self.ends, e) == k)
            .map(|e| self.ids[e as usize])
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(crate) fn memory(&self) -> usize {
        self.table.memory()
            + self.arena.capacity()
            + 4 * (self.ends.capacity() + self.ids.capacity())
    }
}

#[inline]
fn key<'a>(arena: &'a [u8], ends: &[u32], e: u32) -> &'a [u8] {
    let e = e as usize;
    let start = if e == 0 { 0 } else { ends[e - 1] as usize };
    &arena[start..ends[e] as usize]
}
