//! A hot-swappable handle to the current [`Database`]: lock-free reads, atomic publish.
//!
//! Sensors scan with whatever database is current while a background thread loads and
//! compiles a new one from updated feeds; [`SharedDatabase::store`] then publishes it in one
//! atomic step. Scanners never wait for the writer and the writer never waits for scanners.
//!
//! A replaced database is freed once its last reader lets go of it, but never by a
//! scanner: freeing a big database takes milliseconds (100k indicators: about 0.5 ms),
//! which a scanner must not spend in the middle of a batch. When the last reader is a
//! [`DatabaseGuard`], the database is handed over (a push on a queue, no lock, no system
//! call) and freed by the next [`SharedDatabase::store`], [`SharedDatabase::swap`] or
//! [`SharedDatabase::reclaim`], on the publisher's thread. A publisher that stores rarely
//! calls `reclaim` now and then (e.g. whenever it checks its feeds for changes). An `Arc`
//! from [`SharedDatabase::load_full`] or [`SharedDatabase::swap`] frees its database on the
//! thread that drops it last, as any `Arc` does.
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
//!   guard that is held forever keeps its database alive. Dropping a guard costs a few
//!   more atomic operations (it checks whether it held the last reference), and a queue
//!   push when it did.
//! - [`SharedDatabase::load_full`]: as `load` plus one atomic increment (a cloned `Arc`,
//!   which may be kept as long as wanted).
//! - [`SharedDatabase::store`]: one atomic swap plus a walk over the readers' debt slots
//!   (proportional to the number of threads that ever read, not to the database size). It
//!   does not wait for readers. The previous database is dropped by `store` when no reader
//!   holds it, otherwise handed over by the last reader (see above). `store` also frees
//!   what readers handed over since the last call.
//! - Each database reached through the handle costs one more pointer indirection than a
//!   bare [`Database`] (the handle stores an `Arc<Database>`).
//!
//! A [`crate::Scratch`] can be used with successive databases: it notices the change on
//! the first scan with the new one and rebuilds its automaton caches (once per swap).

use crate::compile::Database;
use arc_swap::{ArcSwap, Guard};
use crossbeam_channel::{unbounded, Receiver, Sender};
use std::any::Any;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

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

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        // The guard may hold the last reference to a database that is no longer current:
        // take that reference out (leaving a placeholder that is never the last one) and
        // hand the database over to be freed by a publisher rather than freeing it here.
        let guard = std::mem::replace(&mut self.inner, Guard::from_inner(placeholder()));
        if let Some(db) = Arc::into_inner(Guard::into_inner(guard)) {
            retire(db);
        }
    }
}

/// An empty database that lives for the whole process (a dropped guard's stand-in).
fn placeholder() -> Arc<Database> {
    static EMPTY: OnceLock<Arc<Database>> = OnceLock::new();
    Arc::clone(EMPTY.get_or_init(|| Arc::new(Database::empty())))
}

/// A value handed over to be freed elsewhere.
type Retired = Box<dyn Any + Send>;

/// Values handed over by readers, waiting for a publisher to free them
/// ([`SharedDatabase::reclaim`]). Nobody ever blocks on receiving, so a send never wakes a
/// thread (no system call on the scanner's side).
fn retired() -> &'static (Sender<Retired>, Receiver<Retired>) {
    static Q: OnceLock<(Sender<Retired>, Receiver<Retired>)> = OnceLock::new();
    Q.get_or_init(unbounded)
}

/// Queues `value` to be freed by the next [`SharedDatabase::reclaim`] (on whichever thread
/// calls it).
fn retire<T: Send + 'static>(value: T) {
    #[cfg(test)]
    tests::RETIRED_HERE.with(|n| n.set(n.get() + 1));
    // The receiver lives in a static: sending cannot fail.
    let _ = retired().0.send(Box::new(value));
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
        SharedDatabase::reclaim();
    }

    /// As [`SharedDatabase::store`], returning the database that was current.
    pub fn swap(&self, db: impl Into<Arc<Database>>) -> Arc<Database> {
        let old = self.current.swap(db.into());
        SharedDatabase::reclaim();
        old
    }
}

impl SharedDatabase {
    /// Frees, on the calling thread, the databases that scanners let go of last (see the
    /// module docs): [`SharedDatabase::store`] and [`SharedDatabase::swap`] call it, and a
    /// publisher that stores rarely may call it from time to time (it is cheap when there
    /// is nothing to free) so that a replaced database does not wait for the next store.
    /// Returns how many were freed. Databases handed over by the guards of every handle in
    /// the process are freed, not only this handle's.
    pub fn reclaim() -> usize {
        retired().1.try_iter().map(drop).count()
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
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, Ordering};

    thread_local! {
        /// How many values this thread handed to `retire`.
        pub(super) static RETIRED_HERE: Cell<usize> = const { Cell::new(0) };
    }
    fn retired_here() -> usize {
        RETIRED_HERE.with(Cell::get)
    }

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

    #[test]
    fn the_last_guard_does_not_free_the_database_on_its_thread() {
        let a = Arc::new(db("a.com"));
        let weak = Arc::downgrade(&a);
        let shared = SharedDatabase::new(a);
        let guard = shared.load();
        let other = shared.load();
        shared.store(db("b.com"));
        assert!(weak.upgrade().is_some(), "the guards keep a.com alive");
        let before = retired_here();
        drop(other);
        assert_eq!(retired_here(), before, "not the last reference");
        assert!(weak.upgrade().is_some());
        drop(guard); // the last reference: handed over
        assert_eq!(retired_here(), before + 1);
        assert!(weak.upgrade().is_none());
        assert_eq!(first(&shared.load()), "b.com");

        // What is handed over is freed by reclaim (or another test's store), not by retire.
        struct Probe(Arc<AtomicBool>);
        impl Drop for Probe {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let freed = Arc::new(AtomicBool::new(false));
        retire(Probe(Arc::clone(&freed)));
        assert!(!freed.load(Ordering::SeqCst), "freed by retire");
        SharedDatabase::reclaim();
        assert!(freed.load(Ordering::SeqCst), "freed by reclaim");
    }

    #[test]
    fn guards_of_the_current_database_never_free_it() {
        let shared = SharedDatabase::new(db("a.com"));
        let before = retired_here();
        for _ in 0..100 {
            let g = shared.load();
            assert_eq!(first(&g), "a.com");
        }
        assert_eq!(retired_here(), before);
        // The handle's reference plus the one from load_full.
        assert_eq!(Arc::strong_count(&shared.load_full()), 2);
    }
}
