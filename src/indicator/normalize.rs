//! Byte-level normalization shared by indicator parsing and the scanners.
//!
//! Indicators and observations go through the *same* functions, so a value found in a line
//! and a value loaded from a feed compare equal exactly when their normalized keys do.
//! Each function writes into a caller-owned buffer: the scan path reuses one per thread.

/// Longest domain name accepted (RFC 1035, without the trailing dot).
pub const MAX_DOMAIN_LEN: usize = 253;
/// Longest label accepted.
pub const MAX_LABEL_LEN: usize = 63;

/// Default port of a URL scheme (dropped from match keys). Schemeless URLs default to 80,
/// as Zeek's `HTTP::build_url` does.
fn default_port(scheme: &[u8]) -> Option<u16> {
    let mut s = [0u8; 8];
    if scheme.len() > s.len() {
        return None;
    }
    for (d, c) in s.iter_mut().zip(scheme) {
        *d = c.to_ascii_lowercase();
    }
    match &s[..scheme.len()] {
        b"" | b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

/// Normalizes a domain name into `out` (cleared first): one trailing dot stripped, Unicode
/// mapped to punycode (UTS #46), ASCII lowercased; labels 1–63 bytes of `[a-z0-9_-]`, total
/// at most 253. Does not require more than one label: callers decide.
///
/// Cost: linear in the name; allocates only for non-ASCII names (IDNA mapping).
pub fn domain(input: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    out.clear();
    let name = input.strip_suffix(b".").unwrap_or(input);
    if name.is_empty() {
        return Err("empty name");
    }
    if name.is_ascii() {
        out.extend(name.iter().map(u8::to_ascii_lowercase));
    } else {
        let s = std::str::from_utf8(name).map_err(|_| "not valid UTF-8")?;
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("contains whitespace or control characters");
        }
        let ascii =
            idna::domain_to_ascii(s).map_err(|_| "not a valid internationalized name (IDNA)")?;
        out.extend_from_slice(ascii.strip_suffix('.').unwrap_or(&ascii).as_bytes());
    }
    check_ascii_domain(out)
}

/// Validates an already lowercased ASCII name.
pub(crate) fn check_ascii_domain(name: &[u8]) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty name");
    }
    if name.len() > MAX_DOMAIN_LEN {
        return Err("name longer than 253 bytes");
    }
    for label in name.split(|&b| b == b'.') {
        if label.is_empty() {
            return Err("empty label");
        }
        if label.len() > MAX_LABEL_LEN {
            return Err("label longer than 63 bytes");
        }
        if !label
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err("label has a character other than letters, digits, '-' and '_'");
        }
    }
    Ok(())
}

/// Appends the decimal digits of `v` (no allocation).
fn push_decimal(v: u16, out: &mut Vec<u8>) {
    let mut digits = [0u8; 5];
    let mut n = 0;
    let mut x = v;
    loop {
        digits[n] = b'0' + (x % 10) as u8;
        n += 1;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    out.extend(digits[..n].iter().rev());
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Appends `s` with percent-escapes of unreserved characters decoded and the hex digits of
/// the other escapes uppercased (RFC 3986 §6.2.2).
fn push_percent_normalized(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex_val(s[i + 1]), hex_val(s[i + 2])) {
                let v = h << 4 | l;
                if is_unreserved(v) {
                    out.push(v);
                } else {
                    out.push(b'%');
                    out.push(s[i + 1].to_ascii_uppercase());
                    out.push(s[i + 2].to_ascii_uppercase());
                }
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
}

/// Computes the URL match key of `input` into `out` (cleared first).
///
/// The key is `host[:port]/path[?query]`: scheme, userinfo and fragment dropped, host
/// normalized as a domain (or an IP literal, IPv6 kept in brackets), the scheme's default
/// port dropped (80 when there is no scheme), empty path made `/`, and percent-escapes of
/// unreserved characters decoded in path and query. Path and query are otherwise kept as-is
/// (case and `..` segments included).
///
/// ```
/// let mut k = Vec::new();
/// linerate::indicator::normalize::url_key(b"HTTP://user:pw@Evil.COM:80/A%2fb%7e?q=1#frag", &mut k).unwrap();
/// assert_eq!(k, b"evil.com/A%2Fb~?q=1");
/// ```
pub fn url_key(input: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    out.clear();
    let (scheme, rest) = match memchr::memmem::find(input, b"://") {
        Some(p)
            if p > 0
                && input[0].is_ascii_alphabetic()
                && input[..p]
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            (&input[..p], &input[p + 3..])
        }
        _ => (&b""[..], input),
    };
    let rest = match memchr::memchr(b'#', rest) {
        Some(p) => &rest[..p],
        None => rest,
    };
    let auth_end = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?' || b == b'\\')
        .unwrap_or(rest.len());
    let (authority, path_query) = rest.split_at(auth_end);
    let hostport = match memchr::memrchr(b'@', authority) {
        Some(p) => &authority[p + 1..],
        None => authority,
    };
    let (host, port) = split_host_port(hostport)?;
    if host.is_empty() {
        return Err("no host");
    }
    if host[0] == b'[' {
        let inner = &host[1..host.len() - 1];
        let s = std::str::from_utf8(inner).map_err(|_| "bad IPv6 host")?;
        let s = s.split('%').next().unwrap_or(s);
        let a: std::net::Ipv6Addr = s.parse().map_err(|_| "bad IPv6 host")?;
        out.push(b'[');
        // Formatted on the stack: the scan path allocates nothing (an IPv6 text is at most
        // 45 bytes).
        let mut tmp = [0u8; 64];
        let free = {
            let mut w = &mut tmp[..];
            let _ = std::io::Write::write_fmt(&mut w, format_args!("{a}"));
            w.len()
        };
        out.extend_from_slice(&tmp[..64 - free]);
        out.push(b']');
    } else {
        domain(host, out).map_err(|_| "bad host")?;
    }
    if let Some(p) = port {
        if default_port(scheme) != Some(p) {
            out.push(b':');
            push_decimal(p, out);
        }
    }
    if path_query.is_empty() || path_query[0] == b'?' {
        out.push(b'/');
    }
    push_percent_normalized(path_query, out);
    Ok(())
}

/// Splits `host[:port]` / `[v6]:port`; the port must be 1–5 digits, 0–65535.
fn split_host_port(hp: &[u8]) -> Result<(&[u8], Option<u16>), &'static str> {
    let (host, port) = if hp.first() == Some(&b'[') {
        let close = memchr::memchr(b']', hp).ok_or("unclosed '[' in host")?;
        let after = &hp[close + 1..];
        match after {
            [] => (&hp[..=close], None),
            [b':', p @ ..] => (&hp[..=close], Some(p)),
            _ => return Err("junk after IPv6 host"),
        }
    } else {
        match memchr::memrchr(b':', hp) {
            Some(c) => (&hp[..c], Some(&hp[c + 1..])),
            None => (hp, None),
        }
    };
    let port = match port {
        None => None,
        Some([]) => None,
        Some(p) => {
            if p.len() > 5 || !p.iter().all(u8::is_ascii_digit) {
                return Err("bad port");
            }
            let v = p.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
            Some(u16::try_from(v).map_err(|_| "port above 65535")?)
        }
    };
    Ok((host, port))
}

