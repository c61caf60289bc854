//! One pass over a line that turns every byte into class bits, 64 bytes to a word.
//!
//! The token finders then work on bitmasks instead of bytes: a token run is a run of set
//! bits in [`Block::run`], its ends are found with `trailing_zeros` / `leading_zeros`, and
//! "does this run hold a digit / a non-ASCII byte / `..`" is an AND over one or two words.
//! Bytes inside long words (most of a log line) are never looked at one by one.
//!
//! The classifier has an AVX2 path (nibble lookups with `vpshufb`, as in simdjson and
//! Hyperscan's Teddy: one pair of tables for the token classes, one for the URL delimiters
//! and `/`) chosen at run time, and a scalar table path used elsewhere; the tests below
//! check that both give the same masks on any bytes, at every offset.

/// Class bits of 64 consecutive bytes of a line: bit `i` is byte `64 * k + i`.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    /// Bytes of token runs: ASCII letters, digits, `-`, `_`, `.`, `:` and every byte >= 0x80.
    pub(crate) run: u64,
    /// `.`
    pub(crate) dot: u64,
    /// `:`
    pub(crate) colon: u64,
    /// ASCII digits.
    pub(crate) digit: u64,
    /// Bytes >= 0x80.
    pub(crate) high: u64,
    /// ASCII hex digits (either case).
    pub(crate) hex: u64,
    /// Bytes that end a URL: controls, space, `"`, `'`, `<`, `>`, `` ` `` and DEL.
    pub(crate) delim: u64,
    /// `/`
    pub(crate) slash: u64,
}

/// Whether `c` ends a URL (see [`Block::delim`]).
#[inline]
pub(crate) const fn is_url_delim(c: u8) -> bool {
    matches!(c, 0..=b' ' | b'"' | b'\'' | b'<' | b'>' | b'`' | 0x7f)
}

impl Block {
    /// The flags ([`F_DOT`] | [`F_COLON`] | ...) of the bytes selected by `m` (a run of set
    /// bits); `..` and two colons only when both are in this block.
    #[inline]
    pub(crate) fn flags(&self, m: u64) -> u8 {
        let d = self.dot & m;
        let c = self.colon & m;
        let f = |x: u64, bit: u8| if x != 0 { bit } else { 0 };
        f(d, F_DOT)
            | f(c, F_COLON)
            | f(c & c.wrapping_sub(1), F_COLON2)
            | f(self.digit & m, F_DIGIT)
            | f(self.high & m, F_HIGH)
            | f(d & (d >> 1), F_DOTDOT)
    }
}

/// The class masks of one line (bits past its end are zero), kept in the scratch so that
/// classifying allocates nothing once the longest line has been seen.
#[derive(Default, Clone, Debug)]
pub(crate) struct Classes {
    pub(crate) blocks: Vec<Block>,
    pub(crate) len: usize,
}

/// [`Classes::span_flags`]: the span holds a `.`.
pub(crate) const F_DOT: u8 = 2;
/// [`Classes::span_flags`]: the span holds a `:`.
pub(crate) const F_COLON: u8 = 4;
/// [`Classes::span_flags`]: the span holds an ASCII digit.
pub(crate) const F_DIGIT: u8 = 8;
/// [`Classes::span_flags`]: the span holds a byte >= 0x80.
pub(crate) const F_HIGH: u8 = 16;
/// [`Classes::span_flags`]: the span holds `..`.
pub(crate) const F_DOTDOT: u8 = 32;
/// [`Classes::span_flags`]: the span holds two `:` or more.
pub(crate) const F_COLON2: u8 = 64;

const DIGIT: u8 = 1;
const UPPER_A_O: u8 = 2; // letters with high nibble 4/6, low nibble 1-F (A-O, a-o)
const UPPER_P_Z: u8 = 4; // letters with high nibble 5/7, low nibble 0-A (P-Z, p-z)
const DASH: u8 = 8;
const UNDERSCORE: u8 = 16;
const DOT: u8 = 32;
const COLON: u8 = 64;
const HEX_LETTER: u8 = 128;

