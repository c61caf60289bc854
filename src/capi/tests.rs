//! Rust-side tests of the FFI functions: codes, messages, NULL handling, out-params left
//! untouched on failure, and agreement with the Rust API. (The C side is exercised by
//! `tests/capi.rs`, which compiles and runs the programs in `examples/c/`.)

use super::*;
use crate::{Builder, Indicator, Kind, Scratch, Timestamp};
use std::ffi::{c_int, c_void, CStr, CString};
use std::ptr::{null, null_mut};

use lr_result::*;

fn cstr(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the API returns NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
}

struct B(*mut lr_builder);

impl B {
    fn new() -> B {
        let mut p = null_mut();
        // SAFETY: valid out-pointer.
        assert_eq!(unsafe { lr_builder_new(&mut p) }, LR_OK);
        assert!(!p.is_null());
        B(p)
    }
    fn add(&self, kind: lr_kind, v: &str, meta: Option<&lr_meta>) -> (lr_result, u32) {
        let mut id = u32::MAX;
        let m = meta.map_or(null(), |m| m as *const lr_meta);
        // SAFETY: live builder, valid value bytes, meta and out-pointer.
        let r =
            unsafe { lr_builder_add(self.0, kind as u32, v.as_ptr().cast(), v.len(), m, &mut id) };
        (r, id)
    }
    fn error(&self) -> String {
        // SAFETY: live builder.
        cstr(unsafe { lr_builder_last_error(self.0) })
    }
    fn compile(&self) -> Db {
        let mut d = null();
        // SAFETY: live builder, valid out-pointer.
        assert_eq!(
            unsafe { lr_builder_compile(self.0, &mut d) },
            LR_OK,
            "{}",
            self.error()
        );
        Db(d)
    }
}

impl Drop for B {
    fn drop(&mut self) {
        // SAFETY: from lr_builder_new, freed once.
        unsafe { lr_builder_free(self.0) }
    }
}

struct Db(*const lr_database);

impl Drop for Db {
    fn drop(&mut self) {
        // SAFETY: one reference, released once.
        unsafe { lr_database_free(self.0) }
    }
}

fn meta(source: &CStr, reference: Option<&CStr>) -> lr_meta {
    lr_meta {
        source: source.as_ptr(),
        reference: reference.map_or(null(), CStr::as_ptr),
        flags: 0,
        valid_from: 0,
        valid_until: 0,
    }
}

unsafe extern "C" fn collect(s: *const lr_sighting, ud: *mut c_void) -> c_int {
    // SAFETY: the scanner passes a valid sighting and our Vec as userdata.
    unsafe { (*ud.cast::<Vec<lr_sighting>>()).push(*s) };
    0
}

unsafe extern "C" fn stop_first(s: *const lr_sighting, ud: *mut c_void) -> c_int {
    // SAFETY: as in `collect`.
    unsafe { (*ud.cast::<Vec<lr_sighting>>()).push(*s) };
    1
}

fn scan(db: &Db, line: &[u8], now: i64, cb: lr_callback) -> (lr_result, Vec<lr_sighting>) {
    let mut sc = null_mut();
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { lr_scratch_new(&mut sc) }, LR_OK);
    let mut out: Vec<lr_sighting> = Vec::new();
    // SAFETY: live database and scratch, valid line, our Vec as userdata.
    let r = unsafe {
        lr_scan_line(
            db.0,
            sc,
            line.as_ptr().cast(),
            line.len(),
            now,
            cb,
            (&mut out as *mut Vec<lr_sighting>).cast(),
        )
    };
    // SAFETY: from lr_scratch_new, freed once.
    unsafe { lr_scratch_free(sc) };
    (r, out)
}

fn value(db: &Db, id: u32) -> Vec<u8> {
    let (mut p, mut l) = (null(), 0usize);
    // SAFETY: live database, valid out-pointers.
    assert_eq!(
        unsafe { lr_database_indicator_value(db.0, id, &mut p, &mut l) },
        LR_OK
    );
    // SAFETY: lent bytes valid while the database lives.
    unsafe { std::slice::from_raw_parts(p.cast::<u8>(), l) }.to_vec()
}

fn lent(db: &Db, id: u32, refs: bool) -> Vec<String> {
    let mut info = std::mem::MaybeUninit::<lr_indicator>::uninit();
    // SAFETY: live database, valid out-pointer.
    assert_eq!(
        unsafe { lr_database_indicator(db.0, id, info.as_mut_ptr()) },
        LR_OK
    );
    // SAFETY: written on LR_OK.
    let info = unsafe { info.assume_init() };
    let n = if refs {
        info.ref_count
    } else {
        info.source_count
    };
    (0..n)
        .map(|i| {
            let (mut p, mut l) = (null(), 0usize);
            // SAFETY: live database, valid out-pointers.
            let r = unsafe {
                if refs {
                    lr_database_indicator_ref(db.0, id, i, &mut p, &mut l)
                } else {
                    lr_database_indicator_source(db.0, id, i, &mut p, &mut l)
                }
            };
            assert_eq!(r, LR_OK);
            // SAFETY: lent bytes valid while the database lives.
            let b = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), l) };
            String::from_utf8(b.to_vec()).unwrap()
        })
        .collect()
}

