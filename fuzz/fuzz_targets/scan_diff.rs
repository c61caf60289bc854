//! Differential: `Database::scan_line` against the reference matcher of `tests/oracle`
//! (every token enumerated by plain loops, compared with every indicator).
//!
//! Input: an optional first line of extra indicators (`KIND:VALUE` or a bare value whose kind
//! is inferred, separated by tabs; up to 8), then the line to scan. Without extras, the fixed
//! mixed set of `common` is used (built once); with extras, the fixed set plus the extras. The
//! second byte picks the time, the third the fixed set: `common::lists`, or
//! `common::lists_prefiltered`, whose database has the line prefilter. The scanner and the
//! oracle must report exactly the same (span, indicator) pairs. With the fixed set, the
//! bytes are also scanned as a block of lines (`Database::scan_lines`), which must report
//! what `scan_line` reports line by line.

#![no_main]

#[path = "../common/mod.rs"]
mod common;
#[path = "../../tests/oracle/mod.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;
use linerate::{Database, Indicator, Kind, Meta, Scratch, Value};
use oracle::{block_lines, build_db, render, scanner_hits, Oracle};
use std::sync::OnceLock;

struct Fixed {
    inds: Vec<Indicator>,
    allow: Vec<Indicator>,
    db: Database,
    oracle: Oracle,
}

static FIXED: OnceLock<Fixed> = OnceLock::new();
static PREFILTERED: OnceLock<Fixed> = OnceLock::new();

fn fixed((inds, allow): (Vec<Indicator>, Vec<Indicator>)) -> Fixed {
    let db = build_db(&inds, &allow);
    let oracle = Oracle::new(&inds, &allow);
    Fixed {
        inds,
        allow,
        db,
        oracle,
    }
}

fn extra(tok: &str) -> Option<Indicator> {
    let (kind, text) = match tok.split_once(':') {
        Some((k, v)) if Kind::from_name(k).is_some() => (Kind::from_name(k), v),
        _ => (None, tok),
    };
    let value = match kind {
        Some(k) => Value::parse(k, text).ok()?,
        None => Value::infer(text).ok()?,
    };
    Some(Indicator::new(value, Meta::source("extra")))
}

fuzz_target!(|data: &[u8]| {
    let fixed = if data.get(2).is_some_and(|b| b % 2 == 1) {
        PREFILTERED.get_or_init(|| {
            let f = fixed(common::lists_prefiltered());
            assert!(f.db.memory_report().get("line prefilter") > 0);
            f
        })
    } else {
        FIXED.get_or_init(|| fixed(common::lists()))
    };
    let (head, line) = match memchr_nl(data) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let now = common::NOWS[usize::from(data.get(1).copied().unwrap_or(0)) % common::NOWS.len()];
    let extras: Vec<Indicator> = std::str::from_utf8(head)
        .ok()
        .map(|h| {
            h.split('\t')
                .filter(|t| !t.is_empty())
                .take(8)
                .filter_map(extra)
                .collect()
        })
        .unwrap_or_default();
    let mut scratch = Scratch::new();
    if extras.is_empty() {
        let mut by_line = Vec::new();
        for (i, l) in block_lines(line).into_iter().enumerate() {
            fixed.db.scan_line(l, &mut scratch, now, |s| {
                by_line.push((i as u64, l.to_vec(), s.span.start, s.span.end, s.indicator))
            });
        }
        let mut block = Vec::new();
        fixed.db.scan_lines(line, &mut scratch, now, |i, l, s| {
            block.push((i, l.to_vec(), s.span.start, s.span.end, s.indicator))
        });
        assert_eq!(block, by_line, "scan_lines and scan_line disagree");
    }
    let (got, want, inds) = if extras.is_empty() {
        let got = scanner_hits(&fixed.db, &mut scratch, line, now);
        let want = fixed.oracle.scan(line, now);
        (got, want, fixed.oracle.indicators().to_vec())
    } else {
        let mut inds = fixed.inds.clone();
        inds.extend(extras);
        let mut b = linerate::Builder::new();
        for i in &inds {
            if b.add(i.clone()).is_err() {
                return; // a regex over its size limit: not this target's business
            }
        }
        for a in &fixed.allow {
            b.add_allow(a.clone()).expect("allow");
        }
        let Ok(db) = b.build() else { return };
        let o = Oracle::new(&inds, &fixed.allow);
        let got = scanner_hits(&db, &mut scratch, line, now);
        let want = o.scan(line, now);
        (got, want, o.indicators().to_vec())
    };
    let mut got_sorted = got.clone();
    got_sorted.sort();
    if got_sorted != want {
        panic!(
            "scan_line and the oracle disagree on {:?} at {:?}\nscan_line: {:#?}\noracle:    {:#?}",
            String::from_utf8_lossy(line),
            now,
            render(&got, &inds),
            render(&want, &inds)
        );
    }
});

fn memchr_nl(d: &[u8]) -> Option<usize> {
    d.iter().position(|&b| b == b'\n')
}
