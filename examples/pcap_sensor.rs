//! pcap_sensor: replays pcap / pcapng captures through a linerate database and prints one
//! JSON object per sighting (SPEC §6).
//!
//! ```text
//! cargo run --release --example pcap_sensor -- --intel PATH [--intel PATH]... [--allow PATH]...
//!         [--exact-domains] [--format NAME] [--now RFC3339] PCAP...
//! ```
//!
//! `--intel` / `--allow` take a feed file (format detected from its content; `.gz` files are
//! decompressed) or a directory (a MISP feed when it holds `manifest.json`, else every
//! regular file in it, in name order). `--format NAME` applies to the `--intel` / `--allow`
//! paths after it, until the next `--format` (`auto`: detect), as in log_sensor. Intel
//! loading and the indicator fields of the output are shared with log_sensor
//! (`examples/common`). `--now` fixes the time
//! used for the indicators' validity windows; by default each packet's own timestamp is used.
//! Link types: Ethernet (with VLAN, PPPoE, MPLS), Linux cooked v1/v2, raw IP, BSD loopback.
//!
//! Output fields: `input`, `frame` (1-based), `ts` (RFC 3339, microseconds), `src`, `sport`,
//! `dst`, `dport` (null when the packet has no ports), `proto` (`"tcp"`, `"udp"` or the
//! protocol number), `where`, `observed`, `type`, `indicator`, `sources`, `refs`.
//! A summary goes to stderr. Exit status: 0 after a complete run, 2 on bad arguments, an
//! intel source that cannot be loaded, or a capture that cannot be read.

#[path = "common/mod.rs"]
mod common;

use common::IntelSource;
use linerate::scan::packet::observed;
use linerate::{Database, Flow, Kind, LinkType, Scratch, Sighting, Timestamp, Value};
use pcap_parser::{Block, PcapBlockOwned, PcapError};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Instant;

const USAGE: &str = "usage: pcap_sensor --intel PATH [--intel PATH]... [--allow PATH]... \
[--format NAME] [--exact-domains] [--now RFC3339] PCAP...";

/// Parsed command line.
#[derive(Debug, Default)]
pub struct Args {
    /// Indicator feeds and allowlists, in command-line order.
    pub sources: Vec<IntelSource>,
    /// Load domains exact-only.
    pub exact_domains: bool,
    /// Fixed scan time.
    pub now: Option<Timestamp>,
    /// Captures to replay.
    pub pcaps: Vec<PathBuf>,
}

/// Parses the arguments after the program name.
pub fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut format = None;
    let mut format_unused = false;
    let mut it = argv.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--intel" | "--allow" => {
                a.sources.push(IntelSource {
                    path: value(arg)?.into(),
                    format,
                    allow: arg == "--allow",
                });
                format_unused = false;
            }
            "--format" => {
                format = common::parse_format(&value("--format")?)?;
                format_unused = true;
            }
            "--exact-domains" => a.exact_domains = true,
            "--now" => a.now = Some(common::parse_now(&value("--now")?)?),
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            s => a.pcaps.push(s.into()),
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
    if a.pcaps.is_empty() {
        return Err("no capture file given".into());
    }
    Ok(a)
}

/// One captured frame.
pub struct Frame<'a> {
    /// 1-based number in the capture.
    pub number: u64,
    /// Seconds since the epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// `LINKTYPE_*` of the frame's interface.
    pub linktype: u32,
    /// Captured bytes.
    pub data: &'a [u8],
}

