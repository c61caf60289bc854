//! log_sensor: scan log lines against threat-intel feeds and print one JSON object per
//! sighting (SPEC §6).
//!
//! ```text
//! cargo run --release --example log_sensor -- --intel PATH [--intel PATH]... [--allow PATH]...
//!         [--format NAME] [--exact-domains] [--threads N] [--now RFC3339] [--poll-ms N]
//!         [INPUT|-]...
//! ```
//!
//! Options:
//! - `--intel PATH`: a feed file (`.gz` decompressed) or a directory: a MISP feed (with
//!   `manifest.json`) or every regular file in it, in name order, as one feed
//!   ([`linerate::feed::fs::load_path`]). Repeatable; at least one is required.
//! - `--allow PATH`: an allowlist in any format; every entry is added as an allowlist entry.
//! - `--format NAME`: the format of the `--intel`/`--allow` paths that follow it on the
//!   command line, until the next `--format`; `--format auto` (the default) detects the
//!   format from each file's content. An unknown name, or a `--format` with no path after it,
//!   is an error (exit 2).
//! - `--exact-domains`: domain indicators match the name only, not its subdomains.
//! - `--threads N`: scanning threads (default: all cores). Output is the same for any N.
//!   With 1 the main thread reads, scans and writes by itself (no hand-over between
//!   threads); with more, each scanning thread reads its next block of lines itself (one
//!   lock; the block ends at its last `\n`), scans it, and the main thread writes the
//!   results in input order, filling in the line numbers.
//! - `--now RFC3339`: the time used for the indicators' validity windows (default: the wall
//!   clock, read once per block of lines, 512 KiB).
//! - `--poll-ms N`: how often the intel and allowlist files are checked for changes
//!   (default 500; 0 disables hot reload).
//! - Inputs: files (`.gz` decompressed) or `-` for stdin; default stdin.
//!
//! A line is the bytes up to `\n` (a `\r` before it is dropped); a last line without `\n`
//! is scanned too. Lines may be any length and any bytes.
//!
//! Output (stdout): one JSON object per sighting, in input order, with the fields
//! `input`, `line` (1-based), `start`, `end` (byte offsets in the line), `observed` (lossy
//! UTF-8), `type`, `indicator` (normalized), `sources`, `refs`. Summary on stderr: the
//! load report; lines, bytes, sightings, scan time and MB/s; then, on Linux, the process's
//! CPU time during the scan with MB per CPU-second, and per scanning thread (mean) its time
//! on a CPU, runnable but waiting for a CPU (taken by other load on the machine) and waiting
//! for another scanning thread to finish reading. Those are figures that other load does not
//! skew: on an idle machine the scan takes about "on a CPU" + "waiting to read". A progress
//! line too when stderr is a terminal.
//!
//! Hot reload: when an intel or allowlist file changes (modification time or length, also
//! files added to or removed from a directory) and stays unchanged for one more poll, the
//! whole set is reloaded and compiled in the background and published without pausing the
//! scan; each block of lines is scanned with the database current when it starts. A reload
//! that fails (unreadable file, unloadable feed) keeps the previous database and says why on
//! stderr. Replace files atomically (write, then rename) to avoid loading a half-written one.
//!
//! Exit codes: 0 after a complete run; 2 on bad arguments, an input that cannot be opened,
//! or an intel/allow source that cannot be loaded at start; 1 when an input failed while
//! being read (the error is reported, the other inputs are still scanned) or stdout could
//! not be written.

#[path = "common/mod.rs"]
mod common;

use common::IntelSource;
use crossbeam_channel::{bounded, Receiver, Sender};
use linerate::feed::Format;
use linerate::{Database, Scratch, SharedDatabase, Timestamp};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: log_sensor --intel PATH [--intel PATH]... [--allow PATH]... \
[--format NAME] [--exact-domains] [--threads N] [--now RFC3339] [--poll-ms N] [INPUT|-]...";

/// Bytes read per block: a block (the unit a scanning thread takes) ends at the last `\n`
/// once it holds this many bytes. Small enough to stay in L2 between the read and the scan.
const BLOCK_BYTES: usize = 512 << 10;
/// Stdin is read as a pipe: a read that returns less than this (a pipe's default capacity)
/// means nothing more is waiting, and the lines read so far are scanned at once.
const PIPE_BYTES: usize = 64 << 10;
/// Buffer of a `.gz` input's compressed side.
const GZ_BUF: usize = 64 << 10;

