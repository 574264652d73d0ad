//! Random identifiers (`cs_test_…`, `req_…`, …).

use std::sync::atomic::{AtomicU64, Ordering};

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `prefix` followed by `len` random alphanumerics.
pub(crate) fn random_id(prefix: &str, len: usize) -> String {
    let mut bytes = vec![0u8; len];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back to a counter-seeded xorshift (ids stay unique).
        static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
        let mut x = COUNTER.fetch_add(0x9E37_79B9, Ordering::Relaxed) ^ crate::now_unix() as u64;
        for b in bytes.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    out.extend(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char));
    out
}

/// A `Request-Id` header value.
pub(crate) fn request_id() -> String {
    random_id("req_", 14)
}
