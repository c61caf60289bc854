//! No data loss in `log_sensor`: every input byte is scanned exactly once. Each line carries
//! unique markers (`m<line>x<k>.evil.com`, subdomains of the one indicator), so a line lost,
//! scanned twice, joined with its neighbour or split shows up as a missing, duplicated or
//! misnumbered sighting. Covered: a last line without newline, CRLF, empty lines, an input
//! that ends mid-line followed by another input, a 10 MB line with markers around common
//! buffer sizes, 1 and 2 threads, `.gz` inputs, and a truncated `.gz` (reported on stderr,
//! exit code 1, the other inputs still scanned in full).
//!
//! The example binary is built on first use (`cargo build --example log_sensor`, same
//! profile and target directory as this test).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "support/log_sensor_bin.rs"]
mod log_sensor_bin;
use log_sensor_bin::sensor;

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "linerate-robustness-sensor-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let intel = dir.join("intel.txt");
    std::fs::write(&intel, "evil.com\n").unwrap();
    Command::new(sensor())
        .arg("--intel")
        .arg(&intel)
        .args(["--now", "2024-01-01T00:00:00Z", "--poll-ms", "0"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run log_sensor")
}

/// (input, line, start, observed) of every sighting, failing on a duplicate.
fn sightings(o: &Output) -> BTreeSet<(String, u64, u64, String)> {
    let mut set = BTreeSet::new();
    for l in String::from_utf8_lossy(&o.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        let row = (
            v["input"].as_str().unwrap_or_default().to_string(),
            v["line"].as_u64().unwrap_or(0),
            v["start"].as_u64().unwrap_or(0),
            v["observed"].as_str().unwrap_or_default().to_string(),
        );
        assert!(set.insert(row.clone()), "reported twice: {row:?}");
    }
    set
}

/// A log with markers, and the sightings it must give as `input`.
struct Log {
    bytes: Vec<u8>,
    expect: BTreeSet<(String, u64, u64, String)>,
    line: u64,
    cur: Vec<u8>,
    k: u64,
}

impl Log {
    fn new() -> Log {
        Log {
            bytes: Vec::new(),
            expect: BTreeSet::new(),
            line: 1,
            cur: Vec::new(),
            k: 0,
        }
    }

    /// Appends filler to the current line.
    fn text(&mut self, t: &[u8]) -> &mut Log {
        self.cur.extend_from_slice(t);
        self
    }

    /// Appends a marker (space-delimited) to the current line.
    fn marker(&mut self) -> &mut Log {
        self.cur.push(b' ');
        let m = format!("m{}x{}.evil.com", self.line, self.k);
        self.k += 1;
        self.expect
            .insert((String::new(), self.line, self.cur.len() as u64, m.clone()));
        self.cur.extend_from_slice(m.as_bytes());
        self.cur.push(b' ');
        self
    }

    /// Ends the current line with `eol` (`\n` or `\r\n`).
    fn end(&mut self, eol: &[u8]) -> &mut Log {
        self.bytes.append(&mut self.cur);
        self.bytes.extend_from_slice(eol);
        self.line += 1;
        self
    }

    /// The content without a final line ending (the current line is flushed as is).
    fn finish(&mut self) -> Vec<u8> {
        self.bytes.append(&mut self.cur);
        self.bytes.clone()
    }

    fn expected(&self, input: &str) -> BTreeSet<(String, u64, u64, String)> {
        self.expect
            .iter()
            .map(|(_, l, s, m)| (input.to_string(), *l, *s, m.clone()))
            .collect()
    }
}

/// Empty lines, CRLF, many short lines, a 10 MB line with markers around 4 KiB, 8 KiB,
/// 64 KiB, 1 MiB and 8 MiB, and a last line without newline.
fn tricky_log() -> Log {
    let mut log = Log::new();
    log.end(b"\n").end(b"\r\n");
    log.marker().end(b"\r\n");
    log.marker().text(b"\r").marker().end(b"\n");
    for i in 0..2000 {
        log.text(format!("line {i}").as_bytes()).marker();
        if i % 7 == 0 {
            log.end(b"\r\n");
        } else {
            log.end(b"\n");
        }
        if i % 100 == 0 {
            log.end(b"\n");
        }
    }
    // The 10 MB line.
    log.marker();
    for edge in [4096usize, 8192, 65536, 1 << 20, 8 << 20] {
        for back in [30usize, 12, 5, 1] {
            let want = edge.saturating_sub(back);
            // Filler up to `want` bytes into the line, then a marker.
            let have = log.cur.len();
            if want > have {
                log.text(&vec![b'z'; want - have]);
            }
            log.marker();
        }
    }
    let have = log.cur.len();
    log.text(&vec![b'y'; (10 << 20) - have]).marker();
    log.end(b"\n");
    log.marker().text(b"last line, no newline").marker();
    log
}

#[test]
fn every_byte_scanned_once() {
    let dir = tempdir("once");
    let mut log = tricky_log();
    let bytes = log.finish();
    std::fs::write(dir.join("a.log"), &bytes).unwrap();
    // A second input that ends mid-line, then a third: lines never join across inputs.
    let mut b = Log::new();
    b.marker().end(b"\n").marker().text(b"cut here");
    std::fs::write(dir.join("b.log"), b.finish()).unwrap();
    let mut c = Log::new();
    c.text(b"joined?").marker().end(b"\n");
    std::fs::write(dir.join("c.log"), c.finish()).unwrap();

    let mut want = log.expected("a.log");
    want.extend(b.expected("b.log"));
    want.extend(c.expected("c.log"));
    assert!(want.len() > 2000);
    for threads in ["1", "2"] {
        let o = run(&dir, &["--threads", threads, "a.log", "b.log", "c.log"]);
        assert!(
            o.status.success(),
            "{threads} threads: {:?}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        let got = sightings(&o);
        let missing: Vec<_> = want.difference(&got).take(5).collect();
        let extra: Vec<_> = got.difference(&want).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{threads} threads: {} expected, {} reported; missing {missing:?}; extra {extra:?}",
            want.len(),
            got.len()
        );
    }
}

#[test]
fn gz_inputs_and_a_truncated_gz() {
    use flate2::write::GzEncoder;
    let dir = tempdir("gz");
    let mut log = Log::new();
    for i in 0..20_000 {
        log.text(format!("{i} ").as_bytes()).marker().end(b"\n");
    }
    let bytes = log.finish();
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&bytes).unwrap();
    let gz = enc.finish().unwrap();
    std::fs::write(dir.join("whole.log.gz"), &gz).unwrap();
    std::fs::write(dir.join("cut.log.gz"), &gz[..gz.len() / 2]).unwrap();
    let mut ok = Log::new();
    ok.marker().end(b"\n").marker();
    std::fs::write(dir.join("after.log"), ok.finish()).unwrap();

    // The whole .gz: every marker, exit 0.
    let o = run(&dir, &["whole.log.gz"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(sightings(&o), log.expected("whole.log.gz"));

    // The truncated .gz: reported, exit code 1, what was read before the cut is reported
    // (a prefix of the lines, none twice), and the next input is scanned in full.
    let o = run(&dir, &["cut.log.gz", "after.log"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.contains("cut.log.gz"),
        "the failed input is named: {err}"
    );
    let got = sightings(&o);
    let cut: BTreeSet<_> = got
        .iter()
        .filter(|r| r.0 == "cut.log.gz")
        .cloned()
        .collect();
    let full = log.expected("cut.log.gz");
    assert!(cut.is_subset(&full), "sightings not in the input");
    let lines: Vec<u64> = cut.iter().map(|r| r.1).collect();
    assert!(
        lines.iter().enumerate().all(|(i, &l)| l == i as u64 + 1),
        "the lines before the cut form a prefix"
    );
    let after: BTreeSet<_> = got.iter().filter(|r| r.0 == "after.log").cloned().collect();
    assert_eq!(after, ok.expected("after.log"));
}

/// About 1.5 MB of short lines of varying length (CRLF and empty lines mixed in): the
/// sensor's blocks (512 KiB) end at many different places in a line, a line is never split
/// or joined at a block boundary, and the line numbers keep counting across blocks.
fn many_short_lines() -> Log {
    let mut log = Log::new();
    let mut i = 0usize;
    while log.bytes.len() < 1_500_000 {
        log.text(&vec![b'a'; (i * 37) % 90]).marker();
        if i % 3 == 0 {
            log.text(b"\r").marker(); // a lone \r inside a line is kept
        }
        log.end(if i % 5 == 0 { b"\r\n" } else { b"\n" });
        if i % 11 == 0 {
            log.end(b"\n");
        }
        i += 1;
    }
    log
}

#[test]
fn block_boundaries_in_files_and_on_stdin() {
    let dir = tempdir("blocks");
    let mut log = many_short_lines();
    let bytes = log.finish();
    std::fs::write(dir.join("short.log"), &bytes).unwrap();
    let want = log.expected("short.log");
    for threads in ["1", "2", "3"] {
        let o = run(&dir, &["--threads", threads, "short.log"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(sightings(&o), want, "{threads} threads");
    }

    // Stdin written in odd-sized pieces: the sensor cuts a block at each short read.
    let want = log.expected("-");
    for threads in ["1", "2"] {
        let intel = dir.join("intel.txt");
        let mut child = Command::new(sensor())
            .arg("--intel")
            .arg(&intel)
            .args(["--now", "2024-01-01T00:00:00Z", "--poll-ms", "0"])
            .args(["--threads", threads, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run log_sensor");
        let mut stdin = child.stdin.take().unwrap();
        let input = bytes.clone();
        let feeder = std::thread::spawn(move || {
            let mut at = 0usize;
            let mut k = 0usize;
            while at < input.len() {
                let n = [1usize, 7, 4096, 100_000, 333, 65_537][k % 6].min(input.len() - at);
                stdin.write_all(&input[at..at + n]).unwrap();
                at += n;
                k += 1;
                if k % 50 == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            }
        });
        let o = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(sightings(&o), want, "stdin, {threads} threads");
    }
}
