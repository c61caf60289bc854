//! Hostile lines: NUL, invalid UTF-8, 1 MiB+, only dots / digits / colons / hex, 127-label
//! names, hundreds of thousands of tokens, and shapes that make naive tokenizers quadratic.
//! `scan_line` must return the right answer (checked against the oracle where the oracle is
//! cheap enough, else against a hand-computed expectation), never panic, and stay linear:
//! each line is scanned under a generous time budget (debug build) that a quadratic
//! tokenizer on 1 MiB would blow by orders of magnitude.

mod oracle;

use linerate::{Indicator, Kind, Meta, Scratch, Timestamp, Value};
use oracle::{build_db, render, scanner_hits, Hit, Oracle};
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;
const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

/// Indicators of every kind, including catch-alls so that every IP observation is reported.
fn everything() -> Vec<Indicator> {
    let mut v = Vec::new();
    for (k, s) in [
        (Kind::Ip, "0.0.0.0/1"),
        (Kind::Ip, "128.0.0.0/1"),
        (Kind::Ip, "::/1"),
        (Kind::Ip, "8000::/1"),
        (Kind::Ip, "1.2.3.4:80"),
        (Kind::Domain, "evil.com"),
        (Kind::Domain, "a.aa"),
        (Kind::Url, "http://evil.com/x"),
        (Kind::Email, "a@evil.com"),
        (Kind::Md5, MD5),
        (Kind::Literal, "evil"),
        (Kind::Regex, r"[0-9]{4}x"),
    ] {
        v.push(Indicator::parse(k, s, "t").unwrap());
    }
    v
}

/// Scans `line` and returns the hits, failing when the scan takes longer than `budget`.
fn timed_scan(name: &str, inds: &[Indicator], line: &[u8], budget: Duration) -> Vec<Hit> {
    let db = build_db(inds, &[]);
    let mut scratch = Scratch::new();
    let t = Instant::now();
    let got = scanner_hits(&db, &mut scratch, line, Timestamp(0));
    let took = t.elapsed();
    eprintln!("{name}: {} bytes in {took:?}", line.len());
    assert!(
        took < budget,
        "{name}: scanning {} bytes took {took:?} (budget {budget:?}): not linear?",
        line.len()
    );
    // A second scan with the same scratch gives the same answer.
    assert_eq!(
        got,
        scanner_hits(&db, &mut scratch, line, Timestamp(0)),
        "{name}: rescan differs"
    );
    got
}

/// Scans and compares with the oracle.
fn vs_oracle(name: &str, inds: &[Indicator], line: &[u8]) -> Vec<Hit> {
    let got = timed_scan(name, inds, line, Duration::from_secs(10));
    let o = Oracle::new(inds, &[]);
    let want = o.scan(line, Timestamp(0));
    if want != got {
        let w = render(&want, o.indicators());
        let g = render(&got, o.indicators());
        let first = w
            .iter()
            .zip(&g)
            .position(|(a, b)| a != b)
            .unwrap_or(w.len().min(g.len()));
        panic!(
            "{name}: oracle {} hits, scanner {} hits; first difference at #{first}: oracle {:?} scanner {:?}",
            w.len(),
            g.len(),
            w.get(first),
            g.get(first)
        );
    }
    got
}

fn repeat(piece: &[u8], min_len: usize) -> Vec<u8> {
    let n = min_len.div_ceil(piece.len().max(1));
    piece.repeat(n)
}

#[test]
fn uniform_lines() {
    let inds = everything();
    for (name, byte) in [
        ("nul", 0u8),
        ("dots", b'.'),
        ("digits", b'7'),
        ("colons", b':'),
        ("hex", b'a'),
        ("spaces", b' '),
        ("at signs", b'@'),
        ("high bytes", 0xff),
        ("continuation bytes", 0x80),
        ("slashes", b'/'),
        ("closing parens", b')'),
    ] {
        let line = vec![byte; MIB + 3];
        let got = vs_oracle(name, &inds, &line);
        assert!(got.is_empty(), "{name}: {} hits", got.len());
    }
}

