//! `Database::scan_lines` (a block of lines at once) reports exactly what `scan_line` on each
//! line reports, with the same line numbers and count: for databases whose prefilter
//! searches the block in one pass, and for those that fall back to the line loop.

mod oracle;
#[path = "support/build.rs"]
mod support;

use linerate::{Database, Indicator, Kind, Scratch, Timestamp};
use oracle::block_lines;
use support::{build, ind};

/// (line index, line, start, end, indicator) for each sighting, and the line count.
type Seen = (Vec<(u64, Vec<u8>, usize, usize, u32)>, u64);

fn by_lines(db: &Database, data: &[u8]) -> Seen {
    let mut s = Scratch::new();
    let mut v = Vec::new();
    let mut idx = 0;
    for line in block_lines(data) {
        db.scan_line(line, &mut s, Timestamp(0), |x| {
            v.push((idx, line.to_vec(), x.span.start, x.span.end, x.indicator.0));
        });
        idx += 1;
    }
    (v, idx)
}

fn in_block(db: &Database, data: &[u8]) -> Seen {
    let mut v = Vec::new();
    let n = db.scan_lines(data, &mut Scratch::new(), Timestamp(0), |i, line, x| {
        v.push((i, line.to_vec(), x.span.start, x.span.end, x.indicator.0));
    });
    (v, n)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn blocks_report_what_lines_report() {
    let names = [
        "evil.example",
        "bad-domain.test",
        "login.phish.example",
        "c2.example",
    ];
    let mut inds: Vec<Indicator> = names.iter().map(|n| ind(Kind::Domain, n)).collect();
    inds.push(ind(Kind::Ip, "198.51.100.23"));
    inds.push(ind(Kind::Url, "http://dl.example/payload.bin"));
    inds.push(ind(Kind::Email, "ceo@phish.example"));
    inds.push(ind(Kind::Literal, "/beacon.bin"));
    // Found in Unicode text only through the non-ASCII search (its witness is punycode).
    inds.push(ind(Kind::Domain, "café.example"));
    let with_short = {
        let mut v = inds.clone();
        v.push(ind(Kind::Domain, "od.lk"));
        v
    };
    // IPv6 indicators: lines with IPv6-looking text pass; a /8: lines with a dotted quad
    // in it (or `:ffff:`) pass. Both searched in the block too.
    let with_escapes = {
        let mut v = inds.clone();
        v.push(ind(Kind::Ip, "2001:db8::dead:beef"));
        v.push(ind(Kind::Ip, "10.0.0.0/8"));
        v
    };
    let dbs = [
        build(&inds, true),
        build(&with_short, true),
        build(&inds, false),
        build(&with_escapes, true),
    ];
    let pieces: [&[u8]; 22] = [
        b"src=2001:DB8::DEAD:BEEF dst=2001:db8::1",
        b"mapped ::ffff:10.1.2.3 and ::FFFF:a01:203",
        b"10.200.3.4:8080",
        b"a:b:c:",
        b"d:e:f",
        b"see https://www.caf\xc3\xa9.example/menu",
        b"GET http://www.evil.example/a HTTP/1.1",
        b"198.51.100.23 - - [10/Oct/2024] \"GET /beacon.bin\"",
        b"from ceo@Phish.Example to x",
        b"http://dl.example/payload.bin?x=1",
        b"nothing to see here, just a line of text 1.2.3.4",
        b"caf\xc3\xa9.evil.example",
        b"bad-domain.test",
        b"LOGIN.PHISH.EXAMPLE:443",
        b"od.lk",
        b"evil.exampl",
        b"",
        b"\r",
        b"c2.example\r",
        b"\xff\xfe binary",
        b"xc2.examplex c2.example.",
        b"198.51.100.230 not it",
    ];
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut blocks_seen = 0;
    for case in 0..400 {
        let mut data = Vec::new();
        for _ in 0..r.below(40) {
            let mut line = Vec::new();
            for _ in 0..1 + r.below(4) {
                if r.below(3) == 0 {
                    line.extend(pieces[r.below(pieces.len())]);
                } else {
                    line.extend((0..r.below(50)).map(|_| b"abc .:/-0123"[r.below(12)]));
                }
                line.push(b' ');
            }
            data.extend(line);
            data.extend(if r.below(5) == 0 { &b"\r\n"[..] } else { b"\n" });
        }
        match case % 4 {
            // No newline at the end; or a `\r` there (kept: part of the line).
            0 => data.extend(b"tail c2.example"),
            1 => data.extend(b"tail c2.example\r"),
            _ => {}
        }
        for db in &dbs {
            let want = by_lines(db, &data);
            blocks_seen += usize::from(!want.0.is_empty());
            assert_eq!(
                in_block(db, &data),
                want,
                "{}",
                String::from_utf8_lossy(&data)
            );
        }
    }
    assert!(blocks_seen > 900, "{blocks_seen} blocks with sightings");
    for db in &dbs {
        assert_eq!(in_block(db, b""), (Vec::new(), 0));
        assert_eq!(in_block(db, b"\n\n").1, 2);
        assert_eq!(in_block(db, b"x\ny").1, 2);
    }
}

/// `scan_lines_until` stops where the callback says, in block mode and in the line loop,
/// and says at which line.
#[test]
fn stops_where_told() {
    let inds = [
        ind(Kind::Domain, "evil.example"),
        ind(Kind::Ip, "198.51.100.23"),
    ];
    let data = b"a\nx evil.example 198.51.100.23\nb\nwww.evil.example\n";
    for prefilter in [true, false] {
        let db = build(&inds, prefilter);
        let mut seen = Vec::new();
        let flow = db.scan_lines_until(data, &mut Scratch::new(), Timestamp(0), |i, _, s| {
            seen.push((i, s.span.start));
            if seen.len() == 2 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        });
        assert_eq!(flow, std::ops::ControlFlow::Break(1));
        assert_eq!(seen, vec![(1, 2), (1, 15)]);
        let all = db.scan_lines_until(data, &mut Scratch::new(), Timestamp(0), |_, _, _| {
            std::ops::ControlFlow::Continue(())
        });
        assert_eq!(all, std::ops::ControlFlow::Continue(4));
    }
}

/// Blocks bigger than the sub-blocks `scan_lines` searches at a time (256 KiB): lines on
/// either side of each cut, `\r\n` endings there, a line longer than a sub-block with
/// sightings at both ends, and a last line without `\n`, all reported as line by line.
#[test]
fn big_blocks_report_what_lines_report() {
    let inds = [
        ind(Kind::Domain, "evil.example"),
        ind(Kind::Ip, "198.51.100.23"),
        ind(Kind::Domain, "café.example"),
        // (With a literal, every kind of indicator has witnesses: the block search runs.)
        ind(Kind::Literal, "/beacon.bin"),
    ];
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let mut data = Vec::new();
    let mut long_done = false;
    while data.len() < 900 << 10 {
        if !long_done && data.len() > 400 << 10 {
            // One line of 300 KiB: sightings at its start and end only.
            data.extend(b"www.evil.example ");
            data.extend(std::iter::repeat_n(b'x', 300 << 10));
            data.extend(b" 198.51.100.23\n");
            long_done = true;
        }
        let mut line: Vec<u8> = (0..r.below(120))
            .map(|_| b"abc .:/-0123"[r.below(12)])
            .collect();
        match r.below(5) {
            0 => line.extend(b" www.evil.example"),
            1 => line.extend(b" 198.51.100.23"),
            2 => line.extend(b" caf\xc3\xa9.example"),
            3 => line.extend(b" GET /beacon.bin"),
            _ => {}
        }
        data.extend(line);
        data.extend(if r.below(3) == 0 { &b"\r\n"[..] } else { b"\n" });
    }
    data.extend(b"last evil.example");
    for prefilter in [true, false] {
        let db = build(&inds, prefilter);
        let want = by_lines(&db, &data);
        assert!(want.0.len() > 5_000, "{} sightings", want.0.len());
        let got = in_block(&db, &data);
        assert_eq!(got.1, want.1, "line count");
        assert_eq!(got.0.len(), want.0.len(), "sighting count");
        assert!(got.0 == want.0, "sightings differ");
    }
}
