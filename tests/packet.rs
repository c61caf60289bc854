//! Packet scanner: every link type and shim, IP options and extension headers, fragments,
//! DNS / HTTP / TLS observations, port-specific IP indicators, and robustness (every
//! truncation of every sample frame, bogus lengths, DNS pointer loops, random bytes).

use linerate::scan::packet::{decode, DecodeErrorKind, Layer};
use linerate::{
    Builder, Database, Flow, Indicator, Kind, LinkType, Meta, Scratch, Timestamp, Value, Where,
};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::ops::ControlFlow;

// ---------------------------------------------------------------- frame builders

const SRC4: [u8; 4] = [192, 0, 2, 1];
const DST4: [u8; 4] = [10, 0, 0, 2];

fn be(v: u16) -> [u8; 2] {
    v.to_be_bytes()
}

fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&[0, 1, 2, 3, 4, 5]);
    f.extend_from_slice(&be(ethertype));
    f.extend_from_slice(payload);
    f
}

/// An Ethernet frame with VLAN tags (outer first) before `ethertype`.
fn eth_tags(tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut inner = Vec::new();
    for (i, &(tpid, vid)) in tags.iter().enumerate() {
        if i > 0 {
            inner.extend_from_slice(&be(tpid));
        }
        inner.extend_from_slice(&be(vid));
    }
    inner.extend_from_slice(&be(ethertype));
    inner.extend_from_slice(payload);
    eth(tags[0].0, &inner)
}

fn ipv4_opts(
    src: [u8; 4],
    dst: [u8; 4],
    proto: u8,
    opts: &[u8],
    frag: u16,
    payload: &[u8],
) -> Vec<u8> {
    assert_eq!(opts.len() % 4, 0);
    let ihl = 20 + opts.len();
    let mut h = vec![0x40 | (ihl / 4) as u8, 0];
    h.extend_from_slice(&be((ihl + payload.len()) as u16));
    h.extend_from_slice(&[0, 1]);
    h.extend_from_slice(&be(frag));
    h.extend_from_slice(&[64, proto, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(opts);
    h.extend_from_slice(payload);
    h
}

fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    ipv4_opts(SRC4, DST4, proto, &[], 0, payload)
}

fn v6(s: &str) -> [u8; 16] {
    s.parse::<std::net::Ipv6Addr>().unwrap().octets()
}

/// IPv6 with extension headers: each (type, body) where body excludes the next-header byte.
fn ipv6(
    src: [u8; 16],
    dst: [u8; 16],
    exts: &[(u8, Vec<u8>)],
    proto: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut chain = Vec::new();
    for (i, (_, body)) in exts.iter().enumerate() {
        let next = exts.get(i + 1).map_or(proto, |e| e.0);
        chain.push(next);
        chain.extend_from_slice(body);
    }
    chain.extend_from_slice(payload);
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&be(chain.len() as u16));
    h.push(exts.first().map_or(proto, |e| e.0));
    h.push(64);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(&chain);
    h
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(&be(sport));
    h.extend_from_slice(&be(dport));
    h.extend_from_slice(&be(8 + payload.len() as u16));
    h.extend_from_slice(&[0, 0]);
    h.extend_from_slice(payload);
    h
}

fn tcp_opts(sport: u16, dport: u16, opts: &[u8], payload: &[u8]) -> Vec<u8> {
    assert_eq!(opts.len() % 4, 0);
    let mut h = Vec::new();
    h.extend_from_slice(&be(sport));
    h.extend_from_slice(&be(dport));
    h.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]);
    h.push((((20 + opts.len()) / 4) as u8) << 4);
    h.extend_from_slice(&[0x18, 0xff, 0xff, 0, 0, 0, 0]);
    h.extend_from_slice(opts);
    h.extend_from_slice(payload);
    h
}

fn tcp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    tcp_opts(sport, dport, &[], payload)
}

fn dns_query(names: &[&str]) -> Vec<u8> {
    let mut m = vec![0x12, 0x34, 0x01, 0x00];
    m.extend_from_slice(&be(names.len() as u16));
    m.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    for n in names {
        for l in n.split('.') {
            m.push(l.len() as u8);
            m.extend_from_slice(l.as_bytes());
        }
        m.extend_from_slice(&[0, 0, 1, 0, 1]);
    }
    m
}

fn client_hello(name: &[u8]) -> Vec<u8> {
    let mut sni = Vec::new();
    sni.extend_from_slice(&be(name.len() as u16 + 3));
    sni.push(0);
    sni.extend_from_slice(&be(name.len() as u16));
    sni.extend_from_slice(name);
    let mut exts = vec![0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, 0, 0];
    exts.extend_from_slice(&be(sni.len() as u16));
    exts.extend_from_slice(&sni);
    let mut body = vec![3, 3];
    body.extend_from_slice(&[7; 32]);
    body.extend_from_slice(&[4, 1, 2, 3, 4]); // session id
    body.extend_from_slice(&[0, 4, 0x13, 0x01, 0x13, 0x02, 1, 0]);
    body.extend_from_slice(&be(exts.len() as u16));
    body.extend_from_slice(&exts);
    let mut hs = vec![1, 0];
    hs.extend_from_slice(&be(body.len() as u16));
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 3, 1];
    rec.extend_from_slice(&be(hs.len() as u16));
    rec.extend_from_slice(&hs);
    rec
}

