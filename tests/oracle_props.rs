//! Property tests: `Database::scan_line` agrees with the oracle on random indicator sets
//! (every kind, overlapping networks and names, allowlist entries, validity windows) and random
//! lines built from planted renderings of indicators (case changes, neighbours that break or
//! keep token boundaries, ports, brackets, trailing dots, subdomains, defanging-free variants)
//! mixed with random bytes.
//!
//! Default: 256 cases per property (a few seconds in debug). More: `PROPTEST_CASES=20000`.

mod oracle;

use linerate::{Indicator, Kind, Meta, Scratch, Timestamp, Value};
use oracle::{build_db, render, scanner_hits, Oracle};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const V4: &[&str] = &[
    "10.0.0.1",
    "10.0.1.2",
    "10.1.2.3",
    "192.0.2.7",
    "1.2.3.4",
    "8.8.8.8",
    "0.0.0.0",
    "255.255.255.255",
];
const V4_NETS: &[&str] = &[
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.1.0.0/16",
    "192.0.2.0/24",
    "1.2.3.0/24",
    "0.0.0.0/1",
    "128.0.0.0/1",
];
const V6: &[&str] = &[
    "2001:db8::1",
    "2001:db8:0:1::2",
    "fe80::1",
    "::1",
    "2001:db8::8:800:200c:417a",
    "::ffff:10.0.0.1",
];
const V6_NETS: &[&str] = &[
    "2001:db8::/32",
    "2001:db8::/64",
    "fe80::/10",
    "::/1",
    "8000::/1",
    "::ffff:0:0/104",
];
const PORTS: &[u16] = &[22, 53, 80, 443, 8080];
const NAMES: &[&str] = &[
    "evil.com",
    "a.evil.com",
    "b.a.evil.com",
    "notevil.com",
    "evil.co",
    "evil.com.au",
    "xn--bcher-kva.de",
    "bücher.de",
    "exa_mple.org",
    "x-y.example.net",
    "例え.テスト",
    "cdn.good.org",
    "good.org",
];
const PATHS: &[&str] = &[
    "/",
    "/gate.php",
    "/a/b?x=1",
    "/%7Euser",
    "/A%2fb",
    "/wiki/A_(b)",
    "",
    "/a.php?",
    "/x.",
];
const LOCALS: &[&str] = &["john.doe", "a", "x+tag", "Info"];
const HASHES: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
];
const LITERALS: &[&str] = &[
    "evil", "aa", "1.2", "::", "%", "\u{e9}", "GET /", "d41d", "db8:", "DB8", "0.1",
];
/// Literals and regexes whose witnesses (the literal; a literal every match holds) are 6
/// bytes or more: with only these, the line prefilter also skips the literal and regex
/// search on lines without one.
const LONG_LITERALS: &[&str] = &[
    "x-y.example",
    "Good.Org/",
    "b\u{fc}cher.de",
    "/gate.php",
    "deep.er.cdn",
];
const LONG_REGEXES: &[&str] = &[
    r"x-y\.example\.(net|org)",
    r"(evil|good)\.org/[a-z]*",
    r"[0-9]+\.cdn\.good\.org",
    r"gate\.php\?x=[0-9]",
];
const REGEXES: &[&str] = &[
    r"a+b",
    r"[0-9]{3}",
    r"ev(il)?",
    r"(?i)get\s+/\S*",
    r"\.com\b",
    r"x.y",
    // Regexes with required literals: prefix, inner factor, suffix (the prefilter paths).
    r"evil[0-9]*\.com",
    r"(aa|\w{1,2}gw)[0-9]",
    r"[a-z]+db8:",
];
/// Bytes that sit next to planted tokens: some keep boundaries, some break them.
const NEIGHBOURS: &[&[u8]] = &[
    b" ",
    b"",
    b".",
    b"x",
    b"7",
    b"_",
    b"-",
    b":",
    b"[",
    b"]",
    b"(",
    b")",
    b"\"",
    b"'",
    b"@",
    b"/",
    b"=",
    b",",
    b"\xc3\xa9",
    b"\xe2\x86\x92",
    b"\xff",
    b"\x00",
    b"\xc2\xa0",
    b"..",
    b".5",
    b"%eth0",
    b"#",
    b"?",
    b"<",
    b">",
];

