//! Building small databases in tests: indicators parsed from text, with or without the
//! line prefilter.

#![allow(dead_code)] // each test binary uses part of it

use linerate::{Builder, Database, Indicator, Kind, Limits};

/// A database of `inds`; without the line prefilter when `prefilter` is false.
pub fn build(inds: &[Indicator], prefilter: bool) -> Database {
    let mut b = Builder::new();
    if !prefilter {
        b.limits(Limits {
            line_prefilter_max: 0,
            ..Limits::default()
        });
    }
    for i in inds {
        b.add(i.clone()).expect("add");
    }
    b.build().expect("build")
}

/// The indicator `v` of `kind`, from source `t`.
pub fn ind(kind: Kind, v: &str) -> Indicator {
    Indicator::parse(kind, v, "t").unwrap_or_else(|e| panic!("{v}: {e}"))
}