// ---------------------------------------------------------------- database and scanning

fn db_with(extra: &[(Kind, &str, bool)]) -> Database {
    let mut b = Builder::new();
    let mut add = |k: Kind, v: &str, exact: bool| {
        let mut i = Indicator::parse(k, v, "test").unwrap();
        i.exact = exact;
        b.add(i).unwrap();
    };
    for (k, v) in [
        (Kind::Ip, "10.0.0.2:53"),
        (Kind::Ip, "2001:db8::/32"),
        (Kind::Ip, "203.0.113.9"),
        (Kind::Domain, "evil.com"),
        (Kind::Domain, "bad.example"),
        (Kind::Url, "evil.com/path?q=1"),
        (Kind::Url, "evil.com:8080/x"),
        (Kind::Url, "203.0.113.9:8000/nohost"),
        (Kind::Url, "other.net/abs"),
    ] {
        add(k, v, false);
    }
    for &(k, v, e) in extra {
        add(k, v, e);
    }
    b.add(Indicator::new(
        Value::literal(b"EVILPAYLOAD", false).unwrap(),
        Meta::source("test"),
    ))
    .unwrap();
    b.build().unwrap()
}

fn db() -> Database {
    db_with(&[])
}

type Hit = (Where, String, usize, usize);

/// (where, indicator value, span) of every sighting, and the flow.
fn scan(db: &Database, frame: &[u8], link: LinkType) -> (Vec<Hit>, Option<Flow>) {
    let mut hits = Vec::new();
    let mut flow = None;
    db.scan_packet(frame, link, &mut Scratch::new(), Timestamp(1000), |s, f| {
        let v = db.indicator(s.indicator).unwrap().value.to_string();
        assert!(s.span.start <= s.span.end && s.span.end <= frame.len());
        hits.push((s.where_seen, v, s.span.start, s.span.end));
        flow = Some(*f);
    });
    (hits, flow)
}

/// The DNS sightings only.
fn dns_whats(db: &Database, frame: &[u8], link: LinkType) -> Vec<(Where, String)> {
    let mut v = whats(db, frame, link);
    v.retain(|x| x.0 == Where::DnsQuery);
    v
}

fn whats(db: &Database, frame: &[u8], link: LinkType) -> Vec<(Where, String)> {
    scan(db, frame, link)
        .0
        .into_iter()
        .map(|h| (h.0, h.1))
        .collect()
}

fn w(wh: Where, v: &str) -> (Where, String) {
    (wh, v.to_string())
}

// ---------------------------------------------------------------- behaviour

/// One scratch for lines and packets, in turn: a line's queued names (and their filter
/// probes) never leak into the next packet's, whose DNS names are queued and tested after
/// its payload search; every question of a packet is observed (the second and third, with
/// other names before them), and the spans stay right.
#[test]
fn names_of_lines_and_packets_share_a_scratch() {
    let db = db();
    let mut s = Scratch::new();
    let frame = eth(
        0x0800,
        &ipv4(
            17,
            &udp(
                1234,
                53,
                &dns_query(&["ok.org", "a.b.evil.com", "evil.com"]),
            ),
        ),
    );
    let seen = |s: &mut Scratch| {
        let mut v = Vec::new();
        db.scan_packet(&frame, LinkType::Ethernet, s, Timestamp(1000), |x, _| {
            v.push((x.where_seen, x.span.start, x.span.end));
        });
        v.retain(|x| x.0 == Where::DnsQuery);
        v
    };
    let alone = seen(&mut Scratch::new());
    assert_eq!(alone.len(), 2, "{alone:?}");
    for _ in 0..3 {
        let mut n = 0;
        let line = b"x.ok.org y.ok.org z.ok.org w.ok.org www.evil.com v.ok.org u.ok.org";
        db.scan_line(line, &mut s, Timestamp(1000), |_| n += 1);
        assert_eq!(n, 1);
        assert_eq!(seen(&mut s), alone);
    }
}

#[test]
fn dns_query_over_udp_with_port_specific_ip() {
    let db = db();
    let f = eth(
        0x0800,
        &ipv4(17, &udp(1234, 53, &dns_query(&["WWW.Evil.COM", "ok.org"]))),
    );
    let (hits, flow) = scan(&db, &f, LinkType::Ethernet);
    let flow = flow.unwrap();
    assert_eq!(flow.to_string(), "192.0.2.1:1234 -> 10.0.0.2:53 udp");
    // ip.dst is the address bytes (Ethernet 14 + 16); the question name follows the UDP
    // header (14 + 20 + 8) and the DNS header (12).
    assert_eq!(
        hits,
        [
            (Where::IpDst, "10.0.0.2:53".into(), 30, 34),
            (Where::DnsQuery, "evil.com".into(), 54, 68),
        ]
    );
    // The port must be the one of the observed end.
    let f = eth(0x0800, &ipv4(17, &udp(53, 1234, b"x")));
    assert!(whats(&db, &f, LinkType::Ethernet).is_empty());
    let f = eth(
        0x0800,
        &ipv4_opts(DST4, SRC4, 17, &[], 0, &udp(53, 1234, b"x")),
    );
    assert_eq!(
        whats(&db, &f, LinkType::Ethernet),
        [w(Where::IpSrc, "10.0.0.2:53")]
    );
}

