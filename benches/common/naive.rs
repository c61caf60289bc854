//! The naive baseline linerate is measured against: split each line into tokens, normalize
//! each token by shape and look it up in `std::collections::HashSet<String>`s (default
//! SipHash), walking a domain's parents; CIDRs by one probe per prefix length present;
//! literals with one aho-corasick automaton and regexes with one multi-pattern regex (what
//! anyone would reach for). It does the same families of work as linerate (IPs and ip:port,
//! domains with the parent walk, URLs, emails, hashes, literals, regexes), with no token
//! filter and an allocation-free key buffer, so the ratio measures the design, not sloppiness.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The baseline's indicator tables.
#[derive(Default)]
pub struct Naive {
    domains: HashSet<String>,
    /// IPv4 and IPv6 addresses (canonical text) and `a.b.c.d:port`.
    ips: HashSet<String>,
    /// prefix length -> networks.
    cidrs: HashMap<u8, HashSet<u32>>,
    urls: HashSet<String>,
    emails: HashSet<String>,
    hashes: HashSet<String>,
    literals: Option<aho_corasick::AhoCorasick>,
    regexes: Option<regex_automata::meta::Regex>,
}

fn lower_into(s: &[u8], out: &mut String) {
    out.clear();
    for &b in s {
        out.push(b.to_ascii_lowercase() as char);
    }
}

/// URL match key as linerate writes it: no scheme, lowercase host, default port dropped,
/// no fragment; path and query kept.
fn url_key(u: &str) -> Option<String> {
    let (scheme, rest) = match u.find("://") {
        Some(p) => (&u[..p], &u[p + 3..]),
        None => ("http", u),
    };
    let rest = rest.split('#').next().unwrap_or("");
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (auth, path) = rest.split_at(cut);
    let auth = auth.rsplit('@').next().unwrap_or("");
    let mut host = auth.to_ascii_lowercase();
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => "",
    };
    if !default.is_empty() && host.ends_with(default) {
        host.truncate(host.len() - default.len());
    }
    if host.is_empty() {
        return None;
    }
    let path = if path.is_empty() { "/" } else { path };
    Some(format!("{host}{path}"))
}

