//! Compiling indicators: [`Builder`] → immutable [`Database`].
//!
//! The builder validates, merges (same kind and value from several sources becomes one
//! indicator with merged metadata) and stores indicators flat: one arena of normalized
//! values, a kind byte per indicator and interned metadata (feeds give most indicators the
//! same source, so metadata costs at most one small id per indicator). `build` produces
//! prefix tables for IPv4/IPv6 that report every covering network, hash tables (open
//! addressing, hash tags) for domains (probed once per parent label), URLs, emails and
//! digests, aho-corasick
//! automata for literals and a multi-pattern regex for regexes. The allowlist is compiled
//! the same way into a second index.
//!
//! # Resource usage
//! Per indicator: its normalized text, 5 bytes of store (offset and kind) plus 0–4 bytes
//! of metadata id (as wide as the number of distinct metadata needs; zero when all share
//! one), and for domains, URLs, emails and digests about 13 bytes of hash-table slots (the
//! tables verify against the store's text instead of holding key copies), plus 2–4 bytes of
//! Bloom filter; IPs cost what the prefix tables need. [`Database::memory_report`] gives the
//! figures structure by structure. The builder's deduplication tables become the
//! database's tables, so [`Builder::into_database`] allocates little beyond the finished
//! database (peak about 1.2x its size); [`Builder::build`] copies the store and tables
//! and keeps the builder. Feeds can be streamed into a builder with
//! [`crate::feed::load_into`] so that no list of owned indicators exists in between.

