//! Plain indicator lists: one value per line, kind inferred, `#` and `;` comments, blank
//! lines ignored, optionally `KIND<TAB>VALUE[<TAB>SOURCE...]` (the kind names of
//! [`Kind::from_name`], plus the types of the bundled combined TSV: `ipv4`, `ipv6`, `cidr4`,
//! `ipv4_port`, `ipv6_port`, `domain`, `domain_suffix`, `url`, `url_path`, `email`, `md5`,
//! `sha1`, `sha256`, `regex`; `regex_filename` and `other` are ignored and counted).
//!
//! A third column names the entry's source and replaces the feed name for that entry.
//! `url_path` values (a path without a host, as maltrail lists them) become case-sensitive
//! literals searched anywhere in the line. A bare value that does not parse is retried
//! without a trailing `;comment` or ` # comment` (LOKI's `VALUE;SCORE` lists).

use super::{lines, Format, LoadOptions, LoadReport, Loaded};
use crate::error::truncate;
use crate::indicator::{Indicator, Kind, Meta, Value};

/// How a kind column is loaded.
#[derive(Clone, Copy)]
enum Col {
    Kind(Kind),
    /// A domain meaning "this name and below" whatever the options say.
    Suffix,
    /// A URL path: a case-sensitive literal.
    Path,
    /// Deliberately not loaded (filename regexes, `other`).
    Ignore,
}

/// Loads a plain list. Never fails: bad lines are skipped with their line number and reason.
///
/// Cost: one pass, no allocation per line beyond the indicator itself.
pub fn load_plain(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    plain_into(bytes, opts, &mut out);
    out
}

/// [`load_plain`] into `out` (whose report it replaces).
pub(crate) fn plain_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) {
    out.report = LoadReport::new(&opts.source, Format::Plain);
    // Rows come grouped by kind: remember the last kind column's meaning.
    let mut last: (String, Option<Col>) = (String::new(), None);
    for (n, raw) in lines(bytes) {
        let text = String::from_utf8_lossy(raw);
        let line = text.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let mut source: &str = &opts.source;
        let (col, value) = match line.split_once('\t') {
            Some((k, rest)) => {
                let mut cols = rest.split('\t');
                let v = cols.next().unwrap_or("").trim();
                if let Some(s) = cols.next().map(str::trim).filter(|s| !s.is_empty()) {
                    source = s;
                }
                let k = k.trim();
                if n == 1 && k.eq_ignore_ascii_case("type") {
                    continue; // header row
                }
                if last.0 != k {
                    last = (k.to_string(), kind_of_column(k));
                }
                match last.1 {
                    Some(Col::Ignore) => {
                        out.report.ignored += 1;
                        continue;
                    }
                    Some(c) => (Some(c), v),
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
        let mut exact = opts.exact_domains;
        let parsed = match col {
            Some(Col::Kind(k)) => Value::parse(k, value),
            Some(Col::Suffix) => {
                exact = false;
                Value::parse(Kind::Domain, value)
            }
            Some(Col::Path) => {
                if value.starts_with('/') && value.len() > 1 {
                    Value::literal(value.as_bytes(), false)
                } else {
                    Value::parse(Kind::Url, value)
                }
            }
            Some(Col::Ignore) => continue,
            None if looks_like_cidr(value) => Value::parse(Kind::Ip, value),
            None => Value::infer(value).or_else(|e| match cut_comment(value) {
                Some(v) => Value::infer(v).map_err(|_| e),
                None => Err(e),
            }),
        };
        match parsed {
            Ok(v) => {
                let mut ind = Indicator::new(v, Meta::source(source));
                ind.exact = exact;
                out.push(ind);
            }
            Err(e) => out.report.skip(Some(n), None, e.to_string()),
        }
    }
}

/// `addr/len` with a numeric length: an IP network even when it is invalid (host bits
/// set), so the error says so instead of the value being inferred as a URL path.
fn looks_like_cidr(value: &str) -> bool {
    match value.split_once('/') {
        Some((a, l)) => {
            !l.is_empty()
                && l.len() <= 3
                && l.bytes().all(|b| b.is_ascii_digit())
                && a.parse::<std::net::IpAddr>().is_ok()
        }
        None => false,
    }
}

/// `value` without a trailing `;comment` or whitespace-`#` comment, if it has one.
fn cut_comment(value: &str) -> Option<&str> {
    let semi = value.find(';');
    let hash = value
        .match_indices('#')
        .find(|(p, _)| value[..*p].ends_with(char::is_whitespace))
        .map(|(p, _)| p);
    let cut = match (semi, hash) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    let v = value[..cut].trim();
    (!v.is_empty()).then_some(v)
}

/// Maps a kind column, `None` when unknown.
fn kind_of_column(k: &str) -> Option<Col> {
    if let Some(kind) = Kind::from_name(k) {
        return Some(Col::Kind(kind));
    }
    match k.to_ascii_lowercase().as_str() {
        "url_path" => Some(Col::Path),
        "domain_suffix" => Some(Col::Suffix),
        "regex_filename" | "other" | "filename" => Some(Col::Ignore),
        _ => None,
    }
}