#[test]
fn messages_and_names() {
    for (i, r) in RESULTS.iter().enumerate() {
        assert_eq!(*r as u32, i as u32, "codes are dense and stable");
        let m = cstr(lr_result_message(*r as u32));
        assert!(!m.is_empty() && !m.ends_with('.'), "{m}");
    }
    assert_eq!(
        cstr(lr_result_message(LR_NULL_ARGUMENT as u32)),
        "a required pointer argument was null"
    );
    assert_eq!(cstr(lr_result_message(9999)), "unknown result code");
    for k in Kind::ALL {
        assert_eq!(cstr(lr_kind_name(lr_kind::from(k) as u32)), k.as_str());
    }
    assert_eq!(Kind::ALL.len(), LR_KIND_COUNT);
    assert!(lr_kind_name(LR_KIND_COUNT as u32).is_null());
    for w in WHERES {
        assert_eq!(cstr(lr_where_name(lr_where::from(w) as u32)), w.as_str());
    }
    assert!(lr_where_name(8).is_null());
    assert_eq!(cstr(lr_version()), env!("CARGO_PKG_VERSION"));
    let mut k = 77u32;
    // SAFETY: valid C strings and out-pointer.
    unsafe {
        assert_eq!(lr_kind_from_name(c"SHA-256".as_ptr(), &mut k), LR_OK);
        assert_eq!(k, lr_kind::LR_KIND_SHA256 as u32);
        k = 77;
        assert_eq!(
            lr_kind_from_name(c"bogus".as_ptr(), &mut k),
            LR_UNKNOWN_KIND
        );
        assert_eq!(lr_kind_from_name(null(), &mut k), LR_NULL_ARGUMENT);
        assert_eq!(
            lr_kind_from_name(c"ip".as_ptr(), null_mut()),
            LR_NULL_ARGUMENT
        );
    }
    assert_eq!(k, 77, "untouched on failure");
}

#[test]
fn null_arguments() {
    let b = B::new();
    let db = b.compile();
    let mut sc = null_mut();
    // SAFETY: every call passes NULL where the API must reject it before any dereference;
    // the other pointers are valid.
    unsafe {
        assert_eq!(lr_builder_new(null_mut()), LR_NULL_ARGUMENT);
        lr_builder_free(null_mut());
        assert_eq!(cstr(lr_builder_last_error(null())), "");
        let mut id = 5u32;
        assert_eq!(
            lr_builder_add(null_mut(), 1, c"a.com".as_ptr(), 5, null(), &mut id),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_builder_add(b.0, 1, null(), 5, null(), &mut id),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_builder_add_allow(null_mut(), 1, c"a.com".as_ptr(), 5, null()),
            LR_NULL_ARGUMENT
        );
        assert_eq!(id, 5);
        let mut rep = lr_load_report {
            total: 42,
            ..Default::default()
        };
        assert_eq!(
            lr_builder_load(
                null_mut(),
                c"x.com".as_ptr(),
                5,
                null(),
                c"s".as_ptr(),
                0,
                &mut rep
            ),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_builder_load(b.0, null(), 5, null(), c"s".as_ptr(), 0, &mut rep),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_builder_load(b.0, c"x.com".as_ptr(), 5, null(), null(), 0, &mut rep),
            LR_NULL_ARGUMENT
        );
        assert_eq!(b.error(), "source: null pointer");
        assert_eq!(rep.total, 42);
        let mut d = null();
        assert_eq!(lr_builder_compile(null_mut(), &mut d), LR_NULL_ARGUMENT);
        assert_eq!(lr_builder_compile(b.0, null_mut()), LR_NULL_ARGUMENT);
        assert!(d.is_null());
        let mut n = 9usize;
        assert_eq!(lr_builder_count(null(), &mut n), LR_NULL_ARGUMENT);
        assert_eq!(lr_builder_count(b.0, null_mut()), LR_NULL_ARGUMENT);
        assert_eq!(lr_database_count(null(), &mut n), LR_NULL_ARGUMENT);
        assert_eq!(lr_database_count(db.0, null_mut()), LR_NULL_ARGUMENT);
        assert_eq!(n, 9);
        assert_eq!(lr_database_clone(null(), &mut d), LR_NULL_ARGUMENT);
        assert_eq!(lr_database_clone(db.0, null_mut()), LR_NULL_ARGUMENT);
        lr_database_free(null());
        assert_eq!(
            lr_database_indicator(null(), 0, null_mut()),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_database_indicator_value(null(), 0, &mut null(), &mut n),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_database_indicator_source(null(), 0, 0, &mut null(), &mut n),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_database_indicator_ref(null(), 0, 0, &mut null(), &mut n),
            LR_NULL_ARGUMENT
        );
        assert_eq!(lr_scratch_new(null_mut()), LR_NULL_ARGUMENT);
        lr_scratch_free(null_mut());
        assert_eq!(lr_scratch_new(&mut sc), LR_OK);
        let line = b"x";
        assert_eq!(
            lr_scan_line(
                null(),
                sc,
                line.as_ptr().cast(),
                1,
                0,
                Some(collect),
                null_mut()
            ),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_scan_line(
                db.0,
                null_mut(),
                line.as_ptr().cast(),
                1,
                0,
                Some(collect),
                null_mut()
            ),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_scan_line(db.0, sc, null(), 1, 0, Some(collect), null_mut()),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_scan_line(db.0, sc, line.as_ptr().cast(), 1, 0, None, null_mut()),
            LR_NULL_ARGUMENT
        );
        // An empty line may be NULL.
        assert_eq!(
            lr_scan_line(db.0, sc, null(), 0, 0, Some(collect), null_mut()),
            LR_OK
        );
        lr_scratch_free(sc);
        let mut h = null_mut();
        assert_eq!(lr_shared_new(null(), &mut h), LR_NULL_ARGUMENT);
        assert_eq!(lr_shared_new(db.0, null_mut()), LR_NULL_ARGUMENT);
        assert!(h.is_null());
        assert_eq!(lr_shared_publish(null(), db.0), LR_NULL_ARGUMENT);
        assert_eq!(lr_shared_acquire(null(), &mut d), LR_NULL_ARGUMENT);
        lr_shared_free(null_mut());
        assert!(d.is_null());
    }
}