#[test]
fn dns_only_queries_on_dns_ports() {
    let db = db();
    let q = dns_query(&["evil.com"]);
    for port in [53, 5353, 5355] {
        let f = ipv4(17, &udp(40000, port, &q));
        assert_eq!(
            dns_whats(&db, &f, LinkType::RawIp),
            [w(Where::DnsQuery, "evil.com")],
            "{port}"
        );
    }
    let f = ipv4(17, &udp(40000, 5000, &q));
    assert!(dns_whats(&db, &f, LinkType::RawIp).is_empty());
    let mut resp = q.clone();
    resp[2] |= 0x80;
    let f = ipv4(17, &udp(53, 40000, &resp));
    assert!(dns_whats(&db, &f, LinkType::RawIp).is_empty());
    // Over TCP: 2-byte length prefix.
    let mut m = be(q.len() as u16).to_vec();
    m.extend_from_slice(&q);
    let f = ipv4(6, &tcp(40000, 53, &m));
    assert_eq!(
        dns_whats(&db, &f, LinkType::RawIp),
        [w(Where::DnsQuery, "evil.com")]
    );
}

#[test]
fn dns_compression_pointer_loop_is_dropped() {
    let db = db();
    let mut m = dns_query(&["evil.com"]);
    m[5] = 2; // two questions, the second a pointer to itself
    let at = m.len() as u16;
    m.extend_from_slice(&(0xc000 | at).to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 1]);
    let f = ipv4(17, &udp(1, 53, &m));
    assert_eq!(
        dns_whats(&db, &f, LinkType::RawIp),
        [w(Where::DnsQuery, "evil.com")]
    );
    // A valid pointer to the first name.
    let mut m = dns_query(&["evil.com"]);
    m[5] = 2;
    m.extend_from_slice(&[1, b'a', 0xc0, 12, 0, 1, 0, 1]);
    let f = ipv4(17, &udp(1, 53, &m));
    assert_eq!(
        dns_whats(&db, &f, LinkType::RawIp),
        [
            w(Where::DnsQuery, "evil.com"),
            w(Where::DnsQuery, "evil.com")
        ]
    );
}