struct Args {
    sources: Vec<IntelSource>,
    exact_domains: bool,
    threads: usize,
    now: Option<Timestamp>,
    poll: Option<Duration>,
    inputs: Vec<String>,
}

fn parse_args(argv: Vec<String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        sources: Vec::new(),
        exact_domains: false,
        threads: thread::available_parallelism().map_or(1, |n| n.get()),
        now: None,
        poll: Some(Duration::from_millis(500)),
        inputs: Vec::new(),
    };
    let mut format: Option<Format> = None;
    // A --format with no --intel/--allow after it would silently do nothing.
    let mut format_unused = false;
    let mut it = argv.into_iter();
    let mut only_inputs = false;
    while let Some(arg) = it.next() {
        if only_inputs || arg == "-" || !arg.starts_with('-') {
            a.inputs.push(arg);
            continue;
        }
        if arg == "--" {
            only_inputs = true;
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--intel" | "--allow" => {
                let path = PathBuf::from(value("a path")?);
                a.sources.push(IntelSource {
                    path,
                    format,
                    allow: name == "--allow",
                });
                format_unused = false;
            }
            "--format" => {
                format = common::parse_format(&value("a format name")?)?;
                format_unused = true;
            }
            "--exact-domains" => a.exact_domains = true,
            "--threads" => {
                let v = value("a number")?;
                a.threads = match v.trim().parse::<usize>() {
                    Ok(n) if (1..=1024).contains(&n) => n,
                    _ => return Err(format!("--threads: expected 1 to 1024, got {v:?}")),
                };
            }
            "--now" => a.now = Some(common::parse_now(&value("an RFC 3339 time")?)?),
            "--poll-ms" => {
                let v = value("milliseconds")?;
                a.poll = match v.trim().parse::<u64>() {
                    Ok(0) => None,
                    Ok(n) => Some(Duration::from_millis(n)),
                    Err(_) => return Err(format!("--poll-ms: expected a number, got {v:?}")),
                };
            }
            _ => return Err(format!("unknown option {arg:?}")),
        }
    }
    if format_unused {
        return Err(
            "--format applies to the --intel/--allow paths after it, and none follows".into(),
        );
    }
    if !a.sources.iter().any(|s| !s.allow) {
        return Err("at least one --intel PATH is needed".into());
    }
    if a.inputs.is_empty() {
        a.inputs.push("-".into());
    }
    Ok(Some(a))
}

fn open_input(name: &str) -> Result<Box<dyn Read + Send>, String> {
    if name == "-" {
        return Ok(Box::new(io::stdin()));
    }
    let path = Path::new(name);
    let f = File::open(path).map_err(|e| format!("cannot open input {name}: {e}"))?;
    match f.metadata() {
        Ok(m) if m.is_dir() => return Err(format!("cannot read input {name}: is a directory")),
        Err(e) => return Err(format!("cannot read input {name}: {e}")),
        Ok(_) => {}
    }
    if common::is_gz(path) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(GZ_BUF, f),
        )))
    } else {
        Ok(Box::new(f))
    }
}

/// Where the scanning threads get their blocks: the inputs in order, read under a lock by
/// whichever thread needs a block next.
struct Reader {
    inputs: std::vec::IntoIter<(String, Box<dyn Read + Send>)>,
    /// The input being read: its index, its reader, and whether it is stdin.
    cur: Option<(usize, Box<dyn Read + Send>, bool)>,
    next_input: usize,
    /// The start of an unfinished line, carried over to the next block.
    carry: Vec<u8>,
    seq: u64,
}

/// A block read into a thread's buffer: `len` bytes of whole lines (the last line of an
/// input may lack its `\n`), or a read error after them.
struct Block {
    seq: u64,
    input: usize,
    len: usize,
    /// Read from stdin (flushed at once when scanning inline).
    live: bool,
    err: Option<io::Error>,
}

impl Reader {
    fn new(inputs: Vec<(String, Box<dyn Read + Send>)>) -> Reader {
        Reader {
            inputs: inputs.into_iter(),
            cur: None,
            next_input: 0,
            carry: Vec::new(),
            seq: 0,
        }
    }

