//! Refanging: undo the defanging that analysts apply to indicators in reports and feeds.
//!
//! Applied to one candidate value at a time (never to free text), for the kinds where a
//! defanged form is unambiguous: ip, domain, url, email. Word forms (`dot`, `at`) are only
//! recognised when bracketed, so ordinary words are never rewritten.

use std::borrow::Cow;

/// Bracketed or spelled-out separators and their refanged form (matched case-insensitively).
const SUBSTITUTIONS: &[(&str, &str)] = &[
    ("[://]", "://"),
    ("[:]//", "://"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[,]", "."),
    ("(,)", "."),
    ("[:]", ":"),
    ("(:)", ":"),
    ("[@]", "@"),
    ("(@)", "@"),
    ("{@}", "@"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("{at}", "@"),
    ("[/]", "/"),
    ("(/)", "/"),
];

/// Defanged schemes and what they stand for (matched case-insensitively at the start).
const SCHEMES: &[(&str, &str)] = &[
    ("hxxps", "https"),
    ("hxxp", "http"),
    ("hxtps", "https"),
    ("hxtp", "http"),
    ("htxps", "https"),
    ("htxp", "http"),
    ("h[tt]ps", "https"),
    ("h[tt]p", "http"),
    ("h__ps", "https"),
    ("h__p", "http"),
    ("meows", "https"),
    ("meow", "http"),
    ("fxp", "ftp"),
];

/// Returns `s` with defanged separators and schemes restored.
///
/// ```
/// use linerate::indicator::refang;
/// assert_eq!(refang("hxxps[:]//evil[.]example(.)com/x"), "https://evil.example.com/x");
/// assert_eq!(refang("bad[at]evil[dot]com"), "bad@evil.com");
/// assert_eq!(refang("plain.example.com"), "plain.example.com");
/// ```
pub fn refang(s: &str) -> Cow<'_, str> {
    let needs_sub = s.bytes().any(|b| matches!(b, b'[' | b'(' | b'{'));
    let scheme = SCHEMES.iter().find(|(from, _)| {
        s.len() > from.len()
            && s.is_char_boundary(from.len())
            && s[..from.len()].eq_ignore_ascii_case(from)
            && {
                let rest = &s[from.len()..];
                rest.starts_with("://") || rest.starts_with("[:]") || rest.starts_with("[://]")
            }
    });
    if !needs_sub && scheme.is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    if let Some((from, to)) = scheme {
        out.push_str(to);
        rest = &s[from.len()..];
    }
    'outer: while !rest.is_empty() {
        if matches!(rest.as_bytes()[0], b'[' | b'(' | b'{') {
            for (from, to) in SUBSTITUTIONS {
                if rest.len() >= from.len()
                    && rest.is_char_boundary(from.len())
                    && rest[..from.len()].eq_ignore_ascii_case(from)
                {
                    out.push_str(to);
                    rest = &rest[from.len()..];
                    continue 'outer;
                }
            }
        }
        let ch = rest.chars().next().unwrap_or('\0');
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::refang;

    #[test]
    fn forms() {
        for (i, o) in [
            (
                "hxxp://evil-site[.]com/gate.php",
                "http://evil-site.com/gate.php",
            ),
            (
                "hXXps[:]//bad(.)evil-site{.}net/x",
                "https://bad.evil-site.net/x",
            ),
            ("192[.]168[.]1[.]1", "192.168.1.1"),
            ("bad(at)evil-site(dot)net", "bad@evil-site.net"),
            ("user[@]example[DOT]org", "user@example.org"),
            ("h[tt]p://x[.]com", "http://x.com"),
            ("meow://x.com", "http://x.com"),
            ("fxp://files[.]example[.]org/a", "ftp://files.example.org/a"),
            ("5[,]6[,]7(,)8", "5.6.7.8"),
            ("[2001:db8::1]:443", "[2001:db8::1]:443"),
            ("hxxpfoo.com", "hxxpfoo.com"),
            ("ünïcode[.]de", "ünïcode.de"),
        ] {
            assert_eq!(refang(i), o, "{i}");
        }
    }
}
