//! abuse.ch CSV feeds (URLhaus, ThreatFox, Feodo Tracker) and the CSV field splitter they share.
//!
//! All three start with a `#` preamble whose last column line names the columns (ThreatFox
//! quotes the names and separates fields with `", "`); columns are taken by name, so older
//! dumps with fewer columns still load. Without a header the published column order is used.
//! Values `None` (ThreatFox's null) and empty fields count as absent.

use super::{lines, push_unique, Format, LoadOptions, LoadReport, Loaded};
use crate::error::truncate;
use crate::indicator::{Indicator, Kind, Meta, Value};
use std::borrow::Cow;

/// Splits one CSV record into fields.
///
/// Fields are separated by `,` optionally followed by spaces (ThreatFox writes `", "`);
/// a field may be double-quoted, with `""` standing for a quote inside it and commas inside
/// quotes kept. Unquoted fields are trimmed. A record cannot span lines.
///
/// Errors name the byte column: an unterminated quoted field, or text after a closing quote.
///
/// ```
/// use linerate::feed::split_csv_line;
/// let f = split_csv_line(r#""1", "a,b", "say ""hi""",plain , """#).unwrap();
/// assert_eq!(f, ["1", "a,b", r#"say "hi""#, "plain", ""]);
/// assert!(split_csv_line(r#""open,1"#).unwrap_err().contains("unterminated"));
/// ```
pub fn split_csv_line(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i < b.len() && b[i] == b'"' {
            let start = i;
            i += 1;
            let content_start = i;
            let mut owned: Option<String> = None;
            let mut seg = content_start;
            loop {
                match b[i..].iter().position(|&c| c == b'"') {
                    None => {
                        return Err(format!(
                            "unterminated quoted field starting at column {}",
                            start + 1
                        ))
                    }
                    Some(p) => {
                        let q = i + p;
                        if b.get(q + 1) == Some(&b'"') {
                            let o = owned.get_or_insert_with(String::new);
                            o.push_str(&line[seg..q]);
                            o.push('"');
                            i = q + 2;
                            seg = i;
                        } else {
                            let field = match owned.take() {
                                Some(mut o) => {
                                    o.push_str(&line[seg..q]);
                                    Cow::Owned(o)
                                }
                                None => Cow::Borrowed(&line[content_start..q]),
                            };
                            out.push(field);
                            i = q + 1;
                            break;
                        }
                    }
                }
            }
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            if i == b.len() {
                return Ok(out);
            }
            if b[i] != b',' {
                return Err(format!(
                    "text after a closing quote at column {} ({:?})",
                    i + 1,
                    truncate(&line[i..], 20)
                ));
            }
            i += 1;
        } else {
            let end = b[i..]
                .iter()
                .position(|&c| c == b',')
                .map_or(b.len(), |p| i + p);
            out.push(Cow::Borrowed(line[i..end].trim()));
            if end == b.len() {
                return Ok(out);
            }
            i = end + 1;
        }
    }
}

/// Column positions by (lowercase) name.
struct Columns {
    names: Vec<String>,
}

