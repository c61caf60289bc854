//! SharedDatabase under load: scanners scanning continuously while another thread publishes
//! hundreds of databases (200). Every scan must see exactly one database (all its sightings come
//! from the same generation), scanners must never wait for the writer, and every replaced
//! database must be freed once the last reader lets go.

use linerate::{
    Builder, Database, Indicator, IndicatorId, Kind, Scratch, SharedDatabase, Timestamp,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

const GENS: usize = 200;
const SCANNERS: usize = 3;

/// Generation `g`: a literal marker `<gen-g>`, a regex `rx-g-[0-9]+z` and the domain
/// `evil.com`, each with source `gen-g`.
fn generation(g: usize) -> Database {
    let src = format!("gen-{g}");
    let mut b = Builder::new();
    b.add(Indicator::parse(Kind::Literal, &format!("<gen-{g}>"), &src).unwrap())
        .unwrap();
    b.add(Indicator::parse(Kind::Regex, &format!("rx-{g}-[0-9]+z"), &src).unwrap())
        .unwrap();
    b.add(Indicator::parse(Kind::Domain, "evil.com", &src).unwrap())
        .unwrap();
    b.build().unwrap()
}

/// A line holding every generation's marker and regex target, then a domain.
/// Returns the line, the offset of each `<gen-g>` and each `rx-g-...z`, and the domain's.
fn line() -> (Vec<u8>, Vec<usize>, Vec<usize>, usize) {
    let mut l = Vec::new();
    let mut lit = Vec::new();
    let mut rx = Vec::new();
    for g in 0..GENS {
        lit.push(l.len());
        l.extend_from_slice(format!("<gen-{g}> ").as_bytes());
        rx.push(l.len());
        l.extend_from_slice(format!("rx-{g}-42z ").as_bytes());
    }
    let dom = l.len() + "GET http://".len();
    l.extend_from_slice(b"GET http://evil.com/x");
    (l, lit, rx, dom)
}

fn gen_of(db: &Database, id: IndicatorId) -> usize {
    let src = &db.indicator(id).unwrap().meta.sources[0];
    src.strip_prefix("gen-").unwrap().parse().unwrap()
}

#[test]
fn scanners_see_exactly_one_database_per_scan_and_nothing_leaks() {
    let (text, lit_at, rx_at, dom_at) = line();
    // Compiled up front (on two threads) so that the test measures the handle, not the
    // compiler competing with the scanners for the CPU.
    let mut gens: Vec<Arc<Database>> = thread::scope(|sc| {
        let half = GENS / 2;
        let a = sc.spawn(move || {
            (0..half)
                .map(|g| Arc::new(generation(g)))
                .collect::<Vec<_>>()
        });
        let b = sc.spawn(move || {
            (half..GENS)
                .map(|g| Arc::new(generation(g)))
                .collect::<Vec<_>>()
        });
        let mut v = a.join().unwrap();
        v.extend(b.join().unwrap());
        v
    });
    let weaks: Vec<Weak<Database>> = gens.iter().map(Arc::downgrade).collect();
    let mut gens = gens.drain(..);
    let shared = Arc::new(SharedDatabase::new(gens.next().unwrap()));
    let stop = Arc::new(AtomicBool::new(false));

    let scanners: Vec<_> = (0..SCANNERS)
        .map(|_| {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            let text = text.clone();
            let (lit_at, rx_at) = (lit_at.clone(), rx_at.clone());
            thread::spawn(move || {
                let mut scratch = Scratch::new(); // one scratch across every database
                let mut hits = Vec::with_capacity(8);
                let mut times = Vec::with_capacity(1 << 16);
                let mut seen = vec![0usize; GENS];
                let mut last_gen = 0;
                while !stop.load(Ordering::Acquire) {
                    hits.clear();
                    let t = Instant::now();
                    let db = shared.load();
                    db.scan_line(&text, &mut scratch, Timestamp(0), |s| {
                        hits.push((s.kind, s.span.start, s.span.end, s.indicator))
                    });
                    times.push(t.elapsed());
                    // Exactly that database's three sightings, in line order.
                    assert_eq!(hits.len(), 3, "{hits:?}");
                    let g = gen_of(&db, hits[0].3);
                    for h in &hits {
                        assert_eq!(gen_of(&db, h.3), g, "mixed generations in one scan");
                    }
                    let lit_len = format!("<gen-{g}>").len();
                    let rx_len = format!("rx-{g}-42z").len();
                    assert_eq!(
                        hits[0],
                        (Kind::Literal, lit_at[g], lit_at[g] + lit_len, hits[0].3)
                    );
                    assert_eq!(
                        hits[1],
                        (Kind::Regex, rx_at[g], rx_at[g] + rx_len, hits[1].3)
                    );
                    assert_eq!(
                        hits[2],
                        (Kind::Domain, dom_at, dom_at + "evil.com".len(), hits[2].3)
                    );
                    assert!(g >= last_gen, "generation went back from {last_gen} to {g}");
                    last_gen = g;
                    seen[g] += 1;
                    drop(db);
                }
                (times, seen, last_gen)
            })
        })
        .collect();

    // Let the scanners start, then publish every generation.
    thread::sleep(Duration::from_millis(50));
    for db in gens {
        shared.store(db); // moved: the handle holds the only strong reference
        thread::sleep(Duration::from_millis(2));
    }
    // Let every scanner scan with the last generation for a while.
    thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Release);

    let mut all_times = Vec::new();
    let mut seen_total = vec![0usize; GENS];
    for s in scanners {
        let (times, seen, last) = s.join().expect("scanner panicked");
        assert_eq!(last, GENS - 1, "each scanner ends on the last generation");
        all_times.extend(times);
        for (a, b) in seen_total.iter_mut().zip(seen) {
            *a += b;
        }
    }
    let scans: usize = seen_total.iter().sum();
    let distinct = seen_total.iter().filter(|&&n| n > 0).count();
    assert_eq!(scans, all_times.len());
    assert!(
        distinct > 2,
        "scanners should have used several generations, saw {distinct}"
    );

    // Nothing leaks: every replaced generation is freed, only the last is alive, held by
    // the handle alone.
    for (g, w) in weaks.iter().enumerate().take(GENS - 1) {
        assert!(w.upgrade().is_none(), "generation {g} still alive");
    }
    let last = weaks[GENS - 1].upgrade().expect("last generation alive");
    assert_eq!(
        Arc::strong_count(&last),
        2,
        "held by the handle and `last` only"
    );
    drop(last);
    drop(shared);
    assert!(weaks[GENS - 1].upgrade().is_none());

    // Scanners never wait for the writer: the longest scan is compared with the median. A
    // scanner blocked behind compiles or publishes would take as long as many of them.
    all_times.sort();
    let median = all_times[all_times.len() / 2];
    let max = *all_times.last().unwrap();
    println!("{scans} scans over {distinct} generations; scan time median {median:?}, max {max:?}");
    let bound = (median * 2000).max(Duration::from_secs(1));
    assert!(
        max < bound,
        "longest scan {max:?} vs median {median:?}: a scanner was blocked"
    );
}

