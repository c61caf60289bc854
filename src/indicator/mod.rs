//! Indicators: kinds, normalized values, metadata, parsing, refanging and merging.
//!
//! An [`Indicator`] is a normalized [`Value`] plus [`Meta`]. Values are parsed per SPEC §1:
//! defanged forms are refanged, domains become lowercase punycode, URLs become match keys,
//! hashes become binary digests. Invalid values give an [`Error`] naming the kind, the value
//! and the reason; nothing panics.

pub mod normalize;
mod refang;

pub use refang::refang;

use crate::error::{Error, ErrorKind};
use crate::time::Timestamp;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

/// The kind of an indicator (and of an observation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
#[non_exhaustive]
pub enum Kind {
    /// IPv4 / IPv6 address or network, optionally with a port.
    Ip = 0,
    /// A DNS name; matches itself and its subdomains unless loaded exact-only.
    Domain = 1,
    /// A URL, compared by match key.
    Url = 2,
    /// An email address.
    Email = 3,
    /// MD5 digest (32 hex digits).
    Md5 = 4,
    /// SHA-1 digest (40 hex digits).
    Sha1 = 5,
    /// SHA-256 digest (64 hex digits).
    Sha256 = 6,
    /// SHA-512 digest (128 hex digits).
    Sha512 = 7,
    /// A byte string searched anywhere in the raw line or payload.
    Literal = 8,
    /// A regular expression searched anywhere in the raw line or payload.
    Regex = 9,
}

impl Kind {
    /// Every kind, in discriminant order.
    pub const ALL: [Kind; 10] = [
        Kind::Ip,
        Kind::Domain,
        Kind::Url,
        Kind::Email,
        Kind::Md5,
        Kind::Sha1,
        Kind::Sha256,
        Kind::Sha512,
        Kind::Literal,
        Kind::Regex,
    ];

