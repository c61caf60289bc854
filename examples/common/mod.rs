//! Helpers shared by the sensor examples (`log_sensor`, `pcap_sensor`): loading intel and
//! allowlists into a database, watching them for changes, JSON output fields.
//!
//! Use from an example with `#[path = "common/mod.rs"] mod common;`.
#![allow(dead_code)]

use linerate::feed::{self, Format, LoadOptions, LoadReport};
use linerate::{Builder, Database, Sighting, Timestamp};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One `--intel` or `--allow` argument.
#[derive(Clone, Debug)]
pub struct IntelSource {
    /// File or directory.
    pub path: PathBuf,
    /// `None`: detect from content.
    pub format: Option<Format>,
    /// An allowlist (`--allow`): every entry is added with `Builder::add_allow`.
    pub allow: bool,
}

/// A database and what loading it did.
pub struct LoadedIntel {
    /// The compiled database.
    pub db: Database,
    /// One report per file loaded (in load order), and whether it was an allowlist.
    pub reports: Vec<(bool, LoadReport)>,
}

impl LoadedIntel {
    /// The load reports as text: one line per file (`intel: ...` / `allow: ...`), each
    /// followed by its first `max_skipped` skipped entries.
    pub fn describe(&self, max_skipped: usize) -> String {
        let mut s = String::new();
        for (allow, r) in &self.reports {
            let _ = writeln!(s, "  {}: {r}", if *allow { "allow" } else { "intel" });
            for k in r.skipped.iter().take(max_skipped) {
                let _ = writeln!(s, "    skipped {k}");
            }
            if r.skipped_count > max_skipped {
                let _ = writeln!(
                    s,
                    "    ... and {} more skipped",
                    r.skipped_count - max_skipped
                );
            }
        }
        let _ = write!(
            s,
            "  database: {} indicators, {} allowlist entries",
            self.db.len(),
            self.db.allow_len()
        );
        s
    }
}

/// Whether `path`'s name ends in `.gz`.
pub fn is_gz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// The source name recorded for a feed file: its file name.
pub fn source_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The regular files of a directory, sorted by name (hidden files skipped).
fn dir_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let p = e.path();
        if p.is_file() {
            v.push(p);
        }
    }
    v.sort();
    Ok(v)
}

/// Loads every source into one database with [`feed::fs::load_path`] (source name: the
/// file's or directory's name). A path that cannot be read, a format that cannot be detected,
/// a feed that cannot be parsed at all (in a directory: when no file loads) or a builder limit
/// is an error naming the path; bad entries inside a feed are only reported.
///
/// A directory holding `manifest.json` is a MISP feed; any other directory loads each
/// regular file in it in name order (documentation files passed over) as one feed.
pub fn load_database(sources: &[IntelSource], exact_domains: bool) -> Result<LoadedIntel, String> {
    let mut b = Builder::new();
    let mut reports = Vec::new();
    for src in sources {
        let mut opts = LoadOptions::new(source_name(&src.path));
        opts.format = src.format;
        opts.exact_domains = exact_domains;
        if !src.allow {
            // Streamed into the builder: no intermediate list of indicators (the load's
            // memory peak on big feeds).
            let report =
                feed::fs::load_path_into(&src.path, &opts, &mut b).map_err(|e| e.to_string())?;
            reports.push((false, report));
            continue;
        }
        let loaded = feed::fs::load_path(&src.path, &opts).map_err(|e| e.to_string())?;
        let add_err = |e: linerate::Error| format!("{}: {e}", src.path.display());
        for i in loaded.indicators {
            if src.allow {
                b.add_allow(i).map_err(add_err)?;
            } else {
                b.add(i).map_err(add_err)?;
            }
        }
        for a in loaded.allow {
            b.add_allow(a).map_err(add_err)?;
        }
        reports.push((src.allow, loaded.report));
    }
    let db = b
        .into_database()
        .map_err(|e| format!("cannot compile the database: {e}"))?;
    Ok(LoadedIntel { db, reports })
}

/// What identifies the current state of the sources on disk: per file (and per file inside
/// a directory) its path, modification time and length, or the error reading it.
pub type Fingerprint = Vec<(PathBuf, Option<(SystemTime, u64)>)>;

/// The sources' current [`Fingerprint`].
pub fn fingerprint(sources: &[IntelSource]) -> Fingerprint {
    let stat = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()))
    };
    let mut v = Vec::new();
    for s in sources {
        v.push((s.path.clone(), stat(&s.path)));
        if s.path.is_dir() {
            for f in dir_files(&s.path).unwrap_or_default() {
                let st = stat(&f);
                v.push((f, st));
            }
        }
    }
    v
}

/// Parses a `--format` value: a format name, or `auto` for detection.
pub fn parse_format(name: &str) -> Result<Option<Format>, String> {
    if name.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    Format::from_name(name).map(Some).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
        format!(
            "unknown format {name:?} (known: auto, {})",
            names.join(", ")
        )
    })
}

/// Parses `--now`.
pub fn parse_now(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).map_err(|e| format!("--now: {e}"))
}

/// The wall clock as a [`Timestamp`].
pub fn wall_clock() -> Timestamp {
    let secs = match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    Timestamp(secs)
}

/// Appends `s` as a JSON string (exactly as `serde_json` writes it).
pub fn json_str(out: &mut Vec<u8>, s: &str) {
    // serde_json escapes `"`, `\` and control characters and copies everything else: a
    // string without those is copied as is.
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    // Writing to a Vec cannot fail, and a &str always serializes.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Appends `n` in decimal.
pub fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends `"key":` followed by `s` as a JSON string.
pub fn json_field_str(out: &mut Vec<u8>, key: &str, s: &str) {
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    json_str(out, s);
}

/// Appends `observed` (lossy UTF-8 of `bytes`) and the indicator fields of SPEC §6:
/// `"observed":...,"type":...,"indicator":...,"sources":[...],"refs":[...]` (no braces, no
/// leading comma).
pub fn json_sighting_tail(out: &mut Vec<u8>, observed: &[u8], s: &Sighting, db: &Database) {
    json_field_str(out, "observed", &String::from_utf8_lossy(observed));
    out.push(b',');
    json_field_str(out, "type", s.kind.as_str());
    out.push(b',');
    let ind = db.indicator(s.indicator);
    json_field_str(out, "indicator", ind.as_ref().map_or("", |i| &i.value));
    out.extend_from_slice(b",\"sources\":");
    json_list(out, ind.as_ref().map_or(&[], |i| &i.meta.sources[..]));
    out.extend_from_slice(b",\"refs\":");
    json_list(out, ind.as_ref().map_or(&[], |i| &i.meta.refs[..]));
}

fn json_list(out: &mut Vec<u8>, items: &[String]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_str(out, s);
    }
    out.push(b']');
}
