//! IPv4 membership in a union of prefixes: "does any of these networks cover this address?",
//! answered with two dependent memory reads (a third for dense /16s) and no hashing.
//!
//! Layout (a two-level DIR-16-8 with compressed leaves, in the spirit of poptrie), in `top`
//! then three arrays:
//! - one bit per /16 covered by a network of length 16 or less (8 KiB);
//! - one `u64` per /16 (512 KiB) for the longer networks: where its line starts in `heap`
//!   (a shared empty line when none is there), whether the line has a full-block bitmap,
//!   and the partial blocks counted in the bitmap's first words;
//! - `heap`: per /16 that holds longer prefixes, its line: a 256-bit bitmap of the /24
//!   blocks covered in part (by a /25–/32), one of the blocks covered entirely (by a
//!   /17–/24; only when there is one), then one `u32` leaf per partial block, in address
//!   order (found by rank within the line, so usually in the line's first cache lines): up
//!   to three covered last octets inline (the common case: a few /32s in a /24), or the
//!   index of a 256-bit bitmap in `maps`.
//!
//! The longer networks are normalized first (one inside another is dropped), so that the
//! leaves depend only on the address set they cover. Memory: 520 KiB + 32 bytes per /16
//! holding longer prefixes (+32 with full blocks) + 4 bytes per partial /24 block + 32 bytes
//! per block with more than three covered addresses: 6.7 MB for 1M random /32s. No prefix
//! length is slower than another.
//!
//! Sizes: the heap has at most 4 + 65,536 × 136 words (32-bit offsets), per-word counts
//! are at most 192 (8 bits each): the `top` packing cannot overflow.
//!
//! [`V4Cover::contains_batch`] processes addresses in chunks, in stages (top entries, then
//! lines), prefetching each stage's reads for the whole chunk first, so that the cache
//! misses of independent addresses overlap instead of queueing.

use std::net::Ipv4Addr;

/// While building, the `top` entry of a /16 no longer network touches.
const EMPTY: u64 = u64::MAX;
/// Leaf flag: the low 31 bits index `maps`; otherwise the leaf holds three last octets.
const MAP: u32 = 1 << 31;
/// Addresses per chunk in [`V4Cover::contains_batch`].
const CHUNK: usize = 32;

/// The /24 blocks of one /16, while building (then laid out in the heap).
#[derive(Clone, Copy, Default)]
struct Line {
    /// Blocks covered entirely.
    full: [u64; 4],
    /// Blocks covered in part: each has a leaf in `entries`.
    part: [u64; 4],
}

/// Where the `short` bitmap starts in [`V4Cover::top`].
const SHORT: usize = 1 << 16;
/// The fixed-size part: indexed by the top bits of an address, it needs no bounds check.
type Top = [u64; SHORT + (1 << 10)];

/// See the module documentation.
#[derive(Default)]
pub(crate) struct V4Cover {
    /// `top[..SHORT]`, per /16: bits 0..32 offset of its line in `heap`, bit 32 whether the
    /// line has a full-block bitmap, 40..64 the partial blocks in the bitmap's words 0,
    /// 0..=1 and 0..=2. `top[SHORT..]`: one bit per /16 covered by a network of length 16 or less.
    /// `None` for an empty set.
    top: Option<Box<Top>>,
    /// The lines, back to back: per /16 holding longer networks, its partial-block bitmap
    /// (4 words), its full-block bitmap (4 words, only if not empty), then its leaves, two
    /// per word, in address order. Words 0..4 are the shared empty line.
    heap: Vec<u64>,
    maps: Vec<[u64; 4]>,
}

fn mask4(a: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - u32::from(len.min(32))))
    }
}

/// The structure while networks are added: `top` holds `EMPTY` or a line index.
struct Build {
    top: Vec<u64>,
    lines: Vec<Line>,
    entries: Vec<u32>,
    maps: Vec<[u64; 4]>,
}

impl Build {
    /// The line of /16 number `hi`, created empty if needed.
    fn line_of(&mut self, hi: usize) -> &mut Line {
        if self.top[hi] == EMPTY {
            self.top[hi] = self.lines.len() as u64;
            self.lines.push(Line::default());
        }
        let i = self.top[hi] as usize;
        &mut self.lines[i]
    }

