//! The C API (feature `capi`): the only FFI code in the crate. Header: `include/linerate.h`.
//!
//! The objects mirror the Rust phases one to one, in the style of rustls-ffi, regex-capi and
//! Hyperscan's `hs.h`:
//!
//! | C object | Rust | ownership |
//! |---|---|---|
//! | `lr_builder` | [`crate::Builder`] | `Box`: `lr_builder_new` / `lr_builder_free` |
//! | `lr_database` | [`crate::Database`] | `Arc`, handed out as `const lr_database *`; every reference is released with `lr_database_free` |
//! | `lr_scratch` | [`crate::Scratch`] | `Box`, one per thread |
//! | `lr_shared` | hot-swap handle | `Box`: scanners `lr_shared_acquire` the current database, a reloader `lr_shared_publish`es a new one without locking them |
//!
//! Conventions, for every function:
//! - it returns an [`lr_result`] code (`LR_OK` = 0) unless it only returns a static string;
//! - every pointer argument is checked for NULL (`LR_NULL_ARGUMENT`), except those documented
//!   as optional; a (pointer, length) pair with length 0 may have a NULL pointer;
//! - out-parameters are written only when it returns `LR_OK`;
//! - no panic crosses the boundary: a panic is caught and reported as `LR_PANIC`;
//! - error detail (the message, which says what was wrong and where) is kept by the builder:
//!   `lr_builder_last_error`.
//!
//! Strings: inputs are `const char *` with a length (bytes: lines, feeds, values) or
//! NUL-terminated (names: sources, refs, formats), UTF-8. Strings the database holds (the
//! normalized value, sources, refs) are *lent* as pointer + length, not NUL-terminated,
//! valid while the database lives: no copy, no buffer to size.

#![allow(non_camel_case_types)]
// The FFI functions are exported with `#[no_mangle]`; clippy's safety-doc lint is satisfied
// by the `# Safety` section of each.

mod builder;
mod database;
mod scan;
mod shared;
#[cfg(test)]
mod tests;

pub use builder::*;
pub use database::*;
pub use scan::*;
pub use shared::*;

use crate::error::ErrorKind;
use crate::indicator::Kind;
use crate::scan::Where;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A result code. Stable: values are never renumbered; new codes may be added.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lr_result {
    /// Success.
    LR_OK = 0,
    /// A required pointer argument was NULL.
    LR_NULL_ARGUMENT = 1,
    /// A value is not valid (bad indicator value, not UTF-8, bad flag...).
    LR_INVALID_VALUE = 2,
    /// A kind number or name is unknown.
    LR_UNKNOWN_KIND = 3,
    /// A feed format name is unknown, or the format could not be detected.
    LR_UNKNOWN_FORMAT = 4,
    /// A feed could not be read as its format at all.
    LR_BAD_FEED = 5,
    /// A resource limit was exceeded (indicator count, regex size).
    LR_LIMIT_EXCEEDED = 6,
    /// An automaton could not be compiled.
    LR_COMPILE = 7,
    /// A panic was caught at the boundary (a bug in linerate: please report it).
    LR_PANIC = 8,
    /// A timestamp could not be parsed.
    LR_BAD_TIMESTAMP = 9,
    /// No indicator with that id, or no source/ref with that index.
    LR_NOT_FOUND = 10,
    /// The scan was stopped by the callback returning non-zero (not an error).
    LR_STOPPED = 11,
}

/// Every result code, for tests and `lr_result_message`.
const RESULTS: [lr_result; 12] = [
    lr_result::LR_OK,
    lr_result::LR_NULL_ARGUMENT,
    lr_result::LR_INVALID_VALUE,
    lr_result::LR_UNKNOWN_KIND,
    lr_result::LR_UNKNOWN_FORMAT,
    lr_result::LR_BAD_FEED,
    lr_result::LR_LIMIT_EXCEEDED,
    lr_result::LR_COMPILE,
    lr_result::LR_PANIC,
    lr_result::LR_BAD_TIMESTAMP,
    lr_result::LR_NOT_FOUND,
    lr_result::LR_STOPPED,
];

