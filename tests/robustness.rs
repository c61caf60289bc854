//! Robustness: hostile inputs, resource limits, and work that stays linear in the input.
//!
//! Work is measured by counting, not by the clock, wherever the library lets a test count:
//! a counting global allocator (per thread, so parallel tests do not disturb each other)
//! gives allocations, allocated bytes and live bytes; sightings are counted exactly. Where
//! only time can show the property (lookups on adversarial hash keys, scan time on hostile
//! shapes), the bounds are generous ratios between two runs in the same process, stated at
//! each test, never absolute budgets.
//!
//! The big variants are `#[ignore]`d (debug builds are slow):
//! `cargo test --release --test robustness -- --ignored`.

#[path = "../fuzz/common/mod.rs"]
mod common;

use linerate::feed::{self, LoadOptions};
use linerate::{
    Builder, Database, ErrorKind, Indicator, Kind, Limits, Meta, Scratch, Sighting, Timestamp,
    Value,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Counting allocator

/// Counts this thread's allocations (`alloc`, `realloc`), the bytes they asked for, and the
/// bytes currently live. Thread-local, so each test counts only its own work.
struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
    static BYTES: Cell<u64> = const { Cell::new(0) };
    static LIVE: Cell<i64> = const { Cell::new(0) };
}

fn note(allocs: u64, bytes: u64, live: i64) {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + allocs));
    let _ = BYTES.try_with(|c| c.set(c.get() + bytes));
    let _ = LIVE.try_with(|c| c.set(c.get() + live));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(1, l.size() as u64, l.size() as i64);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note(1, l.size() as u64, l.size() as i64);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        note(0, 0, -(l.size() as i64));
        // SAFETY: as above.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        note(1, new as u64, new as i64 - l.size() as i64);
        // SAFETY: as above.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// What this thread allocated while `f` ran.
#[derive(Clone, Copy, Debug, Default)]
struct Work {
    allocs: u64,
    bytes: u64,
    /// Growth of live heap bytes.
    live: i64,
}

fn counted<R>(f: impl FnOnce() -> R) -> (R, Work) {
    let a = ALLOCS.with(Cell::get);
    let b = BYTES.with(Cell::get);
    let l = LIVE.with(Cell::get);
    let r = f();
    let w = Work {
        allocs: ALLOCS.with(Cell::get) - a,
        bytes: BYTES.with(Cell::get) - b,
        live: LIVE.with(Cell::get) - l,
    };
    (r, w)
}

// ---------------------------------------------------------------------------------------
// Helpers

const MIB: usize = 1 << 20;

/// The time scans run at: after the validity windows' edge (`common::T1`).
const NOW: Timestamp = common::NOWS[1];

fn count_hits(db: &Database, scratch: &mut Scratch, line: &[u8], now: Timestamp) -> usize {
    let mut n = 0;
    db.scan_line(line, scratch, now, |_| n += 1);
    n
}

fn hits(db: &Database, scratch: &mut Scratch, line: &[u8], now: Timestamp) -> Vec<Sighting> {
    let mut v = Vec::new();
    db.scan_line(line, scratch, now, |s| v.push(*s));
    v
}

fn repeat(piece: &[u8], min_len: usize) -> Vec<u8> {
    piece.repeat(min_len.div_ceil(piece.len().max(1)))
}

/// A name of `labels` labels, single letters then `co.uk` (an indicator): 126 labels is the
/// deepest valid name (253 bytes), 127 labels is one label too long to be a domain.
fn deep_name(labels: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..labels.saturating_sub(2) {
        v.push(b'a' + (i % 26) as u8);
        v.push(b'.');
    }
    v.extend_from_slice(b"co.uk");
    v
}

