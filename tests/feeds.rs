//! Feed loaders on the small fixtures of `tests/fixtures/feeds/` (each covers the quirks of
//! its format), bad input, and the STIX oracle sample.

use linerate::feed::{self, fs::load_path, Format, LoadOptions, Loaded};
use linerate::{Builder, ErrorKind, Kind, Scratch, Timestamp, Tlp, Value};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

fn load(name: &str) -> Loaded {
    feed::load(&bytes(name), &LoadOptions::new("fx")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn counts(l: &Loaded) -> Vec<(Kind, usize)> {
    Kind::ALL
        .iter()
        .map(|&k| (k, l.report.count(k)))
        .filter(|&(_, n)| n > 0)
        .collect()
}

/// `kind value` of every indicator, with ` exact` for exact-only domains.
fn values(l: &Loaded) -> Vec<String> {
    l.indicators
        .iter()
        .map(|i| {
            format!(
                "{} {}{}",
                i.kind(),
                i.value,
                if i.exact { " exact" } else { "" }
            )
        })
        .collect()
}

fn find<'a>(l: &'a Loaded, value: &str) -> &'a linerate::Indicator {
    l.indicators
        .iter()
        .find(|i| i.value.to_string() == value)
        .unwrap_or_else(|| panic!("{value} not loaded: {:?}", values(l)))
}

fn skipped_lines(l: &Loaded) -> Vec<Option<usize>> {
    l.report.skipped.iter().map(|s| s.line).collect()
}

