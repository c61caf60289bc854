//! STIX 2.0 and 2.1 indicators: a bundle, a TAXII 2.1 envelope (`{"objects":[..]}`), a bare
//! array of objects, or a single indicator object.
//!
//! Each `indicator` object with `pattern_type` `stix` (2.0 objects have no `pattern_type`)
//! is compiled by [`crate::feed::stix_pattern`]; what cannot be matched on one line is
//! skipped per indicator with a reason, never failing the bundle. Versions: only the
//! highest `modified` of each `id` is kept (older versions counted as ignored); `revoked`
//! indicators are ignored. `valid_from`/`valid_until` give the validity window (an indicator
//! with `valid_until <= valid_from` is skipped; a missing `valid_from`, required by the spec
//! but absent from some producers' output, is accepted as "no lower bound"), `confidence` (0–100) the confidence,
//! `labels` and `indicator_types` the tags, `object_marking_refs` the TLP (the TLP 1.0 and
//! 2.0 marking-definition ids, or `marking-definition` objects of the bundle), `id` the
//! reference, and `created_by_ref` a second source (the identity's `name` when the bundle
//! holds it).

use super::stix_pattern::{compile_pattern, Compiled};
use super::{parse_json, push_unique, show, Format, LoadOptions, LoadReport, Loaded};
use crate::error::{truncate, Error};
use crate::indicator::{Indicator, Meta, Tlp};
use crate::time::Timestamp;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

/// TLP marking-definition ids (TLP 1.0 and 2.0).
const TLP_IDS: &[(&str, Tlp)] = &[
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Clear,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Green,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::Amber,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::AmberStrict,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        Tlp::Red,
    ),
];

/// A `modified` time: (seconds, nanoseconds), for ordering versions.
type Version = (Timestamp, u32);