/// Hostile line shapes: (name, repeated piece, sightings per piece with [`common::database`]
/// at [`NOW`], or `None` when not worked out by hand).
fn shapes() -> Vec<(&'static str, Vec<u8>, Option<usize>)> {
    let mut deep = deep_name(127);
    deep.push(b' ');
    let mut deepest = deep_name(126);
    deepest.push(b' ');
    vec![
        ("only dots", b".".to_vec(), Some(0)),
        ("only digits", b"7".to_vec(), Some(0)),
        ("only colons", b":".to_vec(), Some(0)),
        ("all hex", b"0123456789abcdef".to_vec(), Some(0)),
        // "\0\0" is a literal indicator: n - 1 overlapping sightings in n NULs.
        ("NUL flood", b"\0".to_vec(), None),
        ("invalid UTF-8", b"\xff\xfe\x80\xc3".to_vec(), Some(0)),
        ("dotted digits", b"1.2.3.4.".to_vec(), Some(0)),
        ("hex and colons", b"a:b:c:d:".to_vec(), None),
        // 1.2.3.4 and 0.0.0.0/1 both cover each token.
        ("IPv4 tokens", b"1.2.3.4 ".to_vec(), Some(2)),
        ("short tokens", b"a.bc ".to_vec(), None),
        // 127 labels (too long to be a name) and 126 labels ending in co.uk, an indicator
        // (and matches of the regex `a.b` here and there).
        ("deep names", deep, None),
        ("deepest names", deepest, None),
        ("at signs", b"a@b.cd@".to_vec(), None),
        ("scheme separators", b"a://".to_vec(), Some(0)),
    ]
}

// ---------------------------------------------------------------------------------------
// No allocation in the scan path after warm-up

/// Lines with sightings of every kind, allowlisted observations, and hostile shapes.
fn mixed_lines() -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = vec![
        b"GET http://evil.com/x?y=1 from 10.1.2.3 to 192.0.2.7:443 ref=a.b.example.org".to_vec(),
        b"mail from bad@evil.com to x.y+z@mail.example.org via [2001:db8::2]:8443 fe80::1%eth0"
            .to_vec(),
        b"md5=d41d8cd98f00b204e9800998ecf8427e sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709"
            .to_vec(),
        b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 cmd.exe CMD.EXE"
            .to_vec(),
        b"SELECT name FROM users; powershell -enc AAAA 0123456789abx a-b a.b".to_vec(),
        b"allowme good.evil.com ok@evil.com http://evil.com/ok 10.9.1.1 safe42".to_vec(),
        "xn--bcher-kva.de \u{a0}evil.com\u{2019} ::ffff:10.9.9.9 caf\u{e9}"
            .as_bytes()
            .to_vec(),
        b"http://evil.com/x?y=1#f https://EVIL.com:443/a%41b ftp://u:p@h.evil.net/ evil.net/path"
            .to_vec(),
        b"\0\0\0\xff\xfe 1.2.3.4 \x80evil.com\xc3".to_vec(),
        b"https://198.51.100.7:8443/gate.php ftp://[2001:db8::5]/a%41b http://[::1]:8080/".to_vec(),
        Vec::new(),
    ];
    for (_, piece, _) in shapes() {
        lines.push(repeat(&piece, 64 << 10));
    }
    lines
}

#[test]
fn scan_path_allocates_nothing_after_warm_up() {
    let db = common::database();
    let lines = mixed_lines();
    let mut scratch = Scratch::new();
    let mut total = 0usize;
    // Warm-up: every line at every time, twice (automaton caches are created lazily).
    for _ in 0..2 {
        for now in common::NOWS {
            for l in &lines {
                total += count_hits(&db, &mut scratch, l, now);
                db.scan_line_chunked(l, &mut scratch, now, 4096, |_| total += 1);
            }
        }
    }
    assert!(total > 100, "the lines should give sightings, got {total}");
    let (seen, w) = counted(|| {
        let mut n = 0usize;
        for _ in 0..3 {
            for now in common::NOWS {
                for l in lines.iter().rev() {
                    db.scan_line(l, &mut scratch, now, |_| n += 1);
                    let _ = db.scan_line_until(l, &mut scratch, now, |_| {
                        n += 1;
                        ControlFlow::Break(())
                    });
                    db.scan_line_chunked(l, &mut scratch, now, 4096, |_| n += 1);
                }
            }
        }
        n
    });
    assert!(seen > 300);
    assert_eq!(
        w.allocs, 0,
        "scanning with a warmed scratch allocated {} times ({} bytes)",
        w.allocs, w.bytes
    );
}

/// Observations whose normalization allocates today (reported to the lead): Unicode names
/// (IDNA, in the idna crate). A few small allocations per observation, all freed before the
/// scan returns: bounded, and no growth of the heap. (URLs with an IP-literal host were in
/// this list until main's 9de29a4; they are in the strict test above now.)
const ALLOCATING: &[&str] = &[
    "b\u{fc}cher.de",
    "http://b\u{fc}cher.de/x",
    "a@b\u{fc}cher.de",
];

