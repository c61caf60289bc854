//! MISP warninglists (`list.json`): known-benign values, loaded as allowlist entries.
//!
//! By the list's `type`: `string` → the exact value, kind inferred (a domain matches only
//! itself; when `matching_attributes` is given, the inferred kind must be one those MISP
//! types map to, so the ssdeep `3::` of `empty-hashes` is not taken for an IPv6 address);
//! `hostname` → the domain and its subdomains (entries may start with `.`); `cidr` → an ip
//! network; `substring` → an ASCII-case-insensitive literal; `regex` → `/pattern/flags`
//! with the `i`, `m` and `s` flags translated and `g` dropped. Entries in [`Loaded::allow`],
//! counted in `report.allow`; bad entries skipped with their index and reason.

use super::misp::kinds_of_type;
use super::{parse_json, show, Format, LoadOptions, LoadReport, Loaded};
use crate::error::{truncate, Error};
use crate::indicator::{Indicator, Kind, Meta, Value, DEFAULT_REGEX_SIZE_LIMIT};

/// Loads a warninglist.
///
/// Errors ([`crate::ErrorKind::BadFeed`]): not JSON, not an object, no `list` array, or a
/// `type` outside `string`, `substring`, `hostname`, `cidr`, `regex`.
pub fn load_warninglist(bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    warninglist_into(bytes, opts, &mut out)?;
    Ok(out)
}

/// [`load_warninglist`] into `out` (whose report it replaces).
pub(crate) fn warninglist_into(
    bytes: &[u8],
    opts: &LoadOptions,
    out: &mut Loaded,
) -> Result<(), Error> {
    let doc = parse_json(bytes, opts, Format::Warninglist)?;
    let bad = |what: String| super::bad_feed(opts, what);
    let obj = doc.as_object().ok_or_else(|| {
        bad(format!(
            "a warninglist is a JSON object, found {}",
            show(&doc)
        ))
    })?;
    let list = match obj.get("list") {
        Some(serde_json::Value::Array(a)) => a,
        Some(other) => return Err(bad(format!("\"list\" is not an array: {}", show(other)))),
        None => return Err(bad("no \"list\" key: not a MISP warninglist".into())),
    };
    let ty = match obj.get("type") {
        None => "string",
        Some(serde_json::Value::String(s)) => s.as_str(),
        Some(other) => return Err(bad(format!("\"type\" is not a string: {}", show(other)))),
    };
    if !matches!(ty, "string" | "substring" | "hostname" | "cidr" | "regex") {
        return Err(bad(format!(
            "unknown warninglist type {:?} (expected string, substring, hostname, cidr or regex)",
            truncate(ty, 40)
        )));
    }
    let name = obj
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_string();
    // Kinds the list applies to, from matching_attributes (None: all).
    let allowed: Option<Vec<Kind>> = obj
        .get("matching_attributes")
        .and_then(|m| m.as_array())
        .filter(|m| !m.is_empty())
        .map(|m| {
            let mut ks: Vec<Kind> = Vec::new();
            for t in m.iter().filter_map(|t| t.as_str()) {
                for &k in kinds_of_type(t) {
                    if !ks.contains(&k) {
                        ks.push(k);
                    }
                }
            }
            ks
        });
    out.report = LoadReport::new(&opts.source, Format::Warninglist);
    for (i, entry) in list.iter().enumerate() {
        let field = || Some(format!("list[{i}]"));
        let Some(text) = entry.as_str() else {
            out.report.skip(
                None,
                field(),
                format!("expected a string, found {}", show(entry)),
            );
            continue;
        };
        let text = text.trim();
        let mut exact = false;
        let parsed = match ty {
            "string" => {
                exact = true; // only meaningful for domains
                Value::infer(text).and_then(|v| match &allowed {
                    Some(ks) if !ks.is_empty() && !ks.contains(&v.kind()) => Err(Error::invalid(
                        v.kind().as_str(),
                        text,
                        "that kind is not among the list's matching_attributes",
                    )),
                    _ => Ok(v),
                })
            }
            "hostname" => Value::parse(Kind::Domain, text),
            "cidr" => Value::parse(Kind::Ip, text),
            "substring" => Value::literal(text.as_bytes(), true),
            _ => regex_entry(text).and_then(|p| Value::regex(&p, DEFAULT_REGEX_SIZE_LIMIT)),
        };
        match parsed {
            Ok(v) => {
                let mut meta = Meta::source(opts.source.clone());
                if !name.is_empty() {
                    meta.refs.push(name.clone());
                }
                let exact = exact && v.kind() == Kind::Domain;
                let mut ind = Indicator::new(v, meta);
                ind.exact = exact;
                out.push_allow(ind);
            }
            Err(e) => out.report.skip(None, field(), e.to_string()),
        }
    }
    Ok(())
}

/// `/pattern/flags` → a regex-automata pattern.
fn regex_entry(text: &str) -> Result<String, Error> {
    let body = text.strip_prefix('/').and_then(|r| {
        let end = r.rfind('/')?;
        Some((&r[..end], &r[end + 1..]))
    });
    let Some((pat, flags)) = body else {
        return Err(Error::invalid(
            "regex",
            text,
            "expected /pattern/flags delimiters",
        ));
    };
    let mut prefix = String::new();
    for f in flags.chars() {
        match f {
            'i' | 'm' | 's' => {
                if !prefix.contains(f) {
                    prefix.push(f);
                }
            }
            'g' | 'u' => {}
            other => {
                return Err(Error::invalid(
                    "regex",
                    text,
                    format_args!("unsupported flag {other:?}"),
                ))
            }
        }
    }
    Ok(if prefix.is_empty() {
        pat.to_string()
    } else {
        format!("(?{prefix}){pat}")
    })
}

#[cfg(test)]
mod tests {
    use super::regex_entry;

    #[test]
    fn regex_delimiters() {
        assert_eq!(regex_entry("/^a\\@b$/i").unwrap(), "(?i)^a\\@b$");
        assert_eq!(regex_entry("/a/b/g").unwrap(), "a/b");
        assert!(regex_entry("abc").is_err());
        assert!(regex_entry("/abc/x").is_err());
    }
}
