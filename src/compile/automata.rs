//! Automata for the indicators with no token shape: literals (aho-corasick) and regexes
//! (regex-automata). Only these walk the raw bytes; everything else is tokenize-then-lookup.

use super::witness::{Witnesses, GATE_MIN};
use crate::error::{Error, ErrorKind};
use crate::scan::classify::Classes;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::meta::{self, Regex};
use regex_automata::Input;
use regex_syntax::hir::{Hir, HirKind};

/// Literal indicators: one automaton for case-sensitive, one for ASCII-case-insensitive,
/// with overlapping (`Standard`) semantics so that every occurrence of every literal is
/// reported. Overlapping search steps through every byte; when there are few literals
/// (at most [`GATE_MAX`]) a leftmost-first automaton per group of 64 answers "does any
/// literal occur?" first with aho-corasick's SIMD (Teddy) prefilter, and the overlapping
/// pass runs only on lines where one does.
///
/// Without a gate, case-sensitive literals of 4 bytes or more that begin with `/` (URL paths,
/// as maltrail lists them: 93k in the combined feed) are kept apart in [`SlashLiterals`]:
/// tried only at the `/` of the haystack whose first 4 or 8 bytes pass a filter.
pub(crate) struct Literals {
    exact: Option<(AhoCorasick, Vec<u32>)>,
    nocase: Option<(AhoCorasick, Vec<u32>)>,
    gate: Vec<Gate>,
    slash: Option<SlashLiterals>,
}

/// Literals that begin with `/`, at least 4 bytes long, case-sensitive: a trie walk anchored
/// at each `/` of the haystack (an aho-corasick NFA with an anchored start state), behind a
/// filter of their beginnings (first 8 bytes, or first 4 for literals shorter than 8).
///
/// Why: an unanchored overlapping automaton with 93k paths re-enters its trie at every `/`
/// (its prefilter skips to the next `/`, then the walk follows failure links byte by byte):
/// 5.7 instructions per byte of the real logs. Most `/` of a log line (dates, other paths)
/// begin no listed path, and the filter turns those away with two hashes and two bit tests.
/// On the real logs 195k `/` give 44k walks (41k of them begin a listed path for real),
/// 6.7 steps deep on average: 3.3 instructions per byte instead of 6.8 for the literals.
struct SlashLiterals {
    /// One bit per hash of a literal's beginning: the low half of the bits for 4-byte
    /// beginnings, the high half for 8-byte ones (2^20 bits, 128 KiB: about 6% set in the
    /// high half with the combined feed's 33k distinct 8-byte beginnings, 0.1% in the low).
    filter: Vec<u64>,
    nfa: aho_corasick::nfa::contiguous::NFA,
    ids: Vec<u32>,
}

const SLASH_FILTER_BITS: u32 = 20;

impl SlashLiterals {
    /// Whether `lit` belongs in a [`SlashLiterals`] set.
    fn takes(lit: &[u8]) -> bool {
        lit.len() >= 4 && lit[0] == b'/'
    }

    /// The filter bit of a literal's beginning: its first 8 bytes for literals of 8 bytes or
    /// more, its first 4 otherwise, each length in its own half of the filter.
    #[inline(always)]
    fn slot4(b: [u8; 4]) -> usize {
        (u32::from_le_bytes(b).wrapping_mul(0x9e37_79b1) >> (32 - (SLASH_FILTER_BITS - 1))) as usize
    }

    #[inline(always)]
    fn slot8(b: [u8; 8]) -> usize {
        (u64::from_le_bytes(b).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            >> (64 - (SLASH_FILTER_BITS - 1))) as usize
            | 1 << (SLASH_FILTER_BITS - 1)
    }

    #[inline(always)]
    fn has(&self, slot: usize) -> bool {
        self.filter[slot >> 6] >> (slot & 63) & 1 != 0
    }

    fn build(pats: &[Vec<u8>], ids: Vec<u32>) -> Result<SlashLiterals, Error> {
        let mut filter = vec![0u64; 1 << (SLASH_FILTER_BITS - 6)];
        for p in pats {
            let slot = match p.get(..8) {
                Some(b) => Self::slot8(b.try_into().unwrap_or_default()),
                None => Self::slot4([p[0], p[1], p[2], p[3]]),
            };
            filter[slot >> 6] |= 1 << (slot & 63);
        }
        let nfa = aho_corasick::nfa::contiguous::NFA::builder()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(pats)
            .map_err(|e| {
                Error::new(
                    ErrorKind::Compile,
                    format!("cannot build the path literal automaton: {e}"),
                )
            })?;
        Ok(SlashLiterals { filter, nfa, ids })
    }

    /// Calls `f(id, start, end)` for every occurrence of every literal in `hay`. With
    /// `classes` (the line's classification), the `/` come from its slash masks; otherwise
    /// from `each_position`.
    ///
    /// Cost: one filter test per `/`, and a walk as deep as the longest listed path that the
    /// text at that `/` begins. Walks are budgeted at 8 steps per byte of `hay` (plus 1024):
    /// text built to begin long paths at every `/` (`/a/a/a/...` against a listed
    /// `/a/a/.../b`) would otherwise cost the paths' length per byte. Past the budget, the
    /// rest of `hay` is searched by the same automaton unanchored, which is linear.
    fn find(&self, hay: &[u8], classes: Option<&Classes>, f: &mut impl FnMut(u32, usize, usize)) {
        let mut budget = hay.len().saturating_mul(8).saturating_add(1024);
        match classes {
            Some(c) => {
                let n = hay.len().div_ceil(64).min(c.blocks.len());
                let mut step = |p| self.step(hay, p, &mut budget, f);
                for (k, b) in c.blocks[..n].iter().enumerate() {
                    if !crate::scan::classify::each_bit(k * 64, b.slash, &mut step) {
                        return;
                    }
                }
            }
            None => crate::scan::classify::each_position(hay, b'/', |p| {
                self.step(hay, p, &mut budget, f)
            }),
        }
    }

