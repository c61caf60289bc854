//! `lr_database`: a compiled database (reference-counted) and its indicator metadata.

use super::{guard, lr_kind, lr_result, write_opt, LR_FLAG_EXACT, LR_FLAG_NOCASE};
use crate::compile::{Database, IndicatorId, IndicatorRef};
use crate::indicator::{Kind, Value};
use std::ffi::c_char;
use std::sync::Arc;

/// A compiled, immutable database. Thread-safe: any number of threads may scan with it at
/// once (each with its own `lr_scratch`). Reference-counted: `lr_builder_compile`,
/// `lr_database_clone` and `lr_shared_acquire` each hand out one reference, which the caller
/// releases with `lr_database_free`.
///
/// In Rust an `lr_database` pointer is `Arc::into_raw` of an `Arc<Database>` (the type the
/// hot-swap handle stores), cast: this struct only names it for C and is never built.
pub struct lr_database {
    _opaque: [u8; 0],
}

/// Metadata of one indicator (`lr_database_indicator`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct lr_indicator {
    /// The kind.
    pub kind: lr_kind,
    /// `LR_FLAG_EXACT` for an exact-only domain, `LR_FLAG_NOCASE` for a case-insensitive literal.
    pub flags: u32,
    /// No sighting before this time (Unix seconds); 0 = no lower bound.
    pub valid_from: i64,
    /// No sighting at or after this time (Unix seconds); 0 = no upper bound.
    pub valid_until: i64,
    /// Number of sources (`lr_database_indicator_source`).
    pub source_count: usize,
    /// Number of references (`lr_database_indicator_ref`).
    pub ref_count: usize,
}

/// The database behind a C pointer.
///
/// # Safety
/// `db` must be NULL or a live reference from this API.
pub(crate) unsafe fn db_ref<'a>(db: *const lr_database) -> Result<&'a Database, lr_result> {
    // SAFETY: NULL or `Arc::<Database>::into_raw` cast (see `into_c`), whose reference the
    // caller still holds, so the Database is alive for the call.
    unsafe { db.cast::<Database>().as_ref() }.ok_or(lr_result::LR_NULL_ARGUMENT)
}

/// Hands out one reference to `db` as a C pointer.
pub(crate) fn into_c(db: Arc<Database>) -> *const lr_database {
    Arc::into_raw(db).cast::<lr_database>()
}

/// Takes one new reference to the database behind a C pointer (the caller's stays valid).
///
/// # Safety
/// `db` must be a live, non-null reference from this API.
pub(crate) unsafe fn new_ref(db: *const lr_database) -> Arc<Database> {
    let p = db.cast::<Database>();
    // SAFETY: `p` came from Arc::<Database>::into_raw (see `into_c`) and is alive; raising
    // the strong count first makes from_raw own a new reference.
    unsafe {
        Arc::increment_strong_count(p);
        Arc::from_raw(p)
    }
}

/// Releases one reference to a database (NULL is ignored). The database is freed with its
/// last reference; scans running on other references are unaffected.
///
/// # Safety
/// `database` must be NULL or a reference from this API not yet released; it must not be
/// used afterwards.
#[no_mangle]
pub unsafe extern "C" fn lr_database_free(database: *const lr_database) {
    let _ = guard(|| {
        if !database.is_null() {
            // SAFETY: the pointer came from Arc::<Database>::into_raw (see `into_c`) and this
            // reference is released once.
            drop(unsafe { Arc::from_raw(database.cast::<Database>()) });
        }
        lr_result::LR_OK
    });
}

/// Writes a new reference to the same database to `*database_out` (release both with
/// `lr_database_free`).
///
/// # Safety
/// `database` NULL or a live reference; `database_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_database_clone(
    database: *const lr_database,
    database_out: *mut *const lr_database,
) -> lr_result {
    guard(|| {
        if database.is_null() || database_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        // SAFETY: `database` is a live Arc::<Database>::into_raw pointer (caller's contract):
        // adding a strong count hands out one more reference, released by lr_database_free.
        unsafe { Arc::increment_strong_count(database.cast::<Database>()) };
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(database_out, database) };
        lr_result::LR_OK
    })
}

/// Number of indicators (ids are `0 .. count`), into `*count_out`.
///
/// # Safety
/// `database` NULL or a live reference; `count_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_database_count(
    database: *const lr_database,
    count_out: *mut usize,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or live (caller's contract).
        let d = super::tri!(unsafe { db_ref(database) });
        if count_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(count_out, d.len()) };
        lr_result::LR_OK
    })
}

