//! Verification of Stripe webhook signatures, with a cost an attacker cannot inflate.
//!
//! Stripe signs `"{t}.{payload}"` with HMAC-SHA256 under the endpoint's `whsec_…` secret and
//! sends `Stripe-Signature: t=…,v1=…[,v1=…][,v0=…]`: one `v1` per active secret, so two while a
//! rolled secret is still valid. As Stripe's own libraries do, every `v1` value is tried, other
//! schemes are ignored, undecodable values are skipped, and a timestamp outside the tolerance is
//! refused (stripe-go `webhook/client.go` `validatePayload`, stripe-node `src/Webhooks.ts`
//! `validateComputedSignature`: the HMAC is computed once and compared with each candidate).
//!
//! The header comes from anyone who can reach the endpoint, so beyond Stripe's libraries (which
//! cap neither the header nor the number of candidates) this module:
//! - refuses a header longer than [`MAX_HEADER_BYTES`] and more than [`MAX_V1_SIGNATURES`]
//!   `v1` entries before doing any cryptography;
//! - checks the timestamp before computing anything;
//! - accepts only 64-digit hex (`[0-9a-fA-F]`, no sign: `u8::from_str_radix("+a", 16)` is
//!   `Ok`) and a timestamp of digits only, so one signature has one spelling;
//! - computes the HMAC over the payload exactly once, then compares it with each candidate in
//!   constant time through ring (a second HMAC under a random key, the "double HMAC"
//!   comparison, because ring's slice comparison is deprecated and makes no timing promise).
//!
//! Verifying therefore costs one HMAC over the body plus at most eight 32-byte HMACs, whatever
//! the header holds (`BENCHMARKS.md`, `cargo bench -p checkout-bridge-server --bench webhook`).
//!
//! ```
//! use checkout_bridge_server::wire::webhook::{sign_payload, verify_signature};
//! let payload = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;
//! let header = sign_payload(payload, "whsec_test", 1_800_000_000);
//! assert!(verify_signature(payload, header.as_bytes(), "whsec_test", 300, 1_800_000_100).is_ok());
//! assert!(verify_signature(payload, header.as_bytes(), "whsec_other", 300, 1_800_000_100).is_err());
//! ```

use ring::hmac;
use serde::Deserialize;

/// Stripe's default tolerance between the signature timestamp and now.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Longest `Stripe-Signature` value accepted. Stripe's own is about 150 bytes per secret
/// (`t=` + 10 digits, `,v1=` + 64 hex, `,v0=` + 64 hex in test mode); 4 KiB leaves room for
/// future schemes without letting a header carry thousands of candidates.
pub const MAX_HEADER_BYTES: usize = 4096;

/// Most `v1` entries accepted in one header. Stripe sends one per active endpoint secret: two
/// while a rolled secret's old value is still valid (it can be kept for up to 24 hours,
/// https://docs.stripe.com/webhooks#roll-endpoint-secrets). Eight is generous.
pub const MAX_V1_SIGNATURES: usize = 8;

/// A `v1` signature is HMAC-SHA256: 32 bytes, 64 hex digits.
const SIGNATURE_BYTES: usize = 32;

/// At most 12 digits in `t=` (unix seconds up to year 33658; Stripe sends 10).
const MAX_TIMESTAMP_DIGITS: usize = 12;

/// Why a webhook delivery was refused. Messages never contain the secret or the payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No `Stripe-Signature` header, no or several timestamps, or not `key=value` pairs.
    #[error("unable to extract timestamp and signatures from the Stripe-Signature header")]
    MalformedHeader,
    /// The header is longer than [`MAX_HEADER_BYTES`].
    #[error("the Stripe-Signature header is {len} bytes, more than the {max} accepted")]
    HeaderTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The header has more than [`MAX_V1_SIGNATURES`] `v1` entries.
    #[error("the Stripe-Signature header has more than {max} v1 signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// The header has no well-formed `v1` signature (64 hex digits).
    #[error("no signatures found with the expected scheme (v1)")]
    NoV1Signature,
    /// No `v1` value matches the payload under this secret.
    #[error("no signature matches the expected signature for the payload")]
    SignatureMismatch,
    /// The timestamp is outside the tolerance (a replay, or a badly wrong clock).
    #[error("timestamp outside the tolerance zone ({age_secs} s old, tolerance {tolerance_secs} s)")]
    StaleTimestamp {
        /// How old the signature is, in seconds (negative: from the future).
        age_secs: i64,
        /// The tolerance that was applied.
        tolerance_secs: i64,
    },
    /// The system random source failed while setting up the comparison key.
    #[error("no random source for the signature comparison")]
    NoRandomSource,
    /// The signature is valid but the body is not a Stripe event.
    #[error("payload is not a Stripe event: {0}")]
    MalformedPayload(String),
}

