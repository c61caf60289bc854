//! The fixed indicator set shared by the scan targets: every kind, overlapping networks and
//! names, ports, exact-only domains, allowlist entries of every kind, and validity windows
//! (some indicators are live only before `T1`, some only after it).

#![allow(dead_code)]

use linerate::{Builder, Database, Indicator, Kind, Meta, Timestamp, Value};

/// Times the targets scan at: before, inside and after the windows (`Timestamp::MAX` is
/// the edge of finding 2 in fuzz/README.md).
pub const NOWS: [Timestamp; 3] = [Timestamp(0), Timestamp(1_700_000_000), Timestamp::MAX];
/// The edge of the validity windows.
pub const T1: i64 = 1_600_000_000;

const HITS: &[(Kind, &str)] = &[
    (Kind::Ip, "1.2.3.4"),
    (Kind::Ip, "10.0.0.0/8"),
    (Kind::Ip, "10.1.0.0/16"),
    (Kind::Ip, "192.0.2.7:443"),
    (Kind::Ip, "0.0.0.0/1"),
    (Kind::Ip, "2001:db8::/32"),
    (Kind::Ip, "2001:db8::1"),
    (Kind::Ip, "[2001:db8::2]:8443"),
    (Kind::Ip, "::ffff:10.9.9.9"),
    (Kind::Ip, "fe80::/10"),
    (Kind::Domain, "evil.com"),
    (Kind::Domain, "a.b.example.org"),
    (Kind::Domain, "xn--bcher-kva.de"),
    (Kind::Domain, "bad_host.net"),
    (Kind::Domain, "co.uk"),
    (Kind::Url, "http://evil.com/x?y=1"),
    (Kind::Url, "https://198.51.100.7:8443/gate.php"),
    (Kind::Url, "ftp://[2001:db8::5]/a%41b"),
    (Kind::Url, "evil.net/path"),
    (Kind::Email, "bad@evil.com"),
    (Kind::Email, "x.y+z@mail.example.org"),
    (Kind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
    (Kind::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (
        Kind::Sha256,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (
        Kind::Sha512,
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    ),
    (Kind::Literal, "cmd.exe"),
    (Kind::Literal, "\u{0}\u{0}"),
    (Kind::Literal, "aa"),
    (Kind::Regex, r"(?i)select\s+.{0,20}\s+from"),
    (Kind::Regex, r"\bpowershell(\.exe)?\s+-enc"),
    (Kind::Regex, r"[0-9a-f]{12}x"),
    (Kind::Regex, r"a.b"),
    // Anchored at the line's (payload's) ends: searched apart from the literal prefilter.
    (Kind::Regex, r"^[a-z]{1,3}-evil\.(com|top)$"),
    (Kind::Regex, r"www\.[a-z]{2}-[a-z]{2,3}\.top$"),
    (Kind::Regex, r"^GET /x[0-9]+"),
];

const ALLOW: &[(Kind, &str)] = &[
    (Kind::Ip, "10.9.0.0/16"),
    (Kind::Domain, "good.evil.com"),
    (Kind::Url, "http://evil.com/ok"),
    (Kind::Email, "ok@evil.com"),
    (Kind::Literal, "allowme"),
    (Kind::Regex, r"safe[0-9]+"),
];

/// Indicators (some with windows, some exact-only, some nocase literals) and allowlist entries.
pub fn lists() -> (Vec<Indicator>, Vec<Indicator>) {
    let mut inds = Vec::new();
    for (i, &(k, v)) in HITS.iter().enumerate() {
        let value = if k == Kind::Literal && i % 2 == 0 {
            Value::literal(v.as_bytes(), true).expect("literal")
        } else {
            Value::parse(k, v).expect("fixed indicator")
        };
        let mut meta = Meta::source(format!("feed{}", i % 3));
        match i % 4 {
            1 => meta.valid_until = Some(Timestamp(T1)),
            2 => meta.valid_from = Some(Timestamp(T1)),
            _ => {}
        }
        let mut ind = Indicator::new(value, meta);
        ind.exact = k == Kind::Domain && i % 3 == 0;
        inds.push(ind);
    }
    let allow = ALLOW
        .iter()
        .map(|&(k, v)| Indicator::new(Value::parse(k, v).expect("allow"), Meta::source("allow")))
        .collect();
    (inds, allow)
}

/// [`lists`] without the networks too short to search for (`10.` of `10.0.0.0/8`, `0.` of
/// `0.0.0.0/1`): its database has the line prefilter (`Limits::line_prefilter_max`).
pub fn lists_prefiltered() -> (Vec<Indicator>, Vec<Indicator>) {
    let (mut inds, allow) = lists();
    inds.retain(|i| !matches!(i.value.to_string().as_str(), "10.0.0.0/8" | "0.0.0.0/1"));
    (inds, allow)
}

/// The database of [`lists`].
pub fn database() -> Database {
    let (inds, allow) = lists();
    let mut b = Builder::new();
    for i in inds {
        b.add(i).expect("add");
    }
    for a in allow {
        b.add_allow(a).expect("add_allow");
    }
    b.build().expect("build")
}