#[test]
fn a_held_guard_blocks_neither_publishing_nor_other_readers() {
    let shared = Arc::new(SharedDatabase::new(generation(0)));
    let guard = shared.load();
    let (tx, rx) = mpsc::channel();
    let writer = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            for g in 1..=100 {
                shared.store(generation(g));
                let _ = tx.send(shared.load().len());
            }
        })
    };
    for _ in 1..=100 {
        let n = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("publishing waited for a reader holding a guard");
        assert_eq!(n, 3);
    }
    writer.join().unwrap();
    // The guard still sees generation 0; a new load sees generation 100.
    let lit = |db: &Database| db.indicator(IndicatorId(0)).unwrap().value.to_string();
    assert_eq!(lit(&guard), "<gen-0>");
    assert_eq!(lit(&shared.load()), "<gen-100>");
}

#[test]
fn one_scratch_follows_database_swaps() {
    let mk = |re: &str, lit: &str| {
        let mut b = Builder::new();
        b.add(Indicator::parse(Kind::Regex, re, "r").unwrap())
            .unwrap();
        b.add(Indicator::parse(Kind::Literal, lit, "l").unwrap())
            .unwrap();
        b.build().unwrap()
    };
    let a = mk("a[0-9]+q", "LIT-A");
    let b = mk("(b|c)[0-9]{2}q", "LIT-B");
    let none = Database::empty();
    let line = b"x a12q LIT-B c34q LIT-A b5q";
    let scan = |db: &Database, s: &mut Scratch| {
        let mut v = Vec::new();
        db.scan_line(line, s, Timestamp(0), |h| {
            v.push((h.kind, h.span.start, h.span.end))
        });
        v
    };
    let want_a = vec![(Kind::Regex, 2, 6), (Kind::Literal, 18, 23)];
    let want_b = vec![(Kind::Literal, 7, 12), (Kind::Regex, 13, 17)];
    let mut s = Scratch::new();
    for _ in 0..3 {
        assert_eq!(scan(&a, &mut s), want_a);
        assert_eq!(scan(&b, &mut s), want_b);
        assert_eq!(scan(&none, &mut s), vec![]);
        assert_eq!(scan(&b, &mut s), want_b);
        assert_eq!(scan(&a, &mut s), want_a);
    }
    // Through the shared handle too.
    let shared = SharedDatabase::new(a.clone());
    assert_eq!(scan(&shared.load(), &mut s), want_a);
    shared.store(b.clone());
    assert_eq!(scan(&shared.load(), &mut s), want_b);
}
