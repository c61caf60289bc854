//! MISP event JSON and MISP feed directories.
//!
//! Accepted shapes: `{"Event":{..}}`, `{"response":[{"Event":..}..]}`, an attribute search
//! `{"response":{"Attribute":[..]}}`, a bare list of either, or a bare event object.
//! The detection set is every attribute with `to_ids` true (bool, `0`/`1` or `"0"`/`"1"`)
//! and not `deleted`, top-level or inside objects. Attributes with `to_ids` false, deleted
//! ones and types linerate cannot match (filenames, registry keys, fuzzy hashes, rules...)
//! are counted as ignored.
//!
//! Types (MISP describeTypes): `ip-src`/`ip-dst` (address or CIDR) → ip;
//! `ip-src|port`/`ip-dst|port` → ip with port; `domain`, `hostname` → domain, exact
//! (MISP matches a domain attribute exactly); `domain|ip` → that domain and that ip;
//! `hostname|port` → the domain; `url`, `link` → url; `uri` (a path) → case-sensitive
//! literal; `email*` → email; `md5`/`sha1`/`sha256`/`sha512` and `filename|<hash>` → the
//! hash; `x509-fingerprint-*`, `ja3-fingerprint-md5`, `hassh*-md5` → the hash; `onion-address`
//! → domain; `stix2-pattern` → compiled by the STIX pattern loader.
//!
//! Metadata: tags of the event and the attribute → tags (`tlp:*` tags also set the TLP),
//! event uuid, attribute uuid and event info → references, `Orgc` name → a second source.

use super::stix_pattern::{compile_pattern, Compiled};
use super::{parse_json, push_unique, show, Format, LoadOptions, LoadReport, Loaded};
use crate::error::{truncate, Error};
use crate::indicator::{Indicator, Kind, Meta, Tlp, Value};
use serde_json::{Map, Value as Json};

/// The indicator kinds a MISP attribute type can yield (empty: none). Used for warninglists'
/// `matching_attributes`.
pub(crate) fn kinds_of_type(t: &str) -> &'static [Kind] {
    match t {
        "ip-src" | "ip-dst" | "ip-src|port" | "ip-dst|port" | "ip" => &[Kind::Ip],
        "domain" | "hostname" | "hostname|port" | "onion-address" => &[Kind::Domain],
        "domain|ip" => &[Kind::Domain, Kind::Ip],
        "url" | "link" => &[Kind::Url],
        "uri" => &[Kind::Literal, Kind::Url],
        "email"
        | "email-src"
        | "email-dst"
        | "eppn"
        | "target-email"
        | "whois-registrant-email"
        | "dns-soa-email"
        | "email-reply-to" => &[Kind::Email],
        "md5"
        | "filename|md5"
        | "ja3-fingerprint-md5"
        | "hassh-md5"
        | "hasshserver-md5"
        | "x509-fingerprint-md5" => &[Kind::Md5],
        "sha1" | "filename|sha1" | "x509-fingerprint-sha1" => &[Kind::Sha1],
        "sha256" | "filename|sha256" | "x509-fingerprint-sha256" => &[Kind::Sha256],
        "sha512" | "filename|sha512" => &[Kind::Sha512],
        _ => &[],
    }
}

/// What one attribute yields: (kind, text, exact-domain) parts, or why it is not loaded.
enum Plan<'a> {
    Parts(Vec<(Kind, String)>),
    Stix(&'a str),
    /// A type linerate cannot match.
    Ignore,
    Bad(String),
}

fn split_one<'a>(ty: &str, value: &'a str) -> Result<(&'a str, &'a str), String> {
    let mut it = value.split('|');
    match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), None) => Ok((a.trim(), b.trim())),
        (_, None, _) => Err(format!(
            "composite type {ty} needs 'left|right', found no '|' in {:?}",
            truncate(value, 80)
        )),
        _ => Err(format!(
            "composite type {ty} needs exactly one '|', found more in {:?}",
            truncate(value, 80)
        )),
    }
}

