//! Loading `tests/cases/line_cases.json` (format: `tests/cases/README.md`).

use linerate::{Indicator, Kind, Meta, Timestamp, Value};
use serde::Deserialize;

/// One indicator or allowlist entry of a case.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct CaseIndicator {
    /// Kind name (`ip`, `domain`, `url`, `email`, `md5`, `sha1`, `sha256`, `sha512`, `literal`, `regex`).
    pub kind: String,
    /// The value as a feed would give it (parsed with `Value::parse`).
    #[serde(default)]
    pub value: Option<String>,
    /// Literal bytes as hex (instead of `value`).
    #[serde(default)]
    pub value_hex: Option<String>,
    /// Source name (default `"case"`).
    #[serde(default)]
    pub source: Option<String>,
    /// Exact-only domain.
    #[serde(default)]
    pub exact: bool,
    /// ASCII-case-insensitive literal.
    #[serde(default)]
    pub nocase: bool,
    /// RFC 3339 or unix seconds.
    #[serde(default)]
    pub valid_from: Option<serde_json::Value>,
    /// RFC 3339 or unix seconds.
    #[serde(default)]
    pub valid_until: Option<serde_json::Value>,
}

/// A piece of a line built from parts.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Text (UTF-8).
    #[serde(default)]
    pub text: Option<String>,
    /// Bytes as hex.
    #[serde(default)]
    pub hex: Option<String>,
    /// Repeat count (default 1).
    #[serde(default)]
    pub times: Option<usize>,
}

/// One expected sighting.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Kind name.
    pub kind: String,
    /// Span start (byte offset).
    pub start: usize,
    /// Span end.
    pub end: usize,
    /// The indicator's normalized value (as `Value`'s `Display` prints it).
    pub indicator: String,
}

/// One case.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique name.
    pub name: String,
    /// Free-text note.
    #[serde(default)]
    pub note: Option<String>,
    /// Indicators.
    #[serde(default)]
    pub indicators: Vec<CaseIndicator>,
    /// Allowlist entries.
    #[serde(default)]
    pub allow: Vec<CaseIndicator>,
    /// Scan time: RFC 3339 or unix seconds (default 0).
    #[serde(default)]
    pub now: Option<serde_json::Value>,
    /// The line as a string.
    #[serde(default)]
    pub line: Option<String>,
    /// The line as hex bytes.
    #[serde(default)]
    pub line_hex: Option<String>,
    /// The line as concatenated parts.
    #[serde(default)]
    pub line_parts: Option<Vec<Part>>,
    /// Expected sightings.
    pub expect: Vec<Expect>,
}

fn hex(s: &str) -> Vec<u8> {
    let clean: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    linerate::indicator::normalize::hex_decode(&clean, &mut out)
        .unwrap_or_else(|| panic!("bad hex {s:?}"));
    out
}

/// A time given as RFC 3339 text or unix seconds.
pub fn time(v: &serde_json::Value) -> Timestamp {
    match v {
        serde_json::Value::Number(n) => Timestamp(n.as_i64().expect("integer seconds")),
        serde_json::Value::String(s) => Timestamp::parse_rfc3339(s).expect("RFC 3339 time"),
        other => panic!("bad time {other}"),
    }
}

impl CaseIndicator {
    /// Parses into an [`Indicator`].
    pub fn to_indicator(&self) -> Indicator {
        let kind =
            Kind::from_name(&self.kind).unwrap_or_else(|| panic!("unknown kind {}", self.kind));
        let value = match (kind, &self.value, &self.value_hex) {
            (Kind::Literal, Some(v), None) => Value::literal(v.as_bytes(), self.nocase),
            (Kind::Literal, None, Some(h)) => Value::literal(&hex(h), self.nocase),
            (_, Some(v), None) => Value::parse(kind, v),
            _ => panic!(
                "an indicator needs exactly one of value / value_hex (hex for literals only)"
            ),
        }
        .unwrap_or_else(|e| panic!("indicator {self:?}: {e}"));
        let mut meta = Meta::source(self.source.clone().unwrap_or_else(|| "case".into()));
        meta.valid_from = self.valid_from.as_ref().map(time);
        meta.valid_until = self.valid_until.as_ref().map(time);
        let mut ind = Indicator::new(value, meta);
        ind.exact = self.exact;
        ind
    }
}

impl Case {
    /// The line's bytes.
    pub fn line(&self) -> Vec<u8> {
        match (&self.line, &self.line_hex, &self.line_parts) {
            (Some(l), None, None) => l.as_bytes().to_vec(),
            (None, Some(h), None) => hex(h),
            (None, None, Some(parts)) => {
                let mut out = Vec::new();
                for p in parts {
                    let piece = match (&p.text, &p.hex) {
                        (Some(t), None) => t.as_bytes().to_vec(),
                        (None, Some(h)) => hex(h),
                        _ => panic!("{}: a part needs exactly one of text / hex", self.name),
                    };
                    for _ in 0..p.times.unwrap_or(1) {
                        out.extend_from_slice(&piece);
                    }
                }
                out
            }
            _ => panic!("{}: exactly one of line / line_hex / line_parts", self.name),
        }
    }

    /// The scan time.
    pub fn now(&self) -> Timestamp {
        self.now.as_ref().map_or(Timestamp(0), time)
    }

    /// Indicators and allowlist entries.
    pub fn lists(&self) -> (Vec<Indicator>, Vec<Indicator>) {
        (
            self.indicators
                .iter()
                .map(CaseIndicator::to_indicator)
                .collect(),
            self.allow.iter().map(CaseIndicator::to_indicator).collect(),
        )
    }
}

/// Every case of the table.
pub fn load() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/line_cases.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut names = std::collections::HashSet::new();
    for c in &cases {
        assert!(
            names.insert(c.name.clone()),
            "duplicate case name {}",
            c.name
        );
    }
    cases
}
