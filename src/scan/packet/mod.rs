//! The packet scanner: decodes one captured frame and reports the sightings of SPEC §4, each
//! with the packet's [`Flow`].
//!
//! No I/O: reading capture files or interfaces is the caller's business (see
//! `examples/pcap_sensor.rs`). Decoding is zero-copy ([`decode()`]); application data is read
//! only where it starts at the beginning of a TCP or UDP payload (no stream reassembly).
//!
//! What is observed, and its [`Where`]:
//! - `ip.src`, `ip.dst`: the addresses of the IPv4 or IPv6 header, each with its end's port
//!   (an IP indicator with a port matches only that address and that port). An IPv4-mapped
//!   IPv6 address (`::ffff:a.b.c.d`) is also observed as the IPv4 address.
//! - `dns.query`: every question name of a DNS query (QR bit clear) over UDP, or over TCP
//!   (2-byte length prefix, message at the start of the segment), when either port is a DNS
//!   port: 53, 5353 (mDNS) or 5355 (LLMNR); for an UPDATE, also the owner names of its
//!   prerequisite and update records. DNS on other ports is not decoded: a UDP
//!   payload that merely parses as DNS is too weak a signal to report names from, and
//!   probing every datagram costs. Names are lowercased; compression is followed with a hop
//!   limit (loops and out-of-bounds pointers end the name, which is then dropped).
//! - `http.host`, `http.url`: an HTTP/1.x request head at the start of a TCP payload, on
//!   any port (and requests pipelined after it in the same segment). Zeek's leniencies are
//!   followed: `METHOD HTTP/1.1` (no target) and version-less `METHOD /target` lines are
//!   requests, with headers read after them; a segment that starts with a `Host:` line (the
//!   rest of a head whose request line came in an earlier segment) gives `http.host`. The Host header is a
//!   domain observation (or an IP one, when it is an address literal). The URL is the match
//!   key ([`crate::indicator::normalize::url_key`]) of Host + request-target, as Zeek's
//!   `HTTP::build_url` makes it: when the Host header names no port, the destination port
//!   is added unless it is 80; without a Host header, the destination address (and port)
//!   stands for the host. An absolute-form target is used as is; a CONNECT target
//!   (`host:port`) gives the key `host:port/`.
//! - `tls.sni`: the server_name of a TLS ClientHello in the first record of a TCP payload,
//!   on any port.
//! - `payload`: literal and regex indicators over the transport payload (for protocols other
//!   than TCP and UDP, and for later fragments, the IP payload).
//!
//! Frames that carry no IP (ARP, LLDP, ...) give no sightings. A fragmented datagram is not
//! reassembled: the first fragment gives what its bytes hold,
//! later fragments give only `ip.*` and `payload` observations.
//!
//! Spans are byte offsets in the frame: the address field for `ip.*` (also for indicators
//! with a port), the question name for DNS, the Host value and request-target for HTTP, the
//! host name for TLS, the match for literals and regexes.

mod decode;
mod dns;
mod http;
mod tls;

pub use decode::{
    decode, DecodeError, DecodeErrorKind, IpHeader, Layer, Packet, Transport, PROTO_TCP, PROTO_UDP,
};

use super::{Obs, Scratch, Sighting, Span, Where};
use crate::compile::Database;
use crate::indicator::normalize;
use crate::time::Timestamp;
use std::fmt;
use std::io::Write;
use std::net::IpAddr;
use std::ops::ControlFlow;

/// The link-layer header type of a capture, as in pcap / pcapng files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkType {
    /// BSD loopback (`LINKTYPE_NULL`, 0): a 4-byte address family in the capturing host's
    /// byte order.
    Null,
    /// Ethernet II (`LINKTYPE_ETHERNET`, 1), with 802.1Q / 802.1ad VLAN tags, PPPoE sessions
    /// and MPLS label stacks followed.
    Ethernet,
    /// PPP (`LINKTYPE_PPP`, 9), with or without HDLC-like framing.
    Ppp,
    /// Raw IPv4 or IPv6, told apart by the version nibble (`LINKTYPE_RAW`, 101; also the
    /// platform values 12 and 14 some old files carry).
    RawIp,
    /// OpenBSD loopback (`LINKTYPE_LOOP`, 108): the address family in network byte order.
    Loop,
    /// Linux cooked capture v1 (`LINKTYPE_LINUX_SLL`, 113).
    LinuxSll,
    /// Raw IPv4 only (`LINKTYPE_IPV4`, 228).
    Ipv4,
    /// Raw IPv6 only (`LINKTYPE_IPV6`, 229).
    Ipv6,
    /// Linux cooked capture v2 (`LINKTYPE_LINUX_SLL2`, 276).
    LinuxSll2,
}