    /// [`SlashLiterals::find`] at the `/` at `p`; false when the search is over (the end of
    /// `hay`, or the budget spent and the rest searched unanchored).
    #[inline(always)]
    fn step(
        &self,
        hay: &[u8],
        p: usize,
        budget: &mut usize,
        f: &mut impl FnMut(u32, usize, usize),
    ) -> bool {
        let Some(&b4) = hay.get(p..).and_then(|t| t.first_chunk::<4>()) else {
            return false;
        };
        let pass = self.has(Self::slot4(b4))
            || hay[p..]
                .first_chunk::<8>()
                .is_some_and(|&b8| self.has(Self::slot8(b8)));
        if pass {
            *budget = budget.saturating_sub(self.walk(hay, p, f));
            if *budget == 0 {
                self.unanchored(hay, p + 1, f);
                return false;
            }
        }
        true
    }

    /// Every occurrence that begins at or after `from`, by an unanchored overlapping search.
    #[cold]
    fn unanchored(&self, hay: &[u8], from: usize, f: &mut impl FnMut(u32, usize, usize)) {
        use aho_corasick::automaton::{Automaton, OverlappingState};
        if from >= hay.len() {
            return;
        }
        let input = aho_corasick::Input::new(hay).span(from..hay.len());
        let mut state = OverlappingState::start();
        // An error is impossible here (`Standard` semantics, an unanchored input).
        while let Ok(()) = self.nfa.try_find_overlapping(&input, &mut state) {
            let Some(m) = state.get_match() else { break };
            f(self.ids[m.pattern().as_usize()], m.start(), m.end());
        }
    }

    /// The walk from the `/` at `p` down the trie of the paths, reporting each path that
    /// begins at `p`; returns its steps (at most the longest path's length).
    #[inline(never)]
    fn walk(&self, hay: &[u8], p: usize, f: &mut impl FnMut(u32, usize, usize)) -> usize {
        use aho_corasick::automaton::Automaton;
        use aho_corasick::Anchored;
        let nfa = &self.nfa;
        let Ok(mut sid) = nfa.start_state(Anchored::Yes) else {
            return 0;
        };
        let mut steps = 0;
        for (i, &byte) in hay[p..].iter().enumerate() {
            sid = nfa.next_state(Anchored::Yes, sid, byte);
            steps = i + 1;
            if nfa.is_special(sid) {
                if nfa.is_dead(sid) {
                    break;
                }
                // A match state also lists the patterns that end here but begin later
                // (its failure states' matches): keep those that begin at `p`.
                for k in 0..nfa.match_len(sid) {
                    let pid = nfa.match_pattern(sid, k);
                    if nfa.pattern_len(pid) == i + 1 {
                        f(self.ids[pid.as_usize()], p, p + i + 1);
                    }
                }
            }
        }
        steps
    }

    fn memory(&self) -> usize {
        self.filter.len() * 8
            + aho_corasick::automaton::Automaton::memory_usage(&self.nfa)
            + self.ids.capacity() * 4
    }
}

/// A yes/no pre-check "does any of these (at most 64) literals occur?". Case-sensitive
/// groups use aho-corasick's packed (Teddy) searcher directly: measured 2–8x faster per
/// line than asking an `AhoCorasick` automaton with the same prefilter, which re-enters the
/// automaton at every candidate. Case-insensitive groups keep the automaton.
enum Gate {
    Packed(aho_corasick::packed::Searcher),
    Ac(AhoCorasick),
}

impl Gate {
    fn build(group: &[&Vec<u8>], nocase: bool) -> Result<Gate, Error> {
        if !nocase {
            let packed = aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(group)
                .build();
            if let Some(p) = packed {
                return Ok(Gate::Packed(p));
            }
        }
        build_ac_kind(group, nocase, MatchKind::LeftmostFirst).map(Gate::Ac)
    }

    #[inline]
    fn is_match(&self, hay: &[u8]) -> bool {
        match self {
            Gate::Packed(p) => p.find(hay).is_some(),
            Gate::Ac(a) => a.is_match(hay),
        }
    }

    fn memory(&self) -> usize {
        match self {
            Gate::Packed(p) => p.memory_usage(),
            Gate::Ac(a) => a.memory_usage(),
        }
    }
}

/// Most literals for which the leftmost-first gate is built (4 groups of 64).
pub(crate) const GATE_MAX: usize = 256;

/// Gates over `pats` in balanced groups of at most 64, one set of groups per literal length of 1, 2,
/// 3 and at least 4 bytes. Teddy filters on the first `min(4, shortest)` bytes of a group:
/// one 3-byte literal among 4-byte ones makes every position that matches any three of
/// those bytes a candidate to verify. Measured on the real logs against the combined feed's
/// regex literals (2 of 3–4 bytes, 94 longer): 1.29 GB/s with the short ones apart, 0.67
/// in two groups of 64 and 32.
fn build_gate(pats: &[Vec<u8>], nocase: bool, into: &mut Vec<Gate>) -> Result<(), Error> {
    for len in 1..=4 {
        let class: Vec<&Vec<u8>> = pats.iter().filter(|p| p.len().min(4) == len).collect();
        // As few groups as 64 allows, of equal size (48 + 46 measured 1.7 GB/s, 64 + 30
        // 1.4, 32 + 32 + 30 1.2).
        let groups = class.len().div_ceil(64).max(1);
        for group in class.chunks(class.len().div_ceil(groups).max(1)) {
            into.push(Gate::build(group, nocase)?);
        }
    }
    Ok(())
}

fn build_ac(pats: &[Vec<u8>], nocase: bool) -> Result<AhoCorasick, Error> {
    build_ac_kind(pats, nocase, MatchKind::Standard)
}

