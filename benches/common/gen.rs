//! Deterministic generator of realistic log lines and indicator sets, shared by
//! `benches/scan.rs` and `examples/throughput.rs` (included with `#[path]`).
//!
//! Everything is a pure function of a seed: the same seed gives the same bytes on every
//! machine, so peers (ripgrep, grep, Hyperscan) can be run on the very same corpus.
//!
//! - [`indicator`] / [`indicators`]: an indicator set in the mix of the bundled real set
//!   (`combined-indicators.tsv.gz`): about 62% domains, 11% IPv4, 12% IPv4:port, 8% URLs,
//!   5% SHA-256, 1% MD5/SHA-1, and a few CIDRs, IPv6 addresses, emails, literals and regexes.
//!   Indicator `k` depends only on `(seed, k)`, so the 1k set is a prefix of the 100k set,
//!   which is a prefix of the 1M set: one corpus planted from the 1k set hits all three.
//! - [`Corpus::generate`]: squid-like proxy access logs, web-server combined logs and Zeek
//!   JSON logs (conn, dns, http, ssl, files) with the token density of the real logs (about
//!   8 bytes a token), and planted hits: a chosen fraction of the lines carries one indicator
//!   (in a field where it would really appear).
//!
//! Background values (domains, addresses) are drawn from pools that indicators never use, so
//! the only hits are the planted ones (up to chance collisions of random hex digests, which
//! do not happen in practice).

#![allow(dead_code)]

use std::fmt::Write as _;

/// splitmix64: small, fast, and good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// A uniformly chosen element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// A uniformly chosen string of a non-empty list.
    pub fn s(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len() as u64) as usize]
    }

    /// `n` lowercase hex digits.
    pub fn hex(&mut self, n: usize, out: &mut String) {
        const H: &[u8; 16] = b"0123456789abcdef";
        for _ in 0..n {
            out.push(H[self.below(16) as usize] as char);
        }
    }

    /// Between `lo` and `hi` (inclusive) characters from `alphabet`.
    pub fn chars_between(&mut self, lo: u64, hi: u64, alphabet: &[u8], out: &mut String) {
        let n = self.range(lo, hi) as usize;
        self.chars(n, alphabet, out);
    }

    /// `n` characters from `alphabet`.
    pub fn chars(&mut self, n: usize, alphabet: &[u8], out: &mut String) {
        for _ in 0..n {
            out.push(*self.pick(alphabet) as char);
        }
    }
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const LOWER_DIGIT: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Kinds of generated indicators, named as the type column of `combined-indicators.tsv.gz`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GenKind {
    /// `evil.com`, `a.evil.com`.
    Domain,
    /// `203.0.113.7`.
    Ipv4,
    /// `203.0.113.7:8443`.
    Ipv4Port,
    /// `203.0.113.0/24`.
    Cidr4,
    /// `2a03:b0c0:3:d0::d77:e001`.
    Ipv6,
    /// `evil.com/path`, `203.0.113.7:8080/x.php`, `http://evil.com/a/b`.
    Url,
    /// 64 hex digits.
    Sha256,
    /// 40 hex digits.
    Sha1,
    /// 32 hex digits.
    Md5,
    /// `local@evil.com`.
    Email,
    /// A byte string searched anywhere.
    Literal,
    /// A regex.
    Regex,
}

impl GenKind {
    /// The type column of the combined TSV (readable by linerate's plain loader).
    pub fn tsv_type(self) -> &'static str {
        match self {
            GenKind::Domain => "domain",
            GenKind::Ipv4 => "ipv4",
            GenKind::Ipv4Port => "ipv4_port",
            GenKind::Cidr4 => "cidr4",
            GenKind::Ipv6 => "ipv6",
            GenKind::Url => "url",
            GenKind::Sha256 => "sha256",
            GenKind::Sha1 => "sha1",
            GenKind::Md5 => "md5",
            GenKind::Email => "email",
            GenKind::Literal => "literal",
            GenKind::Regex => "regex",
        }
    }

    /// Whether a fixed-string matcher (grep -F, Hyperscan literals) can look for it as is.
    pub fn is_fixed_string(self) -> bool {
        !matches!(self, GenKind::Cidr4 | GenKind::Regex)
    }
}

/// One generated indicator: its value as a feed would give it, and a string to plant in a
/// log line that makes it match (the value, a subdomain, an address inside a CIDR...).
#[derive(Clone, Debug)]
pub struct GenIndicator {
    /// Kind.
    pub kind: GenKind,
    /// Value as written in a feed.
    pub value: String,
    /// Text that matches the indicator when it stands in a log line.
    pub sample: String,
}