impl LinkType {
    /// The link type of a pcap header's / pcapng interface's `LINKTYPE_*` value, if supported.
    ///
    /// ```
    /// use linerate::LinkType;
    /// assert_eq!(LinkType::from_pcap_linktype(1), Some(LinkType::Ethernet));
    /// assert_eq!(LinkType::from_pcap_linktype(276), Some(LinkType::LinuxSll2));
    /// assert_eq!(LinkType::from_pcap_linktype(105), None); // 802.11
    /// ```
    pub fn from_pcap_linktype(v: u32) -> Option<LinkType> {
        Some(match v {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            9 => LinkType::Ppp,
            12 | 14 | 101 => LinkType::RawIp,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            _ => return None,
        })
    }

    /// The `LINKTYPE_*` value.
    pub fn to_pcap_linktype(self) -> u32 {
        match self {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::Ppp => 9,
            LinkType::RawIp => 101,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
        }
    }
}

/// The 5-tuple of a packet, handed to the callback with each of its sightings.
///
/// Ports are `None` when the packet has none to read: protocols other than TCP and UDP,
/// later fragments, a transport header cut before its ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    /// Source address.
    pub src: IpAddr,
    /// Source port.
    pub sport: Option<u16>,
    /// Destination address.
    pub dst: IpAddr,
    /// Destination port.
    pub dport: Option<u16>,
    /// IP protocol number (after IPv6 extension headers): 6 TCP, 17 UDP, 1 ICMP, ...
    pub proto: u8,
}

impl Flow {
    /// The flow of a decoded packet (`None` when it carries no IP header).
    pub fn of(p: &Packet<'_>) -> Option<Flow> {
        let ip = p.ip?;
        Some(Flow {
            src: ip.src,
            sport: p.transport.map(|t| t.sport),
            dst: ip.dst,
            dport: p.transport.map(|t| t.dport),
            proto: ip.proto,
        })
    }

    /// `tcp`, `udp`, `icmp`, `icmp6`, `sctp` or `None` for other protocol numbers.
    pub fn proto_name(&self) -> Option<&'static str> {
        Some(match self.proto {
            6 => "tcp",
            17 => "udp",
            1 => "icmp",
            58 => "icmp6",
            132 => "sctp",
            _ => return None,
        })
    }
}

impl fmt::Display for Flow {
    /// `src:sport -> dst:dport proto` (IPv6 addresses in brackets when a port follows).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn end(f: &mut fmt::Formatter<'_>, a: IpAddr, p: Option<u16>) -> fmt::Result {
            match (a, p) {
                (IpAddr::V6(a), Some(p)) => write!(f, "[{a}]:{p}"),
                (a, Some(p)) => write!(f, "{a}:{p}"),
                (a, None) => write!(f, "{a}"),
            }
        }
        end(f, self.src, self.sport)?;
        f.write_str(" -> ")?;
        end(f, self.dst, self.dport)?;
        match self.proto_name() {
            Some(n) => write!(f, " {n}"),
            None => write!(f, " proto {}", self.proto),
        }
    }
}

/// Ports on which UDP and TCP payloads are decoded as DNS: DNS, mDNS, LLMNR.
pub const DNS_PORTS: [u16; 3] = [53, 5353, 5355];