/// Normalizes an email address into `out`: split at the last `@`, local part ASCII-lowercased,
/// domain normalized as a domain (and required to have two labels).
pub fn email(input: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    out.clear();
    let at = memchr::memrchr(b'@', input).ok_or("no '@'")?;
    let (local, dom) = (&input[..at], &input[at + 1..]);
    if local.is_empty() {
        return Err("empty local part");
    }
    if local.iter().any(|&b| b <= b' ' || b == 0x7f || b == b'@') {
        return Err("local part has whitespace, control characters or '@'");
    }
    let mut d = Vec::new();
    domain(dom, &mut d)?;
    if !d.contains(&b'.') {
        return Err("domain has a single label");
    }
    out.extend(local.iter().map(u8::to_ascii_lowercase));
    out.push(b'@');
    out.extend_from_slice(&d);
    Ok(())
}

/// Decodes a hex string (either case) into `out`; `None` on a non-hex digit or odd length.
pub fn hex_decode(hex: &[u8], out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    if hex.len() % 2 != 0 {
        return None;
    }
    for pair in hex.chunks_exact(2) {
        out.push(hex_val(pair[0])? << 4 | hex_val(pair[1])?);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Result<String, &'static str> {
        let mut v = Vec::new();
        url_key(s.as_bytes(), &mut v).map(|_| String::from_utf8(v).unwrap())
    }

    #[test]
    fn url_keys() {
        for (i, o) in [
            ("http://evil.com", "evil.com/"),
            ("http://evil.com/", "evil.com/"),
            ("https://EVIL.com:443/a?b=C#x", "evil.com/a?b=C"),
            ("https://evil.com:80/a", "evil.com:80/a"),
            ("http://evil.com:8080/a", "evil.com:8080/a"),
            ("evil.com/a/b", "evil.com/a/b"),
            ("evil.com:80/a", "evil.com/a"),
            ("http://u:p@evil.com./%41%2f%7E", "evil.com/A%2F~"),
            ("http://[2001:DB8::1]:8443/x", "[2001:db8::1]:8443/x"),
            ("http://1.2.3.4/x", "1.2.3.4/x"),
            ("http://bücher.de/", "xn--bcher-kva.de/"),
            ("http://evil.com?q", "evil.com/?q"),
            ("http://evil.com/%zz", "evil.com/%zz"),
            ("http://evil.com/%4", "evil.com/%4"),
        ] {
            assert_eq!(key(i).as_deref(), Ok(o), "{i}");
        }
        for bad in [
            "http://",
            "http://:80/",
            "http://evil.com:99999/",
            "http://[::1/",
            "http://a..b/",
        ] {
            assert!(key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn domains_and_emails() {
        let mut v = Vec::new();
        domain(b"EVIL.Example.COM.", &mut v).unwrap();
        assert_eq!(v, b"evil.example.com");
        domain("Bücher.example".as_bytes(), &mut v).unwrap();
        assert_eq!(v, b"xn--bcher-kva.example");
        assert!(domain(b"a..b", &mut v).is_err());
        assert!(domain(&[b'a'; 64], &mut v).is_err());
        email(b"John.Doe@Evil-Site.NET", &mut v).unwrap();
        assert_eq!(v, b"john.doe@evil-site.net");
        assert!(email(b"a@localhost", &mut v).is_err());
        assert!(email(b"@x.com", &mut v).is_err());
    }
}
