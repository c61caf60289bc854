//! `feed::load_into` (indicators streamed into a builder) gives the same database and report
//! as `feed::load` followed by `Loaded::add_to`, on every feed fixture.

use linerate::feed::{self, LoadOptions};
use linerate::{Builder, Database, ErrorKind, Indicator, Kind, Limits};
use std::path::Path;

/// Every indicator and allowlist entry, in id order, as owned values.
fn contents(db: &Database) -> (Vec<Indicator>, Vec<Indicator>) {
    (
        db.iter().map(|r| r.to_indicator()).collect(),
        db.allowlist().map(|r| r.to_indicator()).collect(),
    )
}

#[test]
fn load_into_matches_load_then_add_on_every_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 20, "fixtures missing: {files:?}");
    let (mut compared, mut errors, mut with_allow) = (0, 0, 0);
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let opts = LoadOptions::new("fx");
        // Start from a non-empty builder: load_into adds to what is there.
        let seed = || {
            let mut b = Builder::new();
            b.add(Indicator::parse(Kind::Domain, "already.example", "seed").unwrap())
                .unwrap();
            b
        };
        let mut streamed = seed();
        let got = feed::load_into(&bytes, &opts, &mut streamed);
        let want = feed::load(&bytes, &opts);
        match (got, want) {
            (Ok(report), Ok(loaded)) => {
                assert_eq!(report, loaded.report, "{}", path.display());
                let mut collected = seed();
                loaded.add_to(&mut collected).unwrap();
                let (a, b) = (streamed.build().unwrap(), collected.build().unwrap());
                assert_eq!(contents(&a), contents(&b), "{}", path.display());
                assert!(a.len() > 1 || a.allow_len() > 0, "{}", path.display());
                with_allow += usize::from(a.allow_len() > 0);
                compared += 1;
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string());
                // The builder is given back after an error.
                assert_eq!(streamed.len(), 1, "{}", path.display());
                errors += 1;
            }
            (a, b) => panic!("{}: {a:?} vs {:?}", path.display(), b.map(|l| l.report)),
        }
    }
    assert!(compared >= 15 && with_allow >= 3, "{compared} {with_allow}");
    assert!(errors >= 1, "no fixture is a bad feed any more");
}

#[test]
fn load_into_stops_at_the_first_builder_error_and_keeps_the_builder() {
    let mut b = Builder::new();
    b.limits(Limits {
        max_indicators: 2,
        ..Limits::default()
    });
    let text = b"a.example\nb.example\na.example\nc.example\nd.example\n";
    let e = feed::load_into(text, &LoadOptions::new("list"), &mut b).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LimitExceeded);
    assert_eq!(b.len(), 2);
    let db = b.build().unwrap();
    let names: Vec<String> = db.iter().map(|r| r.value.into_owned()).collect();
    assert_eq!(names, ["a.example", "b.example"]);
    // A feed that is not its format at all is an error before anything is added.
    let mut b = Builder::new();
    let opts = LoadOptions {
        format: Some(feed::Format::Stix),
        ..LoadOptions::new("not-json")
    };
    let e = feed::load_into(b"evil.example\n", &opts, &mut b).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadFeed);
    assert!(b.is_empty());
}

#[test]
fn load_path_into_matches_load_path_then_add_for_files_and_directories() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
    for path in [dir.clone(), dir.join("mispfeed"), dir.join("zeek.intel")] {
        let opts = LoadOptions::new("fx");
        let mut streamed = Builder::new();
        let report = feed::fs::load_path_into(&path, &opts, &mut streamed).unwrap();
        let loaded = feed::fs::load_path(&path, &opts).unwrap();
        assert_eq!(report, loaded.report, "{}", path.display());
        let mut collected = Builder::new();
        loaded.add_to(&mut collected).unwrap();
        let (a, b) = (streamed.build().unwrap(), collected.build().unwrap());
        assert!(!a.is_empty(), "{}", path.display());
        assert_eq!(contents(&a), contents(&b), "{}", path.display());
    }
    // The whole directory: bad files are skipped, allowlists and indicators both land.
    let mut b = Builder::new();
    let report = feed::fs::load_path_into(&dir, &LoadOptions::new("fx"), &mut b).unwrap();
    assert!(report.skipped_count > 0 && report.allow > 0 && report.total() > 50);
    assert!(b.allow_len() > 0);
    // A missing path is an error and leaves the builder as it was.
    let mut b = Builder::new();
    b.add(Indicator::parse(Kind::Domain, "kept.example", "seed").unwrap())
        .unwrap();
    assert!(feed::fs::load_path_into(&dir.join("absent"), &LoadOptions::new("x"), &mut b).is_err());
    assert_eq!(b.len(), 1);
}