    /// Records block `b` (an address >> 8) whose covered last octets are `bits`. Blocks
    /// must come in address order: their leaves are found by rank.
    fn finish_block(&mut self, b: u32, bits: [u64; 4]) {
        let line = self.line_of((b >> 8) as usize);
        let k = (b & 255) as usize;
        if bits == [u64::MAX; 4] {
            line.full[k >> 6] |= 1 << (k & 63);
            return;
        }
        line.part[k >> 6] |= 1 << (k & 63);
        let n: u32 = bits.iter().map(|w| w.count_ones()).sum();
        if n <= 3 {
            let mut octets =
                (0..256u32).filter(|&o| bits[(o >> 6) as usize] & (1 << (o & 63)) != 0);
            let o1 = octets.next().unwrap_or(0);
            let o2 = octets.next().unwrap_or(o1);
            let o3 = octets.next().unwrap_or(o1);
            self.entries.push(o1 | o2 << 8 | o3 << 16);
        } else {
            self.entries.push(MAP | self.maps.len() as u32);
            self.maps.push(bits);
        }
    }
}

impl V4Cover {
    /// The union of `nets` (address, prefix length; host bits are ignored, lengths above 32
    /// are read as 32).
    pub(crate) fn build(nets: impl Iterator<Item = (u32, u8)>) -> V4Cover {
        let mut short = [0u64; 1 << 10];
        let mut any = false;
        let mut v: Vec<(u32, u8)> = Vec::new();
        for (a, l) in nets {
            any = true;
            let (a, l) = (mask4(a, l), l.min(32));
            if l <= 16 {
                let first = (a >> 16) as usize;
                for h in first..first + (1usize << (16 - l)) {
                    short[h >> 6] |= 1 << (h & 63);
                }
            } else {
                v.push((a, l));
            }
        }
        if !any {
            return V4Cover::default();
        }
        // Sorted by start, shorter first: a network starting before the end of the last one
        // kept lies inside it (prefixes nest or are disjoint).
        v.sort_unstable();
        v.dedup();
        let mut kept: Vec<(u32, u8)> = Vec::with_capacity(v.len());
        let mut end = 0u64;
        for (a, l) in v {
            if !kept.is_empty() && u64::from(a) < end {
                continue;
            }
            kept.push((a, l));
            end = u64::from(a) + (1u64 << (32 - u32::from(l)));
        }

        let mut s = Build {
            top: vec![EMPTY; 1 << 16],
            lines: Vec::new(),
            entries: Vec::new(),
            maps: Vec::new(),
        };
        // The partial block being filled: (block number a >> 8, covered last octets).
        let mut block: Option<(u32, [u64; 4])> = None;
        for &(a, l) in &kept {
            if l > 24 {
                if let Some((b, bits)) = block {
                    if b != a >> 8 {
                        s.finish_block(b, bits);
                        block = None;
                    }
                }
                let (_, bits) = block.get_or_insert((a >> 8, [0; 4]));
                let first = (a & 255) as usize;
                for o in first..first + (1usize << (32 - l)) {
                    bits[o >> 6] |= 1 << (o & 63);
                }
                continue;
            }
            if let Some((b, bits)) = block.take() {
                s.finish_block(b, bits);
            }
            let line = s.line_of((a >> 16) as usize);
            let first = ((a >> 8) & 255) as usize;
            for b in first..first + (1usize << (24 - l)) {
                line.full[b >> 6] |= 1 << (b & 63);
            }
        }
        if let Some((b, bits)) = block {
            s.finish_block(b, bits);
        }

        // Lay the lines out in the heap, in /16 order, each with its leaves (which were
        // pushed in address order), and write the final `top` entries. Empty /16s point to
        // the shared empty line at 0, which makes every probe read a line and take no
        // branch. The heap holds at most 4 + 65,536 × (8 + 128) words: offsets fit 32 bits.
        let mut heap = vec![0u64; 4];
        let mut next = 0usize;
        for t in &mut s.top {
            let Some(line) = s.lines.get(*t as usize) else {
                *t = 0;
                continue;
            };
            let off = heap.len() as u64;
            heap.extend_from_slice(&line.part);
            let has_full = line.full != [0; 4];
            if has_full {
                heap.extend_from_slice(&line.full);
            }
            let c = line.part.map(|w| u64::from(w.count_ones()));
            let k = c.iter().sum::<u64>() as usize;
            let leaves = s.entries.get(next..next + k).unwrap_or_default();
            next += k;
            heap.extend(
                leaves
                    .chunks(2)
                    .map(|p| u64::from(p[0]) | u64::from(p.get(1).copied().unwrap_or(0)) << 32),
            );
            *t = off
                | u64::from(has_full) << 32
                | c[0] << 40
                | (c[0] + c[1]) << 48
                | (c[0] + c[1] + c[2]) << 56;
        }
        heap.shrink_to_fit();
        s.maps.shrink_to_fit();
        s.top.extend_from_slice(&short);
        V4Cover {
            top: s.top.into_boxed_slice().try_into().ok(),
            heap,
            maps: s.maps,
        }
    }

