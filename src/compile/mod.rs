//! Compiling indicators: [`Builder`] → immutable [`Database`].
//!
//! The builder validates, merges (same kind and value from several sources becomes one
//! indicator with merged metadata) and stores indicators flat: one arena of normalized
//! values, a kind byte per indicator and interned metadata (feeds give most indicators the
//! same source, so metadata costs one `u32` per indicator). `build` produces prefix tables
//! for IPv4/IPv6 that report every covering network, hash tables (open addressing, hash
//! tags) for domains (probed once per parent label), URLs, emails and digests, aho-corasick
//! automata for literals and a multi-pattern regex for regexes. The allowlist is compiled
//! the same way into a second index.
//!
//! # Resource usage
//! Per indicator: its normalized text, about 9 bytes of store, and in its lookup table the
//! key again plus 16–24 bytes. Building holds the builder and the database at once when
//! [`Builder::build`] is used (it copies); [`Builder::into_database`] does not copy.

mod automata;
mod exact;
mod filter;
mod ipset;
mod store;
mod table;
mod v4cover;

pub(crate) use automata::RegexCache;
pub(crate) use exact::EXACT_FLAG;

use crate::error::{Error, ErrorKind};
use crate::indicator::{normalize, Indicator, Kind, Meta, Value, DEFAULT_REGEX_SIZE_LIMIT};
use crate::time::Timestamp;
use automata::{Literals, Regexes};
use exact::ExactMap;
pub(crate) use filter::DomainFilter;
use ipnet::IpNet;
use ipset::{IpSet, Net};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use store::{identity, kind_of, Store, StoreBuilder, F_EXACT, F_NOCASE};

/// The id of an indicator in a [`Database`]: an index into its indicator table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct IndicatorId(pub u32);

impl IndicatorId {
    /// The id as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Resource limits enforced while building. All are checked with a clear error, never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most indicators (and, separately, allowlist entries) one database may hold. Default 50 M.
    pub max_indicators: usize,
    /// NFA size limit for one regex indicator, in bytes. Default 1 MiB.
    pub regex_size_limit: usize,
    /// NFA size limit for all regex indicators compiled together. Default 64 MiB.
    pub regex_total_size_limit: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_indicators: 50_000_000,
            regex_size_limit: DEFAULT_REGEX_SIZE_LIMIT,
            regex_total_size_limit: 64 << 20,
        }
    }
}

/// A set of indicators being collected; [`Builder::build`] compiles it into a [`Database`].
///
/// ```
/// use linerate::{Builder, Indicator, Kind};
/// let mut b = Builder::new();
/// b.add(Indicator::parse(Kind::Ip, "10.0.0.0/8", "a").unwrap()).unwrap();
/// b.add(Indicator::parse(Kind::Ip, "10.0.0.0/8", "b").unwrap()).unwrap(); // merged
/// b.add_allow(Indicator::parse(Kind::Ip, "10.9.9.9", "allow").unwrap()).unwrap();
/// let db = b.build().unwrap();
/// assert_eq!(db.len(), 1);
/// assert_eq!(db.indicator(linerate::IndicatorId(0)).unwrap().meta.sources, ["a", "b"]);
/// ```
#[derive(Default, Clone)]
pub struct Builder {
    limits: Limits,
    hits: Collection,
    allow: Collection,
}

#[derive(Default, Clone)]
struct Collection {
    store: StoreBuilder,
    /// IP networks with their ports (0 = any) and ids, kept parsed for the prefix tables.
    ips: Vec<(IpNet, u16, u32)>,
}

impl Collection {
    fn add(&mut self, ind: Indicator, limits: &Limits) -> Result<IndicatorId, Error> {
        let (tag, bytes) = identity(&ind.value);
        if let Some(id) = self.store.find(tag, &bytes) {
            self.store.merge(id, &ind.meta, ind.exact);
            return Ok(IndicatorId(id));
        }
        if self.store.store.len() >= limits.max_indicators {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "more than {} indicators (Limits::max_indicators)",
                    limits.max_indicators
                ),
            ));
        }
        if self.store.text_len() + bytes.len() > u32::MAX as usize {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                "indicator values exceed 4 GiB in total",
            ));
        }
        if let Value::Regex(p) = &ind.value {
            crate::indicator::check_regex(p, limits.regex_size_limit)?;
        }
        let exact = ind.exact && ind.kind() == Kind::Domain;
        let id = self.store.push(tag, &bytes, ind.meta, exact);
        if let Value::Ip { net, port } = ind.value {
            self.ips.push((net, port.unwrap_or(0), id));
        }
        Ok(IndicatorId(id))
    }

    fn compile(self, limits: &Limits) -> Result<(Store, Index), Error> {
        let store = self.store.finish();
        let index = Index::build(&store, self.ips, limits)?;
        Ok((store, index))
    }
}