#[test]
fn bad_values_give_codes_and_messages() {
    let b = B::new();
    let (r, id) = b.add(lr_kind::LR_KIND_IP, "10.0.0.1/8", None);
    assert_eq!(
        (r, id),
        (LR_INVALID_VALUE, u32::MAX),
        "id untouched on failure"
    );
    assert!(
        b.error()
            .contains("host bits set (the network is 10.0.0.0/8)"),
        "{}",
        b.error()
    );
    // SAFETY: live builder, valid bytes.
    let r = unsafe { lr_builder_add(b.0, 42, c"a.com".as_ptr(), 5, null(), null_mut()) };
    assert_eq!(r, LR_UNKNOWN_KIND);
    assert_eq!(b.error(), "unknown kind number 42 (kinds are 0..10)");
    let bad = b"evil\xff.com";
    // SAFETY: live builder, valid bytes.
    let r = unsafe { lr_builder_add(b.0, 1, bad.as_ptr().cast(), bad.len(), null(), null_mut()) };
    assert_eq!(r, LR_INVALID_VALUE);
    assert_eq!(
        b.error(),
        "invalid domain indicator: not valid UTF-8 (at byte 4)"
    );
    let mut m = meta(c"s", None);
    m.flags = 8;
    assert_eq!(
        b.add(lr_kind::LR_KIND_DOMAIN, "a.com", Some(&m)).0,
        LR_INVALID_VALUE
    );
    assert!(b.error().contains("unknown bits"), "{}", b.error());
    m.flags = LR_FLAG_NOCASE;
    assert_eq!(
        b.add(lr_kind::LR_KIND_DOMAIN, "a.com", Some(&m)).0,
        LR_INVALID_VALUE
    );
    assert_eq!(
        b.error(),
        "LR_FLAG_NOCASE applies to literal indicators, not domain"
    );
    m.flags = LR_FLAG_EXACT;
    assert_eq!(
        b.add(lr_kind::LR_KIND_IP, "1.2.3.4", Some(&m)).0,
        LR_INVALID_VALUE
    );
    assert_eq!(
        b.error(),
        "LR_FLAG_EXACT applies to domain indicators, not ip"
    );
    m.flags = 0;
    m.valid_from = 20;
    m.valid_until = 10;
    assert_eq!(
        b.add(lr_kind::LR_KIND_DOMAIN, "a.com", Some(&m)).0,
        LR_INVALID_VALUE
    );
    assert!(b.error().contains("empty validity window"), "{}", b.error());
    let bad_source = lr_meta {
        source: c"caf\xe9".as_ptr(),
        ..meta(c"s", None)
    };
    assert_eq!(
        b.add(lr_kind::LR_KIND_DOMAIN, "a.com", Some(&bad_source)).0,
        LR_INVALID_VALUE
    );
    assert_eq!(b.error(), "meta.source is not valid UTF-8 (at byte 3)");
    assert_eq!(
        b.add(lr_kind::LR_KIND_REGEX, "a*", None).0,
        LR_INVALID_VALUE
    );
    assert!(
        b.error().contains("matches the empty string"),
        "{}",
        b.error()
    );
    assert_eq!(
        b.add(lr_kind::LR_KIND_LITERAL, "", None).0,
        LR_INVALID_VALUE
    );
    // Nothing was added; a success clears the detail.
    let mut n = 7;
    // SAFETY: live builder.
    assert_eq!(unsafe { lr_builder_count(b.0, &mut n) }, LR_OK);
    assert_eq!(n, 0);
    assert_eq!(b.add(lr_kind::LR_KIND_DOMAIN, "a.com", None), (LR_OK, 0));
    assert_eq!(b.error(), "");
}

#[test]
fn limits_give_limit_exceeded() {
    let b = B::new();
    let r = b.add(lr_kind::LR_KIND_REGEX, "a{1000}{1000}", None).0;
    assert_eq!(r, LR_LIMIT_EXCEEDED, "{}", b.error());
    assert!(
        b.error().contains("Limits::regex_size_limit"),
        "{}",
        b.error()
    );
}

