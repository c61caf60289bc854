//! The line prefilter of small and medium databases: "witnesses".
//!
//! Every token indicator (domain, URL, email, digest, IPv4 address or network) that a line
//! can match leaves a fixed piece of text in the line, its *witness*, up to ASCII case:
//! the domain itself for a domain (a subdomain contains it), the host for a URL, the whole
//! address for an email, the hex digits for a digest, the dotted address for an IPv4
//! address, and the fixed leading octets for an IPv4 network (`192.168.1.` for
//! `192.168.1.0/24`; the possible third octets for a /20). Observed tokens are never
//! rewritten into these forms from other text, except in three cases the filter lets
//! through: non-ASCII bytes (IDNA maps Unicode names to punycode), IPv4-mapped IPv6 in hex
//! (`::ffff:102:304` is observed as `1.2.3.4`; its `:ffff:` is a witness), and IPv6 text
//! when IPv6 indicators have no witness (`::`, or six colons within 45 bytes).
//!
//! A line that holds no witness has no token sighting, so the tokenizer (the byte classes,
//! the runs, the parsers and the lookups: about 24 instructions per byte) is skipped for
//! it.
//!
//! Literal and regex indicators take part when they can ([`RAW`] witnesses): every literal
//! is its own witness, and every match of a filtered regex holds one of its required
//! literals. When all of them are 4 bytes or more (and no regex is anchored or without a
//! literal), a line without one skips the literal and regex search too (about 3.8
//! instructions per byte on the generated 1k set: one Teddy pass for the literals and one
//! for the regexes' literals). Otherwise they are searched in every line as before.
//!
//! The search is the sampled q-gram filter of Rabin–Karp and Hyperscan's FDR: every
//! witness is at least `k + stride - 1` bytes long, so each of its occurrences holds a
//! `k`-byte gram starting at a position that is a multiple of `stride` (any `stride`
//! consecutive offsets of the witness will do: those whose grams the fewest witnesses
//! share). The filter reads the line's grams only at those positions (ASCII case folded
//! by clearing bit 5), tests two bits per gram in one 32-bit word of a bitset of about 32
//! bits per registered gram (a blocked Bloom filter: about 0.4% of other grams pass), and
//! confirms a pass through a hash table of the grams' hashes, then against the witnesses
//! themselves. With stride 4 and AVX2, eight positions are tested per step (a gather of
//! the eight words). Witnesses under 8 bytes are searched apart (see [`SHORT_BELOW`]).
//! Measured (callgrind, generated 1k set, stride 4): 3.0 instructions per byte for the
//! whole scan (6.8 with the scalar loop and one bit per gram, when it was the only one);
//! 1.73 GB/s against 1.22.
//!
//! IPv4 indicators may also go without witnesses ([`Escapes::v4`]): when there are many
//! (the 5-byte grams of addresses, `180.7`, are common in any log of addresses) or a
//! network's fixed octets are too short (`10.` of a /8), lines pass on a dotted quad whose
//! address the IPv4 table's gates cover, found from the dots between two digits (AVX2,
//! about half an instruction per byte, plus a parse per candidate).
//!
//! Where it does not pay, it is not built: beyond `Limits::line_prefilter_max` witnesses
//! (the tables outgrow the caches).
//!
//! The same tables and AVX2 loop also serve as the regexes' gate ([`Witnesses::gate`]):
//! "may this line or payload hold one of the regexes' required literals?", in place of
//! Teddy passes, whatever the size of the database. There the literals may be as short as
//! 5 bytes (stride 2), and in packet payloads the loop skips the steps where no tested
//! position begins four bytes of the literals' alphabet (binary data).

use super::filter::lower8;

/// When the witnesses under [`SHORT_BELOW`] bytes cannot be searched apart, all must be this
/// long at least (or the filter is not built): with a stride of at least 3, the filter
/// reads a gram at a third of the positions or fewer.
pub(crate) const MIN_WITNESS: usize = 6;

/// Most witnesses one gram may belong to (more: the filter is not built).
const MAX_SHARED: usize = 128;

/// Witnesses shorter than [`SHORT_BELOW`] (down to [`SHORT_MIN`] bytes) are searched apart,
/// by one Teddy pass for a 3-byte piece of each in its ASCII case variants, when there are
/// at most [`SHORT_MAX`] variants: the grams then come from witnesses of 8 bytes or more
/// (stride 4, grams of 5 bytes or more). A few /16 networks (`63.61.`) or short names
/// (`sofa.rs`) no longer turn the filter off, nor give every witness short grams.
pub(crate) const SHORT_MIN: usize = 4;
const SHORT_BELOW: usize = 8;
const SHORT_MAX: usize = 64;

/// The shortest literal a [`Witnesses::gate`] takes: 5 bytes give a stride of 2 with
/// 4-byte grams.
pub(crate) const GATE_MIN: usize = 5;

/// The kind of a witness, and of what [`Witnesses::may_match`] says a line may hold: token
/// indicators (names, addresses, digests)...
pub(crate) const TOKENS: u8 = 1;
/// ...and literal and regex indicators.
pub(crate) const RAW: u8 = 2;

/// Bit 5 of every byte, cleared from the grams (with the same mask that keeps their `k`
/// bytes: one AND): ASCII letters of either case become equal (a superset fold: bytes
/// equal up to ASCII case stay equal; the confirmation is exact).
const FOLD: u64 = 0x2020_2020_2020_2020;

/// What lets a line through besides the witnesses (all for token indicators).
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Escapes {
    /// A byte >= 0x80 (domain, URL and email indicators: IDNA maps Unicode names).
    pub(crate) idn: bool,
    /// IPv6-looking text (IPv6 indicators, URLs with IPv6 hosts): `::`, or six colons
    /// within 45 bytes (the longest IPv6 text).
    pub(crate) v6: bool,
    /// IPv4 indicators: a dotted quad whose address the caller's check covers, or
    /// `:ffff:` (IPv4-mapped IPv6 in hex, observed as the IPv4 address).
    pub(crate) v4: bool,
}

/// The line prefilter of a database: its witnesses' gram tables, the short witnesses
/// apart, and the escapes (see the module documentation).
pub(crate) struct Witnesses {
    stride: usize,
    /// The gram length `k` (4 to 8: the longest the shortest witness allows; 5 for a
    /// shortest witness of 8 bytes), and the mask of its bytes in a little-endian word
    /// (bit 5 of each cleared: see [`FOLD`]).
    /// Longer grams are rarer in logs: the 4-grams of IPv4 addresses (`76.1`) turn up in most
    /// lines of a log full of addresses; 5-grams cut the confirmations 3x on the generated
    /// corpus.
    k: usize,
    mask: u64,
    /// The bitset of the grams, `2^log2` bits.
    log2: u32,
    bits: Box<[u32]>,
    /// A 32-bit hash of each gram of each witness, sorted; `refs[i]` is the witness of
    /// `keys[i]` (times 256) plus the gram's offset in it. 8 bytes per gram.
    keys: Box<[u32]>,
    refs: Box<[u32]>,
    /// Where each distinct key's run in `keys` begins, plus one (0: empty), by the key's
    /// top bits, linear probing; at most two thirds full (4 to 12 bytes per distinct
    /// key). A confirmation (at about 2.5% of the tested positions on the generated 1k
    /// set, most of them grams really there but not their witness: twice the bits cut
    /// them by a fifth only) costs about 140 instructions with it, 240 with a binary
    /// search of `keys`.
    slots: Box<[u32]>,
    /// The witnesses back to back, ASCII lowercase; witness k is `text[ends[k]..ends[k+1]]`,
    /// and `kinds[k]` says whose witness it is ([`TOKENS`], [`RAW`] or both).
    text: Vec<u8>,
    ends: Vec<u32>,
    kinds: Vec<u8>,
    /// The short witnesses (see [`SHORT_BELOW`]), if they are searched apart.
    short: Option<Short>,
    /// What `may_match` always says: the kinds that have no witnesses (their indicators
    /// are searched in every line).
    always: u8,
    /// What lets a line through besides the witnesses.
    esc: Escapes,
    /// Whether the gram loop runs eight positions at a time with AVX2 (stride 2 to 4 and
    /// the CPU has it: checked once, at build).
    avx2: bool,
    /// The gate's alphabet ([`Witnesses::gate`]), when every literal is ASCII: bit `h` of
    /// entry `l` says whether byte `16h + l` (or, for a letter, its other case) is in a
    /// literal. The gram loop then skips the steps where no tested position begins four
    /// bytes of it (see [`alpha_runs`]).
    alphabet: Option<[u8; 16]>,
    /// Whether no witness holds `\n` or `\r` (so that one is never found across lines of
    /// a block: see [`Witnesses::blocks`]).
    one_line: bool,
}

/// Bit `i` set when the bytes `i` to `i + 3` from `at` are all in `alphabet` (a
/// [`Witnesses::alphabet`] table in both 128-bit halves); bytes past the 32 read count as
/// in it. A position where this is not set begins no gram of a gate literal (the gate's
/// literals are at least 5 bytes long and made of the alphabet).
///
/// # Safety
/// The CPU must support AVX2, and the 32 bytes from `at` must be readable.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn alpha_runs(at: *const u8, alphabet: std::arch::x86_64::__m256i) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: this function's contract; unaligned loads are allowed.
    let v = unsafe { _mm256_loadu_si256(at.cast()) };
    let nibble = _mm256_set1_epi8(0x0F);
    // Bit `h` of byte `h` for the high nibbles 0 to 7: bytes >= 0x80 are in no alphabet.
    let high_bit = _mm256_setr_epi8(
        1, 2, 4, 8, 16, 32, 64, -128, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, -128, 0, 0,
        0, 0, 0, 0, 0, 0,
    );
    let lo = _mm256_shuffle_epi8(alphabet, _mm256_and_si256(v, nibble));
    let hi = _mm256_shuffle_epi8(
        high_bit,
        _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibble),
    );
    let outside = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
    let m = !(_mm256_movemask_epi8(outside) as u32);
    // Bit `i`: bytes `i` and `i + 1` in; then `i` to `i + 3`.
    let two = m & (m >> 1 | 1 << 31);
    two & (two >> 2 | 3 << 30)
}

/// The 32-bit hash of gram `g` behind its bits: each half multiplied by an odd constant.
/// 32-bit lanes, so that the AVX2 loop computes it eight positions at a time (`vpmulld`;
/// AVX2 has no 64-bit multiply) with the same result.
#[inline(always)]
fn hash32(g: u64) -> u32 {
    (g as u32).wrapping_mul(H_LO) ^ ((g >> 32) as u32).wrapping_mul(H_HI)
}

/// The odd multipliers of [`hash32`].
const H_LO: u32 = 0x9E37_79B1;
const H_HI: u32 = 0x85EB_CA77;