/// The class bits of one byte, from the definitions (the scalar path and the reference for
/// the nibble tables).
const fn class_of(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => DIGIT,
        b'A'..=b'F' | b'a'..=b'f' => UPPER_A_O | HEX_LETTER,
        b'G'..=b'O' | b'g'..=b'o' => UPPER_A_O,
        b'P'..=b'Z' | b'p'..=b'z' => UPPER_P_Z,
        b'-' => DASH,
        b'_' => UNDERSCORE,
        b'.' => DOT,
        b':' => COLON,
        _ => 0,
    }
}

static TABLE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = class_of(b as u8);
        b += 1;
    }
    t
};

/// Low-nibble table: the classes a byte with this low nibble may belong to.
#[cfg(target_arch = "x86_64")]
const LO: [u8; 16] = {
    let mut t = [0u8; 16];
    let mut lo = 0;
    while lo < 16 {
        let mut v = 0;
        if lo <= 9 {
            v |= DIGIT;
        }
        if lo >= 1 {
            v |= UPPER_A_O;
        }
        if lo <= 10 {
            v |= UPPER_P_Z;
        }
        if lo == 13 {
            v |= DASH;
        }
        if lo == 15 {
            v |= UNDERSCORE;
        }
        if lo == 14 {
            v |= DOT;
        }
        if lo == 10 {
            v |= COLON;
        }
        if lo >= 1 && lo <= 6 {
            v |= HEX_LETTER;
        }
        t[lo] = v;
        lo += 1;
    }
    t
};

/// High-nibble table: the classes a byte with this high nibble may belong to (none for
/// bytes >= 0x80, which are told apart by their sign bit).
#[cfg(target_arch = "x86_64")]
const HI: [u8; 16] = {
    let mut t = [0u8; 16];
    t[2] = DASH | DOT;
    t[3] = DIGIT | COLON;
    t[4] = UPPER_A_O | HEX_LETTER;
    t[5] = UPPER_P_Z | UNDERSCORE;
    t[6] = UPPER_A_O | HEX_LETTER;
    t[7] = UPPER_P_Z;
    t
};

/// Second low-nibble table (AVX2): the URL delimiters and `/`, by the high nibble they go
/// with (see [`HI2`]).
#[cfg(target_arch = "x86_64")]
const LO2: [u8; 16] = {
    let mut t = [0u8; 16];
    let mut lo = 0;
    while lo < 16 {
        let mut v = D_CTL;
        if lo == 0 || lo == 2 || lo == 7 {
            v |= D_2; // space " '
        }
        if lo == 0xC || lo == 0xE {
            v |= D_3; // < >
        }
        if lo == 0 {
            v |= D_6; // `
        }
        if lo == 0xF {
            v |= D_7 | D_SLASH; // DEL, /
        }
        t[lo] = v;
        lo += 1;
    }
    t
};

/// Second high-nibble table (AVX2): controls (`0x00`–`0x1F`) take every low nibble; the
/// other delimiters one bit per high nibble.
#[cfg(target_arch = "x86_64")]
const HI2: [u8; 16] = {
    let mut t = [0u8; 16];
    t[0] = D_CTL;
    t[1] = D_CTL;
    t[2] = D_2 | D_SLASH;
    t[3] = D_3;
    t[6] = D_6;
    t[7] = D_7;
    t
};

// The bits of the second tables.
#[cfg(target_arch = "x86_64")]
const D_CTL: u8 = 1;
#[cfg(target_arch = "x86_64")]
const D_2: u8 = 2;
#[cfg(target_arch = "x86_64")]
const D_3: u8 = 4;
#[cfg(target_arch = "x86_64")]
const D_6: u8 = 8;
#[cfg(target_arch = "x86_64")]
const D_7: u8 = 16;
#[cfg(target_arch = "x86_64")]
const D_SLASH: u8 = 32;

