//! The server_name of a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3) in the first record
//! of a TCP payload. A ClientHello split across records or segments is read as far as the
//! payload goes.

#[inline]
fn be16(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i..i.checked_add(2)?) {
        Some(&[x, y]) => Some(usize::from(u16::from_be_bytes([x, y]))),
        _ => None,
    }
}

/// Returns `[start, end)` of the first host_name entry of the server_name extension of the
/// ClientHello starting `payload`, if there is one.
pub(crate) fn sni(payload: &[u8]) -> Option<(usize, usize)> {
    // Record: handshake (22), version 3.x, length.
    if payload.len() < 9 || payload[0] != 0x16 || payload[1] != 3 || payload[2] > 4 {
        return None;
    }
    let rec_end = (5 + be16(payload, 3)?).min(payload.len());
    // Handshake: client_hello (1), 24-bit length.
    if payload[5] != 1 {
        return None;
    }
    let hs_len =
        usize::from(payload[6]) << 16 | usize::from(payload[7]) << 8 | usize::from(payload[8]);
    let end = (9 + hs_len).min(rec_end);
    let b = payload.get(..end)?;
    // client_version (2) + random (32).
    let mut i = 9 + 2 + 32;
    i += 1 + usize::from(*b.get(i)?); // session id
    i += 2 + be16(b, i)?; // cipher suites
    i += 1 + usize::from(*b.get(i)?); // compression methods
    let ext_end = (i + 2 + be16(b, i)?).min(b.len());
    i += 2;
    while i + 4 <= ext_end {
        let ty = be16(b, i)?;
        let len = be16(b, i + 2)?;
        i += 4;
        if ty == 0 {
            let list_end = (i + len).min(ext_end);
            let mut j = i + 2;
            while j + 3 <= list_end {
                let name_type = b[j];
                let nl = be16(b, j + 1)?;
                j += 3;
                if name_type == 0 {
                    return (nl > 0 && j + nl <= list_end).then_some((j, j + nl));
                }
                j += nl;
            }
            return None;
        }
        i += len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ClientHello with the given server name.
    pub(crate) fn client_hello(name: &[u8]) -> Vec<u8> {
        let mut sni_ext = Vec::new();
        sni_ext.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        sni_ext.push(0);
        sni_ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
        sni_ext.extend_from_slice(name);
        let mut exts = Vec::new();
        exts.extend_from_slice(&[0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]); // ec_point_formats
        exts.extend_from_slice(&[0, 0]);
        exts.extend_from_slice(&(sni_ext.len() as u16).to_be_bytes());
        exts.extend_from_slice(&sni_ext);
        let mut body = vec![3, 3];
        body.extend_from_slice(&[7; 32]);
        body.push(0); // session id
        body.extend_from_slice(&[0, 2, 0x13, 0x01]);
        body.extend_from_slice(&[1, 0]);
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(body.len() as u16).to_be_bytes());
        hs.extend_from_slice(&body);
        let mut rec = vec![0x16, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        rec
    }

    #[test]
    fn finds_sni_and_survives_every_cut() {
        let ch = client_hello(b"Evil.example.com");
        let (a, b) = sni(&ch).unwrap();
        assert_eq!(&ch[a..b], b"Evil.example.com");
        for cut in 0..ch.len() {
            let r = sni(&ch[..cut]);
            assert!(r.is_none() || r == Some((a, b)), "cut {cut}");
        }
        let mut not_hello = ch.clone();
        not_hello[5] = 2;
        assert_eq!(sni(&not_hello), None);
    }
}