/// Where gram `g` lives in a bitset of `2^log2` bits (`12 <= log2 <= 28`) as 32-bit words:
/// the word (the hash's top `log2 - 5` bits) and two bits in it (from its low bits, mixed
/// with its high ones). A blocked Bloom filter of two probes in one word: a position is
/// confirmed only when both bits are set, about 0.4% of grams not registered at 32 bits
/// per gram instead of 3% with one bit. The log's frequent grams decide the cost: on the
/// generated 1k set one colliding `019:0` (of `2019:08:…` times) was 7% of all
/// confirmations; two bits cut them from 14.9k to 8.7k (the rest are mostly grams really
/// registered, such as an address's `2.24.`), and the scan went from 1.27 to 1.48 GB/s.
#[inline(always)]
fn bits_of(g: u64, log2: u32) -> (usize, u32) {
    let h = hash32(g);
    let word = (u64::from(h) << (log2 - 5) >> 32) as usize;
    let m = h ^ (h >> 15);
    (word, 1 << (m & 31) | 1 << (m >> 5 & 31))
}

/// Whether both bits of gram `g` are set in `bits` (`2^log2` bits).
#[inline(always)]
fn probe(bits: &[u32], log2: u32, g: u64) -> bool {
    let (w, m) = bits_of(g, log2);
    // `bits.len()` is a power of two: the mask is a no-op that spares the bounds check.
    bits[w & (bits.len() - 1)] & m == m
}

/// `line.is_ascii()`, 32 bytes per step (four 8-byte words ORed, one test): std's
/// takes a word per step, 0.47 instructions per byte of the 3.5 that the whole filter took
/// on the generated 1k set; this one about 0.2. (Not `first_non_ascii(line).is_none()`:
/// on the line path that measured 0.2 instructions per byte more.)
#[inline]
fn is_ascii(line: &[u8]) -> bool {
    let mut chunks = line.chunks_exact(32);
    let word = |c: &[u8], i: usize| u64::from_le_bytes(c[i..i + 8].try_into().unwrap_or([0; 8]));
    for c in &mut chunks {
        if (word(c, 0) | word(c, 8) | word(c, 16) | word(c, 24)) & 0x8080_8080_8080_8080 != 0 {
            return false;
        }
    }
    chunks.remainder().is_ascii()
}

/// What [`Witnesses::next_in_block`] searches a block for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockSearch {
    /// A witness.
    Grams,
    /// A byte >= 0x80 (names are indicators).
    NonAscii,
    /// IPv6-looking text (see [`Escapes::v6`]).
    V6,
    /// A dotted quad the IPv4 table may cover, or `:ffff:` (see [`Escapes::v4`]).
    V4,
}

/// The first byte >= 0x80 of `hay`: 64 bytes a step with AVX2 (two loads ORed, one sign
/// mask), else 32 as [`is_ascii`]. Measured (callgrind, generated 1k set by blocks): 0.34
/// instructions a byte with the 32-byte words, 0.10 with AVX2.
fn first_non_ascii(hay: &[u8]) -> Option<usize> {
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2.
        i = unsafe { ascii_prefix_avx2(hay) };
    }
    while let Some(c) = hay.get(i..i + 32) {
        let word = |j: usize| u64::from_le_bytes(c[j..j + 8].try_into().unwrap_or([0; 8]));
        if (word(0) | word(8) | word(16) | word(24)) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        i += 32;
    }
    hay[i..].iter().position(|&b| b >= 0x80).map(|j| i + j)
}

/// A multiple of 64 at most `hay.len()` (`hay.len()` rounded down) such that the bytes
/// before it are all ASCII: where the first 64-byte step with a byte >= 0x80 begins, or
/// where the steps ended.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn ascii_prefix_avx2(hay: &[u8]) -> usize {
    use std::arch::x86_64::*;
    let mut i = 0;
    while i + 64 <= hay.len() {
        // SAFETY: the 64 bytes from `i` are inside `hay`.
        let (a, b) = unsafe {
            let at = hay.as_ptr().add(i);
            (
                _mm256_loadu_si256(at.cast()),
                _mm256_loadu_si256(at.add(32).cast()),
            )
        };
        if _mm256_movemask_epi8(_mm256_or_si256(a, b)) != 0 {
            break;
        }
        i += 64;
    }
    i
}

/// Whether `line` has `::` or six colons within 45 bytes: what every IPv6 text has (eight
/// groups, or six and a dotted quad, or `::`). Lines of JSON have many colons, but apart.
/// AVX2 when the CPU has it: the colons of 32 bytes as a mask, `::` from the mask and its
/// shift, and six colons within 45 bytes counted in the masks of the block and the 64
/// bytes before it (each colon's window, when they hold six colons or more). A test
/// checks it against the byte loop and brute force. Measured on the generated
/// 3k set (which has IPv6 indicators): this check was 48% of the scan's instructions
/// when it searched for `::` with `memmem` (a searcher built per line) and walked every
/// colon.
fn may_hold_v6(line: &[u8]) -> bool {
    first_v6(line).is_some()
}

/// Where [`may_hold_v6`] finds IPv6-looking text: the second colon of the first `::`, or
/// the sixth of six colons within 45 bytes, whichever ends first.
fn first_v6(line: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if avx2() {
        // SAFETY: the CPU has AVX2 and POPCNT (checked just above).
        return unsafe { first_v6_avx2(line) };
    }
    first_v6_scalar(line)
}

/// [`first_v6`] colon by colon.
fn first_v6_scalar(line: &[u8]) -> Option<usize> {
    // The last five colons: with the current one, six.
    let mut last = [usize::MAX; 5];
    let mut prev = usize::MAX;
    for (i, c) in memchr::memchr_iter(b':', line).enumerate() {
        let first = last[i % 5];
        if c.checked_sub(1) == Some(prev) || (first != usize::MAX && c - first < 45) {
            return Some(c);
        }
        last[i % 5] = c;
        prev = c;
    }
    None
}

/// # Safety
/// The CPU must support AVX2 and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn first_v6_avx2(line: &[u8]) -> Option<usize> {
    use std::arch::x86_64::*;
    let colon = _mm256_set1_epi8(b':' as i8);
    // The colons of the 32 bytes at `at` (32 readable bytes).
    let mask = |at: *const u8| {
        // SAFETY: the callers pass 32 readable bytes; unaligned loads are allowed.
        let v = unsafe { _mm256_loadu_si256(at.cast()) };
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, colon)) as u32
    };
    // Bits 0..64: the colons of the 64 bytes before the block; 64..96: the block's. A
    // window of 45 bytes ending in the block starts in those 64 bytes or in it. The
    // first place in the block where a `::` or a window of six ends.
    let check = |before: u64, m: u32| -> Option<u32> {
        let w = u128::from(before) | u128::from(m) << 64;
        let pairs = ((w & w >> 1) >> 63) as u64;
        let pair = (pairs != 0).then(|| pairs.trailing_zeros());
        if w.count_ones() < 6 {
            return pair;
        }
        let mut c = m;
        while c != 0 {
            let end = 64 + c.trailing_zeros();
            c &= c - 1;
            if pair.is_some_and(|q| q <= end - 64) {
                break;
            }
            if (w >> (end - 44) & ((1 << 45) - 1)).count_ones() >= 6 {
                return Some(end - 64);
            }
        }
        pair
    };
    let n = line.len();
    let mut before = 0u64;
    let mut i = 0;
    while i + 32 <= n {
        // SAFETY: `i + 32 <= n`.
        let m = mask(unsafe { line.as_ptr().add(i) });
        if let Some(b) = check(before, m) {
            return Some(i + b as usize);
        }
        before = before >> 32 | u64::from(m) << 32;
        i += 32;
    }
    let mut tail = [0u8; 32];
    tail[..n - i].copy_from_slice(&line[i..]);
    check(before, mask(tail.as_ptr())).map(|b| i + b as usize)
}

/// Whether `line` may hold an IPv4 sighting: `:ffff:` in any case (IPv4-mapped IPv6 in
/// hex, `::ffff:102:304`, is observed as 1.2.3.4), or a dotted quad (four runs of 1 to 3
/// digits joined by dots, the first one starting a run of digits) whose address passes
/// `covered`. Every IPv4 address the tokenizer observes is written so; this finds more
/// (`2.3.4.5` in `1.2.3.4.5`, `1.2.3.4` in `a1.2.3.4`), which only lets more lines through.
/// Only the dots between two digits and the colons before an `f` are looked at (see
/// [`candidates`]).
fn v4_escape(line: &[u8], covered: impl Fn(u32) -> bool) -> bool {
    v4_escape_at(line, covered).is_some()
}

/// Where [`v4_escape`] finds what it looks for: the dot or colon of the first candidate.
fn v4_escape_at(line: &[u8], covered: impl Fn(u32) -> bool) -> Option<usize> {
    // Dots inside a quad already read begin no quad the tokenizer would observe.
    let mut next = 0;
    let mut at = None;
    candidates(line, |pos, dot| {
        let hit = if !dot {
            line.get(pos + 1..pos + 6)
                .is_some_and(|x| x.eq_ignore_ascii_case(b"ffff:"))
        } else if pos < next {
            false
        } else {
            let digits = line[..pos]
                .iter()
                .rev()
                .take(4)
                .take_while(|b| b.is_ascii_digit())
                .count();
            digits <= 3
                && match quad_at(line, pos - digits) {
                    Some((addr, end)) => {
                        next = end;
                        covered(addr)
                    }
                    None => false,
                }
        };
        if hit {
            at = Some(pos);
        }
        hit
    });
    at
}

/// Whether the CPU has AVX2 and POPCNT (every AVX2 CPU has both; false off x86-64).
pub(crate) fn avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Calls `f(position, is_dot)` in order for each `.` with an ASCII digit on both sides and
/// each `:` followed by `f` or `F` in `line`, until `f` returns true (then true). AVX2
/// when the CPU has it (three unaligned loads, five compares and a mask per 32 bytes),
/// else byte by byte; a test checks both agree. Measured on 5k IPv4 addresses over the
/// generated corpus: 5.8 instructions per byte for the whole scan with AVX2, 15.1 byte by
/// byte; 1.23 against 0.75 GB/s (medians of 5 alternating runs).
fn candidates(line: &[u8], mut f: impl FnMut(usize, bool) -> bool) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above); `candidates_avx2` reads only
            // inside `line`.
            return unsafe { candidates_avx2(line, &mut f) };
        }
    }
    candidates_scalar(line, 0, &mut f)
}