    /// The kind's name as used in output and in `KIND<TAB>VALUE` lists (`"ip"`, `"sha256"`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ip => "ip",
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Email => "email",
            Kind::Md5 => "md5",
            Kind::Sha1 => "sha1",
            Kind::Sha256 => "sha256",
            Kind::Sha512 => "sha512",
            Kind::Literal => "literal",
            Kind::Regex => "regex",
        }
    }

    /// Parses a kind name (case-insensitive; a few common aliases such as `ipv4`, `cidr`,
    /// `hostname`, `sha-256` are accepted).
    pub fn from_name(name: &str) -> Option<Kind> {
        let n = name.trim().to_ascii_lowercase();
        Some(match n.as_str() {
            "ip" | "ipv4" | "ipv6" | "addr" | "cidr" | "subnet" | "ip-src" | "ip-dst"
            | "ipv4_port" | "ipv6_port" | "cidr4" | "cidr6" => Kind::Ip,
            "domain" | "hostname" | "host" | "fqdn" => Kind::Domain,
            "url" | "uri" => Kind::Url,
            "email" | "email-addr" | "email-src" | "email-dst" => Kind::Email,
            "md5" => Kind::Md5,
            "sha1" | "sha-1" => Kind::Sha1,
            "sha256" | "sha-256" => Kind::Sha256,
            "sha512" | "sha-512" => Kind::Sha512,
            "literal" | "string" => Kind::Literal,
            "regex" | "regexp" => Kind::Regex,
            _ => return None,
        })
    }

    /// Whether this is one of the hash kinds.
    pub fn is_hash(self) -> bool {
        matches!(self, Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512)
    }

    /// The digest length in bytes for hash kinds.
    pub fn digest_len(self) -> Option<usize> {
        match self {
            Kind::Md5 => Some(16),
            Kind::Sha1 => Some(20),
            Kind::Sha256 => Some(32),
            Kind::Sha512 => Some(64),
            _ => None,
        }
    }

    /// The hash kind whose hex form has `len` digits.
    pub fn hash_for_hex_len(len: usize) -> Option<Kind> {
        match len {
            32 => Some(Kind::Md5),
            40 => Some(Kind::Sha1),
            64 => Some(Kind::Sha256),
            128 => Some(Kind::Sha512),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A normalized indicator value. Two values are the same indicator exactly when they are equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Value {
    /// A network (an address is a /32 or /128) and an optional port.
    Ip {
        /// The network, host bits zero.
        net: IpNet,
        /// When set, only observations of this port match.
        port: Option<u16>,
    },
    /// Lowercase ASCII (punycode), no trailing dot, two labels or more.
    Domain(String),
    /// The URL match key (see [`normalize::url_key`]).
    Url(String),
    /// `local@domain`, lowercase.
    Email(String),
    /// A digest; `kind` is one of the hash kinds.
    Hash {
        /// Md5, Sha1, Sha256 or Sha512.
        kind: Kind,
        /// The binary digest.
        digest: Vec<u8>,
    },
    /// Bytes searched anywhere; `nocase` makes ASCII letters match either case.
    Literal {
        /// The bytes.
        bytes: Vec<u8>,
        /// ASCII-case-insensitive.
        nocase: bool,
    },
    /// A regex in regex-automata syntax.
    Regex(String),
}

/// Size limit for one compiled regex indicator (bytes of NFA), see [`crate::Limits`].
pub const DEFAULT_REGEX_SIZE_LIMIT: usize = 1 << 20;

impl Value {
    /// The value's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Ip { .. } => Kind::Ip,
            Value::Domain(_) => Kind::Domain,
            Value::Url(_) => Kind::Url,
            Value::Email(_) => Kind::Email,
            Value::Hash { kind, .. } => *kind,
            Value::Literal { .. } => Kind::Literal,
            Value::Regex(_) => Kind::Regex,
        }
    }

    /// Parses and normalizes `text` as an indicator of `kind`.
    ///
    /// ```
    /// use linerate::{Kind, Value};
    /// assert_eq!(Value::parse(Kind::Domain, "EVIL[.]Example.COM.").unwrap().to_string(), "evil.example.com");
    /// assert_eq!(Value::parse(Kind::Ip, "198.51.100.7:8443").unwrap().to_string(), "198.51.100.7:8443");
    /// let err = Value::parse(Kind::Ip, "10.0.0.1/8").unwrap_err();
    /// assert!(err.to_string().contains("host bits set"), "{err}");
    /// ```
    ///
    /// Literals are taken verbatim (case-sensitive): use [`Value::literal`] for options.
    pub fn parse(kind: Kind, text: &str) -> Result<Value, Error> {
        let name = kind.as_str();
        let t = text.trim();
        if t.is_empty() {
            return Err(Error::invalid(name, text, "empty value"));
        }
        match kind {
            Kind::Ip => parse_ip(&refang(t)).map_err(|r| Error::invalid(name, text, r)),
            Kind::Domain => parse_domain(&refang(t)).map_err(|r| Error::invalid(name, text, r)),
            Kind::Url => {
                let r = refang(t);
                if r.bytes().any(|b| b <= b' ' || b == 0x7f) {
                    return Err(Error::invalid(
                        name,
                        text,
                        "contains whitespace or control characters",
                    ));
                }
                let mut k = Vec::new();
                normalize::url_key(r.as_bytes(), &mut k)
                    .map_err(|e| Error::invalid(name, text, e))?;
                Ok(Value::Url(bytes_to_string(k)))
            }
            Kind::Email => {
                let mut k = Vec::new();
                normalize::email(refang(t).as_bytes(), &mut k)
                    .map_err(|e| Error::invalid(name, text, e))?;
                Ok(Value::Email(bytes_to_string(k)))
            }
            Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512 => {
                let hex: Vec<u8> = t
                    .bytes()
                    .filter(|&b| b != b':' && !b.is_ascii_whitespace())
                    .collect();
                let want = kind.digest_len().unwrap_or(0) * 2;
                if hex.len() != want {
                    return Err(Error::invalid(
                        name,
                        text,
                        format_args!("expected {want} hex digits, found {}", hex.len()),
                    ));
                }
                let mut digest = Vec::new();
                normalize::hex_decode(&hex, &mut digest)
                    .ok_or_else(|| Error::invalid(name, text, "not hexadecimal"))?;
                Ok(Value::Hash { kind, digest })
            }
            Kind::Literal => Value::literal(text.as_bytes(), false),
            Kind::Regex => Value::regex(text, DEFAULT_REGEX_SIZE_LIMIT),
        }
    }

    /// Parses `text`, inferring the kind: URL (a scheme or a `/` after a host), IP / CIDR /
    /// `ip:port`, hash by hex length, email (an `@`), else domain.
    ///
    /// ```
    /// use linerate::{Kind, Value};
    /// assert_eq!(Value::infer("10.0.0.0/8").unwrap().kind(), Kind::Ip);
    /// assert_eq!(Value::infer("hxxp://evil[.]com/x").unwrap().kind(), Kind::Url);
    /// assert_eq!(Value::infer("d41d8cd98f00b204e9800998ecf8427e").unwrap().kind(), Kind::Md5);
    /// assert_eq!(Value::infer("a@evil.com").unwrap().kind(), Kind::Email);
    /// assert_eq!(Value::infer("evil.com").unwrap().kind(), Kind::Domain);
    /// ```
    pub fn infer(text: &str) -> Result<Value, Error> {
        Value::parse(infer_kind(text), text)
    }

    /// A literal indicator: `bytes` searched anywhere, ASCII-case-insensitively when `nocase`.
    pub fn literal(bytes: &[u8], nocase: bool) -> Result<Value, Error> {
        if bytes.is_empty() {
            return Err(Error::invalid("literal", "", "empty value"));
        }
        Ok(Value::Literal {
            bytes: bytes.to_vec(),
            nocase,
        })
    }

    /// A regex indicator, checked to compile within `size_limit` bytes and not to match the
    /// empty string (which would fire on every line).
    pub fn regex(pattern: &str, size_limit: usize) -> Result<Value, Error> {
        check_regex(pattern, size_limit)?;
        Ok(Value::Regex(pattern.to_string()))
    }
}

