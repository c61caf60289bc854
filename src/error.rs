//! The crate's error type: what went wrong and where, never a panic.

use std::fmt;

/// What class of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An indicator value is not valid for its kind (bad address, host bits set, bad hash length...).
    InvalidValue,
    /// A kind name is unknown.
    UnknownKind,
    /// A configured resource limit was exceeded (regex size, indicator count, line length...).
    LimitExceeded,
    /// A feed could not be parsed at all (not JSON, no header...).
    BadFeed,
    /// The feed format could not be detected or is not supported.
    UnknownFormat,
    /// A timestamp could not be parsed.
    BadTimestamp,
    /// A regex or literal automaton could not be compiled.
    Compile,
}

/// An error with a human-readable message naming the offending value and the reason.
///
/// Messages are lowercase with no trailing period, in the style of `std` and aho-corasick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    msg: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, msg: impl Into<String>) -> Error {
        Error {
            kind,
            msg: msg.into(),
        }
    }

    /// An error for an indicator value of `kind` (e.g. `"ip"`) that is invalid for `reason`.
    pub(crate) fn invalid(kind: &str, value: &str, reason: impl fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidValue,
            format!(
                "invalid {kind} indicator {:?}: {reason}",
                truncate(value, 80)
            ),
        )
    }

    /// The class of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message alone (also what `Display` prints).
    pub fn message(&self) -> &str {
        &self.msg
    }

    /// This error with `context` (a file name, a line number...) prepended.
    pub fn context(mut self, context: impl fmt::Display) -> Error {
        self.msg = format!("{context}: {}", self.msg);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

/// `s` cut to at most `max` characters (on a char boundary), with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}
