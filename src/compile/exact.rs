//! Exact-match sets for domains, URLs, emails and digests: a [`FlatTable`] of indicator ids
//! whose keys are the indicators' own values in the shared [`Values`] arena.
//!
//! Keys are the normalized bytes (for digests, the binary digest, while the arena holds its
//! lowercase hex); values are indicator ids (with a flag bit for exact-only domains). The
//! keys are not copied: a candidate slot is verified against the arena, so the map costs
//! only its slots, 8 bytes each at a load factor of 0.625.

use super::store::Values;
use super::table::{FlatTable, KeyHasher};
use std::sync::Arc;

/// Set on a domain entry's id when the indicator matches the name only, not its subdomains.
pub(crate) const EXACT_FLAG: u32 = 1 << 31;

/// How a map's keys relate to the arena's bytes.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) enum KeyForm {
    /// The key is the stored value.
    #[default]
    Text,
    /// The key is the binary digest whose lowercase hex is stored.
    Digest,
}

#[derive(Default)]
pub(crate) struct ExactMap {
    hasher: KeyHasher,
    table: FlatTable,
    values: Arc<Values>,
    form: KeyForm,
}

impl ExactMap {
    /// A map over a table filled (by the store builder) with ids whose keys, hashed with
    /// `hasher`, are the values' bytes in `values` (or their binary digests).
    pub(crate) fn new(
        hasher: KeyHasher,
        table: FlatTable,
        values: Arc<Values>,
        form: KeyForm,
    ) -> ExactMap {
        ExactMap {
            hasher,
            table,
            values,
            form,
        }
    }

    #[inline]
    pub(crate) fn get(&self, k: &[u8]) -> Option<u32> {
        if self.table.len() == 0 {
            return None;
        }
        let h = self.hasher.hash(k);
        let vals = &*self.values;
        match self.form {
            KeyForm::Text => self.table.find(h, |v| vals.bytes(v & !EXACT_FLAG) == k),
            KeyForm::Digest => self
                .table
                .find(h, |v| hex_matches(vals.bytes(v & !EXACT_FLAG), k)),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// Heap bytes of the map itself (the keys belong to the store).
    pub(crate) fn memory(&self) -> usize {
        self.table.memory()
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether `hex` is the lowercase hex form of `bin`.
#[inline]
pub(crate) fn hex_matches(hex: &[u8], bin: &[u8]) -> bool {
    hex.len() == bin.len() * 2
        && hex
            .chunks_exact(2)
            .zip(bin)
            .all(|(p, &b)| p[0] == HEX[usize::from(b >> 4)] && p[1] == HEX[usize::from(b & 15)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_matches_only_the_lowercase_form() {
        assert!(hex_matches(b"00ff1a", &[0, 255, 0x1a]));
        assert!(!hex_matches(b"00FF1A", &[0, 255, 0x1a]));
        assert!(!hex_matches(b"00ff1b", &[0, 255, 0x1a]));
        assert!(!hex_matches(b"00ff", &[0, 255, 0x1a]));
        assert!(!hex_matches(b"00ff1a00", &[0, 255, 0x1a]));
        assert!(hex_matches(b"", &[]));
    }
}
