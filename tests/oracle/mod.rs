//! A deliberately simple reference matcher (the oracle) for `Database::scan_line`.
//!
//! Written from SPEC §2–3 and the lead's decisions documented in `src/scan/line.rs`, not from
//! the scanner's code: every candidate token is enumerated by plain loops over the line,
//! normalized with the crate's public normalization (shared on purpose), and compared with
//! **every** indicator naively. Speed does not matter here; obviousness does.
//!
//! Rules, in one place (each is documented in `tests/cases/README.md`):
//! - IPv4: a strict dotted quad (maximal digit runs, no leading zeros) whose left neighbour is
//!   not a letter, digit, `_` or `.`, and whose right neighbour is not a letter, digit, `_` or a
//!   `.` followed by a digit. `:digits` right after it (1–5 digits, at most 65535) is its port.
//! - IPv6: a maximal run of hex digits, `:` and `.`; a lone leading `:` and a lone trailing `:`
//!   and trailing dots are separators; 2–8 colons; parsed with std; left neighbour not a
//!   letter/digit/`_`/`.`; optional `%zone` (`[A-Za-z0-9_.-]+`, trailing dots excluded) in the span; right neighbour
//!   not a letter/digit/`_`; `[v6]:port`. An IPv4-mapped address is also an IPv4 observation
//!   (over the dotted part when written dotted, else over the whole token), with the port.
//! - domain: maximal runs of name bytes (`[A-Za-z0-9_-]`, any byte >= 0x80) and dots, split
//!   at empty labels, at Unicode whitespace/punctuation/symbols and invalid UTF-8, trimmed of `-`, `.`, non-alphanumeric characters and invalid UTF-8 at
//!   both ends; two labels or more; last label 2+ ASCII letters, `xn--…`, or Unicode letters;
//!   normalized with `normalize::domain`.
//! - URL: `scheme://` up to whitespace/control, quote, `<`, `>`, backtick; trailing `.,;:!?`
//!   and unbalanced `)]}` dropped; when something was dropped, the URL as written up to the
//!   delimiter is a second observation; a `://` inside an earlier URL starts nothing; match
//!   key per `normalize::url_key`.
//! - email: local part `[A-Za-z0-9._%+-]+` (leading dots dropped) `@` a domain (as above)
//!   starting right after the `@`; not when the `@` is in a URL's authority.
//! - hash: a maximal hex run of 32/40/64/128 digits not next to a letter or digit.
//! - literal: every occurrence (overlapping); regex: every non-overlapping leftmost-first match.
//! - allowlist: same rules per kind; a URL is also allowlisted when its host is (as a domain
//!   or an IP); live literal entries suppress observations whose text (the normalized value,
//!   as an indicator would print it; for literal and regex hits the matched bytes) contains
//!   them, regex entries those whose text they match anywhere.
//! - validity: an indicator (or allowlist entry) outside `[valid_from, valid_until)` does
//!   nothing.

#![allow(dead_code)]

pub mod cases;

use linerate::indicator::normalize;
use linerate::{Database, Indicator, Kind, Scratch, Timestamp, Value};
use std::net::{Ipv4Addr, Ipv6Addr};

/// One expected sighting: kind, span, and the id the builder gives the indicator (ids are
/// assigned in first-insertion order, duplicates merged, exactly as `Builder::add` does).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hit {
    /// Start of the span.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// Indicator id (index into the deduplicated list).
    pub id: usize,
    /// The indicator's kind.
    pub kind: Kind,
}

/// The oracle: deduplicated indicators and allowlist entries.
pub struct Oracle {
    inds: Vec<Indicator>,
    allow: Vec<Indicator>,
    regexes: Vec<Option<regex_automata::meta::Regex>>,
    allow_regexes: Vec<Option<regex_automata::meta::Regex>>,
}

fn dedupe(list: &[Indicator]) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = Vec::new();
    for ind in list {
        if let Some(cur) = out.iter_mut().find(|c| c.value == ind.value) {
            cur.meta.merge(&ind.meta);
            cur.exact &= ind.exact;
        } else {
            out.push(ind.clone());
        }
    }
    out
}