    /// Reads the next block into `buf` (whose length is kept, zeroed once, so that it is
    /// not cleared for every read). `None` once every input is read.
    ///
    /// A block ends at the last `\n` read once it holds `BLOCK_BYTES` (what follows is
    /// carried over); a line longer than that grows the buffer. Stdin may be a slow pipe:
    /// its lines are cut as soon as a read comes back short (below `PIPE_BYTES`). The last
    /// block of an input ends at its end, with or without `\n`. After a read error the
    /// block holds the whole lines read before it, and the input is done.
    fn next_block(&mut self, buf: &mut Vec<u8>) -> Option<Block> {
        loop {
            let Some((input, mut rd, live)) = self.cur.take() else {
                let (name, rd) = self.inputs.next()?;
                self.cur = Some((self.next_input, rd, name == "-"));
                self.next_input += 1;
                self.carry.clear();
                continue;
            };
            let mut len = self.carry.len();
            if buf.len() < len.saturating_add(BLOCK_BYTES) {
                buf.resize(len.saturating_add(BLOCK_BYTES), 0);
            }
            buf.get_mut(..len)?.copy_from_slice(&self.carry);
            self.carry.clear();
            let seq = self.seq;
            let block = |len: usize, err: Option<io::Error>| Block {
                seq,
                input,
                len,
                live,
                err,
            };
            // The carry holds no `\n`.
            let mut last_nl: Option<usize> = None;
            loop {
                // Fill to BLOCK_BYTES, or BLOCK_BYTES more when a line is longer than that.
                let want_end = if len < BLOCK_BYTES {
                    BLOCK_BYTES
                } else {
                    len.saturating_add(BLOCK_BYTES)
                };
                if buf.len() < want_end {
                    buf.resize(want_end, 0);
                }
                let space = buf.get_mut(len..want_end)?;
                let asked = space.len();
                let n = match rd.read(space) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        // The input is done; the partial line after the last `\n` is lost.
                        self.seq += 1;
                        return Some(block(last_nl.map_or(0, |p| p + 1), Some(e)));
                    }
                    Ok(n) => n.min(asked),
                };
                if n == 0 {
                    if len == 0 {
                        break; // next input
                    }
                    self.seq += 1;
                    return Some(block(len, None));
                }
                if let Some(p) = memchr::memrchr(b'\n', buf.get(len..len + n)?) {
                    last_nl = Some(len + p);
                }
                len += n;
                if let Some(p) = last_nl {
                    if len >= want_end || (live && n < asked.min(PIPE_BYTES)) {
                        self.carry.extend_from_slice(buf.get(p + 1..len)?);
                        self.cur = Some((input, rd, live));
                        self.seq += 1;
                        return Some(block(p + 1, None));
                    }
                }
            }
        }
    }
}

/// What scanning a block produced. The line numbers are left out of `out` (a block does
/// not know how many lines came before it): `marks` holds, for each sighting, where in
/// `out` its number goes and the line's index in the block.
#[derive(Default)]
struct Scanned {
    out: Vec<u8>,
    marks: Vec<(usize, u64)>,
    lines: u64,
    sightings: u64,
}

/// Scans the lines of `data` (split at `\n`, a `\r` before it dropped; a last line without
/// `\n` included) and formats the sightings as JSON lines into `s`.
fn scan_block(
    db: &Database,
    scratch: &mut Scratch,
    now: Timestamp,
    input_json: &[u8],
    data: &[u8],
    s: &mut Scanned,
) {
    s.out.clear();
    s.marks.clear();
    s.sightings = 0;
    // A block of lines at once: lines without a possible sighting are not visited one by
    // one when the database's prefilter can search the block (`Database::scan_lines`).
    s.lines = db.scan_lines(data, scratch, now, |idx, line, h| {
        s.sightings += 1;
        s.out.extend_from_slice(input_json);
        s.marks.push((s.out.len(), idx));
        s.out.extend_from_slice(b",\"start\":");
        common::push_u64(&mut s.out, h.span.start as u64);
        s.out.extend_from_slice(b",\"end\":");
        common::push_u64(&mut s.out, h.span.end as u64);
        s.out.push(b',');
        let observed = line.get(h.span.start..h.span.end).unwrap_or(&[]);
        common::json_sighting_tail(&mut s.out, observed, h, db);
        s.out.extend_from_slice(b"}\n");
    });
}

