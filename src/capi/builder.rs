//! `lr_builder`: collecting indicators (one by one or from feeds) and compiling a database.

use super::{
    bytes, guard, kind_from_u32, lr_database, lr_result, opt_cstr, tri, write_opt, LR_FLAG_ALLOW,
    LR_FLAG_EXACT, LR_FLAG_NOCASE, LR_KIND_COUNT,
};
use crate::compile::Builder;
use crate::error::Error;
use crate::feed::{self, Format, LoadOptions};
use crate::indicator::{Indicator, Kind, Meta, Value};
use crate::time::Timestamp;
use std::ffi::{c_char, CString};
use std::sync::{Arc, OnceLock};

/// Collects indicators and allowlist entries; `lr_builder_compile` makes a database of them.
/// Not thread-safe: use one builder from one thread at a time.
pub struct lr_builder {
    builder: Builder,
    /// Detail of the last failure (or of the last load's skipped entries), NUL-terminated.
    detail: CString,
}

impl lr_builder {
    fn set_detail(&mut self, msg: &str) {
        let clean: Vec<u8> = msg.bytes().filter(|&b| b != 0).collect();
        self.detail = CString::new(clean).unwrap_or_default();
    }

    fn fail(&mut self, e: &Error) -> lr_result {
        self.set_detail(e.message());
        lr_result::from(e.kind())
    }

    fn fail_with(&mut self, code: lr_result, msg: &str) -> lr_result {
        self.set_detail(msg);
        code
    }
}

/// Metadata for `lr_builder_add` / `lr_builder_add_allow`. Zero-initialize it (in C:
/// `lr_meta m = {0};`) and set what you have.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lr_meta {
    /// The source (feed name), NUL-terminated UTF-8, or NULL for none.
    pub source: *const c_char,
    /// A reference (STIX id, MISP uuid, feed record id), NUL-terminated UTF-8, or NULL.
    pub reference: *const c_char,
    /// `LR_FLAG_EXACT` (domains: no subdomains) and/or `LR_FLAG_NOCASE` (literals).
    pub flags: u32,
    /// No sighting before this time (Unix seconds); 0 = no lower bound.
    pub valid_from: i64,
    /// No sighting at or after this time (Unix seconds); 0 = no upper bound.
    pub valid_until: i64,
}

/// What `lr_builder_load` loaded.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct lr_load_report {
    /// Indicators loaded per kind, indexed by `lr_kind`.
    pub loaded: [usize; LR_KIND_COUNT],
    /// Indicators loaded, all kinds.
    pub total: usize,
    /// Allowlist entries loaded (warninglists).
    pub allow: usize,
    /// Entries skipped as invalid; the first reasons are in `lr_builder_last_error`.
    pub skipped: usize,
    /// Entries ignored on purpose (comments, `to_ids: false`, revoked...).
    pub ignored: usize,
    /// The format used, detected or given (`"plain"`, `"zeek"`, `"stix"`...): a static
    /// NUL-terminated string.
    pub format: *const c_char,
}

impl Default for lr_load_report {
    fn default() -> lr_load_report {
        lr_load_report {
            loaded: [0; LR_KIND_COUNT],
            total: 0,
            allow: 0,
            skipped: 0,
            ignored: 0,
            format: c"".as_ptr(),
        }
    }
}

/// The static C name of a feed format (`""` if unknown).
fn format_cstr(f: Option<Format>) -> *const c_char {
    static NAMES: OnceLock<Vec<(Format, CString)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        Format::ALL
            .iter()
            .map(|&f| (f, CString::new(f.as_str()).unwrap_or_default()))
            .collect()
    });
    names
        .iter()
        .find(|(g, _)| Some(*g) == f)
        .map_or(c"".as_ptr(), |(_, c)| c.as_ptr())
}

/// How many skipped entries `lr_builder_load` describes in the builder's detail message.
const SKIPPED_DETAILS: usize = 10;

/// Creates an empty builder into `*builder_out`; free it with `lr_builder_free`.
///
/// # Safety
/// `builder_out` must be NULL or valid for a write.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_new(builder_out: *mut *mut lr_builder) -> lr_result {
    guard(|| {
        if builder_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let b = Box::new(lr_builder {
            builder: Builder::new(),
            detail: CString::default(),
        });
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(builder_out, Box::into_raw(b)) };
        lr_result::LR_OK
    })
}

/// Frees a builder (NULL is ignored). Databases compiled from it stay valid.
///
/// # Safety
/// `builder` must be NULL or a pointer from `lr_builder_new` not yet freed; it must not be
/// used afterwards.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_free(builder: *mut lr_builder) {
    let _ = guard(|| {
        if !builder.is_null() {
            // SAFETY: the pointer came from Box::into_raw in lr_builder_new and is freed once.
            drop(unsafe { Box::from_raw(builder) });
        }
        lr_result::LR_OK
    });
}

