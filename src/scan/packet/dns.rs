//! DNS question names of a query message (RFC 1035 §4.1), with name compression followed
//! safely: every pointer must jump strictly backward from the previous one, at most
//! [`MAX_POINTERS`] times, so a loop or an out-of-bounds pointer ends the name (rejected).

/// Most questions read from one message.
const MAX_QUESTIONS: usize = 64;
/// Most compression pointers followed in one name.
const MAX_POINTERS: usize = 16;
/// Longest decoded name accepted: 255 bytes on the wire are 253 in dotted form.
const MAX_NAME: usize = 253;

#[inline]
fn be16(b: &[u8], i: usize) -> Option<u16> {
    match b.get(i..i.checked_add(2)?) {
        Some(&[x, y]) => Some(u16::from_be_bytes([x, y])),
        _ => None,
    }
}

/// Reads the name at `start` into `out` as dotted labels (raw bytes, no case change).
/// Returns (decoded length, end of the name's bytes in place: after its terminating zero or
/// its first pointer). `None` for a malformed, looping, out-of-bounds or over-long name, or a
/// label containing a dot (which would change the name's label structure).
pub(crate) fn read_name(
    msg: &[u8],
    start: usize,
    out: &mut [u8; MAX_NAME],
) -> Option<(usize, usize)> {
    let mut pos = start;
    let mut len = 0usize;
    let mut end_in_place = None;
    let mut hops = 0;
    let mut limit = start;
    loop {
        let l = *msg.get(pos)?;
        match l >> 6 {
            0 => {
                if l == 0 {
                    return Some((len, end_in_place.unwrap_or(pos + 1)));
                }
                let l = usize::from(l);
                let label = msg.get(pos + 1..pos + 1 + l)?;
                if label.contains(&b'.') {
                    return None;
                }
                let sep = usize::from(len > 0);
                if len + sep + l > MAX_NAME {
                    return None;
                }
                if sep == 1 {
                    out[len] = b'.';
                }
                out[len + sep..len + sep + l].copy_from_slice(label);
                len += sep + l;
                pos += 1 + l;
            }
            3 => {
                let target = usize::from(l & 0x3f) << 8 | usize::from(*msg.get(pos + 1)?);
                if end_in_place.is_none() {
                    end_in_place = Some(pos + 2);
                }
                hops += 1;
                if hops > MAX_POINTERS || target >= limit {
                    return None;
                }
                limit = target;
                pos = target;
            }
            // 0b01 / 0b10: extended label types (RFC 6891 deprecated them): not supported.
            _ => return None,
        }
    }
}