#[test]
fn load_reports_counts_and_skipped() {
    let b = B::new();
    let feed = b"# list\nevil.com\n10.0.0.0/8\nnot a value!\nip\t1.2.3.4/8\nsha256\te3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
    let mut rep = lr_load_report {
        total: 99,
        ..Default::default()
    };
    // SAFETY: live builder, valid bytes and strings.
    let r = unsafe {
        lr_builder_load(
            b.0,
            feed.as_ptr().cast(),
            feed.len(),
            c"bogus".as_ptr(),
            c"f".as_ptr(),
            0,
            &mut rep,
        )
    };
    assert_eq!(r, LR_UNKNOWN_FORMAT);
    assert!(
        b.error()
            .starts_with("unknown feed format \"bogus\" (known: auto, plain"),
        "{}",
        b.error()
    );
    assert_eq!(rep.total, 99, "untouched on failure");
    // SAFETY: as above; the flags value is rejected before anything is read.
    let r = unsafe {
        lr_builder_load(
            b.0,
            feed.as_ptr().cast(),
            feed.len(),
            null(),
            c"f".as_ptr(),
            2,
            &mut rep,
        )
    };
    assert_eq!(r, LR_INVALID_VALUE);
    // SAFETY: as above.
    let r = unsafe {
        lr_builder_load(
            b.0,
            feed.as_ptr().cast(),
            feed.len(),
            null(),
            c"feed-a".as_ptr(),
            LR_FLAG_EXACT,
            &mut rep,
        )
    };
    assert_eq!(r, LR_OK, "{}", b.error());
    let mut want = [0usize; LR_KIND_COUNT];
    want[lr_kind::LR_KIND_IP as usize] = 1;
    want[lr_kind::LR_KIND_DOMAIN as usize] = 1;
    want[lr_kind::LR_KIND_SHA256 as usize] = 1;
    assert_eq!(cstr(rep.format), "plain");
    assert_eq!(
        rep,
        lr_load_report {
            loaded: want,
            total: 3,
            allow: 0,
            skipped: 2,
            ignored: 0,
            format: rep.format,
        }
    );
    let detail = b.error();
    let lines: Vec<&str> = detail.lines().collect();
    assert_eq!(lines.len(), 2, "{detail}");
    assert!(
        lines[0].starts_with("line 4: invalid domain indicator \"not a value!\""),
        "{detail}"
    );
    assert!(
        lines[1].starts_with("line 5: invalid ip indicator \"1.2.3.4/8\": host bits set"),
        "{detail}"
    );
    // The explicit format name works too, and the report goes to NULL happily.
    // SAFETY: as above.
    let r = unsafe {
        lr_builder_load(
            b.0,
            b"x.org\n".as_ptr().cast(),
            6,
            c"PLAIN".as_ptr(),
            c"g".as_ptr(),
            0,
            null_mut(),
        )
    };
    assert_eq!(r, LR_OK);
    assert_eq!(b.error(), "", "nothing skipped");
    // An allowlist feed.
    let allow = b"10.9.9.9\n";
    // SAFETY: as above.
    let r = unsafe {
        lr_builder_load(
            b.0,
            allow.as_ptr().cast(),
            allow.len(),
            null(),
            c"allow".as_ptr(),
            LR_FLAG_ALLOW,
            &mut rep,
        )
    };
    assert_eq!(r, LR_OK);
    assert_eq!((rep.total, rep.loaded[0]), (1, 1));
    let db = b.compile();
    let (r, hits) = scan(
        &db,
        b"a.evil.com evil.com 10.9.9.9 x.org 10.1.1.1",
        0,
        Some(collect),
    );
    assert_eq!(r, LR_OK);
    // evil.com was loaded exact-only: the subdomain does not match; 10.9.9.9 is allowed.
    let got: Vec<(usize, usize, lr_kind)> = hits.iter().map(|s| (s.start, s.end, s.kind)).collect();
    assert_eq!(
        got,
        [
            (11, 19, lr_kind::LR_KIND_DOMAIN),
            (29, 34, lr_kind::LR_KIND_DOMAIN),
            (35, 43, lr_kind::LR_KIND_IP)
        ]
    );
    let mut info = std::mem::MaybeUninit::<lr_indicator>::uninit();
    // SAFETY: live database, valid out-pointer.
    assert_eq!(
        unsafe { lr_database_indicator(db.0, hits[0].indicator, info.as_mut_ptr()) },
        LR_OK
    );
    // SAFETY: written on LR_OK.
    assert_eq!(unsafe { info.assume_init() }.flags, LR_FLAG_EXACT);
}