/// [`candidates`] byte by byte from `from` on.
fn candidates_scalar(line: &[u8], from: usize, f: &mut impl FnMut(usize, bool) -> bool) -> bool {
    let digit = |i: usize| line.get(i).is_some_and(u8::is_ascii_digit);
    for (j, &c) in line.iter().enumerate().skip(from) {
        let hit = match c {
            b'.' => j > 0 && digit(j - 1) && digit(j + 1) && f(j, true),
            b':' => line.get(j + 1).is_some_and(|&b| b | 0x20 == b'f') && f(j, false),
            _ => false,
        };
        if hit {
            return true;
        }
    }
    false
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn candidates_avx2(line: &[u8], f: &mut impl FnMut(usize, bool) -> bool) -> bool {
    use std::arch::x86_64::*;
    let n = line.len();
    // Position 0 has no byte before it: the scalar loop takes it, and the tail.
    if n > 0 && line[0] == b':' && line.get(1).is_some_and(|&b| b | 0x20 == b'f') && f(0, false) {
        return true;
    }
    let zero = _mm256_set1_epi8(b'0' as i8);
    let nine = _mm256_set1_epi8(9);
    let is_digit = |v: __m256i| {
        let t = _mm256_sub_epi8(v, zero);
        _mm256_cmpeq_epi8(_mm256_min_epu8(t, nine), t)
    };
    // The candidates among the 32 positions from `i` (`1 <= i`, `i + 33 <= n`): dots, and
    // dots or colons.
    let block = |i: usize| {
        // SAFETY: `i >= 1` and `i + 33 <= n`: the three 32-byte loads at `i - 1`, `i` and
        // `i + 1` are inside `line`; unaligned loads are allowed.
        let (p, v, q) = unsafe {
            let at = line.as_ptr().add(i);
            (
                _mm256_loadu_si256(at.sub(1).cast()),
                _mm256_loadu_si256(at.cast()),
                _mm256_loadu_si256(at.add(1).cast()),
            )
        };
        let dot = _mm256_and_si256(
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'.' as i8)),
            _mm256_and_si256(is_digit(p), is_digit(q)),
        );
        let colon = _mm256_and_si256(
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b':' as i8)),
            _mm256_cmpeq_epi8(
                _mm256_or_si256(q, _mm256_set1_epi8(0x20)),
                _mm256_set1_epi8(b'f' as i8),
            ),
        );
        let dots = _mm256_movemask_epi8(dot) as u32;
        (dots, dots | _mm256_movemask_epi8(colon) as u32)
    };
    let mut report = |i: usize, dots: u32, mut m: u32| {
        while m != 0 {
            let b = m.trailing_zeros();
            if f(i + b as usize, dots >> b & 1 != 0) {
                return true;
            }
            m &= m - 1;
        }
        false
    };
    let mut i = 1;
    while i + 33 <= n {
        let (dots, m) = block(i);
        if report(i, dots, m) {
            return true;
        }
        i += 32;
    }
    if n < 34 {
        return candidates_scalar(line, i, f);
    }
    // The rest: one block ending at `n - 1` (the last byte is no candidate: nothing
    // follows it), without the positions already seen.
    let j = n - 33;
    let (dots, m) = block(j);
    let unseen = u32::MAX.checked_shl((i - j) as u32).unwrap_or(0);
    report(j, dots, m & unseen)
}

/// The dotted quad at `i` of `line` (octets of 1 to 3 digits, at most 255) and its end.
/// The bytes are read from a fixed-size array of 16 (a quad is 15 at most), a copy only
/// near the line's end: no bounds to check against the line. Measured (callgrind,
/// generated 30k set by blocks, where the dotted quads replace the IPv4 witnesses): 9.13
/// instructions a byte with the slice walk, 8.58 with this.
fn quad_at(line: &[u8], i: usize) -> Option<(u32, usize)> {
    let t = line.get(i..)?;
    match t.first_chunk::<16>() {
        Some(c) => quad_of(c),
        None => {
            let mut c = [0u8; 16];
            c[..t.len()].copy_from_slice(t);
            quad_of(&c)
        }
    }
    .map(|(a, n)| (a, i + n))
}

/// [`quad_at`] on 16 bytes (zeros past the line's end, which are no digits or dots).
#[inline(always)]
fn quad_of(c: &[u8; 16]) -> Option<(u32, usize)> {
    let mut addr = 0u32;
    let mut p = 0;
    for k in 0..4 {
        if k > 0 {
            // `p` is at most 11 here: three groups of 3 digits and two dots.
            if c[p] != b'.' {
                return None;
            }
            p += 1;
        }
        let start = p;
        let mut v = 0u32;
        // At most 14: a group begins at 12 at most.
        while p - start < 3 {
            let d = c[p].wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            v = v * 10 + u32::from(d);
            p += 1;
        }
        if p == start || v > 255 {
            return None;
        }
        addr = addr << 8 | v;
    }
    Some((addr, p))
}

#[inline]
fn key_of(g: u64) -> u32 {
    (g.wrapping_mul(0xC2B2_AE3D_27D4_EB4F) >> 32) as u32
}

/// The 8 bytes of `c` from `i`, little-endian (`c` has them).
#[inline(always)]
fn gram_at(c: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(c[i..i + 8].try_into().unwrap_or([0; 8]))
}

/// The home slot of `key` in a table of `2^bits` slots (its top bits: keys are hashes).
#[inline]
fn slot_of(key: u32, bits: u32) -> usize {
    (u64::from(key) << bits >> 32) as usize
}

/// Up to 8 bytes of `b` from `p`, little-endian, zero-padded.
#[inline]
fn word(b: &[u8], p: usize) -> u64 {
    match b.get(p..p + 8) {
        Some(w) => u64::from_le_bytes(w.try_into().unwrap_or([0; 8])),
        None => {
            let mut w = [0u8; 8];
            let t = &b[p.min(b.len())..];
            w[..t.len()].copy_from_slice(t);
            u64::from_le_bytes(w)
        }
    }
}

/// The gram tables for one stride (see the fields of [`Witnesses`] of the same names);
/// `keyed` holds the sorted (key, reference) pairs.
struct Grams {
    stride: usize,
    k: usize,
    mask: u64,
    log2: u32,
    bits: Box<[u32]>,
    keyed: Vec<(u32, u32)>,
}

/// Text found in most logs whatever they are about: private and special addresses,
/// protocol and browser versions. A witness's grams are chosen away from these (see
/// [`gram_tables`]): every occurrence in a line of a gram that a witness has costs a
/// confirmation, about 57 ns. Measured on the generated corpus with the generated 1k set:
/// 98% of the confirmations that found nothing were IPv4 witnesses whose grams were those
/// of `192.168.`, `10.0.` and the like (`98.239.168.56` by its `.168` gram alone: 891 of
/// 8,742).
#[rustfmt::skip]
const COMMON_TEXT: &[&[u8]] = &[
    b"192.168.", b"10.0.0.", b"10.1.", b"10.10.", b"172.16.", b"172.17.", b"172.18.",
    b"172.19.", b"172.20.", b"172.21.", b"172.22.", b"172.23.", b"172.24.", b"172.25.",
    b"172.26.", b"172.27.", b"172.28.", b"172.29.", b"172.30.", b"172.31.", b"127.0.0.1",
    b"0.0.0.0", b"255.255.255.", b"169.254.", b"HTTP/1.1", b"HTTP/1.0", b"Mozilla/5.0",
    b"Windows NT 10.0", b"Windows NT 6.1", b"AppleWebKit/537.36", b"Safari/537.36",
    b"Safari/605.1.15", b"Gecko/20100101", b"Trident/7.0", b"rv:11.0", b"curl/7.",
];

