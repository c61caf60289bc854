//! Threat-intel feed loaders: bytes in, indicators and a [`LoadReport`] out. No I/O
//! (except in [`fs`], the filesystem convenience).
//!
//! One file per format. Every loader is total: a bad entry is skipped and reported with its
//! line (or field path) and reason, and never aborts the rest of the feed; only input that
//! cannot be read as the format at all (for instance a STIX file that is not JSON) is an
//! [`Error`]. Entries left out on purpose (comments aside: `to_ids: false`, revoked or
//! superseded STIX versions, types linerate cannot match, hosts-file preamble names) are
//! counted in [`LoadReport::ignored`].
//!
//! | [`Format`] | loader | what becomes an indicator |
//! |---|---|---|
//! | `plain` | [`load_plain`] | each line, kind inferred, or `KIND<TAB>VALUE[<TAB>source]` |
//! | `hosts` | [`load_hosts`] | host names (exact), AdBlock `\|\|domain^` (with subdomains) |
//! | `urlhaus` / `threatfox` / `feodo` | [`load_urlhaus`], [`load_threatfox`], [`load_feodo`] | the url / `ioc_value` / `dst_ip:dst_port` column |
//! | `spamhaus-drop` / `spamhaus-json` | [`load_spamhaus_drop`], [`load_spamhaus_json`] | each CIDR, SBL id as reference |
//! | `zeek` | [`load_zeek`] | each intel row, Zeek types mapped (domains exact) |
//! | `stix` | [`load_stix`] | the single-observable subset of each indicator's pattern ([`stix_pattern`]) |
//! | `misp` | [`load_misp`], [`load_misp_feed`] | each `to_ids` attribute, composites split |
//! | `warninglist` | [`load_warninglist`] | allowlist entries ([`Loaded::allow`]) |
//!
//! Where a format names its own source (the plain list's third column), it replaces the
//! feed name; where it names a producer (Zeek `meta.source`, MISP `Orgc`, STIX
//! `created_by_ref`) that is added as a second source after the feed name.
//!
//! ```
//! use linerate::feed::{self, LoadOptions};
//! let text = b"# my list\nevil.com\n10.0.0.0/8\nnot a value!\nsha256\te3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n";
//! let loaded = feed::load(text, &LoadOptions::new("my-list")).unwrap();
//! assert_eq!(loaded.indicators.len(), 3);
//! assert_eq!(loaded.report.skipped_count, 1);
//! assert_eq!(loaded.report.skipped[0].line, Some(4));
//! ```

mod csv;
mod detect;
pub mod fs;
mod hosts;
mod misp;
mod plain;
mod spamhaus;
mod stix;
pub mod stix_pattern;
mod warninglist;
mod zeek;

use csv::{feodo_into, threatfox_into, urlhaus_into};
pub use csv::{load_feodo, load_threatfox, load_urlhaus, split_csv_line};
pub use detect::detect;
use hosts::hosts_into;
pub use hosts::load_hosts;
use misp::misp_into;
pub use misp::{load_misp, load_misp_feed};
pub use plain::load_plain;
use plain::plain_into;
pub use spamhaus::{load_spamhaus_drop, load_spamhaus_json};
use spamhaus::{spamhaus_drop_into, spamhaus_json_into};
pub use stix::load_stix;
use stix::stix_into;
pub use warninglist::load_warninglist;
use warninglist::warninglist_into;
pub use zeek::load_zeek;
use zeek::zeek_into;

use crate::compile::Builder;
use crate::error::{Error, ErrorKind};
use crate::indicator::{Indicator, Kind};
use std::fmt;

/// Feed formats linerate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// One indicator per line, kind inferred; `#`/`;` comments; optional `KIND<TAB>VALUE[<TAB>source...]`.
    Plain,
    /// Hosts-file blocklists (`0.0.0.0 evil.com`) and AdBlock `||evil.com^` lines.
    Hosts,
    /// abuse.ch URLhaus CSV dump.
    Urlhaus,
    /// abuse.ch ThreatFox CSV export.
    Threatfox,
    /// abuse.ch Feodo Tracker `ipblocklist.csv`.
    Feodo,
    /// Spamhaus DROP text (`CIDR ; SBLnnn`).
    SpamhausDrop,
    /// Spamhaus DROP JSON lines (`{"cidr":..,"sblid":..}`).
    SpamhausJson,
    /// Zeek intel framework file (`#fields` TSV).
    Zeek,
    /// STIX 2.0 / 2.1 bundle, TAXII envelope or array of objects.
    Stix,
    /// MISP event JSON (`{"Event":..}`, `{"response":[..]}` or a list of events).
    Misp,
    /// MISP warninglist `list.json` (loaded as allowlist entries).
    Warninglist,
}