/// `{"input":NAME,"line":` for each input.
fn input_prefixes(inputs: &[String]) -> Vec<Vec<u8>> {
    inputs
        .iter()
        .map(|name| {
            let mut v = b"{\"input\":".to_vec();
            common::json_str(&mut v, name);
            v.extend_from_slice(b",\"line\":");
            v
        })
        .collect()
}

/// A scanned block on its way to the writer.
struct Done {
    seq: u64,
    input: usize,
    bytes: u64,
    err: Option<io::Error>,
    scanned: Scanned,
}

/// Writes the scanned blocks in order, numbering the lines, and keeps the counts.
struct Writer<'a, W: Write> {
    w: W,
    names: &'a [String],
    /// The input of the last block written and its lines so far.
    input: Option<usize>,
    line_base: u64,
    lines: u64,
    bytes: u64,
    sightings: u64,
    all_read: bool,
}

impl<W: Write> Writer<'_, W> {
    fn write(
        &mut self,
        input: usize,
        bytes: u64,
        s: &Scanned,
        err: Option<io::Error>,
    ) -> io::Result<()> {
        if self.input != Some(input) {
            self.input = Some(input);
            self.line_base = 0;
        }
        let mut prev = 0usize;
        let mut num = Vec::with_capacity(20);
        for &(pos, idx) in &s.marks {
            self.w.write_all(s.out.get(prev..pos).unwrap_or(&[]))?;
            num.clear();
            common::push_u64(&mut num, self.line_base + idx + 1);
            self.w.write_all(&num)?;
            prev = pos;
        }
        self.w.write_all(s.out.get(prev..).unwrap_or(&[]))?;
        self.line_base += s.lines;
        self.lines += s.lines;
        self.bytes += bytes;
        self.sightings += s.sightings;
        if let Some(e) = err {
            let name = self.names.get(input).map_or("?", |n| n.as_str());
            eprintln!(
                "log_sensor: error reading {name} after line {}: {e}",
                self.line_base
            );
            self.all_read = false;
        }
        Ok(())
    }
}

/// What every scanning thread needs.
#[derive(Clone)]
struct Scan {
    shared: Arc<SharedDatabase>,
    now: Option<Timestamp>,
    /// Per input, the start of its JSON lines (`input_prefixes`).
    prefixes: Arc<Vec<Vec<u8>>>,
}

impl Scan {
    fn block(&self, scratch: &mut Scratch, data: &[u8], input: usize, s: &mut Scanned) {
        let db = self.shared.load();
        let now = self.now.unwrap_or_else(common::wall_clock);
        let prefix = self.prefixes.get(input).map_or(&[][..], |p| &p[..]);
        scan_block(&db, scratch, now, prefix, data, s);
    }
}

/// A scanning thread: takes the next block from `reader`, scans it, sends it to the writer.
/// Returns where its time went.
fn worker(
    scan: &Scan,
    reader: &Mutex<Reader>,
    out_pool: Receiver<Scanned>,
    tx: Sender<Done>,
) -> ThreadTimes {
    let mut scratch = Scratch::new();
    let mut buf = Vec::new();
    let mut lock_wait = Duration::ZERO;
    loop {
        let asked = Instant::now();
        let block = match reader.lock() {
            Ok(mut r) => {
                lock_wait += asked.elapsed();
                r.next_block(&mut buf)
            }
            Err(_) => None, // another thread panicked while reading
        };
        let Some(b) = block else { break };
        let mut s = out_pool.try_recv().unwrap_or_default();
        scan.block(
            &mut scratch,
            buf.get(..b.len).unwrap_or(&[]),
            b.input,
            &mut s,
        );
        let done = Done {
            seq: b.seq,
            input: b.input,
            bytes: b.len as u64,
            err: b.err,
            scanned: s,
        };
        if tx.send(done).is_err() {
            break;
        }
    }
    ThreadTimes {
        sched: sched_times(),
        lock_wait: lock_wait.as_secs_f64(),
    }
}

/// Where a scanning thread's time went.
#[derive(Clone, Copy, Default)]
struct ThreadTimes {
    /// Seconds on a CPU, and runnable but waiting for a CPU (taken by other threads or
    /// processes), since the thread started (`None`: not known on this system).
    sched: Option<(f64, f64)>,
    /// Seconds waiting for another scanning thread to finish reading.
    lock_wait: f64,
}

