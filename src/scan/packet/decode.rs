//! Zero-copy decoding of one captured frame: link layer, VLAN / PPPoE / MPLS shims, IPv4 or
//! IPv6 (with extension headers), then TCP or UDP.
//!
//! Every read is a bounds-checked slice of the frame; nothing is copied. A problem (a
//! truncated header, a length field that cannot be right) is recorded as data in
//! [`Packet::error`] and decoding keeps what it could read: a frame cut inside the TCP
//! header still has its addresses and, when the first four bytes are there, its ports.

use super::{LinkType, Span};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IANA protocol number of TCP.
pub const PROTO_TCP: u8 = 6;
/// IANA protocol number of UDP.
pub const PROTO_UDP: u8 = 17;

/// Most VLAN / MPLS / PPPoE shims followed before giving up on a frame.
const MAX_SHIMS: usize = 8;
/// Most IPv6 extension headers followed.
const MAX_EXT_HEADERS: usize = 16;

/// The layer a [`DecodeError`] was met in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layer {
    /// The link header (Ethernet, Linux cooked, loopback).
    Link,
    /// An 802.1Q / 802.1ad VLAN tag.
    Vlan,
    /// A PPPoE session header and its PPP protocol field.
    Pppoe,
    /// An MPLS label stack entry.
    Mpls,
    /// The IPv4 header.
    Ipv4,
    /// The fixed IPv6 header.
    Ipv6,
    /// An IPv6 extension header.
    Ipv6Ext,
    /// The TCP header.
    Tcp,
    /// The UDP header.
    Udp,
}

impl Layer {
    /// Lowercase name: `link`, `vlan`, `pppoe`, `mpls`, `ipv4`, `ipv6`, `ipv6-ext`, `tcp`, `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Link => "link",
            Layer::Vlan => "vlan",
            Layer::Pppoe => "pppoe",
            Layer::Mpls => "mpls",
            Layer::Ipv4 => "ipv4",
            Layer::Ipv6 => "ipv6",
            Layer::Ipv6Ext => "ipv6-ext",
            Layer::Tcp => "tcp",
            Layer::Udp => "udp",
        }
    }
}

/// What was wrong with a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The frame ends before the header (or the length its header announces) does.
    Truncated,
    /// A length field is smaller than the header it belongs to.
    BadLength,
    /// The IP version nibble does not match the link's protocol type.
    BadVersion,
    /// More shims or extension headers than the decoder follows.
    TooManyHeaders,
}

/// Why decoding stopped early or found an inconsistency: the layer, where its header starts,
/// how many bytes it needed and how many there were.
///
/// ```
/// use linerate::scan::packet::{decode, DecodeErrorKind, Layer, LinkType};
/// let p = decode(&[0x45, 0, 0, 20], LinkType::RawIp);
/// let e = p.error.unwrap();
/// assert_eq!((e.layer, e.kind, e.required_len, e.len), (Layer::Ipv4, DecodeErrorKind::Truncated, 20, 4));
/// assert_eq!(e.to_string(), "ipv4 header at offset 0: truncated (needs 20 bytes, 4 available)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecodeError {
    /// The layer.
    pub layer: Layer,
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// Offset of the layer's header in the frame.
    pub offset: usize,
    /// Bytes the layer needed (for `BadLength`: the smallest valid value of the length field).
    pub required_len: usize,
    /// Bytes available (for `BadLength`: the value found).
    pub len: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DecodeErrorKind::Truncated => "truncated",
            DecodeErrorKind::BadLength => "length field too small",
            DecodeErrorKind::BadVersion => "wrong ip version",
            DecodeErrorKind::TooManyHeaders => "too many nested headers",
        };
        write!(
            f,
            "{} header at offset {}: {what} (needs {} bytes, {} available)",
            self.layer.as_str(),
            self.offset,
            self.required_len,
            self.len
        )
    }
}

impl std::error::Error for DecodeError {}