impl Classes {
    /// Classifies `line`, reusing the block buffer.
    pub(crate) fn classify(&mut self, line: &[u8]) {
        self.len = line.len();
        // Every block but the last is written by the classifier: only the length changes
        // here, and the last block is cleared.
        let n = line.len().div_ceil(64) + 1;
        self.blocks.resize(n, Block::default());
        self.blocks[n - 1] = Block::default();
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is available (checked just above); `classify_avx2` reads only
                // inside `line` and writes only inside `self.blocks`, which holds a block
                // for every 64 bytes of `line` plus one.
                unsafe { classify_avx2(line, &mut self.blocks) };
                return;
            }
        }
        classify_scalar(line, &mut self.blocks);
    }

    /// Classifies with the portable table path whatever the CPU (for tests).
    #[cfg(test)]
    pub(crate) fn classify_portable(&mut self, line: &[u8]) {
        self.len = line.len();
        let n = line.len().div_ceil(64) + 1;
        self.blocks.resize(n, Block::default());
        self.blocks[n - 1] = Block::default();
        classify_scalar(line, &mut self.blocks);
    }

    /// The bits of `sel` for `[st, e)` (at most 64 bytes), shifted down to bit 0.
    #[inline]
    pub(crate) fn bits(&self, st: usize, e: usize, sel: impl Fn(&Block) -> u64) -> u64 {
        debug_assert!(e - st <= 64 && st < e);
        let (k, sh) = (st / 64, st % 64);
        let mut m = sel(&self.blocks[k]) >> sh;
        if sh != 0 {
            m |= sel(&self.blocks[k + 1]) << (64 - sh);
        }
        m & (u64::MAX >> (64 - (e - st)))
    }

    /// The masks of `[st, e)` (at most 64 bytes) shifted down to bit 0, as a block of
    /// their own, and the mask of the span's bits in it.
    #[inline]
    pub(crate) fn view(&self, st: usize, e: usize) -> (Block, u64) {
        let b = Block {
            run: self.bits(st, e, |b| b.run),
            dot: self.bits(st, e, |b| b.dot),
            colon: self.bits(st, e, |b| b.colon),
            digit: self.bits(st, e, |b| b.digit),
            high: self.bits(st, e, |b| b.high),
            hex: self.bits(st, e, |b| b.hex),
            delim: self.bits(st, e, |b| b.delim),
            slash: self.bits(st, e, |b| b.slash),
        };
        (b, u64::MAX >> (64 - (e - st)))
    }

    /// The first position `>= i` whose bit in `sel` is set, or the line's length.
    #[inline]
    pub(crate) fn next(&self, i: usize, sel: impl Fn(&Block) -> u64) -> usize {
        if i >= self.len {
            return self.len;
        }
        let mut k = i / 64;
        let mut m = sel(&self.blocks[k]) >> (i % 64) << (i % 64);
        loop {
            if m != 0 {
                return (k * 64 + m.trailing_zeros() as usize).min(self.len);
            }
            k += 1;
            if k >= self.blocks.len() {
                return self.len;
            }
            m = sel(&self.blocks[k]);
        }
    }

    /// The flags of the span `[st, e)` (`st < e`): which of `.`, `:`, digits, non-ASCII
    /// bytes, `..` and two colons it holds, as [`F_DOT`] | [`F_COLON`] | ... , in one pass over its words.
    #[inline]
    pub(crate) fn span_flags(&self, st: usize, e: usize) -> u8 {
        let (ks, ke) = (st / 64, (e - 1) / 64);
        let mut f = 0;
        for k in ks..=ke {
            let mut m = u64::MAX;
            if k == ks {
                m &= u64::MAX << (st % 64);
            }
            if k == ke {
                m &= u64::MAX >> (63 - (e - 1) % 64);
            } else if self.blocks[k].dot >> 63 & self.blocks[k + 1].dot & 1 != 0 {
                // `..` across the block boundary (both dots inside the span).
                f |= F_DOTDOT;
            }
            let bf = self.blocks[k].flags(m);
            if f & bf & F_COLON != 0 {
                // A colon in an earlier block of the span and one in this one.
                f |= F_COLON2;
            }
            f |= bf;
        }
        f
    }

    /// The last position in `[st, e)` whose bit in `sel` is set.
    #[inline]
    pub(crate) fn prev(&self, st: usize, e: usize, sel: impl Fn(&Block) -> u64) -> Option<usize> {
        if st >= e {
            return None;
        }
        let ks = st / 64;
        let mut k = (e - 1) / 64;
        let mut m = sel(&self.blocks[k]) & (u64::MAX >> (63 - (e - 1) % 64));
        loop {
            if k == ks {
                m &= u64::MAX << (st % 64);
            }
            if m != 0 {
                return Some(k * 64 + 63 - m.leading_zeros() as usize);
            }
            if k == ks {
                return None;
            }
            k -= 1;
            m = sel(&self.blocks[k]);
        }
    }
}

