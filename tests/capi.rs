//! The C API from C: builds the static library with the `capi` feature (a nested
//! `cargo rustc` into its own target directory, so plain `cargo test` exercises the C path
//! without contending for the running build's lock), compiles the programs in `examples/c/`
//! with `gcc -std=c99 -Wall -Wextra -Werror -pedantic` against `include/linerate.h`, and runs
//! them:
//! - `sensor.c` must print exactly what `log_sensor` prints: byte for byte the demo's golden
//!   file when `demo/` is present, and the output computed here with the Rust API on edge
//!   cases (JSON escapes, control characters, invalid UTF-8, CRLF, allowlist, merged sources);
//! - `minimal.c` (the README's program, checked to be identical) runs and prints its sightings;
//! - both run clean under valgrind (leaks and errors), or AddressSanitizer when valgrind is
//!   absent; `hotswap.c` checks `lr_shared` with threads, `packet.c` `lr_scan_packet`.
//!
//! Skips with a message when gcc is not installed.

#[path = "support/log_sensor_bin.rs"]
mod log_sensor_bin;

use linerate::feed::{self, LoadOptions};
use linerate::{Builder, Timestamp};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("capi");
    std::fs::create_dir_all(&d).expect("create the test's work directory");
    d
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The static library built with `--features capi`, built once per test run; `None` (after
/// printing why) when there is no C compiler.
fn staticlib() -> Option<&'static Path> {
    static LIB: OnceLock<Option<PathBuf>> = OnceLock::new();
    LIB.get_or_init(|| {
        if !have("gcc") {
            eprintln!("skipping the C API tests: gcc is not installed");
            return None;
        }
        let target = work_dir().join("target");
        // `cargo rustc --crate-type staticlib`: only the static library, not the cdylib too.
        let out = Command::new(env!("CARGO"))
            .args([
                "rustc",
                "--lib",
                "--crate-type",
                "staticlib",
                "--features",
                "capi",
            ])
            .arg("--manifest-path")
            .arg(root().join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .output()
            .expect("run cargo rustc --features capi");
        assert!(
            out.status.success(),
            "cargo rustc --lib --crate-type staticlib --features capi failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lib = target.join("debug/liblinerate.a");
        assert!(lib.is_file(), "{} was not built", lib.display());
        Some(lib)
    })
    .as_deref()
}

/// Compiles `examples/c/{name}.c` (strict C99, warnings are errors) into `{name}{suffix}`,
/// once per test run: tests running in parallel share the executable (compiling it again
/// while another test runs it would race).
fn compile(name: &str, suffix: &str, extra: &[&str]) -> Option<PathBuf> {
    static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let lib = staticlib()?;
    let key = format!("{name}{suffix}");
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, exe)) = built.iter().find(|(k, _)| *k == key) {
        return Some(exe.clone());
    }
    let exe = work_dir().join(&key);
    let out = Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .args(extra)
        .arg("-I")
        .arg(root().join("include"))
        .arg(root().join(format!("examples/c/{name}.c")))
        .arg(lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .output()
        .expect("run gcc");
    assert!(
        out.status.success(),
        "gcc failed on examples/c/{name}.c:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    built.push((key, exe.clone()));
    Some(exe)
}

fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = cmd
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.unwrap_or_default().to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("stdin feeder");
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const EDGE: &str = "examples/c/testdata";
const NOW: i64 = 1_700_000_000;
const NOW_TEXT: &str = "2023-11-14T22:13:20Z";

/// The edge-case arguments: intel files, a second feed (merged sources), an allowlist.
fn edge_args() -> Vec<String> {
    [
        "--now",
        NOW_TEXT,
        "--intel",
        &format!("{EDGE}/intel.txt"),
        "--intel",
        &format!("{EDGE}/more.txt"),
        "--intel",
        &format!("{EDGE}/stix.json"),
        "--intel",
        &format!("{EDGE}/warninglist.json"),
        "--allow",
        &format!("{EDGE}/allow.txt"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// What log_sensor prints for `log` read as `input`, with the intel of [`edge_args`]: computed
/// with the Rust API, serialized with serde_json as log_sensor does.
fn expected_edge(input: &str, log: &[u8]) -> String {
    let mut b = Builder::new();
    // As log_sensor loads them (examples/common: load_database).
    for (file, allow) in [
        ("intel.txt", false),
        ("more.txt", false),
        ("stix.json", false),
        ("warninglist.json", false),
        ("allow.txt", true),
    ] {
        let bytes = std::fs::read(root().join(EDGE).join(file)).unwrap();
        let loaded = feed::load(&bytes, &LoadOptions::new(file)).unwrap();
        for i in loaded.indicators {
            if allow {
                b.add_allow(i).unwrap();
            } else {
                b.add(i).unwrap();
            }
        }
        for a in loaded.allow {
            b.add_allow(a).unwrap();
        }
    }
    let db = b.build().unwrap();
    let mut scratch = linerate::Scratch::new();
    let mut out = String::new();
    let mut lines: Vec<&[u8]> = log.split(|&c| c == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let js = |s: &str| serde_json::to_string(s).unwrap();
    let list = |v: &[String]| serde_json::to_string(v).unwrap();
    for (n, line) in lines.iter().enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        db.scan_line(line, &mut scratch, Timestamp(NOW), |s| {
            let ind = db.indicator(s.indicator).unwrap();
            out.push_str(&format!(
                "{{\"input\":{},\"line\":{},\"start\":{},\"end\":{},\"observed\":{},\"type\":{},\
                 \"indicator\":{},\"sources\":{},\"refs\":{}}}\n",
                js(input),
                n + 1,
                s.span.start,
                s.span.end,
                js(&String::from_utf8_lossy(&line[s.span.start..s.span.end])),
                js(s.kind.as_str()),
                js(&ind.value),
                list(&ind.meta.sources),
                list(&ind.meta.refs),
            ));
        });
    }
    out
}

#[test]
fn sensor_matches_the_rust_api_on_edge_cases() {
    let Some(sensor) = compile("sensor", "", &[]) else {
        return;
    };
    let log_path = format!("{EDGE}/lines.log");
    let log = std::fs::read(root().join(&log_path)).unwrap();
    // As a file argument, then from stdin (input "-").
    for (input, args_tail, stdin) in [
        (log_path.as_str(), vec![log_path.clone()], None),
        ("-", vec![], Some(&log[..])),
    ] {
        let o = run(
            Command::new(&sensor).args(edge_args()).args(args_tail),
            stdin,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let got = String::from_utf8(o.stdout.clone()).expect("the sensor prints UTF-8");
        let want = expected_edge(input, &log);
        assert_eq!(
            got, want,
            "C sensor output differs from log_sensor's for {input}"
        );
        // The cases are really there (a test that cannot fail is a defect).
        for needle in [
            r#""observed":"C:\\Windows\\evil\"q""#,
            r#""observed":"ctl\u0001\u001f"#,
            "\u{FFFD}\u{FFFD}\u{FFFD}z\u{FFFD}z\u{FFFD}z",
            "\"observed\":\"zz\u{FFFD}\u{FFFD}\u{FFFD}zz\"",
            r#""line":13,"start":0,"end":8,"observed":"ctl\u0001\rend""#,
            r#""line":13,"start":14,"end":17,"observed":"eol""#,
            r#""observed":"bücher.example","type":"domain","indicator":"xn--bcher-kva.example""#,
            r#""sources":["intel.txt","more.txt","stix.json"],"refs":["indicator--5e0c1c2a-0000-4000-8000-000000000003"]"#,
            r#""observed":"stix.example","type":"domain","indicator":"stix.example","sources":["stix.json"],"refs":["indicator--5e0c1c2a-0000-4000-8000-000000000001"]"#,
            r#""observed":"203.0.113.9""#,
            r#""observed":"www.evil.com""#,
            r#""line":12,"start":5,"end":13,"observed":"evil.com""#,
            r#""line":17,"start":10"#,
        ] {
            assert!(got.contains(needle), "missing {needle:?} in:\n{got}");
        }
        // Allowlisted, expired, and (STIX `=` is exact) a subdomain of a STIX domain.
        for absent in [
            "good.evil.com",
            "expired.example",
            "benign.evil.com",
            "www.stix.example",
        ] {
            assert!(
                !got.contains(absent),
                "{absent} must give no sighting: {got}"
            );
        }
        let err = stderr(&o);
        assert!(
            err.contains("line 3: invalid ip indicator \"10.0.0.1/8\": host bits set"),
            "{err}"
        );
        assert!(err.contains("17 lines"), "{err}");
        assert!(
            err.contains("sensor: intel.txt (plain): 13 entries"),
            "{err}"
        );
        assert!(
            err.contains("allow.txt (plain, allowlist): 2 entries"),
            "{err}"
        );
        assert!(err.contains("stix.json (stix): 4 entries"), "{err}");
    }
}

#[test]
fn sensor_matches_log_sensor_golden_output() {
    let golden = root().join("demo/expected.jsonl");
    if !golden.is_file() {
        eprintln!("skipping: demo/expected.jsonl (log_sensor's golden output) is not here");
        return;
    }
    let Some(sensor) = compile("sensor", "", &[]) else {
        return;
    };
    let o = run(
        // The README's main command, whose output is the golden file.
        Command::new(sensor).args(log_sensor_bin::readme_args()),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let want = std::fs::read(golden).unwrap();
    assert!(!want.is_empty());
    assert!(
        o.stdout == want,
        "C sensor output differs from demo/expected.jsonl; got:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn sensor_exit_codes() {
    let Some(sensor) = compile("sensor", "", &[]) else {
        return;
    };
    let intel = format!("{EDGE}/intel.txt");
    let code = |args: &[&str]| {
        let o = run(Command::new(&sensor).args(args), Some(b"evil.com\n"));
        (o.status.code(), stderr(&o))
    };
    let (c, e) = code(&["--intel", &intel]);
    assert_eq!(c, Some(0), "{e}");
    for (args, msg) in [
        (vec![], "--intel"),
        (vec!["--intel"], "missing its value"),
        (vec!["--bogus", "--intel", &intel], "unknown option"),
        (vec!["--intel", "/nonexistent/x.txt"], "cannot read"),
        (
            vec!["--format", "nope", "--intel", &intel],
            "unknown feed format",
        ),
        (vec!["--now", "soon", "--intel", &intel], "RFC 3339"),
        (
            vec!["--intel", &intel, "--format", "plain"],
            "paths after it",
        ),
        (
            vec!["--format", "plain", "--intel", "/nonexistent"],
            "cannot read",
        ),
        (
            vec!["--intel", &intel, "/nonexistent/input.log"],
            "cannot open",
        ),
    ] {
        let (c, e) = code(&args);
        assert_eq!(c, Some(2), "{args:?}: {e}");
        assert!(e.contains(msg), "{args:?}: {e}");
    }
    // --format applies to the paths after it: a Zeek file read as plain gives other entries.
    let (c, e) = code(&[
        "--format",
        "auto",
        "--intel",
        &intel,
        "--format",
        "PLAIN",
        "--intel",
        "demo/intel/c2.tsv",
    ]);
    assert_eq!(c, Some(0), "{e}");
    assert!(
        e.contains("intel.txt (plain)") && e.contains("c2.tsv (plain)"),
        "{e}"
    );
}

#[test]
fn minimal_example_runs_and_is_the_readmes() {
    let src = std::fs::read_to_string(root().join("examples/c/minimal.c")).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("```c\n{src}```")),
        "README.md's C example must be examples/c/minimal.c verbatim"
    );
    let Some(exe) = compile("minimal", "", &[]) else {
        return;
    };
    let o = run(&mut Command::new(exe), None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "domain evil.com at 11..21 from feed-a\nip 10.0.0.0/8 at 29..37 from feed-a\n"
    );
    assert_eq!(
        stderr(&o),
        "invalid value: invalid ip indicator \"10.0.0.1/8\": host bits set (the network is 10.0.0.0/8)\n"
    );
}

#[test]
fn packet_scan_from_c() {
    let Some(exe) = compile("packet", "", &[]) else {
        return;
    };
    let o = run(&mut Command::new(exe), None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "ip.dst ip 10.0.0.2:53 at 16..20 in 10.0.0.1:1234 -> 10.0.0.2:53 proto 17\n\
         dns.query domain evil.com at 40..52 in 10.0.0.1:1234 -> 10.0.0.2:53 proto 17\n\
         malformed: 0\n\
         ip.dst ip 10.0.0.2:53 at 16..20 in 10.0.0.1:1234 -> 10.0.0.2:53 proto 17\n\
         malformed: 1\n"
    );
}

#[test]
fn hot_swap_from_c_threads() {
    let Some(exe) = compile("hotswap", "", &[]) else {
        return;
    };
    let o = run(&mut Command::new(exe), None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("ok: "), "{out}");
}

/// A C program to run: its name in `examples/c/`, arguments and standard input.
type Program<'a> = (&'a str, Vec<String>, Option<&'a [u8]>);

/// Runs the C programs under valgrind (errors and leaks fail), or built with
/// AddressSanitizer when valgrind is not installed.
#[test]
fn c_programs_are_clean_under_valgrind_or_asan() {
    let log_path = format!("{EDGE}/lines.log");
    let log = std::fs::read(root().join(&log_path)).unwrap();
    let mut sensor_args = edge_args();
    sensor_args.push("-".into());
    let programs: [Program<'_>; 4] = [
        ("sensor", sensor_args, Some(&log[..])),
        ("minimal", vec![], None),
        ("packet", vec![], None),
        ("hotswap", vec!["--quick".into()], None),
    ];
    if have("valgrind") {
        for (name, args, stdin) in programs {
            let Some(exe) = compile(name, "", &[]) else {
                return;
            };
            let o = run(
                Command::new("valgrind")
                    .args([
                        "--error-exitcode=99",
                        "--leak-check=full",
                        "--errors-for-leak-kinds=definite,indirect,possible",
                        "--quiet",
                    ])
                    .arg(exe)
                    .args(&args),
                stdin,
            );
            assert_eq!(
                o.status.code(),
                Some(0),
                "valgrind on {name}:\n{}",
                stderr(&o)
            );
            if name == "sensor" {
                assert_eq!(String::from_utf8_lossy(&o.stdout), expected_edge("-", &log));
            }
        }
        return;
    }
    eprintln!("valgrind is not installed: using AddressSanitizer instead");
    let probe = work_dir().join("asan_probe.c");
    std::fs::write(&probe, "int main(void) { return 0; }\n").unwrap();
    let asan_ok = Command::new("gcc")
        .args(["-fsanitize=address", "-o"])
        .arg(work_dir().join("asan_probe"))
        .arg(&probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if !asan_ok {
        eprintln!("skipping: neither valgrind nor gcc -fsanitize=address is available");
        return;
    }
    for (name, args, stdin) in programs {
        let Some(exe) = compile(
            name,
            "-asan",
            &["-fsanitize=address", "-fno-omit-frame-pointer"],
        ) else {
            return;
        };
        let o = run(
            Command::new(exe)
                .args(&args)
                .env("ASAN_OPTIONS", "detect_leaks=1:exitcode=99"),
            stdin,
        );
        assert_eq!(o.status.code(), Some(0), "ASan on {name}:\n{}", stderr(&o));
    }
}