/// Real registered domains used for background traffic; generated indicators avoid them.
const POPULAR: &[&str] = &[
    "google.com",
    "googleapis.com",
    "gstatic.com",
    "googlevideo.com",
    "youtube.com",
    "facebook.com",
    "fbcdn.net",
    "microsoft.com",
    "windowsupdate.com",
    "office365.com",
    "live.com",
    "msftncsi.com",
    "apple.com",
    "icloud.com",
    "amazon.com",
    "amazonaws.com",
    "cloudfront.net",
    "akamaihd.net",
    "akamaized.net",
    "cloudflare.com",
    "github.com",
    "githubusercontent.com",
    "twitter.com",
    "twimg.com",
    "linkedin.com",
    "wikipedia.org",
    "yahoo.com",
    "bing.com",
    "netflix.com",
    "nflxvideo.net",
    "instagram.com",
    "whatsapp.net",
    "doubleclick.net",
    "googlesyndication.com",
    "adnxs.com",
    "criteo.com",
    "reddit.com",
    "redditstatic.com",
    "stackoverflow.com",
    "sstatic.net",
    "mozilla.org",
    "mozilla.net",
    "ubuntu.com",
    "debian.org",
    "slack.com",
    "zoom.us",
    "dropbox.com",
    "salesforce.com",
    "okta.com",
    "office.net",
    "sharepoint.com",
    "digicert.com",
    "letsencrypt.org",
    "semicomplete.com",
    "elastic.co",
    "example.com",
    "bbc.co.uk",
    "cnn.com",
    "nytimes.com",
    "adobe.com",
    "spotify.com",
    "tiktokcdn.com",
    "yandex.ru",
    "baidu.com",
    "qq.com",
];

const SUBS: &[&str] = &[
    "www",
    "cdn",
    "api",
    "static",
    "img",
    "mail",
    "login",
    "s3",
    "edge",
    "assets",
    "m",
    "app",
    "update",
    "dl",
    "media",
    "accounts",
    "clients4",
    "r3---sn-4g5e6nze",
    "ocsp",
    "telemetry",
];

const SYLLABLES: &[&str] = &[
    "ba", "no", "ti", "ra", "ke", "lo", "mi", "su", "ven", "tor", "dal", "pex", "quin", "mar",
    "sol", "rin", "gal", "fer", "tum", "hol", "bri", "cas", "del", "nor", "vel", "zen", "lum",
    "kor", "pal", "sta", "tri", "wen", "yor", "ab", "ex", "on", "ul", "im", "ar", "es",
];

const BG_TLDS: &[&str] = &[
    "com", "net", "org", "io", "de", "co.uk", "fr", "nl", "com.br", "edu",
];

const IOC_TLDS: &[&str] = &[
    "com", "com", "com", "net", "org", "xyz", "top", "ru", "info", "pw", "cn", "site", "online",
    "club", "io", "biz", "cc", "tk", "me", "co", "us", "de", "su", "icu", "shop", "live",
];

const PATH_WORDS: &[&str] = &[
    "index",
    "images",
    "static",
    "js",
    "css",
    "api",
    "v1",
    "v2",
    "assets",
    "download",
    "update",
    "presentations",
    "logstash",
    "kibana",
    "search",
    "login",
    "account",
    "user",
    "content",
    "uploads",
    "wp-content",
    "plugins",
    "themes",
    "blog",
    "2015",
    "2020",
    "news",
    "media",
    "feed",
    "rss",
    "favicon",
    "dashboard",
    "settings",
    "public",
    "dist",
    "vendor",
    "lib",
];

const EXTS: &[&str] = &[
    "html", "php", "js", "css", "png", "jpg", "gif", "json", "xml", "ico", "svg", "woff2", "txt",
];

const QUERY_KEYS: &[&str] = &[
    "q",
    "id",
    "page",
    "lang",
    "v",
    "ref",
    "utm_source",
    "session",
    "t",
];

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Microsoft-WebDAV-MiniRedir/10.0.18362",
    "curl/7.81.0",
    "Wget/1.21.2",
    "python-requests/2.31.0",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "Microsoft-CryptoAPI/10.0",
    "Go-http-client/1.1",
];

const CONTENT_TYPES: &[&str] = &[
    "text/html",
    "text/css",
    "application/javascript",
    "image/png",
    "image/jpeg",
    "application/json",
    "application/octet-stream",
    "text/plain",
    "image/gif",
    "-",
];

const SQUID_RESULTS: &[&str] = &[
    "TCP_MISS",
    "TCP_MISS",
    "TCP_HIT",
    "TCP_MEM_HIT",
    "TCP_REFRESH_MODIFIED",
    "TCP_DENIED",
    "TCP_TUNNEL",
    "TCP_MISS_ABORTED",
];

const STATUSES: &[u16] = &[200, 200, 200, 200, 200, 304, 302, 301, 404, 403, 500, 206];