/// Calls `f(i)` for each `i` where `hay[i] == needle`, in order, until `f` returns false.
///
/// For bytes that are frequent in `hay` (the `/` of packet payloads: one in 128 bytes), this
/// is cheaper than `memchr_iter`, whose every call sets up its vector loop again: 64 bytes
/// a step with AVX2, 16 with SSE2 (always there on x86_64; also what AVX2 leaves), and the
/// last bytes from an overlapping load; elsewhere, and for `hay` shorter than 16 bytes, a
/// byte loop.
/// Measured (callgrind, the packets of `shared/data/pcap` against the combined feed's 93k
/// URL paths): 3.84M instructions in `memchr` for the `/`, 2.0M here.
#[inline]
pub(crate) fn each_position(hay: &[u8], needle: u8, mut f: impl FnMut(usize) -> bool) {
    #[cfg(target_arch = "x86_64")]
    if hay.len() >= 16 {
        use std::arch::x86_64::*;
        let n = hay.len();
        // SAFETY: SSE2 is part of x86_64's baseline.
        let v = unsafe { _mm_set1_epi8(needle as i8) };
        // SAFETY: SSE2 is part of x86_64's baseline; the 16 bytes loaded from `p` are
        // inside `hay`, as every caller below has `p + 16 <= n`.
        let mask = |p: usize| unsafe {
            _mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_loadu_si128(hay.as_ptr().add(p).cast()),
                v,
            )) as u16 as u64
        };
        let mut p = 0;
        if n >= 64 && std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            match unsafe { positions_avx2(hay, needle, &mut f) } {
                Some(at) => p = at,
                None => return,
            }
        }
        while p + 16 <= n {
            if !each_bit(p, mask(p), &mut f) {
                return;
            }
            p += 16;
        }
        if p < n {
            // The last `n - p` (< 16) bytes: the top bits of the mask of the last 16.
            each_bit(p, mask(n - 16) >> (16 - (n - p)), &mut f);
        }
        return;
    }
    for (i, &b) in hay.iter().enumerate() {
        if b == needle && !f(i) {
            return;
        }
    }
}

/// [`each_position`]'s 64-byte steps with AVX2, while 64 bytes are left: `None` when `f`
/// stopped the search, else where the steps ended.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn positions_avx2(
    hay: &[u8],
    needle: u8,
    f: &mut impl FnMut(usize) -> bool,
) -> Option<usize> {
    use std::arch::x86_64::*;
    let v = _mm256_set1_epi8(needle as i8);
    // SAFETY: the 32 bytes loaded from `p` are inside `hay` (`p + 64 <= hay.len()` below).
    let mask = |p: usize| unsafe {
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(
            _mm256_loadu_si256(hay.as_ptr().add(p).cast()),
            v,
        )) as u32 as u64
    };
    let mut p = 0;
    while p + 64 <= hay.len() {
        if !each_bit(p, mask(p) | mask(p + 32) << 32, f) {
            return None;
        }
        p += 64;
    }
    Some(p)
}

/// Calls `f(base + i)` for each set bit `i` of `m`, lowest first, until `f` returns false
/// (then false).
#[inline(always)]
pub(crate) fn each_bit(base: usize, mut m: u64, f: &mut impl FnMut(usize) -> bool) -> bool {
    while m != 0 {
        let i = base + m.trailing_zeros() as usize;
        m &= m - 1;
        if !f(i) {
            return false;
        }
    }
    true
}

fn classify_scalar(line: &[u8], blocks: &mut [Block]) {
    for (chunk, blk) in line.chunks(64).zip(blocks.iter_mut()) {
        let mut b = Block::default();
        for (i, &c) in chunk.iter().enumerate() {
            let cl = TABLE[c as usize];
            let bit = 1u64 << i;
            if cl != 0 || c >= 0x80 {
                b.run |= bit;
            }
            if c >= 0x80 {
                b.high |= bit;
            }
            if cl & DOT != 0 {
                b.dot |= bit;
            }
            if cl & COLON != 0 {
                b.colon |= bit;
            }
            if cl & DIGIT != 0 {
                b.digit |= bit;
            }
            if cl & (DIGIT | HEX_LETTER) != 0 {
                b.hex |= bit;
            }
            if is_url_delim(c) {
                b.delim |= bit;
            }
            if c == b'/' {
                b.slash |= bit;
            }
        }
        *blk = b;
    }
}

