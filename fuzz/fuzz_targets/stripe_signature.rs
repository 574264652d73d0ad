//! `Stripe-Signature` parsing and verification (`server/src/webhook.rs`) on hostile headers.
//!
//! Input: `HEADER\nPAYLOAD` (no newline: all header, empty payload).
//! Invariants: a parsed header is within the size and candidate bounds; verification never
//! panics and `construct_event` agrees with it; and the differential property: a payload signed
//! as Stripe signs it (`sign_payload`) always verifies at its own timestamp, also with the
//! fuzzed header's entries appended while the bounds allow, and never under another secret or
//! with the payload changed.
#![no_main]

use checkout_bridge_server::wire::webhook::{
    construct_event, parse_event, sign_payload, verify_signature, SignatureHeader, WebhookError, MAX_HEADER_BYTES,
    MAX_V1_SIGNATURES,
};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "whsec_fuzz_0123456789abcdef";
const NOW: i64 = 1_800_000_000;

fuzz_target!(|data: &[u8]| {
    let (header, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    match SignatureHeader::parse(header) {
        Ok(parsed) => {
            assert!(header.len() <= MAX_HEADER_BYTES);
            assert!((1..=MAX_V1_SIGNATURES).contains(&parsed.candidates()));
            assert!(parsed.timestamp() >= 0);
        }
        Err(WebhookError::HeaderTooLong { len, .. }) => assert!(len > MAX_HEADER_BYTES),
        Err(_) => {}
    }
    let verified = verify_signature(payload, header, SECRET, 300, NOW);
    let event = construct_event(payload, header, SECRET, 300, NOW);
    match (&verified, &event) {
        (Ok(()), Ok(e)) => assert_eq!(Ok(e), parse_event(payload).as_ref()),
        (Ok(()), Err(e)) => assert!(matches!(e, WebhookError::MalformedPayload(_)), "{e:?}"),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (Err(a), Ok(_)) => panic!("construct_event accepted what verify_signature refused: {a:?}"),
    }

    // The differential property, at a timestamp taken from the input.
    let t = NOW - i64::from(data.first().copied().unwrap_or(0));
    let signed = sign_payload(payload, SECRET, t);
    verify_signature(payload, signed.as_bytes(), SECRET, 300, NOW).expect("Stripe's own signature verifies");
    assert_eq!(
        verify_signature(payload, signed.as_bytes(), "whsec_other", 300, NOW),
        Err(WebhookError::SignatureMismatch)
    );
    let mut changed = payload.to_vec();
    changed.push(b' ');
    assert_eq!(
        verify_signature(&changed, signed.as_bytes(), SECRET, 300, NOW),
        Err(WebhookError::SignatureMismatch)
    );
    // Extra entries after Stripe's (other schemes, more v1 values, junk that is still
    // `key=value`) change nothing while the header stays within its bounds.
    if let Ok(extra) = std::str::from_utf8(header) {
        let entries: Vec<&str> = extra
            .split(',')
            .map(str::trim)
            .filter(|e| e.contains('=') && !e.starts_with("t=") && e.is_ascii())
            .collect();
        let v1s = entries.iter().filter(|e| e.starts_with("v1=")).count();
        let longer = [signed.as_str()]
            .into_iter()
            .chain(entries)
            .collect::<Vec<_>>()
            .join(",");
        if v1s < MAX_V1_SIGNATURES && longer.len() <= MAX_HEADER_BYTES {
            verify_signature(payload, longer.as_bytes(), SECRET, 300, NOW)
                .unwrap_or_else(|e| panic!("{longer:?} with Stripe's signature first refused: {e}"));
        }
    }
});