/// The detail of the builder's last failure: what was wrong and where (for instance
/// `invalid ip indicator "10.0.0.1/8": host bits set (the network is 10.0.0.0/8)`). After
/// `lr_builder_load` it describes the first skipped entries (`line 4: ...`, one per line), or
/// is empty when nothing was skipped. Empty after a successful add or compile.
///
/// Never NULL (a NULL builder gives `""`); NUL-terminated; valid until the next call on the
/// builder.
///
/// # Safety
/// `builder` must be NULL or a live builder.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_last_error(builder: *const lr_builder) -> *const c_char {
    super::guard_str(
        || {
            // SAFETY: NULL or a live builder by the caller's contract; only read here.
            match unsafe { builder.as_ref() } {
                Some(b) => b.detail.as_ptr(),
                None => c"".as_ptr(),
            }
        },
        c"".as_ptr(),
    )
}

/// The metadata and flags of a C `lr_meta` (NULL = none).
///
/// # Safety
/// `meta` must be NULL or point to a valid `lr_meta` whose string fields are NULL or
/// NUL-terminated.
unsafe fn meta_from_c(meta: *const lr_meta) -> Result<(Meta, u32), (lr_result, String)> {
    // SAFETY: NULL or valid by the caller's contract.
    let Some(m) = (unsafe { meta.as_ref() }) else {
        return Ok((Meta::default(), 0));
    };
    let text = |p: *const c_char, field: &str| -> Result<Option<String>, (lr_result, String)> {
        // SAFETY: the string fields are NULL or NUL-terminated by the caller's contract.
        match unsafe { opt_cstr(p) } {
            None => Ok(None),
            Some(b) => match std::str::from_utf8(b) {
                Ok(s) => Ok(Some(s.to_string())),
                Err(e) => Err((
                    lr_result::LR_INVALID_VALUE,
                    format!(
                        "meta.{field} is not valid UTF-8 (at byte {})",
                        e.valid_up_to()
                    ),
                )),
            },
        }
    };
    if m.flags & !(LR_FLAG_EXACT | LR_FLAG_NOCASE) != 0 {
        return Err((
            lr_result::LR_INVALID_VALUE,
            format!("meta.flags has unknown bits set (0x{:x})", m.flags),
        ));
    }
    if m.valid_from != 0 && m.valid_until != 0 && m.valid_until <= m.valid_from {
        return Err((
            lr_result::LR_INVALID_VALUE,
            format!(
                "empty validity window: valid_until ({}) is not after valid_from ({})",
                m.valid_until, m.valid_from
            ),
        ));
    }
    let meta = Meta {
        sources: text(m.source, "source")?.into_iter().collect(),
        refs: text(m.reference, "reference")?.into_iter().collect(),
        valid_from: (m.valid_from != 0).then_some(Timestamp(m.valid_from)),
        valid_until: (m.valid_until != 0).then_some(Timestamp(m.valid_until)),
        ..Meta::default()
    };
    Ok((meta, m.flags))
}

/// Parses one C indicator (kind number, value bytes, meta).
///
/// # Safety
/// As for `lr_builder_add`.
unsafe fn indicator_from_c(
    kind: u32,
    value: *const c_char,
    value_len: usize,
    meta: *const lr_meta,
) -> Result<Indicator, (lr_result, String)> {
    let Some(kind) = kind_from_u32(kind) else {
        return Err((
            lr_result::LR_UNKNOWN_KIND,
            format!("unknown kind number {kind} (kinds are 0..{LR_KIND_COUNT})"),
        ));
    };
    // SAFETY: `value` points to `value_len` bytes by the caller's contract.
    let raw = unsafe { bytes(value, value_len) }.map_err(|c| (c, "value: null pointer".into()))?;
    // SAFETY: forwarded contract of `meta`.
    let (meta, flags) = unsafe { meta_from_c(meta) }?;
    for (flag, name, applies) in [
        (LR_FLAG_EXACT, "LR_FLAG_EXACT", Kind::Domain),
        (LR_FLAG_NOCASE, "LR_FLAG_NOCASE", Kind::Literal),
    ] {
        if flags & flag != 0 && kind != applies {
            return Err((
                lr_result::LR_INVALID_VALUE,
                format!("{name} applies to {applies} indicators, not {kind}"),
            ));
        }
    }
    let value = if kind == Kind::Literal {
        Value::literal(raw, flags & LR_FLAG_NOCASE != 0)
    } else {
        let text = std::str::from_utf8(raw).map_err(|e| {
            (
                lr_result::LR_INVALID_VALUE,
                format!(
                    "invalid {kind} indicator: not valid UTF-8 (at byte {})",
                    e.valid_up_to()
                ),
            )
        })?;
        Value::parse(kind, text)
    }
    .map_err(|e| (lr_result::from(e.kind()), e.message().to_string()))?;
    let mut ind = Indicator::new(value, meta);
    ind.exact = flags & LR_FLAG_EXACT != 0;
    Ok(ind)
}