impl Columns {
    fn new<S: AsRef<str>>(names: &[S]) -> Columns {
        Columns {
            names: names
                .iter()
                .map(|n| n.as_ref().trim().to_ascii_lowercase())
                .collect(),
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// One data row with its columns: `get` returns a present, non-null value.
struct Row<'a, 'b> {
    cols: &'b Columns,
    fields: &'b [Cow<'a, str>],
}

impl Row<'_, '_> {
    fn get(&self, name: &str) -> Option<&str> {
        let v = self.fields.get(self.cols.index(name)?)?.trim();
        if v.is_empty() || v == "None" || v == "null" {
            None
        } else {
            Some(v)
        }
    }
}

/// Reads the header from the comment preamble, then calls `row` for each data line.
#[allow(clippy::too_many_arguments)]
fn load_csv(
    bytes: &[u8],
    opts: &LoadOptions,
    out: &mut Loaded,
    format: Format,
    default_cols: &[&str],
    key_col: &str,
    mut row: impl FnMut(&Row<'_, '_>, usize, &mut Loaded),
) {
    out.report = LoadReport::new(&opts.source, format);
    let mut cols: Option<Columns> = None;
    for (n, raw) in lines(bytes) {
        let text = String::from_utf8_lossy(raw);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            // The last comment line naming the key column is the header.
            if comment.contains(key_col) && comment.contains(',') {
                if let Ok(f) = split_csv_line(comment.trim()) {
                    let c = Columns::new(&f);
                    if c.index(key_col).is_some() {
                        cols = Some(c);
                    }
                }
            }
            continue;
        }
        let c = cols.get_or_insert_with(|| Columns::new(default_cols));
        let fields = match split_csv_line(line) {
            Ok(f) => f,
            Err(e) => {
                out.report.skip(Some(n), None, e);
                continue;
            }
        };
        if fields.len() < c.names.len() {
            // Tolerate a missing trailing column only when the key column is present.
            if c.index(key_col).is_none_or(|k| k >= fields.len()) {
                out.report.skip(
                    Some(n),
                    None,
                    format!(
                        "row has {} fields, the header has {}",
                        fields.len(),
                        c.names.len()
                    ),
                );
                continue;
            }
        }
        let r = Row {
            cols: c,
            fields: &fields,
        };
        row(&r, n, out);
    }
}

fn split_tags(into: &mut Vec<String>, s: Option<&str>) {
    if let Some(s) = s {
        for t in s.split(',') {
            push_unique(into, t);
        }
    }
}

fn add(
    out: &mut Loaded,
    line: usize,
    field: &str,
    kind: Kind,
    value: &str,
    meta: Meta,
    exact: bool,
) {
    match Value::parse(kind, value) {
        Ok(v) => {
            let mut ind = Indicator::new(v, meta);
            ind.exact = exact;
            out.push(ind);
        }
        Err(e) => out
            .report
            .skip(Some(line), Some(field.to_string()), e.to_string()),
    }
}

/// Loads a URLhaus CSV dump: the `url` column as url indicators, `id` as reference
/// (`urlhaus:<id>`), `threat` and `tags` as tags. Never fails.
pub fn load_urlhaus(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    urlhaus_into(bytes, opts, &mut out);
    out
}

/// [`load_urlhaus`] into `out` (whose report it replaces).
pub(crate) fn urlhaus_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) {
    const COLS: &[&str] = &[
        "id",
        "dateadded",
        "url",
        "url_status",
        "last_online",
        "threat",
        "tags",
        "urlhaus_link",
        "reporter",
    ];
    load_csv(
        bytes,
        opts,
        out,
        Format::Urlhaus,
        COLS,
        "url",
        |r, n, out| {
            let Some(url) = r.get("url") else {
                out.report.skip(Some(n), Some("url".into()), "no url");
                return;
            };
            let mut meta = Meta::source(opts.source.clone());
            if let Some(id) = r.get("id") {
                meta.refs.push(format!("urlhaus:{id}"));
            }
            split_tags(&mut meta.tags, r.get("threat"));
            split_tags(&mut meta.tags, r.get("tags"));
            add(out, n, "url", Kind::Url, url, meta, false);
        },
    )
}

/// Loads a ThreatFox CSV export: `ioc_value` by `ioc_type` (`ip:port`, `domain`, `url`,
/// `md5_hash`, `sha1_hash`, `sha256_hash`, `sha512_hash`), `ioc_id` as reference
/// (`threatfox:<id>`), `confidence_level` as confidence, threat type, malware and tags as
/// tags. Never fails.
pub fn load_threatfox(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    threatfox_into(bytes, opts, &mut out);
    out
}