/// The parts of a Stripe event a merchant needs to fulfil orders.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct WebhookEvent {
    /// Event ID (`evt_…`): the deduplication key.
    pub id: String,
    /// Event type, e.g. `checkout.session.completed`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Unix time the event was created.
    pub created: i64,
    /// Live or test mode.
    #[serde(default)]
    pub livemode: bool,
    /// `data.object`: for checkout events, the Checkout Session.
    pub data: EventData,
}

/// The `data` member of an event.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EventData {
    /// The object the event is about.
    pub object: serde_json::Value,
}

impl WebhookEvent {
    /// The ID of the object the event is about (the session ID for checkout events).
    pub fn object_id(&self) -> Option<&str> {
        self.data.object.get("id").and_then(|v| v.as_str())
    }
}

/// A parsed `Stripe-Signature` header: cheap to build (no cryptography), bounded in size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHeader {
    /// The timestamp as sent (digits only): it is signed as text.
    timestamp_text: String,
    /// The timestamp's value.
    timestamp: i64,
    /// The well-formed `v1` candidates.
    signatures: Vec<[u8; SIGNATURE_BYTES]>,
}

impl SignatureHeader {
    /// Parses the raw header value. Refuses oversized headers and too many `v1` entries before
    /// looking at the values; skips `v1` values that are not 64 hex digits (as Stripe's
    /// libraries skip undecodable ones) and other schemes.
    ///
    /// # Errors
    ///
    /// [`WebhookError::HeaderTooLong`], [`WebhookError::TooManySignatures`],
    /// [`WebhookError::MalformedHeader`] (not ASCII, a part without `=`, no or several `t`, a
    /// `t` that is not 1–12 digits) or [`WebhookError::NoV1Signature`].
    pub fn parse(header: &[u8]) -> Result<Self, WebhookError> {
        if header.len() > MAX_HEADER_BYTES {
            return Err(WebhookError::HeaderTooLong {
                len: header.len(),
                max: MAX_HEADER_BYTES,
            });
        }
        if header.is_empty() || !header.is_ascii() {
            return Err(WebhookError::MalformedHeader);
        }
        let mut timestamp: Option<&[u8]> = None;
        let mut v1_entries = 0usize;
        let mut signatures = Vec::new();
        for part in header.split(|&b| b == b',') {
            let part = part.trim_ascii();
            let eq = part
                .iter()
                .position(|&b| b == b'=')
                .ok_or(WebhookError::MalformedHeader)?;
            let (key, value) = (&part[..eq], &part[eq + 1..]);
            match key {
                b"t" => {
                    let well_formed = !value.is_empty()
                        && value.len() <= MAX_TIMESTAMP_DIGITS
                        && value.iter().all(u8::is_ascii_digit);
                    if timestamp.is_some() || !well_formed {
                        return Err(WebhookError::MalformedHeader);
                    }
                    timestamp = Some(value);
                }
                b"v1" => {
                    v1_entries += 1;
                    if v1_entries > MAX_V1_SIGNATURES {
                        return Err(WebhookError::TooManySignatures { max: MAX_V1_SIGNATURES });
                    }
                    if let Some(sig) = crate::base::digest::decode32(value) {
                        signatures.push(sig);
                    }
                }
                _ => {} // v0 and future schemes are ignored, as Stripe's libraries do
            }
        }
        let text = timestamp.ok_or(WebhookError::MalformedHeader)?;
        // ASCII digits, at most 12 of them: always valid UTF-8 and always an i64.
        let timestamp_text = String::from_utf8_lossy(text).into_owned();
        let value = timestamp_text.parse().map_err(|_| WebhookError::MalformedHeader)?;
        if signatures.is_empty() {
            return Err(WebhookError::NoV1Signature);
        }
        Ok(SignatureHeader {
            timestamp_text,
            timestamp: value,
            signatures,
        })
    }

    /// The signed timestamp (unix seconds).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// How many well-formed `v1` candidates the header carries.
    pub fn candidates(&self) -> usize {
        self.signatures.len()
    }