impl Naive {
    /// Tables for `(type, value)` pairs with the type names of the combined TSV.
    pub fn new<'a>(items: impl IntoIterator<Item = (&'a str, &'a str)>) -> Naive {
        let mut n = Naive::default();
        let mut lits = Vec::new();
        let mut res = Vec::new();
        for (t, v) in items {
            let v = v.trim();
            match t {
                "domain" => {
                    n.domains.insert(v.trim_matches('.').to_ascii_lowercase());
                }
                "ipv4" | "ipv6" | "ip" => {
                    if let Ok(a) = v.parse::<Ipv4Addr>() {
                        n.ips.insert(a.to_string());
                    } else if let Ok(a) = v.parse::<Ipv6Addr>() {
                        n.ips.insert(a.to_string());
                    }
                }
                "ipv4_port" => {
                    n.ips.insert(v.to_string());
                }
                "cidr4" => {
                    if let Some((a, l)) = v.split_once('/') {
                        if let (Ok(a), Ok(l)) = (a.parse::<Ipv4Addr>(), l.parse::<u8>()) {
                            if (1..=32).contains(&l) {
                                let m = u32::from(a) & (u32::MAX << (32 - u32::from(l)));
                                n.cidrs.entry(l).or_default().insert(m);
                            }
                        }
                    }
                }
                "url" => {
                    if let Some(k) = url_key(v) {
                        n.urls.insert(k);
                    }
                }
                "email" => {
                    n.emails.insert(v.to_ascii_lowercase());
                }
                "md5" | "sha1" | "sha256" | "sha512" => {
                    n.hashes.insert(v.to_ascii_lowercase());
                }
                // `url_path` rows (maltrail's paths) are case-sensitive literals, as linerate's
                // plain loader reads them.
                "literal" | "url_path" => lits.push(v.to_string()),
                "regex" => res.push(v.to_string()),
                _ => {}
            }
        }
        if !lits.is_empty() {
            n.literals = aho_corasick::AhoCorasick::new(&lits).ok();
        }
        res.retain(|r| regex_automata::meta::Regex::new(r).is_ok());
        if !res.is_empty() {
            n.regexes = regex_automata::meta::Regex::new_many(&res).ok();
        }
        n
    }

    /// Number of matches in `line` (each token lookup that hits counts one).
    pub fn scan(&self, line: &[u8], key: &mut String) -> usize {
        let mut hits = 0;
        for tok in line.split(|&b| {
            matches!(
                b,
                b' ' | b'\t'
                    | b'"'
                    | b'\''
                    | b'<'
                    | b'>'
                    | b'['
                    | b']'
                    | b'('
                    | b')'
                    | b','
                    | b'{'
                    | b'}'
                    | b';'
            )
        }) {
            if tok.is_empty() {
                continue;
            }
            if tok.len() > 3 && memchr::memmem::find(tok, b"://").is_some() {
                if let Some(k) = std::str::from_utf8(tok).ok().and_then(url_key) {
                    hits += usize::from(self.urls.contains(&k));
                }
            }
            for t in tok.split(|&b| {
                !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'@'))
            }) {
                if !t.is_empty() {
                    hits += self.token(t, key);
                }
            }
        }
        if let Some(ac) = &self.literals {
            hits += ac.find_iter(line).count();
        }
        if let Some(re) = &self.regexes {
            hits += re.find_iter(line).count();
        }
        hits
    }

    fn token(&self, t: &[u8], key: &mut String) -> usize {
        let t = t.strip_suffix(b".").unwrap_or(t);
        let t = t.strip_suffix(b":").unwrap_or(t);
        if t.len() < 4 {
            return 0;
        }
        if let Some(at) = memchr::memchr(b'@', t) {
            lower_into(t, key);
            let mut n = usize::from(self.emails.contains(key.as_str()));
            n += self.domain(&t[at + 1..], key);
            return n;
        }
        if matches!(t.len(), 32 | 40 | 64 | 128) && t.iter().all(u8::is_ascii_hexdigit) {
            lower_into(t, key);
            return usize::from(self.hashes.contains(key.as_str()));
        }
        let colons = memchr::memchr_iter(b':', t).count();
        if colons >= 2 {
            if let Some(a) = std::str::from_utf8(t)
                .ok()
                .and_then(|s| s.parse::<Ipv6Addr>().ok())
            {
                key.clear();
                use std::fmt::Write as _;
                let _ = write!(key, "{a}");
                return usize::from(self.ips.contains(key.as_str()));
            }
            return 0;
        }
        let (host, port) = match memchr::memchr(b':', t) {
            Some(c) => (&t[..c], Some(&t[c + 1..])),
            None => (t, None),
        };
        if host.first().is_some_and(u8::is_ascii_digit) {
            if let Some(a) = std::str::from_utf8(host)
                .ok()
                .and_then(|s| s.parse::<Ipv4Addr>().ok())
            {
                let mut n = 0;
                // `host` is canonical when it parsed (no leading zeros are accepted).
                let h = std::str::from_utf8(host).unwrap_or("");
                n += usize::from(self.ips.contains(h));
                if port.is_some_and(|p| !p.is_empty()) {
                    n += usize::from(self.ips.contains(std::str::from_utf8(t).unwrap_or("")));
                }
                let a = u32::from(a);
                for (&l, set) in &self.cidrs {
                    n += usize::from(set.contains(&(a & (u32::MAX << (32 - u32::from(l))))));
                }
                return n;
            }
        }
        if memchr::memchr(b'.', host).is_some() {
            return self.domain(host, key);
        }
        0
    }

    fn domain(&self, d: &[u8], key: &mut String) -> usize {
        let d = d.strip_prefix(b".").unwrap_or(d);
        let last = d.rsplit(|&b| b == b'.').next().unwrap_or(b"");
        if d.len() < 4 || last.len() < 2 || !last.iter().all(u8::is_ascii_alphabetic) {
            return 0;
        }
        lower_into(d, key);
        let mut n = 0;
        let mut rest = key.as_str();
        loop {
            n += usize::from(self.domains.contains(rest));
            match rest.find('.') {
                Some(p) if rest[p + 1..].contains('.') => rest = &rest[p + 1..],
                _ => break,
            }
        }
        n
    }
}