fn ip_port(ip: &str, port: &str) -> String {
    if ip.contains(':') && !ip.starts_with('[') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

fn plan<'a>(ty: &str, value: &'a str) -> Plan<'a> {
    let one = |k: Kind| Plan::Parts(vec![(k, value.to_string())]);
    match ty {
        "ip-src" | "ip-dst" => one(Kind::Ip),
        "ip-src|port" | "ip-dst|port" => {
            if value.contains('|') {
                match split_one(ty, value) {
                    Ok((ip, port)) => Plan::Parts(vec![(Kind::Ip, ip_port(ip, port))]),
                    Err(e) => Plan::Bad(e),
                }
            } else {
                one(Kind::Ip)
            }
        }
        "domain" | "hostname" | "onion-address" => one(Kind::Domain),
        "hostname|port" => {
            let host = if value.contains('|') {
                split_one(ty, value).map(|(h, _)| h)
            } else {
                Ok(value.rsplit_once(':').map_or(value, |(h, _)| h))
            };
            match host {
                Ok(h) => Plan::Parts(vec![(Kind::Domain, h.to_string())]),
                Err(e) => Plan::Bad(e),
            }
        }
        "domain|ip" => match split_one(ty, value) {
            Ok((d, ip)) => Plan::Parts(vec![
                (Kind::Domain, d.to_string()),
                (Kind::Ip, ip.to_string()),
            ]),
            Err(e) => Plan::Bad(e),
        },
        "url" | "link" => one(Kind::Url),
        "uri" => {
            let v = value.trim();
            if v.starts_with('/') && v.len() > 1 {
                one(Kind::Literal)
            } else {
                one(Kind::Url)
            }
        }
        "stix2-pattern" => Plan::Stix(value),
        t if t.starts_with("filename|") => {
            let k = kinds_of_type(t);
            match (k.first(), split_one(ty, value)) {
                (Some(&k), Ok((_, h))) => Plan::Parts(vec![(k, h.to_string())]),
                (None, _) => Plan::Ignore,
                (_, Err(e)) => Plan::Bad(e),
            }
        }
        t => match kinds_of_type(t) {
            [k] => one(*k),
            _ => Plan::Ignore,
        },
    }
}

/// A JSON boolean in MISP's spellings: `true`/`false`, `0`/`1`, `"0"`/`"1"`, `"true"`/`"false"`.
fn misp_bool(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Json::String(s) => match s.trim() {
            "0" | "false" | "False" => Some(false),
            "1" | "true" | "True" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn str_of<'a>(o: &'a Map<String, Json>, k: &str) -> Option<&'a str> {
    o.get(k)
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Tag names from `Tag: [{name}]` and `EventTag`/`AttributeTag: [{Tag:{name}}]`.
fn tag_names(o: &Map<String, Json>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Json::Array(tags)) = o.get("Tag") {
        for t in tags {
            if let Some(n) = t.as_object().and_then(|t| str_of(t, "name")) {
                push_unique(&mut out, n);
            }
        }
    }
    for key in ["EventTag", "AttributeTag"] {
        if let Some(Json::Array(tags)) = o.get(key) {
            for t in tags {
                if let Some(n) = t
                    .get("Tag")
                    .and_then(Json::as_object)
                    .and_then(|t| str_of(t, "name"))
                {
                    push_unique(&mut out, n);
                }
            }
        }
    }
    out
}

fn apply_tags(meta: &mut Meta, tags: &[String]) {
    for t in tags {
        push_unique(&mut meta.tags, t);
        if t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tlp:")) {
            if let Some(tlp) = Tlp::from_name(t) {
                meta.tlp = meta.tlp.max(Some(tlp));
            }
        }
    }
}

/// Event-level context shared by its attributes.
struct EventCtx {
    uuid: Option<String>,
    info: Option<String>,
    org: Option<String>,
    tags: Vec<String>,
}

impl EventCtx {
    fn of(ev: &Map<String, Json>) -> EventCtx {
        let org = ["Orgc", "Org"]
            .iter()
            .find_map(|k| {
                ev.get(*k)
                    .and_then(Json::as_object)
                    .and_then(|o| str_of(o, "name"))
            })
            .map(str::to_string);
        EventCtx {
            uuid: str_of(ev, "uuid").map(str::to_string),
            info: str_of(ev, "info").map(str::to_string),
            org,
            tags: tag_names(ev),
        }
    }
}

