//! The emulator's own form parser (bracket notation into a tree) and what create does with the
//! tree: validation as Stripe validates, the new session's totals and JSON.
//!
//! Input: a version selector byte, then the form body.
//! Invariants: every leaf of the tree comes from a pair of the body (its name and value), no
//! deeper than the parser's limit; create never panics; and whatever session the emulator
//! creates, the library decodes (`CheckoutSession`), with a non-negative total: the emulator's
//! output is the library's input in every test.
#![no_main]

use checkout_bridge::CheckoutSession;
use checkout_bridge_emulator::fuzzing::{create_session, form_leaves};
use libfuzzer_sys::fuzz_target;

const VERSIONS: [&str; 4] = [
    "2025-03-31.basil",
    "2026-07-29.dahlia",
    "2026-09-30.endive",
    "2024-06-20",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    if let Ok(leaves) = form_leaves(body) {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        assert!(leaves.len() <= pairs.len());
        for (path, value) in &leaves {
            assert!(!path.is_empty() && path.len() <= 17, "{path:?}");
            assert!(!path[0].is_empty());
            let from_a_pair = pairs.iter().any(|(k, v)| v == value && k.starts_with(path[0].as_str()));
            assert!(from_a_pair, "leaf {path:?}={value:?} is in no pair");
        }
    }
    let version = VERSIONS[usize::from(selector) % VERSIONS.len()];
    if let Ok(json) = create_session(body, version, 1_800_000_000) {
        let session: CheckoutSession = serde_json::from_value(json.clone())
            .unwrap_or_else(|e| panic!("the library cannot decode the emulator's session: {e}\n{json}"));
        assert!(
            session.amount_total.unwrap_or(0) >= 0,
            "negative total {:?}",
            session.amount_total
        );
        assert!(session.expires_at > session.created);
    }
});