impl Builder {
    /// An empty builder with default [`Limits`].
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Replaces the limits.
    pub fn limits(&mut self, limits: Limits) -> &mut Builder {
        self.limits = limits;
        self
    }

    /// Adds an indicator; the same kind and value added again is merged into the first
    /// (metadata united, see [`crate::Meta::merge`]; exact-only if every source said so).
    /// Fails only on a limit: the indicator count or a regex over its size limit.
    pub fn add(&mut self, ind: Indicator) -> Result<IndicatorId, Error> {
        self.hits.add(ind, &self.limits)
    }

    /// Adds an allowlist entry: an observation that matches it (same rules as indicators)
    /// gives no sighting. Literal entries suppress observations that contain them, regex
    /// entries observations they match; a URL is also suppressed when its host is.
    pub fn add_allow(&mut self, ind: Indicator) -> Result<(), Error> {
        self.allow.add(ind, &self.limits).map(|_| ())
    }

    /// Number of distinct indicators so far.
    pub fn len(&self) -> usize {
        self.hits.store.store.len()
    }

    /// Whether no indicator was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct allowlist entries so far.
    pub fn allow_len(&self) -> usize {
        self.allow.store.store.len()
    }

    /// Compiles everything added so far into an immutable database. The builder is kept, so
    /// more indicators can be added and a new database built (for reloads).
    ///
    /// Errors: a regex set over [`Limits::regex_total_size_limit`], or an automaton that
    /// cannot be built.
    pub fn build(&self) -> Result<Database, Error> {
        self.clone().into_database()
    }

    /// As [`Builder::build`], consuming the builder (no copy of the indicators).
    pub fn into_database(self) -> Result<Database, Error> {
        let (store, hits) = self.hits.compile(&self.limits)?;
        let (allow_store, allow) = self.allow.compile(&self.limits)?;
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Ok(Database {
            inner: Arc::new(Inner {
                uid: NEXT.fetch_add(1, Ordering::Relaxed),
                store,
                allow_store,
                hits,
                allow,
            }),
        })
    }
}

/// A compiled, immutable indicator database. `Send + Sync`; cloning is an `Arc` bump.
///
/// Scan with [`Database::scan_line`] (and the packet scanner) using one [`crate::Scratch`]
/// per thread. Metadata is looked up by id with [`Database::indicator`] only when there is a hit.
#[derive(Clone)]
pub struct Database {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) uid: u64,
    pub(crate) store: Store,
    pub(crate) allow_store: Store,
    pub(crate) hits: Index,
    pub(crate) allow: Index,
}

/// A view of one stored indicator (or allowlist entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorRef<'a> {
    /// The id.
    pub id: IndicatorId,
    /// The normalized value as text: what the sensors print as `indicator` (literals with
    /// invalid UTF-8 are shown lossily).
    pub value: Cow<'a, str>,
    /// Sources, refs, confidence, tags, TLP, validity.
    pub meta: &'a Meta,
    /// For domains: matches the name only, not its subdomains.
    pub exact: bool,
    kind: Kind,
    nocase: bool,
    raw: &'a [u8],
}

impl IndicatorRef<'_> {
    /// The kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The value's bytes (raw bytes for literals).
    pub fn bytes(&self) -> &[u8] {
        self.raw
    }

    /// The value as an owned [`Value`] (parsed back from its normalized form).
    pub fn to_value(&self) -> Value {
        match self.kind {
            Kind::Literal => Value::Literal {
                bytes: self.raw.to_vec(),
                nocase: self.nocase,
            },
            Kind::Regex => Value::Regex(self.value.to_string()),
            Kind::Domain => Value::Domain(self.value.to_string()),
            Kind::Url => Value::Url(self.value.to_string()),
            Kind::Email => Value::Email(self.value.to_string()),
            k => Value::parse(k, &self.value)
                .unwrap_or_else(|_| Value::Regex(self.value.to_string())),
        }
    }

    /// The whole indicator, owned.
    pub fn to_indicator(&self) -> Indicator {
        Indicator {
            value: self.to_value(),
            meta: self.meta.clone(),
            exact: self.exact,
        }
    }
}

