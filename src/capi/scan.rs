//! `lr_scratch` and the scan functions.

use super::database::db_ref;
use super::{bytes, guard, lr_database, lr_kind, lr_result, lr_where, tri, write_opt};
use crate::scan::{Flow, LinkType, Scratch, Sighting};
use crate::time::Timestamp;
use crate::Database;
use std::ffi::{c_char, c_int, c_void};
use std::net::IpAddr;
use std::ops::ControlFlow;

/// Per-thread scan state. Create one per thread and reuse it for every scan, with any
/// database (it adapts when the database changes, e.g. after a hot swap). Not thread-safe.
pub struct lr_scratch {
    scratch: Scratch,
}

/// One indicator seen in one observation, passed to the scan callback. Look the indicator's
/// metadata up by `indicator` (`lr_database_indicator*`) when needed.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct lr_sighting {
    /// The indicator's id in the database scanned.
    pub indicator: u32,
    /// The indicator's kind.
    pub kind: lr_kind,
    /// First byte of the observation in the line (for an IP indicator with a port: address
    /// and port).
    pub start: usize,
    /// One past the observation's last byte.
    pub end: usize,
    /// Where it was observed (`LR_WHERE_LINE` for lines).
    pub where_seen: lr_where,
}

impl From<&Sighting> for lr_sighting {
    fn from(s: &Sighting) -> lr_sighting {
        lr_sighting {
            indicator: s.indicator.0,
            kind: s.kind.into(),
            start: s.span.start,
            end: s.span.end,
            where_seen: s.where_seen.into(),
        }
    }
}

/// The scan callback: called once per sighting, in order of position; return 0 to go on,
/// non-zero to stop the scan (which then returns `LR_STOPPED`). `sighting` is valid only
/// during the call. The callback may look metadata up in the database being scanned, but
/// must not scan with the same scratch.
pub type lr_callback =
    Option<unsafe extern "C" fn(sighting: *const lr_sighting, userdata: *mut c_void) -> c_int>;

/// Creates a scratch into `*scratch_out`; free it with `lr_scratch_free`.
///
/// # Safety
/// `scratch_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_scratch_new(scratch_out: *mut *mut lr_scratch) -> lr_result {
    guard(|| {
        if scratch_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let s = Box::new(lr_scratch {
            scratch: Scratch::new(),
        });
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(scratch_out, Box::into_raw(s)) };
        lr_result::LR_OK
    })
}

/// Frees a scratch (NULL is ignored).
///
/// # Safety
/// `scratch` NULL or from `lr_scratch_new`, not yet freed, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn lr_scratch_free(scratch: *mut lr_scratch) {
    let _ = guard(|| {
        if !scratch.is_null() {
            // SAFETY: the pointer came from Box::into_raw in lr_scratch_new; freed once.
            drop(unsafe { Box::from_raw(scratch) });
        }
        lr_result::LR_OK
    });
}

/// The arguments every scan takes, checked: the database, the scratch, the callback and
/// the bytes to scan (`LR_NULL_ARGUMENT` for a NULL one; NULL bytes allowed when `len` is 0).
///
/// # Safety
/// As for the scan functions: `database` NULL or a live reference; `scratch` NULL or a live
/// scratch not used by another thread during the call; `ptr` pointing to `len` readable
/// bytes.
unsafe fn scan_args<'a, C>(
    database: *const lr_database,
    scratch: *mut lr_scratch,
    callback: Option<C>,
    ptr: *const c_char,
    len: usize,
) -> Result<(&'a Database, &'a mut Scratch, C, &'a [u8]), lr_result> {
    // SAFETY: NULL or live (caller's contract).
    let d = unsafe { db_ref(database) }?;
    // SAFETY: NULL or a live scratch used by this thread only (caller's contract).
    let s = unsafe { scratch.as_mut() }.ok_or(lr_result::LR_NULL_ARGUMENT)?;
    let cb = callback.ok_or(lr_result::LR_NULL_ARGUMENT)?;
    // SAFETY: `ptr` points to `len` readable bytes (caller's contract).
    let b = unsafe { bytes(ptr, len) }?;
    Ok((d, &mut s.scratch, cb, b))
}

