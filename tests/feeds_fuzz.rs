//! Property tests: no loader panics on random bytes or on random mutations of the fixtures,
//! whatever the format it is forced to read them as (or the detected one), and every load
//! report is consistent with what was loaded.

use linerate::feed::{self, stix_pattern, Format, LoadOptions};
use proptest::prelude::*;
use std::path::Path;

const FIXTURES: &[&str] = &[
    "plain.txt",
    "combined.tsv",
    "hosts.txt",
    "urlhaus.csv",
    "threatfox.csv",
    "feodo.csv",
    "drop.txt",
    "drop_v4.json",
    "zeek.intel",
    "stix21_bundle.json",
    "stix20_array.json",
    "taxii_envelope.json",
    "misp_event.json",
    "misp_response.json",
    "wl_regex.json",
    "wl_string.json",
    "mispfeed/manifest.json",
];

fn fixture(i: usize) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
    std::fs::read(dir.join(FIXTURES[i % FIXTURES.len()])).unwrap()
}

fn check_all_formats(bytes: &[u8]) {
    let _ = feed::detect(bytes);
    let mut formats: Vec<Option<Format>> = Format::ALL.iter().copied().map(Some).collect();
    formats.push(None);
    for f in formats {
        let opts = LoadOptions {
            format: f,
            ..LoadOptions::new("fuzz")
        };
        if let Ok(l) = feed::load(bytes, &opts) {
            assert_eq!(l.report.total(), l.indicators.len());
            assert_eq!(l.report.allow, l.allow.len());
            assert!(l.report.skipped.len() <= l.report.skipped_count);
        }
    }
    let _ = feed::load_misp_feed(
        bytes,
        &mut |_| Some(bytes.to_vec()),
        &LoadOptions::new("fuzz"),
    );
}

/// A mutation: (position, kind, byte).
fn mutate(mut b: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(pos, kind, byte) in edits {
        if b.is_empty() {
            b.push(byte);
            continue;
        }
        let p = pos % b.len();
        match kind % 6 {
            0 => b[p] = byte,
            1 => b.insert(p, byte),
            2 => {
                b.remove(p);
            }
            3 => b.truncate(p),
            4 => {
                // A multi-byte character: boundaries inside UTF-8 sequences.
                b.splice(p..p, "é€".bytes().take(1 + usize::from(byte % 5)));
            }
            _ => {
                // Duplicate a slice (nested structures, repeated lines).
                let end = (p + usize::from(byte)).min(b.len());
                let s = b[p..end].to_vec();
                b.splice(p..p, s);
            }
        }
    }
    b
}

const SPECIAL: &[u8] = b"\"'[]{}(),:;|\\/\t\n\r #%_-.0123456789abcdefxAZ";

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_all_formats(&bytes);
    }

    #[test]
    fn random_structured_bytes_never_panic(
        idx in proptest::collection::vec(0..SPECIAL.len(), 0..300)
    ) {
        let bytes: Vec<u8> = idx.into_iter().map(|i| SPECIAL[i]).collect();
        check_all_formats(&bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)
    ) {
        let b = mutate(fixture(which), &edits);
        check_all_formats(&b);
    }

    #[test]
    fn random_patterns_never_panic(
        idx in proptest::collection::vec(0..TOKENS.len(), 0..40)
    ) {
        let p: String = idx.into_iter().map(|i| TOKENS[i]).collect::<Vec<_>>().join(" ");
        let _ = stix_pattern::compile_pattern(&p);
    }
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "(",
    ")",
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "WITHIN",
    "5",
    "SECONDS",
    "REPEATS",
    "TIMES",
    "START",
    "STOP",
    "t'2024-01-01T00:00:00Z'",
    "ipv4-addr:value",
    "domain-name:value",
    "url:value",
    "file:hashes.'SHA-256'",
    "network-traffic:dst_ref.value",
    "network-traffic:dst_port",
    "=",
    "!=",
    "IN",
    "LIKE",
    "MATCHES",
    "ISSUBSET",
    "ISSUPERSET",
    "EXISTS",
    "'1.2.3.4'",
    "'10.0.0.0/8'",
    "'%.evil.com'",
    "'^a$'",
    "'x",
    "443",
    ",",
    "h'ff'",
    "b'AA=='",
    "true",
    "/*",
    "*/",
    "'\\'",
    "'('",
];