#[test]
fn scan_and_metadata_agree_with_the_rust_api() {
    let b = B::new();
    let m_a = meta(c"feed-a", Some(c"ref-1"));
    let m_b = meta(c"feed-b", Some(c"ref-2"));
    assert_eq!(
        b.add(lr_kind::LR_KIND_DOMAIN, "Evil[.]COM.", Some(&m_a)),
        (LR_OK, 0)
    );
    assert_eq!(
        b.add(lr_kind::LR_KIND_IP, "10.0.0.0/8", Some(&m_a)),
        (LR_OK, 1)
    );
    assert_eq!(
        b.add(lr_kind::LR_KIND_DOMAIN, "evil.com", Some(&m_b)),
        (LR_OK, 0),
        "merged"
    );
    assert_eq!(b.add(lr_kind::LR_KIND_IP, "10.1.0.0/16", None), (LR_OK, 2));
    let lit = b"Q\0z";
    let nocase = lr_meta {
        flags: LR_FLAG_NOCASE,
        ..meta(c"lit", None)
    };
    let mut id = 0;
    // SAFETY: live builder, valid bytes (with a NUL) and meta.
    let r = unsafe { lr_builder_add(b.0, 8, lit.as_ptr().cast(), 3, &nocase, &mut id) };
    assert_eq!((r, id), (LR_OK, 3));
    // SAFETY: live builder, valid bytes.
    let r = unsafe { lr_builder_add_allow(b.0, 1, c"good.evil.com".as_ptr(), 13, null()) };
    assert_eq!(r, LR_OK);
    let db = b.compile();
    let mut n = 0;
    // SAFETY: live database.
    assert_eq!(unsafe { lr_database_count(db.0, &mut n) }, LR_OK);
    assert_eq!(n, 4);

    let line = b"a.evil.com good.evil.com 10.1.2.3 q\0Z";
    let (r, hits) = scan(&db, line, 0, Some(collect));
    assert_eq!(r, LR_OK);
    // The same line through the Rust API.
    let mut rb = Builder::new();
    rb.add(Indicator::parse(Kind::Domain, "evil.com", "feed-a").unwrap())
        .unwrap();
    rb.add(Indicator::parse(Kind::Ip, "10.0.0.0/8", "feed-a").unwrap())
        .unwrap();
    rb.add(Indicator::parse(Kind::Ip, "10.1.0.0/16", "x").unwrap())
        .unwrap();
    rb.add(Indicator::new(
        crate::Value::literal(lit, true).unwrap(),
        crate::Meta::default(),
    ))
    .unwrap();
    rb.add_allow(Indicator::parse(Kind::Domain, "good.evil.com", "a").unwrap())
        .unwrap();
    let rdb = rb.build().unwrap();
    let mut want = Vec::new();
    rdb.scan_line(line, &mut Scratch::new(), Timestamp(0), |s| {
        want.push(lr_sighting::from(s))
    });
    assert_eq!(hits, want);
    assert_eq!(hits.len(), 4, "{hits:?}");
    assert_eq!(
        hits[0],
        lr_sighting {
            indicator: 0,
            kind: lr_kind::LR_KIND_DOMAIN,
            start: 0,
            end: 10,
            where_seen: lr_where::LR_WHERE_LINE
        }
    );

    assert_eq!(value(&db, 0), b"evil.com");
    assert_eq!(value(&db, 1), b"10.0.0.0/8");
    assert_eq!(value(&db, 3), b"Q\0z");
    assert_eq!(lent(&db, 0, false), ["feed-a", "feed-b"]);
    assert_eq!(lent(&db, 0, true), ["ref-1", "ref-2"]);
    assert_eq!(lent(&db, 2, false), Vec::<String>::new());
    let mut info = std::mem::MaybeUninit::<lr_indicator>::uninit();
    // SAFETY: live database, valid out-pointer.
    assert_eq!(
        unsafe { lr_database_indicator(db.0, 3, info.as_mut_ptr()) },
        LR_OK
    );
    // SAFETY: written on LR_OK.
    let info = unsafe { info.assume_init() };
    assert_eq!(
        info,
        lr_indicator {
            kind: lr_kind::LR_KIND_LITERAL,
            flags: LR_FLAG_NOCASE,
            valid_from: 0,
            valid_until: 0,
            source_count: 1,
            ref_count: 0
        }
    );

    // Failures leave the out-params alone.
    let (mut p, mut l) = (c"x".as_ptr(), 77usize);
    let mut info2 = info;
    // SAFETY: live database; out-pointers valid or NULL as the test says.
    unsafe {
        assert_eq!(
            lr_database_indicator_value(db.0, 1, null_mut(), &mut l),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_database_indicator_value(db.0, 1, &mut p, null_mut()),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_database_indicator_value(db.0, 4, &mut p, &mut l),
            LR_NOT_FOUND
        );
        assert_eq!(lr_database_indicator(db.0, 4, &mut info2), LR_NOT_FOUND);
        assert_eq!(lr_database_indicator(db.0, 0, null_mut()), LR_NULL_ARGUMENT);
        assert_eq!(
            lr_database_indicator_source(db.0, 0, 2, &mut p, &mut l),
            LR_NOT_FOUND
        );
        assert_eq!(
            lr_database_indicator_ref(db.0, 9, 0, &mut p, &mut l),
            LR_NOT_FOUND
        );
        assert_eq!(
            lr_database_indicator_source(db.0, 0, 0, null_mut(), &mut l),
            LR_NULL_ARGUMENT
        );
    }
    assert_eq!(l, 77);
    assert_eq!(info2, info);
    assert_eq!(cstr(p), "x");
}

#[test]
fn callback_can_stop_and_now_is_honoured() {
    let b = B::new();
    let windowed = lr_meta {
        valid_from: 100,
        valid_until: 200,
        ..meta(c"w", None)
    };
    b.add(lr_kind::LR_KIND_DOMAIN, "evil.com", Some(&windowed));
    b.add(lr_kind::LR_KIND_IP, "1.2.3.4", None);
    let db = b.compile();
    let line = b"evil.com 1.2.3.4";
    assert_eq!(scan(&db, line, 150, Some(collect)).1.len(), 2);
    assert_eq!(scan(&db, line, 99, Some(collect)).1.len(), 1);
    assert_eq!(scan(&db, line, 200, Some(collect)).1.len(), 1);
    let (r, hits) = scan(&db, line, 150, Some(stop_first));
    assert_eq!((r, hits.len()), (LR_STOPPED, 1));
    let mut info = std::mem::MaybeUninit::<lr_indicator>::uninit();
    // SAFETY: live database, valid out-pointer.
    assert_eq!(
        unsafe { lr_database_indicator(db.0, 0, info.as_mut_ptr()) },
        LR_OK
    );
    // SAFETY: written on LR_OK.
    let info = unsafe { info.assume_init() };
    assert_eq!((info.valid_from, info.valid_until), (100, 200));
}