/// Scans one log line `line[0..len]` (any bytes: NUL and invalid UTF-8 allowed; without its
/// line terminator) and calls `callback(sighting, userdata)` for each sighting, in order of
/// position. `now` (Unix seconds) decides the indicators' validity windows: linerate never
/// reads a clock.
///
/// Returns `LR_OK` after a complete scan, `LR_STOPPED` when the callback stopped it.
/// No allocation once the scratch has grown to the longest line seen; no lock.
///
/// # Safety
/// `database` NULL or a live reference; `scratch` NULL or a live scratch not used by another
/// thread during the call; `line` pointing to `len` readable bytes (NULL allowed when 0);
/// `callback` a valid function (or NULL, rejected).
#[no_mangle]
pub unsafe extern "C" fn lr_scan_line(
    database: *const lr_database,
    scratch: *mut lr_scratch,
    line: *const c_char,
    len: usize,
    now: i64,
    callback: lr_callback,
    userdata: *mut c_void,
) -> lr_result {
    guard(|| {
        // SAFETY: the caller's contract (as `scan_args` needs).
        let (d, sc, cb, line) = tri!(unsafe { scan_args(database, scratch, callback, line, len) });
        let flow = d.scan_line_until(line, sc, Timestamp(now), |sg| {
            let c = lr_sighting::from(sg);
            // SAFETY: `cb` is a valid C function (caller's contract); `&c` outlives the
            // call.
            match unsafe { cb(&c, userdata) } {
                0 => ControlFlow::Continue(()),
                _ => ControlFlow::Break(()),
            }
        });
        match flow {
            ControlFlow::Continue(()) => lr_result::LR_OK,
            ControlFlow::Break(()) => lr_result::LR_STOPPED,
        }
    })
}

/// The callback of `lr_scan_lines`: called once per sighting, in order of line and
/// position, with the line's index in the buffer (from 0) and the line itself (`line_len`
/// bytes, without its terminator; the sighting's offsets are relative to it). Return 0 to
/// go on, non-zero to stop the scan (which then returns `LR_STOPPED`). The pointers are
/// valid only during the call.
pub type lr_lines_callback = Option<
    unsafe extern "C" fn(
        line_no: u64,
        line: *const c_char,
        line_len: usize,
        sighting: *const lr_sighting,
        userdata: *mut c_void,
    ) -> c_int,
>;

/// Scans the buffer `data[0..len]` as log lines (split at `\n`, a `\r` before it dropped,
/// a last line without `\n` included) and calls `callback` for each sighting: the same
/// sightings as `lr_scan_line` on each line, faster when the database's line prefilter can
/// search the buffer in one pass (small and medium databases, CPUs with AVX2): then only
/// the lines where something may match are scanned. `*lines_out` (if not NULL) receives the
/// number of lines after a complete scan, or the index of the line being scanned when the
/// callback stopped it.
///
/// Returns `LR_OK` after a complete scan, `LR_STOPPED` when the callback stopped it.
///
/// # Safety
/// As for `lr_scan_line`, with `data` pointing to `len` readable bytes (NULL allowed when
/// 0) and `lines_out` NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn lr_scan_lines(
    database: *const lr_database,
    scratch: *mut lr_scratch,
    data: *const c_char,
    len: usize,
    now: i64,
    callback: lr_lines_callback,
    userdata: *mut c_void,
    lines_out: *mut u64,
) -> lr_result {
    guard(|| {
        // SAFETY: the caller's contract (as `scan_args` needs).
        let (d, sc, cb, data) = tri!(unsafe { scan_args(database, scratch, callback, data, len) });
        let flow = d.scan_lines_until(data, sc, Timestamp(now), |i, line, sg| {
            let c = lr_sighting::from(sg);
            // SAFETY: `cb` is a valid C function (caller's contract); `line` and `&c`
            // outlive the call.
            match unsafe { cb(i, line.as_ptr().cast(), line.len(), &c, userdata) } {
                0 => ControlFlow::Continue(()),
                _ => ControlFlow::Break(()),
            }
        });
        let (lines, r) = match flow {
            ControlFlow::Continue(n) => (n, lr_result::LR_OK),
            ControlFlow::Break(n) => (n, lr_result::LR_STOPPED),
        };
        // SAFETY: NULL or writable (caller's contract).
        unsafe { write_opt(lines_out, lines) };
        r
    })
}

