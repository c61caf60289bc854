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
//! - `--now RFC3339`: the time used for the indicators' validity windows (default: the wall
//!   clock, read once per batch of lines).
//! - `--poll-ms N`: how often the intel and allowlist files are checked for changes
//!   (default 500; 0 disables hot reload).
//! - Inputs: files (`.gz` decompressed) or `-` for stdin; default stdin.
//!
//! A line is the bytes up to `\n` (a `\r` before it is dropped); a last line without `\n`
//! is scanned too. Lines may be any length and any bytes.
//!
//! Output (stdout): one JSON object per sighting, in input order, with the fields
//! `input`, `line` (1-based), `start`, `end` (byte offsets in the line), `observed` (lossy
//! UTF-8), `type`, `indicator` (normalized), `sources`, `refs`. Summary on stderr; a
//! progress line too when stderr is a terminal.
//!
//! Hot reload: when an intel or allowlist file changes (modification time or length, also
//! files added to or removed from a directory) and stays unchanged for one more poll, the
//! whole set is reloaded and compiled in the background and published without pausing the
//! scan; each batch of lines is scanned with the database current when it starts. A reload
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
use linerate::{Scratch, SharedDatabase, Timestamp};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: log_sensor --intel PATH [--intel PATH]... [--allow PATH]... \
[--format NAME] [--exact-domains] [--threads N] [--now RFC3339] [--poll-ms N] [INPUT|-]...";

/// A batch is cut once it holds this many bytes (and at least one whole line).
const BATCH_BYTES: usize = 256 << 10;
/// Bytes asked of the input per read.
const READ_CHUNK: usize = 64 << 10;

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

/// Lines read from one input: `data` holds them back to back, `lines` their ranges
/// (`\n` and a `\r` before it excluded).
#[derive(Default)]
struct Batch {
    seq: u64,
    input: usize,
    first_line: u64,
    data: Vec<u8>,
    lines: Vec<(usize, usize)>,
}

/// A scanned batch: its output bytes and counts.
struct Done {
    seq: u64,
    out: Vec<u8>,
    lines: u64,
    bytes: u64,
    sightings: u64,
}

/// Where the reader gets a recycled batch (or a new one).
fn fresh(pool: &Receiver<Batch>) -> Batch {
    let mut b = pool.try_recv().unwrap_or_default();
    b.data.clear();
    b.lines.clear();
    b
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
            io::BufReader::with_capacity(READ_CHUNK, f),
        )))
    } else {
        Ok(Box::new(f))
    }
}