/// The calling thread's seconds on a CPU and runnable but waiting for one, from
/// `/proc/thread-self/schedstat` (Linux); `None` elsewhere.
fn sched_times() -> Option<(f64, f64)> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut f = s.split_whitespace();
    let run: f64 = f.next()?.parse().ok()?;
    let wait: f64 = f.next()?.parse().ok()?;
    Some((run / 1e9, wait / 1e9))
}

/// User and system CPU seconds used by this process so far, from `/proc/self/stat` (Linux;
/// 10 ms resolution, `USER_HZ` = 100); `None` elsewhere.
fn cpu_times() -> Option<(f64, f64)> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let mut f = rest.split_whitespace().skip(11); // from field 3: utime is field 14
    let user: f64 = f.next()?.parse().ok()?;
    let sys: f64 = f.next()?.parse().ok()?;
    Some((user / 100.0, sys / 100.0))
}

/// Polls the sources and publishes a new database when they changed and then stayed still
/// for one interval.
fn reloader(
    sources: Vec<IntelSource>,
    exact: bool,
    poll: Duration,
    shared: Arc<SharedDatabase>,
    initial: common::Fingerprint,
) {
    let mut loaded = initial;
    let mut prev = loaded.clone();
    loop {
        thread::sleep(poll);
        // Free here what the scanning threads let go of last after a reload.
        SharedDatabase::reclaim();
        let fp = common::fingerprint(&sources);
        if fp != loaded && fp == prev {
            let t = Instant::now();
            match common::load_database(&sources, exact) {
                Ok(l) => {
                    eprintln!(
                        "log_sensor: intel changed, reloaded in {:.3} s:\n{}",
                        t.elapsed().as_secs_f64(),
                        l.describe(3)
                    );
                    shared.store(l.db);
                }
                Err(e) => {
                    eprintln!("log_sensor: reload failed, keeping the previous database: {e}")
                }
            }
            loaded = fp.clone();
        }
        prev = fp;
    }
}