const USERS: &[&str] = &[
    "jsmith",
    "adoe",
    "svc_backup",
    "mwilson",
    "kpatel",
    "lchen",
    "rgarcia",
];

const MONTHS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const CIPHERS: &[&str] = &[
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

const MIME: &[&str] = &[
    "application/x-dosexec",
    "text/html",
    "text/plain",
    "application/pdf",
    "image/png",
    "application/zip",
    "text/ini",
    "application/x-x509-ca-cert",
];

const FILE_NAMES: &[&str] = &[
    "setup.exe",
    "invoice.pdf",
    "report.docx",
    "update.zip",
    "gpt.ini",
    "GptTmpl.inf",
    "chrome_installer.exe",
    "readme.txt",
    "image.png",
    "payload.bin",
];

/// First octets that indicators never use: private, special and the background pools'.
fn reserved_first_octet(o: u8) -> bool {
    matches!(
        o,
        0 | 10 | 13 | 23 | 52 | 100 | 104 | 127 | 142 | 169 | 172 | 192 | 198
    ) || o >= 224
}

fn ioc_ipv4(r: &mut Rng) -> [u8; 4] {
    loop {
        let o = r.range(1, 223) as u8;
        if !reserved_first_octet(o) {
            return [
                o,
                r.below(256) as u8,
                r.below(256) as u8,
                r.range(1, 254) as u8,
            ];
        }
    }
}

fn fmt_ip(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// A malicious-looking registered domain: random label on a TLD common in feeds.
fn ioc_domain(r: &mut Rng, out: &mut String) {
    loop {
        out.clear();
        let n = r.range(5, 13) as usize;
        r.chars(n, LOWER_DIGIT, out);
        if r.chance(0.1) {
            let cut = r.range(2, n as u64 - 2) as usize;
            out.insert(cut, '-');
        }
        out.push('.');
        out.push_str(r.s(IOC_TLDS));
        if !POPULAR.contains(&out.as_str()) {
            return;
        }
    }
}

fn ioc_host(r: &mut Rng) -> String {
    let mut d = String::new();
    ioc_domain(r, &mut d);
    let extra = r.below(100);
    if extra < 25 {
        let mut s = String::new();
        r.chars_between(1, 8, LOWER_DIGIT, &mut s);
        format!("{s}.{d}")
    } else if extra < 30 {
        let mut s = String::new();
        r.chars_between(2, 6, LOWER, &mut s);
        format!("{s}.{}.{d}", r.s(SUBS))
    } else {
        d
    }
}

fn ioc_path(r: &mut Rng, out: &mut String) {
    let segs = r.range(1, 3);
    for _ in 0..segs {
        out.push('/');
        let n = r.range(3, 10) as usize;
        r.chars(n, ALNUM, out);
    }
    out.push('.');
    out.push_str(r.s(&[
        "php", "exe", "bin", "js", "txt", "armv7l", "x86", "dll", "zip",
    ]));
}

/// Indicator `k` of the set seeded with `seed` (depends on nothing else).
pub fn indicator(seed: u64, k: u64) -> GenIndicator {
    let mut r = Rng::new(seed ^ k.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ 0x5EED);
    r.next_u64();
    let kind = if k % 20_000 == 7 {
        GenKind::Literal
    } else if k % 50_000 == 13 {
        GenKind::Regex
    } else {
        // Per 10 000, the mix of combined-indicators.tsv.gz.
        match r.below(10_000) {
            0..=6219 => GenKind::Domain,
            6220..=7319 => GenKind::Ipv4,
            7320..=8519 => GenKind::Ipv4Port,
            8520..=9309 => GenKind::Url,
            9310..=9849 => GenKind::Sha256,
            9850..=9919 => GenKind::Sha1,
            9920..=9979 => GenKind::Md5,
            9980..=9989 => GenKind::Ipv6,
            9990..=9994 => GenKind::Email,
            _ => GenKind::Cidr4,
        }
    };
    let mut value = String::new();
    let mut sample = String::new();
    match kind {
        GenKind::Domain => {
            value = ioc_host(&mut r);
            // A third of the sightings are of a subdomain.
            sample = if r.chance(0.3) {
                format!("{}.{value}", r.s(SUBS))
            } else {
                value.clone()
            };
        }
        GenKind::Ipv4 => {
            value = fmt_ip(ioc_ipv4(&mut r));
            sample.clone_from(&value);
        }
        GenKind::Ipv4Port => {
            let port = *r.pick(&[80u16, 443, 8080, 8443, 4444, 5555, 1337, 8888, 53, 9001]);
            let port = if r.chance(0.3) {
                r.range(1024, 65535) as u16
            } else {
                port
            };
            value = format!("{}:{port}", fmt_ip(ioc_ipv4(&mut r)));
            sample.clone_from(&value);
        }
        GenKind::Cidr4 => {
            let a = ioc_ipv4(&mut r);
            if r.chance(0.8) {
                value = format!("{}.{}.{}.0/24", a[0], a[1], a[2]);
            } else {
                value = format!("{}.{}.0.0/16", a[0], a[1]);
            }
            sample = fmt_ip(a);
        }
        GenKind::Ipv6 => {
            let pre: u128 = *r.pick(&[0x2a03_b0c0u128, 0x2400_6180, 0x2604_a880, 0x2a01_04f8]);
            let low = u128::from(r.next_u64() & 0x0000_ffff_0000_ffff) | (0xd0 << 64);
            let a = std::net::Ipv6Addr::from(pre << 96 | low);
            value = a.to_string();
            sample.clone_from(&value);
        }
        GenKind::Url => {
            let mut v = String::new();
            match r.below(4) {
                0 => {
                    let port = *r.pick(&[8080u16, 8000, 8883, 443, 81]);
                    let _ = write!(v, "{}:{port}", fmt_ip(ioc_ipv4(&mut r)));
                }
                1 => v.push_str(&fmt_ip(ioc_ipv4(&mut r))),
                _ => v.push_str(&ioc_host(&mut r)),
            }
            ioc_path(&mut r, &mut v);
            if r.chance(0.25) {
                value = format!("http://{v}");
                sample.clone_from(&value);
            } else {
                sample = format!("http://{v}");
                value = v;
            }
        }
        GenKind::Sha256 | GenKind::Sha1 | GenKind::Md5 => {
            let n = match kind {
                GenKind::Sha256 => 64,
                GenKind::Sha1 => 40,
                _ => 32,
            };
            r.hex(n, &mut value);
            sample.clone_from(&value);
        }
        GenKind::Email => {
            let mut d = String::new();
            ioc_domain(&mut r, &mut d);
            r.chars_between(5, 10, LOWER, &mut value);
            let _ = write!(value, "{}@{d}", r.range(10, 9999));
            sample.clone_from(&value);
        }
        GenKind::Literal => {
            let w = r.s(&["beacon", "stager", "implant", "gate", "loader"]);
            let _ = write!(value, "/{w}-");
            r.hex(10, &mut value);
            let _ = write!(value, ".bin");
            sample.clone_from(&value);
        }
        GenKind::Regex => {
            let mut a = String::new();
            r.chars_between(3, 6, LOWER, &mut a);
            let mut b = String::new();
            r.chars_between(5, 8, LOWER, &mut b);
            let tld = r.s(&["top", "xyz", "ru"]);
            value = format!(r"{a}[0-9]{{5,7}}\.{b}\.{tld}");
            sample = format!("{a}{}.{b}.{tld}", r.range(10_000, 9_999_999));
        }
    }
    GenIndicator {
        kind,
        value,
        sample,
    }
}

/// Indicators `0..n` of the set seeded with `seed`.
pub fn indicators(n: usize, seed: u64) -> Vec<GenIndicator> {
    (0..n as u64).map(|k| indicator(seed, k)).collect()
}

/// The set as the combined TSV (`type<TAB>value<TAB>source`), with a header row.
pub fn indicators_tsv(set: &[GenIndicator]) -> Vec<u8> {
    let mut out = String::from("type\tvalue\tsource\n");
    for i in set {
        let _ = writeln!(out, "{}\t{}\tgen", i.kind.tsv_type(), i.value);
    }
    out.into_bytes()
}

/// The fixed-string indicators of the set, one a line (what `grep -F -f` and a Hyperscan
/// literal database take; CIDRs and regexes are left out, URLs given without a scheme).
pub fn indicators_fixed(set: &[GenIndicator]) -> Vec<u8> {
    let mut out = String::new();
    for i in set.iter().filter(|i| i.kind.is_fixed_string()) {
        let v = i.value.strip_prefix("http://").unwrap_or(&i.value);
        out.push_str(v);
        out.push('\n');
    }
    out.into_bytes()
}

/// Background pools, drawn once per corpus.
struct Pools {
    domains: Vec<String>,
    clients: Vec<String>,
    servers: Vec<String>,
    v6: Vec<String>,
}

impl Pools {
    fn new(r: &mut Rng) -> Pools {
        let mut domains: Vec<String> = POPULAR.iter().map(|d| d.to_string()).collect();
        for _ in 0..4000 {
            let mut d = String::new();
            while d.len() < 6 {
                d.push_str(r.s(SYLLABLES));
            }
            d.push('.');
            d.push_str(r.s(BG_TLDS));
            domains.push(d);
        }
        let clients = (0..1500)
            .map(|_| match r.below(3) {
                0 => format!("10.{}.{}.{}", r.below(256), r.below(256), r.range(1, 254)),
                1 => format!("192.168.{}.{}", r.below(256), r.range(1, 254)),
                _ => format!(
                    "172.{}.{}.{}",
                    r.range(16, 31),
                    r.below(256),
                    r.range(1, 254)
                ),
            })
            .collect();
        let servers = (0..3000)
            .map(|_| {
                let first = *r.pick(&[13u8, 23, 52, 104, 142, 198]);
                format!(
                    "{first}.{}.{}.{}",
                    r.below(256),
                    r.below(256),
                    r.range(1, 254)
                )
            })
            .collect();
        let v6 = (0..300)
            .map(|_| {
                let pre: u128 = *r.pick(&[0x2001_4860u128, 0x2606_4700, 0xfe80_0000]);
                std::net::Ipv6Addr::from(pre << 96 | u128::from(r.next_u64())).to_string()
            })
            .collect();
        Pools {
            domains,
            clients,
            servers,
            v6,
        }
    }

    /// A background host name: popular names often, long-tail ones otherwise, with a
    /// subdomain most of the time.
    fn host(&self, r: &mut Rng, out: &mut String) {
        let d = if r.chance(0.6) {
            &self.domains[r.below(POPULAR.len() as u64) as usize]
        } else {
            r.pick(&self.domains)
        };
        match r.below(10) {
            0..=5 => {
                out.push_str(r.s(SUBS));
                out.push('.');
            }
            6 => {
                out.push_str(r.s(SUBS));
                out.push('.');
                out.push_str(r.s(SUBS));
                out.push('.');
            }
            _ => {}
        }
        out.push_str(d);
    }
}

fn bg_path(r: &mut Rng, out: &mut String) {
    for _ in 0..r.range(1, 4) {
        out.push('/');
        out.push_str(r.s(PATH_WORDS));
        if r.chance(0.2) {
            let _ = write!(out, "-{}", r.range(1, 999));
        }
    }
    if r.chance(0.7) {
        out.push('.');
        out.push_str(r.s(EXTS));
    }
    if r.chance(0.3) {
        for i in 0..r.range(1, 3) {
            out.push(if i == 0 { '?' } else { '&' });
            let _ = write!(out, "{}=", r.s(QUERY_KEYS));
            r.chars_between(2, 12, ALNUM, out);
        }
    }
}

fn uid(r: &mut Rng, prefix: char, out: &mut String) {
    out.push(prefix);
    r.chars_between(16, 17, ALNUM, out);
}

/// Where a planted indicator goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A host name (URL host, DNS query, HTTP Host, TLS server name).
    Host,
    /// A client or server address.
    Addr,
    /// An IPv6 address.
    Addr6,
    /// `ip:port` (CONNECT target or URL authority).
    Endpoint,
    /// A whole URL with a scheme.
    Url,
    /// A URL path.
    Path,
    /// A user name field.
    User,
    /// A file digest field.
    Digest,
}

fn slot_of(k: GenKind) -> Slot {
    match k {
        GenKind::Domain | GenKind::Regex => Slot::Host,
        GenKind::Ipv4 | GenKind::Cidr4 => Slot::Addr,
        GenKind::Ipv6 => Slot::Addr6,
        GenKind::Ipv4Port => Slot::Endpoint,
        GenKind::Url => Slot::Url,
        GenKind::Literal => Slot::Path,
        GenKind::Email => Slot::User,
        GenKind::Sha256 | GenKind::Sha1 | GenKind::Md5 => Slot::Digest,
    }
}

/// A generated corpus: lines separated by `\n` (the last one too).
pub struct Corpus {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Number of lines.
    pub lines: usize,
    /// Number of lines with a planted indicator.
    pub planted: usize,
}

impl Corpus {
    /// Generates about `target_bytes` of log lines (a mix of 40% proxy, 35% web combined and
    /// 25% Zeek JSON) where a fraction `hit_rate` of the lines carries one indicator drawn
    /// from `plant` (none when `plant` is empty).
    pub fn generate(
        target_bytes: usize,
        hit_rate: f64,
        plant: &[GenIndicator],
        seed: u64,
    ) -> Corpus {
        let mut r = Rng::new(seed ^ 0xC0_4215);
        let pools = Pools::new(&mut r);
        let mut bytes = Vec::with_capacity(target_bytes + 4096);
        let mut line = String::with_capacity(1024);
        let mut ts: u64 = 1_588_205_199_000_000;
        let (mut lines, mut planted) = (0, 0);
        while bytes.len() < target_bytes {
            line.clear();
            ts += r.range(1, 40_000);
            let hit = if !plant.is_empty() && r.chance(hit_rate) {
                Some(r.pick(plant))
            } else {
                None
            };
            let p = hit.map(|i| (slot_of(i.kind), i.sample.as_str()));
            let fmt = r.below(100);
            match p.map(|x| x.0) {
                // Slots only some formats have.
                Some(Slot::Digest) => zeek_files(&mut r, &pools, ts, p, &mut line),
                Some(Slot::User) => squid(&mut r, &pools, ts, p, &mut line),
                Some(Slot::Addr6) => zeek(&mut r, &pools, ts, p, &mut line),
                Some(Slot::Endpoint) | Some(Slot::Url) | Some(Slot::Path) if fmt >= 75 => {
                    squid(&mut r, &pools, ts, p, &mut line)
                }
                _ => match fmt {
                    0..=39 => squid(&mut r, &pools, ts, p, &mut line),
                    40..=74 => combined(&mut r, &pools, ts, p, &mut line),
                    _ => zeek(&mut r, &pools, ts, p, &mut line),
                },
            }
            planted += usize::from(hit.is_some());
            lines += 1;
            bytes.extend_from_slice(line.as_bytes());
            bytes.push(b'\n');
        }
        Corpus {
            bytes,
            lines,
            planted,
        }
    }
}

type Plant<'a> = Option<(Slot, &'a str)>;

