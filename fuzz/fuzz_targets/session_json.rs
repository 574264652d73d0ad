//! The client's decode path for a session response (`checkout_bridge::decode_session_response`:
//! serde plus the redacted `InvalidResponse`) on hostile bodies.
//!
//! Invariants: the error text never contains the secret key, even when the body quotes it in a
//! wrong-typed field; a decoded session's receipt never panics; and it re-encodes and decodes to
//! itself (what a backend passes on is what it read).
#![no_main]

use checkout_bridge::{decode_session_response, CheckoutSession};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "sk_test_51FuzzSecretKeyDoNotLeak0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    // The body as given, and once with every `@@` replaced by the secret, so wrong-typed fields
    // can quote it (serde echoes the offending value in its message).
    let mut bodies = vec![data.to_vec()];
    if data.windows(2).any(|w| w == b"@@") {
        if let Ok(text) = std::str::from_utf8(data) {
            bodies.push(text.replace("@@", SECRET).into_bytes());
        }
    }
    for body in bodies {
        match decode_session_response(&body, SECRET) {
            Ok(session) => {
                let _ = session.receipt();
                let text = serde_json::to_string(&session).expect("a decoded session encodes");
                let again: CheckoutSession = serde_json::from_str(&text).expect("what we encode decodes");
                assert_eq!(again, session, "decode(encode(session)) differs");
            }
            Err(e) => {
                for shown in [e.to_string(), format!("{e:?}")] {
                    assert!(!shown.contains(SECRET), "secret in error text: {shown}");
                    // Nor a long piece of it (a cut that leaves a prefix), unless the input
                    // itself holds that piece without the rest (then it is not the secret).
                    let piece = &SECRET[..24];
                    if !data.windows(piece.len()).any(|w| w == piece.as_bytes()) {
                        assert!(!shown.contains(piece), "part of the secret in error text: {shown}");
                    }
                }
            }
        }
    }
});
