//! The line prefilter (`Limits::line_prefilter_max`): built only where it is sound, and a
//! database with it reports exactly what the same database without it reports, on the demo
//! logs, the real logs of `shared/data` (when present) and lines written to reach its
//! escapes (IPv4-mapped IPv6 in hex, Unicode names, network edges) and its literal and
//! regex witnesses (any case, non-ASCII).

#[path = "support/build.rs"]
mod support;

use linerate::{Builder, Database, Indicator, Kind, Scratch, Timestamp};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::{build, ind};

fn has_prefilter(db: &Database) -> bool {
    db.memory_report().get("line prefilter") > 0
}

/// Sightings as (start, end, indicator value), in the order reported.
fn sightings(db: &Database, s: &mut Scratch, line: &[u8]) -> Vec<(usize, usize, String)> {
    let mut v = Vec::new();
    db.scan_line(line, s, Timestamp(1_700_000_000), |x| {
        let value = db
            .indicator(x.indicator)
            .expect("id")
            .to_value()
            .to_string();
        v.push((x.span.start, x.span.end, value));
    });
    v
}

fn log_lines() -> Vec<Vec<u8>> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![here.join("demo/logs")];
    for c in [
        here.join("../shared/data/logs"),
        PathBuf::from("/work/shared/data/logs"),
    ] {
        if c.is_dir() {
            dirs.push(c);
            break;
        }
    }
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("log dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if !p.to_string_lossy().contains("LICENSE") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).expect("read log");
        lines.extend(bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec));
    }
    lines
}

#[test]
fn built_only_where_sound() {
    let base = vec![
        ind(Kind::Domain, "evil.example"),
        ind(Kind::Ip, "203.0.113.9"),
        ind(Kind::Url, "http://bad.example/x"),
        ind(Kind::Sha256, &"ab".repeat(32)),
        ind(Kind::Email, "x@bad.example"),
        ind(Kind::Ip, "198.51.100.0/22"),
    ];
    assert!(has_prefilter(&build(&base, true)));
    assert!(
        !has_prefilter(&build(&base, false)),
        "turned off by the limit"
    );
    // IPv6 indicators have no witness, but lines with IPv6 text pass: still built.
    for extra in [
        ind(Kind::Ip, "2001:db8::/32"),
        ind(Kind::Url, "http://[2001:db8::1]/x"),
    ] {
        let mut v = base.clone();
        v.push(extra.clone());
        assert!(has_prefilter(&build(&v, true)), "{}", extra.value);
    }
    // IPv4 networks of any size (lines with a dotted quad they may cover pass), and
    // witnesses under 8 bytes, searched apart (a 5-byte name)...
    for extra in [
        ind(Kind::Ip, "10.0.0.0/8"),
        ind(Kind::Ip, "0.0.0.0/1"),
        ind(Kind::Domain, "ab.cd"),
    ] {
        let mut v = base.clone();
        v.push(extra.clone());
        assert!(has_prefilter(&build(&v, true)), "{}", extra.value);
    }
    // ...but too many short names (over 64 case variants of their pieces together) are
    // not searched apart. (Each is searched for by a 3-byte piece with as few letters as
    // it has: two here.)
    let names = |n: u8| -> Vec<Indicator> {
        (0..n)
            .map(|i| {
                let c = (b'a' + i) as char;
                ind(Kind::Domain, &format!("q{c}.x{c}"))
            })
            .collect()
    };
    let mut v = base.clone();
    v.extend(names(16));
    assert!(has_prefilter(&build(&v, true)));
    let mut v = base.clone();
    v.extend(names(17));
    assert!(!has_prefilter(&build(&v, true)));
    // Literals and regexes take part when every one has a witness of 4 bytes or more
    // (the literal, or a literal every match of the regex holds); alone only on CPUs
    // with AVX2 (the scalar gram loop costs more than the Teddy passes it spares).
    let long = vec![
        lit(b"/beacon.bin", false),
        ind(Kind::Regex, r"login-[a-z]+\.example"),
    ];
    assert_eq!(has_prefilter(&build(&long, true)), avx2());
    for short in [lit(b"abc", false), ind(Kind::Regex, r"ab[0-9]+")] {
        let mut v = long.clone();
        v.push(short.clone());
        // Tokens get it; the literals and regexes then run on every line.
        v.extend(base.iter().cloned());
        assert!(has_prefilter(&build(&v, true)), "{}", short.value);
    }
    // IPv4 addresses alone, any number: no witnesses at all, only the dotted quads.
    let addrs = |n: u32| -> Vec<Indicator> {
        (0..n)
            .map(|i| {
                let a = std::net::Ipv4Addr::from(0x0B00_0000 + i * 7919);
                ind(Kind::Ip, &a.to_string())
            })
            .collect()
    };
    assert!(has_prefilter(&build(&addrs(50_000), true)));
}

fn lit(bytes: &[u8], nocase: bool) -> Indicator {
    Indicator::new(
        linerate::Value::literal(bytes, nocase).expect("literal"),
        linerate::Meta::source("t"),
    )
}