fn load_attribute(out: &mut Loaded, opts: &LoadOptions, ctx: &EventCtx, attr: &Json, path: &str) {
    let Some(a) = attr.as_object() else {
        out.report.skip(
            None,
            Some(path.to_string()),
            format!("not an object: {}", show(attr)),
        );
        return;
    };
    if a.get("deleted").and_then(misp_bool) == Some(true) {
        out.report.ignored += 1;
        return;
    }
    let uuid = str_of(a, "uuid");
    let ty = match a.get("type") {
        Some(Json::String(t)) => t.trim(),
        other => {
            out.report.skip(
                None,
                Some(format!("{path}.type")),
                format!(
                    "attribute{} has no type (found {})",
                    uuid.map(|u| format!(" {u}")).unwrap_or_default(),
                    other.map_or("nothing".to_string(), show)
                ),
            );
            return;
        }
    };
    let ids = match a.get("to_ids") {
        None | Some(Json::Null) => false,
        Some(v) => match misp_bool(v) {
            Some(b) => b,
            None => {
                out.report.skip(
                    None,
                    Some(format!("{path}.to_ids")),
                    format!(
                        "{ty} attribute: to_ids {} is not a boolean, 0 or 1",
                        show(v)
                    ),
                );
                return;
            }
        },
    };
    if !ids {
        out.report.ignored += 1;
        return;
    }
    let value = match a.get("value") {
        Some(Json::String(v)) => v.as_str(),
        other => {
            out.report.skip(
                None,
                Some(format!("{path}.value")),
                format!(
                    "{ty} attribute{}: value is not a string (found {})",
                    uuid.map(|u| format!(" {u}")).unwrap_or_default(),
                    other.map_or("nothing".to_string(), show)
                ),
            );
            return;
        }
    };
    let mut meta = Meta::source(opts.source.clone());
    if let Some(o) = &ctx.org {
        push_unique(&mut meta.sources, o);
    }
    for r in [ctx.uuid.as_deref(), uuid, ctx.info.as_deref()]
        .into_iter()
        .flatten()
    {
        push_unique(&mut meta.refs, r);
    }
    apply_tags(&mut meta, &ctx.tags);
    apply_tags(&mut meta, &tag_names(a));
    let who = || {
        format!(
            "{ty} attribute{}",
            uuid.map(|u| format!(" {u}")).unwrap_or_default()
        )
    };
    match plan(ty, value) {
        Plan::Ignore => out.report.ignored += 1,
        Plan::Bad(e) => out.report.skip(
            None,
            Some(format!("{path}.value")),
            format!("{}: {e}", who()),
        ),
        Plan::Stix(p) => match compile_pattern(p) {
            Ok(Compiled { atoms, skipped, .. }) if !atoms.is_empty() => {
                for atom in atoms {
                    let mut m = meta.clone();
                    if let Some((from, until)) = atom.window {
                        m.valid_from = Some(from);
                        m.valid_until = Some(until);
                    }
                    let mut ind = Indicator::new(atom.value, m);
                    ind.exact = atom.exact || opts.exact_domains;
                    out.push(ind);
                }
                if let Some(r) = skipped.first() {
                    out.report.skip(
                        None,
                        Some(format!("{path}.value")),
                        format!("{}: some comparisons not loaded: {r}", who()),
                    );
                }
            }
            Ok(c) => out.report.skip(
                None,
                Some(format!("{path}.value")),
                format!(
                    "{}: {}",
                    who(),
                    c.skipped
                        .first()
                        .map_or("no indicator in the pattern", String::as_str)
                ),
            ),
            Err(e) => out.report.skip(
                None,
                Some(format!("{path}.value")),
                format!("{}: {e}", who()),
            ),
        },
        Plan::Parts(parts) => {
            for (kind, text) in parts {
                let parsed = if kind == Kind::Literal {
                    Value::literal(text.trim().as_bytes(), false)
                } else {
                    Value::parse(kind, &text)
                };
                match parsed {
                    Ok(v) => {
                        let mut ind = Indicator::new(v, meta.clone());
                        ind.exact = kind == Kind::Domain || opts.exact_domains;
                        out.push(ind);
                    }
                    Err(e) => out.report.skip(
                        None,
                        Some(format!("{path}.value")),
                        format!("{}: {e}", who()),
                    ),
                }
            }
        }
    }
}