/// The network layer of a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct IpHeader {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Bytes of the source address in the frame.
    pub src_span: Span,
    /// Bytes of the destination address in the frame.
    pub dst_span: Span,
    /// The upper-layer protocol (after IPv6 extension headers): 6 TCP, 17 UDP, ...
    pub proto: u8,
    /// Fragment offset in 8-byte units (0 for an unfragmented packet or a first fragment).
    pub fragment_offset: u16,
    /// The more-fragments flag.
    pub more_fragments: bool,
}

impl IpHeader {
    /// Whether this is a fragment other than the first: its payload is the middle of a
    /// transport payload, with no transport header.
    pub fn is_later_fragment(&self) -> bool {
        self.fragment_offset != 0
    }
}

/// The transport layer of a packet (TCP or UDP).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Transport {
    /// [`PROTO_TCP`] or [`PROTO_UDP`].
    pub proto: u8,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Bytes of the header in the frame (possibly cut short: see [`Packet::error`]).
    pub header: Span,
}

/// A decoded frame: slices of it, validated once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Packet<'a> {
    /// The whole frame.
    pub frame: &'a [u8],
    /// The IP header, when the frame carries IPv4 or IPv6 and its fixed header is complete.
    pub ip: Option<IpHeader>,
    /// The TCP or UDP ports, when the first fragment's transport header has them.
    pub transport: Option<Transport>,
    /// The payload in the frame: after the TCP/UDP header, or after the IP headers for other
    /// protocols and for later fragments; Ethernet padding excluded.
    pub payload: Option<Span>,
    /// The first problem met, if any (decoding kept what it could read).
    pub error: Option<DecodeError>,
}

impl<'a> Packet<'a> {
    /// The payload bytes (empty when there is none).
    pub fn payload_bytes(&self) -> &'a [u8] {
        self.payload
            .and_then(|s| self.frame.get(s.start..s.end))
            .unwrap_or(&[])
    }

    fn fail(
        &mut self,
        layer: Layer,
        kind: DecodeErrorKind,
        offset: usize,
        need: usize,
        len: usize,
    ) {
        if self.error.is_none() {
            self.error = Some(DecodeError {
                layer,
                kind,
                offset,
                required_len: need,
                len,
            });
        }
    }

    /// Checks that `need` bytes are available at `off` (within `end`), else records a
    /// truncation and returns false.
    fn need(&mut self, layer: Layer, off: usize, need: usize, end: usize) -> bool {
        let have = end.saturating_sub(off);
        if have < need {
            self.fail(layer, DecodeErrorKind::Truncated, off, need, have);
            false
        } else {
            true
        }
    }
}

#[inline]
fn be16(b: &[u8], i: usize) -> u16 {
    match b.get(i..i + 2) {
        Some(&[x, y]) => u16::from_be_bytes([x, y]),
        _ => 0,
    }
}

