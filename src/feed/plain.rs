//! Plain indicator lists: one value per line, kind inferred, `#` and `;` comments, blank
//! lines ignored, optionally `KIND<TAB>VALUE[<TAB>SOURCE...]` (the kind names of
//! [`Kind::from_name`], plus the types of the bundled combined TSV such as `ipv4_port`,
//! `url_path`, `domain_suffix`).

use super::{lines, Format, LoadOptions, LoadReport, Loaded};
use crate::error::truncate;
use crate::indicator::{Indicator, Kind, Meta, Value};

/// Loads a plain list. Never fails: bad lines are skipped with their line number and reason.
pub fn load_plain(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded {
        report: LoadReport::new(&opts.source, Format::Plain),
        ..Loaded::default()
    };
    for (n, raw) in lines(bytes) {
        let text = String::from_utf8_lossy(raw);
        let line = text.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let mut source = opts.source.clone();
        let (kind, value) = match line.split_once('\t') {
            Some((k, rest)) => {
                let mut cols = rest.split('\t');
                let v = cols.next().unwrap_or("").trim();
                if let Some(s) = cols.next().map(str::trim).filter(|s| !s.is_empty()) {
                    source = s.to_string();
                }
                let k = k.trim();
                if k.eq_ignore_ascii_case("type") && n == 1 {
                    continue; // header row
                }
                match kind_of_column(k) {
                    Some(Some(k)) => (Some(k), v),
                    Some(None) => {
                        out.report.ignored += 1;
                        continue;
                    }
                    None => {
                        out.report.skip(
                            Some(n),
                            None,
                            format!("unknown kind {:?}", truncate(k, 40)),
                        );
                        continue;
                    }
                }
            }
            None => (None, line),
        };
        let parsed = match kind {
            Some(k) => Value::parse(k, value),
            None => Value::infer(value),
        };
        match parsed {
            Ok(v) => {
                let mut ind = Indicator::new(v, Meta::source(source));
                ind.exact = opts.exact_domains;
                out.push(ind);
            }
            Err(e) => out.report.skip(Some(n), None, e.to_string()),
        }
    }
    out
}

/// Maps a kind column: `Some(Some(kind))`, `Some(None)` for kinds deliberately not loaded
/// (filename regexes, `other`), `None` when unknown.
fn kind_of_column(k: &str) -> Option<Option<Kind>> {
    if let Some(kind) = Kind::from_name(k) {
        return Some(Some(kind));
    }
    match k.to_ascii_lowercase().as_str() {
        "url_path" => Some(Some(Kind::Url)),
        "domain_suffix" => Some(Some(Kind::Domain)),
        "regex_filename" | "other" | "filename" => Some(None),
        _ => None,
    }
}
