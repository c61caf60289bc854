//! A hot-swappable handle to the current [`Database`]: lock-free reads, atomic publish.
//!
//! Sensors scan with whatever database is current while a background thread loads and
//! compiles a new one from updated feeds; [`SharedDatabase::store`] then publishes it in one
//! atomic step. Scanners never wait for the writer and the writer never waits for scanners.
//! The old database is freed when its last reader lets go of it (the last [`DatabaseGuard`]
//! or `Arc` dropped), on that reader's thread.
//!
//! ```
//! use linerate::{Builder, Indicator, Kind, Scratch, SharedDatabase, Timestamp};
//!
//! let shared = SharedDatabase::new(linerate::Database::empty());
//! let mut scratch = Scratch::new();
//!
//! let mut b = Builder::new();
//! b.add(Indicator::parse(Kind::Domain, "evil.com", "feed").unwrap()).unwrap();
//! shared.store(b.build().unwrap()); // e.g. from a reload thread
//!
//! let db = shared.load(); // per batch of lines, not per byte
//! let mut n = 0;
//! db.scan_line(b"GET http://evil.com/", &mut scratch, Timestamp(0), |_| n += 1);
//! assert_eq!(n, 1);
//! ```
//!
//! ## Costs
//! - [`SharedDatabase::load`]: a few atomic operations and no lock, no allocation and no
//!   reference-count write on the shared `Arc` in the common case (arc-swap's per-thread
//!   debt slots); a thread holding many guards at once falls back to a reference-count
//!   increment. Meant to be called per line or per batch, and the guard dropped soon: a
//!   guard that is held forever keeps its database alive.
//! - [`SharedDatabase::load_full`]: as `load` plus one atomic increment (a cloned `Arc`,
//!   which may be kept as long as wanted).
//! - [`SharedDatabase::store`]: one atomic swap plus a walk over the readers' debt slots
//!   (proportional to the number of threads that ever read, not to the database size). It
//!   does not wait for readers. The previous database is dropped by `store` when no reader
//!   holds it, otherwise by the last reader.
//! - Each database reached through the handle costs one more pointer indirection than a
//!   bare [`Database`] (the handle stores an `Arc<Database>`).
//!
//! A [`crate::Scratch`] can be used with successive databases: it notices the change on
//! the first scan with the new one and rebuilds its automaton caches (once per swap).

use crate::compile::Database;
use arc_swap::{ArcSwap, Guard};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A shared, atomically replaceable [`Database`]. `Send + Sync`: share it by reference or
/// in an `Arc` between scanner threads and one (or more) publishing threads.
pub struct SharedDatabase {
    current: ArcSwap<Database>,
}

/// A short-lived read handle from [`SharedDatabase::load`]; dereferences to the [`Database`]
/// that was current when it was taken, and keeps it alive until dropped.
pub struct DatabaseGuard {
    inner: Guard<Arc<Database>>,
}

impl Deref for DatabaseGuard {
    type Target = Database;

    #[inline]
    fn deref(&self) -> &Database {
        &self.inner
    }
}

impl fmt::Debug for DatabaseGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl SharedDatabase {
    /// A handle whose current database is `db`.
    pub fn new(db: impl Into<Arc<Database>>) -> SharedDatabase {
        SharedDatabase {
            current: ArcSwap::new(db.into()),
        }
    }

    /// The current database, without locking. Take it per line or per batch and drop it
    /// soon after; see the module docs for costs.
    #[inline]
    pub fn load(&self) -> DatabaseGuard {
        DatabaseGuard {
            inner: self.current.load(),
        }
    }

    /// The current database as an `Arc` that may be kept indefinitely.
    pub fn load_full(&self) -> Arc<Database> {
        self.current.load_full()
    }

    /// Publishes `db`: scans that start after this call use it; scans in progress finish
    /// with the database they started with. Never blocks on readers.
    pub fn store(&self, db: impl Into<Arc<Database>>) {
        self.current.store(db.into());
    }

    /// As [`SharedDatabase::store`], returning the database that was current.
    pub fn swap(&self, db: impl Into<Arc<Database>>) -> Arc<Database> {
        self.current.swap(db.into())
    }
}

impl From<Database> for SharedDatabase {
    fn from(db: Database) -> SharedDatabase {
        SharedDatabase::new(db)
    }
}

impl fmt::Debug for SharedDatabase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedDatabase")
            .field(&*self.load())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Builder, Indicator, Kind};

    fn db(domain: &str) -> Database {
        let mut b = Builder::new();
        b.add(Indicator::parse(Kind::Domain, domain, "t").unwrap())
            .unwrap();
        b.build().unwrap()
    }

    fn first(db: &Database) -> String {
        db.indicator(crate::IndicatorId(0))
            .unwrap()
            .value
            .to_string()
    }

    #[test]
    fn guard_keeps_old_database_and_store_does_not_wait() {
        let shared = SharedDatabase::new(db("a.com"));
        let old = shared.load();
        shared.store(db("b.com"));
        assert_eq!(first(&old), "a.com");
        assert_eq!(first(&shared.load()), "b.com");
        let prev = shared.swap(db("c.com"));
        assert_eq!(first(&prev), "b.com");
        let weak = Arc::downgrade(&prev);
        drop(prev);
        assert!(weak.upgrade().is_none(), "b.com freed once unreferenced");
        drop(old);
        assert_eq!(Arc::strong_count(&shared.load_full()), 2);
    }
}