#[test]
fn every_link_type_and_shim() {
    let db = db();
    let ip = ipv4(17, &udp(1, 53, &dns_query(&["evil.com"])));
    let ip6 = ipv6(
        v6("2001:db8::1"),
        v6("fe80::1"),
        &[],
        17,
        &udp(1, 53, &dns_query(&["evil.com"])),
    );
    let want4 = vec![
        w(Where::IpDst, "10.0.0.2:53"),
        w(Where::DnsQuery, "evil.com"),
    ];
    let want6 = vec![
        w(Where::IpSrc, "2001:db8::/32"),
        w(Where::DnsQuery, "evil.com"),
    ];
    let mut sll = vec![0, 0, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    let mut sll2 = vec![
        0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0,
    ];
    sll2.extend_from_slice(&ip6);
    let mut null_le = vec![2, 0, 0, 0];
    null_le.extend_from_slice(&ip);
    let mut null_be = vec![0, 0, 0, 30];
    null_be.extend_from_slice(&ip6);
    let mut lo = vec![0, 0, 0, 2];
    lo.extend_from_slice(&ip);
    let mut pppoe = vec![0x11, 0, 0x12, 0x34];
    pppoe.extend_from_slice(&be(ip.len() as u16 + 2));
    pppoe.extend_from_slice(&[0x00, 0x21]);
    pppoe.extend_from_slice(&ip);
    let mut pppoe6 = vec![0x11, 0, 0x12, 0x34, 0, 0, 0x00, 0x57];
    pppoe6.extend_from_slice(&ip6);
    let mut ppp = vec![0xff, 0x03, 0x00, 0x21];
    ppp.extend_from_slice(&ip);
    let mut ppp6 = vec![0x57];
    ppp6.extend_from_slice(&ip6);
    let mut mpls = vec![0, 0x01, 0x00, 64, 0, 0x02, 0x01, 64];
    mpls.extend_from_slice(&ip);
    type Case<'a> = (&'a str, Vec<u8>, LinkType, &'a Vec<(Where, String)>);
    let cases: Vec<Case> = vec![
        ("ethernet", eth(0x0800, &ip), LinkType::Ethernet, &want4),
        ("ethernet v6", eth(0x86dd, &ip6), LinkType::Ethernet, &want6),
        (
            "802.1q",
            eth_tags(&[(0x8100, 6)], 0x0800, &ip),
            LinkType::Ethernet,
            &want4,
        ),
        (
            "qinq 88a8",
            eth_tags(&[(0x88a8, 6), (0x8100, 7)], 0x86dd, &ip6),
            LinkType::Ethernet,
            &want6,
        ),
        (
            "qinq 9100",
            eth_tags(&[(0x9100, 6), (0x8100, 7)], 0x0800, &ip),
            LinkType::Ethernet,
            &want4,
        ),
        ("pppoe", eth(0x8864, &pppoe), LinkType::Ethernet, &want4),
        ("pppoe v6", eth(0x8864, &pppoe6), LinkType::Ethernet, &want6),
        (
            "vlan+pppoe",
            eth_tags(&[(0x8100, 6)], 0x8864, &pppoe),
            LinkType::Ethernet,
            &want4,
        ),
        ("mpls", eth(0x8847, &mpls), LinkType::Ethernet, &want4),
        ("sll", sll, LinkType::LinuxSll, &want4),
        ("ppp hdlc", ppp, LinkType::Ppp, &want4),
        ("ppp compressed", ppp6, LinkType::Ppp, &want6),
        ("sll2", sll2, LinkType::LinuxSll2, &want6),
        ("null le", null_le, LinkType::Null, &want4),
        ("null be", null_be, LinkType::Null, &want6),
        ("loop", lo, LinkType::Loop, &want4),
        ("raw v4", ip.clone(), LinkType::RawIp, &want4),
        ("raw v6", ip6.clone(), LinkType::RawIp, &want6),
        ("ipv4", ip.clone(), LinkType::Ipv4, &want4),
        ("ipv6", ip6.clone(), LinkType::Ipv6, &want6),
    ];
    for (name, frame, link, want) in &cases {
        assert_eq!(&whats(&db, frame, *link), *want, "{name}");
        assert!(decode(frame, *link).error.is_none(), "{name}");
    }
    // Wrong family for the link type: nothing, and an error saying why.
    assert!(whats(&db, &ip6, LinkType::Ipv4).is_empty());
    assert_eq!(
        decode(&ip6, LinkType::Ipv4).error.unwrap().kind,
        DecodeErrorKind::BadVersion
    );
    // Non-IP frames: nothing, no error.
    let arp = eth(0x0806, &[0; 28]);
    assert!(decode(&arp, LinkType::Ethernet).ip.is_none());
    assert!(decode(&arp, LinkType::Ethernet).error.is_none());
    assert_eq!(LinkType::from_pcap_linktype(113), Some(LinkType::LinuxSll));
    for v in [0, 1, 9, 101, 108, 113, 228, 229, 276] {
        assert_eq!(
            LinkType::from_pcap_linktype(v).unwrap().to_pcap_linktype(),
            v
        );
    }
}

#[test]
fn ipv4_options_and_fragments() {
    let db = db();
    let q = dns_query(&["evil.com"]);
    // IHL 8 (12 bytes of options: NOPs and end).
    let f = ipv4_opts(SRC4, DST4, 17, &[1; 12], 0, &udp(1, 53, &q));
    assert_eq!(
        scan(&db, &f, LinkType::RawIp).0,
        [
            (Where::IpDst, "10.0.0.2:53".into(), 16, 20),
            (
                Where::DnsQuery,
                "evil.com".into(),
                32 + 8 + 12,
                32 + 8 + 12 + 10
            ),
        ]
    );
    // First fragment (MF set, offset 0): transport read.
    let f = ipv4_opts(SRC4, DST4, 17, &[], 0x2000, &udp(1, 53, &q));
    assert_eq!(
        whats(&db, &f, LinkType::RawIp),
        [
            w(Where::IpDst, "10.0.0.2:53"),
            w(Where::DnsQuery, "evil.com")
        ]
    );
    // A later fragment whose bytes look like UDP + DNS: ip only (no port), payload literal.
    let mut body = udp(1, 53, &q);
    body.extend_from_slice(b"EVILPAYLOAD");
    let f = ipv4_opts(SRC4, [203, 0, 113, 9], 17, &[], 185, &body);
    let (hits, flow) = scan(&db, &f, LinkType::RawIp);
    assert_eq!(
        hits.iter().map(|h| (h.0, h.1.clone())).collect::<Vec<_>>(),
        [
            w(Where::IpDst, "203.0.113.9"),
            w(Where::Payload, "EVILPAYLOAD")
        ]
    );
    assert_eq!(flow.unwrap().sport, None);
    let p = decode(&f, LinkType::RawIp);
    assert!(p.ip.unwrap().is_later_fragment() && p.transport.is_none());
}

#[test]
fn ipv6_extension_headers() {
    let db = db();
    let q = dns_query(&["evil.com"]);
    let hbh = (0u8, vec![0, 1, 4, 0, 0, 0, 0]); // 8 bytes: PadN
    let rt = (43u8, vec![0, 0, 0, 0, 0, 0, 0]);
    let dst = (60u8, {
        let mut v = vec![1]; // length 1: 16 bytes
        v.extend_from_slice(&[1, 12]);
        v.extend_from_slice(&[0; 12]);
        v
    });
    let frag_first = (44u8, vec![0, 0, 1, 0, 0, 0, 7]); // offset 0, M=1
    let ah = (51u8, {
        let mut v = vec![4]; // (4 + 2) * 4 = 24 bytes
        v.extend_from_slice(&[0; 22]);
        v
    });
    let src = v6("2001:db8::7");
    let f = ipv6(
        src,
        v6("::ffff:203.0.113.9"),
        &[hbh.clone(), rt, dst, frag_first, ah],
        17,
        &udp(5353, 5353, &q),
    );
    let p = decode(&f, LinkType::Ipv6);
    assert_eq!(p.error, None);
    assert_eq!(p.ip.unwrap().proto, 17);
    assert_eq!(p.transport.unwrap().dport, 5353);
    // The IPv4-mapped destination is observed as IPv4 too.
    assert_eq!(
        whats(&db, &f, LinkType::Ipv6),
        [
            w(Where::IpSrc, "2001:db8::/32"),
            w(Where::IpDst, "203.0.113.9"),
            w(Where::DnsQuery, "evil.com")
        ]
    );
    // Later fragment: no transport.
    let later = (44u8, vec![0, 0x05, 0x00, 0, 0, 0, 7]);
    let f = ipv6(src, v6("fe80::1"), &[hbh, later], 17, &udp(1, 53, &q));
    let p = decode(&f, LinkType::Ipv6);
    assert!(p.transport.is_none() && p.ip.unwrap().is_later_fragment());
    assert_eq!(
        whats(&db, &f, LinkType::Ipv6),
        [w(Where::IpSrc, "2001:db8::/32")]
    );
}

fn http_frame(req: &[u8], dport: u16) -> Vec<u8> {
    eth(
        0x0800,
        &ipv4_opts(
            SRC4,
            [203, 0, 113, 9],
            6,
            &[],
            0,
            &tcp_opts(40000, dport, &[1, 1, 1, 0], req),
        ),
    )
}

#[test]
fn http_host_and_url() {
    let db = db();
    let h = |req: &[u8], dport: u16| {
        whats(&db, &http_frame(req, dport), LinkType::Ethernet)
            .into_iter()
            .filter(|x| x.0 != Where::IpDst)
            .collect::<Vec<_>>()
    };
    let req = b"GET /path?q=1 HTTP/1.1\r\nUser-Agent: t\r\nHost: Evil.COM\r\n\r\n";
    let (hits, _) = scan(&db, &http_frame(req, 80), LinkType::Ethernet);
    // Payload at 14 + 20 + 24; target at 4, host value at 45.
    let p0 = 14 + 20 + 24;
    assert_eq!(
        hits,
        [
            (Where::IpDst, "203.0.113.9".into(), 30, 34),
            (Where::HttpUrl, "evil.com/path?q=1".into(), p0 + 4, p0 + 13),
            (Where::HttpHost, "evil.com".into(), p0 + 45, p0 + 53),
        ]
    );
    // Host with a port; absolute-form target; no Host (destination address and port).
    assert_eq!(
        h(
            b"POST /x HTTP/1.0\r\nHost: evil.com:8080\r\nContent-Length: 0\r\n\r\n",
            8080
        ),
        [
            w(Where::HttpUrl, "evil.com:8080/x"),
            w(Where::HttpHost, "evil.com")
        ]
    );
    assert_eq!(
        h(
            b"GET http://Other.NET:80/abs HTTP/1.1\r\nHost: x.org\r\n\r\n",
            3128
        ),
        [w(Where::HttpUrl, "other.net/abs")]
    );
    assert_eq!(
        h(b"GET /x HTTP/1.1\r\nHost: Evil.com\r\n\r\n", 8080),
        [
            w(Where::HttpUrl, "evil.com:8080/x"),
            w(Where::HttpHost, "evil.com")
        ]
    );
    assert_eq!(
        h(b"GET /nohost HTTP/1.0\r\n\r\n", 8000),
        [w(Where::HttpUrl, "203.0.113.9:8000/nohost")]
    );
    // Pipelined requests.
    assert_eq!(
        h(
            b"GET /a HTTP/1.1\r\nHost: a.org\r\n\r\nGET /b HTTP/1.1\r\nHost: x.bad.example\r\n\r\n",
            80
        ),
        [w(Where::HttpHost, "bad.example")]
    );
    // CONNECT authority-form, Host as an address literal.
    assert_eq!(
        h(
            b"CONNECT evil.com:8080 HTTP/1.1\r\nHost: 203.0.113.9\r\n\r\n",
            3128
        ),
        [w(Where::HttpHost, "203.0.113.9")]
    );
    // The rest of a head whose request line came in an earlier segment.
    assert_eq!(
        h(b"Host: x.bad.example\r\n\r\n", 80),
        [w(Where::HttpHost, "bad.example")]
    );
    assert_eq!(
        h(b"host: 203.0.113.9:80\r\n", 80),
        [w(Where::HttpHost, "203.0.113.9")]
    );
    assert!(h(b"Host: evil.com", 80).is_empty()); // no line end: not a header line
                                                  // Not a request: a response, and text that merely looks like one.
    assert!(h(b"HTTP/1.1 200 OK\r\nHost: evil.com\r\n\r\n", 80).is_empty());
    assert!(h(b"hello evil.com\r\n", 80).is_empty());
}

#[test]
fn tls_sni() {
    let db = db();
    let ch = client_hello(b"Login.Evil.Com");
    let f = eth(
        0x86dd,
        &ipv6(v6("fe80::2"), v6("fe80::1"), &[], 6, &tcp(40000, 8443, &ch)),
    );
    let (hits, flow) = scan(&db, &f, LinkType::Ethernet);
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].0, hits[0].1.as_str()), (Where::TlsSni, "evil.com"));
    assert_eq!(&f[hits[0].2..hits[0].3], b"Login.Evil.Com");
    assert_eq!(
        flow.unwrap().to_string(),
        "[fe80::2]:40000 -> [fe80::1]:8443 tcp"
    );
}