#[test]
fn scan_path_allocation_exceptions_are_bounded_and_freed() {
    let db = common::database();
    let mut scratch = Scratch::new();
    for line in ALLOCATING {
        let long = format!("{line} ").repeat(1000);
        for _ in 0..2 {
            count_hits(&db, &mut scratch, long.as_bytes(), NOW);
        }
        let (_, w) = counted(|| count_hits(&db, &mut scratch, long.as_bytes(), NOW));
        assert!(w.allocs <= 4 * 1000, "{line}: {w:?} for 1000 observations");
        assert_eq!(w.live, 0, "{line}: the heap grew");
    }
}

/// The strict form of the exceptions above: fails until the lead's normalization stops
/// allocating for them. `cargo test --test robustness -- --ignored strict`
#[test]
#[ignore = "known: Unicode (IDNA) names allocate while being normalized (reported)"]
fn scan_path_allocates_nothing_strict() {
    let db = common::database();
    let mut scratch = Scratch::new();
    let mut failures = Vec::new();
    for line in ALLOCATING {
        for _ in 0..2 {
            count_hits(&db, &mut scratch, line.as_bytes(), NOW);
        }
        let (_, w) = counted(|| count_hits(&db, &mut scratch, line.as_bytes(), NOW));
        if w.allocs > 0 {
            failures.push(format!("{line:?}: {} allocations", w.allocs));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// ---------------------------------------------------------------------------------------
// Linear work

/// Scans `line` with a fresh scratch: (sightings, allocation work).
fn fresh_scan(db: &Database, line: &[u8]) -> (usize, Work) {
    let mut scratch = Scratch::new();
    counted(|| count_hits(db, &mut scratch, line, NOW))
}

/// The shortest of two timings of `f`.
fn min_time(mut f: impl FnMut()) -> Duration {
    (0..2)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// For every hostile shape, a line of n = 128 KiB and one of 4n: the sightings are exactly
/// 4 times as many (counted), the bytes allocated by a fresh scratch at most 4 times as
/// many plus a constant (the automaton caches, which do not depend on the line), and the
/// allocation count grows by a few doublings at most. Time: 4n must take less than 10 times
/// n (a quadratic scan takes 16 times; timing is the only measure here, hence the margin).
#[test]
fn work_is_linear_in_the_line() {
    let db = common::database();
    let n = 128 << 10;
    for (name, piece, per_piece) in shapes() {
        let small = repeat(&piece, n);
        let big = small.repeat(4);
        let (hs, ws) = fresh_scan(&db, &small);
        let (hb, wb) = fresh_scan(&db, &big);
        if let Some(k) = per_piece {
            assert_eq!(hs, k * small.len() / piece.len(), "{name}: sightings");
        }
        assert!(
            hb.abs_diff(4 * hs) <= 4,
            "{name}: {hs} sightings on n, {hb} on 4n"
        );
        assert!(
            wb.bytes <= 4 * ws.bytes + 4 * MIB as u64,
            "{name}: {} bytes allocated on n, {} on 4n",
            ws.bytes,
            wb.bytes
        );
        assert!(
            wb.allocs <= ws.allocs + 8,
            "{name}: {} allocations on n, {} on 4n",
            ws.allocs,
            wb.allocs
        );
        // Alternate the two sizes so that a busy machine slows both alike; keep the fastest.
        let mut scratch = Scratch::new();
        let (mut ts, mut tb) = (Duration::MAX, Duration::MAX);
        for _ in 0..2 {
            ts = ts.min(min_time(|| {
                count_hits(&db, &mut scratch, &small, NOW);
            }));
            tb = tb.min(min_time(|| {
                count_hits(&db, &mut scratch, &big, NOW);
            }));
        }
        eprintln!("{name}: {ts:?} on n, {tb:?} on 4n");
        assert!(
            tb < ts * 10 + Duration::from_millis(50),
            "{name}: {ts:?} on {} bytes but {tb:?} on 4x that",
            small.len()
        );
    }
}

/// One line of `size` bytes mixing every hostile shape, with a marker (`evil.com`) planted
/// between shapes: every marker is reported at its offset, and nothing else of the markers'
/// indicator is.
fn huge_line(size: usize) {
    let db = common::database();
    let mut line = Vec::with_capacity(size + MIB);
    let mut markers = Vec::new();
    let shapes = shapes();
    let mut i = 0;
    while line.len() < size {
        let (name, piece, _) = &shapes[i % shapes.len()];
        if !matches!(*name, "IPv4 tokens" | "deep names" | "deepest names") {
            line.extend_from_slice(&repeat(piece, MIB / 2));
        }
        line.extend_from_slice(b" ");
        markers.push(line.len());
        line.extend_from_slice(b"evil.com ");
        i += 1;
    }
    let mut scratch = Scratch::new();
    let got = hits(&db, &mut scratch, &line, NOW);
    let domain_hits: Vec<usize> = got
        .iter()
        .filter(|s| s.kind == Kind::Domain)
        .map(|s| s.span.start)
        .collect();
    assert_eq!(
        domain_hits,
        markers,
        "markers in a {} byte line",
        line.len()
    );
    let mut chunked = Vec::new();
    db.scan_line_chunked(&line, &mut scratch, NOW, 4 * MIB, |s| chunked.push(*s));
    assert_eq!(chunked, got, "chunked scan of the {} byte line", line.len());
}

#[test]
fn line_of_24_mib() {
    huge_line(24 * MIB);
}

#[test]
#[ignore = "100 MB in one line: slow in debug; run with --release -- --ignored"]
fn line_of_100_mb() {
    huge_line(100 * 1000 * 1000);
}

/// Millions of tokens in one line: 1 M addresses (each covered by two indicators), 1 M
/// short names (each a match of the regex `a.b`) and the 1-byte tokens between them.
#[test]
fn millions_of_tokens_in_one_line() {
    let db = common::database();
    let line = b"1.2.3.4 a.bc ".repeat(1_000_000);
    let mut scratch = Scratch::new();
    let mut by_kind = [0usize; 10];
    let mut last = (0, 0);
    db.scan_line(&line, &mut scratch, NOW, |s| {
        assert!((s.span.start, s.span.end) >= last, "order");
        last = (s.span.start, s.span.end);
        by_kind[s.kind as usize] += 1;
    });
    assert_eq!(by_kind[Kind::Ip as usize], 2_000_000);
    assert_eq!(by_kind[Kind::Regex as usize], 1_000_000);
    assert_eq!(by_kind.iter().sum::<usize>(), 3_000_000);
}

// ---------------------------------------------------------------------------------------
// Limits

#[test]
fn regex_over_its_size_limit_is_a_clear_error() {
    // Default limits: patterns whose NFA is far over 1 MiB are refused at `add`, quickly.
    for p in [
        r"[\x00-\xff]{1000}{100}",
        r"(?u)\w{1000}",
        r"(a|b|c|d|e|f|g){1000}{50}",
    ] {
        let mut b = Builder::new();
        let ind = Indicator::new(Value::Regex(p.into()), Meta::source("t"));
        let t = Instant::now();
        let e = b.add(ind).expect_err("over the default size limit");
        assert!(t.elapsed() < Duration::from_secs(20), "{p}");
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{p}: {e}");
        assert!(e.to_string().contains("{1000}"), "names the pattern: {e}");
        assert!(b.is_empty());
        // Value::parse applies the same default limit.
        let e = Value::parse(Kind::Regex, p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{p}: {e}");
    }

    // A smaller configured limit refuses a pattern the default accepts.
    let mut b = Builder::new();
    b.limits(Limits {
        regex_size_limit: 10 << 10,
        ..Limits::default()
    });
    let small = Indicator::new(Value::Regex(r"[a-z]{3}x".into()), Meta::source("t"));
    b.add(small).expect("small regex");
    let big = Indicator::new(Value::Regex(r"[a-z0-9]{2000}".into()), Meta::source("t"));
    assert_eq!(b.add(big).unwrap_err().kind(), ErrorKind::LimitExceeded);
    assert_eq!(b.len(), 1);
    b.build().expect("the accepted regex builds");

    // Nesting deep enough to overflow a recursive parser is refused, not a crash.
    let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Value::parse(Kind::Regex, &deep).is_err());
}

#[test]
fn regexes_over_the_total_limit_are_a_clear_error() {
    let mut b = Builder::new();
    b.limits(Limits {
        regex_total_size_limit: 256 << 10,
        ..Limits::default()
    });
    // Each one is fine alone; together they exceed 256 KiB.
    for i in 0..64 {
        let p = format!(r"tag{i}[a-z0-9]{{40}}end");
        b.add(Indicator::new(Value::Regex(p), Meta::source("t")))
            .expect("each regex alone is under the per-regex limit");
    }
    let e = b.build().expect_err("over the total limit");
    assert_eq!(e.kind(), ErrorKind::LimitExceeded, "{e}");
    assert!(e.to_string().contains("regex_total_size_limit"), "{e}");
    // With the default limit the same set builds.
    b.limits(Limits::default());
    b.build().expect("under the default total limit");
}

#[test]
fn indicator_count_limit() {
    let mut b = Builder::new();
    b.limits(Limits {
        max_indicators: 10,
        ..Limits::default()
    });
    for i in 0..10 {
        b.add(Indicator::parse(Kind::Domain, &format!("d{i}.example"), "a").unwrap())
            .unwrap();
    }
    let e = b
        .add(Indicator::parse(Kind::Domain, "d10.example", "a").unwrap())
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert!(e.to_string().contains("max_indicators"), "{e}");
    // A duplicate still merges at the limit.
    b.add(Indicator::parse(Kind::Domain, "d3.example", "b").unwrap())
        .expect("merge at the limit");
    assert_eq!(b.build().unwrap().len(), 10);
    let d = Limits::default();
    assert_eq!(
        (
            d.max_indicators,
            d.regex_size_limit,
            d.regex_total_size_limit
        ),
        (50_000_000, 1 << 20, 64 << 20)
    );
}

// ---------------------------------------------------------------------------------------
// Duplicates: memory stays flat

/// 2 M adds of 4 values from 3 sources: the builder holds 4 indicators, its live heap does
/// not grow after the first round (counted by the allocator), and the database is the same
/// size as one built from the 4 values once.
#[test]
fn millions_of_duplicates_stay_flat() {
    let values: Vec<Indicator> = [
        (Kind::Domain, "evil.com"),
        (Kind::Ip, "10.0.0.0/8"),
        (Kind::Url, "http://evil.com/x"),
        (
            Kind::Sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
    ]
    .iter()
    .map(|&(k, v)| Indicator::parse(k, v, "feed").unwrap())
    .collect();
    let mut once = Builder::new();
    for v in &values {
        once.add(v.clone()).unwrap();
    }
    let once = once.build().unwrap();

    let mut b = Builder::new();
    let sources: Vec<Meta> = (0..3).map(|i| Meta::source(format!("feed{i}"))).collect();
    let round = |b: &mut Builder, k: usize| {
        for v in &values {
            let mut ind = v.clone();
            ind.meta = sources[k % 3].clone();
            b.add(ind).unwrap();
        }
    };
    for k in 0..3 {
        round(&mut b, k);
    }
    let ((), w) = counted(|| {
        for k in 0..500_000 {
            round(&mut b, k);
        }
    });
    assert_eq!(b.len(), 4);
    assert!(
        w.live.abs() < 64 << 10,
        "live heap grew by {} bytes over 2 M duplicate adds",
        w.live
    );
    let db = b.build().unwrap();
    assert_eq!(db.len(), 4);
    assert_eq!(db.memory_estimate(), once.memory_estimate());
    let id = db.iter().next().unwrap();
    assert_eq!(id.meta.sources, ["feed0", "feed1", "feed2"]);
}

/// A plain feed of 1 M identical lines loads into one indicator.
#[test]
fn feed_of_a_million_duplicate_lines() {
    let text = b"evil.com\n".repeat(1_000_000);
    let loaded = feed::load(&text, &LoadOptions::new("dups")).unwrap();
    assert_eq!(loaded.report.skipped_count, 0);
    let mut b = Builder::new();
    loaded.add_to(&mut b).unwrap();
    let db = b.build().unwrap();
    assert_eq!(db.len(), 1);
    assert!(db.count_by_kind().contains(&(Kind::Domain, 1)));
}

// ---------------------------------------------------------------------------------------
// Keyed hashing

/// FNV-1a, 64 bit: a fixed, well-known hash an attacker could aim keys at.
fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Foldhash with a fixed seed, hashing `&[u8]` the way the lookup tables do.
fn foldhash_fixed(b: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(b)
}

/// `count` domain names whose hash under `h` has the same low `bits` bits: in an
/// open-addressing table of up to `2^bits` slots indexed by the hash they would all land in
/// one slot, and linear probing would walk one cluster of them per insert and lookup.
fn colliding_names(count: usize, bits: u32, h: fn(&[u8]) -> u64, salt: &str) -> Vec<String> {
    use std::fmt::Write;
    let mask = (1u64 << bits) - 1;
    let mut out = Vec::with_capacity(count);
    let mut name = String::new();
    let mut i = 0u64;
    while out.len() < count {
        name.clear();
        let _ = write!(name, "{salt}{i:x}.co");
        if h(name.as_bytes()) & mask == 0 {
            out.push(name.clone());
        }
        i += 1;
    }
    out
}

fn random_names(count: usize, salt: &str) -> Vec<String> {
    // Same shape and lengths as the crafted names, but no chosen hashes.
    (0..count as u64)
        .map(|i| format!("{salt}{:x}.co", i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 36))
        .collect()
}

fn domain_db(names: &[String]) -> Database {
    let mut b = Builder::new();
    for n in names {
        b.add(Indicator::new(Value::Domain(n.clone()), Meta::source("t")))
            .unwrap();
    }
    b.build().unwrap()
}

/// Time to build a database of `names` and to scan lines naming each of them (every name a
/// hit, so every lookup reaches the hash table past the Bloom filter).
fn build_and_lookup(names: &[String]) -> (Duration, Duration, usize) {
    let mut build = Duration::MAX;
    let mut db = None;
    for _ in 0..2 {
        let t = Instant::now();
        db = Some(domain_db(names));
        build = build.min(t.elapsed());
    }
    let db = db.unwrap_or_default();
    let lines: Vec<String> = names.chunks(64).map(|c| c.join(" ")).collect();
    let mut scratch = Scratch::new();
    let mut n = 0;
    let lookup = min_time(|| {
        n = 0;
        for l in &lines {
            n += count_hits(&db, &mut scratch, l.as_bytes(), Timestamp(0));
        }
    });
    (build, lookup, n)
}

/// 4096 names crafted so that FNV-1a (or foldhash with a fixed seed) gives them the same
/// low 13 bits: a table of 8192 slots or fewer indexed by such a fixed hash would hold them
/// in one cluster, and every insert and every lookup would walk half of it on average
/// (thousands of probes instead of one or two). With the lookup tables' per-process seed
/// they spread like any names: building a database of them and looking each one up takes
/// less than 3 times as long as for ordinary names of the same shape. The lookups are all
/// hits, so each one gets past the Bloom filter to the hash table. Timing is the only
/// measure the public API offers here; hence the generous ratio. Checked to fail: with the
/// tables' hasher switched to `foldhash::fast::FixedState` (seed 0), building the crafted
/// names took 8.5 times as long as ordinary ones and looking them up 2.9 times (debug).
#[test]
fn keys_colliding_under_a_fixed_hash_do_not_degrade_lookups() {
    let n = 4096;
    let plain = random_names(n, "r");
    for (what, h) in [
        ("FNV-1a", fnv1a as fn(&[u8]) -> u64),
        ("fixed-seed foldhash", foldhash_fixed),
    ] {
        let crafted = colliding_names(n, 13, h, "c");
        // Alternate ordinary and crafted runs so that machine load hits both; keep minima.
        let (mut pb, mut pl, mut cb, mut cl) =
            (Duration::MAX, Duration::MAX, Duration::MAX, Duration::MAX);
        for _ in 0..2 {
            let (b, l, ph) = build_and_lookup(&plain);
            assert_eq!(ph, n);
            (pb, pl) = (pb.min(b), pl.min(l));
            let (b, l, ch) = build_and_lookup(&crafted);
            assert_eq!(ch, n, "{what}");
            (cb, cl) = (cb.min(b), cl.min(l));
        }
        eprintln!("{what}: build {cb:?} vs {pb:?}, lookups {cl:?} vs {pl:?}");
        assert!(
            cl < pl * 3 + Duration::from_millis(20),
            "{what}: looking up {n} crafted names took {cl:?}, ordinary names {pl:?}"
        );
        assert!(
            cb < pb * 3 + Duration::from_millis(50),
            "{what}: building {n} crafted names took {cb:?}, ordinary names {pb:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Odd inputs everywhere else

#[test]
fn hostile_indicator_values_are_errors_not_panics() {
    let long = "a".repeat(1 << 20);
    let deep = format!("{}com", "a.".repeat(200));
    let inputs: Vec<&str> = vec![
        "",
        " ",
        "\0",
        "[.]",
        "hxxp://",
        "://",
        "@",
        "a@",
        "@b.com",
        "::::::::",
        "1.2.3.4/33",
        "1.2.3.4:99999",
        "[::1]:",
        "[::1",
        "010.1.1.1",
        "xn--",
        "xn--.com",
        "ab\u{0}.com",
        "\u{feff}evil.com",
        &long,
        &deep,
        "http://[::1/",
        "http://a:b@:80",
        "http://%zz/",
        "((((((((((a",
        "a{99999999}",
    ];
    for text in inputs {
        for &k in Kind::ALL.iter() {
            let _ = Value::parse(k, text);
        }
        let _ = Value::infer(text);
    }
    // Deep names: 126 labels (253 bytes) parse as a domain; 127 labels, or 401 bytes, do not.
    let name = String::from_utf8(deep_name(126)).unwrap();
    assert_eq!((name.split('.').count(), name.len()), (126, 253));
    assert!(Value::parse(Kind::Domain, &name).is_ok());
    let name = String::from_utf8(deep_name(127)).unwrap();
    assert!(Value::parse(Kind::Domain, &name).is_err());
    assert!(Value::parse(Kind::Domain, &deep).is_err());
}

#[test]
fn hostile_feeds_are_reports_not_panics() {
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\n\n\n".to_vec(),
        b"\xff\xfe\0\0".to_vec(),
        b"\xef\xbb\xbf".to_vec(),
        vec![0u8; 1 << 16],
        b"domain\t".repeat(10_000),
        b"{".repeat(100_000),
        b"[".repeat(100_000),
        b"#fields\tindicator\tindicator_type\n".repeat(1000),
    ];
    inputs.push(b"x".repeat(4 << 20));
    for body in &inputs {
        let _ = feed::detect(body);
        let mut opts = LoadOptions::new("hostile");
        for f in std::iter::once(None).chain(feed::Format::ALL.iter().copied().map(Some)) {
            opts.format = f;
            if let Ok(l) = feed::load(body, &opts) {
                assert_eq!(l.report.total(), l.indicators.len());
                assert!(l.report.skipped.len() <= feed::LoadReport::MAX_DETAILS);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Fuzz findings (regression cases; inputs in fuzz/findings/)

/// Found by the `scan_diff` target (fuzz/findings/window_open_end_at_timestamp_max.bin):
/// an indicator with a `valid_from` and no `valid_until` is valid at `Timestamp::MAX` by
/// `Meta::is_valid_at` (and the oracle), but the scanner stores the open end as
/// `Timestamp::MAX` and compares `now < until`, so at `now == Timestamp::MAX` it gives no
/// sighting. Fixed on main (9de29a4).
#[test]
fn open_ended_window_is_live_at_timestamp_max() {
    let mut ind = Indicator::parse(Kind::Domain, "evil.com", "feed").unwrap();
    ind.meta.valid_from = Some(Timestamp(1_600_000_000));
    assert!(ind.meta.is_valid_at(Timestamp::MAX));
    let mut b = Builder::new();
    b.add(ind).unwrap();
    let db = b.build().unwrap();
    let n = count_hits(&db, &mut Scratch::new(), b"q EVIL.COM. x", Timestamp::MAX);
    assert_eq!(n, 1);
}

/// The same indicator just before `Timestamp::MAX`: live; before its start: not.
#[test]
fn open_ended_window_is_live_in_the_far_future() {
    let mut ind = Indicator::parse(Kind::Domain, "evil.com", "feed").unwrap();
    ind.meta.valid_from = Some(Timestamp(1_600_000_000));
    let mut b = Builder::new();
    b.add(ind).unwrap();
    let db = b.build().unwrap();
    let mut s = Scratch::new();
    assert_eq!(
        count_hits(&db, &mut s, b"q EVIL.COM. x", Timestamp(i64::MAX - 1)),
        1
    );
    assert_eq!(count_hits(&db, &mut s, b"q EVIL.COM. x", Timestamp(0)), 0);
}