impl Database {
    /// Scans one captured frame and calls `f(sighting, flow)` for each sighting, in order of
    /// position in the frame. Returns the decoding problem met, if any (sightings from the
    /// readable part have been reported anyway).
    ///
    /// `now` is the time used for the indicators' validity windows (a sensor replaying a
    /// capture passes each packet's timestamp). See the [module docs](crate::scan::packet) for what is
    /// observed.
    ///
    /// Cost: one header decode, two IP lookups, the application parsers that the packet's
    /// payload start selects (at most one of DNS, HTTP, TLS), the automata for literals and
    /// regexes over the payload. No allocation once `scratch` has grown; no lock.
    ///
    /// ```
    /// use linerate::{Builder, Indicator, Kind, LinkType, Scratch, Timestamp, Where};
    /// let mut b = Builder::new();
    /// b.add(Indicator::parse(Kind::Ip, "10.0.0.2:53", "feed").unwrap()).unwrap();
    /// let db = b.build().unwrap();
    /// // Raw IPv4 + UDP 1234 -> 53.
    /// let mut f = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    /// f.extend_from_slice(&[0x04, 0xd2, 0, 53, 0, 8, 0, 0]);
    /// let mut hits = Vec::new();
    /// let err = db.scan_packet(&f, LinkType::RawIp, &mut Scratch::new(), Timestamp(0), |s, flow| {
    ///     hits.push((s.where_seen, s.span.start, flow.to_string()));
    /// });
    /// assert!(err.is_none());
    /// assert_eq!(hits, [(Where::IpDst, 16, "10.0.0.1:1234 -> 10.0.0.2:53 udp".to_string())]);
    /// ```
    pub fn scan_packet<F>(
        &self,
        frame: &[u8],
        link: LinkType,
        scratch: &mut Scratch,
        now: Timestamp,
        mut f: F,
    ) -> Option<DecodeError>
    where
        F: FnMut(&Sighting, &Flow),
    {
        match self.scan_packet_until(frame, link, scratch, now, |s, fl| {
            f(s, fl);
            ControlFlow::Continue(())
        }) {
            ControlFlow::Continue(e) => e,
            ControlFlow::Break(()) => None,
        }
    }

    /// As [`Database::scan_packet`], but `f` can stop the scan by returning
    /// `ControlFlow::Break`; a scan that ran to the end returns `Continue` with the decoding
    /// problem, if any.
    pub fn scan_packet_until<F>(
        &self,
        frame: &[u8],
        link: LinkType,
        scratch: &mut Scratch,
        now: Timestamp,
        mut f: F,
    ) -> ControlFlow<(), Option<DecodeError>>
    where
        F: FnMut(&Sighting, &Flow) -> ControlFlow<()>,
    {
        scratch.adapt(self.inner.uid);
        scratch.pending.clear();
        let p = decode(frame, link);
        let Some(flow) = Flow::of(&p) else {
            return ControlFlow::Continue(p.error);
        };
        self.packet_observations(&p, &flow, scratch, now);
        self.flush(scratch, |s| f(s, &flow))?;
        ControlFlow::Continue(p.error)
    }

    fn packet_observations(&self, p: &Packet<'_>, flow: &Flow, s: &mut Scratch, now: Timestamp) {
        let hits = &self.inner.hits;
        let want_v4 = hits.ip.has_v4();
        let want_ip = want_v4 || hits.ip.has_v6();
        let want_dom = !hits.domains.is_empty();
        let want_url = !hits.urls.is_empty();
        let Some(ip) = p.ip else { return };
        if want_ip {
            self.observe_addr(ip.src, flow.sport, ip.src_span, Where::IpSrc, now, s);
            self.observe_addr(ip.dst, flow.dport, ip.dst_span, Where::IpDst, now, s);
        }
        let Some(span) = p.payload else { return };
        let payload = p.payload_bytes();
        if payload.is_empty() {
            return;
        }
        let base = span.start;
        if let Some(t) = p.transport {
            let dns_port = DNS_PORTS.contains(&t.sport) || DNS_PORTS.contains(&t.dport);
            if t.proto == PROTO_UDP {
                if dns_port && want_dom {
                    self.dns(payload, base, now, s);
                }
            } else if t.proto == PROTO_TCP {
                if dns_port && want_dom && payload.len() > 2 {
                    let len = usize::from(u16::from_be_bytes([payload[0], payload[1]]));
                    let msg = &payload[2..payload.len().min(2 + len)];
                    self.dns(msg, base + 2, now, s);
                }
                if payload[0] == 0x16 {
                    if want_dom {
                        if let Some((a, b)) = tls::sni(payload) {
                            let span = Span::new(base + a, base + b);
                            self.queue_name(&payload[a..b], span, Where::TlsSni, now, s);
                        }
                    }
                } else if want_dom || want_url || want_ip {
                    self.http(payload, base, flow, (want_dom, want_url, want_ip), now, s);
                }
            }
        }
        self.observe_raw(payload, base, Where::Payload, now, false, s);
        self.names_flush(now, s);
    }