fn build_ac_kind<P: AsRef<[u8]>>(
    pats: &[P],
    nocase: bool,
    kind: MatchKind,
) -> Result<AhoCorasick, Error> {
    AhoCorasickBuilder::new()
        .match_kind(kind)
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
        let ungated = items.len() > GATE_MAX;
        let (mut ep, mut eid, mut np, mut nid) = (vec![], vec![], vec![], vec![]);
        let (mut sp, mut sid) = (vec![], vec![]);
        for (bytes, nocase, id) in items {
            if ungated && !nocase && SlashLiterals::takes(&bytes) {
                sp.push(bytes);
                sid.push(id);
            } else if nocase {
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
        let slash = if sp.is_empty() {
            None
        } else {
            Some(SlashLiterals::build(&sp, sid)?)
        };
        let mut gate = Vec::new();
        if !ungated {
            build_gate(&ep, false, &mut gate)?;
            build_gate(&np, true, &mut gate)?;
        }
        Ok(Some(Literals {
            exact,
            nocase,
            gate,
            slash,
        }))
    }

    /// Calls `f(id, start, end)` for every occurrence (overlapping) of every literal.
    /// `classes`, when given, is `hay`'s classification (it saves finding the `/`).
    pub(crate) fn find(
        &self,
        hay: &[u8],
        classes: Option<&Classes>,
        mut f: impl FnMut(u32, usize, usize),
    ) {
        if !self.gate.is_empty() && !self.gate.iter().any(|g| g.is_match(hay)) {
            return;
        }
        for (ac, ids) in [&self.exact, &self.nocase].into_iter().flatten() {
            for m in ac.find_overlapping_iter(hay) {
                f(ids[m.pattern().as_usize()], m.start(), m.end());
            }
        }
        if let Some(sl) = &self.slash {
            sl.find(hay, classes, &mut f);
        }
    }

    /// Heap bytes of the automata and id lists.
    pub(crate) fn memory(&self) -> usize {
        [&self.exact, &self.nocase]
            .into_iter()
            .flatten()
            .map(|(ac, ids)| ac.memory_usage() + ids.capacity() * 4)
            .sum::<usize>()
            + self.gate.iter().map(Gate::memory).sum::<usize>()
            + self.slash.as_ref().map_or(0, SlashLiterals::memory)
    }

    /// Whether any literal occurs in `hay` (for allowlist substring entries).
    pub(crate) fn any(&self, hay: &[u8]) -> bool {
        if !self.gate.is_empty() {
            return self.gate.iter().any(|g| g.is_match(hay));
        }
        [&self.exact, &self.nocase]
            .into_iter()
            .flatten()
            .any(|(ac, _)| ac.is_match(hay))
            || self.slash.as_ref().is_some_and(|sl| {
                let mut hit = false;
                sl.find(hay, None, &mut |_, _, _| hit = true);
                hit
            })
    }
}

/// Regex indicators, searched the way Hyperscan does it: each regex contributes the literal
/// set that every match must start (or end) with, extracted from its syntax tree; one
/// aho-corasick automaton over all those literals tells which regexes can match a line, and
/// only those run. Regexes anchored at the line's start or end run when the line starts (or
/// ends) with one of their literal prefixes (suffixes) and is not longer than their longest
/// match if anchored at both ends: a byte comparison or two instead of a search. Regexes without a usable literal (fewer than 3 bytes, or too many
/// alternatives) are checked together by one union regex on every line, which is the slow
/// path: the cost of a database is mostly its count of such regexes.
pub(crate) struct Regexes {
    each: Vec<Regex>,
    ids: Vec<u32>,
    /// Distinct literals of the filtered regexes; literal k belongs to the regexes
    /// `owners[owner_at[k]..owner_at[k + 1]]`.
    /// In groups of at most 64 literals: aho-corasick then searches each group with its
    /// SIMD Teddy prefilter instead of stepping through every byte.
    /// (Leftmost-first semantics, which is what Teddy supports; a yes/no answer does not
    /// depend on the semantics.) On a yes, `enumerate` lists every literal occurrence.
    prefilter: Vec<Gate>,
    /// Or, in place of the Teddy passes, a gram filter over the literals (AVX2: see
    /// [`Witnesses::gate`]) when every filtered regex has a set of 5 bytes or more
    /// ([`gate_literals`]). With the combined feed's 21 filtered regexes (callgrind): the
    /// packets of `shared/data/pcap` 72.2M -> 41.0M instructions in all, the real logs'
    /// lines 443M -> 352M; the two Fat Teddy passes had cost about 5 instructions per
    /// byte, the gate (stride 2: `00.pw` is 5 bytes) costs about 2.
    grams: Option<Witnesses>,
    enumerate: Option<AhoCorasick>,
    owner_at: Vec<u32>,
    owners: Vec<u32>,
    /// Regexes anchored at the start or end of the line: a failed search costs about the
    /// pattern's length, not the line's, so they run on every line outside the prefilter.
    anchored: Vec<(u32, Anchor)>,
    /// For up to 64 anchored regexes: bit `k` of `anchor_ends[0][b]` is set when
    /// `anchored[k]` may match a haystack that begins with byte `b` (its prefixes admit `b`,
    /// or it has none), of `anchor_ends[1][b]` one that ends with `b`. One AND of two
    /// words rules out most haystacks for all of them, where each regex's own check costs
    /// about 8 instructions. 4 KiB. With the combined feed's six, its packets went from
    /// 34.61M to 33.98M instructions.
    anchor_ends: Option<Box<[[u64; 256]; 2]>>,
    /// Regexes with no literal, and their union (leftmost-first, for "does any match?").
    always: Vec<u32>,
    always_any: Option<Regex>,
    /// The distinct literals of the filtered regexes (the `enumerate` patterns), until
    /// the compiler takes them for the line prefilter ([`Regexes::take_required`]).
    lits: Vec<Vec<u8>>,
}

/// What a haystack must look like for an anchored regex to match it. Each part is optional
/// (no check when the literal set is infinite or the length unbounded).
struct Anchor {
    /// Anchored at the start: the haystack starts with one of these.
    prefixes: Option<Ends>,
    /// Anchored at the end: the haystack ends with one of these.
    suffixes: Option<Ends>,
    /// Anchored at both ends: the haystack is at most this long.
    max_len: Option<usize>,
}

/// The literals a haystack must begin (or end) with, and the bytes they begin (end) with:
/// most haystacks fail on that byte, before any comparison. Log lines end in bytes (`"`,
/// digits, `-`) that the anchored domain regexes' suffixes (`.top`, `.club`) do not.
/// Measured with the combined feed's six anchored regexes (callgrind): 72 instructions a
/// line fewer on the real logs (351.9M -> 347.2M), 3.5% fewer on its packets.
struct Ends {
    lits: Vec<Vec<u8>>,
    /// Bit `b` set: a literal begins (ends) with byte `b`; all set when one is empty.
    bytes: [u64; 4],
}

impl Ends {
    fn new(lits: Vec<Vec<u8>>, at_start: bool) -> Ends {
        let mut bytes = [0u64; 4];
        for l in &lits {
            match if at_start { l.first() } else { l.last() } {
                Some(&b) => bytes[usize::from(b >> 6)] |= 1 << (b & 63),
                None => bytes = [u64::MAX; 4],
            }
        }
        Ends { lits, bytes }
    }

    /// Whether a literal begins (ends) with byte `b`.
    #[inline]
    fn admits(&self, b: u8) -> bool {
        self.bytes[usize::from(b >> 6)] >> (b & 63) & 1 != 0
    }

    /// Whether `hay` begins (ends) with one of the literals.
    #[inline]
    fn hold(&self, hay: &[u8], at_start: bool) -> bool {
        if at_start {
            hay.first().is_none_or(|&b| self.admits(b))
                && self.lits.iter().any(|p| hay.starts_with(p))
        } else {
            hay.last().is_none_or(|&b| self.admits(b)) && self.lits.iter().any(|x| hay.ends_with(x))
        }
    }
}

impl Anchor {
    fn new(hir: &Hir, at_start: bool, at_end: bool) -> Anchor {
        let props = hir.properties();
        Anchor {
            prefixes: at_start
                .then(|| extract(hir, true))
                .flatten()
                .map(|l| Ends::new(l, true)),
            suffixes: at_end
                .then(|| extract(hir, false))
                .flatten()
                .map(|l| Ends::new(l, false)),
            max_len: if at_start && at_end {
                props.maximum_len()
            } else {
                None
            },
        }
    }

    #[inline]
    fn may_match(&self, hay: &[u8]) -> bool {
        self.max_len.is_none_or(|m| hay.len() <= m)
            && self.prefixes.as_ref().is_none_or(|ps| ps.hold(hay, true))
            && self.suffixes.as_ref().is_none_or(|ss| ss.hold(hay, false))
    }
}

/// The tables of [`Regexes::anchor_ends`], for 1 to 64 anchored regexes.
fn anchor_ends(anchored: &[(u32, Anchor)]) -> Option<Box<[[u64; 256]; 2]>> {
    if anchored.is_empty() || anchored.len() > 64 {
        return None;
    }
    let mut t = Box::new([[0u64; 256]; 2]);
    for (k, (_, a)) in anchored.iter().enumerate() {
        for b in 0..=255u8 {
            let ends = [&a.prefixes, &a.suffixes];
            for (side, e) in ends.into_iter().enumerate() {
                if e.as_ref().is_none_or(|e| e.admits(b)) {
                    t[side][usize::from(b)] |= 1 << k;
                }
            }
        }
    }
    Some(t)
}

/// Per-thread search state for [`Regexes`], kept in the scratch.
#[derive(Default)]
pub(crate) struct RegexCache {
    any: Option<meta::Cache>,
    each: Vec<Option<meta::Cache>>,
    cand: Vec<u32>,
}

/// The literal set every match of `hir` must contain, if it is a good filter: finite, at
/// most 256 literals, none shorter than 3 bytes. The candidates are the sets every match must
/// begin with, end with, or contain (a required factor, see [`factors`]); the most selective
/// one wins.
fn required_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    best_of([extract(hir, true), extract(hir, false), factors(hir, 0)])
}