fn compile(list: &[Indicator]) -> Vec<Option<regex_automata::meta::Regex>> {
    list.iter()
        .map(|i| match &i.value {
            // Regex indicators are byte-mode: ASCII classes, invalid UTF-8 matchable (SPEC
            // defers to regex-automata syntax; the crate documents this choice).
            Value::Regex(p) => Some(
                regex_automata::meta::Regex::builder()
                    .syntax(
                        regex_automata::util::syntax::Config::new()
                            .unicode(false)
                            .utf8(false),
                    )
                    .build(p)
                    .expect("regex compiles"),
            ),
            _ => None,
        })
        .collect()
}

/// What an observation is, normalized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObsValue {
    /// IPv4 address and optional port.
    V4(Ipv4Addr, Option<u16>),
    /// IPv6 address and optional port.
    V6(Ipv6Addr, Option<u16>),
    /// Normalized domain name.
    Domain(Vec<u8>),
    /// URL match key.
    Url(Vec<u8>),
    /// Email match key.
    Email(Vec<u8>),
    /// Hash kind and digest.
    Hash(Kind, Vec<u8>),
}

/// One observation in a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The value.
    pub value: ObsValue,
    /// Span of the observation (without port).
    pub start: usize,
    /// End of the observation (without port).
    pub end: usize,
    /// End of the port when one is written, else `end`.
    pub port_end: usize,
    /// Start of a port-specific sighting when it differs from `start` (the `[` of
    /// `[v6]:port`).
    pub port_start: Option<usize>,
}

impl Observation {
    /// The text allowlist literal/regex entries are applied to: the normalized value as an
    /// indicator of that kind prints it.
    pub fn text(&self) -> Vec<u8> {
        match &self.value {
            ObsValue::V4(a, _) => a.to_string().into_bytes(),
            ObsValue::V6(a, _) => a.to_string().into_bytes(),
            ObsValue::Domain(k) | ObsValue::Url(k) | ObsValue::Email(k) => k.clone(),
            ObsValue::Hash(_, d) => d
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                .into_bytes(),
        }
    }
}

// ---------------------------------------------------------------- character classes

/// The character ending at byte `i`, if the bytes before `i` end with a valid UTF-8 character.
fn char_ending_at(line: &[u8], i: usize) -> Option<char> {
    for k in 1..=4.min(i) {
        if let Ok(s) = std::str::from_utf8(&line[i - k..i]) {
            let mut it = s.chars();
            if let (Some(c), None) = (it.next(), it.next()) {
                return Some(c);
            }
        }
    }
    None
}

/// The character starting at byte `i`, if valid UTF-8 starts there.
fn char_starting_at(line: &[u8], i: usize) -> Option<char> {
    for k in 1..=4 {
        if i + k > line.len() {
            break;
        }
        if let Ok(s) = std::str::from_utf8(&line[i..i + k]) {
            return s.chars().next();
        }
    }
    None
}

fn is_word(c: Option<char>, underscore: bool) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || (underscore && c == '_'))
}

fn word_before(line: &[u8], i: usize, underscore: bool) -> bool {
    i > 0 && is_word(char_ending_at(line, i), underscore)
}

fn word_at(line: &[u8], i: usize, underscore: bool) -> bool {
    i < line.len() && is_word(char_starting_at(line, i), underscore)
}

fn digit_at(line: &[u8], i: usize) -> bool {
    line.get(i).is_some_and(u8::is_ascii_digit)
}

/// `:digits` at `i`: 1–5 digits (a maximal run), at most 65535. Returns (port, end).
fn port_at(line: &[u8], i: usize) -> Option<(u16, usize)> {
    if line.get(i) != Some(&b':') {
        return None;
    }
    let mut e = i + 1;
    while digit_at(line, e) {
        e += 1;
    }
    let digits = &line[i + 1..e];
    if digits.is_empty() || digits.len() > 5 {
        return None;
    }
    let v: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    u16::try_from(v).ok().map(|p| (p, e))
}

// ---------------------------------------------------------------- tokenizers