/// Adds an indicator of `kind` (an `lr_kind` number) with the text `value[0..value_len]`
/// (refanged and normalized; for `LR_KIND_LITERAL` the bytes are taken verbatim) and
/// metadata `meta` (NULL = none). The same kind and value added again is merged into one
/// indicator (sources and refs united, validity widened). Writes the indicator's id to
/// `*id_out` when `id_out` is not NULL: it is the id that sightings report, in the database
/// compiled from this builder.
///
/// Errors: `LR_UNKNOWN_KIND`, `LR_INVALID_VALUE` (bad value, not UTF-8, unknown flag, empty
/// validity window), `LR_LIMIT_EXCEEDED` (indicator count, regex size); detail in
/// `lr_builder_last_error`.
///
/// # Safety
/// `builder` must be NULL or a live builder; `value` must point to `value_len` readable
/// bytes (NULL allowed when 0); `meta` NULL or a valid `lr_meta`; `id_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_add(
    builder: *mut lr_builder,
    kind: u32,
    value: *const c_char,
    value_len: usize,
    meta: *const lr_meta,
    id_out: *mut u32,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or a live builder, not aliased during this call (caller's contract).
        let Some(b) = (unsafe { builder.as_mut() }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        // SAFETY: forwarded contracts of value/value_len/meta.
        let ind = match unsafe { indicator_from_c(kind, value, value_len, meta) } {
            Ok(i) => i,
            Err((code, msg)) => return b.fail_with(code, &msg),
        };
        match b.builder.add(ind) {
            Ok(id) => {
                b.set_detail("");
                // SAFETY: NULL or writable by the caller's contract.
                unsafe { write_opt(id_out, id.0) };
                lr_result::LR_OK
            }
            Err(e) => b.fail(&e),
        }
    })
}

/// Adds an allowlist entry: an observation matching it (same rules as indicators) gives no
/// sighting. Arguments and errors as for `lr_builder_add` (only `meta.flags` and the validity
/// window matter for an allowlist entry).
///
/// # Safety
/// As for `lr_builder_add`.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_add_allow(
    builder: *mut lr_builder,
    kind: u32,
    value: *const c_char,
    value_len: usize,
    meta: *const lr_meta,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or a live builder, not aliased during this call (caller's contract).
        let Some(b) = (unsafe { builder.as_mut() }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        // SAFETY: forwarded contracts of value/value_len/meta.
        let ind = match unsafe { indicator_from_c(kind, value, value_len, meta) } {
            Ok(i) => i,
            Err((code, msg)) => return b.fail_with(code, &msg),
        };
        match b.builder.add_allow(ind) {
            Ok(()) => {
                b.set_detail("");
                lr_result::LR_OK
            }
            Err(e) => b.fail(&e),
        }
    })
}