    /// A DNS, TLS or HTTP Host name, queued: its domain-filter words are computed and
    /// prefetched now and tested by [`Database::names_flush`] after the payload search, so
    /// that their cache misses overlap that search. The filter of a big feed is megabytes
    /// (3 MB for the combined feed's 1.5M names): perf put 90% of `observe_name`'s samples
    /// on that miss, 6.8% of the packet path. A name that is not ASCII or is longer than 64
    /// bytes is observed at once, as `observe_name` does.
    fn queue_name(&self, name: &[u8], span: Span, w: Where, now: Timestamp, s: &mut Scratch) {
        if name.len() > 64 || !name.is_ascii() {
            return self.observe_name(name, span, w, now, s);
        }
        if s.pkt_names.is_empty() {
            // (A line scan leaves its names' probes behind.)
            s.probes.clear();
        }
        let i = s.pkt_names.len() as u32;
        let a = s.pkt_text.len() as u32;
        s.pkt_text.extend_from_slice(name);
        s.pkt_names.push((a, s.pkt_text.len() as u32, span, w));
        let probes = &mut s.probes;
        self.inner
            .hits
            .domain_filter
            .name_probes(name, |wd, m| probes.push((i, wd as u32, m)));
    }

    /// The names [`Database::queue_name`] queued: those with a probe that passes (a parent
    /// suffix of two labels or more, or the whole name, may be in the set: what
    /// `may_match_suffix` asks) are observed; the queue is emptied.
    fn names_flush(&self, now: Timestamp, s: &mut Scratch) {
        if s.pkt_names.is_empty() {
            return;
        }
        let mut probes = std::mem::take(&mut s.probes);
        let mut names = std::mem::take(&mut s.pkt_names);
        let mut text = std::mem::take(&mut s.pkt_text);
        self.inner.hits.domain_filter.each_passing(&probes, |i| {
            let (a, b, span, w) = names[i];
            self.observe_name_passed(&text[a as usize..b as usize], span, w, now, s);
        });
        probes.clear();
        names.clear();
        text.clear();
        (s.probes, s.pkt_names, s.pkt_text) = (probes, names, text);
    }

    /// An address observation; an IPv4-mapped IPv6 address is also observed as IPv4.
    fn observe_addr(
        &self,
        a: IpAddr,
        port: Option<u16>,
        span: Span,
        w: Where,
        now: Timestamp,
        s: &mut Scratch,
    ) {
        match a {
            IpAddr::V4(v4) => {
                self.observe(Obs::V4(u32::from(v4), port), &[], span, span, w, now, s)
            }
            IpAddr::V6(v6) => {
                self.observe(Obs::V6(u128::from(v6), port), &[], span, span, w, now, s);
                if let Some(v4) = v6.to_ipv4_mapped() {
                    self.observe(Obs::V4(u32::from(v4), port), &[], span, span, w, now, s);
                }
            }
        }
    }

    fn dns(&self, msg: &[u8], base: usize, now: Timestamp, s: &mut Scratch) {
        dns::questions(msg, |name, a, b| {
            self.queue_name(name, Span::new(base + a, base + b), Where::DnsQuery, now, s)
        });
    }