/// Every observation of SPEC §2 in `line`.
pub fn observations(line: &[u8]) -> Vec<Observation> {
    let mut out = Vec::new();
    ipv4s(line, &mut out);
    ipv6s(line, &mut out);
    domains(line, &mut out);
    let auths = urls(line, &mut out);
    emails(line, &auths, &mut out);
    hashes(line, &mut out);
    out
}

fn ipv4s(line: &[u8], out: &mut Vec<Observation>) {
    for i in 0..line.len() {
        if !line[i].is_ascii_digit() {
            continue;
        }
        if i > 0 && (line[i - 1] == b'.' || word_before(line, i, true)) {
            continue;
        }
        let mut p = i;
        let mut ok = true;
        for k in 0..4 {
            if k > 0 {
                if line.get(p) != Some(&b'.') {
                    ok = false;
                    break;
                }
                p += 1;
            }
            let s = p;
            while digit_at(line, p) {
                p += 1;
            }
            if p == s {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        let Some(addr) = std::str::from_utf8(&line[i..p])
            .ok()
            .and_then(|t| t.parse::<Ipv4Addr>().ok())
        else {
            continue;
        };
        if word_at(line, p, true) || (line.get(p) == Some(&b'.') && digit_at(line, p + 1)) {
            continue;
        }
        let port = port_at(line, p);
        out.push(Observation {
            value: ObsValue::V4(addr, port.map(|x| x.0)),
            start: i,
            end: p,
            port_end: port.map_or(p, |x| x.1),
            port_start: None,
        });
    }
}

fn is_v6_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

fn ipv6s(line: &[u8], out: &mut Vec<Observation>) {
    let n = line.len();
    let mut a = 0;
    while a < n {
        if !is_v6_byte(line[a]) {
            a += 1;
            continue;
        }
        let mut b = a;
        while b < n && is_v6_byte(line[b]) {
            b += 1;
        }
        let (run_a, run_b) = (a, b);
        a = b;
        let (mut t, mut u) = (run_a, run_b);
        if line[t] == b':' && line.get(t + 1) != Some(&b':') {
            t += 1;
        }
        while u > t && line[u - 1] == b'.' {
            u -= 1;
        }
        if u >= t + 2 && line[u - 1] == b':' && line[u - 2] != b':' {
            u -= 1;
        }
        if u <= t {
            continue;
        }
        let tok = &line[t..u];
        let colons = tok.iter().filter(|&&c| c == b':').count();
        if !(2..=8).contains(&colons) {
            continue;
        }
        if t > 0 && (line[t - 1] == b'.' || word_before(line, t, true)) {
            continue;
        }
        let Some(addr) = std::str::from_utf8(tok)
            .ok()
            .and_then(|s| s.parse::<Ipv6Addr>().ok())
        else {
            continue;
        };
        let mut end = u;
        if line.get(u) == Some(&b'%') {
            let mut z = u + 1;
            while z < n
                && (line[z].is_ascii_alphanumeric() || matches!(line[z], b'_' | b'.' | b'-'))
            {
                z += 1;
            }
            while z > u + 1 && line[z - 1] == b'.' {
                z -= 1;
            }
            if z > u + 1 {
                end = z;
            }
        }
        if word_at(line, end, true) {
            continue;
        }
        let port = if t > 0 && line[t - 1] == b'[' && line.get(end) == Some(&b']') {
            port_at(line, end + 1)
        } else {
            None
        };
        let port_end = port.map_or(end, |x| x.1);
        let port_start = port.map(|_| t - 1);
        let pv = port.map(|x| x.0);
        out.push(Observation {
            value: ObsValue::V6(addr, pv),
            start: t,
            end,
            port_end,
            port_start,
        });
        if let Some(v4) = addr.to_ipv4_mapped() {
            let start = if tok.contains(&b'.') {
                t + tok.iter().rposition(|&c| c == b':').map_or(0, |x| x + 1)
            } else {
                t
            };
            let vend = if tok.contains(&b'.') { u } else { end };
            out.push(Observation {
                value: ObsValue::V4(v4, pv),
                start,
                end: vend,
                port_end,
                port_start,
            });
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b >= 0x80
}

/// Trims `[s, e)` of `-`, `.`, non-alphanumeric characters and invalid UTF-8 at both ends.
fn trim_name(line: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    loop {
        if s >= e {
            return (s, s);
        }
        let b = line[s];
        if b == b'-' || b == b'.' {
            s += 1;
            continue;
        }
        if b >= 0x80 {
            match char_starting_at(line, s) {
                Some(c) if c.is_alphanumeric() => {}
                Some(c) => {
                    s += c.len_utf8();
                    continue;
                }
                None => {
                    s += 1;
                    continue;
                }
            }
        }
        break;
    }
    loop {
        if e <= s {
            return (s, s);
        }
        let b = line[e - 1];
        if b == b'-' || b == b'.' {
            e -= 1;
            continue;
        }
        if b >= 0x80 {
            match char_ending_at(&line[..e], e) {
                Some(c) if c.is_alphanumeric() => {}
                Some(c) => {
                    e -= c.len_utf8();
                    continue;
                }
                None => {
                    e -= 1;
                    continue;
                }
            }
        }
        break;
    }
    (s, e)
}

/// The domain in the segment `[s, e)` (no empty label inside): span and normalized name.
fn domain_in(line: &[u8], s: usize, e: usize) -> Option<(usize, usize, Vec<u8>)> {
    let (s, e) = trim_name(line, s, e);
    let name = &line[s..e];
    let dot = name.iter().rposition(|&c| c == b'.')?;
    let last = &name[dot + 1..];
    let tld_ok = if last.is_ascii() {
        (last.len() >= 2 && last.iter().all(u8::is_ascii_alphabetic))
            || (last.len() > 4 && last[..4].eq_ignore_ascii_case(b"xn--"))
    } else {
        std::str::from_utf8(last).is_ok_and(|t| t.chars().all(char::is_alphabetic))
    };
    if !tld_ok {
        return None;
    }
    let mut out = Vec::new();
    normalize::domain(name, &mut out).ok()?;
    Some((s, e, out))
}

/// Whether a non-ASCII character ends a name: the crate's published definition (a rule
/// of SEMANTICS.md, shared like normalization; the algorithm around it is the oracle's own).
pub fn is_separator(c: char) -> bool {
    linerate::scan::is_name_separator(c)
}

/// Splits `[s, e)` at runs of two dots or more, at separator characters and at invalid UTF-8.
fn segments(line: &[u8], s: usize, e: usize) -> Vec<(usize, usize)> {
    let mut segs = Vec::new();
    let mut seg = s;
    let mut i = s;
    while i < e {
        if line[i] == b'.' && i + 1 < e && line[i + 1] == b'.' {
            segs.push((seg, i));
            while i < e && line[i] == b'.' {
                i += 1;
            }
            seg = i;
        } else if line[i] >= 0x80 {
            match char_starting_at(line, i) {
                Some(c) if !is_separator(c) => i += c.len_utf8(),
                other => {
                    segs.push((seg, i));
                    i += other.map_or(1, char::len_utf8);
                    seg = i;
                }
            }
        } else {
            i += 1;
        }
    }
    segs.push((seg, e.max(seg)));
    segs
}

fn domains(line: &[u8], out: &mut Vec<Observation>) {
    let n = line.len();
    let mut a = 0;
    while a < n {
        if !(is_name_byte(line[a]) || line[a] == b'.') {
            a += 1;
            continue;
        }
        let mut b = a;
        while b < n && (is_name_byte(line[b]) || line[b] == b'.') {
            b += 1;
        }
        for (s, e) in segments(line, a, b) {
            if let Some((s, e, name)) = domain_in(line, s, e) {
                out.push(Observation {
                    value: ObsValue::Domain(name),
                    start: s,
                    end: e,
                    port_end: e,
                    port_start: None,
                });
            }
        }
        a = b;
    }
}

fn is_url_stop(b: u8) -> bool {
    b <= b' ' || b == 0x7f || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`')
}

/// URLs; returns the authority ranges (for the email rule).
fn urls(line: &[u8], out: &mut Vec<Observation>) -> Vec<(usize, usize)> {
    let mut auths = Vec::new();
    let mut pos = 0;
    let n = line.len();
    for p in 0..n.saturating_sub(2) {
        if &line[p..p + 3] != b"://" || p < pos {
            continue;
        }
        let mut st = p;
        while st > 0
            && (line[st - 1].is_ascii_alphanumeric() || matches!(line[st - 1], b'+' | b'-' | b'.'))
        {
            st -= 1;
        }
        while st < p && !line[st].is_ascii_alphabetic() {
            st += 1;
        }
        if st == p {
            continue;
        }
        let body = p + 3;
        let mut e = body;
        while e < n && !is_url_stop(line[e]) {
            e += 1;
        }
        let untrimmed = e;
        while e > body {
            let c = line[e - 1];
            if matches!(c, b'.' | b',' | b';' | b':' | b'!' | b'?') {
                e -= 1;
                continue;
            }
            let open = match c {
                b')' => b'(',
                b']' => b'[',
                b'}' => b'{',
                _ => break,
            };
            let opens = line[body..e].iter().filter(|&&x| x == open).count();
            let closes = line[body..e].iter().filter(|&&x| x == c).count();
            if closes > opens {
                e -= 1;
            } else {
                break;
            }
        }
        if e == body {
            continue;
        }
        pos = e;
        let auth_end = line[body..e]
            .iter()
            .position(|&x| matches!(x, b'/' | b'?' | b'#' | b'\\'))
            .map_or(e, |x| body + x);
        auths.push((body, auth_end));
        let ends = if untrimmed == e {
            vec![e]
        } else {
            vec![e, untrimmed]
        };
        for end in ends {
            let mut key = Vec::new();
            if normalize::url_key(&line[st..end], &mut key).is_ok() {
                out.push(Observation {
                    value: ObsValue::Url(key),
                    start: st,
                    end,
                    port_end: end,
                    port_start: None,
                });
            }
        }
    }
    auths
}

fn emails(line: &[u8], auths: &[(usize, usize)], out: &mut Vec<Observation>) {
    let n = line.len();
    for at in 0..n {
        if line[at] != b'@' || auths.iter().any(|&(a, b)| a <= at && at < b) {
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
        while e < n && (is_name_byte(line[e]) || line[e] == b'.') {
            e += 1;
        }
        let (s0, e0) = segments(line, at + 1, e)[0];
        let Some((ds, de, _)) = domain_in(line, s0, e0) else {
            continue;
        };
        if ds != at + 1 {
            continue;
        }
        let mut key = Vec::new();
        if normalize::email(&line[st..de], &mut key).is_ok() {
            out.push(Observation {
                value: ObsValue::Email(key),
                start: st,
                end: de,
                port_end: de,
                port_start: None,
            });
        }
    }
}

fn hashes(line: &[u8], out: &mut Vec<Observation>) {
    let n = line.len();
    let mut a = 0;
    while a < n {
        if !line[a].is_ascii_hexdigit() {
            a += 1;
            continue;
        }
        let mut b = a;
        while b < n && line[b].is_ascii_hexdigit() {
            b += 1;
        }
        if let Some(kind) = Kind::hash_for_hex_len(b - a) {
            if !word_before(line, a, false) && !word_at(line, b, false) {
                let mut d = Vec::new();
                normalize::hex_decode(&line[a..b], &mut d).expect("hex");
                out.push(Observation {
                    value: ObsValue::Hash(kind, d),
                    start: a,
                    end: b,
                    port_end: b,
                    port_start: None,
                });
            }
        }
        a = b;
    }
}

// ---------------------------------------------------------------- matching

fn net_contains(net: &ipnet::IpNet, v4: Option<Ipv4Addr>, v6: Option<Ipv6Addr>) -> bool {
    match (net, v4, v6) {
        (ipnet::IpNet::V4(n), Some(a), _) => {
            let mask = if n.prefix_len() == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(n.prefix_len()))
            };
            u32::from(a) & mask == u32::from(n.network())
        }
        (ipnet::IpNet::V6(n), _, Some(a)) => {
            let mask = if n.prefix_len() == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(n.prefix_len()))
            };
            u128::from(a) & mask == u128::from(n.network())
        }
        _ => false,
    }
}

fn domain_matches(ind: &[u8], exact: bool, obs: &[u8]) -> bool {
    if obs == ind {
        return true;
    }
    !exact && obs.len() > ind.len() && obs.ends_with(ind) && obs[obs.len() - ind.len() - 1] == b'.'
}

/// Whether `ind` matches observation `o`; `Some(port_specific)` when it does.
fn matches(ind: &Indicator, o: &ObsValue) -> Option<bool> {
    match (&ind.value, o) {
        (Value::Ip { net, port }, ObsValue::V4(a, p)) => (net_contains(net, Some(*a), None)
            && (port.is_none() || *port == *p))
            .then_some(port.is_some()),
        (Value::Ip { net, port }, ObsValue::V6(a, p)) => (net_contains(net, None, Some(*a))
            && (port.is_none() || *port == *p))
            .then_some(port.is_some()),
        (Value::Domain(d), ObsValue::Domain(n)) => {
            domain_matches(d.as_bytes(), ind.exact, n).then_some(false)
        }
        (Value::Url(k), ObsValue::Url(o)) => (k.as_bytes() == o.as_slice()).then_some(false),
        (Value::Email(k), ObsValue::Email(o)) => (k.as_bytes() == o.as_slice()).then_some(false),
        (Value::Hash { kind, digest }, ObsValue::Hash(ok, od)) => {
            (kind == ok && digest == od).then_some(false)
        }
        _ => None,
    }
}

fn contains(hay: &[u8], needle: &[u8], nocase: bool) -> bool {
    needle.len() <= hay.len()
        && (0..=hay.len() - needle.len()).any(|i| {
            let w = &hay[i..i + needle.len()];
            if nocase {
                w.eq_ignore_ascii_case(needle)
            } else {
                w == needle
            }
        })
}

/// The host of a URL match key (`host[:port]/...` or `[v6]...`).
fn url_key_host(key: &[u8]) -> &[u8] {
    if key.first() == Some(&b'[') {
        let e = key
            .iter()
            .position(|&c| c == b']')
            .map_or(key.len(), |x| x + 1);
        &key[..e]
    } else {
        let e = key
            .iter()
            .position(|&c| c == b':' || c == b'/')
            .unwrap_or(key.len());
        &key[..e]
    }
}

impl Oracle {
    /// An oracle over `inds` (hits) and `allow` (allowlist entries), deduplicated and merged
    /// as the builder does.
    pub fn new(inds: &[Indicator], allow: &[Indicator]) -> Oracle {
        let inds = dedupe(inds);
        let allow = dedupe(allow);
        let regexes = compile(&inds);
        let allow_regexes = compile(&allow);
        Oracle {
            inds,
            allow,
            regexes,
            allow_regexes,
        }
    }

    /// The deduplicated indicators, indexed by id.
    pub fn indicators(&self) -> &[Indicator] {
        &self.inds
    }

    /// Whether a live allowlist entry suppresses an observation with value `o` (None for raw
    /// literal/regex hits) and text `text`.
    fn allowed(&self, o: Option<&ObsValue>, text: &[u8], now: Timestamp) -> bool {
        for (i, a) in self.allow.iter().enumerate() {
            if !a.meta.is_valid_at(now) {
                continue;
            }
            let hit = match &a.value {
                Value::Literal { bytes, nocase } => contains(text, bytes, *nocase),
                Value::Regex(_) => self.allow_regexes[i]
                    .as_ref()
                    .is_some_and(|r| r.is_match(text)),
                _ => match o {
                    None => false,
                    Some(o) => {
                        matches(a, o).is_some()
                            || match o {
                                ObsValue::Url(k) => {
                                    let host = url_key_host(k);
                                    let hv = if host.first() == Some(&b'[') {
                                        std::str::from_utf8(&host[1..host.len() - 1])
                                            .ok()
                                            .and_then(|s| s.parse::<Ipv6Addr>().ok())
                                            .map(|x| ObsValue::V6(x, None))
                                    } else if let Some(v4) = std::str::from_utf8(host)
                                        .ok()
                                        .and_then(|s| s.parse::<Ipv4Addr>().ok())
                                    {
                                        Some(ObsValue::V4(v4, None))
                                    } else {
                                        Some(ObsValue::Domain(host.to_vec()))
                                    };
                                    hv.is_some_and(|hv| matches(a, &hv).is_some())
                                }
                                _ => false,
                            }
                    }
                },
            };
            if hit {
                return true;
            }
        }
        false
    }

    /// The sightings `scan_line` must report for `line` at `now`, sorted by (start, end, id).
    pub fn scan(&self, line: &[u8], now: Timestamp) -> Vec<Hit> {
        let mut hits = Vec::new();
        for o in observations(line) {
            let mut mine = Vec::new();
            for (id, ind) in self.inds.iter().enumerate() {
                if !ind.meta.is_valid_at(now) {
                    continue;
                }
                if let Some(port_specific) = matches(ind, &o.value) {
                    mine.push(Hit {
                        start: if port_specific {
                            o.port_start.unwrap_or(o.start)
                        } else {
                            o.start
                        },
                        end: if port_specific { o.port_end } else { o.end },
                        id,
                        kind: ind.kind(),
                    });
                }
            }
            if !mine.is_empty() && !self.allowed(Some(&o.value), &o.text(), now) {
                hits.extend(mine);
            }
        }
        for (id, ind) in self.inds.iter().enumerate() {
            if !ind.meta.is_valid_at(now) {
                continue;
            }
            let mut spans = Vec::new();
            match &ind.value {
                Value::Literal { bytes, nocase } => {
                    // Every position, overlapping occurrences included.
                    for (i, w) in line.windows(bytes.len()).enumerate() {
                        let eq = if *nocase {
                            w.eq_ignore_ascii_case(bytes)
                        } else {
                            w == bytes.as_slice()
                        };
                        if eq {
                            spans.push((i, i + bytes.len()));
                        }
                    }
                }
                Value::Regex(_) => {
                    if let Some(re) = &self.regexes[id] {
                        spans.extend(re.find_iter(line).map(|m| (m.start(), m.end())));
                    }
                }
                _ => {}
            }
            for (s, e) in spans {
                if !self.allowed(None, &line[s..e], now) {
                    hits.push(Hit {
                        start: s,
                        end: e,
                        id,
                        kind: ind.kind(),
                    });
                }
            }
        }
        hits.sort();
        hits.dedup_by_key(|h| (h.start, h.end, h.id));
        hits
    }
}

/// Builds a database from the same lists (panics on a build error: tests only).
pub fn build_db(inds: &[Indicator], allow: &[Indicator]) -> Database {
    let mut b = linerate::Builder::new();
    for i in inds {
        b.add(i.clone()).expect("add");
    }
    for a in allow {
        b.add_allow(a.clone()).expect("add_allow");
    }
    b.build().expect("build")
}

/// The lines of a block as `Database::scan_lines` defines them, written plainly: split at
/// `\n`; a `\r` before a `\n` dropped; a last line without `\n` kept as it is (a `\r` at
/// its end too).
pub fn block_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let last = parts.len() - 1;
    if data.last().is_none_or(|&b| b == b'\n') {
        parts.pop();
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, l)| match l.strip_suffix(b"\r") {
            Some(x) if i < last => x,
            _ => l,
        })
        .collect()
}

/// What `scan_line` reports, as [`Hit`]s in the order emitted.
pub fn scanner_hits(db: &Database, scratch: &mut Scratch, line: &[u8], now: Timestamp) -> Vec<Hit> {
    let mut v = Vec::new();
    db.scan_line(line, scratch, now, |s| {
        v.push(Hit {
            start: s.span.start,
            end: s.span.end,
            id: s.indicator.index(),
            kind: s.kind,
        })
    });
    v
}

/// Renders hits as `kind start..end value` lines for readable diffs.
pub fn render(hits: &[Hit], inds: &[Indicator]) -> Vec<String> {
    hits.iter()
        .map(|h| {
            let v = inds
                .get(h.id)
                .map_or_else(|| "?".to_string(), |i| i.value.to_string());
            format!("{} {}..{} {}", h.kind, h.start, h.end, v)
        })
        .collect()
}