/// Guesses the kind of a bare value from a feed.
pub fn infer_kind(text: &str) -> Kind {
    let t = refang(text.trim());
    let t = t.as_ref();
    if t.contains("://") {
        return Kind::Url;
    }
    if parse_ip(t).is_ok() {
        return Kind::Ip;
    }
    // `addr/len` that failed as a network (host bits set, /0, bad length) is still an IP
    // value: let its parse error say why, rather than reading it as a URL path.
    if let Some((addr, _)) = t.split_once('/') {
        if addr.parse::<IpAddr>().is_ok() || leading_zero_octet(addr) {
            return Kind::Ip;
        }
    }
    if let Some(k) = Kind::hash_for_hex_len(t.len()) {
        if t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return k;
        }
    }
    if t.contains('@') && !t.contains('/') {
        return Kind::Email;
    }
    if t.contains('/') {
        return Kind::Url;
    }
    Kind::Domain
}

/// Regex indicators match bytes: `\w`, `\d`, `\b`, `.` and `(?i)` are ASCII and invalid
/// UTF-8 can match, as fits log lines and payloads (and keeps the lazy DFA on its fast path:
/// Unicode word boundaries make it give up on non-ASCII input). A pattern that wants Unicode
/// classes enables them with `(?u)`.
pub(crate) fn regex_syntax_config() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false)
}

pub(crate) fn check_regex(
    pattern: &str,
    size_limit: usize,
) -> Result<regex_automata::meta::Regex, Error> {
    use regex_automata::meta;
    let re = meta::Builder::new()
        .syntax(regex_syntax_config())
        .configure(
            meta::Config::new()
                .nfa_size_limit(Some(size_limit))
                .hybrid_cache_capacity(1 << 21),
        )
        .build(pattern)
        .map_err(|e| match e.size_limit() {
            Some(limit) => Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "regex indicator {:?} compiles to more than {limit} bytes (Limits::regex_size_limit)",
                    crate::error::truncate(pattern, 80)
                ),
            ),
            None => Error::new(
                ErrorKind::InvalidValue,
                format!("invalid regex indicator {:?}: {e}", crate::error::truncate(pattern, 80)),
            ),
        })?;
    let hir = regex_automata::util::syntax::parse_with(pattern, &regex_syntax_config())
        .map_err(|e| Error::invalid("regex", pattern, e))?;
    if hir.properties().minimum_len() == Some(0) {
        return Err(Error::invalid("regex", pattern, "matches the empty string"));
    }
    Ok(re)
}

