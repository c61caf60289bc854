//! Feed loaders: `feed::load` with every format of `Format::ALL` forced, and with the format
//! detected, on arbitrary bytes. The first byte picks the format (0 = detect) and the
//! exact-domains option. Beyond "no panic": the report's counts agree with what was returned,
//! and what was loaded builds into a database.

#![no_main]

use libfuzzer_sys::fuzz_target;
use linerate::feed::{self, Format, LoadOptions};
use linerate::Builder;

fuzz_target!(|data: &[u8]| {
    let (sel, body) = match data.split_first() {
        Some((&s, rest)) => (s, rest),
        None => (0, data),
    };
    let n = Format::ALL.len();
    let mut opts = LoadOptions::new("fuzz");
    opts.exact_domains = sel & 0x80 != 0;
    let idx = usize::from(sel & 0x7f) % (n + 1);
    opts.format = idx.checked_sub(1).and_then(|i| Format::ALL.get(i).copied());
    let _ = feed::detect(body);
    let Ok(loaded) = feed::load(body, &opts) else {
        return;
    };
    let r = &loaded.report;
    assert_eq!(r.total(), loaded.indicators.len(), "report counts");
    assert_eq!(r.allow, loaded.allow.len(), "report allowlist count");
    assert!(r.skipped.len() <= r.skipped_count);
    assert!(r.skipped.len() <= feed::LoadReport::MAX_DETAILS);
    let _ = r.to_string();
    for s in &r.skipped {
        let _ = s.to_string();
    }
    let mut b = Builder::new();
    if loaded.add_to(&mut b).is_ok() {
        let _ = b.build();
    }
});