#[test]
fn shared_handle_swaps_databases() {
    let b = B::new();
    b.add(lr_kind::LR_KIND_DOMAIN, "old.com", None);
    let old = b.compile();
    b.add(lr_kind::LR_KIND_DOMAIN, "new.com", None);
    let new = b.compile();
    let mut h = null_mut();
    // SAFETY: live databases; valid out-pointers; every acquired reference is released.
    unsafe {
        assert_eq!(lr_shared_new(old.0, &mut h), LR_OK);
        let mut cur = null();
        assert_eq!(lr_shared_acquire(h, &mut cur), LR_OK);
        let held = Db(cur);
        assert_eq!(lr_shared_publish(h, new.0), LR_OK);
        assert_eq!(lr_shared_publish(h, null()), LR_NULL_ARGUMENT);
        let mut cur2 = null();
        assert_eq!(lr_shared_acquire(h, &mut cur2), LR_OK);
        let now = Db(cur2);
        drop(old); // the handle and `held` still reference the old database
        assert_eq!(scan(&held, b"old.com new.com", 0, Some(collect)).1.len(), 1);
        assert_eq!(scan(&now, b"old.com new.com", 0, Some(collect)).1.len(), 2);
        lr_shared_free(h);
        // References acquired from the handle outlive it.
        assert_eq!(scan(&now, b"new.com", 0, Some(collect)).1.len(), 1);
        let mut c = null();
        assert_eq!(lr_database_clone(now.0, &mut c), LR_OK);
        assert_eq!(c, now.0);
        let c = Db(c);
        drop(now);
        assert_eq!(scan(&c, b"new.com", 0, Some(collect)).1.len(), 1);
        assert_eq!(scan(&held, b"new.com", 0, Some(collect)).1.len(), 0);
    }
    drop(new);
}

#[test]
fn panics_become_lr_panic() {
    // (The panic message is printed by the default hook, captured by the test harness.)
    assert_eq!(guard(|| panic!("boom")), LR_PANIC);
    assert_eq!(guard(|| LR_OK), LR_OK);
}

#[test]
fn from_error_kind_is_total() {
    use crate::ErrorKind as E;
    assert_eq!(lr_result::from(E::InvalidValue), LR_INVALID_VALUE);
    assert_eq!(lr_result::from(E::UnknownKind), LR_UNKNOWN_KIND);
    assert_eq!(lr_result::from(E::LimitExceeded), LR_LIMIT_EXCEEDED);
    assert_eq!(lr_result::from(E::BadFeed), LR_BAD_FEED);
    assert_eq!(lr_result::from(E::UnknownFormat), LR_UNKNOWN_FORMAT);
    assert_eq!(lr_result::from(E::BadTimestamp), LR_BAD_TIMESTAMP);
    assert_eq!(lr_result::from(E::Compile), LR_COMPILE);
}

