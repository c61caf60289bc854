//! Indicator storage: one byte arena of normalized values, a kind byte per indicator and
//! interned metadata. Flat arrays only, so that a snapshot can later map them directly.

use super::table::{FlatTable, KeyHasher};
use crate::indicator::{Kind, Meta, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Flag bits stored with the kind.
pub(crate) const F_EXACT: u8 = 0x40;
pub(crate) const F_NOCASE: u8 = 0x80;
const KIND_MASK: u8 = 0x3f;

#[derive(Clone, Default)]
pub(crate) struct Store {
    /// Values back to back: the display form (UTF-8) for every kind but literals, whose raw
    /// bytes are stored.
    pub(crate) text: Vec<u8>,
    ends: Vec<u32>,
    /// `Kind as u8`, plus [`F_EXACT`] / [`F_NOCASE`].
    pub(crate) kinds: Vec<u8>,
    pub(crate) meta_of: Vec<u32>,
    pub(crate) metas: Vec<Meta>,
}

impl Store {
    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }

    #[inline]
    pub(crate) fn bytes(&self, id: u32) -> &[u8] {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Adds this store's and `allow`'s parts to a memory report.
    pub(crate) fn report(&self, allow: &Store, parts: &mut Vec<(&'static str, usize)>) {
        let both = |f: &dyn Fn(&Store) -> usize| f(self) + f(allow);
        parts.push(("strings", both(&|s| s.text.capacity())));
        parts.push(("store: offsets", both(&|s| s.ends.capacity() * 4)));
        parts.push(("store: kinds", both(&|s| s.kinds.capacity())));
        parts.push(("store: metadata ids", both(&|s| s.meta_of.capacity() * 4)));
        parts.push((
            "metadata",
            both(&|s| {
                s.metas.iter().map(meta_heap).sum::<usize>()
                    + s.metas.capacity() * std::mem::size_of::<Meta>()
            }),
        ));
    }

    pub(crate) fn memory(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * 4
            + self.kinds.capacity()
            + self.meta_of.capacity() * 4
    }
}

/// Heap bytes owned by one [`Meta`] (its lists and strings).
pub(crate) fn meta_heap(m: &Meta) -> usize {
    [&m.sources, &m.refs, &m.tags]
        .iter()
        .map(|v| {
            v.capacity() * std::mem::size_of::<String>()
                + v.iter().map(String::capacity).sum::<usize>()
        })
        .sum()
}

pub(crate) fn kind_of(b: u8) -> Kind {
    Kind::ALL
        .get(usize::from(b & KIND_MASK))
        .copied()
        .unwrap_or(Kind::Literal)
}

/// A [`Store`] being filled: deduplicates (kind, value) and interns metadata.
#[derive(Clone, Default)]
pub(crate) struct StoreBuilder {
    pub(crate) store: Store,
    hasher: KeyHasher,
    dedupe: FlatTable,
    meta_ids: HashMap<Meta, u32>,
    /// The last metadata interned: feeds give runs of indicators the same metadata, and
    /// comparing with it is cheaper than hashing.
    last_meta: Option<(Meta, u32)>,
}

/// The identity of a value: kind byte (with the nocase flag for literals) and its bytes.
pub(crate) fn identity(v: &Value) -> (u8, Cow<'_, [u8]>) {
    match v {
        Value::Literal { bytes, nocase } => (
            Kind::Literal as u8 | if *nocase { F_NOCASE } else { 0 },
            Cow::Borrowed(bytes),
        ),
        Value::Domain(s) | Value::Url(s) | Value::Email(s) | Value::Regex(s) => {
            (v.kind() as u8, Cow::Borrowed(s.as_bytes()))
        }
        _ => (v.kind() as u8, Cow::Owned(v.to_string().into_bytes())),
    }
}

fn mix(h: u64, tag: u8) -> u64 {
    h ^ u64::from(tag).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl StoreBuilder {
    fn intern(&mut self, m: Meta) -> u32 {
        if let Some((last, i)) = &self.last_meta {
            if *last == m {
                return *i;
            }
        }
        if let Some(&i) = self.meta_ids.get(&m) {
            self.last_meta = Some((m, i));
            return i;
        }
        let i = self.store.metas.len() as u32;
        self.store.metas.push(m.clone());
        self.meta_ids.insert(m.clone(), i);
        self.last_meta = Some((m, i));
        i
    }

    /// The id of an existing entry with this identity.
    pub(crate) fn find(&self, tag: u8, bytes: &[u8]) -> Option<u32> {
        let s = &self.store;
        let h = mix(self.hasher.hash(bytes), tag);
        self.dedupe.find(h, |e| {
            s.kinds[e as usize] & !F_EXACT == tag && s.bytes(e) == bytes
        })
    }

    /// Merges metadata into an existing entry.
    pub(crate) fn merge(&mut self, id: u32, meta: &Meta, exact: bool) {
        let i = id as usize;
        let cur = &self.store.metas[self.store.meta_of[i] as usize];
        if cur != meta {
            let mut m = cur.clone();
            m.merge(meta);
            self.store.meta_of[i] = self.intern(m);
        }
        if !exact {
            self.store.kinds[i] &= !F_EXACT;
        }
    }

    /// Appends a new entry (the caller checked it is not present).
    pub(crate) fn push(&mut self, tag: u8, bytes: &[u8], meta: Meta, exact: bool) -> u32 {
        let id = self.store.kinds.len() as u32;
        let m = self.intern(meta);
        let s = &mut self.store;
        s.text.extend_from_slice(bytes);
        s.ends.push(s.text.len() as u32);
        s.kinds.push(tag | if exact { F_EXACT } else { 0 });
        s.meta_of.push(m);
        let h = mix(self.hasher.hash(bytes), tag);
        let (st, hasher) = (&self.store, &self.hasher);
        self.dedupe.insert(h, id, |e| {
            mix(hasher.hash(st.bytes(e)), st.kinds[e as usize] & !F_EXACT)
        });
        id
    }

    /// Bytes of text stored so far (to keep offsets within u32).
    pub(crate) fn text_len(&self) -> usize {
        self.store.text.len()
    }

    pub(crate) fn finish(mut self) -> Store {
        let s = &mut self.store;
        s.text.shrink_to_fit();
        s.ends.shrink_to_fit();
        s.kinds.shrink_to_fit();
        s.meta_of.shrink_to_fit();
        s.metas.shrink_to_fit();
        self.store
    }
}
