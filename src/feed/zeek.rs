//! Zeek intel framework files, read by the rules of Zeek's ASCII input reader.
//!
//! The header is the line `#fields<TAB>name<TAB>name...` (a space after `#fields` makes it
//! a comment, as in Zeek); other `#` lines and empty lines are skipped; fields are split on
//! single TABs and taken by column name in any order (`indicator`, `indicator_type` and
//! `meta.source` are required; `meta.desc`, `meta.url` are used; others ignored). `-` is
//! an unset field and `(empty)` an empty one.
//!
//! Types: `Intel::ADDR` and `Intel::SUBNET` → ip, `Intel::DOMAIN` → domain matched exactly
//! (Zeek never matches subdomains), `Intel::URL` → url, `Intel::EMAIL` → email,
//! `Intel::FILE_HASH` → md5/sha1/sha256/sha512 by length, `Intel::CERT_HASH` → sha1.
//! `USER_NAME`, `SOFTWARE`, `FILE_NAME`, `PUBKEY_HASH` and other types are observed by Zeek
//! in places linerate does not see; their rows are skipped with that reason.
//! `meta.source` is added to the indicator's sources, `meta.desc` becomes a tag and
//! `meta.url` a reference.

use super::{bad_feed, lines, push_unique, Format, LoadOptions, LoadReport, Loaded};
use crate::error::{truncate, Error};
use crate::indicator::{Indicator, Kind, Meta, Value};

fn unset(s: &str) -> Option<&str> {
    match s {
        "-" | "" => None,
        "(empty)" => Some(""),
        s => Some(s),
    }
}

/// The `#fields` header: column names and the positions of the columns used.
struct Header {
    names: Vec<String>,
    indicator: usize,
    ty: usize,
    source: usize,
    desc: Option<usize>,
    url: Option<usize>,
    /// `meta.whitelist` (Zeek's policy/frameworks/intel/whitelist.zeek): `T` rows are
    /// allowlist entries, not indicators.
    whitelist: Option<usize>,
}

/// Loads a Zeek intel file.
///
/// Errors ([`crate::ErrorKind::BadFeed`]): no `#fields<TAB>` header before the first data
/// line, or a header without the `indicator`, `indicator_type` or `meta.source` column.
/// Bad rows are skipped with their line number.
pub fn load_zeek(bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    zeek_into(bytes, opts, &mut out)?;
    Ok(out)
}

/// [`load_zeek`] into `out` (whose report it replaces).
pub(crate) fn zeek_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) -> Result<(), Error> {
    out.report = LoadReport::new(&opts.source, Format::Zeek);
    let mut header: Option<Header> = None;
    let mut saw_space_fields = false;
    for (n, raw) in lines(bytes) {
        if raw.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(raw);
        let line: &str = &text;
        if let Some(rest) = line.strip_prefix("#fields\t") {
            let names: Vec<String> = rest.split('\t').map(str::to_string).collect();
            let find = |want: &str| names.iter().position(|c| c == want);
            let need = |want: &str| {
                find(want).ok_or_else(|| {
                    bad_feed(
                        opts,
                        format_args!(
                            "line {n}: the #fields header has no {want:?} column (found {})",
                            truncate(&names.join(", "), 120)
                        ),
                    )
                })
            };
            let (i, t, s) = (
                need("indicator")?,
                need("indicator_type")?,
                need("meta.source")?,
            );
            let (d, u) = (find("meta.desc"), find("meta.url"));
            let w = find("meta.whitelist");
            header = Some(Header {
                names,
                indicator: i,
                ty: t,
                source: s,
                desc: d,
                url: u,
                whitelist: w,
            });
            continue;
        }
        if line.starts_with('#') {
            if line.starts_with("#fields") {
                saw_space_fields = true;
            }
            continue;
        }
        let Some(Header {
            names,
            indicator: ci,
            ty: ct,
            source: cs,
            desc: cd,
            url: cu,
            whitelist: cw,
        }) = &header
        else {
            let hint = if saw_space_fields {
                " (a \"#fields\" line separated by spaces is a comment to Zeek: use a TAB after #fields)"
            } else {
                ""
            };
            return Err(bad_feed(
                opts,
                format_args!("line {n}: data before a \"#fields<TAB>...\" header{hint}"),
            ));
        };
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != names.len() {
            out.report.skip(
                Some(n),
                None,
                format!(
                    "{} fields, the #fields header has {}",
                    fields.len(),
                    names.len()
                ),
            );
            continue;
        }
        let get = |c: usize| fields.get(c).copied().and_then(unset);
        let Some(value) = get(*ci).filter(|v| !v.is_empty()) else {
            out.report
                .skip(Some(n), Some("indicator".into()), "indicator is unset");
            continue;
        };
        let ty = get(*ct).unwrap_or("");
        let ty_short = ty.strip_prefix("Intel::").unwrap_or(ty);
        let mut exact = opts.exact_domains;
        let kind = match ty_short {
            "ADDR" | "SUBNET" => Kind::Ip,
            "DOMAIN" => {
                exact = true;
                Kind::Domain
            }
            "URL" => Kind::Url,
            "EMAIL" => Kind::Email,
            "CERT_HASH" => Kind::Sha1,
            "FILE_HASH" => match Kind::hash_for_hex_len(value.trim().len()) {
                Some(k) => k,
                None => {
                    out.report.skip(
                        Some(n),
                        Some("indicator".into()),
                        format!(
                            "Intel::FILE_HASH {:?} is not 32, 40, 64 or 128 hex digits",
                            truncate(value, 80)
                        ),
                    );
                    continue;
                }
            },
            "USER_NAME" | "SOFTWARE" | "FILE_NAME" | "PUBKEY_HASH" | "JA3" | "JA4" => {
                out.report.skip(
                    Some(n),
                    Some("indicator_type".into()),
                    format!("{ty} indicators cannot be matched by linerate"),
                );
                continue;
            }
            _ => {
                out.report.skip(
                    Some(n),
                    Some("indicator_type".into()),
                    format!("unknown indicator type {:?}", truncate(ty, 40)),
                );
                continue;
            }
        };
        let v = match Value::parse(kind, value) {
            Ok(v) => v,
            Err(e) => {
                out.report
                    .skip(Some(n), Some("indicator".into()), format!("{ty}: {e}"));
                continue;
            }
        };
        if ty_short == "ADDR" {
            if let Value::Ip { net, .. } = &v {
                if net.prefix_len() != net.max_prefix_len() {
                    out.report.skip(
                        Some(n),
                        Some("indicator".into()),
                        format!(
                            "Intel::ADDR {:?} is a network (use Intel::SUBNET)",
                            truncate(value, 60)
                        ),
                    );
                    continue;
                }
            }
        }
        let mut meta = Meta::source(opts.source.clone());
        if let Some(s) = get(*cs) {
            push_unique(&mut meta.sources, s);
        }
        if let Some(d) = cd.and_then(get) {
            push_unique(&mut meta.tags, d);
        }
        if let Some(u) = cu.and_then(get) {
            push_unique(&mut meta.refs, u);
        }
        let mut ind = Indicator::new(v, meta);
        ind.exact = exact;
        if cw.and_then(get) == Some("T") {
            out.push_allow(ind);
        } else {
            out.push(ind);
        }
    }
    if header.is_none() && saw_space_fields {
        return Err(bad_feed(
            opts,
            "no \"#fields<TAB>...\" header (a \"#fields\" line separated by spaces is a comment to Zeek: use a TAB after #fields)",
        ));
    }
    Ok(())
}