impl Store {
    fn get(&self, id: u32) -> Option<IndicatorRef<'_>> {
        if id as usize >= self.len() {
            return None;
        }
        let raw = self.bytes(id);
        let k = self.kinds[id as usize];
        Some(IndicatorRef {
            id: IndicatorId(id),
            value: String::from_utf8_lossy(raw),
            meta: &self.metas[self.meta_of[id as usize] as usize],
            exact: k & F_EXACT != 0,
            kind: kind_of(k),
            nocase: k & F_NOCASE != 0,
            raw,
        })
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("indicators", &self.len())
            .field("allow", &self.allow_len())
            .finish()
    }
}

impl Default for Database {
    fn default() -> Database {
        Database::empty()
    }
}

impl Database {
    /// An empty database (matches nothing).
    pub fn empty() -> Database {
        Database {
            inner: Arc::new(Inner {
                uid: 0,
                store: Store::default(),
                allow_store: Store::default(),
                hits: Index::default(),
                allow: Index::default(),
            }),
        }
    }

    /// The indicator with id `id`, if any.
    pub fn indicator(&self, id: IndicatorId) -> Option<IndicatorRef<'_>> {
        self.inner.store.get(id.0)
    }

    /// All indicators, in id order.
    pub fn iter(&self) -> impl Iterator<Item = IndicatorRef<'_>> + '_ {
        (0..self.len() as u32).filter_map(move |i| self.inner.store.get(i))
    }

    /// All allowlist entries.
    pub fn allowlist(&self) -> impl Iterator<Item = IndicatorRef<'_>> + '_ {
        let s = &self.inner.allow_store;
        (0..s.len() as u32).filter_map(move |i| s.get(i))
    }

    /// Number of indicators.
    pub fn len(&self) -> usize {
        self.inner.store.len()
    }

    /// Whether there is no indicator.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of allowlist entries.
    pub fn allow_len(&self) -> usize {
        self.inner.allow_store.len()
    }

    /// Number of indicators of each kind, in [`Kind::ALL`] order.
    pub fn count_by_kind(&self) -> Vec<(Kind, usize)> {
        let mut n = [0usize; 10];
        for &k in &self.inner.store.kinds {
            n[kind_of(k) as usize] += 1;
        }
        Kind::ALL.iter().map(|&k| (k, n[k as usize])).collect()
    }

    /// An estimate of the heap bytes held by the compiled structures and the store
    /// (automata excluded).
    pub fn memory_estimate(&self) -> usize {
        let i = &*self.inner;
        i.store.memory() + i.allow_store.memory() + i.hits.memory() + i.allow.memory()
    }

    /// A number unique to this database within the process (scratches use it to notice that
    /// they are being used with a different database).
    pub fn uid(&self) -> u64 {
        self.inner.uid
    }
}

/// The host of a URL match key (`host[:port]/...` or `[v6][:port]/...`).
pub(crate) fn url_key_host(key: &[u8]) -> &[u8] {
    let end = if key.first() == Some(&b'[') {
        memchr::memchr(b']', key).map_or(key.len(), |p| p + 1)
    } else {
        key.iter()
            .position(|&b| b == b':' || b == b'/')
            .unwrap_or(key.len())
    };
    &key[..end]
}

/// The compiled lookup structures of one collection (indicators or allowlist).
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) ip: IpSet,
    pub(crate) domains: ExactMap,
    /// Bloom filter over the domain names, probed before any normalization or exact lookup.
    pub(crate) domain_filter: DomainFilter,
    pub(crate) urls: ExactMap,
    /// Bloom filter over the hosts of the URL indicators: a URL whose host is not in it is
    /// not normalized at all.
    pub(crate) url_host_filter: DomainFilter,
    pub(crate) emails: ExactMap,
    /// Keyed by the binary digest: the length tells the algorithm apart.
    pub(crate) hashes: ExactMap,
    /// Bloom filters in front of `emails` and `hashes` (same structure as the domain
    /// filter; about 2 bytes per entry, so the table is touched only on a likely hit).
    pub(crate) email_filter: DomainFilter,
    pub(crate) hash_filter: DomainFilter,
    pub(crate) literals: Option<Literals>,
    pub(crate) regexes: Option<Regexes>,
    /// (valid_from, valid_until) per id, seconds; empty when no entry has a window.
    pub(crate) window: Vec<(i64, i64)>,
}