#[test]
fn exact_allowlist_and_validity() {
    let db = db_with(&[(Kind::Domain, "exact.org", true)]);
    let q = |n: &str| ipv4(17, &udp(1, 53, &dns_query(&[n])));
    assert_eq!(whats(&db, &q("exact.org"), LinkType::RawIp).len(), 2);
    assert_eq!(whats(&db, &q("a.exact.org"), LinkType::RawIp).len(), 1);
    let mut b = Builder::new();
    b.add(Indicator::parse(Kind::Domain, "evil.com", "t").unwrap())
        .unwrap();
    b.add_allow(Indicator::parse(Kind::Domain, "ok.evil.com", "allow").unwrap())
        .unwrap();
    let mut late = Indicator::parse(Kind::Domain, "late.net", "t").unwrap();
    late.meta.valid_from = Some(Timestamp(2000));
    b.add(late).unwrap();
    let db = b.build().unwrap();
    assert!(whats(&db, &q("x.ok.evil.com"), LinkType::RawIp).is_empty());
    assert_eq!(whats(&db, &q("x.evil.com"), LinkType::RawIp).len(), 1);
    assert!(whats(&db, &q("late.net"), LinkType::RawIp).is_empty()); // now = 1000
    let mut n = 0;
    db.scan_packet(
        &q("late.net"),
        LinkType::RawIp,
        &mut Scratch::new(),
        Timestamp(2000),
        |_, _| n += 1,
    );
    assert_eq!(n, 1);
}