impl lr_result {
    fn message(self) -> &'static CStr {
        match self {
            lr_result::LR_OK => c"ok",
            lr_result::LR_NULL_ARGUMENT => c"a required pointer argument was null",
            lr_result::LR_INVALID_VALUE => c"invalid value",
            lr_result::LR_UNKNOWN_KIND => c"unknown indicator kind",
            lr_result::LR_UNKNOWN_FORMAT => c"unknown or undetectable feed format",
            lr_result::LR_BAD_FEED => c"the feed cannot be read as its format",
            lr_result::LR_LIMIT_EXCEEDED => c"resource limit exceeded",
            lr_result::LR_COMPILE => c"automaton compilation failed",
            lr_result::LR_PANIC => c"internal error (panic caught at the C boundary)",
            lr_result::LR_BAD_TIMESTAMP => c"bad timestamp",
            lr_result::LR_NOT_FOUND => c"no such indicator, source or reference",
            lr_result::LR_STOPPED => c"scan stopped by the callback",
        }
    }
}

impl From<ErrorKind> for lr_result {
    fn from(k: ErrorKind) -> lr_result {
        match k {
            ErrorKind::InvalidValue => lr_result::LR_INVALID_VALUE,
            ErrorKind::UnknownKind => lr_result::LR_UNKNOWN_KIND,
            ErrorKind::LimitExceeded => lr_result::LR_LIMIT_EXCEEDED,
            ErrorKind::BadFeed => lr_result::LR_BAD_FEED,
            ErrorKind::UnknownFormat => lr_result::LR_UNKNOWN_FORMAT,
            ErrorKind::BadTimestamp => lr_result::LR_BAD_TIMESTAMP,
            ErrorKind::Compile => lr_result::LR_COMPILE,
        }
    }
}

/// An indicator kind. Functions taking a kind take it as `uint32_t` and answer
/// `LR_UNKNOWN_KIND` for a number that is not one of these.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lr_kind {
    /// IPv4 / IPv6 address or network, optionally with a port.
    LR_KIND_IP = 0,
    /// A DNS name (matches subdomains unless `LR_FLAG_EXACT`).
    LR_KIND_DOMAIN = 1,
    /// A URL, compared by match key.
    LR_KIND_URL = 2,
    /// An email address.
    LR_KIND_EMAIL = 3,
    /// MD5 digest.
    LR_KIND_MD5 = 4,
    /// SHA-1 digest.
    LR_KIND_SHA1 = 5,
    /// SHA-256 digest.
    LR_KIND_SHA256 = 6,
    /// SHA-512 digest.
    LR_KIND_SHA512 = 7,
    /// Bytes searched anywhere (`LR_FLAG_NOCASE`: ASCII case-insensitive).
    LR_KIND_LITERAL = 8,
    /// A regex (regex-automata syntax) searched anywhere.
    LR_KIND_REGEX = 9,
}

/// Number of kinds: kind numbers are `0 .. LR_KIND_COUNT`.
pub const LR_KIND_COUNT: usize = 10;

/// Flag: a domain indicator (or every domain of a loaded feed) matches only the name itself,
/// not its subdomains (Zeek's semantics).
pub const LR_FLAG_EXACT: u32 = 1;
/// Flag: a literal indicator matches ASCII letters in either case.
pub const LR_FLAG_NOCASE: u32 = 2;
/// Flag for `lr_builder_load`: every entry of the feed is an allowlist entry (as the sensors'
/// `--allow PATH` does).
pub const LR_FLAG_ALLOW: u32 = 4;

impl From<Kind> for lr_kind {
    fn from(k: Kind) -> lr_kind {
        match k {
            Kind::Ip => lr_kind::LR_KIND_IP,
            Kind::Domain => lr_kind::LR_KIND_DOMAIN,
            Kind::Url => lr_kind::LR_KIND_URL,
            Kind::Email => lr_kind::LR_KIND_EMAIL,
            Kind::Md5 => lr_kind::LR_KIND_MD5,
            Kind::Sha1 => lr_kind::LR_KIND_SHA1,
            Kind::Sha256 => lr_kind::LR_KIND_SHA256,
            Kind::Sha512 => lr_kind::LR_KIND_SHA512,
            Kind::Literal => lr_kind::LR_KIND_LITERAL,
            Kind::Regex => lr_kind::LR_KIND_REGEX,
        }
    }
}

