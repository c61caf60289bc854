//! Throughput of `Database::scan_line` for 1k / 100k / 1M generated indicators over a fixed
//! generated corpus, next to the naive tokenize + `HashSet<String>` baseline measured in the
//! same run; and `Builder::build` time for the same sets.
//!
//! Run: `cargo bench --bench scan` (a few minutes on 2 cores). Filter with criterion's
//! usual argument, e.g. `cargo bench --bench scan -- scan/linerate`.
//! Sizes can be shrunk for a quick check: `LINERATE_BENCH_MB=1 LINERATE_BENCH_MAX=100000`.

#[path = "common/gen.rs"]
mod gen;
#[path = "common/naive.rs"]
mod naive;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use gen::{Corpus, GenIndicator};
use linerate::{Builder, Database, Indicator, Kind, Scratch, Timestamp};
use naive::Naive;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SEED: u64 = 0x11E_4A7E;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1000 && n % 1000 == 0 => format!("{}k", n / 1000),
        n => n.to_string(),
    }
}

fn builder_for(set: &[GenIndicator]) -> Builder {
    let mut b = Builder::new();
    for g in set {
        let Some(kind) = Kind::from_name(g.kind.tsv_type()) else {
            continue;
        };
        if let Ok(ind) = Indicator::parse(kind, &g.value, "gen") {
            let _ = b.add(ind);
        }
    }
    b
}

fn naive_for(set: &[GenIndicator]) -> Naive {
    Naive::new(set.iter().map(|g| (g.kind.tsv_type(), g.value.as_str())))
}

fn scan_linerate(db: &Database, corpus: &[u8], scratch: &mut Scratch) -> usize {
    let mut hits = 0;
    gen::for_each_line(corpus, |l| {
        db.scan_line(l, scratch, Timestamp(0), |_| hits += 1);
    });
    hits
}

fn scan_naive(n: &Naive, corpus: &[u8], key: &mut String) -> usize {
    let mut hits = 0;
    gen::for_each_line(corpus, |l| hits += n.scan(l, key));
    hits
}

fn sizes() -> Vec<usize> {
    let max = env_usize("LINERATE_BENCH_MAX", 1_000_000);
    [1000, 100_000, 1_000_000]
        .into_iter()
        .filter(|&n| n <= max)
        .collect()
}

fn benches(c: &mut Criterion) {
    let sizes = sizes();
    let max = sizes.iter().copied().max().unwrap_or(1000);
    let t = Instant::now();
    let all = gen::indicators(max, SEED);
    // Planted from the 1k prefix, so the same lines hit in every set size.
    let mb = env_usize("LINERATE_BENCH_MB", 8);
    let corpus = Corpus::generate(mb << 20, 0.001, &all[..1000.min(all.len())], SEED);
    let (d1, d2) = gen::token_density(&corpus.bytes);
    eprintln!(
        "corpus: {} bytes, {} lines, {} planted (hit rate 0.1%), {d1:.1} bytes/token ({d2:.1} with .:-); generated in {:.1?}",
        corpus.bytes.len(),
        corpus.lines,
        corpus.planted,
        t.elapsed()
    );

    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Bytes(corpus.bytes.len() as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    for &n in &sizes {
        let set = &all[..n];
        let t = Instant::now();
        let db = builder_for(set).into_database().expect("build");
        let built = t.elapsed();
        let naive = naive_for(set);
        let mut scratch = Scratch::new();
        let mut key = String::new();
        eprintln!(
            "{}: {} distinct indicators, built in {built:.1?}; sightings linerate {} / naive matches {}",
            label(n),
            db.len(),
            scan_linerate(&db, &corpus.bytes, &mut scratch),
            scan_naive(&naive, &corpus.bytes, &mut key)
        );
        g.bench_with_input(BenchmarkId::new("linerate", label(n)), &n, |b, _| {
            b.iter(|| black_box(scan_linerate(&db, &corpus.bytes, &mut scratch)))
        });
        g.bench_with_input(BenchmarkId::new("naive", label(n)), &n, |b, _| {
            b.iter(|| black_box(scan_naive(&naive, &corpus.bytes, &mut key)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("build");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for &n in &sizes {
        let b = builder_for(&all[..n]);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("linerate", label(n)), &n, |bench, _| {
            bench.iter(|| black_box(b.build().expect("build")))
        });
    }
    g.finish();
}

criterion_group!(scan, benches);
criterion_main!(scan);
