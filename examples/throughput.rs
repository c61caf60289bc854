//! Throughput of linerate's line scanner next to the naive tokenize + `HashSet<String>`
//! baseline, on generated data (deterministic from a seed) or on real files.
//!
//! ```text
//! cargo run --release --example throughput -- [--indicators N] [--mb M] [--hit-rate R]
//!     [--threads T] [--passes K] [--seed S] [--no-naive] [--per-line]
//!     [--no-prefilter] [--prefilter-max N] [--intel-tsv PATH]... [--allow PATH]... [--log PATH]...
//!     [--write-corpus PATH] [--write-indicators PATH] [--write-fixed PATH]
//!     [--pcap PATH]... [--replays R]
//! ```
//!
//! Without `--intel-tsv`, N indicators are generated in the mix of the bundled real set
//! (`benches/common/gen.rs`); without `--log`, M MiB of proxy / web / Zeek log lines are
//! generated, a fraction R of which carries a planted indicator (drawn from the first 1000).
//! `--intel-tsv` loads `type<TAB>value<TAB>source` files (gzip if named `.gz`) with
//! linerate's plain loader, streamed into the builder (`feed::load_into`); `--log` scans
//! the concatenation of the given files. `--allow` adds an allowlist (any format, a file or a
//! directory such as the MISP warninglists' `lists/`; `feed::fs::load_path`) to linerate's
//! database only: the naive baseline has no allowlist, so its ratio then compares unequal work.
//! `--write-corpus` / `--write-indicators` (TSV, loadable with `--intel-tsv`) / `--write-fixed`
//! (one fixed string a line, for `grep -F -f` and Hyperscan) save the data for peers.
//! linerate scans each thread's part of the corpus with `Database::scan_lines` (a block of
//! lines at once), or with `scan_line` per line under `--per-line`.
//!
//! `--pcap` (a capture file or a folder of them) replays packets instead: every frame in
//! memory, `--replays` times a pass (default 20), one thread, `Database::scan_packet`;
//! it prints Mpps and the sightings of one replay, and skips the corpus and the baseline.
//!
//! Prints GB/s and lines/s (median of K passes), compile time, database memory (RSS delta
//! around the build, and [`Database::memory_report`] per structure), the peak resident size
//! during parse+add and during the build (VmHWM, reset before each phase), peak memory of the
//! whole run (VmHWM), and the same for the baseline.

#[path = "../benches/common/frames.rs"]
mod frames;
#[path = "../benches/common/gen.rs"]
mod gen;
#[path = "../benches/common/naive.rs"]
mod naive;
#[path = "pcap_sensor.rs"]
#[allow(dead_code)]
mod sensor;

use linerate::feed::{self, Format, LoadOptions};
use linerate::{Builder, Database, Indicator, Kind, Scratch, Timestamp};
use naive::Naive;
use std::io::Read;
use std::process::ExitCode;
use std::time::{Duration, Instant};

struct Args {
    indicators: usize,
    mb: f64,
    hit_rate: f64,
    threads: usize,
    passes: usize,
    seed: u64,
    naive: bool,
    /// Scan line by line (`scan_line`) instead of by blocks (`scan_lines`).
    per_line: bool,
    /// `Limits::line_prefilter_max` (0: `--no-prefilter`).
    prefilter_max: Option<usize>,
    intel: Vec<String>,
    allow: Vec<String>,
    logs: Vec<String>,
    write_corpus: Option<String>,
    write_indicators: Option<String>,
    write_fixed: Option<String>,
    /// Captures to replay (`--pcap`): packets instead of log lines.
    pcaps: Vec<String>,
    /// Replays of the captures per pass (`--replays`).
    replays: usize,
}