    /// Refuses a timestamp more than `tolerance_secs` from `now`, in either direction (Stripe's
    /// libraries check only the past; a signed future timestamp can only come from a wrong
    /// clock, and accepting it would lengthen the window in which a captured delivery can be
    /// replayed). A tolerance of 0 or less disables the check, as in Stripe's libraries.
    ///
    /// # Errors
    ///
    /// [`WebhookError::StaleTimestamp`].
    pub fn check_timestamp(&self, tolerance_secs: i64, now: i64) -> Result<(), WebhookError> {
        let age = now.saturating_sub(self.timestamp);
        if tolerance_secs > 0 && age.saturating_abs() > tolerance_secs {
            return Err(WebhookError::StaleTimestamp {
                age_secs: age,
                tolerance_secs,
            });
        }
        Ok(())
    }
}

/// One endpoint secret, ready to verify many deliveries. `Debug` shows no key.
pub struct WebhookVerifier {
    signing: hmac::Key,
    /// A random key for comparing tags in constant time (see the module docs).
    compare: hmac::Key,
    tolerance_secs: i64,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("secret", &"[redacted]")
            .field("tolerance_secs", &self.tolerance_secs)
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier for the endpoint secret `secret` (`whsec_…`).
    ///
    /// # Errors
    ///
    /// [`WebhookError::NoRandomSource`] if the operating system's random source fails.
    pub fn new(secret: &str, tolerance_secs: i64) -> Result<Self, WebhookError> {
        let rng = ring::rand::SystemRandom::new();
        Ok(WebhookVerifier {
            signing: hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
            compare: hmac::Key::generate(hmac::HMAC_SHA256, &rng).map_err(|_| WebhookError::NoRandomSource)?,
            tolerance_secs,
        })
    }

    /// The cheap checks: parses `header` and checks its timestamp against `now`. Run this
    /// before [`WebhookVerifier::verify`], which costs an HMAC over the payload.
    ///
    /// # Errors
    ///
    /// Those of [`SignatureHeader::parse`] and [`SignatureHeader::check_timestamp`].
    pub fn precheck(&self, header: &[u8], now: i64) -> Result<SignatureHeader, WebhookError> {
        let parsed = SignatureHeader::parse(header)?;
        parsed.check_timestamp(self.tolerance_secs, now)?;
        Ok(parsed)
    }

    /// Computes the HMAC of `"{t}.{payload}"` once and compares it with every candidate in
    /// constant time (each candidate is compared, whichever matches).
    ///
    /// # Errors
    ///
    /// [`WebhookError::SignatureMismatch`].
    pub fn verify(&self, payload: &[u8], header: &SignatureHeader) -> Result<(), WebhookError> {
        let mut ctx = hmac::Context::with_key(&self.signing);
        ctx.update(header.timestamp_text.as_bytes());
        ctx.update(b".");
        ctx.update(payload);
        let expected = ctx.sign();
        // Double HMAC: equal tags give equal HMACs under the random key, and `hmac::verify`
        // compares those in constant time; what an attacker could time is an HMAC of his own
        // candidate under a key he does not know.
        let expected_under_compare = hmac::sign(&self.compare, expected.as_ref());
        let matched = header.signatures.iter().fold(false, |ok, candidate| {
            hmac::verify(&self.compare, candidate, expected_under_compare.as_ref()).is_ok() | ok
        });
        if matched {
            Ok(())
        } else {
            Err(WebhookError::SignatureMismatch)
        }
    }

    /// Everything: bounded parse, timestamp, one HMAC, then the event's JSON.
    ///
    /// # Errors
    ///
    /// Any [`WebhookError`] but [`WebhookError::NoRandomSource`].
    pub fn construct_event(&self, payload: &[u8], header: &[u8], now: i64) -> Result<WebhookEvent, WebhookError> {
        let parsed = self.precheck(header, now)?;
        self.verify(payload, &parsed)?;
        parse_event(payload)
    }
}

/// The event in a payload whose signature was verified.
///
/// # Errors
///
/// [`WebhookError::MalformedPayload`].
pub fn parse_event(payload: &[u8]) -> Result<WebhookEvent, WebhookError> {
    serde_json::from_slice(payload).map_err(|e| WebhookError::MalformedPayload(e.to_string()))
}

/// Checks `header` (the raw `Stripe-Signature` value) against `payload` (the raw body, before
/// any JSON parsing) at unix time `now`. For one-off checks; a server keeps a
/// [`WebhookVerifier`].
///
/// # Errors
///
/// See [`WebhookVerifier::precheck`] and [`WebhookVerifier::verify`].
pub fn verify_signature(
    payload: &[u8],
    header: &[u8],
    secret: &str,
    tolerance_secs: i64,
    now: i64,
) -> Result<(), WebhookError> {
    let verifier = WebhookVerifier::new(secret, tolerance_secs)?;
    let parsed = verifier.precheck(header, now)?;
    verifier.verify(payload, &parsed)
}

