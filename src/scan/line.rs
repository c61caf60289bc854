//! The log-line scanner: finds every observation of SPEC §2 in one line.
//!
//! One SIMD pass ([`super::classify`]) turns the line into class bitmasks, 64 bytes to a
//! word. Each token family is then anchored on the bytes every member of it must contain,
//! taken from the masks: `.` and `:` for addresses and names (only the token runs holding
//! one are visited, their ends and flags found with bit operations), `://` (a colon and two
//! slashes) for URLs, all-hex 16-byte chunks for digests (any run of 32 or more hex digits
//! holds one), `@` (memchr) for emails. Name candidates are checked against the domain
//! filter in one batch per line with prefetched probes. Families with no indicator in the
//! database are not scanned.

use super::{Obs, Scratch, Sighting, Span, Where};
use crate::compile::{BlockSearch, Database, RAW, TOKENS};
use crate::indicator::{normalize, Kind};
use crate::time::Timestamp;
use memchr::memchr_iter;
use std::ops::ControlFlow;

use super::classify::{
    Block, Classes, F_COLON as C_COLON, F_COLON2 as C_COLON2, F_DIGIT as C_DIGIT, F_DOT as C_DOT,
    F_DOTDOT as C_DOTDOT, F_HIGH as C_HIGH,
};

/// A byte of a name run: ASCII letter, digit, `-`, `_`, or part of a non-ASCII character.
#[inline]
fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b >= 0x80
}

/// The char ending just before `i` (UTF-8 decoded), if any.
fn char_before(line: &[u8], i: usize) -> Option<char> {
    let start = i.saturating_sub(4);
    (start..i).find_map(|s| {
        std::str::from_utf8(&line[s..i])
            .ok()
            .and_then(|t| t.chars().next_back())
    })
}

/// The char starting at `i`, if any.
fn char_at(line: &[u8], i: usize) -> Option<char> {
    let end = (i + 4).min(line.len());
    (i + 1..=end).find_map(|e| {
        std::str::from_utf8(&line[i..e])
            .ok()
            .and_then(|t| t.chars().next())
    })
}

/// Whether the byte before `i` is a letter or digit (Unicode-aware) or, with `underscore`, `_`.
#[inline]
fn word_before(line: &[u8], i: usize, underscore: bool) -> bool {
    if i == 0 {
        return false;
    }
    let b = line[i - 1];
    if b < 0x80 {
        return b.is_ascii_alphanumeric() || (underscore && b == b'_');
    }
    char_before(line, i).is_some_and(char::is_alphanumeric)
}

/// Whether the byte at `i` is a letter or digit (Unicode-aware) or, with `underscore`, `_`.
#[inline]
fn word_at(line: &[u8], i: usize, underscore: bool) -> bool {
    if i >= line.len() {
        return false;
    }
    let b = line[i];
    if b < 0x80 {
        return b.is_ascii_alphanumeric() || (underscore && b == b'_');
    }
    char_at(line, i).is_some_and(char::is_alphanumeric)
}

/// Writes `v`'s `Display` form into `buf` (large enough for any IP address) and returns it.
fn display(buf: &mut [u8; 64], v: impl std::fmt::Display) -> &[u8] {
    use std::io::Write;
    let mut w = &mut buf[..];
    let _ = write!(w, "{v}");
    let n = 64 - w.len();
    &buf[..n]
}

/// Parses a dotted quad at `i`: four decimal octets 0–255 without leading zeros.
/// Returns (address, end).
#[inline]
fn dotted_quad(line: &[u8], i: usize) -> Option<(u32, usize)> {
    let mut addr = 0u32;
    let mut p = i;
    for k in 0..4 {
        if k > 0 {
            if line.get(p) != Some(&b'.') {
                return None;
            }
            p += 1;
        }
        let s = p;
        let mut v = 0u32;
        while p < line.len() && line[p].is_ascii_digit() && p - s < 4 {
            v = v * 10 + u32::from(line[p] - b'0');
            p += 1;
        }
        let n = p - s;
        if n == 0 || n > 3 || v > 255 || (n > 1 && line[s] == b'0') {
            return None;
        }
        addr = addr << 8 | v;
    }
    Some((addr, p))
}

/// A port written as `:digits` at `i` (1–5 digits, at most 65535, not followed by a digit).
/// Returns (port, end).
#[inline]
fn port_at(line: &[u8], i: usize) -> Option<(u16, usize)> {
    if line.get(i) != Some(&b':') {
        return None;
    }
    let s = i + 1;
    let mut p = s;
    let mut v = 0u32;
    while p < line.len() && line[p].is_ascii_digit() {
        if p - s >= 5 {
            return None;
        }
        v = v * 10 + u32::from(line[p] - b'0');
        p += 1;
    }
    if p == s || v > 65535 {
        return None;
    }
    Some((v as u16, p))
}

/// Whether a non-ASCII character ends a name although name runs take every byte >= 0x80:
/// Unicode whitespace, controls, and the punctuation and symbol blocks (NBSP, `’`, `—`,
/// `、`, emoji...). Letters, digits, marks, joiners and IDNA-ignored format characters
/// (soft hyphen, ZWSP) stay inside names. SPEC §2: labels are letters, digits, `-`, `_`.
///
/// This is a matching rule users can rely on (see SEMANTICS.md); it is public so that tools
/// and the reference matcher in `tests/oracle` apply the same definition.
///
/// ```
/// use linerate::scan::is_name_separator;
/// assert!(is_name_separator('\u{a0}') && is_name_separator('’') && !is_name_separator('ü'));
/// ```
pub fn is_name_separator(c: char) -> bool {
    if c.is_alphanumeric() {
        return false;
    }
    let u = c as u32;
    c.is_whitespace()
        || c.is_control()
        || matches!(u,
            0x80..=0xBF | 0xD7 | 0xF7
            | 0x2000..=0x2BFF | 0x2E00..=0x2E7F | 0x3000..=0x303F
            | 0xFE10..=0xFE19 | 0xFE30..=0xFE6F | 0xFF00..=0xFFFF | 0x1F000..=0x1FAFF)
            && !matches!(u, 0xAD | 0x200B..=0x200D | 0x2060..=0x206F | 0x20D0..=0x20FF)
}