/// The shared case table (`tests/cases/line_cases.json`, format in `tests/cases/README.md`)
/// through the C API: every indicator added with `lr_builder_add`, every line scanned with
/// `lr_scan_line`, every value read back with `lr_database_indicator_value`.
#[test]
fn case_table_through_the_c_api() {
    use serde_json::Value as J;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/line_cases.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases: Vec<J> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 80, "{} cases", cases.len());
    let hex = |s: &str| {
        let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        let mut out = Vec::new();
        crate::indicator::normalize::hex_decode(&clean, &mut out).expect("hex");
        out
    };
    let time = |v: &J| match v {
        J::Number(n) => n.as_i64().expect("seconds"),
        J::String(s) => Timestamp::parse_rfc3339(s).expect("RFC 3339").0,
        _ => panic!("bad time {v}"),
    };
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let b = B::new();
        for (list, allow) in [("indicators", false), ("allow", true)] {
            for ind in case[list].as_array().into_iter().flatten() {
                let kind_name = CString::new(ind["kind"].as_str().unwrap()).unwrap();
                let mut kind = 0u32;
                // SAFETY: valid C string and out-pointer.
                let r = unsafe { lr_kind_from_name(kind_name.as_ptr(), &mut kind) };
                assert_eq!(r, LR_OK, "{name}");
                let value = match (&ind["value"], &ind["value_hex"]) {
                    (J::String(v), J::Null) => v.as_bytes().to_vec(),
                    (J::Null, J::String(h)) => hex(h),
                    _ => panic!("{name}: value or value_hex"),
                };
                let source = CString::new(ind["source"].as_str().unwrap_or("case")).unwrap();
                let mut flags = 0;
                if ind["exact"].as_bool() == Some(true) {
                    flags |= LR_FLAG_EXACT;
                }
                if ind["nocase"].as_bool() == Some(true) {
                    flags |= LR_FLAG_NOCASE;
                }
                let m = lr_meta {
                    source: source.as_ptr(),
                    reference: null(),
                    flags,
                    valid_from: ind.get("valid_from").map_or(0, time),
                    valid_until: ind.get("valid_until").map_or(0, time),
                };
                let (v, n) = (value.as_ptr().cast(), value.len());
                // SAFETY: live builder; valid bytes and meta.
                let r = unsafe {
                    if allow {
                        lr_builder_add_allow(b.0, kind, v, n, &m)
                    } else {
                        lr_builder_add(b.0, kind, v, n, &m, null_mut())
                    }
                };
                assert_eq!(r, LR_OK, "{name}: {}", b.error());
            }
        }
        let db = b.compile();
        let line = match (&case["line"], &case["line_hex"], &case["line_parts"]) {
            (J::String(l), J::Null, J::Null) => l.as_bytes().to_vec(),
            (J::Null, J::String(h), J::Null) => hex(h),
            (J::Null, J::Null, J::Array(parts)) => {
                let mut out = Vec::new();
                for p in parts {
                    let piece = match (&p["text"], &p["hex"]) {
                        (J::String(t), J::Null) => t.as_bytes().to_vec(),
                        (J::Null, J::String(h)) => hex(h),
                        _ => panic!("{name}: part"),
                    };
                    for _ in 0..p["times"].as_u64().unwrap_or(1) {
                        out.extend_from_slice(&piece);
                    }
                }
                out
            }
            _ => panic!("{name}: line"),
        };
        let now = case.get("now").map_or(0, time);
        let (r, hits) = scan(&db, &line, now, Some(collect));
        assert_eq!(r, LR_OK, "{name}");
        let mut got: Vec<(usize, usize, String, String)> = hits
            .iter()
            .map(|s| {
                let v = String::from_utf8_lossy(&value(&db, s.indicator)).into_owned();
                (s.start, s.end, cstr(lr_kind_name(s.kind as u32)), v)
            })
            .collect();
        got.sort();
        let mut want: Vec<(usize, usize, String, String)> = case["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["start"].as_u64().unwrap() as usize,
                    e["end"].as_u64().unwrap() as usize,
                    e["kind"].as_str().unwrap().to_string(),
                    e["indicator"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        want.sort();
        if got != want {
            failures.push(format!("[{name}]\n   expect: {want:?}\n   C API:  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ through the C API:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// A raw IPv4 UDP frame 10.0.0.1:1234 -> 10.0.0.2:53 carrying a DNS query for `a.evil.com`.
fn dns_frame() -> Vec<u8> {
    let mut dns = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    dns.extend_from_slice(b"\x01a\x04evil\x03com\x00\x00\x01\x00\x01");
    let udp_len = 8 + dns.len();
    let total = 20 + udp_len;
    let mut f = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0,
        0,
        64,
        17,
        0,
        0,
    ];
    f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    f.extend_from_slice(&[0x04, 0xd2, 0, 53, (udp_len >> 8) as u8, udp_len as u8, 0, 0]);
    f.extend_from_slice(&dns);
    f
}

unsafe extern "C" fn collect_packet(
    s: *const lr_sighting,
    f: *const lr_flow,
    ud: *mut c_void,
) -> c_int {
    // SAFETY: the scanner passes a valid sighting and flow, and our Vec as userdata.
    unsafe { (*ud.cast::<Vec<(lr_sighting, lr_flow)>>()).push((*s, *f)) };
    0
}

#[test]
fn packets_through_the_c_api() {
    let b = B::new();
    assert_eq!(b.add(lr_kind::LR_KIND_IP, "10.0.0.2:53", None).0, LR_OK);
    assert_eq!(b.add(lr_kind::LR_KIND_DOMAIN, "evil.com", None).0, LR_OK);
    let db = b.compile();
    let frame = dns_frame();
    let mut sc = null_mut();
    let mut hits: Vec<(lr_sighting, lr_flow)> = Vec::new();
    let mut malformed = 7u32;
    // SAFETY: live database and scratch; valid frame, callback, userdata and out-pointer.
    unsafe {
        assert_eq!(lr_scratch_new(&mut sc), LR_OK);
        let ud = (&mut hits as *mut Vec<(lr_sighting, lr_flow)>).cast();
        let scan = |f: &[u8], link: u32, cb: lr_packet_callback, m: *mut u32| {
            lr_scan_packet(db.0, sc, f.as_ptr().cast(), f.len(), link, 0, cb, ud, m)
        };
        assert_eq!(
            scan(&frame, 101, Some(collect_packet), &mut malformed),
            LR_OK
        );
        assert_eq!(malformed, 0);
        let got: Vec<(lr_where, usize, usize)> = hits
            .iter()
            .map(|(s, _)| (s.where_seen, s.start, s.end))
            .collect();
        assert_eq!(
            got,
            [
                (lr_where::LR_WHERE_IP_DST, 16, 20),
                (lr_where::LR_WHERE_DNS_QUERY, 40, 52)
            ],
            "{hits:?}"
        );
        let flow = hits[0].1;
        assert_eq!(&flow.src[..4], &[10, 0, 0, 1]);
        assert_eq!(
            &flow.dst[..],
            &[10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            (
                flow.sport,
                flow.dport,
                flow.family,
                flow.proto,
                flow.has_ports
            ),
            (1234, 53, 4, 17, 1)
        );
        assert_eq!(value(&db, hits[1].0.indicator), b"evil.com");
        // Unsupported link type (802.11), NULLs, truncation, stop.
        malformed = 7;
        assert_eq!(
            scan(&frame, 105, Some(collect_packet), &mut malformed),
            LR_INVALID_VALUE
        );
        assert_eq!(scan(&frame, 101, None, &mut malformed), LR_NULL_ARGUMENT);
        assert_eq!(malformed, 7);
        hits.clear();
        assert_eq!(
            scan(&frame[..30], 101, Some(collect_packet), &mut malformed),
            LR_OK
        );
        assert_eq!(
            malformed, 1,
            "truncated: the IP header says more bytes follow"
        );
        assert_eq!(hits.len(), 1, "the addresses are still readable: {hits:?}");
        unsafe extern "C" fn stop(
            _: *const lr_sighting,
            _: *const lr_flow,
            _: *mut c_void,
        ) -> c_int {
            1
        }
        assert_eq!(scan(&frame, 101, Some(stop), null_mut()), LR_STOPPED);
        assert_eq!(
            lr_scan_packet(
                null(),
                sc,
                frame.as_ptr().cast(),
                1,
                101,
                0,
                Some(stop),
                null_mut(),
                null_mut()
            ),
            LR_NULL_ARGUMENT
        );
        lr_scratch_free(sc);
    }
}

#[test]
fn timestamps_parse() {
    let mut t = 5i64;
    // SAFETY: valid strings and out-pointer.
    unsafe {
        assert_eq!(
            lr_parse_timestamp(c"2024-05-01T02:00:00+02:00".as_ptr(), &mut t),
            LR_OK
        );
        assert_eq!(t, 1714521600);
        t = 5;
        assert_eq!(
            lr_parse_timestamp(c"2024-13-01".as_ptr(), &mut t),
            LR_BAD_TIMESTAMP
        );
        assert_eq!(lr_parse_timestamp(null(), &mut t), LR_NULL_ARGUMENT);
        assert_eq!(
            lr_parse_timestamp(c"2024-05-01".as_ptr(), null_mut()),
            LR_NULL_ARGUMENT
        );
    }
    assert_eq!(t, 5);
}

/// What `lr_scan_lines` reported: (line number, line, start, end) per sighting.
type LineHits = Vec<(u64, Vec<u8>, usize, usize)>;

unsafe extern "C" fn collect_lines(
    line_no: u64,
    line: *const c_char,
    len: usize,
    s: *const lr_sighting,
    ud: *mut c_void,
) -> c_int {
    // SAFETY: `ud` is our `LineHits`; `line` has `len` bytes and `s` is valid during the
    // call (the API's contract).
    unsafe {
        let l = std::slice::from_raw_parts(line.cast::<u8>(), len).to_vec();
        (*ud.cast::<LineHits>()).push((line_no, l, (*s).start, (*s).end));
    }
    0
}

unsafe extern "C" fn stop_lines(
    line_no: u64,
    line: *const c_char,
    len: usize,
    s: *const lr_sighting,
    ud: *mut c_void,
) -> c_int {
    // SAFETY: as in `collect_lines`.
    unsafe { collect_lines(line_no, line, len, s, ud) };
    1
}

/// `lr_scan_lines`: the lines of a buffer (CRLF, a last line without `\n`), their numbers,
/// the count, stopping, and the NULL arguments.
#[test]
fn scan_lines_from_c() {
    let b = B::new();
    assert_eq!(
        b.add(lr_kind::LR_KIND_DOMAIN, "evil.example", None).0,
        LR_OK
    );
    let db = b.compile();
    let data = b"a\r\nx www.evil.example y\r\n\nevil.example";
    let mut sc = null_mut();
    let run = |cb: lr_lines_callback, data: &[u8], sc| {
        let mut out: LineHits = Vec::new();
        let mut lines = u64::MAX;
        // SAFETY: live database and scratch, valid buffer, our Vec as userdata.
        let r = unsafe {
            lr_scan_lines(
                db.0,
                sc,
                data.as_ptr().cast(),
                data.len(),
                0,
                cb,
                (&mut out as *mut LineHits).cast(),
                &mut lines,
            )
        };
        (r, out, lines)
    };
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { lr_scratch_new(&mut sc) }, LR_OK);
    let (r, out, lines) = run(Some(collect_lines), data, sc);
    assert_eq!((r, lines), (LR_OK, 4));
    assert_eq!(
        out,
        vec![
            (1, b"x www.evil.example y".to_vec(), 2, 18),
            (3, b"evil.example".to_vec(), 0, 12)
        ]
    );
    let (r, out, lines) = run(Some(stop_lines), data, sc);
    assert_eq!((r, out.len(), lines), (LR_STOPPED, 1, 1));
    assert_eq!(run(None, data, sc).0, LR_NULL_ARGUMENT);
    // SAFETY: NULL arguments are checked; an empty buffer may be NULL.
    unsafe {
        let mut lines = 7;
        assert_eq!(
            lr_scan_lines(
                null(),
                sc,
                null(),
                0,
                0,
                Some(collect_lines),
                null_mut(),
                &mut lines
            ),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_scan_lines(
                db.0,
                null_mut(),
                null(),
                0,
                0,
                Some(collect_lines),
                null_mut(),
                null_mut()
            ),
            LR_NULL_ARGUMENT
        );
        assert_eq!(
            lr_scan_lines(
                db.0,
                sc,
                null(),
                0,
                0,
                Some(collect_lines),
                null_mut(),
                &mut lines
            ),
            LR_OK
        );
        assert_eq!(lines, 0);
        lr_scratch_free(sc);
    }
}
