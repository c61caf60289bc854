//! `Database::scan_line_chunked` against `Database::scan_line`: on random lines with planted
//! indicators of every kind (mixed with random bytes, whitespace, NUL, invalid UTF-8), cut in
//! random piece sizes, the chunked scan reports exactly the same sightings, in the same
//! order, since every planted observation is shorter than the overlap. Also: every cut
//! position around a token, with and without whitespace near the cut.
//!
//! Default: 256 cases (a few seconds in debug). More: `PROPTEST_CASES=20000`.

#[path = "../fuzz/common/mod.rs"]
mod common;

use linerate::{Database, Scratch, Sighting, Timestamp, LONG_LINE_OVERLAP};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const PLANTED: &[&str] = &[
    "1.2.3.4",
    "10.1.2.3",
    "10.9.9.9",
    "192.0.2.7:443",
    "[2001:db8::2]:8443",
    "2001:db8::1",
    "::ffff:10.9.9.9",
    "fe80::1%eth0",
    "evil.com",
    "a.evil.com.",
    "good.evil.com",
    "x.a.b.example.org",
    "xn--bcher-kva.de",
    "bad_host.net",
    "http://evil.com/x?y=1",
    "http://evil.com/ok",
    "https://198.51.100.7:8443/gate.php",
    "evil.net/path",
    "bad@evil.com",
    "ok@evil.com",
    "x.y+z@mail.example.org",
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    "cmd.exe",
    "CMD.EXE",
    "\0\0\0",
    "aaa",
    "select x from",
    "powershell -enc",
    "0123456789abx",
    "allowme",
    "safe12",
];

const FILLER: &[u8] = b"ab.:/-_@[]19 \t\0\xff\xc3,x";

fn part() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(PLANTED).prop_map(|s| s.as_bytes().to_vec()),
        2 => prop::collection::vec(prop::sample::select(FILLER), 0..24),
        1 => Just(b" ".to_vec()),
    ]
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(part(), 0..400).prop_map(|parts| parts.concat())
}

fn whole(db: &Database, s: &mut Scratch, line: &[u8], now: Timestamp) -> Vec<Sighting> {
    let mut v = Vec::new();
    db.scan_line(line, s, now, |x| v.push(*x));
    v
}

fn chunked(
    db: &Database,
    s: &mut Scratch,
    line: &[u8],
    now: Timestamp,
    piece: usize,
) -> Vec<Sighting> {
    let mut v = Vec::new();
    db.scan_line_chunked(line, s, now, piece, |x| v.push(*x));
    v
}

#[test]
fn chunked_equals_whole_line_on_random_lines() {
    let db = common::database();
    let scratch = std::cell::RefCell::new(Scratch::new());
    let mut runner = TestRunner::new(Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(256),
        ..Config::default()
    });
    // Pieces of 1.5–6 KiB: overlaps of 192–768 bytes, longer than every planted token.
    let strategy = (line(), 1536usize..6144, 0usize..3);
    runner
        .run(&strategy, |(line, piece, t)| {
            let now = common::NOWS[t];
            let scratch = &mut *scratch.borrow_mut();
            let want = whole(&db, scratch, &line, now);
            let got = chunked(&db, scratch, &line, now, piece);
            prop_assert_eq!(
                &got,
                &want,
                "line of {} bytes, pieces of {}",
                line.len(),
                piece
            );
            Ok(())
        })
        .unwrap();
}

/// A token moved across the first cut byte by byte, delimited by spaces (window edges land
/// on whitespace) or by commas (no whitespace anywhere: the windows' edges are artificial).
#[test]
fn every_cut_position_around_a_token() {
    let db = common::database();
    let mut scratch = Scratch::new();
    let now = common::NOWS[1];
    let piece = 1024;
    // The first core is piece - 4 * overlap bytes long.
    let overlap = LONG_LINE_OVERLAP.min(piece / 8);
    let cut = piece - 4 * overlap;
    for token in [
        &b"1.2.3.4"[..],
        b"[2001:db8::2]:8443",
        b"http://evil.com/x?y=1",
        b"x.y+z@mail.example.org",
        b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        b"aa",
        b"\0\0",
        b"select x from",
    ] {
        for sep in [b' ', b','] {
            for shift in 0..token.len() + 2 {
                let mut line = vec![b'q'; cut + shift - token.len() - 1];
                line.push(sep);
                line.extend_from_slice(token);
                line.push(sep);
                while line.len() < 3 * piece {
                    line.extend_from_slice(b"qqqqqqq");
                    line.push(sep);
                }
                let want = whole(&db, &mut scratch, &line, now);
                assert!(!want.is_empty(), "{:?}", String::from_utf8_lossy(token));
                let got = chunked(&db, &mut scratch, &line, now, piece);
                assert_eq!(
                    got,
                    want,
                    "{:?} ending {shift} bytes past the cut, separator {:?}",
                    String::from_utf8_lossy(token),
                    sep as char
                );
            }
        }
    }
}

/// Lines no longer than the piece are scanned in one go (same result, no extra work), and
/// tiny pieces are raised to a workable size instead of failing.
#[test]
fn short_lines_and_tiny_pieces() {
    let db = common::database();
    let mut scratch = Scratch::new();
    let now = common::NOWS[1];
    let line = b"1.2.3.4 evil.com http://evil.com/x?y=1 bad@evil.com cmd.exe ".repeat(50);
    let want = whole(&db, &mut scratch, &line, now);
    assert_eq!(want.len() % 50, 0);
    for piece in [0, 1, 7, 64, 100, 500, line.len(), usize::MAX] {
        let got = chunked(&db, &mut scratch, &line, now, piece);
        assert_eq!(got, want, "piece {piece}");
    }
    assert!(chunked(&db, &mut scratch, b"", now, 0).is_empty());
}