/// The `k`-byte grams (under `mask`) of [`COMMON_TEXT`], sorted.
fn common_grams(k: usize, mask: u64) -> Vec<u64> {
    let mut out: Vec<u64> = COMMON_TEXT
        .iter()
        .flat_map(|t| t.windows(k).map(|g| word(g, 0) & mask))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The gram tables of the witnesses `text[ends[i]..ends[i + 1]]` (the shortest `min`
/// bytes long) for `stride`; `None` when a gram is shared by more than `MAX_SHARED`
/// witnesses.
fn gram_tables(text: &[u8], ends: &[u32], stride: usize, min: usize) -> Option<Grams> {
    let k = (min - stride + 1).min(8);
    let mask = u64::MAX >> (64 - 8 * k) & !FOLD;
    let n = ends.len() - 1;
    let witness = |i: usize| &text[ends[i] as usize..ends[i + 1] as usize];
    let gram = |i: usize, o: usize| word(witness(i), o) & mask;
    // Any `stride` consecutive offsets of a witness will do (each occurrence puts one of
    // them at a tested position): the ones whose grams the fewest witnesses have, so that
    // `instance-` beginning hundreds of names does not make one gram shared by them all.
    // Offsets stay under 256 (they are stored in a byte).
    let last = |i: usize| (witness(i).len() - k).min(255);
    let mut all: Vec<u64> = (0..n)
        .flat_map(|i| (0..=last(i)).map(move |o| (i, o)))
        .map(|(i, o)| gram(i, o))
        .collect();
    all.sort_unstable();
    let count = |g: u64| all.partition_point(|&x| x <= g) - all.partition_point(|&x| x < g);
    let common = common_grams(k, mask);
    let mut grams: Vec<(u64, u32)> = Vec::with_capacity(n * stride);
    let mut counts = Vec::new();
    for i in 0..n {
        counts.clear();
        counts.extend((0..=last(i)).map(|o| {
            let g = gram(i, o);
            (usize::from(common.binary_search(&g).is_ok()), count(g))
        }));
        // The window with the fewest grams common in logs, then the least shared.
        let best = (0..=last(i) + 1 - stride)
            .min_by_key(|&a| {
                let w = &counts[a..a + stride];
                (
                    w.iter().map(|c| c.0).sum::<usize>(),
                    w.iter().map(|c| c.1).max(),
                )
            })
            .unwrap_or(0);
        for o in best..best + stride {
            grams.push((gram(i, o), (i as u32) << 8 | o as u32));
        }
    }
    drop(all);
    // About 32 bits per gram: a false positive rate near 3% per tested position.
    let log2 = (grams.len() * 32)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(12, 28);
    let mut bits = vec![0u32; 1 << (log2 - 5)].into_boxed_slice();
    let mut keyed: Vec<(u32, u32)> = grams
        .into_iter()
        .map(|(g, r)| {
            let (w, m) = bits_of(g, log2);
            bits[w] |= m;
            (key_of(g), r)
        })
        .collect();
    keyed.sort_unstable();
    // A gram shared by many witnesses makes each of its occurrences a long
    // confirmation: 256 witnesses `12.34.v.` (12.34.0.0/16 spelled out) all beginning
    // with `12.3`, found in most lines of addresses, measured 10x slower than no filter.
    // The `:ffff:` witnesses of IPv4-mapped text share their first grams, but they are
    // rare in lines: they do not count.
    let mut run = 0;
    for (i, &(key, r)) in keyed.iter().enumerate() {
        if i > 0 && keyed[i - 1].0 != key {
            run = 0;
        }
        run += usize::from(!witness((r >> 8) as usize).starts_with(b":ffff:"));
        if run > MAX_SHARED {
            return None;
        }
    }
    Some(Grams {
        stride,
        k,
        mask,
        log2,
        bits,
        keyed,
    })
}

impl Witnesses {
    /// The filter over `witnesses` (any case; duplicates allowed), each with its kind
    /// ([`TOKENS`], [`RAW`]), or `None` when one is shorter than [`MIN_WITNESS`], a gram is
    /// shared by more than [`MAX_SHARED`] of them, or there are none. A kind without
    /// witnesses always passes. Build cost: a sort of up to 4 grams per witness; memory
    /// 16 to 24 bytes per gram (4 of bitset, 8 of key and reference, 4 to 12 of slot) and
    /// the witnesses' text.
    pub(crate) fn build(witnesses: Vec<(Vec<u8>, u8)>, esc: Escapes) -> Option<Witnesses> {
        Self::assemble(witnesses, esc, true)
    }

    /// A filter for "does `hay` hold one of `literals`?" alone (up to ASCII case: it may
    /// say yes for another case, never no for a literal that is there): the regexes'
    /// gate in place of Teddy passes ([`crate::compile::automata`]). Unlike the line
    /// prefilter it takes literals down to [`GATE_MIN`] bytes (stride 2 for the
    /// shortest of 5: grams at every other position) and has no short witnesses apart.
    /// `None` without AVX2 (the Teddy passes stay: the scalar loop was not measured against
    /// them at stride 2), for no literals, one shorter than [`GATE_MIN`], or a gram shared
    /// by more than [`MAX_SHARED`].
    pub(crate) fn gate(literals: Vec<Vec<u8>>) -> Option<Witnesses> {
        if !avx2() || literals.iter().any(|l| l.len() < GATE_MIN) {
            return None;
        }
        let ws = literals.into_iter().map(|l| (l, RAW)).collect();
        let mut gate = Self::assemble(ws, Escapes::default(), false)
            .filter(|w| w.avx2 && !w.keys.is_empty())?;
        // (The literals, lowercased, are the witnesses' text now.)
        if gate.text.is_ascii() {
            let mut table = [0u8; 16];
            for &b in &gate.text {
                for c in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
                    table[usize::from(c & 15)] |= 1 << (c >> 4);
                }
            }
            gate.alphabet = Some(table);
        }
        Some(gate)
    }

    /// Does `hay` hold one of the [`Witnesses::gate`] literals (up to ASCII case)?
    /// `binary`: `hay` is likely to hold stretches of bytes outside the literals' alphabet
    /// (packet payloads), where the gram loop skips steps by the alphabet: on the
    /// packets of `shared/data/pcap`, 85% of the steps against the combined feed's regex
    /// literals, 10% faster in all (median of 7); on log lines, text nearly everywhere, it
    /// cost 5% more instructions for nothing (and is not used). The steps to take are
    /// found 64 at a time before any is taken (see `gram_loop`): a branch per step on
    /// whether to take it was mispredicted where text and binary alternate, and the
    /// packets ran 4% slower with it.
    #[inline]
    pub(crate) fn gate_passes(&self, hay: &[u8], binary: bool) -> bool {
        self.search(hay, TOKENS, binary) & RAW != 0
    }

    /// [`Witnesses::build`] (`line`: the line prefilter, short witnesses searched apart
    /// and a stride of 3 at least) or [`Witnesses::gate`].
    fn assemble(mut witnesses: Vec<(Vec<u8>, u8)>, esc: Escapes, line: bool) -> Option<Witnesses> {
        for (w, _) in &mut witnesses {
            w.make_ascii_lowercase();
        }
        witnesses.sort_unstable();
        // One entry per text, with the kinds of all its copies.
        witnesses.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 |= b.1;
            }
            same
        });
        // The kinds that something lets through (the rest always pass).
        let escaped = if esc.v4 || esc.v6 { TOKENS } else { 0 };
        let all = witnesses.iter().fold(escaped, |k, w| k | w.1);
        if all == 0 || witnesses.len() > (u32::MAX >> 8) as usize {
            return None;
        }
        let (short_ws, long_ws): (Vec<_>, Vec<_>) = witnesses
            .iter()
            .cloned()
            .partition(|w| w.0.len() < SHORT_BELOW);
        let (short, witnesses) = match Short::build(short_ws).filter(|_| line) {
            Some(short) => (Some(short), long_ws),
            None => (None, witnesses),
        };
        // Without the short ones apart, shorter witnesses would mean a stride below 3.
        // (Not measured alone: on the generated 100k set, 4-byte /16 witnesses gave stride
        // 1 and shared grams together, 10x slower than no filter.)
        let min = witnesses
            .iter()
            .map(|w| w.0.len())
            .min()
            .unwrap_or(SHORT_BELOW);
        if min < if line { MIN_WITNESS } else { GATE_MIN } {
            return None;
        }
        let mut text = Vec::with_capacity(witnesses.iter().map(|w| w.0.len()).sum());
        let mut ends = Vec::with_capacity(witnesses.len() + 1);
        ends.push(0u32);
        for (w, _) in &witnesses {
            text.extend_from_slice(w);
            ends.push(u32::try_from(text.len()).ok()?);
        }
        let kinds = witnesses.iter().map(|w| w.1).collect();
        drop(witnesses);
        // Every occurrence of a witness of length L holds a gram of length L - stride + 1
        // at a position that is a multiple of the stride; all use the shortest one's (4 to
        // 8 bytes). Longer grams for the longer witnesses (a second bitset) measured worse:
        // two probes per position cost more than the confirmations they save. The widest
        // stride (up to 4) whose grams no more than `MAX_SHARED` witnesses share: on the
        // generated 100k set, 4-byte grams (stride 4 for 7-byte addresses) such as `180.`
        // begin too many addresses, 5-byte grams (stride 3) do not.
        let Grams {
            stride,
            k,
            mask,
            log2,
            bits,
            keyed,
        } = (if line { 3 } else { 2 }..=(min - 3).min(4))
            .rev()
            .find_map(|stride| gram_tables(&text, &ends, stride, min))?;
        let keys: Box<[u32]> = keyed.iter().map(|e| e.0).collect();
        let distinct = 1 + keys.windows(2).filter(|w| w[0] != w[1]).count();
        let slot_bits = (distinct + distinct / 2)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(4, 32);
        let mut slots = vec![0u32; 1 << slot_bits].into_boxed_slice();
        for (i, &key) in keys.iter().enumerate() {
            if i == 0 || keys[i - 1] != key {
                let mut at = slot_of(key, slot_bits);
                while slots[at] != 0 {
                    at = (at + 1) & (slots.len() - 1);
                }
                slots[at] = u32::try_from(i + 1).ok()?;
            }
        }
        let one_line = !text.iter().any(|&b| b == b'\n' || b == b'\r');
        Some(Witnesses {
            stride,
            k,
            mask,
            log2,
            bits,
            keys,
            refs: keyed.iter().map(|e| e.1).collect(),
            slots,
            text,
            ends,
            kinds,
            short,
            always: (TOKENS | RAW) & !all,
            esc,
            avx2: (2..=4).contains(&stride) && avx2(),
            alphabet: None,
            one_line,
        })
    }

    /// What `line` may have sightings of: [`TOKENS`] when it holds a token witness (ASCII
    /// case ignored), a byte >= 0x80 when names are indicators, IPv6-looking text when
    /// IPv6 indicators are, or, when IPv4 indicators are, `:ffff:` or a dotted quad whose
    /// address `v4_covered` says an indicator may cover; [`RAW`] when it holds a literal
    /// or regex witness; and the kinds without witnesses always. A kind is never missing
    /// when the line has a sighting of it; it may be there without one (`evil.com` inside
    /// `notevil.com`).
    #[inline]
    pub(crate) fn may_match(&self, line: &[u8], v4_covered: impl Fn(u32) -> bool) -> u8 {
        let mut found = self.always;
        let esc = &self.esc;
        if found & TOKENS == 0
            && ((esc.idn && !is_ascii(line))
                || (esc.v6 && may_hold_v6(line))
                || (esc.v4 && v4_escape(line, v4_covered)))
        {
            found |= TOKENS;
        }
        if let Some(short) = &self.short {
            found = short.search(line, found);
        }
        if found == TOKENS | RAW || self.keys.is_empty() {
            return found;
        }
        self.search(line, found, false)
    }

    /// The gram loop, with the stride a constant (2 to 4: see `build` and `gate`).
    #[inline(never)]
    fn search(&self, line: &[u8], found: u8, alpha: bool) -> u8 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only when the CPU has AVX2 and the stride is 2 to 4.
            return unsafe {
                match self.stride {
                    4 => self.search_avx2::<4>(line, found, alpha),
                    3 => self.search_avx2::<3>(line, found, alpha),
                    _ => self.search_avx2::<2>(line, found, alpha),
                }
            };
        }
        match self.stride {
            2 => self.search_by::<2>(line, found),
            3 => self.search_by::<3>(line, found),
            4 => self.search_by::<4>(line, found),
            _ => self.search_rest(line, 0, found),
        }
    }

    /// The gram loop for stride 4, eight positions (32 bytes) per step: two unaligned
    /// loads give each position's gram as two 32-bit halves, [`bits_of`] is computed in
    /// the lanes, one gather reads the eight bitset words, and a sign-bit mask says which
    /// positions to confirm. The line's last positions (fewer than 36 bytes left) take one
    /// more step over a zero-padded copy. The scalar loop (`search_by::<4>`) gives the
    /// same answers; a test checks it.
    ///
    /// # Safety
    /// The CPU must support AVX2, and the stride must be `S` (2 to 4).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn search_avx2<const S: usize>(&self, line: &[u8], mut found: u8, alpha: bool) -> u8 {
        // SAFETY: this function's contract.
        unsafe {
            self.grams_avx2::<S>(line, alpha, |p, m| {
                found = self.confirm_lanes(line, p, m, found);
                found == TOKENS | RAW
            })
        };
        found
    }

    /// The AVX2 gram loop over `hay` for stride `S` (2 to 4): calls `hit(p, m)` for each
    /// step whose mask `m` is not zero (bit `j`: the gram at `p + S * j` has its bits set),
    /// in order, until `hit` returns true (then true). `alpha`: skip the steps the
    /// alphabet rules out, if there is one (then `m` may miss grams that begin no run
    /// of it, which are no witness's).
    ///
    /// # Safety
    /// The CPU must support AVX2, and the stride must be `S`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn grams_avx2<const S: usize>(
        &self,
        hay: &[u8],
        alpha: bool,
        hit: impl FnMut(usize, u32) -> bool,
    ) -> bool {
        // SAFETY: this function's contract.
        unsafe {
            match (self.k > 4, alpha && self.alphabet.is_some()) {
                (true, false) => self.gram_loop::<S, true, false>(hay, hit),
                (false, false) => self.gram_loop::<S, false, false>(hay, hit),
                (true, true) => self.gram_loop::<S, true, true>(hay, hit),
                (false, true) => self.gram_loop::<S, false, true>(hay, hit),
            }
        }
    }

    /// [`Witnesses::grams_avx2`] for grams longer than 4 bytes (`WIDE`: their upper
    /// halves hashed too) or not, skipping steps by the alphabet (`ALPHA`) or not.
    ///
    /// # Safety
    /// The CPU must support AVX2, the stride must be `S`, `WIDE` must be `k > 4`, and
    /// `ALPHA` must be `alphabet.is_some()`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn gram_loop<const S: usize, const WIDE: bool, const ALPHA: bool>(
        &self,
        hay: &[u8],
        mut hit: impl FnMut(usize, u32) -> bool,
    ) -> bool {
        use std::arch::x86_64::*;
        let n = hay.len();
        let masks = (
            _mm256_set1_epi32(self.mask as u32 as i32),
            _mm256_set1_epi32((self.mask >> 32) as u32 as i32),
        );
        let shift = _mm_cvtsi32_si128((32 - (self.log2 - 5)) as i32);
        // The bytes a step reads from `p` (see `step_avx2`; 32 for `alpha_runs`).
        let reach = match S {
            4 => 36,
            3 => 32,
            _ if ALPHA => 32,
            _ => 28,
        };
        let alphabet = self.alphabet.map_or(_mm256_setzero_si256(), |t| {
            // SAFETY: 16 bytes read, unaligned, from a 16-byte array.
            let t = unsafe { _mm_loadu_si128(t.as_ptr().cast()) };
            _mm256_set_m128i(t, t)
        });
        // The tested positions of a step, as bits.
        let tested = (0..8).fold(0u32, |m, j| m | 1 << (S * j));
        // The last `reach` bytes (a copy of constant length: no call to `memcpy`), or all
        // of a shorter `hay`, then zeros; the steps start at `p`'s copy. Stride 4 takes one
        // step (the last positions with a gram inside `hay` are 8 at most), strides 3 and 2
        // up to two (10 and 13). Copied before the loops: the tail's loads from `pad`,
        // unaligned across its stores, would otherwise wait for them (store forwarding).
        let mut pad = [0u8; 96];
        let from = n.saturating_sub(reach);
        match hay.get(from..from + reach) {
            Some(last) => pad[..reach].copy_from_slice(last),
            None => pad[..n].copy_from_slice(hay),
        }
        let step = 8 * S;
        let mut p = 0;
        if ALPHA {
            // In two phases per 64 steps: which steps have a tested position in an alphabet
            // run (no branch per step: on packets, text and binary stretches alternate
            // unpredictably), then those steps alone.
            while p + reach <= n {
                // The steps from `p` whose bytes are all in `hay`, up to 64.
                let steps = ((n - reach - p) / step + 1).min(64);
                let mut need = 0u64;
                if S == 2 {
                    // One 32-byte mask serves two steps (the second step's positions near
                    // the end of the 32 bytes count as in a run).
                    for c in 0..steps.div_ceil(2) {
                        // SAFETY: AVX2; step `2c` has `p + 32c + reach <= n`, `reach` 32.
                        let r = unsafe { alpha_runs(hay.as_ptr().add(p + 32 * c), alphabet) };
                        let two =
                            u64::from(r & tested != 0) | u64::from(r >> 16 & tested != 0) << 1;
                        need |= two << (2 * c);
                    }
                    if steps < 64 {
                        need &= (1 << steps) - 1;
                    }
                } else {
                    for k in 0..steps {
                        // SAFETY: AVX2; step `k` has `p + step * k + reach <= n`, and
                        // `reach >= 32`.
                        let r = unsafe { alpha_runs(hay.as_ptr().add(p + step * k), alphabet) };
                        need |= u64::from(r & tested != 0) << k;
                    }
                }
                let q = p + step * steps;
                while need != 0 {
                    let at = p + step * need.trailing_zeros() as usize;
                    need &= need - 1;
                    // SAFETY: AVX2 (this function's contract); `at + reach <= n` (checked
                    // in the first phase): the step reads `hay[at..at + reach]`.
                    let m =
                        unsafe { self.step_avx2::<S, WIDE>(hay.as_ptr().add(at), masks, shift) };
                    if m != 0 && hit(at, m) {
                        return true;
                    }
                }
                p = q;
            }
        }
        while !ALPHA && p + reach <= n {
            // SAFETY: AVX2 (this function's contract); `p + reach <= n`: the step reads
            // `hay[p..p + reach]`.
            let m = unsafe { self.step_avx2::<S, WIDE>(hay.as_ptr().add(p), masks, shift) };
            if m != 0 && hit(p, m) {
                return true;
            }
            p += step;
        }
        while p + self.k <= n {
            // The positions `p + S * j` whose gram lies inside `hay`.
            let valid = (1u32 << ((n - p - self.k) / S + 1).min(8)) - 1;
            // SAFETY (this offset and the reads below): AVX2, and `p - from <= 32`. The
            // first step here starts at most one step (32 bytes) past `from`, since the one
            // before read `hay` up to `n` at most; a second comes only at stride 2 or 3, at
            // most 28 bytes past (its grams start by `n - k`); for a `hay` shorter than
            // `reach`, `from` is 0 and the steps start at 0, 16 or 24. The alphabet reads 32
            // bytes and a step 36 at most: inside `pad`'s 96.
            let at = unsafe { pad.as_ptr().add(p - from) };
            // The alphabet skips short payloads too (the zeros after `hay` are in no run).
            if !ALPHA || unsafe { alpha_runs(at, alphabet) } & tested != 0 {
                // SAFETY: as above.
                let m = unsafe { self.step_avx2::<S, WIDE>(at, masks, shift) };
                if m & valid != 0 && hit(p, m & valid) {
                    return true;
                }
            }
            p += step;
        }
        false
    }

    /// Which of the eight positions `at + S * j` have their gram's bits set (bit `j`).
    /// Stride 4: the grams' halves are the 32-bit lanes of two loads, at `at` and `at + 4`
    /// (36 bytes read). Stride 3: each 128-bit half of two loads (`at` and `at + 12`; `at +
    /// 4` and `at + 16`) is shuffled so that its lanes hold the bytes from `3j` (32 bytes
    /// read). Stride 2 likewise, from `at` and `at + 8`; `at + 4` and `at + 12` (28 bytes).
    ///
    /// # Safety
    /// The CPU must support AVX2, and the 36 (stride 4), 32 (stride 3) or 28 (stride 2)
    /// bytes from `at` must be readable.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn step_avx2<const S: usize, const WIDE: bool>(
        &self,
        at: *const u8,
        (lo, hi): (std::arch::x86_64::__m256i, std::arch::x86_64::__m256i),
        shift: std::arch::x86_64::__m128i,
    ) -> u32 {
        use std::arch::x86_64::*;
        let spread = if S == 2 {
            _mm256_setr_epi8(
                0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7,
                6, 7, 8, 9,
            )
        } else {
            _mm256_setr_epi8(
                0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12, 0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8,
                9, 9, 10, 11, 12,
            )
        };
        // The first 4 bytes of the grams at `x + S * j` in lane `j`.
        // SAFETY: the caller guarantees the bytes read (up to `at + 4 + 8 * S` for the
        // upper halves) are readable; unaligned loads are allowed.
        let load = |x: *const u8| unsafe {
            if S == 4 {
                _mm256_loadu_si256(x.cast())
            } else {
                _mm256_shuffle_epi8(_mm256_loadu2_m128i(x.add(4 * S).cast(), x.cast()), spread)
            }
        };
        let mut h = _mm256_mullo_epi32(
            _mm256_and_si256(load(at), lo),
            _mm256_set1_epi32(H_LO as i32),
        );
        if WIDE {
            // SAFETY: as above.
            let b = load(unsafe { at.add(4) });
            h = _mm256_xor_si256(
                h,
                _mm256_mullo_epi32(_mm256_and_si256(b, hi), _mm256_set1_epi32(H_HI as i32)),
            );
        }
        // SAFETY: the word `h >> (32 - (log2 - 5))` is below `2^(log2 - 5)`, the length
        // of `bits`; gathers need no alignment beyond the element's.
        let w = unsafe {
            _mm256_i32gather_epi32::<4>(self.bits.as_ptr().cast(), _mm256_srl_epi32(h, shift))
        };
        // Each of the two bits to the sign (shifted left by 31 minus its place); both set:
        // the AND's sign.
        let m = _mm256_xor_si256(h, _mm256_srli_epi32::<15>(h));
        let thirty_one = _mm256_set1_epi32(31);
        let up = |b: __m256i| _mm256_sllv_epi32(w, _mm256_andnot_si256(b, thirty_one));
        let t = _mm256_and_si256(up(m), up(_mm256_srli_epi32::<5>(m)));
        _mm256_movemask_ps(_mm256_castsi256_ps(t)) as u32
    }

    /// Confirms the positions `p + stride * j` for the bits `j` of `m`.
    #[cold]
    fn confirm_lanes(&self, line: &[u8], p: usize, mut m: u32, mut found: u8) -> u8 {
        while m != 0 {
            let at = p + self.stride * m.trailing_zeros() as usize;
            m &= m - 1;
            found |= self.confirm(line, at, word(line, at) & self.mask, found);
            if found == TOKENS | RAW {
                break;
            }
        }
        found
    }

    /// The gram loop for stride `S`: `found` and the kinds of the witnesses in `line`,
    /// stopping once both kinds are found. Four positions per step: their four probes
    /// are computed before one branch (most steps have no bit set), and the loads come
    /// from one slice of known length (no bounds check each). Measured (callgrind,
    /// generated 1k set, when it was written): 7.3 instructions per byte for the whole
    /// scan, 9.0 with the one-position loop of `search_rest` (BMI2's `shrx` took it to
    /// 6.9, with no wall-clock difference shown: not kept).
    #[inline(always)]
    fn search_by<const S: usize>(&self, line: &[u8], mut found: u8) -> u8 {
        let (mask, log2, bits) = (self.mask, self.log2, &self.bits[..]);
        let mut p = 0;
        while let Some(c) = line.get(p..p + 3 * S + 8) {
            let g = |j: usize| gram_at(c, j * S) & mask;
            let (g0, g1, g2, g3) = (g(0), g(1), g(2), g(3));
            let (h0, h1) = (probe(bits, log2, g0), probe(bits, log2, g1));
            let (h2, h3) = (probe(bits, log2, g2), probe(bits, log2, g3));
            if h0 | h1 | h2 | h3 {
                for (j, (h, g)) in [(h0, g0), (h1, g1), (h2, g2), (h3, g3)]
                    .into_iter()
                    .enumerate()
                {
                    if h {
                        found |= self.confirm(line, p + j * S, g, found);
                        if found == TOKENS | RAW {
                            return found;
                        }
                    }
                }
            }
            p += 4 * S;
        }
        self.search_rest(line, p, found)
    }

    /// The gram loop from `p` on, one position at a time.
    fn search_rest(&self, line: &[u8], mut p: usize, mut found: u8) -> u8 {
        let n = line.len();
        let (mask, log2, bits) = (self.mask, self.log2, &self.bits[..]);
        // Positions with 8 bytes left: one unaligned load each; then the line's last 8
        // bytes, shifted (the gram's bytes are in them; the zeros shifted in are masked
        // off).
        let last = line
            .get(n.wrapping_sub(8)..)
            .map(|t| u64::from_le_bytes(t.try_into().unwrap_or([0; 8])));
        while p + self.k <= n {
            let w = match line.get(p..p + 8) {
                Some(t) => u64::from_le_bytes(t.try_into().unwrap_or([0; 8])),
                None => match last {
                    Some(t) => t >> (8 * (p + 8 - n)),
                    None => word(line, p),
                },
            };
            if probe(bits, log2, w & mask) {
                found |= self.confirm(line, p, w & mask, found);
                if found == TOKENS | RAW {
                    return found;
                }
            }
            p += self.stride;
        }
        found
    }

    /// The kinds (beyond `found`) of the witnesses whose gram `g` (folded) is at `p` of
    /// `line` and which are there.
    #[cold]
    fn confirm(&self, line: &[u8], p: usize, g: u64, found: u8) -> u8 {
        let key = key_of(g);
        let bits = self.slots.len().trailing_zeros();
        let mut at = slot_of(key, bits);
        let from = loop {
            match self.slots[at] as usize {
                0 => return 0,
                e if self.keys[e - 1] == key => break e - 1,
                _ => at = (at + 1) & (self.slots.len() - 1),
            }
        };
        let mut kinds = 0;
        for (_, &r) in self.keys[from..]
            .iter()
            .zip(&self.refs[from..])
            .take_while(|(&x, _)| x == key)
        {
            let (k, o) = ((r >> 8) as usize, (r & 255) as usize);
            if self.kinds[k] & !(found | kinds) == 0 {
                continue;
            }
            let (a, e) = (self.ends[k] as usize, self.ends[k + 1] as usize);
            let len = e - a;
            if p < o || p - o + len > line.len() {
                continue;
            }
            // The first 8 bytes (or fewer) as words, lowercased, then the rest: most
            // candidates differ in the first word.
            let st = p - o;
            let m = if len >= 8 {
                u64::MAX
            } else {
                (1 << (8 * len)) - 1
            };
            if (lower8(word(line, st)) ^ word(&self.text, a)) & m == 0
                && (len <= 8 || line[st + 8..st + len].eq_ignore_ascii_case(&self.text[a + 8..e]))
            {
                kinds |= self.kinds[k];
            }
        }
        kinds
    }

    /// Whether [`Witnesses::next_in_block`] serves: every kind has witnesses, no short
    /// witnesses apart, no witness spans lines, and the gram loop is the AVX2 one. Then a
    /// block of lines is searched in one pass per search (the witnesses, and each escape
    /// the database has), and only the lines around what they find are scanned (as
    /// Hyperscan's block mode does, with the line's own `may_match` then): no call, tail
    /// or branch per line for the others. An escape's text may span lines in the block
    /// (six colons, three at the end of a line and three at the start of the next): the
    /// line is then scanned for nothing, never missed.
    pub(crate) fn blocks(&self) -> bool {
        self.always == 0 && self.short.is_none() && self.one_line && self.avx2
    }

    /// The searches that [`Witnesses::next_in_block`] runs for this filter.
    pub(crate) fn block_searches(&self) -> impl Iterator<Item = BlockSearch> + '_ {
        [
            (true, BlockSearch::Grams),
            (self.esc.idn, BlockSearch::NonAscii),
            (self.esc.v6, BlockSearch::V6),
            (self.esc.v4, BlockSearch::V4),
        ]
        .into_iter()
        .filter_map(|(on, s)| on.then_some(s))
    }

    /// The first position at or after `from` in `data` (a block of lines; `from` begins
    /// one) where `search` finds what may give its line a sighting (`v4_covered` as for
    /// [`Witnesses::may_match`]). `None`: nothing from `from` on. Only where
    /// [`Witnesses::blocks`]. Linear in what it reads; a caller that goes on from the end
    /// of the line found keeps the other searches' positions (see `Database::scan_lines`).
    pub(crate) fn next_in_block(
        &self,
        data: &[u8],
        from: usize,
        search: BlockSearch,
        v4_covered: impl Fn(u32) -> bool,
    ) -> Option<usize> {
        let hay = data.get(from..)?;
        let at = match search {
            BlockSearch::NonAscii => first_non_ascii(hay),
            BlockSearch::V6 => first_v6(hay),
            BlockSearch::V4 => v4_escape_at(hay, v4_covered),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `avx2` is true only when the CPU has AVX2 and the stride is 2 to 4.
            BlockSearch::Grams if self.avx2 && !self.keys.is_empty() => unsafe {
                match self.stride {
                    4 => self.first_avx2::<4>(hay),
                    3 => self.first_avx2::<3>(hay),
                    _ => self.first_avx2::<2>(hay),
                }
            },
            BlockSearch::Grams => None,
        };
        at.map(|i| from + i)
    }

    /// [`Witnesses::search_avx2`], to the first position where a witness is.
    ///
    /// # Safety
    /// The CPU must support AVX2, and the stride must be `S` (2 to 4).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn first_avx2<const S: usize>(&self, hay: &[u8]) -> Option<usize> {
        let mut at = None;
        // SAFETY: this function's contract.
        unsafe {
            self.grams_avx2::<S>(hay, false, |p, mut m| {
                while m != 0 {
                    let q = p + S * m.trailing_zeros() as usize;
                    m &= m - 1;
                    if self.confirm(hay, q, word(hay, q) & self.mask, 0) != 0 {
                        at = Some(q);
                        return true;
                    }
                }
                false
            })
        };
        at
    }

    /// The same filter with the scalar gram loop (to test the AVX2 one against it).
    #[cfg(test)]
    fn scalar(mut self) -> Witnesses {
        self.avx2 = false;
        self
    }

    /// The kinds without witnesses, which every line may hold.
    #[cfg(test)]
    pub(crate) fn always(&self) -> u8 {
        self.always
    }

    pub(crate) fn memory(&self) -> usize {
        self.short.as_ref().map_or(0, Short::memory)
            + self.bits.len() * 4
            + self.keys.len() * 4
            + self.slots.len() * 4
            + self.refs.len() * 4
            + self.text.capacity()
            + self.ends.capacity() * 4
            + self.kinds.capacity()
    }
}

