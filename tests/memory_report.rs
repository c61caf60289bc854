//! `Database::memory_report`: the per-structure figures follow the documented costs, and
//! the builder's two ways to build (copy or consume) give the same database.

use linerate::compile::MemoryReport;
use linerate::{Builder, Database, Indicator, Kind, Scratch, Timestamp};

fn domains(n: usize, sources: &[&str]) -> Builder {
    let mut b = Builder::new();
    for i in 0..n {
        let src = sources[i % sources.len()];
        b.add(Indicator::parse(Kind::Domain, &format!("host{i}.example.com"), src).unwrap())
            .unwrap();
    }
    b
}

fn hits(db: &Database, line: &str) -> Vec<String> {
    let mut s = Scratch::new();
    let mut out = Vec::new();
    db.scan_line(line.as_bytes(), &mut s, Timestamp(0), |x| {
        out.push(db.indicator(x.indicator).unwrap().value.into_owned())
    });
    out
}

#[test]
fn figures_follow_the_documented_costs() {
    let n = 10_000;
    let db = domains(n, &["one-feed"]).into_database().unwrap();
    let r = db.memory_report();
    let text: usize = (0..n).map(|i| format!("host{i}.example.com").len()).sum();
    assert_eq!(r.strings(), text);
    assert_eq!(r.get("store: offsets"), 4 * n);
    assert_eq!(r.get("store: kinds"), n);
    // One metadata for all: no per-indicator id at all.
    assert_eq!(r.get("store: metadata ids"), 0);
    // Slots only (8 bytes at a load factor of 0.35 to 0.7), no copy of the keys.
    let table = r.get("table: domains");
    assert!(
        (n * 8 * 10 / 7..=n * 8 * 100 / 35).contains(&table),
        "{table}"
    );
    assert_eq!(r.get("table: urls") + r.get("ip set"), 0);
    assert!(r.get("filter: domains") > 0);
    assert_eq!(r.total(), r.parts.iter().map(|p| p.1).sum::<usize>());
    assert_eq!(r.total(), r.strings() + r.beyond_strings());
    // The line prefilter (a copy of each witness, here the domain, and about 80 bytes per
    // witness: 4 grams of 4 bytes of bitset, 4 of key, 4 of reference and 4 to 12 of
    // slot, its end and its kind).
    let pre = r.get("line prefilter");
    assert!((text + n * 60..text + n * 100).contains(&pre), "{r}");
    assert!(r.beyond_strings() - pre < n * 40, "{r}");
    let shown = r.to_string();
    assert!(shown.contains("table: domains") && shown.contains("beyond strings"));
    assert_eq!(
        hits(&db, "GET http://x.host77.example.com/"),
        ["host77.example.com"]
    );
    assert!(hits(&db, "host77.example.org").is_empty());

    // Two metadata: one byte per indicator.
    let db = domains(n, &["a", "b"]).into_database().unwrap();
    assert_eq!(db.memory_report().get("store: metadata ids"), n);
    assert_eq!(
        db.indicator(linerate::IndicatorId(3)).unwrap().meta.sources,
        ["b"]
    );
    assert_eq!(MemoryReport::default().total(), 0);
}

#[test]
fn build_and_into_database_give_the_same_database() {
    let mut b = domains(3000, &["a", "b", "c"]);
    b.add(Indicator::parse(Kind::Domain, "exact.example", "a").unwrap())
        .unwrap();
    b.add(Indicator::parse(Kind::Sha256, &"ab".repeat(32), "a").unwrap())
        .unwrap();
    b.add(Indicator::parse(Kind::Ip, "10.0.0.0/8", "a").unwrap())
        .unwrap();
    let copy = b.build().unwrap();
    let consumed = b.clone().into_database().unwrap();
    assert_eq!(copy.memory_report(), consumed.memory_report());
    let line = format!("host5.example.com 10.1.2.3 {}", "ab".repeat(32));
    let mut want = hits(&copy, &line);
    let mut got = hits(&consumed, &line);
    want.sort();
    got.sort();
    assert_eq!(want.len(), 3, "{want:?}");
    assert_eq!(want, got);
    // The builder is kept and still deduplicates.
    b.add(Indicator::parse(Kind::Domain, "host5.example.com", "z").unwrap())
        .unwrap();
    assert_eq!(b.len(), copy.len());
    let rebuilt = b.build().unwrap();
    assert_eq!(
        rebuilt
            .iter()
            .find(|r| r.value == "host5.example.com")
            .unwrap()
            .meta
            .sources,
        ["c", "z"]
    );
}