    /// Whether no network was given.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.top.is_none()
    }

    /// Heap bytes.
    pub(crate) fn memory(&self) -> usize {
        self.top.as_ref().map_or(0, |_| size_of::<Top>())
            + self.heap.capacity() * 8
            + self.maps.capacity() * 32
    }

    /// Reads `a`'s line, given its `top` entry `t`: (covered by a full block, has a partial
    /// block, where that block's leaf is: a half-word index into the heap).
    #[inline(always)]
    fn probe(&self, a: u32, t: u64) -> (bool, bool, u32) {
        let off = (t & 0xFFFF_FFFF) as usize;
        let has_full = ((t >> 32) & 1) as usize;
        let b = (a >> 8) & 255;
        let w = (b >> 6) as usize;
        let sh = b & 63;
        let part = self.heap.get(off + w).copied().unwrap_or(0);
        // Without a full bitmap, read the empty line's word instead (no branch).
        let full_at = if has_full != 0 { off + 4 + w } else { w };
        let full = self.heap.get(full_at).copied().unwrap_or(0);
        let before = ((t >> 40) << 8 >> (8 * w)) & 0xFF;
        let below = u64::from((part & !(u64::MAX << sh)).count_ones());
        let slot = 2 * (off + 4 + 4 * has_full) as u64 + before + below;
        ((full >> sh) & 1 != 0, (part >> sh) & 1 != 0, slot as u32)
    }

    /// Whether the leaf at half-word `slot` of the heap holds `a`'s last octet.
    #[inline(always)]
    fn leaf(&self, a: u32, slot: u32) -> bool {
        let Some(&pair) = self.heap.get((slot / 2) as usize) else {
            return false;
        };
        let e = (pair >> (32 * (slot & 1))) as u32;
        let o = a & 255;
        if e & MAP == 0 {
            // A zero byte in `x` is an octet equal to `o` (SWAR: no branch, no unpacking).
            let x = e ^ (o * 0x01_0101);
            return x.wrapping_sub(0x01_0101) & !x & 0x80_8080 != 0;
        }
        self.maps
            .get((e & !MAP) as usize)
            .is_some_and(|m| m[(o >> 6) as usize] & (1 << (o & 63)) != 0)
    }

    /// Whether some network covers `a` (the batch is the way in; this is its reference).
    #[cfg(test)]
    fn contains(&self, a: u32) -> bool {
        let Some(top) = &self.top else {
            return false;
        };
        let (full, part, rank) = self.probe(a, top[(a >> 16) as usize]);
        short_has(top, a) || full || part && self.leaf(a, rank)
    }

    /// `out[i] = self.contains(addrs[i])` for every `i` both slices have.
    ///
    /// In chunks, in two stages: read the `top` entries of the chunk and prefetch their
    /// lines (bitmaps and first leaves), then answer from the lines. The cache misses of a
    /// chunk's addresses overlap instead of queueing. (A third stage prefetching the leaf
    /// separately was measured: as fast for addresses in the set, 30% slower for others.)
    pub(crate) fn contains_batch(&self, addrs: &[Ipv4Addr], out: &mut [bool]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has POPCNT (just checked), the only feature the callee adds.
            unsafe { self.contains_batch_popcnt(addrs, out) };
            return;
        }
        self.contains_batch_any::<true>(addrs, out);
    }

    /// [`V4Cover::contains_batch`] compiled with the POPCNT instruction (the rank of a
    /// block costs one instruction instead of about twenty).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn contains_batch_popcnt(&self, addrs: &[Ipv4Addr], out: &mut [bool]) {
        self.contains_batch_any::<true>(addrs, out);
    }

    /// The portable body of [`V4Cover::contains_batch`]; `PREFETCH` off only to measure
    /// what prefetching brings (see the `timing` test).
    #[inline(always)]
    fn contains_batch_any<const PREFETCH: bool>(&self, addrs: &[Ipv4Addr], out: &mut [bool]) {
        let Some(top) = &self.top else {
            for o in out.iter_mut().take(addrs.len()) {
                *o = false;
            }
            return;
        };
        let mut xs = [0u32; CHUNK];
        let mut tops = [0u64; CHUNK];
        for (a, o) in addrs.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
            for ((a, x), t) in a.iter().zip(xs.iter_mut()).zip(tops.iter_mut()) {
                *x = u32::from(*a);
                *t = top[(*x >> 16) as usize];
                if PREFETCH {
                    // The line's bitmaps and its first leaves: two cache lines.
                    let p = self.heap.as_ptr().wrapping_add((*t & 0xFFFF_FFFF) as usize);
                    prefetch(p);
                    prefetch(p.wrapping_add(8));
                }
            }
            for ((x, t), o) in xs.iter().zip(&tops).zip(o.iter_mut()) {
                let (full, part, slot) = self.probe(*x, *t);
                *o = full | short_has(top, *x) | (part && self.leaf(*x, slot));
            }
        }
    }
}