#[test]
fn repeated_patterns() {
    let inds = everything();
    for (name, piece, hits_per_piece) in [
        ("1. repeated", &b"1."[..], 0usize),
        ("1.2.3.4. repeated", b"1.2.3.4.", 0),
        ("addresses", b"1.2.3.4 ", 1),
        ("addresses with ports", b"1.2.3.4:80 ", 2),
        ("digit runs", b"0.0.0.0.0.0.0.0.0.", 0),
        ("colon pairs", b"::1 ", 1),
        ("mac addresses", b"00:11:22:33:44:55 ", 0),
        ("names", b"a.evil.com ", 2),
        ("emails", b"a@evil.com ", 3),
        ("hashes", format!("{MD5} ").as_bytes(), 1),
        ("hash with x", format!("{MD5}x").as_bytes(), 0),
        ("literal", b"evil", 1),
        ("regex", b"1234x ", 1),
        ("mixed junk", b"a.b:c@d/e%f[g]h", 0),
        ("utf8 names", "ü.aa ".as_bytes(), 0),
    ] {
        let line = repeat(piece, MIB / 4);
        let got = vs_oracle(name, &inds, &line);
        let pieces = line.len() / piece.len();
        assert_eq!(got.len(), pieces * hits_per_piece, "{name}");
    }
}

#[test]
fn long_names_and_tokens() {
    let inds = everything();
    // The longest legal name: 253 bytes (126 labels); 127 one-letter-ish labels are too long.
    let n253 = format!("aa.{}aa", "a.".repeat(124));
    assert_eq!(n253.len(), 253);
    assert_eq!(vs_oracle("253-byte name", &inds, n253.as_bytes()).len(), 1);
    let n127 = format!("{}aa", "a.".repeat(126));
    assert_eq!(n127.split('.').count(), 127);
    assert!(vs_oracle("127 labels", &inds, n127.as_bytes()).is_empty());
    // A 1 MiB name-like run, ASCII and Unicode: no observation, and linear.
    let long = [repeat(b"a.", MIB), b"evil.com".to_vec()].concat();
    let got = vs_oracle("1 MiB of labels", &inds, &long);
    assert!(
        got.iter().all(|h| h.kind == Kind::Literal),
        "only the literal 'evil'"
    );
    let unicode = "é".repeat(MIB / 2) + ".com";
    assert!(timed_scan(
        "1 MiB Unicode label",
        &inds,
        unicode.as_bytes(),
        Duration::from_secs(5)
    )
    .is_empty());
    let url = format!("http://{}/x", "é".repeat(MIB / 2));
    assert!(timed_scan(
        "1 MiB Unicode URL host",
        &inds,
        url.as_bytes(),
        Duration::from_secs(5)
    )
    .is_empty());
    // A 1 MiB hex run and a 1 MiB digit run with an address at each end.
    let mut hexy = b"1.2.3.4 ".to_vec();
    hexy.extend(std::iter::repeat_n(b'f', MIB));
    hexy.extend_from_slice(b" 1.2.3.4");
    assert_eq!(vs_oracle("hex run", &inds, &hexy).len(), 2);
}

#[test]
fn quadratic_traps() {
    let inds = everything();
    let budget = Duration::from_secs(5);
    // A URL whose tail is a million unbalanced closing brackets.
    let mut l = b"see http://evil.com/x".to_vec();
    l.extend(std::iter::repeat_n(b')', MIB));
    let got = timed_scan("url with 1M closers", &inds, &l, budget);
    assert_eq!(got.iter().filter(|h| h.kind == Kind::Url).count(), 1);
    // Many URLs and many '@' (every '@' checked against every URL's authority).
    let l = repeat(b"http://a@evil.com/ x@evil.com ", MIB / 2);
    let got = timed_scan("urls and emails", &inds, &l, budget);
    let pieces = l.len() / 30;
    assert_eq!(
        got.iter().filter(|h| h.kind == Kind::Email).count(),
        0,
        "x@evil.com is not a@evil.com"
    );
    assert_eq!(
        got.iter().filter(|h| h.kind == Kind::Domain).count(),
        2 * pieces
    );
    // 175k URLs, each with an '@' in its authority: the worst case for the userinfo check.
    let l = repeat(b"a://@ ", MIB);
    assert!(timed_scan("userinfo-only urls", &inds, &l, budget).is_empty());
    // Many scheme-only URLs.
    let l = repeat(b"a:// ", MIB);
    assert!(timed_scan("empty urls", &inds, &l, budget).is_empty());
    // Long local parts and domains around '@'.
    let mut l = vec![b'a'; MIB / 2];
    l.push(b'@');
    l.extend(std::iter::repeat_n(b'b', MIB / 2));
    assert!(timed_scan("long email halves", &inds, &l, budget).is_empty());
    // Scheme characters before every "://".
    let l = repeat(b"a.b+c-d://", MIB);
    timed_scan("scheme runs", &inds, &l, budget);
}

