//! Indicator parsing: `Value::parse` for every kind, `Value::infer`, `Indicator::parse`,
//! `Value::literal`, `Timestamp::parse_rfc3339` and the kind/TLP name parsers on arbitrary
//! text. Beyond "no panic": a parsed value keeps its kind, and for the kinds whose normalized
//! form is parsed back (`IndicatorRef::to_value` does this for IPs and digests) or is itself
//! a valid value of the kind (domains, emails), parsing the printed form gives the same value.
//! URLs are left out: their key drops the scheme, and the scheme decides which port is the
//! default (`foo://h:80/` keeps `:80`, which `h:80/` read as http drops): the key is a match
//! key, not a re-parseable URL (found by this target, see README.md).

#![no_main]

use libfuzzer_sys::fuzz_target;
use linerate::{Indicator, Kind, Timestamp, Tlp, Value};

fuzz_target!(|data: &[u8]| {
    let _ = Value::literal(data, true);
    let Ok(text) = std::str::from_utf8(data) else {
        let lossy = String::from_utf8_lossy(data);
        let _ = Value::infer(&lossy);
        return;
    };
    for &k in Kind::ALL.iter() {
        let Ok(v) = Value::parse(k, text) else {
            continue;
        };
        assert_eq!(v.kind(), k, "{text:?}");
        if matches!(k, Kind::Literal | Kind::Regex | Kind::Url) {
            continue;
        }
        let shown = v.to_string();
        let again = Value::parse(k, &shown);
        assert_eq!(
            again.as_ref().ok(),
            Some(&v),
            "{k}: {text:?} normalizes to {shown:?}, which parses as {again:?}"
        );
    }
    if let Ok(v) = Value::infer(text) {
        assert_eq!(v.kind(), linerate::indicator::infer_kind(text));
    }
    let _ = Indicator::parse(Kind::Url, text, text);
    let _ = Kind::from_name(text);
    let _ = Tlp::from_name(text);
    if let Ok(t) = Timestamp::parse_rfc3339(text) {
        let _ = t.to_rfc3339();
    }
});
