//! Hex for token hashes and webhook signatures. Decoding takes digits only: Rust's
//! `u8::from_str_radix("+a", 16)` is `Ok(10)`, so a decoder built on it gives one value several
//! spellings.

/// `bytes` as lowercase hex.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The value of one hex digit (`0-9`, `a-f`, `A-F`); `None` for anything else, signs included.
pub fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Exactly 64 hex digits as 32 bytes (a SHA-256 or an HMAC-SHA256); `None` otherwise.
pub fn decode32(s: &[u8]) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only() {
        assert_eq!(encode(&[0x00, 0xab, 0xff]), "00abff");
        let h = encode(&[0x5a; 32]);
        assert_eq!(decode32(h.as_bytes()), Some([0x5a; 32]));
        assert_eq!(decode32(h.to_uppercase().as_bytes()), Some([0x5a; 32]));
        // What u8::from_str_radix would take: a sign in front of one digit.
        assert_eq!(u8::from_str_radix("+a", 16), Ok(10));
        for bad in ["+a", "-0", " a", "a ", "0x", "g0"] {
            let s = format!("{bad}{}", "00".repeat(31));
            assert_eq!(decode32(s.as_bytes()), None, "{bad}");
        }
        assert_eq!(decode32(&h.as_bytes()[..62]), None);
        assert_eq!(decode32(format!("{h}00").as_bytes()), None);
    }
}