/// A STIX timestamp as (seconds, nanoseconds) for ordering versions.
fn stix_time(s: &str) -> Option<Version> {
    let t = Timestamp::parse_rfc3339(s).ok()?;
    let frac = s
        .split_once('.')
        .map(|(_, f)| f.trim_end_matches(|c: char| !c.is_ascii_digit()))
        .unwrap_or("");
    let mut nanos = 0u32;
    for (i, d) in frac.bytes().take(9).enumerate() {
        if !d.is_ascii_digit() {
            break;
        }
        nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
    }
    Some((t, nanos))
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// TLP of a `marking-definition` object (2.0/2.1 `definition.tlp`, or the TLP 2.0 extension).
fn marking_tlp(o: &Map<String, Json>) -> Option<Tlp> {
    if let Some(t) = o
        .get("definition")
        .and_then(|d| d.get("tlp"))
        .and_then(Json::as_str)
    {
        return Tlp::from_name(t);
    }
    o.get("extensions")
        .and_then(Json::as_object)?
        .values()
        .find_map(|e| e.get("tlp_2_0").and_then(Json::as_str))
        .and_then(Tlp::from_name)
}

/// Loads STIX indicators.
///
/// Errors ([`crate::ErrorKind::BadFeed`]): not JSON, or JSON that is not a bundle, envelope,
/// array of objects or indicator (no `objects` array).
pub fn load_stix(bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    stix_into(bytes, opts, &mut out)?;
    Ok(out)
}

/// [`load_stix`] into `out` (whose report it replaces).
pub(crate) fn stix_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) -> Result<(), Error> {
    let doc = parse_json(bytes, opts, Format::Stix)?;
    let mut bundle_version: Option<&str> = None;
    let objects: Vec<&Json> =
        match &doc {
            Json::Array(a) => a.iter().collect(),
            Json::Object(o) => match o.get("objects") {
                Some(Json::Array(a)) => {
                    bundle_version = o.get("spec_version").and_then(Json::as_str);
                    a.iter().collect()
                }
                Some(other) => {
                    return Err(super::bad_feed(
                        opts,
                        format_args!("\"objects\" is not an array: {}", show(other)),
                    ))
                }
                None if o.get("type").and_then(Json::as_str) == Some("indicator") => vec![&doc],
                None if o.get("type").and_then(Json::as_str) == Some("bundle") => Vec::new(),
                None => return Err(super::bad_feed(
                    opts,
                    "no \"objects\" array: not a STIX bundle, TAXII envelope or array of objects",
                )),
            },
            other => {
                return Err(super::bad_feed(
                    opts,
                    format_args!(
                        "expected a STIX bundle object or array, found {}",
                        show(other)
                    ),
                ))
            }
        };
    out.report = LoadReport::new(&opts.source, Format::Stix);

    // Context objects: identity names and marking definitions.
    let mut identities: HashMap<&str, &str> = HashMap::new();
    let mut markings: HashMap<&str, Tlp> = HashMap::new();
    // Latest version of each indicator id: (index, modified).
    let mut latest: HashMap<&str, (usize, Option<Version>)> = HashMap::new();
    let mut order: Vec<usize> = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        let Some(o) = obj.as_object() else {
            out.report.skip(
                None,
                Some(format!("objects[{i}]")),
                format!("not an object: {}", show(obj)),
            );
            continue;
        };
        let ty = o.get("type").and_then(Json::as_str).unwrap_or("");
        let id = o.get("id").and_then(Json::as_str);
        match ty {
            "identity" => {
                if let (Some(id), Some(n)) = (id, o.get("name").and_then(Json::as_str)) {
                    identities.insert(id, n);
                }
            }
            "marking-definition" => {
                if let (Some(id), Some(t)) = (id, marking_tlp(o)) {
                    markings.insert(id, t);
                }
            }
            "indicator" => {
                let Some(id) = id else {
                    out.report.skip(
                        None,
                        Some(format!("objects[{i}].id")),
                        "indicator without an id",
                    );
                    continue;
                };
                let modified = o.get("modified").and_then(Json::as_str).and_then(stix_time);
                match latest.get_mut(id) {
                    Some(cur) => {
                        out.report.ignored += 1; // one of the two versions is superseded
                        if modified >= cur.1 {
                            *cur = (i, modified);
                        }
                    }
                    None => {
                        latest.insert(id, (i, modified));
                        order.push(i);
                    }
                }
            }
            _ => {}
        }
    }
    // Keep the file order of each id's first appearance, loading its winning version.
    let todo: Vec<usize> = order
        .iter()
        .filter_map(|&first| {
            let id = objects.get(first)?.get("id")?.as_str()?;
            latest.get(id).map(|v| v.0)
        })
        .collect();
    for i in todo {
        if let Some(o) = objects.get(i).and_then(|o| o.as_object()) {
            load_indicator(out, opts, o, i, bundle_version, &identities, &markings);
        }
    }
    Ok(())
}