/// Loads one feed from `bytes[0..len]` (the whole file content) and adds its indicators and
/// allowlist entries to the builder. `format` is a format name (`"plain"`, `"zeek"`,
/// `"stix"`... as the sensors' `--format` takes them) or NULL / `""` / `"auto"` to detect it
/// from the content. `source` names the
/// feed: it becomes the indicators' source (NUL-terminated, required). `flags`:
/// `LR_FLAG_EXACT` loads every domain exact-only; `LR_FLAG_ALLOW` adds every entry to the
/// allowlist (the counts in the report are then allowlist entries).
///
/// A bad entry does not fail the load: it is skipped, counted in `report_out->skipped`, and
/// the first ones are described (with their line and reason) in `lr_builder_last_error`.
/// Writes the counts to `*report_out` when it is not NULL.
///
/// Errors: `LR_UNKNOWN_FORMAT` (unknown name, or not detectable), `LR_BAD_FEED` (not
/// readable as the format at all), `LR_LIMIT_EXCEEDED` (the builder is full: the indicators
/// added before the limit stay in the builder). Detail in `lr_builder_last_error`.
///
/// # Safety
/// `builder` NULL or a live builder; `bytes` pointing to `len` readable bytes (NULL allowed
/// when 0); `format` and `source` NULL or NUL-terminated; `report_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_load(
    builder: *mut lr_builder,
    bytes: *const c_char,
    len: usize,
    format: *const c_char,
    source: *const c_char,
    flags: u32,
    report_out: *mut lr_load_report,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or a live builder, not aliased during this call (caller's contract).
        let Some(b) = (unsafe { builder.as_mut() }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        // SAFETY: `bytes` points to `len` readable bytes by the caller's contract.
        let data = match unsafe { super::bytes(bytes, len) } {
            Ok(d) => d,
            Err(code) => return b.fail_with(code, "bytes: null pointer"),
        };
        // SAFETY: NULL or NUL-terminated by the caller's contract.
        let Some(source) = (unsafe { opt_cstr(source) }) else {
            return b.fail_with(lr_result::LR_NULL_ARGUMENT, "source: null pointer");
        };
        let Ok(source) = std::str::from_utf8(source) else {
            return b.fail_with(lr_result::LR_INVALID_VALUE, "source is not valid UTF-8");
        };
        if flags & !(LR_FLAG_EXACT | LR_FLAG_ALLOW) != 0 {
            return b.fail_with(
                lr_result::LR_INVALID_VALUE,
                &format!("flags has unknown bits set for a load (0x{flags:x})"),
            );
        }
        let mut opts = LoadOptions::new(source);
        opts.exact_domains = flags & LR_FLAG_EXACT != 0;
        // SAFETY: NULL or NUL-terminated by the caller's contract.
        let name = unsafe { opt_cstr(format) }.unwrap_or_default();
        if !name.is_empty() && !name.eq_ignore_ascii_case(b"auto") {
            let f = std::str::from_utf8(name).ok().and_then(Format::from_name);
            let Some(f) = f else {
                let known: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                let msg = format!(
                    "unknown feed format {:?} (known: auto, {})",
                    crate::error::truncate(&String::from_utf8_lossy(name), 40),
                    known.join(", ")
                );
                return b.fail_with(lr_result::LR_UNKNOWN_FORMAT, &msg);
            };
            opts.format = Some(f);
        }
        let loaded = match feed::load(data, &opts) {
            Ok(l) => l,
            Err(e) => return b.fail(&e),
        };
        let r = &loaded.report;
        let mut report = lr_load_report {
            total: r.total(),
            allow: r.allow,
            skipped: r.skipped_count,
            ignored: r.ignored,
            format: format_cstr(r.format),
            ..lr_load_report::default()
        };
        for (dst, src) in report.loaded.iter_mut().zip(r.loaded) {
            *dst = src;
        }
        let mut detail = String::new();
        for s in r.skipped.iter().take(SKIPPED_DETAILS) {
            detail.push_str(&s.to_string());
            detail.push('\n');
        }
        if r.skipped_count > SKIPPED_DETAILS {
            detail.push_str(&format!(
                "... and {} more skipped\n",
                r.skipped_count - SKIPPED_DETAILS
            ));
        }
        let added = if flags & LR_FLAG_ALLOW != 0 {
            let mut all = loaded.indicators.into_iter().chain(loaded.allow);
            all.try_for_each(|i| b.builder.add_allow(i))
        } else {
            loaded.add_to(&mut b.builder)
        };
        if let Err(e) = added {
            return b.fail(&e);
        }
        b.set_detail(&detail);
        // SAFETY: NULL or writable by the caller's contract.
        unsafe { write_opt(report_out, report) };
        lr_result::LR_OK
    })
}

/// Compiles everything added so far into a database, written to `*database_out` (release it
/// with `lr_database_free`). The builder is kept: more indicators can be added and another
/// database compiled (for reloads).
///
/// Errors: `LR_LIMIT_EXCEEDED` (regex set too large), `LR_COMPILE`; detail in
/// `lr_builder_last_error`.
///
/// # Safety
/// `builder` NULL or a live builder; `database_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_compile(
    builder: *mut lr_builder,
    database_out: *mut *const lr_database,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or a live builder, not aliased during this call (caller's contract).
        let Some(b) = (unsafe { builder.as_mut() }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        if database_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let db = tri!(b.builder.build().map_err(|e| b.fail(&e)));
        b.set_detail("");
        let p = super::database::into_c(Arc::new(db));
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(database_out, p) };
        lr_result::LR_OK
    })
}

/// Number of distinct indicators added so far, into `*count_out`.
///
/// # Safety
/// `builder` NULL or a live builder; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_builder_count(
    builder: *const lr_builder,
    count_out: *mut usize,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or a live builder (caller's contract); only read.
        let Some(b) = (unsafe { builder.as_ref() }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        if count_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(count_out, b.builder.len()) };
        lr_result::LR_OK
    })
}