/// Reads every input in order and sends batches of whole lines. Returns whether every input
/// was read to its end.
fn reader(
    inputs: Vec<(String, Box<dyn Read + Send>)>,
    tx: Sender<Batch>,
    pool: Receiver<Batch>,
) -> bool {
    let mut seq = 0u64;
    let mut all_ok = true;
    for (idx, (name, mut rd)) in inputs.into_iter().enumerate() {
        // Stdin may be a slow pipe: its lines are sent as soon as a read comes back short.
        // Files are cut into full batches only.
        let live = name == "-";
        let mut cur = fresh(&pool);
        cur.input = idx;
        cur.first_line = 1;
        let mut line_start = 0usize;
        let mut scanned = 0usize;
        let mut next_line = 1u64;
        loop {
            let len = cur.data.len();
            cur.data.resize(len + READ_CHUNK, 0);
            let got = loop {
                match rd.read(&mut cur.data[len..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    r => break r,
                }
            };
            let n = match got {
                Ok(n) => n,
                Err(e) => {
                    cur.data.truncate(len);
                    let done = next_line - 1 + cur.lines.len() as u64;
                    eprintln!("log_sensor: error reading {name} after line {done}: {e}");
                    all_ok = false;
                    break;
                }
            };
            cur.data.truncate(len + n);
            if n == 0 {
                if line_start < cur.data.len() {
                    cur.lines.push((line_start, cur.data.len()));
                }
                break;
            }
            for p in memchr::memchr_iter(b'\n', &cur.data[scanned..]) {
                let nl = scanned + p;
                let end = if nl > line_start && cur.data[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                cur.lines.push((line_start, end));
                line_start = nl + 1;
            }
            scanned = cur.data.len();
            // Cut when full, or when the input has nothing more right now (a slow pipe):
            // lines are then scanned as they arrive.
            if !cur.lines.is_empty() && (cur.data.len() >= BATCH_BYTES || (live && n < READ_CHUNK))
            {
                let mut next = fresh(&pool);
                next.data.extend_from_slice(&cur.data[line_start..]);
                cur.data.truncate(line_start);
                let count = cur.lines.len() as u64;
                cur.seq = seq;
                seq += 1;
                next.input = idx;
                next_line += count;
                next.first_line = next_line;
                if tx.send(cur).is_err() {
                    return all_ok;
                }
                cur = next;
                line_start = 0;
                scanned = cur.data.len();
            }
        }
        if !cur.lines.is_empty() {
            cur.seq = seq;
            seq += 1;
            if tx.send(cur).is_err() {
                return all_ok;
            }
        }
    }
    all_ok
}

/// Scans batches with the current database and formats the sightings as JSON lines.
fn worker(
    shared: &SharedDatabase,
    now: Option<Timestamp>,
    inputs: &[String],
    rx: Receiver<Batch>,
    pool: Sender<Batch>,
    out_pool: Receiver<Vec<u8>>,
    tx: Sender<Done>,
) {
    let mut scratch = Scratch::new();
    for batch in rx {
        let db = shared.load();
        let now = now.unwrap_or_else(common::wall_clock);
        let mut out = out_pool.try_recv().unwrap_or_default();
        out.clear();
        let mut sightings = 0u64;
        let input = &inputs[batch.input];
        for (i, &(s, e)) in batch.lines.iter().enumerate() {
            let line = batch.data.get(s..e).unwrap_or(&[]);
            let line_no = batch.first_line + i as u64;
            db.scan_line(line, &mut scratch, now, |h| {
                sightings += 1;
                out.extend_from_slice(b"{\"input\":");
                common::json_str(&mut out, input);
                let _ = write!(
                    out,
                    ",\"line\":{line_no},\"start\":{},\"end\":{},",
                    h.span.start, h.span.end
                );
                let observed = line.get(h.span.start..h.span.end).unwrap_or(&[]);
                common::json_sighting_tail(&mut out, observed, h, &db);
                out.extend_from_slice(b"}\n");
            });
        }
        drop(db);
        let done = Done {
            seq: batch.seq,
            out,
            lines: batch.lines.len() as u64,
            bytes: batch.data.len() as u64,
            sightings,
        };
        let _ = pool.try_send(batch);
        if tx.send(done).is_err() {
            return;
        }
    }
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
    let threads = args.threads;
    let (batch_tx, batch_rx) = bounded::<Batch>(threads * 2);
    let (pool_tx, pool_rx) = bounded::<Batch>(threads * 4 + 4);
    let (done_tx, done_rx) = bounded::<Done>(threads * 4);
    let (out_pool_tx, out_pool_rx) = bounded::<Vec<u8>>(threads * 4 + 4);
    let inputs: Arc<Vec<String>> = Arc::new(args.inputs.clone());

    let reader_h = thread::spawn(move || reader(opened, batch_tx, pool_rx));
    let mut workers = Vec::new();
    for _ in 0..threads {
        let (sh, inp, rx, pool, outp, tx) = (
            Arc::clone(&shared),
            Arc::clone(&inputs),
            batch_rx.clone(),
            pool_tx.clone(),
            out_pool_rx.clone(),
            done_tx.clone(),
        );
        let now = args.now;
        workers.push(thread::spawn(move || {
            worker(&sh, now, &inp, rx, pool, outp, tx)
        }));
    }
    drop((batch_rx, pool_tx, out_pool_rx, done_tx));

    // Write in input order.
    let progress = io::stderr().is_terminal();
    let mut last_progress = Instant::now();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(256 << 10, stdout.lock());
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    let (mut lines, mut bytes, mut sightings) = (0u64, 0u64, 0u64);
    let mut write_err: Option<io::Error> = None;
    while let Ok(d) = done_rx.recv() {
        pending.insert(d.seq, d);
        while let Some(d) = pending.remove(&next) {
            next += 1;
            lines += d.lines;
            bytes += d.bytes;
            sightings += d.sightings;
            if write_err.is_none() {
                if let Err(e) = out.write_all(&d.out) {
                    write_err = Some(e);
                }
            }
            let _ = out_pool_tx.try_send(d.out);
        }
        if write_err.is_some() {
            break; // dropping done_rx stops the workers, then the reader
        }
        if done_rx.is_empty() {
            if let Err(e) = out.flush() {
                write_err = Some(e);
                break;
            }
        }
        if progress && last_progress.elapsed() >= Duration::from_secs(1) {
            last_progress = Instant::now();
            let secs = scan_start.elapsed().as_secs_f64();
            eprint!(
                "\rlog_sensor: {lines} lines, {:.1} MB, {sightings} sightings, {:.1} MB/s   ",
                bytes as f64 / 1e6,
                human_rate(bytes, secs)
            );
        }
    }
    if write_err.is_none() {
        if let Err(e) = out.flush() {
            write_err = Some(e);
        }
    }
    drop(done_rx);
    if let Some(e) = write_err {
        // Stop at once: the reader may be blocked on a slow stdin, so nothing is joined.
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("log_sensor: cannot write output: {e}");
        }
        return ExitCode::from(1);
    }
    let mut workers_ok = true;
    for w in workers {
        workers_ok &= w.join().is_ok();
    }
    let read_ok = reader_h.join().unwrap_or(false);
    let secs = scan_start.elapsed().as_secs_f64();
    if progress {
        eprint!("\r\x1b[K");
    }
    eprintln!(
        "log_sensor: intel loaded in {load_secs:.3} s:\n{load_text}\n\
         log_sensor: {lines} lines, {bytes} bytes, {sightings} sightings in {secs:.3} s \
         ({:.1} MB/s, {threads} threads)",
        human_rate(bytes, secs)
    );
    if !workers_ok || !pending.is_empty() {
        eprintln!("log_sensor: a scanning thread failed; the output is incomplete");
        return ExitCode::from(1);
    }
    if read_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