impl Format {
    /// Every format, for listing in help texts.
    pub const ALL: &'static [Format] = &[
        Format::Plain,
        Format::Hosts,
        Format::Urlhaus,
        Format::Threatfox,
        Format::Feodo,
        Format::SpamhausDrop,
        Format::SpamhausJson,
        Format::Zeek,
        Format::Stix,
        Format::Misp,
        Format::Warninglist,
    ];

    /// The format's name as accepted by `--format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::Hosts => "hosts",
            Format::Urlhaus => "urlhaus",
            Format::Threatfox => "threatfox",
            Format::Feodo => "feodo",
            Format::SpamhausDrop => "spamhaus-drop",
            Format::SpamhausJson => "spamhaus-json",
            Format::Zeek => "zeek",
            Format::Stix => "stix",
            Format::Misp => "misp",
            Format::Warninglist => "warninglist",
        }
    }

    /// Parses a format name (see [`Format::as_str`]; case-insensitive, a few aliases such
    /// as `txt`, `adblock`, `drop`, `stix2`, `zeek-intel`, `misp-event` are accepted).
    ///
    /// ```
    /// use linerate::feed::Format;
    /// assert_eq!(Format::from_name("STIX"), Some(Format::Stix));
    /// assert_eq!(Format::from_name("drop"), Some(Format::SpamhausDrop));
    /// assert_eq!(Format::from_name("nope"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Format> {
        let n = name.trim().to_ascii_lowercase();
        if let Some(f) = Format::ALL.iter().copied().find(|f| f.as_str() == n) {
            return Some(f);
        }
        Some(match n.as_str() {
            "txt" | "text" | "list" | "tsv" => Format::Plain,
            "hostfile" | "hostsfile" | "adblock" => Format::Hosts,
            "urlhaus-csv" => Format::Urlhaus,
            "threatfox-csv" => Format::Threatfox,
            "feodo-csv" | "ipblocklist" => Format::Feodo,
            "spamhaus" | "drop" | "spamhaus-txt" => Format::SpamhausDrop,
            "spamhaus-ndjson" | "drop-json" => Format::SpamhausJson,
            "zeek-intel" | "intel" | "bro" => Format::Zeek,
            "stix2" | "stix20" | "stix21" | "taxii" => Format::Stix,
            "misp-event" | "misp-json" => Format::Misp,
            "misp-warninglist" | "warninglists" => Format::Warninglist,
            _ => return None,
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to load one feed.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The feed's name, recorded as the indicators' source.
    pub source: String,
    /// Domain indicators match the name only, not subdomains.
    pub exact_domains: bool,
    /// The format; `None` detects it from the content.
    pub format: Option<Format>,
}

impl LoadOptions {
    /// Options for a feed named `source`, format auto-detected.
    pub fn new(source: impl Into<String>) -> LoadOptions {
        LoadOptions {
            source: source.into(),
            ..LoadOptions::default()
        }
    }
}

/// One entry that was not loaded, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// 1-based line number, for line-oriented formats.
    pub line: Option<usize>,
    /// The field or object path (`objects[3].pattern`, `Attribute[2].value`...).
    pub field: Option<String>,
    /// The reason, naming the offending value.
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        if let Some(x) = &self.field {
            write!(f, "{x}: ")?;
        }
        f.write_str(&self.reason)
    }
}

/// What a load did: counts per kind, and what was skipped with reasons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// The feed's name.
    pub source: String,
    /// The format used (detected or given).
    pub format: Option<Format>,
    /// Indicators loaded per kind, indexed by `Kind as usize`.
    pub loaded: [usize; 10],
    /// Allowlist entries loaded.
    pub allow: usize,
    /// Entries skipped in total.
    pub skipped_count: usize,
    /// The first [`LoadReport::MAX_DETAILS`] skipped entries in detail.
    pub skipped: Vec<Skipped>,
    /// Entries ignored on purpose, not errors (comments, `to_ids: false`, revoked,
    /// localhost entries of hosts files...), counted.
    pub ignored: usize,
}

impl LoadReport {
    /// How many skipped entries are kept in detail.
    pub const MAX_DETAILS: usize = 1000;

    /// A report for `source` in `format`.
    pub fn new(source: &str, format: Format) -> LoadReport {
        LoadReport {
            source: source.to_string(),
            format: Some(format),
            ..LoadReport::default()
        }
    }

