//! Format detection from content.
//!
//! JSON documents are recognized by their top-level keys (read without building the
//! document): a bundle, a TAXII envelope or an array of STIX objects → STIX; `Event` /
//! `response` / a bare event → MISP; `list` with `name`/`type`/`matching_attributes` →
//! warninglist; an object with `cidr` on the first line → Spamhaus JSON lines. Text is
//! recognized by its first lines: `#fields` → Zeek; the abuse.ch column headers → URLhaus,
//! ThreatFox or Feodo CSV; `; Spamhaus` or `CIDR ; SBL..` lines → Spamhaus DROP; `IP host`
//! lines or AdBlock `||domain^` rules → hosts; anything else → plain.

use super::{lines, strip_bom, Format};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::net::IpAddr;

/// Top-level keys of a JSON document (of the first element for an array).
#[derive(Default, Debug)]
struct Shape {
    array: bool,
    keys: Vec<String>,
    type_value: Option<String>,
}

impl Shape {
    fn has(&self, k: &str) -> bool {
        self.keys.iter().any(|x| x == k)
    }
}

struct ObjSeed<'a>(&'a mut Shape);

impl<'de> DeserializeSeed<'de> for ObjSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ObjSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(k) = m.next_key::<String>()? {
            let is_type = k == "type";
            if self.0.keys.len() < 64 {
                self.0.keys.push(k);
            }
            if is_type {
                let v: serde_json::Value = m.next_value()?;
                self.0.type_value = v.as_str().map(str::to_string);
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        self.0.array = true;
        if s.next_element_seed(ObjSeed(&mut *self.0))?.is_some() {
            while s.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

fn json_format(bytes: &[u8]) -> Option<Format> {
    let mut shape = Shape::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    // Errors (truncated or invalid JSON) still leave the keys seen so far: the loader
    // then reports the syntax error with its position.
    let complete = ObjSeed(&mut shape).deserialize(&mut de).is_ok();
    let ty = shape.type_value.as_deref();
    if shape.has("Event") || shape.has("response") {
        return Some(Format::Misp);
    }
    if !shape.array && shape.has("cidr") {
        return Some(Format::SpamhausJson);
    }
    if shape.array {
        if shape.has("Attribute") || shape.has("Object") {
            return Some(Format::Misp);
        }
        if shape.has("type") || shape.has("pattern") || (shape.keys.is_empty() && complete) {
            return Some(Format::Stix);
        }
        return None;
    }
    if shape.has("objects") || ty == Some("bundle") || ty == Some("indicator") {
        return Some(Format::Stix);
    }
    if shape.has("list")
        && (shape.has("matching_attributes")
            || shape.has("name")
            || shape.has("version")
            || shape.has("type"))
    {
        return Some(Format::Warninglist);
    }
    if shape.has("Attribute") || shape.has("Object") {
        return Some(Format::Misp);
    }
    if ty == Some("metadata") || shape.has("sblid") {
        return Some(Format::SpamhausJson);
    }
    None
}

/// Guesses the format of `bytes` from its content (see the module documentation).
/// `None` for JSON of no known shape.
///
/// ```
/// use linerate::feed::{detect, Format};
/// assert_eq!(detect(b"#fields\tindicator\tindicator_type\tmeta.source\n"), Some(Format::Zeek));
/// assert_eq!(detect(br#"{"type":"bundle","objects":[]}"#), Some(Format::Stix));
/// assert_eq!(detect(b"0.0.0.0 evil.com\n0.0.0.0 bad.net\n"), Some(Format::Hosts));
/// assert_eq!(detect(b"evil.com\n10.0.0.0/8\n"), Some(Format::Plain));
/// ```
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let body = strip_bom(bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{') | Some(b'[')) {
        let start = body.len() - body.iter().skip_while(|b| b.is_ascii_whitespace()).count();
        let f = json_format(&body[start..]);
        // `[` can also start an AdBlock header or a bracketed value in a text list.
        if f.is_some() || first == Some(&b'{') {
            return f;
        }
    }
    Some(text_format(body))
}

fn text_format(bytes: &[u8]) -> Format {
    let mut data_lines = 0usize;
    let mut hosts_lines = 0usize;
    let mut adblock = 0usize;
    let mut drop_lines = 0usize;
    let mut comments = String::new();
    for (n, raw) in lines(bytes) {
        if n > 400 || data_lines >= 50 {
            break;
        }
        let text = String::from_utf8_lossy(raw);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with("#fields\t") || line.starts_with("#fields ") {
            return Format::Zeek;
        }
        if line.starts_with('#') || line.starts_with(';') || line.starts_with('!') {
            if comments.len() < 16 * 1024 {
                comments.push_str(line);
                comments.push('\n');
            }
            if n == 1 && line.starts_with("; Spamhaus") {
                return Format::SpamhausDrop;
            }
            if line.starts_with("[Adblock") {
                adblock += 1;
            }
            continue;
        }
        if line.starts_with("[Adblock") {
            adblock += 1;
            continue;
        }
        data_lines += 1;
        if data_lines == 1 && line.starts_with('"') {
            let c = comments.to_ascii_lowercase();
            if c.contains("dst_ip") || c.contains("feodo") {
                return Format::Feodo;
            }
            if c.contains("ioc_value") || c.contains("threatfox") {
                return Format::Threatfox;
            }
            if c.contains("urlhaus_link") || c.contains("id,dateadded,url") || c.contains("urlhaus")
            {
                return Format::Urlhaus;
            }
        }
        if line.starts_with("||") {
            adblock += 1;
            continue;
        }
        if let Some((l, r)) = line.split_once(';') {
            if r.trim_start().starts_with("SBL") && l.trim().contains('/') {
                drop_lines += 1;
            }
        }
        let mut tok = line.split_whitespace();
        if let (Some(ip), Some(host)) = (tok.next(), tok.next()) {
            if ip.parse::<IpAddr>().is_ok() && !host.starts_with('#') && !host.starts_with(';') {
                hosts_lines += 1;
            }
        }
    }
    if data_lines > 0 && drop_lines * 2 > data_lines {
        return Format::SpamhausDrop;
    }
    if data_lines > 0 && hosts_lines * 2 > data_lines {
        return Format::Hosts;
    }
    if adblock > 0 && adblock >= data_lines.saturating_sub(adblock) {
        return Format::Hosts;
    }
    Format::Plain
}