fn bytes_to_string(v: Vec<u8>) -> String {
    String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn leading_zero_octet(s: &str) -> bool {
    s.split('.').count() == 4
        && s.split('.')
            .all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
        && s.split('.').any(|o| o.len() > 1 && o.starts_with('0'))
}

fn parse_addr(s: &str) -> Result<IpAddr, String> {
    if s.contains('%') {
        return Err("zone index not allowed in an indicator".into());
    }
    if leading_zero_octet(s) {
        return Err("ambiguous IPv4 octet with leading zero".into());
    }
    s.parse::<IpAddr>()
        .map_err(|_| "not an IPv4 or IPv6 address".to_string())
}

fn parse_port(p: &str) -> Result<u16, String> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad port {p:?}"));
    }
    match p.parse::<u32>() {
        Ok(v @ 1..=65535) => Ok(v as u16),
        _ => Err(format!("port {p} outside 1-65535")),
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) networks are stored as the IPv4 network.
pub(crate) fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(n) = net {
        if let Some(v4) = n.network().to_ipv4_mapped() {
            if n.prefix_len() >= 96 {
                if let Ok(n4) = Ipv4Net::new(v4, n.prefix_len() - 96) {
                    return IpNet::V4(n4);
                }
            }
        }
    }
    net
}

fn parse_ip(s: &str) -> Result<Value, String> {
    // [v6]:port
    if let Some(rest) = s.strip_prefix('[') {
        let (addr, after) = rest.split_once(']').ok_or("unclosed '['")?;
        let port = match after {
            "" => return Err("brackets without a port".into()),
            p => parse_port(p.strip_prefix(':').ok_or("junk after ']'")?)?,
        };
        let a: Ipv6Addr = match parse_addr(addr)? {
            IpAddr::V6(a) => a,
            IpAddr::V4(_) => return Err("IPv4 address in brackets".into()),
        };
        let net = canonical_net(IpNet::V6(Ipv6Net::new(a, 128).map_err(|e| e.to_string())?));
        return Ok(Value::Ip {
            net,
            port: Some(port),
        });
    }
    if let Some((addr, len)) = s.split_once('/') {
        let a = parse_addr(addr)?;
        if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("bad prefix length {len:?}"));
        }
        let len: u8 = len.parse().map_err(|_| "bad prefix length")?;
        let net = IpNet::new(a, len)
            .map_err(|_| format!("prefix length /{len} too long for the address family"))?;
        if net.network() != a {
            return Err(format!("host bits set (the network is {})", net.trunc()));
        }
        // `::ffff:0:0/96` is IPv4 `0.0.0.0/0` once canonicalized: just as broad.
        let net = canonical_net(net);
        if len == 0 || net.prefix_len() == 0 {
            return Err("prefix /0 would match every address".into());
        }
        return Ok(Value::Ip { net, port: None });
    }
    // a.b.c.d:port (exactly one colon)
    if s.bytes().filter(|&b| b == b':').count() == 1 {
        let (addr, port) = s.split_once(':').unwrap_or((s, ""));
        return match parse_addr(addr)? {
            IpAddr::V4(a) => Ok(Value::Ip {
                net: IpNet::V4(Ipv4Net::new(a, 32).map_err(|e| e.to_string())?),
                port: Some(parse_port(port)?),
            }),
            IpAddr::V6(_) => Err("not an address".into()),
        };
    }
    let a = parse_addr(s)?;
    let net = match a {
        IpAddr::V4(a) => IpNet::V4(Ipv4Net::new(a, 32).map_err(|e| e.to_string())?),
        IpAddr::V6(a) => IpNet::V6(Ipv6Net::new(a, 128).map_err(|e| e.to_string())?),
    };
    Ok(Value::Ip {
        net: canonical_net(net),
        port: None,
    })
}