/// Short witnesses, searched by one Teddy pass (aho-corasick's packed searcher) for a
/// 3-byte piece of each (the one with the fewest letters: `a.r` in `sofa.rs`) in all its
/// ASCII case variants; each match is checked against the witnesses of that piece.
struct Short {
    searcher: aho_corasick::packed::Searcher,
    /// The witnesses (lowercase), their kinds, and where their piece begins in them.
    ws: Vec<(Vec<u8>, u8, usize)>,
    /// The witnesses of each pattern of the searcher (its case variant of a piece).
    of_pattern: Vec<Vec<u32>>,
    /// The kinds that have short witnesses.
    kinds: u8,
}

/// Bytes of the pieces that `Short` searches for.
const PIECE: usize = 3;

impl Short {
    /// `None` when there are none, one is shorter than [`SHORT_MIN`], or their pieces have
    /// more than [`SHORT_MAX`] case variants together.
    fn build(ws: Vec<(Vec<u8>, u8)>) -> Option<Short> {
        if ws.is_empty() || ws.iter().any(|w| w.0.len() < SHORT_MIN) {
            return None;
        }
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut of_pattern: Vec<Vec<u32>> = Vec::new();
        let mut placed = Vec::with_capacity(ws.len());
        for (i, (w, kind)) in ws.into_iter().enumerate() {
            let letters = |o: usize| {
                w[o..o + PIECE]
                    .iter()
                    .filter(|b| b.is_ascii_alphabetic())
                    .count()
            };
            let at = (0..=w.len() - PIECE)
                .min_by_key(|&o| letters(o))
                .unwrap_or(0);
            let mut vs = vec![Vec::with_capacity(PIECE)];
            for &b in &w[at..at + PIECE] {
                let upper = b.to_ascii_uppercase();
                vs = vs
                    .into_iter()
                    .flat_map(|v: Vec<u8>| {
                        let mut lower = v.clone();
                        lower.push(b);
                        let up = (upper != b).then(|| {
                            let mut u = v;
                            u.push(upper);
                            u
                        });
                        std::iter::once(lower).chain(up)
                    })
                    .collect();
            }
            for v in vs {
                match patterns.iter().position(|p| *p == v) {
                    Some(k) => of_pattern[k].push(i as u32),
                    None => {
                        patterns.push(v);
                        of_pattern.push(vec![i as u32]);
                    }
                }
            }
            if patterns.len() > SHORT_MAX {
                return None;
            }
            placed.push((w, kind, at));
        }
        let searcher = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&patterns)
            .build()?;
        let kinds = placed.iter().fold(0, |k, w| k | w.1);
        Some(Short {
            searcher,
            ws: placed,
            of_pattern,
            kinds,
        })
    }

    /// `found` and the kinds of the short witnesses in `line` (until all of theirs are
    /// found). The pieces all have the same length: at most one pattern matches at a
    /// position, and the search goes on from the next.
    fn search(&self, line: &[u8], mut found: u8) -> u8 {
        let mut at = 0;
        while found & self.kinds != self.kinds {
            let Some(m) = self
                .searcher
                .find_in(line, aho_corasick::Span::from(at..line.len()))
            else {
                break;
            };
            for &i in &self.of_pattern[m.pattern().as_usize()] {
                let (w, kind, o) = &self.ws[i as usize];
                let hit = m
                    .start()
                    .checked_sub(*o)
                    .and_then(|a| line.get(a..a + w.len()))
                    .is_some_and(|x| x.eq_ignore_ascii_case(w));
                if hit {
                    found |= kind;
                }
            }
            at = m.start() + 1;
        }
        found
    }

    fn memory(&self) -> usize {
        self.searcher.memory_usage()
            + self.ws.iter().map(|w| w.0.capacity() + 40).sum::<usize>()
            + self
                .of_pattern
                .iter()
                .map(|p| p.capacity() * 4 + 24)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Escapes for names (`idn`) and IPv6 text (`v6`), none for IPv4.
    fn esc(idn: bool, v6: bool) -> Escapes {
        Escapes { idn, v6, v4: false }
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const ALPHABET: &[u8] = b"abAB01.:-@fF::";

    /// What `may_match` should say, by brute force: the kinds with a witness in `line`
    /// (or an escape, for tokens), and the kinds without witnesses.
    fn naive(ws: &[(Vec<u8>, u8)], idn: bool, v6: bool, line: &[u8]) -> u8 {
        let colons: Vec<usize> = (0..line.len()).filter(|&i| line[i] == b':').collect();
        let escape = (idn && !line.is_ascii())
            || (v6
                && (line.windows(2).any(|w| w == b"::")
                    || colons.windows(6).any(|c| c[5] - c[0] < 45)));
        let all = ws.iter().fold(if v6 { TOKENS } else { 0 }, |k, w| k | w.1);
        let mut found = (TOKENS | RAW) & !all;
        if escape {
            found |= TOKENS;
        }
        for (w, kind) in ws {
            if line.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w)) {
                found |= kind;
            }
        }
        found
    }

    /// Every stride (shortest witness 6 to 9 bytes), every gram length, lines built from
    /// pieces of witnesses in either case, cut anywhere, and noise: the filter says yes
    /// exactly when a witness is in the line (the confirmation is exact).
    #[test]
    fn finds_a_witness_exactly_when_there_is_one() {
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let mut short_built = 0;
        for case in 0..3000 {
            // Shortest witness 4 to 9 bytes: those under 8 are searched apart when they
            // have few case variants; otherwise all go to the grams (6 bytes or more).
            let min = SHORT_MIN + case % 6;
            // Token witnesses only, raw only, or both (a text may be both).
            let kinds = [TOKENS, RAW, TOKENS | RAW];
            let mix = case % 5;
            let ws: Vec<(Vec<u8>, u8)> = (0..1 + r.below(40))
                .map(|i| {
                    let len = if i == 0 { min } else { min + r.below(12) };
                    let w = (0..len)
                        .map(|_| ALPHABET[r.below(ALPHABET.len())])
                        .collect();
                    (
                        w,
                        if mix < 3 {
                            kinds[mix]
                        } else {
                            kinds[r.below(3)]
                        },
                    )
                })
                .collect();
            let idn = case % 3 == 0;
            let v6 = case % 4 == 1;
            let Some(f) = Witnesses::build(ws.clone(), esc(idn, v6)) else {
                assert!(min < MIN_WITNESS, "not built for {ws:?}");
                continue;
            };
            short_built += usize::from(min < MIN_WITNESS);
            for _ in 0..8 {
                let mut line = Vec::new();
                for _ in 0..r.below(6) {
                    match r.below(4) {
                        0 => {
                            let w = &ws[r.below(ws.len())].0;
                            let (a, b) = (r.below(w.len()), r.below(w.len() + 1));
                            let piece = if r.below(2) == 0 {
                                &w[..]
                            } else {
                                &w[a.min(b)..a.max(b)]
                            };
                            line.extend(piece.iter().map(|&c| {
                                if r.below(2) == 0 {
                                    c.to_ascii_uppercase()
                                } else {
                                    c
                                }
                            }));
                        }
                        1 => line.push(0xC3),
                        _ => {
                            line.extend((0..r.below(9)).map(|_| ALPHABET[r.below(ALPHABET.len())]))
                        }
                    }
                }
                assert_eq!(
                    f.may_match(&line, |_| false),
                    naive(&ws, idn, v6, &line),
                    "witnesses {:?} line {:?}",
                    ws.iter()
                        .map(|w| (String::from_utf8_lossy(&w.0), w.1))
                        .collect::<Vec<_>>(),
                    String::from_utf8_lossy(&line)
                );
            }
        }
        assert!(
            short_built > 300,
            "short witnesses apart in {short_built} cases"
        );
    }

    /// Lines of `len` bytes of noise: one alone, then `w` at every offset where it fits,
    /// half of the time with one of its bytes changed (a near miss).
    fn planted(r: &mut Rng, len: usize, w: &[u8]) -> Vec<Vec<u8>> {
        let noise =
            |r: &mut Rng| -> Vec<u8> { (0..len).map(|_| b"xyz019.-/"[r.below(9)]).collect() };
        let mut lines = vec![noise(r)];
        for at in (0..=len.saturating_sub(w.len())).filter(|_| w.len() <= len) {
            let mut line = noise(r);
            line[at..at + w.len()].copy_from_slice(w);
            if r.below(2) == 0 {
                line[at + r.below(w.len())] = b'Q';
            }
            lines.push(line);
        }
        lines
    }

    /// The AVX2 gram loop (eight positions a step, a padded last step) and the scalar one
    /// say the same as brute force on lines of every length from 0 to 110 bytes with a
    /// witness (or a near miss, one byte changed) at every offset, and on noise.
    #[test]
    fn gram_loops_agree_at_every_length_and_offset() {
        let mut r = Rng(0x2545_F491_4F6C_DD1D);
        let mut strides = Vec::new();
        for case in 0..18 {
            // Shortest witness 8 to 11 bytes: stride 4, grams of 5 to 8 bytes. Or 6 or 7
            // bytes of letters, too many case variants to be searched apart: stride 3 or
            // 4, grams of 4 bytes.
            let letters = [0, 6, 7][case % 3];
            let ws: Vec<(Vec<u8>, u8)> = (0..if letters > 0 { 30 } else { 1 + r.below(30) })
                .map(|i| {
                    let len = if letters == 7 {
                        7
                    } else if letters > 0 {
                        letters + r.below(6)
                    } else {
                        8 + usize::from(i == 0) * (case % 4) + r.below(10)
                    };
                    let abc: &[u8] = if letters > 0 { b"abcdefgh" } else { ALPHABET };
                    let w = (0..len).map(|_| abc[r.below(abc.len())]).collect();
                    (w, [TOKENS, RAW][r.below(2)])
                })
                .collect();
            let Some(fast) = Witnesses::build(ws.clone(), esc(false, false)) else {
                continue;
            };
            if fast.avx2 {
                strides.push((fast.stride, fast.k));
            }
            let slow = Witnesses::build(ws.clone(), esc(false, false))
                .expect("built the first time")
                .scalar();
            for len in 0..=110usize {
                let w = &ws[r.below(ws.len())].0;
                for line in &planted(&mut r, len, w) {
                    let want = naive(&ws, false, false, line);
                    assert_eq!(fast.may_match(line, |_| false), want, "{line:?}");
                    assert_eq!(slow.may_match(line, |_| false), want, "{line:?}");
                }
            }
        }
        if avx2() {
            for want in [(3, 4), (4, 4), (4, 5)] {
                assert!(
                    strides.contains(&want),
                    "the AVX2 loop ran with (stride, gram) {strides:?}"
                );
            }
        }
    }

    /// The regexes' gram gate ([`Witnesses::gate`]) at strides 2, 3 and 4 (shortest
    /// literal 5, 6, 7 bytes or more) says yes exactly when a literal is in the haystack
    /// (up to ASCII case), on haystacks of every length from 0 to 100 bytes with a literal
    /// (or a near miss) at every offset, with the alphabet's skips and without (noise
    /// mostly outside the literals' alphabet); the scalar loop agrees. Not built for a literal
    /// under 5 bytes, nor without AVX2.
    #[test]
    fn gate_agrees_with_brute_force() {
        assert!(Witnesses::gate(vec![b"abcd".to_vec(), b"abcdefgh".to_vec()]).is_none());
        let mut r = Rng(0x9E37_79B9_7F4A_7C15);
        let mut strides = Vec::new();
        for case in 0..12 {
            let shortest = 5 + case % 4;
            let lits: Vec<Vec<u8>> = (0..1 + r.below(40))
                .map(|i| {
                    let len = shortest + if i == 0 { 0 } else { r.below(8) };
                    (0..len)
                        .map(|_| ALPHABET[r.below(ALPHABET.len())])
                        .collect()
                })
                .collect();
            let Some(fast) = Witnesses::gate(lits.clone()) else {
                assert!(!avx2(), "gate not built for {lits:?}");
                continue;
            };
            strides.push(fast.stride);
            let slow = Witnesses::gate(lits.clone())
                .expect("built before")
                .scalar();
            let ws: Vec<(Vec<u8>, u8)> = lits.iter().map(|l| (l.clone(), RAW)).collect();
            for len in 0..=100usize {
                let l = &lits[r.below(lits.len())];
                let mut hays = planted(&mut r, len, l);
                // Long haystacks too, of noise outside the literals' bytes or in them: a
                // literal at the start, the end, around 1008 and 2016 bytes, and in the last
                // steps of the payload loop's first 64 (1024, 1536 or 2048 bytes).
                if len == 100 {
                    for long in [1000, 2017, 4100] {
                        let ats = [
                            0, 1000, 1001, 1003, 1016, 1020, 1530, 1534, 2010, 2016, 2040,
                        ];
                        for at in ats.into_iter().chain([long - l.len()]) {
                            if at + l.len() <= long {
                                let abc: &[u8] = if long == 2017 { b"ab01.-" } else { b"xyz019./" };
                                let mut hay = (0..long)
                                    .map(|_| abc[r.below(abc.len())])
                                    .collect::<Vec<u8>>();
                                hay[at..at + l.len()].copy_from_slice(l);
                                hays.push(hay);
                            }
                        }
                    }
                }
                for hay in &hays {
                    let want = naive(&ws, false, false, hay) & RAW != 0;
                    // With the alphabet's skips (payloads) and without (lines).
                    for binary in [false, true] {
                        assert_eq!(fast.gate_passes(hay, binary), want, "{hay:?}");
                        assert_eq!(slow.gate_passes(hay, binary), want, "{hay:?}");
                    }
                }
            }
        }
        if avx2() {
            for want in [2, 3, 4] {
                assert!(strides.contains(&want), "strides {strides:?}");
            }
        }
    }

    /// A witness's grams are taken where they are not those of common log text when it
    /// has such a window: `172.16.99.201` at stride 4 (four consecutive 4-byte grams of
    /// its ten) avoids `172.`, `72.1`, `2.16` and `.16.`. With one witness, every gram is
    /// shared by none other: by sharing alone, the first window would be taken.
    #[test]
    fn grams_avoid_common_log_text() {
        let w = b"172.16.99.201";
        let ends = [0, w.len() as u32];
        // (4-byte grams: as if the shortest witness of the set were 7 bytes long.)
        let g = gram_tables(w, &ends, 4, 7).expect("built");
        assert_eq!(g.k, 4);
        let common = common_grams(g.k, g.mask);
        let offsets: Vec<usize> = g.keyed.iter().map(|&(_, r)| (r & 255) as usize).collect();
        assert_eq!(offsets.len(), 4);
        for &o in &offsets {
            let gram = word(w, o) & g.mask;
            assert!(
                common.binary_search(&gram).is_err(),
                "offset {o} ({:?}) is common text",
                String::from_utf8_lossy(&w[o..o + g.k])
            );
        }
        assert!(common.binary_search(&(word(w, 0) & g.mask)).is_ok());
    }

    /// `quad_at` (a fixed 16-byte copy) against the slice walk it replaced, on every
    /// string of up to 8 bytes over `0 1 2 5 9 .` (octets of 1 to 4 digits, empty ones,
    /// 255 and 259), placed at the end of lines and inside longer ones, alone and after
    /// `255.199.` (quads up to 15 bytes).
    #[test]
    fn quad_at_agrees_with_a_slice_walk() {
        fn reference(line: &[u8], i: usize) -> Option<(u32, usize)> {
            let t = line.get(i..)?;
            let (mut addr, mut p) = (0u32, 0);
            for k in 0..4 {
                if k > 0 {
                    if t.get(p) != Some(&b'.') {
                        return None;
                    }
                    p += 1;
                }
                let (start, mut v) = (p, 0u32);
                while p < t.len() && p - start < 3 && t[p].is_ascii_digit() {
                    v = v * 10 + u32::from(t[p] - b'0');
                    p += 1;
                }
                if p == start || v > 255 {
                    return None;
                }
                addr = addr << 8 | v;
            }
            Some((addr, i + p))
        }
        let alphabet = b"01259.";
        let mut found = 0;
        let mut text: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..8 {
            let next: Vec<Vec<u8>> = text
                .iter()
                .flat_map(|t| alphabet.iter().map(move |&b| [&t[..], &[b]].concat()))
                .collect();
            for t in &next {
                // (text before the quad, its first octets, text after)
                for (pre, octets, post) in [
                    (&b""[..], &b""[..], &b""[..]),
                    (b"x ", b"", b".25 and more text"),
                    // Quads of up to 15 bytes: the last octet from 12.
                    (b"", b"255.199.", b""),
                    (b"x ", b"255.199.", b" and more text"),
                ] {
                    let line = [pre, octets, &t[..], post].concat();
                    let want = reference(&line, pre.len());
                    found += usize::from(want.is_some());
                    assert_eq!(
                        quad_at(&line, pre.len()),
                        want,
                        "{:?}",
                        String::from_utf8_lossy(&line)
                    );
                }
            }
            text = next;
        }
        assert!(found > 1000, "{found} quads");
    }

    /// `first_non_ascii` (AVX2 steps, then words, then bytes) against a byte loop: every
    /// length to 200, one high byte at each position, none, and two.
    #[test]
    fn first_non_ascii_agrees_with_a_byte_loop() {
        for n in 0..=200usize {
            let base: Vec<u8> = (0..n).map(|i| b' ' + (i % 90) as u8).collect();
            assert_eq!(first_non_ascii(&base), None, "length {n}");
            for at in 0..n {
                let mut hay = base.clone();
                hay[at] = 0x80 | (at as u8);
                assert_eq!(first_non_ascii(&hay), Some(at), "length {n}, at {at}");
                if at + 70 < n {
                    hay[at + 70] = 0xff;
                    assert_eq!(first_non_ascii(&hay), Some(at), "two, length {n}");
                }
            }
        }
    }

    /// The IPv6 check, AVX2 and byte loop, against brute force (and the place each finds,
    /// against each other): lines of colons, digits and letters (sparse and dense colons,
    /// `::` at every place, across block boundaries).
    #[test]
    fn v6_checks_agree() {
        let mut r = Rng(0xD1B5_4A32_D192_ED03);
        let naive = |line: &[u8]| {
            let colons: Vec<usize> = (0..line.len()).filter(|&i| line[i] == b':').collect();
            line.windows(2).any(|w| w == b"::") || colons.windows(6).any(|c| c[5] - c[0] < 45)
        };
        let mut yes = 0;
        for case in 0..20_000 {
            let len = r.below(200);
            let every = 2 + case % 15;
            let line: Vec<u8> = (0..len)
                .map(|_| {
                    if r.below(every) == 0 {
                        b':'
                    } else {
                        b"a1.x"[r.below(4)]
                    }
                })
                .collect();
            let want = naive(&line);
            yes += usize::from(want);
            assert_eq!(first_v6_scalar(&line).is_some(), want, "{line:?}");
            assert_eq!(first_v6(&line), first_v6_scalar(&line), "{line:?}");
        }
        assert!(
            (2_000..18_000).contains(&yes),
            "{yes} of 20000 lines hold IPv6-looking text"
        );
    }

    #[test]
    fn not_built_for_short_witnesses() {
        let t = |w: &[u8]| (w.to_vec(), TOKENS);
        assert!(Witnesses::build(vec![t(b"abc"), t(b"abcdef")], esc(false, false)).is_none());
        assert!(Witnesses::build(Vec::new(), esc(true, false)).is_none());
        // IPv6 indicators alone: lines with IPv6-looking text.
        let f = Witnesses::build(Vec::new(), esc(false, true)).expect("built");
        assert_eq!(f.may_match(b"a 2001:db8::1 b", |_| false), TOKENS | RAW);
        assert_eq!(f.may_match(b"a 10:20:30 b", |_| false), RAW);
        // Under 8 bytes: apart, up to 64 case variants (`ab.cd`: 16).
        let f = Witnesses::build(
            vec![t(b"ab.cd"), t(b"1.2."), t(b"evil.example")],
            esc(false, false),
        )
        .expect("built");
        assert!(f.short.is_some());
        assert_eq!(f.may_match(b"x AB.cD y", |_| false), TOKENS | RAW);
        assert_eq!(f.may_match(b"11.2.3.4", |_| false), TOKENS | RAW);
        assert_eq!(f.may_match(b"ab.c 1.3. evil.exampl", |_| false), RAW);
        // Pieces of two letters (`qa.` of `qa.xa`): 4 variants each, 17 names 68.
        let names = |n: u8| -> Vec<_> {
            (0..n)
                .map(|i| {
                    let c = (b'a' + i) as char;
                    t(format!("q{c}.x{c}").as_bytes())
                })
                .collect()
        };
        assert!(Witnesses::build(names(16), esc(false, false)).is_some());
        assert!(
            Witnesses::build(names(17), esc(false, false)).is_none(),
            "68 variants"
        );
        let f = Witnesses::build(vec![t(b"Evil.Example")], esc(false, false)).expect("built");
        assert_eq!(f.may_match(b"x.EVIL.example,", |_| false), TOKENS | RAW);
        assert_eq!(
            f.may_match(b"evil.exampl", |_| false),
            RAW,
            "no raw witnesses: raw always"
        );
        assert_eq!(
            f.may_match("evil-example bücher".as_bytes(), |_| false),
            RAW,
            "no IDN escape unless asked"
        );
    }

    /// IPv4 indicators need no witness: a dotted quad whose address is covered, or
    /// `:ffff:`, lets the line through.
    #[test]
    fn dotted_quads_and_mapped_text() {
        let v4 = Escapes {
            v4: true,
            ..Escapes::default()
        };
        let f = Witnesses::build(Vec::new(), v4).expect("built without witnesses");
        let is = |a: u32| a == u32::from(std::net::Ipv4Addr::new(1, 2, 3, 4));
        assert_eq!(f.may_match(b"from 1.2.3.4:80 ok", is), TOKENS | RAW);
        assert_eq!(f.may_match(b"[1.2.3.4]", is), TOKENS | RAW);
        assert_eq!(f.may_match(b"ver 1.2.3.5 11.2.3.4 1.2.3", is), RAW);
        assert_eq!(f.may_match(b"1234.2.3.4 256.2.3.4", is), RAW);
        assert_eq!(
            f.may_match(b"a 1.2.3.4.5", is),
            TOKENS | RAW,
            "more than observed"
        );
        assert_eq!(f.may_match(b"::FFFF:102:304", is), TOKENS | RAW);
        assert_eq!(f.may_match(b"a:fff:b", is), RAW);
        // Between the tokenizer's candidates (digit runs after neither a digit nor a dot)
        // and every digit run.
        let mut r = Rng(0xD1CE_5EED);
        let covered = |a: u32| a % 7 == 0;
        for _ in 0..20_000 {
            let line: Vec<u8> = (0..r.below(40))
                .map(|_| b"0123456789....1a:"[r.below(17)])
                .collect();
            let at = |strict: bool| {
                (0..line.len()).any(|i| {
                    let start = i == 0
                        || !(line[i - 1].is_ascii_digit() || (strict && line[i - 1] == b'.'));
                    start && quad_at(&line, i).is_some_and(|(a, _)| covered(a))
                })
            };
            let got = v4_escape(&line, covered);
            assert!(!at(true) || got, "{:?}", String::from_utf8_lossy(&line));
            assert!(!got || at(false), "{:?}", String::from_utf8_lossy(&line));
        }
    }

    /// The AVX2 and the byte-by-byte candidate finders report the same positions, at
    /// every length and alignment.
    #[test]
    fn candidate_finders_agree() {
        let mut r = Rng(0x0123_4567_89AB_CDEF);
        for case in 0..20_000 {
            let len = case % 130;
            let line: Vec<u8> = (0..len).map(|_| b"09.:fFx5.:"[r.below(10)]).collect();
            let all = |avx2: bool| {
                let mut v = Vec::new();
                let mut f = |p: usize, dot: bool| {
                    v.push((p, dot));
                    false
                };
                if avx2 {
                    #[cfg(target_arch = "x86_64")]
                    {
                        if !std::is_x86_feature_detected!("avx2") {
                            return None;
                        }
                        // SAFETY: AVX2 is available (checked just above).
                        unsafe { candidates_avx2(&line, &mut f) };
                    }
                } else {
                    candidates_scalar(&line, 0, &mut f);
                }
                Some(v)
            };
            let scalar = all(false).expect("scalar");
            if let Some(simd) = all(true) {
                assert_eq!(simd, scalar, "{:?}", String::from_utf8_lossy(&line));
            }
            // Stopping early: the first position only.
            let mut first = None;
            candidates(&line, |p, _| {
                first = Some(p);
                true
            });
            assert_eq!(first, scalar.first().map(|x| x.0));
        }
    }

    /// A text that is both a token and a raw witness keeps both kinds; escapes are for
    /// tokens only; both kinds are found in one line whichever comes first.
    #[test]
    fn kinds_of_shared_and_separate_witnesses() {
        let ws = vec![
            (b"shared.example".to_vec(), TOKENS),
            (b"SHARED.example".to_vec(), RAW),
            (b"/beacon.bin".to_vec(), RAW),
            (b"evil.example".to_vec(), TOKENS),
        ];
        let f = Witnesses::build(ws, esc(true, false)).expect("built");
        assert_eq!(
            f.may_match(b"GET shared.example/x", |_| false),
            TOKENS | RAW
        );
        assert_eq!(f.may_match(b"GET /beacon.bin", |_| false), RAW);
        assert_eq!(f.may_match(b"GET evil.example/", |_| false), TOKENS);
        assert_eq!(
            f.may_match(b"/beacon.bin from evil.example", |_| false),
            TOKENS | RAW
        );
        assert_eq!(
            f.may_match(b"evil.example fetched /beacon.bin", |_| false),
            TOKENS | RAW
        );
        assert_eq!(
            f.may_match("bücher /beacon.bin".as_bytes(), |_| false),
            TOKENS | RAW
        );
        assert_eq!(f.may_match("bücher".as_bytes(), |_| false), TOKENS);
        assert_eq!(f.may_match(b"nothing here", |_| false), 0);
        // Short witnesses (searched apart): overlapping ones and ones with a common start
        // each give their kind.
        let short = vec![
            (b"a1a1".to_vec(), TOKENS),
            (b"1a1a".to_vec(), RAW),
            (b"c2c2".to_vec(), TOKENS),
            (b"c2c2e".to_vec(), RAW),
        ];
        let f = Witnesses::build(short, esc(false, false)).expect("built");
        assert!(f.short.is_some());
        assert_eq!(f.may_match(b"xa1a1a", |_| false), TOKENS | RAW);
        assert_eq!(f.may_match(b"x C2C2E", |_| false), TOKENS | RAW);
        assert_eq!(f.may_match(b"x c2c2", |_| false), TOKENS);
        assert_eq!(f.may_match(b"x 1a1", |_| false), 0);
    }
}