fn take(p: Plant<'_>, slot: Slot) -> Option<&str> {
    p.filter(|x| x.0 == slot).map(|x| x.1)
}

/// squid native access.log: `time elapsed client result/status bytes method URL user
/// hierarchy/peer type`.
fn squid(r: &mut Rng, pools: &Pools, ts: u64, p: Plant<'_>, out: &mut String) {
    let client = take(p, Slot::Addr).map_or_else(|| r.pick(&pools.clients).clone(), str::to_string);
    let status = *r.pick(STATUSES);
    let mut url = String::new();
    let connect =
        take(p, Slot::Endpoint).is_some() && r.chance(0.5) || (p.is_none() && r.chance(0.15));
    let method = if connect {
        if let Some(e) = take(p, Slot::Endpoint) {
            url.push_str(e);
        } else {
            pools.host(r, &mut url);
            url.push_str(":443");
        }
        "CONNECT"
    } else {
        if let Some(u) = take(p, Slot::Url) {
            url.push_str(u);
        } else {
            url.push_str(if r.chance(0.7) { "http://" } else { "https://" });
            if let Some(e) = take(p, Slot::Endpoint) {
                url.push_str(e);
            } else if let Some(h) = take(p, Slot::Host) {
                url.push_str(h);
            } else {
                pools.host(r, &mut url);
            }
            bg_path(r, &mut url);
            if let Some(l) = take(p, Slot::Path) {
                url.push_str(l);
            }
        }
        r.s(&["GET", "GET", "GET", "GET", "POST", "HEAD"])
    };
    let user = match take(p, Slot::User) {
        Some(u) => u.to_string(),
        None if r.chance(0.7) => "-".to_string(),
        None if r.chance(0.5) => r.s(USERS).to_string(),
        None => format!("{}@corp.example.com", r.s(USERS)),
    };
    let peer = if r.chance(0.1) {
        "NONE/-".to_string()
    } else if r.chance(0.2) {
        format!("FIRSTUP_PARENT/{}", r.pick(&pools.clients))
    } else {
        format!("HIER_DIRECT/{}", r.pick(&pools.servers))
    };
    let _ = write!(
        out,
        "{}.{:03} {:>6} {client} {}/{status} {} {method} {url} {user} {peer} {}",
        ts / 1_000_000,
        ts / 1000 % 1000,
        r.range(0, 30_000),
        r.s(SQUID_RESULTS),
        r.range(200, 400_000),
        if connect { "-" } else { r.s(CONTENT_TYPES) },
    );
}