#[test]
fn same_sightings_on_its_escapes() {
    let inds = vec![
        ind(Kind::Ip, "8.8.8.8"),
        ind(Kind::Ip, "1.2.3.4:443"),
        ind(Kind::Ip, "0.0.0.0"),
        ind(Kind::Ip, "192.0.2.0/24"),
        ind(Kind::Ip, "198.51.100.0/22"),
        ind(Kind::Ip, "203.0.113.128/25"),
        ind(Kind::Ip, "100.64.0.0/10"),
        ind(Kind::Domain, "xn--bcher-kva.example"),
        ind(Kind::Domain, "evil.example"),
        ind(Kind::Url, "http://bad.example/a~b"),
        ind(Kind::Email, "john@evil.example"),
        ind(Kind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        ind(Kind::Ip, "2001:db8::/32"),
        ind(Kind::Ip, "64:ff9b::/96"),
        ind(Kind::Ip, "[2001:db8::5]:443"),
        ind(Kind::Url, "http://[2001:db8::1]:8080/x"),
        // Literals and regexes with long witnesses: gated by the prefilter too.
        lit(b"/beacon.bin", false),
        lit(b"Evil-Agent/2", true),
        lit("f\u{fc}r-alle".as_bytes(), false),
        ind(Kind::Regex, r"gate[0-9]+\.php\?id=\d+"),
        ind(Kind::Regex, r"x-token=[a-f0-9]{8}"),
        ind(Kind::Regex, r"(login|signin)-[a-z]{3,}\.example"),
        // Witnesses under 8 bytes, searched apart.
        ind(Kind::Ip, "5.6.0.0/16"),
        ind(Kind::Domain, "x.io"),
        lit(b"Ev1l", true),
    ];
    let lines: &[&str] = &[
        "addr ::ffff:808:808 .",
        "addr ::FFFF:808:808 .",
        "0:0:0:0:0:ffff:808:808",
        "[::ffff:102:304]:443",
        "[0:0:0:0:0:FfFf:1.2.3.4]:443",
        "zero ::ffff:0:0 and 0:0:0:0:0:ffff:: here",
        "::ffff:c000:201 ::ffff:c633:6401 ::ffff:cb00:7180",
        "bücher.example and BÜCHER.EXAMPLE.",
        "mail John@EVIL.example now",
        "GET HTTP://BAD.EXAMPLE:80/a%7Eb ok",
        "hash D41D8CD98F00B204E9800998ECF8427E",
        "198.51.103.255 198.51.104.0 198.51.99.255 203.0.113.127 203.0.113.128",
        "100.64.0.1 100.127.255.255 100.128.0.0",
        "8.8.8.8. 8.8.8.88 18.8.8.8 8.8.8.8:53",
        "x.evil.example notevil.example evil.example.com",
        "short",
        "",
        "evil",
        "v6 2001:db8::7 2001:DB8:0:0:0:0:0:7 2001:0db8:0000:0000:0000:0000:0000:0007.",
        "nat64 64:ff9b:0:0:0:0:9.9.9.9",
        "nat64 64:ff9b::808:808",
        "[2001:db8::5]:443 [2001:0db8:0:0:0:0:0:5]:443",
        "GET http://[2001:DB8:0:0::1]:8080/x ok",
        "json {\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7}",
        "GET /beacon.bin /BEACON.BIN /beacon.bi",
        "UA evil-agent/2 EVIL-AGENT/2 Evil-Agent/3",
        "für-alle FÜR-ALLE",
        "GET /gate12.php?id=7 /GATE12.PHP?ID=7 /gate.php?id=7",
        "X-Token=DEADBEEF x-token=deadbeef x-token=deadbee",
        "signin-abc.example LOGIN-ABC.EXAMPLE login-ab.example",
        "8.8.8.8 fetched /beacon.bin from evil.example",
        "5.6.7.8 15.6.7.8 5.6.7 5.6.255.255:80",
        "X.IO sub.x.io x.iox a.x.io.",
        "ev1l EV1L eV1L1",
        "10.1.2.3 110.1.2.3 10.1.2 1.2.3.4.5",
    ];
    // The IPv4 indicators as witnesses, then (with a /8, whose `10.` is too short) as
    // dotted quads checked against the IPv4 table, with and without IPv6 indicators
    // (whose escape lets IPv4-mapped text through too).
    let no_v6: Vec<Indicator> = inds
        .iter()
        .filter(|i| !i.value.to_string().contains("::"))
        .cloned()
        .collect();
    let slash8 = ind(Kind::Ip, "10.0.0.0/8");
    for (mut inds, v4) in [
        (inds.clone(), None),
        (inds.clone(), Some(slash8.clone())),
        (no_v6, Some(slash8)),
    ] {
        inds.extend(v4);
        let with = build(&inds, true);
        let without = build(&inds, false);
        assert!(has_prefilter(&with));
        let mut s = Scratch::new();
        let mut total = 0;
        for l in lines {
            let want = sightings(&without, &mut s, l.as_bytes());
            total += want.len();
            assert_eq!(sightings(&with, &mut s, l.as_bytes()), want, "line {l:?}");
        }
        assert!(total >= 20, "the lines must sight something: {total}");
    }
}

/// Indicators taken from what the logs hold (names, addresses and their networks, URLs,
/// emails, digests), every 7th of each kind, plus decoys: both databases must agree on
/// every line.
#[test]
fn same_sightings_on_logs() {
    let lines = log_lines();
    assert!(lines.len() > 100, "the demo logs at least");
    // What the logs hold: catch-all indicators report every observation.
    let mut catch = Builder::new();
    for v in ["0.0.0.0/1", "128.0.0.0/1"] {
        catch.add(ind(Kind::Ip, v)).expect("add");
    }
    let catch = catch.build().expect("build");
    let mut s = Scratch::new();
    let mut seen: [BTreeSet<String>; 2] = Default::default();
    for l in &lines {
        catch.scan_line(l, &mut s, Timestamp(0), |x| {
            seen[0].insert(String::from_utf8_lossy(&l[x.span.start..x.span.end]).into_owned());
        });
        // Name-like words (the scanner decides which are names).
        let text = String::from_utf8_lossy(l);
        for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        {
            if w.contains('.')
                && w.rsplit('.')
                    .next()
                    .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()))
            {
                seen[1].insert(w.to_string());
            }
        }
    }
    let mut inds = Vec::new();
    for (i, a) in seen[0].iter().enumerate().filter(|(i, _)| i % 7 == 0) {
        let Ok(addr) = a
            .split(':')
            .next()
            .unwrap_or("")
            .parse::<std::net::Ipv4Addr>()
        else {
            continue;
        };
        let o = addr.octets();
        // A few networks: many under one /16 share their grams and turn the filter off.
        let v = match i % 16 {
            1 => format!("{}.{}.{}.0/24", o[0], o[1], o[2]),
            2 => format!("{}.{}.{}.0/20", o[0], o[1], o[2] & 0xf0),
            3 => format!("{}.{}.{}.{}/28", o[0], o[1], o[2], o[3] & 0xf0),
            _ => addr.to_string(),
        };
        inds.push(ind(Kind::Ip, &v));
    }
    for (i, d) in seen[1].iter().enumerate().filter(|(i, _)| i % 7 == 3) {
        let d = d.trim_end_matches('.');
        // The parent of a subdomain, or the name itself.
        let v = match d.split_once('.') {
            Some((_, parent)) if i % 2 == 0 && parent.contains('.') => parent,
            _ => d,
        };
        // Names under 6 bytes turn the prefilter off (see `built_only_where_sound`).
        if v.len() < 6 {
            continue;
        }
        if let Ok(x) = Indicator::parse(Kind::Domain, v, "t") {
            inds.push(x);
        }
    }
    // URLs, emails and digests as written in the lines.
    let mut k = 0;
    for l in &lines {
        for w in String::from_utf8_lossy(l).split([' ', '"', '\'', '\t']) {
            let kind = if w.starts_with("http://") || w.starts_with("https://") {
                Kind::Url
            } else if w.contains('@') && !w.contains('/') {
                Kind::Email
            } else if [32, 40, 64].contains(&w.len()) && w.bytes().all(|b| b.is_ascii_hexdigit()) {
                Kind::hash_for_hex_len(w.len()).expect("hash length")
            } else {
                continue;
            };
            k += 1;
            let host = w.split("://").nth(1).unwrap_or(w);
            let host = host.split(['/', ':', '?']).next().unwrap_or(host);
            let host = host.rsplit('@').next().unwrap_or(host);
            if k % 5 == 0 && host.len() >= 6 {
                if let Ok(x) = Indicator::parse(kind, w, "t") {
                    inds.push(x);
                }
            }
        }
    }
    // Literals and a regex from the lines (pieces of 6 bytes or more, fewer than the 256
    // that the prefilter takes), and decoys.
    let step = lines.len() / 150 + 1;
    for (i, l) in lines.iter().enumerate().filter(|(i, _)| i % step == 5) {
        let (a, b) = (l.len() / 3, l.len() / 3 + 6 + i % 9);
        if let Some(piece) = l.get(a..b) {
            inds.push(lit(piece, i % 2 == 0));
        }
    }
    inds.push(lit(b"no such literal", false));
    inds.push(ind(Kind::Regex, r"(https?|ftp)://[a-z0-9.-]+/[a-z]+\.php"));
    for d in ["decoy.example", "203.0.113.77", "198.18.0.0/15"] {
        inds.push(
            Indicator::parse(Kind::Ip, d, "t")
                .or_else(|_| Indicator::parse(Kind::Domain, d, "t"))
                .expect("decoy"),
        );
    }
    let with = build(&inds, true);
    let without = build(&inds, false);
    assert!(has_prefilter(&with), "{} indicators", inds.len());
    let mut total = 0;
    for l in &lines {
        let want = sightings(&without, &mut s, l);
        total += want.len();
        assert_eq!(
            sightings(&with, &mut s, l),
            want,
            "line {:?}",
            String::from_utf8_lossy(l)
        );
    }
    assert!(
        total > lines.len() / 50,
        "{total} sightings on {} lines",
        lines.len()
    );
}

/// Whether the CPU has what the prefilter's AVX2 gram loop needs.
fn avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
