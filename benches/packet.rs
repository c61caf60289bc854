//! Packet scanning throughput: an in-memory replay of every frame of the real captures in
//! `data/pcap/` (loaded first), against large indicator sets, one core.
//!
//! ```text
//! cargo bench --bench packet
//! ```
//!
//! Databases: the real combined feed (`data/intel/combined-indicators.tsv.gz`, ~2.4 M rows,
//! through the plain loader), the same without its 27 regexes, and 1 M generated mixed
//! indicators (deterministic), plus an empty database (decode cost only). Skips with a
//! message when the data folder is absent.

#[path = "common/frames.rs"]
mod frames;
#[path = "../examples/pcap_sensor.rs"]
#[allow(dead_code)]
mod sensor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use linerate::feed::{self, LoadOptions};
use linerate::{Builder, Database, Indicator, Kind, LinkType, Meta, Scratch, Timestamp, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

fn data_dir() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [root.join("../shared/data"), root.join("../../shared/data")]
        .into_iter()
        .find(|p| p.join("pcap").is_dir())
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn label(&mut self) -> String {
        let n = 3 + self.next() % 10;
        (0..n)
            .map(|_| b"abcdefghijklmnopqrstuvwxyz0123456789"[(self.next() % 36) as usize] as char)
            .collect()
    }
}

/// `n` mixed indicators: 40% domains, 25% IPv4 addresses, 10% IPv4:port, 5% CIDRs
/// (/16–/30), 5% IPv6, 15% URLs.
fn generated(n: usize) -> Database {
    let mut r = Rng(42);
    let mut b = Builder::new();
    let tlds = ["com", "net", "org", "ru", "cn", "info", "xyz", "top"];
    for i in 0..n {
        let (kind, text) = match i % 20 {
            0..=7 => (
                Kind::Domain,
                format!("{}.{}", r.label(), tlds[(r.next() % 8) as usize]),
            ),
            8..=12 => (
                Kind::Ip,
                std::net::Ipv4Addr::from(r.next() as u32).to_string(),
            ),
            13 | 14 => (
                Kind::Ip,
                format!(
                    "{}:{}",
                    std::net::Ipv4Addr::from(r.next() as u32),
                    1 + r.next() % 65535
                ),
            ),
            15 => {
                let len = 16 + (r.next() % 15) as u8;
                let a = (r.next() as u32) & (u32::MAX << (32 - len));
                (Kind::Ip, format!("{}/{len}", std::net::Ipv4Addr::from(a)))
            }
            16 => (
                Kind::Ip,
                std::net::Ipv6Addr::from(u128::from(r.next()) << 64 | u128::from(r.next()))
                    .to_string(),
            ),
            _ => (
                Kind::Url,
                format!(
                    "{}.{}/{}/{}.php?id={}",
                    r.label(),
                    tlds[(r.next() % 8) as usize],
                    r.label(),
                    r.label(),
                    r.next() % 1000
                ),
            ),
        };
        if let Ok(v) = Value::parse(kind, &text) {
            let _ = b.add(Indicator::new(v, Meta::source("generated")));
        }
    }
    // A few that the captures hit.
    for d in ["wikimedia.org", "google.com", "example.com", "evil.com"] {
        b.add(Indicator::parse(Kind::Domain, d, "hits").unwrap())
            .unwrap();
    }
    b.into_database().unwrap()
}

fn combined(data: &Path, with_regexes: bool) -> Option<Database> {
    let gz = std::fs::read(data.join("intel/combined-indicators.tsv.gz")).ok()?;
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut text)
        .ok()?;
    let loaded = feed::load(&text, &LoadOptions::new("combined")).ok()?;
    let mut b = Builder::new();
    for i in loaded.indicators {
        if with_regexes || i.kind() != Kind::Regex {
            b.add(i).ok()?;
        }
    }
    b.into_database().ok()
}

fn replay(db: &Database, frames: &[(LinkType, Vec<u8>)], scratch: &mut Scratch) -> u64 {
    let mut n = 0u64;
    for (link, f) in frames {
        db.scan_packet(f, *link, scratch, Timestamp(1_700_000_000), |_, _| n += 1);
    }
    n
}

fn bench(c: &mut Criterion) {
    let Some(data) = data_dir() else {
        eprintln!("skipped: no shared/data folder next to the crate");
        return;
    };
    let frames = match frames::frames(&data.join("pcap")) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("skipped: {e}");
            return;
        }
    };
    let bytes: usize = frames.iter().map(|f| f.1.len()).sum();
    eprintln!("{} frames, {} bytes in memory", frames.len(), bytes);
    let mut dbs = vec![("empty", Database::empty())];
    let t = std::time::Instant::now();
    dbs.push(("generated-1M", generated(1_000_000)));
    eprintln!(
        "generated-1M: {} indicators, built in {:.1?}",
        dbs[1].1.len(),
        t.elapsed()
    );
    for (name, rx) in [("combined", true), ("combined-no-regex", false)] {
        let t = std::time::Instant::now();
        if let Some(db) = combined(&data, rx) {
            eprintln!(
                "{name}: {} indicators, built in {:.1?}",
                db.len(),
                t.elapsed()
            );
            dbs.push((name, db));
        }
    }
    let mut g = c.benchmark_group("packet-replay");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.sample_size(20);
    for (name, db) in &dbs {
        let mut scratch = Scratch::new();
        eprintln!(
            "{name}: {} sightings per replay",
            replay(db, &frames, &mut scratch)
        );
        g.bench_function(*name, |b| b.iter(|| replay(db, &frames, &mut scratch)));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