fn parse_domain(s: &str) -> Result<Value, String> {
    // Wildcards and leading dots (`*.evil.com`, `.evil.com`) mean "this domain and below",
    // which is already how domain indicators match.
    let s = s.strip_prefix("*.").unwrap_or(s);
    let s = s.strip_prefix('.').unwrap_or(s);
    if s.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err("contains whitespace or control characters".into());
    }
    let mut out = Vec::new();
    normalize::domain(s.as_bytes(), &mut out)?;
    if !out.contains(&b'.') {
        return Err("a single label is a top-level or local name, not a domain indicator".into());
    }
    let last = out.rsplit(|&b| b == b'.').next().unwrap_or(&[]);
    if last.iter().all(u8::is_ascii_digit) {
        return Err("numeric last label (an IP address is not a domain)".into());
    }
    Ok(Value::Domain(bytes_to_string(out)))
}

impl fmt::Display for Value {
    /// The normalized form: what the sensors print as `indicator`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Ip { net, port } => {
                let single = net.prefix_len() == net.max_prefix_len();
                match (net, port, single) {
                    (IpNet::V4(n), Some(p), true) => write!(f, "{}:{p}", n.addr()),
                    (IpNet::V6(n), Some(p), true) => write!(f, "[{}]:{p}", n.addr()),
                    // Networks with a port (only through `Indicator::new`) keep their length.
                    (IpNet::V4(n), Some(p), false) => write!(f, "{n}:{p}"),
                    (IpNet::V6(n), Some(p), false) => write!(f, "[{n}]:{p}"),
                    (n, None, true) => write!(f, "{}", n.addr()),
                    (n, None, false) => write!(f, "{n}"),
                }
            }
            Value::Domain(s) | Value::Url(s) | Value::Email(s) | Value::Regex(s) => f.write_str(s),
            Value::Hash { digest, .. } => {
                for b in digest {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Value::Literal { bytes, .. } => f.write_str(&String::from_utf8_lossy(bytes)),
        }
    }
}

/// Traffic Light Protocol marking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Tlp {
    /// TLP:CLEAR (TLP 1.0 WHITE).
    Clear,
    /// TLP:GREEN.
    Green,
    /// TLP:AMBER.
    Amber,
    /// TLP:AMBER+STRICT.
    AmberStrict,
    /// TLP:RED.
    Red,
}

impl Tlp {
    /// Parses `clear`, `white`, `green`, `amber`, `amber+strict`, `red` (any case, optional `tlp:`).
    pub fn from_name(s: &str) -> Option<Tlp> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("tlp:").unwrap_or(&s);
        Some(match s {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => return None,
        })
    }

    /// The lowercase name (`"amber+strict"`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }
}

/// Where an indicator came from and when it applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Meta {
    /// Feed names.
    pub sources: Vec<String>,
    /// References: STIX ids, MISP uuids, feed record ids.
    pub refs: Vec<String>,
    /// Confidence 0–100 when the feed gives one.
    pub confidence: Option<u8>,
    /// Tags and labels.
    pub tags: Vec<String>,
    /// The most restrictive TLP marking seen.
    pub tlp: Option<Tlp>,
    /// No sighting before this time.
    pub valid_from: Option<Timestamp>,
    /// No sighting at or after this time.
    pub valid_until: Option<Timestamp>,
}

fn push_unique(into: &mut Vec<String>, from: &[String]) {
    for s in from {
        if !into.contains(s) {
            into.push(s.clone());
        }
    }
}

impl Meta {
    /// Metadata with one source.
    pub fn source(name: impl Into<String>) -> Meta {
        Meta {
            sources: vec![name.into()],
            ..Meta::default()
        }
    }