/// Reads a pcap or pcapng stream and calls `f` for every packet. A capture cut inside its
/// last record ends the replay normally (reported as `truncated`); anything else that cannot
/// be read is an error.
pub fn read_capture<R: Read>(
    input: R,
    mut f: impl FnMut(&Frame<'_>),
) -> Result<CaptureInfo, String> {
    let mut reader = pcap_parser::create_reader(1 << 16, input)
        .map_err(|e| format!("not a pcap or pcapng file ({e})"))?;
    let mut info = CaptureInfo::default();
    // pcap: one link type and precision; pcapng: per interface (link type, units/s, offset).
    let mut legacy = (1u32, 1_000_000u64);
    let mut ifaces: Vec<(u32, u64, i64)> = Vec::new();
    let mut number = 0u64;
    let mut last_ts = (0i64, 0u32);
    let mut stalled = false;
    loop {
        let err = match reader.next() {
            Ok((offset, block)) => {
                let mut emit = |ts: Option<(i64, u32)>, linktype: u32, data: &[u8]| {
                    number += 1;
                    let (secs, nanos) = ts.unwrap_or(last_ts);
                    last_ts = (secs, nanos);
                    f(&Frame {
                        number,
                        secs,
                        nanos,
                        linktype,
                        data,
                    });
                };
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy = (
                            h.network.0 as u32,
                            if h.is_nanosecond_precision() {
                                1_000_000_000
                            } else {
                                1_000_000
                            },
                        );
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let nanos = (u64::from(b.ts_usec) * 1_000_000_000 / legacy.1) as u32;
                        let data = b.data.get(..b.caplen as usize).unwrap_or(b.data);
                        emit(Some((i64::from(b.ts_sec), nanos)), legacy.0, data);
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => ifaces.clear(),
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        ifaces.push((
                            idb.linktype.0 as u32,
                            idb.ts_resolution().unwrap_or(1_000_000).max(1),
                            idb.ts_offset(),
                        ));
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => match ifaces
                        .get(epb.if_id as usize)
                    {
                        Some(&(lt, res, off)) => {
                            let ts = (u64::from(epb.ts_high) << 32 | u64::from(epb.ts_low)) as u128;
                            let secs = ((ts / u128::from(res)) as i64).saturating_add(off);
                            let nanos =
                                ((ts % u128::from(res)) * 1_000_000_000 / u128::from(res)) as u32;
                            let data = epb.data.get(..epb.caplen as usize).unwrap_or(epb.data);
                            emit(Some((secs, nanos)), lt, data);
                        }
                        None => info.skipped += 1,
                    },
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => match ifaces.first() {
                        Some(&(lt, _, _)) => {
                            let data = spb.data.get(..spb.origlen as usize).unwrap_or(spb.data);
                            emit(None, lt, data);
                        }
                        None => info.skipped += 1,
                    },
                    PcapBlockOwned::NG(_) => {}
                }
                reader.consume(offset);
                stalled = false;
                continue;
            }
            Err(PcapError::Eof) => return Ok(info),
            Err(PcapError::UnexpectedEof) => {
                info.truncated = true;
                return Ok(info);
            }
            Err(PcapError::Incomplete(_)) => None,
            Err(e) => Some(format!("{e:?}")),
        };
        if let Some(e) = err {
            return Err(format!("bad record after frame {number}: {e}"));
        }
        if reader.reader_exhausted() {
            if !reader.data().is_empty() {
                info.truncated = true;
            }
            return Ok(info);
        }
        if stalled {
            // A record larger than the buffer: grow it (bounded).
            let cap = reader.data().len().max(1 << 16) * 2;
            if cap > 1 << 28 || !reader.grow(cap) {
                return Err(format!("record after frame {number} too large"));
            }
        }
        reader.refill().map_err(|e| format!("read error: {e:?}"))?;
        stalled = true;
    }
}

