//! Runs every case of `tests/cases/line_cases.json` through the oracle and through
//! `Database::scan_line`; both must give exactly the case's `expect`.

mod oracle;

use linerate::{Indicator, Scratch, Where};
use oracle::{build_db, scanner_hits, Hit, Oracle};
use std::ops::ControlFlow;

fn as_rows(hits: &[Hit], inds: &[Indicator]) -> Vec<(usize, usize, String, String)> {
    let mut v: Vec<_> = hits
        .iter()
        .map(|h| {
            let val = inds
                .get(h.id)
                .map_or_else(|| format!("<bad id {}>", h.id), |i| i.value.to_string());
            (h.start, h.end, h.kind.as_str().to_string(), val)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn case_table() {
    let cases = oracle::cases::load();
    assert!(
        cases.len() >= 80,
        "the table should hold 80 cases or more, has {}",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut scratch = Scratch::new();
    for case in &cases {
        let (inds, allow) = case.lists();
        let line = case.line();
        let now = case.now();
        let mut expect: Vec<_> = case
            .expect
            .iter()
            .map(|e| (e.start, e.end, e.kind.clone(), e.indicator.clone()))
            .collect();
        expect.sort();

        let o = Oracle::new(&inds, &allow);
        let got_oracle = as_rows(&o.scan(&line, now), o.indicators());

        let db = build_db(&inds, &allow);
        let raw = scanner_hits(&db, &mut scratch, &line, now);
        let db_inds: Vec<Indicator> = db.iter().map(|r| r.to_indicator()).collect();
        let got_scan = as_rows(&raw, &db_inds);
        let ordered = raw
            .windows(2)
            .all(|w| (w[0].start, w[0].end, w[0].id) < (w[1].start, w[1].end, w[1].id));
        // Every line sighting is `Where::Line`, and stopping early yields a prefix.
        let mut all_line = true;
        db.scan_line(&line, &mut scratch, now, |s| {
            all_line &= s.where_seen == Where::Line
        });
        if !all_line {
            failures.push(format!(
                "[{}] a line sighting not marked Where::Line",
                case.name
            ));
        }
        for k in 1..raw.len().min(4) {
            let mut first = Vec::new();
            let flow = db.scan_line_until(&line, &mut scratch, now, |s| {
                first.push((s.span.start, s.span.end, s.indicator.index()));
                if first.len() == k {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            let want: Vec<_> = raw[..k].iter().map(|h| (h.start, h.end, h.id)).collect();
            if first != want || flow != ControlFlow::Break(()) {
                failures.push(format!(
                    "[{}] scan_line_until stopping after {k} gave {first:?}",
                    case.name
                ));
            }
        }

        let short = |v: &Vec<(usize, usize, String, String)>| {
            v.iter()
                .map(|(s, e, k, i)| format!("{k} {s}..{e} {i}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if got_oracle != expect {
            failures.push(format!(
                "[{}] oracle differs\n   expect: {}\n   oracle: {}",
                case.name,
                short(&expect),
                short(&got_oracle)
            ));
        }
        if got_scan != expect {
            failures.push(format!(
                "[{}] scan_line differs\n   expect: {}\n   scan:   {}",
                case.name,
                short(&expect),
                short(&got_scan)
            ));
        }
        if !ordered {
            failures.push(format!(
                "[{}] scan_line output not sorted by (start, end, id) without duplicates",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s) in {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The scanner works on 64-byte blocks of class bits: every case, shifted by 0 to 140
/// bytes of leading spaces (and followed by trailing spaces), must give the oracle's
/// answer on the shifted line, so that tokens straddling block boundaries are covered.
#[test]
fn case_table_at_every_block_offset() {
    let cases = oracle::cases::load();
    let mut scratch = Scratch::new();
    let mut failures = Vec::new();
    for case in &cases {
        let (inds, allow) = case.lists();
        let now = case.now();
        let o = Oracle::new(&inds, &allow);
        let db = build_db(&inds, &allow);
        let db_inds: Vec<Indicator> = db.iter().map(|r| r.to_indicator()).collect();
        for pad in (0..=70).chain([100, 127, 128, 129, 140]) {
            let mut line = vec![b' '; pad];
            line.extend_from_slice(&case.line());
            line.extend(std::iter::repeat_n(b' ', pad % 7));
            let want = as_rows(&o.scan(&line, now), o.indicators());
            let got = as_rows(&scanner_hits(&db, &mut scratch, &line, now), &db_inds);
            if got != want {
                failures.push(format!(
                    "[{}] pad {pad}: scanner {got:?}, oracle {want:?}",
                    case.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}",
        failures[..failures.len().min(10)].join("\n")
    );
}
