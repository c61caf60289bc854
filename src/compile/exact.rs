//! Hashed exact-match sets for domains, URLs, emails and digests.
//!
//! Keys are the normalized bytes; values are indicator ids (with a flag bit for exact-only
//! domains). The hasher is foldhash with a per-process random seed, so keys chosen by an
//! attacker (log lines are attacker-influenced) cannot be aimed at one bucket.

use std::collections::HashMap;

/// Set on a domain entry's id when the indicator matches the name only, not its subdomains.
pub(crate) const EXACT_FLAG: u32 = 1 << 31;

#[derive(Default)]
pub(crate) struct ExactMap {
    map: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
}

impl ExactMap {
    pub(crate) fn insert(&mut self, key: &[u8], id: u32) {
        self.map.insert(key.into(), id);
    }

    #[inline]
    pub(crate) fn get(&self, key: &[u8]) -> Option<u32> {
        if self.map.is_empty() {
            return None;
        }
        self.map.get(key).copied()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub(crate) fn shrink(&mut self) {
        self.map.shrink_to_fit();
    }
}