fn load_indicator(
    out: &mut Loaded,
    opts: &LoadOptions,
    o: &Map<String, Json>,
    i: usize,
    bundle_version: Option<&str>,
    identities: &HashMap<&str, &str>,
    markings: &HashMap<&str, Tlp>,
) {
    let id = o.get("id").and_then(Json::as_str).unwrap_or("");
    let path = |f: &str| Some(format!("objects[{i}].{f}"));
    let skip = |out: &mut Loaded, f: &str, why: String| {
        out.report
            .skip(None, path(f), format!("{}: {why}", truncate(id, 60)));
    };
    if !id.strip_prefix("indicator--").is_some_and(is_uuid) {
        skip(out, "id", "id is not indicator--<uuid>".into());
        return;
    }
    match o.get("revoked") {
        Some(Json::Bool(true)) => {
            out.report.ignored += 1;
            return;
        }
        None | Some(Json::Bool(false)) => {}
        Some(other) => {
            skip(
                out,
                "revoked",
                format!("revoked is not a boolean: {}", show(other)),
            );
            return;
        }
    }
    let version = match o.get("spec_version") {
        Some(Json::String(v)) => v.as_str(),
        None => bundle_version.unwrap_or("2.0"),
        Some(other) => {
            skip(
                out,
                "spec_version",
                format!("spec_version is not a string: {}", show(other)),
            );
            return;
        }
    };
    if version != "2.0" && version != "2.1" {
        skip(
            out,
            "spec_version",
            format!("unknown spec_version {:?}", truncate(version, 20)),
        );
        return;
    }
    match o.get("pattern_type") {
        Some(Json::String(t)) if t == "stix" => {}
        Some(Json::String(t)) => {
            skip(
                out,
                "pattern_type",
                format!("unsupported pattern_type {:?}", truncate(t, 30)),
            );
            return;
        }
        None if version == "2.0" => {}
        None => {
            skip(
                out,
                "pattern_type",
                "a STIX 2.1 indicator needs pattern_type".into(),
            );
            return;
        }
        Some(other) => {
            skip(
                out,
                "pattern_type",
                format!("pattern_type is not a string: {}", show(other)),
            );
            return;
        }
    }
    let pattern = match o.get("pattern") {
        Some(Json::String(p)) => p.as_str(),
        Some(other) => {
            skip(
                out,
                "pattern",
                format!("pattern is not a string: {}", show(other)),
            );
            return;
        }
        None => {
            skip(out, "pattern", "indicator without a pattern".into());
            return;
        }
    };
    let mut meta = Meta::source(opts.source.clone());
    meta.refs.push(id.to_string());
    let time = |out: &mut Loaded, f: &str| -> Result<Option<Timestamp>, ()> {
        match o.get(f) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => match Timestamp::parse_rfc3339(s) {
                Ok(t) => Ok(Some(t)),
                Err(e) => {
                    skip(out, f, e.to_string());
                    Err(())
                }
            },
            Some(other) => {
                skip(
                    out,
                    f,
                    format!("{f} is not a timestamp string: {}", show(other)),
                );
                Err(())
            }
        }
    };
    let Ok(valid_from) = time(out, "valid_from") else {
        return;
    };
    let Ok(valid_until) = time(out, "valid_until") else {
        return;
    };
    if let (Some(a), Some(b)) = (valid_from, valid_until) {
        if b <= a {
            skip(
                out,
                "valid_until",
                format!("valid_until {b} is not after valid_from {a}"),
            );
            return;
        }
    }
    meta.valid_from = valid_from;
    meta.valid_until = valid_until;
    match o.get("confidence") {
        None | Some(Json::Null) => {}
        Some(c) => match c.as_u64() {
            Some(c) if c <= 100 => meta.confidence = Some(c as u8),
            _ => {
                skip(
                    out,
                    "confidence",
                    format!("confidence {} is not an integer 0-100", show(c)),
                );
                return;
            }
        },
    }
    for key in ["labels", "indicator_types"] {
        if let Some(Json::Array(l)) = o.get(key) {
            for t in l.iter().filter_map(Json::as_str) {
                push_unique(&mut meta.tags, t);
            }
        }
    }
    if let Some(Json::Array(refs)) = o.get("object_marking_refs") {
        for r in refs.iter().filter_map(Json::as_str) {
            let tlp = TLP_IDS
                .iter()
                .find(|(id, _)| *id == r)
                .map(|(_, t)| *t)
                .or_else(|| markings.get(r).copied());
            meta.tlp = meta.tlp.max(tlp);
        }
    }
    if let Some(by) = o.get("created_by_ref").and_then(Json::as_str) {
        push_unique(&mut meta.sources, identities.get(by).copied().unwrap_or(by));
    }
    match compile_pattern(pattern) {
        Err(e) => skip(
            out,
            "pattern",
            format!("{e} in {:?}", truncate(pattern, 100)),
        ),
        Ok(Compiled { atoms, skipped }) => {
            if atoms.is_empty() {
                let why = skipped
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "the pattern yields no indicator".into());
                skip(out, "pattern", why);
                return;
            }
            if !skipped.is_empty() {
                skip(
                    out,
                    "pattern",
                    format!(
                        "{} part(s) not loaded, the rest is: {}",
                        skipped.len(),
                        skipped[0]
                    ),
                );
            }
            for atom in atoms {
                let mut m = meta.clone();
                if let Some((a, b)) = atom.window {
                    m.valid_from = Some(m.valid_from.map_or(a, |f| f.max(a)));
                    m.valid_until = Some(m.valid_until.map_or(b, |u| u.min(b)));
                    if m.valid_until <= m.valid_from {
                        skip(
                            out,
                            "pattern",
                            "START/STOP window lies outside valid_from..valid_until".into(),
                        );
                        continue;
                    }
                }
                let mut ind = Indicator::new(atom.value, m);
                ind.exact = atom.exact || opts.exact_domains;
                out.push(ind);
            }
        }
    }
}
