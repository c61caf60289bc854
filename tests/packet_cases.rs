//! The line case table (`tests/cases/line_cases.json`) through the packet scanner, where a
//! case carries over to packets:
//! - literal and regex sightings: the line as a UDP payload must give the same sightings at
//!   the same offsets (shifted by the headers);
//! - domain sightings: each expected domain span, sent as the question of a DNS query, must
//!   give exactly the indicators the line gave for it (subdomain / exact / allowlist /
//!   validity rules are the same);
//! - URL sightings: each expected URL span, sent as an absolute-form HTTP request target,
//!   must give the same URL indicators.

mod oracle;

use linerate::{Database, LinkType, Scratch, Timestamp, Where};
use oracle::build_db;
use std::collections::BTreeSet;

fn ipv4_udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let total = 28 + payload.len();
    let mut f = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0,
        0,
        64,
        17,
        0,
        0,
    ];
    f.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 2]);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(payload);
    f
}

fn ipv4_tcp(dport: u16, payload: &[u8]) -> Vec<u8> {
    let total = 40 + payload.len();
    let mut f = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0,
        0,
        64,
        6,
        0,
        0,
    ];
    f.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 2]);
    f.extend_from_slice(&40000u16.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

/// A DNS query for `name` split at dots; `None` when a label does not fit.
fn dns_query(name: &[u8]) -> Option<Vec<u8>> {
    let mut m = vec![0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name
        .strip_suffix(b".")
        .unwrap_or(name)
        .split(|&b| b == b'.')
    {
        if label.is_empty() || label.len() > 63 {
            return None;
        }
        m.push(label.len() as u8);
        m.extend_from_slice(label);
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    Some(m)
}

/// (where, kind, indicator, start, end) of every sighting.
fn scan(db: &Database, frame: &[u8], now: Timestamp) -> Vec<(Where, String, String, usize, usize)> {
    let mut v = Vec::new();
    db.scan_packet(frame, LinkType::Ipv4, &mut Scratch::new(), now, |s, _| {
        let ind = db.indicator(s.indicator).unwrap();
        v.push((
            s.where_seen,
            s.kind.as_str().to_string(),
            ind.value.to_string(),
            s.span.start,
            s.span.end,
        ));
    });
    v
}

#[test]
fn line_cases_through_packets() {
    let cases = oracle::cases::load();
    let (mut raw_checked, mut dns_checked, mut url_checked) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let (inds, allow) = case.lists();
        let db = build_db(&inds, &allow);
        let line = case.line();
        let now = case.now();
        if line.len() > 60_000 {
            continue;
        }
        // Literals and regexes over the payload.
        let want: BTreeSet<(String, String, usize, usize)> = case
            .expect
            .iter()
            .filter(|e| e.kind == "literal" || e.kind == "regex")
            .map(|e| {
                (
                    e.kind.clone(),
                    e.indicator.clone(),
                    e.start + 28,
                    e.end + 28,
                )
            })
            .collect();
        let got: BTreeSet<(String, String, usize, usize)> =
            scan(&db, &ipv4_udp(40000, 9999, &line), now)
                .into_iter()
                .filter(|h| h.0 == Where::Payload)
                .map(|h| (h.1, h.2, h.3, h.4))
                .collect();
        raw_checked += want.len();
        if got != want {
            failures.push(format!("{}: payload {got:?} != {want:?}", case.name));
        }
        // Domains and URLs, one expected span at a time.
        let spans: BTreeSet<(String, usize, usize)> = case
            .expect
            .iter()
            .filter(|e| e.kind == "domain" || e.kind == "url")
            .map(|e| (e.kind.clone(), e.start, e.end))
            .collect();
        for (kind, a, b) in spans {
            let want: BTreeSet<String> = case
                .expect
                .iter()
                .filter(|e| e.kind == kind && (e.start, e.end) == (a, b))
                .map(|e| e.indicator.clone())
                .collect();
            let text = &line[a..b];
            let (frame, w) = if kind == "domain" {
                let Some(q) = dns_query(text) else { continue };
                dns_checked += 1;
                (ipv4_udp(40000, 53, &q), Where::DnsQuery)
            } else {
                let mut req = b"GET ".to_vec();
                req.extend_from_slice(text);
                req.extend_from_slice(b" HTTP/1.1\r\nUser-Agent: t\r\n\r\n");
                url_checked += 1;
                (ipv4_tcp(8080, &req), Where::HttpUrl)
            };
            let got: BTreeSet<String> = scan(&db, &frame, now)
                .into_iter()
                .filter(|h| h.0 == w)
                .map(|h| h.2)
                .collect();
            if got != want {
                failures.push(format!(
                    "{}: {kind} {:?} via {}: {got:?} != {want:?}",
                    case.name,
                    String::from_utf8_lossy(text),
                    w.as_str()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        raw_checked > 10 && dns_checked > 20 && url_checked > 5,
        "{raw_checked} {dns_checked} {url_checked}"
    );
    eprintln!("{raw_checked} payload, {dns_checked} DNS, {url_checked} URL sightings agree with the line table");
}

/// Regexes whose gate literals are short (stride 2 or 3), long (stride 4), anchored at
/// either end, and literals: a case takes a random subset, so the gate's stride and
/// alphabet vary from case to case.
const PAYLOAD_REGEXES: &[&str] = &[
    r"(gomon|shcet|sdelka)[0-9]{2,3}\.ru",
    r"q(l|r)[0-9]{5,6}\.pw",
    r"(advert|\w{1,3}xspot)[0-9][0-9a-z]+\.(com|xyz)",
    r"^[a-z]{1,3}-evil\.(com|top)$",
    r"www\.[a-z]{2}-[a-z]{2,3}\.top$",
    r"byethost[0-9]+\.com",
    r"\b(atztds|mtxtds)[0-9a-z]+\.(world|xyz)",
];
const PAYLOAD_LITERALS: &[&str] = &["cmd.exe", "/wp-admin/x"];

/// Pieces of payloads: matches of the regexes and literals, near misses, text.
const PAYLOAD_PIECES: &[&str] = &[
    "gomon12.ru",
    "SHCET123.ru",
    "ql12345.pw",
    "qr1234.pw",
    "xspot7a.com",
    "zxspot9b.xyz",
    "advert0x.com",
    "ab-evil.top",
    "www.ab-cde.top",
    "byethost77.com",
    "atztds0.world",
    "cmd.exe",
    "/wp-admin/x",
    "GET /index.html HTTP/1.1\r\nHost: example.com\r\n",
    " ",
    "\n",
];

/// The literals and regexes found in a UDP payload are the oracle's for the same bytes as
/// a line: random payloads of binary noise, text and planted matches, up to about 3,000
/// bytes (the gate's payload loop decides its steps 64 at a time: 1,024 bytes at stride
/// 2), with matches at the payload's start and end for the anchored regexes.
#[test]
fn payload_matches_agree_with_oracle() {
    use linerate::{Indicator, Kind, Meta, Value};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let piece = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(proptest::sample::select(&b"abz09.-Qx"[..]), 0..64),
        proptest::sample::select(PAYLOAD_PIECES).prop_map(|s| s.as_bytes().to_vec()),
    ];
    let strat = (
        proptest::collection::vec(any::<bool>(), PAYLOAD_REGEXES.len()),
        proptest::collection::vec(proptest::collection::vec(piece, 0..24), 1..4),
    );
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strat, |(take, payloads)| {
            let mut inds: Vec<Indicator> = PAYLOAD_REGEXES
                .iter()
                .zip(&take)
                .filter(|(_, &t)| t)
                .map(|(p, _)| {
                    Indicator::new(Value::parse(Kind::Regex, p).unwrap(), Meta::source("re"))
                })
                .collect();
            inds.extend(PAYLOAD_LITERALS.iter().map(|l| {
                Indicator::new(Value::parse(Kind::Literal, l).unwrap(), Meta::source("lit"))
            }));
            let o = oracle::Oracle::new(&inds, &[]);
            let db = build_db(&inds, &[]);
            for pieces in payloads {
                let payload = pieces.concat();
                if payload.is_empty() {
                    continue;
                }
                let want: BTreeSet<(usize, usize, usize)> = o
                    .scan(&payload, Timestamp(0))
                    .into_iter()
                    .map(|h| (h.id, h.start + 28, h.end + 28))
                    .collect();
                let frame = ipv4_udp(40000, 9999, &payload);
                let mut got = BTreeSet::new();
                db.scan_packet(
                    &frame,
                    LinkType::Ipv4,
                    &mut Scratch::new(),
                    Timestamp(0),
                    |s, _| {
                        if s.where_seen == Where::Payload {
                            got.insert((s.indicator.index(), s.span.start, s.span.end));
                        }
                    },
                );
                prop_assert_eq!(
                    &got,
                    &want,
                    "payload {:?}",
                    String::from_utf8_lossy(&payload)
                );
            }
            Ok(())
        })
        .unwrap();
}