/// The end of the name segment starting at `seg` in the run `[seg, e)`: the first empty label
/// (`..`), separator character or invalid UTF-8 byte. Returns (end, start of the next segment).
fn segment_end(line: &[u8], seg: usize, e: usize) -> (usize, usize) {
    let mut end = seg;
    while end < e {
        let b = line[end];
        if b == b'.' && end + 1 < e && line[end + 1] == b'.' {
            let mut next = end + 1;
            while next < e && line[next] == b'.' {
                next += 1;
            }
            return (end, next);
        }
        if b >= 0x80 {
            match char_at(line, end) {
                Some(c) if !is_name_separator(c) => {
                    end += c.len_utf8();
                    continue;
                }
                other => return (end, (end + other.map_or(1, char::len_utf8)).min(e)),
            }
        }
        end += 1;
    }
    (e, e)
}

/// Finds the domain name in the segment `[s, e)` of `line` (a run without empty labels):
/// trims `-` and `.` at the ends (and non-alphanumeric non-ASCII characters), requires two
/// labels or more and a last label of 2+ ASCII letters (or `xn--…`, or non-ASCII letters).
/// Returns its span; the name is normalized later (see [`Database::observe_name`]).
fn domain_in(line: &[u8], mut s: usize, mut e: usize) -> Option<(usize, usize)> {
    loop {
        while s < e && (line[s] == b'-' || line[s] == b'.') {
            s += 1;
        }
        while e > s && (line[e - 1] == b'-' || line[e - 1] == b'.') {
            e -= 1;
        }
        let mut changed = false;
        if s < e && line[s] >= 0x80 && !char_at(line, s).is_some_and(char::is_alphanumeric) {
            s += 1;
            while s < e && (line[s] & 0xC0) == 0x80 {
                s += 1;
            }
            changed = true;
        }
        if e > s && line[e - 1] >= 0x80 && !char_before(line, e).is_some_and(char::is_alphanumeric)
        {
            // Drop the whole character, or one byte of invalid UTF-8 (a stray continuation
            // byte must not take the ASCII byte before it along).
            let n = char_before(line, e).map_or(1, char::len_utf8);
            e = e.saturating_sub(n).max(s);
            changed = true;
        }
        if !changed {
            break;
        }
    }
    let name = &line[s..e];
    let last_dot = memchr::memrchr(b'.', name)?;
    let last = &name[last_dot + 1..];
    let tld_ok = if last.is_ascii() {
        (last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic))
            || (last.len() > 4 && last[..4].eq_ignore_ascii_case(b"xn--"))
    } else {
        std::str::from_utf8(last).is_ok_and(|t| t.chars().all(char::is_alphabetic))
    };
    if !tld_ok {
        return None;
    }
    Some((s, e))
}

/// Bytes of the sub-blocks [`Database::scan_lines`] searches at a time: its passes (the
/// grams, non-ASCII bytes, the escapes, the line count) then read a sub-block from L2 (1 MB
/// on this machine), where each pass over a 64 MiB block read it from memory. Measured
/// (generated 1k set, a 64 MiB corpus in one block, medians of 7 alternating runs): 1.77
/// GB/s in one block, 1.93 in sub-blocks.
const SUB_BLOCK: usize = 256 << 10;

/// The end of the sub-block of `data` that begins at `start` (a line's start): just past
/// the last `\n` of the next [`SUB_BLOCK`] bytes, past the first `\n` after them when they
/// hold none (a longer line), or the end of `data`.
fn sub_block_end(data: &[u8], start: usize) -> usize {
    if data.len() - start <= SUB_BLOCK {
        return data.len();
    }
    let cut = start + SUB_BLOCK;
    match memchr::memrchr(b'\n', &data[start..cut]) {
        Some(i) => start + i + 1,
        None => memchr::memchr(b'\n', &data[cut..]).map_or(data.len(), |i| cut + i + 1),
    }
}

/// `line` without the `\r` that ends it, if one does.
fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A URL's authority as written, found in one pass over its bytes.
struct Authority {
    /// Where the host begins: after the last `@`, if any.
    host: usize,
    /// The last `:` after `host`, if any.
    colon: Option<usize>,
    /// The end: the first `/`, `?`, `#` or `\\`, or the URL's end.
    end: usize,
    /// A byte >= 0x80 or a `%` after `host`: normalization may rewrite the host.
    rewritable: bool,
}

impl Authority {
    /// The authority starting at `start` (after `://`) of a URL ending at `e`.
    #[inline]
    fn at(line: &[u8], start: usize, e: usize) -> Self {
        let mut a = Authority {
            host: start,
            colon: None,
            end: e,
            rewritable: false,
        };
        for (i, &b) in line[start..e].iter().enumerate() {
            match b {
                b'/' | b'?' | b'#' | b'\\' => {
                    a.end = start + i;
                    break;
                }
                b'@' => {
                    a.host = start + i + 1;
                    a.colon = None;
                    a.rewritable = false;
                }
                b':' => a.colon = Some(start + i),
                b'%' | 0x80.. => a.rewritable = true,
                _ => {}
            }
        }
        a
    }
}

/// `[s, e)` without the `-` and `.` at its ends.
#[inline]
fn trim_name(line: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    while s < e && (line[s] == b'-' || line[s] == b'.') {
        s += 1;
    }
    while e > s && (line[e - 1] == b'-' || line[e - 1] == b'.') {
        e -= 1;
    }
    (s, e)
}

/// Whether `last` can be the last label of a name: two ASCII letters or more, or `xn--…`.
#[inline]
fn tld_ok(last: &[u8]) -> bool {
    (last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic))
        || (last.len() > 4 && last[..4].eq_ignore_ascii_case(b"xn--"))
}

/// [`domain_in`] for an ASCII segment without empty labels, using the line's class masks
/// for the last dot.
#[inline]
fn ascii_domain_in(line: &[u8], c: &Classes, s: usize, e: usize) -> Option<(usize, usize)> {
    let (s, e) = trim_name(line, s, e);
    let last_dot = c.prev(s, e, |b| b.dot)?;
    tld_ok(&line[last_dot + 1..e]).then_some((s, e))
}

/// [`ascii_domain_in`] for a segment inside the 64 bytes from `base`, whose dots are the
/// set bits of `dots` (bit `i`: byte `base + i`).
#[inline(always)]
fn ascii_domain_at(
    line: &[u8],
    dots: u64,
    base: usize,
    s: usize,
    e: usize,
) -> Option<(usize, usize)> {
    // Usually a letter or digit at both ends: nothing to trim.
    let (s, e) = if line[s].is_ascii_alphanumeric() && line[e - 1].is_ascii_alphanumeric() {
        (s, e)
    } else {
        trim_name(line, s, e)
    };
    if s >= e {
        return None;
    }
    let m = dots & (u64::MAX << (s - base)) & (u64::MAX >> (64 - (e - base)));
    if m == 0 {
        return None;
    }
    let last_dot = base + 63 - m.leading_zeros() as usize;
    tld_ok(&line[last_dot + 1..e]).then_some((s, e))
}