fn load_event(out: &mut Loaded, opts: &LoadOptions, ev: &Map<String, Json>, path: &str) {
    let ctx = EventCtx::of(ev);
    if let Some(attrs) = ev.get("Attribute") {
        match attrs {
            Json::Array(list) => {
                for (i, a) in list.iter().enumerate() {
                    load_attribute(out, opts, &ctx, a, &format!("{path}.Attribute[{i}]"));
                }
            }
            other => out.report.skip(
                None,
                Some(format!("{path}.Attribute")),
                format!("not an array: {}", show(other)),
            ),
        }
    }
    if let Some(objs) = ev.get("Object") {
        let Json::Array(objs) = objs else {
            out.report.skip(
                None,
                Some(format!("{path}.Object")),
                format!("not an array: {}", show(objs)),
            );
            return;
        };
        for (j, o) in objs.iter().enumerate() {
            let opath = format!("{path}.Object[{j}]");
            let Some(o) = o.as_object() else {
                out.report
                    .skip(None, Some(opath), format!("not an object: {}", show(o)));
                continue;
            };
            if o.get("deleted").and_then(misp_bool) == Some(true) {
                out.report.ignored += 1;
                continue;
            }
            match o.get("Attribute") {
                Some(Json::Array(list)) => {
                    for (i, a) in list.iter().enumerate() {
                        load_attribute(out, opts, &ctx, a, &format!("{opath}.Attribute[{i}]"));
                    }
                }
                None => {}
                Some(other) => out.report.skip(
                    None,
                    Some(format!("{opath}.Attribute")),
                    format!("not an array: {}", show(other)),
                ),
            }
        }
    }
}

/// The per-event callback of [`events`].
type EventFn<'f> = dyn FnMut(&mut Loaded, &Map<String, Json>, &str) + 'f;

/// Calls `f` with every event object in a MISP document, with its path; a wrapper of the
/// wrong shape is reported. Returns false when the document is no MISP shape at all.
fn events(out: &mut Loaded, doc: &Json, f: &mut EventFn<'_>) -> bool {
    fn one(out: &mut Loaded, v: &Json, path: &str, f: &mut EventFn<'_>) -> bool {
        let Some(o) = v.as_object() else {
            out.report.skip(
                None,
                Some(path.to_string()),
                format!("expected an event object, found {}", show(v)),
            );
            return true;
        };
        match o.get("Event") {
            Some(Json::Object(ev)) => {
                f(out, ev, &format!("{path}.Event"));
                true
            }
            Some(other) => {
                out.report.skip(
                    None,
                    Some(format!("{path}.Event")),
                    format!("not an object: {}", show(other)),
                );
                true
            }
            None if o.contains_key("Attribute") || o.contains_key("Object") => {
                f(out, o, path);
                true
            }
            None => false,
        }
    }
    match doc {
        Json::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                if !one(out, v, &format!("[{i}]"), f) {
                    out.report.skip(
                        None,
                        Some(format!("[{i}]")),
                        "no \"Event\" or \"Attribute\" key",
                    );
                }
            }
            true
        }
        Json::Object(o) => match o.get("response") {
            Some(Json::Array(list)) => {
                for (i, v) in list.iter().enumerate() {
                    let p = format!("response[{i}]");
                    if !one(out, v, &p, f) {
                        out.report
                            .skip(None, Some(p), "no \"Event\" or \"Attribute\" key");
                    }
                }
                true
            }
            Some(r @ Json::Object(_)) => {
                if !one(out, r, "response", f) {
                    out.report.skip(
                        None,
                        Some("response".into()),
                        "no \"Event\" or \"Attribute\" key",
                    );
                }
                true
            }
            Some(other) => {
                out.report.skip(
                    None,
                    Some("response".into()),
                    format!("not an array or object: {}", show(other)),
                );
                true
            }
            None => one(out, doc, "", f),
        },
        _ => false,
    }
}