#[test]
fn until_stops_early() {
    let db = db();
    let f = ipv4(
        17,
        &udp(
            1,
            53,
            &dns_query(&["a.evil.com", "b.evil.com", "c.evil.com"]),
        ),
    );
    let mut n = 0;
    let r = db.scan_packet_until(
        &f,
        LinkType::RawIp,
        &mut Scratch::new(),
        Timestamp(0),
        |_, _| {
            n += 1;
            if n == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    );
    assert_eq!((r, n), (ControlFlow::Break(()), 2));
    let r = db.scan_packet_until(
        &f,
        LinkType::RawIp,
        &mut Scratch::new(),
        Timestamp(0),
        |_, _| ControlFlow::Continue(()),
    );
    assert_eq!(r, ControlFlow::Continue(None));
}

// ---------------------------------------------------------------- robustness

fn samples() -> Vec<(&'static str, Vec<u8>, LinkType)> {
    let q = dns_query(&["www.evil.com", "bad.example"]);
    let mut tcp_dns = be(q.len() as u16).to_vec();
    tcp_dns.extend_from_slice(&q);
    let http = b"GET /path?q=1 HTTP/1.1\r\nHost: evil.com\r\n\r\nGET /x HTTP/1.1\r\nHost: evil.com:8080\r\n\r\n";
    let hbh = (0u8, vec![0, 1, 4, 0, 0, 0, 0]);
    let frag = (44u8, vec![0, 0, 1, 0, 0, 0, 7]);
    vec![
        (
            "eth/vlan/ipv4/udp/dns",
            eth_tags(&[(0x8100, 6)], 0x0800, &ipv4(17, &udp(1, 53, &q))),
            LinkType::Ethernet,
        ),
        (
            "eth/qinq/ipv4 opts/tcp/dns",
            eth_tags(
                &[(0x88a8, 1), (0x8100, 2)],
                0x0800,
                &ipv4_opts(SRC4, DST4, 6, &[1; 8], 0, &tcp(1, 53, &tcp_dns)),
            ),
            LinkType::Ethernet,
        ),
        (
            "eth/ipv4/tcp/http",
            http_frame(http, 80),
            LinkType::Ethernet,
        ),
        (
            "eth/ipv6 ext/tcp/tls",
            eth(
                0x86dd,
                &ipv6(
                    v6("2001:db8::1"),
                    v6("::ffff:10.0.0.2"),
                    &[hbh.clone(), frag],
                    6,
                    &tcp(1, 443, &client_hello(b"evil.com")),
                ),
            ),
            LinkType::Ethernet,
        ),
        (
            "sll2/ipv6/udp/dns+literal",
            {
                let mut f = vec![
                    0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0, 1, 2, 3, 4, 5, 0, 0,
                ];
                let mut m = q.clone();
                m.extend_from_slice(b"EVILPAYLOAD");
                f.extend_from_slice(&ipv6(
                    v6("2001:db8::1"),
                    v6("fe80::1"),
                    &[hbh],
                    17,
                    &udp(53, 53, &m),
                ));
                f
            },
            LinkType::LinuxSll2,
        ),
        (
            "pppoe/ipv4/tcp/tls",
            {
                let ip = ipv4_opts(
                    SRC4,
                    [203, 0, 113, 9],
                    6,
                    &[],
                    0,
                    &tcp(1, 443, &client_hello(b"a.bad.example")),
                );
                let mut p = vec![0x11, 0, 0, 1];
                p.extend_from_slice(&be(ip.len() as u16 + 2));
                p.extend_from_slice(&[0, 0x21]);
                p.extend_from_slice(&ip);
                eth(0x8864, &p)
            },
            LinkType::Ethernet,
        ),
    ]
}

#[test]
fn every_truncation_of_every_sample() {
    let db = db();
    let mut scratch = Scratch::new();
    for (name, frame, link) in samples() {
        let full: BTreeSet<(Where, String)> = whats(&db, &frame, link).into_iter().collect();
        assert!(full.len() >= 2, "{name}: {full:?}");
        assert!(decode(&frame, link).error.is_none(), "{name}");
        for cut in 0..frame.len() {
            let part = &frame[..cut];
            let p = decode(part, link);
            if let Some(e) = p.error {
                assert!(e.offset <= cut && e.len <= cut, "{name} cut {cut}: {e}");
            }
            if let Some(ip) = p.ip {
                assert!(ip.dst_span.end <= cut);
            }
            if let Some(s) = p.payload {
                assert!(s.start <= s.end && s.end <= cut, "{name} cut {cut}");
            }
            let mut got = BTreeSet::new();
            db.scan_packet(part, link, &mut scratch, Timestamp(0), |s, _| {
                assert!(s.span.end <= cut);
                got.insert((
                    s.where_seen,
                    db.indicator(s.indicator).unwrap().value.to_string(),
                ));
            });
            assert!(
                got.is_subset(&full),
                "{name} cut {cut}: {got:?} not in {full:?}"
            );
            // Truncated frames report it (a cut inside the payload is seen from the IP or
            // UDP length; a cut before the IP header from the missing bytes).
            if p.ip.is_none() || p.transport.is_none() {
                assert!(p.error.is_some(), "{name} cut {cut}: no error");
            }
        }
    }
}

#[test]
fn bogus_lengths_are_errors_not_panics() {
    let db = db();
    let base = ipv4(17, &udp(1, 53, &dns_query(&["evil.com"])));
    let check = |f: &[u8], layer: Layer, kind: DecodeErrorKind| {
        let e = decode(f, LinkType::RawIp)
            .error
            .unwrap_or_else(|| panic!("no error for {layer:?}"));
        assert_eq!((e.layer, e.kind), (layer, kind));
        let _ = whats(&db, f, LinkType::RawIp);
    };
    let mut f = base.clone();
    f[0] = 0x44; // IHL 4
    check(&f, Layer::Ipv4, DecodeErrorKind::BadLength);
    let mut f = base.clone();
    f[0] = 0x4f; // IHL 15 > frame? no: 60 bytes < frame, options are the UDP bytes
    assert!(decode(&f, LinkType::RawIp).ip.is_some());
    let mut f = base.clone();
    f[2..4].copy_from_slice(&be(10)); // total < IHL
    check(&f, Layer::Ipv4, DecodeErrorKind::BadLength);
    let mut f = base.clone();
    f[2..4].copy_from_slice(&be(60000)); // total > frame
    check(&f, Layer::Ipv4, DecodeErrorKind::Truncated);
    assert_eq!(whats(&db, &f, LinkType::RawIp).len(), 2);
    let mut f = base.clone();
    f[24..26].copy_from_slice(&be(3)); // UDP length < 8
    check(&f, Layer::Udp, DecodeErrorKind::BadLength);
    let mut f = base.clone();
    f[24..26].copy_from_slice(&be(5000)); // UDP length > IP payload
    check(&f, Layer::Udp, DecodeErrorKind::Truncated);
    let t = ipv4(6, &tcp(1, 80, b"GET / HTTP/1.1\r\n\r\n"));
    let mut f = t.clone();
    f[32] = 0x40; // data offset 4
    check(&f, Layer::Tcp, DecodeErrorKind::BadLength);
    let mut f = t.clone();
    f[32] = 0xf0; // data offset 60 > segment
    check(&f, Layer::Tcp, DecodeErrorKind::Truncated);
    // IPv6: payload length beyond the frame, an extension header longer than the packet.
    let q6 = ipv6(
        v6("2001:db8::1"),
        v6("fe80::1"),
        &[(0, vec![0, 1, 4, 0, 0, 0, 0])],
        17,
        &udp(1, 53, b"x"),
    );
    let mut f = q6.clone();
    f[4..6].copy_from_slice(&be(9000));
    let e = decode(&f, LinkType::RawIp).error.unwrap();
    assert_eq!((e.layer, e.kind), (Layer::Ipv6, DecodeErrorKind::Truncated));
    let mut f = q6.clone();
    f[41] = 200;
    let p = decode(&f, LinkType::RawIp);
    assert_eq!(p.error.unwrap().layer, Layer::Ipv6Ext);
    assert_eq!(
        whats(&db, &f, LinkType::RawIp),
        [w(Where::IpSrc, "2001:db8::/32")]
    );
    // A chain of 40 hop-by-hop headers.
    let many: Vec<(u8, Vec<u8>)> = (0..40).map(|_| (0u8, vec![0, 1, 4, 0, 0, 0, 0])).collect();
    let f = ipv6(v6("::1"), v6("::2"), &many, 17, &udp(1, 53, b"x"));
    assert_eq!(
        decode(&f, LinkType::RawIp).error.unwrap().kind,
        DecodeErrorKind::TooManyHeaders
    );
    // Nested VLAN tags beyond the limit.
    let tags: Vec<(u16, u16)> = (0..20).map(|_| (0x8100, 1)).collect();
    let f = eth_tags(&tags, 0x0800, &base);
    assert_eq!(
        decode(&f, LinkType::Ethernet).error.unwrap().kind,
        DecodeErrorKind::TooManyHeaders
    );
    // DNS: qdcount 65535 with one question; TLS with lengths pointing far away.
    let mut m = dns_query(&["evil.com"]);
    m[4] = 0xff;
    m[5] = 0xff;
    assert_eq!(
        whats(&db, &ipv4(17, &udp(1, 53, &m)), LinkType::RawIp).len(),
        2
    );
    let mut ch = client_hello(b"evil.com");
    for i in [3, 6, 7, 43, 49] {
        let mut c = ch.clone();
        c[i] = 0xff;
        let _ = whats(&db, &ipv4(6, &tcp(1, 443, &c)), LinkType::RawIp);
    }
    ch.truncate(60);
    assert!(whats(&db, &ipv4(6, &tcp(1, 443, &ch)), LinkType::RawIp).is_empty());
}

fn shared_db() -> &'static Database {
    static DB: std::sync::OnceLock<Database> = std::sync::OnceLock::new();
    DB.get_or_init(db)
}