fn human_rate(bytes: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        bytes as f64 / 1e6 / secs
    } else {
        0.0
    }
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1).collect()) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("log_sensor: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let fp = common::fingerprint(&args.sources);
    let intel = match common::load_database(&args.sources, args.exact_domains) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("log_sensor: {e}");
            return ExitCode::from(2);
        }
    };
    let load_secs = start.elapsed().as_secs_f64();
    let mut opened = Vec::new();
    for name in &args.inputs {
        match open_input(name) {
            Ok(r) => opened.push((name.clone(), r)),
            Err(e) => {
                eprintln!("log_sensor: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let load_text = intel.describe(5);
    let shared = Arc::new(SharedDatabase::new(intel.db));
    if let Some(poll) = args.poll {
        let (s, ex, sh) = (
            args.sources.clone(),
            args.exact_domains,
            Arc::clone(&shared),
        );
        thread::spawn(move || reloader(s, ex, poll, sh, fp));
    }

    let scan_start = Instant::now();
    let cpu_start = cpu_times();
    let threads = args.threads;
    let scan = Scan {
        shared,
        now: args.now,
        prefixes: Arc::new(input_prefixes(&args.inputs)),
    };
    let reader = Arc::new(Mutex::new(Reader::new(opened)));
    let progress = io::stderr().is_terminal();
    let mut last_progress = Instant::now();
    let mut show_progress = |w: &Writer<_>| {
        if progress && last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            let secs = scan_start.elapsed().as_secs_f64();
            eprint!(
                "\rlog_sensor: {} lines, {:.1} MB, {} sightings, {:.1} MB/s   ",
                w.lines,
                w.bytes as f64 / 1e6,
                w.sightings,
                human_rate(w.bytes, secs)
            );
        }
    };
    let stdout = io::stdout();
    let mut w = Writer {
        w: io::BufWriter::with_capacity(256 << 10, stdout.lock()),
        names: &args.inputs,
        input: None,
        line_base: 0,
        lines: 0,
        bytes: 0,
        sightings: 0,
        all_read: true,
    };
    let mut write_err: Option<io::Error> = None;
    // Whether every block was scanned and written.
    let mut complete = true;
    let mut times: Vec<ThreadTimes> = Vec::new();
    if threads == 1 {
        // One thread reads, scans and writes: no hand-over at all.
        let sched_start = sched_times();
        let mut scratch = Scratch::new();
        let mut buf = Vec::new();
        let mut s = Scanned::default();
        loop {
            let block = match reader.lock() {
                Ok(mut r) => r.next_block(&mut buf),
                Err(_) => None,
            };
            let Some(b) = block else { break };
            scan.block(
                &mut scratch,
                buf.get(..b.len).unwrap_or(&[]),
                b.input,
                &mut s,
            );
            let mut r = w.write(b.input, b.len as u64, &s, b.err);
            if b.live && r.is_ok() {
                r = w.w.flush();
            }
            if let Err(e) = r {
                write_err = Some(e);
                break;
            }
            show_progress(&w);
        }
        times.push(ThreadTimes {
            sched: sched_start
                .zip(sched_times())
                .map(|((r0, q0), (r1, q1))| (r1 - r0, q1 - q0)),
            lock_wait: 0.0,
        });
    } else {
        let (done_tx, done_rx) = bounded::<Done>(threads * 4);
        let (pool_tx, pool_rx) = bounded::<Scanned>(threads * 4 + 4);
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (scan, reader, pool, tx) = (
                    scan.clone(),
                    Arc::clone(&reader),
                    pool_rx.clone(),
                    done_tx.clone(),
                );
                thread::spawn(move || worker(&scan, &reader, pool, tx))
            })
            .collect();
        drop((done_tx, pool_rx));
        // Write in input order.
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        while let Ok(d) = done_rx.recv() {
            pending.insert(d.seq, d);
            while let Some(d) = pending.remove(&next) {
                next += 1;
                if let Err(e) = w.write(d.input, d.bytes, &d.scanned, d.err) {
                    write_err = Some(e);
                    break;
                }
                let _ = pool_tx.try_send(d.scanned);
            }
            if write_err.is_some() {
                break; // dropping done_rx stops the workers
            }
            if done_rx.is_empty() {
                if let Err(e) = w.w.flush() {
                    write_err = Some(e);
                    break;
                }
            }
            show_progress(&w);
        }
        drop(done_rx);
        if write_err.is_none() {
            for h in workers {
                match h.join() {
                    Ok(t) => times.push(t),
                    Err(_) => complete = false,
                }
            }
            complete &= pending.is_empty();
        }
    }
    if write_err.is_none() {
        if let Err(e) = w.w.flush() {
            write_err = Some(e);
        }
    }
    if let Some(e) = write_err {
        // Stop at once: a scanning thread may be blocked on a slow stdin, so nothing is
        // joined.
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("log_sensor: cannot write output: {e}");
        }
        return ExitCode::from(1);
    }
    let secs = scan_start.elapsed().as_secs_f64();
    let cpu = cpu_start.zip(cpu_times());
    if progress {
        eprint!("\r\x1b[K");
    }
    let (lines, bytes, sightings) = (w.lines, w.bytes, w.sightings);
    eprintln!(
        "log_sensor: intel loaded in {load_secs:.3} s:\n{load_text}\n\
         log_sensor: {lines} lines, {bytes} bytes, {sightings} sightings in {secs:.3} s \
         ({:.1} MB/s, {threads} threads)",
        human_rate(bytes, secs)
    );
    if let Some(((u0, s0), (u1, s1))) = cpu {
        let (user, sys) = ((u1 - u0).max(0.0), (s1 - s0).max(0.0));
        eprintln!(
            "log_sensor: scan CPU time {:.2} s ({user:.2} s user, {sys:.2} s sys): \
             {:.1} MB per CPU-second",
            user + sys,
            human_rate(bytes, user + sys)
        );
    }
    let known: Vec<(f64, f64, f64)> = times
        .iter()
        .filter_map(|t| t.sched.map(|(run, runq)| (run, runq, t.lock_wait)))
        .collect();
    if !known.is_empty() && known.len() == times.len() {
        let n = known.len() as f64;
        let mean = |f: fn(&(f64, f64, f64)) -> f64| known.iter().map(f).sum::<f64>() / n;
        eprintln!(
            "log_sensor: per scanning thread (mean of {}): {:.3} s on a CPU, {:.3} s waiting \
             for a CPU (other load), {:.3} s waiting to read",
            known.len(),
            mean(|t| t.0),
            mean(|t| t.1),
            mean(|t| t.2)
        );
    }
    if !complete {
        eprintln!("log_sensor: a scanning thread failed; the output is incomplete");
        return ExitCode::from(1);
    }
    if w.all_read {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