/// Loads MISP event JSON.
///
/// Errors ([`crate::ErrorKind::BadFeed`]): not JSON, or JSON with no `Event`, `response` or
/// `Attribute` (not a MISP export). Bad attributes are skipped with their path, type and uuid.
pub fn load_misp(bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    misp_into(bytes, opts, &mut out)?;
    Ok(out)
}

/// [`load_misp`] into `out` (whose report it replaces).
pub(crate) fn misp_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) -> Result<(), Error> {
    let doc = parse_json(bytes, opts, Format::Misp)?;
    out.report = LoadReport::new(&opts.source, Format::Misp);
    if !events(out, &doc, &mut |out, ev, path| {
        load_event(out, opts, ev, path)
    }) {
        return Err(super::bad_feed(
            opts,
            "no \"Event\", \"response\" or \"Attribute\" key: not a MISP event export",
        ));
    }
    Ok(())
}

/// Whether `s` may name a file in a feed directory: a uuid-like token, no path separators.
fn safe_uuid(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// Loads a MISP feed directory, given its `manifest.json` and a callback that returns the
/// content of a file of the directory by name (`<uuid>.json`), or `None` when missing.
///
/// Each manifest key must be a uuid; its event file is read, parsed and loaded like
/// [`load_misp`]. A missing event file, one that is not JSON, or one whose `Event.uuid`
/// differs from the manifest key is reported as skipped (field `manifest[<uuid>]`) and the
/// other events still load. Events load in uuid order.
///
/// Errors: a manifest that is not a JSON object.
pub fn load_misp_feed(
    manifest: &[u8],
    read: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    opts: &LoadOptions,
) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    misp_feed_into(manifest, read, opts, &mut out)?;
    Ok(out)
}

/// [`load_misp_feed`] into `out` (whose report it replaces).
pub(crate) fn misp_feed_into(
    manifest: &[u8],
    read: &mut dyn FnMut(&str) -> Option<Vec<u8>>,
    opts: &LoadOptions,
    out: &mut Loaded,
) -> Result<(), Error> {
    let doc = parse_json(manifest, opts, Format::Misp)?;
    let Json::Object(map) = doc else {
        return Err(super::bad_feed(
            opts,
            format_args!("manifest.json is not a JSON object: {}", show(&doc)),
        ));
    };
    out.report = LoadReport::new(&opts.source, Format::Misp);
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for uuid in keys {
        let field = || Some(format!("manifest[{}]", truncate(uuid, 64)));
        if !safe_uuid(uuid) {
            out.report
                .skip(None, field(), "manifest key is not an event uuid");
            continue;
        }
        let name = format!("{uuid}.json");
        let Some(bytes) = read(&name) else {
            out.report
                .skip(None, field(), format!("event file {name} is missing"));
            continue;
        };
        let ev_doc: Json = match serde_json::from_slice(super::strip_bom(&bytes)) {
            Ok(d) => d,
            Err(e) => {
                out.report.skip(
                    None,
                    field(),
                    format!(
                        "{name} is not valid JSON: {} at line {} column {}",
                        super::json_error_reason(&e),
                        e.line(),
                        e.column()
                    ),
                );
                continue;
            }
        };
        let mut mismatch: Option<String> = None;
        let mut buffer = Loaded {
            report: LoadReport::new(&opts.source, Format::Misp),
            ..Loaded::default()
        };
        let shaped = events(&mut buffer, &ev_doc, &mut |out, ev, path| {
            let got = str_of(ev, "uuid").unwrap_or("");
            if !got.eq_ignore_ascii_case(uuid) {
                mismatch = Some(got.to_string());
                return;
            }
            load_event(out, opts, ev, &format!("{name}:{path}"));
        });
        if !shaped {
            out.report
                .skip(None, field(), format!("{name} holds no MISP event"));
            continue;
        }
        if let Some(got) = mismatch {
            out.report.skip(
                None,
                field(),
                format!(
                    "{name} holds event {:?}, not the manifest's {uuid} (not loaded)",
                    truncate(&got, 64)
                ),
            );
            continue;
        }
        out.take(&mut buffer);
        buffer.report.source.clone_from(&out.report.source);
        out.report.absorb(buffer.report);
    }
    Ok(())
}
