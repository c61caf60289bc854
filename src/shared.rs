//! A hot-swappable handle to the current [`Database`]: lock-free reads, atomic publish.
//!
//! Sensors scan with whatever database is current while a background thread loads and
//! compiles a new one from updated feeds; [`SharedDatabase::store`] then publishes it in one
//! atomic step. Scanners never wait for the writer and the writer never waits for scanners.
//! The old database is freed when its last reader lets go of it. When that reader is a
//! [`DatabaseGuard`] (a scanner), the database is handed to a background thread
//! (`linerate-free`, started by the first [`SharedDatabase::store`] that replaces a
//! database still in use, or by [`SharedDatabase::swap`]) and freed there: freeing a big
//! database takes milliseconds, which a scanner must not spend. The hand-over is a push on
//! a channel, without a system call: the background thread polls (every 2 ms at first,
//! backing off) while a replaced database still has readers, and sleeps otherwise. An `Arc` from
//! [`SharedDatabase::load_full`] or [`SharedDatabase::swap`] frees it on the thread that
//! drops it, as any `Arc` does.
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
//!   more atomic operations (it checks whether it held the last reference), and a channel
//!   send when it did.
//! - [`SharedDatabase::load_full`]: as `load` plus one atomic increment (a cloned `Arc`,
//!   which may be kept as long as wanted).
//! - [`SharedDatabase::store`]: one atomic swap plus a walk over the readers' debt slots
//!   (proportional to the number of threads that ever read, not to the database size). It
//!   does not wait for readers. The previous database is dropped by `store` when no reader
//!   holds it, otherwise by the background thread once the last reader let go.
//! - Each database reached through the handle costs one more pointer indirection than a
//!   bare [`Database`] (the handle stores an `Arc<Database>`).
//!
//! A [`crate::Scratch`] can be used with successive databases: it notices the change on
//! the first scan with the new one and rebuilds its automaton caches (once per swap).

use crate::compile::Database;
use arc_swap::{ArcSwap, Guard};
use std::any::Any;
use std::fmt;
use std::ops::Deref;
use std::sync::{mpsc, Arc, OnceLock, Weak};
use std::thread;
use std::time::Duration;

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
        // hand the database to the background thread rather than freeing it here.
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

/// What the background thread is told.
enum Retired {
    /// Free this (a database whose last reader was a guard).
    Free(Box<dyn Any + Send>),
    /// A database was replaced while readers still held it: poll until they let go, so
    /// that the last guard's hand-over finds this thread awake.
    Watch(Weak<Database>),
}

/// The channel to the background thread, started on first use; `None` when no thread could
/// be started (values are then freed in place).
///
/// Why it polls: waking a sleeping thread is a system call in the waker, and the woken
/// thread may be scheduled in the waker's place at once. The publisher wakes it (a
/// [`Retired::Watch`] after a swap); while a replaced database still has readers it wakes
/// up on its own every few milliseconds and picks up what the readers handed over, so a
/// scanner's hand-over is only a push on a channel nobody waits on.
fn reaper() -> Option<&'static mpsc::Sender<Retired>> {
    static TX: OnceLock<Option<mpsc::Sender<Retired>>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Retired>();
        thread::Builder::new()
            .name("linerate-free".into())
            .spawn(move || reap(&rx))
            .ok()
            .map(|_| tx)
    })
    .as_ref()
}

/// Polling interval of the background thread while a watched database has readers: from
/// `REAP_POLL_MIN_MS`, doubling up to `REAP_POLL_MAX_MS` (a reader may keep an `Arc` for
/// as long as it wants).
const REAP_POLL_MIN_MS: u64 = 2;
const REAP_POLL_MAX_MS: u64 = 128;

fn reap(rx: &mpsc::Receiver<Retired>) {
    let mut watched: Vec<Weak<Database>> = Vec::new();
    let mut poll = REAP_POLL_MIN_MS;
    let take = |m: Retired, watched: &mut Vec<Weak<Database>>| match m {
        Retired::Free(v) => drop(v),
        Retired::Watch(w) => watched.push(w),
    };
    loop {
        if watched.is_empty() {
            match rx.recv() {
                Ok(m) => take(m, &mut watched),
                Err(_) => return,
            }
            poll = REAP_POLL_MIN_MS;
        } else {
            thread::sleep(Duration::from_millis(poll));
            poll = (poll * 2).min(REAP_POLL_MAX_MS);
        }
        // Drained before the watch list is pruned: a database whose last reader let go
        // after the drain is picked up by the `recv` above.
        for m in rx.try_iter() {
            if matches!(m, Retired::Watch(_)) {
                poll = REAP_POLL_MIN_MS;
            }
            take(m, &mut watched);
        }
        watched.retain(|w| w.strong_count() > 0);
    }
}

/// Frees `value` on the background thread (in place if it cannot be started).
fn retire<T: Send + 'static>(value: T) {
    #[cfg(test)]
    tests::RETIRED_HERE.with(|n| n.set(n.get() + 1));
    if let Some(tx) = reaper() {
        // Sending fails only if the thread is gone; the value then comes back in the error
        // and is freed here.
        let _ = tx.send(Retired::Free(Box::new(value)));
    }
}

/// Called by the publisher with the database it replaced: frees it here when nobody else
/// holds it, otherwise has the background thread watch it.
fn replaced(old: Arc<Database>) {
    let weak = Arc::downgrade(&old);
    if Arc::into_inner(old).is_none() {
        if let Some(tx) = reaper() {
            let _ = tx.send(Retired::Watch(weak));
        }
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
        replaced(self.current.swap(db.into()));
    }

    /// As [`SharedDatabase::store`], returning the database that was current.
    pub fn swap(&self, db: impl Into<Arc<Database>>) -> Arc<Database> {
        let old = self.current.swap(db.into());
        if let Some(tx) = reaper() {
            let _ = tx.send(Retired::Watch(Arc::downgrade(&old)));
        }
        old
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
        drop(guard); // the last reference: handed to the background thread
        assert_eq!(retired_here(), before + 1);
        assert!(weak.upgrade().is_none());
        assert_eq!(first(&shared.load()), "b.com");

        // What is handed over is freed on the background thread.
        struct Probe(mpsc::Sender<thread::ThreadId>);
        impl Drop for Probe {
            fn drop(&mut self) {
                let _ = self.0.send(thread::current().id());
            }
        }
        let (tx, rx) = mpsc::channel();
        retire(Probe(tx));
        let freed_on = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("retired value freed");
        assert_ne!(freed_on, thread::current().id());
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