const USAGE: &str = "usage: throughput [--indicators N] [--mb M] [--hit-rate R] [--threads T] \
[--passes K] [--seed S] [--no-naive] [--per-line] [--no-prefilter] [--prefilter-max N] [--intel-tsv PATH]... [--allow PATH]... [--log PATH]... \
[--write-corpus PATH] [--write-indicators PATH] [--write-fixed PATH] [--pcap PATH]... [--replays R]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        indicators: 1_000_000,
        mb: 64.0,
        hit_rate: 0.001,
        threads: 1,
        passes: 3,
        seed: 0x11E_4A7E,
        naive: true,
        per_line: false,
        prefilter_max: None,
        intel: Vec::new(),
        allow: Vec::new(),
        logs: Vec::new(),
        write_corpus: None,
        write_indicators: None,
        write_fixed: None,
        pcaps: Vec::new(),
        replays: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--no-prefilter" {
            a.prefilter_max = Some(0);
            continue;
        }
        if flag == "--no-naive" {
            a.naive = false;
            continue;
        }
        if flag == "--per-line" {
            a.per_line = true;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        const VALUED: &[&str] = &[
            "--indicators",
            "--mb",
            "--hit-rate",
            "--threads",
            "--passes",
            "--seed",
            "--prefilter-max",
            "--intel-tsv",
            "--allow",
            "--log",
            "--write-corpus",
            "--write-indicators",
            "--write-fixed",
            "--pcap",
            "--replays",
        ];
        if !VALUED.contains(&flag.as_str()) {
            return Err(format!("unknown flag {flag}"));
        }
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        if (flag == "--intel-tsv" || flag == "--log") && !std::path::Path::new(&v).is_file() {
            return Err(format!("{flag} {v}: no such file"));
        }
        let num = |v: &str| {
            v.replace('_', "")
                .parse::<f64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--indicators" => a.indicators = num(&v)? as usize,
            "--mb" => a.mb = num(&v)?,
            "--hit-rate" => a.hit_rate = num(&v)?,
            "--threads" => a.threads = (num(&v)? as usize).max(1),
            "--passes" => a.passes = (num(&v)? as usize).max(1),
            "--seed" => a.seed = num(&v)? as u64,
            "--prefilter-max" => a.prefilter_max = Some(num(&v)? as usize),
            "--intel-tsv" => a.intel.push(v),
            "--allow" => a.allow.push(v),
            "--log" => a.logs.push(v),
            "--write-corpus" => a.write_corpus = Some(v),
            "--write-indicators" => a.write_indicators = Some(v),
            "--write-fixed" => a.write_fixed = Some(v),
            "--pcap" => a.pcaps.push(v),
            "--replays" => a.replays = (num(&v)? as usize).max(1),
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(a)
}

/// A `/proc/self/status` field in KiB (Linux; 0 elsewhere).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|x| x.parse().ok()))
        })
        .unwrap_or(0)
}

/// Resets the peak resident size (VmHWM) to the current one (Linux `clear_refs`; a no-op
/// elsewhere), so that the next reading covers only what follows.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    let raw = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("{path}: gzip: {e}"))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// `(type, value)` rows of a combined TSV, for the baseline.
fn tsv_rows(bytes: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|l| {
            let mut c = l.split('\t');
            let t = c.next()?.trim();
            let v = c.next()?.trim();
            (!t.is_empty() && !v.is_empty() && t != "type").then(|| (t.to_string(), v.to_string()))
        })
        .collect()
}

/// Splits `bytes` into `n` chunks at line boundaries.
fn chunks(bytes: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        let mut end = if i == n {
            bytes.len()
        } else {
            (bytes.len() * i / n).max(start)
        };
        if i < n {
            end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |p| end + p + 1);
        }
        out.push(&bytes[start..end]);
        start = end;
    }
    out
}

/// CPU time of the calling thread (Linux `/proc/thread-self/schedstat`; zero elsewhere).
fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .map_or(Duration::ZERO, Duration::from_nanos)
}