    /// Indicators loaded of `kind`.
    pub fn count(&self, kind: Kind) -> usize {
        self.loaded[kind as usize]
    }

    /// Indicators loaded, all kinds.
    pub fn total(&self) -> usize {
        self.loaded.iter().sum()
    }

    /// Records a skipped entry.
    pub fn skip(&mut self, line: Option<usize>, field: Option<String>, reason: impl Into<String>) {
        self.skipped_count += 1;
        if self.skipped.len() < Self::MAX_DETAILS {
            self.skipped.push(Skipped {
                line,
                field,
                reason: reason.into(),
            });
        }
    }

    /// Adds `other`'s counts and details to this report (for directories of feeds).
    pub fn absorb(&mut self, other: LoadReport) {
        for (a, b) in self.loaded.iter_mut().zip(other.loaded) {
            *a += b;
        }
        self.allow += other.allow;
        self.ignored += other.ignored;
        self.skipped_count += other.skipped_count;
        for s in other.skipped {
            if self.skipped.len() < Self::MAX_DETAILS {
                self.skipped.push(s);
            }
        }
    }
}

impl fmt::Display for LoadReport {
    /// One line: `source (format): N indicators (ip 3, domain 2), M skipped, K ignored`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(fm) = self.format {
            write!(f, " ({fm})")?;
        }
        write!(f, ": {} indicators", self.total())?;
        let parts: Vec<String> = Kind::ALL
            .iter()
            .filter(|&&k| self.count(k) > 0)
            .map(|&k| format!("{k} {}", self.count(k)))
            .collect();
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        if self.allow > 0 {
            write!(f, ", {} allowlist entries", self.allow)?;
        }
        write!(
            f,
            ", {} skipped, {} ignored",
            self.skipped_count, self.ignored
        )
    }
}

/// The result of loading one feed.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// Indicators to match.
    pub indicators: Vec<Indicator>,
    /// Allowlist entries (warninglists).
    pub allow: Vec<Indicator>,
    /// Counts and skipped entries.
    pub report: LoadReport,
    /// Where pushed entries go while loading (the lists above unless [`load_into`]).
    pub(crate) sink: Sink,
}

/// A builder that [`load_into`] lends to the loader, and the first error adding to it.
#[derive(Clone, Default)]
pub(crate) struct Sink {
    builder: Option<Builder>,
    error: Option<Error>,
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("builder", &self.builder.as_ref().map(Builder::len))
            .field("error", &self.error)
            .finish()
    }
}

impl Loaded {
    /// Adds the indicators and allowlist entries to `b`. Fails only on a builder limit.
    pub fn add_to(self, b: &mut Builder) -> Result<(), Error> {
        for i in self.indicators {
            b.add(i)?;
        }
        for a in self.allow {
            b.add_allow(a)?;
        }
        Ok(())
    }

    /// An empty result that adds entries to `b` instead of listing them.
    pub(crate) fn lending(b: Builder) -> Loaded {
        Loaded {
            sink: Sink {
                builder: Some(b),
                error: None,
            },
            ..Loaded::default()
        }
    }

    /// Puts the lent builder back into `b`; the report, or the loader's error `r`, or the
    /// first builder error.
    pub(crate) fn give_back(
        mut self,
        b: &mut Builder,
        r: Result<(), Error>,
    ) -> Result<LoadReport, Error> {
        if let Some(lent) = self.sink.builder.take() {
            *b = lent;
        }
        r?;
        match self.sink.error {
            Some(e) => Err(e),
            None => Ok(self.report),
        }
    }

    /// Records an indicator: counted, then kept or added to the lent builder.
    pub(crate) fn push(&mut self, ind: Indicator) {
        self.report.loaded[ind.kind() as usize] += 1;
        self.emit(ind, false);
    }

    /// Records an allowlist entry.
    pub(crate) fn push_allow(&mut self, ind: Indicator) {
        self.report.allow += 1;
        self.emit(ind, true);
    }

    /// Moves `other`'s entries here (already counted in its report).
    pub(crate) fn take(&mut self, other: &mut Loaded) {
        for ind in std::mem::take(&mut other.indicators) {
            self.emit(ind, false);
        }
        for ind in std::mem::take(&mut other.allow) {
            self.emit(ind, true);
        }
    }