fn clf_date(ts: u64, out: &mut String) {
    let s = ts / 1_000_000;
    let day = s / 86_400;
    let _ = write!(
        out,
        "[{:02}/{}/{}:{:02}:{:02}:{:02} +0000]",
        day % 28 + 1,
        MONTHS[(day / 28 % 12) as usize],
        2015 + day / 336 % 10,
        s / 3600 % 24,
        s / 60 % 60,
        s % 60
    );
}

/// Web server combined log: `client ident user [date] "request" status size "referer" "UA"`.
fn combined(r: &mut Rng, pools: &Pools, ts: u64, p: Plant<'_>, out: &mut String) {
    let client = take(p, Slot::Addr).map_or_else(|| r.pick(&pools.clients).clone(), str::to_string);
    let _ = write!(out, "{client} - ");
    out.push_str(if r.chance(0.85) { "-" } else { r.s(USERS) });
    out.push(' ');
    clf_date(ts, out);
    let method = r.s(&["GET", "GET", "GET", "GET", "POST", "HEAD"]);
    let _ = write!(out, " \"{method} ");
    bg_path(r, out);
    if let Some(l) = take(p, Slot::Path) {
        out.push_str(l);
    }
    let _ = write!(
        out,
        " HTTP/1.1\" {} {} \"",
        r.pick(STATUSES),
        r.range(100, 300_000)
    );
    if let Some(u) = take(p, Slot::Url) {
        out.push_str(u);
    } else if let Some(e) = take(p, Slot::Endpoint) {
        let _ = write!(out, "http://{e}/");
    } else if let Some(h) = take(p, Slot::Host) {
        let _ = write!(out, "https://{h}/");
    } else if r.chance(0.35) {
        out.push('-');
    } else {
        out.push_str("https://");
        pools.host(r, out);
        bg_path(r, out);
    }
    let _ = write!(out, "\" \"{}\"", r.s(USER_AGENTS));
}