/// What [`read_capture`] noticed besides the frames.
#[derive(Clone, Copy, Debug, Default)]
pub struct CaptureInfo {
    /// Packets on an interface that was never described (pcapng).
    pub skipped: u64,
    /// The capture ends inside a record.
    pub truncated: bool,
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn rfc3339(secs: i64, nanos: u32) -> String {
    let s = Timestamp(secs).to_rfc3339();
    format!("{}.{:06}Z", s.trim_end_matches('Z'), nanos / 1000)
}

/// Appends the JSON line of one sighting (SPEC §6, fields in its order) to `out`.
pub fn json_line(
    out: &mut Vec<u8>,
    db: &Database,
    input: &str,
    fr: &Frame<'_>,
    link: LinkType,
    s: &Sighting,
    flow: &Flow,
) {
    let ind = db.indicator(s.indicator);
    let port_specific = ind.as_ref().is_some_and(|i| {
        i.kind() == Kind::Ip && matches!(i.to_value(), Value::Ip { port: Some(_), .. })
    });
    let port = |p: Option<u16>| p.map_or_else(|| "null".to_string(), |p| p.to_string());
    out.push(b'{');
    common::json_field_str(out, "input", input);
    let _ = write!(out, ",\"frame\":{},", fr.number);
    common::json_field_str(out, "ts", &rfc3339(fr.secs, fr.nanos));
    out.push(b',');
    common::json_field_str(out, "src", &flow.src.to_string());
    let _ = write!(out, ",\"sport\":{},", port(flow.sport));
    common::json_field_str(out, "dst", &flow.dst.to_string());
    let _ = write!(out, ",\"dport\":{},", port(flow.dport));
    match flow.proto {
        6 => out.extend_from_slice(b"\"proto\":\"tcp\","),
        17 => out.extend_from_slice(b"\"proto\":\"udp\","),
        n => {
            let _ = write!(out, "\"proto\":{n},");
        }
    }
    common::json_field_str(out, "where", s.where_seen.as_str());
    out.push(b',');
    let seen = observed(fr.data, link, s, port_specific);
    common::json_sighting_tail(out, seen.as_bytes(), s, db);
    out.extend_from_slice(b"}\n");
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    /// Frames read.
    pub frames: u64,
    /// Captured bytes.
    pub bytes: u64,
    /// Sightings printed.
    pub sightings: u64,
    /// Frames whose decoding met a problem.
    pub decode_errors: u64,
    /// Frames of an unsupported link type.
    pub unsupported: u64,
}

/// Replays one capture, writing sightings to `out`.
pub fn replay<R: Read>(
    db: &Database,
    a: &Args,
    input: &str,
    capture: R,
    out: &mut dyn Write,
    t: &mut Totals,
) -> Result<CaptureInfo, String> {
    let mut scratch = Scratch::new();
    let mut write_err = None;
    let mut line = Vec::new();
    let info = read_capture(capture, |fr| {
        t.frames += 1;
        t.bytes += fr.data.len() as u64;
        let Some(link) = LinkType::from_pcap_linktype(fr.linktype) else {
            t.unsupported += 1;
            return;
        };
        let now = a.now.unwrap_or(Timestamp(fr.secs));
        let err = db.scan_packet(fr.data, link, &mut scratch, now, |s, flow| {
            t.sightings += 1;
            line.clear();
            json_line(&mut line, db, input, fr, link, s, flow);
            if let Err(e) = out.write_all(&line) {
                write_err.get_or_insert(e);
            }
        });
        t.decode_errors += u64::from(err.is_some());
    })?;
    match write_err {
        Some(e) => Err(format!("writing output: {e}")),
        None => Ok(info),
    }
}

/// The whole program; returns the exit status.
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let a = match parse_args(argv) {
        Ok(a) => a,
        Err(m) => {
            if !m.is_empty() {
                let _ = writeln!(err, "pcap_sensor: {m}");
            }
            let _ = writeln!(err, "{USAGE}");
            return 2;
        }
    };
    let t0 = Instant::now();
    let intel = match common::load_database(&a.sources, a.exact_domains) {
        Ok(x) => x,
        Err(m) => {
            let _ = writeln!(err, "pcap_sensor: cannot load intel: {m}");
            return 2;
        }
    };
    let _ = writeln!(
        err,
        "pcap_sensor: loaded in {:.2?}\n{}",
        t0.elapsed(),
        intel.describe(5)
    );
    let db = intel.db;
    let mut t = Totals::default();
    let mut status = 0;
    let t1 = Instant::now();
    for path in &a.pcaps {
        let input = path.display().to_string();
        let res = std::fs::File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                replay(
                    &db,
                    &a,
                    &input,
                    std::io::BufReader::with_capacity(1 << 20, f),
                    out,
                    &mut t,
                )
            });
        match res {
            Ok(info) => {
                if info.truncated {
                    let _ = writeln!(
                        err,
                        "pcap_sensor: {input}: capture cut inside its last record"
                    );
                }
                if info.skipped > 0 {
                    let _ = writeln!(
                        err,
                        "pcap_sensor: {input}: {} packets on undescribed interfaces skipped",
                        info.skipped
                    );
                }
            }
            Err(m) => {
                let _ = writeln!(err, "pcap_sensor: {input}: {m}");
                status = 2;
            }
        }
    }
    let _ = out.flush();
    let secs = t1.elapsed().as_secs_f64().max(1e-9);
    let _ = writeln!(
        err,
        "frames: {}, bytes: {}, sightings: {}, decode errors: {}, unsupported link type: {}, {:.3}s, {:.0} packets/s, {:.1} MB/s",
        t.frames,
        t.bytes,
        t.sightings,
        t.decode_errors,
        t.unsupported,
        secs,
        t.frames as f64 / secs,
        t.bytes as f64 / secs / 1e6
    );
    status
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let code = run(&argv, &mut out, &mut std::io::stderr());
    drop(out);
    std::process::exit(i32::from(code));
}
