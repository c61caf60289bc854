//! Indicator storage: one byte arena of normalized values, a kind byte per indicator and
//! interned metadata. Flat arrays only, so that a snapshot can later map them directly.
//!
//! The builder keeps one hash table per exact-match kind (domains, URLs, emails, digests)
//! for deduplication, keyed exactly as the scanner looks values up; [`StoreBuilder::finish`]
//! hands these tables over as the database's [`ExactMap`]s, which verify candidates against
//! the shared arena instead of holding copies of the keys. Other kinds (IPs, literals,
//! regexes) have a deduplication table of their own that is dropped at the end.
//!
//! Memory per indicator: its bytes, a 4-byte offset, a kind byte, 0–4 bytes of metadata id
//! (the width the number of distinct metadata needs) and 8/0.625 bytes of table slot.

use super::exact::{ExactMap, KeyForm, EXACT_FLAG};
use super::table::{FlatTable, KeyHasher};
use crate::indicator::{Kind, Meta, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Flag bits stored with the kind.
pub(crate) const F_EXACT: u8 = 0x40;
pub(crate) const F_NOCASE: u8 = 0x80;
const KIND_MASK: u8 = 0x3f;

/// The values of one collection, back to back, with their kinds.
#[derive(Clone, Default)]
pub(crate) struct Values {
    /// The display form (UTF-8) for every kind but literals, whose raw bytes are stored.
    pub(crate) text: Vec<u8>,
    /// Value i is `text[ends[i-1]..ends[i]]` (`ends[-1]` = 0).
    ends: Vec<u32>,
    /// `Kind as u8`, plus [`F_EXACT`] / [`F_NOCASE`].
    pub(crate) kinds: Vec<u8>,
}

impl Values {
    pub(crate) fn len(&self) -> usize {
        self.kinds.len()
    }

    /// The bytes of value `id` (empty for an id out of range).
    #[inline]
    pub(crate) fn bytes(&self, id: u32) -> &[u8] {
        let i = id as usize;
        let start = match i.checked_sub(1) {
            None => 0,
            Some(p) => self.ends.get(p).map_or(0, |&e| e as usize),
        };
        let end = self.ends.get(i).map_or(0, |&e| e as usize);
        self.text.get(start..end).unwrap_or(&[])
    }

    fn kind_byte(&self, id: u32) -> u8 {
        self.kinds.get(id as usize).copied().unwrap_or(0)
    }
}

/// Which metadata each indicator has, as narrow as the number of distinct metadata allows.
#[derive(Clone, Debug)]
pub(crate) enum MetaIds {
    /// All `.1` indicators have metadata `.0`.
    Same(u32, usize),
    /// Fewer than 256 distinct metadata.
    U8(Vec<u8>),
    /// Fewer than 65536.
    U16(Vec<u16>),
    /// Any number.
    U32(Vec<u32>),
}

impl Default for MetaIds {
    fn default() -> MetaIds {
        MetaIds::Same(0, 0)
    }
}

impl MetaIds {
    /// Packs `ids` (each below `distinct`).
    pub(crate) fn pack(ids: &[u32], distinct: usize) -> MetaIds {
        match ids.first() {
            None => MetaIds::Same(0, 0),
            Some(&f) if ids.iter().all(|&m| m == f) => MetaIds::Same(f, ids.len()),
            _ if distinct <= 1 << 8 => MetaIds::U8(ids.iter().map(|&m| m as u8).collect()),
            _ if distinct <= 1 << 16 => MetaIds::U16(ids.iter().map(|&m| m as u16).collect()),
            _ => MetaIds::U32(ids.to_vec()),
        }
    }

    /// The metadata index of indicator `id`.
    #[inline]
    pub(crate) fn get(&self, id: u32) -> Option<u32> {
        let i = id as usize;
        match self {
            MetaIds::Same(m, n) => (i < *n).then_some(*m),
            MetaIds::U8(v) => v.get(i).map(|&m| u32::from(m)),
            MetaIds::U16(v) => v.get(i).map(|&m| u32::from(m)),
            MetaIds::U32(v) => v.get(i).copied(),
        }
    }

    pub(crate) fn memory(&self) -> usize {
        match self {
            MetaIds::Same(..) => 0,
            MetaIds::U8(v) => v.capacity(),
            MetaIds::U16(v) => v.capacity() * 2,
            MetaIds::U32(v) => v.capacity() * 4,
        }
    }
}

#[derive(Clone, Default)]
pub(crate) struct Store {
    /// Shared with the exact-match maps, which read their keys from it.
    pub(crate) values: Arc<Values>,
    /// Shared with the validity windows of the index.
    pub(crate) meta_of: Arc<MetaIds>,
    pub(crate) metas: Vec<Meta>,
}

impl Store {
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    #[inline]
    pub(crate) fn bytes(&self, id: u32) -> &[u8] {
        self.values.bytes(id)
    }

    pub(crate) fn kinds(&self) -> &[u8] {
        &self.values.kinds
    }

    /// The metadata of indicator `id`.
    pub(crate) fn meta(&self, id: u32) -> Option<&Meta> {
        self.metas.get(self.meta_of.get(id)? as usize)
    }

    /// Adds this store's and `allow`'s parts to a memory report.
    pub(crate) fn report(&self, allow: &Store, parts: &mut Vec<(&'static str, usize)>) {
        let both = |f: &dyn Fn(&Store) -> usize| f(self) + f(allow);
        parts.push(("strings", both(&|s| s.values.text.capacity())));
        parts.push(("store: offsets", both(&|s| s.values.ends.capacity() * 4)));
        parts.push(("store: kinds", both(&|s| s.values.kinds.capacity())));
        parts.push(("store: metadata ids", both(&|s| s.meta_of.memory())));
        parts.push((
            "metadata",
            both(&|s| {
                s.metas.iter().map(meta_heap).sum::<usize>()
                    + s.metas.capacity() * std::mem::size_of::<Meta>()
            }),
        ));
    }

    pub(crate) fn memory(&self) -> usize {
        let v = &self.values;
        v.text.capacity() + v.ends.capacity() * 4 + v.kinds.capacity() + self.meta_of.memory()
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

/// The builder's tables: the four exact-match kinds, then everything else.
const T_DOMAIN: usize = 0;
const T_URL: usize = 1;
const T_EMAIL: usize = 2;
const T_DIGEST: usize = 3;
const T_OTHER: usize = 4;

fn table_of(tag: u8) -> usize {
    match kind_of(tag) {
        Kind::Domain => T_DOMAIN,
        Kind::Url => T_URL,
        Kind::Email => T_EMAIL,
        Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512 => T_DIGEST,
        Kind::Ip | Kind::Literal | Kind::Regex => T_OTHER,
    }
}

/// The exact-match maps of a finished store.
#[derive(Default)]
pub(crate) struct Maps {
    pub(crate) domains: ExactMap,
    pub(crate) urls: ExactMap,
    pub(crate) emails: ExactMap,
    pub(crate) digests: ExactMap,
}

/// A [`Store`] being filled: deduplicates (kind, value) and interns metadata.
#[derive(Clone, Default)]
pub(crate) struct StoreBuilder {
    values: Values,
    meta_of: Vec<u32>,
    metas: Vec<Meta>,
    hasher: KeyHasher,
    /// Indexed by `T_*`.
    tables: [FlatTable; 5],
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

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes hex of at most 128 digits into `buf`; the digest's length.
fn decode_hex(hex: &[u8], buf: &mut [u8; 64]) -> Option<usize> {
    if hex.len() % 2 != 0 || hex.len() / 2 > buf.len() {
        return None;
    }
    for (o, p) in buf.iter_mut().zip(hex.chunks_exact(2)) {
        *o = hex_val(p[0])? << 4 | hex_val(p[1])?;
    }
    Some(hex.len() / 2)
}

/// The hash of a value in table `t`: the bytes the scanner looks up (the binary digest for
/// digests), mixed with the kind byte in the table of other kinds.
fn key_hash(hasher: &KeyHasher, t: usize, tag: u8, bytes: &[u8]) -> u64 {
    match t {
        T_OTHER => mix(hasher.hash(bytes), tag),
        T_DIGEST => {
            let mut buf = [0u8; 64];
            match decode_hex(bytes, &mut buf) {
                Some(n) => hasher.hash(&buf[..n]),
                None => hasher.hash(bytes),
            }
        }
        _ => hasher.hash(bytes),
    }
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
        let i = self.metas.len() as u32;
        self.metas.push(m.clone());
        self.meta_ids.insert(m.clone(), i);
        self.last_meta = Some((m, i));
        i
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// The id of an existing entry with this identity.
    /// Also returns the identity's hash, for [`StoreBuilder::push`].
    pub(crate) fn find(&self, tag: u8, bytes: &[u8]) -> (Option<u32>, u64) {
        let v = &self.values;
        let t = table_of(tag);
        let h = key_hash(&self.hasher, t, tag, bytes);
        let found = self.tables[t].find(h, |e| {
            (t != T_OTHER || v.kind_byte(e) & !F_EXACT == tag) && v.bytes(e) == bytes
        });
        (found, h)
    }

    /// Merges metadata into an existing entry.
    pub(crate) fn merge(&mut self, id: u32, meta: &Meta, exact: bool) {
        let i = id as usize;
        let Some(&cur_id) = self.meta_of.get(i) else {
            return;
        };
        if let Some(cur) = self.metas.get(cur_id as usize) {
            if cur != meta {
                let mut m = cur.clone();
                m.merge(meta);
                let new_id = self.intern(m);
                if let Some(slot) = self.meta_of.get_mut(i) {
                    *slot = new_id;
                }
            }
        }
        if !exact {
            if let Some(k) = self.values.kinds.get_mut(i) {
                *k &= !F_EXACT;
            }
        }
    }

    /// Appends a new entry (the caller checked it is not present, that there are fewer than
    /// `u32::MAX - 1` entries and that the text stays within `u32` offsets).
    /// `h` is the hash [`StoreBuilder::find`] returned for this identity.
    pub(crate) fn push(&mut self, tag: u8, bytes: &[u8], h: u64, meta: Meta, exact: bool) -> u32 {
        let id = self.values.len() as u32;
        let m = self.intern(meta);
        let v = &mut self.values;
        v.text.extend_from_slice(bytes);
        v.ends.push(v.text.len() as u32);
        v.kinds.push(tag | if exact { F_EXACT } else { 0 });
        self.meta_of.push(m);
        self.tables[table_of(tag)].insert(h, id);
        id
    }

    /// Bytes of text stored so far (to keep offsets within u32).
    pub(crate) fn text_len(&self) -> usize {
        self.values.text.len()
    }

    /// The finished store and its exact-match maps; the deduplication state is dropped.
    pub(crate) fn finish(self) -> (Store, Maps) {
        let StoreBuilder {
            values,
            meta_of,
            metas,
            hasher,
            tables,
            meta_ids,
            last_meta,
        } = self;
        drop((meta_ids, last_meta));
        let [domains, urls, emails, digests, other] = tables;
        drop(other);
        assemble(
            values,
            MetaIds::pack(&meta_of, metas.len()),
            metas,
            &hasher,
            [domains, urls, emails, digests],
        )
    }

    /// As [`StoreBuilder::finish`], keeping the builder: copies only what the store and
    /// maps hold (not the deduplication state).
    pub(crate) fn snapshot(&self) -> (Store, Maps) {
        let [d, u, e, g, _] = &self.tables;
        assemble(
            self.values.clone(),
            MetaIds::pack(&self.meta_of, self.metas.len()),
            self.metas.clone(),
            &self.hasher,
            [d.clone(), u.clone(), e.clone(), g.clone()],
        )
    }
}

/// A store and its maps from a builder's parts (tables: domains, URLs, emails, digests).
fn assemble(
    mut values: Values,
    meta_of: MetaIds,
    mut metas: Vec<Meta>,
    hasher: &KeyHasher,
    tables: [FlatTable; 4],
) -> (Store, Maps) {
    values.text.shrink_to_fit();
    values.ends.shrink_to_fit();
    values.kinds.shrink_to_fit();
    metas.shrink_to_fit();
    let [mut domains, mut urls, mut emails, mut digests] = tables;
    for t in [&mut domains, &mut urls, &mut emails, &mut digests] {
        t.fit();
    }
    let kinds = &values.kinds;
    domains.map_values(|id| {
        if kinds.get(id as usize).is_some_and(|&k| k & F_EXACT != 0) {
            id | EXACT_FLAG
        } else {
            id
        }
    });
    let values = Arc::new(values);
    let map = |t, form| ExactMap::new(hasher.clone(), t, Arc::clone(&values), form);
    let maps = Maps {
        domains: map(domains, KeyForm::Text),
        urls: map(urls, KeyForm::Text),
        emails: map(emails, KeyForm::Text),
        digests: map(digests, KeyForm::Digest),
    };
    let store = Store {
        values,
        meta_of: Arc::new(meta_of),
        metas,
    };
    (store, maps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_ids_pack_to_the_narrowest_width() {
        assert!(matches!(MetaIds::pack(&[], 0), MetaIds::Same(0, 0)));
        let same = MetaIds::pack(&[3; 10], 4);
        assert!(matches!(same, MetaIds::Same(3, 10)));
        assert_eq!((same.get(9), same.get(10)), (Some(3), None));
        let few: Vec<u32> = (0..1000).map(|i| i % 256).collect();
        let p = MetaIds::pack(&few, 256);
        assert!(matches!(p, MetaIds::U8(_)));
        assert_eq!(p.memory(), 1000);
        assert!(few
            .iter()
            .enumerate()
            .all(|(i, &m)| p.get(i as u32) == Some(m)));
        let more: Vec<u32> = (0..1000).map(|i| i * 60).collect();
        let p = MetaIds::pack(&more, 60_000);
        assert!(matches!(p, MetaIds::U16(_)));
        assert!(more
            .iter()
            .enumerate()
            .all(|(i, &m)| p.get(i as u32) == Some(m)));
        let p = MetaIds::pack(&[0, 70_000], 70_001);
        assert!(matches!(p, MetaIds::U32(_)));
        assert_eq!((p.get(1), p.get(2)), (Some(70_000), None));
    }

    #[test]
    fn digests_are_keyed_by_their_binary_form() {
        let mut b = StoreBuilder::default();
        let hex = "d41d8cd98f00b204e9800998ecf8427e";
        let v = Value::parse(Kind::Md5, hex).unwrap();
        let (tag, bytes) = identity(&v);
        let (none, h) = b.find(tag, &bytes);
        assert_eq!(none, None);
        let id = b.push(tag, &bytes, h, Meta::source("a"), false);
        assert_eq!(b.find(tag, &bytes), (Some(id), h));
        let d = Value::parse(Kind::Domain, "Example.COM").unwrap();
        let (dtag, dbytes) = identity(&d);
        let did = b.push(
            dtag,
            &dbytes,
            b.find(dtag, &dbytes).1,
            Meta::source("a"),
            true,
        );
        // The same bytes as another kind are another entry.
        let lit = Value::Literal {
            bytes: b"example.com".to_vec(),
            nocase: false,
        };
        let (ltag, lbytes) = identity(&lit);
        assert_eq!(b.find(ltag, &lbytes).0, None);
        let (store, maps) = b.finish();
        let Value::Hash { digest, .. } = v else {
            panic!("not a digest")
        };
        assert_eq!(maps.digests.get(&digest), Some(id));
        assert_eq!(maps.digests.get(hex.as_bytes()), None);
        assert_eq!(maps.domains.get(b"example.com"), Some(did | EXACT_FLAG));
        assert_eq!(maps.domains.get(b"example.org"), None);
        assert!(maps.urls.is_empty() && maps.emails.get(b"a@b.c").is_none());
        assert_eq!(store.bytes(id), hex.as_bytes());
        assert_eq!(store.bytes(99), b"");
        assert_eq!(store.meta(did).unwrap().sources, ["a"]);
    }
}
