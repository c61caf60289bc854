#!/usr/bin/env python3
"""Generates line_cases.json from the compact case list below.

Expected spans are written as the expected substring of the line (and which occurrence);
this script turns them into byte offsets so the JSON file is explicit and language-neutral.
Run it after editing: `python3 tests/cases/gen_line_cases.py` (writes line_cases.json next
to this file). The JSON file is the source of truth for every runner; this script only
saves counting bytes by hand.
"""

import json
import os

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SHA512 = ("cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
          "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
CATCH_V6 = [("ip", "::/1"), ("ip", "8000::/1")]
CATCH_V4 = [("ip", "0.0.0.0/1"), ("ip", "128.0.0.0/1")]

CASES = []


def ind(kind, value, **kw):
    d = {"kind": kind, "value": value}
    d.update(kw)
    return d


def norm_ind(x):
    if isinstance(x, tuple):
        return ind(*x)
    return x


def case(name, inds, line, expect, allow=(), now=None, note=None, **kw):
    """expect: list of (kind, substring, indicator[, occurrence]) or explicit dicts."""
    c = {"name": name}
    if note:
        c["note"] = note
    c["indicators"] = [norm_ind(i) for i in inds]
    if allow:
        c["allow"] = [norm_ind(a) for a in allow]
    if now is not None:
        c["now"] = now
    raw = None
    if isinstance(line, str):
        c["line"] = line
        raw = line.encode("utf-8")
    elif isinstance(line, bytes):
        c["line_hex"] = line.hex()
        raw = line
    else:  # parts: list of (text-or-bytes, times)
        parts = []
        raw = b""
        for piece, times in line:
            p = {"text": piece} if isinstance(piece, str) else {"hex": piece.hex()}
            if times != 1:
                p["times"] = times
            parts.append(p)
            b = piece.encode("utf-8") if isinstance(piece, str) else piece
            raw += b * times
        c["line_parts"] = parts
    exp = []
    for e in expect:
        if isinstance(e, dict):
            exp.append(e)
            continue
        kind, sub, value = e[0], e[1], e[2]
        occ = e[3] if len(e) > 3 else 0
        sb = sub.encode("utf-8") if isinstance(sub, str) else sub
        pos = -1
        for _ in range(occ + 1):
            pos = raw.find(sb, pos + 1)
            assert pos >= 0, (name, sub, occ)
        exp.append({"kind": kind, "start": pos, "end": pos + len(sb), "indicator": value})
    exp.sort(key=lambda x: (x["start"], x["end"], x["kind"], x["indicator"]))
    c["expect"] = exp
    c.update(kw)
    CASES.append(c)


# ------------------------------------------------------------------------------ IPv4
case("ipv4_plain", [("ip", "1.2.3.4")], "src=1.2.3.4 dst=5.6.7.8",
     [("ip", "1.2.3.4", "1.2.3.4")])
case("ipv4_longer_last_octet", [("ip", "1.2.3.4")], "to 1.2.3.45 and 11.2.3.4", [])
case("ipv4_five_parts", [("ip", "1.2.3.4"), ("ip", "2.3.4.5")], "version 1.2.3.4.5", [])
case("ipv4_letter_before", [("ip", "1.2.3.4")], "x1.2.3.4 1.2.3.4x", [])
case("ipv4_underscore_neighbours", [("ip", "1.2.3.4")], "_1.2.3.4 1.2.3.4_", [])
case("ipv4_trailing_sentence_dot", [("ip", "1.2.3.4")], "seen 1.2.3.4.",
     [("ip", "1.2.3.4", "1.2.3.4")])
case("ipv4_brackets", [("ip", "1.2.3.4")], "[1.2.3.4]", [("ip", "1.2.3.4", "1.2.3.4")])
case("ipv4_key_value_comma", [("ip", "1.2.3.4")], "ip=1.2.3.4,port=80",
     [("ip", "1.2.3.4", "1.2.3.4")])
case("ipv4_dot_digit_left", [("ip", "1.2.3.4"), ("ip", "9.1.2.3")], "9.1.2.3.4", [],
     note="a '.' before the first octet is always followed by a digit: no address either way")
case("ipv4_dates_and_versions", CATCH_V4, "2018.12.15.14.05.43 18.12.15.1411111111 1.2.3", [])
case("ipv4_leading_zero_octets", [("ip", "10.1.1.1"), ("ip", "8.1.1.1")], "010.1.1.1 10.01.1.1 00.1.1.1", [],
     note="leading zeros are ambiguous (octal): not addresses")
case("ipv4_out_of_range", [("ip", "99.1.1.1"), ("ip", "1.1.1.1")], "999.1.1.1 1.1.1.256", [])
case("ipv4_empty_octet", [("ip", "0.0.0.0/1"), ("ip", "128.0.0.0/1")],
     "99..1.1.1 1.1..1.1 x:1.1.1..1 1..1.1.1:80 9.9.9.9", [("ip", "9.9.9.9", "0.0.0.0/1")],
     note="four groups of digits around an empty label are not an address")
case("ipv4_unicode_neighbours", [("ip", "1.2.3.4")], "é1.2.3.4 1.2.3.4é →1.2.3.4←",
     [("ip", "1.2.3.4", "1.2.3.4", 2)],
     note="letters are Unicode letters; an arrow is not a letter")
case("ipv4_port_any_indicator", [("ip", "1.2.3.4")], "conn 1.2.3.4:443 ok",
     [("ip", "1.2.3.4", "1.2.3.4")])
case("ipv4_port_indicator", [("ip", "1.2.3.4:443")], "conn 1.2.3.4:443 ok",
     [("ip", "1.2.3.4:443", "1.2.3.4:443")])
case("ipv4_port_indicator_other_port", [("ip", "1.2.3.4:443")], "1.2.3.4:8443 1.2.3.4:44 1.2.3.4 1.2.3.4:4430", [])
case("ipv4_port_every_covering", [("ip", "1.2.3.4"), ("ip", "1.2.3.4:443"), ("ip", "1.2.3.0/24")],
     "1.2.3.4:443",
     [("ip", "1.2.3.4", "1.2.3.4"), ("ip", "1.2.3.4", "1.2.3.0/24"), ("ip", "1.2.3.4:443", "1.2.3.4:443")])
case("ipv4_port_out_of_range", [("ip", "1.2.3.4"), ("ip", "1.2.3.4:6553")], "1.2.3.4:65536 1.2.3.4:655350",
     [("ip", "1.2.3.4", "1.2.3.4", 0), ("ip", "1.2.3.4", "1.2.3.4", 1)],
     note="a port above 65535 or longer than 5 digits is no port: the address alone is observed")
case("ipv4_cidr_overlaps", [("ip", "10.0.0.0/8"), ("ip", "10.1.0.0/16"), ("ip", "10.1.2.3"), ("ip", "11.0.0.0/8")],
     "from 10.1.2.3 to 10.2.0.1",
     [("ip", "10.1.2.3", "10.0.0.0/8"), ("ip", "10.1.2.3", "10.1.0.0/16"), ("ip", "10.1.2.3", "10.1.2.3"),
      ("ip", "10.2.0.1", "10.0.0.0/8")])
case("ipv4_in_url_with_port", [("ip", "1.2.3.4:8080"), ("ip", "1.2.3.4")], "GET http://1.2.3.4:8080/x",
     [("ip", "1.2.3.4", "1.2.3.4"), ("ip", "1.2.3.4:8080", "1.2.3.4:8080")])
case("ipv4_defanged_indicator", [("ip", "1[.]2[.]3[.]4"), ("ip", "5(.)6(.)7(.)8")], "1.2.3.4 5.6.7.8",
     [("ip", "1.2.3.4", "1.2.3.4"), ("ip", "5.6.7.8", "5.6.7.8")])
case("ipv4_slash_in_line", [("ip", "10.0.0.0/8")], "net 10.0.0.0/8 host 10.9.9.9/32",
     [("ip", "10.0.0.0", "10.0.0.0/8"), ("ip", "10.9.9.9", "10.0.0.0/8")],
     note="a CIDR in a line is observed as its address")
case("ipv4_catch_all_many", CATCH_V4, "a 0.0.0.0 b 255.255.255.255 c 127.0.0.1:0",
     [("ip", "0.0.0.0", "0.0.0.0/1"), ("ip", "255.255.255.255", "128.0.0.0/1"), ("ip", "127.0.0.1", "0.0.0.0/1")])

# ------------------------------------------------------------------------------ IPv6
case("ipv6_noncanonical", [("ip", "2001:db8::1")], "from 2001:DB8:0:0::1 x",
     [("ip", "2001:DB8:0:0::1", "2001:db8::1")])
case("ipv6_full_form", [("ip", "2001:db8::1")], "2001:0db8:0000:0000:0000:0000:0000:0001",
     [("ip", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1")])
case("ipv6_bracket_port", [("ip", "2001:db8::1"), ("ip", "[2001:db8::1]:443")], "[2001:db8::1]:443",
     [("ip", "2001:db8::1", "2001:db8::1"), ("ip", "[2001:db8::1]:443", "[2001:db8::1]:443")],
     note="a port-specific sighting spans the whole [address]:port")
case("ipv6_bracket_other_port", [("ip", "[2001:db8::1]:443")], "[2001:db8::1]:80 [2001:db8::1]", [])
case("ipv6_unbracketed_port_is_address", [("ip", "2001:db8::1"), ("ip", "[2001:db8::1]:443"), ("ip", "2001:db8::1:443")],
     "2001:db8::1:443",
     [("ip", "2001:db8::1:443", "2001:db8::1:443")],
     note="2001:db8::1:443 is an address, never address + port")
case("ipv6_zone", [("ip", "fe80::1")], "ping fe80::1%eth0 ok",
     [("ip", "fe80::1%eth0", "fe80::1")], note="the zone is in the span, not in the value")
case("ipv6_zone_sentence_dot", [("ip", "fe80::1")], "via fe80::1%eth0. then fe80::1%eth0.100 x",
     [("ip", "fe80::1%eth0", "fe80::1", 0), ("ip", "fe80::1%eth0.100", "fe80::1")],
     note="a trailing dot after a zone ends the sentence")
case("ipv6_eight_colons", [("ip", "1:2:3:4:5:6:7::"), ("ip", "::2:3:4:5:6:7:8")], "a 1:2:3:4:5:6:7:: b ::2:3:4:5:6:7:8 c",
     [("ip", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"), ("ip", "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8")],
     note="'::' standing for one group gives 8 colons: still a valid textual form")
case("ipv6_prefix", [("ip", "2001:db8::/32")], "2001:db8:1:2::5 and 2001:db9::1",
     [("ip", "2001:db8:1:2::5", "2001:db8::/32")])
case("ipv6_times_macs_not_addresses", CATCH_V6, "time 10:30:00 mac 00:11:22:33:44:55 12:34 1:2:3:4:5:6:7:8:9", [])
case("ipv6_letter_neighbours", CATCH_V6, "x2001:db8::1 2001:db8::1g _::1 ::1_", [])
case("ipv6_prefix_separator", [("ip", "2001:db8::1")], "ip:2001:db8::1, next",
     [("ip", "2001:db8::1", "2001:db8::1")])
case("ipv6_trailing_dot", [("ip", "2001:db8::1")], "reach 2001:db8::1.",
     [("ip", "2001:db8::1", "2001:db8::1")])
case("ipv6_in_url_port", [("ip", "[2001:db8::1]:8080")], "GET http://[2001:db8::1]:8080/x",
     [("ip", "[2001:db8::1]:8080", "[2001:db8::1]:8080")])
case("ipv6_mapped_dotted", [("ip", "1.2.3.4")] + CATCH_V6, "addr ::ffff:1.2.3.4 end",
     [("ip", "::ffff:1.2.3.4", "::/1"), ("ip", "1.2.3.4", "1.2.3.4")],
     note="the IPv6 observation spans the token, the IPv4 one the dotted part")
case("ipv6_mapped_hex", [("ip", "8.8.8.8")], "addr ::ffff:808:808 .",
     [("ip", "::ffff:808:808", "8.8.8.8")])
case("ipv6_mapped_indicator", [("ip", "::ffff:8.8.8.8")], "8.8.8.8 and ::FFFF:8.8.8.8",
     [("ip", "8.8.8.8", "8.8.8.8", 0), ("ip", "8.8.8.8", "8.8.8.8", 1)],
     note="an IPv4-mapped indicator is stored as IPv4")
case("ipv6_mapped_dotted_port", [("ip", "1.2.3.4:443"), ("ip", "1.2.3.4")], "[::ffff:1.2.3.4]:443",
     [("ip", "1.2.3.4", "1.2.3.4"), ("ip", "[::ffff:1.2.3.4]:443", "1.2.3.4:443")],
     note="[v6]:port of a mapped address is an observation of the IPv4 address with that port")
case("ipv6_mapped_hex_port", [("ip", "8.8.8.8:53")], "[::ffff:808:808]:53",
     [("ip", "[::ffff:808:808]:53", "8.8.8.8:53")])
case("ipv6_compatible_dotted", [("ip", "1.2.3.4")] + CATCH_V6, "::1.2.3.4",
     [("ip", "::1.2.3.4", "::/1"), ("ip", "1.2.3.4", "1.2.3.4")],
     note="the dotted quad rule applies to any dotted quad, also after a colon")
case("ipv6_loopback_and_unspecified", [("ip", "::1")], "lo ::1 and [::1]:22",
     [("ip", "::1", "::1", 0), ("ip", "::1", "::1", 1)])

# ------------------------------------------------------------------------------ domains
case("domain_plain", [("domain", "evil.com")], "visit evil.com now", [("domain", "evil.com", "evil.com")])
case("domain_subdomain", [("domain", "evil.com")], "a.b.evil.com", [("domain", "a.b.evil.com", "evil.com")])
case("domain_not_suffix_label", [("domain", "evil.com")], "notevil.com evil.com.au evil.community", [])
case("domain_case_trailing_dot", [("domain", "evil.com")], "q EVIL.COM. x",
     [("domain", "EVIL.COM", "evil.com")])
case("domain_underscore_joins", [("domain", "evil.com")], "abc_evil.com abc-evil.com abc.evil.com",
     [("domain", "abc.evil.com", "evil.com")], note="abc_evil.com is one name")
case("domain_underscore_label", [("domain", "evil.com")], "_dmarc.evil.com",
     [("domain", "_dmarc.evil.com", "evil.com")])
case("domain_exact_only", [ind("domain", "evil.com", exact=True)], "evil.com a.evil.com",
     [("domain", "evil.com", "evil.com", 0)])
case("domain_exact_and_parent", [ind("domain", "evil.com", exact=True), ("domain", "b.evil.com")], "x.b.evil.com evil.com",
     [("domain", "x.b.evil.com", "b.evil.com"), ("domain", "evil.com", "evil.com", 1)])
case("domain_every_parent", [("domain", "evil.com"), ("domain", "b.evil.com"), ("domain", "a.b.evil.com")], "a.b.evil.com",
     [("domain", "a.b.evil.com", "evil.com"), ("domain", "a.b.evil.com", "b.evil.com"), ("domain", "a.b.evil.com", "a.b.evil.com")])
case("domain_unicode_indicator", [("domain", "bücher.de")], "see xn--bcher-kva.de and BÜCHER.de",
     [("domain", "xn--bcher-kva.de", "xn--bcher-kva.de"), ("domain", "BÜCHER.de", "xn--bcher-kva.de")])
case("domain_punycode_indicator", [("domain", "xn--bcher-kva.de")], "http://bücher.de/",
     [("domain", "bücher.de", "xn--bcher-kva.de")])
case("domain_unicode_tld", [("domain", "例え.テスト")], "ping 例え.テスト ok",
     [("domain", "例え.テスト", "xn--r8jz45g.xn--zckzah")])
case("domain_punycode_tld", [("domain", "xn--r8jz45g.xn--zckzah")], "xn--r8jz45g.xn--zckzah",
     [("domain", "xn--r8jz45g.xn--zckzah", "xn--r8jz45g.xn--zckzah")])
case("domain_hyphens_trimmed", [("domain", "evil.com")], "--evil.com--",
     [("domain", "evil.com", "evil.com")])
case("domain_in_url_and_email", [("domain", "evil.com")], "http://www.evil.com/x user@mail.evil.com",
     [("domain", "www.evil.com", "evil.com"), ("domain", "mail.evil.com", "evil.com")])
case("domain_empty_label", [("domain", "evil.com"), ("domain", "a.evil")], "a.evil..com", [("domain", "a.evil", "a.evil")],
     note="runs split at empty labels")
case("domain_port_and_path", [("domain", "evil.com")], "evil.com:8080 evil.com/x",
     [("domain", "evil.com", "evil.com", 0), ("domain", "evil.com", "evil.com", 1)])
case("domain_numeric_tld", [("domain", "evil.com")], "evil.com1 evil.c0m 1.2.3.4", [])
case("domain_curly_quotes", [("domain", "evil.com")], "“evil.com” «a.evil.com»",
     [("domain", "evil.com", "evil.com"), ("domain", "a.evil.com", "evil.com")])
case("domain_label_too_long", [("domain", "evil.com")], "a" * 64 + ".evil.com",
     [], note="not a valid name (label over 63 bytes): no observation")
case("domain_ipv4_prefix", [("domain", "evil.com"), ("ip", "1.2.3.4")], "1.2.3.4.evil.com",
     [("ip", "1.2.3.4", "1.2.3.4"), ("domain", "1.2.3.4.evil.com", "evil.com")])
case("domain_defanged_indicator", [("domain", "evil[.]com"), ("domain", "bad(.)example{.}org")], "evil.com bad.example.org",
     [("domain", "evil.com", "evil.com"), ("domain", "bad.example.org", "bad.example.org")])
case("domain_stray_continuation_byte", [("domain", "evil.com")], b"evil.com\xa9. x.evil.com\x80",
     [{"kind": "domain", "start": 0, "end": 8, "indicator": "evil.com"},
      {"kind": "domain", "start": 11, "end": 21, "indicator": "evil.com"}],
     note="invalid UTF-8 after a name is trimmed one byte at a time (found by proptest)")
case("domain_unicode_separators", [("domain", "evil.com")],
     "visit\u00a0evil.com x\u3000a.evil.com evil.com\u2019s see\u2014b.evil.com\u2014then",
     [("domain", "evil.com", "evil.com", 0), ("domain", "a.evil.com", "evil.com"), ("domain", "evil.com", "evil.com", 2),
      ("domain", "b.evil.com", "evil.com")],
     note="Unicode whitespace and punctuation are not letters: they end a name like ASCII punctuation does")
case("domain_invalid_utf8_inside_run", [("domain", "evil.com")], b"host\xffa.evil.com",
     [{"kind": "domain", "start": 5, "end": 15, "indicator": "evil.com"}],
     note="an invalid UTF-8 byte is not a letter: it ends a name")
case("domain_zero_width_space_kept", [("domain", "example.com")], "exa\u200bmple.com",
     [("domain", "exa\u200bmple.com", "example.com")],
     note="IDNA-ignored characters (ZWSP) stay inside a name and are removed by the mapping")
case("email_unicode_separator", [("email", "a@evil.com")], "a@evil.com\u00a0x a@evil.com\u2019s",
     [("email", "a@evil.com", "a@evil.com", 0), ("email", "a@evil.com", "a@evil.com", 1)])
case("domain_wildcard_indicator", [("domain", "*.evil.com")], "x.evil.com", [("domain", "x.evil.com", "evil.com")])

# ------------------------------------------------------------------------------ URLs
case("url_plain", [("url", "http://evil.com/gate.php")], "GET http://evil.com/gate.php HTTP/1.1",
     [("url", "http://evil.com/gate.php", "evil.com/gate.php")])
case("url_case_default_port", [("url", "http://evil.com/a")], "HTTP://EVIL.COM:80/a",
     [("url", "HTTP://EVIL.COM:80/a", "evil.com/a")])
case("url_https_ports", [("url", "https://evil.com/a")], "https://evil.com:443/a https://evil.com:8443/a",
     [("url", "https://evil.com:443/a", "evil.com/a")])
case("url_userinfo_fragment_no_email", [("url", "http://evil.com/a?b=1"), ("email", "pw@evil.com")],
     "http://user:pw@evil.com/a?b=1#frag",
     [("url", "http://user:pw@evil.com/a?b=1#frag", "evil.com/a?b=1")])
case("url_percent_unreserved", [("url", "http://evil.com/~a"), ("url", "http://evil.com/a/b")],
     "http://evil.com/%7Ea http://evil.com/a%2Fb",
     [("url", "http://evil.com/%7Ea", "evil.com/~a")], note="%2F is not unreserved: kept")
case("url_scheme_dropped", [("url", "http://evil.com/x")], "ftp://evil.com/x",
     [("url", "ftp://evil.com/x", "evil.com/x")])
case("url_path_case_kept", [("url", "http://evil.com/A")], "http://evil.com/a http://Evil.com/A",
     [("url", "http://Evil.com/A", "evil.com/A")])
case("url_trailing_punctuation", [("url", "http://evil.com/x")], "see http://evil.com/x. or (http://evil.com/x), http://evil.com/x!?",
     [("url", "http://evil.com/x", "evil.com/x", 0), ("url", "http://evil.com/x", "evil.com/x", 1),
      ("url", "http://evil.com/x", "evil.com/x", 2)])
case("url_trailing_punctuation_in_indicator", [("url", "http://evil.com/index.php?"), ("url", "http://evil.com/x."),
                                               ("url", "http://evil.com/index.php")],
     "GET http://evil.com/index.php? HTTP/1.1 see http://evil.com/x.",
     [("url", "http://evil.com/index.php?", "evil.com/index.php?"), ("url", "http://evil.com/index.php", "evil.com/index.php"),
      ("url", "http://evil.com/x.", "evil.com/x.")],
     note="when trailing punctuation is dropped, the URL as written up to the delimiter is observed too")
case("url_balanced_parens", [("url", "http://evil.com/wiki/A_(b)")], "(see http://evil.com/wiki/A_(b))",
     [("url", "http://evil.com/wiki/A_(b)", "evil.com/wiki/A_(b)")])
case("url_markdown", [("url", "https://evil-site.net/r.pdf")], "see [the report](https://evil-site.net/r.pdf) now",
     [("url", "https://evil-site.net/r.pdf", "evil-site.net/r.pdf")])
case("url_html_attribute", [("url", "http://evil.com/x")], "<a href=\"http://evil.com/x\">x</a> <http://evil.com/x>",
     [("url", "http://evil.com/x", "evil.com/x", 0), ("url", "http://evil.com/x", "evil.com/x", 1)])
case("url_nested_one_url", [("url", "http://evil.com/x"), ("domain", "evil.com")], "http://good.com/r?u=http://evil.com/x",
     [("domain", "evil.com", "evil.com")], note="one URL (the outer); the inner host is still a domain observation")
case("url_empty_path", [("url", "evil.com")], "http://evil.com http://evil.com/ http://evil.com/x",
     [("url", "http://evil.com", "evil.com/", 0), ("url", "http://evil.com/", "evil.com/")])
case("url_query_without_path", [("url", "http://evil.com/?q=1")], "http://evil.com?q=1",
     [("url", "http://evil.com?q=1", "evil.com/?q=1")])
case("url_idn_host", [("url", "http://bücher.de/x")], "http://xn--bcher-kva.de/x http://BÜCHER.de/x",
     [("url", "http://xn--bcher-kva.de/x", "xn--bcher-kva.de/x"), ("url", "http://BÜCHER.de/x", "xn--bcher-kva.de/x")])
case("url_defanged_indicator", [("url", "hxxps[:]//evil[.]com/gate")], "https://evil.com/gate",
     [("url", "https://evil.com/gate", "evil.com/gate")])
case("url_nondefault_port", [("url", "http://evil.com:8080/")], "http://evil.com:8080/ http://evil.com/",
     [("url", "http://evil.com:8080/", "evil.com:8080/")])
case("url_trailing_slash_dot", [("url", "http://evil-site.net/path/")], "trailing http://evil-site.net/path/.",
     [("url", "http://evil-site.net/path/", "evil-site.net/path/")])
case("url_schemeless_not_observed", [("url", "evil.com/gate")], "evil.com/gate www.evil.com/gate", [],
     note="a URL observation needs scheme://")
case("url_schemeless_indicator", [("url", "evil.com/gate")], "http://evil.com/gate",
     [("url", "http://evil.com/gate", "evil.com/gate")])
case("url_ipv4_host", [("url", "http://1.2.3.4/x"), ("ip", "1.2.3.4")], "http://1.2.3.4/x",
     [("url", "http://1.2.3.4/x", "1.2.3.4/x"), ("ip", "1.2.3.4", "1.2.3.4")])
case("url_stops_at_quote_and_backtick", [("url", "http://evil.com/a")], "'http://evil.com/a' `http://evil.com/a`",
     [("url", "http://evil.com/a", "evil.com/a", 0), ("url", "http://evil.com/a", "evil.com/a", 1)])

# ------------------------------------------------------------------------------ emails
case("email_case_and_trailing_dot", [("email", "john.doe@evil-site.net")], "Email John.Doe@Evil-Site.NET.",
     [("email", "John.Doe@Evil-Site.NET", "john.doe@evil-site.net")])
case("email_and_domain", [("email", "x@evil.com"), ("domain", "evil.com")], "<x@evil.com>",
     [("email", "x@evil.com", "x@evil.com"), ("domain", "evil.com", "evil.com")])
case("email_leading_dots", [("email", "a@evil.com")], "..a@evil.com", [("email", "a@evil.com", "a@evil.com")])
case("email_defanged_indicator", [("email", "bad(at)evil-site(dot)net")], "from bad@evil-site.net",
     [("email", "bad@evil-site.net", "bad@evil-site.net")])
case("email_plus_tag_is_part", [("email", "a@evil.com"), ("email", "a+tag@evil.com")], "a+tag@evil.com",
     [("email", "a+tag@evil.com", "a+tag@evil.com")])
case("email_after_url_path", [("email", "a@evil.com")], "http://x.com/?u=a@evil.com",
     [("email", "a@evil.com", "a@evil.com")], note="an @ after the authority is not userinfo")
case("email_one_label_domain", [("email", "a@evil.com")], "a@evil a@.evil.com a@-evil.com", [])
case("email_idn_domain", [("email", "info@bücher.de")], "info@xn--bcher-kva.de INFO@Bücher.de",
     [("email", "info@xn--bcher-kva.de", "info@xn--bcher-kva.de"), ("email", "INFO@Bücher.de", "info@xn--bcher-kva.de")])

# ------------------------------------------------------------------------------ hashes
case("hash_md5_uppercase", [("md5", MD5)], "hash " + MD5.upper(), [("md5", MD5.upper(), MD5)])
case("hash_all_kinds", [("md5", MD5), ("sha1", SHA1), ("sha256", SHA256), ("sha512", SHA512)],
     f"{MD5} {SHA1} {SHA256} {SHA512}",
     [("md5", MD5, MD5), ("sha1", SHA1, SHA1), ("sha256", SHA256, SHA256), ("sha512", SHA512, SHA512)])
case("hash_72_hex_run", [("md5", MD5), ("sha1", SHA1)], SHA1 + MD5, [], note="a 72-hex run is not sha1+md5")
case("hash_33_hex_run", [("md5", MD5)], MD5 + "a " + "0" + MD5, [])
case("hash_prefix_of_longer", [("md5", SHA256[:32]), ("sha256", SHA256)], SHA256,
     [("sha256", SHA256, SHA256)])
case("hash_letter_neighbours", [("md5", MD5)], f"x{MD5} {MD5}g é{MD5}", [])
case("hash_separators", [("md5", MD5)], f"md5={MD5}, file_{MD5} ({MD5})",
     [("md5", MD5, MD5, 0), ("md5", MD5, MD5, 1), ("md5", MD5, MD5, 2)], note="'_' is not a letter or digit")
case("hash_indicator_uppercase", [("sha1", SHA1.upper())], SHA1, [("sha1", SHA1, SHA1)])

# ------------------------------------------------------------------------------ literals and regexes
case("literal_overlapping", [("literal", "aa")], "aaaa",
     [{"kind": "literal", "start": 0, "end": 2, "indicator": "aa"},
      {"kind": "literal", "start": 1, "end": 3, "indicator": "aa"},
      {"kind": "literal", "start": 2, "end": 4, "indicator": "aa"}])
case("literal_nocase", [ind("literal", "EvIl", nocase=True), ("literal", "Evil")], "evil EVIL Evil",
     [("literal", "evil", "EvIl"), ("literal", "EVIL", "EvIl"), ("literal", "Evil", "EvIl"), ("literal", "Evil", "Evil")])
case("literal_case_sensitive", [("literal", "Evil")], "evil EVIL", [])
case("literal_nul_bytes", [ind("literal", None, value_hex="00ff")], b"a\x00\xffb\x00\xff",
     [{"kind": "literal", "start": 1, "end": 3, "indicator": "\x00\ufffd"},
      {"kind": "literal", "start": 4, "end": 6, "indicator": "\x00\ufffd"}])
case("literal_inside_token", [("literal", "vil.c")], "evil.com", [("literal", "vil.c", "vil.c")])
case("regex_non_overlapping", [("regex", "a+b")], "aab ab aaab",
     [("regex", "aab", "a+b"), ("regex", "ab", "a+b", 1), ("regex", "aaab", "a+b")])
case("regex_leftmost_first", [("regex", "ab|abc")], "abc", [("regex", "ab", "ab|abc")])
case("regex_no_overlap", [("regex", "aba")], "ababa", [("regex", "aba", "aba")])
case("regex_on_invalid_utf8", [("regex", r"id=\d{3}")], b"\xff\xfeid=123\xc3",
     [{"kind": "regex", "start": 2, "end": 8, "indicator": r"id=\d{3}"}])
case("regex_byte_mode_classes", [("regex", r"x\w+"), ("regex", r"a.b")], b"x\xc3\xa9a xab a\xffb",
     [{"kind": "regex", "start": 5, "end": 8, "indicator": r"x\w+"},
      {"kind": "regex", "start": 9, "end": 12, "indicator": "a.b"}],
     note="regex indicators are byte-mode: \\w is ASCII, '.' matches any byte (invalid UTF-8 too)")
_bin = bytes((i * 37 + 128) % 256 for i in range(40))  # no run of 4 letters or digits
_gate_line = _bin + b"ql123456.pw" + _bin[:37] + b"zzxspot7ab.com" + _bin[:29]
case("regex_gate_between_binary_bytes",
     [("regex", r"q(l|r)[0-9]{5,6}\.pw"), ("regex", r"(advert|\w{1,3}xspot)[0-9][a-z]+\.com")],
     _gate_line,
     [{"kind": "regex", "start": _gate_line.find(b"ql1"), "end": _gate_line.find(b"ql1") + 11,
       "indicator": r"q(l|r)[0-9]{5,6}\.pw"},
      {"kind": "regex", "start": _gate_line.find(b"zzx"), "end": _gate_line.find(b"zzx") + 14,
       "indicator": r"(advert|\w{1,3}xspot)[0-9][a-z]+\.com"}],
     note="regexes whose literals (00.pw..99.pw; advert0..xspot9) are 5 bytes or more: the "
          "gram gate, which in packet payloads skips what is not made of the literals' bytes")
case("regex_and_literal_same_span", [("regex", "evil"), ("literal", "evil")], "evil",
     [("literal", "evil", "evil"), ("regex", "evil", "evil")])

# ------------------------------------------------------------------------------ allowlist
case("allow_cidr", [("ip", "10.0.0.0/8")], "10.1.2.3 10.2.3.4", [("ip", "10.2.3.4", "10.0.0.0/8")],
     allow=[("ip", "10.1.0.0/16")])
case("allow_ip_port", [("ip", "1.2.3.4")], "1.2.3.4:443 1.2.3.4:80",
     [("ip", "1.2.3.4", "1.2.3.4", 1)], allow=[("ip", "1.2.3.4:443")])
case("allow_domain_suffix", [("domain", "evil.com")], "x.good.evil.com bad.evil.com",
     [("domain", "bad.evil.com", "evil.com")], allow=[("domain", "good.evil.com")])
case("allow_domain_exact", [("domain", "evil.com")], "good.evil.com x.good.evil.com",
     [("domain", "x.good.evil.com", "evil.com")], allow=[ind("domain", "good.evil.com", exact=True)])
case("allow_url_by_host_domain", [("url", "http://evil.com/x"), ("url", "http://other.org/x")],
     "http://a.evil.com/x http://evil.com/x http://other.org/x",
     [("url", "http://other.org/x", "other.org/x")], allow=[("domain", "evil.com")])
case("allow_url_by_host_ip", [("url", "http://1.2.3.4/x")], "http://1.2.3.4/x", [],
     allow=[("ip", "1.2.3.0/24")])
case("allow_url_key", [("url", "http://evil.com/x"), ("url", "http://evil.com/y")], "http://evil.com/x http://evil.com/y",
     [("url", "http://evil.com/y", "evil.com/y")], allow=[("url", "HTTP://user@EVIL.com:80/x#frag")],
     note="allowlist URLs compare by match key")
case("allow_literal_on_domain", [("domain", "evil.com")], "CDN.EVIL.COM www.evil.com",
     [("domain", "www.evil.com", "evil.com")], allow=[("literal", "cdn.evil")],
     note="allowlist literals apply to the normalized value")
case("allow_literal_on_ip", [("ip", "10.0.0.0/8")], "10.0.0.1 10.0.0.2", [("ip", "10.0.0.2", "10.0.0.0/8")],
     allow=[("literal", "0.0.1")])
case("allow_regex_on_regex_hit", [("regex", r"token=\w+")], "token=test token=real",
     [("regex", "token=real", r"token=\w+")], allow=[("regex", "=test$")])
case("allow_literal_on_literal_hit", [("literal", "pass")], "password pass",
     [], allow=[("literal", "pass")],
     note="a literal hit's text is the matched bytes: an allow literal equal to it suppresses every hit")
case("allow_literal_substring_of_hit", [("regex", r"pass\w*")], "password pass",
     [("regex", "pass", r"pass\w*", 1)], allow=[("literal", "word")])
case("allow_email", [("email", "a@evil.com"), ("email", "b@evil.com")], "a@evil.com b@evil.com",
     [("email", "b@evil.com", "b@evil.com")], allow=[("email", "A@EVIL.COM")])
case("allow_hash", [("md5", MD5)], MD5, [], allow=[("md5", MD5.upper())])
case("allow_hash_literal_normalized", [("md5", MD5)], MD5.upper(), [], allow=[("literal", "d41d8cd9")],
     note="allowlist literals apply to the normalized value: a digest is lowercase hex")
case("allow_ipv6_literal_normalized", [("ip", "2001:db8::/32")], "2001:DB8:0::5 2001:db8::6",
     [("ip", "2001:db8::6", "2001:db8::/32")], allow=[("literal", "2001:db8::5")],
     note="allowlist literals apply to the normalized value: RFC 5952 text")
case("allow_domain_not_email", [("email", "x@evil.com")], "x@evil.com", [("email", "x@evil.com", "x@evil.com")],
     allow=[("domain", "evil.com")], note="a domain entry does not allowlist an email")
case("allow_expired_entry", [("domain", "evil.com")], "good.evil.com",
     [("domain", "good.evil.com", "evil.com")],
     allow=[ind("domain", "good.evil.com", valid_until="2024-01-01T00:00:00Z")], now="2024-06-01T00:00:00Z")
case("allow_expired_literal", [("domain", "evil.com")], "good.evil.com",
     [("domain", "good.evil.com", "evil.com")],
     allow=[ind("literal", "good", valid_until="2024-01-01T00:00:00Z")], now="2024-06-01T00:00:00Z")
case("allow_future_regex", [("literal", "secret")], "secret",
     [("literal", "secret", "secret")],
     allow=[ind("regex", "sec", valid_from="2025-01-01T00:00:00Z")], now="2024-06-01T00:00:00Z")
case("allow_only_same_observation", [("ip", "1.2.3.4"), ("domain", "evil.com")], "1.2.3.4 evil.com",
     [("domain", "evil.com", "evil.com")], allow=[("ip", "1.2.3.4")])

# ------------------------------------------------------------------------------ validity
W = {"valid_from": "2024-01-01T00:00:00Z", "valid_until": "2024-07-01T00:00:00Z"}
case("valid_inside_window", [ind("domain", "evil.com", **W)], "evil.com", [("domain", "evil.com", "evil.com")],
     now="2024-03-01T00:00:00Z")
case("valid_expired", [ind("domain", "evil.com", **W)], "evil.com", [], now="2024-08-01T00:00:00Z")
case("valid_not_yet", [ind("domain", "evil.com", **W)], "evil.com", [], now="2023-12-31T23:59:59Z")
case("valid_from_inclusive", [ind("ip", "1.2.3.4", **W)], "1.2.3.4", [("ip", "1.2.3.4", "1.2.3.4")],
     now="2024-01-01T00:00:00Z")
case("valid_until_exclusive", [ind("literal", "x", **W)], "x", [], now="2024-07-01T00:00:00Z")
case("valid_merged_window", [ind("domain", "evil.com", valid_from=10, valid_until=20),
                             ind("domain", "evil.com", valid_from=30, valid_until=40, source="b")],
     "evil.com", [("domain", "evil.com", "evil.com")], now=25,
     note="the same value from two sources is one indicator whose window covers both")
case("valid_per_indicator", [ind("ip", "10.0.0.0/8", valid_until=100), ("ip", "10.1.0.0/16")], "10.1.1.1",
     [("ip", "10.1.1.1", "10.1.0.0/16")], now=100)

# ------------------------------------------------------------------------------ line shapes
case("line_nul_bytes", [("ip", "1.2.3.4"), ("domain", "evil.com")], "1.2.3.4\x00evil.com\x00",
     [("ip", "1.2.3.4", "1.2.3.4"), ("domain", "evil.com", "evil.com")])
case("line_invalid_utf8", [("ip", "1.2.3.4"), ("domain", "evil.com"), ("md5", MD5)],
     b"\xff1.2.3.4\xfe \xc3evil.com\xff \x80" + MD5.encode() + b"\xff",
     [{"kind": "ip", "start": 1, "end": 8, "indicator": "1.2.3.4"},
      {"kind": "domain", "start": 11, "end": 19, "indicator": "evil.com"},
      {"kind": "md5", "start": 22, "end": 54, "indicator": MD5}])
case("line_empty", [("ip", "1.2.3.4"), ("literal", "x")], "", [])
case("line_mixed_kinds", [("domain", "evil.com"), ("ip", "10.0.0.0/8")], "GET http://a.evil.com/x from 10.1.2.3",
     [("domain", "a.evil.com", "evil.com"), ("ip", "10.1.2.3", "10.0.0.0/8")])
big_mid = 600000
case("line_1mib_start_middle_end",
     [("ip", "1.2.3.4"), ("domain", "evil.com"), ("md5", MD5), ("literal", "NEEDLE"), ("url", "http://evil.com/x")],
     [("1.2.3.4 ", 1), ("x ", 300000), ("evil.com NEEDLE ", 1), ("y", big_mid), (" http://evil.com/x " + MD5, 1)],
     [("ip", "1.2.3.4", "1.2.3.4"), ("domain", "evil.com", "evil.com", 0), ("literal", "NEEDLE", "NEEDLE"),
      ("url", "http://evil.com/x", "evil.com/x"), ("domain", "evil.com", "evil.com", 1), ("md5", MD5, MD5)])


def main():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate names"
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "line_cases.json")
    with open(out, "w", encoding="utf-8") as f:
        f.write("[\n")
        for i, c in enumerate(CASES):
            f.write(json.dumps(c, ensure_ascii=False))
            f.write(",\n" if i + 1 < len(CASES) else "\n")
        f.write("]\n")
    print(f"{len(CASES)} cases -> {out}")


if __name__ == "__main__":
    main()