/// One pass: every chunk on its own thread. Returns (wall time, CPU time summed over the
/// threads, result summed over the chunks).
fn pass<F>(parts: &[&[u8]], f: &F) -> (Duration, Duration, usize)
where
    F: Fn(&[u8]) -> usize + Sync,
{
    let t = Instant::now();
    let (cpu, result) = std::thread::scope(|s| {
        let hs: Vec<_> = parts
            .iter()
            .map(|p| {
                s.spawn(move || {
                    let c = thread_cpu();
                    let r = f(p);
                    (thread_cpu().saturating_sub(c), r)
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap_or_default())
            .fold((Duration::ZERO, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    (t.elapsed(), cpu, result)
}

/// Median of a list of durations.
fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Sightings in `bytes`, by blocks of lines (`scan_lines`) or line by line.
fn scan_linerate(db: &Database, bytes: &[u8], per_line: bool) -> usize {
    let mut scratch = Scratch::new();
    let mut hits = 0;
    if per_line {
        gen::for_each_line(bytes, |l| {
            db.scan_line(l, &mut scratch, Timestamp(0), |_| hits += 1)
        });
    } else {
        db.scan_lines(bytes, &mut scratch, Timestamp(0), |_, _, _| hits += 1);
    }
    hits
}

fn scan_naive(n: &Naive, bytes: &[u8]) -> usize {
    let mut key = String::new();
    let mut hits = 0;
    gen::for_each_line(bytes, |l| hits += n.scan(l, &mut key));
    hits
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("throughput: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("throughput: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(a: &Args) -> Result<(), String> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    println!(
        "machine: {} cpus ({cpu}), threads {}, passes {} (median)",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        a.threads,
        a.passes
    );

    // Indicators: generated or loaded.
    let t = Instant::now();
    let generated = if a.intel.is_empty() {
        gen::indicators(a.indicators, a.seed)
    } else {
        Vec::new()
    };
    let mut intel_bytes = Vec::new();
    for p in &a.intel {
        let b = read_file(p)?;
        intel_bytes.push((p.clone(), b));
    }
    if a.intel.is_empty() {
        println!(
            "indicators: generated {} (seed {}) in {:.2?}",
            generated.len(),
            a.seed,
            t.elapsed()
        );
    }
    if let Some(p) = &a.write_indicators {
        let tsv = if a.intel.is_empty() {
            gen::indicators_tsv(&generated)
        } else {
            intel_bytes
                .iter()
                .flat_map(|x| x.1.iter().copied())
                .collect()
        };
        std::fs::write(p, tsv).map_err(|e| format!("{p}: {e}"))?;
        println!("wrote indicators (TSV) to {p}");
    }
    if let Some(p) = &a.write_fixed {
        let fixed = if a.intel.is_empty() {
            gen::indicators_fixed(&generated)
        } else {
            let mut out = Vec::new();
            for (_, b) in &intel_bytes {
                for (t, v) in tsv_rows(b) {
                    if !matches!(
                        t.as_str(),
                        "cidr4" | "regex" | "regex_filename" | "other" | "domain_suffix"
                    ) {
                        out.extend_from_slice(v.strip_prefix("http://").unwrap_or(&v).as_bytes());
                        out.push(b'\n');
                    }
                }
            }
            out
        };
        std::fs::write(p, fixed).map_err(|e| format!("{p}: {e}"))?;
        println!("wrote fixed-string indicators to {p}");
    }

    // Corpus: generated or read.
    let t = Instant::now();
    let mut planted = None;
    let corpus: Vec<u8> = if !a.pcaps.is_empty() {
        Vec::new()
    } else if a.logs.is_empty() {
        let plant = &generated[..generated.len().min(1000)];
        let c = gen::Corpus::generate((a.mb * 1048576.0) as usize, a.hit_rate, plant, a.seed);
        println!(
            "corpus: generated {:.1} MiB, {} lines, {} with a planted indicator ({:.3}%){} in {:.2?}",
            mib(c.bytes.len() as u64 / 1024),
            c.lines,
            c.planted,
            100.0 * c.planted as f64 / c.lines.max(1) as f64,
            if plant.is_empty() { " (real intel: nothing planted)" } else { "" },
            t.elapsed()
        );
        planted = Some(c.planted).filter(|_| !plant.is_empty());
        c.bytes
    } else {
        let mut out = Vec::new();
        for p in &a.logs {
            out.extend_from_slice(&read_file(p)?);
            if !out.ends_with(b"\n") {
                out.push(b'\n');
            }
        }
        println!(
            "corpus: {} file(s), {:.1} MiB, {} lines",
            a.logs.len(),
            mib(out.len() as u64 / 1024),
            memchr::memchr_iter(b'\n', &out).count()
        );
        out
    };
    let (d1, d2) = gen::token_density(&corpus);
    println!("corpus: {d1:.1} bytes/token (alphanumeric runs), {d2:.1} (runs with .:-)");
    if let Some(p) = &a.write_corpus {
        std::fs::write(p, &corpus).map_err(|e| format!("{p}: {e}"))?;
        println!("wrote corpus to {p}");
    }
    let lines = memchr::memchr_iter(b'\n', &corpus).count();

    // linerate: parse + add, then build; memory as the RSS delta.
    let hwm_before = status_kib("VmHWM:");
    reset_peak();
    let rss0 = status_kib("VmRSS:");
    let t = Instant::now();
    let cpu0 = thread_cpu();
    let mut b = Builder::new();
    if let Some(max) = a.prefilter_max {
        // 0: the line prefilter off, every line tokenized (as before it existed).
        b.limits(linerate::Limits {
            line_prefilter_max: max,
            ..linerate::Limits::default()
        });
    }
    let mut skipped = 0usize;
    for g in &generated {
        match Kind::from_name(g.kind.tsv_type()).map(|k| Indicator::parse(k, &g.value, "gen")) {
            Some(Ok(ind)) => {
                b.add(ind).map_err(|e| e.to_string())?;
            }
            _ => skipped += 1,
        }
    }
    for (p, bytes) in &intel_bytes {
        let opts = LoadOptions {
            format: Some(Format::Plain),
            ..LoadOptions::new(p.rsplit('/').next().unwrap_or(p))
        };
        // Streamed into the builder: no list of owned indicators in between.
        let report = feed::load_into(bytes, &opts, &mut b).map_err(|e| e.to_string())?;
        println!("intel: {report}");
        for s in report.skipped.iter().take(3) {
            println!("intel:   e.g. skipped {s}");
        }
    }
    for p in &a.allow {
        let opts = LoadOptions::new(p.trim_end_matches('/').rsplit('/').next().unwrap_or(p));
        let l = feed::fs::load_path(std::path::Path::new(p), &opts).map_err(|e| e.to_string())?;
        println!("allow: {}", l.report);
        for i in l.indicators.into_iter().chain(l.allow) {
            b.add_allow(i).map_err(|e| e.to_string())?;
        }
    }
    let t_add = t.elapsed();
    let cpu_add = thread_cpu().saturating_sub(cpu0);
    let hwm_add = status_kib("VmHWM:");
    let rss_add = status_kib("VmRSS:");
    reset_peak();
    let t = Instant::now();
    let cpu0 = thread_cpu();
    let db = b.into_database().map_err(|e| e.to_string())?;
    let t_build = t.elapsed();
    let cpu_build = thread_cpu().saturating_sub(cpu0);
    let hwm_build = status_kib("VmHWM:");
    let rss1 = status_kib("VmRSS:");
    let kinds: Vec<String> = db
        .count_by_kind()
        .into_iter()
        .filter(|x| x.1 > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!(
        "linerate: {} distinct indicators ({}){}",
        db.len(),
        kinds.join(", "),
        if skipped > 0 {
            format!(", {skipped} rejected")
        } else {
            String::new()
        }
    );
    println!(
        "linerate: compile {:.2} s (parse+add {:.2} s, build {:.2} s), CPU {:.2} s ({:.2} + {:.2}), \
         database memory ~{:.0} MiB (RSS delta)",
        (t_add + t_build).as_secs_f64(),
        t_add.as_secs_f64(),
        t_build.as_secs_f64(),
        (cpu_add + cpu_build).as_secs_f64(),
        cpu_add.as_secs_f64(),
        cpu_build.as_secs_f64(),
        mib(rss1.saturating_sub(rss0))
    );
    let report = db.memory_report();
    for line in report.to_string().lines() {
        println!("linerate: memory {line}");
    }
    println!(
        "linerate: memory beyond the indicator strings {:.1} MiB (computed); RSS delta {:.1} MiB, \
         builder before build {:.1} MiB; peak over the baseline: parse+add {:.1} MiB, build {:.1} MiB \
         ({:.2}x the database's RSS delta)",
        report.beyond_strings() as f64 / 1048576.0,
        mib(rss1.saturating_sub(rss0)),
        mib(rss_add.saturating_sub(rss0)),
        mib(hwm_add.saturating_sub(rss0)),
        mib(hwm_build.saturating_sub(rss0)),
        hwm_add.max(hwm_build).saturating_sub(rss0) as f64 / rss1.saturating_sub(rss0).max(1) as f64
    );

    if !a.pcaps.is_empty() {
        return replay_packets(&db, a);
    }

    let naive = if a.naive {
        let rss2 = status_kib("VmRSS:");
        let t = Instant::now();
        let rows: Vec<(String, String)> = if generated.is_empty() {
            intel_bytes.iter().flat_map(|(_, b)| tsv_rows(b)).collect()
        } else {
            generated
                .iter()
                .map(|g| (g.kind.tsv_type().to_string(), g.value.clone()))
                .collect()
        };
        let naive = Naive::new(rows.iter().map(|(t, v)| (t.as_str(), v.as_str())));
        drop(rows);
        let t_naive = t.elapsed();
        let rss3 = status_kib("VmRSS:");
        println!(
            "naive: build {:.2} s, memory ~{:.0} MiB (RSS delta)",
            t_naive.as_secs_f64(),
            mib(rss3.saturating_sub(rss2))
        );
        Some(naive)
    } else {
        None
    };

    // Passes alternate between the engines so that load from other processes hits both alike.
    let parts = chunks(&corpus, a.threads);
    let lf = |p: &[u8]| scan_linerate(&db, p, a.per_line);
    let nf = |p: &[u8]| naive.as_ref().map_or(0, |n| scan_naive(n, p));
    let (mut lw, mut lc, mut nw, mut nc) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut lhits, mut nhits) = (0, 0);
    for _ in 0..a.passes {
        let (w, c, h) = pass(&parts, &lf);
        lw.push(w);
        lc.push(c);
        lhits = h;
        if naive.is_some() {
            let (w, c, h) = pass(&parts, &nf);
            nw.push(w);
            nc.push(c);
            nhits = h;
        }
    }
    let gbs = |d: Duration| corpus.len() as f64 / d.as_secs_f64().max(1e-9) / 1e9;
    let lps = |d: Duration| lines as f64 / d.as_secs_f64().max(1e-9) / 1e6;
    let (lw, lc) = (median(lw), median(lc));
    println!(
        "linerate: scan {:.3} GB/s, {:.2} M lines/s ({:.3} s/pass wall); per CPU-second {:.3} GB/s; {lhits} sightings",
        gbs(lw),
        lps(lw),
        lw.as_secs_f64(),
        gbs(lc)
    );
    if let Some(p) = planted {
        // Each planted line carries exactly one indicator and the background none.
        let ok = lhits == p && (naive.is_none() || nhits == p);
        println!(
            "check: {} planted lines, {lhits} sightings{}: {}",
            p,
            if naive.is_some() {
                format!(", {nhits} naive matches")
            } else {
                String::new()
            },
            if ok { "ok" } else { "MISMATCH" }
        );
    }
    if naive.is_some() {
        let (nw, nc) = (median(nw), median(nc));
        println!(
            "naive: scan {:.3} GB/s, {:.2} M lines/s ({:.3} s/pass wall); per CPU-second {:.3} GB/s; {nhits} matches",
            gbs(nw),
            lps(nw),
            nw.as_secs_f64(),
            gbs(nc)
        );
        println!(
            "ratio: linerate / naive = {:.2}x (wall), {:.2}x (CPU time)",
            nw.as_secs_f64() / lw.as_secs_f64().max(1e-9),
            nc.as_secs_f64() / lc.as_secs_f64().max(1e-9)
        );
    }
    let hwm = [hwm_before, hwm_add, hwm_build, status_kib("VmHWM:")];
    println!(
        "peak memory (VmHWM, whole run): {:.0} MiB",
        mib(hwm.into_iter().max().unwrap_or(0))
    );
    Ok(())
}

/// `--pcap`: every frame of the captures, replayed from memory `a.replays` times a pass on
/// one thread with `Database::scan_packet`; prints Mpps and payload Gbit/s (median of the
/// passes, wall and per CPU-second) and the sightings of one replay.
fn replay_packets(db: &Database, a: &Args) -> Result<(), String> {
    let mut all = Vec::new();
    for p in &a.pcaps {
        all.extend(frames::frames(std::path::Path::new(p))?);
    }
    let bytes: usize = all.iter().map(|f| f.1.len()).sum();
    println!(
        "packets: {} frames, {:.1} KiB, {:.0} bytes a frame on average, {} replays a pass",
        all.len(),
        bytes as f64 / 1024.0,
        bytes as f64 / all.len().max(1) as f64,
        a.replays
    );
    // What the literal and regex search reads: the transport payloads.
    let pay: Vec<usize> = all
        .iter()
        .map(|(l, f)| linerate::scan::packet::decode(f, *l).payload_bytes().len())
        .filter(|&n| n > 0)
        .collect();
    let under = |m: usize| pay.iter().filter(|&&n| n < m).count();
    println!(
        "packets: {} with a payload, {:.0} payload bytes on average ({} under 64 bytes, {} under 256)",
        pay.len(),
        pay.iter().sum::<usize>() as f64 / pay.len().max(1) as f64,
        under(64),
        under(256)
    );
    let mut scratch = Scratch::new();
    let mut replay = || {
        let mut n = 0usize;
        for (link, f) in &all {
            db.scan_packet(f, *link, &mut scratch, Timestamp(1_700_000_000), |_, _| {
                n += 1
            });
        }
        n
    };
    let sightings = replay();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..a.passes {
        let (t, c) = (Instant::now(), thread_cpu());
        for _ in 0..a.replays {
            std::hint::black_box(replay());
        }
        wall.push(t.elapsed());
        cpu.push(thread_cpu().saturating_sub(c));
    }
    let per = |d: Duration| (all.len() * a.replays) as f64 / d.as_secs_f64().max(1e-9) / 1e6;
    let gbit = |d: Duration| (bytes * a.replays * 8) as f64 / d.as_secs_f64().max(1e-9) / 1e9;
    let (w, c) = (median(wall), median(cpu));
    println!(
        "linerate: packets {:.2} Mpps, {:.2} Gbit/s of frames ({:.3} s/pass wall); per CPU-second {:.2} Mpps; {sightings} sightings a replay",
        per(w),
        gbit(w),
        w.as_secs_f64(),
        per(c)
    );
    Ok(())
}