/// The Rust kind for a C kind number.
fn kind_from_u32(k: u32) -> Option<Kind> {
    Kind::ALL.iter().copied().find(|&x| x as u32 == k)
}

/// Where a sighting was observed.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lr_where {
    /// Anywhere in a log line.
    LR_WHERE_LINE = 0,
    /// A packet's source address (and port).
    LR_WHERE_IP_SRC = 1,
    /// A packet's destination address (and port).
    LR_WHERE_IP_DST = 2,
    /// A DNS question name.
    LR_WHERE_DNS_QUERY = 3,
    /// An HTTP request's Host header.
    LR_WHERE_HTTP_HOST = 4,
    /// An HTTP request's URL.
    LR_WHERE_HTTP_URL = 5,
    /// A TLS ClientHello's server_name.
    LR_WHERE_TLS_SNI = 6,
    /// A transport payload.
    LR_WHERE_PAYLOAD = 7,
}

const WHERES: [Where; 8] = [
    Where::Line,
    Where::IpSrc,
    Where::IpDst,
    Where::DnsQuery,
    Where::HttpHost,
    Where::HttpUrl,
    Where::TlsSni,
    Where::Payload,
];

impl From<Where> for lr_where {
    fn from(w: Where) -> lr_where {
        match w {
            Where::Line => lr_where::LR_WHERE_LINE,
            Where::IpSrc => lr_where::LR_WHERE_IP_SRC,
            Where::IpDst => lr_where::LR_WHERE_IP_DST,
            Where::DnsQuery => lr_where::LR_WHERE_DNS_QUERY,
            Where::HttpHost => lr_where::LR_WHERE_HTTP_HOST,
            Where::HttpUrl => lr_where::LR_WHERE_HTTP_URL,
            Where::TlsSni => lr_where::LR_WHERE_TLS_SNI,
            Where::Payload => lr_where::LR_WHERE_PAYLOAD,
        }
    }
}

/// Runs `f`, turning a panic into `LR_PANIC` so that no unwinding crosses into C.
fn guard(f: impl FnOnce() -> lr_result) -> lr_result {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(lr_result::LR_PANIC)
}

/// Runs `f` for a function that returns a static string; a panic gives `fallback`.
fn guard_str(f: impl FnOnce() -> *const c_char, fallback: *const c_char) -> *const c_char {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Evaluates to the `Ok` value, or returns the error code from the enclosing closure.
macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(code) => return code,
        }
    };
}
pub(crate) use tri;

/// The bytes of a (pointer, length) pair. NULL is accepted for length 0.
///
/// # Safety
/// When `ptr` is not NULL it must point to `len` readable bytes that stay valid and unmodified
/// for `'a`.
unsafe fn bytes<'a>(ptr: *const c_char, len: usize) -> Result<&'a [u8], lr_result> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(lr_result::LR_NULL_ARGUMENT);
    }
    if len > isize::MAX as usize {
        return Err(lr_result::LR_INVALID_VALUE);
    }
    // SAFETY: `ptr` is non-null and the caller promises `len` readable bytes valid for 'a;
    // `len <= isize::MAX` was checked above.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// A NUL-terminated string argument; `Ok(None)` for NULL.