fn zeek_head(
    r: &mut Rng,
    pools: &Pools,
    ts: u64,
    stream: &str,
    p: Plant<'_>,
    port: u16,
    out: &mut String,
) {
    let _ = write!(
        out,
        "{{\"_path\":\"{stream}\",\"ts\":{}.{:06},\"uid\":\"",
        ts / 1_000_000,
        ts % 1_000_000
    );
    uid(r, 'C', out);
    let (orig, resp) = if let Some(a) = take(p, Slot::Addr6) {
        (r.pick(&pools.v6).clone(), a.to_string())
    } else if r.chance(0.03) {
        (r.pick(&pools.v6).clone(), r.pick(&pools.v6).clone())
    } else {
        let resp = take(p, Slot::Addr).map_or_else(
            || {
                if port == 53 || r.chance(0.3) {
                    r.pick(&pools.clients).clone()
                } else {
                    r.pick(&pools.servers).clone()
                }
            },
            str::to_string,
        );
        (r.pick(&pools.clients).clone(), resp)
    };
    let _ = write!(
        out,
        "\",\"id.orig_h\":\"{orig}\",\"id.orig_p\":{},\"id.resp_h\":\"{resp}\",\"id.resp_p\":{port}",
        r.range(1024, 65535)
    );
}

/// Zeek JSON: conn, dns, http or ssl.
fn zeek(r: &mut Rng, pools: &Pools, ts: u64, p: Plant<'_>, out: &mut String) {
    let host = |r: &mut Rng| -> String {
        match take(p, Slot::Host) {
            Some(h) => h.to_string(),
            None => {
                let mut s = String::new();
                pools.host(r, &mut s);
                s
            }
        }
    };
    let which = if take(p, Slot::Host).is_some() {
        r.range(40, 99)
    } else {
        r.below(100)
    };
    match which {
        0..=39 => {
            let (port, proto, service) = *r.pick(&[
                (443u16, "tcp", "ssl"),
                (80, "tcp", "http"),
                (53, "udp", "dns"),
                (445, "tcp", "smb"),
                (88, "tcp", "krb_tcp"),
                (3389, "tcp", "-"),
            ]);
            zeek_head(r, pools, ts, "conn", p, port, out);
            let (ob, rb) = (r.range(0, 90_000), r.range(0, 900_000));
            let _ = write!(
                out,
                ",\"proto\":\"{proto}\",\"service\":\"{service}\",\"duration\":{}.{:06},\"orig_bytes\":{ob},\"resp_bytes\":{rb},\"conn_state\":\"{}\",\"missed_bytes\":0,\"history\":\"{}\",\"orig_pkts\":{},\"orig_ip_bytes\":{},\"resp_pkts\":{},\"resp_ip_bytes\":{}}}",
                r.below(20),
                r.below(1_000_000),
                r.s(&["SF", "S0", "RSTO", "REJ", "SH", "OTH"]),
                r.s(&["ShADadFf", "Dd", "ShADdaR", "S", "ShAdDaFf"]),
                r.range(1, 200),
                ob + 40,
                r.range(1, 900),
                rb + 40
            );
        }
        40..=69 => {
            zeek_head(r, pools, ts, "dns", p, 53, out);
            let q = host(r);
            let (qt, qn) = *r.pick(&[
                (1u8, "A"),
                (28, "AAAA"),
                (5, "CNAME"),
                (12, "PTR"),
                (16, "TXT"),
            ]);
            let _ = write!(
                out,
                ",\"proto\":\"udp\",\"trans_id\":{},\"rtt\":0.{:06},\"query\":\"{q}\",\"qclass\":1,\"qclass_name\":\"C_INTERNET\",\"qtype\":{qt},\"qtype_name\":\"{qn}\",\"rcode\":0,\"rcode_name\":\"NOERROR\",\"AA\":false,\"TC\":false,\"RD\":true,\"RA\":true,\"Z\":0,\"answers\":[\"{}\"],\"TTLs\":[{}.0],\"rejected\":false}}",
                r.below(65536),
                r.below(1_000_000),
                r.pick(&pools.servers),
                r.range(30, 86_400)
            );
        }
        70..=84 => {
            zeek_head(r, pools, ts, "http", p, 80, out);
            let h = host(r);
            let mut uri = String::new();
            bg_path(r, &mut uri);
            let _ = write!(
                out,
                ",\"trans_depth\":1,\"method\":\"{}\",\"host\":\"{h}\",\"uri\":\"{uri}\",\"version\":\"1.1\",\"user_agent\":\"{}\",\"request_body_len\":0,\"response_body_len\":{},\"status_code\":{},\"status_msg\":\"OK\",\"tags\":[],\"resp_fuids\":[\"",
                r.s(&["GET", "GET", "POST"]),
                r.s(USER_AGENTS),
                r.range(0, 500_000),
                r.pick(STATUSES)
            );
            uid(r, 'F', out);
            let _ = write!(
                out,
                "\"],\"resp_mime_types\":[\"{}\"]}}",
                r.s(CONTENT_TYPES)
            );
        }
        _ => {
            zeek_head(r, pools, ts, "ssl", p, 443, out);
            let h = host(r);
            let _ = write!(
                out,
                ",\"version\":\"TLSv12\",\"cipher\":\"{}\",\"curve\":\"x25519\",\"server_name\":\"{h}\",\"resumed\":false,\"established\":true,\"cert_chain_fuids\":[\"",
                r.s(CIPHERS)
            );
            uid(r, 'F', out);
            out.push_str("\"],\"ja3\":\"");
            r.hex(32, out);
            out.push_str("\",\"ja3s\":\"");
            r.hex(32, out);
            out.push_str("\"}");
        }
    }
}