/// Picks one element.
fn pick<T: Clone + std::fmt::Debug + 'static>(xs: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(xs)
}

fn case_mutation(s: &str, mode: u8) -> String {
    match mode % 3 {
        0 => s.to_string(),
        1 => s.to_uppercase(),
        _ => s
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect(),
    }
}

/// One indicator (or allowlist entry) spec: kind, text, flags.
fn indicator() -> impl Strategy<Value = (Kind, String, bool)> {
    indicator_with(LITERALS, REGEXES)
}

/// An indicator of any kind, its literals and regexes taken from `lits` and `res`.
fn indicator_with(
    lits: &'static [&'static str],
    res: &'static [&'static str],
) -> impl Strategy<Value = (Kind, String, bool)> {
    prop_oneof![
        pick(V4).prop_map(|s| (Kind::Ip, s.to_string(), false)),
        pick(V4_NETS).prop_map(|s| (Kind::Ip, s.to_string(), false)),
        (pick(V4), pick(PORTS)).prop_map(|(a, p)| (Kind::Ip, format!("{a}:{p}"), false)),
        pick(V6).prop_map(|s| (Kind::Ip, s.to_string(), false)),
        pick(V6_NETS).prop_map(|s| (Kind::Ip, s.to_string(), false)),
        (pick(V6), pick(PORTS)).prop_map(|(a, p)| (Kind::Ip, format!("[{a}]:{p}"), false)),
        (pick(NAMES), any::<bool>()).prop_map(|(d, exact)| (Kind::Domain, d.to_string(), exact)),
        (
            pick(NAMES),
            pick(PATHS),
            prop_oneof![Just(""), Just(":8080"), Just(":80")]
        )
            .prop_map(|(d, p, port)| (Kind::Url, format!("http://{d}{port}{p}"), false)),
        (pick(LOCALS), pick(NAMES)).prop_map(|(l, d)| (Kind::Email, format!("{l}@{d}"), false)),
        pick(HASHES).prop_map(|h| (
            Kind::hash_for_hex_len(h.len()).unwrap(),
            h.to_string(),
            false
        )),
        (pick(lits), any::<bool>()).prop_map(|(l, nocase)| (Kind::Literal, l.to_string(), nocase)),
        pick(res).prop_map(|r| (Kind::Regex, r.to_string(), false)),
    ]
}

fn window() -> impl Strategy<Value = (Option<i64>, Option<i64>)> {
    prop_oneof![
        3 => Just((None, None)),
        1 => (0i64..100).prop_map(|f| (Some(f), None)),
        1 => (0i64..100).prop_map(|u| (None, Some(u))),
        1 => (0i64..100, 0i64..100).prop_map(|(a, b)| (Some(a.min(b)), Some(a.max(b)))),
    ]
}

fn make(spec: &(Kind, String, bool), w: (Option<i64>, Option<i64>), source: &str) -> Indicator {
    let (kind, text, flag) = spec;
    let value = match kind {
        Kind::Literal => Value::literal(text.as_bytes(), *flag),
        k => Value::parse(*k, text),
    }
    .unwrap_or_else(|e| panic!("pool value {text:?} must parse: {e}"));
    let mut meta = Meta::source(source);
    meta.valid_from = w.0.map(Timestamp);
    meta.valid_until = w.1.map(Timestamp);
    let mut ind = Indicator::new(value, meta);
    ind.exact = *kind == Kind::Domain && *flag;
    ind
}