const LINKS: [LinkType; 9] = [
    LinkType::Null,
    LinkType::Ppp,
    LinkType::Ethernet,
    LinkType::RawIp,
    LinkType::Loop,
    LinkType::LinuxSll,
    LinkType::Ipv4,
    LinkType::Ipv6,
    LinkType::LinuxSll2,
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(frame in proptest::collection::vec(any::<u8>(), 0..200), li in 0usize..9) {
        let db = shared_db();
        let link = LINKS[li];
        let p = decode(&frame, link);
        if let Some(s) = p.payload {
            prop_assert!(s.start <= s.end && s.end <= frame.len());
        }
        db.scan_packet(&frame, link, &mut Scratch::new(), Timestamp(0), |s, _| {
            assert!(s.span.end <= frame.len());
        });
    }

    #[test]
    fn mutated_samples_never_panic(which in 0usize..6, edits in proptest::collection::vec((any::<u16>(), any::<u8>()), 1..6), cut in any::<u16>()) {
        let db = shared_db();
        let s = samples();
        let (_, mut frame, link) = s[which].clone();
        for (at, v) in edits {
            let i = usize::from(at) % frame.len();
            frame[i] = v;
        }
        frame.truncate(usize::from(cut) % (frame.len() + 1));
        db.scan_packet(&frame, link, &mut Scratch::new(), Timestamp(0), |s, _| {
            assert!(s.span.end <= frame.len());
        });
    }
}

