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