/// A planted rendering of something an indicator could match, plus neighbours.
fn token() -> impl Strategy<Value = Vec<u8>> {
    let ip4 = (pick(V4), prop::option::of(pick(PORTS)), 0u8..3).prop_map(|(a, p, br)| {
        let core = match (br, p) {
            (1, _) => format!("[{a}]"),
            (_, Some(p)) => format!("{a}:{p}"),
            _ => a.to_string(),
        };
        core.into_bytes()
    });
    // IPv4-mapped addresses written in hex (observed as the IPv4 address) and other
    // spellings of the `ffff` group.
    let mapped = pick(
        &[
            "::ffff:808:808",
            "::FFFF:102:304",
            "0:0:0:0:0:ffff:a00:1",
            "::ffff:0:0",
            "0:0:0:0:0:fFfF::",
            "[::ffff:c000:207]:443",
            "::ffff:1.2.3.4",
            "ffff::808:808",
        ][..],
    )
    .prop_map(|a| a.as_bytes().to_vec());
    let ip6 = (pick(V6), prop::option::of(pick(PORTS)), 0u8..4).prop_map(|(a, p, m)| {
        let a = if m == 1 {
            a.to_uppercase()
        } else {
            a.to_string()
        };
        match (m, p) {
            (2, _) => format!("{a}%eth0"),
            (3, _) => "2001:0db8:0000:0000:0000:0000:0000:0001".to_string(),
            (_, Some(p)) => format!("[{a}]:{p}"),
            _ => a,
        }
        .into_bytes()
    });
    let name = (
        pick(NAMES),
        prop::option::of(pick(&["a", "x-1", "_srv", "deep.er"][..])),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(|(d, sub, case, dot)| {
            let mut s = match sub {
                Some(p) => format!("{p}.{d}"),
                None => d.to_string(),
            };
            s = case_mutation(&s, case);
            if dot {
                s.push('.');
            }
            s.into_bytes()
        });
    let url = (
        pick(&["http", "https", "HTTP", "ftp", "hxxp", "ws"][..]),
        prop::option::of(pick(&["user:pw@", "a@"][..])),
        pick(NAMES),
        pick(&["", ":80", ":443", ":8080"][..]),
        pick(PATHS),
        pick(&["", "#frag", ").", ",", "?q=%41"][..]),
        0u8..3,
    )
        .prop_map(|(sch, ui, host, port, path, tail, case)| {
            format!(
                "{sch}://{}{}{port}{path}{tail}",
                ui.unwrap_or(""),
                case_mutation(host, case)
            )
            .into_bytes()
        });
    let email = (pick(LOCALS), pick(NAMES), 0u8..3)
        .prop_map(|(l, d, case)| case_mutation(&format!("{l}@{d}"), case).into_bytes());
    let hash = (pick(HASHES), any::<bool>(), 0usize..3).prop_map(|(h, up, cut)| {
        let h = if up { h.to_uppercase() } else { h.to_string() };
        // Sometimes a prefix or an extension: hashes inside longer or shorter hex runs.
        match cut {
            1 => h[..h.len() - 1].to_string(),
            2 => format!("{h}0"),
            _ => h,
        }
        .into_bytes()
    });
    let lit = prop_oneof![
        pick(LITERALS).prop_map(|l| l.as_bytes().to_vec()),
        (pick(LONG_LITERALS), 0u8..3).prop_map(|(l, case)| case_mutation(l, case).into_bytes()),
        pick(&["gate.php?x=7", "12.cdn.good.org", "evil.org/abc"][..])
            .prop_map(|l| l.as_bytes().to_vec()),
    ];
    let raw = prop::collection::vec(
        prop_oneof![
            any::<u8>(),
            pick(&[b'.', b':', b'a', b'f', b'1', b'0', b'-', b'_', b'@', b'/', b' '][..]),
        ],
        0..12,
    );
    let core = prop_oneof![ip4, ip6, mapped, name, url, email, hash, lit, raw];
    (pick(NEIGHBOURS), core, pick(NEIGHBOURS)).prop_map(|(l, c, r)| {
        let mut v = l.to_vec();
        v.extend_from_slice(&c);
        v.extend_from_slice(r);
        v
    })
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(token(), 0..10).prop_map(|parts| parts.concat())
}

type Spec = ((Kind, String, bool), (Option<i64>, Option<i64>));

fn check(inds: &[Spec], allow: &[Spec], lines: &[Vec<u8>], now: i64) -> Result<(), TestCaseError> {
    let inds: Vec<Indicator> = inds
        .iter()
        .enumerate()
        .map(|(i, (s, w))| make(s, *w, &format!("f{}", i % 3)))
        .collect();
    let allow: Vec<Indicator> = allow.iter().map(|(s, w)| make(s, *w, "allow")).collect();
    let o = Oracle::new(&inds, &allow);
    let db = build_db(&inds, &allow);
    prop_assert_eq!(db.len(), o.indicators().len());
    let mut scratch = Scratch::new();
    for line in lines {
        let want = o.scan(line, Timestamp(now));
        let got = scanner_hits(&db, &mut scratch, line, Timestamp(now));
        if want != got {
            return Err(TestCaseError::fail(format!(
                "line {:?}\nindicators {:?}\nallow {:?}\nnow {now}\noracle  {:?}\nscanner {:?}",
                String::from_utf8_lossy(line),
                o.indicators()
                    .iter()
                    .map(|i| (i.kind(), i.value.to_string(), i.exact))
                    .collect::<Vec<_>>(),
                allow
                    .iter()
                    .map(|i| i.value.to_string())
                    .collect::<Vec<_>>(),
                render(&want, o.indicators()),
                render(
                    &got,
                    &db.iter().map(|r| r.to_indicator()).collect::<Vec<_>>()
                ),
            )));
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// A runner for `cases` cases, without a regressions file.
fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn scan_line_agrees_with_oracle() {
    let mut runner = runner(cases());
    let strat = (
        prop::collection::vec((indicator(), window()), 1..14),
        prop::collection::vec((indicator(), window()), 0..4),
        prop::collection::vec(line(), 1..6),
        0i64..100,
    );
    runner
        .run(&strat, |(inds, allow, lines, now)| {
            check(&inds, &allow, &lines, now)
        })
        .unwrap();
}

/// As `scan_line_agrees_with_oracle`, counting the databases that get the line prefilter
/// (`Limits::line_prefilter_max`); in half the cases every literal and regex has a long
/// witness, so that the prefilter also gates the literal and regex search.
#[test]
fn scan_line_agrees_with_oracle_behind_the_line_prefilter() {
    let mut runner = runner(cases());
    let any = |lits, res| (indicator_with(lits, res), window());
    let strat = (
        prop_oneof![
            prop::collection::vec(any(LITERALS, REGEXES), 1..14),
            prop::collection::vec(any(LONG_LITERALS, LONG_REGEXES), 1..14),
        ],
        prop::collection::vec(any(LITERALS, REGEXES), 0..4),
        prop::collection::vec(line(), 1..6),
        0i64..100,
    );
    let built = std::cell::Cell::new(0u32);
    runner
        .run(&strat, |(inds, allow, lines, now)| {
            let db = build_db(
                &inds
                    .iter()
                    .map(|(s, w)| make(s, *w, "f"))
                    .collect::<Vec<_>>(),
                &[],
            );
            if db.memory_report().get("line prefilter") > 0 {
                built.set(built.get() + 1);
            }
            check(&inds, &allow, &lines, now)
        })
        .unwrap();
    assert!(
        built.get() >= cases() / 4,
        "the prefilter was built for {} of {} cases",
        built.get(),
        cases()
    );
}

/// More literals than the gate takes (256): the overlapping literal pass runs on every line
/// without a pre-check, and literals of 4 bytes or more beginning with `/` go to the
/// slash-anchored path walk (prefixes of each other, and inside longer paths). Same
/// indicators as `scan_line_agrees_with_oracle`, plus 1200 filler literals (about 900
/// distinct), some of which the lines contain; fillers in the allowlist too, half of the
/// time.
#[test]
fn many_literals_agree() {
    let mut runner = runner(cases());
    let filler = |i: usize| {
        let (text, nocase) = match i % 4 {
            0 => (format!("qz{i}qz"), i % 8 == 0),
            1 => (format!("/qz{}", i / 4), false),
            2 => (format!("/qz{}/a/{}", i / 40, (i / 4) % 10), false),
            _ => (format!("/a/{}", (i / 4) % 10), i % 8 == 3),
        };
        ((Kind::Literal, text, nocase), (None, None))
    };
    let planted = |i: usize| match i % 6 {
        0 => format!("{}{i}qz", ["qz", "QZ"][i % 3 % 2]),
        1 => format!("/qz{i}"),
        2 => format!("x/qz{}/a/{}", i / 40, i % 10),
        3 => format!("/a/{i}/qz{}", i / 4),
        4 => format!("/A/{i}"),
        _ => format!("//qz{i}/a/"),
    };
    let strat = (
        prop::collection::vec((indicator(), window()), 1..14),
        prop::collection::vec((indicator(), window()), 0..4),
        prop::collection::vec((line(), 0usize..1600, line()), 1..6),
        0i64..100,
        any::<bool>(),
    );
    runner
        .run(
            &strat,
            |(mut inds, mut allow, lines, now, allow_fillers)| {
                inds.extend((0..1200).map(filler));
                if allow_fillers {
                    allow.extend((1150..1500).map(filler));
                }
                let lines: Vec<Vec<u8>> = lines
                    .into_iter()
                    .map(|(a, i, b)| [a, planted(i).into_bytes(), b].concat())
                    .collect();
                check(&inds, &allow, &lines, now)
            },
        )
        .unwrap();
}

/// Every IP observation is reported when catch-all networks are loaded: compares the IP
/// tokenizers on lines of random bytes from a boundary-heavy alphabet.
#[test]
fn ip_tokenizer_agrees_on_random_bytes() {
    let mut runner = runner(cases() * 4);
    let all: Vec<Spec> = [
        "0.0.0.0/1",
        "128.0.0.0/1",
        "::/1",
        "8000::/1",
        "10.0.0.1:80",
        "[::1]:80",
    ]
    .iter()
    .map(|s| ((Kind::Ip, s.to_string(), false), (None, None)))
    .collect();
    let byte = prop_oneof![
        6 => pick(&[b'0', b'1', b'2', b'5', b'9', b'.', b':', b'a', b'f', b'F'][..]),
        1 => pick(&[b'[', b']', b'%', b'x', b'_', b' ', b'8', b'0', 0xff, 0xc3][..]),
    ];
    let strat = prop::collection::vec(prop::collection::vec(byte, 0..60), 1..8);
    runner
        .run(&strat, |lines| check(&all, &[], &lines, 0))
        .unwrap();
}

/// Bytes that end or continue a run of digit groups and dots in `dotted_digit_runs_agree`.
const OTHER_SEPARATORS: &[&[u8]] = &[b":", b" ", b"-", b"a", b"_", b"/", b"\xc3\xa9"];

/// Runs of digit groups and dots, the shape the scanner decides from its masks alone
/// (`whole_quad`): groups of 0–4 digits joined by single or double dots, colons and
/// other run or separator bytes, at every length up to 24 groups, with catch-all networks.
/// Each line ends with an address, or the line prefilter would skip most of them. Catches
/// a quad taken from four groups that are not joined by single dots.
#[test]
fn dotted_digit_runs_agree() {
    let mut runner = runner(cases() * 4);
    let all: Vec<Spec> = ["0.0.0.0/1", "128.0.0.0/1", "1.2.3.4:80"]
        .iter()
        .map(|s| ((Kind::Ip, s.to_string(), false), (None, None)))
        .collect();
    let group = prop::collection::vec(pick(&[b'0', b'1', b'2', b'4', b'5', b'9'][..]), 0..5);
    let sep = prop_oneof![
        5 => Just(&b"."[..]),
        2 => Just(&b".."[..]),
        3 => pick(OTHER_SEPARATORS),
    ];
    let run = prop::collection::vec((group, sep), 1..16).prop_map(|parts| {
        let mut v = Vec::new();
        for (g, s) in parts {
            v.extend_from_slice(&g);
            v.extend_from_slice(s);
        }
        // An address the line prefilter sees, so that the tokenizer runs on every line.
        v.extend_from_slice(b" 9.9.9.9");
        v
    });
    let strat = prop::collection::vec(run, 1..6);
    runner
        .run(&strat, |lines| check(&all, &[], &lines, 0))
        .unwrap();
}

/// Name-like tokens on random bytes: domains, URLs, emails and hashes with indicators for the
/// names the alphabet can spell.
#[test]
fn name_tokenizers_agree_on_random_bytes() {
    let mut runner = runner(cases() * 4);
    let specs: Vec<Spec> = [
        (Kind::Domain, "ab.cd"),
        (Kind::Domain, "a.ab"),
        (Kind::Domain, "b.a.ab"),
        (Kind::Url, "http://ab.cd/"),
        (Kind::Url, "ab.cd/a"),
        (Kind::Email, "a@ab.cd"),
        (Kind::Email, "b.a@a.ab"),
    ]
    .iter()
    .map(|(k, s)| ((*k, s.to_string(), false), (None, None)))
    .collect();
    let byte = prop_oneof![
        8 => pick(&[b'a', b'b', b'c', b'd', b'.', b'@', b'/'][..]),
        2 => pick(&[b':', b'-', b'_', b'(', b')', b'h', b't', b'p', b'?', b'#', b'%', b'1'][..]),
        1 => pick(&[b' ', b'"', 0xff, 0xc3, 0xa9, 0x00][..]),
    ];
    let piece = prop_oneof![
        3 => prop::collection::vec(byte, 0..8),
        1 => Just(b"http://".to_vec()),
        1 => Just(b"ab.cd".to_vec()),
        1 => pick(&["\u{2019}", "\u{a0}", "\u{200b}", "\u{e9}", "\u{3002}", "\u{301}"][..]).prop_map(|s| s.as_bytes().to_vec()),
    ];
    let strat = prop::collection::vec(
        prop::collection::vec(piece, 0..8).prop_map(|p| p.concat()),
        1..8,
    );
    runner
        .run(&strat, |lines| check(&specs, &[], &lines, 0))
        .unwrap();
}

/// Random networks in a small address space (so lines hit them often), every prefix length
/// around the /16 and /24 boundaries, ports, and lines of nearby addresses.
#[test]
fn random_networks_agree() {
    let mut runner = runner(cases());
    let v4 = (0u8..3, 0u8..4, 0u8..6).prop_map(|(a, b, c)| format!("10.{a}.{b}.{c}"));
    let v6 = (0u16..3, 0u16..4, 0u16..6).prop_map(|(a, b, c)| format!("2001:db8:{a}::{b}:{c}"));
    let plen4 = pick(&[8u8, 12, 15, 16, 17, 20, 23, 24, 25, 28, 30, 31, 32][..]);
    let plen6 = pick(&[32u8, 48, 63, 64, 65, 96, 112, 120, 127, 128][..]);
    let net = prop_oneof![
        (v4.clone(), plen4).prop_map(|(a, l)| {
            let a: std::net::Ipv4Addr = a.parse().unwrap();
            let n = ipnet::Ipv4Net::new(a, l).unwrap().trunc();
            n.to_string()
        }),
        (v6.clone(), plen6).prop_map(|(a, l)| {
            let a: std::net::Ipv6Addr = a.parse().unwrap();
            ipnet::Ipv6Net::new(a, l).unwrap().trunc().to_string()
        }),
        (v4.clone(), pick(PORTS)).prop_map(|(a, p)| format!("{a}:{p}")),
        (v6.clone(), pick(PORTS)).prop_map(|(a, p)| format!("[{a}]:{p}")),
    ];
    let spec = (net, window())
        .prop_map(|(n, w)| ((Kind::Ip, n, false), w))
        .boxed();
    let tok = prop_oneof![
        (v4, prop::option::of(pick(PORTS))).prop_map(|(a, p)| match p {
            Some(p) => format!("{a}:{p}"),
            None => a,
        }),
        (v6, prop::option::of(pick(PORTS))).prop_map(|(a, p)| match p {
            Some(p) => format!("[{a}]:{p}"),
            None => a,
        }),
    ];
    let line =
        prop::collection::vec((tok, pick(&[" ", ",", "]", "x", "."][..])), 0..12).prop_map(|v| {
            v.into_iter()
                .flat_map(|(t, s)| [t, s.to_string()])
                .collect::<String>()
                .into_bytes()
        });
    let strat = (
        prop::collection::vec(spec.clone(), 1..20),
        prop::collection::vec(spec, 0..3),
        prop::collection::vec(line, 1..4),
        0i64..100,
    );
    runner
        .run(&strat, |(inds, allow, lines, now)| {
            check(&inds, &allow, &lines, now)
        })
        .unwrap();
}

/// Random names from a small label alphabet: parent walks, exact-only entries, allowlisted
/// parents, and names that share suffixes without a label boundary.
#[test]
fn random_names_agree() {
    let mut runner = runner(cases());
    let name = || {
        (
            prop::collection::vec(pick(&["a", "b", "ab", "x-y", "c_d", "ba", "B"][..]), 1..4),
            pick(&["com", "co", "uk", "xn--p1ai", "om"][..]),
        )
            .prop_map(|(labels, tld)| format!("{}.{tld}", labels.join(".")))
    };
    let spec = (name(), any::<bool>(), window())
        .prop_map(|(n, exact, w)| ((Kind::Domain, n, exact), w))
        .boxed();
    let allow = prop_oneof![
        spec.clone(),
        (name(), pick(PATHS))
            .prop_map(|(n, p)| ((Kind::Url, format!("http://{n}{p}"), false), (None, None))),
        pick(&["ab", "x-", ".co"][..])
            .prop_map(|l| ((Kind::Literal, l.to_string(), false), (None, None))),
    ];
    let tok = prop_oneof![
        (name(), 0u8..3, any::<bool>()).prop_map(|(n, c, dot)| {
            let mut s = case_mutation(&n, c);
            if dot {
                s.push('.');
            }
            s
        }),
        (name(), pick(PATHS)).prop_map(|(n, p)| format!("http://{n}{p}")),
        name().prop_map(|n| format!("x@{n}")),
    ];
    let line = prop::collection::vec(
        (tok, pick(&[" ", "_", "-", ".", "a", "/", "\u{a0}"][..])),
        0..10,
    )
    .prop_map(|v| {
        v.into_iter()
            .flat_map(|(t, s)| [t, s.to_string()])
            .collect::<String>()
            .into_bytes()
    });
    let urls = (name(), pick(PATHS))
        .prop_map(|(n, p)| ((Kind::Url, format!("http://{n}{p}"), false), (None, None)));
    let emails = name().prop_map(|n| ((Kind::Email, format!("x@{n}"), false), (None, None)));
    let strat = (
        prop::collection::vec(prop_oneof![4 => spec, 1 => urls, 1 => emails], 1..20),
        prop::collection::vec(allow, 0..4),
        prop::collection::vec(line, 1..4),
        0i64..100,
    );
    runner
        .run(&strat, |(inds, allow, lines, now)| {
            check(&inds, &allow, &lines, now)
        })
        .unwrap();
}