/// # Safety
/// `database` NULL or a live reference.
unsafe fn indicator<'a>(
    database: *const lr_database,
    id: u32,
) -> Result<IndicatorRef<'a>, lr_result> {
    // SAFETY: forwarded contract.
    let d = unsafe { db_ref(database) }?;
    d.indicator(IndicatorId(id)).ok_or(lr_result::LR_NOT_FOUND)
}

/// Writes the metadata of indicator `id` to `*indicator_out`. `LR_NOT_FOUND` when there is no
/// such id.
///
/// # Safety
/// `database` NULL or a live reference; `indicator_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_database_indicator(
    database: *const lr_database,
    id: u32,
    indicator_out: *mut lr_indicator,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or live (caller's contract).
        let ind = super::tri!(unsafe { indicator(database, id) });
        if indicator_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let mut flags = 0;
        if ind.exact {
            flags |= LR_FLAG_EXACT;
        }
        if ind.kind() == Kind::Literal {
            if let Value::Literal { nocase: true, .. } = ind.to_value() {
                flags |= LR_FLAG_NOCASE;
            }
        }
        let info = lr_indicator {
            kind: ind.kind().into(),
            flags,
            valid_from: ind.meta.valid_from.map_or(0, |t| t.0),
            valid_until: ind.meta.valid_until.map_or(0, |t| t.0),
            source_count: ind.meta.sources.len(),
            ref_count: ind.meta.refs.len(),
        };
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(indicator_out, info) };
        lr_result::LR_OK
    })
}

/// Which string of an indicator to lend.
#[derive(Clone, Copy)]
enum Part {
    Value,
    Source(usize),
    Ref(usize),
}

/// Shared body of the getters that lend strings.
///
/// # Safety
/// As for `lr_database_indicator_value`.
unsafe fn lend(
    database: *const lr_database,
    id: u32,
    part: Part,
    ptr_out: *mut *const c_char,
    len_out: *mut usize,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or live (caller's contract).
        let ind = super::tri!(unsafe { indicator(database, id) });
        if ptr_out.is_null() || len_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let s: &[u8] = match part {
            Part::Value => ind.bytes(),
            Part::Source(i) => match ind.meta.sources.get(i) {
                Some(s) => s.as_bytes(),
                None => return lr_result::LR_NOT_FOUND,
            },
            Part::Ref(i) => match ind.meta.refs.get(i) {
                Some(s) => s.as_bytes(),
                None => return lr_result::LR_NOT_FOUND,
            },
        };
        // SAFETY: both checked non-null; writable by the caller's contract. The bytes live in
        // the immutable database (its value arena and metadata), so the lent pointer stays
        // valid while the database lives.
        unsafe {
            write_opt(ptr_out, s.as_ptr().cast::<c_char>());
            write_opt(len_out, s.len());
        }
        lr_result::LR_OK
    })
}

/// Lends the normalized value of indicator `id`: what the sensors print as `indicator`
/// (`10.0.0.0/8`, `evil.com`, a lowercase hex digest...). `*ptr_out` points to `*len_out`
/// bytes, **not NUL-terminated**, valid while the database lives (while any reference to it
/// is held). UTF-8, except for a literal, whose raw bytes are lent as given (print them
/// lossily). `LR_NOT_FOUND` for a bad id.
///
/// # Safety
/// `database` NULL or a live reference; `ptr_out`, `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_database_indicator_value(
    database: *const lr_database,
    id: u32,
    ptr_out: *mut *const c_char,
    len_out: *mut usize,
) -> lr_result {
    // SAFETY: forwarded contract.
    unsafe { lend(database, id, Part::Value, ptr_out, len_out) }
}

/// Lends source number `index` (0-based, below `lr_indicator.source_count`) of indicator
/// `id`, as `lr_database_indicator_value` does (UTF-8, not NUL-terminated, valid while the
/// database lives). `LR_NOT_FOUND` for a bad id or index.
///
/// # Safety
/// `database` NULL or a live reference; `ptr_out`, `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_database_indicator_source(
    database: *const lr_database,
    id: u32,
    index: usize,
    ptr_out: *mut *const c_char,
    len_out: *mut usize,
) -> lr_result {
    // SAFETY: forwarded contract.
    unsafe { lend(database, id, Part::Source(index), ptr_out, len_out) }
}

/// Lends reference number `index` (0-based, below `lr_indicator.ref_count`) of indicator
/// `id`, as `lr_database_indicator_source` does.
///
/// # Safety
/// `database` NULL or a live reference; `ptr_out`, `len_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_database_indicator_ref(
    database: *const lr_database,
    id: u32,
    index: usize,
    ptr_out: *mut *const c_char,
    len_out: *mut usize,
) -> lr_result {
    // SAFETY: forwarded contract.
    unsafe { lend(database, id, Part::Ref(index), ptr_out, len_out) }
}