impl Database {
    /// Scans one log line and calls `f` for each sighting, in order of position.
    ///
    /// `line` is any bytes (NUL, invalid UTF-8, any length); `now` is the time used for the
    /// indicators' validity windows. See SPEC §2–3 for what is observed and when it matches.
    ///
    /// Cost: for databases of up to `Limits::line_prefilter_max` witnesses, first the line
    /// prefilter (about 6 instructions per byte on the generated 1k set), after which most
    /// lines are done; then one classification pass over the bytes (AVX2 where available),
    /// work per token run holding a `.` or `:` (not per byte), one filter probe per candidate (plus one per
    /// parent suffix for domains) and an exact lookup only when the filter passes, and the
    /// automata for literals and regexes: a Teddy pre-check first while there are at most
    /// 256 literals; beyond that, URL-path literals are walked from each `/` whose first
    /// bytes pass a filter (budgeted, so hostile lines stay linear) and the others searched
    /// by one overlapping pass; regexes run only when one of the literals each requires
    /// occurs (a Teddy pass per length class of those literals), anchored ones only when the
    /// line's ends fit. No allocation once `scratch` has grown to the longest line; no lock.
    pub fn scan_line<F: FnMut(&Sighting)>(
        &self,
        line: &[u8],
        scratch: &mut Scratch,
        now: Timestamp,
        mut f: F,
    ) {
        let _ = self.scan_line_until(line, scratch, now, |s| {
            f(s);
            ControlFlow::Continue(())
        });
    }

    /// As [`Database::scan_line`], but `f` can stop the scan by returning `ControlFlow::Break`.
    pub fn scan_line_until<F>(
        &self,
        line: &[u8],
        scratch: &mut Scratch,
        now: Timestamp,
        f: F,
    ) -> ControlFlow<()>
    where
        F: FnMut(&Sighting) -> ControlFlow<()>,
    {
        scratch.adapt(self.inner.uid);
        scratch.pending.clear();
        // The line prefilter: which kinds of indicator the line may hold.
        let hits = &self.inner.hits;
        let may = hits.witnesses.as_ref().map_or(TOKENS | RAW, |w| {
            w.may_match(line, |a| hits.ip.may_cover_v4(a))
        });
        let classified = may & TOKENS != 0 && self.tokens(line, scratch, now);
        if may & RAW != 0 {
            self.observe_raw(line, 0, Where::Line, now, classified, scratch);
        }
        self.flush(scratch, f)
    }

    /// Scans `data` as lines and calls `f(index, line, sighting)` for each sighting, in
    /// order of line and position; returns the number of lines. Lines are split at `\n`,
    /// a `\r` before it is dropped, and a last line without `\n` counts (as it is, a
    /// `\r` at its end kept); `index` counts
    /// from 0 and `line` is what [`Database::scan_line`] was given, the sighting's spans
    /// being relative to it. The result equals calling `scan_line` on each line.
    ///
    /// Faster than that loop when the database has a line prefilter that can search a
    /// block (see `Limits::line_prefilter_max`; small and medium databases on CPUs with
    /// AVX2): the block is searched in one pass, as Hyperscan's block mode searches a
    /// buffer, and only the lines where something may match are scanned, each found by
    /// `memchr`. Otherwise it is that loop. No allocation beyond `scan_line`'s.
    ///
    /// ```
    /// use linerate::{Builder, Indicator, Kind, Scratch, Timestamp};
    /// let mut b = Builder::new();
    /// b.add(Indicator::parse(Kind::Domain, "evil.example", "feed").unwrap()).unwrap();
    /// let db = b.build().unwrap();
    /// let data = b"GET http://a.example/\r\nGET http://www.evil.example/x\n";
    /// let mut hits = Vec::new();
    /// let lines = db.scan_lines(data, &mut Scratch::new(), Timestamp(0), |i, _, s| {
    ///     hits.push((i, s.span.start))
    /// });
    /// assert_eq!((lines, hits), (2, vec![(1, 11)]));
    /// ```
    pub fn scan_lines<F>(&self, data: &[u8], scratch: &mut Scratch, now: Timestamp, mut f: F) -> u64
    where
        F: FnMut(u64, &[u8], &Sighting),
    {
        match self.scan_lines_until(data, scratch, now, |i, line, s| {
            f(i, line, s);
            ControlFlow::Continue(())
        }) {
            ControlFlow::Continue(lines) | ControlFlow::Break(lines) => lines,
        }
    }

