//! SHA-256 in hex, the form the server stores and compares hashes in (token hashes, return-link
//! states, delivery keys), and the strict decoding of 64 hex digits (the `hex` crate: digits
//! only, so `+a`, which `u8::from_str_radix("+a", 16)` takes as 10, is refused and one value has
//! one spelling).

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

/// Exactly 64 hex digits (either case) as 32 bytes (a SHA-256 or an HMAC-SHA256); `None`
/// otherwise.
pub fn decode32(s: &[u8]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_only() {
        assert_eq!(hex::encode([0x00, 0xab, 0xff]), "00abff");
        let h = hex::encode([0x5a; 32]);
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
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