#[inline]
fn byte(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

fn v4_at(b: &[u8], i: usize) -> Ipv4Addr {
    match b.get(i..i + 4) {
        Some(&[w, x, y, z]) => Ipv4Addr::new(w, x, y, z),
        _ => Ipv4Addr::UNSPECIFIED,
    }
}

fn v6_at(b: &[u8], i: usize) -> Ipv6Addr {
    let mut a = [0u8; 16];
    if let Some(s) = b.get(i..i + 16) {
        a.copy_from_slice(s);
    }
    Ipv6Addr::from(a)
}

/// Decodes `frame` captured on `link`. Never panics; see [`Packet::error`] for what could
/// not be read. Frames that carry no IP (ARP, LLDP, ...) decode to a packet with `ip: None`
/// and no error.
///
/// ```
/// use linerate::scan::packet::{decode, LinkType};
/// // IPv4 + UDP 1234 -> 53, no payload.
/// let mut f = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
/// f.extend_from_slice(&[0x04, 0xd2, 0, 53, 0, 8, 0, 0]);
/// let p = decode(&f, LinkType::RawIp);
/// assert_eq!(p.ip.unwrap().src.to_string(), "10.0.0.1");
/// assert_eq!(p.transport.unwrap().dport, 53);
/// assert!(p.error.is_none());
/// ```
pub fn decode(frame: &[u8], link: LinkType) -> Packet<'_> {
    let mut p = Packet {
        frame,
        ip: None,
        transport: None,
        payload: None,
        error: None,
    };
    let n = frame.len();
    match link {
        LinkType::Ethernet => {
            if p.need(Layer::Link, 0, 14, n) {
                ethertype(&mut p, 14, be16(frame, 12));
            }
        }
        LinkType::LinuxSll => {
            if p.need(Layer::Link, 0, 16, n) {
                ethertype(&mut p, 16, be16(frame, 14));
            }
        }
        LinkType::LinuxSll2 => {
            if p.need(Layer::Link, 0, 20, n) {
                ethertype(&mut p, 20, be16(frame, 0));
            }
        }
        LinkType::Null | LinkType::Loop => {
            if p.need(Layer::Link, 0, 4, n) {
                let raw = [
                    byte(frame, 0),
                    byte(frame, 1),
                    byte(frame, 2),
                    byte(frame, 3),
                ];
                // DLT_NULL is in the capturing host's byte order: the family fits in 16 bits,
                // so whichever reading does is the right one. DLT_LOOP is network order.
                let fam = if link == LinkType::Loop {
                    u32::from_be_bytes(raw)
                } else {
                    let le = u32::from_le_bytes(raw);
                    if le > 0xffff {
                        u32::from_be_bytes(raw)
                    } else {
                        le
                    }
                };
                match fam {
                    2 => ip_version(&mut p, 4, Some(4)),
                    10 | 24 | 28 | 30 => ip_version(&mut p, 4, Some(6)),
                    _ => {}
                }
            }
        }
        LinkType::Ppp => {
            // HDLC-like framing (address 0xff, control 0x03) is optional; the protocol field
            // may be compressed to one byte (odd value).
            let off = if frame.starts_with(&[0xff, 0x03]) {
                2
            } else {
                0
            };
            if p.need(Layer::Link, off, 1, n) {
                let (proto, at) = if byte(frame, off) & 1 == 1 {
                    (u16::from(byte(frame, off)), off + 1)
                } else if p.need(Layer::Link, off, 2, n) {
                    (be16(frame, off), off + 2)
                } else {
                    return p;
                };
                match proto {
                    0x0021 => ipv4(&mut p, at),
                    0x0057 => ipv6(&mut p, at),
                    _ => {}
                }
            }
        }
        LinkType::RawIp => ip_version(&mut p, 0, None),
        LinkType::Ipv4 => ip_version(&mut p, 0, Some(4)),
        LinkType::Ipv6 => ip_version(&mut p, 0, Some(6)),
    }
    p
}

/// Dispatches on an EtherType at `off`, following VLAN tags, PPPoE sessions and MPLS stacks.
fn ethertype(p: &mut Packet<'_>, mut off: usize, mut et: u16) {
    let f = p.frame;
    let n = f.len();
    for _ in 0..MAX_SHIMS {
        match et {
            0x0800 => return ipv4(p, off),
            0x86dd => return ipv6(p, off),
            0x8100 | 0x88a8 | 0x9100 => {
                if !p.need(Layer::Vlan, off, 4, n) {
                    return;
                }
                et = be16(f, off + 2);
                off += 4;
            }
            0x8864 => {
                if !p.need(Layer::Pppoe, off, 8, n) {
                    return;
                }
                // Version 1, type 1, code 0 (session data).
                if byte(f, off) != 0x11 || byte(f, off + 1) != 0 {
                    return;
                }
                let proto = be16(f, off + 6);
                off += 8;
                match proto {
                    0x0021 => return ipv4(p, off),
                    0x0057 => return ipv6(p, off),
                    _ => return,
                }
            }
            0x8847 | 0x8848 => {
                // Label stack until the bottom-of-stack bit, then IP by version nibble.
                for _ in 0..MAX_SHIMS {
                    if !p.need(Layer::Mpls, off, 4, n) {
                        return;
                    }
                    let bottom = byte(f, off + 2) & 1 == 1;
                    off += 4;
                    if bottom {
                        return ip_version(p, off, None);
                    }
                }
                let have = n.saturating_sub(off);
                return p.fail(Layer::Mpls, DecodeErrorKind::TooManyHeaders, off, 0, have);
            }
            _ => return,
        }
    }
    let have = n.saturating_sub(off);
    p.fail(Layer::Vlan, DecodeErrorKind::TooManyHeaders, off, 0, have);
}