/// # Safety
/// The CPU must support AVX2, and `blocks` must hold at least `line.len().div_ceil(64)`
/// blocks.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_avx2(line: &[u8], blocks: &mut [Block]) {
    use std::arch::x86_64::*;
    // SAFETY: LO, HI, LO2 and HI2 are 16 readable bytes each; unaligned loads are allowed.
    let tables = unsafe {
        [
            _mm256_broadcastsi128_si256(_mm_loadu_si128(LO.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(HI.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(LO2.as_ptr().cast())),
            _mm256_broadcastsi128_si256(_mm_loadu_si128(HI2.as_ptr().cast())),
        ]
    };
    let nib = _mm256_set1_epi8(0x0f);
    let zero = _mm256_setzero_si256();
    #[target_feature(enable = "avx2")]
    #[inline]
    fn half(v: __m256i, t: &[__m256i; 4], nib: __m256i, zero: __m256i) -> [u32; 8] {
        let lo = _mm256_and_si256(v, nib);
        let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(v), nib);
        let c = _mm256_and_si256(_mm256_shuffle_epi8(t[0], lo), _mm256_shuffle_epi8(t[1], hi));
        // Bytes >= 0x80 have a high nibble of 8 or more: no bit in the second tables.
        let c2 = _mm256_and_si256(_mm256_shuffle_epi8(t[2], lo), _mm256_shuffle_epi8(t[3], hi));
        let not = |bits: i8| {
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(
                _mm256_and_si256(c, _mm256_set1_epi8(bits)),
                zero,
            )) as u32
        };
        let high = _mm256_movemask_epi8(v) as u32;
        let not2 = |bits: i8| {
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(
                _mm256_and_si256(c2, _mm256_set1_epi8(bits)),
                zero,
            )) as u32
        };
        let delim = !not2((D_CTL | D_2 | D_3 | D_6 | D_7) as i8);
        let run = !(_mm256_movemask_epi8(_mm256_cmpeq_epi8(c, zero)) as u32) | high;
        [
            run,
            !not(DOT as i8),
            !not(COLON as i8),
            !not(DIGIT as i8),
            high,
            !not((DIGIT | HEX_LETTER) as i8),
            delim,
            !not2(D_SLASH as i8),
        ]
    }
    let join = |a: [u32; 8], b: [u32; 8]| Block {
        run: u64::from(a[0]) | u64::from(b[0]) << 32,
        dot: u64::from(a[1]) | u64::from(b[1]) << 32,
        colon: u64::from(a[2]) | u64::from(b[2]) << 32,
        digit: u64::from(a[3]) | u64::from(b[3]) << 32,
        high: u64::from(a[4]) | u64::from(b[4]) << 32,
        hex: u64::from(a[5]) | u64::from(b[5]) << 32,
        delim: u64::from(a[6]) | u64::from(b[6]) << 32,
        slash: u64::from(a[7]) | u64::from(b[7]) << 32,
    };
    let mut chunks = line.chunks_exact(64);
    let mut k = 0;
    for chunk in &mut chunks {
        // SAFETY: `chunk` is 64 readable bytes; unaligned loads are allowed.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(chunk.as_ptr().cast()),
                _mm256_loadu_si256(chunk.as_ptr().add(32).cast()),
            )
        };
        blocks[k] = join(half(a, &tables, nib, zero), half(b, &tables, nib, zero));
        k += 1;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() && line.len() >= 64 {
        // The line's last 64 bytes, overlapping the previous block: their masks shifted
        // down so that bit 0 is the first byte of the tail (the bits above it fall off).
        let last = &line[line.len() - 64..];
        // SAFETY: `last` is 64 readable bytes; unaligned loads are allowed.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(last.as_ptr().cast()),
                _mm256_loadu_si256(last.as_ptr().add(32).cast()),
            )
        };
        let blk = join(half(a, &tables, nib, zero), half(b, &tables, nib, zero));
        let sh = 64 - rest.len() as u32;
        blocks[k] = Block {
            run: blk.run >> sh,
            dot: blk.dot >> sh,
            colon: blk.colon >> sh,
            digit: blk.digit >> sh,
            high: blk.high >> sh,
            hex: blk.hex >> sh,
            delim: blk.delim >> sh,
            slash: blk.slash >> sh,
        };
    } else if !rest.is_empty() {
        // Zero bytes belong to no class, so padding the tail with them adds no bit.
        let mut tail = [0u8; 64];
        tail[..rest.len()].copy_from_slice(rest);
        // SAFETY: `tail` is 64 readable bytes; unaligned loads are allowed.
        let (a, b) = unsafe {
            (
                _mm256_loadu_si256(tail.as_ptr().cast()),
                _mm256_loadu_si256(tail.as_ptr().add(32).cast()),
            )
        };
        let mut blk = join(half(a, &tables, nib, zero), half(b, &tables, nib, zero));
        // The padding's zero bytes are delimiters: keep only the line's own bytes.
        blk.delim &= u64::MAX >> (64 - rest.len());
        blocks[k] = blk;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(line: &[u8]) -> (Classes, Classes) {
        let mut a = Classes::default();
        let mut b = Classes::default();
        a.classify(line);
        b.classify_portable(line);
        (a, b)
    }

    #[test]
    fn simd_and_scalar_agree_on_every_byte_at_every_offset() {
        let all: Vec<u8> = (0..=255u8).collect();
        for off in 0..64 {
            let mut line = vec![b' '; off];
            line.extend_from_slice(&all);
            line.extend_from_slice(&all);
            let (a, b) = both(&line);
            assert_eq!(a.blocks, b.blocks, "offset {off}");
        }
    }

    #[test]
    fn each_position_finds_every_occurrence_at_every_length_and_offset() {
        // Every length up to 160 at every offset into the buffer, needles at every third
        // byte and at both ends, and a stop after the first few.
        let mut buf: Vec<u8> = (0..200u32).map(|i| (i * 7 % 251) as u8).collect();
        for i in (0..buf.len()).step_by(3) {
            buf[i] = b'/';
        }
        for off in 0..33 {
            for len in 0..=160 {
                let hay = &buf[off..off + len];
                let want: Vec<usize> = (0..len).filter(|&i| hay[i] == b'/').collect();
                let mut got = vec![];
                each_position(hay, b'/', |i| {
                    got.push(i);
                    true
                });
                assert_eq!(got, want, "offset {off} length {len}");
                for stop in 1..4 {
                    let mut got = vec![];
                    each_position(hay, b'/', |i| {
                        got.push(i);
                        got.len() < stop
                    });
                    assert_eq!(got, want[..stop.min(want.len())], "stop {stop}");
                }
                let none: Vec<u8> = hay
                    .iter()
                    .map(|&b| if b == b'/' { b'.' } else { b })
                    .collect();
                each_position(&none, b'/', |i| panic!("no '/' at {i} (length {len})"));
            }
        }
    }

    proptest::proptest! {
        /// Random bytes, biased towards the classified ones, at random lengths: the SIMD
        /// masks equal the scalar ones, and `span_flags` / `prev` / `next` / `bits` agree with
        /// plain loops over the bytes.
        #[test]
        fn simd_scalar_and_queries_agree(
            line in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"aZ09.:-_/ \"<>`%@\x7f\x80\xc3\xff\x00".to_vec()),
                    proptest::num::u8::ANY,
                ],
                0..300,
            ),
            a in 0usize..300,
            len in 1usize..80,
        ) {
            let (x, y) = both(&line);
            proptest::prop_assert_eq!(&x.blocks[..], &y.blocks[..]);
            let st = a.min(line.len());
            let e = (st + len).min(line.len());
            if st < e {
                let sp = &line[st..e];
                let has = |p: &dyn Fn(u8) -> bool| sp.iter().any(|&b| p(b));
                let mut want = 0;
                if has(&|b| b == b'.') { want |= F_DOT; }
                if has(&|b| b == b':') { want |= F_COLON; }
                if has(&|b| b.is_ascii_digit()) { want |= F_DIGIT; }
                if has(&|b| b >= 0x80) { want |= F_HIGH; }
                if sp.windows(2).any(|w| w == b"..") { want |= F_DOTDOT; }
                if sp.iter().filter(|&&b| b == b':').count() >= 2 { want |= F_COLON2; }
                proptest::prop_assert_eq!(x.span_flags(st, e), want);
                let last_dot = sp.iter().rposition(|&b| b == b'.').map(|p| p + st);
                proptest::prop_assert_eq!(x.prev(st, e, |b| b.dot), last_dot);
                let next_delim = line[st..].iter().position(|&b| is_url_delim(b)).map_or(line.len(), |p| p + st);
                proptest::prop_assert_eq!(x.next(st, |b| b.delim), next_delim);
                if e - st <= 64 {
                    let want_bits = sp.iter().rev().fold(0u64, |m, &b| m << 1 | u64::from(b == b'/'));
                    proptest::prop_assert_eq!(x.bits(st, e, |b| b.slash), want_bits);
                }
            }
        }
    }

    #[test]
    fn masks_follow_the_definitions() {
        let line = b"a.b:c-d_e 0x1F\xc3\xa9 Z/z";
        let mut c = Classes::default();
        c.classify(line);
        let bits = |sel: fn(&Block) -> u64| -> String {
            (0..line.len())
                .map(|i| {
                    if sel(&c.blocks[0]) >> i & 1 == 1 {
                        '1'
                    } else {
                        '.'
                    }
                })
                .collect()
        };
        assert_eq!(bits(|b| b.run), "111111111.111111.1.1");
        assert_eq!(bits(|b| b.dot), ".1..................");
        assert_eq!(bits(|b| b.colon), "...1................");
        assert_eq!(bits(|b| b.digit), "..........1.1.......");
        assert_eq!(bits(|b| b.hex), "1.1.1.1.1.1.11......");
        assert_eq!(bits(|b| b.high), "..............11....");
        assert_eq!(bits(|b| b.delim), ".........1......1...");
        assert_eq!(bits(|b| b.slash), "..................1.");
    }

    #[test]
    fn bits_and_next_cross_blocks() {
        let mut line = vec![b' '; 10];
        line.extend(std::iter::repeat_n(b'a', 150));
        line.extend_from_slice(b" x");
        let mut c = Classes::default();
        c.classify(&line);
        assert_eq!(c.bits(8, 72, |b| b.run), u64::MAX << 2);
        assert_eq!(c.bits(158, 162, |b| b.run), 0b1011);
        assert_eq!(c.next(0, |b| b.run), 10);
        assert_eq!(c.next(11, |b| !b.run), 160);
        assert_eq!(c.next(162, |b| b.run), 162);
    }

    #[test]
    fn span_flags_and_prev_match_a_byte_loop() {
        let mut line = Vec::new();
        for i in 0..300u32 {
            line.push(b"a.:1..\xc3b-. 9"[(i * 7 % 12) as usize]);
        }
        let mut c = Classes::default();
        c.classify(&line);
        for st in 0..line.len() {
            for e in st + 1..(st + 140).min(line.len() + 1) {
                let sp = &line[st..e];
                let mut want = F_DOT | F_COLON | F_DIGIT | F_HIGH | F_DOTDOT | F_COLON2;
                let has = |p: fn(&u8) -> bool| sp.iter().any(p);
                if !has(|&b| b == b'.') {
                    want &= !F_DOT;
                }
                if !has(|&b| b == b':') {
                    want &= !F_COLON;
                }
                if !has(u8::is_ascii_digit) {
                    want &= !F_DIGIT;
                }
                if !has(|&b| b >= 0x80) {
                    want &= !F_HIGH;
                }
                if !sp.windows(2).any(|w| w == b"..") {
                    want &= !F_DOTDOT;
                }
                if sp.iter().filter(|&&b| b == b':').count() < 2 {
                    want &= !F_COLON2;
                }
                assert_eq!(c.span_flags(st, e), want, "[{st}, {e})");
                let last = sp.iter().rposition(|&b| b == b'.').map(|p| p + st);
                assert_eq!(c.prev(st, e, |b| b.dot), last, "[{st}, {e})");
            }
        }
    }
}
