//! Drives the `log_sensor` example binary: the README's main command against its golden
//! output, the JSON schema, ordering across thread counts, exit codes, stdin, `.gz`, line
//! endings, hot reload and a failed reload.
//!
//! The binary is built on first use with `cargo build --example log_sensor` (same profile
//! and target directory as this test), so `cargo test --test log_sensor` works on its own.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[path = "../examples/common/mod.rs"]
mod common;
#[path = "support/log_sensor_bin.rs"]
mod log_sensor_bin;
use log_sensor_bin::{readme_args, root, sensor};

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(sensor())
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn log_sensor");
    let mut sin = child.stdin.take().unwrap();
    let data = stdin.unwrap_or(b"").to_vec();
    let feeder = thread::spawn(move || {
        let _ = sin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().unwrap();
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn lines(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(o.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("linerate-log-sensor-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The README's intel and allowlist arguments.
const DEMO: &[&str] = &[
    "--intel",
    "demo/intel/blocklist.txt",
    "--intel",
    "demo/intel/c2.tsv",
    "--intel",
    "demo/intel/zeek.intel",
    "--intel",
    "demo/intel/stix-bundle.json",
    "--intel",
    "demo/intel/misp-event.json",
    "--allow",
    "demo/allow.txt",
];

#[test]
fn readme_command_gives_the_golden_output() {
    let args = readme_args();
    assert_eq!(
        args.first().map(String::as_str),
        Some("--intel"),
        "{args:?}"
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(args[..args.len() - 1], *DEMO, "README and DEMO agree");
    let o = run(&args, None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = std::fs::read(root().join("demo/expected.jsonl")).unwrap();
    if o.stdout != want {
        panic!(
            "output differs from demo/expected.jsonl; got:\n{}",
            String::from_utf8_lossy(&o.stdout)
        );
    }
    let err = stderr(&o);
    assert!(err.contains("300 lines"), "{err}");
    assert!(err.contains(&format!(
        "{} sightings",
        want.split(|&b| b == b'\n').count() - 1
    )));
    assert!(
        err.contains("blocklist.txt (plain): 12 indicators"),
        "{err}"
    );
}

#[test]
fn output_schema_and_offsets() {
    let mut args = DEMO.to_vec();
    args.push("demo/logs/sample.log");
    let o = run(&args, None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = std::fs::read(root().join("demo/logs/sample.log")).unwrap();
    let log_lines: Vec<&[u8]> = log.split(|&b| b == b'\n').collect();
    let text = String::from_utf8(o.stdout.clone()).unwrap();
    let objs = lines(&o);
    assert!(objs.len() > 30);
    let keys = [
        "input",
        "line",
        "start",
        "end",
        "observed",
        "type",
        "indicator",
        "sources",
        "refs",
    ];
    for (raw, v) in text.lines().zip(&objs) {
        // Field order as in SPEC §6.
        let mut at = 0;
        for k in keys {
            let p = raw[at..]
                .find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k} missing or out of order: {raw}"));
            at += p;
        }
        let o = v.as_object().unwrap();
        assert_eq!(o.len(), keys.len(), "{raw}");
        assert_eq!(o["input"], "demo/logs/sample.log");
        let line = o["line"].as_u64().unwrap() as usize;
        let (s, e) = (
            o["start"].as_u64().unwrap() as usize,
            o["end"].as_u64().unwrap() as usize,
        );
        let bytes = &log_lines[line - 1][s..e];
        assert_eq!(
            o["observed"],
            String::from_utf8_lossy(bytes).as_ref(),
            "{raw}"
        );
        assert!(o["type"].is_string() && o["indicator"].is_string());
        assert!(o["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x.is_string()));
        assert!(!o["sources"].as_array().unwrap().is_empty());
        assert!(o["refs"].is_array());
    }
    let has = |line: u64, ty: &str, ind: &str| {
        objs.iter()
            .any(|o| o["line"] == line && o["type"] == ty && o["indicator"] == ind)
    };
    // A few known sightings, and allowlisted / look-alike lines without any.
    assert!(has(31, "ip", "203.0.113.0/24") && has(31, "ip", "203.0.113.128/25"));
    assert!(has(53, "ip", "192.0.2.66:8443"));
    assert!(has(151, "domain", "malware-drop.net"), "non-UTF-8 line");
    assert!(has(161, "domain", "evil-updates.com"), "long line");
    assert!(has(114, "url", "phish.example.net/login.php"));
    for quiet in [13, 37, 43, 54, 78] {
        assert!(!objs.iter().any(|o| o["line"] == quiet), "line {quiet}");
    }
}

fn big_log(dir: &Path, copies: usize) -> PathBuf {
    let log = std::fs::read(root().join("demo/logs/sample.log")).unwrap();
    let p = dir.join("big.log");
    let mut f = std::fs::File::create(&p).unwrap();
    for _ in 0..copies {
        f.write_all(&log).unwrap();
    }
    p
}

#[test]
fn same_output_for_any_thread_count() {
    let dir = tempdir("threads");
    // About 1.2 MB: several batches, so reordering is exercised.
    let big = big_log(&dir, 20);
    let big = big.to_str().unwrap();
    let mut outs = Vec::new();
    for t in ["1", "2", "4"] {
        let mut args = DEMO.to_vec();
        args.extend(["--threads", t, big, "demo/logs/sample.log"]);
        let o = run(&args, None);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(stderr(&o).contains(&format!("{} lines", 300 * 21)));
        outs.push(o.stdout);
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
    let objs: Vec<serde_json::Value> = String::from_utf8(outs[0].clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let golden = std::fs::read_to_string(root().join("demo/expected.jsonl")).unwrap();
    assert_eq!(objs.len(), golden.lines().count() * 21);
    // Line numbers keep counting across batches; input order is kept.
    let last_big = objs.iter().rfind(|o| o["input"] == big).unwrap();
    let last_golden: serde_json::Value =
        serde_json::from_str(golden.lines().last().unwrap()).unwrap();
    assert_eq!(
        last_big["line"].as_u64().unwrap(),
        last_golden["line"].as_u64().unwrap() + 300 * 19
    );
    assert_eq!(objs.last().unwrap()["input"], "demo/logs/sample.log");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exit_codes() {
    let dir = tempdir("exit");
    let code = |args: &[&str]| {
        let o = run(args, Some(b"x evil-updates.com\n"));
        (o.status.code(), stderr(&o))
    };
    let bl = "demo/intel/blocklist.txt";
    let ok = code(&["--intel", bl]);
    assert_eq!(ok.0, Some(0), "{}", ok.1);
    for (args, msg) in [
        (vec![], "--intel"),
        (vec!["--intel"], "--intel needs"),
        (vec!["--intel", bl, "--bogus"], "unknown option"),
        (vec!["--intel", bl, "--threads", "0"], "--threads"),
        (vec!["--intel", bl, "--threads", "many"], "--threads"),
        (vec!["--intel", bl, "--now", "yesterday"], "--now"),
        (
            vec!["--intel", bl, "--now", "2024-02-30T00:00:00Z"],
            "--now",
        ),
        (vec!["--format", "nope", "--intel", bl], "unknown format"),
        (vec!["--intel", bl, "--format", "plain"], "none follows"),
        (vec!["--intel", "demo/intel/missing.txt"], "missing.txt"),
        (vec!["--allow", bl], "--intel"),
        (vec!["--intel", bl, "demo/logs/missing.log"], "missing.log"),
        (vec!["--intel", bl, "demo/logs"], "directory"),
    ] {
        let (c, err) = code(&args);
        assert_eq!(c, Some(2), "{args:?}: {err}");
        assert!(err.contains(msg), "{args:?}: {err}");
    }
    // A good --now and --format are accepted; --help is not an error.
    let (c, err) = code(&[
        "--now",
        "2024-05-01T00:00:00Z",
        "--format",
        "plain",
        "--intel",
        bl,
    ]);
    assert_eq!(c, Some(0), "{err}");
    assert_eq!(code(&["--help"]).0, Some(0));

    // A read error in the middle of an input: reported, exit 1, lines before it scanned.
    let log = std::fs::read(root().join("demo/logs/sample.log")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..50 {
        gz.write_all(&log).unwrap();
    }
    let gz = gz.finish().unwrap();
    let cut = dir.join("cut.log.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let o = run(
        &["--intel", bl, cut.to_str().unwrap(), "demo/logs/sample.log"],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("error reading"), "{}", stderr(&o));
    let objs = lines(&o);
    assert!(objs.iter().any(|o| o["input"] == cut.to_str().unwrap()));
    assert!(
        objs.iter().any(|o| o["input"] == "demo/logs/sample.log"),
        "the next input is still scanned"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn stdin_gz_crlf_and_last_line() {
    let dir = tempdir("inputs");
    let log = std::fs::read(root().join("demo/logs/sample.log")).unwrap();
    let golden = std::fs::read_to_string(root().join("demo/expected.jsonl")).unwrap();
    let relabel = |name: &str| golden.replace("\"input\":\"demo/logs/sample.log\"", name);

    // stdin, explicitly and by default.
    let mut args = DEMO.to_vec();
    args.push("-");
    let o = run(&args, Some(&log));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        relabel("\"input\":\"-\"")
    );
    let o = run(DEMO, Some(&log));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        relabel("\"input\":\"-\"")
    );

    // .gz, read transparently.
    let gz_path = dir.join("sample.log.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&log).unwrap();
    std::fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    let name = gz_path.to_str().unwrap();
    let mut args = DEMO.to_vec();
    args.push(name);
    let o = run(&args, None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = relabel(&format!(
        "\"input\":{}",
        serde_json::to_string(name).unwrap()
    ));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);

    // CRLF, a lone CR kept inside a line, and a last line without a newline.
    let intel = dir.join("intel.txt");
    std::fs::write(&intel, "evil.com\n").unwrap();
    let input = b"a evil.com\r\nb\r\nc\rx.evil.com\r\n\r\nlast evil.com";
    let o = run(&["--intel", intel.to_str().unwrap(), "-"], Some(input));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got: Vec<(u64, u64, u64, String)> = lines(&o)
        .iter()
        .map(|v| {
            (
                v["line"].as_u64().unwrap(),
                v["start"].as_u64().unwrap(),
                v["end"].as_u64().unwrap(),
                v["observed"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, 2, 10, "evil.com".to_string()),
            (3, 2, 12, "x.evil.com".to_string()),
            (5, 5, 13, "evil.com".to_string()),
        ]
    );
    assert!(stderr(&o).contains("5 lines"), "{}", stderr(&o));

    // A huge line with the indicator at its very end, and NUL / invalid UTF-8 around it.
    let mut huge = vec![b'z'; 3 << 20];
    huge.extend_from_slice(b" \x00\xff evil.com");
    let o = run(&["--intel", intel.to_str().unwrap()], Some(&huge));
    let objs = lines(&o);
    assert_eq!(objs.len(), 1);
    assert_eq!(objs[0]["start"], (3 << 20) + 4);
    assert_eq!(objs[0]["line"], 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn directories_and_format_override() {
    let dir = tempdir("dir");
    let feeds = dir.join("feeds");
    std::fs::create_dir_all(&feeds).unwrap();
    std::fs::write(feeds.join("b.txt"), "beta-bad.com\n").unwrap();
    std::fs::write(feeds.join("a.txt"), "alpha-bad.com\nnot a value!\n").unwrap();
    std::fs::write(feeds.join(".hidden"), "hidden-bad.com\n").unwrap();
    let o = run(
        &["--format", "plain", "--intel", feeds.to_str().unwrap()],
        Some(b"alpha-bad.com beta-bad.com hidden-bad.com\n"),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let objs = lines(&o);
    // One feed named after the directory; the dotfile is passed over.
    let got: Vec<(&str, &str)> = objs
        .iter()
        .map(|o| {
            (
                o["indicator"].as_str().unwrap(),
                o["sources"][0].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("alpha-bad.com", "feeds"), ("beta-bad.com", "feeds")]);
    let err = stderr(&o);
    assert!(
        err.contains("intel: feeds (plain): 2 indicators (domain 2), 1 skipped"),
        "{err}"
    );
    // The first skipped entries are shown with their file, line and reason.
    assert!(err.contains("skipped line 2: a.txt: invalid"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A running sensor fed through stdin line by line, its stdout and stderr collected.
struct Live {
    child: Child,
    out: mpsc::Receiver<serde_json::Value>,
    err: Arc<Mutex<String>>,
    line: u64,
}

impl Live {
    fn start(intel: &Path) -> Live {
        Live::start_with(&[], intel)
    }

    fn start_with(args: &[&str], intel: &Path) -> Live {
        let mut child = Command::new(sensor())
            .args(["--threads", "1", "--poll-ms", "50"])
            .args(args)
            .arg("--intel")
            .arg(intel)
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, out) = mpsc::channel();
        let so = child.stdout.take().unwrap();
        thread::spawn(move || {
            for l in BufReader::new(so).lines() {
                let Ok(l) = l else { break };
                if tx.send(serde_json::from_str(&l).unwrap()).is_err() {
                    break;
                }
            }
        });
        let err = Arc::new(Mutex::new(String::new()));
        let e2 = Arc::clone(&err);
        let mut se = child.stderr.take().unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = se.read(&mut buf) {
                if n == 0 {
                    break;
                }
                e2.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Live {
            child,
            out,
            err,
            line: 0,
        }
    }

    /// Feeds lines naming both domains until `until` holds for a sighting; returns them all.
    fn feed_until(
        &mut self,
        what: &str,
        mut until: impl FnMut(&serde_json::Value) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = Vec::new();
        let stdin = self.child.stdin.as_mut().unwrap();
        loop {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            self.line += 1;
            writeln!(stdin, "{} GET alpha-bad.com beta-bad.com", self.line).unwrap();
            stdin.flush().unwrap();
            thread::sleep(Duration::from_millis(20));
            while let Ok(v) = self.out.try_recv() {
                let stop = until(&v);
                got.push(v);
                if stop {
                    return got;
                }
            }
        }
    }

    fn stderr_has(&self, what: &str) -> bool {
        self.err.lock().unwrap().contains(what)
    }
}

#[test]
fn hot_reload_switches_database_and_a_failed_reload_keeps_it() {
    let dir = tempdir("reload");
    let intel = dir.join("intel.txt");
    std::fs::write(&intel, "alpha-bad.com\n").unwrap();
    let mut live = Live::start(&intel);
    let is = |v: &serde_json::Value, d: &str| v["indicator"] == d;

    let first = live.feed_until("the first sighting", |_| true);
    assert!(is(&first[0], "alpha-bad.com"), "{first:?}");

    // Replace the feed atomically; sightings switch from alpha to beta, once and for good.
    let tmp = dir.join("intel.tmp");
    std::fs::write(&tmp, "# new version\nbeta-bad.com\n").unwrap();
    std::fs::rename(&tmp, &intel).unwrap();
    let got = live.feed_until("a beta sighting", |v| is(v, "beta-bad.com"));
    let switch = got.last().unwrap()["line"].as_u64().unwrap();
    assert!(got[..got.len() - 1]
        .iter()
        .all(|v| is(v, "alpha-bad.com") && v["line"].as_u64().unwrap() < switch));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !live.stderr_has("reloaded") {
        assert!(Instant::now() < deadline, "no reload message");
        thread::sleep(Duration::from_millis(20));
    }

    // Remove the feed: the reload fails, the previous database stays in use.
    std::fs::remove_file(&intel).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut after = Vec::new();
    while !live.stderr_has("reload failed") {
        assert!(Instant::now() < deadline, "no reload-failed message");
        after.extend(live.feed_until("a sighting", |_| true));
    }
    let marker = live.line;
    after.extend(live.feed_until("a sighting after the failed reload", |v| {
        v["line"].as_u64().unwrap() > marker
    }));
    assert!(after.iter().all(|v| is(v, "beta-bad.com")), "{after:?}");
    assert!(live.err.lock().unwrap().contains("intel.txt"));

    drop(live.child.stdin.take());
    let st = live.child.wait().unwrap();
    assert_eq!(st.code(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_broken_feed_on_reload_keeps_the_old_database() {
    let dir = tempdir("broken");
    let intel = dir.join("intel.json");
    let bundle = r#"{"type":"bundle","id":"bundle--0b7f1c9e-8c1a-4d5e-9f00-000000000001","objects":[
        {"type":"indicator","spec_version":"2.1","id":"indicator--0b7f1c9e-8c1a-4d5e-9f00-000000000002",
         "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z",
         "pattern":"[domain-name:value = 'alpha-bad.com']","pattern_type":"stix",
         "valid_from":"2024-01-01T00:00:00Z"}]}"#;
    std::fs::write(&intel, bundle).unwrap();
    let mut live = Live::start_with(&["--format", "stix"], &intel);
    let first = live.feed_until("the first sighting", |_| true);
    assert_eq!(first[0]["indicator"], "alpha-bad.com");
    assert_eq!(
        first[0]["refs"][0],
        "indicator--0b7f1c9e-8c1a-4d5e-9f00-000000000002"
    );

    // A truncated rewrite: the reload fails and says why; alpha is still matched.
    std::fs::write(&intel, &bundle[..bundle.len() / 2]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !live.stderr_has("reload failed") {
        assert!(Instant::now() < deadline, "no reload-failed message");
        live.feed_until("a sighting", |_| true);
    }
    let marker = live.line;
    let after = live.feed_until("a sighting after the failed reload", |v| {
        v["line"].as_u64().unwrap() > marker
    });
    assert!(after.iter().all(|v| v["indicator"] == "alpha-bad.com"));
    assert!(live.err.lock().unwrap().contains("intel.json"));

    drop(live.child.stdin.take());
    assert_eq!(live.child.wait().unwrap().code(), Some(0));
    let _ = std::fs::remove_dir_all(dir);
}

/// Each demo feed format gives its own sightings, with its provenance; `--now` decides which
/// indicators are inside their validity window.
#[test]
fn demo_feeds_in_every_format_and_now() {
    let scan = |now: &str| {
        let mut args = DEMO.to_vec();
        args.extend(["--now", now, "demo/logs/sample.log"]);
        let o = run(&args, None);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        lines(&o)
    };
    let objs = scan("2024-05-01T00:00:00Z");
    let seen = |ind: &str, src: &str| {
        objs.iter().any(|o| {
            o["indicator"] == ind && o["sources"].as_array().unwrap().iter().any(|s| s == src)
        })
    };
    // Zeek intel: addresses, subnets, exact-only domains, URLs; the empty-file md5 is allowlisted.
    assert!(seen("185.220.101.45", "zeek.intel") && seen("100.64.77.0/24", "zeek.intel"));
    assert!(seen("zeek-only-c2.top", "demo-zeek"));
    assert!(!objs.iter().any(|o| o["observed"] == "sub.zeek-only-c2.top"));
    assert!(seen("files.zeek-drop.cc/stage2.bin", "zeek.intel"));
    assert!(!objs
        .iter()
        .any(|o| o["indicator"] == "d41d8cd98f00b204e9800998ecf8427f"));
    // STIX: OR patterns, file hashes, refs = the indicator id; expired and revoked: nothing.
    assert!(
        seen("stix-only-phish.com", "stix-bundle.json") && seen("192.0.2.200", "stix-bundle.json")
    );
    assert!(seen(
        "a3c2f6ab8e2f0c5d7b1e9f4a6c8d0b2e4f6a8c0e2d4b6f8a0c2e4d6b8f0a2c4e",
        "stix-bundle.json"
    ));
    assert!(objs.iter().any(|o| o["indicator"] == "stix-only-phish.com"
        && o["refs"][0] == "indicator--a932fcc6-e032-476c-826f-cb970a5a1ade"));
    assert!(!objs.iter().any(|o| o["indicator"] == "old-sinkhole.net"));
    assert!(!objs.iter().any(|o| o["indicator"] == "revoked-example.org"));
    // MISP: to_ids attributes, ip-dst|port as an endpoint, object attributes, refanged URL.
    assert!(seen("misp-only-payload.xyz", "misp-event.json"));
    assert!(seen("198.51.100.77:4444", "misp-event.json"));
    assert!(seen("5d41402abc4b2a76b9719d911017c592", "misp-event.json"));
    assert!(seen(
        "misp-only-payload.xyz/gate.php?id=7",
        "misp-event.json"
    ));

    // In 2020 the sinkhole indicator was live and the 2024 STIX indicators were not yet.
    let old = scan("2020-06-01T00:00:00Z");
    assert!(old.iter().any(|o| o["indicator"] == "old-sinkhole.net"));
    assert!(!old.iter().any(|o| o["indicator"] == "stix-only-phish.com"));
    assert!(old.iter().any(|o| o["indicator"] == "evil-updates.com"));
}

/// The summary on stderr: scripts parse its counts line, and (Linux) the CPU-time line.
#[test]
fn summary_lines() {
    let log = std::fs::read(root().join("demo/logs/sample.log")).unwrap();
    let golden = std::fs::read_to_string(root().join("demo/expected.jsonl")).unwrap();
    for threads in ["1", "2"] {
        let mut args = DEMO.to_vec();
        args.extend(["--threads", threads, "--poll-ms", "0", "-"]);
        let o = run(&args, Some(&log));
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let err = stderr(&o);
        let counts = err
            .lines()
            .find(|l| l.contains(" sightings in "))
            .unwrap_or_else(|| panic!("no counts line: {err}"));
        let want_start = format!(
            "log_sensor: {} lines, {} bytes, {} sightings in ",
            log.iter().filter(|&&b| b == b'\n').count(),
            log.len(),
            golden.lines().count()
        );
        assert!(
            counts.starts_with(&want_start),
            "{counts:?} vs {want_start:?}"
        );
        assert!(
            counts.ends_with(&format!(" MB/s, {threads} threads)")),
            "{counts:?}"
        );
        if cfg!(target_os = "linux") {
            let cpu = err
                .lines()
                .find(|l| l.starts_with("log_sensor: scan CPU time "))
                .unwrap_or_else(|| panic!("no CPU line: {err}"));
            assert!(
                cpu.contains(" s user, ") && cpu.ends_with(" MB per CPU-second"),
                "{cpu:?}"
            );
            let per = err
                .lines()
                .find(|l| l.starts_with("log_sensor: per scanning thread (mean of "))
                .unwrap_or_else(|| panic!("no per-thread line: {err}"));
            assert!(
                per.starts_with(&format!(
                    "log_sensor: per scanning thread (mean of {threads}): "
                )) && per.ends_with(" s waiting to read"),
                "{per:?}"
            );
        }
    }
}

/// The sensors' JSON helpers write what serde_json writes.
#[test]
fn json_helpers_match_serde_json() {
    let mut cases: Vec<String> = (0u32..0x80)
        .chain([0xa0, 0xe9, 0x2028, 0xfeff, 0x1f600])
        .filter_map(char::from_u32)
        .map(|c| format!("a{c}b"))
        .collect();
    cases.extend(
        [
            "",
            "evil.com",
            "\"q\"",
            "back\\slash",
            "tab\tnl\n",
            "\u{7f}del",
            "caf\u{e9}",
            "</script>",
        ]
        .map(String::from),
    );
    for c in &cases {
        let mut out = b"x".to_vec();
        common::json_str(&mut out, c);
        assert_eq!(out[1..], serde_json::to_vec(c).unwrap()[..], "{c:?}");
    }
    for n in [0u64, 7, 10, 99, 100, 12345, u32::MAX as u64, u64::MAX] {
        let mut out = Vec::new();
        common::push_u64(&mut out, n);
        assert_eq!(out, n.to_string().into_bytes());
    }
}