/// IP by version nibble; `expect` is the version the link announced, if any.
fn ip_version(p: &mut Packet<'_>, off: usize, expect: Option<u8>) {
    let n = p.frame.len();
    let layer = if expect == Some(6) {
        Layer::Ipv6
    } else {
        Layer::Ipv4
    };
    if !p.need(layer, off, 1, n) {
        return;
    }
    let v = byte(p.frame, off) >> 4;
    match (v, expect) {
        (4, None | Some(4)) => ipv4(p, off),
        (6, None | Some(6)) => ipv6(p, off),
        _ => p.fail(layer, DecodeErrorKind::BadVersion, off, 1, 1),
    }
}

/// The end of a network-layer payload: the header's total length, clamped to the frame
/// (a cut capture is recorded as truncation, Ethernet padding after the end is dropped).
fn clamp_end(p: &mut Packet<'_>, layer: Layer, off: usize, total: usize) -> usize {
    let n = p.frame.len();
    let want = off.saturating_add(total);
    if want > n {
        p.fail(layer, DecodeErrorKind::Truncated, off, total, n - off);
        n
    } else {
        want
    }
}

fn ipv4(p: &mut Packet<'_>, off: usize) {
    let f = p.frame;
    let n = f.len();
    if !p.need(Layer::Ipv4, off, 20, n) {
        return;
    }
    let b0 = byte(f, off);
    if b0 >> 4 != 4 {
        return p.fail(Layer::Ipv4, DecodeErrorKind::BadVersion, off, 1, 1);
    }
    let ihl = usize::from(b0 & 0x0f) * 4;
    if ihl < 20 {
        return p.fail(Layer::Ipv4, DecodeErrorKind::BadLength, off, 20, ihl);
    }
    let total = usize::from(be16(f, off + 2));
    let frag = be16(f, off + 6);
    let proto = byte(f, off + 9);
    // Written in place (a header built on the stack and copied in 16-byte moves stalled
    // on its narrower stores: half of this function's samples).
    p.ip = Some(IpHeader {
        src: IpAddr::V4(v4_at(f, off + 12)),
        dst: IpAddr::V4(v4_at(f, off + 16)),
        src_span: Span::new(off + 12, off + 16),
        dst_span: Span::new(off + 16, off + 20),
        proto,
        fragment_offset: frag & 0x1fff,
        more_fragments: frag & 0x2000 != 0,
    });
    if !p.need(Layer::Ipv4, off, ihl, n) {
        return;
    }
    // A zero total length is what TCP segmentation offload leaves in captures: use the frame.
    let end = if total == 0 {
        n
    } else if total < ihl {
        return p.fail(Layer::Ipv4, DecodeErrorKind::BadLength, off, ihl, total);
    } else {
        clamp_end(p, Layer::Ipv4, off, total)
    };
    transport(
        p,
        proto,
        (frag & 0x1fff != 0, frag & 0x2000 != 0),
        off + ihl,
        end,
    );
}