/// Most literals in one regex's gate set ([`gate_literals`]).
const GATE_SET_MAX: usize = 250;

/// The required literal set for the gram gate ([`Witnesses::gate`]), which takes many
/// literals as cheaply as few but reads fewer positions the longer the shortest one is
/// (stride 4 from 7 bytes, 3 from 6, 2 from [`GATE_MIN`]): as [`required_literals`],
/// plus longer sets of up to [`GATE_SET_MAX`] literals:
/// - the extractor's prefix and suffix sets before regex-syntax trims them for a single
///   Teddy pass: `q(l|r)[0-9]{5,6}\.pw` gets the 100 literals
///   `00.pw` to `99.pw` instead of `.pw`;
/// - across each cut of a top-level concatenation, the suffixes of the left part followed
///   by the prefixes of the right part (every match holds one): `(advert|\w{1,3}xspot)[0-9]`
///   gets `advert0`, ..., `xspot9`, where `xspot` is the best factor alone.
///
/// `None` when the best has a literal under [`GATE_MIN`] bytes.
fn gate_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let mut sets = vec![
        extract(hir, true),
        extract(hir, false),
        extract_whole(hir, true).map(minimal),
        extract_whole(hir, false).map(minimal),
        factors(hir, 0),
    ];
    if let HirKind::Concat(children) = hir.kind() {
        for cut in 1..children.len().min(16) {
            let left = extract_whole(&Hir::concat(children[..cut].to_vec()), false);
            let right = extract_whole(&Hir::concat(children[cut..].to_vec()), true);
            sets.push(left.zip(right).and_then(|(l, r)| cross(&l, &r)));
        }
    }
    // Past 7 bytes the gate reads no fewer positions: then the fewest literals.
    let key = |set: &[Vec<u8>]| (selectivity(set).min(7), std::cmp::Reverse(set.len()));
    let mut best: Option<Vec<Vec<u8>>> = None;
    for set in sets.into_iter().flatten() {
        let fits = !set.is_empty() && set.len() <= GATE_SET_MAX;
        if fits && best.as_ref().is_none_or(|b| key(&set) > key(b)) {
            best = Some(set);
        }
    }
    best.filter(|set| set.iter().all(|l| l.len() >= GATE_MIN))
}

/// Every literal of `left` followed by every literal of `right` (as a minimal set), if
/// there are at most [`GATE_SET_MAX`].
fn cross(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len() * right.len() > GATE_SET_MAX {
        return None;
    }
    let all = left
        .iter()
        .flat_map(|l| right.iter().map(move |r| [&l[..], &r[..]].concat()))
        .collect();
    Some(minimal(all))
}

/// The extractor's literal set (prefixes or suffixes, as they are: not minimal) without
/// the trimming of [`extract`] and up to [`GATE_SET_MAX`] literals; `None` when it is
/// infinite.
fn extract_whole(hir: &Hir, prefix: bool) -> Option<Vec<Vec<u8>>> {
    let seq = extract_seq(hir, prefix, GATE_SET_MAX);
    Some(
        seq.literals()?
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect(),
    )
}

/// regex-syntax's literal sequence of `hir` (prefixes or suffixes), at most `limit`
/// literals.
fn extract_seq(hir: &Hir, prefix: bool, limit: usize) -> regex_syntax::hir::literal::Seq {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let mut ex = Extractor::new();
    ex.kind(if prefix {
        ExtractKind::Prefix
    } else {
        ExtractKind::Suffix
    });
    ex.limit_total(limit);
    ex.extract(hir)
}