/// Calls `f(name, start, end)` for each non-root question name of the DNS *query* `msg`
/// (QR bit clear; responses are ignored), where `name` is the dotted raw name and
/// `[start, end)` its bytes in `msg`. Stops at the first malformed question.
///
/// For an UPDATE (opcode 5, RFC 2136) the question is the zone; the owner names of the
/// prerequisite and update records (the names being registered) are reported too.
pub(crate) fn questions(msg: &[u8], mut f: impl FnMut(&[u8], usize, usize)) {
    let (Some(flags), Some(qd)) = (be16(msg, 2), be16(msg, 4)) else {
        return;
    };
    if flags & 0x8000 != 0 || msg.len() < 12 {
        return;
    }
    let mut buf = [0u8; MAX_NAME];
    let mut pos = 12;
    for _ in 0..usize::from(qd).min(MAX_QUESTIONS) {
        let Some((len, end)) = read_name(msg, pos, &mut buf) else {
            return;
        };
        if len > 0 {
            f(&buf[..len], pos, end);
        }
        // QTYPE and QCLASS.
        pos = end + 4;
        if pos > msg.len() {
            return;
        }
    }
    if (flags >> 11) & 0xf != 5 {
        return;
    }
    let (Some(an), Some(ns)) = (be16(msg, 6), be16(msg, 8)) else {
        return;
    };
    for _ in 0..(usize::from(an) + usize::from(ns)).min(MAX_QUESTIONS) {
        let Some((len, end)) = read_name(msg, pos, &mut buf) else {
            return;
        };
        if len > 0 {
            f(&buf[..len], pos, end);
        }
        // TYPE, CLASS, TTL, RDLENGTH, RDATA.
        let Some(rdlen) = be16(msg, end + 8) else {
            return;
        };
        pos = end + 10 + usize::from(rdlen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(msg: &[u8]) -> Vec<(String, usize, usize)> {
        let mut v = Vec::new();
        questions(msg, |n, a, b| {
            v.push((String::from_utf8_lossy(n).into_owned(), a, b))
        });
        v
    }

    fn header(flags: u16, qd: u16) -> Vec<u8> {
        let mut m = vec![0, 1];
        m.extend_from_slice(&flags.to_be_bytes());
        m.extend_from_slice(&qd.to_be_bytes());
        m.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        m
    }

    #[test]
    fn plain_and_compressed() {
        let mut m = header(0x0100, 2);
        m.extend_from_slice(b"\x03www\x04Evil\x03com\x00\x00\x01\x00\x01");
        // Second question: "mail" + pointer to "Evil.com" at offset 16.
        m.extend_from_slice(b"\x04mail\xc0\x10\x00\x01\x00\x01");
        assert_eq!(
            names(&m),
            [
                ("www.Evil.com".to_string(), 12, 26),
                ("mail.Evil.com".to_string(), 30, 37)
            ]
        );
        // A response is not a query.
        m[2] |= 0x80;
        assert!(names(&m).is_empty());
    }

    #[test]
    fn update_owner_names() {
        let mut m = header(0x2800, 1);
        m[7] = 1; // one prerequisite
        m[9] = 1; // one update
        m.extend_from_slice(b"\x04zone\x03org\x00\x00\x06\x00\x01");
        m.extend_from_slice(b"\x01a\xc0\x0c\x00\x01\x00\xff\x00\x00\x00\x00\x00\x00");
        m.extend_from_slice(
            b"\x01b\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04",
        );
        let got: Vec<String> = names(&m).into_iter().map(|x| x.0).collect();
        assert_eq!(got, ["zone.org", "a.zone.org", "b.zone.org"]);
        // The same records in a plain query are not read.
        m[2] = 0x01;
        assert_eq!(names(&m).len(), 1);
    }

    #[test]
    fn loops_and_bad_pointers_rejected() {
        // Pointer to itself.
        let mut m = header(0, 1);
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01");
        assert!(names(&m).is_empty());
        // Two pointers to each other (second points forward).
        let mut m = header(0, 1);
        m.extend_from_slice(b"\x01a\xc0\x10\x01b\xc0\x0c");
        assert!(names(&m).is_empty());
        // Backward pointer into a label run that leads back to the same pointer.
        let mut m = header(0, 1);
        m.extend_from_slice(b"\x01a\x01b\xc0\x0e");
        assert!(names(&m).is_empty());
        // Out of bounds.
        let mut m = header(0, 1);
        m.extend_from_slice(b"\x01a\xff\xff");
        assert!(names(&m).is_empty());
        // Label running past the end.
        let mut m = header(0, 1);
        m.extend_from_slice(b"\x3fabc");
        assert!(names(&m).is_empty());
        // A dot inside a label.
        let mut m = header(0, 1);
        m.extend_from_slice(b"\x08evil.com\x00\x00\x01\x00\x01");
        assert!(names(&m).is_empty());
    }

    #[test]
    fn long_names_rejected() {
        let mut m = header(0, 1);
        for _ in 0..5 {
            m.push(63);
            m.extend_from_slice(&[b'a'; 63]);
        }
        m.push(0);
        assert!(names(&m).is_empty());
        let mut m = header(0, 1);
        for _ in 0..3 {
            m.push(63);
            m.extend_from_slice(&[b'a'; 63]);
        }
        m.push(61);
        m.extend_from_slice(&[b'a'; 61]);
        m.push(0);
        assert_eq!(names(&m)[0].0.len(), 253);
    }
}