/// [`load_threatfox`] into `out` (whose report it replaces).
pub(crate) fn threatfox_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) {
    const COLS: &[&str] = &[
        "first_seen_utc",
        "ioc_id",
        "ioc_value",
        "ioc_type",
        "threat_type",
        "fk_malware",
        "malware_alias",
        "malware_printable",
        "last_seen_utc",
        "confidence_level",
        "reference",
        "tags",
        "anonymous",
        "reporter",
    ];
    load_csv(
        bytes,
        opts,
        out,
        Format::Threatfox,
        COLS,
        "ioc_value",
        |r, n, out| {
            let Some(value) = r.get("ioc_value") else {
                out.report
                    .skip(Some(n), Some("ioc_value".into()), "no ioc_value");
                return;
            };
            let ty = r.get("ioc_type").unwrap_or("");
            let kind = match ty.to_ascii_lowercase().as_str() {
                "ip:port" | "ip" => Kind::Ip,
                "domain" => Kind::Domain,
                "url" => Kind::Url,
                "md5_hash" => Kind::Md5,
                "sha1_hash" => Kind::Sha1,
                "sha256_hash" => Kind::Sha256,
                "sha512_hash" => Kind::Sha512,
                _ => {
                    out.report.skip(
                        Some(n),
                        Some("ioc_type".into()),
                        format!("unsupported ioc_type {:?}", truncate(ty, 40)),
                    );
                    return;
                }
            };
            let mut meta = Meta::source(opts.source.clone());
            if let Some(id) = r.get("ioc_id") {
                meta.refs.push(format!("threatfox:{id}"));
            }
            if let Some(c) = r.get("confidence_level") {
                match c.parse::<u8>() {
                    Ok(c) if c <= 100 => meta.confidence = Some(c),
                    _ => out.report.skip(
                        Some(n),
                        Some("confidence_level".into()),
                        format!(
                            "confidence {:?} outside 0-100, ignored (the indicator is kept)",
                            truncate(c, 20)
                        ),
                    ),
                }
            }
            split_tags(&mut meta.tags, r.get("threat_type"));
            split_tags(&mut meta.tags, r.get("malware_printable"));
            split_tags(&mut meta.tags, r.get("tags"));
            add(out, n, "ioc_value", kind, value, meta, false);
        },
    )
}

/// Loads Feodo Tracker's `ipblocklist.csv`: `dst_ip` and `dst_port` as one `ip:port`
/// indicator (the bare IP when the port is absent), `malware` as tag. Never fails.
pub fn load_feodo(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    feodo_into(bytes, opts, &mut out);
    out
}

/// [`load_feodo`] into `out` (whose report it replaces).
pub(crate) fn feodo_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) {
    const COLS: &[&str] = &[
        "first_seen_utc",
        "dst_ip",
        "dst_port",
        "c2_status",
        "last_online",
        "malware",
    ];
    load_csv(
        bytes,
        opts,
        out,
        Format::Feodo,
        COLS,
        "dst_ip",
        |r, n, out| {
            let Some(ip) = r.get("dst_ip") else {
                out.report.skip(Some(n), Some("dst_ip".into()), "no dst_ip");
                return;
            };
            let value = match r.get("dst_port") {
                Some(p) if ip.contains(':') => format!("[{ip}]:{p}"),
                Some(p) => format!("{ip}:{p}"),
                None => ip.to_string(),
            };
            let mut meta = Meta::source(opts.source.clone());
            split_tags(&mut meta.tags, r.get("malware"));
            add(out, n, "dst_ip", Kind::Ip, &value, meta, false);
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitter() {
        assert_eq!(split_csv_line("").unwrap(), [""]);
        assert_eq!(split_csv_line("a,,b").unwrap(), ["a", "", "b"]);
        assert_eq!(split_csv_line("a,").unwrap(), ["a", ""]);
        assert_eq!(split_csv_line(r#""""""#).unwrap(), ["\""]);
        assert_eq!(split_csv_line(r#""a" , "b""#).unwrap(), ["a", "b"]);
        assert!(split_csv_line(r#""a"b"#).unwrap_err().contains("column 4"));
        assert!(split_csv_line(r#""a"#).is_err());
        assert!(split_csv_line("x,\"a\"\"").is_err());
        assert_eq!(split_csv_line("é,\"ü\"").unwrap(), ["é", "ü"]);
    }
}