#[test]
fn detection() {
    for (name, f) in [
        ("plain.txt", Format::Plain),
        ("combined.tsv", Format::Plain),
        ("hosts.txt", Format::Hosts),
        ("urlhaus.csv", Format::Urlhaus),
        ("threatfox.csv", Format::Threatfox),
        ("feodo.csv", Format::Feodo),
        ("drop.txt", Format::SpamhausDrop),
        ("drop_v4.json", Format::SpamhausJson),
        ("zeek.intel", Format::Zeek),
        ("zeek_space.intel", Format::Zeek),
        ("stix21_bundle.json", Format::Stix),
        ("stix20_array.json", Format::Stix),
        ("taxii_envelope.json", Format::Stix),
        ("misp_event.json", Format::Misp),
        ("misp_response.json", Format::Misp),
        ("misp_list.json", Format::Misp),
        ("wl_hostname.json", Format::Warninglist),
        ("wl_untyped.json", Format::Warninglist),
    ] {
        assert_eq!(feed::detect(&bytes(name)), Some(f), "{name}");
    }
    assert_eq!(feed::detect(br#"{"hello":"world"}"#), None);
    let e = feed::load(br#"{"hello":"world"}"#, &LoadOptions::new("x")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownFormat);
    assert_eq!(
        feed::detect(b"[Adblock Plus 2.0]\n||evil.example^\n"),
        Some(Format::Hosts)
    );
    assert_eq!(feed::detect(b""), Some(Format::Plain));
    for f in Format::ALL {
        assert_eq!(Format::from_name(f.as_str()), Some(*f));
        assert_eq!(Format::from_name(&f.as_str().to_uppercase()), Some(*f));
    }
}

#[test]
fn plain_list() {
    // BOM, CRLF, both comment styles, KIND<TAB>VALUE<TAB>source, combined-TSV kinds,
    // trailing `;score` and ` # comment`.
    let l = load("plain.txt");
    assert_eq!(
        values(&l),
        [
            "domain evil.example.com",
            "url bad.example.net/gate.php",
            "ip 10.0.0.0/8",
            "ip 198.51.100.7:8443",
            "md5 d41d8cd98f00b204e9800998ecf8427e",
            "email bad@evil.example.com",
            "ip 176.123.5.126",
            "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "domain evil-suffix.example",
            "literal /gate/panel.php",
            "regex evil[0-9]+\\.example",
            "domain phish.example.org",
        ]
    );
    assert_eq!(skipped_lines(&l), [Some(9), Some(10), Some(18)]);
    assert!(l.report.skipped[1].reason.contains("host bits set"));
    assert!(l.report.skipped[2]
        .reason
        .contains("unknown kind \"frobnicate\""));
    assert_eq!(l.report.ignored, 2);
    assert_eq!(
        find(
            &l,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        .meta
        .sources,
        ["loki"]
    );
    assert_eq!(find(&l, "evil.example.com").meta.sources, ["fx"]);
    // exact_domains applies to plain domains but not to domain_suffix rows.
    let mut o = LoadOptions::new("fx");
    o.exact_domains = true;
    let l = feed::load(&bytes("plain.txt"), &o).unwrap();
    assert!(find(&l, "evil.example.com").exact);
    assert!(!find(&l, "evil-suffix.example").exact);
}

#[test]
fn combined_tsv_layout() {
    let l = load("combined.tsv");
    assert_eq!(
        counts(&l),
        [
            (Kind::Ip, 5),
            (Kind::Domain, 1),
            (Kind::Url, 1),
            (Kind::Email, 1),
            (Kind::Md5, 1),
            (Kind::Sha1, 1),
            (Kind::Sha256, 1),
            (Kind::Literal, 1),
            (Kind::Regex, 1)
        ]
    );
    // `.tk` (a bare TLD) and `010.1.1.1` (octal-ambiguous) are skipped.
    assert_eq!(skipped_lines(&l), [Some(8), Some(18)]);
    assert!(l.report.skipped[1].reason.contains("leading zero"));
    assert_eq!(l.report.ignored, 2);
    assert_eq!(find(&l, "45.62.198.73:53").meta.sources, ["maltrail"]);
    assert_eq!(
        find(&l, "evil.example.com").meta.sources,
        ["zeek-intel-feeds"]
    );
}

#[test]
fn hosts_file() {
    let l = load("hosts.txt");
    assert_eq!(
        values(&l),
        [
            "domain ads.evil.example exact",
            "domain evil.example.net exact",
            "domain cdn.evil.example.net exact",
            "domain adblock.example.org",
            "domain third.example.org",
        ]
    );
    assert_eq!(l.report.ignored, 6, "localhost preamble entries");
    assert_eq!(skipped_lines(&l), [Some(10), Some(11), Some(15)]);
    assert!(l.report.skipped[1].reason.contains("no host name"));
}

#[test]
fn urlhaus_csv() {
    let l = load("urlhaus.csv");
    assert_eq!(
        values(&l),
        [
            "url 182.126.120.150:58801/i",
            "url evil.example.com/a,b/\"x\".exe"
        ]
    );
    let i = &l.indicators[0];
    assert_eq!(i.meta.refs, ["urlhaus:3786237"]);
    assert_eq!(
        i.meta.tags,
        ["malware_download", "32-bit", "elf", "mips", "Mozi"]
    );
    assert_eq!(skipped_lines(&l), [Some(11), Some(12), Some(13)]);
    assert!(l.report.skipped[1]
        .reason
        .contains("unterminated quoted field"));
    assert!(l.report.skipped[2]
        .reason
        .contains("2 fields, the header has 9"));
}

#[test]
fn threatfox_csv() {
    let l = load("threatfox.csv");
    assert_eq!(
        counts(&l),
        [
            (Kind::Ip, 1),
            (Kind::Domain, 1),
            (Kind::Url, 1),
            (Kind::Md5, 1),
            (Kind::Sha256, 1)
        ]
    );
    let ip = find(&l, "64.227.143.36:5555");
    assert_eq!(ip.meta.refs, ["threatfox:1277853"]);
    assert_eq!(ip.meta.confidence, Some(75));
    assert_eq!(ip.meta.tags, ["botnet_cc", "Mirai"]);
    let d = find(&l, "c2.evil.example");
    assert_eq!(d.meta.tags, ["botnet_cc", "Cobalt Strike", "cs", "c2"]);
    // confidence 150 is reported and dropped, the url is kept.
    assert_eq!(find(&l, "evil.example/p.php").meta.confidence, None);
    assert_eq!(skipped_lines(&l), [Some(9), Some(12), Some(13)]);
    assert_eq!(
        l.report.skipped[0].field.as_deref(),
        Some("confidence_level")
    );
    assert!(l.report.skipped[1]
        .reason
        .contains("unsupported ioc_type \"asn\""));
}

#[test]
fn feodo_csv() {
    let l = load("feodo.csv");
    assert_eq!(
        values(&l),
        [
            "ip 51.178.161.32:4643",
            "ip 162.243.103.246:8080",
            "ip [2001:db8::7]:443"
        ]
    );
    assert_eq!(l.indicators[0].meta.tags, ["Dridex"]);
    assert_eq!(skipped_lines(&l), [Some(8)]);
}

#[test]
fn spamhaus() {
    let l = load("drop.txt");
    assert_eq!(
        values(&l),
        ["ip 1.10.16.0/20", "ip 2.56.192.0/22", "ip 2001:db8::/32"]
    );
    assert_eq!(l.indicators[0].meta.refs, ["SBL256894"]);
    assert_eq!(skipped_lines(&l), [Some(7)]);
    let l = load("drop_v4.json");
    assert_eq!(values(&l), ["ip 1.10.16.0/20", "ip 2.56.192.0/22"]);
    assert_eq!(l.indicators[1].meta.refs, ["SBL459831"]);
    assert_eq!(l.report.ignored, 1, "metadata line");
    assert_eq!(
        skipped_lines(&l),
        [Some(3), Some(4), Some(5), Some(6), Some(7)]
    );
    assert!(l.report.skipped[1]
        .reason
        .contains("expected a string, found 12"));
    assert!(l.report.skipped[3].reason.starts_with("not JSON"));
}

#[test]
fn zeek_intel() {
    let l = load("zeek.intel");
    assert_eq!(
        values(&l),
        [
            "ip 198.51.100.7",
            "ip 192.0.2.0/24",
            "domain evil.example.com exact",
            "url evil.example.com/gate.php?x=1",
            "email bad@evil.example.com",
            "md5 d41d8cd98f00b204e9800998ecf8427e",
            "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha1 6e4b5d6e9d5ac4a4a0a4b4e2dd6c1b58c4a4c6f1",
        ]
    );
    let a = &l.indicators[0];
    assert_eq!(a.meta.sources, ["fx", "src-a"]);
    assert_eq!(a.meta.tags, ["bad host"]);
    assert_eq!(a.meta.refs, ["http://ref.example/1"]);
    assert!(
        l.indicators[2].meta.tags.is_empty(),
        "(empty) is an empty desc"
    );
    assert_eq!(skipped_lines(&l), (11..=18).map(Some).collect::<Vec<_>>());
    let r: Vec<&str> = l.report.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(r[0].contains("Intel::USER_NAME indicators cannot be matched by linerate"));
    assert!(r[3].contains("unknown indicator type \"Intel::NOPE\""));
    assert!(r[4].contains("unset"));
    assert!(r[5].contains("network"));
    assert!(r[6].contains("4 fields, the #fields header has 6"), "{r:?}");
    // A "#fields" header separated by spaces is a comment to Zeek: clear error.
    let e = feed::load(&bytes("zeek_space.intel"), &LoadOptions::new("z")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadFeed);
    assert!(e.to_string().contains("use a TAB after #fields"), "{e}");
    let e = feed::load(&bytes("zeek_nosource.intel"), &LoadOptions::new("z")).unwrap_err();
    assert!(e.to_string().contains("no \"meta.source\" column"), "{e}");
    // BOM before the header is tolerated.
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend_from_slice(
        b"#fields\tindicator\tindicator_type\tmeta.source\n1.2.3.4\tIntel::ADDR\tx\n",
    );
    assert_eq!(
        feed::load(&b, &LoadOptions::new("z"))
            .unwrap()
            .report
            .total(),
        1
    );
}

#[test]
fn stix21_bundle() {
    let l = load("stix21_bundle.json");
    assert_eq!(
        counts(&l),
        [
            (Kind::Ip, 8),
            (Kind::Domain, 3),
            (Kind::Url, 1),
            (Kind::Email, 1),
            (Kind::Md5, 1),
            (Kind::Sha1, 1),
            (Kind::Sha256, 1),
            (Kind::Regex, 2)
        ]
    );
    assert_eq!(l.report.ignored, 3, "one revoked, two superseded versions");
    assert_eq!(l.report.skipped_count, 15, "{:#?}", l.report.skipped);
    let ip = find(&l, "198.51.100.7");
    assert_eq!(ip.meta.sources, ["fx", "ACME CERT"]);
    assert_eq!(ip.meta.tags, ["c2", "apt"]);
    assert_eq!(ip.meta.confidence, Some(80));
    assert_eq!(ip.meta.tlp, Some(Tlp::Amber));
    assert_eq!(
        ip.meta.refs,
        ["indicator--00000000-0000-4000-8000-000000000001"]
    );
    assert_eq!(ip.meta.valid_from, Some(Timestamp(1704067200)));
    assert_eq!(ip.meta.valid_until, Some(Timestamp(1735689600)));
    assert!(find(&l, "evil.example").exact);
    assert_eq!(find(&l, "evil.example").meta.tlp, Some(Tlp::Red));
    assert!(
        !find(&l, "evil-suffix.example").exact,
        "LIKE '%.x' is x and below"
    );
    // Versions: only the latest modified loads.
    find(&l, "198.51.100.12");
    assert!(!values(&l)
        .iter()
        .any(|v| v.contains("198.51.100.11") || v.contains("198.51.100.13")));
    assert!(
        !values(&l).iter().any(|v| v.contains("198.51.100.10")),
        "revoked"
    );
    let w = find(&l, "198.51.100.9");
    assert_eq!(
        (w.meta.valid_from, w.meta.valid_until),
        (Some(Timestamp(1717200000)), Some(Timestamp(1719792000))),
        "START/STOP narrows the window"
    );
    find(&l, "203.0.113.33:443");
    find(
        &l,
        "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
    );
    find(&l, "0b9b1f8d6ef0dc8c0b0d7a4b4c1a3c9fd4a0e2f1");
    find(&l, "2001:db8::2");
    let reasons: Vec<String> = l.report.skipped.iter().map(|s| s.to_string()).collect();
    for want in [
        "objects[7].pattern: indicator--00000000-0000-4000-8000-000000000006: AND across object types ipv4-addr and domain-name",
        "objects[8].pattern: indicator--00000000-0000-4000-8000-000000000007: observation AND",
        "FOLLOWEDBY",
        "WITHIN qualifier",
        "negation (NOT ISSUBSET)",
        "negation (!=)",
        "unsupported pattern_type \"yara\"",
        "valid_until 2023-01-01T00:00:00Z is not after valid_from 2024-01-01T00:00:00Z",
        "confidence 150 is not an integer 0-100",
        "syntax error at column 26: expected ']', found '.'",
        "expected 64 hex digits, found 3",
        "1 part(s) not loaded, the rest is: unsupported path process:name",
        "a STIX 2.1 indicator needs pattern_type",
        "objects[30].id: indicator--bad: id is not indicator--<uuid>",
        "objects[31]: not an object",
    ] {
        assert!(reasons.iter().any(|r| r.contains(want)), "{want} not in {reasons:#?}");
    }
}

#[test]
fn stix20_and_envelope() {
    let l = load("stix20_array.json");
    assert_eq!(
        values(&l),
        ["domain old.example exact", "url old.example/x"]
    );
    assert_eq!(l.indicators[0].meta.tags, ["malicious-activity"]);
    assert_eq!(l.report.skipped_count, 1);
    let l = load("taxii_envelope.json");
    assert_eq!(values(&l), ["ip 192.0.2.1"]);
}

#[test]
fn misp_event() {
    let l = load("misp_event.json");
    assert_eq!(
        values(&l),
        [
            "ip 198.51.100.7",
            "domain evil.example exact",
            "ip 198.51.100.8",
            "ip 203.0.113.5:8443",
            "ip [2001:db8::1]:443",
            "sha256 aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
            "domain c2.evil.example exact",
            "domain stix.example exact",
            "literal /admin/gate.php",
            "email bad@evil.example",
            "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ]
    );
    assert_eq!(l.report.ignored, 7);
    assert_eq!(l.report.skipped_count, 7, "{:#?}", l.report.skipped);
    let ip = &l.indicators[0];
    assert_eq!(ip.meta.sources, ["fx", "FixtureOrg"]);
    assert_eq!(
        ip.meta.refs,
        [
            "5c8f0a2e-0000-4000-8000-000000000001",
            "5c8f0a2e-0000-4000-8000-000000000011",
            "Fixture event"
        ]
    );
    assert_eq!(ip.meta.tlp, Some(Tlp::Amber));
    assert_eq!(
        find(&l, "bad@evil.example").meta.tlp,
        Some(Tlp::Red),
        "attribute tag"
    );
    let reasons: Vec<String> = l.report.skipped.iter().map(|s| s.to_string()).collect();
    for want in [
        "Event.Attribute[8].value: domain|ip attribute 5c8f0a2e-0000-4000-8000-000000000019: composite type domain|ip needs 'left|right', found no '|'",
        "needs exactly one '|'",
        "leading zero",
        "Event.Attribute[14].to_ids: md5 attribute: to_ids \"yes\" is not a boolean, 0 or 1",
        "outside 1-65535",
        "Event.Attribute[19].type: attribute x has no type",
        "value is not a string (found 12345)",
    ] {
        assert!(reasons.iter().any(|r| r.contains(want)), "{want} not in {reasons:#?}");
    }
    let l = load("misp_response.json");
    assert_eq!(
        values(&l),
        [
            "domain one.example exact",
            "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709"
        ]
    );
    assert_eq!(l.report.skipped[0].field.as_deref(), Some("response[2]"));
    let l = load("misp_list.json");
    assert_eq!(values(&l), ["email x@evil.example"]);
}

#[test]
fn misp_feed_directory() {
    let l = load_path(&fixture("mispfeed"), &LoadOptions::new("feed")).unwrap();
    assert_eq!(values(&l), ["ip 192.0.2.77", "domain feed.example exact"]);
    assert_eq!(l.indicators[0].meta.sources, ["feed", "Feeder"]);
    let reasons: Vec<String> = l.report.skipped.iter().map(|s| s.to_string()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:#?}");
    assert!(reasons[0].contains("manifest[../etc/passwd]: manifest key is not an event uuid"));
    assert!(reasons[1].contains("11111111-0000-4000-8000-000000000002.json is missing"));
    assert!(reasons[2].contains("holds event \"99999999-0000-4000-8000-000000000000\""));
    // The pure function with an in-memory callback.
    let manifest = br#"{"11111111-0000-4000-8000-000000000001": {}}"#;
    let mut asked = Vec::new();
    let mut read = |name: &str| {
        asked.push(name.to_string());
        Some(br#"{"Event":{"uuid":"11111111-0000-4000-8000-000000000001","Attribute":[{"type":"ip-dst","value":"192.0.2.1","to_ids":true}]}}"#.to_vec())
    };
    let l = feed::load_misp_feed(manifest, &mut read, &LoadOptions::new("m")).unwrap();
    assert_eq!(values(&l), ["ip 192.0.2.1"]);
    assert_eq!(asked, ["11111111-0000-4000-8000-000000000001.json"]);
    assert!(feed::load_misp_feed(b"[1]", &mut |_| None, &LoadOptions::new("m")).is_err());
}

#[test]
fn warninglists() {
    let allow = |name: &str| -> (Vec<String>, Vec<String>) {
        let l = load(name);
        assert!(l.indicators.is_empty());
        assert_eq!(l.report.allow, l.allow.len());
        (
            l.allow
                .iter()
                .map(|i| {
                    format!(
                        "{} {}{}",
                        i.kind(),
                        i.value,
                        if i.exact { " exact" } else { "" }
                    )
                })
                .collect(),
            l.report.skipped.iter().map(|s| s.to_string()).collect(),
        )
    };
    let (a, s) = allow("wl_hostname.json");
    assert_eq!(a, ["domain google.example", "domain safe.example.com"]);
    assert!(s[0].starts_with("list[2]: ") && s[1].contains("list[3]: expected a string, found 12"));
    let (a, s) = allow("wl_cidr.json");
    assert_eq!(a, ["ip 10.0.0.0/8", "ip 2001:db8::/32", "ip 8.8.8.8"]);
    assert!(s[0].contains("list[1]") && s[0].contains("host bits set"));
    let (a, s) = allow("wl_substring.json");
    assert_eq!(a, ["literal tracker"]);
    assert_eq!(s.len(), 2);
    let (a, s) = allow("wl_regex.json");
    assert_eq!(
        a,
        [
            "regex (?i)^(security|noc|soc|abuse)\\@.*\\..*$",
            "regex ((?:\\+|00)1)?55501([0-9]{2})"
        ]
    );
    assert!(
        s[0].contains("/pattern/flags")
            && s[1].contains("empty string")
            && s[2].contains("list[4]")
    );
    let (a, s) = allow("wl_string.json");
    assert_eq!(a, ["md5 d41d8cd98f00b204e9800998ecf8427e"]);
    assert!(s[0].contains("\"3::\"") && s[0].contains("matching_attributes"));
    let (a, _) = allow("wl_untyped.json");
    assert_eq!(a, ["domain google.com exact", "ip 8.8.4.4"]);
    let e = feed::load(&bytes("wl_badtype.json"), &LoadOptions::new("w")).unwrap_err();
    assert!(
        e.to_string().contains("unknown warninglist type \"glob\""),
        "{e}"
    );
    let l = load("wl_substring.json");
    assert_eq!(
        l.allow[0].value,
        Value::literal(b"tracker", true).unwrap(),
        "substring entries are case-insensitive literals"
    );
}

#[test]
fn load_path_files_and_directories() {
    // A directory of mixed feeds: each file detected, reports merged, formats mixed.
    let dir = std::env::temp_dir().join(format!("linerate-feeds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("drop.txt"), dir.join("a-drop.txt")).unwrap();
    std::fs::copy(fixture("zeek.intel"), dir.join("b.intel")).unwrap();
    std::fs::write(dir.join("c-bad.json"), b"{\"Event\": [").unwrap();
    std::fs::write(dir.join("LICENSE"), b"MIT License\n").unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, b"evil.example.com\n").unwrap();
    std::fs::write(dir.join("d.txt.gz"), gz.finish().unwrap()).unwrap();
    let l = load_path(&dir, &LoadOptions::new("dir")).unwrap();
    assert_eq!(l.report.total(), 3 + 8 + 1);
    assert_eq!(l.report.format, None, "mixed formats");
    let bad = l
        .report
        .skipped
        .iter()
        .find(|s| s.field.as_deref() == Some("c-bad.json"))
        .unwrap();
    assert!(bad.reason.contains("not valid misp JSON"), "{}", bad.reason);
    assert!(l
        .report
        .skipped
        .iter()
        .any(|s| s.field.as_deref() == Some("b.intel indicator_type") && s.line == Some(11)));
    // A single file's error names the path.
    let e = load_path(&dir.join("c-bad.json"), &LoadOptions::new("x")).unwrap_err();
    assert!(e.to_string().contains("c-bad.json"), "{e}");
    let e = load_path(&dir.join("missing"), &LoadOptions::new("x")).unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
    std::fs::write(dir.join("e.gz"), b"not gzip").unwrap();
    let e = load_path(&dir.join("e.gz"), &LoadOptions::new("x")).unwrap_err();
    assert!(e.to_string().contains("gunzip"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn warninglists_repository_layout() {
    // `lists/<name>/list.json`, as the MISP warninglists repository has them: every list of
    // the directory is loaded; subdirectories without `list.json` are passed over.
    let dir = std::env::temp_dir().join(format!("linerate-wl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, fx) in [("cidrs", "wl_cidr.json"), ("hosts", "wl_hostname.json")] {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::copy(fixture(fx), dir.join(name).join("list.json")).unwrap();
    }
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    std::fs::write(dir.join("empty").join("notes.txt"), b"evil.example.com\n").unwrap();
    let l = load_path(&dir, &LoadOptions::new("wl")).unwrap();
    let one =
        |fx| feed::load(&std::fs::read(fixture(fx)).unwrap(), &LoadOptions::new("x")).unwrap();
    let (a, b) = (one("wl_cidr.json"), one("wl_hostname.json"));
    let want = a.allow.len() + b.allow.len();
    assert!(!a.allow.is_empty() && !b.allow.is_empty());
    assert_eq!(l.allow.len(), want);
    assert_eq!(l.report.allow, a.report.allow + b.report.allow);
    assert!(l.indicators.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input() {
    let o = |f| LoadOptions {
        format: Some(f),
        ..LoadOptions::new("bad")
    };
    // Malformed JSON: the error names line and column.
    let e = feed::load(b"{\"type\":\"bundle\",\n\"objects\":[{]}", &o(Format::Stix)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadFeed);
    assert!(e.to_string().contains("line 2 column"), "{e}");
    let e = feed::load(br#"{"type":"bundle","objects":{}}"#, &o(Format::Stix)).unwrap_err();
    assert!(e.to_string().contains("\"objects\" is not an array"), "{e}");
    let e = feed::load(br#"{"nothing":1}"#, &o(Format::Misp)).unwrap_err();
    assert!(e.to_string().contains("not a MISP event export"), "{e}");
    let e = feed::load(br#"{"list":"x"}"#, &o(Format::Warninglist)).unwrap_err();
    assert!(e.to_string().contains("not an array"), "{e}");
    // JSON nested far beyond serde_json's recursion limit: an error, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for f in [Format::Stix, Format::Misp, Format::Warninglist] {
        assert!(feed::load(deep.as_bytes(), &o(f)).is_err());
    }
    assert_ne!(feed::detect(deep.as_bytes()), Some(Format::Stix));
    // A STIX pattern nested thousands deep is skipped with a reason.
    let pat = format!(
        "{}[ipv4-addr:value = '1.2.3.4']{}",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let doc = serde_json::json!({"type":"bundle","objects":[{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":pat,"pattern_type":"stix","spec_version":"2.1","valid_from":"2024-01-01T00:00:00Z"}, {"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000002","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","spec_version":"2.1","valid_from":"2024-01-01T00:00:00Z"}]});
    let l = feed::load(doc.to_string().as_bytes(), &o(Format::Stix)).unwrap();
    assert_eq!(l.report.total(), 1);
    assert!(l.report.skipped[0]
        .reason
        .contains("nesting deeper than 64"));
    // A gigantic line among good ones: skipped, the reason truncated.
    let mut big = b"good.example.com\n".to_vec();
    big.extend(std::iter::repeat_n(b'a', 5_000_000));
    big.extend_from_slice(b" x\n10.0.0.1\n");
    let l = feed::load(&big, &o(Format::Plain)).unwrap();
    assert_eq!(l.report.total(), 2);
    assert_eq!(l.report.skipped[0].line, Some(2));
    assert!(l.report.skipped[0].reason.len() < 300);
    // Invalid UTF-8 and NUL bytes in text feeds.
    let l = feed::load(
        b"evil.example.com\n\xff\xfe\x00bad\n1.2.3.4\n",
        &o(Format::Plain),
    )
    .unwrap();
    assert_eq!((l.report.total(), l.report.skipped_count), (2, 1));
    // Truncated files load what is complete.
    let z = bytes("zeek.intel");
    let l = feed::load(&z[..z.len() / 2], &o(Format::Zeek)).unwrap();
    assert!(l.report.total() > 0);
}

/// The STIX oracle sample (`formats-cases/stix_oracle_sample.jsonl`): for each pattern, how
/// many indicator values we load, and, where the observation is one value a log line can
/// carry, whether a line holding it gives a sighting under linerate's semantics (the
/// reference's `DEVIATION` cases differ on purpose: normalized values, CIDR on `=`,
/// `LIKE '%.x'` including x).
#[test]
fn stix_oracle_sample() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(path) = [
        here.join("../shared/formats-cases/stix_oracle_sample.jsonl"),
        PathBuf::from("/work/shared/formats-cases/stix_oracle_sample.jsonl"),
    ]
    .into_iter()
    .find(|p| p.is_file()) else {
        eprintln!("formats-cases not found: skipping");
        return;
    };
    // (id, atoms loaded (None: the pattern is rejected), sighting on the observed value)
    let expected: &[(&str, Option<usize>, Option<bool>)] = &[
        ("stix-000", Some(1), Some(true)),
        ("stix-001", Some(1), Some(false)),
        ("stix-002", Some(1), None),
        ("stix-003", Some(2), Some(true)),
        ("stix-004", Some(1), Some(true)),
        ("stix-005", Some(1), Some(false)),
        ("stix-006", Some(1), None),
        ("stix-007", Some(0), None),
        ("stix-008", Some(1), Some(true)),
        ("stix-009", Some(1), Some(true)),
        ("stix-010", Some(0), None),
        ("stix-011", Some(0), None),
        ("stix-012", Some(2), Some(true)),
        ("stix-013", Some(2), Some(true)),
        ("stix-014", Some(2), Some(true)),
        ("stix-015", Some(0), None),
        ("stix-016", Some(0), None),
        ("stix-017", Some(0), None),
        ("stix-018", Some(1), Some(true)),
        ("stix-019", Some(1), Some(true)),
        ("stix-020", Some(1), Some(true)),
        ("stix-021", Some(1), Some(true)),
        ("stix-022", Some(1), Some(true)),
        ("stix-023", Some(1), None),
        ("stix-024", Some(1), Some(false)),
        ("stix-025", Some(1), Some(true)),
        ("stix-026", Some(1), Some(true)),
        ("stix-027", Some(1), Some(true)),
        ("stix-028", Some(1), Some(true)),
        ("stix-029", Some(1), Some(true)),
        ("stix-030", Some(1), Some(true)),
        ("stix-031", Some(1), Some(true)),
        ("stix-032", Some(1), Some(true)),
        ("stix-033", Some(1), Some(true)),
        ("stix-034", Some(1), Some(true)),
        ("stix-035", Some(1), Some(true)),
        ("stix-036", Some(1), Some(true)),
        ("stix-037", Some(1), Some(true)),
        ("stix-038", Some(1), Some(true)),
        ("stix-039", Some(2), Some(true)),
        ("stix-040", Some(0), None),
        ("stix-041", Some(1), None),
        ("stix-042", Some(1), Some(true)),
        ("stix-043", Some(1), Some(true)),
        ("stix-044", Some(1), None),
        ("stix-045", Some(1), None),
        ("stix-046", Some(0), None),
        ("stix-047", Some(0), None),
        ("stix-048", Some(1), None),
        ("stix-049", Some(1), None),
        ("stix-050", Some(0), None),
        ("stix-051", Some(0), None),
        ("stix-052", None, None),
        ("stix-053", None, None),
        ("stix-054", None, None),
        ("stix-055", None, None),
        ("stix-056", None, None),
        ("stix-057", None, None),
        ("stix-058", Some(0), None),
        ("stix-059", None, None),
        ("stix-060", None, None),
        ("stix-061", Some(0), None),
    ];
    let text = std::fs::read_to_string(path).unwrap();
    let cases: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cases.len(), expected.len());
    for (case, &(id, atoms, hit)) in cases.iter().zip(expected) {
        assert_eq!(case["id"], id);
        let pattern = case["pattern"].as_str().unwrap();
        match feed::stix_pattern::compile_pattern(pattern) {
            Err(e) => assert_eq!(atoms, None, "{id} {pattern}: {e}"),
            Ok(c) => {
                assert_eq!(
                    Some(c.atoms.len()),
                    atoms,
                    "{id} {pattern}: {:?}",
                    c.skipped
                );
                if c.atoms.is_empty() {
                    assert!(!c.skipped.is_empty(), "{id}: a reason is given");
                }
            }
        }
        // Through the STIX loader and the database.
        let doc = serde_json::json!([{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":pattern,"pattern_type":"stix"}]);
        let l = feed::load(doc.to_string().as_bytes(), &LoadOptions::new("oracle")).unwrap();
        assert_eq!(Some(l.report.total()), atoms.or(Some(0)), "{id}");
        let Some(want) = hit else { continue };
        let obs = &case["observation"][0];
        let observed = obs["value"]
            .as_str()
            .map(str::to_string)
            .or_else(|| {
                obs["hashes"].as_object().map(|h| {
                    h.values()
                        .filter_map(|v| v.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            })
            .unwrap();
        let mut b = Builder::new();
        l.add_to(&mut b).unwrap();
        let db = b.build().unwrap();
        let mut scratch = Scratch::new();
        let line = format!("seen {observed} here");
        let mut n = 0;
        db.scan_line(line.as_bytes(), &mut scratch, Timestamp(1714521600), |_| {
            n += 1
        });
        assert_eq!(n > 0, want, "{id}: {pattern} on {line:?}");
    }
}

#[test]
fn misp_attribute_search_and_bom_json() {
    // REST attribute search result, with a UTF-8 BOM and CRLF line ends.
    let doc = b"\xEF\xBB\xBF{\"response\":{\"Attribute\":[\r\n{\"type\":\"ip-dst\",\"value\":\"192.0.2.9\",\"to_ids\":\"1\",\"uuid\":\"a1\"},\r\n{\"type\":\"text\",\"value\":\"x\",\"to_ids\":false}]}}\r\n";
    assert_eq!(feed::detect(doc), Some(Format::Misp));
    let l = feed::load(doc, &LoadOptions::new("api")).unwrap();
    assert_eq!(values(&l), ["ip 192.0.2.9"]);
    assert_eq!(l.indicators[0].meta.refs, ["a1"]);
    assert_eq!(l.report.ignored, 1);
    // A BOM before a STIX bundle and a warninglist.
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend_from_slice(&bytes("taxii_envelope.json"));
    assert_eq!(feed::detect(&b), Some(Format::Stix));
    assert_eq!(
        feed::load(&b, &LoadOptions::new("t"))
            .unwrap()
            .report
            .total(),
        1
    );
    let mut b = b"\xEF\xBB\xBF".to_vec();
    b.extend_from_slice(&bytes("wl_cidr.json"));
    assert_eq!(
        feed::load(&b, &LoadOptions::new("w")).unwrap().report.allow,
        3
    );
}

#[test]
fn report_display() {
    let l = load("zeek.intel");
    let s = l.report.to_string();
    assert!(s.starts_with("fx (zeek): 8 indicators (ip 2, domain 1, url 1, email 1, md5 1, sha1 1, sha256 1), 8 skipped, 0 ignored"), "{s}");
    let skip = l.report.skipped[0].to_string();
    assert_eq!(
        skip,
        "line 11: indicator_type: Intel::USER_NAME indicators cannot be matched by linerate"
    );
}

#[test]
fn misp_non_ascii_tags() {
    // Regression: a tag whose 4th byte is inside a multi-byte character.
    let doc = r#"{"Event":{"uuid":"e","Tag":[{"name":"abcé"},{"name":"TLP:GREEN"}],"Attribute":[{"type":"domain","value":"bücher.example","to_ids":true}]}}"#;
    let l = feed::load(doc.as_bytes(), &LoadOptions::new("m")).unwrap();
    assert_eq!(values(&l), ["domain xn--bcher-kva.example exact"]);
    assert_eq!(l.indicators[0].meta.tags, ["abcé", "TLP:GREEN"]);
    assert_eq!(l.indicators[0].meta.tlp, Some(Tlp::Green));
}

#[test]
fn zeek_whitelist_rows_are_allowlist_entries() {
    let text = b"#fields\tindicator\tindicator_type\tmeta.source\tmeta.whitelist\nmeta.wikimedia.org\tIntel::DOMAIN\tsource2\tT\nevil.example.com\tIntel::DOMAIN\tsource2\tF\n";
    let l = linerate::feed::load(text, &linerate::feed::LoadOptions::new("w")).unwrap();
    assert_eq!(l.indicators.len(), 1);
    assert_eq!(l.indicators[0].value.to_string(), "evil.example.com");
    assert_eq!(l.allow.len(), 1);
    assert_eq!(l.allow[0].value.to_string(), "meta.wikimedia.org");
    assert_eq!(l.report.allow, 1);
}