#[test]
fn observed_text_for_reports() {
    use linerate::scan::packet::observed;
    let db = db();
    let texts = |f: &[u8], link: LinkType| {
        let mut v = Vec::new();
        db.scan_packet(f, link, &mut Scratch::new(), Timestamp(0), |s, _| {
            let port = matches!(
                db.indicator(s.indicator).unwrap().to_value(),
                Value::Ip { port: Some(_), .. }
            );
            v.push((s.where_seen, observed(f, link, s, port)));
        });
        v
    };
    // DNS over TCP, second question compressed: the name as sent (case kept), dotted.
    let mut m = dns_query(&["WWW.Evil.COM"]);
    m[5] = 2;
    m.extend_from_slice(&[4, b'M', b'a', b'i', b'l', 0xc0, 16, 0, 1, 0, 1]);
    let mut seg = be(m.len() as u16).to_vec();
    seg.extend_from_slice(&m);
    let f = eth(0x0800, &ipv4(6, &tcp(40000, 53, &seg)));
    assert_eq!(
        texts(&f, LinkType::Ethernet),
        [
            (Where::IpDst, "10.0.0.2:53".to_string()),
            (Where::DnsQuery, "WWW.Evil.COM".to_string()),
            (Where::DnsQuery, "Mail.Evil.COM".to_string()),
        ]
    );
    // IPv6 with a port in brackets, TLS name and HTTP spans as captured.
    let f = ipv6(
        v6("2001:db8::5"),
        v6("fe80::1"),
        &[],
        6,
        &tcp(1, 443, &client_hello(b"X.Evil.com")),
    );
    assert_eq!(
        texts(&f, LinkType::RawIp),
        [
            (Where::IpSrc, "2001:db8::5".to_string()),
            (Where::TlsSni, "X.Evil.com".to_string())
        ]
    );
    let f = http_frame(b"GET /path?q=1 HTTP/1.1\r\nHost: Evil.com\r\n\r\n", 80);
    assert_eq!(
        texts(&f, LinkType::Ethernet),
        [
            (Where::IpDst, "203.0.113.9".to_string()),
            (Where::HttpUrl, "/path?q=1".to_string()),
            (Where::HttpHost, "Evil.com".to_string())
        ]
    );
}