    /// Merges `other` into `self`: lists united (order kept, no duplicates), the highest
    /// confidence and the most restrictive TLP kept, and the validity window widened to cover
    /// both (an unbounded side stays unbounded): the indicator is live whenever any source
    /// says it is.
    pub fn merge(&mut self, other: &Meta) {
        push_unique(&mut self.sources, &other.sources);
        push_unique(&mut self.refs, &other.refs);
        push_unique(&mut self.tags, &other.tags);
        self.confidence = self.confidence.max(other.confidence);
        self.tlp = self.tlp.max(other.tlp);
        self.valid_from = match (self.valid_from, other.valid_from) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
        self.valid_until = match (self.valid_until, other.valid_until) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
    }

    /// Whether `now` lies in `[valid_from, valid_until)`.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.valid_from.is_none_or(|f| now >= f) && self.valid_until.is_none_or(|u| now < u)
    }
}

/// An indicator: a normalized value, its metadata, and how domains match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    /// The normalized value.
    pub value: Value,
    /// Provenance and validity.
    pub meta: Meta,
    /// For domains: match only the name itself, not its subdomains (Zeek's semantics).
    pub exact: bool,
}

impl Indicator {
    /// An indicator with the given value and metadata, subdomain matching on.
    pub fn new(value: Value, meta: Meta) -> Indicator {
        Indicator {
            value,
            meta,
            exact: false,
        }
    }

    /// Parses `text` as `kind` with one source.
    ///
    /// ```
    /// use linerate::{Indicator, Kind};
    /// let i = Indicator::parse(Kind::Url, "hxxp://Evil[.]com:80/a", "feed-a").unwrap();
    /// assert_eq!(i.value.to_string(), "evil.com/a");
    /// ```
    pub fn parse(kind: Kind, text: &str, source: &str) -> Result<Indicator, Error> {
        Ok(Indicator::new(
            Value::parse(kind, text)?,
            Meta::source(source),
        ))
    }

