//! Scanning: the per-thread [`Scratch`], the [`Sighting`]s reported, the line tokenizer and
//! the lookups shared by every way in (lines, packets).

pub(crate) mod classify;
mod ip;
mod line;
pub mod long;

pub use line::is_name_separator;
mod matcher;
pub mod packet;

pub(crate) use matcher::Obs;
pub use packet::{DecodeError, Flow, LinkType};

use crate::compile::{IndicatorId, RegexCache};
use crate::indicator::Kind;

/// A half-open byte range `[start, end)` in the scanned line (or packet payload).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// `[start, end)`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// Whether the span is empty.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// Where an observation was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Where {
    /// Anywhere in a log line.
    Line,
    /// A packet's source address (and port).
    IpSrc,
    /// A packet's destination address (and port).
    IpDst,
    /// A DNS question name.
    DnsQuery,
    /// An HTTP request's Host header.
    HttpHost,
    /// An HTTP request's URL (Host + request-target).
    HttpUrl,
    /// A TLS ClientHello's server_name.
    TlsSni,
    /// A transport payload (literal and regex indicators).
    Payload,
}

impl Where {
    /// The name used in output: `line`, `ip.src`, `ip.dst`, `dns.query`, `http.host`,
    /// `http.url`, `tls.sni`, `payload`.
    pub fn as_str(self) -> &'static str {
        match self {
            Where::Line => "line",
            Where::IpSrc => "ip.src",
            Where::IpDst => "ip.dst",
            Where::DnsQuery => "dns.query",
            Where::HttpHost => "http.host",
            Where::HttpUrl => "http.url",
            Where::TlsSni => "tls.sni",
            Where::Payload => "payload",
        }
    }
}

/// One indicator seen in one observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sighting {
    /// The indicator (metadata via [`crate::Database::indicator`]).
    pub indicator: IndicatorId,
    /// The indicator's kind.
    pub kind: Kind,
    /// The observation's bytes in the line (for an IP indicator with a port: address and port).
    pub span: Span,
    /// Where it was observed.
    pub where_seen: Where,
}

/// Per-thread mutable scan state: buffers and automaton caches. Create one per thread and
/// reuse it for every scan; it grows to the largest need seen and then allocates nothing.
///
/// Size: about one byte per byte of the longest line scanned (its class bitmasks: eight
/// 64-bit masks per 64 bytes), plus the sightings of the busiest line and the regex caches.
/// Scan very long lines with [`crate::Database::scan_line_chunked`] to bound it.
///
/// A scratch used with a different database than before adapts itself on the first scan
/// (its automaton caches are rebuilt: about 0.2 ms with 20 regexes), so scanners can follow
/// hot swaps with the same scratch.
#[derive(Default)]
pub struct Scratch {
    pub(crate) uid: u64,
    pub(crate) pending: Vec<Sighting>,
    pub(crate) buf: Vec<u8>,
    /// Packet scanner: a second byte buffer (HTTP Host + request-target before normalization).
    pub(crate) pkt: Vec<u8>,
    pub(crate) auth: Vec<(usize, usize)>,
    /// Class bitmasks of the line being scanned.
    pub(crate) classes: classify::Classes,
    /// ASCII name candidates of the line (start, end, dots), checked against the domain
    /// filter in one batch after the line's runs are found.
    pub(crate) names: Vec<(u32, u32, u64)>,
    /// The filter probes of `names` (or of `pkt_names`): (name index, word, mask).
    pub(crate) probes: Vec<(u32, u32, u64)>,
    /// Packet scanner: the DNS, TLS and HTTP Host names of a packet, queued for the domain
    /// filter (start and end in `pkt_text`, span, where), and their text.
    pub(crate) pkt_names: Vec<(u32, u32, crate::Span, crate::Where)>,
    pub(crate) pkt_text: Vec<u8>,
    pub(crate) hit_regex: RegexCache,
    pub(crate) allow_regex: RegexCache,
}

impl Scratch {
    /// An empty scratch, usable with any database.
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// Resets per-database caches when used with a database other than the last one.
    pub(crate) fn adapt(&mut self, uid: u64) {
        if self.uid != uid {
            self.uid = uid;
            self.hit_regex = RegexCache::default();
            self.allow_regex = RegexCache::default();
        }
    }
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch")
            .field("database", &self.uid)
            .finish()
    }
}