impl Index {
    fn build(store: &Store, ips: Vec<(IpNet, u16, u32)>, limits: &Limits) -> Result<Index, Error> {
        let mut x = Index::default();
        let mut count = [0usize; 10];
        for &k in &store.kinds {
            count[kind_of(k) as usize] += 1;
        }
        x.domains = ExactMap::with_capacity(count[Kind::Domain as usize]);
        x.urls = ExactMap::with_capacity(count[Kind::Url as usize]);
        x.emails = ExactMap::with_capacity(count[Kind::Email as usize]);
        let nh: usize = Kind::ALL
            .iter()
            .filter(|k| k.is_hash())
            .map(|&k| count[k as usize])
            .sum();
        x.hashes = ExactMap::with_capacity(nh);
        let any_window = store
            .metas
            .iter()
            .any(|m| m.valid_from.is_some() || m.valid_until.is_some());
        if any_window {
            x.window = store
                .meta_of
                .iter()
                .map(|&m| {
                    let m = &store.metas[m as usize];
                    (
                        m.valid_from.unwrap_or(Timestamp::MIN).0,
                        m.valid_until.unwrap_or(Timestamp::MAX).0,
                    )
                })
                .collect();
        }
        let mut lits = Vec::new();
        let mut res = Vec::new();
        let mut digest = Vec::new();
        let mut digests: Vec<Vec<u8>> = Vec::with_capacity(nh);
        for id in 0..store.len() as u32 {
            let flags = store.kinds[id as usize];
            let b = store.bytes(id);
            match kind_of(flags) {
                Kind::Ip => {}
                Kind::Domain => x.domains.insert(
                    b,
                    if flags & F_EXACT != 0 {
                        id | EXACT_FLAG
                    } else {
                        id
                    },
                ),
                Kind::Url => x.urls.insert(b, id),
                Kind::Email => x.emails.insert(b, id),
                Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512 => {
                    if normalize::hex_decode(b, &mut digest).is_some() {
                        x.hashes.insert(&digest, id);
                        digests.push(digest.clone());
                    }
                }
                Kind::Literal => lits.push((b.to_vec(), flags & F_NOCASE != 0, id)),
                Kind::Regex => res.push((String::from_utf8_lossy(b).into_owned(), id)),
            }
        }
        let nets = ips
            .into_iter()
            .map(|(net, port, id)| {
                let n = match net {
                    IpNet::V4(n) => Net::V4(u32::from(n.network()), n.prefix_len()),
                    IpNet::V6(n) => Net::V6(u128::from(n.network()), n.prefix_len()),
                };
                (n, port, id)
            })
            .collect();
        x.domain_filter = DomainFilter::build(
            (0..store.len() as u32)
                .filter(|&id| kind_of(store.kinds[id as usize]) == Kind::Domain)
                .map(|id| store.bytes(id))
                .collect::<Vec<_>>()
                .into_iter(),
        );
        x.hash_filter = DomainFilter::build(
            digests
                .iter()
                .map(Vec::as_slice)
                .collect::<Vec<_>>()
                .into_iter(),
        );
        drop(digests);
        x.email_filter = DomainFilter::build(
            (0..store.len() as u32)
                .filter(|&id| kind_of(store.kinds[id as usize]) == Kind::Email)
                .map(|id| store.bytes(id))
                .collect::<Vec<_>>()
                .into_iter(),
        );
        x.url_host_filter = DomainFilter::build(
            (0..store.len() as u32)
                .filter(|&id| kind_of(store.kinds[id as usize]) == Kind::Url)
                .map(|id| url_key_host(store.bytes(id)))
                .collect::<Vec<_>>()
                .into_iter(),
        );
        x.ip = IpSet::build(nets);
        x.literals = Literals::build(lits)?;
        x.regexes = Regexes::build(res, limits.regex_size_limit, limits.regex_total_size_limit)?;
        for m in [&mut x.domains, &mut x.urls, &mut x.emails, &mut x.hashes] {
            m.shrink();
        }
        Ok(x)
    }

    #[inline]
    pub(crate) fn live(&self, id: u32, now: Timestamp) -> bool {
        match self.window.get(id as usize) {
            None => true,
            // An open end is stored as i64::MAX and stays open at that instant too.
            Some(&(f, u)) => now.0 >= f && (now.0 < u || u == i64::MAX),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ip.len() == 0
            && self.domains.is_empty()
            && self.urls.is_empty()
            && self.emails.is_empty()
            && self.hashes.is_empty()
            && self.literals.is_none()
            && self.regexes.is_none()
    }

    fn memory(&self) -> usize {
        self.ip.memory()
            + self.domains.memory()
            + self.domain_filter.memory()
            + self.url_host_filter.memory()
            + self.email_filter.memory()
            + self.hash_filter.memory()
            + self.urls.memory()
            + self.emails.memory()
            + self.hashes.memory()
            + self.window.capacity() * 16
    }
}