/// Whether `a`'s /16 is covered by a short network.
#[inline(always)]
fn short_has(top: &Top, a: u32) -> bool {
    (top[SHORT + (a >> 22) as usize] >> ((a >> 16) & 63)) & 1 != 0
}

/// Asks the CPU to start loading the cache line at `p` (no effect elsewhere).
#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: it never faults, whatever the address (it need not even
    // be mapped), and reads nothing into the program. SSE, which it needs, is part of the
    // x86_64 baseline.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> u32 {
        u32::from(s.parse::<Ipv4Addr>().unwrap())
    }

    fn reference(nets: &[(u32, u8)], a: u32) -> bool {
        nets.iter().any(|&(n, l)| mask4(a, l) == mask4(n, l))
    }

    fn check(nets: &[(u32, u8)], probes: &[u32]) {
        let c = V4Cover::build(nets.iter().copied());
        let addrs: Vec<Ipv4Addr> = probes.iter().map(|&a| Ipv4Addr::from(a)).collect();
        let mut out = vec![false; addrs.len()];
        c.contains_batch(&addrs, &mut out);
        let mut portable = vec![false; addrs.len()];
        c.contains_batch_any::<true>(&addrs, &mut portable);
        for ((&a, &o), &p) in probes.iter().zip(&out).zip(&portable) {
            let want = reference(nets, a);
            assert_eq!(c.contains(a), want, "{} in {nets:?}", Ipv4Addr::from(a));
            assert_eq!(o, want, "batch: {} in {nets:?}", Ipv4Addr::from(a));
            assert_eq!(p, want, "portable batch: {} in {nets:?}", Ipv4Addr::from(a));
        }
    }

    /// Probes at and around every network's first and last address.
    fn edges(nets: &[(u32, u8)]) -> Vec<u32> {
        let mut p = vec![0, u32::MAX, 1 << 31];
        for &(a, l) in nets {
            let first = mask4(a, l);
            let last = first | u32::MAX.checked_shr(u32::from(l)).unwrap_or(0);
            for x in [first, last] {
                p.extend([
                    x.wrapping_sub(1),
                    x,
                    x.wrapping_add(1),
                    x ^ 0x100,
                    x ^ 0x1_0000,
                ]);
            }
        }
        p
    }

    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Lookups per CPU-second of each way to probe, side by side in one process (the
    /// evidence for the prefetches and the POPCNT build). Sets as in `benches/ip.rs`.
    /// Run: `cargo test --release --lib v4cover::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing() {
        // CPU time of this thread in ns: the machine may be shared.
        fn cpu_ns() -> u64 {
            std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        }
        const REPS: u64 = 20;
        const ROUNDS: usize = 7;
        type Way = fn(&V4Cover, &[Ipv4Addr], &mut [bool]);
        let ways: [(&str, Way); 4] = [
            ("scalar", |c, q, out| {
                for (a, o) in q.iter().zip(out.iter_mut()) {
                    *o = c.contains(u32::from(*a));
                }
            }),
            ("batch, no prefetch", |c, q, out| {
                c.contains_batch_any::<false>(q, out)
            }),
            ("batch, portable", |c, q, out| {
                c.contains_batch_any::<true>(q, out)
            }),
            ("batch (popcnt)", |c, q, out| c.contains_batch(q, out)),
        ];
        for n in [1000usize, 100_000, 1_000_000] {
            let mut st = 7u64;
            let mut nets: Vec<(u32, u8)> = (0..n).map(|_| (splitmix(&mut st) as u32, 32)).collect();
            for k in 0..1000u32 {
                nets.push((splitmix(&mut st) as u32, 8 + (k % 23) as u8));
            }
            let c = V4Cover::build(nets.iter().copied());
            let mut st = 99u64;
            let random: Vec<Ipv4Addr> = (0..1_000_000)
                .map(|_| Ipv4Addr::from(splitmix(&mut st) as u32))
                .collect();
            let present: Vec<Ipv4Addr> = (0..1_000_000)
                .map(|i| Ipv4Addr::from(nets[(splitmix(&mut st) as usize + i) % n].0))
                .collect();
            let mut out = vec![false; 1_000_000];
            for (qname, q) in [("random", &random), ("present", &present)] {
                let mut res = vec![Vec::new(); ways.len()];
                for _ in 0..ROUNDS {
                    for ((_, way), r) in ways.iter().zip(res.iter_mut()) {
                        let t = cpu_ns();
                        for _ in 0..REPS {
                            way(&c, q, &mut out);
                            std::hint::black_box(&out);
                        }
                        let ns = cpu_ns().saturating_sub(t).max(1);
                        r.push((REPS * q.len() as u64) as f64 * 1e3 / ns as f64);
                    }
                }
                for ((name, _), mut v) in ways.iter().zip(res) {
                    v.sort_by(f64::total_cmp);
                    println!(
                        "{n:>9} {qname:<8} {name:<20} median {:6.1} M/s  best {:6.1}",
                        v[ROUNDS / 2],
                        v[ROUNDS - 1]
                    );
                }
            }
            println!("{n:>9} memory {} bytes", c.memory());
        }
    }

    #[test]
    fn every_layout_case() {
        let nets = vec![
            (v4("10.0.0.0"), 8),      // full /16s
            (v4("10.1.2.3"), 32),     // nested: dropped
            (v4("11.1.0.0"), 17),     // full blocks
            (v4("11.1.200.0"), 24),   // full block
            (v4("11.1.201.1"), 32),   // inline leaf, one octet
            (v4("11.1.201.7"), 32),   // ... two
            (v4("11.1.202.0"), 25),   // map leaf
            (v4("11.1.203.0"), 25),   // two /25s: a full block
            (v4("11.1.203.128"), 25), //
            (v4("11.1.255.255"), 32), // last block of a line
            (v4("11.2.0.0"), 31),     // first block of the next line
            (v4("255.255.255.255"), 32),
            (v4("0.0.0.0"), 32),
        ];
        let mut probes = edges(&nets);
        probes.extend([v4("11.1.201.2"), v4("11.1.202.127"), v4("11.1.202.128")]);
        check(&nets, &probes);
        let c = V4Cover::build(nets.iter().copied());
        assert!(c.contains(v4("11.1.203.77")));
        assert!(!c.contains(v4("11.1.204.0")));
        check(&[(0, 0)], &[0, 77, u32::MAX]);
        check(&[], &[0, 77, u32::MAX]);
        assert!(V4Cover::build(std::iter::empty()).is_empty());
        assert!(!V4Cover::build([(0, 0)].into_iter()).is_empty());
    }

    #[test]
    fn a_dense_line_needs_many_ranks() {
        // Every other block of two /16s partial: ranks cross every word of a line.
        let mut nets = Vec::new();
        for hi in [v4("20.0.0.0"), v4("20.1.0.0"), v4("30.7.0.0")] {
            for b in (0..256).step_by(2) {
                nets.push((hi | b << 8 | (b & 7), 32));
                if b % 8 == 0 {
                    nets.push((hi | b << 8 | 200, 30));
                }
            }
        }
        let probes = edges(&nets);
        check(&nets, &probes);
    }
}
