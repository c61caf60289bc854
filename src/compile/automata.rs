//! Automata for the indicators with no token shape: literals (aho-corasick) and regexes
//! (regex-automata). Only these walk the raw bytes; everything else is tokenize-then-lookup.

use crate::error::{Error, ErrorKind};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::meta::{self, Regex};
use regex_automata::{Input, PatternSet};

/// Literal indicators: one automaton for case-sensitive, one for ASCII-case-insensitive.
pub(crate) struct Literals {
    exact: Option<(AhoCorasick, Vec<u32>)>,
    nocase: Option<(AhoCorasick, Vec<u32>)>,
}

fn build_ac(pats: &[Vec<u8>], nocase: bool) -> Result<AhoCorasick, Error> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(nocase)
        .build(pats)
        .map_err(|e| {
            Error::new(
                ErrorKind::Compile,
                format!("cannot build the literal automaton: {e}"),
            )
        })
}

impl Literals {
    pub(crate) fn build(items: Vec<(Vec<u8>, bool, u32)>) -> Result<Option<Literals>, Error> {
        if items.is_empty() {
            return Ok(None);
        }
        let (mut ep, mut eid, mut np, mut nid) = (vec![], vec![], vec![], vec![]);
        for (bytes, nocase, id) in items {
            if nocase {
                np.push(bytes);
                nid.push(id);
            } else {
                ep.push(bytes);
                eid.push(id);
            }
        }
        let exact = if ep.is_empty() {
            None
        } else {
            Some((build_ac(&ep, false)?, eid))
        };
        let nocase = if np.is_empty() {
            None
        } else {
            Some((build_ac(&np, true)?, nid))
        };
        Ok(Some(Literals { exact, nocase }))
    }

    /// Calls `f(id, start, end)` for every occurrence (overlapping) of every literal.
    pub(crate) fn find(&self, hay: &[u8], mut f: impl FnMut(u32, usize, usize)) {
        for (ac, ids) in [&self.exact, &self.nocase].into_iter().flatten() {
            for m in ac.find_overlapping_iter(hay) {
                f(ids[m.pattern().as_usize()], m.start(), m.end());
            }
        }
    }

    /// Whether any literal occurs in `hay` (for allowlist substring entries).
    pub(crate) fn any(&self, hay: &[u8]) -> bool {
        [&self.exact, &self.nocase]
            .into_iter()
            .flatten()
            .any(|(ac, _)| ac.is_match(hay))
    }
}

/// Regex indicators: a multi-pattern regex tells which patterns match at all; each matching
/// pattern's own regex then finds its spans.
pub(crate) struct Regexes {
    set: Regex,
    each: Vec<Regex>,
    ids: Vec<u32>,
}

/// Per-thread search state for [`Regexes`], kept in the scratch.
#[derive(Default)]
pub(crate) struct RegexCache {
    set: Option<meta::Cache>,
    each: Vec<Option<meta::Cache>>,
    patset: Option<PatternSet>,
}

impl Regexes {
    pub(crate) fn build(
        items: Vec<(String, u32)>,
        per_regex_limit: usize,
        total_limit: usize,
    ) -> Result<Option<Regexes>, Error> {
        if items.is_empty() {
            return Ok(None);
        }
        let mut each = Vec::with_capacity(items.len());
        let mut ids = Vec::with_capacity(items.len());
        let mut pats = Vec::with_capacity(items.len());
        for (p, id) in items {
            each.push(crate::indicator::check_regex(&p, per_regex_limit)?);
            ids.push(id);
            pats.push(p);
        }
        let set = meta::Builder::new()
            .configure(
                meta::Config::new()
                    .match_kind(regex_automata::MatchKind::All)
                    .nfa_size_limit(Some(total_limit))
                    .hybrid_cache_capacity(8 << 20),
            )
            .build_many(&pats)
            .map_err(|e| {
                Error::new(
                    if e.size_limit().is_some() {
                        ErrorKind::LimitExceeded
                    } else {
                        ErrorKind::Compile
                    },
                    format!(
                        "cannot compile the {} regex indicators together: {e}",
                        pats.len()
                    ),
                )
            })?;
        Ok(Some(Regexes { set, each, ids }))
    }

    fn prepare<'c>(&self, c: &'c mut RegexCache) -> (&'c mut meta::Cache, &'c mut PatternSet) {
        if c.each.len() != self.each.len() {
            c.each = (0..self.each.len()).map(|_| None).collect();
        }
        let set = c.set.get_or_insert_with(|| self.set.create_cache());
        let ps = c
            .patset
            .get_or_insert_with(|| PatternSet::new(self.set.pattern_len()));
        (set, ps)
    }

    /// Calls `f(id, start, end)` for each non-overlapping match of each regex.
    pub(crate) fn find(
        &self,
        hay: &[u8],
        cache: &mut RegexCache,
        mut f: impl FnMut(u32, usize, usize),
    ) {
        let (setc, ps) = self.prepare(cache);
        ps.clear();
        self.set
            .which_overlapping_matches_with(setc, &Input::new(hay), ps);
        if ps.is_empty() {
            return;
        }
        let ps = cache.patset.take().unwrap_or_else(|| PatternSet::new(0));
        for pid in ps.iter() {
            let i = pid.as_usize();
            let re = &self.each[i];
            let c = cache.each[i].get_or_insert_with(|| re.create_cache());
            let mut input = Input::new(hay);
            while let Some(m) = re.search_with(c, &input) {
                f(self.ids[i], m.start(), m.end());
                if m.end() >= hay.len() {
                    break;
                }
                // Regexes never match empty (checked at build), so end > start.
                input.set_start(m.end().max(m.start() + 1));
            }
        }
        cache.patset = Some(ps);
    }

    /// Whether any regex matches `hay` (for allowlist regex entries).
    pub(crate) fn any(&self, hay: &[u8], cache: &mut RegexCache) -> bool {
        let (setc, _) = self.prepare(cache);
        self.set.search_half_with(setc, &Input::new(hay)).is_some()
    }
}
