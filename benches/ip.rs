//! IPv4 membership against large prefix sets: lookups per second through the batched API
//! (`Database::contains_ipv4_batch`) and the per-address API (`Database::ip_indicators`).
//!
//! Sets: N random /32 addresses plus 1,000 networks of /8–/30 (deterministic, seeded).
//! Queries: 1M addresses, either random (mostly misses; about a third fall in one of the
//! /8–/15 networks) or drawn from the set (hits). `single/*` goes through
//! `ip_indicators`, which reports every covering network (the scanners' path).
//! Run: `cargo bench --bench ip` (LINERATE_BENCH_MAX=100000 to skip the 1M set).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use linerate::{Builder, Indicator, Kind, Timestamp};
use std::hint::black_box;
use std::net::Ipv4Addr;

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn build(n: usize, seed: u64) -> (linerate::Database, Vec<Ipv4Addr>) {
    let mut st = seed;
    let mut b = Builder::new();
    let mut present = Vec::with_capacity(n);
    for _ in 0..n {
        let a = Ipv4Addr::from(splitmix(&mut st) as u32);
        present.push(a);
        let _ = b.add(Indicator::parse(Kind::Ip, &a.to_string(), "bench").unwrap());
    }
    for k in 0..1000 {
        let len = 8 + (k % 23) as u8;
        let a = u32::from(Ipv4Addr::from(splitmix(&mut st) as u32)) & (u32::MAX << (32 - len));
        let _ = b.add(
            Indicator::parse(Kind::Ip, &format!("{}/{len}", Ipv4Addr::from(a)), "bench").unwrap(),
        );
    }
    (b.into_database().unwrap(), present)
}

fn bench(c: &mut Criterion) {
    let max: usize = std::env::var("LINERATE_BENCH_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut g = c.benchmark_group("ipv4");
    g.sample_size(10)
        .measurement_time(std::time::Duration::from_secs(3));
    for &n in [1_000usize, 100_000, 1_000_000]
        .iter()
        .filter(|&&n| n <= max)
    {
        let (db, present) = build(n, 7);
        eprintln!(
            "ipv4 set of {n} /32 + 1,000 networks: database {:.1} MB (memory_estimate)",
            db.memory_estimate() as f64 / 1e6
        );
        let mut st = 99u64;
        let random: Vec<Ipv4Addr> = (0..1_000_000)
            .map(|_| Ipv4Addr::from(splitmix(&mut st) as u32))
            .collect();
        let hits: Vec<Ipv4Addr> = (0..1_000_000)
            .map(|i| present[(splitmix(&mut st) as usize + i) % present.len()])
            .collect();
        let mut out = vec![false; random.len()];
        g.throughput(Throughput::Elements(random.len() as u64));
        for (name, q) in [("random", &random), ("present", &hits)] {
            g.bench_with_input(BenchmarkId::new(format!("batch/{name}"), n), q, |bch, q| {
                bch.iter(|| {
                    db.contains_ipv4_batch(q, Timestamp(0), &mut out);
                    black_box(&out);
                })
            });
        }
        for (name, q) in [("random", &random), ("present", &hits)] {
            g.bench_with_input(
                BenchmarkId::new(format!("single/{name}"), n),
                q,
                |bch, q| {
                    bch.iter(|| {
                        let mut k = 0usize;
                        for a in q.iter() {
                            db.ip_indicators(std::net::IpAddr::V4(*a), None, Timestamp(0), |_| {
                                k += 1
                            });
                        }
                        black_box(k)
                    })
                },
            );
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