    fn emit(&mut self, ind: Indicator, allow: bool) {
        match &mut self.sink.builder {
            None if allow => self.allow.push(ind),
            None => self.indicators.push(ind),
            Some(_) if self.sink.error.is_some() => {}
            Some(b) => {
                let r = if allow {
                    b.add_allow(ind)
                } else {
                    b.add(ind).map(drop)
                };
                if let Err(e) = r {
                    self.sink.error = Some(e);
                }
            }
        }
    }
}

/// Loads one feed of the given (or detected) format.
///
/// Errors: [`ErrorKind::UnknownFormat`] when the format cannot be detected, and
/// [`ErrorKind::BadFeed`] when the content cannot be read as the format at all.
pub fn load(bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, Error> {
    let mut out = Loaded::default();
    load_with(bytes, opts, &mut out)?;
    Ok(out)
}

/// As [`load`], adding the indicators and allowlist entries to `b` as they are read
/// instead of collecting them: a large feed then never exists as a list of [`Indicator`]s
/// (each owning its strings), so the peak memory of a load is about the builder's. Returns
/// the report ([`LoadReport::loaded`] counts what the feed gave, before the builder merges
/// duplicates).
///
/// Errors: those of [`load`], and the first builder error (a limit, see
/// [`Builder::add`]), after which nothing more is added. Entries added before an error stay
/// in the builder.
///
/// ```
/// use linerate::{feed::{self, LoadOptions}, Builder};
/// let mut b = Builder::new();
/// let report = feed::load_into(b"evil.com\n10.0.0.0/8\nevil.com\n", &LoadOptions::new("list"), &mut b).unwrap();
/// assert_eq!((report.total(), b.len()), (3, 2));
/// ```
pub fn load_into(bytes: &[u8], opts: &LoadOptions, b: &mut Builder) -> Result<LoadReport, Error> {
    let mut out = Loaded::lending(std::mem::take(b));
    let r = load_with(bytes, opts, &mut out);
    out.give_back(b, r)
}

/// Loads into `out` (its lists or its lent builder); `out.report` is replaced.
pub(crate) fn load_with(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) -> Result<(), Error> {
    let format = match opts.format.or_else(|| detect(bytes)) {
        Some(f) => f,
        None => {
            return Err(Error::new(
                ErrorKind::UnknownFormat,
                format!(
                    "{}: cannot detect the feed format (use --format)",
                    opts.source
                ),
            ))
        }
    };
    match format {
        Format::Plain => plain_into(bytes, opts, out),
        Format::Hosts => hosts_into(bytes, opts, out),
        Format::Urlhaus => urlhaus_into(bytes, opts, out),
        Format::Threatfox => threatfox_into(bytes, opts, out),
        Format::Feodo => feodo_into(bytes, opts, out),
        Format::SpamhausDrop => spamhaus_drop_into(bytes, opts, out),
        Format::SpamhausJson => spamhaus_json_into(bytes, opts, out),
        Format::Zeek => return zeek_into(bytes, opts, out),
        Format::Stix => return stix_into(bytes, opts, out),
        Format::Misp => return misp_into(bytes, opts, out),
        Format::Warninglist => return warninglist_into(bytes, opts, out),
    }
    Ok(())
}

/// Splits `bytes` into lines with 1-based numbers, stripping a UTF-8 BOM at the start and
/// a `\r` before each `\n`.
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
}

/// `bytes` without a leading UTF-8 byte order mark.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// A feed error: `source: what`.
pub(crate) fn bad_feed(opts: &LoadOptions, what: impl fmt::Display) -> Error {
    Error::new(ErrorKind::BadFeed, format!("{}: {what}", opts.source))
}

/// Parses a whole JSON document, mapping a syntax error to a [`ErrorKind::BadFeed`] error
/// naming the line and column. serde_json's recursion limit (128) bounds the nesting depth.
pub(crate) fn parse_json(
    bytes: &[u8],
    opts: &LoadOptions,
    format: Format,
) -> Result<serde_json::Value, Error> {
    serde_json::from_slice(strip_bom(bytes)).map_err(|e| {
        bad_feed(
            opts,
            format_args!(
                "not valid {format} JSON: {} at line {} column {}",
                json_error_reason(&e),
                e.line(),
                e.column()
            ),
        )
    })
}

/// serde_json's message without its own " at line L column C" suffix.
pub(crate) fn json_error_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(p) => s[..p].to_string(),
        None => s,
    }
}

/// A short, quoted rendering of a JSON value for reasons (truncated).
pub(crate) fn show(v: &serde_json::Value) -> String {
    let s = match v {
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    crate::error::truncate(&s, 80)
}

/// Appends `s` to `v` unless empty or already there.
pub(crate) fn push_unique(v: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}
