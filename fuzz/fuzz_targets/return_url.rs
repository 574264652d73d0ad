//! The app's return-link grammar (`ReturnBase::parse_return`, `parse_return_url`) on hostile
//! links and bases.
//!
//! Input: a selector byte, then the link; selector 4 reads `BASE\nLINK` to fuzz the base too.
//! Invariants: both entry points agree; a link that parses matches its base, is at most 2 KiB
//! without control characters, has a 32-hex-digit state and, on success only, an opaque
//! `[A-Za-z0-9_-]{1,255}` session ID; and the links a base builds parse back to what they carry.
#![no_main]

use checkout_bridge::{parse_return_url, ReturnBase, ReturnKind, MAX_RETURN_URL_LEN, SESSION_ID_PLACEHOLDER};
use libfuzzer_sys::fuzz_target;

const BASES: [&str; 4] = [
    "myapp://checkout",
    "https://shop.example/checkout",
    "https://Shop.example:8443/a/b/",
    "com.example.app://pay/return",
];

fn is_state(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_session_id(s: &str) -> bool {
    (1..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else { return };
    let (base_text, link) = match usize::from(selector % 5) {
        4 => rest.split_once('\n').unwrap_or((rest, "")),
        i => (BASES[i], rest),
    };
    let Ok(base) = ReturnBase::parse(base_text) else {
        assert!(parse_return_url(link.to_owned(), base_text.to_owned()).is_err());
        return;
    };
    let parsed = base.parse_return(link);
    assert_eq!(
        parsed,
        parse_return_url(link.to_owned(), base_text.to_owned()),
        "the two entry points disagree"
    );
    if let Ok(event) = &parsed {
        assert!(base.matches(link), "parsed but does not match its base: {link:?}");
        assert!(link.len() <= MAX_RETURN_URL_LEN);
        assert!(
            !link.bytes().any(|b| b < 0x20 || b == 0x7f),
            "control characters accepted"
        );
        assert!(is_state(&event.state), "state {:?}", event.state);
        match event.kind {
            ReturnKind::Success => {
                let id = event.session_id.as_deref().unwrap_or_default();
                assert!(is_session_id(id), "session id {id:?}");
            }
            ReturnKind::Cancel => assert_eq!(event.session_id, None),
        }
    }
    // Round trip: what this base builds for a state comes back as the same event.
    let state = parsed
        .as_ref()
        .map_or("0123456789abcdef0123456789abcdef", |e| e.state.as_str());
    let urls = base.urls(state);
    let id = parsed
        .as_ref()
        .ok()
        .and_then(|e| e.session_id.clone())
        .unwrap_or_else(|| "cs_test_a1".into());
    let success = urls.success_url.replace(SESSION_ID_PLACEHOLDER, &id);
    if success.len() <= MAX_RETURN_URL_LEN {
        let back = base
            .parse_return(&success)
            .unwrap_or_else(|e| panic!("built {success:?} refused: {e}"));
        assert_eq!(
            (back.kind, back.session_id.as_deref(), back.state.as_str()),
            (ReturnKind::Success, Some(id.as_str()), state)
        );
        let back = base
            .parse_return(&urls.cancel_url)
            .unwrap_or_else(|e| panic!("built {:?} refused: {e}", urls.cancel_url));
        assert_eq!(
            (back.kind, back.session_id, back.state.as_str()),
            (ReturnKind::Cancel, None, state)
        );
    }
});