    fn http(
        &self,
        payload: &[u8],
        base: usize,
        flow: &Flow,
        (want_dom, want_url, want_ip): (bool, bool, bool),
        now: Timestamp,
        s: &mut Scratch,
    ) {
        let mut any = false;
        http::requests(payload, |r| {
            any = true;
            let (ta, tb) = r.target;
            let target = &payload[ta..tb];
            let host_val = r.host.map(|(a, b)| &payload[a..b]);
            if let Some(h) = r.host {
                self.observe_host(payload, base, h, want_dom, want_ip, now, s);
            }
            if !want_url {
                return;
            }
            let mut joined = std::mem::take(&mut s.pkt);
            joined.clear();
            let absolute = (r.connect && target.first() != Some(&b'/'))
                || memchr::memmem::find(target, b"://").is_some_and(|p| {
                    p > 0
                        && target[0].is_ascii_alphabetic()
                        && target[..p]
                            .iter()
                            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                });
            if absolute {
                joined.extend_from_slice(target);
            } else if target.is_empty() || target.first() == Some(&b'/') {
                match host_val {
                    Some(h) => {
                        joined.extend_from_slice(h);
                        if http::split_host(h).1.is_none() {
                            if let Some(p) = flow.dport.filter(|&p| p != 80) {
                                let _ = write!(joined, ":{p}");
                            }
                        }
                    }
                    None => {
                        let _ = match flow.dst {
                            IpAddr::V4(a) => write!(joined, "{a}"),
                            IpAddr::V6(a) => write!(joined, "[{a}]"),
                        };
                        if let Some(p) = flow.dport.filter(|&p| p != 80) {
                            let _ = write!(joined, ":{p}");
                        }
                    }
                }
                joined.extend_from_slice(target);
            }
            if !joined.is_empty() {
                let mut key = std::mem::take(&mut s.buf);
                if normalize::url_key(&joined, &mut key).is_ok() {
                    let span = Span::new(base + ta, base + tb);
                    self.observe(Obs::Url(&key), &key, span, span, Where::HttpUrl, now, s);
                }
                s.buf = key;
            }
            s.pkt = joined;
        });
        if !any {
            if let Some(h) = http::host_continuation(payload) {
                self.observe_host(payload, base, h, want_dom, want_ip, now, s);
            }
        }
    }

    /// The Host header value at `[a, b)` of the payload: an address literal is an IP
    /// observation (with the Host port, if any), anything else a name.
    #[allow(clippy::too_many_arguments)]
    fn observe_host(
        &self,
        payload: &[u8],
        base: usize,
        (a, b): (usize, usize),
        want_dom: bool,
        want_ip: bool,
        now: Timestamp,
        s: &mut Scratch,
    ) {
        let (host, port) = http::split_host(&payload[a..b]);
        let addr = std::str::from_utf8(host)
            .ok()
            .and_then(|h| h.parse::<IpAddr>().ok());
        match addr {
            Some(ip) if want_ip => {
                let span = Span::new(base + a, base + b);
                self.observe_addr(ip, port, span, Where::HttpHost, now, s)
            }
            None if want_dom => {
                let span = Span::new(base + a, base + a + host.len());
                self.queue_name(host, span, Where::HttpHost, now, s)
            }
            _ => {}
        }
    }
}

/// The text of a sighting's observation in `frame` (as captured, lossy UTF-8), for reports:
/// the address for `ip.*` (with `:port` when `with_port`; IPv6 in brackets then), the dotted
/// question name for `dns.query` (compression followed, original case), and the bytes of the
/// span otherwise (Host value, request-target, server name, literal or regex match).
///
/// `frame` and `link` must be the ones the sighting was reported for.
pub fn observed(frame: &[u8], link: LinkType, s: &Sighting, with_port: bool) -> String {
    let raw =
        || String::from_utf8_lossy(frame.get(s.span.start..s.span.end).unwrap_or(&[])).into_owned();
    let p = decode(frame, link);
    match s.where_seen {
        Where::IpSrc | Where::IpDst => {
            let (Some(flow), Some(ip)) = (Flow::of(&p), p.ip) else {
                return raw();
            };
            let (a, port) = if s.where_seen == Where::IpSrc {
                (ip.src, flow.sport)
            } else {
                (ip.dst, flow.dport)
            };
            match (a, port.filter(|_| with_port)) {
                (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
                (a, Some(p)) => format!("{a}:{p}"),
                (a, None) => a.to_string(),
            }
        }
        Where::DnsQuery => {
            let Some(pay) = p.payload else { return raw() };
            let tcp = p.transport.is_some_and(|t| t.proto == PROTO_TCP);
            let base = pay.start + if tcp { 2 } else { 0 };
            let msg = frame.get(base..pay.end).unwrap_or(&[]);
            let mut buf = [0u8; 253];
            match s
                .span
                .start
                .checked_sub(base)
                .and_then(|at| dns::read_name(msg, at, &mut buf))
            {
                Some((len, _)) => String::from_utf8_lossy(&buf[..len]).into_owned(),
                None => raw(),
            }
        }
        _ => raw(),
    }
}