/// The best usable set among `sets` (the first of equals).
fn best_of(sets: impl IntoIterator<Item = Option<Vec<Vec<u8>>>>) -> Option<Vec<Vec<u8>>> {
    let mut best: Option<Vec<Vec<u8>>> = None;
    for set in sets.into_iter().flatten().filter(|s| usable(s)) {
        if best.as_ref().is_none_or(|b| better(&set, b)) {
            best = Some(set);
        }
    }
    best
}

fn usable(set: &[Vec<u8>]) -> bool {
    !set.is_empty() && set.len() <= 256 && set.iter().all(|l| l.len() >= 3)
}

/// Whether literal set `a` filters better than `b`: more selective, or as selective with
/// fewer literals.
fn better(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
    (selectivity(a), std::cmp::Reverse(a.len())) > (selectivity(b), std::cmp::Reverse(b.len()))
}

/// The literals every match of `hir` begins (`prefix`) or ends with, from regex-syntax's
/// extractor; `None` when the set is infinite.
fn extract(hir: &Hir, prefix: bool) -> Option<Vec<Vec<u8>>> {
    // (250: regex-syntax's default limit.)
    let mut seq = extract_seq(hir, prefix, 250);
    if prefix {
        seq.optimize_for_prefix_by_preference();
    } else {
        seq.optimize_for_suffix_by_preference();
    }
    let lits = seq.literals()?;
    Some(lits.iter().map(|l| l.as_bytes().to_vec()).collect())
}

/// `set` without the literals that contain another of its literals (a haystack holding the
/// longer one holds the shorter one too).
fn minimal(mut set: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    set.sort_unstable_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    set.dedup();
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(set.len());
    for l in set {
        if !out.iter().any(|o| memchr::memmem::find(&l, o).is_some()) {
            out.push(l);
        }
    }
    out
}

/// A set of literals one of which every match of `hir` contains somewhere (Hyperscan's
/// "required factors"), or `None`:
/// - a concatenation's matches contain the prefix of every suffix of the concatenation, and
///   every child's factors; the best of those is kept;
/// - an alternation's matches contain one factor of the branch that matched, so its factors
///   are the union of its branches' (each branch must have some);
/// - a repetition of at least once has its body's factors.
///
/// Finds `xspot` in `(advert|\w{1,3}xspot)[0-9]+\.com`, where prefixes are infinite
/// and the suffix `.com` is on every web log line.
fn factors(hir: &Hir, depth: usize) -> Option<Vec<Vec<u8>>> {
    if depth > 8 {
        return None;
    }
    match hir.kind() {
        HirKind::Literal(l) => Some(vec![l.0.to_vec()]),
        HirKind::Capture(c) => factors(&c.sub, depth + 1),
        HirKind::Repetition(r) if r.min >= 1 => factors(&r.sub, depth + 1),
        HirKind::Alternation(alts) => {
            let mut all: Vec<Vec<u8>> = Vec::new();
            for a in alts {
                all.extend(best_of([factors(a, depth + 1), extract(a, true)])?);
                if all.len() > 256 {
                    return None;
                }
            }
            Some(minimal(all))
        }
        HirKind::Concat(children) => best_of((0..children.len().min(16)).flat_map(|i| {
            [
                extract(&Hir::concat(children[i..].to_vec()), true),
                factors(&children[i], depth + 1),
            ]
        })),
        _ => None,
    }
}

/// How well a literal set filters log lines: its shortest literal's length, less 3 for
/// literals found on most web log lines (`www.`, `.com`, `http`...), which would make the
/// regex run nearly everywhere.
fn selectivity(set: &[Vec<u8>]) -> usize {
    const COMMON: &[&[u8]] = &[
        b"www.", b".com", b".net", b".org", b"http", b"https", b".html", b"com", b"net", b"org",
        b"www", b"/index",
    ];
    set.iter()
        .map(|l| {
            let common = COMMON.iter().any(|c| l.eq_ignore_ascii_case(c));
            l.len().saturating_sub(if common { 3 } else { 0 })
        })
        .min()
        .unwrap_or(0)
}

/// The distinct literals of `sets` (regex, its literals) in first-seen order, and the
/// regexes of each: literal `k`'s are `owners[owner_at[k]..owner_at[k + 1]]`.
fn owned_literals<'a>(
    sets: impl Iterator<Item = (u32, &'a [Vec<u8>])>,
) -> (Vec<Vec<u8>>, Vec<u32>, Vec<u32>) {
    let mut index: std::collections::HashMap<&[u8], Vec<u32>> = std::collections::HashMap::new();
    let mut order: Vec<&[u8]> = Vec::new();
    for (i, set) in sets {
        for l in set {
            let owners = index.entry(l).or_default();
            if owners.is_empty() {
                order.push(l);
            }
            if owners.last() != Some(&i) {
                owners.push(i);
            }
        }
    }
    let mut owner_at = vec![0u32];
    let mut owners = Vec::new();
    for l in &order {
        owners.extend_from_slice(&index[l]);
        owner_at.push(owners.len() as u32);
    }
    (
        order.into_iter().map(<[u8]>::to_vec).collect(),
        owner_at,
        owners,
    )
}