/// URL-path literals (more than the gate takes) against a line that begins a long listed
/// path at every `/`: the anchored walks are budgeted, so the scan stays linear.
#[test]
fn path_literal_walks_stay_linear() {
    let lit = |t: &str| {
        Indicator::new(
            Value::literal(t.as_bytes(), false).unwrap(),
            Meta::source("p"),
        )
    };
    let mut inds: Vec<Indicator> = (0..300).map(|i| lit(&format!("/p{i}/x"))).collect();
    inds.push(lit(&format!("{}/b", "/a".repeat(100))));
    inds.push(lit("/a/a/a/a"));
    let l = repeat(b"/a", MIB);
    let got = timed_scan("path walks", &inds, &l, Duration::from_secs(5));
    // `/a/a/a/a` at every `/` with 8 bytes left; the long path nowhere.
    assert_eq!(got.len(), l.len() / 2 - 3);
    assert!(got
        .iter()
        .all(|h| h.end - h.start == 8 && h.kind == Kind::Literal));
}

#[test]
fn nul_and_invalid_utf8_mixed() {
    let inds = everything();
    let mut line = Vec::new();
    let mut x: u32 = 12345;
    let pieces: [&[u8]; 8] = [
        b"1.2.3.4",
        b"evil.com",
        b"a@evil.com",
        MD5.as_bytes(),
        b"\x00",
        b"\xff\xfe",
        b"\xc3",
        b"::1",
    ];
    while line.len() < MIB {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        line.extend_from_slice(pieces[(x >> 16) as usize % pieces.len()]);
        if x & 1 == 0 {
            line.push((x >> 8) as u8);
        }
    }
    let got = vs_oracle("mixed NUL and invalid UTF-8", &inds, &line);
    assert!(
        got.len() > 1000,
        "planted indicators are found: {}",
        got.len()
    );
}

/// Every token shape at every offset modulo the word sizes a SIMD/SWAR anchor search uses,
/// with fillers that keep or break boundaries, at the start, middle and end of the line.
#[test]
fn every_offset() {
    let inds = everything();
    let o = Oracle::new(&inds, &[]);
    let db = build_db(&inds, &[]);
    let mut scratch = Scratch::new();
    let tokens: [&[u8]; 10] = [
        b"1.2.3.4:80",
        b"[::ffff:1.2.3.4]:80",
        b"2001:db8::1",
        b"a.evil.com.",
        b"http://evil.com/x).",
        b"a@evil.com",
        MD5.as_bytes(),
        b"evil",
        b"1234x",
        b"10:30:00",
    ];
    let fillers: [&[u8]; 4] = [b" ", b"x", b".", b"\xc3\xa9"];
    let mut checked = 0;
    for tok in tokens {
        for filler in fillers {
            for pre in 0..40 {
                for post in [0, 1, 7, 8, 9, 31] {
                    let mut line = filler.repeat(pre);
                    line.push(b' ');
                    line.extend_from_slice(tok);
                    line.push(b' ');
                    line.extend(filler.repeat(post));
                    for l in [&line[..], &line[1..], &line[..line.len() - 1]] {
                        let want = o.scan(l, Timestamp(0));
                        let got = scanner_hits(&db, &mut scratch, l, Timestamp(0));
                        assert_eq!(
                            render(&got, o.indicators()),
                            render(&want, o.indicators()),
                            "line {:?}",
                            String::from_utf8_lossy(l)
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 10 * 4 * 40 * 6 * 3);
}
