//! Hosts-file blocklists (StevenBlack, URLhaus hostfile) and AdBlock domain rules.
//!
//! `IP<ws>host [host...] [# comment]`: the IP is a sinkhole, not an indicator; each host is
//! an exact-match domain indicator (a hosts file blocks that name, not its subdomains). The
//! standard preamble entries (`localhost`, `broadcasthost`, `ip6-*`...) are ignored and
//! counted. A line holding only a name is taken as that name. AdBlock `||domain^` means
//! the domain and its subdomains; other AdBlock rules are skipped, `!` lines are comments.

use super::{lines, Format, LoadOptions, LoadReport, Loaded};
use crate::error::truncate;
use crate::indicator::{Indicator, Kind, Meta, Value};
use std::net::IpAddr;

/// Names found in every hosts file's preamble, never indicators.
const PREAMBLE: &[&str] = &[
    "localhost",
    "localhost.localdomain",
    "local",
    "broadcasthost",
    "ip6-localhost",
    "ip6-loopback",
    "ip6-localnet",
    "ip6-mcastprefix",
    "ip6-allnodes",
    "ip6-allrouters",
    "ip6-allhosts",
    "0.0.0.0",
];

fn push_domain(out: &mut Loaded, opts: &LoadOptions, n: usize, name: &str, exact: bool) {
    match Value::parse(Kind::Domain, name) {
        Ok(v) => {
            let mut ind = Indicator::new(v, Meta::source(opts.source.clone()));
            ind.exact = exact;
            out.push(ind);
        }
        Err(e) => out.report.skip(Some(n), None, e.to_string()),
    }
}

/// Loads a hosts file or AdBlock domain list. Never fails: bad lines are skipped with
/// their number and reason.
pub fn load_hosts(bytes: &[u8], opts: &LoadOptions) -> Loaded {
    let mut out = Loaded::default();
    hosts_into(bytes, opts, &mut out);
    out
}

/// [`load_hosts`] into `out` (whose report it replaces).
pub(crate) fn hosts_into(bytes: &[u8], opts: &LoadOptions, out: &mut Loaded) {
    out.report = LoadReport::new(&opts.source, Format::Hosts);
    for (n, raw) in lines(bytes) {
        let text = String::from_utf8_lossy(raw);
        let mut line = text.trim();
        if line.starts_with('!') || line.starts_with('[') {
            continue; // AdBlock comment or header
        }
        if let Some(p) = line.find('#') {
            if p == 0 || line[..p].ends_with(char::is_whitespace) {
                line = line[..p].trim_end();
            }
        }
        if line.is_empty() {
            continue;
        }
        if let Some(rule) = line.strip_prefix("||") {
            let name = rule.split('$').next().unwrap_or("");
            match name.strip_suffix('^') {
                Some(d) if !d.contains(['/', '*', '^']) => {
                    push_domain(out, opts, n, d, opts.exact_domains)
                }
                _ => out.report.skip(
                    Some(n),
                    None,
                    format!(
                        "AdBlock rule {:?} is not a plain ||domain^ rule",
                        truncate(line, 60)
                    ),
                ),
            }
            continue;
        }
        let mut tokens = line.split_whitespace();
        let first = tokens.next().unwrap_or("");
        if first.parse::<IpAddr>().is_err() {
            if tokens.next().is_some() {
                out.report.skip(
                    Some(n),
                    None,
                    format!(
                        "expected 'IP host...', found {:?} (the first field is not an IP address)",
                        truncate(first, 40)
                    ),
                );
            } else if PREAMBLE.contains(&first.to_ascii_lowercase().as_str()) {
                out.report.ignored += 1;
            } else {
                push_domain(out, opts, n, first, true);
            }
            continue;
        }
        let mut any = false;
        for host in tokens {
            any = true;
            if PREAMBLE.contains(&host.to_ascii_lowercase().as_str()) {
                out.report.ignored += 1;
            } else {
                push_domain(out, opts, n, host, true);
            }
        }
        if !any {
            out.report.skip(
                Some(n),
                None,
                format!("{:?}: an IP address but no host name", truncate(first, 40)),
            );
        }
    }
}