/// The 5-tuple of a scanned packet, passed to the packet callback with each sighting.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct lr_flow {
    /// Source address in network byte order: 4 bytes for IPv4 (the rest zero), 16 for IPv6.
    pub src: [u8; 16],
    /// Destination address, as `src`.
    pub dst: [u8; 16],
    /// Source port (0 when `has_ports` is 0).
    pub sport: u16,
    /// Destination port (0 when `has_ports` is 0).
    pub dport: u16,
    /// 4 or 6.
    pub family: u8,
    /// IP protocol number: 6 TCP, 17 UDP, 1 ICMP...
    pub proto: u8,
    /// 1 when the packet has TCP or UDP ports (not for other protocols, later fragments, or
    /// a transport header cut before its ports), else 0.
    pub has_ports: u8,
}

impl From<&Flow> for lr_flow {
    fn from(f: &Flow) -> lr_flow {
        fn bytes(a: IpAddr) -> ([u8; 16], u8) {
            let mut out = [0u8; 16];
            match a {
                IpAddr::V4(a) => {
                    out[..4].copy_from_slice(&a.octets());
                    (out, 4)
                }
                IpAddr::V6(a) => (a.octets(), 6),
            }
        }
        let (src, family) = bytes(f.src);
        let (dst, _) = bytes(f.dst);
        lr_flow {
            src,
            dst,
            sport: f.sport.unwrap_or(0),
            dport: f.dport.unwrap_or(0),
            family,
            proto: f.proto,
            has_ports: u8::from(f.sport.is_some() && f.dport.is_some()),
        }
    }
}

/// The packet scan callback: as `lr_callback`, with the packet's flow (valid only during the
/// call). Return 0 to go on, non-zero to stop the scan.
pub type lr_packet_callback = Option<
    unsafe extern "C" fn(
        sighting: *const lr_sighting,
        flow: *const lr_flow,
        userdata: *mut c_void,
    ) -> c_int,
>;

/// Scans one captured frame `frame[0..len]` of link type `linktype` (the pcap / pcapng
/// `LINKTYPE_*` number: 1 Ethernet, 101 raw IP, 113 Linux cooked, 276 Linux cooked v2, 0 / 108
/// loopback, 9 PPP, 228 / 229 raw IPv4 / IPv6) and calls `callback(sighting, flow, userdata)`
/// for each sighting, in order of position in the frame. What is observed (and its
/// `where_seen`): the addresses and ports (`LR_WHERE_IP_SRC` / `LR_WHERE_IP_DST`), DNS query
/// names, HTTP Host and URL, TLS SNI, and the transport payload for literals and regexes;
/// `start` / `end` are offsets in the frame. `now` (Unix seconds; a sensor replaying a
/// capture passes the packet's timestamp) decides the validity windows.
///
/// Malformed, truncated or fragmented frames are matched on what is readable: when decoding
/// stopped early or met an inconsistency, `*malformed_out` (optional) is set to 1, else 0.
/// Returns `LR_OK`, `LR_STOPPED` when the callback stopped the scan (`*malformed_out` is
/// then not written), `LR_INVALID_VALUE` for an unsupported link type.
///
/// # Safety
/// As for `lr_scan_line`; `malformed_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_scan_packet(
    database: *const lr_database,
    scratch: *mut lr_scratch,
    frame: *const c_char,
    len: usize,
    linktype: u32,
    now: i64,
    callback: lr_packet_callback,
    userdata: *mut c_void,
    malformed_out: *mut u32,
) -> lr_result {
    guard(|| {
        // SAFETY: the caller's contract (as `scan_args` needs).
        let (d, sc, cb, frame) =
            tri!(unsafe { scan_args(database, scratch, callback, frame, len) });
        let Some(link) = LinkType::from_pcap_linktype(linktype) else {
            return lr_result::LR_INVALID_VALUE;
        };
        let flow = d.scan_packet_until(frame, link, sc, Timestamp(now), |sg, fl| {
            let c = lr_sighting::from(sg);
            let f = lr_flow::from(fl);
            // SAFETY: `cb` is a valid C function (caller's contract); `&c` and `&f` outlive
            // the call.
            match unsafe { cb(&c, &f, userdata) } {
                0 => ControlFlow::Continue(()),
                _ => ControlFlow::Break(()),
            }
        });
        match flow {
            ControlFlow::Continue(err) => {
                // SAFETY: NULL or writable by the caller's contract.
                unsafe { write_opt(malformed_out, u32::from(err.is_some())) };
                lr_result::LR_OK
            }
            ControlFlow::Break(()) => lr_result::LR_STOPPED,
        }
    })
}
