//! Line scan over a fixed database of every kind (with an allowlist and validity windows) on
//! arbitrary bytes. The first byte picks the time and the early-stop point. Beyond "no
//! panic": spans lie inside the line, sightings come in order of position, once per
//! (span, indicator), with the indicator's kind; `scan_line_until` stopping after k sightings
//! reports exactly the first k; `scan_line_chunked` with a piece at least as long as the line
//! equals `scan_line`, and with small pieces keeps the same invariants. The scratch is reused
//! across inputs, as a sensor does.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use linerate::{Database, Scratch, Sighting, Where};
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::sync::OnceLock;

static DB: OnceLock<Database> = OnceLock::new();
thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

fn check(db: &Database, line: &[u8], out: &[Sighting]) {
    let mut prev: Option<&Sighting> = None;
    for s in out {
        assert!(
            s.span.start < s.span.end && s.span.end <= line.len(),
            "{s:?}"
        );
        assert_eq!(s.where_seen, Where::Line);
        assert_eq!(db.indicator(s.indicator).map(|i| i.kind()), Some(s.kind));
        if let Some(p) = prev {
            assert!(
                (p.span.start, p.span.end) <= (s.span.start, s.span.end),
                "order"
            );
            assert!(
                (p.span, p.indicator) != (s.span, s.indicator),
                "duplicate {s:?}"
            );
        }
        prev = Some(s);
    }
}

fuzz_target!(|data: &[u8]| {
    let db = DB.get_or_init(common::database);
    let sel = usize::from(data.first().copied().unwrap_or(0));
    let now = common::NOWS[sel % common::NOWS.len()];
    SCRATCH.with(|cell| {
        let scratch = &mut *cell.borrow_mut();
        let mut out = Vec::new();
        db.scan_line(data, scratch, now, |s| out.push(*s));
        check(db, data, &out);

        let k = (sel / 3) % (out.len() + 1);
        let mut first = Vec::new();
        let r = db.scan_line_until(data, scratch, now, |s| {
            first.push(*s);
            if first.len() > k {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(r.is_break(), out.len() > k);
        assert_eq!(first[..], out[..(k + 1).min(out.len())]);

        let mut whole = Vec::new();
        db.scan_line_chunked(data, scratch, now, data.len(), |s| whole.push(*s));
        assert_eq!(whole, out, "chunked with one piece");

        let piece = 1024 + (sel % 4) * 100;
        let mut chunked = Vec::new();
        db.scan_line_chunked(data, scratch, now, piece, |s| chunked.push(*s));
        check(db, data, &chunked);
    });
});
