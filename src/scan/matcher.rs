//! Lookups of one observation against the indicator index, then the allowlist.
//!
//! Shared by the line scanner and the packet scanner: every way in produces typed
//! observations and calls [`Database::observe`].

use super::{Scratch, Sighting, Span, Where};
use crate::compile::{Database, Index, IndicatorId, RegexCache, EXACT_FLAG};
use crate::indicator::Kind;
use crate::time::Timestamp;

/// A normalized observation.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Obs<'a> {
    /// An IPv4 address and the port written next to it, if any.
    V4(u32, Option<u16>),
    /// An IPv6 address and port.
    V6(u128, Option<u16>),
    /// A domain: lowercase ASCII, no trailing dot.
    Domain(&'a [u8]),
    /// A URL match key.
    Url(&'a [u8]),
    /// An email match key.
    Email(&'a [u8]),
    /// A binary digest.
    Hash(&'a [u8]),
}

fn hash_kind(len: usize) -> Kind {
    match len {
        16 => Kind::Md5,
        20 => Kind::Sha1,
        32 => Kind::Sha256,
        _ => Kind::Sha512,
    }
}

/// Calls `f(id, kind, port_specific)` for every entry of `idx` matching `obs`.
#[inline]
fn lookup(idx: &Index, obs: Obs<'_>, mut f: impl FnMut(u32, Kind, bool)) {
    match obs {
        Obs::V4(a, p) => idx.ip.lookup_v4(a, p, |id, ps| f(id, Kind::Ip, ps)),
        Obs::V6(a, p) => idx.ip.lookup_v6(a, p, |id, ps| f(id, Kind::Ip, ps)),
        Obs::Domain(name) => {
            if idx.domains.is_empty() {
                return;
            }
            if let Some(v) = idx.domains.get(name) {
                f(v & !EXACT_FLAG, Kind::Domain, false);
            }
            // Parent walk: every proper suffix of two labels or more, subdomain entries only.
            let mut rest = name;
            while let Some(dot) = memchr::memchr(b'.', rest) {
                rest = &rest[dot + 1..];
                if memchr::memchr(b'.', rest).is_none() {
                    break;
                }
                if let Some(v) = idx.domains.get(rest) {
                    if v & EXACT_FLAG == 0 {
                        f(v, Kind::Domain, false);
                    }
                }
            }
        }
        Obs::Url(k) => {
            if let Some(id) = idx.urls.get(k) {
                f(id, Kind::Url, false)
            }
        }
        Obs::Email(k) => {
            if !idx.email_filter.may_contain_name(k) {
                return;
            }
            if let Some(id) = idx.emails.get(k) {
                f(id, Kind::Email, false)
            }
        }
        Obs::Hash(d) => {
            if !idx.hash_filter.may_contain_name(d) {
                return;
            }
            if let Some(id) = idx.hashes.get(d) {
                f(id, hash_kind(d.len()), false)
            }
        }
    }
}

impl Index {
    /// Whether a live entry of this (allowlist) index covers `obs`; `text` is the observed
    /// text for substring / regex entries.
    pub(crate) fn covers(
        &self,
        obs: Obs<'_>,
        text: &[u8],
        now: Timestamp,
        rc: &mut RegexCache,
    ) -> bool {
        let mut hit = false;
        lookup(self, obs, |id, _, _| hit |= self.live(id, now));
        if hit {
            return true;
        }
        if let Obs::Url(k) = obs {
            let host = crate::compile::url_key_host(k);
            if host.first() == Some(&b'[') {
                if let Ok(a) = std::str::from_utf8(&host[1..host.len().saturating_sub(1)])
                    .unwrap_or("")
                    .parse::<std::net::Ipv6Addr>()
                {
                    lookup(self, Obs::V6(u128::from(a), None), |id, _, _| {
                        hit |= self.live(id, now)
                    });
                }
            } else if let Ok(a) = std::str::from_utf8(host)
                .unwrap_or("")
                .parse::<std::net::Ipv4Addr>()
            {
                lookup(self, Obs::V4(u32::from(a), None), |id, _, _| {
                    hit |= self.live(id, now)
                });
            } else {
                lookup(self, Obs::Domain(host), |id, _, _| {
                    hit |= self.live(id, now)
                });
            }
            if hit {
                return true;
            }
        }
        self.raw_covers(text, now, rc)
    }

    /// Whether a live literal entry occurs in `text` or a live regex entry matches it.
    pub(crate) fn raw_covers(&self, text: &[u8], now: Timestamp, rc: &mut RegexCache) -> bool {
        if self.window.is_empty() {
            return self.literals.as_ref().is_some_and(|l| l.any(text))
                || self.regexes.as_ref().is_some_and(|r| r.any(text, rc));
        }
        // Entries with a validity window: only live ones count.
        let mut hit = false;
        if let Some(l) = &self.literals {
            l.find(text, None, |id, _, _| hit |= self.live(id, now));
        }
        if !hit {
            if let Some(r) = &self.regexes {
                r.find(text, rc, false, |id, _, _| hit |= self.live(id, now));
            }
        }
        hit
    }
}

impl Database {
    /// Looks `obs` up and queues a sighting per live, non-allowlisted matching indicator.
    /// `span` covers the observation; `port_span` is reported instead for port-specific IP
    /// indicators (the address with its port, e.g. all of `[2001:db8::1]:443`).
    ///
    /// Inlined: most addresses of a line or packet are no indicator's, and the IPv4 gates
    /// alone say so, in the caller, before the call to the lookup's machinery (on packets,
    /// perf had put 58% of that call's samples on its prologue).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(crate) fn observe(
        &self,
        obs: Obs<'_>,
        text: &[u8],
        span: Span,
        port_span: Span,
        where_seen: Where,
        now: Timestamp,
        s: &mut Scratch,
    ) {
        if let Obs::V4(a, _) = obs {
            if !self.inner.hits.ip.may_cover_v4(a) {
                return;
            }
        }
        self.look_up(obs, text, span, port_span, where_seen, now, s);
    }

    /// [`Database::observe`] past the IPv4 gates.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn look_up(
        &self,
        obs: Obs<'_>,
        text: &[u8],
        span: Span,
        port_span: Span,
        where_seen: Where,
        now: Timestamp,
        s: &mut Scratch,
    ) {
        let inner = &*self.inner;
        let hits = &inner.hits;
        let mark = s.pending.len();
        let pending = &mut s.pending;
        lookup(hits, obs, |id, kind, port_specific| {
            if hits.live(id, now) {
                pending.push(Sighting {
                    indicator: IndicatorId(id),
                    kind,
                    span: if port_specific { port_span } else { span },
                    where_seen,
                });
            }
        });
        if s.pending.len() > mark
            && !inner.allow.is_empty()
            && inner.allow.covers(obs, text, now, &mut s.allow_regex)
        {
            s.pending.truncate(mark);
        }
    }

    /// Searches `hay` for literal and regex indicators, queueing sightings with spans offset
    /// by `base`. `classified`: `s.classes` holds `hay`'s classification (the line scanner
    /// has made it). Allocation-free once the scratch has grown.
    pub(crate) fn observe_raw(
        &self,
        hay: &[u8],
        base: usize,
        where_seen: Where,
        now: Timestamp,
        classified: bool,
        s: &mut Scratch,
    ) {
        let inner = &*self.inner;
        let hits = &inner.hits;
        let mark = s.pending.len();
        let pending = &mut s.pending;
        let mut push = |id: u32, kind: Kind, a: usize, b: usize| {
            if hits.live(id, now) {
                pending.push(Sighting {
                    indicator: IndicatorId(id),
                    kind,
                    span: Span::new(base + a, base + b),
                    where_seen,
                });
            }
        };
        if let Some(l) = &hits.literals {
            let classes = classified.then_some(&s.classes);
            l.find(hay, classes, |id, a, b| push(id, Kind::Literal, a, b));
        }
        if let Some(r) = &hits.regexes {
            // Payloads are often binary: the regexes' gate skips what no literal holds.
            let binary = where_seen == Where::Payload;
            r.find(hay, &mut s.hit_regex, binary, |id, a, b| {
                push(id, Kind::Regex, a, b)
            });
        }
        let allow = &inner.allow;
        if s.pending.len() > mark && (allow.literals.is_some() || allow.regexes.is_some()) {
            let rc = &mut s.allow_regex;
            let mut i = mark;
            while i < s.pending.len() {
                let sp = s.pending[i].span;
                let text = &hay[sp.start - base..sp.end - base];
                if allow.raw_covers(text, now, rc) {
                    s.pending.swap_remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }

    /// Sorts queued sightings by position (then indicator), drops duplicates of the same
    /// (span, indicator) and hands them to `f`; stops early when `f` breaks.
    pub(crate) fn flush<F>(&self, s: &mut Scratch, mut f: F) -> std::ops::ControlFlow<()>
    where
        F: FnMut(&Sighting) -> std::ops::ControlFlow<()>,
    {
        let p = &mut s.pending;
        if p.len() > 1 {
            p.sort_unstable_by_key(|x| (x.span.start, x.span.end, x.indicator, x.where_seen));
            p.dedup_by_key(|x| (x.span, x.indicator, x.where_seen));
        }
        let mut r = std::ops::ControlFlow::Continue(());
        for x in p.iter() {
            r = f(x);
            if r.is_break() {
                break;
            }
        }
        p.clear();
        r
    }
}