/// Verifies and parses a delivery into a [`WebhookEvent`].
///
/// # Errors
///
/// See [`verify_signature`] and [`parse_event`].
pub fn construct_event(
    payload: &[u8],
    header: &[u8],
    secret: &str,
    tolerance_secs: i64,
    now: i64,
) -> Result<WebhookEvent, WebhookError> {
    verify_signature(payload, header, secret, tolerance_secs, now)?;
    parse_event(payload)
}

/// Produces a `Stripe-Signature` header for `payload` at time `t`, as Stripe would; for tests
/// and for emulators that send webhooks.
pub fn sign_payload(payload: &[u8], secret: &str, t: i64) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let mut signed = t.to_string().into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(payload);
    let tag = hmac::sign(&key, &signed);
    format!("t={t},v1={}", hex::encode(tag.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const T: i64 = 1_800_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event","type":"checkout.session.completed","created":1800000000,"livemode":false,"data":{"object":{"id":"cs_test_1","object":"checkout.session"}}}"#;

    fn verify(header: &str, now: i64) -> Result<(), WebhookError> {
        verify_signature(BODY, header.as_bytes(), SECRET, 300, now)
    }

    fn good_sig() -> String {
        let h = sign_payload(BODY, SECRET, T);
        h.split("v1=").nth(1).unwrap_or_default().to_owned()
    }

    #[test]
    fn valid_signature_and_event() {
        let h = sign_payload(BODY, SECRET, T);
        let e = construct_event(BODY, h.as_bytes(), SECRET, 300, T + 10).expect("valid");
        assert_eq!(e.id, "evt_1");
        assert_eq!(e.event_type, "checkout.session.completed");
        assert_eq!(e.object_id(), Some("cs_test_1"));
        // Upper-case hex is the same signature (Go's hex.DecodeString accepts it too).
        assert_eq!(verify(&format!("t={T},v1={}", good_sig().to_uppercase()), T), Ok(()));
        // Spaces around parts, as some proxies fold headers.
        assert_eq!(verify(&format!("t={T}, v1={}", good_sig()), T), Ok(()));
    }

    #[test]
    fn every_v1_is_tried_and_v0_is_ignored() {
        let good_sig = good_sig();
        let header = format!("t={T},v1={},v1={good_sig},v0={}", "00".repeat(32), "ab".repeat(32));
        assert_eq!(verify(&header, T), Ok(()));
        assert_eq!(
            verify(&format!("t={T},v0={good_sig}"), T),
            Err(WebhookError::NoV1Signature)
        );
        // A rolled secret: two v1 values, the good one second.
        let rolled = format!(
            "t={T},v1={},v1={good_sig}",
            sign_payload(BODY, "whsec_old", T)
                .split("v1=")
                .nth(1)
                .unwrap_or_default()
        );
        assert_eq!(verify(&rolled, T), Ok(()));
    }

    #[test]
    fn refusals_match_stripes_libraries() {
        let h = sign_payload(BODY, SECRET, T);
        assert_eq!(
            verify_signature(BODY, h.as_bytes(), "whsec_wrong", 300, T),
            Err(WebhookError::SignatureMismatch)
        );
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify_signature(&tampered, h.as_bytes(), SECRET, 300, T),
            Err(WebhookError::SignatureMismatch)
        );
        assert_eq!(
            verify(&h, T + 301),
            Err(WebhookError::StaleTimestamp {
                age_secs: 301,
                tolerance_secs: 300
            })
        );
        assert_eq!(verify("", T), Err(WebhookError::MalformedHeader));
        assert_eq!(verify("v1=abcd", T), Err(WebhookError::MalformedHeader));
        let not_json = b"not json";
        let h2 = sign_payload(not_json, SECRET, T);
        assert!(matches!(
            construct_event(not_json, h2.as_bytes(), SECRET, 300, T),
            Err(WebhookError::MalformedPayload(_))
        ));
        // No message carries the secret.
        for e in [WebhookError::SignatureMismatch, WebhookError::MalformedHeader] {
            assert!(!e.to_string().contains(SECRET));
        }
        let v = WebhookVerifier::new(SECRET, 300).expect("verifier");
        assert!(!format!("{v:?}").contains(SECRET));
    }

    /// What an attacker sends to burn CPU or to slip a forged signature through.
    #[test]
    fn hostile_headers() {
        let good = good_sig();
        let wrong = "00".repeat(32);
        let many = |n: usize, t: i64| {
            let mut h = format!("t={t}");
            for _ in 0..n {
                h.push_str(",v1=");
                h.push_str(&wrong);
            }
            h
        };
        // ~400 KiB of candidates: refused on its length, before any HMAC.
        let huge = many(6_000, T);
        assert!(huge.len() > 400_000);
        assert_eq!(
            verify(&huge, T),
            Err(WebhookError::HeaderTooLong {
                len: huge.len(),
                max: MAX_HEADER_BYTES
            })
        );
        // Within the length limit but more candidates than Stripe ever sends, the good one
        // among them: refused, whatever they contain.
        let crowd = format!("{},v1={good}", many(MAX_V1_SIGNATURES, T));
        assert!(crowd.len() <= MAX_HEADER_BYTES);
        assert_eq!(
            verify(&crowd, T),
            Err(WebhookError::TooManySignatures { max: MAX_V1_SIGNATURES })
        );
        // The limit itself is fine.
        let at_limit = format!("{},v1={good}", many(MAX_V1_SIGNATURES - 1, T));
        assert_eq!(verify(&at_limit, T), Ok(()));
        // A stale timestamp is refused before the candidates are looked at.
        assert!(matches!(
            verify(&many(MAX_V1_SIGNATURES, T - 10_000), T),
            Err(WebhookError::StaleTimestamp { .. })
        ));
        // ... and so is one from the future.
        assert!(matches!(
            verify(&sign_payload(BODY, SECRET, T + 10_000), T),
            Err(WebhookError::StaleTimestamp { .. })
        ));
        // Wrong lengths: a prefix of the good signature, the good one with a byte appended,
        // an odd length. None is a candidate.
        for v in [&good[..62], &format!("{good}00"), &good[..63], &format!("{good}0"), ""] {
            assert_eq!(
                verify(&format!("t={T},v1={v}"), T),
                Err(WebhookError::NoV1Signature),
                "{v}"
            );
        }
        // A signed hex pair: "+a" parses as 0x0a with from_str_radix. Forge by replacing a
        // leading-zero pair of the good signature; also "-0", " a", "0x".
        let pos = (0..32).find(|i| good.as_bytes()[2 * i] == b'0');
        let forged = match pos {
            Some(i) => format!("{}+{}", &good[..2 * i], &good[2 * i + 1..]),
            None => format!("+{}", &good[1..]),
        };
        assert_eq!(forged.len(), 64);
        assert_eq!(
            verify(&format!("t={T},v1={forged}"), T),
            Err(WebhookError::NoV1Signature)
        );
        for (from, to) in [("0", "-"), ("0", " "), ("0", "x")] {
            let mangled = good.replacen(from, to, 1);
            assert!(verify(&format!("t={T},v1={mangled}"), T).is_err(), "{mangled}");
        }
        // Timestamps: signed, padded, several, huge, missing.
        let g = &good;
        for h in [
            format!("t=+{T},v1={g}"),
            format!(
                "t=0{T},v1={}",
                sign_payload(BODY, SECRET, T).split("v1=").nth(1).unwrap_or_default()
            ),
            format!("t={T},t={T},v1={g}"),
            format!("t=99999999999999999999,v1={g}"),
            format!("t=,v1={g}"),
            format!("v1={g}"),
            format!("t={T},v1={g},garbage"),
            format!("t={T},,v1={g}"),
        ] {
            assert!(verify(&h, T).is_err(), "{h}");
        }
        // Non-UTF-8 and non-ASCII bytes.
        let mut bytes = format!("t={T},v1={g}").into_bytes();
        bytes.push(0xff);
        assert_eq!(
            verify_signature(BODY, &bytes, SECRET, 300, T),
            Err(WebhookError::MalformedHeader)
        );
        assert_eq!(
            verify(&format!("t={T},v1={g},v0=\u{e9}"), T),
            Err(WebhookError::MalformedHeader)
        );
    }

    #[test]
    fn the_parse_is_cheap_and_bounded() {
        let h = SignatureHeader::parse(format!("t={T},v1={},v1={}", good_sig(), "ab".repeat(32)).as_bytes())
            .expect("parses");
        assert_eq!((h.timestamp(), h.candidates()), (T, 2));
    }
}