fn ipv6(p: &mut Packet<'_>, off: usize) {
    let f = p.frame;
    let n = f.len();
    if !p.need(Layer::Ipv6, off, 40, n) {
        return;
    }
    if byte(f, off) >> 4 != 6 {
        return p.fail(Layer::Ipv6, DecodeErrorKind::BadVersion, off, 1, 1);
    }
    let plen = usize::from(be16(f, off + 4));
    let mut hdr = IpHeader {
        src: IpAddr::V6(v6_at(f, off + 8)),
        dst: IpAddr::V6(v6_at(f, off + 24)),
        src_span: Span::new(off + 8, off + 24),
        dst_span: Span::new(off + 24, off + 40),
        proto: byte(f, off + 6),
        fragment_offset: 0,
        more_fragments: false,
    };
    // Payload length 0: a jumbogram (hop-by-hop option) or offload; use the frame.
    let end = if plen == 0 {
        n
    } else {
        clamp_end(p, Layer::Ipv6, off + 40, plen)
    };
    let mut pos = off + 40;
    let mut ext = 0;
    loop {
        let (len, next) = match hdr.proto {
            // Hop-by-hop, routing, destination options, mobility, HIP, shim6: 8-byte units.
            0 | 43 | 60 | 135 | 139 | 140 => {
                if !p.need(Layer::Ipv6Ext, pos, 2, end) {
                    break;
                }
                ((usize::from(byte(f, pos + 1)) + 1) * 8, byte(f, pos))
            }
            44 => {
                if !p.need(Layer::Ipv6Ext, pos, 8, end) {
                    break;
                }
                let fo = be16(f, pos + 2);
                hdr.fragment_offset = fo >> 3;
                hdr.more_fragments = fo & 1 == 1;
                (8, byte(f, pos))
            }
            // Authentication header: 4-byte units, minus 2.
            51 => {
                if !p.need(Layer::Ipv6Ext, pos, 2, end) {
                    break;
                }
                ((usize::from(byte(f, pos + 1)) + 2) * 4, byte(f, pos))
            }
            _ => {
                p.ip = Some(hdr);
                let frag = (hdr.is_later_fragment(), hdr.more_fragments);
                return transport(p, hdr.proto, frag, pos, end);
            }
        };
        if !p.need(Layer::Ipv6Ext, pos, len, end) {
            break;
        }
        pos += len;
        hdr.proto = next;
        ext += 1;
        if ext > MAX_EXT_HEADERS {
            let have = end.saturating_sub(pos);
            p.fail(
                Layer::Ipv6Ext,
                DecodeErrorKind::TooManyHeaders,
                pos,
                0,
                have,
            );
            break;
        }
    }
    // Stopped inside the extension headers: addresses only.
    p.ip = Some(hdr);
}

/// The transport header at `off`; `end` is the end of the network payload, whose
/// upper-layer protocol is `proto`. `later` and `more` are the IP header's fragment flags
/// (a fragment other than the first; more fragments follow). Not the header itself: an
/// `IpHeader` built on the stack and copied stalled on its narrower stores.
fn transport(p: &mut Packet<'_>, proto: u8, (later, more): (bool, bool), off: usize, end: usize) {
    let f = p.frame;
    if later || (proto != PROTO_TCP && proto != PROTO_UDP) {
        p.payload = Some(Span::new(off, end.max(off)));
        return;
    }
    let layer = if proto == PROTO_TCP {
        Layer::Tcp
    } else {
        Layer::Udp
    };
    let have = end.saturating_sub(off);
    if have >= 4 {
        p.transport = Some(Transport {
            proto,
            sport: be16(f, off),
            dport: be16(f, off + 2),
            header: Span::new(off, off + have.min(if proto == PROTO_TCP { 20 } else { 8 })),
        });
    }
    if proto == PROTO_TCP {
        if !p.need(layer, off, 20, end) {
            return;
        }
        let doff = usize::from(byte(f, off + 12) >> 4) * 4;
        if doff < 20 {
            return p.fail(layer, DecodeErrorKind::BadLength, off, 20, doff);
        }
        if !p.need(layer, off, doff, end) {
            return;
        }
        if let Some(t) = &mut p.transport {
            t.header = Span::new(off, off + doff);
        }
        p.payload = Some(Span::new(off + doff, end));
    } else {
        if !p.need(layer, off, 8, end) {
            return;
        }
        let ulen = usize::from(be16(f, off + 4));
        // Length 0 is a jumbogram's; a first fragment's UDP length covers the whole
        // datagram, so only the IP end bounds it then.
        let uend = if ulen == 0 || more {
            end
        } else if ulen < 8 {
            return p.fail(layer, DecodeErrorKind::BadLength, off, 8, ulen);
        } else {
            let want = off.saturating_add(ulen);
            if want > end {
                p.fail(layer, DecodeErrorKind::Truncated, off, ulen, have);
                end
            } else {
                want
            }
        };
        p.payload = Some(Span::new(off + 8, uend));
    }
}
