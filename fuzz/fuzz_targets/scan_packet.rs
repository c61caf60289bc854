//! Packet scan (`Database::scan_packet`) over the fixed mixed database, on arbitrary frames
//! of every link type. The first byte picks the link type and the time. Beyond "no panic":
//! spans lie inside the frame and sightings come in order of position.

#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use linerate::{Database, LinkType, Scratch};
use std::cell::RefCell;
use std::sync::OnceLock;

static DB: OnceLock<Database> = OnceLock::new();
thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Every supported `LINKTYPE_*` value (Ethernet twice: it is the common case).
const LINKS: [u32; 10] = [1, 1, 101, 113, 276, 0, 108, 9, 228, 229];

fuzz_target!(|data: &[u8]| {
    let db = DB.get_or_init(common::database);
    let (sel, frame) = match data.split_first() {
        Some((&s, rest)) => (s, rest),
        None => (0, data),
    };
    let Some(link) = LinkType::from_pcap_linktype(LINKS[usize::from(sel & 15) % LINKS.len()])
    else {
        return;
    };
    let now = common::NOWS[usize::from(sel >> 4) % common::NOWS.len()];
    SCRATCH.with(|s| {
        let mut scratch = s.borrow_mut();
        let mut last = (0, 0);
        let _ = db.scan_packet(frame, link, &mut scratch, now, |s, _flow| {
            assert!(
                s.span.start <= s.span.end && s.span.end <= frame.len(),
                "{s:?}"
            );
            assert!((s.span.start, s.span.end) >= last, "order");
            last = (s.span.start, s.span.end);
            assert_eq!(db.indicator(s.indicator).map(|i| i.kind()), Some(s.kind));
        });
    });
});
