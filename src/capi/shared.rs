//! `lr_shared`: a hot-swappable database handle for C sensors.

use super::database::{into_c, new_ref};
use super::{guard, lr_database, lr_result, write_opt};
use crate::shared::SharedDatabase;

/// Holds the current database. Thread-safe: scanner threads `lr_shared_acquire` the current
/// database (no lock; a reader never waits for a publish) while a reloader thread
/// `lr_shared_publish`es a new one. A database is freed when the handle no longer holds it and
/// its last acquired reference is released.
///
/// In Rust: a [`SharedDatabase`].
pub struct lr_shared {
    current: SharedDatabase,
}

/// Creates a handle holding `database` into `*shared_out` (the handle takes its own
/// reference: the caller still releases `database`). Free it with `lr_shared_free`.
///
/// # Safety
/// `database` NULL or a live reference; `shared_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_shared_new(
    database: *const lr_database,
    shared_out: *mut *mut lr_shared,
) -> lr_result {
    guard(|| {
        if database.is_null() || shared_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        // SAFETY: checked non-null, live by the caller's contract.
        let db = unsafe { new_ref(database) };
        let h = Box::new(lr_shared {
            current: SharedDatabase::new(db),
        });
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(shared_out, Box::into_raw(h)) };
        lr_result::LR_OK
    })
}

/// Frees a handle (NULL is ignored). References acquired from it stay valid.
///
/// # Safety
/// `shared` NULL or from `lr_shared_new`, not yet freed, and not used by any thread
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn lr_shared_free(shared: *mut lr_shared) {
    let _ = guard(|| {
        if !shared.is_null() {
            // SAFETY: the pointer came from Box::into_raw in lr_shared_new; freed once.
            drop(unsafe { Box::from_raw(shared) });
        }
        lr_result::LR_OK
    });
}

/// Makes `database` the current one (the handle takes its own reference: the caller still
/// releases `database`). Scans running on the previous database finish on it; the next
/// `lr_shared_acquire` returns the new one. May be called from any thread, concurrently
/// with acquires.
///
/// # Safety
/// `shared` NULL or a live handle; `database` NULL or a live reference.
#[no_mangle]
pub unsafe extern "C" fn lr_shared_publish(
    shared: *const lr_shared,
    database: *const lr_database,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or a live handle (caller's contract); shared access only.
        let Some(h) = (unsafe { shared.as_ref() }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        if database.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        // SAFETY: checked non-null, live by the caller's contract.
        h.current.store(unsafe { new_ref(database) });
        lr_result::LR_OK
    })
}

/// Writes a new reference to the current database to `*database_out`; release it with
/// `lr_database_free` (typically after a batch of scans). Lock-free; may be called from
/// any thread.
///
/// # Safety
/// `shared` NULL or a live handle; `database_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn lr_shared_acquire(
    shared: *const lr_shared,
    database_out: *mut *const lr_database,
) -> lr_result {
    guard(|| {
        // SAFETY: NULL or a live handle (caller's contract); shared access only.
        let Some(h) = (unsafe { shared.as_ref() }) else {
            return lr_result::LR_NULL_ARGUMENT;
        };
        if database_out.is_null() {
            return lr_result::LR_NULL_ARGUMENT;
        }
        let db = h.current.load_full();
        // SAFETY: checked non-null; writable by the caller's contract.
        unsafe { write_opt(database_out, into_c(db)) };
        lr_result::LR_OK
    })
}
