//! # linerate
//!
//! A streaming threat-intelligence indicator matcher. Indicators of compromise (IPs, CIDRs,
//! domains, URLs, emails, hashes, literals, regexes) from STIX, MISP, Zeek intel and vendor
//! feeds are compiled into an immutable [`Database`]; every log line (and every packet) is
//! then checked against all of them in one pass, and each sighting is reported with the
//! indicator's provenance.
//!
//! ```
//! use linerate::{Builder, Indicator, Kind, Scratch, Timestamp};
//!
//! let mut b = Builder::new();
//! b.add(Indicator::parse(Kind::Domain, "evil.com", "feed-a").unwrap());
//! b.add(Indicator::parse(Kind::Ip, "10.0.0.0/8", "feed-b").unwrap());
//! let db = b.build().unwrap();
//!
//! let mut scratch = Scratch::new();
//! let line = b"GET http://a.evil.com/x from 10.1.2.3";
//! let mut hits = Vec::new();
//! db.scan_line(line, &mut scratch, Timestamp(0), |s| hits.push((s.kind, s.span.start, s.span.end)));
//! assert_eq!(hits, [(Kind::Domain, 11, 21), (Kind::Ip, 29, 37)]);
//! ```
//!
//! ## Shape
//! - [`indicator`]: kinds, parsing, normalization, refanging, metadata.
//! - [`compile`]: [`Builder`] → [`Database`] (prefix tables, hashed sets, automata).
//! - [`scan`]: [`Scratch`], [`Sighting`], the line tokenizer and scanner, and the packet
//!   scanner ([`scan::packet`]: [`Database::scan_packet`], [`LinkType`], [`Flow`]).
//! - [`feed`]: loaders for threat-intel formats (pure: bytes in, indicators and a report out).
//! - [`shared`]: a hot-swappable handle for replacing the database under running scanners.
//!
//! ## Costs
//! Building is linear in the number of indicators (plus automaton construction for literals
//! and regexes). Scanning is one pass over the line per token family plus one hash probe per
//! candidate token; it allocates nothing once the scratch has grown to the largest line
//! seen, and takes no lock.

#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(any(feature = "capi", test))]
pub mod capi;
pub mod compile;
pub mod error;
pub mod feed;
pub mod indicator;
pub mod scan;
pub mod shared;
pub mod time;

pub use compile::{Builder, Database, IndicatorId, IndicatorRef, Limits};
pub use error::{Error, ErrorKind};
pub use indicator::{Indicator, Kind, Meta, Tlp, Value};
pub use scan::{DecodeError, Flow, LinkType, Scratch, Sighting, Span, Where};
pub use shared::{DatabaseGuard, SharedDatabase};
pub use time::Timestamp;

pub use scan::long::{LONG_LINE_OVERLAP, LONG_LINE_PIECE};
