//! Spamhaus DROP: the text list (`CIDR ; SBLnnn`, `;` comments) and the JSON-lines list
//! (`{"cidr":..,"sblid":..,"rir":..}` per line, then a `{"type":"metadata",..}` line).
//! The SBL id becomes the indicator's reference.

use super::{lines, show, Format, LoadOptions, LoadReport, Loaded};
use crate::error::truncate;
use crate::indicator::{Indicator, Kind, Meta, Value};

fn push_cidr(
    out: &mut Loaded,
    opts: &LoadOptions,
    n: usize,
    cidr: &str,
    sbl: Option<&str>,
    rir: Option<&str>,
) {
    match Value::parse(Kind::Ip, cidr) {
        Ok(v) => {
            let mut meta = Meta::source(opts.source.clone());
            if let Some(s) = sbl.map(str::trim).filter(|s| !s.is_empty()) {
                meta.refs.push(s.to_string());
            }
            if let Some(r) = rir.map(str::trim).filter(|s| !s.is_empty()) {
                meta.tags.push(format!("rir:{r}"));
            }
            out.push(Indicator::new(v, meta));
        }
        Err(e) => out.report.skip(Some(n), None, e.to_string()),
    }
}

/// Loads the DROP text list. Never fails: bad lines are skipped with their number.
pub fn load_spamhaus_drop(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    spamhaus_drop_into(bytes, opts, &mut out);
    out
}

/// [`load_spamhaus_drop`] into `out` (whose report it replaces).
pub(crate) fn spamhaus_drop_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) {
    out.report = LoadReport::new(&opts.source, Format::SpamhausDrop);
    for (n, raw) in lines(bytes) {
        let text = String::from_utf8_lossy(raw);
        let line = text.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let (cidr, sbl) = match line.split_once(';') {
            Some((c, s)) => (c.trim(), Some(s.trim())),
            None => (line, None),
        };
        push_cidr(out, opts, n, cidr, sbl, None);
    }
}

/// Loads the DROP JSON-lines list; the metadata line is counted as ignored. Never fails:
/// a line that is not a JSON object with a `cidr` string is skipped with its number.
pub fn load_spamhaus_json(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    spamhaus_json_into(bytes, opts, &mut out);
    out
}

/// [`load_spamhaus_json`] into `out` (whose report it replaces).
pub(crate) fn spamhaus_json_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) {
    out.report = LoadReport::new(&opts.source, Format::SpamhausJson);
    for (n, raw) in lines(bytes) {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_slice(raw) {
            Ok(v) => v,
            Err(e) => {
                out.report.skip(
                    Some(n),
                    None,
                    format!("not JSON: {}", super::json_error_reason(&e)),
                );
                continue;
            }
        };
        let Some(obj) = v.as_object() else {
            out.report
                .skip(Some(n), None, format!("not a JSON object: {}", show(&v)));
            continue;
        };
        if obj.get("type").and_then(|t| t.as_str()) == Some("metadata") {
            out.report.ignored += 1;
            continue;
        }
        match obj.get("cidr") {
            Some(serde_json::Value::String(c)) => {
                let sbl = obj.get("sblid").and_then(|s| s.as_str());
                let rir = obj.get("rir").and_then(|s| s.as_str());
                push_cidr(out, opts, n, c, sbl, rir);
            }
            Some(other) => out.report.skip(
                Some(n),
                Some("cidr".into()),
                format!("expected a string, found {}", show(other)),
            ),
            None => out.report.skip(
                Some(n),
                None,
                format!("no \"cidr\" key in {}", truncate(&v.to_string(), 80)),
            ),
        }
    }
}
