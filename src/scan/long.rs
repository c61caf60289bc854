//! Long lines: scanning a line in bounded pieces with [`Database::scan_line_chunked`].
//!
//! [`Database::scan_line`] takes a line whole, whatever its length, and queues every sighting
//! of the line before it reports them in order; a 100 MB line full of indicators therefore
//! holds all its sightings at once. The chunked scan bounds that: the line is cut into
//! *cores* of at most `max_piece - 4 * overlap` bytes, each core is scanned inside a *window*
//! that extends it by at least `overlap` bytes on each side (up to twice that, to end the
//! window at an ASCII whitespace or control byte when there is one, where no token can
//! straddle), and a sighting is reported only by the window whose core holds its first byte.
//! So an observation at a cut is neither lost (its whole text and its neighbours are in the
//! window of its start) nor reported twice (its start is in one core only), and spans are
//! relative to the whole line.
//!
//! # Limits
//! The result equals [`Database::scan_line`]'s for every observation that, with the context
//! that decides it, is shorter than the overlap. What can differ, only for longer ones:
//! - an observation longer than the overlap (a URL of more than 4 KiB, a regex match that
//!   long) that runs into a window's edge is not reported; a run of name bytes or dots
//!   longer than the overlap with no whitespace in it may be cut differently (a name at its
//!   end can be reported that the whole run would not give, or the reverse);
//! - a regex whose non-overlapping matches chain back to back over more than the overlap
//!   (`aa` over a long run of `a`) can report its matches shifted by one at a cut.
//!
//! Cost: each byte of the line is scanned once, plus the windows' margins: at most
//! `4 * overlap / (max_piece - 4 * overlap)` more (1.6 % with the defaults).

use super::{Scratch, Sighting, Span};
use crate::compile::Database;
use crate::time::Timestamp;
use std::ops::ControlFlow;

/// The default `max_piece` for [`Database::scan_line_chunked`]: 1 MiB.
pub const LONG_LINE_PIECE: usize = 1 << 20;

/// The overlap between pieces: 4 KiB, or `max_piece / 8` for pieces smaller than 32 KiB
/// (pieces are at least 1 KiB, overlaps at least 128 bytes).
pub const LONG_LINE_OVERLAP: usize = 4096;

/// The smallest `max_piece` honoured (smaller values are raised to it): an overlap of 128
/// bytes, enough for every token but long URLs.
const MIN_PIECE: usize = 1024;

/// Whether no token can contain `b` (ASCII whitespace and controls): a window edge there
/// cuts no token.
#[inline]
fn is_cut_byte(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

/// The (overlap, core length) used for `max_piece`.
fn geometry(max_piece: usize) -> (usize, usize) {
    let piece = max_piece.max(MIN_PIECE);
    let overlap = LONG_LINE_OVERLAP.min(piece / 8);
    (overlap, piece - 4 * overlap)
}

/// The window `[start, end)` around the core `[c, next)` of a line of `len` bytes.
fn window(line: &[u8], c: usize, next: usize, overlap: usize) -> (usize, usize) {
    let len = line.len();
    let start = if c == 0 {
        0
    } else {
        let lo = c.saturating_sub(2 * overlap);
        let hi = c.saturating_sub(overlap);
        line.get(lo..hi)
            .and_then(|w| w.iter().rposition(|&b| is_cut_byte(b)))
            .map_or(lo, |p| lo + p)
    };
    let end = if next >= len {
        len
    } else {
        let lo = next.saturating_add(overlap).min(len);
        let hi = next.saturating_add(2 * overlap).min(len);
        line.get(lo..hi)
            .and_then(|w| w.iter().position(|&b| is_cut_byte(b)))
            .map_or(hi, |p| lo + p + 1)
    };
    (start, end)
}

impl Database {
    /// As [`Database::scan_line`], for lines of any length in pieces of at most `max_piece`
    /// bytes (see [`LONG_LINE_PIECE`]): the sightings of one piece are reported before the
    /// next piece is scanned, so memory holds one piece's sightings, not the line's.
    ///
    /// Spans are relative to the whole line; sightings come in order of position, each once.
    /// A line of at most `max_piece` bytes is scanned exactly as by `scan_line`. Longer lines
    /// give the same sightings except for observations longer than the overlap between
    /// pieces ([`LONG_LINE_OVERLAP`]); see the [module docs](crate::scan::long) for the limits.
    ///
    /// ```
    /// use linerate::{Builder, Indicator, Kind, Scratch, Timestamp};
    /// let mut b = Builder::new();
    /// b.add(Indicator::parse(Kind::Domain, "evil.com", "feed").unwrap()).unwrap();
    /// let db = b.build().unwrap();
    /// let mut line = vec![b'x'; 100_000];
    /// line.extend_from_slice(b" evil.com ");
    /// let mut spans = Vec::new();
    /// db.scan_line_chunked(&line, &mut Scratch::new(), Timestamp(0), 4096, |s| spans.push(s.span.start));
    /// assert_eq!(spans, [100_001]);
    /// ```
    pub fn scan_line_chunked<F: FnMut(&Sighting)>(
        &self,
        line: &[u8],
        scratch: &mut Scratch,
        now: Timestamp,
        max_piece: usize,
        mut f: F,
    ) {
        let _ = self.scan_line_chunked_until(line, scratch, now, max_piece, |s| {
            f(s);
            ControlFlow::Continue(())
        });
    }

    /// As [`Database::scan_line_chunked`], but `f` can stop the scan by returning
    /// `ControlFlow::Break`.
    pub fn scan_line_chunked_until<F>(
        &self,
        line: &[u8],
        scratch: &mut Scratch,
        now: Timestamp,
        max_piece: usize,
        mut f: F,
    ) -> ControlFlow<()>
    where
        F: FnMut(&Sighting) -> ControlFlow<()>,
    {
        if line.len() <= max_piece.max(MIN_PIECE) {
            return self.scan_line_until(line, scratch, now, f);
        }
        let (overlap, core) = geometry(max_piece);
        let mut c = 0;
        while c < line.len() {
            let next = c.saturating_add(core).min(line.len());
            let (ws, we) = window(line, c, next, overlap);
            let piece = &line[ws..we];
            let artificial_end = we < line.len();
            self.scan_line_until(piece, scratch, now, |s| {
                let start = s.span.start + ws;
                if start < c || start >= next {
                    return ControlFlow::Continue(());
                }
                // A sighting that runs into the window's cut edge may be a truncated token.
                if artificial_end && s.span.end >= piece.len() {
                    return ControlFlow::Continue(());
                }
                let mut t = *s;
                t.span = Span::new(start, s.span.end + ws);
                f(&t)
            })?;
            c = next;
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_cores_with_margins() {
        let line: Vec<u8> = (0..100_000u32)
            .map(|i| if i % 97 == 0 { b' ' } else { b'a' })
            .collect();
        for piece in [0, 64, 1000, 1024, 4096, 40_000] {
            let (ov, core) = geometry(piece);
            assert!(ov >= 128 && core >= piece.max(MIN_PIECE) / 2);
            let mut c = 0;
            while c < line.len() {
                let next = (c + core).min(line.len());
                let (ws, we) = window(&line, c, next, ov);
                assert!(ws <= c.saturating_sub(ov) && we >= (next + ov).min(line.len()));
                assert!(we - ws <= piece.max(MIN_PIECE), "{piece}: {ws}..{we}");
                c = next;
            }
        }
    }
}