mod automata;
mod exact;
mod filter;
mod ipset;
mod store;
mod table;
mod v4cover;
mod witness;

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
use store::{identity, kind_of, Maps, MetaIds, Store, StoreBuilder, F_EXACT, F_NOCASE};
use witness::Witnesses;
pub(crate) use witness::{BlockSearch, RAW, TOKENS};

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
    /// Most distinct witnesses for which the line prefilter is built. Default 65,536 on CPUs
    /// with AVX2 (the filter's gram loop then takes eight positions a step), else 16,384.
    ///
    /// A database whose token indicators (domains, URLs, emails, digests, IPv4 addresses
    /// and networks) leave at most this many distinct pieces of text ("witnesses": the
    /// domain, the URL's host, the dotted address, the fixed octets of a network...) in any
    /// line they match first searches each line for them, and tokenizes only the lines
    /// that hold one (and lines with non-ASCII bytes, or IPv6-looking text when there are
    /// IPv6 indicators). Beyond 3,072 IPv4 witnesses, or with a network whose fixed
    /// octets are under 4 bytes (a /8), IPv4 indicators take no witness: lines with a
    /// dotted quad that the IPv4 table's gates cover pass instead. When every literal and
    /// regex indicator also has a witness (the literal itself; for a regex, a set of
    /// literals one of which each match holds, and no `^`/`$` anchor) and there are at most
    /// 256 literals, lines without one skip the literal and regex search as well.
    /// Sightings are the same either way.
    ///
    /// What it gains depends on the size and the logs (measured, median with/without; see
    /// BENCHMARKS.md): with the AVX2 gram loop, generated mixed sets 30k 1.31x, 50k
    /// 1.0x (1.11x through `Database::scan_lines`), 100k 0.81x (not built at this default:
    /// its tables, 8 MiB, outgrow the caches); 62k domains 1.37x. With the scalar loop (no
    /// AVX2), when 16,384 was the default: 1k 2.5x, 10k 1.4x, 15k 1.2x, 30k 0.77x; real logs
    /// with maltrail's lists apt_lazarus (5.6k) 1.7x, redline (11k, 7k addresses) 1.3x. It is not built either when a name or digest
    /// witness is under 4 bytes, when those under 8 bytes (searched apart, by one Teddy pass
    /// for a 3-byte piece of each) have more than 64 ASCII case variants of their pieces
    /// together, or when more than 128 witnesses share a gram. 0 turns it off.
    pub line_prefilter_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_indicators: 50_000_000,
            regex_size_limit: DEFAULT_REGEX_SIZE_LIMIT,
            regex_total_size_limit: 64 << 20,
            line_prefilter_max: if witness::avx2() { 1 << 16 } else { 1 << 14 },
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
        let (found, h) = self.store.find(tag, &bytes);
        if let Some(id) = found {
            self.store.merge(id, &ind.meta, ind.exact);
            return Ok(IndicatorId(id));
        }
        // Ids stay below the exact-domain flag bit (and below u32::MAX - 1 for the tables).
        let max = limits.max_indicators.min(EXACT_FLAG as usize - 1);
        if self.store.len() >= max {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("more than {max} indicators (Limits::max_indicators)"),
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
        if let Value::Ip { net, .. } = &ind.value {
            // As `Value::parse` says for text: a /0 (or `::ffff:0:0/96`, IPv4's /0 once
            // canonicalized) would match every address.
            if crate::indicator::canonical_net(*net).prefix_len() == 0 {
                return Err(Error::invalid(
                    "ip",
                    &net.to_string(),
                    "prefix /0 would match every address",
                ));
            }
        }
        let exact = ind.exact && ind.kind() == Kind::Domain;
        let id = self.store.push(tag, &bytes, h, ind.meta, exact);
        if let Value::Ip { net, port } = ind.value {
            self.ips.push((net, port.unwrap_or(0), id));
        }
        Ok(IndicatorId(id))
    }

    fn compile(self, limits: &Limits, prefilter: bool) -> Result<(Store, Index), Error> {
        let (store, maps) = self.store.finish();
        let index = Index::build(&store, maps, self.ips, limits, prefilter)?;
        Ok((store, index))
    }

    /// As [`Collection::compile`], keeping the collection.
    fn compile_copy(&self, limits: &Limits, prefilter: bool) -> Result<(Store, Index), Error> {
        let (store, maps) = self.store.snapshot();
        let index = Index::build(&store, maps, self.ips.clone(), limits, prefilter)?;
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
        self.hits.store.len()
    }

    /// Whether no indicator was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct allowlist entries so far.
    pub fn allow_len(&self) -> usize {
        self.allow.store.len()
    }

    /// Compiles everything added so far into an immutable database. The builder is kept, so
    /// more indicators can be added and a new database built (for reloads).
    ///
    /// Errors: a regex set over [`Limits::regex_total_size_limit`], or an automaton that
    /// cannot be built.
    pub fn build(&self) -> Result<Database, Error> {
        let hits = self.hits.compile_copy(&self.limits, true)?;
        let allow = self.allow.compile_copy(&self.limits, false)?;
        Ok(Database::assemble(hits, allow))
    }

    /// As [`Builder::build`], consuming the builder (no copy of the indicators).
    pub fn into_database(self) -> Result<Database, Error> {
        let hits = self.hits.compile(&self.limits, true)?;
        let allow = self.allow.compile(&self.limits, false)?;
        Ok(Database::assemble(hits, allow))
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
        let k = *self.kinds().get(id as usize)?;
        Some(IndicatorRef {
            id: IndicatorId(id),
            value: String::from_utf8_lossy(raw),
            meta: self.meta(id)?,
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
    fn assemble((store, hits): (Store, Index), (allow_store, allow): (Store, Index)) -> Database {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Database {
            inner: Arc::new(Inner {
                uid: NEXT.fetch_add(1, Ordering::Relaxed),
                store,
                allow_store,
                hits,
                allow,
            }),
        }
    }

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
        for &k in self.inner.store.kinds() {
            n[kind_of(k) as usize] += 1;
        }
        Kind::ALL.iter().map(|&k| (k, n[k as usize])).collect()
    }

    /// An estimate of the heap bytes held by the compiled structures, the store and the
    /// automata (metadata excluded: [`Database::memory_report`] has it).
    pub fn memory_estimate(&self) -> usize {
        let i = &*self.inner;
        i.store.memory() + i.allow_store.memory() + i.hits.memory() + i.allow.memory()
    }

    /// Where the database's heap bytes go, structure by structure (both the indicators and
    /// the allowlist), for sizing and for the throughput tool. The figures are computed from
    /// the structures' capacities, not measured from the allocator; the literal and regex
    /// automata are not included (small for feeds, whose literals and regexes are few).
    ///
    /// ```
    /// use linerate::{Builder, Indicator, Kind};
    /// let mut b = Builder::new();
    /// b.add(Indicator::parse(Kind::Domain, "evil.example", "feed").unwrap()).unwrap();
    /// let r = b.build().unwrap().memory_report();
    /// assert_eq!(r.strings(), "evil.example".len());
    /// assert!(r.beyond_strings() > 0);
    /// assert_eq!(r.total(), r.strings() + r.beyond_strings());
    /// ```
    pub fn memory_report(&self) -> MemoryReport {
        let i = &*self.inner;
        let mut parts = Vec::new();
        i.store.report(&i.allow_store, &mut parts);
        i.hits.report(&i.allow, &mut parts);
        MemoryReport { parts }
    }

    /// A number unique to this database within the process (scratches use it to notice that
    /// they are being used with a different database).
    pub fn uid(&self) -> u64 {
        self.inner.uid
    }
}

/// The heap bytes of a [`Database`] per structure: see [`Database::memory_report`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryReport {
    /// `(structure, bytes)`, indicators and allowlist together. The first entry,
    /// [`MemoryReport::STRINGS`], is the normalized indicator values themselves.
    pub parts: Vec<(&'static str, usize)>,
}

impl MemoryReport {
    /// The name of the entry holding the indicator values' bytes.
    pub const STRINGS: &'static str = "strings";

    /// Bytes of the indicator values (normalized text; raw bytes for literals).
    pub fn strings(&self) -> usize {
        self.get(Self::STRINGS)
    }

    /// Bytes of everything else: offsets, kinds, metadata, tables, filters, IP set.
    pub fn beyond_strings(&self) -> usize {
        self.total() - self.strings()
    }

    /// All bytes.
    pub fn total(&self) -> usize {
        self.parts.iter().map(|p| p.1).sum()
    }

    /// The bytes of the entry `name` (0 if absent).
    pub fn get(&self, name: &str) -> usize {
        self.parts.iter().filter(|p| p.0 == name).map(|p| p.1).sum()
    }
}

impl std::fmt::Display for MemoryReport {
    /// One line per structure, `name bytes (MiB)`, then the total and the part beyond the
    /// strings.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mib = |n: usize| n as f64 / 1048576.0;
        for (name, n) in &self.parts {
            writeln!(f, "{name:<24} {n:>12} B {:>8.2} MiB", mib(*n))?;
        }
        writeln!(
            f,
            "{:<24} {:>12} B {:>8.2} MiB",
            "total",
            self.total(),
            mib(self.total())
        )?;
        write!(
            f,
            "{:<24} {:>12} B {:>8.2} MiB",
            "beyond strings",
            self.beyond_strings(),
            mib(self.beyond_strings())
        )
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
    /// The line prefilter (indicators only, not the allowlist): see [`Limits::line_prefilter_max`].
    pub(crate) witnesses: Option<Witnesses>,
    /// (valid_from, valid_until) per indicator, seconds; empty when no entry has a window.
    pub(crate) window: Windows,
}

/// The validity windows of a collection's indicators: one per distinct metadata, found
/// through the store's metadata ids. Empty when no indicator has a window.
#[derive(Default)]
pub(crate) struct Windows {
    meta_of: Arc<MetaIds>,
    /// (valid_from, valid_until) per metadata, seconds.
    per_meta: Vec<(i64, i64)>,
}

impl Windows {
    fn build(store: &Store) -> Windows {
        if !store
            .metas
            .iter()
            .any(|m| m.valid_from.is_some() || m.valid_until.is_some())
        {
            return Windows::default();
        }
        Windows {
            meta_of: Arc::clone(&store.meta_of),
            per_meta: store
                .metas
                .iter()
                .map(|m| {
                    (
                        m.valid_from.unwrap_or(Timestamp::MIN).0,
                        m.valid_until.unwrap_or(Timestamp::MAX).0,
                    )
                })
                .collect(),
        }
    }

    /// Whether no indicator has a window (every one is always live).
    pub(crate) fn is_empty(&self) -> bool {
        self.per_meta.is_empty()
    }

    #[inline]
    fn get(&self, id: u32) -> Option<(i64, i64)> {
        if self.per_meta.is_empty() {
            return None;
        }
        self.per_meta.get(self.meta_of.get(id)? as usize).copied()
    }

    /// Heap bytes (the metadata ids are counted with the store).
    fn memory(&self) -> usize {
        self.per_meta.capacity() * 16
    }
}

/// An iterator with a known length (for the filters, which size themselves from it).
struct Counted<I> {
    left: usize,
    it: I,
}

impl<I: Iterator> Iterator for Counted<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let x = self.it.next()?;
        self.left = self.left.saturating_sub(1);
        Some(x)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<I: Iterator> ExactSizeIterator for Counted<I> {}

impl Index {
    fn build(
        store: &Store,
        maps: Maps,
        ips: Vec<(IpNet, u16, u32)>,
        limits: &Limits,
        prefilter: bool,
    ) -> Result<Index, Error> {
        let mut x = Index {
            domains: maps.domains,
            urls: maps.urls,
            emails: maps.emails,
            hashes: maps.digests,
            ..Index::default()
        };
        let mut count = [0usize; 10];
        for &k in store.kinds() {
            count[kind_of(k) as usize] += 1;
        }
        x.window = Windows::build(store);
        let mut lits = Vec::new();
        let mut res = Vec::new();
        // The binary digests, back to back (for the digest filter).
        let mut digests = Vec::new();
        let mut digest_ends = Vec::new();
        let mut digest = Vec::new();
        for (id, &flags) in store.kinds().iter().enumerate() {
            let id = id as u32;
            match kind_of(flags) {
                Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512
                    if normalize::hex_decode(store.bytes(id), &mut digest).is_some() =>
                {
                    digests.extend_from_slice(&digest);
                    digest_ends.push(digests.len());
                }
                Kind::Literal => lits.push((store.bytes(id).to_vec(), flags & F_NOCASE != 0, id)),
                Kind::Regex => {
                    res.push((String::from_utf8_lossy(store.bytes(id)).into_owned(), id))
                }
                _ => {}
            }
        }
        let nets: Vec<(Net, u16, u32)> = ips
            .into_iter()
            .map(|(net, port, id)| {
                let n = match net {
                    IpNet::V4(n) => Net::V4(u32::from(n.network()), n.prefix_len()),
                    IpNet::V6(n) => Net::V6(u128::from(n.network()), n.prefix_len()),
                };
                (n, port, id)
            })
            .collect();
        // The filters are sized from the exact count, without collecting the names.
        let of_kind = |kind: Kind| Counted {
            left: count[kind as usize],
            it: store
                .kinds()
                .iter()
                .enumerate()
                .filter(move |(_, &k)| kind_of(k) == kind)
                .map(|(id, _)| store.bytes(id as u32)),
        };
        x.domain_filter = DomainFilter::build(of_kind(Kind::Domain));
        x.email_filter = DomainFilter::build(of_kind(Kind::Email));
        let hosts = of_kind(Kind::Url);
        x.url_host_filter = DomainFilter::build(Counted {
            left: hosts.left,
            it: hosts.it.map(url_key_host),
        });
        x.hash_filter = DomainFilter::build(Counted {
            left: digest_ends.len(),
            it: digest_ends.iter().scan(0, |start, &end| {
                let d = digests.get(*start..end).unwrap_or(&[]);
                *start = end;
                Some(d)
            }),
        });
        drop((digests, digest_ends));
        let lit_witnesses = (prefilter && lits.len() <= automata::GATE_MAX)
            .then(|| lits.iter().map(|l| l.0.clone()).collect::<Vec<_>>());
        x.literals = Literals::build(lits)?;
        x.regexes = Regexes::build(res, limits.regex_size_limit, limits.regex_total_size_limit)?;
        // (Taken out in any case: the database does not keep them.)
        let required = x.regexes.as_mut().map(Regexes::take_required);
        if prefilter {
            // Literal and regex witnesses, if every literal and regex has them.
            let raw = match (lit_witnesses, required) {
                (Some(mut ws), Some(Some(rs))) => {
                    ws.extend(rs);
                    Some(ws)
                }
                (ws, None) => ws,
                (None, _) | (_, Some(None)) => None,
            };
            x.witnesses = witnesses(store, &nets, limits.line_prefilter_max, raw);
        }
        x.ip = IpSet::build(nets);
        Ok(x)
    }

    #[inline]
    pub(crate) fn live(&self, id: u32, now: Timestamp) -> bool {
        match self.window.get(id) {
            None => true,
            // An open end is stored as i64::MAX and stays open at that instant too.
            Some((f, u)) => now.0 >= f && (now.0 < u || u == i64::MAX),
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

    fn report(&self, allow: &Index, parts: &mut Vec<(&'static str, usize)>) {
        let both = |f: &dyn Fn(&Index) -> usize| f(self) + f(allow);
        parts.push(("table: domains", both(&|x| x.domains.memory())));
        parts.push(("table: urls", both(&|x| x.urls.memory())));
        parts.push(("table: emails", both(&|x| x.emails.memory())));
        parts.push(("table: digests", both(&|x| x.hashes.memory())));
        parts.push(("filter: domains", both(&|x| x.domain_filter.memory())));
        parts.push(("filter: url hosts", both(&|x| x.url_host_filter.memory())));
        parts.push(("filter: emails", both(&|x| x.email_filter.memory())));
        parts.push(("filter: digests", both(&|x| x.hash_filter.memory())));
        parts.push(("ip set", both(&|x| x.ip.memory())));
        parts.push((
            "line prefilter",
            both(&|x| x.witnesses.as_ref().map_or(0, Witnesses::memory)),
        ));
        parts.push(("validity windows", both(&|x| x.window.memory())));
        parts.push((
            "automata: literals",
            both(&|x| x.literals.as_ref().map_or(0, |l| l.memory())),
        ));
        parts.push((
            "automata: regexes",
            both(&|x| x.regexes.as_ref().map_or(0, |r| r.memory())),
        ));
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
            + self.window.memory()
            + self.literals.as_ref().map_or(0, |l| l.memory())
            + self.regexes.as_ref().map_or(0, |r| r.memory())
            + self.witnesses.as_ref().map_or(0, Witnesses::memory)
    }
}

/// The line prefilter of a collection, if its token indicators allow one with at most
/// `max` witnesses (see [`Limits::line_prefilter_max`] and [`witness`]): over their
/// witnesses and `raw` (the literal and regex witnesses, when every literal and regex has
/// them), or theirs alone when `raw` makes it unbuildable. Over `raw` alone when the token
/// indicators have no witnesses (too many, or none), only with the AVX2 gram loop: with the
/// scalar one it cost more than the Teddy passes it spares (generated 15k and 100k sets,
/// 0.96-0.98x); with AVX2 the 1M set's scan went from 30.2 to 25.9 instructions per byte.
fn witnesses(
    store: &Store,
    nets: &[(Net, u16, u32)],
    max: usize,
    raw: Option<Vec<Vec<u8>>>,
) -> Option<Witnesses> {
    // Without token witnesses (too many, or none), the literal and regex witnesses alone
    // (token lines all pass), where the gram loop is the AVX2 one.
    let (tokens, esc) = match token_witnesses(store, nets, max) {
        Some(t) => t,
        None if witness::avx2() => (Vec::new(), witness::Escapes::default()),
        None => return None,
    };
    let tokens: Vec<(Vec<u8>, u8)> = tokens.into_iter().map(|w| (w, TOKENS)).collect();
    let raw = raw.filter(|r| {
        tokens.len() + r.len() <= max && r.iter().all(|w| w.len() >= witness::SHORT_MIN)
    });
    if let Some(r) = raw {
        let mut all = tokens.clone();
        all.extend(r.into_iter().map(|w| (w, RAW)));
        if let Some(w) = Witnesses::build(all, esc) {
            return Some(w);
        }
    }
    Witnesses::build(tokens, esc)
}

/// Most IPv4 witnesses (addresses, network prefixes) in the grams; beyond, or when one is
/// under 4 bytes (the `10.` of a /8), lines pass on a dotted quad the IPv4 table's gates
/// cover instead. Their 5-byte grams (`180.7`) are common in any log of addresses: on the
/// generated corpus 3,000 addresses as witnesses scanned 1.16x as fast as without the
/// filter and 5,000 0.74x, where dotted quads gave 1.4x; but the real logs with maltrail's
/// apt_lazarus list (875 addresses and 4.7k names) 1.7–2.6x with them as witnesses, 0.93x
/// with dotted quads.
const V4_WITNESSES_MAX: usize = 3072;

/// The token indicators' witnesses (domains, emails, URL hosts, digests; IPv4 addresses
/// and networks up to [`V4_WITNESSES_MAX`]) and what else must let a line through (see
/// [`witness::Escapes`]); `None` when one is too short, or there are more than `max`.
fn token_witnesses(
    store: &Store,
    nets: &[(Net, u16, u32)],
    max: usize,
) -> Option<(Vec<Vec<u8>>, witness::Escapes)> {
    let mut ws: Vec<Vec<u8>> = Vec::new();
    let mut esc = witness::Escapes::default();
    for (id, &flags) in store.kinds().iter().enumerate() {
        let v = store.bytes(id as u32);
        // (witness, whether it is a name: Unicode text may normalize to it)
        let (w, name) = match kind_of(flags) {
            Kind::Domain | Kind::Email => (v, true),
            // A bracketed IPv6 host has many textual forms: lines with IPv6 text pass.
            Kind::Url if v.first() == Some(&b'[') => {
                esc.v6 = true;
                continue;
            }
            Kind::Url => (url_key_host(v), true),
            Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512 => (v, false),
            Kind::Literal | Kind::Regex | Kind::Ip => continue,
        };
        esc.idn |= name;
        if w.len() < witness::SHORT_MIN || ws.len() >= max {
            return None;
        }
        ws.push(w.to_vec());
    }
    // IPv4 addresses and networks: their text as witnesses while they are few and long
    // enough, else lines pass on a dotted quad the IPv4 table's gates cover (see
    // `witness::Escapes::v4`).
    let mut v4_ws: Option<Vec<Vec<u8>>> = Some(Vec::new());
    let mut has_v4 = false;
    for (net, _, _) in nets {
        let &Net::V4(a, len) = net else {
            // IPv6 text has too many forms for a witness: lines with IPv6 text pass.
            esc.v6 = true;
            continue;
        };
        has_v4 = true;
        let Some(list) = v4_ws.as_mut() else {
            continue;
        };
        // The network's addresses as written begin with one of these: its fixed octets
        // and each value of the next, partly fixed one ("a.b.c.v" ends the address, "a.b.v."
        // does not).
        let o = a.to_be_bytes();
        let fixed = usize::from(len / 8);
        let mut net_ws: Vec<Vec<u8>> = vec![Vec::new()];
        let extend = |ws: &mut Vec<Vec<u8>>, n: usize, values: std::ops::Range<usize>| {
            *ws = ws
                .iter()
                .flat_map(|p| {
                    values.clone().map(move |v| {
                        let mut t = p.clone();
                        t.extend_from_slice(v.to_string().as_bytes());
                        if n < 3 {
                            t.push(b'.');
                        }
                        t
                    })
                })
                .collect();
        };
        for (n, &octet) in o.iter().enumerate().take(fixed) {
            let v = usize::from(octet);
            extend(&mut net_ws, n, v..v + 1);
        }
        if fixed < 4 && len % 8 != 0 {
            let base = usize::from(o[fixed]);
            extend(&mut net_ws, fixed, base..base + (1 << (8 - len % 8)));
        }
        let short = net_ws.iter().any(|w| w.len() < witness::SHORT_MIN);
        list.extend(net_ws);
        if short || list.len() > V4_WITNESSES_MAX {
            v4_ws = None;
        }
    }
    match v4_ws {
        Some(list) if has_v4 => {
            ws.extend(list);
            // `::ffff:102:304` is observed as 1.2.3.4. In every IPv4-mapped text the sixth
            // group is `ffff`, after a colon and before a colon and the first digit of the
            // seventh group (which a digit, `:` or `.` follows), or before `::` for 0.0.0.0.
            let hex = b"0123456789abcdef";
            for &h in hex {
                for &c in hex.iter().chain(b":.") {
                    ws.push([&b":ffff:"[..], &[h, c]].concat());
                }
            }
            let zero = |n: &Net| matches!(*n, Net::V4(a, l) if a.checked_shr(32 - u32::from(l)).unwrap_or(0) == 0);
            if nets.iter().any(|(n, _, _)| zero(n)) {
                ws.push(b":ffff::".to_vec());
            }
            if ws.len() > max {
                return None;
            }
        }
        _ => esc.v4 = has_v4,
    }
    (!ws.is_empty() || esc.v4 || esc.v6).then_some((ws, esc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(inds: &[(Kind, &str)]) -> Database {
        let mut b = Builder::new();
        for &(k, v) in inds {
            let value = match k {
                Kind::Literal => Value::literal(v.as_bytes(), false),
                k => Value::parse(k, v),
            }
            .expect("value");
            b.add(Indicator::new(value, Meta::source("t")))
                .expect("add");
        }
        b.build().expect("build")
    }

    /// What the line prefilter always lets through: `None` when it is not built.
    fn always(d: &Database) -> Option<u8> {
        d.inner.hits.witnesses.as_ref().map(Witnesses::always)
    }

    /// Literals and regexes are left to the prefilter only when every one of them has a
    /// witness of 4 bytes or more; otherwise they are searched in every line (`RAW`
    /// always). Without token witnesses it is built for them alone (token lines all pass)
    /// where the gram loop is the AVX2 one.
    #[test]
    fn literals_and_regexes_in_the_line_prefilter() {
        let dom = (Kind::Domain, "evil.example");
        let lit = (Kind::Literal, "/beacon.bin");
        let re = (Kind::Regex, r"x[0-9]+\.zcrtavvo\.ru");
        assert_eq!(always(&db(&[dom])), Some(RAW));
        assert_eq!(always(&db(&[dom, lit, re])), Some(0));
        assert_eq!(
            always(&db(&[lit, re])),
            witness::avx2().then_some(TOKENS),
            "no token indicators"
        );
        // An inner factor, an alternation; a 4-byte literal (searched apart).
        for long in [
            (Kind::Regex, r"gate[0-9]+\.php\?id=\d+"),
            (Kind::Regex, r"(login|signin)-[a-z]{3,}\.example"),
            (Kind::Literal, "evil"),
        ] {
            assert_eq!(always(&db(&[dom, long])), Some(0), "{long:?}");
        }
        for short in [
            (Kind::Literal, "abc"),
            (Kind::Regex, r"ab[0-9]+"),
            (Kind::Regex, r"^GET /x"),
            (Kind::Regex, r"[a-z]+[0-9]{3}"),
        ] {
            assert_eq!(always(&db(&[dom, lit, re, short])), Some(RAW), "{short:?}");
            assert_eq!(always(&db(&[lit, short])), None, "{short:?}");
        }
        // IPv4 indicators have no witness (lines with a covered dotted quad pass): a /8
        // does not turn the prefilter off.
        assert_eq!(always(&db(&[(Kind::Ip, "10.0.0.0/8"), lit])), Some(0));
        assert_eq!(always(&db(&[(Kind::Ip, "10.0.0.0/8")])), Some(RAW));
        // More literals than the gate takes: searched in every line.
        let many: Vec<String> = (0..300).map(|i| format!("/path-{i:04}.php")).collect();
        let mut v: Vec<(Kind, &str)> = many.iter().map(|p| (Kind::Literal, p.as_str())).collect();
        v.push(dom);
        assert_eq!(always(&db(&v)), Some(RAW));
    }
}