/// Zeek files.log JSON with md5, sha1 and (sometimes) sha256 digests.
fn zeek_files(r: &mut Rng, pools: &Pools, ts: u64, p: Plant<'_>, out: &mut String) {
    let _ = write!(
        out,
        "{{\"_path\":\"files\",\"ts\":{}.{:06},\"fuid\":\"",
        ts / 1_000_000,
        ts % 1_000_000
    );
    uid(r, 'F', out);
    let _ = write!(
        out,
        "\",\"tx_hosts\":[\"{}\"],\"rx_hosts\":[\"{}\"],\"conn_uids\":[\"",
        r.pick(&pools.servers),
        r.pick(&pools.clients)
    );
    uid(r, 'C', out);
    let _ = write!(
        out,
        "\"],\"source\":\"HTTP\",\"depth\":0,\"analyzers\":[\"MD5\",\"SHA1\",\"SHA256\"],\"mime_type\":\"{}\",\"filename\":\"{}\",\"duration\":0.0,\"is_orig\":false,\"seen_bytes\":{n},\"total_bytes\":{n},\"missing_bytes\":0,\"overflow_bytes\":0,\"timedout\":false",
        r.s(MIME),
        r.s(FILE_NAMES),
        n = r.range(20, 5_000_000)
    );
    let d = take(p, Slot::Digest).unwrap_or("");
    for (name, n) in [("md5", 32), ("sha1", 40), ("sha256", 64)] {
        let _ = write!(out, ",\"{name}\":\"");
        if d.len() == n {
            out.push_str(d);
        } else {
            r.hex(n, out);
        }
        out.push('"');
    }
    out.push('}');
}

/// Bytes per token of `bytes`: (runs of letters, digits and `_`; runs that also include
/// `.`, `:` and `-`). The real logs in `data/logs` give about 5–8.6 and 7.6–9.1.
pub fn token_density(bytes: &[u8]) -> (f64, f64) {
    let count = |f: &dyn Fn(u8) -> bool| {
        let mut n = 0usize;
        let mut inside = false;
        for &b in bytes {
            let t = f(b);
            n += usize::from(t && !inside);
            inside = t;
        }
        n.max(1)
    };
    let a = count(&|b: u8| b.is_ascii_alphanumeric() || b == b'_');
    let d = count(&|b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-'));
    (bytes.len() as f64 / a as f64, bytes.len() as f64 / d as f64)
}

/// Calls `f` on every line of `bytes` (without its `\n`).
#[inline]
pub fn for_each_line(bytes: &[u8], mut f: impl FnMut(&[u8])) {
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        f(&bytes[start..nl]);
        start = nl + 1;
    }
    if start < bytes.len() {
        f(&bytes[start..]);
    }
}