///
/// # Safety
/// When `ptr` is not NULL it must point to a NUL-terminated string valid for `'a`.
unsafe fn opt_cstr<'a>(ptr: *const c_char) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated by the caller's contract.
    Some(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// Writes `v` through `out` when `out` is not NULL.
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
unsafe fn write_opt<T>(out: *mut T, v: T) {
    if !out.is_null() {
        // SAFETY: non-null and writable by the caller's contract.
        unsafe { out.write(v) };
    }
}

/// The static message of a result code (`"unknown result code"` for a number that is none).
/// Never NULL; the string lives forever.
#[no_mangle]
pub extern "C" fn lr_result_message(code: u32) -> *const c_char {
    guard_str(
        || {
            RESULTS
                .iter()
                .find(|&&r| r as u32 == code)
                .map_or(c"unknown result code", |r| r.message())
                .as_ptr()
        },
        c"unknown result code".as_ptr(),
    )
}

/// The name of a kind (`"ip"`, `"domain"`, `"sha256"`...: what the sensors print as `type`),
/// or NULL for a number that is no kind. The string lives forever.
#[no_mangle]
pub extern "C" fn lr_kind_name(kind: u32) -> *const c_char {
    guard_str(
        || match kind_from_u32(kind) {
            Some(k) => kind_cstr(k).as_ptr(),
            None => std::ptr::null(),
        },
        std::ptr::null(),
    )
}

fn kind_cstr(k: Kind) -> &'static CStr {
    match k {
        Kind::Ip => c"ip",
        Kind::Domain => c"domain",
        Kind::Url => c"url",
        Kind::Email => c"email",
        Kind::Md5 => c"md5",
        Kind::Sha1 => c"sha1",
        Kind::Sha256 => c"sha256",
        Kind::Sha512 => c"sha512",
        Kind::Literal => c"literal",
        Kind::Regex => c"regex",
    }
}

/// Parses a kind name (case-insensitive; aliases such as `ipv4`, `hostname`, `sha-256` are
/// accepted) into `*kind_out`. `LR_UNKNOWN_KIND` when it names no kind.
///
/// # Safety
/// `name` must be NULL or a NUL-terminated string; `kind_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_kind_from_name(name: *const c_char, kind_out: *mut u32) -> lr_result {
    guard(|| {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let Some(name) = (unsafe { opt_cstr(name) }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        if kind_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let Some(k) = std::str::from_utf8(name).ok().and_then(Kind::from_name) else {
            return lr_result::LR_UNKNOWN_KIND;
        };
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(kind_out, lr_kind::from(k) as u32) };
        lr_result::LR_OK
    })
}

/// The name of a `where` (`"line"`, `"ip.src"`, `"dns.query"`...), or NULL for a number that
/// is none. The string lives forever.
#[no_mangle]
pub extern "C" fn lr_where_name(where_seen: u32) -> *const c_char {
    guard_str(
        || match WHERES
            .iter()
            .find(|&&w| lr_where::from(w) as u32 == where_seen)
        {
            Some(w) => where_cstr(*w).as_ptr(),
            None => std::ptr::null(),
        },
        std::ptr::null(),
    )
}

fn where_cstr(w: Where) -> &'static CStr {
    match w {
        Where::Line => c"line",
        Where::IpSrc => c"ip.src",
        Where::IpDst => c"ip.dst",
        Where::DnsQuery => c"dns.query",
        Where::HttpHost => c"http.host",
        Where::HttpUrl => c"http.url",
        Where::TlsSni => c"tls.sni",
        Where::Payload => c"payload",
    }
}

/// Parses an RFC 3339 time (`2024-05-01T00:00:00Z`, with fraction or offset; also
/// `2024-05-01 00:00:00` and `2024-05-01`, as the feeds write them) into Unix seconds at
/// `*seconds_out`, for the `now` argument of the scan functions. `LR_BAD_TIMESTAMP` when it
/// is not one.
///
/// # Safety
/// `text` NULL or NUL-terminated; `seconds_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_parse_timestamp(
    text: *const c_char,
    seconds_out: *mut i64,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or NUL-terminated (caller's contract).
        let Some(text) = (unsafe { opt_cstr(text) }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        if seconds_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let Some(t) = std::str::from_utf8(text)
            .ok()
            .and_then(|t| crate::time::Timestamp::parse_rfc3339(t).ok())
        else {
            return lr_result::LR_BAD_TIMESTAMP;
        };
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(seconds_out, t.0) };
        lr_result::LR_OK
    })
}

/// The library version (`"0.1.0"`). The string lives forever.
#[no_mangle]
pub extern "C" fn lr_version() -> *const c_char {
    const V: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    V.as_ptr()
}
