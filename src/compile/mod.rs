//! Compiling indicators: [`Builder`] → immutable [`Database`].
//!
//! The builder validates, merges (same kind and value from several sources becomes one
//! indicator with merged metadata) and partitions indicators by kind. `build` produces:
//! prefix tables for IPv4/IPv6 that report every covering network, keyed hash sets for
//! domains (probed once per parent label), URLs, emails and digests, aho-corasick automata
//! for literals and a multi-pattern regex for regexes. The allowlist is compiled the same way
//! into a second index.

mod automata;
mod exact;
mod ipset;

pub(crate) use automata::RegexCache;
pub(crate) use exact::EXACT_FLAG;

use crate::error::{Error, ErrorKind};
use crate::indicator::{Indicator, Kind, Value, DEFAULT_REGEX_SIZE_LIMIT};
use crate::time::Timestamp;
use automata::{Literals, Regexes};
use exact::ExactMap;
use ipnet::IpNet;
use ipset::{IpSet, Net};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

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
/// assert_eq!(db.indicators()[0].meta.sources, ["a", "b"]);
/// ```
#[derive(Default, Clone)]
pub struct Builder {
    limits: Limits,
    hits: Collection,
    allow: Collection,
}

#[derive(Default, Clone)]
struct Collection {
    by_value: HashMap<Value, u32>,
    list: Vec<Indicator>,
}

impl Collection {
    fn add(&mut self, ind: Indicator, limits: &Limits) -> Result<IndicatorId, Error> {
        if let Some(&i) = self.by_value.get(&ind.value) {
            let cur = &mut self.list[i as usize];
            cur.meta.merge(&ind.meta);
            cur.exact &= ind.exact;
            return Ok(IndicatorId(i));
        }
        if self.list.len() >= limits.max_indicators {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "more than {} indicators (Limits::max_indicators)",
                    limits.max_indicators
                ),
            ));
        }
        if let Value::Regex(p) = &ind.value {
            crate::indicator::check_regex(p, limits.regex_size_limit)?;
        }
        let i = self.list.len() as u32;
        self.by_value.insert(ind.value.clone(), i);
        self.list.push(ind);
        Ok(IndicatorId(i))
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
    /// entries observations they match.
    pub fn add_allow(&mut self, ind: Indicator) -> Result<(), Error> {
        self.allow.add(ind, &self.limits).map(|_| ())
    }

    /// Number of distinct indicators so far.
    pub fn len(&self) -> usize {
        self.hits.list.len()
    }

    /// Whether no indicator was added.
    pub fn is_empty(&self) -> bool {
        self.hits.list.is_empty()
    }

    /// Number of distinct allowlist entries so far.
    pub fn allow_len(&self) -> usize {
        self.allow.list.len()
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
        let hits = Index::build(&self.hits.list, &self.limits)?;
        let allow = Index::build(&self.allow.list, &self.limits)?;
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Ok(Database {
            inner: Arc::new(Inner {
                uid: NEXT.fetch_add(1, Ordering::Relaxed),
                indicators: self.hits.list,
                allow_list: self.allow.list,
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
    pub(crate) indicators: Vec<Indicator>,
    pub(crate) allow_list: Vec<Indicator>,
    pub(crate) hits: Index,
    pub(crate) allow: Index,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("indicators", &self.len())
            .field("allow", &self.inner.allow_list.len())
            .finish()
    }
}

impl Database {
    /// An empty database (matches nothing).
    pub fn empty() -> Database {
        Builder::new()
            .into_database()
            .unwrap_or_else(|_| unreachable_empty())
    }

    /// The indicator with id `id`, if any.
    pub fn indicator(&self, id: IndicatorId) -> Option<&Indicator> {
        self.inner.indicators.get(id.index())
    }

    /// All indicators, indexed by id.
    pub fn indicators(&self) -> &[Indicator] {
        &self.inner.indicators
    }

    /// All allowlist entries.
    pub fn allowlist(&self) -> &[Indicator] {
        &self.inner.allow_list
    }

    /// Number of indicators.
    pub fn len(&self) -> usize {
        self.inner.indicators.len()
    }

    /// Whether there is no indicator.
    pub fn is_empty(&self) -> bool {
        self.inner.indicators.is_empty()
    }

    /// Number of indicators of each kind, in [`Kind::ALL`] order.
    pub fn count_by_kind(&self) -> Vec<(Kind, usize)> {
        let mut n = [0usize; 10];
        for i in &self.inner.indicators {
            n[i.kind() as usize] += 1;
        }
        Kind::ALL.iter().map(|&k| (k, n[k as usize])).collect()
    }

    /// A number unique to this database within the process (scratches use it to notice that
    /// they are being used with a different database).
    pub fn uid(&self) -> u64 {
        self.inner.uid
    }
}

fn unreachable_empty() -> Database {
    // Building an empty collection cannot fail: no automaton is built. Kept panic-free anyway.
    Database {
        inner: Arc::new(Inner {
            uid: 0,
            indicators: Vec::new(),
            allow_list: Vec::new(),
            hits: Index::default(),
            allow: Index::default(),
        }),
    }
}

/// The compiled lookup structures of one collection (indicators or allowlist).
#[derive(Default)]
pub(crate) struct Index {
    pub(crate) ip: IpSet,
    pub(crate) domains: ExactMap,
    pub(crate) urls: ExactMap,
    pub(crate) emails: ExactMap,
    /// Keyed by the binary digest: the length tells the algorithm apart.
    pub(crate) hashes: ExactMap,
    pub(crate) literals: Option<Literals>,
    pub(crate) regexes: Option<Regexes>,
    /// (valid_from, valid_until) per id, seconds; unbounded sides are i64::MIN / i64::MAX.
    pub(crate) window: Vec<(i64, i64)>,
    /// Whether any entry has a validity window (else the check is skipped).
    pub(crate) any_window: bool,
}

impl Index {
    fn build(list: &[Indicator], limits: &Limits) -> Result<Index, Error> {
        let mut x = Index::default();
        let mut nets = Vec::new();
        let mut lits = Vec::new();
        let mut res = Vec::new();
        for (i, ind) in list.iter().enumerate() {
            let id = i as u32;
            let from = ind.meta.valid_from.unwrap_or(Timestamp::MIN).0;
            let until = ind.meta.valid_until.unwrap_or(Timestamp::MAX).0;
            x.any_window |= from != i64::MIN || until != i64::MAX;
            x.window.push((from, until));
            match &ind.value {
                Value::Ip { net, port } => {
                    let n = match net {
                        IpNet::V4(n) => Net::V4(u32::from(n.network()), n.prefix_len()),
                        IpNet::V6(n) => Net::V6(u128::from(n.network()), n.prefix_len()),
                    };
                    nets.push((n, port.unwrap_or(0), id));
                }
                Value::Domain(d) => x
                    .domains
                    .insert(d.as_bytes(), if ind.exact { id | EXACT_FLAG } else { id }),
                Value::Url(u) => x.urls.insert(u.as_bytes(), id),
                Value::Email(e) => x.emails.insert(e.as_bytes(), id),
                Value::Hash { digest, .. } => x.hashes.insert(digest, id),
                Value::Literal { bytes, nocase } => lits.push((bytes.clone(), *nocase, id)),
                Value::Regex(p) => res.push((p.clone(), id)),
            }
        }
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
        if !self.any_window {
            return true;
        }
        let (f, u) = self.window[id as usize];
        now.0 >= f && now.0 < u
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
}