    /// As [`Database::scan_lines`], but `f` can stop the scan by returning
    /// `ControlFlow::Break`: then `Break(n)`, `n` the index of the line being scanned;
    /// else `Continue(lines)`.
    pub fn scan_lines_until<F>(
        &self,
        data: &[u8],
        scratch: &mut Scratch,
        now: Timestamp,
        mut f: F,
    ) -> ControlFlow<u64, u64>
    where
        F: FnMut(u64, &[u8], &Sighting) -> ControlFlow<()>,
    {
        let mut scan = |idx: u64, line: &[u8], scratch: &mut Scratch| match self.scan_line_until(
            line,
            scratch,
            now,
            |s| f(idx, line, s),
        ) {
            ControlFlow::Continue(()) => ControlFlow::Continue(()),
            ControlFlow::Break(()) => ControlFlow::Break(idx),
        };
        let Some(w) = self.inner.hits.witnesses.as_ref().filter(|w| w.blocks()) else {
            let mut idx = 0;
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', data) {
                scan(idx, trim_cr(&data[start..nl]), scratch)?;
                idx += 1;
                start = nl + 1;
            }
            if start < data.len() {
                scan(idx, &data[start..], scratch)?;
                idx += 1;
            }
            return ControlFlow::Continue(idx);
        };
        let lines_in = |d: &[u8]| {
            let n = memchr::memchr_iter(b'\n', d).count() as u64;
            n + u64::from(d.last().is_some_and(|&b| b != b'\n'))
        };
        // The next position each search found (`usize::MAX`: none), kept until the scan
        // passes it.
        let mut next: [(BlockSearch, Option<usize>); 4] = [(BlockSearch::Grams, None); 4];
        let mut searches = 0;
        for (slot, search) in next.iter_mut().zip(w.block_searches()) {
            *slot = (search, None);
            searches += 1;
        }
        let covered = |a| self.inner.hits.ip.may_cover_v4(a);
        let mut idx = 0u64;
        // Sub-blocks of whole lines, about `SUB_BLOCK` bytes each, so that the searches'
        // passes over a big `data` read it from L2, not each from memory.
        let mut sub_start = 0;
        while sub_start < data.len() {
            let sub_end = sub_block_end(data, sub_start);
            let data = &data[..sub_end];
            for (_, slot) in &mut next[..searches] {
                *slot = None;
            }
            let mut pos = sub_start;
            while pos < data.len() {
                let mut hit = usize::MAX;
                for (search, slot) in &mut next[..searches] {
                    let p = match *slot {
                        Some(p) if p >= pos => p,
                        _ => w
                            .next_in_block(data, pos, *search, covered)
                            .unwrap_or(usize::MAX),
                    };
                    *slot = Some(p);
                    hit = hit.min(p);
                }
                if hit == usize::MAX {
                    idx += lines_in(&data[pos..]);
                    break;
                }
                let ls = memchr::memrchr(b'\n', &data[pos..hit]).map_or(pos, |i| pos + i + 1);
                idx += memchr::memchr_iter(b'\n', &data[pos..ls]).count() as u64;
                let le = memchr::memchr(b'\n', &data[hit..]).map_or(data.len(), |i| hit + i);
                // A `\r` is dropped before a `\n` only, as in the line loop.
                let line = &data[ls..le];
                scan(
                    idx,
                    if le < data.len() { trim_cr(line) } else { line },
                    scratch,
                )?;
                idx += 1;
                pos = le + 1;
            }
            sub_start = sub_end;
        }
        ControlFlow::Continue(idx)
    }

    /// Token observations of `line`; true when they left its classification in
    /// `s.classes` (false without token indicators: nothing to do).
    fn tokens(&self, line: &[u8], s: &mut Scratch, now: Timestamp) -> bool {
        let hits = &self.inner.hits;
        let want_v4 = hits.ip.has_v4();
        let want_v6 = hits.ip.has_v6();
        let want_dom = !hits.domains.is_empty();
        let want_url = !hits.urls.is_empty();
        let want_email = !hits.emails.is_empty();
        let want_hash = !hits.hashes.is_empty();
        if !(want_v4 || want_v6 || want_dom || want_url || want_email || want_hash) {
            return false;
        }
        s.auth.clear();
        s.classes.classify(line);
        if want_url || want_email {
            self.urls(line, s, now, want_url);
        }
        s.names.clear();
        s.probes.clear();
        if want_v4 || want_v6 || want_dom {
            self.runs(line, s, now, want_v4, want_v6, want_dom);
        }
        if want_email {
            self.emails(line, s, now);
        }
        if want_hash {
            self.hashes(line, s, now);
        }
        // Last, so that the filter words prefetched as the names were found have had the
        // emails and digests' time to arrive.
        self.names_batch(line, s, now);
        true
    }

    /// A domain name as written (any case, possibly Unicode): skipped at the cost of a few
    /// multiplies unless the Bloom filter says the name or a parent may be an indicator;
    /// normalized and looked up exactly otherwise. Also used for packet names.
    pub(crate) fn observe_name(
        &self,
        name: &[u8],
        span: Span,
        where_seen: Where,
        now: Timestamp,
        s: &mut Scratch,
    ) {
        if name.is_ascii() && !self.inner.hits.domain_filter.may_match_suffix(name) {
            return;
        }
        self.observe_name_passed(name, span, where_seen, now, s);
    }

    /// [`Database::observe_name`] once an ASCII name has passed the domain filter (non-ASCII
    /// names are checked here, after normalization).
    pub(crate) fn observe_name_passed(
        &self,
        name: &[u8],
        span: Span,
        where_seen: Where,
        now: Timestamp,
        s: &mut Scratch,
    ) {
        let filter = &self.inner.hits.domain_filter;
        let mut buf = std::mem::take(&mut s.buf);
        if normalize::domain(name, &mut buf).is_ok()
            && (name.is_ascii() || filter.may_match_suffix(&buf))
        {
            self.observe(Obs::Domain(&buf), &buf, span, span, where_seen, now, s);
        }
        s.buf = buf;
    }

    /// Queues the ASCII name `line[a..b]` (at most 64 bytes; its dots the set bits of
    /// `dots`) for [`Database::names_batch`], computing its filter probes and prefetching
    /// their words now.
    #[inline]
    fn push_name(&self, line: &[u8], a: usize, b: usize, dots: u64, s: &mut Scratch) {
        let i = s.names.len() as u32;
        s.names.push((a as u32, b as u32, dots));
        let probes = &mut s.probes;
        self.inner
            .hits
            .domain_filter
            .suffix_probes(&line[a..b], dots, |w, m| probes.push((i, w as u32, m)));
    }

    /// The ASCII names queued by `push_name` as `runs` found them: their filter words were
    /// prefetched then, and are tested now, so that the cache misses of a line overlap
    /// each other and the rest of the scan; names that pass are observed.
    fn names_batch(&self, line: &[u8], s: &mut Scratch, now: Timestamp) {
        if s.names.is_empty() {
            return;
        }
        let probes = std::mem::take(&mut s.probes);
        self.inner.hits.domain_filter.each_passing(&probes, |i| {
            let (a, b, _) = s.names[i];
            let (a, b) = (a as usize, b as usize);
            self.observe_name_passed(&line[a..b], Span::new(a, b), Where::Line, now, s);
        });
        s.probes = probes;
    }

    /// Whether a URL with this authority may have an indicator: its host, ASCII-lowercased,
    /// must pass the URL host filter. Hosts that normalization could rewrite (non-ASCII,
    /// percent-escapes, bracketed IPv6) always pass, so the gate never hides a match.
    fn url_host_may_match(&self, line: &[u8], c: &Classes, a: &Authority) -> bool {
        let hostport = &line[a.host..a.end];
        if a.rewritable || hostport.first() == Some(&b'[') {
            return true;
        }
        let hp0 = a.host;
        let host = match a.colon {
            Some(c) => &line[a.host..c],
            None => hostport,
        };
        let host = host.strip_suffix(b".").unwrap_or(host);
        let filter = &self.inner.hits.url_host_filter;
        if !host.is_empty() && host.len() <= 64 {
            // The dots of the host from the line's class masks: no search for them.
            let dots = c.bits(hp0, hp0 + host.len(), |b| b.dot);
            return filter.may_contain_name_dots(host, dots);
        }
        filter.may_contain_name(host)
    }

    /// URLs: `scheme://` up to whitespace, a quote, `<` or `>`, minus trailing punctuation.
    fn urls(&self, line: &[u8], s: &mut Scratch, now: Timestamp, want_url: bool) {
        let mut pos = 0;
        // `://` from the class masks: a colon followed by two slashes.
        let nb = s.classes.blocks.len().saturating_sub(1);
        for k in 0..nb {
            let (b, n) = (s.classes.blocks[k], s.classes.blocks[k + 1]);
            let mut seps =
                b.colon & (b.slash >> 1 | n.slash << 63) & (b.slash >> 2 | n.slash << 62);
            while seps != 0 {
                let p = k * 64 + seps.trailing_zeros() as usize;
                seps &= seps - 1;
                if p < pos {
                    continue;
                }
                let mut st = p;
                while st > 0
                    && (line[st - 1].is_ascii_alphanumeric()
                        || matches!(line[st - 1], b'+' | b'-' | b'.'))
                {
                    st -= 1;
                }
                while st < p && !line[st].is_ascii_alphabetic() {
                    st += 1;
                }
                if st == p {
                    continue;
                }
                let mut e = s.classes.next(p + 3, |b| b.delim);
                let untrimmed = e;
                // Trailing punctuation belongs to the sentence, unless it closes a bracket
                // opened inside the URL. Bracket balances (closers minus openers in the body) are
                // counted once and updated as closers are dropped, so a URL followed by a million
                // `)` stays linear.
                let mut balance: Option<[isize; 3]> = None;
                while e > p + 3 {
                    let c = line[e - 1];
                    let k = match c {
                        b'.' | b',' | b';' | b':' | b'!' | b'?' => {
                            e -= 1;
                            continue;
                        }
                        b')' => 0,
                        b']' => 1,
                        b'}' => 2,
                        _ => break,
                    };
                    let bal = balance.get_or_insert_with(|| {
                        let body = &line[p + 3..e];
                        let n = |b: u8| memchr_iter(b, body).count() as isize;
                        [n(b')') - n(b'('), n(b']') - n(b'['), n(b'}') - n(b'{')]
                    });
                    if bal[k] > 0 {
                        bal[k] -= 1;
                        e -= 1;
                    } else {
                        break;
                    }
                }
                if e == p + 3 {
                    continue;
                }
                pos = e;
                let auth = Authority::at(line, p + 3, e);
                s.auth.push((p + 3, auth.end));
                if want_url && self.url_host_may_match(line, &s.classes, &auth) {
                    let mut buf = std::mem::take(&mut s.buf);
                    // The dropped tail may belong to the URL after all (`http://x/a.php?` from a
                    // feed): the URL as written up to the delimiter is observed too.
                    let untrimmed = (untrimmed != e).then_some(untrimmed);
                    for end in std::iter::once(e).chain(untrimmed) {
                        if normalize::url_key(&line[st..end], &mut buf).is_ok() {
                            let span = Span::new(st, end);
                            self.observe(Obs::Url(&buf), &buf, span, span, Where::Line, now, s);
                        }
                    }
                    s.buf = buf;
                }
            }
        }
    }

    /// Token runs (name bytes, `.`, `:`) holding a dot or two colons: the only ones that
    /// can be addresses or names. The line's class masks give the anchors (`.`, and `:`
    /// after another `:` of the same run) 64 bytes at a time; each unvisited anchor is
    /// widened to its run with `leading_zeros` / `trailing_zeros`, and a run inside one
    /// block is decided from that block's masks (digits, non-ASCII, `..`, the last dot) by
    /// [`Database::run_in_block`], so no byte of the line is visited one by one here.
    fn runs(
        &self,
        line: &[u8],
        s: &mut Scratch,
        now: Timestamp,
        want_v4: bool,
        want_v6: bool,
        want_dom: bool,
    ) {
        // Runs are paired from their start and end bits block by block; a run crossing a
        // block boundary keeps its start in `pending` and takes the general path.
        let nb = s.classes.blocks.len().saturating_sub(1);
        let mut pending = 0;
        for k in 0..nb {
            let b = s.classes.blocks[k];
            let r = b.run;
            let prev = if k > 0 {
                s.classes.blocks[k - 1].run >> 63
            } else {
                0
            };
            let next = s.classes.blocks[k + 1].run & 1;
            let cont_in = prev & r != 0;
            let cont_out = r >> 63 & next != 0;
            // Anchors: dots, and the second colon of a run (`r + colon` carries each colon
            // through its run, so a colon with an earlier one in the same run keeps its bit):
            // runs with one colon and no dot (`key: value`, JSON's `":"`) hold nothing.
            let anchors = b.dot | (r.wrapping_add(b.colon) & b.colon);
            if anchors == 0 && !cont_in && !cont_out {
                continue;
            }
            let starts = r & !(r << 1 | prev);
            let ends = r & !(r >> 1 | next << 63);
            let mut todo = anchors;
            if cont_in {
                // The run entering from the previous block: its anchors are not this
                // block's to start from.
                if ends == 0 {
                    todo = 0;
                } else {
                    let z0 = ends.trailing_zeros();
                    let e = k * 64 + z0 as usize + 1;
                    todo &= if z0 == 63 { 0 } else { u64::MAX << (z0 + 1) };
                    let f = s.classes.span_flags(pending, e);
                    if f & (C_DOT | C_COLON) != 0 {
                        self.run(line, pending, e, f, s, now, want_v4, want_v6, want_dom);
                    }
                }
            }
            // Only runs holding an anchor: from each anchor, the last start at or before it
            // and the first end at or after it.
            while todo != 0 {
                let p = todo.trailing_zeros();
                let a = 63 - (starts & (u64::MAX >> (63 - p))).leading_zeros();
                let z = (ends & (u64::MAX << p)).trailing_zeros();
                if z == 64 {
                    // The run goes on into the next block: `pending` below.
                    break;
                }
                let m = (u64::MAX << a) & (u64::MAX >> (63 - z));
                todo &= !m;
                self.run_in_block(line, &b, k * 64, m, s, now, want_v4, want_v6, want_dom);
            }
            if cont_out && starts != 0 {
                pending = k * 64 + 63 - starts.leading_zeros() as usize;
            }
        }
    }

    /// Dispatches one token run `[st, e)` whose classes are `f` (a run crossing a block
    /// boundary: those of 64 bytes or less go to [`Database::run_in_block`] with their masks
    /// shifted to `st`).
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        line: &[u8],
        st: usize,
        e: usize,
        f: u8,
        s: &mut Scratch,
        now: Timestamp,
        want_v4: bool,
        want_v6: bool,
        want_dom: bool,
    ) {
        if e - st <= 64 {
            let (v, m) = s.classes.view(st, e);
            self.run_in_block(line, &v, st, m, s, now, want_v4, want_v6, want_dom);
            return;
        }
        if f & C_DOT != 0 && (want_v4 || want_dom) {
            if f & C_COLON == 0 {
                self.dotted(line, st, e, f, s, now, want_v4, want_dom);
            } else {
                // The pieces between colons that hold a dot (from the class masks).
                let mut p = st;
                while p < e {
                    let q = s.classes.next(p, |b| b.colon).min(e);
                    if s.classes.next(p, |b| b.dot) < q {
                        self.dotted(line, p, q, f, s, now, want_v4, want_dom);
                    }
                    p = q + 1;
                }
            }
        }
        // IPv6 needs two colons; in a run this long, `colon_run` looks for them per sub-run.
        if f & C_COLON2 != 0 && (want_v4 || want_v6) {
            self.colon_run(line, st, e, s, now);
        }
    }

    /// A token run inside the 64 bytes from `base`: the set bits of `m` (one run of them),
    /// with the class masks of those bytes in `b` (bit `i`: byte `base + i`). Everything is
    /// decided from the masks; bytes are read only for the candidates themselves.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn run_in_block(
        &self,
        line: &[u8],
        b: &Block,
        base: usize,
        m: u64,
        s: &mut Scratch,
        now: Timestamp,
        want_v4: bool,
        want_v6: bool,
        want_dom: bool,
    ) {
        let colons = b.colon & m;
        if b.dot & m != 0 && (want_v4 || want_dom) {
            if colons == 0 {
                self.dotted_in_block(line, b, base, m, s, now, want_v4, want_dom);
            } else {
                // The pieces between colons that hold a dot.
                let mut rest = m & !colons;
                while rest != 0 {
                    let lo = rest.trailing_zeros();
                    let len = (!(rest >> lo)).trailing_zeros();
                    let piece = (u64::MAX >> (64 - len)) << lo;
                    rest &= !piece;
                    if b.dot & piece != 0 {
                        self.dotted_in_block(line, b, base, piece, s, now, want_v4, want_dom);
                    }
                }
            }
        }
        // IPv6 needs two colons: single `:` runs (JSON, `key: value`) stop here. An address
        // also needs `::` or six colons or more (as `v6_candidate` checks): times such as
        // `2015:00:05:57` stop here too.
        if colons & colons.wrapping_sub(1) != 0
            && (want_v4 || want_v6)
            && (colons & colons >> 1 != 0 || colons.count_ones() >= 6)
        {
            let st = base + m.trailing_zeros() as usize;
            let e = base + 64 - m.leading_zeros() as usize;
            self.colon_run(line, st, e, s, now);
        }
    }

    /// A run of name bytes and dots holding at least one dot, inside the 64 bytes from
    /// `base`: the set bits of `m`, with the class masks in `b` (as
    /// [`Database::run_in_block`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn dotted_in_block(
        &self,
        line: &[u8],
        b: &Block,
        base: usize,
        m: u64,
        s: &mut Scratch,
        now: Timestamp,
        want_v4: bool,
        want_dom: bool,
    ) {
        let st = base + m.trailing_zeros() as usize;
        let e = base + 64 - m.leading_zeros() as usize;
        let dots = b.dot & m;
        // A dotted quad lies inside the run (digits and dots are run bytes) and holds three
        // dots: runs with fewer (times, versions, most names) have none.
        if want_v4
            && b.digit & m != 0
            && dots.count_ones() >= 3
            && !self.whole_quad(line, b, base, m, s, now)
        {
            self.quads_in(line, st, e, s, now);
        }
        if !want_dom {
            return;
        }
        // Digits and dots only (times, addresses, versions): no top-level domain, no name.
        // Half the dotted runs of the generated corpus; the name search cost about 60
        // instructions each.
        if b.run & !(b.digit | b.dot) & m == 0 {
            return;
        }
        if b.high & m == 0 && dots & (dots >> 1) == 0 {
            // ASCII without empty labels: the whole run is one segment, checked with the
            // line's other names in `names_batch`.
            if let Some((a, z)) = ascii_domain_at(line, dots, base, st, e) {
                let name_dots = (dots >> (a - base)) & (u64::MAX >> (64 - (z - a)));
                self.push_name(line, a, z, name_dots, s);
            }
            return;
        }
        self.segments(line, st, e, s, now);
    }

    /// The common case of [`Database::quads_in`] from the masks: the run `[st, e)` (the set
    /// bits of `m`, masks in `b` as in [`Database::run_in_block`]) is four groups of one to
    /// three digits joined by single dots. Then it is the only candidate, its neighbours are
    /// not word bytes (a run is bounded by non-run bytes or colons), and it is observed
    /// here; true when it was. False sends the run to `quads_in`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn whole_quad(
        &self,
        line: &[u8],
        b: &Block,
        base: usize,
        m: u64,
        s: &mut Scratch,
        now: Timestamp,
    ) -> bool {
        let d = b.digit & m;
        let mut starts = d & !(d << 1);
        let mut ends = d & !(d >> 1);
        // Only digits and dots, four digit groups of at most three, three dots, digits at
        // both ends: then the dots are single ones between the groups (`99..1.1.1` has four
        // groups too, and goes to `quads_in`).
        if m & !(d | b.dot) != 0
            || (b.dot & m).count_ones() != 3
            || starts.count_ones() != 4
            || d & d >> 1 & d >> 2 & d >> 3 != 0
            || m & !(m << 1) & !d != 0
            || m & !(m >> 1) & !d != 0
        {
            return false;
        }
        let mut addr = 0u32;
        for _ in 0..4 {
            let a = base + starts.trailing_zeros() as usize;
            let z = base + ends.trailing_zeros() as usize + 1;
            starts &= starts - 1;
            ends &= ends - 1;
            let d = |c: u8| u32::from(c - b'0');
            let v = match line[a..z] {
                [x] => d(x),
                [x, y] if x != b'0' => d(x) * 10 + d(y),
                [x, y, z] if x != b'0' => d(x) * 100 + d(y) * 10 + d(z),
                _ => return false,
            };
            if v > 255 {
                return false;
            }
            addr = addr << 8 | v;
        }
        // `observe` checks the IPv4 gates too; here they also save the port's parse and the
        // call for the addresses of the line that are no indicator's (most of them).
        if !self.inner.hits.ip.may_cover_v4(addr) {
            return true;
        }
        let st = base + m.trailing_zeros() as usize;
        let end = base + 64 - m.leading_zeros() as usize;
        let port = port_at(line, end);
        self.observe(
            Obs::V4(addr, port.map(|p| p.0)),
            &line[st..end],
            Span::new(st, end),
            Span::new(st, port.map_or(end, |p| p.1)),
            Where::Line,
            now,
            s,
        );
        true
    }

    /// Names in the segments of `[st, e)` between empty labels (`..`) and separator
    /// characters.
    fn segments(&self, line: &[u8], st: usize, e: usize, s: &mut Scratch, now: Timestamp) {
        let mut seg = st;
        while seg < e {
            let (end, next) = segment_end(line, seg, e);
            if let Some((a, b)) = domain_in(line, seg, end) {
                self.observe_name(&line[a..b], Span::new(a, b), Where::Line, now, s);
            }
            seg = next;
        }
    }

    /// A run `[st, e)` of name bytes and dots holding at least one dot, for runs of any
    /// length (64 bytes or less: [`Database::dotted_in_block`] on the shifted masks).
    #[allow(clippy::too_many_arguments)]
    fn dotted(
        &self,
        line: &[u8],
        st: usize,
        e: usize,
        f: u8,
        s: &mut Scratch,
        now: Timestamp,
        want_v4: bool,
        want_dom: bool,
    ) {
        if e - st <= 64 {
            let (v, m) = s.classes.view(st, e);
            self.dotted_in_block(line, &v, st, m, s, now, want_v4, want_dom);
            return;
        }
        if want_v4 && f & C_DIGIT != 0 {
            self.quads_in(line, st, e, s, now);
        }
        if !want_dom {
            return;
        }
        if f & (C_HIGH | C_DOTDOT) == 0 {
            // ASCII without empty labels: the whole run is one segment.
            if let Some((a, b)) = ascii_domain_in(line, &s.classes, st, e) {
                if b - a <= 64 {
                    // Checked with the line's other names in `names_batch`.
                    let dots = s.classes.bits(a, b, |b| b.dot);
                    self.push_name(line, a, b, dots, s);
                    return;
                }
                self.observe_name(&line[a..b], Span::new(a, b), Where::Line, now, s);
            }
            return;
        }
        self.segments(line, st, e, s, now);
    }

    /// Dotted quads inside the run `[st, e)` whose neighbours are not letters, digits, `_`
    /// or a `.` next to a digit.
    fn quads_in(&self, line: &[u8], st: usize, e: usize, s: &mut Scratch, now: Timestamp) {
        // Candidates: starts of digit runs (a digit after a digit has a word before it).
        let mut i = st;
        while i < e {
            let Some(d) = next_digit_start(&s.classes, i, e) else {
                return;
            };
            i = d;
            if word_before(line, i, true) || (i > 0 && line[i - 1] == b'.') {
                i += 1;
                continue;
            }
            if let Some((addr, end)) = dotted_quad(line, i) {
                let dot_digit = line.get(end) == Some(&b'.')
                    && line.get(end + 1).is_some_and(u8::is_ascii_digit);
                if !word_at(line, end, true) && !dot_digit {
                    let port = port_at(line, end);
                    let text = &line[i..end];
                    self.observe(
                        Obs::V4(addr, port.map(|p| p.0)),
                        text,
                        Span::new(i, end),
                        Span::new(i, port.map_or(end, |p| p.1)),
                        Where::Line,
                        now,
                        s,
                    );
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// IPv6 candidates in a token run `[st, e)` holding a colon: its maximal sub-runs of hex
    /// digits, colons and dots with two colons or more.
    fn colon_run(&self, line: &[u8], st: usize, e: usize, s: &mut Scratch, now: Timestamp) {
        let v6 = |b: &Block| b.hex | b.colon | b.dot;
        let mut i = st;
        while i < e {
            let a = s.classes.next(i, v6);
            if a >= e {
                return;
            }
            let z = s.classes.next(a, |b| !v6(b)).min(e);
            if two_colons(&s.classes, a, z) {
                self.v6_candidate(line, a, z, s, now);
            }
            i = z;
        }
    }

    /// One run of hex digits, colons and dots with two colons or more.
    fn v6_candidate(
        &self,
        line: &[u8],
        mut st: usize,
        mut e: usize,
        s: &mut Scratch,
        now: Timestamp,
    ) {
        // A lone leading ':' is a separator (`ip:2001:db8::1`), trailing dots and a lone
        // trailing ':' are punctuation.
        if line[st] == b':' && line.get(st + 1) != Some(&b':') {
            st += 1;
        }
        while e > st && line[e - 1] == b'.' {
            e -= 1;
        }
        if e > st + 1 && line[e - 1] == b':' && line[e - 2] != b':' {
            e -= 1;
        }
        let tok = &line[st..e];
        if tok.len() > 45 || tok.len() < 2 {
            return;
        }
        let colons = s.classes.bits(st, e, |b| b.colon);
        let ncolon = colons.count_ones();
        // 8 colons: `1:2:3:4:5:6:7::` and `::2:3:4:5:6:7:8` are valid too.
        if !(2..=8).contains(&ncolon) {
            return;
        }
        // Without `::` an address has 8 groups (7 colons), or 6 and a dotted quad:
        // this rejects times and MAC addresses before the parser sees them.
        if colons & colons >> 1 == 0
            && ncolon != 7
            && !(ncolon == 6 && s.classes.bits(st, e, |b| b.dot) != 0)
        {
            return;
        }
        if word_before(line, st, true) || (st > 0 && line[st - 1] == b'.') {
            return;
        }
        let Some(a) = std::str::from_utf8(tok)
            .ok()
            .and_then(|t| t.parse::<std::net::Ipv6Addr>().ok())
        else {
            return;
        };
        let mut end = e;
        if line.get(end) == Some(&b'%') {
            let z = end + 1;
            let mut ze = z;
            while ze < line.len()
                && (line[ze].is_ascii_alphanumeric() || matches!(line[ze], b'_' | b'-' | b'.'))
            {
                ze += 1;
            }
            // A trailing dot ends the sentence, not the zone (`eth0.100` keeps its dot).
            while ze > z && line[ze - 1] == b'.' {
                ze -= 1;
            }
            if ze > z {
                end = ze;
            }
        }
        if word_at(line, end, true) {
            return;
        }
        let port = if st > 0 && line[st - 1] == b'[' && line.get(end) == Some(&b']') {
            port_at(line, end + 1)
        } else {
            None
        };
        let span = Span::new(st, end);
        // A port-specific sighting covers the whole `[v6]:port`.
        let port_span = port.map_or(span, |p| Span::new(st - 1, p.1));
        let pv = port.map(|p| p.0);
        // Allowlist literal / regex entries see the normalized value (RFC 5952 text).
        let mut tb = [0u8; 64];
        self.observe(
            Obs::V6(u128::from(a), pv),
            display(&mut tb, a),
            span,
            port_span,
            Where::Line,
            now,
            s,
        );
        if let Some(v4) = a.to_ipv4_mapped() {
            // A dotted tail is observed as IPv4 (over the dotted part) by the dotted-quad
            // scan already, but without the port of `[v6]:port`: observe it here when
            // there is one (identical sightings are deduplicated by `flush`).
            let dotted = memchr::memrchr(b':', tok)
                .filter(|&c| memchr::memchr(b'.', &tok[c..]).is_some())
                .map(|c| st + c + 1);
            if dotted.is_none() || pv.is_some() {
                self.observe(
                    Obs::V4(u32::from(v4), pv),
                    display(&mut tb, v4),
                    dotted.map_or(span, |d| Span::new(d, e)),
                    port_span,
                    Where::Line,
                    now,
                    s,
                );
            }
        }
    }

    /// `local@domain`, except in the userinfo of a URL.
    fn emails(&self, line: &[u8], s: &mut Scratch, now: Timestamp) {
        // URL authorities are sorted and disjoint, and '@'s come in order: one moving index
        // instead of a scan of every authority per '@' (quadratic on URL-dense lines).
        let mut k = 0;
        for at in memchr_iter(b'@', line) {
            while k < s.auth.len() && s.auth[k].1 <= at {
                k += 1;
            }
            if s.auth.get(k).is_some_and(|&(a, b)| at >= a && at < b) {
                continue;
            }
            let mut st = at;
            while st > 0
                && (line[st - 1].is_ascii_alphanumeric()
                    || matches!(line[st - 1], b'.' | b'_' | b'%' | b'+' | b'-'))
            {
                st -= 1;
            }
            while st < at && line[st] == b'.' {
                st += 1;
            }
            if st == at {
                continue;
            }
            let mut e = at + 1;
            while e < line.len() && (is_name(line[e]) || line[e] == b'.') {
                e += 1;
            }
            if e == at + 1 || line[at + 1] == b'.' {
                continue;
            }
            // The domain ends at the first empty label or separator character.
            e = segment_end(line, at + 1, e).0;
            let mut buf = std::mem::take(&mut s.buf);
            let dom = domain_in(line, at + 1, e)
                .filter(|&(a, b)| a == at + 1 && normalize::domain(&line[a..b], &mut buf).is_ok());
            if let Some((_, b)) = dom {
                {
                    let dom_len = buf.len();
                    buf.extend(line[st..at].iter().map(u8::to_ascii_lowercase));
                    buf.push(b'@');
                    buf.extend_from_within(..dom_len);
                    let key = &buf[dom_len..];
                    self.observe(
                        Obs::Email(key),
                        key,
                        Span::new(st, b),
                        Span::new(st, b),
                        Where::Line,
                        now,
                        s,
                    );
                }
            }
            s.buf = buf;
        }
    }

    /// Hex runs of exactly 32, 40, 64 or 128 digits not adjacent to letters or digits.
    /// Any run of 32 or more hex digits holds a whole 16-byte-aligned chunk of them, so the
    /// candidates are the all-ones 16-bit slices of the hex mask.
    fn hashes(&self, line: &[u8], s: &mut Scratch, now: Timestamp) {
        let mut covered = 0;
        for k in 0..s.classes.blocks.len() {
            let hex = s.classes.blocks[k].hex;
            if hex == 0 {
                continue;
            }
            // Bit 16q of `full`: the 16-byte chunk q is all hex digits.
            let mut full = hex & (hex >> 8);
            full &= full >> 4;
            full &= full >> 2;
            full &= full >> 1;
            full &= 0x0001_0001_0001_0001;
            while full != 0 {
                let p = k * 64 + full.trailing_zeros() as usize;
                full &= full - 1;
                if p < covered {
                    continue;
                }
                // The hex run holding p: from after the last non-hex byte before it to the
                // first non-hex byte after it.
                let st = s.classes.prev(0, p, |b| !b.hex).map_or(0, |x| x + 1);
                let e = s.classes.next(p, |b| !b.hex);
                covered = e;
                if Kind::hash_for_hex_len(e - st).is_some()
                    && !word_before(line, st, false)
                    && !word_at(line, e, false)
                {
                    let mut buf = std::mem::take(&mut s.buf);
                    if normalize::hex_decode(&line[st..e], &mut buf).is_some() {
                        // Allowlist literal / regex entries see the normalized (lowercase) digest.
                        let mut low = [0u8; 128];
                        let low = &mut low[..e - st];
                        low.copy_from_slice(&line[st..e]);
                        low.make_ascii_lowercase();
                        self.observe(
                            Obs::Hash(&buf),
                            low,
                            Span::new(st, e),
                            Span::new(st, e),
                            Where::Line,
                            now,
                            s,
                        );
                    }
                    s.buf = buf;
                }
            }
        }
    }
}

/// Whether `[st, e)` holds two colons or more (what every IPv6 candidate needs).
#[inline]
fn two_colons(c: &Classes, st: usize, e: usize) -> bool {
    if e - st <= 64 {
        return c.bits(st, e, |b| b.colon).count_ones() >= 2;
    }
    let p = c.next(st, |b| b.colon);
    p < e && c.next(p + 1, |b| b.colon) < e
}

/// The first start of a digit run in `[i, e)` (a digit whose previous byte is not a digit).
#[inline]
fn next_digit_start(c: &super::classify::Classes, i: usize, e: usize) -> Option<usize> {
    let mut k = i / 64;
    while k * 64 < e {
        let d = c.blocks[k].digit;
        let carry = if k > 0 {
            c.blocks[k - 1].digit >> 63
        } else {
            0
        };
        let mut starts = d & !(d << 1 | carry);
        if k == i / 64 {
            starts &= u64::MAX << (i % 64);
        }
        if starts != 0 {
            let p = k * 64 + starts.trailing_zeros() as usize;
            return (p < e).then_some(p);
        }
        k += 1;
    }
    None
}