    /// The indicator's kind.
    pub fn kind(&self) -> Kind {
        self.value.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(k: Kind, s: &str) -> String {
        Value::parse(k, s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }
    fn err(k: Kind, s: &str) -> String {
        Value::parse(k, s).expect_err(s).to_string()
    }

    #[test]
    fn networks_with_a_port_print_their_length_and_slash_zero_is_refused_everywhere() {
        let v = |net: &str, port| Value::Ip {
            net: net.parse().unwrap(),
            port,
        };
        assert_eq!(v("10.1.0.0/16", Some(443)).to_string(), "10.1.0.0/16:443");
        assert_eq!(v("10.1.2.3/32", Some(443)).to_string(), "10.1.2.3:443");
        assert_eq!(
            v("2001:db8::/32", Some(53)).to_string(),
            "[2001:db8::/32]:53"
        );
        assert_eq!(
            v("2001:db8::1/128", Some(53)).to_string(),
            "[2001:db8::1]:53"
        );
        let meta = Meta::default();
        for net in ["0.0.0.0/0", "::/0", "::ffff:0:0/96"] {
            let mut b = crate::Builder::new();
            let e = b
                .add(Indicator::new(v(net, None), meta.clone()))
                .expect_err(net);
            assert!(
                e.to_string().contains("/0 would match every address"),
                "{e}"
            );
        }
        let mut b = crate::Builder::new();
        assert!(b.add(Indicator::new(v("0.0.0.0/1", None), meta)).is_ok());
    }

    #[test]
    fn ips() {
        assert_eq!(ok(Kind::Ip, "1.2.3.4"), "1.2.3.4");
        assert_eq!(ok(Kind::Ip, "1.2.3.4/32"), "1.2.3.4");
        assert_eq!(ok(Kind::Ip, "10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(ok(Kind::Ip, "2001:DB8:0:0::1"), "2001:db8::1");
        assert_eq!(ok(Kind::Ip, "2001:db8::/32"), "2001:db8::/32");
        assert_eq!(ok(Kind::Ip, "[2001:db8::1]:443"), "[2001:db8::1]:443");
        assert_eq!(ok(Kind::Ip, "198.51.100.7:8443"), "198.51.100.7:8443");
        assert_eq!(ok(Kind::Ip, "::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(ok(Kind::Ip, "8.8.8[.]8"), "8.8.8.8");
        assert!(err(Kind::Ip, "10.0.0.1/8").contains("host bits set (the network is 10.0.0.0/8)"));
        assert!(err(Kind::Ip, "010.1.1.1").contains("leading zero"));
        assert!(err(Kind::Ip, "1.2.3.4:0").contains("port"));
        assert!(err(Kind::Ip, "1.2.3.4:65536").contains("port"));
        assert!(err(Kind::Ip, "fe80::1%eth0").contains("zone"));
        assert!(err(Kind::Ip, "[2001:db8::1]").contains("brackets"));
        assert!(err(Kind::Ip, "0.0.0.0/0").contains("/0"));
        assert!(err(Kind::Ip, "::ffff:0:0/96").contains("/0"));
        assert_eq!(ok(Kind::Ip, "::ffff:10.0.0.0/104"), "10.0.0.0/8");
        assert!(Value::infer("10.0.0.1/8")
            .unwrap_err()
            .to_string()
            .contains("host bits set"));
        assert!(Value::infer("010.0.0.0/8")
            .unwrap_err()
            .to_string()
            .contains("leading zero"));
        assert!(err(Kind::Ip, "1.2.3.4/33").contains("too long"));
        for bad in [
            "999.1.1.1",
            "1.2.3",
            "1::2::3",
            "",
            "  ",
            "2001:db8::1:443:1:2:3:4:5",
        ] {
            assert!(Value::parse(Kind::Ip, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_hashes_emails() {
        assert_eq!(ok(Kind::Domain, "EVIL.COM."), "evil.com");
        assert_eq!(ok(Kind::Domain, "*.evil.com"), "evil.com");
        assert_eq!(ok(Kind::Domain, "bücher.example"), "xn--bcher-kva.example");
        assert_eq!(ok(Kind::Domain, "evil-site[.]net"), "evil-site.net");
        assert!(err(Kind::Domain, "tk").contains("single label"));
        assert!(err(Kind::Domain, "a b.com").contains("whitespace"));
        assert!(err(Kind::Domain, "1.2.3.4").contains("numeric"));
        assert_eq!(
            ok(Kind::Md5, "D41D8CD98F00B204E9800998ECF8427E"),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert!(err(Kind::Sha256, "abc").contains("expected 64 hex digits, found 3"));
        assert!(err(Kind::Md5, "g41d8cd98f00b204e9800998ecf8427e").contains("not hexadecimal"));
        assert_eq!(
            ok(Kind::Email, "John.Doe[at]Evil-Site[.]NET"),
            "john.doe@evil-site.net"
        );
        assert!(err(Kind::Regex, "a*").contains("empty string"));
        assert!(err(Kind::Regex, "(").contains("invalid regex"));
        let big = Value::regex("a{1000}{1000}", 1 << 16).unwrap_err();
        assert_eq!(big.kind(), ErrorKind::LimitExceeded);
        assert!(
            big.to_string()
                .contains("more than 65536 bytes (Limits::regex_size_limit)"),
            "{big}"
        );
    }

    #[test]
    fn merge_widens() {
        let mut a = Meta {
            sources: vec!["a".into()],
            valid_from: Some(Timestamp(10)),
            valid_until: Some(Timestamp(20)),
            tlp: Some(Tlp::Green),
            ..Meta::default()
        };
        let b = Meta {
            sources: vec!["b".into(), "a".into()],
            valid_from: Some(Timestamp(5)),
            valid_until: Some(Timestamp(15)),
            tlp: Some(Tlp::Red),
            confidence: Some(50),
            ..Meta::default()
        };
        a.merge(&b);
        assert_eq!(a.sources, ["a", "b"]);
        assert_eq!(
            (a.valid_from, a.valid_until),
            (Some(Timestamp(5)), Some(Timestamp(20)))
        );
        assert_eq!(a.tlp, Some(Tlp::Red));
        assert_eq!(a.confidence, Some(50));
        assert!(a.is_valid_at(Timestamp(5)) && !a.is_valid_at(Timestamp(20)));
    }
}