fn union(pats: &[&str], limit: usize) -> Result<Regex, Error> {
    meta::Builder::new()
        .syntax(crate::indicator::regex_syntax_config())
        .configure(
            meta::Config::new()
                .match_kind(regex_automata::MatchKind::LeftmostFirst)
                .nfa_size_limit(Some(limit))
                .hybrid_cache_capacity(8 << 20),
        )
        .build_many(pats)
        .map_err(|e| {
            let k = if e.size_limit().is_some() {
                ErrorKind::LimitExceeded
            } else {
                ErrorKind::Compile
            };
            Error::new(
                k,
                format!(
                    "cannot compile the {} regex indicators without literals together: {e}",
                    pats.len()
                ),
            )
        })
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
        // (regex, its required literals, its gate literals if it has some)
        type Sets = (u32, Vec<Vec<u8>>, Option<Vec<Vec<u8>>>);
        let mut filtered: Vec<Sets> = Vec::new();
        let mut anchored = Vec::new();
        let mut always = Vec::new();
        let mut always_pats = Vec::new();
        let mut total = 0usize;
        for (i, (p, id)) in items.iter().enumerate() {
            let re = crate::indicator::check_regex(p, per_regex_limit)?;
            total += re.memory_usage();
            if total > total_limit {
                return Err(Error::new(
                    ErrorKind::LimitExceeded,
                    format!("regex indicators use more than {total_limit} bytes together (Limits::regex_total_size_limit)"),
                ));
            }
            each.push(re);
            ids.push(*id);
            let hir = regex_automata::util::syntax::parse_with(
                p,
                &crate::indicator::regex_syntax_config(),
            )
            .map_err(|e| Error::invalid("regex", p, e))?;
            let props = hir.properties();
            let at_start = props
                .look_set_prefix()
                .contains(regex_syntax::hir::Look::Start);
            let at_end = props
                .look_set_suffix()
                .contains(regex_syntax::hir::Look::End);
            if at_start || at_end {
                anchored.push((i as u32, Anchor::new(&hir, at_start, at_end)));
                continue;
            }
            match required_literals(&hir) {
                Some(ls) => filtered.push((i as u32, ls, gate_literals(&hir))),
                None => {
                    always.push(i as u32);
                    always_pats.push(p.as_str());
                }
            }
        }
        // The gram gate over the gate literals where every filtered regex has them and
        // the gate builds; otherwise Teddy passes over the required literals.
        let gate_sets = filtered
            .iter()
            .map(|f| f.2.as_deref())
            .collect::<Option<Vec<_>>>();
        let grams = gate_sets
            .as_ref()
            .and_then(|sets| Witnesses::gate(sets.concat()));
        let (lits, owner_at, owners) = owned_literals(filtered.iter().map(|f| {
            let set = if grams.is_some() {
                f.2.as_deref()
            } else {
                None
            };
            (f.0, set.unwrap_or(&f.1))
        }));
        let ac_err = |e: aho_corasick::BuildError| {
            Error::new(
                ErrorKind::Compile,
                format!("cannot build the regex prefilter: {e}"),
            )
        };
        let mut prefilter = Vec::new();
        if grams.is_none() {
            build_gate(&lits, false, &mut prefilter)?;
        }
        let enumerate = if lits.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                    .build(&lits)
                    .map_err(ac_err)?,
            )
        };
        let always_any = if always_pats.is_empty() {
            None
        } else {
            Some(union(&always_pats, total_limit)?)
        };
        Ok(Some(Regexes {
            each,
            ids,
            prefilter,
            grams,
            enumerate,
            owner_at,
            owners,
            anchor_ends: anchor_ends(&anchored),
            anchored,
            always,
            always_any,
            lits,
        }))
    }

    /// Literals one of which every match of every regex contains, if there are such:
    /// `None` when a regex is anchored or has no usable literal (see [`required_literals`]).
    /// Moved out: the database does not keep them.
    pub(crate) fn take_required(&mut self) -> Option<Vec<Vec<u8>>> {
        let lits = std::mem::take(&mut self.lits);
        (self.anchored.is_empty() && self.always.is_empty()).then_some(lits)
    }

    /// Fills `cache.cand` with the regexes that may match `hay` (sorted, distinct).
    /// `binary`: see [`Witnesses::gate_passes`].
    fn candidates(&self, hay: &[u8], cache: &mut RegexCache, binary: bool) {
        cache.cand.clear();
        if let Some(en) = self.enumerate.as_ref().filter(|_| match &self.grams {
            Some(g) => g.gate_passes(hay, binary),
            None => self.prefilter.iter().any(|g| g.is_match(hay)),
        }) {
            {
                for m in en.find_overlapping_iter(hay) {
                    let k = m.pattern().as_usize();
                    let (a, b) = (self.owner_at[k] as usize, self.owner_at[k + 1] as usize);
                    cache.cand.extend_from_slice(&self.owners[a..b]);
                }
            }
        }
        let mut anchored = |(i, a): &(u32, Anchor)| {
            if a.may_match(hay) {
                cache.cand.push(*i);
            }
        };
        match (&self.anchor_ends, hay.first(), hay.last()) {
            (Some(t), Some(&a), Some(&z)) => {
                let mut m = t[0][usize::from(a)] & t[1][usize::from(z)];
                while m != 0 {
                    anchored(&self.anchored[m.trailing_zeros() as usize]);
                    m &= m - 1;
                }
            }
            _ => self.anchored.iter().for_each(anchored),
        }
        if let Some(u) = &self.always_any {
            let c = cache.any.get_or_insert_with(|| u.create_cache());
            if u.search_half_with(c, &Input::new(hay).earliest(true))
                .is_some()
            {
                cache.cand.extend_from_slice(&self.always);
            }
        }
        if cache.cand.len() > 1 {
            cache.cand.sort_unstable();
            cache.cand.dedup();
        }
        if cache.each.len() != self.each.len() {
            cache.each = (0..self.each.len()).map(|_| None).collect();
        }
    }

    /// Calls `f(id, start, end)` for each non-overlapping match of each regex. `binary`:
    /// `hay` is a packet payload, likely to hold bytes that no regex literal has (the gate
    /// then skips them: see [`Witnesses::gate_passes`]).
    pub(crate) fn find(
        &self,
        hay: &[u8],
        cache: &mut RegexCache,
        binary: bool,
        mut f: impl FnMut(u32, usize, usize),
    ) {
        self.candidates(hay, cache, binary);
        for k in 0..cache.cand.len() {
            let i = cache.cand[k] as usize;
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
    }

    /// Heap bytes of the compiled regexes and prefilters (not the per-thread caches).
    pub(crate) fn memory(&self) -> usize {
        self.each.iter().map(Regex::memory_usage).sum::<usize>()
            + self.prefilter.iter().map(Gate::memory).sum::<usize>()
            + self.anchor_ends.as_ref().map_or(0, |_| 4096)
            + self.grams.as_ref().map_or(0, Witnesses::memory)
            + self.enumerate.as_ref().map_or(0, AhoCorasick::memory_usage)
            + self.always_any.as_ref().map_or(0, Regex::memory_usage)
            + (self.ids.capacity() + self.owner_at.capacity() + self.owners.capacity()) * 4
            + self.lits.iter().map(|l| l.capacity() + 24).sum::<usize>()
    }

    /// Whether any regex matches `hay` (for allowlist regex entries).
    pub(crate) fn any(&self, hay: &[u8], cache: &mut RegexCache) -> bool {
        self.candidates(hay, cache, false);
        (0..cache.cand.len()).any(|k| {
            let i = cache.cand[k] as usize;
            let re = &self.each[i];
            let c = cache.each[i].get_or_insert_with(|| re.create_cache());
            re.search_half_with(c, &Input::new(hay).earliest(true))
                .is_some()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gates (packed searcher or automaton, one or several groups of 64) never hide an
    /// occurrence: every literal is found at every position of short and long lines.
    #[test]
    fn gates_find_every_literal_anywhere() {
        for n in [1usize, 3, 64, 65, 200] {
            for nocase in [false, true] {
                let items: Vec<(Vec<u8>, bool, u32)> = (0..n)
                    .map(|i| {
                        (
                            format!("/x{i}-{}.bin", i * 7919).into_bytes(),
                            nocase,
                            i as u32,
                        )
                    })
                    .collect();
                let lits = Literals::build(items.clone()).unwrap().unwrap();
                for (pat, _, id) in &items {
                    for pad in [0usize, 1, 15, 40, 100] {
                        let mut line = vec![b'a'; pad];
                        let mut p = pat.clone();
                        if nocase {
                            p.make_ascii_uppercase();
                        }
                        line.extend_from_slice(&p);
                        line.extend_from_slice(b" tail");
                        assert!(lits.any(&line), "{n} literals, nocase {nocase}, pad {pad}");
                        let mut found = vec![];
                        lits.find(&line, None, |i, a, b| found.push((i, a, b)));
                        assert!(found.contains(&(*id, pad, pad + pat.len())), "{found:?}");
                    }
                }
                assert!(!lits.any(b"/x-nothing.bin and more bytes than sixteen"));
            }
        }
    }

    /// The literal set `of` gives regex `p`, as strings.
    fn set_of(p: &str, of: fn(&Hir) -> Option<Vec<Vec<u8>>>) -> Option<Vec<String>> {
        let hir =
            regex_automata::util::syntax::parse_with(p, &crate::indicator::regex_syntax_config())
                .unwrap();
        of(&hir).map(|s| {
            s.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        })
    }

    #[test]
    fn required_factors_inside_alternations() {
        let lits = |p: &str| set_of(p, required_literals);
        // Prefixes are infinite (`\w{1,3}`), the suffix `.com` is everywhere: the factors
        // `advert` (which covers `advertmarin`) and `xspot` are required instead.
        assert_eq!(
            lits(r"(advert|advertmarin|\w{1,3}xspot)[0-9]+\.com").unwrap(),
            ["xspot", "advert"]
        );
        assert_eq!(lits(r"[a-z]+(evilcorp)+[0-9]*").unwrap(), ["evilcorp"]);
        assert_eq!(
            lits(r"x{2}[0-9]+(abcd|[a-z]*efgh)").unwrap(),
            ["abcd", "efgh"]
        );
        // A branch without any literal of 3 bytes: no factor set.
        assert_eq!(lits(r"[0-9]+(abcd|[a-z]+)[0-9]+"), None);
        // An optional part is not required.
        assert_eq!(lits(r"[0-9]+(abcdef)?[0-9]+"), None);
    }

    /// The gram gate's literal sets: longer than the Teddy passes' where the extractor's
    /// untrimmed sets or a cut of the concatenation give them, none under 5 bytes.
    #[test]
    fn gate_literal_sets() {
        let lits = |p: &str| {
            set_of(p, gate_literals).map(|mut s| {
                s.sort();
                s
            })
        };
        let pw = lits(r"q(l|r)[0-9]{5,6}\.pw").unwrap();
        assert_eq!(pw.len(), 100);
        assert_eq!((pw[0].as_str(), pw[99].as_str()), ("00.pw", "99.pw"));
        // The suffixes of the alternation, then a digit: `xspot` alone is 5 bytes.
        let ad = lits(r"(advert|advertmarin|\w{1,3}xspot)[0-9][a-z]+\.com").unwrap();
        assert_eq!(ad.len(), 30);
        assert!(ad.contains(&"advert7".to_string()) && ad.contains(&"xspot0".to_string()));
        // Past 7 bytes, the fewest literals.
        assert_eq!(lits(r"vh[0-9]{6}\.eurodir\.ru").unwrap(), [".eurodir.ru"]);
        // Nothing of 5 bytes: no gate set.
        assert_eq!(lits(r"x{2}[0-9]+(abcd|[a-z]*efgh)"), None);
    }

    /// The prefilter never hides a match: every regex run alone and through [`Regexes`]
    /// finds the same matches on haystacks made of the regexes' own fragments. Twice:
    /// with Teddy passes (a regex's literals are 4 bytes: no gram gate), and, on AVX2
    /// machines, with the gram gate (the same regexes without that one).
    #[test]
    fn regex_prefilter_agrees_with_plain_search() {
        let pats = [
            r"(advert|advertmarin|\w{1,3}xspot)[0-9][0-9a-z]+\.(com|club)",
            r"[a-z]{1}\.appjiagu\.com",
            r"q(l|r)[0-9]{5,6}\.pw",
            r"^[a-z]{1,3}-leboncoin\.(com|top)$",
            r"www\.[a-z]{2}-[a-z]{2,3}\.(top|club)$",
            r"[a-z]+(evilcorp)+[0-9]*",
            r"(?i)MiXeD[0-9]{2}caSe",
            r"[0-9]+(abcd|[a-z]+)[0-9]+",
            r"x{2}[0-9]+(abcd|[a-z]*efgh)",
        ];
        assert!(!prefilter_agrees_with_plain_search(&pats));
        let gated = prefilter_agrees_with_plain_search(&pats[..pats.len() - 1]);
        assert_eq!(gated, Witnesses::gate(vec![b"abcdef".to_vec()]).is_some());
    }

    /// [`regex_prefilter_agrees_with_plain_search`] for `pats`; whether the gram gate ran.
    fn prefilter_agrees_with_plain_search(pats: &[&str]) -> bool {
        let items = pats
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_string(), i as u32))
            .collect();
        let re = Regexes::build(items, 1 << 20, 1 << 26).unwrap().unwrap();
        let plain: Vec<Regex> = pats
            .iter()
            .map(|p| crate::indicator::check_regex(p, 1 << 20).unwrap())
            .collect();
        let frags = [
            "advert",
            "advertmarin",
            "zzxspot",
            "xspot",
            "7",
            "7a",
            "b",
            ".com",
            ".club",
            "q",
            "l",
            "12345",
            "6",
            ".pw",
            "x.appjiagu.com",
            "ab-leboncoin.top",
            "www.",
            "ab-cde",
            ".top",
            "xx",
            "9",
            "abcd",
            "efgh",
            "evilcorp",
            "mixed",
            "MIXED",
            "42",
            "CASE",
            " ",
            "-",
        ];
        let mut cache = RegexCache::default();
        let mut check = |hay: &str| {
            let mut want = vec![];
            for (i, r) in plain.iter().enumerate() {
                for m in r.find_iter(hay.as_bytes()) {
                    want.push((i as u32, m.start(), m.end()));
                }
            }
            let mut got = vec![];
            re.find(hay.as_bytes(), &mut cache, false, |id, a, b| {
                got.push((id, a, b))
            });
            let mut as_payload = vec![];
            re.find(hay.as_bytes(), &mut cache, true, |id, a, b| {
                as_payload.push((id, a, b))
            });
            as_payload.sort_unstable();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{hay}");
            assert_eq!(as_payload, want, "{hay}");
            assert_eq!(
                re.any(hay.as_bytes(), &mut cache),
                !want.is_empty(),
                "{hay}"
            );
            !want.is_empty()
        };
        // Anchored regexes: whole haystacks, one byte more or less at either end.
        let mut hits = 0;
        for hay in [
            "a-leboncoin.com",
            "abc-leboncoin.top",
            "abcd-leboncoin.top",
            "abc-leboncoin.topx",
            "-leboncoin.top",
            "www.ab-cde.club",
            "xwww.ab-cde.club",
            "www.ab-cde.club ",
            "www.ab-cd.top",
            "www.ab-cd.to",
        ] {
            hits += usize::from(check(hay));
        }
        assert_eq!(hits, 5);
        let mut seed = 7u64;
        for _ in 0..20_000 {
            let mut hay = String::new();
            for _ in 0..(seed % 9) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                hay.push_str(frags[(seed >> 33) as usize % frags.len()]);
            }
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            hits += usize::from(check(&hay));
        }
        assert!(hits > 1000, "{hits}");
        re.grams.is_some()
    }

    /// 300 filler paths `/p{i}/x` and `extra`, case-sensitive, ids by position: more
    /// literals than the gate takes, so the paths go to the slash-anchored walk.
    fn path_literals(extra: &[&str]) -> (Vec<String>, Literals) {
        let mut pats: Vec<String> = (0..300).map(|i| format!("/p{i}/x")).collect();
        pats.extend(extra.iter().map(|p| p.to_string()));
        let items = pats
            .iter()
            .enumerate()
            .map(|(i, p)| (p.as_bytes().to_vec(), false, i as u32))
            .collect();
        let lits = Literals::build(items).unwrap().unwrap();
        (pats, lits)
    }

    /// Every occurrence of every pattern in `hay`, overlapping, as sorted `(id, start, end)`.
    fn occurrences(pats: &[String], hay: &str) -> Vec<(u32, usize, usize)> {
        let mut v = vec![];
        for (i, p) in pats.iter().enumerate() {
            for at in 0..hay.len() {
                if hay.as_bytes()[at..].starts_with(p.as_bytes()) {
                    v.push((i as u32, at, at + p.len()));
                }
            }
        }
        v.sort_unstable();
        v
    }

    /// More literals than the gate takes: paths go to the slash-anchored walk, and every
    /// occurrence is found with its own span, including paths that end where a longer one
    /// does and paths that are prefixes of others.
    #[test]
    fn slash_literals_find_every_occurrence() {
        let (pats, lits) =
            path_literals(&["/a/b/c", "/b/c", "/a/b", "/ab", "/abc", "/x/a", "a/b/"]);
        assert!(lits.slash.is_some() && lits.gate.is_empty());
        for hay in [
            "x/a/b/c/d /p12/x/p7/x",
            "/abc",
            "//a/b/c",
            "/a/b",
            "/a/",
            "/p299/x/a/b/c",
        ] {
            let want = occurrences(&pats, hay);
            let mut got = vec![];
            lits.find(hay.as_bytes(), None, |id, a, b| got.push((id, a, b)));
            got.sort_unstable();
            assert_eq!(got, want, "{hay}");
            assert_eq!(lits.any(hay.as_bytes()), !want.is_empty(), "{hay}");
        }
    }

    /// Text that begins a long listed path at every `/` exhausts the walk budget; the rest
    /// is searched unanchored, and every occurrence is still reported exactly once.
    #[test]
    fn slash_literals_past_the_walk_budget() {
        let long = format!("{}/b", "/a".repeat(60));
        let (pats, lits) = path_literals(&[&long, "/a/a", "/a/a/a/a/a/a", "/a/a/b"]);
        let sl = lits.slash.as_ref().unwrap();
        for hay in [
            "/a".repeat(5000) + "/b",
            "x".to_string() + &"/a".repeat(3000),
        ] {
            // Without the budget the walks would take about 120 steps per `/`.
            let mut steps = 0;
            for p in memchr::memchr_iter(b'/', hay.as_bytes()) {
                steps += sl.walk(hay.as_bytes(), p, &mut |_, _, _| {});
            }
            assert!(steps > 8 * hay.len() + 1024, "{steps}");
            let want = occurrences(&pats, &hay);
            for classes in [false, true] {
                let mut c = Classes::default();
                c.classify(hay.as_bytes());
                let mut got = vec![];
                lits.find(hay.as_bytes(), classes.then_some(&c), |id, a, b| {
                    got.push((id, a, b))
                });
                got.sort_unstable();
                assert_eq!(got.len(), want.len());
                assert!(got == want, "classes {classes}");
            }
        }
    }

    #[test]
    fn regex_prefilter_keeps_every_match() {
        let items: Vec<(String, u32)> = (0..70)
            .map(|i| (format!(r"ab{i}[0-9]{{2,3}}\.evil{i}\.ru"), i as u32))
            .collect();
        let re = Regexes::build(items, 1 << 20, 1 << 26).unwrap().unwrap();
        let mut cache = RegexCache::default();
        for i in [0u32, 33, 64, 69] {
            for pad in [0usize, 5, 50] {
                let line = format!("{}ab{i}123.evil{i}.ru x", "z".repeat(pad));
                let mut found = vec![];
                re.find(line.as_bytes(), &mut cache, false, |id, a, _| {
                    found.push((id, a))
                });
                assert_eq!(found, [(i, pad)], "{line}");
            }
        }
        assert!(!re.any(b"ab1x23.evil1.ru", &mut cache));
    }
}
